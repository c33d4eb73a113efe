// A thread that waits on epoll and runs the connections registered with it.

import CEpoll
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Something registered with an `EventLoop`: told of its fd's readiness, on the loop's thread.
protocol EventLoopClient: AnyObject {
    /// `events` is the epoll mask that fired (`EPOLLIN`, `EPOLLOUT`, `EPOLLRDHUP`, `EPOLLHUP`, `EPOLLERR`).
    func handleEvents(_ events: UInt32)
}

/// One thread, one epoll instance, the connections assigned to it. Sockets are registered
/// level-triggered with the interest each connection wants (read, write, both, neither),
/// so an event costs one `epoll_wait` shared by every ready connection, and the read and the
/// send the connection does right there on the same thread — no hop to another thread and
/// no re-arming syscall per event, which is what a Dispatch source costs on Linux.
///
/// Work from other threads (a handler's late response, the timeout ticker, shutdown) comes
/// in through `execute`, which queues a closure and wakes the loop through an eventfd, at
/// most once per batch.
///
/// `@unchecked Sendable`: `clients` and `nextToken` are touched only on the loop's thread;
/// the task queue is behind a mutex and the flags are atomics.
final class EventLoop: @unchecked Sendable {
    /// Events fetched per `epoll_wait`.
    static let batchSize = 256

    let name: String
    let epollFD: Int32
    let wakeFD: Int32
    /// Closures to run, and whether the loop has exited (then `execute` drops them: nothing
    /// would ever run them, and they would keep what they capture alive).
    private let tasks = Mutex<(queue: [@Sendable () -> Void], closed: Bool)>(([], false))
    /// True from an `execute` that wrote to the eventfd until the loop takes the queue.
    private let wakePending = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    private let exited = Atomic<Bool>(false)
    // Loop thread only. Token 0 is the eventfd.
    private var clients: [UInt64: any EventLoopClient] = [:]
    private var nextToken: UInt64 = 1
    /// The queue's other half (see `runTasks`).
    private var spareTasks: [@Sendable () -> Void] = []

    init(name: String) throws(SocketError) {
        self.name = name
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError(operation: "epoll_create1", code: errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let code = errno
            close(epollFD)
            throw SocketError(operation: "eventfd", code: code)
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = 0
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) == 0 else {
            let code = errno
            close(wakeFD)
            close(epollFD)
            throw SocketError(operation: "epoll_ctl(eventfd)", code: code)
        }
    }

    /// The fds close only here, when nothing can reach the loop any more: closing them when
    /// the thread exits would let a late `execute` write to a number the process may already
    /// have reused for a session file.
    deinit {
        close(wakeFD)
        close(epollFD)
    }

    /// Starts the loop's thread.
    func start() {
        let thread = Thread { self.run() }
        thread.name = name
        thread.start()
    }

    /// Asks the loop to exit once it has run what is queued; its fds are then closed.
    /// Connections should be closed first.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        execute {}
    }

    /// True once the thread has exited.
    var hasExited: Bool { exited.load(ordering: .acquiring) }

    /// Runs `work` on the loop's thread, after the events being handled. Any thread.
    func execute(_ work: @escaping @Sendable () -> Void) {
        let queued = tasks.withLock { tasks -> Bool in
            guard !tasks.closed else { return false }  // the loop has exited
            tasks.queue.append(work)
            return true
        }
        guard queued else { return }
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    // MARK: Registration (loop thread only)

    /// Watches `fd` for `events` on behalf of `client`; returns the registration's token.
    func register(fd: Int32, events: UInt32, client: any EventLoopClient) throws(SocketError) -> UInt64 {
        let token = nextToken
        nextToken += 1
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            throw SocketError(operation: "epoll_ctl(ADD)", code: errno)
        }
        clients[token] = client
        return token
    }

    /// Changes what `fd` is watched for (0: only hang-ups and errors, which epoll always reports).
    func modify(fd: Int32, token: UInt64, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    /// Stops watching `fd` (call before closing it). Events of this batch for the token are dropped.
    func deregister(fd: Int32, token: UInt64) {
        var event = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
        clients[token] = nil
    }

    // MARK: The loop

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: Self.batchSize)
        while !stopRequested.load(ordering: .acquiring) {
            let count = events.withUnsafeMutableBufferPointer { buffer in
                epoll_wait(epollFD, buffer.baseAddress, Int32(buffer.count), -1)
            }
            if count < 0 {
                if errno == EINTR { continue }
                // Cannot happen with a valid epoll fd and buffer; do not spin if it does.
                usleep(1000)
                continue
            }
            for i in 0..<Int(count) {
                let token = events[i].data.u64
                if token == 0 {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    continue
                }
                // A client closed earlier in this batch has no entry any more.
                clients[token]?.handleEvents(events[i].events)
            }
            runTasks()
        }
        // The last batch: from here on `execute` drops what it is given.
        let last = tasks.withLock { tasks -> [@Sendable () -> Void] in
            tasks.closed = true
            defer { tasks.queue = [] }
            return tasks.queue
        }
        for work in last { work() }
        clients.removeAll()
        exited.store(true, ordering: .releasing)
    }

    private func runTasks() {
        // Cleared before the queue is taken: a closure queued after this line writes to the
        // eventfd again, so it is never left waiting for a wake-up that does not come.
        wakePending.store(false, ordering: .sequentiallyConsistent)
        // Swapped with the loop's spare array rather than copied out: each keeps its capacity,
        // so queueing and running closures allocates no array.
        tasks.withLock { tasks in swap(&tasks.queue, &spareTasks) }
        for work in spareTasks { work() }
        spareTasks.removeAll(keepingCapacity: true)
    }
}

/// Hands accepted connections to the loops in turn.
final class EventLoopGroup: Sendable {
    let loops: [EventLoop]
    private let next = Atomic<UInt>(0)

    init(count: Int) throws(SocketError) {
        var loops: [EventLoop] = []
        for k in 0..<max(1, count) {
            loops.append(try EventLoop(name: "optd.loop.\(k)"))  // on failure, deinit closes the others' fds
        }
        self.loops = loops
    }

    func start() { for loop in loops { loop.start() } }
    func stop() { for loop in loops { loop.stop() } }

    /// The loop for the next connection.
    func pick() -> EventLoop {
        loops[Int(next.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(loops.count))]
    }
}
