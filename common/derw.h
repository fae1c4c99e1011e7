/* derw.h - the DER writing side of the single-pass encoders (crlgen/,
 * ocsp/): header and TLV lengths, writing a header, copying bytes.
 * Those encoders compute every length first and then write front to
 * back, so nothing is ever moved; the caller has reserved the room.
 * Inline because a CRL with a million entries makes several calls per
 * entry. The reading side is der.h. */
#ifndef LL_DERW_H
#define LL_DERW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Octets of the tag and length for `len` content octets (DER: short
 * form below 0x80, else the fewest length octets). */
static inline size_t derw_hdr_len(size_t len)
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

/* Octets of a whole TLV with `len` content octets. */
static inline size_t derw_tlv_len(size_t len)
{
	return derw_hdr_len(len) + len;
}

/* Writes tag and length (derw_hdr_len(len) octets) at p; returns the
 * position after them. */
static inline uint8_t *derw_put_hdr(uint8_t *p, uint8_t tag, size_t len)
{
	size_t n, i;

	*p++ = tag;
	if (len < 0x80) {
		*p++ = (uint8_t)len;
		return p;
	}
	n = derw_hdr_len(len) - 2;
	*p++ = (uint8_t)(0x80 | n);
	for (i = n; i > 0; i--)
		*p++ = (uint8_t)(len >> (8 * (i - 1)));
	return p;
}

/* Copies n octets to p; returns the position after them. */
static inline uint8_t *derw_put(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

#endif
