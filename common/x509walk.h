/* x509walk.h - extracts the fields lastleaf needs from a DER certificate
 * with a bounded walk instead of d2i_X509 (which costs ~130 us per cert
 * in OpenSSL 3.0: provider fetches and extension caching). All pointers
 * in struct x509_fields borrow from the input buffer. No allocation. */
#ifndef LL_X509WALK_H
#define LL_X509WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"
#include "lltime.h"

enum x509_sigalg {
	X509_SIG_UNKNOWN = 0,
	X509_SIG_ECDSA_SHA256,
	X509_SIG_ECDSA_SHA384,
	X509_SIG_ECDSA_SHA512,
	X509_SIG_RSA_SHA256,
	X509_SIG_RSA_SHA384,
	X509_SIG_RSA_SHA512,
	X509_SIG_RSA_PSS, /* parameters in sigalg; verify via OpenSSL */
	X509_SIG_ED25519,
	X509_SIG_RSA_SHA1, /* parsed so it can be named, never accepted for new signatures */
	X509_SIG_ECDSA_SHA1,
};

/* keyUsage bits, as in RFC 5280 (bit 0 = digitalSignature). */
enum {
	X509_KU_DIGITAL_SIGNATURE = 1 << 0,
	X509_KU_KEY_CERT_SIGN = 1 << 5,
	X509_KU_CRL_SIGN = 1 << 6,
};

struct x509_span {
	const uint8_t *p;
	size_t len;
};

struct x509_fields {
	struct x509_span cert;	     /* whole Certificate TLV */
	struct x509_span tbs;	     /* whole TBSCertificate TLV (what is signed) */
	int version;		     /* 1, 2 or 3 */
	struct x509_span serial;     /* INTEGER content octets, exactly as encoded */
	struct x509_span tbs_sigalg; /* AlgorithmIdentifier TLV inside TBS */
	struct x509_span sigalg;     /* outer AlgorithmIdentifier TLV */
	enum x509_sigalg sig_kind;   /* from the outer sigalg */
	struct x509_span issuer;     /* Name TLV */
	struct x509_span subject;    /* Name TLV */
	ll_time not_before, not_after;
	struct x509_span spki;	     /* SubjectPublicKeyInfo TLV */
	struct x509_span pubkey;     /* subjectPublicKey BIT STRING value, without the unused-bits octet */
	struct x509_span sig;	     /* signatureValue BIT STRING value, without the unused-bits octet */

	/* extensions (v3); spans are empty when absent */
	struct x509_span ski;	     /* SubjectKeyIdentifier octets */
	struct x509_span aki;	     /* AuthorityKeyIdentifier keyIdentifier octets */
	bool has_basic_constraints;
	bool is_ca;
	int key_usage;		     /* bitmask of X509_KU_*, -1 when absent */
	struct x509_span cdp_uri;    /* first URI of the first DistributionPoint fullName */
	int cdp_uri_count;	     /* all URIs across all DistributionPoints */
	bool precert_poison;	     /* CT poison extension 1.3.6.1.4.1.11129.2.4.3 */
	bool has_sct;		     /* embedded SCT list 1.3.6.1.4.1.11129.2.4.2 with >= 1 SCT */
	ll_time sct_earliest;	     /* earliest SCT timestamp, seconds (ms floored) */
	bool eku_present;
	bool eku_ocsp_signing;	     /* id-kp-OCSPSigning listed */
	bool eku_any;		     /* anyExtendedKeyUsage listed */
	bool ocsp_nocheck;	     /* id-pkix-ocsp-nocheck present */
	struct x509_span ocsp_nocheck_value; /* its extnValue octets (must be 05 00) */
};

/* Walks one certificate. `len` must be exactly the certificate's length:
 * trailing bytes are an error. Fills *f and returns true, or returns false
 * with a one-line reason in err ("truncated validity", "bad serial", ...). */
bool x509_walk(const uint8_t *der, size_t len, struct x509_fields *f, struct ll_err *err);

/* Classifies an AlgorithmIdentifier TLV. */
enum x509_sigalg x509_sigalg_kind(const uint8_t *alg, size_t len);

/* Length of the first DER TLV at p (for splitting concatenated DER), or 0
 * when p does not start with a complete SEQUENCE. */
size_t x509_der_span(const uint8_t *p, size_t len);

#endif
