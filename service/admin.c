/* admin.c - see admin.h. The gate (admin_allowed) is the only place that
 * decides who may call a route; handlers never look at credentials. It
 * never logs a token, a header value or key material. */
#include "admin.h"

#include "lllog.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "lltime.h"

#define ADMIN_MAX_ROUTES 32
#define ADMIN_MAX_HEADERS 8192
#define ADMIN_MAX_BODY 65536
#define ADMIN_TIMEOUT_S 10
#define ADMIN_TOKEN_MAX 4096 /* longest first line of admin.token_file */
#define ADMIN_ACTOR_MAX 160

struct admin_route_ent {
	struct admin *a;
	int flags;
	void (*cb)(struct evhttp_request *, void *);
	void *arg;
};

struct admin {
	const struct cfg *cfg;
	struct evhttp *http;
	SSL_CTX *ssl;		      /* TLS on the listener (tls_cert set), else NULL */
	bool mtls;		      /* client certificates requested (client_ca) */
	bool has_token;		      /* admin.token_file loaded */
	unsigned char token_sha[32];  /* SHA-256 of the token: the token itself is wiped */
	const char *actor;	      /* of the request being handled, else NULL */
	struct admin_route_ent routes[ADMIN_MAX_ROUTES];
	size_t nroutes;
};

void admin_logf(const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ll_vlogfmt(level, fmt, ap);
	va_end(ap);
}

/* "host:port" or "[v6]:port" -> host, port 1..65535. */
static bool split_hostport(const char *in, char *host, size_t hl, int *port)
{
	const char *colon = strrchr(in, ':');
	const char *h = in;
	size_t n;
	char *end;
	long p;

	if (!colon)
		return false;
	n = (size_t)(colon - in);
	if (in[0] == '[') {
		if (n < 2 || colon[-1] != ']')
			return false;
		h = in + 1;
		n -= 2;
	}
	if (n >= hl)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p < 0 || p > 65535)
		return false;
	*port = (int)p;
	return true;
}

/* Loopback only by address literal (or the name localhost): a host name
 * that merely resolves to loopback today could resolve elsewhere later. */
static bool host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

/* RFC 6750 b64token: what can travel in "Authorization: Bearer" as is. */
static bool is_b64token(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (isalnum((unsigned char)s[i]) || strchr("-._~+/", s[i])))
		i++;
	if (i == 0)
		return false;
	while (i < n && s[i] == '=')
		i++;
	return i == n;
}

/* Reads the token file's first line, trimmed, and keeps only its SHA-256.
 * The file must be a regular file that only its owner can access, like a
 * key file: a token readable by others is already leaked. */
