/* crl_lint.c - an independent checker for TBSCertList and CertificateList
 * DER against checklist items A1-A34 and D1 (requirements.md). It shares
 * no encoding code with crl_build.c: it reads the bytes with the der.h
 * cursor and judges what it finds, so an encoder bug shows up here
 * instead of in a published CRL (A36). Every finding is recorded with
 * its checklist ID; structural damage (A6) stops the walk of the part it
 * is in, since nothing after it can be located. Allocates only for the
 * duplicate-serial check of an out-of-order list and for OpenSSL's
 * signature check in crl_lint_der; never reads outside the input. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crl_internal.h"
#include "der.h"
#include "x509walk.h"

/* Subscriber CRLs: at most 10 days; CA CRLs: at most 365 days (O3). The
 * linter allows one second less than each cap (A9, E9). */
#define CRL_CAP_SUBSCRIBER ((ll_time)864000)
#define CRL_CAP_CA ((ll_time)31536000)

/* Extension OIDs, content octets. */
static const uint8_t oid_aki[] = {0x55, 0x1d, 0x23};
static const uint8_t oid_crl_number[] = {0x55, 0x1d, 0x14};
static const uint8_t oid_idp[] = {0x55, 0x1d, 0x1c};
static const uint8_t oid_reason[] = {0x55, 0x1d, 0x15};
static const uint8_t oid_invalidity[] = {0x55, 0x1d, 0x18};
static const uint8_t oid_cert_issuer[] = {0x55, 0x1d, 0x1d};

/* Extensions remembered per list for the duplicate check. A longer list
 * goes partly unchecked for repeats, but cannot lint clean anyway: only
 * three CRL and two entry extensions are allowed (A18, A34). */
#define CRL_LINT_MAX_EXTS 16

struct lint {
	const struct crl_lint_ctx *ctx;
	struct crl_violations *v;
	bool have_issuer;
	struct x509_fields issuer;
	bool have_this, have_next;
	ll_time this_update, next_update;
	bool have_number;
	const uint8_t *number; /* cRLNumber INTEGER content, when readable */
	size_t number_len;
};

#define LINT(l, id, ...) crl_violation_add((l)->v, (id), __VA_ARGS__)

/* ---- small readers ---------------------------------------------------- */

/* Dotted OID text for messages ("2.5.29.27"); "?" on malformed input. */
static void lint_oid_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t used = 0, i;
	uint64_t arc = 0;
	bool first = true;

	buf[0] = '\0';
	for (i = 0; i < n && used + 24 < cap; i++) {
		if (arc > (UINT64_MAX >> 7)) {
			snprintf(buf + used, cap - used, "%s?", first ? "" : ".");
			return;
		}
		arc = arc << 7 | (p[i] & 0x7f);
		if (p[i] & 0x80)
			continue;
		if (first) {
			unsigned top = arc < 40 ? 0 : arc < 80 ? 1 : 2;
			used += (size_t)snprintf(buf + used, cap - used, "%u.%llu", top,
						 (unsigned long long)(arc - 40 * top));
			first = false;
		} else {
			used += (size_t)snprintf(buf + used, cap - used, ".%llu",
						 (unsigned long long)arc);
		}
		arc = 0;
	}
	if (first || (n && (p[n - 1] & 0x80)))
		snprintf(buf + used, cap - used, "%s?", first ? "" : ".");
}

/* X.690 8.19: at least one subidentifier, each minimal (no leading 0x80
 * octet) and complete (the last octet has bit 8 clear). */
static bool oid_ok(const struct der_tlv *t)
{
	size_t i;

	if (t->len == 0 || (t->val[t->len - 1] & 0x80))
		return false;
	for (i = 0; i < t->len; i++)
		if (t->val[i] == 0x80 && (i == 0 || !(t->val[i - 1] & 0x80)))
			return false;
	return true;
}

static bool oid_eq(const struct der_tlv *t, const uint8_t *oid, size_t len)
{
	return t->len == len && memcmp(t->val, oid, len) == 0;
}

/* DER INTEGER content: non-empty and minimal (X.690 8.3.2). */
static bool int_minimal(const struct der_tlv *t)
{
	if (t->len == 0)
		return false;
	if (t->len == 1)
		return true;
	return !((t->val[0] == 0x00 && !(t->val[1] & 0x80)) ||
		 (t->val[0] == 0xff && (t->val[1] & 0x80)));
}

/* A DER BOOLEAN's content (any tag): 1 octet, 00 or ff. */
static bool bool_value(const struct der_tlv *t, bool *value)
{
	if (t->len != 1 || (t->val[0] != 0x00 && t->val[0] != 0xff))
		return false;
	*value = t->val[0] == 0xff;
	return true;
}

/* One entry's position, for messages. Entry checks run a million times
 * per large CRL, so the serial's hex and the location text are only
 * formatted when there is something to report. */
struct lint_entry {
	size_t index;
	const uint8_t *sp;
	size_t slen;
	bool hex_done;
	char hex[56];
	ll_time revoked;
	bool revoked_ok;
	bool has_reason;
};

static const char *es(struct lint_entry *e)
{
	if (!e->hex_done) {
		crl_hex(e->sp, e->slen, e->hex, sizeof(e->hex));
		e->hex_done = true;
	}
	return e->hex;
}

/* "what", or "entry N (serial S) what" inside an entry. */
static const char *label(struct lint_entry *e, const char *what, char *buf, size_t cap)
{
	if (!e)
		return what;
	snprintf(buf, cap, "entry %zu (serial %s) %s", e->index, es(e), what);
	return buf;
}

/* Why the TLV expected at d could not be read, for an A6 message. */
static const char *lint_fault(const struct der *d, uint8_t tag)
{
	enum der_fault f = der_diagnose(d);

	if (f == DER_FAULT_NONE)
		return d->p[0] == tag ? "well-formed" : "unexpected tag";
	return der_fault_str(f);
}

/* Reads the next TLV with tag `tag`, or records an A6 finding naming
 * `what` and returns false. */
static bool lint_expect(struct lint *l, struct der *d, uint8_t tag, struct der_tlv *t,
			struct lint_entry *e, const char *what)
{
	char b[128];

