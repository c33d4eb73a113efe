/// Appends JSON text to a byte array.
///
/// Commas are inserted automatically: write values one after another inside `beginArray()`
/// / `endArray()`, and `key(_:)` + value pairs inside `beginObject()` / `endObject()`.
/// The writer does not check that calls are balanced or that keys are unique; that is the
/// caller's job.
///
/// ```
/// var writer = JSONWriter()
/// writer.beginObject()
/// writer.key("step"); writer.writeNumber(3)
/// writer.key("params"); writer.writeNumbers(floats)   // buffer of Float
/// writer.endObject()
/// send(writer.bytes)
/// ```
///
/// Numbers are written in the shortest form that reads back as exactly the same Float or
/// Double. JSON has no NaN or infinity: a non-finite number is written as `null`, so callers
/// that must reject such values should check before writing.
public struct JSONWriter: Sendable {
    /// The text written so far (UTF-8).
    public var bytes: [UInt8]
    /// Whether the next value or key at the current level needs a preceding comma.
    var needsComma = false

    /// An empty writer.
    public init() {
        bytes = []
    }

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Ensures room for at least `minimumCapacity` bytes in total.
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        bytes.reserveCapacity(minimumCapacity)
    }

    /// Writes the comma before a value when needed and marks that a value follows.
    @inline(__always)
    mutating func beginValue() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    /// Writes `null`.
    public mutating func writeNull() {
        beginValue()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Writes `true` or `false`.
    public mutating func writeBool(_ value: Bool) {
        beginValue()
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    /// Writes `{`.
    public mutating func beginObject() {
        beginValue()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Writes a member name and `:`; write its value next.
    public mutating func key(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes `}`.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Writes `[`.
    public mutating func beginArray() {
        beginValue()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Writes `]`.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes any value (recursively; nesting depth is the caller's concern).
    /// `.numbers` arrays are written as Doubles.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: writeNull()
        case .bool(let b): writeBool(b)
        case .number(let d): writeNumber(d)
        case .string(let s): writeString(s)
        case .numbers(let numbers): writeNumbers(numbers.doubles)
        case .array(let elements):
            beginArray()
            for element in elements { write(element) }
            endArray()
        case .object(let object):
            beginObject()
            for member in object.members {
                key(member.key)
                write(member.value)
            }
            endObject()
        }
    }
}
