/* test_crl_build.c - crl_build against OpenSSL as the reader: CRLs for
 * P-256, P-384, P-521, RSA (PKCS#1 v1.5 and PSS) and Ed25519 issuers,
 * subscriber, CA and partitioned scopes, empty lists, the 2049/2050 time
 * switch, odd serials, the exact AlgorithmIdentifier bytes (A2), and the
 * refusals (key mismatch, duplicates, unencodable input). Ends with a
 * 100k / 1M-entry timing and memory measurement. */
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "crlgen.h"
#include "tap.h"
#include "test_crl_helpers.h"
#include "x509walk.h"

/* Timing assertions are meaningless under the sanitizers. */
#if defined(__SANITIZE_ADDRESS__)
#define TC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TC_SANITIZED 1
#endif
#endif

/* A2 encodings, as hex. */
#define ALG_P256 "300a06082a8648ce3d040302"
#define ALG_P384 "300a06082a8648ce3d040303"
#define ALG_P521 "300a06082a8648ce3d040304"
#define ALG_RSA "300d06092a864886f70d01010b0500"
#define ALG_PSS                                                                            \
	"304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a8648" \
	"86f70d010108300d06096086480165030402010500a203020120"
#define ALG_ED25519 "300506032b6570"

static ll_time asn1_to_ll(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	return ll_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
				  (unsigned)tm.tm_mday) * 86400 +
	       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/* A7: the type the field must have. */
static int want_time_type(ll_time t)
{
	return t >= -631152000LL && t < 2524608000LL ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME;
}

static X509_CRL *parse_crl(const struct ll_buf *b)
{
	const unsigned char *p = b->data;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)b->len);

	if (crl && p != b->data + b->len) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* Content octets of an ASN1_INTEGER as DER writes them. */
static size_t int_content(const ASN1_INTEGER *i, uint8_t *out, size_t cap)
{
	unsigned char *der = NULL, *p;
	int n = i2d_ASN1_INTEGER(i, &der);
	struct der d;
	struct der_tlv t;
	size_t len = 0;

	if (n <= 0)
		return 0;
	d = der_init(der, (size_t)n);
	if (der_expect(&d, DER_INTEGER, &t) && t.len <= cap) {
		memcpy(out, t.val, t.len);
		len = t.len;
	}
	p = der;
	OPENSSL_free(p);
	return len;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct crl_entry *x = a, *y = b;

	if (x->serial_len != y->serial_len)
		return x->serial_len < y->serial_len ? -1 : 1;
	return memcmp(x->serial, y->serial, x->serial_len);
}

static void check_entries(X509_CRL *crl, const struct crl_params *p, const char *what)
{
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);
	struct crl_entry *want = NULL;
	size_t i;

	if (p->nentries == 0) {
		CHECK_MSG(rev == NULL || sk_X509_REVOKED_num(rev) == 0, "%s: entries present", what);
		return;
	}
	CHECK_MSG(rev && (size_t)sk_X509_REVOKED_num(rev) == p->nentries, "%s: entry count", what);
	if (!rev || (size_t)sk_X509_REVOKED_num(rev) != p->nentries)
		return;
	want = malloc(p->nentries * sizeof(*want));
	memcpy(want, p->entries, p->nentries * sizeof(*want));
	qsort(want, p->nentries, sizeof(*want), cmp_entry);
	for (i = 0; i < p->nentries; i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(rev, (int)i);
		const ASN1_TIME *d = X509_REVOKED_get0_revocationDate(r);
		ASN1_ENUMERATED *reason;
		ASN1_GENERALIZEDTIME *inv;
		uint8_t serial[80];
		size_t slen = int_content(X509_REVOKED_get0_serialNumber(r), serial, sizeof(serial));
		int crit = -1;

		CHECK_MSG(slen == want[i].serial_len && memcmp(serial, want[i].serial, slen) == 0,
			  "%s: entry %zu serial octets (A24)", what, i);
		CHECK_MSG(asn1_to_ll(d) == want[i].revoked_at, "%s: entry %zu date", what, i);
		CHECK_MSG(ASN1_STRING_type(d) == want_time_type(want[i].revoked_at),
			  "%s: entry %zu date type (A7)", what, i);
		reason = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL);
		if (want[i].reason >= 1) {
			CHECK_MSG(reason && ASN1_ENUMERATED_get(reason) == want[i].reason && crit == 0,
				  "%s: entry %zu reason %d", what, i, want[i].reason);
		} else {
			CHECK_MSG(!reason && crit == -1, "%s: entry %zu has no reasonCode (A28)", what, i);
		}
		ASN1_ENUMERATED_free(reason);
		crit = -1;
		inv = X509_REVOKED_get_ext_d2i(r, NID_invalidity_date, &crit, NULL);
		if (want[i].has_invalidity) {
			CHECK_MSG(inv && crit == 0 && ASN1_STRING_type(inv) == V_ASN1_GENERALIZEDTIME &&
					  asn1_to_ll(inv) == want[i].invalidity,
				  "%s: entry %zu invalidityDate (A34)", what, i);
		} else {
			CHECK_MSG(!inv, "%s: entry %zu has no invalidityDate", what, i);
		}
		ASN1_GENERALIZEDTIME_free(inv);
	}
	free(want);
}

