#pragma once
/* Test support: counts heap allocations made by the calling thread.
 *
 * Linked only into the test executable, where its malloc/calloc/realloc/memalign family interposes glibc's
 * (an executable's definitions win symbol resolution) and forwards to glibc's own __libc_* entry points.
 * Counting is per thread and off by default, so other tests running concurrently are not counted. */
#include <stdint.h>

/* Starts counting this thread's allocations from zero. */
void camsift_allocations_begin(void);
/* Stops counting and returns how many allocations this thread made since camsift_allocations_begin(). */
int64_t camsift_allocations_end(void);
