// `RequestParser.readBody`: a transport reading a Content-Length body straight into the request.

import Testing
import HTTP1

/// Plays the socket: hands out `payload` in reads of at most `limit` bytes.
private struct FakeSocket {
    var payload: [UInt8]
    var offset = 0
    var limit: Int
    var roomsSeen: [Int] = []

    mutating func read(into room: UnsafeMutableRawBufferPointer) -> Int {
        roomsSeen.append(room.count)
        let n = min(room.count, limit, payload.count - offset)
        payload.withUnsafeBytes { room.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}

@Suite struct DirectBodyReadTests {
    private func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) }
    }

    @Test("a body read in pieces of every size, across the allocation's growth, arrives intact",
          arguments: [4095, 65536, 700_001, 1 << 20])
    func readInPieces(limit: Int) throws {
        let size = 3 * 1024 * 1024 + 5  // past the first two allocations (1 MiB, then 4×)
        let payload = pattern(size)
        var p = RequestParser()
        // The head and the first 1000 body bytes arrive together and go through `feed`.
        p.feed(bytes("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n") + payload[..<1000])
        guard case .needMoreData = p.next() else { Issue.record("request finished early"); return }
        var socket = FakeSocket(payload: Array(payload[1000...]), limit: limit)
        while socket.offset < socket.payload.count {
            let result = try #require(p.readBody(maxBytes: 1 << 20) { socket.read(into: $0) })
            #expect(result.count > 0 && result.count <= result.room)
        }
        #expect(socket.roomsSeen.allSatisfy { $0 > 0 && $0 <= 1 << 20 })
        // The last room ended exactly at the body's end: nothing of a next request was read into it.
        #expect(p.readBody(maxBytes: 1 << 20) { _ in Issue.record("read past the body"); return 0 } == nil)
        guard case .request(let r) = p.next() else { Issue.record("expected the request"); return }
        #expect(r.body.count == size)
        #expect(r.body == payload)
    }

    @Test("the room never reaches past the body or past maxBytes")
    func roomIsBounded() throws {
        var p = RequestParser()
        p.feed(bytes("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n"))
        _ = p.next()
        #expect(p.remainingBodyBytes == 10)
        let first = try #require(p.readBody(maxBytes: 4) { room in
            room.copyBytes(from: [1, 2, 3, 4])
            return room.count
        })
        #expect(first.room == 4 && first.count == 4)
        let second = try #require(p.readBody(maxBytes: 100) { room in
            room.copyBytes(from: [5, 6, 7, 8, 9, 10])
            return room.count
        })
        #expect(second.room == 6 && second.count == 6)
        #expect(p.remainingBodyBytes == 0)  // complete, until next() hands the request out
        // The next request's bytes go through feed, and both requests come out in order.
        p.feed(bytes("GET /after HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .request(let r) = p.next() else { Issue.record("expected the POST"); return }
        #expect(r.body == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        guard case .request(let next) = p.next() else { Issue.record("expected the GET"); return }
        #expect(next.path == "/after")
        #expect(p.remainingBodyBytes == nil)
    }

    @Test("end of stream and errors change nothing")
    func endOfStreamAndErrors() throws {
        var p = RequestParser()
        p.feed(bytes("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"))
        _ = p.next()
        for returned in [0, -1] {
            let result = try #require(p.readBody(maxBytes: 64) { _ in returned })
            #expect(result.count == returned && result.room == 3)
            #expect(p.phase == .body)
        }
        p.feed([7, 8, 9])
        guard case .request(let r) = p.next() else { Issue.record("expected the request"); return }
        #expect(r.body == [7, 8, 9])
    }

    @Test("no direct read when nothing is arriving, bytes are buffered, or the body is chunked")
    func notOffered() {
        var idle = RequestParser()
        #expect(idle.readBody(maxBytes: 64) { _ in Issue.record("called"); return 0 } == nil)

        var buffered = RequestParser()
        buffered.feed(bytes("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab"))
        // `next()` not called yet: the body bytes are still in the parser's buffer.
        #expect(buffered.readBody(maxBytes: 64) { _ in Issue.record("called"); return 0 } == nil)

        var chunked = RequestParser()
        chunked.feed(bytes("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"))
        _ = chunked.next()
        #expect(chunked.phase == .body)
        #expect(chunked.readBody(maxBytes: 64) { _ in Issue.record("called"); return 0 } == nil)
    }

    @Test("a client that declares a huge body gets memory only for what it sends")
    func lyingContentLength() throws {
        var p = RequestParser(limits: HTTPLimits(maxBodyBytes: 1 << 30))
        p.feed(bytes("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: \(1 << 30)\r\n\r\n"))
        _ = p.next()
        // Rooms are carved from an allocation of 1 MiB first: never more than that before it is full.
        let result = try #require(p.readBody(maxBytes: 1 << 30) { _ in 0 })
        #expect(result.room == 1 << 20)
    }
}
