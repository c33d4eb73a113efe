// The incremental request parser: buffers bytes from the transport and yields requests.

/// Turns a byte stream into `HTTPRequest`s, one per `next()`, in order (pipelining).
///
///     var parser = RequestParser(limits: .default)
///     parser.feed(bytes)
///     loop: while true {
///         switch parser.next() {
///         case .request(let r): handle(r)
///         case .needMoreData: break loop
///         case .error(let e): respond(e.status); close()
///         }
///     }
///
/// Body bytes are copied at most twice (socket buffer → parser buffer → body) and only
/// once when they arrive after the head: `feed` then appends straight into the body.
/// After an error the parser stays failed and every `next()` repeats the error.
public struct RequestParser: Sendable {
    public enum Event: Sendable {
        case request(HTTPRequest)
        case needMoreData
        case error(HTTPParseError)
    }

    /// Where the connection is within the current request, so the transport can pick a
    /// timeout: idle (between requests), head (header timeout) or body (body timeout).
    public enum Phase: Sendable, Equatable {
        /// No byte of the next request has arrived (also reported once failed).
        case idle
        /// At least one byte of a request head has arrived, but not the whole head.
        /// Empty lines skipped before a request-line count as head bytes.
        case head
        /// The head is complete and its body is still arriving.
        case body
    }

    /// How much body capacity is reserved up front from a declared length. Larger bodies
    /// grow as bytes actually arrive, so a client that lies about Content-Length cannot
    /// make us allocate `maxBodyBytes` with a few header bytes.
    static let initialBodyReservation = 1 << 20
    /// Buffer capacity kept across requests; a larger buffer is released once drained.
    static let retainedBufferCapacity = 128 * 1024

    private enum State {
        case head
        case contentLengthBody(remaining: Int)
        case chunkedBody
        case failed(HTTPParseError)
    }

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state = State.head
    private var head = HeadParser()
    private var chunked = ChunkedDecoder()
    /// The request whose head is complete and whose body is arriving.
    private var pending: HTTPRequest?
    private var body: [UInt8] = []
    /// Content-Length of the body being read, to size growth exactly; 0 for chunked,
    /// which relies on Array's geometric growth.
    private var declaredBodyLength = 0

    /// True when the current request carried `Expect: 100-continue` (HTTP/1.1), its head
    /// is complete and its body has not all arrived. The transport then writes
    /// `HTTP/1.1 100 Continue\r\n\r\n` and calls `acknowledgeContinue()`.
    public private(set) var expectsContinue = false

    public init(limits: HTTPLimits = .default) {
        self.limits = limits
    }

    /// Where the parser stands; see `Phase`.
    public var phase: Phase {
        switch state {
        case .head: return head.hasStarted || readIndex < buffer.count ? .head : .idle
        case .contentLengthBody, .chunkedBody: return .body
        case .failed: return .idle
        }
    }

    /// Bytes received but not yet consumed by `next()`. A transport that stops calling
    /// `next()` (e.g. while a response is in flight) should stop reading when this grows.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True once a parse error occurred; the connection must be closed after answering.
    public var isFailed: Bool {
        if case .failed = state { return true }
        return false
    }

    /// Call after writing `100 Continue` for the current request.
    public mutating func acknowledgeContinue() {
        expectsContinue = false
    }

