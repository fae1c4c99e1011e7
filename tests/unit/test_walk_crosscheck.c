/* test_walk_crosscheck.c - every certificate we can find, walked with
 * x509_walk and parsed with d2i_X509, field by field: the external OCSP
 * test corpora (PEM certificates and those embedded in OCSP responses),
 * the system CA bundle, and generated edge cases (odd serials, time
 * forms, every key type, the extensions lastleaf reads). The PEM blocks
 * are decoded with pem_next and checked against PEM_read_bio_X509 too;
 * self-signed certificates are verified with ll_verifier and X509_verify. */
#include <dirent.h>
#include <openssl/ct.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "pem.h"
#include "tap.h"
#include "verify.h"
#include "walk_certgen.h"
#include "x509walk.h"

struct stats {
	int certs, self_signed, verified, weak_skipped, sct, sct_compared, cdp;
};

static bool span_eq(struct x509_span s, const void *p, size_t len)
{
	return s.len == len && (len == 0 || memcmp(s.p, p, len) == 0);
}

/* Compares an i2d_* result (n bytes at *b) with a span and frees it.
 * Takes b by reference so the call can be written in one expression:
 * enc_eq(i2d_X(obj, &b), &b, span) reads *b only after i2d has run. */
static bool enc_eq(int n, unsigned char **b, struct x509_span s)
{
	bool eq = n > 0 && span_eq(s, *b, (size_t)n);

	OPENSSL_free(*b);
	*b = NULL;
	return eq;
}

static ll_time tm_to_time(const struct tm *tm)
{
	return ll_days_from_civil(tm->tm_year + 1900, (unsigned)tm->tm_mon + 1,
				  (unsigned)tm->tm_mday) * 86400 +
	       tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

/* The walker keeps INTEGER content octets (two's complement); OpenSSL
 * keeps a sign and a minimal magnitude. Compares the two. */
static bool serial_matches(struct x509_span s, const ASN1_INTEGER *ai)
{
	uint8_t mag[64];
	size_t i, n = s.len, off = 0;
	bool neg = s.len && (s.p[0] & 0x80);

	if (n == 0 || n > sizeof(mag))
		return false;
	if (neg) {
		/* magnitude = ~content + 1 */
		unsigned carry = 1;

		for (i = n; i-- > 0;) {
			unsigned v = (unsigned)(uint8_t)~s.p[i] + carry;

			mag[i] = (uint8_t)v;
			carry = v >> 8;
		}
	} else {
		memcpy(mag, s.p, n);
	}
	while (off + 1 < n && mag[off] == 0)
		off++;
	if (!neg && n == 1 && mag[0] == 0)
		return ASN1_STRING_length(ai) <= 1 && ASN1_STRING_type(ai) == V_ASN1_INTEGER;
	return (ASN1_STRING_type(ai) == V_ASN1_NEG_INTEGER) == neg &&
	       (size_t)ASN1_STRING_length(ai) == n - off &&
	       memcmp(ASN1_STRING_get0_data(ai), mag + off, n - off) == 0;
}

static enum x509_sigalg kind_from_nid(int nid)
{
	switch (nid) {
	case NID_ecdsa_with_SHA256: return X509_SIG_ECDSA_SHA256;
	case NID_ecdsa_with_SHA384: return X509_SIG_ECDSA_SHA384;
	case NID_ecdsa_with_SHA512: return X509_SIG_ECDSA_SHA512;
	case NID_sha256WithRSAEncryption: return X509_SIG_RSA_SHA256;
	case NID_sha384WithRSAEncryption: return X509_SIG_RSA_SHA384;
	case NID_sha512WithRSAEncryption: return X509_SIG_RSA_SHA512;
	case NID_rsassaPss: return X509_SIG_RSA_PSS;
	case NID_ED25519: return X509_SIG_ED25519;
	case NID_sha1WithRSAEncryption: return X509_SIG_RSA_SHA1;
	case NID_ecdsa_with_SHA1: return X509_SIG_ECDSA_SHA1;
	default: return X509_SIG_UNKNOWN;
	}
}

/* RFC 5280 bit n -> OpenSSL's KU_* layout (data[0] | data[1] << 8). */
static uint32_t ku_to_openssl(int ku)
{
	uint32_t r = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (ku & (1 << i))
			r |= 0x80u >> i;
	if (ku & (1 << 8))
		r |= 0x8000;
	return r;
}

static void check_cdp(X509 *x, const struct x509_fields *f, const char *where, struct stats *st)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	const ASN1_IA5STRING *first = NULL;
	int i, j, count = 0;

	for (i = 0; dps && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (!dp->distpoint || dp->distpoint->type != 0)
			continue;
		for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++) {
			GENERAL_NAME *gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);

			if (gn->type != GEN_URI)
				continue;
			if (i == 0 && !first)
				first = gn->d.uniformResourceIdentifier;
			count++;
		}
	}
	CHECK_MSG(count == f->cdp_uri_count, "%s: CDP URI count %d vs %d", where, f->cdp_uri_count,
		  count);
	CHECK_MSG(first ? span_eq(f->cdp_uri, ASN1_STRING_get0_data(first),
				  (size_t)ASN1_STRING_length(first))
			: f->cdp_uri.p == NULL,
		  "%s: first CDP URI", where);
	st->cdp += count > 0;
	CRL_DIST_POINTS_free(dps);
}

