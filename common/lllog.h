/* lllog.h - log lines of the long-running daemon: logfmt on stderr
 * ("ts=RFC3339 level=L msg=\"...\""), one line per call. Quotes and
 * control characters in the message become ' so that nothing a client or
 * a database sends can split a line or forge another one. */
#ifndef LL_LOG_H
#define LL_LOG_H

#include <stdarg.h>

#include "llerr.h"

void ll_logfmt(const char *level, const char *fmt, ...) LL_PRINTF(2, 3);
void ll_vlogfmt(const char *level, const char *fmt, va_list ap) LL_PRINTF(2, 0);

#endif
