// Timeouts, the connection cap, and clients that vanish.

import HTTP1
import SocketServer
import Testing

/// Short timeouts so the tests stay fast: 300 ms everywhere.
private let shortTimeouts = ConnectionLifecycle.Configuration(
    idleTimeout: .milliseconds(300), headerTimeout: .milliseconds(300), bodyTimeout: .milliseconds(300))

extension SocketServerTests {
    @Suite struct TimeoutsAndLimits {
        @Test func stalledClientsDoNotDelayOthersAndAreClosedAfterTheHeaderTimeout() async throws {
            let lifecycle = ConnectionLifecycle.Configuration(
                idleTimeout: .seconds(5), headerTimeout: .milliseconds(300), bodyTimeout: .milliseconds(300))
            try await withServer(.test(lifecycle: lifecycle)) { server, port, _ in
                let start = ContinuousClock.now
                var stalled: [TestClient] = []
                for _ in 0..<50 {
                    let client = try TestClient(port: port)
                    try client.send("GET /stal")  // half a request line, then nothing
                    stalled.append(client)
                }
                #expect(await eventually { server.openConnections == 50 })

                // Another client is served promptly meanwhile.
                let healthy = try TestClient(port: port)
                for i in 0..<10 {
                    let sent = ContinuousClock.now
                    #expect(try healthy.exchange("GET /ok\(i) HTTP/1.1\r\n\(host)\r\n").status == 200)
                    #expect(ContinuousClock.now - sent < .milliseconds(200))
                }

                // All stalled ones are closed by the server after ~300 ms (plus one tick).
                for client in stalled {
                    #expect(try client.waitForClose(timeout: .seconds(2)))
                }
                let elapsed = ContinuousClock.now - start
                #expect(elapsed >= .milliseconds(280))
                #expect(elapsed < .seconds(2))
                // The healthy connection, idle for far less than 5 s, is still open.
                #expect(await eventually { server.openConnections == 1 })
                #expect(try healthy.exchange("GET /still HTTP/1.1\r\n\(host)\r\n").status == 200)
            }
        }

        @Test func slowBodyIsClosedAfterTheBodyTimeout() async throws {
            try await withServer(.test(lifecycle: shortTimeouts)) { _, port, handler in
                let client = try TestClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\n\(host)Content-Length: 100000\r\n\r\n0123456789")
                let start = ContinuousClock.now
                #expect(try client.waitForClose(timeout: .seconds(2)))
                #expect(ContinuousClock.now - start >= .milliseconds(250))
                #expect(handler.paths.isEmpty)
            }
        }

        @Test func idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
            try await withServer(.test(lifecycle: shortTimeouts)) { server, port, _ in
                let client = try TestClient(port: port)
                #expect(try client.exchange("GET /once HTTP/1.1\r\n\(host)\r\n").status == 200)
                let start = ContinuousClock.now
                #expect(try client.waitForClose(timeout: .seconds(2)))
                let waited = ContinuousClock.now - start
                #expect(waited >= .milliseconds(250))
                #expect(waited < .milliseconds(1500))
                #expect(await eventually { server.openConnections == 0 })
            }
        }

        @Test func slowHandlerTimeIsNotChargedToTheClient() async throws {
            // The handler takes longer than every timeout; the response still arrives.
            try await withServer(.test(lifecycle: shortTimeouts)) { _, port, _ in
                let client = try TestClient(port: port)
                #expect(try client.exchange("GET /slow?600 HTTP/1.1\r\n\(host)\r\n").text == "GET /slow 0")
                #expect(try client.exchange("GET /again HTTP/1.1\r\n\(host)\r\n").status == 200)
            }
        }

        @Test func maxConnectionsIsEnforcedWith503() async throws {
            try await withServer(.test(maxConnections: 2)) { server, port, _ in
                let first = try TestClient(port: port)
                let second = try TestClient(port: port)
                #expect(try first.exchange("GET /1 HTTP/1.1\r\n\(host)\r\n").status == 200)
                #expect(try second.exchange("GET /2 HTTP/1.1\r\n\(host)\r\n").status == 200)

                let third = try TestClient(port: port)
                let rejected = try third.readResponse()
                #expect(rejected.status == 503)
                #expect(rejected.header("Connection") == "close")
                #expect(rejected.header("Content-Type") == "application/problem+json")
                #expect(rejected.text.hasPrefix(
                    "{\"type\":\"/problems/too-many-connections\",\"title\":\"Service Unavailable\",\"status\":503"))
                #expect(try third.waitForClose(timeout: .seconds(2)))
                #expect(server.openConnections == 2)

                // A freed slot is usable again.
                first.close()
                #expect(await eventually { server.openConnections == 1 })
                let fourth = try TestClient(port: port)
                #expect(try fourth.exchange("GET /4 HTTP/1.1\r\n\(host)\r\n").status == 200)
            }
        }

        @Test func clientDisconnectingMidBodyNeverReachesTheHandler() async throws {
            try await withServer { server, port, handler in
                let quitter = try TestClient(port: port)
                try quitter.send("POST /midbody HTTP/1.1\r\n\(host)Content-Length: 1000\r\n\r\n0123456789")
                #expect(await eventually { server.openConnections == 1 })
                quitter.close()
                let resetter = try TestClient(port: port)
                try resetter.send("POST /midbody HTTP/1.1\r\n\(host)Content-Length: 1000\r\n\r\n0123456789")
                resetter.reset()
                #expect(await eventually { server.openConnections == 0 })
                #expect(handler.paths.isEmpty)
            }
        }

        @Test func clientDisconnectingWhileInTheHandlerIsHarmless() async throws {
            try await withServer { server, port, handler in
                for _ in 0..<3 {
                    let client = try TestClient(port: port)
                    try client.send("GET /slow?150 HTTP/1.1\r\n\(host)\r\n")
                    #expect(await eventually { handler.paths.count > 0 })
                    client.reset()
                }
                let gone = try TestClient(port: port)
                try gone.send("GET /slow?150 HTTP/1.1\r\n\(host)\r\n")
                gone.close()
                // The responses come back to closed connections and are dropped.
                #expect(await eventually { server.openConnections == 0 })
                try await Task.sleep(for: .milliseconds(200))
                let client = try TestClient(port: port)
                #expect(try client.exchange("GET /fine HTTP/1.1\r\n\(host)\r\n").status == 200)
            }
        }

        @Test func clientEofEndsTheConnectionAfterWhatIsAnswered() async throws {
            try await withServer { server, port, handler in
                // Answered before the EOF is read: the responses still arrive.
                let answered = try TestClient(port: port)
                try answered.send("GET /one HTTP/1.1\r\n\(host)\r\nGET /two HTTP/1.1\r\n\(host)\r\n")
                #expect(try answered.readResponse().text == "GET /one 0")
                #expect(try answered.readResponse().text == "GET /two 0")
                _ = shutdown(answered.fd, Int32(SHUT_WR))
                #expect(try answered.waitForClose(timeout: .seconds(2)))
                // In the handler when the EOF comes: the connection closes, the response is dropped.
                let pending = try TestClient(port: port)
                try pending.send("GET /slow?300 HTTP/1.1\r\n\(host)\r\n")
                #expect(await eventually { handler.paths.contains("/slow") })
                _ = shutdown(pending.fd, Int32(SHUT_WR))
                #expect(try pending.waitForClose(timeout: .seconds(2)))
                #expect(await eventually { server.openConnections == 0 })
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
