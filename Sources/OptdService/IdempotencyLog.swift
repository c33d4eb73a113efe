/// What a session remembers of `Idempotency-Key`s: the key of its last applied step with a
/// hash of that request, and a 64-bit hash of the key of each of a bounded number of earlier
/// steps.
///
/// A retry of the last step (same key, same body) is answered from the current state —
/// which is that step's result, since nothing has been applied after it — and applies
/// nothing. The same key with another body is 422; a key of an earlier step is 409.
///
/// Earlier keys are kept as hashes so that their memory is fixed (16 bytes each, whatever the
/// key's length) and counted in the memory budget: `history` of them at most, 16 KiB.
struct IdempotencyLog: Sendable {
    enum Verdict: Equatable {
        case new
        case replay
        case reusedWithOtherBody(step: Int)
        case outdated(step: Int)
    }

    /// How many earlier keys are remembered.
    static let history = 1024
    /// Memory one remembered earlier key holds (its hash and its step).
    static let bytesPerEarlierKey = MemoryLayout<UInt64>.size + MemoryLayout<Int>.size

    /// A key, the hash of its request and the step it applied.
    struct Record: Sendable, Equatable {
        var key: String
        var requestHash: UInt64
        var step: Int
        /// nag: the momentum the step was taken with, so a replay returns the same look-ahead.
        var lookaheadMomentum: Double?
    }

    /// An earlier step's key, as its hash.
    struct Earlier: Sendable, Equatable {
        var keyHash: UInt64
        var step: Int
    }

    /// The last applied step's record: a session file keeps it, so that a retry still replays after a restart.
    private(set) var last: Record?
    /// A ring, oldest at `oldest` once full.
    private var ring: [Earlier] = []
    private var oldest = 0

    init(last: Record? = nil, earlier: [Earlier] = []) {
        self.last = last
        ring = Array(earlier.suffix(Self.history))
    }

    /// The hash under which an earlier key is remembered (XXH64 of its UTF-8, stable across
    /// restarts because session files keep these hashes).
    static func keyHash(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { XXHash64.hash(UnsafeRawBufferPointer($0)) }
    }

    /// The earlier keys, oldest first: a session file keeps them, so that a retry of an older
    /// step is still refused (409) after a restart.
    var earlier: [Earlier] { Array(ring[oldest...] + ring[..<oldest]) }

    /// Bytes the earlier keys hold (what the session has reserved for them in the budget).
    var earlierBytes: Int { ring.count * Self.bytesPerEarlierKey }

    func verdict(key: String, requestHash: UInt64) -> Verdict {
        if let last, last.key == key {
            return last.requestHash == requestHash ? .replay : .reusedWithOtherBody(step: last.step)
        }
        if !ring.isEmpty {
            let hash = Self.keyHash(key)
            // Newest first: a key is unique per step in practice, so the first match is it.
            for k in ring.indices.reversed() {
                let entry = ring[(oldest + k) % ring.count]
                if entry.keyHash == hash { return .outdated(step: entry.step) }
            }
        }
        return .new
    }

    /// Whether the next `record` would add an earlier key (rather than replace the oldest):
    /// the caller reserves `bytesPerEarlierKey` first, or calls `record(…, rememberPrevious: false)`.
    var recordGrowsHistory: Bool { last != nil && ring.count < Self.history }

    /// Makes `key` the last step's; the previous last key becomes an earlier one unless
    /// `rememberPrevious` is false (the budget had no room for it).
    mutating func record(key: String, requestHash: UInt64, step: Int, lookaheadMomentum: Double? = nil, rememberPrevious: Bool = true) {
        if let last {
            let entry = Earlier(keyHash: Self.keyHash(last.key), step: last.step)
            if ring.count < Self.history {
                if rememberPrevious { ring.append(entry) }
            } else {
                ring[oldest] = entry
                oldest = (oldest + 1) % ring.count
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
