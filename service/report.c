/* report.c - see report.h. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hex.h"
#include "retire.h"
#include "x509util.h"

#define TS(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static bool ts(const char *s, ll_time *out)
{
	return ll_time_parse_rfc3339(s, out);
}

/* Fills the leaf statistics of one key at time `at`. Live leaves by
 * expiry month come from the leaf_month counts (migration 004) for the
 * months after T's month, less the leaves revoked by T (partial index),
 * plus an exact count inside T's own month; so the cost does not grow
 * with the number of leaves. Earliest and last expiry are single index
 * probes on leaf_live_idx. */
static bool key_stats(struct store *s, int64_t key_id, const char *at, struct report_row *row,
		      struct ll_err *err)
{
	char kid[24];
	const char *p[2];
	PGresult *r;
	int i;

	snprintf(kid, sizeof(kid), "%lld", (long long)key_id);
	p[0] = kid;
	p[1] = at;
	r = store_query(s,
		"WITH t AS (SELECT $2::timestamptz AS at, date_trunc('month', $2::timestamptz, 'UTC') AS m0),"
		" b AS (SELECT count(*) AS n FROM leaf, t WHERE issuer_key_id = $1 AND not_after >= t.at"
		"  AND not_after < t.m0 + interval '1 month' AND (revoked_at IS NULL OR revoked_at > t.at)),"
		" rev AS (SELECT date_trunc('month', not_after, 'UTC') AS month, count(*) AS n FROM leaf, t"
		"  WHERE issuer_key_id = $1 AND revoked_at IS NOT NULL AND revoked_at <= t.at"
		"  AND not_after >= t.m0 + interval '1 month' GROUP BY 1)"
		" SELECT to_char(m, 'YYYY-MM'), n FROM ("
		"  SELECT t.m0 AS m, b.n FROM t, b WHERE b.n > 0"
		"  UNION ALL"
		"  SELECT h.month, h.leaves - coalesce(rev.n, 0) FROM leaf_month h"
		"   LEFT JOIN rev ON rev.month = h.month, t"
		"   WHERE h.issuer_key_id = $1 AND h.month > t.m0 AND h.leaves - coalesce(rev.n, 0) > 0"
		" ) x ORDER BY m",
		2, p, err);
	if (!r)
		return false;
	row->nhist = (size_t)PQntuples(r);
	row->hist = calloc(row->nhist + 1, sizeof(*row->hist));
	if (!row->hist) {
		PQclear(r);
		return ll_err_set(err, "out of memory");
	}
	for (i = 0; i < PQntuples(r); i++) {
		snprintf(row->hist[i].month, sizeof(row->hist[i].month), "%s", PQgetvalue(r, i, 0));
		row->hist[i].count = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		row->live_leaves += row->hist[i].count;
	}
	PQclear(r);
	if (row->live_leaves == 0)
		return true;
	row->has_live = true;
	r = store_query(s,
		"(SELECT " TS("not_after") ", NULL FROM leaf WHERE issuer_key_id = $1 AND not_after >= $2::timestamptz"
		" AND (revoked_at IS NULL OR revoked_at > $2::timestamptz) ORDER BY not_after LIMIT 1)"
		" UNION ALL "
		/* ties on notAfter: the smallest serial, so the answer is stable */
		"(SELECT " TS("not_after") ", encode(serial, 'hex') FROM leaf WHERE issuer_key_id = $1"
		" AND not_after >= $2::timestamptz AND (revoked_at IS NULL OR revoked_at > $2::timestamptz)"
		" ORDER BY not_after DESC, serial LIMIT 1)",
		2, p, err);
	if (!r)
		return false;
	if (PQntuples(r) == 2) {
		ts(PQgetvalue(r, 0, 0), &row->earliest_expiry);
		ts(PQgetvalue(r, 1, 0), &row->last_expiry);
		snprintf(row->last_serial, sizeof(row->last_serial), "%s", PQgetvalue(r, 1, 1));
	}
	PQclear(r);
	return true;
}

bool report_build(struct store *s, const char *ca_name, ll_time at, struct report *out,
		  struct ll_err *err)
{
	char atbuf[LL_TIME_RFC3339_LEN];
	const char *p[1];
	PGresult *r;
	int i;
	size_t j;

