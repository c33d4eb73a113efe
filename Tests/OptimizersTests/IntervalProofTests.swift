import Testing
import OptdKernels
@testable import Optimizers

/// The finiteness proof must enclose what the loop computes: for random input bounds and
/// random elements inside them, every output of the kernel lies inside the interval result.
@Suite("Interval proof")
struct IntervalProofTests {
    @Test("encloses every element's update", arguments: OptimizerCase.all)
    func encloses(_ c: OptimizerCase) throws {
        var rng = SplitMix64(seed: 42)
        for trial in 0..<200 {
            let scale = [1e-3, 1, 1e3, 1e12][trial % 4]
            let n = 64
            var params: [Float] = randomValues(n, scale: scale, seed: UInt64(trial))
            params[0] = Float(scale)
            let state: OptimizerState<Float> = try c.state(params)
            // Random history, so the state buffers hold spread-out values.
            for k in 0..<(trial % 5) {
                try? state.step(gradients(randomValues(n, scale: scale * 0.01, seed: UInt64(1000 + trial * 7 + k))))
            }
            let g: [Float] = (0..<n).map { _ in Float(Double.random(in: -1...1, using: &rng) * scale) }
            let gBounds = Interval(lower: g.min()!, upper: g.max()!)
            let slots = OptimizerState<Float>.neededBuffers(c.optimizer, state.hyperparameters)
            let inputs = BufferBounds(
                param: Interval(lower: state.params.array().min()!, upper: state.params.array().max()!),
                state: slots.map { Interval(lower: state.buffers[$0]!.array().min()!, upper: state.buffers[$0]!.array().max()!) })
            let before = Snapshot(state)
            guard (try? state.step(gradients(g))) != nil else { continue }
            let kernelBounds = BufferBounds(
                param: Interval(lower: state.params.array().min()!, upper: state.params.array().max()!),
                state: slots.map { Interval(lower: state.buffers[$0]!.array().min()!, upper: state.buffers[$0]!.array().max()!) })
            // Rebuild the kernel the step used and evaluate it on the input bounds.
            let proof = try proofBounds(c, state: state, stepTaken: before.step + 1, inputs: inputs, gradient: gBounds)
            guard proof.param.isFinite else { continue }  // an unproven step is the probe's job
            #expect(proof.param.lower <= kernelBounds.param.lower && kernelBounds.param.upper <= proof.param.upper, "\(c) trial \(trial) params")
            for k in slots.indices where proof.state[k].isFinite {
                #expect(proof.state[k].lower <= kernelBounds.state[k].lower && kernelBounds.state[k].upper <= proof.state[k].upper, "\(c) trial \(trial) \(slots[k])")
            }
        }
    }

