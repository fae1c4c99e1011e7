/* ocsp_http.c - the OCSP responder's HTTP front end (see ocsp_http.h).
 *
 * Threads: one worker per core, each with its own event_base, evhttp and
 * one SO_REUSEPORT listening socket per configured address, so the kernel
 * spreads connections and workers share nothing on the hot path but the
 * table's per-shard read locks. Handlers are synchronous: a pre-signed
 * answer is a table lookup plus a reference to the blob's bytes (no copy;
 * the reference is released when the socket write drains it), a live
 * answer calls the hook on the worker thread.
 *
 * Connections: libevent 2.1 has no connection cap and no accept hook, so
 * each new connection is seen through evhttp's bufferevent callback (which
 * runs inside evhttp's accept path): it counts the connection against the
 * cap and queues the bufferevent; an active event, which runs before the
 * loop polls again, picks up the evhttp_connection from the bufferevent's
 * callback argument, installs a close callback (which uncounts it) or,
 * over the cap, writes a canned 503 and frees it. An extra reference on
 * the bufferevent covers the window in between, so a connection evhttp
 * drops there is noticed (its callbacks are gone) rather than touched.
 * Every connection also gets a deadline for its next complete request,
 * which defeats a slow-drip client that keeps the idle timeout alive. */
#include "ocsp_http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"
#include "ocsp_http_util.h"

#define HTTP_DEFAULT_ENTRIES 16
#define HTTP_DEFAULT_BODY 10240
#define HTTP_DEFAULT_HEADERS 8192
#define HTTP_DEFAULT_URI 4096
#define HTTP_DEFAULT_TIMEOUT 10
#define HTTP_LIVE_LIMIT (1u << 20)   /* a live response bigger than this is a hook bug */
#define HTTP_SLASH_RETRIES 8	     /* '//' repairs tried per GET (E18) */
#define HTTP_CRL_CACHE 64
#define HTTP_DRAIN_MS 20

struct http_worker;

/* One accepted connection, from adoption to evhttp's close callback. */
struct http_conn {
	struct http_worker *w;
	struct evhttp_connection *evcon;
	struct http_conn *prev, *next;
	int64_t deadline_ms;   /* the next request must be complete by then */
};

struct http_pending {
	struct bufferevent *bev;
	bool reject;
};

struct http_worker {
	struct ocsp_http *h;
	pthread_t thread;
	bool running;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket **bound;   /* one per listen address */
	struct event *adopt_ev, *sweep_ev, *stop_ev, *drain_ev;
	int stop_fd;			       /* eventfd: ocsp_http_stop() -> worker */

	struct http_pending *pending;
	size_t npending, pending_cap;

	struct http_conn *conns;	       /* list of adopted connections */
	size_t nconn;
	struct http_conn **map;		       /* evcon -> conn, open addressing */
	size_t map_cap, map_n;

	bool stopping;
	int64_t grace_end_ms;

	/* per-request scratch, reused: nothing is allocated per request */
	uint8_t *getbuf;
	size_t getcap;
	struct ocsp_certid *ids;
	struct ll_buf live_out;
	ll_time date_sec;
	char date[OCSP_HTTP_DATE_LEN];

	/* counted by this thread only; summed by ocsp_http_metrics() */
	struct ocsp_http_metrics m;
};

struct http_crl_entry {
	char name[256];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char etag[67];
};

struct ocsp_http {
	char **listen;
	size_t nlisten;
	char *prefix;		  /* without a trailing '/': "" for "/" */
	size_t prefix_len;
	size_t max_entries, max_body, max_headers, max_uri;
	int timeout_secs, max_connections, nthreads;
	bool nonce_echo, unknown_signed;
	int crl_dirfd;		  /* -1 = CRLs off */

	struct ocsp_table *table;
	ocsp_live_fn live;
	void *live_arg;

	struct http_worker *workers;
	int *ports;
	atomic_int nconn;
	atomic_int grace_secs;
	bool started, stopped;
	struct ocsp_http_metrics *agg;   /* what ocsp_http_metrics() returns */

	/* CRL ETags by (name, inode, size, mtime): hashing a large CRL once
	 * per version, not per request */
	pthread_mutex_t crl_lock;
	struct http_crl_entry crl[HTTP_CRL_CACHE];
	size_t crl_n, crl_next;
	EVP_MD *sha256;
};

static const char http_503[] =
	"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n"
	"Cache-Control: no-cache\r\n\r\n";

/* ---- small helpers ---------------------------------------------------- */

static int64_t http_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t http_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline void http_count(atomic_ullong *c)
{
	/* relaxed: the counter lives on this worker's own cache lines */
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static const char *http_date_now(struct http_worker *w, ll_time now)
{
	if (now != w->date_sec) {
		ocsp_http_fmt_date(now, w->date);
		w->date_sec = now;
	}
	return w->date;
}

/* ---- connection map (evcon -> conn) ------------------------------------ */

static size_t http_map_slot(const struct http_worker *w, const void *key)
{
	uintptr_t k = (uintptr_t)key;

	return (size_t)(((uint64_t)(k >> 4) * 0x9e3779b97f4a7c15ULL) >> 20) & (w->map_cap - 1);
}

static struct http_conn *http_map_get(const struct http_worker *w, const void *evcon)
{
	size_t i;

	if (!w->map_cap)
		return NULL;
	for (i = http_map_slot(w, evcon); w->map[i]; i = (i + 1) & (w->map_cap - 1))
		if (w->map[i]->evcon == evcon)
			return w->map[i];
	return NULL;
}

static void http_map_put_nogrow(struct http_worker *w, struct http_conn *c)
{
	size_t i = http_map_slot(w, c->evcon);

	while (w->map[i])
		i = (i + 1) & (w->map_cap - 1);
	w->map[i] = c;
	w->map_n++;
}

static bool http_map_put(struct http_worker *w, struct http_conn *c)
{
	if ((w->map_n + 1) * 2 > w->map_cap) {
		size_t ncap = w->map_cap ? w->map_cap * 2 : 64, i, ocap = w->map_cap;
		struct http_conn **old = w->map, **nm = calloc(ncap, sizeof(*nm));

		if (!nm)
			return false;
		w->map = nm;
		w->map_cap = ncap;
		w->map_n = 0;
		for (i = 0; i < ocap; i++)
			if (old[i])
				http_map_put_nogrow(w, old[i]);
		free(old);
	}
	http_map_put_nogrow(w, c);
	return true;
}

static void http_map_del(struct http_worker *w, const struct http_conn *c)
{
	size_t mask = w->map_cap - 1, i, j;

	if (!w->map_cap)
		return;
	for (i = http_map_slot(w, c->evcon); w->map[i] != c; i = (i + 1) & mask)
		if (!w->map[i])
			return;
	/* backward shift, as in ocsp_table.c */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!w->map[j])
			break;
		home = http_map_slot(w, w->map[j]->evcon);
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		w->map[i] = w->map[j];
		i = j;
	}
	w->map[i] = NULL;
	w->map_n--;
}

