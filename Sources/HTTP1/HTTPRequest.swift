// A parsed HTTP/1.x request: request-line parts, header fields and the decoded body.

/// How the request declared its body (RFC 9112 §6.3). A request with neither
/// Content-Length nor Transfer-Encoding has no body (`.none`); a server that needs a
/// body may answer 411 when it sees `.none`.
public enum BodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked
}

public struct HTTPRequest: Sendable {
    /// The method token, case-sensitive as sent (RFC 9110 §9.1).
    public var method: String
    /// The raw request-target exactly as sent.
    public var target: String
    /// The path part of the target (before `?`), not percent-decoded. For an
    /// absolute-form target (`http://host/p?q`) the scheme and authority are dropped;
    /// for the asterisk-form it is `*`; for an authority-form (CONNECT) target it is empty.
    public var path: String
    /// The query part after the first `?`, not decoded; nil when there is no `?`.
    public var query: String?
    public var version: HTTPVersion
    /// Header fields in order; names from the parser are lowercase.
    public var headers: HTTPHeaders
    /// The body, after chunked decoding. Empty when there was none.
    public var body: [UInt8]
    /// The framing the request declared.
    public var bodyFraming: BodyFraming

    /// Builds a request, splitting `target` into `path` and `query` the way the parser does.
    public init(
        method: String,
        target: String,
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        bodyFraming: BodyFraming? = nil
    ) {
        self.method = method
        self.target = target
        (self.path, self.query) = RequestTarget.split(target, method: method)
        self.version = version
        self.headers = headers
        self.body = body
        self.bodyFraming = bodyFraming ?? (body.isEmpty ? .none : .contentLength(body.count))
    }

    /// Memberwise, for the parser (parts already split).
    init(method: String, target: String, path: String, query: String?, version: HTTPVersion,
         headers: HTTPHeaders, body: [UInt8], bodyFraming: BodyFraming) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.bodyFraming = bodyFraming
    }

    /// True when Content-Length or Transfer-Encoding was present.
    public var hasBodyFraming: Bool { bodyFraming != .none }

    /// The declared Content-Length, if the body was framed by one.
    public var contentLength: Int? {
        if case .contentLength(let n) = bodyFraming { return n }
        return nil
    }

    /// Whether the connection may stay open after the response (RFC 9112 §9.3):
    /// HTTP/1.1 persists unless a `close` connection option is present; HTTP/1.0 persists
    /// only with `keep-alive` (RFC 9112 Appendix C.2.2) and without `close`.
    public var keepAlive: Bool {
        if headers.containsToken("close", in: "connection") { return false }
        if version.major == 1 && version.minor == 0 {
            return headers.containsToken("keep-alive", in: "connection")
        }
        return version.major == 1 && version.minor >= 1
    }
}

/// Splitting a request-target into path and query (RFC 9112 §3.2).
enum RequestTarget {
    static func split(_ target: String, method: String) -> (path: String, query: String?) {
        let utf8 = target.utf8
        // absolute-form: scheme "://" authority path-abempty [ "?" query ]
        var pathStart = utf8.startIndex
        if let first = utf8.first, first != UInt8(ascii: "/") {
            if target == "*" { return ("*", nil) }
            if method == "CONNECT" { return ("", nil) }  // authority-form
            if let schemeEnd = findSchemeSeparator(utf8) {
                let authorityStart = utf8.index(schemeEnd, offsetBy: 3)
                pathStart = utf8[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
                    ?? utf8.endIndex
            }
        }
        let q = utf8[pathStart...].firstIndex(of: UInt8(ascii: "?"))
        let pathEnd = q ?? utf8.endIndex
        var path = pathStart == utf8.startIndex && pathEnd == utf8.endIndex
            ? target : String(target[pathStart..<pathEnd])
        if path.isEmpty && pathStart != utf8.startIndex { path = "/" }  // "http://h" means "/"
        let query = q.map { String(target[utf8.index(after: $0)...]) }
        return (path, query)
    }

    /// Index of "://" when the target starts with a URI scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )).
    static func findSchemeSeparator(_ utf8: String.UTF8View) -> String.UTF8View.Index? {
        var i = utf8.startIndex
        guard i != utf8.endIndex, (ByteClass.lowercased(utf8[i]) &- UInt8(ascii: "a")) < 26 else { return nil }
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: ":") {
                let rest = utf8[i...]
                return rest.starts(with: "://".utf8) ? i : nil
            }
            let isSchemeChar = (ByteClass.lowercased(b) &- UInt8(ascii: "a")) < 26
                || (b &- UInt8(ascii: "0")) < 10 || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
                || b == UInt8(ascii: ".")
            if !isSchemeChar { return nil }
            utf8.formIndex(after: &i)
        }
        return nil
    }
}
