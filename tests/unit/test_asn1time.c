/* test_asn1time.c - the fast Time writer (common/asn1time.h): fixed
 * vectors on the RFC 5280 UTCTime/GeneralizedTime boundaries (UTCTime
 * 1950 through 2049, A7), the always-GeneralizedTime form (OCSP B5),
 * and a randomized cross-check against OpenSSL's ASN1_TIME_set /
 * ASN1_GENERALIZEDTIME_set + i2d over years 0001..9999, plus a round
 * trip through ll_time_parse_asn1. */
#include <openssl/asn1.h>
#include <string.h>
#include <time.h>

#include "asn1time.h"
#include "der.h"
#include "lltime.h"
#include "tap.h"

/* Writes t and compares with the expected TLV text (tag, then chars). */
static bool is(ll_time t, bool gen, uint8_t tag, const char *text)
{
	uint8_t buf[32];
	size_t n = strlen(text);
	uint8_t *end;

	memset(buf, 0xee, sizeof(buf));
	end = asn1time_put(buf, t, gen);
	if ((size_t)(end - buf) != 2 + n || asn1time_tlv_len(t, gen) != 2 + n) {
		fprintf(stderr, "t=%lld: %zd octets, tlv_len %zu, want %zu\n", (long long)t,
			end - buf, asn1time_tlv_len(t, gen), 2 + n);
		return false;
	}
	return buf[0] == tag && buf[1] == n && memcmp(buf + 2, text, n) == 0 && buf[2 + n] == 0xee;
}

static void test_fixed(void)
{
	/* RFC 5280 4.1.2.5: the switch is at 1950-01-01 and 2050-01-01 */
	CHECK(is(-631152001LL, false, DER_GENTIME, "19491231235959Z"));
	CHECK(is(-631152000LL, false, DER_UTCTIME, "500101000000Z"));
	CHECK(is(0, false, DER_UTCTIME, "700101000000Z"));
	CHECK(is(-1, false, DER_UTCTIME, "691231235959Z"));
	CHECK(is(951868799LL, false, DER_UTCTIME, "000229235959Z")); /* leap day 2000 */
	CHECK(is(2524607999LL, false, DER_UTCTIME, "491231235959Z"));
	CHECK(is(2524608000LL, false, DER_GENTIME, "20500101000000Z"));
	CHECK(is(ASN1TIME_MIN, false, DER_GENTIME, "00010101000000Z"));
	CHECK(is(ASN1TIME_MAX, false, DER_GENTIME, "99991231235959Z"));
	/* gen: GeneralizedTime whatever the year */
	CHECK(is(0, true, DER_GENTIME, "19700101000000Z"));
	CHECK(is(2524607999LL, true, DER_GENTIME, "20491231235959Z"));
	CHECK(is(-631152000LL, true, DER_GENTIME, "19500101000000Z"));
	CHECK(ASN1TIME_UTC_MIN == -631152000LL && ASN1TIME_UTC_END == 2524608000LL);
	CHECK(asn1time_ok(ASN1TIME_MIN) && asn1time_ok(ASN1TIME_MAX));
	CHECK(!asn1time_ok(ASN1TIME_MIN - 1) && !asn1time_ok(ASN1TIME_MAX + 1));
	CHECK(asn1time_is_utc(ASN1TIME_UTC_MIN) && !asn1time_is_utc(ASN1TIME_UTC_MIN - 1));
	CHECK(asn1time_is_utc(ASN1TIME_UTC_END - 1) && !asn1time_is_utc(ASN1TIME_UTC_END));
}

/* OpenSSL's DER for t: ASN1_TIME_set applies the same RFC 5280 rule. */
static int ossl_der(ll_time t, bool gen, uint8_t *out)
{
	ASN1_TIME *a = gen ? ASN1_GENERALIZEDTIME_set(NULL, (time_t)t) : ASN1_TIME_set(NULL, (time_t)t);
	uint8_t *p = out;
	int n;

	if (!a)
		return -1;
	n = i2d_ASN1_TIME(a, &p);
	ASN1_TIME_free(a);
	return n;
}

static void check_one(ll_time t, int *bad)
{
	uint8_t mine[32], theirs[64];
	int gen;

	for (gen = 0; gen <= 1; gen++) {
		uint8_t *end = asn1time_put(mine, t, gen);
		int n = ossl_der(t, gen, theirs);
		struct der_tlv tlv;
		ll_time back = 0;

		if (n < 0 || (size_t)n != (size_t)(end - mine) || memcmp(mine, theirs, (size_t)n) != 0 ||
		    (size_t)n != asn1time_tlv_len(t, gen)) {
			if ((*bad)++ < 5)
				fprintf(stderr, "t=%lld gen=%d: %.*s vs OpenSSL %.*s\n", (long long)t,
					gen, (int)(end - mine - 2), (const char *)mine + 2,
					n > 2 ? n - 2 : 0, (const char *)theirs + 2);
			continue;
		}
		/* and the project's strict parser reads it back */
		if (der_decode(mine, (size_t)n, &tlv) != DER_FAULT_NONE ||
		    !ll_time_parse_asn1(tlv.val, tlv.len, tlv.tag == DER_UTCTIME, &back) || back != t) {
			if ((*bad)++ < 5)
				fprintf(stderr, "t=%lld gen=%d: does not parse back\n", (long long)t,
					gen);
		}
	}
}

static void test_openssl(void)
{
	uint64_t x = 0x2545f4914f6cdd1dULL;
	int bad = 0, i;
	ll_time t;

	/* every second around the boundaries, and one per day around
	 * the epoch and leap years */
	for (t = -631152000LL - 100; t < -631152000LL + 100; t++)
		check_one(t, &bad);
	for (t = 2524608000LL - 100; t < 2524608000LL + 100; t++)
		check_one(t, &bad);
	for (t = -400LL * 86400; t < 400LL * 86400; t += 86399)
		check_one(t, &bad);
	check_one(ASN1TIME_MIN, &bad);
	check_one(ASN1TIME_MAX, &bad);
	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = ASN1TIME_MIN + (ll_time)(x % (uint64_t)(ASN1TIME_MAX - ASN1TIME_MIN + 1));
		check_one(t, &bad);
	}
	CHECK_MSG(bad == 0, "%d times differ from OpenSSL's encoding", bad);
}

int main(void)
{
	test_fixed();
	test_openssl();
	return tap_done();
}
