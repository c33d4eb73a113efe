// The two loops every kernel runs in: `commitSweep` writes the update in place and returns
// the new bounds of what it wrote; `probeSweep` computes the same update, writes nothing and
// reports whether every result would be finite. Both are generic over the state arity so
// that loads and stores of unused slots vanish at specialisation.

/// Names the instruction set a sweeper compiles the loops for. It only makes the mangled names
/// of each sweeper's specialisations distinct, so that the linker cannot merge them.
public protocol InstructionSetTag {}
public enum PortableTag: InstructionSetTag {}

/// A state arity known at compile time.
public protocol StateArity { static var count: Int { get } }
public enum Arity0: StateArity { @inlinable public static var count: Int { 0 } }
public enum Arity1: StateArity { @inlinable public static var count: Int { 1 } }
public enum Arity2: StateArity { @inlinable public static var count: Int { 2 } }
public enum Arity3: StateArity { @inlinable public static var count: Int { 3 } }

@inlinable @inline(__always)
func loadState<L: MemoryLane, A: StateArity>(_ io: KernelIO<L.Scalar>, _ i: Int, _: A.Type) -> LaneState<L> {
    let zero = L(broadcast: 0)
    return LaneState(
        A.count > 0 ? L.load(io.state.0.unsafelyUnwrapped + i) : zero,
        A.count > 1 ? L.load(io.state.1.unsafelyUnwrapped + i) : zero,
        A.count > 2 ? L.load(io.state.2.unsafelyUnwrapped + i) : zero
    )
}

@inlinable @inline(__always)
func storeState<L: MemoryLane, A: StateArity>(_ state: LaneState<L>, _ io: KernelIO<L.Scalar>, _ i: Int, _: A.Type) {
    if A.count > 0 { state.s0.store(io.state.0.unsafelyUnwrapped + i) }
    if A.count > 1 { state.s1.store(io.state.1.unsafelyUnwrapped + i) }
    if A.count > 2 { state.s2.store(io.state.2.unsafelyUnwrapped + i) }
}

/// Running minimum and maximum of the four outputs, per lane.
@usableFromInline
struct RunningBounds<L: MemoryLane, I: InstructionSetTag> {
    @usableFromInline var low: LaneState<L>
    @usableFromInline var high: LaneState<L>
    @usableFromInline var paramLow: L
    @usableFromInline var paramHigh: L

    @inlinable
    init() {
        let inf = L(broadcast: .infinity), negInf = L(broadcast: -.infinity)
        low = LaneState(inf, inf, inf)
        high = LaneState(negInf, negInf, negInf)
        paramLow = inf
        paramHigh = negInf
    }

    @inlinable @inline(__always)
    mutating func include<A: StateArity>(_ p: L, _ s: LaneState<L>, _: A.Type) {
        paramLow = paramLow.laneMin(p)
        paramHigh = paramHigh.laneMax(p)
        if A.count > 0 { low.s0 = low.s0.laneMin(s.s0); high.s0 = high.s0.laneMax(s.s0) }
        if A.count > 1 { low.s1 = low.s1.laneMin(s.s1); high.s1 = high.s1.laneMax(s.s1) }
        if A.count > 2 { low.s2 = low.s2.laneMin(s.s2); high.s2 = high.s2.laneMax(s.s2) }
    }

    @inlinable
    func bounds<A: StateArity>(_: A.Type) -> BufferBounds<L.Scalar> {
        func interval(_ lo: L, _ hi: L) -> Interval<L.Scalar> { Interval(lower: lo.minimum(), upper: hi.maximum()) }
        let all = [interval(low.s0, high.s0), interval(low.s1, high.s1), interval(low.s2, high.s2)]
        return BufferBounds(param: interval(paramLow, paramHigh), state: Array(all.prefix(A.count)))
    }
}