/* ---- connection accounting ------------------------------------------- */

static void http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn *c = arg;
	struct http_worker *w = c->w;

	http_map_del(w, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconn--;
	atomic_fetch_sub(&w->h->nconn, 1);
	free(c);
	if (w->stopping && w->nconn == 0 && w->npending == 0)
		event_base_loopbreak(w->base);
}

/* evhttp's bufferevent callback: runs for every accepted connection,
 * before evhttp has wrapped it. See the banner for why. */
static struct bufferevent *http_bevcb(struct event_base *base, void *arg)
{
	struct http_worker *w = arg;
	struct ocsp_http *h = w->h;
	struct bufferevent *bev;
	int n;

	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		return NULL;
	if (w->npending == w->pending_cap) {
		size_t ncap = w->pending_cap ? w->pending_cap * 2 : 64;
		struct http_pending *np = realloc(w->pending, ncap * sizeof(*np));

		if (!np) {
			/* Untracked, so it must not count either: let evhttp
			 * serve it as it would without us. */
			return bev;
		}
		w->pending = np;
		w->pending_cap = ncap;
	}
	n = atomic_fetch_add(&h->nconn, 1) + 1;
	bufferevent_incref(bev);
	w->pending[w->npending].bev = bev;
	w->pending[w->npending].reject = n > h->max_connections;
	w->npending++;
	event_active(w->adopt_ev, EV_TIMEOUT, 0);
	return bev;
}

static void http_adopt_cb(evutil_socket_t fd_unused, short what, void *arg)
{
	struct http_worker *w = arg;
	int64_t now = http_mono_ms();
	size_t i;

	for (i = 0; i < w->npending; i++) {
		struct bufferevent *bev = w->pending[i].bev;
		bufferevent_event_cb eventcb = NULL;
		void *cbarg = NULL;
		struct evhttp_connection *evcon;
		struct http_conn *c;
		evutil_socket_t fd;
		int one = 1;

		bufferevent_getcb(bev, NULL, NULL, &eventcb, &cbarg);
		fd = bufferevent_getfd(bev);
		if (!eventcb || !cbarg || fd < 0) {
			/* evhttp gave up on it already (out of memory) */
			atomic_fetch_sub(&w->h->nconn, 1);
			bufferevent_decref(bev);
			continue;
		}
		evcon = cbarg;
		c = w->pending[i].reject ? NULL : calloc(1, sizeof(*c));
		if (c) {
			c->w = w;
			c->evcon = evcon;
			if (!http_map_put(w, c)) {
				free(c);
				c = NULL;
			}
		}
		if (!c) {
			/* Over the cap (or out of memory): a best-effort 503 on
			 * a socket whose send buffer is empty, then close. */
			ssize_t r;

			/* counted before the client can see the answer */
			http_count(&w->m.connections_rejected);
			r = send(fd, http_503, sizeof(http_503) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			(void)r;
			atomic_fetch_sub(&w->h->nconn, 1);
			bufferevent_decref(bev);
			evhttp_connection_free(evcon);
			continue;
		}
		c->deadline_ms = now + (int64_t)w->h->timeout_secs * 1000;
		c->next = w->conns;
		if (w->conns)
			w->conns->prev = c;
		w->conns = c;
		w->nconn++;
		evhttp_connection_set_closecb(evcon, http_conn_closed, c);
		/* one write per response already; no Nagle delay on top */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		bufferevent_decref(bev);
	}
	w->npending = 0;
}

/* True when nothing is buffered either way and nothing waits in the
 * kernel: closing it loses no request. */
static bool http_conn_idle(const struct http_conn *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	int pending = 0;
	evutil_socket_t fd;

	if (!bev)
		return true;
	if (evbuffer_get_length(bufferevent_get_input(bev)) ||
	    evbuffer_get_length(bufferevent_get_output(bev)))
		return false;
	fd = bufferevent_getfd(bev);
	if (fd >= 0 && ioctl(fd, FIONREAD, &pending) == 0 && pending > 0)
		return false;
	return true;
}

/* Once a second: close connections whose next request is overdue. A
 * connection still writing a response is not overdue: its deadline moves
 * on (evhttp's write timeout covers a reader that stopped reading). */
static void http_sweep_cb(evutil_socket_t fd_unused, short what, void *arg)
{
	struct http_worker *w = arg;
	int64_t now = http_mono_ms();
	struct http_conn *c = w->conns, *next;

	for (; c; c = next) {
		struct bufferevent *bev;

		next = c->next;
		if (now < c->deadline_ms)
			continue;
		bev = evhttp_connection_get_bufferevent(c->evcon);
		if (bev && evbuffer_get_length(bufferevent_get_output(bev))) {
			c->deadline_ms = now + (int64_t)w->h->timeout_secs * 1000;
			continue;
		}
		evhttp_connection_free(c->evcon); /* -> http_conn_closed(c) */
	}
}

/* ---- stop ------------------------------------------------------------- */

static void http_drain_cb(evutil_socket_t fd_unused, short what, void *arg)
{
	struct http_worker *w = arg;
	struct http_conn *c, *next;
	struct timeval tv = {0, HTTP_DRAIN_MS * 1000};

	for (c = w->conns; c; c = next) {
		next = c->next;
		if (http_conn_idle(c))
			evhttp_connection_free(c->evcon);
	}
	if ((w->nconn == 0 && w->npending == 0) || http_mono_ms() >= w->grace_end_ms) {
		event_base_loopbreak(w->base);
		return;
	}
	evtimer_add(w->drain_ev, &tv);
}

static void http_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_worker *w = arg;
	uint64_t v;
	size_t i;

	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;
	if (w->stopping)
		return;
	w->stopping = true;
	/* Stop accepting first: this closes the listening sockets. */
	for (i = 0; i < w->h->nlisten; i++) {
		if (w->bound[i])
			evhttp_del_accept_socket(w->http, w->bound[i]);
		w->bound[i] = NULL;
	}
	w->grace_end_ms = http_mono_ms() + (int64_t)atomic_load(&w->h->grace_secs) * 1000;
	http_drain_cb(-1, 0, w);
}

