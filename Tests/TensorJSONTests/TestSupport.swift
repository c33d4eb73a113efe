import Glibc
import Testing
@testable import TensorJSON

/// A small seeded generator (SplitMix64) so randomized tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The C library's correctly rounded Double of `text`.
func cStrtod(_ text: String) -> Double { text.withCString { strtod($0, nil) } }

/// The C library's correctly rounded Float of `text`.
func cStrtof(_ text: String) -> Float { text.withCString { strtof($0, nil) } }

/// Parses `text`, failing the test on an error.
func parseOK(_ text: String, limits: JSONLimits = JSONLimits(), sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue? {
    do {
        return try JSONParser.parse(text, limits: limits)
    } catch {
        Issue.record("unexpected error for \(text.prefix(80)): \(error.message)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Parses `bytes` expecting an error; returns it.
func parseError(_ bytes: [UInt8], limits: JSONLimits = JSONLimits(), sourceLocation: SourceLocation = #_sourceLocation) -> JSONParseError? {
    do {
        let value = try JSONParser.parse(bytes, limits: limits)
        Issue.record("expected an error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Parses `text` expecting an error; returns it.
func parseError(_ text: String, limits: JSONLimits = JSONLimits(), sourceLocation: SourceLocation = #_sourceLocation) -> JSONParseError? {
    parseError(Array(text.utf8), limits: limits, sourceLocation: sourceLocation)
}

/// The text a writer produces for one call.
func written(_ body: (inout JSONWriter) -> Void) -> String {
    var writer = JSONWriter()
    body(&writer)
    return String(decoding: writer.bytes, as: UTF8.self)
}

/// Exact decimal expansion of a Double in `%.*e` form with `digits` digits after the point (glibc prints exactly).
func exactScientific(_ value: Double, digits: Int = 1100) -> String {
    var buffer = [CChar](repeating: 0, count: digits + 32)
    let n = withVaList([digits, value]) { args in
        buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.*e", args) }
    }
    return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Swift's shortest text normalized the way the writer shortens it: no trailing ".0",
/// no "+" or leading zeros in the exponent.
func compactDescription(_ text: String) -> String {
    var s = text
    if s.hasSuffix(".0") { s.removeLast(2) }
    guard let e = s.firstIndex(of: "e") else { return s }
    var mantissa = String(s[..<e])
    var exponent = String(s[s.index(after: e)...])
    var sign = ""
    if exponent.hasPrefix("+") { exponent.removeFirst() }
    if exponent.hasPrefix("-") { exponent.removeFirst(); sign = "-" }
    while exponent.count > 1 && exponent.hasPrefix("0") { exponent.removeFirst() }
    mantissa += "e" + sign + exponent
    return mantissa
}
