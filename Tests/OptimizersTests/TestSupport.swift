@testable import Optimizers

/// One configuration per optimizer and variant: the table every edge-case test runs over
/// (after optax's alias_test.py and torch's optim_db).
struct OptimizerCase: Sendable, CustomStringConvertible {
    let optimizer: OptimizerKind
    let inputs: [(name: String, value: HyperparameterInput)]
    var description: String {
        ([optimizer.rawValue] + inputs.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
    }

    static let all: [OptimizerCase] = [
        OptimizerCase(optimizer: .sgd, inputs: []),
        OptimizerCase(optimizer: .sgd, inputs: [("momentum", .number(0.9)), ("dampening", .number(0.1)), ("weight_decay", .number(0.01))]),
        OptimizerCase(optimizer: .sgd, inputs: [("momentum", .number(0.9)), ("nesterov", .boolean(true)), ("maximize", .boolean(true))]),
        OptimizerCase(optimizer: .momentum, inputs: []),
        OptimizerCase(optimizer: .nag, inputs: [("weight_decay", .number(0.1))]),
        OptimizerCase(optimizer: .adagrad, inputs: [("lr_decay", .number(0.01)), ("initial_accumulator_value", .number(0.1))]),
        OptimizerCase(optimizer: .adadelta, inputs: []),
        OptimizerCase(optimizer: .rmsprop, inputs: []),
        OptimizerCase(optimizer: .rmsprop, inputs: [("momentum", .number(0.9)), ("centered", .boolean(true))]),
        OptimizerCase(optimizer: .rmsprop, inputs: [("centered", .boolean(true))]),
        OptimizerCase(optimizer: .adam, inputs: []),
        OptimizerCase(optimizer: .adam, inputs: [("amsgrad", .boolean(true)), ("weight_decay", .number(0.05))]),
        OptimizerCase(optimizer: .adamw, inputs: []),
        OptimizerCase(optimizer: .adamw, inputs: [("amsgrad", .boolean(true)), ("maximize", .boolean(true))]),
        OptimizerCase(optimizer: .nadam, inputs: []),
        OptimizerCase(optimizer: .nadam, inputs: [("variant", .string("pytorch")), ("decoupled_weight_decay", .boolean(true)), ("weight_decay", .number(0.1))]),
        OptimizerCase(optimizer: .nadam, inputs: [("variant", .string("optax"))]),
    ]

    func state<S: SessionScalar>(_ params: [S], engine: StepEngine = .automatic) throws -> OptimizerState<S> {
        let h = try Hyperparameters(optimizer: optimizer, inputs: inputs)
        return try OptimizerState(optimizer: optimizer, hyperparameters: h,
                                  layout: TensorLayout(singleArrayOfSize: params.count),
                                  params: ScalarBuffer(params), engine: engine)
    }
}

/// A small deterministic generator (tests must not depend on the run).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomValues<S: SessionScalar>(_ count: Int, scale: Double, seed: UInt64) -> [S] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in S(Double.random(in: -1...1, using: &rng) * scale) }
}

/// Everything a session holds, as bits: what "left exactly as it was" compares.
struct Snapshot<S: SessionScalar>: Equatable {
    let step: Int
    let params: [UInt64]
    let buffers: [String: [UInt64]]
    let muProduct: Double

    init(_ state: OptimizerState<S>) {
        step = state.step
        params = state.params.array().map { Double($0).bitPattern }
        buffers = state.buffers.mapValues { $0.array().map { Double($0).bitPattern } }
        muProduct = state.muProduct
    }
}

func gradients<S: SessionScalar>(_ values: [S]) throws -> GradientBuffer<S> {
    try GradientBuffer(validating: ScalarBuffer(values))
}
