#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which NAdam: frameworks disagree, so a session says which it wants.
public enum NAdamVariant: String, Sendable, CaseIterable {
    /// The seed document (§Nadam): θ −= η/(√v̂ + ε)·(β1·m̂ + (1 − β1)·g).
    case seed
    /// `torch.optim.NAdam`: Dozat's momentum schedule μ_t = β1·(1 − ½·0.96^(t·ψ)).
    case pytorch
    /// `optax.nadam` (`scale_by_adam(nesterov=True)`):
    /// θ −= η·(β1·m/(1 − β1^(t+1)) + (1 − β1)·g/(1 − β1^t)) / (√v̂ + ε).
    case optax
}

/// The momentum-schedule product ∏ μ_i that `torch.optim.NAdam` keeps: the one scalar of
/// NAdam's state. optd advances it on every step, whatever the variant, so that a session can
/// switch variants without losing it. torch keeps it in float32; optd keeps it in double.
public struct NAdamSchedule: Sendable, Equatable {
    public let mu: Double
    public let muNext: Double
    public let muProduct: Double

    /// The schedule for step `step` (counting from 1), given the product before it.
    public init(beta1: Double, momentumDecay: Double, step: Int, previousProduct: Double) {
        let t = Double(step)
        mu = beta1 * (1 - 0.5 * pow(0.96, t * momentumDecay))
        muNext = beta1 * (1 - 0.5 * pow(0.96, (t + 1) * momentumDecay))
        muProduct = previousProduct * mu
    }
}

/// NAdam in its three variants. Shared by all: d = maximize ? −g : g, then either
/// θ = θ·(1 − η·λ) (decoupled) or d += λ·θ (L2), and the moments
/// m ← β1·m + (1 − β1)·d (torch: `lerp`), v ← β2·v + (1 − β2)·d². Then:
///
///     seed:     θ = θ − η/(√(v/(1 − β2^t)) + ε) · (β1·m/(1 − β1^t) + (1 − β1)·d)
///     pytorch:  a = √(v/(1 − β2^t)) + ε
///               θ = θ − η(1 − μ_t)/(1 − Πμ_{≤t}) · d/a − η·μ_{t+1}/(1 − Πμ_{≤t+1}) · m/a
///     optax:    θ = θ − η·(β1·m/(1 − β1^(t+1)) + (1 − β1)·d/(1 − β1^t)) / (√(v/(1 − β2^t)) + ε)
///
/// References: the seed document §Nadam; `torch.optim.NAdam` (`_single_tensor_nadam`);
/// `optax.nadam` 0.2.8. Slots: 0 = exp_avg, 1 = exp_avg_sq.
///
/// The variant is a type parameter, not a stored value: a `switch` over a stored variant
/// inside the loop kept LLVM from vectorising it cleanly (scalar divides and spills); as a
/// type, each variant is its own straight-line loop.
public struct NAdamKernel<Scalar: KernelScalar, Variant: NAdamVariantTag>: ElementwiseKernel {
    public let lr: Scalar
    public let negativeLR: Scalar
    public let beta1: Scalar
    public let oneMinusBeta1: Scalar
    public let beta1BelowHalf: Bool
    public let beta2: Scalar
    public let oneMinusBeta2: Scalar
    public let eps: Scalar
    public let weightDecay: Scalar
    public let decayFactor: Scalar
    public let decoupled: Bool
    public let maximize: Bool
    /// 1/(1 − β1^t), 1/(1 − β1^(t+1)), 1/(1 − β2^t): the loop multiplies by these instead
    /// of dividing by the bias corrections (a divide costs ~5 multiplies; the results differ
    /// by at most an ulp, well inside the references' tolerances).
    public let inverseBiasCorrection1: Scalar
    public let inverseBiasCorrection1Next: Scalar
    public let inverseBiasCorrection2: Scalar
    /// pytorch: the coefficients of d/a and m/a.
    public let gradientCoefficient: Scalar
    public let momentCoefficient: Scalar
    public var stateCount: Int { 2 }

    public init(
        lr: Double, beta1: Double, beta2: Double, eps: Double,
        weightDecay: Double, decoupled: Bool, maximize: Bool, step: Int, schedule: NAdamSchedule
    ) {
        let t = Double(step)
        self.lr = Scalar(lr)
        negativeLR = Scalar(-lr)
        self.beta1 = Scalar(beta1)
        oneMinusBeta1 = Scalar(1 - beta1)
        beta1BelowHalf = beta1 > 0.5
        self.beta2 = Scalar(beta2)
        oneMinusBeta2 = Scalar(1 - beta2)
        self.eps = Scalar(eps)
        self.weightDecay = Scalar(weightDecay)
        decayFactor = Scalar(decoupled ? 1 - lr * weightDecay : 1)
        self.decoupled = decoupled
        self.maximize = maximize
        inverseBiasCorrection1 = Scalar(1 / (1 - pow(beta1, t)))
        inverseBiasCorrection1Next = Scalar(1 / (1 - pow(beta1, t + 1)))
        inverseBiasCorrection2 = Scalar(1 / (1 - pow(beta2, t)))
        gradientCoefficient = Scalar(-lr * (1 - schedule.mu) / (1 - schedule.muProduct))
        momentCoefficient = Scalar((-lr * schedule.muNext) / (1 - schedule.muProduct * schedule.muNext))
    }

    @inlinable @inline(__always)
    public func update<L: Lane>(_ p: inout L, _ g: L, _ s: inout LaneState<L>) where L.Scalar == Scalar {
        var d = maximize ? -g : g
        if weightDecay != 0 {
            if decoupled { p = p * decayFactor } else { d = d + weightDecay * p }
        }
        switch Variant.variant {
        case .pytorch:
            s.s0 = s.s0.lerp(to: d, weight: oneMinusBeta1, oneMinusWeight: beta1, weightBelowHalf: beta1BelowHalf)
            s.s1 = s.s1 * beta2 + d.scaledSquare(by: oneMinusBeta2)
            let denom = (s.s1 * inverseBiasCorrection2).squareRoot() + eps
            p = p + (gradientCoefficient * d) / denom
            p = p + (momentCoefficient * s.s0) / denom
        case .seed:
            s.s0 = beta1 * s.s0 + oneMinusBeta1 * d
            s.s1 = beta2 * s.s1 + oneMinusBeta2 * d.squared()
            let mHat = s.s0 * inverseBiasCorrection1
            let vHat = s.s1 * inverseBiasCorrection2
            p = p - lr / (vHat.squareRoot() + eps) * (beta1 * mHat + oneMinusBeta1 * d)
        case .optax:
            s.s0 = oneMinusBeta1 * d + beta1 * s.s0
            s.s1 = oneMinusBeta2 * d.squared() + beta2 * s.s1
            let mHat = beta1 * (s.s0 * inverseBiasCorrection1Next) + oneMinusBeta1 * (d * inverseBiasCorrection1)
            let vHat = s.s1 * inverseBiasCorrection2
            p = p + negativeLR * (mHat / (vHat.squareRoot() + eps))
        }
    }
}

/// A NAdam variant as a type (see `NAdamKernel`).
public protocol NAdamVariantTag: Sendable {
    static var variant: NAdamVariant { get }
}

public enum NAdamSeed: NAdamVariantTag { @inlinable public static var variant: NAdamVariant { .seed } }
public enum NAdamPyTorch: NAdamVariantTag { @inlinable public static var variant: NAdamVariant { .pytorch } }
public enum NAdamOptax: NAdamVariantTag { @inlinable public static var variant: NAdamVariant { .optax } }
