/* test_crl_lint.c - the CRL linter, rule by rule: each test crafts a
 * TBSCertList (or CertificateList) that breaks exactly one checklist
 * item, shows the linter refuses it with that item's ID, and shows the
 * boundary case next to it passes. Then the third-party vectors
 * (zlint, Boulder, pkilint expected.tsv): every row whose lint maps to
 * one of our rules must agree with upstream, except for the documented
 * disagreements listed below (docs/crl-lint.md). Ends with hostile-input
 * runs (truncations, bit flips) that must never crash. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crlgen.h"
#include "tap.h"
#include "test_crl_helpers.h"
#include "x509walk.h"

/* ---- a tiny DER builder (test-only, arena-allocated) -------------------- */

struct blob {
	uint8_t *p; /* NULL: absent */
	size_t n;
};

static void *arena[1 << 16];
static size_t narena;

static uint8_t *arena_alloc(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (!p || narena == sizeof(arena) / sizeof(arena[0]))
		abort();
	arena[narena++] = p;
	return p;
}

static void arena_free(void)
{
	while (narena)
		free(arena[--narena]);
}

static const struct blob ABSENT = {NULL, 0};

static struct blob raw(const char *hex)
{
	size_t n = strlen(hex) / 2, i;
	struct blob b = {arena_alloc(n), n};

	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		b.p[i] = (uint8_t)v;
	}
	return b;
}

static struct blob bytes(const void *p, size_t n)
{
	struct blob b = {arena_alloc(n), n};

	memcpy(b.p, p, n);
	return b;
}

/* Concatenates the present blobs of a NULL-terminated... count-given list. */
static struct blob cat(int count, ...)
{
	struct blob parts[16], b;
	size_t total = 0, o = 0;
	va_list ap;
	int i;

	va_start(ap, count);
	for (i = 0; i < count; i++) {
		parts[i] = va_arg(ap, struct blob);
		total += parts[i].n;
	}
	va_end(ap);
	b.p = arena_alloc(total);
	b.n = total;
	for (i = 0; i < count; i++) {
		if (parts[i].n)
			memcpy(b.p + o, parts[i].p, parts[i].n);
		o += parts[i].n;
	}
	return b;
}

static struct blob tlv(uint8_t tag, struct blob c)
{
	uint8_t h[6];
	size_t hl = 0;

	h[hl++] = tag;
	if (c.n < 0x80) {
		h[hl++] = (uint8_t)c.n;
	} else if (c.n < 0x100) {
		h[hl++] = 0x81;
		h[hl++] = (uint8_t)c.n;
	} else if (c.n < 0x10000) {
		h[hl++] = 0x82;
		h[hl++] = (uint8_t)(c.n >> 8);
		h[hl++] = (uint8_t)c.n;
	} else {
		h[hl++] = 0x83;
		h[hl++] = (uint8_t)(c.n >> 16);
		h[hl++] = (uint8_t)(c.n >> 8);
		h[hl++] = (uint8_t)c.n;
	}
	return cat(2, bytes(h, hl), c);
}

#define SEQ(...) tlv(0x30, cat(__VA_ARGS__))
static struct blob utc(const char *s) { return tlv(0x17, bytes(s, strlen(s))); }
static struct blob gen(const char *s) { return tlv(0x18, bytes(s, strlen(s))); }
static struct blob integer(const char *hex) { return tlv(0x02, raw(hex)); }

/* Extension: crit -1 = absent (DEFAULT), 0 = FALSE encoded, 1 = TRUE. */
static struct blob ext(const char *oid_hex, int crit, struct blob value)
{
	struct blob c = crit < 0 ? ABSENT : raw(crit ? "0101ff" : "010100");

	return SEQ(3, tlv(0x06, raw(oid_hex)), c, tlv(0x04, value));
}

static struct blob reason(const char *val, int crit)
{
	return ext("551d15", crit, tlv(0x0a, raw(val)));
}

static struct blob entry(const char *serial, struct blob when, struct blob exts)
{
	return SEQ(3, integer(serial), when, exts.p ? tlv(0x30, exts) : ABSENT);
}

/* ---- the reference issuer and a clean TBS ----------------------------- */

struct fixture {
	struct tc_ca ca;
	struct x509_fields f;
	char ski_hex[80];
	char subject_hex[512];
};

static struct blob aki_ext(const struct fixture *fx)
{
	return ext("551d23", -1, SEQ(1, tlv(0x80, raw(fx->ski_hex))));
}

static struct blob number_ext(const char *hex)
{
	return ext("551d14", -1, integer(hex));
}

/* The fields of a TBSCertList; an absent blob leaves the field out. */
struct tbs {
	struct blob version, alg, issuer, this_u, next_u, revoked, exts;
};

static struct tbs good_tbs(const struct fixture *fx)
{
	struct tbs t;

	t.version = raw("020101");
	t.alg = raw("300a06082a8648ce3d040302");
	t.issuer = raw(fx->subject_hex);
	t.this_u = utc("261120000000Z");
	t.next_u = utc("261127000000Z"); /* 7 days */
	t.revoked = SEQ(2, entry("05", utc("261119000000Z"), reason("01", -1)),
			entry("0a", utc("261118000000Z"), ABSENT));
	t.exts = tlv(0xa0, SEQ(2, aki_ext(fx), number_ext("07")));
	return t;
}

static struct blob encode(const struct tbs *t)
{
	return SEQ(7, t->version, t->alg, t->issuer, t->this_u, t->next_u, t->revoked, t->exts);
}

static struct blob exts_of(const struct fixture *fx, struct blob extra)
{
	return tlv(0xa0, SEQ(3, aki_ext(fx), number_ext("07"), extra));
}

static void fx_init(struct fixture *fx, const char *type)
{
	struct ll_err err;

	tc_ca_make(&fx->ca, type);
	if (!x509_walk(fx->ca.der, fx->ca.len, &fx->f, &err))
		abort();
	tc_hex(fx->f.ski.p, fx->f.ski.len, fx->ski_hex);
	tc_hex(fx->f.subject.p, fx->f.subject.len, fx->subject_hex);
}

static void ctx_for(struct crl_lint_ctx *c, const struct fixture *fx)
{
	memset(c, 0, sizeof(*c));
	c->issuer_cert = fx->ca.der;
	c->issuer_cert_len = fx->ca.len;
	c->profile = CRL_PROFILE_SUBSCRIBER;
}

/* Lints t; true when clean. On a mismatch with `want_clean`, prints what
 * was found. */
static bool lint(const struct tbs *t, const struct crl_lint_ctx *c, struct crl_violations *v)
{
	struct blob b = encode(t);

	return crl_lint_tbs(b.p, b.n, c, v);
}

