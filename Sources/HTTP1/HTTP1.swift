// HTTP1: a pure HTTP/1.1 codec. Bytes in, requests out; responses in, bytes out.
//
// The module knows nothing of sockets, threads or clocks. A transport owns one
// `RequestParser` and one `ConnectionLifecycle` per connection and, after each read:
//
//     parser.feed(bytesFromSocket)
//     loop: while true {
//         switch parser.next() {
//         case .request(let request): dispatch(request)      // lifecycle.requestDispatched(now:)
//         case .needMoreData: break loop
//         case .error(let error): answer(error.status); close(); return
//         }
//     }
//     if parser.expectsContinue { write "HTTP/1.1 100 Continue\r\n\r\n"; parser.acknowledgeContinue() }
//     action = lifecycle.bytesReceived(now: monotonicNanos, count: n, phaseAfter: parser.phase)
//
// and writes each response with `HTTPResponse.serialize(into:keepAlive:)`, then reports
// `lifecycle.responseSent(now:keepAlive:)`; a timer calls `lifecycle.tick(now:)`.
//
// Files, one job each:
//   HTTPLimits.swift          named size limits and their defaults
//   ByteClasses.swift         RFC 9110 character classes (tchar, field-vchar, host)
//   HTTPHeaders.swift         ordered, case-insensitive header list
//   HTTPVersion.swift         HTTP-version value
//   HTTPRequest.swift         the parsed request
//   QueryItems.swift          query-string splitting and percent-decoding
//   HTTPParseError.swift      parse failures with their response status
//   HeadParser.swift          request-line and header-field lines (RFC 9112 §2-5)
//   KnownField.swift          field names recognised from raw bytes
//   BodyFraming.swift         Content-Length / Transfer-Encoding decisions (RFC 9112 §6)
//   ChunkedDecoder.swift      the chunked transfer coding (RFC 9112 §7.1)
//   RequestParser.swift       the incremental parser tying the above together
//   HTTPStatus.swift          reason phrases and pre-built status lines
//   HTTPResponse.swift        response serialization
//   ConnectionLifecycle.swift timeouts and graceful shutdown as a pure state machine
