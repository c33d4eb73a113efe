import Optimizers

#if canImport(Glibc)
import Glibc
#endif

/// The inputs every configuration of one dtype and size starts from: parameters ~ N(0, 1) and
/// gradients ~ N(0, 1e-3²), no gradient closer to 0 than 1e-6. The gradients are reused on
/// every step, as a training loop's would be in magnitude.
struct TestData<S: SessionScalar> {
    let params: ScalarBuffer<S>
    let gradients: GradientBuffer<S>
    var count: Int { params.count }

    init(count: Int) {
        var random = SplitMix64(seed: 0x5EED)
        params = ScalarBuffer(repeating: 0, count: count)
        for i in 0..<count { params[i] = S(random.normal()) }
        let values = ScalarBuffer<S>(repeating: 0, count: count)
        for i in 0..<count {
            let z = random.normal()
            values[i] = S(1e-3 * (abs(z) < 1e-3 ? (z < 0 ? -1e-3 : 1e-3) : z))
        }
        gradients = try! GradientBuffer(validating: values)
    }
}

/// A small, fast, reproducible generator (Steele, Lea & Flood's SplitMix64).
struct SplitMix64 {
    var state: UInt64
    var spare: Double?

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    mutating func unit() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }

    /// Standard normal (Box–Muller, both values used).
    mutating func normal() -> Double {
        if let z = spare { spare = nil; return z }
        let radius = (-2 * log(unit())).squareRoot(), angle = 2 * Double.pi * unit()
        spare = radius * sin(angle)
        return radius * cos(angle)
    }
}
