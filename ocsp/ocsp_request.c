/* ocsp_request.c - the OCSPRequest parser and the unsigned error
 * responses (see ocsp.h). One bounded pass over the request with the
 * der.h rules (single-octet tags, minimal definite lengths, every length
 * checked against what is left); no allocation, every pointer handed out
 * borrows from the input. What is accepted and why: docs/ocsp-codec.md.
 *
 * OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest,
 *   optionalSignature [0] EXPLICIT Signature OPTIONAL }
 * TBSRequest ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
 *   requestorName [1] EXPLICIT GeneralName OPTIONAL,
 *   requestList SEQUENCE OF Request,
 *   requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 * Request ::= SEQUENCE { reqCert CertID,
 *   singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 * CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier,
 *   issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING,
 *   serialNumber CertificateSerialNumber } */
#include "ocsp.h"

#include <stdarg.h>
#include <stdio.h>

#include "ocsp_internal.h"

/* Real clients send at most a nonce and perhaps AcceptableResponses; the
 * cap bounds the quadratic duplicate check on hostile input. */
#define OCSP_MAX_EXTENSIONS 8

/* Which Extensions list is being read: the understood set differs. */
enum rq_scope { RQ_REQUEST, RQ_SINGLE };

/* ---- error reporting (cold path) --------------------------------------- */

static enum ocsp_resp_status rq_bad(struct ll_err *err, const char *fmt, ...) LL_PRINTF(2, 3);

static enum ocsp_resp_status rq_bad(struct ll_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return OCSP_MALFORMED_REQUEST;
}

/* Why `what` (expected with tag `tag`) could not be read at d. */
static enum ocsp_resp_status rq_fail(struct ll_err *err, const struct der *d, uint8_t tag,
				     const char *what)
{
	enum der_fault f = der_diagnose(d);

	switch (f) {
	case DER_FAULT_NONE:
		return rq_bad(err, "malformed request: bad %s (tag 0x%02x, expected 0x%02x)", what,
			      d->p[0], tag);
	case DER_FAULT_EMPTY:
		return rq_bad(err, "malformed request: missing %s", what);
	default:
		return rq_bad(err, "malformed request: bad %s (%s)", what, der_fault_str(f));
	}
}

#define RQ_EXPECT(d, tag, t, what)                                 \
	do {                                                       \
		if (!ocsp_expect((d), (tag), (t)))                 \
			return rq_fail(err, (d), (tag), (what));   \
	} while (0)

#define RQ_EMPTY(d, what)                                                              \
	do {                                                                           \
		if (!der_empty(d))                                                     \
			return rq_bad(err, "malformed request: trailing data in %s", (what)); \
	} while (0)

/* ---- extensions -------------------------------------------------------- */

/* RFC 8954 section 2.1 / RFC 9654: extnValue is the DER of
 * Nonce ::= OCTET STRING (SIZE(1..128) under RFC 9654, O5). A value that
 * is not exactly one OCTET STRING is a "raw" nonce as some old clients
 * send; it cannot be echoed in the RFC form, so it is ignored as if
 * absent (answering without a nonce is what the pre-signed path does
 * anyway, B20). An empty nonce in either form is malformed (B20). */
static enum ocsp_resp_status rq_nonce(const struct der_tlv *val, struct ocsp_request *req,
				      struct ll_err *err)
{
	struct der_tlv inner;

	if (der_decode(val->val, val->len, &inner) == DER_FAULT_NONE &&
	    inner.tag == DER_OCTETSTRING && inner.total == val->len) {
		if (inner.len == 0 || inner.len > OCSP_MAX_NONCE)
			return rq_bad(err,
				      "malformed request: nonce of %zu octets (1 to %d allowed, "
				      "B20/O5)",
				      inner.len, OCSP_MAX_NONCE);
		req->has_nonce = true;
		req->nonce = inner.val;
		req->nonce_len = inner.len;
		return OCSP_SUCCESSFUL;
	}
	if (val->len == 0)
		return rq_bad(err, "malformed request: empty nonce extension (B20)");
	return OCSP_SUCCESSFUL;
}

/* X.690 8.19: subidentifiers in base 128, minimal (no leading 0x80),
 * the last octet without the continuation bit. An unknown extension is
 * ignored, but only once it is known to be a well-formed one. */
static bool rq_oid_ok(const struct der_tlv *oid)
{
	size_t i;

	if (oid->len == 0 || (oid->val[oid->len - 1] & 0x80))
		return false;
	for (i = 0; i < oid->len; i++)
		if (oid->val[i] == 0x80 && (i == 0 || !(oid->val[i - 1] & 0x80)))
			return false;
	return true;
}

