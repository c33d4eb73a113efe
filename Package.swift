// swift-tools-version:6.1
import PackageDescription

// Kernels must vectorize: without -fno-math-errno, `squareRoot()` lowers to a libm call
// that may set errno, and the loop stays scalar (5x slower than C). The flag changes no
// result: sqrt is correctly rounded either way.
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]

let package = Package(
    name: "optd",
    products: [
        .library(name: "Optimizers", targets: ["Optimizers"]),
        .library(name: "OptdKernels", targets: ["OptdKernels"]),
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
        .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "OptdKernels"], swiftSettings: kernelFlags),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "TensorJSONTests", dependencies: ["TensorJSON"]),
    ]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
