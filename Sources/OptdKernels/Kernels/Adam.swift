#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam and AdamW — `torch.optim.Adam` / `torch.optim.AdamW` (`_single_tensor_adam`), which
/// the seed document (§AdamW) also gives:
///
///     d = maximize ? −g : g
///     AdamW: θ = θ·(1 − η·λ)        Adam: d += λ·θ
///     m = lerp(m, d, 1 − β1);   v = β2·v + (1 − β2)·d²
///     amsgrad: v̄ = max(v̄, v), else v̄ = v
///     θ = θ − (η / (1 − β1^t))·m / (√v̄ / √(1 − β2^t) + ε)
///
/// Slots: 0 = exp_avg, 1 = exp_avg_sq, 2 = max_exp_avg_sq (only with amsgrad).
public struct AdamKernel<Scalar: KernelScalar>: ElementwiseKernel {
    public let negativeStepSize: Scalar
    public let biasCorrection2Sqrt: Scalar
    public let oneMinusBeta1: Scalar
    public let beta1: Scalar
    public let beta1BelowHalf: Bool
    public let beta2: Scalar
    public let oneMinusBeta2: Scalar
    public let eps: Scalar
    public let weightDecay: Scalar
    /// 1 − η·λ, the decoupled (AdamW) decay factor; 1 for Adam.
    public let decayFactor: Scalar
    public let decoupled: Bool
    public let amsgrad: Bool
    public let maximize: Bool
    public let stateCount: Int

    /// `step` is the step being taken, counting from 1.
    public init(
        lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double,
        decoupled: Bool, amsgrad: Bool, maximize: Bool, step: Int
    ) {
        let t = Double(step)
        negativeStepSize = Scalar(-(lr / (1 - pow(beta1, t))))
        biasCorrection2Sqrt = Scalar((1 - pow(beta2, t)).squareRoot())
        oneMinusBeta1 = Scalar(1 - beta1)
        self.beta1 = Scalar(beta1)
        beta1BelowHalf = beta1 > 0.5
        self.beta2 = Scalar(beta2)
        oneMinusBeta2 = Scalar(1 - beta2)
        self.eps = Scalar(eps)
        self.weightDecay = Scalar(weightDecay)
        decayFactor = Scalar(decoupled ? 1 - lr * weightDecay : 1)
        self.decoupled = decoupled
        self.amsgrad = amsgrad
        self.maximize = maximize
        stateCount = amsgrad ? 3 : 2
    }

    @inlinable @inline(__always)
    public func update<L: Lane>(_ p: inout L, _ g: L, _ s: inout LaneState<L>) where L.Scalar == Scalar {
        var d = maximize ? -g : g
        if weightDecay != 0 {
            if decoupled { p = p * decayFactor } else { d = d + weightDecay * p }
        }
        // lerp weight 1 − β1 is below one half exactly when β1 is above it.
        s.s0 = s.s0.lerp(to: d, weight: oneMinusBeta1, oneMinusWeight: beta1, weightBelowHalf: beta1BelowHalf)
        s.s1 = s.s1 * beta2 + d.scaledSquare(by: oneMinusBeta2)
        let second: L
        if amsgrad {
            s.s2 = s.s2.laneMax(s.s1)
            second = s.s2
        } else {
            second = s.s1
        }
        let denom = second.squareRoot() / biasCorrection2Sqrt + eps
        p = p + (negativeStepSize * s.s0) / denom
    }
}
