/// A JSON object: members in document order, with unique names.
///
/// The parser rejects a document that repeats a member name within one object
/// (RFC 8259 leaves that case undefined; here it is an error), so every `JSONObject`
/// has unique keys and `subscript(key)` is unambiguous.
public struct JSONObject: Sendable {
    /// Objects with more members than this keep a name → position index for lookups.
    static let indexThreshold = 12

    /// The members in document (or insertion) order.
    public private(set) var members: [(key: String, value: JSONValue)]
    /// Position of each key in `members`; built only for larger objects.
    var index: [String: Int]?

    /// An empty object.
    public init() {
        members = []
        index = nil
    }

    /// An object with the given members; a repeated key is a programmer error (precondition).
    public init(_ members: [(key: String, value: JSONValue)]) {
        self.init()
        self.members.reserveCapacity(members.count)
        for member in members {
            let added = append(key: member.key, value: member.value)
            precondition(added, "duplicate JSON object key '\(member.key)'")
        }
    }

    /// The member names in order.
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// Whether a member with this name exists.
    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// The value of the member named `key`, or nil. Setting a value replaces an existing
    /// member in place or appends a new one; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let i = position(of: key) {
                if let newValue {
                    members[i].value = newValue
                } else {
                    members.remove(at: i)
                    rebuildIndex()
                }
            } else if let newValue {
                _ = append(key: key, value: newValue)
            }
        }
    }

    /// Appends a member unless the key already exists; returns false (and changes nothing) on a duplicate.
    @discardableResult
    public mutating func append(key: String, value: JSONValue) -> Bool {
        if position(of: key) != nil { return false }
        members.append((key: key, value: value))
        if index != nil {
            index![key] = members.count - 1
        } else if members.count > Self.indexThreshold {
            rebuildIndex()
        }
        return true
    }

    /// The position of `key` in `members`.
    func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    mutating func rebuildIndex() {
        guard members.count > Self.indexThreshold else {
            index = nil
            return
        }
        var built = [String: Int](minimumCapacity: members.count)
        for (i, member) in members.enumerated() { built[member.key] = i }
        index = built
    }
}

extension JSONObject: Equatable {
    /// Objects are equal when they have the same members in the same order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object from a literal, members in literal order; repeated keys are a programmer error.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}

extension JSONObject {
    /// Appends a member whose key the caller has checked is new (the parser does so when it reads the key).
    mutating func appendUnique(key: String, value: JSONValue) {
        members.append((key: key, value: value))
        if index != nil {
            index![key] = members.count - 1
        } else if members.count > Self.indexThreshold {
            rebuildIndex()
        }
    }
}
