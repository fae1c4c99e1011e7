/* crl_build.c - encodes a TBSCertList straight into the caller's buffer,
 * has crl_lint check it, signs it and wraps it as a CertificateList.
 * Every length is computed before the first byte is written, so the
 * revokedCertificates list (up to millions of entries) is written once,
 * front to back, with no OpenSSL object and no copy per entry. Does no
 * I/O; besides the output it allocates only the sort keys (2 x 16 bytes
 * per entry while sorting, when the entries are not already in serial
 * order), the 4-byte-per-entry order they leave behind for the encoder,
 * and the signature scratch buffer. The sort keys are gone before the
 * output buffer is touched: peak memory is the caller's entries plus the
 * CRL plus 4 bytes per entry. */
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
/* How many entries ahead put_tbs prefetches when writing via the index. */
#define CRL_PREFETCH 16
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

/* Sort key: serial length and one 8-octet chunk of the serial as an
 * integer; 16 bytes, so a million keys sort in cache-friendly passes. */
struct crl_sortkey {
	uint64_t k;
	uint32_t idx, len;
};

/* Everything computed before writing. */
struct crl_plan {
	struct x509_fields issuer;
	const struct sigalg *alg;
	uint32_t *order;	   /* entry positions in serial order; NULL: the
				    * entries are already in order */
	uint8_t number[21];	   /* cRLNumber INTEGER content */
	size_t number_len;
	size_t revoked_len;	   /* revokedCertificates content */
	size_t aki_len, crlnum_len, idp_len; /* each Extension TLV, 0 = omitted */
	size_t exts_len;	   /* Extensions SEQUENCE content */
	size_t tbs_len;		   /* TBSCertList content */
	size_t tbs_total;	   /* TBSCertList TLV */
};

/* ---- parameters ------------------------------------------------------- */

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
	if (!asn1time_ok(p->this_update) || !asn1time_ok(p->next_update))
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
static const struct sigalg *build_pick_alg(enum spki_key k, enum crl_sigalg s, struct ll_err *err)
{
	const struct sigalg *a;

	if (s == CRL_SIG_RSA_PSS && k != SPKI_KEY_RSA) {
		ll_err_set(err, "RSASSA-PSS requested for a %s key", spki_key_name(k));
		return NULL;
	}
	a = sigalg_for_key(k, s == CRL_SIG_RSA_PSS);
	if (!a)
		ll_err_set(err, "unsupported issuer key type (need P-256/384/521, RSA, Ed25519, "
				"Ed448)");
	return a;
}

