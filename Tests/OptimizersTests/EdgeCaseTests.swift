import Testing
@testable import Optimizers

/// The same checks over every optimizer configuration and both dtypes.
@Suite("Edge cases")
struct EdgeCaseTests {
    @Test("zero gradients for many steps stay finite", arguments: OptimizerCase.all)
    func zeroGradients(_ c: OptimizerCase) throws {
        try zeroGradients(c, Float.self)
        try zeroGradients(c, Double.self)
    }

    func zeroGradients<S: SessionScalar>(_ c: OptimizerCase, _: S.Type) throws {
        let state: OptimizerState<S> = try c.state(randomValues(37, scale: 1, seed: 1))
        let zero = try gradients([S](repeating: 0, count: 37))
        for _ in 0..<500 { try state.step(zero) }
        #expect(state.step == 500)
        #expect(state.params.array().allSatisfy { $0.isFinite })
        #expect(state.buffers.values.allSatisfy { $0.array().allSatisfy(\.isFinite) })
    }

    @Test("a single element, and every length around the vector width, equal the scalar path", arguments: OptimizerCase.all)
    func lengths(_ c: OptimizerCase) throws {
        try lengths(c, Float.self)
        try lengths(c, Double.self)
    }

    /// A tensor of n elements must give, element for element, the bits of n one-element
    /// sessions (which only ever run the scalar tail).
    func lengths<S: SessionScalar>(_ c: OptimizerCase, _: S.Type) throws {
        // Around one and two vector widths and their multiples: the sweep takes a vector from
        // each half of the range per iteration, then what the second half holds beyond the
        // first (a vector or none), then the tail element by element.
        for n in [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 33, 47, 48, 49, 55, 56, 57, 63, 64, 65, 100] {
            let params: [S] = randomValues(n, scale: 1, seed: UInt64(n))
            let grads: [[S]] = (0..<4).map { randomValues(n, scale: 0.1, seed: UInt64(100 + n * 10 + $0)) }
            let whole = try c.state(params)
            for g in grads { try whole.step(gradients(g)) }
            for i in 0..<n {
                let one = try c.state([params[i]])
                for g in grads { try one.step(gradients([g[i]])) }
                #expect(Double(one.params[0]).bitPattern == Double(whole.params[i]).bitPattern, "n=\(n) i=\(i)")
                for (name, buffer) in one.buffers {
                    #expect(Double(buffer[0]).bitPattern == Double(whole.buffers[name]![i]).bitPattern, "n=\(n) i=\(i) \(name)")
                }
            }
        }
    }

    @Test("tiny magnitudes (subnormal gradients) step without NaN", arguments: OptimizerCase.all)
    func tinyMagnitudes(_ c: OptimizerCase) throws {
        let state: OptimizerState<Float> = try c.state(randomValues(20, scale: 1e-30, seed: 3))
        let g = try gradients([Float](repeating: Float.leastNonzeroMagnitude, count: 10) + [Float](repeating: -1e-38, count: 10))
        for _ in 0..<20 { try state.step(g) }
        #expect(state.params.array().allSatisfy { $0.isFinite })
    }

    @Test("huge gradients are refused or applied, never written as infinity", arguments: OptimizerCase.all)
    func hugeMagnitudes(_ c: OptimizerCase) throws {
        let state: OptimizerState<Float> = try c.state(randomValues(40, scale: 1, seed: 4))
        let g = try gradients([Float](repeating: 3e38, count: 40))
        let before = Snapshot(state)
        do {
            try state.step(g)
            #expect(state.params.array().allSatisfy { $0.isFinite })
            #expect(state.buffers.values.allSatisfy { $0.array().allSatisfy(\.isFinite) })
        } catch {
            #expect(Snapshot(state) == before, "a refused step changed the state")
        }
    }

    @Test("a refused step leaves every buffer bit-identical", arguments: OptimizerCase.all)
    func refusedStepChangesNothing(_ c: OptimizerCase) throws {
        try refused(c, Float.self, huge: 1e30)
        try refused(c, Double.self, huge: 1e300)
    }

