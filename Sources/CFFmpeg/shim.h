#pragma once
/* FFmpeg 5.1 for Swift. AVERROR*, AV_NOPTS_VALUE are function-like or structure macros and av_err2str is a
 * compound literal: none import, so they are wrapped here with a cffmpeg_ prefix. */
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/dict.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavutil/tx.h>
#include <libavutil/channel_layout.h>
#include <errno.h>

static inline int cffmpeg_AVERROR(int e) { return AVERROR(e); }
static inline int cffmpeg_AVERROR_EOF(void) { return AVERROR_EOF; }
static inline int cffmpeg_AVERROR_EAGAIN(void) { return AVERROR(EAGAIN); }
static inline int cffmpeg_AVERROR_EXIT(void) { return AVERROR_EXIT; }
static inline int cffmpeg_AVERROR_INVALIDDATA(void) { return AVERROR_INVALIDDATA; }
static inline int cffmpeg_AVERROR_ETIMEDOUT(void) { return AVERROR(ETIMEDOUT); }
static inline int64_t cffmpeg_AV_NOPTS_VALUE(void) { return AV_NOPTS_VALUE; }
static inline int cffmpeg_AV_ERROR_MAX_STRING_SIZE(void) { return AV_ERROR_MAX_STRING_SIZE; }
static inline int cffmpeg_strerror(int err, char *buf, size_t len) { return av_strerror(err, buf, len); }
/* av_q2d is static inline already but keep the call site uniform. */
static inline double cffmpeg_q2d(AVRational r) { return r.den == 0 ? 0 : (double)r.num / (double)r.den; }
/* av_tx_fn is a function pointer type: calling it through a shim keeps the Swift side free of @convention(c) casts. */
static inline void cffmpeg_tx_call(av_tx_fn fn, AVTXContext *s, void *out, void *in, ptrdiff_t stride) { fn(s, out, in, stride); }
/* AV_CHANNEL_LAYOUT_MONO is a compound-literal macro. */
static inline AVChannelLayout cffmpeg_layout_mono(void) { AVChannelLayout l = AV_CHANNEL_LAYOUT_MONO; return l; }
