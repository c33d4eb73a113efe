// libFuzzer target for the HTTP1 module. Compiled INTO the HTTP1 module (scripts/fuzz
// passes Sources/HTTP1/*.swift, Fuzz/Common/*.swift and this file to one swiftc invocation
// with -module-name HTTP1), so internal API such as ByteClass and RequestTarget is usable.
//
// The input is the byte stream a client sends. Every run:
//  1. parses it fed at once ("whole") and fed in fragments whose sizes come from a
//     generator seeded by the input ("fragmented", where body bytes sometimes arrive through
//     readBody, as the transport reads them from a socket), and requires the same requests, an
//     error in both or neither, the same final phase and buffered byte count, and the same
//     error status unless a size limit decided it (then the same input and split without
//     limits must agree exactly; see Fuzz/README.md);
//  2. checks every request against the limits and the RFC 9112 shape the parser promises
//     (body length = Content-Length, one Host for HTTP/1.1, lowercase token names, ...);
//  3. after an error, requires the parser to stay failed whatever is fed or asked next;
//  4. serialises a response built from each request (its headers, method, path and body
//     bytes as header values) and checks the framing of the bytes produced;
//  5. re-serialises each request, parses that, and requires the same request back;
//  6. drives a ConnectionLifecycle twice with monotonic time: as a transport would while
//     feeding the fragments, and from events decoded from the input bytes, checking its
//     invariants after every event (nextDeadline never in the past, close is final, ...).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    HTTP1Fuzz.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

enum HTTP1Fuzz {
    /// The profile most runs use: the body limit of the brief, the others small enough to be hit.
    static let smallLimits = HTTPLimits(
        maxRequestLineBytes: 512, maxHeaderCount: 16, maxHeaderBytes: 2048,
        maxBodyBytes: 64 * 1024, maxChunkLineBytes: 64)
    /// Limits no input of at most 64 KiB can reach.
    static let generousLimits = HTTPLimits(
        maxRequestLineBytes: 1 << 20, maxHeaderCount: 1 << 20, maxHeaderBytes: 1 << 20,
        maxBodyBytes: 1 << 20, maxChunkLineBytes: 1 << 20)
    /// Tiny limits, so that every limit is crossed by short inputs.
    static let tinyLimits = HTTPLimits(
        maxRequestLineBytes: 40, maxHeaderCount: 4, maxHeaderBytes: 160,
        maxBodyBytes: 24, maxChunkLineBytes: 12)

    struct Outcome {
        var requests: [HTTPRequest] = []
        var error: HTTPParseError?
        var phase: RequestParser.Phase = .idle
        var buffered = 0
    }

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let seed = fuzzControlSeed(input)
        var rng = FuzzRNG(seed: seed)
        let limits = rng.oneIn(3) ? tinyLimits : smallLimits

        let fragmentSeed = rng.next()
        let whole = parseWhole(input, limits: limits)
        let fragmented = parseFragmented(input, limits: limits, fragmentSeed: fragmentSeed, rng: &rng)
        compare(whole, fragmented, exactStatus: false)
        if let x = whole.error, let y = fragmented.error, x.status != y.status {
            // Allowed only when a size limit decided it: when a line breaks a limit and another
            // rule at once, which is reported depends on where the reads split it (see
            // Fuzz/README.md). Without limits, the same fragmentation must then agree exactly.
            fuzzRequire(isLimitError(x) || isLimitError(y), "whole input ended with \(x), fragmented with \(y)")
            var unused = FuzzRNG(seed: 0)
            let generousWhole = parseWhole(input, limits: generousLimits)
            let generousFragmented = parseFragmented(input, limits: generousLimits, fragmentSeed: fragmentSeed, rng: &unused)
            compare(generousWhole, generousFragmented, exactStatus: true)
        }

