import Testing
import HTTP1
@testable import OptdService
import TensorJSON

/// Every golden vector through the HTTP contract, in-process: JSON steps and raw steps.
@Suite("Vectors through the service")
struct VectorsOverServiceTests {
    static let vectors = VectorFile.all()

    @Test("JSON steps match the reference; resolved hyperparameters are the vector's", arguments: vectors)
    func jsonSteps(_ vector: VectorFile) async throws {
        let h = ServiceHarness()
        let created = await h.json("POST", "/v1/sessions", vector.createBody)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.headers["ETag"] == "\"0\"")
        let doc = try created.jsonValue()
        #expect(doc["hyperparameters"] == vector.document["resolved_hyperparameters"])
        let id = doc["id"]!.stringValue!
        #expect(created.headers["Location"] == "/v1/sessions/\(id)")
        for i in vector.steps.indices {
            let response = await h.json("POST", "/v1/sessions/\(id)/step", vector.stepBody(i))
            #expect(response.status == 200, "\(response.text)")
            #expect(response.headers["ETag"] == "\"\(i + 1)\"")
            let body = try response.jsonValue()
            #expect(body["step"]?.integerValue == i + 1)
            let bad = vector.mismatches(VectorFile.flat(body["params"]!, order: vector.tensorOrder), VectorFile.flat(vector.steps[i]["params"]!, order: vector.tensorOrder))
            #expect(bad.isEmpty, "\(vector) step \(i + 1): \(bad.prefix(3))")
            if let want = vector.steps[i]["lookahead"] {
                let bad = vector.mismatches(VectorFile.flat(body["lookahead"]!, order: vector.tensorOrder), VectorFile.flat(want, order: vector.tensorOrder))
                #expect(bad.isEmpty, "\(vector) lookahead step \(i + 1): \(bad.prefix(3))")
            }
            // The response has the form the session was created with.
            #expect(body["params"]!.objectValue?.keys == vector.document["params"]!.objectValue?.keys)
        }
    }

    @Test("raw steps return the point of the next gradient, bit for bit what JSON says", arguments: vectors)
    func rawSteps(_ vector: VectorFile) async throws {
        let h = ServiceHarness()
        let id = try await h.create(vector.createBody)
        for i in vector.steps.indices {
            let response = await h.send("POST", "/v1/sessions/\(id)/step",
                                        headers: [("Content-Type", "application/octet-stream")],
                                        body: vector.raw(vector.steps[i]["gradients"]!))
            #expect(response.status == 200, "\(response.text)")
            #expect(response.headers["Content-Type"] == "application/octet-stream")
            #expect(response.headers["Optimizer-Step"] == String(i + 1))
            let want = vector.steps[i]["lookahead"] ?? vector.steps[i]["params"]!
            let bad = vector.mismatches(vector.decodeRaw(response.body), VectorFile.flat(want, order: vector.tensorOrder))
            #expect(bad.isEmpty, "\(vector) raw step \(i + 1): \(bad.prefix(3))")
        }
        // Raw GET gives the params, the same bits as the JSON document.
        let raw = await h.send("GET", "/v1/sessions/\(id)", headers: [("Accept", "application/octet-stream")])
        let doc = try await h.send("GET", "/v1/sessions/\(id)").jsonValue()
        #expect(vector.decodeRaw(raw.body) == vector.inDType(VectorFile.flat(doc["params"]!)))
    }
}
