import Testing
@testable import TensorJSON

@Suite struct WriterTests {
    @Test func structureAndCommas() {
        let text = written { w in
            w.beginObject()
            w.key("a"); w.writeNumber(1)
            w.key("b"); w.beginArray(); w.writeBool(true); w.writeNull(); w.beginObject(); w.endObject(); w.endArray()
            w.key("c"); w.writeString("x")
            w.key("d"); w.beginArray(); w.endArray()
            w.endObject()
        }
        #expect(text == #"{"a":1,"b":[true,null,{}],"c":"x","d":[]}"#)
        #expect(written { $0.writeNumber(-42) } == "-42")
        #expect(written { $0.writeNumber(Int.min) } == "-9223372036854775808")
        #expect(written { $0.writeNumber(Int.max) } == "9223372036854775807")
        #expect(written { $0.writeNumber(0) } == "0")
        #expect(written { w in w.beginArray(); w.writeNumbers([Float]()); w.writeNumbers([1.5, 2] as [Double]); w.endArray() } == "[[],[1.5,2]]")
    }

    @Test func escaping() {
        #expect(written { $0.writeString("a\"b\\c/d") } == #""a\"b\\c/d""#)
        #expect(written { $0.writeString("\n\r\t\u{08}\u{0C}") } == #""\n\r\t\b\f""#)
        #expect(written { $0.writeString("\u{0}\u{01}\u{1F}") } == #""\u0000\u0001\u001f""#)
        #expect(written { $0.writeString("é😀€\u{7F}\u{2028}") } == "\"é😀€\u{7F}\u{2028}\"")
        #expect(written { $0.writeString("") } == #""""#)
        #expect(written { w in w.beginObject(); w.key("k\"\n"); w.writeNull(); w.endObject() } == #"{"k\"\n":null}"#)
        // Every string survives write → parse.
        var rng = SplitMix64(seed: 3)
        for _ in 0..<2_000 {
            let scalars = (0..<Int.random(in: 0...12, using: &rng)).map { _ -> Character in
                let choice = Int.random(in: 0..<4, using: &rng)
                let value: UInt32 = switch choice {
                case 0: UInt32.random(in: 0..<0x80, using: &rng)
                case 1: UInt32.random(in: 0x80..<0xD800, using: &rng)
                case 2: UInt32.random(in: 0xE000..<0x10000, using: &rng)
                default: UInt32.random(in: 0x10000...0x10FFFF, using: &rng)
                }
                return Character(Unicode.Scalar(value)!)
            }
            let s = String(scalars)
            let text = written { $0.writeString(s) }
            #expect(parseOK(text) == .string(s))
        }
    }

    @Test func numberForms() {
        #expect(written { $0.writeNumber(Float(0.1)) } == "0.1")
        #expect(written { $0.writeNumber(Double(Float(0.1))) } == "0.10000000149011612")
        #expect(written { $0.writeNumber(0.1) } == "0.1")
        #expect(written { $0.writeNumber(1.0) } == "1")
        #expect(written { $0.writeNumber(Float(1)) } == "1")
        #expect(written { $0.writeNumber(-0.0) } == "-0")
        #expect(written { $0.writeNumber(Float(-0.0)) } == "-0")
        #expect(written { $0.writeNumber(1e20) } == "1e20")
        #expect(written { $0.writeNumber(1e-5) } == "1e-5")
        #expect(written { $0.writeNumber(Float(1.5e-7)) } == "1.5e-7")
        #expect(written { $0.writeNumber(0.0001) } == "0.0001")
        #expect(written { $0.writeNumber(123.25) } == "123.25")
        #expect(written { $0.writeNumber(2e15) } == "2000000000000000")
        #expect(written { $0.writeNumber(Double.greatestFiniteMagnitude) } == "1.7976931348623157e308")
        #expect(written { $0.writeNumber(Double.leastNonzeroMagnitude) } == "5e-324")
        #expect(written { $0.writeNumber(Float.greatestFiniteMagnitude) } == "3.4028235e38")
        #expect(written { $0.writeNumber(Float.leastNonzeroMagnitude) } == "1e-45")
        #expect(written { $0.writeNumber(Float(16_777_216)) } == "16777216")
    }

