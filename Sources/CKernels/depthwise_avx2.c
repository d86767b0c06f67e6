// The depthwise k×k convolution of depthwise_avx512.c for AVX2+FMA: same contract, 8 channels per ymm.
// Output pixels go 8 at a time per 8-channel block, 8 accumulators hiding the FMA latency; with only
// 16 ymm registers the input pixels are not held across taps as in the AVX-512 kernel but read by the
// FMAs themselves (a memory operand: Zen 3 and Intel cores sustain 2–3 loads per cycle, so 9 loads per
// 8 FMAs leave the FMA pipes the bottleneck). Groups at the border read through a small zero-padded
// copy of their columns; only a ragged channel tail uses masked loads.
#include "CKernels.h"
#include "isa_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

static inline __m256 clamp(__m256 v, __m256 lo, __m256 hi) { return _mm256_min_ps(_mm256_max_ps(v, lo), hi); }

static inline __m256i lanes(int count) {  // the first `count` lanes set (count 0…8)
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Output pixels ox0..ox0+7 (only the first `count` stored) of one row, one channel block. `in` points at
// input column `col0` (may be negative) of the first kernel row used; input pixels are `step` floats
// apart, weights and outputs `channels`. `kw`, `stride` and `tail` are literals: a ragged channel tail
// reads and writes through the lane mask, and skips taps on columns outside [first, last).
static inline __attribute__((always_inline)) void eight_pixels(
    const int kw, const int stride, const int tail, const float *in, int col0, int width, int rows, size_t row_step,
    int step, int channels, const float *w, __m256 bias, __m256 lo, __m256 hi, __m256i mask, float *out, int count) {
    const int first = col0 < 0 ? -col0 : 0, last = width - col0;
    __m256 acc[8];
    for (int p = 0; p < 8; p++) acc[p] = bias;
    for (int ky = 0; ky < rows; ky++) {
        const float *line = in + ky * row_step;
        for (int kx = 0; kx < kw; kx++) {
            const float *tap = w + ((size_t)ky * kw + kx) * channels;
            __m256 wv = tail ? _mm256_maskload_ps(tap, mask) : _mm256_loadu_ps(tap);
            for (int p = 0; p < 8; p++) {
                const int i = p * stride + kx;
                const float *x = line + (ptrdiff_t)i * step;
                if (tail && (i < first || i >= last)) continue;
                acc[p] = _mm256_fmadd_ps(tail ? _mm256_maskload_ps(x, mask) : _mm256_loadu_ps(x), wv, acc[p]);
            }
        }
    }
    for (int p = 0; p < 8; p++) {
        if (p >= count) continue;
        if (tail) _mm256_maskstore_ps(out + (size_t)p * channels, mask, clamp(acc[p], lo, hi));
        else _mm256_storeu_ps(out + (size_t)p * channels, clamp(acc[p], lo, hi));
    }
}

// One function per variant, so each is compiled (and register-allocated) on its own: inlined into one
// dispatcher the variants spilled their accumulators to the stack. A group touching the image border
// first copies the columns it reads into a zero-padded buffer (a few hundred bytes) and runs the
// interior code on it: branching on each tap instead ran 5×5 filters on 14×14 and 7×7 maps at a
// quarter of the speed.
#define VARIANTS(KW, S)                                                                                              \
    static __attribute__((noinline)) void inner_##KW##_##S(const float *in, size_t row_step, int step, int rows,    \
                                                           int channels, const float *w, __m256 bias, __m256 lo,  \
                                                           __m256 hi, float *out, int count) {                    \
        eight_pixels(KW, S, 0, in, 0, 0, rows, row_step, step, channels, w, bias, lo, hi, _mm256_setzero_si256(), \
                     out, count);                                                                                 \
    }                                                                                                             \
    static __attribute__((noinline)) void border_##KW##_##S(const float *in, int col0, int width, int rows,        \
                                                            size_t row_step, int channels, const float *w,         \
                                                            __m256 bias, __m256 lo, __m256 hi, float *out,         \
                                                            int count) {                                           \
        enum { SPAN = 7 * S + KW };                                                                               \
        __attribute__((aligned(32))) float padded[KW * SPAN * 8];                                                 \
        for (int ky = 0; ky < rows; ky++)                                                                         \
            for (int i = 0; i < SPAN; i++)                                                                        \
                _mm256_store_ps(padded + (ky * SPAN + i) * 8,                                                     \
                                col0 + i >= 0 && col0 + i < width                                                 \
                                    ? _mm256_loadu_ps(in + ky * row_step + (ptrdiff_t)i * channels)              \
                                    : _mm256_setzero_ps());                                                      \
        inner_##KW##_##S(padded, SPAN * 8, 8, rows, channels, w, bias, lo, hi, out, count);                      \
    }                                                                                                             \
    static __attribute__((noinline)) void tail_##KW##_##S(const float *in, int col0, int width, int rows,          \
                                                          size_t row_step, int channels, const float *w,           \
                                                          __m256 bias, __m256 lo, __m256 hi, __m256i mask,         \
                                                          float *out, int count) {                                 \
        eight_pixels(KW, S, 1, in, col0, width, rows, row_step, channels, channels, w, bias, lo, hi, mask, out,   \
                     count);                                                                                      \
    }