static bool build_issuer(const struct crl_params *p, struct crl_plan *plan, struct ll_err *err)
{
	if (!x509_walk(p->issuer_cert, p->issuer_cert_len, &plan->issuer, err))
		return ll_err_prefix(err, "issuer certificate");
	if (!build_key_matches(p->key, &plan->issuer.spki, err))
		return false;
	plan->alg = build_pick_alg(spki_key_type(plan->issuer.spki.p, plan->issuer.spki.len),
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

	return derw_tlv_len(e->serial_len) + asn1time_tlv_len(e->revoked_at, false) +
	       (x ? derw_tlv_len(x) : 0);
}

static uint8_t *entry_put(uint8_t *p, const struct crl_entry *e)
{
	size_t x = entry_ext_len(e);

	p = derw_put_hdr(p, DER_SEQUENCE, entry_content_len(e));
	p = derw_put_hdr(p, DER_INTEGER, e->serial_len);
	memcpy(p, e->serial, e->serial_len); /* exact octets (A24) */
	p += e->serial_len;
	p = asn1time_put(p, e->revoked_at, false);
	if (!x)
		return p;
	p = derw_put_hdr(p, DER_SEQUENCE, x);
	if (entry_has_reason(e)) {
		memcpy(p, reason_prefix, sizeof(reason_prefix));
		p += sizeof(reason_prefix);
		*p++ = (uint8_t)e->reason;
	}
	if (e->has_invalidity) {
		memcpy(p, invalidity_prefix, sizeof(invalidity_prefix));
		p = asn1time_put(p + sizeof(invalidity_prefix), e->invalidity, true);
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
	bool bad_reason, ca_reason, ca_on_user, ee_on_ca_part, ee_on_ca_profile;
	char hex[56];

	if (!e->serial || e->serial_len == 0 || e->serial_len > CRL_MAX_SERIAL)
		return ll_err_set(err, "entry %zu: serial length %u is not 1..%d octets", i,
				  (unsigned)e->serial_len, CRL_MAX_SERIAL);
	if (!asn1time_ok(e->revoked_at) || (e->has_invalidity && !asn1time_ok(e->invalidity)))
		return ll_err_set(err, "entry %zu: time outside years 0001-9999", i);
	bad_reason = e->reason < CRL_REASON_NONE || e->reason > CRL_REASON_AA_COMPROMISE;
	ca_reason = !bad_reason && e->is_ca && !reason_allowed(e->reason);
	ca_on_user = part && part->only_user && e->is_ca;
	ee_on_ca_part = part && part->only_ca && !e->is_ca;
	ee_on_ca_profile = !ee_on_ca_part && p->profile == CRL_PROFILE_CA && !e->is_ca;
	/* The common case formats nothing: this runs once per entry. */
	if (!(bad_reason || ca_reason || ca_on_user || ee_on_ca_part || ee_on_ca_profile))
		return true;
	crl_hex(e->serial, e->serial_len, hex, sizeof(hex));
	if (bad_reason)
		crl_violation_add(v, e->is_ca ? "A31" : "A29",
				  "entry %zu (serial %s): reason %d is not a CRLReason", i, hex,
				  e->reason);
	if (ca_reason)
		crl_violation_add(v, "A31", "entry %zu (serial %s) is a CA certificate: it needs a "
				  "reasonCode of 1, 3, 4, 5 or 9 (has %d)", i, hex, e->reason);
	if (ca_on_user)
		crl_violation_add(v, "A22", "entry %zu (serial %s) is a CA certificate on an "
				  "onlyContainsUserCerts CRL", i, hex);
	if (ee_on_ca_part)
		crl_violation_add(v, "A22", "entry %zu (serial %s) is an end-entity certificate on "
				  "an onlyContainsCACerts CRL, where relying parties never look",
				  i, hex);
	if (ee_on_ca_profile)
		crl_violation_add(v, "A9", "entry %zu (serial %s) is an end-entity certificate on a "
				  "CA-profile CRL; its CRL must keep the 10-day limit", i, hex);
	return true;
}

/* Octets [8c, 8c + 8) of a serial as a big-endian integer, zero-padded:
 * for serials of equal length, comparing chunks in turn is comparing
 * the octets. */
static uint64_t sort_chunk(const uint8_t *s, size_t len, size_t c)
{
	uint64_t v = 0;
	size_t i;

	for (i = 8 * c; i < 8 * c + 8; i++)
		v = v << 8 | (i < len ? s[i] : 0);
	return v;
}

/* Digit d of a key: d 0..7 are the chunk's octets, least significant
 * first; d 8 is the length, the most significant criterion. */
static unsigned sort_digit(const struct crl_sortkey *x, unsigned d)
{
	return d < 8 ? (unsigned)(x->k >> (8 * d)) & 0xff : x->len;
}

/* LSD radix sort by (len, k): nine stable byte passes, skipping any
 * pass where every key has the same digit (usually the length). tmp
 * holds n keys. */
static void sort_radix(struct crl_sortkey *a, struct crl_sortkey *tmp, size_t n)
{
	size_t cnt[9][256], i, sum, c;
	struct crl_sortkey *src = a, *dst = tmp, *sw;
	unsigned d;

	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < n; i++)
		for (d = 0; d < 9; d++)
			cnt[d][sort_digit(&a[i], d)]++;
	for (d = 0; d < 9; d++) {
		if (cnt[d][sort_digit(&src[0], d)] == n)
			continue;
		for (sum = 0, i = 0; i < 256; i++) {
			c = cnt[d][i];
			cnt[d][i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[d][sort_digit(&src[i], d)]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

static int sort_full_cmp(const struct crl_entry *e, const struct crl_sortkey *x,
			 const struct crl_sortkey *y)
{
	return crl_serial_cmp(e[x->idx].serial, x->len, e[y->idx].serial, y->len);
}

/* Sorts keys whose serials agree on chunks 0..c-1 (all of them when c
 * is 0) and whose k holds chunk c. Runs that also agree on chunk c are
 * sorted again on chunk c + 1; at most 8 levels for 64-octet serials.
 * Returns how many keys equal their predecessor (duplicate serials), so
 * the caller need not compare neighbours through the index again. */
static size_t sort_keys(const struct crl_entry *e, struct crl_sortkey *a,
			struct crl_sortkey *tmp, size_t n, size_t c)
{
	struct crl_sortkey x;
	size_t i, j, m, dups = 0;

	if (n < 32) {
		for (i = 1; i < n; i++) {
			x = a[i];
			for (j = i; j > 0 && sort_full_cmp(e, &a[j - 1], &x) > 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		for (i = 1; i < n; i++)
			dups += sort_full_cmp(e, &a[i - 1], &a[i]) == 0;
		return dups;
	}
	sort_radix(a, tmp, n);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && a[j].k == a[i].k && a[j].len == a[i].len; j++)
			;
		if (j - i < 2)
			continue;
		/* Equal through the last chunk: the same serial. */
		if (a[i].len <= 8 * (c + 1)) {
			dups += j - i - 1;
			continue;
		}
		for (m = i; m < j; m++)
			a[m].k = sort_chunk(e[a[m].idx].serial, a[m].len, c + 1);
		dups += sort_keys(e, a + i, tmp, j - i, c + 1);
	}
	return dups;
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
	return plan->order ? &p->entries[plan->order[i]] : &p->entries[i];
}

/* Puts the entries in serial order (A6) and refuses duplicates. Input
 * that is already in order (a database ORDER BY octet_length(serial),
 * serial) costs one comparison pass and no index. Otherwise the 16-byte
 * sort keys (and their radix scratch) live only while sorting: what the
 * encoder keeps is a 4-byte position per entry, made before the output
 * buffer exists, so at 1M entries the keys' 32 MB never coincide with
 * the CRL's 36 MB. */
static bool build_order(const struct crl_params *p, struct crl_plan *plan,
			struct crl_violations *v, struct ll_err *err)
{
	const struct crl_entry *a, *b;
	struct crl_sortkey *keys, *tmp;
	size_t i, dups = 0;
	char hex[56];
	bool ok = false;

	if (entries_in_order(p->entries, p->nentries))
		return true;
	keys = malloc(p->nentries * sizeof(*keys));
	tmp = malloc(p->nentries * sizeof(*tmp));
	if (!keys || !tmp) {
		ll_err_set(err, "out of memory sorting %zu entries", p->nentries);
		goto out;
	}
	for (i = 0; i < p->nentries; i++) {
		keys[i].k = sort_chunk(p->entries[i].serial, p->entries[i].serial_len, 0);
		keys[i].len = p->entries[i].serial_len;
		keys[i].idx = (uint32_t)i;
	}
	dups = sort_keys(p->entries, keys, tmp, p->nentries, 0);
	free(tmp);
	tmp = NULL;
	if (dups) {
		for (i = 1; i < p->nentries; i++) {
			a = &p->entries[keys[i - 1].idx];
			b = &p->entries[keys[i].idx];
			if (crl_serial_cmp(a->serial, a->serial_len, b->serial, b->serial_len) == 0) {
				crl_hex(b->serial, b->serial_len, hex, sizeof(hex));
				crl_violation_add(v, "A6", "serial %s is listed twice (entries %u and %u)",
						  hex, keys[i - 1].idx, keys[i].idx);
			}
		}
		ll_err_set(err, "A6: %zu duplicate serial(s) in the entry list", dups);
		goto out;
	}
	plan->order = malloc(p->nentries * sizeof(*plan->order));
	if (!plan->order) {
		ll_err_set(err, "out of memory sorting %zu entries", p->nentries);
		goto out;
	}
	for (i = 0; i < p->nentries; i++)
		plan->order[i] = keys[i].idx;
	ok = true;
out:
	free(tmp);
	free(keys);
	return ok;
}

static bool build_entries(const struct crl_params *p, struct crl_plan *plan,
			  struct crl_violations *v, struct ll_err *err)
{
	size_t i;

	for (i = 0; i < p->nentries; i++) {
		if (!build_check_entry(p, i, v, err))
			return false;
		plan->revoked_len += derw_tlv_len(entry_content_len(&p->entries[i]));
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
	return derw_tlv_len(derw_tlv_len(plan->issuer.ski.len));
}

static size_t idp_seq_len(const struct crl_partition *part)
{
	return derw_tlv_len(derw_tlv_len(derw_tlv_len(strlen(part->uri)))) +
	       (part->only_user ? 3 : 0) + (part->only_ca ? 3 : 0);
}

static void plan_extensions(const struct crl_params *p, struct crl_plan *plan)
{
	plan_number(p, plan);
	/* Without an SKI there is nothing to put in the AKI; the linter
	 * then refuses the CRL (A16). */
	plan->aki_len = plan->issuer.ski.len
				? derw_tlv_len(sizeof(oid_aki) + derw_tlv_len(aki_value_len(plan)))
				: 0;
	plan->crlnum_len = derw_tlv_len(sizeof(oid_crl_number) +
					derw_tlv_len(derw_tlv_len(plan->number_len)));
	plan->idp_len = p->partition ? derw_tlv_len(sizeof(oid_idp) + sizeof(bool_true) +
						    derw_tlv_len(derw_tlv_len(idp_seq_len(p->partition))))
				     : 0;
	plan->exts_len = plan->aki_len + plan->crlnum_len + plan->idp_len;
}

/* AKI: keyIdentifier only, non-critical (A16). */
static uint8_t *put_aki(uint8_t *p, const struct crl_plan *plan)
{
	size_t kid = plan->issuer.ski.len, val = aki_value_len(plan);

	p = derw_put_hdr(p, DER_SEQUENCE, sizeof(oid_aki) + derw_tlv_len(val));
	p = derw_put(p, oid_aki, sizeof(oid_aki));
	p = derw_put_hdr(p, DER_OCTETSTRING, val);
	p = derw_put_hdr(p, DER_SEQUENCE, derw_tlv_len(kid));
	p = derw_put_hdr(p, 0x80, kid);
	return derw_put(p, plan->issuer.ski.p, kid);
}

/* cRLNumber: non-critical INTEGER (A17). */
static uint8_t *put_crl_number(uint8_t *p, const struct crl_plan *plan)
{
	size_t in = derw_tlv_len(plan->number_len);

	p = derw_put_hdr(p, DER_SEQUENCE, sizeof(oid_crl_number) + derw_tlv_len(in));
	p = derw_put(p, oid_crl_number, sizeof(oid_crl_number));
	p = derw_put_hdr(p, DER_OCTETSTRING, in);
	p = derw_put_hdr(p, DER_INTEGER, plan->number_len);
	return derw_put(p, plan->number, plan->number_len);
}

/* IDP: critical; distributionPoint [0] fullName [0] { URI [6] }, then
 * the scope flags, TRUE only (DEFAULT FALSE is omitted) (A20). */
static uint8_t *put_idp(uint8_t *p, const struct crl_partition *part)
{
	static const uint8_t user[] = {0x81, 0x01, 0xff}, ca[] = {0x82, 0x01, 0xff};
	size_t u = strlen(part->uri), seq = idp_seq_len(part);

	p = derw_put_hdr(p, DER_SEQUENCE, sizeof(oid_idp) + sizeof(bool_true) +
					      derw_tlv_len(derw_tlv_len(seq)));
	p = derw_put(p, oid_idp, sizeof(oid_idp));
	p = derw_put(p, bool_true, sizeof(bool_true));
	p = derw_put_hdr(p, DER_OCTETSTRING, derw_tlv_len(seq));
	p = derw_put_hdr(p, DER_SEQUENCE, seq);
	p = derw_put_hdr(p, 0xa0, derw_tlv_len(derw_tlv_len(u)));
	p = derw_put_hdr(p, 0xa0, derw_tlv_len(u));
	p = derw_put_hdr(p, 0x86, u);
	p = derw_put(p, part->uri, u);
	if (part->only_user)
		p = derw_put(p, user, sizeof(user));
	if (part->only_ca)
		p = derw_put(p, ca, sizeof(ca));
	return p;
}

/* ---- TBSCertList ------------------------------------------------------ */

static void plan_tbs(const struct crl_params *p, struct crl_plan *plan)
{
	plan->tbs_len = 3 + plan->alg->len + plan->issuer.subject.len +
			asn1time_tlv_len(p->this_update, false) +
			asn1time_tlv_len(p->next_update, false) +
			(p->nentries ? derw_tlv_len(plan->revoked_len) : 0) +
			derw_tlv_len(derw_tlv_len(plan->exts_len));
	plan->tbs_total = derw_tlv_len(plan->tbs_len);
}

static uint8_t *put_tbs(uint8_t *o, const struct crl_params *p, const struct crl_plan *plan)
{
	static const uint8_t v2[] = {0x02, 0x01, 0x01}; /* A1 */
	size_t i;

	o = derw_put_hdr(o, DER_SEQUENCE, plan->tbs_len);
	o = derw_put(o, v2, sizeof(v2));
	o = derw_put(o, plan->alg->der, plan->alg->len);
	/* The issuer certificate's subject, byte for byte (A4). */
	o = derw_put(o, plan->issuer.subject.p, plan->issuer.subject.len);
	o = asn1time_put(o, p->this_update, false);
	o = asn1time_put(o, p->next_update, false);
	/* Absent, not empty, when nothing is revoked (A23). */
	if (p->nentries) {
		o = derw_put_hdr(o, DER_SEQUENCE, plan->revoked_len);
		for (i = 0; i < p->nentries; i++) {
			/* Sorted through the index, entries and serials are read
			 * in random order: fetch them ahead, the entry first. */
			if (plan->order && i + CRL_PREFETCH < p->nentries) {
				__builtin_prefetch(plan_entry(p, plan, i + CRL_PREFETCH));
				__builtin_prefetch(plan_entry(p, plan, i + CRL_PREFETCH / 2)->serial);
			}
			o = entry_put(o, plan_entry(p, plan, i));
		}
	}
	o = derw_put_hdr(o, DER_CTX0, derw_tlv_len(plan->exts_len));
	o = derw_put_hdr(o, DER_SEQUENCE, plan->exts_len);
	if (plan->aki_len)
		o = put_aki(o, plan);
	o = put_crl_number(o, plan);
	if (plan->idp_len)
		o = put_idp(o, p->partition);
	return o;
}

/* ---- signature -------------------------------------------------------- */

static bool build_sign(EVP_PKEY *key, const struct sigalg *a, const uint8_t *tbs, size_t len,
		       uint8_t *sig, size_t *sig_len, struct ll_err *err)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new(); /* owned */
	EVP_PKEY_CTX *pctx = NULL;	  /* borrowed from m */
	const char *md = sigalg_md_name(a->md);
	bool ok = false;

	if (!m) {
		ll_err_set(err, "out of memory");
		goto out;
	}
	if (EVP_DigestSignInit_ex(m, &pctx, md, NULL, NULL, key, NULL) != 1) {
		ll_err_openssl(err, "signing set-up failed");
		goto out;
	}
	/* BR 7.1.3.2: MGF1 with the same digest, salt = digest length. The
	 * EVP_MD form, not set_rsa_mgf1_md_name: the name form fails on
	 * engine-backed (PKCS#11) keys in OpenSSL 3.0. */
	if (a->pss) {
		EVP_MD *mgf = EVP_MD_fetch(NULL, md, NULL);
		bool pss_ok = mgf && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
			      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, sigalg_md_size(a->md)) > 0 &&
			      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) > 0;

		EVP_MD_free(mgf);
		if (!pss_ok) {
			ll_err_openssl(err, "RSASSA-PSS set-up failed");
			goto out;
		}
	}
	if (EVP_DigestSign(m, sig, sig_len, tbs, len) != 1) {
		ll_err_openssl(err, "signing failed");
		goto out;
	}
	ok = true;
out:
	EVP_MD_CTX_free(m);
	return ok;
}

/* Writes the CertificateList header and tail around the TBS that sits at
 * out + base + hdr_max. The header can be shorter than hdr_max only when
 * the actual signature is shorter than the maximum and that crosses a
 * length-octet boundary; then the TBS moves once. */
static void build_assemble(struct ll_buf *out, size_t base, size_t hdr_max,
			   const struct crl_plan *plan, const uint8_t *sig, size_t sig_len)
{
	size_t content = plan->tbs_total + plan->alg->len + derw_tlv_len(sig_len + 1);
	size_t h = derw_hdr_len(content);
	uint8_t *start = out->data + base, *o;

	if (h != hdr_max)
		memmove(start + h, start + hdr_max, plan->tbs_total);
	derw_put_hdr(start, DER_SEQUENCE, content);
	o = start + h + plan->tbs_total;
	o = derw_put(o, plan->alg->der, plan->alg->len); /* same bytes as in the TBS (A2) */
	o = derw_put_hdr(o, DER_BITSTRING, sig_len + 1);
	*o++ = 0; /* no unused bits; an ECDSA signature goes in as its DER */
	memcpy(o, sig, sig_len);
	out->len = base + h + content;
}

/* ---- entry point ------------------------------------------------------ */

static void build_lint_ctx(const struct crl_params *p, struct crl_lint_ctx *c)
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

static bool build_refuse(const struct crl_violations *v, struct ll_err *err)
{
	if (v->n == 0)
		return ll_err_set(err, "CRL refused by lint (%zu findings)", v->total);
	if (v->total > 1)
		return ll_err_set(err, "CRL refused by lint: %s: %s (and %zu more)", v->v[0].id,
				  v->v[0].msg, v->total - 1);
	return ll_err_set(err, "CRL refused by lint: %s: %s", v->v[0].id, v->v[0].msg);
}

bool crl_build(const struct crl_params *p, struct ll_buf *out, struct crl_violations *v,
	       struct ll_err *err)
{
	struct crl_violations scratch;
	struct crl_lint_ctx lctx;
	struct crl_plan plan;
	uint8_t *sig = NULL, *tbs, *end;
	size_t base, sig_max, hdr_max, content_max, sig_len;
	bool ok = false;
	int ksize;

	if (!v)
		v = &scratch;
	memset(v, 0, sizeof(*v));
	memset(&plan, 0, sizeof(plan));
	if (!build_check_params(p, out, err) || !build_issuer(p, &plan, err) ||
	    !build_entries(p, &plan, v, err))
		goto out;
	plan_extensions(p, &plan);
	plan_tbs(p, &plan);

	ksize = EVP_PKEY_get_size(p->key);
	if (ksize <= 0) {
		ll_err_set(err, "cannot size the signature for this key");
		goto out;
	}
	sig_max = (size_t)ksize;
	content_max = plan.tbs_total + plan.alg->len + derw_tlv_len(sig_max + 1);
	hdr_max = derw_hdr_len(content_max);
	base = out->len;
	sig = malloc(sig_max);
	if (!sig || !ll_buf_reserve(out, hdr_max + content_max)) {
		ll_err_set(err, "no room for a %zu-byte CRL (buffer limit or memory)",
			   hdr_max + content_max);
		goto out;
	}
	tbs = out->data + base + hdr_max;
	end = put_tbs(tbs, p, &plan);
	if ((size_t)(end - tbs) != plan.tbs_total) {
		ll_err_set(err, "internal error: TBS is %zu bytes, planned %zu",
			   (size_t)(end - tbs), plan.tbs_total);
		goto out;
	}
	/* Only a clean TBS is signed (A36). */
	build_lint_ctx(p, &lctx);
	crl_lint_tbs_append(tbs, plan.tbs_total, &lctx, v, NULL);
	if (v->total) {
		build_refuse(v, err);
		goto out;
	}
	sig_len = sig_max;
	if (!build_sign(p->key, plan.alg, tbs, plan.tbs_total, sig, &sig_len, err))
		goto out;
	build_assemble(out, base, hdr_max, &plan, sig, sig_len);
	ok = true;
out:
	free(sig);
	free(plan.order);
	return ok;
}
