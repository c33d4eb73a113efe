import CBaseline
import Dispatch
import Optimizers

#if canImport(Glibc)
import Glibc
#endif

/// The C AdamW loop on its own copy of the test data (fresh moments), split over `threads`
/// exactly as `StepEngine` splits a sweep.
final class CAdamWLoop<S: SessionScalar> {
    let params: ScalarBuffer<S>, m: ScalarBuffer<S>, v: ScalarBuffer<S>
    let gradients: GradientBuffer<S>
    let ranges: [Range<Int>]
    var call: CAdamWCall
    var t = 0.0

    /// Bytes one step moves per element: reads p, g, m, v; writes p, m, v.
    static var bytesPerElement: Int { 7 * MemoryLayout<S>.size }

    init(_ data: TestData<S>, threads: Int) {
        params = data.params.copy()
        m = ScalarBuffer(repeating: 0, count: data.count)
        v = ScalarBuffer(repeating: 0, count: data.count)
        gradients = data.gradients
        call = CAdamWCall(dtype: S.dtype, p: params.base, g: gradients.values.base, m: m.base, v: v.base)
        ranges = splitLikeStepEngine(data.count, threads: threads)
    }

    func step() {
        t += 1
        call.step = cbaseline_adamw_step(
            lr: 1e-3, weight_decay: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8,
            step_size: 1e-3 / (1 - pow(0.9, t)), bias_correction2_sqrt: (1 - pow(0.999, t)).squareRoot())
        if ranges.count == 1 { return call.run(ranges[0]) }
        let call = self.call, ranges = self.ranges
        DispatchQueue.concurrentPerform(iterations: ranges.count) { call.run(ranges[$0]) }
    }
}

/// The C loop's buffers and this step's constants, as handed to each thread.
struct CAdamWCall: @unchecked Sendable {
    let dtype: DType
    let p, g, m, v: UnsafeMutableRawPointer
    var step = cbaseline_adamw_step()

    init<S>(dtype: DType, p: UnsafeMutablePointer<S>, g: UnsafeMutablePointer<S>, m: UnsafeMutablePointer<S>, v: UnsafeMutablePointer<S>) {
        self.dtype = dtype
        (self.p, self.g, self.m, self.v) = (UnsafeMutableRawPointer(p), UnsafeMutableRawPointer(g), UnsafeMutableRawPointer(m), UnsafeMutableRawPointer(v))
    }

    func run(_ range: Range<Int>) {
        withUnsafePointer(to: step) { step in
            switch dtype {
            case .float32:
                func f(_ raw: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
                cbaseline_adamw_f32(f(p), f(g), f(m), f(v), range.lowerBound, range.upperBound, step)
            case .float64:
                func d(_ raw: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Double> { raw.assumingMemoryBound(to: Double.self) }
                cbaseline_adamw_f64(d(p), d(g), d(m), d(v), range.lowerBound, range.upperBound, step)
            }
        }
    }
}

/// A C loop with the same memory streams as a configuration (see `cbaseline_streams_f32`), on
/// its own buffers, split over `threads` like a sweep: the ceiling for that access pattern.
final class CStreamsLoop<S: SessionScalar>: @unchecked Sendable {
    let stateCount: Int
    let params: ScalarBuffer<S>, gradients: ScalarBuffer<S>
    let state: [ScalarBuffer<S>]
    let ranges: [Range<Int>]

    init(_ data: TestData<S>, stateCount: Int, threads: Int) {
        self.stateCount = stateCount
        params = data.params.copy()
        gradients = data.gradients.values.copy()
        state = (0..<3).map { _ in ScalarBuffer(repeating: 0, count: data.count) }
        ranges = splitLikeStepEngine(data.count, threads: threads)
    }

    func step() {
        if ranges.count == 1 { return run(ranges[0]) }
        let ranges = self.ranges
        DispatchQueue.concurrentPerform(iterations: ranges.count) { self.run(ranges[$0]) }
    }

    private func run(_ range: Range<Int>) {
        let lo = range.lowerBound, hi = range.upperBound, n = Int32(stateCount)
        if S.self == Float.self {
            func f(_ b: ScalarBuffer<S>) -> UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(b.base).assumingMemoryBound(to: Float.self) }
            cbaseline_streams_f32(f(params), f(gradients), f(state[0]), f(state[1]), f(state[2]), n, lo, hi)
        } else {
            func d(_ b: ScalarBuffer<S>) -> UnsafeMutablePointer<Double> { UnsafeMutableRawPointer(b.base).assumingMemoryBound(to: Double.self) }
            cbaseline_streams_f64(d(params), d(gradients), d(state[0]), d(state[1]), d(state[2]), n, lo, hi)
        }
    }
}

/// `StepEngine.pieces`: one range per thread, cut on 64-element boundaries; no split below 2^16.
func splitLikeStepEngine(_ count: Int, threads: Int) -> [Range<Int>] {
    guard threads > 1, count >= 1 << 16 else { return [0..<count] }
    let per = ((count / threads) + 63) & ~63
    return stride(from: 0, to: count, by: per).map { $0..<min($0 + per, count) }
}
