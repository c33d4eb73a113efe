import Testing
@testable import Optimizers

@Suite("State")
struct StateTests {
    @Test("export then restore continues exactly like a twin that never stopped", arguments: OptimizerCase.all)
    func restoreRoundTrip(_ c: OptimizerCase) throws {
        let original: OptimizerState<Double> = try c.state(randomValues(19, scale: 1, seed: 11))
        for k in 0..<4 { try original.step(gradients(randomValues(19, scale: 0.1, seed: UInt64(20 + k)))) }
        let restored = try OptimizerState<Double>(
            optimizer: c.optimizer, hyperparameters: original.hyperparameters, layout: original.layout,
            params: original.params.copy(),
            restoring: RestoredState(step: original.step,
                                     buffers: Dictionary(uniqueKeysWithValues: original.exportedBuffers.map { ($0.name, $0.buffer.copy()) }),
                                     muProduct: c.optimizer == .nadam ? original.muProduct : nil))
        #expect(Snapshot(restored) == Snapshot(original))
        let next = try gradients(randomValues(19, scale: 0.1, seed: 99) as [Double])
        try original.step(next)
        try restored.step(next)
        #expect(Snapshot(restored) == Snapshot(original))
    }

    @Test("params someone else holds are never changed: the step writes to a copy", arguments: OptimizerCase.all)
    func sharedParamsAreCopiedBeforeWriting(_ c: OptimizerCase) throws {
        let state: OptimizerState<Float> = try c.state(randomValues(37, scale: 1, seed: 5))
        let twin: OptimizerState<Float> = try c.state(randomValues(37, scale: 1, seed: 5))
        let g = try gradients(randomValues(37, scale: 0.1, seed: 6) as [Float])
        // Nobody else holds them: the step writes in place, no copy.
        let before = ObjectIdentifier(state.params)
        try state.step(g)
        #expect(ObjectIdentifier(state.params) == before)
        // Held (as an answer on its way out holds them): they keep their values.
        let held = state.params
        let heldValues = held.array()
        try state.step(g)
        try twin.step(g)
        try twin.step(g)
        #expect(held.array() == heldValues)
        #expect(state.params !== held)
        #expect(state.params.array() == twin.params.array())  // the copy stepped exactly as in place
        #expect(Snapshot(state) == Snapshot(twin))
    }

    @Test("sgd's momentum buffer starts as the first gradient and is exported only then")
    func sgdMomentumBuffer() throws {
        let c = OptimizerCase(optimizer: .sgd, inputs: [("momentum", .number(0.9)), ("dampening", .number(0.5))])
        let state: OptimizerState<Double> = try c.state([1, 2])
        #expect(state.exportedBuffers.isEmpty)
        try state.step(gradients([0.5, -0.25]))
        #expect(state.exportedBuffers.map(\.name) == ["momentum_buffer"])
        #expect(state.buffers["momentum_buffer"]!.array() == [0.5, -0.25])  // undamped on the first step, as torch
    }

    @Test("restore refuses unknown buffers, wrong sizes, non-finite and negative squares")
    func restoreValidation() throws {
        let h = try Hyperparameters(optimizer: .adam, inputs: [])
        let layout = TensorLayout(named: [("w", 2), ("b", 1)])
        func attempt(_ buffers: [String: [Double]], step: Int = 3) throws {
            _ = try OptimizerState<Double>(optimizer: .adam, hyperparameters: h, layout: layout, params: ScalarBuffer([1, 2, 3]),
                                           restoring: RestoredState(step: step, buffers: buffers.mapValues { ScalarBuffer($0) }))
        }
        #expect { try attempt(["exp_avgs": [0, 0, 0]]) } throws: { ($0 as! RestoreError).message.contains("did you mean 'exp_avg'") }
        #expect { try attempt(["exp_avg": [0, 0]]) } throws: { ($0 as! RestoreError).field == "state/exp_avg" }
        #expect { try attempt(["exp_avg": [0, .nan, 0]]) } throws: { ($0 as! RestoreError).field == "state/exp_avg/w/1" }
        #expect { try attempt(["exp_avg_sq": [0, 0, -1]]) } throws: { ($0 as! RestoreError).field == "state/exp_avg_sq/b/0" }
        #expect { try attempt([:], step: -1) } throws: { ($0 as! RestoreError).field == "step" }
        try attempt(["exp_avg": [0.1, 0.2, 0.3], "exp_avg_sq": [0.01, 0.02, 0.03]])
    }

    @Test("PATCH that turns on amsgrad creates its buffer, keeps step and state")
    func patchAddsBuffer() throws {
        let state: OptimizerState<Float> = try OptimizerCase(optimizer: .adam, inputs: []).state([1, 2, 3])
        try state.step(gradients([0.1, 0.2, 0.3]))
        let moments = state.buffers["exp_avg"]!.array()
        state.updateHyperparameters(try state.hyperparameters.updating([("amsgrad", .boolean(true))]))
        #expect(state.step == 1)
        #expect(state.buffers["exp_avg"]!.array() == moments)
        #expect(state.buffers["max_exp_avg_sq"]!.array() == [0, 0, 0])
        try state.step(gradients([0.1, 0.2, 0.3]))
        #expect(state.buffers["max_exp_avg_sq"]!.array() == state.buffers["exp_avg_sq"]!.array())
    }

    @Test("a buffer's bounds survive a PATCH that drops it and one that brings it back")
    func boundsSurviveAPatchRoundTrip() throws {
        let state: OptimizerState<Float> = try OptimizerCase(optimizer: .sgd, inputs: [("momentum", .number(0.9)), ("lr", .number(1e-10))])
            .state([0, 0, 0])
        // The momentum buffer grows to 2e38 through a step, so only the step's bounds know it.
        try state.step(gradients([2e38, 2e38, 2e38]))
        state.updateHyperparameters(try state.hyperparameters.updating([("momentum", .number(0))]))
        try state.step(gradients([1, 1, 1]))
        state.updateHyperparameters(try state.hyperparameters.updating([("momentum", .number(0.9))]))
        // 0.9 × 2e38 + 2e38 overflows Float: the proof must know the buffer's bounds to refuse it.
        let before = Snapshot(state)
        #expect(throws: StepError.self) {
            try state.step(gradients([2e38, 2e38, 2e38]))
        }
        #expect(Snapshot(state) == before)
    }

    @Test("nag's look-ahead point is θ − μv")
    func lookahead() throws {
        let state: OptimizerState<Double> = try OptimizerCase(optimizer: .nag, inputs: []).state([1, -1])
        try state.step(gradients([1, 2]))
        let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2)
        defer { out.deallocate() }
        state.lookahead(into: out)
        let v = state.buffers["velocity"]!.array()
        #expect(Array(out) == [state.params[0] - 0.9 * v[0], state.params[1] - 0.9 * v[1]])
    }
}
