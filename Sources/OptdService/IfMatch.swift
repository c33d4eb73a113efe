/// An `If-Match` precondition (RFC 9110 §13.1.1) against a session's ETag `"<step>"`:
/// `*` matches any existing session; otherwise one of the listed entity-tags must equal the
/// current one under strong comparison, so a weak tag (`W/"3"`) never matches.
struct IfMatch: Sendable, Equatable {
    private let any: Bool
    private let steps: Set<Int>

    init(header value: String) throws(Problem) {
        let text = value.trimmingWhitespace()
        if text == "*" {
            any = true
            steps = []
            return
        }
        var steps: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            var tag = part.trimmingWhitespace()
            var weak = false
            if tag.hasPrefix("W/") { weak = true; tag.removeFirst(2) }
            guard tag.count >= 2, tag.first == "\"", tag.last == "\"", !tag.dropFirst().dropLast().contains("\"") else {
                throw Problem(400, "invalid-header", "If-Match must be * or entity-tags like \"12\"; got \(value)")
            }
            if !weak, let step = Int(tag.dropFirst().dropLast()), step >= 0 { steps.insert(step) }
        }
        any = false
        self.steps = steps
    }

    func matches(step: Int) -> Bool { any || steps.contains(step) }
}