static void check_sct(X509 *x, const struct x509_fields *f, const char *where, struct stats *st)
{
	STACK_OF(SCT) *scts = X509_get_ext_d2i(x, NID_ct_precert_scts, NULL, NULL);
	bool any = false;
	ll_time earliest = 0;
	int i;

	ERR_clear_error();
	for (i = 0; scts && i < sk_SCT_num(scts); i++) {
		SCT *s = sk_SCT_value(scts, i);

		if (SCT_get_version(s) != SCT_VERSION_V1)
			continue;
		if (!any || (ll_time)(SCT_get_timestamp(s) / 1000) < earliest)
			earliest = (ll_time)(SCT_get_timestamp(s) / 1000);
		any = true;
	}
	/* OpenSSL also insists on known signature algorithms, so only a
	 * list both sides parsed can be compared. */
	if (scts && f->has_sct) {
		CHECK_MSG(any && earliest == f->sct_earliest, "%s: SCT earliest %lld vs %lld", where,
			  (long long)f->sct_earliest, (long long)earliest);
		st->sct_compared++;
	} else if (scts) {
		CHECK_MSG(!any, "%s: OpenSSL found SCTs the walker did not", where);
	}
	st->sct += f->has_sct;
	SCT_LIST_free(scts);
}

/* Self-signed: the walker's SPKI and ll_verifier against X509_verify. */
static void check_self_signed(X509 *x, const struct x509_fields *f, const char *where,
			      struct stats *st)
{
	struct ll_verifier *v;
	struct ll_err err;
	EVP_PKEY *k;
	bool ours;
	int theirs;

	if (!span_eq(f->issuer, f->subject.p, f->subject.len))
		return;
	st->self_signed++;
	/* Refused by policy (SHA-1, and MD5 which the walker leaves
	 * UNKNOWN), so X509_verify has nothing to be compared with. */
	if (f->sig_kind == X509_SIG_RSA_SHA1 || f->sig_kind == X509_SIG_ECDSA_SHA1 ||
	    f->sig_kind == X509_SIG_UNKNOWN) {
		st->weak_skipped++;
		return;
	}
	k = ll_pkey_from_spki(f->spki.p, f->spki.len, &err);
	if (!k) {
		CHECK_MSG(0, "%s: %s", where, err.msg);
		return;
	}
	v = ll_verifier_new(k, &err);
	EVP_PKEY_free(k);
	if (!v) {
		CHECK_MSG(0, "%s: %s", where, err.msg);
		return;
	}
	ours = ll_verifier_check(v, f, &err);
	theirs = X509_verify(x, X509_get0_pubkey(x));
	ERR_clear_error();
	/* A self-issued CA may be signed by a different key of the same
	 * name; then both must say no. */
	CHECK_MSG(ours == (theirs == 1), "%s: ll_verifier %s (%s), X509_verify %d", where,
		  ours ? "ok" : "fails", ours ? "" : err.msg, theirs);
	st->verified += ours;
	ll_verifier_free(v);
}

