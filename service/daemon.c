/* daemon.c - `lastleaf serve`: the long-running service.
 *
 * Threads:
 *  - the HTTP workers of ocsp_http (one event base each) answer OCSP and
 *    CRL requests from the in-memory table;
 *  - the sync thread owns a PostgreSQL connection: it LISTENs for
 *    revocations and imports, re-signs what changed (signer role), pulls
 *    "changes since N" into the table (responder role, also on replicas
 *    where NOTIFY never arrives), and runs the CRL and re-signing timers;
 *  - the main thread runs the admin listener (/healthz, /metrics) and the
 *    signal handling on its own event base.
 * If PostgreSQL goes away the table keeps serving (never past nextUpdate:
 * ocsp_http answers tryLater then) and the sync thread reconnects with
 * backoff. */
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "admin_api.h"
#include "certfile.h"
#include "cli.h"
#include "crlpub.h"
#include "hex.h"
#include "json.h"
#include "lllog.h"
#include "issuer.h"
#include "keys.h"
#include "ocsp.h"
#include "ocsp_http.h"
#include "ocsp_table.h"
#include "presign.h"
#include "publish.h"
#include "respstatus.h"
#include "report.h"
#include "report_html.h"
#include "notify.h"
#include "retire.h"

#define RESIGN_INTERVAL 600   /* full re-sign sweep, seconds */
#define CRL_DEBOUNCE 5	      /* seconds after a revocation before the CRL run */
#define MAX_SERVED 64
#define MAX_SLOTS 16

enum role { ROLE_SIGNER = 1, ROLE_RESPONDER = 2, ROLE_SCHEDULER = 4 };

/* A served CA: its inventory key and, for live signing, its signer
 * material (signer role only). */
struct served {
	const struct cfg_ca *ca;
	int64_t key_id;
	struct ocsp_issuer_ids ids; /* of the chosen CA certificate */
	uint8_t *issuer_cert;
	size_t issuer_len;
	uint8_t *resp_cert;
	size_t resp_len;
	EVP_PKEY *sign_key;	    /* CA key or delegated responder key; NULL when keyless */
	/* Live signers: ocsp_signer is single-threaded, so each slot has its
	 * own; the number of slots is the key's session bound
	 * (cas[].key_sessions, default one per HTTP worker). */
	struct keys_meter *meter;   /* sign latency of this CA's OCSP key (/metrics) */
	struct signer_slot {
		pthread_mutex_t mu;
		struct ocsp_signer *signer;
	} slots[MAX_SLOTS];
	int nslots;
	atomic_uint next_slot;
};

/* CRL upkeep of one CA with a cas[].crl block (signer role): generated
 * after revocations (debounced) and refreshed before nextUpdate. */
struct crl_duty {
	const struct cfg_ca *ca;
	ll_time due;		/* generate at this time (0 = not due) */
	char since[40];		/* PostgreSQL time the first uncovered revocation was seen */
	ll_time next_check;	/* next look at the freshness of the last CRL */
};

struct daemon {
	struct cli_ctx *ctx;
	const struct cfg *cfg;
	int roles;
	struct ocsp_table *table;
	struct ocsp_http *http;
	struct served served[MAX_SERVED];
	size_t nserved;
	struct crl_duty crls[MAX_SERVED];
	size_t ncrls;
	/* sync state */
	pthread_t sync_thread;
	atomic_bool stop;
	atomic_bool loaded;	    /* initial load done: /healthz may say 200 */
	atomic_bool db_up;
	atomic_llong last_seq;
	atomic_llong last_sync;	    /* unix time of the last successful sync */
	atomic_ullong db_errors, signed_responses, crls_signed;
	/* live-signing rate limit: a token bucket refilled per second */
	atomic_llong tokens;
	atomic_llong token_second;
	int poll_ms;
	bool use_replica;	    /* responder-only with database.replica_url */
	atomic_bool on_standby;	    /* connected to a server in recovery */
	atomic_llong replica_lag_ms; /* measured on the standby; -1 = no replica */
	atomic_llong clock_skew_us;  /* this host minus PostgreSQL */
	atomic_bool clock_ok;	    /* |skew| <= clock.max_skew: signing allowed (D1) */
	atomic_ullong clock_refusals;
	struct notifier *notifier;
	atomic_int retire_pending; /* executed plans with follow-up steps not done */
};

/* ---- live signing (nonce echo, several CertIDs, signed unknown) ----- */

static bool take_token(struct daemon *d)
{
	long long now = (long long)ll_now(), sec = atomic_load(&d->token_second);

	if (d->cfg->ocsp_live_sign_rate <= 0)
		return false;
	if (sec != now && atomic_compare_exchange_strong(&d->token_second, &sec, now))
		atomic_store(&d->tokens, d->cfg->ocsp_live_sign_rate);
	return atomic_fetch_sub(&d->tokens, 1) > 0;
}

static struct served *served_by_key(struct daemon *d, int64_t key_id)
{
	size_t i;

	for (i = 0; i < d->nserved; i++)
		if (d->served[i].key_id == key_id)
			return &d->served[i];
	return NULL;
}

static struct keys_meter *meter_for(struct daemon *d, const struct cfg_ca *ca)
{
	size_t i;

	for (i = 0; i < d->nserved; i++)
		if (d->served[i].ca == ca)
			return d->served[i].meter;
	return NULL;
}

