/// A cursor over the input bytes with the lexical primitives of the parser.
///
/// Reads past the end yield 0, which is never valid where a token byte is expected, so
/// the hot loops need one comparison per byte instead of separate end checks.
struct JSONScanner {
    /// The first input byte.
    let base: UnsafePointer<UInt8>
    /// The input length.
    let end: Int
    /// The current offset.
    var pos: Int = 0
    /// The limits in force.
    let limits: JSONLimits
    /// Array elements parsed so far, in all arrays (against `limits.maxArrayElements`).
    var arrayElements = 0

    init(base: UnsafePointer<UInt8>, count: Int, limits: JSONLimits) {
        self.base = base
        self.end = count
        self.limits = limits
    }

    /// The byte at `offset`, or 0 past the end.
    @inline(__always)
    func byte(at offset: Int) -> UInt8 {
        offset < end ? base[offset] : 0
    }

    /// Skips JSON whitespace: space, tab, line feed and carriage return.
    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    /// The input bytes in `start..<stop`.
    @inline(__always)
    func bytes(from start: Int, to stop: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + start, count: stop - start)
    }
}

/// Whether `c` is an ASCII digit.
@inline(__always)
func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
