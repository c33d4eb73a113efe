#include "CBaseline.h"
#include <math.h>

// The plain loop a C programmer would write; the compiler vectorises it (sqrtps, divps).
// No -march: SSE2 only, the same baseline as optd's portable sweeper.

void cbaseline_adamw_f32(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                         long begin, long end, const cbaseline_adamw_step *step) {
    const float decay = (float)(1 - step->lr * step->weight_decay);
    const float b1 = (float)step->beta1, b2 = (float)step->beta2;
    const float one_minus_b1 = (float)(1 - step->beta1), one_minus_b2 = (float)(1 - step->beta2);
    const float eps = (float)step->eps, step_size = (float)step->step_size;
    const float bc2_sqrt = (float)step->bias_correction2_sqrt;
    for (long i = begin; i < end; i++) {
        const float gi = g[i];
        const float mi = b1 * m[i] + one_minus_b1 * gi;
        const float vi = b2 * v[i] + one_minus_b2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
    }
}

void cbaseline_adamw_f64(double *restrict p, const double *restrict g, double *restrict m, double *restrict v,
                         long begin, long end, const cbaseline_adamw_step *step) {
    const double decay = 1 - step->lr * step->weight_decay;
    const double b1 = step->beta1, b2 = step->beta2;
    const double one_minus_b1 = 1 - step->beta1, one_minus_b2 = 1 - step->beta2;
    const double eps = step->eps, step_size = step->step_size;
    const double bc2_sqrt = step->bias_correction2_sqrt;
    for (long i = begin; i < end; i++) {
        const double gi = g[i];
        const double mi = b1 * m[i] + one_minus_b1 * gi;
        const double vi = b2 * v[i] + one_minus_b2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - step_size * mi / (sqrt(vi) / bc2_sqrt + eps);
    }
}

// The memory ceiling of an access pattern: the same streams as a kernel with `nstate` state
// buffers (reads p, g and each s_k; writes p and each s_k) and one multiply-add per value.
// One loop per arity, so that each vectorises like the AdamW loop.
#define STREAMS_LOOP(T)                                                                     \
    switch (nstate) {                                                                       \
    case 0: for (long i = begin; i < end; i++) { p[i] -= c * g[i]; } break;                 \
    case 1: for (long i = begin; i < end; i++) {                                            \
                const T a = s0[i] * c + g[i]; s0[i] = a; p[i] -= c * a; } break;            \
    case 2: for (long i = begin; i < end; i++) {                                            \
                const T a = s0[i] * c + g[i], b = s1[i] * c + g[i];                         \
                s0[i] = a; s1[i] = b; p[i] -= c * (a + b); } break;                         \
    default: for (long i = begin; i < end; i++) {                                           \
                const T a = s0[i] * c + g[i], b = s1[i] * c + g[i], d = s2[i] * c + g[i];   \
                s0[i] = a; s1[i] = b; s2[i] = d; p[i] -= c * (a + b + d); } break;          \
    }

void cbaseline_streams_f32(float *restrict p, const float *restrict g, float *restrict s0, float *restrict s1,
                           float *restrict s2, int nstate, long begin, long end) {
    const float c = 1e-3f;
    STREAMS_LOOP(float)
}

void cbaseline_streams_f64(double *restrict p, const double *restrict g, double *restrict s0, double *restrict s1,
                           double *restrict s2, int nstate, long begin, long end) {
    const double c = 1e-3;
    STREAMS_LOOP(double)
}