static double since_mono(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static enum ocsp_resp_status live_sign(void *arg, int64_t issuer_id, const struct ocsp_request *req,
				       bool unknown_serial, struct ll_buf *out)
{
	struct daemon *d = arg;
	struct served *sv = served_by_key(d, issuer_id);
	struct ocsp_single singles[64];
	struct ll_err err;
	ll_time now = ll_now();
	size_t i;
	enum ocsp_resp_status st = OCSP_SUCCESSFUL;
	struct signer_slot *slot;

	if (!sv || !sv->sign_key || req->n > 64)
		return OCSP_UNAUTHORIZED;
	if (!atomic_load(&d->clock_ok)) {
		/* D1: a skewed clock signs wrong times; the pre-signed table
		 * still answers everything it can */
		atomic_fetch_add(&d->clock_refusals, 1);
		return OCSP_TRY_LATER;
	}
	if (!take_token(d))
		return OCSP_TRY_LATER;
	for (i = 0; i < req->n; i++) {
		const struct ocsp_certid *id = &req->ids[i];
		struct ocsp_blob *b = ocsp_table_get(d->table, id);
		struct respstatus rs = {OCSP_UNKNOWN, 0, -1};

		if (b) {
			bool ok = now < b->next_update && respstatus_parse(b->der, b->len, &rs);
			ocsp_blob_release(b);
			if (!ok)
				return OCSP_TRY_LATER;
		} else if (!d->cfg->ocsp_unknown_signed) {
			/* B14: never good, and unknown only when configured */
			return OCSP_UNAUTHORIZED;
		}
		singles[i] = (struct ocsp_single){
			.alg = id->alg,
			.issuer = &sv->ids,
			.serial = id->serial,
			.serial_len = id->serial_len,
			.status = rs.status,
			.revoked_at = rs.revoked_at,
			.reason = rs.reason,
			.this_update = now,
			.next_update = now + (d->cfg->ocsp_validity ? d->cfg->ocsp_validity : 4 * 86400) - 1,
		};
	}
	(void)unknown_serial;
	{
		/* a free slot if there is one, else wait for the round-robin one */
		unsigned start = atomic_fetch_add(&sv->next_slot, 1u) % (unsigned)sv->nslots;
		int k;

		slot = NULL;
		for (k = 0; k < sv->nslots && !slot; k++) {
			struct signer_slot *c = &sv->slots[(start + (unsigned)k) % (unsigned)sv->nslots];
			if (pthread_mutex_trylock(&c->mu) == 0)
				slot = c;
		}
		if (!slot) {
			slot = &sv->slots[start];
			pthread_mutex_lock(&slot->mu);
		}
	}
	if (!slot->signer)
		slot->signer = ocsp_signer_new(sv->issuer_cert, sv->issuer_len,
					     sv->resp_cert ? NULL : sv->sign_key, sv->resp_cert,
					     sv->resp_len, sv->resp_cert ? sv->sign_key : NULL, now, &err);
	if (slot->signer) {
		ll_time cap = ocsp_signer_not_after(slot->signer);
		for (i = 0; i < req->n; i++)
			if (singles[i].next_update > cap)
				singles[i].next_update = cap;
		struct timespec t0;
		bool signed_ok;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		signed_ok = ocsp_sign(slot->signer, singles, req->n, now, req->has_nonce ? req->nonce : NULL,
				      req->has_nonce ? req->nonce_len : 0, out, &err);
		if (signed_ok)
			keys_meter_observe(sv->meter, since_mono(&t0));
		if (!signed_ok) {
			ll_logfmt("error", "live signing for %s failed: %s", sv->ca->name, err.msg);
			st = OCSP_INTERNAL_ERROR;
		}
	} else {
		ll_logfmt("error", "no signer for %s: %s", sv->ca->name, err.msg);
		st = OCSP_INTERNAL_ERROR;
	}
	pthread_mutex_unlock(&slot->mu);
	return st;
}

/* ---- the served CAs ------------------------------------------------- */

/* Registers every (name hash, key hash) pair of every CA certificate of
 * each served key (E3, E20), and loads signer material for the signer
 * role. A responder-only process never opens a key file. */
static bool setup_served(struct daemon *d, struct store *s, struct ll_err *err)
{
	size_t i;

	for (i = 0; i < d->cfg->ncas; i++) {
		const struct cfg_ca *ca = &d->cfg->cas[i];
		struct served *sv;
		struct issuer_info ii;
		const char *p[1];
		PGresult *r;
		int k;

		if (!ca->ocsp.set)
			continue;
		if (d->nserved == MAX_SERVED)
			return ll_err_set(err, "more than %d CAs with OCSP", MAX_SERVED);
		sv = &d->served[d->nserved];
		memset(sv, 0, sizeof(*sv));
		sv->nslots = keys_sessions_for(ca->ocsp.responder_cert ? ca->ocsp.responder_key : ca->key,
					       ca->key_sessions);
		if (sv->nslots <= 0) /* file key, no bound: one slot per HTTP worker */
			sv->nslots = d->cfg->ocsp_threads > 0 ? d->cfg->ocsp_threads
							      : (int)sysconf(_SC_NPROCESSORS_ONLN);
		if (sv->nslots < 1)
			sv->nslots = 1;
		if (sv->nslots > MAX_SLOTS)
			sv->nslots = MAX_SLOTS;
		for (k = 0; k < sv->nslots; k++)
			pthread_mutex_init(&sv->slots[k].mu, NULL);
		sv->meter = keys_meter_new();
		if (!sv->meter)
			return ll_err_set(err, "out of memory");
		sv->ca = ca;
		if (!issuer_load(s, ca->name, &ii, err))
			return false;
		sv->key_id = strtoll(ii.key_id, NULL, 10);
		d->nserved++;
		p[0] = ii.key_id;
		r = store_query(s, "SELECT der FROM ca_cert WHERE key_id = $1", 1, p, err);
		if (!r) {
			issuer_free(&ii);
			return false;
		}
		for (k = 0; k < PQntuples(r); k++) {
			uint8_t der[8192];
			size_t dl;
			struct ocsp_issuer_ids ids;

			if (store_parse_bytea(PQgetvalue(r, k, 0), der, sizeof(der), &dl) &&
			    ocsp_issuer_ids_from_cert(der, dl, &ids, err))
				ocsp_table_add_issuer(d->table, &ids, sv->key_id);
		}
		PQclear(r);
		if (ii.no_duty) {
			issuer_free(&ii);
			continue;
		}
		sv->issuer_cert = ii.cert;
		sv->issuer_len = ii.cert_len;
		if (!ocsp_issuer_ids_from_cert(ii.cert, ii.cert_len, &sv->ids, err))
			return false;
		if (!(d->roles & ROLE_SIGNER))
			continue;
		if (ca->ocsp.responder_cert) {
			struct certfile cf;

			if (!certfile_load(ca->ocsp.responder_cert, &cf, err))
				return false;
			sv->resp_cert = cf.certs[0].der;
			sv->resp_len = cf.certs[0].len;
			cf.certs[0].der = NULL;
			certfile_free(&cf);
			sv->sign_key = keys_load(ca->ocsp.responder_key, err);
		} else {
			sv->sign_key = keys_load(ca->key, err);
		}
		if (!sv->sign_key)
			return ll_err_prefix(err, "CA '%s'", ca->name);
	}
	return true;
}

static void free_served(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->nserved; i++) {
		for (int k = 0; k < d->served[i].nslots; k++) {
			ocsp_signer_free(d->served[i].slots[k].signer);
			pthread_mutex_destroy(&d->served[i].slots[k].mu);
		}
		EVP_PKEY_free(d->served[i].sign_key);
		keys_meter_free(d->served[i].meter);
		free(d->served[i].issuer_cert);
		free(d->served[i].resp_cert);
	}
	d->nserved = 0;
}

/* ---- sync: changes since N ------------------------------------------ */

/* Pulls responses and tombstones with change_seq > last_seq into the
 * table, in pages. */
