// Every malformed or over-limit request maps to its status, fragmented or not.

import Testing
import HTTP1

@Suite struct ParseErrorTests {
    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n", "obs-fold"),
        ("GET / HTTP/1.1\r\n Host: a\r\n\r\n", "whitespace before first field"),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "space before colon"),
        ("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", "tab before colon"),
        ("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", "empty field name"),
        ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", "no colon"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX(y): v\r\n\r\n", "non-token field name"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "CL + TE"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "TE + CL"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "duplicate different CL"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", "CL list of different values"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", "non-digit CL"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", "signed CL"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -3\r\n\r\n", "negative CL"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3 3\r\n\r\n", "CL with inner space"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", "hex CL"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", "empty CL"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3,\r\n\r\n", "CL trailing comma"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", "CL overflow"),
        ("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", "bare CR between fields"),
        ("GET / HTTP/1.1\rHost: a\r\n\r\n", "bare CR after request-line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", "bare CR in value"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", "NUL in value"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1b}b\r\n\r\n", "ESC in value"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7f}b\r\n\r\n", "DEL in value"),
        ("GET / HTTP/1.1\r\n\r\n", "missing Host on 1.1"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "two Hosts"),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "invalid Host value"),
        ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", "slash in Host"),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "double space after method"),
        ("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", "double space before version"),
        ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", "trailing space"),
        (" GET / HTTP/1.1\r\nHost: a\r\n\r\n", "leading space"),
        ("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", "tab separator"),
        ("GET /\u{1}x HTTP/1.1\r\nHost: a\r\n\r\n", "control char in target"),
        ("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", "fragment in target"),
        ("GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", "raw UTF-8 in target"),
        ("GET foo HTTP/1.1\r\nHost: a\r\n\r\n", "relative target"),
        ("GET / http/1.1\r\nHost: a\r\n\r\n", "lowercase version"),
        ("GET / HTTP/1.10\r\nHost: a\r\n\r\n", "three-digit version"),
        ("GET / HTTP/1\r\nHost: a\r\n\r\n", "short version"),
        ("GET /\r\nHost: a\r\n\r\n", "HTTP/0.9 style line"),
        ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "non-token method"),
        ("hello world\r\n\r\n", "garbage line"),
        ("\u{16}\u{3}\u{1}\u{0}\u{a5}\u{1}\u{0}\u{0}", "TLS ClientHello"),
        ("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nExpect: \u{1}\r\n\r\n", "control char in Expect"),
    ])
    func malformedRequestIs400(input: String, _ why: String) {
        for chunkSize in fragmentations {
            let outcome = parse(input, chunkSize: chunkSize)
            #expect(outcome.error?.status == 400, "\(why), chunkSize \(chunkSize): \(String(describing: outcome.error))")
            #expect(outcome.requests.isEmpty, "\(why)")
        }
    }

    @Test func errorReasonsAreSpecific() {
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\n x\r\n\r\n").error?.reason.contains("obs-fold") == true)
        #expect(parse("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n").error?.reason.contains("CR") == true)
        #expect(parse("GET / HTTP/1.1\r\n\r\n").error?.reason.contains("Host") == true)
    }

    @Test func garbageIsRejectedWithoutWaitingForALineEnd() {
        var p = RequestParser()
        p.feed([0x16, 0x03, 0x01])  // TLS handshake record
        guard case .error(let e) = p.next() else { Issue.record("expected an immediate error"); return }
        #expect(e.status == 400)
    }

    @Test func equalDuplicateContentLengthsAreMerged() throws {
        // RFC 9110 §8.6 lets a recipient merge identical values.
        let a = try #require(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"))
        #expect(a.body == bytes("abc"))
        let b = try #require(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc"))
        #expect(b.contentLength == 3)
        let c = try #require(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\nabcdefg"))
        #expect(c.contentLength == 7)
    }

    @Test(arguments: ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9"])
    func unsupportedVersionIs505(version: String) {
        for chunkSize in fragmentations {
            #expect(errorStatus("GET / \(version)\r\nHost: a\r\n\r\n", chunkSize: chunkSize) == 505)
        }
    }

    @Test func tooLongRequestLineIs414() {
        let limits = HTTPLimits(maxRequestLineBytes: 64)
        let longTarget = "/" + String(repeating: "a", count: 100)
        for chunkSize in fragmentations {
            #expect(errorStatus("GET \(longTarget) HTTP/1.1\r\nHost: a\r\n\r\n", chunkSize: chunkSize, limits: limits) == 414)
        }
        // Detected before the line ends: the peer need not send a LF.
        var p = RequestParser(limits: limits)
        p.feed(bytes("GET \(longTarget)"))
        guard case .error(let e) = p.next() else { Issue.record("expected 414 before the LF"); return }
        #expect(e.status == 414)
        // Exactly at the limit passes.
        let fits = "GET /" + String(repeating: "b", count: 64 - 14) + " HTTP/1.1"
        #expect(fits.utf8.count == 64)
        #expect(parse(fits + "\r\nHost: a\r\n\r\n", chunkSize: 1, limits: limits).requests.count == 1)
    }

    @Test func defaultRequestLineLimitIs8KiB() {
        let target = "/" + String(repeating: "x", count: 8 * 1024)
        #expect(errorStatus("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n") == 414)
    }

    @Test func tooManyHeadersIs431() {
        let limits = HTTPLimits(maxHeaderCount: 5)
        let fields = (0..<6).map { "X-\($0): v\r\n" }.joined()
        for chunkSize in fragmentations {
            #expect(errorStatus("GET / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n", chunkSize: chunkSize, limits: limits) == 431)
        }
        let four = (0..<4).map { "X-\($0): v\r\n" }.joined()
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\n\(four)\r\n", limits: limits).requests.count == 1)
        let defaults = (0..<101).map { "X-\($0): v\r\n" }.joined()
        #expect(errorStatus("GET / HTTP/1.1\r\n\(defaults)Host: a\r\n\r\n") == 431)
    }

    @Test func headTooBigIs431() {
        let limits = HTTPLimits(maxHeaderBytes: 256)
        let big = "X-Big: " + String(repeating: "v", count: 300) + "\r\n"
        for chunkSize in fragmentations {
            #expect(errorStatus("GET / HTTP/1.1\r\nHost: a\r\n\(big)\r\n", chunkSize: chunkSize, limits: limits) == 431)
        }
        // Many small fields add up too.
        let many = (0..<20).map { "X-Field-\($0): 0123456789\r\n" }.joined()
        #expect(errorStatus("GET / HTTP/1.1\r\nHost: a\r\n\(many)\r\n", limits: limits) == 431)
        // Detected while the oversized line is still arriving.
        var p = RequestParser(limits: limits)
        p.feed(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "v", count: 300)))
        guard case .error(let e) = p.next() else { Issue.record("expected 431 before the LF"); return }
        #expect(e.status == 431)
    }

    @Test func endlessEmptyLinesAre431() {
        let limits = HTTPLimits(maxHeaderBytes: 100)
        #expect(errorStatus(String(repeating: "\r\n", count: 60), limits: limits) == 431)
    }

    @Test func contentLengthOverLimitIs413BeforeAnyBodyByte() {
        let limits = HTTPLimits(maxBodyBytes: 1000)
        var p = RequestParser(limits: limits)
        p.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n"))
        guard case .error(let e) = p.next() else { Issue.record("expected 413"); return }
        #expect(e.status == 413)
        #expect(p.phase != .body)
        #expect(!p.expectsContinue)
        // At the limit is accepted.
        let ok = "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "b", count: 1000)
        #expect(parse(ok, limits: limits).requests.first?.body.count == 1000)
        // Default limit: 128 MiB.
        #expect(errorStatus("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: \(128 * 1024 * 1024 + 1)\r\n\r\n") == 413)
    }

    @Test func failedParserStaysFailed() {
        var p = RequestParser()
        p.feed(bytes("GET / HTTP/1.1\r\nHost : a\r\n\r\n"))
        guard case .error(let first) = p.next() else { Issue.record("expected error"); return }
        #expect(p.isFailed)
        p.feed(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .error(let second) = p.next() else { Issue.record("expected the error again"); return }
        #expect(first == second)
        #expect(p.bufferedByteCount == 0)
    }

    @Test func validRequestBeforeAnErrorIsDelivered() {
        let outcome = parse("GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost : a\r\n\r\n")
        #expect(outcome.requests.map(\.path) == ["/ok"])
        #expect(outcome.error?.status == 400)
    }
}
