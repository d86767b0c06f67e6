// Element-wise parts of a transformer layer (GELU, residual add + layer norm), written once as plain C
// loops that the compiler vectorises, and built three times: for the baseline, AVX2+FMA and AVX-512
// (per-function target attributes, as everywhere in this target).
#include "CKernels.h"
#include <math.h>

// erf(x) as a rational function of x (odd over even polynomial, clamped to ±4 where erf is ±1 in
// float): |error| < 5e-7 over the whole line. The coefficients are Eigen's `generic_fast_erf_float`
// (also in TensorFlow and XLA). Unlike the C library's erf it vectorises: a division and FMAs.
static inline __attribute__((always_inline)) float erf_rational(float v) {
    const float x = v > 4.0f ? 4.0f : v < -4.0f ? -4.0f : v, x2 = x * x;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 - 2.10102402082508e-06f;
    p = p * x2 - 5.69250639462346e-05f;
    p = p * x2 - 7.34990630326855e-04f;
    p = p * x2 - 2.95459980854025e-03f;
    p = p * x2 - 1.60960333262415e-02f;
    float q = -1.45660718464996e-05f;
    q = q * x2 - 2.13374055278905e-04f;
    q = q * x2 - 1.68282697438203e-03f;
    q = q * x2 - 7.37332916720468e-03f;
    q = q * x2 - 1.42647390514189e-02f;
    return x * p / q;
}

static inline __attribute__((always_inline)) void gelu_body(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erf_rational(x[i] * 0.70710678118654752f));
}

// x ← (x + r − mean) / √(var + ε) · γ + β per row. Sixteen partial sums make the reductions vector adds
// without reassociating floating point behind the compiler's back.
static inline __attribute__((always_inline)) void layer_norm_body(float *x, const float *residual, const float *gamma,
                                                                  const float *beta, int rows, int hidden, float epsilon) {
    for (int r = 0; r < rows; r++) {
        float *line = x + (size_t)r * hidden;
        if (residual) {
            const float *add = residual + (size_t)r * hidden;
            for (int c = 0; c < hidden; c++) line[c] += add[c];
        }
        float s[16] = {0}, sum = 0;
        int c = 0;
        for (; c + 16 <= hidden; c += 16)
            for (int j = 0; j < 16; j++) s[j] += line[c + j];
        for (int j = 0; j < 16; j++) sum += s[j];
        for (; c < hidden; c++) sum += line[c];
        const float mean = sum / (float)hidden;
        float d[16] = {0}, squares = 0;
        for (c = 0; c + 16 <= hidden; c += 16)
            for (int j = 0; j < 16; j++) { float t = line[c + j] - mean; d[j] += t * t; }
        for (int j = 0; j < 16; j++) squares += d[j];
        for (; c < hidden; c++) { float t = line[c] - mean; squares += t * t; }
        const float scale = 1.0f / sqrtf(squares / (float)hidden + epsilon);
        for (c = 0; c < hidden; c++) line[c] = (line[c] - mean) * scale * gamma[c] + beta[c];
    }
}

#define AVX512_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma,avx2")))
#define AVX2_TARGET __attribute__((target("avx2,fma")))

AVX512_TARGET static void gelu_avx512(float *x, size_t n) { gelu_body(x, n); }
AVX2_TARGET static void gelu_avx2(float *x, size_t n) { gelu_body(x, n); }
static void gelu_baseline(float *x, size_t n) { gelu_body(x, n); }

AVX512_TARGET static void layer_norm_avx512(float *x, const float *r, const float *g, const float *b, int rows, int hidden, float e) {
    layer_norm_body(x, r, g, b, rows, hidden, e);
}
AVX2_TARGET static void layer_norm_avx2(float *x, const float *r, const float *g, const float *b, int rows, int hidden, float e) {
    layer_norm_body(x, r, g, b, rows, hidden, e);
}
static void layer_norm_baseline(float *x, const float *r, const float *g, const float *b, int rows, int hidden, float e) {
    layer_norm_body(x, r, g, b, rows, hidden, e);
}

void ck_gelu(int isa, float *x, size_t n) {
    if (isa == CK_ISA_AVX512) gelu_avx512(x, n);
    else if (isa == CK_ISA_AVX2) gelu_avx2(x, n);
    else gelu_baseline(x, n);
}

void ck_layer_norm(int isa, float *x, const float *residual, const float *gamma, const float *beta, int rows, int hidden,
                   float epsilon) {
    if (isa == CK_ISA_AVX512) layer_norm_avx512(x, residual, gamma, beta, rows, hidden, epsilon);
    else if (isa == CK_ISA_AVX2) layer_norm_avx2(x, residual, gamma, beta, rows, hidden, epsilon);
    else layer_norm_baseline(x, residual, gamma, beta, rows, hidden, epsilon);
}
