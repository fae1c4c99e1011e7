/* ocsp_internal.h - what the ocsp/ modules share: inline DER cursor
 * steps (the request parser is on the per-request hot path), the OIDs
 * OCSP uses and SHA-1 for the responderID. The response encoder's DER
 * header arithmetic (derw.h), GeneralizedTime writer (asn1time.h) and
 * signature algorithms (sigalg.h, spki.h) are in common/, shared with
 * crlgen/. Internal to ocsp/: callers include ocsp.h only. */
#ifndef LL_OCSP_INTERNAL_H
#define LL_OCSP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "der.h"

/* ---- OIDs (content octets) -------------------------------------------- */

/* 1.3.14.3.2.26 and 2.16.840.1.101.3.4.2.1 */
static const uint8_t ocsp_oid_sha1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
static const uint8_t ocsp_oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
/* id-pkix-ocsp 1.3.6.1.5.5.7.48.1 arcs: .1 basic, .2 nonce, .4 response
 * (AcceptableResponses), .5 nocheck, .7 serviceLocator, .8 preferred
 * signature algorithms. The last octet tells them apart. */
#define OCSP_OID_PKIX_OCSP_LEN 9
static const uint8_t ocsp_oid_pkix_ocsp[8] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};
enum {
	OCSP_ARC_BASIC = 1,
	OCSP_ARC_NONCE = 2,
	OCSP_ARC_RESPONSE = 4,
	OCSP_ARC_NOCHECK = 5,
	OCSP_ARC_SERVICE_LOCATOR = 7,
	OCSP_ARC_PREF_SIG_ALGS = 8,
};

/* The id-pkix-ocsp arc of an OID TLV, or 0 when it is not one. */
static inline int ocsp_pkix_arc(const struct der_tlv *oid)
{
	if (oid->len != OCSP_OID_PKIX_OCSP_LEN || memcmp(oid->val, ocsp_oid_pkix_ocsp, 8) != 0)
		return 0;
	return oid->val[8] < 0x80 ? oid->val[8] : 0;
}

static inline bool ocsp_oid_eq(const struct der_tlv *t, const uint8_t *oid, size_t len)
{
	return t->len == len && memcmp(t->val, oid, len) == 0;
}

/* ---- DER reading ------------------------------------------------------- */

/* Inline twins of der_next/der_expect/der_optional (same der_decode
 * rules): a request is a dozen TLVs, and the out-of-line calls would be
 * a third of the parse time. */
static inline bool ocsp_next(struct der *d, struct der_tlv *t)
{
	if (der_decode(d->p, d->len, t) != DER_FAULT_NONE)
		return false;
	d->p += t->total;
	d->len -= t->total;
	return true;
}

static inline bool ocsp_expect(struct der *d, uint8_t tag, struct der_tlv *t)
{
	return d->len != 0 && d->p[0] == tag && ocsp_next(d, t);
}

/* False only for a malformed element; *present tells whether it was there. */
static inline bool ocsp_optional(struct der *d, uint8_t tag, struct der_tlv *t, bool *present)
{
	*present = false;
	if (d->len == 0 || d->p[0] != tag)
		return true;
	*present = ocsp_next(d, t);
	return *present;
}

/* SHA-1 of a byte range (the responderID byKey, B4). */
void ocsp_sha1(const uint8_t *p, size_t len, uint8_t out[20]);

#endif
