/* verify.c - see verify.h. The fast path splits a signature check into
 * a digest (reused EVP_MD_CTX, digest fetched once) and EVP_PKEY_verify on
 * an EVP_PKEY_CTX that was initialised once per digest. That skips the
 * per-call provider fetches and context set-up of EVP_DigestVerifyInit,
 * which in OpenSSL 3.0 cost more than a P-256 verify itself. Ed25519 has
 * no separate digest step and RSASSA-PSS carries its own parameters, so
 * those two go through EVP_DigestVerify each time. */
#include "verify.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

enum verify_key { VERIFY_KEY_EC, VERIFY_KEY_RSA, VERIFY_KEY_RSA_PSS, VERIFY_KEY_ED25519 };

/* Index into the per-verifier digest and context arrays. */
enum verify_md { VERIFY_SHA256, VERIFY_SHA384, VERIFY_SHA512, VERIFY_NMD };

static const char *const verify_md_names[VERIFY_NMD] = {"SHA256", "SHA384", "SHA512"};

struct ll_verifier {
	EVP_PKEY *pkey;
	enum verify_key key;
	EVP_MD *md[VERIFY_NMD];
	EVP_PKEY_CTX *pctx[VERIFY_NMD]; /* created on first use of each digest */
	EVP_MD_CTX *mdctx;		/* reused for every digest */
};

static const char *verify_key_name(enum verify_key k)
{
	switch (k) {
	case VERIFY_KEY_EC: return "EC";
	case VERIFY_KEY_RSA: return "RSA";
	case VERIFY_KEY_RSA_PSS: return "RSA-PSS";
	case VERIFY_KEY_ED25519: return "Ed25519";
	}
	return "unknown";
}

static const char *verify_alg_name(enum x509_sigalg kind)
{
	switch (kind) {
	case X509_SIG_ECDSA_SHA256: return "ecdsa-with-SHA256";
	case X509_SIG_ECDSA_SHA384: return "ecdsa-with-SHA384";
	case X509_SIG_ECDSA_SHA512: return "ecdsa-with-SHA512";
	case X509_SIG_RSA_SHA256: return "sha256WithRSAEncryption";
	case X509_SIG_RSA_SHA384: return "sha384WithRSAEncryption";
	case X509_SIG_RSA_SHA512: return "sha512WithRSAEncryption";
	case X509_SIG_RSA_PSS: return "RSASSA-PSS";
	case X509_SIG_ED25519: return "Ed25519";
	case X509_SIG_RSA_SHA1: return "sha1WithRSAEncryption";
	case X509_SIG_ECDSA_SHA1: return "ecdsa-with-SHA1";
	case X509_SIG_UNKNOWN: break;
	}
	return "unknown";
}

struct ll_verifier *ll_verifier_new(EVP_PKEY *pkey, struct ll_err *err)
{
	struct ll_verifier *v = NULL;
	int i;

	if (!pkey) {
		ll_err_set(err, "no issuer key");
		goto fail;
	}
	v = OPENSSL_zalloc(sizeof(*v));
	if (!v) {
		ll_err_set(err, "out of memory");
		goto fail;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		v->key = VERIFY_KEY_EC;
	} else if (EVP_PKEY_is_a(pkey, "RSA")) {
		v->key = VERIFY_KEY_RSA;
	} else if (EVP_PKEY_is_a(pkey, "RSA-PSS")) {
		v->key = VERIFY_KEY_RSA_PSS;
	} else if (EVP_PKEY_is_a(pkey, "ED25519")) {
		v->key = VERIFY_KEY_ED25519;
	} else {
		ll_err_set(err, "unsupported issuer key type %s", EVP_PKEY_get0_type_name(pkey));
		goto fail;
	}
	if (!EVP_PKEY_up_ref(pkey)) {
		ll_err_openssl(err, "EVP_PKEY_up_ref");
		goto fail;
	}
	v->pkey = pkey;
	for (i = 0; i < VERIFY_NMD; i++) {
		v->md[i] = EVP_MD_fetch(NULL, verify_md_names[i], NULL);
		if (!v->md[i]) {
			ll_err_openssl(err, "EVP_MD_fetch");
			goto fail;
		}
	}
	v->mdctx = EVP_MD_CTX_new();
	if (!v->mdctx) {
		ll_err_openssl(err, "EVP_MD_CTX_new");
		goto fail;
	}
	return v;
fail:
	ll_verifier_free(v);
	return NULL;
}

void ll_verifier_free(struct ll_verifier *v)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < VERIFY_NMD; i++) {
		EVP_PKEY_CTX_free(v->pctx[i]);
		EVP_MD_free(v->md[i]);
	}
	EVP_MD_CTX_free(v->mdctx);
	EVP_PKEY_free(v->pkey);
	OPENSSL_free(v);
}

