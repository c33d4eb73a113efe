/// AdaDelta (Zeiler 2012) as the seed document (§AdaDelta) writes it, scaled by a learning
/// rate as `torch.optim.Adadelta` does (`_single_tensor_adadelta`); the two agree term by term:
///
///     d = maximize ? −g : g;   d += λ·θ
///     E[g²] = ρ·E[g²] + (1 − ρ)·d²
///     Δ = √(E[Δ²] + ε) / √(E[g²] + ε) · d
///     E[Δ²] = ρ·E[Δ²] + (1 − ρ)·Δ²
///     θ = θ − η·Δ
///
/// Slots: 0 = square_avg (E[g²]), 1 = acc_delta (E[Δ²]).
public struct AdadeltaKernel<Scalar: KernelScalar>: ElementwiseKernel {
    public let negativeLR: Scalar
    public let rho: Scalar
    public let oneMinusRho: Scalar
    public let eps: Scalar
    public let weightDecay: Scalar
    public let maximize: Bool
    public var stateCount: Int { 2 }

    public init(lr: Double, rho: Double, eps: Double, weightDecay: Double, maximize: Bool) {
        negativeLR = Scalar(-lr)
        self.rho = Scalar(rho)
        oneMinusRho = Scalar(1 - rho)
        self.eps = Scalar(eps)
        self.weightDecay = Scalar(weightDecay)
        self.maximize = maximize
    }

    @inlinable @inline(__always)
    public func update<L: Lane>(_ p: inout L, _ g: L, _ s: inout LaneState<L>) where L.Scalar == Scalar {
        var d = maximize ? -g : g
        if weightDecay != 0 { d = d + weightDecay * p }
        s.s0 = s.s0 * rho + d.scaledSquare(by: oneMinusRho)
        let std = (s.s0 + eps).squareRoot()
        let delta = (s.s1 + eps).squareRoot() / std * d
        s.s1 = s.s1 * rho + delta.scaledSquare(by: oneMinusRho)
        p = p + negativeLR * delta
    }
}
