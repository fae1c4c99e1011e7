/* asn1time.c - the fast UTCTime/GeneralizedTime writer (see asn1time.h). */
#include "asn1time.h"
#include "der.h"

static inline uint8_t *asn1time_put2(uint8_t *p, unsigned v)
{
	*p++ = (uint8_t)('0' + v / 10 % 10);
	*p++ = (uint8_t)('0' + v % 10);
	return p;
}

uint8_t *asn1time_put(uint8_t *p, ll_time t, bool gen)
{
	/* Floor division, so times before 1970 land on the right day. */
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, y;
	int64_t rem = t - days * 86400;
	unsigned m, d;
	bool utc = !gen && asn1time_is_utc(t);

	ll_civil_from_days(days, &y, &m, &d);
	*p++ = utc ? DER_UTCTIME : DER_GENTIME;
	*p++ = utc ? 13 : 15;
	if (!utc)
		p = asn1time_put2(p, (unsigned)(y / 100));
	p = asn1time_put2(p, (unsigned)(y % 100));
	p = asn1time_put2(p, m);
	p = asn1time_put2(p, d);
	p = asn1time_put2(p, (unsigned)(rem / 3600));
	p = asn1time_put2(p, (unsigned)(rem / 60 % 60));
	p = asn1time_put2(p, (unsigned)(rem % 60));
	*p++ = 'Z';
	return p;
}
