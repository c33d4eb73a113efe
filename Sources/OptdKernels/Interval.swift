/// A closed range of values `[lower, upper]`, as a lane: the proof that a step stays finite.
///
/// Before a step, the kernel's own update formula is evaluated once on intervals that hold
/// every element of each input (the running minimum and maximum of the parameters and of each
/// state buffer, and those of the gradient). Each interval operation takes its bounds from
/// the corners of its operands, computed with the same correctly rounded operation the loop
/// uses. Rounding to nearest is monotone, so every rounded element result lies inside the
/// rounded interval result: if every output interval is finite, every element the loop will
/// write is finite, and the step can run in place in one pass. An operation whose result is
/// not bounded — a division by an interval that holds zero, the root of one that holds a
/// negative number, an overflow — yields a non-finite bound, and the step takes the careful
/// path instead (see `StepPlan`). The proof is conservative: it may send a step that would
/// have been fine down the careful path, never the reverse.
public struct Interval<Scalar: KernelScalar>: Lane, Sendable, Equatable {
    public var lower: Scalar
    public var upper: Scalar

    @inlinable
    public init(lower: Scalar, upper: Scalar) {
        self.lower = lower
        self.upper = upper
    }

    @inlinable public init(broadcast value: Scalar) { self.init(lower: value, upper: value) }

    /// The interval of no values: the identity of `hull`.
    @inlinable public static var empty: Interval { Interval(lower: .infinity, upper: -.infinity) }
    /// Every value: what an unbounded operation returns.
    @inlinable public static var unbounded: Interval { Interval(lower: -.infinity, upper: .infinity) }

    @inlinable public var isEmpty: Bool { lower > upper }
    /// Both bounds are finite numbers (NaN is not).
    @inlinable public var isFinite: Bool { lower.isFinite && upper.isFinite }

    /// The smallest interval holding both.
    @inlinable
    public func hull(_ other: Interval) -> Interval {
        Interval(lower: Swift.min(lower, other.lower), upper: Swift.max(upper, other.upper))
    }

    @inlinable
    public static func + (lhs: Interval, rhs: Interval) -> Interval {
        Interval(lower: lhs.lower + rhs.lower, upper: lhs.upper + rhs.upper)
    }

    @inlinable
    public static func - (lhs: Interval, rhs: Interval) -> Interval {
        Interval(lower: lhs.lower - rhs.upper, upper: lhs.upper - rhs.lower)
    }

    @inlinable
    public static prefix func - (operand: Interval) -> Interval {
        Interval(lower: -operand.upper, upper: -operand.lower)
    }

    @inlinable
    public static func * (lhs: Interval, rhs: Interval) -> Interval {
        corners(lhs.lower * rhs.lower, lhs.lower * rhs.upper, lhs.upper * rhs.lower, lhs.upper * rhs.upper)
    }

    @inlinable
    public static func / (lhs: Interval, rhs: Interval) -> Interval {
        // A divisor that may be zero gives no bound (and -0.0 counts as zero).
        guard rhs.lower > 0 || rhs.upper < 0 else { return .unbounded }
        return corners(lhs.lower / rhs.lower, lhs.lower / rhs.upper, lhs.upper / rhs.lower, lhs.upper / rhs.upper)
    }

    @inlinable
    public func squareRoot() -> Interval {
        guard lower >= 0 else { return .unbounded }
        return Interval(lower: lower.squareRoot(), upper: upper.squareRoot())
    }

    @inlinable
    public func squared() -> Interval {
        let magnitudes = magnitudeBounds()
        return Interval(lower: magnitudes.lower * magnitudes.lower, upper: magnitudes.upper * magnitudes.upper)
    }

    @inlinable
    public func scaledSquare(by c: Scalar) -> Interval {
        // (c·x)·x with c ≥ 0 is not negative and grows with |x|.
        let magnitudes = magnitudeBounds()
        return Interval(lower: (c * magnitudes.lower) * magnitudes.lower, upper: (c * magnitudes.upper) * magnitudes.upper)
    }

    @inlinable
    public func laneMax(_ other: Interval) -> Interval {
        Interval(lower: Swift.max(lower, other.lower), upper: Swift.max(upper, other.upper))
    }

    /// The smallest and largest |x| over the interval.
    @inlinable
    func magnitudeBounds() -> (lower: Scalar, upper: Scalar) {
        if lower >= 0 { return (lower, upper) }
        if upper <= 0 { return (-upper, -lower) }
        return (0, Swift.max(-lower, upper))
    }

    @inlinable
    static func corners(_ a: Scalar, _ b: Scalar, _ c: Scalar, _ d: Scalar) -> Interval {
        // A NaN corner (0·∞, ∞−∞) poisons the bound, which then fails `isFinite`.
        if a.isNaN || b.isNaN || c.isNaN || d.isNaN { return .unbounded }
        return Interval(lower: Swift.min(Swift.min(a, b), Swift.min(c, d)), upper: Swift.max(Swift.max(a, b), Swift.max(c, d)))
    }
}
