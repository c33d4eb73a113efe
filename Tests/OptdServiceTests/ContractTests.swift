import Testing
import HTTP1
@testable import OptdService
import TensorJSON

/// The routes and headers of the contract, in-process.
@Suite("Contract")
struct ContractTests {
    static let body = #"{"optimizer":"sgd","hyperparameters":{"lr":0.5},"params":{"w":[1,2]}}"#
    static let step = #"{"gradients":{"w":[1,1]}}"#

    @Test("healthz needs no key; /v1 needs the bearer key")
    func apiKey() async throws {
        let h = ServiceHarness(apiKey: "s3cret")
        #expect(await h.send("GET", "/healthz").status == 200)
        #expect(await h.send("GET", "/metrics").status == 200)
        let denied = await h.send("GET", "/v1/optimizers")
        #expect(denied.status == 401)
        #expect(denied.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
        #expect(await h.send("GET", "/v1/optimizers", headers: [("Authorization", "Bearer wrong")]).status == 401)
        #expect(await h.send("GET", "/v1/optimizers", headers: [("Authorization", "Bearer s3cret")]).status == 200)
        #expect(await h.json("POST", "/v1/sessions", Self.body).status == 401)
    }

    @Test("unknown routes are 404, wrong methods 405 with Allow, both problem documents")
    func routing() async {
        let h = ServiceHarness()
        let missing = await h.send("GET", "/v2/nothing")
        #expect(missing.status == 404 && missing.problemType == "/problems/not-found")
        let wrong = await h.send("PUT", "/v1/sessions")
        #expect(wrong.status == 405 && wrong.headers["Allow"] == "GET, HEAD, POST")
        #expect(wrong.headers["Content-Type"] == "application/problem+json")
        #expect(await h.send("POST", "/v1/sessions/abc").headers["Allow"] == "GET, HEAD, PATCH, DELETE")
        #expect(await h.send("GET", "/v1/sessions/abc/step").headers["Allow"] == "POST")
        let gone = await h.send("GET", "/v1/sessions/0123")
        #expect(gone.status == 404 && gone.problemType == "/problems/session-not-found")
    }

    @Test("list, get, patch, delete")
    func lifecycle() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let list = try await h.send("GET", "/v1/sessions").jsonValue()
        let entry = list["sessions"]!.arrayValue![0]
        #expect(entry["id"]?.stringValue == id)
        #expect(entry["params"] == nil)  // no tensor data in a listing
        #expect(entry["tensors"]!.arrayValue![0]["size"]?.integerValue == 2)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step).status == 200)
        let patched = await h.json("PATCH", "/v1/sessions/\(id)", #"{"hyperparameters":{"momentum":0.9}}"#)
        #expect(patched.status == 200)
        let doc = try patched.jsonValue()
        #expect(doc["step"]?.integerValue == 1)
        #expect(doc["hyperparameters"]!["momentum"]?.doubleValue == 0.9)
        #expect(doc["hyperparameters"]!["lr"]?.doubleValue == 0.5)
        #expect(patched.headers["ETag"] == "\"1\"")
        #expect(await h.send("DELETE", "/v1/sessions/\(id)").status == 204)
        #expect(await h.send("GET", "/v1/sessions/\(id)").status == 404)
        #expect(h.service.budget.usedBytes == 0)
    }

