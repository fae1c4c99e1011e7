/* pem.h - finds and decodes PEM blocks in a memory buffer, reporting the
 * line number of each block so errors can name it. No allocation except
 * into the caller's ll_buf. */
#ifndef LL_PEM_H
#define LL_PEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "llerr.h"

struct pem_iter {
	const char *data;
	size_t len, pos;
	int line; /* 1-based line of pos */
};

enum pem_result { PEM_OK, PEM_END, PEM_ERROR };

void pem_iter_init(struct pem_iter *it, const void *data, size_t len);
/* Finds the next "-----BEGIN <label>-----" block. On PEM_OK, *label is set
 * to a pointer into a static string table for known labels
 * ("CERTIFICATE", "X509 CRL", "TRUSTED CERTIFICATE", ...) or "OTHER", the
 * decoded body is in out (reset first), and *line is the BEGIN line
 * (also set on PEM_ERROR when a BEGIN line was found).
 * PEM_ERROR (truncated block, bad base64, missing END) fills err with
 * "line N: reason" and skips past the bad block so iteration can go on. */
enum pem_result pem_next(struct pem_iter *it, const char **label, struct ll_buf *out,
			 int *line, struct ll_err *err);
/* True when the buffer looks like PEM (contains "-----BEGIN "). */
bool pem_looks_like(const void *data, size_t len);

#endif
