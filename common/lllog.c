/* lllog.c - see lllog.h. */
#include "lllog.h"

#include <stdio.h>

#include "lltime.h"

void ll_vlogfmt(const char *level, const char *fmt, va_list ap)
{
	char ts[LL_TIME_RFC3339_LEN], msg[1200];
	size_t i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0; msg[i]; i++)
		if (msg[i] == '"' || (unsigned char)msg[i] < 0x20)
			msg[i] = '\'';
	/* one fprintf: stderr is unbuffered, so concurrent threads' lines
	 * do not interleave within a line */
	fprintf(stderr, "ts=%s level=%s msg=\"%s\"\n", ll_time_format_rfc3339(ll_now(), ts), level, msg);
}

void ll_logfmt(const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ll_vlogfmt(level, fmt, ap);
	va_end(ap);
}
