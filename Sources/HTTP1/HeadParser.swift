// Incremental parsing of a request head: the request-line (RFC 9112 §3) and the
// header field lines (RFC 9112 §5), one complete line at a time.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses one request head. Complete lines are consumed as they arrive, so feeding a
/// head byte by byte costs O(n) in total: only the unterminated tail is rescanned,
/// and only from where the previous scan stopped.
///
/// Line endings: CRLF, or a bare LF (RFC 9112 §2.2 lets a recipient accept a lone LF
/// in the head, as NIO and Go do). A CR anywhere except directly before LF is 400.
struct HeadParser {
    enum Outcome {
        case needMoreData
        case complete(HTTPRequest, expectContinue: Bool)
        case failed(HTTPParseError)
    }

    private enum Stage {
        case requestLine
        case fields
    }

    private var stage = Stage.requestLine
    /// Bytes after the current line start already searched for LF.
    private var scanned = 0
    /// Bytes of this head consumed so far (complete lines, including skipped empty lines).
    private var headBytes = 0
    /// Whether the partial request-line seen so far has reached its first SP.
    private var sawMethodEnd = false

    private var method = ""
    private var target = ""
    private var path = ""
    private var query: String?
    private var version = HTTPVersion.http1_1
    private var fields: [HTTPHeaders.Field] = []
    private var facts = FramingFacts()

    init() {}

    /// True once any byte of this head has been consumed or scanned.
    var hasStarted: Bool { headBytes > 0 || scanned > 0 }

