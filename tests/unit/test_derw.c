/* test_derw.c - the inline DER writer (common/derw.h): header and TLV
 * lengths on every length-octet boundary, and the written headers
 * cross-checked against OpenSSL's ASN1_put_object/ASN1_object_size and
 * read back with the project's own der_decode. */
#include <openssl/asn1.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "derw.h"
#include "tap.h"

/* Lengths on both sides of each change in the number of length octets. */
static const size_t edges[] = {0,	  1,	     0x7f,	0x80,	   0x81,      0xff,
			       0x100,	  0x101,     0xffff,	0x10000,   0xffffff,  0x1000000,
			       0x1000001, 0x7ffffff, 0x3fffffff};

static void test_fixed(void)
{
	static const struct {
		size_t len;
		size_t hdr;
		uint8_t want[6];
	} v[] = {
		{0, 2, {0x04, 0x00}},
		{0x7f, 2, {0x04, 0x7f}},
		{0x80, 3, {0x04, 0x81, 0x80}},
		{0xff, 3, {0x04, 0x81, 0xff}},
		{0x100, 4, {0x04, 0x82, 0x01, 0x00}},
		{0xffff, 4, {0x04, 0x82, 0xff, 0xff}},
		{0x10000, 5, {0x04, 0x83, 0x01, 0x00, 0x00}},
		{0x1000000, 6, {0x04, 0x84, 0x01, 0x00, 0x00, 0x00}},
	};
	uint8_t buf[16], *end;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(buf, 0xee, sizeof(buf));
		end = derw_put_hdr(buf, DER_OCTETSTRING, v[i].len);
		CHECK_MSG(derw_hdr_len(v[i].len) == v[i].hdr, "len %zx", v[i].len);
		CHECK_MSG(derw_tlv_len(v[i].len) == v[i].hdr + v[i].len, "len %zx", v[i].len);
		CHECK_MSG((size_t)(end - buf) == v[i].hdr, "len %zx", v[i].len);
		CHECK_MSG(memcmp(buf, v[i].want, v[i].hdr) == 0, "len %zx", v[i].len);
		CHECK_MSG(buf[v[i].hdr] == 0xee, "len %zx: wrote past the header", v[i].len);
	}
	/* The widest size_t: 1 + 1 + sizeof(size_t) octets. */
	end = derw_put_hdr(buf, DER_SEQUENCE, SIZE_MAX);
	CHECK(derw_hdr_len(SIZE_MAX) == 2 + sizeof(size_t));
	CHECK((size_t)(end - buf) == 2 + sizeof(size_t));
	CHECK(buf[0] == 0x30 && buf[1] == (uint8_t)(0x80 | sizeof(size_t)) && buf[2] == 0xff &&
	      buf[1 + sizeof(size_t)] == 0xff);
}

/* One length against OpenSSL (which takes int lengths) and der_decode. */
static void check_len(size_t len, uint8_t tag, int constructed, int ossl_tag)
{
	uint8_t mine[16], theirs[16], *p = theirs, *end;
	size_t hdr = derw_hdr_len(len);
	int osize = ASN1_object_size(constructed, (int)len, ossl_tag);

	memset(mine, 0, sizeof(mine));
	memset(theirs, 0, sizeof(theirs));
	end = derw_put_hdr(mine, tag, len);
	ASN1_put_object(&p, constructed, (int)len, ossl_tag, V_ASN1_UNIVERSAL);
	CHECK_MSG(osize >= 0 && (size_t)osize == derw_tlv_len(len), "len %zx: %d vs %zu", len,
		  osize, derw_tlv_len(len));
	CHECK_MSG((size_t)(p - theirs) == hdr && (size_t)(end - mine) == hdr, "len %zx", len);
	CHECK_MSG(memcmp(mine, theirs, hdr) == 0, "len %zx: header differs from OpenSSL's", len);
	/* The project's reader takes the header back (the value itself is
	 * only present for small lengths). */
	if (len <= 300) {
		uint8_t *tlv = calloc(1, hdr + len);
		struct der_tlv t;

		memcpy(tlv, mine, hdr);
		CHECK_MSG(der_decode(tlv, hdr + len, &t) == DER_FAULT_NONE && t.tag == tag &&
				  t.len == len && t.total == hdr + len,
			  "len %zx: der_decode disagrees", len);
		free(tlv);
	}
}

static void test_openssl(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		check_len(edges[i], DER_OCTETSTRING, 0, V_ASN1_OCTET_STRING);
		check_len(edges[i], DER_SEQUENCE, 1, V_ASN1_SEQUENCE);
	}
	for (i = 0; i <= 300; i++)
		check_len(i, DER_INTEGER, 0, V_ASN1_INTEGER);
	for (i = 0; i < 2000; i++) {
		/* xorshift: every magnitude below 2^30 (OpenSSL sizes in int) */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check_len((size_t)((x >> 34) >> (x & 31)), DER_SET, 1, V_ASN1_SET);
	}
}

static void test_put(void)
{
	static const uint8_t src[] = {1, 2, 3, 4, 5};
	uint8_t buf[8] = {0};
	uint8_t *end = derw_put(buf + 1, src, sizeof(src));

	CHECK(end == buf + 6);
	CHECK(buf[0] == 0 && memcmp(buf + 1, src, 5) == 0 && buf[6] == 0);
	CHECK(derw_put(buf, src, 0) == buf);
}

int main(void)
{
	test_fixed();
	test_openssl();
	test_put();
	return tap_done();
}
