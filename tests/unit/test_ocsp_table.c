/* test_ocsp_table.c - the pre-signed response table: put/get/replace/
 * remove under both CertID hashes, E1 serial forms, reference counts
 * (ASan catches a blob freed under a reader), issuers (E20), stats, a
 * churn run against a reference model, readers racing a writer, and the
 * memory cost of a million 300-byte responses. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"
#include "ocsp_table.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define TT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TT_SANITIZED 1
#endif
#endif
#ifndef TT_SANITIZED
#define TT_SANITIZED 0
#endif

static uint64_t tt_rng = 0x243f6a8885a308d3ULL;

static uint64_t tt_rand(void)
{
	tt_rng ^= tt_rng << 13;
	tt_rng ^= tt_rng >> 7;
	tt_rng ^= tt_rng << 17;
	return tt_rng;
}

static const uint8_t key1[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t key2[32] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
				 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
static const uint8_t name1[32] = {0xaa};

static struct ocsp_certid tt_id(enum ocsp_hash alg, const uint8_t *key, const uint8_t *serial,
				size_t slen)
{
	struct ocsp_certid id;

	memset(&id, 0, sizeof(id));
	id.alg = alg;
	id.name_hash = name1;
	id.key_hash = key;
	id.hash_len = alg == OCSP_HASH_SHA256 ? 32 : 20;
	id.serial = serial;
	id.serial_len = slen;
	return id;
}

/* A fake response: a 02 len serial TLV inside filler, as a real CertID
 * carries it, and a marker byte so tests can tell versions apart. */
static size_t tt_der(uint8_t *out, size_t len, const uint8_t *serial, size_t slen, uint8_t mark)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = (uint8_t)(0x30 + (i * 7 + mark) % 61);
	out[0] = mark;
	out[40] = 0x02;
	out[41] = (uint8_t)slen;
	memcpy(out + 42, serial, slen);
	return len;
}

static struct ocsp_blob *tt_get(struct ocsp_table *t, enum ocsp_hash alg, const uint8_t *key,
				const uint8_t *serial, size_t slen)
{
	struct ocsp_certid id = tt_id(alg, key, serial, slen);

	return ocsp_table_get(t, &id);
}

