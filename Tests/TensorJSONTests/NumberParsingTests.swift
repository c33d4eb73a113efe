import Testing
@testable import TensorJSON

/// Every number parses to exactly the Double that the C library's correctly rounded `strtod` gives.
@Suite struct NumberParsingTests {
    /// Parses `text` as a scalar and as an array element; both must match strtod bit for bit.
    func expectStrtod(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = cStrtod(text)
        guard let scalar = parseOK(text, sourceLocation: sourceLocation)?.doubleValue else {
            Issue.record("\(text) did not parse as a number", sourceLocation: sourceLocation)
            return
        }
        #expect(scalar.bitPattern == expected.bitPattern, "\(text): \(scalar) vs strtod \(expected)", sourceLocation: sourceLocation)
        let element = parseOK("[\(text)]", sourceLocation: sourceLocation)?.numbersValue?.doubles.first
        #expect(element?.bitPattern == expected.bitPattern, "[\(text)]", sourceLocation: sourceLocation)
    }

    static let edgeCases: [String] = [
        "0", "-0", "1", "-1", "3", "0.1", "0.2", "0.3", "-0.5", "1.5", "123456789", "0.123456789",
        "1e308", "1.7976931348623157e308", "-1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "1e309", "-1e309", "1e400", "2e308",
        "2.2250738585072014e-308", "2.2250738585072011e-308", "2.225073858507201e-308",
        "4.9406564584124654e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "2.47032822920623272e-324", "1e-324", "3e-324", "1e-400", "-1e-400",
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
        "18014398509481985", "9223372036854775807", "9223372036854775808", "18446744073709551615",
        "18446744073709551616", "99999999999999999999", "12345678901234567890123",
        "0.30000000000000004", "0.1000000000000000055511151231257827", "3.141592653589793238462643383279",
        "1e22", "1e23", "1e-22", "1e-23", "9007199254740993e-22", "123e22", "123e-22",
        "7.2057594037927933e16", "8.98846567431158e307", "1.448997445238699", "1e0", "1E0", "1e+0",
        "1e-0", "1e0000000000000000000000001", "1e-0000000000000000000000001", "0e999999999999999999",
        "1e99999999999999999999", "1e-99999999999999999999", "0.000000000000000000000000000000000001",
        "100000000000000000000000000000000000000000000000000000000000000",
        "0.0000000000000000000000000000000000000000000000000000000000001e61",
        "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125e-324",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999999999999999999999999999999999999999999999999999999999999999",
        "-0.0", "-0e10", "0.0e-10",
    ]

    @Test(arguments: edgeCases)
    func edgeCase(_ text: String) {
        expectStrtod(text)
    }

    @Test func overflowToInfinity() throws {
        #expect(parseOK("1e309")?.doubleValue == .infinity)
        #expect(parseOK("-1e309")?.doubleValue == -.infinity)
        #expect(parseOK("[1e309, 1]")?.numbersValue?.doubles.first == .infinity)
        let huge = "9" + String(repeating: "9", count: 400)
        #expect(parseOK(huge)?.doubleValue == .infinity)
    }

