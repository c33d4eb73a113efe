import OptdKernels

/// Gradients for one step, all tensors back to back, known to be finite: the only form a
/// step accepts, so that non-finite gradients are refused before anything is written.
/// It also carries their bounds, the gradient term of the step's finiteness proof.
public struct GradientBuffer<Scalar: SessionScalar>: @unchecked Sendable {
    public let values: ScalarBuffer<Scalar>
    public let bounds: Interval<Scalar>

    public var count: Int { values.count }

    /// Validates `values` (taking ownership): throws the index of the first non-finite element.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public init(validating values: ScalarBuffer<Scalar>) throws(NonFiniteValue) {
        let scan = scanBounds(values.readOnly)
        if let index = scan.firstNonFinite { throw NonFiniteValue(index: index) }
        self.values = values
        self.bounds = scan.bounds
    }

    /// Validates values that someone else owns, without copying them (gradients read in place
    /// from a request body): the caller keeps `values` alive and unchanged while the result lives.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public init(unsafeBorrowing values: UnsafeBufferPointer<Scalar>) throws(NonFiniteValue) {
        let base = values.baseAddress.map { UnsafeMutablePointer(mutating: $0) } ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Scalar>.alignment)!
        try self.init(validating: ScalarBuffer(unsafeBorrowing: base, count: values.count))
    }

    /// Copies little-endian raw tensors (a request body) and validates them.
    /// `bytes.count` must be a multiple of the dtype's width.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public init(littleEndian bytes: UnsafeRawBufferPointer) throws(NonFiniteValue) {
        let count = bytes.count / MemoryLayout<Scalar>.size
        let values = ScalarBuffer<Scalar>(uninitializedCount: count)
        if let source = bytes.baseAddress {
            #if _endian(little)
            UnsafeMutableRawPointer(values.base).copyMemory(from: source, byteCount: count * MemoryLayout<Scalar>.size)
            #else
            for i in 0..<count { values.base[i] = Scalar.loadLittleEndian(source + i * MemoryLayout<Scalar>.size) }
            #endif
        }
        try self.init(validating: values)
    }
}

/// A NaN or infinity at `index` of a buffer.
public struct NonFiniteValue: Error, Sendable, Equatable {
    public let index: Int
}
