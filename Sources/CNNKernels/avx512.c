// AVX-512 twins of NN's channels-last inference kernels; see include/CNNKernels.h. Only these functions carry
// `target("avx512f")`: the compiler may emit AVX-512 instructions in them and nowhere else, and NN calls them
// only after `cnn_avx512_usable()` said yes (`InferenceKernels`).
#include "CNNKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define INLINE_AVX512 __attribute__((target("avx512f"), always_inline)) static inline

int cnn_avx512_usable(void) {
    // libgcc's check also requires the OS to save the opmask and ZMM registers (XGETBV), not only CPUID.
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

/// `min(max(v, 0), 6)` with the Swift kernels' NaN behaviour (`DepthwiseKernel.clamp`: compare and select, a
/// NaN passes through): `max_ps(a, b)` is `a > b ? a : b`, `min_ps(a, b)` is `a < b ? a : b`.
INLINE_AVX512 __m512 relu6(__m512 v) {
    return _mm512_min_ps(_mm512_set1_ps(6.0f), _mm512_max_ps(_mm512_setzero_ps(), v));
}

// MARK: channels-last GEMM tile (ChannelsLastGEMM.tile1/2/3)

INLINE_AVX512 void gemm_tile(const int V, const float *x, ptrdiff_t ldx, const float *w, ptrdiff_t panel,
                             ptrdiff_t kActive, int pixelsValid, const float *bias, float *c, ptrdiff_t ldc,
                             ptrdiff_t groupStride, int relu6Epilogue, const float *residual) {
    __m512 a[7][3];
    // Accumulators start at the bias (one add less per output vector in the epilogue).
#pragma clang loop unroll(full)
    for (int v = 0; v < V; v++) {
        const __m512 b = _mm512_loadu_ps(bias + 16 * v);
#pragma clang loop unroll(full)
        for (int i = 0; i < 7; i++) a[i][v] = b;
    }
    for (ptrdiff_t kk = 0; kk < kActive; kk++) {
        __m512 wv[3];
#pragma clang loop unroll(full)
        for (int v = 0; v < V; v++) wv[v] = _mm512_loadu_ps(w + v * panel + kk * 16);
#pragma clang loop unroll(full)
        for (int i = 0; i < 7; i++) {
            const __m512 s = _mm512_set1_ps(x[i * ldx + kk]);
#pragma clang loop unroll(full)
            for (int v = 0; v < V; v++) a[i][v] = _mm512_fmadd_ps(s, wv[v], a[i][v]);
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 7; i++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < V; v++) {
            if (i < pixelsValid) {
                __m512 r = a[i][v];
                if (relu6Epilogue) r = relu6(r);
                else if (residual) r = _mm512_add_ps(r, _mm512_loadu_ps(residual + i * ldc + 16 * v));
                _mm512_storeu_ps(c + i * ldc + v * groupStride, r);
            }
        }
    }
}

AVX512 static void gemm_tile1(const float *x, ptrdiff_t ldx, const float *w, ptrdiff_t panel, ptrdiff_t kActive,
                              int pixelsValid, const float *bias, float *c, ptrdiff_t ldc, ptrdiff_t groupStride,
                              int relu6Epilogue, const float *residual) {
    gemm_tile(1, x, ldx, w, panel, kActive, pixelsValid, bias, c, ldc, groupStride, relu6Epilogue, residual);
}

AVX512 static void gemm_tile2(const float *x, ptrdiff_t ldx, const float *w, ptrdiff_t panel, ptrdiff_t kActive,
                              int pixelsValid, const float *bias, float *c, ptrdiff_t ldc, ptrdiff_t groupStride,
                              int relu6Epilogue, const float *residual) {
    gemm_tile(2, x, ldx, w, panel, kActive, pixelsValid, bias, c, ldc, groupStride, relu6Epilogue, residual);
}

AVX512 static void gemm_tile3(const float *x, ptrdiff_t ldx, const float *w, ptrdiff_t panel, ptrdiff_t kActive,
                              int pixelsValid, const float *bias, float *c, ptrdiff_t ldc, ptrdiff_t groupStride,
                              int relu6Epilogue, const float *residual) {
    gemm_tile(3, x, ldx, w, panel, kActive, pixelsValid, bias, c, ldc, groupStride, relu6Epilogue, residual);
}

void cnn_cl_gemm_tile_avx512(int vectors, const float *x, ptrdiff_t ldx, const float *w, ptrdiff_t panel,
                             ptrdiff_t kActive, int pixelsValid, const float *bias, float *c, ptrdiff_t ldc,
                             ptrdiff_t groupStride, int relu6Epilogue, const float *residual) {
    switch (vectors) {
    case 3: gemm_tile3(x, ldx, w, panel, kActive, pixelsValid, bias, c, ldc, groupStride, relu6Epilogue, residual); break;
    case 2: gemm_tile2(x, ldx, w, panel, kActive, pixelsValid, bias, c, ldc, groupStride, relu6Epilogue, residual); break;
    default: gemm_tile1(x, ldx, w, panel, kActive, pixelsValid, bias, c, ldc, groupStride, relu6Epilogue, residual); break;
    }
}

// MARK: channels-last depthwise (ChannelsLastDepthwise.convolve)

/// Taps in registers (25 of 32 for k = 5); two output pixels per step, each with two partial sums (even/odd
/// kernel rows): four independent FMA chains.
INLINE_AVX512 void depthwise(const int k, const float *scratch, ptrdiff_t cols, int stride, const float *taps,
                             const float *bias, float *output, ptrdiff_t outputRow0, ptrdiff_t channels,
                             ptrdiff_t wo, ptrdiff_t rowLo, ptrdiff_t rowHi) {
    __m512 t[25];
#pragma clang loop unroll(full)
    for (int i = 0; i < k * k; i++) t[i] = _mm512_loadu_ps(taps + 16 * i);
    const __m512 b = _mm512_loadu_ps(bias), zero = _mm512_setzero_ps();
    const ptrdiff_t step = (ptrdiff_t)stride * 16;   // floats between the inputs of neighbouring output pixels
    for (ptrdiff_t oy = rowLo; oy < rowHi; oy++) {
        float *out = output + (oy - outputRow0) * wo * channels;
        ptrdiff_t ox = 0;
        for (; ox + 2 <= wo; ox += 2) {
            __m512 a0 = b, a0b = zero, a1 = b, a1b = zero;
#pragma clang loop unroll(full)
            for (int ky = 0; ky < k; ky++) {
                const float *row = scratch + ((oy * stride + ky) * cols + ox * stride) * 16;
#pragma clang loop unroll(full)
                for (int kx = 0; kx < k; kx++) {
                    const __m512 tap = t[ky * k + kx];
                    const __m512 v0 = _mm512_loadu_ps(row + kx * 16), v1 = _mm512_loadu_ps(row + kx * 16 + step);
                    if ((ky & 1) == 0) { a0 = _mm512_fmadd_ps(v0, tap, a0); a1 = _mm512_fmadd_ps(v1, tap, a1); }
                    else { a0b = _mm512_fmadd_ps(v0, tap, a0b); a1b = _mm512_fmadd_ps(v1, tap, a1b); }
                }
            }
            _mm512_storeu_ps(out, relu6(_mm512_add_ps(a0, a0b)));
            _mm512_storeu_ps(out + channels, relu6(_mm512_add_ps(a1, a1b)));
            out += 2 * channels;
        }
        if (ox < wo) {
            __m512 a0 = b, a0b = zero;
#pragma clang loop unroll(full)
            for (int ky = 0; ky < k; ky++) {
                const float *row = scratch + ((oy * stride + ky) * cols + ox * stride) * 16;
#pragma clang loop unroll(full)
                for (int kx = 0; kx < k; kx++) {
                    const __m512 v0 = _mm512_loadu_ps(row + kx * 16);
                    if ((ky & 1) == 0) a0 = _mm512_fmadd_ps(v0, t[ky * k + kx], a0);
                    else a0b = _mm512_fmadd_ps(v0, t[ky * k + kx], a0b);
                }
            }
            _mm512_storeu_ps(out, relu6(_mm512_add_ps(a0, a0b)));
        }
    }
}

AVX512 static void depthwise3(const float *scratch, ptrdiff_t cols, int stride, const float *taps, const float *bias,
                              float *output, ptrdiff_t outputRow0, ptrdiff_t channels, ptrdiff_t wo, ptrdiff_t rowLo,
                              ptrdiff_t rowHi) {
    depthwise(3, scratch, cols, stride, taps, bias, output, outputRow0, channels, wo, rowLo, rowHi);
}

AVX512 static void depthwise5(const float *scratch, ptrdiff_t cols, int stride, const float *taps, const float *bias,
                              float *output, ptrdiff_t outputRow0, ptrdiff_t channels, ptrdiff_t wo, ptrdiff_t rowLo,
                              ptrdiff_t rowHi) {
    depthwise(5, scratch, cols, stride, taps, bias, output, outputRow0, channels, wo, rowLo, rowHi);
}

int cnn_cl_depthwise_avx512(int k, const float *scratch, ptrdiff_t cols, int stride, const float *taps,
                            const float *bias, float *output, ptrdiff_t outputRow0, ptrdiff_t channels,
                            ptrdiff_t wo, ptrdiff_t rowLo, ptrdiff_t rowHi) {
    switch (k) {
    case 3: depthwise3(scratch, cols, stride, taps, bias, output, outputRow0, channels, wo, rowLo, rowHi); return 1;
    case 5: depthwise5(scratch, cols, stride, taps, bias, output, outputRow0, channels, wo, rowLo, rowHi); return 1;
    default: return 0;
    }
}

// MARK: channels-last stem (ChannelsLastStem.tile)

/// 27 taps (3 channels × 3 × 3), each one broadcast per pixel times two weight vectors: 14
/// accumulators for 7 pixels × 32 channels.
INLINE_AVX512 void stem_tile(const int checked, const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oy, ptrdiff_t ox,
                             ptrdiff_t pt, ptrdiff_t pl, const float *weights, const float *bias, float *low,
                             float *high, ptrdiff_t step, int count) {
    const __m512 b0 = _mm512_loadu_ps(bias), b1 = _mm512_loadu_ps(bias + 16);
    __m512 a[7][2];
#pragma clang loop unroll(full)
    for (int i = 0; i < 7; i++) { a[i][0] = b0; a[i][1] = b1; }
    int t = 0;
    // Only the kx and pixel loops are unrolled: all 27 taps unrolled let the scheduler hoist loads until the
    // accumulators spilled.
#pragma clang loop unroll(disable)
    for (int ci = 0; ci < 3; ci++) {
        const float *plane = x + ci * h * w;
#pragma clang loop unroll(disable)
        for (int ky = 0; ky < 3; ky++) {
            const ptrdiff_t iy = oy * 2 + ky - pt;
#pragma clang loop unroll(full)
            for (int kx = 0; kx < 3; kx++) {
                const __m512 w0 = _mm512_loadu_ps(weights + t * 32), w1 = _mm512_loadu_ps(weights + t * 32 + 16);
                const ptrdiff_t ix0 = ox * 2 + kx - pl;
#pragma clang loop unroll(full)
                for (int i = 0; i < 7; i++) {
                    const ptrdiff_t ix = ix0 + 2 * i;
                    __m512 s;
                    if (checked && (i >= count || iy < 0 || iy >= h || ix < 0 || ix >= w)) s = _mm512_setzero_ps();
                    else s = _mm512_set1_ps(plane[iy * w + ix]);
                    a[i][0] = _mm512_fmadd_ps(s, w0, a[i][0]);
                    a[i][1] = _mm512_fmadd_ps(s, w1, a[i][1]);
                }
                t++;
            }
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 7; i++) {
        if (i < count) {
            _mm512_storeu_ps(low + i * step, relu6(a[i][0]));
            _mm512_storeu_ps(high + i * step, relu6(a[i][1]));
        }
    }
}

AVX512 static void stem_inside(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oy, ptrdiff_t ox, ptrdiff_t pt,
                               ptrdiff_t pl, const float *weights, const float *bias, float *low, float *high,
                               ptrdiff_t step, int count) {
    stem_tile(0, x, h, w, oy, ox, pt, pl, weights, bias, low, high, step, count);
}

AVX512 static void stem_border(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oy, ptrdiff_t ox, ptrdiff_t pt,
                               ptrdiff_t pl, const float *weights, const float *bias, float *low, float *high,
                               ptrdiff_t step, int count) {
    stem_tile(1, x, h, w, oy, ox, pt, pl, weights, bias, low, high, step, count);
}

void cnn_cl_stem_tile_avx512(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oy, ptrdiff_t ox, ptrdiff_t pt,
                             ptrdiff_t pl, const float *weights, const float *bias, float *low, float *high,
                             ptrdiff_t step, int count, int checked) {
    if (checked) stem_border(x, h, w, oy, ox, pt, pl, weights, bias, low, high, step, count);
    else stem_inside(x, h, w, oy, ox, pt, pl, weights, bias, low, high, step, count);
}

#else   // not x86-64: no AVX-512, the Swift kernels run

int cnn_avx512_usable(void) { return 0; }

void cnn_cl_gemm_tile_avx512(int vectors, const float *x, ptrdiff_t ldx, const float *w, ptrdiff_t panel,
                             ptrdiff_t kActive, int pixelsValid, const float *bias, float *c, ptrdiff_t ldc,
                             ptrdiff_t groupStride, int relu6Epilogue, const float *residual) { __builtin_trap(); }

int cnn_cl_depthwise_avx512(int k, const float *scratch, ptrdiff_t cols, int stride, const float *taps,
                            const float *bias, float *output, ptrdiff_t outputRow0, ptrdiff_t channels,
                            ptrdiff_t wo, ptrdiff_t rowLo, ptrdiff_t rowHi) { return 0; }

void cnn_cl_stem_tile_avx512(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oy, ptrdiff_t ox, ptrdiff_t pt,
                             ptrdiff_t pl, const float *weights, const float *bias, float *low, float *high,
                             ptrdiff_t step, int count, int checked) { __builtin_trap(); }

#endif