static void crosscheck(const uint8_t *der, size_t len, const char *where, struct stats *st)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	struct x509_fields f;
	struct ll_err err = {""};
	bool ok = x509_walk(der, len, &f, &err);
	struct tm tm;
	const ASN1_OCTET_STRING *os;
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	unsigned char *b = NULL;
	uint32_t flags;

	CHECK_MSG(x != NULL && p == der + len, "%s: d2i_X509 failed", where);
	CHECK_MSG(ok, "%s: x509_walk: %s", where, err.msg);
	if (!x || !ok)
		goto out;
	st->certs++;
	CHECK_MSG(f.version == X509_get_version(x) + 1, "%s: version", where);
	CHECK_MSG(serial_matches(f.serial, X509_get0_serialNumber(x)), "%s: serial", where);
	/* Serials are at most 64 octets, so the header is 02 LL. */
	CHECK_MSG(enc_eq(i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &b), &b,
			 (struct x509_span){f.serial.p - 2, f.serial.len + 2}),
		  "%s: serial re-encoding", where);
	CHECK_MSG(enc_eq(i2d_X509_NAME(X509_get_issuer_name(x), &b), &b, f.issuer),
		  "%s: issuer", where);
	CHECK_MSG(enc_eq(i2d_X509_NAME(X509_get_subject_name(x), &b), &b, f.subject),
		  "%s: subject", where);
	CHECK_MSG(enc_eq(i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &b), &b, f.spki), "%s: spki",
		  where);
	CHECK_MSG(enc_eq(i2d_X509_ALGOR(X509_get0_tbs_sigalg(x), &b), &b, f.tbs_sigalg),
		  "%s: tbs sigalg", where);
	X509_get0_signature(&sig, &alg, x);
	CHECK_MSG(enc_eq(i2d_X509_ALGOR(alg, &b), &b, f.sigalg), "%s: sigalg", where);
	CHECK_MSG(span_eq(f.sig, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig)),
		  "%s: signature", where);
	CHECK_MSG(enc_eq(i2d_re_X509_tbs(x, &b), &b, f.tbs), "%s: tbs", where);
	{
		enum x509_sigalg k = kind_from_nid(X509_get_signature_nid(x));

		/* The walker also checks parameters, so it may say UNKNOWN
		 * where OpenSSL names an algorithm, never the reverse. */
		CHECK_MSG(f.sig_kind == k || f.sig_kind == X509_SIG_UNKNOWN,
			  "%s: sig kind %d vs %d", where, f.sig_kind, k);
		CHECK_MSG(k != X509_SIG_UNKNOWN || f.sig_kind == X509_SIG_UNKNOWN,
			  "%s: sig kind %d for OpenSSL NID %d", where, f.sig_kind,
			  X509_get_signature_nid(x));
	}
	CHECK_MSG(ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) && tm_to_time(&tm) == f.not_before,
		  "%s: notBefore", where);
	CHECK_MSG(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) && tm_to_time(&tm) == f.not_after,
		  "%s: notAfter", where);
	{
		const ASN1_BIT_STRING *pk = X509_get0_pubkey_bitstr(x);

		CHECK_MSG(pk && span_eq(f.pubkey, ASN1_STRING_get0_data(pk),
					(size_t)ASN1_STRING_length(pk)),
			  "%s: public key bits", where);
	}

	/* Extensions (X509_get_extension_flags caches them all). */
	flags = X509_get_extension_flags(x);
	CHECK_MSG(!(flags & EXFLAG_INVALID), "%s: OpenSSL finds extensions invalid", where);
	os = X509_get0_subject_key_id(x);
	CHECK_MSG(os ? span_eq(f.ski, os->data, (size_t)os->length) : f.ski.p == NULL, "%s: SKI",
		  where);
	os = X509_get0_authority_key_id(x);
	CHECK_MSG(os ? span_eq(f.aki, os->data, (size_t)os->length) : f.aki.p == NULL, "%s: AKI",
		  where);
	CHECK_MSG(!!(flags & EXFLAG_BCONS) == f.has_basic_constraints, "%s: basicConstraints",
		  where);
	CHECK_MSG(!!(flags & EXFLAG_CA) == f.is_ca, "%s: cA", where);
	CHECK_MSG(!!(flags & EXFLAG_KUSAGE) == (f.key_usage >= 0), "%s: keyUsage presence", where);
	if (f.key_usage >= 0)
		CHECK_MSG(X509_get_key_usage(x) == ku_to_openssl(f.key_usage),
			  "%s: keyUsage %#x vs %#x", where, ku_to_openssl(f.key_usage),
			  X509_get_key_usage(x));
	CHECK_MSG(!!(flags & EXFLAG_XKUSAGE) == f.eku_present, "%s: EKU presence", where);
	if (f.eku_present) {
		uint32_t xku = X509_get_extended_key_usage(x);

		CHECK_MSG(!!(xku & XKU_OCSP_SIGN) == f.eku_ocsp_signing, "%s: EKU OCSPSigning",
			  where);
		CHECK_MSG(!!(xku & XKU_ANYEKU) == f.eku_any, "%s: anyExtendedKeyUsage", where);
	}
	CHECK_MSG((X509_get_ext_by_NID(x, NID_id_pkix_OCSP_noCheck, -1) >= 0) == f.ocsp_nocheck,
		  "%s: ocsp-nocheck", where);
	CHECK_MSG((X509_get_ext_by_NID(x, NID_ct_precert_poison, -1) >= 0) == f.precert_poison,
		  "%s: CT poison", where);
	check_cdp(x, &f, where, st);
	check_sct(x, &f, where, st);
	check_self_signed(x, &f, where, st);
