/* ocsp_table.c - the sharded in-memory table of pre-signed OCSP
 * responses (see ocsp_table.h).
 *
 * Layout, chosen for a million entries at ~300 bytes of DER each with an
 * RSS under 1.5x the DER bytes:
 *  - 256 shards, each an open-addressing table (linear probing, no
 *    tombstones: removal shifts the cluster back) under a rwlock, so
 *    HTTP workers only ever contend on a read lock of one shard;
 *  - a slot is a 32-bit hash plus a blob pointer (12 bytes), kept in two
 *    arrays so a probe walks 4-byte hashes and touches a blob only when
 *    the hash matches;
 *  - the key lives inside the blob: the issuer key hash is interned into
 *    a 16-bit id (a responder serves a handful of keys), and the serial is
 *    found inside the DER itself (the response's CertID echoes it), so
 *    the only per-entry cost beyond the public header is malloc's own.
 * Hashes are seeded per table; requests cannot insert, so an attacker
 * can at worst choose which probe sequence a lookup walks. */
#include "ocsp_table.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"

#define TBL_SHARDS 256
#define TBL_MIN_CAP 16u
#define TBL_MAX_KEYS 65535u

/* The private fields must stay inside the header's padding. */
_Static_assert(offsetof(struct ocsp_blob, der) <= 104, "ocsp_blob header grew");

struct tbl_shard {
	pthread_rwlock_t lock;
	uint32_t *hash;		  /* 0 = empty slot */
	struct ocsp_blob **blob;
	uint32_t cap, n;
	size_t bytes;
	/* cached minima for ocsp_table_stats(); dirty once the entry that
	 * held a minimum is replaced or removed */
	ll_time min_this, min_next;
	bool dirty;
} __attribute__((aligned(64)));

struct tbl_key {
	uint64_t prefix;	  /* first 8 octets, for a cheap first compare */
	uint8_t alg, len;
	uint8_t hash[OCSP_MAX_HASH];
};

struct tbl_issuer {
	int64_t id;
	uint8_t alg, len;
	uint8_t name[OCSP_MAX_HASH], key[OCSP_MAX_HASH];
};

/* An append-only array that readers scan without a lock: every request
 * looks up its issuer and key here, and a lock word shared by all
 * workers would bounce between cores on each one. An element is written
 * before the count that covers it is published (release/acquire); when
 * the array grows, the new pointer is published before the count, and
 * the old array is kept until the table is freed (it is at most as large
 * as the final one, and these arrays hold tens of entries). */
struct tbl_vec {
	pthread_mutex_t mu;	  /* writers */
	_Atomic(void *) items;
	atomic_size_t n;
	size_t cap;		  /* writers only */
	void **retired;
	size_t nretired;
};

struct ocsp_table {
	struct tbl_shard shards[TBL_SHARDS];
	uint64_t seed;
	EVP_MD *sha256;		  /* fetched once: an implicit fetch per put is slow */

	struct tbl_vec keys;	  /* interned issuer key hashes (struct tbl_key) */
	struct tbl_vec iss;	  /* served issuers (struct tbl_issuer, E20) */
};

/* ---- hashing ---------------------------------------------------------- */

static inline uint64_t tbl_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t tbl_hash(uint64_t seed, uint16_t kid, const uint8_t *p, size_t n)
{
	uint64_t h = seed ^ ((uint64_t)kid << 48) ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
	uint64_t v;

	while (n >= 8) {
		memcpy(&v, p, 8);
		h = tbl_mix(h ^ v) + 0x9e3779b97f4a7c15ULL;
		p += 8;
		n -= 8;
	}
	if (n) {
		v = 0;
		memcpy(&v, p, n);
		h = tbl_mix(h ^ v ^ ((uint64_t)n << 56)) + 0x9e3779b97f4a7c15ULL;
	}
	return tbl_mix(h);
}

/* Shard from the top 8 bits, slot hash from the next 32 (never 0, the
 * empty marker). The slot index is the slot hash scaled to the capacity
 * (Lemire's multiply-shift), so capacities need not be powers of two
 * and a pre-sized table sits near its target load. */
static inline unsigned tbl_shard_of(uint64_t h)
{
	return (unsigned)(h >> 56);
}

