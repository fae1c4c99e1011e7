/* issuer.c - see issuer.h. */
#include "issuer.h"

#include <stdlib.h>
#include <string.h>

static bool load(struct store *s, const char *name, bool latest, struct issuer_info *out,
		 struct ll_err *err)
{
	const char *p[1] = {name};
	PGresult *r;
	size_t dl;

	memset(out, 0, sizeof(*out));
	r = store_query(s, "SELECT id, spki FROM ca_key WHERE name = $1", 1, p, err);
	if (!r)
		return false;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return ll_err_set(err, "CA '%s' is configured but not registered: run `lastleaf ca add "
				       "--name %s CERT`", name, name);
	}
	snprintf(out->key_id, sizeof(out->key_id), "%s", PQgetvalue(r, 0, 0));
	if (!store_parse_bytea(PQgetvalue(r, 0, 1), out->spki, sizeof(out->spki), &out->spki_len)) {
		PQclear(r);
		return ll_err_set(err, "CA '%s': bad stored key", name);
	}
	PQclear(r);
	p[0] = out->key_id;
	r = store_query(s,
		latest ? "SELECT der, to_char(not_after, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM ca_cert "
			 "WHERE key_id = $1 ORDER BY not_before DESC, id DESC LIMIT 1"
		       : "SELECT der, to_char(not_after, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM ca_cert "
			 "WHERE key_id = $1 AND not_after > now() AND revoked_at IS NULL "
			 "ORDER BY not_before DESC, id DESC LIMIT 1", 1, p, err);
	if (!r)
		return false;
	if (PQntuples(r) == 0) {
		PQclear(r);
		out->no_duty = true;
		return true;
	}
	dl = strlen(PQgetvalue(r, 0, 0)) / 2;
	out->cert = malloc(dl + 1);
	if (!out->cert || !store_parse_bytea(PQgetvalue(r, 0, 0), out->cert, dl + 1, &out->cert_len)) {
		PQclear(r);
		issuer_free(out);
		return ll_err_set(err, "out of memory");
	}
	ll_time_parse_rfc3339(PQgetvalue(r, 0, 1), &out->cert_not_after);
	PQclear(r);
	return true;
}

bool issuer_load(struct store *s, const char *name, struct issuer_info *out, struct ll_err *err)
{
	return load(s, name, false, out, err);
}

bool issuer_load_latest(struct store *s, const char *name, struct issuer_info *out,
			struct ll_err *err)
{
	return load(s, name, true, out, err);
}

void issuer_free(struct issuer_info *i)
{
	free(i->cert);
	i->cert = NULL;
}
