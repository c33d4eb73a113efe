// Helpers shared by every fuzz harness. This file is compiled into each harness's module
// (see scripts/fuzz), so it must not clash with names in the fuzzed modules: everything
// here starts with `Fuzz`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes `message` to stderr without touching the C `stderr` global (not concurrency-safe
/// in Swift 6 mode).
func fuzzLog(_ message: String) {
    var text = message + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}

/// Aborts (so libFuzzer records the input as a crash) when an invariant does not hold.
/// Unlike `precondition`, the message is printed in optimized builds too.
@inline(__always)
func fuzzRequire(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() {
        fuzzLog("FUZZ INVARIANT VIOLATED at \(file):\(line): \(message())")
        abort()
    }
}

/// SplitMix64: a small deterministic generator, seeded from the input so that every
/// decision a harness makes is a pure function of the input bytes (reproducible).
struct FuzzRNG {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform-ish in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(truncatingIfNeeded: next() % UInt64(n)) }

    /// True with probability 1/n.
    mutating func oneIn(_ n: Int) -> Bool { below(n) == 0 }
}

/// FNV-1a over the input's length, its first 8 and its last 8 bytes: a seed that most
/// single-byte mutations in the middle of an input leave unchanged, so a mutation of the
/// payload keeps the fragmentation it was found with.
func fuzzControlSeed(_ input: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ b: UInt8) {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01B3
    }
    var n = UInt64(input.count)
    for _ in 0..<8 {
        mix(UInt8(truncatingIfNeeded: n))
        n >>= 8
    }
    for b in input.prefix(8) { mix(b) }
    for b in input.suffix(8) { mix(b) }
    return h
}

/// A short printable rendering of bytes for failure messages.
func fuzzShow(_ bytes: some Sequence<UInt8>, limit: Int = 200) -> String {
    var out = ""
    var n = 0
    for b in bytes {
        if n == limit {
            out += "..."
            break
        }
        switch b {
        case 0x0D: out += "\\r"
        case 0x0A: out += "\\n"
        case 0x09: out += "\\t"
        case 0x5C: out += "\\\\"
        case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            let digits = Array("0123456789abcdef".unicodeScalars)
            out += "\\x"
            out.unicodeScalars.append(digits[Int(b >> 4)])
            out.unicodeScalars.append(digits[Int(b & 15)])
        }
        n += 1
    }
    return out
}