out:
	ERR_clear_error();
	X509_free(x);
}

/* All CERTIFICATE blocks of a PEM file, checked against OpenSSL's own
 * PEM reader too. */
static void crosscheck_pem_file(const char *path, struct stats *st)
{
	struct ll_buf file, der;
	struct pem_iter it;
	struct ll_err err;
	const char *label;
	enum pem_result r;
	int line, n = 0;
	BIO *bio;
	char where[600];

	ll_buf_init(&file, 0);
	ll_buf_init(&der, 0);
	if (!ll_buf_read_file(&file, path, &err)) {
		CHECK_MSG(0, "%s", err.msg);
		return;
	}
	bio = BIO_new_mem_buf(file.data, (int)file.len);
	pem_iter_init(&it, file.data, file.len);
	while ((r = pem_next(&it, &label, &der, &line, &err)) != PEM_END) {
		X509 *x;
		unsigned char *ref = NULL;
		int reflen;

		CHECK_MSG(r == PEM_OK, "%s: %s", path, err.msg);
		if (r != PEM_OK || strcmp(label, "CERTIFICATE") != 0)
			continue;
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		reflen = x ? i2d_X509(x, &ref) : -1;
		CHECK_MSG(reflen > 0 && (size_t)reflen == der.len && memcmp(ref, der.data, der.len) == 0,
			  "%s:%d: pem_next and PEM_read_bio_X509 disagree", path, line);
		OPENSSL_free(ref);
		X509_free(x);
		snprintf(where, sizeof(where), "%s:%d", path, line);
		crosscheck(der.data, der.len, where, st);
		n++;
	}
	CHECK_MSG(n > 0, "%s: no certificates", path);
	BIO_free(bio);
	ll_buf_free(&der);
	ll_buf_free(&file);
}

/* DER certificates, or the certificates inside an OCSP response (DER,
 * or base64 as in OpenSSL's *.ors test files). */
