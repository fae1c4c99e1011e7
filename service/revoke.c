/* revoke.c - see revoke.h. */
#include "revoke.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "json.h"

static const char *const names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
	"aACompromise",
};

int revoke_reason_code(const char *name)
{
	int i;

	for (i = 0; i <= 10; i++)
		if (names[i] && strcasecmp(name, names[i]) == 0)
			return i;
	return -1;
}

const char *revoke_reason_name(int code)
{
	if (code <= 0 || code > 10 || !names[code])
		return "unspecified";
	return names[code];
}

const char *revoke_leaf_reason_problem(int code)
{
	switch (code) {
	case 0: case 1: case 3: case 4: case 5: case 9:
		return NULL;
	case 6:
		return "certificateHold is refused: the BRs forbid suspending certificates (A29, A32)";
	case 2:
		return "cACompromise is not a reason for a subscriber certificate (A29); use keyCompromise";
	default:
		return "reason not allowed for a subscriber certificate (A29 allows unspecified, "
		       "keyCompromise, affiliationChanged, superseded, cessationOfOperation, "
		       "privilegeWithdrawn)";
	}
}

const char *revoke_ca_reason_problem(int code)
{
	switch (code) {
	case 1: case 3: case 4: case 5: case 9:
		return NULL;
	case 0:
		return "a CA certificate's revocation always carries a reason (A31): use "
		       "keyCompromise, affiliationChanged, superseded, cessationOfOperation or "
		       "privilegeWithdrawn";
	case 2:
		return "cACompromise is not in the BR's CRLReason table (O1): use keyCompromise";
	case 6:
		return "certificateHold is never used for a CA certificate (A31)";
	default:
		return "reason not allowed for a CA certificate (A31)";
	}
}

/* NULL and 0 both mean "no reasonCode" */
static int norm_reason(int r)
{
	return r <= 0 ? -1 : r;
}

static bool notify(struct store *s, const char *payload, struct ll_err *err)
{
	const char *p[1] = {payload};
	PGresult *r = store_query(s, "SELECT pg_notify('lastleaf_revocation', $1)", 1, p, err);

	PQclear(r);
	return r != NULL;
}

static void fmt_audit(char *out, size_t len, const char *kind, const char *ident, const char *serial,
		      int reason, ll_time at, bool has_inv, ll_time inv, const char *outcome)
{
	struct json_out j;
	char tb[LL_TIME_RFC3339_LEN], ib[LL_TIME_RFC3339_LEN];

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, kind, ident);
	if (serial)
		json_kv_str(&j, "serial", serial);
	json_kv_str(&j, "reason", revoke_reason_name(reason));
	json_kv_str(&j, "revoked_at", ll_time_format_rfc3339(at, tb));
	if (has_inv)
		json_kv_str(&j, "invalidity_date", ll_time_format_rfc3339(inv, ib));
	json_kv_str(&j, "outcome", outcome);
	json_obj_end(&j);
	snprintf(out, len, "%s", json_str(&j));
	json_free(&j);
}

