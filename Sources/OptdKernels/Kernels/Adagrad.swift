/// Adagrad — `torch.optim.Adagrad` (`_single_tensor_adagrad`):
///
///     d = maximize ? −g : g;   d += λ·θ
///     η_t = η / (1 + (t − 1)·lr_decay)
///     s = s + d²;   θ = θ − η_t·d / (√s + ε)
///
/// Slots: 0 = sum (starts at initial_accumulator_value).
public struct AdagradKernel<Scalar: KernelScalar>: ElementwiseKernel {
    public let negativeCLR: Scalar
    public let eps: Scalar
    public let weightDecay: Scalar
    public let maximize: Bool
    public var stateCount: Int { 1 }

    /// `step` is the step being taken, counting from 1.
    public init(lr: Double, lrDecay: Double, eps: Double, weightDecay: Double, maximize: Bool, step: Int) {
        negativeCLR = Scalar(-(lr / (1 + Double(step - 1) * lrDecay)))
        self.eps = Scalar(eps)
        self.weightDecay = Scalar(weightDecay)
        self.maximize = maximize
    }

    @inlinable @inline(__always)
    public func update<L: Lane>(_ p: inout L, _ g: L, _ s: inout LaneState<L>) where L.Scalar == Scalar {
        var d = maximize ? -g : g
        if weightDecay != 0 { d = d + weightDecay * p }
        s.s0 = s.s0 + d.squared()
        let std = s.s0.squareRoot() + eps
        p = p + (negativeCLR * d) / std
    }
}