        for request in whole.requests {
            checkRequest(request, limits: limits)
            checkResponse(for: request, rng: &rng)
            checkReparse(request, limits: limits)
        }
        driveLifecycleFromBytes(input, rng: &rng)
    }

    // MARK: Parsing, whole and fragmented

    static func parseWhole(_ input: UnsafeBufferPointer<UInt8>, limits: HTTPLimits) -> Outcome {
        var parser = RequestParser(limits: limits)
        var outcome = Outcome()
        parser.feed(UnsafeRawBufferPointer(input))
        drain(&parser, into: &outcome, inputCount: input.count, onRequest: { _ in })
        outcome.phase = parser.phase
        outcome.buffered = parser.bufferedByteCount
        if parser.expectsContinue {
            fuzzRequire(parser.phase == .body, "expectsContinue outside the body phase")
        }
        return outcome
    }

    /// Calls `next()` until `.needMoreData` or an error; checks the error is sticky.
    static func drain(
        _ parser: inout RequestParser, into outcome: inout Outcome, inputCount: Int,
        onRequest: (HTTPRequest) -> Void
    ) {
        while true {
            switch parser.next() {
            case .request(let request):
                fuzzRequire(!parser.isFailed, "a request was returned by a failed parser")
                outcome.requests.append(request)
                // Each request needs at least "M / HTTP/1.0\n" (14 bytes): anything more is a loop.
                fuzzRequire(outcome.requests.count * 14 <= inputCount, "more requests than the input can hold")
                onRequest(request)
            case .needMoreData:
                fuzzRequire(!parser.isFailed, "needMoreData from a failed parser")
                // Asking again changes nothing.
                let phase = parser.phase, buffered = parser.bufferedByteCount
                if case .needMoreData = parser.next() {} else {
                    fuzzRequire(false, "next() after needMoreData did not return needMoreData again")
                }
                fuzzRequire(parser.phase == phase && parser.bufferedByteCount == buffered, "a repeated next() changed the parser")
                return
            case .error(let error):
                checkFailed(&parser, error)
                if outcome.error == nil { outcome.error = error }
                return
            }
        }
    }

    /// After an error: failed, idle, nothing buffered, and the same error forever.
    static func checkFailed(_ parser: inout RequestParser, _ error: HTTPParseError) {
        fuzzRequire([400, 413, 414, 417, 431, 501, 505].contains(error.status), "unexpected error status \(error)")
        fuzzRequire(!error.reason.isEmpty, "empty error reason")
        fuzzRequire(parser.isFailed, "isFailed is false after an error")
        fuzzRequire(parser.phase == .idle, "phase is \(parser.phase) after an error")
        fuzzRequire(parser.bufferedByteCount == 0, "bytes still buffered after an error")
        fuzzRequire(!parser.expectsContinue, "expectsContinue after an error")
        if case .error(let again) = parser.next() {
            fuzzRequire(again == error, "the error changed from \(error) to \(again)")
        } else {
            fuzzRequire(false, "the parser recovered from \(error)")
        }
    }

    /// Fragment sizes and feed overloads come from `fragmentSeed` alone, so the same split
    /// can be replayed with other limits; `rng` drives the transport model.
    static func parseFragmented(
        _ input: UnsafeBufferPointer<UInt8>, limits: HTTPLimits, fragmentSeed: UInt64, rng: inout FuzzRNG
    ) -> Outcome {
        var parser = RequestParser(limits: limits)
        var outcome = Outcome()
        var transport = TransportModel(rng: &rng)
        var fragments = FuzzRNG(seed: fragmentSeed)
        let mode = fragments.below(8)
        var offset = 0
        while offset < input.count {
            let length: Int
            switch mode {
            case 0: length = input.count  // one read
            case 1: length = 1  // byte by byte
            case 2: length = 1 + fragments.below(3)
            default: length = 1 + fragments.below(1 << (1 + fragments.below(9)))  // 1...512, mostly small
            }
            let end = min(input.count, offset + length)
            let piece = UnsafeBufferPointer(rebasing: input[offset..<end])
            offset = end

            transport.beforeRead(rng: &rng)
            let failedBefore = parser.isFailed
            feed(&parser, piece, rng: &fragments)
            if failedBefore {
                fuzzRequire(parser.bufferedByteCount == 0 && parser.phase == .idle, "a failed parser accepted bytes")
            }
            drain(&parser, into: &outcome, inputCount: input.count) { request in
                transport.dispatched(request)
            }
            if let error = outcome.error, !transport.answeredError {
                transport.answerError(error)
            }
            if parser.expectsContinue {
                fuzzRequire(parser.phase == .body, "expectsContinue outside the body phase")
                if rng.oneIn(2) { parser.acknowledgeContinue() }
                fuzzRequire(parser.phase == .body, "acknowledgeContinue changed the phase")
            }
            transport.afterRead(count: piece.count, phase: parser.phase, rng: &rng)
        }
        transport.finish(rng: &rng)
        outcome.phase = parser.phase
        outcome.buffered = parser.bufferedByteCount
        return outcome
    }

    /// Feeds through one of the four `feed` overloads, sometimes preceded by an empty feed.
    static func feed(_ parser: inout RequestParser, _ piece: UnsafeBufferPointer<UInt8>, rng: inout FuzzRNG) {
        var piece = piece
        // Half the time a Content-Length body is arriving, the transport reads (part of) the
        // piece straight into the body, as Connection does from the socket; the rest is fed.
        // Both draws are made whatever the parser's state, so that the generator's stream (and
        // with it the split of the input) does not depend on it.
        let direct = rng.oneIn(2), maxBytes = 1 + rng.below(64)
        if direct, let remaining = parser.remainingBodyBytes, remaining > 0, !piece.isEmpty {
            let available = piece
            let read = parser.readBody(maxBytes: maxBytes) { room in
                fuzzRequire(room.count > 0 && room.count <= maxBytes && room.count <= remaining, "readBody offered \(room.count) bytes")
                let n = min(room.count, available.count)
                room.copyMemory(from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: available[..<n])))
                return n
            }
            if let (count, _) = read {
                fuzzRequire(parser.remainingBodyBytes == remaining - count, "readBody did not account for \(count) bytes")
                piece = UnsafeBufferPointer(rebasing: piece[count...])
            }
        }
        if rng.oneIn(16) {
            let phase = parser.phase, buffered = parser.bufferedByteCount
            parser.feed([UInt8]())
            fuzzRequire(parser.phase == phase && parser.bufferedByteCount == buffered, "an empty feed changed the parser")
        }
        switch rng.below(4) {
        case 0: parser.feed(UnsafeRawBufferPointer(piece))
        case 1: parser.feed(piece)
        case 2: parser.feed(Array(piece))
        default:
            let padded = [0x58] + Array(piece) + [0x59]
            parser.feed(padded[1..<(padded.count - 1)])
        }
    }

    static func compare(_ a: Outcome, _ b: Outcome, exactStatus: Bool) {
        fuzzRequire(
            a.requests.count == b.requests.count,
            "whole input gave \(a.requests.count) requests, fragmented \(b.requests.count) (errors \(String(describing: a.error)) / \(String(describing: b.error)))")
        for (x, y) in zip(a.requests, b.requests) {
            if let difference = difference(x, y) {
                fuzzRequire(false, "whole and fragmented parses differ: \(difference)")
            }
        }
        fuzzRequire((a.error == nil) == (b.error == nil),
            "whole input ended with \(String(describing: a.error)), fragmented with \(String(describing: b.error))")
        if exactStatus {
            fuzzRequire(a.error?.status == b.error?.status,
                "without limits, whole input ended with \(String(describing: a.error)), fragmented with \(String(describing: b.error))")
        }
        if a.error == nil {
            fuzzRequire(a.phase == b.phase, "final phase \(a.phase) whole, \(b.phase) fragmented")
            fuzzRequire(a.buffered == b.buffered, "buffered \(a.buffered) whole, \(b.buffered) fragmented")
        }
    }

    /// Errors caused by a size limit of `HTTPLimits`.
    static func isLimitError(_ error: HTTPParseError) -> Bool {
        [413, 414, 431].contains(error.status) || error.reason.hasPrefix("A chunk-size line exceeds")
    }

    /// A description of how two requests differ, or nil when they are the same.
    static func difference(_ x: HTTPRequest, _ y: HTTPRequest) -> String? {
        if x.method != y.method { return "method \(x.method) / \(y.method)" }
        if x.target != y.target { return "target \(x.target) / \(y.target)" }
        if x.path != y.path { return "path \(x.path) / \(y.path)" }
        if x.query != y.query { return "query \(String(describing: x.query)) / \(String(describing: y.query))" }
        if x.version != y.version { return "version \(x.version) / \(y.version)" }
        if x.headers != y.headers { return "headers \(Array(x.headers)) / \(Array(y.headers))" }
        if x.bodyFraming != y.bodyFraming { return "framing \(x.bodyFraming) / \(y.bodyFraming)" }
        if x.body != y.body { return "body \(fuzzShow(x.body)) / \(fuzzShow(y.body))" }
        return nil
    }

    // MARK: One request

    static func checkRequest(_ r: HTTPRequest, limits: HTTPLimits) {
        fuzzRequire(r.version == .http1_0 || r.version == .http1_1, "version \(r.version)")
        fuzzRequire(!r.method.isEmpty && r.method.utf8.allSatisfy(ByteClass.isToken), "method \(r.method)")
        fuzzRequire(!r.target.isEmpty && r.target.utf8.allSatisfy(ByteClass.isTargetByte), "target \(r.target)")
        fuzzRequire(r.method.utf8.count + r.target.utf8.count + 10 <= limits.maxRequestLineBytes, "request-line over the limit")
        fuzzRequire(r.headers.count <= limits.maxHeaderCount, "\(r.headers.count) header fields")
        // request-line + LF + final LF, then each field line at its smallest: invalid UTF-8
        // became U+FFFD (3 bytes from as little as 1) and ": " may have been ":".
        var headBytes = r.method.utf8.count + r.target.utf8.count + 12
        for (name, value) in r.headers {
            fuzzRequire(!name.isEmpty && name.utf8.allSatisfy { ByteClass.isToken($0) && !(0x41...0x5A).contains($0) },
                        "field name \(name)")
            fuzzRequire(value.utf8.allSatisfy(ByteClass.isFieldValueByte), "field value \(fuzzShow(value.utf8))")
            if let first = value.utf8.first, let last = value.utf8.last {
                fuzzRequire(!ByteClass.isOWS(first) && !ByteClass.isOWS(last), "untrimmed field value \(fuzzShow(value.utf8))")
            }
            let replacements = value.unicodeScalars.filter { $0 == "\u{FFFD}" }.count
            headBytes += name.utf8.count + 2 + value.utf8.count - 2 * replacements
        }
        fuzzRequire(headBytes <= limits.maxHeaderBytes, "head of at least \(headBytes) bytes")
        fuzzRequire(r.body.count <= limits.maxBodyBytes, "body of \(r.body.count) bytes")

        let hosts = r.headers.values(for: "host").count
        fuzzRequire(hosts <= 1, "\(hosts) Host fields")
        if r.version == .http1_1 { fuzzRequire(hosts == 1, "HTTP/1.1 request without Host") }
        let hasCL = r.headers.contains(name: "content-length")
        let hasTE = r.headers.contains(name: "transfer-encoding")
        switch r.bodyFraming {
        case .none:
            fuzzRequire(r.body.isEmpty && !hasCL && !hasTE, "unframed request with a body or framing fields")
        case .contentLength(let n):
            fuzzRequire(r.body.count == n, "Content-Length \(n) but body of \(r.body.count) bytes")
            fuzzRequire(hasCL && !hasTE, "contentLength framing without exactly Content-Length")
            fuzzRequire(r.contentLength == n && r.hasBodyFraming, "contentLength accessor")
        case .chunked:
            fuzzRequire(hasTE && !hasCL && r.version == .http1_1, "chunked framing without Transfer-Encoding on 1.1")
        }

        // Path and query as the parser split them match the public splitting rules.
        let split = RequestTarget.split(r.target, method: r.method)
        fuzzRequire(split.path == r.path && split.query == r.query,
                    "parser split \(r.target) into \(r.path) ? \(String(describing: r.query)), RequestTarget into \(split)")
        if r.target.utf8.first == UInt8(ascii: "/") {
            fuzzRequire(r.path + (r.query.map { "?" + $0 } ?? "") == r.target, "origin-form path/query do not rebuild the target")
        }
        let built = HTTPRequest(method: r.method, target: r.target, version: r.version, headers: r.headers, body: r.body)
        fuzzRequire(built.path == r.path && built.query == r.query, "HTTPRequest.init splits differently")

        // HTTPHeaders editing, on the parsed fields (names compare case-insensitively).
        if let (name, value) = r.headers.last {
            var edited = r.headers
            let upper = String(decoding: name.utf8.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }, as: UTF8.self)
            fuzzRequire(edited[upper] == r.headers[name] && edited.contains(name: upper), "case-insensitive lookup of \(name)")
            edited.replaceOrAdd(name: upper, value: value + "!")
            fuzzRequire(edited.values(for: name) == [value + "!"], "replaceOrAdd left \(edited.values(for: name))")
            edited.remove(name: name)
            fuzzRequire(!edited.contains(name: upper) && edited.count == r.headers.count - r.headers.values(for: name).count,
                        "remove(name:)")
        }

        // Accessors must not crash; keepAlive follows RFC 9112 §9.3.
        for (name, value) in r.queryItems { _ = name.utf8.count + value.utf8.count }
        _ = HTTPRequest.percentDecode(r.path)
        _ = r.queryValue("a")
        let close = r.headers.containsToken("close", in: "connection")
        if close { fuzzRequire(!r.keepAlive, "Connection: close but keepAlive") }
        if r.version == .http1_1 && !close { fuzzRequire(r.keepAlive, "HTTP/1.1 without close but not keepAlive") }
    }

    /// Serialises a response carrying the request's method, path, fields and body (also as a
    /// header value, so arbitrary bytes reach the sanitiser) and checks the bytes' framing.
    static func checkResponse(for r: HTTPRequest, rng: inout FuzzRNG) {
        let statuses = [100, 101, 199, 200, 201, 204, 304, 400, 404, 413, 500, 599, 600, 999, 1000, 0, -1, Int.max, Int.min]
        let status = statuses[rng.below(statuses.count)]
        var headers = HTTPHeaders()
        headers.add(name: "X-Method", value: r.method)
        headers.add(name: "X-Path", value: r.path)
        for (name, value) in r.headers { headers.add(name: name, value: value) }
        // Arbitrary bytes (CR, LF, NUL, invalid UTF-8) in a value: the serialiser must neutralise them.
        // Names stay tokens: a name is the application's, not the peer's, and is not sanitised for ':'.
        let tokenName = "X-B" + String(decoding: r.body.prefix(16).filter(ByteClass.isToken), as: UTF8.self)
        headers.add(name: tokenName, value: String(decoding: r.body.prefix(300), as: UTF8.self))
        let response = HTTPResponse(status: status, headers: headers, body: r.body)
        let keepAlive = r.keepAlive
        let omitBody = r.method == "HEAD"
        var out: [UInt8] = Array("prefix".utf8)
        response.serialize(into: &out, keepAlive: keepAlive, omitBody: omitBody)
        fuzzRequire(out.starts(with: "prefix".utf8), "serialize(into:) changed existing bytes")
        out.removeFirst(6)
        fuzzRequire(out == response.serialized(keepAlive: keepAlive, omitBody: omitBody), "serialize and serialized differ")
        _ = response.reasonPhrase

        // Head: lines separated by CRLF, no other CR, LF or control byte, up to the first empty line.
        let code = (100...999).contains(status) ? status : 500
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        var i = 0
        var headEnd = -1
        while i < out.count {
            let b = out[i]
            if b == 0x0D {
                fuzzRequire(i + 1 < out.count && out[i + 1] == 0x0A, "bare CR in the response head: \(fuzzShow(out))")
                if i == lineStart {
                    headEnd = i + 2
                    break
                }
                lines.append(out[lineStart..<i])
                i += 2
                lineStart = i
                continue
            }
            fuzzRequire(b != 0x0A, "bare LF in the response head: \(fuzzShow(out))")
            fuzzRequire(b >= 0x20 && b != 0x7F || b == 0x09, "control byte \(b) in the response head")
            i += 1
        }
        fuzzRequire(headEnd > 0, "the response head does not end: \(fuzzShow(out))")
        fuzzRequire(lines.first?.starts(with: Array("HTTP/1.1 \(code) ".utf8)) == true, "status line \(fuzzShow(lines.first ?? []))")
        let allowsBody = HTTPStatus.allowsBody(code)
        let kept = headers.filter { !HTTPResponse.isFramingField($0.name) }.count
        let expectedLines = 1 + kept + (allowsBody ? 1 : 0) + (keepAlive ? 0 : 1)
        fuzzRequire(lines.count == expectedLines, "\(lines.count) head lines, expected \(expectedLines): \(fuzzShow(out))")
        let contentLengthLines = lines.filter { $0.starts(with: "Content-Length: ".utf8) }
        if allowsBody {
            fuzzRequire(contentLengthLines.count == 1 && Array(contentLengthLines[0].dropFirst(16)) == Array(String(r.body.count).utf8),
                        "Content-Length line wrong")
        } else {
            fuzzRequire(contentLengthLines.isEmpty, "Content-Length on a \(code)")
        }
        fuzzRequire(lines.contains { $0.elementsEqual("Connection: close".utf8) } == !keepAlive, "Connection: close mismatch")
        let bodyBytes = out[headEnd...]
        if allowsBody && !omitBody {
            fuzzRequire(bodyBytes.elementsEqual(r.body), "response body differs from the request body")
        } else {
            fuzzRequire(bodyBytes.isEmpty, "a body after a head that allows none")
        }
    }

    /// Writes the request back as HTTP/1.1 bytes and requires the parser to read the same request.
    static func checkReparse(_ r: HTTPRequest, limits: HTTPLimits) {
        var head: [UInt8] = []
        head += r.method.utf8
        head.append(0x20)
        head += r.target.utf8
        head += " HTTP/1.\(r.version.minor)\r\n".utf8
        let requestLineBytes = head.count - 2
        for (name, value) in r.headers {
            head += name.utf8
            head += ": ".utf8
            head += value.utf8
            head += "\r\n".utf8
        }
        head += "\r\n".utf8
        // Values may have grown (invalid UTF-8 became U+FFFD, ":" became ": "); skip if now over a limit.
        guard requestLineBytes <= limits.maxRequestLineBytes, head.count <= limits.maxHeaderBytes else { return }
        var bytes = head
        switch r.bodyFraming {
        case .none: break
        case .contentLength: bytes += r.body
        case .chunked:
            if !r.body.isEmpty {
                bytes += String(r.body.count, radix: 16).utf8
                bytes += "\r\n".utf8
                bytes += r.body
                bytes += "\r\n".utf8
            }
            bytes += "0\r\n\r\n".utf8
        }
        var parser = RequestParser(limits: limits)
        parser.feed(bytes)
        switch parser.next() {
        case .request(let again):
            if let difference = difference(r, again) {
                fuzzRequire(false, "re-serialised request parses differently: \(difference)")
            }
        case .needMoreData:
            fuzzRequire(false, "re-serialised request is incomplete: \(fuzzShow(bytes))")
        case .error(let error):
            fuzzRequire(false, "re-serialised request fails with \(error): \(fuzzShow(bytes))")
        }
        if case .needMoreData = parser.next() {} else {
            fuzzRequire(false, "bytes left after a re-serialised request")
        }
    }

    // MARK: ConnectionLifecycle

    static func lifecycleConfiguration(_ rng: inout FuzzRNG) -> ConnectionLifecycle.Configuration {
        switch rng.below(3) {
        case 0: return ConnectionLifecycle.Configuration()
        case 1:
            return ConnectionLifecycle.Configuration(
                idleTimeout: .microseconds(50), headerTimeout: .microseconds(20),
                bodyTimeout: .microseconds(30), minBodyBytesPerTimeout: 8)
        default:
            return ConnectionLifecycle.Configuration(
                idleTimeout: .nanoseconds(1 + rng.below(1 << 20)), headerTimeout: .nanoseconds(1 + rng.below(1 << 20)),
                bodyTimeout: .nanoseconds(1 + rng.below(1 << 20)), minBodyBytesPerTimeout: rng.below(64))
        }
    }

    /// Interprets the input as a list of (event, time step) byte pairs.
    static func driveLifecycleFromBytes(_ input: UnsafeBufferPointer<UInt8>, rng: inout FuzzRNG) {
        var model = LifecycleModel(configuration: lifecycleConfiguration(&rng), start: UInt64(rng.below(1 << 40)))
        var i = 0
        let phases: [RequestParser.Phase] = [.idle, .head, .body]
        while i + 1 < input.count {
            let a = input[i], b = input[i + 1]
            i += 2
            model.advance(byCode: b)
            switch a % 8 {
            case 0, 1: model.apply(.bytes(count: Int(a >> 3) << (b & 7), phase: phases[Int(a >> 3) % 3]))
            case 2: model.apply(.dispatched)
            case 3: model.apply(.sent(keepAlive: true))
            case 4: model.apply(.sent(keepAlive: a & 0x80 != 0))
            case 5, 6: model.apply(.tick)
            default: model.apply(.shutdown)
            }
        }
    }
}

