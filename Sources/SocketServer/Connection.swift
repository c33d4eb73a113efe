// One client connection: read, parse, dispatch to the handler, write, close.

import CEpoll
import HTTP1
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What every connection of one server shares.
struct ConnectionContext: Sendable {
    let handler: any HTTPHandler
    let limits: HTTPLimits
    let lifecycle: ConnectionLifecycle.Configuration
    let registry: ConnectionRegistry
    let log: (@Sendable (String) -> Void)?
    /// A response that makes no write progress for this long is abandoned (the idle timeout).
    let writeStallNanos: UInt64
    /// How long a closing connection keeps reading (and discarding) after its last response.
    let lingerNanos: UInt64
}

/// One accepted socket and the HTTP/1.1 exchange on it.
///
/// Flow: the event loop reports the socket readable → `read` into the reusable buffer (looping
/// while reads fill it) → `RequestParser.feed` (or, for the rest of a Content-Length body,
/// `RequestParser.readBody`: straight into the request's body) → `next()` until `.needMoreData`; each
/// `.request` goes to the handler, and the next one is parsed only after `respond` (the
/// response is appended to the outbound buffer). After the pass, everything staged leaves in
/// one `send`; EAGAIN adds write interest, and writability resumes the pass. Timeouts come
/// from `ConnectionLifecycle`, fed with the events here and polled by the server's
/// `LifecycleTicker` through `wakeDeadline`.
///
/// Closing: a response with `Connection: close` (or after a parse error, or when draining)
/// is followed by `shutdown(SHUT_WR)` and a short linger that reads and discards until the
/// peer closes, so unread request bytes cannot turn our close into a reset that destroys
/// the response. Timeouts, peer resets and forced closes close at once. Either way the fd
/// leaves the loop and is closed exactly once, after which the connection leaves the registry.
///
/// `@unchecked Sendable`: every mutable property is touched only on `loop`'s thread, where
/// events, `start`, late responses, ticks and shutdown all run. `wakeDeadline` is an atomic
/// read by the ticker.
final class Connection: EventLoopClient, @unchecked Sendable {
    /// While a request is in the handler (or output is blocked), reading stops once this
    /// many unparsed bytes are buffered.
    static let maxBufferedWhileBusy = 256 * 1024
    /// Reads per read event before yielding the thread to other connections.
    static let maxReadsPerEvent = 16
    /// The most one `read(2)` takes of a body that goes straight into its request: with
    /// `maxReadsPerEvent`, one connection holds its loop for at most 4 MiB per event.
    static let maxDirectBodyRead = 256 * 1024
    /// Staged output above this is flushed before parsing further pipelined requests.
    static let earlyFlushBytes = 256 * 1024

    /// The loop whose thread runs everything this connection does.
    let loop: EventLoop
    /// The instant (CLOCK_MONOTONIC ns) at which this connection wants `tick()`;
    /// `UInt64.max` when no timer runs. Stored after every event, read by the ticker.
    let wakeDeadline = Atomic<UInt64>(.max)

    private let fd: Int32
    private let context: ConnectionContext

    private enum Stage {
        case open
        /// Our side is shut down; reading and discarding until EOF or the instant.
        case lingering(until: UInt64)
        case closed
    }

    /// What the transport needs to remember of the request in the handler.
    private struct RequestTraits {
        var keepAlive = true
        var omitBody = false
        var http10 = false
    }

    private var stage = Stage.open
    // These four are mutated in place on every request. They are touched only on the loop's thread
    // and never by overlapping accesses, so the runtime exclusivity checks are skipped.
    @exclusivity(unchecked) private var parser: RequestParser
    @exclusivity(unchecked) private var lifecycle: ConnectionLifecycle
    @exclusivity(unchecked) private var readBuffer = ReadBuffer()
    @exclusivity(unchecked) private var output = OutboundBuffer()
    /// The loop's registration of `fd`, and the events it is registered for.
    private var token: UInt64 = 0
    private var interest: UInt32 = 0
    private var readPaused = false
    private var writeArmed = false