    /// Parses as many complete lines of `bytes` as possible. `consumed` receives how many
    /// leading bytes were used; the caller drops them and passes the rest (plus new data)
    /// next time.
    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, consumed: inout Int, limits: HTTPLimits) -> Outcome {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .needMoreData }
        let count = bytes.count
        var lineStart = 0
        while true {
            let searchFrom = lineStart + scanned
            let found = memchr(base + searchFrom, 0x0A, count - searchFrom)
            guard let lfPointer = found else {
                let pending = count - lineStart
                if let error = checkPartialLine(base + lineStart, oldScanned: scanned, pending: pending, limits: limits) {
                    return .failed(error)
                }
                scanned = pending
                consumed = lineStart
                return .needMoreData
            }
            let lf = UnsafePointer<UInt8>(lfPointer.assumingMemoryBound(to: UInt8.self)) - base
            scanned = 0
            var lineEnd = lf
            if lineEnd > lineStart && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = UnsafeBufferPointer(start: base + lineStart, count: lineEnd - lineStart)
            let lineBytes = lf + 1 - lineStart
            lineStart = lf + 1

            switch stage {
            case .requestLine:
                if line.count > limits.maxRequestLineBytes {
                    return .failed(.uriTooLong("The request-line exceeds \(limits.maxRequestLineBytes) bytes."))
                }
                headBytes += lineBytes
                if headBytes > limits.maxHeaderBytes {
                    return .failed(.headerFieldsTooLarge("The request head exceeds \(limits.maxHeaderBytes) bytes."))
                }
                // RFC 9112 §2.2: a server SHOULD ignore empty lines received before the request-line.
                if line.isEmpty { continue }
                if let error = parseRequestLine(line) { return .failed(error) }
                stage = .fields
            case .fields:
                headBytes += lineBytes
                if headBytes > limits.maxHeaderBytes {
                    return .failed(.headerFieldsTooLarge("The request head exceeds \(limits.maxHeaderBytes) bytes."))
                }
                if line.isEmpty {
                    consumed = lineStart
                    return finish(limits: limits)
                }
                if fields.count >= limits.maxHeaderCount {
                    return .failed(.headerFieldsTooLarge("The request has more than \(limits.maxHeaderCount) header fields."))
                }
                if let error = parseField(line) { return .failed(error) }
            }
        }
    }

    /// Limits and early garbage detection for an unterminated line.
    private mutating func checkPartialLine(
        _ start: UnsafePointer<UInt8>, oldScanned: Int, pending: Int, limits: HTTPLimits
    ) -> HTTPParseError? {
        switch stage {
        case .requestLine:
            // +1: the line may end in the CR of a CRLF whose LF has not arrived yet.
            if pending > limits.maxRequestLineBytes + 1 {
                return .uriTooLong("The request-line exceeds \(limits.maxRequestLineBytes) bytes.")
            }
            // Reject bytes that cannot begin a request-line (a TLS handshake, binary
            // noise) at once instead of waiting for a LF that may never come. Only the
            // newly arrived bytes are examined.
            var i = oldScanned
            while !sawMethodEnd && i < pending {
                let b = start[i]
                if b == 0x20 {
                    if i == 0 { return .badRequest("The request-line must start with a method.") }
                    sawMethodEnd = true
                } else if !ByteClass.isToken(b) && b != 0x0D {
                    return .badRequest("The request does not start with a valid HTTP request-line.")
                }
                i += 1
            }
        case .fields:
            break
        }
        if headBytes + pending > limits.maxHeaderBytes {
            return .headerFieldsTooLarge("The request head exceeds \(limits.maxHeaderBytes) bytes.")
        }
        return nil
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), single SPs.
    private mutating func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) -> HTTPParseError? {
        let n = line.count
        var i = 0
        while i < n && ByteClass.isToken(line[i]) { i += 1 }
        guard i > 0, i < n, line[i] == 0x20 else { return malformed(line, "The request-line is malformed.") }
        let methodBytes = UnsafeBufferPointer(rebasing: line[0..<i])

        let targetStart = i + 1
        var j = targetStart
        var questionMark = -1
        while j < n && line[j] != 0x20 {
            let b = line[j]
            guard ByteClass.isTargetByte(b) else {
                return malformed(line, "The request-target contains a character that is not allowed.")
            }
            if b == UInt8(ascii: "?") && questionMark < 0 { questionMark = j }
            j += 1
        }
        guard j > targetStart, j < n else { return malformed(line, "The request-line is malformed.") }

        // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
        let v = UnsafeBufferPointer(rebasing: line[(j + 1)...])
        guard v.count == 8, v[0] == UInt8(ascii: "H"), v[1] == UInt8(ascii: "T"), v[2] == UInt8(ascii: "T"),
              v[3] == UInt8(ascii: "P"), v[4] == UInt8(ascii: "/"), v[6] == UInt8(ascii: "."),
              case let major = v[5] &- UInt8(ascii: "0"), major < 10,
              case let minor = v[7] &- UInt8(ascii: "0"), minor < 10
        else { return malformed(line, "The request-line does not end with a valid HTTP-version.") }
        guard major == 1, minor <= 1 else {
            return .versionNotSupported("HTTP/\(major).\(minor) is not supported; use HTTP/1.1.")
        }
        version = minor == 1 ? .http1_1 : .http1_0
        fields.reserveCapacity(12)  // one allocation covers typical requests

        method = Self.makeMethod(methodBytes)
        let targetBytes = UnsafeBufferPointer(rebasing: line[targetStart..<j])
        target = String(decoding: targetBytes, as: UTF8.self)
        if targetBytes[0] == UInt8(ascii: "/") {
            // origin-form, the common case: split at the first "?" without re-scanning.
            if questionMark < 0 {
                path = target
                query = nil
            } else {
                path = String(decoding: UnsafeBufferPointer(rebasing: line[targetStart..<questionMark]), as: UTF8.self)
                query = String(decoding: UnsafeBufferPointer(rebasing: line[(questionMark + 1)..<j]), as: UTF8.self)
            }
        } else if target == "*" {
            // asterisk-form is only for OPTIONS (RFC 9112 §3.2.4).
            guard method == "OPTIONS" else { return .badRequest("The asterisk-form target is only allowed with OPTIONS.") }
            (path, query) = ("*", nil)
        } else if method == "CONNECT" || RequestTarget.findSchemeSeparator(target.utf8) != nil {
            // authority-form (CONNECT) or absolute-form, which a server MUST accept (RFC 9112 §3.2.2).
            (path, query) = RequestTarget.split(target, method: method)
        } else {
            return .badRequest("The request-target is not in origin-form or absolute-form.")
        }
        return nil
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
    private mutating func parseField(_ line: UnsafeBufferPointer<UInt8>) -> HTTPParseError? {
        let n = line.count
        if ByteClass.isOWS(line[0]) {
            // RFC 9112 §5.2: obs-fold in a request MUST be rejected (400) or unfolded; we reject.
            // This also covers whitespace between the request-line and the first field (§2.2).
            return .badRequest("Header field line folding (obs-fold) is not allowed.")
        }
        var i = 0
        while i < n && ByteClass.isToken(line[i]) { i += 1 }
        guard i < n, line[i] == UInt8(ascii: ":") else {
            if i < n && ByteClass.isOWS(line[i]) {
                // RFC 9112 §5.1: whitespace between field name and colon MUST be rejected with 400.
                return .badRequest("Whitespace between a header field name and the colon is not allowed.")
            }
            return malformed(line, "A header field line is malformed.")
        }
        guard i > 0 else { return .badRequest("A header field has an empty name.") }
        let nameLength = i

        var start = i + 1
        var end = n
        while start < end && ByteClass.isOWS(line[start]) { start += 1 }
        while end > start && ByteClass.isOWS(line[end - 1]) { end -= 1 }
        for k in start..<end where !ByteClass.isFieldValueByte(line[k]) {
            return line[k] == 0x0D
                ? .badRequest("A bare CR is not allowed in a header field.")
                : .badRequest("A header field value contains a control character.")
        }
        let valueBytes = UnsafeBufferPointer(rebasing: line[start..<end])

        let nameBytes = UnsafeBufferPointer(rebasing: line[0..<nameLength])
        let name: String
        if let known = KnownField(nameBytes) {
            name = known.name
            switch known {
            case .host: facts.addHost(valueBytes)
            case .expect: facts.addExpect(valueBytes)
            case .contentLength: facts.addContentLength(valueBytes)
            case .transferEncoding: facts.addTransferEncoding(valueBytes)
            default: break
            }
        } else {
            // Lowercase the name once, here, straight into the String's storage.
            name = String(unsafeUninitializedCapacity: nameLength) { out in
                for k in 0..<nameLength { out[k] = ByteClass.lowercased(nameBytes[k]) }
                return nameLength
            }
        }
        fields.append(HTTPHeaders.Field(name: name, value: String(decoding: valueBytes, as: UTF8.self)))
        return nil
    }

    /// The head is complete: decide the framing and hand out the request.
    private mutating func finish(limits: HTTPLimits) -> Outcome {
        switch facts.resolve(version: version, limits: limits) {
        case .failure(let error):
            return .failed(error)
        case .success(let framing):
            let request = HTTPRequest(
                method: method, target: target, path: path, query: query, version: version,
                headers: HTTPHeaders(validatedStorage: fields), body: [], bodyFraming: framing)
            // RFC 9110 §10.1.1: a 100-continue expectation in HTTP/1.0 MUST be ignored.
            let expectContinue = facts.expectContinue && version == .http1_1
            self = HeadParser()
            return .complete(request, expectContinue: expectContinue)
        }
    }

    /// A 400 whose reason names a bare CR when that is the actual problem.
    private func malformed(_ line: UnsafeBufferPointer<UInt8>, _ reason: String) -> HTTPParseError {
        if line.contains(0x0D) { return .badRequest("A bare CR is not allowed in the request head.") }
        return .badRequest(reason)
    }

    /// Common methods come from literals (no allocation, no UTF-8 validation).
    @inline(__always)
    private static func makeMethod(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        switch bytes.count {
        case 3:
            if bytes[0] == UInt8(ascii: "G") && bytes[1] == UInt8(ascii: "E") && bytes[2] == UInt8(ascii: "T") { return "GET" }
            if bytes[0] == UInt8(ascii: "P") && bytes[1] == UInt8(ascii: "U") && bytes[2] == UInt8(ascii: "T") { return "PUT" }
        case 4:
            if bytes[0] == UInt8(ascii: "P") && bytes[1] == UInt8(ascii: "O") && bytes[2] == UInt8(ascii: "S")
                && bytes[3] == UInt8(ascii: "T") { return "POST" }
            if bytes[0] == UInt8(ascii: "H") && bytes[1] == UInt8(ascii: "E") && bytes[2] == UInt8(ascii: "A")
                && bytes[3] == UInt8(ascii: "D") { return "HEAD" }
        default:
            break
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