    func proofBounds(_ c: OptimizerCase, state: OptimizerState<Float>, stepTaken t: Int,
                     inputs: BufferBounds<Float>, gradient: Interval<Float>) throws -> BufferBounds<Float> {
        let h = state.hyperparameters
        let m = h.boolean("maximize")
        switch c.optimizer {
        case .sgd:
            let (lr, mu, tau, wd) = (h.number("lr"), h.number("momentum"), h.number("dampening"), h.number("weight_decay"))
            switch SGDForms.form(momentum: mu, nesterov: h.boolean("nesterov")) {
            case .plain:
                return boundUpdate(SGDKernel<Float, SGDPlain>(lr: lr, momentum: mu, dampening: tau, weightDecay: wd, maximize: m,
                                                              firstMomentumStep: t == 1), inputs: inputs, gradient: gradient)
            case .momentum:
                return boundUpdate(SGDKernel<Float, SGDMomentum>(lr: lr, momentum: mu, dampening: tau, weightDecay: wd, maximize: m,
                                                                 firstMomentumStep: t == 1), inputs: inputs, gradient: gradient)
            case .nesterov:
                return boundUpdate(SGDKernel<Float, SGDNesterov>(lr: lr, momentum: mu, dampening: tau, weightDecay: wd, maximize: m,
                                                                 firstMomentumStep: t == 1), inputs: inputs, gradient: gradient)
            }
        case .momentum:
            return boundUpdate(MomentumKernel<Float>(lr: h.number("lr"), momentum: h.number("momentum"), weightDecay: h.number("weight_decay"), maximize: m), inputs: inputs, gradient: gradient)
        case .nag:
            return boundUpdate(NAGKernel<Float>(lr: h.number("lr"), momentum: h.number("momentum"), weightDecay: h.number("weight_decay"), maximize: m), inputs: inputs, gradient: gradient)
        case .adagrad:
            return boundUpdate(AdagradKernel<Float>(lr: h.number("lr"), lrDecay: h.number("lr_decay"), eps: h.number("eps"), weightDecay: h.number("weight_decay"), maximize: m, step: t), inputs: inputs, gradient: gradient)
        case .adadelta:
            return boundUpdate(AdadeltaKernel<Float>(lr: h.number("lr"), rho: h.number("rho"), eps: h.number("eps"), weightDecay: h.number("weight_decay"), maximize: m), inputs: inputs, gradient: gradient)
        case .rmsprop:
            return boundUpdate(RMSpropKernel<Float>(lr: h.number("lr"), alpha: h.number("alpha"), eps: h.number("eps"), weightDecay: h.number("weight_decay"),
                                                    momentum: h.number("momentum"), centered: h.boolean("centered"), maximize: m), inputs: inputs, gradient: gradient)
        case .adam, .adamw:
            let (b1, b2) = h.pair("betas")
            return boundUpdate(AdamKernel<Float>(lr: h.number("lr"), beta1: b1, beta2: b2, eps: h.number("eps"), weightDecay: h.number("weight_decay"),
                                                 decoupled: c.optimizer == .adamw, amsgrad: h.boolean("amsgrad"), maximize: m, step: t), inputs: inputs, gradient: gradient)
        case .nadam:
            let (b1, b2) = h.pair("betas")
            var product = 1.0
            for k in 1..<t { product = NAdamSchedule(beta1: b1, momentumDecay: h.number("momentum_decay"), step: k, previousProduct: product).muProduct }
            let schedule = NAdamSchedule(beta1: b1, momentumDecay: h.number("momentum_decay"), step: t, previousProduct: product)
            func bound<V: NAdamVariantTag>(_: V.Type) -> BufferBounds<Float> {
                boundUpdate(NAdamKernel<Float, V>(lr: h.number("lr"), beta1: b1, beta2: b2, eps: h.number("eps"),
                                                  weightDecay: h.number("weight_decay"), decoupled: h.boolean("decoupled_weight_decay"),
                                                  maximize: m, step: t, schedule: schedule), inputs: inputs, gradient: gradient)
            }
            switch NAdamVariant(rawValue: h.choice("variant"))! {
            case .seed: return bound(NAdamSeed.self)
            case .pytorch: return bound(NAdamPyTorch.self)
            case .optax: return bound(NAdamOptax.self)
            }
        }
    }

    @Test("interval arithmetic: division by a range holding zero, roots of negatives and overflow are unbounded")
    func unbounded() {
        let zeroish = Interval<Float>(lower: -1, upper: 1)
        #expect(!(Interval<Float>(broadcast: 1) / zeroish).isFinite)
        #expect(!(Interval<Float>(broadcast: 1) / Interval(lower: 0, upper: 1)).isFinite)
        #expect(!zeroish.squareRoot().isFinite)
        #expect(!(Interval<Float>(broadcast: 3e38) * Interval(broadcast: 10)).isFinite)
        #expect(!Interval<Float>(lower: -1e20, upper: 2e19).squared().isFinite)
        #expect(Interval<Float>(lower: -3, upper: 2).squared() == Interval(lower: 0, upper: 9))
        #expect(Interval<Float>(lower: -3, upper: -2).scaledSquare(by: 0.5) == Interval(lower: 2, upper: 4.5))
        #expect((Interval<Float>(lower: 1, upper: 2) - Interval(lower: 0, upper: 5)) == Interval(lower: -4, upper: 2))
    }
}
