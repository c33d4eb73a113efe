import OptdKernels

/// The loops compiled for AVX2 (without FMA: results are bit-identical to `PortableSweeper`).
/// Use only where the CPU has AVX2 (`CPUFeatures`).
public struct AVX2Sweeper: KernelSweeper {
    public init() {}
    public var name: String { "avx2" }

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
        dispatchCommit(kernel, io, range, AVX2Tag.self)
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
        dispatchProbe(kernel, io, range, AVX2Tag.self)
    }
}

/// Gives the AVX2 specialisations their own symbol names (see `InstructionSetTag`).
public enum AVX2Tag: InstructionSetTag {}
