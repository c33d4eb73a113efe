// Float and Double as one-wide lanes: the loop's tail, and the reference a vector lane must equal.

extension Float: MemoryLane, KernelScalar {
    public typealias Vector = SIMD8<Float>
    public typealias Scalar = Float
}

extension Double: MemoryLane, KernelScalar {
    public typealias Vector = SIMD4<Double>
    public typealias Scalar = Double
}

extension KernelScalar {
    @inlinable @inline(__always) public init(broadcast: Self) { self = broadcast }
    @inlinable @inline(__always) public func squared() -> Self { self * self }
    @inlinable @inline(__always) public func scaledSquare(by c: Self) -> Self { (c * self) * self }
    @inlinable @inline(__always) public func laneMax(_ other: Self) -> Self { self > other ? self : other }
    @inlinable @inline(__always) public func laneMin(_ other: Self) -> Self { self < other ? self : other }
    @inlinable @inline(__always) public static var width: Int { 1 }
    @inlinable @inline(__always) public static func load(_ pointer: UnsafePointer<Self>) -> Self { pointer.pointee }
    @inlinable @inline(__always) public func store(_ pointer: UnsafeMutablePointer<Self>) { pointer.pointee = self }
    @inlinable @inline(__always) public func minimum() -> Self { self }
    @inlinable @inline(__always) public func maximum() -> Self { self }
    @inlinable @inline(__always) public func finiteProbe() -> Self { self - self }
    @inlinable @inline(__always) public func probeIsClean() -> Bool { self == 0 }
}
