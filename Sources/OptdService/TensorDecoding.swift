import OptdKernels
import Optimizers
import TensorJSON

/// Tensors as a client sends them: one JSON array (a single tensor) or an object mapping
/// names to arrays. These turn them into a session's contiguous buffers, checking every
/// element, and name the element to blame (`/gradients/weight/3`) when one is wrong.
enum TensorDecoding {
    /// The layout `params` defines, with each tensor's numbers.
    static func layout(of value: JSONValue, field: String) throws(Problem) -> (TensorLayout, [NumberArray]) {
        switch value {
        case .numbers(let numbers):
            guard numbers.count > 0 else { throw Problem.invalid(jsonPointer([field]), "\(field) must hold at least one number") }
            return (TensorLayout(singleArrayOfSize: numbers.count), [numbers])
        case .array(let elements):
            throw notANumber(elements, [field])
        case .object(let object):
            guard !object.isEmpty else {
                throw Problem.invalid(jsonPointer([field]), "\(field) must name at least one tensor")
            }
            var named: [(String, Int)] = []
            var arrays: [NumberArray] = []
            for (name, member) in object.members {
                let numbers = try numberArray(member, [field, name])
                guard numbers.count > 0 else {
                    throw Problem.invalid(jsonPointer([field, name]), "tensor '\(name)' must hold at least one number")
                }
                named.append((name, numbers.count))
                arrays.append(numbers)
            }
            return (TensorLayout(named: named), arrays)
        default:
            throw Problem.invalid(jsonPointer([field]), "\(field) must be an array of numbers or an object of named arrays, not \(value.typeName)")
        }
    }

    /// Tensors that must match `layout` exactly (state buffers), as one buffer.
    static func buffer<S: SessionScalar>(_ value: JSONValue, matching layout: TensorLayout, field: [String]) throws(Problem) -> ScalarBuffer<S> {
        let arrays = try arrays(value, matching: layout, field: field)
        return try fill(layout, arrays, field)
    }

    /// A step's gradients: copied into one buffer and checked in the single scan that also
    /// gives the bounds the step's finiteness proof starts from.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func gradients<S: SessionScalar>(_ value: JSONValue, matching layout: TensorLayout) throws(Problem) -> GradientBuffer<S> {
        let arrays = try arrays(value, matching: layout, field: ["gradients"])
        let values: ScalarBuffer<S> = copy(layout, arrays)
        do { return try GradientBuffer(validating: values) } catch {
            throw overflow(at: error.index, layout, arrays, ["gradients"], S.dtype)
        }
    }

    /// The buffer of the `params` arrays `layout(of:)` returned, checked finite.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func fill<S: SessionScalar>(_ layout: TensorLayout, _ arrays: [NumberArray], _ field: [String]) throws(Problem) -> ScalarBuffer<S> {
        let buffer: ScalarBuffer<S> = copy(layout, arrays)
        if let bad = scanBounds(buffer.readOnly).firstNonFinite { throw overflow(at: bad, layout, arrays, field, S.dtype) }
        return buffer
    }

    /// The arrays, converted to the dtype, back to back. `arrays` match `layout` tensor for tensor.
    private static func copy<S: SessionScalar>(_ layout: TensorLayout, _ arrays: [NumberArray]) -> ScalarBuffer<S> {
        // Every element is overwritten below.
        let buffer = ScalarBuffer<S>(uninitializedCount: layout.totalCount)
        for (tensor, numbers) in zip(layout.tensors, arrays) {
            let target = UnsafeMutableBufferPointer(rebasing: buffer.buffer[tensor.range])
            if S.self == Float.self {
                numbers.copyFloat32Values(into: UnsafeMutableRawBufferPointer(target).bindMemory(to: Float.self))
            } else {
                numbers.doubles.withUnsafeBufferPointer { source in
                    UnsafeMutableRawBufferPointer(target).copyMemory(from: UnsafeRawBufferPointer(source))
                }
            }
        }
        return buffer
    }

    /// The problem for the element at flat `index`, a number too large for the dtype
    /// (the JSON text itself cannot hold NaN or infinity).
    private static func overflow(at index: Int, _ layout: TensorLayout, _ arrays: [NumberArray], _ field: [String], _ dtype: DType) -> Problem {
        let k = layout.tensors.firstIndex { $0.range.contains(index) }!
        let tensor = layout.tensors[k], i = index - tensor.offset
        let path = field + (layout.isSingleArray ? [] : [tensor.name]) + [String(i)]
        return Problem.invalid(jsonPointer(path), "\(arrays[k][i]) overflows \(dtype.rawValue)", slug: "non-finite-value")
    }

    static func arrays(_ value: JSONValue, matching layout: TensorLayout, field: [String]) throws(Problem) -> [NumberArray] {
        if layout.isSingleArray {
            let numbers = try numberArray(value, field, expectObject: false)
            try checkSize(numbers.count, layout.tensors[0], field)
            return [numbers]
        }
        guard case .object(let object) = value else {
            throw Problem.invalid(jsonPointer(field), "\(field.joined(separator: "/")) must be an object naming the session's tensors (\(names(layout))), not \(value.typeName)", slug: "tensor-mismatch")
        }
        for key in object.keys where layout.tensor(named: key) == nil {
            throw Problem.invalid(jsonPointer(field + [key]), "the session has no tensor '\(key)'; its tensors are \(names(layout))", slug: "tensor-mismatch")
        }
        var arrays: [NumberArray] = []
        for tensor in layout.tensors {
            guard let member = object[tensor.name] else {
                throw Problem.invalid(jsonPointer(field + [tensor.name]), "tensor '\(tensor.name)' (\(tensor.size) elements) is missing", slug: "tensor-mismatch")
            }
            let numbers = try numberArray(member, field + [tensor.name])
            try checkSize(numbers.count, tensor, field + (layout.isSingleArray ? [] : [tensor.name]))
            arrays.append(numbers)
        }
        return arrays
    }

    private static func checkSize(_ count: Int, _ tensor: TensorLayout.Tensor, _ field: [String]) throws(Problem) {
        guard count == tensor.size else {
            let label = tensor.name.isEmpty ? "the tensor" : "tensor '\(tensor.name)'"
            throw Problem.invalid(jsonPointer(field), "\(label) has \(tensor.size) elements in the session; got \(count)", slug: "tensor-mismatch")
        }
    }

    private static func numberArray(_ value: JSONValue, _ field: [String], expectObject: Bool = false) throws(Problem) -> NumberArray {
        switch value {
        case .numbers(let numbers): return numbers
        case .array(let elements): throw notANumber(elements, field)
        default:
            throw Problem.invalid(jsonPointer(field), "\(field.last ?? "value") must be an array of numbers, not \(value.typeName)")
        }
    }

    /// The first element of a mixed array that is not a number.
    private static func notANumber(_ elements: [JSONValue], _ field: [String]) -> Problem {
        let index = elements.firstIndex { if case .number = $0 { return false } else { return true } } ?? 0
        let element = elements.isEmpty ? JSONValue.null : elements[index]
        return Problem.invalid(jsonPointer(field + [String(index)]), "must be a number, not \(element.typeName)")
    }

    private static func names(_ layout: TensorLayout) -> String {
        layout.tensors.map { "'\($0.name)'" }.joined(separator: ", ")
    }
}
