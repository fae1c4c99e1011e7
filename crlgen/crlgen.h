/* crlgen.h - builds, lints and signs X.509 v2 CRLs (RFC 5280 and the
 * CA/Browser Forum profile, checklist items A1-A36 in requirements.md).
 * Pure library: bytes and structs in, DER out. No database, no files, no
 * network. The revokedCertificates sequence is encoded straight into one
 * buffer (no OpenSSL object per entry), the to-be-signed bytes are linted
 * by an independent parser (crl_lint), and only a clean TBS is signed. */
#ifndef LL_CRLGEN_H
#define LL_CRLGEN_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "llerr.h"
#include "lltime.h"

enum crl_profile {
	CRL_PROFILE_SUBSCRIBER, /* scope holds end-entity certificates: <= 10 days (A9) */
	CRL_PROFILE_CA,		/* scope holds only CA certificates: <= 365 days (A9, O3) */
};

/* RFC 5280 CRLReason values; CRL_REASON_NONE means no reasonCode.
 * <openssl/x509v3.h> defines all of these but CRL_REASON_CESSATION as
 * macros with the same values, so it is included first and only the
 * names it lacks become enumerators: either include order then works. */
#include <openssl/x509v3.h>
enum {
#ifndef CRL_REASON_NONE
	CRL_REASON_NONE = -1,
#endif
#ifndef CRL_REASON_UNSPECIFIED
	CRL_REASON_UNSPECIFIED = 0, /* never encoded (A28): treated as NONE */
#endif
#ifndef CRL_REASON_KEY_COMPROMISE
	CRL_REASON_KEY_COMPROMISE = 1,
#endif
#ifndef CRL_REASON_CA_COMPROMISE
	CRL_REASON_CA_COMPROMISE = 2,
#endif
#ifndef CRL_REASON_AFFILIATION_CHANGED
	CRL_REASON_AFFILIATION_CHANGED = 3,
#endif
#ifndef CRL_REASON_SUPERSEDED
	CRL_REASON_SUPERSEDED = 4,
#endif
	CRL_REASON_CESSATION = 5,
#ifndef CRL_REASON_CERTIFICATE_HOLD
	CRL_REASON_CERTIFICATE_HOLD = 6,
#endif
#ifndef CRL_REASON_REMOVE_FROM_CRL
	CRL_REASON_REMOVE_FROM_CRL = 8,
#endif
#ifndef CRL_REASON_PRIVILEGE_WITHDRAWN
	CRL_REASON_PRIVILEGE_WITHDRAWN = 9,
#endif
#ifndef CRL_REASON_AA_COMPROMISE
	CRL_REASON_AA_COMPROMISE = 10,
#endif
};

/* One revoked certificate. Packed into 32 bytes (the narrow fields after
 * the 8-byte ones): a 1M-entry CRL holds a million of these next to its
 * own DER while it is encoded, so every byte here is a megabyte of peak
 * memory there. Initialise with designated initialisers: the field order
 * is chosen for size, not meaning. */
struct crl_entry {
	const uint8_t *serial;	/* DER INTEGER content octets, copied exactly (A24) */
	ll_time revoked_at;
	ll_time invalidity;	/* only read when has_invalidity */
	uint8_t serial_len;	/* 1..64 octets; crl_build refuses others (A24) */
	int8_t reason;		/* CRL_REASON_* */
	bool has_invalidity;	/* invalidityDate, only for S/MIME CAs (A34) */
	bool is_ca;		/* the revoked certificate is a CA certificate (A22, A31) */
};

struct crl_partition {
	const char *uri;	/* IssuingDistributionPoint fullName URI (A20); the
				 * linter skips the byte comparison when NULL */
	bool only_user;		/* onlyContainsUserCerts */
	bool only_ca;		/* onlyContainsCACerts */
};

enum crl_sigalg {
	CRL_SIG_AUTO = 0, /* follows the key: P-256 -> ecdsa-with-SHA256, P-384 -> SHA384,
			   * P-521 -> SHA512, RSA -> sha256WithRSAEncryption, Ed25519 */
	CRL_SIG_RSA_PSS,  /* RSASSA-PSS with SHA-256 (RSA keys only) */
};

