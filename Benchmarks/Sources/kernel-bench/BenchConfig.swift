import Optimizers

/// One optimizer configuration to time: the hyperparameters a session would send.
struct BenchConfig {
    let name: String
    let kind: OptimizerKind
    let inputs: [(name: String, value: HyperparameterInput)]
    /// State buffers the step reads and writes (checked against the session's).
    let stateCount: Int
    /// Built so that the finiteness proof fails and every step probes before it commits.
    var careful = false

    /// Bytes one in-place pass moves per element: reads params, gradient and each state
    /// buffer, writes params and each state buffer (AdamW float32: 7 × 4 = 28; plain SGD: 12).
    func bytesPerElement(width: Int) -> Int { (3 + 2 * stateCount) * width }

    static func named(_ name: String) -> BenchConfig? { all.first { $0.name == name } }

    static let all: [BenchConfig] = [
        BenchConfig(name: "sgd", kind: .sgd, inputs: [], stateCount: 0),
        BenchConfig(name: "sgd-nesterov", kind: .sgd,
                    inputs: [("momentum", .number(0.9)), ("nesterov", .boolean(true))], stateCount: 1),
        BenchConfig(name: "momentum", kind: .momentum, inputs: [], stateCount: 1),
        BenchConfig(name: "nag", kind: .nag, inputs: [], stateCount: 1),
        BenchConfig(name: "adagrad", kind: .adagrad, inputs: [], stateCount: 1),
        BenchConfig(name: "adadelta", kind: .adadelta, inputs: [], stateCount: 2),
        BenchConfig(name: "rmsprop", kind: .rmsprop, inputs: [], stateCount: 1),
        BenchConfig(name: "rmsprop-centered-momentum", kind: .rmsprop,
                    inputs: [("centered", .boolean(true)), ("momentum", .number(0.9))], stateCount: 3),
        BenchConfig(name: "adam", kind: .adam, inputs: [], stateCount: 2),
        BenchConfig(name: "adam-amsgrad", kind: .adam, inputs: [("amsgrad", .boolean(true))], stateCount: 3),
        BenchConfig(name: "adamw", kind: .adamw, inputs: [], stateCount: 2),
        BenchConfig(name: "nadam-seed", kind: .nadam, inputs: [("variant", .string("seed"))], stateCount: 2),
        BenchConfig(name: "nadam-pytorch", kind: .nadam, inputs: [("variant", .string("pytorch"))], stateCount: 2),
        BenchConfig(name: "nadam-optax", kind: .nadam, inputs: [("variant", .string("optax"))], stateCount: 2),
        // The careful path (probe, then commit). With β2 = 0 the new exp_avg_sq is g², whose
        // interval reaches 0 whenever the gradients' interval spans 0; with ε = 0 the proof's
        // denominator √v̂ + ε then holds 0 and the proof fails on every step (with β2 > 0 it
        // fails only on the first). No gradient element is 0, so each element's denominator
        // |g| is > 0, the probe passes and the step commits.
        BenchConfig(name: "adamw-careful", kind: .adamw,
                    inputs: [("betas", .numbers([0.9, 0])), ("eps", .number(0))], stateCount: 2, careful: true),
    ]
}
