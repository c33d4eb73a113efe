// Message-body framing decisions for a request head (RFC 9112 §6), plus the other
// fields whose meaning the codec itself must enforce: Host (§3.2) and Expect (RFC 9110 §10.1.1).

/// Facts gathered from special header fields while the head is parsed, so the framing
/// decision needs no second pass over the fields and no String work.
struct FramingFacts {
    private(set) var contentLength: Int?
    private(set) var contentLengthInvalid = false
    private(set) var contentLengthConflict = false
    private(set) var transferEncodingSeen = false
    private(set) var codingCount = 0
    private(set) var chunkedCount = 0
    private(set) var lastCodingIsChunked = false
    private(set) var unknownCoding = false
    private(set) var hostCount = 0
    private(set) var hostInvalid = false
    private(set) var expectContinue = false
    private(set) var expectUnknown = false

    /// Content-Length = 1*DIGIT (RFC 9110 §8.6). A comma list of identical values, or the
    /// same value on several lines, is merged into one (the recipient MAY do so, §8.6);
    /// differing values, signs, blanks, or values that overflow Int are invalid (400).
    mutating func addContentLength(_ value: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = value.count
        repeat {
            while i < n && ByteClass.isOWS(value[i]) { i += 1 }
            var v = 0
            let start = i
            while i < n, case let d = value[i] &- UInt8(ascii: "0"), d < 10 {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(d))
                if o1 || o2 { contentLengthInvalid = true; return }
                v = s
                i += 1
            }
            if i == start { contentLengthInvalid = true; return }
            while i < n && ByteClass.isOWS(value[i]) { i += 1 }
            if i < n {
                if value[i] != UInt8(ascii: ",") { contentLengthInvalid = true; return }
                i += 1
                if i == n { contentLengthInvalid = true; return }  // trailing comma
            }
            if let existing = contentLength, existing != v { contentLengthConflict = true }
            contentLength = v
        } while i < n
    }

    /// Transfer-Encoding is a comma list of codings, possibly over several lines that
    /// concatenate in order (RFC 9110 §5.3). Codings compare case-insensitively; empty
    /// list elements are ignored (RFC 9110 §5.6.1). Parameters make a coding "unknown".
    mutating func addTransferEncoding(_ value: UnsafeBufferPointer<UInt8>) {
        transferEncodingSeen = true
        forEachListElement(value) { element in
            codingCount += 1
            if bytesEqualCaseInsensitive(element, "chunked") {
                chunkedCount += 1
                lastCodingIsChunked = true
            } else {
                unknownCoding = true
                lastCodingIsChunked = false
            }
        }
    }

    mutating func addHost(_ value: UnsafeBufferPointer<UInt8>) {
        hostCount += 1
        for b in value where !ByteClass.isHostChar(b) {
            hostInvalid = true
            break
        }
    }

    /// Expect (RFC 9110 §10.1.1): "100-continue" (case-insensitive) is the only defined
    /// expectation; anything else earns 417.
    mutating func addExpect(_ value: UnsafeBufferPointer<UInt8>) {
        forEachListElement(value) { element in
            if bytesEqualCaseInsensitive(element, "100-continue") {
                expectContinue = true
            } else {
                expectUnknown = true
            }
        }
    }

    /// The body framing of the request, or the error to answer with.
    func resolve(version: HTTPVersion, limits: HTTPLimits) -> Result<BodyFraming, HTTPParseError> {
        // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host,
        // and to any request with more than one Host line or an invalid Host value.
        if hostCount == 0 && version == .http1_1 {
            return .failure(.badRequest("An HTTP/1.1 request must carry a Host header field."))
        }
        if hostCount > 1 {
            return .failure(.badRequest("The request has more than one Host header field."))
        }
        if hostInvalid {
            return .failure(.badRequest("The Host header field value is not a valid host."))
        }
        let framing: BodyFraming
        if transferEncodingSeen {
            // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
            if version == .http1_0 {
                return .failure(.badRequest("Transfer-Encoding is not allowed in an HTTP/1.0 request."))
            }
            // RFC 9112 §6.3 item 3: both present is a smuggling vector; we reject (the server MAY).
            if contentLength != nil || contentLengthInvalid {
                return .failure(.badRequest("The request has both Transfer-Encoding and Content-Length."))
            }
            // RFC 9112 §6.3: if chunked is not the final coding of a request, its length
            // cannot be determined: 400. RFC 9112 §7.1: chunked must not be applied twice.
            if !lastCodingIsChunked {
                return .failure(.badRequest("The final transfer coding of the request is not chunked."))
            }
            if chunkedCount > 1 {
                return .failure(.badRequest("The chunked transfer coding is applied more than once."))
            }
            // RFC 9112 §6.1: a transfer coding the server does not understand SHOULD be 501.
            if unknownCoding {
                return .failure(.notImplemented("Only the chunked transfer coding is supported."))
            }
            framing = .chunked
        } else if contentLengthInvalid {
            return .failure(.badRequest("The Content-Length header field is not a valid length."))
        } else if contentLengthConflict {
            return .failure(.badRequest("The request has conflicting Content-Length values."))
        } else if let length = contentLength {
            // Decided from the header alone, before any body byte is read.
            if length > limits.maxBodyBytes {
                return .failure(.contentTooLarge(
                    "The request body of \(length) bytes exceeds the limit of \(limits.maxBodyBytes) bytes."))
            }
            framing = .contentLength(length)
        } else {
            // RFC 9112 §6.3 item 6: a request with neither field has no body.
            framing = .none
        }
        if expectUnknown {
            return .failure(.expectationFailed("The only supported expectation is 100-continue."))
        }
        return .success(framing)
    }
}

/// Calls `body` with each non-empty, OWS-trimmed element of a comma-separated list.
@inline(__always)
func forEachListElement(_ value: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    let n = value.count
    var i = 0
    while i < n {
        var end = i
        while end < n && value[end] != UInt8(ascii: ",") { end += 1 }
        var s = i, e = end
        while s < e && ByteClass.isOWS(value[s]) { s += 1 }
        while e > s && ByteClass.isOWS(value[e - 1]) { e -= 1 }
        if e > s { body(UnsafeBufferPointer(rebasing: value[s..<e])) }
        i = end + 1
    }
}
