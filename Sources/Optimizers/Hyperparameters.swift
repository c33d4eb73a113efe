/// An optimizer's hyperparameters, every one resolved (the client's value or the default) and
/// valid. Built in the order swift-argument-parser uses: decode each input against its spec,
/// validate the rules between them, and only then hand them to a kernel.
public struct Hyperparameters: Sendable, Equatable {
    public let optimizer: OptimizerKind
    private var values: [String: HyperparameterValue]

    /// Resolves `inputs` (a client's subset) against the optimizer's table.
    public init(optimizer: OptimizerKind, inputs: [(name: String, value: HyperparameterInput)]) throws(HyperparameterError) {
        self.optimizer = optimizer
        var values: [String: HyperparameterValue] = [:]
        for spec in optimizer.definition.hyperparameters { values[spec.name] = spec.defaultValue }
        self.values = values
        try apply(inputs)
    }

    /// These hyperparameters with some changed (PATCH), validated as at creation.
    public func updating(_ inputs: [(name: String, value: HyperparameterInput)]) throws(HyperparameterError) -> Hyperparameters {
        var copy = self
        try copy.apply(inputs)
        return copy
    }

    private mutating func apply(_ inputs: [(name: String, value: HyperparameterInput)]) throws(HyperparameterError) {
        let definition = optimizer.definition
        for (name, input) in inputs {
            guard let spec = definition.spec(named: name) else {
                let known = definition.hyperparameters.map(\.name)
                let closest = closestName(to: name, among: known)
                throw HyperparameterError(
                    field: name,
                    message: "\(optimizer.rawValue) has no hyperparameter '\(name)'"
                        + (closest.map { "; did you mean '\($0)'?" } ?? "")
                        + " Known: \(known.joined(separator: ", ")).",
                    suggestion: closest
                )
            }
            values[name] = try Self.decode(input, as: spec)
        }
        try validateRelations()
    }

    private static func decode(_ input: HyperparameterInput, as spec: HyperparameterSpec) throws(HyperparameterError) -> HyperparameterValue {
        let name = spec.name
        func mismatch() -> HyperparameterError {
            HyperparameterError(field: name, message: "\(name) must be a \(spec.typeName), not \(input.typeName)")
        }
        switch spec.kind {
        case let .number(_, bounds):
            guard case let .number(x) = input else { throw mismatch() }
            guard bounds.contains(x) else {
                throw HyperparameterError(field: name, message: "\(name) must be \(bounds.rule); got \(x)")
            }
            return .number(x)
        case .boolean:
            guard case let .boolean(b) = input else { throw mismatch() }
            return .boolean(b)
        case let .pair(_, bounds):
            guard case let .numbers(xs) = input, xs.count == 2 else { throw mismatch() }
            for (i, x) in xs.enumerated() where !bounds.contains(x) {
                throw HyperparameterError(field: "\(name)/\(i)", message: "\(name)[\(i)] must be \(bounds.rule); got \(x)")
            }
            return .pair(xs[0], xs[1])
        case let .choice(_, options):
            guard case let .string(s) = input else { throw mismatch() }
            guard options.contains(s) else {
                throw HyperparameterError(
                    field: name,
                    message: "\(name) must be one of \(options.joined(separator: ", ")); got '\(s)'",
                    suggestion: closestName(to: s, among: options)
                )
            }
            return .choice(s)
        }
    }

    private func validateRelations() throws(HyperparameterError) {
        if optimizer == .sgd && boolean("nesterov") {
            guard number("momentum") > 0 else {
                throw HyperparameterError(field: "nesterov", message: "nesterov needs momentum > 0")
            }
            guard number("dampening") == 0 else {
                throw HyperparameterError(field: "nesterov", message: "nesterov needs dampening = 0")
            }
        }
    }

    /// Every hyperparameter in the table's order.
    public var resolved: [(name: String, value: HyperparameterValue)] {
        optimizer.definition.hyperparameters.map { ($0.name, values[$0.name]!) }
    }

    public func value(_ name: String) -> HyperparameterValue? { values[name] }

    public func number(_ name: String) -> Double {
        guard case let .number(x)? = values[name] else { preconditionFailure("\(name) is not a number of \(optimizer)") }
        return x
    }

    public func boolean(_ name: String) -> Bool {
        guard case let .boolean(b)? = values[name] else { preconditionFailure("\(name) is not a boolean of \(optimizer)") }
        return b
    }

    public func pair(_ name: String) -> (Double, Double) {
        guard case let .pair(a, b)? = values[name] else { preconditionFailure("\(name) is not a pair of \(optimizer)") }
        return (a, b)
    }

    public func choice(_ name: String) -> String {
        guard case let .choice(s)? = values[name] else { preconditionFailure("\(name) is not a choice of \(optimizer)") }
        return s
    }
}

/// A hyperparameter that is unknown, of the wrong type or out of range.
public struct HyperparameterError: Error, Sendable, Equatable {
    /// The hyperparameter to blame, as a JSON-pointer tail: "lr", "betas/1".
    public let field: String
    public let message: String
    /// The closest known name, for an unknown one.
    public let suggestion: String?

    public init(field: String, message: String, suggestion: String? = nil) {
        self.field = field
        self.message = message
        self.suggestion = suggestion
    }
}

extension HyperparameterInput {
    var typeName: String {
        switch self {
        case .number: return "a number"
        case .boolean: return "a boolean"
        case let .numbers(xs): return "an array of \(xs.count) numbers"
        case .string: return "a string"
        case let .other(name): return name
        }
    }
}

/// The candidate nearest to `name` by edit distance (case-insensitive); nil only when there are none.
public func closestName(to name: String, among candidates: [String]) -> String? {
    let target = Array(name.lowercased().utf8)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let d = editDistance(target, Array(candidate.lowercased().utf8))
        if best == nil || d < best!.distance { best = (candidate, d) }
    }
    return best?.name
}

/// Levenshtein distance.
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...max(b.count, 1) where j <= b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
