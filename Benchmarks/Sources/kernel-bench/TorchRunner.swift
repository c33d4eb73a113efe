#if canImport(Glibc)
import Glibc
#endif

/// One line of `torch_adamw.py`'s output: `RESULT <impl> <elements> <threads> <ms/step> <GB/s>`.
struct TorchResult {
    let implementation: String
    let elements: Int
    let threads: Int
    let secondsPerStep: Double
    let gigabytesPerSecond: Double
}

/// `Benchmarks/torch_adamw.py`, found next to this package's sources.
let torchScriptPath: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Sources/kernel-bench/TorchRunner.swift
    return (parts + ["torch_adamw.py"]).joined(separator: "/")
}()

/// Runs the torch script with `python3`; returns its results and every other line it printed
/// (the notice when torch or python3 is missing).
func runTorchScript(sizes: [Int], threads: [Int], quick: Bool) -> (results: [TorchResult], notices: [String]) {
    let arguments = "--sizes \(sizes.map(String.init).joined(separator: ",")) --threads \(threads.map(String.init).joined(separator: ","))"
        + (quick ? " --quick" : "")
    let command = "if command -v python3 >/dev/null 2>&1; then python3 '\(torchScriptPath)' \(arguments) 2>&1;"
        + " else echo 'torch: python3 not found'; fi"
    guard let pipe = popen(command, "r") else { return ([], ["torch: could not start python3"]) }
    var results: [TorchResult] = [], notices: [String] = []
    var line = [CChar](repeating: 0, count: 4096)
    while fgets(&line, Int32(line.count), pipe) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = text.split(whereSeparator: { $0 == "\t" || $0 == "\n" }).map(String.init)
        if fields.count == 6, fields[0] == "RESULT", let n = Int(fields[2]), let t = Int(fields[3]),
           let ms = Double(fields[4]), let gbps = Double(fields[5]) {
            results.append(TorchResult(implementation: fields[1], elements: n, threads: t, secondsPerStep: ms / 1e3, gigabytesPerSecond: gbps))
        } else if !fields.isEmpty {
            notices.append(fields.joined(separator: " "))
        }
    }
    let status = pclose(pipe)
    if status != 0 { notices.append("torch: torch_adamw.py exited with status \(status)") }
    return (results, notices)
}
