import OptdKernels

/// The element type of a session's tensors.
public enum DType: String, Sendable, CaseIterable, Codable {
    case float32
    case float64

    /// Bytes per element.
    public var width: Int {
        switch self {
        case .float32: return 4
        case .float64: return 8
        }
    }
}

/// The scalar types a session can hold, with their dtype and their little-endian wire form.
public protocol SessionScalar: KernelScalar {
    static var dtype: DType { get }
    /// Reads the little-endian value at `pointer` (any alignment).
    static func loadLittleEndian(_ pointer: UnsafeRawPointer) -> Self
    /// Writes the value little-endian at `pointer` (any alignment).
    func storeLittleEndian(_ pointer: UnsafeMutableRawPointer)
}

extension Float: SessionScalar {
    public static var dtype: DType { .float32 }
    @inlinable
    public static func loadLittleEndian(_ pointer: UnsafeRawPointer) -> Float {
        Float(bitPattern: UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self)))
    }
    @inlinable
    public func storeLittleEndian(_ pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: bitPattern.littleEndian, as: UInt32.self)
    }
}

extension Double: SessionScalar {
    public static var dtype: DType { .float64 }
    @inlinable
    public static func loadLittleEndian(_ pointer: UnsafeRawPointer) -> Double {
        Double(bitPattern: UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
    }
    @inlinable
    public func storeLittleEndian(_ pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: bitPattern.littleEndian, as: UInt64.self)
    }
}
