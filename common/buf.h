/* buf.h - a growable byte buffer with a hard size ceiling, so no input can
 * make lastleaf allocate without bound. Used for DER output and I/O. */
#ifndef LL_BUF_H
#define LL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"

struct ll_buf {
	uint8_t *data;
	size_t len, cap, limit;
};

void ll_buf_init(struct ll_buf *b, size_t limit);
void ll_buf_free(struct ll_buf *b);
void ll_buf_reset(struct ll_buf *b);
/* All return false (and leave b unchanged) when the limit or memory runs out. */
bool ll_buf_reserve(struct ll_buf *b, size_t extra) LL_MUSTCHECK;
bool ll_buf_append(struct ll_buf *b, const void *p, size_t n) LL_MUSTCHECK;
bool ll_buf_putc(struct ll_buf *b, uint8_t c) LL_MUSTCHECK;
bool ll_buf_printf(struct ll_buf *b, const char *fmt, ...) LL_PRINTF(2, 3) LL_MUSTCHECK;
/* Reads a whole file (or stdin for "-") into b. */
bool ll_buf_read_file(struct ll_buf *b, const char *path, struct ll_err *err) LL_MUSTCHECK;

#endif
