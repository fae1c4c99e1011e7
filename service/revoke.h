/* revoke.h - recording revocations of leaves and CA certificates, with
 * the profile's reason rules (A28-A33), one transaction per revocation,
 * an audit row and a NOTIFY so responders re-sign at once. */
#ifndef LL_REVOKE_H
#define LL_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"
#include "lltime.h"
#include "store.h"

enum revoke_outcome {
	REVOKE_DONE,	  /* newly revoked */
	REVOKE_NOOP,	  /* already revoked with the same facts */
	REVOKE_UPGRADED,  /* reason changed to keyCompromise (A33) */
};

/* Reason names (RFC 5280) -> code; -1 unknown. */
int revoke_reason_code(const char *name);
const char *revoke_reason_name(int code); /* "unspecified" for -1 and 0 */

/* Checks a reason for a subscriber (leaf) entry: NULL when fine, else why. */
const char *revoke_leaf_reason_problem(int code);
/* Checks a reason for a CA certificate entry (A31, O1). */
const char *revoke_ca_reason_problem(int code);

struct revoke_leaf_req {
	const char *ca_name;
	const uint8_t *serial;
	size_t serial_len;
	int reason;		/* code; 0 = unspecified (stored as no reason) */
	bool has_at;
	ll_time at;		/* default: now */
	bool has_invalidity;
	ll_time invalidity;
};

bool revoke_leaf(struct store *s, const struct revoke_leaf_req *r, enum revoke_outcome *out,
		 char *summary, size_t summary_len, struct ll_err *err) LL_MUSTCHECK;

/* Revokes a CA certificate by its SHA-256. When in_tx, runs inside the
 * caller's transaction (the retirement executor) and does not commit. */
bool revoke_ca_cert(struct store *s, const uint8_t sha256[32], int reason, bool has_at,
		    ll_time at, bool in_tx, enum revoke_outcome *out, char *summary,
		    size_t summary_len, struct ll_err *err) LL_MUSTCHECK;

#endif