static void check_idp(X509_CRL *crl, const struct crl_partition *part, const char *what)
{
	int crit = -1;
	ISSUING_DIST_POINT *idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
						       NULL);
	GENERAL_NAME *gn;

	if (!part) {
		CHECK_MSG(!idp && crit == -1, "%s: full CRL without IDP (A21)", what);
		ISSUING_DIST_POINT_free(idp);
		return;
	}
	CHECK_MSG(idp && crit == 1, "%s: critical IDP (A20)", what);
	if (!idp)
		return;
	CHECK_MSG(idp->distpoint && idp->distpoint->type == 0 &&
			  sk_GENERAL_NAME_num(idp->distpoint->name.fullname) == 1,
		  "%s: IDP fullName with one name", what);
	if (idp->distpoint && idp->distpoint->type == 0 &&
	    sk_GENERAL_NAME_num(idp->distpoint->name.fullname) == 1) {
		gn = sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0);
		CHECK_MSG(gn->type == GEN_URI &&
				  (size_t)ASN1_STRING_length(gn->d.uniformResourceIdentifier) ==
					  strlen(part->uri) &&
				  memcmp(ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier),
					 part->uri, strlen(part->uri)) == 0,
			  "%s: IDP URI", what);
	}
	CHECK_MSG((idp->onlyuser != 0) == part->only_user && (idp->onlyCA != 0) == part->only_ca &&
			  !idp->onlysomereasons && !idp->indirectCRL && !idp->onlyattr,
		  "%s: IDP flags", what);
	ISSUING_DIST_POINT_free(idp);
}

