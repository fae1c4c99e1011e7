/* retire.h - retirement plans: revoke a CA certificate exactly when its
 * last dependent leaf has expired (plus a grace period), enforce the
 * issuance freeze, and carry out the revocation with the parent's CRL and
 * OCSP, exactly once, whoever runs it. */
#ifndef LL_RETIRE_H
#define LL_RETIRE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "json.h"
#include "llerr.h"
#include "lltime.h"
#include "store.h"

struct retire_spec {
	const uint8_t *cert_sha256; /* the CA certificate C */
	int reason;
	bool window;		    /* policy window (else key) */
	bool has_from, has_until, has_freeze;
	ll_time from, until, freeze;
	int64_t grace;		    /* seconds */
	const char *rationale;
};

/* The computed figures of a plan (stored or dry-run). */
struct retire_calc {
	ll_time freeze_at, due_at, policy_due_at;
	int64_t live_dependents, violations;
	bool has_last;
	char last_serial[130];
	ll_time last_not_after;
};

/* Plans (or with dry_run only computes) a retirement; prints the plan to
 * out. keyCompromise is not a plan: it revokes every CA certificate with
 * the key at once (C2). */
bool retire_plan(struct store *s, const struct cfg *cfg, const struct retire_spec *sp, bool dry_run,
		 FILE *out, struct ll_err *err) LL_MUSTCHECK;
/* Recomputes every active plan (due dates move with the dependents);
 * *new_violations counts violations found for the first time. */
bool retire_refresh_all(struct store *s, int64_t *new_violations, struct ll_err *err) LL_MUSTCHECK;
/* Executes every plan that is due, then completes pending follow-up
 * steps. Safe to run from many processes at once. */
bool retire_run(struct store *s, const struct cfg *cfg, FILE *log, int *executed, int *pending,
		struct ll_err *err) LL_MUSTCHECK;
/* Writes the plan object of the public interface for certificate sha256
 * (hex) into j as a value; returns false (writes nothing) when it has no
 * plan. */
bool retire_plan_json(struct store *s, const char *cert_sha256_hex, struct json_out *j,
		      struct ll_err *err);

#endif
