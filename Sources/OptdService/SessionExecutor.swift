import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The serial executor of one `Session` actor. It runs the actor's jobs one at a time on
/// Dispatch's global pool, as a default actor would, and it also lets an event-loop thread
/// run a short synchronous call inside the session while the session is idle
/// (`runIfIdle`), so that a small step is answered on the connection's thread: no task,
/// no pool thread to wake, no hop back to the loop. A default actor cannot be entered
/// without a task; this executor can, because it knows who holds the session.
///
/// Mutual exclusion is the `running` flag: whoever sets it (a pool thread draining jobs, or
/// a thread in `runIfIdle`) is the only one inside the session until it clears it, and
/// `owner` names that thread so that `assumeIsolated` can check it
/// (`isIsolatingCurrentContext`).
///
/// What it costs: the runtime cannot switch a task into a custom executor on the task's own
/// thread as it does into a free default actor, so an awaited call into a session (GET,
/// PATCH, a large step, a save) is one dispatch to the pool in and one out, a few
/// microseconds against the milliseconds of the large steps that take that path. Jobs run at
/// Dispatch's default QoS whatever their task's priority (optd does not use priorities).
/// `runIfIdle` must not be nested for one session on one thread (it would wait for itself);
/// nothing does.
final class SessionExecutor: SerialExecutor {
    private struct State {
        var running = false
        /// The thread inside the session while it runs something; 0 otherwise.
        var owner: pthread_t = 0
        /// Jobs that arrived while the session was busy, oldest first (a few at most: one per
        /// waiting request).
        var queue: [UnownedJob] = []
    }

    private let state = Mutex(State())
    /// Taken around `runIfIdle`, so that two event loops stepping one session wait for each
    /// other (a few microseconds) instead of finding it busy and sending a step to the pool.
    private let inlineGate = AdaptiveLock()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let start = state.withLock { state in
            if state.running {
                state.queue.append(job)
                return false
            }
            state.running = true
            return true
        }
        // Never run inline here: enqueue is called from inside other executors' jobs (the
        // store's, a writer's), and a session's step may be long.
        if start { DispatchQueue.global().async { self.drain(from: job) } }
    }

    /// Runs `first` and then every queued job, until the queue is empty; the caller holds
    /// `running`, and this clears it.
    private func drain(from first: UnownedJob) {
        var next: UnownedJob? = first
        while let job = next {
            state.withLock { $0.owner = pthread_self() }
            job.runSynchronously(on: asUnownedSerialExecutor())
            next = leave()
        }
    }

    /// Called by whoever is inside the session when its run ends: the next queued job, which
    /// the caller must run or hand on (the session stays `running` for it), or nil, and the
    /// session is idle.
    private func leave() -> UnownedJob? {
        state.withLock { state in
            state.owner = 0
            if state.queue.isEmpty {
                state.running = false
                return nil
            }
            return state.queue.removeFirst()
        }
    }

    /// Runs `body` inside the session on this thread if nothing holds it; nil (and `body` is
    /// not called) if something does. Jobs that arrive meanwhile are queued and then handed to
    /// the pool, never run here: the caller is an event loop and must not be held longer
    /// than its own short call.
    func runIfIdle<T: Sendable>(_ body: () -> T) -> T? {
        assert(isIsolatingCurrentContext() != true, "runIfIdle inside the same session would wait for itself")
        return inlineGate.withLock { runIfIdleUngated(body) }
    }

    private func runIfIdleUngated<T: Sendable>(_ body: () -> T) -> T? {
        let claimed = state.withLock { state in
            if state.running { return false }
            state.running = true
            state.owner = pthread_self()
            return true
        }
        guard claimed else { return nil }
        let result = body()
        if let queued = leave() { DispatchQueue.global().async { self.drain(from: queued) } }
        return result
    }

    /// Whether nothing is inside the session and no job waits (for tests: an awaited call's
    /// pool thread clears `running` a moment after the caller has resumed elsewhere).
    var isIdle: Bool { state.withLock { !$0.running } }

    /// Jobs waiting for the session (for tests).
    var queuedJobs: Int { state.withLock { $0.queue.count } }

    /// Whether the calling thread is inside the session: what `assumeIsolated` asks.
    func isIsolatingCurrentContext() -> Bool? {
        state.withLock { $0.running && pthread_equal($0.owner, pthread_self()) != 0 }
    }

    func checkIsolated() {
        precondition(isIsolatingCurrentContext() == true, "not running inside this session")
    }
}
