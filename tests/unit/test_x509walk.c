/* test_x509walk.c - x509_walk on certificates built in memory: field
 * extraction for every key type and extension lastleaf reads, the edge
 * encodings (serial forms, time forms), specific error messages for
 * malformed input, truncation at every length, single-byte corruption
 * (run under ASan to prove the walker never reads out of bounds), and a
 * rough walk rate. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "walk_certgen.h"
#include "x509walk.h"

/* A CA, its key, and a leaf key shared by the tests. */
struct fixture {
	EVP_PKEY *ca_key, *leaf_key;
	X509 *ca;
};

static bool walk(const uint8_t *der, size_t len, struct x509_fields *f, struct ll_err *err)
{
	err->msg[0] = '\0';
	return x509_walk(der, len, f, err);
}

/* Walks a signed X509; on failure records the reason. Returns the DER
 * (caller frees) so spans stay valid. */
static uint8_t *walk_x509(X509 *x, struct x509_fields *f, bool *ok)
{
	struct ll_err err;
	size_t len;
	uint8_t *der = cg_der(x, &len);

	*ok = walk(der, len, f, &err);
	CHECK_MSG(*ok, "walk failed: %s", err.msg);
	return der;
}

static bool span_eq(struct x509_span s, const void *p, size_t len)
{
	return s.len == len && (len == 0 || memcmp(s.p, p, len) == 0);
}

static bool span_str(struct x509_span s, const char *str)
{
	return span_eq(s, str, strlen(str));
}

static X509 *make_leaf(struct fixture *fx, EVP_PKEY *key)
{
	X509 *x = cg_new(key, "leaf.example", "Test CA");

	cg_ext_conf(x, fx->ca, NID_subject_key_identifier, "hash");
	cg_ext_conf(x, fx->ca, NID_authority_key_identifier, "keyid:always");
	cg_ext_conf(x, fx->ca, NID_basic_constraints, "critical,CA:FALSE");
	cg_ext_conf(x, fx->ca, NID_key_usage, "critical,digitalSignature");
	cg_ext_conf(x, fx->ca, NID_ext_key_usage, "serverAuth");
	cg_ext_conf(x, fx->ca, NID_crl_distribution_points, "URI:http://crl.example/ca.crl");
	cg_ext_conf(x, fx->ca, NID_subject_alt_name, "DNS:leaf.example");
	return x;
}

static void test_typical(struct fixture *fx)
{
	X509 *x = make_leaf(fx, fx->leaf_key);
	struct x509_fields f;
	uint8_t *der, *name = NULL, *spki = NULL;
	const ASN1_OCTET_STRING *ski;
	int n;
	bool ok;

	cg_sign(x, fx->ca_key, NULL);
	der = walk_x509(x, &f, &ok);
	if (ok) {
		CHECK(f.version == 3);
		CHECK(f.serial.len == 2 && f.serial.p[0] == 0x12 && f.serial.p[1] == 0x34);
		CHECK(f.sig_kind == X509_SIG_ECDSA_SHA256);
		CHECK(f.not_before == 1704067200 && f.not_after == 1893456000);
		n = i2d_X509_NAME(X509_get_issuer_name(x), &name);
		CHECK(span_eq(f.issuer, name, (size_t)n));
		OPENSSL_free(name);
		name = NULL;
		n = i2d_X509_NAME(X509_get_subject_name(x), &name);
		CHECK(span_eq(f.subject, name, (size_t)n));
		OPENSSL_free(name);
		n = i2d_PUBKEY(fx->leaf_key, &spki);
		CHECK(span_eq(f.spki, spki, (size_t)n));
		OPENSSL_free(spki);
		CHECK(f.pubkey.len == 65 && f.pubkey.p[0] == 0x04);
		ski = X509_get0_subject_key_id(x);
		CHECK(ski && span_eq(f.ski, ski->data, (size_t)ski->length));
		ski = X509_get0_subject_key_id(fx->ca);
		CHECK(ski && span_eq(f.aki, ski->data, (size_t)ski->length));
		CHECK(f.has_basic_constraints && !f.is_ca);
		CHECK(f.key_usage == X509_KU_DIGITAL_SIGNATURE);
		CHECK(span_str(f.cdp_uri, "http://crl.example/ca.crl") && f.cdp_uri_count == 1);
		CHECK(f.eku_present && !f.eku_ocsp_signing && !f.eku_any);
		CHECK(!f.ocsp_nocheck && !f.precert_poison && !f.has_sct);
		CHECK(f.cert.p == der && f.tbs.p == der + 4);
		CHECK(f.tbs_sigalg.len == f.sigalg.len);
		CHECK(f.sig.len > 8 && f.sig.p[0] == 0x30);
		CHECK(x509_der_span(der, f.cert.len + 10) == f.cert.len);
	}
	free(der);
	X509_free(x);
}

