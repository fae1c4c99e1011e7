/* presign.c - see presign.h. */
#include "presign.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "certfile.h"
#include "issuer.h"
#include "json.h"
#include "keys.h"
#include "ocsp.h"

#define PRESIGN_BATCH 50000

struct item {
	const uint8_t *serial;
	size_t serial_len;
	bool revoked;
	ll_time revoked_at;
	int reason;
};

struct job {
	/* shared, read-only */
	const struct item *items;
	size_t from, to;
	const uint8_t *issuer_cert;
	size_t issuer_len;
	EVP_PKEY *ca_key;
	const uint8_t *resp_cert;
	size_t resp_len;
	EVP_PKEY *resp_key;
	const struct ocsp_issuer_ids *ids;
	const char *key_id;
	ll_time this_update, next_update;
	struct keys_meter *meter; /* or NULL */
	/* per thread */
	struct ll_buf rows;
	int64_t responses;
	bool failed;
	struct ll_err err;
};

static bool put16(struct ll_buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return ll_buf_append(b, x, 2);
}

static bool put32(struct ll_buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return ll_buf_append(b, x, 4);
}

static bool put_bytes(struct ll_buf *b, const void *p, size_t n)
{
	return put32(b, (uint32_t)n) && ll_buf_append(b, p, n);
}

static bool put_i64(struct ll_buf *b, int64_t v)
{
	return put32(b, 8) && put32(b, (uint32_t)((uint64_t)v >> 32)) && put32(b, (uint32_t)v);
}

static bool put_i16(struct ll_buf *b, int v)
{
	return v < 0 ? put32(b, 0xffffffffu) : put32(b, 2) && put16(b, (uint16_t)v);
}

static bool put_ts(struct ll_buf *b, bool present, ll_time t)
{
	return present ? put_i64(b, (t - STORE_PG_EPOCH_OFFSET) * 1000000LL) : put32(b, 0xffffffffu);
}

/* COPY binary row: issuer_key_id, serial, hash_alg, status, revoked_at,
 * revocation_reason, this_update, next_update, der */
static bool stage_row(struct job *j, const struct item *it, int alg, const uint8_t *der, size_t len)
{
	struct ll_buf *b = &j->rows;

	return put16(b, 9) && put_i64(b, strtoll(j->key_id, NULL, 10)) &&
	       put_bytes(b, it->serial, it->serial_len) && put_i16(b, alg) &&
	       put_i16(b, it->revoked ? 1 : 0) && put_ts(b, it->revoked, it->revoked_at) &&
	       put_i16(b, it->revoked && it->reason > 0 ? it->reason : -1) &&
	       put_ts(b, true, j->this_update) && put_ts(b, true, j->next_update) &&
	       put_bytes(b, der, len);
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *sign_worker(void *arg)
{
	struct job *j = arg;
	struct ocsp_signer *sg;
	struct ll_buf der;
	size_t i;
	int alg;

	ll_buf_init(&der, 1 << 20);
	sg = ocsp_signer_new(j->issuer_cert, j->issuer_len, j->ca_key, j->resp_cert, j->resp_len,
			     j->resp_key, j->this_update, &j->err);
	if (!sg) {
		j->failed = true;
		goto out;
	}
	for (i = j->from; i < j->to; i++) {
		const struct item *it = &j->items[i];

		for (alg = 0; alg < 2; alg++) {
			struct timespec t0;
			bool signed_ok;
			struct ocsp_single one = {
				.alg = alg == 0 ? OCSP_HASH_SHA1 : OCSP_HASH_SHA256,
				.issuer = j->ids,
				.serial = it->serial,
				.serial_len = it->serial_len,
				.status = it->revoked ? OCSP_REVOKED : OCSP_GOOD,
				.revoked_at = it->revoked_at,
				.reason = it->revoked && it->reason > 0 ? it->reason : -1,
				.this_update = j->this_update,
				.next_update = j->next_update,
			};

			ll_buf_reset(&der);
			if (j->meter)
				clock_gettime(CLOCK_MONOTONIC, &t0);
			signed_ok = ocsp_sign(sg, &one, 1, j->this_update, NULL, 0, &der, &j->err);
			if (signed_ok && j->meter)
				keys_meter_observe(j->meter, elapsed(&t0));
			if (!signed_ok || !stage_row(j, it, alg, der.data, der.len)) {
				if (!j->err.msg[0])
					ll_err_set(&j->err, "out of memory");
				j->failed = true;
				goto out;
			}
			j->responses++;
		}
	}
out:
	ocsp_signer_free(sg);
	ll_buf_free(&der);
	return NULL;
}

/* COPYs the staged rows and upserts them, each response getting a new
 * change sequence number. */
static bool store_batch(struct store *s, struct job *jobs, int n, struct ll_err *err)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	static const char trailer[2] = {(char)0xff, (char)0xff};
	PGconn *pg = store_pg(s);
	PGresult *r;
	int i;

	if (!store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS ocsp_stage (issuer_key_id int8, serial bytea,"
			   " hash_alg int2, status int2, revoked_at timestamptz, revocation_reason int2,"
			   " this_update timestamptz, next_update timestamptz, der bytea) ON COMMIT DELETE ROWS",
			err))
		return false;
	r = PQexec(pg, "COPY ocsp_stage FROM STDIN (FORMAT binary)");
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		PQclear(r);
		return ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
	}
	PQclear(r);
	if (PQputCopyData(pg, header, sizeof(header)) != 1)
		goto copyfail;
	for (i = 0; i < n; i++)
		if (jobs[i].rows.len &&
		    PQputCopyData(pg, (const char *)jobs[i].rows.data, (int)jobs[i].rows.len) != 1)
			goto copyfail;
	if (PQputCopyData(pg, trailer, 2) != 1 || PQputCopyEnd(pg, NULL) != 1)
		goto copyfail;
	r = PQgetResult(pg);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		while ((r = PQgetResult(pg)) != NULL)
			PQclear(r);
		return ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
	}
	PQclear(r);
	while ((r = PQgetResult(pg)) != NULL)
		PQclear(r);
	return store_exec(s,
		"INSERT INTO ocsp_response (issuer_key_id, serial, hash_alg, status, revoked_at,"
		" revocation_reason, this_update, next_update, der)"
		" SELECT issuer_key_id, serial, hash_alg, status, revoked_at, revocation_reason,"
		" this_update, next_update, der FROM ocsp_stage"
		" ON CONFLICT (issuer_key_id, serial, hash_alg) DO UPDATE SET status = EXCLUDED.status,"
		" revoked_at = EXCLUDED.revoked_at, revocation_reason = EXCLUDED.revocation_reason,"
		" this_update = EXCLUDED.this_update, next_update = EXCLUDED.next_update,"
		" der = EXCLUDED.der, change_seq = nextval('ocsp_change_seq')", err);
