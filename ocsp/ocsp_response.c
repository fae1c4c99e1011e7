/* ocsp_response.c - builds and signs OCSPResponses (see ocsp.h). The
 * ResponseData is encoded in one pass into a per-signer scratch buffer
 * with every length computed first, signed, and the OCSPResponse is then
 * written once into the caller's buffer: no OpenSSL OCSP_* objects, no
 * allocation per response once the buffers have grown. The signature is
 * a digest on a reused EVP_MD_CTX plus EVP_PKEY_sign on a context set up
 * once per signer: EVP_DigestSignInit per response costs OpenSSL 3.0
 * provider fetches and context copies that are a measurable share of a
 * P-256 signature (docs/ocsp-codec.md has the figures).
 *
 * OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED,
 *   responseBytes [0] EXPLICIT SEQUENCE { responseType OID,
 *                                          response OCTET STRING } }
 * BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData,
 *   signatureAlgorithm AlgorithmIdentifier, signature BIT STRING,
 *   certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 * ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1 (omitted),
 *   responderID [2] EXPLICIT KeyHash, producedAt GeneralizedTime,
 *   responses SEQUENCE OF SingleResponse,
 *   responseExtensions [1] EXPLICIT Extensions OPTIONAL }
 * SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus,
 *   thisUpdate GeneralizedTime, nextUpdate [0] EXPLICIT GeneralizedTime } */
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>

#include "asn1time.h"
#include "derw.h"
#include "ocsp.h"
#include "ocsp_internal.h"
#include "sigalg.h"
#include "spki.h"
#include "verify.h"
#include "x509walk.h"

/* Bounds that keep the length arithmetic far from overflow; a response
 * with a million SingleResponses is already 200 MB. */
#define OCSP_MAX_SINGLES (1u << 20)

/* ---- fixed encodings ---------------------------------------------------- */

/* CertID hashAlgorithm, always with NULL parameters (the form OpenSSL,
 * Go and GnuTLS write; E17 accepts both on input). */
static const uint8_t alg_sha1[] = {0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00};
static const uint8_t alg_sha256[] = {0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
				     0x03, 0x04, 0x02, 0x01, 0x05, 0x00};
/* responseStatus successful, and responseType id-pkix-ocsp-basic. */
static const uint8_t status_ok[] = {0x0a, 0x01, 0x00};
static const uint8_t oid_basic[] = {0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};
static const uint8_t oid_nonce[] = {0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02};

struct ocsp_signer {
	EVP_PKEY *key;		 /* owned reference to the signing key */
	const struct sigalg *alg; /* follows the key, as for CRLs (B6) */
	EVP_MD *md;		 /* owned; NULL for EdDSA */
	EVP_MD_CTX *mdctx;	 /* owned; reused for every digest (or EdDSA sign) */
	EVP_PKEY_CTX *pctx;	 /* owned; sign context initialised once (not EdDSA) */
	uint8_t key_hash[20];	 /* responderID byKey (B4) */
	uint8_t *cert;		 /* owned copy of the delegate's certificate, or NULL */
	size_t cert_len;
	ll_time not_after;	 /* min notAfter of the signing certificate(s) (B9) */
	uint8_t *sig;		 /* owned, sig_max bytes */
	size_t sig_max;
	struct ll_buf tbs;	 /* scratch for ResponseData, reused */
};

/* ---- key and algorithm -------------------------------------------------- */

/* The key must be the certificate's. EVP_PKEY_eq compares the public
 * values, so a compressed and an uncompressed EC point still match. */
static bool rs_key_matches(EVP_PKEY *key, const struct x509_fields *f, const char *who,
			   struct ll_err *err)
{
	EVP_PKEY *pk = ll_pkey_from_spki(f->spki.p, f->spki.len, err);
	bool same;

