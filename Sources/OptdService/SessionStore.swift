import Optimizers
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The registry of sessions: an actor holding the id → session map. Creation reserves memory
/// in the budget before any tensor is allocated; deletion releases it.
///
/// The map changes only inside the actor (so that a removal's check, wait and removal stay
/// one transaction), but it sits behind a mutex so that `session(_:)` reads it from any
/// thread without entering the actor: a small step is looked up and applied on its
/// connection's thread (`OptimizerService.handle`).
actor SessionStore {
    private nonisolated let sessions = Mutex<[String: Session]>([:])
    let budget: MemoryBudget
    let engine: StepEngine
    nonisolated let persistence: Persistence?

    init(budget: MemoryBudget, engine: StepEngine, persistence: Persistence?) {
        self.budget = budget
        self.engine = engine
        self.persistence = persistence
    }

    nonisolated var count: Int { sessions.withLock { $0.count } }

    nonisolated func session(_ id: String) -> Session? { sessions.withLock { $0[id] } }

    /// Every session, oldest first.
    nonisolated func all() -> [Session] { sessions.withLock { Array($0.values) }.sorted { $0.createdAt < $1.createdAt || ($0.createdAt == $1.createdAt && $0.id < $1.id) } }

    func insert(_ session: Session) { sessions.withLock { $0[session.id] = session } }

    /// Removes the session, and its file before answering: a deleted session never comes back.
    func remove(_ id: String, ifMatch: IfMatch? = nil) async throws(Problem) -> Bool {
        guard let candidate = session(id) else { return false }
        if let ifMatch {
            let step = await candidate.step
            guard ifMatch.matches(step: step) else { throw Session.preconditionFailed(step) }
        }
        // Another request may have removed it while this one waited for the step.
        guard let session = sessions.withLock({ $0.removeValue(forKey: id) }) else { return false }
        // close() first: a step or PATCH that looked the session up before this cannot reserve
        // budget after its bytes are released (it gets 404 instead).
        budget.release(bytes: await session.close(), session: true)
        if let persistence {
            do { try await persistence.writer.remove(id: id, file: session.file) } catch {
                throw Problem(503, "storage-unavailable", "the session was deleted but its file could not be removed (\(error))")
            }
        }
        return true
    }

    /// Registers sessions read from the data directory at start-up. They are loaded even
    /// past the memory budget (a session is never dropped); the budget then refuses new ones.
    func load(_ snapshots: [SessionSnapshot], report: (String, String) -> Void) {
        for snapshot in snapshots {
            do throws(Problem) {
                let numbers = try snapshot.makeNumbers(engine: engine)
                let history = min(snapshot.earlierIdempotency.count, IdempotencyLog.history) * IdempotencyLog.bytesPerEarlierKey
                budget.forceReserveSession(bytes: numbers.stateBytes + history)
                let session = Session(id: snapshot.id, numbers: numbers, budget: budget, reservedBytes: numbers.stateBytes + history,
                                      now: snapshot.createdAt, persistence: persistence, restoring: snapshot)
                sessions.withLock { $0[snapshot.id] = session }
            } catch {
                report(snapshot.id, error.detail)
            }
        }
    }

    /// Builds and registers a session for a validated request; the tensors are decoded
    /// outside the registry's lock only after the budget has room for them.
    nonisolated func create(_ request: CreateSessionRequest) async throws(Problem) -> Session {
        let bytes = try request.projectedBytes()
        try budget.reserveSession(bytes: bytes)
        let numbers: any SessionNumbers
        do { numbers = try request.makeNumbers(engine: engine) } catch {
            budget.release(bytes: bytes, session: true)
            throw error
        }
        // The projection may differ from what was allocated (a restore with extra buffers).
        let actual = numbers.stateBytes
        if actual > bytes {
            do { try budget.reserve(bytes: actual - bytes) } catch {
                budget.release(bytes: bytes, session: true)
                throw error
            }
        } else {
            budget.release(bytes: bytes - actual, session: false)
        }
        let session = Session(id: Self.newID(), numbers: numbers, budget: budget, reservedBytes: actual, now: .now(),
                              persistence: persistence)
        // A new session is on disk before it is acknowledged, in every durability mode.
        if persistence != nil {
            do { try await session.persist() } catch {
                budget.release(bytes: actual, session: true)
                throw Problem(503, "storage-unavailable", "the session could not be written to disk (\(error)); nothing was created")
            }
        }
        await insert(session)
        return session
    }

    /// 128 random bits from the system's CSPRNG, as 32 hex digits: unguessable.
    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for _ in 0..<2 {
            let word = rng.next()
            for shift in stride(from: 60, through: 0, by: -4) { bytes.append(hex[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
