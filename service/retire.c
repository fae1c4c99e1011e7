/* retire.c - see retire.h.
 *
 * Dependents of a CA certificate C are the leaves of C's key (policy key),
 * or those whose notBefore falls in the window in which C was the
 * certificate served with that key (policy window). Issuance evidence is
 * the later of notBefore and the earliest embedded SCT time, because
 * notBefore can be backdated (C14, E5); a dependent issued at or after the
 * freeze is a violation, recorded for ever. */
#include "retire.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "crlpub.h"
#include "hex.h"
#include "presign.h"
#include "revoke.h"

#define TSF(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The computation, shared by dry runs and stored plans. Parameters: $1
 * key id, $2 policy, $3 window start, $4 window end, $5 freeze, $6 grace
 * seconds, $7 the client's clock (so tests can shift it with faketime:
 * the database server's now() would not move). Returns live, violations,
 * due, policy due, last serial, last notAfter. */
static const char calc_sql[] =
	"WITH dep AS (SELECT id, serial, not_after, revoked_at,"
	"  greatest(not_before, sct_time) AS issued_at FROM leaf"
	"  WHERE issuer_key_id = $1::bigint AND ($2::text = 'key' OR"
	"   (not_before >= $3::timestamptz AND not_before < $4::timestamptz))),"
	" live AS (SELECT * FROM dep WHERE not_after >= $7::timestamptz"
	"  AND (revoked_at IS NULL OR revoked_at > $7::timestamptz)),"
	" viol AS (SELECT * FROM dep WHERE issued_at >= $5::timestamptz),"
	" lastleaf AS (SELECT serial, not_after FROM live ORDER BY not_after DESC, serial LIMIT 1)"
	" SELECT (SELECT count(*) FROM live), (SELECT count(*) FROM viol),"
	"  " TSF("coalesce((SELECT max(not_after) FROM live), $5::timestamptz) + make_interval(secs => $6::bigint)") ","
	"  " TSF("coalesce((SELECT max(not_after) FROM live WHERE id NOT IN (SELECT id FROM viol)), $5::timestamptz)"
	"   + make_interval(secs => $6::bigint)") ","
	"  (SELECT encode(serial, 'hex') FROM lastleaf), (SELECT " TSF("not_after") " FROM lastleaf)";

struct certrow {
	int64_t id, key_id;
	int64_t issuer_key_id;	/* 0 when unknown */
	char sha[65];
	char name[128];
	char issuer_name[128];
	bool self_signed, revoked;
	ll_time not_before, not_after;
};

static bool load_cert(struct store *s, const uint8_t sha[32], struct certrow *c, struct ll_err *err)
{
	const char *p[1] = {(const char *)sha};
	int lens[1] = {32}, fmts[1] = {1};
	PGresult *r = store_queryb(s,
		"SELECT c.id, c.key_id, coalesce(c.issuer_key_id, 0), encode(c.sha256, 'hex'), "
		"coalesce(k.name, ''), coalesce(ik.name, ''), c.self_signed, c.revoked_at IS NOT NULL, "
		TSF("c.not_before") ", " TSF("c.not_after") " FROM ca_cert c JOIN ca_key k ON k.id = c.key_id "
		"LEFT JOIN ca_key ik ON ik.id = c.issuer_key_id WHERE c.sha256 = $1",
		1, p, lens, fmts, err);
	char hex[65];

	if (!r)
		return false;
	if (PQntuples(r) == 0) {
		PQclear(r);
		ll_hex_encode(sha, 32, hex);
		return ll_err_set(err, "no registered CA certificate with SHA-256 %s (see `lastleaf ca list`)",
				  hex);
	}
	c->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	c->key_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	c->issuer_key_id = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	snprintf(c->sha, sizeof(c->sha), "%s", PQgetvalue(r, 0, 3));
	snprintf(c->name, sizeof(c->name), "%s", PQgetvalue(r, 0, 4));
	snprintf(c->issuer_name, sizeof(c->issuer_name), "%s", PQgetvalue(r, 0, 5));
	c->self_signed = strcmp(PQgetvalue(r, 0, 6), "t") == 0;
	c->revoked = strcmp(PQgetvalue(r, 0, 7), "t") == 0;
	ll_time_parse_rfc3339(PQgetvalue(r, 0, 8), &c->not_before);
	ll_time_parse_rfc3339(PQgetvalue(r, 0, 9), &c->not_after);
	PQclear(r);
	return true;
}

