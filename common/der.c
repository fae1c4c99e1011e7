/* der.c - see der.h. The reader accepts only the DER subset that X.509,
 * CRLs and OCSP need: single-octet tags, definite lengths in their
 * shortest form. Everything is checked against the bytes left before it
 * is read, so a hostile length can never move a cursor past its end.
 * der_next is on the certificate import hot path (millions of TLVs per
 * second), hence one branch for the common short-form length. */
#include "der.h"

/* Decodes the TLV at p (left bytes available) into *out. Returns
 * DER_FAULT_NONE on success; *out is untouched otherwise. */
static inline enum der_fault der_read(const uint8_t *p, size_t left, struct der_tlv *out)
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

bool der_peek(const struct der *d, uint8_t *tag)
{
	if (d->len == 0)
		return false;
	*tag = d->p[0];
	return true;
}

bool der_next(struct der *d, struct der_tlv *out)
{
	if (der_read(d->p, d->len, out) != DER_FAULT_NONE)
		return false;
	d->p += out->total;
	d->len -= out->total;
	return true;
}

bool der_expect(struct der *d, uint8_t tag, struct der_tlv *out)
{
	/* Check the tag first so a mismatch leaves d and *out untouched,
	 * which lets callers try alternatives. */
	if (d->len == 0 || d->p[0] != tag)
		return false;
	return der_next(d, out);
}

bool der_optional(struct der *d, uint8_t tag, struct der_tlv *out, bool *present)
{
	*present = false;
	if (d->len == 0 || d->p[0] != tag)
		return true;
	if (!der_next(d, out))
		return false;
	*present = true;
	return true;
}

enum der_fault der_diagnose(const struct der *d)
{
	struct der_tlv t;

	return der_read(d->p, d->len, &t);
}

const char *der_fault_str(enum der_fault f)
{
	switch (f) {
	case DER_FAULT_NONE: return "well-formed";
	case DER_FAULT_EMPTY: return "missing";
	case DER_FAULT_TAG: return "high-tag-number form not allowed";
	case DER_FAULT_LENGTH: return "bad length encoding";
	case DER_FAULT_TRUNCATED: return "truncated";
	}
	return "malformed";
}