    func refused<S: SessionScalar>(_ c: OptimizerCase, _: S.Type, huge: Double) throws {
        // Some history first, so that buffers hold values worth protecting.
        let state: OptimizerState<S> = try c.state(randomValues(50, scale: 1, seed: 5))
        for k in 0..<3 { try state.step(gradients(randomValues(50, scale: 0.1, seed: UInt64(6 + k)))) }
        let before = Snapshot(state)
        // A gradient whose square overflows, only at the last element, so the sweep
        // would have written 49 elements before reaching it.
        var g: [S] = randomValues(50, scale: 0.1, seed: 9)
        g[49] = S(huge)
        do {
            try state.step(gradients(g))
            // sgd, momentum, nag never square the gradient: huge·η may stay finite.
            #expect([.sgd, .momentum, .nag].contains(c.optimizer), "\(c) accepted a gradient whose square overflows")
        } catch let error as StepError {
            guard case let .nonFiniteResult(_, _, index) = error else { Issue.record("\(error)"); return }
            #expect(index == 49)
            #expect(Snapshot(state) == before)
        }
    }

    @Test("sgd, momentum and nag refuse an update that overflows the parameters")
    func parameterOverflow() throws {
        for c in OptimizerCase.all where [.sgd, .momentum, .nag].contains(c.optimizer) {
            let state: OptimizerState<Float> = try c.state([Float](repeating: -3e38, count: 9))
            let before = Snapshot(state)
            let g = try gradients([Float](repeating: 3e38, count: 9).map { c.inputs.contains { $0.name == "maximize" } ? -$0 : $0 })
            let h = try Hyperparameters(optimizer: c.optimizer, inputs: c.inputs + [("lr", .number(10))])
            state.updateHyperparameters(h)
            #expect(throws: StepError.self) { try state.step(g) }
            #expect(Snapshot(state).params == before.params)
            #expect(state.step == before.step)
        }
    }

    @Test("0/0 is refused: adagrad with eps 0 and a zero gradient first")
    func zeroOverZero() throws {
        let h = try Hyperparameters(optimizer: .adagrad, inputs: [("eps", .number(0))])
        let state = try OptimizerState<Double>(optimizer: .adagrad, hyperparameters: h,
                                               layout: TensorLayout(named: [("w", 3), ("b", 2)]),
                                               params: ScalarBuffer([1, 2, 3, 4, 5]))
        let before = Snapshot(state)
        #expect(throws: StepError.nonFiniteResult(buffer: "params", tensor: "b", index: 0)) {
            try state.step(gradients([1, 1, 1, 0, 1]))
        }
        #expect(Snapshot(state) == before)
        // With every gradient non-zero the same session steps (the careful path, then commit).
        try state.step(gradients([1, 1, 1, 1, 1]))
        #expect(state.step == 1)
    }

    @Test("non-finite gradients are refused before a step can see them")
    func nonFiniteGradients() {
        for bad in [Float.nan, .infinity, -.infinity] {
            #expect(throws: NonFiniteValue(index: 2)) { try GradientBuffer(validating: ScalarBuffer([1, 2, bad, 4])) }
        }
        let bytes: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0xC0, 0x7F] // 1.0, NaN little-endian
        #expect(throws: NonFiniteValue(index: 1)) {
            try bytes.withUnsafeBytes { try GradientBuffer<Float>(littleEndian: $0) }
        }
    }

    @Test("a gradient of the wrong length is refused")
    func wrongLength() throws {
        let state: OptimizerState<Float> = try OptimizerCase.all[0].state([1, 2, 3])
        #expect(throws: StepError.wrongCount(expected: 3, got: 2)) { try state.step(gradients([1, 2])) }
        #expect(state.step == 0)
    }

    @Test("centered RMSprop with a constant gradient runs thousands of steps without NaN")
    func centeredRMSpropLongRun() throws {
        let c = OptimizerCase(optimizer: .rmsprop, inputs: [("centered", .boolean(true))])
        let state: OptimizerState<Float> = try c.state([Float](repeating: 1, count: 17))
        let g = try gradients([Float](repeating: 0.5, count: 17))
        for _ in 0..<3000 { try state.step(g) }
        #expect(state.params.array().allSatisfy { $0.isFinite })
    }
}
