/* crl_util.c - pieces shared by the CRL encoder and linter (see
 * crl_internal.h) and the small public helpers of crlgen.h: violation
 * text and CRL-number conversion. No allocation, no I/O. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crl_internal.h"
#include "der.h"

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

#define ALG(n, a, k, m, p, s) {n, a, sizeof(a), k, m, p, s}
static const struct crl_alg crl_alg_table[CRL_ALG_COUNT] = {
	[CRL_ALG_ECDSA_SHA256] = ALG("ecdsa-with-SHA256", alg_ecdsa256, CRL_KEY_P256, CRL_MD_SHA256, false, false),
	[CRL_ALG_ECDSA_SHA384] = ALG("ecdsa-with-SHA384", alg_ecdsa384, CRL_KEY_P384, CRL_MD_SHA384, false, false),
	[CRL_ALG_ECDSA_SHA512] = ALG("ecdsa-with-SHA512", alg_ecdsa512, CRL_KEY_P521, CRL_MD_SHA512, false, false),
	[CRL_ALG_RSA_SHA256] = ALG("sha256WithRSAEncryption", alg_rsa256, CRL_KEY_RSA, CRL_MD_SHA256, false, false),
	[CRL_ALG_RSA_SHA384] = ALG("sha384WithRSAEncryption", alg_rsa384, CRL_KEY_RSA, CRL_MD_SHA384, false, false),
	[CRL_ALG_RSA_SHA512] = ALG("sha512WithRSAEncryption", alg_rsa512, CRL_KEY_RSA, CRL_MD_SHA512, false, false),
	[CRL_ALG_PSS_SHA256] = ALG("RSASSA-PSS-SHA256", alg_pss256, CRL_KEY_RSA, CRL_MD_SHA256, true, false),
	[CRL_ALG_PSS_SHA384] = ALG("RSASSA-PSS-SHA384", alg_pss384, CRL_KEY_RSA, CRL_MD_SHA384, true, false),
	[CRL_ALG_PSS_SHA512] = ALG("RSASSA-PSS-SHA512", alg_pss512, CRL_KEY_RSA, CRL_MD_SHA512, true, false),
	[CRL_ALG_ED25519] = ALG("Ed25519", alg_ed25519, CRL_KEY_ED25519, CRL_MD_NONE, false, true),
	[CRL_ALG_ED448] = ALG("Ed448", alg_ed448, CRL_KEY_ED448, CRL_MD_NONE, false, true),
};

const struct crl_alg *crl_algs(void)
{
	return crl_alg_table;
}

const struct crl_alg *crl_alg_find(const uint8_t *der, size_t len)
{
	size_t i;

	for (i = 0; i < CRL_ALG_COUNT; i++)
		if (crl_alg_table[i].len == len && memcmp(crl_alg_table[i].der, der, len) == 0)
			return &crl_alg_table[i];
	return NULL;
}

static bool oid_is(const struct der_tlv *t, const uint8_t *oid, size_t len)
{
	return t->tag == DER_OID && t->len == len && memcmp(t->val, oid, len) == 0;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { OID, params },
 *   subjectPublicKey BIT STRING } */
enum crl_key crl_spki_key(const uint8_t *spki, size_t len)
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

	if (!der_expect(&d, DER_SEQUENCE, &seq))
		return CRL_KEY_UNKNOWN;
	s = der_enter(&seq);
	if (!der_expect(&s, DER_SEQUENCE, &alg))
		return CRL_KEY_UNKNOWN;
	a = der_enter(&alg);
	if (!der_expect(&a, DER_OID, &oid))
		return CRL_KEY_UNKNOWN;
	if (oid_is(&oid, rsa, sizeof(rsa)))
		return CRL_KEY_RSA;
	if (oid_is(&oid, ed25519, sizeof(ed25519)))
		return CRL_KEY_ED25519;
	if (oid_is(&oid, ed448, sizeof(ed448)))
		return CRL_KEY_ED448;
	if (!oid_is(&oid, ec, sizeof(ec)) || !der_next(&a, &param))
		return CRL_KEY_UNKNOWN;
	if (oid_is(&param, p256, sizeof(p256)))
		return CRL_KEY_P256;
	if (oid_is(&param, p384, sizeof(p384)))
		return CRL_KEY_P384;
	if (oid_is(&param, p521, sizeof(p521)))
		return CRL_KEY_P521;
	return CRL_KEY_UNKNOWN;
}

