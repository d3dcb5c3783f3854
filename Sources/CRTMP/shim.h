#pragma once
/* librtmp, available for servers FFmpeg's native RTMP cannot talk to. RTMP_Log is variadic; route logs
 * through RTMP_LogSetCallback from Swift instead. */
#include <stdio.h>
#include <librtmp/rtmp.h>
#include <librtmp/log.h>

static inline void crtmp_set_log_level(int level) { RTMP_LogSetLevel((RTMP_LogLevel)level); }