struct crl_params {
	const uint8_t *issuer_cert; /* DER of the CA certificate: issuer name (A4) and SKI (A16) */
	size_t issuer_cert_len;
	EVP_PKEY *key;		    /* private key matching issuer_cert */
	enum crl_sigalg sigalg;
	enum crl_profile profile;
	uint8_t number[20];	    /* CRL number, big-endian magnitude (A17) */
	size_t number_len;
	bool has_prev;		    /* the previous CRL of this scope, for A10/A17 */
	uint8_t prev_number[20];
	size_t prev_number_len;
	ll_time prev_next_update;
	ll_time this_update, next_update;
	const struct crl_partition *partition; /* NULL: a full CRL (no IDP, A21) */
	bool smime;		    /* invalidityDate allowed (A34) */
	const struct crl_entry *entries;
	size_t nentries;
	/* Added: the signing clock for D1 (thisUpdate not in the future);
	 * 0 skips that check. */
	ll_time now;
};

/* Lint findings: every violated checklist item, not just the first. */
struct crl_violation {
	char id[8];	 /* "A9" */
	char msg[240];
};

struct crl_violations {
	struct crl_violation v[64];
	size_t n;	 /* recorded; more may have been dropped */
	size_t total;	 /* all found */
};

/* What the linter checks a TBSCertList against: the issuer certificate
 * and the intended scope and history, which the CRL bytes alone do not
 * carry. */
struct crl_lint_ctx {
	/* NULL: no certificate at hand (third-party CRLs), so the checks
	 * that compare against it (A2 key binding, A4 bytes, A5 keyUsage and
	 * signature, A16 SKI) are skipped */
	const uint8_t *issuer_cert;
	size_t issuer_cert_len;
	enum crl_profile profile;
	const struct crl_partition *partition; /* NULL: full CRL */
	bool smime;
	bool has_prev;
	const uint8_t *prev_number;
	size_t prev_number_len;
	ll_time prev_next_update;
	ll_time now;			/* for "no future thisUpdate" (D1); 0 = skip */
};

/* Builds the TBSCertList, lints it (refusing on any violation: *v lists
 * them all and the function returns false with err naming the first),
 * signs it and appends the DER CertificateList to out. Entries are
 * encoded in a deterministic order (by serial octets): shorter content
 * first, then bytewise, which is numeric order for minimal positive
 * serials. Input already in that order (SQL: ORDER BY
 * octet_length(serial), serial) skips the sort and its index. Duplicate
 * serials are refused (A6). On failure out is left as it was. v may be
 * NULL. The signing key must match issuer_cert's public key. */
bool crl_build(const struct crl_params *p, struct ll_buf *out, struct crl_violations *v,
	       struct ll_err *err) LL_MUSTCHECK;

/* Lints a TBSCertList (DER) against checklist items A1-A34 with an
 * independent parser. Returns true when clean. Never crashes on hostile
 * input: undecodable DER is an A6 violation. */
bool crl_lint_tbs(const uint8_t *tbs, size_t len, const struct crl_lint_ctx *ctx,
		  struct crl_violations *v);
/* Lints a whole CertificateList (checks A2, the outer/inner algorithm
 * match, then the TBS). */
bool crl_lint_der(const uint8_t *crl, size_t len, const struct crl_lint_ctx *ctx,
		  struct crl_violations *v);

/* "A9: nextUpdate - thisUpdate is 864001 s; ..." joined with "; " */
void crl_violations_text(const struct crl_violations *v, char *out, size_t len);

/* CRL number helpers: uint64 <-> big-endian magnitude. from_u64 writes
 * the minimal magnitude (one 00 octet for zero) and returns its length. */
size_t crl_number_from_u64(uint64_t n, uint8_t out[20]);
/* Added: the value of a big-endian magnitude (leading zero octets
 * ignored); false when it does not fit 64 bits. */
bool crl_number_to_u64(const uint8_t *n, size_t len, uint64_t *out);

#endif
