import Foundation
import Testing
import HTTP1
import Logging
@testable import OptdService
import TensorJSON

/// Sessions kept in a data directory: exact across a restart, crash-safe files, corrupt ones
/// set aside.
@Suite("Persistence")
struct PersistenceTests {
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "optd-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func service(_ dir: String, syncSteps: Bool = false) async throws -> ServiceHarness {
        var logger = Logger(label: "optd-test")
        logger.logLevel = .critical
        let service = try await OptimizerService(
            opening: ServiceConfiguration(memoryBudgetBytes: 1 << 30, dataDirectory: dir, saveInterval: .seconds(3600), syncSteps: syncSteps),
            logger: logger)
        return ServiceHarness(service: service)
    }

    static let bodies: [String] = {
        var out: [String] = []
        let configs = [
            #""optimizer":"sgd","hyperparameters":{"momentum":0.9,"nesterov":true}"#,
            #""optimizer":"momentum""#, #""optimizer":"nag""#,
            #""optimizer":"adagrad","hyperparameters":{"initial_accumulator_value":0.1}"#,
            #""optimizer":"adadelta""#, #""optimizer":"rmsprop","hyperparameters":{"centered":true,"momentum":0.5}"#,
            #""optimizer":"adam","hyperparameters":{"amsgrad":true}"#, #""optimizer":"adamw""#,
            #""optimizer":"nadam","hyperparameters":{"variant":"pytorch"}"#,
        ]
        for c in configs {
            for dtype in ["float32", "float64"] {
                out.append(#"{\#(c),"dtype":"\#(dtype)","params":{"w":[0.5,-1.25,3],"b":[0.1]}}"#)
            }
        }
        return out
    }()

    static let step = #"{"gradients":{"w":[0.1,-0.2,0.3],"b":[1e-3]}}"#

    @Test("every optimizer and dtype survives a restart bit for bit, and steps on like a twin")
    func restart() async throws {
        let dir = Self.temporaryDirectory()
        let first = try await Self.service(dir)
        let twin = ServiceHarness()
        var pairs: [(String, String)] = []
        for body in Self.bodies {
            let id = try await first.create(body)
            let twinID = try await twin.create(body)
            for _ in 0..<3 {
                _ = await first.json("POST", "/v1/sessions/\(id)/step", Self.step)
                _ = await twin.json("POST", "/v1/sessions/\(twinID)/step", Self.step)
            }
            pairs.append((id, twinID))
        }
        var before: [String: [UInt8]] = [:]
        for (id, _) in pairs { before[id] = await first.export(id) }
        await first.service.persistAll()

        let second = try await Self.service(dir)
        for (id, twinID) in pairs {
            #expect(await second.export(id) == before[id], "session \(id) changed across the restart")
            let a = await second.json("POST", "/v1/sessions/\(id)/step", Self.step)
            let b = await twin.json("POST", "/v1/sessions/\(twinID)/step", Self.step)
            #expect(a.status == 200 && a.body == b.body)
        }
    }

    @Test("a truncated and a bit-flipped file are set aside; the rest load")
    func corruptFiles() async throws {
        let dir = Self.temporaryDirectory()
        let first = try await Self.service(dir)
        let ids = [try await first.create(Self.bodies[0]), try await first.create(Self.bodies[1]), try await first.create(Self.bodies[2])]
        let files = ids.map { "\(dir)/sessions/\($0).optd" }
        var truncated = try [UInt8](Data(contentsOf: URL(fileURLWithPath: files[0])))
        truncated.removeLast(5)
        try Data(truncated).write(to: URL(fileURLWithPath: files[0]))
        var flipped = try [UInt8](Data(contentsOf: URL(fileURLWithPath: files[1])))
        flipped[flipped.count / 2] ^= 0x10
        try Data(flipped).write(to: URL(fileURLWithPath: files[1]))
        _ = FileManager.default.createFile(atPath: "\(dir)/sessions/\(ids[2]).optd.tmp-123", contents: Data([1, 2, 3]))

        let second = try await Self.service(dir)
        #expect(await second.send("GET", "/v1/sessions/\(ids[0])").status == 404)
        #expect(await second.send("GET", "/v1/sessions/\(ids[1])").status == 404)
        #expect(await second.send("GET", "/v1/sessions/\(ids[2])").status == 200)
        let aside = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/corrupt")
        #expect(aside.count == 2)
        #expect(aside.contains { $0.hasPrefix(ids[0]) } && aside.contains { $0.hasPrefix(ids[1]) })
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/sessions/\(ids[2]).optd.tmp-123"))
    }

    @Test("a deleted session does not come back")
    func deletion() async throws {
        let dir = Self.temporaryDirectory()
        let first = try await Self.service(dir)
        let id = try await first.create(Self.bodies[0])
        #expect(await first.send("DELETE", "/v1/sessions/\(id)").status == 204)
        await first.service.persistAll()
        let second = try await Self.service(dir)
        #expect(await second.send("GET", "/v1/sessions/\(id)").status == 404)
    }

    @Test("with --sync-steps every acknowledged step is on disk without a save")
    func syncSteps() async throws {
        let dir = Self.temporaryDirectory()
        let first = try await Self.service(dir, syncSteps: true)
        let id = try await first.create(Self.bodies[6])
        for _ in 0..<4 { #expect(await first.json("POST", "/v1/sessions/\(id)/step", Self.step).status == 200) }
        let exported = await first.export(id)
        // No persistAll: a crash now would lose nothing.
        let second = try await Self.service(dir)
        #expect(await second.export(id) == exported)
    }

    @Test("without --sync-steps, background saves catch up with changes")
    func backgroundSaves() async throws {
        let dir = Self.temporaryDirectory()
        let first = try await Self.service(dir)
        let id = try await first.create(Self.bodies[7])
        _ = await first.json("POST", "/v1/sessions/\(id)/step", Self.step)
        #expect(await first.service.saveChangedSessions() == 1)
        #expect(await first.service.saveChangedSessions() == 0)  // nothing changed since
        let second = try await Self.service(dir)
        #expect(await second.export(id) == first.export(id))
    }

    @Test("a save pass writes every changed session, more sessions than the writer has lanes")
    func manySessions() async throws {
        let dir = Self.temporaryDirectory()
        let first = try await Self.service(dir)
        let lanes = try #require(first.service.store.persistence?.writer.laneCount)
        var ids: [String] = []
        for k in 0..<(2 * lanes + 3) { ids.append(try await first.create(Self.bodies[k % Self.bodies.count])) }
        for id in ids.prefix(lanes + 1) { #expect(await first.json("POST", "/v1/sessions/\(id)/step", Self.step).status == 200) }
        #expect(await first.service.saveChangedSessions() == lanes + 1)
        #expect(await first.service.saveChangedSessions() == 0)
        let second = try await Self.service(dir)
        for id in ids { #expect(await second.export(id) == first.export(id)) }
    }

    @Test("an older snapshot never replaces a newer file; a write queued after a delete is dropped")
    func writerOrdering() async throws {
        let dir = Self.temporaryDirectory()
        let h = try await Self.service(dir)
        let id = try await h.create(Self.bodies[7])
        let session = try #require(h.service.store.session(id))
        let writer = try #require(h.service.store.persistence?.writer)
        let older = await session.snapshot()
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step).status == 200)
        let newer = await session.snapshot()
        #expect(newer.version > older.version)
        try await writer.save(newer, file: session.file)
        try await writer.save(older, file: session.file)
        let path = "\(dir)/sessions/\(id).optd"
        let onDisk = try SessionFile.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(onDisk.step == 1)

        #expect(await h.send("DELETE", "/v1/sessions/\(id)").status == 204)
        var late = newer
        late.version += 10
        try await writer.save(late, file: session.file)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("with --sync-steps, concurrent steps on one session all land on disk (writes coalesce)")
    func syncStepsConcurrent() async throws {
        let dir = Self.temporaryDirectory()
        let first = try await Self.service(dir, syncSteps: true)
        let id = try await first.create(Self.bodies[6])
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<24 { group.addTask { await first.json("POST", "/v1/sessions/\(id)/step", Self.step).status } }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 24))
        let exported = await first.export(id)
        let second = try await Self.service(dir)
        #expect(await second.export(id) == exported)
        #expect(try await second.send("GET", "/v1/sessions/\(id)").jsonValue()["step"]?.integerValue == 24)
    }

    @Test("a step that looked the session up before its DELETE gets 404 and reserves nothing")
    func stepAfterDelete() async throws {
        let dir = Self.temporaryDirectory()
        let h = try await Self.service(dir)
        let id = try await h.create(Self.bodies[0])
        let keyed = await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "first")])
        #expect(keyed.status == 200)
        let session = try #require(h.service.store.session(id))
        #expect(await h.send("DELETE", "/v1/sessions/\(id)").status == 204)
        #expect(h.service.budget.usedBytes == 0)
        // As if the request had been routed to the session just before the DELETE.
        let body = try JSONParser.parse(Self.step)["gradients"]!
        let late = await session.step(StepInput(body: .json(body), replyFormat: .json, ifMatch: nil,
                                                idempotencyKey: "second", requestHash: 1))
        guard case .failure(let problem) = late else { Issue.record("a step on a deleted session applied"); return }
        #expect(problem.status == 404)
        #expect(h.service.budget.usedBytes == 0)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/sessions/\(id).optd"))
    }

    @Test("a DELETE whose file cannot be removed deletes nothing; the session is written anew and a retry finishes")
    func deleteWhoseFileStays() async throws {
        let dir = Self.temporaryDirectory()
        let h = try await Self.service(dir)
        let id = try await h.create(Self.bodies[0])
        let used = h.service.budget.usedBytes
        // unlink(2) refuses a directory, even for root: the file's place is taken by one.
        let path = "\(dir)/sessions/\(id).optd"
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let refused = await h.send("DELETE", "/v1/sessions/\(id)")
        #expect(refused.status == 503)
        #expect(refused.problemType == "/problems/storage-unavailable")
        #expect(h.service.budget.usedBytes == used)
        #expect(await h.send("GET", "/v1/sessions/\(id)").status == 200)
        try FileManager.default.removeItem(atPath: path)
        await h.service.saveChangedSessions()
        #expect(FileManager.default.fileExists(atPath: path))  // written anew, although it had not changed
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step).status == 200)
        #expect(await h.send("DELETE", "/v1/sessions/\(id)").status == 204)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(h.service.budget.usedBytes == 0)
    }

    @Test("an idempotent retry still replays after a restart")
    func idempotencyAcrossRestart() async throws {
        let dir = Self.temporaryDirectory()
        let first = try await Self.service(dir)
        let id = try await first.create(Self.bodies[0])
        let applied = await first.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "retry-me")])
        await first.service.persistAll()
        let second = try await Self.service(dir)
        let retry = await second.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "retry-me")])
        #expect(retry.headers["Idempotent-Replayed"] == "true")
        #expect(retry.body == applied.body)
        // A key of an earlier step stays outdated across a restart too.
        #expect(await second.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "next")]).status == 200)
        await second.service.persistAll()
        let third = try await Self.service(dir)
        #expect(await third.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "retry-me")]).status == 409)
    }

    @Test("XXH64 matches the reference values")
    func xxhash() {
        func h(_ s: String) -> UInt64 { Array(s.utf8).withUnsafeBytes { XXHash64.hash($0) } }
        #expect(h("") == 0xEF46_DB37_51D8_E999)
        #expect(h("a") == 0xD24E_C4F1_A98C_6E5B)
        #expect(h("abc") == 0x44BC_2CF5_AD77_0999)
        #expect(h("Nobody inspects the spammish repetition") == 0xFBCE_A83C_8A37_8BF1)
    }
}
