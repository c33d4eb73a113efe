import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTP1
import Logging
@testable import OptdService
import SocketServer

/// The real server — the transport and the service — on an ephemeral loopback port,
/// talked to through URLSession (libcurl) like any client would.
final class LiveServer: @unchecked Sendable {
    let server: HTTPServer
    let service: OptimizerService
    let base: URL
    let session: URLSession

    init(apiKey: String? = nil) throws {
        var logger = Logger(label: "optd-live-test")
        logger.logLevel = .critical
        service = OptimizerService(configuration: ServiceConfiguration(apiKey: apiKey, memoryBudgetBytes: 1 << 30), logger: logger)
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        server = HTTPServer(configuration: configuration, handler: service)
        let port = try server.start()
        base = URL(string: "http://127.0.0.1:\(port)")!
        let urlConfiguration = URLSessionConfiguration.ephemeral
        urlConfiguration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: urlConfiguration)
    }

    func stop() async {
        session.invalidateAndCancel()
        await server.shutdown(gracePeriod: .seconds(5))
    }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        return Reply(status: http.statusCode, headers: fields, body: [UInt8](data))
    }

    func json(_ method: String, _ path: String, _ body: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send(method, path, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: Array(body.utf8))
    }
}
