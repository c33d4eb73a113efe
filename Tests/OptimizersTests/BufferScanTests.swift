import OptdKernels
import Testing

/// `scanBounds` runs four vectors per iteration, then single vectors, then single elements:
/// every length up to past two unrolled iterations, and a bad value at every index, so that
/// each of the three loops (and each accumulator) is the one that sees it.
@Suite("Buffer scan")
struct BufferScanTests {
    @Test("bounds are the exact minimum and maximum at every length")
    func bounds() {
        check(Float.self)
        check(Double.self)
    }

    @Test("the first NaN or infinity is found wherever it is")
    func firstNonFinite() {
        findBad(Float.self)
        findBad(Double.self)
    }

    private func values<S: KernelScalar>(_ count: Int, _: S.Type) -> [S] {
        (0..<count).map { S(($0 * 37) % 101) - 50 }
    }

    private func check<S: KernelScalar>(_: S.Type) {
        for count in 1...(9 * S.Vector.width + 3) {
            let v = values(count, S.self)
            let result = v.withUnsafeBufferPointer { scanBounds($0) }
            #expect(result == ScanResult(bounds: Interval(lower: v.min()!, upper: v.max()!), firstNonFinite: nil),
                    "count \(count)")
        }
        // The unique minimum and the unique maximum at every index, so that each accumulator
        // (and the merge of the four) is the one that must report them.
        let count = 9 * S.Vector.width + 3
        for index in 0..<count {
            for extreme in [S(-1000), S(1000)] {
                var v = values(count, S.self)
                v[index] = extreme
                let result = v.withUnsafeBufferPointer { scanBounds($0) }
                #expect(result.bounds == Interval(lower: v.min()!, upper: v.max()!), "\(extreme) at \(index)")
            }
        }
    }

    private func findBad<S: KernelScalar>(_: S.Type) {
        let count = 9 * S.Vector.width + 3
        for bad in [S.nan, .infinity, -.infinity] {
            for index in 0..<count {
                var v = values(count, S.self)
                v[index] = bad
                if index + 5 < count { v[index + 5] = .nan }  // a later one must not be reported
                let result = v.withUnsafeBufferPointer { scanBounds($0) }
                #expect(result.firstNonFinite == index, "\(bad) at \(index)")
            }
        }
    }
}
