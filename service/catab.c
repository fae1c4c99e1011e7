/* catab.c - see catab.h. */
#include "catab.h"

#include <stdlib.h>
#include <string.h>

#include "verify.h"

static bool dup_bytea(const char *txt, uint8_t **out, size_t *len)
{
	size_t cap = strlen(txt) / 2 + 1;

	*out = malloc(cap);
	if (!*out)
		return false;
	return store_parse_bytea(txt, *out, cap, len);
}

struct catab *catab_load(struct store *s, struct ll_err *err)
{
	struct catab *t = calloc(1, sizeof(*t));
	PGresult *r = NULL, *rc = NULL;
	int i, j, n;

	if (!t) {
		ll_err_set(err, "out of memory");
		return NULL;
	}
	r = store_query(s, "SELECT id, name, spki_sha256, spki, ski FROM ca_key ORDER BY id", 0,
			NULL, err);
	if (!r)
		goto fail;
	n = PQntuples(r);
	t->keys = calloc((size_t)n + 1, sizeof(*t->keys));
	if (!t->keys)
		goto oom;
	for (i = 0; i < n; i++) {
		struct catab_key *k = &t->keys[i];
		uint8_t *spki = NULL, *h = NULL;
		size_t spki_len, hl;

		t->nkeys++;
		k->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		if (!PQgetisnull(r, i, 1) && !(k->name = strdup(PQgetvalue(r, i, 1))))
			goto oom;
		if (!dup_bytea(PQgetvalue(r, i, 2), &h, &hl) || hl != 32) {
			free(h);
			ll_err_set(err, "ca_key %lld: bad spki_sha256", (long long)k->id);
			goto fail;
		}
		memcpy(k->spki_sha256, h, 32);
		free(h);
		if (!dup_bytea(PQgetvalue(r, i, 3), &spki, &spki_len)) {
			free(spki);
			goto oom;
		}
		k->pkey = ll_pkey_from_spki(spki, spki_len, err);
		free(spki);
		if (!k->pkey)
			goto fail;
		if (!PQgetisnull(r, i, 4) && !dup_bytea(PQgetvalue(r, i, 4), &k->ski, &k->ski_len))
			goto oom;
	}
	rc = store_query(s, "SELECT sha256 FROM ca_cert ORDER BY sha256", 0, NULL, err);
	if (!rc)
		goto fail;
	t->cert_fps = calloc((size_t)PQntuples(rc) + 1, 32);
	if (!t->cert_fps)
		goto oom;
	for (j = 0; j < PQntuples(rc); j++) {
		size_t fl;
		if (!store_parse_bytea(PQgetvalue(rc, j, 0), t->cert_fps[j], 32, &fl) || fl != 32)
			continue;
		t->ncert_fps++;
	}
	PQclear(rc);
	rc = store_query(s, "SELECT DISTINCT key_id, subject_der FROM ca_cert ORDER BY key_id", 0,
			 NULL, err);
	if (!rc)
		goto fail;
	for (j = 0; j < PQntuples(rc); j++) {
		int64_t kid = strtoll(PQgetvalue(rc, j, 0), NULL, 10);
		struct catab_key *k = (struct catab_key *)catab_by_id(t, kid);
		uint8_t **ns;
		size_t *nl;

		if (!k)
			continue;
		ns = realloc(k->subjects, (k->nsubjects + 1) * sizeof(*ns));
		if (!ns)
			goto oom;
		k->subjects = ns;
		nl = realloc(k->subject_lens, (k->nsubjects + 1) * sizeof(*nl));
		if (!nl)
			goto oom;
		k->subject_lens = nl;
		if (!dup_bytea(PQgetvalue(rc, j, 1), &k->subjects[k->nsubjects],
			       &k->subject_lens[k->nsubjects])) {
			free(k->subjects[k->nsubjects]);
			goto oom;
		}
		k->nsubjects++;
	}
	PQclear(r);
	PQclear(rc);
	return t;
oom:
	ll_err_set(err, "out of memory loading CA table");
fail:
	PQclear(r);
	PQclear(rc);
	catab_free(t);
	return NULL;
}

void catab_free(struct catab *t)
{
	size_t i, j;

	if (!t)
		return;
	for (i = 0; i < t->nkeys; i++) {
		struct catab_key *k = &t->keys[i];

		free(k->name);
		free(k->ski);
		EVP_PKEY_free(k->pkey);
		for (j = 0; j < k->nsubjects; j++)
			free(k->subjects[j]);
		free(k->subjects);
		free(k->subject_lens);
	}
	free(t->keys);
	free(t->cert_fps);
	free(t);
}

const struct catab_key *catab_by_name(const struct catab *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nkeys; i++)
		if (t->keys[i].name && strcmp(t->keys[i].name, name) == 0)
			return &t->keys[i];
	return NULL;
}

static int fpcmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

bool catab_has_cert(const struct catab *t, const uint8_t fp[32])
{
	return t->ncert_fps && bsearch(fp, t->cert_fps, t->ncert_fps, 32, fpcmp) != NULL;
}

const struct catab_key *catab_by_id(const struct catab *t, int64_t id)
{
	size_t i;

	for (i = 0; i < t->nkeys; i++)
		if (t->keys[i].id == id)
			return &t->keys[i];
	return NULL;
}

size_t catab_candidates(const struct catab *t, const struct x509_fields *f,
			const struct catab_key **out, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < t->nkeys && n < max; i++) {
		const struct catab_key *k = &t->keys[i];
		bool name_ok = false;

		for (j = 0; j < k->nsubjects && !name_ok; j++)
			name_ok = k->subject_lens[j] == f->issuer.len &&
				  memcmp(k->subjects[j], f->issuer.p, f->issuer.len) == 0;
		if (!name_ok)
			continue;
		if (f->aki.len && k->ski_len &&
		    (f->aki.len != k->ski_len || memcmp(f->aki.p, k->ski, k->ski_len) != 0))
			continue;
		out[n++] = k;
	}
	return n;
}
