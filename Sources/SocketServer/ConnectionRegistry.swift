// The set of open connections, shared by the acceptor, the ticker and shutdown.

import Synchronization

/// Every open `Connection`, keyed by identity. Touched on accept, on close, once per tick
/// and at shutdown, never on the per-request path, so one mutex is enough.
final class ConnectionRegistry: Sendable {
    private struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var draining = false
    }

    private let state = Mutex(State())

    /// Connections currently open (registered and not yet fully closed).
    var count: Int { state.withLock { $0.connections.count } }

    /// Registers `connection`. Returns false when shutdown has begun: the caller must
    /// then ask the connection to shut down too (it was not in `beginDraining`'s list).
    func add(_ connection: Connection) -> Bool {
        state.withLock { state in
            state.connections[ObjectIdentifier(connection)] = connection
            return !state.draining
        }
    }

    /// Called once per connection, after its fd is closed.
    func remove(_ connection: Connection) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// Marks the server as draining and returns the connections open at that moment.
    func beginDraining() -> [Connection] {
        state.withLock { state in
            state.draining = true
            return Array(state.connections.values)
        }
    }

    /// Every connection open now.
    func all() -> [Connection] {
        state.withLock { Array($0.connections.values) }
    }

    /// The connections whose published deadline is at or before `now`. The scan is a
    /// relaxed atomic load per connection, so thousands of idle connections cost
    /// microseconds per tick and only the due ones get a hop onto their loop.
    func due(at now: UInt64) -> [Connection] {
        state.withLock { state in
            var due: [Connection] = []
            for connection in state.connections.values where connection.wakeDeadline.load(ordering: .relaxed) <= now {
                due.append(connection)
            }
            return due
        }
    }
}
