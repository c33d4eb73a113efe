// Chunked transfer coding (RFC 9112 §7.1): decoding, extensions, trailers, limits.

import Testing
import HTTP1

@Suite struct ChunkedTests {
    let head = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

    @Test(arguments: fragmentations)
    func simpleChunkedBody(chunkSize: Int) throws {
        let r = try #require(parseOne(head + "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n", chunkSize: chunkSize))
        #expect(r.body == bytes("hello, world"))
        #expect(r.bodyFraming == .chunked)
        #expect(r.hasBodyFraming)
        #expect(r.contentLength == nil)
    }

    @Test(arguments: fragmentations)
    func extensionsAndTrailersAreAcceptedAndDropped(chunkSize: Int) throws {
        let body = "A;name=value;flag\r\n0123456789\r\n"
            + "1 ; q=\"quoted \\\" ;str\"\r\nX\r\n"
            + "0;last\r\nX-Checksum: abc\r\nX-Other: d\r\n\r\n"
        let r = try #require(parseOne(head + body, chunkSize: chunkSize))
        #expect(r.body == bytes("0123456789X"))
        #expect(r.headers["x-checksum"] == nil)
    }

    @Test func hexSizesAnyCaseAndLeadingZeros() throws {
        let payload = String(repeating: "z", count: 0x1aF)
        let r = try #require(parseOne(head + "001aF\r\n" + payload + "\r\n0\r\n\r\n"))
        #expect(r.body.count == 0x1af)
    }

    @Test(arguments: fragmentations)
    func chunkedThenPipelinedRequest(chunkSize: Int) {
        let outcome = parse(head + "3\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n", chunkSize: chunkSize)
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.path) == ["/c", "/next"])
        #expect(outcome.requests.first?.body == bytes("abc"))
    }

    @Test func largeChunksFedDirectly() {
        var p = RequestParser()
        p.feed(bytes(head + "100000\r\n"))  // 1 MiB chunk
        guard case .needMoreData = p.next() else { Issue.record("expected needMoreData"); return }
        let chunk = [UInt8](repeating: 7, count: 0x100000)
        p.feed(chunk[..<500_000])
        p.feed(chunk[500_000...])
        p.feed(bytes("\r\n0\r\n\r\n"))
        guard case .request(let r) = p.next() else { Issue.record("expected request"); return }
        #expect(r.body.count == 0x100000)
        #expect(r.body.allSatisfy { $0 == 7 })
    }

    @Test func transferCodingNameIsCaseInsensitiveAndListsConcatenate() throws {
        let r = try #require(parseOne("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , Chunked\r\n\r\n1\r\nq\r\n0\r\n\r\n"))
        #expect(r.body == bytes("q"))
    }

    @Test(arguments: [
        ("G\r\nx\r\n0\r\n\r\n", "no hex size"),
        (";x\r\n", "empty size"),
        ("5\r\nhelloXX0\r\n\r\n", "no CRLF after data"),
        ("5\r\nhello\n0\r\n\r\n", "bare LF after data"),
        ("5\nhello\r\n0\r\n\r\n", "bare LF after size"),
        ("5 \r\nhello\r\n0\r\n\r\n", "trailing space without extension"),
        ("5;\r\nhello\r\n0\r\n\r\n", "empty extension name"),
        ("5;a=\"open\r\nhello\r\n0\r\n\r\n", "unterminated quoted string"),
        ("5;a=b c\r\nhello\r\n0\r\n\r\n", "garbage after extension"),
        ("-5\r\nhello\r\n0\r\n\r\n", "negative size"),
        ("ffffffffffffffffff\r\n", "size overflow"),
        ("0\r\nbad trailer\r\n\r\n", "malformed trailer"),
        ("0\r\nX: a\r\n folded\r\n\r\n", "folded trailer"),
        ("0\r\nX: a\u{1}b\r\n\r\n", "control char in trailer"),
    ])
    func malformedChunkedBodyIs400(body: String, _ why: String) {
        for chunkSize in fragmentations {
            #expect(errorStatus(head + body, chunkSize: chunkSize) == 400, "\(why), chunkSize \(chunkSize)")
        }
    }

    @Test func chunkLineTooLongIs400() {
        let limits = HTTPLimits(maxChunkLineBytes: 16)
        #expect(errorStatus(head + "1;" + String(repeating: "a", count: 20) + "\r\nx\r\n0\r\n\r\n", limits: limits) == 400)
        #expect(errorStatus(head + "1;" + String(repeating: "a", count: 20), chunkSize: 1, limits: limits) == 400)
        #expect(parse(head + "1;" + String(repeating: "a", count: 14) + "\r\nx\r\n0\r\n\r\n", limits: limits).requests.count == 1)
    }

    @Test func chunkedBodyOverLimitIs413BeforeItsData() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        #expect(errorStatus(head + "6\r\nabcdef\r\n5\r\n", limits: limits) == 413)
        // Exactly at the limit is fine.
        #expect(parse(head + "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n", limits: limits).requests.first?.body.count == 10)
        // A single huge declared chunk is refused with no data sent.
        var p = RequestParser(limits: limits)
        p.feed(bytes(head + "7fffffff\r\n"))
        guard case .error(let e) = p.next() else { Issue.record("expected error"); return }
        #expect(e.status == 413)
    }

    @Test func trailerLimitsAre431() {
        let limits = HTTPLimits(maxHeaderCount: 3)
        let many = (0..<4).map { "X-\($0): v\r\n" }.joined()
        #expect(errorStatus(head + "0\r\n" + many + "\r\n", limits: limits) == 431)
        let big = HTTPLimits(maxHeaderBytes: 200)
        #expect(errorStatus(head + "0\r\nX: " + String(repeating: "v", count: 300) + "\r\n\r\n", limits: big) == 431)
    }

    @Test func unknownTransferCodingIs501() {
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501)
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n") == 501)
    }

    @Test func chunkedNotFinalOrTwiceIs400() {
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") == 400)
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") == 400)
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") == 400)
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n") == 400)
        #expect(errorStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n") == 400)
    }

    @Test func transferEncodingInHTTP10Is400() {
        #expect(errorStatus("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400)
    }
}
