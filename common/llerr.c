/* llerr.c - see llerr.h. */
#include "llerr.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool ll_err_set(struct ll_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return false;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return false;
}

bool ll_err_prefix(struct ll_err *e, const char *fmt, ...)
{
	char prefix[512], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return false;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* truncation is acceptable: the message is for people */
	{
		size_t pl = strnlen(prefix, sizeof(e->msg) - 3);
		memcpy(e->msg, prefix, pl);
		memcpy(e->msg + pl, ": ", 2);
		snprintf(e->msg + pl + 2, sizeof(e->msg) - pl - 2, "%.*s",
			 (int)(sizeof(e->msg) - pl - 3), old);
	}
	return false;
}

bool ll_err_openssl(struct ll_err *e, const char *what)
{
	char buf[256] = "";
	unsigned long code, last = 0;

	while ((code = ERR_get_error()) != 0)
		last = code;
	if (last)
		ERR_error_string_n(last, buf, sizeof(buf));
	return ll_err_set(e, "%s%s%s", what, last ? ": " : "", buf);
}
