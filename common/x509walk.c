/* x509walk.c - see x509walk.h. One pass over a DER certificate with the
 * der.h cursor: no allocation, no OpenSSL, every span borrowed from the
 * input. The walker checks structure (RFC 5280 section 4.1 shapes, strict
 * DER lengths, times) and decodes the handful of extensions lastleaf acts
 * on; what a field may contain (serial length, algorithms, validity
 * windows) is policy and is judged by the callers. */
#include "x509walk.h"

#include <stdio.h>
#include <string.h>

#include "der.h"

/* Real certificates carry a dozen extensions at most; the cap bounds the
 * quadratic duplicate check against a hostile list of thousands. */
#define X509_MAX_EXTENSIONS 64
/* The walker accepts long serials so that policy code can name them;
 * RFC 5280 allows 20 octets. */
#define X509_MAX_SERIAL 64

/* Extension OIDs (content octets). */
static const uint8_t oid_ocsp_nocheck[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x05};
static const uint8_t oid_ct_poison[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x03};
static const uint8_t oid_ct_scts[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02};
/* EKU purposes. */
static const uint8_t oid_kp_ocsp_signing[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09};
static const uint8_t oid_any_eku[] = {0x55, 0x1d, 0x25, 0x00};

/* Signature algorithms. `params` says what the parameters field may be:
 * RFC 5758 and RFC 8410 require it absent for ECDSA and Ed25519, RFC 4055
 * allows NULL or absent for PKCS#1 v1.5, and PSS needs its parameters. */
enum sigalg_params { PARAMS_ABSENT, PARAMS_NULL_OR_ABSENT, PARAMS_SEQUENCE };

struct sigalg_entry {
	uint8_t oid[9];
	uint8_t oid_len;
	uint8_t params;
	enum x509_sigalg kind;
};

static const struct sigalg_entry sigalg_table[] = {
	{{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}, 8, PARAMS_ABSENT, X509_SIG_ECDSA_SHA256},
	{{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}, 8, PARAMS_ABSENT, X509_SIG_ECDSA_SHA384},
	{{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04}, 8, PARAMS_ABSENT, X509_SIG_ECDSA_SHA512},
	{{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b}, 9, PARAMS_NULL_OR_ABSENT, X509_SIG_RSA_SHA256},
	{{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c}, 9, PARAMS_NULL_OR_ABSENT, X509_SIG_RSA_SHA384},
	{{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d}, 9, PARAMS_NULL_OR_ABSENT, X509_SIG_RSA_SHA512},
	{{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a}, 9, PARAMS_SEQUENCE, X509_SIG_RSA_PSS},
	{{0x2b, 0x65, 0x70}, 3, PARAMS_ABSENT, X509_SIG_ED25519},
	{{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05}, 9, PARAMS_NULL_OR_ABSENT, X509_SIG_RSA_SHA1},
	{{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01}, 7, PARAMS_ABSENT, X509_SIG_ECDSA_SHA1},
};

/* Inline twins of der_next/der_expect/der_optional: the walk makes a
 * few dozen of these calls per certificate, and the calls into der.c
 * were a third of its time. Same semantics, same der_decode rules. */
static inline bool walk_next(struct der *d, struct der_tlv *t)
{
	if (der_decode(d->p, d->len, t) != DER_FAULT_NONE)
		return false;
	d->p += t->total;
	d->len -= t->total;
	return true;
}

static inline bool walk_expect(struct der *d, uint8_t tag, struct der_tlv *t)
{
	return d->len != 0 && d->p[0] == tag && walk_next(d, t);
}

static inline bool walk_optional(struct der *d, uint8_t tag, struct der_tlv *t, bool *present)
{
	*present = false;
	if (d->len == 0 || d->p[0] != tag)
		return true;
	*present = walk_next(d, t);
	return *present;
}

static inline struct x509_span walk_span(const uint8_t *p, size_t len)
{
	struct x509_span s = {p, len};
	return s;
}

static inline bool walk_oid_eq(const struct der_tlv *t, const uint8_t *oid, size_t len)
{
	return t->len == len && memcmp(t->val, oid, len) == 0;
}

/* Fills err with why `what` (expected with tag `tag`) could not be read
 * at d: missing, truncated, badly encoded or a different tag. */