/* ---- responses -------------------------------------------------------- */

/* evhttp_send_reply, then the write at once instead of on the next loop
 * pass: a keep-alive answer then costs one writev and no epoll_ctl (the
 * write interest evhttp adds and the one it drops after the write cancel
 * out in the change list), which is what lets the responder keep up with
 * nginx. Only a complete write is finished early, by running the
 * bufferevent's write callback as libevent would (evhttp then frees req,
 * and the connection too when it is to be closed: callers do not touch
 * either afterwards). A partial or failed write is left to the loop. */
static void http_reply(struct evhttp_request *req, int code, const char *reason)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	struct evbuffer *out;

	evhttp_send_reply(req, code, reason, NULL);
	if (!bev)
		return;
	out = bufferevent_get_output(bev);
	if (evbuffer_get_length(out) == 0 || bufferevent_getfd(bev) < 0)
		return;
	if (evbuffer_write(out, bufferevent_getfd(bev)) > 0 && evbuffer_get_length(out) == 0)
		bufferevent_trigger(bev, EV_WRITE, 0);
}

static void http_add(struct evkeyvalq *hd, const char *k, const char *v)
{
	/* evhttp_add_header fails only on CR/LF in v (never ours) or OOM;
	 * a missing header is then the best that can be done. */
	(void)evhttp_add_header(hd, k, v);
}

static void http_common_headers(struct http_worker *w, struct evhttp_request *req, ll_time now)
{
	struct evkeyvalq *hd = evhttp_request_get_output_headers(req);

	http_add(hd, "Date", http_date_now(w, now));
	if (w->stopping)
		http_add(hd, "Connection", "close");
}

static void http_head_length(struct evhttp_request *req, size_t len)
{
	char n[32];

	/* evhttp leaves HEAD answers without a length; say what GET sends */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof(n), "%zu", len);
		http_add(evhttp_request_get_output_headers(req), "Content-Length", n);
	}
}

static void http_send_text(struct http_worker *w, struct evhttp_request *req, int code,
			   const char *reason, ll_time now)
{
	struct evkeyvalq *hd = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	char body[64];
	int n;

	http_count(&w->m.http_errors);
	http_common_headers(w, req, now);
	http_add(hd, "Content-Type", "text/plain");
	http_add(hd, "Cache-Control", "max-age=0, no-cache");
	if (code == 405)
		http_add(hd, "Allow", "GET, HEAD, POST");
	n = snprintf(body, sizeof(body), "%d %s\n", code, reason);
	http_head_length(req, (size_t)n);
	evbuffer_add(out, body, (size_t)n);
	http_reply(req, code, reason);
}

/* The five-byte error responses, indexed by status (0 and 4 unused). */
static const uint8_t http_err_der[7][5] = {
	{0x30, 0x03, 0x0a, 0x01, 0x00}, {0x30, 0x03, 0x0a, 0x01, 0x01},
	{0x30, 0x03, 0x0a, 0x01, 0x02}, {0x30, 0x03, 0x0a, 0x01, 0x03},
	{0x30, 0x03, 0x0a, 0x01, 0x04}, {0x30, 0x03, 0x0a, 0x01, 0x05},
	{0x30, 0x03, 0x0a, 0x01, 0x06},
};

/* An unsigned OCSP error (B17), HTTP 200 as RFC 6960 A.1 clients expect,
 * never cacheable (B19). */
static void http_send_status(struct http_worker *w, struct evhttp_request *req,
			     enum ocsp_resp_status st, ll_time now)
{
	struct evkeyvalq *hd = evhttp_request_get_output_headers(req);
	uint8_t der[5];
	size_t len;

	len = ocsp_error_response(st, der);
	switch (der[4]) {
	case OCSP_MALFORMED_REQUEST:
		http_count(&w->m.malformed);
		break;
	case OCSP_TRY_LATER:
		http_count(&w->m.try_later);
		break;
	case OCSP_UNAUTHORIZED:
		http_count(&w->m.unauthorized);
		break;
	default:
		http_count(&w->m.internal);
		break;
	}
	http_common_headers(w, req, now);
	http_add(hd, "Content-Type", "application/ocsp-response");
	http_add(hd, "Cache-Control", "max-age=0, no-cache");
	http_head_length(req, len);
	/* static bytes: referenced, not copied */
	evbuffer_add_reference(evhttp_request_get_output_buffer(req), http_err_der[der[4]], len,
			       NULL, NULL);
	http_reply(req, 200, "OK");
}

static void http_blob_cleanup(const void *data, size_t len, void *arg)
{
	ocsp_blob_release(arg);
}

/* RFC 9110 13.1.2/13.1.3: If-None-Match wins over If-Modified-Since. */
static bool http_not_modified(struct evhttp_request *req, const char *etag, ll_time modified)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *inm = evhttp_find_header(in, "If-None-Match"), *ims;
	ll_time t;

	if (inm)
		return ocsp_http_etag_match(inm, etag);
	ims = evhttp_find_header(in, "If-Modified-Since");
	return ims && ocsp_http_parse_date(ims, &t) && modified <= t;
}

/* A pre-signed response with the B19 caching headers. Takes over the
 * reference on b. */
static void http_send_blob(struct http_worker *w, struct evhttp_request *req,
			   struct ocsp_blob *b, ll_time now)
{
	struct evkeyvalq *hd = evhttp_request_get_output_headers(req);
	char cc[96], lm[OCSP_HTTP_DATE_LEN], ex[OCSP_HTTP_DATE_LEN], etag[OCSP_ETAG_LEN];
	long long age = b->next_update - now;

