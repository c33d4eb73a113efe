import Testing
@testable import TensorJSON

/// `float32Values()` is the correctly rounded Float of each decimal text, not Float(Double(text)).
@Suite struct Float32Tests {
    /// The midpoint between `f` and the next Float up, exactly, as a Double.
    func midpointAbove(_ f: Float) -> Double {
        Double(f) + Double(f.ulp) / 2
    }

    /// `text` is `value`'s exact decimal expansion nudged by one unit in its 1100th digit.
    func nudged(_ value: Double, up: Bool) -> String {
        let exact = exactScientific(value)  // d.ddd...ddde±XX, digits far past the last nonzero one
        let e = exact.firstIndex(of: "e")!
        var mantissa = Array(exact[..<e])
        if up {
            mantissa[mantissa.count - 1] = "1"
        } else {
            // Subtract one unit in the last place: trailing zeros become nines.
            var i = mantissa.count - 1
            while mantissa[i] == "0" || mantissa[i] == "." {
                if mantissa[i] == "0" { mantissa[i] = "9" }
                i -= 1
            }
            mantissa[i] = Character(String(mantissa[i].wholeNumberValue! - 1))
        }
        return String(mantissa) + exact[e...]
    }

    /// Decimals just above (below) a float32 midpoint round to that midpoint as Doubles, so
    /// Float(Double) rounds to even, while the correct Float is the upper (lower) neighbour.
    @Test func doubleRoundingMidpoints() throws {
        var rng = SplitMix64(seed: 31)
        var cases: [(text: String, expected: Float)] = []
        var floats: [Float] = [1, 0.1, 3.4028233e38, .greatestFiniteMagnitude, 0]
        floats += [0x007F_FFFF, 0x0080_0000, 1, 2, 5].map { Float(bitPattern: $0) }  // around and below the normal range
        for _ in 0..<300 {
            floats.append(Float(bitPattern: UInt32.random(in: 0..<0x7F7F_FFFF, using: &rng)))
            floats.append(Float(bitPattern: UInt32.random(in: 0..<0x0080_0000, using: &rng)))  // subnormal
        }
        var differs = 0
        for f in floats {
            let m = midpointAbove(f)
            for up in [true, false] {
                let text = nudged(m, up: up)
                let expected = cStrtof(text)
                #expect(cStrtod(text) == m, "construction: \(text) should round to the midpoint")
                if Float(m) != expected { differs += 1 }
                cases.append((text, expected))
                if f == .greatestFiniteMagnitude {
                    #expect(expected == (up ? .infinity : .greatestFiniteMagnitude))
                }
            }
        }
        // About half of the cases are real double-rounding traps.
        #expect(differs > cases.count / 3)

        let document = "[" + cases.map(\.text).joined(separator: ", ") + "]"
        let numbers = try #require(parseOK(document)?.numbersValue)
        let values = numbers.float32Values()
        for (i, c) in cases.enumerated() {
            #expect(values[i].bitPattern == c.expected.bitPattern, "\(c.text)")
            #expect(numbers.float32(at: i).bitPattern == c.expected.bitPattern)
        }
        var copy = [Float](repeating: 0, count: numbers.count)
        copy.withUnsafeMutableBufferPointer { numbers.copyFloat32Values(into: $0) }
        #expect(copy.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func exactMidpointTextRoundsToEven() throws {
        // 1 + 2^-24 is exactly halfway between 1 and 1 + 2^-23: ties to even gives 1.
        let numbers = try #require(parseOK("[1.000000059604644775390625, 1.000000178813934326171875]")?.numbersValue)
        #expect(numbers.float32Values() == [1, cStrtof("1.000000178813934326171875")])
    }

    @Test func float32Overflow() throws {
        let texts = ["1e39", "-1e39", "3.4028235e38", "3.40282356e38", "3.40282357e38", "1e-46", "-1e-50", "1e309"]
        let numbers = try #require(parseOK("[" + texts.joined(separator: ",") + "]")?.numbersValue)
        let values = numbers.float32Values()
        #expect(values.map(\.bitPattern) == texts.map { cStrtof($0).bitPattern })
        #expect(values[0] == .infinity)
        #expect(values[1] == -.infinity)
        #expect(values[2] == .greatestFiniteMagnitude)
        #expect(values[3] == .greatestFiniteMagnitude)  // below the midpoint to 2^128
        #expect(values[4] == .infinity)  // above it
        #expect(values[5] == 0)
        #expect(values[6] == 0 && values[6].sign == .minus)
        #expect(values[7] == .infinity)
        #expect(numbers.doubles[0] == 1e39)
        #expect(numbers.doubles[7] == .infinity)
    }

    /// Random decimals with float32-like precision against strtof.
    @Test func randomDecimalsMatchStrtof() throws {
        var rng = SplitMix64(seed: 77)
        var texts: [String] = []
        for _ in 0..<50_000 {
            let digits = Int.random(in: 1...12, using: &rng)
            var mantissa = String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<digits { mantissa.append(String(Int.random(in: 0...9, using: &rng))) }
            texts.append("\(Bool.random(using: &rng) ? "-" : "")\(mantissa)e\(Int.random(in: -52...40, using: &rng))")
        }
        let values = try #require(parseOK("[" + texts.joined(separator: ",") + "]")?.numbersValue?.float32Values())
        for (text, f) in zip(texts, values) {
            #expect(f.bitPattern == cStrtof(text).bitPattern, "\(text)")
        }
    }

    @Test func floatInitializerIsExact() {
        let floats: [Float] = [0.1, -3.5e-7, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        let numbers = NumberArray(floats: floats)
        #expect(numbers.float32Values() == floats)
        #expect(numbers.count == 4 && !numbers.isEmpty)
        #expect(numbers[0] == Double(Float(0.1)))
    }

    @Test func midpointDetector() {
        #expect(isFloat32Midpoint(1 + 0x1p-24))
        #expect(!isFloat32Midpoint(1))
        #expect(!isFloat32Midpoint(1 + 0x1p-23))
        #expect(!isFloat32Midpoint(1 + 0x1p-25))
        #expect(isFloat32Midpoint(0x1p-150))  // halfway between 0 and the least subnormal
        #expect(isFloat32Midpoint(3 * 0x1p-150))
        #expect(!isFloat32Midpoint(0x1p-149))
        #expect(!isFloat32Midpoint(0x1p-151))
        #expect(isFloat32Midpoint(-(1 + 0x1p-24)))
        #expect(isFloat32Midpoint(Double(Float.greatestFiniteMagnitude) + 0x1p103))
        #expect(!isFloat32Midpoint(.infinity) && !isFloat32Midpoint(0) && !isFloat32Midpoint(.nan))
    }
}
