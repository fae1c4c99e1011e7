/* ocsp_responder_cert.c - vets a delegated OCSP responder certificate
 * against BR 7.1.2.8 (checklist B3) before any response is signed with
 * its key. x509_walk gives the fields; the extension list is walked
 * again here because B3 needs what the walker does not keep: the
 * critical flags and the exact EKU purpose list. Runs once per signer
 * set-up, so clarity wins over speed. */
#include <stdio.h>

#include "ocsp.h"
#include "ocsp_internal.h"
#include "verify.h"
#include "x509walk.h"

/* id-kp-OCSPSigning 1.3.6.1.5.5.7.3.9 */
static const uint8_t oid_kp_ocsp_signing[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09};
/* basicConstraints cA=FALSE, no pathLenConstraint: the only DER form. */
static const uint8_t bc_not_ca[] = {0x30, 0x00};
static const uint8_t der_null[] = {0x05, 0x00};

/* id-ce arcs (2.5.29.n) the profile names. */
enum {
	CE_KEY_USAGE = 0x0f,
	CE_SAN = 0x11,
	CE_BASIC_CONSTRAINTS = 0x13,
	CE_NAME_CONSTRAINTS = 0x1e,
	CE_CRLDP = 0x1f,
	CE_EKU = 0x25,
};

/* What B3 needs from the extension list beyond struct x509_fields. */
struct rc_exts {
	bool ku_critical, nocheck_critical;
	bool has_san, has_nc, has_crldp;
	struct x509_span bc_value;  /* basicConstraints extnValue */
	size_t eku_count;	    /* purposes listed */
	size_t eku_ocsp;	    /* of which id-kp-OCSPSigning */
	bool bad_critical;	    /* a critical extension BR 7.1.2.8.2 does not allow */
	char bad_critical_oid[64];  /* its OID in hex, for the message */
};

static int rc_ce_arc(const struct der_tlv *oid)
{
	if (oid->len == 3 && oid->val[0] == 0x55 && oid->val[1] == 0x1d)
		return oid->val[2];
	return -1;
}

/* ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId */
static void rc_eku(const struct der_tlv *val, struct rc_exts *x)
{
	struct der d = der_enter(val), s;
	struct der_tlv seq, oid;

	if (!ocsp_expect(&d, DER_SEQUENCE, &seq))
		return; /* x509_walk already refused a malformed EKU */
	s = der_enter(&seq);
	while (ocsp_expect(&s, DER_OID, &oid)) {
		x->eku_count++;
		if (ocsp_oid_eq(&oid, oid_kp_ocsp_signing, sizeof(oid_kp_ocsp_signing)))
			x->eku_ocsp++;
	}
}

static void rc_hex(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n && o + 3 < cap; i++) {
		buf[o++] = hx[p[i] >> 4];
		buf[o++] = hx[p[i] & 15];
	}
	buf[o] = '\0';
}

static void rc_one(const struct der_tlv *oid, bool critical, const struct der_tlv *val,
		   struct rc_exts *x)
{
	int arc = rc_ce_arc(oid);
	/* BR 7.1.2.8.2: keyUsage Y, basicConstraints Y, extKeyUsage "-";
	 * every other extension it lists is non-critical. */
	bool may_be_critical = arc == CE_KEY_USAGE || arc == CE_BASIC_CONSTRAINTS || arc == CE_EKU;

	switch (arc) {
	case CE_KEY_USAGE: x->ku_critical = critical; break;
	case CE_SAN: x->has_san = true; break;
	case CE_BASIC_CONSTRAINTS: x->bc_value = (struct x509_span){val->val, val->len}; break;
	case CE_NAME_CONSTRAINTS: x->has_nc = true; break;
	case CE_CRLDP: x->has_crldp = true; break;
	case CE_EKU: rc_eku(val, x); break;
	default: break;
	}
	if (ocsp_pkix_arc(oid) == OCSP_ARC_NOCHECK) {
		x->nocheck_critical = critical;
		return; /* reported with its own message */
	}
	if (critical && !may_be_critical && !x->bad_critical) {
		x->bad_critical = true;
		rc_hex(oid->val, oid->len, x->bad_critical_oid, sizeof(x->bad_critical_oid));
	}
}

/* Walks TBSCertificate up to extensions [3] (x509_walk has checked the
 * shape, so every step succeeds on its output) and reads each one. */