/// A ConnectionLifecycle with a monotonic clock and the invariants checked after each event.
struct LifecycleModel {
    enum Event {
        case bytes(count: Int, phase: RequestParser.Phase)
        case dispatched
        case sent(keepAlive: Bool)
        case tick
        case shutdown
    }

    var life: ConnectionLifecycle
    private(set) var now: UInt64

    init(configuration: ConnectionLifecycle.Configuration, start: UInt64) {
        now = start
        life = ConnectionLifecycle(configuration: configuration, now: start)
        fuzzRequire(life.nextDeadline.map { $0 > start } ?? false, "a new connection has no future deadline")
    }

    /// Advances the clock by 0 or about 2^k ns, k < 38 (up to ~2 minutes).
    mutating func advance(byCode code: UInt8) {
        let k = UInt64(code % 38)
        advance(by: code == 0 ? 0 : (1 << k) + UInt64(code))
    }

    mutating func advance(by nanoseconds: UInt64) {
        now += nanoseconds
    }

    @discardableResult
    mutating func apply(_ event: Event) -> ConnectionLifecycle.Action {
        let before = life
        let action: ConnectionLifecycle.Action
        switch event {
        case .bytes(let count, let phase): action = life.bytesReceived(now: now, count: count, phaseAfter: phase)
        case .dispatched: action = life.requestDispatched(now: now)
        case .sent(let keepAlive): action = life.responseSent(now: now, keepAlive: keepAlive)
        case .tick: action = life.tick(now: now)
        case .shutdown: action = life.shutdownRequested(now: now)
        }
        let now = self.now
        func what() -> String {
            "\(event) at \(now) from phase \(before.phase), inFlight \(before.inFlight), draining \(before.isDraining), "
                + "deadline \(String(describing: before.nextDeadline)); after: phase \(life.phase), inFlight \(life.inFlight), "
                + "draining \(life.isDraining), closed \(life.isClosed), deadline \(String(describing: life.nextDeadline))"
        }

        if before.isClosed {
            fuzzRequire(action == .none, "event on a closed connection returned \(action): \(what())")
            fuzzRequire(life.isClosed && life.phase == before.phase && life.inFlight == before.inFlight
                        && life.isDraining == before.isDraining, "event on a closed connection changed it: \(what())")
            return action
        }
        if case .close = action {
            fuzzRequire(life.isClosed, "close returned but not closed: \(what())")
        } else {
            fuzzRequire(!life.isClosed, "closed without a close action: \(what())")
        }
        fuzzRequire(life.inFlight >= 0, "negative inFlight: \(what())")
        fuzzRequire(life.keepAliveAllowed == (!life.isDraining && !life.isClosed), "keepAliveAllowed inconsistent: \(what())")
        fuzzRequire(!before.isDraining || life.isDraining, "draining was undone: \(what())")
        if life.isClosed {
            fuzzRequire(life.nextDeadline == nil, "a closed connection has a deadline: \(what())")
        } else if let deadline = life.nextDeadline {
            fuzzRequire(deadline > now, "after \(what()): nextDeadline \(deadline) is not after now \(now)")
        } else {
            fuzzRequire(life.inFlight > 0, "no deadline with nothing in flight: \(what())")
        }
        let expired = before.nextDeadline.map { now >= $0 } ?? false
        let timeout: ConnectionLifecycle.CloseReason = switch before.phase {
        case .idle: .idleTimeout
        case .head: .headerTimeout
        case .body: .bodyTimeout
        }
        switch event {
        case .tick:
            fuzzRequire(action == (expired ? .close(timeout) : .none), "tick returned \(action): \(what())")
        case .bytes:
            if expired { fuzzRequire(action == .close(timeout), "bytes after the deadline returned \(action): \(what())") }
        case .dispatched:
            fuzzRequire(life.inFlight == before.inFlight + 1, "dispatch did not count: \(what())")
            fuzzRequire(action == (life.isDraining ? .closeAfterResponse : .none), "dispatch returned \(action): \(what())")
        case .sent(let keepAlive):
            if !keepAlive {
                fuzzRequire(action == .close(.responseNotKeepAlive), "non-keep-alive response returned \(action): \(what())")
            } else if life.isDraining && life.inFlight == 0 && !life.isClosed {
                fuzzRequire(false, "draining connection with nothing in flight stayed open: \(what())")
            }
        case .shutdown:
            fuzzRequire(life.isDraining || life.isClosed, "shutdown did not drain: \(what())")
            if expired { fuzzRequire(action == .close(timeout), "shutdown after the deadline returned \(action): \(what())") }
            if before.inFlight == 0 && before.phase == .idle {
                fuzzRequire(life.isClosed, "idle connection survived shutdown: \(what())")
            }
        }
        return action
    }
}