	if (der_expect(d, tag, t))
		return true;
	if (der_empty(d))
		LINT(l, "A6", "%s is missing", label(e, what, b, sizeof(b)));
	else
		LINT(l, "A6", "%s: %s (tag 0x%02x, expected 0x%02x)", label(e, what, b, sizeof(b)),
		     lint_fault(d, tag), d->p[0], tag);
	return false;
}

static bool lint_done(struct lint *l, const struct der *d, struct lint_entry *e, const char *what)
{
	char b[128];

	if (der_empty(d))
		return true;
	LINT(l, "A6", "%zu unexpected trailing byte(s) after %s", d->len,
	     label(e, what, b, sizeof(b)));
	return false;
}

/* ---- times (A7) ------------------------------------------------------- */

/* Time ::= CHOICE { UTCTime, GeneralizedTime }. A7: UTCTime
 * YYMMDDHHMMSSZ through 2049, GeneralizedTime YYYYMMDDHHMMSSZ from 2050
 * (and before 1950, which UTCTime cannot express). Returns false only
 * when the element is not a Time at all (A6); *ok tells whether *out is
 * usable. */
static bool lint_time(struct lint *l, struct der *d, struct lint_entry *e, const char *what,
		      ll_time *out, bool *ok)
{
	struct der_tlv t;
	char b[128];
	bool utc;

	*ok = false;
	if (!der_next(d, &t)) {
		LINT(l, "A6", "%s: %s", label(e, what, b, sizeof(b)), lint_fault(d, DER_UTCTIME));
		return false;
	}
	if (t.tag != DER_UTCTIME && t.tag != DER_GENTIME) {
		LINT(l, "A6", "%s is not a Time (tag 0x%02x)", label(e, what, b, sizeof(b)), t.tag);
		return false;
	}
	utc = t.tag == DER_UTCTIME;
	if (!ll_time_parse_asn1(t.val, t.len, utc, out)) {
		LINT(l, "A7", "%s: %s \"%.*s\" is not %s (Zulu, with seconds, no fraction)",
		     label(e, what, b, sizeof(b)), utc ? "UTCTime" : "GeneralizedTime",
		     (int)(t.len < 24 ? t.len : 24), (const char *)t.val,
		     utc ? "YYMMDDHHMMSSZ" : "YYYYMMDDHHMMSSZ");
		return true;
	}
	if (!utc && asn1time_is_utc(*out)) {
		LINT(l, "A7", "%s: GeneralizedTime \"%.15s\" for a date before 2050; "
		     "dates through 2049 must be UTCTime", label(e, what, b, sizeof(b)),
		     (const char *)t.val);
		return true;
	}
	*ok = true;
	return true;
}

/* ---- algorithm (A2, A3) ----------------------------------------------- */

/* Names the problem with an AlgorithmIdentifier that is not one of the
 * allowed encodings. */
static void lint_alg_unknown(struct lint *l, const struct der_tlv *alg)
{
	static const uint8_t pkcs1[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01};
	static const uint8_t ecdsa_sha1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};
	static const uint8_t dsa_sha1[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03};
	struct der d = der_enter(alg);
	struct der_tlv oid;
	char hex[64], name[64];

	crl_hex(alg->start, alg->total, hex, sizeof(hex));
	if (!der_expect(&d, DER_OID, &oid) || !oid_ok(&oid)) {
		LINT(l, "A6", "signature AlgorithmIdentifier has no valid OID");
		return;
	}
	lint_oid_text(oid.val, oid.len, name, sizeof(name));
	if ((oid.len == 9 && memcmp(oid.val, pkcs1, 8) == 0 && oid.val[8] == 0x05) ||
	    oid_eq(&oid, ecdsa_sha1, sizeof(ecdsa_sha1)) || oid_eq(&oid, dsa_sha1, sizeof(dsa_sha1))) {
		LINT(l, "A3", "SHA-1 signature algorithm %s is not allowed", name);
		return;
	}
	if (oid.len == 9 && memcmp(oid.val, pkcs1, 8) == 0 && oid.val[8] >= 0x0b &&
	    oid.val[8] <= 0x0e && der_empty(&d)) {
		LINT(l, "A2", "RSA PKCS#1 v1.5 algorithm %s without NULL parameters", name);
		return;
	}
	LINT(l, "A2", "signature algorithm %s (%s) is not one of the BR 7.1.3.2 encodings", name,
	     hex);
}

static void lint_alg(struct lint *l, const struct der_tlv *alg)
{
	const struct sigalg *a = sigalg_find(alg->start, alg->total);
	enum spki_key k;

	if (!a) {
		lint_alg_unknown(l, alg);
		return;
	}
	if (a->smime_only && !l->ctx->smime)
		LINT(l, "A2", "%s is allowed only for S/MIME CAs (SBR 7.1.3.2), not by the TLS BRs",
		     a->name);
	if (!l->have_issuer)
		return;
	k = spki_key_type(l->issuer.spki.p, l->issuer.spki.len);
	if (k != a->key)
		LINT(l, "A2", "%s does not fit the issuer's %s key", a->name, spki_key_name(k));
}

/* ---- issuer (A4, A5, A16 preconditions) -------------------------------- */

static void lint_issuer_cert(struct lint *l)
{
	struct ll_err err;

	if (!l->ctx->issuer_cert)
		return;
	if (!x509_walk(l->ctx->issuer_cert, l->ctx->issuer_cert_len, &l->issuer, &err)) {
		LINT(l, "A4", "issuer certificate unreadable: %s", err.msg);
		return;
	}
	l->have_issuer = true;
	if (l->issuer.key_usage < 0)
		LINT(l, "A5", "issuer certificate has no keyUsage extension; cRLSign is required");
	else if (!(l->issuer.key_usage & X509_KU_CRL_SIGN))
		LINT(l, "A5", "issuer certificate's keyUsage lacks cRLSign");
	if (l->issuer.ski.len == 0)
		LINT(l, "A16", "issuer certificate has no subjectKeyIdentifier for the AKI");
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, at most
 * U+10FFFF. */
static bool utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0, k, extra;
	uint32_t cp, min;

	while (i < n) {
		uint8_t c = p[i++];

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			extra = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			extra = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			extra = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i < extra)
			return false;
		for (k = 0; k < extra; k++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i++] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/* X.680 PrintableString: letters, digits, space and '()+,-./:=? */
static bool printable_ok(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		/* Explicit ranges: isalnum() follows the locale, and strchr()
		 * would match a NUL against the terminator. */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (c == 0 || !memchr(" '()+,-./:=?", c, 12))
			return false;
	}
	return true;
}

