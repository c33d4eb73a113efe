extension JSONValue: Equatable {
    /// Structural equality. An array is equal whether stored as `.numbers` or as an `.array`
    /// of `.number` elements (so `[]` equals `[]` either way); numbers compare with `==`
    /// (so `0` equals `-0`). Float32 corrections of `.numbers` take part only when both sides are `.numbers`.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.numbers(let a), .numbers(let b)): return a == b
        case (.numbers(let a), .array(let b)), (.array(let b), .numbers(let a)):
            return a.count == b.count && zip(a.doubles, b).allSatisfy { $1 == .number($0) }
        default: return false
        }
    }
}
