import Synchronization

/// The bytes all sessions' tensors and state buffers may hold, and how many sessions there
/// may be: reserved before anything is allocated, so that a creation or a PATCH that would
/// exceed either is refused with 507 and changes nothing. Synchronous (a mutex, not an actor)
/// so that a session can reserve without suspending in the middle of its own update.
final class MemoryBudget: Sendable {
    let limitBytes: Int
    let maxSessions: Int
    private let state = Mutex<(bytes: Int, sessions: Int)>((0, 0))

    init(limitBytes: Int, maxSessions: Int) {
        self.limitBytes = limitBytes
        self.maxSessions = maxSessions
    }

    var usedBytes: Int { state.withLock { $0.bytes } }
    var sessions: Int { state.withLock { $0.sessions } }

    /// Reserves room for a new session of `bytes`.
    func reserveSession(bytes: Int) throws(Problem) {
        let outcome: Problem? = state.withLock { s in
            if s.sessions >= maxSessions {
                return Problem(507, "session-limit", "optd holds its maximum of \(maxSessions) sessions; delete one first")
            }
            if s.bytes + bytes > limitBytes {
                return Problem(507, "memory-budget", "this session needs \(bytes) bytes; \(limitBytes - s.bytes) of the \(limitBytes)-byte memory budget are free")
            }
            s.sessions += 1
            s.bytes += bytes
            return nil
        }
        if let outcome { throw outcome }
    }

    /// Reserves `bytes` more for an existing session.
    func reserve(bytes: Int) throws(Problem) {
        guard bytes > 0 else { return }
        let ok = state.withLock { s in
            guard s.bytes + bytes <= limitBytes else { return false }
            s.bytes += bytes
            return true
        }
        if !ok {
            throw Problem(507, "memory-budget", "this change needs \(bytes) more bytes; \(limitBytes - usedBytes) of the \(limitBytes)-byte memory budget are free")
        }
    }

    /// Counts a session loaded from disk whatever the limits say.
    func forceReserveSession(bytes: Int) {
        state.withLock { s in
            s.sessions += 1
            s.bytes += bytes
        }
    }

    func release(bytes: Int, session: Bool) {
        state.withLock { s in
            s.bytes -= bytes
            if session { s.sessions -= 1 }
        }
    }
}
