#if canImport(Glibc)
import Glibc
#endif

/// One measured configuration.
struct Row {
    let optimizer: String
    let dtype: String
    let elements: Int
    let threads: Int
    let isa: String
    let secondsPerStep: Double
    let bytesPerElement: Int
    /// The C AdamW loop's effective bandwidth for the same dtype, size and threads (GB/s).
    let cGigabytesPerSecond: Double
    /// A C loop with the same memory streams, same dtype, size and threads (GB/s at the same B/elem).
    let streamsGigabytesPerSecond: Double
    /// GB/s ÷ the C AdamW loop's GB/s, paired round by round (see `pairedSpeedRatio`).
    let ratioToC: Double
    /// GB/s ÷ the same-streams loop's GB/s, paired round by round.
    let ratioToStreams: Double
    /// "proven", "careful" or "mixed k/n" (see `SwiftSession.path`).
    let path: String
    /// Timed steps the median is over.
    let steps: Int

    var gigabytesPerSecond: Double { effectiveBandwidth(bytesPerElement, elements, secondsPerStep) }
}

/// Prints tables row by row, as aligned text or as markdown.
struct TablePrinter {
    let columns: [(title: String, width: Int)]
    let markdown: Bool

    func header() {
        line(columns.map(\.title))
        if markdown {
            print("|" + columns.enumerated().map { $0.offset == 0 ? " --- |" : " ---: |" }.joined())
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
                return k == 0 ? cell + pad : pad + cell  // first column left-aligned, numbers right
            }.joined(separator: "  "))
        }
        fflush(nil)  // rows appear as they are measured, even through a pipe
    }
}

let mainTable: [(title: String, width: Int)] = [
    ("optimizer", 25), ("dtype", 7), ("elements", 8), ("threads", 7), ("isa", 8), ("ms/step", 8),
    ("GB/s", 6), ("B/elem", 6), ("C AdamW GB/s", 12), ("vs C", 5), ("path", 8), ("steps", 5),
    ("C streams GB/s", 14), ("vs streams", 10),
]

func mainTableCells(_ row: Row) -> [String] {
    [row.optimizer, row.dtype, formatCount(row.elements), "\(row.threads)", row.isa,
     fixed(row.secondsPerStep * 1e3, 2), fixed(row.gigabytesPerSecond, 1), "\(row.bytesPerElement)",
     fixed(row.cGigabytesPerSecond, 1), fixed(row.ratioToC, 2), row.path, "\(row.steps)",
     fixed(row.streamsGigabytesPerSecond, 1), fixed(row.ratioToStreams, 2)]
}

/// The ratio to C of every configuration at one dtype and size: one column per isa × threads.
/// Ratios below `target` carry a `*` (the careful row is not held to it).
func printRatioSummary(_ rows: [Row], dtype: String, elements: Int, target: Double, markdown: Bool) {
    let selected = rows.filter { $0.dtype == dtype && $0.elements == elements }
    var keys: [String] = []
    for row in selected where !keys.contains("\(row.isa) \(row.threads)T") { keys.append("\(row.isa) \(row.threads)T") }
    guard !keys.isEmpty else { return }
    print("\nRatio to the C AdamW loop's GB/s, \(dtype), \(formatCount(elements)) elements (* below \(fixed(target, 2))x):\n")
    let table = TablePrinter(columns: [("optimizer", 25)] + keys.map { ($0, max(11, $0.count)) }, markdown: markdown)
    table.header()
    var names: [String] = []
    for row in selected where !names.contains(row.optimizer) { names.append(row.optimizer) }
    for name in names {
        table.line([name] + keys.map { key in
            guard let row = selected.first(where: { $0.optimizer == name && "\($0.isa) \($0.threads)T" == key }) else { return "-" }
            return fixed(row.ratioToC, 2) + (row.ratioToC < target && row.path != "careful" ? "*" : "")
        })
    }
    print("\nRatio to a C loop with the same memory streams, \(dtype), \(formatCount(elements)) elements:\n")
    let streams = TablePrinter(columns: [("optimizer", 25)] + keys.map { ($0, max(11, $0.count)) }, markdown: markdown)
    streams.header()
    for name in names {
        streams.line([name] + keys.map { key in
            guard let row = selected.first(where: { $0.optimizer == name && "\($0.isa) \($0.threads)T" == key }) else { return "-" }
            return fixed(row.ratioToStreams, 2)
        })
    }
}

/// 1M, 10M, or the plain number.
func formatCount(_ n: Int) -> String { n % 1_000_000 == 0 ? "\(n / 1_000_000)M" : "\(n)" }

/// `x` with `digits` decimals.
func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((x * scale).rounded())
    let whole = "\(abs(scaled) / Int(scale))", fraction = "\(abs(scaled) % Int(scale))"
    let sign = scaled < 0 ? "-" : ""
    return digits == 0 ? sign + whole : sign + whole + "." + String(repeating: "0", count: digits - fraction.count) + fraction
}
