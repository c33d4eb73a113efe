import Foundation
import Testing
import HTTP1
@testable import OptdService
import TensorJSON

/// The bounded history of Idempotency-Keys: what it remembers, what it costs in the memory
/// budget, and how it survives in session files (including files written before keys were
/// kept as hashes).
@Suite("Idempotency history")
struct IdempotencyTests {
    @Test("the last key replays, earlier keys are outdated, unknown keys are new")
    func verdicts() {
        var log = IdempotencyLog()
        #expect(log.verdict(key: "a", requestHash: 1) == .new)
        log.record(key: "a", requestHash: 1, step: 1)
        #expect(log.verdict(key: "a", requestHash: 1) == .replay)
        #expect(log.verdict(key: "a", requestHash: 2) == .reusedWithOtherBody(step: 1))
        log.record(key: "b", requestHash: 2, step: 2)
        #expect(log.verdict(key: "a", requestHash: 1) == .outdated(step: 1))
        #expect(log.verdict(key: "b", requestHash: 2) == .replay)
        #expect(log.verdict(key: "c", requestHash: 3) == .new)
    }

    @Test("the history keeps the newest `history` keys and forgets the oldest")
    func bounded() {
        var log = IdempotencyLog()
        let n = IdempotencyLog.history + 10
        for step in 1...n { log.record(key: "k\(step)", requestHash: UInt64(step), step: step) }
        // k1…k(n-1) were earlier keys; only the newest `history` of them are kept.
        #expect(log.earlier.count == IdempotencyLog.history)
        #expect(log.earlierBytes == IdempotencyLog.history * IdempotencyLog.bytesPerEarlierKey)
        #expect(log.earlier.first?.step == n - IdempotencyLog.history)
        #expect(log.earlier.last?.step == n - 1)
        #expect(log.verdict(key: "k1", requestHash: 1) == .new)
        #expect(log.verdict(key: "k\(n - IdempotencyLog.history - 1)", requestHash: 0) == .new)
        #expect(log.verdict(key: "k\(n - IdempotencyLog.history)", requestHash: 0) == .outdated(step: n - IdempotencyLog.history))
        #expect(log.verdict(key: "k\(n - 1)", requestHash: 0) == .outdated(step: n - 1))
        // The ring, rebuilt from its own export oldest first, answers the same.
        let copy = IdempotencyLog(last: log.last, earlier: log.earlier)
        #expect(copy.earlier == log.earlier)
        for step in stride(from: 1, through: n, by: 97) {
            #expect(copy.verdict(key: "k\(step)", requestHash: 0) == log.verdict(key: "k\(step)", requestHash: 0))
        }
    }

    @Test("remembered keys are counted in the memory budget and released with the session")
    func budget() async throws {
        let h = ServiceHarness()
        let id = try await h.create(ContractTests.body)
        let base = h.service.budget.usedBytes
        for k in 0..<5 {
            #expect(await h.json("POST", "/v1/sessions/\(id)/step", ContractTests.step, headers: [("Idempotency-Key", "key-\(k)")]).status == 200)
        }
        // Four keys became earlier ones, 16 bytes each, however long they were.
        #expect(h.service.budget.usedBytes == base + 4 * IdempotencyLog.bytesPerEarlierKey)
        #expect(await h.send("DELETE", "/v1/sessions/\(id)").status == 204)
        #expect(h.service.budget.usedBytes == 0)
    }

    @Test("with no room in the budget, a step still applies and its previous key is forgotten")
    func budgetFull() async throws {
        // Room for the session's 3 float32 params and 3 momentum values only.
        let h = ServiceHarness(memoryBudgetBytes: 24)
        let id = try await h.create(#"{"optimizer":"momentum","dtype":"float32","params":[1,2,3]}"#)
        let step = #"{"gradients":[0.1,0.2,0.3]}"#
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", step, headers: [("Idempotency-Key", "one")]).status == 200)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", step, headers: [("Idempotency-Key", "two")]).status == 200)
        #expect(h.service.budget.usedBytes == 24)
        // "one" could not be remembered: it is new again, not 409.
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", step, headers: [("Idempotency-Key", "one")]).status == 200)
        let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
        #expect(doc["step"]?.integerValue == 3)
    }

    @Test("a session file from before key hashing (keys in clear) still refuses its old keys")
    func oldFileFormat() async throws {
        let dir = PersistenceTests.temporaryDirectory()
        let first = try await PersistenceTests.service(dir)
        let id = try await first.create(PersistenceTests.bodies[0])
        for key in ["old-1", "old-2", "last"] {
            #expect(await first.json("POST", "/v1/sessions/\(id)/step", PersistenceTests.step, headers: [("Idempotency-Key", key)]).status == 200)
        }
        await first.service.persistAll()
        // Rewrite the file's header the way the first format held earlier keys.
        let path = "\(dir)/sessions/\(id).optd"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        var header = String(decoding: bytes[16..<(16 + headerLength)], as: UTF8.self)
        let hashes = try #require(header.range(of: #","earlier_idempotency_key_hashes":\[\[[^\]]*\],\[[^\]]*\]\]"#, options: .regularExpression))
        header.replaceSubrange(hashes, with: #","earlier_idempotency_keys":[["old-1",1],["old-2",2]]"#)
        var rewritten = Array(bytes[0..<12])
        withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian) { rewritten += $0 }
        rewritten += Array(header.utf8)
        rewritten += bytes[(16 + headerLength)..<(bytes.count - 8)]
        let checksum = rewritten.withUnsafeBytes { XXHash64.hash($0) }
        withUnsafeBytes(of: checksum.littleEndian) { rewritten += $0 }
        try Data(rewritten).write(to: URL(fileURLWithPath: path))

        let second = try await PersistenceTests.service(dir)
        let old = await second.json("POST", "/v1/sessions/\(id)/step", PersistenceTests.step, headers: [("Idempotency-Key", "old-1")])
        #expect(old.status == 409)
        #expect(old.text.contains("step 1"))
        let replay = await second.json("POST", "/v1/sessions/\(id)/step", PersistenceTests.step, headers: [("Idempotency-Key", "last")])
        #expect(replay.headers["Idempotent-Replayed"] == "true")
        // Its history costs what the hashed form costs.
        #expect(second.service.budget.usedBytes == first.service.budget.usedBytes)
    }
}
