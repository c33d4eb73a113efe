// Decoding of string content that `JSONScanner` has already validated.

/// Copies validated string content into `out`, decoding escapes; returns the UTF-8 length.
func decodeEscapes(_ raw: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
    var i = 0, n = 0
    func hexAt(_ j: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in j..<j + 4 {
            let c = raw[k]
            let digit = c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : (c | 0x20) - UInt8(ascii: "a") + 10
            value = value << 4 | UInt32(digit)
        }
        return value
    }
    while i < raw.count {
        let c = raw[i]
        guard c == UInt8(ascii: "\\") else {
            out[n] = c
            n += 1
            i += 1
            continue
        }
        let e = raw[i + 1]
        var scalar: UInt32
        switch e {
        case UInt8(ascii: "b"): scalar = 0x08
        case UInt8(ascii: "f"): scalar = 0x0C
        case UInt8(ascii: "n"): scalar = 0x0A
        case UInt8(ascii: "r"): scalar = 0x0D
        case UInt8(ascii: "t"): scalar = 0x09
        case UInt8(ascii: "u"): scalar = hexAt(i + 2)
        default: scalar = UInt32(e)  // " \ /
        }
        if e == UInt8(ascii: "u") {
            i += 6
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hexAt(i + 2) - 0xDC00)
                i += 6
            }
        } else {
            i += 2
        }
        n += encodeUTF8(scalar, into: out, at: n)
    }
    return n
}

/// Writes `scalar` as UTF-8 at `out[at...]`; returns the byte count.
func encodeUTF8(_ scalar: UInt32, into out: UnsafeMutableBufferPointer<UInt8>, at n: Int) -> Int {
    switch scalar {
    case 0..<0x80:
        out[n] = UInt8(scalar)
        return 1
    case 0x80..<0x800:
        out[n] = UInt8(0xC0 | scalar >> 6)
        out[n + 1] = UInt8(0x80 | scalar & 0x3F)
        return 2
    case 0x800..<0x10000:
        out[n] = UInt8(0xE0 | scalar >> 12)
        out[n + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
        out[n + 2] = UInt8(0x80 | scalar & 0x3F)
        return 3
    default:
        out[n] = UInt8(0xF0 | scalar >> 18)
        out[n + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
        out[n + 2] = UInt8(0x80 | scalar >> 6 & 0x3F)
        out[n + 3] = UInt8(0x80 | scalar & 0x3F)
        return 4
    }
}
