/* ocsp_table.h - the in-memory table of pre-signed OCSP responses that
 * the responder serves from. Keyed by (CertID hash algorithm,
 * issuerKeyHash, serial octets). Writers (the refresh thread) replace
 * entries while readers (HTTP worker threads) look them up; a reader
 * holds a reference to an immutable blob, so a swap never frees bytes
 * that are being sent. Also holds the set of served issuers, so an
 * unknown issuer and an unknown serial get different answers (E20). */
#ifndef LL_OCSP_TABLE_H
#define LL_OCSP_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lltime.h"
#include "ocsp.h"

/* An immutable pre-signed response. der[] follows the header. The
 * priv_ fields belong to ocsp_table.c: they hold the entry's key and sit
 * in what would otherwise be alignment padding, so a million entries
 * cost no more than the public fields already do. */
struct ocsp_blob {
	atomic_int refs;
	uint8_t priv_serial_len;   /* serial octets of the key */
	uint16_t priv_key_id;	   /* interned (alg, issuerKeyHash) */
	uint32_t priv_serial_off;  /* where der[] (or the bytes after it) holds the serial */
	ll_time this_update, next_update;
	/* SHA-256 of der: the strong ETag (B19). Kept raw (32 bytes, not the
	 * 67-byte quoted hex) because at millions of entries the header is a
	 * visible share of the RSS; ocsp_blob_etag() formats it per request. */
	uint8_t etag[32];
	uint32_t len;
	uint8_t der[];
};

#define OCSP_ETAG_LEN 67 /* "\"" + 64 hex + "\"" + NUL */
/* The quoted-hex ETag of b into out. */
void ocsp_blob_etag(const struct ocsp_blob *b, char out[OCSP_ETAG_LEN]);

struct ocsp_table;

struct ocsp_table *ocsp_table_new(size_t expected_entries);
void ocsp_table_free(struct ocsp_table *t);

/* Registers an issuer the responder answers for, by both CertID forms
 * (name hash + key hash for SHA-1 and SHA-256). issuer_id is the caller's
 * identifier (the CA key id), returned by ocsp_table_issuer(). */
bool ocsp_table_add_issuer(struct ocsp_table *t, const struct ocsp_issuer_ids *ids,
			   int64_t issuer_id);
/* The issuer_id for a CertID's (alg, name hash, key hash), or -1. */
int64_t ocsp_table_issuer(struct ocsp_table *t, const struct ocsp_certid *id);

/* Inserts or replaces the entry with exactly these serial octets. Copies
 * der. Returns false on allocation failure, or for a key no CertID can
 * carry (serial over OCSP_MAX_SERIAL octets, more than 65535 distinct
 * issuer keys). */
bool ocsp_table_put(struct ocsp_table *t, enum ocsp_hash alg, const uint8_t *key_hash,
		    const uint8_t *serial, size_t serial_len, const uint8_t *der, size_t der_len,
		    ll_time this_update, ll_time next_update);
/* Removes the entry with exactly these serial octets; false when there
 * is none. A reader holding its blob keeps the bytes until it releases. */
bool ocsp_table_remove(struct ocsp_table *t, enum ocsp_hash alg, const uint8_t *key_hash,
		       const uint8_t *serial, size_t serial_len);
/* A referenced blob, or NULL. Release with ocsp_blob_release().
 * Serials are matched on the exact octets first; when none match, an
 * entry whose serial has the same canonical value (redundant leading
 * 00 or ff octets removed, E1) is returned, so a client that re-encodes
 * a non-minimal certificate serial still finds its response. Safe to
 * call from any number of threads alongside put and remove. */
struct ocsp_blob *ocsp_table_get(struct ocsp_table *t, const struct ocsp_certid *id);
void ocsp_blob_release(struct ocsp_blob *b);

struct ocsp_table_stats {
	size_t entries;
	size_t bytes;	       /* sum of DER lengths */
	ll_time oldest_this_update;
	ll_time next_expiry;   /* the earliest nextUpdate */
	size_t index_bytes;    /* the slot arrays (blob headers and malloc overhead excluded) */
};
/* Counts, sums and the two minima (0 when empty). Costs a scan of every
 * shard whose minimum entry was replaced or removed since the last call:
 * call it for metrics, not per request. */
void ocsp_table_stats(struct ocsp_table *t, struct ocsp_table_stats *out);

#endif
