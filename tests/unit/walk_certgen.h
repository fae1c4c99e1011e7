/* walk_certgen.h - builds test certificates in memory with the OpenSSL
 * X509 API, so the x509walk/verify tests need no data files and can
 * cover edge cases (odd serials, time forms, raw extension bytes) that a
 * checked-in corpus would not. Header-only: each test is one .c file.
 * Aborts on OpenSSL failures, which are test-environment bugs. */
#ifndef LL_WALK_CERTGEN_H
#define LL_WALK_CERTGEN_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not every test uses every helper. */
#define CG_FN static __attribute__((unused))

CG_FN void __attribute__((noreturn)) cg_die(const char *what)
{
	fprintf(stderr, "certgen: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	abort();
}

/* "RSA" (2048 bits), "RSA1024", "P-256", "P-384", "ED25519". */
CG_FN EVP_PKEY *cg_key(const char *type)
{
	EVP_PKEY *k;

	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (strcmp(type, "RSA1024") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	else if (strcmp(type, "ED25519") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", type);
	if (!k)
		cg_die("keygen");
	return k;
}

CG_FN void cg_set_name(X509_NAME *n, const char *cn)
{
	if (!X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"XX", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"lastleaf test",
					-1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))
		cg_die("X509_NAME_add_entry");
}

/* A v3 certificate for `key` named `cn`, issued by `issuer_cn`, serial
 * 0x1234, valid 2024-01-01 to 2030-01-01 (UTCTime). Not yet signed. */
CG_FN X509 *cg_new(EVP_PKEY *key, const char *cn, const char *issuer_cn)
{
	X509 *x = X509_new();

	if (!x || !X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234) ||
	    !ASN1_TIME_set_string(X509_getm_notBefore(x), "240101000000Z") ||
	    !ASN1_TIME_set_string(X509_getm_notAfter(x), "300101000000Z") ||
	    !X509_set_pubkey(x, key))
		cg_die("cg_new");
	cg_set_name(X509_get_subject_name(x), cn);
	cg_set_name(X509_get_issuer_name(x), issuer_cn);
	return x;
}

/* Serial from magnitude bytes; neg makes it negative (two's complement
 * on the wire). */
CG_FN void cg_set_serial(X509 *x, const uint8_t *mag, int len, int neg)
{
	ASN1_INTEGER *s = ASN1_INTEGER_new();

	if (!s || !ASN1_STRING_set(s, mag, len))
		cg_die("serial");
	s->type = neg ? V_ASN1_NEG_INTEGER : V_ASN1_INTEGER;
	if (!X509_set_serialNumber(x, s))
		cg_die("X509_set_serialNumber");
	ASN1_INTEGER_free(s);
}

/* Times as ASN.1 text: 13 characters make a UTCTime, 15 a GeneralizedTime. */
CG_FN void cg_set_times(X509 *x, const char *nb, const char *na)
{
	ASN1_TIME *t = ASN1_TIME_new();

	if (!t)
		cg_die("ASN1_TIME_new");
	if (nb && (!ASN1_TIME_set_string(t, nb) || !X509_set1_notBefore(x, t)))
		cg_die("notBefore");
	if (na && (!ASN1_TIME_set_string(t, na) || !X509_set1_notAfter(x, t)))
		cg_die("notAfter");
	ASN1_TIME_free(t);
}

/* An extension from an openssl.cnf-style value ("critical,CA:TRUE"). */
CG_FN void cg_ext_conf(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!e || !X509_add_ext(x, e, -1))
		cg_die("cg_ext_conf");
	X509_EXTENSION_free(e);
}

/* An extension with raw extnValue content octets. */
CG_FN void cg_ext_raw(X509 *x, const char *oid, int critical, const uint8_t *val, int len)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;

	if (!o || !os || !ASN1_OCTET_STRING_set(os, val, len))
		cg_die("cg_ext_raw");
	e = X509_EXTENSION_create_by_OBJ(NULL, o, critical, os);
	if (!e || !X509_add_ext(x, e, -1))
		cg_die("X509_add_ext");
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(o);
}

/* md NULL picks the key's default (SHA-256; none for Ed25519). */
CG_FN void cg_sign(X509 *x, EVP_PKEY *issuer_key, const EVP_MD *md)
{
	if (!md && !EVP_PKEY_is_a(issuer_key, "ED25519"))
		md = EVP_sha256();
	if (X509_sign(x, issuer_key, md) <= 0)
		cg_die("X509_sign");
}

/* RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt. */
CG_FN void cg_sign_pss(X509 *x, EVP_PKEY *issuer_key)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *p = NULL;

	if (!m || EVP_DigestSignInit(m, &p, EVP_sha256(), NULL, issuer_key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(p, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(p, 32) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(p, EVP_sha256()) <= 0 || X509_sign_ctx(x, m) <= 0)
		cg_die("cg_sign_pss");
	EVP_MD_CTX_free(m);
}

/* DER of x in a malloc'ed buffer of exactly *len bytes. */
CG_FN uint8_t *cg_der(X509 *x, size_t *len)
{
	uint8_t *buf = NULL;
	int n = i2d_X509(x, &buf);
	uint8_t *copy;

	if (n <= 0)
		cg_die("i2d_X509");
	/* Copy into a plain malloc block so ASan catches any overread. */
	copy = malloc((size_t)n);
	if (!copy)
		cg_die("malloc");
	memcpy(copy, buf, (size_t)n);
	OPENSSL_free(buf);
	*len = (size_t)n;
	return copy;
}

/* Wraps content in a DER OCTET STRING at out; returns the total length. */
CG_FN int cg_octet_string(const uint8_t *content, int len, uint8_t *out)
{
	int h = 2;

	out[0] = 0x04;
	if (len < 0x80) {
		out[1] = (uint8_t)len;
	} else if (len < 0x100) {
		out[1] = 0x81;
		out[2] = (uint8_t)len;
		h = 3;
	} else {
		out[1] = 0x82;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		h = 4;
	}
	memmove(out + h, content, (size_t)len);
	return h + len;
}

/* A TLS SignedCertificateTimestampList with one v1 SCT per timestamp
 * (milliseconds), wrapped in the OCTET STRING that RFC 6962 puts inside
 * extnValue. Returns the length written to out (cap >= 8 + 60 * n). */
CG_FN int cg_sct_list(const uint64_t *ts_ms, int n, uint8_t *out)
{
	uint8_t tls[8 + 60 * 16], *p = tls + 2;
	int i, j, list;

	if (n > 16)
		cg_die("cg_sct_list: too many SCTs");
	for (i = 0; i < n; i++) {
		uint8_t *s = p + 2;
		int slen = 55;

		s[0] = 0; /* v1 */
		for (j = 0; j < 32; j++)
			s[1 + j] = (uint8_t)(0xa0 + i + j);
		for (j = 0; j < 8; j++)
			s[33 + j] = (uint8_t)(ts_ms[i] >> (56 - 8 * j));
		s[41] = 0; /* no extensions */
		s[42] = 0;
		s[43] = 4; /* sha256 */
		s[44] = 3; /* ecdsa */
		s[45] = 0;
		s[46] = 8;
		for (j = 0; j < 8; j++)
			s[47 + j] = (uint8_t)(0x30 + j);
		p[0] = (uint8_t)(slen >> 8);
		p[1] = (uint8_t)slen;
		p += 2 + slen;
	}
	list = (int)(p - tls) - 2;
	tls[0] = (uint8_t)(list >> 8);
	tls[1] = (uint8_t)list;
	return cg_octet_string(tls, list + 2, out);
}

#endif
