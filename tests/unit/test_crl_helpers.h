/* test_crl_helpers.h - what the crlgen tests share: issuer CAs made in
 * memory (key, DER certificate with SKI and keyUsage cRLSign), default
 * CRL parameters, a few parsing helpers over the output DER, and file
 * helpers for the external vectors. Header-only, like walk_certgen.h,
 * which it builds on. Aborts on OpenSSL failures (environment bugs). */
#ifndef LL_TEST_CRL_HELPERS_H
#define LL_TEST_CRL_HELPERS_H

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crlgen.h"
#include "der.h"
#include "lltime.h"
#include "pem.h"
#include "walk_certgen.h"

#define TC_FN static __attribute__((unused))

struct tc_ca {
	EVP_PKEY *key;
	X509 *x;
	uint8_t *der;
	size_t len;
	char type[16];
};

/* A self-signed CA certificate for a fresh `type` key ("P-256", "P-384",
 * "P-521", "RSA", "ED25519"); ku is the keyUsage value (NULL: none). */
TC_FN void tc_ca_make_ku(struct tc_ca *ca, const char *type, const char *ku, bool ski)
{
	memset(ca, 0, sizeof(*ca));
	snprintf(ca->type, sizeof(ca->type), "%s", type);
	ca->key = cg_key(type);
	ca->x = cg_new(ca->key, "lastleaf test CA", "lastleaf test CA");
	cg_ext_conf(ca->x, NULL, NID_basic_constraints, "critical,CA:TRUE");
	if (ku)
		cg_ext_conf(ca->x, NULL, NID_key_usage, ku);
	if (ski)
		cg_ext_conf(ca->x, NULL, NID_subject_key_identifier, "hash");
	cg_sign(ca->x, ca->key, NULL);
	ca->der = cg_der(ca->x, &ca->len);
}

TC_FN void tc_ca_make(struct tc_ca *ca, const char *type)
{
	tc_ca_make_ku(ca, type, "critical,keyCertSign,cRLSign", true);
}

TC_FN void tc_ca_free(struct tc_ca *ca)
{
	EVP_PKEY_free(ca->key);
	X509_free(ca->x);
	free(ca->der);
	memset(ca, 0, sizeof(*ca));
}

TC_FN ll_time tc_time(const char *rfc3339)
{
	ll_time t = 0;

	if (!ll_time_parse_rfc3339(rfc3339, &t)) {
		fprintf(stderr, "bad test time %s\n", rfc3339);
		abort();
	}
	return t;
}

/* Parameters for a clean subscriber CRL: number 1, 2026-11-20 + 7 days. */
TC_FN void tc_params(struct crl_params *p, const struct tc_ca *ca)
{
	memset(p, 0, sizeof(*p));
	p->issuer_cert = ca->der;
	p->issuer_cert_len = ca->len;
	p->key = ca->key;
	p->profile = CRL_PROFILE_SUBSCRIBER;
	p->number_len = crl_number_from_u64(1, p->number);
	p->this_update = tc_time("2026-11-20T00:00:00Z");
	p->next_update = p->this_update + 7 * 86400;
	p->smime = strcmp(ca->type, "ED25519") == 0;
}

TC_FN void tc_lint_ctx(struct crl_lint_ctx *c, const struct crl_params *p)
{
	memset(c, 0, sizeof(*c));
	c->issuer_cert = p->issuer_cert;
	c->issuer_cert_len = p->issuer_cert_len;
	c->profile = p->profile;
	c->partition = p->partition;
	c->smime = p->smime;
	c->has_prev = p->has_prev;
	c->prev_number = p->prev_number;
	c->prev_number_len = p->prev_number_len;
	c->prev_next_update = p->prev_next_update;
	c->now = p->now;
}

/* The parts of a CertificateList, located with the der.h reader. */
struct tc_crl_parts {
	struct der_tlv tbs, alg, sig;	 /* outer */
	struct der_tlv version, tbs_alg, issuer, this_update, next_update;
	bool has_revoked, has_exts;
	struct der_tlv revoked, exts;
};

TC_FN bool tc_split(const uint8_t *crl, size_t len, struct tc_crl_parts *o)
{
	struct der d = der_init(crl, len), s, t;
	struct der_tlv top;

	memset(o, 0, sizeof(*o));
	if (!der_expect(&d, DER_SEQUENCE, &top) || !der_empty(&d))
		return false;
	s = der_enter(&top);
	if (!der_expect(&s, DER_SEQUENCE, &o->tbs) || !der_expect(&s, DER_SEQUENCE, &o->alg) ||
	    !der_expect(&s, DER_BITSTRING, &o->sig) || !der_empty(&s))
		return false;
	t = der_enter(&o->tbs);
	if (!der_expect(&t, DER_INTEGER, &o->version) ||
	    !der_expect(&t, DER_SEQUENCE, &o->tbs_alg) ||
	    !der_expect(&t, DER_SEQUENCE, &o->issuer) || !der_next(&t, &o->this_update) ||
	    !der_next(&t, &o->next_update))
		return false;
	if (!der_optional(&t, DER_SEQUENCE, &o->revoked, &o->has_revoked) ||
	    !der_optional(&t, DER_CTX0, &o->exts, &o->has_exts))
		return false;
	return der_empty(&t);
}

TC_FN void tc_hex(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* True when some violation has this id (and msg contains sub, if given). */
TC_FN bool tc_has(const struct crl_violations *v, const char *id, const char *sub)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i].id, id) == 0 && (!sub || strstr(v->v[i].msg, sub)))
			return true;
	return false;
}

TC_FN void tc_print_violations(const struct crl_violations *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		fprintf(stderr, "    %s: %s\n", v->v[i].id, v->v[i].msg);
}

/* $LL_SHARED or the path next to the source tree. */
TC_FN const char *tc_shared(void)
{
	const char *s = getenv("LL_SHARED");

	return s && *s ? s : "/work/shared";
}

/* The first X509 CRL PEM block of a file, decoded into out. */
TC_FN bool tc_read_crl_pem(const char *path, struct ll_buf *out)
{
	struct ll_buf file;
	struct pem_iter it;
	struct ll_err err;
	const char *label;
	enum pem_result r;
	bool ok = false;
	int line;

	ll_buf_init(&file, 1 << 24);
	if (!ll_buf_read_file(&file, path, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		goto out;
	}
	pem_iter_init(&it, file.data, file.len);
	while ((r = pem_next(&it, &label, out, &line, &err)) != PEM_END) {
		if (r == PEM_OK && strcmp(label, "X509 CRL") == 0) {
			ok = true;
			break;
		}
	}
out:
	ll_buf_free(&file);
	return ok;
}

#endif
