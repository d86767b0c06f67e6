// The convolution sgemm of gemm_avx512.c for CPUs with AVX2+FMA and no AVX-512 (Zen 1–3, Haswell to
// Comet Lake): same contract, same packed B (16-column panels), A read in place or through k offsets.
// Register tile: 6 rows × one 16-column panel = 12 ymm accumulators, plus 2 for the panel's row of B
// and 1 for the broadcast A value: 15 of the 16 ymm registers (one vmaskmov per row for a ragged tail). Per k step 2 B loads and 6 broadcasts
// feed 12 FMAs, so the two FMA pipes, not the load ports, set the pace.
#include "CKernels.h"
#include "isa_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#define MR_MAX 6

static inline __m256i lanes(int count) {  // the first `count` lanes set (count 0…8)
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// `nv` (1 or 2 ymm per row) is a literal. A last panel of at most 8 columns (24 = 16 + 8, 40 = 32 + 8
// output channels) runs with nv = 1, so no FMA is spent on its zero columns; a partial ymm is read and
// written through a lane mask (`tail`: the lanes of the last ymm, 8 when it is whole).
static inline __attribute__((always_inline)) void tile(
    const int mr, const int nv, const int offset, const int fetch, const int *koff, int k, const float *a, int lda,
    const float *b, size_t panel, const float *bias, __m256i tail, __m256 lo, __m256 hi, const float *res, int ldr,
    float *c, int ldc) {
    const __m256i whole = _mm256_set1_epi32(-1);
    __m256 acc[MR_MAX][2];
    const __m256 b0 = _mm256_maskload_ps(bias, nv == 1 ? tail : whole);
    const __m256 b1 = nv == 2 ? _mm256_maskload_ps(bias + 8, tail) : b0;
    for (int i = 0; i < mr; i++) { acc[i][0] = b0; acc[i][1] = b1; }
    for (int p = 0; p < k; p++) {
        const __m256 w0 = _mm256_loadu_ps(b + (size_t)p * 16);
        const __m256 w1 = nv == 2 ? _mm256_loadu_ps(b + (size_t)p * 16 + 8) : w0;
        // The next panel, a line per step, on the first row block only (see gemm_avx512.c).
        if (fetch) _mm_prefetch((const char *)(b + panel + (size_t)p * 16), _MM_HINT_T0);
        for (int i = 0; i < mr; i++) {
            const __m256 x = _mm256_broadcast_ss(a + (size_t)i * lda + (offset ? koff[p] : p));
            acc[i][0] = _mm256_fmadd_ps(x, w0, acc[i][0]);
            if (nv == 2) acc[i][1] = _mm256_fmadd_ps(x, w1, acc[i][1]);
        }
    }
    for (int i = 0; i < mr; i++) {
        for (int j = 0; j < nv; j++) {
            const __m256i mask = j == nv - 1 ? tail : whole;
            __m256 v = _mm256_min_ps(_mm256_max_ps(acc[i][j], lo), hi);
            if (res) v = _mm256_add_ps(v, _mm256_maskload_ps(res + (size_t)i * ldr + j * 8, mask));
            _mm256_maskstore_ps(c + (size_t)i * ldc + j * 8, mask, v);
        }
    }
}

// One row block of `mr` rows across all column panels; each instance has `mr`, the k-offset table and
// the prefetch as constants, so the tile unrolls with its accumulators in registers.
#define ROW_BLOCK(NAME, MR, OFFSET, FETCH)                                                                       \
    static void NAME(int n, int k, const int *koff, const float *a, int lda, const float *pb, const float *bias, \
                     __m256 lo, __m256 hi, const float *res, int ldr, float *c, int ldc) {                      \
        size_t panel = (size_t)k * 16;                                                                           \
        const __m256i whole = _mm256_set1_epi32(-1);                                                             \
        int j = 0;                                                                                               \
        for (; j + 16 <= n; j += 16)                                                                             \
            tile(MR, 2, OFFSET, FETCH, koff, k, a, lda, pb + (j / 16) * panel, panel, bias + j, whole, lo, hi,   \
                 res ? res + j : 0, ldr, c + j, ldc);                                                            \
        if (j < n) {                                                                                             \
            int left = n - j;                                                                                    \
            if (left > 8)                                                                                        \
                tile(MR, 2, OFFSET, FETCH, koff, k, a, lda, pb + (j / 16) * panel, panel, bias + j, lanes(left - 8), \
                     lo, hi, res ? res + j : 0, ldr, c + j, ldc);                                                \
            else                                                                                                 \
                tile(MR, 1, OFFSET, FETCH, koff, k, a, lda, pb + (j / 16) * panel, panel, bias + j, lanes(left), \
                     lo, hi, res ? res + j : 0, ldr, c + j, ldc);                                                \
        }                                                                                                        \
    }
#define ROW_BLOCKS(MR) ROW_BLOCK(rows_##MR, MR, 0, 0) ROW_BLOCK(offset_rows_##MR, MR, 1, 0) \
    ROW_BLOCK(first_rows_##MR, MR, 0, 1) ROW_BLOCK(first_offset_rows_##MR, MR, 1, 1)
ROW_BLOCKS(6) ROW_BLOCKS(5) ROW_BLOCKS(4) ROW_BLOCKS(3) ROW_BLOCKS(2) ROW_BLOCKS(1)

typedef void (*row_fn)(int, int, const int *, const float *, int, const float *, const float *, __m256, __m256,
                       const float *, int, float *, int);
// [first row block (prefetching B)][through a k-offset table][rows]
static const row_fn blocks[2][2][MR_MAX + 1] = {
    {{0, rows_1, rows_2, rows_3, rows_4, rows_5, rows_6},
     {0, offset_rows_1, offset_rows_2, offset_rows_3, offset_rows_4, offset_rows_5, offset_rows_6}},
    {{0, first_rows_1, first_rows_2, first_rows_3, first_rows_4, first_rows_5, first_rows_6},
     {0, first_offset_rows_1, first_offset_rows_2, first_offset_rows_3, first_offset_rows_4, first_offset_rows_5,
      first_offset_rows_6}}};

// Columns in blocks whose packed B stays in a 512 KB L2 (Zen 2/3; 256 KB on older Intel is still
// served well from L3 at this tile's modest bandwidth) while the row blocks of A stream past.
#define B_BLOCK_FLOATS (64 * 1024)

void ck_gemm_avx2(int m, int n, int k, const float *a, int lda, const int *k_offsets, const float *packed_b,
                  const float *bias, float lo, float hi, const float *residual, int ldr, float *c, int ldc) {
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    int block = B_BLOCK_FLOATS / (k > 0 ? k : 1) / 16 * 16;
    if (block < 16) block = 16;
    for (int j = 0; j < n; j += block) {
        int width = n - j < block ? n - j : block;
        const float *pb = packed_b + (size_t)(j / 16) * 16 * k;
        const float *res = residual ? residual + j : 0;
        // Rows in blocks of 6; a remainder of 7–9 is split in halves so no block is left with one or
        // two rows whose few accumulators wait on FMA latency.
        for (int i = 0; i < m;) {
            int left = m - i, rows = left <= MR_MAX ? left : (left < MR_MAX + 4 ? left / 2 : MR_MAX);
            blocks[i == 0][k_offsets != 0][rows](width, k, k_offsets, a + (size_t)i * lda, lda, pb, bias + j, vlo, vhi,
                                                 res ? res + (size_t)i * ldr : 0, ldr, c + (size_t)i * ldc + j, ldc);
            i += rows;
        }
    }
}

#pragma clang attribute pop