/* The assertion every rule test makes: the bad case is refused with the
 * item's ID (and message fragment, if given). */
#define REFUSED(t, c, id, sub, why)                                                     \
	do {                                                                            \
		struct crl_violations v_;                                               \
		bool clean_ = lint((t), (c), &v_);                                      \
		CHECK_MSG(!clean_ && tc_has(&v_, (id), (sub)), "%s: %s must be refused", \
			  (id), (why));                                                 \
		if (clean_ || !tc_has(&v_, (id), (sub)))                                \
			tc_print_violations(&v_);                                       \
	} while (0)

#define ACCEPTED(t, c, why)                                                     \
	do {                                                                    \
		struct crl_violations v_;                                       \
		bool clean_ = lint((t), (c), &v_);                              \
		CHECK_MSG(clean_, "%s must lint clean", (why));                  \
		if (!clean_)                                                    \
			tc_print_violations(&v_);                               \
	} while (0)

/* ---- rule tests --------------------------------------------------------- */

static void test_clean(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);

	ctx_for(&c, fx);
	ACCEPTED(&t, &c, "the reference TBS");
	c.issuer_cert = NULL;
	ACCEPTED(&t, &c, "the reference TBS without an issuer certificate");
	CHECK(!crl_lint_tbs(NULL, 0, &c, NULL));
	CHECK(!crl_lint_der(NULL, 0, NULL, NULL));
}

static void test_a1(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);

	ctx_for(&c, fx);
	t.version = ABSENT;
	REFUSED(&t, &c, "A1", "absent", "a v1 CRL (no version)");
	t.version = raw("020100");
	REFUSED(&t, &c, "A1", NULL, "version INTEGER 0");
	t.version = raw("020102");
	REFUSED(&t, &c, "A1", NULL, "version INTEGER 2 (v3)");
}

static void test_a2_a3(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);
	struct crl_violations v;
	struct crl_params p;
	struct ll_buf out;
	struct ll_err err;
	struct tc_crl_parts parts;
	struct blob crl;

	ctx_for(&c, fx);
	t.alg = raw("300a06082a8648ce3d040303");
	REFUSED(&t, &c, "A2", "does not fit", "ecdsa-with-SHA384 with a P-256 key");
	t.alg = raw("300c06082a8648ce3d0403020500");
	REFUSED(&t, &c, "A2", "not one of", "ecdsa-with-SHA256 with NULL parameters");
	t.alg = raw("300b06092a864886f70d01010b");
	REFUSED(&t, &c, "A2", "NULL", "sha256WithRSAEncryption without NULL");
	t.alg = raw("300506032b6570");
	REFUSED(&t, &c, "A2", "S/MIME", "Ed25519 on a TLS CA");
	t.alg = raw("300d06092a864886f70d0101050500");
	REFUSED(&t, &c, "A3", "SHA-1", "sha1WithRSAEncryption");
	t.alg = raw("300906072a8648ce3d0401");
	REFUSED(&t, &c, "A3", "SHA-1", "ecdsa-with-SHA1");

	/* Outer signatureAlgorithm must be the inner one, byte for byte. */
	ll_buf_init(&out, 0);
	tc_params(&p, &fx->ca);
	CHECK(crl_build(&p, &out, &v, &err));
	CHECK(tc_split(out.data, out.len, &parts));
	crl = SEQ(3, bytes(parts.tbs.start, parts.tbs.total), raw("300a06082a8648ce3d040303"),
		  bytes(parts.sig.start, parts.sig.total));
	CHECK_MSG(!crl_lint_der(crl.p, crl.n, &c, &v) && tc_has(&v, "A2", "differs"),
		  "A2: outer algorithm differing from the TBS one must be refused");
	CHECK_MSG(crl_lint_der(out.data, out.len, &c, &v), "A2: crl_build output lints clean");
	ll_buf_free(&out);
}

static void test_a4(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);
	char hex[512];

	ctx_for(&c, fx);
	/* The same name re-encoded (UTF8String instead of PrintableString
	 * in C=XX): equal to a comparing reader, not byte-identical. */
	snprintf(hex, sizeof(hex), "%s", fx->subject_hex);
	{
		char *p = strstr(hex, "13025858"); /* PrintableString "XX" */

		CHECK(p != NULL && (p - hex) % 2 == 0);
		if (p)
			memcpy(p, "0c", 2);
	}
	t.issuer = raw(hex);
	REFUSED(&t, &c, "A4", "byte-for-byte", "a re-encoded issuer name");
	t.issuer = raw("3000");
	REFUSED(&t, &c, "A4", "empty", "an empty issuer Name");
}

static void test_a5(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);
	struct tc_ca noku;
	struct crl_params p;
	struct crl_violations v;
	struct ll_buf out;
	struct ll_err err;
	struct fixture other;
	struct tc_crl_parts parts;
	struct blob crl;

	/* Issuer without cRLSign; and without keyUsage at all. */
	tc_ca_make_ku(&noku, "P-256", "critical,keyCertSign,digitalSignature", true);
	ctx_for(&c, fx);
	c.issuer_cert = noku.der;
	c.issuer_cert_len = noku.len;
	REFUSED(&t, &c, "A5", "cRLSign", "an issuer whose keyUsage lacks cRLSign");
	tc_ca_free(&noku);
	tc_ca_make_ku(&noku, "P-256", NULL, true);
	c.issuer_cert = noku.der;
	c.issuer_cert_len = noku.len;
	REFUSED(&t, &c, "A5", "no keyUsage", "an issuer without keyUsage");
	tc_ca_free(&noku);

	ctx_for(&c, fx);
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"),
				 cat(2, reason("01", -1),
				     ext("551d1d", 1, SEQ(1, tlv(0xa4, raw(fx->subject_hex)))))));
	REFUSED(&t, &c, "A5", "certificateIssuer", "an entry with certificateIssuer (indirect CRL)");

	/* A CRL signed by a different key than the issuer certificate's. */
	fx_init(&other, "P-256");
	ll_buf_init(&out, 0);
	tc_params(&p, &other.ca);
	CHECK(crl_build(&p, &out, &v, &err));
	CHECK(tc_split(out.data, out.len, &parts));
	/* Put fx's name and AKI into other's TBS: only the key differs. */
	t = good_tbs(fx);
	crl = SEQ(3, encode(&t), raw("300a06082a8648ce3d040302"),
		  bytes(parts.sig.start, parts.sig.total));
	if (crl_lint_der(crl.p, crl.n, &c, &v) || !tc_has(&v, "A5", "does not verify") ||
	    v.total != 1) {
		CHECK_MSG(false, "A5: a signature from another key must be refused (alone)");
		tc_print_violations(&v);
	}
	ll_buf_free(&out);
	tc_ca_free(&other.ca);
}

