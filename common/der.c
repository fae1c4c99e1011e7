/* der.c - see der.h. The reader accepts only the DER subset that X.509,
 * CRLs and OCSP need: single-octet tags, definite lengths in their
 * shortest form. Everything is checked against the bytes left before it
 * is read, so a hostile length can never move a cursor past its end.
 * The rules themselves are in der_decode (der.h); these are the cursor
 * operations around it. */
#include "der.h"

bool der_peek(const struct der *d, uint8_t *tag)
{
	if (d->len == 0)
		return false;
	*tag = d->p[0];
	return true;
}

bool der_next(struct der *d, struct der_tlv *out)
{
	if (der_decode(d->p, d->len, out) != DER_FAULT_NONE)
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

	return der_decode(d->p, d->len, &t);
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