	/* now + max-age never passes nextUpdate (B19) */
	if (age < 0)
		age = 0;
	snprintf(cc, sizeof(cc), "max-age=%lld, public, no-transform, must-revalidate", age);
	ocsp_http_fmt_date(b->this_update, lm);
	ocsp_http_fmt_date(b->next_update, ex);
	http_common_headers(w, req, now);
	http_add(hd, "Content-Type", "application/ocsp-response");
	http_add(hd, "Cache-Control", cc);
	http_add(hd, "Last-Modified", lm);
	http_add(hd, "Expires", ex);
	ocsp_blob_etag(b, etag);
	http_add(hd, "ETag", etag);
	if (http_not_modified(req, etag, b->this_update)) {
		http_count(&w->m.not_modified);
		ocsp_blob_release(b);
		http_reply(req, 304, "Not Modified");
		return;
	}
	http_count(&w->m.ok);
	http_head_length(req, b->len);
	if (evbuffer_add_reference(evhttp_request_get_output_buffer(req), b->der, b->len,
				   http_blob_cleanup, b) != 0) {
		ocsp_blob_release(b);
		http_reply(req, 500, "Internal Server Error");
		return;
	}
	http_reply(req, 200, "OK");
}

static void http_send_live(struct http_worker *w, struct evhttp_request *req, ll_time now)
{
	struct evkeyvalq *hd = evhttp_request_get_output_headers(req);

	http_count(&w->m.live_signed);
	http_common_headers(w, req, now);
	http_add(hd, "Content-Type", "application/ocsp-response");
	/* Signed for this request (a nonce, or several CertIDs): no cache
	 * may keep it or hand it to anyone else (B20). */
	http_add(hd, "Cache-Control", "max-age=0, no-cache, no-store");
	http_head_length(req, w->live_out.len);
	evbuffer_add(evhttp_request_get_output_buffer(req), w->live_out.data, w->live_out.len);
	http_reply(req, 200, "OK");
}

/* ---- the OCSP decision ------------------------------------------------ */

static void http_live(struct http_worker *w, struct evhttp_request *req, int64_t iid,
		      const struct ocsp_request *rq, bool unknown, ll_time now)
{
	struct ocsp_http *h = w->h;
	enum ocsp_resp_status st;

	ll_buf_reset(&w->live_out);
	st = h->live(h->live_arg, iid, rq, unknown, &w->live_out);
	if (st == OCSP_SUCCESSFUL && w->live_out.len == 0)
		st = OCSP_INTERNAL_ERROR;
	if (st != OCSP_SUCCESSFUL) {
		http_send_status(w, req, st, now);
		return;
	}
	http_send_live(w, req, now);
}

/* Answers a parsed request (B14, B16, B17, B20, E19, E20). */
static void http_answer(struct http_worker *w, struct evhttp_request *req,
			const struct ocsp_request *rq, ll_time now)
{
	struct ocsp_http *h = w->h;
	bool live_nonce = rq->has_nonce && h->nonce_echo && h->live;
	bool unknown = false;
	struct ocsp_blob *b;
	int64_t iid;
	size_t i;

	/* One issuer for every CertID, and one we serve: one signature
	 * cannot cover two issuers, and a partial answer is never given
	 * (B16, E19). Both are "not authorized to answer this" (B17). */
	iid = ocsp_table_issuer(h->table, &rq->ids[0]);
	if (iid < 0)
		goto unauthorized;
	for (i = 1; i < rq->n; i++)
		if (ocsp_table_issuer(h->table, &rq->ids[i]) != iid)
			goto unauthorized;

	if (rq->n == 1 && !live_nonce) {
		/* The RFC 5019 case: stored bytes, nonce ignored (B20). */
		b = ocsp_table_get(h->table, &rq->ids[0]);
		if (b) {
			if (now >= b->next_update) {
				/* never past nextUpdate (B17) */
				ocsp_blob_release(b);
				http_send_status(w, req, OCSP_TRY_LATER, now);
				return;
			}
			http_send_blob(w, req, b, now);
			return;
		}
		if (h->unknown_signed && h->live) {
			http_live(w, req, iid, rq, true, now);
			return;
		}
		goto unauthorized; /* never good for what we do not hold (B14) */
	}

	/* Several CertIDs, or a nonce to echo: signed live. A serial the
	 * table does not hold is unauthorized unless unknowns are signed. */
	if (!h->live)
		goto unauthorized;
	for (i = 0; i < rq->n; i++) {
		b = ocsp_table_get(h->table, &rq->ids[i]);
		if (!b)
			unknown = true;
		ocsp_blob_release(b);
	}
	if (unknown && !h->unknown_signed)
		goto unauthorized;
	http_live(w, req, iid, rq, unknown, now);
	return;
unauthorized:
	http_send_status(w, req, OCSP_UNAUTHORIZED, now);
}

static enum ocsp_resp_status http_parse(struct http_worker *w, const uint8_t *der, size_t len,
					struct ocsp_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->ids = w->ids;
	rq->cap = w->h->max_entries;
	/* err left NULL: the reason is not logged (no request contents in
	 * logs) and formatting it would cost on a path attackers drive */
	return ocsp_request_parse(der, len, rq, NULL);
}

static void http_ocsp_get(struct http_worker *w, struct evhttp_request *req, const char *data,
			  size_t len, ll_time now)
{
	struct ocsp_request rq;
	size_t n, nslash = 0;
	long k;

	if (ocsp_http_get_decode(data, len, -1, w->getbuf, w->getcap, &n, &nslash) &&
	    http_parse(w, w->getbuf, n, &rq) == OCSP_SUCCESSFUL) {
		http_answer(w, req, &rq, now);
		return;
	}
	/* A proxy may have collapsed a '//' in the base64 (E18): put each
	 * '/' back in turn until the DER parses. DER leaves no slack, so a
	 * wrong guess does not parse; the tries are bounded. */
	for (k = 0; k < (long)nslash && k < HTTP_SLASH_RETRIES; k++) {
		if (ocsp_http_get_decode(data, len, k, w->getbuf, w->getcap, &n, NULL) &&
		    http_parse(w, w->getbuf, n, &rq) == OCSP_SUCCESSFUL) {
			http_count(&w->m.get_slash_repaired);
			http_answer(w, req, &rq, now);
			return;
		}
	}
	http_send_status(w, req, OCSP_MALFORMED_REQUEST, now);
}