static void crosscheck_other_file(const char *path, bool base64, struct stats *st)
{
	struct ll_buf file;
	struct ll_err err;
	const unsigned char *p;
	uint8_t *bin = NULL;
	size_t len;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *basic = NULL;
	X509 *x;
	char where[600];
	int i;

	ll_buf_init(&file, 0);
	if (!ll_buf_read_file(&file, path, &err)) {
		CHECK_MSG(0, "%s", err.msg);
		return;
	}
	len = file.len;
	bin = file.data;
	if (base64) {
		size_t j, k = 0;
		int n;

		for (j = 0; j < file.len; j++)
			if (file.data[j] != '\n' && file.data[j] != '\r')
				file.data[k++] = file.data[j];
		bin = malloc(k / 4 * 3 + 3);
		n = EVP_DecodeBlock(bin, file.data, (int)k);
		if (n < 0) {
			CHECK_MSG(0, "%s: bad base64", path);
			goto out;
		}
		len = (size_t)n - (k > 0 && file.data[k - 1] == '=') - (k > 1 && file.data[k - 2] == '=');
	}
	p = bin;
	x = d2i_X509(NULL, &p, (long)len);
	if (x && p == bin + len) {
		X509_free(x);
		crosscheck(bin, len, path, st);
		goto out;
	}
	X509_free(x);
	ERR_clear_error();
	p = bin;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	basic = resp ? OCSP_response_get1_basic(resp) : NULL;
	for (i = 0; basic && i < sk_X509_num(OCSP_resp_get0_certs(basic)); i++) {
		unsigned char *d = NULL;
		int n = i2d_X509(sk_X509_value(OCSP_resp_get0_certs(basic), i), &d);
		uint8_t *copy = malloc((size_t)n);

		/* Exact-size copy: ASan sees any overread. The i2d output
		 * is the cached original encoding. */
		memcpy(copy, d, (size_t)n);
		snprintf(where, sizeof(where), "%s[cert %d]", path, i);
		crosscheck(copy, (size_t)n, where, st);
		free(copy);
		OPENSSL_free(d);
	}
out:
	ERR_clear_error();
	OCSP_BASICRESP_free(basic);
	OCSP_RESPONSE_free(resp);
	if (bin != file.data)
		free(bin);
	ll_buf_free(&file);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Calls fn on every file in dir ending in suffix, in name order.
 * Returns the number of files, -1 when dir is missing. */
static int for_each_file(const char *dir, const char *suffix, void (*fn)(const char *, void *),
			 void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i, sl = strlen(suffix);

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[n] = malloc(strlen(dir) + l + 2);
		if (!names[n])
			abort();
		snprintf(names[n], strlen(dir) + l + 2, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		fn(names[i], arg);
		free(names[i]);
	}
	free(names);
	return (int)n;
}

static void do_pem(const char *path, void *arg)
{
	crosscheck_pem_file(path, arg);
}

static void do_der(const char *path, void *arg)
{
	crosscheck_other_file(path, false, arg);
}

static void do_ors(const char *path, void *arg)
{
	crosscheck_other_file(path, true, arg);
}

static void run_dir(const char *dir, const char *suffix, void (*fn)(const char *, void *),
		    struct stats *st, const char *what)
{
	int before = st->certs, n = for_each_file(dir, suffix, fn, st);

	if (n < 0)
		printf("# note: %s not found, skipping %s\n", dir, what);
	else
		printf("# %s: %d files, %d certificates\n", what, n, st->certs - before);
}

/* Generated edge cases: each key type as issuer and subject, with
 * serial, time and extension variants. */
static void run_generated(struct stats *st)
{
	static const char *const key_types[] = {"P-256", "P-384", "ED25519", "RSA1024", "RSA"};
	static const uint8_t null_val[] = {0x05, 0x00};
	static const uint8_t ser_hi[] = {0x80};
	static const uint8_t ser20[20] = {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9,
					  10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
	static const uint8_t ser_neg[] = {0x01, 0x00};
	static const uint8_t ku9[] = {0x03, 0x03, 0x07, 0x86, 0x80};
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
	static const uint64_t ts[2] = {1712345678901ULL, 1700000000999ULL};
	EVP_PKEY *keys[5];
	uint8_t sct[256];
	int sct_len = cg_sct_list(ts, 2, sct), before = st->certs, variant, ik, sk;
	size_t k;

	for (k = 0; k < 5; k++)
		keys[k] = cg_key(key_types[k]);
	for (ik = 0; ik < 5; ik++) {
		/* A self-signed CA per key type. */
		X509 *ca = cg_new(keys[ik], "Generated CA", "Generated CA");
		uint8_t *der;
		size_t len;
		char where[100];

		cg_ext_conf(ca, NULL, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
		cg_ext_conf(ca, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
		cg_ext_conf(ca, NULL, NID_subject_key_identifier, "hash");
		cg_ext_conf(ca, NULL, NID_authority_key_identifier, "keyid:always");
		cg_sign(ca, keys[ik], NULL);
		der = cg_der(ca, &len);
		snprintf(where, sizeof(where), "generated CA %s", key_types[ik]);
		crosscheck(der, len, where, st);
		free(der);

		for (sk = 0; sk < 5; sk++) {
			for (variant = 0; variant < 10; variant++) {
				X509 *x = cg_new(keys[sk], "Generated leaf", "Generated CA");

				switch (variant) {
				case 0: /* plain v3, no extensions */
					break;
				case 1:
					cg_set_serial(x, ser_hi, 1, 0);
					cg_set_times(x, "500101000000Z", "20500101000000Z");
					cg_ext_conf(x, ca, NID_subject_key_identifier, "hash");
					cg_ext_conf(x, ca, NID_authority_key_identifier, "keyid:always");
					break;
				case 2:
					cg_set_serial(x, ser20, 20, 0);
					cg_set_times(x, "491231235959Z", "99991231235959Z");
					cg_ext_conf(x, ca, NID_crl_distribution_points,
						    "URI:http://crl.example/a.crl");
					break;
				case 3:
					cg_set_serial(x, ser_neg, 2, 1);
					cg_ext_conf(x, ca, NID_ext_key_usage, "critical,OCSPSigning");
					cg_ext_raw(x, "1.3.6.1.5.5.7.48.1.5", 0, null_val, 2);
					cg_ext_conf(x, ca, NID_key_usage, "critical,digitalSignature");
					break;
				case 4:
					cg_ext_raw(x, "1.3.6.1.4.1.11129.2.4.3", 1, null_val, 2);
					cg_ext_conf(x, ca, NID_basic_constraints, "critical,CA:FALSE");
					break;
				case 5:
					cg_ext_raw(x, "1.3.6.1.4.1.11129.2.4.2", 0, sct, sct_len);
					cg_ext_conf(x, ca, NID_ext_key_usage,
						    "serverAuth,clientAuth,anyExtendedKeyUsage");
					break;
				case 6:
					cg_ext_raw(x, "2.5.29.31", 0, cdp, sizeof(cdp));
					cg_ext_raw(x, "2.5.29.15", 1, ku9, sizeof(ku9));
					break;
				case 7:
					X509_set_version(x, X509_VERSION_1);
					cg_set_serial(x, ser_hi, 0, 0); /* zero */
					break;
				case 8:
					cg_ext_conf(x, ca, NID_basic_constraints, "critical,CA:TRUE");
					cg_ext_conf(x, ca, NID_key_usage,
						    "critical,keyCertSign,cRLSign,digitalSignature");
					cg_ext_conf(x, ca, NID_subject_alt_name,
						    "DNS:a.example,URI:http://x");
					break;
				case 9: /* self-issued by the CA key: X509_verify works */
					X509_set_pubkey(x, keys[ik]);
					X509_set_subject_name(x, X509_get_subject_name(ca));
					break;
				}
				if (variant == 2 && ik == 4)
					cg_sign_pss(x, keys[ik]);
				else
					cg_sign(x, keys[ik],
						ik == 2 ? NULL
							: variant == 1 ? EVP_sha384()
							: variant == 3 ? EVP_sha512() : EVP_sha256());
				der = cg_der(x, &len);
				snprintf(where, sizeof(where), "generated %s by %s, variant %d",
					 key_types[sk], key_types[ik], variant);
				crosscheck(der, len, where, st);
				free(der);
				X509_free(x);
			}
		}
		X509_free(ca);
	}
	for (k = 0; k < 5; k++)
		EVP_PKEY_free(keys[k]);
	printf("# generated: %d certificates\n", st->certs - before);
}

int main(void)
{
	const char *shared = getenv("LL_SHARED");
	struct stats st = {0, 0, 0, 0, 0, 0, 0};
	char dir[512];

	if (shared) {
		snprintf(dir, sizeof(dir), "%s/testdata/external/openssl-ocsp", shared);
		run_dir(dir, ".pem", do_pem, &st, "openssl-ocsp PEM");
		run_dir(dir, ".ors", do_ors, &st, "openssl-ocsp responses");
		snprintf(dir, sizeof(dir), "%s/testdata/external/go-ocsp", shared);
		run_dir(dir, ".pem", do_pem, &st, "go-ocsp PEM");
		run_dir(dir, ".der", do_der, &st, "go-ocsp DER");
	} else {
		printf("# note: LL_SHARED not set, skipping the external corpora\n");
	}
	run_dir("/etc/ssl/certs", ".pem", do_pem, &st, "system CA bundle");
	run_generated(&st);
	printf("# %d certificates cross-checked; %d self-signed (%d verified, %d SHA-1/MD5 skipped); "
	       "%d with SCTs (%d compared), %d with CDP URIs\n",
	       st.certs, st.self_signed, st.verified, st.weak_skipped, st.sct, st.sct_compared, st.cdp);
	CHECK(st.certs > 0);
	return tap_done();
}
