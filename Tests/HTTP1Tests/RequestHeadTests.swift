// Request-line and header-field parsing of well-formed requests.

import Testing
import HTTP1

@Suite struct RequestHeadTests {
    @Test(arguments: fragmentations)
    func simpleGET(chunkSize: Int) throws {
        let r = try #require(parseOne(
            "GET /v1/health HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
            chunkSize: chunkSize))
        #expect(r.method == "GET")
        #expect(r.target == "/v1/health")
        #expect(r.path == "/v1/health")
        #expect(r.query == nil)
        #expect(r.version == .http1_1)
        #expect(r.headers.count == 3)
        #expect(r.headers["host"] == "localhost:8080")
        #expect(r.headers["HOST"] == "localhost:8080")
        #expect(r.headers["User-Agent"] == "curl/8.5.0")
        #expect(r.body.isEmpty)
        #expect(r.bodyFraming == .none)
        #expect(!r.hasBodyFraming)
        #expect(r.contentLength == nil)
        #expect(r.keepAlive)
    }

    @Test func headerNamesAreLowercasedAndOrderKept() throws {
        let r = try #require(parseOne("GET / HTTP/1.1\r\nHost: a\r\nX-B: 1\r\nX-A: 2\r\nx-b: 3\r\n\r\n"))
        #expect(r.headers.map(\.name) == ["host", "x-b", "x-a", "x-b"])
        #expect(r.headers.values(for: "X-B") == ["1", "3"])
        #expect(r.headers["x-b"] == "1")
    }

    @Test func fieldValuesAreTrimmedOfOWS() throws {
        let r = try #require(parseOne("GET / HTTP/1.1\r\nHost:a\r\nX-A: \t spaced  value \t\r\nX-Empty:\r\nX-Sp:   \r\n\r\n"))
        #expect(r.headers["host"] == "a")
        #expect(r.headers["x-a"] == "spaced  value")
        #expect(r.headers["x-empty"] == "")
        #expect(r.headers["x-sp"] == "")
    }

    @Test func obsTextInValuesIsAccepted() throws {
        let r = try #require(parseOne("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\u{e9}\r\n\r\n"))
        #expect(r.headers["x-name"] == "café")
    }

    @Test(arguments: fragmentations)
    func bareLFLineEndingsAreAccepted(chunkSize: Int) throws {
        // RFC 9112 §2.2: a recipient MAY accept a lone LF as line terminator in the head.
        let r = try #require(parseOne("GET /x HTTP/1.1\nHost: a\nX-Y: z\n\n", chunkSize: chunkSize))
        #expect(r.path == "/x")
        #expect(r.headers["x-y"] == "z")
    }

    @Test(arguments: fragmentations)
    func leadingEmptyLinesAreIgnored(chunkSize: Int) throws {
        let r = try #require(parseOne("\r\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", chunkSize: chunkSize))
        #expect(r.method == "GET")
    }

    @Test func http10WithoutHostIsAccepted() throws {
        let r = try #require(parseOne("GET / HTTP/1.0\r\n\r\n"))
        #expect(r.version == .http1_0)
        #expect(r.headers.isEmpty)
    }

    @Test func extensionMethodsAreTokens() throws {
        let r = try #require(parseOne("PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(r.method == "PROPFIND")
        let d = try #require(parseOne("DELETE /v1/x HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(d.method == "DELETE")
    }

    @Test func absoluteFormTarget() throws {
        let r = try #require(parseOne("GET http://example.com:8080/v1/a?b=c HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"))
        #expect(r.target == "http://example.com:8080/v1/a?b=c")
        #expect(r.path == "/v1/a")
        #expect(r.query == "b=c")
        let bare = try #require(parseOne("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(bare.path == "/")
    }

    @Test func asteriskFormOnlyForOPTIONS() throws {
        let r = try #require(parseOne("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(r.path == "*")
        #expect(errorStatus("GET * HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
    }

    @Test func phaseFollowsTheRequest() {
        var p = RequestParser()
        #expect(p.phase == .idle)
        p.feed(bytes("PO"))
        #expect(p.phase == .head)
        p.feed(bytes("ST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab"))
        guard case .needMoreData = p.next() else { Issue.record("expected needMoreData"); return }
        #expect(p.phase == .body)
        p.feed(bytes("cd"))
        guard case .request(let r) = p.next() else { Issue.record("expected request"); return }
        #expect(r.body == bytes("abcd"))
        #expect(p.phase == .idle)
        guard case .needMoreData = p.next() else { Issue.record("expected needMoreData"); return }
        #expect(p.phase == .idle)
        #expect(p.bufferedByteCount == 0)
    }

    @Test func requestInitSplitsTarget() {
        let r = HTTPRequest(method: "GET", target: "/a/b?x=1&y=2")
        #expect(r.path == "/a/b")
        #expect(r.query == "x=1&y=2")
        let e = HTTPRequest(method: "GET", target: "/a?")
        #expect(e.path == "/a")
        #expect(e.query == "")
    }
}
