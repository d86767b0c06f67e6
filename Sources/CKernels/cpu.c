#include "CKernels.h"
#include "isa_kernels.h"
#include <stdlib.h>
#include <string.h>

// __builtin_cpu_supports reads CPUID and, for AVX and AVX-512, also checks that the OS saves the
// ymm/zmm state (XCR0).
int ck_cpu_isa(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma"))
        return CK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CK_ISA_AVX2;
#endif
    return CK_ISA_BASELINE;
}

int ck_isa_named(const char *name) {
    if (!name) return -1;
    if (strcmp(name, "avx512") == 0) return CK_ISA_AVX512;
    if (strcmp(name, "avx2") == 0) return CK_ISA_AVX2;
    if (strcmp(name, "baseline") == 0) return CK_ISA_BASELINE;
    return -2;
}

int ck_isa_requested(void) { return ck_isa_named(getenv("IMGSEARCH_ISA")); }

int ck_isa_effective(void) {
    int cpu = ck_cpu_isa(), wanted = ck_isa_requested();
    return wanted >= 0 && wanted < cpu ? wanted : cpu;
}

size_t ck_packed_count(int k, int n) { return (size_t)((n + 15) / 16) * 16 * (size_t)k; }

void ck_pack_b(const float *b, int ldb, int k, int n, float *packed) {
    for (int j = 0; j < n; j += 16)
        for (int p = 0; p < k; p++)
            for (int c = 0; c < 16; c++)
                *packed++ = j + c < n ? b[(size_t)p * ldb + j + c] : 0.0f;
}

void ck_pack_b_transposed(const float *w, int ldw, int k, int n, float *packed) {
    for (int j = 0; j < n; j += 16)
        for (int p = 0; p < k; p++)
            for (int c = 0; c < 16; c++)
                *packed++ = j + c < n ? w[(size_t)(j + c) * ldw + p] : 0.0f;
}

// MARK: One entry point per kernel, the instruction set chosen by the caller

void ck_gemm(int isa, int m, int n, int k, const float *a, int lda, const int *k_offsets, const float *packed_b,
             const float *bias, float lo, float hi, const float *residual, int ldr, float *c, int ldc) {
    if (isa == CK_ISA_AVX512) ck_gemm_avx512(m, n, k, a, lda, k_offsets, packed_b, bias, lo, hi, residual, ldr, c, ldc);
    else ck_gemm_avx2(m, n, k, a, lda, k_offsets, packed_b, bias, lo, hi, residual, ldr, c, ldc);
}

void ck_depthwise(int isa, const float *window, int window_first_row, int height, int width, int channels,
                  int kh, int kw, int stride, int pad_top, int pad_left, int out_width,
                  int row_start, int row_end, int channel_start, int channel_end,
                  const float *weights, const float *bias, float lo, float hi, float *out) {
    if (isa == CK_ISA_AVX512)
        ck_depthwise_avx512(window, window_first_row, height, width, channels, kh, kw, stride, pad_top, pad_left, out_width,
                            row_start, row_end, channel_start, channel_end, weights, bias, lo, hi, out);
    else
        ck_depthwise_avx2(window, window_first_row, height, width, channels, kh, kw, stride, pad_top, pad_left, out_width,
                          row_start, row_end, channel_start, channel_end, weights, bias, lo, hi, out);
}
