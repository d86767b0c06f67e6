// Depthwise k×k convolution, NHWC: channels are the innermost axis, so one zmm holds 16 channels of
// one pixel and each tap is one FMA. Output pixels go 8 at a time per 16-channel block: 8 independent
// accumulators hide the FMA latency, one weight load serves 8 pixels, and each input pixel of a kernel
// row is loaded once for all the taps that read it (13 loads for 24 FMAs at 3×3, stride 1).
// Padding costs nothing extra: loads of columns outside the image are masked to zero (masked-off
// lanes never fault), so border pixels and the ragged last group take the same path as the interior.
#include "CKernels.h"
#include "isa_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma,avx2"))), apply_to = function)

static inline __m512 clamp(__m512 v, __m512 lo, __m512 hi) { return _mm512_min_ps(_mm512_max_ps(v, lo), hi); }

// Output pixels ox0..ox0+7 (only the first `count` stored) of one row, one channel block. `in` points at
// input column `col0` (may be negative) of the first kernel row used; `kw`/`stride` are literals.
static inline __attribute__((always_inline)) void eight_pixels(
    const int kw, const int stride, const float *in, int col0, int width, int rows, size_t row_step, int channels,
    const float *w, __m512 bias, __m512 lo, __m512 hi, __mmask16 mask, float *out, int count) {
    enum { MAX_IN = 7 * 2 + 5 };
    const int span = 7 * stride + kw;
    __mmask16 valid[MAX_IN];
    if (col0 >= 0 && col0 + span <= width)  // interior: one mask for all, so the per-column masks fold away
        for (int i = 0; i < span; i++) valid[i] = mask;
    else
        for (int i = 0; i < span; i++) valid[i] = col0 + i >= 0 && col0 + i < width ? mask : 0;
    __m512 acc[8], x[MAX_IN];
    for (int p = 0; p < 8; p++) acc[p] = bias;
    for (int ky = 0; ky < rows; ky++) {
        for (int i = 0; i < span; i++) x[i] = _mm512_maskz_loadu_ps(valid[i], in + ky * row_step + (ptrdiff_t)i * channels);
        for (int kx = 0; kx < kw; kx++) {
            __m512 wv = _mm512_maskz_loadu_ps(mask, w + ((size_t)ky * kw + kx) * channels);
            for (int p = 0; p < 8; p++) acc[p] = _mm512_fmadd_ps(x[p * stride + kx], wv, acc[p]);
        }
    }
    for (int p = 0; p < 8; p++)
        if (p < count) _mm512_mask_storeu_ps(out + (size_t)p * channels, mask, clamp(acc[p], lo, hi));
}

// Any other kernel size: one pixel at a time with explicit bounds (correct, not tuned).
static void any_pixel(const float *in, int col0, int width, int rows, size_t row_step, int channels, int kw,
                      const float *w, __m512 bias, __m512 lo, __m512 hi, __mmask16 mask, float *out) {
    __m512 acc = bias;
    for (int ky = 0; ky < rows; ky++)
        for (int kx = 0; kx < kw; kx++)
            if (col0 + kx >= 0 && col0 + kx < width)
                acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, in + ky * row_step + (ptrdiff_t)kx * channels),
                                      _mm512_maskz_loadu_ps(mask, w + ((size_t)ky * kw + kx) * channels), acc);
    _mm512_mask_storeu_ps(out, mask, clamp(acc, lo, hi));
}

void ck_depthwise_avx512(const float *window, int window_first_row, int height, int width, int channels,
                  int kh, int kw, int stride, int pad_top, int pad_left, int out_width,
                  int row_start, int row_end, int channel_start, int channel_end,
                  const float *weights, const float *bias, float lo, float hi, float *out) {
    __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    size_t row_step = (size_t)width * channels;
    // One 16-channel block at a time over all requested rows: a block touches one cache line per pixel,
    // so the kh input rows it reads (21 KB at 112×3) stay in L1 from one output row to the next, and the
    // block's weights stay too. Row-major order over all channels refetched each input row from L2 kh times.
    for (int c = channel_start; c < channel_end; c += 16) {
        __mmask16 mask = channel_end - c >= 16 ? 0xFFFF : (__mmask16)((1u << (channel_end - c)) - 1);
        __m512 b = _mm512_maskz_loadu_ps(mask, bias + c);
        for (int oy = row_start; oy < row_end; oy++) {
            int top = oy * stride - pad_top;
            int ky0 = top < 0 ? -top : 0, ky1 = height - top < kh ? height - top : kh, rows = ky1 - ky0;
            const float *in = window + (ptrdiff_t)(top + ky0 - window_first_row) * (ptrdiff_t)row_step + c;
            const float *w = weights + (size_t)ky0 * kw * channels + c;
            float *row_out = out + (size_t)(oy - row_start) * out_width * channels + c;
            for (int ox = 0; ox < out_width; ox += 8) {
                int col0 = ox * stride - pad_left, count = out_width - ox < 8 ? out_width - ox : 8;
                const float *x = in + (ptrdiff_t)col0 * channels;
                float *o = row_out + (size_t)ox * channels;
                if (kw == 3 && stride == 1) eight_pixels(3, 1, x, col0, width, rows, row_step, channels, w, b, vlo, vhi, mask, o, count);
                else if (kw == 3 && stride == 2) eight_pixels(3, 2, x, col0, width, rows, row_step, channels, w, b, vlo, vhi, mask, o, count);
                else if (kw == 5 && stride == 1) eight_pixels(5, 1, x, col0, width, rows, row_step, channels, w, b, vlo, vhi, mask, o, count);
                else if (kw == 5 && stride == 2) eight_pixels(5, 2, x, col0, width, rows, row_step, channels, w, b, vlo, vhi, mask, o, count);
                else for (int p = 0; p < count; p++)
                    any_pixel(x + (ptrdiff_t)p * stride * channels, col0 + p * stride, width, rows, row_step, channels, kw,
                              w, b, vlo, vhi, mask, o + (size_t)p * channels);
            }
        }
    }
}

#pragma clang attribute pop