/* Everything OpenSSL can tell about one CRL, plus the raw-byte checks. */
static void check_crl(const struct ll_buf *out, const struct crl_params *p,
		      const struct tc_ca *ca, const char *alg_hex, const char *what)
{
	struct tc_crl_parts parts;
	struct x509_fields f;
	struct ll_err err;
	struct crl_lint_ctx lctx;
	struct crl_violations v;
	X509_CRL *crl;
	AUTHORITY_KEYID *aki;
	ASN1_INTEGER *num;
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca->x);
	char hex[512];
	uint64_t n = 0, want_n = 0;
	int crit = -1;

	CHECK_MSG(tc_split(out->data, out->len, &parts), "%s: CertificateList shape", what);
	CHECK(x509_walk(ca->der, ca->len, &f, &err));
	tc_hex(parts.alg.start, parts.alg.total, hex);
	CHECK_MSG(strcmp(hex, alg_hex) == 0, "%s: outer algorithm %s (A2)", what, hex);
	CHECK_MSG(parts.alg.total == parts.tbs_alg.total &&
			  memcmp(parts.alg.start, parts.tbs_alg.start, parts.alg.total) == 0,
		  "%s: inner == outer algorithm (A2)", what);
	CHECK_MSG(parts.issuer.total == f.subject.len &&
			  memcmp(parts.issuer.start, f.subject.p, f.subject.len) == 0,
		  "%s: issuer bytes == CA subject (A4)", what);
	CHECK_MSG(parts.version.len == 1 && parts.version.val[0] == 1, "%s: v2 (A1)", what);
	CHECK_MSG(parts.has_revoked == (p->nentries > 0), "%s: revokedCertificates presence (A23)",
		  what);
	tc_lint_ctx(&lctx, p);
	CHECK_MSG(crl_lint_der(out->data, out->len, &lctx, &v), "%s: own output lints clean", what);
	tc_print_violations(&v);

	crl = parse_crl(out);
	CHECK_MSG(crl != NULL, "%s: d2i_X509_CRL", what);
	if (!crl)
		return;
	CHECK_MSG(X509_CRL_verify(crl, ca->key) == 1, "%s: X509_CRL_verify", what);
	ERR_clear_error();
	CHECK(X509_CRL_get_version(crl) == X509_CRL_VERSION_2);
	CHECK_MSG(asn1_to_ll(X509_CRL_get0_lastUpdate(crl)) == p->this_update &&
			  ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)) ==
				  want_time_type(p->this_update),
		  "%s: thisUpdate value and type (A7)", what);
	CHECK_MSG(asn1_to_ll(X509_CRL_get0_nextUpdate(crl)) == p->next_update &&
			  ASN1_STRING_type(X509_CRL_get0_nextUpdate(crl)) ==
				  want_time_type(p->next_update),
		  "%s: nextUpdate value and type (A7, A8)", what);
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
	CHECK(crl_number_to_u64(p->number, p->number_len, &want_n));
	CHECK_MSG(num && crit == 0 && ASN1_INTEGER_get_uint64(&n, num) == 1 && n == want_n,
		  "%s: cRLNumber %llu (A17)", what, (unsigned long long)want_n);
	ASN1_INTEGER_free(num);
	crit = -1;
	aki = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit, NULL);
	CHECK_MSG(aki && crit == 0 && aki->keyid && ski && ASN1_OCTET_STRING_cmp(aki->keyid, ski) == 0 &&
			  !aki->issuer && !aki->serial,
		  "%s: AKI keyIdentifier only, == SKI, non-critical (A16)", what);
	AUTHORITY_KEYID_free(aki);
	CHECK_MSG(X509_CRL_get_ext_count(crl) == (p->partition ? 3 : 2), "%s: extension count (A18)",
		  what);
	check_idp(crl, p->partition, what);
	check_entries(crl, p, what);
	X509_CRL_free(crl);
}

/* A few entries in deliberately unsorted order, covering reasons and
 * odd serials. */
static const uint8_t s_lead00[] = {0x00, 0x80, 0x01};	      /* leading 00 pad */
static const uint8_t s_small[] = {0x05};
static const uint8_t s_neg[] = {0xfe, 0x12, 0x34};	      /* negative, kept as is */
static const uint8_t s_20[] = {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
static const uint8_t s_16[] = {0x4a, 0x3b, 0x2c, 0x1d, 0x0e, 0xff, 0xee, 0xdd,
			       0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55};

static size_t sub_entries(struct crl_entry *e, ll_time base)
{
	memset(e, 0, 5 * sizeof(*e));
	e[0] = (struct crl_entry){.serial = s_20, .serial_len = sizeof(s_20),
				  .revoked_at = base - 100, .reason = CRL_REASON_KEY_COMPROMISE};
	e[1] = (struct crl_entry){.serial = s_lead00, .serial_len = sizeof(s_lead00),
				  .revoked_at = base - 86400, .reason = CRL_REASON_NONE};
	e[2] = (struct crl_entry){.serial = s_neg, .serial_len = sizeof(s_neg),
				  .revoked_at = base - 3600, .reason = CRL_REASON_UNSPECIFIED};
	e[3] = (struct crl_entry){.serial = s_16, .serial_len = sizeof(s_16), .revoked_at = base,
				  .reason = CRL_REASON_PRIVILEGE_WITHDRAWN};
	e[4] = (struct crl_entry){.serial = s_small, .serial_len = sizeof(s_small),
				  .revoked_at = base - 7200, .reason = CRL_REASON_SUPERSEDED};
	return 5;
}

static void build_and_check(struct crl_params *p, const struct tc_ca *ca, const char *alg_hex,
			    const char *what)
{
	struct crl_violations v;
	struct ll_buf out;
	struct ll_err err;
	bool ok;

	ll_buf_init(&out, 0);
	err.msg[0] = '\0';
	ok = crl_build(p, &out, &v, &err);
	CHECK_MSG(ok, "%s: crl_build: %s", what, err.msg);
	if (!ok)
		tc_print_violations(&v);
	else
		check_crl(&out, p, ca, alg_hex, what);
	ll_buf_free(&out);
}

static void test_key_types(void)
{
	static const struct {
		const char *type, *alg;
		enum crl_sigalg sig;
	} kinds[] = {
		{"P-256", ALG_P256, CRL_SIG_AUTO},  {"P-384", ALG_P384, CRL_SIG_AUTO},
		{"P-521", ALG_P521, CRL_SIG_AUTO},  {"RSA", ALG_RSA, CRL_SIG_AUTO},
		{"RSA", ALG_PSS, CRL_SIG_RSA_PSS},  {"ED25519", ALG_ED25519, CRL_SIG_AUTO},
	};
	struct crl_entry e[5];
	struct crl_params p;
	struct tc_ca ca;
	size_t i;
	char what[64];

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		tc_ca_make(&ca, kinds[i].type);
		tc_params(&p, &ca);
		p.sigalg = kinds[i].sig;
		p.entries = e;
		p.nentries = sub_entries(e, p.this_update);
		snprintf(what, sizeof(what), "%s%s subscriber", kinds[i].type,
			 kinds[i].sig == CRL_SIG_RSA_PSS ? "-PSS" : "");
		build_and_check(&p, &ca, kinds[i].alg, what);
		tc_ca_free(&ca);
	}
}

