// SIMD vectors as lanes. Loads and stores are unaligned: buffers are 64-byte aligned, but a
// range split between threads may start anywhere.

extension SIMD8: Lane, MemoryLane where Scalar: KernelScalar {}
extension SIMD4: Lane, MemoryLane where Scalar: KernelScalar {}
extension SIMD16: Lane, MemoryLane where Scalar: KernelScalar {}

extension SIMD where Scalar: KernelScalar {
    @inlinable @inline(__always) public init(broadcast: Scalar) { self.init(repeating: broadcast) }
    @inlinable @inline(__always) public func squared() -> Self { self * self }
    @inlinable @inline(__always) public func scaledSquare(by c: Scalar) -> Self { (self * c) * self }
    // A compare and a blend: maxps/minps, not the NaN-aware scalar `maximum`.
    @inlinable @inline(__always) public func laneMax(_ other: Self) -> Self {
        var result = self
        for i in indices { result[i] = other[i] > self[i] ? other[i] : self[i] }
        return result
    }
    @inlinable @inline(__always) public func laneMin(_ other: Self) -> Self {
        var result = self
        for i in indices { result[i] = other[i] < self[i] ? other[i] : self[i] }
        return result
    }
    @inlinable @inline(__always) public static var width: Int { scalarCount }
    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafePointer<Scalar>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }
    @inlinable @inline(__always)
    public func store(_ pointer: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
    @inlinable @inline(__always) public func minimum() -> Scalar { self.min() }
    @inlinable @inline(__always) public func maximum() -> Scalar { self.max() }
    @inlinable @inline(__always) public func finiteProbe() -> Self { self - self }
    @inlinable @inline(__always) public func probeIsClean() -> Bool { self == Self(repeating: 0) }
}
