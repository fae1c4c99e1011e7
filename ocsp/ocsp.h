/* ocsp.h - the OCSP codec (RFC 6960, RFC 5019/9919 profile, checklist B
 * in requirements.md): parses requests with a bounded DER walk, builds and
 * signs BasicOCSPResponses, and vets delegated responder certificates.
 * Pure library: bytes and structs in, DER out. No database, no network. */
#ifndef LL_OCSP_H
#define LL_OCSP_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "llerr.h"
#include "lltime.h"

/* OCSPResponseStatus values (B17). */
enum ocsp_resp_status {
	OCSP_SUCCESSFUL = 0,
	OCSP_MALFORMED_REQUEST = 1,
	OCSP_INTERNAL_ERROR = 2,
	OCSP_TRY_LATER = 3,
	OCSP_SIG_REQUIRED = 5,
	OCSP_UNAUTHORIZED = 6,
};

enum ocsp_hash { OCSP_HASH_SHA1 = 0, OCSP_HASH_SHA256 = 1 };

#define OCSP_MAX_HASH 32
#define OCSP_MAX_SERIAL 64   /* parsed; anything over 20 octets is never "good" (E2) */
#define OCSP_MAX_NONCE 128   /* RFC 9654 (O5) */

struct ocsp_certid {
	enum ocsp_hash alg;
	const uint8_t *name_hash; /* issuerNameHash (hash_len octets) */
	const uint8_t *key_hash;  /* issuerKeyHash */
	size_t hash_len;	  /* 20 or 32 */
	const uint8_t *serial;	  /* INTEGER content octets, as sent */
	size_t serial_len;
};

struct ocsp_request {
	struct ocsp_certid *ids;  /* points into caller-provided storage */
	size_t n, cap;
	bool has_nonce;
	const uint8_t *nonce;	  /* the nonce OCTET STRING's content */
	size_t nonce_len;
};

/* Parses a DER OCSPRequest. Pointers borrow from der. Returns
 * OCSP_SUCCESSFUL, or the status to answer with: OCSP_MALFORMED_REQUEST
 * for undecodable DER, trailing data, wrong tags, oversized lengths, an
 * unknown hash algorithm, zero or more than req->cap entries, or a nonce
 * of 0 or more than OCSP_MAX_NONCE octets (B20). A SHA-1 AlgorithmIdentifier
 * is accepted with and without NULL parameters (E17). A request signature
 * and requestorName are ignored (B21). err says why, for logs. */
enum ocsp_resp_status ocsp_request_parse(const uint8_t *der, size_t len, struct ocsp_request *req,
					 struct ll_err *err);

/* The 5-byte unsigned OCSPResponse for an error status (B17): 30 03 0a 01 XX. */
size_t ocsp_error_response(enum ocsp_resp_status st, uint8_t out[5]);

/* The CertID hashes of an issuer (its subject Name DER and the value of
 * its subjectPublicKey BIT STRING, without the unused-bits octet, B15). */
struct ocsp_issuer_ids {
	uint8_t name_sha1[20], key_sha1[20];
	uint8_t name_sha256[32], key_sha256[32];
};
bool ocsp_issuer_ids_from_cert(const uint8_t *cert, size_t len, struct ocsp_issuer_ids *out,
			       struct ll_err *err) LL_MUSTCHECK;

enum ocsp_cert_status { OCSP_GOOD = 0, OCSP_REVOKED = 1, OCSP_UNKNOWN = 2 };

struct ocsp_single {
	enum ocsp_hash alg;	  /* CertID hash algorithm of this SingleResponse (B15) */
	const struct ocsp_issuer_ids *issuer;
	const uint8_t *serial;
	size_t serial_len;
	enum ocsp_cert_status status;
	ll_time revoked_at;
	int reason;		  /* CRLReason, -1 = none (omitted; 0 is also omitted, A28) */
	ll_time this_update, next_update;
};

/* A signer: the CA key, or a delegated responder (its certificate goes in
 * BasicOCSPResponse.certs, B4). One per thread: not thread-safe. */
struct ocsp_signer;

/* issuer_cert: the CA certificate. responder_cert/key: the delegated
 * responder, or NULL to sign with ca_key. Checks that the signing key
 * matches its certificate, and for a delegate runs ocsp_check_responder
 * (B3). The signature algorithm follows the key (as for CRLs). */
struct ocsp_signer *ocsp_signer_new(const uint8_t *issuer_cert, size_t issuer_len, EVP_PKEY *ca_key,
				    const uint8_t *responder_cert, size_t responder_len,
				    EVP_PKEY *responder_key, ll_time now, struct ll_err *err);
void ocsp_signer_free(struct ocsp_signer *s);
/* notAfter of the signing certificate(s): nextUpdate must not pass it (B9). */
ll_time ocsp_signer_not_after(const struct ocsp_signer *s);

/* Signs a successful OCSPResponse (responseBytes with a BasicOCSPResponse:
 * responderID byKey, producedAt, the singles, and a nonce extension when
 * nonce != NULL) and appends its DER to out. GeneralizedTime everywhere
 * (B5). Refuses (false) a nextUpdate past ocsp_signer_not_after (B9), a
 * revoked single without a time, and thisUpdate after nextUpdate. */
bool ocsp_sign(struct ocsp_signer *s, const struct ocsp_single *singles, size_t n,
	       ll_time produced_at, const uint8_t *nonce, size_t nonce_len, struct ll_buf *out,
	       struct ll_err *err) LL_MUSTCHECK;

/* B3: refuses a delegated responder certificate with a wrong EKU (must be
 * exactly id-kp-OCSPSigning), a missing or non-empty (not 05 00) or
 * critical ocsp-nocheck, a CA flag (basicConstraints other than absent or
 * cA=FALSE), a keyUsage other than critical digitalSignature, an issuer
 * name that is not the CA's subject, a signature that does not verify
 * with the CA key, or a validity that does not cover `now`. */
bool ocsp_check_responder(const uint8_t *cert, size_t len, const uint8_t *issuer_cert,
			  size_t issuer_len, ll_time now, struct ll_err *err) LL_MUSTCHECK;

#endif