	if (!pk)
		return ll_err_prefix(err, "%s certificate", who);
	same = EVP_PKEY_eq(pk, key) == 1;
	EVP_PKEY_free(pk);
	ERR_clear_error();
	if (!same)
		return ll_err_set(err, "the %s key does not match the %s certificate's public key",
				  who, who);
	return true;
}

/* Digest, then sign the digest (prehashed algorithms), or EdDSA over
 * the message. Leaves the signature in s->sig. */
static bool rs_sign_bytes(struct ocsp_signer *s, const uint8_t *tbs, size_t len, size_t *sig_len,
			  struct ll_err *err)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;

	*sig_len = s->sig_max;
	if (!s->md) {
		/* EdDSA hashes internally; a one-shot context per call. */
		if (EVP_DigestSignInit_ex(s->mdctx, NULL, NULL, NULL, NULL, s->key, NULL) != 1 ||
		    EVP_DigestSign(s->mdctx, s->sig, sig_len, tbs, len) != 1)
			return ll_err_openssl(err, "signing failed");
		return true;
	}
	if (!EVP_DigestInit_ex2(s->mdctx, s->md, NULL) || !EVP_DigestUpdate(s->mdctx, tbs, len) ||
	    !EVP_DigestFinal_ex(s->mdctx, dg, &dl))
		return ll_err_openssl(err, "digest failed");
	if (EVP_PKEY_sign(s->pctx, s->sig, sig_len, dg, dl) != 1)
		return ll_err_openssl(err, "signing failed");
	return true;
}

static bool rs_crypto_setup(struct ocsp_signer *s, struct ll_err *err)
{
	int ksize = EVP_PKEY_get_size(s->key);

	if (ksize <= 0)
		return ll_err_openssl(err, "cannot size the signature for this key");
	s->sig_max = (size_t)ksize;
	s->sig = malloc(s->sig_max);
	s->mdctx = EVP_MD_CTX_new();
	if (!s->sig || !s->mdctx)
		return ll_err_set(err, "out of memory");
	if (s->alg->md == SIGALG_MD_NONE)
		return true;
	s->md = EVP_MD_fetch(NULL, sigalg_md_name(s->alg->md), NULL);
	s->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, s->key, NULL);
	if (!s->md || !s->pctx)
		return ll_err_openssl(err, "signing set-up failed");
	if (EVP_PKEY_sign_init(s->pctx) <= 0 || EVP_PKEY_CTX_set_signature_md(s->pctx, s->md) <= 0)
		return ll_err_openssl(err, "signing set-up failed (no private key?)");
	/* sigalg_for_key(..., false) never picks PSS, so RSA is PKCS#1 v1.5. */
	if (s->alg->key == SPKI_KEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(s->pctx, RSA_PKCS1_PADDING) <= 0)
		return ll_err_openssl(err, "RSA padding set-up failed");
	return true;
}

/* One signature at set-up, checked with the certificate's public key
 * through an independent EVP_DigestVerify: a key that cannot sign (no
 * private half, a token that refuses) or signs with other parameters
 * fails now, not on the first request. */
static bool rs_selftest(struct ocsp_signer *s, const struct x509_fields *f, struct ll_err *err)
{
	static const uint8_t msg[] = "lastleaf OCSP signer self-test";
	const char *md = sigalg_md_name(s->alg->md); /* NULL for EdDSA */
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *m = NULL;
	size_t sl;
	bool ok = false;

	if (!rs_sign_bytes(s, msg, sizeof(msg), &sl, err))
		return ll_err_prefix(err, "signer self-test");
	pk = ll_pkey_from_spki(f->spki.p, f->spki.len, err);
	m = EVP_MD_CTX_new();
	if (!pk || !m) {
		ll_err_set(err, "signer self-test: cannot set up verification");
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(m, NULL, md, NULL, NULL, pk, NULL) != 1 ||
	    EVP_DigestVerify(m, s->sig, sl, msg, sizeof(msg)) != 1) {
		ERR_clear_error();
		ll_err_set(err, "signer self-test: the %s signature does not verify with the "
				"certificate's key", s->alg->name);
		goto out;
	}
	ok = true;
out:
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(pk);
	return ok;
}

