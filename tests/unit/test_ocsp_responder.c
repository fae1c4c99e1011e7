/* test_ocsp_responder.c - ocsp_check_responder (B3, BR 7.1.2.8) and the
 * key checks of ocsp_signer_new (B2). Each bad responder certificate
 * breaks exactly one rule of a good one and must be refused with a
 * message naming that rule; ocsp_signer_new must refuse it the same way. */
#include "ocsp.h"
#include "tap.h"
#include "test_ocsp_helpers.h"
#include "x509walk.h"

struct fx {
	struct to_cert ca, other_ca;
	ll_time now;
};

/* AKI with a keyIdentifier that is not the CA's SKI. */
static const uint8_t aki_wrong[] = {0x30, 0x16, 0x80, 0x14, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
				    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
				    0xab, 0xab, 0xab, 0xab};
/* basicConstraints cA=FALSE written out (not DER: FALSE is the DEFAULT) */
static const uint8_t bc_explicit_false[] = {0x30, 0x03, 0x01, 0x01, 0x00};
static const uint8_t any_value[] = {0x05, 0x00};

/* Builds the variant, checks ocsp_check_responder and ocsp_signer_new. */
static void expect(struct fx *f, const char *what, const struct to_resp_opts *o, const char *want)
{
	struct to_cert r;
	struct ll_err e = {{0}}, e2 = {{0}};
	struct ocsp_signer *s;
	bool ok;

	to_resp_make(&r, &f->ca, o);
	ok = ocsp_check_responder(r.der, r.len, f->ca.der, f->ca.len, f->now, &e);
	s = ocsp_signer_new(f->ca.der, f->ca.len, NULL, r.der, r.len, r.key, f->now, &e2);
	if (!want) {
		CHECK_MSG(ok, "%s: refused: %s", what, e.msg);
		CHECK_MSG(s != NULL, "%s: signer refused: %s", what, e2.msg);
	} else {
		CHECK_MSG(!ok && strstr(e.msg, want) && strncmp(e.msg, "B3: ", 4) == 0,
			  "%s: got '%s', wanted '%s'", what, ok ? "(accepted)" : e.msg, want);
		CHECK_MSG(!s && strcmp(e.msg, e2.msg) == 0, "%s: signer said '%s'", what, e2.msg);
		printf("# %-34s -> %s\n", what, e.msg);
	}
	ocsp_signer_free(s);
	to_cert_free(&r);
}

