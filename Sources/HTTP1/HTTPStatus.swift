// Reason phrases (RFC 9110 §15) for the statuses the service uses.

public enum HTTPStatus {
    /// The RFC 9110 reason phrase for `code`, or a generic one for its class.
    public static func reasonPhrase(_ code: Int) -> String {
        let phrase = staticReasonPhrase(code)
        return phrase.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }

    /// Same as `reasonPhrase`, as a StaticString so serialization copies bytes without
    /// building a String.
    static func staticReasonPhrase(_ code: Int) -> StaticString {
        switch code {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 416: return "Range Not Satisfiable"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 428: return "Precondition Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        case 507: return "Insufficient Storage"
        case 100..<200: return "Informational"
        case 200..<300: return "Success"
        case 300..<400: return "Redirection"
        case 400..<500: return "Client Error"
        default: return "Server Error"
        }
    }

    /// Whether a response with this status may carry content (RFC 9110 §6.4.1):
    /// 1xx, 204 and 304 never do, and carry no Content-Length from us.
    public static func allowsBody(_ code: Int) -> Bool {
        !(code < 200 || code == 204 || code == 304)
    }
}
