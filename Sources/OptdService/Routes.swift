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

    static func match(method: String, path: String) -> RouteMatch {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        // "HEAD" is answered like GET without a body? Not offered: the contract lists none.
        switch (parts.count, parts.first) {
        case (1, "healthz"): return pick(method, ["GET": .health])
        case (1, "metrics"): return pick(method, ["GET": .metrics])
        case (1, "openapi.yaml"): return pick(method, ["GET": .openAPI])
        case (2, "v1") where parts.last == "optimizers": return pick(method, ["GET": .optimizers])
        case (2, "v1") where parts.last == "sessions": return pick(method, ["GET": .listSessions, "POST": .createSession])
        case (3, "v1") where parts[parts.startIndex + 1] == "sessions":
            let id = String(parts[parts.startIndex + 2])
            guard !id.isEmpty else { return .notFound }
            return pick(method, ["GET": .getSession(id), "PATCH": .patchSession(id), "DELETE": .deleteSession(id)])
        case (4, "v1") where parts[parts.startIndex + 1] == "sessions" && parts.last == "step":
            let id = String(parts[parts.startIndex + 2])
            guard !id.isEmpty else { return .notFound }
            return pick(method, ["POST": .step(id)])
        default:
            return .notFound
        }
    }

    private static func pick(_ method: String, _ options: [String: Endpoint]) -> RouteMatch {
        if let endpoint = options[method] { return .endpoint(endpoint) }
        let order = ["GET", "POST", "PATCH", "DELETE"]
        return .wrongMethod(allowed: order.filter { options[$0] != nil })
    }
}
