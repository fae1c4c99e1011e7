/* crlpub.h - CRL generation for one configured CA: reads its revoked
 * certificates from PostgreSQL, assigns partitions, allocates CRL numbers
 * in the transaction that records each CRL, signs with crlgen, and
 * publishes the files atomically with the CCADB JSON (A35). Used by
 * `lastleaf crl generate`, and later by the daemon and the retirement
 * executor. */
#ifndef LL_CRLPUB_H
#define LL_CRLPUB_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "llerr.h"
#include "store.h"

struct crlpub_result {
	int signed_crls;	/* CRLs signed and recorded */
	int published;		/* files published */
	int warnings;
	bool skipped;		/* crlpub_generate_since: another signer was first */
	bool no_duty;		/* A14: no unexpired, unrevoked CA certificate for the key */
};

/* out_dir NULL: cfg->crl_publish_dir. Progress lines go to `log` (may be
 * NULL). False on an error that stopped the CA's run; then nothing of the
 * failed transaction is recorded. */
bool crlpub_generate(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
		     const char *out_dir, FILE *log, struct crlpub_result *res,
		     struct ll_err *err) LL_MUSTCHECK;

/* For the daemon's signers: as crlpub_generate, but does nothing (sets
 * res->skipped) when a CRL for the key was recorded after `since`, a
 * timestamptz read from PostgreSQL once the revocation was visible. */
bool crlpub_generate_since(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
			   const char *since, struct crlpub_result *res,
			   struct ll_err *err) LL_MUSTCHECK;

/* The last CRL of a key whose CA certificates are all revoked or expired
 * (C10, E7): signed under the newest certificate, with the usual window. */
bool crlpub_generate_final(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
			   const char *out_dir, FILE *log, struct crlpub_result *res,
			   struct ll_err *err) LL_MUSTCHECK;

#endif
