/* ocsp_http.h - the OCSP responder's HTTP front end on libevent 2.1:
 * one event base and evhttp per worker thread, listeners shared with
 * SO_REUSEPORT, HTTP/1.1 keep-alive. It answers from an ocsp_table with
 * no allocation and no database round trip on the hot path, and serves
 * published CRLs. It knows nothing of PostgreSQL: requests that stored
 * bytes cannot answer go to a live-signing hook. */
#ifndef LL_OCSP_HTTP_H
#define LL_OCSP_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "llerr.h"
#include "ocsp.h"
#include "ocsp_table.h"

struct ocsp_http_cfg {
	const char *const *listen;  /* "host:port" ("[::1]:8080"); port 0 = ephemeral */
	size_t nlisten;
	int threads;		    /* 0 = one per core */
	const char *path_prefix;    /* "/" or "/ocsp" ... */
	size_t max_request_entries; /* CertIDs per request (B16) */
	size_t max_body;	    /* POST body limit, bytes (default 10 KiB) */
	size_t max_headers;	    /* header block limit, bytes (default 8 KiB) */
	size_t max_uri;		    /* GET URI limit, bytes (default 4 KiB; > 255 allowed, B18) */
	int timeout_secs;	    /* idle and read timeout (slowloris) */
	int max_connections;	    /* across all threads */
	bool nonce_echo;	    /* ocsp.nonce: echo -> nonce requests are signed live */
	bool unknown_signed;	    /* ocsp.unknown_serial: unknown -> signed unknown via live hook */
	const char *crl_dir;	    /* serves GET /crl/NAME.crl from here; NULL = off */
};

/* The live-signing hook, called on a worker thread. Fills `out` with a
 * complete DER OCSPResponse and returns OCSP_SUCCESSFUL, or returns the
 * error status to send (tryLater when over the rate limit, unauthorized
 * ...). `issuer_id` is from ocsp_table_issuer(). */
typedef enum ocsp_resp_status (*ocsp_live_fn)(void *arg, int64_t issuer_id,
					      const struct ocsp_request *req, bool unknown_serial,
					      struct ll_buf *out);

struct ocsp_http_metrics {
	/* requests by result */
	atomic_ullong ok, not_modified, malformed, unauthorized, try_later, internal, live_signed;
	atomic_ullong crl_served, http_errors, connections_rejected;
	/* latency histogram, microseconds: <100, <250, <500, <1000, <2500, <5000, <10000, +Inf */
	atomic_ullong latency_bucket[8];
	atomic_ullong latency_sum_us;
	/* leniencies used (docs/ocsp-http.md): a POST without
	 * Content-Type application/ocsp-request (answered anyway), a GET
	 * whose base64 only parsed after undoing a proxy's '//' collapse */
	atomic_ullong post_bad_content_type, get_slash_repaired;
};

struct ocsp_http;

struct ocsp_http *ocsp_http_new(const struct ocsp_http_cfg *cfg, struct ocsp_table *table,
				ocsp_live_fn live, void *live_arg, struct ll_err *err);
/* Binds every listener and starts the worker threads. */
bool ocsp_http_start(struct ocsp_http *h, struct ll_err *err) LL_MUSTCHECK;
/* The bound port of listener i (after start; for port 0). */
int ocsp_http_port(const struct ocsp_http *h, size_t i);
/* Stops accepting, finishes requests in flight (up to `grace_secs`), joins
 * the threads. */
void ocsp_http_stop(struct ocsp_http *h, int grace_secs);
void ocsp_http_free(struct ocsp_http *h);
/* Sums the per-thread counters into one struct and returns it; call it
 * again for fresh figures. Latency is the handler's time per request
 * (from a complete request to the reply queued), in microseconds. */
const struct ocsp_http_metrics *ocsp_http_metrics(const struct ocsp_http *h);
/* Connections open now, across all threads (the max_connections count). */
size_t ocsp_http_connections(const struct ocsp_http *h);

#endif
