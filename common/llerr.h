/* llerr.h - error reports passed out of every fallible call.
 * A caller owns a struct ll_err on its stack; the failing callee fills it
 * with one human-readable line that names the file, line or field at fault.
 * Nothing here allocates, so it works on the error path of an allocation. */
#ifndef LL_ERR_H
#define LL_ERR_H

#include <stdbool.h>
#include <stddef.h>

#define LL_MUSTCHECK __attribute__((warn_unused_result))
#define LL_PRINTF(a, b) __attribute__((format(printf, a, b)))

struct ll_err {
	char msg[1024];
};

/* Overwrites e->msg (e may be NULL). Always returns false so callers can
 * write `return ll_err_set(err, ...);` in bool functions. */
bool ll_err_set(struct ll_err *e, const char *fmt, ...) LL_PRINTF(2, 3);
/* Prepends "prefix: " to an existing message (for adding file/line context). */
bool ll_err_prefix(struct ll_err *e, const char *fmt, ...) LL_PRINTF(2, 3);
/* Appends the OpenSSL error queue (and clears it) to e->msg. */
bool ll_err_openssl(struct ll_err *e, const char *what);

#endif