/* ---- signer ------------------------------------------------------------- */

/* B2: a CA key signs OCSP only if its certificate allows digitalSignature
 * (an absent keyUsage restricts nothing, RFC 5280 4.2.1.3). */
static bool rs_ca_may_sign(const struct x509_fields *ca, struct ll_err *err)
{
	if (ca->key_usage >= 0 && !(ca->key_usage & X509_KU_DIGITAL_SIGNATURE))
		return ll_err_set(err, "B2: the CA certificate's keyUsage lacks digitalSignature, so "
				       "the CA key may not sign OCSP responses (use a delegated "
				       "responder)");
	return true;
}

/* Picks the signing certificate and key and checks they belong together. */
static bool rs_choose(const struct x509_fields *ca, EVP_PKEY *ca_key, const uint8_t *rcert,
		      size_t rlen, EVP_PKEY *rkey, ll_time now, struct x509_fields *rf,
		      const struct x509_fields **sf, EVP_PKEY **key, struct ll_err *err)
{
	if (!rcert) {
		if (rkey)
			return ll_err_set(err, "a responder key was given without its certificate");
		if (!ca_key)
			return ll_err_set(err, "no signing key (CA key or delegated responder)");
		if (!rs_ca_may_sign(ca, err) || !rs_key_matches(ca_key, ca, "CA", err))
			return false;
		*sf = ca;
		*key = ca_key;
		return true;
	}
	if (!rkey)
		return ll_err_set(err, "a delegated responder certificate was given without its key");
	/* The CA certificate was walked already; this repeats the walk to
	 * judge the responder certificate as a whole (B3). */
	if (!ocsp_check_responder(rcert, rlen, ca->cert.p, ca->cert.len, now, err))
		return false;
	if (!x509_walk(rcert, rlen, rf, err))
		return ll_err_prefix(err, "responder certificate");
	/* Not needed to sign, but a wrong CA key in the configuration is
	 * worth an error now. */
	if (ca_key && !rs_key_matches(ca_key, ca, "CA", err))
		return false;
	if (!rs_key_matches(rkey, rf, "responder", err))
		return false;
	*sf = rf;
	*key = rkey;
	return true;
}

struct ocsp_signer *ocsp_signer_new(const uint8_t *issuer_cert, size_t issuer_len, EVP_PKEY *ca_key,
				    const uint8_t *responder_cert, size_t responder_len,
				    EVP_PKEY *responder_key, ll_time now, struct ll_err *err)
{
	struct ocsp_signer *s = NULL;
	struct x509_fields ca, rf;
	const struct x509_fields *sf = NULL;
	EVP_PKEY *key = NULL; /* borrowed: ca_key or responder_key */
	const struct sigalg *alg;

	if (!issuer_cert || !x509_walk(issuer_cert, issuer_len, &ca, err)) {
		if (!issuer_cert)
			ll_err_set(err, "no CA certificate");
		else
			ll_err_prefix(err, "CA certificate");
		goto fail;
	}
	if (!rs_choose(&ca, ca_key, responder_cert, responder_len, responder_key, now, &rf, &sf,
		       &key, err))
		goto fail;
	/* RSA follows the CRL default: PKCS#1 v1.5 with SHA-256. */
	alg = sigalg_for_key(spki_key_type(sf->spki.p, sf->spki.len), false);
	if (!alg) {
		ll_err_set(err, "unsupported signing key type (need P-256/384/521, RSA, Ed25519, "
				"Ed448)");
		goto fail;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		ll_err_set(err, "out of memory");
		goto fail;
	}
	ll_buf_init(&s->tbs, 0);
	s->alg = alg;
	if (!EVP_PKEY_up_ref(key)) {
		ll_err_openssl(err, "EVP_PKEY_up_ref");
		goto fail;
	}
	s->key = key;
	ocsp_sha1(sf->pubkey.p, sf->pubkey.len, s->key_hash);
	s->not_after = ca.not_after;
	if (responder_cert) {
		if (rf.not_after < s->not_after)
			s->not_after = rf.not_after;
		s->cert = malloc(responder_len);
		if (!s->cert) {
			ll_err_set(err, "out of memory");
			goto fail;
		}
		memcpy(s->cert, responder_cert, responder_len);
		s->cert_len = responder_len;
	}
	if (!rs_crypto_setup(s, err) || !rs_selftest(s, sf, err))
		goto fail;
	return s;
fail:
	ocsp_signer_free(s);
	return NULL;
}

