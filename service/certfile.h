/* certfile.h - reads every certificate from a PEM bundle or a DER file
 * (one or several concatenated) for the small-volume commands (`ca add`,
 * config certificates). The bulk import has its own streaming path. */
#ifndef LL_CERTFILE_H
#define LL_CERTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"

struct certfile_cert {
	uint8_t *der;
	size_t len;
	int line;  /* PEM BEGIN line, 0 for DER */
	int index; /* 1-based position in the file */
};

struct certfile {
	struct certfile_cert *certs;
	size_t n;
};

/* Loads all certificates; fails (naming path and line or index) on any
 * unreadable block, and when the file holds no certificate at all. */
bool certfile_load(const char *path, struct certfile *out, struct ll_err *err) LL_MUSTCHECK;
void certfile_free(struct certfile *cf);

#endif
