/// The state buffers one element's update reads and writes, as lanes: up to three.
/// A kernel names which slot holds which buffer (see each kernel's `slots`).
public struct LaneState<L: Lane> {
    public var s0: L
    public var s1: L
    public var s2: L

    @inlinable
    public init(_ s0: L, _ s1: L, _ s2: L) {
        self.s0 = s0
        self.s1 = s1
        self.s2 = s2
    }
}

/// One optimizer's update of a single element, with every per-step constant (learning rate,
/// bias corrections, …) already computed: the body of that optimizer's fused loop.
///
/// `update` is written once, generically over `Lane`, so that the same text runs on SIMD
/// vectors, on scalars and on intervals (see `Interval`).
public protocol ElementwiseKernel: Sendable {
    associatedtype Scalar: KernelScalar
    /// How many state slots this configuration reads and writes (0...3), in slot order.
    var stateCount: Int { get }
    func update<L: Lane>(_ param: inout L, _ gradient: L, _ state: inout LaneState<L>) where L.Scalar == Scalar
}

/// Where a sweep reads and writes: the parameters, the gradient and the used state slots,
/// all of the same length. Unused slots are nil.
public struct KernelIO<Scalar: KernelScalar>: @unchecked Sendable {
    public var param: UnsafeMutablePointer<Scalar>
    public var gradient: UnsafePointer<Scalar>
    public var state: (UnsafeMutablePointer<Scalar>?, UnsafeMutablePointer<Scalar>?, UnsafeMutablePointer<Scalar>?)

    @inlinable
    public init(
        param: UnsafeMutablePointer<Scalar>,
        gradient: UnsafePointer<Scalar>,
        state: [UnsafeMutablePointer<Scalar>]
    ) {
        precondition(state.count <= 3, "at most three state slots")
        self.param = param
        self.gradient = gradient
        self.state = (
            state.count > 0 ? state[0] : nil,
            state.count > 1 ? state[1] : nil,
            state.count > 2 ? state[2] : nil
        )
    }
}

/// The range of values a buffer holds: maintained by every committed sweep, it is what the
/// next step's finiteness proof starts from.
public struct BufferBounds<Scalar: KernelScalar>: Sendable, Equatable {
    public var param: Interval<Scalar>
    public var state: [Interval<Scalar>]

    @inlinable
    public init(param: Interval<Scalar>, state: [Interval<Scalar>]) {
        self.param = param
        self.state = state
    }

    @inlinable
    public func hull(_ other: BufferBounds) -> BufferBounds {
        BufferBounds(param: param.hull(other.param), state: zip(state, other.state).map { $0.hull($1) })
    }
}

/// The element a failed probe found, and the buffer it is in (nil: the parameters).
public struct NonFiniteElement: Sendable, Equatable {
    public var index: Int
    public var stateSlot: Int?

    @inlinable
    public init(index: Int, stateSlot: Int?) {
        self.index = index
        self.stateSlot = stateSlot
    }
}