/* Attribute values in an issuer Name are the string types of RFC 5280
 * and BR 7.1.4 (DirectoryString, PrintableString, IA5String,
 * NumericString), each checked against its alphabet: anything else is an
 * encoding error that strict readers (OpenSSL's d2i_X509_CRL among them)
 * refuse. */
static bool name_value_ok(const struct der_tlv *t)
{
	size_t i;

	switch (t->tag) {
	case DER_UTF8STRING: return utf8_ok(t->val, t->len);
	case DER_PRINTABLESTRING: return printable_ok(t->val, t->len);
	case DER_IA5STRING:
		for (i = 0; i < t->len; i++)
			if (t->val[i] & 0x80)
				return false;
		return true;
	case 0x12: /* NumericString */
		for (i = 0; i < t->len; i++)
			if (t->val[i] != ' ' && (t->val[i] < '0' || t->val[i] > '9'))
				return false;
		return true;
	case 0x14: return true;		   /* TeletexString: any octets */
	case 0x1e: return t->len % 2 == 0; /* BMPString */
	case 0x1c: return t->len % 4 == 0; /* UniversalString */
	default: return false;
	}
}

/* Name ::= SEQUENCE OF SET SIZE (1..MAX) OF SEQUENCE { OID, ANY } */
static bool lint_name_shape(const struct der_tlv *name)
{
	struct der d = der_enter(name), r, a;
	struct der_tlv rdn, atv, t;

	while (!der_empty(&d)) {
		if (!der_expect(&d, DER_SET, &rdn) || rdn.len == 0)
			return false;
		r = der_enter(&rdn);
		while (!der_empty(&r)) {
			if (!der_expect(&r, DER_SEQUENCE, &atv))
				return false;
			a = der_enter(&atv);
			if (!der_expect(&a, DER_OID, &t) || !oid_ok(&t) || !der_next(&a, &t) ||
			    !der_empty(&a) || !name_value_ok(&t))
				return false;
		}
	}
	return true;
}

static void lint_issuer_name(struct lint *l, const struct der_tlv *name)
{
	if (!lint_name_shape(name))
		LINT(l, "A6", "issuer Name is not a valid RDNSequence (structure or string "
		     "contents)");
	if (name->len == 0)
		LINT(l, "A4", "issuer Name is empty");
	if (l->have_issuer && (name->total != l->issuer.subject.len ||
			       memcmp(name->start, l->issuer.subject.p, name->total) != 0))
		LINT(l, "A4", "issuer Name is not byte-for-byte the issuer certificate's subject");
}

/* ---- entries (A5, A6, A7, A23, A25, A28, A29, A31, A34) ---------------- */

static const char *reason_name(long r)
{
	static const char *const names[] = {
		"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold", "value 7",
		"removeFromCRL", "privilegeWithdrawn", "aACompromise"};

	return r >= 0 && r <= 10 ? names[r] : "unknown";
}

static void lint_reason(struct lint *l, struct lint_entry *e, const struct der_tlv *val,
			bool critical)
{
	const char *id = l->ctx->profile == CRL_PROFILE_CA ? "A31" : "A29";
	struct der d = der_enter(val);
	struct der_tlv t;
	long r = 0;
	size_t i;

	if (critical)
		LINT(l, "A28", "entry %zu (serial %s): reasonCode is marked critical", e->index,
		     es(e));
	if (!der_expect(&d, DER_ENUMERATED, &t) || !der_empty(&d) || !int_minimal(&t)) {
		LINT(l, "A6", "entry %zu (serial %s): reasonCode is not a DER ENUMERATED", e->index,
		     es(e));
		return;
	}
	if ((t.val[0] & 0x80) || t.len > 4) {
		LINT(l, id, "entry %zu (serial %s): reasonCode is not defined by RFC 5280 "
		     "(negative or huge)", e->index, es(e));
		return;
	}
	for (i = 0; i < t.len; i++)
		r = r << 8 | t.val[i];
	switch (r) {
	case CRL_REASON_KEY_COMPROMISE:
	case CRL_REASON_AFFILIATION_CHANGED:
	case CRL_REASON_SUPERSEDED:
	case CRL_REASON_CESSATION:
	case CRL_REASON_PRIVILEGE_WITHDRAWN:
		return;
	case CRL_REASON_UNSPECIFIED:
		LINT(l, "A28", "entry %zu (serial %s): reasonCode unspecified (0) is encoded; "
		     "omit the extension instead", e->index, es(e));
		return;
	case CRL_REASON_CERTIFICATE_HOLD:
		LINT(l, id, "entry %zu (serial %s): certificateHold (6) is never allowed",
		     e->index, es(e));
		return;
	case CRL_REASON_CA_COMPROMISE:
	case CRL_REASON_REMOVE_FROM_CRL:
	case CRL_REASON_AA_COMPROMISE:
		LINT(l, id, "entry %zu (serial %s): reasonCode %ld (%s) is not allowed by BR 7.2.2 "
		     "(allowed: 1, 3, 4, 5, 9)", e->index, es(e), r, reason_name(r));
		return;
	default:
		LINT(l, id, "entry %zu (serial %s): reasonCode %ld is not defined by RFC 5280",
		     e->index, es(e), r);
	}
}

