// The FMA peak of one core, for the benchmarks to say how close a kernel comes to the physical limit.
// 12 independent accumulators cover the FMA latency (4–5 cycles) on two pipes on every core in sight.
#include "CKernels.h"
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static float loop_avx2(long iterations) {
    __m256 acc[12], x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(0.001f);
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    __m256 sum = acc[0];
    for (int i = 1; i < 12; i++) sum = _mm256_add_ps(sum, acc[i]);
    return _mm256_cvtss_f32(sum);
}

__attribute__((target("avx512f,fma"))) static float loop_avx512(long iterations) {
    __m512 acc[12], x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(0.001f);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long n = 0; n < iterations; n++)
        for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    __m512 sum = acc[0];
    for (int i = 1; i < 12; i++) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}

float ck_fma_loop(int isa, long iterations) {
    if (isa == CK_ISA_AVX512) return loop_avx512(iterations);
    if (isa == CK_ISA_AVX2) return loop_avx2(iterations);
    return 0;
}
