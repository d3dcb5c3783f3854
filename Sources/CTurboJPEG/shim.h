#pragma once
/* TurboJPEG 2.1 (no tj3* API on Debian 12). Used instead of libjpeg because libjpeg's default error
 * handler calls exit() and its setjmp/longjmp recovery cannot cross Swift frames safely. */
#include <stddef.h>
#include <turbojpeg.h>

/* tjScalingFactor arithmetic is a macro (TJSCALED). */
static inline int cturbojpeg_scaled(int dim, tjscalingfactor f) { return TJSCALED(dim, f); }