    /// The request in the handler, if any.
    private var current: ResponseSlot?
    private var currentTraits = RequestTraits()
    /// Responses appended to `output` but not yet fully written.
    private var unflushedResponses = 0
    /// The last response (or error) is staged; close once it is written.
    private var closeAfterFlush = false
    /// The peer sent EOF: responses already staged are still written, nothing more is
    /// dispatched, and the connection closes.
    private var peerClosed = false
    private var lastWriteProgress: UInt64

    init(fd: Int32, context: ConnectionContext, loop: EventLoop) {
        self.fd = fd
        self.context = context
        self.loop = loop
        let now = MonotonicClock.now()
        self.parser = RequestParser(limits: context.limits)
        self.lifecycle = ConnectionLifecycle(configuration: context.lifecycle, now: now)
        self.lastWriteProgress = now
        // Published here, before the connection is shared: `start` runs on the acceptor's
        // thread and must not read state the loop may already be changing.
        publishDeadline()
    }

    // MARK: Entry points (any thread)

    /// Starts reading. Called once, by the acceptor, before anything else.
    func start() {
        loop.execute { self.register() }
    }

    /// Graceful shutdown: idle connections close now, busy ones after their response.
    func requestShutdown() {
        loop.execute { self.shutdownRequested() }
    }

    /// Closes now, whatever is in progress (shutdown's grace period has ended).
    func forceClose() {
        loop.execute { self.closeNow() }
    }

    // MARK: Events (on the loop's thread)

    private static let readEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
    private static let hangUpEvents = EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue

    private func register() {
        guard case .open = stage else { return }
        do throws(SocketError) {
            token = try loop.register(fd: fd, events: Self.readEvents, client: self)
            interest = Self.readEvents
        } catch {
            context.log?("\(error); closing the connection")
            closeNow()
        }
    }

    func handleEvents(_ events: UInt32) {
        if events & (Self.readEvents | Self.hangUpEvents) != 0 {
            readable(hangUp: events & Self.hangUpEvents != 0)
        }
        if events & EPOLLOUT.rawValue != 0 {
            writable()
        }
    }

