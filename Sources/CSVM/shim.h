#pragma once
/* libsvm 3.24 (Debian libsvm-dev; ships no pkg-config file, hence `link "svm"` in the module map): the weighted
 * C-SVC of the tags (issue 19, Algorithm 1). Every function imports as is; nothing variadic. */
#include <libsvm/svm.h>

/* libsvm's training reports progress through a global print hook (stdout by default); a no-op keeps the
 * daemon's and the bench's stdout clean. A C function so Swift need not build a @convention(c) closure. */
static void csvm_silent_print(const char *s) { (void)s; }
static inline void csvm_silence(void) { svm_set_print_string_function(csvm_silent_print); }
