/* verify.h - fast repeated signature checks against one issuer key.
 * EVP_DigestVerifyInit fetches algorithms on every call in OpenSSL 3;
 * a verifier fetches once and reuses its contexts, so checking a batch
 * of certificates from one CA costs little more than the raw ECDSA/RSA
 * verify. One verifier per thread: it is not thread-safe. */
#ifndef LL_VERIFY_H
#define LL_VERIFY_H

#include <openssl/evp.h>
#include <stdbool.h>

#include "llerr.h"
#include "x509walk.h"

struct ll_verifier;

/* Takes its own reference on pkey. NULL on failure (err filled). */
struct ll_verifier *ll_verifier_new(EVP_PKEY *pkey, struct ll_err *err);
void ll_verifier_free(struct ll_verifier *v);
/* Checks f->sig over f->tbs with the algorithm named by f->sigalg.
 * False with a reason when the signature is bad or the algorithm does not
 * fit the key (an RSA sigalg with an EC key, SHA-1, ...). */
bool ll_verifier_check(struct ll_verifier *v, const struct x509_fields *f, struct ll_err *err);
/* The same check for any signed structure (CRL, OCSP): tbs is the signed
 * TLV, alg the AlgorithmIdentifier TLV, sig the BIT STRING value without
 * its unused-bits octet (as in struct x509_fields). */
bool ll_verifier_check_raw(struct ll_verifier *v, const uint8_t *tbs, size_t tbs_len,
			   const uint8_t *alg, size_t alg_len, const uint8_t *sig,
			   size_t sig_len, struct ll_err *err);
/* Builds an EVP_PKEY from a SubjectPublicKeyInfo TLV. */
EVP_PKEY *ll_pkey_from_spki(const uint8_t *spki, size_t len, struct ll_err *err);

#endif
