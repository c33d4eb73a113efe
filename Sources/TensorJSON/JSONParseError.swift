/// Why a document is not acceptable JSON, and where.
///
/// `message` is one short sentence suitable for an RFC 9457 problem `detail`, and already
/// names the byte offset, e.g. "unexpected character 'N' at byte 12: NaN and Infinity are
/// not JSON numbers".
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Zero-based byte offset of the offending input (the input length for an early end).
    public var offset: Int
    /// A short human-readable sentence.
    public var message: String
    /// True when the document held more than `JSONLimits.maxArrayElements` array elements
    /// (the text may be valid JSON).
    public var arrayTooLong: Bool

    /// An error at `offset` with `message`.
    public init(offset: Int, message: String, arrayTooLong: Bool = false) {
        self.offset = offset
        self.message = message
        self.arrayTooLong = arrayTooLong
    }

    /// The message.
    public var description: String { message }
}
