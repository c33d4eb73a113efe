/// The tensors of a session: their names and sizes, and where each sits in the session's
/// contiguous buffers. The order is the order the client gave, and the order of raw tensors.
public struct TensorLayout: Sendable, Equatable {
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let size: Int
        public let offset: Int
        public var range: Range<Int> { offset..<(offset + size) }
    }

    /// The tensors in order.
    public let tensors: [Tensor]
    /// True when the client sent one bare array: responses then use a bare array too.
    public let isSingleArray: Bool
    /// Elements across all tensors.
    public let totalCount: Int

    /// The name a bare array's single tensor goes by in `tensors` and in error fields.
    public static let singleTensorName = ""

    /// One unnamed tensor.
    public init(singleArrayOfSize size: Int) {
        tensors = [Tensor(name: Self.singleTensorName, size: size, offset: 0)]
        isSingleArray = true
        totalCount = size
    }

    /// Named tensors, in the given order.
    public init(named: [(name: String, size: Int)]) {
        var offset = 0
        var tensors: [Tensor] = []
        for (name, size) in named {
            tensors.append(Tensor(name: name, size: size, offset: offset))
            offset += size
        }
        self.tensors = tensors
        isSingleArray = false
        totalCount = offset
    }

    public func tensor(named name: String) -> Tensor? {
        tensors.first { $0.name == name }
    }

    /// The tensor holding element `index`, and the index within it.
    public func locate(_ index: Int) -> (tensor: Tensor, index: Int)? {
        guard let tensor = tensors.first(where: { $0.range.contains(index) }) else { return nil }
        return (tensor, index - tensor.offset)
    }
}