static void rc_scan(const struct x509_fields *f, struct rc_exts *x)
{
	struct der d = der_init(f->tbs.p, f->tbs.len), tbs, e;
	struct der_tlv t, ext, oid, crit, val;
	bool present;
	int i;

	memset(x, 0, sizeof(*x));
	if (!ocsp_next(&d, &t))
		return;
	tbs = der_enter(&t);
	(void)ocsp_optional(&tbs, DER_CTX0, &t, &present);
	/* serial, signature, issuer, validity, subject, subjectPublicKeyInfo */
	for (i = 0; i < 6; i++)
		if (!ocsp_next(&tbs, &t))
			return;
	(void)ocsp_optional(&tbs, 0x81, &t, &present);
	(void)ocsp_optional(&tbs, 0x82, &t, &present);
	if (!ocsp_optional(&tbs, DER_CTX3, &t, &present) || !present)
		return;
	d = der_enter(&t);
	if (!ocsp_expect(&d, DER_SEQUENCE, &t))
		return;
	d = der_enter(&t);
	while (ocsp_expect(&d, DER_SEQUENCE, &ext)) {
		e = der_enter(&ext);
		if (!ocsp_expect(&e, DER_OID, &oid) || !ocsp_optional(&e, DER_BOOLEAN, &crit, &present) ||
		    !ocsp_expect(&e, DER_OCTETSTRING, &val))
			return;
		rc_one(&oid, present && crit.len == 1 && crit.val[0] != 0, &val, x);
	}
}

static bool rc_span_eq(struct x509_span s, const uint8_t *p, size_t len)
{
	return s.len == len && memcmp(s.p, p, len) == 0;
}

/* Extended key usage, nocheck, keyUsage and basicConstraints: what makes
 * the certificate a responder and nothing more (BR 7.1.2.8.4-7). */
static bool rc_profile(const struct x509_fields *f, const struct rc_exts *x, struct ll_err *err)
{
	if (!f->eku_present)
		return ll_err_set(err, "B3: extKeyUsage missing; a delegated responder needs "
				       "exactly id-kp-OCSPSigning (BR 7.1.2.8.5)");
	if (x->eku_ocsp == 0)
		return ll_err_set(err, "B3: extKeyUsage lacks id-kp-OCSPSigning (BR 7.1.2.8.5)");
	if (x->eku_count != 1)
		return ll_err_set(err,
				  "B3: extKeyUsage must be exactly id-kp-OCSPSigning, but lists "
				  "%zu purposes (BR 7.1.2.8.5)",
				  x->eku_count);
	if (!f->ocsp_nocheck)
		return ll_err_set(err, "B3: id-pkix-ocsp-nocheck missing (BR 7.1.2.8.6)");
	if (!rc_span_eq(f->ocsp_nocheck_value, der_null, sizeof(der_null)))
		return ll_err_set(err, "B3: id-pkix-ocsp-nocheck extnValue must be NULL (05 00) "
				       "(BR 7.1.2.8.6)");
	if (x->nocheck_critical)
		return ll_err_set(err, "B3: id-pkix-ocsp-nocheck must not be critical "
				       "(BR 7.1.2.8.2)");
	if (f->key_usage < 0)
		return ll_err_set(err, "B3: keyUsage missing; must be critical digitalSignature "
				       "(BR 7.1.2.8.7)");
	if (!x->ku_critical)
		return ll_err_set(err, "B3: keyUsage must be critical (BR 7.1.2.8.2)");
	if (f->key_usage != X509_KU_DIGITAL_SIGNATURE)
		return ll_err_set(err, "B3: keyUsage must be digitalSignature only "
				       "(BR 7.1.2.8.7)");
	if (f->is_ca)
		return ll_err_set(err, "B3: basicConstraints cA=TRUE; a CA certificate is never a "
				       "delegated responder (BR 7.1.2.8.4, E16)");
	if (f->has_basic_constraints && !rc_span_eq(x->bc_value, bc_not_ca, sizeof(bc_not_ca)))
		return ll_err_set(err, "B3: basicConstraints must be absent or exactly cA=FALSE "
				       "(extnValue 30 00) (BR 7.1.2.8.4)");
	return true;
}

