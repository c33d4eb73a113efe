// service-bench: what optd's request handler costs without the network. Requests go straight
// into `OptimizerService.handle` (routing, auth, decoding, the step, encoding, metrics and the
// per-request log record, whose output is discarded), one at a time, and are timed in wall and
// process CPU time. A memcpy of the same payload, timed in the same run, is the baseline: the
// ratio says how far a step's handling is from the cost of touching its bytes once.
// The transport (sockets, HTTP parsing) is measured end to end by Benchmarks/load/run.sh.
//
//     swift run -c release --package-path Benchmarks service-bench [--runs 9] [--markdown]

import BenchSupport
import Foundation
import HTTP1
import Logging
import OptdService

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var runs = 9
    var markdown = false
    var only: String?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            switch flag {
            case "--runs":
                guard let n = rest.popFirst().flatMap(Int.init), n > 0 else { fail("--runs needs a positive integer") }
                options.runs = n
            case "--markdown": options.markdown = true
            case "--only": options.only = rest.popFirst()
            case "-h", "--help":
                print("usage: service-bench [--runs 9] [--markdown] [--only CASE-SUBSTRING]")
                exit(0)
            default: fail("unknown flag \(flag)")
            }
        }
        return options
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("service-bench: \(message)\n".utf8))
        exit(2)
    }
}

/// A log handler at `info` that drops every record: the handler still builds each request's
/// metadata, as the server does, but nothing is written.
struct DiscardingLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {}
}

// MARK: - Timing

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted(), middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Sends one request and waits for its response.
func send(_ service: OptimizerService, _ request: HTTPRequest) -> HTTPResponse {
    let done = DispatchSemaphore(value: 0)
    let box = ResponseBox()
    service.handle(request) { response in
        box.response = response
        done.signal()
    }
    done.wait()
    return box.response!
}

final class ResponseBox: @unchecked Sendable {
    var response: HTTPResponse?
}

// MARK: - Request bodies (seeded, float32, shortest text like numpy and TensorJSON write)

func jsonArray(_ values: [Float]) -> String {
    "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
}

func rawBytes(_ values: [Float]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

// MARK: - Cases

struct Case {
    let name: String
    /// Gradient payload bytes per request (0 for routes without one).
    let payload: Int
    let requestsPerSample: Int
    let request: HTTPRequest
    var wall: [Double] = []
    var cpu: [Double] = []
    var copy: [Double] = []
}

func createSession(_ service: OptimizerService, elements: Int) -> String {
    let params = jsonArray(gradientLikeFloats(count: elements, scale: 0.05, seed: 7))
    let body = #"{"optimizer":"adam","dtype":"float32","hyperparameters":{"lr":0},"params":\#(params)}"#
    let response = send(service, HTTPRequest(method: "POST", target: "/v1/sessions",
                                             headers: ["Content-Type": "application/json"], body: Array(body.utf8)))
    guard response.status == 201, let location = response.headers["Location"] else {
        Options.fail("creating a session failed: \(response.status) \(String(decoding: response.body, as: UTF8.self))")
    }
    return location
}

func stepCase(_ service: OptimizerService, raw: Bool, elements: Int, requests: Int) -> Case {
    let location = createSession(service, elements: elements)
    let gradients = gradientLikeFloats(count: elements, scale: 1e-3, seed: 42)
    let body = raw ? rawBytes(gradients) : Array(#"{"gradients":\#(jsonArray(gradients))}"#.utf8)
    let type = raw ? "application/octet-stream" : "application/json"
    let request = HTTPRequest(method: "POST", target: "\(location)/step",
                              headers: ["Content-Type": type, "Accept": type], body: body)
    let check = send(service, request)
    guard check.status == 200 else {
        Options.fail("step failed: \(check.status) \(String(decoding: check.body, as: UTF8.self))")
    }
    let label = elements >= 1_000_000 ? "\(elements / 1_000_000)M" : elements >= 1000 ? "\(elements / 1000)k" : "\(elements)"
    return Case(name: "\(raw ? "raw" : "JSON") step adam float32 \(label)", payload: body.count,
                requestsPerSample: requests, request: request)
}

// MARK: - Main

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let service = OptimizerService(configuration: ServiceConfiguration(), logger: Logger(label: "optd") { _ in DiscardingLogHandler() })

// (name, make): sessions are created only for the cases that run.
let catalogue: [(String, () -> Case)] = [
    ("GET /healthz", { Case(name: "GET /healthz", payload: 0, requestsPerSample: 2000, request: HTTPRequest(method: "GET", target: "/healthz")) }),
    ("raw step adam float32 1k", { stepCase(service, raw: true, elements: 1000, requests: 1000) }),
    ("JSON step adam float32 1k", { stepCase(service, raw: false, elements: 1000, requests: 200) }),
    ("raw step adam float32 1M", { stepCase(service, raw: true, elements: 1_000_000, requests: 5) }),
    ("JSON step adam float32 100k", { stepCase(service, raw: false, elements: 100_000, requests: 5) }),
]
var cases = catalogue.filter { options.only.map($0.0.contains) ?? true }.map { $0.1() }

// Round robin over the cases, so that a noisy machine's slow moments fall on all alike.
var sink = 0
for _ in 0..<options.runs {
    for k in cases.indices {
        let c = cases[k]
        let wall0 = monotonicSeconds(), cpu0 = processCPUSeconds()
        // bodyCount, not body.count: `body` copies a shared payload (a raw 1M answer) into an array.
        for _ in 0..<c.requestsPerSample { sink &+= send(service, c.request).bodyCount }
        cases[k].wall.append((monotonicSeconds() - wall0) / Double(c.requestsPerSample))
        cases[k].cpu.append((processCPUSeconds() - cpu0) / Double(c.requestsPerSample))
        if c.payload > 0 {
            // Baseline: one memcpy of the payload into a fresh buffer, as cold as the request's.
            let copies = max(1, c.requestsPerSample)
            let t0 = monotonicSeconds()
            for _ in 0..<copies {
                let copy = [UInt8](unsafeUninitializedCapacity: c.payload) { buffer, n in
                    c.request.body.withUnsafeBytes { _ = memcpy(buffer.baseAddress!, $0.baseAddress!, c.payload) }
                    n = c.payload
                }
                sink &+= Int(copy[c.payload / 2])
            }
            cases[k].copy.append((monotonicSeconds() - t0) / Double(copies))
        }
    }
}

func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

let header = ["case", "µs/request (median)", "CPU µs/request", "requests/s", "payload MB/s", "memcpy MB/s", "ratio to memcpy"]
var rows: [[String]] = []
for c in cases {
    let wall = median(c.wall), cpu = median(c.cpu)
    var row = [c.name, fixed(wall * 1e6, 1), fixed(cpu * 1e6, 1), fixed(1 / wall, 0)]
    if c.payload > 0 {
        let mbps = Double(c.payload) / wall / 1e6, copy = Double(c.payload) / median(c.copy) / 1e6
        row += [fixed(mbps, 0), fixed(copy, 0), fixed(mbps / copy, 3)]
    } else {
        row += ["–", "–", "–"]
    }
    rows.append(row)
}
if options.markdown {
    print("| " + header.joined(separator: " | ") + " |")
    print("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
    for row in rows { print("| " + row.joined(separator: " | ") + " |") }
} else {
    let widths = header.indices.map { i in max(header[i].count, rows.map { $0[i].count }.max() ?? 0) }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            : String(repeating: " ", count: widths[i] - cell.count) + cell }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}
print("(\(options.runs) rounds; process CPU includes the cooperative pool's threads; checksum \(sink % 997))")
