import OptdKernels

/// Every optimizer optd hosts, by its contract name.
public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    case sgd, momentum, nag, adagrad, adadelta, rmsprop, adam, adamw, nadam
}

/// An optimizer's entry in the table: hyperparameters, state buffers and where its formula
/// comes from. `GET /v1/optimizers` is this table.
public struct OptimizerDefinition: Sendable {
    public let kind: OptimizerKind
    public let hyperparameters: [HyperparameterSpec]
    /// The tensor-shaped state buffers it may keep, by their contract names.
    public let stateBuffers: [String]
    /// State that is one number per session, not a tensor (NAdam's mu_product).
    public let stateScalars: [String]
    public let variants: [String]
    public let formula: String
    public let reference: String

    public func spec(named name: String) -> HyperparameterSpec? {
        hyperparameters.first { $0.name == name }
    }
}

extension OptimizerKind {
    public var definition: OptimizerDefinition { OptimizerCatalog.definitions[self]! }
}

typealias Spec = HyperparameterSpec

/// The table itself. Defaults follow torch.optim, except where the contract marks the seed
/// document's (AdaDelta's rho 0.95, Momentum and NAG).
enum OptimizerCatalog {
    static let lrSummary = "learning rate η"
    static let weightDecay = Spec("weight_decay", .number(default: 0, bounds: .nonNegative), "L2 penalty λ: g += λθ")
    static let maximize = Spec("maximize", .boolean(default: false), "ascend instead of descend")
    static let betas = Spec("betas", .pair(default: (0.9, 0.999), bounds: .unitHalfOpen), "(β1, β2): decay of the first and second moments")
    static let eps = Spec("eps", .number(default: 1e-8, bounds: .nonNegative), "ε added to the denominator")

