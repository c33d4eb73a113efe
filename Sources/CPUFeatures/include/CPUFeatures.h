#ifndef OPTD_CPU_FEATURES_H
#define OPTD_CPU_FEATURES_H

/// 1 when the CPU and the OS support AVX2 (cpuid leaf 7 and the OS saving YMM state), else 0.
int optd_cpu_has_avx2(void);

#endif