static void test_variants(struct fx *f)
{
	struct to_resp_opts o;

#define VARIANT(what, change, want)    \
	do {                           \
		o = to_resp_good();    \
		change;                \
		expect(f, what, &o, want); \
	} while (0)

	VARIANT("good", (void)0, NULL);
	VARIANT("good, critical EKU", o.eku = "critical,OCSPSigning", NULL);
	VARIANT("good, basicConstraints CA:FALSE", o.bc = "critical,CA:FALSE", NULL);
	VARIANT("good, RSA key", o.key_type = "RSA", NULL);
	VARIANT("good, no SKI", o.ski = false, NULL);
	/* certificatePolicies: SHOULD NOT in the checklist (B3), accepted */
	VARIANT("good, certificatePolicies", (o.extra_oid = "2.5.29.32",
					      o.extra_val = (const uint8_t *)"\x30\x06\x30\x04\x06\x02\x2a\x03",
					      o.extra_len = 8),
		NULL);

	/* EKU exactly id-kp-OCSPSigning (BR 7.1.2.8.5) */
	VARIANT("wrong EKU (serverAuth)", o.eku = "serverAuth", "lacks id-kp-OCSPSigning");
	VARIANT("extra EKU (OCSPSigning+serverAuth)", o.eku = "OCSPSigning,serverAuth",
		"must be exactly id-kp-OCSPSigning, but lists 2");
	VARIANT("extra EKU (anyExtendedKeyUsage)", o.eku = "OCSPSigning,anyExtendedKeyUsage",
		"must be exactly id-kp-OCSPSigning");
	VARIANT("no EKU", o.eku = NULL, "extKeyUsage missing");
	/* nocheck present, 05 00, non-critical (BR 7.1.2.8.6) */
	VARIANT("no ocsp-nocheck", o.nocheck = 0, "id-pkix-ocsp-nocheck missing");
	VARIANT("ocsp-nocheck not NULL (04 00)", o.nocheck = 2, "extnValue must be NULL (05 00)");
	VARIANT("ocsp-nocheck critical", o.nocheck = 3, "id-pkix-ocsp-nocheck must not be critical");
	/* keyUsage critical digitalSignature only (BR 7.1.2.8.7) */
	VARIANT("no keyUsage", o.ku = NULL, "keyUsage missing");
	VARIANT("keyUsage not critical", o.ku = "digitalSignature", "keyUsage must be critical");
	VARIANT("keyUsage + keyEncipherment", o.ku = "critical,digitalSignature,keyEncipherment",
		"keyUsage must be digitalSignature only");
	VARIANT("keyUsage nonRepudiation only", o.ku = "critical,nonRepudiation",
		"keyUsage must be digitalSignature only");
	VARIANT("keyUsage + keyCertSign", o.ku = "critical,digitalSignature,keyCertSign",
		"keyUsage must be digitalSignature only");
	/* never a CA (BR 7.1.2.8.4, E16) */
	VARIANT("CA:TRUE", o.bc = "critical,CA:TRUE", "basicConstraints cA=TRUE");
	VARIANT("basicConstraints explicit FALSE", (o.extra_oid = "2.5.29.19", o.extra_critical = 1,
						    o.extra_val = bc_explicit_false, o.extra_len = 5),
		"basicConstraints must be absent or exactly cA=FALSE");
	/* issued by this CA (B2, E15) */
	VARIANT("wrong issuer name", o.issuer_cn = "somebody else", "issuer name is not the CA's subject");
	VARIANT("bad signature (other key)", o.sign_key = f->other_ca.key,
		"signature does not verify with the CA key: bad signature");
	VARIANT("SHA-1 signature", o.md = EVP_sha1(), "SHA-1 signature not accepted");
	/* validity covers now */
	VARIANT("expired", (o.from_days = -60, o.to_days = -1), "expired");
	VARIANT("not yet valid", (o.from_days = 1, o.to_days = 60), "not yet valid");
	/* MUST NOT extensions and the rest of BR 7.1.2.8 */
	VARIANT("subjectAltName", o.san = "DNS:ocsp.example", "subjectAltName not allowed");
	VARIANT("cRLDistributionPoints", o.crldp = "URI:http://crl.example/ca.crl",
		"cRLDistributionPoints not allowed");
	VARIANT("nameConstraints", (o.extra_oid = "2.5.29.30", o.extra_val = (const uint8_t *)"\x30\x00",
				    o.extra_len = 2),
		"nameConstraints not allowed");
	VARIANT("unknown critical extension", (o.extra_oid = "1.2.3.4", o.extra_critical = 1,
					       o.extra_val = any_value, o.extra_len = 2),
		"extension 2a0304 must not be critical");
	VARIANT("no AKI", o.aki = false, "authorityKeyIdentifier keyIdentifier missing");
	VARIANT("AKI not the CA's SKI", (o.aki = false, o.extra_oid = "2.5.29.35",
					 o.extra_val = aki_wrong, o.extra_len = sizeof(aki_wrong)),
		"does not match the CA's subjectKeyIdentifier");
	VARIANT("negative serial", o.negative_serial = true, "serial must be positive");
#undef VARIANT
}

/* Validity is inclusive at both ends (E9). */
static void test_validity_edges(struct fx *f)
{
	struct to_resp_opts o = to_resp_good();
	struct x509_fields rf;
	struct to_cert r;
	struct ll_err e = {{0}};

	to_resp_make(&r, &f->ca, &o);
	CHECK(x509_walk(r.der, r.len, &rf, &e));
	CHECK(ocsp_check_responder(r.der, r.len, f->ca.der, f->ca.len, rf.not_after, &e));
	CHECK(ocsp_check_responder(r.der, r.len, f->ca.der, f->ca.len, rf.not_before, &e));
	CHECK(!ocsp_check_responder(r.der, r.len, f->ca.der, f->ca.len, rf.not_after + 1, &e) &&
	      strstr(e.msg, "expired"));
	CHECK(!ocsp_check_responder(r.der, r.len, f->ca.der, f->ca.len, rf.not_before - 1, &e) &&
	      strstr(e.msg, "not yet valid"));
	/* garbage in either certificate */
	CHECK(!ocsp_check_responder(r.der, r.len - 1, f->ca.der, f->ca.len, f->now, &e) &&
	      strstr(e.msg, "B3: responder certificate"));
	CHECK(!ocsp_check_responder(r.der, r.len, f->ca.der, 10, f->now, &e) &&
	      strstr(e.msg, "CA certificate"));
	/* the CA itself is no delegated responder */
	CHECK(!ocsp_check_responder(f->ca.der, f->ca.len, f->ca.der, f->ca.len, f->now, &e));
	to_cert_free(&r);
}

