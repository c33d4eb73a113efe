import Synchronization
import Testing
import HTTP1
@testable import OptdService
import TensorJSON

/// Small steps are applied and answered on the calling (connection's) thread, inside
/// `handle`; larger ones, and steps that find their session busy, go through a task.
@Suite("Steps on the connection's thread")
struct ThreadStepTests {
    static let body = #"{"optimizer":"sgd","hyperparameters":{"lr":0.5},"params":{"w":[1,2]}}"#

    /// Calls `handle` and returns what it had answered by the time it returned.
    static func answeredDuringHandle(_ h: ServiceHarness, _ request: HTTPRequest) -> HTTPResponse? {
        let answer = Mutex<HTTPResponse?>(nil)
        h.service.handle(request) { response in answer.withLock { $0 = response } }
        return answer.withLock { $0 }
    }

    @Test("a small step is answered before handle returns, applied and counted once")
    func smallStepIsAnsweredInline() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let step = ServiceHarness.request("POST", "/v1/sessions/\(id)/step", headers: [("Content-Type", "application/json")],
                                          body: Array(#"{"gradients":{"w":[1,1]}}"#.utf8))
        let response = try #require(Self.answeredDuringHandle(h, step))
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
        let json = [("Content-Type", "application/json")]
        let unknown = ServiceHarness.request("POST", "/v1/sessions/0123/step", headers: json, body: Array(#"{"gradients":{"w":[1,1]}}"#.utf8))
        #expect(Self.answeredDuringHandle(h, unknown)?.status == 404)
        let wrong = ServiceHarness.request("POST", "/v1/sessions/\(id)/step", headers: json, body: Array(#"{"gradients":{"w":[1]}}"#.utf8))
        let problem = try #require(Self.answeredDuringHandle(h, wrong))
        #expect(problem.status == 422)
        #expect(problem.problemField == "/gradients/w")
        #expect(await h.export(id) == before)
    }

    @Test("a step body over the thread's limit (it goes through a task) is applied once")
    func largeStepGoesThroughATask() async throws {
        let h = ServiceHarness()
        let n = OptimizerService.threadStepBodyLimit / 4 + 1
        let id = try await h.create(#"{"optimizer":"sgd","hyperparameters":{"lr":0.5},"params":["# + Array(repeating: "1", count: n).joined(separator: ",") + "]}")
        let ones = (0..<n).flatMap { _ in withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { Array($0) } }
        #expect(ones.count > OptimizerService.threadStepBodyLimit)
        let response = await h.send("POST", "/v1/sessions/\(id)/step", headers: [("Content-Type", "application/octet-stream")], body: ones)
        #expect(response.status == 200)
        #expect(response.headers["Optimizer-Step"] == "1")
        let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
        #expect(doc["params"]?.numbersValue?.doubles == Array(repeating: 0.5, count: n))
    }
}
