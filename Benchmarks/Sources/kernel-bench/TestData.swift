import BenchSupport
import Optimizers

#if canImport(Glibc)
import Glibc
#endif

/// The inputs every configuration of one dtype and size starts from: parameters ~ N(0, 1) and
/// gradients ~ N(0, 1e-3²), no gradient closer to 0 than 1e-6. The gradients are reused on
/// every step, as a training loop's would be in magnitude.
struct TestData<S: SessionScalar> {
    let params: ScalarBuffer<S>
    let gradients: GradientBuffer<S>
    var count: Int { params.count }

    init(count: Int) {
        var random = SplitMix64(seed: 0x5EED)
        params = ScalarBuffer(repeating: 0, count: count)
        for i in 0..<count { params[i] = S(random.normal()) }
        let values = ScalarBuffer<S>(repeating: 0, count: count)
        for i in 0..<count {
            let z = random.normal()
            values[i] = S(1e-3 * (abs(z) < 1e-3 ? (z < 0 ? -1e-3 : 1e-3) : z))
        }
        gradients = try! GradientBuffer(validating: values)
    }
}
