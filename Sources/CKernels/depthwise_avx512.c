// Depthwise k×k convolution, NHWC: channels are the innermost axis, so one zmm holds 16 channels of
// one pixel and each tap is one FMA. FMA latency needs ~8 independent accumulators, found two ways:
// - interior runs of pixels: 8 neighbouring pixels of one 16-channel block; each input pixel of a
//   kernel row is loaded once and reused by every tap that reads it (13 loads for 24 FMAs at 3×3);
// - border pixels and short rows (7×7 and 14×14 maps): one pixel, up to 8 channel blocks at once.
#include "CKernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma,avx2"))), apply_to = function)

static inline __m512 clamp(__m512 v, __m512 lo, __m512 hi) { return _mm512_min_ps(_mm512_max_ps(v, lo), hi); }

// 8 interior output pixels, one channel block. `kw` and `stride` are literals at the call sites.
static inline __attribute__((always_inline)) void eight_pixels(
    const int kw, const int stride, const float *in, int rows, size_t row_step, int channels,
    const float *w, __m512 bias, __m512 lo, __m512 hi, __mmask16 mask, float *out) {
    enum { MAX_IN = 7 * 2 + 5 };
    const int span = 7 * stride + kw;
    __m512 acc[8], x[MAX_IN];
    for (int p = 0; p < 8; p++) acc[p] = bias;
    for (int ky = 0; ky < rows; ky++) {
        for (int i = 0; i < span; i++) x[i] = _mm512_maskz_loadu_ps(mask, in + ky * row_step + (size_t)i * channels);
        for (int kx = 0; kx < kw; kx++) {
            __m512 wv = _mm512_maskz_loadu_ps(mask, w + ((size_t)ky * kw + kx) * channels);
            for (int p = 0; p < 8; p++) acc[p] = _mm512_fmadd_ps(x[p * stride + kx], wv, acc[p]);
        }
    }
    for (int p = 0; p < 8; p++) _mm512_mask_storeu_ps(out + (size_t)p * channels, mask, clamp(acc[p], lo, hi));
}

// One output pixel, `g` channel blocks starting at `in`/`w`/`out` (the last one masked by `last`),
// taps kx in [kx0, kx1) of rows [0, rows).
static inline __attribute__((always_inline)) void one_pixel(
    const int g, const float *in, int rows, size_t row_step, int channels, int kw, int kx0, int kx1,
    const float *w, const float *bias, __m512 lo, __m512 hi, __mmask16 last, float *out) {
    __m512 acc[8];
    for (int j = 0; j < g; j++) acc[j] = _mm512_maskz_loadu_ps(j == g - 1 ? last : 0xFFFF, bias + j * 16);
    for (int ky = 0; ky < rows; ky++)
        for (int kx = kx0; kx < kx1; kx++) {
            const float *xp = in + ky * row_step + (size_t)kx * channels, *wp = w + ((size_t)ky * kw + kx) * channels;
            for (int j = 0; j < g; j++) {
                __mmask16 m = j == g - 1 ? last : 0xFFFF;
                acc[j] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, xp + j * 16), _mm512_maskz_loadu_ps(m, wp + j * 16), acc[j]);
            }
        }
    for (int j = 0; j < g; j++) _mm512_mask_storeu_ps(out + j * 16, j == g - 1 ? last : 0xFFFF, clamp(acc[j], lo, hi));
}

// One output pixel, channels [c, c_end) (at most 128), in groups of 8, 4, 2, 1 blocks.
static void pixel(const float *in, int rows, size_t row_step, int channels, int c, int c_end, int kw, int kx0, int kx1,
                  const float *w, const float *bias, __m512 lo, __m512 hi, float *out) {
    while (c < c_end) {
        int blocks = (c_end - c + 15) / 16;
        int g = blocks >= 8 ? 8 : blocks >= 4 ? 4 : blocks >= 2 ? 2 : 1;
        int end = c + g * 16 < c_end ? c + g * 16 : c_end;
        int tail = end - (c + (g - 1) * 16);
        __mmask16 last = tail >= 16 ? 0xFFFF : (__mmask16)((1u << tail) - 1);
        const float *i = in + c, *wc = w + c, *b = bias + c;
        float *o = out + c;
        if (g == 8) one_pixel(8, i, rows, row_step, channels, kw, kx0, kx1, wc, b, lo, hi, last, o);
        else if (g == 4) one_pixel(4, i, rows, row_step, channels, kw, kx0, kx1, wc, b, lo, hi, last, o);
        else if (g == 2) one_pixel(2, i, rows, row_step, channels, kw, kx0, kx1, wc, b, lo, hi, last, o);
        else one_pixel(1, i, rows, row_step, channels, kw, kx0, kx1, wc, b, lo, hi, last, o);
        c = end;
    }
}

