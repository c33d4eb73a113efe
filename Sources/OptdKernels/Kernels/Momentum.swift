/// Classical momentum, as the seed document (§Momentum) writes it:
///
///     d = maximize ? −g : g;   d += λ·θ
///     v = μ·v + η·d
///     θ = θ − v
///
/// Unlike torch's SGD, the learning rate is folded into the velocity. Slots: 0 = velocity.
public struct MomentumKernel<Scalar: KernelScalar>: ElementwiseKernel {
    public let lr: Scalar
    public let momentum: Scalar
    public let weightDecay: Scalar
    public let maximize: Bool
    public var stateCount: Int { 1 }

    public init(lr: Double, momentum: Double, weightDecay: Double, maximize: Bool) {
        self.lr = Scalar(lr)
        self.momentum = Scalar(momentum)
        self.weightDecay = Scalar(weightDecay)
        self.maximize = maximize
    }

    @inlinable @inline(__always)
    public func update<L: Lane>(_ p: inout L, _ g: L, _ s: inout LaneState<L>) where L.Scalar == Scalar {
        var d = maximize ? -g : g
        if weightDecay != 0 { d = d + weightDecay * p }
        s.s0 = momentum * s.s0 + lr * d
        p = p - s.s0
    }
}
