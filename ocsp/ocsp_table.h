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

/* An immutable pre-signed response. der[] follows the header. */
struct ocsp_blob {
	atomic_int refs;
	ll_time this_update, next_update;
	char etag[67];	 /* "\"<hex sha256>\"" strong ETag (B19) */
	size_t len;
	uint8_t der[];
};

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

/* Inserts or replaces. Copies der. Returns false only on allocation failure. */
bool ocsp_table_put(struct ocsp_table *t, enum ocsp_hash alg, const uint8_t *key_hash,
		    const uint8_t *serial, size_t serial_len, const uint8_t *der, size_t der_len,
		    ll_time this_update, ll_time next_update);
bool ocsp_table_remove(struct ocsp_table *t, enum ocsp_hash alg, const uint8_t *key_hash,
		       const uint8_t *serial, size_t serial_len);
/* A referenced blob, or NULL. Release with ocsp_blob_release(). */
struct ocsp_blob *ocsp_table_get(struct ocsp_table *t, const struct ocsp_certid *id);
void ocsp_blob_release(struct ocsp_blob *b);

struct ocsp_table_stats {
	size_t entries;
	size_t bytes;	       /* sum of DER lengths */
	ll_time oldest_this_update;
	ll_time next_expiry;   /* the earliest nextUpdate */
};
void ocsp_table_stats(struct ocsp_table *t, struct ocsp_table_stats *out);

#endif