bool revoke_leaf(struct store *s, const struct revoke_leaf_req *r, enum revoke_outcome *out,
		 char *summary, size_t summary_len, struct ll_err *err)
{
	char hex[130], tb[LL_TIME_RFC3339_LEN], ib[LL_TIME_RFC3339_LEN], args[1024], payload[200];
	const char *problem = revoke_leaf_reason_problem(r->reason);
	ll_time now = ll_now(), at = r->has_at ? r->at : now, nb = 0, old_at = 0;
	const char *p[6];
	int lens[6] = {0}, fmts[6] = {0};
	PGresult *res = NULL;
	bool has_nb, revoked, ok = false;
	int old_reason;
	char idbuf[24];

	if (problem)
		return ll_err_set(err, "--reason %s: %s", revoke_reason_name(r->reason), problem);
	if (at > now)
		return ll_err_set(err, "--at %s is in the future (E13)", ll_time_format_rfc3339(at, tb));
	if (r->has_invalidity && r->invalidity > at)
		return ll_err_set(err, "--invalidity-date %s is after the revocation time",
				  ll_time_format_rfc3339(r->invalidity, ib));
	ll_hex_encode(r->serial, r->serial_len, hex);
	if (!store_begin(s, err))
		return false;
	p[0] = r->ca_name;
	p[1] = (const char *)r->serial;
	lens[1] = (int)r->serial_len;
	fmts[1] = 1;
	/* exact octets first (A24); then ignoring leading zero octets, since
	 * `openssl x509 -serial` prints the minimal form */
	res = store_queryb(s,
		"SELECT l.id, to_char(l.not_before, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
		"to_char(l.revoked_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), l.revocation_reason, "
		"l.issuer_key_id, encode(l.serial, 'hex') "
		"FROM leaf l JOIN ca_key k ON k.id = l.issuer_key_id "
		"WHERE k.name = $1 AND (l.serial = $2 OR ltrim(l.serial, '\\x00'::bytea) = ltrim($2, '\\x00'::bytea)) "
		"ORDER BY l.serial = $2 DESC LIMIT 1 FOR UPDATE OF l",
		2, p, lens, fmts, err);
	if (!res)
		goto fail;
	if (PQntuples(res) == 0) {
		PGresult *k = store_query(s, "SELECT 1 FROM ca_key WHERE name = $1", 1, p, err);
		bool known = k && PQntuples(k) > 0;

		PQclear(k);
		if (known)
			ll_err_set(err, "CA '%s' has no leaf with serial %s in the inventory "
					"(import it first)", r->ca_name, hex);
		else
			ll_err_set(err, "no CA named '%s' (see `lastleaf ca list`)", r->ca_name);
		goto fail;
	}
	snprintf(idbuf, sizeof(idbuf), "%s", PQgetvalue(res, 0, 0));
	snprintf(hex, sizeof(hex), "%s", PQgetvalue(res, 0, 5));
	has_nb = !PQgetisnull(res, 0, 1) && ll_time_parse_rfc3339(PQgetvalue(res, 0, 1), &nb);
	revoked = !PQgetisnull(res, 0, 2) && ll_time_parse_rfc3339(PQgetvalue(res, 0, 2), &old_at);
	old_reason = PQgetisnull(res, 0, 3) ? -1 : atoi(PQgetvalue(res, 0, 3));
	snprintf(payload, sizeof(payload), "leaf:%s:%s", PQgetvalue(res, 0, 4), hex);
	PQclear(res);
	res = NULL;
	if (has_nb && at < nb) {
		ll_err_set(err, "revocation time %s is before the certificate's notBefore %s (E13)",
			   ll_time_format_rfc3339(at, tb), ll_time_format_rfc3339(nb, ib));
		goto fail;
	}
	if (revoked) {
		bool same_reason = norm_reason(old_reason) == norm_reason(r->reason);
		bool same_time = !r->has_at || r->at == old_at;

		if (same_reason && same_time) {
			store_rollback(s);
			*out = REVOKE_NOOP;
			snprintf(summary, summary_len, "serial %s of CA %s was already revoked at %s (%s): "
				 "nothing to do", hex, r->ca_name, ll_time_format_rfc3339(old_at, tb),
				 revoke_reason_name(old_reason));
			return true;
		}
		if (r->reason == 1 && norm_reason(old_reason) != 1 && (!r->has_at || r->at <= old_at)) {
			/* A33: evidence of key compromise upgrades the reason; the
			 * date may move earlier (A25 allows backdating for it) */
			*out = REVOKE_UPGRADED;
			at = r->has_at ? r->at : old_at;
		} else {
			ll_err_set(err, "serial %s of CA %s is already revoked at %s (%s); refusing a "
					"conflicting revocation (%s%s%s)", hex, r->ca_name,
				   ll_time_format_rfc3339(old_at, tb), revoke_reason_name(old_reason),
				   revoke_reason_name(r->reason), r->has_at ? " at " : "",
				   r->has_at ? ll_time_format_rfc3339(r->at, ib) : "");
			goto fail;
		}
	} else {
		*out = REVOKE_DONE;
	}
	p[0] = ll_time_format_rfc3339(at, tb);
	snprintf(args, sizeof(args), "%d", r->reason);
	p[1] = norm_reason(r->reason) < 0 ? NULL : args;
	p[2] = r->has_invalidity ? ll_time_format_rfc3339(r->invalidity, ib) : NULL;
	p[3] = idbuf;
	res = store_query(s, "UPDATE leaf SET revoked_at = $1, revocation_reason = $2, "
			     "invalidity_date = coalesce($3, invalidity_date), crl_done = false WHERE id = $4",
			  4, p, err);
	if (!res)
		goto fail;
	PQclear(res);
	res = NULL;
	fmt_audit(args, sizeof(args), "ca", r->ca_name, hex, r->reason, at, r->has_invalidity,
		  r->invalidity, *out == REVOKE_UPGRADED ? "reason upgraded to keyCompromise (A33)" : "revoked");
	if (!store_audit(s, "revoke.leaf", args, NULL, err) || !notify(s, payload, err) ||
	    !store_commit(s, err))
		goto fail;
	snprintf(summary, summary_len, "%s serial %s of CA %s at %s (%s)",
		 *out == REVOKE_UPGRADED ? "changed the reason to keyCompromise for" : "revoked", hex,
		 r->ca_name, ll_time_format_rfc3339(at, tb), revoke_reason_name(r->reason));
	ok = true;
	return ok;
fail:
	PQclear(res);
	store_rollback(s);
	return false;
}

