/* crlpub.c - see crlpub.h. */
#include "crlpub.h"

#include <arpa/inet.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "crlgen.h"
#include "hex.h"
#include "issuer.h"
#include "json.h"
#include "keys.h"
#include "publish.h"
#include "x509util.h"
#include "x509walk.h"

#define DEFAULT_SUBSCRIBER_NEXT_UPDATE (7 * 86400)
#define DEFAULT_CA_NEXT_UPDATE (90 * 86400)
#define PART_FULL (-1)
#define PART_CA (-2)

struct scope {
	int partition;		/* PART_FULL, PART_CA or 0..N-1 */
	bool leaves, ca_certs;	/* what it lists */
	struct crl_partition idp;
	char uri[1024];
	char file[300];		/* published name */
};

struct ctx {
	struct store *s;
	const struct cfg *cfg;
	const struct cfg_ca *ca;
	const char *dir;
	FILE *log;
	struct crlpub_result *res;
	char key_id[24];
	uint8_t *issuer_der;
	size_t issuer_len;
	EVP_PKEY *key;
	enum crl_profile profile;
	int64_t next_update_secs;
	bool final;
	const char *since;	/* skip when a CRL was recorded after this (daemon) */
};

static void logf_(struct ctx *c, const char *fmt, ...) LL_PRINTF(2, 3);
static void logf_(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->log)
		return;
	fprintf(c->log, "%s: ", c->ca->name);
	va_start(ap, fmt);
	vfprintf(c->log, fmt, ap);
	va_end(ap);
	fputc('\n', c->log);
}

/* Expands the cas[].crl.url template for one partition. */
static void expand_url(const char *tmpl, const char *part, char *out, size_t len)
{
	const char *m = tmpl ? strstr(tmpl, "{partition}") : NULL;

	if (!tmpl) {
		out[0] = '\0';
		return;
	}
	if (!m) {
		snprintf(out, len, "%s", tmpl);
		return;
	}
	snprintf(out, len, "%.*s%s%s", (int)(m - tmpl), tmpl, part, m + strlen("{partition}"));
}

/* Loads the CA certificate that names the CRL issuer and the signing key;
 * checks duty (A14) and that key and certificate match. */
static bool load_issuer(struct ctx *c, struct ll_err *err)
{
	struct issuer_info ii;
	struct x509_fields f;

	if (!(c->final ? issuer_load_latest(c->s, c->ca->name, &ii, err)
		       : issuer_load(c->s, c->ca->name, &ii, err)))
		return false;
	snprintf(c->key_id, sizeof(c->key_id), "%s", ii.key_id);
	if (ii.no_duty) {
		c->res->no_duty = true;
		return true;
	}
	c->issuer_der = ii.cert; /* ownership moves to the context */
	c->issuer_len = ii.cert_len;
	if (!x509_walk(c->issuer_der, c->issuer_len, &f, err))
		return ll_err_prefix(err, "CA '%s' certificate", c->ca->name);
	if (f.key_usage >= 0 && !(f.key_usage & X509_KU_CRL_SIGN))
		return ll_err_set(err, "CA '%s': its certificate does not assert cRLSign (A5)",
				  c->ca->name);
	c->key = keys_load(c->ca->key, err);
	if (!c->key)
		return ll_err_prefix(err, "CA '%s'", c->ca->name);
	if (!keys_match_spki(c->key, ii.spki, ii.spki_len)) {
		char red[512];

		return ll_err_set(err, "CA '%s': the key %s does not match the CA certificate's public "
				       "key; nothing signed", c->ca->name,
				  keys_uri_redact(c->ca->key, red, sizeof(red)));
	}
	return true;
}

/* Fixes the partition of every leaf that has none yet (E10): its CDP when
 * that is one of the configured partition URLs, else a stable hash of the
 * serial. Reports leaves whose CDP names no configured partition. */
