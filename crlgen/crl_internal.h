/* crl_internal.h - what crl_build.c and crl_lint.c share: the exact
 * AlgorithmIdentifier encodings of BR/SBR 7.1.3.2 (A2) and the key each
 * one is bound to, DER header arithmetic for the single-pass encoder,
 * the fast Time writer, and the violation recorder. Internal to crlgen/:
 * callers include crlgen.h only. */
#ifndef LL_CRL_INTERNAL_H
#define LL_CRL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crlgen.h"
#include "llerr.h"
#include "lltime.h"

/* Public-key kinds that may sign a CRL, read from an issuer's SPKI. */
enum crl_key {
	CRL_KEY_UNKNOWN = 0,
	CRL_KEY_P256,
	CRL_KEY_P384,
	CRL_KEY_P521,
	CRL_KEY_RSA,
	CRL_KEY_ED25519,
	CRL_KEY_ED448,
};

/* Digests behind the allowed algorithms; CRL_MD_NONE for EdDSA, which
 * hashes internally. */
enum crl_md { CRL_MD_NONE, CRL_MD_SHA256, CRL_MD_SHA384, CRL_MD_SHA512 };

/* Digest output length, which is also the PSS salt length (A2). */
static inline int crl_md_size(enum crl_md md)
{
	return md == CRL_MD_SHA256 ? 32 : md == CRL_MD_SHA384 ? 48 : md == CRL_MD_SHA512 ? 64 : 0;
}

/* One allowed AlgorithmIdentifier, byte for byte (A2). */
struct crl_alg {
	const char *name;
	const uint8_t *der;
	size_t len;
	enum crl_key key; /* the only key kind it may be used with */
	enum crl_md md;
	bool pss;	  /* RSASSA-PSS, salt = digest length, MGF1 with the same digest */
	bool smime_only;  /* EdDSA: SBR 7.1.3.2 only, not the TLS BRs */
};

/* Indices into crl_algs() for the encodings crl_build emits. */
enum {
	CRL_ALG_ECDSA_SHA256,
	CRL_ALG_ECDSA_SHA384,
	CRL_ALG_ECDSA_SHA512,
	CRL_ALG_RSA_SHA256,
	CRL_ALG_RSA_SHA384,
	CRL_ALG_RSA_SHA512,
	CRL_ALG_PSS_SHA256,
	CRL_ALG_PSS_SHA384,
	CRL_ALG_PSS_SHA512,
	CRL_ALG_ED25519,
	CRL_ALG_ED448,
	CRL_ALG_COUNT,
};

/* The table of allowed encodings, CRL_ALG_COUNT long. */
const struct crl_alg *crl_algs(void);
/* The allowed entry whose encoding equals der exactly, or NULL. */
const struct crl_alg *crl_alg_find(const uint8_t *der, size_t len);
/* Classifies a SubjectPublicKeyInfo TLV. */
enum crl_key crl_spki_key(const uint8_t *spki, size_t len);
const char *crl_key_name(enum crl_key k);
/* OpenSSL digest name ("SHA256"), NULL for CRL_MD_NONE. */
const char *crl_md_name(enum crl_md md);

/* Appends a finding (v may be NULL). Always counts it in v->total;
 * stores it while there is room. */
void crl_violation_add(struct crl_violations *v, const char *id, const char *fmt, ...)
	LL_PRINTF(3, 4);

/* Lowercase hex of up to 24 octets ("..." beyond) for messages. */
void crl_hex(const uint8_t *p, size_t n, char *buf, size_t cap);

/* Times lastleaf can write: years 0001..9999 (GeneralizedTime's range). */
#define CRL_TIME_MIN ((ll_time)-62135596800LL) /* 0001-01-01T00:00:00Z */
#define CRL_TIME_MAX ((ll_time)253402300799LL) /* 9999-12-31T23:59:59Z */
/* UTCTime covers 1950-01-01 up to (not including) 2050-01-01 (A7). */
#define CRL_UTC_MIN ((ll_time)-631152000LL)
#define CRL_UTC_END ((ll_time)2524608000LL)

static inline bool crl_time_is_utc(ll_time t)
{
	return t >= CRL_UTC_MIN && t < CRL_UTC_END;
}

/* Length of the Time TLV for t (A7 choice, or GeneralizedTime when gen). */
static inline size_t crl_time_tlv_len(ll_time t, bool gen)
{
	return gen || !crl_time_is_utc(t) ? 17 : 15;
}

/* Writes the Time TLV for t at p (crl_time_tlv_len bytes); t must lie in
 * CRL_TIME_MIN..CRL_TIME_MAX. Hand-rolled instead of snprintf because a
 * million-entry CRL writes a million of these. */
uint8_t *crl_time_put(uint8_t *p, ll_time t, bool gen);

/* DER header arithmetic: the encoder computes every length first and
 * then writes front to back, so nothing is ever moved. */
static inline size_t crl_hdr_len(size_t len)
{
	size_t n = 1;

	if (len < 0x80)
		return 2;
	while (len > 0xff) {
		len >>= 8;
		n++;
	}
	return 2 + n;
}

static inline size_t crl_tlv_len(size_t len)
{
	return crl_hdr_len(len) + len;
}

static inline uint8_t *crl_put_hdr(uint8_t *p, uint8_t tag, size_t len)
{
	size_t n, i;

	*p++ = tag;
	if (len < 0x80) {
		*p++ = (uint8_t)len;
		return p;
	}
	n = crl_hdr_len(len) - 2;
	*p++ = (uint8_t)(0x80 | n);
	for (i = n; i > 0; i--)
		*p++ = (uint8_t)(len >> (8 * (i - 1)));
	return p;
}

/* Serial order used in every CRL lastleaf writes and the linter expects
 * (A6): shorter content first, then bytewise. It is deterministic and
 * equals numeric order for minimal positive serials; negative serials
 * (content starting 0x80..0xff) sort by their octets, not their value. */
static inline int crl_serial_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return alen ? memcmp(a, b, alen) : 0;
}

/* What the TBS linter learnt that crl_lint_der needs for its outer
 * checks. */
struct crl_tbs_info {
	const uint8_t *alg; /* tbsCertList.signature TLV; NULL when unreadable */
	size_t alg_len;
};

/* crl_lint_tbs without resetting v, so crl_build can put its own input
 * findings first. info may be NULL. Returns true when it added nothing. */
bool crl_lint_tbs_append(const uint8_t *tbs, size_t len, const struct crl_lint_ctx *ctx,
			 struct crl_violations *v, struct crl_tbs_info *info);

#endif
