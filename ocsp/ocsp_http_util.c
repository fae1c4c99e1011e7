/* ocsp_http_util.c - see ocsp_http_util.h. Everything here reads
 * attacker-supplied bytes with explicit lengths and writes only into
 * caller buffers of stated size; tests/fuzz/fuzz_ocsp_get.c drives it. */
#include "ocsp_http_util.h"

#include <string.h>

static int ohu_hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* Both alphabets at once: they only differ in 62/63, and no character
 * means one thing in one and another in the other. */
static int ohu_b64val(unsigned c)
{
	if (c >= 'A' && c <= 'Z')
		return (int)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (int)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (int)(c - '0' + 52);
	if (c == '+' || c == '-' || c == ' ')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

bool ocsp_http_get_decode(const char *in, size_t len, long dup_slash, uint8_t *out, size_t cap,
			  size_t *outlen, size_t *nslash)
{
	size_t i = 0, o = 0, nsext = 0, slashes = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	bool pad = false;

	*outlen = 0;
	if (nslash)
		*nslash = 0;
	while (i < len && in[i] == '/')
		i++;
	for (; i < len; i++) {
		unsigned c = (unsigned char)in[i];
		int v, reps = 1;

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return false;
			hi = ohu_hexval((unsigned char)in[i + 1]);
			lo = ohu_hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (unsigned)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\r' || c == '\n' || c == '\t')
			continue;
		if (c == '=') {
			pad = true;
			continue;
		}
		v = ohu_b64val(c);
		if (v < 0 || pad)
			return false;
		if (c == '/') {
			if (dup_slash >= 0 && slashes == (size_t)dup_slash)
				reps = 2;
			slashes++;
		}
		while (reps-- > 0) {
			acc = (acc << 6) | (uint32_t)v;
			bits += 6;
			nsext++;
			if (bits >= 8) {
				bits -= 8;
				if (o >= cap)
					return false;
				out[o++] = (uint8_t)(acc >> bits);
				acc &= (1u << bits) - 1;
			}
		}
	}
	/* One sextet alone cannot make an octet: no encoder writes that. */
	if (nsext % 4 == 1)
		return false;
	*outlen = o;
	if (nslash)
		*nslash = slashes;
	return true;
}

/* ---- dates ------------------------------------------------------------ */

static const char ohu_wday[7][4] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
static const char ohu_mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static char *ohu_put2(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

size_t ocsp_http_fmt_date(ll_time t, char out[OCSP_HTTP_DATE_LEN])
{
	int64_t days, secs, y;
	unsigned m, d, hh, mm, ss;
	char *p = out;

	/* floor division: dates before 1970 are still whole days back */
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	ll_civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999) {
		out[0] = '\0';
		return 0;
	}
	hh = (unsigned)(secs / 3600);
	mm = (unsigned)(secs / 60 % 60);
	ss = (unsigned)(secs % 60);
	/* 1970-01-01 was a Thursday (index 0) */
	memcpy(p, ohu_wday[((days % 7) + 7) % 7], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = ohu_put2(p, d);
	*p++ = ' ';
	memcpy(p, ohu_mon[m - 1], 3);
	p += 3;
	*p++ = ' ';
	p = ohu_put2(p, (unsigned)(y / 100));
	p = ohu_put2(p, (unsigned)(y % 100));
	*p++ = ' ';
	p = ohu_put2(p, hh);
	*p++ = ':';
	p = ohu_put2(p, mm);
	*p++ = ':';
	p = ohu_put2(p, ss);
	memcpy(p, " GMT", 5);
	return 29;
}

static bool ohu_digits(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

bool ocsp_http_parse_date(const char *s, ll_time *out)
{
	unsigned d, y, hh, mm, ss, m, i;
	int64_t y2;
	unsigned m2, d2;
	int64_t days;
	bool wd = false;

	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || strcmp(s + 25, " GMT") != 0)
		return false;
	for (i = 0; i < 7; i++)
		wd = wd || memcmp(s, ohu_wday[i], 3) == 0;
	if (!wd)
		return false;
	for (m = 0; m < 12; m++)
		if (memcmp(s + 8, ohu_mon[m], 3) == 0)
			break;
	if (m == 12)
		return false;
	if (!ohu_digits(s + 5, 2, &d) || !ohu_digits(s + 12, 4, &y) || !ohu_digits(s + 17, 2, &hh) ||
	    !ohu_digits(s + 20, 2, &mm) || !ohu_digits(s + 23, 2, &ss))
		return false;
	if (y < 1 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return false;
	if (ss == 60)
		ss = 59; /* no leap seconds (D1) */
	days = ll_days_from_civil(y, m + 1, d);
	/* Feb 30 and friends do not round-trip */
	ll_civil_from_days(days, &y2, &m2, &d2);
	if (y2 != (int64_t)y || m2 != m + 1 || d2 != d)
		return false;
	*out = days * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
	return true;
}

/* ---- entity tags ------------------------------------------------------- */

bool ocsp_http_etag_match(const char *inm, const char *etag)
{
	size_t el = strlen(etag);
	const char *p = inm;

	while (*p) {
		const char *q;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"') {
			/* not an entity-tag: skip this list member */
			while (*p && *p != ',')
				p++;
			continue;
		}
		q = strchr(p + 1, '"');
		if (!q)
			return false;
		if ((size_t)(q - p + 1) == el && memcmp(p, etag, el) == 0)
			return true;
		p = q + 1;
	}
	return false;
}
