/* test_verify.c - ll_verifier against certificates and a CRL signed in
 * memory with every supported algorithm: good signatures pass, a flipped
 * bit in the signature or the signed bytes fails (also interleaved, to
 * prove a cached context survives failures), SHA-1 and key/algorithm
 * mismatches are refused by name. Ends with a benchmark of the cached
 * EVP_PKEY_CTX path against EVP_DigestVerifyInit per call. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "der.h"
#include "tap.h"
#include "verify.h"
#include "walk_certgen.h"

/* A signed leaf as DER plus its walked fields (spans into der). */
struct signed_cert {
	uint8_t *der;
	size_t len;
	struct x509_fields f;
};

enum sign_mode { SIGN_PLAIN, SIGN_PSS, SIGN_PSS_SHA1, SIGN_PSS_MGF1_SHA1 };

static void make_signed(struct signed_cert *sc, EVP_PKEY *subject, EVP_PKEY *issuer,
			const EVP_MD *md, enum sign_mode mode)
{
	X509 *x = cg_new(subject, "leaf", "CA");
	struct ll_err err;

	cg_ext_conf(x, NULL, NID_basic_constraints, "CA:FALSE");
	if (mode == SIGN_PLAIN) {
		cg_sign(x, issuer, md);
	} else if (mode == SIGN_PSS) {
		cg_sign_pss(x, issuer);
	} else {
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		EVP_PKEY_CTX *p = NULL;
		const EVP_MD *h = mode == SIGN_PSS_SHA1 ? EVP_sha1() : EVP_sha256();

		if (!m || EVP_DigestSignInit(m, &p, h, NULL, issuer) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(p, EVP_sha1()) <= 0 || X509_sign_ctx(x, m) <= 0)
			cg_die("pss sha1");
		EVP_MD_CTX_free(m);
	}
	sc->der = cg_der(x, &sc->len);
	if (!x509_walk(sc->der, sc->len, &sc->f, &err)) {
		fprintf(stderr, "walk: %s\n", err.msg);
		abort();
	}
	X509_free(x);
}

/* Verifies sc with v; when want_ok is false, expects error `want`. */
static void expect(struct ll_verifier *v, struct signed_cert *sc, bool want_ok, const char *want,
		   const char *what)
{
	struct ll_err err = {""};
	bool ok = ll_verifier_check(v, &sc->f, &err);

	if (want_ok)
		CHECK_MSG(ok, "%s: %s", what, err.msg);
	else
		CHECK_MSG(!ok && strcmp(err.msg, want) == 0, "%s: got %s \"%s\", want \"%s\"", what,
			  ok ? "success" : "error", err.msg, want);
}

/* Good, bad signature, bad TBS, good again: the cached context must
 * give the same answers after a failure. */
static void expect_good_and_tampered(struct ll_verifier *v, struct signed_cert *sc,
				     const char *what)
{
	uint8_t *sig = (uint8_t *)sc->f.sig.p, *tbs = (uint8_t *)sc->f.tbs.p;
	size_t mid = sc->f.sig.len / 2;

	expect(v, sc, true, NULL, what);
	sig[mid] ^= 0x01;
	expect(v, sc, false, "bad signature", what);
	sig[mid] ^= 0x01;
	tbs[sc->f.tbs.len - 3] ^= 0x80;
	expect(v, sc, false, "bad signature", what);
	tbs[sc->f.tbs.len - 3] ^= 0x80;
	expect(v, sc, true, NULL, what);
}

static struct ll_verifier *verifier_for(EVP_PKEY *k)
{
	struct ll_err err;
	struct ll_verifier *v = ll_verifier_new(k, &err);

	CHECK_MSG(v != NULL, "ll_verifier_new: %s", err.msg);
	if (!v)
		abort();
	return v;
}

