import CPUFeatures
import Optimizers
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How many CPUs optd splits work over: a container's quota, not the host's core count.
@Suite("Available CPUs")
struct AvailableCPUsTests {
    @Test("cgroup v2 cpu.max: quota over period, rounded up; no limit is 0", arguments: [
        ("200000 100000\n", 2), ("150000 100000", 2), ("50000 100000", 1), ("100000 100000", 1),
        ("400000 50000", 8), ("max 100000\n", 0), ("max", 0), ("", 0), ("garbage", 0), ("-1 100000", 0),
        ("300000", 3),  // no period given: the default 100 ms
    ])
    func cpuMax(text: String, cpus: Int32) {
        #expect(optd_cpus_from_cpu_max(text) == cpus)
    }

    @Test("the count is at least 1 and at most the online CPUs; the step engine splits over it")
    func available() {
        let online = Int32(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let cpus = optd_available_cpus()
        #expect(cpus >= 1 && cpus <= max(online, 1))
        #expect(StepEngine.automatic.threads == Int(cpus))
    }
}