static bool pull_changes(struct daemon *d, struct store *s, struct ll_err *err)
{
	for (;;) {
		char last[32];
		const char *p[1] = {last};
		int fmts[1] = {0}, i, n;
		PGresult *r;
		long long max = atomic_load(&d->last_seq);

		snprintf(last, sizeof(last), "%lld", max);
		r = PQexecParams(store_pg(s),
			/* each branch is limited on its own, so PostgreSQL walks the
			 * change_seq indexes instead of sorting the whole table per page */
			"(SELECT issuer_key_id, serial, hash_alg, this_update, next_update, der, change_seq, "
			"false FROM ocsp_response WHERE change_seq > $1::bigint ORDER BY change_seq LIMIT 20000) "
			"UNION ALL (SELECT issuer_key_id, serial, 0::int2, NULL, NULL, NULL, change_seq, true "
			"FROM ocsp_tombstone WHERE change_seq > $1::bigint ORDER BY change_seq LIMIT 20000) "
			"ORDER BY 7 LIMIT 20000", 1, NULL, p, NULL, fmts, 1);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			ll_err_set(err, "database: %s", PQerrorMessage(store_pg(s)));
			PQclear(r);
			return false;
		}
		n = PQntuples(r);
		for (i = 0; i < n; i++) {
			int64_t key = store_bin_i64(PQgetvalue(r, i, 0));
			struct served *sv = served_by_key(d, key);
			const uint8_t *serial = (const uint8_t *)PQgetvalue(r, i, 1);
			size_t slen = (size_t)PQgetlength(r, i, 1);
			long long seq = store_bin_i64(PQgetvalue(r, i, 6));
			const char *tomb = PQgetvalue(r, i, 7);

			if (seq > max)
				max = seq;
			if (!sv)
				continue;
			if (tomb[0]) {
				ocsp_table_remove(d->table, OCSP_HASH_SHA1, sv->ids.key_sha1, serial, slen);
				ocsp_table_remove(d->table, OCSP_HASH_SHA256, sv->ids.key_sha256, serial, slen);
				continue;
			}
			{
				const char *a = PQgetvalue(r, i, 2);
				int alg = ((uint8_t)a[0] << 8) | (uint8_t)a[1];

				if (!ocsp_table_put(d->table, alg ? OCSP_HASH_SHA256 : OCSP_HASH_SHA1,
						    alg ? sv->ids.key_sha256 : sv->ids.key_sha1, serial, slen,
						    (const uint8_t *)PQgetvalue(r, i, 5),
						    (size_t)PQgetlength(r, i, 5), store_bin_ts(PQgetvalue(r, i, 3)),
						    store_bin_ts(PQgetvalue(r, i, 4)))) {
					PQclear(r);
					return ll_err_set(err, "out of memory filling the response table");
				}
			}
		}
		PQclear(r);
		atomic_store(&d->last_seq, max);
		if (n == 0 && max > 0) {
			/* After a restore from backup the sequence can be behind what
			 * we have seen; changes numbered below last_seq would be
			 * missed, so start over from 0 when that happens. */
			PGresult *q = PQexec(store_pg(s),
				"SELECT greatest((SELECT max(change_seq) FROM ocsp_response), "
				"(SELECT max(change_seq) FROM ocsp_tombstone))");
			bool behind = PQresultStatus(q) == PGRES_TUPLES_OK && !PQgetisnull(q, 0, 0) &&
				      atoll(PQgetvalue(q, 0, 0)) < max;
			PQclear(q);
			if (behind) {
				ll_logfmt("warn", "the database's change sequence is behind ours (restored from "
					       "a backup?): reloading every response");
				atomic_store(&d->last_seq, 0);
				continue;
			}
		}
		if (n < 20000)
			return true;
	}
}

static const struct cfg_ca *ca_by_key(struct daemon *d, struct store *s, const char *key_id)
{
	const char *p[1] = {key_id};
	struct ll_err err;
	PGresult *r = store_query(s, "SELECT name FROM ca_key WHERE id = $1", 1, p, &err);
	const struct cfg_ca *ca = NULL;

	if (r && PQntuples(r) && !PQgetisnull(r, 0, 0))
		ca = cfg_find_ca(d->cfg, PQgetvalue(r, 0, 0));
	PQclear(r);
	return ca;
}

/* Schedules a CRL run for ca after a revocation. `since` is read from
 * PostgreSQL now that the revocation is visible: a CRL recorded after it
 * (by any signer) covers the revocation, so the run is skipped then. */
static void mark_crl_due(struct daemon *d, struct store *s, const struct cfg_ca *ca)
{
	size_t i;

	for (i = 0; i < d->ncrls; i++) {
		struct crl_duty *cd = &d->crls[i];
		struct ll_err err;
		PGresult *r;

		if (cd->ca != ca || cd->due)
			continue; /* keep the earliest uncovered time */
		r = store_query(s, "SELECT clock_timestamp()::text", 0, NULL, &err);
		snprintf(cd->since, sizeof(cd->since), "%s", r ? PQgetvalue(r, 0, 0) : "-infinity");
		PQclear(r);
		cd->due = ll_now() + CRL_DEBOUNCE;
	}
}

/* Handles one NOTIFY (signer role): a revoked serial is re-signed at once
 * and its CA's CRL is scheduled; an import signs the new leaves. */
static void on_notify(struct daemon *d, struct store *s, const char *chan, const char *payload)
{
	struct presign_opts o = {0};
	struct presign_stats st;
	struct ll_err err;

	if (strcmp(chan, "lastleaf_revocation") == 0 && strncmp(payload, "leaf:", 5) == 0) {
		char key[24];
		const char *hex = strchr(payload + 5, ':');
		uint8_t serial[64];
		size_t sl;
		const struct cfg_ca *ca;

		if (!hex || (size_t)(hex - payload - 5) >= sizeof(key))
			return;
		snprintf(key, sizeof(key), "%.*s", (int)(hex - payload - 5), payload + 5);
		ca = ca_by_key(d, s, key);
		if (!ca || !ll_hex_decode(hex + 1, serial, sizeof(serial), &sl))
			return;
		if (ca->ocsp.set) {
			o.only_serial = serial;
			o.only_serial_len = sl;
			o.meter = meter_for(d, ca);
			if (!presign_ca(s, d->cfg, ca, &o, &st, NULL, &err))
				ll_logfmt("error", "re-signing after a revocation (%s) failed: %s", ca->name, err.msg);
			else
				atomic_fetch_add(&d->signed_responses, (unsigned long long)st.responses);
		}
		mark_crl_due(d, s, ca);
	} else if (strcmp(chan, "lastleaf_revocation") == 0 && strncmp(payload, "ca:", 3) == 0) {
		/* a CA certificate: its issuer's OCSP answer and CRL change */
		const char *p[1] = {payload + 3};
		PGresult *r = store_query(s, "SELECT issuer_key_id, serial FROM ca_cert WHERE "
					     "encode(sha256, 'hex') = $1", 1, p, &err);
		if (r && PQntuples(r) && !PQgetisnull(r, 0, 0)) {
			const struct cfg_ca *ca = ca_by_key(d, s, PQgetvalue(r, 0, 0));
			uint8_t serial[64];
			size_t sl;

			if (ca && ca->ocsp.set &&
			    store_parse_bytea(PQgetvalue(r, 0, 1), serial, sizeof(serial), &sl)) {
				o.only_serial = serial;
				o.only_serial_len = sl;
				o.meter = meter_for(d, ca);
			if (!presign_ca(s, d->cfg, ca, &o, &st, NULL, &err))
					ll_logfmt("error", "re-signing for a revoked CA certificate failed: %s",
					       err.msg);
			}
			if (ca)
				mark_crl_due(d, s, ca);
		}
		PQclear(r);
	} else if (strcmp(chan, "lastleaf_import") == 0) {
		size_t i;

		for (i = 0; i < d->nserved; i++) {
			o.meter = d->served[i].meter;
			if (!presign_ca(s, d->cfg, d->served[i].ca, &o, &st, NULL, &err))
				ll_logfmt("error", "signing imported leaves of %s failed: %s",
				       d->served[i].ca->name, err.msg);
			else
				atomic_fetch_add(&d->signed_responses, (unsigned long long)st.responses);
		}
	}
}

