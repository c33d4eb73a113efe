/// Typed views for request handlers: each returns nil when the value has another type.
extension JSONValue {
    /// The JSON type name for error messages: "object", "array", "number", "string", "boolean" or "null".
    /// `.numbers` is an "array".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array, .numbers: "array"
        case .object: "object"
        }
    }

    /// Whether the value is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The object, if this is one.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    /// The number, if this is one.
    public var doubleValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The number if it is an integer that fits in `Int` (`3`, `3.0` and `3e0` all qualify), else nil.
    public var integerValue: Int? {
        guard case .number(let number) = self, number == number.rounded(.towardZero),
              number >= -9_223_372_036_854_775_808.0, number < 9_223_372_036_854_775_808.0
        else { return nil }
        return Int(number)
    }

    /// The elements of an array of numbers (including `[]`). An `.array` built in code whose
    /// elements are all `.number` is converted (without float32 corrections); otherwise nil.
    public var numbersValue: NumberArray? {
        switch self {
        case .numbers(let numbers):
            return numbers
        case .array(let elements):
            var doubles: [Double] = []
            doubles.reserveCapacity(elements.count)
            for element in elements {
                guard case .number(let d) = element else { return nil }
                doubles.append(d)
            }
            return NumberArray(doubles: doubles)
        default:
            return nil
        }
    }

    /// The elements of any array; a `.numbers` array is expanded into `.number` elements.
    public var arrayValue: [JSONValue]? {
        switch self {
        case .array(let elements): elements
        case .numbers(let numbers): numbers.doubles.map { .number($0) }
        default: nil
        }
    }

    /// The member `key` of an object; nil if absent or if this is not an object.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}