static void test_ca_and_v1(struct fixture *fx)
{
	struct x509_fields f;
	uint8_t *der;
	X509 *x;
	bool ok;

	der = walk_x509(fx->ca, &f, &ok);
	CHECK(ok && f.is_ca && f.has_basic_constraints);
	CHECK(ok && f.key_usage == (X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN));
	CHECK(ok && f.ski.len == 20 && f.aki.len == 0 && f.cdp_uri.p == NULL);
	CHECK(ok && !f.eku_present && f.cdp_uri_count == 0);
	free(der);

	x = cg_new(fx->leaf_key, "v1", "Test CA");
	X509_set_version(x, X509_VERSION_1);
	cg_sign(x, fx->ca_key, NULL);
	der = walk_x509(x, &f, &ok);
	CHECK(ok && f.version == 1 && f.key_usage == -1 && !f.has_basic_constraints);
	CHECK(ok && f.ski.len == 0 && f.ski.p == NULL);
	free(der);
	X509_free(x);

	/* Extensions need v3 (RFC 5280 4.1.2.9). */
	x = cg_new(fx->leaf_key, "v1ext", "Test CA");
	cg_ext_conf(x, NULL, NID_basic_constraints, "CA:FALSE");
	X509_set_version(x, X509_VERSION_1);
	cg_sign(x, fx->ca_key, NULL);
	{
		struct ll_err err;
		size_t len;

		der = cg_der(x, &len);
		CHECK(!walk(der, len, &f, &err));
		CHECK_MSG(strcmp(err.msg, "extensions in a v1 certificate") == 0, "%s", err.msg);
		free(der);
	}
	X509_free(x);
}

