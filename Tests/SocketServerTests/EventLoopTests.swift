// The event loop on its own: work handed to it runs on its thread, in order; after it exits,
// work is dropped (not run, not kept) and its fds stay valid until the loop is released.

import Foundation
@testable import SocketServer
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct EventLoopTests {
    final class Box: @unchecked Sendable {
        var values: [Int] = []
    }

    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    static func waitUntil(_ condition: () -> Bool) async {
        for _ in 0..<500 where !condition() { try? await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func workRunsInOrderOnTheLoopThread() async throws {
        let loop = try EventLoop(name: "test.loop")
        loop.start()
        let box = Box()
        let done = Flag()
        let caller = pthread_self()
        for k in 0..<100 {
            loop.execute {
                precondition(pthread_equal(pthread_self(), caller) == 0, "ran on the caller's thread")
                box.values.append(k)
                if k == 99 { done.set() }
            }
        }
        await Self.waitUntil { done.isSet }
        #expect(box.values == Array(0..<100))
        loop.stop()
        await Self.waitUntil { loop.hasExited }
        #expect(loop.hasExited)
    }

    @Test func workAfterExitIsDroppedAndReleased() async throws {
        let loop = try EventLoop(name: "test.loop")
        loop.start()
        loop.stop()
        await Self.waitUntil { loop.hasExited }
        #expect(loop.hasExited)
        final class Captured: Sendable {}
        weak var weakCaptured: Captured?
        let ran = Flag()
        do {
            let captured = Captured()
            weakCaptured = captured
            loop.execute { _ = captured; ran.set() }
        }
        try await Task.sleep(for: .milliseconds(20))
        #expect(!ran.isSet)
        #expect(weakCaptured == nil, "a closure given to an exited loop was kept")
    }

    /// What /proc says fd `fd` of this process is ("anon_inode:[eventfd]"…), or nil if closed.
    static func describe(_ fd: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
    }

    @Test func fdsStayOpenAfterExitWhileTheLoopIsReferenced() async throws {
        let loop = try EventLoop(name: "test.loop")
        #expect(Self.describe(loop.wakeFD)?.contains("eventfd") == true)
        #expect(Self.describe(loop.epollFD)?.contains("eventpoll") == true)
        loop.start()
        loop.stop()
        await Self.waitUntil { loop.hasExited }
        // A late execute (a handler answering after shutdown) must not find its eventfd closed,
        // or worse, reused by a file opened since.
        loop.execute {}
        #expect(Self.describe(loop.wakeFD)?.contains("eventfd") == true)
        #expect(Self.describe(loop.epollFD)?.contains("eventpoll") == true)
    }
}