static void test_a6(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);
	struct crl_violations v;
	struct blob b;

	ctx_for(&c, fx);
	b = cat(2, encode(&t), raw("00"));
	CHECK_MSG(!crl_lint_tbs(b.p, b.n, &c, &v) && tc_has(&v, "A6", "trailing"),
		  "A6: a trailing byte after the TBS must be refused");
	b = encode(&t);
	b.n--;
	CHECK_MSG(!crl_lint_tbs(b.p, b.n, &c, &v) && tc_has(&v, "A6", NULL),
		  "A6: a truncated TBS must be refused");
	/* Non-minimal length: 30 82 00 xx where 30 81 xx is due. */
	b = encode(&t);
	CHECK(b.p[1] == 0x81);
	b = cat(2, raw("308200"), bytes(b.p + 2, b.n - 2));
	CHECK_MSG(!crl_lint_tbs(b.p, b.n, &c, &v) && tc_has(&v, "A6", "length"),
		  "A6: a non-minimal length must be refused");

	t.revoked = SEQ(1, entry("0005", utc("261119000000Z"), ABSENT));
	REFUSED(&t, &c, "A6", "minimal", "a non-minimal serial INTEGER");
	t.revoked = SEQ(2, entry("0a", utc("261119000000Z"), ABSENT),
			entry("05", utc("261119000000Z"), ABSENT));
	REFUSED(&t, &c, "A6", "order", "entries out of serial order");
	t.revoked = SEQ(2, entry("05", utc("261119000000Z"), ABSENT),
			entry("0100", utc("261119000000Z"), ABSENT));
	ACCEPTED(&t, &c, "shorter serial first (05 < 0100)");
	t.revoked = SEQ(3, entry("05", utc("261119000000Z"), ABSENT),
			entry("05", utc("261118000000Z"), ABSENT),
			entry("06", utc("261118000000Z"), ABSENT));
	REFUSED(&t, &c, "A6", "duplicate", "a duplicate serial");
	t.revoked = SEQ(3, entry("05", utc("261119000000Z"), ABSENT),
			entry("07", utc("261118000000Z"), ABSENT),
			entry("05", utc("261118000000Z"), ABSENT));
	REFUSED(&t, &c, "A6", "non-adjacent", "a duplicate serial elsewhere in an unordered list");
	t = good_tbs(fx);
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), reason("01", 0)));
	REFUSED(&t, &c, "A6", "critical FALSE", "an encoded DEFAULT critical FALSE");
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), cat(2, reason("01", -1), reason("01", -1))));
	REFUSED(&t, &c, "A6", "twice", "a repeated entry extension");
	t = good_tbs(fx);
	t.exts = tlv(0xa0, SEQ(3, aki_ext(fx), number_ext("07"), number_ext("08")));
	REFUSED(&t, &c, "A6", "twice", "a repeated CRL extension");
	t.exts = tlv(0xa0, raw("3000"));
	REFUSED(&t, &c, "A6", "empty", "an empty crlExtensions SEQUENCE");
}

static void test_a7(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);

	ctx_for(&c, fx);
	t.this_u = gen("20261120000000Z");
	REFUSED(&t, &c, "A7", "before 2050", "thisUpdate as GeneralizedTime in 2026");
	t = good_tbs(fx);
	t.this_u = utc("2611200000Z");
	REFUSED(&t, &c, "A7", "YYMMDDHHMMSSZ", "UTCTime without seconds");
	t.this_u = utc("261120000000+0100");
	REFUSED(&t, &c, "A7", "Zulu", "UTCTime with an offset");
	t = good_tbs(fx);
	t.next_u = gen("20261127000000.5Z");
	REFUSED(&t, &c, "A7", "fraction", "GeneralizedTime with fractional seconds");
	t.next_u = gen("20261127000000");
	REFUSED(&t, &c, "A7", NULL, "GeneralizedTime without Z");
	t = good_tbs(fx);
	t.revoked = SEQ(1, entry("05", gen("20491231235959Z"), ABSENT));
	REFUSED(&t, &c, "A7", "revocationDate", "revocationDate as GeneralizedTime in 2049");
	t.revoked = SEQ(1, entry("05", gen("19491231235959Z"), ABSENT));
	ACCEPTED(&t, &c, "revocationDate in 1949 as GeneralizedTime");
	/* E8: from 2050 GeneralizedTime, each field on its own. */
	t = good_tbs(fx);
	t.this_u = utc("491231235959Z");
	t.next_u = gen("20500101000000Z");
	t.revoked = SEQ(1, entry("05", utc("491231235959Z"), ABSENT));
	ACCEPTED(&t, &c, "UTCTime 2049 thisUpdate with GeneralizedTime 2050 nextUpdate");
	t.next_u = utc("500101000000Z"); /* means 1950: before thisUpdate */
	REFUSED(&t, &c, "A9", "at or before", "UTCTime 50 (= 1950) as a 2050 nextUpdate");
	t.this_u = tlv(0x04, raw("00"));
	REFUSED(&t, &c, "A6", "not a Time", "thisUpdate of the wrong type");
}

static void test_a8_a9_a10(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);

	ctx_for(&c, fx);
	t.next_u = ABSENT;
	REFUSED(&t, &c, "A8", "absent", "a CRL without nextUpdate");

	/* E9: subscriber cap 10 days = 864000 s, 1 s margin. */
	t = good_tbs(fx);
	t.this_u = utc("261120000000Z");
	t.next_u = utc("261129235959Z"); /* 863999 s */
	ACCEPTED(&t, &c, "a subscriber window of 863999 s");
	t.next_u = utc("261130000000Z"); /* 864000 s */
	REFUSED(&t, &c, "A9", "864000 s", "a subscriber window of exactly 10 days");
	t.next_u = utc("261130000001Z"); /* 864001 s */
	REFUSED(&t, &c, "A9", "864001 s", "a subscriber window of 10 days + 1 s");
	t.next_u = t.this_u;
	REFUSED(&t, &c, "A9", "at or before", "nextUpdate == thisUpdate");
	t.next_u = utc("261119000000Z");
	REFUSED(&t, &c, "A9", "at or before", "nextUpdate before thisUpdate");

	/* CA cap 365 days = 31536000 s (O3), 1 s margin. 2026-11-20 + 365 d
	 * = 2027-11-20. */
	c.profile = CRL_PROFILE_CA;
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), reason("01", -1)));
	t.next_u = utc("271119235959Z"); /* 31535999 s */
	ACCEPTED(&t, &c, "a CA window of 365 days - 1 s");
	t.next_u = utc("271120000000Z");
	REFUSED(&t, &c, "A9", "31536000 s", "a CA window of exactly 365 days");
	t.next_u = utc("271120000001Z");
	REFUSED(&t, &c, "A9", "31536001 s", "a CA window of 365 days + 1 s");
	t.next_u = utc("261130000001Z");
	ACCEPTED(&t, &c, "a CA window of 10 days + 1 s");

	/* A10: nextUpdate never goes back within a scope. */
	ctx_for(&c, fx);
	t = good_tbs(fx);
	c.has_prev = true;
	c.prev_number = (const uint8_t *)"\x06";
	c.prev_number_len = 1;
	c.prev_next_update = tc_time("2026-11-27T00:00:01Z");
	REFUSED(&t, &c, "A10", "earlier", "a nextUpdate 1 s before the previous CRL's");
	c.prev_next_update = tc_time("2026-11-27T00:00:00Z");
	ACCEPTED(&t, &c, "a nextUpdate equal to the previous CRL's");
}

