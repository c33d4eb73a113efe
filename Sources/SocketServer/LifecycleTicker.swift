// The one timer that enforces every connection's timeouts.

import Dispatch
import HTTP1

/// One DispatchSourceTimer per server, rather than one per connection: with many idle
/// keep-alive connections a timer each would cost a kernel timer and a source each, and
/// re-arming on every request. Instead each connection publishes its next deadline in an
/// atomic (`Connection.wakeDeadline`, a relaxed store per event) and this timer, every
/// `interval`, hops onto the loop of only those connections whose deadline has passed;
/// each then re-checks its `ConnectionLifecycle` with the current instant and closes if due.
/// A timeout therefore fires between `timeout` and `timeout + interval` late.
///
/// `@unchecked Sendable`: `source` is set once in init; Dispatch sources are thread-safe.
final class LifecycleTicker: @unchecked Sendable {
    private let source: any DispatchSourceTimer

    /// The tick interval for a lifecycle configuration: an eighth of the shortest timeout,
    /// kept within 20 ms...500 ms (500 ms with the defaults).
    static func interval(for configuration: ConnectionLifecycle.Configuration) -> Duration {
        let shortest = min(configuration.idleTimeout, configuration.headerTimeout, configuration.bodyTimeout)
        return min(max(shortest / 8, .milliseconds(20)), .milliseconds(500))
    }

    init(interval: Duration, queue: DispatchQueue, registry: ConnectionRegistry) {
        let nanos = Int(clamping: MonotonicClock.nanoseconds(interval))
        source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(
            deadline: .now() + .nanoseconds(nanos), repeating: .nanoseconds(nanos), leeway: .nanoseconds(nanos / 4))
        source.setEventHandler {
            for connection in registry.due(at: MonotonicClock.now()) {
                connection.loop.execute { connection.tick() }
            }
        }
    }

    func start() {
        source.activate()
    }

    func stop() {
        source.cancel()
    }
}
