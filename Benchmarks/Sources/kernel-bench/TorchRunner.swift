import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `Benchmarks/torch_adamw.py`, found next to this package's sources.
let torchScriptPath: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Sources/kernel-bench/TorchRunner.swift
    return (parts + ["torch_adamw.py"]).joined(separator: "/")
}()

/// `torch_adamw.py --serve` as a coprocess: kernel-bench sends `step` between its own
/// contenders' steps, so torch's AdamW is timed in the same round robin (paired) rather than
/// in a separate run.
final class TorchCoprocess {
    let version: String
    private let process = Process()
    private let input: FileHandle
    private let output: UnsafeMutablePointer<FILE>

    /// nil with a notice when python3 or torch is missing.
    static func start() -> (TorchCoprocess?, notice: String?) {
        do {
            let coprocess = try TorchCoprocess()
            return (coprocess, nil)
        } catch {
            return (nil, "\(error)")
        }
    }

    private struct Unavailable: Error, CustomStringConvertible { let description: String }

    private init() throws {
        let toChild = Pipe(), fromChild = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", torchScriptPath, "--serve"]
        process.standardInput = toChild
        process.standardOutput = fromChild
        process.standardError = FileHandle.nullDevice
        // torch's OpenMP workers spin for a while after each step before they sleep; in the
        // round robin that spinning takes the cores from whichever contender steps next (optd's
        // 2-thread AdamW measured 0.73-0.86x torch with it, 1.04-1.07x without, torch's own
        // time unchanged). A training process runs alone, so the spinning is not part of the
        // comparison: the workers sleep at once unless the caller chose a policy.
        var environment = ProcessInfo.processInfo.environment
        if environment["OMP_WAIT_POLICY"] == nil { environment["OMP_WAIT_POLICY"] = "PASSIVE" }
        process.environment = environment
        do { try process.run() } catch { throw Unavailable(description: "torch: could not start python3 (\(error))") }
        input = toChild.fileHandleForWriting
        guard let stream = fdopen(dup(fromChild.fileHandleForReading.fileDescriptor), "r") else {
            throw Unavailable(description: "torch: could not read from python3")
        }
        output = stream
        let first = Self.readLine(stream) ?? "torch: python3 exited"
        guard first.hasPrefix("torch: "), !first.contains("not installed") else { throw Unavailable(description: first) }
        version = String(first.dropFirst("torch: ".count))
    }

    deinit {
        send("quit")
        process.waitUntilExit()
        fclose(output)
    }

    private func send(_ line: String) {
        input.write(Data((line + "\n").utf8))
    }

    private static func readLine(_ stream: UnsafeMutablePointer<FILE>) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard fgets(&buffer, Int32(buffer.count), stream) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Sets up `AdamW(<implementation>)` over `elements` float32 with `threads` threads; nil
    /// when torch cannot (the reason otherwise).
    func setUp(_ implementation: String, elements: Int, threads: Int) -> String? {
        send("setup \(implementation) \(elements) \(threads)")
        let reply = Self.readLine(output) ?? "error python3 exited"
        return reply == "ok" ? nil : reply
    }

    /// One step; the seconds torch measured around `optimizer.step()` itself.
    func step() -> Double {
        send("step")
        guard let reply = Self.readLine(output), let seconds = Double(reply) else {
            fatalError("torch_adamw.py --serve did not answer a step")
        }
        return seconds
    }
}
