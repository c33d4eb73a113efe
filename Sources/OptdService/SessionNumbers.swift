import HTTP1
import Optimizers
import TensorJSON

/// A session's numbers whatever their dtype: `OptimizerState<Float>` or `<Double>` behind one
/// face, so that the session and the handlers need no switch over dtypes.
protocol SessionNumbers: AnyObject, Sendable {
    var optimizer: OptimizerKind { get }
    var dtype: DType { get }
    var layout: TensorLayout { get }
    var step: Int { get }
    var hyperparameters: Hyperparameters { get }
    var stateBytes: Int { get }

    /// Decodes gradients (JSON tensors or raw little-endian bytes) and applies one step.
    func applyStep(json: JSONValue) throws(Problem)
    func applyStep(raw: UnsafeRawBufferPointer) throws(Problem)
    func updateHyperparameters(_ new: Hyperparameters)
    /// Bytes of the buffers `new` would add (PATCH turning on amsgrad, momentum, centered).
    func additionalBytes(for new: Hyperparameters) -> Int

    func writeParams(into writer: inout JSONWriter)
    /// nag's look-ahead θ − μv, with the session's μ unless `momentum` is given.
    func writeLookahead(into writer: inout JSONWriter, momentum: Double?)
    /// `{"exp_avg": <tensors>, …, "mu_product": x}`: everything a restore needs.
    func writeState(into writer: inout JSONWriter)
    /// Raw params, the exported buffers and mu_product: a snapshot's numbers.
    func rawParts() -> (params: [UInt8], names: [String], buffers: [[UInt8]], muProduct: Double?)
    /// The params as a raw body: large ones shared with the session, not copied (see `SharedParams`).
    func rawParams() -> ResponseBody
    /// The point where the next gradient is taken: the look-ahead point for nag, else params.
    func rawNextPoint(momentum: Double?) -> ResponseBody
}

// The conformance's methods are reached through `any SessionNumbers`, with `Scalar` unknown at
// compile time: the per-request ones are pre-specialised for both dtypes, so that their generic
// entry branches to code compiled for the dtype instead of looking up metadata on every call.
extension OptimizerState: SessionNumbers {
    var dtype: DType { Scalar.dtype }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func applyStep(json: JSONValue) throws(Problem) {
        try apply(TensorDecoding.gradients(json, matching: layout))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func applyStep(raw: UnsafeRawBufferPointer) throws(Problem) {
        let width = MemoryLayout<Scalar>.size
        guard raw.count == layout.totalCount * width else {
            throw Problem(422, "tensor-mismatch", "a raw \(dtype.rawValue) step needs \(layout.totalCount) elements × \(width) bytes = \(layout.totalCount * width) bytes; got \(raw.count)")
        }
        #if _endian(little)
        // The body already holds the values as the kernels read them: step straight from it
        // (no copy), when it is aligned for the dtype (array storage is 16-byte aligned).
        if Int(bitPattern: raw.baseAddress) % MemoryLayout<Scalar>.alignment == 0 {
            let outcome: Result<Void, Problem> = raw.withMemoryRebound(to: Scalar.self) { values in
                do throws(Problem) {
                    try apply(gradients(GradientBuffer(unsafeBorrowing: values)))
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            return try outcome.get()
        }
        #endif
        try apply(gradients(GradientBuffer(littleEndian: raw)))
    }

    /// The gradients, or the problem naming the first non-finite one.
    private func gradients(_ make: @autoclosure () throws(NonFiniteValue) -> GradientBuffer<Scalar>) throws(Problem) -> GradientBuffer<Scalar> {
        do { return try make() } catch {
            let (tensor, index) = layout.locate(error.index)!
            let label = layout.isSingleArray ? "element \(index)" : "element \(index) of tensor '\(tensor.name)'"
            throw Problem(422, "non-finite-value", "gradient \(label) is not finite (NaN or infinity)")
        }
    }

    private func apply(_ gradients: GradientBuffer<Scalar>) throws(Problem) {
        do { try step(gradients) } catch {
            switch error {
            case let .wrongCount(expected, got):
                throw Problem(422, "tensor-mismatch", "expected \(expected) gradient elements, got \(got)")
            case let .nonFiniteResult(buffer, tensor, index):
                let path = layout.isSingleArray ? [buffer, String(index)] : [buffer, tensor, String(index)]
                var problem = Problem(422, "non-finite-result",
                                      "the update would make \(buffer) non-finite at \(jsonPointer(path)); nothing was changed (check the gradient's magnitude and the hyperparameters, e.g. eps)")
                problem.currentStep = step
                throw problem
            }
        }
    }

    func additionalBytes(for new: Hyperparameters) -> Int {
        let needed = OptimizerState<Scalar>.projectedBytes(optimizer: optimizer, hyperparameters: new, elements: layout.totalCount)
        return max(0, needed - stateBytes)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func writeParams(into writer: inout JSONWriter) {
        TensorEncoding.write(params.readOnly, layout: layout, into: &writer)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func writeLookahead(into writer: inout JSONWriter, momentum: Double?) {
        withLookahead(momentum) { TensorEncoding.write($0, layout: layout, into: &writer) }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func writeState(into writer: inout JSONWriter) {
        writer.beginObject()
        for (name, buffer) in exportedBuffers {
            writer.key(name)
            TensorEncoding.write(buffer.readOnly, layout: layout, into: &writer)
        }
        if optimizer == .nadam {
            writer.key("mu_product")
            writer.writeNumber(muProduct)
        }
        writer.endObject()
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func rawParams() -> ResponseBody {
        #if _endian(little)
        if params.byteCount > SharedParams<Scalar>.copiedBytes { return .shared(SharedParams(params)) }
        #endif
        return .bytes(TensorEncoding.raw(params.readOnly))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func rawNextPoint(momentum: Double?) -> ResponseBody {
        guard optimizer == .nag else { return rawParams() }
        return .bytes(withLookahead(momentum) { TensorEncoding.raw($0) })
    }

    private func withLookahead<R>(_ momentum: Double?, _ body: (UnsafeBufferPointer<Scalar>) -> R) -> R {
        let scratch = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: max(layout.totalCount, 1))
        defer { scratch.deallocate() }
        let out = UnsafeMutableBufferPointer(rebasing: scratch[0..<layout.totalCount])
        lookahead(into: out, momentum: momentum)
        return body(UnsafeBufferPointer(out))
    }
}

/// A session's params lent to a raw answer: the little-endian bytes of the raw format are the
/// buffer's own memory, so the answer is sent from it without a copy. Holding the buffer keeps
/// it unchanged: the next step finds it shared and writes to a copy (`OptimizerState.params`),
/// and in the usual case, where the answer has left before the next step, nothing is copied.
final class SharedParams<Scalar: SessionScalar>: SharedBytes {
    /// Params up to this size are copied into their answer instead: the transport copies a body
    /// this small next to its head anyway (`OutboundBuffer.inlineBodyLimit`), and a copy frees
    /// the buffer at once, whereas a shared one still held when the next step of a busy session
    /// comes makes that step copy it.
    static var copiedBytes: Int { 64 * 1024 }

    let buffer: ScalarBuffer<Scalar>

    init(_ buffer: ScalarBuffer<Scalar>) { self.buffer = buffer }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffer.readOnly) }
}
