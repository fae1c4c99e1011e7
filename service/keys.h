/* keys.h - loads signing keys named by URI, and meters how long each
 * signature takes.
 *
 * "file:PATH" is a PEM private key that must not be readable by group or
 * others. "pkcs11:..." (RFC 7512) is a key in an HSM, used through
 * OpenSSL's ENGINE API with the "pkcs11" engine of libp11 (Debian
 * libengine-pkcs11-openssl); the private key never enters this process.
 * Query attributes: module-path=PATH picks the PKCS#11 module (default:
 * p11-kit-proxy, libp11's default), pin-source=file:PATH (a file that must
 * not be group/other-readable) or pin-value=PIN give the user PIN. See
 * docs/hsm.md. Keys and PINs are never logged: errors name the URI (with
 * any pin-value redacted) and the problem only.
 *
 * Engine-backed keys may be used from several threads at once: libp11
 * (0.4.12) keeps a locked pool of PKCS#11 sessions per slot. How many
 * threads sign with one key at a time is the caller's choice
 * (cas[].key_sessions, see keys_sessions_for()). */
#ifndef LL_KEYS_H
#define LL_KEYS_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"

/* Concurrent signers for a pkcs11: key when cas[].key_sessions is unset:
 * HSMs have few sessions and other clients may share the token. */
#define KEYS_PKCS11_DEFAULT_SESSIONS 2

/* A new reference to the key the URI names (free it with EVP_PKEY_free),
 * or NULL with *err filled. */
EVP_PKEY *keys_load(const char *uri, struct ll_err *err);
/* True when key's public half is the key in the SubjectPublicKeyInfo. */
bool keys_match_spki(EVP_PKEY *key, const uint8_t *spki, size_t spki_len);
/* True for a pkcs11: URI (case-insensitive scheme). */
bool keys_is_pkcs11(const char *uri);
/* The most threads that may sign with the key at once: key_sessions when
 * set (> 0), else KEYS_PKCS11_DEFAULT_SESSIONS for a pkcs11: key, else 0
 * (no limit: file keys are signed in memory). */
int keys_sessions_for(const char *uri, int key_sessions);
/* Copies uri into out (always NUL-terminated) with the value of any
 * pin-value attribute replaced by "***", for messages and logs. Returns
 * out. A NULL uri gives "(none)". */
const char *keys_uri_redact(const char *uri, char *out, size_t n);

/* ---- sign latency --------------------------------------------------- */

/* A Prometheus histogram of signature times for one key. Observing is
 * lock-free (atomics), so signing threads share one meter. */
struct keys_meter;

#define KEYS_METER_BUCKETS 9 /* 0.0005 .. 0.1 s, then +Inf */

struct keys_meter *keys_meter_new(void);
void keys_meter_free(struct keys_meter *m); /* NULL is a no-op */
/* Records one signature that took `seconds`. NULL m is a no-op. */
void keys_meter_observe(struct keys_meter *m, double seconds);

struct keys_meter_snapshot {
	uint64_t count;
	double sum_seconds;
	uint64_t cumulative[KEYS_METER_BUCKETS]; /* observations <= bound i */
};
/* The bucket bounds as Prometheus prints them ("0.0005" ... "+Inf"). */
const char *keys_meter_bound(int i);
void keys_meter_read(const struct keys_meter *m, struct keys_meter_snapshot *out);

/* Writes one meter as Prometheus text lines, each ending in '\n':
 *   NAME_bucket{ca="CA",key="KEY",le="B"} N  (9 lines)
 *   NAME_sum{ca="CA",key="KEY"} S
 *   NAME_count{ca="CA",key="KEY"} N
 * calling emit(arg, line, len) once per line. Label values are escaped.
 * The "# HELP"/"# TYPE NAME histogram" lines are the caller's (once per
 * metric name, before the first meter). */
typedef void (*keys_meter_emit_fn)(void *arg, const char *line, size_t len);
void keys_meter_write(const struct keys_meter *m, const char *name, const char *ca,
		      const char *key, keys_meter_emit_fn emit, void *arg);

#endif
