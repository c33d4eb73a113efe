// Graceful shutdown, its grace period, and file descriptor accounting.

import HTTP1
import SocketServer
import Testing

extension SocketServerTests {
    @Suite struct Shutdown {
        @Test func inFlightRequestCompletesIdleClosesAndNewConnectionsAreRefused() async throws {
            let handler = TestHandler()
            let server = HTTPServer(configuration: .test(), handler: handler)
            let port = try server.start()

            let idle = try TestClient(port: port)
            #expect(try idle.exchange("GET /first HTTP/1.1\r\n\(host)\r\n").header("Connection") == nil)
            let busy = try TestClient(port: port)
            try busy.send("GET /slow?500 HTTP/1.1\r\n\(host)\r\n")
            #expect(await eventually { handler.paths.contains("/slow") })

            let start = ContinuousClock.now
            let shutdown = Task { await server.shutdown(gracePeriod: .seconds(3)) }

            // The idle keep-alive connection closes at once.
            #expect(try await blocking { try idle.waitForClose(timeout: .seconds(1)) })
            #expect(ContinuousClock.now - start < .milliseconds(400))
            // New connections are refused while the slow request is still in flight.
            #expect(await eventually(timeout: .seconds(1)) { connectionRefused(port: port) })
            #expect(ContinuousClock.now - start < .milliseconds(450))

            // The in-flight request gets its response, marked Connection: close, then the close.
            let response = try await blocking { try busy.readResponse() }
            #expect(response.status == 200)
            #expect(response.text == "GET /slow 0")
            #expect(response.header("Connection") == "close")
            #expect(try await blocking { try busy.waitForClose(timeout: .seconds(1)) })
            busy.close()

            await shutdown.value
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(server.openConnections == 0)
            #expect(connectionRefused(port: port))
        }

        @Test func whatIsLeftAfterTheGracePeriodIsClosed() async throws {
            let server = HTTPServer(configuration: .test(), handler: TestHandler())
            let port = try server.start()
            let stuck = try TestClient(port: port)
            try stuck.send("GET /never HTTP/1.1\r\n\(host)\r\n")
            let halfHead = try TestClient(port: port)
            try halfHead.send("GET /half HTTP/1.1\r\n")
            #expect(await eventually { server.openConnections == 2 })

            let start = ContinuousClock.now
            await server.shutdown(gracePeriod: .milliseconds(300))
            let took = ContinuousClock.now - start
            #expect(took >= .milliseconds(290))
            #expect(took < .seconds(1))
            #expect(server.openConnections == 0)
            #expect(try stuck.waitForClose(timeout: .seconds(1)))
            #expect(try halfHead.waitForClose(timeout: .seconds(1)))
        }

        @Test func shutdownWithoutStartAndTwiceReturns() async throws {
            let never = HTTPServer(configuration: .test(), handler: TestHandler())
            await never.shutdown(gracePeriod: .seconds(1))
            let server = HTTPServer(configuration: .test(), handler: TestHandler())
            _ = try server.start()
            await server.shutdown(gracePeriod: .seconds(1))
            await server.shutdown(gracePeriod: .seconds(1))
            #expect(server.openConnections == 0)
        }

        /// Runs every kind of connection ending against one server, shuts it down, and checks
        /// in /proc/self/fd that no socket fd of that server (or of the test's clients) is
        /// left open. The server opens no other kind of fd.
        @Test func noFileDescriptorLeaks() async throws {
            let socketsBefore = openSockets()
            let lifecycle = ConnectionLifecycle.Configuration(
                idleTimeout: .milliseconds(300), headerTimeout: .milliseconds(300), bodyTimeout: .milliseconds(300))
            let handler = TestHandler()
            let server = HTTPServer(
                configuration: .test(limits: HTTPLimits(maxBodyBytes: 1 << 20), lifecycle: lifecycle, maxConnections: 20),
                handler: handler)
            let port = try server.start()
            #expect(socketFDs(port: port) == 1)  // the listening socket

            do {
                var clients: [TestClient] = []
                // Served, kept alive, then idle-timed out.
                let kept = try TestClient(port: port)
                #expect(try kept.exchange("GET /a HTTP/1.1\r\n\(host)\r\n").status == 200)
                clients.append(kept)
                // Connection: close.
                let closing = try TestClient(port: port)
                #expect(try closing.exchange("GET /b HTTP/1.1\r\n\(host)Connection: close\r\n\r\n").status == 200)
                clients.append(closing)
                // Parse errors.
                for request in ["BAD\r\n\r\n", "POST / HTTP/1.1\r\n\(host)Content-Length: 99999999\r\n\r\n"] {
                    let client = try TestClient(port: port)
                    #expect(try client.exchange(request).status >= 400)
                    clients.append(client)
                }
                // Gone mid-body, reset mid-body, gone while in the handler.
                for _ in 0..<2 {
                    let client = try TestClient(port: port)
                    try client.send("POST /echo HTTP/1.1\r\n\(host)Content-Length: 100\r\n\r\nxx")
                    client.close()
                }
                let resetting = try TestClient(port: port)
                try resetting.send("POST /echo HTTP/1.1\r\n\(host)Content-Length: 100\r\n\r\nxx")
                resetting.reset()
                let leaving = try TestClient(port: port)
                try leaving.send("GET /slow?100 HTTP/1.1\r\n\(host)\r\n")
                leaving.close()
                // Stalled heads.
                for _ in 0..<5 {
                    let client = try TestClient(port: port)
                    try client.send("GET /st")
                    clients.append(client)
                }
                // A large body (queued by reference, not copied).
                let big = try TestClient(port: port)
                let body = [UInt8](repeating: 1, count: 900_000)
                try big.send(Array("POST /echo HTTP/1.1\r\n\(host)Content-Length: \(body.count)\r\n\r\n".utf8) + body)
                #expect(try big.readResponse().body.count == body.count)
                clients.append(big)
                // Every connection above ends by itself (timeouts are 300 ms).
                #expect(await eventually(timeout: .seconds(3)) { server.openConnections == 0 })

                // Over the cap: 20 requests held in the handler, then one more connection.
                var held: [TestClient] = []
                for _ in 0..<20 {
                    let client = try TestClient(port: port)
                    try client.send("GET /never HTTP/1.1\r\n\(host)\r\n")
                    held.append(client)
                }
                #expect(await eventually { server.openConnections == 20 })
                let rejected = try TestClient(port: port)
                #expect(try rejected.readResponse().status == 503)
                clients.append(rejected)
                // In flight at shutdown (a slot freed for it), finishing within the grace period.
                held.removeFirst().close()
                #expect(await eventually { server.openConnections == 19 })
                #expect(socketFDs(port: port) > 1)
                let inFlight = try TestClient(port: port)
                try inFlight.send("GET /slow?300 HTTP/1.1\r\n\(host)\r\n")
                clients += held

                try await Task.sleep(for: .milliseconds(50))
                await server.shutdown(gracePeriod: .milliseconds(600))
                clients.append(inFlight)
                let last = try inFlight.readResponse()
                #expect(last.status == 200, "\(last.status) \(last.text)")
                #expect(last.header("Connection") == "close")
                #expect(server.openConnections == 0)
                for client in clients { client.close() }
            }
            #expect(await eventually { socketFDs(port: port) == 0 })
            #expect(socketFDs(port: port) == 0)
            // No socket opened since the start is left, including reset ones that
            // /proc/net/tcp no longer lists (live sockets of suites running in parallel,
            // on other ports, are not counted).
            #expect(await eventually(timeout: .seconds(1)) { socketsLeft(since: socketsBefore, port: port).isEmpty })
        }
    }
}
