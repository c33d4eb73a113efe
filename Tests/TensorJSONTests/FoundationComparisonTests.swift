import Foundation
import Testing
@testable import TensorJSON

/// The parser agrees with Foundation's JSONSerialization on an ordinary document.
@Suite struct FoundationComparisonTests {
    func same(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null: return theirs is NSNull
        case .bool(let b): return (theirs as? Bool) == b
        case .number(let d): return number(theirs) == d
        case .string(let s): return (theirs as? String) == s
        case .numbers(let n):
            guard let a = theirs as? [Any], a.count == n.count else { return false }
            return zip(n.doubles, a).allSatisfy { number($1) == $0 }
        case .array(let elements):
            guard let a = theirs as? [Any], a.count == elements.count else { return false }
            return zip(elements, a).allSatisfy { same($0, $1) }
        case .object(let object):
            guard let d = theirs as? [String: Any], d.count == object.count else { return false }
            return object.members.allSatisfy { member in d[member.key].map { same(member.value, $0) } ?? false }
        }
    }

    func number(_ value: Any) -> Double? {
        if let d = value as? Double { return d }
        if let i = value as? Int { return Double(i) }
        return (value as? NSNumber)?.doubleValue
    }

    @Test func agreesWithJSONSerialization() throws {
        let text = #"""
        {"optimizer": "adam", "lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-08, "amsgrad": false,
         "params": [0.125, -3.5e-07, 12, 0.30000001192092896, -0, 1e-38],
         "meta": {"name": "caf\u00e9 \ud83d\ude00", "tags": ["a", "b\n"], "none": null, "nested": [[1, 2], [3, [4]]]}}
        """#
        let ours = try JSONParser.parse(text)
        let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        #expect(same(ours, theirs))
    }
}
