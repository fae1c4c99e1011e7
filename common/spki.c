/* spki.c - SubjectPublicKeyInfo key classification (see spki.h). */
#include <string.h>

#include "der.h"
#include "spki.h"

static bool spki_oid_is(const struct der_tlv *t, const uint8_t *oid, size_t len)
{
	return t->tag == DER_OID && t->len == len && memcmp(t->val, oid, len) == 0;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { OID, params },
 *   subjectPublicKey BIT STRING } */
enum spki_key spki_key_type(const uint8_t *spki, size_t len)
{
	static const uint8_t ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
	static const uint8_t p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	static const uint8_t p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
	static const uint8_t p521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
	static const uint8_t rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
	static const uint8_t ed25519[] = {0x2b, 0x65, 0x70};
	static const uint8_t ed448[] = {0x2b, 0x65, 0x71};
	struct der d = der_init(spki, len), s, a;
	struct der_tlv seq, alg, oid, param;

	if (!spki || !der_expect(&d, DER_SEQUENCE, &seq))
		return SPKI_KEY_UNKNOWN;
	s = der_enter(&seq);
	if (!der_expect(&s, DER_SEQUENCE, &alg))
		return SPKI_KEY_UNKNOWN;
	a = der_enter(&alg);
	if (!der_expect(&a, DER_OID, &oid))
		return SPKI_KEY_UNKNOWN;
	if (spki_oid_is(&oid, rsa, sizeof(rsa)))
		return SPKI_KEY_RSA;
	if (spki_oid_is(&oid, ed25519, sizeof(ed25519)))
		return SPKI_KEY_ED25519;
	if (spki_oid_is(&oid, ed448, sizeof(ed448)))
		return SPKI_KEY_ED448;
	if (!spki_oid_is(&oid, ec, sizeof(ec)) || !der_next(&a, &param))
		return SPKI_KEY_UNKNOWN;
	if (spki_oid_is(&param, p256, sizeof(p256)))
		return SPKI_KEY_P256;
	if (spki_oid_is(&param, p384, sizeof(p384)))
		return SPKI_KEY_P384;
	if (spki_oid_is(&param, p521, sizeof(p521)))
		return SPKI_KEY_P521;
	return SPKI_KEY_UNKNOWN;
}

const char *spki_key_name(enum spki_key k)
{
	switch (k) {
	case SPKI_KEY_P256: return "P-256";
	case SPKI_KEY_P384: return "P-384";
	case SPKI_KEY_P521: return "P-521";
	case SPKI_KEY_RSA: return "RSA";
	case SPKI_KEY_ED25519: return "Ed25519";
	case SPKI_KEY_ED448: return "Ed448";
	case SPKI_KEY_UNKNOWN: break;
	}
	return "unsupported";
}
