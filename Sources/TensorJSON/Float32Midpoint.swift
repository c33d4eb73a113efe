/// Whether `d` lies exactly halfway between two adjacent Floats (counting the point halfway
/// between `Float.greatestFiniteMagnitude` and 2^128, and subnormal Floats).
///
/// Only then can decimal → Double → Float differ from decimal → Float: rounding to the
/// nearest Double never crosses a float32 midpoint (midpoints are Doubles), it can only land
/// on one, after which `Float(d)` rounds to even instead of toward the decimal's side.
@inline(__always)
func isFloat32Midpoint(_ d: Double) -> Bool {
    let bits = d.bitPattern
    // A midpoint has at least 28 zero bits below its half-ulp bit: cheap rejection of almost all.
    if bits & 0x0FFF_FFFF != 0 { return false }
    let biasedExponent = Int(truncatingIfNeeded: (bits >> 52) & 0x7FF)
    if biasedExponent == 0 || biasedExponent == 0x7FF { return false }
    // Double mantissa bits below one float32 ulp: 29 for normal Floats, more below 2^-126
    // where the float32 ulp is fixed at 2^-149 (biased exponent 926 - e, with e = 1023 + log2|d|).
    let shift = max(29, 926 - biasedExponent)
    if shift > 53 { return false }
    let significand = bits & 0x000F_FFFF_FFFF_FFFF | 1 << 52
    let mask: UInt64 = (1 << UInt64(shift)) - 1
    return significand & mask == 1 << UInt64(shift - 1)
}
