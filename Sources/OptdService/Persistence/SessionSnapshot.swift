import Optimizers

/// Everything a session is, copied out of it at one instant: what a session file holds and
/// what a restart rebuilds the session from. Tensors are kept as their raw little-endian
/// bytes — the file's own form — so a snapshot is written without any conversion.
struct SessionSnapshot: Sendable {
    var id: String
    var optimizer: OptimizerKind
    var dtype: DType
    var hyperparameters: Hyperparameters
    var step: Int
    var layout: TensorLayout
    /// Raw params, then each buffer, in the order of `bufferNames`.
    var params: [UInt8]
    var bufferNames: [String]
    var buffers: [[UInt8]]
    var muProduct: Double?
    var createdAt: Timestamp
    var updatedAt: Timestamp
    /// The session's version when copied: a writer never replaces a newer file with an older one.
    var version: UInt64
    var lastIdempotency: IdempotencyLog.Record?
    /// Hashes of earlier steps' keys, oldest first.
    var earlierIdempotency: [IdempotencyLog.Earlier] = []
}

extension OptimizerState {
    /// The numbers part of a snapshot.
    func rawParts() -> (params: [UInt8], names: [String], buffers: [[UInt8]], muProduct: Double?) {
        let exported = exportedBuffers
        return (TensorEncoding.raw(params.readOnly), exported.map(\.name), exported.map { TensorEncoding.raw($0.buffer.readOnly) },
                optimizer == .nadam ? muProduct : nil)
    }
}

extension SessionSnapshot {
    /// Rebuilds the session's numbers, checked as a restore is.
    func makeNumbers(engine: StepEngine) throws(Problem) -> any SessionNumbers {
        switch dtype {
        case .float32: return try makeNumbers(Float.self, engine: engine)
        case .float64: return try makeNumbers(Double.self, engine: engine)
        }
    }

    private func makeNumbers<S: SessionScalar>(_: S.Type, engine: StepEngine) throws(Problem) -> any SessionNumbers {
        func buffer(_ bytes: [UInt8], _ what: String) throws(Problem) -> ScalarBuffer<S> {
            guard bytes.count == layout.totalCount * MemoryLayout<S>.size else {
                throw Problem(422, "invalid-state", "\(what) holds \(bytes.count) bytes, not \(layout.totalCount) \(dtype.rawValue) values")
            }
            let out = ScalarBuffer<S>(uninitializedCount: layout.totalCount)
            bytes.withUnsafeBytes { raw in
                #if _endian(little)
                if let source = raw.baseAddress { UnsafeMutableRawPointer(out.base).copyMemory(from: source, byteCount: raw.count) }
                #else
                for i in 0..<layout.totalCount { out.base[i] = S.loadLittleEndian(raw.baseAddress! + i * MemoryLayout<S>.size) }
                #endif
            }
            return out
        }
        var restored = RestoredState<S>(step: step, muProduct: muProduct)
        for (name, bytes) in zip(bufferNames, buffers) { restored.buffers[name] = try buffer(bytes, name) }
        let paramBuffer = try buffer(params, "params")
        do throws(RestoreError) {
            return try OptimizerState(optimizer: optimizer, hyperparameters: hyperparameters, layout: layout,
                                      params: paramBuffer, restoring: restored, engine: engine)
        } catch {
            throw Problem(422, "invalid-state", "\(error.field): \(error.message)")
        }
    }
}