	memset(out, 0, sizeof(*out));
	out->at = at;
	ll_time_format_rfc3339(at, atbuf);
	p[0] = ca_name;
	r = store_query(s,
		"SELECT k.id, k.name, encode(c.sha256, 'hex'), encode(k.spki_sha256, 'hex'), "
		"c.subject_der, ik.name, " TS("c.not_before") ", " TS("c.not_after") ", "
		"c.self_signed, " TS("c.revoked_at") ", c.revocation_reason "
		"FROM ca_cert c JOIN ca_key k ON k.id = c.key_id "
		"LEFT JOIN ca_key ik ON ik.id = c.issuer_key_id "
		"WHERE $1::text IS NULL OR k.name = $1 "
		"ORDER BY k.name, c.not_before, c.sha256",
		1, p, err);
	if (!r)
		return false;
	if (ca_name && PQntuples(r) == 0) {
		PQclear(r);
		return ll_err_set(err, "no CA named '%s' (see `lastleaf ca list`)", ca_name);
	}
	out->rows = calloc((size_t)PQntuples(r) + 1, sizeof(*out->rows));
	if (!out->rows) {
		PQclear(r);
		return ll_err_set(err, "out of memory");
	}
	for (i = 0; i < PQntuples(r); i++) {
		struct report_row *row = &out->rows[out->n++];
		uint8_t der[4096];
		size_t dl;
		char subj[512] = "";

		row->revocation_reason = -1;
		row->key_id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		row->name = strdup(PQgetisnull(r, i, 1) ? "" : PQgetvalue(r, i, 1));
		snprintf(row->sha256, sizeof(row->sha256), "%s", PQgetvalue(r, i, 2));
		snprintf(row->key_sha256, sizeof(row->key_sha256), "%s", PQgetvalue(r, i, 3));
		if (store_parse_bytea(PQgetvalue(r, i, 4), der, sizeof(der), &dl))
			ll_name_text(der, dl, subj, sizeof(subj));
		row->subject = strdup(subj);
		row->issuer_name = PQgetisnull(r, i, 5) ? NULL : strdup(PQgetvalue(r, i, 5));
		ts(PQgetvalue(r, i, 6), &row->not_before);
		ts(PQgetvalue(r, i, 7), &row->not_after);
		row->self_signed = strcmp(PQgetvalue(r, i, 8), "t") == 0;
		if (!PQgetisnull(r, i, 9)) {
			row->revoked = true;
			ts(PQgetvalue(r, i, 9), &row->revoked_at);
			if (!PQgetisnull(r, i, 10))
				row->revocation_reason = atoi(PQgetvalue(r, i, 10));
		}
		if (!row->name || !row->subject) {
			PQclear(r);
			return ll_err_set(err, "out of memory");
		}
	}
	PQclear(r);
	/* stats are per key: compute once, copy to the key's other certificates */
	for (j = 0; j < out->n; j++) {
		struct report_row *row = &out->rows[j], *prev = NULL;
		size_t k;

		for (k = 0; k < j && !prev; k++)
			if (out->rows[k].key_id == row->key_id)
				prev = &out->rows[k];
		if (prev) {
			row->live_leaves = prev->live_leaves;
			row->has_live = prev->has_live;
			row->earliest_expiry = prev->earliest_expiry;
			row->last_expiry = prev->last_expiry;
			memcpy(row->last_serial, prev->last_serial, sizeof(row->last_serial));
			row->hist = calloc(prev->nhist + 1, sizeof(*row->hist));
			if (!row->hist)
				return ll_err_set(err, "out of memory");
			memcpy(row->hist, prev->hist, prev->nhist * sizeof(*row->hist));
			row->nhist = prev->nhist;
			continue;
		}
		if (!key_stats(s, row->key_id, atbuf, row, err))
			return false;
	}
	/* retirement plans: the same object as `retire show --format json` */
	for (j = 0; j < out->n; j++) {
		struct report_row *row = &out->rows[j];
		struct json_out pj;

		json_init(&pj);
		if (retire_plan_json(s, row->sha256, &pj, err)) {
			const char *txt = json_str(&pj), *st = strstr(txt, "\"state\":\"");
			row->plan_json = strdup(txt);
			if (st) {
				char buf[16];
				sscanf(st + 9, "%15[^\"]", buf);
				row->plan_state = strdup(buf);
			}
			{
				const char *d = strstr(txt, "\"due_at\":\"");
				char buf[32];
				if (d && sscanf(d + 10, "%31[^\"]", buf) == 1)
					ll_time_parse_rfc3339(buf, &row->plan_due);
			}
			{
				const char *v = strstr(txt, "\"violations\":");
				if (v)
					row->plan_violations = strtoll(v + 13, NULL, 10);
			}
		}
		json_free(&pj);
	}
	return true;
}

void report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->rows[i].name);
		free(r->rows[i].subject);
		free(r->rows[i].issuer_name);
		free(r->rows[i].hist);
		free(r->rows[i].plan_json);
		free(r->rows[i].plan_state);
	}
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

