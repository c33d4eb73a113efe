// Run-time detection of wider vector units, so that one binary runs on any x86-64 CPU and
// still uses AVX2 where it is there (containers move between machines).
#define _GNU_SOURCE
#include "CPUFeatures.h"
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long optd_xgetbv(unsigned int index) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(index));
    return ((unsigned long long)edx << 32) | eax;
}

int optd_cpu_has_avx2(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned int osxsave = 1u << 27, avx = 1u << 28;
    if ((ecx & osxsave) == 0 || (ecx & avx) == 0) return 0;
    // The OS must save XMM and YMM state (XCR0 bits 1 and 2).
    if ((optd_xgetbv(0) & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 5)) != 0;
}
#else
int optd_cpu_has_avx2(void) { return 0; }
#endif

int optd_cpus_from_cpu_max(const char *text) {
    if (text == NULL || strncmp(text, "max", 3) == 0) return 0;
    char *end = NULL;
    long long quota = strtoll(text, &end, 10);
    if (end == text || quota <= 0) return 0;
    long long period = strtoll(end, NULL, 10);
    if (period <= 0) period = 100000;
    return (int)((quota + period - 1) / period);
}

/// The first line of a small file, or "" (for /sys/fs/cgroup files).
static void read_line(const char *path, char *buffer, size_t size) {
    buffer[0] = 0;
    FILE *file = fopen(path, "r");
    if (file == NULL) return;
    if (fgets(buffer, (int)size, file) == NULL) buffer[0] = 0;
    fclose(file);
}

int optd_available_cpus(void) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int cpus = online > 0 ? (int)online : 1;
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int allowed = CPU_COUNT(&set);
        if (allowed > 0 && allowed < cpus) cpus = allowed;
    }
    char line[128];
    read_line("/sys/fs/cgroup/cpu.max", line, sizeof(line));
    int quota = optd_cpus_from_cpu_max(line);
    if (quota == 0) {
        char period[64];
        read_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", line, sizeof(line));
        read_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us", period, sizeof(period));
        if (line[0] != 0 && period[0] != 0) {
            char joined[192];
            snprintf(joined, sizeof(joined), "%lld %lld", strtoll(line, NULL, 10), strtoll(period, NULL, 10));
            quota = optd_cpus_from_cpu_max(joined);
        }
    }
    if (quota > 0 && quota < cpus) cpus = quota;
#endif
    return cpus > 0 ? cpus : 1;
}
