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
public struct SGDKernel<Scalar: KernelScalar>: ElementwiseKernel {
    public let negativeLR: Scalar
    public let weightDecay: Scalar
    public let momentum: Scalar
    public let oneMinusDampening: Scalar
    public let nesterov: Bool
    public let maximize: Bool
    /// True on the step that creates the momentum buffer.
    public let firstMomentumStep: Bool
    public let stateCount: Int

    public init(lr: Double, momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double, maximize: Bool, firstMomentumStep: Bool) {
        negativeLR = Scalar(-lr)
        self.weightDecay = Scalar(weightDecay)
        self.momentum = Scalar(momentum)
        oneMinusDampening = Scalar(1 - dampening)
        self.nesterov = nesterov
        self.maximize = maximize
        self.firstMomentumStep = firstMomentumStep
        stateCount = momentum != 0 ? 1 : 0
    }

    @inlinable @inline(__always)
    public func update<L: Lane>(_ p: inout L, _ g: L, _ s: inout LaneState<L>) where L.Scalar == Scalar {
        var d = maximize ? -g : g
        if weightDecay != 0 { d = d + weightDecay * p }
        if stateCount > 0 {
            s.s0 = firstMomentumStep ? d : s.s0 * momentum + d * oneMinusDampening
            d = nesterov ? d + momentum * s.s0 : s.s0
        }
        p = p + negativeLR * d
    }
}