/// Applies `kernel` in place to `range`, vector by vector, then the tail element by element,
/// and returns the bounds of every value it wrote.
@inlinable
public func commitSweep<K: ElementwiseKernel, V: MemoryLane, A: StateArity, I: InstructionSetTag>(
    _ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>, _: V.Type, _: A.Type, _: I.Type
) -> BufferBounds<K.Scalar> where V.Scalar == K.Scalar {
    var vectorBounds = RunningBounds<V, I>()
    // Two vectors per iteration, independent of each other and far apart: one from each half
    // of the range. The CPU overlaps one's divisions and square roots with the other's loads,
    // and the hardware prefetchers follow twice as many streams, which keeps more memory
    // requests in flight (plain SGD, three streams, gains most).
    let half = (range.count / 2) / V.width * V.width
    var i = range.lowerBound
    var j = range.lowerBound + half
    while i + V.width <= range.lowerBound + half {
        var p = V.load(io.param + i), q = V.load(io.param + j)
        var s: LaneState<V> = loadState(io, i, A.self), t: LaneState<V> = loadState(io, j, A.self)
        kernel.update(&p, V.load(io.gradient + i), &s)
        kernel.update(&q, V.load(io.gradient + j), &t)
        p.store(io.param + i)
        q.store(io.param + j)
        storeState(s, io, i, A.self)
        storeState(t, io, j, A.self)
        vectorBounds.include(p, s, A.self)
        vectorBounds.include(q, t, A.self)
        i += V.width
        j += V.width
    }
    // The second half may hold one vector and a tail more than the first.
    i = j
    while i + V.width <= range.upperBound {
        var p = V.load(io.param + i)
        var s: LaneState<V> = loadState(io, i, A.self)
        kernel.update(&p, V.load(io.gradient + i), &s)
        p.store(io.param + i)
        storeState(s, io, i, A.self)
        vectorBounds.include(p, s, A.self)
        i += V.width
    }
    var tailBounds = RunningBounds<K.Scalar, I>()
    while i < range.upperBound {
        var p = io.param[i]
        var s: LaneState<K.Scalar> = loadState(io, i, A.self)
        kernel.update(&p, io.gradient[i], &s)
        p.store(io.param + i)
        storeState(s, io, i, A.self)
        tailBounds.include(p, s, A.self)
        i += 1
    }
    return vectorBounds.bounds(A.self).hull(tailBounds.bounds(A.self))
}

/// Computes `kernel` over `range` without writing anything; true when every parameter and
/// state value it would write is finite.
@inlinable
public func probeSweep<K: ElementwiseKernel, V: MemoryLane, A: StateArity, I: InstructionSetTag>(
    _ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>, _: V.Type, _: A.Type, _: I.Type
) -> Bool where V.Scalar == K.Scalar {
    var i = range.lowerBound
    var probe = V(broadcast: 0)
    while i + V.width <= range.upperBound {
        var p = V.load(io.param + i)
        var s: LaneState<V> = loadState(io, i, A.self)
        kernel.update(&p, V.load(io.gradient + i), &s)
        probe = probe + p.finiteProbe()
        if A.count > 0 { probe = probe + s.s0.finiteProbe() }
        if A.count > 1 { probe = probe + s.s1.finiteProbe() }
        if A.count > 2 { probe = probe + s.s2.finiteProbe() }
        i += V.width
    }
    guard probe.probeIsClean() else { return false }
    return firstNonFinite(kernel, io, i..<range.upperBound, A.self, I.self) == nil
}

/// The first element in `range` whose update would not be finite: element by element, for the
/// error message of a refused step (never on the hot path).
@inlinable
public func firstNonFinite<K: ElementwiseKernel, A: StateArity, I: InstructionSetTag>(
    _ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>, _: A.Type, _: I.Type
) -> NonFiniteElement? {
    for i in range {
        var p = io.param[i]
        var s: LaneState<K.Scalar> = loadState(io, i, A.self)
        kernel.update(&p, io.gradient[i], &s)
        if !p.isFinite { return NonFiniteElement(index: i, stateSlot: nil) }
        if A.count > 0 && !s.s0.isFinite { return NonFiniteElement(index: i, stateSlot: 0) }
        if A.count > 1 && !s.s1.isFinite { return NonFiniteElement(index: i, stateSlot: 1) }
        if A.count > 2 && !s.s2.isFinite { return NonFiniteElement(index: i, stateSlot: 2) }
    }
    return nil
}

/// Evaluates `kernel` once on intervals: the bounds of everything a sweep over elements
/// within `inputs` and `gradient` could write. Finite bounds prove the sweep finite.
@inlinable
public func boundUpdate<K: ElementwiseKernel>(
    _ kernel: K, inputs: BufferBounds<K.Scalar>, gradient: Interval<K.Scalar>
) -> BufferBounds<K.Scalar> {
    var p = inputs.param
    let zero = Interval<K.Scalar>(broadcast: 0)
    func slot(_ k: Int) -> Interval<K.Scalar> { k < inputs.state.count ? inputs.state[k] : zero }
    var s = LaneState(slot(0), slot(1), slot(2))
    kernel.update(&p, gradient, &s)
    return BufferBounds(param: p, state: Array([s.s0, s.s1, s.s2].prefix(kernel.stateCount)))
}
