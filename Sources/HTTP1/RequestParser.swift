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
/// once when they arrive after the head: `feed` then appends straight into the body, and
/// `readBody` lets the transport read a Content-Length body from the socket into its place.
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
    /// A chunked body holds exactly the bytes decoded so far. A Content-Length body is
    /// allocated ahead of its bytes (`count` is the allocation, its first `bodyFilled` bytes
    /// have arrived) so that the transport can read into it; see `reserveBodyRoom`.
    private var body: [UInt8] = []
    private var bodyFilled = 0
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

    /// Bytes of the Content-Length body being received that have not arrived yet (0 once it
    /// is complete, until `next()` returns its request); nil when no such body is arriving.
    public var remainingBodyBytes: Int? {
        if case .contentLengthBody(let remaining) = state { return remaining }
        return nil
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

    /// For a transport that can read into memory it is given (`read(2)`): when the next bytes
    /// of the stream can only belong to the Content-Length body being received (its head is
    /// parsed and nothing is buffered), calls `read` with room inside the body itself — at most
    /// `maxBytes`, never past the body's end — so that the bytes are copied once, from the
    /// socket to their place. `read` returns what `read(2)` would: the count it wrote, 0 at end
    /// of stream, or -1 (the caller handles errors and end of stream as after any read).
    ///
    /// Returns the count `read` returned and the size of the room it was given (a full room
    /// means more may be waiting), or nil without calling `read` when the bytes must go
    /// through `feed`: no body is arriving, bytes are buffered, or the body is chunked.
    public mutating func readBody(
        maxBytes: Int, _ read: (UnsafeMutableRawBufferPointer) -> Int
    ) -> (count: Int, room: Int)? {
        guard maxBytes > 0, readIndex == buffer.count, case .contentLengthBody(let remaining) = state, remaining > 0
        else { return nil }
        releaseConsumedBytes()
        let room = min(reserveBodyRoom(), remaining, maxBytes)
        let filled = bodyFilled
        let count = body.withUnsafeMutableBytes { all in
            read(UnsafeMutableRawBufferPointer(rebasing: all[filled..<(filled + room)]))
        }
        if count > 0 {
            precondition(count <= room, "readBody: read wrote past its room")
            bodyFilled += count
            state = .contentLengthBody(remaining: remaining - count)
        }
        return (count, room)
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
                        declaredBodyLength = length
                        body = []
                        bodyFilled = 0
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

    /// Appends body bytes: a chunked body grows as Array does; a Content-Length body is
    /// copied into the room `reserveBodyRoom` makes.
    private mutating func appendBody(_ bytes: UnsafeRawBufferPointer) {
        guard declaredBodyLength > 0 else {
            body.append(contentsOf: bytes)
            return
        }
        var rest = bytes
        while !rest.isEmpty {
            let room = reserveBodyRoom()
            let take = min(room, rest.count)
            body.withUnsafeMutableBytes { all in
                all.baseAddress!.advanced(by: bodyFilled).copyMemory(from: rest.baseAddress!, byteCount: take)
            }
            bodyFilled += take
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
        }
    }

    /// Makes room in a Content-Length body for more of its bytes and returns how many fit.
    /// The allocation starts at `initialBodyReservation` (or the whole body, if smaller) and
    /// grows ×4 (fewer copies of what has arrived) once full, but never past the declared
    /// length: the final array is allocated at its exact size, and a client that lies about
    /// Content-Length only gets memory for at most four times the bytes it really sent.
    /// Room is allocated but not initialized: bytes are trivial, and every byte is written
    /// (by a copy or a read) before the request leaves the parser.
    private mutating func reserveBodyRoom() -> Int {
        if bodyFilled == body.count {
            let size = body.isEmpty
                ? min(declaredBodyLength, Self.initialBodyReservation)
                : min(declaredBodyLength, body.count * 4)
            let filled = bodyFilled
            let grown = [UInt8](unsafeUninitializedCapacity: size) { room, count in
                body.withUnsafeBufferPointer { old in
                    if filled > 0 { room.baseAddress!.update(from: old.baseAddress!, count: filled) }
                }
                count = size
            }
            body = grown
        }
        return body.count - bodyFilled
    }

    private mutating func completeRequest() -> HTTPRequest {
        var request = pending.take()!
        // A Content-Length body is complete only when all its bytes arrived, which is when its
        // allocation has reached the declared length and is full.
        // A precondition, not an assert: the body was allocated uninitialised, and a broken
        // invariant must never hand unwritten memory (an earlier request's bytes) to a handler.
        precondition(declaredBodyLength == 0 || (bodyFilled == declaredBodyLength && body.count == bodyFilled))
        request.body = body
        body = []
        bodyFilled = 0
        state = .head
        expectsContinue = false
        return request
    }

    private mutating func fail(_ error: HTTPParseError) -> Event {
        state = .failed(error)
        expectsContinue = false
        pending = nil
        body = []
        bodyFilled = 0
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