static bool load_token(struct admin *a, const char *path, struct ll_err *err)
{
	char buf[ADMIN_TOKEN_MAX + 2];
	struct stat st;
	ssize_t got;
	size_t len = 0, start = 0, end;
	bool ok = false;
	int fd;

	/* no O_NOFOLLOW: Kubernetes secrets are symlinks; fstat sees the target */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ll_err_set(err, "admin.token_file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ll_err_set(err, "admin.token_file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		ll_err_set(err, "admin.token_file %s: mode %04o lets group or others read it; "
				"run chmod 600 on it", path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	while (len < sizeof(buf) - 1 && (got = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ll_err_set(err, "admin.token_file %s: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)got;
	}
	buf[len] = '\0';
	end = strcspn(buf, "\n");
	if (end > ADMIN_TOKEN_MAX) {
		ll_err_set(err, "admin.token_file %s: the first line is longer than %d bytes", path,
			   ADMIN_TOKEN_MAX);
		goto out;
	}
	while (start < end && strchr(" \t\r", buf[start]))
		start++;
	while (end > start && strchr(" \t\r", buf[end - 1]))
		end--;
	if (end == start) {
		ll_err_set(err, "admin.token_file %s: the first line is empty", path);
		goto out;
	}
	if (!is_b64token(buf + start, end - start)) {
		ll_err_set(err, "admin.token_file %s: the token may only hold letters, digits and "
				"-._~+/ (then '=' padding), as a bearer token must", path);
		goto out;
	}
	if (!EVP_Digest(buf + start, end - start, a->token_sha, NULL, EVP_sha256(), NULL)) {
		ll_err_set(err, "admin.token_file %s: cannot hash the token", path);
		goto out;
	}
	a->has_token = true;
	ok = true;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return ok;
}

static bool load_tls(struct admin *a, const struct cfg *cfg, struct ll_err *err)
{
	/* owned here until handed to the SSL_CTX */
	EVP_PKEY *key = NULL;
	STACK_OF(X509_NAME) *names = NULL;
	bool ok = false;

	a->ssl = SSL_CTX_new(TLS_server_method());
	if (!a->ssl || !SSL_CTX_set_min_proto_version(a->ssl, TLS1_2_VERSION)) {
		ll_err_openssl(err, "admin listener: cannot create the TLS context");
		goto out;
	}
	SSL_CTX_set_options(a->ssl, SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate_chain_file(a->ssl, cfg->admin_tls_cert) != 1) {
		ERR_clear_error();
		ll_err_set(err, "admin.tls_cert %s: not a PEM certificate (chain)", cfg->admin_tls_cert);
		goto out;
	}
	key = keys_load(cfg->admin_tls_key, err);
	if (!key) {
		ll_err_prefix(err, "admin.tls_key");
		goto out;
	}
	if (SSL_CTX_use_PrivateKey(a->ssl, key) != 1 || SSL_CTX_check_private_key(a->ssl) != 1) {
		ERR_clear_error(); /* never show key material from the queue */
		ll_err_set(err, "admin.tls_key does not match admin.tls_cert %s", cfg->admin_tls_cert);
		goto out;
	}
	if (cfg->admin_client_ca) {
		X509_STORE *st = SSL_CTX_get_cert_store(a->ssl);

		if (SSL_CTX_load_verify_locations(a->ssl, cfg->admin_client_ca, NULL) != 1 ||
		    !(names = SSL_load_client_CA_file(cfg->admin_client_ca))) {
			ERR_clear_error();
			ll_err_set(err, "admin.client_ca %s: no PEM CA certificate could be read",
				   cfg->admin_client_ca);
			goto out;
		}
		SSL_CTX_set_client_CA_list(a->ssl, names); /* takes names */
		names = NULL;
		/* a CA in client_ca is a trust anchor even when it is not a
		 * root: trust exactly what the operator listed */
		X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
		SSL_CTX_set_purpose(a->ssl, X509_PURPOSE_SSL_CLIENT);
		/* optional certificate: one that is sent must verify or the
		 * handshake fails; none at all is judged per route (401) */
		SSL_CTX_set_verify(a->ssl, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_session_id_context(a->ssl, (const unsigned char *)"lastleaf-admin", 14);
		a->mtls = true;
	}
	ok = true;
out:
	EVP_PKEY_free(key);
	sk_X509_NAME_pop_free(names, X509_NAME_free);
	return ok;
}

static struct bufferevent *admin_bevcb(struct event_base *base, void *arg)
{
	struct admin *a = arg;
	SSL *ssl = SSL_new(a->ssl);
	struct bufferevent *bev;

	if (!ssl)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	/* clients often close without close_notify; that is not an error here */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void send_json_error(struct evhttp_request *req, int code, const char *reason,
			    const char *msg)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (!b) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	/* msg is one of our constants: no escaping needed */
	evbuffer_add_printf(b, "{\"error\": \"%s\"}\n", msg);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

const char *admin_peer(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (c)
		evhttp_connection_get_peer(c, &addr, &port);
	return addr ? addr : "";
}

/* The connection's TLS object, or NULL on a plain connection. */
static SSL *conn_ssl(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev = c ? evhttp_connection_get_bufferevent(c) : NULL;

	return bev ? bufferevent_openssl_get_ssl(bev) : NULL;
}

/* "admin-api:cert:CN" when the connection carries a verified client
 * certificate. The CN is reduced to printable ASCII for logs and audit. */
static bool cert_actor(struct admin *a, struct evhttp_request *req, char *actor, size_t len)
{
	SSL *ssl = a->mtls ? conn_ssl(req) : NULL;
	X509 *peer = ssl ? SSL_get0_peer_certificate(ssl) : NULL; /* borrowed */
	char cn[64] = "";
	size_t i;

	if (!peer || SSL_get_verify_result(ssl) != X509_V_OK)
		return false;
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn)) < 0)
		snprintf(cn, sizeof(cn), "(no CN)");
	for (i = 0; cn[i]; i++)
		if ((unsigned char)cn[i] < 0x20 || (unsigned char)cn[i] > 0x7e || cn[i] == '"' ||
		    cn[i] == '\\')
			cn[i] = '?';
	snprintf(actor, len, "admin-api:cert:%s", cn);
	return true;
}

enum auth_result { AUTH_NONE, AUTH_OK, AUTH_BAD_FORM, AUTH_WRONG };

/* Checks "Authorization: Bearer TOKEN" against the token's SHA-256. Both
 * sides are hashed first so that the comparison takes the same time
 * whatever the length or content of the guess. */
static enum auth_result check_bearer(struct admin *a, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	unsigned char sha[32];
	size_t n;

	if (!h)
		return AUTH_NONE;
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return AUTH_BAD_FORM;
	h += 6;
	while (*h == ' ' || *h == '\t')
		h++;
	n = strlen(h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (!is_b64token(h, n))
		return AUTH_BAD_FORM;
	if (!EVP_Digest(h, n, sha, NULL, EVP_sha256(), NULL))
		return AUTH_WRONG;
	return CRYPTO_memcmp(sha, a->token_sha, sizeof(sha)) == 0 ? AUTH_OK : AUTH_WRONG;
}

static void send_unauthorized(struct evhttp_request *req, const char *www, const char *msg)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", www);
	send_json_error(req, 401, "Unauthorized", msg);
}

/* The gate every request passes before its handler: method, then
 * credential, then (state-changing routes) the body's type. Sends the
 * refusal itself and returns false; on success fills actor. */
static bool admin_allowed(struct admin_route_ent *r, struct evhttp_request *req, char *actor,
			  size_t alen)
{
	struct admin *a = r->a;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	bool changes = (r->flags & ADMIN_CHANGES) != 0;
	const char *ctype;

	if (changes ? m != EVHTTP_REQ_POST : (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
				  changes ? "POST" : "GET, HEAD");
		send_json_error(req, 405, "Method Not Allowed", "method not allowed");
		return false;
	}
	/* a TLS listener only ever hands out TLS connections: refuse anything
	 * else rather than accept a token sent in clear text */
	if (a->ssl && !conn_ssl(req)) {
		send_json_error(req, 403, "Forbidden", "TLS required");
		return false;
	}
	snprintf(actor, alen, "admin-api:anonymous");
	if (r->flags & ADMIN_OPEN)
		return true;
	if (!a->has_token && !a->mtls) {
		if (!changes)
			return true; /* loopback only: admin_new refused anything else */
		send_json_error(req, 403, "Forbidden",
				"state changes over HTTP need a credential: configure admin.token_file "
				"or admin.client_ca");
		return false;
	}
	switch (a->has_token ? check_bearer(a, req) : AUTH_NONE) {
	case AUTH_OK:
		snprintf(actor, alen, "admin-api:token");
		break;
	case AUTH_WRONG:
		/* a wrong token is refused even beside a valid certificate */
		admin_logf("warn", "admin: wrong bearer token from %s for %s", admin_peer(req),
			  evhttp_request_get_uri(req));
		send_json_error(req, 403, "Forbidden", "wrong credential");
		return false;
	case AUTH_BAD_FORM:
		send_unauthorized(req, "Bearer realm=\"lastleaf-admin\", error=\"invalid_request\"",
				  "malformed Authorization header: use Bearer TOKEN");
		return false;
	case AUTH_NONE:
		if (!cert_actor(a, req, actor, alen)) {
			send_unauthorized(req, "Bearer realm=\"lastleaf-admin\"",
					  a->has_token ? "credential required" :
						       "client certificate required");
			return false;
		}
		break;
	}
	if (changes) {
		/* only a JSON body: a browser cannot send one cross-site without
		 * a CORS preflight, which this listener never grants */
		ctype = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
		if (!ctype || strncasecmp(ctype, "application/json", 16) != 0 ||
		    (ctype[16] && ctype[16] != ';' && ctype[16] != ' ')) {
			send_json_error(req, 415, "Unsupported Media Type",
					"the body must be JSON (Content-Type: application/json)");
			return false;
		}
	}
	return true;
}

static void admin_dispatch(struct evhttp_request *req, void *arg)
{
	struct admin_route_ent *r = arg;
	char actor[ADMIN_ACTOR_MAX];

	if (!admin_allowed(r, req, actor, sizeof(actor)))
		return;
	r->a->actor = actor;
	r->cb(req, r->arg);
	r->a->actor = NULL;
}

/* Anything else than a routed path: 404 as JSON, without a credential
 * check (it reveals nothing). */
static void admin_notfound(struct evhttp_request *req, void *arg)
{
	(void)arg;
	send_json_error(req, 404, "Not Found", "not found");
}

struct admin *admin_new(struct event_base *base, const struct cfg *cfg, struct ll_err *err)
{
	struct admin *a = calloc(1, sizeof(*a));
	bool tls_half = !cfg->admin_tls_cert != !cfg->admin_tls_key;
	size_t i;

	if (!a) {
		ll_err_set(err, "cannot create the admin listener");
		goto fail;
	}
	a->cfg = cfg;
	if (cfg->admin_client_ca && (!cfg->admin_tls_cert || !cfg->admin_tls_key)) {
		ll_err_set(err, "admin.client_ca needs admin.tls_cert and admin.tls_key: mutual TLS "
				"needs the listener's own certificate and key");
		goto fail;
	}
	if (tls_half) {
		ll_err_set(err, "admin.tls_cert and admin.tls_key go together: set both or neither");
		goto fail;
	}
	if (cfg->admin_token_file && !load_token(a, cfg->admin_token_file, err))
		goto fail;
	if (cfg->admin_tls_cert && !load_tls(a, cfg, err))
		goto fail;
	for (i = 0; i < cfg->admin_listen.n; i++) {
		char host[256];
		int port;

		if (!split_hostport(cfg->admin_listen.addrs[i], host, sizeof(host), &port)) {
			ll_err_set(err, "admin.listen: '%s' is not host:port", cfg->admin_listen.addrs[i]);
			goto fail;
		}
		if (!host_is_loopback(host) && !a->has_token && !a->mtls) {
			ll_err_set(err, "admin.listen %s is not a loopback address: set admin.token_file "
					"or admin.client_ca (with admin.tls_cert and admin.tls_key), or listen "
					"on 127.0.0.1 or ::1", cfg->admin_listen.addrs[i]);
			goto fail;
		}
		if (!host_is_loopback(host) && !a->ssl)
			admin_logf("warn", "admin.listen %s is not loopback and has no TLS: the bearer "
					  "token crosses the network in clear text (set admin.tls_cert "
					  "and admin.tls_key)", cfg->admin_listen.addrs[i]);
	}
	a->http = evhttp_new(base);
	if (!a->http) {
		ll_err_set(err, "cannot create the admin listener");
		goto fail;
	}
	evhttp_set_timeout(a->http, ADMIN_TIMEOUT_S);
	evhttp_set_max_headers_size(a->http, ADMIN_MAX_HEADERS);
	evhttp_set_max_body_size(a->http, ADMIN_MAX_BODY);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_gencb(a->http, admin_notfound, NULL);
	if (a->ssl)
		evhttp_set_bevcb(a->http, admin_bevcb, a);
	for (i = 0; i < cfg->admin_listen.n; i++) {
		char host[256];
		int port = 0;

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
	r = &a->routes[a->nroutes];
	*r = (struct admin_route_ent){.a = a, .flags = flags, .cb = cb, .arg = arg};
	if (evhttp_set_cb(a->http, path, admin_dispatch, r) != 0)
		return false;
	a->nroutes++;
	return true;
}

const struct cfg *admin_cfg(const struct admin *a)
{
	return a->cfg;
}

const char *admin_actor(const struct admin *a)
{
	return a ? a->actor : NULL;
}

void admin_free(struct admin *a)
{
	if (!a)
		return;
	if (a->http)
		evhttp_free(a->http);
	SSL_CTX_free(a->ssl);
	OPENSSL_cleanse(a->token_sha, sizeof(a->token_sha));
	free(a);
}