static void test_basic(void)
{
	struct ocsp_table *t = ocsp_table_new(0);
	uint8_t der[300], der2[300], md[32];
	char hex[65], want[67];
	const uint8_t s1[] = {0x12, 0x34, 0x56};
	struct ocsp_blob *b, *b2;
	struct ocsp_table_stats st;

	CHECK(t != NULL);
	tt_der(der, sizeof(der), s1, sizeof(s1), 1);
	CHECK(tt_get(t, OCSP_HASH_SHA1, key1, s1, sizeof(s1)) == NULL);
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key1, s1, sizeof(s1), der, sizeof(der), 1000, 2000));
	b = tt_get(t, OCSP_HASH_SHA1, key1, s1, sizeof(s1));
	CHECK(b != NULL);
	if (b) {
		CHECK(b->len == sizeof(der) && memcmp(b->der, der, sizeof(der)) == 0);
		CHECK(b->this_update == 1000 && b->next_update == 2000);
		CHECK(atomic_load(&b->refs) == 2);
		/* strong ETag = quoted hex SHA-256 of the bytes (B19) */
		EVP_Digest(der, sizeof(der), md, NULL, EVP_sha256(), NULL);
		ll_hex_encode(md, 32, hex);
		snprintf(want, sizeof(want), "\"%s\"", hex);
		{
			char got[OCSP_ETAG_LEN];

			ocsp_blob_etag(b, got);
			CHECK_MSG(strcmp(got, want) == 0, "%s vs %s", got, want);
			CHECK(memcmp(b->etag, md, 32) == 0);
		}
	}
	/* the key is (alg, key hash, serial): other alg, other key, other
	 * serial are misses */
	CHECK(tt_get(t, OCSP_HASH_SHA256, key1, s1, sizeof(s1)) == NULL);
	CHECK(tt_get(t, OCSP_HASH_SHA1, key2, s1, sizeof(s1)) == NULL);
	CHECK(tt_get(t, OCSP_HASH_SHA1, key1, s1, 2) == NULL);
	CHECK(tt_get(t, OCSP_HASH_SHA1, key1, (const uint8_t *)"\x12\x34\x57", 3) == NULL);
	/* a SHA-256 entry with the same serial is separate */
	tt_der(der2, sizeof(der2), s1, sizeof(s1), 2);
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA256, key1, s1, sizeof(s1), der2, sizeof(der2), 1500,
			     2500));
	b2 = tt_get(t, OCSP_HASH_SHA256, key1, s1, sizeof(s1));
	CHECK(b2 && b2->der[0] == 2 && b2->this_update == 1500);
	ocsp_blob_release(b2);

	/* replace: the old blob stays valid for its holder */
	tt_der(der2, sizeof(der2), s1, sizeof(s1), 3);
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key1, s1, sizeof(s1), der2, 200, 3000, 4000));
	if (b) {
		CHECK(atomic_load(&b->refs) == 1);
		CHECK(b->der[0] == 1 && memcmp(b->der, der, sizeof(der)) == 0);
	}
	b2 = tt_get(t, OCSP_HASH_SHA1, key1, s1, sizeof(s1));
	CHECK(b2 && b2->der[0] == 3 && b2->len == 200 && b2->this_update == 3000);
	ocsp_blob_release(b2);
	ocsp_blob_release(b); /* frees the replaced bytes (ASan checks) */

	ocsp_table_stats(t, &st);
	CHECK(st.entries == 2);
	CHECK(st.bytes == 200 + 300);
	CHECK(st.oldest_this_update == 1500);
	CHECK(st.next_expiry == 2500);
	CHECK(st.index_bytes > 0);

	/* remove */
	CHECK(!ocsp_table_remove(t, OCSP_HASH_SHA1, key1, s1, 2));
	CHECK(!ocsp_table_remove(t, OCSP_HASH_SHA1, key2, s1, sizeof(s1)));
	b = tt_get(t, OCSP_HASH_SHA256, key1, s1, sizeof(s1));
	CHECK(ocsp_table_remove(t, OCSP_HASH_SHA256, key1, s1, sizeof(s1)));
	CHECK(tt_get(t, OCSP_HASH_SHA256, key1, s1, sizeof(s1)) == NULL);
	CHECK(b && b->der[0] == 2); /* still held */
	ocsp_blob_release(b);
	ocsp_table_stats(t, &st);
	CHECK(st.entries == 1 && st.bytes == 200);
	CHECK(st.oldest_this_update == 3000 && st.next_expiry == 4000);
	CHECK(ocsp_table_remove(t, OCSP_HASH_SHA1, key1, s1, sizeof(s1)));
	ocsp_table_stats(t, &st);
	CHECK(st.entries == 0 && st.bytes == 0 && st.oldest_this_update == 0 && st.next_expiry == 0);

	/* over-long serials are refused on put and never found (E2) */
	{
		uint8_t big[OCSP_MAX_SERIAL + 1];

		memset(big, 0x11, sizeof(big));
		CHECK(!ocsp_table_put(t, OCSP_HASH_SHA1, key1, big, sizeof(big), der, 100, 1, 2));
		CHECK(tt_get(t, OCSP_HASH_SHA1, key1, big, sizeof(big)) == NULL);
		CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key1, big, OCSP_MAX_SERIAL, der, 100, 1, 2));
		b = tt_get(t, OCSP_HASH_SHA1, key1, big, OCSP_MAX_SERIAL);
		CHECK(b && b->len == 100);
		ocsp_blob_release(b);
	}
	/* a zero-length serial and DER that does not contain the serial */
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key2, (const uint8_t *)"", 0, der, 10, 1, 2));
	b = tt_get(t, OCSP_HASH_SHA1, key2, (const uint8_t *)"", 0);
	CHECK(b && b->len == 10);
	ocsp_blob_release(b);
	{
		const uint8_t odd[] = {0xde, 0xad, 0xbe, 0xef, 0x99};
		uint8_t plain[50];

		memset(plain, 0x41, sizeof(plain));
		CHECK(ocsp_table_put(t, OCSP_HASH_SHA256, key2, odd, sizeof(odd), plain,
				     sizeof(plain), 5, 6));
		b = tt_get(t, OCSP_HASH_SHA256, key2, odd, sizeof(odd));
		CHECK(b && b->len == sizeof(plain) && memcmp(b->der, plain, sizeof(plain)) == 0);
		ocsp_blob_release(b);
	}
	ocsp_blob_release(NULL);
	ocsp_table_free(t);
	ocsp_table_free(NULL);
}