/// What a transport does around the parser, driving a LifecycleModel: time passes between
/// reads, requests are dispatched, responses go out later, ticks and one shutdown happen.
struct TransportModel {
    var model: LifecycleModel
    /// keep-alive of each dispatched request not yet answered.
    var pending: [Bool] = []
    var answeredError = false
    var shutdownSent = false

    init(rng: inout FuzzRNG) {
        model = LifecycleModel(configuration: HTTP1Fuzz.lifecycleConfiguration(&rng), start: UInt64(rng.below(1 << 40)))
    }

    mutating func beforeRead(rng: inout FuzzRNG) {
        model.advance(byCode: UInt8(truncatingIfNeeded: rng.next()))
        if rng.oneIn(4) { model.apply(.tick) }
        if !shutdownSent && rng.oneIn(64) {
            shutdownSent = true
            model.apply(.shutdown)
        }
    }

    mutating func dispatched(_ request: HTTPRequest) {
        model.apply(.dispatched)
        pending.append(request.keepAlive)
    }

    mutating func answerError(_ error: HTTPParseError) {
        answeredError = true
        model.apply(.dispatched)
        pending.append(false)
    }

    mutating func afterRead(count: Int, phase: RequestParser.Phase, rng: inout FuzzRNG) {
        model.apply(.bytes(count: count, phase: phase))
        while !pending.isEmpty && rng.oneIn(2) {
            model.advance(byCode: UInt8(truncatingIfNeeded: rng.next()))
            let keepAlive = pending.removeFirst() && model.life.keepAliveAllowed
            model.apply(.sent(keepAlive: keepAlive))
        }
    }

    mutating func finish(rng: inout FuzzRNG) {
        while !pending.isEmpty {
            model.advance(byCode: UInt8(truncatingIfNeeded: rng.next()))
            let keepAlive = pending.removeFirst() && model.life.keepAliveAllowed
            model.apply(.sent(keepAlive: keepAlive))
        }
        model.advance(byCode: UInt8(truncatingIfNeeded: rng.next()))
        model.apply(.tick)
    }
}
