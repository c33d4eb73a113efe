/// Exact powers of ten representable as Doubles: 1e0 ... 1e22.
let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// The correctly rounded Double of `mantissa × 10^exponent` (negated if `negative`), or nil
/// when the fast algorithms cannot decide and the caller must use `SlowDecimal`.
///
/// `mantissa` must be exact (at most 19 significant decimal digits).
/// 1. Zero is ±0 whatever the exponent.
/// 2. Clinger's fast path: when `mantissa ≤ 2^53` and `|exponent| ≤ 22`, both operands are exact
///    Doubles and one IEEE multiply or divide rounds correctly.
/// 3. Otherwise Eisel–Lemire, which declines for subnormal results and rare near-halfway cases.
@inline(__always)
func fastDecimalToDouble(mantissa: UInt64, exponent: Int, negative: Bool) -> Double? {
    if mantissa == 0 { return negative ? -0.0 : 0.0 }
    if mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
        var d = Double(mantissa)
        exactPowersOfTen.withUnsafeBufferPointer { powers in
            if exponent < 0 { d /= powers[-exponent] } else { d *= powers[exponent] }
        }
        return negative ? -d : d
    }
    return eiselLemire(mantissa: mantissa, exponent: exponent, negative: negative)
}
