/// An object being parsed: the members so far and the key whose value comes next.
struct ObjectFrame {
    var object: JSONObject
    var key: String
}

extension JSONScanner {
    /// Parses the whole input as one JSON value, with an explicit stack of open containers.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        var arrays: [[JSONValue]] = []
        var objects: [ObjectFrame] = []
        var openIsObject: [Bool] = []  // innermost last
        var value: JSONValue

        skipWhitespace()
        nextValue: while true {
            // `pos` is at the first byte of a value.
            switch byte(at: pos) {
            case UInt8(ascii: "{"):
                try checkDepth(openIsObject.count + 1)
                pos += 1
                skipWhitespace()
                if byte(at: pos) == UInt8(ascii: "}") {
                    pos += 1
                    value = .object(JSONObject())
                } else {
                    let empty = JSONObject()
                    let key = try scanMemberName(in: empty, afterComma: false)
                    objects.append(ObjectFrame(object: empty, key: key))
                    openIsObject.append(true)
                    continue nextValue
                }
            case UInt8(ascii: "["):
                try checkDepth(openIsObject.count + 1)
                pos += 1
                skipWhitespace()
                let first = byte(at: pos)
                if first == UInt8(ascii: "]") {
                    pos += 1
                    value = .numbers(NumberArray())
                } else if isDigit(first) || first == UInt8(ascii: "-") {
                    switch try scanNumberArray() {
                    case .complete(let numbers):
                        value = .numbers(numbers)
                    case .interrupted(let doubles):
                        arrays.append(doubles.map { .number($0) })
                        openIsObject.append(false)
                        continue nextValue
                    }
                } else {
                    arrays.append([])
                    openIsObject.append(false)
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                value = .string(try scanString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try scanNumber())
            case UInt8(ascii: "t"):
                try scanLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try scanLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try scanLiteral("null")
                value = .null
            case UInt8(ascii: "+"):
                throw failure(at: pos, "unexpected character '+'", "JSON numbers cannot start with '+'")
            case 0xEF where byte(at: pos + 1) == 0xBB && byte(at: pos + 2) == 0xBF:
                throw failure(at: pos, "unexpected byte order mark", "JSON text must not start with one")
            default:
                throw unexpected(at: pos, expected: "a JSON value")
            }

            // Add `value` to the innermost open container; close containers that end here.
            while let isObject = openIsObject.last {
                skipWhitespace()
                let c = byte(at: pos)
                if isObject {
                    let top = objects.count - 1
                    objects[top].object.appendUnique(key: objects[top].key, value: value)
                    if c == UInt8(ascii: ",") {
                        pos += 1
                        skipWhitespace()
                        objects[top].key = try scanMemberName(in: objects[top].object, afterComma: true)
                        continue nextValue
                    }
                    guard c == UInt8(ascii: "}") else {
                        throw unexpected(at: pos, expected: "',' or '}' after an object member")
                    }
                    pos += 1
                    value = .object(objects.removeLast().object)
                } else {
                    arrays[arrays.count - 1].append(value)
                    arrayElements += 1
                    if arrayElements > limits.maxArrayElements { throw arrayTooLong(at: pos) }
                    if c == UInt8(ascii: ",") {
                        pos += 1
                        skipWhitespace()
                        if byte(at: pos) == UInt8(ascii: "]") { throw trailingComma(at: pos) }
                        continue nextValue
                    }
                    guard c == UInt8(ascii: "]") else {
                        throw unexpected(at: pos, expected: "',' or ']' after an array element")
                    }
                    pos += 1
                    value = .array(arrays.removeLast())
                }
                openIsObject.removeLast()
            }
            skipWhitespace()
            if pos < end {
                throw failure(at: pos, "unexpected \(describe(at: pos))", "only whitespace may follow the JSON value")
            }
            return value
        }
    }

    /// Throws if opening a container at nesting `depth` exceeds the limit.
    private func checkDepth(_ depth: Int) throws(JSONParseError) {
        if depth > limits.maxDepth {
            throw failure(at: pos, "nesting too deep", "at most \(limits.maxDepth) levels of arrays and objects are allowed")
        }
    }

    /// Scans `"name"` and the `:` after it (with whitespace); rejects a name already in `object`.
    private mutating func scanMemberName(in object: JSONObject, afterComma: Bool) throws(JSONParseError) -> String {
        let start = pos
        guard byte(at: pos) == UInt8(ascii: "\"") else {
            if afterComma && byte(at: pos) == UInt8(ascii: "}") { throw trailingComma(at: pos) }
            throw unexpected(at: pos, expected: afterComma ? "a member name in double quotes" : "a member name in double quotes or '}'")
        }
        let key = try scanString()
        if object.position(of: key) != nil {
            throw failure(at: start, "duplicate member name \(quoted(key))", "names within an object must be unique")
        }
        skipWhitespace()
        guard byte(at: pos) == UInt8(ascii: ":") else {
            throw unexpected(at: pos, expected: "':' after a member name")
        }
        pos += 1
        skipWhitespace()
        return key
    }

    /// Scans the literal `word` (true, false or null) at `pos`.
    private mutating func scanLiteral(_ word: StaticString) throws(JSONParseError) {
        let length = word.utf8CodeUnitCount
        let text = word.utf8Start
        for i in 0..<length where byte(at: pos + i) != text[i] {
            if looksNonFinite(at: pos) { throw unexpected(at: pos, expected: "") }
            throw failure(at: pos, "invalid literal", "expected '\(word)'")
        }
        pos += length
    }

    /// A member name for messages: quoted, shortened if long.
    private func quoted(_ key: String) -> String {
        let shown = key.count > 40 ? String(key.prefix(40)) + "..." : key
        return "'\(shown)'"
    }
}
