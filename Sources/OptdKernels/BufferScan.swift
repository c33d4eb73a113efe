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

@_specialize(exported: true, where Scalar == Float)
@_specialize(exported: true, where Scalar == Double)
public func scanBounds<Scalar: KernelScalar>(_ values: UnsafeBufferPointer<Scalar>) -> ScanResult<Scalar> {
    typealias V = Scalar.Vector
    guard let base = values.baseAddress else { return ScanResult(bounds: .empty, firstNonFinite: nil) }
    // Four independent sets of accumulators: one set would chain every vector's min, max and
    // add behind the previous one's latency, and the scan would run at a third of memory speed.
    let inf = V(broadcast: .infinity), negInf = V(broadcast: -.infinity), zero = V(broadcast: 0)
    var low = (inf, inf, inf, inf), high = (negInf, negInf, negInf, negInf), probe = (zero, zero, zero, zero)
    var i = 0
    while i + 4 * V.width <= values.count {
        let a = V.load(base + i), b = V.load(base + i + V.width)
        let c = V.load(base + i + 2 * V.width), d = V.load(base + i + 3 * V.width)
        low = (low.0.laneMin(a), low.1.laneMin(b), low.2.laneMin(c), low.3.laneMin(d))
        high = (high.0.laneMax(a), high.1.laneMax(b), high.2.laneMax(c), high.3.laneMax(d))
        probe = (probe.0 + a.finiteProbe(), probe.1 + b.finiteProbe(), probe.2 + c.finiteProbe(), probe.3 + d.finiteProbe())
        i += 4 * V.width
    }
    var lowAll = low.0.laneMin(low.1).laneMin(low.2.laneMin(low.3))
    var highAll = high.0.laneMax(high.1).laneMax(high.2.laneMax(high.3))
    var probeAll = (probe.0 + probe.1) + (probe.2 + probe.3)
    while i + V.width <= values.count {
        let v = V.load(base + i)
        lowAll = lowAll.laneMin(v)
        highAll = highAll.laneMax(v)
        probeAll = probeAll + v.finiteProbe()
        i += V.width
    }
    var bounds = Interval(lower: lowAll.minimum(), upper: highAll.maximum())
    if !probeAll.probeIsClean() {
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
