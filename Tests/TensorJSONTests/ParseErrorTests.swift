import Testing
@testable import TensorJSON

/// Every rejected input reports the byte offset of the problem and a sentence about it.
@Suite struct ParseErrorTests {
    /// Asserts that `input` fails at `offset` with a message containing `fragment`.
    func expectError(
        _ input: String, at offset: Int, _ fragment: String, limits: JSONLimits = JSONLimits(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectError(Array(input.utf8), at: offset, fragment, limits: limits, sourceLocation: sourceLocation)
    }

    func expectError(
        _ input: [UInt8], at offset: Int, _ fragment: String, limits: JSONLimits = JSONLimits(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = parseError(input, limits: limits, sourceLocation: sourceLocation) else { return }
        #expect(error.offset == offset, "\(error.message)", sourceLocation: sourceLocation)
        #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        #expect(error.message.contains("at byte \(error.offset)"), "\(error.message)", sourceLocation: sourceLocation)
    }

    @Test func emptyAndTruncated() {
        expectError("", at: 0, "unexpected end of input at byte 0")
        expectError("  \n", at: 3, "unexpected end of input")
        expectError("[", at: 1, "unexpected end of input at byte 1: expected a JSON value")
        expectError("[1", at: 2, "expected ',' or ']'")
        expectError(#"{"a":1"#, at: 6, "expected ',' or '}'")
        expectError(#"{"a""#, at: 4, "expected ':'")
        expectError(#"{"a":"#, at: 5, "expected a JSON value")
        expectError("tru", at: 0, "invalid literal at byte 0: expected 'true'")
        expectError("nul", at: 0, "expected 'null'")
        expectError("falsy", at: 0, "expected 'false'")
    }

    @Test func nonFiniteTokens() {
        expectError("NaN", at: 0, "unexpected character 'N' at byte 0: NaN and Infinity are not JSON numbers")
        expectError("[1, NaN]", at: 4, "unexpected character 'N' at byte 4: NaN and Infinity are not JSON numbers")
        expectError("Infinity", at: 0, "NaN and Infinity are not JSON numbers")
        expectError("-Infinity", at: 1, "unexpected character 'I' at byte 1: NaN and Infinity are not JSON numbers")
        expectError("[0.5, -Infinity]", at: 7, "NaN and Infinity are not JSON numbers")
        expectError(#"{"lr": NaN}"#, at: 7, "NaN and Infinity are not JSON numbers")
        expectError("nan", at: 0, "NaN and Infinity are not JSON numbers")
        expectError("[inf]", at: 1, "NaN and Infinity are not JSON numbers")
        expectError("-nan", at: 1, "NaN and Infinity are not JSON numbers")
    }

    @Test func numberGrammar() {
        expectError("01", at: 1, "leading zeros")
        expectError("[-01]", at: 3, "leading zeros")
        expectError("00", at: 1, "leading zeros")
        expectError("+1", at: 0, "cannot start with '+'")
        expectError("[+1]", at: 1, "cannot start with '+'")
        expectError(".5", at: 0, "unexpected character '.' at byte 0")
        expectError("1.", at: 2, "a digit after the decimal point")
        expectError("[1.e5]", at: 3, "a digit after the decimal point")
        expectError("1e", at: 2, "a digit in the exponent")
        expectError("1e+", at: 3, "a digit in the exponent")
        expectError("[1E-x]", at: 4, "a digit in the exponent")
        expectError("-", at: 1, "expected a digit after '-'")
        expectError("[-]", at: 2, "expected a digit after '-'")
        expectError("0x10", at: 1, "only whitespace may follow")
        expectError("1_000", at: 1, "only whitespace may follow")
        expectError("[1 2]", at: 3, "unexpected character '2' at byte 3: expected ',' or ']'")
    }

    @Test func structure() {
        expectError("[1,2,]", at: 5, "trailing commas are not allowed")
        expectError("[1,\n]", at: 4, "trailing commas are not allowed")
        expectError(#"["a",]"#, at: 5, "trailing commas are not allowed")
        expectError(#"{"a":1,}"#, at: 7, "trailing commas are not allowed")
        expectError("[,1]", at: 1, "expected a JSON value")
        expectError("[1,,2]", at: 3, "expected a JSON value")
        expectError("{a:1}", at: 1, "expected a member name in double quotes or '}'")
        expectError("{'a':1}", at: 1, "character \"'\"")
        expectError(#"{"a" 1}"#, at: 5, "expected ':'")
        expectError(#"{"a":1 "b":2}"#, at: 7, "expected ',' or '}'")
        expectError(#"{"a":1,2}"#, at: 7, "expected a member name")
        expectError("1 2", at: 2, "unexpected character '2' at byte 2: only whitespace may follow the JSON value")
        expectError("[1]x", at: 3, "only whitespace may follow")
        expectError("{}{}", at: 2, "only whitespace may follow")
        expectError("/* c */ 1", at: 0, "unexpected character '/'")
        expectError("[1] // c", at: 4, "only whitespace may follow")
        expectError("True", at: 0, "unexpected character 'T'")
        expectError("]", at: 0, "expected a JSON value")
    }

    @Test func whitespaceIsOnlySpaceTabCRLF() {
        expectError("\u{0C}1", at: 0, "unexpected byte 0x0C at byte 0")
        expectError("[1,\u{0B}2]", at: 3, "byte 0x0B")
        expectError([0xC2, 0xA0, 0x31], at: 0, "unexpected byte 0xC2")
        expectError([0xEF, 0xBB, 0xBF, 0x31], at: 0, "byte order mark")
        expectError([0x31, 0x00], at: 1, "byte 0x00")
    }

    @Test func strings() {
        expectError(#""abc"#, at: 4, "not terminated")
        expectError(#"["abc\"]"#, at: 8, "not terminated")
        expectError(#""abc\"#, at: 5, "unfinished escape")
        expectError("\"a\u{01}b\"", at: 2, "unescaped control character U+0001")
        expectError("\"a\nb\"", at: 2, "control characters must be written as escapes")
        expectError("\"tab\there\"", at: 4, "U+0009")
        expectError(#""\x41""#, at: 1, "invalid escape")
        expectError(#""\'""#, at: 1, "invalid escape")
        expectError(#""\u12G4""#, at: 1, "expected four hexadecimal digits")
        expectError(#""\u12""#, at: 1, "expected four hexadecimal digits")
        expectError(#""\uD800""#, at: 1, "lone surrogate \\uD800")
        expectError(#""ab\uD83Dx""#, at: 3, "high surrogate must be followed")
        expectError(#""\uD800\u0041""#, at: 1, "lone surrogate")
        expectError(#""\uD800\uD800""#, at: 1, "lone surrogate")
        expectError(#""\uDC00""#, at: 1, "lone surrogate \\uDC00 in a string at byte 1: a low surrogate")
        expectError(#""\uDE00\uD83D""#, at: 1, "lone surrogate")
        expectError("'a'", at: 0, "unexpected character \"'\"")
    }

    @Test func invalidUTF8() {
        let quote: UInt8 = 0x22
        expectError([quote, 0xC3, 0x28, quote], at: 1, "invalid UTF-8")  // bad continuation
        expectError([quote, 0xC0, 0x80, quote], at: 1, "invalid UTF-8")  // overlong NUL
        expectError([quote, 0xE0, 0x80, 0x80, quote], at: 1, "invalid UTF-8")  // overlong
        expectError([quote, 0xED, 0xA0, 0x80, quote], at: 1, "invalid UTF-8")  // UTF-8 encoded surrogate
        expectError([quote, 0xF4, 0x90, 0x80, 0x80, quote], at: 1, "invalid UTF-8")  // above U+10FFFF
        expectError([quote, 0xF5, 0x80, 0x80, 0x80, quote], at: 1, "invalid UTF-8")
        expectError([quote, 0x61, 0x80, quote], at: 2, "invalid UTF-8")  // lone continuation
        expectError([quote, 0xE2, 0x82, quote], at: 1, "invalid UTF-8")  // truncated sequence
        expectError([quote, 0xF0, 0x9F, 0x98], at: 1, "invalid UTF-8")  // truncated at end of input
        expectError([quote, 0xFF, quote], at: 1, "invalid UTF-8")
        // Valid extremes are accepted.
        #expect((try? JSONParser.parse([quote, 0xF4, 0x8F, 0xBF, 0xBF, quote])) == .string("\u{10FFFF}"))
        #expect((try? JSONParser.parse([quote, 0xEF, 0xBF, 0xBF, quote])) == .string("\u{FFFF}"))
    }

    @Test func duplicateKeys() {
        expectError(#"{"a":1,"a":2}"#, at: 7, "duplicate member name 'a' at byte 7: names within an object must be unique")
        expectError(#"{"a":1,"b":{"c":1,"c":2}}"#, at: 18, "duplicate member name 'c'")
        expectError(#"{"\u0061":1,"a":2}"#, at: 12, "duplicate member name 'a'")
        let many = (0..<30).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let offset = many.utf8.count + 2
        expectError("{\(many),\"k17\":0}", at: offset, "duplicate member name 'k17'")
    }

    @Test func depthLimit() {
        let deep = String(repeating: "[", count: 100_000)
        expectError(deep, at: 64, "nesting too deep at byte 64: at most 64 levels")
        let closed = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        expectError(closed, at: 64, "nesting too deep")
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        expectError(objects, at: 5 * 64, "nesting too deep")
        let mixed = String(repeating: #"[{"a":"#, count: 50_000)
        expectError(mixed, at: 6 * 32, "nesting too deep")
        expectError("[[1]]", at: 1, "at most 1 levels", limits: JSONLimits(maxDepth: 1))
        expectError("[]", at: 0, "nesting too deep", limits: JSONLimits(maxDepth: 0))
        #expect((try? JSONParser.parse("1", limits: JSONLimits(maxDepth: 0))) == .number(1))
    }

    @Test func stringLengthLimit() {
        let limits = JSONLimits(maxStringBytes: 4)
        #expect((try? JSONParser.parse(#""abcd""#, limits: limits)) == .string("abcd"))
        #expect((try? JSONParser.parse(#""a\u00e9b""#, limits: limits)) == .string("aéb"))
        expectError(#""abcde""#, at: 0, "string too long at byte 0: strings are limited to 4 bytes", limits: limits)
        expectError(#"["x", "\n\n\n\n\n"]"#, at: 6, "string too long", limits: limits)
        expectError(#"{"abcdef":1}"#, at: 1, "string too long", limits: limits)
        expectError("\"ééé\"", at: 0, "string too long", limits: limits)
    }

    @Test func arrayLengthLimit() {
        // All arrays together: elements of nested and sibling arrays count too.
        let limits = JSONLimits(maxArrayElements: 3)
        #expect((try? JSONParser.parse("[1,2,3]", limits: limits))?.numbersValue?.doubles == [1, 2, 3])
        #expect((try? JSONParser.parse(#"{"a":[1],"b":[[],"x"],"c":[]}"#, limits: limits)) != nil)
        expectError("[1,2,3,4]", at: 7, "too many array elements at byte 7: this document may hold at most 3 in all", limits: limits)
        expectError(#"{"a":[1,2],"b":[3,4]}"#, at: 18, "too many array elements", limits: limits)
        expectError("[1, 2, 3,  4.5e1]", at: 11, "too many array elements", limits: limits)
        expectError(#"[[],[],[],[]]"#, at: 12, "too many array elements", limits: limits)
        expectError(#"[1,2,"x",null]"#, at: 13, "too many array elements", limits: limits)
        expectError(#"{"a":[0,[1,2,3,4]]}"#, at: 13, "too many array elements", limits: limits)
        #expect(parseError(Array("[1,2,3,4]".utf8), limits: limits)?.arrayTooLong == true)
        #expect(parseError(Array("[1,2,".utf8), limits: limits)?.arrayTooLong == false)
    }

    @Test func errorIsAnErrorWithItsMessage() {
        let error: any Error = JSONParseError(offset: 3, message: "m")
        #expect((error as? JSONParseError)?.description == "m")
    }
}
