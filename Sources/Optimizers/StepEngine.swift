import CPUFeatures
import Dispatch
import OptdKernels
import OptdKernelsAVX2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs sweeps: picks the instruction set once, at run time, and splits large sweeps across
/// threads. Elements are independent, so a split changes no result, and the AVX2 loops use
/// no FMA, so every choice here gives bit-identical numbers.
public struct StepEngine: Sendable {
    public let sweeper: any KernelSweeper
    /// Most threads one sweep is split over.
    public let threads: Int
    /// Sweeps shorter than this stay on one thread (a split costs a few microseconds).
    public let splitThreshold: Int

    public init(sweeper: any KernelSweeper, threads: Int, splitThreshold: Int = 1 << 16) {
        self.sweeper = sweeper
        self.threads = max(1, threads)
        self.splitThreshold = max(1, splitThreshold)
    }

    /// AVX2 where the CPU has it, unless `OPTD_KERNELS=portable`; every CPU the process may
    /// use (its affinity and cgroup quota considered: a container with `--cpus 2` on a large
    /// host splits over 2, not over the host's cores).
    public static let automatic = StepEngine(sweeper: bestSweeper(), threads: Int(optd_available_cpus()))

    /// The sweeper this machine should use: `OPTD_KERNELS` (portable | avx2) overrides.
    public static func bestSweeper() -> any KernelSweeper {
        let forced = getenv("OPTD_KERNELS").map { String(cString: $0) }
        if forced == "portable" { return PortableSweeper() }
        if optd_cpu_has_avx2() != 0 { return AVX2Sweeper() }
        return PortableSweeper()
    }

    /// Every sweeper this CPU can run (for tests and benchmarks).
    public static func availableSweepers() -> [any KernelSweeper] {
        optd_cpu_has_avx2() != 0 ? [PortableSweeper(), AVX2Sweeper()] : [PortableSweeper()]
    }

    /// The pieces `0..<count` is split into: one per thread, cut on 64-element boundaries.
    func pieces(_ count: Int) -> [Range<Int>] {
        guard threads > 1, count >= splitThreshold else { return [0..<count] }
        let per = ((count / threads) + 63) & ~63
        return stride(from: 0, to: count, by: per).map { $0..<min($0 + per, count) }
    }

    public func commit<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, count: Int) -> BufferBounds<K.Scalar> {
        let ranges = pieces(count)
        if ranges.count == 1 { return sweeper.commit(kernel, io, ranges[0]) }
        let results = SharedResults<BufferBounds<K.Scalar>?>(count: ranges.count, initial: nil)
        let sweeper = self.sweeper
        DispatchQueue.concurrentPerform(iterations: ranges.count) { k in
            results.slots[k] = sweeper.commit(kernel, io, ranges[k])
        }
        return results.slots.dropFirst().reduce(results.slots[0]!) { $0.hull($1!) }
    }

    public func probe<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, count: Int) -> Bool {
        let ranges = pieces(count)
        if ranges.count == 1 { return sweeper.probe(kernel, io, ranges[0]) }
        let results = SharedResults<Bool>(count: ranges.count, initial: false)
        let sweeper = self.sweeper
        DispatchQueue.concurrentPerform(iterations: ranges.count) { k in
            results.slots[k] = sweeper.probe(kernel, io, ranges[k])
        }
        return results.slots.allSatisfy { $0 }
    }
}

/// One result slot per piece of a split sweep; each thread writes only its own slot.
private final class SharedResults<T>: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<T>
    init(count: Int, initial: T) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: initial)
    }
    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
}
