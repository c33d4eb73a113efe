// Accepting connections on the listening socket.

import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Watches the listening socket with a DispatchSourceRead and, on each event, accepts in a
/// loop until EAGAIN, handing every new fd to `onAccept` once made non-blocking and
/// close-on-exec (Glibc's Swift module does not export `accept4`). Owns the listening
/// fd and closes it in the source's cancel handler, once.
///
/// `@unchecked Sendable`: `paused` and `stopped` are touched only on `queue` (the server's
/// serial queue, which runs the source's handlers); `source` is itself thread-safe.
final class Acceptor: @unchecked Sendable {
    /// How long accepting pauses when the process is out of file descriptors or memory:
    /// the level-triggered source would otherwise spin on the pending connection.
    static let resourcePause: DispatchTimeInterval = .milliseconds(100)

    private let fd: Int32
    private let queue: DispatchQueue
    private let source: any DispatchSourceRead
    private let onAccept: @Sendable (Int32) -> Void
    private let log: (@Sendable (String) -> Void)?
    private let closed = Atomic<Bool>(false)
    private var paused = false
    private var stopped = false

    init(socket: ListeningSocket, queue: DispatchQueue, log: (@Sendable (String) -> Void)?,
         onAccept: @escaping @Sendable (Int32) -> Void) {
        self.fd = socket.fd
        self.queue = queue
        self.log = log
        self.onAccept = onAccept
        self.source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: queue)
        // The handlers retain the acceptor until the source is cancelled.
        source.setEventHandler { self.acceptAll() }
        source.setCancelHandler {
            close(self.fd)
            self.closed.store(true, ordering: .releasing)
        }
    }

    /// True once the listening fd is closed: new connections are refused.
    var isClosed: Bool { closed.load(ordering: .acquiring) }

    func start() {
        source.activate()
    }

    /// Stops accepting; the listening fd is closed shortly after (see `isClosed`).
    func stop() {
        queue.async { [self] in
            guard !stopped else { return }
            stopped = true
            if paused {
                paused = false
                source.resume()
            }
            source.cancel()
        }
    }

    private func acceptAll() {
        while !stopped {
            let client = accept(fd, nil, nil)
            if client >= 0 {
                Posix.setNonBlockingCloexec(client)
                onAccept(client)
                continue
            }
            let code = errno
            switch code {
            case EAGAIN, EWOULDBLOCK:
                return
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                log?("accept: \(Posix.describe(code)); pausing accepts for 100 ms")
                pause()
                return
            default:
                log?("accept: \(Posix.describe(code))")
                return
            }
        }
    }

    private func pause() {
        guard !paused else { return }
        paused = true
        source.suspend()
        queue.asyncAfter(deadline: .now() + Self.resourcePause) { [self] in
            guard paused, !stopped else { return }
            paused = false
            source.resume()
        }
    }
}
