/* See include/CAllocationCounter.h. glibc ≥ 2.34 removed __malloc_hook, so interposition is the way to see
 * every allocation (Swift's swift_slowAlloc, Foundation, GCD and OpenBLAS all end up here). */
#include "CAllocationCounter.h"
#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

/* initial-exec: no allocation on first access (a dynamic TLS access could call malloc and recurse). */
static __thread int counting __attribute__((tls_model("initial-exec")));
static __thread int64_t allocations __attribute__((tls_model("initial-exec")));

/* Out of line and external so a debugger can break on it: `break camsift_allocation_counted` shows who allocates. */
__attribute__((noinline)) void camsift_allocation_counted(void) { allocations++; }

static inline void note(void) {
    if (counting) camsift_allocation_counted();
}

void camsift_allocations_begin(void) {
    allocations = 0;
    counting = 1;
}

int64_t camsift_allocations_end(void) {
    counting = 0;
    return allocations;
}

void *malloc(size_t n) { note(); return __libc_malloc(n); }
void *calloc(size_t c, size_t n) { note(); return __libc_calloc(c, n); }
void *realloc(void *p, size_t n) { note(); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { note(); return __libc_memalign(a, n); }
void *valloc(size_t n) { note(); return __libc_valloc(n); }
void *pvalloc(size_t n) { note(); return __libc_pvalloc(n); }

int posix_memalign(void **out, size_t a, size_t n) {
    if (a < sizeof(void *) || (a & (a - 1)) != 0) return EINVAL;
    note();
    void *p = __libc_memalign(a, n);
    if (p == NULL && n != 0) return ENOMEM;
    *out = p;
    return 0;
}
