// Why a request could not be parsed, and which status the server should answer with.

/// A parse failure. `status` is the response status (400, 413, 414, 417, 431, 501, 505);
/// `reason` is a short sentence suitable for a problem document's `detail`. After an
/// error the parser stays failed: the server answers once and closes the connection,
/// because the framing of whatever follows cannot be trusted (RFC 9112 §11.2).
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status): \(reason)" }

    static func badRequest(_ reason: String) -> HTTPParseError { .init(status: 400, reason: reason) }
    static func contentTooLarge(_ reason: String) -> HTTPParseError { .init(status: 413, reason: reason) }
    static func uriTooLong(_ reason: String) -> HTTPParseError { .init(status: 414, reason: reason) }
    static func expectationFailed(_ reason: String) -> HTTPParseError { .init(status: 417, reason: reason) }
    static func headerFieldsTooLarge(_ reason: String) -> HTTPParseError { .init(status: 431, reason: reason) }
    static func notImplemented(_ reason: String) -> HTTPParseError { .init(status: 501, reason: reason) }
    static func versionNotSupported(_ reason: String) -> HTTPParseError { .init(status: 505, reason: reason) }
}
