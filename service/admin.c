/* admin.c - see admin.h. */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_MAX_ROUTES 32

struct admin_route_ent {
	struct admin *a;
	int flags;
	void (*cb)(struct evhttp_request *, void *);
	void *arg;
};

struct admin {
	const struct cfg *cfg;
	struct evhttp *http;
	struct admin_route_ent routes[ADMIN_MAX_ROUTES];
	size_t nroutes;
};

static bool split_hostport(const char *in, char *host, size_t hl, int *port)
{
	const char *colon = strrchr(in, ':');

	if (!colon)
		return false;
	if (in[0] == '[')
		snprintf(host, hl, "%.*s", (int)(colon - in - 2), in + 1);
	else
		snprintf(host, hl, "%.*s", (int)(colon - in), in);
	*port = atoi(colon + 1);
	return true;
}

/* The gate every request passes before its handler. */
static bool admin_allowed(struct admin_route_ent *r, struct evhttp_request *req)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);

	if (!(r->flags & ADMIN_CHANGES) && m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "Method Not Allowed");
		return false;
	}
	return true;
}

static void admin_dispatch(struct evhttp_request *req, void *arg)
{
	struct admin_route_ent *r = arg;

	if (admin_allowed(r, req))
		r->cb(req, r->arg);
}

struct admin *admin_new(struct event_base *base, const struct cfg *cfg, struct ll_err *err)
{
	struct admin *a = calloc(1, sizeof(*a));
	size_t i;

	if (!a || !(a->http = evhttp_new(base))) {
		ll_err_set(err, "cannot create the admin listener");
		goto fail;
	}
	a->cfg = cfg;
	evhttp_set_timeout(a->http, 10);
	evhttp_set_max_headers_size(a->http, 8192);
	evhttp_set_max_body_size(a->http, 65536);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	for (i = 0; i < cfg->admin_listen.n; i++) {
		char host[256];
		int port;

		if (!split_hostport(cfg->admin_listen.addrs[i], host, sizeof(host), &port) ||
		    !evhttp_bind_socket_with_handle(a->http, host, (ev_uint16_t)port)) {
			ll_err_set(err, "cannot listen on admin address %s (admin.listen)",
				   cfg->admin_listen.addrs[i]);
			goto fail;
		}
	}
	return a;
fail:
	admin_free(a);
	return NULL;
}

bool admin_route(struct admin *a, const char *path, int flags,
		 void (*cb)(struct evhttp_request *, void *), void *arg)
{
	struct admin_route_ent *r;

	if (a->nroutes == ADMIN_MAX_ROUTES)
		return false;
	r = &a->routes[a->nroutes++];
	*r = (struct admin_route_ent){.a = a, .flags = flags, .cb = cb, .arg = arg};
	return evhttp_set_cb(a->http, path, admin_dispatch, r) == 0;
}

void admin_free(struct admin *a)
{
	if (!a)
		return;
	if (a->http)
		evhttp_free(a->http);
	free(a);
}