static void run_timers(struct daemon *d, struct store *s, ll_time *last_sweep, ll_time *last_retire)
{
	ll_time now = ll_now();
	size_t i;

	/* scheduler: due retirement plans, at start and every minute, so a
	 * plan that fell due while no daemon ran is executed at the next start */
	if ((d->roles & ROLE_SCHEDULER) && now - *last_retire >= 60) {
		int executed, pending;
		struct ll_err err;

		if (!retire_run(s, d->cfg, NULL, &executed, &pending, &err)) {
			char ev[1200];
			struct json_out j;

			ll_logfmt("error", "retirement run failed: %s", err.msg);
			json_init(&j);
			json_obj_begin(&j);
			json_kv_str(&j, "event", "failure");
			json_kv_str(&j, "error", err.msg);
			json_obj_end(&j);
			snprintf(ev, sizeof(ev), "%s", json_str(&j));
			json_free(&j);
			notifier_send(d->notifier, ev);
		} else {
			atomic_store(&d->retire_pending, pending);
			if (executed || pending)
				ll_logfmt(pending ? "warn" : "info",
				       "retirement: executed %d plan(s), %d with steps pending", executed, pending);
		}
		notifier_scan(d->notifier, s);
		*last_retire = now;
	}

	if ((d->roles & ROLE_SIGNER) && now - *last_sweep >= RESIGN_INTERVAL) {
		for (i = 0; i < d->nserved; i++) {
			struct presign_opts o = {0};
			struct presign_stats st;
			struct ll_err err;

			o.meter = d->served[i].meter;
			if (!presign_ca(s, d->cfg, d->served[i].ca, &o, &st, NULL, &err))
				ll_logfmt("error", "re-signing sweep for %s failed: %s", d->served[i].ca->name,
				       err.msg);
			else if (st.responses)
				ll_logfmt("info", "re-signed %lld responses for %s", (long long)st.responses,
				       d->served[i].ca->name);
			atomic_fetch_add(&d->signed_responses, (unsigned long long)st.responses);
		}
		*last_sweep = now;
	}
	if (!(d->roles & ROLE_SIGNER))
		return;
	for (i = 0; i < d->ncrls; i++) {
		struct crl_duty *cd = &d->crls[i];
		struct crlpub_result res;
		struct ll_err err;

		if (!cd->due && now >= cd->next_check) {
			/* refresh: no CRL of this key recorded in the last half of its
			 * window (any signer's counts) -> generate one now */
			int64_t win = cd->ca->crl.next_update ? cd->ca->crl.next_update : 7 * 86400;
			char half[32];
			const char *p[2] = {cd->ca->name, half};
			PGresult *r;

			snprintf(half, sizeof(half), "%lld", (long long)(win / 2));
			r = store_query(s, "SELECT (now() - $2::bigint * interval '1 second')::text, "
					   "NOT EXISTS (SELECT 1 FROM crl c JOIN ca_key k ON k.id = c.issuer_key_id "
					   "WHERE k.name = $1 AND c.created_at > now() - $2::bigint * interval '1 second')",
					2, p, &err);
			if (r && strcmp(PQgetvalue(r, 0, 1), "t") == 0) {
				snprintf(cd->since, sizeof(cd->since), "%s", PQgetvalue(r, 0, 0));
				cd->due = now;
			}
			PQclear(r);
			cd->next_check = now + 60;
		}
		if (!cd->due || now < cd->due)
			continue;
		if (!crlpub_generate_since(s, d->cfg, cd->ca, cd->since, &res, &err)) {
			ll_logfmt("error", "CRL generation for %s failed (retry in a minute): %s", cd->ca->name,
			       err.msg);
			cd->due = now + 60;
			continue;
		}
		cd->due = 0;
		if (res.skipped)
			ll_logfmt("info", "CRL for %s already generated by another signer", cd->ca->name);
		else if (res.signed_crls)
			ll_logfmt("info", "published %d CRL(s) for %s", res.published, cd->ca->name);
		atomic_fetch_add(&d->crls_signed, (unsigned long long)res.signed_crls);
	}
}

/* Replication lag of the standby we read from: 0 when it has replayed
 * everything it received and is streaming; otherwise the age of the last
 * replayed transaction (the primary may have more we cannot see). */
static void measure_lag(struct daemon *d, struct store *s)
{
	struct ll_err err;
	PGresult *r = store_query(s,
		"SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() "
		"AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0 "
		"ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) "
		"* 1000, 0) END::bigint", 0, NULL, &err);

	if (r) {
		long long ms = atoll(PQgetvalue(r, 0, 0));
		atomic_store(&d->replica_lag_ms, ms < 0 ? 0 : ms);
	}
	PQclear(r);
}

/* D1: compare clocks; signing (live and by the timers) stops while the
 * skew is over clock.max_skew. */
static void measure_clock(struct daemon *d, struct store *s)
{
	struct ll_err err;
	double skew;
	bool ok;

	if (!store_clock_skew(s, &skew, &err))
		return;
	atomic_store(&d->clock_skew_us, (long long)(skew * 1e6));
	ok = d->cfg->clock_max_skew <= 0 || (skew <= (double)d->cfg->clock_max_skew &&
					     skew >= -(double)d->cfg->clock_max_skew);
	if (ok != atomic_load(&d->clock_ok))
		ll_logfmt(ok ? "info" : "error", "clock skew %+.3f s against PostgreSQL: signing %s (D1)", skew,
		       ok ? "resumed" : "REFUSED until the clock is fixed");
	atomic_store(&d->clock_ok, ok);
}