static void lint_invalidity(struct lint *l, struct lint_entry *e, const struct der_tlv *val,
			    bool critical)
{
	struct der d = der_enter(val);
	struct der_tlv t;
	ll_time when;

	if (!l->ctx->smime)
		LINT(l, "A34", "entry %zu (serial %s): invalidityDate is only for S/MIME CAs",
		     e->index, es(e));
	if (critical)
		LINT(l, "A34", "entry %zu (serial %s): invalidityDate is marked critical", e->index,
		     es(e));
	if (!der_expect(&d, DER_GENTIME, &t) || !der_empty(&d) ||
	    !ll_time_parse_asn1(t.val, t.len, false, &when)) {
		LINT(l, "A34", "entry %zu (serial %s): invalidityDate is not a GeneralizedTime "
		     "YYYYMMDDHHMMSSZ", e->index, es(e));
		return;
	}
	if (e->revoked_ok && when > e->revoked)
		LINT(l, "A34", "entry %zu (serial %s): invalidityDate is after revocationDate",
		     e->index, es(e));
}

/* Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 *   extnValue OCTET STRING }. Shared by CRL (e NULL) and entry extensions. */
static bool lint_extension(struct lint *l, struct der *list, struct lint_entry *e,
			   const char *where, struct der_tlv *oid, bool *critical,
			   struct der_tlv *val)
{
	struct der_tlv ext, crit;
	struct der x;
	char b[128];
	bool present;

	if (!lint_expect(l, list, DER_SEQUENCE, &ext, e, where))
		return false;
	x = der_enter(&ext);
	if (!lint_expect(l, &x, DER_OID, oid, e, where))
		return false;
	if (!oid_ok(oid)) {
		LINT(l, "A6", "%s: malformed extension OID", label(e, where, b, sizeof(b)));
		return false;
	}
	if (!der_optional(&x, DER_BOOLEAN, &crit, &present)) {
		LINT(l, "A6", "%s: malformed extension", label(e, where, b, sizeof(b)));
		return false;
	}
	*critical = false;
	if (present) {
		if (!bool_value(&crit, critical)) {
			LINT(l, "A6", "%s: critical is not a DER BOOLEAN",
			     label(e, where, b, sizeof(b)));
			return false;
		}
		if (!*critical)
			LINT(l, "A6", "%s: critical FALSE is encoded (DEFAULT values must be omitted)",
			     label(e, where, b, sizeof(b)));
	}
	return lint_expect(l, &x, DER_OCTETSTRING, val, e, where) && lint_done(l, &x, e, where);
}

/* Records an A6 duplicate when oid was seen; remembers it otherwise. */
static void lint_dup_ext(struct lint *l, struct lint_entry *e, const char *where,
			 const struct der_tlv *oid, struct der_tlv *seen, size_t *nseen)
{
	char name[64], b[128];
	size_t i;

	for (i = 0; i < *nseen; i++) {
		if (seen[i].len == oid->len && memcmp(seen[i].val, oid->val, oid->len) == 0) {
			lint_oid_text(oid->val, oid->len, name, sizeof(name));
			LINT(l, "A6", "%s: extension %s appears twice", label(e, where, b, sizeof(b)),
			     name);
			return;
		}
	}
	if (*nseen < CRL_LINT_MAX_EXTS)
		seen[(*nseen)++] = *oid;
}

static void lint_entry_exts(struct lint *l, struct lint_entry *e, const struct der_tlv *exts)
{
	struct der_tlv seen[CRL_LINT_MAX_EXTS], oid, val;
	struct der d = der_enter(exts);
	size_t nseen = 0;
	char name[64];
	bool critical;

	if (der_empty(&d))
		LINT(l, "A6", "entry %zu (serial %s): crlEntryExtensions is empty", e->index, es(e));
	while (!der_empty(&d)) {
		if (!lint_extension(l, &d, e, "extension", &oid, &critical, &val))
			return;
		lint_dup_ext(l, e, "crlEntryExtensions", &oid, seen, &nseen);
		if (oid_eq(&oid, oid_reason, sizeof(oid_reason))) {
			e->has_reason = true;
			lint_reason(l, e, &val, critical);
		} else if (oid_eq(&oid, oid_invalidity, sizeof(oid_invalidity))) {
			lint_invalidity(l, e, &val, critical);
		} else if (oid_eq(&oid, oid_cert_issuer, sizeof(oid_cert_issuer))) {
			LINT(l, "A5", "entry %zu (serial %s): certificateIssuer makes this an "
			     "indirect CRL", e->index, es(e));
		} else {
			lint_oid_text(oid.val, oid.len, name, sizeof(name));
			LINT(l, "A34", "entry %zu (serial %s): entry extension %s%s is not allowed",
			     e->index, es(e), name, critical ? " (critical)" : "");
		}
	}
}

/* Sorts serial spans for the duplicate scan of an unordered list. */
struct lint_span {
	const uint8_t *p;
	size_t len;
};

static int lint_span_cmp(const void *a, const void *b)
{
	const struct lint_span *x = a, *y = b;

	return crl_serial_cmp(x->p, x->len, y->p, y->len);
}

/* Finds duplicates that are not neighbours in an out-of-order list. */
static void lint_far_duplicates(struct lint *l, const struct der_tlv *list, size_t n,
				size_t adjacent)
{
	struct der d = der_enter(list), e;
	struct der_tlv ent, serial;
	struct lint_span *s = malloc(n * sizeof(*s));
	size_t i = 0, dups = 0;

	if (!s) {
		LINT(l, "A6", "out of memory checking %zu serials for duplicates", n);
		return;
	}
	while (i < n && der_next(&d, &ent)) {
		e = der_enter(&ent);
		if (!der_expect(&e, DER_INTEGER, &serial))
			break;
		s[i].p = serial.val;
		s[i++].len = serial.len;
	}
	qsort(s, i, sizeof(*s), lint_span_cmp);
	for (n = 1; n < i; n++)
		if (lint_span_cmp(&s[n - 1], &s[n]) == 0)
			dups++;
	if (dups > adjacent)
		LINT(l, "A6", "%zu duplicate serial(s) among non-adjacent entries", dups - adjacent);
	free(s);
}

/* revokedCertificate ::= SEQUENCE { userCertificate INTEGER,
 *   revocationDate Time, crlEntryExtensions Extensions OPTIONAL } */
static bool lint_entry(struct lint *l, struct der *list, struct lint_entry *e,
		       struct der_tlv *serial)
{
	struct der_tlv ent, exts;
	struct der d;
	bool present;

