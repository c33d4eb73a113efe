import Testing
@testable import TensorJSON

@Suite struct ParseValidTests {
    @Test func scalars() throws {
        #expect(parseOK("null") == .null)
        #expect(parseOK("true") == .bool(true))
        #expect(parseOK("false") == .bool(false))
        #expect(parseOK("3") == .number(3))
        #expect(parseOK("-12.5e1") == .number(-125))
        #expect(parseOK("\"hi\"") == .string("hi"))
        #expect(parseOK(" \t\r\n 7 \n\t\r ") == .number(7))
        let negativeZero = try #require(parseOK("-0")?.doubleValue)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        let zero = try #require(parseOK("0")?.doubleValue)
        #expect(zero.sign == .plus)
        #expect(parseOK("0e0") == .number(0))
        #expect(parseOK("-0.0E-0") == .number(0))
        #expect(parseOK("1E+2") == .number(100))
    }

    @Test func strings() {
        #expect(parseOK(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(parseOK(#""caf\u00e9 \u00E9""#) == .string("café é"))
        #expect(parseOK(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(parseOK(#""a\u0000b""#) == .string("a\u{0}b"))
        #expect(parseOK(#""\u20AC\u0041""#) == .string("€A"))
        #expect(parseOK("\"é😀€ raw\"") == .string("é😀€ raw"))
        #expect(parseOK("\"mixed é\\n😀\"") == .string("mixed é\n😀"))
        #expect(parseOK("\"\u{7F}\"") == .string("\u{7F}"))
        #expect(parseOK("\"\"") == .string(""))
    }

    @Test func numberArrays() throws {
        let empty = try #require(parseOK("[]"))
        guard case .numbers(let none) = empty else { Issue.record("[] should be .numbers"); return }
        #expect(none.count == 0)
        #expect(parseOK("[ ]")?.numbersValue?.count == 0)

        let value = try #require(parseOK("[1, -2.5, 3e2 ,0,-0]"))
        guard case .numbers(let numbers) = value else { Issue.record("expected .numbers"); return }
        #expect(numbers.doubles == [1, -2.5, 300, 0, 0])
        #expect(numbers.float32Values() == [1, -2.5, 300, 0, 0])
        #expect(numbers.doubles[4].sign == .minus)
        #expect(value.typeName == "array")
    }

    @Test func mixedArrays() throws {
        #expect(parseOK(#"[1, "a", 2]"#) == .array([.number(1), .string("a"), .number(2)]))
        #expect(parseOK(#"["a", 1]"#) == .array([.string("a"), .number(1)]))
        #expect(parseOK("[1, [2, 3], []]") == .array([.number(1), .numbers(NumberArray(doubles: [2, 3])), .numbers(NumberArray())]))
        #expect(parseOK("[[1,2],[3]]") == .array([.numbers(NumberArray(doubles: [1, 2])), .numbers(NumberArray(doubles: [3]))]))
        #expect(parseOK("[true, null, false]") == .array([.bool(true), .null, .bool(false)]))
        #expect(parseOK("[1, {}]") == .array([.number(1), .object(JSONObject())]))
        let value = try #require(parseOK("[1, null]"))
        guard case .array = value else { Issue.record("expected .array"); return }
        #expect(value.numbersValue == nil)
        #expect(value.arrayValue?.count == 2)
    }

    @Test func objects() throws {
        let value = try #require(parseOK(#"{"b": 1, "a": [1.5, 2], "c": {"d": "e"}, "f": null, "t": true}"#))
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "c", "f", "t"])
        #expect(object["b"] == .number(1))
        #expect(object["a"]?.numbersValue?.doubles == [1.5, 2])
        #expect(value["c"]?["d"]?.stringValue == "e")
        #expect(object["f"]?.isNull == true)
        #expect(object["t"]?.boolValue == true)
        #expect(object["missing"] == nil)
        #expect(parseOK("{}") == .object(JSONObject()))
        #expect(parseOK(#"{"":0}"#)?[""] == .number(0))
    }

    @Test func largeObjectUsesIndex() throws {
        let members = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        let object = try #require(parseOK("{\(members)}")?.objectValue)
        #expect(object.count == 40)
        for i in 0..<40 { #expect(object["k\(i)"]?.integerValue == i) }
        #expect(object.keys.first == "k0" && object.keys.last == "k39")
    }

    @Test func sameKeyInDifferentObjectsIsFine() {
        #expect(parseOK(#"[{"a":1},{"a":2}]"#) == .array([["a": 1], ["a": 2]]))
        #expect(parseOK(#"{"a":{"a":1}}"#) == ["a": ["a": 1]])
    }

    @Test func nestingUpToTheLimit() {
        let depth = 64
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(parseOK(text) != nil)
        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(parseOK(objects) != nil)
        let deeper = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(parseOK(deeper, limits: JSONLimits(maxDepth: 1000)) != nil)
    }

    @Test func accessors() {
        let value: JSONValue = ["n": 3, "x": 2.5, "s": "t", "b": false, "z": .null, "a": [1, "x"]]
        #expect(value.typeName == "object")
        #expect(value["n"]?.integerValue == 3)
        #expect(value["x"]?.integerValue == nil)
        #expect(value["x"]?.doubleValue == 2.5)
        #expect(value["s"]?.stringValue == "t")
        #expect(value["s"]?.doubleValue == nil)
        #expect(value["b"]?.boolValue == false)
        #expect(value["z"]?.typeName == "null")
        #expect(value["b"]?.typeName == "boolean")
        #expect(value["n"]?.typeName == "number")
        #expect(value["s"]?.typeName == "string")
        #expect(value["a"]?.typeName == "array")
        #expect(value["a"]?.arrayValue?.count == 2)
        #expect(JSONValue.number(1e300).integerValue == nil)
        #expect(JSONValue.array([.number(1), .number(2)]).numbersValue?.doubles == [1, 2])
    }

    @Test func objectEditing() {
        var object: JSONObject = ["a": 1]
        object["b"] = "x"
        object["a"] = 2
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == .number(2))
        #expect(object.append(key: "a", value: 3) == false)
        object["a"] = nil
        #expect(object.keys == ["b"])
        for i in 0..<20 { object["k\(i)"] = .number(Double(i)) }
        object["k3"] = nil
        #expect(object["k4"] == .number(4) && object["k3"] == nil && object.count == 20)
    }

    @Test func parsesFromRawBuffer() throws {
        let bytes = Array("[1,2]".utf8)
        let value = try bytes.withUnsafeBytes { raw in try JSONParser.parse(raw) }
        #expect(value.numbersValue?.doubles == [1, 2])
    }
}