static void test_a15_a20_a21(struct fixture *fx)
{
	static const struct crl_partition user = {"http://crl.example.test/7.crl", true, false};
	static const struct crl_partition ca = {"http://crl.example.test/ca.crl", false, true};
	const char *uri_hex = "687474703a2f2f63726c2e6578616d706c652e746573742f372e63726c";
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);
	struct blob dp = tlv(0xa0, tlv(0xa0, tlv(0x86, raw(uri_hex))));

	ctx_for(&c, fx);
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(2, dp, raw("8101ff"))));
	REFUSED(&t, &c, "A21", NULL, "an IDP on a full CRL");

	c.partition = &user;
	ACCEPTED(&t, &c, "a user partition with its IDP");
	t.exts = exts_of(fx, ABSENT);
	REFUSED(&t, &c, "A20", "no IssuingDistributionPoint", "a partition without IDP");
	t.exts = exts_of(fx, ext("551d1c", -1, SEQ(2, dp, raw("8101ff"))));
	REFUSED(&t, &c, "A20", "not marked critical", "a non-critical IDP");
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(1, raw("8101ff"))));
	REFUSED(&t, &c, "A20", "no distributionPoint", "an IDP without distributionPoint");
	t.exts = exts_of(fx, ext("551d1c", 1, raw("3000")));
	REFUSED(&t, &c, "A20", "empty", "an empty IDP SEQUENCE");
	t.exts = exts_of(fx, ext("551d1c", 1,
				 SEQ(2, tlv(0xa0, tlv(0xa0, tlv(0x86, raw("687474703a2f2f782f382e63726c")))),
				     raw("8101ff"))));
	REFUSED(&t, &c, "A20", "partition URI", "an IDP with another URI");
	t.exts = exts_of(fx, ext("551d1c", 1,
				 SEQ(2, tlv(0xa0, tlv(0xa0, cat(2, tlv(0x86, raw(uri_hex)),
								tlv(0x82, raw("6578616d706c65"))))),
				     raw("8101ff"))));
	REFUSED(&t, &c, "A20", "non-URI", "an IDP fullName with a dNSName");
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(2, tlv(0xa0, tlv(0xa1, raw("3100"))), raw("8101ff"))));
	REFUSED(&t, &c, "A20", "fullName", "an IDP with nameRelativeToCRLIssuer");
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(1, dp)));
	REFUSED(&t, &c, "A20", "onlyContainsUserCerts", "a user partition without onlyContainsUserCerts");
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(3, dp, raw("8101ff"), raw("8201ff"))));
	REFUSED(&t, &c, "A20", "both", "an IDP with both only-flags");
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(3, dp, raw("8101ff"), raw("83020560"))));
	REFUSED(&t, &c, "A20", "onlySomeReasons", "an IDP with onlySomeReasons");
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(3, dp, raw("8101ff"), raw("8501ff"))));
	REFUSED(&t, &c, "A20", "AttributeCerts", "an IDP with onlyContainsAttributeCerts");
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(3, dp, raw("8101ff"), raw("820100"))));
	REFUSED(&t, &c, "A20", "DEFAULT FALSE", "an IDP with onlyContainsCACerts FALSE encoded");
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(3, dp, raw("8101ff"), raw("8401ff"))));
	REFUSED(&t, &c, "A5", "indirectCRL", "an IDP asserting indirectCRL");

	/* A15: the IDP URI is an http:// URL. */
	{
		static const struct crl_partition https = {"https://crl.example.test/7.crl", true, false};

		c.partition = &https;
		t.exts = exts_of(fx, ext("551d1c", 1,
					 SEQ(2, tlv(0xa0, tlv(0xa0, tlv(0x86, bytes(https.uri, strlen(https.uri))))),
					     raw("8101ff"))));
		REFUSED(&t, &c, "A15", "http://", "an https IDP URI");
	}

	/* CA partition. */
	c.partition = &ca;
	c.profile = CRL_PROFILE_CA;
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), reason("01", -1)));
	t.exts = exts_of(fx, ext("551d1c", 1,
				 SEQ(2, tlv(0xa0, tlv(0xa0, tlv(0x86, bytes(ca.uri, strlen(ca.uri))))),
				     raw("8201ff"))));
	ACCEPTED(&t, &c, "a CA partition with its IDP");
	/* A user partition cannot take the CA window. */
	c.partition = &user;
	t.exts = exts_of(fx, ext("551d1c", 1, SEQ(2, dp, raw("8101ff"))));
	REFUSED(&t, &c, "A9", "subscriber profile", "an onlyContainsUserCerts CRL with the CA profile");
}

