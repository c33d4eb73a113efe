/// One hyperparameter an optimizer takes: its name (torch's), its type, its default and the
/// values it accepts. The optimizer table (`OptimizerKind.definition`) is built from these, and
/// so are validation, defaults and `GET /v1/optimizers`: one source for all three.
public struct HyperparameterSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A finite number within `bounds`.
        case number(default: Double, bounds: Bounds)
        case boolean(default: Bool)
        /// Two numbers, each within `bounds` (Adam's `betas`).
        case pair(default: (Double, Double), bounds: Bounds)
        /// One of `options` (NAdam's `variant`).
        case choice(default: String, options: [String])

        public static func == (lhs: Kind, rhs: Kind) -> Bool {
            switch (lhs, rhs) {
            case let (.number(a, b), .number(c, d)): return a == c && b == d
            case let (.boolean(a), .boolean(b)): return a == b
            case let (.pair(a, b), .pair(c, d)): return a == c && b == d
            case let (.choice(a, b), .choice(c, d)): return a == c && b == d
            default: return false
            }
        }
    }

    public let name: String
    public let kind: Kind
    public let summary: String

    public init(_ name: String, _ kind: Kind, _ summary: String) {
        self.name = name
        self.kind = kind
        self.summary = summary
    }

    public var defaultValue: HyperparameterValue {
        switch kind {
        case let .number(value, _): return .number(value)
        case let .boolean(value): return .boolean(value)
        case let .pair(value, _): return .pair(value.0, value.1)
        case let .choice(value, _): return .choice(value)
        }
    }

    /// The JSON type name, for `/v1/optimizers` and error messages.
    public var typeName: String {
        switch kind {
        case .number: return "number"
        case .boolean: return "boolean"
        case .pair: return "array of 2 numbers"
        case .choice: return "string"
        }
    }
}

/// An interval of accepted numbers; every bound is also finite.
public struct Bounds: Sendable, Equatable {
    public let minimum: Double
    public let minimumInclusive: Bool
    public let maximum: Double?
    public let maximumInclusive: Bool

    /// x ≥ 0
    public static let nonNegative = Bounds(minimum: 0, minimumInclusive: true, maximum: nil, maximumInclusive: false)
    /// 0 ≤ x < 1 (betas, rho, alpha)
    public static let unitHalfOpen = Bounds(minimum: 0, minimumInclusive: true, maximum: 1, maximumInclusive: false)
    /// 0 ≤ x ≤ 1 (dampening)
    public static let unitClosed = Bounds(minimum: 0, minimumInclusive: true, maximum: 1, maximumInclusive: true)

    public func contains(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        if minimumInclusive ? x < minimum : x <= minimum { return false }
        if let maximum, maximumInclusive ? x > maximum : x >= maximum { return false }
        return true
    }

    /// "≥ 0", "in [0, 1)": the rule, for error messages.
    public var rule: String {
        guard let maximum else { return "a finite number \(minimumInclusive ? ">=" : ">") \(format(minimum))" }
        return "in \(minimumInclusive ? "[" : "(")\(format(minimum)), \(format(maximum))\(maximumInclusive ? "]" : ")")"
    }

    private func format(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }
}

/// A resolved hyperparameter value.
public enum HyperparameterValue: Sendable, Equatable {
    case number(Double)
    case boolean(Bool)
    case pair(Double, Double)
    case choice(String)
}

/// A hyperparameter as a client sent it, before validation: what JSON gives.
public enum HyperparameterInput: Sendable, Equatable {
    case number(Double)
    case boolean(Bool)
    case numbers([Double])
    case string(String)
    /// Anything else, by its JSON type name ("null", "object", an array that is not all numbers…).
    case other(typeName: String)
}
