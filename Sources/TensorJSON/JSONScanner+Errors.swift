/// Error construction: every message names the byte offset and, where useful, what was expected.
extension JSONScanner {
    /// How the byte at `offset` reads in a message: "character 'x'", "byte 0xC3" or "end of input".
    func describe(at offset: Int) -> String {
        guard offset < end else { return "end of input" }
        let c = base[offset]
        if c > 0x20 && c < 0x7F {
            return c == UInt8(ascii: "'") ? "character \"'\"" : "character '\(Character(Unicode.Scalar(c)))'"
        }
        return "byte \(hex(c))"
    }

    /// An error for the byte at `offset` where `expected` should be.
    ///
    /// Text such as `NaN`, `Infinity` or `inf` gets the dedicated explanation that these are not JSON.
    func unexpected(at offset: Int, expected: String) -> JSONParseError {
        if looksNonFinite(at: offset) {
            return JSONParseError(
                offset: offset,
                message: "unexpected \(describe(at: offset)) at byte \(offset): NaN and Infinity are not JSON numbers")
        }
        return JSONParseError(offset: offset, message: "unexpected \(describe(at: offset)) at byte \(offset): expected \(expected)")
    }

    /// Whether the text at `offset` starts like NaN or Infinity (any case).
    func looksNonFinite(at offset: Int) -> Bool {
        let a = byte(at: offset) | 0x20, b = byte(at: offset + 1) | 0x20, c = byte(at: offset + 2) | 0x20
        return (a == UInt8(ascii: "n") && b == UInt8(ascii: "a") && c == UInt8(ascii: "n"))
            || (a == UInt8(ascii: "i") && b == UInt8(ascii: "n") && c == UInt8(ascii: "f"))
    }

    /// An error with a plain message at `offset`.
    func failure(at offset: Int, _ what: String, _ detail: String? = nil) -> JSONParseError {
        let message = detail.map { "\(what) at byte \(offset): \($0)" } ?? "\(what) at byte \(offset)"
        return JSONParseError(offset: offset, message: message)
    }
}

/// `0xAB` formatting of a byte.
func hex(_ c: UInt8) -> String {
    "0x" + hexDigits(UInt32(c), width: 2)
}

/// The low `width` hex digits of `value`, uppercase.
func hexDigits(_ value: UInt32, width: Int) -> String {
    let digits = Array("0123456789ABCDEF")
    return String((0..<width).reversed().map { digits[Int(value >> (4 * UInt32($0)) & 15)] })
}
