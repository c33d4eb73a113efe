// The one thing the application gives the transport.

import HTTP1

/// Answers requests. The transport calls `handle` on the connection's event loop, once
/// per request and in order per connection; it does not parse the next pipelined request of
/// that connection until `respond` has been called.
///
/// `respond` must be called exactly once (later calls are ignored), from any thread, now or
/// later. Calling it before `handle` returns is the fast path: the response is written
/// without any thread hop. A handler that never responds holds its connection open until
/// `HTTPServer.shutdown`'s grace period ends.
///
/// `handle` runs on the connection's event-loop thread, which serves many connections: work
/// done inside it holds all of them, so it must be short (well under a millisecond); longer
/// work belongs on other threads, with `respond` called from there.
///
/// The transport owns the framing: it writes `Content-Length`, `Connection` and, for HEAD
/// requests, omits the body; see `HTTPResponse.serialize(into:keepAlive:omitBody:)`.
/// If the client has gone away by the time `respond` is called, the response is dropped.
public protocol HTTPHandler: Sendable {
    /// Called once per request, in order, per connection; the transport does not read the next
    /// pipelined request of that connection until `respond` is called (exactly once).
    func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void)
}
