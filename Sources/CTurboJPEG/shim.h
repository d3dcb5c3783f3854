#pragma once
/* TurboJPEG 2.1 (no tj3* API on Debian 12). Used instead of libjpeg because libjpeg's default error
 * handler calls exit() and its setjmp/longjmp recovery cannot cross Swift frames safely. */
#include <stddef.h>
#include <turbojpeg.h>

/* tjScalingFactor arithmetic is a macro (TJSCALED). */
static inline int cturbojpeg_scaled(int dim, tjscalingfactor f) { return TJSCALED(dim, f); }

/* ---- Windowed libjpeg decode (media helper) -------------------------------------------------------------
 * TurboJPEG 2.1 cannot decode a horizontal window; libjpeg's jpeg_crop_scanline can, which saves the IDCT,
 * upsampling and colour conversion of the columns a centre-crop throws away (25% for 4:3, 44% for 16:9).
 * libjpeg reports fatal errors by longjmp: the setjmp lives in this C function and error_exit jumps back
 * into it, so no jump ever crosses a Swift frame. Warnings are counted, not printed. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    int status;          /* 0 ok, -1 fatal error */
    int warnings;        /* libjpeg warnings (corrupt or truncated data) */
    int last_code;       /* msg_code of the last warning or of the fatal error */
    int hit_eof;         /* 1 when "Premature end of JPEG file" was raised */
    int serious;         /* warnings other than "extraneous bytes before marker" (harmless in camera JPEGs) */
    int out_x, out_w, out_h;   /* decoded window: x offset and size in scaled pixels (rows from the top) */
    char message[JMSG_LENGTH_MAX];
} cturbojpeg_window_result;

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    cturbojpeg_window_result *result;
} cturbojpeg_error_mgr;

static void cturbojpeg_error_exit(j_common_ptr cinfo) {
    cturbojpeg_error_mgr *e = (cturbojpeg_error_mgr *)cinfo->err;
    e->result->last_code = e->pub.msg_code;
    (*cinfo->err->format_message)(cinfo, e->result->message);
    longjmp(e->jump, 1);
}

static void cturbojpeg_emit_message(j_common_ptr cinfo, int level) {
    cturbojpeg_error_mgr *e = (cturbojpeg_error_mgr *)cinfo->err;
    if (level >= 0) return;                       /* trace messages */
    e->result->warnings++;
    e->result->last_code = e->pub.msg_code;
    if (e->pub.msg_code == JWRN_JPEG_EOF) e->result->hit_eof = 1;
    if (e->pub.msg_code != JWRN_EXTRANEOUS_DATA) e->result->serious++;
    (*cinfo->err->format_message)(cinfo, e->result->message);
}

/* Like TJFLAG_LIMITSCANS: a progressive JPEG with hundreds of scans is a decompression bomb. */
static void cturbojpeg_progress(j_common_ptr cinfo) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->is_decompressor && d->inputctl && d->input_scan_number > 500) {
        ERREXIT(cinfo, JERR_BAD_SCAN_SCRIPT);    /* "Invalid scan script": the closest stock message */
    }
}

/* A reusable libjpeg decompressor: creating one allocates its memory pools and tables, which costs a few
 * percent per frame at camera sizes, so JPEGDecoder keeps one (like TurboJPEG's tjhandle). */
typedef struct {
    struct jpeg_decompress_struct cinfo;
    cturbojpeg_error_mgr err;
    struct jpeg_progress_mgr progress;
    int created;
} cturbojpeg_window_ctx;

static inline cturbojpeg_window_ctx *cturbojpeg_window_create(void) {
    cturbojpeg_window_ctx *c = (cturbojpeg_window_ctx *)calloc(1, sizeof(cturbojpeg_window_ctx));
    return c;
}

static inline void cturbojpeg_window_destroy(cturbojpeg_window_ctx *c) {
    if (!c) return;
    if (c->created) jpeg_destroy_decompress(&c->cinfo);
    free(c);
}

/* Decodes `buf` at scale num/denom to RGB, only columns [want_x, want_x + want_w) (rounded out to iMCU
 * boundaries by libjpeg: the actual window is returned in out_x/out_w) and, when want_h > 0, only the first
 * want_h rows (out_h: the rows decoded; stopping early changes no pixel; want_h 0 = every row, so a frame cut
 * off anywhere is noticed). Rows are never skipped at the top: jpeg_skip_scanlines can change the first rows
 * after it by a level (chroma upsampling context). Rows go to dst with dst_pitch bytes each; the scaled image
 * must fit max_width x max_height (callers size dst for the full scaled frame).
 * Returns 0 or -1 (see result). After an error the context is still usable (jpeg_abort resets it). */
static inline int cturbojpeg_decode_window(cturbojpeg_window_ctx *c, const unsigned char *buf, unsigned long len,
                                           int num, int denom, int want_x, int want_w, int want_h,
                                           unsigned char *dst,
                                           int dst_pitch, int max_width, int max_height,
                                           cturbojpeg_window_result *r) {
    j_decompress_ptr cinfo = &c->cinfo;
    memset(r, 0, sizeof(*r));
    c->err.result = r;
    if (!c->created) {
        cinfo->err = jpeg_std_error(&c->err.pub);
        c->err.pub.error_exit = cturbojpeg_error_exit;
        c->err.pub.emit_message = cturbojpeg_emit_message;
        if (setjmp(c->err.jump)) { r->status = -1; return -1; }
        jpeg_create_decompress(cinfo);
        c->progress.progress_monitor = cturbojpeg_progress;
        cinfo->progress = &c->progress;
        c->created = 1;
    }
    c->err.pub.num_warnings = 0;
    if (setjmp(c->err.jump)) {
        jpeg_abort_decompress(cinfo);
        r->status = -1;
        return -1;
    }
    jpeg_mem_src(cinfo, buf, len);
    jpeg_read_header(cinfo, TRUE);
    cinfo->scale_num = (unsigned int)num;
    cinfo->scale_denom = (unsigned int)denom;
    cinfo->out_color_space = JCS_RGB;
    jpeg_start_decompress(cinfo);
    if ((int)cinfo->output_width > max_width || (int)cinfo->output_height > max_height) {
        jpeg_abort_decompress(cinfo);
        snprintf(r->message, sizeof r->message, "scaled size exceeds the %dx%d buffer", max_width, max_height);
        r->status = -1;
        return -1;
    }
    JDIMENSION x = (JDIMENSION)want_x, w = (JDIMENSION)want_w;
    if (want_x > 0 || want_w < (int)cinfo->output_width) {
        jpeg_crop_scanline(cinfo, &x, &w);
    } else {
        x = 0;
    }
    r->out_x = (int)x;
    r->out_w = (int)cinfo->output_width;   /* after cropping, output_width is the window width */
    /* Rows: from the top, stopping after want_h when it is given. */
    JDIMENSION end = cinfo->output_height;
    if (want_h > 0 && (JDIMENSION)want_h < end) end = (JDIMENSION)want_h;
    r->out_h = (int)end;
    while (cinfo->output_scanline < end) {
        JSAMPROW rows[16];
        JDIMENSION n = end - cinfo->output_scanline;
        if (n > 16) n = 16;
        for (JDIMENSION i = 0; i < n; i++) rows[i] = dst + (size_t)(cinfo->output_scanline + i) * (size_t)dst_pitch;
        if (jpeg_read_scanlines(cinfo, rows, n) == 0) break;
    }
    jpeg_abort_decompress(cinfo);
    return 0;
}
