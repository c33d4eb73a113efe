// Helpers shared by the HTTP1 tests: raw byte input, fragmented feeding, draining the parser.

import HTTP1

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Fragment sizes every parser test runs with: whole buffer, byte by byte, and a few odd splits.
let fragmentations = [Int.max, 1, 2, 3, 7, 64]

struct ParseOutcome {
    var requests: [HTTPRequest] = []
    var error: HTTPParseError?
}

/// Feeds `input` in pieces of at most `chunkSize` bytes, calling `next()` until
/// `.needMoreData` after each piece, and collects every request and the first error.
func parse(_ input: [UInt8], chunkSize: Int = .max, limits: HTTPLimits = .default) -> ParseOutcome {
    var parser = RequestParser(limits: limits)
    var outcome = ParseOutcome()
    var offset = 0
    while offset < input.count {
        let end = min(input.count, offset + min(chunkSize, input.count))
        parser.feed(input[offset..<end])
        offset = end
        drain: while true {
            switch parser.next() {
            case .request(let r): outcome.requests.append(r)
            case .needMoreData: break drain
            case .error(let e):
                outcome.error = e
                return outcome
            }
        }
    }
    return outcome
}

func parse(_ input: String, chunkSize: Int = .max, limits: HTTPLimits = .default) -> ParseOutcome {
    parse(bytes(input), chunkSize: chunkSize, limits: limits)
}

/// The single request of `input`, or nil when parsing produced anything else.
func parseOne(_ input: String, chunkSize: Int = .max, limits: HTTPLimits = .default) -> HTTPRequest? {
    let outcome = parse(input, chunkSize: chunkSize, limits: limits)
    guard outcome.error == nil, outcome.requests.count == 1 else { return nil }
    return outcome.requests[0]
}

/// The status of the error `input` produces, or nil.
func errorStatus(_ input: String, chunkSize: Int = .max, limits: HTTPLimits = .default) -> Int? {
    parse(input, chunkSize: chunkSize, limits: limits).error?.status
}

func errorStatus(_ input: [UInt8], chunkSize: Int = .max, limits: HTTPLimits = .default) -> Int? {
    parse(input, chunkSize: chunkSize, limits: limits).error?.status
}
