import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The data directory: one file per session under `sessions/`, written crash-safely, and a
/// `corrupt/` folder where files that fail their checks are moved aside at start-up.
///
/// A write goes to a temporary file in the same directory, which is fsynced, renamed over
/// the session's file, and then the directory itself is fsynced: a crash at any instant
/// leaves either the old or the new version of the file, never a torn one.
struct SessionDirectory: Sendable {
    let root: String
    var sessions: String { root + "/sessions" }
    var corrupt: String { root + "/corrupt" }

    struct IOError: Error, CustomStringConvertible {
        let description: String
    }

    init(root: String) throws(IOError) {
        self.root = root
        for dir in [root, root + "/sessions", root + "/corrupt"] {
            if mkdir(dir, 0o700) != 0 && errno != EEXIST {
                throw IOError(description: "cannot create \(dir): \(String(cString: strerror(errno)))")
            }
        }
        guard access(root + "/sessions", W_OK) == 0 else {
            throw IOError(description: "\(root)/sessions is not writable: \(String(cString: strerror(errno)))")
        }
    }

    func path(for id: String) -> String { "\(sessions)/\(id).optd" }

    /// Writes `bytes` as the file of session `id`, atomically and durably.
    func write(id: String, bytes: [UInt8]) throws(IOError) {
        let target = path(for: id)
        let temporary = "\(target).tmp-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("open", temporary) }
        var written = 0
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        guard ok, fsync(fd) == 0 else {
            let error = failure("write", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            let error = failure("rename", temporary)
            unlink(temporary)
            throw error
        }
        try syncDirectory()
    }

    /// Removes the file of session `id` (if any), durably.
    func remove(id: String) throws(IOError) {
        if unlink(path(for: id)) != 0 && errno != ENOENT { throw failure("unlink", path(for: id)) }
        try syncDirectory()
    }

    private func syncDirectory() throws(IOError) {
        let fd = open(sessions, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", sessions) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync", sessions) }
    }

    private func failure(_ what: String, _ path: String) -> IOError {
        IOError(description: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// Every session file, read and checked. Files that fail are moved to `corrupt/` and
    /// reported through `report`; leftovers of interrupted writes are deleted.
    func loadAll(report: (String, String) -> Void) -> [SessionSnapshot] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sessions)) ?? []
        var loaded: [SessionSnapshot] = []
        for name in names.sorted() {
            let file = "\(sessions)/\(name)"
            if name.contains(".optd.tmp-") {
                unlink(file)  // an interrupted write: the previous version (if any) is intact
                continue
            }
            guard name.hasSuffix(".optd") else { continue }
            do {
                guard let data = FileManager.default.contents(atPath: file) else { throw SessionFile.Corrupt("unreadable") }
                let snapshot = try SessionFile.decode([UInt8](data))
                guard "\(snapshot.id).optd" == name else { throw SessionFile.Corrupt("file name does not match session id \(snapshot.id)") }
                loaded.append(snapshot)
            } catch {
                let aside = "\(corrupt)/\(name).\(Timestamp.now().millisecondsSinceEpoch)"
                rename(file, aside)
                report(file, "\(error); moved to \(aside)")
            }
        }
        return loaded
    }
}