static void *sync_main(void *arg)
{
	struct daemon *d = arg;
	struct store *s = NULL, *wake = NULL;
	ll_time last_sweep = 0, last_retire = 0, last_clock = 0, last_wake_try = 0;
	int backoff = 1, fast = 0;

	while (!atomic_load(&d->stop)) {
		struct ll_err err;
		struct pollfd pfd[2];
		PGnotify *nt;
		int waited, nfds, total;

		if (!s) {
			PGresult *rr;
			bool standby = false;

			s = d->use_replica ? store_open_replica(d->cfg, &err) : store_open(d->cfg, &err);
			/* hot standbys refuse LISTEN: they are polled (database.poll_interval) */
			rr = s ? store_query(s, "SELECT pg_is_in_recovery()", 0, NULL, &err) : NULL;
			if (rr)
				standby = strcmp(PQgetvalue(rr, 0, 0), "t") == 0;
			PQclear(rr);
			atomic_store(&d->on_standby, standby);
			if (!s || !rr || (!standby && (!store_exec(s, "LISTEN lastleaf_revocation", &err) ||
			    !store_exec(s, "LISTEN lastleaf_import", &err) ||
			    !store_exec(s, "LISTEN lastleaf_ocsp", &err)))) {
				store_close(s);
				s = NULL;
				atomic_store(&d->db_up, false);
				atomic_fetch_add(&d->db_errors, 1);
				ll_logfmt("warn", "database unreachable, serving from memory (retry in %d s): %s",
				       backoff, err.msg);
				for (int k = 0; k < backoff * 10 && !atomic_load(&d->stop); k++)
					usleep(100000);
				backoff = backoff < 30 ? backoff * 2 : 30;
				continue;
			}
			backoff = 1;
			atomic_store(&d->db_up, true);
			ll_logfmt("info", "database connected (%s%s)",
			       d->use_replica ? "database.replica_url" : store_describe_source(d->cfg),
			       standby ? ", a hot standby: polling" : "");
		}
		if (!atomic_load(&d->on_standby) && (d->roles & (ROLE_SIGNER | ROLE_SCHEDULER)) &&
		    ll_now() - last_clock >= 10) {
			measure_clock(d, s);
			last_clock = ll_now();
		}
		if (atomic_load(&d->clock_ok))
			run_timers(d, s, &last_sweep, &last_retire);
		/* only a responder serves from memory: signers and schedulers
		 * skip the table (and its RAM) */
		if ((d->roles & ROLE_RESPONDER) && !pull_changes(d, s, &err))
			goto dberr;
		if (d->use_replica) {
			if (atomic_load(&d->on_standby))
				measure_lag(d, s);
			else
				atomic_store(&d->replica_lag_ms, 0);
		}
		atomic_store(&d->last_sync, (long long)ll_now());
		if (!atomic_load(&d->loaded)) {
			struct ocsp_table_stats ts;

			ocsp_table_stats(d->table, &ts);
			ll_logfmt("info", "loaded %zu responses (%zu bytes) into memory; serving", ts.entries,
			       ts.bytes);
			atomic_store(&d->loaded, true);
		}
		/* A responder on a standby also listens on the primary when
		 * database.url is set: a NOTIFY there wakes it before the next
		 * poll. Best effort; polling alone is always correct. */
		if (d->use_replica && atomic_load(&d->on_standby) && d->cfg->database_url && !wake &&
		    ll_now() - last_wake_try >= 30) {
			last_wake_try = ll_now();
			wake = store_open(d->cfg, &err);
			if (wake && !store_exec(wake, "LISTEN lastleaf_ocsp", &err)) {
				store_close(wake);
				wake = NULL;
			}
		}
		pfd[0].fd = PQsocket(store_pg(s));
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		nfds = 1;
		if (wake) {
			pfd[1].fd = PQsocket(store_pg(wake));
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			nfds = 2;
		}
		/* wait in slices so SIGTERM never waits for a long poll_interval */
		total = fast > 0 ? 250 : d->poll_ms;
		if (fast > 0)
			fast--;
		for (waited = 0; waited < total && !atomic_load(&d->stop); waited += 250) {
			int slice = total - waited < 250 ? total - waited : 250;
			int pr = poll(pfd, (nfds_t)nfds, slice);

			if (pr < 0 && errno != EINTR)
				goto dberr;
			if (pr > 0)
				break;
		}
		if (wake) {
			if (!PQconsumeInput(store_pg(wake)) || PQstatus(store_pg(wake)) != CONNECTION_OK) {
				store_close(wake);
				wake = NULL;
			} else {
				/* only a wake-up: the standby is the source, and may not
				 * have replayed the change yet, so poll fast for ~5 s */
				while ((nt = PQnotifies(store_pg(wake))) != NULL) {
					PQfreemem(nt);
					fast = 20;
				}
			}
		}
		if (!PQconsumeInput(store_pg(s)))
			goto dberr;
		while ((nt = PQnotifies(store_pg(s))) != NULL) {
			if (d->roles & ROLE_SIGNER)
				on_notify(d, s, nt->relname, nt->extra);
			PQfreemem(nt);
		}
		if (PQstatus(store_pg(s)) != CONNECTION_OK)
			goto dberr;
		continue;
dberr:
		atomic_fetch_add(&d->db_errors, 1);
		atomic_store(&d->db_up, false);
		ll_logfmt("warn", "database connection lost, serving from memory: %s",
		       PQerrorMessage(store_pg(s)));
		store_close(s);
		s = NULL;
	}
	store_close(wake);
	store_close(s);
	return NULL;
}

/* ---- admin listener ------------------------------------------------- */

static void send_text(struct evhttp_request *req, int code, const char *ctype, const char *body)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-cache");
	if (b) {
		evbuffer_add(b, body, strlen(body));
		evhttp_send_reply(req, code, code == 200 ? "OK" : "Service Unavailable", b);
		evbuffer_free(b);
	} else {
		evhttp_send_error(req, 500, NULL);
	}
}

/* Seconds the data we serve may be behind the primary: measured on the
 * standby while connected, the time since the last good sync while the
 * replica is unreachable, -1 when no replica is used. */
static double daemon_replica_lag(struct daemon *d, ll_time now)
{
	long long last = atomic_load(&d->last_sync);

	if (!d->use_replica)
		return -1;
	if (!atomic_load(&d->db_up))
		return last ? (double)(now - last) : (double)now;
	return (double)atomic_load(&d->replica_lag_ms) / 1000.0;
}

static void admin_healthz(struct evhttp_request *req, void *arg)
{
	struct daemon *d = arg;
	struct ocsp_table_stats ts;
	char body[768];
	ll_time now = ll_now();
	bool loaded = atomic_load(&d->loaded), up = atomic_load(&d->db_up);
	double lag = daemon_replica_lag(d, now);

	ocsp_table_stats(d->table, &ts);
	snprintf(body, sizeof(body),
		 "{\"status\": \"%s\", \"database\": \"%s\", \"responses\": %zu, "
		 "\"oldest_response_age_seconds\": %lld, \"next_expiry_seconds\": %lld, "
		 "\"last_sync_age_seconds\": %lld, \"retirement_steps_pending\": %d, "
		 "\"replica_lag_seconds\": %.3f, \"clock_skew_seconds\": %.3f, \"clock_ok\": %s}\n",
		 !loaded ? "starting" : up ? "ok" : "degraded", up ? "up" : "down", ts.entries,
		 ts.entries ? (long long)(now - ts.oldest_this_update) : 0LL,
		 ts.entries ? (long long)(ts.next_expiry - now) : 0LL,
		 atomic_load(&d->last_sync) ? (long long)(now - atomic_load(&d->last_sync)) : -1LL,
		 atomic_load(&d->retire_pending), lag, (double)atomic_load(&d->clock_skew_us) / 1e6,
		 atomic_load(&d->clock_ok) ? "true" : "false");
	/* 200 once every live leaf is in memory, also when degraded: the
	 * responder still answers correctly from memory */
	send_text(req, loaded ? 200 : 503, "application/json", body);
}

