import HTTP1
import TensorJSON

/// An RFC 9457 problem document: every error optd returns is one.
///
///     {"type": "/problems/tensor-mismatch", "title": "Unprocessable Content", "status": 422,
///      "detail": "…", "field": "/gradients/weight"}
///
/// `field` is a JSON pointer into the request when one field is to blame; 409 and 412
/// problems carry `current_step`.
struct Problem: Error, Sendable {
    var status: Int
    /// The last segment of `type`: "/problems/<slug>".
    var slug: String
    var detail: String
    var field: String?
    var currentStep: Int?
    var headers: HTTPHeaders = HTTPHeaders()

    init(_ status: Int, _ slug: String, _ detail: String, field: String? = nil, currentStep: Int? = nil) {
        self.status = status
        self.slug = slug
        self.detail = detail
        self.field = field
        self.currentStep = currentStep
    }

    var response: HTTPResponse {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("type"); writer.writeString("/problems/\(slug)")
        writer.key("title"); writer.writeString(HTTPStatus.reasonPhrase(status))
        writer.key("status"); writer.writeNumber(status)
        writer.key("detail"); writer.writeString(detail)
        if let field { writer.key("field"); writer.writeString(field) }
        if let currentStep { writer.key("current_step"); writer.writeNumber(currentStep) }
        writer.endObject()
        var headers = self.headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/problem+json")
        return HTTPResponse(status: status, headers: headers, body: writer.bytes)
    }
}

extension Problem {
    static func invalid(_ field: String, _ detail: String, slug: String = "invalid-request") -> Problem {
        Problem(422, slug, detail, field: field)
    }

    static func malformedJSON(_ error: JSONParseError) -> Problem {
        Problem(400, "malformed-json", "the body is not valid JSON: \(error.message)")
    }

    static func sessionNotFound(_ id: String) -> Problem {
        Problem(404, "session-not-found", "no session '\(id)'; it may have been deleted")
    }
}

/// A JSON pointer (RFC 6901) built from segments, escaping `~` and `/`.
func jsonPointer(_ segments: [String]) -> String {
    segments.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