void ocsp_signer_free(struct ocsp_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_CTX_free(s->pctx);
	EVP_MD_CTX_free(s->mdctx);
	EVP_MD_free(s->md);
	EVP_PKEY_free(s->key);
	free(s->cert);
	free(s->sig);
	ll_buf_free(&s->tbs);
	free(s);
}

ll_time ocsp_signer_not_after(const struct ocsp_signer *s)
{
	return s->not_after;
}

/* ---- input checks -------------------------------------------------------- */

static bool rs_reason_ok(int r)
{
	/* CRLReason: -1 none, 0 unspecified (omitted, A28), 1..10 without
	 * the unused value 7. */
	return r >= -1 && r <= 10 && r != 7;
}

static const char *rs_fmt(ll_time t, char *buf)
{
	return ll_time_format_rfc3339(t, buf);
}

static bool rs_check_single(const struct ocsp_signer *s, const struct ocsp_single *g, size_t i,
			    ll_time produced_at, struct ll_err *err)
{
	char a[LL_TIME_RFC3339_LEN], b[LL_TIME_RFC3339_LEN];

	if (!g->issuer || (g->alg != OCSP_HASH_SHA1 && g->alg != OCSP_HASH_SHA256))
		return ll_err_set(err, "single %zu: no issuer hashes or unknown hash algorithm", i);
	if (!g->serial || g->serial_len == 0 || g->serial_len > OCSP_MAX_SERIAL)
		return ll_err_set(err, "single %zu: serial of %zu octets (1 to %d)", i,
				  g->serial_len, OCSP_MAX_SERIAL);
	if (g->status != OCSP_GOOD && g->status != OCSP_REVOKED && g->status != OCSP_UNKNOWN)
		return ll_err_set(err, "single %zu: unknown status %d", i, (int)g->status);
	if (!asn1time_ok(g->this_update) || !asn1time_ok(g->next_update))
		return ll_err_set(err, "single %zu: thisUpdate/nextUpdate outside years 0001-9999", i);
	if (g->this_update > g->next_update)
		return ll_err_set(err, "single %zu: thisUpdate %s after nextUpdate %s", i,
				  rs_fmt(g->this_update, a), rs_fmt(g->next_update, b));
	if (g->next_update > s->not_after)
		return ll_err_set(err,
				  "B9: single %zu: nextUpdate %s after the signing certificate's "
				  "notAfter %s",
				  i, rs_fmt(g->next_update, a), rs_fmt(s->not_after, b));
	/* A status is known when it is produced, not later (the zlint
	 * "thisUpdate not after producedAt" rule). */
	if (g->this_update > produced_at)
		return ll_err_set(err, "single %zu: thisUpdate %s after producedAt %s", i,
				  rs_fmt(g->this_update, a), rs_fmt(produced_at, b));
	if (g->status != OCSP_REVOKED)
		return true;
	/* 0 (1970-01-01) is the "revoked for non-issued" convention of RFC
	 * 6960 2.2 that lastleaf never uses (O2), so it means "no time". */
	if (g->revoked_at == 0 || !asn1time_ok(g->revoked_at))
		return ll_err_set(err, "single %zu: revoked without a revocation time", i);
	if (g->revoked_at > g->this_update)
		return ll_err_set(err, "single %zu: revocationTime %s after thisUpdate %s", i,
				  rs_fmt(g->revoked_at, a), rs_fmt(g->this_update, b));
	if (!rs_reason_ok(g->reason))
		return ll_err_set(err, "single %zu: invalid CRLReason %d", i, g->reason);
	return true;
}

