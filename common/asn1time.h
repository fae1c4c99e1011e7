/* asn1time.h - writes the DER Time TLVs of what lastleaf signs (CRLs,
 * OCSP responses) without snprintf: a million-entry CRL writes a million
 * of these and the OCSP pre-signer millions more. The choice follows RFC
 * 5280 4.1.2.5 (A7): UTCTime for 1950 through 2049, GeneralizedTime
 * before and from 2050 on, or GeneralizedTime always where a field
 * demands it (OCSP B5, invalidityDate). Parsing is in lltime.h. */
#ifndef LL_ASN1TIME_H
#define LL_ASN1TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lltime.h"

/* Times lastleaf can write: years 0001..9999 (GeneralizedTime's range). */
#define ASN1TIME_MIN ((ll_time)-62135596800LL) /* 0001-01-01T00:00:00Z */
#define ASN1TIME_MAX ((ll_time)253402300799LL) /* 9999-12-31T23:59:59Z */
/* UTCTime covers 1950-01-01 up to (not including) 2050-01-01 (A7). */
#define ASN1TIME_UTC_MIN ((ll_time)-631152000LL)
#define ASN1TIME_UTC_END ((ll_time)2524608000LL)
/* TLV sizes: 17 0d YYMMDDHHMMSSZ and 18 0f YYYYMMDDHHMMSSZ. */
#define ASN1TIME_UTC_TLV 15
#define ASN1TIME_GEN_TLV 17

/* t lies in ASN1TIME_MIN..ASN1TIME_MAX. */
static inline bool asn1time_ok(ll_time t)
{
	return t >= ASN1TIME_MIN && t <= ASN1TIME_MAX;
}

/* RFC 5280 writes t as UTCTime. */
static inline bool asn1time_is_utc(ll_time t)
{
	return t >= ASN1TIME_UTC_MIN && t < ASN1TIME_UTC_END;
}

/* Length of the Time TLV for t: the RFC 5280 choice, or GeneralizedTime
 * when gen. */
static inline size_t asn1time_tlv_len(ll_time t, bool gen)
{
	return gen || !asn1time_is_utc(t) ? ASN1TIME_GEN_TLV : ASN1TIME_UTC_TLV;
}

/* Writes the Time TLV for t at p (asn1time_tlv_len(t, gen) octets) and
 * returns the position after it; t must satisfy asn1time_ok. */
uint8_t *asn1time_put(uint8_t *p, ll_time t, bool gen);

#endif
