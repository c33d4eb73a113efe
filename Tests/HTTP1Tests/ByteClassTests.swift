// The hand-computed character-class bit masks match their RFC definitions.

import Testing
@testable import HTTP1

@Suite struct ByteClassTests {
    @Test func tokenMaskMatchesRFC9110() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for b in 0...255 {
            #expect(ByteClass.isToken(UInt8(b)) == tchar.contains(UInt8(b)), "byte \(b)")
        }
    }

    @Test func hostMaskMatchesRFC3986() {
        let host = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:[]".utf8)
        for b in 0...255 {
            #expect(ByteClass.isHostChar(UInt8(b)) == host.contains(UInt8(b)), "byte \(b)")
        }
    }

    @Test func fieldValueBytes() {
        for b in 0...255 {
            let expected = b == 0x09 || (b >= 0x20 && b != 0x7F)
            #expect(ByteClass.isFieldValueByte(UInt8(b)) == expected, "byte \(b)")
        }
    }

    @Test func lowercasingOnlyTouchesLetters() {
        for b in 0...255 {
            let expected = (0x41...0x5A).contains(b) ? UInt8(b + 32) : UInt8(b)
            #expect(ByteClass.lowercased(UInt8(b)) == expected)
        }
    }
}
