// Carrying one response from the handler back to its connection.

import HTTP1
import Synchronization

/// Where the handler's `respond` puts its response. One slot per dispatched request.
///
/// The common case is a handler that responds before `handle` returns: the response is then
/// picked up on the connection's loop thread right after the call, with no thread hop. A
/// later response (from any thread) makes exactly one `EventLoop.execute` onto the
/// connection's loop. The hand-over is one compare-exchange:
///
/// - `respond` moves `inHandler → responded`: `handle` is still running, and the
///   connection takes the response when it returns (`handlerReturned`);
/// - `handlerReturned` moves `inHandler → awaiting`: a later `respond` sees it cannot hand
///   over in place and hops to the loop (`Connection.responseArrived`).
///
/// `@unchecked Sendable`: `response` is written once, by the first `respond`, before the
/// release half of the exchange, and read on the connection's loop thread only after either the
/// acquire half of the failing exchange in `handlerReturned` or the loop hop; `fulfilled`
/// guarantees a single writer.
final class ResponseSlot: @unchecked Sendable {
    private static let inHandler: UInt8 = 0
    private static let awaiting: UInt8 = 1
    private static let responded: UInt8 = 2

    let connection: Connection
    private let state = Atomic<UInt8>(ResponseSlot.inHandler)
    private let fulfilled = Atomic<Bool>(false)
    private var response: HTTPResponse?

    init(connection: Connection) {
        self.connection = connection
    }

    /// The `respond` callback. Calls after the first are ignored.
    func fulfil(_ response: HTTPResponse) {
        guard !fulfilled.exchange(true, ordering: .relaxed) else { return }
        self.response = response
        let (handedOver, _) = state.compareExchange(
            expected: Self.inHandler, desired: Self.responded, ordering: .acquiringAndReleasing)
        if handedOver { return }
        connection.loop.execute { self.connection.responseArrived(self) }
    }

    /// Called on the connection's loop thread right after `handle` returns: the response if it
    /// was given synchronously, else nil (it will arrive through `responseArrived`).
    func handlerReturned() -> HTTPResponse? {
        let (stillWaiting, _) = state.compareExchange(
            expected: Self.inHandler, desired: Self.awaiting, ordering: .acquiringAndReleasing)
        return stillWaiting ? nil : response.take()
    }

    /// The response after the hop (on the connection's loop thread).
    func takeResponse() -> HTTPResponse? {
        response.take()
    }
}
