import Optimizers
import TensorJSON

/// Tensors back out, in the form the session was created with, written straight from the
/// session's buffers (no per-element boxing), each number in the shortest form that
/// round-trips its dtype.
enum TensorEncoding {
    static func write<S: SessionScalar>(_ values: UnsafeBufferPointer<S>, layout: TensorLayout, into writer: inout JSONWriter) {
        if layout.isSingleArray {
            writeNumbers(values, into: &writer)
            return
        }
        writer.beginObject()
        for tensor in layout.tensors {
            writer.key(tensor.name)
            writeNumbers(UnsafeBufferPointer(rebasing: values[tensor.range]), into: &writer)
        }
        writer.endObject()
    }

    static func writeNumbers<S: SessionScalar>(_ values: UnsafeBufferPointer<S>, into writer: inout JSONWriter) {
        if S.self == Float.self {
            writer.writeNumbers(UnsafeRawBufferPointer(values).bindMemory(to: Float.self))
        } else {
            writer.writeNumbers(UnsafeRawBufferPointer(values).bindMemory(to: Double.self))
        }
    }

    /// Raw tensors: little-endian values, concatenated in tensor order.
    static func raw<S: SessionScalar>(_ values: UnsafeBufferPointer<S>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: values.count * MemoryLayout<S>.size) { bytes, count in
            #if _endian(little)
            UnsafeMutableRawBufferPointer(bytes).copyMemory(from: UnsafeRawBufferPointer(values))
            #else
            for (i, v) in values.enumerated() { v.storeLittleEndian(bytes.baseAddress! + i * MemoryLayout<S>.size) }
            #endif
            count = values.count * MemoryLayout<S>.size
        }
    }

    /// A rough size of the JSON for `count` numbers, to reserve the writer once.
    static func estimatedJSONBytes(count: Int) -> Int { count * 16 + 256 }
}