static void test_algorithms(EVP_PKEY *p256, EVP_PKEY *p384, EVP_PKEY *rsa, EVP_PKEY *ed)
{
	struct ll_verifier *vp256 = verifier_for(p256), *vp384 = verifier_for(p384);
	struct ll_verifier *vrsa = verifier_for(rsa), *ved = verifier_for(ed);
	struct signed_cert sc;

	make_signed(&sc, p384, p256, EVP_sha256(), SIGN_PLAIN);
	expect_good_and_tampered(vp256, &sc, "P-256/SHA-256");
	expect(vp384, &sc, false, "bad signature", "P-256 cert, P-384 key");
	expect(vrsa, &sc, false, "ecdsa-with-SHA256 signature does not fit the issuer's RSA key",
	       "EC sig, RSA key");
	expect(ved, &sc, false, "ecdsa-with-SHA256 signature does not fit the issuer's Ed25519 key",
	       "EC sig, Ed25519 key");
	free(sc.der);

	make_signed(&sc, p256, p256, EVP_sha384(), SIGN_PLAIN);
	expect_good_and_tampered(vp256, &sc, "P-256/SHA-384");
	free(sc.der);
	make_signed(&sc, p256, p384, EVP_sha384(), SIGN_PLAIN);
	expect_good_and_tampered(vp384, &sc, "P-384/SHA-384");
	free(sc.der);
	make_signed(&sc, p256, p384, EVP_sha512(), SIGN_PLAIN);
	expect_good_and_tampered(vp384, &sc, "P-384/SHA-512");
	free(sc.der);
	make_signed(&sc, p256, p256, EVP_sha1(), SIGN_PLAIN);
	expect(vp256, &sc, false, "SHA-1 signature not accepted", "ecdsa-with-SHA1");
	free(sc.der);

	make_signed(&sc, p256, rsa, EVP_sha256(), SIGN_PLAIN);
	expect_good_and_tampered(vrsa, &sc, "RSA/SHA-256");
	expect(vp256, &sc, false,
	       "sha256WithRSAEncryption signature does not fit the issuer's EC key", "RSA sig, EC key");
	free(sc.der);
	make_signed(&sc, p256, rsa, EVP_sha384(), SIGN_PLAIN);
	expect_good_and_tampered(vrsa, &sc, "RSA/SHA-384");
	free(sc.der);
	make_signed(&sc, p256, rsa, EVP_sha512(), SIGN_PLAIN);
	expect_good_and_tampered(vrsa, &sc, "RSA/SHA-512");
	free(sc.der);
	make_signed(&sc, p256, rsa, EVP_sha1(), SIGN_PLAIN);
	expect(vrsa, &sc, false, "SHA-1 signature not accepted", "sha1WithRSAEncryption");
	free(sc.der);

	make_signed(&sc, p256, rsa, NULL, SIGN_PSS);
	CHECK(sc.f.sig_kind == X509_SIG_RSA_PSS);
	expect_good_and_tampered(vrsa, &sc, "RSA-PSS/SHA-256");
	expect(vp256, &sc, false, "RSASSA-PSS signature does not fit the issuer's EC key",
	       "PSS sig, EC key");
	free(sc.der);
	make_signed(&sc, p256, rsa, NULL, SIGN_PSS_SHA1);
	expect(vrsa, &sc, false, "SHA-1 signature not accepted", "RSA-PSS/SHA-1");
	free(sc.der);
	make_signed(&sc, p256, rsa, NULL, SIGN_PSS_MGF1_SHA1);
	expect(vrsa, &sc, false, "unsupported RSASSA-PSS mask generation function (MGF1-SHA1)",
	       "RSA-PSS/MGF1-SHA1");
	free(sc.der);

	make_signed(&sc, p256, ed, NULL, SIGN_PLAIN);
	CHECK(sc.f.sig_kind == X509_SIG_ED25519);
	expect_good_and_tampered(ved, &sc, "Ed25519");
	expect(vp256, &sc, false, "Ed25519 signature does not fit the issuer's EC key",
	       "Ed25519 sig, EC key");
	free(sc.der);

	/* An RSA-PSS key (restricted to PSS) signs with PSS parameters. */
	{
		EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
		EVP_PKEY *pss = NULL;
		struct ll_verifier *vpss;

		if (!kctx || EVP_PKEY_keygen_init(kctx) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_keygen_bits(kctx, 2048) <= 0 ||
		    EVP_PKEY_generate(kctx, &pss) <= 0)
			cg_die("RSA-PSS keygen");
		EVP_PKEY_CTX_free(kctx);
		vpss = verifier_for(pss);
		make_signed(&sc, p256, pss, EVP_sha256(), SIGN_PLAIN);
		CHECK(sc.f.sig_kind == X509_SIG_RSA_PSS);
		expect_good_and_tampered(vpss, &sc, "RSA-PSS key");
		free(sc.der);
		make_signed(&sc, p256, rsa, EVP_sha256(), SIGN_PLAIN);
		expect(vpss, &sc, false,
		       "sha256WithRSAEncryption signature does not fit the issuer's RSA-PSS key",
		       "PKCS#1 sig, RSA-PSS key");
		free(sc.der);
		ll_verifier_free(vpss);
		EVP_PKEY_free(pss);
	}

	ll_verifier_free(vp256);
	ll_verifier_free(vp384);
	ll_verifier_free(vrsa);
	ll_verifier_free(ved);
}

