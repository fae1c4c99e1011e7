/* buf.c - see buf.h. */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ll_buf_init(struct ll_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->limit = limit ? limit : SIZE_MAX / 2;
}

void ll_buf_free(struct ll_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void ll_buf_reset(struct ll_buf *b)
{
	b->len = 0;
}

bool ll_buf_reserve(struct ll_buf *b, size_t extra)
{
	size_t want, ncap;
	uint8_t *p;

	if (extra > b->limit - b->len)
		return false;
	want = b->len + extra;
	if (want <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap = ncap > b->limit / 2 ? b->limit : ncap * 2;
	p = realloc(b->data, ncap + 1);
	if (!p)
		return false;
	b->data = p;
	b->cap = ncap;
	return true;
}

bool ll_buf_append(struct ll_buf *b, const void *p, size_t n)
{
	if (!ll_buf_reserve(b, n))
		return false;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return true;
}

bool ll_buf_putc(struct ll_buf *b, uint8_t c)
{
	return ll_buf_append(b, &c, 1);
}

bool ll_buf_printf(struct ll_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !ll_buf_reserve(b, (size_t)n + 1))
		return false;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

bool ll_buf_read_file(struct ll_buf *b, const char *path, struct ll_err *err)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	bool ok = false;

	if (fd < 0)
		return ll_err_set(err, "%s: %s", path, strerror(errno));
	for (;;) {
		ssize_t n;

		if (!ll_buf_reserve(b, 65536)) {
			ll_err_set(err, "%s: file too large (limit %zu bytes)", path, b->limit);
			goto out;
		}
		n = read(fd, b->data + b->len, b->cap - b->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ll_err_set(err, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	ok = true;
out:
	if (fd > 0)
		close(fd);
	return ok;
}
