/* fuzz_x509walk.c - libFuzzer target: x509_walk must never read outside
 * its input, every span it returns must lie inside the input, and when
 * it accepts a certificate that d2i_X509 also accepts, both must agree on
 * the serial, names, validity, public key and signature bits, and on the
 * extensions lastleaf acts on (when OpenSSL finds them valid). Any
 * disagreement aborts. d2i_X509 rejecting what the walker accepts is not
 * a finding: the walker does not look inside names or algorithm
 * parameters, which OpenSSL decodes. */
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "x509walk.h"

static void fz_check(bool cond)
{
	if (!cond)
		abort();
}

static bool fz_span_in(struct x509_span s, const uint8_t *data, size_t size)
{
	return s.len == 0 ? true : s.p >= data && s.len <= size && s.p + s.len <= data + size;
}

static bool fz_span_eq(struct x509_span s, const void *p, int len)
{
	return len >= 0 && s.len == (size_t)len && (len == 0 || memcmp(s.p, p, (size_t)len) == 0);
}

/* Two's-complement content octets against OpenSSL's sign + magnitude. */
static bool fz_serial_eq(struct x509_span s, const ASN1_INTEGER *ai)
{
	uint8_t mag[64];
	size_t i, off = 0;
	bool neg = s.p[0] & 0x80;
	unsigned carry = 1;

	for (i = s.len; i-- > 0;) {
		if (neg) {
			unsigned v = (unsigned)(uint8_t)~s.p[i] + carry;

			mag[i] = (uint8_t)v;
			carry = v >> 8;
		} else {
			mag[i] = s.p[i];
		}
	}
	while (off + 1 < s.len && mag[off] == 0)
		off++;
	if (!neg && s.len - off == 1 && mag[off] == 0)
		return ASN1_STRING_length(ai) <= 1 && ASN1_STRING_type(ai) == V_ASN1_INTEGER;
	return (ASN1_STRING_type(ai) == V_ASN1_NEG_INTEGER) == neg &&
	       fz_span_eq((struct x509_span){mag + off, s.len - off}, ASN1_STRING_get0_data(ai),
			  ASN1_STRING_length(ai));
}

static bool fz_name_eq(struct x509_span s, const X509_NAME *n)
{
	unsigned char *b = NULL;
	int len = i2d_X509_NAME(n, &b);
	bool eq = fz_span_eq(s, b, len);

	OPENSSL_free(b);
	return eq;
}

static bool fz_time_eq(ll_time t, const ASN1_TIME *at)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(at, &tm))
		return false;
	return t == ll_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
				       (unsigned)tm.tm_mday) * 86400 +
			    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

static uint32_t fz_ku(int ku)
{
	uint32_t r = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (ku & (1 << i))
			r |= 0x80u >> i;
	return ku & (1 << 8) ? r | 0x8000 : r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_fields f;
	struct ll_err err;
	const unsigned char *p = data;
	const ASN1_BIT_STRING *sig, *pk;
	const ASN1_OCTET_STRING *os;
	X509 *x;
	uint32_t flags;

	(void)x509_der_span(data, size);
	(void)x509_sigalg_kind(data, size);
	if (!x509_walk(data, size, &f, &err)) {
		fz_check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL && err.msg[0] != '\0');
		return 0;
	}
	fz_check(f.cert.p == data && f.cert.len == size);
	fz_check(x509_der_span(data, size) == size);
	fz_check(fz_span_in(f.tbs, data, size) && fz_span_in(f.serial, data, size) &&
		 fz_span_in(f.tbs_sigalg, data, size) && fz_span_in(f.sigalg, data, size) &&
		 fz_span_in(f.issuer, data, size) && fz_span_in(f.subject, data, size) &&
		 fz_span_in(f.spki, data, size) && fz_span_in(f.pubkey, data, size) &&
		 fz_span_in(f.sig, data, size) && fz_span_in(f.ski, data, size) &&
		 fz_span_in(f.aki, data, size) && fz_span_in(f.cdp_uri, data, size) &&
		 fz_span_in(f.ocsp_nocheck_value, data, size));
	fz_check(f.serial.len >= 1 && f.serial.len <= 64);
	fz_check(f.version >= 1 && f.version <= 3);

	x = d2i_X509(NULL, &p, (long)size);
	if (!x) {
		ERR_clear_error();
		return 0;
	}
	/* Both read one DER SEQUENCE of the same length. */
	fz_check(p == data + size);
	fz_check(X509_get_version(x) + 1 == f.version);
	fz_check(fz_serial_eq(f.serial, X509_get0_serialNumber(x)));
	fz_check(fz_name_eq(f.issuer, X509_get_issuer_name(x)));
	fz_check(fz_name_eq(f.subject, X509_get_subject_name(x)));
	fz_check(fz_time_eq(f.not_before, X509_get0_notBefore(x)));
	fz_check(fz_time_eq(f.not_after, X509_get0_notAfter(x)));
	X509_get0_signature(&sig, NULL, x);
	fz_check(fz_span_eq(f.sig, ASN1_STRING_get0_data(sig), ASN1_STRING_length(sig)));
	pk = X509_get0_pubkey_bitstr(x);
	fz_check(pk && fz_span_eq(f.pubkey, ASN1_STRING_get0_data(pk), ASN1_STRING_length(pk)));

	/* Extensions, when OpenSSL could decode all of them. */
	flags = X509_get_extension_flags(x);
	if (!(flags & EXFLAG_INVALID)) {
		os = X509_get0_subject_key_id(x);
		fz_check(os ? fz_span_eq(f.ski, os->data, os->length) : f.ski.p == NULL);
		os = X509_get0_authority_key_id(x);
		fz_check(os ? fz_span_eq(f.aki, os->data, os->length) : f.aki.p == NULL);
		fz_check(!!(flags & EXFLAG_BCONS) == f.has_basic_constraints);
		fz_check(!!(flags & EXFLAG_CA) == f.is_ca);
		fz_check(!!(flags & EXFLAG_KUSAGE) == (f.key_usage >= 0));
		if (f.key_usage >= 0)
			fz_check(X509_get_key_usage(x) == fz_ku(f.key_usage));
		fz_check(!!(flags & EXFLAG_XKUSAGE) == f.eku_present);
		if (f.eku_present) {
			uint32_t xku = X509_get_extended_key_usage(x);

			fz_check(!!(xku & XKU_OCSP_SIGN) == f.eku_ocsp_signing);
			fz_check(!!(xku & XKU_ANYEKU) == f.eku_any);
		}
	}
	ERR_clear_error();
	X509_free(x);
	return 0;
}
