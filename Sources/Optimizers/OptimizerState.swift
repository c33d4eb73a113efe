import OptdKernels

/// The numbers of one session: its parameters, its named state buffers and its step counter,
/// and the one operation that changes them, `step(_:)`.
///
/// A step applies completely or not at all, at the speed of a single in-place pass:
/// 1. gradients arrive as a `GradientBuffer`, already known finite, with their bounds;
/// 2. the optimizer's own update formula is evaluated once on intervals (`boundUpdate`) from
///    the bounds of the gradients and of every buffer, which each committed sweep keeps;
/// 3. when those output intervals are finite, every value the loop will write is finite, and
///    the update runs in place in one fused pass (`StepEngine.commit`) — the common case (the
///    params are first copied if someone else still holds them; see `params`);
/// 4. otherwise (extreme magnitudes, ε = 0 with an empty accumulator…) a probe pass computes
///    the update without writing; only if every value is finite does the commit pass run,
///    else the step is refused with the first offending element, and nothing has changed.
///
/// Not thread-safe: one session's steps must be serialised by its owner (an actor upstream).
public final class OptimizerState<Scalar: SessionScalar>: @unchecked Sendable {
    public let optimizer: OptimizerKind
    public private(set) var hyperparameters: Hyperparameters
    public let layout: TensorLayout
    /// Steps taken.
    public private(set) var step: Int
    /// The parameters. Others may hold this buffer too (an answer on its way to a client
    /// shares it rather than copying it): a step that finds it shared writes to a copy, so a
    /// buffer someone else holds never changes through `step`. Nothing else may write to it
    /// (its memory is writable through `base`), and the reference itself changes on such a
    /// step: read it where steps are serialised (the session's actor).
    public private(set) var params: ScalarBuffer<Scalar>
    /// State buffers by contract name. A buffer exists once the hyperparameters have needed it.
    public private(set) var buffers: [String: ScalarBuffer<Scalar>]
    /// SGD: whether the momentum buffer holds values yet (torch creates it on the first step).
    public private(set) var momentumBufferStarted: Bool
    /// NAdam: ∏ μ_i over the steps taken.
    public private(set) var muProduct: Double

    private var paramBounds: Interval<Scalar>
    /// Bounds of the state buffers as of the last change of hyperparameters; from then on, the
    /// bounds of the buffers in use are kept in `slots` (those of the others wait here for a
    /// PATCH that brings them back).
    private var bufferBounds: [String: Interval<Scalar>]
    /// The state buffers the current hyperparameters use, in kernel slot order: set when they
    /// change, so that a step looks nothing up by name.
    private var slots: Slots
    private let engine: StepEngine

    private struct Slots {
        var names: [String] = []
        /// The buffers' memory. It never moves, and it lives as long as the session: `buffers`
        /// keeps every buffer once made, and only params are ever replaced (by a copy).
        var bases: [UnsafeMutablePointer<Scalar>] = []
        var bounds: [Interval<Scalar>] = []
    }

    /// A new session at step 0 with fresh state.
    public convenience init(optimizer: OptimizerKind, hyperparameters: Hyperparameters, layout: TensorLayout,
                params: ScalarBuffer<Scalar>, engine: StepEngine = .automatic) throws(RestoreError) {
        try self.init(optimizer: optimizer, hyperparameters: hyperparameters, layout: layout, params: params,
                      restoring: RestoredState(), engine: engine)
    }

