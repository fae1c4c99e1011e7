/* issuer.h - what a signing CA looks like from the inventory: its key
 * row and the CA certificate that names it on CRLs and OCSP responses
 * (the newest one that is unexpired and unrevoked, A4/A14). */
#ifndef LL_ISSUER_H
#define LL_ISSUER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"
#include "lltime.h"
#include "store.h"

struct issuer_info {
	char key_id[24];	/* ca_key.id as text, for query parameters */
	uint8_t spki[4096];
	size_t spki_len;
	uint8_t *cert;		/* DER of the chosen CA certificate (malloc'd) */
	size_t cert_len;
	ll_time cert_not_after;
	bool no_duty;		/* no unexpired, unrevoked CA certificate for the key */
};

/* Fails when the CA name is not registered. On success, cert is NULL
 * exactly when no_duty is set. */
bool issuer_load(struct store *s, const char *name, struct issuer_info *out,
		 struct ll_err *err) LL_MUSTCHECK;
/* The same, but the newest certificate of the key whatever its state: for
 * the last CRL of a key whose certificates are all revoked or expired. */
bool issuer_load_latest(struct store *s, const char *name, struct issuer_info *out,
			struct ll_err *err) LL_MUSTCHECK;
void issuer_free(struct issuer_info *i);

#endif