static bool assign_partitions(struct ctx *c, struct ll_err *err)
{
	const char *tmpl = c->ca->crl.url, *m = strstr(tmpl, "{partition}");
	char pre[1024], suf[1024], n[16];
	const char *p[4];
	PGresult *r;

	snprintf(pre, sizeof(pre), "%.*s", (int)(m - tmpl), tmpl);
	snprintf(suf, sizeof(suf), "%s", m + strlen("{partition}"));
	snprintf(n, sizeof(n), "%d", c->ca->crl.partitions);
	p[0] = c->key_id;
	p[1] = pre;
	p[2] = suf;
	p[3] = n;
	r = store_query(c->s,
		"WITH m AS (SELECT id, cdp, CASE WHEN cdp IS NOT NULL AND starts_with(cdp, $2) "
		"  AND right(cdp, length($3)) = $3 AND length(cdp) > length($2) + length($3) "
		"  AND substr(cdp, length($2) + 1, greatest(length(cdp) - length($2) - length($3), 0)) ~ '^(0|[1-9][0-9]{0,5})$' "
		"  THEN substr(cdp, length($2) + 1, greatest(length(cdp) - length($2) - length($3), 0))::int END AS k "
		"  FROM leaf WHERE issuer_key_id = $1 AND crl_partition IS NULL),"
		" u AS (UPDATE leaf l SET crl_partition = CASE WHEN m.k < $4::int THEN m.k ELSE "
		"  ((get_byte(sha256(l.serial), 0) << 8) | get_byte(sha256(l.serial), 1)) % $4::int END "
		"  FROM m WHERE l.id = m.id RETURNING (m.cdp IS NOT NULL AND (m.k IS NULL OR m.k >= $4::int)) AS stray)"
		" SELECT count(*) FILTER (WHERE stray) FROM u",
		4, p, err);
	if (!r)
		return false;
	if (atoi(PQgetvalue(r, 0, 0)) > 0) {
		logf_(c, "warning: %s newly assigned leaves have a CRL distribution point that names "
			 "no configured partition (%s); they are listed on a partition chosen by serial "
			 "(A20, E10)", PQgetvalue(r, 0, 0), tmpl);
		c->res->warnings++;
	}
	PQclear(r);
	return true;
}

/* Allocates the next number of a scope: above the last one and never
 * below the current Unix time, so a restore from an old backup cannot
 * hand out a number again (A17, E22). */
static bool next_number(struct ctx *c, int partition, uint64_t *out, struct ll_err *err)
{
	char part[16];
	const char *p[2] = {c->key_id, part};
	PGresult *r;

	snprintf(part, sizeof(part), "%d", partition);
	r = store_query(c->s,
		"INSERT INTO crl_counter (issuer_key_id, partition, last_number) "
		"VALUES ($1, $2, floor(extract(epoch FROM clock_timestamp()))) "
		"ON CONFLICT (issuer_key_id, partition) DO UPDATE SET last_number = "
		"greatest(crl_counter.last_number + 1, EXCLUDED.last_number) RETURNING last_number",
		2, p, err);
	if (!r)
		return false;
	*out = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return true;
}

static bool prev_crl(struct ctx *c, int partition, struct crl_params *cp, struct ll_err *err)
{
	char part[16];
	const char *p[2] = {c->key_id, part};
	PGresult *r;

	snprintf(part, sizeof(part), "%d", partition);
	r = store_query(c->s, "SELECT number, to_char(next_update, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
			      "FROM crl WHERE issuer_key_id = $1 AND partition = $2 "
			      "ORDER BY number DESC LIMIT 1", 2, p, err);
	if (!r)
		return false;
	if (PQntuples(r)) {
		cp->has_prev = true;
		cp->prev_number_len = crl_number_from_u64(strtoull(PQgetvalue(r, 0, 0), NULL, 10),
							  cp->prev_number);
		ll_time_parse_rfc3339(PQgetvalue(r, 0, 1), &cp->prev_next_update);
	}
	PQclear(r);
	return true;
}

/* Streams one query's rows (single-row mode) into the entries, copying
 * each serial into the arena; the full result set is never held at once,
 * which keeps a 1M-entry run's memory near the size of the CRL itself. */
static bool stream_rows(struct ctx *c, const char *sql, const char *const *p, bool is_ca,
			struct ll_buf *arena, struct crl_entry **e, size_t *n, size_t *cap,
			struct ll_err *err)
{
	PGconn *pg = store_pg(c->s);
	PGresult *r;
	bool ok = true;

