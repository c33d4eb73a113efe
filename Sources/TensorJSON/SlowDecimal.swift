#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact (slow) conversion of a validated JSON number token with the C library's correctly
/// rounded `strtod` / `strtof`, for the cases the fast paths decline.
///
/// The token is rewritten as `[-]DIGITSeEXP` without a decimal point, so the result does not
/// depend on the process locale's decimal separator. At most `maxDigits` significant digits
/// are kept; if any dropped digit is nonzero a final `1` digit stands in for them. This keeps
/// the rounding exact (a decimal halfway between two Doubles has at most 767 significant
/// digits) and bounds the work on absurdly long tokens.
enum SlowDecimal {
    /// Significant digits passed to the C library.
    static let maxDigits = 800

    /// The correctly rounded Double of the token (±infinity on overflow).
    static func double(_ token: UnsafeBufferPointer<UInt8>) -> Double {
        withCanonicalText(token) { strtod($0, nil) }
    }

    /// The correctly rounded Float of the token (±infinity on overflow).
    static func float(_ token: UnsafeBufferPointer<UInt8>) -> Float {
        withCanonicalText(token) { strtof($0, nil) }
    }

    /// Calls `body` with the token rewritten as a NUL-terminated `[-]DIGITSeEXP`.
    static func withCanonicalText<R>(_ token: UnsafeBufferPointer<UInt8>, _ body: (UnsafePointer<CChar>) -> R) -> R {
        let capacity = min(token.count, maxDigits + 1) + 40
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            var n = 0
            func put(_ c: UInt8) {
                buffer[n] = CChar(bitPattern: c)
                n += 1
            }
            var i = 0
            if i < token.count && token[i] == UInt8(ascii: "-") {
                put(UInt8(ascii: "-"))
                i += 1
            }
            var kept = 0, dropped = 0, fractionDigits = 0
            var afterPoint = false, sticky = false
            while i < token.count {
                let c = token[i]
                if c == UInt8(ascii: ".") {
                    afterPoint = true
                } else if c &- 0x30 < 10 {
                    if afterPoint { fractionDigits += 1 }
                    if kept == 0 && c == UInt8(ascii: "0") {
                        // leading zero: not significant
                    } else if kept < maxDigits {
                        put(c)
                        kept += 1
                    } else {
                        dropped += 1
                        if c != UInt8(ascii: "0") { sticky = true }
                    }
                } else {
                    break
                }
                i += 1
            }
            var exponent = 0
            if i < token.count {  // 'e' or 'E'
                i += 1
                var negativeExponent = false
                if i < token.count && (token[i] == UInt8(ascii: "+") || token[i] == UInt8(ascii: "-")) {
                    negativeExponent = token[i] == UInt8(ascii: "-")
                    i += 1
                }
                while i < token.count {
                    if exponent < 1 << 50 { exponent = exponent * 10 + Int(token[i] &- 0x30) }
                    i += 1
                }
                if negativeExponent { exponent = -exponent }
            }
            if kept == 0 {
                put(UInt8(ascii: "0"))
            } else {
                exponent = exponent - fractionDigits + dropped
                if sticky {
                    put(UInt8(ascii: "1"))
                    exponent -= 1
                }
                put(UInt8(ascii: "e"))
                if exponent < 0 { put(UInt8(ascii: "-")) }
                var magnitude = exponent.magnitude
                var reversed: [UInt8] = []
                repeat {
                    reversed.append(UInt8(magnitude % 10) + 0x30)
                    magnitude /= 10
                } while magnitude > 0
                for c in reversed.reversed() { put(c) }
            }
            put(0)
            return body(UnsafePointer(buffer.baseAddress!))
        }
    }
}