static void http_ocsp_post(struct http_worker *w, struct evhttp_request *req, ll_time now)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t len = evbuffer_get_length(in);
	struct ocsp_request rq;
	enum ocsp_resp_status st;
	const uint8_t *der;

	/* B18 says clients MUST send this type; some send none or another.
	 * The body decides (it is DER or it is malformed): answer, count. */
	if (!ct || strncasecmp(ct, "application/ocsp-request", 24) != 0 ||
	    (ct[24] != '\0' && ct[24] != ';' && ct[24] != ' '))
		http_count(&w->m.post_bad_content_type);
	der = len ? evbuffer_pullup(in, -1) : NULL;
	if (len && !der) {
		http_send_status(w, req, OCSP_INTERNAL_ERROR, now);
		return;
	}
	st = http_parse(w, der, len, &rq);
	if (st != OCSP_SUCCESSFUL) {
		http_send_status(w, req, st, now);
		return;
	}
	http_answer(w, req, &rq, now);
}

/* ---- CRLs ------------------------------------------------------------- */

static bool http_crl_name_ok(const char *name, size_t len)
{
	size_t i;

	/* [A-Za-z0-9._-]+ ending in ".crl", no "..", no leading '.' */
	if (len < 5 || len > 255 || name[0] == '.' || memcmp(name + len - 4, ".crl", 4) != 0)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
		if (c == '.' && i + 1 < len && name[i + 1] == '.')
			return false;
	}
	return true;
}

/* The ETag of the open file fd (name, st): from the cache, or hashed now
 * from this fd, so the tag always describes the bytes that are sent. */
static bool http_crl_etag(struct ocsp_http *h, const char *name, int fd, const struct stat *st,
			  char etag[67])
{
	struct http_crl_entry *e;
	unsigned char md[32], buf[65536];
	EVP_MD_CTX *ctx = NULL;
	bool ok = false;
	off_t off = 0;
	size_t i;

	pthread_mutex_lock(&h->crl_lock);
	for (i = 0; i < h->crl_n; i++) {
		e = &h->crl[i];
		if (e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
		    e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
		    strcmp(e->name, name) == 0) {
			memcpy(etag, e->etag, 67);
			pthread_mutex_unlock(&h->crl_lock);
			return true;
		}
	}
	pthread_mutex_unlock(&h->crl_lock);

	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, h->sha256, NULL))
		goto out;
	while (off < st->st_size) {
		ssize_t r = pread(fd, buf, sizeof(buf), off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)r))
			goto out;
		off += r;
	}
	if (!EVP_DigestFinal_ex(ctx, md, NULL))
		goto out;
	etag[0] = '"';
	ll_hex_encode(md, 32, etag + 1);
	etag[65] = '"';
	etag[66] = '\0';

	pthread_mutex_lock(&h->crl_lock);
	/* replace this name's old version, else the next slot round-robin */
	for (i = 0; i < h->crl_n; i++)
		if (strcmp(h->crl[i].name, name) == 0)
			break;
	if (i == h->crl_n) {
		if (h->crl_n < HTTP_CRL_CACHE) {
			i = h->crl_n++;
		} else {
			i = h->crl_next;
			h->crl_next = (h->crl_next + 1) % HTTP_CRL_CACHE;
		}
	}
	e = &h->crl[i];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	memcpy(e->etag, etag, 67);
	pthread_mutex_unlock(&h->crl_lock);
	ok = true;
out:
	EVP_MD_CTX_free(ctx);
	return ok;
}

static void http_crl(struct http_worker *w, struct evhttp_request *req, const char *name,
		     size_t len, ll_time now)
{
	struct ocsp_http *h = w->h;
	struct evkeyvalq *hd = evhttp_request_get_output_headers(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char fname[256], etag[67], lm[OCSP_HTTP_DATE_LEN];
	struct stat st;
	int fd = -1;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		http_send_text(w, req, 405, "Method Not Allowed", now);
		return;
	}
	/* The name is the whole last segment, checked before it touches
	 * the file system: no '/', no "..", no escapes (path traversal). */
	if (!http_crl_name_ok(name, len)) {
		http_send_text(w, req, 404, "Not Found", now);
		return;
	}
	memcpy(fname, name, len);
	fname[len] = '\0';
	fd = openat(h->crl_dirfd, fname, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    !http_crl_etag(h, fname, fd, &st, etag)) {
		if (fd >= 0)
			close(fd);
		http_send_text(w, req, 404, "Not Found", now);
		return;
	}
	ocsp_http_fmt_date(st.st_mtim.tv_sec, lm);
	http_common_headers(w, req, now);
	http_add(hd, "Content-Type", "application/pkix-crl");
	/* cacheable by anyone, but revalidated (cheaply: ETag) on each use,
	 * so a new CRL is picked up at once */
	http_add(hd, "Cache-Control", "public, no-cache");
	http_add(hd, "Last-Modified", lm);
	http_add(hd, "ETag", etag);
	if (http_not_modified(req, etag, st.st_mtim.tv_sec)) {
		close(fd);
		http_count(&w->m.not_modified);
		http_reply(req, 304, "Not Modified");
		return;
	}
	http_count(&w->m.crl_served);
	if (cmd == EVHTTP_REQ_HEAD || st.st_size == 0) {
		http_head_length(req, (size_t)st.st_size);
		close(fd);
		http_reply(req, 200, "OK");
		return;
	}
	/* sendfile from the fd we hashed; the evbuffer owns and closes it */
	if (evbuffer_add_file(evhttp_request_get_output_buffer(req), fd, 0, st.st_size) != 0) {
		close(fd);
		http_reply(req, 500, "Internal Server Error");
		return;
	}
	http_reply(req, 200, "OK");
}

/* ---- dispatch --------------------------------------------------------- */