copyfail:
	return ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
}

/* The certificates whose responses are missing, half-expired, or no
 * longer match the recorded status (B13: same time and reason as the CRL). */
static PGresult *select_work(struct store *s, const char *key_id, int64_t half_validity,
			     const struct presign_opts *o, struct ll_err *err)
{
	char half[32];
	const char *p[4] = {key_id, half, o->force ? "t" : "f", (const char *)o->only_serial};
	int lens[4] = {0, 0, 0, (int)o->only_serial_len}, fmts[4] = {0, 0, 0, 1};
	PGresult *r;

	snprintf(half, sizeof(half), "%lld seconds", (long long)half_validity);
	r = PQexecParams(store_pg(s),
		"WITH certs AS ("
		" SELECT serial, revoked_at, revocation_reason FROM leaf"
		"  WHERE issuer_key_id = $1 AND not_after > now() AND ($4::bytea IS NULL OR serial = $4)"
		" UNION ALL"
		" SELECT serial, revoked_at, revocation_reason FROM ca_cert"
		"  WHERE issuer_key_id = $1 AND NOT self_signed AND not_after > now()"
		"  AND ($4::bytea IS NULL OR serial = $4))"
		" SELECT c.serial, c.revoked_at, coalesce(c.revocation_reason, -1)::int2 FROM certs c"
		" LEFT JOIN ocsp_response r ON r.issuer_key_id = $1 AND r.serial = c.serial AND r.hash_alg = 1"
		" WHERE $3::bool OR r.serial IS NULL OR r.this_update <= now() - $2::interval"
		"  OR r.next_update <= now()"
		"  OR r.revoked_at IS DISTINCT FROM c.revoked_at"
		"  OR nullif(r.revocation_reason, 0) IS DISTINCT FROM"
		"     CASE WHEN c.revoked_at IS NULL THEN NULL ELSE nullif(c.revocation_reason, 0) END",
		4, NULL, p, lens, fmts, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		ll_err_set(err, "database: %s", PQerrorMessage(store_pg(s)));
		PQclear(r);
		return NULL;
	}
	return r;
}

/* B22: responses of expired certificates are dropped; a tombstone tells
 * the responders to drop them too. */
