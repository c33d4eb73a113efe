/// A JSON array of numbers stored contiguously, as parsed from text.
///
/// `doubles` holds each element as the correctly rounded Double of its decimal text.
/// `float32Values()` gives each element as the correctly rounded Float of the same decimal
/// text, which differs from `Float(double)` only when the Double is exactly halfway between
/// two adjacent Floats (double rounding); the parser records the correct Float for those rare
/// elements in a sparse override table.
///
/// Numbers too large for the type become ±infinity (in `doubles` beyond ~1.8e308, in the
/// float32 view beyond ~3.4e38); callers decide whether that is an error.
public struct NumberArray: Sendable, Equatable {
    /// The elements as Doubles.
    public private(set) var doubles: [Double]
    /// Elements whose correctly rounded Float differs from `Float(doubles[i])`, by index.
    public private(set) var float32Overrides: [Int: Float]

    /// An empty array.
    public init() {
        doubles = []
        float32Overrides = [:]
    }

    /// Elements given as Doubles (their float32 view is `Float(d)`).
    public init(doubles: [Double]) {
        self.doubles = doubles
        float32Overrides = [:]
    }

    /// Elements given as Floats (stored exactly as Doubles; the float32 view returns them unchanged).
    public init(floats: [Float]) {
        doubles = floats.map { Double($0) }
        float32Overrides = [:]
    }

    /// Elements with explicit float32 corrections (used by the parser).
    init(doubles: [Double], float32Overrides: [Int: Float]) {
        self.doubles = doubles
        self.float32Overrides = float32Overrides
    }

    /// The number of elements.
    public var count: Int { doubles.count }

    /// Whether there are no elements.
    public var isEmpty: Bool { doubles.isEmpty }

    /// The element at `index` as a Double.
    public subscript(index: Int) -> Double { doubles[index] }

    /// The element at `index` as the correctly rounded Float of its decimal text.
    public func float32(at index: Int) -> Float {
        if !float32Overrides.isEmpty, let f = float32Overrides[index] { return f }
        return Float(doubles[index])
    }

    /// All elements as correctly rounded Floats of their decimal text.
    public func float32Values() -> [Float] {
        [Float](unsafeUninitializedCapacity: doubles.count) { buffer, initialized in
            copyFloat32Values(into: buffer)
            initialized = doubles.count
        }
    }

    /// Writes all elements as Floats into `buffer`, which must hold at least `count` elements.
    public func copyFloat32Values(into buffer: UnsafeMutableBufferPointer<Float>) {
        precondition(buffer.count >= doubles.count, "buffer too small for \(doubles.count) floats")
        guard let out = buffer.baseAddress else { return }
        doubles.withUnsafeBufferPointer { source in
            for i in source.indices { out[i] = Float(source[i]) }
        }
        for (i, f) in float32Overrides { out[i] = f }
    }
}