static inline uint32_t tbl_slot_hash(uint64_t h)
{
	uint32_t s = (uint32_t)(h >> 24);

	return s ? s : 1;
}

static inline uint32_t tbl_home(uint32_t sh, uint32_t cap)
{
	return (uint32_t)(((uint64_t)sh * cap) >> 32);
}

/* E1: the canonical form of INTEGER content octets drops leading octets
 * that only repeat the sign (00 before a clear top bit, ff before a set
 * one). A minimal encoding is its own canonical form. */
static void tbl_canon(const uint8_t *s, size_t n, const uint8_t **cs, size_t *cn)
{
	while (n > 1 && ((s[0] == 0x00 && !(s[1] & 0x80)) || (s[0] == 0xff && (s[1] & 0x80)))) {
		s++;
		n--;
	}
	*cs = s;
	*cn = n;
}

static inline const uint8_t *tbl_blob_serial(const struct ocsp_blob *b)
{
	return b->der + b->priv_serial_off;
}

/* ---- interned issuer keys --------------------------------------------- */

static size_t tbl_hash_len(enum ocsp_hash alg)
{
	return alg == OCSP_HASH_SHA256 ? 32 : 20;
}

static uint64_t tbl_prefix(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static bool tbl_vec_init(struct tbl_vec *v)
{
	memset(v, 0, sizeof(*v));
	atomic_init(&v->items, NULL);
	atomic_init(&v->n, 0);
	return pthread_mutex_init(&v->mu, NULL) == 0;
}

static void tbl_vec_destroy(struct tbl_vec *v)
{
	size_t i;

	for (i = 0; i < v->nretired; i++)
		free(v->retired[i]);
	free(v->retired);
	free(atomic_load(&v->items));
	pthread_mutex_destroy(&v->mu);
}

/* The items and how many of them a reader may look at. */
static const void *tbl_vec_read(struct tbl_vec *v, size_t *n)
{
	*n = atomic_load_explicit(&v->n, memory_order_acquire);
	return atomic_load_explicit(&v->items, memory_order_acquire);
}

/* Under v->mu: room for element number n (returned), or NULL when
 * memory runs out. The caller fills it, then tbl_vec_publish(). */
static void *tbl_vec_slot(struct tbl_vec *v, size_t esz)
{
	size_t n = atomic_load_explicit(&v->n, memory_order_relaxed);
	char *items = atomic_load_explicit(&v->items, memory_order_relaxed);

	if (n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 8;
		char *ni = malloc(ncap * esz);
		void **nr = realloc(v->retired, (v->nretired + 1) * sizeof(*nr));

		if (nr)
			v->retired = nr;
		if (!ni || !nr) {
			free(ni);
			return NULL;
		}
		if (n)
			memcpy(ni, items, n * esz);
		if (items)
			v->retired[v->nretired++] = items;
		atomic_store_explicit(&v->items, ni, memory_order_release);
		v->cap = ncap;
		items = ni;
	}
	return items + n * esz;
}

static void tbl_vec_publish(struct tbl_vec *v)
{
	atomic_fetch_add_explicit(&v->n, 1, memory_order_release);
}

/* Index of (alg, hash) among the interned keys, or -1. Lock-free. */
static long tbl_key_find(struct ocsp_table *t, uint8_t alg, const uint8_t *hash, size_t len)
{
	uint64_t pfx = tbl_prefix(hash);
	const struct tbl_key *keys;
	size_t i, n;

	keys = tbl_vec_read(&t->keys, &n);
	for (i = 0; i < n; i++) {
		const struct tbl_key *k = &keys[i];

		if (k->prefix == pfx && k->alg == alg && k->len == len &&
		    memcmp(k->hash, hash, len) == 0)
			return (long)i;
	}
	return -1;
}

/* The id of (alg, hash), interning it on first sight; -1 when memory or
 * the 16-bit id space runs out. Ids are never reused: a key stays
 * interned for the table's life (a responder serves few keys). */
static long tbl_key_intern(struct ocsp_table *t, uint8_t alg, const uint8_t *hash, size_t len)
{
	long i = tbl_key_find(t, alg, hash, len);
	struct tbl_key *k;

	if (i >= 0)
		return i;
	pthread_mutex_lock(&t->keys.mu);
	i = tbl_key_find(t, alg, hash, len);
	if (i >= 0 || atomic_load(&t->keys.n) >= TBL_MAX_KEYS)
		goto out;
	k = tbl_vec_slot(&t->keys, sizeof(*k));
	if (!k)
		goto out;
	memset(k, 0, sizeof(*k));
	k->alg = alg;
	k->len = (uint8_t)len;
	memcpy(k->hash, hash, len);
	k->prefix = tbl_prefix(k->hash);
	i = (long)atomic_load(&t->keys.n);
	tbl_vec_publish(&t->keys);
out:
	pthread_mutex_unlock(&t->keys.mu);
	return i;
}

/* ---- construction ----------------------------------------------------- */

static bool tbl_shard_alloc(struct tbl_shard *s, uint32_t cap)
{
	s->hash = calloc(cap, sizeof(*s->hash));
	s->blob = calloc(cap, sizeof(*s->blob));
	if (!s->hash || !s->blob) {
		free(s->hash);
		free(s->blob);
		s->hash = NULL;
		s->blob = NULL;
		return false;
	}
	s->cap = cap;
	return true;
}

struct ocsp_table *ocsp_table_new(size_t expected_entries)
{
	struct ocsp_table *t;
	size_t per, i, ninit = 0;
	uint32_t cap;

	t = aligned_alloc(64, sizeof(*t));
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	/* Sized so that the expected count fills each shard to ~80 %
	 * (growth starts at 87.5 %): no rehash while the refresh thread
	 * loads the first full set. */
	per = expected_entries / TBL_SHARDS;
	per = per + per / 4 + 8;
	if (per < TBL_MIN_CAP)
		per = TBL_MIN_CAP;
	if (per > UINT32_MAX / 2)
		per = UINT32_MAX / 2;
	cap = (uint32_t)per;
	if (RAND_bytes((unsigned char *)&t->seed, sizeof(t->seed)) != 1)
		goto fail;
	t->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!t->sha256)
		goto fail;
	for (i = 0; i < TBL_SHARDS; i++) {
		struct tbl_shard *s = &t->shards[i];

		if (!tbl_shard_alloc(s, cap))
			goto fail;
		if (pthread_rwlock_init(&s->lock, NULL) != 0) {
			free(s->hash);
			free(s->blob);
			goto fail;
		}
		ninit++;
	}
	if (!tbl_vec_init(&t->keys))
		goto fail;
	if (!tbl_vec_init(&t->iss)) {
		pthread_mutex_destroy(&t->keys.mu);
		goto fail;
	}
	return t;
fail:
	for (i = 0; i < ninit; i++) {
		pthread_rwlock_destroy(&t->shards[i].lock);
		free(t->shards[i].hash);
		free(t->shards[i].blob);
	}
	EVP_MD_free(t->sha256);
	free(t);
	return NULL;
}

