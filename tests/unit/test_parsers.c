/* test_parsers.c - serial encodings, time formats (UTCTime before 2050,
 * GeneralizedTime from 2050, E8), RFC 3339, durations, index.txt lines,
 * reason names and the JSON writer. */
#include <string.h>

#include "hex.h"
#include "import.h"
#include "json.h"
#include "lltime.h"
#include "tap.h"

static int serial_is(const char *in, const char *want_hex)
{
	uint8_t out[64];
	size_t n;
	char hex[130];

	if (!ll_serial_from_hex(in, out, sizeof(out), &n))
		return want_hex == NULL;
	if (!want_hex)
		return 0;
	ll_hex_encode(out, n, hex);
	return strcmp(hex, want_hex) == 0;
}

static void test_serials(void)
{
	/* as `openssl x509 -serial` / index.txt print them (E1) */
	CHECK(serial_is("0A", "0a"));
	CHECK(serial_is("a", "0a"));
	CHECK(serial_is("80", "0080"));	      /* top bit: DER needs a leading 00 */
	CHECK(serial_is("0080", "0080"));     /* leading 00 optional on input */
	CHECK(serial_is("000080", "0080"));
	CHECK(serial_is("FF:01", "00ff01"));  /* colon form */
	CHECK(serial_is("0x7f", "7f"));
	CHECK(serial_is("00", "00"));	      /* zero */
	CHECK(serial_is("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
			"7fffffffffffffffffffffffffffffffffffffff")); /* 20 octets */
	CHECK(serial_is("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
			"00ffffffffffffffffffffffffffffffffffffffff")); /* 21 with the 00 */
	CHECK(serial_is("", NULL));
	CHECK(serial_is("xyz", NULL));
	CHECK(serial_is("-01", NULL));
}

static int gen_is(ll_time t, const char *want, int want_utc)
{
	char buf[32];
	bool utc;
	size_t n = ll_time_format_asn1(t, buf, &utc);

	buf[n] = '\0';
	return strcmp(buf, want) == 0 && utc == (bool)want_utc;
}

static void test_times(void)
{
	ll_time t;
	char buf[40];

	/* A7/E8: the switch at 2050-01-01T00:00:00Z, per field */
	CHECK(gen_is(2524607999LL, "491231235959Z", 1));
	CHECK(gen_is(2524608000LL, "20500101000000Z", 0));
	CHECK(gen_is(0, "700101000000Z", 1));
	CHECK(gen_is(-631152000LL, "500101000000Z", 1)); /* 1950: UTCTime */
	CHECK(gen_is(-631152001LL, "19491231235959Z", 0));
	CHECK(ll_time_parse_asn1((const uint8_t *)"491231235959Z", 13, true, &t) && t == 2524607999LL);
	CHECK(ll_time_parse_asn1((const uint8_t *)"500101000000Z", 13, true, &t) && t == -631152000LL);
	CHECK(ll_time_parse_asn1((const uint8_t *)"20500101000000Z", 15, false, &t) && t == 2524608000LL);
	CHECK(ll_time_parse_asn1((const uint8_t *)"99991231235959Z", 15, false, &t) &&
	      t == 253402300799LL);
	/* DER forbids these */
	CHECK(!ll_time_parse_asn1((const uint8_t *)"4912312359Z", 11, true, &t));   /* no seconds */
	CHECK(!ll_time_parse_asn1((const uint8_t *)"491231235959+0100", 17, true, &t));
	CHECK(!ll_time_parse_asn1((const uint8_t *)"491231235960Z", 13, true, &t));  /* :60 */
	CHECK(!ll_time_parse_asn1((const uint8_t *)"490230000000Z", 13, true, &t));  /* Feb 30 */
	CHECK(ll_time_parse_asn1((const uint8_t *)"240229000000Z", 13, true, &t));   /* leap day */
	CHECK(!ll_time_parse_asn1((const uint8_t *)"230229000000Z", 13, true, &t));
	CHECK(!ll_time_parse_asn1((const uint8_t *)"20500101000000.5Z", 17, false, &t));
	CHECK(ll_time_parse_asn1_text("261228063713Z", &t));
	CHECK(ll_time_parse_asn1_text("20510101000000Z", &t));
	CHECK(!ll_time_parse_asn1_text("2612280637Z", &t));
	/* RFC 3339 */
	CHECK(ll_time_parse_rfc3339("2026-11-28T05:40:00Z", &t) &&
	      strcmp(ll_time_format_rfc3339(t, buf), "2026-11-28T05:40:00Z") == 0);
	CHECK(ll_time_parse_rfc3339("2026-11-28T06:40:00+01:00", &t) &&
	      strcmp(ll_time_format_rfc3339(t, buf), "2026-11-28T05:40:00Z") == 0);
	CHECK(ll_time_parse_rfc3339("2026-11-28T05:40:00.999Z", &t) &&
	      strcmp(ll_time_format_rfc3339(t, buf), "2026-11-28T05:40:00Z") == 0);
	CHECK(ll_time_parse_rfc3339("2026-11-28", &t) &&
	      strcmp(ll_time_format_rfc3339(t, buf), "2026-11-28T00:00:00Z") == 0);
	CHECK(!ll_time_parse_rfc3339("2026-11-28T05:40Z", &t));
	CHECK(!ll_time_parse_rfc3339("yesterday", &t));
	CHECK(!ll_time_parse_rfc3339("2026-13-01T00:00:00Z", &t));
	CHECK(strcmp(ll_time_format_rfc3339(-1, buf), "1969-12-31T23:59:59Z") == 0);
	CHECK(ll_time_format_gentime(2524607999LL, buf) == 15 && strcmp(buf, "20491231235959Z") == 0);
}