static void emit_evbuffer(void *arg, const char *line, size_t len)
{
	evbuffer_add(arg, line, len);
}

static void admin_metrics(struct evhttp_request *req, void *arg)
{
	static const char *const bounds[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025",
					     "0.005", "0.01", "+Inf"};
	struct daemon *d = arg;
	const struct ocsp_http_metrics *m = d->http ? ocsp_http_metrics(d->http) : NULL;
	struct ocsp_table_stats ts;
	struct evbuffer *b = evbuffer_new();
	unsigned long long cum = 0;
	int i;

	if (!b) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	ocsp_table_stats(d->table, &ts);
	if (!m)
		goto common; /* no responder role: no OCSP HTTP counters */
	evbuffer_add_printf(b, "# HELP lastleaf_ocsp_requests_total OCSP requests by result.\n"
			       "# TYPE lastleaf_ocsp_requests_total counter\n");
#define RES(name, field) \
	evbuffer_add_printf(b, "lastleaf_ocsp_requests_total{result=\"%s\"} %llu\n", name, \
			    (unsigned long long)atomic_load(&m->field))
	RES("successful", ok);
	RES("not_modified", not_modified);
	RES("malformed_request", malformed);
	RES("unauthorized", unauthorized);
	RES("try_later", try_later);
	RES("internal_error", internal);
	RES("live_signed", live_signed);
#undef RES
	evbuffer_add_printf(b, "# TYPE lastleaf_crl_requests_total counter\nlastleaf_crl_requests_total %llu\n",
			    (unsigned long long)atomic_load(&m->crl_served));
	evbuffer_add_printf(b, "# TYPE lastleaf_http_errors_total counter\nlastleaf_http_errors_total %llu\n",
			    (unsigned long long)atomic_load(&m->http_errors));
	evbuffer_add_printf(b, "# TYPE lastleaf_connections_rejected_total counter\n"
			       "lastleaf_connections_rejected_total %llu\n",
			    (unsigned long long)atomic_load(&m->connections_rejected));
	evbuffer_add_printf(b, "# HELP lastleaf_ocsp_request_duration_seconds Time to answer.\n"
			       "# TYPE lastleaf_ocsp_request_duration_seconds histogram\n");
	for (i = 0; i < 8; i++) {
		cum += atomic_load(&m->latency_bucket[i]);
		evbuffer_add_printf(b, "lastleaf_ocsp_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
				    bounds[i], cum);
	}
	evbuffer_add_printf(b, "lastleaf_ocsp_request_duration_seconds_sum %.6f\n"
			       "lastleaf_ocsp_request_duration_seconds_count %llu\n",
			    (double)atomic_load(&m->latency_sum_us) / 1e6, cum);
	evbuffer_add_printf(b, "# TYPE lastleaf_ocsp_responses_in_memory gauge\n"
			       "lastleaf_ocsp_responses_in_memory %zu\n"
			       "# TYPE lastleaf_ocsp_response_bytes_in_memory gauge\n"
			       "lastleaf_ocsp_response_bytes_in_memory %zu\n"
			       "# TYPE lastleaf_ocsp_next_expiry_timestamp_seconds gauge\n"
			       "lastleaf_ocsp_next_expiry_timestamp_seconds %lld\n"
			       "# TYPE lastleaf_ocsp_oldest_response_timestamp_seconds gauge\n"
			       "lastleaf_ocsp_oldest_response_timestamp_seconds %lld\n",
			    ts.entries, ts.bytes, (long long)ts.next_expiry, (long long)ts.oldest_this_update);
common:
	evbuffer_add_printf(b, "# TYPE lastleaf_ocsp_signed_total counter\nlastleaf_ocsp_signed_total %llu\n"
			       "# TYPE lastleaf_crl_signed_total counter\nlastleaf_crl_signed_total %llu\n"
			       "# TYPE lastleaf_db_errors_total counter\nlastleaf_db_errors_total %llu\n"
			       "# TYPE lastleaf_db_up gauge\nlastleaf_db_up %d\n"
			       "# TYPE lastleaf_ocsp_change_seq gauge\nlastleaf_ocsp_change_seq %lld\n",
			    (unsigned long long)atomic_load(&d->signed_responses),
			    (unsigned long long)atomic_load(&d->crls_signed),
			    (unsigned long long)atomic_load(&d->db_errors), atomic_load(&d->db_up) ? 1 : 0,
			    (long long)atomic_load(&d->last_seq));
	evbuffer_add_printf(b, "# HELP lastleaf_sign_duration_seconds Time to make one signature, per CA and key.\n"
			       "# TYPE lastleaf_sign_duration_seconds histogram\n");
	for (size_t k = 0; k < d->nserved; k++)
		if (d->served[k].meter)
			keys_meter_write(d->served[k].meter, "lastleaf_sign_duration_seconds",
					 d->served[k].ca->name, d->served[k].resp_cert ? "responder" : "ca",
					 emit_evbuffer, b);
	evbuffer_add_printf(b, "# HELP lastleaf_replica_lag_seconds How far the served data may be behind the primary (-1: no replica).\n"
			       "# TYPE lastleaf_replica_lag_seconds gauge\nlastleaf_replica_lag_seconds %.3f\n"
			       "# HELP lastleaf_clock_skew_seconds This host's clock minus PostgreSQL's.\n"
			       "# TYPE lastleaf_clock_skew_seconds gauge\nlastleaf_clock_skew_seconds %.6f\n"
			       "# HELP lastleaf_clock_skew_alarm 1 while the skew exceeds clock.max_skew and signing is refused (D1).\n"
			       "# TYPE lastleaf_clock_skew_alarm gauge\nlastleaf_clock_skew_alarm %d\n"
			       "# TYPE lastleaf_clock_refusals_total counter\nlastleaf_clock_refusals_total %llu\n",
			    daemon_replica_lag(d, ll_now()), (double)atomic_load(&d->clock_skew_us) / 1e6,
			    atomic_load(&d->clock_ok) ? 0 : 1,
			    (unsigned long long)atomic_load(&d->clock_refusals));
	if (d->roles != ROLE_RESPONDER) {
		/* retirement gauges, read from the database at scrape time */
		struct ll_err err;
		struct store *s = store_open(d->cfg, &err);
		PGresult *r = s ? store_query(s,
			"SELECT encode(c.sha256, 'hex'), coalesce(k.name, ''), extract(epoch FROM p.due_at - now())::bigint, "
			"p.live_dependents, p.violations, cardinality(p.steps_pending) FROM retire_plan p "
			"JOIN ca_cert c ON c.id = p.ca_cert_id JOIN ca_key k ON k.id = c.key_id "
			"WHERE p.state <> 'cancelled'", 0, NULL, &err) : NULL;
		int n;

		static const struct {
			const char *name, *help;
			int col;
		} gauges[] = {
			{"lastleaf_retirement_due_seconds", "Seconds until a plan is due (negative: overdue).", 2},
			{"lastleaf_retirement_live_dependents", "Live leaves the plan waits for.", 3},
			{"lastleaf_retirement_violations", "Leaves issued after the freeze.", 4},
			{"lastleaf_retirement_steps_pending", "Follow-up steps of an executed plan not done yet.", 5},
		};

		for (size_t g = 0; g < sizeof(gauges) / sizeof(gauges[0]); g++) {
			evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g].name, gauges[g].help,
					    gauges[g].name);
			for (n = 0; r && n < PQntuples(r); n++)
				evbuffer_add_printf(b, "%s{ca_cert=\"%s\",ca=\"%s\"} %s\n", gauges[g].name,
						    PQgetvalue(r, n, 0), PQgetvalue(r, n, 1),
						    PQgetvalue(r, n, gauges[g].col));
		}
		PQclear(r);
		store_close(s);
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* GET /api/v1/report (JSON) and GET /report (HTML): the same report as
 * the CLI, on a short-lived connection (admin traffic is light). */
