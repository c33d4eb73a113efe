import Optimizers

/// The O(n) work around a step that is not the kernel: validating a request's gradients
/// (`GradientBuffer`, once per step) and creating a session (`OptimizerState.init`, which
/// scans the parameters and allocates zeroed state).
struct Overhead {
    let dtype: String
    let elements: Int
    let validationSeconds: Double
    let creationSeconds: Double
}

/// Median seconds of `GradientBuffer(validating:)` over the test gradients (3 runs).
func timeGradientValidation<S: SessionScalar>(_ data: TestData<S>) -> Double {
    median((0..<3).map { _ in
        let start = monotonicSeconds()
        let validated = try! GradientBuffer(validating: data.gradients.values)
        let seconds = monotonicSeconds() - start
        precondition(validated.bounds == data.gradients.bounds)
        return seconds
    })
}

func printOverheads(_ overheads: [Overhead], markdown: Bool) {
    guard !overheads.isEmpty else { return }
    print("\nO(n) work outside the kernel (GB/s: the one read pass of validation, 4 or 8 B/element; compare with the C loop):\n")
    let table = TablePrinter(columns: [
        ("dtype", 7), ("elements", 8), ("GradientBuffer(validating:) ms", 30), ("GB/s", 6), ("OptimizerState.init ms", 22),
    ], markdown: markdown)
    table.header()
    for o in overheads {
        let width = o.dtype == "float32" ? 4 : 8
        table.line([o.dtype, formatCount(o.elements), fixed(o.validationSeconds * 1e3, 1),
                    fixed(effectiveBandwidth(width, o.elements, o.validationSeconds), 2), fixed(o.creationSeconds * 1e3, 1)])
    }
}
