/* lltime.h - UTC time as int64 seconds since the Unix epoch, and the
 * textual forms lastleaf reads and writes: RFC 3339 (CLI, JSON), ASN.1
 * UTCTime/GeneralizedTime (certificates, CRLs, index.txt) and durations
 * such as "7d", "12h" or "1d12h". Leap seconds are ignored (D1). */
#ifndef LL_TIME_H
#define LL_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t ll_time;

#define LL_TIME_RFC3339_LEN 32

/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
int64_t ll_days_from_civil(int64_t y, unsigned m, unsigned d);
void ll_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* "2026-11-28T05:40:00Z", also "+hh:mm" offsets, fractional seconds
 * (truncated), a space instead of 'T', and a bare date (00:00:00Z, D1). */
bool ll_time_parse_rfc3339(const char *s, ll_time *out);
/* Always "YYYY-MM-DDTHH:MM:SSZ". buf must hold LL_TIME_RFC3339_LEN. */
char *ll_time_format_rfc3339(ll_time t, char *buf);

/* Strict DER forms: UTCTime "YYMMDDHHMMSSZ" (YY<50 => 20YY) when utc is
 * true, GeneralizedTime "YYYYMMDDHHMMSSZ" otherwise. */
bool ll_time_parse_asn1(const uint8_t *s, size_t len, bool utc, ll_time *out);
/* Lenient UTCTime/GeneralizedTime by length, as index.txt holds them. */
bool ll_time_parse_asn1_text(const char *s, ll_time *out);
/* Writes the RFC 5280 choice for t: UTCTime before 2050, GeneralizedTime
 * from 2050 on (A7). Returns the length (13 or 15); *utc tells which. */
size_t ll_time_format_asn1(ll_time t, char *buf, bool *utc);
/* Always GeneralizedTime (OCSP, invalidityDate). Returns 15. */
size_t ll_time_format_gentime(ll_time t, char *buf);

/* "7d", "12h", "30m", "45s", "1d12h", "2w"; plain digits are seconds.
 * Rejects negatives, empty strings, unknown units and overflow. */
bool ll_duration_parse(const char *s, int64_t *seconds);

/* Current time, from the real clock (faketime-able). */
ll_time ll_now(void);

#endif
