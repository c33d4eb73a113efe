// Byte-exact response serialization.

import Testing
import HTTP1

@Suite struct HTTPResponseTests {
    @Test func okKeepAlive() {
        let r = HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: bytes("{\"ok\":true}"))
        #expect(String(decoding: r.serialized(keepAlive: true), as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
    }

    @Test func notFoundWithClose() {
        let r = HTTPResponse(status: 404, headers: ["Content-Type": "application/problem+json"], body: bytes("{}"))
        #expect(String(decoding: r.serialized(keepAlive: false), as: UTF8.self)
            == "HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    }

    @Test func emptyBodyStillHasContentLength() {
        #expect(String(decoding: HTTPResponse(status: 201).serialized(keepAlive: true), as: UTF8.self)
            == "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func noContentHasNoContentLengthAndNoBody() {
        let r = HTTPResponse(status: 204, headers: ["X-Id": "1"], body: bytes("ignored"))
        #expect(String(decoding: r.serialized(keepAlive: true), as: UTF8.self) == "HTTP/1.1 204 No Content\r\nX-Id: 1\r\n\r\n")
        #expect(String(decoding: HTTPResponse(status: 304).serialized(keepAlive: false), as: UTF8.self)
            == "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n")
        #expect(String(decoding: HTTPResponse(status: 100).serialized(keepAlive: true), as: UTF8.self)
            == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test func headResponseKeepsLengthButOmitsBody() {
        let r = HTTPResponse(status: 200, body: bytes("12345"))
        #expect(String(decoding: r.serialized(keepAlive: true, omitBody: true), as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    }

    @Test func framingHeadersFromTheApplicationAreIgnored() {
        let r = HTTPResponse(
            status: 200,
            headers: ["content-length": "999", "Transfer-Encoding": "chunked", "Connection": "keep-alive", "X": "y"],
            body: bytes("abc"))
        #expect(String(decoding: r.serialized(keepAlive: false), as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nX: y\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
    }

    @Test func headerInjectionIsNeutralised() {
        let r = HTTPResponse(status: 200, headers: ["X-Evil": "a\r\nSet-Cookie: x=1"])
        #expect(String(decoding: r.serialized(keepAlive: true), as: UTF8.self)
            == "HTTP/1.1 200 OK\r\nX-Evil: a  Set-Cookie: x=1\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func appendsToExistingBuffer() {
        var out = bytes("prefix|")
        HTTPResponse(status: 503).serialize(into: &out, keepAlive: true)
        #expect(String(decoding: out, as: UTF8.self) == "prefix|HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func largeContentLength() {
        let r = HTTPResponse(status: 200, body: [UInt8](repeating: 0, count: 1_234_567))
        let out = r.serialized(keepAlive: true)
        #expect(String(decoding: out.prefix(44), as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Length: 1234567\r\n\r\n")
        #expect(out.count == 44 + 1_234_567)
    }

    @Test(arguments: [
        (200, "OK"), (201, "Created"), (204, "No Content"), (400, "Bad Request"), (401, "Unauthorized"),
        (404, "Not Found"), (405, "Method Not Allowed"), (409, "Conflict"), (411, "Length Required"),
        (412, "Precondition Failed"), (413, "Content Too Large"), (414, "URI Too Long"),
        (415, "Unsupported Media Type"), (417, "Expectation Failed"), (422, "Unprocessable Content"),
        (431, "Request Header Fields Too Large"), (500, "Internal Server Error"), (501, "Not Implemented"),
        (503, "Service Unavailable"), (505, "HTTP Version Not Supported"), (507, "Insufficient Storage"),
    ])
    func reasonPhrases(code: Int, phrase: String) {
        #expect(HTTPStatus.reasonPhrase(code) == phrase)
        let line = String(decoding: HTTPResponse(status: code).serialized(keepAlive: true), as: UTF8.self)
        #expect(line.hasPrefix("HTTP/1.1 \(code) \(phrase)\r\n"))
    }

    // Found by fuzzing: status 0 was written as 500 but framed by 0's rules (no
    // Content-Length), so the client could not tell where the body ended.
    @Test(arguments: [0, 1, 99, 1000, -5])
    func outOfRangeStatusIsA500WithItsLength(status: Int) {
        let r = HTTPResponse(status: status, body: bytes("oops"))
        #expect(String(decoding: r.serialized(keepAlive: true), as: UTF8.self)
            == "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops")
    }

    @Test func unknownStatusGetsClassPhrase() {
        #expect(HTTPStatus.reasonPhrase(299) == "Success")
        #expect(HTTPStatus.reasonPhrase(499) == "Client Error")
        #expect(String(decoding: HTTPResponse(status: 599).serialized(keepAlive: true), as: UTF8.self)
            == "HTTP/1.1 599 Server Error\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func sharedPayloadSerializesLikeTheSameBytes() {
        final class Owner: SharedBytes, @unchecked Sendable {  // written once, in init
            let storage: UnsafeMutableRawBufferPointer
            init(_ content: [UInt8]) {
                storage = .allocate(byteCount: content.count, alignment: 8)
                storage.copyBytes(from: content)
            }
            deinit { storage.deallocate() }
            var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }
        }
        let content = bytes("{\"ok\":true}")
        let shared = HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], payload: .shared(Owner(content)))
        let plain = HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: content)
        #expect(shared.serialized(keepAlive: true) == plain.serialized(keepAlive: true))
        #expect(shared.serialized(keepAlive: false, omitBody: true) == plain.serialized(keepAlive: false, omitBody: true))
        #expect(shared.body == content && shared.bodyCount == content.count)
    }
}