static void test_a16_a17_a18(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);
	char other_ski[80];

	ctx_for(&c, fx);
	t.exts = tlv(0xa0, SEQ(1, number_ext("07")));
	REFUSED(&t, &c, "A16", "missing", "a CRL without AKI");
	t.exts = ABSENT;
	REFUSED(&t, &c, "A16", "missing", "a CRL without extensions");
	t.exts = tlv(0xa0, SEQ(2, ext("551d23", 1, SEQ(1, tlv(0x80, raw(fx->ski_hex)))),
			       number_ext("07")));
	REFUSED(&t, &c, "A16", "critical", "a critical AKI");
	t.exts = tlv(0xa0, SEQ(2, ext("551d23", -1, SEQ(2, tlv(0x80, raw(fx->ski_hex)),
							 raw("820101"))),
			       number_ext("07")));
	REFUSED(&t, &c, "A16", "authorityCertIssuer", "an AKI with authorityCertSerialNumber");
	t.exts = tlv(0xa0, SEQ(2, ext("551d23", -1, SEQ(1, raw("820101"))), number_ext("07")));
	REFUSED(&t, &c, "A16", "no keyIdentifier", "an AKI without keyIdentifier");
	snprintf(other_ski, sizeof(other_ski), "%s", fx->ski_hex);
	other_ski[0] = other_ski[0] == '0' ? '1' : '0';
	t.exts = tlv(0xa0, SEQ(2, ext("551d23", -1, SEQ(1, tlv(0x80, raw(other_ski)))),
			       number_ext("07")));
	REFUSED(&t, &c, "A16", "differs", "an AKI keyIdentifier that is not the issuer's SKI");

	t.exts = tlv(0xa0, SEQ(1, aki_ext(fx)));
	REFUSED(&t, &c, "A17", "missing", "a CRL without cRLNumber");
	t.exts = tlv(0xa0, SEQ(2, aki_ext(fx), ext("551d14", 1, integer("07"))));
	REFUSED(&t, &c, "A17", "critical", "a critical cRLNumber");
	t.exts = tlv(0xa0, SEQ(2, aki_ext(fx), number_ext("ff")));
	REFUSED(&t, &c, "A17", "negative", "a negative cRLNumber");
	t.exts = tlv(0xa0, SEQ(2, aki_ext(fx), number_ext("0007")));
	REFUSED(&t, &c, "A17", "minimal", "a non-minimal cRLNumber");
	t.exts = tlv(0xa0, SEQ(2, aki_ext(fx), number_ext("7fffffffffffffffffffffffffffffffffffffff")));
	ACCEPTED(&t, &c, "cRLNumber 2^159 - 1 (20 octets)");
	t.exts = tlv(0xa0, SEQ(2, aki_ext(fx), number_ext("008000000000000000000000000000000000000000")));
	REFUSED(&t, &c, "A17", "2^159", "cRLNumber 2^159 (21 octets)");
	t.exts = tlv(0xa0, SEQ(2, aki_ext(fx), number_ext("00")));
	ACCEPTED(&t, &c, "cRLNumber 0");
	t = good_tbs(fx);
	c.has_prev = true;
	c.prev_number = (const uint8_t *)"\x00\x07";
	c.prev_number_len = 2;
	c.prev_next_update = 0;
	REFUSED(&t, &c, "A17", "previous", "a cRLNumber equal to the previous one");
	c.prev_number = (const uint8_t *)"\x06";
	c.prev_number_len = 1;
	ACCEPTED(&t, &c, "a cRLNumber above the previous one");

	ctx_for(&c, fx);
	t.exts = exts_of(fx, ext("551d1b", 1, integer("06")));
	REFUSED(&t, &c, "A18", "deltaCRLIndicator", "a delta CRL indicator");
	t.exts = exts_of(fx, ext("551d2e", -1, raw("3000")));
	REFUSED(&t, &c, "A18", "freshestCRL", "a freshestCRL extension");
	t.exts = exts_of(fx, ext("2b06010505070101", -1, raw("3000")));
	REFUSED(&t, &c, "A18", "authorityInfoAccess", "an AIA extension");
}

static void test_entries(struct fixture *fx)
{
	static const struct {
		const char *val;
		bool ok;
	} reasons[] = {{"01", true}, {"02", false}, {"03", true}, {"04", true}, {"05", true},
		       {"06", false}, {"07", false}, {"08", false}, {"09", true}, {"0a", false}};
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);
	char why[64];
	size_t i;

	ctx_for(&c, fx);
	t.revoked = raw("3000");
	REFUSED(&t, &c, "A23", "empty", "an empty revokedCertificates SEQUENCE");
	t.revoked = ABSENT;
	ACCEPTED(&t, &c, "a CRL without revokedCertificates");

	t.revoked = SEQ(1, entry("05", utc("261120000001Z"), ABSENT));
	REFUSED(&t, &c, "A25", "after thisUpdate", "a revocationDate after thisUpdate");
	t.revoked = SEQ(1, entry("05", utc("261120000000Z"), ABSENT));
	ACCEPTED(&t, &c, "a revocationDate equal to thisUpdate (E12)");

	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), reason("01", 1)));
	REFUSED(&t, &c, "A28", "critical", "a critical reasonCode");
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), reason("00", -1)));
	REFUSED(&t, &c, "A28", "unspecified", "reasonCode unspecified (0)");

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		t.revoked = SEQ(1, entry("05", utc("261119000000Z"), reason(reasons[i].val, -1)));
		snprintf(why, sizeof(why), "subscriber reasonCode %s", reasons[i].val);
		if (reasons[i].ok)
			ACCEPTED(&t, &c, why);
		else
			REFUSED(&t, &c, "A29", NULL, why);
	}

	c.profile = CRL_PROFILE_CA;
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), ABSENT));
	REFUSED(&t, &c, "A31", "no reasonCode", "a CA entry without reasonCode");
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		t.revoked = SEQ(1, entry("05", utc("261119000000Z"), reason(reasons[i].val, -1)));
		snprintf(why, sizeof(why), "CA reasonCode %s", reasons[i].val);
		if (reasons[i].ok)
			ACCEPTED(&t, &c, why);
		else
			REFUSED(&t, &c, "A31", NULL, why);
	}

	/* A34: invalidityDate only for S/MIME, non-critical, GeneralizedTime. */
	ctx_for(&c, fx);
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"),
				 ext("551d18", -1, gen("20261118000000Z"))));
	REFUSED(&t, &c, "A34", "S/MIME", "an invalidityDate on a TLS CRL");
	c.smime = true;
	ACCEPTED(&t, &c, "an invalidityDate on an S/MIME CRL");
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), ext("551d18", 1, gen("20261118000000Z"))));
	REFUSED(&t, &c, "A34", "critical", "a critical invalidityDate");
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), ext("551d18", -1, utc("261118000000Z"))));
	REFUSED(&t, &c, "A34", "GeneralizedTime", "an invalidityDate as UTCTime");
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), ext("551d18", -1, gen("20261119000001Z"))));
	REFUSED(&t, &c, "A34", "after revocationDate", "an invalidityDate after revocationDate");
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), ext("551d17", -1, raw("06052a0304050a"))));
	REFUSED(&t, &c, "A34", "2.5.29.23", "a holdInstructionCode entry extension");
	t.revoked = SEQ(1, entry("05", utc("261119000000Z"), raw("")));
	REFUSED(&t, &c, "A6", "empty", "an empty crlEntryExtensions");
}

