// Requests the parser rejects: a problem document with the right status, then the close.

import HTTP1
import SocketServer
import Testing

extension SocketServerTests {
    @Suite struct ErrorResponses {
        /// Sends `request`, expects `status` with a problem document of `slug`, and the close.
        private func expectProblem(
            _ request: [UInt8], status: Int, slug: String, title: String,
            configuration: ServerConfiguration = .test(), sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            try await withServer(configuration) { _, port, handler in
                let client = try TestClient(port: port)
                try client.send(request)
                let response = try client.readResponse()
                #expect(response.status == status, sourceLocation: sourceLocation)
                #expect(response.header("Connection") == "close", sourceLocation: sourceLocation)
                #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
                let prefix = "{\"type\":\"/problems/\(slug)\",\"title\":\"\(title)\",\"status\":\(status),\"detail\":\""
                #expect(response.text.hasPrefix(prefix), "\(response.text)", sourceLocation: sourceLocation)
                #expect(response.text.hasSuffix("\"}"), sourceLocation: sourceLocation)
                #expect(try client.waitForClose(timeout: .seconds(2)), sourceLocation: sourceLocation)
                #expect(handler.paths.isEmpty, sourceLocation: sourceLocation)
            }
        }

        @Test func malformedRequestIs400AndTheServerCloses() async throws {
            try await expectProblem(
                Array("GARBAGE\r\n\r\n".utf8), status: 400, slug: "malformed-request", title: "Bad Request")
        }

        @Test func oversizedHeaderIs431() async throws {
            let big = String(repeating: "a", count: 70_000)
            try await expectProblem(
                Array("GET / HTTP/1.1\r\n\(host)X-Big: \(big)\r\n\r\n".utf8),
                status: 431, slug: "headers-too-large", title: "Request Header Fields Too Large")
        }

        @Test func contentLengthWithTransferEncodingIs400() async throws {
            try await expectProblem(
                Array("POST /echo HTTP/1.1\r\n\(host)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n".utf8),
                status: 400, slug: "malformed-request", title: "Bad Request")
        }

        @Test func differingDuplicateContentLengthIs400() async throws {
            try await expectProblem(
                Array("POST /echo HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!".utf8),
                status: 400, slug: "malformed-request", title: "Bad Request")
        }

        @Test func unsupportedVersionIs505AndCodingIs501() async throws {
            try await expectProblem(
                Array("GET / HTTP/2.0\r\n\(host)\r\n".utf8),
                status: 505, slug: "http-version-not-supported", title: "HTTP Version Not Supported")
            try await expectProblem(
                Array("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n".utf8),
                status: 501, slug: "unsupported-transfer-coding", title: "Not Implemented")
        }

        @Test func longRequestLineIs414AndUnknownExpectationIs417() async throws {
            let path = "/" + String(repeating: "p", count: 9000)
            try await expectProblem(
                Array("GET \(path) HTTP/1.1\r\n\(host)\r\n".utf8),
                status: 414, slug: "uri-too-long", title: "URI Too Long")
            try await expectProblem(
                Array("POST /echo HTTP/1.1\r\n\(host)Content-Length: 1\r\nExpect: 200-ok\r\n\r\nx".utf8),
                status: 417, slug: "expectation-failed", title: "Expectation Failed")
        }

        @Test func bodyOverTheLimitIs413BeforeAnyBodyByteIsSent() async throws {
            // Only the head is sent: the 413 must come back without the server waiting for the body.
            try await expectProblem(
                Array("POST /echo HTTP/1.1\r\n\(host)Content-Length: 10485760\r\n\r\n".utf8),
                status: 413, slug: "request-too-large", title: "Content Too Large",
                configuration: .test(limits: HTTPLimits(maxBodyBytes: 1024 * 1024)))
        }

        @Test func bodyOverTheLimitWithExpectContinueGets413Not100() async throws {
            try await withServer(.test(limits: HTTPLimits(maxBodyBytes: 1024))) { _, port, _ in
                let client = try TestClient(port: port)
                try client.send("PUT /echo HTTP/1.1\r\n\(host)Content-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 413)
                #expect(try client.waitForClose(timeout: .seconds(2)))
            }
        }

        @Test func errorAfterAPipelinedGoodRequestComesInOrder() async throws {
            try await withServer { _, port, _ in
                let client = try TestClient(port: port)
                try client.send("GET /slow?100 HTTP/1.1\r\n\(host)\r\nBROKEN LINE\r\n\r\n")
                #expect(try client.readResponse().text == "GET /slow 0")
                #expect(try client.readResponse().status == 400)
                #expect(try client.waitForClose(timeout: .seconds(2)))
            }
        }
    }
}