/* Whether the algorithm can have been made with this kind of key. */
static bool verify_fits(enum verify_key key, enum x509_sigalg kind)
{
	switch (kind) {
	case X509_SIG_ECDSA_SHA256:
	case X509_SIG_ECDSA_SHA384:
	case X509_SIG_ECDSA_SHA512:
		return key == VERIFY_KEY_EC;
	case X509_SIG_RSA_SHA256:
	case X509_SIG_RSA_SHA384:
	case X509_SIG_RSA_SHA512:
		/* An RSA-PSS key is restricted to PSS (RFC 4055 section 1.2). */
		return key == VERIFY_KEY_RSA;
	case X509_SIG_RSA_PSS:
		return key == VERIFY_KEY_RSA || key == VERIFY_KEY_RSA_PSS;
	case X509_SIG_ED25519:
		return key == VERIFY_KEY_ED25519;
	default:
		return false;
	}
}

/* The verify context for one digest, set up on first use and kept: its
 * provider state does not change between EVP_PKEY_verify calls. */
static EVP_PKEY_CTX *verify_pctx(struct ll_verifier *v, enum verify_md m, struct ll_err *err)
{
	EVP_PKEY_CTX *ctx = v->pctx[m];

	if (ctx)
		return ctx;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, v->pkey, NULL);
	if (!ctx) {
		ll_err_openssl(err, "EVP_PKEY_CTX_new_from_pkey");
		goto fail;
	}
	if (EVP_PKEY_verify_init(ctx) <= 0 || EVP_PKEY_CTX_set_signature_md(ctx, v->md[m]) <= 0) {
		ll_err_openssl(err, "EVP_PKEY_verify_init");
		goto fail;
	}
	if (v->key == VERIFY_KEY_RSA && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
		ll_err_openssl(err, "EVP_PKEY_CTX_set_rsa_padding");
		goto fail;
	}
	v->pctx[m] = ctx;
	return ctx;
fail:
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

static bool verify_digested(struct ll_verifier *v, enum verify_md m, const uint8_t *tbs,
			    size_t tbs_len, const uint8_t *sig, size_t sig_len, struct ll_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_PKEY_CTX *ctx = verify_pctx(v, m, err);

	if (!ctx)
		return false;
	if (!EVP_DigestInit_ex2(v->mdctx, v->md[m], NULL) ||
	    !EVP_DigestUpdate(v->mdctx, tbs, tbs_len) ||
	    !EVP_DigestFinal_ex(v->mdctx, md, &md_len))
		return ll_err_openssl(err, "digest");
	if (EVP_PKEY_verify(ctx, sig, sig_len, md, md_len) == 1)
		return true;
	/* A bad signature leaves decoding errors on the queue; they say
	 * nothing more than "bad signature" and must not pile up. */
	ERR_clear_error();
	return ll_err_set(err, "bad signature");
}

/* One-shot EVP_DigestVerify; md NULL for Ed25519. For RSASSA-PSS,
 * mgf1 and salt configure the padding. */
static bool verify_oneshot(struct ll_verifier *v, const EVP_MD *md, const EVP_MD *mgf1, int salt,
			   const uint8_t *tbs, size_t tbs_len, const uint8_t *sig, size_t sig_len,
			   struct ll_err *err)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
	bool ok = false;

	if (!mctx) {
		ll_err_openssl(err, "EVP_MD_CTX_new");
		goto out;
	}
	if (EVP_DigestVerifyInit(mctx, &pctx, md, NULL, v->pkey) != 1) {
		ll_err_openssl(err, "EVP_DigestVerifyInit");
		goto out;
	}
	if (mgf1 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1) <= 0 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) <= 0)) {
		ll_err_openssl(err, "RSASSA-PSS parameters not usable with this key");
		goto out;
	}
	if (EVP_DigestVerify(mctx, sig, sig_len, tbs, tbs_len) != 1) {
		ERR_clear_error();
		ll_err_set(err, "bad signature");
		goto out;
	}
	ok = true;
out:
	EVP_MD_CTX_free(mctx);
	return ok;
}

/* Maps a hash AlgorithmIdentifier to a prefetched digest. NULL (the
 * RFC 4055 default) means SHA-1. */
