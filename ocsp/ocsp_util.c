/* ocsp_util.c - the CertID hashes of an issuer (B15) and SHA-1 for the
 * responderID byKey (B4). No allocation. */
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