static bool calc(struct store *s, int64_t key_id, bool window, ll_time from, ll_time until,
		 ll_time freeze, int64_t grace, struct retire_calc *out, struct ll_err *err)
{
	char kid[24], fb[LL_TIME_RFC3339_LEN], ub[LL_TIME_RFC3339_LEN], zb[LL_TIME_RFC3339_LEN], gb[24];
	char nb[LL_TIME_RFC3339_LEN];
	const char *p[7] = {kid, window ? "window" : "key", ll_time_format_rfc3339(from, fb),
			    ll_time_format_rfc3339(until, ub), ll_time_format_rfc3339(freeze, zb), gb,
			    ll_time_format_rfc3339(ll_now(), nb)};
	PGresult *r;

	snprintf(kid, sizeof(kid), "%lld", (long long)key_id);
	snprintf(gb, sizeof(gb), "%lld", (long long)grace);
	r = store_query(s, calc_sql, 7, p, err);
	if (!r)
		return false;
	memset(out, 0, sizeof(*out));
	out->freeze_at = freeze;
	out->live_dependents = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	out->violations = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	ll_time_parse_rfc3339(PQgetvalue(r, 0, 2), &out->due_at);
	ll_time_parse_rfc3339(PQgetvalue(r, 0, 3), &out->policy_due_at);
	if (!PQgetisnull(r, 0, 4)) {
		out->has_last = true;
		snprintf(out->last_serial, sizeof(out->last_serial), "%s", PQgetvalue(r, 0, 4));
		ll_time_parse_rfc3339(PQgetvalue(r, 0, 5), &out->last_not_after);
	}
	PQclear(r);
	return true;
}

static bool audit_plan(struct store *s, const char *action, int64_t plan_id, const char *cert,
		       const char *extra_key, const char *extra_val, struct ll_err *err)
{
	struct json_out j;
	bool ok;

	json_init(&j);
	json_obj_begin(&j);
	json_kv_int(&j, "plan", plan_id);
	json_kv_str(&j, "ca_cert", cert);
	if (extra_key)
		json_kv_str(&j, extra_key, extra_val);
	json_obj_end(&j);
	ok = store_audit(s, action, json_str(&j), NULL, err);
	json_free(&j);
	return ok;
}

static void print_calc(FILE *out, const struct certrow *c, const struct retire_spec *sp,
		       const struct retire_calc *k, const struct cfg *cfg, bool dry)
{
	char b1[LL_TIME_RFC3339_LEN], b2[LL_TIME_RFC3339_LEN], b3[LL_TIME_RFC3339_LEN];
	const struct cfg_ca *parent = c->issuer_name[0] ? cfg_find_ca(cfg, c->issuer_name) : NULL;
	ll_time now = ll_now();

	fprintf(out, "%splan for CA certificate %s (%s)\n", dry ? "dry run: " : "", c->sha, c->name);
	fprintf(out, "  reason           %s\n", revoke_reason_name(sp->reason));
	fprintf(out, "  policy           %s", sp->window ? "window" : "key");
	if (sp->window)
		fprintf(out, " (leaves with notBefore in [%s, %s))", ll_time_format_rfc3339(sp->from, b1),
			ll_time_format_rfc3339(sp->until, b2));
	fprintf(out, "\n  freeze           %s\n", ll_time_format_rfc3339(k->freeze_at, b1));
	fprintf(out, "  grace            %llds\n", (long long)sp->grace);
	fprintf(out, "  live dependents  %lld\n", (long long)k->live_dependents);
	if (k->has_last)
		fprintf(out, "  last dependent   serial %s, notAfter %s\n", k->last_serial,
			ll_time_format_rfc3339(k->last_not_after, b2));
	fprintf(out, "  violations       %lld\n", (long long)k->violations);
	fprintf(out, "  due_at           %s (%+.1f days)%s\n", ll_time_format_rfc3339(k->due_at, b3),
		(double)(k->due_at - now) / 86400.0,
		k->due_at != k->policy_due_at ? " [later than the policy alone: a late leaf]" : "");
	if (k->due_at != k->policy_due_at)
		fprintf(out, "  policy_due_at    %s\n", ll_time_format_rfc3339(k->policy_due_at, b1));
	fprintf(out, "on execution:\n  1. revoke %s with reason %s at the execution time\n", c->sha,
		revoke_reason_name(sp->reason));
	fprintf(out, "  2. sign and publish the parent's CRL (%s)%s\n",
		c->issuer_name[0] ? c->issuer_name : "issuer not registered",
		parent ? "" : " -- WARNING: the parent has no key in this configuration");
	fprintf(out, "  3. %s\n", parent && parent->ocsp.set ? "re-sign the parent's OCSP response for it"
							      : "(the parent serves no OCSP here)");
	fprintf(out, "  4. if every CA certificate of key %s is then revoked or expired, publish its "
		     "last CRL (C10)\n", c->name);
}

