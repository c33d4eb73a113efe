import HTTP1

/// Every route optd answers: a fixed table from (method, path shape) to an endpoint.
enum Endpoint: Sendable, Equatable {
    case health, metrics, openAPI, optimizers
    case createSession, listSessions
    case getSession(String), patchSession(String), deleteSession(String)
    case step(String)

    /// The route's template, for metrics and logs (the session id is not a label).
    var template: String {
        switch self {
        case .health: return "/healthz"
        case .metrics: return "/metrics"
        case .openAPI: return "/openapi.yaml"
        case .optimizers: return "/v1/optimizers"
        case .createSession, .listSessions: return "/v1/sessions"
        case .getSession, .patchSession, .deleteSession: return "/v1/sessions/{id}"
        case .step: return "/v1/sessions/{id}/step"
        }
    }

    var sessionID: String? {
        switch self {
        case let .getSession(id), let .patchSession(id), let .deleteSession(id), let .step(id): return id
        default: return nil
        }
    }

    /// Whether the API key guards it: every /v1 route.
    var needsAPIKey: Bool { template.hasPrefix("/v1/") }
}

enum RouteMatch: Equatable {
    case endpoint(Endpoint)
    /// The path exists but not for this method: 405 with these methods in `Allow`.
    case wrongMethod(allowed: [String])
    case notFound
}

enum Router {
    /// The path templates and the methods each takes — also what openapi.yaml must list.
    static let table: [(template: String, methods: [String])] = [
        ("/healthz", ["GET"]),
        ("/metrics", ["GET"]),
        ("/openapi.yaml", ["GET"]),
        ("/v1/optimizers", ["GET"]),
        ("/v1/sessions", ["GET", "POST"]),
        ("/v1/sessions/{id}", ["GET", "PATCH", "DELETE"]),
        ("/v1/sessions/{id}/step", ["POST"]),
    ]

    /// Matches on the path's bytes: no splitting or allocation on the way to a step.
    static func match(method: String, path: String) -> RouteMatch {
        // Every GET route also answers HEAD (RFC 9110 §9.1: general-purpose servers support
        // both): the handler runs the GET, and the transport sends its head without the body.
        switch path {
        case "/healthz": return pick(method, get: .health)
        case "/metrics": return pick(method, get: .metrics)
        case "/openapi.yaml": return pick(method, get: .openAPI)
        case "/v1/optimizers": return pick(method, get: .optimizers)
        case "/v1/sessions": return pick(method, get: .listSessions, post: .createSession)
        default: break
        }
        let prefix = "/v1/sessions/".utf8
        let bytes = path.utf8
        guard bytes.starts(with: prefix) else { return .notFound }
        let rest = bytes.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else {
            guard !rest.isEmpty, let id = String(rest) else { return .notFound }
            return pick(method, get: .getSession(id), patch: .patchSession(id), delete: .deleteSession(id))
        }
        guard slash != rest.startIndex, rest[slash...].elementsEqual("/step".utf8), let id = String(rest[..<slash]) else {
            return .notFound
        }
        return pick(method, post: .step(id))
    }

    /// The endpoint a path has for `method` (HEAD goes where GET goes), or 405 with the
    /// methods the path takes. Arguments, not a list: a list would be allocated per request.
    private static func pick(_ method: String, get: Endpoint? = nil, post: Endpoint? = nil, patch: Endpoint? = nil,
                             delete: Endpoint? = nil) -> RouteMatch {
        let found: Endpoint?
        switch method {
        case "GET", "HEAD": found = get
        case "POST": found = post
        case "PATCH": found = patch
        case "DELETE": found = delete
        default: found = nil
        }
        if let found { return .endpoint(found) }
        var allowed: [String] = []
        if get != nil { allowed += ["GET", "HEAD"] }
        if post != nil { allowed.append("POST") }
        if patch != nil { allowed.append("PATCH") }
        if delete != nil { allowed.append("DELETE") }
        return .wrongMethod(allowed: allowed)
    }
}
