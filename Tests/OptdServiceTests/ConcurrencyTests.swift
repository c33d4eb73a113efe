import Testing
import HTTP1
@testable import OptdService
import TensorJSON

/// Steps on one session are serialised; on different sessions they run in parallel.
@Suite("Concurrency")
struct ConcurrencyTests {
    static let body = #"{"optimizer":"sgd","hyperparameters":{"lr":1},"dtype":"float64","params":[0]}"#
    static let step = #"{"gradients":[-1]}"#  // each applied step adds exactly 1

    @Test("16 clients stepping 16 sessions in parallel")
    func manySessions() async throws {
        let h = ServiceHarness()
        var ids: [String] = []
        for _ in 0..<16 { ids.append(try await h.create(Self.body)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    for _ in 0..<50 {
                        let r = await h.json("POST", "/v1/sessions/\(id)/step", Self.step)
                        if r.status != 200 { throw HarnessError("\(r.status) \(r.text)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        for id in ids {
            let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
            #expect(doc["step"]?.integerValue == 50)
            #expect(doc["params"]?.numbersValue?.doubles == [50])
        }
    }

    @Test("8 clients racing with If-Match: every 200 is exactly one step, none lost")
    func racingIfMatch() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let successes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var ok = 0
                    for _ in 0..<40 {
                        let current = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()["step"]!.integerValue!
                        let r = await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("If-Match", "\"\(current)\"")])
                        switch r.status {
                        case 200:
                            ok += 1
                            if try r.jsonValue()["step"]?.integerValue != current + 1 { throw HarnessError("200 not exactly one step") }
                        case 412: break
                        default: throw HarnessError("\(r.status) \(r.text)")
                        }
                    }
                    return ok
                }
            }
            return try await group.reduce(0, +)
        }
        let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
        #expect(doc["step"]?.integerValue == successes)
        #expect(doc["params"]?.numbersValue?.doubles == [Double(successes)])
        #expect(successes > 0)
    }

    @Test("8 clients stepping one session blindly: every step applied exactly once")
    func blind() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<25 {
                        let r = await h.json("POST", "/v1/sessions/\(id)/step", Self.step)
                        if r.status != 200 { throw HarnessError("\(r.status)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
        #expect(doc["step"]?.integerValue == 200)
        #expect(doc["params"]?.numbersValue?.doubles == [200])
    }

    @Test("closing checks If-Match in the same turn: a stale tag refuses and leaves the session open, a second close is 404")
    func closeChecksIfMatchInside() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let session = try #require(h.service.store.session(id))
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step).status == 200)
        switch await session.close(ifMatch: try IfMatch(header: "\"0\"")) {
        case .failure(let problem): #expect(problem.status == 412)
        case .success: Issue.record("a stale If-Match closed the session")
        }
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step).status == 200)  // still open
        switch await session.close(ifMatch: try IfMatch(header: "\"2\"")) {
        case .success(let bytes): #expect(bytes > 0)
        case .failure(let problem): Issue.record("\(problem.status) \(problem.detail)")
        }
        switch await session.close(ifMatch: nil) {
        case .failure(let problem): #expect(problem.status == 404)
        case .success: Issue.record("a session closed twice")
        }
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step).status == 404)
    }
}