/* Whether an extension is understood, so that it may be critical
 * (RFC 6960 section 4.4: unrecognized extensions are ignored unless
 * critical). The nonce is acted on; AcceptableResponses and preferred
 * signature algorithms are satisfied by what we always send (a
 * BasicOCSPResponse signed as A2 requires); a service locator is moot for
 * the authoritative responder. */
static bool rq_understood(const struct der_tlv *oid, enum rq_scope scope)
{
	switch (ocsp_pkix_arc(oid)) {
	case OCSP_ARC_NONCE:
	case OCSP_ARC_RESPONSE:
	case OCSP_ARC_PREF_SIG_ALGS:
		return scope == RQ_REQUEST;
	case OCSP_ARC_SERVICE_LOCATOR:
		return scope == RQ_SINGLE;
	default:
		return false;
	}
}

/* Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
 * Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 *   extnValue OCTET STRING }
 * `wrap` is the [n] EXPLICIT TLV around the list. */
static enum ocsp_resp_status rq_extensions(const struct der_tlv *wrap, enum rq_scope scope,
					   struct ocsp_request *req, struct ll_err *err)
{
	const char *what = scope == RQ_REQUEST ? "requestExtensions" : "singleRequestExtensions";
	struct der_tlv seen[OCSP_MAX_EXTENSIONS];
	struct der outer = der_enter(wrap), list;
	struct der_tlv seq;
	size_t nseen = 0, i;

	RQ_EXPECT(&outer, DER_SEQUENCE, &seq, what);
	RQ_EMPTY(&outer, what);
	list = der_enter(&seq);
	while (!der_empty(&list)) {
		struct der_tlv ext, oid, crit, val;
		bool critical = false, present;
		struct der e;

		RQ_EXPECT(&list, DER_SEQUENCE, &ext, "extension");
		e = der_enter(&ext);
		RQ_EXPECT(&e, DER_OID, &oid, "extension OID");
		if (!rq_oid_ok(&oid))
			return rq_bad(err, "malformed request: bad extension OID encoding");
		/* An explicit FALSE is not DER (it is the DEFAULT) but is
		 * harmless; x509walk takes it too. Only 00 and ff are DER
		 * BOOLEAN values. */
		if (!ocsp_optional(&e, DER_BOOLEAN, &crit, &present) ||
		    (present && (crit.len != 1 || (crit.val[0] != 0 && crit.val[0] != 0xff))))
			return rq_bad(err, "malformed request: bad extension critical flag");
		if (present)
			critical = crit.val[0] != 0;
		RQ_EXPECT(&e, DER_OCTETSTRING, &val, "extnValue");
		RQ_EMPTY(&e, "extension");
		if (nseen == OCSP_MAX_EXTENSIONS)
			return rq_bad(err, "malformed request: more than %d extensions in %s",
				      OCSP_MAX_EXTENSIONS, what);
		/* RFC 5280 4.2: an extension appears at most once; two nonces
		 * would make the echo ambiguous. */
		for (i = 0; i < nseen; i++)
			if (seen[i].len == oid.len && memcmp(seen[i].val, oid.val, oid.len) == 0)
				return rq_bad(err, "malformed request: duplicate extension in %s",
					      what);
		seen[nseen++] = oid;
		if (critical && !rq_understood(&oid, scope))
			return rq_bad(err,
				      "malformed request: unsupported critical extension in %s "
				      "(RFC 6960 4.4)",
				      what);
		if (scope == RQ_REQUEST && ocsp_pkix_arc(&oid) == OCSP_ARC_NONCE) {
			enum ocsp_resp_status st = rq_nonce(&val, req, err);

			if (st != OCSP_SUCCESSFUL)
				return st;
		}
	}
	return OCSP_SUCCESSFUL;
}

/* ---- CertID ------------------------------------------------------------ */

/* AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
 * SHA-1 and SHA-256 only (B15), parameters absent or NULL (E17). */
static enum ocsp_resp_status rq_hash_alg(struct der *d, struct ocsp_certid *id, size_t entry,
					 struct ll_err *err)
{
	struct der_tlv seq, oid, par;
	struct der a;

	RQ_EXPECT(d, DER_SEQUENCE, &seq, "CertID hashAlgorithm");
	a = der_enter(&seq);
	RQ_EXPECT(&a, DER_OID, &oid, "CertID hashAlgorithm OID");
	if (!der_empty(&a)) {
		if (!ocsp_next(&a, &par) || par.tag != DER_NULL || par.len != 0 || !der_empty(&a))
			return rq_bad(err,
				      "malformed request: entry %zu: hashAlgorithm parameters "
				      "must be absent or NULL (E17)",
				      entry);
	}
	if (ocsp_oid_eq(&oid, ocsp_oid_sha1, sizeof(ocsp_oid_sha1))) {
		id->alg = OCSP_HASH_SHA1;
		id->hash_len = 20;
	} else if (ocsp_oid_eq(&oid, ocsp_oid_sha256, sizeof(ocsp_oid_sha256))) {
		id->alg = OCSP_HASH_SHA256;
		id->hash_len = 32;
	} else {
		return rq_bad(err,
			      "malformed request: entry %zu: CertID hash algorithm is neither "
			      "SHA-1 nor SHA-256 (B15, E17)",
			      entry);
	}
	return OCSP_SUCCESSFUL;
}