    @Test("If-Match applies only at the expected step, else 412 with current_step")
    func ifMatch() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("If-Match", "\"0\"")]).status == 200)
        let stale = await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("If-Match", "\"0\"")])
        #expect(stale.status == 412)
        #expect(try stale.jsonValue()["current_step"]?.integerValue == 1)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("If-Match", "bogus")]).status == 400)
    }

    @Test("Idempotency-Key: a retry replays, another body is 422, an old key is 409")
    func idempotency() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let first = await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "k1")])
        #expect(first.status == 200 && first.headers["Idempotent-Replayed"] == nil)
        let retry = await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "k1")])
        #expect(retry.status == 200 && retry.headers["Idempotent-Replayed"] == "true")
        #expect(retry.body == first.body)
        let other = await h.json("POST", "/v1/sessions/\(id)/step", #"{"gradients":{"w":[2,2]}}"#, headers: [("Idempotency-Key", "k1")])
        #expect(other.status == 422 && other.problemType == "/problems/idempotency-key-reused")
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "k2")]).status == 200)
        let old = await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Idempotency-Key", "k1")])
        #expect(old.status == 409)
        #expect(try old.jsonValue()["current_step"]?.integerValue == 2)
        let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
        #expect(doc["step"]?.integerValue == 2)
    }

    @Test("a replay returns the step's own result, even after a PATCH changed nag's momentum")
    func replayAfterPatch() async throws {
        let h = ServiceHarness()
        let id = try await h.create(#"{"optimizer":"nag","params":[1.0,2.0]}"#)
        let first = await h.json("POST", "/v1/sessions/\(id)/step", #"{"gradients":[1,1]}"#, headers: [("Idempotency-Key", "a")])
        #expect(await h.json("PATCH", "/v1/sessions/\(id)", #"{"hyperparameters":{"momentum":0.5}}"#).status == 200)
        let replay = await h.json("POST", "/v1/sessions/\(id)/step", #"{"gradients":[1,1]}"#, headers: [("Idempotency-Key", "a")])
        #expect(replay.headers["Idempotent-Replayed"] == "true")
        #expect(replay.body == first.body)
    }

    @Test("If-Match: * matches, lists match any member, weak tags never match; DELETE honours it")
    func ifMatchForms() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("If-Match", "*")]).status == 200)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("If-Match", "\"7\", \"1\"")]).status == 200)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("If-Match", "W/\"2\"")]).status == 412)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("If-Match", "\"99999999999999999999999\"")]).status == 412)
        let refused = await h.send("DELETE", "/v1/sessions/\(id)", headers: [("If-Match", "\"0\"")])
        #expect(refused.status == 412)
        #expect(try refused.jsonValue()["current_step"]?.integerValue == 2)
        #expect(await h.send("GET", "/v1/sessions/\(id)").status == 200)
        #expect(await h.send("DELETE", "/v1/sessions/\(id)", headers: [("If-Match", "\"2\"")]).status == 204)
    }

    @Test("export with include=state, posted back, restores the session exactly", arguments: [
        #"{"optimizer":"adam","hyperparameters":{"amsgrad":true},"params":{"w":[1,2,3],"b":[0.5]}}"#,
        #"{"optimizer":"nadam","hyperparameters":{"variant":"pytorch"},"dtype":"float64","params":[1,2,3]}"#,
        #"{"optimizer":"sgd","hyperparameters":{"momentum":0.9},"params":[1,2]}"#,
        #"{"optimizer":"nag","params":{"w":[0.25,-4]}}"#,
    ])
    func exportRestore(_ body: String) async throws {
        let h = ServiceHarness()
        let id = try await h.create(body)
        let size = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()["tensors"]!.arrayValue!.reduce(0) { $0 + $1["size"]!.integerValue! }
        let raw = [UInt8](repeating: 0, count: 0) + (0..<size).flatMap { i -> [UInt8] in
            let doc = body.contains("float64")
            return doc ? withUnsafeBytes(of: (0.1 * Double(i + 1)).bitPattern.littleEndian) { Array($0) }
                : withUnsafeBytes(of: Float(0.1 * Double(i + 1)).bitPattern.littleEndian) { Array($0) }
        }
        for _ in 0..<3 {
            #expect(await h.send("POST", "/v1/sessions/\(id)/step", headers: [("Content-Type", "application/octet-stream")], body: raw).status == 200)
        }
        let exported = await h.send("GET", "/v1/sessions/\(id)?include=state")
        #expect(exported.status == 200)
        let restored = await h.send("POST", "/v1/sessions", headers: [("Content-Type", "application/json")], body: exported.body)
        #expect(restored.status == 201, "\(restored.text)")
        #expect(restored.headers["ETag"] == "\"3\"")
        let newID = try restored.jsonValue()["id"]!.stringValue!
        func stripIDs(_ v: JSONValue) -> JSONValue {
            guard case .object(var o) = v else { return v }
            for key in ["id", "created_at", "updated_at"] { o[key] = nil }
            return .object(o)
        }
        let a = try await h.send("GET", "/v1/sessions/\(id)?include=state").jsonValue()
        let b = try await h.send("GET", "/v1/sessions/\(newID)?include=state").jsonValue()
        #expect(stripIDs(a) == stripIDs(b))
        // Both continue identically.
        let s1 = await h.send("POST", "/v1/sessions/\(id)/step", headers: [("Content-Type", "application/octet-stream")], body: raw)
        let s2 = await h.send("POST", "/v1/sessions/\(newID)/step", headers: [("Content-Type", "application/octet-stream")], body: raw)
        #expect(s1.body == s2.body)
    }

    @Test("a raw answer still on its way out keeps its params when the next step comes")
    func rawAnswerSharesParams() async throws {
        let h = ServiceHarness()
        let n = 20_000  // 80 kB: large enough to be shared (smaller answers are copies)
        let id = try await h.create(#"{"optimizer":"sgd","hyperparameters":{"lr":0.5},"params":["# + Array(repeating: "1", count: n).joined(separator: ",") + "]}")
        func floats(_ bytes: [UInt8]) -> [Float] {
            stride(from: 0, to: bytes.count, by: 4).map { i in Float(bitPattern: bytes[i..<(i + 4)].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }) }
        }
        let ones = (0..<n).flatMap { _ in withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { Array($0) } }
        let raw = [("Content-Type", "application/octet-stream")]
        let first = await h.send("POST", "/v1/sessions/\(id)/step", headers: raw, body: ones)
        guard case .shared = first.payload else { Issue.record("a raw step's answer should share the params"); return }
        let second = await h.send("POST", "/v1/sessions/\(id)/step", headers: raw, body: ones)
        let fetched = await h.send("GET", "/v1/sessions/\(id)", headers: [("Accept", "application/octet-stream")])
        // `first` was held through the second step: it still says step 1.
        #expect(floats(first.body) == Array(repeating: 0.5, count: n))
        #expect(floats(second.body) == Array(repeating: 0, count: n))
        #expect(floats(fetched.body) == Array(repeating: 0, count: n))
    }

    @Test("Accept picks the other format")
    func accept() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let raw = await h.json("POST", "/v1/sessions/\(id)/step", Self.step, headers: [("Accept", "application/octet-stream")])
        #expect(raw.headers["Content-Type"] == "application/octet-stream" && raw.body.count == 8)
        let bytes = (0..<2).flatMap { _ in withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { Array($0) } }
        let json = await h.send("POST", "/v1/sessions/\(id)/step", headers: [("Content-Type", "application/octet-stream"), ("Accept", "application/json")], body: bytes)
        #expect(json.headers["Content-Type"] == "application/json")
        #expect(try json.jsonValue()["step"]?.integerValue == 2)
    }

    @Test("the memory budget and the session cap answer 507 and change nothing")
    func limits() async throws {
        let small = ServiceHarness(memoryBudgetBytes: 64)
        let big = await small.json("POST", "/v1/sessions", #"{"optimizer":"adam","params":[1,2,3,4,5,6]}"#)  // 3 × 6 × 4 bytes = 72
        #expect(big.status == 507)
        #expect(small.service.budget.usedBytes == 0)
        let capped = ServiceHarness(maxSessions: 1)
        _ = try await capped.create(Self.body)
        #expect(await capped.json("POST", "/v1/sessions", Self.body).status == 507)
        let patchBudget = ServiceHarness(memoryBudgetBytes: 24)
        let id = try await patchBudget.create(#"{"optimizer":"adam","params":[1,2]}"#)  // 24 bytes
        let patch = await patchBudget.json("PATCH", "/v1/sessions/\(id)", #"{"hyperparameters":{"amsgrad":true}}"#)
        #expect(patch.status == 507)
        #expect(try await patchBudget.send("GET", "/v1/sessions/\(id)").jsonValue()["hyperparameters"]!["amsgrad"] == .bool(false))
    }

    @Test("/v1/optimizers lists every optimizer from the kernel table")
    func optimizers() async throws {
        let h = ServiceHarness()
        let list = try await h.send("GET", "/v1/optimizers").jsonValue()["optimizers"]!.arrayValue!
        #expect(list.map { $0["name"]!.stringValue! } == ["sgd", "momentum", "nag", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam"])
        let nadam = list.last!
        #expect(nadam["variants"]!.arrayValue!.map { $0.stringValue! } == ["seed", "pytorch", "optax"])
        let rho = list[4]["hyperparameters"]!.arrayValue!.first { $0["name"]?.stringValue == "rho" }!
        #expect(rho["default"]?.doubleValue == 0.95 && rho["exclusive_maximum"]?.doubleValue == 1)
    }

    @Test("metrics count requests and steps in the Prometheus format")
    func metrics() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        _ = await h.json("POST", "/v1/sessions/\(id)/step", Self.step)
        let text = await h.send("GET", "/metrics").text
        #expect(text.contains(#"optd_http_requests_total{route="/v1/sessions/{id}/step",method="POST",status="200"} 1"#))
        #expect(text.contains(#"optd_steps_total{optimizer="sgd"} 1"#))
        #expect(text.contains("optd_sessions 1"))
        #expect(text.contains("optd_state_bytes 8"))  // sgd without momentum keeps only params: 2 × 4 bytes
        #expect(text.contains(#"optd_http_request_duration_seconds_count{route="/v1/sessions"}"#))
    }

    @Test("a replayed step is answered but not counted as a step")
    func replayNotCounted() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.body)
        let keyed = [("Content-Type", "application/json"), ("Idempotency-Key", "once")]
        #expect(await h.send("POST", "/v1/sessions/\(id)/step", headers: keyed, body: Array(Self.step.utf8)).status == 200)
        let replay = await h.send("POST", "/v1/sessions/\(id)/step", headers: keyed, body: Array(Self.step.utf8))
        #expect(replay.status == 200)
        #expect(replay.headers["Idempotent-Replayed"] == "true")
        let text = await h.send("GET", "/metrics").text
        #expect(text.contains(#"optd_steps_total{optimizer="sgd"} 1"#))
        #expect(text.contains(#"optd_http_requests_total{route="/v1/sessions/{id}/step",method="POST",status="200"} 2"#))
    }
}