    /// A session from exported parts: `restoring` gives the step and any buffers; the ones the
    /// hyperparameters need but it lacks start fresh.
    public init(optimizer: OptimizerKind, hyperparameters: Hyperparameters, layout: TensorLayout,
                params: ScalarBuffer<Scalar>, restoring state: RestoredState<Scalar>,
                engine: StepEngine = .automatic) throws(RestoreError) {
        precondition(hyperparameters.optimizer == optimizer)
        guard params.count == layout.totalCount else {
            throw RestoreError(field: "params", message: "params hold \(params.count) elements, the layout \(layout.totalCount)")
        }
        let definition = optimizer.definition
        self.optimizer = optimizer
        self.hyperparameters = hyperparameters
        self.layout = layout
        self.params = params
        self.engine = engine
        guard state.step >= 0 else { throw RestoreError(field: "step", message: "step must be ≥ 0") }
        step = state.step

        let scan = scanBounds(params.readOnly)
        if let index = scan.firstNonFinite {
            throw RestoreError(field: Self.pointer("params", layout, index), message: "params must be finite numbers")
        }
        paramBounds = scan.bounds

        buffers = [:]
        bufferBounds = [:]
        slots = Slots()
        for (name, buffer) in state.buffers {
            guard definition.stateBuffers.contains(name) else {
                let hint = closestName(to: name, among: definition.stateBuffers).map { "; did you mean '\($0)'?" } ?? ""
                throw RestoreError(field: "state/\(name)", message: "\(optimizer.rawValue) keeps no state buffer '\(name)'\(hint)")
            }
            guard buffer.count == layout.totalCount else {
                throw RestoreError(field: "state/\(name)", message: "state buffer \(name) holds \(buffer.count) elements; params hold \(layout.totalCount)")
            }
            let scan = scanBounds(buffer.readOnly)
            if let index = scan.firstNonFinite {
                throw RestoreError(field: Self.pointer("state/\(name)", layout, index), message: "state values must be finite numbers")
            }
            if nonNegativeStateBuffers.contains(name), scan.bounds.lower < 0 {
                let index = buffer.readOnly.firstIndex { $0 < 0 }!
                throw RestoreError(field: Self.pointer("state/\(name)", layout, index), message: "\(name) holds squares and must not be negative")
            }
            buffers[name] = buffer
            bufferBounds[name] = scan.bounds
        }
        momentumBufferStarted = optimizer == .sgd && state.buffers["momentum_buffer"] != nil
        muProduct = state.muProduct ?? 1
        guard muProduct.isFinite, muProduct > 0 else {
            throw RestoreError(field: "state/mu_product", message: "mu_product must be a finite number > 0")
        }
        allocateNeededBuffers()
    }


    /// Bytes of memory the parameters and every state buffer hold.
    public var stateBytes: Int { params.byteCount + buffers.values.reduce(0) { $0 + $1.byteCount } }

    /// Bytes a session of this shape would hold with these hyperparameters (for budgets, before allocating).
    public static func projectedBytes(optimizer: OptimizerKind, hyperparameters: Hyperparameters, elements: Int) -> Int {
        (1 + neededBuffers(optimizer, hyperparameters).count) * elements * MemoryLayout<Scalar>.stride
    }

    /// Changes hyperparameters; the step counter and state stay. Buffers the new values need
    /// are created fresh (zeros, or Adagrad's initial value); buffers no longer needed are kept.
    public func updateHyperparameters(_ new: Hyperparameters) {
        precondition(new.optimizer == optimizer)
        hyperparameters = new
        allocateNeededBuffers()
    }

    /// The state buffers these hyperparameters use, in kernel slot order.
    static func neededBuffers(_ optimizer: OptimizerKind, _ h: Hyperparameters) -> [String] {
        switch optimizer {
        case .sgd: return h.number("momentum") != 0 ? ["momentum_buffer"] : []
        case .momentum, .nag: return ["velocity"]
        case .adagrad: return ["sum"]
        case .adadelta: return ["square_avg", "acc_delta"]
        case .rmsprop:
            return ["square_avg"] + (h.boolean("centered") ? ["grad_avg"] : []) + (h.number("momentum") > 0 ? ["momentum_buffer"] : [])
        case .adam, .adamw: return ["exp_avg", "exp_avg_sq"] + (h.boolean("amsgrad") ? ["max_exp_avg_sq"] : [])
        case .nadam: return ["exp_avg", "exp_avg_sq"]
        }
    }

    /// Creates the buffers the hyperparameters need and have not had yet, and makes them the slots.
    private func allocateNeededBuffers() {
        for (name, bounds) in zip(slots.names, slots.bounds) { bufferBounds[name] = bounds }
        let names = Self.neededBuffers(optimizer, hyperparameters)
        for name in names where buffers[name] == nil {
            let initial = optimizer == .adagrad ? Scalar(hyperparameters.number("initial_accumulator_value")) : 0
            buffers[name] = ScalarBuffer(repeating: initial, count: layout.totalCount)
            bufferBounds[name] = Interval(broadcast: initial)
        }
        slots = Slots(names: names, bases: names.map { buffers[$0]!.base }, bounds: names.map { bufferBounds[$0]! })
    }

