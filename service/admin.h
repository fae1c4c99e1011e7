/* admin.h - the admin HTTP listener of `lastleaf serve` (/healthz,
 * /metrics, reports, and the state-changing API). It owns the listening
 * sockets, their limits, the TLS context of mutual TLS, the bearer token,
 * and who may call what. Handlers are registered by the daemon and only
 * run once the request has passed the gate. The policy (docs/admin-api.md):
 *
 *  - Credentials: a bearer token (admin.token_file; its first line,
 *    trimmed; the file must not be empty nor accessible by group or
 *    others) sent as "Authorization: Bearer TOKEN", compared in constant
 *    time; or a client certificate verified against admin.client_ca
 *    (mutual TLS: the listener then speaks only TLS, with admin.tls_cert
 *    and admin.tls_key). Verification is optional at the TLS level: a
 *    client without a certificate completes the handshake and gets 401
 *    (so /healthz stays reachable by probes and a token can be used over
 *    TLS), a client presenting a certificate that does not verify fails
 *    the handshake.
 *  - A listener on an address that is not loopback (127.0.0.0/8, ::1,
 *    localhost) needs token_file or client_ca; otherwise admin_new fails.
 *  - With a credential configured, every route except ADMIN_OPEN needs
 *    one: 401 with "WWW-Authenticate: Bearer" when none was sent, 403 when
 *    the token is wrong (a wrong token is refused even next to a valid
 *    client certificate).
 *  - ADMIN_CHANGES routes always need a credential: without one
 *    configured they answer 403. They take POST with a JSON body
 *    (Content-Type application/json, else 415), the others GET and HEAD
 *    only (405 otherwise).
 *  - Limits: 8 KiB of headers, 64 KiB of body (413), 10 s timeout.
 * The token is never logged and is not kept in memory: only its SHA-256. */
#ifndef LL_ADMIN_H
#define LL_ADMIN_H

#include <event2/event.h>
#include <event2/http.h>
#include <stdbool.h>

#include "config.h"
#include "llerr.h"

struct admin;

enum admin_route_flags {
	ADMIN_OPEN = 1,	    /* no credential ever (liveness probes: /healthz) */
	ADMIN_CHANGES = 2,  /* state-changing: POST only, credential always needed */
};

/* Creates the listener on base and binds cfg->admin_listen. Fails (with
 * the config key, address or file in err) on a bind error, an unreadable,
 * empty or group/other-accessible token file, unusable TLS material,
 * client_ca without tls_cert/tls_key, or a non-loopback bind without a
 * credential. cfg must outlive the result. */
struct admin *admin_new(struct event_base *base, const struct cfg *cfg, struct ll_err *err);
/* Routes path to cb; flags are enum admin_route_flags. False when the
 * route table is full or the path is already routed. */
bool admin_route(struct admin *a, const char *path, int flags,
		 void (*cb)(struct evhttp_request *, void *), void *arg);
/* Who made the request being handled, for the audit log:
 * "admin-api:token", "admin-api:cert:<subject CN>" or
 * "admin-api:anonymous" (no credential configured). Valid only while a
 * route callback runs (the listener is single-threaded); NULL otherwise. */
const char *admin_actor(const struct admin *a);
/* The configuration the listener was made with (borrowed). */
const struct cfg *admin_cfg(const struct admin *a);
/* One logfmt line on stderr ("ts=... level=... msg=..."), as the daemon
 * writes them. Never pass a credential. */
/* The client's address, or "" when unknown (for logs and audit rows). */
const char *admin_peer(struct evhttp_request *req);
void admin_logf(const char *level, const char *fmt, ...) LL_PRINTF(2, 3);
/* NULL is a no-op. */
void admin_free(struct admin *a);

#endif
