/* catab.h - the CA keys and certificates of the inventory, loaded into
 * memory once per command so that leaves can be matched to their issuing
 * key (issuer name + AKI) and verified without a query per certificate.
 * Read-only after catab_load(); safe to share between threads. */
#ifndef LL_CATAB_H
#define LL_CATAB_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"
#include "store.h"
#include "x509walk.h"

struct catab_key {
	int64_t id;
	char *name;		/* may be NULL */
	uint8_t spki_sha256[32];
	uint8_t *ski;
	size_t ski_len;
	EVP_PKEY *pkey;
	/* subjects of every CA certificate for this key (a reissue may encode
	 * the name differently, E3) */
	uint8_t **subjects;
	size_t *subject_lens;
	size_t nsubjects;
};

struct catab {
	struct catab_key *keys;
	size_t nkeys;
	uint8_t (*cert_fps)[32]; /* SHA-256 of every registered CA certificate, sorted */
	size_t ncert_fps;
};

struct catab *catab_load(struct store *s, struct ll_err *err);
void catab_free(struct catab *t);
const struct catab_key *catab_by_name(const struct catab *t, const char *name);
/* True when fp is the fingerprint of a registered CA certificate. */
bool catab_has_cert(const struct catab *t, const uint8_t fp[32]);
const struct catab_key *catab_by_id(const struct catab *t, int64_t id);
/* Keys that may have issued a certificate: subject == its issuer and, when
 * both sides have them, SKI == AKI. Fills up to max pointers; returns the
 * count. */
size_t catab_candidates(const struct catab *t, const struct x509_fields *f,
			const struct catab_key **out, size_t max);

#endif
