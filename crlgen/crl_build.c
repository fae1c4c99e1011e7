/* crl_build.c - encodes a TBSCertList straight into the caller's buffer,
 * has crl_lint check it, signs it and wraps it as a CertificateList.
 * Every length is computed before the first byte is written, so the
 * revokedCertificates list (up to millions of entries) is written once,
 * front to back, with no OpenSSL object per entry and no moves. Does no
 * I/O; the only allocations are the sort index (when the entries are not
 * already in serial order) and the signature scratch buffer. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "crl_internal.h"
#include "der.h"
#include "x509walk.h"

/* As x509walk: longer serials exist only in broken certificates. */
#define CRL_MAX_SERIAL 64
/* An IDP URI is a short http:// URL (A15); this bounds hostile config. */
#define CRL_MAX_URI 2048

/* Fixed prefixes of the extensions the encoder writes. */
static const uint8_t oid_aki[] = {0x06, 0x03, 0x55, 0x1d, 0x23};
static const uint8_t oid_crl_number[] = {0x06, 0x03, 0x55, 0x1d, 0x14};
static const uint8_t oid_idp[] = {0x06, 0x03, 0x55, 0x1d, 0x1c};
static const uint8_t bool_true[] = {0x01, 0x01, 0xff};
/* reasonCode: SEQUENCE { OID 2.5.29.21, OCTET STRING { ENUMERATED r } } */
static const uint8_t reason_prefix[] = {0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15,
					0x04, 0x03, 0x0a, 0x01};
#define REASON_EXT_LEN (sizeof(reason_prefix) + 1)
/* invalidityDate: SEQUENCE { OID 2.5.29.24, OCTET STRING { GeneralizedTime } } */
static const uint8_t invalidity_prefix[] = {0x30, 0x18, 0x06, 0x03, 0x55,
					    0x1d, 0x18, 0x04, 0x11};
#define INVALIDITY_EXT_LEN (sizeof(invalidity_prefix) + 17)

/* Sort key: serial length, then the first 8 octets as one integer, then
 * the rest; most comparisons end at the integer. */
struct crl_sortkey {
	uint64_t prefix;
	const uint8_t *serial;
	uint32_t len, idx;
};

/* Everything computed before writing. */
struct crl_plan {
	struct x509_fields issuer;
	const struct crl_alg *alg;
	struct crl_sortkey *order; /* NULL: the entries are already in order */
	uint8_t number[21];	   /* cRLNumber INTEGER content */
	size_t number_len;
	size_t revoked_len;	   /* revokedCertificates content */
	size_t aki_len, crlnum_len, idp_len; /* each Extension TLV, 0 = omitted */
	size_t exts_len;	   /* Extensions SEQUENCE content */
	size_t tbs_len;		   /* TBSCertList content */
	size_t tbs_total;	   /* TBSCertList TLV */
};

/* ---- parameters ------------------------------------------------------- */

static bool time_ok(ll_time t)
{
	return t >= CRL_TIME_MIN && t <= CRL_TIME_MAX;
}

static bool build_check_partition(const struct crl_partition *part, struct ll_err *err)
{
	size_t n, i;

	if (!part)
		return true;
	if (!part->uri)
		return ll_err_set(err, "partition has no IDP URI");
	n = strlen(part->uri);
	if (n == 0 || n > CRL_MAX_URI)
		return ll_err_set(err, "partition IDP URI length %zu is out of range", n);
	/* IA5String, and a URI has no spaces or controls. */
	for (i = 0; i < n; i++)
		if ((unsigned char)part->uri[i] <= 0x20 || (unsigned char)part->uri[i] >= 0x7f)
			return ll_err_set(err, "partition IDP URI has a byte 0x%02x at offset %zu",
					  (unsigned char)part->uri[i], i);
	return true;
}

