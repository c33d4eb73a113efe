/// The bounds of a buffer's values, and the first element that is not finite, in one pass:
/// how a buffer that did not come from a sweep (new parameters, a restored state, decoded
/// gradients) gets the bounds the finiteness proof starts from.
public struct ScanResult<Scalar: KernelScalar>: Sendable, Equatable {
    public var bounds: Interval<Scalar>
    /// The index of the first NaN or infinity, if any.
    public var firstNonFinite: Int?

    @inlinable
    public init(bounds: Interval<Scalar>, firstNonFinite: Int?) {
        self.bounds = bounds
        self.firstNonFinite = firstNonFinite
    }
}

@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func scanBounds<Scalar: KernelScalar>(_ values: UnsafeBufferPointer<Scalar>) -> ScanResult<Scalar> {
    typealias V = Scalar.Vector
    guard let base = values.baseAddress else { return ScanResult(bounds: .empty, firstNonFinite: nil) }
    var low = V(broadcast: .infinity), high = V(broadcast: -.infinity), probe = V(broadcast: 0)
    var i = 0
    while i + V.width <= values.count {
        let v = V.load(base + i)
        low = low.laneMin(v)
        high = high.laneMax(v)
        probe = probe + v.finiteProbe()
        i += V.width
    }
    var bounds = Interval(lower: low.minimum(), upper: high.maximum())
    if !probe.probeIsClean() {
        return ScanResult(bounds: .unbounded, firstNonFinite: values.firstIndex { !$0.isFinite })
    }
    while i < values.count {
        let v = base[i]
        if !v.isFinite { return ScanResult(bounds: .unbounded, firstNonFinite: i) }
        bounds = bounds.hull(Interval(broadcast: v))
        i += 1
    }
    return ScanResult(bounds: bounds, firstNonFinite: nil)
}
