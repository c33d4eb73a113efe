import Dispatch

/// Serialises every write and removal of session files on one queue, so that files are never
/// written concurrently, a slower older snapshot never replaces a newer one, and a session
/// deleted while a snapshot of it was in flight is not brought back.
final class SessionWriter: @unchecked Sendable {
    let directory: SessionDirectory
    private let queue = DispatchQueue(label: "optd.persistence")
    // Touched only on `queue`.
    private var written: [String: UInt64] = [:]
    private var removed: Set<String> = []

    init(directory: SessionDirectory) {
        self.directory = directory
    }

    /// Writes the snapshot unless a newer one of the session was written, or it was deleted.
    func save(_ snapshot: SessionSnapshot) async throws(SessionDirectory.IOError) {
        let result: Result<Void, SessionDirectory.IOError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.saveOnQueue(snapshot))
            }
        }
        try result.get()
    }

    /// The same, from inside a session actor that must not return before the file is on disk
    /// (`--sync-steps`): waits on the writer's queue without suspending the actor.
    func saveNow(_ snapshot: SessionSnapshot) throws(SessionDirectory.IOError) {
        try queue.sync { saveOnQueue(snapshot) }.get()
    }

    func remove(id: String) async throws(SessionDirectory.IOError) {
        let result: Result<Void, SessionDirectory.IOError> = await withCheckedContinuation { continuation in
            queue.async {
                self.removed.insert(id)
                self.written[id] = nil
                do throws(SessionDirectory.IOError) { try self.directory.remove(id: id); continuation.resume(returning: .success(())) }
                catch { continuation.resume(returning: .failure(error)) }
            }
        }
        try result.get()
    }

    private func saveOnQueue(_ snapshot: SessionSnapshot) -> Result<Void, SessionDirectory.IOError> {
        if removed.contains(snapshot.id) { return .success(()) }
        if let done = written[snapshot.id], done >= snapshot.version { return .success(()) }
        do throws(SessionDirectory.IOError) {
            try directory.write(id: snapshot.id, bytes: SessionFile.encode(snapshot))
            written[snapshot.id] = snapshot.version
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}