static bool build_check_params(const struct crl_params *p, const struct ll_buf *out,
			       struct ll_err *err)
{
	if (!p || !out)
		return ll_err_set(err, "crl_build: no parameters or output buffer");
	if (!p->issuer_cert || !p->issuer_cert_len)
		return ll_err_set(err, "no issuer certificate");
	if (!p->key)
		return ll_err_set(err, "no signing key");
	if (p->number_len == 0 || p->number_len > sizeof(p->number))
		return ll_err_set(err, "CRL number length %zu is not 1..20 octets", p->number_len);
	if (p->has_prev && p->prev_number_len > sizeof(p->prev_number))
		return ll_err_set(err, "previous CRL number length %zu exceeds 20 octets",
				  p->prev_number_len);
	if (!time_ok(p->this_update) || !time_ok(p->next_update))
		return ll_err_set(err, "thisUpdate/nextUpdate outside years 0001-9999");
	if (p->nentries && !p->entries)
		return ll_err_set(err, "%zu entries but no entry array", p->nentries);
	/* The sort index holds 32-bit positions; 4 billion entries would be
	 * a >200 GB CRL anyway. */
	if (p->nentries > UINT32_MAX)
		return ll_err_set(err, "too many entries (%zu)", p->nentries);
	if (p->sigalg != CRL_SIG_AUTO && p->sigalg != CRL_SIG_RSA_PSS)
		return ll_err_set(err, "unknown signature algorithm choice %d", (int)p->sigalg);
	return build_check_partition(p->partition, err);
}

/* ---- issuer and key --------------------------------------------------- */

/* The key must be the certificate's: the same SubjectPublicKeyInfo DER. */
static bool build_key_matches(EVP_PKEY *key, const struct x509_span *spki, struct ll_err *err)
{
	uint8_t *der = NULL;
	int n = i2d_PUBKEY(key, &der);
	bool same;

	if (n <= 0)
		return ll_err_openssl(err, "cannot encode the signing key's public key");
	same = (size_t)n == spki->len && memcmp(der, spki->p, spki->len) == 0;
	OPENSSL_free(der);
	if (!same)
		return ll_err_set(err, "the signing key does not match the issuer certificate's "
				  "public key");
	return true;
}

/* A2: the algorithm follows the key (ECDSA bound to its curve). */
static const struct crl_alg *build_pick_alg(enum crl_key k, enum crl_sigalg s, struct ll_err *err)
{
	const struct crl_alg *t = crl_algs();

	if (s == CRL_SIG_RSA_PSS && k != CRL_KEY_RSA) {
		ll_err_set(err, "RSASSA-PSS requested for a %s key", crl_key_name(k));
		return NULL;
	}
	switch (k) {
	case CRL_KEY_P256: return &t[CRL_ALG_ECDSA_SHA256];
	case CRL_KEY_P384: return &t[CRL_ALG_ECDSA_SHA384];
	case CRL_KEY_P521: return &t[CRL_ALG_ECDSA_SHA512];
	case CRL_KEY_RSA: return &t[s == CRL_SIG_RSA_PSS ? CRL_ALG_PSS_SHA256 : CRL_ALG_RSA_SHA256];
	case CRL_KEY_ED25519: return &t[CRL_ALG_ED25519];
	case CRL_KEY_ED448: return &t[CRL_ALG_ED448];
	case CRL_KEY_UNKNOWN: break;
	}
	ll_err_set(err, "unsupported issuer key type (need P-256/384/521, RSA, Ed25519, Ed448)");
	return NULL;
}

static bool build_issuer(const struct crl_params *p, struct crl_plan *plan, struct ll_err *err)
{
	if (!x509_walk(p->issuer_cert, p->issuer_cert_len, &plan->issuer, err))
		return ll_err_prefix(err, "issuer certificate");
	if (!build_key_matches(p->key, &plan->issuer.spki, err))
		return false;
	plan->alg = build_pick_alg(crl_spki_key(plan->issuer.spki.p, plan->issuer.spki.len),
				   p->sigalg, err);
	return plan->alg != NULL;
}

/* ---- entries ---------------------------------------------------------- */

/* Reasons that get a reasonCode; NONE and UNSPECIFIED never do (A28).
 * Out-of-range values were already refused by build_check_entry. */
static bool entry_has_reason(const struct crl_entry *e)
{
	return e->reason >= 1 && e->reason <= 10;
}

static size_t entry_ext_len(const struct crl_entry *e)
{
	return (entry_has_reason(e) ? REASON_EXT_LEN : 0) +
	       (e->has_invalidity ? INVALIDITY_EXT_LEN : 0);
}

static size_t entry_content_len(const struct crl_entry *e)
{
	size_t x = entry_ext_len(e);

	return crl_tlv_len(e->serial_len) + crl_time_tlv_len(e->revoked_at, false) +
	       (x ? crl_tlv_len(x) : 0);
}