bool revoke_ca_cert(struct store *s, const uint8_t sha256[32], int reason, bool has_at,
		    ll_time at_in, bool in_tx, enum revoke_outcome *out, char *summary,
		    size_t summary_len, struct ll_err *err)
{
	char fp[65], tb[LL_TIME_RFC3339_LEN], ib[LL_TIME_RFC3339_LEN], args[1024], payload[120], rbuf[8];
	const char *problem = revoke_ca_reason_problem(reason);
	ll_time now = ll_now(), at = has_at ? at_in : now, nb, old_at;
	const char *p[3];
	int lens[3] = {32, 0, 0}, fmts[3] = {1, 0, 0};
	PGresult *res = NULL;
	char idbuf[24], name[128];

	ll_hex_encode(sha256, 32, fp);
	if (problem)
		return ll_err_set(err, "--reason %s: %s", revoke_reason_name(reason), problem);
	if (at > now)
		return ll_err_set(err, "--at %s is in the future (E13)", ll_time_format_rfc3339(at, tb));
	if (!in_tx && !store_begin(s, err))
		return false;
	p[0] = (const char *)sha256;
	res = store_queryb(s,
		"SELECT c.id, to_char(c.not_before, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
		"to_char(c.revoked_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), c.revocation_reason, "
		"c.self_signed, coalesce(k.name, ''), c.issuer_key_id IS NULL "
		"FROM ca_cert c JOIN ca_key k ON k.id = c.key_id WHERE c.sha256 = $1 FOR UPDATE OF c",
		1, p, lens, fmts, err);
	if (!res)
		goto fail;
	if (PQntuples(res) == 0) {
		ll_err_set(err, "no registered CA certificate with SHA-256 %s (see `lastleaf ca list`)", fp);
		goto fail;
	}
	snprintf(idbuf, sizeof(idbuf), "%s", PQgetvalue(res, 0, 0));
	snprintf(name, sizeof(name), "%s", PQgetvalue(res, 0, 5));
	if (strcmp(PQgetvalue(res, 0, 4), "t") == 0) {
		ll_err_set(err, "%s is a self-signed root: no CRL can list it; retire a root by "
				"removing it from trust stores", fp);
		goto fail;
	}
	ll_time_parse_rfc3339(PQgetvalue(res, 0, 1), &nb);
	if (at < nb) {
		ll_err_set(err, "revocation time %s is before the certificate's notBefore %s (E13)",
			   ll_time_format_rfc3339(at, tb), ll_time_format_rfc3339(nb, ib));
		goto fail;
	}
	if (!PQgetisnull(res, 0, 2)) {
		int old_reason = PQgetisnull(res, 0, 3) ? -1 : atoi(PQgetvalue(res, 0, 3));

		ll_time_parse_rfc3339(PQgetvalue(res, 0, 2), &old_at);
		if (norm_reason(old_reason) == norm_reason(reason) && (!has_at || at_in == old_at)) {
			if (!in_tx)
				store_rollback(s);
			PQclear(res);
			*out = REVOKE_NOOP;
			snprintf(summary, summary_len, "CA certificate %s (%s) was already revoked at %s "
				 "(%s): nothing to do", fp, name, ll_time_format_rfc3339(old_at, tb),
				 revoke_reason_name(old_reason));
			return true;
		}
		ll_err_set(err, "CA certificate %s is already revoked at %s (%s); refusing a "
				"conflicting revocation", fp, ll_time_format_rfc3339(old_at, tb),
			   revoke_reason_name(old_reason));
		goto fail;
	}
	if (strcmp(PQgetvalue(res, 0, 6), "t") == 0)
		fprintf(stderr, "lastleaf: warning: the issuer of %s is not registered, so no CRL "
				"of lastleaf's will list it\n", fp);
	PQclear(res);
	res = NULL;
	snprintf(rbuf, sizeof(rbuf), "%d", reason);
	p[0] = ll_time_format_rfc3339(at, tb);
	p[1] = rbuf;
	p[2] = idbuf;
	res = store_query(s, "UPDATE ca_cert SET revoked_at = $1, revocation_reason = $2, "
			     "crl_done = false WHERE id = $3", 3, p, err);
	if (!res)
		goto fail;
	PQclear(res);
	res = NULL;
	fmt_audit(args, sizeof(args), "ca_cert", fp, NULL, reason, at, false, 0, "revoked");
	snprintf(payload, sizeof(payload), "ca:%s", fp);
	if (!store_audit(s, "revoke.ca_cert", args, NULL, err) || !notify(s, payload, err))
		goto fail;
	if (!in_tx && !store_commit(s, err))
		goto fail;
	*out = REVOKE_DONE;
	snprintf(summary, summary_len, "revoked CA certificate %s (%s) at %s (%s)", fp, name,
		 ll_time_format_rfc3339(at, tb), revoke_reason_name(reason));
	return true;
fail:
	PQclear(res);
	if (!in_tx)
		store_rollback(s);
	return false;
}