static void test_spki(EVP_PKEY *p256)
{
	struct signed_cert sc, ca;
	struct ll_verifier *v;
	struct ll_err err;
	EVP_PKEY *k;
	uint8_t bad[200];

	/* Self-signed CA: its own SPKI verifies it. */
	make_signed(&ca, p256, p256, NULL, SIGN_PLAIN);
	k = ll_pkey_from_spki(ca.f.spki.p, ca.f.spki.len, &err);
	CHECK_MSG(k != NULL, "%s", err.msg);
	if (k) {
		v = ll_verifier_new(k, &err);
		EVP_PKEY_free(k); /* the verifier holds its own reference */
		CHECK(v && ll_verifier_check(v, &ca.f, &err));
		ll_verifier_free(v);
	}
	make_signed(&sc, p256, p256, NULL, SIGN_PLAIN);
	memcpy(bad, ca.f.spki.p, ca.f.spki.len);
	bad[ca.f.spki.len] = 0;
	CHECK(ll_pkey_from_spki(bad, ca.f.spki.len + 1, &err) == NULL);
	CHECK(strcmp(err.msg, "trailing data after SubjectPublicKeyInfo") == 0);
	CHECK(ll_pkey_from_spki(bad, ca.f.spki.len - 1, &err) == NULL);
	CHECK(strncmp(err.msg, "bad SubjectPublicKeyInfo", 24) == 0);
	CHECK(ll_verifier_new(NULL, &err) == NULL);
	free(sc.der);
	free(ca.der);
}

/* ll_verifier_check_raw on a CRL: CertificateList ::= SEQUENCE {
 * tbsCertList, signatureAlgorithm, signatureValue }. */
static void test_raw_crl(EVP_PKEY *rsa)
{
	X509_CRL *crl = X509_CRL_new();
	X509_NAME *name = X509_NAME_new();
	ASN1_TIME *t = ASN1_TIME_new();
	struct ll_verifier *v = verifier_for(rsa);
	struct der d, in;
	struct der_tlv seq, tbs, alg, sig;
	struct ll_err err;
	uint8_t *der = NULL;
	int len;

	cg_set_name(name, "CA");
	if (!crl || !name || !t || !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, name) || !ASN1_TIME_set_string(t, "250101000000Z") ||
	    !X509_CRL_set1_lastUpdate(crl, t) || !X509_CRL_sign(crl, rsa, EVP_sha256()))
		cg_die("CRL");
	len = i2d_X509_CRL(crl, &der);
	d = der_init(der, (size_t)len);
	CHECK(der_expect(&d, DER_SEQUENCE, &seq));
	in = der_enter(&seq);
	CHECK(der_expect(&in, DER_SEQUENCE, &tbs) && der_expect(&in, DER_SEQUENCE, &alg) &&
	      der_expect(&in, DER_BITSTRING, &sig) && sig.len > 1);
	CHECK_MSG(ll_verifier_check_raw(v, tbs.start, tbs.total, alg.start, alg.total, sig.val + 1,
					sig.len - 1, &err),
		  "CRL: %s", err.msg);
	CHECK(!ll_verifier_check_raw(v, tbs.start, tbs.total - 1, alg.start, alg.total,
				     sig.val + 1, sig.len - 1, &err));
	CHECK(!ll_verifier_check_raw(v, tbs.start, tbs.total, tbs.start, tbs.total, sig.val + 1,
				     sig.len - 1, &err) &&
	      strcmp(err.msg, "unsupported signature algorithm") == 0);
	OPENSSL_free(der);
	ASN1_TIME_free(t);
	X509_NAME_free(name);
	X509_CRL_free(crl);
	ll_verifier_free(v);
}