/* The other MUST / MUST NOT rows of BR 7.1.2.8 and 7.1.2.8.2. */
static bool rc_other(const struct x509_fields *f, const struct x509_fields *ca,
		     const struct rc_exts *x, struct ll_err *err)
{
	if (x->has_san)
		return ll_err_set(err, "B3: subjectAltName not allowed (BR 7.1.2.8.2)");
	if (x->has_nc)
		return ll_err_set(err, "B3: nameConstraints not allowed (BR 7.1.2.8.2)");
	if (x->has_crldp)
		return ll_err_set(err, "B3: cRLDistributionPoints not allowed (BR 7.1.2.8.2)");
	if (x->bad_critical)
		return ll_err_set(err, "B3: extension %s must not be critical (BR 7.1.2.8.2)",
				  x->bad_critical_oid);
	if (f->aki.len == 0)
		return ll_err_set(err, "B3: authorityKeyIdentifier keyIdentifier missing "
				       "(BR 7.1.2.8.2)");
	if (ca->ski.len && !rc_span_eq(f->aki, ca->ski.p, ca->ski.len))
		return ll_err_set(err, "B3: authorityKeyIdentifier does not match the CA's "
				       "subjectKeyIdentifier (BR 7.1.2.11.1)");
	/* 0 < serial < 2^159 (BR 7.1.2.8): positive and at most 20 octets. */
	if (f->serial.len > 20 || (f->serial.p[0] & 0x80) ||
	    (f->serial.len == 1 && f->serial.p[0] == 0))
		return ll_err_set(err, "B3: serial must be positive and at most 20 octets "
				       "(BR 7.1.2.8)");
	return true;
}

/* The signature is checked with the CA certificate's key: RFC 6960
 * 4.2.2.2 matches on the key, so a responder certificate signed through
 * any certificate of that key counts (E15), but its issuer name must be
 * this CA's subject (BR 7.1.2.8). */
static bool rc_issued_by(const struct x509_fields *f, const struct x509_fields *ca,
			 struct ll_err *err)
{
	struct ll_verifier *v = NULL;
	EVP_PKEY *pk = NULL;
	struct ll_err e2;
	bool ok = false;

	if (!rc_span_eq(f->issuer, ca->subject.p, ca->subject.len)) {
		ll_err_set(err, "B3: issuer name is not the CA's subject (BR 7.1.2.8, B2)");
		goto out;
	}
	pk = ll_pkey_from_spki(ca->spki.p, ca->spki.len, &e2);
	if (!pk || !(v = ll_verifier_new(pk, &e2))) {
		ll_err_set(err, "B3: CA public key unusable: %s", e2.msg);
		goto out;
	}
	if (!ll_verifier_check(v, f, &e2)) {
		ll_err_set(err, "B3: signature does not verify with the CA key: %s (B2)", e2.msg);
		goto out;
	}
	ok = true;
out:
	ll_verifier_free(v);
	EVP_PKEY_free(pk);
	return ok;
}

static bool rc_validity(const struct x509_fields *f, ll_time now, struct ll_err *err)
{
	char a[LL_TIME_RFC3339_LEN], b[LL_TIME_RFC3339_LEN];

	if (now >= f->not_before && now <= f->not_after)
		return true;
	ll_time_format_rfc3339(f->not_before, a);
	ll_time_format_rfc3339(f->not_after, b);
	return ll_err_set(err, "B3: %s: validity %s to %s does not cover now",
			  now > f->not_after ? "expired" : "not yet valid", a, b);
}

bool ocsp_check_responder(const uint8_t *cert, size_t len, const uint8_t *issuer_cert,
			  size_t issuer_len, ll_time now, struct ll_err *err)
{
	struct x509_fields f, ca;
	struct rc_exts x;

	if (!x509_walk(issuer_cert, issuer_len, &ca, err))
		return ll_err_prefix(err, "CA certificate");
	if (!x509_walk(cert, len, &f, err))
		return ll_err_prefix(err, "B3: responder certificate");
	if (f.version != 3)
		return ll_err_set(err, "B3: responder certificate is v%d, not v3", f.version);
	if (!rc_issued_by(&f, &ca, err) || !rc_validity(&f, now, err))
		return false;
	rc_scan(&f, &x);
	return rc_profile(&f, &x, err) && rc_other(&f, &ca, &x, err);
}
