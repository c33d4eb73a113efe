/// Resource limits applied while parsing untrusted input.
public struct JSONLimits: Sendable, Equatable {
    /// Maximum nesting of arrays and objects; the document `[[1]]` has depth 2, a scalar depth 0.
    public var maxDepth: Int
    /// Maximum length of one string (member names included), in UTF-8 bytes after unescaping.
    public var maxStringBytes: Int

    /// Limits with the defaults: depth 64, strings up to 1 MiB.
    public init(maxDepth: Int = 64, maxStringBytes: Int = 1 << 20) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
    }
}