    @Test func longMantissas() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let digits = Int.random(in: 17...60, using: &rng)
            var text = String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<digits { text.append(String(Int.random(in: 0...9, using: &rng))) }
            let point = Int.random(in: 1...digits, using: &rng)
            if point < digits { text.insert(".", at: text.index(text.startIndex, offsetBy: point)) }
            text += "e\(Int.random(in: -330...300, using: &rng))"
            expectStrtod(text)
        }
        // A very long token still parses exactly (digits beyond the 800th only matter as "nonzero").
        let long = "0." + String(repeating: "1", count: 100_000) + "e-300"
        expectStrtod(long)
        let longWithTail = "1" + String(repeating: "0", count: 2000) + "1e-2000"
        expectStrtod(longWithTail)
        let halfwayPlus = "9007199254740993" + String(repeating: "0", count: 1000) + "1"
        expectStrtod(halfwayPlus)
    }

    /// Random decimal strings of many shapes, parsed as one array, against strtod.
    @Test func randomDecimalsMatchStrtod() throws {
        var rng = SplitMix64(seed: 20_240_601)
        var texts: [String] = []
        for i in 0..<100_000 {
            var text = Bool.random(using: &rng) ? "-" : ""
            let digits = i % 5 == 0 ? Int.random(in: 1...25, using: &rng) : Int.random(in: 1...17, using: &rng)
            var mantissa = ""
            for _ in 0..<digits { mantissa.append(String(Int.random(in: 0...9, using: &rng))) }
            while mantissa.count > 1 && mantissa.hasPrefix("0") { mantissa.removeFirst() }
            let point = Int.random(in: 0...mantissa.count, using: &rng)
            if point == 0 {
                text += "0." + mantissa
            } else if point < mantissa.count {
                var m = mantissa
                m.insert(".", at: m.index(m.startIndex, offsetBy: point))
                text += m
            } else {
                text += mantissa
            }
            switch i % 4 {
            case 0: break
            case 1: text += "e\(Int.random(in: -30...30, using: &rng))"
            case 2: text += "E+\(Int.random(in: 0...320, using: &rng))"
            default: text += "e-\(Int.random(in: 0...345, using: &rng))"
            }
            texts.append(text)
        }
        let document = "[" + texts.joined(separator: ",") + "]"
        let doubles = try #require(parseOK(document)?.numbersValue?.doubles)
        #expect(doubles.count == texts.count)
        var mismatches = 0
        for (text, d) in zip(texts, doubles) where d.bitPattern != cStrtod(text).bitPattern {
            mismatches += 1
            if mismatches < 10 { Issue.record("\(text): \(d) vs strtod \(cStrtod(text))") }
        }
        #expect(mismatches == 0)
    }

    /// Random Double bit patterns printed in full (17 significant digits) and shortest forms.
    @Test func randomDoublesRoundTrip() throws {
        var rng = SplitMix64(seed: 99)
        var texts: [String] = []
        var values: [Double] = []
        while values.count < 50_000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            values.append(d)
            texts.append(d.description)
        }
        let parsed = try #require(parseOK("[" + texts.joined(separator: ",") + "]")?.numbersValue?.doubles)
        #expect(parsed.map(\.bitPattern) == values.map(\.bitPattern))
        // Full 17-digit forms in the subnormal range exercise the slow path.
        for _ in 0..<2_000 {
            let d = Double(bitPattern: rng.next() & 0x000F_FFFF_FFFF_FFFF)
            expectStrtod(exactScientific(d, digits: 16))
            expectStrtod(exactScientific(d, digits: 25))
        }
    }

    /// Eisel–Lemire's table covers 1e-342...1e308: every power and its neighbours parse exactly.
    @Test func everyPowerOfTen() {
        for e in -350...320 {
            expectStrtod("1e\(e)")
            expectStrtod("9.999999999999999e\(e)")
            expectStrtod("4.5035996273704955e\(e)")
        }
    }
}

/// The fast algorithms on their own: whenever they answer, the answer is strtod's.
@Suite struct FastPathTests {
    @Test func eiselLemireAgreesWithStrtodWheneverItAnswers() {
        var rng = SplitMix64(seed: 4242)
        var declined = 0
        let trials = 200_000
        for i in 0..<trials {
            let mantissa: UInt64 = i % 2 == 0
                ? UInt64.random(in: 1..<10_000_000_000_000_000_000, using: &rng)
                : UInt64.random(in: 1..<100_000_000, using: &rng)
            let exponent = Int.random(in: -345...310, using: &rng)
            let negative = i % 3 == 0
            let text = "\(negative ? "-" : "")\(mantissa)e\(exponent)"
            guard let d = eiselLemire(mantissa: mantissa, exponent: exponent, negative: negative) else {
                if cStrtod(text).isNormal { declined += 1 }
                continue
            }
            #expect(d.bitPattern == cStrtod(text).bitPattern, "\(text)")
        }
        // Besides subnormal and overflowing results it declines only rare near-halfway cases.
        #expect(declined < trials / 1000)
    }

    @Test func clingerPathAgreesWithStrtod() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<100_000 {
            let mantissa = UInt64.random(in: 0...(1 << 53), using: &rng)
            let exponent = Int.random(in: -22...22, using: &rng)
            let d = fastDecimalToDouble(mantissa: mantissa, exponent: exponent, negative: false)
            #expect(d?.bitPattern == cStrtod("\(mantissa)e\(exponent)").bitPattern)
        }
    }
}
