#ifndef OPTD_CBASELINE_H
#define OPTD_CBASELINE_H

/// The per-step constants of torch's AdamW (`_single_tensor_adam` with decoupled decay).
typedef struct {
    double lr, weight_decay, beta1, beta2, eps;
    /// lr / (1 - beta1^t)
    double step_size;
    /// sqrt(1 - beta2^t)
    double bias_correction2_sqrt;
} cbaseline_adamw_step;

/// One in-place AdamW step over elements [begin, end):
///   p *= 1 - lr*wd;  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;
///   p -= step_size * m / (sqrt(v)/bc2_sqrt + eps)
void cbaseline_adamw_f32(float *p, const float *g, float *m, float *v,
                         long begin, long end, const cbaseline_adamw_step *step);
void cbaseline_adamw_f64(double *p, const double *g, double *m, double *v,
                         long begin, long end, const cbaseline_adamw_step *step);

/// The memory ceiling of a kernel's access pattern: over [begin, end), reads p, g and the
/// first `nstate` (0...3) state buffers, writes p and those buffers, with one multiply-add
/// per value. A kernel with the same streams cannot move its bytes faster than this.
void cbaseline_streams_f32(float *p, const float *g, float *s0, float *s1, float *s2, int nstate, long begin, long end);
void cbaseline_streams_f64(double *p, const double *g, double *s0, double *s1, double *s2, int nstate, long begin, long end);

#endif
