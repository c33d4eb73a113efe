// Decoding of the chunked transfer coding (RFC 9112 §7.1).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Incremental chunked-body decoder:
///
///     chunked-body = *chunk last-chunk trailer-section CRLF
///     chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
///
/// Unlike the head, every line here must end in CRLF exactly: a lone LF (or anything
/// else) after chunk-data or a chunk-size is 400. Lenient chunk parsing is a classic
/// request-smuggling vector, and no real client sends bare LFs in a chunked body.
/// Chunk extensions are validated and ignored; trailer fields are validated and dropped.
struct ChunkedDecoder {
    enum Outcome {
        case needMoreData
        case done
        case failed(HTTPParseError)
    }

    private enum Stage {
        case size
        case data(remaining: Int)
        case dataCRLF
        case trailers
    }

    private var stage = Stage.size
    private var scanned = 0
    private(set) var decodedBytes = 0
    private var trailerBytes = 0
    private var trailerCount = 0

    init() {}

    /// Bytes of chunk-data still expected in the current chunk, when inside one. The
    /// parser uses this to copy socket data straight into the body.
    var remainingInChunk: Int? {
        if case .data(let remaining) = stage { return remaining }
        return nil
    }

    /// Records `n` chunk-data bytes that the caller appended to the body itself.
    mutating func consumedDirectly(_ n: Int) {
        guard case .data(let remaining) = stage else { return }
        decodedBytes += n
        stage = remaining == n ? .dataCRLF : .data(remaining: remaining - n)
    }

