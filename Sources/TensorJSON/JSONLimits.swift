/// Resource limits applied while parsing untrusted input.
public struct JSONLimits: Sendable, Equatable {
    /// Maximum nesting of arrays and objects; the document `[[1]]` has depth 2, a scalar depth 0.
    public var maxDepth: Int
    /// Maximum length of one string (member names included), in UTF-8 bytes after unescaping.
    public var maxStringBytes: Int
    /// Maximum array elements in the whole document, all arrays together. A caller that knows
    /// how many numbers a body can carry (a step's gradients cannot outnumber the session's
    /// parameters) sets it, so that a body cannot make the parser allocate more than that, and
    /// an oversized one fails early.
    public var maxArrayElements: Int

    /// Limits with the defaults: depth 64, strings up to 1 MiB, arrays unbounded (but for the input's length).
    public init(maxDepth: Int = 64, maxStringBytes: Int = 1 << 20, maxArrayElements: Int = .max) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxArrayElements = maxArrayElements
    }
}
