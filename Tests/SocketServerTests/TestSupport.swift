// The handler the tests serve, and helpers to run a server for the length of a test.

import Dispatch
import HTTP1
import SocketServer
import Synchronization

/// Routes:
/// - `/echo`: the request body back.
/// - `/slow?<ms>`: answers after `ms` milliseconds (default 300) from another thread.
/// - `/never`: never answers.
/// - `/twice`: answers twice (the second call must be ignored).
/// - `/shared?<n>`: `n` bytes (i % 251) as a shared payload (`SharedBytes`), not an array.
/// - anything else: `"<METHOD> <path> <body length>"`.
/// Every call is recorded with the instant it was made.
final class TestHandler: HTTPHandler {
    private let calls = Mutex<[(path: String, at: ContinuousClock.Instant)]>([])

    func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        let now = ContinuousClock.now
        calls.withLock { $0.append((request.path, now)) }
        let summary = HTTPResponse(
            status: 200, headers: ["Content-Type": "text/plain"],
            body: Array("\(request.method) \(request.path) \(request.body.count)".utf8))
        switch request.path {
        case "/echo":
            respond(HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body))
        case "/slow":
            let delay = Int(request.query ?? "") ?? 300
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) { respond(summary) }
        case "/shared":
            let payload = TestBytes(count: Int(request.query ?? "") ?? 0)
            respond(HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], payload: .shared(payload)))
        case "/never":
            return
        case "/twice":
            respond(summary)
            respond(HTTPResponse(status: 500))
        default:
            respond(summary)
        }
    }

    /// Paths handled so far, in call order.
    var paths: [String] { calls.withLock { $0.map(\.path) } }

    /// When `path` was first handled.
    func callInstant(_ path: String) -> ContinuousClock.Instant? {
        calls.withLock { $0.first { $0.path == path }?.at }
    }
}

/// Bytes owned by an object, as a session lends its params to an answer.
final class TestBytes: SharedBytes, @unchecked Sendable {  // written once, in init
    let storage: UnsafeMutableRawBufferPointer

    init(count: Int) {
        storage = .allocate(byteCount: count, alignment: 64)
        for i in 0..<count { storage[i] = UInt8(i % 251) }
    }

    deinit { storage.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }

    static func expected(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 251) } }
}

extension ServerConfiguration {
    /// 127.0.0.1, an ephemeral port, defaults otherwise.
    static func test(
        limits: HTTPLimits = .default,
        lifecycle: ConnectionLifecycle.Configuration = ConnectionLifecycle.Configuration(),
        maxConnections: Int = 1024
    ) -> ServerConfiguration {
        ServerConfiguration(host: "127.0.0.1", port: 0, limits: limits, lifecycle: lifecycle, maxConnections: maxConnections)
    }
}

/// Starts a server, runs `body` with it, and always shuts it down.
func withServer(
    _ configuration: ServerConfiguration = .test(),
    handler: TestHandler = TestHandler(),
    _ body: (HTTPServer, Int, TestHandler) async throws -> Void
) async throws {
    let server = HTTPServer(configuration: configuration, handler: handler)
    let port = try server.start()
    do {
        try await body(server, port, handler)
    } catch {
        await server.shutdown(gracePeriod: .milliseconds(200))
        throw error
    }
    await server.shutdown(gracePeriod: .milliseconds(200))
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(2), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Runs blocking client code on a Dispatch thread, so the cooperative pool stays free.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}

let host = "Host: 127.0.0.1\r\n"