	if (!PQsendQueryParams(pg, sql, 3, NULL, p, NULL, NULL, 1) || !PQsetSingleRowMode(pg))
		return ll_err_set(err, "database: %s", PQerrorMessage(pg));
	while ((r = PQgetResult(pg)) != NULL) {
		ExecStatusType st = PQresultStatus(r);

		if (st == PGRES_SINGLE_TUPLE && ok) {
			struct crl_entry *x;
			const char *rv = PQgetvalue(r, 0, 2);
			size_t off = arena->len, len = (size_t)PQgetlength(r, 0, 0);
			int reason = (int16_t)(((uint8_t)rv[0] << 8) | (uint8_t)rv[1]);

			/* crl_entry keeps the length in one octet; crl_build
			 * refuses anything over 64 octets (A24) anyway */
			if (len > UINT8_MAX) {
				ok = ll_err_set(err, "a revoked certificate has a %zu-octet serial; "
						     "a CRL entry holds at most 64 (A24)", len);
				PQclear(r);
				continue;
			}

			if (*n == *cap) {
				size_t ncap = *cap ? *cap * 2 : 4096;
				struct crl_entry *ne = realloc(*e, ncap * sizeof(*ne));
				if (!ne) {
					ok = ll_err_set(err, "out of memory for CRL entries");
					PQclear(r);
					continue;
				}
				*e = ne;
				*cap = ncap;
			}
			if (!ll_buf_append(arena, PQgetvalue(r, 0, 0), len)) {
				ok = ll_err_set(err, "out of memory for CRL serials");
				PQclear(r);
				continue;
			}
			x = &(*e)[(*n)++];
			memset(x, 0, sizeof(*x));
			/* an offset for now: the arena may still move */
			x->serial = (const uint8_t *)(uintptr_t)off;
			x->serial_len = (uint8_t)len;
			x->revoked_at = store_bin_ts(PQgetvalue(r, 0, 1));
			/* 0 (unspecified) gets no reasonCode (A28); a value that
			 * does not fit int8_t (the schema allows 0..10) stays one
			 * that crl_build refuses instead of wrapping onto a real
			 * reason */
			x->reason = (int8_t)(reason == 0 ? CRL_REASON_NONE
					     : reason < INT8_MIN || reason > INT8_MAX ? INT8_MAX : reason);
			x->is_ca = is_ca;
			if (!PQgetisnull(r, 0, 3) && c->ca->crl.smime) {
				x->has_invalidity = true;
				x->invalidity = store_bin_ts(PQgetvalue(r, 0, 3));
			}
		} else if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE && ok) {
			ok = ll_err_set(err, "database: %s", PQerrorMessage(pg));
		}
		PQclear(r);
	}
	return ok;
}

/* Collects a scope's revoked leaves and CA certificates. The entries'
 * serials point into `arena`, which the caller frees after signing. */
static bool load_entries(struct ctx *c, const struct scope *sc, const char *tu, struct ll_buf *arena,
			 struct crl_entry **out, size_t *n, struct ll_err *err)
{
	char part[16];
	const char *p[3] = {c->key_id, tu, part};
	size_t cap = 0, i;

	*out = NULL;
	*n = 0;
	snprintf(part, sizeof(part), "%d", sc->partition);
	{
		/* size the arrays once: doubling would cost up to 2x at 1M entries */
		PGresult *r = store_query(c->s,
			"SELECT (SELECT count(*) FROM leaf WHERE $4::bool AND issuer_key_id = $1 AND revoked_at IS NOT NULL"
			" AND NOT crl_done AND revoked_at <= $2::timestamptz AND ($3::int < 0 OR crl_partition = $3::int))"
			" + (SELECT count(*) FROM ca_cert WHERE $5::bool AND issuer_key_id = $1 AND revoked_at IS NOT NULL)",
			5, (const char *[]){p[0], p[1], p[2], sc->leaves ? "t" : "f", sc->ca_certs ? "t" : "f"}, err);
		size_t want;

		if (!r)
			return false;
		want = (size_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10) + 1;
		PQclear(r);
		*out = malloc(want * sizeof(**out));
		if (!*out || !ll_buf_reserve(arena, want * 17))
			return ll_err_set(err, "out of memory for %zu CRL entries", want);
		cap = want;
	}
	if (sc->leaves &&
	    !stream_rows(c, sc->partition >= 0
		? "SELECT serial, revoked_at, coalesce(revocation_reason, -1)::int2, invalidity_date "
		  "FROM leaf WHERE issuer_key_id = $1 AND revoked_at IS NOT NULL AND NOT crl_done "
		  "AND revoked_at <= $2::timestamptz AND crl_partition = $3::int"
		: "SELECT serial, revoked_at, coalesce(revocation_reason, -1)::int2, invalidity_date "
		  "FROM leaf WHERE issuer_key_id = $1 AND revoked_at IS NOT NULL AND NOT crl_done "
		  "AND revoked_at <= $2::timestamptz AND $3::int = $3::int",
		p, false, arena, out, n, &cap, err))
		return false;
	if (sc->ca_certs &&
	    !stream_rows(c, "SELECT serial, revoked_at, coalesce(revocation_reason, -1)::int2, NULL::timestamptz "
			    "FROM ca_cert WHERE issuer_key_id = $1 AND revoked_at IS NOT NULL AND NOT crl_done "
			    "AND revoked_at <= $2::timestamptz AND NOT self_signed AND $3::int = $3::int",
			 p, true, arena, out, n, &cap, err))
		return false;
	for (i = 0; i < *n; i++)
		(*out)[i].serial = arena->data + (uintptr_t)(*out)[i].serial;
	return true;
}

