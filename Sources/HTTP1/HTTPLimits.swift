// Size limits the parser enforces, each named with its default and the status it maps to.

/// Limits applied while parsing one request. Every limit is checked incrementally,
/// before the offending bytes are buffered in full, so a hostile peer cannot make the
/// parser hold more than roughly one limit's worth of memory.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request-line accepted, excluding its CRLF. Exceeding it is 414
    /// (RFC 9112 §3 recommends supporting at least 8000 octets). Default 8 KiB.
    public var maxRequestLineBytes: Int
    /// Most header field lines in one request (duplicates count). Exceeding it is 431.
    /// Also applied to the trailer section of a chunked body. Default 100.
    public var maxHeaderCount: Int
    /// Most bytes in the whole head: request-line, field lines, their line endings and the
    /// final empty line (and any empty lines skipped before the request-line).
    /// Exceeding it is 431. Also bounds a chunked body's trailer section. Default 64 KiB.
    public var maxHeaderBytes: Int
    /// Largest body accepted, after chunked decoding. A Content-Length above it is 413
    /// before any body byte is read; a chunked body is 413 as soon as a chunk-size would
    /// cross it. Default 128 MiB; the server overrides it from its command line.
    public var maxBodyBytes: Int
    /// Longest chunk-size line (size plus extensions, excluding CRLF) in a chunked body.
    /// Exceeding it is 400. Default 1 KiB.
    public var maxChunkLineBytes: Int

    public static let defaultMaxRequestLineBytes = 8 * 1024
    public static let defaultMaxHeaderCount = 100
    public static let defaultMaxHeaderBytes = 64 * 1024
    public static let defaultMaxBodyBytes = 128 * 1024 * 1024
    public static let defaultMaxChunkLineBytes = 1024

    public init(
        maxRequestLineBytes: Int = HTTPLimits.defaultMaxRequestLineBytes,
        maxHeaderCount: Int = HTTPLimits.defaultMaxHeaderCount,
        maxHeaderBytes: Int = HTTPLimits.defaultMaxHeaderBytes,
        maxBodyBytes: Int = HTTPLimits.defaultMaxBodyBytes,
        maxChunkLineBytes: Int = HTTPLimits.defaultMaxChunkLineBytes
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
    }

    /// All defaults.
    public static let `default` = HTTPLimits()
}
