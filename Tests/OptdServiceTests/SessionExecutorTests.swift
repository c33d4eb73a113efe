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
    private nonisolated let executor = SessionExecutor()
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

/// Runs `body` on a thread of its own, as an event loop's thread calls in: its blocking waits
/// must not hold a thread of Swift's cooperative pool, which the tasks they wait for need.
private func onPlainThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

@Suite("SessionExecutor")
struct SessionExecutorTests {
    @Test("an idle session runs the call on the calling thread, isolated, and is idle again after")
    func idleRunsInline() async {
        let probe = Probe()
        let (results, here) = await onPlainThread { ([probe.bumpIfIdle(), probe.bumpIfIdle()], pthread_self()) }
        #expect(results == [1, 2])
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
        #expect(probe.bumpIfIdle() == 1)
    }

    @Test("jobs that arrive during an inline call run after it, on the pool, not on the caller's thread")
    func queuedJobsGoToThePool() async {
        let probe = Probe()
        let arrived = DispatchSemaphore(value: 0)
        let queued = Mutex<Task<Int, Never>?>(nil)
        let (first, caller) = await onPlainThread {
            let first = probe.runIfIdle {
                queued.withLock { $0 = Task { arrived.signal(); return await probe.bump() } }
                arrived.wait()
                usleep(20_000)  // the task is now waiting for the session
                return probe.assumeIsolated { $0.bump() }
            }
            return (first, pthread_self())
        }
        #expect(first == 1)
        #expect(await queued.withLock { $0 }!.value == 2)
        let threads = await probe.threads
        #expect(threads.count == 2)
        #expect(pthread_equal(threads[1], caller) == 0)
    }

    @Test("inline callers on threads and awaiting tasks never overlap and lose no update")
    func mutualExclusion() async {
        let probe = Probe()
        let inlineDone = Atomic<Int>(0)
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { var n = 0; for _ in 0..<500 { _ = await probe.bump(); n += 1 }; return n }
            }
            // Two plain threads, as event loops are.
            let threadsDone = DispatchGroup()
            for _ in 0..<2 {
                DispatchQueue.global().async(group: threadsDone) {
                    for _ in 0..<2000 where probe.bumpIfIdle() != nil { inlineDone.add(1, ordering: .relaxed) }
                }
            }
            var awaited = 0
            for await n in group { awaited += n }
            await withCheckedContinuation { continuation in threadsDone.notify(queue: .global()) { continuation.resume() } }
            #expect(await probe.count == awaited + inlineDone.load(ordering: .relaxed))
        }
        #expect(probe.overlaps.load(ordering: .relaxed) == 0)
        #expect(inlineDone.load(ordering: .relaxed) > 0)
    }
}