/* E1: exact octets first, then the same number in another encoding. */
static void test_serial_forms(void)
{
	struct ocsp_table *t = ocsp_table_new(100);
	uint8_t der[120];
	const uint8_t min5[] = {0x05}, pad5[] = {0x00, 0x05}, pad5b[] = {0x00, 0x00, 0x05};
	const uint8_t hi[] = {0x00, 0x80}, neg[] = {0xff, 0x80}, negmin[] = {0x80};
	const uint8_t zero[] = {0x00}, zero2[] = {0x00, 0x00};
	struct ocsp_blob *b;

	/* stored non-minimal (a legacy certificate's bytes), asked minimal */
	tt_der(der, sizeof(der), pad5, sizeof(pad5), 1);
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key1, pad5, sizeof(pad5), der, sizeof(der), 1, 2));
	b = tt_get(t, OCSP_HASH_SHA1, key1, min5, 1);
	CHECK(b && b->der[0] == 1);
	ocsp_blob_release(b);
	b = tt_get(t, OCSP_HASH_SHA1, key1, pad5b, 3);
	CHECK(b && b->der[0] == 1);
	ocsp_blob_release(b);
	/* both forms stored: each request gets its exact match */
	tt_der(der, sizeof(der), min5, 1, 2);
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key1, min5, 1, der, sizeof(der), 1, 2));
	b = tt_get(t, OCSP_HASH_SHA1, key1, min5, 1);
	CHECK(b && b->der[0] == 2);
	ocsp_blob_release(b);
	b = tt_get(t, OCSP_HASH_SHA1, key1, pad5, 2);
	CHECK(b && b->der[0] == 1);
	ocsp_blob_release(b);
	CHECK(ocsp_table_remove(t, OCSP_HASH_SHA1, key1, pad5, 2));
	b = tt_get(t, OCSP_HASH_SHA1, key1, pad5, 2); /* falls back to 05 */
	CHECK(b && b->der[0] == 2);
	ocsp_blob_release(b);

	/* the sign octet matters: 00 80 (128) is not 80 (-128) nor ff 80 */
	tt_der(der, sizeof(der), hi, 2, 3);
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key1, hi, 2, der, sizeof(der), 1, 2));
	CHECK(tt_get(t, OCSP_HASH_SHA1, key1, negmin, 1) == NULL);
	CHECK(tt_get(t, OCSP_HASH_SHA1, key1, neg, 2) == NULL);
	tt_der(der, sizeof(der), neg, 2, 4);
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key1, neg, 2, der, sizeof(der), 1, 2));
	b = tt_get(t, OCSP_HASH_SHA1, key1, negmin, 1); /* -128 either way */
	CHECK(b && b->der[0] == 4);
	ocsp_blob_release(b);
	/* zero */
	tt_der(der, sizeof(der), zero, 1, 5);
	CHECK(ocsp_table_put(t, OCSP_HASH_SHA1, key1, zero, 1, der, sizeof(der), 1, 2));
	b = tt_get(t, OCSP_HASH_SHA1, key1, zero2, 2);
	CHECK(b && b->der[0] == 5);
	ocsp_blob_release(b);
	ocsp_table_free(t);
}