static void test_durations(void)
{
	int64_t s;

	CHECK(ll_duration_parse("7d", &s) && s == 7 * 86400);
	CHECK(ll_duration_parse("12h", &s) && s == 43200);
	CHECK(ll_duration_parse("1d12h", &s) && s == 129600);
	CHECK(ll_duration_parse("36h", &s) && s == 129600);
	CHECK(ll_duration_parse("2w", &s) && s == 14 * 86400);
	CHECK(ll_duration_parse("90", &s) && s == 90);
	CHECK(ll_duration_parse("0s", &s) && s == 0);
	CHECK(!ll_duration_parse("-1d", &s));
	CHECK(!ll_duration_parse("", &s));
	CHECK(!ll_duration_parse("1y", &s));
	CHECK(!ll_duration_parse("1d5", &s));
	CHECK(!ll_duration_parse("d", &s));
	CHECK(!ll_duration_parse("99999999999999999999d", &s));
}

static void test_index_lines(void)
{
	struct index_line il;
	struct ll_err err;
	const char *l;

	l = "V\t261228063713Z\t\t0100\tunknown\t/CN=leaf 0100";
	CHECK(import_parse_index_line(l, strlen(l), &il, &err) && il.status == 'V' && !il.revoked &&
	      il.serial_len == 2 && il.serial[0] == 1 && il.serial[1] == 0);
	l = "R\t261228063713Z\t261128063718Z,keyCompromise\t80\tunknown\t/CN=x";
	CHECK(import_parse_index_line(l, strlen(l), &il, &err) && il.revoked && il.reason == 1 &&
	      il.serial_len == 2 && il.serial[0] == 0 && il.serial[1] == 0x80);
	l = "R\t20510101000000Z\t261128063718Z\t7F\tunknown\t/CN=x";
	CHECK(import_parse_index_line(l, strlen(l), &il, &err) && il.revoked && il.reason == -1 &&
	      il.not_after == 2556144000LL);
	l = "R\t261228063713Z\t261128063718Z,CACompromise\t0A\tunknown\t/CN=x";
	CHECK(import_parse_index_line(l, strlen(l), &il, &err) && il.reason == 2);
	l = "R\t261228063713Z\t261128063718Z,holdInstruction,1.2.840.10040.2.2\t0A\tunknown\t/CN=x";
	CHECK(import_parse_index_line(l, strlen(l), &il, &err) && il.reason == 6);
	l = "R\t261228063713Z\t261128063718Z,keyTime,20261101000000Z\t0A\tunknown\t/CN=x";
	CHECK(import_parse_index_line(l, strlen(l), &il, &err) && il.reason == 1 && il.has_invalidity);
	l = "R\t261228063713Z\t261128063718Z,privilegeWithdrawn\t0A\tunknown\t/CN=x";
	CHECK(import_parse_index_line(l, strlen(l), &il, &err) && il.reason == 9);
	l = "E\t201228063713Z\t\t0B\tunknown\t/CN=x\r"; /* CRLF file */
	CHECK(import_parse_index_line(l, strlen(l), &il, &err) && il.status == 'E');
	/* refused, with a reason */
	l = "X\t261228063713Z\t\t0100\tunknown\t/CN=x";
	CHECK(!import_parse_index_line(l, strlen(l), &il, &err) && strstr(err.msg, "status"));
	l = "V\t2612280637Z\t\t0100\tunknown\t/CN=x";
	CHECK(!import_parse_index_line(l, strlen(l), &il, &err) && strstr(err.msg, "expiry"));
	l = "V\t261228063713Z\t\tZZ\tunknown\t/CN=x";
	CHECK(!import_parse_index_line(l, strlen(l), &il, &err) && strstr(err.msg, "serial"));
	l = "R\t261228063713Z\t\t0100\tunknown\t/CN=x";
	CHECK(!import_parse_index_line(l, strlen(l), &il, &err) && strstr(err.msg, "revocation"));
	l = "R\t261228063713Z\t261128063718Z,sideways\t0A\tunknown\t/CN=x";
	CHECK(!import_parse_index_line(l, strlen(l), &il, &err) && strstr(err.msg, "sideways"));
	l = "V\t261228063713Z";
	CHECK(!import_parse_index_line(l, strlen(l), &il, &err) && strstr(err.msg, "fields"));
	CHECK(import_reason_code("cessationOfOperation") == 5);
	CHECK(import_reason_code("CESSATIONOFOPERATION") == 5);
	CHECK(import_reason_code("aACompromise") == 10);
	CHECK(import_reason_code("7") == -1);
	CHECK(strcmp(import_reason_name(4), "superseded") == 0);
}

static void test_json(void)
{
	struct json_out j;

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "a", "q\"\\\n\x01");
	json_kv_int(&j, "b", -5);
	json_arr_key_begin(&j, "c");
	json_str_val(&j, NULL);
	json_int_val(&j, 1);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_arr_end(&j);
	json_kv_bool(&j, "d", true);
	json_obj_end(&j);
	CHECK_MSG(strcmp(json_str(&j), "{\"a\":\"q\\\"\\\\\\n\\u0001\",\"b\":-5,\"c\":[null,1,{}],\"d\":true}") == 0,
		  "%s", json_str(&j));
	json_free(&j);
}

int main(void)
{
	test_serials();
	test_times();
	test_durations();
	test_index_lines();
	test_json();
	return tap_done();
}
