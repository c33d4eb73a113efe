import Dispatch
import Foundation
import Synchronization
import Testing
@testable import OptdService

#if canImport(Glibc)
import Glibc
#endif

/// An actor on a `SessionExecutor`, with a counter whose updates would be lost if two
/// callers were ever inside at once (`inside` catches the overlap itself).
private actor Probe {
    nonisolated let executor = SessionExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private(set) var count = 0
    private(set) var threads: [pthread_t] = []
    nonisolated let overlaps = Atomic<Int>(0)
    private nonisolated let inside = Atomic<Bool>(false)

    func bump() -> Int {
        if inside.exchange(true, ordering: .acquiring) { overlaps.add(1, ordering: .relaxed) }
        let seen = count
        for _ in 0..<50 { _ = pthread_self() }  // widen the window a racing caller would need
        count = seen + 1
        threads.append(pthread_self())
        inside.store(false, ordering: .releasing)
        return count
    }

    /// Holds the session (its thread blocks) until `release` is signalled.
    func hold(entered: DispatchSemaphore, release: DispatchSemaphore) {
        entered.signal()
        release.wait()
    }

    nonisolated func bumpIfIdle() -> Int? { runIfIdle { assumeIsolated { $0.bump() } } }
    nonisolated func runIfIdle<T: Sendable>(_ body: () -> T) -> T? { executor.runIfIdle(body) }
}

@Suite("SessionExecutor")
struct SessionExecutorTests {
    @Test("an idle session runs the call on the calling thread, isolated, and is idle again after")
    func idleRunsInline() async {
        let probe = Probe()
        let (results, here) = await onPlainThread { ([probe.bumpIfIdle(), probe.bumpIfIdle()], pthread_self()) }
        #expect(results == [1, 2])
        #expect(probe.executor.isIdle)
        #expect(await probe.threads.count == 2)
        #expect(await probe.threads.allSatisfy { pthread_equal($0, here) != 0 })
        #expect(await probe.bump() == 3)  // an awaited call still gets in
    }

    @Test("a session held by a job refuses the inline call without running it, and the job finishes")
    func busyRefuses() async {
        let probe = Probe()
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let holder = Task { await probe.hold(entered: entered, release: release) }
        let refused = await onPlainThread {
            entered.wait()
            defer { release.signal() }
            return probe.bumpIfIdle()
        }
        #expect(refused == nil)
        await holder.value
        #expect(await probe.count == 0)
        await waitUntilIdle(probe.executor)
        #expect(probe.bumpIfIdle() == 1)
    }

    @Test("jobs that arrive during an inline call run after it, on the pool, not on the caller's thread")
    func queuedJobsGoToThePool() async {
        let probe = Probe()
        let queued = Mutex<Task<Int, Never>?>(nil)
        let callerDone = DispatchSemaphore(value: 0)
        let (first, countInside, caller) = await onPlainThread(keepAlive: callerDone) {
            var countInside = -1
            let first = probe.runIfIdle {
                queued.withLock { $0 = Task { await probe.bump() } }
                // Inside the session until the task has queued its job behind this call.
                while probe.executor.queuedJobs == 0 { usleep(100) }
                countInside = probe.assumeIsolated { $0.count }
                return probe.assumeIsolated { $0.bump() }
            }
            return (first, countInside, pthread_self())
        }
        #expect(countInside == 0)  // the queued job had not run inside the call
        #expect(first == 1)
        #expect(await queued.withLock { $0 }!.value == 2)
        let threads = await probe.threads
        #expect(threads.count == 2)
        #expect(pthread_equal(threads[1], caller) == 0)  // the caller's thread is still alive: its id is its own
        callerDone.signal()
    }

    @Test("inline callers on threads and awaiting tasks never overlap and lose no update")
    func mutualExclusion() async {
        let probe = Probe()
        // Two threads of their own, as event loops are, calling in while tasks await.
        async let inline = withTaskGroup(of: Int.self) { threads in
            for _ in 0..<2 {
                threads.addTask {
                    await onPlainThread {
                        var n = 0
                        for _ in 0..<2000 where probe.bumpIfIdle() != nil { n += 1 }
                        return n
                    }
                }
            }
            return await threads.reduce(0, +)
        }
        let awaited = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { var n = 0; for _ in 0..<500 { _ = await probe.bump(); n += 1 }; return n }
            }
            return await group.reduce(0, +)
        }
        let inlined = await inline
        #expect(await probe.count == awaited + inlined)
        #expect(probe.overlaps.load(ordering: .relaxed) == 0)
        #expect(inlined > 0)
    }
}
