/* presign.h - pre-signing OCSP responses for one served CA: every
 * unexpired leaf and CA certificate the CA key issued gets a signed
 * response (good or revoked) for both CertID hash algorithms (B15),
 * stored in PostgreSQL with a change sequence number. Signing runs in a
 * pool of threads, one per core, each with its own signer, and never more
 * than the key allows at once (cas[].key_sessions; 2 for a pkcs11: key
 * when unset, see keys_sessions_for()). Responses are
 * re-signed once they pass half their validity, at once when the status
 * changed, and dropped (with a tombstone) once the certificate expired. */
#ifndef LL_PRESIGN_H
#define LL_PRESIGN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "keys.h"
#include "llerr.h"
#include "store.h"

struct presign_opts {
	int threads;		/* 0: cfg->ocsp_threads, else one per core */
	bool force;		/* re-sign everything */
	const uint8_t *only_serial; /* just this serial (a NOTIFY), or NULL */
	size_t only_serial_len;
	/* when set, every signature's time goes into it (the signing key's
	 * sign latency, lastleaf_sign_duration_seconds in /metrics) */
	struct keys_meter *meter;
};

struct presign_stats {
	int64_t certificates;	/* certificates (re-)signed */
	int64_t responses;	/* responses signed (two per certificate) */
	int64_t dropped;	/* responses of expired certificates removed */
	double sign_seconds;	/* wall time spent signing */
	double seconds;		/* wall time in total */
};

/* Signs what the CA needs now. Nothing is stored for a batch that fails. */
bool presign_ca(struct store *s, const struct cfg *cfg, const struct cfg_ca *ca,
		const struct presign_opts *o, struct presign_stats *st, FILE *log,
		struct ll_err *err) LL_MUSTCHECK;

#endif
