// kernel-bench: the cost of one optimizer step per configuration, dtype, size, thread count and
// instruction set, as effective bandwidth, against a plain C AdamW loop measured in the same run.
// See Benchmarks/README.md.

import OptdKernels
import Optimizers

#if canImport(Glibc)
import Glibc
#endif

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let sweepers = StepEngine.availableSweepers().filter { options.isas?.contains($0.name) ?? true }
let configs = options.optimizers.map { $0.map { BenchConfig.named($0)! } } ?? BenchConfig.all
let target = 0.9
/// Seconds one configuration's round-robin may take before its step counts are cut.
let budget = options.quick ? 1.5 : 4.0

print("kernel-bench: \(machineDescription()); instruction sets: \(sweepers.map(\.name).joined(separator: ", "))")
print("time/step = median of the measured steps after warm-up; GB/s = B/elem x elements / time;")
print("vs C = bandwidth ratio to the C AdamW loop (same dtype, size and threads), the median over rounds of each")
print("round's pair of steps (so it may differ a little from the two GB/s columns' quotient);")
print("vs streams = the same against a C loop with the same memory streams (the ceiling for the access pattern)\n")

/// Measures every configuration for one dtype and size, printing rows as they come. Each
/// configuration is timed round-robin with the C loop (and the portable and AVX2 sessions
/// with each other), so that a ratio compares steps taken at the same moments.
func measure<S: SessionScalar>(_: S.Type, elements: Int, table: TablePrinter) -> (rows: [Row], overhead: Overhead) {
    let data = TestData<S>(count: elements)
    let repetitions = Repetitions.forSize(elements, quick: options.quick)
    let dtype = S.dtype.rawValue
    var rows: [Row] = []
    var creations: [Double] = []
    for threads in options.threads {
        var cSeconds: [Double] = []
        for config in configs {
            let c = CAdamWLoop(data, threads: threads)
            let streams = CStreamsLoop(data, stateCount: config.stateCount, threads: threads)
            let sessions = sweepers.map { SwiftSession(config, data, sweeper: $0, threads: threads) }
            let (samples, rounds) = roundRobinSamples(repetitions, budget: budget, [c.step, streams.step] + sessions.map { $0.step })
            let seconds = samples.map(median)
            cSeconds.append(seconds[0])
            let bytes = config.bytesPerElement(width: MemoryLayout<S>.size)
            for (k, session) in sessions.enumerated() {
                let sessionSeconds = seconds[2 + k]
                if (session.path == "careful") != config.careful {
                    print("warning: \(config.name) \(session.isa) took the \(session.path) path")
                }
                let row = Row(optimizer: config.name, dtype: dtype, elements: elements, threads: threads,
                              isa: session.isa, secondsPerStep: sessionSeconds,
                              bytesPerElement: bytes,
                              cGigabytesPerSecond: effectiveBandwidth(CAdamWLoop<S>.bytesPerElement, elements, seconds[0]),
                              streamsGigabytesPerSecond: effectiveBandwidth(bytes, elements, seconds[1]),
                              ratioToC: pairedSpeedRatio(samples[2 + k], baseline: samples[0])
                                  * Double(bytes) / Double(CAdamWLoop<S>.bytesPerElement),
                              ratioToStreams: pairedSpeedRatio(samples[2 + k], baseline: samples[1]),
                              path: session.path, steps: rounds)
                table.line(mainTableCells(row))
                rows.append(row)
                creations.append(session.creationSeconds)
            }
        }
        // The C loop ran alongside every configuration: its median over all of them.
        let typical = median(cSeconds), bytes = CAdamWLoop<S>.bytesPerElement
        table.line(["C AdamW loop (-O3, sse2)", dtype, formatCount(elements), "\(threads)", "c", fixed(typical * 1e3, 2),
                    fixed(effectiveBandwidth(bytes, elements, typical), 1), "\(bytes)", "-", "1.00", "-", "-", "-", "-"])
    }
    let overhead = Overhead(dtype: dtype, elements: elements, validationSeconds: timeGradientValidation(data),
                            creationSeconds: median(creations))
    return (rows, overhead)
}

func effectiveBandwidth(_ bytesPerElement: Int, _ elements: Int, _ seconds: Double) -> Double {
    Double(bytesPerElement * elements) / seconds / 1e9
}

