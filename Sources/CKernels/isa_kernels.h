// The per-instruction-set bodies behind ck_gemm and ck_depthwise (CKernels.h documents the contract).
#ifndef CKERNELS_ISA_KERNELS_H
#define CKERNELS_ISA_KERNELS_H

#define CK_GEMM_ARGS int m, int n, int k, const float *a, int lda, const int *k_offsets, const float *packed_b, \
    const float *bias, float lo, float hi, const float *residual, int ldr, float *c, int ldc
#define CK_DEPTHWISE_ARGS const float *window, int window_first_row, int height, int width, int channels, int kh, int kw, \
    int stride, int pad_top, int pad_left, int out_width, int row_start, int row_end, int channel_start, int channel_end, \
    const float *weights, const float *bias, float lo, float hi, float *out

void ck_gemm_avx512(CK_GEMM_ARGS);
void ck_gemm_avx2(CK_GEMM_ARGS);
void ck_depthwise_avx512(CK_DEPTHWISE_ARGS);
void ck_depthwise_avx2(CK_DEPTHWISE_ARGS);

#endif
