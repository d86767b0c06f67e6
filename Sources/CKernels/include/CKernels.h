// Hot CNN kernels in C with AVX-512 and AVX2+FMA intrinsics. Swift cannot pick the vector ISA per
// function, and the package is built for baseline x86-64, so these carry per-function target
// attributes and are only called with an instruction set `ck_cpu_isa()` allows; on the baseline the
// Swift/OpenBLAS kernels run.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stddef.h>
#include "search_kernels.h"  // the distance kernels of the Search target

/// Instruction sets, in increasing order: each includes what the ones below it need.
enum { CK_ISA_BASELINE = 0, CK_ISA_AVX2 = 1, CK_ISA_AVX512 = 2 };

/// The best set the CPU and OS support: AVX-512 (F/VL/DQ/BW + FMA), AVX2+FMA, or the baseline.
int ck_cpu_isa(void);
/// The set named "avx512", "avx2" or "baseline"; -1 for NULL, -2 for any other name.
int ck_isa_named(const char *name);
/// `ck_isa_named` of the IMGSEARCH_ISA environment variable.
int ck_isa_requested(void);
/// The CPU's set lowered to IMGSEARCH_ISA when that names a lower one (a higher one is ignored).
int ck_isa_effective(void);

/// Floats needed to hold B[k×n] in the layout `ck_gemm` reads: panels of 16 columns, each k rows × 16.
size_t ck_packed_count(int k, int n);
/// Packs row-major B[k×n] (leading dimension ldb) into `packed` (zero-filling the last panel's tail).
void ck_pack_b(const float *b, int ldb, int k, int n, float *packed);

/// Packs B = Wᵀ for row-major W[n×k] (leading dimension ldw), e.g. a `torch.nn.Linear` weight [out, in].
void ck_pack_b_transposed(const float *w, int ldw, int k, int n, float *packed);

/// C[m×n] = clamp(A[m×k] · B + bias, lo, hi) (+ residual[m×n] if not NULL), all row-major.
/// A[i][p] is a[i·lda + p], or a[i·lda + k_offsets[p]] when `k_offsets` is not NULL (a convolution
/// reading its patches straight from a padded image). B is packed by `ck_pack_b`.
/// Single-threaded: callers split m or n across threads.
/// `isa` is CK_ISA_AVX512 or CK_ISA_AVX2 (the register tile: 12×32 or 6×16; the same packed B).
void ck_gemm(int isa, int m, int n, int k, const float *a, int lda, const int *k_offsets, const float *packed_b,
             const float *bias, float lo, float hi, const float *residual, int ldr, float *c, int ldc);

/// Depthwise k×k convolution of one NHWC image for output rows [row_start, row_end) and channels
/// [channel_start, channel_end) (channel_start a multiple of 16), with bias and clamp. `window` holds
/// input rows from `window_first_row` on; `weights` are [kh][kw][channels]; `out` receives just the
/// requested rows (out_width × channels each).
/// `isa` as for `ck_gemm`.
void ck_depthwise(int isa, const float *window, int window_first_row, int height, int width, int channels,
                  int kh, int kw, int stride, int pad_top, int pad_left, int out_width,
                  int row_start, int row_end, int channel_start, int channel_end,
                  const float *weights, const float *bias, float lo, float hi, float *out);

/// Runs body(context, w) for w in 0..<workers: w = 0 on the calling thread, the rest on persistent
/// helper threads. Returns 0 without running anything when the pool is busy (a nested or concurrent
/// call): the caller then uses another mechanism.
int ck_parallel(int workers, void (*body)(void *context, int worker), void *context);

/// x ← 0.5·x·(1 + erf(x/√2)) over n floats (BERT's exact GELU; erf to 5e-7). Any `isa`, baseline too.
void ck_gelu(int isa, float *x, size_t n);
/// Each of `rows` rows of `hidden` floats: x ← LayerNorm(x + residual) with γ, β, ε (residual may be NULL).
void ck_layer_norm(int isa, float *x, const float *residual, const float *gamma, const float *beta, int rows, int hidden,
                   float epsilon);

/// Atomically adds `amount` to `*counter` and returns the previous value: workers claiming the next share of
/// a job, so one that another process slows down takes fewer shares.
static inline int ck_claim(int *counter, int amount) { return __atomic_fetch_add(counter, amount, __ATOMIC_RELAXED); }

/// `iterations` rounds of 12 independent vector FMAs (8 lanes for CK_ISA_AVX2, 16 for CK_ISA_AVX512): the
/// core's FMA peak is 2 · 12 · lanes · iterations FLOP over the time this takes. Returns a value that
/// depends on every FMA so none is optimised away.
float ck_fma_loop(int isa, long iterations);

#endif
