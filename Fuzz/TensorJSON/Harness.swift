// libFuzzer target for the TensorJSON module. Compiled INTO the TensorJSON module
// (scripts/fuzz passes Sources/TensorJSON/*.swift, Fuzz/Common/*.swift and this file to one
// swiftc invocation with -module-name TensorJSON), so internal API such as
// isFloat32Midpoint is usable.
//
// The input is a JSON document. Every run parses it with depth 64 and small strings, then:
//  - on failure: the error offset lies within the input (0...count) and the message names
//    it; a "nesting too deep" / "string too long" error disappears under larger limits only
//    if the document really is that deep / has such a string;
//  - with a bound of 8 array elements in all as well, the parse gives the same value when the
//    document holds no more, else fails with "too many array elements" (arrayTooLong set) no
//    later than the unbounded parse's own error;
//  - on success:
//    * every number equals the C library's correctly rounded strtod of its token, bit for
//      bit; every element of a `.numbers` array also has float32(at:) == strtof(token), and
//      float32Values() agrees with float32(at:); scalar numbers are re-parsed as `[token]`
//      to check their float32 too;
//    * JSONWriter's text parses back to the same value (±infinity comes back as null, as
//      documented), and writing that again gives the same bytes;
//    * the float32 values written with writeNumbers([Float]) read back as the same Floats;
//    * writeNumbers([Double]) (chunked fast path) equals writeNumber(Double) one by one;
//    * the accessors agree with the value (object lookups through the index, integerValue...).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    TensorJSONFuzz.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

enum TensorJSONFuzz {
    static let maxDepth = 64
    static let limits = JSONLimits(maxDepth: maxDepth, maxStringBytes: 4096)
    static let shortArrays = JSONLimits(maxDepth: maxDepth, maxStringBytes: 4096, maxArrayElements: 8)
    static let generousLimits = JSONLimits(maxDepth: 1 << 20, maxStringBytes: 1 << 30)