    mutating func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, consumed: inout Int, body: inout [UInt8], limits: HTTPLimits
    ) -> Outcome {
        guard let base = bytes.baseAddress else { return .needMoreData }
        let count = bytes.count
        var pos = 0
        defer { consumed = pos }
        while true {
            switch stage {
            case .data(let remaining):
                let take = min(remaining, count - pos)
                if take > 0 {
                    // Array's own geometric growth; a declared chunk size is never reserved up front.
                    body.append(contentsOf: UnsafeBufferPointer(start: base + pos, count: take))
                    pos += take
                    decodedBytes += take
                }
                if take < remaining {
                    stage = .data(remaining: remaining - take)
                    return .needMoreData
                }
                stage = .dataCRLF

            case .dataCRLF:
                let available = count - pos
                if available >= 1 && base[pos] != 0x0D || available >= 2 && base[pos + 1] != 0x0A {
                    return .failed(.badRequest("Chunk data is not followed by CRLF."))
                }
                if available < 2 { return .needMoreData }
                pos += 2
                stage = .size

            case .size, .trailers:
                let isSize: Bool
                if case .size = stage { isSize = true } else { isSize = false }
                let searchFrom = pos + scanned
                guard let lfPointer = memchr(base + searchFrom, 0x0A, count - searchFrom) else {
                    let pending = count - pos
                    if isSize && pending > limits.maxChunkLineBytes + 1 {
                        return .failed(.badRequest("A chunk-size line exceeds \(limits.maxChunkLineBytes) bytes."))
                    }
                    if !isSize && trailerBytes + pending > limits.maxHeaderBytes {
                        return .failed(.headerFieldsTooLarge("The trailer section exceeds \(limits.maxHeaderBytes) bytes."))
                    }
                    scanned = pending
                    return .needMoreData
                }
                scanned = 0
                let lf = UnsafePointer<UInt8>(lfPointer.assumingMemoryBound(to: UInt8.self)) - base
                guard lf > pos, base[lf - 1] == 0x0D else {
                    return .failed(.badRequest("A line in the chunked body does not end with CRLF."))
                }
                let line = UnsafeBufferPointer(start: base + pos, count: lf - 1 - pos)
                let lineBytes = lf + 1 - pos
                pos = lf + 1
                if isSize {
                    if line.count > limits.maxChunkLineBytes {
                        return .failed(.badRequest("A chunk-size line exceeds \(limits.maxChunkLineBytes) bytes."))
                    }
                    switch Self.parseSizeLine(line) {
                    case .failure(let error):
                        return .failed(error)
                    case .success(0):
                        stage = .trailers  // last-chunk
                    case .success(let size):
                        // Checked before any of this chunk's data is read.
                        if size > limits.maxBodyBytes - decodedBytes {
                            return .failed(.contentTooLarge(
                                "The chunked request body exceeds the limit of \(limits.maxBodyBytes) bytes."))
                        }
                        stage = .data(remaining: size)
                    }
                } else {
                    trailerBytes += lineBytes
                    if trailerBytes > limits.maxHeaderBytes {
                        return .failed(.headerFieldsTooLarge("The trailer section exceeds \(limits.maxHeaderBytes) bytes."))
                    }
                    if line.isEmpty {
                        return .done
                    }
                    trailerCount += 1
                    if trailerCount > limits.maxHeaderCount {
                        return .failed(.headerFieldsTooLarge("The trailer section has more than \(limits.maxHeaderCount) fields."))
                    }
                    if let error = Self.validateTrailerField(line) { return .failed(error) }
                }
            }
        }
    }

    /// chunk-size [ chunk-ext ], where chunk-size = 1*HEXDIG and
    /// chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) (RFC 9112 §7.1.1).
    static func parseSizeLine(_ line: UnsafeBufferPointer<UInt8>) -> Result<Int, HTTPParseError> {
        let n = line.count
        var i = 0
        var size = 0
        while i < n, let digit = ByteClass.hexValue(line[i]) {
            // 15 significant hex digits already exceed any sane limit; refuse before overflow.
            if size > (Int.max >> 4) {
                return .failure(.badRequest("The chunk size is too large."))
            }
            size = size << 4 | Int(digit)
            i += 1
        }
        guard i > 0 else { return .failure(.badRequest("A chunk does not start with a hexadecimal size.")) }
        while i < n {
            while i < n && ByteClass.isOWS(line[i]) { i += 1 }
            guard i < n, line[i] == UInt8(ascii: ";") else {
                return .failure(.badRequest("The chunk-size line is malformed."))
            }
            i += 1
            while i < n && ByteClass.isOWS(line[i]) { i += 1 }
            let nameStart = i
            while i < n && ByteClass.isToken(line[i]) { i += 1 }
            guard i > nameStart else { return .failure(.badRequest("A chunk extension has an empty name.")) }
            while i < n && ByteClass.isOWS(line[i]) { i += 1 }
            if i < n && line[i] == UInt8(ascii: "=") {
                i += 1
                while i < n && ByteClass.isOWS(line[i]) { i += 1 }
                guard let end = scanTokenOrQuotedString(line, from: i) else {
                    return .failure(.badRequest("A chunk extension has a malformed value."))
                }
                i = end
            }
        }
        return .success(size)
    }

    /// End index of a token or quoted-string starting at `start` (RFC 9110 §5.6.4), or nil.
    static func scanTokenOrQuotedString(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = line.count
        var i = start
        guard i < n else { return nil }
        if line[i] != UInt8(ascii: "\"") {
            while i < n && ByteClass.isToken(line[i]) { i += 1 }
            return i > start ? i : nil
        }
        i += 1
        while i < n {
            let b = line[i]
            if b == UInt8(ascii: "\"") { return i + 1 }
            if b == UInt8(ascii: "\\") {
                i += 1
                guard i < n, ByteClass.isFieldValueByte(line[i]) else { return nil }
            } else if !ByteClass.isFieldValueByte(b) {
                return nil
            }
            i += 1
        }
        return nil
    }

    /// A trailer field line must be a well-formed field line; its content is discarded.
    static func validateTrailerField(_ line: UnsafeBufferPointer<UInt8>) -> HTTPParseError? {
        if ByteClass.isOWS(line[0]) {
            return .badRequest("Trailer field line folding (obs-fold) is not allowed.")
        }
        var i = 0
        while i < line.count && ByteClass.isToken(line[i]) { i += 1 }
        guard i > 0, i < line.count, line[i] == UInt8(ascii: ":") else {
            return .badRequest("A trailer field line is malformed.")
        }
        for k in (i + 1)..<line.count where !ByteClass.isFieldValueByte(line[k]) {
            return .badRequest("A trailer field value contains a control character.")
        }
        return nil
    }
}
