// An ordered list of header fields with ASCII case-insensitive name lookup.

/// Header fields in the order they were received or added. Names compare
/// case-insensitively (RFC 9110 §5.1); the parser stores names lowercased once, so
/// iteration over a parsed request yields lowercase names. Duplicates are kept as
/// separate entries; `values(for:)` returns all of them.
public struct HTTPHeaders: Sendable, Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (name: String, value: String)

    /// Stored as a struct, not a tuple: an array of tuples is destroyed through the
    /// runtime's generic tuple witness, which costs ~150 instructions per field.
    @usableFromInline
    struct Field: Sendable, Equatable {
        @usableFromInline var name: String
        @usableFromInline var value: String

        @inlinable
        init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    @usableFromInline
    var storage: [Field]

    public init() {
        storage = []
    }

    /// Empty, with room for `minimumCapacity` fields (a response that adds a few fields one by
    /// one would otherwise grow its storage at the first, second and third).
    public init(minimumCapacity: Int) {
        storage = []
        storage.reserveCapacity(minimumCapacity)
    }

    public init(_ fields: [(String, String)]) {
        storage = fields.map { Field(name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Internal fast path for the parser: fields already validated, names already lowercase.
    @inlinable
    init(validatedStorage: [Field]) {
        storage = validatedStorage
    }

    public var startIndex: Int { storage.startIndex }
    public var endIndex: Int { storage.endIndex }
    public subscript(position: Int) -> Element {
        let field = storage[position]
        return (name: field.name, value: field.value)
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        for field in storage where asciiCaseInsensitiveEqual(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of the field `name`, in order (not split on commas).
    public func values(for name: String) -> [String] {
        storage.lazy.filter { asciiCaseInsensitiveEqual($0.name, name) }.map(\.value)
    }

    public func contains(name: String) -> Bool {
        storage.contains { asciiCaseInsensitiveEqual($0.name, name) }
    }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        storage.append(Field(name: name, value: value))
    }

    /// Replaces the first field named `name` and removes the others; appends if absent.
    public mutating func replaceOrAdd(name: String, value: String) {
        if let first = storage.firstIndex(where: { asciiCaseInsensitiveEqual($0.name, name) }) {
            storage[first] = Field(name: name, value: value)
            var i = storage.index(after: first)
            while i < storage.endIndex {
                if asciiCaseInsensitiveEqual(storage[i].name, name) {
                    storage.remove(at: i)
                } else {
                    i += 1
                }
            }
        } else {
            storage.append(Field(name: name, value: value))
        }
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        storage.removeAll { asciiCaseInsensitiveEqual($0.name, name) }
    }

    public mutating func reserveCapacity(_ n: Int) {
        storage.reserveCapacity(n)
    }

    /// True when the comma-separated list in any `name` field contains `token`
    /// (ASCII case-insensitive, OWS around elements ignored; RFC 9110 §5.6.1).
    public func containsToken(_ token: String, in name: String) -> Bool {
        for field in storage where asciiCaseInsensitiveEqual(field.name, name) {
            var value = field.value
            var token = token
            let found = value.withUTF8 { v in
                token.withUTF8 { t in
                    var hit = false
                    forEachListElement(v) { element in
                        if !hit && asciiCaseInsensitiveEqual(element, t) { hit = true }
                    }
                    return hit
                }
            }
            if found { return true }
        }
        return false
    }

}
