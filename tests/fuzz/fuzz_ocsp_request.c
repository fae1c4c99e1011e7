/* fuzz_ocsp_request.c - libFuzzer target: ocsp_request_parse must never
 * read outside its input, every pointer it returns must lie inside the
 * input with the documented lengths, a refusal must leave no half-parsed
 * state, and when it accepts a request that d2i_OCSP_REQUEST also
 * accepts, both must agree on every CertID (hash algorithm, hashes,
 * serial) and on the nonce. Any disagreement aborts. OpenSSL rejecting
 * what we accept (it refuses non-minimal INTEGERs and looks inside
 * requestorName and the signature, which we skip) is not a finding.
 * Seeds: requests from `openssl ocsp -reqout` (docs/ocsp-codec.md). */
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <stdlib.h>
#include <string.h>

#include "ocsp.h"

#define FZ_CAP 8

static void fz_check(bool cond)
{
	if (!cond)
		abort();
}

static bool fz_in(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return p >= data && n <= size && p + n <= data + size;
}

static void fz_invariants(const uint8_t *data, size_t size, const struct ocsp_request *r)
{
	size_t i;

	fz_check(r->n >= 1 && r->n <= r->cap);
	for (i = 0; i < r->n; i++) {
		const struct ocsp_certid *c = &r->ids[i];

		fz_check(c->alg == OCSP_HASH_SHA1 ? c->hash_len == 20
						  : c->alg == OCSP_HASH_SHA256 && c->hash_len == 32);
		fz_check(fz_in(c->name_hash, c->hash_len, data, size));
		fz_check(fz_in(c->key_hash, c->hash_len, data, size));
		fz_check(c->serial_len >= 1 && c->serial_len <= OCSP_MAX_SERIAL);
		fz_check(fz_in(c->serial, c->serial_len, data, size));
	}
	if (r->has_nonce)
		fz_check(r->nonce_len >= 1 && r->nonce_len <= OCSP_MAX_NONCE &&
			 fz_in(r->nonce, r->nonce_len, data, size));
	else
		fz_check(r->nonce == NULL && r->nonce_len == 0);
}

/* Two's-complement content octets against OpenSSL's sign + magnitude. */
static bool fz_serial_eq(const uint8_t *s, size_t n, const ASN1_INTEGER *ai)
{
	uint8_t mag[OCSP_MAX_SERIAL];
	size_t i, off = 0;
	bool neg = s[0] & 0x80;
	unsigned carry = 1;

	for (i = n; i-- > 0;) {
		if (neg) {
			unsigned v = (unsigned)(uint8_t)~s[i] + carry;

			mag[i] = (uint8_t)v;
			carry = v >> 8;
		} else {
			mag[i] = s[i];
		}
	}
	while (off + 1 < n && mag[off] == 0)
		off++;
	if (!neg && n - off == 1 && mag[off] == 0)
		return ASN1_STRING_length(ai) <= 1;
	return (ASN1_STRING_type(ai) == V_ASN1_NEG_INTEGER) == neg &&
	       (size_t)ASN1_STRING_length(ai) == n - off &&
	       memcmp(ASN1_STRING_get0_data(ai), mag + off, n - off) == 0;
}

static bool fz_os_eq(const ASN1_OCTET_STRING *os, const uint8_t *p, size_t n)
{
	return (size_t)ASN1_STRING_length(os) == n && memcmp(ASN1_STRING_get0_data(os), p, n) == 0;
}

/* Both parsers accepted: they must see the same request. */
static void fz_differential(const uint8_t *data, size_t size, const struct ocsp_request *r)
{
	const unsigned char *p = data;
	OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)size);
	int i, idx;

	if (!req || p != data + size) {
		OCSP_REQUEST_free(req);
		ERR_clear_error();
		return;
	}
	fz_check((size_t)OCSP_request_onereq_count(req) == r->n);
	for (i = 0; i < (int)r->n; i++) {
		OCSP_CERTID *id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		ASN1_OCTET_STRING *nh = NULL, *kh = NULL;
		ASN1_OBJECT *md = NULL;
		ASN1_INTEGER *serial = NULL;
		const struct ocsp_certid *c = &r->ids[i];

		fz_check(OCSP_id_get0_info(&nh, &md, &kh, &serial, id) == 1);
		fz_check(OBJ_obj2nid(md) == (c->alg == OCSP_HASH_SHA1 ? NID_sha1 : NID_sha256));
		fz_check(fz_os_eq(nh, c->name_hash, c->hash_len));
		fz_check(fz_os_eq(kh, c->key_hash, c->hash_len));
		fz_check(fz_serial_eq(c->serial, c->serial_len, serial));
	}
	idx = OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1);
	if (r->has_nonce) {
		ASN1_OCTET_STRING *v;
		const uint8_t *q;

		fz_check(idx >= 0);
		v = X509_EXTENSION_get_data(OCSP_REQUEST_get_ext(req, idx));
		q = ASN1_STRING_get0_data(v);
		/* extnValue = 04 len nonce, with len in one or two octets */
		fz_check(ASN1_STRING_length(v) >= 2);
		fz_check(fz_in(r->nonce, r->nonce_len, data, size));
		fz_check(memcmp(q + ASN1_STRING_length(v) - (int)r->nonce_len, r->nonce,
				r->nonce_len) == 0);
	}
	OCSP_REQUEST_free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The configured maximum and the RFC 5019 single entry. */
	static const size_t caps[] = {FZ_CAP, 1};
	struct ocsp_certid ids[FZ_CAP];
	struct ocsp_request r;
	struct ll_err err;
	enum ocsp_resp_status st;
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		memset(&r, 0xa5, sizeof(r));
		r.ids = ids;
		r.cap = caps[i];
		st = ocsp_request_parse(data, size, &r, &err);
		if (st != OCSP_SUCCESSFUL) {
			fz_check(st == OCSP_MALFORMED_REQUEST);
			fz_check(r.n == 0 && !r.has_nonce && r.nonce == NULL);
			fz_check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
			continue;
		}
		fz_invariants(data, size, &r);
		if (i == 0)
			fz_differential(data, size, &r);
	}
	return 0;
}
