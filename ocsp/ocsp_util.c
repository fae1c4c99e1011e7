/* ocsp_util.c - the CertID hashes of an issuer (B15) and the small
 * helpers the encoder shares: SHA-1 for responderID byKey (B4) and the
 * GeneralizedTime writer (B5). No allocation. */
#include <openssl/sha.h>

#include "ocsp.h"
#include "ocsp_internal.h"
#include "x509walk.h"

void ocsp_sha1(const uint8_t *p, size_t len, uint8_t out[20])
{
	/* The one-shot SHA1()/SHA256() are not deprecated in OpenSSL 3 and
	 * skip the EVP fetch, which costs more than hashing 100 bytes. */
	SHA1(p, len, out);
}

bool ocsp_issuer_ids_from_cert(const uint8_t *cert, size_t len, struct ocsp_issuer_ids *out,
			       struct ll_err *err)
{
	struct x509_fields f;

	if (!x509_walk(cert, len, &f, err))
		return ll_err_prefix(err, "issuer certificate");
	/* issuerNameHash: the DER Name as it sits in the certificate (the
	 * issuer field of the leaves, byte for byte, E3); issuerKeyHash:
	 * the subjectPublicKey BIT STRING value without the unused-bits
	 * octet (RFC 6960 4.1.1, E17). */
	SHA1(f.subject.p, f.subject.len, out->name_sha1);
	SHA1(f.pubkey.p, f.pubkey.len, out->key_sha1);
	SHA256(f.subject.p, f.subject.len, out->name_sha256);
	SHA256(f.pubkey.p, f.pubkey.len, out->key_sha256);
	return true;
}

static inline uint8_t *put2(uint8_t *p, unsigned v)
{
	*p++ = (uint8_t)('0' + v / 10 % 10);
	*p++ = (uint8_t)('0' + v % 10);
	return p;
}

uint8_t *ocsp_put_gentime(uint8_t *p, ll_time t)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, y;
	int64_t rem = t - days * 86400;
	unsigned m, d;

	ll_civil_from_days(days, &y, &m, &d);
	*p++ = DER_GENTIME;
	*p++ = 15;
	p = put2(p, (unsigned)(y / 100));
	p = put2(p, (unsigned)(y % 100));
	p = put2(p, m);
	p = put2(p, d);
	p = put2(p, (unsigned)(rem / 3600));
	p = put2(p, (unsigned)(rem / 60 % 60));
	p = put2(p, (unsigned)(rem % 60));
	*p++ = 'Z';
	return p;
}
