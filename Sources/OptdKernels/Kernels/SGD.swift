/// Stochastic gradient descent with momentum, dampening and Nesterov — `torch.optim.SGD`
/// (`_single_tensor_sgd`, torch 2.x):
///
///     d = maximize ? −g : g;   d += λ·θ                      (weight decay, L2)
///     if μ ≠ 0:  b = first ? d : μ·b + (1 − τ)·d             (τ: dampening)
///                d = nesterov ? d + μ·b : b
///     θ = θ − η·d
///
/// As in torch, the momentum buffer starts as a copy of the first (decayed) gradient,
/// undamped. Slots: 0 = momentum_buffer (only when μ ≠ 0).
///
/// `Form` fixes at compile time whether there is momentum and whether it is Nesterov's: as
/// run-time flags, their branches in the loop cost 10-15% of its speed at 10M elements (the
/// flags that stay run-time, maximize and weight decay, cost nothing measurable).
public struct SGDKernel<Scalar: KernelScalar, Form: SGDForm>: ElementwiseKernel {
    public let negativeLR: Scalar
    public let weightDecay: Scalar
    public let momentum: Scalar
    public let oneMinusDampening: Scalar
    public let maximize: Bool
    public let firstMomentumStep: Bool

    /// `momentum` must be 0 exactly when `Form` has none (`SGDForms.form` picks the form).
    public init(lr: Double, momentum: Double, dampening: Double, weightDecay: Double, maximize: Bool, firstMomentumStep: Bool) {
        precondition(Form.hasMomentum == (momentum != 0), "SGDKernel: the form does not match the momentum")
        negativeLR = Scalar(-lr)
        self.weightDecay = Scalar(weightDecay)
        self.momentum = Scalar(momentum)
        oneMinusDampening = Scalar(1 - dampening)
        self.maximize = maximize
        self.firstMomentumStep = firstMomentumStep
    }

    public var stateCount: Int { Form.hasMomentum ? 1 : 0 }

    @inlinable @inline(__always)
    public func update<L: Lane>(_ p: inout L, _ g: L, _ s: inout LaneState<L>) where L.Scalar == Scalar {
        var d = maximize ? -g : g
        if weightDecay != 0 { d = d + weightDecay * p }
        if Form.hasMomentum {
            s.s0 = firstMomentumStep ? d : s.s0 * momentum + d * oneMinusDampening
            d = Form.nesterov ? d + momentum * s.s0 : s.s0
        }
        p = p + negativeLR * d
    }
}

/// The structure of an SGD step (see `SGDKernel`).
public protocol SGDForm: Sendable {
    static var hasMomentum: Bool { get }
    static var nesterov: Bool { get }
}

/// μ = 0: θ − η·d.
public enum SGDPlain: SGDForm {
    @inlinable public static var hasMomentum: Bool { false }
    @inlinable public static var nesterov: Bool { false }
}

/// μ ≠ 0, heavy ball: d = b.
public enum SGDMomentum: SGDForm {
    @inlinable public static var hasMomentum: Bool { true }
    @inlinable public static var nesterov: Bool { false }
}

/// μ ≠ 0, Nesterov: d = d + μ·b.
public enum SGDNesterov: SGDForm {
    @inlinable public static var hasMomentum: Bool { true }
    @inlinable public static var nesterov: Bool { true }
}

/// Which form a step with these hyperparameters takes (nesterov needs momentum: validation
/// refuses it without).
public enum SGDForms {
    public enum Case: Sendable { case plain, momentum, nesterov }

    public static func form(momentum: Double, nesterov: Bool) -> Case {
        momentum == 0 ? .plain : (nesterov ? .nesterov : .momentum)
    }
}