    @Test func nonFiniteNumbersBecomeNull() {
        #expect(written { $0.writeNumber(Double.nan) } == "null")
        #expect(written { $0.writeNumber(-Double.infinity) } == "null")
        #expect(written { $0.writeNumber(Float.infinity) } == "null")
        #expect(written { $0.writeNumbers([1, .nan, -.infinity, 2] as [Float]) } == "[1,null,null,2]")
        #expect(written { $0.writeNumbers([.infinity] as [Double]) } == "[null]")
    }

    @Test func writeValueRoundTrips() throws {
        let value: JSONValue = [
            "name": "adam", "lr": 0.001, "betas": .numbers(NumberArray(doubles: [0.9, 0.999])), "flag": true,
            "none": .null, "mixed": [1, "two", [3], ["k": []]], "empty": .object(JSONObject()),
        ]
        var writer = JSONWriter(capacity: 256)
        writer.write(value)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"{"name":"adam","lr":0.001,"betas":[0.9,0.999],"flag":true,"none":null,"mixed":[1,"two",[3],{"k":[]}],"empty":{}}"#)
        #expect(parseOK(text) == value)
    }

    /// Random finite Float bit patterns: written shortest (like `description`), parsed back bit-exact.
    @Test func randomFloatsRoundTrip() throws {
        var rng = SplitMix64(seed: 2024)
        var floats: [Float] = [0, -0.0, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 0.1, 1]
        while floats.count < 100_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            if f.isFinite { floats.append(f) }
        }
        var writer = JSONWriter()
        writer.reserveCapacity(1 << 20)
        floats.withUnsafeBufferPointer { writer.writeNumbers($0) }
        let text = String(decoding: writer.bytes, as: UTF8.self)
        let elements = text.dropFirst().dropLast().split(separator: ",")
        #expect(elements.count == floats.count)
        for (element, f) in zip(elements, floats).prefix(20_000) {
            #expect(String(element) == compactDescription(f.description), "\(f)")
        }
        let parsed = try #require(parseOK(text)?.numbersValue?.float32Values())
        #expect(parsed.map(\.bitPattern) == floats.map(\.bitPattern))
        // One by one, too.
        for f in floats.prefix(5_000) {
            let single = written { $0.writeNumber(f) }
            #expect(single == compactDescription(f.description))
        }
    }

    /// Random finite Double bit patterns: written shortest (like `description`), parsed back bit-exact.
    @Test func randomDoublesRoundTrip() throws {
        var rng = SplitMix64(seed: 1)
        var doubles: [Double] = [0, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNormalMagnitude, 0.1, 9_007_199_254_740_992, 9_007_199_254_740_994]
        while doubles.count < 100_000 {
            let d = Double(bitPattern: rng.next())
            if d.isFinite { doubles.append(d) }
        }
        var writer = JSONWriter()
        doubles.withUnsafeBufferPointer { writer.writeNumbers($0) }
        let text = String(decoding: writer.bytes, as: UTF8.self)
        let elements = text.dropFirst().dropLast().split(separator: ",")
        for (element, d) in zip(elements, doubles).prefix(20_000) {
            #expect(String(element) == compactDescription(d.description), "\(d)")
        }
        let parsed = try #require(parseOK(text)?.numbersValue?.doubles)
        #expect(parsed.map(\.bitPattern) == doubles.map(\.bitPattern))
        for d in doubles.prefix(5_000) {
            #expect(written { $0.writeNumber(d) } == compactDescription(d.description))
        }
    }

    /// Typical float32 magnitudes (all exponent ranges, many per chunk of the array writer).
    @Test func floatsOfEveryMagnitudeRoundTrip() throws {
        var floats: [Float] = []
        for exponent in -149...127 {
            for mantissa: Float in [1, 1.1, 1.25, 1.999999, 1.5, 1.0000001] {
                floats.append(mantissa * Float(sign: .plus, exponent: exponent, significand: 1))
                floats.append(-floats.last!)
            }
        }
        let text = written { $0.writeNumbers(floats) }
        let parsed = try #require(parseOK(text)?.numbersValue?.float32Values())
        #expect(parsed.map(\.bitPattern) == floats.map(\.bitPattern))
    }
}
