import Optimizers
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The registry of sessions: an actor through which sessions are registered, loaded and
/// removed. Creation reserves memory in the budget before any tensor is allocated; deletion
/// releases it.
///
/// The id → session map sits behind a mutex, so that `session(_:)` reads it from any thread
/// without entering the actor: a small step is looked up and applied on its connection's
/// thread (`OptimizerService.handle`). What makes a deletion safe against concurrent steps
/// and DELETEs is the session's own `close(ifMatch:)`, not the actor (which lets other calls
/// in while one awaits).
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
    /// False when there is no such session (or another DELETE removed it first).
    func remove(_ id: String, ifMatch: IfMatch? = nil) async throws(Problem) -> Bool {
        guard let session = session(id) else { return false }
        // Closed first, inside the session and together with the If-Match check: a step or
        // PATCH that looked the session up before this gets 404, so it can neither land after
        // a matched ETag nor reserve budget after its bytes are released.
        let bytes: Int
        switch await session.close(ifMatch: ifMatch) {
        case .success(let held): bytes = held
        case .failure(let problem) where problem.status == 404: return false
        case .failure(let problem): throw problem
        }
        if let persistence {
            do { try await persistence.writer.remove(id: id, file: session.file) } catch {
                // All or nothing: a session whose file stays would come back at the next start,
                // so it is not deleted; a retried DELETE can finish the job.
                await session.reopen()
                throw Problem(503, "storage-unavailable", "the session's file could not be removed (\(error)); the session was not deleted — retry the DELETE")
            }
        }
        sessions.withLock { if $0[id] === session { $0[id] = nil } }
        budget.release(bytes: bytes, session: true)
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