struct signed_crl {
	char file[300];
	char id[24];
	struct ll_buf der;
	uint64_t number;
	size_t entries;
};

static bool sign_scope(struct ctx *c, const struct scope *sc, ll_time tu, struct signed_crl *out,
		       struct ll_err *err)
{
	char tub[LL_TIME_RFC3339_LEN], nub[LL_TIME_RFC3339_LEN], nbuf[32], part[16], fp[65];
	struct crl_params cp;
	struct crl_violations v;
	struct crl_entry *entries = NULL;
	struct ll_buf arena;
	PGresult *r;
	uint8_t h[32];
	bool ok = false;

	memset(&cp, 0, sizeof(cp));
	ll_buf_init(&arena, (size_t)1 << 31);
	ll_buf_init(&out->der, (size_t)1 << 31);
	snprintf(out->file, sizeof(out->file), "%s", sc->file);
	ll_time_format_rfc3339(tu, tub);
	ll_time_format_rfc3339(tu + c->next_update_secs, nub);
	if (!load_entries(c, sc, tub, &arena, &entries, &out->entries, err) ||
	    !prev_crl(c, sc->partition, &cp, err) || !next_number(c, sc->partition, &out->number, err))
		goto out;
	cp.issuer_cert = c->issuer_der;
	cp.issuer_cert_len = c->issuer_len;
	cp.key = c->key;
	cp.sigalg = c->ca->crl.rsa_pss ? CRL_SIG_RSA_PSS : CRL_SIG_AUTO;
	cp.profile = sc->partition == PART_CA ? CRL_PROFILE_CA : c->profile;
	cp.number_len = crl_number_from_u64(out->number, cp.number);
	cp.this_update = tu;
	cp.next_update = tu + c->next_update_secs;
	cp.partition = sc->partition == PART_FULL ? NULL : &sc->idp;
	cp.smime = c->ca->crl.smime;
	cp.now = ll_now(); /* D1: never a thisUpdate in the future */
	cp.entries = entries;
	cp.nentries = out->entries;
	if (!crl_build(&cp, &out->der, &v, err)) {
		char txt[2048];

		crl_violations_text(&v, txt, sizeof(txt));
		if (v.total)
			ll_err_set(err, "refusing to sign %s: %s", sc->file, txt);
		goto out;
	}
	/* the entries are in the DER now: give their memory back before the
	 * INSERT makes libpq copy the whole CRL once more */
	free(entries);
	entries = NULL;
	ll_buf_free(&arena);
	ll_sha256(out->der.data, out->der.len, h);
	ll_hex_encode(h, 32, fp);
	snprintf(nbuf, sizeof(nbuf), "%llu", (unsigned long long)out->number);
	snprintf(part, sizeof(part), "%d", sc->partition);
	{
		char ent[24];
		const char *p[9] = {c->key_id, part, nbuf,
				    cp.profile == CRL_PROFILE_CA ? "ca" : "subscriber", tub, nub, ent,
				    (const char *)h, (const char *)out->der.data};
		int lens[9] = {0, 0, 0, 0, 0, 0, 0, 32, (int)out->der.len};
		int fmts[9] = {0, 0, 0, 0, 0, 0, 0, 1, 1};

		snprintf(ent, sizeof(ent), "%zu", out->entries);
		r = store_queryb(c->s, "INSERT INTO crl (issuer_key_id, partition, number, profile, "
				       "this_update, next_update, entries, sha256, der) VALUES "
				       "($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id", 9, p, lens, fmts, err);
		if (!r)
			goto out;
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	/* A26: once listed on a CRL issued after the certificate expired, the
	 * entry has done its duty and later CRLs leave it out. */
	{
		const char *p[3] = {c->key_id, tub, part};

		if (sc->leaves) {
			r = store_query(c->s, sc->partition >= 0
				? "UPDATE leaf SET crl_done = true WHERE issuer_key_id = $1 AND revoked_at IS NOT NULL "
				  "AND NOT crl_done AND revoked_at <= $2::timestamptz AND not_after < $2::timestamptz "
				  "AND crl_partition = $3::int"
				: "UPDATE leaf SET crl_done = true WHERE issuer_key_id = $1 AND revoked_at IS NOT NULL "
				  "AND NOT crl_done AND revoked_at <= $2::timestamptz AND not_after < $2::timestamptz "
				  "AND $3::int = $3::int", 3, p, err);
			if (!r)
				goto out;
			PQclear(r);
		}
		if (sc->ca_certs) {
			r = store_query(c->s, "UPDATE ca_cert SET crl_done = true WHERE issuer_key_id = $1 "
					      "AND revoked_at IS NOT NULL AND NOT crl_done AND revoked_at <= $2::timestamptz "
					      "AND not_after < $2::timestamptz AND $3::int = $3::int", 3, p, err);
			if (!r)
				goto out;
			PQclear(r);
		}
	}
	{
		struct json_out j;

		json_init(&j);
		json_obj_begin(&j);
		json_kv_str(&j, "ca", c->ca->name);
		json_kv_str(&j, "file", sc->file);
		json_kv_int(&j, "partition", sc->partition);
		json_kv_str(&j, "number", nbuf);
		json_kv_str(&j, "this_update", tub);
		json_kv_str(&j, "next_update", nub);
		json_kv_int(&j, "entries", (int64_t)out->entries);
		json_kv_str(&j, "sha256", fp);
		json_obj_end(&j);
		ok = store_audit(c->s, "crl.generate", json_str(&j), NULL, err);
		json_free(&j);
	}
	if (ok)
		logf_(c, "signed %s: number %s, %zu entries, thisUpdate %s, nextUpdate %s, sha256 %s",
		      sc->file, nbuf, out->entries, tub, nub, fp);
out:
	free(entries);
	ll_buf_free(&arena);
	return ok;
}

/* A35: the distinct CDP URLs of the CA's unexpired leaves, as CCADB wants
 * them, written next to the CRLs. */
static bool write_ccadb_json(struct ctx *c, const struct scope *scopes, size_t nscopes,
			     struct ll_err *err)
{
	const char *p[1] = {c->key_id};
	struct json_out j;
	char name[300];
	PGresult *r;
	int i, differ = 0;
	size_t k;
	bool ok;