static enum ocsp_resp_status rq_hash(struct der *d, const uint8_t **out, size_t want,
				     const char *what, size_t entry, struct ll_err *err)
{
	struct der_tlv t;

	RQ_EXPECT(d, DER_OCTETSTRING, &t, what);
	if (t.len != want)
		return rq_bad(err, "malformed request: entry %zu: %s of %zu octets (%zu expected)",
			      entry, what, t.len, want);
	*out = t.val;
	return OCSP_SUCCESSFUL;
}

static enum ocsp_resp_status rq_certid(const struct der_tlv *tlv, struct ocsp_certid *id,
				       size_t entry, struct ll_err *err)
{
	struct der c = der_enter(tlv);
	struct der_tlv serial;
	enum ocsp_resp_status st;

	if ((st = rq_hash_alg(&c, id, entry, err)) != OCSP_SUCCESSFUL ||
	    (st = rq_hash(&c, &id->name_hash, id->hash_len, "issuerNameHash", entry, err)) !=
		    OCSP_SUCCESSFUL ||
	    (st = rq_hash(&c, &id->key_hash, id->hash_len, "issuerKeyHash", entry, err)) !=
		    OCSP_SUCCESSFUL)
		return st;
	RQ_EXPECT(&c, DER_INTEGER, &serial, "CertID serialNumber");
	/* Any content up to the cap is taken as sent, negative and
	 * non-minimal ones included: the lookup then finds nothing and the
	 * caller answers unknown/unauthorized, never good (E2). */
	if (serial.len == 0 || serial.len > OCSP_MAX_SERIAL)
		return rq_bad(err,
			      "malformed request: entry %zu: serialNumber of %zu octets (1 to %d "
			      "parsed)",
			      entry, serial.len, OCSP_MAX_SERIAL);
	id->serial = serial.val;
	id->serial_len = serial.len;
	RQ_EMPTY(&c, "CertID");
	return OCSP_SUCCESSFUL;
}

/* Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] ... } */
static enum ocsp_resp_status rq_request(const struct der_tlv *tlv, struct ocsp_request *req,
					struct ll_err *err)
{
	struct der r = der_enter(tlv);
	struct der_tlv cid, ext;
	enum ocsp_resp_status st;
	bool present;

	if (req->n >= req->cap)
		return rq_bad(err, "malformed request: more than %zu entries (B16)", req->cap);
	RQ_EXPECT(&r, DER_SEQUENCE, &cid, "CertID");
	st = rq_certid(&cid, &req->ids[req->n], req->n, err);
	if (st != OCSP_SUCCESSFUL)
		return st;
	if (!ocsp_optional(&r, DER_CTX0, &ext, &present))
		return rq_fail(err, &r, DER_CTX0, "singleRequestExtensions");
	if (present && (st = rq_extensions(&ext, RQ_SINGLE, req, err)) != OCSP_SUCCESSFUL)
		return st;
	RQ_EMPTY(&r, "Request");
	req->n++;
	return OCSP_SUCCESSFUL;
}

/* ---- TBSRequest -------------------------------------------------------- */

/* version [0] EXPLICIT INTEGER: only v1 (0) exists. DER omits the
 * DEFAULT, but an explicit v1 is unambiguous and some encoders write it. */
static enum ocsp_resp_status rq_version(const struct der_tlv *wrap, struct ll_err *err)
{
	struct der d = der_enter(wrap);
	struct der_tlv v;

	RQ_EXPECT(&d, DER_INTEGER, &v, "version");
	RQ_EMPTY(&d, "version");
	if (v.len != 1 || v.val[0] != 0)
		return rq_bad(err, "malformed request: version is not v1");
	return OCSP_SUCCESSFUL;
}

/* requestorName [1] EXPLICIT GeneralName: ignored (B21), but it must be
 * one well-formed element. */
static enum ocsp_resp_status rq_requestor(const struct der_tlv *wrap, struct ll_err *err)
{
	struct der d = der_enter(wrap);
	struct der_tlv n;

	if (!ocsp_next(&d, &n))
		return rq_fail(err, &d, 0xa4, "requestorName");
	RQ_EMPTY(&d, "requestorName");
	return OCSP_SUCCESSFUL;
}

