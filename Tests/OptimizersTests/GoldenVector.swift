import Foundation
@testable import Optimizers

/// One golden vector from Tests/Fixtures/vectors (see its README): initial tensors, 15
/// gradients and the expected params after each step, computed outside optd.
struct GoldenVector: Sendable, CustomStringConvertible {
    struct Tensors: Sendable {
        /// Tensor name → values, in the file's order ("" for a bare array).
        var named: [(name: String, values: [Double])]
        var isSingleArray: Bool
        var flat: [Double] { named.flatMap(\.values) }
    }

    struct Step: Sendable {
        var gradients: Tensors
        var params: Tensors
        var lookahead: Tensors?
    }

    let file: String
    let optimizer: OptimizerKind
    let hyperparameters: [(name: String, value: HyperparameterInput)]
    let resolved: [String: HyperparameterValue]
    let dtype: DType
    let rtol: Double
    let atol: Double
    let params: Tensors
    let steps: [Step]

    var description: String { file }

    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vectors")

    static func all() -> [GoldenVector] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().map { load($0) }
    }

    static func load(_ file: String) -> GoldenVector {
        let data = try! Data(contentsOf: directory.appendingPathComponent(file))
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        let tolerance = json["tolerance"] as! [String: Any]
        let rawSteps = json["steps"] as! [[String: Any]]
        let order = keyOrder(data)
        return GoldenVector(
            file: file,
            optimizer: OptimizerKind(rawValue: json["optimizer"] as! String)!,
            hyperparameters: (json["hyperparameters"] as! [String: Any]).sorted { $0.key < $1.key }.map { ($0.key, input($0.value, $0.key)) },
            resolved: Dictionary(uniqueKeysWithValues: (json["resolved_hyperparameters"] as! [String: Any]).map { ($0.key, value($0.value, $0.key)) }),
            dtype: DType(rawValue: json["dtype"] as! String)!,
            rtol: (tolerance["rtol"] as! NSNumber).doubleValue,
            atol: (tolerance["atol"] as! NSNumber).doubleValue,
            params: tensors(json["params"]!, order),
            steps: rawSteps.map { step in
                Step(gradients: tensors(step["gradients"]!, order), params: tensors(step["params"]!, order),
                     lookahead: step["lookahead"].map { tensors($0, order) })
            }
        )
    }

    /// Tensor names in the order the file writes them (JSONSerialization forgets it).
    private static func keyOrder(_ data: Data) -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        guard let start = text.range(of: "\"params\"") else { return [] }
        let rest = text[start.upperBound...]
        guard let open = rest.firstIndex(where: { $0 == "{" || $0 == "[" }), rest[open] == "{" else { return [] }
        var names: [String] = []
        var depth = 0
        var i = open
        while i < rest.endIndex {
            let c = rest[i]
            if c == "{" || c == "[" { depth += 1 }
            if c == "}" || c == "]" { depth -= 1; if depth == 0 { break } }
            if c == "\"" && depth == 1 {
                let close = rest[rest.index(after: i)...].firstIndex(of: "\"")!
                names.append(String(rest[rest.index(after: i)..<close]))
                i = close
            }
            i = rest.index(after: i)
        }
        return names
    }

    private static func tensors(_ any: Any, _ order: [String]) -> Tensors {
        if let array = any as? [NSNumber] { return Tensors(named: [("", array.map(\.doubleValue))], isSingleArray: true) }
        let object = any as! [String: [NSNumber]]
        let names = order.isEmpty ? object.keys.sorted() : order
        return Tensors(named: names.map { ($0, object[$0]!.map(\.doubleValue)) }, isSingleArray: false)
    }

    /// Foundation on Linux does not tell a JSON boolean from a number, so the name does.
    static let booleanNames: Set<String> = ["maximize", "amsgrad", "nesterov", "centered", "decoupled_weight_decay"]

    private static func input(_ any: Any, _ name: String) -> HyperparameterInput {
        if let n = any as? NSNumber {
            return booleanNames.contains(name) ? .boolean(n.boolValue) : .number(n.doubleValue)
        }
        if let xs = any as? [NSNumber] { return .numbers(xs.map(\.doubleValue)) }
        if let s = any as? String { return .string(s) }
        return .other(typeName: "unknown")
    }

    private static func value(_ any: Any, _ name: String) -> HyperparameterValue {
        switch input(any, name) {
        case let .number(x): return .number(x)
        case let .boolean(b): return .boolean(b)
        case let .numbers(xs): return .pair(xs[0], xs[1])
        case let .string(s): return .choice(s)
        case .other: fatalError("unexpected hyperparameter in fixture")
        }
    }

    var layout: TensorLayout {
        params.isSingleArray ? TensorLayout(singleArrayOfSize: params.flat.count)
            : TensorLayout(named: params.named.map { ($0.name, $0.values.count) })
    }

    /// Every element of `got` within the vector's tolerance of `want`.
    func mismatches(_ got: [Double], _ want: [Double]) -> [String] {
        zip(got, want).enumerated().compactMap { i, pair in
            let (g, w) = pair
            return abs(g - w) <= atol + rtol * abs(w) ? nil : "[\(i)] got \(g) want \(w)"
        }
    }
}