static uint8_t *entry_put(uint8_t *p, const struct crl_entry *e)
{
	size_t x = entry_ext_len(e);

	p = crl_put_hdr(p, DER_SEQUENCE, entry_content_len(e));
	p = crl_put_hdr(p, DER_INTEGER, e->serial_len);
	memcpy(p, e->serial, e->serial_len); /* exact octets (A24) */
	p += e->serial_len;
	p = crl_time_put(p, e->revoked_at, false);
	if (!x)
		return p;
	p = crl_put_hdr(p, DER_SEQUENCE, x);
	if (entry_has_reason(e)) {
		memcpy(p, reason_prefix, sizeof(reason_prefix));
		p += sizeof(reason_prefix);
		*p++ = (uint8_t)e->reason;
	}
	if (e->has_invalidity) {
		memcpy(p, invalidity_prefix, sizeof(invalidity_prefix));
		p = crl_time_put(p + sizeof(invalidity_prefix), e->invalidity, true);
	}
	return p;
}

/* Reasons allowed on any BR entry: 1, 3, 4, 5, 9 (A29, A31, O1). */
static bool reason_allowed(int r)
{
	return r == CRL_REASON_KEY_COMPROMISE || r == CRL_REASON_AFFILIATION_CHANGED ||
	       r == CRL_REASON_SUPERSEDED || r == CRL_REASON_CESSATION ||
	       r == CRL_REASON_PRIVILEGE_WITHDRAWN;
}

/* What the bytes cannot show: whether an entry is a CA certificate
 * (A22, A31, and the CA profile's scope for A9). Unencodable input is an
 * error; policy breaches are violations. */
static bool build_check_entry(const struct crl_params *p, size_t i, struct crl_violations *v,
			      struct ll_err *err)
{
	const struct crl_entry *e = &p->entries[i];
	const struct crl_partition *part = p->partition;
	char hex[56];

	if (!e->serial || e->serial_len == 0 || e->serial_len > CRL_MAX_SERIAL)
		return ll_err_set(err, "entry %zu: serial length %zu is not 1..%d octets", i,
				  e->serial_len, CRL_MAX_SERIAL);
	if (!time_ok(e->revoked_at) || (e->has_invalidity && !time_ok(e->invalidity)))
		return ll_err_set(err, "entry %zu: time outside years 0001-9999", i);
	crl_hex(e->serial, e->serial_len, hex, sizeof(hex));
	if (e->reason < CRL_REASON_NONE || e->reason > CRL_REASON_AA_COMPROMISE)
		crl_violation_add(v, e->is_ca ? "A31" : "A29",
				  "entry %zu (serial %s): reason %d is not a CRLReason", i, hex,
				  e->reason);
	else if (e->is_ca && !reason_allowed(e->reason))
		crl_violation_add(v, "A31", "entry %zu (serial %s) is a CA certificate: it needs a "
				  "reasonCode of 1, 3, 4, 5 or 9 (has %d)", i, hex, e->reason);
	if (part && part->only_user && e->is_ca)
		crl_violation_add(v, "A22", "entry %zu (serial %s) is a CA certificate on an "
				  "onlyContainsUserCerts CRL", i, hex);
	if (part && part->only_ca && !e->is_ca)
		crl_violation_add(v, "A22", "entry %zu (serial %s) is an end-entity certificate on "
				  "an onlyContainsCACerts CRL, where relying parties never look",
				  i, hex);
	else if (p->profile == CRL_PROFILE_CA && !e->is_ca)
		crl_violation_add(v, "A9", "entry %zu (serial %s) is an end-entity certificate on a "
				  "CA-profile CRL; its CRL must keep the 10-day limit", i, hex);
	return true;
}

static uint64_t sort_prefix(const uint8_t *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (i < len ? s[i] : 0);
	return v;
}

static int sortkey_cmp(const void *a, const void *b)
{
	const struct crl_sortkey *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return x->len > 8 ? memcmp(x->serial + 8, y->serial + 8, x->len - 8) : 0;
}

static bool entries_in_order(const struct crl_entry *e, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (crl_serial_cmp(e[i - 1].serial, e[i - 1].serial_len, e[i].serial,
				   e[i].serial_len) >= 0)
			return false;
	return true;
}

static const struct crl_entry *plan_entry(const struct crl_params *p, const struct crl_plan *plan,
					  size_t i)
{
	return plan->order ? &p->entries[plan->order[i].idx] : &p->entries[i];
}

