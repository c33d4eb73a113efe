import Foundation
import Testing
@testable import OptdService

/// The route table on its own: exact paths, session ids, and what is not a route.
@Suite("Router")
struct RouterTests {
    @Test("each path of the table maps to its endpoint")
    func endpoints() {
        #expect(Router.match(method: "GET", path: "/healthz") == .endpoint(.health))
        #expect(Router.match(method: "GET", path: "/metrics") == .endpoint(.metrics))
        #expect(Router.match(method: "GET", path: "/openapi.yaml") == .endpoint(.openAPI))
        #expect(Router.match(method: "GET", path: "/v1/optimizers") == .endpoint(.optimizers))
        #expect(Router.match(method: "GET", path: "/v1/sessions") == .endpoint(.listSessions))
        #expect(Router.match(method: "POST", path: "/v1/sessions") == .endpoint(.createSession))
        #expect(Router.match(method: "GET", path: "/v1/sessions/ab12") == .endpoint(.getSession("ab12")))
        #expect(Router.match(method: "PATCH", path: "/v1/sessions/ab12") == .endpoint(.patchSession("ab12")))
        #expect(Router.match(method: "DELETE", path: "/v1/sessions/ab12") == .endpoint(.deleteSession("ab12")))
        #expect(Router.match(method: "POST", path: "/v1/sessions/ab12/step") == .endpoint(.step("ab12")))
        // HEAD goes where GET goes (the transport then leaves out the body).
        #expect(Router.match(method: "HEAD", path: "/healthz") == .endpoint(.health))
        #expect(Router.match(method: "HEAD", path: "/v1/sessions") == .endpoint(.listSessions))
        #expect(Router.match(method: "HEAD", path: "/v1/sessions/ab12") == .endpoint(.getSession("ab12")))
    }

    @Test("a known path with another method is 405 with the methods it takes, in table order")
    func wrongMethods() {
        #expect(Router.match(method: "PUT", path: "/v1/sessions") == .wrongMethod(allowed: ["GET", "HEAD", "POST"]))
        #expect(Router.match(method: "POST", path: "/v1/sessions/x") == .wrongMethod(allowed: ["GET", "HEAD", "PATCH", "DELETE"]))
        #expect(Router.match(method: "GET", path: "/v1/sessions/x/step") == .wrongMethod(allowed: ["POST"]))
        #expect(Router.match(method: "HEAD", path: "/v1/sessions/x/step") == .wrongMethod(allowed: ["POST"]))
        #expect(Router.match(method: "get", path: "/healthz") == .wrongMethod(allowed: ["GET", "HEAD"]))  // methods are case-sensitive
    }

    @Test("empty ids, trailing slashes, extra segments and near misses are 404", arguments: [
        "/", "", "/healthz/", "/v1", "/v1/", "/v1/sessions/", "/v1/sessions//step", "/v1/sessions/x/",
        "/v1/sessions/x/step/", "/v1/sessions/x/y/step", "/v1/sessions/x/stepx", "/v1/sessions/x/STEP",
        "/v1/session/x", "/v2/sessions", "/V1/sessions", "//v1/sessions", "/v1/optimizers/adam", "/metricsx",
    ])
    func notFound(path: String) {
        #expect(Router.match(method: "GET", path: path) == .notFound)
        #expect(Router.match(method: "POST", path: path) == .notFound)
    }

    @Test("a session id is taken verbatim, whatever its bytes")
    func ids() {
        #expect(Router.match(method: "GET", path: "/v1/sessions/%2e%2e") == .endpoint(.getSession("%2e%2e")))
        #expect(Router.match(method: "POST", path: "/v1/sessions/é/step") == .endpoint(.step("é")))
    }

    @Test("every template of the table routes somewhere")
    func tableIsRouted() {
        for (template, methods) in Router.table {
            let path = template.replacingOccurrences(of: "{id}", with: "0f")
            for method in methods {
                guard case .endpoint(let endpoint) = Router.match(method: method, path: path) else {
                    Issue.record("\(method) \(path) is not routed")
                    continue
                }
                #expect(endpoint.template == template)
            }
        }
    }
}
