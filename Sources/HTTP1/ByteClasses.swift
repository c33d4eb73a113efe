// Character classes from RFC 9110 §5.6.2 (tchar), §5.5 (field-vchar) and RFC 3986
// (host), as branch-light bit tests so the parser never builds a String to classify a byte.

@usableFromInline
enum ByteClass {
    // Bit b of `tokenLow` is set when byte b (0..<64) is a tchar; `tokenHigh` covers 64..<128.
    // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    // (The test suite rebuilds these masks from the RFC's list and compares.)
    @usableFromInline static let tokenLow: UInt64 = 0x03ff_6cfa_0000_0000
    @usableFromInline static let tokenHigh: UInt64 = 0x57ff_ffff_c7ff_fffe
    // uri-host / port characters: unreserved, "%", sub-delims, ":", "[", "]".
    @usableFromInline static let hostLow: UInt64 = 0x2fff_7ff2_0000_0000
    @usableFromInline static let hostHigh: UInt64 = 0x47ff_fffe_afff_fffe

    /// RFC 9110 §5.6.2 tchar.
    @inlinable @inline(__always)
    static func isToken(_ b: UInt8) -> Bool {
        if b < 64 { return (tokenLow &>> UInt64(b)) & 1 != 0 }
        if b < 128 { return (tokenHigh &>> UInt64(b &- 64)) & 1 != 0 }
        return false
    }

    /// Characters allowed in a Host field value (RFC 3986 §3.2.2 / §3.2.3).
    @inlinable @inline(__always)
    static func isHostChar(_ b: UInt8) -> Bool {
        if b < 64 { return (hostLow &>> UInt64(b)) & 1 != 0 }
        if b < 128 { return (hostHigh &>> UInt64(b &- 64)) & 1 != 0 }
        return false
    }

    /// RFC 9110 §5.5: field-content is field-vchar (VCHAR / obs-text) with SP / HTAB inside.
    /// Everything else (NUL, CR, LF, other controls, DEL) is rejected with 400.
    @inlinable @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == 0x09 || (b >= 0x20 && b != 0x7F)
    }

    /// Bytes allowed in a request-target: VCHAR except "#" (a fragment is never sent,
    /// RFC 9112 §3.2). Non-ASCII must be percent-encoded (RFC 3986), so it is rejected.
    @inlinable @inline(__always)
    static func isTargetByte(_ b: UInt8) -> Bool {
        b > 0x20 && b < 0x7F && b != UInt8(ascii: "#")
    }

    /// OWS = *( SP / HTAB ), RFC 9110 §5.6.3.
    @inlinable @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09
    }

    @inlinable @inline(__always)
    static func lowercased(_ b: UInt8) -> UInt8 {
        (b &- 0x41) < 26 ? b | 0x20 : b
    }

    /// Value of a hex digit, or nil.
    @inlinable @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}

/// ASCII case-insensitive comparison of raw bytes with a lowercase ASCII literal.
@inlinable
func bytesEqualCaseInsensitive(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercaseLiteral: StaticString) -> Bool {
    guard bytes.count == lowercaseLiteral.utf8CodeUnitCount else { return false }
    let lit = lowercaseLiteral.utf8Start
    for i in 0..<bytes.count where ByteClass.lowercased(bytes[i]) != lit[i] {
        return false
    }
    return true
}

/// ASCII case-insensitive equality of two strings (header names are ASCII tokens).
@inlinable
func asciiCaseInsensitiveEqual(_ a: String, _ b: String) -> Bool {
    let au = a.utf8, bu = b.utf8
    guard au.count == bu.count else { return false }
    // Native strings are contiguous UTF-8: compare raw bytes without index arithmetic.
    if let result = au.withContiguousStorageIfAvailable({ ab in
        bu.withContiguousStorageIfAvailable { bb in asciiCaseInsensitiveEqual(ab, bb) }
    }), let equal = result {
        return equal
    }
    return au.elementsEqual(bu) { ByteClass.lowercased($0) == ByteClass.lowercased($1) }
}

@inlinable
func asciiCaseInsensitiveEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] && ByteClass.lowercased(a[i]) != ByteClass.lowercased(b[i]) {
        return false
    }
    return true
}