	e->hex_done = false;
	e->sp = NULL;
	e->slen = 0;
	if (!der_expect(list, DER_SEQUENCE, &ent)) {
		LINT(l, "A6", "revokedCertificates entry %zu: %s", e->index,
		     lint_fault(list, DER_SEQUENCE));
		return false;
	}
	d = der_enter(&ent);
	if (!der_expect(&d, DER_INTEGER, serial)) {
		LINT(l, "A6", "revokedCertificates entry %zu: userCertificate: %s", e->index,
		     lint_fault(&d, DER_INTEGER));
		return false;
	}
	e->sp = serial->val;
	e->slen = serial->len;
	if (!int_minimal(serial))
		LINT(l, "A6", "entry %zu: serial %s is not a minimal DER INTEGER", e->index, es(e));
	if (!lint_time(l, &d, e, "revocationDate", &e->revoked, &e->revoked_ok))
		return false;
	if (e->revoked_ok && l->have_this && e->revoked > l->this_update)
		LINT(l, "A25", "entry %zu (serial %s): revocationDate is after thisUpdate",
		     e->index, es(e));
	if (!der_optional(&d, DER_SEQUENCE, &exts, &present)) {
		LINT(l, "A6", "entry %zu (serial %s): malformed crlEntryExtensions", e->index, es(e));
		return false;
	}
	e->has_reason = false;
	if (present)
		lint_entry_exts(l, e, &exts);
	if (!lint_done(l, &d, e, "crlEntryExtensions"))
		return false;
	if (!e->has_reason && l->ctx->profile == CRL_PROFILE_CA)
		LINT(l, "A31", "entry %zu (serial %s) has no reasonCode; entries on a CA CRL need one",
		     e->index, es(e));
	return true;
}

static void lint_entries(struct lint *l, const struct der_tlv *list)
{
	struct der d = der_enter(list);
	struct der_tlv serial, prev = {0};
	struct lint_entry e;
	size_t adjacent = 0;
	bool unordered = false;
	int c;

	if (list->len == 0) {
		LINT(l, "A23", "revokedCertificates is present but empty; omit it instead");
		return;
	}
	memset(&e, 0, sizeof(e));
	for (e.index = 0; !der_empty(&d); e.index++) {
		if (!lint_entry(l, &d, &e, &serial))
			return;
		if (e.index > 0) {
			c = crl_serial_cmp(prev.val, prev.len, serial.val, serial.len);
			if (c == 0) {
				adjacent++;
				LINT(l, "A6", "entry %zu: duplicate serial %s", e.index, es(&e));
			} else if (c > 0) {
				unordered = true;
				LINT(l, "A6", "entry %zu: serial %s is out of the deterministic order "
				     "(shorter first, then bytewise)", e.index, es(&e));
			}
		}
		prev = serial;
	}
	if (unordered)
		lint_far_duplicates(l, list, e.index, adjacent);
}

/* ---- CRL extensions (A5, A15-A18, A20, A21) ---------------------------- */

/* AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] OPTIONAL,
 *   authorityCertIssuer [1] OPTIONAL, authorityCertSerialNumber [2] OPTIONAL }
 * Fields are told apart by tag number, so a wrongly primitive [1] (seen
 * in the wild) is still named for what it is. */
static void lint_aki(struct lint *l, const struct der_tlv *val, bool critical)
{
	struct der d = der_enter(val), s;
	struct der_tlv seq, t, kid = {0};
	bool has_kid = false, has_issuer = false, has_serial = false;
	int last = -1, num;

	if (critical)
		LINT(l, "A16", "authorityKeyIdentifier is marked critical");
	if (!der_expect(&d, DER_SEQUENCE, &seq) || !der_empty(&d)) {
		LINT(l, "A6", "authorityKeyIdentifier is not a DER SEQUENCE");
		return;
	}
	s = der_enter(&seq);
	while (!der_empty(&s)) {
		if (!der_next(&s, &t)) {
			LINT(l, "A6", "authorityKeyIdentifier: %s", lint_fault(&s, 0x80));
			return;
		}
		num = (t.tag & 0xc0) == 0x80 ? t.tag & 0x1f : 99;
		if (num <= last || num > 2) {
			LINT(l, "A6", "authorityKeyIdentifier has an unexpected field (tag 0x%02x)", t.tag);
			continue;
		}
		last = num;
		if (num == 0) {
			has_kid = true;
			kid = t;
		} else if (num == 1) {
			has_issuer = true;
		} else {
			has_serial = true;
		}
		/* keyIdentifier and the serial are primitive, GeneralNames is not. */
		if (((t.tag & 0x20) != 0) != (num == 1))
			LINT(l, "A6", "authorityKeyIdentifier field [%d] has the wrong constructed bit",
			     num);
	}
	if (!has_kid)
		LINT(l, "A16", "authorityKeyIdentifier has no keyIdentifier");
	if (has_issuer || has_serial)
		LINT(l, "A16", "authorityKeyIdentifier carries authorityCertIssuer/SerialNumber; "
		     "only keyIdentifier is allowed");
	if (has_kid && l->have_issuer && l->issuer.ski.len &&
	    (kid.len != l->issuer.ski.len || memcmp(kid.val, l->issuer.ski.p, kid.len) != 0))
		LINT(l, "A16", "AKI keyIdentifier differs from the issuer's subjectKeyIdentifier");
}

static void lint_number(struct lint *l, const struct der_tlv *val, bool critical)
{
	struct der d = der_enter(val);
	struct der_tlv n;

	if (critical)
		LINT(l, "A17", "cRLNumber is marked critical");
	if (!der_expect(&d, DER_INTEGER, &n) || !der_empty(&d) || n.len == 0) {
		LINT(l, "A6", "cRLNumber is not a DER INTEGER");
		return;
	}
	if (!int_minimal(&n))
		LINT(l, "A17", "cRLNumber is not minimally encoded");
	if (n.val[0] & 0x80) {
		LINT(l, "A17", "cRLNumber is negative");
		return;
	}
	if (n.len > 20) {
		LINT(l, "A17", "cRLNumber has %zu content octets; it must be below 2^159 "
		     "(at most 20 octets)", n.len);
		return;
	}
	l->have_number = true;
	l->number = n.val;
	l->number_len = n.len;
}

