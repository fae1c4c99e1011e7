/* sigalg.c - the allowed signature AlgorithmIdentifiers (see sigalg.h). */
#include <string.h>

#include "sigalg.h"

/* BR 7.1.3.2 / SBR 7.1.3.2 encodings, verbatim (A2). */
static const uint8_t alg_ecdsa256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				       0x3d, 0x04, 0x03, 0x02};
static const uint8_t alg_ecdsa384[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				       0x3d, 0x04, 0x03, 0x03};
static const uint8_t alg_ecdsa512[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				       0x3d, 0x04, 0x03, 0x04};
static const uint8_t alg_rsa256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
				     0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
static const uint8_t alg_rsa384[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
				     0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00};
static const uint8_t alg_rsa512[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
				     0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00};
/* RSASSA-PSS: hashAlgorithm [0], maskGenAlgorithm [1] MGF1 with the same
 * hash, saltLength [2] = digest length; trailerField left at its default. */
#define PSS_ALG(h, salt)                                                                   \
	{0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, \
	 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,  \
	 0x02, (h), 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,  \
	 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,  \
	 0x03, 0x04, 0x02, (h), 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, (salt)}
static const uint8_t alg_pss256[] = PSS_ALG(0x01, 0x20);
static const uint8_t alg_pss384[] = PSS_ALG(0x02, 0x30);
static const uint8_t alg_pss512[] = PSS_ALG(0x03, 0x40);
static const uint8_t alg_ed25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t alg_ed448[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71};

/* ALG(name, encoding, key kind, digest, pss, smime_only) */
#define ALG(n, a, k, m, p, s) {n, a, sizeof(a), SPKI_KEY_##k, SIGALG_MD_##m, p, s}
static const struct sigalg sigalg_all[SIGALG_COUNT] = {
	[SIGALG_ECDSA_SHA256] = ALG("ecdsa-with-SHA256", alg_ecdsa256, P256, SHA256, false, false),
	[SIGALG_ECDSA_SHA384] = ALG("ecdsa-with-SHA384", alg_ecdsa384, P384, SHA384, false, false),
	[SIGALG_ECDSA_SHA512] = ALG("ecdsa-with-SHA512", alg_ecdsa512, P521, SHA512, false, false),
	[SIGALG_RSA_SHA256] = ALG("sha256WithRSAEncryption", alg_rsa256, RSA, SHA256, false, false),
	[SIGALG_RSA_SHA384] = ALG("sha384WithRSAEncryption", alg_rsa384, RSA, SHA384, false, false),
	[SIGALG_RSA_SHA512] = ALG("sha512WithRSAEncryption", alg_rsa512, RSA, SHA512, false, false),
	[SIGALG_PSS_SHA256] = ALG("RSASSA-PSS-SHA256", alg_pss256, RSA, SHA256, true, false),
	[SIGALG_PSS_SHA384] = ALG("RSASSA-PSS-SHA384", alg_pss384, RSA, SHA384, true, false),
	[SIGALG_PSS_SHA512] = ALG("RSASSA-PSS-SHA512", alg_pss512, RSA, SHA512, true, false),
	[SIGALG_ED25519] = ALG("Ed25519", alg_ed25519, ED25519, NONE, false, true),
	[SIGALG_ED448] = ALG("Ed448", alg_ed448, ED448, NONE, false, true),
};

const struct sigalg *sigalg_table(void)
{
	return sigalg_all;
}

const struct sigalg *sigalg_find(const uint8_t *der, size_t len)
{
	size_t i;

	for (i = 0; i < SIGALG_COUNT; i++)
		if (sigalg_all[i].len == len && memcmp(sigalg_all[i].der, der, len) == 0)
			return &sigalg_all[i];
	return NULL;
}

const struct sigalg *sigalg_for_key(enum spki_key k, bool pss)
{
	if (pss && k != SPKI_KEY_RSA)
		return NULL;
	switch (k) {
	case SPKI_KEY_P256: return &sigalg_all[SIGALG_ECDSA_SHA256];
	case SPKI_KEY_P384: return &sigalg_all[SIGALG_ECDSA_SHA384];
	case SPKI_KEY_P521: return &sigalg_all[SIGALG_ECDSA_SHA512];
	case SPKI_KEY_RSA: return &sigalg_all[pss ? SIGALG_PSS_SHA256 : SIGALG_RSA_SHA256];
	case SPKI_KEY_ED25519: return &sigalg_all[SIGALG_ED25519];
	case SPKI_KEY_ED448: return &sigalg_all[SIGALG_ED448];
	case SPKI_KEY_UNKNOWN: break;
	}
	return NULL;
}

const char *sigalg_md_name(enum sigalg_md md)
{
	switch (md) {
	case SIGALG_MD_SHA256: return "SHA256";
	case SIGALG_MD_SHA384: return "SHA384";
	case SIGALG_MD_SHA512: return "SHA512";
	case SIGALG_MD_NONE: break;
	}
	return NULL;
}
