// Hot CNN kernels in C with AVX-512 intrinsics. Swift cannot pick vector ISA per function, and the
// package is built for baseline x86-64, so these carry per-function target attributes and are only
// called after `ck_has_avx512()` says yes; otherwise the Swift/OpenBLAS kernels run.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stddef.h>
#include "search_kernels.h"  // the distance kernels of the Search target

/// 1 when the CPU and OS support the AVX-512 F/VL/DQ/BW subset these kernels use.
int ck_has_avx512(void);

/// Floats needed to hold B[k×n] in the layout `ck_gemm` reads: panels of 16 columns, each k rows × 16.
size_t ck_packed_count(int k, int n);
/// Packs row-major B[k×n] (leading dimension ldb) into `packed` (zero-filling the last panel's tail).
void ck_pack_b(const float *b, int ldb, int k, int n, float *packed);

/// C[m×n] = clamp(A[m×k] · B + bias, lo, hi) (+ residual[m×n] if not NULL), all row-major.
/// A[i][p] is a[i·lda + p], or a[i·lda + k_offsets[p]] when `k_offsets` is not NULL (a convolution
/// reading its patches straight from a padded image). B is packed by `ck_pack_b`.
/// Single-threaded: callers split m or n across threads.
void ck_gemm(int m, int n, int k, const float *a, int lda, const int *k_offsets, const float *packed_b,
             const float *bias, float lo, float hi, const float *residual, int ldr, float *c, int ldc);

/// Depthwise k×k convolution of one NHWC image for output rows [row_start, row_end) and channels
/// [channel_start, channel_end) (channel_start a multiple of 16), with bias and clamp. `window` holds
/// input rows from `window_first_row` on; `weights` are [kh][kw][channels]; `out` receives just the
/// requested rows (out_width × channels each).
void ck_depthwise(const float *window, int window_first_row, int height, int width, int channels,
                  int kh, int kw, int stride, int pad_top, int pad_left, int out_width,
                  int row_start, int row_end, int channel_start, int channel_end,
                  const float *weights, const float *bias, float lo, float hi, float *out);

/// Runs body(context, w) for w in 0..<workers: w = 0 on the calling thread, the rest on persistent
/// helper threads. Returns 0 without running anything when the pool is busy (a nested or concurrent
/// call): the caller then uses another mechanism.
int ck_parallel(int workers, void (*body)(void *context, int worker), void *context);

#endif
