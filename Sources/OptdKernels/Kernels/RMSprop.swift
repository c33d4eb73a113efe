/// RMSprop — `torch.optim.RMSprop` (`_single_tensor_rmsprop`):
///
///     d = maximize ? −g : g;   d += λ·θ
///     v = α·v + (1 − α)·d²
///     centered:  ḡ = lerp(ḡ, d, 1 − α);   a = √max(v − ḡ², 0) + ε
///     else:      a = √v + ε
///     μ > 0:     b = μ·b + d / a;   θ = θ − η·b
///     else:      θ = θ − η·d / a
///
/// One deliberate difference: where rounding makes the centered estimate v − ḡ² slightly
/// negative (it is ≥ 0 in exact arithmetic; it happens after ~1,600 steps of a constant
/// gradient), torch takes the root of a negative number and its parameters become NaN; optd
/// clamps it at 0. Wherever torch's result is finite the two are identical.
///
/// Slots, in order: square_avg, then grad_avg when centered, then momentum_buffer when μ > 0.
public struct RMSpropKernel<Scalar: KernelScalar>: ElementwiseKernel {
    public let negativeLR: Scalar
    public let alpha: Scalar
    public let oneMinusAlpha: Scalar
    public let alphaAboveHalf: Bool
    public let eps: Scalar
    public let weightDecay: Scalar
    public let momentum: Scalar
    public let centered: Bool
    public let hasMomentum: Bool
    public let maximize: Bool
    public let stateCount: Int

    public init(lr: Double, alpha: Double, eps: Double, weightDecay: Double, momentum: Double, centered: Bool, maximize: Bool) {
        negativeLR = Scalar(-lr)
        self.alpha = Scalar(alpha)
        oneMinusAlpha = Scalar(1 - alpha)
        alphaAboveHalf = (1 - alpha) < 0.5
        self.eps = Scalar(eps)
        self.weightDecay = Scalar(weightDecay)
        self.momentum = Scalar(momentum)
        self.centered = centered
        hasMomentum = momentum > 0
        self.maximize = maximize
        stateCount = 1 + (centered ? 1 : 0) + (momentum > 0 ? 1 : 0)
    }

    @inlinable @inline(__always)
    public func update<L: Lane>(_ p: inout L, _ g: L, _ s: inout LaneState<L>) where L.Scalar == Scalar {
        var d = maximize ? -g : g
        if weightDecay != 0 { d = d + weightDecay * p }
        s.s0 = s.s0 * alpha + d.scaledSquare(by: oneMinusAlpha)
        var avg: L
        if centered {
            s.s1 = s.s1.lerp(to: d, weight: oneMinusAlpha, oneMinusWeight: alpha, weightBelowHalf: alphaAboveHalf)
            avg = (s.s0 - s.s1.squared()).clampedAtZero().squareRoot()
        } else {
            avg = s.s0.squareRoot()
        }
        avg = avg + eps
        if hasMomentum {
            if centered {
                s.s2 = s.s2 * momentum + d / avg
                p = p + negativeLR * s.s2
            } else {
                s.s1 = s.s1 * momentum + d / avg
                p = p + negativeLR * s.s1
            }
        } else {
            p = p + (negativeLR * d) / avg
        }
    }
}
