// SocketServer: the socket transport of optd. Glibc sockets and Dispatch drive the HTTP1
// codec; the transport knows nothing of optimizers or routes.
//
// Modelled on NIO's split (a listener that accepts, a channel per connection, an outbound
// buffer) with Hummingbird's plain naming. Every connection owns one serial DispatchQueue;
// all of its mutable state is touched only there, so the per-request path takes no lock.
//
//     let server = HTTPServer(configuration: .init(port: 8080), handler: MyHandler())
//     let port = try server.start()
//     ...
//     await server.shutdown(gracePeriod: .seconds(10))
//
// Design decisions:
// - Threads: connection queues target the (non-overcommit) global queue, so about one
//   connection runs per core at a time and a burst does not spawn a thread per connection.
//   The request path has no lock, no Task and no queue hop when the handler responds
//   before returning; a later response makes one `async` onto the connection's queue.
// - Timeouts: one DispatchSourceTimer per server (`LifecycleTicker`, every eighth of the
//   shortest timeout, 20-500 ms) rather than one per connection; connections publish their
//   next deadline in an atomic, so idle connections cost one atomic load per tick.
// - Connection cap: over `maxConnections`, the accept loop writes a ready-made 503
//   problem document with `Connection: close` and closes; nothing is kept for it.
// - Closing after a last response: half-close and a short linger (1 s) that discards input,
//   so the response is not destroyed by a reset. EOF from the client ends the connection.
// - Output: small responses are serialized into a reused buffer and leave in one `send`;
//   a body over 64 KiB is queued by reference and sent from the handler's array (no copy).
//
// Files, one job each:
//   HTTPHandler.swift          the application's entry point
//   ServerConfiguration.swift  address, limits, timeouts, connection cap; documented defaults
//   HTTPServer.swift           start / graceful shutdown / openConnections
//   Posix.swift                thin Glibc wrappers: errors, socket options, monotonic clock
//   SocketAddress.swift        host string to sockaddr (IPv4 / IPv6)
//   ListeningSocket.swift      socket + bind + listen
//   Acceptor.swift             the DispatchSourceRead accepting connections until EAGAIN
//   ConnectionRegistry.swift   the set of open connections, the cap and the drain flag
//   LifecycleTicker.swift      the one server-wide timer that enforces connection timeouts
//   Connection.swift           one connection: read, parse, dispatch, write, close
//   ResponseSlot.swift         hands one response back from any thread, without a hop when synchronous
//   ReadBuffer.swift           the reusable read buffer
//   OutboundBuffer.swift       pending response bytes and non-blocking writes
//   ProblemResponse.swift      RFC 9457 problem documents for parse errors and the connection cap
