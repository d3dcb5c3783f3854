// Run-time dispatched AVX-512 versions of NN's hottest inference kernels (the channels-last GEMM tiles, the
// channels-last depthwise tap loops and the channels-last stem), for `NN.InferenceKernels`. The rest of camsift —
// and the Swift versions of these kernels, used on every other CPU — is built for x86-64-v3 (AVX2 + FMA), so a
// release binary runs on any such CPU; these functions are compiled with `__attribute__((target("avx512f")))`
// and may only be called when `cnn_avx512_usable()` returned 1. Each computes exactly what its Swift twin does,
// in the same order (same results, bit for bit): see the Swift doc comments for the algorithms.
#ifndef CNN_KERNELS_H
#define CNN_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU has AVX-512F and the OS saves its registers (XCR0 opmask + ZMM state), else 0.
int cnn_avx512_usable(void);

/// `ChannelsLastGEMM` tile of 7 pixels × 16·`vectors` output channels (`vectors` 1…3): `kActive` reduction steps
/// over `x` (pixel rows `ldx` floats apart) and the packed weights `w` (16-channel panels `panel` floats apart),
/// accumulators starting at `bias`. Pixel `i` < `pixelsValid`, vector `v` goes to `c + i·ldc + v·groupStride`
/// after the epilogue: `relu6` ≠ 0 clamps to [0, 6]; otherwise `residual` (may be NULL; pixel `i` vector `v` at
/// `residual + i·ldc + 16·v`) is added.
void cnn_cl_gemm_tile_avx512(int vectors, const float *x, ptrdiff_t ldx, const float *w, ptrdiff_t panel,
                             ptrdiff_t kActive, int pixelsValid, const float *bias, float *c, ptrdiff_t ldc,
                             ptrdiff_t groupStride, int relu6, const float *residual);

/// `ChannelsLastDepthwise.convolve` for one 16-channel group, `k` 3 or 5 (returns 0 for other sizes, having
/// done nothing; 1 when done): output rows [`rowLo`, `rowHi`) of `wo` pixels, `relu6(conv + bias)`, from the
/// zero-bordered group plane `scratch` (`cols` pixels of 16 floats per row) with `stride`; `taps` are the
/// group's k² packed 16-wide tap vectors; output row `oy` pixel `ox` goes to
/// `output + ((oy − outputRow0)·wo + ox)·channels`.
int cnn_cl_depthwise_avx512(int k, const float *scratch, ptrdiff_t cols, int stride, const float *taps,
                            const float *bias, float *output, ptrdiff_t outputRow0, ptrdiff_t channels,
                            ptrdiff_t wo, ptrdiff_t rowLo, ptrdiff_t rowHi);

/// `ChannelsLastStem.tile`: `count` (≤ 7) output pixels of row `oy` from column `ox` of the 3×3 stride-2
/// 3→32 stem over the channel-major `h × w` RGB image `x` (padding `pt`, `pl`); `weights` `[27 taps][32]`,
/// `bias` 32; pixel `i`'s channels 0–15 to `low + i·step`, 16–31 to `high + i·step`, ReLU6 applied. `checked`:
/// taps outside the image read 0 (border tiles).
void cnn_cl_stem_tile_avx512(const float *x, ptrdiff_t h, ptrdiff_t w, ptrdiff_t oy, ptrdiff_t ox, ptrdiff_t pt,
                             ptrdiff_t pl, const float *weights, const float *bias, float *low, float *high,
                             ptrdiff_t step, int count, int checked);

#ifdef __cplusplus
}
#endif

#endif
