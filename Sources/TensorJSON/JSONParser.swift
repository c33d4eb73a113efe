/// A strict RFC 8259 JSON parser for untrusted input.
///
/// - Exactly one value, optionally surrounded by whitespace (space, tab, CR, LF); no byte
///   order mark, comments, trailing commas, single quotes or unquoted names.
/// - Numbers follow the JSON grammar exactly: no leading `+`, no leading zeros, no `.5` or
///   `5.`, and no `NaN`, `Infinity` or `-Infinity` (rejected with a message saying so).
///   Each number becomes the correctly rounded Double of its text; magnitudes beyond the
///   Double range become ±infinity (not an error).
/// - Strings must be valid UTF-8 with control characters escaped; `\uXXXX` escapes must
///   pair surrogates correctly.
/// - Repeating a member name within one object is an error.
/// - Nesting deeper than `JSONLimits.maxDepth` is an error; the parser uses an explicit
///   stack, never recursion, so no input can exhaust the call stack.
/// - Arrays of numbers are parsed into `JSONValue.numbers` (see `NumberArray`).
public enum JSONParser {
    /// Parses one JSON document.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError(offset: 0, message: "unexpected end of input at byte 0: expected a JSON value")
        }
        var scanner = JSONScanner(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count, limits: limits)
        return try scanner.parseDocument()
    }

    /// Parses one JSON document.
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, limits: limits) }
        }
        return try result.get()
    }

    /// Parses one JSON document from the UTF-8 of `text`.
    public static func parse(_ text: String, limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }
}
