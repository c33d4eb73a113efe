/// What a session remembers of `Idempotency-Key`s: the key of its last applied step with a
/// hash of that request, and the keys of a bounded number of earlier steps.
///
/// A retry of the last step (same key, same body) is answered from the current state —
/// which is that step's result, since nothing has been applied after it — and applies
/// nothing. The same key with another body is 422; a key of an earlier step is 409.
struct IdempotencyLog: Sendable {
    enum Verdict: Equatable {
        case new
        case replay
        case reusedWithOtherBody(step: Int)
        case outdated(step: Int)
    }

    /// How many earlier keys are remembered (their steps only).
    static let history = 4096

    /// A key, the hash of its request and the step it applied.
    struct Record: Sendable, Equatable {
        var key: String
        var requestHash: UInt64
        var step: Int
        /// nag: the momentum the step was taken with, so a replay returns the same look-ahead.
        var lookaheadMomentum: Double?
    }

    /// The last applied step's record: a session file keeps it, so that a retry still replays after a restart.
    private(set) var last: Record?
    private var earlier: [String: Int] = [:]
    private var order: [String] = []

    init(last: Record? = nil, earlier history: [(key: String, step: Int)] = []) {
        self.last = last
        for (key, step) in history.suffix(Self.history) {
            earlier[key] = step
            order.append(key)
        }
    }

    /// The keys of earlier steps, oldest first: a session file keeps them too, so that a retry
    /// of an older step is still refused (409) after a restart.
    var earlierKeys: [(key: String, step: Int)] {
        order.compactMap { key in earlier[key].map { (key, $0) } }
    }

    func verdict(key: String, requestHash: UInt64) -> Verdict {
        if let last, last.key == key {
            return last.requestHash == requestHash ? .replay : .reusedWithOtherBody(step: last.step)
        }
        if let step = earlier[key] { return .outdated(step: step) }
        return .new
    }

    mutating func record(key: String, requestHash: UInt64, step: Int, lookaheadMomentum: Double? = nil) {
        if let last {
            earlier[last.key] = last.step
            order.append(last.key)
            if order.count > Self.history {
                earlier[order.removeFirst()] = nil
            }
        }
        last = Record(key: key, requestHash: requestHash, step: step, lookaheadMomentum: lookaheadMomentum)
    }
}

/// A fast 64-bit hash of a request body (FNV-1a over 8-byte words, then mixed): enough to
/// tell a retry from a different request under the same key, not a cryptographic digest.
func requestHash(_ bytes: [UInt8], contentType: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ word: UInt64) {
        h = (h ^ word) &* 0x0000_0100_0000_01B3
        h ^= h >> 29
    }
    for byte in contentType.utf8 { mix(UInt64(byte)) }
    bytes.withUnsafeBytes { raw in
        var i = 0
        while i + 8 <= raw.count {
            mix(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        while i < raw.count { mix(UInt64(raw[i])); i += 1 }
    }
    mix(UInt64(bytes.count))
    return h
}
