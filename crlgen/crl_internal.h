/* crl_internal.h - what crl_build.c and crl_lint.c share: the violation
 * recorder, the serial order and the TBS linter's hook for the encoder.
 * The pieces the OCSP encoder needs too live in common/: the allowed
 * AlgorithmIdentifiers (sigalg.h), the issuer key kind (spki.h), DER
 * header arithmetic (derw.h) and the fast Time writer (asn1time.h).
 * Internal to crlgen/: callers include crlgen.h only. */
#ifndef LL_CRL_INTERNAL_H
#define LL_CRL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "asn1time.h"
#include "crlgen.h"
#include "derw.h"
#include "llerr.h"
#include "lltime.h"
#include "sigalg.h"
#include "spki.h"

/* Appends a finding (v may be NULL). Always counts it in v->total;
 * stores it while there is room. */
void crl_violation_add(struct crl_violations *v, const char *id, const char *fmt, ...)
	LL_PRINTF(3, 4);

/* Lowercase hex of up to 24 octets ("..." beyond) for messages. */
void crl_hex(const uint8_t *p, size_t n, char *buf, size_t cap);

/* Serial order used in every CRL lastleaf writes and the linter expects
 * (A6): shorter content first, then bytewise. It is deterministic and
 * equals numeric order for minimal positive serials; negative serials
 * (content starting 0x80..0xff) sort by their octets, not their value. */
static inline int crl_serial_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return alen ? memcmp(a, b, alen) : 0;
}

/* What the TBS linter learnt that crl_lint_der needs for its outer
 * checks. */
struct crl_tbs_info {
	const uint8_t *alg; /* tbsCertList.signature TLV; NULL when unreadable */
	size_t alg_len;
};

/* crl_lint_tbs without resetting v, so crl_build can put its own input
 * findings first. info may be NULL. Returns true when it added nothing. */
bool crl_lint_tbs_append(const uint8_t *tbs, size_t len, const struct crl_lint_ctx *ctx,
			 struct crl_violations *v, struct crl_tbs_info *info);

#endif