    // MARK: Feeding

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if case .failed = state { return }
        var rest = bytes
        if readIndex == buffer.count {
            releaseConsumedBytes()
            // Nothing buffered: body bytes go straight into the body (one copy).
            let direct: Int
            switch state {
            case .contentLengthBody(let remaining):
                direct = min(remaining, rest.count)
                state = .contentLengthBody(remaining: remaining - direct)
            case .chunkedBody:
                direct = min(chunked.remainingInChunk ?? 0, rest.count)
                chunked.consumedDirectly(direct)
            case .head, .failed:
                direct = 0
            }
            if direct > 0 {
                appendBody(UnsafeRawBufferPointer(rebasing: rest[..<direct]))
                rest = UnsafeRawBufferPointer(rebasing: rest[direct...])
            }
        }
        if !rest.isEmpty {
            buffer.append(contentsOf: rest)
        }
    }

    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
        feed(UnsafeRawBufferPointer(bytes))
    }

    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    public mutating func feed(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { feed($0) }
    }

    // MARK: Parsing

    /// The next complete request, `.needMoreData`, or the (sticky) error.
    public mutating func next() -> Event {
        while true {
            switch state {
            case .failed(let error):
                return .error(error)

            case .head:
                var consumed = 0
                let outcome = buffer.withUnsafeBufferPointer { all in
                    head.parse(UnsafeBufferPointer(rebasing: all[readIndex...]), consumed: &consumed, limits: limits)
                }
                readIndex += consumed
                switch outcome {
                case .needMoreData:
                    releaseConsumedBytes()
                    return .needMoreData
                case .failed(let error):
                    return fail(error)
                case .complete(let request, let expectContinue):
                    switch request.bodyFraming {
                    case .none, .contentLength(0):
                        return .request(request)
                    case .contentLength(let length):
                        body.reserveCapacity(min(length, Self.initialBodyReservation))
                        declaredBodyLength = length
                        state = .contentLengthBody(remaining: length)
                    case .chunked:
                        declaredBodyLength = 0
                        chunked = ChunkedDecoder()
                        state = .chunkedBody
                    }
                    pending = request
                    expectsContinue = expectContinue
                }

            case .contentLengthBody(let remaining):
                let take = min(remaining, buffer.count - readIndex)
                if take > 0 {
                    buffer.withUnsafeBytes { all in
                        appendBody(UnsafeRawBufferPointer(rebasing: all[readIndex..<(readIndex + take)]))
                    }
                    readIndex += take
                }
                if take == remaining {
                    return .request(completeRequest())
                }
                state = .contentLengthBody(remaining: remaining - take)
                releaseConsumedBytes()
                return .needMoreData

            case .chunkedBody:
                var consumed = 0
                let outcome = buffer.withUnsafeBufferPointer { all in
                    chunked.decode(
                        UnsafeBufferPointer(rebasing: all[readIndex...]), consumed: &consumed, body: &body, limits: limits)
                }
                readIndex += consumed
                switch outcome {
                case .needMoreData:
                    releaseConsumedBytes()
                    return .needMoreData
                case .failed(let error):
                    return fail(error)
                case .done:
                    return .request(completeRequest())
                }
            }
        }
    }

    /// Appends Content-Length body bytes, growing geometrically (×4: fewer copies of what
    /// has arrived) from the initial reservation but never past the declared length, so the
    /// final array is allocated at its exact size and a lying client only gets memory for
    /// at most four times the bytes it really sent.
    private mutating func appendBody(_ bytes: UnsafeRawBufferPointer) {
        let needed = body.count + bytes.count
        if needed > body.capacity && declaredBodyLength > 0 {
            body.reserveCapacity(max(needed, min(declaredBodyLength, body.capacity * 4)))
        }
        body.append(contentsOf: bytes)
    }

    private mutating func completeRequest() -> HTTPRequest {
        var request = pending.take()!
        request.body = body
        body = []
        state = .head
        expectsContinue = false
        return request
    }

    private mutating func fail(_ error: HTTPParseError) -> Event {
        state = .failed(error)
        expectsContinue = false
        pending = nil
        body = []
        buffer = []
        readIndex = 0
        return .error(error)
    }

    /// Drops consumed bytes. Called only when the unconsumed rest is at most one partial
    /// line (bounded by the limits), so the move is cheap.
    private mutating func releaseConsumedBytes() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= Self.retainedBufferCapacity)
            readIndex = 0
        } else if readIndex > 0 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
