import HTTP1

/// The two body formats optd speaks.
enum BodyFormat: Sendable, Equatable {
    case json
    case raw

    var contentType: String {
        switch self {
        case .json: return "application/json"
        case .raw: return "application/octet-stream"
        }
    }

    /// The format of a request body from its Content-Type, or nil when it is neither.
    static func of(contentType: String?) -> BodyFormat? {
        guard let contentType else { return nil }
        // The exact spellings clients send, without parsing.
        if contentType == "application/json" { return .json }
        if contentType == "application/octet-stream" { return .raw }
        switch mediaType(contentType) {
        case "application/json": return .json
        case "application/octet-stream": return .raw
        default: return nil
        }
    }

    /// The format a client asks for in `Accept`, or `fallback` when it names neither or both equally.
    static func preferred(accept: String?, fallback: BodyFormat) -> BodyFormat {
        guard let accept else { return fallback }
        // The exact spellings clients send, without parsing.
        if accept == "application/json" { return .json }
        if accept == "application/octet-stream" { return .raw }
        if accept == "*/*" { return fallback }
        var json = -1.0, raw = -1.0
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";")
            let type = mediaType(String(parts.first ?? ""))
            var q = 1.0
            for p in parts.dropFirst() {
                let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                if kv.count == 2, kv[0].lowercased() == "q", let v = Double(kv[1]) { q = v }
            }
            if type == "application/json" { json = max(json, q) }
            if type == "application/octet-stream" { raw = max(raw, q) }
        }
        if json > raw && json > 0 { return .json }
        if raw > json && raw > 0 { return .raw }
        return fallback
    }

    private static func mediaType(_ value: String) -> String {
        String(value.split(separator: ";").first ?? "").trimmingWhitespace().lowercased()
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}

extension HTTPResponse {
    static func json(_ status: Int, _ body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
