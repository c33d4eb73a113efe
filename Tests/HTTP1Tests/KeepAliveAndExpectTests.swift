// Connection persistence (RFC 9112 §9.3) and Expect: 100-continue (RFC 9110 §10.1.1).

import Testing
import HTTP1

@Suite struct KeepAliveTests {
    @Test(arguments: [
        ("HTTP/1.1", nil, true),
        ("HTTP/1.1", "close", false),
        ("HTTP/1.1", "Close", false),
        ("HTTP/1.1", "keep-alive", true),
        ("HTTP/1.1", "Upgrade, close", false),
        ("HTTP/1.1", "x-close", true),
        ("HTTP/1.0", nil, false),
        ("HTTP/1.0", "keep-alive", true),
        ("HTTP/1.0", "Keep-Alive", true),
        ("HTTP/1.0", " foo ,keep-alive ", true),
        ("HTTP/1.0", "close", false),
        ("HTTP/1.0", "keep-alive, close", false),
    ] as [(String, String?, Bool)])
    func keepAliveRules(version: String, connection: String?, expected: Bool) throws {
        let field = connection.map { "Connection: \($0)\r\n" } ?? ""
        let r = try #require(parseOne("GET / \(version)\r\nHost: a\r\n\(field)\r\n"))
        #expect(r.keepAlive == expected)
    }

    @Test func connectionHeaderOnSeveralLines() throws {
        let r = try #require(parseOne("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nConnection: close\r\n\r\n"))
        #expect(!r.keepAlive)
    }
}

@Suite struct ExpectContinueTests {
    @Test func flagIsSetUntilAcknowledgedThenBodyArrives() {
        var p = RequestParser()
        p.feed(bytes("PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"))
        guard case .needMoreData = p.next() else { Issue.record("expected needMoreData"); return }
        #expect(p.expectsContinue)
        #expect(p.phase == .body)
        p.acknowledgeContinue()
        #expect(!p.expectsContinue)
        guard case .needMoreData = p.next() else { Issue.record("expected needMoreData"); return }
        #expect(!p.expectsContinue)
        p.feed(bytes("hello"))
        guard case .request(let r) = p.next() else { Issue.record("expected request"); return }
        #expect(r.body == bytes("hello"))
        #expect(!p.expectsContinue)
    }

    @Test func flagClearsWhenTheBodyCompletesWithoutAcknowledgement() {
        var p = RequestParser()
        p.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n"))
        guard case .needMoreData = p.next() else { Issue.record("expected needMoreData"); return }
        #expect(p.expectsContinue)
        p.feed(bytes("2\r\nok\r\n0\r\n\r\n"))
        guard case .request(let r) = p.next() else { Issue.record("expected request"); return }
        #expect(r.body == bytes("ok"))
        #expect(!p.expectsContinue)
    }

    @Test func bodyAlreadyPresentNeedsNoContinue() {
        var p = RequestParser()
        p.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"))
        guard case .request = p.next() else { Issue.record("expected request"); return }
        #expect(!p.expectsContinue)
    }

    @Test func noBodyMeansNoContinue() {
        var p = RequestParser()
        p.feed(bytes("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"))
        guard case .request = p.next() else { Issue.record("expected request"); return }
        #expect(!p.expectsContinue)
    }

    @Test func http10ExpectationIsIgnored() {
        var p = RequestParser()
        p.feed(bytes("POST /u HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"))
        guard case .needMoreData = p.next() else { Issue.record("expected needMoreData"); return }
        #expect(!p.expectsContinue)
    }

    @Test func otherExpectationsAre417() {
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx") == 417)
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, foo\r\nContent-Length: 1\r\n\r\nx") == 417)
    }

    @Test func oversizedBodyIsRefusedInsteadOfContinued() {
        var p = RequestParser(limits: HTTPLimits(maxBodyBytes: 10))
        p.feed(bytes("PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n"))
        guard case .error(let e) = p.next() else { Issue.record("expected 413"); return }
        #expect(e.status == 413)
        #expect(!p.expectsContinue)
    }
}
