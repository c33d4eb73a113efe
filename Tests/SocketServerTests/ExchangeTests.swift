// Requests and responses on healthy connections: methods, bodies, keep-alive, pipelining.

import HTTP1
import SocketServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every test in the module runs one at a time (timing-sensitive tests, fd counts).
@Suite(.serialized) struct SocketServerTests {}

extension SocketServerTests {
    @Suite struct Exchanges {
        @Test func simpleGet() async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                let response = try client.exchange("GET /hello?x=1 HTTP/1.1\r\n\(host)\r\n")
                #expect(response.status == 200)
                #expect(response.text == "GET /hello 0")
                #expect(response.header("Content-Length") == "12")
                #expect(response.header("Connection") == nil)
            }
        }

        @Test func postWithBody() async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                let response = try client.exchange(
                    "POST /echo HTTP/1.1\r\n\(host)Content-Length: 11\r\n\r\nhello world")
                #expect(response.status == 200)
                #expect(response.text == "hello world")
            }
        }

        @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
            try await withServer { server, port, _ in
                let client = try TestClient(port: port)
                for i in 0..<5 {
                    let response = try client.exchange("GET /r\(i) HTTP/1.1\r\n\(host)\r\n")
                    #expect(response.text == "GET /r\(i) 0")
                    #expect(response.header("Connection") == nil)
                }
                let body = [UInt8](repeating: 7, count: 100_000)
                try client.send(Array("POST /echo HTTP/1.1\r\n\(host)Content-Length: 100000\r\n\r\n".utf8) + body)
                #expect(try client.readResponse().body == body)
                #expect(server.openConnections == 1)
            }
        }

        @Test("shared payloads are sent as they are, small (copied next to the head) and large (queued)",
              arguments: [1000, 3 << 20])
        func sharedPayload(count: Int) async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                for _ in 0..<2 {  // and the connection stays usable after it
                    let response = try client.exchange("GET /shared?\(count) HTTP/1.1\r\n\(host)\r\n")
                    #expect(response.status == 200)
                    #expect(response.header("Content-Length") == String(count))
                    #expect(response.body == TestBytes.expected(count))
                }
                try client.send("HEAD /shared?\(count) HTTP/1.1\r\n\(host)\r\n")
                let head = try client.readResponse(bodyless: true)
                #expect(head.header("Content-Length") == String(count) && head.body.isEmpty)
                // Nothing of the body was sent: the next response follows the head directly.
                #expect(try client.exchange("GET /after HTTP/1.1\r\n\(host)\r\n").text == "GET /after 0")
            }
        }

        @Test func headOmitsTheBodyButKeepsItsLength() async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                try client.send("HEAD /thing HTTP/1.1\r\n\(host)\r\n")
                let head = try client.readResponse(bodyless: true)
                #expect(head.status == 200)
                #expect(head.header("Content-Length") == "13")  // "HEAD /thing 0"
                // The framing stays intact: the next response follows directly.
                #expect(try client.exchange("GET /thing HTTP/1.1\r\n\(host)\r\n").text == "GET /thing 0")
            }
        }

        @Test func aSecondRespondIsIgnored() async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                #expect(try client.exchange("GET /twice HTTP/1.1\r\n\(host)\r\n").text == "GET /twice 0")
                #expect(try client.exchange("GET /next HTTP/1.1\r\n\(host)\r\n").text == "GET /next 0")
            }
        }

        @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
            try await withServer { _, port, handler in
                let client = try TestClient(port: port)
                try client.send(
                    "GET /slow?300 HTTP/1.1\r\n\(host)\r\n"
                        + "POST /echo HTTP/1.1\r\n\(host)Content-Length: 3\r\n\r\nabc"
                        + "GET /last HTTP/1.1\r\n\(host)\r\n")
                #expect(try client.readResponse().text == "GET /slow 0")
                #expect(try client.readResponse().text == "abc")
                #expect(try client.readResponse().text == "GET /last 0")
                #expect(handler.paths == ["/slow", "/echo", "/last"])
                // The second request reached the handler only after the first was answered.
                let slow = try #require(handler.callInstant("/slow"))
                let echo = try #require(handler.callInstant("/echo"))
                #expect(echo - slow >= .milliseconds(250))
            }
        }

        @Test func connectionCloseIsHonoured() async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                let response = try client.exchange("GET /bye HTTP/1.1\r\n\(host)Connection: close\r\n\r\n")
                #expect(response.status == 200)
                #expect(response.header("Connection") == "close")
                #expect(try client.waitForClose(timeout: .seconds(2)))
            }
        }

        @Test func http10ClosesUnlessKeepAliveIsAsked() async throws {
            try await withServer { _, port, _ in
                let plain = try TestClient(port: port)
                let first = try plain.exchange("GET /old HTTP/1.0\r\n\r\n")
                #expect(first.text == "GET /old 0")
                #expect(first.header("Connection") == "close")
                #expect(try plain.waitForClose(timeout: .seconds(2)))

                let persistent = try TestClient(port: port)
                for _ in 0..<2 {
                    let response = try persistent.exchange("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                    #expect(response.text == "GET /old 0")
                    #expect(response.header("Connection") == "keep-alive")
                }
            }
        }

        @Test func expectContinueGets100BeforeTheBody() async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\n\(host)Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                let interim = try client.readResponse()
                #expect(interim.status == 100)
                #expect(interim.reason == "Continue")
                try client.send("12345")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "12345")
            }
        }

        @Test func chunkedRequestBodyIsDecoded() async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                try client.send("6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "hello world")
            }
        }

        @Test func fiftyMegabyteBodyRoundTrip() async throws {
            try await withServer { _, port, _ in
                // 50 MiB: a 1 MiB pseudo-random block, each copy tagged with its index.
                var block = [UInt8](repeating: 0, count: 1 << 20)
                var x: UInt32 = 2_463_534_242
                for i in 0..<block.count {
                    x ^= x << 13; x ^= x >> 17; x ^= x << 5
                    block[i] = UInt8(truncatingIfNeeded: x)
                }
                var body: [UInt8] = []
                body.reserveCapacity(50 << 20)
                for copy in 0..<50 {
                    block[0] = UInt8(copy)
                    body.append(contentsOf: block)
                }
                let client = try TestClient(port: port, timeout: .seconds(5))
                try client.send(Array("POST /echo HTTP/1.1\r\n\(host)Content-Length: \(body.count)\r\n\r\n".utf8))
                try client.send(body)
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.body.count == body.count)
                let same = response.body.withUnsafeBytes { a in
                    body.withUnsafeBytes { b in a.count == b.count && memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
                }
                #expect(same)
                // The connection is still usable afterwards.
                #expect(try client.exchange("GET /after HTTP/1.1\r\n\(host)\r\n").text == "GET /after 0")
            }
        }

        @Test func bindsDualStackAndLocalhost() async throws {
            for hostName in ["::", "localhost", "0.0.0.0"] {
                let server = HTTPServer(
                    configuration: ServerConfiguration(host: hostName, port: 0), handler: TestHandler())
                let port = try server.start()
                let client = try TestClient(port: port)  // always 127.0.0.1
                #expect(try client.exchange("GET /\(hostName.count) HTTP/1.1\r\n\(host)\r\n").status == 200)
                client.close()
                await server.shutdown(gracePeriod: .milliseconds(200))
            }
        }

        @Test func startingTwiceOrOnAPortInUseThrows() async throws {
            try await withServer { server, port, _ in
                #expect(throws: SocketError.self) { _ = try server.start() }
                let other = HTTPServer(configuration: ServerConfiguration(host: "127.0.0.1", port: port), handler: TestHandler())
                #expect(throws: SocketError.self) { _ = try other.start() }
                await other.shutdown(gracePeriod: .zero)
            }
        }
    }
}