VARIANTS(3, 1) VARIANTS(3, 2) VARIANTS(5, 1) VARIANTS(5, 2)

// Any other kernel size: one pixel at a time with explicit bounds (correct, not tuned).
static void any_pixel(const float *in, int col0, int width, int rows, size_t row_step, int channels, int kw,
                      const float *w, __m256 bias, __m256 lo, __m256 hi, __m256i mask, float *out) {
    __m256 acc = bias;
    for (int ky = 0; ky < rows; ky++)
        for (int kx = 0; kx < kw; kx++)
            if (col0 + kx >= 0 && col0 + kx < width)
                acc = _mm256_fmadd_ps(_mm256_maskload_ps(in + ky * row_step + (ptrdiff_t)kx * channels, mask),
                                      _mm256_maskload_ps(w + ((size_t)ky * kw + kx) * channels, mask), acc);
    _mm256_maskstore_ps(out, mask, clamp(acc, lo, hi));
}


void ck_depthwise_avx2(const float *window, int window_first_row, int height, int width, int channels,
                       int kh, int kw, int stride, int pad_top, int pad_left, int out_width,
                       int row_start, int row_end, int channel_start, int channel_end,
                       const float *weights, const float *bias, float lo, float hi, float *out) {
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    size_t row_step = (size_t)width * channels;
    // 16 channels (one cache line) at a time over all requested rows, as in the AVX-512 kernel: the kh input
    // rows they read stay in L1 from one output row to the next. Both 8-channel halves of a line are done
    // in the same row pass; a whole pass per half fetched every line twice from L3 on the 14×14 maps.
    for (int c16 = channel_start; c16 < channel_end; c16 += 16) {
        for (int oy = row_start; oy < row_end; oy++) for (int c = c16; c < c16 + 16 && c < channel_end; c += 8) {
            const int full = channel_end - c >= 8;
            const __m256i mask = lanes(full ? 8 : channel_end - c);
            const __m256 b = _mm256_maskload_ps(bias + c, mask);
            int top = oy * stride - pad_top;
            int ky0 = top < 0 ? -top : 0, ky1 = height - top < kh ? height - top : kh, rows = ky1 - ky0;
            const float *in = window + (ptrdiff_t)(top + ky0 - window_first_row) * (ptrdiff_t)row_step + c;
            const float *w = weights + (size_t)ky0 * kw * channels + c;
            float *row_out = out + (size_t)(oy - row_start) * out_width * channels + c;
            for (int ox = 0; ox < out_width; ox += 8) {
                int col0 = ox * stride - pad_left, count = out_width - ox < 8 ? out_width - ox : 8;
                const float *x = in + (ptrdiff_t)col0 * channels;
                float *o = row_out + (size_t)ox * channels;
                const int interior = col0 >= 0 && col0 + 7 * stride + kw <= width;
#define KERNEL(KW, S)                                                                                 \
    if (!full) tail_##KW##_##S(x, col0, width, rows, row_step, channels, w, b, vlo, vhi, mask, o, count);   \
    else if (interior) inner_##KW##_##S(x, row_step, channels, rows, channels, w, b, vlo, vhi, o, count);  \
    else border_##KW##_##S(x, col0, width, rows, row_step, channels, w, b, vlo, vhi, o, count)
                if (kw == 3 && stride == 1) { KERNEL(3, 1); }
                else if (kw == 3 && stride == 2) { KERNEL(3, 2); }
                else if (kw == 5 && stride == 1) { KERNEL(5, 1); }
                else if (kw == 5 && stride == 2) { KERNEL(5, 2); }
#undef KERNEL
                else for (int p = 0; p < count; p++)
                    any_pixel(x + (ptrdiff_t)p * stride * channels, col0 + p * stride, width, rows, row_step, channels, kw,
                              w, b, vlo, vhi, mask, o + (size_t)p * channels);
            }
        }
    }
}

#pragma clang attribute pop
