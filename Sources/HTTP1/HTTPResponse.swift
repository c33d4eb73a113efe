// A response and its HTTP/1.1 serialization.

/// A complete response. The codec owns the framing headers: `serialize` always writes
/// its own `Content-Length` (omitted for 1xx/204/304) and `Connection: close` when the
/// connection will not be kept alive, and skips any `Content-Length`,
/// `Transfer-Encoding` or `Connection` field present in `headers`.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    /// The body's bytes: an array, or bytes that their owner shares with the response.
    public var payload: ResponseBody

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.payload = .bytes(body)
    }

    /// A response with a payload that may be shared bytes, sent without being copied into an array.
    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), payload: ResponseBody) {
        self.status = status
        self.headers = headers
        self.payload = payload
    }

    /// The body as an array (a copy, for a shared body); setting it replaces the payload.
    public var body: [UInt8] {
        get { payload.array }
        set { payload = .bytes(newValue) }
    }

    public var bodyCount: Int { payload.count }

    public var reasonPhrase: String { HTTPStatus.reasonPhrase(status) }

    /// Appends the response to `out`:
    ///
    ///     HTTP/1.1 <code> <reason>\r\n
    ///     <headers>\r\n
    ///     Content-Length: <n>\r\n        (unless 1xx / 204 / 304)
    ///     Connection: close\r\n          (unless keepAlive)
    ///     \r\n
    ///     <body>                         (unless omitBody or 1xx / 204 / 304)
    ///
    /// `omitBody` is for HEAD: the Content-Length still states the length of the body a
    /// GET would carry (RFC 9110 §9.3.2). Control characters (CR, LF, NUL...) inside
    /// header names or values are written as spaces, so a field can never inject a line.
    public func serialize(into out: inout [UInt8], keepAlive: Bool, omitBody: Bool = false) {
        // Framing follows the code actually written: an out-of-range status goes out as 500,
        // which carries a Content-Length like any 500.
        let code = status >= 100 && status <= 999 ? status : 500
        let bodyAllowed = HTTPStatus.allowsBody(code)
        let writesBody = bodyAllowed && !omitBody
        out.reserveCapacity(out.count + 96 + headers.count * 48 + (writesBody ? payload.count : 0))

        appendStatic(&out, "HTTP/1.1 ")
        out.append(UInt8(truncatingIfNeeded: 0x30 + code / 100))
        out.append(UInt8(truncatingIfNeeded: 0x30 + code / 10 % 10))
        out.append(UInt8(truncatingIfNeeded: 0x30 + code % 10))
        out.append(0x20)
        appendStatic(&out, HTTPStatus.staticReasonPhrase(code))
        appendStatic(&out, "\r\n")

        for field in headers where !Self.isFramingField(field.name) {
            Self.appendSanitized(&out, field.name)
            appendStatic(&out, ": ")
            Self.appendSanitized(&out, field.value)
            appendStatic(&out, "\r\n")
        }
        if bodyAllowed {
            appendStatic(&out, "Content-Length: ")
            appendDecimal(&out, payload.count)
            appendStatic(&out, "\r\n")
        }
        if !keepAlive {
            appendStatic(&out, "Connection: close\r\n")
        }
        appendStatic(&out, "\r\n")
        if writesBody {
            payload.withBytes { out.append(contentsOf: $0) }
        }
    }

    /// The serialized bytes as a new array.
    public func serialized(keepAlive: Bool, omitBody: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out, keepAlive: keepAlive, omitBody: omitBody)
        return out
    }

    /// `Content-Length`, `Transfer-Encoding` and `Connection` are written by the codec only.
    @inline(__always)
    static func isFramingField(_ name: String) -> Bool {
        switch name.utf8.count {
        case 10: return asciiCaseInsensitiveEqual(name, "connection")
        case 14: return asciiCaseInsensitiveEqual(name, "content-length")
        case 17: return asciiCaseInsensitiveEqual(name, "transfer-encoding")
        default: return false
        }
    }

    static func appendSanitized(_ out: inout [UInt8], _ string: String) {
        var string = string
        string.withUTF8 { bytes in
            if bytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) {
                out.append(contentsOf: bytes)
            } else {
                for b in bytes {
                    out.append(b >= 0x20 && b != 0x7F || b == 0x09 ? b : 0x20)
                }
            }
        }
    }
}

/// Bytes an object owns and lends to responses: they must stay unchanged while any response
/// (or a socket's queue) holds the object. An owner that wants to change them later checks
/// that it is the only holder (`isKnownUniquelyReferenced`) and otherwise copies first.
public protocol SharedBytes: AnyObject, Sendable {
    var bytes: UnsafeRawBufferPointer { get }
}

/// A response body.
public enum ResponseBody: Sendable {
    case bytes([UInt8])
    case shared(any SharedBytes)

    public var count: Int {
        switch self {
        case .bytes(let bytes): return bytes.count
        case .shared(let owner): return owner.bytes.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// The bytes as an array (a copy, for shared bytes).
    public var array: [UInt8] {
        switch self {
        case .bytes(let bytes): return bytes
        case .shared(let owner): return withExtendedLifetime(owner) { Array(owner.bytes) }
        }
    }

    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .bytes(let bytes): return try bytes.withUnsafeBytes(body)
        case .shared(let owner): return try withExtendedLifetime(owner) { try body(owner.bytes) }
        }
    }
}

@inline(__always)
func appendStatic(_ out: inout [UInt8], _ s: StaticString) {
    out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
}

/// Appends the decimal digits of a non-negative integer.
@inline(__always)
func appendDecimal(_ out: inout [UInt8], _ value: Int) {
    if value < 10 {
        out.append(UInt8(truncatingIfNeeded: 0x30 + max(value, 0)))
        return
    }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for Int.max
    var v = value
    withUnsafeMutableBytes(of: &digits) { raw in
        var i = raw.count
        while v > 0 {
            i -= 1
            raw[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
            v /= 10
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i...]))
    }
}
