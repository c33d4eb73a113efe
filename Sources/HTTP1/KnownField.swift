// Field names the codec recognises from raw bytes: the ones that drive framing, plus
// the most common ones, which then reuse a literal String instead of building one.

enum KnownField {
    case host, expect, contentLength, transferEncoding
    case accept, connection, userAgent, contentType, acceptEncoding

    /// Matches a field name case-insensitively, checking the length first.
    @inline(__always)
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch bytes.count {
        case 4 where bytesEqualCaseInsensitive(bytes, "host"): self = .host
        case 6 where bytesEqualCaseInsensitive(bytes, "accept"): self = .accept
        case 6 where bytesEqualCaseInsensitive(bytes, "expect"): self = .expect
        case 10 where bytesEqualCaseInsensitive(bytes, "connection"): self = .connection
        case 10 where bytesEqualCaseInsensitive(bytes, "user-agent"): self = .userAgent
        case 12 where bytesEqualCaseInsensitive(bytes, "content-type"): self = .contentType
        case 14 where bytesEqualCaseInsensitive(bytes, "content-length"): self = .contentLength
        case 15 where bytesEqualCaseInsensitive(bytes, "accept-encoding"): self = .acceptEncoding
        case 17 where bytesEqualCaseInsensitive(bytes, "transfer-encoding"): self = .transferEncoding
        default: return nil
        }
    }

    /// The lowercase name, as a literal (no allocation, no reference counting).
    var name: String {
        switch self {
        case .host: return "host"
        case .expect: return "expect"
        case .contentLength: return "content-length"
        case .transferEncoding: return "transfer-encoding"
        case .accept: return "accept"
        case .connection: return "connection"
        case .userAgent: return "user-agent"
        case .contentType: return "content-type"
        case .acceptEncoding: return "accept-encoding"
        }
    }
}
