/// The Eisel–Lemire algorithm: the correctly rounded Double of `mantissa × 10^exponent`, or nil
/// when it cannot prove the rounding (near-halfway products, subnormal results, overflow
/// to infinity near the boundary); the caller then falls back to exact arithmetic.
///
/// Daniel Lemire, "Number Parsing at a Gigabyte per Second", Software: Practice and
/// Experience 51(8), 2021; this follows the structure of Nigel Tao's formulation (as in Go's
/// strconv), with `powersOfFive` holding 128-bit truncations of 10^q's mantissa.
/// `mantissa` must be nonzero.
@inline(__always)
func eiselLemire(mantissa: UInt64, exponent: Int, negative: Bool) -> Double? {
    // Out of table range: |value| < 1e19 * 1e-343 rounds to zero; >= 1e309 overflows.
    if exponent < -342 { return negative ? -0.0 : 0.0 }
    if exponent > 308 { return negative ? -.infinity : .infinity }

    // Normalize the mantissa so its top bit is set.
    let leadingZeros = mantissa.leadingZeroBitCount
    let normalized = mantissa << UInt64(leadingZeros)
    // floor(exponent * log2(10)) + 64 + bias - leadingZeros, as a wrapping unsigned value.
    var binaryExponent = UInt64(bitPattern: Int64(((217_706 &* exponent) >> 16) &+ 64 &+ 1023))
        &- UInt64(leadingZeros)

    // 64x128-bit multiplication, keeping the top 128 bits.
    let row = (exponent + 342) &* 2
    let (powerHigh, powerLow) = powersOfFive.withUnsafeBufferPointer { ($0[row], $0[row + 1]) }
    var (high, low) = normalized.multipliedFullWidth(by: powerHigh)

    // Wider approximation when the low bits of `high` may be affected by the truncated part.
    if high & 0x1FF == 0x1FF && low &+ normalized < normalized {
        let (carryHigh, carryLow) = normalized.multipliedFullWidth(by: powerLow)
        var mergedHigh = high
        let mergedLow = low &+ carryHigh
        if mergedLow < low { mergedHigh &+= 1 }
        if mergedHigh & 0x1FF == 0x1FF && mergedLow &+ 1 == 0 && carryLow &+ normalized < normalized {
            return nil
        }
        high = mergedHigh
        low = mergedLow
    }

    // Shift to 54 bits.
    let topBit = high >> 63
    var significand = high >> (topBit &+ 9)
    binaryExponent &-= 1 ^ topBit

    // Exactly halfway between two Doubles: cannot decide round-to-even here.
    if low == 0 && high & 0x1FF == 0 && significand & 3 == 1 { return nil }

    // Round from 54 to 53 bits.
    significand &+= significand & 1
    significand >>= 1
    if significand >> 53 > 0 {
        significand >>= 1
        binaryExponent &+= 1
    }
    // Subnormal (exponent <= 0) or infinite/NaN range (>= 0x7FF): let the slow path decide.
    if binaryExponent &- 1 >= 0x7FF - 1 { return nil }

    var bits = binaryExponent << 52 | significand & 0x000F_FFFF_FFFF_FFFF
    if negative { bits |= 1 << 63 }
    return Double(bitPattern: bits)
}
