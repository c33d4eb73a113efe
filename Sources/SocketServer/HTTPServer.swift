// The public server: start, graceful shutdown, and the count of open connections.

import Dispatch
import HTTP1
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An HTTP/1.1 server on Glibc sockets, epoll and Dispatch.
///
///     let server = HTTPServer(configuration: ServerConfiguration(port: 0), handler: handler)
///     let port = try server.start()
///     ...
///     await server.shutdown(gracePeriod: .seconds(5))
///
/// Threads: one serial queue for accepting and the timeout ticker, and `eventLoops` event-loop
/// threads (one per core by default) that each run their share of the connections: reads,
/// parsing, the handler's `handle` call and writes. Nothing else runs per request.
public final class HTTPServer: Sendable {
    /// How long a connection that is closing after its last response keeps discarding
    /// input while waiting for the peer to close (see `Connection`).
    static let linger: Duration = .seconds(1)

    public let configuration: ServerConfiguration
    private let context: ConnectionContext
    private let registry = ConnectionRegistry()
    /// Runs the accept loop and the ticker.
    private let queue = DispatchQueue(label: "optd.server")
    private let state = Mutex(State.idle)

    private enum State {
        case idle
        case running(Acceptor, LifecycleTicker, EventLoopGroup)
        case stopped
    }

    /// `log` receives rare operational messages (accept failures, forced closes); nil is silent.
    public init(configuration: ServerConfiguration, handler: any HTTPHandler, log: (@Sendable (String) -> Void)? = nil) {
        self.configuration = configuration
        self.context = ConnectionContext(
            handler: handler,
            limits: configuration.limits,
            lifecycle: configuration.lifecycle,
            registry: registry,
            log: log,
            writeStallNanos: MonotonicClock.nanoseconds(configuration.lifecycle.idleTimeout),
            lingerNanos: MonotonicClock.nanoseconds(Self.linger))
    }

    /// Connections currently open, including those finishing a response during shutdown.
    public var openConnections: Int { registry.count }

    /// Binds, listens and starts accepting; returns the bound port (useful with port 0).
    /// Also ignores SIGPIPE process-wide. Throws `SocketError` if the address cannot be
    /// bound, or if the server was already started.
    public func start() throws -> Int {
        try state.withLock { state -> Int in
            guard case .idle = state else {
                throw SocketError(operation: "start (the server was already started)", code: 0)
            }
            Posix.ignoreSIGPIPE()
            let loops = try EventLoopGroup(count: configuration.eventLoops)
            let socket = try ListeningSocket(
                host: configuration.host, port: configuration.port, backlog: configuration.backlog)
            let context = self.context
            let maxConnections = max(configuration.maxConnections, 0)
            let acceptor = Acceptor(socket: socket, queue: queue, log: context.log) { fd in
                Self.accepted(fd, context: context, maxConnections: maxConnections, loop: loops.pick())
            }
            let ticker = LifecycleTicker(
                interval: LifecycleTicker.interval(for: configuration.lifecycle), queue: queue, registry: registry)
            loops.start()
            ticker.start()
            acceptor.start()
            state = .running(acceptor, ticker, loops)
            return socket.port
        }
    }

    /// Graceful shutdown. Stops accepting (new connections are refused once this returns,
    /// and in practice within milliseconds); idle keep-alive connections close now;
    /// requests in flight finish and their responses are sent with `Connection: close`,
    /// then those connections close. After `gracePeriod` whatever is left is closed.
    /// Returns when every connection is closed. Calling it again just waits the same way.
    public func shutdown(gracePeriod: Duration) async {
        let running: (Acceptor, LifecycleTicker, EventLoopGroup)? = state.withLock { state in
            defer { state = .stopped }
            if case .running(let acceptor, let ticker, let loops) = state { return (acceptor, ticker, loops) }
            return nil
        }
        let acceptor = running?.0
        acceptor?.stop()
        for connection in registry.beginDraining() {
            connection.requestShutdown()
        }
        let clock = ContinuousClock()
        let deadline = clock.now + gracePeriod
        func finished() -> Bool { registry.count == 0 && (acceptor?.isClosed ?? true) }
        while !finished() && clock.now < deadline {
            await Self.pause()
        }
        let left = registry.all()
        if !left.isEmpty {
            context.log?("shutdown: closing \(left.count) connection(s) still open after the grace period")
            for connection in left { connection.forceClose() }
        }
        while !finished() {
            await Self.pause()
        }
        running?.1.stop()
        if let loops = running?.2 {
            loops.stop()
            while !loops.loops.allSatisfy({ $0.hasExited }) { await Self.pause() }
        }
    }

    // MARK: Accepting

    /// Runs on the server queue for every accepted fd.
    private static func accepted(_ fd: Int32, context: ConnectionContext, maxConnections: Int, loop: EventLoop) {
        if context.registry.count >= maxConnections {
            rejectOverCapacity(fd)
            return
        }
        Posix.setNoDelay(fd)
        let connection = Connection(fd: fd, context: context, loop: loop)
        let admitted = context.registry.add(connection)
        connection.start()
        if !admitted {
            connection.requestShutdown()  // accepted while shutdown began
        }
    }

    /// Over the cap: one non-blocking send of a prepared 503 with `Connection: close`, a
    /// half-close, a drain of whatever the client already sent (so `close` sends FIN
    /// rather than a reset that could destroy the 503), and close. No state is kept.
    private static func rejectOverCapacity(_ fd: Int32) {
        ProblemResponse.tooManyConnections.withUnsafeBytes { _ = Posix.send(fd, $0) }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { scratch in
            var reads = 0
            while reads < 16 && recv(fd, scratch.baseAddress, scratch.count, Int32(MSG_DONTWAIT)) > 0 {
                reads += 1
            }
        }
        close(fd)
    }

    /// A few milliseconds, without throwing on task cancellation (shutdown must finish).
    private static func pause() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5)) { continuation.resume() }
        }
    }
}
