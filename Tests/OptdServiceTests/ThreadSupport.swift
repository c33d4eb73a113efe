import Dispatch
import Foundation
@testable import OptdService

// Helpers for tests that call in from threads of their own, as event loops do.

/// Runs `body` on a thread of its own, as an event loop's thread calls in: its blocking waits
/// must not hold a thread of Swift's cooperative pool, which the tasks they wait for need.
/// With `keepAlive`, the thread waits for it before ending (so that its id is not reused by
/// another thread while a test still compares against it).
func onPlainThread<T: Sendable>(keepAlive: DispatchSemaphore? = nil, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread {
            continuation.resume(returning: body())
            keepAlive?.wait()
        }.start()
    }
}

/// Waits until nothing is inside the executor's session: the pool thread that ran an awaited
/// call clears its flag a moment after the caller has resumed.
func waitUntilIdle(_ executor: SessionExecutor) async {
    while !executor.isIdle { try? await Task.sleep(for: .microseconds(100)) }
}