static bool rs_check(const struct ocsp_signer *s, const struct ocsp_single *singles, size_t n,
		     ll_time produced_at, const uint8_t *nonce, size_t nonce_len,
		     const struct ll_buf *out, struct ll_err *err)
{
	char a[LL_TIME_RFC3339_LEN], b[LL_TIME_RFC3339_LEN];
	size_t i;

	if (!s || !out)
		return ll_err_set(err, "no signer or output buffer");
	if (n == 0 || !singles)
		return ll_err_set(err, "no SingleResponse to sign (B16)");
	if (n > OCSP_MAX_SINGLES)
		return ll_err_set(err, "%zu SingleResponses (at most %u)", n, OCSP_MAX_SINGLES);
	if (!asn1time_ok(produced_at))
		return ll_err_set(err, "producedAt outside years 0001-9999");
	if (produced_at > s->not_after)
		return ll_err_set(err, "B9: producedAt %s after the signing certificate's notAfter %s",
				  rs_fmt(produced_at, a), rs_fmt(s->not_after, b));
	if (nonce && (nonce_len == 0 || nonce_len > OCSP_MAX_NONCE))
		return ll_err_set(err, "nonce of %zu octets (1 to %d, B20)", nonce_len,
				  OCSP_MAX_NONCE);
	for (i = 0; i < n; i++)
		if (!rs_check_single(s, &singles[i], i, produced_at, err))
			return false;
	return true;
}

/* ---- lengths -------------------------------------------------------------- */

static size_t rs_certid_len(const struct ocsp_single *g)
{
	size_t hl = g->alg == OCSP_HASH_SHA1 ? 20 : 32;
	size_t al = g->alg == OCSP_HASH_SHA1 ? sizeof(alg_sha1) : sizeof(alg_sha256);

	return al + 2 * derw_tlv_len(hl) + derw_tlv_len(g->serial_len);
}

static bool rs_has_reason(const struct ocsp_single *g)
{
	return g->reason > 0;
}

/* revoked [1] IMPLICIT RevokedInfo { revocationTime GeneralizedTime,
 *   revocationReason [0] EXPLICIT CRLReason OPTIONAL } */
static size_t rs_revoked_content(const struct ocsp_single *g)
{
	return ASN1TIME_GEN_TLV + (rs_has_reason(g) ? 5 : 0);
}

static size_t rs_single_content(const struct ocsp_single *g)
{
	size_t status = g->status == OCSP_REVOKED ? derw_tlv_len(rs_revoked_content(g)) : 2;

	/* certID, certStatus, thisUpdate, nextUpdate [0] */
	return derw_tlv_len(rs_certid_len(g)) + status + ASN1TIME_GEN_TLV +
	       derw_tlv_len(ASN1TIME_GEN_TLV);
}

/* responseExtensions [1] EXPLICIT Extensions { Extension { nonce OID,
 *   extnValue OCTET STRING { Nonce OCTET STRING } } } (RFC 8954 2.1). */
static size_t rs_nonce_ext_content(size_t nonce_len)
{
	return sizeof(oid_nonce) + derw_tlv_len(derw_tlv_len(nonce_len));
}

static size_t rs_nonce_wrap_len(size_t nonce_len)
{
	return derw_tlv_len(derw_tlv_len(derw_tlv_len(rs_nonce_ext_content(nonce_len))));
}