static void test_scopes(void)
{
	static const struct crl_partition user = {"http://crl.example.test/1.crl", true, false};
	static const struct crl_partition cap = {"http://crl.example.test/ca.crl", false, true};
	struct crl_entry e[5], ca_e[2];
	struct crl_params p;
	struct tc_ca ca;

	tc_ca_make(&ca, "P-256");

	/* CA CRL: 364 days, CA entries each with an allowed reason (A31). */
	tc_params(&p, &ca);
	p.profile = CRL_PROFILE_CA;
	p.next_update = p.this_update + 364 * 86400;
	p.number_len = crl_number_from_u64(0x80, p.number); /* needs a 00 pad */
	ca_e[0] = (struct crl_entry){.serial = s_small, .serial_len = sizeof(s_small),
				     .revoked_at = p.this_update - 10,
				     .reason = CRL_REASON_KEY_COMPROMISE,
				     .is_ca = true};
	ca_e[1] = (struct crl_entry){.serial = s_16, .serial_len = sizeof(s_16),
				     .revoked_at = p.this_update - 20,
				     .reason = CRL_REASON_CESSATION,
				     .is_ca = true};
	p.entries = ca_e;
	p.nentries = 2;
	build_and_check(&p, &ca, ALG_P256, "CA CRL");
	/* The same scope as an onlyContainsCACerts partition. */
	p.partition = &cap;
	build_and_check(&p, &ca, ALG_P256, "CA partition");

	/* Subscriber partition (onlyContainsUserCerts). */
	tc_params(&p, &ca);
	p.partition = &user;
	p.entries = e;
	p.nentries = sub_entries(e, p.this_update);
	p.number_len = crl_number_from_u64(UINT64_MAX, p.number);
	p.has_prev = true;
	p.prev_number_len = crl_number_from_u64(UINT64_MAX - 1, p.prev_number);
	p.prev_next_update = p.next_update;
	build_and_check(&p, &ca, ALG_P256, "user partition");

	/* Empty CRL: revokedCertificates absent (A23), also partitioned. */
	tc_params(&p, &ca);
	build_and_check(&p, &ca, ALG_P256, "empty full CRL");
	p.partition = &user;
	build_and_check(&p, &ca, ALG_P256, "empty partition");

	/* S/MIME: invalidityDate, GeneralizedTime even before 2050 (A34). */
	tc_params(&p, &ca);
	p.smime = true;
	p.entries = e;
	p.nentries = sub_entries(e, p.this_update);
	e[0].has_invalidity = true;
	e[0].invalidity = e[0].revoked_at - 86400 * 3;
	e[2].has_invalidity = true;
	e[2].invalidity = e[2].revoked_at;
	build_and_check(&p, &ca, ALG_P256, "S/MIME invalidityDate");
	tc_ca_free(&ca);
}