/* CPU time, as openssl speed measures by default: the test machine is
 * shared, and wall time would mostly measure the neighbours. */
static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Verifies sc for ~secs with the verifier and with a fresh
 * EVP_DigestVerifyInit per call; prints both rates. */
static void bench(const char *name, EVP_PKEY *issuer, struct signed_cert *sc, double secs)
{
	struct ll_verifier *v = verifier_for(issuer);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	struct ll_err err;
	long n, ok = 0, ok2 = 0, ok3 = 0;
	double t0, r_cached, r_fresh, r_raw;

	t0 = now_sec();
	for (n = 0; now_sec() - t0 < secs; n++)
		ok += ll_verifier_check(v, &sc->f, &err);
	r_cached = (double)n / (now_sec() - t0);
	CHECK(ok == n);

	t0 = now_sec();
	for (n = 0; now_sec() - t0 < secs; n++) {
		/* What a naive caller writes: "SHA256" looked up each time. */
		ok2 += EVP_DigestVerifyInit_ex(m, NULL, "SHA256", NULL, NULL, issuer, NULL) == 1 &&
		       EVP_DigestVerify(m, sc->f.sig.p, sc->f.sig.len, sc->f.tbs.p,
					sc->f.tbs.len) == 1;
		EVP_MD_CTX_reset(m);
	}
	r_fresh = (double)n / (now_sec() - t0);
	CHECK(ok2 == n);
	/* The floor: EVP_PKEY_verify alone on a precomputed digest. */
	{
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, issuer, NULL);
		unsigned char md[32];
		unsigned int mdlen = 0;

		if (!pc || EVP_PKEY_verify_init(pc) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) <= 0 ||
		    (EVP_PKEY_is_a(issuer, "RSA") &&
		     EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) <= 0) ||
		    !EVP_Digest(sc->f.tbs.p, sc->f.tbs.len, md, &mdlen, EVP_sha256(), NULL))
			cg_die("raw verify set-up");
		t0 = now_sec();
		for (n = 0; now_sec() - t0 < secs; n++)
			ok3 += EVP_PKEY_verify(pc, sc->f.sig.p, sc->f.sig.len, md, mdlen) == 1;
		r_raw = (double)n / (now_sec() - t0);
		CHECK(ok3 == n);
		EVP_PKEY_CTX_free(pc);
	}
	printf("# verify %s: cached ctx %.0f/s, EVP_DigestVerifyInit per call %.0f/s (%.2fx); "
	       "bare EVP_PKEY_verify %.0f/s\n",
	       name, r_cached, r_fresh, r_cached / r_fresh, r_raw);
	EVP_MD_CTX_free(m);
	ll_verifier_free(v);
}

int main(void)
{
	EVP_PKEY *p256 = cg_key("P-256"), *p384 = cg_key("P-384"), *rsa = cg_key("RSA");
	EVP_PKEY *ed = cg_key("ED25519");
	struct signed_cert sc;

	test_algorithms(p256, p384, rsa, ed);
	test_spki(p256);
	test_raw_crl(rsa);

	make_signed(&sc, p256, p256, EVP_sha256(), SIGN_PLAIN);
	bench("P-256/SHA-256", p256, &sc, 1.0);
	free(sc.der);
	make_signed(&sc, p256, rsa, EVP_sha256(), SIGN_PLAIN);
	bench("RSA-2048/SHA-256", rsa, &sc, 1.0);
	free(sc.der);

	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	return tap_done();
}