static bool walk_fail(struct ll_err *err, const struct der *d, uint8_t tag, const char *what)
{
	enum der_fault fault = der_diagnose(d);

	switch (fault) {
	case DER_FAULT_NONE:
		return ll_err_set(err, "bad %s (tag 0x%02x, expected 0x%02x)", what, d->p[0], tag);
	case DER_FAULT_EMPTY:
		return ll_err_set(err, "missing %s", what);
	case DER_FAULT_TRUNCATED:
		return ll_err_set(err, "truncated %s", what);
	default:
		return ll_err_set(err, "bad %s (%s)", what, der_fault_str(fault));
	}
}

#define WALK_EXPECT(d, tag, t, what)                              \
	do {                                                      \
		if (!walk_expect((d), (tag), (t)))                \
			return walk_fail(err, (d), (tag), (what)); \
	} while (0)

/* Dotted text of an OID for error messages; "?" parts for arcs that do
 * not fit 56 bits or a dangling continuation octet. */
static void walk_oid_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t i, used = 0;
	uint64_t v = 0;
	bool first = true;

	buf[0] = '\0';
	for (i = 0; i < n && used + 24 < cap; i++) {
		if (v >> 56) {
			used += (size_t)snprintf(buf + used, cap - used, "%s?", first ? "" : ".");
			return;
		}
		v = (v << 7) | (p[i] & 0x7f);
		if (p[i] & 0x80)
			continue;
		if (first) {
			unsigned top = v < 40 ? 0 : v < 80 ? 1 : 2;

			used += (size_t)snprintf(buf + used, cap - used, "%u.%llu", top,
						 (unsigned long long)(v - 40 * top));
			first = false;
		} else {
			used += (size_t)snprintf(buf + used, cap - used, ".%llu",
						 (unsigned long long)v);
		}
		v = 0;
	}
	if (i < n || (n && (p[n - 1] & 0x80)))
		snprintf(buf + used, cap - used, "%s?", first ? "" : ".");
}

enum x509_sigalg x509_sigalg_kind(const uint8_t *alg, size_t len)
{
	struct der d = der_init(alg, len), s;
	struct der_tlv seq, oid, par;
	bool has_params = false, null_params = false;
	size_t i;

	if (!walk_expect(&d, DER_SEQUENCE, &seq) || !der_empty(&d))
		return X509_SIG_UNKNOWN;
	s = der_enter(&seq);
	if (!walk_expect(&s, DER_OID, &oid))
		return X509_SIG_UNKNOWN;
	if (!der_empty(&s)) {
		if (!walk_next(&s, &par) || !der_empty(&s))
			return X509_SIG_UNKNOWN;
		has_params = true;
		null_params = par.tag == DER_NULL && par.len == 0;
	}
	for (i = 0; i < sizeof(sigalg_table) / sizeof(sigalg_table[0]); i++) {
		const struct sigalg_entry *e = &sigalg_table[i];

		if (!walk_oid_eq(&oid, e->oid, e->oid_len))
			continue;
		switch (e->params) {
		case PARAMS_ABSENT:
			return has_params ? X509_SIG_UNKNOWN : e->kind;
		case PARAMS_NULL_OR_ABSENT:
			return has_params && !null_params ? X509_SIG_UNKNOWN : e->kind;
		default:
			return has_params && par.tag == DER_SEQUENCE ? e->kind : X509_SIG_UNKNOWN;
		}
	}
	return X509_SIG_UNKNOWN;
}

size_t x509_der_span(const uint8_t *p, size_t len)
{
	struct der d = der_init(p, len);
	struct der_tlv t;

	if (!walk_expect(&d, DER_SEQUENCE, &t))
		return 0;
	return t.total;
}

/* Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime } */
static bool walk_time(struct der *d, ll_time *out, const char *what, struct ll_err *err)
{
	struct der_tlv t;

	if (!walk_next(d, &t))
		return walk_fail(err, d, DER_UTCTIME, what);
	if (t.tag != DER_UTCTIME && t.tag != DER_GENTIME)
		return ll_err_set(err, "bad %s time (tag 0x%02x)", what, t.tag);
	if (!ll_time_parse_asn1(t.val, t.len, t.tag == DER_UTCTIME, out))
		return ll_err_set(err, "bad %s time", what);
	return true;
}

/* SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING) */
static bool walk_ski(struct der d, struct x509_fields *f)
{
	struct der_tlv t;

	if (!walk_expect(&d, DER_OCTETSTRING, &t) || !der_empty(&d))
		return false;
	f->ski = walk_span(t.val, t.len);
	return true;
}

/* AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT,
 *   authorityCertIssuer [1] IMPLICIT GeneralNames,
 *   authorityCertSerialNumber [2] IMPLICIT INTEGER } (all optional) */
static bool walk_aki(struct der d, struct x509_fields *f)
{
	struct der_tlv seq, t;
	struct der s;
	bool present;

	if (!walk_expect(&d, DER_SEQUENCE, &seq) || !der_empty(&d))
		return false;
	s = der_enter(&seq);
	if (!walk_optional(&s, 0x80, &t, &present))
		return false;
	if (present)
		f->aki = walk_span(t.val, t.len);
	if (!walk_optional(&s, 0xa1, &t, &present) || !walk_optional(&s, 0x82, &t, &present))
		return false;
	return der_empty(&s);
}

/* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
 *   pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
static bool walk_basic_constraints(struct der d, struct x509_fields *f)
{
	struct der_tlv seq, t;
	struct der s;
	bool present;

	if (!walk_expect(&d, DER_SEQUENCE, &seq) || !der_empty(&d))
		return false;
	s = der_enter(&seq);
	if (!walk_optional(&s, DER_BOOLEAN, &t, &present))
		return false;
	if (present) {
		if (t.len != 1)
			return false;
		f->is_ca = t.val[0] != 0;
	}
	if (!walk_optional(&s, DER_INTEGER, &t, &present) || (present && t.len == 0))
		return false;
	f->has_basic_constraints = true;
	return der_empty(&s);
}

/* KeyUsage ::= BIT STRING; bit n (RFC 5280 numbering, MSB first) becomes
 * 1 << n. Bits past decipherOnly (8) do not exist and are ignored, as are
 * the padding bits that the unused-bits octet names. */
static bool walk_key_usage(struct der d, struct x509_fields *f)
{
	struct der_tlv t;
	unsigned unused, bit;
	int ku = 0;
	size_t i;

	if (!walk_expect(&d, DER_BITSTRING, &t) || !der_empty(&d) || t.len == 0)
		return false;
	unused = t.val[0];
	if (unused > 7 || (t.len == 1 && unused != 0))
		return false;
	for (i = 1; i < t.len && i <= 2; i++) {
		unsigned b = t.val[i];

		if (i == t.len - 1)
			b &= 0xffu << unused;
		for (bit = 0; bit < 8; bit++)
			if (b & (0x80u >> bit))
				ku |= 1 << ((i - 1) * 8 + bit);
	}
	f->key_usage = ku;
	return true;
}

/* CRLDistributionPoints ::= SEQUENCE OF DistributionPoint
 * DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName,
 *   reasons [1] ReasonFlags, cRLIssuer [2] GeneralNames } (all optional)
 * DistributionPointName ::= CHOICE { fullName [0] GeneralNames,
 *   nameRelativeToCRLIssuer [1] RelativeDistinguishedName }
 * A URI is GeneralName [6] IMPLICIT IA5String. */
static bool walk_cdp(struct der d, struct x509_fields *f)
{
	struct der_tlv seq, dp, t, name;
	struct der s;
	bool first = true, present;

	if (!walk_expect(&d, DER_SEQUENCE, &seq) || !der_empty(&d))
		return false;
	s = der_enter(&seq);
	while (!der_empty(&s)) {
		struct der p, n;

		if (!walk_expect(&s, DER_SEQUENCE, &dp))
			return false;
		p = der_enter(&dp);
		if (!walk_optional(&p, DER_CTX0, &t, &present))
			return false;
		if (present) {
			n = der_enter(&t);
			if (!walk_next(&n, &name) || !der_empty(&n))
				return false;
			if (name.tag == DER_CTX0) {
				struct der g = der_enter(&name);

				while (!der_empty(&g)) {
					struct der_tlv gn;

					if (!walk_next(&g, &gn))
						return false;
					if (gn.tag != 0x86)
						continue;
					if (first && f->cdp_uri.p == NULL)
						f->cdp_uri = walk_span(gn.val, gn.len);
					f->cdp_uri_count++;
				}
			} else if (name.tag != DER_CTX1) {
				return false;
			}
		}
		if (!walk_optional(&p, 0x81, &t, &present) ||
		    !walk_optional(&p, DER_CTX2, &t, &present) || !der_empty(&p))
			return false;
		first = false;
	}
	return true;
}

/* ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId (OBJECT IDENTIFIER) */
static bool walk_eku(struct der d, struct x509_fields *f)
{
	struct der_tlv seq, t;
	struct der s;

	if (!walk_expect(&d, DER_SEQUENCE, &seq) || !der_empty(&d))
		return false;
	s = der_enter(&seq);
	while (!der_empty(&s)) {
		if (!walk_expect(&s, DER_OID, &t))
			return false;
		if (walk_oid_eq(&t, oid_kp_ocsp_signing, sizeof(oid_kp_ocsp_signing)))
			f->eku_ocsp_signing = true;
		else if (walk_oid_eq(&t, oid_any_eku, sizeof(oid_any_eku)))
			f->eku_any = true;
	}
	f->eku_present = true;
	return true;
}

static inline unsigned walk_u16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* RFC 6962 3.3: the extnValue holds an OCTET STRING whose content is a
 * TLS SignedCertificateTimestampList. SCTs are advisory, so a malformed
 * list only clears has_sct; it never fails the certificate. Each v1 SCT
 * must be complete (extensions and signature inside its length); SCTs of
 * unknown versions are skipped as RFC 6962 asks. */
static void walk_sct_list(struct der d, struct x509_fields *f)
{
	struct der_tlv os;
	const uint8_t *p;
	size_t n;
	ll_time earliest = 0;
	bool any = false;

	if (!walk_expect(&d, DER_OCTETSTRING, &os) || !der_empty(&d) || os.len < 2)
		return;
	p = os.val;
	n = os.len;
	if (walk_u16(p) != n - 2)
		return;
	p += 2;
	n -= 2;
	while (n > 0) {
		size_t l, ext, sig;
		uint64_t ms = 0;
		unsigned i;

		if (n < 2)
			return;
		l = walk_u16(p);
		p += 2;
		n -= 2;
		if (l == 0 || l > n)
			return;
		if (p[0] == 0) {
			/* version(1) log_id(32) timestamp(8) extensions<0..2^16-1>
			 * hash(1) sig(1) signature<0..2^16-1> */
			if (l < 43)
				return;
			ext = walk_u16(p + 41);
			if (ext > l - 43 || l - 43 - ext < 4)
				return;
			sig = walk_u16(p + 43 + ext + 2);
			if (sig != l - 43 - ext - 4)
				return;
			for (i = 0; i < 8; i++)
				ms = ms << 8 | p[33 + i];
			if (!any || (ll_time)(ms / 1000) < earliest)
				earliest = (ll_time)(ms / 1000);
			any = true;
		}
		p += l;
		n -= l;
	}
	f->has_sct = any;
	f->sct_earliest = earliest;
}

/* Decodes one known extension; unknown ones are ignored (whether an
 * unknown critical extension is acceptable is the caller's policy). */
static bool walk_extension(const struct der_tlv *oid, const struct der_tlv *val,
			   struct x509_fields *f, struct ll_err *err)
{
	struct der d = der_enter(val);
	const char *name;
	bool ok;

	if (oid->len == 3 && oid->val[0] == 0x55 && oid->val[1] == 0x1d) {
		switch (oid->val[2]) {
		case 0x0e: name = "subjectKeyIdentifier"; ok = walk_ski(d, f); break;
		case 0x0f: name = "keyUsage"; ok = walk_key_usage(d, f); break;
		case 0x13: name = "basicConstraints"; ok = walk_basic_constraints(d, f); break;
		case 0x1f: name = "cRLDistributionPoints"; ok = walk_cdp(d, f); break;
		case 0x23: name = "authorityKeyIdentifier"; ok = walk_aki(d, f); break;
		case 0x25: name = "extKeyUsage"; ok = walk_eku(d, f); break;
		default: return true;
		}
		return ok ? true : ll_err_set(err, "bad %s extension", name);
	}
	if (walk_oid_eq(oid, oid_ocsp_nocheck, sizeof(oid_ocsp_nocheck))) {
		f->ocsp_nocheck = true;
		f->ocsp_nocheck_value = walk_span(val->val, val->len);
	} else if (walk_oid_eq(oid, oid_ct_poison, sizeof(oid_ct_poison))) {
		f->precert_poison = true;
	} else if (walk_oid_eq(oid, oid_ct_scts, sizeof(oid_ct_scts))) {
		walk_sct_list(d, f);
	}
	return true;
}

/* Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
 * Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 *   extnValue OCTET STRING } */
static bool walk_extensions(const struct der_tlv *list, struct x509_fields *f, struct ll_err *err)
{
	struct x509_span seen[X509_MAX_EXTENSIONS];
	struct der exts = der_enter(list);
	size_t nseen = 0, i;

	while (!der_empty(&exts)) {
		struct der_tlv ext, oid, crit, val;
		struct der e;
		bool present;

		WALK_EXPECT(&exts, DER_SEQUENCE, &ext, "extension");
		e = der_enter(&ext);
		WALK_EXPECT(&e, DER_OID, &oid, "extension OID");
		if (oid.len == 0)
			return ll_err_set(err, "bad extension OID (empty)");
		/* DER forbids encoding the FALSE default, but some CAs did;
		 * OpenSSL accepts it, and so do we. */
		if (!walk_optional(&e, DER_BOOLEAN, &crit, &present) || (present && crit.len != 1))
			return ll_err_set(err, "bad extension critical flag");
		WALK_EXPECT(&e, DER_OCTETSTRING, &val, "extnValue");
		if (!der_empty(&e))
			return ll_err_set(err, "trailing data in extension");
		for (i = 0; i < nseen; i++) {
			/* Most OIDs here are 55 1d xx: compare the last octet
			 * before paying for memcmp. */
			if (seen[i].len == oid.len && seen[i].p[oid.len - 1] == oid.val[oid.len - 1] &&
			    memcmp(seen[i].p, oid.val, oid.len) == 0) {
				char text[128];

				walk_oid_text(oid.val, oid.len, text, sizeof(text));
				return ll_err_set(err, "duplicate extension %s", text);
			}
		}
		if (nseen == X509_MAX_EXTENSIONS)
			return ll_err_set(err, "too many extensions (more than %d)",
					  X509_MAX_EXTENSIONS);
		seen[nseen++] = walk_span(oid.val, oid.len);
		if (!walk_extension(&oid, &val, f, err))
			return false;
	}
	return true;
}

/* TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1,
 *   serialNumber, signature, issuer, validity, subject,
 *   subjectPublicKeyInfo, issuerUniqueID [1] IMPLICIT, subjectUniqueID [2]
 *   IMPLICIT, extensions [3] EXPLICIT } */