static void kv_time(struct json_out *j, const char *k, bool present, ll_time t)
{
	char buf[LL_TIME_RFC3339_LEN];

	if (present)
		json_kv_str(j, k, ll_time_format_rfc3339(t, buf));
	else
		json_kv_null(j, k);
}

void report_json(const struct report *r, struct json_out *j)
{
	size_t i, k;

	json_obj_begin(j);
	kv_time(j, "at", true, r->at);
	json_arr_key_begin(j, "ca_certificates");
	for (i = 0; i < r->n; i++) {
		const struct report_row *row = &r->rows[i];

		json_obj_begin(j);
		json_kv_str(j, "name", row->name);
		json_kv_str(j, "sha256", row->sha256);
		json_kv_str(j, "key_sha256", row->key_sha256);
		json_kv_str(j, "subject", row->subject);
		json_kv_str(j, "issuer_name", row->issuer_name);
		kv_time(j, "not_before", true, row->not_before);
		kv_time(j, "not_after", true, row->not_after);
		json_kv_bool(j, "self_signed", row->self_signed);
		kv_time(j, "revoked_at", row->revoked, row->revoked_at);
		json_kv_int(j, "live_leaves", row->live_leaves);
		kv_time(j, "earliest_expiry", row->has_live, row->earliest_expiry);
		kv_time(j, "last_expiry", row->has_live, row->last_expiry);
		json_kv_str(j, "last_serial", row->has_live ? row->last_serial : NULL);
		json_obj_key_begin(j, "histogram");
		for (k = 0; k < row->nhist; k++)
			json_kv_int(j, row->hist[k].month, row->hist[k].count);
		json_obj_end(j);
		if (row->plan_json) {
			json_key(j, "plan");
			json_raw_val(j, row->plan_json);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static const char *tfmt(bool present, ll_time t, char *buf)
{
	if (!present)
		return "-";
	return ll_time_format_rfc3339(t, buf);
}

void report_table(const struct report *r, FILE *out)
{
	char b1[LL_TIME_RFC3339_LEN], b2[LL_TIME_RFC3339_LEN], b3[LL_TIME_RFC3339_LEN];
	size_t i;

	fprintf(out, "report at %s\n", ll_time_format_rfc3339(r->at, b1));
	fprintf(out, "%-16s %-16s %-16s %-20s %9s %-20s %-20s %-34s %s\n", "NAME", "CERT SHA256",
		"KEY SHA256", "NOT AFTER", "LIVE", "EARLIEST EXPIRY", "LAST EXPIRY", "LAST SERIAL", "PLAN");
	for (i = 0; i < r->n; i++) {
		const struct report_row *row = &r->rows[i];

		char plan[96] = "-", b4[LL_TIME_RFC3339_LEN];

		if (row->plan_state)
			snprintf(plan, sizeof(plan), "%s, due %s%s", row->plan_state,
				 ll_time_format_rfc3339(row->plan_due, b4),
				 row->plan_violations ? ", VIOLATIONS" : "");
		fprintf(out, "%-16s %-16.16s %-16.16s %-20s %9lld %-20s %-20s %-34s %s%s\n", row->name,
			row->sha256, row->key_sha256, ll_time_format_rfc3339(row->not_after, b1),
			(long long)row->live_leaves, tfmt(row->has_live, row->earliest_expiry, b2),
			tfmt(row->has_live, row->last_expiry, b3),
			row->has_live ? row->last_serial : "-", plan, row->revoked ? "  (revoked)" : "");
	}
}

void report_csv(const struct report *r, FILE *out)
{
	char b1[LL_TIME_RFC3339_LEN], b2[LL_TIME_RFC3339_LEN], b3[LL_TIME_RFC3339_LEN];
	size_t i;

	fprintf(out, "name,sha256,key_sha256,not_after,live_leaves,earliest_expiry,last_expiry,last_serial\n");
	for (i = 0; i < r->n; i++) {
		const struct report_row *row = &r->rows[i];

		/* names are [A-Za-z0-9._-]: no quoting needed */
		fprintf(out, "%s,%s,%s,%s,%lld,%s,%s,%s\n", row->name, row->sha256, row->key_sha256,
			ll_time_format_rfc3339(row->not_after, b1), (long long)row->live_leaves,
			row->has_live ? ll_time_format_rfc3339(row->earliest_expiry, b2) : "",
			row->has_live ? ll_time_format_rfc3339(row->last_expiry, b3) : "",
			row->has_live ? row->last_serial : "");
	}
}