void ocsp_blob_release(struct ocsp_blob *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

void ocsp_table_free(struct ocsp_table *t)
{
	size_t i, j;

	if (!t)
		return;
	for (i = 0; i < TBL_SHARDS; i++) {
		struct tbl_shard *s = &t->shards[i];

		for (j = 0; j < s->cap; j++)
			if (s->hash[j])
				ocsp_blob_release(s->blob[j]);
		free(s->hash);
		free(s->blob);
		pthread_rwlock_destroy(&s->lock);
	}
	tbl_vec_destroy(&t->keys);
	tbl_vec_destroy(&t->iss);
	EVP_MD_free(t->sha256);
	free(t);
}

/* ---- issuers ---------------------------------------------------------- */

/* Under iss.mu. A re-registration with another id appends a new entry;
 * lookups scan newest first, so the latest id wins without changing an
 * entry a reader may be looking at. */
static bool tbl_issuer_add_one(struct ocsp_table *t, uint8_t alg, const uint8_t *name,
			       const uint8_t *key, size_t len, int64_t id)
{
	const struct tbl_issuer *all;
	struct tbl_issuer *e;
	size_t i, n;

	all = tbl_vec_read(&t->iss, &n);
	for (i = n; i-- > 0;) {
		const struct tbl_issuer *o = &all[i];

		if (o->alg == alg && memcmp(o->name, name, len) == 0 &&
		    memcmp(o->key, key, len) == 0) {
			if (o->id == id)
				return true;
			break;
		}
	}
	e = tbl_vec_slot(&t->iss, sizeof(*e));
	if (!e)
		return false;
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->alg = alg;
	e->len = (uint8_t)len;
	memcpy(e->name, name, len);
	memcpy(e->key, key, len);
	tbl_vec_publish(&t->iss);
	return true;
}

bool ocsp_table_add_issuer(struct ocsp_table *t, const struct ocsp_issuer_ids *ids,
			   int64_t issuer_id)
{
	bool ok;

	pthread_mutex_lock(&t->iss.mu);
	ok = tbl_issuer_add_one(t, OCSP_HASH_SHA1, ids->name_sha1, ids->key_sha1, 20, issuer_id) &&
	     tbl_issuer_add_one(t, OCSP_HASH_SHA256, ids->name_sha256, ids->key_sha256, 32,
				issuer_id);
	pthread_mutex_unlock(&t->iss.mu);
	return ok;
}

int64_t ocsp_table_issuer(struct ocsp_table *t, const struct ocsp_certid *id)
{
	const struct tbl_issuer *all;
	size_t i, n;

	if (id->hash_len != tbl_hash_len(id->alg))
		return -1;
	/* A linear scan: a responder serves tens of issuers at most, and
	 * both hashes must match the same registration (a name hash from
	 * one CA with the key hash of another is not an issuer we serve). */
	all = tbl_vec_read(&t->iss, &n);
	for (i = n; i-- > 0;) {
		const struct tbl_issuer *e = &all[i];

		if (e->alg == id->alg && memcmp(e->key, id->key_hash, id->hash_len) == 0 &&
		    memcmp(e->name, id->name_hash, id->hash_len) == 0)
			return e->id;
	}
	return -1;
}

/* ---- entries ---------------------------------------------------------- */

/* Slot index of the entry with exactly these serial octets, or of the
 * empty slot that ends its probe sequence (*found false). */
static uint32_t tbl_find_exact(const struct tbl_shard *s, uint32_t sh, uint16_t kid,
			       const uint8_t *serial, size_t slen, bool *found)
{
	uint32_t i = tbl_home(sh, s->cap);

	*found = false;
	while (s->hash[i]) {
		if (s->hash[i] == sh) {
			const struct ocsp_blob *b = s->blob[i];

			if (b->priv_key_id == kid && b->priv_serial_len == slen &&
			    memcmp(tbl_blob_serial(b), serial, slen) == 0) {
				*found = true;
				return i;
			}
		}
		if (++i == s->cap)
			i = 0;
	}
	return i;
}

/* Doubles a shard (under its write lock). The slot hashes are kept, so
 * no blob is touched. */
static bool tbl_grow(struct tbl_shard *s)
{
	uint32_t ncap = s->cap * 2, i;
	uint32_t *nh = calloc(ncap, sizeof(*nh));
	struct ocsp_blob **nb = calloc(ncap, sizeof(*nb));

	if (!nh || !nb || ncap < s->cap) {
		free(nh);
		free(nb);
		return false;
	}
	for (i = 0; i < s->cap; i++) {
		uint32_t j;

		if (!s->hash[i])
			continue;
		j = tbl_home(s->hash[i], ncap);
		while (nh[j])
			if (++j == ncap)
				j = 0;
		nh[j] = s->hash[i];
		nb[j] = s->blob[i];
	}
	free(s->hash);
	free(s->blob);
	s->hash = nh;
	s->blob = nb;
	s->cap = ncap;
	return true;
}

static void tbl_note_gone(struct tbl_shard *s, const struct ocsp_blob *b)
{
	s->bytes -= b->len;
	if (b->this_update == s->min_this || b->next_update == s->min_next)
		s->dirty = true;
}

static void tbl_note_new(struct tbl_shard *s, const struct ocsp_blob *b)
{
	s->bytes += b->len;
	if (s->dirty)
		return;
	if (s->n == 1 || b->this_update < s->min_this)
		s->min_this = b->this_update;
	if (s->n == 1 || b->next_update < s->min_next)
		s->min_next = b->next_update;
}

bool ocsp_table_put(struct ocsp_table *t, enum ocsp_hash alg, const uint8_t *key_hash,
		    const uint8_t *serial, size_t serial_len, const uint8_t *der, size_t der_len,
		    ll_time this_update, ll_time next_update)
{
	size_t hlen = tbl_hash_len(alg), extra = 0, off;
	unsigned char md[32];
	struct ocsp_blob *b, *old = NULL;
	struct tbl_shard *s;
	const uint8_t *found, *cs;
	size_t cn;
	uint64_t h;
	uint32_t sh, i;
	bool hit;
	long kid;

	if (serial_len > OCSP_MAX_SERIAL || der_len >= UINT32_MAX - OCSP_MAX_SERIAL)
		return false;
	kid = tbl_key_intern(t, (uint8_t)alg, key_hash, hlen);
	if (kid < 0)
		return false;
	/* The response's CertID echoes the serial, so it is almost always
	 * in the DER already; only a caller storing bytes that do not carry
	 * it pays for a copy after them. */
	found = serial_len ? memmem(der, der_len, serial, serial_len) : der;
	if (found) {
		off = (size_t)(found - der);
	} else {
		off = der_len;
		extra = serial_len;
	}
	b = malloc(offsetof(struct ocsp_blob, der) + der_len + extra);
	if (!b)
		return false;
	atomic_init(&b->refs, 1);
	b->priv_serial_len = (uint8_t)serial_len;
	b->priv_key_id = (uint16_t)kid;
	b->priv_serial_off = (uint32_t)off;
	b->this_update = this_update;
	b->next_update = next_update;
	b->len = (uint32_t)der_len;
	memcpy(b->der, der, der_len);
	if (extra)
		memcpy(b->der + der_len, serial, extra);
	if (!EVP_Digest(der, der_len, md, NULL, t->sha256, NULL)) {
		free(b);
		return false;
	}
	memcpy(b->etag, md, sizeof(b->etag));

	tbl_canon(serial, serial_len, &cs, &cn);
	h = tbl_hash(t->seed, (uint16_t)kid, cs, cn);
	sh = tbl_slot_hash(h);
	s = &t->shards[tbl_shard_of(h)];
	pthread_rwlock_wrlock(&s->lock);
	i = tbl_find_exact(s, sh, (uint16_t)kid, serial, serial_len, &hit);
	if (hit) {
		old = s->blob[i];
		s->blob[i] = b;
		tbl_note_gone(s, old);
		tbl_note_new(s, b);
	} else {
		/* Keep the load under 7/8 so probe runs stay short. */
		if ((uint64_t)(s->n + 1) * 8 > (uint64_t)s->cap * 7) {
			if (!tbl_grow(s)) {
				pthread_rwlock_unlock(&s->lock);
				free(b);
				return false;
			}
			i = tbl_find_exact(s, sh, (uint16_t)kid, serial, serial_len, &hit);
		}
		s->hash[i] = sh;
		s->blob[i] = b;
		s->n++;
		tbl_note_new(s, b);
	}
	pthread_rwlock_unlock(&s->lock);
	/* Readers that still hold the old bytes keep them alive. */
	ocsp_blob_release(old);
	return true;
}

bool ocsp_table_remove(struct ocsp_table *t, enum ocsp_hash alg, const uint8_t *key_hash,
		       const uint8_t *serial, size_t serial_len)
{
	struct ocsp_blob *old;
	struct tbl_shard *s;
	const uint8_t *cs;
	size_t cn;
	uint64_t h;
	uint32_t sh, i, j;
	bool hit;
	long kid;

	if (serial_len > OCSP_MAX_SERIAL)
		return false;
	kid = tbl_key_find(t, (uint8_t)alg, key_hash, tbl_hash_len(alg));
	if (kid < 0)
		return false;
	tbl_canon(serial, serial_len, &cs, &cn);
	h = tbl_hash(t->seed, (uint16_t)kid, cs, cn);
	sh = tbl_slot_hash(h);
	s = &t->shards[tbl_shard_of(h)];
	pthread_rwlock_wrlock(&s->lock);
	i = tbl_find_exact(s, sh, (uint16_t)kid, serial, serial_len, &hit);
	if (!hit) {
		pthread_rwlock_unlock(&s->lock);
		return false;
	}
	old = s->blob[i];
	tbl_note_gone(s, old);
	s->n--;
	/* Backward-shift deletion: walk the rest of the cluster and move
	 * back every entry whose home is not between the hole and itself,
	 * so lookups never need tombstones. */
	j = i;
	for (;;) {
		uint32_t home;

		if (++j == s->cap)
			j = 0;
		if (!s->hash[j])
			break;
		home = tbl_home(s->hash[j], s->cap);
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		s->hash[i] = s->hash[j];
		s->blob[i] = s->blob[j];
		i = j;
	}
	s->hash[i] = 0;
	s->blob[i] = NULL;
	pthread_rwlock_unlock(&s->lock);
	ocsp_blob_release(old);
	return true;
}

struct ocsp_blob *ocsp_table_get(struct ocsp_table *t, const struct ocsp_certid *id)
{
	struct ocsp_blob *exact = NULL, *canon = NULL, *res;
	struct tbl_shard *s;
	const uint8_t *cs;
	size_t cn, slen = id->serial_len;
	uint64_t h;
	uint32_t sh, i;
	long kid;

	if (slen > OCSP_MAX_SERIAL || id->hash_len != tbl_hash_len(id->alg))
		return NULL;
	kid = tbl_key_find(t, (uint8_t)id->alg, id->key_hash, id->hash_len);
	if (kid < 0)
		return NULL;
	tbl_canon(id->serial, slen, &cs, &cn);
	h = tbl_hash(t->seed, (uint16_t)kid, cs, cn);
	sh = tbl_slot_hash(h);
	s = &t->shards[tbl_shard_of(h)];
	pthread_rwlock_rdlock(&s->lock);
	i = tbl_home(sh, s->cap);
	while (s->hash[i]) {
		if (s->hash[i] == sh) {
			struct ocsp_blob *b = s->blob[i];
			const uint8_t *bs = tbl_blob_serial(b);

			if (b->priv_key_id == kid) {
				const uint8_t *bcs;
				size_t bcn;

				if (b->priv_serial_len == slen && memcmp(bs, id->serial, slen) == 0) {
					exact = b;
					break;
				}
				/* Same hash, other octets: the same number
				 * written differently (E1)? Keep looking for
				 * an exact match first. */
				tbl_canon(bs, b->priv_serial_len, &bcs, &bcn);
				if (!canon && bcn == cn && memcmp(bcs, cs, cn) == 0)
					canon = b;
			}
		}
		if (++i == s->cap)
			i = 0;
	}
	res = exact ? exact : canon;
	if (res)
		atomic_fetch_add_explicit(&res->refs, 1, memory_order_relaxed);
	pthread_rwlock_unlock(&s->lock);
	return res;
}

void ocsp_table_stats(struct ocsp_table *t, struct ocsp_table_stats *out)
{
	bool any = false;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < TBL_SHARDS; i++) {
		struct tbl_shard *s = &t->shards[i];

		/* The write lock because a dirty shard's minima are
		 * recomputed and cached here; it is held for one scan of
		 * one shard at most. */
		pthread_rwlock_wrlock(&s->lock);
		if (s->dirty) {
			bool first = true;

			for (j = 0; j < s->cap; j++) {
				const struct ocsp_blob *b = s->blob[j];

				if (!s->hash[j])
					continue;
				if (first || b->this_update < s->min_this)
					s->min_this = b->this_update;
				if (first || b->next_update < s->min_next)
					s->min_next = b->next_update;
				first = false;
			}
			s->dirty = false;
		}
		if (s->n) {
			if (!any || s->min_this < out->oldest_this_update)
				out->oldest_this_update = s->min_this;
			if (!any || s->min_next < out->next_expiry)
				out->next_expiry = s->min_next;
			any = true;
		}
		out->entries += s->n;
		out->bytes += s->bytes;
		out->index_bytes += (size_t)s->cap * (sizeof(*s->hash) + sizeof(*s->blob));
		pthread_rwlock_unlock(&s->lock);
	}
}

void ocsp_blob_etag(const struct ocsp_blob *b, char out[OCSP_ETAG_LEN])
{
	out[0] = '"';
	ll_hex_encode(b->etag, sizeof(b->etag), out + 1);
	out[65] = '"';
	out[66] = '\0';
}