static void test_d1(struct fixture *fx)
{
	struct crl_lint_ctx c;
	struct tbs t = good_tbs(fx);

	ctx_for(&c, fx);
	c.now = tc_time("2026-11-19T23:59:59Z");
	REFUSED(&t, &c, "D1", "future", "a thisUpdate 1 s in the future");
	c.now = tc_time("2026-11-20T00:00:00Z");
	ACCEPTED(&t, &c, "a thisUpdate equal to now");
}

/* crl_build's own checks: what the bytes cannot show (A22, A31). */
static void test_build_checks(struct fixture *fx)
{
	static const struct crl_partition user = {"http://crl.example.test/7.crl", true, false};
	static const struct crl_partition cap = {"http://crl.example.test/ca.crl", false, true};
	static const uint8_t s1[] = {0x01}, s2[] = {0x02};
	struct crl_entry e[2] = {
		{.serial = s1, .serial_len = 1, .revoked_at = 0,
		 .reason = CRL_REASON_KEY_COMPROMISE},
		{.serial = s2, .serial_len = 1, .revoked_at = 0,
		 .reason = CRL_REASON_KEY_COMPROMISE, .is_ca = true},
	};
	struct crl_params p;
	struct crl_violations v;
	struct ll_buf out;
	struct ll_err err;
	char text[512];

	ll_buf_init(&out, 0);
	tc_params(&p, &fx->ca);
	e[0].revoked_at = e[1].revoked_at = p.this_update - 60;
	p.entries = e;
	p.nentries = 2;
	p.partition = &user;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A22", "CA certificate") &&
			  out.len == 0 && strstr(err.msg, "A22"),
		  "A22: a CA certificate on an onlyContainsUserCerts CRL must be refused: %s",
		  err.msg);
	crl_violations_text(&v, text, sizeof(text));
	CHECK_MSG(strncmp(text, "A22: ", 5) == 0, "violation text: %s", text);

	p.partition = &cap;
	p.profile = CRL_PROFILE_CA;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A22", "end-entity"),
		  "A22: an end-entity certificate on an onlyContainsCACerts CRL must be refused");
	p.partition = NULL;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A9", "end-entity"),
		  "A9: an end-entity certificate on a CA-profile CRL must be refused");

	tc_params(&p, &fx->ca);
	e[0].is_ca = e[1].is_ca = true;
	p.entries = e;
	p.nentries = 2;
	p.profile = CRL_PROFILE_CA;
	e[1].reason = CRL_REASON_NONE;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A31", "needs a reasonCode"),
		  "A31: a CA entry without a reason must be refused");
	e[1].reason = CRL_REASON_CA_COMPROMISE;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A31", NULL),
		  "A31/O1: a CA entry with cACompromise must be refused");
	e[1].reason = CRL_REASON_CERTIFICATE_HOLD;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A31", NULL),
		  "A31: certificateHold on a CA entry must be refused");
	e[1].reason = CRL_REASON_SUPERSEDED;
	CHECK_MSG(crl_build(&p, &out, &v, &err), "a CA CRL with allowed reasons: %s", err.msg);
	out.len = 0;

	/* Subscriber CRL with certificateHold and an out-of-range value. */
	tc_params(&p, &fx->ca);
	e[0].is_ca = e[1].is_ca = false;
	e[1].reason = CRL_REASON_CERTIFICATE_HOLD;
	p.entries = e;
	p.nentries = 2;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A29", "certificateHold"),
		  "A29: certificateHold via crl_build must be refused by the lint");
	e[1].reason = 77;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A29", "not a CRLReason"),
		  "A29: an unknown reason value must be refused");
	e[1].reason = CRL_REASON_KEY_COMPROMISE;
	e[1].has_invalidity = true;
	e[1].invalidity = e[1].revoked_at;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A34", "S/MIME"),
		  "A34: invalidityDate without smime must be refused");
	e[1].has_invalidity = false;

	/* D1, A9, A10, A17 through crl_build. */
	p.now = p.this_update - 1;
	CHECK(!crl_build(&p, &out, &v, &err) && tc_has(&v, "D1", NULL));
	p.now = p.this_update;
	p.next_update = p.this_update + 864000;
	CHECK(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A9", "864000"));
	p.next_update = p.this_update + 863999;
	CHECK_MSG(crl_build(&p, &out, &v, &err), "863999 s builds: %s", err.msg);
	out.len = 0;
	p.has_prev = true;
	p.prev_number_len = crl_number_from_u64(1, p.prev_number);
	p.prev_next_update = p.next_update;
	CHECK(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A17", "previous"));
	p.number_len = crl_number_from_u64(2, p.number);
	p.prev_next_update = p.next_update + 1;
	CHECK(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A10", NULL));
	p.prev_next_update = p.next_update;
	CHECK_MSG(crl_build(&p, &out, &v, &err), "number 2 after 1 builds: %s", err.msg);

	/* A16: an issuer certificate without SKI cannot anchor the AKI. */
	{
		struct tc_ca noski;

		tc_ca_make_ku(&noski, "P-256", "critical,keyCertSign,cRLSign", false);
		tc_params(&p, &noski);
		CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A16", "subjectKeyIdentifier"),
			  "A16: an issuer without SKI must be refused");
		tc_ca_free(&noski);
	}
	ll_buf_free(&out);
}

/* ---- external vectors ------------------------------------------------- */

/* Upstream lint -> our rule IDs. Each alternative is "ID" or "ID:text":
 * the row counts as flagged when some finding has that ID (and text). */
struct mapping {
	const char *lint;
	const char *ids;
};

static const struct mapping mappings[] = {
	/* zlint */
	{"e_cab_crl_reason_code_not_critical", "A28:critical"},
	{"e_cab_crl_has_valid_reason_code", "A28|A29"},
	{"e_crl_has_valid_reason_code", "A28|A29:not defined by RFC 5280"},
	{"e_crl_auth_key_id_only_contains_keyid", "A16"},
	{"e_crl_extensions_validity", "A16|A17|A18"},
	{"e_crl_next_update_invalid", "A9"},
	{"e_crl_number_out_of_range", "A17"},
	{"e_crl_no_duplicate_extensions", "A6:twice"},
	{"e_crl_revoked_certificate_crl_entry_has_no_duplicate_extensions", "A6:twice"},
	{"e_crl_unique_revoked_certificate", "A6:duplicate"},
	{"e_crl_empty_revoked_certificates", "A23"},
	{"e_crl_revoked_certificates_field_must_be_empty", "A23"},
	{"e_crl_has_authority_key_identifier", "A16"},
	{"e_crl_has_next_update", "A8"},
	{"e_crl_missing_crl_number", "A17"},
	{"e_crl_revocation_time_after_this_update", "A25"},
	{"e_crl_sigalgo_missing_null_params", "A2:NULL"},
	/* Boulder */
	{"e_crl_acceptable_reason_codes", "A28|A29"},
	{"e_crl_no_critical_reason_codes", "A28:critical"},
	{"e_crl_validity_period", "A9|A20:both"},
	{"e_crl_has_idp", "A20|A15"},
	{"e_crl_has_no_aia", "A18"},
	{"e_crl_has_no_cert_issuers", "A5"},
	{"e_crl_is_not_delta", "A18"},
	{"e_crl_has_aki", "A16"},
	{"e_crl_has_issuer_name", "A4:empty"},
	{"e_crl_has_number", "A17"},
	{"e_crl_has_valid_timestamps", "A7"},
	{"(all Boulder CRL lints, via crl/checker.Validate)", "A9"},
	{"e_crl_no_empty_revoked_certificates_list", "A23"},
	/* pkilint (keyed by validator) */
	{"CabfCrlReasonCodeAllowlistValidator", "A28"},
	{"GeneralNameUriSyntaxValidator", "A15"},
	{"CrlSaneValidityPeriodValidator", "A9"},
};

/* Rows where we knowingly differ from upstream; docs/crl-lint.md says why.
 * The test asserts the difference, so a change in either side shows. */
struct disagreement {
	const char *file, *lint;
	bool we_flag;
	const char *why;
};

static const struct disagreement disagreements[] = {
	{"crl_nextupdate_nup1_sub0_len0_eff0.pem", "e_crl_next_update_invalid", true,
	 "exactly 365 days: we keep a 1 s margin under the cap (A9, E9, O3)"},
	{"crl_idp_distributionPoint_and_onlyCA.pem", "e_crl_has_idp", false,
	 "Let's Encrypt CP/CPS rule; BR 7.2.2.1 requires the fullName on every partition"},
	{"crl_good_subordinate_ca.pem", "e_crl_has_idp", true,
	 "CA partition without distributionPoint: BR 7.2.2.1(3) requires it"},
	{"crl_idp_two_uris.pem", "e_crl_has_idp", false,
	 "two URIs flagged only against a known partition URI (Boulder: notice)"},
};

static const struct mapping *find_mapping(const char *lint)
{
	size_t i;

	for (i = 0; i < sizeof(mappings) / sizeof(mappings[0]); i++)
		if (strcmp(mappings[i].lint, lint) == 0)
			return &mappings[i];
	return NULL;
}

static const struct disagreement *find_disagreement(const char *file, const char *lint)
{
	size_t i;

	for (i = 0; i < sizeof(disagreements) / sizeof(disagreements[0]); i++)
		if (strcmp(disagreements[i].file, file) == 0 && strcmp(disagreements[i].lint, lint) == 0)
			return &disagreements[i];
	return NULL;
}

/* Whether v holds a finding matching one of the "ID[:text]|..." alternatives. */
static bool flagged(const struct crl_violations *v, const char *ids)
{
	char buf[128], *save = NULL, *alt, *colon;

	snprintf(buf, sizeof(buf), "%s", ids);
	for (alt = strtok_r(buf, "|", &save); alt; alt = strtok_r(NULL, "|", &save)) {
		colon = strchr(alt, ':');
		if (colon)
			*colon = '\0';
		if (tc_has(v, alt, colon ? colon + 1 : NULL))
			return true;
	}
	return false;
}

/* The scope a row describes: its profile and, for IDP lints, a partition. */
static void row_ctx(const char *file, const char *lint, const char *note,
		    struct crl_lint_ctx *c, struct crl_partition *part)
{
	bool ca = strstr(file, "subordinate_ca") || strstr(file, "_sub0_") ||
		  strstr(file, "cabf-arl") || strstr(file, "onlyCA.pem") ||
		  (note && strstr(note, "CA CRL"));

	memset(c, 0, sizeof(*c));
	c->profile = ca ? CRL_PROFILE_CA : CRL_PROFILE_SUBSCRIBER;
	if (strcmp(lint, "e_crl_has_idp") == 0) {
		part->uri = NULL; /* no partition URI known for third-party CRLs */
		part->only_user = !ca;
		part->only_ca = ca;
		c->partition = part;
	}
}

struct tally {
	int mapped, agree, documented, unmapped, skipped;
};

static void check_row(const char *dir, const char *file, const char *lint, const char *expected,
		      const char *note, struct tally *t)
{
	const struct mapping *m = find_mapping(lint);
	const struct disagreement *d;
	struct crl_partition part;
	struct crl_lint_ctx c;
	struct crl_violations v;
	struct ll_buf der;
	char path[1024];
	bool want, got;

	if (!m) {
		t->unmapped++;
		printf("# unmapped: %s %s (%s)\n", file, lint, expected);
		return;
	}
	if (strcmp(expected, "NE") == 0) {
		t->skipped++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ll_buf_init(&der, 1 << 22);
	CHECK_MSG(tc_read_crl_pem(path, &der), "read %s", path);
	row_ctx(file, lint, note, &c, &part);
	crl_lint_der(der.data, der.len, &c, &v);
	got = flagged(&v, m->ids);
	want = strcmp(expected, "pass") != 0 && strcmp(expected, "NA") != 0;
	t->mapped++;
	d = find_disagreement(file, lint);
	if (d) {
		t->documented++;
		CHECK_MSG(got == d->we_flag, "%s %s: documented disagreement changed (%s)", file, lint,
			  d->why);
		printf("# differs (documented): %s %s upstream=%s ours=%s: %s\n", file, lint,
		       expected, got ? "flag" : "pass", d->why);
	} else {
		CHECK_MSG(got == want, "%s: %s expects %s (our %s), we %s", file, lint, expected,
			  m->ids, got ? "flag it" : "do not");
		if (got != want)
			tc_print_violations(&v);
		else
			t->agree++;
	}
	ll_buf_free(&der);
}

/* Splits a TSV line in place into at most n fields. */
static int tsv_split(char *line, char **f, int n)
{
	int k = 0;

	line[strcspn(line, "\r\n")] = '\0';
	f[k++] = line;
	while (k < n && (line = strchr(line, '\t')) != NULL) {
		*line++ = '\0';
		f[k++] = line;
	}
	return k;
}

static void run_tsv(const char *set, int lint_col, int exp_col, int note_col, struct tally *t)
{
	char path[1024], dir[1024], line[4096], *f[8];
	FILE *fp;
	int n, rows = 0;

	snprintf(dir, sizeof(dir), "%s/testdata/external/%s", tc_shared(), set);
	snprintf(path, sizeof(path), "%s/expected.tsv", dir);
	fp = fopen(path, "r");
	CHECK_MSG(fp != NULL, "open %s", path);
	if (!fp)
		return;
	if (!fgets(line, sizeof(line), fp)) {
		fclose(fp);
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		const char *expected;
		char lower[16];
		size_t i;

		n = tsv_split(line, f, 8);
		if (n <= exp_col || n <= lint_col)
			continue;
		expected = f[exp_col];
		/* pkilint states findings (all errors) rather than results. */
		if (strcmp(set, "pkilint-crl") == 0)
			expected = "error";
		for (i = 0; expected[i] && i + 1 < sizeof(lower); i++)
			lower[i] = (char)tolower((unsigned char)expected[i]);
		lower[i] = '\0';
		if (strcmp(lower, "ne") == 0)
			snprintf(lower, sizeof(lower), "NE");
		if (strcmp(lower, "na") == 0)
			snprintf(lower, sizeof(lower), "NA");
		check_row(dir, f[0], f[lint_col], lower, note_col >= 0 && note_col < n ? f[note_col] : NULL, t);
		rows++;
	}
	fclose(fp);
	printf("# %s: %d rows read\n", set, rows);
}

static void test_external(void)
{
	struct tally t = {0};

	run_tsv("zlint-crl", 1, 2, 3, &t);
	run_tsv("boulder-crl", 1, 2, 5, &t);
	run_tsv("pkilint-crl", 3, 4, -1, &t);
	printf("# external vectors: %d mapped rows, %d agree with upstream, %d documented "
	       "differences, %d unmapped, %d skipped (NE)\n",
	       t.mapped, t.agree, t.documented, t.unmapped, t.skipped);
	CHECK(t.mapped >= 100);
}

/* ---- fuzz regressions --------------------------------------------------- */

/* Inputs fuzz_crl_lint found that the linter once called clean although
 * OpenSSL refuses them (tests/data/crl/fuzz-*.der, selector 0x00 or
 * 0x20: no issuer certificate). Each must now be an A6 finding, and
 * OpenSSL must still refuse it. */
static void test_fuzz_regressions(void)
{
	static const char *const files[] = {"fuzz-name-bad-utf8.der", "fuzz-name-bitstring-value.der",
					    "fuzz-name-bad-oid.der"};
	const char *data = getenv("LL_TESTDATA");
	struct crl_lint_ctx c;
	struct crl_violations v;
	struct ll_buf der;
	struct ll_err err;
	char path[1024];
	size_t i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const unsigned char *p;
		X509_CRL *crl;

		snprintf(path, sizeof(path), "%s/crl/%s", data && *data ? data : "tests/data", files[i]);
		ll_buf_init(&der, 1 << 20);
		if (!ll_buf_read_file(&der, path, &err)) {
			CHECK_MSG(false, "%s", err.msg);
			continue;
		}
		c.smime = i == 0;
		CHECK_MSG(!crl_lint_der(der.data, der.len, &c, &v) && tc_has(&v, "A6", "issuer Name"),
			  "%s: the issuer Name must be an A6 finding", files[i]);
		p = der.data;
		crl = d2i_X509_CRL(NULL, &p, (long)der.len);
		CHECK_MSG(crl == NULL, "%s: OpenSSL now reads it", files[i]);
		X509_CRL_free(crl);
		ll_buf_free(&der);
	}
}

/* ---- hostile input ---------------------------------------------------- */

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Every prefix, and thousands of random byte flips, of a real CRL: the
 * linter must return (ASan checks it reads nothing outside) and must
 * never call a damaged CRL clean unless the damage is in the signature
 * value itself. */
static void test_hostile(struct fixture *fx)
{
	static const struct crl_partition user = {"http://crl.example.test/7.crl", true, false};
	static const uint8_t s1[] = {0x01}, s2[] = {0x02, 0x03};
	struct crl_entry e[2] = {
		{.serial = s1, .serial_len = 1, .revoked_at = 0,
		 .reason = CRL_REASON_KEY_COMPROMISE},
		{.serial = s2, .serial_len = 2, .revoked_at = 0, .reason = CRL_REASON_NONE},
	};
	struct crl_lint_ctx c;
	struct crl_params p;
	struct crl_violations v;
	struct tc_crl_parts parts;
	struct ll_buf out;
	struct ll_err err;
	uint64_t seed = 0x1234567;
	uint8_t *copy;
	size_t i, n, bad_clean = 0;

	ll_buf_init(&out, 0);
	tc_params(&p, &fx->ca);
	p.partition = &user;
	e[0].revoked_at = e[1].revoked_at = p.this_update - 5;
	p.entries = e;
	p.nentries = 2;
	CHECK(crl_build(&p, &out, &v, &err));
	CHECK(tc_split(out.data, out.len, &parts));
	tc_lint_ctx(&c, &p);
	for (n = 0; n < out.len; n++) {
		copy = malloc(n ? n : 1);
		memcpy(copy, out.data, n);
		CHECK(!crl_lint_der(copy, n, &c, &v) && v.total > 0 && v.n <= v.total);
		free(copy);
	}
	copy = malloc(out.len);
	for (i = 0; i < 8000; i++) {
		size_t pos = rng(&seed) % out.len;
		uint8_t flip = (uint8_t)(1u << (rng(&seed) % 8));

		memcpy(copy, out.data, out.len);
		copy[pos] ^= flip;
		if (crl_lint_der(copy, out.len, &c, &v))
			bad_clean++;
		CHECK(v.n <= sizeof(v.v) / sizeof(v.v[0]) && v.n <= v.total);
	}
	CHECK_MSG(bad_clean == 0, "%zu bit-flipped CRLs linted clean", bad_clean);
	free(copy);
	ll_buf_free(&out);
}

int main(void)
{
	struct fixture fx;

	fx_init(&fx, "P-256");
	test_clean(&fx);
	test_a1(&fx);
	test_a2_a3(&fx);
	test_a4(&fx);
	test_a5(&fx);
	test_a6(&fx);
	test_a7(&fx);
	test_a8_a9_a10(&fx);
	test_a15_a20_a21(&fx);
	test_a16_a17_a18(&fx);
	test_entries(&fx);
	test_d1(&fx);
	test_build_checks(&fx);
	test_external();
	test_fuzz_regressions();
	test_hostile(&fx);
	arena_free();
	tc_ca_free(&fx.ca);
	return tap_done();
}