static void http_latency(struct http_worker *w, int64_t t0)
{
	static const int64_t bounds[7] = {100, 250, 500, 1000, 2500, 5000, 10000};
	int64_t us = http_mono_us() - t0;
	size_t i = 0;

	while (i < 7 && us >= bounds[i])
		i++;
	http_count(&w->m.latency_bucket[i]);
	atomic_fetch_add_explicit(&w->m.latency_sum_us, (unsigned long long)us,
				  memory_order_relaxed);
}

static void http_handle(struct evhttp_request *req, void *arg)
{
	struct http_worker *w = arg;
	struct ocsp_http *h = w->h;
	int64_t t0 = http_mono_us();
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *uri = evhttp_request_get_uri(req), *path, *end, *rest;
	ll_time now = ll_now();
	struct http_conn *c;
	size_t ulen, plen;

	c = http_map_get(w, evhttp_request_get_connection(req));
	if (c)
		c->deadline_ms = t0 / 1000 + (int64_t)h->timeout_secs * 1000;
	ulen = strlen(uri);
	if (ulen > h->max_uri) {
		http_send_text(w, req, 414, "URI Too Long", now);
		goto done;
	}
	/* absolute-form (a proxy's "GET http://host/path"): the path only */
	path = uri;
	if (strncasecmp(path, "http://", 7) == 0 || strncasecmp(path, "https://", 8) == 0) {
		path = strchr(strstr(path, "://") + 3, '/');
		if (!path)
			path = "/";
	}
	end = path + strcspn(path, "?#");
	plen = (size_t)(end - path);

	/* CRLs first: base64 has no '.', so "/crl/NAME.crl" can never be an
	 * OCSP GET even under the prefix "/". */
	if (h->crl_dirfd >= 0 && plen > 5 && memcmp(path, "/crl/", 5) == 0) {
		http_crl(w, req, path + 5, plen - 5, now);
		goto done;
	}
	if (plen < h->prefix_len || memcmp(path, h->prefix, h->prefix_len) != 0 ||
	    (plen > h->prefix_len && path[h->prefix_len] != '/')) {
		http_send_text(w, req, 404, "Not Found", now);
		goto done;
	}
	rest = path + h->prefix_len;
	if (*rest == '/')
		rest++;
	switch (cmd) {
	case EVHTTP_REQ_POST:
		/* the body is the request, wherever under the prefix it went */
		http_ocsp_post(w, req, now);
		break;
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD:
		http_ocsp_get(w, req, rest, (size_t)(end - rest), now);
		break;
	default:
		http_send_text(w, req, 405, "Method Not Allowed", now);
		break;
	}
done:
	http_latency(w, t0);
}

/* ---- sockets ---------------------------------------------------------- */

/* "host:port", "[v6]:port", "*:port" or ":port". */
static bool http_resolve(const char *spec, struct sockaddr_storage *ss, socklen_t *sl,
			 struct ll_err *err)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints, *ai = NULL;
	size_t hl, pn, i;
	unsigned long pv;
	int rc;

	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':')
			return ll_err_set(err, "listen \"%s\": expected [address]:port", spec);
		hl = (size_t)(rb - spec - 1);
		colon = rb + 1;
		if (hl >= sizeof(host))
			return ll_err_set(err, "listen \"%s\": address too long", spec);
		memcpy(host, spec + 1, hl);
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return ll_err_set(err, "listen \"%s\": expected host:port", spec);
		hl = (size_t)(colon - spec);
		if (hl >= sizeof(host))
			return ll_err_set(err, "listen \"%s\": address too long", spec);
		memcpy(host, spec, hl);
	}
	host[hl] = '\0';
	pn = strlen(colon + 1);
	if (pn == 0 || pn > 5 || strspn(colon + 1, "0123456789") != pn)
		return ll_err_set(err, "listen \"%s\": bad port", spec);
	for (i = 0, pv = 0; i < pn; i++)
		pv = pv * 10 + (unsigned long)(colon[1 + i] - '0');
	if (pv > 65535)
		return ll_err_set(err, "listen \"%s\": bad port", spec);
	snprintf(port, sizeof(port), "%lu", pv);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(hl == 0 || strcmp(host, "*") == 0 ? NULL : host, port, &hints, &ai);
	if (rc != 0 || !ai)
		return ll_err_set(err, "listen \"%s\": %s", spec, gai_strerror(rc));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	return true;
}

static void http_set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