static bool drop_expired(struct store *s, const char *key_id, int64_t *dropped, struct ll_err *err)
{
	const char *p[1] = {key_id};
	PGresult *r = store_query(s,
		"WITH d AS (DELETE FROM ocsp_response r WHERE r.issuer_key_id = $1 AND NOT EXISTS ("
		"  SELECT 1 FROM leaf l WHERE l.issuer_key_id = $1 AND l.serial = r.serial AND l.not_after > now())"
		" AND NOT EXISTS (SELECT 1 FROM ca_cert c WHERE c.issuer_key_id = $1 AND c.serial = r.serial"
		"  AND c.not_after > now()) RETURNING r.serial, r.hash_alg),"
		" t AS (INSERT INTO ocsp_tombstone (issuer_key_id, serial)"
		"  SELECT DISTINCT $1::bigint, serial FROM d RETURNING 1)"
		" SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM t)", 1, p, err);

	if (!r)
		return false;
	*dropped = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

bool presign_ca(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
		const struct presign_opts *o, struct presign_stats *st, FILE *log,
		struct ll_err *err)
{
	/* the key that signs the responses: the delegate's, or the CA's */
	const char *sign_uri = ca->ocsp.responder_cert ? ca->ocsp.responder_key : ca->key;
	char shown[512];
	struct issuer_info ii = {0};
	struct ocsp_issuer_ids ids;
	struct certfile rc = {0};
	EVP_PKEY *ca_key = NULL, *resp_key = NULL;
	struct item *items = NULL;
	struct job *jobs = NULL;
	PGresult *work = NULL;
	struct timespec t0, ts;
	int nthreads = 0, i, n, sessions = 0;
	size_t from;
	bool ok = false, leased = false;
	ll_time now = ll_now(), next;
	int64_t validity = cfg->ocsp_validity ? cfg->ocsp_validity : 4 * 86400;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(st, 0, sizeof(*st));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!issuer_load(s, ca->name, &ii, err))
		return false;
	if (ii.no_duty) {
		if (log)
			fprintf(log, "%s: no unexpired, unrevoked CA certificate: nothing to sign\n", ca->name);
		ok = true;
		goto out;
	}
	if (!ocsp_issuer_ids_from_cert(ii.cert, ii.cert_len, &ids, err))
		goto out;
	if (!store_check_clock(s, cfg, err))
		goto out;
	{
		/* Lease: one signer per CA key at a time across every process on
		 * this database. A second signer waits, then finds the work done
		 * (only stale or changed responses are selected), so nothing is
		 * signed twice. */
		const char *p[1] = {ii.key_id};
		PGresult *r = store_query(s, "SELECT pg_advisory_lock(1819017223, $1::int)", 1, p, err);
		if (!r)
			goto out;
		PQclear(r);
		leased = true;
		now = ll_now();
	}
	/* the signer: a delegated responder, or the CA key itself */
	if (ca->ocsp.responder_cert) {
		if (!certfile_load(ca->ocsp.responder_cert, &rc, err))
			goto out;
		resp_key = keys_load(ca->ocsp.responder_key, err);
		if (!resp_key)
			goto out;
	} else {
		ca_key = keys_load(ca->key, err);
		if (!ca_key)
			goto out;
		if (!keys_match_spki(ca_key, ii.spki, ii.spki_len)) {
			ll_err_set(err, "the key %s does not match the CA certificate",
				   keys_uri_redact(ca->key, shown, sizeof(shown)));
			goto out;
		}
	}
	{
		/* validate once up front (B3, key match) for a clear error */
		struct ocsp_signer *probe = ocsp_signer_new(ii.cert, ii.cert_len, ca_key,
							    rc.n ? rc.certs[0].der : NULL,
							    rc.n ? rc.certs[0].len : 0, resp_key, now, err);
		if (!probe)
			goto out;
		next = now + validity - 1; /* both ends count (B7, E9) */
		if (next > ocsp_signer_not_after(probe))
			next = ocsp_signer_not_after(probe); /* B9 */
		ocsp_signer_free(probe);
		if (next <= now) {
			ll_err_set(err, "the signing certificate expires now: renew the responder "
					"certificate (B9, E15)");
			goto out;
		}
	}
	work = select_work(s, ii.key_id, validity / 2, o, err);
	if (!work)
		goto out;
	n = PQntuples(work);
	items = calloc((size_t)n + 1, sizeof(*items));
	if (!items) {
		ll_err_set(err, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *rv = PQgetvalue(work, i, 2);

		items[i].serial = (const uint8_t *)PQgetvalue(work, i, 0);
		items[i].serial_len = (size_t)PQgetlength(work, i, 0);
		items[i].revoked = !PQgetisnull(work, i, 1);
		if (items[i].revoked) {
			items[i].revoked_at = store_bin_ts(PQgetvalue(work, i, 1));
		}
		items[i].reason = (int16_t)(((uint8_t)rv[0] << 8) | (uint8_t)rv[1]);
	}
	nthreads = o->threads > 0 ? o->threads : cfg->ocsp_threads > 0 ? cfg->ocsp_threads
									   : (int)(ncpu > 0 ? ncpu : 1);
	if (nthreads > 256)
		nthreads = 256;
	/* an HSM has few sessions: at most key_sessions threads sign with the
	 * key at once (KEYS_PKCS11_DEFAULT_SESSIONS for pkcs11: keys when
	 * unset); file keys are bounded by the cores only */
	sessions = keys_sessions_for(sign_uri, ca->key_sessions);
	if (sessions > 0 && nthreads > sessions)
		nthreads = sessions;
	jobs = calloc((size_t)nthreads, sizeof(*jobs));
	if (!jobs) {
		ll_err_set(err, "out of memory");
		goto out;
	}
	for (from = 0; from < (size_t)n; from += PRESIGN_BATCH) {
		size_t to = from + PRESIGN_BATCH < (size_t)n ? from + PRESIGN_BATCH : (size_t)n;
		size_t per = (to - from + (size_t)nthreads - 1) / (size_t)nthreads;
		pthread_t th[256];
		int started = 0;
		int64_t batch_responses = 0;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (i = 0; i < nthreads; i++) {
			struct job *j = &jobs[i];

			ll_buf_free(&j->rows);
			memset(j, 0, sizeof(*j));
			ll_buf_init(&j->rows, (size_t)1 << 31);
			j->items = items;
			j->from = from + (size_t)i * per < to ? from + (size_t)i * per : to;
			j->to = j->from + per < to ? j->from + per : to;
			j->issuer_cert = ii.cert;
			j->issuer_len = ii.cert_len;
			j->ca_key = ca_key;
			j->resp_cert = rc.n ? rc.certs[0].der : NULL;
			j->resp_len = rc.n ? rc.certs[0].len : 0;
			j->resp_key = resp_key;
			j->ids = &ids;
			j->key_id = ii.key_id;
			j->this_update = now;
			j->next_update = next;
			j->meter = o->meter;
			if (j->from < j->to && pthread_create(&th[i], NULL, sign_worker, j) == 0)
				started = i + 1;
			else if (j->from < j->to)
				sign_worker(j); /* no thread: sign inline */
		}
		for (i = 0; i < started; i++)
			if (jobs[i].from < jobs[i].to)
				pthread_join(th[i], NULL);
		st->sign_seconds += elapsed(&ts);
		for (i = 0; i < nthreads; i++) {
			if (jobs[i].failed) {
				*err = jobs[i].err;
				goto out;
			}
			batch_responses += jobs[i].responses;
		}
		if (!store_begin(s, err))
			goto out;
		if (!store_batch(s, jobs, nthreads, err)) {
			store_rollback(s);
			goto out;
		}
		{
			char args[256];
			snprintf(args, sizeof(args), "{\"ca\": \"%s\", \"responses\": %lld, \"certificates\": %zu}",
				 ca->name, (long long)batch_responses, to - from);
			if (!store_audit(s, "ocsp.sign", args, NULL, err) ||
			    !store_exec(s, "SELECT pg_notify('lastleaf_ocsp', '')", err) ||
			    !store_commit(s, err)) {
				store_rollback(s);
				goto out;
			}
		}
		st->responses += batch_responses;
		st->certificates += (int64_t)(to - from);
	}
	if (!o->only_serial && !drop_expired(s, ii.key_id, &st->dropped, err))
		goto out;
	st->seconds = elapsed(&t0);
	if (log)
		fprintf(log, "%s: signed %lld responses for %lld certificates in %.2f s (%.0f responses/s "
			"signing), dropped %lld expired; %d signing thread%s%s\n", ca->name,
			(long long)st->responses, (long long)st->certificates, st->seconds,
			st->sign_seconds > 0 ? (double)st->responses / st->sign_seconds : 0.0,
			(long long)st->dropped, nthreads, nthreads == 1 ? "" : "s",
			sessions > 0 && nthreads == sessions
				? (ca->key_sessions > 0 ? " (cas[].key_sessions)" : " (pkcs11 default)")
				: "");
	ok = true;
out:
	if (leased) {
		const char *p[1] = {ii.key_id};
		struct ll_err e2;
		PQclear(store_query(s, "SELECT pg_advisory_unlock(1819017223, $1::int)", 1, p, &e2));
	}
	for (i = 0; jobs && i < nthreads; i++)
		ll_buf_free(&jobs[i].rows);
	free(jobs);
	free(items);
	PQclear(work);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(resp_key);
	certfile_free(&rc);
	issuer_free(&ii);
	return ok;
}
