import Testing
import TensorJSON
@testable import OptdService

/// Every golden vector over a real socket, through URLSession: JSON and raw.
@Suite("Live server", .serialized)
struct LiveServerTests {
    static let vectors = VectorFile.all()

    @Test("every vector through JSON and raw steps over HTTP")
    func vectorsOverTheNetwork() async throws {
        let live = try LiveServer()
        for vector in Self.vectors {
            // One session stepped with JSON, a twin stepped with raw tensors.
            let created = try await live.json("POST", "/v1/sessions", vector.createBody)
            #expect(created.status == 201, "\(vector): \(created.text)")
            let doc = try JSONParser.parse(created.body)
            #expect(doc["hyperparameters"] == vector.document["resolved_hyperparameters"], "\(vector)")
            let jsonID = doc["id"]!.stringValue!
            let rawID = try JSONParser.parse(try await live.json("POST", "/v1/sessions", vector.createBody).body)["id"]!.stringValue!
            for i in vector.steps.indices {
                let json = try await live.json("POST", "/v1/sessions/\(jsonID)/step", vector.stepBody(i))
                #expect(json.status == 200, "\(vector) step \(i + 1): \(json.text)")
                let params = try JSONParser.parse(json.body)["params"]!
                let bad = vector.mismatches(VectorFile.flat(params, order: vector.tensorOrder),
                                            VectorFile.flat(vector.steps[i]["params"]!, order: vector.tensorOrder))
                #expect(bad.isEmpty, "\(vector) JSON step \(i + 1): \(bad.prefix(3))")

                let raw = try await live.send("POST", "/v1/sessions/\(rawID)/step",
                                              headers: ["Content-Type": "application/octet-stream"],
                                              body: vector.raw(vector.steps[i]["gradients"]!))
                #expect(raw.status == 200 && raw.header("Optimizer-Step") == String(i + 1), "\(vector) raw step \(i + 1)")
                let want = vector.steps[i]["lookahead"] ?? vector.steps[i]["params"]!
                let badRaw = vector.mismatches(vector.decodeRaw(raw.body), VectorFile.flat(want, order: vector.tensorOrder))
                #expect(badRaw.isEmpty, "\(vector) raw step \(i + 1): \(badRaw.prefix(3))")
            }
            _ = try await live.send("DELETE", "/v1/sessions/\(jsonID)")
            _ = try await live.send("DELETE", "/v1/sessions/\(rawID)")
        }
        await live.stop()
    }

    @Test("the API key guards /v1 over the network, healthz stays open")
    func apiKey() async throws {
        let live = try LiveServer(apiKey: "k")
        #expect(try await live.send("GET", "/healthz").status == 200)
        let denied = try await live.send("GET", "/v1/sessions")
        #expect(denied.status == 401 && denied.header("WWW-Authenticate") != nil)
        #expect(try await live.send("GET", "/v1/sessions", headers: ["Authorization": "Bearer k"]).status == 200)
        await live.stop()
    }
}