// A run of `count` interior pixels (all taps inside the image) starting at input pointer `in`.
static inline __attribute__((always_inline)) void run(
    const int kw, const int stride, const float *in, int count, int rows, size_t row_step, int channels,
    int c0, int c1, const float *w, const float *bias, __m512 lo, __m512 hi, float *out) {
    int ox = 0;
    for (; ox + 8 <= count; ox += 8)
        for (int c = c0; c < c1; c += 16) {
            __mmask16 mask = c1 - c >= 16 ? 0xFFFF : (__mmask16)((1u << (c1 - c)) - 1);
            eight_pixels(kw, stride, in + (size_t)ox * stride * channels + c, rows, row_step, channels, w + c,
                         _mm512_maskz_loadu_ps(mask, bias + c), lo, hi, mask, out + (size_t)ox * channels + c);
        }
    for (; ox < count; ox++)
        pixel(in + (size_t)ox * stride * channels, rows, row_step, channels, c0, c1, kw, 0, kw, w, bias, lo, hi,
              out + (size_t)ox * channels);
}

void ck_depthwise(const float *window, int window_first_row, int height, int width, int channels,
                  int kh, int kw, int stride, int pad_top, int pad_left, int out_width,
                  int row_start, int row_end, const float *weights, const float *bias,
                  float lo, float hi, float *out) {
    __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    size_t row_step = (size_t)width * channels;
    // Output columns whose taps all lie inside the image: [first, last).
    int first = (pad_left + stride - 1) / stride;
    if (first > out_width) first = out_width;
    int reach = width - kw + pad_left;  // left edge of the last interior column; floor division below
    int last = reach < 0 ? 0 : reach / stride + 1;
    if (last > out_width) last = out_width;
    if (last < first) last = first;
    // Channels in chunks of 128, each over all requested rows: the chunk's weights (≤ 12.8 KB at 5×5)
    // and input columns stay in L1; on the 7×7×1152 maps, pixel-major order streamed 115 KB of
    // weights from L2 for every pixel.
    for (int c0 = 0; c0 < channels; c0 += 128) {
        int c1 = c0 + 128 < channels ? c0 + 128 : channels;
        for (int oy = row_start; oy < row_end; oy++) {
            int top = oy * stride - pad_top;
            int ky0 = top < 0 ? -top : 0, ky1 = height - top < kh ? height - top : kh, rows = ky1 - ky0;
            const float *in = window + (ptrdiff_t)(top + ky0 - window_first_row) * (ptrdiff_t)row_step;
            const float *w = weights + (size_t)ky0 * kw * channels;
            float *row_out = out + (size_t)(oy - row_start) * out_width * channels;
            for (int ox = 0; ox < out_width; ox++) {
                if (ox == first && last > first) {  // the interior run
                    const float *start = in + (ptrdiff_t)(first * stride - pad_left) * channels;
                    float *dest = row_out + (size_t)first * channels;
                    int count = last - first;
                    if (kw == 3 && stride == 1) run(3, 1, start, count, rows, row_step, channels, c0, c1, w, bias, vlo, vhi, dest);
                    else if (kw == 3 && stride == 2) run(3, 2, start, count, rows, row_step, channels, c0, c1, w, bias, vlo, vhi, dest);
                    else if (kw == 5 && stride == 1) run(5, 1, start, count, rows, row_step, channels, c0, c1, w, bias, vlo, vhi, dest);
                    else if (kw == 5 && stride == 2) run(5, 2, start, count, rows, row_step, channels, c0, c1, w, bias, vlo, vhi, dest);
                    else for (int i = 0; i < count; i++)
                        pixel(start + (size_t)i * stride * channels, rows, row_step, channels, c0, c1, kw, 0, kw, w, bias,
                              vlo, vhi, dest + (size_t)i * channels);
                    ox = last - 1;
                    continue;
                }
                int left = ox * stride - pad_left, kx0 = left < 0 ? -left : 0, kx1 = width - left < kw ? width - left : kw;
                pixel(in + (ptrdiff_t)left * channels, rows, row_step, channels, c0, c1, kw, kx0, kx1, w, bias, vlo, vhi,
                      row_out + (size_t)ox * channels);
            }
        }
    }
}

#pragma clang attribute pop
