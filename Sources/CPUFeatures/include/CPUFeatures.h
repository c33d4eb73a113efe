#ifndef OPTD_CPU_FEATURES_H
#define OPTD_CPU_FEATURES_H

/// 1 when the CPU and the OS support AVX2 (cpuid leaf 7 and the OS saving YMM state), else 0.
int optd_cpu_has_avx2(void);

/// The CPUs this process may really use: the online CPUs, fewer if the affinity mask allows
/// fewer, fewer still under a cgroup CPU quota (`docker run --cpus 2`: cgroup v2 `cpu.max`,
/// or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up. At least 1.
int optd_available_cpus(void);

/// The CPUs a cgroup v2 `cpu.max` text ("200000 100000", "max 100000") allows, rounded up;
/// 0 when it sets no limit or cannot be read. (Exposed for tests.)
int optd_cpus_from_cpu_max(const char *text);

#endif
