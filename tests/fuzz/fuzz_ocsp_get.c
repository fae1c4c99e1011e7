/* fuzz_ocsp_get.c - libFuzzer target for the OCSP GET path decoder and
 * the HTTP header helpers (ocsp_http_util.h), all fed attacker bytes:
 *  - any input decodes or fails without reading or writing out of
 *    bounds, and never yields more octets than base64 can carry;
 *  - the input taken as DER, base64-encoded and then mangled the ways
 *    E18 lists (escapes, '+' as space, base64url, no padding, a trailing
 *    newline, leading and collapsed slashes), decodes back to the same
 *    octets;
 *  - IMF-fixdate parse/format round-trips, and If-None-Match parsing of
 *    arbitrary text terminates. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "ocsp_http_util.h"

static void fz_check(bool cond)
{
	if (!cond)
		abort();
}

/* Applies the quirks chosen by flags to the standard base64 in enc. */
static size_t fz_mangle(const char *enc, size_t n, unsigned flags, char *out)
{
	size_t i, o = 0;

	if (flags & 1) {
		out[o++] = '/';
		out[o++] = '/';
	}
	for (i = 0; i < n; i++) {
		char c = enc[i];

		if (c == '=' && (flags & 2))
			continue; /* padding dropped */
		if (c == '+' && (flags & 4)) {
			out[o++] = ' ';
			continue;
		}
		if ((c == '+' || c == '/' || c == '=') && (flags & 8)) {
			static const char hx[] = "0123456789ABCDEF";

			out[o++] = '%';
			out[o++] = hx[(unsigned char)c >> 4];
			out[o++] = (flags & 64) ? (char)(hx[c & 15] | 0x20) : hx[c & 15];
			continue;
		}
		if (flags & 16) {
			if (c == '+')
				c = '-';
			else if (c == '/')
				c = '_';
		}
		out[o++] = c;
	}
	if (flags & 32) {
		memcpy(out + o, "%0D%0A", 6);
		o += 6;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = malloc(size + 4), *back;
	char *enc, *m, *s;
	size_t n, ns, en, mn, cap = size + 4;
	unsigned flags;
	ll_time t, t2;
	char d[OCSP_HTTP_DATE_LEN];

	fz_check(out != NULL);
	/* 1. raw bytes as a path: bounded output, no overrun */
	if (ocsp_http_get_decode((const char *)data, size, -1, out, cap, &n, &ns))
		fz_check(n <= size * 3 / 4 + 1 && ns <= size);
	if (size > 0)
		(void)ocsp_http_get_decode((const char *)data, size, data[0] % 8, out, cap, &n, NULL);
	(void)ocsp_http_get_decode((const char *)data, size, -1, out, size / 2, &n, NULL);

	/* 2. round trip: data as DER, encoded and mangled */
	flags = size ? data[0] : 0;
	enc = malloc(size / 3 * 4 + 8);
	m = malloc((size / 3 * 4 + 8) * 3 + 16);
	back = malloc(size + 8);
	fz_check(enc && m && back);
	en = (size_t)EVP_EncodeBlock((unsigned char *)enc, data, (int)size);
	mn = fz_mangle(enc, en, flags, m);
	/* Leading '/' are skipped as a doubled separator, so data whose
	 * base64 starts with '/' (first octet >= 0xfc) is not expressible;
	 * DER, starting with a tag like 0x30 ("M"), always is. */
	if (en == 0 || enc[0] != '/') {
		fz_check(ocsp_http_get_decode(m, mn, -1, back, size + 8, &n, &ns));
		fz_check(n == size && memcmp(back, data, size) == 0);
	}
	/* 3. a proxy collapsed the first "//" of the data: the retry index
	 * that names that '/' restores it */
	if (en > 0 && enc[0] != '/') {
		char *dbl = strstr(enc, "//");

		if (dbl) {
			size_t k, slashes = 0;

			for (k = 0; enc + k < dbl; k++)
				slashes += enc[k] == '/';
			memmove(dbl, dbl + 1, strlen(dbl));
			fz_check(ocsp_http_get_decode(enc, en - 1, (long)slashes, back, size + 8, &n,
						      NULL));
			fz_check(n == size && memcmp(back, data, size) == 0);
		}
	}

	/* 4. dates and entity tags on text */
	s = malloc(size + 1);
	fz_check(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	if (ocsp_http_parse_date(s, &t)) {
		fz_check(ocsp_http_fmt_date(t, d) == 29);
		fz_check(ocsp_http_parse_date(d, &t2) && t2 == t);
	}
	(void)ocsp_http_etag_match(s, "\"0123\"");
	if (size >= 2 && s[0] == '"' && strchr(s + 1, '"') == s + size - 1)
		fz_check(ocsp_http_etag_match(s, s));
	free(s);
	free(enc);
	free(m);
	free(back);
	free(out);
	return 0;
}