static enum ocsp_resp_status rq_tbs(const struct der_tlv *tlv, struct ocsp_request *req,
				    struct ll_err *err)
{
	struct der tbs = der_enter(tlv), list;
	struct der_tlv t;
	enum ocsp_resp_status st;
	bool present;

	if (!ocsp_optional(&tbs, DER_CTX0, &t, &present))
		return rq_fail(err, &tbs, DER_CTX0, "version");
	if (present && (st = rq_version(&t, err)) != OCSP_SUCCESSFUL)
		return st;
	if (!ocsp_optional(&tbs, DER_CTX1, &t, &present))
		return rq_fail(err, &tbs, DER_CTX1, "requestorName");
	if (present && (st = rq_requestor(&t, err)) != OCSP_SUCCESSFUL)
		return st;

	RQ_EXPECT(&tbs, DER_SEQUENCE, &t, "requestList");
	list = der_enter(&t);
	if (der_empty(&list))
		return rq_bad(err, "malformed request: empty requestList");
	while (!der_empty(&list)) {
		struct der_tlv one;

		RQ_EXPECT(&list, DER_SEQUENCE, &one, "Request");
		if ((st = rq_request(&one, req, err)) != OCSP_SUCCESSFUL)
			return st;
	}

	if (!ocsp_optional(&tbs, DER_CTX2, &t, &present))
		return rq_fail(err, &tbs, DER_CTX2, "requestExtensions");
	if (present && (st = rq_extensions(&t, RQ_REQUEST, req, err)) != OCSP_SUCCESSFUL)
		return st;
	RQ_EMPTY(&tbs, "TBSRequest");
	return OCSP_SUCCESSFUL;
}

/* optionalSignature [0] EXPLICIT Signature: not verified (B21), but it
 * must be one SEQUENCE so that the request as a whole is well-formed. */
static enum ocsp_resp_status rq_signature(const struct der_tlv *wrap, struct ll_err *err)
{
	struct der d = der_enter(wrap);
	struct der_tlv s;

	RQ_EXPECT(&d, DER_SEQUENCE, &s, "optionalSignature");
	RQ_EMPTY(&d, "optionalSignature");
	return OCSP_SUCCESSFUL;
}

enum ocsp_resp_status ocsp_request_parse(const uint8_t *der, size_t len, struct ocsp_request *req,
					 struct ll_err *err)
{
	struct der top = der_init(der, len), r;
	struct der_tlv t;
	enum ocsp_resp_status st;
	bool present;

	req->n = 0;
	req->has_nonce = false;
	req->nonce = NULL;
	req->nonce_len = 0;
	if (!der && len)
		return rq_bad(err, "malformed request: no data");
	if (req->cap && !req->ids)
		return rq_bad(err, "malformed request: no CertID storage");

	RQ_EXPECT(&top, DER_SEQUENCE, &t, "OCSPRequest");
	RQ_EMPTY(&top, "input after OCSPRequest");
	r = der_enter(&t);
	RQ_EXPECT(&r, DER_SEQUENCE, &t, "tbsRequest");
	st = rq_tbs(&t, req, err);
	if (st == OCSP_SUCCESSFUL) {
		if (!ocsp_optional(&r, DER_CTX0, &t, &present))
			st = rq_fail(err, &r, DER_CTX0, "optionalSignature");
		else if (present)
			st = rq_signature(&t, err);
	}
	if (st == OCSP_SUCCESSFUL && !der_empty(&r))
		st = rq_bad(err, "malformed request: trailing data in OCSPRequest");
	if (st != OCSP_SUCCESSFUL) {
		/* Nothing half-parsed leaks out. */
		req->n = 0;
		req->has_nonce = false;
		req->nonce = NULL;
		req->nonce_len = 0;
	}
	return st;
}

/* ---- error responses --------------------------------------------------- */

size_t ocsp_error_response(enum ocsp_resp_status st, uint8_t out[5])
{
	/* successful(0) needs responseBytes (B17) and 4 does not exist: a
	 * caller asking for either has a bug, and internalError is the
	 * honest answer to the client. */
	switch (st) {
	case OCSP_MALFORMED_REQUEST:
	case OCSP_INTERNAL_ERROR:
	case OCSP_TRY_LATER:
	case OCSP_SIG_REQUIRED:
	case OCSP_UNAUTHORIZED:
		break;
	default:
		st = OCSP_INTERNAL_ERROR;
		break;
	}
	/* OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } */
	out[0] = DER_SEQUENCE;
	out[1] = 3;
	out[2] = DER_ENUMERATED;
	out[3] = 1;
	out[4] = (uint8_t)st;
	return 5;
}
