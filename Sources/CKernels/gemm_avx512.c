// sgemm for convolution shapes: C = clamp(A·B + bias) (+ residual), B packed in 16-column panels.
// Register tile: MR rows × NV·16 columns held in zmm accumulators (12×32 → 24 of the 32 registers);
// A is read in place (each value broadcast straight from its row), so there is no A packing at all:
// the activations of a 1×1 convolution already are A. Bias, activation and the residual add happen
// while the tile is in registers, so C is written once. With a table of k offsets, A can also be read
// straight from an image (implicit im2col): row i, column p at a[i·lda + offsets[p]].
#include "CKernels.h"
#include "isa_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma,avx2"))), apply_to = function)

#define MR_MAX 12

static inline __attribute__((always_inline)) void tile(
    const int mr, const int nv, const int offset, const int fetch, const int *koff, int k, const float *a, int lda, const float *b, size_t panel,
    const float *bias, __m512 lo, __m512 hi, const float *res, int ldr, float *c, int ldc, __mmask16 last) {
    __m512 acc[MR_MAX][2];
    __m512 b0 = _mm512_maskz_loadu_ps(nv == 1 ? last : 0xFFFF, bias);
    __m512 b1 = nv == 2 ? _mm512_maskz_loadu_ps(last, bias + 16) : b0;
    for (int i = 0; i < mr; i++) { acc[i][0] = b0; if (nv == 2) acc[i][1] = b1; }
    for (int p = 0; p < k; p++) {
        __m512 w0 = _mm512_loadu_ps(b + (size_t)p * 16);
        __m512 w1 = nv == 2 ? _mm512_loadu_ps(b + panel + (size_t)p * 16) : w0;
        if (fetch) {
            // The next two panels, a line per step, on the first row block only: at batch 1 the late
            // layers' weights arrive from L3 or memory, and the FMAs waited on each line (-8% per image).
            _mm_prefetch((const char *)(b + 2 * panel + (size_t)p * 16), _MM_HINT_T0);
            _mm_prefetch((const char *)(b + 3 * panel + (size_t)p * 16), _MM_HINT_T0);
        }
        for (int i = 0; i < mr; i++) {
            __m512 x = _mm512_set1_ps(a[(size_t)i * lda + (offset ? koff[p] : p)]);
            acc[i][0] = _mm512_fmadd_ps(x, w0, acc[i][0]);
            if (nv == 2) acc[i][1] = _mm512_fmadd_ps(x, w1, acc[i][1]);
        }
    }
    for (int i = 0; i < mr; i++) {
        for (int j = 0; j < nv; j++) {
            __mmask16 mask = j == nv - 1 ? last : 0xFFFF;
            __m512 v = _mm512_min_ps(_mm512_max_ps(acc[i][j], lo), hi);
            if (res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, res + (size_t)i * ldr + j * 16));
            _mm512_mask_storeu_ps(c + (size_t)i * ldc + j * 16, mask, v);
        }
    }
}

// One row block of `mr` rows across all column panels. `mr` (and whether A goes through a k-offset
// table) is a compile-time constant in each instance, so the tile is fully unrolled with its
// accumulators in registers.
#define ROW_BLOCK(NAME, MR, OFFSET, FETCH)                                                                        \
    static void NAME(int n, int k, const int *koff, const float *a, int lda, const float *pb,              \
                     const float *bias, __m512 lo, __m512 hi, const float *res, int ldr, float *c, int ldc) { \
        size_t panel = (size_t)k * 16;                                                                     \
        int j = 0;                                                                                         \
        for (; j + 32 <= n; j += 32)                                                                       \
            tile(MR, 2, OFFSET, FETCH, koff, k, a, lda, pb + (j / 16) * panel, panel, bias + j, lo, hi,            \
                 res ? res + j : 0, ldr, c + j, ldc, 0xFFFF);                                              \
        if (j < n) {                                                                                       \
            int left = n - j;                                                                              \
            __mmask16 last = (__mmask16)((1u << (left > 16 ? left - 16 : left)) - 1);                      \
            if (left > 16)                                                                                 \
                tile(MR, 2, OFFSET, FETCH, koff, k, a, lda, pb + (j / 16) * panel, panel, bias + j, lo, hi,        \
                     res ? res + j : 0, ldr, c + j, ldc, last);                                            \
            else                                                                                           \
                tile(MR, 1, OFFSET, FETCH, koff, k, a, lda, pb + (j / 16) * panel, panel, bias + j, lo, hi,        \
                     res ? res + j : 0, ldr, c + j, ldc, last);                                            \
        }                                                                                                  \
    }
