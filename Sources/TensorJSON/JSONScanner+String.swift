/// String tokens: validation (escapes, surrogates, control characters, UTF-8) and decoding.
extension JSONScanner {
    /// Scans the string whose opening quote is at `pos` and returns it decoded.
    mutating func scanString() throws(JSONParseError) -> String {
        let start = pos
        var p = pos + 1
        // Fast path: ASCII without escapes becomes a String straight from the input.
        while p < end {
            let c = base[p]
            if c == UInt8(ascii: "\"") {
                let length = p - start - 1
                if length > limits.maxStringBytes { throw tooLong(start) }
                pos = p + 1
                return String(decoding: bytes(from: start + 1, to: p), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
            p += 1
        }
        return try scanStringSlow(start: start, resumeAt: p)
    }

    /// Validates the rest of the string, then decodes escapes if there are any.
    private mutating func scanStringSlow(start: Int, resumeAt resume: Int) throws(JSONParseError) -> String {
        var p = resume
        var decodedLength = p - start - 1
        var hasEscapes = false
        while true {
            guard p < end else {
                throw failure(at: end, "unexpected end of input", "the string starting at byte \(start) is not terminated")
            }
            let c = base[p]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                hasEscapes = true
                let (escapeLength, utf8Length) = try validateEscape(at: p)
                p += escapeLength
                decodedLength += utf8Length
            } else if c < 0x20 {
                throw failure(
                    at: p, "unescaped control character U+00\(hexDigits(UInt32(c), width: 2)) in a string",
                    "control characters must be written as escapes")
            } else if c < 0x80 {
                p += 1
                decodedLength += 1
            } else {
                let length = try validateUTF8Sequence(at: p)
                p += length
                decodedLength += length
            }
            if decodedLength > limits.maxStringBytes { throw tooLong(start) }
        }
        pos = p + 1
        let raw = bytes(from: start + 1, to: p)
        if !hasEscapes { return String(decoding: raw, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: decodedLength) { out in
            decodeEscapes(raw, into: out)
        }
    }

    /// The error for a string over `limits.maxStringBytes`.
    private func tooLong(_ start: Int) -> JSONParseError {
        failure(at: start, "string too long", "strings are limited to \(limits.maxStringBytes) bytes")
    }

    /// Checks the escape at `p` (a backslash); returns its length in the input and its UTF-8 length.
    private func validateEscape(at p: Int) throws(JSONParseError) -> (Int, Int) {
        let e = byte(at: p + 1)
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
            UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return (2, 1)
        case UInt8(ascii: "u"):
            let unit = try hex4(at: p + 2, escapeAt: p)
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard byte(at: p + 6) == UInt8(ascii: "\\"), byte(at: p + 7) == UInt8(ascii: "u"),
                    let low = hexValue4(at: p + 8), low >= 0xDC00 && low <= 0xDFFF
                else {
                    throw failure(
                        at: p, "lone surrogate \\u\(hexText(unit)) in a string",
                        "a high surrogate must be followed by an escaped low surrogate")
                }
                return (12, 4)
            }
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw failure(
                    at: p, "lone surrogate \\u\(hexText(unit)) in a string",
                    "a low surrogate must follow an escaped high surrogate")
            }
            return (6, unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3)
        default:
            if p + 1 >= end {
                throw failure(at: end, "unexpected end of input", "the string has an unfinished escape")
            }
            throw failure(
                at: p, "invalid escape in a string",
                "only \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX are allowed")
        }
    }

    /// The value of the four hex digits at `offset`, or an error naming the escape at `escapeAt`.
    private func hex4(at offset: Int, escapeAt: Int) throws(JSONParseError) -> UInt32 {
        guard let value = hexValue4(at: offset) else {
            throw failure(at: escapeAt, "invalid \\u escape in a string", "expected four hexadecimal digits")
        }
        return value
    }

    /// The value of the four hex digits at `offset`, or nil.
    private func hexValue4(at offset: Int) -> UInt32? {
        var value: UInt32 = 0
        for i in 0..<4 {
            let c = byte(at: offset + i)
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Four uppercase hex digits of a UTF-16 unit, for messages.
    private func hexText(_ unit: UInt32) -> String {
        hexDigits(unit, width: 4)
    }

    /// The length of the well-formed UTF-8 sequence at `p` (Unicode Table 3-7: no overlong
    /// forms, no surrogates, nothing above U+10FFFF), or an error.
    private func validateUTF8Sequence(at p: Int) throws(JSONParseError) -> Int {
        let lead = base[p]
        let b1 = byte(at: p + 1)
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // range of the first continuation byte
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw invalidUTF8(at: p)
        }
        guard b1 >= low && b1 <= high else { throw invalidUTF8(at: p) }
        for i in 2..<length {
            let b = byte(at: p + i)
            guard b >= 0x80 && b <= 0xBF else { throw invalidUTF8(at: p) }
        }
        return length
    }

    private func invalidUTF8(at p: Int) -> JSONParseError {
        failure(at: p, "invalid UTF-8 in a string")
    }
}
