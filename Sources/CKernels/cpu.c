#include "CKernels.h"

// __builtin_cpu_supports reads CPUID and, for AVX-512, also checks that the OS saves the zmm state (XCR0).
int ck_has_avx512(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma")))
        return 0;
    return 1;
#else
    return 0;
#endif
}

size_t ck_packed_count(int k, int n) { return (size_t)((n + 15) / 16) * 16 * (size_t)k; }

void ck_pack_b(const float *b, int ldb, int k, int n, float *packed) {
    for (int j = 0; j < n; j += 16)
        for (int p = 0; p < k; p++)
            for (int c = 0; c < 16; c++)
                *packed++ = j + c < n ? b[(size_t)p * ldb + j + c] : 0.0f;
}
