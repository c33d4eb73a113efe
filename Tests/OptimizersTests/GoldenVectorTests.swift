import Testing
import OptdKernels
@testable import Optimizers

/// Every golden vector, through `OptimizerState.step`, on every instruction set this CPU has,
/// on one thread and split across threads: the params after each of the 15 steps must be
/// within the vector's own tolerance, and every run must give the same bits.
@Suite("Golden vectors")
struct GoldenVectorTests {
    static let vectors = GoldenVector.all()

    @Test("the fixtures are all there")
    func fixturesPresent() {
        #expect(Self.vectors.count == 47)
        #expect(Set(Self.vectors.map(\.optimizer)) == Set(OptimizerKind.allCases))
    }

    @Test("matches the reference after every step", arguments: vectors)
    func matches(_ vector: GoldenVector) throws {
        switch vector.dtype {
        case .float32: try check(vector, Float.self)
        case .float64: try check(vector, Double.self)
        }
    }

    @Test("reports the resolved hyperparameters the vector expects", arguments: vectors)
    func resolvedHyperparameters(_ vector: GoldenVector) throws {
        let h = try Hyperparameters(optimizer: vector.optimizer, inputs: vector.hyperparameters)
        let resolved = Dictionary(uniqueKeysWithValues: h.resolved.map { ($0.name, $0.value) })
        #expect(resolved == vector.resolved)
    }

    func check<S: SessionScalar>(_ vector: GoldenVector, _: S.Type) throws {
        let engines = StepEngine.availableSweepers().flatMap { sweeper in
            [StepEngine(sweeper: sweeper, threads: 1), StepEngine(sweeper: sweeper, threads: 2, splitThreshold: 1)]
        }
        var finals: [[S]] = []
        for engine in engines {
            let state = try makeState(vector, S.self, engine)
            for (n, step) in vector.steps.enumerated() {
                let gradients = try GradientBuffer(validating: ScalarBuffer(step.gradients.flat.map { S($0) }))
                try state.step(gradients)
                #expect(state.step == n + 1)
                let got = state.params.array().map { Double($0) }
                let bad = vector.mismatches(got, step.params.flat)
                #expect(bad.isEmpty, "\(vector.file) \(engine.sweeper.name) step \(n + 1): \(bad.prefix(3))")
                if let lookahead = step.lookahead {
                    let out = UnsafeMutableBufferPointer<S>.allocate(capacity: state.layout.totalCount)
                    defer { out.deallocate() }
                    state.lookahead(into: out)
                    let bad = vector.mismatches(out.map { Double($0) }, lookahead.flat)
                    #expect(bad.isEmpty, "\(vector.file) lookahead step \(n + 1): \(bad.prefix(3))")
                }
            }
            finals.append(state.params.array())
        }
        // Every instruction set and split gives bit-identical parameters.
        for other in finals.dropFirst() {
            #expect(other.map { Double($0).bitPattern } == finals[0].map { Double($0).bitPattern })
        }
    }
}

func makeState<S: SessionScalar>(_ vector: GoldenVector, _: S.Type, _ engine: StepEngine = .automatic) throws -> OptimizerState<S> {
    let h = try Hyperparameters(optimizer: vector.optimizer, inputs: vector.hyperparameters)
    return try OptimizerState(optimizer: vector.optimizer, hyperparameters: h, layout: vector.layout,
                              params: ScalarBuffer(vector.params.flat.map { S($0) }), engine: engine)
}