/* A7: UTCTime through 2049-12-31T23:59:59Z, GeneralizedTime from 2050,
 * chosen per field. */
static void test_time_switch(void)
{
	struct crl_entry e[3];
	struct crl_params p;
	struct tc_ca ca;
	struct ll_buf out;
	struct ll_err err;
	struct tc_crl_parts parts;

	tc_ca_make(&ca, "P-256");
	tc_params(&p, &ca);
	p.this_update = tc_time("2049-12-31T23:59:59Z");
	p.next_update = tc_time("2050-01-01T00:00:00Z");
	e[0] = (struct crl_entry){.serial = s_small, .serial_len = sizeof(s_small),
				  .revoked_at = p.this_update, .reason = CRL_REASON_NONE};
	p.entries = e;
	p.nentries = 1;
	build_and_check(&p, &ca, ALG_P256, "2049/2050 boundary");
	ll_buf_init(&out, 0);
	CHECK(crl_build(&p, &out, NULL, &err));
	CHECK(tc_split(out.data, out.len, &parts));
	CHECK_MSG(parts.this_update.tag == DER_UTCTIME && parts.this_update.len == 13 &&
			  memcmp(parts.this_update.val, "491231235959Z", 13) == 0,
		  "thisUpdate 2049 is UTCTime 491231235959Z");
	CHECK_MSG(parts.next_update.tag == DER_GENTIME && parts.next_update.len == 15 &&
			  memcmp(parts.next_update.val, "20500101000000Z", 15) == 0,
		  "nextUpdate 2050 is GeneralizedTime 20500101000000Z");

	/* After the switch: a 2049 and a 2050 revocationDate in one CRL. */
	tc_params(&p, &ca);
	p.this_update = tc_time("2050-01-02T00:00:00Z");
	p.next_update = p.this_update + 86400;
	e[0] = (struct crl_entry){.serial = s_small, .serial_len = sizeof(s_small),
				  .revoked_at = tc_time("2049-12-31T23:59:59Z"),
				  .reason = CRL_REASON_NONE};
	e[1] = (struct crl_entry){.serial = s_16, .serial_len = sizeof(s_16),
				  .revoked_at = tc_time("2050-01-01T00:00:00Z"),
				  .reason = CRL_REASON_NONE};
	e[2] = (struct crl_entry){.serial = s_20, .serial_len = sizeof(s_20),
				  .revoked_at = tc_time("1999-06-01T12:00:00Z"),
				  .reason = CRL_REASON_NONE};
	p.entries = e;
	p.nentries = 3;
	build_and_check(&p, &ca, ALG_P256, "mixed Time types");
	ll_buf_free(&out);
	tc_ca_free(&ca);
}

static void test_refusals(void)
{
	struct crl_entry e[3];
	struct crl_params p;
	struct crl_violations v;
	struct tc_ca ca, other;
	struct ll_buf out;
	struct ll_err err;
	static const uint8_t empty[1] = {0};

	tc_ca_make(&ca, "P-256");
	tc_ca_make(&other, "P-256");
	ll_buf_init(&out, 0);

	tc_params(&p, &ca);
	p.key = other.key;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && strstr(err.msg, "does not match") &&
			  out.len == 0,
		  "a key that is not the certificate's is refused: %s", err.msg);

	tc_params(&p, &ca);
	e[0] = (struct crl_entry){.serial = s_16, .serial_len = sizeof(s_16),
				  .revoked_at = p.this_update, .reason = CRL_REASON_NONE};
	e[1] = (struct crl_entry){.serial = s_small, .serial_len = sizeof(s_small),
				  .revoked_at = p.this_update, .reason = CRL_REASON_NONE};
	e[2] = (struct crl_entry){.serial = s_16, .serial_len = sizeof(s_16),
				  .revoked_at = p.this_update - 5, .reason = CRL_REASON_NONE};
	p.entries = e;
	p.nentries = 3;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && tc_has(&v, "A6", "listed twice") && out.len == 0,
		  "duplicate serials are refused (A6): %s", err.msg);

	e[2].serial = empty;
	e[2].serial_len = 0;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && strstr(err.msg, "serial length"),
		  "an empty serial is refused: %s", err.msg);

	tc_params(&p, &ca);
	p.sigalg = CRL_SIG_RSA_PSS;
	CHECK_MSG(!crl_build(&p, &out, &v, &err) && strstr(err.msg, "PSS"),
		  "PSS with an EC key is refused: %s", err.msg);

	tc_params(&p, &ca);
	p.number_len = 0;
	CHECK(!crl_build(&p, &out, &v, &err));
	CHECK(!crl_build(NULL, &out, &v, &err));

	/* A buffer limit that cannot hold the CRL: refused, buffer untouched. */
	tc_params(&p, &ca);
	{
		struct ll_buf small;

		ll_buf_init(&small, 64);
		CHECK_MSG(!crl_build(&p, &small, &v, &err) && small.len == 0 &&
				  strstr(err.msg, "no room"),
			  "a too-small buffer is an error: %s", err.msg);
		ll_buf_free(&small);
	}

	/* Appends after existing content. */
	CHECK(ll_buf_append(&out, "xyz", 3));
	CHECK(crl_build(&p, &out, &v, &err) && out.len > 3 && memcmp(out.data, "xyz", 3) == 0 &&
	      out.data[3] == 0x30);

	ll_buf_free(&out);
	tc_ca_free(&other);
	tc_ca_free(&ca);
}