#define ROW_BLOCKS(MR) ROW_BLOCK(rows_##MR, MR, 0, 0) ROW_BLOCK(offset_rows_##MR, MR, 1, 0) \
    ROW_BLOCK(first_rows_##MR, MR, 0, 1) ROW_BLOCK(first_offset_rows_##MR, MR, 1, 1)
ROW_BLOCKS(12) ROW_BLOCKS(11) ROW_BLOCKS(10) ROW_BLOCKS(9) ROW_BLOCKS(8) ROW_BLOCKS(7)
ROW_BLOCKS(6) ROW_BLOCKS(5) ROW_BLOCKS(4) ROW_BLOCKS(3) ROW_BLOCKS(2) ROW_BLOCKS(1)

typedef void (*row_fn)(int, int, const int *, const float *, int, const float *, const float *, __m512, __m512,
                       const float *, int, float *, int);
// [first row block (prefetching B)][through a k-offset table][rows]
static const row_fn tails[2][2][MR_MAX + 1] = {
    {{0, rows_1, rows_2, rows_3, rows_4, rows_5, rows_6, rows_7, rows_8, rows_9, rows_10, rows_11, rows_12},
     {0, offset_rows_1, offset_rows_2, offset_rows_3, offset_rows_4, offset_rows_5, offset_rows_6, offset_rows_7,
      offset_rows_8, offset_rows_9, offset_rows_10, offset_rows_11, offset_rows_12}},
    {{0, first_rows_1, first_rows_2, first_rows_3, first_rows_4, first_rows_5, first_rows_6, first_rows_7,
      first_rows_8, first_rows_9, first_rows_10, first_rows_11, first_rows_12},
     {0, first_offset_rows_1, first_offset_rows_2, first_offset_rows_3, first_offset_rows_4, first_offset_rows_5,
      first_offset_rows_6, first_offset_rows_7, first_offset_rows_8, first_offset_rows_9, first_offset_rows_10,
      first_offset_rows_11, first_offset_rows_12}}};

// Columns are taken in blocks whose packed B (k × block floats) stays in the 1 MB L2 while every
// row block of A streams past it; otherwise a wide B would be refetched from L3 for each 12 rows.
#define B_BLOCK_FLOATS (96 * 1024)

void ck_gemm_avx512(int m, int n, int k, const float *a, int lda, const int *k_offsets, const float *packed_b,
             const float *bias, float lo, float hi, const float *residual, int ldr, float *c, int ldc) {
    __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    int block = B_BLOCK_FLOATS / (k > 0 ? k : 1) / 32 * 32;
    if (block < 32) block = 32;
    for (int j = 0; j < n; j += block) {
        int width = n - j < block ? n - j : block;
        const float *pb = packed_b + (size_t)(j / 16) * 16 * k;
        const float *res = residual ? residual + j : 0;
        // Rows in blocks of 12; a remainder of 13–17 is split in two halves so that no block is so
        // short that its few accumulators wait on FMA latency (49 = 12+12+12+6+7, not 12·4+1).
        for (int i = 0; i < m;) {
            int left = m - i, rows = left <= MR_MAX ? left : (left < MR_MAX + 6 ? left / 2 : MR_MAX);
            tails[i == 0][k_offsets != 0][rows](width, k, k_offsets, a + (size_t)i * lda, lda, pb, bias + j, vlo, vhi,
                        res ? res + (size_t)i * ldr : 0, ldr, c + (size_t)i * ldc + j, ldc);
            i += rows;
        }
    }
}

#pragma clang attribute pop