    static let definitions: [OptimizerKind: OptimizerDefinition] = [
        .sgd: OptimizerDefinition(
            kind: .sgd,
            hyperparameters: [
                Spec("lr", .number(default: 1e-3, bounds: .nonNegative), lrSummary),
                Spec("momentum", .number(default: 0, bounds: .nonNegative), "momentum factor μ"),
                Spec("dampening", .number(default: 0, bounds: .unitClosed), "dampening τ of the momentum"),
                Spec("nesterov", .boolean(default: false), "Nesterov momentum (needs momentum > 0 and dampening 0)"),
                weightDecay, maximize,
            ],
            stateBuffers: ["momentum_buffer"], stateScalars: [], variants: [],
            formula: "b = μb + (1−τ)g (b₁ = g); g' = nesterov ? g + μb : b; θ −= ηg'",
            reference: "torch.optim.SGD"
        ),
        .momentum: OptimizerDefinition(
            kind: .momentum,
            hyperparameters: [
                Spec("lr", .number(default: 0.01, bounds: .nonNegative), lrSummary),
                Spec("momentum", .number(default: 0.9, bounds: .nonNegative), "momentum μ"),
                weightDecay, maximize,
            ],
            stateBuffers: ["velocity"], stateScalars: [], variants: [],
            formula: "v = μv + ηg; θ −= v",
            reference: "seed document, Momentum"
        ),
        .nag: OptimizerDefinition(
            kind: .nag,
            hyperparameters: [
                Spec("lr", .number(default: 0.01, bounds: .nonNegative), lrSummary),
                Spec("momentum", .number(default: 0.9, bounds: .nonNegative), "momentum μ"),
                Spec("weight_decay", .number(default: 0, bounds: .nonNegative), "L2 penalty λ, applied at the look-ahead point"),
                maximize,
            ],
            stateBuffers: ["velocity"], stateScalars: [], variants: [],
            formula: "v = μv + η∇f(θ − μv); θ −= v; the next gradient is taken at lookahead = θ − μv",
            reference: "seed document, NAG"
        ),
        .adagrad: OptimizerDefinition(
            kind: .adagrad,
            hyperparameters: [
                Spec("lr", .number(default: 0.01, bounds: .nonNegative), lrSummary),
                Spec("lr_decay", .number(default: 0, bounds: .nonNegative), "η_t = η / (1 + (t−1)·lr_decay)"),
                weightDecay,
                Spec("initial_accumulator_value", .number(default: 0, bounds: .nonNegative), "starting value of sum"),
                Spec("eps", .number(default: 1e-10, bounds: .nonNegative), "ε added to the denominator"),
                maximize,
            ],
            stateBuffers: ["sum"], stateScalars: [], variants: [],
            formula: "s += g²; θ −= η_t·g/(√s + ε)",
            reference: "torch.optim.Adagrad"
        ),
        .adadelta: OptimizerDefinition(
            kind: .adadelta,
            hyperparameters: [
                Spec("lr", .number(default: 1.0, bounds: .nonNegative), "scale of the update (torch's lr)"),
                Spec("rho", .number(default: 0.95, bounds: .unitHalfOpen), "decay ρ of the running averages (seed default 0.95)"),
                Spec("eps", .number(default: 1e-6, bounds: .nonNegative), "ε inside the square roots"),
                weightDecay, maximize,
            ],
            stateBuffers: ["square_avg", "acc_delta"], stateScalars: [], variants: [],
            formula: "E[g²] = ρE[g²] + (1−ρ)g²; Δ = √(E[Δ²]+ε)/√(E[g²]+ε)·g; E[Δ²] = ρE[Δ²] + (1−ρ)Δ²; θ −= ηΔ",
            reference: "seed document, AdaDelta (Zeiler 2012); torch.optim.Adadelta"
        ),
        .rmsprop: OptimizerDefinition(
            kind: .rmsprop,
            hyperparameters: [
                Spec("lr", .number(default: 0.01, bounds: .nonNegative), lrSummary),
                Spec("alpha", .number(default: 0.99, bounds: .unitHalfOpen), "smoothing constant α"),
                Spec("eps", .number(default: 1e-8, bounds: .nonNegative), "ε added to the denominator"),
                weightDecay,
                Spec("momentum", .number(default: 0, bounds: .nonNegative), "momentum factor μ"),
                Spec("centered", .boolean(default: false), "normalise by the estimated variance"),
                maximize,
            ],
            stateBuffers: ["square_avg", "momentum_buffer", "grad_avg"], stateScalars: [], variants: [],
            formula: "v = αv + (1−α)g²; a = √(v − ḡ²) + ε (centered) or √v + ε; b = μb + g/a; θ −= ηb (or θ −= ηg/a)",
            reference: "torch.optim.RMSprop"
        ),
        .adam: OptimizerDefinition(
            kind: .adam,
            hyperparameters: [
                Spec("lr", .number(default: 1e-3, bounds: .nonNegative), lrSummary),
                betas, eps, weightDecay,
                Spec("amsgrad", .boolean(default: false), "use the running maximum of v"),
                maximize,
            ],
            stateBuffers: ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], stateScalars: [], variants: [],
            formula: "m = β1m + (1−β1)g; v = β2v + (1−β2)g²; θ −= η·m̂/(√v̂ + ε)",
            reference: "seed document, Adam; torch.optim.Adam"
        ),
        .adamw: OptimizerDefinition(
            kind: .adamw,
            hyperparameters: [
                Spec("lr", .number(default: 1e-3, bounds: .nonNegative), lrSummary),
                betas, eps,
                Spec("weight_decay", .number(default: 0.01, bounds: .nonNegative), "decoupled decay λ: θ −= ηλθ"),
                Spec("amsgrad", .boolean(default: false), "use the running maximum of v"),
                maximize,
            ],
            stateBuffers: ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], stateScalars: [], variants: [],
            formula: "θ −= ηλθ; m = β1m + (1−β1)g; v = β2v + (1−β2)g²; θ −= η·m̂/(√v̂ + ε)",
            reference: "seed document, AdamW; torch.optim.AdamW"
        ),
        .nadam: OptimizerDefinition(
            kind: .nadam,
            hyperparameters: [
                Spec("lr", .number(default: 2e-3, bounds: .nonNegative), lrSummary),
                betas, eps, weightDecay,
                Spec("variant", .choice(default: "seed", options: NAdamVariant.allCases.map(\.rawValue)), "seed, pytorch or optax: frameworks disagree"),
                Spec("momentum_decay", .number(default: 4e-3, bounds: .nonNegative), "ψ of torch's schedule μ_t = β1(1 − ½·0.96^(tψ))"),
                Spec("decoupled_weight_decay", .boolean(default: false), "θ −= ηλθ instead of g += λθ"),
                maximize,
            ],
            stateBuffers: ["exp_avg", "exp_avg_sq"], stateScalars: ["mu_product"],
            variants: NAdamVariant.allCases.map(\.rawValue),
            formula: "seed: θ −= η/(√v̂ + ε)·(β1m̂ + (1−β1)g); pytorch: torch.optim.NAdam; optax: θ −= η(β1m/(1−β1^(t+1)) + (1−β1)g/(1−β1^t))/(√v̂ + ε)",
            reference: "seed document, Nadam; torch.optim.NAdam; optax.nadam"
        ),
    ]
}