/* ---- encoding ------------------------------------------------------------- */

static uint8_t *rs_put_single(uint8_t *p, const struct ocsp_single *g)
{
	bool sha1 = g->alg == OCSP_HASH_SHA1;
	size_t hl = sha1 ? 20 : 32;

	p = derw_put_hdr(p, DER_SEQUENCE, rs_single_content(g));
	p = derw_put_hdr(p, DER_SEQUENCE, rs_certid_len(g));
	p = sha1 ? derw_put(p, alg_sha1, sizeof(alg_sha1)) : derw_put(p, alg_sha256, sizeof(alg_sha256));
	p = derw_put_hdr(p, DER_OCTETSTRING, hl);
	p = derw_put(p, sha1 ? g->issuer->name_sha1 : g->issuer->name_sha256, hl);
	p = derw_put_hdr(p, DER_OCTETSTRING, hl);
	p = derw_put(p, sha1 ? g->issuer->key_sha1 : g->issuer->key_sha256, hl);
	/* The serial is echoed exactly as the request sent it (E1, E2). */
	p = derw_put_hdr(p, DER_INTEGER, g->serial_len);
	p = derw_put(p, g->serial, g->serial_len);
	switch (g->status) {
	case OCSP_GOOD:
		*p++ = 0x80; /* good [0] IMPLICIT NULL */
		*p++ = 0x00;
		break;
	case OCSP_REVOKED:
		p = derw_put_hdr(p, 0xa1, rs_revoked_content(g));
		p = asn1time_put(p, g->revoked_at, true);
		if (rs_has_reason(g)) {
			*p++ = DER_CTX0;
			*p++ = 3;
			*p++ = DER_ENUMERATED;
			*p++ = 1;
			*p++ = (uint8_t)g->reason;
		}
		break;
	default:
		*p++ = 0x82; /* unknown [2] IMPLICIT NULL */
		*p++ = 0x00;
		break;
	}
	p = asn1time_put(p, g->this_update, true);
	p = derw_put_hdr(p, DER_CTX0, ASN1TIME_GEN_TLV);
	return asn1time_put(p, g->next_update, true);
	/* No singleExtensions: the reason lives in RevokedInfo only (B12). */
}

static uint8_t *rs_put_nonce(uint8_t *p, const uint8_t *nonce, size_t n)
{
	size_t ext = rs_nonce_ext_content(n);

	p = derw_put_hdr(p, DER_CTX1, derw_tlv_len(derw_tlv_len(ext)));
	p = derw_put_hdr(p, DER_SEQUENCE, derw_tlv_len(ext));
	p = derw_put_hdr(p, DER_SEQUENCE, ext);
	p = derw_put(p, oid_nonce, sizeof(oid_nonce));
	p = derw_put_hdr(p, DER_OCTETSTRING, derw_tlv_len(n));
	p = derw_put_hdr(p, DER_OCTETSTRING, n);
	return derw_put(p, nonce, n);
}

/* ResponseData into s->tbs. */
static bool rs_put_tbs(struct ocsp_signer *s, const struct ocsp_single *singles, size_t n,
		       ll_time produced_at, const uint8_t *nonce, size_t nonce_len,
		       struct ll_err *err)
{
	size_t responses = 0, content, total, i;
	uint8_t *p, *start;

