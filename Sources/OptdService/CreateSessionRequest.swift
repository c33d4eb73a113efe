import Optimizers
import TensorJSON

/// The body of `POST /v1/sessions`, decoded and validated: a new session, or the restore of
/// an exported one (`GET /v1/sessions/{id}?include=state` posted back as it is).
struct CreateSessionRequest {
    let optimizer: OptimizerKind
    let hyperparameters: Hyperparameters
    let dtype: DType
    let params: JSONValue
    let state: JSONObject?
    let step: Int

    /// Fields of a session document that a restore may carry and that are not inputs.
    static let readOnlyFields: Set<String> = ["id", "tensors", "created_at", "updated_at", "lookahead"]
    static let inputFields = ["optimizer", "hyperparameters", "dtype", "params", "state", "step"]

    init(_ body: JSONValue) throws(Problem) {
        guard case .object(let object) = body else {
            throw Problem.invalid("", "the body must be a JSON object, not \(body.typeName)")
        }
        for key in object.keys where !Self.inputFields.contains(key) && !Self.readOnlyFields.contains(key) {
            let hint = closestName(to: key, among: Self.inputFields).map { "; did you mean '\($0)'?" } ?? ""
            throw Problem.invalid(jsonPointer([key]), "unknown field '\(key)'\(hint)")
        }
        guard let name = object["optimizer"] else { throw Problem.invalid("/optimizer", "optimizer is required") }
        guard let kindName = name.stringValue else { throw Problem.invalid("/optimizer", "optimizer must be a string, not \(name.typeName)") }
        guard let kind = OptimizerKind(rawValue: kindName) else {
            let all = OptimizerKind.allCases.map(\.rawValue)
            let hint = closestName(to: kindName, among: all).map { "did you mean '\($0)'? " } ?? ""
            throw Problem.invalid("/optimizer", "unknown optimizer '\(kindName)'; \(hint)optd has \(all.joined(separator: ", "))", slug: "unknown-optimizer")
        }
        optimizer = kind
        hyperparameters = try Self.hyperparameters(object["hyperparameters"], for: kind)

        switch object["dtype"] {
        case nil: dtype = .float32
        case .string(let s)?:
            guard let d = DType(rawValue: s) else { throw Problem.invalid("/dtype", "dtype must be float32 or float64; got '\(s)'") }
            dtype = d
        case let other?: throw Problem.invalid("/dtype", "dtype must be a string, not \(other.typeName)")
        }

        guard let params = object["params"] else { throw Problem.invalid("/params", "params is required") }
        self.params = params

        switch object["state"] {
        case nil, .null?: state = nil
        case .object(let s)?: state = s
        case let other?: throw Problem.invalid("/state", "state must be an object of state buffers, not \(other.typeName)")
        }

        switch object["step"] {
        case nil: step = 0
        case let value?:
            guard let n = value.integerValue, n >= 0 else { throw Problem.invalid("/step", "step must be an integer ≥ 0") }
            step = n
        }
    }

    static func hyperparameters(_ value: JSONValue?, for kind: OptimizerKind) throws(Problem) -> Hyperparameters {
        let inputs = try hyperparameterInputs(value)
        do { return try Hyperparameters(optimizer: kind, inputs: inputs) } catch {
            throw hyperparameterProblem(error)
        }
    }

    static func hyperparameterInputs(_ value: JSONValue?) throws(Problem) -> [(name: String, value: HyperparameterInput)] {
        switch value {
        case nil, .null?: return []
        case .object(let object)?:
            return object.members.map { ($0.key, input($0.value)) }
        case let other?:
            throw Problem.invalid("/hyperparameters", "hyperparameters must be an object, not \(other.typeName)")
        }
    }

    static func hyperparameterProblem(_ error: HyperparameterError) -> Problem {
        Problem.invalid("/hyperparameters/" + error.field, error.message, slug: "invalid-hyperparameter")
    }

    private static func input(_ value: JSONValue) -> HyperparameterInput {
        switch value {
        case .number(let x): return .number(x)
        case .bool(let b): return .boolean(b)
        case .numbers(let xs): return .numbers(xs.doubles)
        case .string(let s): return .string(s)
        case .array: return .other(typeName: "an array that is not all numbers")
        default: return .other(typeName: value.typeName)
        }
    }

    /// The session's numbers, checked: layout from params, state buffers matching it.
    func makeNumbers(engine: StepEngine) throws(Problem) -> any SessionNumbers {
        switch dtype {
        case .float32: return try makeNumbers(Float.self, engine: engine)
        case .float64: return try makeNumbers(Double.self, engine: engine)
        }
    }

    private func makeNumbers<S: SessionScalar>(_: S.Type, engine: StepEngine) throws(Problem) -> any SessionNumbers {
        let (layout, arrays) = try TensorDecoding.layout(of: params, field: "params")
        let paramBuffer: ScalarBuffer<S> = try TensorDecoding.fill(layout, arrays, ["params"])
        var restored = RestoredState<S>(step: step)
        for (name, value) in state?.members ?? [] {
            if name == "mu_product" {
                guard optimizer == .nadam else {
                    throw Problem.invalid("/state/mu_product", "mu_product is NAdam's state; \(optimizer.rawValue) keeps none", slug: "invalid-state")
                }
                guard case .number(let x) = value else { throw Problem.invalid("/state/mu_product", "mu_product must be a number") }
                restored.muProduct = x
            } else {
                restored.buffers[name] = try TensorDecoding.buffer(value, matching: layout, field: ["state", name])
            }
        }
        do {
            return try OptimizerState(optimizer: optimizer, hyperparameters: hyperparameters, layout: layout,
                                      params: paramBuffer, restoring: restored, engine: engine)
        } catch {
            throw Problem.invalid("/" + error.field, error.message, slug: error.field.hasPrefix("state") ? "invalid-state" : "invalid-request")
        }
    }

    /// Bytes the new session will hold, before any is allocated (for the memory budget).
    func projectedBytes() throws(Problem) -> Int {
        let elements: Int
        switch params {
        case .numbers(let n): elements = n.count
        case .object(let o): elements = o.members.reduce(0) { $0 + ($1.value.numbersValue?.count ?? 0) }
        default: elements = 0
        }
        let buffers = max(0, (state?.members.filter { $0.key != "mu_product" }.count ?? 0))
        let needed = dtype == .float32
            ? OptimizerState<Float>.projectedBytes(optimizer: optimizer, hyperparameters: hyperparameters, elements: elements)
            : OptimizerState<Double>.projectedBytes(optimizer: optimizer, hyperparameters: hyperparameters, elements: elements)
        return max(needed, (1 + buffers) * elements * dtype.width)
    }
}
