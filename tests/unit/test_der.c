/* test_der.c - the DER reader: accepted and rejected length/tag forms,
 * cursor behaviour, and a randomized comparison against a slow reference
 * decoder on exactly-sized heap buffers (so ASan sees any overread). */
#include <stdlib.h>
#include <string.h>

#include "der.h"
#include "tap.h"

/* Runs der_next on a heap copy of exactly len bytes. */
static bool next_heap(const uint8_t *in, size_t len, struct der_tlv *t, size_t *left)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct der d;
	bool ok;

	memcpy(copy, in, len);
	d = der_init(copy, len);
	ok = der_next(&d, t);
	if (ok) {
		/* Rebase pointers so callers can compare offsets. */
		t->val = in + (t->val - copy);
		t->start = in + (t->start - copy);
	}
	*left = d.len;
	free(copy);
	return ok;
}

static void test_forms(void)
{
	static const uint8_t int5[] = {0x02, 0x01, 0x05};
	static const uint8_t null0[] = {0x05, 0x00};
	static const uint8_t nonmin1[] = {0x04, 0x81, 0x7f};
	static const uint8_t lead0[] = {0x04, 0x82, 0x00, 0x80};
	static const uint8_t indef[] = {0x30, 0x80, 0x00, 0x00};
	static const uint8_t reserved[] = {0x04, 0xff, 0x00};
	static const uint8_t toowide[] = {0x04, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t hightag[] = {0x1f, 0x01, 0x00};
	static const uint8_t hightag_c[] = {0xbf, 0x01, 0x00};
	static const uint8_t over[] = {0x04, 0x05, 0x01, 0x02};
	static const uint8_t tagonly[] = {0x30};
	static const uint8_t lenonly[] = {0x04, 0x81};
	static const uint8_t huge[] = {0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00};
	static const uint8_t huge8[] = {0x04, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t long1[3 + 128], long2[4 + 256];
	struct der_tlv t;
	size_t left;

	CHECK(next_heap(int5, sizeof(int5), &t, &left));
	CHECK(t.tag == 0x02 && t.len == 1 && t.total == 3 && t.val == int5 + 2 && t.start == int5);
	CHECK(left == 0);
	CHECK(next_heap(null0, sizeof(null0), &t, &left) && t.len == 0 && t.total == 2);

	memset(long1, 0xaa, sizeof(long1));
	long1[0] = 0x04;
	long1[1] = 0x81;
	long1[2] = 0x80;
	CHECK(next_heap(long1, sizeof(long1), &t, &left) && t.len == 128 && t.total == 131);
	memset(long2, 0xbb, sizeof(long2));
	long2[0] = 0x30;
	long2[1] = 0x82;
	long2[2] = 0x01;
	long2[3] = 0x00;
	CHECK(next_heap(long2, sizeof(long2), &t, &left) && t.len == 256 && t.val == long2 + 4);
	/* one byte short */
	CHECK(!next_heap(long2, sizeof(long2) - 1, &t, &left));

	CHECK(!next_heap(nonmin1, sizeof(nonmin1), &t, &left));
	CHECK(!next_heap(lead0, sizeof(lead0), &t, &left));
	CHECK(!next_heap(indef, sizeof(indef), &t, &left));
	CHECK(!next_heap(reserved, sizeof(reserved), &t, &left));
	CHECK(!next_heap(toowide, sizeof(toowide), &t, &left));
	CHECK(!next_heap(hightag, sizeof(hightag), &t, &left));
	CHECK(!next_heap(hightag_c, sizeof(hightag_c), &t, &left));
	CHECK(!next_heap(over, sizeof(over), &t, &left));
	CHECK(!next_heap(tagonly, sizeof(tagonly), &t, &left));
	CHECK(!next_heap(lenonly, sizeof(lenonly), &t, &left));
	CHECK(!next_heap(huge, sizeof(huge), &t, &left));
	CHECK(!next_heap(huge8, sizeof(huge8), &t, &left));
	CHECK(!next_heap(int5, 0, &t, &left));

	{
		struct der d;

		d = der_init(nonmin1, sizeof(nonmin1));
		CHECK(der_diagnose(&d) == DER_FAULT_LENGTH);
		d = der_init(indef, sizeof(indef));
		CHECK(der_diagnose(&d) == DER_FAULT_LENGTH);
		d = der_init(hightag, sizeof(hightag));
		CHECK(der_diagnose(&d) == DER_FAULT_TAG);
		d = der_init(over, sizeof(over));
		CHECK(der_diagnose(&d) == DER_FAULT_TRUNCATED);
		d = der_init(tagonly, sizeof(tagonly));
		CHECK(der_diagnose(&d) == DER_FAULT_TRUNCATED);
		d = der_init(int5, 0);
		CHECK(der_diagnose(&d) == DER_FAULT_EMPTY);
		d = der_init(int5, sizeof(int5));
		CHECK(der_diagnose(&d) == DER_FAULT_NONE);
		CHECK(strcmp(der_fault_str(DER_FAULT_TRUNCATED), "truncated") == 0);
	}
}

static void test_cursor(void)
{
	/* SEQUENCE { INTEGER 5, [0] { NULL }, OCTET STRING "ab" } */
	static const uint8_t seq[] = {0x30, 0x0b, 0x02, 0x01, 0x05, 0xa0, 0x02, 0x05,
				      0x00, 0x04, 0x02, 'a',  'b'};
	struct der d = der_init(seq, sizeof(seq)), in, ctx;
	struct der_tlv t, u;
	uint8_t tag = 0;
	bool present = true;

	CHECK(der_peek(&d, &tag) && tag == DER_SEQUENCE);
	CHECK(!der_expect(&d, DER_SET, &t));
	CHECK(d.len == sizeof(seq)); /* a mismatch consumes nothing */
	CHECK(der_expect(&d, DER_SEQUENCE, &t));
	CHECK(der_empty(&d));
	CHECK(!der_peek(&d, &tag));
	in = der_enter(&t);
	CHECK(der_optional(&in, DER_BOOLEAN, &u, &present) && !present);
	CHECK(der_expect(&in, DER_INTEGER, &u) && u.len == 1 && u.val[0] == 5);
	CHECK(der_optional(&in, DER_CTX0, &u, &present) && present);
	ctx = der_enter(&u);
	CHECK(der_expect(&ctx, DER_NULL, &u) && u.len == 0 && der_empty(&ctx));
	CHECK(der_optional(&in, DER_CTX1, &u, &present) && !present);
	CHECK(der_expect(&in, DER_OCTETSTRING, &u) && u.len == 2 && memcmp(u.val, "ab", 2) == 0);
	CHECK(der_empty(&in));
	CHECK(der_optional(&in, DER_CTX3, &u, &present) && !present);
	CHECK(!der_next(&in, &u));

	/* der_optional on a matching but malformed element is an error. */
	{
		static const uint8_t bad[] = {0xa0, 0x05, 0x00};
		struct der b = der_init(bad, sizeof(bad));

		CHECK(!der_optional(&b, DER_CTX0, &u, &present));
	}
}

/* Slow, obviously-correct DER header decoder to compare against. */
static bool ref_decode(const uint8_t *p, size_t n, size_t *hdr, size_t *len)
{
	size_t i, k, l = 0;

	if (n < 2 || (p[0] & 0x1f) == 0x1f)
		return false;
	if (!(p[1] & 0x80)) {
		*hdr = 2;
		*len = p[1];
		return *len <= n - 2;
	}
	k = p[1] & 0x7f;
	if (k == 0 || k > 8 || n < 2 + k || p[2] == 0)
		return false;
	for (i = 0; i < k; i++) {
		if (l > (SIZE_MAX >> 8))
			return false;
		l = l << 8 | p[2 + i];
	}
	if (l < 128 || l > n - 2 - k)
		return false;
	*hdr = 2 + k;
	*len = l;
	return true;
}

static void test_random(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	int iter, mismatches = 0;

	for (iter = 0; iter < 2000000; iter++) {
		uint8_t buf[16], *copy;
		size_t n, i, hdr = 0, len = 0;
		struct der d;
		struct der_tlv t;
		bool ok, ref;

		/* xorshift64 */
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		n = s % 17;
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(s >> ((i % 8) * 8)) ^ (uint8_t)(i * 37 + iter);
		/* Bias towards interesting length octets. */
		if (n > 1 && (s & 0x300) == 0)
			buf[1] = (uint8_t)(0x80 | (s >> 20) % 10);
		if (n > 2 && (s & 0xc00) == 0)
			buf[2] = (uint8_t)((s >> 24) & 0x81);
		copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		d = der_init(copy, n);
		ok = der_next(&d, &t);
		ref = ref_decode(copy, n, &hdr, &len);
		if (ok != ref || (ok && (t.total != hdr + len || t.len != len ||
					 t.val != copy + hdr || d.len != n - hdr - len)))
			mismatches++;
		free(copy);
	}
	CHECK_MSG(mismatches == 0, "%d mismatches against the reference decoder", mismatches);
}

int main(void)
{
	test_forms();
	test_cursor();
	test_random();
	return tap_done();
}
