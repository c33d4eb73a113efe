#if canImport(Glibc)
import Glibc
#endif

/// What to measure, from the command line.
struct Options {
    var sizes = [1_000_000, 10_000_000]
    var threads = [1, 2]
    /// Configuration names (see `BenchConfig.all`); nil: every one.
    var optimizers: [String]?
    var dtypes = ["float32", "float64"]
    /// Instruction sets (portable, avx2); nil: every one this CPU runs.
    var isas: [String]?
    var quick = false
    var markdown = false
    var torch = true

    static let usage = """
        usage: kernel-bench [--sizes 1000000,10000000] [--threads 1,2] [--optimizers adamw,sgd,...]
                            [--dtype float32,float64] [--isa portable,avx2] [--quick] [--markdown] [--no-torch]
        configurations: \(BenchConfig.all.map(\.name).joined(separator: ", "))
        """

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments[...]
        func value(_ flag: String) -> [String] {
            guard let text = rest.popFirst() else { fail("\(flag) needs a value") }
            return text.split(separator: ",").map { String($0) }
        }
        func integers(_ flag: String) -> [Int] {
            value(flag).map { text in
                guard let n = Int(text.filter { $0 != "_" }), n > 0 else { fail("\(flag): '\(text)' is not a positive integer") }
                return n
            }
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--sizes": options.sizes = integers(flag)
            case "--threads": options.threads = integers(flag)
            case "--optimizers": options.optimizers = value(flag)
            case "--dtype", "--dtypes": options.dtypes = value(flag)
            case "--isa": options.isas = value(flag)
            case "--quick": options.quick = true
            case "--markdown": options.markdown = true
            case "--no-torch": options.torch = false
            case "-h", "--help": print(usage); exit(0)
            default: fail("unknown flag \(flag)")
            }
        }
        for name in options.optimizers ?? [] where BenchConfig.named(name) == nil { fail("unknown configuration '\(name)'") }
        for dtype in options.dtypes where !["float32", "float64"].contains(dtype) { fail("unknown dtype '\(dtype)'") }
        return options
    }

    static func fail(_ message: String) -> Never {
        let text = "kernel-bench: \(message)\n\(usage)\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        exit(2)
    }
}
