import Foundation
import HTTP1
import Logging
@testable import OptdService
import Optimizers
import TensorJSON

/// Talks to an `OptimizerService` in-process, request by request, exactly as the transport
/// does (same `handle(_:respond:)`), without sockets.
struct ServiceHarness {
    let service: OptimizerService

    init(service: OptimizerService) { self.service = service }

    init(apiKey: String? = nil, memoryBudgetBytes: Int = 1 << 30, maxSessions: Int = 1000) {
        var logger = Logger(label: "optd-test")
        logger.logLevel = .critical
        service = OptimizerService(
            configuration: ServiceConfiguration(apiKey: apiKey, memoryBudgetBytes: memoryBudgetBytes, maxSessions: maxSessions,
                                                openAPIDocument: Array("openapi: 3.1.0\n".utf8)),
            logger: logger)
    }

    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) async -> HTTPResponse {
        let request = Self.request(method, path, headers: headers, body: body)
        return await withCheckedContinuation { continuation in
            service.handle(request) { continuation.resume(returning: $0) }
        }
    }

    /// The request the transport would hand the service.
    static func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) -> HTTPRequest {
        var h = HTTPHeaders(headers)
        h.add(name: "Host", value: "test")
        let parts = path.split(separator: "?", maxSplits: 1)
        var request = HTTPRequest(method: method, target: path, version: .http1_1, headers: h, body: body,
                                  bodyFraming: body.isEmpty ? BodyFraming.none : .contentLength(body.count))
        request.path = String(parts[0])
        request.query = parts.count > 1 ? String(parts[1]) : nil
        return request
    }

    func json(_ method: String, _ path: String, _ body: String, headers: [(String, String)] = []) async -> HTTPResponse {
        await send(method, path, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8))
    }

    /// Creates a session and returns its id (the test fails loudly if it cannot).
    func create(_ body: String) async throws -> String {
        let response = await json("POST", "/v1/sessions", body)
        guard response.status == 201 else { throw HarnessError("create failed: \(response.status) \(response.text)") }
        return try response.jsonValue()["id"]!.stringValue!
    }

    /// The exported document (params and every state buffer), as bytes.
    func export(_ id: String) async -> [UInt8] {
        await send("GET", "/v1/sessions/\(id)?include=state").body
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    func jsonValue() throws -> JSONValue { try JSONParser.parse(body) }
    var problemType: String? { (try? jsonValue())?["type"]?.stringValue }
    var problemField: String? { (try? jsonValue())?["field"]?.stringValue }
}

/// A golden vector read with optd's own JSON parser (tensor order preserved), as the bodies
/// a client would send.
struct VectorFile: Sendable, CustomStringConvertible {
    let name: String
    let document: JSONValue
    var description: String { name }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vectors")

    static func all() -> [VectorFile] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().map { file in
            let data = try! Data(contentsOf: directory.appendingPathComponent(file))
            return VectorFile(name: file, document: try! JSONParser.parse([UInt8](data)))
        }
    }

    var optimizer: String { document["optimizer"]!.stringValue! }
    var dtype: DType { DType(rawValue: document["dtype"]!.stringValue!)! }
    var steps: [JSONValue] { document["steps"]!.arrayValue! }
    var rtol: Double { document["tolerance"]!["rtol"]!.doubleValue! }
    var atol: Double { document["tolerance"]!["atol"]!.doubleValue! }

    /// The body that creates this vector's session.
    var createBody: String {
        var w = JSONWriter()
        w.beginObject()
        w.key("optimizer"); w.writeString(optimizer)
        w.key("hyperparameters"); w.write(document["hyperparameters"]!)
        w.key("dtype"); w.writeString(dtype.rawValue)
        w.key("params"); w.write(document["params"]!)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    func stepBody(_ i: Int) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.key("gradients"); w.write(steps[i]["gradients"]!)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Tensors flattened, as doubles: in `order` (tensor names) when given, else as written.
    static func flat(_ value: JSONValue, order: [String]? = nil) -> [Double] {
        switch value {
        case .numbers(let n): return n.doubles
        case .object(let o):
            return (order ?? o.keys).flatMap { o[$0].map { flat($0) } ?? [] }
        default: return []
        }
    }

    /// The session's tensor order: the order of `params` at creation.
    var tensorOrder: [String]? { document["params"]!.objectValue?.keys }

    /// Raw little-endian bytes of tensors in the vector's dtype.
    func raw(_ value: JSONValue) -> [UInt8] {
        let values = Self.flat(value, order: tensorOrder)
        var bytes: [UInt8] = []
        for v in values {
            if dtype == .float32 { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { bytes += $0 } }
            else { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        }
        return bytes
    }

    func decodeRaw(_ bytes: [UInt8]) -> [Double] {
        bytes.withUnsafeBytes { raw in
            dtype == .float32
                ? (0..<(raw.count / 4)).map { Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))) }
                : (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }

    /// JSON numbers read back in the vector's dtype.
    func inDType(_ values: [Double]) -> [Double] {
        dtype == .float32 ? values.map { Double(Float($0)) } : values
    }

    func mismatches(_ got: [Double], _ want: [Double]) -> [String] {
        guard got.count == want.count else { return ["\(got.count) values, want \(want.count)"] }
        return zip(got, want).enumerated().compactMap { i, p in abs(p.0 - p.1) <= atol + rtol * abs(p.1) ? nil : "[\(i)] \(p.0) vs \(p.1)" }
    }
}
