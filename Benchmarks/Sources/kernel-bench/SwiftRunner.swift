import OptdKernels
import Optimizers

#if canImport(Glibc)
import Glibc
#endif

/// A session of one configuration, stepped the way the service steps it:
/// `OptimizerState.step` on fresh state over the test data, with one sweeper and thread count.
/// The sweeper is wrapped in a `ProbeCountingSweeper`, which forwards every call (O(1) per
/// piece of a sweep) and counts probes, so that the path steps took can be reported.
final class SwiftSession<S: SessionScalar> {
    let config: BenchConfig
    let state: OptimizerState<S>
    let gradients: GradientBuffer<S>
    let isa: String
    let probes = ProbeLog()
    let piecesPerSweep: Int
    /// Seconds `OptimizerState.init` took (it scans the parameters and allocates the state).
    let creationSeconds: Double

    init(_ config: BenchConfig, _ data: TestData<S>, sweeper: any KernelSweeper, threads: Int) {
        self.config = config
        isa = sweeper.name
        gradients = data.gradients
        piecesPerSweep = splitLikeStepEngine(data.count, threads: threads).count
        let hyperparameters = try! Hyperparameters(optimizer: config.kind, inputs: config.inputs)
        let params = data.params.copy()
        let engine = StepEngine(sweeper: ProbeCountingSweeper(inner: sweeper, log: probes), threads: threads)
        let start = monotonicSeconds()
        state = try! OptimizerState<S>(
            optimizer: config.kind, hyperparameters: hyperparameters, layout: TensorLayout(singleArrayOfSize: data.count),
            params: params, engine: engine)
        creationSeconds = monotonicSeconds() - start
        precondition(state.buffers.count == config.stateCount, "\(config.name): \(state.buffers.count) state buffers")
    }

    func step() {
        do { try state.step(gradients) } catch {
            fatalError("\(config.name): step \(state.step + 1) refused: \(error)")
        }
    }

    /// "proven" when no step probed, "careful" when every step did, else how many did.
    var path: String {
        let probed = probes.count / piecesPerSweep
        return probed == 0 ? "proven" : probed == state.step ? "careful" : "mixed \(probed)/\(state.step)"
    }
}

/// Probes counted by a `ProbeCountingSweeper`, from any thread.
final class ProbeLog: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var probes = 0

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func record() {
        pthread_mutex_lock(mutex)
        probes += 1
        pthread_mutex_unlock(mutex)
    }

    var count: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return probes
    }
}

/// Forwards to another sweeper and counts its probes.
struct ProbeCountingSweeper: KernelSweeper {
    let inner: any KernelSweeper
    let log: ProbeLog
    var name: String { inner.name }

    func commit<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>) -> BufferBounds<K.Scalar> {
        inner.commit(kernel, io, range)
    }

    func probe<K: ElementwiseKernel>(_ kernel: K, _ io: KernelIO<K.Scalar>, _ range: Range<Int>) -> Bool {
        log.record()
        return inner.probe(kernel, io, range)
    }
}