    /// Re-serialising a `.numbers` element whose Double lies exactly on a float32 midpoint
    /// writes the Double's shortest text, whose correctly rounded float32 may be the other
    /// neighbour of the midpoint than the original text's (see Fuzz/README.md). Tolerated
    /// unless FUZZ_STRICT_FLOAT32_ROUNDTRIP=1.
    static let strictFloat32RoundTrip: Bool = {
        guard let value = getenv("FUZZ_STRICT_FLOAT32_ROUNDTRIP") else { return false }
        return String(cString: value) == "1"
    }()

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONParser.parse(UnsafeRawBufferPointer(input), limits: limits)
        } catch {
            checkError(error, input: input)
            checkArrayBound(input, unbounded: .failure(error))
            return
        }
        checkArrayBound(input, unbounded: .success(value))
        let d = depth(of: value, cutoff: maxDepth + 1)
        fuzzRequire(d <= maxDepth, "parsed a document of depth \(d) with maxDepth \(maxDepth)")
        checkNumbers(value, input: input)
        checkRoundTrip(value)
        checkAccessors(value)
    }

    // MARK: Errors

    static func checkError(_ error: JSONParseError, input: UnsafeBufferPointer<UInt8>) {
        fuzzRequire(error.offset >= 0 && error.offset <= input.count,
                    "error offset \(error.offset) outside 0...\(input.count): \(error.message)")
        fuzzRequire(error.message.contains("byte \(error.offset)"), "message does not name offset \(error.offset): \(error.message)")
        fuzzRequire(error.description == error.message, "description differs from message")
        let byDepth = error.message.hasPrefix("nesting too deep")
        let byLength = error.message.hasPrefix("string too long")
        fuzzRequire(!error.arrayTooLong, "arrayTooLong without an array bound: \(error.message)")
        guard byDepth || byLength else { return }
        // Under generous limits the document either parses (and then really was too deep /
        // had a long string) or fails further on, never earlier.
        do throws(JSONParseError) {
            let value = try JSONParser.parse(UnsafeRawBufferPointer(input), limits: generousLimits)
            if byDepth {
                let d = depth(of: value, cutoff: Int.max)
                fuzzRequire(d > maxDepth, "\"nesting too deep\" for a document of depth \(d)")
            } else {
                fuzzRequire(longestString(value) > limits.maxStringBytes, "\"string too long\" without a long string")
            }
        } catch let later {
            fuzzRequire(later.offset >= error.offset,
                        "larger limits moved the error from \(error.offset) to \(later.offset): \(later.message)")
        }
    }

    static func depth(of value: JSONValue, cutoff: Int) -> Int {
        switch value {
        case .array(let elements):
            var deepest = 0
            for element in elements {
                deepest = max(deepest, depth(of: element, cutoff: cutoff))
                if deepest >= cutoff { break }
            }
            return deepest + 1
        case .object(let object):
            var deepest = 0
            for member in object.members {
                deepest = max(deepest, depth(of: member.value, cutoff: cutoff))
                if deepest >= cutoff { break }
            }
            return deepest + 1
        case .numbers: return 1
        default: return 0
        }
    }

    static func longestString(_ value: JSONValue) -> Int {
        switch value {
        case .string(let s): return s.utf8.count
        case .array(let elements): return elements.map(longestString).max() ?? 0
        case .object(let object): return object.members.map { max($0.key.utf8.count, longestString($0.value)) }.max() ?? 0
        default: return 0
        }
    }

    /// The same input with at most `shortArrays.maxArrayElements` array elements in all.
    static func checkArrayBound(_ input: UnsafeBufferPointer<UInt8>, unbounded: Result<JSONValue, JSONParseError>) {
        let bound = shortArrays.maxArrayElements
        do throws(JSONParseError) {
            let value = try JSONParser.parse(UnsafeRawBufferPointer(input), limits: shortArrays)
            switch unbounded {
            case .success(let full):
                fuzzRequire(value == full, "an array bound changed the parsed value")
                fuzzRequire(arrayElements(full) <= bound, "parsed more than \(bound) array elements under that bound")
            case .failure(let error):
                fuzzRequire(false, "an array bound made a failing document parse (\(error.message))")
            }
        } catch {
            switch unbounded {
            case .success(let full):
                fuzzRequire(error.arrayTooLong, "an array bound failed a valid document with: \(error.message)")
                fuzzRequire(arrayElements(full) > bound, "\"too many array elements\" without more than \(bound)")
            case .failure(let original):
                if error.arrayTooLong {
                    fuzzRequire(error.offset <= original.offset, "\"too many array elements\" at \(error.offset), after the document's own error at \(original.offset)")
                } else {
                    fuzzRequire(error == original, "an array bound changed the error \(original.message) to \(error.message)")
                }
            }
            fuzzRequire(error.message.hasPrefix("too many array elements") == error.arrayTooLong, "arrayTooLong disagrees with: \(error.message)")
        }
    }

    /// Elements of every array in the value, nested ones included.
    static func arrayElements(_ value: JSONValue) -> Int {
        switch value {
        case .numbers(let numbers): return numbers.count
        case .array(let elements): return elements.count + elements.map(arrayElements).reduce(0, +)
        case .object(let object): return object.members.map { arrayElements($0.value) }.reduce(0, +)
        default: return 0
        }
    }

    // MARK: Numbers against the C library

    /// The byte ranges of the number tokens of a valid document, in document order: outside
    /// strings, a number is the only thing that starts with '-' or a digit.
    static func numberTokens(_ input: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var tokens: [Range<Int>] = []
        var i = 0
        let n = input.count
        while i < n {
            let c = input[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                while i < n && input[i] != UInt8(ascii: "\"") {
                    i += input[i] == UInt8(ascii: "\\") ? 2 : 1
                }
                i += 1
            } else if c == UInt8(ascii: "-") || isDigit(c) {
                let start = i
                i += 1
                while i < n, case let b = input[i],
                      isDigit(b) || b == UInt8(ascii: ".") || b | 0x20 == UInt8(ascii: "e") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") {
                    i += 1
                }
                tokens.append(start..<i)
            } else {
                i += 1
            }
        }
        return tokens
    }

    /// A parsed number in document order: its Double and, for `.numbers` elements, its float32.
    struct ParsedNumber {
        var double: Double
        var float32: Float?
    }

    static func collectNumbers(_ value: JSONValue, into out: inout [ParsedNumber]) {
        switch value {
        case .number(let d): out.append(ParsedNumber(double: d, float32: nil))
        case .numbers(let numbers):
            let floats = numbers.float32Values()
            fuzzRequire(floats.count == numbers.count, "float32Values has \(floats.count) elements for \(numbers.count)")
            var copied = [Float](repeating: .nan, count: numbers.count + 1)
            copied.withUnsafeMutableBufferPointer { numbers.copyFloat32Values(into: $0) }
            for i in 0..<numbers.count {
                let f = numbers.float32(at: i)
                fuzzRequire(floats[i].bitPattern == f.bitPattern && copied[i].bitPattern == f.bitPattern,
                            "float32Values/copyFloat32Values/float32(at:) disagree at \(i)")
                fuzzRequire(numbers[i].bitPattern == numbers.doubles[i].bitPattern, "subscript differs from doubles")
                out.append(ParsedNumber(double: numbers[i], float32: f))
            }
            fuzzRequire(copied[numbers.count].isNaN, "copyFloat32Values wrote past count")
        case .array(let elements):
            for element in elements { collectNumbers(element, into: &out) }
        case .object(let object):
            for member in object.members { collectNumbers(member.value, into: &out) }
        case .null, .bool, .string: break
        }
    }

    static func cString(_ bytes: UnsafeBufferPointer<UInt8>) -> [CChar] {
        bytes.map { CChar(bitPattern: $0) } + [0]
    }

    static func checkNumbers(_ value: JSONValue, input: UnsafeBufferPointer<UInt8>) {
        let tokens = numberTokens(input)
        var numbers: [ParsedNumber] = []
        collectNumbers(value, into: &numbers)
        fuzzRequire(tokens.count == numbers.count, "\(tokens.count) number tokens but \(numbers.count) parsed numbers")
        var scalarsChecked = 0
        for (range, parsed) in zip(tokens, numbers) {
            let token = UnsafeBufferPointer(rebasing: input[range])
            let text = cString(token)
            let expected = strtod(text, nil)
            fuzzRequire(parsed.double.bitPattern == expected.bitPattern,
                        "\(fuzzShow(token)) parsed as \(parsed.double), strtod says \(expected)")
            let expectedFloat = strtof(text, nil)
            if let f = parsed.float32 {
                fuzzRequire(f.bitPattern == expectedFloat.bitPattern,
                            "\(fuzzShow(token)) has float32 \(f), strtof says \(expectedFloat)")
            } else if scalarsChecked < 16 {
                // A scalar keeps only its Double: check its float32 through a one-element array.
                scalarsChecked += 1
                let wrapped = [UInt8(ascii: "[")] + Array(token) + [UInt8(ascii: "]")]
                do throws(JSONParseError) {
                    guard case .numbers(let one) = try JSONParser.parse(wrapped, limits: limits), one.count == 1 else {
                        fuzzRequire(false, "[\(fuzzShow(token))] is not a one-element .numbers")
                        return
                    }
                    fuzzRequire(one[0].bitPattern == expected.bitPattern, "[\(fuzzShow(token))] parsed as \(one[0])")
                    fuzzRequire(one.float32(at: 0).bitPattern == expectedFloat.bitPattern,
                                "[\(fuzzShow(token))] has float32 \(one.float32(at: 0)), strtof says \(expectedFloat)")
                } catch {
                    fuzzRequire(false, "[\(fuzzShow(token))] fails: \(error.message)")
                }
            }
        }
    }

    // MARK: Writing

    static func written(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    static func checkRoundTrip(_ value: JSONValue) {
        let text = written(value)
        let again: JSONValue
        do throws(JSONParseError) {
            again = try JSONParser.parse(text, limits: limits)
        } catch {
            fuzzRequire(false, "the writer's output does not parse (\(error.message)): \(fuzzShow(text, limit: 400))")
            return
        }
        var lossy = false
        if let difference = roundTripDifference(value, again, lossy: &lossy) {
            fuzzRequire(false, "round trip changed the value: \(difference); text \(fuzzShow(text, limit: 400))")
        }
        if !lossy {
            fuzzRequire(value == again, "round trip is not == although nothing was lossy: \(fuzzShow(text, limit: 400))")
        }
        let text2 = written(again)
        fuzzRequire(text2 == text, "writing the re-parsed value gives other bytes: \(fuzzShow(text, limit: 200)) / \(fuzzShow(text2, limit: 200))")
        checkNumberWriters(value)
    }

    /// How `again` (parsed from the writer's text) differs from `original`, or nil. Infinite
    /// numbers must come back as null; `lossy` is set when that or a float32 midpoint occurs.
    static func roundTripDifference(_ original: JSONValue, _ again: JSONValue, lossy: inout Bool) -> String? {
        switch (original, again) {
        case (.null, .null): return nil
        case (.bool(let a), .bool(let b)): return a == b ? nil : "bool \(a) / \(b)"
        case (.number(let d), _):
            if !d.isFinite {
                lossy = true
                if case .null = again { return nil }
                return "\(d) came back as \(again), not null"
            }
            if case .number(let e) = again, e.bitPattern == d.bitPattern { return nil }
            return "number \(d) came back as \(again)"
        case (.string(let a), .string(let b)):
            return a.utf8.elementsEqual(b.utf8) ? nil : "string \(fuzzShow(a.utf8)) / \(fuzzShow(b.utf8))"
        case (.numbers(let a), .numbers(let b)):
            guard a.count == b.count else { return "numbers count \(a.count) / \(b.count)" }
            for i in 0..<a.count {
                guard a[i].isFinite else { return "non-finite \(a[i]) came back as a number" }
                if a[i].bitPattern != b[i].bitPattern { return "element \(i): \(a[i]) / \(b[i])" }
                if a.float32(at: i).bitPattern != b.float32(at: i).bitPattern {
                    if isFloat32Midpoint(a[i]) && !strictFloat32RoundTrip {
                        lossy = true
                    } else {
                        return "element \(i) (\(a[i])): float32 \(a.float32(at: i)) / \(b.float32(at: i))"
                    }
                } else if a.float32Overrides != b.float32Overrides {
                    lossy = true  // same values, but one side recorded an override the other did not need
                }
            }
            return nil
        case (.numbers(let a), .array(let elements)):
            // Only when some element was infinite (written as null).
            guard a.count == elements.count, a.doubles.contains(where: { !$0.isFinite }) else {
                return ".numbers of \(a.count) came back as an .array of \(elements.count)"
            }
            lossy = true
            for i in 0..<a.count {
                if let difference = roundTripDifference(.number(a[i]), elements[i], lossy: &lossy) {
                    return "element \(i): \(difference)"
                }
            }
            return nil
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return "array count \(a.count) / \(b.count)" }
            for (x, y) in zip(a, b) {
                if let difference = roundTripDifference(x, y, lossy: &lossy) { return difference }
            }
            return nil
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return "object count \(a.count) / \(b.count)" }
            for (x, y) in zip(a.members, b.members) {
                guard x.key.utf8.elementsEqual(y.key.utf8) else { return "key \(fuzzShow(x.key.utf8)) / \(fuzzShow(y.key.utf8))" }
                if let difference = roundTripDifference(x.value, y.value, lossy: &lossy) { return difference }
            }
            return nil
        default:
            return "\(original.typeName) came back as \(again.typeName)"
        }
    }

    /// The array writers against each other and the float32 view against the Float writer.
    static func checkNumberWriters(_ value: JSONValue) {
        var arrays = 0
        visitNumberArrays(value) { numbers in
            arrays += 1
            guard arrays <= 4 else { return }
            // writeNumbers([Double]) (formats in chunks straight into the buffer) == one writeNumber per element.
            var fast = JSONWriter()
            fast.writeNumbers(numbers.doubles)
            var slow = JSONWriter()
            slow.beginArray()
            for d in numbers.doubles { slow.writeNumber(d) }
            slow.endArray()
            fuzzRequire(fast.bytes == slow.bytes, "writeNumbers([Double]) \(fuzzShow(fast.bytes)) != element-wise \(fuzzShow(slow.bytes))")

            // Float32 view, written as Floats, reads back as the same Floats.
            let floats = numbers.float32Values()
            var writer = JSONWriter()
            writer.writeNumbers(floats)
            var floatSlow = JSONWriter()
            floatSlow.beginArray()
            for f in floats { floatSlow.writeNumber(f) }
            floatSlow.endArray()
            fuzzRequire(writer.bytes == floatSlow.bytes, "writeNumbers([Float]) != element-wise writeNumber(Float)")
            let parsed: JSONValue
            do throws(JSONParseError) {
                parsed = try JSONParser.parse(writer.bytes, limits: limits)
            } catch {
                fuzzRequire(false, "Float array text does not parse: \(error.message): \(fuzzShow(writer.bytes))")
                return
            }
            if floats.allSatisfy(\.isFinite) {
                guard case .numbers(let back) = parsed, back.count == floats.count else {
                    fuzzRequire(false, "Float array came back as \(parsed.typeName)")
                    return
                }
                for i in 0..<floats.count where back.float32(at: i).bitPattern != floats[i].bitPattern {
                    fuzzRequire(false, "Float \(floats[i]) written as \(fuzzShow(writer.bytes, limit: 400)) reads back as float32 \(back.float32(at: i))")
                }
            } else {
                fuzzRequire(parsed.arrayValue?.count == floats.count, "Float array with infinities lost elements")
            }
        }
    }

    static func visitNumberArrays(_ value: JSONValue, _ body: (NumberArray) -> Void) {
        switch value {
        case .numbers(let numbers): body(numbers)
        case .array(let elements): for element in elements { visitNumberArrays(element, body) }
        case .object(let object): for member in object.members { visitNumberArrays(member.value, body) }
        default: break
        }
    }

    // MARK: Accessors

    static func checkAccessors(_ value: JSONValue) {
        _ = value.typeName
        _ = value.isNull
        switch value {
        case .number(let d):
            if let i = value.integerValue {
                fuzzRequire(Double(i) == d, "integerValue \(i) for \(d)")
            } else {
                fuzzRequire(!d.isFinite || d != d.rounded(.towardZero) || d >= 0x1p63 || d < -0x1p63, "integerValue nil for \(d)")
            }
            fuzzRequire(value.doubleValue.map { $0.bitPattern == d.bitPattern } ?? false, "doubleValue")
        case .numbers(let numbers):
            fuzzRequire(value.numbersValue == numbers, "numbersValue of .numbers")
            fuzzRequire(value.arrayValue?.count == numbers.count && numbers.isEmpty == (numbers.count == 0), "arrayValue of .numbers")
            fuzzRequire(value.typeName == "array", "typeName of .numbers")
        case .array(let elements):
            let allNumbers = elements.allSatisfy { if case .number = $0 { return true } else { return false } }
            fuzzRequire((value.numbersValue != nil) == allNumbers, "numbersValue of .array")
            fuzzRequire(value.arrayValue?.count == elements.count, "arrayValue of .array")
            for element in elements.prefix(64) { checkAccessors(element) }
        case .object(let object):
            fuzzRequire(object.keys.count == object.count && object.isEmpty == (object.count == 0), "object counts")
            for (i, member) in object.members.enumerated() {
                fuzzRequire(object.position(of: member.key) == i, "position of key \(i) in an object of \(object.count)")
                fuzzRequire(object.contains(member.key), "contains")
                fuzzRequire(value[member.key] == member.value, "subscript of key \(i)")
            }
            // Rebuilding the object member by member gives an equal object.
            var rebuilt = JSONObject()
            for member in object.members {
                fuzzRequire(rebuilt.append(key: member.key, value: member.value), "append refused a parsed key")
            }
            fuzzRequire(rebuilt == object, "rebuilt object differs")
            if let first = object.members.first {
                fuzzRequire(!rebuilt.append(key: first.key, value: .null), "append accepted a duplicate")
                rebuilt[first.key] = nil
                fuzzRequire(rebuilt.count == object.count - 1 && !rebuilt.contains(first.key), "removing a member")
                for (i, member) in rebuilt.members.enumerated() {
                    fuzzRequire(rebuilt.position(of: member.key) == i, "index stale after removal")
                }
            }
            for member in object.members.prefix(64) { checkAccessors(member.value) }
        case .string(let s):
            fuzzRequire(value.stringValue == s, "stringValue")
        case .bool(let b):
            fuzzRequire(value.boolValue == b, "boolValue")
        case .null:
            fuzzRequire(value.isNull, "isNull")
        }
    }
}