const char *crl_md_name(enum crl_md md)
{
	switch (md) {
	case CRL_MD_SHA256: return "SHA256";
	case CRL_MD_SHA384: return "SHA384";
	case CRL_MD_SHA512: return "SHA512";
	case CRL_MD_NONE: break;
	}
	return NULL;
}

const char *crl_key_name(enum crl_key k)
{
	switch (k) {
	case CRL_KEY_P256: return "P-256";
	case CRL_KEY_P384: return "P-384";
	case CRL_KEY_P521: return "P-521";
	case CRL_KEY_RSA: return "RSA";
	case CRL_KEY_ED25519: return "Ed25519";
	case CRL_KEY_ED448: return "Ed448";
	case CRL_KEY_UNKNOWN: break;
	}
	return "unsupported";
}

void crl_violation_add(struct crl_violations *v, const char *id, const char *fmt, ...)
{
	struct crl_violation *slot;
	va_list ap;

	if (!v)
		return;
	v->total++;
	if (v->n >= sizeof(v->v) / sizeof(v->v[0]))
		return;
	slot = &v->v[v->n++];
	snprintf(slot->id, sizeof(slot->id), "%s", id);
	va_start(ap, fmt);
	vsnprintf(slot->msg, sizeof(slot->msg), fmt, ap);
	va_end(ap);
}

void crl_hex(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o = 0;

	if (cap == 0)
		return;
	for (i = 0; i < n && i < 24 && o + 3 < cap; i++) {
		buf[o++] = hx[p[i] >> 4];
		buf[o++] = hx[p[i] & 15];
	}
	if (i < n && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

static uint8_t *put2(uint8_t *p, unsigned v)
{
	*p++ = (uint8_t)('0' + v / 10 % 10);
	*p++ = (uint8_t)('0' + v % 10);
	return p;
}

uint8_t *crl_time_put(uint8_t *p, ll_time t, bool gen)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, y;
	int64_t rem = t - days * 86400;
	unsigned m, d;
	bool utc = !gen && crl_time_is_utc(t);

	ll_civil_from_days(days, &y, &m, &d);
	*p++ = utc ? DER_UTCTIME : DER_GENTIME;
	*p++ = utc ? 13 : 15;
	if (!utc)
		p = put2(p, (unsigned)(y / 100));
	p = put2(p, (unsigned)(y % 100));
	p = put2(p, m);
	p = put2(p, d);
	p = put2(p, (unsigned)(rem / 3600));
	p = put2(p, (unsigned)(rem / 60 % 60));
	p = put2(p, (unsigned)(rem % 60));
	*p++ = 'Z';
	return p;
}

void crl_violations_text(const struct crl_violations *v, char *out, size_t len)
{
	size_t used = 0, i;
	int n;

	if (!out || len == 0)
		return;
	out[0] = '\0';
	if (!v)
		return;
	for (i = 0; i < v->n && used < len; i++) {
		n = snprintf(out + used, len - used, "%s%s: %s", i ? "; " : "", v->v[i].id,
			     v->v[i].msg);
		if (n < 0)
			return;
		used += (size_t)n;
	}
	if (v->total > v->n && used < len)
		snprintf(out + used, len - used, "%s... (%zu more not recorded)", v->n ? "; " : "",
			 v->total - v->n);
}

size_t crl_number_from_u64(uint64_t n, uint8_t out[20])
{
	size_t len = 0, i;
	uint8_t tmp[8];

	do {
		tmp[len++] = (uint8_t)n;
		n >>= 8;
	} while (n);
	for (i = 0; i < len; i++)
		out[i] = tmp[len - 1 - i];
	return len;
}

bool crl_number_to_u64(const uint8_t *n, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	/* Leading zero octets (a DER sign pad, or a wide stored form) do not
	 * change the value. */
	while (i < len && n[i] == 0)
		i++;
	if (len - i > 8)
		return false;
	for (; i < len; i++)
		v = v << 8 | n[i];
	*out = v;
	return true;
}
