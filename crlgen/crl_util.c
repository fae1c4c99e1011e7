/* crl_util.c - pieces shared by the CRL encoder and linter (see
 * crl_internal.h) and the small public helpers of crlgen.h: violation
 * text and CRL-number conversion. No allocation, no I/O. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crl_internal.h"

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
