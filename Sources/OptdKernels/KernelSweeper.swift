/// Runs kernels over ranges of elements with one instruction set.
///
/// The loops are generic (`commitSweep`, `probeSweep`); a sweeper is where they are compiled.
/// `PortableSweeper` (this module) targets any x86-64 / arm64 CPU; `AVX2Sweeper`
/// (OptdKernelsAVX2) is the same source compiled for AVX2, chosen at run time. Each sweeper
/// pre-specialises its entry points for every kernel (`@_specialize`): a call through the
/// protocol lands in the specialised loop, never in the generic one.
public protocol KernelSweeper: Sendable {
    /// The instruction set, for logs and benchmarks.
    var name: String { get }
    func commit<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>) -> BufferBounds<K.Scalar>
    func probe<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>) -> Bool
}

/// Picks the arity specialisation of the commit loop for `kernel.stateCount`.
@inlinable @inline(__always)
public func dispatchCommit<K: ElementwiseKernel, I: InstructionSetTag>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>, _: I.Type) -> BufferBounds<K.Scalar> {
    typealias V = K.Scalar.Vector
    switch kernel.stateCount {
    case 0: return commitSweep(kernel, io, range, V.self, Arity0.self, I.self)
    case 1: return commitSweep(kernel, io, range, V.self, Arity1.self, I.self)
    case 2: return commitSweep(kernel, io, range, V.self, Arity2.self, I.self)
    default: return commitSweep(kernel, io, range, V.self, Arity3.self, I.self)
    }
}

/// Picks the arity specialisation of the probe loop for `kernel.stateCount`.
@inlinable @inline(__always)
public func dispatchProbe<K: ElementwiseKernel, I: InstructionSetTag>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>, _: I.Type) -> Bool {
    typealias V = K.Scalar.Vector
    switch kernel.stateCount {
    case 0: return probeSweep(kernel, io, range, V.self, Arity0.self, I.self)
    case 1: return probeSweep(kernel, io, range, V.self, Arity1.self, I.self)
    case 2: return probeSweep(kernel, io, range, V.self, Arity2.self, I.self)
    default: return probeSweep(kernel, io, range, V.self, Arity3.self, I.self)
    }
}

/// Finds the first element of `range` whose update is not finite (slow; for error messages).
public func locateNonFinite<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>) -> NonFiniteElement? {
    switch kernel.stateCount {
    case 0: return firstNonFinite(kernel, io, range, Arity0.self, PortableTag.self)
    case 1: return firstNonFinite(kernel, io, range, Arity1.self, PortableTag.self)
    case 2: return firstNonFinite(kernel, io, range, Arity2.self, PortableTag.self)
    default: return firstNonFinite(kernel, io, range, Arity3.self, PortableTag.self)
    }
}

/// The loops compiled for the baseline instruction set of the build target.
public struct PortableSweeper: KernelSweeper {
    public init() {}
    public var name: String { "portable" }

    @_specialize(where K == SGDKernel<Float, SGDPlain>)
    @_specialize(where K == SGDKernel<Double, SGDPlain>)
    @_specialize(where K == SGDKernel<Float, SGDMomentum>)
    @_specialize(where K == SGDKernel<Double, SGDMomentum>)
    @_specialize(where K == SGDKernel<Float, SGDNesterov>)
    @_specialize(where K == SGDKernel<Double, SGDNesterov>)
    @_specialize(where K == MomentumKernel<Float>)
    @_specialize(where K == MomentumKernel<Double>)
    @_specialize(where K == NAGKernel<Float>)
    @_specialize(where K == NAGKernel<Double>)
    @_specialize(where K == AdagradKernel<Float>)
    @_specialize(where K == AdagradKernel<Double>)
    @_specialize(where K == AdadeltaKernel<Float>)
    @_specialize(where K == AdadeltaKernel<Double>)
    @_specialize(where K == RMSpropKernel<Float>)
    @_specialize(where K == RMSpropKernel<Double>)
    @_specialize(where K == AdamKernel<Float>)
    @_specialize(where K == AdamKernel<Double>)
    @_specialize(where K == NAdamKernel<Float, NAdamSeed>)
    @_specialize(where K == NAdamKernel<Double, NAdamSeed>)
    @_specialize(where K == NAdamKernel<Float, NAdamPyTorch>)
    @_specialize(where K == NAdamKernel<Double, NAdamPyTorch>)
    @_specialize(where K == NAdamKernel<Float, NAdamOptax>)
    @_specialize(where K == NAdamKernel<Double, NAdamOptax>)
    public func commit<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>) -> BufferBounds<K.Scalar> {
        dispatchCommit(kernel, io, range, PortableTag.self)
    }

    @_specialize(where K == SGDKernel<Float, SGDPlain>)
    @_specialize(where K == SGDKernel<Double, SGDPlain>)
    @_specialize(where K == SGDKernel<Float, SGDMomentum>)
    @_specialize(where K == SGDKernel<Double, SGDMomentum>)
    @_specialize(where K == SGDKernel<Float, SGDNesterov>)
    @_specialize(where K == SGDKernel<Double, SGDNesterov>)
    @_specialize(where K == MomentumKernel<Float>)
    @_specialize(where K == MomentumKernel<Double>)
    @_specialize(where K == NAGKernel<Float>)
    @_specialize(where K == NAGKernel<Double>)
    @_specialize(where K == AdagradKernel<Float>)
    @_specialize(where K == AdagradKernel<Double>)
    @_specialize(where K == AdadeltaKernel<Float>)
    @_specialize(where K == AdadeltaKernel<Double>)
    @_specialize(where K == RMSpropKernel<Float>)
    @_specialize(where K == RMSpropKernel<Double>)
    @_specialize(where K == AdamKernel<Float>)
    @_specialize(where K == AdamKernel<Double>)
    @_specialize(where K == NAdamKernel<Float, NAdamSeed>)
    @_specialize(where K == NAdamKernel<Double, NAdamSeed>)
    @_specialize(where K == NAdamKernel<Float, NAdamPyTorch>)
    @_specialize(where K == NAdamKernel<Double, NAdamPyTorch>)
    @_specialize(where K == NAdamKernel<Float, NAdamOptax>)
    @_specialize(where K == NAdamKernel<Double, NAdamOptax>)
    public func probe<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>) -> Bool {
        dispatchProbe(kernel, io, range, PortableTag.self)
    }
}
