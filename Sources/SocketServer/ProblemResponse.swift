// RFC 9457 problem documents the transport answers with by itself.

import HTTP1

/// Builds `application/problem+json` responses for parse errors and the connection cap:
///
///     {"type":"/problems/<slug>","title":"<reason phrase>","status":<n>,"detail":"<reason>"}
enum ProblemResponse {
    /// The response for a request the parser rejected; sent with `Connection: close`.
    static func forParseError(_ error: HTTPParseError) -> HTTPResponse {
        make(status: error.status, slug: slug(for: error.status), detail: error.reason)
    }

    /// The complete bytes of the 503 sent to a connection over `maxConnections`.
    static let tooManyConnections: [UInt8] = make(
        status: 503, slug: "too-many-connections",
        detail: "The server is at its connection limit; retry later."
    ).serialized(keepAlive: false)

    /// The problem type slug for a parse-error status.
    static func slug(for status: Int) -> String {
        switch status {
        case 400: return "malformed-request"
        case 408: return "request-timeout"
        case 411: return "length-required"
        case 413: return "request-too-large"
        case 414: return "uri-too-long"
        case 417: return "expectation-failed"
        case 431: return "headers-too-large"
        case 501: return "unsupported-transfer-coding"
        case 505: return "http-version-not-supported"
        default: return status < 500 ? "bad-request" : "server-error"
        }
    }

    static func make(status: Int, slug: String, detail: String) -> HTTPResponse {
        var json = "{\"type\":\"/problems/"
        json += slug
        json += "\",\"title\":\""
        appendEscaped(HTTPStatus.reasonPhrase(status), to: &json)
        json += "\",\"status\":"
        json += String(status)
        json += ",\"detail\":\""
        appendEscaped(detail, to: &json)
        json += "\"}"
        return HTTPResponse(
            status: status,
            headers: HTTPHeaders([("Content-Type", "application/problem+json")]),
            body: Array(json.utf8))
    }

    /// JSON string escaping (RFC 8259 §7): quote, backslash and control characters.
    static func appendEscaped(_ text: String, to out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
