/* test_ocsp_helpers.h - what the OCSP codec tests share: CAs, leaves and
 * delegated responder certificates made in memory with the OpenSSL X509
 * API (on top of walk_certgen.h), a scratch directory for the command
 * line oracles, and small file/command helpers. Header-only; aborts on
 * environment failures (OpenSSL, files), which are not codec bugs. */
#ifndef LL_TEST_OCSP_HELPERS_H
#define LL_TEST_OCSP_HELPERS_H

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "lltime.h"
#include "walk_certgen.h"

#define TO_FN static __attribute__((unused))

/* True in ASan/UBSan builds, where timings mean nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define TO_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TO_SANITIZED 1
#endif
#endif
#ifndef TO_SANITIZED
#define TO_SANITIZED 0
#endif

struct to_cert {
	EVP_PKEY *key; /* owned */
	X509 *x;       /* owned */
	uint8_t *der;  /* owned, malloc */
	size_t len;
};

TO_FN void to_cert_free(struct to_cert *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->x);
	free(c->der);
	memset(c, 0, sizeof(*c));
}

/* Validity relative to the real clock, in days (the GnuTLS oracle has no
 * -attime and judges certificates against now). */
TO_FN void to_validity(X509 *x, long from_days, long to_days)
{
	if (!X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400L) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400L))
		cg_die("X509_gmtime_adj");
}

TO_FN void to_serial_u64(X509 *x, uint64_t v)
{
	ASN1_INTEGER *s = ASN1_INTEGER_new();

	if (!s || !ASN1_INTEGER_set_uint64(s, v) || !X509_set_serialNumber(x, s))
		cg_die("serial");
	ASN1_INTEGER_free(s);
}

/* A self-signed CA ("P-256", "P-384", "RSA", "ED25519") whose keyUsage
 * lets its key sign OCSP (B2) unless ku says otherwise. */
TO_FN void to_ca_make_ku(struct to_cert *ca, const char *type, const char *cn, const char *ku)
{
	memset(ca, 0, sizeof(*ca));
	ca->key = cg_key(type);
	ca->x = cg_new(ca->key, cn, cn);
	to_validity(ca->x, -30, 3650);
	to_serial_u64(ca->x, 0x1001);
	cg_ext_conf(ca->x, NULL, NID_basic_constraints, "critical,CA:TRUE");
	cg_ext_conf(ca->x, NULL, NID_key_usage, ku);
	cg_ext_conf(ca->x, NULL, NID_subject_key_identifier, "hash");
	cg_sign(ca->x, ca->key, NULL);
	ca->der = cg_der(ca->x, &ca->len);
}

TO_FN void to_ca_make(struct to_cert *ca, const char *type, const char *cn)
{
	to_ca_make_ku(ca, type, cn, "critical,digitalSignature,keyCertSign,cRLSign");
}

/* A TLS leaf with a P-256 key, issued by ca, with the given serial. */
TO_FN void to_leaf_make(struct to_cert *leaf, const struct to_cert *ca, uint64_t serial)
{
	memset(leaf, 0, sizeof(*leaf));
	leaf->key = cg_key("P-256");
	leaf->x = cg_new(leaf->key, "leaf.example", "x");
	if (!X509_set_issuer_name(leaf->x, X509_get_subject_name(ca->x)))
		cg_die("X509_set_issuer_name");
	to_validity(leaf->x, -1, 90);
	to_serial_u64(leaf->x, serial);
	cg_ext_conf(leaf->x, NULL, NID_basic_constraints, "critical,CA:FALSE");
	cg_ext_conf(leaf->x, NULL, NID_key_usage, "critical,digitalSignature");
	cg_ext_conf(leaf->x, NULL, NID_ext_key_usage, "serverAuth");
	cg_ext_conf(leaf->x, (X509 *)ca->x, NID_authority_key_identifier, "keyid:always");
	cg_sign(leaf->x, ca->key, NULL);
	leaf->der = cg_der(leaf->x, &leaf->len);
}

/* The shape of a delegated responder certificate; to_resp_good() gives
 * the BR 7.1.2.8 profile and each test breaks one field. */
struct to_resp_opts {
	const char *key_type;  /* "P-256" ... */
	const char *eku;       /* openssl.cnf value, NULL = no EKU */
	int nocheck;	       /* 0 absent, 1 05 00, 2 non-NULL value (04 00), 3 critical 05 00 */
	const char *ku;	       /* NULL = no keyUsage */
	const char *bc;	       /* NULL = no basicConstraints */
	const char *san;       /* NULL = none */
	const char *crldp;     /* NULL = none */
	bool aki, ski;
	long from_days, to_days;
	const char *issuer_cn; /* NULL = the CA's subject */
	EVP_PKEY *sign_key;    /* NULL = the CA's key */
	const EVP_MD *md;      /* NULL = default */
	int64_t serial;	       /* >0 */
	bool negative_serial;
	/* one more extension with raw extnValue octets (extra_oid NULL: none) */
	const char *extra_oid;
	int extra_critical;
	const uint8_t *extra_val;
	int extra_len;
};