static void test_issuers(void)
{
	struct ocsp_table *t = ocsp_table_new(10);
	struct ocsp_issuer_ids a, c;
	struct ocsp_certid id;
	const uint8_t s[] = {1};

	memset(&a, 0x11, sizeof(a));
	memset(a.key_sha256, 0x22, 32);
	memset(&c, 0x33, sizeof(c));
	CHECK(ocsp_table_add_issuer(t, &a, 7));
	CHECK(ocsp_table_add_issuer(t, &c, 8));
	id = tt_id(OCSP_HASH_SHA1, a.key_sha1, s, 1);
	id.name_hash = a.name_sha1;
	CHECK(ocsp_table_issuer(t, &id) == 7);
	id = tt_id(OCSP_HASH_SHA256, a.key_sha256, s, 1);
	id.name_hash = a.name_sha256;
	CHECK(ocsp_table_issuer(t, &id) == 7);
	id = tt_id(OCSP_HASH_SHA256, c.key_sha256, s, 1);
	id.name_hash = c.name_sha256;
	CHECK(ocsp_table_issuer(t, &id) == 8);
	/* the name of one with the key of another is no issuer (E20) */
	id = tt_id(OCSP_HASH_SHA1, c.key_sha1, s, 1);
	id.name_hash = a.name_sha1;
	CHECK(ocsp_table_issuer(t, &id) == -1);
	/* SHA-1 hashes under the SHA-256 algorithm */
	id = tt_id(OCSP_HASH_SHA256, a.key_sha1, s, 1);
	id.name_hash = a.name_sha1;
	id.hash_len = 20;
	CHECK(ocsp_table_issuer(t, &id) == -1);
	/* re-registering updates the id */
	CHECK(ocsp_table_add_issuer(t, &c, 9));
	id = tt_id(OCSP_HASH_SHA1, c.key_sha1, s, 1);
	id.name_hash = c.name_sha1;
	CHECK(ocsp_table_issuer(t, &id) == 9);
	ocsp_table_free(t);
}

/* Random put/replace/remove against a plain array model: exercises
 * growth from a tiny table and backward-shift deletion. */
#define CH_N 20000
static void test_churn(void)
{
	struct ocsp_table *t = ocsp_table_new(0);
	static uint8_t serial[CH_N][9];
	static uint8_t ver[CH_N];	/* 0 = absent */
	static uint8_t keyix[CH_N];
	uint8_t der[64];
	size_t i, ops, bad = 0, present = 0;
	struct ocsp_table_stats st;

	for (i = 0; i < CH_N; i++) {
		uint64_t r = tt_rand();

		serial[i][0] = 0x01 + (uint8_t)(i & 0x3f);
		memcpy(serial[i] + 1, &r, 8);
		keyix[i] = (uint8_t)(i & 1);
	}
	for (ops = 0; ops < 200000; ops++) {
		size_t k = tt_rand() % CH_N;
		const uint8_t *key = keyix[k] ? key2 : key1;

		if (tt_rand() % 3 == 0) {
			bool had = ver[k] != 0;

			if (ocsp_table_remove(t, OCSP_HASH_SHA256, key, serial[k], 9) != had)
				bad++;
			ver[k] = 0;
		} else {
			uint8_t v = (uint8_t)(1 + tt_rand() % 250);

			tt_der(der, sizeof(der), serial[k], 9, v);
			if (!ocsp_table_put(t, OCSP_HASH_SHA256, key, serial[k], 9, der,
					    sizeof(der), v, 1000 + v))
				bad++;
			ver[k] = v;
		}
	}
	for (i = 0; i < CH_N; i++) {
		struct ocsp_blob *b =
			tt_get(t, OCSP_HASH_SHA256, keyix[i] ? key2 : key1, serial[i], 9);

		if (ver[i]) {
			present++;
			if (!b || b->der[0] != ver[i] || b->this_update != ver[i])
				bad++;
		} else if (b) {
			bad++;
		}
		ocsp_blob_release(b);
	}
	CHECK_MSG(bad == 0, "%zu mismatches", bad);
	ocsp_table_stats(t, &st);
	CHECK(st.entries == present);
	CHECK(st.bytes == present * sizeof(der));
	ocsp_table_free(t);
}

