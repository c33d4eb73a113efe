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
        case "/healthz": return pick(method, [("GET", .health)])
        case "/metrics": return pick(method, [("GET", .metrics)])
        case "/openapi.yaml": return pick(method, [("GET", .openAPI)])
        case "/v1/optimizers": return pick(method, [("GET", .optimizers)])
        case "/v1/sessions": return pick(method, [("GET", .listSessions), ("POST", .createSession)])
        default: break
        }
        let prefix = "/v1/sessions/".utf8
        let bytes = path.utf8
        guard bytes.starts(with: prefix) else { return .notFound }
        let rest = bytes.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else {
            guard !rest.isEmpty, let id = String(rest) else { return .notFound }
            return pick(method, [("GET", .getSession(id)), ("PATCH", .patchSession(id)), ("DELETE", .deleteSession(id))])
        }
        guard slash != rest.startIndex, rest[slash...].elementsEqual("/step".utf8), let id = String(rest[..<slash]) else {
            return .notFound
        }
        return pick(method, [("POST", .step(id))])
    }

    /// The endpoint for `method` among a path's options (listed GET, POST, PATCH, DELETE; HEAD
    /// goes where GET goes), or 405 with the methods the path takes.
    private static func pick(_ method: String, _ options: [(method: String, endpoint: Endpoint)]) -> RouteMatch {
        let wanted = method == "HEAD" ? "GET" : method
        for option in options where option.method == wanted { return .endpoint(option.endpoint) }
        return .wrongMethod(allowed: options.flatMap { $0.method == "GET" ? ["GET", "HEAD"] : [$0.method] })
    }
}
