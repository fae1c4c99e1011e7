/* der.h - a bounded, allocation-free DER reader. A cursor (struct der)
 * walks a byte range; every read checks lengths against what is left,
 * so hostile input can at worst make a call return false. Only
 * definite, minimally-encoded lengths and single-octet tags are taken
 * (all that X.509, CRLs and OCSP use); anything else is malformed. */
#ifndef LL_DER_H
#define LL_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Universal and context tags used across lastleaf. */
enum {
	DER_BOOLEAN = 0x01,
	DER_INTEGER = 0x02,
	DER_BITSTRING = 0x03,
	DER_OCTETSTRING = 0x04,
	DER_NULL = 0x05,
	DER_OID = 0x06,
	DER_ENUMERATED = 0x0a,
	DER_UTF8STRING = 0x0c,
	DER_PRINTABLESTRING = 0x13,
	DER_IA5STRING = 0x16,
	DER_UTCTIME = 0x17,
	DER_GENTIME = 0x18,
	DER_SEQUENCE = 0x30,
	DER_SET = 0x31,
	DER_CTX0 = 0xa0, /* [0] constructed */
	DER_CTX1 = 0xa1,
	DER_CTX2 = 0xa2,
	DER_CTX3 = 0xa3,
};

struct der {
	const uint8_t *p;
	size_t len; /* bytes left */
};

struct der_tlv {
	uint8_t tag;
	const uint8_t *start; /* first byte of the tag */
	size_t total;	      /* header + value */
	const uint8_t *val;
	size_t len;
};

static inline struct der der_init(const uint8_t *p, size_t len)
{
	struct der d = {p, len};
	return d;
}
static inline bool der_empty(const struct der *d) { return d->len == 0; }
/* Why der_next would fail on d, for error messages (slow path only). */
enum der_fault {
	DER_FAULT_NONE = 0,	 /* der_next would succeed */
	DER_FAULT_EMPTY,	 /* nothing left */
	DER_FAULT_TAG,		 /* high-tag-number form (0x1f) */
	DER_FAULT_LENGTH,	 /* indefinite, non-minimal or oversized length */
	DER_FAULT_TRUNCATED,	 /* header or value runs past the end */
};

/* Decodes the TLV at p (left bytes readable) into *out, which is only
 * written on success. The one place the DER rules live; inline because
 * the certificate walker calls it a few dozen times per certificate. */
static inline enum der_fault der_decode(const uint8_t *p, size_t left, struct der_tlv *out)
{
	size_t hdr, len;
	uint8_t l0;

	if (left == 0)
		return DER_FAULT_EMPTY;
	if ((p[0] & 0x1f) == 0x1f)
		return DER_FAULT_TAG;
	if (left < 2)
		return DER_FAULT_TRUNCATED;
	l0 = p[1];
	if (l0 < 0x80) {
		hdr = 2;
		len = l0;
	} else {
		size_t n = l0 & 0x7f, i;

		/* 0x80 is BER's indefinite form; 0xff is reserved. A length
		 * wider than size_t cannot describe bytes we hold. */
		if (n == 0 || n > sizeof(size_t))
			return DER_FAULT_LENGTH;
		if (left - 2 < n)
			return DER_FAULT_TRUNCATED;
		/* DER: no leading zero octets, and the long form only when
		 * the short form cannot express the length. */
		if (p[2] == 0)
			return DER_FAULT_LENGTH;
		len = 0;
		for (i = 0; i < n; i++)
			len = (len << 8) | p[2 + i];
		if (len < 0x80)
			return DER_FAULT_LENGTH;
		hdr = 2 + n;
	}
	if (len > left - hdr)
		return DER_FAULT_TRUNCATED;
	out->tag = p[0];
	out->start = p;
	out->total = hdr + len;
	out->val = p + hdr;
	out->len = len;
	return DER_FAULT_NONE;
}

/* Returns the next tag without consuming it; false when empty. */
bool der_peek(const struct der *d, uint8_t *tag);
/* Reads one TLV and advances. False on truncation or bad encoding. */
bool der_next(struct der *d, struct der_tlv *out);
/* As der_next, but also false when the tag is not `tag`. */
bool der_expect(struct der *d, uint8_t tag, struct der_tlv *out);
/* Reads an optional element: true with *present=false when the next tag
 * differs (or d is empty); false only on malformed input. */
bool der_optional(struct der *d, uint8_t tag, struct der_tlv *out, bool *present);
/* Why der_next would fail on d, for error messages. */
enum der_fault der_diagnose(const struct der *d);
/* Short text for a fault: "truncated", "bad length encoding", ... */
const char *der_fault_str(enum der_fault f);
/* A cursor over a constructed TLV's contents. */
static inline struct der der_enter(const struct der_tlv *t)
{
	return der_init(t->val, t->len);
}

#endif
