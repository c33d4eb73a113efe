// Response bytes waiting for the socket, and the non-blocking writes that drain them.

import HTTP1
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What one attempt to drain the buffer achieved.
enum WriteOutcome {
    /// Everything was written.
    case complete
    /// The socket is full (EAGAIN); some bytes remain. `progressed` tells whether any
    /// byte was written by this attempt.
    case blocked(progressed: Bool)
    /// The peer is gone or the socket failed: the connection must close.
    case failed
}

/// Bytes to send, in order: `queued` chunks (the first partly written up to `queuedOffset`)
/// followed by `staging`.
///
/// Small responses are serialized into `staging`, whose capacity is kept, and leave in one
/// `send` (pipelined responses produced in one pass share it). A body above
/// `inlineBodyLimit` is not copied at all: the head goes to `staging`, which is then
/// sealed into `queued`, and the body itself is queued after it (an O(1) reference: a
/// copy-on-write array, or a `SharedBytes` owner), to be sent straight from the handler's memory.
struct OutboundBuffer {
    /// Bodies up to this size are copied next to their head so the response takes one syscall.
    static let inlineBodyLimit = 64 * 1024
    /// A staging buffer grown past this is released once drained rather than kept.
    static let retainedStagingCapacity = 256 * 1024

    private var queued: [ResponseBody] = []
    private var queuedOffset = 0
    private var staging: [UInt8] = []

    var isEmpty: Bool { queued.isEmpty && staging.isEmpty }

    /// True when bytes remain that the socket refused (a write source should be armed).
    var isBlocked: Bool { !queued.isEmpty }

    /// Approximate bytes pending (used to flush early while pipelined responses pile up).
    var stagedByteCount: Int { staging.count }

    /// Appends a whole response. `keepAlive` false adds `Connection: close`;
    /// `announceKeepAlive` adds `Connection: keep-alive` (for HTTP/1.0 clients, which
    /// otherwise assume the connection closes); `omitBody` is for HEAD.
    mutating func append(_ response: HTTPResponse, keepAlive: Bool, announceKeepAlive: Bool, omitBody: Bool) {
        // The head only; the body is placed below without a second serialization copy.
        response.serialize(into: &staging, keepAlive: keepAlive, omitBody: true)
        if announceKeepAlive && keepAlive {
            // The head ends with the empty line; insert the field before it.
            staging.removeLast(2)
            appendStatic("Connection: keep-alive\r\n\r\n")
        }
        guard !omitBody, HTTPStatus.allowsBody(response.status), !response.payload.isEmpty else { return }
        if response.payload.count <= Self.inlineBodyLimit {
            response.payload.withBytes { staging.append(contentsOf: $0) }
        } else {
            queued.append(.bytes(staging))
            staging = []
            queued.append(response.payload)
        }
    }

    /// Appends literal bytes (e.g. `100 Continue`).
    mutating func appendStatic(_ text: StaticString) {
        staging.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Sends as much as the socket takes.
    mutating func write(to fd: Int32) -> WriteOutcome {
        if queued.isEmpty {
            if staging.isEmpty { return .complete }
            // Fast path: one send of the staging buffer.
            let sent = staging.withUnsafeBytes { Posix.send(fd, $0) }
            if sent == staging.count {
                if staging.capacity > Self.retainedStagingCapacity {
                    staging = []
                } else {
                    staging.removeAll(keepingCapacity: true)
                }
                return .complete
            }
            if sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return .failed }
            queued.append(.bytes(staging))
            queuedOffset = max(sent, 0)
            staging = []
            return .blocked(progressed: sent > 0)
        }
        if !staging.isEmpty {
            queued.append(.bytes(staging))
            staging = []
        }
        var progressed = false
        while !queued.isEmpty {
            let offset = queuedOffset
            let sent = queued[0].withBytes { Posix.send(fd, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if sent < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return .blocked(progressed: progressed) }
                return .failed
            }
            progressed = progressed || sent > 0
            queuedOffset += sent
            if queuedOffset == queued[0].count {
                queued.removeFirst()
                queuedOffset = 0
            }
        }
        return .complete
    }

    /// Drops everything (the connection is closing).
    mutating func removeAll() {
        queued = []
        queuedOffset = 0
        staging = []
    }
}
