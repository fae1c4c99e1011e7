/* admin.h - the admin HTTP listener of `lastleaf serve` (/healthz,
 * /metrics, reports, and the state-changing API). It owns the listening
 * sockets, their limits, and who may call what: loopback by default; a
 * non-loopback bind needs a bearer token file or mutual TLS; state-changing
 * routes need a credential whenever one is configured. Handlers are
 * registered by the daemon and only run once the request has passed. */
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
	ADMIN_CHANGES = 2,  /* state-changing: POST allowed, credential needed */
};

/* Creates the listener on base and binds cfg->admin_listen. Fails (with
 * the address or file in err) on a bind error, an unreadable token file
 * or TLS material, or a non-loopback bind without a credential. */
struct admin *admin_new(struct event_base *base, const struct cfg *cfg, struct ll_err *err);
/* Routes path to cb; flags are enum admin_route_flags. */
bool admin_route(struct admin *a, const char *path, int flags,
		 void (*cb)(struct evhttp_request *, void *), void *arg);
void admin_free(struct admin *a);

#endif
