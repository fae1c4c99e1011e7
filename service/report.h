/* report.h - the live-leaf report: one row per CA certificate with the
 * live leaves of its key at a given time (not expired, not revoked), the
 * earliest and last expiry, the leaf that expires last and a histogram of
 * expiries by month. Built once, rendered as a table, CSV or JSON (the
 * JSON shape is a public interface, see README). */
#ifndef LL_REPORT_H
#define LL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "llerr.h"
#include "lltime.h"
#include "store.h"

struct report_month {
	char month[8]; /* "YYYY-MM" */
	int64_t count;
};

struct report_row {
	char *name;
	char sha256[65];
	char key_sha256[65];
	char *subject;
	char *issuer_name;	/* CA name of the issuing key, or NULL */
	ll_time not_before, not_after;
	bool self_signed;
	bool revoked;
	ll_time revoked_at;
	int revocation_reason;	/* -1 none */
	int64_t live_leaves;
	bool has_live;
	ll_time earliest_expiry, last_expiry;
	char last_serial[130];
	struct report_month *hist;
	size_t nhist;
	int64_t key_id;
	char *plan_json;	/* the certificate's retirement plan (retire show's object), or NULL */
	char *plan_state;	/* for the table */
	ll_time plan_due;
	int64_t plan_violations;
};

struct report {
	ll_time at;
	struct report_row *rows;
	size_t n;
};

/* ca_name NULL = every CA. */
bool report_build(struct store *s, const char *ca_name, ll_time at, struct report *out,
		  struct ll_err *err) LL_MUSTCHECK;
void report_free(struct report *r);
void report_json(const struct report *r, struct json_out *j);
void report_table(const struct report *r, FILE *out);
void report_csv(const struct report *r, FILE *out);

#endif