/* The http:// URL a CDP/IDP must use (A15): scheme http, a host. */
static bool lint_http_uri(const uint8_t *p, size_t n)
{
	return n > 7 && memcmp(p, "http://", 7) == 0 && p[7] != '/';
}

/* DistributionPointName ::= CHOICE { fullName [0] GeneralNames,
 *   nameRelativeToCRLIssuer [1] }; only URIs allowed in fullName. */
static void lint_idp_dpn(struct lint *l, const struct der_tlv *dpn)
{
	const char *want = l->ctx->partition ? l->ctx->partition->uri : NULL;
	struct der d = der_enter(dpn), names;
	struct der_tlv full, gn;
	size_t nuri = 0;
	bool matched = false;

	if (!der_expect(&d, 0xa0, &full) || !der_empty(&d)) {
		LINT(l, "A20", "IDP distributionPoint is not a fullName");
		return;
	}
	names = der_enter(&full);
	if (der_empty(&names))
		LINT(l, "A20", "IDP fullName holds no GeneralName");
	while (!der_empty(&names)) {
		if (!der_next(&names, &gn)) {
			LINT(l, "A6", "IDP fullName: malformed GeneralName");
			return;
		}
		if (gn.tag != 0x86) {
			LINT(l, "A20", "IDP fullName holds a non-URI GeneralName (tag 0x%02x)", gn.tag);
			continue;
		}
		nuri++;
		if (!lint_http_uri(gn.val, gn.len))
			LINT(l, "A15", "IDP URI \"%.*s\" is not an http:// URL",
			     (int)(gn.len < 80 ? gn.len : 80), (const char *)gn.val);
		if (want && gn.len == strlen(want) && memcmp(gn.val, want, gn.len) == 0)
			matched = true;
	}
	if (want && !matched)
		LINT(l, "A20", "IDP fullName does not hold the partition URI \"%.80s\" byte for byte",
		     want);
	if (want && nuri > 1)
		LINT(l, "A20", "IDP fullName holds %zu URIs; expected only the partition's", nuri);
}

/* One IDP [n] BOOLEAN DEFAULT FALSE field: TRUE is the only valid encoding. */
static void lint_idp_flag(struct lint *l, const struct der_tlv *t, const char *name, bool *value)
{
	if (!bool_value(t, value)) {
		LINT(l, "A6", "IDP %s is not a DER BOOLEAN", name);
		*value = true; /* present all the same */
		return;
	}
	if (!*value)
		LINT(l, "A20", "IDP %s FALSE is encoded (DEFAULT FALSE must be omitted)", name);
}

/* What lint_idp found. */
struct idp_seen {
	bool dpn, user, ca, some, indirect, attr;
};

/* One IDP field, by tag number; a wrong constructed bit is an A6 finding
 * but the field is still judged for what it says. */
static void lint_idp_field(struct lint *l, const struct der_tlv *t, int num, struct idp_seen *o)
{
	bool cons = (t->tag & 0x20) != 0;

	if (cons != (num == 0))
		LINT(l, "A6", "IDP field [%d] has the wrong constructed bit (tag 0x%02x)", num, t->tag);
	switch (num) {
	case 0:
		o->dpn = true;
		if (cons)
			lint_idp_dpn(l, t);
		break;
	case 1: lint_idp_flag(l, t, "onlyContainsUserCerts", &o->user); break;
	case 2: lint_idp_flag(l, t, "onlyContainsCACerts", &o->ca); break;
	case 3:
		o->some = true;
		LINT(l, "A20", "IDP asserts onlySomeReasons");
		break;
	case 4:
		lint_idp_flag(l, t, "indirectCRL", &o->indirect);
		if (o->indirect)
			LINT(l, "A5", "IDP asserts indirectCRL (A20 too)");
		break;
	case 5:
		lint_idp_flag(l, t, "onlyContainsAttributeCerts", &o->attr);
		if (o->attr)
			LINT(l, "A20", "IDP asserts onlyContainsAttributeCerts");
		break;
	default: break;
	}
}

/* IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0],
 *   onlyContainsUserCerts [1], onlyContainsCACerts [2], onlySomeReasons [3],
 *   indirectCRL [4], onlyContainsAttributeCerts [5] } */
static void lint_idp(struct lint *l, const struct der_tlv *val, bool critical)
{
	const struct crl_partition *part = l->ctx->partition;
	struct der d = der_enter(val), s;
	struct der_tlv seq, t;
	struct idp_seen o;
	int last = -1, num;

	memset(&o, 0, sizeof(o));
	if (!part)
		LINT(l, "A21", "IssuingDistributionPoint on a full CRL");
	if (!critical)
		LINT(l, "A20", "IssuingDistributionPoint is not marked critical");
	if (!der_expect(&d, DER_SEQUENCE, &seq) || !der_empty(&d)) {
		LINT(l, "A6", "IssuingDistributionPoint is not a DER SEQUENCE");
		return;
	}
	s = der_enter(&seq);
	if (der_empty(&s))
		LINT(l, "A20", "IssuingDistributionPoint is an empty SEQUENCE");
	while (!der_empty(&s)) {
		if (!der_next(&s, &t)) {
			LINT(l, "A6", "IssuingDistributionPoint: %s", lint_fault(&s, 0x80));
			return;
		}
		num = (t.tag & 0xc0) == 0x80 ? t.tag & 0x1f : 99;
		if (num <= last || num > 5) {
			LINT(l, "A6", "IDP has an unexpected field (tag 0x%02x)", t.tag);
			continue;
		}
		last = num;
		lint_idp_field(l, &t, num, &o);
	}
	if (!o.dpn && part)
		LINT(l, "A20", "IDP has no distributionPoint fullName");
	if (o.user && o.ca)
		LINT(l, "A20", "IDP asserts both onlyContainsUserCerts and onlyContainsCACerts");
	if (part && o.user != part->only_user)
		LINT(l, "A20", "IDP onlyContainsUserCerts is %s; the partition says %s",
		     o.user ? "TRUE" : "absent", part->only_user ? "TRUE" : "absent");
	if (part && o.ca != part->only_ca)
		LINT(l, "A20", "IDP onlyContainsCACerts is %s; the partition says %s",
		     o.ca ? "TRUE" : "absent", part->only_ca ? "TRUE" : "absent");
}

