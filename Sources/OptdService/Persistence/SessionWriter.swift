import Dispatch
import Synchronization

/// What the writer knows of one session's file; the session owns it and every write of it
/// carries it.
final class SessionFileState: Sendable {
    /// The newest version on disk (0: none yet). A write of an older snapshot is skipped.
    let writtenVersion: Atomic<UInt64>
    /// Set when the session is deleted: writes of it still queued are dropped, so a deleted
    /// session never comes back.
    let deleted = Atomic<Bool>(false)

    init(writtenVersion: UInt64) {
        self.writtenVersion = Atomic(writtenVersion)
    }
}

/// Writes and removes session files off the cooperative thread pool, on a few serial
/// "lanes" (dispatch queues, each with a thread of its own while it has work). A session
/// always uses the same lane, so its writes and its removal happen in order; different
/// sessions' writes — and their fsyncs, which the file system batches — overlap. A blocking
/// fsync never holds a Swift concurrency thread, so `--sync-steps` on one session does not
/// stall steps on the others.
final class SessionWriter: Sendable {
    let directory: SessionDirectory
    private let lanes: [DispatchQueue]

    var laneCount: Int { lanes.count }

    init(directory: SessionDirectory, lanes: Int = 16) {
        self.directory = directory
        self.lanes = (0..<max(1, lanes)).map { DispatchQueue(label: "optd.persistence.\($0)") }
    }

    /// Writes the snapshot unless a newer one of the session is on disk, or it was deleted.
    func save(_ snapshot: SessionSnapshot, file: SessionFileState) async throws(SessionDirectory.IOError) {
        let result: Result<Void, SessionDirectory.IOError> = await withCheckedContinuation { continuation in
            lane(snapshot.id).async {
                continuation.resume(returning: self.write(snapshot, file))
            }
        }
        try result.get()
    }

    /// Removes the session's file; writes of it not yet started are dropped.
    func remove(id: String, file: SessionFileState) async throws(SessionDirectory.IOError) {
        file.deleted.store(true, ordering: .sequentiallyConsistent)
        let result: Result<Void, SessionDirectory.IOError> = await withCheckedContinuation { continuation in
            lane(id).async {
                do throws(SessionDirectory.IOError) {
                    try self.directory.remove(id: id)
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try result.get()
    }

    /// On the session's lane.
    private func write(_ snapshot: SessionSnapshot, _ file: SessionFileState) -> Result<Void, SessionDirectory.IOError> {
        if file.deleted.load(ordering: .sequentiallyConsistent) { return .success(()) }
        if file.writtenVersion.load(ordering: .acquiring) >= snapshot.version { return .success(()) }
        do throws(SessionDirectory.IOError) {
            try directory.write(id: snapshot.id, bytes: SessionFile.encode(snapshot))
            file.writtenVersion.store(snapshot.version, ordering: .releasing)
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// The lane of a session: FNV-1a of its id (ids are random, so lanes fill evenly).
    private func lane(_ id: String) -> DispatchQueue {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return lanes[Int(h % UInt64(lanes.count))]
    }
}
