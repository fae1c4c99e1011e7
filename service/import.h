/* import.h - bulk import of leaf certificates and OpenSSL index.txt
 * records into the inventory. Inputs are split into chunks that worker
 * threads parse (bounded DER walk), match to their issuing key and
 * verify; the main thread streams the rows into PostgreSQL with binary
 * COPY into a temporary table, which is merged into `leaf` in batches
 * while the workers keep verifying (new leaves), then once at the end
 * (updates, conflicts, duplicates within the import). All of it is one
 * transaction: a failed import leaves nothing behind.
 *
 * Environment: LASTLEAF_IMPORT_BATCH_ROWS (tests only) sets the batch
 * size, default 65536 rows, so small inputs can span many batches. */
#ifndef LL_IMPORT_H
#define LL_IMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "catab.h"
#include "llerr.h"
#include "store.h"

enum import_format { IMPORT_AUTO, IMPORT_PEM, IMPORT_DER, IMPORT_INDEX };

struct import_opts {
	enum import_format format;
	const char *issuer;	/* --issuer NAME; required for index.txt */
	bool verify;		/* check each signature against the issuer key */
	FILE *reject_log;	/* every rejection is also written here */
	bool progress;		/* progress bar on stderr */
	int threads;		/* 0 = one per core */
};

struct import_stats {
	int64_t items;		/* certificates and index lines seen */
	int64_t imported;	/* items that added or completed a leaf */
	int64_t unchanged;
	int64_t rejected;
	int64_t conflicts;
	int64_t warnings;
};

/* Imports paths (files, directories walked recursively, "-" for stdin).
 * Returns false only when the import as a whole failed (database error,
 * bad options); then nothing was written. Rejected items are counted and
 * reported on stderr, and do not make it fail. */
bool import_run(struct store *s, const struct catab *t, const struct import_opts *o,
		char *const *paths, int npaths, struct import_stats *st, struct ll_err *err);

/* Maps an RFC 5280 / OpenSSL reason name (case-insensitive) to its code;
 * -1 when unknown. */
int import_reason_code(const char *name);
const char *import_reason_name(int code);

/* Parses one index.txt line (without the newline). Exposed for tests. */
struct index_line {
	char status;		/* 'V', 'R' or 'E' */
	ll_time not_after;
	bool revoked;
	ll_time revoked_at;
	int reason;		/* -1 = none given */
	bool has_invalidity;
	ll_time invalidity;
	uint8_t serial[64];
	size_t serial_len;
};
bool import_parse_index_line(const char *line, size_t len, struct index_line *out,
			     struct ll_err *err);

#endif
