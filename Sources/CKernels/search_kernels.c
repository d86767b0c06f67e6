// See include/search_kernels.h. Several independent accumulators per kernel keep the FMA pipes
// busy (a single accumulator would wait on its own latency every iteration).
#include "search_kernels.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define ISK_X86 1
#endif

// MARK: Baseline (any CPU): eight partial sums, which the compiler vectorises for SSE2.

static float l2_baseline(const float *a, const float *b, size_t n) {
    float s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) { float d = a[i + j] - b[i + j]; s[j] += d * d; }
    float sum = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; i++) { float d = a[i] - b[i]; sum += d * d; }
    return sum;
}

static float dot_baseline(const float *a, const float *b, size_t n) {
    float s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) s[j] += a[i + j] * b[i + j];
    float sum = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

#ifdef ISK_X86
// MARK: AVX2 + FMA: 4 × 8 lanes per iteration, scalar tail.

__attribute__((target("avx2,fma")))
static float hsum256(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

__attribute__((target("avx2,fma")))
static float l2_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        s0 = _mm256_fmadd_ps(d0, d0, s0); s1 = _mm256_fmadd_ps(d1, d1, s1);
        s2 = _mm256_fmadd_ps(d2, d2, s2); s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    float sum = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) { float d = a[i] - b[i]; sum += d * d; }
    return sum;
}

__attribute__((target("avx2,fma")))
static float dot_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float sum = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

// MARK: AVX-512: 4 × 16 lanes per iteration, masked tail (no scalar loop).

__attribute__((target("avx512f")))
static float l2_avx512(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
        __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
        s0 = _mm512_fmadd_ps(d0, d0, s0); s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2); s3 = _mm512_fmadd_ps(d3, d3, s3);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

__attribute__((target("avx512f")))
static float dot_avx512(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}
#endif

// MARK: Choosing once per process

typedef float (*isk_kernel)(const float *, const float *, size_t);
enum { ISK_BASELINE, ISK_AVX2, ISK_AVX512 };

static int isk_level(void) {
#ifdef ISK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return ISK_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISK_AVX2;
#endif
    return ISK_BASELINE;
}

// A constructor picks the kernels before main; until then (other constructors) the baseline runs.
// A call through a pointer costs the same as the direct call it replaces, and unlike GNU ifunc
// this works with any C library.
static isk_kernel squared_l2_kernel = l2_baseline, dot_kernel = dot_baseline;

int ck_isa_requested(void);  // CKernels.h: IMGSEARCH_ISA, which may lower the choice (same numbering)

__attribute__((constructor)) static void isk_choose_kernels(void) {
#ifdef ISK_X86
    int level = isk_level(), wanted = ck_isa_requested();
    if (wanted >= 0 && wanted < level) level = wanted;
    squared_l2_kernel = level == ISK_AVX512 ? l2_avx512 : level == ISK_AVX2 ? l2_avx2 : l2_baseline;
    dot_kernel = level == ISK_AVX512 ? dot_avx512 : level == ISK_AVX2 ? dot_avx2 : dot_baseline;
#endif
}

float isk_squared_l2(const float *a, const float *b, size_t n) { return squared_l2_kernel(a, b, n); }
float isk_dot(const float *a, const float *b, size_t n) { return dot_kernel(a, b, n); }

int isk_select_kernel(const char *name) {
    int want = strcmp(name, "avx512") == 0 ? ISK_AVX512 : strcmp(name, "avx2") == 0 ? ISK_AVX2
             : strcmp(name, "baseline") == 0 ? ISK_BASELINE : -1;
    if (want < 0 || want > isk_level()) return 0;
#ifdef ISK_X86
    squared_l2_kernel = want == ISK_AVX512 ? l2_avx512 : want == ISK_AVX2 ? l2_avx2 : l2_baseline;
    dot_kernel = want == ISK_AVX512 ? dot_avx512 : want == ISK_AVX2 ? dot_avx2 : dot_baseline;
#endif
    return 1;
}

const char *isk_kernel_name(void) {
#ifdef ISK_X86
    if (squared_l2_kernel == l2_avx512) return "avx512";
    if (squared_l2_kernel == l2_avx2) return "avx2";
#endif
    return "baseline";
}