	r = store_query(c->s, "SELECT DISTINCT cdp FROM leaf WHERE issuer_key_id = $1 AND "
			      "not_after > now() AND cdp IS NOT NULL ORDER BY cdp", 1, p, err);
	if (!r)
		return false;
	json_init(&j);
	json_arr_begin(&j);
	if (PQntuples(r) == 0)
		json_str_val(&j, ""); /* CCADB: [""] while the CA has issued nothing */
	for (i = 0; i < PQntuples(r); i++) {
		bool known = false;

		json_str_val(&j, PQgetvalue(r, i, 0));
		for (k = 0; k < nscopes; k++)
			known |= scopes[k].uri[0] && strcmp(scopes[k].uri, PQgetvalue(r, i, 0)) == 0;
		differ += !known;
	}
	json_arr_end(&j);
	if (differ && c->ca->crl.url) {
		logf_(c, "warning: %d CDP URL(s) in unexpired leaves are not among the configured CRL "
			 "URLs; the CCADB list in %s.json follows the certificates (A35)", differ,
		      c->ca->name);
		c->res->warnings++;
	}
	snprintf(name, sizeof(name), "%s.json", c->ca->name);
	ok = publish_atomic(c->dir, name, json_str(&j), strlen(json_str(&j)), err);
	json_free(&j);
	PQclear(r);
	return ok;
}

static bool generate(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
		     const char *out_dir, FILE *log, struct crlpub_result *res, bool final,
		     const char *since, struct ll_err *err);

bool crlpub_generate(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
		     const char *out_dir, FILE *log, struct crlpub_result *res, struct ll_err *err)
{
	return generate(s, cfg, ca, out_dir, log, res, false, NULL, err);
}

bool crlpub_generate_since(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
			   const char *since, struct crlpub_result *res, struct ll_err *err)
{
	return generate(s, cfg, ca, NULL, NULL, res, false, since, err);
}

bool crlpub_generate_final(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
			   const char *out_dir, FILE *log, struct crlpub_result *res,
			   struct ll_err *err)
{
	return generate(s, cfg, ca, out_dir, log, res, true, NULL, err);
}

static bool generate(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
		     const char *out_dir, FILE *log, struct crlpub_result *res, bool final,
		     const char *since, struct ll_err *err)
{
	struct ctx c = {s, cfg, ca, out_dir ? out_dir : cfg->crl_publish_dir, log, res, "", NULL, 0,
			NULL, CRL_PROFILE_SUBSCRIBER, 0, final, since};
	struct scope *scopes = NULL;
	struct signed_crl *done = NULL;
	size_t nscopes = 0, ndone = 0, i;
	bool ok = false, in_tx = false, has_leaves, has_ca;
	ll_time tu = ll_now();
	PGresult *r;

	memset(res, 0, sizeof(*res));
	if (!c.dir)
		c.dir = "./var/crl";
	if (!load_issuer(&c, err))
		goto out;
	if (res->no_duty) {
		logf_(&c, "no CRL duty: every CA certificate for this key is expired or revoked (A14); "
			  "nothing signed");
		ok = true;
		goto out;
	}
	{
		const char *p[1] = {c.key_id};
		r = store_query(s, "SELECT EXISTS (SELECT 1 FROM leaf WHERE issuer_key_id = $1), "
				   "EXISTS (SELECT 1 FROM ca_cert WHERE issuer_key_id = $1 AND NOT self_signed)",
				1, p, err);
		if (!r)
			goto out;
		has_leaves = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		has_ca = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
		PQclear(r);
	}
	/* A key that issued leaves publishes subscriber CRLs (10-day cap); a
	 * key that issued only CA certificates publishes a CA CRL (A9). */
	c.profile = has_leaves || !has_ca ? CRL_PROFILE_SUBSCRIBER : CRL_PROFILE_CA;
	c.next_update_secs = ca->crl.next_update ? ca->crl.next_update
			     : c.profile == CRL_PROFILE_CA ? DEFAULT_CA_NEXT_UPDATE
							   : DEFAULT_SUBSCRIBER_NEXT_UPDATE;
	if (c.profile == CRL_PROFILE_SUBSCRIBER && c.next_update_secs > 864000 - 1) {
		ll_err_set(err, "CA '%s': crl.next_update is %llds, over the 10-day cap for subscriber "
				"CRLs less the 1 s margin (A9, E9)", ca->name, (long long)c.next_update_secs);
		goto out;
	}
	if (c.profile == CRL_PROFILE_CA && c.next_update_secs > 365 * 86400 - 1) {
		ll_err_set(err, "CA '%s': crl.next_update is over 365 days less 1 s for a CA CRL (A9, O3)",
			   ca->name);
		goto out;
	}
	nscopes = ca->crl.partitions > 0 ? (size_t)ca->crl.partitions + 1 : 1;
	scopes = calloc(nscopes, sizeof(*scopes));
	done = calloc(nscopes, sizeof(*done));
	if (!scopes || !done) {
		ll_err_set(err, "out of memory");
		goto out;
	}
	if (ca->crl.partitions <= 0) {
		scopes[0].partition = PART_FULL;
		scopes[0].leaves = scopes[0].ca_certs = true;
		expand_url(ca->crl.url, "", scopes[0].uri, sizeof(scopes[0].uri));
		snprintf(scopes[0].file, sizeof(scopes[0].file), "%s.crl", ca->name);
	} else {
		nscopes = 0;
		for (i = 0; i < (size_t)ca->crl.partitions; i++) {
			struct scope *sc = &scopes[nscopes++];
			char k[16];

			snprintf(k, sizeof(k), "%zu", i);
			sc->partition = (int)i;
			sc->leaves = true;
			expand_url(ca->crl.url, k, sc->uri, sizeof(sc->uri));
			sc->idp.uri = sc->uri;
			sc->idp.only_user = true; /* A22: CA certificates go elsewhere */
			snprintf(sc->file, sizeof(sc->file), "%s-%zu.crl", ca->name, i);
		}
		if (has_ca) {
			struct scope *sc = &scopes[nscopes++];

			sc->partition = PART_CA;
			sc->ca_certs = true;
			expand_url(ca->crl.url, "ca", sc->uri, sizeof(sc->uri));
			sc->idp.uri = sc->uri;
			sc->idp.only_ca = true;
			snprintf(sc->file, sizeof(sc->file), "%s-ca.crl", ca->name);
		}
	}
	if (!publish_mkdirs(c.dir, err))
		goto out;
	if (!store_begin(s, err))
		goto out;
	in_tx = true;
	{
		/* one generator per CA at a time, across processes */
		const char *p[1] = {c.key_id};
		r = store_query(s, "SELECT pg_advisory_xact_lock(1819017220, $1::int)", 1, p, err);
		if (!r)
			goto out;
		PQclear(r);
		r = NULL;
		/* Several signers all hear the same NOTIFY; the first one through
		 * the lock signs, and the others find a CRL recorded after they
		 * saw the revocation (created_at is that CRL's transaction start,
		 * later than the revocation's commit), so no revocation costs two
		 * CRL numbers. */
		if (c.since) {
			const char *q[2] = {c.key_id, c.since};
			r = store_query(s, "SELECT EXISTS (SELECT 1 FROM crl WHERE issuer_key_id = $1 "
					   "AND created_at > $2::timestamptz)", 2, q, err);
			if (!r)
				goto out;
			res->skipped = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
			PQclear(r);
			r = NULL;
			if (res->skipped) {
				ok = true;
				goto out;
			}
		}
	}
	if (!store_check_clock(s, cfg, err))
		goto out;
	if (ca->crl.partitions > 0 && !assign_partitions(&c, err))
		goto out;
	for (i = 0; i < nscopes; i++) {
		if (!sign_scope(&c, &scopes[i], tu, &done[ndone], err))
			goto out;
		ndone++;
	}
	if (!store_exec(s, "SELECT pg_notify('lastleaf_crl', '')", err) || !store_commit(s, err))
		goto out;
	in_tx = false;
	res->signed_crls = (int)ndone;
	/* Test hook for the crash-between-commit-and-publication test: the
	 * numbers are committed, nothing is published. */
	{
		const char *fault = getenv("LASTLEAF_FAULT");
		if (fault && strcmp(fault, "crl-after-commit") == 0)
			raise(SIGKILL);
	}
	for (i = 0; i < ndone; i++) {
		char archive[400], sub[PATH_MAX];
		const char *p[1] = {done[i].id};

		if (!publish_atomic(c.dir, done[i].file, done[i].der.data, done[i].der.len, err))
			goto out;
		/* the numbered copy, for auditors and for serving older CRLs */
		snprintf(sub, sizeof(sub), "%s/archive", c.dir);
		snprintf(archive, sizeof(archive), "%.*s.%llu.crl", (int)(strlen(done[i].file) - 4),
			 done[i].file, (unsigned long long)done[i].number);
		if (!publish_mkdirs(sub, err))
			goto out;
		{
			/* a hard link to the file just published: the bytes are
			 * written and synced once, not twice */
			char src[PATH_MAX], dst[PATH_MAX];

			snprintf(src, sizeof(src), "%s/%s", c.dir, done[i].file);
			snprintf(dst, sizeof(dst), "%s/%s", sub, archive);
			unlink(dst);
			if (link(src, dst) < 0 &&
			    !publish_atomic(sub, archive, done[i].der.data, done[i].der.len, err))
				goto out;
		}
		r = store_query(s, "UPDATE crl SET published_at = now() WHERE id = $1", 1, p, err);
		if (!r)
			goto out;
		PQclear(r);
		res->published++;
	}
	if (!write_ccadb_json(&c, scopes, nscopes, err))
		goto out;
	ok = true;
out:
	if (in_tx)
		store_rollback(s);
	for (i = 0; i < nscopes && done; i++)
		ll_buf_free(&done[i].der);
	free(done);
	free(scopes);
	free(c.issuer_der);
	EVP_PKEY_free(c.key);
	return ok;
}
