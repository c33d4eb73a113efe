/// The arithmetic an optimizer's update rule is written in.
///
/// Every kernel writes its per-element formula once, generically over `Lane`, and that one
/// text is run three ways: on SIMD vectors (the hot loop), on single scalars (the loop's
/// tail), and on `Interval`s (the proof, before a step, that it cannot produce a non-finite
/// value). Because the three share the formula, the proof is about the very operations the
/// loop executes, in the same order and precision.
///
/// Only correctly rounded IEEE operations appear here (no fused multiply-add, no reciprocal
/// estimates), so a vector lane, a scalar and every instruction set give bit-identical results.
public protocol Lane {
    associatedtype Scalar: KernelScalar

    init(broadcast: Scalar)

    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    static prefix func - (operand: Self) -> Self

    /// The correctly rounded square root.
    func squareRoot() -> Self
    /// `self * self`; an interval knows the result is not negative.
    func squared() -> Self
    /// `(c * self) * self` for `c >= 0`: torch's `addcmul(x, x, value: c)`, evaluated in its order.
    func scaledSquare(by c: Scalar) -> Self
    /// The lane-wise maximum (both operands are finite wherever it is used).
    func laneMax(_ other: Self) -> Self
}

extension Lane {
    @inlinable @inline(__always)
    public static func + (lhs: Self, rhs: Scalar) -> Self { lhs + Self(broadcast: rhs) }
    @inlinable @inline(__always)
    public static func - (lhs: Self, rhs: Scalar) -> Self { lhs - Self(broadcast: rhs) }
    @inlinable @inline(__always)
    public static func * (lhs: Self, rhs: Scalar) -> Self { lhs * Self(broadcast: rhs) }
    @inlinable @inline(__always)
    public static func * (lhs: Scalar, rhs: Self) -> Self { Self(broadcast: lhs) * rhs }
    @inlinable @inline(__always)
    public static func / (lhs: Self, rhs: Scalar) -> Self { lhs / Self(broadcast: rhs) }
    @inlinable @inline(__always)
    public static func / (lhs: Scalar, rhs: Self) -> Self { Self(broadcast: lhs) / rhs }

    /// torch's `lerp_(end, weight)` on CPU: `self + w·(end − self)` for `w < 0.5`,
    /// else `end − (end − self)·(1 − w)`. `weight` and `oneMinusWeight` are passed
    /// precomputed so that the branch is taken once per step, not per element.
    @inlinable @inline(__always)
    public func lerp(to end: Self, weight: Scalar, oneMinusWeight: Scalar, weightBelowHalf: Bool) -> Self {
        weightBelowHalf ? self + weight * (end - self) : end - (end - self) * oneMinusWeight
    }

    /// `max(self, 0)`.
    @inlinable @inline(__always)
    public func clampedAtZero() -> Self { laneMax(Self(broadcast: 0)) }
}

/// A lane that the sweep loads from and stores to memory.
public protocol MemoryLane: Lane {
    static var width: Int { get }
    static func load(_ pointer: UnsafePointer<Scalar>) -> Self
    func store(_ pointer: UnsafeMutablePointer<Scalar>)
    func laneMin(_ other: Self) -> Self
    /// The smallest and largest lane.
    func minimum() -> Scalar
    func maximum() -> Scalar
    /// Zero where the lane is finite, NaN where it is not.
    func finiteProbe() -> Self
    /// Whether every lane of an accumulated probe is zero (no non-finite value was seen).
    func probeIsClean() -> Bool
}

/// The two element types a session can hold.
public protocol KernelScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, MemoryLane
where Scalar == Self {
    /// The SIMD vector the hot loop works on.
    associatedtype Vector: MemoryLane where Vector.Scalar == Self
}