static bool verify_pss_md(const X509_ALGOR *alg, enum verify_md *m, bool *sha1)
{
	const ASN1_OBJECT *obj;

	*sha1 = false;
	if (!alg) {
		*sha1 = true;
		return false;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	switch (OBJ_obj2nid(obj)) {
	case NID_sha256: *m = VERIFY_SHA256; return true;
	case NID_sha384: *m = VERIFY_SHA384; return true;
	case NID_sha512: *m = VERIFY_SHA512; return true;
	case NID_sha1: *sha1 = true; return false;
	default: return false;
	}
}

/* RSASSA-PSS-params (RFC 4055 section 3.1): only SHA-2 hashes with
 * MGF1 over a SHA-2 hash and trailerField 1 are taken. */
static bool verify_pss(struct ll_verifier *v, const uint8_t *alg, size_t alg_len,
		       const uint8_t *tbs, size_t tbs_len, const uint8_t *sig, size_t sig_len,
		       struct ll_err *err)
{
	const unsigned char *p = alg;
	X509_ALGOR *algor = NULL, *mgf1_alg = NULL;
	RSA_PSS_PARAMS *pss = NULL;
	const ASN1_OBJECT *mgf_obj;
	enum verify_md hash, mgf1 = VERIFY_SHA256;
	long salt = 20;
	bool ok = false, sha1;

	if (alg_len > LONG_MAX || !(algor = d2i_X509_ALGOR(NULL, &p, (long)alg_len)) ||
	    p != alg + alg_len || algor->parameter == NULL ||
	    algor->parameter->type != V_ASN1_SEQUENCE ||
	    !(pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), algor->parameter))) {
		ERR_clear_error();
		ll_err_set(err, "bad RSASSA-PSS parameters");
		goto out;
	}
	if (!verify_pss_md(pss->hashAlgorithm, &hash, &sha1)) {
		ll_err_set(err, sha1 ? "SHA-1 signature not accepted"
				     : "unsupported RSASSA-PSS hash algorithm");
		goto out;
	}
	if (pss->maskGenAlgorithm) {
		X509_ALGOR_get0(&mgf_obj, NULL, NULL, pss->maskGenAlgorithm);
		if (OBJ_obj2nid(mgf_obj) != NID_mgf1 || !pss->maskGenAlgorithm->parameter ||
		    pss->maskGenAlgorithm->parameter->type != V_ASN1_SEQUENCE ||
		    !(mgf1_alg = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
							   pss->maskGenAlgorithm->parameter)) ||
		    !verify_pss_md(mgf1_alg, &mgf1, &sha1)) {
			ERR_clear_error();
			ll_err_set(err, "unsupported RSASSA-PSS mask generation function");
			goto out;
		}
	} else {
		ll_err_set(err, "unsupported RSASSA-PSS mask generation function (MGF1-SHA1)");
		goto out;
	}
	if (pss->saltLength) {
		salt = ASN1_INTEGER_get(pss->saltLength);
		if (salt < 0 || salt > INT_MAX) {
			ll_err_set(err, "bad RSASSA-PSS salt length");
			goto out;
		}
	}
	if (pss->trailerField && ASN1_INTEGER_get(pss->trailerField) != 1) {
		ll_err_set(err, "bad RSASSA-PSS trailer field");
		goto out;
	}
	ok = verify_oneshot(v, v->md[hash], v->md[mgf1], (int)salt, tbs, tbs_len, sig, sig_len, err);
out:
	X509_ALGOR_free(mgf1_alg);
	RSA_PSS_PARAMS_free(pss);
	X509_ALGOR_free(algor);
	return ok;
}

bool ll_verifier_check_raw(struct ll_verifier *v, const uint8_t *tbs, size_t tbs_len,
			   const uint8_t *alg, size_t alg_len, const uint8_t *sig,
			   size_t sig_len, struct ll_err *err)
{
	enum x509_sigalg kind = x509_sigalg_kind(alg, alg_len);

	switch (kind) {
	case X509_SIG_RSA_SHA1:
	case X509_SIG_ECDSA_SHA1:
		return ll_err_set(err, "SHA-1 signature not accepted");
	case X509_SIG_UNKNOWN:
		return ll_err_set(err, "unsupported signature algorithm");
	default:
		break;
	}
	if (!verify_fits(v->key, kind))
		return ll_err_set(err, "%s signature does not fit the issuer's %s key",
				  verify_alg_name(kind), verify_key_name(v->key));
	switch (kind) {
	case X509_SIG_ECDSA_SHA256:
	case X509_SIG_RSA_SHA256:
		return verify_digested(v, VERIFY_SHA256, tbs, tbs_len, sig, sig_len, err);
	case X509_SIG_ECDSA_SHA384:
	case X509_SIG_RSA_SHA384:
		return verify_digested(v, VERIFY_SHA384, tbs, tbs_len, sig, sig_len, err);
	case X509_SIG_ECDSA_SHA512:
	case X509_SIG_RSA_SHA512:
		return verify_digested(v, VERIFY_SHA512, tbs, tbs_len, sig, sig_len, err);
	case X509_SIG_ED25519:
		return verify_oneshot(v, NULL, NULL, 0, tbs, tbs_len, sig, sig_len, err);
	case X509_SIG_RSA_PSS:
		return verify_pss(v, alg, alg_len, tbs, tbs_len, sig, sig_len, err);
	default:
		return ll_err_set(err, "unsupported signature algorithm");
	}
}

bool ll_verifier_check(struct ll_verifier *v, const struct x509_fields *f, struct ll_err *err)
{
	return ll_verifier_check_raw(v, f->tbs.p, f->tbs.len, f->sigalg.p, f->sigalg.len, f->sig.p,
				     f->sig.len, err);
}

EVP_PKEY *ll_pkey_from_spki(const uint8_t *spki, size_t len, struct ll_err *err)
{
	const unsigned char *p = spki;
	EVP_PKEY *pkey;

	if (len > LONG_MAX) {
		ll_err_set(err, "SubjectPublicKeyInfo too long");
		return NULL;
	}
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (!pkey) {
		ll_err_openssl(err, "bad SubjectPublicKeyInfo");
		return NULL;
	}
	if (p != spki + len) {
		EVP_PKEY_free(pkey);
		ll_err_set(err, "trailing data after SubjectPublicKeyInfo");
		return NULL;
	}
	return pkey;
}
