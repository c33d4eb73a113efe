// Shortest round-trip text of Float and Double without allocating.
//
// The Swift runtime exports the algorithm behind `Float.description` / `Double.description`
// under these C symbols (in libswiftCore.so and libswiftCore.a, so `-static-stdlib` links
// too). Since Swift 6.2 they are implemented in Swift and expect the buffer to be at least
// 32 bytes and PRE-FILLED WITH ASCII "0" (the digit generator relies on it; without it
// `1.0` comes out as "1." followed by a NUL); the count of bytes written is returned.
// Output forms: "0.1", "1.0", "-0.0", "1e-05", "1e+20", "3.4028235e+38", "inf", "nan".

@_silgen_name("swift_float32ToString")
func _swift_float32ToString(
    _ buffer: UnsafeMutablePointer<UInt8>, _ bufferLength: UInt, _ value: Float, _ debug: Bool
) -> UInt64

@_silgen_name("swift_float64ToString")
func _swift_float64ToString(
    _ buffer: UnsafeMutablePointer<UInt8>, _ bufferLength: UInt, _ value: Double, _ debug: Bool
) -> UInt64

/// Bytes that must be writable at the destination of `writeShortest`.
let shortestTextWindow = 32

/// Writes the shortest JSON text that reads back as exactly `value` (which must be finite)
/// at `p`, which must have `shortestTextWindow` writable bytes; returns the length.
@inline(__always)
func writeShortest(_ value: Float, to p: UnsafeMutablePointer<UInt8>) -> Int {
    UnsafeMutableRawPointer(p).storeBytes(of: SIMD32<UInt8>(repeating: 0x30), as: SIMD32<UInt8>.self)
    let n = Int(truncatingIfNeeded: _swift_float32ToString(p, UInt(shortestTextWindow), value, false))
    return compactNumberText(p, n)
}

/// Writes the shortest JSON text that reads back as exactly `value` (which must be finite)
/// at `p`, which must have `shortestTextWindow` writable bytes; returns the length.
@inline(__always)
func writeShortest(_ value: Double, to p: UnsafeMutablePointer<UInt8>) -> Int {
    UnsafeMutableRawPointer(p).storeBytes(of: SIMD32<UInt8>(repeating: 0x30), as: SIMD32<UInt8>.self)
    let n = Int(truncatingIfNeeded: _swift_float64ToString(p, UInt(shortestTextWindow), value, false))
    return compactNumberText(p, n)
}

/// Shortens Swift's float text in place to the equivalent shortest JSON number: drops a
/// trailing ".0" ("1.0" → "1", "-0.0" → "-0"), an exponent's "+" and its leading zeros
/// ("1e+20" → "1e20", "1e-05" → "1e-5"). Returns the new length.
@inline(__always)
func compactNumberText(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int {
    if n >= 3 && p[n - 1] == UInt8(ascii: "0") && p[n - 2] == UInt8(ascii: ".") { return n - 2 }
    // An exponent, if any, is "e", a sign and 2 or 3 digits at the end.
    var e = n - 4
    if e < 1 || p[e] != UInt8(ascii: "e") {
        e = n - 5
        if e < 1 || p[e] != UInt8(ascii: "e") { return n }
    }
    var read = e + 1, write = e + 1
    if p[read] == UInt8(ascii: "+") {
        read += 1
    } else if p[read] == UInt8(ascii: "-") {
        read += 1
        write += 1
    }
    while read < n - 1 && p[read] == UInt8(ascii: "0") { read += 1 }
    while read < n {
        p[write] = p[read]
        read += 1
        write += 1
    }
    return write
}