static void admin_report(struct evhttp_request *req, void *arg, bool html)
{
	struct daemon *d = arg;
	struct ll_err err;
	struct store *s = store_open(d->cfg, &err);
	struct report rep;
	struct evbuffer *b = evbuffer_new();

	memset(&rep, 0, sizeof(rep));
	if (!s || !b || !report_build(s, NULL, ll_now(), &rep, &err)) {
		send_text(req, 503, "application/json", "{\"error\": \"database unavailable\"}\n");
		goto out;
	}
	if (html) {
		struct ll_buf hb;

		ll_buf_init(&hb, (size_t)64 << 20);
		if (report_html(&rep, &hb))
			evbuffer_add(b, hb.data, hb.len);
		ll_buf_free(&hb);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/html; charset=utf-8");
	} else {
		struct json_out j;

		json_init(&j);
		report_json(&rep, &j);
		evbuffer_add(b, json_str(&j), strlen(json_str(&j)));
		json_free(&j);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-cache");
	evhttp_send_reply(req, 200, "OK", b);
out:
	if (b)
		evbuffer_free(b);
	report_free(&rep);
	store_close(s);
}

static void admin_report_json(struct evhttp_request *req, void *arg)
{
	admin_report(req, arg, false);
}

static void admin_report_html(struct evhttp_request *req, void *arg)
{
	admin_report(req, arg, true);
}

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct event_base *base = arg;

	(void)ev;
	ll_logfmt("info", "%s received: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(base);
}

static void on_hup(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon *d = arg;
	size_t i;

	(void)sig;
	(void)ev;
	/* Reload keys: drop cached signers so the next live signature, and
	 * the presigner which loads keys per run, use the files as they are
	 * now. Structural config changes need a restart. */
	for (i = 0; i < d->nserved; i++) {
		struct served *sv = &d->served[i];
		int k;

		/* every slot, so no signature is in flight while the key changes */
		for (k = 0; k < sv->nslots; k++) {
			pthread_mutex_lock(&sv->slots[k].mu);
			ocsp_signer_free(sv->slots[k].signer);
			sv->slots[k].signer = NULL;
		}
		if (d->served[i].sign_key) {
			struct ll_err err;
			EVP_PKEY *nk = d->served[i].resp_cert
				? keys_load(d->served[i].ca->ocsp.responder_key, &err)
				: keys_load(d->served[i].ca->key, &err);
			if (nk) {
				EVP_PKEY_free(d->served[i].sign_key);
				d->served[i].sign_key = nk;
			} else {
				ll_logfmt("error", "SIGHUP: keeping the old key for %s: %s",
				       d->served[i].ca->name, err.msg);
			}
		}
		for (k = 0; k < sv->nslots; k++)
			pthread_mutex_unlock(&sv->slots[k].mu);
	}
	ll_logfmt("info", "SIGHUP: keys reloaded");
}

static const char serve_usage[] =
	"usage: lastleaf serve [--roles signer,responder,scheduler]\n"
	"\n"
	"Runs in the foreground and logs to stderr (logfmt). Roles (default: all):\n"
	"  signer     holds the keys; pre-signs OCSP responses, signs CRLs after\n"
	"             revocations and before nextUpdate, signs live answers\n"
	"  responder  serves OCSP for every CA with a cas[].ocsp block on ocsp.listen\n"
	"             (GET and POST) and published CRLs under /crl/, from memory;\n"
	"             without the signer role it must not name any key, and with\n"
	"             database.replica_url it reads that hot standby, polling every\n"
	"             database.poll_interval\n"
	"  scheduler  executes due retirement plans\n"
	"Any number of processes may share one database (leases keep work single).\n"
	"/healthz, /metrics and the admin API (docs/admin-api.md) are on\n"
	"admin.listen. /healthz answers 200 once every live leaf's response is in\n"
	"memory. Nothing is signed while the clock is off PostgreSQL's by more than\n"
	"clock.max_skew. SIGTERM stops accepting, finishes requests in flight and\n"
	"exits 0; SIGHUP reloads the keys.\n";

int cmd_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"roles", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct daemon *d = calloc(1, sizeof(*d));
	struct ocsp_http_cfg hc;
	struct event_base *base = NULL;
	struct admin *admin = NULL;
	struct event *sigterm = NULL, *sigint = NULL, *sighup = NULL;
	struct store *s = NULL;
	struct ll_err err;
	int c, rc = CLI_FAIL;
	size_t i;
	bool sync_started = false, http_started = false;

	if (!d)
		return CLI_FAIL;
	d->roles = ROLE_SIGNER | ROLE_RESPONDER | ROLE_SCHEDULER;
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(serve_usage, stdout);
			free(d);
			return CLI_OK;
		}
		if (c != 'r') {
			fputs(serve_usage, stderr);
			free(d);
			return CLI_USAGE;
		}
		d->roles = 0;
		for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
			if (!strcmp(tok, "signer"))
				d->roles |= ROLE_SIGNER;
			else if (!strcmp(tok, "responder"))
				d->roles |= ROLE_RESPONDER;
			else if (!strcmp(tok, "scheduler"))
				d->roles |= ROLE_SCHEDULER;
			else {
				cli_errorf("serve: unknown role '%s' (signer, responder, scheduler)", tok);
				free(d);
				return CLI_USAGE;
			}
		}
	}
	d->ctx = ctx;
	d->cfg = ctx->cfg;
	d->poll_ms = (int)(d->cfg->poll_interval > 0 ? d->cfg->poll_interval * 1000 : 1000);
	d->use_replica = d->roles == ROLE_RESPONDER && d->cfg->replica_url;
	atomic_store(&d->replica_lag_ms, -1);
	atomic_store(&d->clock_ok, true);
	if ((d->roles & ROLE_RESPONDER) && !(d->roles & ROLE_SIGNER)) {
		/* D2: internet-facing responders hold no key. A key in their
		 * config is a deployment mistake, not something to ignore. */
		for (i = 0; i < d->cfg->ncas; i++) {
			const struct cfg_ca *ca = &d->cfg->cas[i];

			if (ca->key || ca->ocsp.responder_key) {
				cli_errorf("serve: a responder without the signer role holds no key, but CA '%s' "
					   "(%s:%d) names %s; remove it from this process's config (D2)",
					   ca->name, d->cfg->path ? d->cfg->path : "config", ca->line,
					   ca->key ? "cas[].key" : "cas[].ocsp.responder_key");
				free(d);
				return CLI_FAIL;
			}
		}
	}
	for (i = 0; i < d->cfg->ncas && d->ncrls < MAX_SERVED; i++)
		if (d->cfg->cas[i].crl.set)
			d->crls[d->ncrls++] = (struct crl_duty){.ca = &d->cfg->cas[i]};
	d->notifier = notifier_new(d->cfg->webhook_url);
	signal(SIGPIPE, SIG_IGN);
	d->table = ocsp_table_new(1 << 16);
	if (!d->table)
		goto out;
	base = event_base_new();
	admin = base ? admin_new(base, d->cfg, &err) : NULL;
	if (!admin) {
		cli_errorf("serve: %s", base ? err.msg : "cannot create the admin event loop");
		goto out;
	}
	s = d->use_replica ? store_open_replica(d->cfg, &err) : store_open(d->cfg, &err);
	if (!s || !store_check_schema(s, &err)) {
		cli_errorf("serve: %s", err.msg);
		goto out;
	}
	if (d->roles & (ROLE_SIGNER | ROLE_SCHEDULER)) {
		double skew;

		if (!store_clock_skew(s, &skew, &err)) {
			cli_errorf("serve: %s", err.msg);
			goto out;
		}
		atomic_store(&d->clock_skew_us, (long long)(skew * 1e6));
		if (d->cfg->clock_max_skew > 0 && (skew > (double)d->cfg->clock_max_skew ||
						    skew < -(double)d->cfg->clock_max_skew)) {
			atomic_store(&d->clock_ok, false);
			ll_logfmt("error", "clock skew %+.3f s against PostgreSQL is over clock.max_skew (%lld s): "
			       "nothing will be signed until it is fixed (D1)", skew,
			       (long long)d->cfg->clock_max_skew);
		}
	}
	if (!setup_served(d, s, &err)) {
		cli_errorf("serve: %s", err.msg);
		goto out;
	}
	if (d->nserved == 0)
		ll_logfmt("warn", "no CA has a cas[].ocsp block: OCSP answers will all be unauthorized");
	/* signer: make sure every live leaf has a fresh response before the
	 * responder says it is ready */
	if ((d->roles & ROLE_SIGNER) && atomic_load(&d->clock_ok)) {
		for (i = 0; i < d->nserved; i++) {
			struct presign_opts o = {0};
			struct presign_stats st;

			o.meter = d->served[i].meter;
			o.meter = d->served[i].meter;
			if (!presign_ca(s, d->cfg, d->served[i].ca, &o, &st, NULL, &err)) {
				cli_errorf("serve: pre-signing %s: %s", d->served[i].ca->name, err.msg);
				goto out;
			}
			if (st.responses)
				ll_logfmt("info", "pre-signed %lld responses for %s in %.1f s",
				       (long long)st.responses, d->served[i].ca->name, st.seconds);
		}
	}
	store_close(s);
	s = NULL;

	memset(&hc, 0, sizeof(hc));
	hc.listen = (const char *const *)d->cfg->ocsp_listen.addrs;
	hc.nlisten = d->cfg->ocsp_listen.n;
	hc.threads = d->cfg->ocsp_threads;
	hc.path_prefix = d->cfg->ocsp_path_prefix ? d->cfg->ocsp_path_prefix : "/";
	hc.max_request_entries = (size_t)d->cfg->ocsp_max_request_entries;
	hc.max_body = 10240;
	hc.max_headers = 8192;
	hc.max_uri = 4096;
	hc.timeout_secs = (int)(d->cfg->ocsp_timeout ? d->cfg->ocsp_timeout : 10);
	hc.max_connections = d->cfg->ocsp_max_connections;
	hc.nonce_echo = d->cfg->ocsp_nonce_echo && (d->roles & ROLE_SIGNER);
	hc.unknown_signed = d->cfg->ocsp_unknown_signed && (d->roles & ROLE_SIGNER);
	hc.crl_dir = d->cfg->crl_publish_dir ? d->cfg->crl_publish_dir : "./var/crl";
	if (d->roles & ROLE_RESPONDER) {
		/* CRLs are served from the publish directory: make sure it exists,
		 * even before the first CRL has been generated */
		if (!publish_mkdirs(hc.crl_dir, &err)) {
			cli_errorf("serve: %s", err.msg);
			goto out;
		}
		d->http = ocsp_http_new(&hc, d->table, live_sign, d, &err);
		if (!d->http || !ocsp_http_start(d->http, &err)) {
			cli_errorf("serve: %s", err.msg);
			goto out;
		}
		http_started = true;
	}
	if (pthread_create(&d->sync_thread, NULL, sync_main, d) != 0) {
		cli_errorf("serve: cannot start the sync thread");
		goto out;
	}
	sync_started = true;

	if (!admin_route(admin, "/healthz", ADMIN_OPEN, admin_healthz, d) ||
	    !admin_route(admin, "/api/v1/report", 0, admin_report_json, d) ||
	    !admin_route(admin, "/report", 0, admin_report_html, d) ||
	    !admin_route(admin, "/metrics", 0, admin_metrics, d) ||
	    !admin_api_register(admin, d->cfg)) {
		cli_errorf("serve: cannot register the admin routes");
		goto out;
	}
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sighup = evsignal_new(base, SIGHUP, on_hup, d);
	if (!sigterm || !sigint || !sighup || event_add(sigterm, NULL) || event_add(sigint, NULL) ||
	    event_add(sighup, NULL))
		goto out;
	for (i = 0; d->http && i < d->cfg->ocsp_listen.n; i++)
		ll_logfmt("info", "OCSP responder listening on %s (port %d)", d->cfg->ocsp_listen.addrs[i],
		       ocsp_http_port(d->http, i));
	event_base_dispatch(base);
	rc = CLI_OK;
out:
	atomic_store(&d->stop, true);
	if (http_started)
		ocsp_http_stop(d->http, 10); /* finish requests in flight */
	if (sync_started)
		pthread_join(d->sync_thread, NULL);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (sighup)
		event_free(sighup);
	admin_free(admin);
	if (base)
		event_base_free(base);
	ocsp_http_free(d->http);
	notifier_free(d->notifier);
	free_served(d);
	ocsp_table_free(d->table);
	store_close(s);
	free(d);
	if (rc == CLI_OK)
		ll_logfmt("info", "stopped");
	return rc;
}
