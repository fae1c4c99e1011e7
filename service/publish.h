/* publish.h - atomic file publication: a reader of the target path sees
 * either the old file or the whole new one, never a partial write, even
 * across a crash (temporary file, fsync, rename, fsync of the directory). */
#ifndef LL_PUBLISH_H
#define LL_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "llerr.h"

/* Creates dir (and parents) with mode 0755 when missing. */
bool publish_mkdirs(const char *dir, struct ll_err *err) LL_MUSTCHECK;
/* Writes data to dir/name atomically, mode 0644. */
bool publish_atomic(const char *dir, const char *name, const void *data, size_t len,
		    struct ll_err *err) LL_MUSTCHECK;

#endif
