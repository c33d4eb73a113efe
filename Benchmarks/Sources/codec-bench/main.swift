// codec-bench: how fast TensorJSON turns a JSON array of gradient-like float32 values into a
// [Float] and back, in process, against Foundation's JSONSerialization, JSONDecoder and
// JSONEncoder timed in the same run. Checks that the round trip is bit-exact.
// See Benchmarks/load/README.md.
//
//     swift run -c release --package-path Benchmarks codec-bench [--count 1000000] [--runs 9] [--markdown]

import BenchSupport
import Foundation
import TensorJSON

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Options

struct Options {
    var count = 1_000_000
    var runs = 9
    var foundation = true
    var markdown = false

    static let usage = """
        usage: codec-bench [--count 1000000] [--runs 9] [--no-foundation] [--markdown]
          --count N        float32 elements in the array
          --runs N         timed runs of each codec (after one warm-up run); best and median are printed
          --no-foundation  skip the Foundation baselines
          --markdown       markdown tables
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments[...]
        func positive(_ flag: String) -> Int {
            guard let text = rest.popFirst(), let n = Int(text.filter { $0 != "_" }), n > 0 else {
                fail("\(flag) needs a positive integer")
            }
            return n
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--count": options.count = positive(flag)
            case "--runs": options.runs = positive(flag)
            case "--no-foundation": options.foundation = false
            case "--markdown": options.markdown = true
            case "-h", "--help": print(usage); exit(0)
            default: fail("unknown flag \(flag)")
            }
        }
        return options
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("codec-bench: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
}

// MARK: - Test data

/// Floats that stress the shortest-text and correctly-rounded paths: zeros, subnormals, the
/// extremes, powers of two and ten, and random bit patterns of every exponent.
func edgeFloats(randomCount: Int) -> [Float] {
    var values: [Float] = [0, -0, 1, -1, 0.1, 0.2, 0.3, 1e-7, 3.4028235e38, -3.4028235e38,
                           .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                           .greatestFiniteMagnitude, Float(1).nextUp, Float(1).nextDown, 16_777_216, Float(16_777_216).nextUp]
    for e in -149...127 { values.append(Float(sign: .plus, exponent: e, significand: 1)) }
    for e in -45...38 { values.append(Float("1e\(e)")!) }
    var rng = SplitMix64(seed: 7)
    while values.count < randomCount {
        let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
        if f.isFinite { values.append(f) }
    }
    return values
}

// MARK: - The codecs, as the server uses them

/// `{"gradients": ...}` is parsed like this: one `JSONParser.parse` of the body, then the
/// `NumberArray` copied into a float32 buffer (`TensorDecoding.fill`).
func tensorJSONParse(_ text: [UInt8]) -> [Float] {
    guard case .numbers(let numbers) = try? JSONParser.parse(text) else { fatalError("TensorJSON did not parse the array") }
    return numbers.float32Values()
}

/// Params are written like this: one `JSONWriter` reserved for 16 bytes per number
/// (`TensorEncoding.estimatedJSONBytes`), then `writeNumbers` on the float32 buffer.
func tensorJSONEncode(_ values: [Float]) -> [UInt8] {
    var writer = JSONWriter(capacity: values.count * 16 + 256)
    writer.writeNumbers(values)
    return writer.bytes
}

func foundationSerializationParse(_ data: Data) -> [Float] {
    guard let array = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
        fatalError("JSONSerialization did not parse the array")
    }
    return array.map { element in
        guard let number = element as? NSNumber else { fatalError("JSONSerialization: not a number") }
        return number.floatValue
    }
}

func foundationDecoderParse(_ data: Data) -> [Float] {
    guard let values = try? JSONDecoder().decode([Float].self, from: data) else { fatalError("JSONDecoder did not parse the array") }
    return values
}

func foundationEncoderEncode(_ values: [Float]) -> Data {
    guard let data = try? JSONEncoder().encode(values) else { fatalError("JSONEncoder did not encode the array") }
    return data
}

// MARK: - Timing

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted(), middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// One codec to time: `run` does the whole conversion once and returns a checksum of its output
/// (so that nothing is optimised away); `bytes` is the JSON text it reads or writes.
struct Case {
    let name: String
    let direction: String
    let bytes: Int
    let run: () -> UInt64
    var samples: [Double] = []
}

/// Times every case in turn, one run each per round, so that a noisy machine's slow moments fall
/// on all of them alike: one untimed round, then `runs` timed rounds.
func roundRobin(_ cases: inout [Case], runs: Int) -> UInt64 {
    var sink: UInt64 = 0
    for c in cases { sink &+= c.run() }
    for _ in 0..<runs {
        for k in cases.indices {
            let start = monotonicSeconds()
            sink &+= cases[k].run()
            cases[k].samples.append(monotonicSeconds() - start)
        }
    }
    return sink
}

func checksum(_ values: [Float]) -> UInt64 {
    values.withUnsafeBufferPointer { buffer in
        buffer.reduce(UInt64(values.count)) { $0 &* 31 &+ UInt64($1.bitPattern) }
    }
}

func checksum(bytes: some BidirectionalCollection<UInt8>) -> UInt64 {
    UInt64(bytes.count) &* 131 &+ UInt64(bytes.first ?? 0) &+ UInt64(bytes.last ?? 0)
}

// MARK: - Formatting

/// `x` with `digits` decimals.
func fixed(_ x: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", x)
}

func formatCount(_ n: Int) -> String { n % 1_000_000 == 0 ? "\(n / 1_000_000)M" : n % 1000 == 0 ? "\(n / 1000)k" : "\(n)" }

struct TablePrinter {
    let columns: [(title: String, width: Int)]
    let markdown: Bool

    func header() {
        line(columns.map(\.title))
        if markdown {
            print("|" + columns.indices.map { $0 < 2 ? " --- |" : " ---: |" }.joined())
        } else {
            print(String(repeating: "-", count: columns.map(\.width).reduce(0, +) + 2 * (columns.count - 1)))
        }
    }

    func line(_ cells: [String]) {
        if markdown {
            print("| " + cells.joined(separator: " | ") + " |")
        } else {
            print(zip(cells, columns).enumerated().map { k, pair in
                let (cell, column) = pair
                let pad = String(repeating: " ", count: max(0, column.width - cell.count))
                return k < 2 ? cell + pad : pad + cell
            }.joined(separator: "  "))
        }
        fflush(nil)  // rows appear as they are measured, even through a pipe
    }
}

func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
          let colon = line.firstIndex(of: ":")
    else { return "unknown CPU" }
    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
}

// MARK: - Main

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let floats = gradientLikeFloats(count: options.count)
let text = tensorJSONEncode(floats)
let data = Data(text)

print("codec-bench: \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores (shared: figures are noisy, ratios within one run compare)")
print("\(formatCount(options.count)) float32 ~N(0, 1e-6), shortest round-trip text: \(text.count) bytes of JSON "
      + "(\(fixed(Double(text.count) / Double(options.count), 2)) B/element incl. comma), \(options.count * 4) bytes as raw float32")
print("MB/s = JSON bytes read (parse) or written (encode) / time, 1 MB = 10^6 bytes; best and median of \(options.runs) runs after 1 warm-up\n")

// Round trips first: a fast codec that is wrong is no result.
/// Nil when `decoded` holds exactly the bits of `original`, else what differs.
func bitExactFailure(_ label: String, _ original: [Float], _ decoded: [Float]) -> String? {
    guard original.count == decoded.count else { return "\(label): \(decoded.count) elements back, \(original.count) sent" }
    let bad = zip(original, decoded).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
    guard let first = bad.first else { return nil }
    return "\(label): \(bad.count) elements differ, first at [\(first.offset)]: "
        + "\(first.element.0) (0x\(String(first.element.0.bitPattern, radix: 16))) came back as "
        + "\(first.element.1) (0x\(String(first.element.1.bitPattern, radix: 16)))"
}
let edges = edgeFloats(randomCount: 200_000)
let failures = [
    bitExactFailure("TensorJSON round trip, gradients", floats, tensorJSONParse(text)),
    bitExactFailure("TensorJSON round trip, edge values and random bit patterns", edges, tensorJSONParse(tensorJSONEncode(edges))),
].compactMap { $0 }
var notes: [String] = []
if options.foundation {
    // Not required of Foundation, but worth knowing: does it read our text back to the same floats,
    // and does TensorJSON read Foundation's text back to the same floats?
    let viaDecoder = foundationDecoderParse(data)
    let decoderMismatches = zip(floats, viaDecoder).filter { $0.0.bitPattern != $0.1.bitPattern }.count
    notes.append("JSONDecoder reads TensorJSON's text back to \(decoderMismatches == 0 ? "the same floats" : "\(decoderMismatches) different floats")")
    let foundationText = [UInt8](foundationEncoderEncode(floats))
    let back = tensorJSONParse(foundationText)
    let mismatches = zip(floats, back).filter { $0.0.bitPattern != $0.1.bitPattern }.count
    notes.append("JSONEncoder writes \(foundationText.count) bytes for the same array; TensorJSON reads them back to "
                 + (mismatches == 0 ? "the same floats" : "\(mismatches) different floats"))
}
print("round trip TensorJSON encode → parse, bit-exact: \(failures.isEmpty ? "yes" : "NO") "
      + "(\(formatCount(options.count)) gradients; \(edges.count) edge values and random bit patterns)")
for failure in failures { print("  FAILED: \(failure)") }
for note in notes { print("  \(note)") }
print("")

var cases = [
    Case(name: "TensorJSON parse → [Float]", direction: "parse", bytes: text.count) { checksum(tensorJSONParse(text)) },
    Case(name: "TensorJSON encode [Float]", direction: "encode", bytes: text.count) { checksum(bytes: tensorJSONEncode(floats)) },
]
if options.foundation {
    let encoderBytes = foundationEncoderEncode(floats).count
    cases += [
        Case(name: "JSONSerialization → [Float]", direction: "parse", bytes: text.count) { checksum(foundationSerializationParse(data)) },
        Case(name: "JSONDecoder [Float]", direction: "parse", bytes: text.count) { checksum(foundationDecoderParse(data)) },
        Case(name: "JSONEncoder [Float]", direction: "encode", bytes: encoderBytes) { checksum(bytes: foundationEncoderEncode(floats)) },
    ]
}
let sink = roundRobin(&cases, runs: options.runs)

let table = TablePrinter(columns: [
    ("codec", 28), ("direction", 9), ("JSON bytes", 10), ("best ms", 8), ("median ms", 9),
    ("best MB/s", 9), ("median MB/s", 11), ("Melem/s", 7), ("TensorJSON ×", 12),
], markdown: options.markdown)
table.header()
for c in cases {
    let best = c.samples.min()!, middle = median(c.samples)
    let mine = cases.first { $0.direction == c.direction && $0.name.hasPrefix("TensorJSON") }!
    // How many times faster TensorJSON is than this codec (median time over median time).
    let speedup = median(c.samples) / median(mine.samples)
    table.line([
        c.name, c.direction, "\(c.bytes)", fixed(best * 1e3, 1), fixed(middle * 1e3, 1),
        fixed(Double(c.bytes) / best / 1e6, 0), fixed(Double(c.bytes) / middle / 1e6, 0),
        fixed(Double(options.count) / middle / 1e6, 1), c.name.hasPrefix("TensorJSON") ? "1.00" : fixed(speedup, 2),
    ])
}
print("\nTensorJSON × = this codec's median time / TensorJSON's median time in the same direction "
      + "(how many times faster TensorJSON is). Parse rows all read the same \(text.count) bytes; "
      + "encode MB/s counts each encoder's own output.")
if sink == 0x5EED { print("") }  // keeps the results observable
exit(failures.isEmpty ? 0 : 1)