    /// The buffers an export carries: every one that holds state (SGD's momentum buffer only
    /// once started), by contract name.
    public var exportedBuffers: [(name: String, buffer: ScalarBuffer<Scalar>)] {
        optimizer.definition.stateBuffers.compactMap { name in
            guard let buffer = buffers[name] else { return nil }
            if optimizer == .sgd && name == "momentum_buffer" && !momentumBufferStarted { return nil }
            return (name, buffer)
        }
    }

    /// NAG's look-ahead point θ − μv, where the client takes its next gradient, into `output`;
    /// μ is the session's momentum unless given (a replayed step uses the μ it was taken with).
    public func lookahead(into output: UnsafeMutableBufferPointer<Scalar>, momentum given: Double? = nil) {
        precondition(optimizer == .nag && output.count == layout.totalCount)
        let momentum = Scalar(given ?? hyperparameters.number("momentum"))
        let velocity = buffers["velocity"]!.base
        for i in 0..<output.count {
            output[i] = NAGKernel<Scalar>.lookahead(param: params.base[i], velocity: velocity[i], momentum: momentum)
        }
    }

    /// Applies one update. On success `step` has advanced by one; on error nothing changed.
    ///
    /// Pre-specialised: callers reach this through `any SessionNumbers`, i.e. with `Scalar`
    /// unknown at compile time; the generic entry then branches to these copies, where the
    /// interval proof and the bookkeeping around the sweep are compiled for the dtype (the
    /// generic path costs tens of microseconds per step in metadata lookups).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func step(_ gradients: GradientBuffer<Scalar>) throws(StepError) {
        guard gradients.count == layout.totalCount else {
            throw StepError.wrongCount(expected: layout.totalCount, got: gradients.count)
        }
        let h = hyperparameters
        let t = step + 1
        let maximize = h.boolean("maximize")
        switch optimizer {
        case .sgd:
            let (lr, momentum, dampening) = (h.number("lr"), h.number("momentum"), h.number("dampening"))
            let weightDecay = h.number("weight_decay"), first = !momentumBufferStarted
            switch SGDForms.form(momentum: momentum, nesterov: h.boolean("nesterov")) {
            case .plain:
                try run(SGDKernel<Scalar, SGDPlain>(lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                                                    maximize: maximize, firstMomentumStep: first), gradients)
            case .momentum:
                try run(SGDKernel<Scalar, SGDMomentum>(lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                                                       maximize: maximize, firstMomentumStep: first), gradients)
            case .nesterov:
                try run(SGDKernel<Scalar, SGDNesterov>(lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                                                       maximize: maximize, firstMomentumStep: first), gradients)
            }
            if h.number("momentum") != 0 { momentumBufferStarted = true }
        case .momentum:
            try run(MomentumKernel<Scalar>(lr: h.number("lr"), momentum: h.number("momentum"),
                                           weightDecay: h.number("weight_decay"), maximize: maximize), gradients)
        case .nag:
            try run(NAGKernel<Scalar>(lr: h.number("lr"), momentum: h.number("momentum"),
                                      weightDecay: h.number("weight_decay"), maximize: maximize), gradients)
        case .adagrad:
            try run(AdagradKernel<Scalar>(lr: h.number("lr"), lrDecay: h.number("lr_decay"), eps: h.number("eps"),
                                          weightDecay: h.number("weight_decay"), maximize: maximize, step: t), gradients)
        case .adadelta:
            try run(AdadeltaKernel<Scalar>(lr: h.number("lr"), rho: h.number("rho"), eps: h.number("eps"),
                                           weightDecay: h.number("weight_decay"), maximize: maximize), gradients)
        case .rmsprop:
            try run(RMSpropKernel<Scalar>(lr: h.number("lr"), alpha: h.number("alpha"), eps: h.number("eps"),
                                          weightDecay: h.number("weight_decay"), momentum: h.number("momentum"),
                                          centered: h.boolean("centered"), maximize: maximize), gradients)
        case .adam, .adamw:
            let (beta1, beta2) = h.pair("betas")
            try run(AdamKernel<Scalar>(lr: h.number("lr"), beta1: beta1, beta2: beta2, eps: h.number("eps"),
                                       weightDecay: h.number("weight_decay"), decoupled: optimizer == .adamw,
                                       amsgrad: h.boolean("amsgrad"), maximize: maximize, step: t), gradients)
        case .nadam:
            let (beta1, beta2) = h.pair("betas")
            let schedule = NAdamSchedule(beta1: beta1, momentumDecay: h.number("momentum_decay"), step: t, previousProduct: muProduct)
            let lr = h.number("lr"), eps = h.number("eps"), weightDecay = h.number("weight_decay")
            let decoupled = h.boolean("decoupled_weight_decay")
            switch NAdamVariant(rawValue: h.choice("variant"))! {
            case .seed:
                try run(NAdamKernel<Scalar, NAdamSeed>(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                                       decoupled: decoupled, maximize: maximize, step: t, schedule: schedule), gradients)
            case .pytorch:
                try run(NAdamKernel<Scalar, NAdamPyTorch>(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                                          decoupled: decoupled, maximize: maximize, step: t, schedule: schedule), gradients)
            case .optax:
                try run(NAdamKernel<Scalar, NAdamOptax>(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                                        decoupled: decoupled, maximize: maximize, step: t, schedule: schedule), gradients)
            }
            muProduct = schedule.muProduct
        }
        step = t
    }

    /// Proves, probes if it must, and commits one kernel over every element.
    private func run<K: ElementwiseKernel>(_ kernel: K, _ gradients: GradientBuffer<Scalar>) throws(StepError) where K.Scalar == Scalar {
        precondition(kernel.stateCount == slots.names.count)
        var io = KernelIO(param: params.base, gradient: UnsafePointer(gradients.values.base), state: slots.bases)
        let count = layout.totalCount
        let proof = boundUpdate(kernel, inputs: BufferBounds(param: paramBounds, state: slots.bounds), gradient: gradients.bounds)
        let proven = proof.param.isFinite && proof.state.allSatisfy { $0.isFinite }
        if !proven && !engine.probe(kernel, io, count: count) {
            let bad = locateNonFinite(kernel, io, 0..<count)!
            let (tensor, index) = layout.locate(bad.index)!
            throw StepError.nonFiniteResult(buffer: bad.stateSlot.map { slots.names[$0] } ?? "params", tensor: tensor.name, index: index)
        }
        if !isKnownUniquelyReferenced(&params) {
            params = params.copy()
            io.param = params.base
        }
        let bounds = engine.commit(kernel, io, count: count)
        if count > 0 {
            paramBounds = bounds.param
            slots.bounds = bounds.state
        }
    }

    /// "params/weight/3", or "params/3" for a bare array: a JSON pointer tail.
    static func pointer(_ prefix: String, _ layout: TensorLayout, _ index: Int) -> String {
        guard let (tensor, i) = layout.locate(index) else { return prefix }
        return layout.isSingleArray ? "\(prefix)/\(i)" : "\(prefix)/\(tensor.name)/\(i)"
    }
}

/// State buffers whose values are sums of squares: a restore refuses negative values in them.
let nonNegativeStateBuffers: Set<String> = ["sum", "square_avg", "acc_delta", "exp_avg_sq", "max_exp_avg_sq"]

/// What an export carries besides params and hyperparameters.
public struct RestoredState<Scalar: SessionScalar>: @unchecked Sendable {
    public var step: Int
    public var buffers: [String: ScalarBuffer<Scalar>]
    public var muProduct: Double?

    public init(step: Int = 0, buffers: [String: ScalarBuffer<Scalar>] = [:], muProduct: Double? = nil) {
        self.step = step
        self.buffers = buffers
        self.muProduct = muProduct
    }
}

/// Why exported parts cannot make a session; `field` is a JSON-pointer tail.
public struct RestoreError: Error, Sendable, Equatable {
    public let field: String
    public let message: String
}
