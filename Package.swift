// swift-tools-version:6.1
import PackageDescription

// Kernels must vectorize: without -fno-math-errno, `squareRoot()` lowers to a libm call
// that may set errno, and the loop stays scalar (5x slower than C). The flag changes no
// result: sqrt is correctly rounded either way.
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]

let package = Package(
    name: "optd",
    products: [
        .executable(name: "optd", targets: ["optd"]),
        .library(name: "Optimizers", targets: ["Optimizers"]),
        .library(name: "OptdKernels", targets: ["OptdKernels"]),
        .library(name: "TensorJSON", targets: ["TensorJSON"]),
        // For Benchmarks/ (service-bench): the request handler without the transport.
        .library(name: "OptdService", targets: ["OptdService"]),
        .library(name: "HTTP1", targets: ["HTTP1"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // Pure numeric core: lane arithmetic, the interval proof and one fused loop per optimizer.
        .target(name: "OptdKernels", swiftSettings: kernelFlags),
        // The same loops specialised for AVX2 (no FMA, so results are bit-identical); chosen at run time.
        .target(
            name: "OptdKernelsAVX2",
            dependencies: ["OptdKernels"],
            swiftSettings: [.unsafeFlags(["-Xcc", "-fno-math-errno", "-Xcc", "-mavx2"])]
        ),
        .target(name: "CPUFeatures"),
        // Optimizer definitions, typed hyperparameters, named state and the atomic step.
        .target(
            name: "Optimizers",
            dependencies: ["OptdKernels", "OptdKernelsAVX2", "CPUFeatures"],
            swiftSettings: kernelFlags
        ),
        // HTTP/1.1 codec: bytes in, requests out; knows nothing of sockets.
        .target(name: "HTTP1"),
        // JSON with typed number arrays: parses and writes tensors without boxing each element.
        .target(name: "TensorJSON"),
        // The socket transport: Glibc sockets and Dispatch, driving the codec; knows nothing of optimizers.
        .target(name: "SocketServer", dependencies: ["HTTP1", "CEpoll", "CPUFeatures"]),
        // epoll and eventfd for the event loops (Swift's Glibc module does not export them).
        .target(name: "CEpoll"),
        // The application: routes, the session store, problem documents, metrics.
        .target(
            name: "OptdService",
            dependencies: ["Optimizers", "OptdKernels", "TensorJSON", "HTTP1", "SocketServer", .product(name: "Logging", package: "swift-log")]
        ),
        // The server users run: flags and environment, logging, signals.
        .executableTarget(
            name: "optd",
            dependencies: [
                "OptdService", "SocketServer", "Optimizers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "optdTests", dependencies: ["optd", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "OptdKernels", "CPUFeatures"], swiftSettings: kernelFlags),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "TensorJSONTests", dependencies: ["TensorJSON"]),
        .testTarget(name: "SocketServerTests", dependencies: ["SocketServer", "HTTP1"]),
        .testTarget(
            name: "OptdServiceTests",
            dependencies: ["OptdService", "SocketServer", "HTTP1", "TensorJSON", "Optimizers", .product(name: "Logging", package: "swift-log")]
        ),
    ]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
