/* tap.h - a minimal test harness for the C unit tests: CHECK() records
 * a failure with file:line and keeps going; tap_done() prints
 * "N passed, N failed" and returns the exit status. */
#ifndef LL_TAP_H
#define LL_TAP_H

#include <stdio.h>

static int tap_pass, tap_fail;

#define CHECK(cond)                                                               \
	do {                                                                      \
		if (cond) {                                                       \
			tap_pass++;                                               \
		} else {                                                          \
			tap_fail++;                                               \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                 \
	} while (0)

#define CHECK_MSG(cond, ...)                                                      \
	do {                                                                      \
		if (cond) {                                                       \
			tap_pass++;                                               \
		} else {                                                          \
			tap_fail++;                                               \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                             \
			fputc('\n', stderr);                                      \
		}                                                                 \
	} while (0)

static inline int tap_done(void)
{
	printf("%d passed, %d failed\n", tap_pass, tap_fail);
	return tap_fail ? 1 : 0;
}

#endif
