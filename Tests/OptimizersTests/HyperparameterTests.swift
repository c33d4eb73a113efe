import Testing
@testable import Optimizers

@Suite("Hyperparameters")
struct HyperparameterTests {
    @Test("defaults are the contract's table")
    func defaults() throws {
        func resolved(_ kind: OptimizerKind) throws -> [String: HyperparameterValue] {
            Dictionary(uniqueKeysWithValues: try Hyperparameters(optimizer: kind, inputs: []).resolved.map { ($0.name, $0.value) })
        }
        #expect(try resolved(.sgd) == ["lr": .number(1e-3), "momentum": .number(0), "dampening": .number(0), "nesterov": .boolean(false), "weight_decay": .number(0), "maximize": .boolean(false)])
        #expect(try resolved(.momentum) == ["lr": .number(0.01), "momentum": .number(0.9), "weight_decay": .number(0), "maximize": .boolean(false)])
        #expect(try resolved(.nag) == ["lr": .number(0.01), "momentum": .number(0.9), "weight_decay": .number(0), "maximize": .boolean(false)])
        #expect(try resolved(.adagrad) == ["lr": .number(0.01), "lr_decay": .number(0), "initial_accumulator_value": .number(0), "eps": .number(1e-10), "weight_decay": .number(0), "maximize": .boolean(false)])
        #expect(try resolved(.adadelta) == ["lr": .number(1), "rho": .number(0.95), "eps": .number(1e-6), "weight_decay": .number(0), "maximize": .boolean(false)])
        #expect(try resolved(.rmsprop) == ["lr": .number(0.01), "alpha": .number(0.99), "eps": .number(1e-8), "momentum": .number(0), "centered": .boolean(false), "weight_decay": .number(0), "maximize": .boolean(false)])
        #expect(try resolved(.adam) == ["lr": .number(1e-3), "betas": .pair(0.9, 0.999), "eps": .number(1e-8), "amsgrad": .boolean(false), "weight_decay": .number(0), "maximize": .boolean(false)])
        #expect(try resolved(.adamw) == ["lr": .number(1e-3), "betas": .pair(0.9, 0.999), "eps": .number(1e-8), "amsgrad": .boolean(false), "weight_decay": .number(0.01), "maximize": .boolean(false)])
        #expect(try resolved(.nadam) == ["lr": .number(2e-3), "betas": .pair(0.9, 0.999), "eps": .number(1e-8), "variant": .choice("seed"), "momentum_decay": .number(0.004), "decoupled_weight_decay": .boolean(false), "weight_decay": .number(0), "maximize": .boolean(false)])
    }

    @Test("an unknown name names the closest known one")
    func unknownName() {
        #expect {
            try Hyperparameters(optimizer: .adam, inputs: [("learning_rate", .number(0.1))])
        } throws: { error in
            let e = error as! HyperparameterError
            return e.field == "learning_rate" && e.message.contains("adam has no hyperparameter 'learning_rate'")
        }
        #expect {
            try Hyperparameters(optimizer: .adamw, inputs: [("weight_decy", .number(0.1))])
        } throws: { ($0 as! HyperparameterError).suggestion == "weight_decay" }
        #expect {
            try Hyperparameters(optimizer: .rmsprop, inputs: [("beta", .number(0.1))])
        } throws: { ($0 as! HyperparameterError).suggestion != nil }
    }

    @Test("types are checked: booleans are booleans, numbers numbers", arguments: [
        ("lr", HyperparameterInput.string("0.1")), ("lr", .boolean(true)), ("amsgrad", .number(1)),
        ("betas", .numbers([0.9])), ("betas", .number(0.9)), ("eps", .other(typeName: "null")),
    ])
    func types(name: String, input: HyperparameterInput) {
        #expect(throws: HyperparameterError.self) { try Hyperparameters(optimizer: .adam, inputs: [(name, input)]) }
    }

    @Test("out-of-range values name their field", arguments: [
        (OptimizerKind.sgd, "lr", HyperparameterInput.number(-0.1), "lr"),
        (.sgd, "lr", .number(.infinity), "lr"),
        (.sgd, "momentum", .number(-1), "momentum"),
        (.adam, "eps", .number(-1e-8), "eps"),
        (.adam, "weight_decay", .number(-1), "weight_decay"),
        (.adam, "betas", .numbers([0.9, 1.0]), "betas/1"),
        (.adam, "betas", .numbers([-0.1, 0.9]), "betas/0"),
        (.adadelta, "rho", .number(1), "rho"),
        (.rmsprop, "alpha", .number(1.5), "alpha"),
        (.adagrad, "lr_decay", .number(-1), "lr_decay"),
        (.nadam, "variant", .string("keras"), "variant"),
        (.nadam, "momentum_decay", .number(.nan), "momentum_decay"),
    ])
    func outOfRange(kind: OptimizerKind, name: String, input: HyperparameterInput, field: String) {
        #expect { try Hyperparameters(optimizer: kind, inputs: [(name, input)]) } throws: { ($0 as! HyperparameterError).field == field }
    }

    @Test("nesterov needs momentum > 0 and dampening 0")
    func nesterov() throws {
        #expect { try Hyperparameters(optimizer: .sgd, inputs: [("nesterov", .boolean(true))]) } throws: {
            let e = $0 as! HyperparameterError
            return e.field == "nesterov" && e.message.contains("momentum")
        }
        #expect { try Hyperparameters(optimizer: .sgd, inputs: [("nesterov", .boolean(true)), ("momentum", .number(0.9)), ("dampening", .number(0.1))]) } throws: {
            ($0 as! HyperparameterError).message.contains("dampening")
        }
        _ = try Hyperparameters(optimizer: .sgd, inputs: [("nesterov", .boolean(true)), ("momentum", .number(0.9))])
    }

    @Test("updating validates as creation does and keeps the rest")
    func updating() throws {
        let h = try Hyperparameters(optimizer: .sgd, inputs: [("momentum", .number(0.9)), ("nesterov", .boolean(true))])
        let lower = try h.updating([("lr", .number(0.5))])
        #expect(lower.number("lr") == 0.5 && lower.boolean("nesterov"))
        #expect(throws: HyperparameterError.self) { try h.updating([("momentum", .number(0))]) }
    }
}
