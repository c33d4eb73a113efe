import Foundation
import Testing
import TensorJSON
@testable import OptdService

#if canImport(Glibc)
import Glibc
#endif

/// Malformed HTTP against the live server: each gets its status and a problem document, the
/// connection is closed, and the session's exported state is byte-identical afterwards.
@Suite("Raw HTTP against the live server", .serialized)
struct RawHTTPTests {
    static let cases: [(name: String, bytes: [UInt8], status: Int)] = [
        ("garbage bytes", Array("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\r\n\r\n".utf8), 400),
        ("oversized headers", Array(("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n").utf8), 431),
        ("Content-Length and Transfer-Encoding", Array("POST /v1/sessions/ID/step HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8), 400),
        ("duplicate Content-Length", Array("POST /v1/sessions/ID/step HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n{}{}".utf8), 400),
        ("obs-fold", Array("POST /v1/sessions/ID/step HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n folded\r\nContent-Length: 2\r\n\r\n{}".utf8), 400),
        ("body over the limit", Array("POST /v1/sessions/ID/step HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n".utf8), 413),
    ]

    @Test("malformed HTTP is refused with a problem and changes nothing")
    func malformed() async throws {
        let live = try LiveServer()
        let created = try await live.json("POST", "/v1/sessions", #"{"optimizer":"adam","params":{"w":[1,2,3]}}"#)
        let id = try JSONParser.parse(created.body)["id"]!.stringValue!
        _ = try await live.json("POST", "/v1/sessions/\(id)/step", #"{"gradients":{"w":[0.1,0.2,0.3]}}"#)
        let before = try await live.send("GET", "/v1/sessions/\(id)?include=state").body
        let port = Int(live.base.port!)

        for c in Self.cases {
            let request = Array(String(decoding: c.bytes, as: UTF8.self).replacingOccurrences(of: "/ID/", with: "/\(id)/").utf8)
            let reply = try RawConnection(port: port).exchange(request)
            #expect(reply.hasPrefix("HTTP/1.1 \(c.status) "), "\(c.name): \(reply.prefix(120))")
            #expect(reply.contains("application/problem+json"), "\(c.name)")
            #expect(reply.lowercased().contains("connection: close"), "\(c.name)")
        }
        // A client that disconnects in the middle of a step's body.
        let half = RawConnection(port: port)
        try half.send(Array("POST /v1/sessions/\(id)/step HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"gradients\":{\"w\":[9,".utf8))
        half.close()
        try await Task.sleep(for: .milliseconds(100))

        let after = try await live.send("GET", "/v1/sessions/\(id)?include=state").body
        #expect(after == before)
        await live.stop()
    }
}

/// HEAD on the live server: the GET's head, with its Content-Length, and no body.
@Suite("HEAD against the live server", .serialized)
struct HeadTests {
    @Test("every GET route answers HEAD with the GET's head and no body; other routes 405 with HEAD in Allow")
    func head() async throws {
        let live = try LiveServer()
        let created = try await live.json("POST", "/v1/sessions", #"{"optimizer":"adam","params":{"w":[1,2,3]}}"#)
        let id = try JSONParser.parse(created.body)["id"]!.stringValue!
        let port = Int(live.base.port!)
        for path in ["/healthz", "/v1/optimizers", "/v1/sessions", "/v1/sessions/\(id)"] {
            let get = try await live.send("GET", path)
            let reply = try RawConnection(port: port).exchange(Array("HEAD \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
            let parts = reply.components(separatedBy: "\r\n\r\n")
            #expect(reply.hasPrefix("HTTP/1.1 200 "), "HEAD \(path): \(reply.prefix(80))")
            #expect(parts.count == 2 && parts[1].isEmpty, "HEAD \(path) sent a body")
            #expect(parts[0].lowercased().contains("content-length: \(get.body.count)"), "HEAD \(path): \(parts[0])")
        }
        // The raw params (shared with the answer when large; here copied) and /metrics (whose
        // length changes from one request to the next): status, type and no body.
        let raw = try RawConnection(port: port).exchange(Array("HEAD /v1/sessions/\(id) HTTP/1.1\r\nHost: x\r\nAccept: application/octet-stream\r\nConnection: close\r\n\r\n".utf8))
        #expect(raw.hasPrefix("HTTP/1.1 200 ") && raw.contains("application/octet-stream") && raw.contains("Content-Length: 12\r\n"))
        #expect(raw.hasSuffix("\r\n\r\n"), "HEAD with Accept: application/octet-stream sent a body")
        let metrics = try RawConnection(port: port).exchange(Array("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(metrics.hasPrefix("HTTP/1.1 200 ") && metrics.hasSuffix("\r\n\r\n"))
        let refused = try RawConnection(port: port).exchange(Array("HEAD /v1/sessions/\(id)/step HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(refused.hasPrefix("HTTP/1.1 405 ") && refused.contains("Allow: POST"))
        let wrong = try RawConnection(port: port).exchange(Array("PUT /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(wrong.hasPrefix("HTTP/1.1 405 ") && wrong.contains("Allow: GET, HEAD"))
        await live.stop()
    }
}

/// A blocking loopback TCP connection with a receive timeout.
final class RawConnection {
    let fd: Int32

    init(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }  // the server may close early (e.g. 431 before the rest): fine
            sent += n
        }
    }

    /// Sends `bytes`, then reads until the server closes the connection.
    func exchange(_ bytes: [UInt8]) throws -> String {
        try send(bytes)
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            reply += buffer[0..<n]
        }
        close()
        return String(decoding: reply, as: UTF8.self)
    }

    func close() { Glibc.close(fd) }
}