static bool walk_tbs(const struct der_tlv *tbs_tlv, struct x509_fields *f, struct ll_err *err)
{
	struct der tbs = der_enter(tbs_tlv), sub;
	struct der_tlv t, a;
	bool present;

	if (!walk_optional(&tbs, DER_CTX0, &t, &present))
		return walk_fail(err, &tbs, DER_CTX0, "version");
	if (present) {
		/* An explicit v1 is not DER (it is the DEFAULT) but OpenSSL
		 * has always written and read it, so it is not worth a
		 * rejection here. */
		sub = der_enter(&t);
		WALK_EXPECT(&sub, DER_INTEGER, &a, "version");
		if (a.len != 1 || a.val[0] > 2 || !der_empty(&sub))
			return ll_err_set(err, "bad version");
		f->version = a.val[0] + 1;
	}

	WALK_EXPECT(&tbs, DER_INTEGER, &t, "serial");
	if (t.len == 0)
		return ll_err_set(err, "bad serial (empty INTEGER)");
	if (t.len > X509_MAX_SERIAL)
		return ll_err_set(err, "bad serial (%zu octets, more than %d)", t.len,
				  X509_MAX_SERIAL);
	f->serial = walk_span(t.val, t.len);

	WALK_EXPECT(&tbs, DER_SEQUENCE, &t, "TBSCertificate signature algorithm");
	f->tbs_sigalg = walk_span(t.start, t.total);
	WALK_EXPECT(&tbs, DER_SEQUENCE, &t, "issuer");
	f->issuer = walk_span(t.start, t.total);

	WALK_EXPECT(&tbs, DER_SEQUENCE, &t, "validity");
	sub = der_enter(&t);
	if (!walk_time(&sub, &f->not_before, "notBefore", err) ||
	    !walk_time(&sub, &f->not_after, "notAfter", err))
		return false;
	if (!der_empty(&sub))
		return ll_err_set(err, "trailing data in validity");

	WALK_EXPECT(&tbs, DER_SEQUENCE, &t, "subject");
	f->subject = walk_span(t.start, t.total);

	/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING } */
	WALK_EXPECT(&tbs, DER_SEQUENCE, &t, "subjectPublicKeyInfo");
	f->spki = walk_span(t.start, t.total);
	sub = der_enter(&t);
	WALK_EXPECT(&sub, DER_SEQUENCE, &a, "subjectPublicKeyInfo algorithm");
	WALK_EXPECT(&sub, DER_BITSTRING, &a, "subjectPublicKey");
	if (a.len == 0 || a.val[0] != 0)
		return ll_err_set(err, "bad subjectPublicKey (unused bits)");
	f->pubkey = walk_span(a.val + 1, a.len - 1);
	if (!der_empty(&sub))
		return ll_err_set(err, "trailing data in subjectPublicKeyInfo");

	if (!walk_optional(&tbs, 0x81, &t, &present))
		return walk_fail(err, &tbs, 0x81, "issuerUniqueID");
	if (present && f->version < 2)
		return ll_err_set(err, "issuerUniqueID in a v1 certificate");
	if (!walk_optional(&tbs, 0x82, &t, &present))
		return walk_fail(err, &tbs, 0x82, "subjectUniqueID");
	if (present && f->version < 2)
		return ll_err_set(err, "subjectUniqueID in a v1 certificate");

	if (!walk_optional(&tbs, DER_CTX3, &t, &present))
		return walk_fail(err, &tbs, DER_CTX3, "extensions");
	if (present) {
		if (f->version != 3)
			return ll_err_set(err, "extensions in a v%d certificate", f->version);
		sub = der_enter(&t);
		WALK_EXPECT(&sub, DER_SEQUENCE, &a, "extensions");
		if (!der_empty(&sub))
			return ll_err_set(err, "trailing data after extensions");
		if (!walk_extensions(&a, f, err))
			return false;
	}
	if (!der_empty(&tbs))
		return ll_err_set(err, "trailing data in TBSCertificate");
	return true;
}

bool x509_walk(const uint8_t *der, size_t len, struct x509_fields *f, struct ll_err *err)
{
	struct der top = der_init(der, len), cert;
	struct der_tlv t;

	memset(f, 0, sizeof(*f));
	f->version = 1;
	f->key_usage = -1;

	WALK_EXPECT(&top, DER_SEQUENCE, &t, "certificate");
	if (!der_empty(&top))
		return ll_err_set(err, "trailing data after certificate");
	f->cert = walk_span(t.start, t.total);
	cert = der_enter(&t);

	WALK_EXPECT(&cert, DER_SEQUENCE, &t, "TBSCertificate");
	f->tbs = walk_span(t.start, t.total);
	if (!walk_tbs(&t, f, err))
		return false;

	WALK_EXPECT(&cert, DER_SEQUENCE, &t, "signatureAlgorithm");
	f->sigalg = walk_span(t.start, t.total);
	WALK_EXPECT(&cert, DER_BITSTRING, &t, "signatureValue");
	if (t.len == 0 || t.val[0] != 0)
		return ll_err_set(err, "bad signatureValue (unused bits)");
	f->sig = walk_span(t.val + 1, t.len - 1);
	if (!der_empty(&cert))
		return ll_err_set(err, "trailing data in certificate");

	/* RFC 5280 4.1.1.2: the unsigned outer algorithm must repeat the
	 * signed one, or a verifier could be steered to another algorithm. */
	if (f->sigalg.len != f->tbs_sigalg.len ||
	    memcmp(f->sigalg.p, f->tbs_sigalg.p, f->sigalg.len) != 0)
		return ll_err_set(err, "signatureAlgorithm differs from the TBSCertificate signature");
	f->sig_kind = x509_sigalg_kind(f->sigalg.p, f->sigalg.len);
	return true;
}