static int http_get_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static int http_listen_socket(const struct sockaddr_storage *ss, socklen_t sl, const char *spec,
			      struct ll_err *err)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ll_err_set(err, "listen %s: socket: %s", spec, strerror(errno));
		return -1;
	}
	/* every worker binds its own socket to the same address; the kernel
	 * spreads new connections across them */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    (ss->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)) {
		ll_err_set(err, "listen %s: setsockopt: %s", spec, strerror(errno));
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)ss, sl) != 0) {
		ll_err_set(err, "listen %s: bind: %s", spec, strerror(errno));
		goto fail;
	}
	if (listen(fd, 4096) != 0) {
		ll_err_set(err, "listen %s: listen: %s", spec, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* ---- lifecycle -------------------------------------------------------- */

static char *http_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

struct ocsp_http *ocsp_http_new(const struct ocsp_http_cfg *cfg, struct ocsp_table *table,
				ocsp_live_fn live, void *live_arg, struct ll_err *err)
{
	struct ocsp_http *h;
	const char *prefix = cfg->path_prefix ? cfg->path_prefix : "/";
	size_t i, pl;
	long ncpu;
	struct rlimit rl;

	if (!table) {
		ll_err_set(err, "ocsp http: no table");
		return NULL;
	}
	if (cfg->nlisten == 0) {
		ll_err_set(err, "ocsp http: no listen address");
		return NULL;
	}
	if (prefix[0] != '/') {
		ll_err_set(err, "ocsp http: path prefix \"%s\" must start with '/'", prefix);
		return NULL;
	}
	if (strpbrk(prefix, "?#% \t\r\n")) {
		ll_err_set(err, "ocsp http: path prefix \"%s\" has a reserved character", prefix);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		ll_err_set(err, "ocsp http: out of memory");
		return NULL;
	}
	h->crl_dirfd = -1;
	if (pthread_mutex_init(&h->crl_lock, NULL) != 0) {
		free(h);
		ll_err_set(err, "ocsp http: mutex");
		return NULL;
	}
	h->table = table;
	h->live = live;
	h->live_arg = live_arg;
	pl = strlen(prefix);
	while (pl > 0 && prefix[pl - 1] == '/')
		pl--;
	h->prefix = malloc(pl + 1);
	h->listen = calloc(cfg->nlisten, sizeof(*h->listen));
	h->ports = calloc(cfg->nlisten, sizeof(*h->ports));
	h->agg = calloc(1, sizeof(*h->agg));
	h->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!h->prefix || !h->listen || !h->ports || !h->agg || !h->sha256)
		goto oom;
	memcpy(h->prefix, prefix, pl);
	h->prefix[pl] = '\0';
	h->prefix_len = pl;
	h->nlisten = cfg->nlisten;
	for (i = 0; i < cfg->nlisten; i++)
		if (!(h->listen[i] = http_strdup(cfg->listen[i])))
			goto oom;
	h->max_entries = cfg->max_request_entries ? cfg->max_request_entries : HTTP_DEFAULT_ENTRIES;
	h->max_body = cfg->max_body ? cfg->max_body : HTTP_DEFAULT_BODY;
	h->max_headers = cfg->max_headers ? cfg->max_headers : HTTP_DEFAULT_HEADERS;
	h->max_uri = cfg->max_uri ? cfg->max_uri : HTTP_DEFAULT_URI;
	h->timeout_secs = cfg->timeout_secs > 0 ? cfg->timeout_secs : HTTP_DEFAULT_TIMEOUT;
	h->max_connections = cfg->max_connections;
	if (h->max_connections <= 0) {
		/* what the descriptor limit allows, less room for the rest
		 * of the daemon (database, files, listeners) */
		h->max_connections = 1024;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur > 256)
			h->max_connections = (int)(rl.rlim_cur > 1000000 ? 1000000 : rl.rlim_cur) - 128;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	h->nthreads = cfg->threads > 0 ? cfg->threads : (ncpu > 0 ? (int)ncpu : 1);
	h->nonce_echo = cfg->nonce_echo;
	h->unknown_signed = cfg->unknown_signed;
	if (cfg->crl_dir) {
		h->crl_dirfd = open(cfg->crl_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->crl_dirfd < 0) {
			ll_err_set(err, "ocsp http: crl_dir %s: %s", cfg->crl_dir, strerror(errno));
			goto fail;
		}
	}
	h->workers = calloc((size_t)h->nthreads, sizeof(*h->workers));
	if (!h->workers)
		goto oom;
	for (i = 0; i < (size_t)h->nthreads; i++) {
		h->workers[i].h = h;
		h->workers[i].stop_fd = -1;
	}
	return h;
oom:
	ll_err_set(err, "ocsp http: out of memory");
fail:
	ocsp_http_free(h);
	return NULL;
}

static void *http_worker_main(void *arg)
{
	struct http_worker *w = arg;
	sigset_t pipe;

	/* A write to a connection the peer has closed raises SIGPIPE in the
	 * writing thread; blocked here, writev just fails with EPIPE, and
	 * the daemon need not remember to ignore it process-wide. */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	event_base_dispatch(w->base);
	/* Whatever is still open after the grace period is closed here, on
	 * the thread that owns the base (close callbacks run now). */
	evhttp_free(w->http);
	w->http = NULL;
	return NULL;
}

static bool http_worker_setup(struct ocsp_http *h, struct http_worker *w,
			      const struct sockaddr_storage *addrs, const socklen_t *lens,
			      struct ll_err *err)
{
	struct timeval sweep = {1, 0};
	struct event_config *ecfg;
	size_t i;

	w->getcap = h->max_uri;
	w->getbuf = malloc(w->getcap);
	w->ids = calloc(h->max_entries, sizeof(*w->ids));
	w->bound = calloc(h->nlisten, sizeof(*w->bound));
	ll_buf_init(&w->live_out, HTTP_LIVE_LIMIT);
	if (!w->getbuf || !w->ids || !w->bound)
		return ll_err_set(err, "ocsp http: out of memory");
	/* With the change list, the event changes a request makes within
	 * one loop pass (write on, read off, and back) are merged before
	 * they reach epoll_ctl. Safe here: no fd is ever dup'ed. */
	ecfg = event_config_new();
	if (!ecfg || event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0)
		return ll_err_set(err, "ocsp http: event_config failed");
	w->base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	if (!w->base)
		return ll_err_set(err, "ocsp http: event_base_new failed");
	w->http = evhttp_new(w->base);
	if (!w->http)
		return ll_err_set(err, "ocsp http: evhttp_new failed");
	/* The request line counts against evhttp's header limit, so the
	 * longest URI we answer (with 414 past max_uri) still leaves
	 * max_headers for the headers. Past that evhttp answers 413 and
	 * closes. */
	evhttp_set_max_headers_size(w->http, (ev_ssize_t)(h->max_headers + h->max_uri + 64));
	evhttp_set_max_body_size(w->http, (ev_ssize_t)h->max_body);
	evhttp_set_timeout(w->http, h->timeout_secs);
	/* every method reaches the handler, which answers 405 with Allow
	 * (evhttp itself would say 501) */
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
						    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(w->http, NULL);
	evhttp_set_gencb(w->http, http_handle, w);
	evhttp_set_bevcb(w->http, http_bevcb, w);
	w->adopt_ev = event_new(w->base, -1, 0, http_adopt_cb, w);
	w->sweep_ev = event_new(w->base, -1, EV_PERSIST, http_sweep_cb, w);
	w->drain_ev = evtimer_new(w->base, http_drain_cb, w);
	w->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!w->adopt_ev || !w->sweep_ev || !w->drain_ev || w->stop_fd < 0)
		return ll_err_set(err, "ocsp http: event setup failed");
	w->stop_ev = event_new(w->base, w->stop_fd, EV_READ | EV_PERSIST, http_stop_cb, w);
	if (!w->stop_ev || event_add(w->stop_ev, NULL) != 0 || event_add(w->sweep_ev, &sweep) != 0)
		return ll_err_set(err, "ocsp http: event setup failed");
	for (i = 0; i < h->nlisten; i++) {
		int fd = http_listen_socket(&addrs[i], lens[i], h->listen[i], err);

		if (fd < 0)
			return false;
		w->bound[i] = evhttp_accept_socket_with_handle(w->http, fd);
		if (!w->bound[i]) {
			close(fd);
			return ll_err_set(err, "listen %s: evhttp_accept_socket failed", h->listen[i]);
		}
	}
	return true;
}

