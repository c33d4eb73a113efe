import Testing
import HTTP1
@testable import OptdService
import TensorJSON

/// The bad-input catalogue: each case gets its status and problem document, and leaves the
/// session's exported state byte-identical.
@Suite("Bad input")
struct BadInputTests {
    static let createBody = #"{"optimizer":"adam","hyperparameters":{"lr":0.01},"params":{"weight":[1,2,3],"bias":[0.5]}}"#
    static let goodStep = #"{"gradients":{"weight":[0.1,0.2,0.3],"bias":[0.4]}}"#

    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let contentType: String?
        let body: [UInt8]
        let status: Int
        let type: String
        let field: String?

        init(_ d: String, _ body: String, _ status: Int, _ type: String, field: String? = nil, contentType: String? = "application/json") {
            self.init(d, Array(body.utf8), status, type, field: field, contentType: contentType)
        }

        init(_ d: String, _ body: [UInt8], _ status: Int, _ type: String, field: String? = nil, contentType: String?) {
            description = d
            self.body = body
            self.status = status
            self.type = type
            self.field = field
            self.contentType = contentType
        }
    }

    static func float32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    static let stepCases: [Case] = [
        Case("malformed JSON", #"{"gradients": {"weight": [1,2,"#, 400, "/problems/malformed-json"),
        Case("NaN token", #"{"gradients":{"weight":[NaN,0,0],"bias":[0]}}"#, 400, "/problems/malformed-json"),
        Case("Infinity token", #"{"gradients":{"weight":[Infinity,0,0],"bias":[0]}}"#, 400, "/problems/malformed-json"),
        Case("number overflowing float32", #"{"gradients":{"weight":[1e39,0,0],"bias":[0]}}"#, 422, "/problems/non-finite-value", field: "/gradients/weight/0"),
        Case("null in an array", #"{"gradients":{"weight":[0,null,0],"bias":[0]}}"#, 422, "/problems/invalid-request", field: "/gradients/weight/1"),
        Case("string in an array", #"{"gradients":{"weight":[0,0,"0"],"bias":[0]}}"#, 422, "/problems/invalid-request", field: "/gradients/weight/2"),
        Case("too short", #"{"gradients":{"weight":[0,0],"bias":[0]}}"#, 422, "/problems/tensor-mismatch", field: "/gradients/weight"),
        Case("too long", #"{"gradients":{"weight":[0,0,0],"bias":[0,1]}}"#, 422, "/problems/tensor-mismatch", field: "/gradients/bias"),
        Case("more numbers than the session has", #"{"gradients":{"weight":[0,0,0,0,0],"bias":[0]}}"#, 422, "/problems/tensor-mismatch", field: "/gradients/weight"),
        Case("several tensors, together far over the session's size", #"{"gradients":{"weight":[0,0,0],"bias":[0],"a":["# + String(repeating: "0,", count: 40) + #"0],"b":["# + String(repeating: "0,", count: 40) + #"0]}}"#,
             422, "/problems/tensor-mismatch", field: "/gradients"),
        Case("a huge array, refused at the session's size", #"{"gradients":{"weight":["# + String(repeating: "0,", count: 200_000) + #"0],"bias":[0]}}"#,
             422, "/problems/tensor-mismatch", field: "/gradients"),
        Case("a huge array of non-numbers", #"{"gradients":{"weight":["# + String(repeating: "[],", count: 100_000) + #"[]],"bias":[0]}}"#,
             422, "/problems/tensor-mismatch", field: "/gradients"),
        Case("missing tensor", #"{"gradients":{"weight":[0,0,0]}}"#, 422, "/problems/tensor-mismatch", field: "/gradients/bias"),
        Case("extra tensor", #"{"gradients":{"weight":[0,0,0],"bias":[0],"gamma":[1]}}"#, 422, "/problems/tensor-mismatch", field: "/gradients/gamma"),
        Case("misnamed tensor", #"{"gradients":{"weights":[0,0,0],"bias":[0]}}"#, 422, "/problems/tensor-mismatch", field: "/gradients/weights"),
        Case("bare array for named tensors", #"{"gradients":[0,0,0,0]}"#, 422, "/problems/tensor-mismatch", field: "/gradients"),
        Case("no gradients", #"{}"#, 422, "/problems/invalid-request", field: "/gradients"),
        Case("unknown member", #"{"gradients":{"weight":[0,0,0],"bias":[0]},"lr":1}"#, 422, "/problems/invalid-request", field: "/lr"),
        Case("not an object", #"[1,2,3]"#, 422, "/problems/invalid-request", field: ""),
        Case("deeply nested", String(repeating: "[", count: 100_000), 400, "/problems/malformed-json"),
        Case("unsupported content type", "gradients=1", 415, "/problems/unsupported-media-type", contentType: "application/x-www-form-urlencoded"),
        Case("no content type", goodStep, 415, "/problems/unsupported-media-type", contentType: nil),
        Case("raw body of the wrong length", float32Bytes([0, 0, 0]), 422, "/problems/tensor-mismatch", contentType: "application/octet-stream"),
        Case("raw body with NaN", float32Bytes([0, .nan, 0, 0]), 422, "/problems/non-finite-value", contentType: "application/octet-stream"),
        Case("raw body with infinity", float32Bytes([0, 0, 0, -.infinity]), 422, "/problems/non-finite-value", contentType: "application/octet-stream"),
        Case("gradient whose square overflows", #"{"gradients":{"weight":[3e38,0,0],"bias":[0]}}"#, 422, "/problems/non-finite-result"),
    ]

    @Test("a bad step is refused and changes nothing", arguments: stepCases)
    func badStep(_ c: Case) async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.createBody)
        #expect(await h.json("POST", "/v1/sessions/\(id)/step", Self.goodStep).status == 200)
        let before = await h.export(id)
        let response = await h.send("POST", "/v1/sessions/\(id)/step",
                                    headers: c.contentType.map { [("Content-Type", $0)] } ?? [], body: c.body)
        #expect(response.status == c.status, "\(c): \(response.text)")
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(response.problemType == c.type, "\(c): \(response.text)")
        if let field = c.field { #expect(response.problemField == field, "\(c): \(response.text)") }
        let problem = try response.jsonValue()
        #expect(problem["status"]?.integerValue == c.status)
        #expect(problem["title"]?.stringValue?.isEmpty == false)
        #expect(problem["detail"]?.stringValue?.isEmpty == false)
        #expect(await h.export(id) == before, "\(c) changed the session")
    }

    static let createCases: [Case] = [
        Case("unknown optimizer", #"{"optimizer":"adamm","params":[1]}"#, 422, "/problems/unknown-optimizer", field: "/optimizer"),
        Case("unknown hyperparameter", #"{"optimizer":"adam","hyperparameters":{"learning_rate":1},"params":[1]}"#, 422, "/problems/invalid-hyperparameter", field: "/hyperparameters/learning_rate"),
        Case("mistyped hyperparameter", #"{"optimizer":"adam","hyperparameters":{"amsgrad":"yes"},"params":[1]}"#, 422, "/problems/invalid-hyperparameter", field: "/hyperparameters/amsgrad"),
        Case("boolean as number", #"{"optimizer":"adam","hyperparameters":{"amsgrad":1},"params":[1]}"#, 422, "/problems/invalid-hyperparameter", field: "/hyperparameters/amsgrad"),
        Case("negative lr", #"{"optimizer":"sgd","hyperparameters":{"lr":-1},"params":[1]}"#, 422, "/problems/invalid-hyperparameter", field: "/hyperparameters/lr"),
        Case("beta out of range", #"{"optimizer":"adam","hyperparameters":{"betas":[0.9,1]},"params":[1]}"#, 422, "/problems/invalid-hyperparameter", field: "/hyperparameters/betas/1"),
        Case("rho out of range", #"{"optimizer":"adadelta","hyperparameters":{"rho":1.5},"params":[1]}"#, 422, "/problems/invalid-hyperparameter", field: "/hyperparameters/rho"),
        Case("nesterov without momentum", #"{"optimizer":"sgd","hyperparameters":{"nesterov":true},"params":[1]}"#, 422, "/problems/invalid-hyperparameter", field: "/hyperparameters/nesterov"),
        Case("unknown dtype", #"{"optimizer":"sgd","dtype":"float16","params":[1]}"#, 422, "/problems/invalid-request", field: "/dtype"),
        Case("no params", #"{"optimizer":"sgd"}"#, 422, "/problems/invalid-request", field: "/params"),
        Case("empty params", #"{"optimizer":"sgd","params":{}}"#, 422, "/problems/invalid-request", field: "/params"),
        Case("null param", #"{"optimizer":"sgd","params":{"w":[1,null]}}"#, 422, "/problems/invalid-request", field: "/params/w/1"),
        Case("param overflowing float32", #"{"optimizer":"sgd","params":[1,1e39]}"#, 422, "/problems/non-finite-value", field: "/params/1"),
        Case("unknown state buffer", #"{"optimizer":"adam","params":[1],"state":{"exp_avgs":[0]}}"#, 422, "/problems/invalid-state", field: "/state/exp_avgs"),
        Case("negative exp_avg_sq", #"{"optimizer":"adam","params":[1],"state":{"exp_avg_sq":[-1]}}"#, 422, "/problems/invalid-state", field: "/state/exp_avg_sq/0"),
        Case("state of the wrong size", #"{"optimizer":"adam","params":[1,2],"state":{"exp_avg":[0]}}"#, 422, "/problems/tensor-mismatch", field: "/state/exp_avg"),
        Case("mu_product for an optimizer without it", #"{"optimizer":"adam","params":[1],"state":{"mu_product":0.5}}"#, 422, "/problems/invalid-state", field: "/state/mu_product"),
        Case("negative step", #"{"optimizer":"adam","params":[1],"step":-1}"#, 422, "/problems/invalid-request", field: "/step"),
        Case("unknown field", #"{"optimiser":"adam","params":[1]}"#, 422, "/problems/invalid-request", field: "/optimiser"),
    ]

    @Test("a bad creation is refused and creates nothing", arguments: createCases)
    func badCreate(_ c: Case) async throws {
        let h = ServiceHarness()
        let response = await h.send("POST", "/v1/sessions", headers: c.contentType.map { [("Content-Type", $0)] } ?? [], body: c.body)
        #expect(response.status == c.status, "\(c): \(response.text)")
        #expect(response.problemType == c.type, "\(c): \(response.text)")
        if let field = c.field { #expect(response.problemField == field, "\(c): \(response.text)") }
        let list = try await h.send("GET", "/v1/sessions").jsonValue()
        #expect(list["sessions"]?.arrayValue?.isEmpty ?? list["sessions"]?.numbersValue?.isEmpty == true)
        #expect(h.service.budget.usedBytes == 0)
    }

    @Test("a bad PATCH is refused and changes nothing")
    func badPatch() async throws {
        let h = ServiceHarness()
        let id = try await h.create(Self.createBody)
        let before = await h.export(id)
        for (body, field) in [(#"{"hyperparameters":{"lr":-1}}"#, "/hyperparameters/lr"),
                              (#"{"hyperparameters":{"lrr":1}}"#, "/hyperparameters/lrr"),
                              (#"{"optimizer":"sgd"}"#, "/optimizer")] {
            let response = await h.json("PATCH", "/v1/sessions/\(id)", body)
            #expect(response.status == 422)
            #expect(response.problemField == field)
        }
        #expect(await h.export(id) == before)
    }
}
