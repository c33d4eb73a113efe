// swift-tools-version:6.1
import PackageDescription

// The benchmarks live in their own package so that the main build stays lean:
//     swift run -c release --package-path Benchmarks kernel-bench
//     swift run -c release --package-path Benchmarks codec-bench
//     swift run -c release --package-path Benchmarks service-bench
// The HTTP load benchmark is a script: Benchmarks/load/run.sh.
let package = Package(
    name: "optd-benchmarks",
    dependencies: [
        .package(name: "optd-local", path: "../"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // The reference loop, compiled like a C library would ship: -O3 for the portable x86-64
        // baseline (SSE2, no -march), with -fno-math-errno so that sqrtf is an instruction.
        .target(name: "CBaseline", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),
        // Seeded test data every benchmark shares.
        .target(name: "BenchSupport"),
        .executableTarget(
            name: "kernel-bench",
            dependencies: [
                "CBaseline", "BenchSupport",
                .product(name: "Optimizers", package: "optd-local"),
                .product(name: "OptdKernels", package: "optd-local"),
            ]
        ),
        // JSON float-array parse and encode MB/s in-process, against Foundation's coders.
        .executableTarget(
            name: "codec-bench",
            dependencies: ["BenchSupport", .product(name: "TensorJSON", package: "optd-local")]
        ),
        // The request handler in-process (no sockets): µs and CPU per request, against memcpy.
        .executableTarget(
            name: "service-bench",
            dependencies: [
                "BenchSupport",
                .product(name: "OptdService", package: "optd-local"),
                .product(name: "HTTP1", package: "optd-local"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