/* Names for extensions that BR 7.2.2 discourages, for clearer A18 text. */
static const char *crl_ext_name(const struct der_tlv *oid)
{
	static const uint8_t aia[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};

	if (oid->len == 3 && oid->val[0] == 0x55 && oid->val[1] == 0x1d) {
		switch (oid->val[2]) {
		case 0x12: return "issuerAltName";
		case 0x15: return "reasonCode (an entry extension)";
		case 0x1b: return "deltaCRLIndicator";
		case 0x2e: return "freshestCRL";
		default: break;
		}
	}
	if (oid_eq(oid, aia, sizeof(aia)))
		return "authorityInfoAccess";
	return NULL;
}

static void lint_crl_exts(struct lint *l, const struct der_tlv *wrapper)
{
	struct der_tlv seen[CRL_LINT_MAX_EXTS], list, oid, val;
	struct der w = der_enter(wrapper), d;
	bool critical, has_aki = false, has_number = false, has_idp = false;
	size_t nseen = 0;
	char name[64];
	const char *known;

	if (!lint_expect(l, &w, DER_SEQUENCE, &list, NULL, "crlExtensions") ||
	    !lint_done(l, &w, NULL, "crlExtensions"))
		return;
	d = der_enter(&list);
	if (der_empty(&d))
		LINT(l, "A6", "crlExtensions is an empty SEQUENCE");
	while (!der_empty(&d)) {
		if (!lint_extension(l, &d, NULL, "crlExtensions", &oid, &critical, &val))
			break;
		lint_dup_ext(l, NULL, "crlExtensions", &oid, seen, &nseen);
		if (oid_eq(&oid, oid_aki, sizeof(oid_aki))) {
			has_aki = true;
			lint_aki(l, &val, critical);
		} else if (oid_eq(&oid, oid_crl_number, sizeof(oid_crl_number))) {
			has_number = true;
			lint_number(l, &val, critical);
		} else if (oid_eq(&oid, oid_idp, sizeof(oid_idp))) {
			has_idp = true;
			lint_idp(l, &val, critical);
		} else {
			known = crl_ext_name(&oid);
			lint_oid_text(oid.val, oid.len, name, sizeof(name));
			LINT(l, "A18", "CRL extension %s%s%s%s is not allowed (only AKI, cRLNumber, IDP)",
			     known ? known : name, known ? " (" : "", known ? name : "",
			     known ? ")" : "");
		}
	}
	if (!has_aki)
		LINT(l, "A16", "authorityKeyIdentifier is missing");
	if (!has_number)
		LINT(l, "A17", "cRLNumber is missing");
	if (!has_idp && l->ctx->partition)
		LINT(l, "A20", "partitioned CRL has no IssuingDistributionPoint");
}

/* ---- whole-TBS checks (A9, A10, A17 history, D1) ---------------------- */

/* Big-endian magnitudes, leading zero octets ignored. */
static int magnitude_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	while (alen && *a == 0) {
		a++;
		alen--;
	}
	while (blen && *b == 0) {
		b++;
		blen--;
	}
	return crl_serial_cmp(a, alen, b, blen);
}

static void lint_window(struct lint *l)
{
	const struct crl_lint_ctx *c = l->ctx;
	bool ca = c->profile == CRL_PROFILE_CA;
	ll_time cap = ca ? CRL_CAP_CA : CRL_CAP_SUBSCRIBER, w;

	if (c->partition && c->partition->only_user && ca)
		LINT(l, "A9", "an onlyContainsUserCerts partition must use the subscriber profile");
	if (l->have_this && c->now && l->this_update > c->now)
		LINT(l, "D1", "thisUpdate is %lld s in the future",
		     (long long)(l->this_update - c->now));
	if (!l->have_this || !l->have_next)
		return;
	w = l->next_update - l->this_update;
	if (w <= 0)
		LINT(l, "A9", "nextUpdate is at or before thisUpdate (%lld s)", (long long)w);
	else if (w > cap - 1)
		LINT(l, "A9", "nextUpdate - thisUpdate is %lld s; the %s CRL limit is %lld s "
		     "(%s) minus a 1 s margin", (long long)w, ca ? "CA" : "subscriber",
		     (long long)cap, ca ? "365 days" : "10 days");
	if (c->has_prev && l->next_update < c->prev_next_update)
		LINT(l, "A10", "nextUpdate is %lld s earlier than the previous CRL's nextUpdate",
		     (long long)(c->prev_next_update - l->next_update));
}

static void lint_history(struct lint *l)
{
	const struct crl_lint_ctx *c = l->ctx;

	if (!c->has_prev || !l->have_number)
		return;
	if (magnitude_cmp(l->number, l->number_len, c->prev_number,
			  c->prev_number ? c->prev_number_len : 0) <= 0)
		LINT(l, "A17", "cRLNumber does not exceed the previous CRL's number");
}

/* ---- TBSCertList ------------------------------------------------------ */

static bool lint_version(struct lint *l, struct der *d)
{
	struct der_tlv t;
	bool present;

	if (!der_optional(d, DER_INTEGER, &t, &present)) {
		LINT(l, "A6", "version: %s", lint_fault(d, DER_INTEGER));
		return false;
	}
	if (!present)
		LINT(l, "A1", "version is absent (a v1 CRL); v2 is required");
	else if (!int_minimal(&t))
		LINT(l, "A6", "version is not a minimal DER INTEGER");
	else if (t.len != 1 || t.val[0] != 1)
		LINT(l, "A1", "version is not v2 (INTEGER 1)");
	return true;
}

