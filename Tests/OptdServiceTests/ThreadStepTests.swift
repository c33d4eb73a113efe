import Dispatch
import Synchronization
import Testing
import HTTP1
@testable import OptdService
import TensorJSON

/// Small steps are applied and answered on the calling (connection's) thread, inside
/// `handle`; steps on large sessions, and steps that find their session busy, go through a task.
@Suite("Steps on the connection's thread")
struct ThreadStepTests {
    static let body = #"{"optimizer":"sgd","hyperparameters":{"lr":0.5},"params":{"w":[1,2]}}"#
    static let json = [("Content-Type", "application/json")]

    /// A handler's answer, whenever it comes.
    final class Answer: Sendable {
        private let value = Mutex<HTTPResponse?>(nil)
        private let arrived = DispatchSemaphore(value: 0)

        /// Calls `handle`; `early` is what it had answered by the time it returned.
        static func send(_ h: ServiceHarness, _ request: HTTPRequest) -> (early: HTTPResponse?, answer: Answer) {
            let answer = Answer()
            h.service.handle(request) { response in
                answer.value.withLock { $0 = response }
                answer.arrived.signal()
            }
            return (answer.value.withLock { $0 }, answer)
        }

        /// The answer, once it has come.
        func wait() async -> HTTPResponse {
            await onPlainThread { [self] in
                arrived.wait()
                return value.withLock { $0! }
            }
        }
    }

    static func session(_ h: ServiceHarness, _ id: String) async throws -> Session {
        let session = try #require(h.service.store.session(id))
        await waitUntilIdle(session.executor)
        return session
    }

    /// Holds `session` (a job blocks inside it) until the returned closure is called, which
    /// waits for the job to end.
    static func hold(_ session: Session) async -> @Sendable () async -> Void {
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let holder = Task { await session.holdForTest(entered: entered, release: release) }
        await onPlainThread { entered.wait() }
        return {
            release.signal()
            await holder.value
        }
    }

    static func stepRequest(_ id: String, _ w: [Double] = [1, 1]) -> HTTPRequest {
        ServiceHarness.request("POST", "/v1/sessions/\(id)/step", headers: json,
                               body: Array(#"{"gradients":{"w":\#(w)}}"#.utf8))
    }

    @Test("a small step is answered before handle returns, applied and counted once")
    func smallStepIsAnsweredInline() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        _ = try await Self.session(h, id)
        let response = try #require(Answer.send(h, Self.stepRequest(id)).early)
        #expect(response.status == 200)
        #expect(try response.jsonValue()["params"]?["w"]?.numbersValue?.doubles == [0.5, 1.5])
        let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
        #expect(doc["step"]?.integerValue == 1)
        #expect(await h.send("GET", "/metrics").text.contains(#"optd_steps_total{optimizer="sgd"} 1"#))
    }

    @Test("a small step's problems are answered inline too, and change nothing")
    func smallStepProblemsAreAnsweredInline() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let before = await h.export(id)
        _ = try await Self.session(h, id)
        #expect(Answer.send(h, Self.stepRequest("0123")).early?.status == 404)
        let problem = try #require(Answer.send(h, Self.stepRequest(id, [1])).early)
        #expect(problem.status == 422)
        #expect(problem.problemField == "/gradients/w")
        #expect(await h.export(id) == before)
    }

    @Test("a step that finds its session busy waits for it, then is applied and counted once")
    func busySessionSendsTheStepToATask() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let release = await Self.hold(try await Self.session(h, id))
        let (early, answer) = Answer.send(h, Self.stepRequest(id))
        #expect(early == nil)
        await release()
        let response = await answer.wait()
        #expect(response.status == 200)
        #expect(response.headers["Optimizer-Step"] == "1")
        #expect(try response.jsonValue()["params"]?["w"]?.numbersValue?.doubles == [0.5, 1.5])
        #expect(await h.send("GET", "/metrics").text.contains(#"optd_steps_total{optimizer="sgd"} 1"#))
    }

    @Test("a session at the element limit is stepped on the thread; one over it is left to a task, which applies it once")
    func elementLimit() async throws {
        let h = ServiceHarness()
        func rawStep(_ id: String, _ n: Int) -> HTTPRequest {
            let ones = (0..<n).flatMap { _ in withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { Array($0) } }
            return ServiceHarness.request("POST", "/v1/sessions/\(id)/step", headers: [("Content-Type", "application/octet-stream")], body: ones)
        }
        for n in [OptimizerService.threadStepElementLimit, OptimizerService.threadStepElementLimit + 1] {
            let id = try await h.create(#"{"optimizer":"sgd","hyperparameters":{"lr":0.5},"params":["# + Array(repeating: "1", count: n).joined(separator: ",") + "]}")
            _ = try await Self.session(h, id)
            let request = rawStep(id, n)
            #expect(request.body.count <= OptimizerService.threadStepBodyLimit)  // the session's size decides, not the body's
            switch h.service.stepOnThisThread(id, request) {
            case .answered(let response):
                #expect(n == OptimizerService.threadStepElementLimit)
                #expect(response.status == 200)
            case .sessionTooLarge:
                #expect(n > OptimizerService.threadStepElementLimit)
                #expect(try await h.send("GET", "/v1/sessions/\(id)").jsonValue()["step"]?.integerValue == 0)
                let response = await h.send("POST", "/v1/sessions/\(id)/step", headers: [("Content-Type", "application/octet-stream")], body: request.body)
                #expect(response.headers["Optimizer-Step"] == "1")
            case .sessionBusy:
                Issue.record("the session was idle")
            }
            let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
            #expect(doc["step"]?.integerValue == 1)
            #expect(doc["params"]?.numbersValue?.doubles == Array(repeating: 0.5, count: n))
        }
    }
}

extension Session {
    /// Holds the session (its thread blocks) until `release` is signalled: for tests that need
    /// a busy session.
    func holdForTest(entered: DispatchSemaphore, release: DispatchSemaphore) {
        entered.signal()
        release.wait()
    }
}