	for (i = 0; i < n; i++)
		responses += derw_tlv_len(rs_single_content(&singles[i]));
	/* responderID [2] byKey (24), producedAt, responses, extensions */
	content = 24 + ASN1TIME_GEN_TLV + derw_tlv_len(responses) +
		  (nonce ? rs_nonce_wrap_len(nonce_len) : 0);
	total = derw_tlv_len(content);
	s->tbs.len = 0;
	if (!ll_buf_reserve(&s->tbs, total))
		return ll_err_set(err, "no room for a %zu-byte ResponseData (memory)", total);
	start = p = s->tbs.data;
	p = derw_put_hdr(p, DER_SEQUENCE, content);
	*p++ = DER_CTX2; /* responderID byKey (B4) */
	*p++ = 22;
	*p++ = DER_OCTETSTRING;
	*p++ = 20;
	p = derw_put(p, s->key_hash, 20);
	p = asn1time_put(p, produced_at, true);
	p = derw_put_hdr(p, DER_SEQUENCE, responses);
	for (i = 0; i < n; i++)
		p = rs_put_single(p, &singles[i]);
	if (nonce)
		p = rs_put_nonce(p, nonce, nonce_len);
	s->tbs.len = (size_t)(p - start);
	if (s->tbs.len != total)
		return ll_err_set(err, "internal error: ResponseData is %zu bytes, planned %zu",
				  s->tbs.len, total);
	return true;
}

/* The OCSPResponse around the signed ResponseData, appended to out. */
static bool rs_assemble(const struct ocsp_signer *s, size_t sig_len, struct ll_buf *out,
			struct ll_err *err)
{
	size_t tbs = s->tbs.len;
	size_t certs = s->cert ? derw_tlv_len(derw_tlv_len(s->cert_len)) : 0;
	size_t basic = tbs + s->alg->len + derw_tlv_len(sig_len + 1) + certs;
	size_t basic_total = derw_tlv_len(basic);
	size_t rb = sizeof(oid_basic) + derw_tlv_len(basic_total);
	size_t resp = sizeof(status_ok) + derw_tlv_len(derw_tlv_len(rb));
	size_t total = derw_tlv_len(resp);
	uint8_t *p, *start;

	if (!ll_buf_reserve(out, total))
		return ll_err_set(err, "no room for a %zu-byte response (buffer limit or memory)",
				  total);
	start = p = out->data + out->len;
	p = derw_put_hdr(p, DER_SEQUENCE, resp);
	p = derw_put(p, status_ok, sizeof(status_ok));
	p = derw_put_hdr(p, DER_CTX0, derw_tlv_len(rb));
	p = derw_put_hdr(p, DER_SEQUENCE, rb);
	p = derw_put(p, oid_basic, sizeof(oid_basic));
	p = derw_put_hdr(p, DER_OCTETSTRING, basic_total);
	p = derw_put_hdr(p, DER_SEQUENCE, basic);
	p = derw_put(p, s->tbs.data, tbs);
	p = derw_put(p, s->alg->der, s->alg->len);
	p = derw_put_hdr(p, DER_BITSTRING, sig_len + 1);
	*p++ = 0; /* no unused bits; an ECDSA signature goes in as its DER */
	p = derw_put(p, s->sig, sig_len);
	if (s->cert) {
		/* certs [0] EXPLICIT SEQUENCE OF Certificate: the delegate (B4) */
		p = derw_put_hdr(p, DER_CTX0, derw_tlv_len(s->cert_len));
		p = derw_put_hdr(p, DER_SEQUENCE, s->cert_len);
		p = derw_put(p, s->cert, s->cert_len);
	}
	if ((size_t)(p - start) != total)
		return ll_err_set(err, "internal error: response is %zu bytes, planned %zu",
				  (size_t)(p - start), total);
	out->len += total;
	return true;
}

bool ocsp_sign(struct ocsp_signer *s, const struct ocsp_single *singles, size_t n,
	       ll_time produced_at, const uint8_t *nonce, size_t nonce_len, struct ll_buf *out,
	       struct ll_err *err)
{
	size_t sig_len;

	if (!rs_check(s, singles, n, produced_at, nonce, nonce_len, out, err))
		return false;
	if (!rs_put_tbs(s, singles, n, produced_at, nonce, nonce_len, err))
		return false;
	if (!rs_sign_bytes(s, s->tbs.data, s->tbs.len, &sig_len, err))
		return false;
	return rs_assemble(s, sig_len, out, err);
}