/* Puts the entries in serial order (A6) and refuses duplicates. */
static bool build_order(const struct crl_params *p, struct crl_plan *plan,
			struct crl_violations *v, struct ll_err *err)
{
	const struct crl_entry *a, *b;
	size_t i, dups = 0;
	char hex[56];

	if (entries_in_order(p->entries, p->nentries))
		return true;
	plan->order = malloc(p->nentries * sizeof(*plan->order));
	if (!plan->order)
		return ll_err_set(err, "out of memory sorting %zu entries", p->nentries);
	for (i = 0; i < p->nentries; i++) {
		plan->order[i].prefix = sort_prefix(p->entries[i].serial, p->entries[i].serial_len);
		plan->order[i].serial = p->entries[i].serial;
		plan->order[i].len = (uint32_t)p->entries[i].serial_len;
		plan->order[i].idx = (uint32_t)i;
	}
	qsort(plan->order, p->nentries, sizeof(*plan->order), sortkey_cmp);
	for (i = 1; i < p->nentries; i++) {
		a = plan_entry(p, plan, i - 1);
		b = plan_entry(p, plan, i);
		if (crl_serial_cmp(a->serial, a->serial_len, b->serial, b->serial_len) == 0) {
			crl_hex(b->serial, b->serial_len, hex, sizeof(hex));
			crl_violation_add(v, "A6", "serial %s is listed twice (entries %u and %u)",
					  hex, plan->order[i - 1].idx, plan->order[i].idx);
			dups++;
		}
	}
	if (dups)
		return ll_err_set(err, "A6: %zu duplicate serial(s) in the entry list", dups);
	return true;
}

static bool build_entries(const struct crl_params *p, struct crl_plan *plan,
			  struct crl_violations *v, struct ll_err *err)
{
	size_t i;

	for (i = 0; i < p->nentries; i++) {
		if (!build_check_entry(p, i, v, err))
			return false;
		plan->revoked_len += crl_tlv_len(entry_content_len(&p->entries[i]));
	}
	return build_order(p, plan, v, err);
}

/* ---- extensions ------------------------------------------------------- */

/* cRLNumber content: minimal, positive (a 00 pad before a set top bit). */
static void plan_number(const struct crl_params *p, struct crl_plan *plan)
{
	size_t i = 0, n = p->number_len;

	while (i + 1 < n && p->number[i] == 0)
		i++;
	plan->number_len = 0;
	if (p->number[i] & 0x80)
		plan->number[plan->number_len++] = 0;
	memcpy(plan->number + plan->number_len, p->number + i, n - i);
	plan->number_len += n - i;
}

static size_t aki_value_len(const struct crl_plan *plan)
{
	return crl_tlv_len(crl_tlv_len(plan->issuer.ski.len));
}

static size_t idp_seq_len(const struct crl_partition *part)
{
	return crl_tlv_len(crl_tlv_len(crl_tlv_len(strlen(part->uri)))) +
	       (part->only_user ? 3 : 0) + (part->only_ca ? 3 : 0);
}

static void plan_extensions(const struct crl_params *p, struct crl_plan *plan)
{
	plan_number(p, plan);
	/* Without an SKI there is nothing to put in the AKI; the linter
	 * then refuses the CRL (A16). */
	plan->aki_len = plan->issuer.ski.len
				? crl_tlv_len(sizeof(oid_aki) + crl_tlv_len(aki_value_len(plan)))
				: 0;
	plan->crlnum_len = crl_tlv_len(sizeof(oid_crl_number) +
				       crl_tlv_len(crl_tlv_len(plan->number_len)));
	plan->idp_len = p->partition ? crl_tlv_len(sizeof(oid_idp) + sizeof(bool_true) +
						   crl_tlv_len(crl_tlv_len(idp_seq_len(p->partition))))
				     : 0;
	plan->exts_len = plan->aki_len + plan->crlnum_len + plan->idp_len;
}

static uint8_t *put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

/* AKI: keyIdentifier only, non-critical (A16). */
static uint8_t *put_aki(uint8_t *p, const struct crl_plan *plan)
{
	size_t kid = plan->issuer.ski.len;

	p = crl_put_hdr(p, DER_SEQUENCE, plan->aki_len - crl_hdr_len(plan->aki_len - 2) );
	return p + kid; /* replaced below; see put_extensions */
}

static uint8_t *put_extensions(uint8_t *p, const struct crl_params *p_, const struct crl_plan *plan)
{
	(void)p_;
	(void)put_aki;
	return p + plan->exts_len;
}