/* The TBS body after the version: returns false when the walk had to stop. */
static bool lint_body(struct lint *l, struct der *d, struct crl_tbs_info *info)
{
	struct der_tlv alg, name, t;
	bool present, ok;

	if (!lint_expect(l, d, DER_SEQUENCE, &alg, NULL, "signature AlgorithmIdentifier"))
		return false;
	info->alg = alg.start;
	info->alg_len = alg.total;
	lint_alg(l, &alg);
	if (!lint_expect(l, d, DER_SEQUENCE, &name, NULL, "issuer Name"))
		return false;
	lint_issuer_name(l, &name);
	if (!lint_time(l, d, NULL, "thisUpdate", &l->this_update, &l->have_this))
		return false;
	if (!der_empty(d) && (d->p[0] == DER_UTCTIME || d->p[0] == DER_GENTIME)) {
		if (!lint_time(l, d, NULL, "nextUpdate", &l->next_update, &l->have_next))
			return false;
	} else {
		LINT(l, "A8", "nextUpdate is absent");
	}
	if (!der_optional(d, DER_SEQUENCE, &t, &present)) {
		LINT(l, "A6", "revokedCertificates: %s", lint_fault(d, DER_SEQUENCE));
		return false;
	}
	if (present)
		lint_entries(l, &t);
	if (!der_optional(d, DER_CTX0, &t, &present)) {
		LINT(l, "A6", "crlExtensions: %s", lint_fault(d, DER_CTX0));
		return false;
	}
	if (present) {
		lint_crl_exts(l, &t);
	} else {
		LINT(l, "A16", "authorityKeyIdentifier is missing (no crlExtensions)");
		LINT(l, "A17", "cRLNumber is missing (no crlExtensions)");
		if (l->ctx->partition)
			LINT(l, "A20", "partitioned CRL has no IssuingDistributionPoint");
	}
	ok = lint_done(l, d, NULL, "crlExtensions");
	return ok;
}

bool crl_lint_tbs_append(const uint8_t *tbs, size_t len, const struct crl_lint_ctx *ctx,
			 struct crl_violations *v, struct crl_tbs_info *info)
{
	static const struct crl_lint_ctx none = {0};
	struct crl_tbs_info scratch;
	struct lint l;
	struct der d = der_init(tbs, len), body;
	struct der_tlv top;
	size_t before = v->total;

	memset(&l, 0, sizeof(l));
	l.ctx = ctx ? ctx : &none;
	l.v = v;
	if (!info)
		info = &scratch;
	info->alg = NULL;
	info->alg_len = 0;
	lint_issuer_cert(&l);
	if (!tbs || !lint_expect(&l, &d, DER_SEQUENCE, &top, NULL, "tbsCertList"))
		return false;
	lint_done(&l, &d, NULL, "tbsCertList");
	body = der_enter(&top);
	if (lint_version(&l, &body) && lint_body(&l, &body, info)) {
		lint_window(&l);
		lint_history(&l);
	}
	return v->total == before;
}

bool crl_lint_tbs(const uint8_t *tbs, size_t len, const struct crl_lint_ctx *ctx,
		  struct crl_violations *v)
{
	struct crl_violations scratch;

	if (!v)
		v = &scratch;
	memset(v, 0, sizeof(*v));
	return crl_lint_tbs_append(tbs, len, ctx, v, NULL);
}

/* ---- CertificateList -------------------------------------------------- */

/* A5: the signature verifies under the issuer certificate's key. */
static void lint_signature(struct lint *l, const struct sigalg *a, const struct der_tlv *tbs,
			   const uint8_t *sig, size_t sig_len)
{
	const uint8_t *p = l->issuer.spki.p;
	EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)l->issuer.spki.len);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const char *md = sigalg_md_name(a->md);
	bool ok = false;

	if (!key || !mctx ||
	    EVP_DigestVerifyInit_ex(mctx, &pctx, md, NULL, NULL, key, NULL) != 1)
		goto out;
	if (a->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, sigalg_md_size(a->md)) <= 0 ||
		       EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) <= 0))
		goto out;
	ok = EVP_DigestVerify(mctx, sig, sig_len, tbs->start, tbs->total) == 1;
out:
	if (!ok)
		LINT(l, "A5", "the signature does not verify with the issuer certificate's key");
	/* A failed verify is a finding, not an error for the caller's queue. */
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(key);
}

bool crl_lint_der(const uint8_t *crl, size_t len, const struct crl_lint_ctx *ctx,
		  struct crl_violations *v)
{
	static const struct crl_lint_ctx none = {0};
	struct crl_violations scratch;
	struct crl_tbs_info info;
	struct lint l;
	struct der d = der_init(crl, len), s;
	struct der_tlv top, tbs, alg, sig;
	const struct sigalg *a;

	if (!v)
		v = &scratch;
	memset(v, 0, sizeof(*v));
	memset(&l, 0, sizeof(l));
	l.ctx = ctx ? ctx : &none;
	l.v = v;
	if (!crl || !lint_expect(&l, &d, DER_SEQUENCE, &top, NULL, "CertificateList"))
		return false;
	lint_done(&l, &d, NULL, "CertificateList");
	s = der_enter(&top);
	if (!lint_expect(&l, &s, DER_SEQUENCE, &tbs, NULL, "tbsCertList"))
		return false;
	crl_lint_tbs_append(tbs.start, tbs.total, l.ctx, v, &info);
	if (!lint_expect(&l, &s, DER_SEQUENCE, &alg, NULL, "signatureAlgorithm") ||
	    !lint_expect(&l, &s, DER_BITSTRING, &sig, NULL, "signatureValue"))
		return false;
	lint_done(&l, &s, NULL, "signatureValue");
	if (info.alg && (info.alg_len != alg.total || memcmp(info.alg, alg.start, alg.total) != 0))
		LINT(&l, "A2", "signatureAlgorithm differs from tbsCertList.signature");
	if (sig.len == 0 || sig.val[0] != 0) {
		LINT(&l, "A6", "signatureValue BIT STRING has unused bits");
		return false;
	}
	/* The TBS pass walked the issuer certificate into its own state; the
	 * signature check needs it here too. */
	a = sigalg_find(alg.start, alg.total);
	if (a && l.ctx->issuer_cert) {
		struct ll_err err;

		if (x509_walk(l.ctx->issuer_cert, l.ctx->issuer_cert_len, &l.issuer, &err))
			lint_signature(&l, a, &tbs, sig.val + 1, sig.len - 1);
	}
	return v->total == 0;
}
