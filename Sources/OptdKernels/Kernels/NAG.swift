/// Nesterov accelerated gradient, as the seed document (§NAG) writes it:
///
///     v_t = μ·v_{t−1} + η·∇f(θ_{t−1} − μ·v_{t−1});   θ_t = θ_{t−1} − v_t
///
/// The client evaluates its gradient at the look-ahead point θ − μ·v (see `lookahead`), so
/// `g` here already is ∇f(θ − μv). Weight decay is L2 at that same point:
/// d = (maximize ? −g : g) + λ·(θ − μ·v). Slots: 0 = velocity.
public struct NAGKernel<Scalar: KernelScalar>: ElementwiseKernel {
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
        if weightDecay != 0 { d = d + weightDecay * (p - momentum * s.s0) }
        s.s0 = momentum * s.s0 + lr * d
        p = p - s.s0
    }

    /// The point where the next gradient is to be taken: θ − μ·v.
    @inlinable @inline(__always)
    public static func lookahead<L: Lane>(param: L, velocity: L, momentum: Scalar) -> L where L.Scalar == Scalar {
        param - momentum * velocity
    }
}