TO_FN struct to_resp_opts to_resp_good(void)
{
	struct to_resp_opts o;

	memset(&o, 0, sizeof(o));
	o.key_type = "P-256";
	o.eku = "OCSPSigning";
	o.nocheck = 1;
	o.ku = "critical,digitalSignature";
	o.aki = o.ski = true;
	o.from_days = -1;
	o.to_days = 60;
	o.serial = 0x7e57;
	return o;
}

TO_FN void to_resp_make(struct to_cert *r, const struct to_cert *ca, const struct to_resp_opts *o)
{
	static const uint8_t null_der[] = {0x05, 0x00}, not_null[] = {0x04, 0x00};

	memset(r, 0, sizeof(*r));
	r->key = cg_key(o->key_type);
	r->x = cg_new(r->key, "lastleaf test OCSP responder", "x");
	if (o->issuer_cn) {
		X509_NAME *n = X509_NAME_new();

		if (!n)
			cg_die("X509_NAME_new");
		cg_set_name(n, o->issuer_cn);
		if (!X509_set_issuer_name(r->x, n))
			cg_die("issuer");
		X509_NAME_free(n);
	} else if (!X509_set_issuer_name(r->x, X509_get_subject_name(ca->x))) {
		cg_die("X509_set_issuer_name");
	}
	to_validity(r->x, o->from_days, o->to_days);
	if (o->negative_serial) {
		uint8_t mag[2] = {(uint8_t)(o->serial >> 8), (uint8_t)o->serial};

		cg_set_serial(r->x, mag, 2, 1);
	} else {
		to_serial_u64(r->x, (uint64_t)o->serial);
	}
	if (o->bc)
		cg_ext_conf(r->x, NULL, NID_basic_constraints, o->bc);
	if (o->ku)
		cg_ext_conf(r->x, NULL, NID_key_usage, o->ku);
	if (o->eku)
		cg_ext_conf(r->x, NULL, NID_ext_key_usage, o->eku);
	if (o->nocheck == 1)
		cg_ext_raw(r->x, "1.3.6.1.5.5.7.48.1.5", 0, null_der, 2);
	else if (o->nocheck == 2)
		cg_ext_raw(r->x, "1.3.6.1.5.5.7.48.1.5", 0, not_null, 2);
	else if (o->nocheck == 3)
		cg_ext_raw(r->x, "1.3.6.1.5.5.7.48.1.5", 1, null_der, 2);
	if (o->san)
		cg_ext_conf(r->x, NULL, NID_subject_alt_name, o->san);
	if (o->crldp)
		cg_ext_conf(r->x, NULL, NID_crl_distribution_points, o->crldp);
	if (o->ski)
		cg_ext_conf(r->x, NULL, NID_subject_key_identifier, "hash");
	if (o->aki)
		cg_ext_conf(r->x, (X509 *)ca->x, NID_authority_key_identifier, "keyid:always");
	if (o->extra_oid)
		cg_ext_raw(r->x, o->extra_oid, o->extra_critical, o->extra_val, o->extra_len);
	cg_sign(r->x, o->sign_key ? o->sign_key : ca->key, o->md);
	r->der = cg_der(r->x, &r->len);
}

/* ---- files and commands ------------------------------------------------ */

/* A fresh scratch directory under TMPDIR (left for inspection). */
TO_FN void to_tmpdir(char *out, size_t cap, const char *tag)
{
	const char *base = getenv("TMPDIR");

	snprintf(out, cap, "%s/lastleaf-%s-XXXXXX", base && *base ? base : "/tmp", tag);
	if (!mkdtemp(out)) {
		perror("mkdtemp");
		abort();
	}
}

TO_FN void to_write(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

TO_FN void to_write_pem(const char *dir, const char *name, X509 *x)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || !PEM_write_X509(f, x) || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

/* Reads a whole file; NULL when it does not exist. */
TO_FN uint8_t *to_read(const char *path, size_t *len)
{
	struct ll_buf b;
	struct ll_err e;

	ll_buf_init(&b, 64u << 20);
	if (!ll_buf_read_file(&b, path, &e)) {
		ll_buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data;
}

/* Runs a shell command, returning its stdout+stderr (malloc, NUL-ended)
 * and exit status. */
TO_FN char *to_run(const char *cmd, int *status)
{
	char full[8192], *out = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[4096];
	FILE *p;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	if (!p) {
		perror("popen");
		abort();
	}
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			if (!out)
				abort();
		}
		memcpy(out + len, chunk, n);
		len += n;
	}
	st = pclose(p);
	if (!out) {
		out = malloc(1);
		if (!out)
			abort();
	}
	out[len] = '\0';
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

TO_FN bool to_have(const char *tool)
{
	char cmd[256];
	int st;
	char *o;

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null", tool);
	o = to_run(cmd, &st);
	free(o);
	return st == 0;
}

/* $LL_SHARED/<rel>, or the path next to the source tree. */
TO_FN void to_shared(char *out, size_t cap, const char *rel)
{
	const char *s = getenv("LL_SHARED");

	snprintf(out, cap, "%s/%s", s && *s ? s : "/work/shared", rel);
}

TO_FN double to_now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: rates measured with it do not depend
 * on what else the machine is running. */
TO_FN double to_cpu_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TO_FN void to_hex(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

#endif