/* ocsp_signer_new: keys must match their certificates (B2), the CA key
 * may sign only with digitalSignature, and the B9 bound is the earlier
 * notAfter. */
static void test_signer_keys(struct fx *f)
{
	struct to_resp_opts o = to_resp_good();
	struct to_cert r, noku;
	struct x509_fields rf;
	struct ocsp_signer *s;
	struct ll_err e = {{0}};
	EVP_PKEY *pub = NULL;
	const unsigned char *p;

	to_resp_make(&r, &f->ca, &o);
	CHECK(x509_walk(r.der, r.len, &rf, &e));

	s = ocsp_signer_new(f->ca.der, f->ca.len, f->ca.key, r.der, r.len, r.key, f->now, &e);
	CHECK_MSG(s && ocsp_signer_not_after(s) == rf.not_after, "%s", e.msg);
	ocsp_signer_free(s);
	s = ocsp_signer_new(f->ca.der, f->ca.len, f->ca.key, NULL, 0, NULL, f->now, &e);
	CHECK(s != NULL);
	ocsp_signer_free(s);

	s = ocsp_signer_new(f->ca.der, f->ca.len, NULL, r.der, r.len, f->other_ca.key, f->now, &e);
	CHECK(!s && strstr(e.msg, "responder key does not match"));
	s = ocsp_signer_new(f->ca.der, f->ca.len, f->other_ca.key, r.der, r.len, r.key, f->now, &e);
	CHECK(!s && strstr(e.msg, "CA key does not match"));
	s = ocsp_signer_new(f->ca.der, f->ca.len, f->other_ca.key, NULL, 0, NULL, f->now, &e);
	CHECK(!s && strstr(e.msg, "CA key does not match"));
	s = ocsp_signer_new(f->ca.der, f->ca.len, NULL, NULL, 0, NULL, f->now, &e);
	CHECK(!s && strstr(e.msg, "no signing key"));
	s = ocsp_signer_new(f->ca.der, f->ca.len, f->ca.key, NULL, 0, r.key, f->now, &e);
	CHECK(!s && strstr(e.msg, "without its certificate"));
	s = ocsp_signer_new(f->ca.der, f->ca.len, f->ca.key, r.der, r.len, NULL, f->now, &e);
	CHECK(!s && strstr(e.msg, "without its key"));
	s = ocsp_signer_new(f->ca.der, 3, f->ca.key, NULL, 0, NULL, f->now, &e);
	CHECK(!s && strstr(e.msg, "CA certificate"));
	s = ocsp_signer_new(NULL, 0, f->ca.key, NULL, 0, NULL, f->now, &e);
	CHECK(!s && strstr(e.msg, "no CA certificate"));
	/* a delegate for another CA */
	s = ocsp_signer_new(f->other_ca.der, f->other_ca.len, NULL, r.der, r.len, r.key, f->now, &e);
	CHECK(!s && strstr(e.msg, "B3: issuer name is not the CA's subject"));

	/* a public key only: the self-test signature fails at set-up */
	p = f->ca.der;
	{
		X509 *x = d2i_X509(NULL, &p, (long)f->ca.len);

		pub = x ? X509_get_pubkey(x) : NULL;
		X509_free(x);
	}
	s = ocsp_signer_new(f->ca.der, f->ca.len, pub, NULL, 0, NULL, f->now, &e);
	CHECK_MSG(!s && (strstr(e.msg, "self-test") || strstr(e.msg, "private key")), "%s", e.msg);
	EVP_PKEY_free(pub);

	/* B2: a CA whose keyUsage lacks digitalSignature signs no OCSP */
	to_ca_make_ku(&noku, "P-256", "lastleaf CA without digitalSignature",
		      "critical,keyCertSign,cRLSign");
	s = ocsp_signer_new(noku.der, noku.len, noku.key, NULL, 0, NULL, f->now, &e);
	CHECK(!s && strstr(e.msg, "B2: the CA certificate's keyUsage lacks digitalSignature"));
	to_cert_free(&noku);
	to_cert_free(&r);
}

int main(void)
{
	struct fx f;

	f.now = ll_now();
	to_ca_make(&f.ca, "P-256", "lastleaf responder test CA");
	to_ca_make(&f.other_ca, "P-256", "lastleaf other CA");
	test_variants(&f);
	test_validity_edges(&f);
	test_signer_keys(&f);
	to_cert_free(&f.ca);
	to_cert_free(&f.other_ca);
	return tap_done();
}
