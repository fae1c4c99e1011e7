/* sigalg.h - the signature AlgorithmIdentifiers lastleaf writes and
 * accepts on what it signs (CRLs, OCSP responses), byte for byte as BR
 * and SBR 7.1.3.2 spell them (A2, B6), with the key kind each one is
 * bound to and its digest; and which one a key signs with by default.
 * Data only: the signers do the OpenSSL set-up themselves. */
#ifndef LL_SIGALG_H
#define LL_SIGALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spki.h"

/* Digests behind the allowed algorithms; SIGALG_MD_NONE for EdDSA,
 * which hashes internally. */
enum sigalg_md { SIGALG_MD_NONE, SIGALG_MD_SHA256, SIGALG_MD_SHA384, SIGALG_MD_SHA512 };

/* One allowed AlgorithmIdentifier. */
struct sigalg {
	const char *name;
	const uint8_t *der;	/* the whole AlgorithmIdentifier TLV */
	size_t len;
	enum spki_key key;	/* the only key kind it may be used with */
	enum sigalg_md md;
	bool pss;		/* RSASSA-PSS, salt = digest length, MGF1 with the same digest */
	bool smime_only;	/* EdDSA: SBR 7.1.3.2 only, not the TLS BRs */
};

/* Indices into sigalg_table(). */
enum sigalg_id {
	SIGALG_ECDSA_SHA256,
	SIGALG_ECDSA_SHA384,
	SIGALG_ECDSA_SHA512,
	SIGALG_RSA_SHA256,
	SIGALG_RSA_SHA384,
	SIGALG_RSA_SHA512,
	SIGALG_PSS_SHA256,
	SIGALG_PSS_SHA384,
	SIGALG_PSS_SHA512,
	SIGALG_ED25519,
	SIGALG_ED448,
	SIGALG_COUNT,
};

/* The table of allowed encodings, SIGALG_COUNT long. */
const struct sigalg *sigalg_table(void);
/* The allowed entry whose encoding equals der exactly, or NULL. */
const struct sigalg *sigalg_find(const uint8_t *der, size_t len);
/* The algorithm a key of kind k signs with: ECDSA with the digest of
 * its curve's size (P-256 SHA-256, P-384 SHA-384, P-521 SHA-512), RSA
 * with SHA-256 (PKCS#1 v1.5, or RSASSA-PSS when pss), EdDSA itself.
 * NULL for an unknown key, or pss with a key that is not RSA. */
const struct sigalg *sigalg_for_key(enum spki_key k, bool pss);
/* OpenSSL digest name ("SHA256"); NULL for SIGALG_MD_NONE. */
const char *sigalg_md_name(enum sigalg_md md);

/* Digest output length, which is also the PSS salt length (A2). */
static inline int sigalg_md_size(enum sigalg_md md)
{
	return md == SIGALG_MD_SHA256 ? 32 : md == SIGALG_MD_SHA384 ? 48 : md == SIGALG_MD_SHA512 ? 64 : 0;
}

#endif