/* Serial content octets as encoded, for magnitude/sign inputs. */
static void test_serials(struct fixture *fx)
{
	static const struct {
		uint8_t mag[21];
		int len, neg;
		uint8_t want[21];
		size_t want_len;
	} cases[] = {
		{{0x80}, 1, 0, {0x00, 0x80}, 2},
		{{0x01}, 1, 0, {0x01}, 1},
		{{0x00}, 0, 0, {0x00}, 1}, /* zero */
		{{0x01}, 1, 1, {0xff}, 1},
		{{0x80}, 1, 1, {0x80}, 1},
		{{0x01, 0x00}, 2, 1, {0xff, 0x00}, 2},
		{{0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, 20, 0,
		 {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, 20},
		{{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, 20, 0,
		 {0x00, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, 21},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		X509 *x = cg_new(fx->leaf_key, "serial", "Test CA");
		struct x509_fields f;
		uint8_t *der;
		bool ok;

		cg_set_serial(x, cases[i].mag, cases[i].len, cases[i].neg);
		cg_sign(x, fx->ca_key, NULL);
		der = walk_x509(x, &f, &ok);
		CHECK_MSG(ok && span_eq(f.serial, cases[i].want, cases[i].want_len), "serial case %zu",
			  i);
		free(der);
		X509_free(x);
	}
}

static void test_times(struct fixture *fx)
{
	static const struct {
		const char *nb, *na;
		ll_time want_nb, want_na;
	} cases[] = {
		{"240101000000Z", "20500101000000Z", 1704067200, 2524608000},
		{"240101000000Z", "99991231235959Z", 1704067200, 253402300799},
		{"500101000000Z", "491231235959Z", -631152000, 2524607999},
		{"19700101000000Z", "20000229120000Z", 0, 951825600},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		X509 *x = cg_new(fx->leaf_key, "times", "Test CA");
		struct x509_fields f;
		uint8_t *der;
		bool ok;

		cg_set_times(x, cases[i].nb, cases[i].na);
		cg_sign(x, fx->ca_key, NULL);
		der = walk_x509(x, &f, &ok);
		CHECK_MSG(ok && f.not_before == cases[i].want_nb && f.not_after == cases[i].want_na,
			  "time case %zu: %lld %lld", i, (long long)f.not_before,
			  (long long)f.not_after);
		free(der);
		X509_free(x);
	}
}

static void test_algorithms(struct fixture *fx)
{
	EVP_PKEY *rsa = cg_key("RSA"), *p384 = cg_key("P-384"), *ed = cg_key("ED25519");
	static const struct {
		int issuer; /* 0 rsa, 1 p384, 2 ed25519, 3 p256 CA */
		const char *md;
		bool pss;
		enum x509_sigalg want;
	} cases[] = {
		{0, "SHA256", false, X509_SIG_RSA_SHA256},
		{0, "SHA384", false, X509_SIG_RSA_SHA384},
		{0, "SHA512", false, X509_SIG_RSA_SHA512},
		{0, "SHA1", false, X509_SIG_RSA_SHA1},
		{0, NULL, true, X509_SIG_RSA_PSS},
		{1, "SHA384", false, X509_SIG_ECDSA_SHA384},
		{1, "SHA512", false, X509_SIG_ECDSA_SHA512},
		{3, "SHA1", false, X509_SIG_ECDSA_SHA1},
		{2, NULL, false, X509_SIG_ED25519},
	};
	EVP_PKEY *keys[4] = {rsa, p384, ed, fx->ca_key};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The subject key varies too, to cover RSA/Ed25519 SPKIs. */
		X509 *x = cg_new(keys[(i + 1) % 4], "alg", "Test CA");
		struct x509_fields f;
		uint8_t *der;
		bool ok;

		if (cases[i].pss)
			cg_sign_pss(x, keys[cases[i].issuer]);
		else
			cg_sign(x, keys[cases[i].issuer],
				cases[i].md ? EVP_get_digestbyname(cases[i].md) : NULL);
		der = walk_x509(x, &f, &ok);
		CHECK_MSG(ok && f.sig_kind == cases[i].want, "alg case %zu: kind %d", i, f.sig_kind);
		CHECK(ok && x509_sigalg_kind(f.tbs_sigalg.p, f.tbs_sigalg.len) == cases[i].want);
		free(der);
		X509_free(x);
	}

	/* Raw AlgorithmIdentifiers: parameter rules. */
	{
		static const uint8_t ecdsa_null[] = {0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
						     0x3d, 0x04, 0x03, 0x02, 0x05, 0x00};
		static const uint8_t ecdsa[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
						0xce, 0x3d, 0x04, 0x03, 0x02};
		static const uint8_t rsa_null[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
						   0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
		static const uint8_t rsa_absent[] = {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
						     0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
		static const uint8_t rsa_int[] = {0x30, 0x0e, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
						  0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x02, 0x01, 0x00};
		static const uint8_t pss_noparams[] = {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
						       0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
		static const uint8_t ed_abs[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
		static const uint8_t ed_null[] = {0x30, 0x07, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x05, 0x00};
		static const uint8_t trailing[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x00};
		static const uint8_t ed448[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71};

		CHECK(x509_sigalg_kind(ecdsa, sizeof(ecdsa)) == X509_SIG_ECDSA_SHA256);
		CHECK(x509_sigalg_kind(ecdsa_null, sizeof(ecdsa_null)) == X509_SIG_UNKNOWN);
		CHECK(x509_sigalg_kind(rsa_null, sizeof(rsa_null)) == X509_SIG_RSA_SHA256);
		CHECK(x509_sigalg_kind(rsa_absent, sizeof(rsa_absent)) == X509_SIG_RSA_SHA256);
		CHECK(x509_sigalg_kind(rsa_int, sizeof(rsa_int)) == X509_SIG_UNKNOWN);
		CHECK(x509_sigalg_kind(pss_noparams, sizeof(pss_noparams)) == X509_SIG_UNKNOWN);
		CHECK(x509_sigalg_kind(ed_abs, sizeof(ed_abs)) == X509_SIG_ED25519);
		CHECK(x509_sigalg_kind(ed_null, sizeof(ed_null)) == X509_SIG_UNKNOWN);
		CHECK(x509_sigalg_kind(trailing, sizeof(trailing)) == X509_SIG_UNKNOWN);
		CHECK(x509_sigalg_kind(ed448, sizeof(ed448)) == X509_SIG_UNKNOWN);
		CHECK(x509_sigalg_kind(ed_abs, 0) == X509_SIG_UNKNOWN);
	}
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
}

static void test_extensions(struct fixture *fx)
{
	static const uint8_t null_val[] = {0x05, 0x00};
	/* CDP: DP1 { fullName { dNS "a", URI "http://one", URI "http://two" } },
	 * DP2 { fullName { URI "http://three" }, reasons }, DP3 { cRLIssuer } */
	static const uint8_t cdp[] = {
		0x30, 0x3f,
		0x30, 0x1f, 0xa0, 0x1d, 0xa0, 0x1b, 0x82, 0x01, 'a',
		0x86, 0x0a, 'h', 't', 't', 'p', ':', '/', '/', 'o', 'n', 'e',
		0x86, 0x0a, 'h', 't', 't', 'p', ':', '/', '/', 't', 'w', 'o',
		0x30, 0x14, 0xa0, 0x0e, 0xa0, 0x0c,
		0x86, 0x0a, 'h', 't', 't', 'p', ':', '/', '/', 't', 'h', 'r',
		0x81, 0x02, 0x05, 0xa0,
		0x30, 0x06, 0xa2, 0x04, 0x82, 0x02, 'c', 'i',
	};
	/* keyUsage with decipherOnly (bit 8) and keyCertSign: 03 03 07 04 80 */
	static const uint8_t ku9[] = {0x03, 0x03, 0x07, 0x04, 0x80};
	static const uint64_t ts[2] = {1700000123456ULL, 1690000000999ULL};
	uint8_t sct[256];
	int sct_len = cg_sct_list(ts, 2, sct);
	struct x509_fields f;
	uint8_t *der;
	X509 *x;
	bool ok;

	x = cg_new(fx->leaf_key, "responder", "Test CA");
	cg_ext_conf(x, fx->ca, NID_ext_key_usage, "critical,OCSPSigning,anyExtendedKeyUsage");
	cg_ext_raw(x, "1.3.6.1.5.5.7.48.1.5", 0, null_val, sizeof(null_val));
	cg_ext_raw(x, "2.5.29.31", 0, cdp, sizeof(cdp));
	cg_ext_raw(x, "2.5.29.15", 1, ku9, sizeof(ku9));
	cg_sign(x, fx->ca_key, NULL);
	der = walk_x509(x, &f, &ok);
	CHECK(ok && f.eku_present && f.eku_ocsp_signing && f.eku_any);
	CHECK(ok && f.ocsp_nocheck && span_eq(f.ocsp_nocheck_value, null_val, 2));
	CHECK(ok && span_str(f.cdp_uri, "http://one") && f.cdp_uri_count == 3);
	CHECK(ok && f.key_usage == (X509_KU_KEY_CERT_SIGN | (1 << 8)));
	CHECK(ok && !f.has_basic_constraints && f.ski.p == NULL && f.aki.p == NULL);
	free(der);
	X509_free(x);

	x = cg_new(fx->leaf_key, "precert", "Test CA");
	cg_ext_raw(x, "1.3.6.1.4.1.11129.2.4.3", 1, null_val, sizeof(null_val));
	cg_sign(x, fx->ca_key, NULL);
	der = walk_x509(x, &f, &ok);
	CHECK(ok && f.precert_poison && !f.has_sct);
	free(der);
	X509_free(x);

	x = cg_new(fx->leaf_key, "sct", "Test CA");
	cg_ext_raw(x, "1.3.6.1.4.1.11129.2.4.2", 0, sct, sct_len);
	cg_sign(x, fx->ca_key, NULL);
	der = walk_x509(x, &f, &ok);
	CHECK(ok && f.has_sct && f.sct_earliest == 1690000000);
	free(der);
	X509_free(x);

	/* Malformed SCT lists: the walk succeeds, has_sct is false. */
	{
		/* Offsets into cg_sct_list's output: 04 LL | list length (2,3) |
		 * SCT1 length (4,5) | SCT1 at 6: ext length (47,48), signature
		 * length (51,52) | SCT2 length (61,62). 1 breaks the DER. */
		static const int mutate[] = {1, 2, 3, 4, 5, 47, 48, 51, 52, 61, 62};
		size_t m;

		for (m = 0; m < sizeof(mutate) / sizeof(mutate[0]); m++) {
			uint8_t bad[256];

			memcpy(bad, sct, (size_t)sct_len);
			bad[mutate[m]] ^= 0x40;
			x = cg_new(fx->leaf_key, "badsct", "Test CA");
			cg_ext_raw(x, "1.3.6.1.4.1.11129.2.4.2", 0, bad, sct_len);
			cg_sign(x, fx->ca_key, NULL);
			der = walk_x509(x, &f, &ok);
			CHECK_MSG(ok && !f.has_sct, "bad SCT case %zu", m);
			free(der);
			X509_free(x);
		}
		/* An SCT of an unknown version is skipped, not an error. */
		for (m = 0; m < 2; m++) {
			uint8_t odd[256];

			memcpy(odd, sct, (size_t)sct_len);
			odd[m ? 63 : 6] = 1;
			x = cg_new(fx->leaf_key, "v2sct", "Test CA");
			cg_ext_raw(x, "1.3.6.1.4.1.11129.2.4.2", 0, odd, sct_len);
			cg_sign(x, fx->ca_key, NULL);
			der = walk_x509(x, &f, &ok);
			CHECK(ok && f.has_sct &&
			      f.sct_earliest == (m ? 1700000123 : 1690000000));
			free(der);
			X509_free(x);
		}
		/* Not wrapped in the inner OCTET STRING. */
		x = cg_new(fx->leaf_key, "badsct", "Test CA");
		cg_ext_raw(x, "1.3.6.1.4.1.11129.2.4.2", 0, sct + 2, sct_len - 2);
		cg_sign(x, fx->ca_key, NULL);
		der = walk_x509(x, &f, &ok);
		CHECK(ok && !f.has_sct);
		free(der);
		X509_free(x);
	}

	/* Duplicates fail; so does a malformed known extension. */
	{
		static const uint8_t ski[] = {0x04, 0x02, 0x01, 0x02};
		static const uint8_t bad_bc[] = {0x30, 0x03, 0x01, 0x02, 0xff};
		struct ll_err err;
		size_t len;

		x = cg_new(fx->leaf_key, "dup", "Test CA");
		cg_ext_raw(x, "2.5.29.14", 0, ski, sizeof(ski));
		cg_ext_raw(x, "2.5.29.14", 0, ski, sizeof(ski));
		cg_sign(x, fx->ca_key, NULL);
		der = cg_der(x, &len);
		CHECK(!walk(der, len, &f, &err));
		CHECK_MSG(strcmp(err.msg, "duplicate extension 2.5.29.14") == 0, "%s", err.msg);
		free(der);
		X509_free(x);

		x = cg_new(fx->leaf_key, "dup", "Test CA");
		cg_ext_raw(x, "1.2.3.4.5", 0, ski, sizeof(ski));
		cg_ext_raw(x, "1.3.6.1.4.1.11129.2.4.2", 0, sct, sct_len);
		cg_ext_raw(x, "1.2.3.4.5", 1, ski, sizeof(ski));
		cg_sign(x, fx->ca_key, NULL);
		der = cg_der(x, &len);
		CHECK(!walk(der, len, &f, &err));
		CHECK_MSG(strcmp(err.msg, "duplicate extension 1.2.3.4.5") == 0, "%s", err.msg);
		free(der);
		X509_free(x);

		x = cg_new(fx->leaf_key, "badbc", "Test CA");
		cg_ext_raw(x, "2.5.29.19", 1, bad_bc, sizeof(bad_bc));
		cg_sign(x, fx->ca_key, NULL);
		der = cg_der(x, &len);
		CHECK(!walk(der, len, &f, &err));
		CHECK_MSG(strcmp(err.msg, "bad basicConstraints extension") == 0, "%s", err.msg);
		free(der);
		X509_free(x);
	}
}

/* Walks a copy of der in an exact-size buffer; expects error `want`. */
static void expect_error(const uint8_t *der, size_t len, const char *want, const char *what)
{
	struct x509_fields f;
	struct ll_err err;
	uint8_t *copy = malloc(len ? len : 1);
	bool ok;

	memcpy(copy, der, len);
	ok = walk(copy, len, &f, &err);
	CHECK_MSG(!ok && strcmp(err.msg, want) == 0, "%s: got %s \"%s\", want \"%s\"", what,
		  ok ? "success" : "error", err.msg, want);
	free(copy);
}

static void test_errors(struct fixture *fx)
{
	X509 *x = make_leaf(fx, fx->leaf_key);
	struct x509_fields f, f0; /* f0: the intact certificate */
	struct ll_err err;
	uint8_t *der, *buf, *p;
	size_t len, i;
	int ok_count = 0;

	cg_sign(x, fx->ca_key, NULL);
	der = cg_der(x, &len);
	CHECK(walk(der, len, &f0, &err));
	buf = malloc(len + 8);

	expect_error(der, 0, "missing certificate", "empty");
	memcpy(buf, der, len);
	buf[len] = 0x00;
	expect_error(buf, len + 1, "trailing data after certificate", "trailing");
	expect_error(der, len - 1, "truncated certificate", "short by one");

	/* Every prefix fails, and never reads past its end (ASan). */
	for (i = 0; i < len; i++) {
		uint8_t *c = malloc(i ? i : 1);

		memcpy(c, der, i);
		CHECK_MSG(!walk(c, i, &f, &err), "prefix %zu accepted", i);
		free(c);
	}

	/* A lying TBS length inside a correct outer length. */
	memcpy(buf, der, len);
	buf[6] = (uint8_t)(buf[6] + 1); /* 30 82 LL LL 30 82 LL [LL] */
	expect_error(buf, len, "truncated TBSCertificate", "tbs length");

	/* Non-minimal outer length: 30 82 xx xx -> 30 83 00 xx xx */
	buf[0] = 0x30;
	buf[1] = 0x83;
	buf[2] = 0x00;
	memcpy(buf + 3, der + 2, len - 2);
	expect_error(buf, len + 1, "bad certificate (bad length encoding)", "non-minimal");
	buf[1] = 0x80; /* indefinite */
	expect_error(buf, len + 1, "bad certificate (bad length encoding)", "indefinite");

	/* notAfter text corrupted */
	memcpy(buf, der, len);
	p = memmem(buf, len, "300101000000Z", 13);
	CHECK(p != NULL);
	if (p) {
		p[2] = '1'; /* month 13 */
		p[3] = '3';
		expect_error(buf, len, "bad notAfter time", "notAfter month");
	}
	memcpy(buf, der, len);
	p = memmem(buf, len, "240101000000Z", 13);
	if (p) {
		p[12] = '+';
		expect_error(buf, len, "bad notBefore time", "notBefore zone");
		p[12] = 'Z';
		p[-2] = 0x04; /* OCTET STRING instead of UTCTime */
		expect_error(buf, len, "bad notBefore time (tag 0x04)", "notBefore tag");
	}

	/* Unused bits in the public key. */
	memcpy(buf, der, len);
	buf[f0.pubkey.p - der - 1] = 0x01;
	expect_error(buf, len, "bad subjectPublicKey (unused bits)", "spki unused bits");

	/* Outer algorithm no longer equals the signed one. */
	memcpy(buf, der, len);
	buf[f0.sigalg.p - der + f0.sigalg.len - 1] ^= 0x01;
	expect_error(buf, len, "signatureAlgorithm differs from the TBSCertificate signature",
		     "sigalg mismatch");

	/* Version 4 does not exist. */
	memcpy(buf, der, len);
	CHECK(buf[8] == 0xa0 && buf[10] == 0x02 && buf[12] == 0x02);
	buf[12] = 0x03;
	expect_error(buf, len, "bad version", "version");

	/* Serial tag replaced by a high-tag-number form. */
	memcpy(buf, der, len);
	buf[13] = 0x1f;
	expect_error(buf, len, "bad serial (high-tag-number form not allowed)", "high tag");

	/* Issuer must be a SEQUENCE. */
	memcpy(buf, der, len);
	buf[f0.issuer.p - der] = 0x31; /* SET */
	expect_error(buf, len, "bad issuer (tag 0x31, expected 0x30)", "issuer tag");

	/* Every single-byte corruption: no crash, no overread; count how
	 * many still walk (bytes inside names, keys and signatures). */
	for (i = 0; i < len; i++) {
		static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x20};
		size_t m;

		for (m = 0; m < sizeof(masks); m++) {
			uint8_t *c = malloc(len);

			memcpy(c, der, len);
			c[i] ^= masks[m];
			ok_count += walk(c, len, &f, &err);
			free(c);
		}
	}
	printf("# %d of %zu single-byte corruptions still walk\n", ok_count, len * 4);

	free(buf);
	free(der);
	X509_free(x);
}

static void test_span(struct fixture *fx)
{
	uint8_t *a, *two;
	size_t alen;
	static const uint8_t notseq[] = {0x31, 0x00};

	a = cg_der(fx->ca, &alen);
	two = malloc(alen * 2);
	memcpy(two, a, alen);
	memcpy(two + alen, a, alen);
	CHECK(x509_der_span(two, alen * 2) == alen);
	CHECK(x509_der_span(two + alen, alen) == alen);
	CHECK(x509_der_span(two, alen - 1) == 0);
	CHECK(x509_der_span(notseq, sizeof(notseq)) == 0);
	CHECK(x509_der_span(notseq, 0) == 0);
	free(two);
	free(a);
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_walk(struct fixture *fx)
{
	X509 *x = make_leaf(fx, fx->leaf_key);
	struct x509_fields f;
	struct ll_err err;
	size_t len, i, n = 2000000, ok = 0;
	uint8_t *der;
	double t0, dt;

	cg_sign(x, fx->ca_key, NULL);
	der = cg_der(x, &len);
	t0 = now_sec();
	for (i = 0; i < n; i++)
		ok += x509_walk(der, len, &f, &err);
	dt = now_sec() - t0;
	CHECK(ok == n);
	printf("# x509_walk: %zu-byte certificate, %.0f certs/s (%.0f ns each)\n", len,
	       (double)n / dt, dt / (double)n * 1e9);
	free(der);
	X509_free(x);
}

int main(void)
{
	struct fixture fx;

	fx.ca_key = cg_key("P-256");
	fx.leaf_key = cg_key("P-256");
	fx.ca = cg_new(fx.ca_key, "Test CA", "Test CA");
	cg_ext_conf(fx.ca, NULL, NID_basic_constraints, "critical,CA:TRUE");
	cg_ext_conf(fx.ca, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
	cg_ext_conf(fx.ca, NULL, NID_subject_key_identifier, "hash");
	cg_sign(fx.ca, fx.ca_key, NULL);

	test_typical(&fx);
	test_ca_and_v1(&fx);
	test_serials(&fx);
	test_times(&fx);
	test_algorithms(&fx);
	test_extensions(&fx);
	test_errors(&fx);
	test_span(&fx);
	bench_walk(&fx);

	X509_free(fx.ca);
	EVP_PKEY_free(fx.ca_key);
	EVP_PKEY_free(fx.leaf_key);
	return tap_done();
}