    private func readable(hangUp: Bool) {
        switch stage {
        case .open: break
        case .lingering: discardInput(); return
        case .closed: return
        }
        // After a hang-up (the peer's FIN, a reset, or its FIN after our own shutdown) read
        // until EOF, EAGAIN or the error rather than stopping at a short read.
        let toTheEnd = hangUp
        var total = 0
        for _ in 0..<Self.maxReadsPerEvent {
            let n: Int
            if let (count, room) = parser.readBody(
                maxBytes: Self.maxDirectBodyRead, { Glibc.read(fd, $0.baseAddress, $0.count) }) {
                // The rest of a Content-Length body, read straight into the request's body.
                n = count
                if n > 0 {
                    total += n
                    // A short read, or the body's last byte: what follows waits for the next event.
                    if (n < room || parser.remainingBodyBytes == 0) && !toTheEnd { break }
                    continue
                }
            } else {
                n = readBuffer.read(from: fd)
                if n > 0 {
                    total += n
                    parser.feed(readBuffer.bytes(n))
                    if parser.bufferedByteCount >= Self.maxBufferedWhileBusy { break }
                    if n < readBuffer.capacity && !toTheEnd { break }
                    // Only a chunked body still comes through this buffer; a Content-Length
                    // one is read straight into place on the next turn (readBody above).
                    if parser.phase == .body && parser.remainingBodyBytes == nil { readBuffer.enlarge() }
                    continue
                }
            }
            if n == 0 {
                peerClosed = true
                break
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { break }
            closeNow()  // ECONNRESET and the like: nothing more can be sent either
            return
        }
        makeProgress(now: MonotonicClock.now(), bytesRead: total)
    }

    private func writable() {
        guard case .open = stage, writeArmed else { return }
        makeProgress(now: MonotonicClock.now(), bytesRead: 0)
    }

    /// A response given after `handle` returned (see `ResponseSlot`).
    func responseArrived(_ slot: ResponseSlot) {
        // A closed connection drops it; the client is gone.
        guard case .open = stage, current === slot, let response = slot.takeResponse() else { return }
        current = nil
        enqueue(response)
        makeProgress(now: MonotonicClock.now(), bytesRead: 0)
    }

    /// Called by the ticker once `wakeDeadline` has passed.
    func tick() {
        let now = MonotonicClock.now()
        switch stage {
        case .open: break
        case .lingering(let until):
            if now >= until { closeNow() } else { publishDeadline() }
            return
        case .closed: return
        }
        if !output.isEmpty && now &- lastWriteProgress >= context.writeStallNanos {
            closeNow()
            return
        }
        if case .close = lifecycle.tick(now: now) {
            closeNow()
            return
        }
        publishDeadline()
    }

    private func shutdownRequested() {
        guard case .open = stage else { return }
        // Bytes that arrived before the shutdown count: read them first (a connection accepted
        // a moment ago may not have had its first readiness event yet), so that a request the
        // client already sent is answered rather than dropped as if the connection were idle.
        if current == nil && !peerClosed {
            readable(hangUp: false)
            guard case .open = stage else { return }
        }
        if case .close = lifecycle.shutdownRequested(now: MonotonicClock.now()) {
            closeNow()
            return
        }
        // `.closeAfterResponse`: `keepAliveAllowed` is now false, so the response in
        // progress says `Connection: close`; `responseSent` closes once it is written.
        publishDeadline()
    }

    // MARK: The request/response pass

    /// Parses and dispatches what can be, writes what is staged, then applies the
    /// lifecycle and decides whether to close. Runs after every event.
    private func makeProgress(now: UInt64, bytesRead: Int) {
        guard case .open = stage else { return }
        if output.isBlocked { flush(now: now) }
        guard case .open = stage else { return }  // the flush failed and closed
        if current == nil && !closeAfterFlush && !peerClosed && !output.isBlocked { processRequests(now: now) }
        flush(now: now)
        guard case .open = stage else { return }
        if case .close = lifecycle.bytesReceived(now: now, count: bytesRead, phaseAfter: parser.phase) {
            closeNow()
            return
        }
        if peerClosed && (output.isEmpty || current != nil) {
            // EOF means the client is gone; a half-close is treated the same way (as NIO
            // does by default): responses already staged have been written, a request in
            // the handler is abandoned and its response dropped when it comes, and a
            // partial request never reaches the handler.
            closeNow()
            return
        }
        if output.isEmpty && closeAfterFlush {
            finishAndClose(now: now)
            return
        }
        if readBuffer.isLarge && parser.phase != .body { readBuffer.shrink() }
        updateReadInterest()
        publishDeadline()
    }

    /// Hands complete requests to the handler, one at a time, while each is answered
    /// synchronously; stops at `.needMoreData`, at a request still in the handler, at a
    /// closing response, or when output backs up.
    private func processRequests(now: UInt64) {
        while current == nil && !closeAfterFlush {
            if output.isBlocked || output.stagedByteCount >= Self.earlyFlushBytes {
                flush(now: now)
                guard case .open = stage, !output.isBlocked else { return }
            }
            switch parser.next() {
            case .request(let request):
                dispatch(request, now: now)
            case .needMoreData:
                if parser.expectsContinue {
                    output.appendStatic("HTTP/1.1 100 Continue\r\n\r\n")
                    parser.acknowledgeContinue()
                }
                return
            case .error(let error):
                // The framing of whatever follows cannot be trusted: answer and close.
                output.append(
                    ProblemResponse.forParseError(error), keepAlive: false, announceKeepAlive: false, omitBody: false)
                closeAfterFlush = true
                return
            }
        }
    }

    private func dispatch(_ request: HTTPRequest, now: UInt64) {
        currentTraits = RequestTraits(
            keepAlive: request.keepAlive,
            omitBody: request.method == "HEAD",
            http10: request.version == .http1_0)
        _ = lifecycle.requestDispatched(now: now)  // when draining, keepAliveAllowed says so
        let slot = ResponseSlot(connection: self)
        current = slot
        context.handler.handle(request, respond: { slot.fulfil($0) })
        if let response = slot.handlerReturned() {
            current = nil
            enqueue(response)
        }
    }

    private func enqueue(_ response: HTTPResponse) {
        let keepAlive = currentTraits.keepAlive && lifecycle.keepAliveAllowed
        output.append(
            response, keepAlive: keepAlive, announceKeepAlive: currentTraits.http10, omitBody: currentTraits.omitBody)
        unflushedResponses += 1
        if !keepAlive { closeAfterFlush = true }
    }

    // MARK: Writing

    private func flush(now: UInt64) {
        guard !output.isEmpty else { return }
        switch output.write(to: fd) {
        case .complete:
            lastWriteProgress = now
            disarmWrite()
            while unflushedResponses > 0 {
                unflushedResponses -= 1
                if case .close = lifecycle.responseSent(now: now, keepAlive: true) {
                    closeAfterFlush = true  // draining: this was the last response
                }
            }
        case .blocked(let progressed):
            if progressed || !writeArmed { lastWriteProgress = now }
            armWrite()
        case .failed:
            closeNow()
        }
    }

    private func armWrite() {
        guard !writeArmed else { return }
        writeArmed = true
        updateInterest()
    }

    private func disarmWrite() {
        guard writeArmed else { return }
        writeArmed = false
        updateInterest()
    }

    /// Registers with the loop for what is wanted now: reading unless paused, writing while
    /// output is blocked. One `epoll_ctl`, only when that changes.
    private func updateInterest() {
        guard token != 0 else { return }  // not registered yet, or closed
        let wanted = (readPaused ? 0 : Self.readEvents) | (writeArmed ? EPOLLOUT.rawValue : 0)
        guard wanted != interest else { return }
        interest = wanted
        loop.modify(fd: fd, token: token, events: wanted)
    }

    // MARK: Reading interest

    /// Stops reading after EOF (level-triggered readiness would report it forever) or while
    /// busy with a full buffer; reads again when neither holds.
    private func updateReadInterest() {
        let busy = current != nil || output.isBlocked || closeAfterFlush
        let pause = peerClosed || (busy && parser.bufferedByteCount >= Self.maxBufferedWhileBusy)
        guard pause != readPaused else { return }
        readPaused = pause
        updateInterest()
    }

    // MARK: Timers

    private func publishDeadline() {
        let deadline: UInt64
        switch stage {
        case .open:
            var d = lifecycle.nextDeadline ?? .max
            if !output.isEmpty {
                let (stall, overflow) = lastWriteProgress.addingReportingOverflow(context.writeStallNanos)
                d = min(d, overflow ? .max : stall)
            }
            deadline = d
        case .lingering(let until):
            deadline = until
        case .closed:
            deadline = .max
        }
        wakeDeadline.store(deadline, ordering: .relaxed)
    }

    // MARK: Closing

    /// After the last response: half-close, then linger until the peer's EOF.
    private func finishAndClose(now: UInt64) {
        if peerClosed {
            closeNow()
            return
        }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        stage = .lingering(until: now &+ context.lingerNanos)
        output.removeAll()
        writeArmed = false
        readPaused = false
        updateInterest()
        publishDeadline()
    }

    /// Lingering: read and drop until EOF (or an error), then close. Reads until EAGAIN:
    /// the peer's FIN arrives as a hang-up (see `readable`), after which no event follows.
    private func discardInput() {
        for _ in 0..<Self.maxReadsPerEvent {
            let n = readBuffer.read(from: fd)
            if n > 0 { continue }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { return }
            }
            closeNow()
            return
        }
    }

    /// Stops everything: the fd leaves the loop and is closed, and the connection leaves the registry.
    private func closeNow() {
        if case .closed = stage { return }
        stage = .closed
        wakeDeadline.store(.max, ordering: .relaxed)
        current = nil  // a late response finds the stage closed and is dropped
        output.removeAll()
        parser = RequestParser(limits: context.limits)  // releases buffered bytes now
        if token != 0 {
            loop.deregister(fd: fd, token: token)
            token = 0
        }
        close(fd)
        readBuffer.deallocate()
        context.registry.remove(self)
    }
}
