/// Number tokens: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
extension JSONScanner {
    /// Scans the number at `pos` and returns its correctly rounded Double (±infinity on overflow).
    ///
    /// Up to 19 significant digits accumulate exactly in a UInt64 with a decimal exponent; the
    /// Clinger or Eisel–Lemire fast paths convert those, and anything they decline (longer
    /// mantissas, subnormals, near-halfway cases) goes through `SlowDecimal`.
    @inline(__always)
    mutating func scanNumber() throws(JSONParseError) -> Double {
        let start = pos
        var p = pos
        var c = byte(at: p)
        let negative = c == UInt8(ascii: "-")
        if negative {
            p += 1
            c = byte(at: p)
        }
        let integerStart = p
        var mantissa: UInt64 = 0
        if c == UInt8(ascii: "0") {
            p += 1
            c = byte(at: p)
            if isDigit(c) {
                throw failure(at: p, "unexpected digit", "JSON numbers cannot have leading zeros")
            }
        } else if isDigit(c) {
            repeat {
                mantissa = mantissa &* 10 &+ UInt64(c &- 0x30)
                p += 1
                c = byte(at: p)
            } while isDigit(c)
        } else {
            throw numberStartError(at: p, afterMinus: negative)
        }
        var digitCount = p - integerStart
        var exponent = 0
        if c == UInt8(ascii: ".") {
            p += 1
            let fractionStart = p
            c = byte(at: p)
            while isDigit(c) {
                mantissa = mantissa &* 10 &+ UInt64(c &- 0x30)
                p += 1
                c = byte(at: p)
            }
            let fractionDigits = p - fractionStart
            if fractionDigits == 0 {
                throw unexpected(at: p, expected: "a digit after the decimal point")
            }
            digitCount += fractionDigits
            exponent = -fractionDigits
        }
        if c | 0x20 == UInt8(ascii: "e") {
            p += 1
            c = byte(at: p)
            var negativeExponent = false
            if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
                negativeExponent = c == UInt8(ascii: "-")
                p += 1
                c = byte(at: p)
            }
            guard isDigit(c) else { throw unexpected(at: p, expected: "a digit in the exponent") }
            var value = 0
            repeat {
                // Saturate: beyond 2^50 the result is 0 or infinity whatever the digits.
                if value < 1 << 50 { value = value &* 10 &+ Int(c &- 0x30) }
                p += 1
                c = byte(at: p)
            } while isDigit(c)
            exponent += negativeExponent ? -value : value
        }
        pos = p
        if digitCount > 19 && significantDigits(from: integerStart, to: p) > 19 {
            return SlowDecimal.double(bytes(from: start, to: p))
        }
        if let d = fastDecimalToDouble(mantissa: mantissa, exponent: exponent, negative: negative) {
            return d
        }
        return SlowDecimal.double(bytes(from: start, to: p))
    }

    /// The number of digits from the first nonzero one up to the exponent (leading zeros excluded).
    func significantDigits(from start: Int, to stop: Int) -> Int {
        var count = 0
        var leading = true
        for i in start..<stop {
            let c = base[i]
            if c == UInt8(ascii: ".") { continue }
            guard isDigit(c) else { break }
            if leading && c == UInt8(ascii: "0") { continue }
            leading = false
            count += 1
        }
        return count
    }

    /// The error for a number that has no digit where its integer part starts.
    func numberStartError(at offset: Int, afterMinus: Bool) -> JSONParseError {
        unexpected(at: offset, expected: afterMinus ? "a digit after '-'" : "a JSON value")
    }
}