bool ocsp_http_start(struct ocsp_http *h, struct ll_err *err)
{
	struct sockaddr_storage *addrs = NULL;
	socklen_t *lens = NULL;
	bool ok = false;
	size_t i;

	if (h->started)
		return ll_err_set(err, "ocsp http: already started");
	h->started = true;
	addrs = calloc(h->nlisten, sizeof(*addrs));
	lens = calloc(h->nlisten, sizeof(*lens));
	if (!addrs || !lens) {
		ll_err_set(err, "ocsp http: out of memory");
		goto out;
	}
	for (i = 0; i < h->nlisten; i++)
		if (!http_resolve(h->listen[i], &addrs[i], &lens[i], err))
			goto out;
	for (i = 0; i < (size_t)h->nthreads; i++) {
		struct http_worker *w = &h->workers[i];
		size_t j;

		if (!http_worker_setup(h, w, addrs, lens, err))
			goto out;
		if (i > 0)
			continue;
		/* Port 0: the first worker's sockets pick the ports, the
		 * others join them. */
		for (j = 0; j < h->nlisten; j++) {
			struct sockaddr_storage got;
			socklen_t gl = sizeof(got);
			evutil_socket_t fd = evhttp_bound_socket_get_fd(w->bound[j]);

			if (getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
				ll_err_set(err, "listen %s: getsockname: %s", h->listen[j],
					   strerror(errno));
				goto out;
			}
			h->ports[j] = http_get_port(&got);
			http_set_port(&addrs[j], h->ports[j]);
		}
	}
	for (i = 0; i < (size_t)h->nthreads; i++) {
		struct http_worker *w = &h->workers[i];

		if (pthread_create(&w->thread, NULL, http_worker_main, w) != 0) {
			ll_err_set(err, "ocsp http: pthread_create failed");
			goto out;
		}
		w->running = true;
	}
	ok = true;
out:
	free(addrs);
	free(lens);
	if (!ok)
		ocsp_http_stop(h, 0);
	return ok;
}

int ocsp_http_port(const struct ocsp_http *h, size_t i)
{
	return i < h->nlisten ? h->ports[i] : -1;
}

void ocsp_http_stop(struct ocsp_http *h, int grace_secs)
{
	size_t i;

	/* also called on a half-built object from ocsp_http_new's error path */
	if (!h || h->stopped || !h->workers)
		return;
	h->stopped = true;
	atomic_store(&h->grace_secs, grace_secs > 0 ? grace_secs : 0);
	for (i = 0; i < (size_t)h->nthreads; i++) {
		struct http_worker *w = &h->workers[i];
		uint64_t one = 1;

		if (w->running && write(w->stop_fd, &one, sizeof(one)) != sizeof(one))
			event_base_loopbreak(w->base); /* cannot happen with an eventfd */
	}
	for (i = 0; i < (size_t)h->nthreads; i++) {
		struct http_worker *w = &h->workers[i];

		if (w->running)
			pthread_join(w->thread, NULL);
		w->running = false;
	}
}

void ocsp_http_free(struct ocsp_http *h)
{
	size_t i;

	if (!h)
		return;
	ocsp_http_stop(h, 0);
	for (i = 0; h->workers && i < (size_t)h->nthreads; i++) {
		struct http_worker *w = &h->workers[i];

		/* a worker that never ran still owns its evhttp */
		if (w->http)
			evhttp_free(w->http);
		/* pending entries hold a reference each */
		for (size_t j = 0; j < w->npending; j++)
			bufferevent_decref(w->pending[j].bev);
		if (w->adopt_ev)
			event_free(w->adopt_ev);
		if (w->sweep_ev)
			event_free(w->sweep_ev);
		if (w->drain_ev)
			event_free(w->drain_ev);
		if (w->stop_ev)
			event_free(w->stop_ev);
		if (w->base)
			event_base_free(w->base);
		if (w->stop_fd >= 0)
			close(w->stop_fd);
		free(w->bound);
		free(w->getbuf);
		free(w->ids);
		free(w->pending);
		free(w->map);
		ll_buf_free(&w->live_out);
	}
	free(h->workers);
	for (i = 0; h->listen && i < h->nlisten; i++)
		free(h->listen[i]);
	free(h->listen);
	free(h->ports);
	free(h->prefix);
	free(h->agg);
	EVP_MD_free(h->sha256);
	if (h->crl_dirfd >= 0)
		close(h->crl_dirfd);
	pthread_mutex_destroy(&h->crl_lock);
	free(h);
}

size_t ocsp_http_connections(const struct ocsp_http *h)
{
	int n = atomic_load(&h->nconn);

	return n > 0 ? (size_t)n : 0;
}

const struct ocsp_http_metrics *ocsp_http_metrics(const struct ocsp_http *h)
{
	struct ocsp_http_metrics *a = h->agg;
	size_t i, k;

	/* Sums the workers' own counters (kept apart so that no two threads
	 * write one cache line per request). */
#define HTTP_SUM(field)                                                                     \
	do {                                                                                \
		unsigned long long s = 0;                                                   \
		for (i = 0; i < (size_t)h->nthreads; i++)                                   \
			s += atomic_load_explicit(&h->workers[i].m.field, memory_order_relaxed); \
		atomic_store_explicit(&a->field, s, memory_order_relaxed);                  \
	} while (0)
	HTTP_SUM(ok);
	HTTP_SUM(not_modified);
	HTTP_SUM(malformed);
	HTTP_SUM(unauthorized);
	HTTP_SUM(try_later);
	HTTP_SUM(internal);
	HTTP_SUM(live_signed);
	HTTP_SUM(crl_served);
	HTTP_SUM(http_errors);
	HTTP_SUM(connections_rejected);
	HTTP_SUM(latency_sum_us);
	HTTP_SUM(post_bad_content_type);
	HTTP_SUM(get_slash_repaired);
	for (k = 0; k < 8; k++)
		HTTP_SUM(latency_bucket[k]);
#undef HTTP_SUM
	return a;
}
