// Content-Length bodies, fragmentation and pipelining.

import Testing
import HTTP1

@Suite struct BodyTests {
    @Test(arguments: fragmentations)
    func postWithContentLength(chunkSize: Int) throws {
        let r = try #require(parseOne(
            "POST /v1/optimizers HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"lr\": 0.001}",
            chunkSize: chunkSize))
        #expect(r.method == "POST")
        #expect(r.body == bytes("{\"lr\": 0.001}"))
        #expect(r.bodyFraming == .contentLength(13))
        #expect(r.contentLength == 13)
        #expect(r.hasBodyFraming)
    }

    @Test func zeroContentLength() throws {
        let r = try #require(parseOne("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"))
        #expect(r.body.isEmpty)
        #expect(r.bodyFraming == .contentLength(0))
        #expect(r.hasBodyFraming)
    }

    @Test func postWithoutFramingHasEmptyBody() throws {
        let outcome = parse("POST /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.path) == ["/x", "/y"])
        #expect(outcome.requests[0].body.isEmpty)
        #expect(!outcome.requests[0].hasBodyFraming)
    }

    @Test func bodySplitAcrossManyFeeds() throws {
        var p = RequestParser()
        let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        p.feed(bytes("PUT /blob HTTP/1.1\r\nHost: a\r\nContent-Length: 10000\r\n\r\n"))
        var offset = 0
        var sizes = [1, 999, 17, 4096, 3]
        while offset < payload.count {
            guard case .needMoreData = p.next() else { Issue.record("request finished early"); return }
            #expect(p.phase == .body)
            let n = min(sizes.isEmpty ? 1000 : sizes.removeFirst(), payload.count - offset)
            p.feed(payload[offset..<(offset + n)])
            offset += n
        }
        guard case .request(let r) = p.next() else { Issue.record("expected request"); return }
        #expect(r.body == payload)
    }

    @Test func severalMegabyteBody() throws {
        let size = 5 * 1024 * 1024 + 3
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 % 251) }
        var input = bytes("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n")
        input += payload
        input += bytes("GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
        for chunk in [Int.max, 65536, 1000] {
            let outcome = parse(input, chunkSize: chunk)
            #expect(outcome.error == nil)
            #expect(outcome.requests.count == 2)
            #expect(outcome.requests.first?.body == payload)
            #expect(outcome.requests.last?.path == "/after")
        }
    }

    @Test(arguments: fragmentations)
    func threePipelinedRequestsComeOutInOrder(chunkSize: Int) throws {
        let input = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
            + "DELETE /three?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"
        let outcome = parse(input, chunkSize: chunkSize)
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.method) == ["GET", "POST", "DELETE"])
        #expect(outcome.requests.map(\.path) == ["/one", "/two", "/three"])
        #expect(outcome.requests.count == 3 && outcome.requests[1].body == bytes("hello"))
    }

    @Test func pipelinedRequestsOnePerNext() {
        var p = RequestParser()
        p.feed(bytes("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\nGET /4"))
        for expected in ["/1", "/2", "/3"] {
            guard case .request(let r) = p.next() else { Issue.record("expected \(expected)"); return }
            #expect(r.path == expected)
        }
        guard case .needMoreData = p.next() else { Issue.record("expected needMoreData"); return }
        #expect(p.phase == .head)
        p.feed(bytes(" HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .request(let r) = p.next() else { Issue.record("expected /4"); return }
        #expect(r.path == "/4")
    }

    @Test func unsafeRawBufferFeed() {
        var p = RequestParser()
        let input = bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz")
        input.withUnsafeBytes { p.feed($0) }
        guard case .request(let r) = p.next() else { Issue.record("expected request"); return }
        #expect(r.body == bytes("xyz"))
    }
}
