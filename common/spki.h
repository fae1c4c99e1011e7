/* spki.h - which kind of public key a SubjectPublicKeyInfo holds, for
 * the signers (crlgen/, ocsp/) that pick a signature algorithm from the
 * issuer's key: the EC curves, RSA and EdDSA that BR/SBR 7.1.3.2 allow
 * (A2, B6), everything else "unknown". Reads DER only; no OpenSSL. */
#ifndef LL_SPKI_H
#define LL_SPKI_H

#include <stddef.h>
#include <stdint.h>

enum spki_key {
	SPKI_KEY_UNKNOWN = 0,
	SPKI_KEY_P256,
	SPKI_KEY_P384,
	SPKI_KEY_P521,
	SPKI_KEY_RSA,
	SPKI_KEY_ED25519,
	SPKI_KEY_ED448,
};

/* Classifies a SubjectPublicKeyInfo TLV (the whole SEQUENCE) by its
 * algorithm OID and, for id-ecPublicKey, its named curve. Hostile or
 * truncated input gives SPKI_KEY_UNKNOWN. */
enum spki_key spki_key_type(const uint8_t *spki, size_t len);

/* "P-256", "RSA", "Ed25519", ...; "unsupported" for SPKI_KEY_UNKNOWN. */
const char *spki_key_name(enum spki_key k);

#endif