/* C2: a compromised key is revoked in every CA certificate, at once. */
static bool key_compromise(struct store *s, const struct cfg *cfg, const struct certrow *c,
			   bool dry_run, FILE *out, struct ll_err *err)
{
	char kid[24];
	const char *p[1] = {kid};
	PGresult *r;
	int i;

	snprintf(kid, sizeof(kid), "%lld", (long long)c->key_id);
	r = store_query(s, "SELECT sha256, encode(sha256, 'hex'), coalesce(ik.name, '') FROM ca_cert c "
			   "LEFT JOIN ca_key ik ON ik.id = c.issuer_key_id WHERE c.key_id = $1 "
			   "AND NOT c.self_signed AND c.revoked_at IS NULL", 1, p, err);
	if (!r)
		return false;
	fprintf(out, "keyCompromise is not a plan: every CA certificate with key %s is revoked now (C2)\n",
		c->name);
	for (i = 0; i < PQntuples(r); i++) {
		uint8_t sha[32];
		size_t n;
		enum revoke_outcome oc;
		char summary[600];

		if (dry_run) {
			fprintf(out, "  would revoke %s (parent %s)\n", PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
			continue;
		}
		if (!store_parse_bytea(PQgetvalue(r, i, 0), sha, 32, &n) ||
		    !revoke_ca_cert(s, sha, 1, false, 0, false, &oc, summary, sizeof(summary), err)) {
			PQclear(r);
			return false;
		}
		fprintf(out, "  %s\n", summary);
		{
			const struct cfg_ca *parent = cfg_find_ca(cfg, PQgetvalue(r, i, 2));
			struct crlpub_result res;
			struct ll_err e2;

			if (parent && !crlpub_generate(s, cfg, parent, NULL, out, &res, &e2))
				fprintf(out, "  parent CRL for %s failed: %s (run `lastleaf crl generate`)\n",
					parent->name, e2.msg);
		}
	}
	PQclear(r);
	return true;
}

bool retire_plan(struct store *s, const struct cfg *cfg, const struct retire_spec *sp, bool dry_run,
		 FILE *out, struct ll_err *err)
{
	struct retire_calc k;
	struct certrow c;
	ll_time now = ll_now(), freeze, from = 0, until = 0;
	char fb[LL_TIME_RFC3339_LEN], ub[LL_TIME_RFC3339_LEN], zb[LL_TIME_RFC3339_LEN];
	char db[LL_TIME_RFC3339_LEN], pb[LL_TIME_RFC3339_LEN], lb[LL_TIME_RFC3339_LEN];
	char idb[24], rb[8], gb[24], actor[256];
	PGresult *r;
	int64_t plan_id;

	if (!load_cert(s, sp->cert_sha256, &c, err))
		return false;
	if (c.self_signed)
		return ll_err_set(err, "%s is a self-signed root: a root is retired by removing it from "
				       "trust stores, not by a plan", c.sha);
	if (c.revoked)
		return ll_err_set(err, "%s is already revoked", c.sha);
	switch (sp->reason) {
	case 1: case 3: case 4: case 5: case 9:
		break;
	default:
		return ll_err_set(err, "--reason %s: a retirement uses cessationOfOperation, superseded, "
				       "affiliationChanged, privilegeWithdrawn or keyCompromise (C5)",
				  revoke_reason_name(sp->reason));
	}
	if (sp->reason == 1) {
		if (sp->has_freeze && sp->freeze > now)
			return ll_err_set(err, "keyCompromise means now (C2): a future --freeze-at makes no sense");
		return key_compromise(s, cfg, &c, dry_run, out, err);
	}
	if (sp->window) {
		if (!sp->has_from || !sp->has_until)
			return ll_err_set(err, "--policy window needs --provided-from and --provided-until");
		if (sp->from >= sp->until)
			return ll_err_set(err, "--provided-from must be before --provided-until");
		from = sp->from;
		until = sp->until;
		if (sp->has_freeze && sp->freeze != sp->until)
			return ll_err_set(err, "under the window policy the end of the window is the freeze; "
					       "leave out --freeze-at");
		freeze = sp->until;
	} else {
		if (sp->has_from || sp->has_until)
			return ll_err_set(err, "--provided-from/--provided-until belong to --policy window");
		freeze = sp->has_freeze ? sp->freeze : now;
	}
	if (freeze < c.not_before)
		return ll_err_set(err, "the freeze %s is before the certificate's notBefore %s",
				  ll_time_format_rfc3339(freeze, zb), ll_time_format_rfc3339(c.not_before, fb));
	if (!calc(s, c.key_id, sp->window, from, until, freeze, sp->grace, &k, err))
		return false;
	print_calc(out, &c, sp, &k, cfg, dry_run);
	if (dry_run) {
		fprintf(out, "(--dry-run: nothing stored)\n");
		return true;
	}
	if (!store_begin(s, err))
		return false;
	{
		const char *p[14];
		char cid[24];

		snprintf(cid, sizeof(cid), "%lld", (long long)c.id);
		snprintf(rb, sizeof(rb), "%d", sp->reason);
		snprintf(gb, sizeof(gb), "%lld", (long long)sp->grace);
		p[0] = cid;
		p[1] = rb;
		p[2] = sp->window ? "window" : "key";
		p[3] = sp->window ? ll_time_format_rfc3339(from, fb) : NULL;
		p[4] = sp->window ? ll_time_format_rfc3339(until, ub) : NULL;
		p[5] = ll_time_format_rfc3339(freeze, zb);
		p[6] = gb;
		p[7] = sp->rationale;
		p[8] = store_audit_actor(s, actor, sizeof(actor));
		p[9] = ll_time_format_rfc3339(k.due_at, db);
		p[10] = ll_time_format_rfc3339(k.policy_due_at, pb);
		snprintf(idb, sizeof(idb), "%lld", (long long)k.live_dependents);
		p[11] = idb;
		p[12] = k.has_last ? k.last_serial : NULL;
		p[13] = k.has_last ? ll_time_format_rfc3339(k.last_not_after, lb) : NULL;
		r = store_query(s,
			"INSERT INTO retire_plan (ca_cert_id, state, reason, policy, provided_from, provided_until,"
			" freeze_at, grace_seconds, rationale, created_by, due_at, policy_due_at, live_dependents,"
			" last_dependent_serial, last_dependent_not_after) VALUES ($1, 'planned', $2, $3, $4, $5,"
			" $6, $7, $8, $9, $10, $11, $12, decode($13, 'hex'), $14) RETURNING id",
			14, p, err);
	}
	if (!r) {
		if (strstr(err->msg, "retire_plan_cert_idx"))
			ll_err_set(err, "%s already has a plan (see `lastleaf retire show --ca-cert %s`); "
					"cancel it first", c.sha, c.sha);
		goto fail;
	}
	plan_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (!audit_plan(s, "retire.plan", plan_id, c.sha, "due_at", db, err))
		goto fail;
	if (!store_commit(s, err))
		goto fail;
	/* record violations found at creation (a freeze in the past) */
	{
		int64_t nv;
		if (!retire_refresh_all(s, &nv, err))
			return false;
	}
	fprintf(out, "plan %lld stored (state planned)\n", (long long)plan_id);
	return true;
fail:
	store_rollback(s);
	return false;
}

/* Recomputes one plan inside the caller's transaction; records new
 * violations and moves planned <-> due with the clock. */
static bool refresh_plan(struct store *s, const char *plan_id, int64_t *new_viol, struct ll_err *err)
{
	const char *p[1] = {plan_id};
	PGresult *r = store_query(s,
		"SELECT c.key_id, p.policy, " TSF("coalesce(p.provided_from, 'epoch')") ", "
		TSF("coalesce(p.provided_until, 'epoch')") ", " TSF("p.freeze_at") ", p.grace_seconds, "
		"encode(c.sha256, 'hex'), p.state FROM retire_plan p JOIN ca_cert c ON c.id = p.ca_cert_id "
		"WHERE p.id = $1", 1, p, err);
	struct retire_calc k;
	ll_time from, until, freeze;
	int64_t key_id, grace;
	bool window;
	char cert[65], state[16];

	if (!r)
		return false;
	key_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	window = strcmp(PQgetvalue(r, 0, 1), "window") == 0;
	ll_time_parse_rfc3339(PQgetvalue(r, 0, 2), &from);
	ll_time_parse_rfc3339(PQgetvalue(r, 0, 3), &until);
	ll_time_parse_rfc3339(PQgetvalue(r, 0, 4), &freeze);
	grace = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
	snprintf(cert, sizeof(cert), "%s", PQgetvalue(r, 0, 6));
	snprintf(state, sizeof(state), "%s", PQgetvalue(r, 0, 7));
	PQclear(r);
	if (!calc(s, key_id, window, from, until, freeze, grace, &k, err))
		return false;
	{
		char kid[24], zb[LL_TIME_RFC3339_LEN];
		const char *q[4] = {plan_id, kid, window ? "window" : "key", ll_time_format_rfc3339(freeze, zb)};
		char fb[LL_TIME_RFC3339_LEN], ub[LL_TIME_RFC3339_LEN];
		const char *q2[6];

		snprintf(kid, sizeof(kid), "%lld", (long long)key_id);
		q2[0] = q[0];
		q2[1] = q[1];
		q2[2] = q[2];
		q2[3] = q[3];
		q2[4] = ll_time_format_rfc3339(from, fb);
		q2[5] = ll_time_format_rfc3339(until, ub);
		r = store_query(s,
			"WITH v AS (INSERT INTO retire_violation (plan_id, leaf_id, issued_at, not_after)"
			" SELECT $1::bigint, id, greatest(not_before, sct_time), not_after FROM leaf"
			" WHERE issuer_key_id = $2::bigint AND greatest(not_before, sct_time) >= $4::timestamptz"
			" AND ($3::text = 'key' OR (not_before >= $5::timestamptz AND not_before < $6::timestamptz))"
			" ON CONFLICT DO NOTHING RETURNING leaf_id) SELECT count(*) FROM v",
			6, q2, err);
	}
	if (!r)
		return false;
	*new_viol += strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	if (atoll(PQgetvalue(r, 0, 0)) > 0 &&
	    !audit_plan(s, "retire.violation", strtoll(plan_id, NULL, 10), cert, "new_violations",
			PQgetvalue(r, 0, 0), err)) {
		PQclear(r);
		return false;
	}
	PQclear(r);
	{
		char db[LL_TIME_RFC3339_LEN], pb[LL_TIME_RFC3339_LEN], lb[LL_TIME_RFC3339_LEN], ld[24];
		char nb[LL_TIME_RFC3339_LEN];
		const char *q[7] = {plan_id, ll_time_format_rfc3339(k.due_at, db),
				    ll_time_format_rfc3339(k.policy_due_at, pb), ld,
				    k.has_last ? k.last_serial : NULL,
				    k.has_last ? ll_time_format_rfc3339(k.last_not_after, lb) : NULL,
				    ll_time_format_rfc3339(ll_now(), nb)};

		snprintf(ld, sizeof(ld), "%lld", (long long)k.live_dependents);
		r = store_query(s,
			"UPDATE retire_plan SET due_at = $2, policy_due_at = $3, live_dependents = $4,"
			" last_dependent_serial = decode($5, 'hex'), last_dependent_not_after = $6,"
			" violations = (SELECT count(*) FROM retire_violation WHERE plan_id = $1::bigint),"
			" computed_at = now(),"
			" state = CASE WHEN state IN ('planned', 'due') THEN"
			"  CASE WHEN $2::timestamptz <= $7::timestamptz THEN 'due' ELSE 'planned' END ELSE state END"
			" WHERE id = $1::bigint RETURNING state", 7, q, err);
		if (!r)
			return false;
		if (strcmp(state, PQgetvalue(r, 0, 0)) != 0 &&
		    !audit_plan(s, "retire.state", strtoll(plan_id, NULL, 10), cert, "state",
				PQgetvalue(r, 0, 0), err)) {
			PQclear(r);
			return false;
		}
		PQclear(r);
	}
	return true;
}

bool retire_refresh_all(struct store *s, int64_t *new_violations, struct ll_err *err)
{
	PGresult *r;
	int i;

	*new_violations = 0;
	r = store_query(s, "SELECT id FROM retire_plan WHERE state IN ('planned', 'due', 'executed') "
			   "ORDER BY id", 0, NULL, err);
	if (!r)
		return false;
	for (i = 0; i < PQntuples(r); i++) {
		char id[24];

		snprintf(id, sizeof(id), "%s", PQgetvalue(r, i, 0));
		/* one short transaction per plan, skipping plans another
		 * process is working on */
		if (!store_begin(s, err))
			goto fail;
		{
			const char *p[1] = {id};
			PGresult *l = store_query(s, "SELECT 1 FROM retire_plan WHERE id = $1 "
						     "FOR UPDATE SKIP LOCKED", 1, p, err);
			if (!l) {
				store_rollback(s);
				goto fail;
			}
			if (PQntuples(l) == 0) {
				PQclear(l);
				store_rollback(s);
				continue;
			}
			PQclear(l);
		}
		if (!refresh_plan(s, id, new_violations, err) || !store_commit(s, err)) {
			store_rollback(s);
			goto fail;
		}
	}
	PQclear(r);
	return true;
fail:
	PQclear(r);
	return false;
}

static bool remove_step(struct store *s, const char *id, const char *step, const char *set_sql,
			const char *arg, struct ll_err *err)
{
	const char *p[3] = {id, step, arg};
	char sql[512];
	PGresult *r;

	snprintf(sql, sizeof(sql), "UPDATE retire_plan SET steps_pending = array_remove(steps_pending, $2)%s%s "
				   "WHERE id = $1::bigint", set_sql ? ", " : "", set_sql ? set_sql : "");
	r = store_query(s, sql, arg ? 3 : 2, p, err);
	PQclear(r);
	return r != NULL;
}

/* Steps 2-4 of one executed plan. A session advisory lock keeps two
 * processes from doing the same plan's steps at once; each step records
 * its own completion, so a crash in between is resumed by the next run. */
static bool finish_steps(struct store *s, const struct cfg *cfg, const char *id, FILE *log,
			 bool *left, struct ll_err *err)
{
	const char *p[1] = {id};
	PGresult *r, *l;
	char cert_key[24], parent[128], serial[130], cert[65], kname[128];
	bool got, ok = false;

	*left = false;
	l = store_query(s, "SELECT pg_try_advisory_lock(1819017221, $1::int)", 1, p, err);
	if (!l)
		return false;
	got = strcmp(PQgetvalue(l, 0, 0), "t") == 0;
	PQclear(l);
	if (!got) {
		*left = true;
		return true;
	}
	r = store_query(s,
		"SELECT c.key_id, coalesce(ik.name, ''), encode(c.serial, 'hex'), encode(c.sha256, 'hex'), "
		"coalesce(k.name, ''), 'parent_crl' = ANY(p.steps_pending), 'parent_ocsp' = ANY(p.steps_pending), "
		"'final_crl' = ANY(p.steps_pending) FROM retire_plan p JOIN ca_cert c ON c.id = p.ca_cert_id "
		"JOIN ca_key k ON k.id = c.key_id LEFT JOIN ca_key ik ON ik.id = c.issuer_key_id WHERE p.id = $1",
		1, p, err);
	if (!r)
		goto out;
	snprintf(cert_key, sizeof(cert_key), "%s", PQgetvalue(r, 0, 0));
	snprintf(parent, sizeof(parent), "%s", PQgetvalue(r, 0, 1));
	snprintf(serial, sizeof(serial), "%s", PQgetvalue(r, 0, 2));
	snprintf(cert, sizeof(cert), "%s", PQgetvalue(r, 0, 3));
	snprintf(kname, sizeof(kname), "%s", PQgetvalue(r, 0, 4));
	{
		bool want_crl = PQgetvalue(r, 0, 5)[0] == 't', want_ocsp = PQgetvalue(r, 0, 6)[0] == 't';
		bool want_final = PQgetvalue(r, 0, 7)[0] == 't';
		const struct cfg_ca *pca = parent[0] ? cfg_find_ca(cfg, parent) : NULL;

		PQclear(r);
		if (want_crl) {
			struct crlpub_result res;
			struct ll_err e2;

			if (!pca) {
				*left = true;
				if (log)
					fprintf(log, "plan %s: the parent CA '%s' has no key in this configuration: "
						     "its CRL cannot be signed here (24-hour rule, C4)\n", id, parent);
			} else if (!crlpub_generate(s, cfg, pca, NULL, log, &res, &e2) || !res.signed_crls) {
				*left = true;
				if (log)
					fprintf(log, "plan %s: parent CRL (%s) failed, will retry: %s\n", id, parent,
						res.signed_crls ? "" : e2.msg);
			} else {
				const char *q[1] = {pca->name};
				PGresult *n = store_query(s, "SELECT max(number) FROM crl c JOIN ca_key k ON "
							     "k.id = c.issuer_key_id WHERE k.name = $1", 1, q, err);
				if (!n)
					goto out;
				if (!remove_step(s, id, "parent_crl", "parent_crl_number = $3::numeric, parent_crl_at = now()",
						 PQgetvalue(n, 0, 0), err)) {
					PQclear(n);
					goto out;
				}
				if (!audit_plan(s, "retire.parent_crl", strtoll(id, NULL, 10), cert, "crl_number",
						PQgetvalue(n, 0, 0), err)) {
					PQclear(n);
					goto out;
				}
				PQclear(n);
			}
		}
		if (want_ocsp) {
			if (pca && pca->ocsp.set) {
				struct presign_opts o = {0};
				struct presign_stats st;
				uint8_t sb[64];
				size_t sl;
				struct ll_err e2;

				o.only_serial = sb;
				if (ll_hex_decode(serial, sb, sizeof(sb), &sl)) {
					o.only_serial_len = sl;
					if (presign_ca(s, cfg, pca, &o, &st, NULL, &e2)) {
						if (!remove_step(s, id, "parent_ocsp", "parent_ocsp_at = now()", NULL, err))
							goto out;
					} else {
						*left = true;
						if (log)
							fprintf(log, "plan %s: parent OCSP failed, will retry: %s\n", id, e2.msg);
					}
				}
			} else if (!remove_step(s, id, "parent_ocsp", NULL, NULL, err)) {
				goto out; /* the parent serves no OCSP here: nothing to refresh */
			}
		}
		if (want_final) {
			const struct cfg_ca *own = kname[0] ? cfg_find_ca(cfg, kname) : NULL;
			struct crlpub_result res;
			struct ll_err e2;

			if (!own) {
				if (!remove_step(s, id, "final_crl", NULL, NULL, err))
					goto out;
				if (log)
					fprintf(log, "plan %s: key %s has no key in this configuration: no last CRL "
						     "signed here\n", id, kname);
			} else if (crlpub_generate_final(s, cfg, own, NULL, log, &res, &e2) && res.signed_crls) {
				const char *q[1] = {own->name};
				PGresult *n = store_query(s, "SELECT max(number) FROM crl c JOIN ca_key k ON "
							     "k.id = c.issuer_key_id WHERE k.name = $1", 1, q, err);
				if (!n || !remove_step(s, id, "final_crl", "final_crl_number = $3::numeric",
						       PQgetvalue(n, 0, 0), err)) {
					PQclear(n);
					goto out;
				}
				PQclear(n);
			} else {
				*left = true;
				if (log)
					fprintf(log, "plan %s: last CRL for %s failed, will retry: %s\n", id,
						own->name, e2.msg);
			}
		}
	}
	(void)cert_key;
	ok = true;
out:
	l = store_query(s, "SELECT pg_advisory_unlock(1819017221, $1::int)", 1, p, err);
	PQclear(l);
	return ok;
}

static bool execute_plan(struct store *s, const char *id, FILE *log, bool *done, struct ll_err *err)
{
	const char *p[1] = {id};
	PGresult *r;
	uint8_t sha[32];
	size_t n;
	int reason;
	enum revoke_outcome oc;
	char summary[600], cert[65], key_id[24];

	*done = false;
	if (!store_begin(s, err))
		return false;
	/* exactly once: whoever locks the row executes it */
	r = store_query(s, "SELECT p.reason, c.sha256, encode(c.sha256, 'hex'), c.key_id FROM retire_plan p "
			   "JOIN ca_cert c ON c.id = p.ca_cert_id WHERE p.id = $1 AND p.state IN ('planned', 'due') "
			   "FOR UPDATE OF p SKIP LOCKED", 1, p, err);
	if (!r)
		goto fail;
	if (PQntuples(r) == 0) {
		PQclear(r);
		store_rollback(s);
		return true;
	}
	reason = atoi(PQgetvalue(r, 0, 0));
	store_parse_bytea(PQgetvalue(r, 0, 1), sha, 32, &n);
	snprintf(cert, sizeof(cert), "%s", PQgetvalue(r, 0, 2));
	snprintf(key_id, sizeof(key_id), "%s", PQgetvalue(r, 0, 3));
	PQclear(r);
	{
		int64_t nv = 0;
		if (!refresh_plan(s, id, &nv, err))
			goto fail;
	}
	{
		char nb[LL_TIME_RFC3339_LEN];
		const char *q[2] = {id, ll_time_format_rfc3339(ll_now(), nb)};
		r = store_query(s, "SELECT due_at <= $2::timestamptz FROM retire_plan WHERE id = $1", 2, q, err);
	}
	if (!r)
		goto fail;
	if (PQgetvalue(r, 0, 0)[0] != 't') {
		PQclear(r);
		/* a late leaf moved the date: commit the recomputation only */
		return store_commit(s, err);
	}
	PQclear(r);
	if (!revoke_ca_cert(s, sha, reason, false, 0, true, &oc, summary, sizeof(summary), err))
		goto fail;
	{
		char nb[LL_TIME_RFC3339_LEN];
		const char *q[3] = {id, key_id, ll_time_format_rfc3339(ll_now(), nb)};
		/* C10: the last CRL only when every certificate of the key is done */
		r = store_query(s,
			"UPDATE retire_plan SET state = 'executed', executed_at = $3::timestamptz,"
			" revoked_at = (SELECT revoked_at FROM ca_cert WHERE id = retire_plan.ca_cert_id),"
			" steps_pending = ARRAY['parent_crl', 'parent_ocsp'] ||"
			"  CASE WHEN NOT EXISTS (SELECT 1 FROM ca_cert WHERE key_id = $2::bigint"
			"   AND revoked_at IS NULL AND not_after > $3::timestamptz) THEN ARRAY['final_crl'] ELSE '{}' END"
			" WHERE id = $1::bigint", 3, q, err);
	}
	if (!r)
		goto fail;
	PQclear(r);
	if (!audit_plan(s, "retire.execute", strtoll(id, NULL, 10), cert, "revocation", summary, err) ||
	    !store_commit(s, err))
		goto fail;
	{
		/* test hook: die between the revocation and the follow-up steps */
		const char *fault = getenv("LASTLEAF_FAULT");
		if (fault && strcmp(fault, "retire-after-revoke") == 0)
			raise(SIGKILL);
	}
	if (log)
		fprintf(log, "plan %s executed: %s\n", id, summary);
	*done = true;
	return true;
fail:
	store_rollback(s);
	return false;
}

bool retire_run(struct store *s, const struct cfg *cfg, FILE *log, int *executed, int *pending,
		struct ll_err *err)
{
	int64_t nv;
	PGresult *r;
	int i;

	*executed = *pending = 0;
	if (!retire_refresh_all(s, &nv, err))
		return false;
	{
		char nb[LL_TIME_RFC3339_LEN];
		const char *q[1] = {ll_time_format_rfc3339(ll_now(), nb)};
		r = store_query(s, "SELECT id FROM retire_plan WHERE state IN ('planned', 'due') AND "
				   "due_at <= $1::timestamptz ORDER BY due_at, id", 1, q, err);
	}
	if (!r)
		return false;
	for (i = 0; i < PQntuples(r); i++) {
		bool done;
		char id[24];

		snprintf(id, sizeof(id), "%s", PQgetvalue(r, i, 0));
		if (!execute_plan(s, id, log, &done, err)) {
			PQclear(r);
			return false;
		}
		*executed += done;
	}
	PQclear(r);
	r = store_query(s, "SELECT id FROM retire_plan WHERE state = 'executed' AND "
			   "cardinality(steps_pending) > 0 ORDER BY id", 0, NULL, err);
	if (!r)
		return false;
	for (i = 0; i < PQntuples(r); i++) {
		bool left;
		char id[24];

		snprintf(id, sizeof(id), "%s", PQgetvalue(r, i, 0));
		if (!finish_steps(s, cfg, id, log, &left, err)) {
			PQclear(r);
			return false;
		}
		*pending += left;
	}
	PQclear(r);
	return true;
}

bool retire_plan_json(struct store *s, const char *cert_sha256_hex, struct json_out *j,
		      struct ll_err *err)
{
	char nb[LL_TIME_RFC3339_LEN];
	const char *p[2] = {cert_sha256_hex, ll_time_format_rfc3339(ll_now(), nb)};
	PGresult *r = store_query(s,
		"SELECT p.state, p.policy, p.reason, " TSF("p.freeze_at") ", " TSF("p.due_at") ", "
		TSF("p.policy_due_at") ", p.live_dependents, p.violations, encode(p.last_dependent_serial, 'hex'), "
		TSF("p.provided_from") ", " TSF("p.provided_until") ", p.grace_seconds, "
		TSF("p.executed_at") ", array_to_string(p.steps_pending, ','), p.parent_crl_number::text, "
		TSF("p.last_dependent_not_after") ", extract(epoch FROM p.due_at - $2::timestamptz)::bigint, p.id "
		"FROM retire_plan p JOIN ca_cert c ON c.id = p.ca_cert_id "
		"WHERE encode(c.sha256, 'hex') = $1 ORDER BY (p.state = 'cancelled'), p.id DESC LIMIT 1",
		2, p, err);
	int k;

	if (!r)
		return false;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return false;
	}
#define V(i) (PQgetisnull(r, 0, i) ? NULL : PQgetvalue(r, 0, i))
	json_obj_begin(j);
	json_kv_str(j, "state", V(0));
	json_kv_str(j, "policy", V(1));
	json_kv_str(j, "reason", revoke_reason_name(atoi(PQgetvalue(r, 0, 2))));
	json_kv_str(j, "freeze_at", V(3));
	json_kv_str(j, "due_at", V(4));
	json_kv_str(j, "policy_due_at", V(5));
	json_kv_int(j, "live_dependents", strtoll(PQgetvalue(r, 0, 6), NULL, 10));
	json_kv_int(j, "violations", strtoll(PQgetvalue(r, 0, 7), NULL, 10));
	json_kv_str(j, "last_dependent_serial", V(8));
	json_kv_str(j, "last_dependent_not_after", V(15));
	json_kv_str(j, "provided_from", V(9));
	json_kv_str(j, "provided_until", V(10));
	json_kv_int(j, "grace_seconds", strtoll(PQgetvalue(r, 0, 11), NULL, 10));
	json_key(j, "days_left");
	json_int_val(j, strtoll(PQgetvalue(r, 0, 16), NULL, 10) / 86400);
	json_kv_str(j, "executed_at", V(12));
	json_arr_key_begin(j, "steps_pending");
	{
		char steps[256], *tok, *save = NULL;
		snprintf(steps, sizeof(steps), "%s", PQgetvalue(r, 0, 13));
		for (tok = strtok_r(steps, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			json_str_val(j, tok);
	}
	json_arr_end(j);
	json_kv_str(j, "parent_crl_number", V(14));
	json_kv_int(j, "plan_id", strtoll(PQgetvalue(r, 0, 17), NULL, 10));
	json_obj_end(j);
#undef V
	(void)k;
	PQclear(r);
	return true;
}