var overheads: [Overhead] = []
let table = TablePrinter(columns: mainTable, markdown: options.markdown)
table.header()
var rows: [Row] = []
for dtype in options.dtypes {
    for elements in options.sizes {
        let measured = dtype == "float32" ? measure(Float.self, elements: elements, table: table)
                                          : measure(Double.self, elements: elements, table: table)
        rows += measured.rows
        overheads.append(measured.overhead)
    }
}

for dtype in options.dtypes {
    if let largest = options.sizes.max() {
        printRatioSummary(rows, dtype: dtype, elements: largest, target: target, markdown: options.markdown)
    }
}
printOverheads(overheads, markdown: options.markdown)
let short = rows.filter { $0.ratioToC < target && $0.path != "careful" && $0.dtype == "float32" && $0.elements == options.sizes.max() }
if !short.isEmpty {
    print("\nBelow \(fixed(target, 2))x the C AdamW loop (float32, \(formatCount(options.sizes.max()!))), with the ratio to the C loop of the same streams: "
          + short.map { "\($0.optimizer) \($0.isa) \($0.threads)T (\(fixed($0.ratioToC, 2)); \(fixed($0.ratioToStreams, 2)) of its streams)" }.joined(separator: ", "))
}

if options.torch && options.dtypes.contains("float32") && configs.contains(where: { $0.name == "adamw" }) {
    measureAgainstTorch()
}

/// AdamW float32 against torch's fused AdamW, paired: torch steps in a coprocess
/// (`torch_adamw.py --serve`) between the C loop's and optd's steps, in one round robin.
func measureAgainstTorch() {
    print("\nAdamW float32 against torch's fused AdamW, timed in the same round robin (GB/s at 28 B/element):\n")
    let (coprocess, notice) = TorchCoprocess.start()
    guard let torch = coprocess else {
        print(options.markdown ? "> \(notice ?? "torch: unavailable")" : "  \(notice ?? "torch: unavailable")")
        return
    }
    print(options.markdown ? "> torch \(torch.version), AdamW(fused=True), lr 1e-3, weight decay 1e-2\n" : "  torch \(torch.version)\n")
    let adamw = BenchConfig.named("adamw")!
    let table = TablePrinter(columns: [
        ("elements", 8), ("threads", 7), ("C loop", 6), ("torch fused", 11),
        ("optd portable", 13), ("optd avx2", 9), ("optd best / torch fused", 23), ("steps", 5),
    ], markdown: options.markdown)
    table.header()
    for elements in options.sizes {
        let data = TestData<Float>(count: elements)
        for threads in options.threads {
            if let problem = torch.setUp("fused", elements: elements, threads: threads) {
                print("  torch: \(problem)")
                continue
            }
            let c = CAdamWLoop(data, threads: threads)
            let sessions = sweepers.map { SwiftSession(adamw, data, sweeper: $0, threads: threads) }
            let steps: [() -> Double?] = [{ c.step(); return nil }, { torch.step() }]
                + sessions.map { session in { session.step(); return nil } }
            // Three times the usual rounds: this ratio is the one the target is about, and the
            // machine's memory bandwidth drifts by 10-20% from minute to minute.
            var repetitions = Repetitions.forSize(elements, quick: options.quick)
            repetitions.measured *= 3
            let (samples, rounds) = roundRobinSamples(repetitions, budget: 3 * budget, reporting: steps)
            let seconds = samples.map(median)
            let rate = { (s: Double) in effectiveBandwidth(28, elements, s) }
            func optd(_ isa: String) -> Double? {
                sessions.firstIndex { $0.isa == isa }.map { rate(seconds[2 + $0]) }
            }
            // optd's faster sweeper against torch, paired round by round.
            let best = sessions.indices.map { pairedSpeedRatio(samples[2 + $0], baseline: samples[1]) }.max() ?? 0
            table.line([formatCount(elements), "\(threads)", fixed(rate(seconds[0]), 1), fixed(rate(seconds[1]), 1),
                        optd("portable").map { fixed($0, 1) } ?? "-", optd("avx2").map { fixed($0, 1) } ?? "-",
                        fixed(best, 2), "\(rounds)"])
        }
    }
}

/// "AMD EPYC, 2 cores": the CPU model from /proc/cpuinfo and the online cores.
func machineDescription() -> String {
    var model = "unknown CPU"
    if let file = fopen("/proc/cpuinfo", "r") {
        var line = [CChar](repeating: 0, count: 1024)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("model name"), let colon = text.firstIndex(of: ":") {
                model = String(text[text.index(after: colon)...].drop { $0 == " " }.prefix { $0 != "\n" })
                break
            }
        }
        fclose(file)
    }
    return "\(model), \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores"
}
