/* lltime.c - see lltime.h. Civil-date arithmetic after H. Hinnant's
 * public-domain algorithms, so no dependency on timegm() or the TZ. */
#include "lltime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t ll_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void ll_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : md[m - 1];
}

static bool make_time(int Y, int M, int D, int h, int mi, int s, ll_time *out)
{
	if (M < 1 || M > 12 || D < 1 || (unsigned)D > month_days(Y, (unsigned)M) ||
	    h > 23 || mi > 59 || s > 59)
		return false;
	*out = ll_days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 +
	       mi * 60 + s;
	return true;
}

bool ll_time_parse_rfc3339(const char *s, ll_time *out)
{
	int Y, M, D, h = 0, mi = 0, sec = 0, oh, om;
	size_t len = strlen(s), i;
	ll_time t;
	int sign;

	if (len < 10 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) ||
	    s[7] != '-' || !digits(s + 8, 2, &D))
		return false;
	if (len == 10)
		return make_time(Y, M, D, 0, 0, 0, out);
	if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || len < 20 ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, &sec))
		return false;
	i = 19;
	if (s[i] == '.') {
		i++;
		if (!isdigit((unsigned char)s[i]))
			return false;
		while (isdigit((unsigned char)s[i]))
			i++;
	}
	if (!make_time(Y, M, D, h, mi, sec, &t))
		return false;
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') {
		*out = t;
		return true;
	}
	if ((s[i] != '+' && s[i] != '-') || strlen(s + i) != 6 ||
	    !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || !digits(s + i + 4, 2, &om) ||
	    oh > 23 || om > 59)
		return false;
	sign = s[i] == '+' ? 1 : -1;
	*out = t - sign * (oh * 3600 + om * 60);
	return true;
}

char *ll_time_format_rfc3339(ll_time t, char *buf)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, y;
	int64_t rem = t - days * 86400;
	unsigned m, d;

	ll_civil_from_days(days, &y, &m, &d);
	snprintf(buf, LL_TIME_RFC3339_LEN, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
		 (long long)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return buf;
}

bool ll_time_parse_asn1(const uint8_t *p, size_t len, bool utc, ll_time *out)
{
	const char *s = (const char *)p;
	int Y, M, D, h, mi, sec, off = utc ? 2 : 4;

	if (len != (size_t)(off + 11) || s[len - 1] != 'Z')
		return false;
	if (!digits(s, (size_t)off, &Y) || !digits(s + off, 2, &M) ||
	    !digits(s + off + 2, 2, &D) || !digits(s + off + 4, 2, &h) ||
	    !digits(s + off + 6, 2, &mi) || !digits(s + off + 8, 2, &sec))
		return false;
	if (utc)
		Y += Y < 50 ? 2000 : 1900;
	return make_time(Y, M, D, h, mi, sec, out);
}

bool ll_time_parse_asn1_text(const char *s, ll_time *out)
{
	size_t len = strlen(s);

	if (len == 13)
		return ll_time_parse_asn1((const uint8_t *)s, len, true, out);
	if (len == 15)
		return ll_time_parse_asn1((const uint8_t *)s, len, false, out);
	return false;
}

size_t ll_time_format_gentime(ll_time t, char *buf)
{
	char tmp[LL_TIME_RFC3339_LEN];

	ll_time_format_rfc3339(t, tmp);
	/* YYYY-MM-DDTHH:MM:SSZ -> YYYYMMDDHHMMSSZ */
	memcpy(buf, tmp, 4);
	memcpy(buf + 4, tmp + 5, 2);
	memcpy(buf + 6, tmp + 8, 2);
	memcpy(buf + 8, tmp + 11, 2);
	memcpy(buf + 10, tmp + 14, 2);
	memcpy(buf + 12, tmp + 17, 2);
	buf[14] = 'Z';
	buf[15] = '\0';
	return 15;
}

size_t ll_time_format_asn1(ll_time t, char *buf, bool *utc)
{
	/* 2050-01-01T00:00:00Z */
	*utc = t < (ll_time)2524608000LL && t >= (ll_time)-631152000LL;
	ll_time_format_gentime(t, buf);
	if (*utc) {
		memmove(buf, buf + 2, 14);
		return 13;
	}
	return 15;
}

bool ll_duration_parse(const char *s, int64_t *seconds)
{
	int64_t total = 0;
	bool any = false;

	if (!s || !*s)
		return false;
	while (*s) {
		int64_t v = 0, mult;

		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s)) {
			if (v > (INT64_MAX - 9) / 10)
				return false;
			v = v * 10 + (*s++ - '0');
		}
		switch (*s) {
		case 'w': mult = 7 * 86400; s++; break;
		case 'd': mult = 86400; s++; break;
		case 'h': mult = 3600; s++; break;
		case 'm': mult = 60; s++; break;
		case 's': mult = 1; s++; break;
		case '\0':
			if (any)
				return false; /* "1d5" is ambiguous */
			mult = 1;
			break;
		default:
			return false;
		}
		if (v > (INT64_MAX - total) / mult)
			return false;
		total += v * mult;
		any = true;
	}
	*seconds = total;
	return true;
}

ll_time ll_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (ll_time)ts.tv_sec;
}
