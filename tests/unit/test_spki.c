/* test_spki.c - SubjectPublicKeyInfo classification (common/spki.h) on
 * keys OpenSSL generates and encodes (i2d_PUBKEY), on key kinds lastleaf
 * does not sign with, and on every truncation of each encoding, run on
 * exactly-sized heap copies so ASan sees any overread. */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "spki.h"
#include "tap.h"

/* DER SubjectPublicKeyInfo of a fresh key; *len gets its length. */
static uint8_t *spki_of(EVP_PKEY *k, size_t *len)
{
	uint8_t *der = NULL;
	int n = k ? i2d_PUBKEY(k, &der) : -1;

	if (n <= 0) {
		fprintf(stderr, "cannot encode a test key\n");
		abort();
	}
	*len = (size_t)n;
	return der;
}

static EVP_PKEY *keygen(const char *alg, const char *curve)
{
	if (strcmp(alg, "EC") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	if (strcmp(alg, "RSA") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, alg, (size_t)1024);
	if (strcmp(alg, "RSA-PSS") == 0) {
		/* EVP_PKEY_Q_keygen takes a size only for "RSA" */
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
		EVP_PKEY *k = NULL;

		if (!c || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_CTX_set_rsa_keygen_bits(c, 1024) <= 0 ||
		    EVP_PKEY_keygen(c, &k) <= 0)
			k = NULL;
		EVP_PKEY_CTX_free(c);
		return k;
	}
	return EVP_PKEY_Q_keygen(NULL, NULL, alg);
}

static enum spki_key classify_heap(const uint8_t *der, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum spki_key k;

	memcpy(copy, der, len);
	k = spki_key_type(copy, len);
	free(copy);
	return k;
}

static void test_keys(void)
{
	static const struct {
		const char *alg, *curve;
		enum spki_key want;
		const char *name;
	} v[] = {
		{"EC", "P-256", SPKI_KEY_P256, "P-256"},
		{"EC", "P-384", SPKI_KEY_P384, "P-384"},
		{"EC", "P-521", SPKI_KEY_P521, "P-521"},
		{"RSA", NULL, SPKI_KEY_RSA, "RSA"},
		{"ED25519", NULL, SPKI_KEY_ED25519, "Ed25519"},
		{"ED448", NULL, SPKI_KEY_ED448, "Ed448"},
		/* not allowed to sign CRLs/OCSP: must not pass as a known kind */
		{"EC", "secp256k1", SPKI_KEY_UNKNOWN, "unsupported"},
		{"EC", "P-224", SPKI_KEY_UNKNOWN, "unsupported"},
		{"RSA-PSS", NULL, SPKI_KEY_UNKNOWN, "unsupported"},
		{"X25519", NULL, SPKI_KEY_UNKNOWN, "unsupported"},
	};
	size_t i, cut, len;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		EVP_PKEY *k = keygen(v[i].alg, v[i].curve);
		uint8_t *der = spki_of(k, &len);
		enum spki_key got = classify_heap(der, len);
		bool trunc_ok = true;

		CHECK_MSG(got == v[i].want, "%s %s: got %d", v[i].alg, v[i].curve ? v[i].curve : "",
			  (int)got);
		CHECK_MSG(strcmp(spki_key_name(got), v[i].name) == 0, "%s", spki_key_name(got));
		/* No prefix is a whole SPKI, so none may classify. */
		for (cut = 0; cut < len; cut++)
			if (classify_heap(der, cut) != SPKI_KEY_UNKNOWN)
				trunc_ok = false;
		CHECK_MSG(trunc_ok, "%s: a truncated SPKI was classified", v[i].alg);
		OPENSSL_free(der);
		EVP_PKEY_free(k);
	}
}

static void test_mangled(void)
{
	EVP_PKEY *k = keygen("EC", "P-256");
	size_t len, i;
	uint8_t *der = spki_of(k, &len);
	uint8_t *m = malloc(len);
	int known = 0;

	CHECK(spki_key_type(NULL, 0) == SPKI_KEY_UNKNOWN);
	/* 30 59 30 13 06 07 <id-ecPublicKey> 06 08 <prime256v1> 03 42 ...:
	 * the curve OID ends at octet 22; 1.2.840.10045.3.1.8 is not P-256. */
	CHECK(len == 91 && der[22] == 0x07);
	CHECK(spki_key_type(der, len) == SPKI_KEY_P256);
	memcpy(m, der, len);
	m[22] = 0x08;
	CHECK(spki_key_type(m, len) == SPKI_KEY_UNKNOWN);
	/* A single-bit flip in either OID TLV (octets 4..22) changes a tag,
	 * a length or an OID octet, so none may still read as P-256. */
	for (i = 4; i < 23 && i < len; i++) {
		memcpy(m, der, len);
		m[i] ^= 0x01;
		if (spki_key_type(m, len) == SPKI_KEY_P256)
			known++;
	}
	CHECK_MSG(known == 0, "%d bit flips in the OIDs still read as P-256", known);
	free(m);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}

int main(void)
{
	test_keys();
	test_mangled();
	return tap_done();
}
