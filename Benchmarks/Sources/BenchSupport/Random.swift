// Seeded test data shared by the benchmarks, so that every run of every benchmark sends and
// steps the same numbers.

#if canImport(Glibc)
import Glibc
#endif

/// A small, fast, reproducible generator (Steele, Lea & Flood's SplitMix64).
public struct SplitMix64 {
    public var state: UInt64
    private var spare: Double?

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    public mutating func unit() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }

    /// Standard normal (Box–Muller, both values used).
    public mutating func normal() -> Double {
        if let z = spare { spare = nil; return z }
        let radius = (-2 * log(unit())).squareRoot(), angle = 2 * Double.pi * unit()
        spare = radius * sin(angle)
        return radius * cos(angle)
    }
}

/// Gradient-like float32 values: ~N(0, scale²), none closer to 0 than scale·10⁻³, so that with
/// the default scale their shortest texts look like a real gradient's ("-0.0012345678",
/// "3.4567e-05"). One Box–Muller pair per element, its cosine half.
public func gradientLikeFloats(count: Int, scale: Double = 1e-3, seed: UInt64 = 42) -> [Float] {
    var rng = SplitMix64(seed: seed)
    let floor = scale * 1e-3
    return (0..<count).map { _ in
        let g = (-2 * log(rng.unit())).squareRoot() * cos(2 * Double.pi * rng.unit())
        var x = g * scale
        if abs(x) < floor { x = x < 0 ? -floor : floor }
        return Float(x)
    }
}
