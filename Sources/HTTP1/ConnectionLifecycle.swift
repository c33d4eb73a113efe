// Per-connection timeouts and graceful shutdown as a pure value-type state machine,
// after Hummingbird's HTTPConnectionStateHandler. The transport feeds it events with
// explicit instants and obeys the actions; tests drive it with plain numbers.

/// Decides when a connection must be closed. Time is a monotonic instant in
/// nanoseconds (`UInt64`, e.g. `CLOCK_MONOTONIC`); the machine never reads a clock.
///
/// Timeouts, which apply only while no request is in flight (a slow handler is the
/// server's business, not the peer's):
/// - **idle** (`idleTimeout`, 60 s): no byte of a next request since the connection
///   opened or since the last response was sent.
/// - **header** (`headerTimeout`, 10 s): from the first byte of a request head to its
///   end. The deadline is fixed when the head starts and is not extended by further
///   bytes, so a slowloris head trickling one byte at a time still dies at 10 s.
/// - **body** (`bodyTimeout`, 10 s with `minBodyBytesPerTimeout`, 1 KiB): the body must
///   deliver at least `minBodyBytesPerTimeout` bytes within every `bodyTimeout` window;
///   each time the quota is met a new window starts. This is a minimum-rate rule
///   (~100 B/s by default, like Apache's mod_reqtimeout MinRate), so a 100 MB upload on
///   a slow but steady link never times out, while a body trickling a byte every few
///   seconds is closed within one window.
///
/// After a response is sent, the timer of the phase the parser is in restarts, so time
/// spent by the handler is never charged to the peer's pipelined next request.
///
/// Graceful shutdown: an idle connection (no request in flight, no request bytes)
/// closes at once; any other connection gets `.closeAfterResponse`, should answer its
/// current request with `Connection: close` (see `keepAliveAllowed`) and is closed when
/// that response has been sent. A stalled half-received request still dies by its timeout.
public struct ConnectionLifecycle: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Time allowed between requests on a kept-alive connection. Default 60 s.
        public var idleTimeout: Duration
        /// Time allowed from the first byte of a request to the end of its head. Default 10 s.
        public var headerTimeout: Duration
        /// Window within which a body must deliver `minBodyBytesPerTimeout`. Default 10 s.
        public var bodyTimeout: Duration
        /// Body bytes required per `bodyTimeout` window. Default 1024 (≈100 B/s).
        public var minBodyBytesPerTimeout: Int

        public init(
            idleTimeout: Duration = .seconds(60),
            headerTimeout: Duration = .seconds(10),
            bodyTimeout: Duration = .seconds(10),
            minBodyBytesPerTimeout: Int = 1024
        ) {
            self.idleTimeout = idleTimeout
            self.headerTimeout = headerTimeout
            self.bodyTimeout = bodyTimeout
            self.minBodyBytesPerTimeout = minBodyBytesPerTimeout
        }
    }

    public enum CloseReason: Sendable, Equatable {
        case idleTimeout
        case headerTimeout
        case bodyTimeout
        /// Graceful shutdown.
        case shutdown
        /// The response just sent was not keep-alive.
        case responseNotKeepAlive
    }

    public enum Action: Sendable, Equatable {
        case none
        /// Close the connection now.
        case close(CloseReason)
        /// Finish the current request, answer it with `Connection: close`, then expect `.close`.
        case closeAfterResponse
    }

    public let configuration: Configuration
    /// The parser phase last reported.
    public private(set) var phase: RequestParser.Phase = .idle
    /// Requests dispatched whose responses have not been sent.
    public private(set) var inFlight = 0
    /// Shutdown was requested; responses must not keep the connection alive.
    public private(set) var isDraining = false
    /// A `.close` action has been returned; later events return `.none`.
    public private(set) var isClosed = false

    private var phaseStart: UInt64
    private var windowBytes = 0
    private let idleNanos: UInt64
    private let headerNanos: UInt64
    private let bodyNanos: UInt64

    /// A connection opened at `now`; its idle timer starts then.
    public init(configuration: Configuration = Configuration(), now: UInt64) {
        self.configuration = configuration
        self.phaseStart = now
        self.idleNanos = Self.nanoseconds(configuration.idleTimeout)
        self.headerNanos = Self.nanoseconds(configuration.headerTimeout)
        self.bodyNanos = Self.nanoseconds(configuration.bodyTimeout)
    }

    /// Whether the next response may keep the connection open.
    public var keepAliveAllowed: Bool { !isDraining && !isClosed }

    /// The instant at which `tick` will close the connection if nothing happens, or nil
    /// when no timer runs (a request is in flight, or the connection is closed).
    public var nextDeadline: UInt64? {
        guard !isClosed, inFlight == 0 else { return nil }
        switch phase {
        case .idle: return phaseStart.addingSaturating(idleNanos)
        case .head: return phaseStart.addingSaturating(headerNanos)
        case .body: return phaseStart.addingSaturating(bodyNanos)
        }
    }

    // MARK: Events

    /// `count` bytes were read and fed at `now`; `phaseAfter` is `parser.phase` after
    /// draining `next()`. May be reported before or after `requestDispatched` for the
    /// requests the read completed.
    public mutating func bytesReceived(now: UInt64, count: Int, phaseAfter: RequestParser.Phase) -> Action {
        guard !isClosed else { return .none }
        if let expired = expiredTimer(now) { return close(expired) }
        if phaseAfter != phase {
            enter(phaseAfter, at: now)
        } else if phase == .body {
            windowBytes += count
            if windowBytes >= configuration.minBodyBytesPerTimeout {
                phaseStart = now
                windowBytes = 0
            }
        }
        // No shutdown close here even when draining and idle: a draining connection is
        // never idle without a request to finish (shutdownRequested closed it otherwise),
        // so `.idle` here means "a request just completed", and it is still to be
        // dispatched and answered. Works whether the transport reports the read before
        // or after dispatching the requests it carried.
        return .none
    }

    /// A complete request was handed to the application at `now`.
    public mutating func requestDispatched(now: UInt64) -> Action {
        guard !isClosed else { return .none }
        inFlight += 1
        return isDraining ? .closeAfterResponse : .none
    }

    /// A response finished writing at `now`.
    public mutating func responseSent(now: UInt64, keepAlive: Bool) -> Action {
        guard !isClosed else { return .none }
        inFlight = max(0, inFlight - 1)
        if !keepAlive { return close(.responseNotKeepAlive) }
        if isDraining && inFlight == 0 { return close(.shutdown) }
        if inFlight == 0 {
            enter(phase, at: now)  // restart the current phase's timer
        }
        return .none
    }

    /// Periodic check; closes the connection when its deadline has passed.
    public mutating func tick(now: UInt64) -> Action {
        guard !isClosed else { return .none }
        if let expired = expiredTimer(now) { return close(expired) }
        return .none
    }

    /// The server is shutting down gracefully.
    public mutating func shutdownRequested(now: UInt64) -> Action {
        guard !isClosed else { return .none }
        isDraining = true
        // Like `tick` and `bytesReceived`: a timer that has already run out closes now,
        // rather than leaving a deadline in the past for the next tick to notice.
        if let expired = expiredTimer(now) { return close(expired) }
        if inFlight == 0 && phase == .idle { return close(.shutdown) }
        return .closeAfterResponse
    }

    // MARK: Internals

    private mutating func enter(_ newPhase: RequestParser.Phase, at now: UInt64) {
        phase = newPhase
        phaseStart = now
        windowBytes = 0
    }

    private func expiredTimer(_ now: UInt64) -> CloseReason? {
        guard let deadline = nextDeadline, now >= deadline else { return nil }
        switch phase {
        case .idle: return .idleTimeout
        case .head: return .headerTimeout
        case .body: return .bodyTimeout
        }
    }

    private mutating func close(_ reason: CloseReason) -> Action {
        isClosed = true
        return .close(reason)
    }

    static func nanoseconds(_ d: Duration) -> UInt64 {
        let (seconds, attoseconds) = d.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        return UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max
            : (UInt64(seconds) * 1_000_000_000).addingSaturating(UInt64(attoseconds / 1_000_000_000))
    }
}

extension UInt64 {
    fileprivate func addingSaturating(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