static void test_number_helpers(void)
{
	uint8_t n[20];
	uint64_t back = 0;
	static const uint8_t wide[] = {0, 0, 0, 1, 2};
	static const uint8_t big[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

	CHECK(crl_number_from_u64(0, n) == 1 && n[0] == 0);
	CHECK(crl_number_from_u64(0x80, n) == 1 && n[0] == 0x80);
	CHECK(crl_number_from_u64(0x1234, n) == 2 && n[0] == 0x12 && n[1] == 0x34);
	CHECK(crl_number_from_u64(UINT64_MAX, n) == 8 && n[0] == 0xff && n[7] == 0xff);
	CHECK(crl_number_to_u64(n, 8, &back) && back == UINT64_MAX);
	CHECK(crl_number_to_u64(wide, sizeof(wide), &back) && back == 0x102);
	CHECK(!crl_number_to_u64(big, sizeof(big), &back));
}

static void test_violations_text(void)
{
	struct crl_violations v;
	char buf[64];

	memset(&v, 0, sizeof(v));
	crl_violations_text(&v, buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	v.n = v.total = 2;
	strcpy(v.v[0].id, "A9");
	strcpy(v.v[0].msg, "window too long");
	strcpy(v.v[1].id, "A16");
	strcpy(v.v[1].msg, "AKI missing");
	crl_violations_text(&v, buf, sizeof(buf));
	CHECK_MSG(strcmp(buf, "A9: window too long; A16: AKI missing") == 0, "text: %s", buf);
	crl_violations_text(&v, buf, 12);
	CHECK(strlen(buf) == 11);
	v.total = 70;
	crl_violations_text(&v, buf, sizeof(buf));
	CHECK_MSG(strstr(buf, "68 more") != NULL, "text: %s", buf);
}

/* ---- the bytes do not depend on the input order ----------------------- */

/* A splitmix64 step: a fixed, portable sequence of test data. */
static uint64_t order_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Builds p into a fresh buffer; empty on failure. */
static struct ll_buf order_build(const struct crl_params *p, const char *what)
{
	struct crl_violations v;
	struct ll_buf out;
	struct ll_err err;
	bool ok;

	ll_buf_init(&out, 0);
	ok = crl_build(p, &out, &v, &err);
	CHECK_MSG(ok, "%s: crl_build: %s", what, err.msg);
	if (!ok)
		tc_print_violations(&v);
	return out;
}

/* Entries in serial order, shuffled and reversed (the last two through
 * the sort and its index, the first with none) must give one CRL, byte
 * for byte: Ed25519 signatures are deterministic, so the whole DER
 * compares. The revokedCertificates bytes of this fixed input are also
 * pinned by hash, so a change of the entry struct or of the sort that
 * alters the encoding fails here. Serials of 3..20 octets, every
 * reason kind, and invalidityDate on some (S/MIME). */
static void test_order_bytes(void)
{
	static const int reasons[] = {CRL_REASON_NONE,	     CRL_REASON_UNSPECIFIED,
				      CRL_REASON_KEY_COMPROMISE, CRL_REASON_AFFILIATION_CHANGED,
				      CRL_REASON_SUPERSEDED,   CRL_REASON_CESSATION,
				      CRL_REASON_PRIVILEGE_WITHDRAWN};
	/* sha256 of the revokedCertificates TLV of this input, as encoded
	 * before crl_entry was packed to 32 bytes */
	static const char want_revoked[] =
		"234cdf2c2b9517ef3ea3f07c0b32dc5241fd9e75de22c905399614039b48c55a";
	enum { N = 3000 };
	struct crl_entry *sorted = calloc(N, sizeof(*sorted)), *mixed = calloc(N, sizeof(*mixed));
	uint8_t *serials = malloc(N * 20), dig[32];
	struct ll_buf a, b, c;
	struct tc_crl_parts parts;
	struct crl_params p;
	struct tc_ca ca;
	uint64_t seed = 7;
	char hex[65];
	size_t i, j;

	/* On LP64 the packed struct is 32 bytes: 1M entries cost 32 MB. */
	if (sizeof(void *) == 8)
		CHECK_MSG(sizeof(struct crl_entry) <= 32, "struct crl_entry is %zu bytes",
			  sizeof(struct crl_entry));
	tc_ca_make(&ca, "ED25519");
	tc_params(&p, &ca);
	CHECK(p.smime);
	for (i = 0; i < N; i++) {
		uint8_t *s = serials + 20 * i;
		size_t len = 3 + i % 18;
		uint64_t r = order_rand(&seed);

		/* unique: (length, last two octets) differ for every i */
		for (j = 0; j < len; j++)
			s[j] = (uint8_t)order_rand(&seed);
		s[0] = (uint8_t)((s[0] % 0x7f) + 1); /* positive, minimal */
		s[len - 2] = (uint8_t)(i >> 8);
		s[len - 1] = (uint8_t)i;
		sorted[i] = (struct crl_entry){.serial = s, .serial_len = (uint8_t)len,
					       .revoked_at = p.this_update - (ll_time)(r % 864000),
					       .reason = (int8_t)reasons[r % 7]};
		if (i % 7 == 3) {
			sorted[i].has_invalidity = true;
			sorted[i].invalidity = sorted[i].revoked_at - (ll_time)(r % 86400);
		}
	}
	qsort(sorted, N, sizeof(*sorted), cmp_entry);
	memcpy(mixed, sorted, N * sizeof(*mixed));
	for (i = N - 1; i > 0; i--) { /* Fisher-Yates */
		struct crl_entry t;

		j = (size_t)(order_rand(&seed) % (i + 1));
		t = mixed[i];
		mixed[i] = mixed[j];
		mixed[j] = t;
	}
	p.nentries = N;
	p.entries = sorted;
	a = order_build(&p, "sorted input");
	p.entries = mixed;
	b = order_build(&p, "shuffled input");
	for (i = 0; i < N / 2; i++) { /* reversed: the sort's worst case for runs */
		mixed[i] = sorted[N - 1 - i];
		mixed[N - 1 - i] = sorted[i];
	}
	c = order_build(&p, "reversed input");
	CHECK_MSG(a.len > 0 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
		  "shuffled input gives other bytes (%zu vs %zu)", a.len, b.len);
	CHECK_MSG(a.len > 0 && a.len == c.len && memcmp(a.data, c.data, a.len) == 0,
		  "reversed input gives other bytes (%zu vs %zu)", a.len, c.len);
	CHECK(tc_split(a.data, a.len, &parts) && parts.has_revoked);
	if (a.len && tc_split(a.data, a.len, &parts) && parts.has_revoked) {
		SHA256(parts.revoked.start, parts.revoked.total, dig);
		tc_hex(dig, 32, hex);
		CHECK_MSG(strcmp(hex, want_revoked) == 0, "revokedCertificates sha256 %s, want %s",
			  hex, want_revoked);
	}
	check_crl(&a, &p, &ca, ALG_ED25519, "order-independent");
	ll_buf_free(&a);
	ll_buf_free(&b);
	ll_buf_free(&c);
	free(serials);
	free(sorted);
	free(mixed);
	tc_ca_free(&ca);
}

/* ---- performance ------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* splitmix64: reproducible pseudo-random serials. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void perf_run(const struct tc_ca *ca, size_t n, bool sorted, bool verify_openssl)
{
	static const int reasons[] = {CRL_REASON_NONE, CRL_REASON_KEY_COMPROMISE,
				      CRL_REASON_SUPERSEDED, CRL_REASON_CESSATION};
	struct crl_entry *e = malloc(n * sizeof(*e));
	uint8_t *serials = malloc(n * 16);
	struct crl_params p;
	struct crl_violations v;
	struct ll_buf out;
	struct ll_err err;
	uint64_t seed = 42;
	double t0, t1, t2;
	long rss0, rss1;
	size_t i;
	bool ok;

	tc_params(&p, ca);
	for (i = 0; i < n; i++) {
		uint64_t a = mix(&seed), b = mix(&seed);
		uint8_t *s = serials + 16 * i;
		int j;

		for (j = 0; j < 8; j++) {
			s[j] = (uint8_t)(a >> (56 - 8 * j));
			s[8 + j] = (uint8_t)(b >> (56 - 8 * j));
		}
		s[0] = (uint8_t)((s[0] & 0x7f) | 0x01); /* positive, minimal, 16 octets */
		e[i] = (struct crl_entry){.serial = s, .serial_len = 16,
					  .revoked_at = p.this_update - (ll_time)(b % 864000),
					  .reason = reasons[a % 4]};
	}
	if (sorted) {
		/* As a database ORDER BY octet_length(serial), serial returns
		 * them: in order, and stored in that order. */
		uint8_t *moved = malloc(n * 16);

		qsort(e, n, sizeof(*e), cmp_entry);
		for (i = 0; i < n; i++) {
			memcpy(moved + 16 * i, e[i].serial, 16);
			e[i].serial = moved + 16 * i;
		}
		free(serials);
		serials = moved;
	}
	p.entries = e;
	p.nentries = n;
	ll_buf_init(&out, 0);
	rss0 = rss_kb();
	t0 = now_s();
	ok = crl_build(&p, &out, &v, &err);
	t1 = now_s();
	rss1 = rss_kb();
	CHECK_MSG(ok, "perf %zu: %s", n, err.msg);
	printf("# crl_build %zu entries (%s input, P-256): %.3f s, CRL %.1f MB, "
	       "peak RSS +%.1f MB (entries array %.1f MB not counted)\n",
	       n, sorted ? "sorted" : "random-order", t1 - t0, (double)out.len / 1e6,
	       (double)(rss1 - rss0) / 1024.0, (double)(n * (sizeof(*e) + 16)) / 1e6);
	if (ok) {
		struct crl_lint_ctx lctx;

		tc_lint_ctx(&lctx, &p);
		t1 = now_s();
		CHECK(crl_lint_der(out.data, out.len, &lctx, &v));
		t2 = now_s();
		printf("# crl_lint_der %zu entries: %.3f s\n", n, t2 - t1);
		if (verify_openssl)
			check_crl(&out, &p, ca, ALG_P256, "perf");
#ifndef TC_SANITIZED
		/* Generous: the target is well under 1 s; this only catches a
		 * quadratic regression, not a busy CI machine. */
		CHECK_MSG(t1 - t0 < (double)n / 1e6 * 5.0 + 0.5, "perf %zu: %.3f s", n, t1 - t0);
#endif
	}
	ll_buf_free(&out);
	free(serials);
	free(e);
}

static void test_perf(void)
{
	struct tc_ca ca;

	tc_ca_make(&ca, "P-256");
	perf_run(&ca, 100000, false, true);
	perf_run(&ca, 100000, true, false);
	perf_run(&ca, 1000000, true, false);
	perf_run(&ca, 1000000, false, false);
	tc_ca_free(&ca);
}

int main(void)
{
	test_number_helpers();
	test_violations_text();
	test_key_types();
	test_scopes();
	test_time_switch();
	test_refusals();
	test_order_bytes();
	if (!getenv("LL_CRL_SKIP_PERF"))
		test_perf();
	return tap_done();
}