/* Readers look up while a writer replaces and removes: every blob a
 * reader gets must be intact (its marker matches its serial) until it
 * releases it. Under ASan a premature free is a hard error. */
#define RC_KEYS 512
struct rc_ctx {
	struct ocsp_table *t;
	uint8_t serial[RC_KEYS][4];
	atomic_bool stop;
	atomic_ullong hits, misses, torn;
};

static void *rc_reader(void *arg)
{
	struct rc_ctx *c = arg;
	uint64_t r = (uint64_t)(uintptr_t)&r;

	while (!atomic_load(&c->stop)) {
		size_t k;
		struct ocsp_blob *b;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		k = r % RC_KEYS;
		b = tt_get(c->t, OCSP_HASH_SHA1, key1, c->serial[k], 4);
		if (!b) {
			atomic_fetch_add(&c->misses, 1);
			continue;
		}
		/* the serial is in the bytes and the length matches the version */
		if (memcmp(b->der + 42, c->serial[k], 4) != 0 || b->len != 100u + b->der[0])
			atomic_fetch_add(&c->torn, 1);
		atomic_fetch_add(&c->hits, 1);
		ocsp_blob_release(b);
	}
	return NULL;
}

static void test_concurrent(void)
{
	struct rc_ctx *c = calloc(1, sizeof(*c));
	pthread_t th[4];
	uint8_t der[400];
	size_t i, n = 0;
	struct timespec t0, t1;

	c->t = ocsp_table_new(64);
	for (i = 0; i < RC_KEYS; i++) {
		uint32_t v = (uint32_t)(0x10000000u + i * 2654435761u % 0x0fffffff);

		memcpy(c->serial[i], &v, 4);
		c->serial[i][0] = (uint8_t)(0x10 + i % 0x60);
	}
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, rc_reader, c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < 2000; i++, n++) {
			size_t k = tt_rand() % RC_KEYS;
			uint8_t v = (uint8_t)(tt_rand() % 200);

			if (tt_rand() % 4 == 0) {
				ocsp_table_remove(c->t, OCSP_HASH_SHA1, key1, c->serial[k], 4);
			} else {
				tt_der(der, 100u + v, c->serial[k], 4, v);
				ocsp_table_put(c->t, OCSP_HASH_SHA1, key1, c->serial[k], 4, der,
					       100u + v, 1, 2);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
	atomic_store(&c->stop, true);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("# concurrent: %zu writes, %llu hits, %llu misses\n", n,
	       (unsigned long long)atomic_load(&c->hits), (unsigned long long)atomic_load(&c->misses));
	CHECK(atomic_load(&c->torn) == 0);
	CHECK(atomic_load(&c->hits) > 0);
	ocsp_table_free(c->t);
	free(c);
}

/* Threads intern new issuer keys and register issuers while others
 * look them up: the key and issuer arrays are read without a lock and
 * grow under the readers (old arrays must stay readable). */
struct ik_ctx {
	struct ocsp_table *t;
	int id;
	atomic_int *bad;
};

static void *ik_thread(void *arg)
{
	struct ik_ctx *c = arg;
	uint8_t key[32], der[64], serial[2] = {0x01, 0x02};
	struct ocsp_issuer_ids ids;
	int i, j;

	for (i = 0; i < 200; i++) {
		memset(key, 0, sizeof(key));
		key[0] = (uint8_t)c->id;
		key[1] = (uint8_t)i;
		memset(der, (uint8_t)i, sizeof(der));
		memcpy(der + 10, serial, 2);
		if (!ocsp_table_put(c->t, OCSP_HASH_SHA256, key, serial, 2, der, sizeof(der), 1, 2))
			atomic_fetch_add(c->bad, 1);
		memset(&ids, c->id + 1, sizeof(ids));
		ids.key_sha256[0] = (uint8_t)i;
		if (!ocsp_table_add_issuer(c->t, &ids, c->id * 1000 + i))
			atomic_fetch_add(c->bad, 1);
		for (j = 0; j <= i; j += 7) {
			struct ocsp_blob *b;
			struct ocsp_certid id;

			key[1] = (uint8_t)j;
			b = tt_get(c->t, OCSP_HASH_SHA256, key, serial, 2);
			if (!b || b->der[0] != (uint8_t)j)
				atomic_fetch_add(c->bad, 1);
			ocsp_blob_release(b);
			ids.key_sha256[0] = (uint8_t)j;
			id = tt_id(OCSP_HASH_SHA256, ids.key_sha256, serial, 2);
			id.name_hash = ids.name_sha256;
			if (ocsp_table_issuer(c->t, &id) != c->id * 1000 + j)
				atomic_fetch_add(c->bad, 1);
		}
	}
	return NULL;
}

static void test_intern_concurrent(void)
{
	struct ocsp_table *t = ocsp_table_new(0);
	struct ik_ctx c[4];
	pthread_t th[4];
	atomic_int bad = 0;
	int i;

	for (i = 0; i < 4; i++) {
		c[i].t = t;
		c[i].id = i + 1;
		c[i].bad = &bad;
		pthread_create(&th[i], NULL, ik_thread, &c[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK_MSG(atomic_load(&bad) == 0, "%d", atomic_load(&bad));
	ocsp_table_free(t);
}

static long tt_rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The daemon holds 1M responses of ~300 B with RSS <= 1.5x their bytes:
 * measure what the table adds for them (blob header, slots, malloc). */
static void test_memory(void)
{
	size_t n = TT_SANITIZED ? 100000 : 1000000, i;
	struct ocsp_table *t;
	struct ocsp_table_stats st;
	uint8_t der[300], serial[20];
	long before, after;
	double ratio, per;
	struct timespec t0, t1;
	struct ocsp_blob *b;

	before = tt_rss_kb();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = ocsp_table_new(n);
	for (i = 0; i < n; i++) {
		uint64_t r1 = tt_rand(), r2 = tt_rand();

		memcpy(serial, &r1, 8);
		memcpy(serial + 8, &r2, 8);
		memcpy(serial + 16, &i, 4);
		serial[0] = (uint8_t)(0x01 + (serial[0] & 0x3f));
		tt_der(der, sizeof(der), serial, sizeof(serial), (uint8_t)i);
		if (!ocsp_table_put(t, i & 1 ? OCSP_HASH_SHA256 : OCSP_HASH_SHA1, key1, serial,
				    sizeof(serial), der, sizeof(der), 1, 2))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(i == n);
	b = tt_get(t, (n - 1) & 1 ? OCSP_HASH_SHA256 : OCSP_HASH_SHA1, key1, serial, sizeof(serial));
	CHECK(b != NULL);
	ocsp_blob_release(b);
	after = tt_rss_kb();
	ocsp_table_stats(t, &st);
	CHECK(st.entries == n && st.bytes == n * sizeof(der));
	ratio = (double)(after - before) * 1024.0 / (double)st.bytes;
	per = (double)(after - before) * 1024.0 / (double)n - (double)sizeof(der);
	printf("# memory: %zu entries x %zu B DER = %.1f MB; RSS +%.1f MB (%.2fx the DER, "
	       "%.0f B/entry overhead, slots %.1f B/entry); load %.2f s\n",
	       n, sizeof(der), st.bytes / 1e6, (after - before) / 1024.0, ratio, per,
	       (double)st.index_bytes / (double)n,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (!TT_SANITIZED)
		CHECK_MSG(ratio <= 1.5, "RSS/DER %.2f", ratio);
	ocsp_table_free(t);
}

int main(void)
{
	test_basic();
	test_serial_forms();
	test_issuers();
	test_churn();
	test_concurrent();
	test_intern_concurrent();
	test_memory();
	return tap_done();
}
