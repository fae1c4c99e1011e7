/* test_ocsp_http.c - the OCSP/CRL HTTP front end, in process on
 * 127.0.0.1 port 0, driven by curl, `openssl ocsp` and raw sockets.
 * Responses are made with OpenSSL's OCSP API for a generated P-256 CA
 * (good and revoked leaves, SHA-1 and SHA-256 CertIDs); a fake live hook
 * signs with OpenSSL too. Covers B14 B16-B20 B22 E18-E20: POST and GET
 * (escapes, '+' as space, no padding, base64url, '//' collapsed, trailing
 * newline), caching headers and 304s, errors, limits (414, 413, idle
 * connections, the connection cap, slowloris), CRLs and graceful stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ocsp.h"
#include "ocsp_http.h"
#include "ocsp_http_util.h"
#include "ocsp_table.h"
#include "tap.h"
#include "walk_certgen.h"

static char tdir[64];

/* ---- PKI and responses ------------------------------------------------- */

struct tcert {
	EVP_PKEY *key;
	X509 *x;
	char pem[128];
};

struct tresp {
	uint8_t *der;
	size_t len;
	uint8_t serial[32], key_hash[32];
	size_t serial_len, hash_len;
};

struct pki {
	struct tcert ca, ca2, good, revoked, unknown, expired, leaf2;
	struct tresp good1, good256, rev1, rev256, exp1;
	ll_time this_update, next_update;
};

static struct pki P;

static void write_pem(struct tcert *c, const char *name)
{
	FILE *f;

	snprintf(c->pem, sizeof(c->pem), "%s/%s.pem", tdir, name);
	f = fopen(c->pem, "w");
	if (!f || !PEM_write_X509(f, c->x))
		cg_die("PEM_write_X509");
	fclose(f);
}

static void mk_ca(struct tcert *c, const char *cn, const char *file)
{
	c->key = cg_key("P-256");
	c->x = cg_new(c->key, cn, cn);
	cg_ext_conf(c->x, NULL, NID_basic_constraints, "critical,CA:TRUE");
	cg_ext_conf(c->x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
	cg_ext_conf(c->x, NULL, NID_subject_key_identifier, "hash");
	cg_sign(c->x, c->key, NULL);
	write_pem(c, file);
}

static void mk_leaf(struct tcert *c, const struct tcert *ca, const char *cn, uint64_t serial)
{
	uint8_t mag[8];
	int i;

	for (i = 0; i < 8; i++)
		mag[i] = (uint8_t)(serial >> (56 - 8 * i));
	c->key = cg_key("P-256");
	c->x = cg_new(c->key, cn, "unused");
	if (!X509_set_issuer_name(c->x, X509_get_subject_name(ca->x)))
		cg_die("X509_set_issuer_name");
	cg_set_serial(c->x, mag, 8, 0);
	cg_ext_conf(c->x, ca->x, NID_basic_constraints, "critical,CA:FALSE");
	cg_sign(c->x, ca->key, NULL);
	write_pem(c, cn);
}

static uint8_t *dup_der(const uint8_t *p, int n)
{
	uint8_t *d = malloc((size_t)n);

	if (!d)
		cg_die("malloc");
	memcpy(d, p, (size_t)n);
	return d;
}

/* A signed BasicOCSPResponse for one CertID (OpenSSL's own encoder). */
static void mk_resp(struct tresp *r, const struct tcert *leaf, const EVP_MD *md, int status,
		    ll_time tu, ll_time nu)
{
	OCSP_CERTID *id = OCSP_cert_to_id(md, leaf->x, P.ca.x);
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_TIME *t1 = ASN1_GENERALIZEDTIME_set(NULL, (time_t)tu);
	ASN1_TIME *t2 = ASN1_GENERALIZEDTIME_set(NULL, (time_t)nu);
	ASN1_TIME *rt = ASN1_GENERALIZEDTIME_set(NULL, (time_t)(tu - 86400));
	OCSP_RESPONSE *resp;
	ASN1_OCTET_STRING *kh;
	ASN1_INTEGER *sn;
	uint8_t *buf = NULL, *p;
	int n;

	if (!id || !bs || !t1 || !t2 || !rt ||
	    !OCSP_basic_add1_status(bs, id, status,
				    status == V_OCSP_CERTSTATUS_REVOKED ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
				    status == V_OCSP_CERTSTATUS_REVOKED ? rt : NULL, t1, t2) ||
	    !OCSP_basic_sign(bs, P.ca.x, P.ca.key, EVP_sha256(), NULL, OCSP_NOCERTS | OCSP_RESPID_KEY))
		cg_die("OCSP_basic_sign");
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	n = resp ? i2d_OCSP_RESPONSE(resp, &buf) : -1;
	if (n <= 0)
		cg_die("i2d_OCSP_RESPONSE");
	r->der = dup_der(buf, n);
	r->len = (size_t)n;
	OPENSSL_free(buf);
	OCSP_id_get0_info(NULL, NULL, &kh, &sn, id);
	r->hash_len = (size_t)ASN1_STRING_length(kh);
	memcpy(r->key_hash, ASN1_STRING_get0_data(kh), r->hash_len);
	buf = NULL;
	n = i2d_ASN1_INTEGER(sn, &buf);
	p = buf;
	/* content octets of the INTEGER, as the CertID carries them */
	r->serial_len = (size_t)p[1];
	memcpy(r->serial, p + 2, r->serial_len);
	OPENSSL_free(buf);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	ASN1_TIME_free(rt);
}

static void table_put(struct ocsp_table *t, const struct tresp *r, ll_time tu, ll_time nu)
{
	CHECK(ocsp_table_put(t, r->hash_len == 32 ? OCSP_HASH_SHA256 : OCSP_HASH_SHA1, r->key_hash,
			     r->serial, r->serial_len, r->der, r->len, tu, nu));
}

static void pki_setup(void)
{
	ll_time now = ll_now();

	mk_ca(&P.ca, "Test CA", "ca");
	mk_ca(&P.ca2, "Other CA", "ca2");
	mk_leaf(&P.good, &P.ca, "good", 0x1122334455667701ULL);
	mk_leaf(&P.revoked, &P.ca, "revoked", 0x1122334455667702ULL);
	mk_leaf(&P.unknown, &P.ca, "unknown", 0x1122334455667703ULL);
	mk_leaf(&P.expired, &P.ca, "expired", 0x1122334455667704ULL);
	mk_leaf(&P.leaf2, &P.ca2, "leaf2", 0x1122334455667705ULL);
	P.this_update = now - 3600;
	P.next_update = now + 86400;
	mk_resp(&P.good1, &P.good, EVP_sha1(), V_OCSP_CERTSTATUS_GOOD, P.this_update, P.next_update);
	mk_resp(&P.good256, &P.good, EVP_sha256(), V_OCSP_CERTSTATUS_GOOD, P.this_update,
		P.next_update);
	mk_resp(&P.rev1, &P.revoked, EVP_sha1(), V_OCSP_CERTSTATUS_REVOKED, P.this_update,
		P.next_update);
	mk_resp(&P.rev256, &P.revoked, EVP_sha256(), V_OCSP_CERTSTATUS_REVOKED, P.this_update,
		P.next_update);
	mk_resp(&P.exp1, &P.expired, EVP_sha1(), V_OCSP_CERTSTATUS_GOOD, now - 7200, now - 1);
}

static struct ocsp_table *table_make(void)
{
	struct ocsp_table *t = ocsp_table_new(16);
	struct ocsp_issuer_ids ids;
	struct ll_err err;
	size_t len;
	uint8_t *der = cg_der(P.ca.x, &len);

	CHECK(ocsp_issuer_ids_from_cert(der, len, &ids, &err));
	CHECK(ocsp_table_add_issuer(t, &ids, 1));
	free(der);
	table_put(t, &P.good1, P.this_update, P.next_update);
	table_put(t, &P.good256, P.this_update, P.next_update);
	table_put(t, &P.rev1, P.this_update, P.next_update);
	table_put(t, &P.rev256, P.this_update, P.next_update);
	table_put(t, &P.exp1, ll_now() - 7200, ll_now() - 1);
	return t;
}

/* DER OCSPRequest for leaves of one issuer, optionally with a nonce. */
static uint8_t *mk_req(const struct tcert *issuer, X509 *const *leaves, int n, const EVP_MD *md,
		       bool nonce, size_t *len)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	uint8_t *buf = NULL, *d;
	int i, l;

	for (i = 0; i < n; i++)
		if (!OCSP_request_add0_id(req, OCSP_cert_to_id(md, leaves[i], issuer->x)))
			cg_die("OCSP_request_add0_id");
	if (nonce && !OCSP_request_add1_nonce(req, NULL, 16))
		cg_die("nonce");
	l = i2d_OCSP_REQUEST(req, &buf);
	if (l <= 0)
		cg_die("i2d_OCSP_REQUEST");
	d = dup_der(buf, l);
	*len = (size_t)l;
	OPENSSL_free(buf);
	OCSP_REQUEST_free(req);
	return d;
}

static void b64(const uint8_t *in, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* ---- the fake live hook ------------------------------------------------ */

struct live_ctx {
	atomic_int calls, unknown_calls;
	atomic_int entered;
	int sleep_ms;
};

static enum ocsp_resp_status live_fn(void *arg, int64_t issuer_id, const struct ocsp_request *req,
				     bool unknown_serial, struct ll_buf *out)
{
	struct live_ctx *lc = arg;
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_TIME *t1 = ASN1_GENERALIZEDTIME_set(NULL, time(NULL) - 60);
	ASN1_TIME *t2 = ASN1_GENERALIZEDTIME_set(NULL, time(NULL) + 3600);
	OCSP_RESPONSE *resp;
	uint8_t *buf = NULL;
	enum ocsp_resp_status st = OCSP_SUCCESSFUL;
	size_t i;
	int n;

	atomic_fetch_add(&lc->calls, 1);
	if (unknown_serial)
		atomic_fetch_add(&lc->unknown_calls, 1);
	atomic_store(&lc->entered, 1);
	if (lc->sleep_ms)
		usleep((useconds_t)lc->sleep_ms * 1000);
	if (issuer_id != 1)
		st = OCSP_INTERNAL_ERROR;
	for (i = 0; st == OCSP_SUCCESSFUL && i < req->n; i++) {
		const struct ocsp_certid *c = &req->ids[i];
		uint8_t ib[80];
		const uint8_t *p = ib;
		ASN1_INTEGER *sn;
		OCSP_CERTID *id;

		ib[0] = 0x02;
		ib[1] = (uint8_t)c->serial_len;
		memcpy(ib + 2, c->serial, c->serial_len);
		sn = d2i_ASN1_INTEGER(NULL, &p, (long)c->serial_len + 2);
		id = OCSP_cert_id_new(c->alg == OCSP_HASH_SHA256 ? EVP_sha256() : EVP_sha1(),
				      X509_get_subject_name(P.ca.x), X509_get0_pubkey_bitstr(P.ca.x),
				      sn);
		if (!id || !OCSP_basic_add1_status(bs, id,
						   unknown_serial ? V_OCSP_CERTSTATUS_UNKNOWN
								  : V_OCSP_CERTSTATUS_GOOD,
						   -1, NULL, t1, t2))
			st = OCSP_INTERNAL_ERROR;
		OCSP_CERTID_free(id);
		ASN1_INTEGER_free(sn);
	}
	if (st == OCSP_SUCCESSFUL && req->has_nonce &&
	    !OCSP_basic_add1_nonce(bs, (unsigned char *)req->nonce, (int)req->nonce_len))
		st = OCSP_INTERNAL_ERROR;
	if (st == OCSP_SUCCESSFUL &&
	    !OCSP_basic_sign(bs, P.ca.x, P.ca.key, EVP_sha256(), NULL, OCSP_NOCERTS | OCSP_RESPID_KEY))
		st = OCSP_INTERNAL_ERROR;
	if (st == OCSP_SUCCESSFUL) {
		resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
		n = resp ? i2d_OCSP_RESPONSE(resp, &buf) : -1;
		if (n <= 0 || !ll_buf_append(out, buf, (size_t)n))
			st = OCSP_INTERNAL_ERROR;
		OPENSSL_free(buf);
		OCSP_RESPONSE_free(resp);
	}
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	return st;
}

/* ---- server ------------------------------------------------------------ */

struct srv {
	struct ocsp_http *h;
	struct ocsp_table *t;
	struct live_ctx lc;
	int port;
};

static void srv_start(struct srv *s, struct ocsp_http_cfg *cfg, bool live)
{
	static const char *const lst[] = {"127.0.0.1:0"};
	struct ll_err err;

	memset(s, 0, sizeof(*s));
	s->t = table_make();
	if (!cfg->listen) {
		cfg->listen = lst;
		cfg->nlisten = 1;
	}
	s->h = ocsp_http_new(cfg, s->t, live ? live_fn : NULL, &s->lc, &err);
	CHECK_MSG(s->h != NULL, "%s", err.msg);
	if (!s->h)
		exit(1);
	if (!ocsp_http_start(s->h, &err)) {
		fprintf(stderr, "start: %s\n", err.msg);
		exit(1);
	}
	s->port = ocsp_http_port(s->h, 0);
	CHECK(s->port > 0);
}

static void srv_stop(struct srv *s)
{
	ocsp_http_stop(s->h, 1);
	ocsp_http_free(s->h);
	ocsp_table_free(s->t);
}

/* ---- clients ----------------------------------------------------------- */

static size_t run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, r;

	if (!p)
		return 0;
	while (n + 1 < cap && (r = fread(out + n, 1, cap - 1 - n, p)) > 0)
		n += r;
	out[n] = '\0';
	pclose(p);
	return n;
}

struct resp {
	int code;
	char hdr[8192];
	uint8_t body[65536];
	size_t blen;
};

static struct resp R;

static void read_file(const char *path, void *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");

	*len = 0;
	if (!f)
		return;
	*len = fread(buf, 1, cap, f);
	fclose(f);
}

/* curl ARGS; status, headers and body land in R. */
static int curl(const char *fmt, ...)
{
	char args[16384], cmd[20000], out[64], hp[96], bp[96];
	size_t hl;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(hp, sizeof(hp), "%s/h.txt", tdir);
	snprintf(bp, sizeof(bp), "%s/b.bin", tdir);
	unlink(hp);
	unlink(bp);
	snprintf(cmd, sizeof(cmd),
		 "curl -s --path-as-is --max-time 10 -D %s -o %s -w '%%{http_code}' %s 2>/dev/null",
		 hp, bp, args);
	run(cmd, out, sizeof(out));
	R.code = atoi(out);
	read_file(hp, R.hdr, sizeof(R.hdr) - 1, &hl);
	R.hdr[hl] = '\0';
	read_file(bp, R.body, sizeof(R.body), &R.blen);
	return R.code;
}

/* The value of header `name` in R (first occurrence), or "". */
static const char *hdr(const char *name)
{
	static char v[512];
	size_t nl = strlen(name);
	const char *p = R.hdr;

	v[0] = '\0';
	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *s = p + nl + 1, *e;

			while (*s == ' ')
				s++;
			e = s + strcspn(s, "\r\n");
			snprintf(v, sizeof(v), "%.*s", (int)(e - s), s);
			break;
		}
	}
	return v;
}

static bool body_is(const uint8_t *der, size_t len)
{
	return R.blen == len && memcmp(R.body, der, len) == 0;
}

/* curl -I writes the headers as the "body": nothing else may follow */
static bool head_only(void)
{
	return R.blen == strlen(R.hdr) && memcmp(R.body, R.hdr, R.blen) == 0;
}

static bool body_status(int st)
{
	return R.blen == 5 && R.body[0] == 0x30 && R.body[1] == 3 && R.body[2] == 0x0a &&
	       R.body[3] == 1 && R.body[4] == st;
}

static void save(const char *name, const void *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n)
		cg_die("write");
	fclose(f);
}

static char OUT[65536];

/* openssl ocsp (POST) against the server; output in OUT. */
static const char *ossl(int port, const char *args)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "openssl ocsp -url http://127.0.0.1:%d/ -CAfile %s -no-CApath -no-CAstore "
		 "-timeout 10 %s 2>&1",
		 port, P.ca.pem, args);
	run(cmd, OUT, sizeof(OUT));
	return OUT;
}

static int tcp_connect(int port)
{
	struct sockaddr_in sa;
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends req, reads until the server closes or times out; returns bytes. */
static size_t raw(int port, const void *req, size_t len, char *resp, size_t cap)
{
	int fd = tcp_connect(port);
	size_t got = 0, off = 0;
	ssize_t r;

	resp[0] = '\0';
	if (fd < 0)
		return 0;
	while (off < len) {
		r = send(fd, (const char *)req + off, len - off, MSG_NOSIGNAL);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	while (got + 1 < cap && (r = recv(fd, resp + got, cap - 1 - got, 0)) > 0)
		got += (size_t)r;
	resp[got] = '\0';
	close(fd);
	return got;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- pure helpers ------------------------------------------------------ */

static void test_util(void)
{
	char d[OCSP_HTTP_DATE_LEN];
	uint8_t out[64];
	size_t n, ns;
	ll_time t;

	CHECK(ocsp_http_fmt_date(784111777, d) == 29);
	CHECK(strcmp(d, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	CHECK(ocsp_http_parse_date(d, &t) && t == 784111777);
	CHECK(ocsp_http_fmt_date(0, d) == 29 && strcmp(d, "Thu, 01 Jan 1970 00:00:00 GMT") == 0);
	CHECK(ocsp_http_fmt_date(-1, d) == 29 && strcmp(d, "Wed, 31 Dec 1969 23:59:59 GMT") == 0);
	CHECK(ocsp_http_fmt_date(951782400, d) && strcmp(d, "Tue, 29 Feb 2000 00:00:00 GMT") == 0);
	CHECK(ocsp_http_fmt_date(253402300799LL, d) && strcmp(d, "Fri, 31 Dec 9999 23:59:59 GMT") == 0);
	CHECK(ocsp_http_fmt_date(253402300800LL, d) == 0);
	CHECK(!ocsp_http_parse_date("Sun, 30 Feb 1994 08:49:37 GMT", &t));
	CHECK(!ocsp_http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t));
	CHECK(!ocsp_http_parse_date("Sun, 06 Nov 1994 08:49:37 UTC", &t));
	CHECK(!ocsp_http_parse_date("Sun, 06 Nov 1994 24:49:37 GMT", &t));
	CHECK(!ocsp_http_parse_date("", &t));

	CHECK(ocsp_http_etag_match("\"abc\"", "\"abc\""));
	CHECK(ocsp_http_etag_match("W/\"abc\"", "\"abc\""));
	CHECK(ocsp_http_etag_match("\"x\", \"abc\"", "\"abc\""));
	CHECK(ocsp_http_etag_match(" *", "\"abc\""));
	CHECK(!ocsp_http_etag_match("\"abcd\"", "\"abc\""));
	CHECK(!ocsp_http_etag_match("abc", "\"abc\""));
	CHECK(!ocsp_http_etag_match("\"ab", "\"abc\""));
	CHECK(!ocsp_http_etag_match("", "\"abc\""));

	/* "MEMw" = 30 43 30: every quirk decodes to the same octets (E18) */
	CHECK(ocsp_http_get_decode("MEMw", 4, -1, out, sizeof(out), &n, &ns) && n == 3 &&
	      out[0] == 0x30 && out[1] == 0x43 && out[2] == 0x30);
	/* 0xfb 0xff -> "+/8=" ; url-safe "-_8"; escaped; space for '+' */
	CHECK(ocsp_http_get_decode("+/8=", 4, -1, out, sizeof(out), &n, &ns) && n == 2 &&
	      out[0] == 0xfb && out[1] == 0xff && ns == 1);
	CHECK(ocsp_http_get_decode("-_8", 3, -1, out, sizeof(out), &n, &ns) && n == 2 &&
	      out[0] == 0xfb && out[1] == 0xff);
	CHECK(ocsp_http_get_decode("%2B%2F8%3D", 10, -1, out, sizeof(out), &n, &ns) && n == 2 &&
	      out[0] == 0xfb && out[1] == 0xff);
	CHECK(ocsp_http_get_decode("%20%2f8", 7, -1, out, sizeof(out), &n, &ns) && n == 2 &&
	      out[0] == 0xfb && out[1] == 0xff);
	CHECK(ocsp_http_get_decode("// /8=\n", 7, -1, out, sizeof(out), &n, &ns) && n == 2 &&
	      out[0] == 0xfb && out[1] == 0xff);
	CHECK(ocsp_http_get_decode("+/8=%0D%0A", 10, -1, out, sizeof(out), &n, &ns) && n == 2);
	/* '//' collapsed: "+//8" (fb ff ff, 4 chars) arrived as "+/8" */
	CHECK(ocsp_http_get_decode("+/8", 3, 0, out, sizeof(out), &n, &ns) && n == 3 &&
	      out[0] == 0xfb && out[1] == 0xff && out[2] == 0xfc);
	CHECK(!ocsp_http_get_decode("MEM", 3, -1, out, 1, &n, &ns)); /* over cap */
	CHECK(!ocsp_http_get_decode("M", 1, -1, out, sizeof(out), &n, &ns));
	CHECK(!ocsp_http_get_decode("ME=M", 4, -1, out, sizeof(out), &n, &ns));
	CHECK(!ocsp_http_get_decode("ME.M", 4, -1, out, sizeof(out), &n, &ns));
	CHECK(!ocsp_http_get_decode("ME%2", 4, -1, out, sizeof(out), &n, &ns));
	CHECK(!ocsp_http_get_decode("ME%zz", 5, -1, out, sizeof(out), &n, &ns));
	CHECK(ocsp_http_get_decode("", 0, -1, out, sizeof(out), &n, &ns) && n == 0);
}

/* ---- the main server: POST, GET, errors, CRLs -------------------------- */

static void test_post(struct srv *s)
{
	const char *o;
	char args[1024];
	uint8_t junk[40];
	size_t len;
	uint8_t *req;
	X509 *one[1];

	/* openssl ocsp POSTs; its nonce is ignored, pre-signed bytes served (B20) */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -resp_text", P.ca.pem, P.good.pem);
	o = ossl(s->port, args);
	CHECK_MSG(strstr(o, ": good") && strstr(o, "Response verify OK"), "%s", o);
	CHECK(strstr(o, "WARNING: no nonce in response") != NULL);
	snprintf(args, sizeof(args), "-sha256 -issuer %s -cert %s -no_nonce -resp_text", P.ca.pem,
		 P.revoked.pem);
	o = ossl(s->port, args);
	CHECK_MSG(strstr(o, ": revoked") && strstr(o, "Response verify OK") &&
		  strstr(o, "Hash Algorithm: sha256"), "%s", o);
	snprintf(args, sizeof(args), "-issuer %s -cert %s -no_nonce", P.ca.pem, P.revoked.pem);
	o = ossl(s->port, args);
	CHECK_MSG(strstr(o, ": revoked") && strstr(o, "Reason: keyCompromise"), "%s", o);
	/* unknown serial, unknown issuer: unauthorized, never good (B14, E20) */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -no_nonce", P.ca.pem, P.unknown.pem);
	o = ossl(s->port, args);
	CHECK_MSG(strstr(o, "Responder Error: unauthorized") != NULL, "%s", o);
	snprintf(args, sizeof(args), "-issuer %s -cert %s -no_nonce", P.ca2.pem, P.leaf2.pem);
	o = ossl(s->port, args);
	CHECK_MSG(strstr(o, "Responder Error: unauthorized") != NULL, "%s", o);
	/* two CertIDs of one issuer: signed live (B16) */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -cert %s -no_nonce -resp_text", P.ca.pem,
		 P.good.pem, P.revoked.pem);
	o = ossl(s->port, args);
	CHECK_MSG(strstr(o, "Response verify OK") && strstr(o, "good.pem: good"), "%s", o);
	CHECK(atomic_load(&s->lc.calls) == 1);
	/* two issuers: an error, never a partial answer (E19) */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -issuer %s -cert %s -no_nonce", P.ca.pem,
		 P.good.pem, P.ca2.pem, P.leaf2.pem);
	o = ossl(s->port, args);
	CHECK_MSG(strstr(o, "Responder Error: unauthorized") != NULL, "%s", o);
	CHECK(atomic_load(&s->lc.calls) == 1);
	/* expired entry: tryLater, never bytes past nextUpdate (B17) */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -no_nonce", P.ca.pem, P.expired.pem);
	o = ossl(s->port, args);
	CHECK_MSG(strstr(o, "Responder Error: trylater") != NULL, "%s", o);

	/* garbage, truncated DER, empty body: malformedRequest */
	memset(junk, 0x41, sizeof(junk));
	save("junk.der", junk, sizeof(junk));
	curl("-H 'Content-Type: application/ocsp-request' --data-binary @%s/junk.der "
	     "http://127.0.0.1:%d/", tdir, s->port);
	CHECK(R.code == 200 && body_status(OCSP_MALFORMED_REQUEST));
	/* what openssl makes of it */
	save("junk.resp", R.body, R.blen);
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "openssl ocsp -respin %s/junk.resp -resp_text 2>&1", tdir);
		run(cmd, OUT, sizeof(OUT));
		CHECK_MSG(strstr(OUT, "malformedrequest") != NULL, "%s", OUT);
	}
	one[0] = P.good.x;
	req = mk_req(&P.ca, one, 1, EVP_sha1(), false, &len);
	save("trunc.der", req, len - 3);
	save("good.req", req, len);
	curl("-H 'Content-Type: application/ocsp-request' --data-binary @%s/trunc.der "
	     "http://127.0.0.1:%d/", tdir, s->port);
	CHECK(R.code == 200 && body_status(OCSP_MALFORMED_REQUEST));
	CHECK(strcmp(hdr("Content-Type"), "application/ocsp-response") == 0);
	CHECK(strcmp(hdr("Cache-Control"), "max-age=0, no-cache") == 0);
	curl("-X POST -H 'Content-Type: application/ocsp-request' http://127.0.0.1:%d/", s->port);
	CHECK(R.code == 200 && body_status(OCSP_MALFORMED_REQUEST));
	/* no Content-Type: answered anyway (and counted) */
	curl("-H 'Content-Type:' --data-binary @%s/good.req http://127.0.0.1:%d/", tdir, s->port);
	CHECK(R.code == 200 && body_is(P.good1.der, P.good1.len));
	CHECK(ocsp_http_metrics(s->h)->post_bad_content_type >= 1);
	/* body over max_body: 413 from evhttp */
	{
		static uint8_t big[20000];

		memset(big, 0x30, sizeof(big));
		save("big.der", big, sizeof(big));
		curl("-H 'Content-Type: application/ocsp-request' --data-binary @%s/big.der "
		     "http://127.0.0.1:%d/", tdir, s->port);
		CHECK_MSG(R.code == 413 || R.code == 0, "%d", R.code);
	}
	free(req);
}

static void test_get(struct srv *s)
{
	X509 *one[1] = {P.good.x};
	char enc[512], url[2048], want[64], lm[OCSP_HTTP_DATE_LEN], ex[OCSP_HTTP_DATE_LEN];
	char etag[80];
	struct ocsp_blob *blob;
	struct ocsp_certid id;
	uint8_t *req;
	size_t len, i;
	ll_time t0, t1;
	long age;

	req = mk_req(&P.ca, one, 1, EVP_sha256(), false, &len);
	b64(req, len, enc);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", s->port, enc);
	t0 = ll_now();
	curl("'%s'", url);
	t1 = ll_now();
	CHECK(R.code == 200 && body_is(P.good256.der, P.good256.len));
	/* B19 headers */
	CHECK(strcmp(hdr("Content-Type"), "application/ocsp-response") == 0);
	age = atol(hdr("Cache-Control") + 8);
	CHECK_MSG(strncmp(hdr("Cache-Control"), "max-age=", 8) == 0 &&
		  age <= P.next_update - t0 && age >= P.next_update - t1 &&
		  strstr(hdr("Cache-Control"), ", public, no-transform, must-revalidate"),
		  "%s", hdr("Cache-Control"));
	ocsp_http_fmt_date(P.this_update, lm);
	ocsp_http_fmt_date(P.next_update, ex);
	CHECK_MSG(strcmp(hdr("Last-Modified"), lm) == 0, "%s", hdr("Last-Modified"));
	CHECK_MSG(strcmp(hdr("Expires"), ex) == 0, "%s", hdr("Expires"));
	CHECK(strlen(hdr("Date")) == 29);
	CHECK(strstr(R.hdr, "no-cache") == NULL && strstr(R.hdr, "Pragma") == NULL);
	memset(&id, 0, sizeof(id));
	id.alg = OCSP_HASH_SHA256;
	id.key_hash = P.good256.key_hash;
	id.hash_len = 32;
	id.serial = P.good256.serial;
	id.serial_len = P.good256.serial_len;
	blob = ocsp_table_get(s->t, &id);
	CHECK(blob != NULL);
	etag[0] = '\0';
	if (blob)
		ocsp_blob_etag(blob, etag);
	ocsp_blob_release(blob);
	CHECK_MSG(strcmp(hdr("ETag"), etag) == 0, "%s vs %s", hdr("ETag"), etag);
	/* the GET body verifies with openssl */
	save("get.der", R.body, R.blen);
	{
		char cmd[1024];

		snprintf(cmd, sizeof(cmd),
			 "openssl ocsp -respin %s/get.der -sha256 -issuer %s -cert %s -CAfile %s "
			 "-no-CApath -no-CAstore 2>&1", tdir, P.ca.pem, P.good.pem, P.ca.pem);
		run(cmd, OUT, sizeof(OUT));
		CHECK_MSG(strstr(OUT, "Response verify OK") && strstr(OUT, ": good"), "%s", OUT);
	}
	/* conditional: 304 with the caching headers and no body */
	curl("-H 'If-None-Match: %s' '%s'", etag, url);
	CHECK(R.code == 304 && R.blen == 0);
	CHECK(strcmp(hdr("ETag"), etag) == 0 && strncmp(hdr("Cache-Control"), "max-age=", 8) == 0);
	CHECK(strcmp(hdr("Expires"), ex) == 0);
	curl("-H 'If-None-Match: \"other\", W/%s' '%s'", etag, url);
	CHECK(R.code == 304);
	curl("-H 'If-None-Match: \"other\"' '%s'", url);
	CHECK(R.code == 200 && body_is(P.good256.der, P.good256.len));
	curl("-H 'If-Modified-Since: %s' '%s'", lm, url);
	CHECK(R.code == 304);
	/* HEAD: headers and length, no body */
	curl("-I '%s'", url);
	CHECK(R.code == 200 && head_only());
	snprintf(want, sizeof(want), "%zu", P.good256.len);
	CHECK_MSG(strcmp(hdr("Content-Length"), want) == 0, "%s", R.hdr);

	/* E18 quirks, all answered with the same bytes */
	{
		char q[1200];
		size_t k = 0, el = strlen(enc);

		/* %2F / %2B / %3D escapes */
		for (i = 0; i < el; i++) {
			if (enc[i] == '/' || enc[i] == '+' || enc[i] == '=')
				k += (size_t)snprintf(q + k, sizeof(q) - k, "%%%02X", enc[i]);
			else
				q[k++] = enc[i];
		}
		q[k] = '\0';
		curl("'http://127.0.0.1:%d/%s'", s->port, q);
		CHECK_MSG(R.code == 200 && body_is(P.good256.der, P.good256.len), "escaped %s", q);
		/* '+' as a space, no padding, trailing newline, base64url */
		for (i = 0, k = 0; i < el; i++) {
			if (enc[i] == '+')
				k += (size_t)snprintf(q + k, sizeof(q) - k, "%%20");
			else if (enc[i] == '/')
				q[k++] = '_';
			else if (enc[i] != '=')
				q[k++] = enc[i];
		}
		snprintf(q + k, sizeof(q) - k, "%%0A");
		curl("'http://127.0.0.1:%d/%s'", s->port, q);
		CHECK_MSG(R.code == 200 && body_is(P.good256.der, P.good256.len), "quirks %s", q);
		/* a GET URL over 255 bytes is fine (B18): a 5-CertID request */
	}
	{
		X509 *many[5] = {P.good.x, P.revoked.x, P.good.x, P.revoked.x, P.good.x};
		uint8_t *r5;
		size_t l5;
		char e5[2048];
		int before = atomic_load(&s->lc.calls);

		r5 = mk_req(&P.ca, many, 5, EVP_sha256(), false, &l5);
		b64(r5, l5, e5);
		CHECK(strlen(e5) > 255);
		curl("'http://127.0.0.1:%d/%s'", s->port, e5);
		CHECK(R.code == 200 && R.blen > 100 && atomic_load(&s->lc.calls) == before + 1);
		CHECK(strstr(hdr("Cache-Control"), "no-store") != NULL);
		free(r5);
	}
	/* a proxy that collapsed '//': find a serial whose request has one */
	{
		uint64_t sv;
		int tries = 0, before = (int)ocsp_http_metrics(s->h)->get_slash_repaired;
		bool done = false;

		for (sv = 1; !done && tries < 5000; sv++, tries++) {
			struct tcert c;
			char e2[512];
			uint8_t *r2;
			size_t l2;
			char *dbl;
			uint8_t mag[8];
			int b;
			X509 *lf[1];

			c.x = cg_new(P.ca.key, "slash", "slash");
			X509_set_issuer_name(c.x, X509_get_subject_name(P.ca.x));
			for (b = 0; b < 8; b++)
				mag[b] = (uint8_t)((sv * 0x9e3779b97f4a7c15ULL) >> (56 - 8 * b));
			mag[0] &= 0x7f;
			cg_set_serial(c.x, mag, 8, 0);
			lf[0] = c.x;
			r2 = mk_req(&P.ca, lf, 1, EVP_sha1(), false, &l2);
			b64(r2, l2, e2);
			dbl = strstr(e2, "//");
			if (dbl) {
				memmove(dbl, dbl + 1, strlen(dbl));
				curl("'http://127.0.0.1:%d/%s'", s->port, e2);
				/* parsed (a serial we do not hold), not malformed */
				CHECK_MSG(R.code == 200 && body_status(OCSP_UNAUTHORIZED), "%s", e2);
				CHECK((int)ocsp_http_metrics(s->h)->get_slash_repaired == before + 1);
				done = true;
			}
			free(r2);
			X509_free(c.x);
		}
		CHECK(done);
	}
	/* garbage GETs: malformedRequest, not an HTTP error */
	curl("'http://127.0.0.1:%d/not-base64!'", s->port);
	CHECK(R.code == 200 && body_status(OCSP_MALFORMED_REQUEST));
	curl("'http://127.0.0.1:%d/'", s->port);
	CHECK(R.code == 200 && body_status(OCSP_MALFORMED_REQUEST));
	/* URI over max_uri (4096): 414 */
	{
		static char longu[6000];

		memset(longu, 'A', 5000);
		longu[5000] = '\0';
		curl("'http://127.0.0.1:%d/%s'", s->port, longu);
		CHECK(R.code == 414);
		CHECK(strstr(hdr("Cache-Control"), "no-cache") != NULL);
	}
	free(req);
}

static void test_limits(struct srv *s)
{
	static char big[120000], resp[8192];
	const char *cl = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
			 "Content-Length: 1000000000000\r\n\r\n";
	size_t n;

	/* a 100 kB request line: refused (413 from evhttp) or closed; the
	 * server goes on answering */
	n = (size_t)snprintf(big, sizeof(big), "GET /");
	memset(big + n, 'A', 100000);
	n += 100000;
	n += (size_t)snprintf(big + n, sizeof(big) - n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	raw(s->port, big, n, resp, sizeof(resp));
	CHECK_MSG(resp[0] == '\0' || strncmp(resp, "HTTP/1.1 413", 12) == 0 ||
		  strncmp(resp, "HTTP/1.1 414", 12) == 0 || strncmp(resp, "HTTP/1.1 400", 12) == 0,
		  "%.40s", resp);
	curl("--data-binary @%s/good.req http://127.0.0.1:%d/", tdir, s->port);
	CHECK(R.code == 200 && body_is(P.good1.der, P.good1.len));
	/* a huge Content-Length */
	raw(s->port, cl, strlen(cl), resp, sizeof(resp));
	CHECK_MSG(resp[0] == '\0' || strncmp(resp, "HTTP/1.1 413", 12) == 0, "%.40s", resp);
	/* a request line that is not HTTP */
	raw(s->port, "HELLO\r\n\r\n", 9, resp, sizeof(resp));
	CHECK_MSG(resp[0] == '\0' || strncmp(resp, "HTTP/1.1 400", 12) == 0, "%.40s", resp);
	/* absolute-form */
	{
		char req[1024], enc[512];
		uint8_t *d;
		size_t l;
		X509 *one[1] = {P.revoked.x};

		d = mk_req(&P.ca, one, 1, EVP_sha1(), false, &l);
		b64(d, l, enc);
		snprintf(req, sizeof(req),
			 "GET http://ocsp.example/%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			 enc);
		n = raw(s->port, req, strlen(req), resp, sizeof(resp));
		CHECK(n > P.rev1.len && strncmp(resp, "HTTP/1.1 200", 12) == 0 &&
		      memcmp(resp + n - P.rev1.len, P.rev1.der, P.rev1.len) == 0);
		free(d);
	}
	/* pipelined requests on one connection, then HTTP/1.0 (closes) */
	{
		char req[2048], enc[512];
		uint8_t *d;
		size_t l, k;
		X509 *one[1] = {P.good.x};
		const char *p;
		int count = 0;

		d = mk_req(&P.ca, one, 1, EVP_sha1(), false, &l);
		b64(d, l, enc);
		k = (size_t)snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", enc);
		k += (size_t)snprintf(req + k, sizeof(req) - k,
				      "GET /%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", enc);
		n = raw(s->port, req, k, resp, sizeof(resp));
		/* the bodies are DER (with NULs): search the bytes */
		for (p = resp; (p = memmem(p, n - (size_t)(p - resp), "HTTP/1.1 200 OK", 15)) != NULL;
		     p++)
			count++;
		CHECK_MSG(count == 2 && n > 2 * P.good1.len, "%d responses", count);
		k = (size_t)snprintf(req, sizeof(req), "GET /%s HTTP/1.0\r\n\r\n", enc);
		n = raw(s->port, req, k, resp, sizeof(resp)); /* returns once the server closes */
		CHECK(n > P.good1.len && strncmp(resp, "HTTP/1.0 200", 12) == 0 &&
		      memcmp(resp + n - P.good1.len, P.good1.der, P.good1.len) == 0);
		free(d);
	}
	/* other methods and paths */
	curl("-X PUT --data x http://127.0.0.1:%d/", s->port);
	CHECK(R.code == 405 && strcmp(hdr("Allow"), "GET, HEAD, POST") == 0 &&
	      strstr(hdr("Cache-Control"), "no-cache"));
	curl("-X DELETE http://127.0.0.1:%d/x", s->port);
	CHECK(R.code == 405);
}

/* Holds n idle connections while a normal request still succeeds. */
static void test_idle(struct srv *s, int n)
{
	int *fds = calloc((size_t)n, sizeof(int)), i, open = 0;
	double t0;

	for (i = 0; i < n; i++) {
		fds[i] = tcp_connect(s->port);
		if (fds[i] >= 0)
			open++;
	}
	CHECK_MSG(open == n, "%d of %d connected", open, n);
	t0 = mono();
	while (ocsp_http_connections(s->h) < (size_t)n && mono() - t0 < 3)
		usleep(10000);
	CHECK_MSG(ocsp_http_connections(s->h) >= (size_t)n, "%zu", ocsp_http_connections(s->h));
	t0 = mono();
	curl("--data-binary @%s/good.req http://127.0.0.1:%d/", tdir, s->port);
	CHECK(R.code == 200 && body_is(P.good1.der, P.good1.len));
	printf("# %d idle connections: request took %.1f ms\n", n, (mono() - t0) * 1000);
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	/* every close is accounted for */
	t0 = mono();
	while (ocsp_http_connections(s->h) != 0 && mono() - t0 < 5)
		usleep(10000);
	CHECK_MSG(ocsp_http_connections(s->h) == 0, "%zu left", ocsp_http_connections(s->h));
}

struct slow_ctx {
	int port;
	const char *req;
	double closed_after;   /* seconds until the server closed it; -1 never */
	size_t sent;
};

static void *slowloris(void *arg)
{
	struct slow_ctx *c = arg;
	int fd = tcp_connect(c->port);
	double t0 = mono();
	size_t i, len = strlen(c->req);
	char b[256];

	c->closed_after = -1;
	if (fd < 0)
		return NULL;
	for (i = 0; i < len && mono() - t0 < 8; i++) {
		struct pollfd pfd = {fd, POLLIN, 0};

		if (send(fd, c->req + i, 1, MSG_NOSIGNAL) != 1)
			break;
		c->sent++;
		/* the server closing shows up as readable EOF */
		if (poll(&pfd, 1, 200) == 1 && recv(fd, b, sizeof(b), MSG_DONTWAIT) <= 0)
			break;
	}
	if (i < len)
		c->closed_after = mono() - t0;
	close(fd);
	return NULL;
}

static void test_slowloris(struct srv *s, int timeout)
{
	char req[1024], enc[512];
	struct slow_ctx c;
	pthread_t th;
	double t0, worst = 0;
	int i, ok = 0;

	b64(P.good1.der, 20, enc); /* any path: it never completes */
	snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: slow%s\r\n\r\n", enc,
		 enc);
	memset(&c, 0, sizeof(c));
	c.port = s->port;
	c.req = req;
	pthread_create(&th, NULL, slowloris, &c);
	usleep(300000);
	for (i = 0; i < 10; i++) {
		double t = mono();

		curl("--data-binary @%s/good.req http://127.0.0.1:%d/", tdir, s->port);
		if (R.code == 200 && body_is(P.good1.der, P.good1.len))
			ok++;
		if (mono() - t > worst)
			worst = mono() - t;
	}
	CHECK(ok == 10);
	CHECK_MSG(worst < 1.0, "%.3f s", worst);
	t0 = mono();
	pthread_join(th, NULL);
	/* cut by the request deadline (timeout_secs), not left to trickle */
	printf("# slowloris: %zu bytes sent before the server closed at %.1f s; others' worst "
	       "%.1f ms\n", c.sent, c.closed_after, worst * 1000);
	CHECK_MSG(c.closed_after > 0 && c.closed_after < timeout + 2.5, "%.1f", c.closed_after);
	(void)t0;
}

static void test_crl(struct srv *s, const char *crldir)
{
	char path[256], etag[80], lm[64], want[80];
	uint8_t data[3000], md[32];
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31);
	snprintf(path, sizeof(path), "%s/ca-1.crl", crldir);
	{
		FILE *f = fopen(path, "wb");

		fwrite(data, 1, sizeof(data), f);
		fclose(f);
	}
	curl("http://127.0.0.1:%d/crl/ca-1.crl", s->port);
	CHECK(R.code == 200 && body_is(data, sizeof(data)));
	CHECK(strcmp(hdr("Content-Type"), "application/pkix-crl") == 0);
	EVP_Digest(data, sizeof(data), md, NULL, EVP_sha256(), NULL);
	want[0] = '"';
	for (i = 0; i < 32; i++)
		snprintf(want + 1 + 2 * i, 3, "%02x", md[i]);
	strcat(want, "\"");
	snprintf(etag, sizeof(etag), "%s", hdr("ETag"));
	CHECK_MSG(strcmp(etag, want) == 0, "%s", etag);
	snprintf(lm, sizeof(lm), "%s", hdr("Last-Modified"));
	CHECK(strlen(lm) == 29);
	curl("-H 'If-None-Match: %s' http://127.0.0.1:%d/crl/ca-1.crl", etag, s->port);
	CHECK(R.code == 304 && R.blen == 0);
	curl("-H 'If-Modified-Since: %s' http://127.0.0.1:%d/crl/ca-1.crl", lm, s->port);
	CHECK(R.code == 304);
	curl("-I http://127.0.0.1:%d/crl/ca-1.crl", s->port);
	CHECK(R.code == 200 && head_only() && atoi(hdr("Content-Length")) == (int)sizeof(data));
	/* a new version (renamed into place) gets a new ETag at once */
	{
		char tmpp[300];
		FILE *f;

		snprintf(tmpp, sizeof(tmpp), "%s/.new", crldir);
		f = fopen(tmpp, "wb");
		data[0] ^= 1;
		fwrite(data, 1, sizeof(data) - 1, f);
		fclose(f);
		rename(tmpp, path);
	}
	curl("-H 'If-None-Match: %s' http://127.0.0.1:%d/crl/ca-1.crl", etag, s->port);
	CHECK(R.code == 200 && body_is(data, sizeof(data) - 1) && strcmp(hdr("ETag"), etag) != 0);
	/* missing, traversal, odd names: 404 without touching other files */
	curl("http://127.0.0.1:%d/crl/none.crl", s->port);
	CHECK(R.code == 404 && strstr(hdr("Cache-Control"), "no-cache"));
	curl("http://127.0.0.1:%d/crl/../good.pem", s->port);
	CHECK(R.code == 404 || (R.code == 200 && body_status(OCSP_MALFORMED_REQUEST)));
	curl("http://127.0.0.1:%d/crl/..%%2Fgood.pem", s->port);
	CHECK(R.code == 404);
	curl("http://127.0.0.1:%d/crl/%%2e%%2e/x.crl", s->port);
	CHECK(R.code == 404);
	curl("http://127.0.0.1:%d/crl/...crl", s->port);
	CHECK(R.code == 404);
	curl("http://127.0.0.1:%d/crl/.new", s->port);
	CHECK(R.code == 404);
	curl("http://127.0.0.1:%d/crl/sub/ca-1.crl", s->port);
	CHECK(R.code == 404);
	curl("-X POST --data x http://127.0.0.1:%d/crl/ca-1.crl", s->port);
	CHECK(R.code == 405);
}

static void test_metrics(struct srv *s)
{
	const struct ocsp_http_metrics *m = ocsp_http_metrics(s->h);
	unsigned long long handled, buckets = 0;
	int i;

	handled = m->ok + m->not_modified + m->malformed + m->unauthorized + m->try_later +
		  m->internal + m->live_signed + m->crl_served + m->http_errors;
	for (i = 0; i < 8; i++)
		buckets += m->latency_bucket[i];
	printf("# metrics: ok %llu 304 %llu malformed %llu unauthorized %llu tryLater %llu "
	       "live %llu crl %llu http-errors %llu; <100us %llu\n",
	       m->ok, m->not_modified, m->malformed, m->unauthorized, m->try_later,
	       m->live_signed, m->crl_served, m->http_errors, m->latency_bucket[0]);
	CHECK(m->ok > 5 && m->not_modified >= 4 && m->malformed >= 4 && m->unauthorized >= 3 &&
	      m->try_later >= 1 && m->live_signed >= 2 && m->crl_served >= 2 && m->http_errors >= 5);
	CHECK_MSG(handled == buckets, "%llu vs %llu", handled, buckets);
}

/* ---- other configurations --------------------------------------------- */

static void test_prefix(void)
{
	struct ocsp_http_cfg cfg;
	struct srv s;
	char enc[512];
	uint8_t *req;
	size_t len;
	X509 *one[1] = {P.revoked.x};

	memset(&cfg, 0, sizeof(cfg));
	cfg.path_prefix = "/ocsp/";
	cfg.threads = 1;
	srv_start(&s, &cfg, false);
	req = mk_req(&P.ca, one, 1, EVP_sha1(), false, &len);
	b64(req, len, enc);
	curl("http://127.0.0.1:%d/ocsp/%s", s.port, enc);
	CHECK(R.code == 200 && body_is(P.rev1.der, P.rev1.len));
	curl("http://127.0.0.1:%d/ocsp//%s", s.port, enc);
	CHECK(R.code == 200 && body_is(P.rev1.der, P.rev1.len));
	curl("http://127.0.0.1:%d/ocspx/%s", s.port, enc);
	CHECK(R.code == 404);
	curl("http://127.0.0.1:%d/%s", s.port, enc);
	CHECK(R.code == 404);
	curl("http://127.0.0.1:%d/crl/x.crl", s.port); /* CRLs off */
	CHECK(R.code == 404);
	save("rev.req", req, len);
	curl("--data-binary @%s/rev.req http://127.0.0.1:%d/ocsp", tdir, s.port);
	CHECK(R.code == 200 && body_is(P.rev1.der, P.rev1.len));
	curl("--data-binary @%s/rev.req http://127.0.0.1:%d/ocsp/", tdir, s.port);
	CHECK(R.code == 200 && body_is(P.rev1.der, P.rev1.len));
	/* without a live hook, several CertIDs cannot be signed */
	{
		X509 *two[2] = {P.good.x, P.revoked.x};
		uint8_t *r2 = mk_req(&P.ca, two, 2, EVP_sha1(), false, &len);

		save("two.req", r2, len);
		curl("--data-binary @%s/two.req http://127.0.0.1:%d/ocsp", tdir, s.port);
		CHECK(R.code == 200 && body_status(OCSP_UNAUTHORIZED));
		free(r2);
	}
	srv_stop(&s);
	free(req);
}

static void test_nonce_unknown(void)
{
	struct ocsp_http_cfg cfg;
	struct srv s;
	char args[1024];
	const char *o;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nonce_echo = true;
	cfg.unknown_signed = true;
	cfg.threads = 2;
	srv_start(&s, &cfg, true);
	/* a nonce is echoed in a live response (B20) */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -resp_text", P.ca.pem, P.good.pem);
	o = ossl(s.port, args);
	CHECK_MSG(strstr(o, "Response verify OK") && strstr(o, "OCSP Nonce") &&
		  !strstr(o, "WARNING"), "%s", o);
	CHECK(atomic_load(&s.lc.calls) == 1);
	/* without a nonce: the stored bytes */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -no_nonce -resp_text", P.ca.pem, P.good.pem);
	o = ossl(s.port, args);
	CHECK_MSG(strstr(o, ": good") && atomic_load(&s.lc.calls) == 1, "%s", o);
	/* an unknown serial: a signed "unknown" from the hook (B14 b) */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -no_nonce", P.ca.pem, P.unknown.pem);
	o = ossl(s.port, args);
	CHECK_MSG(strstr(o, ": unknown") && atomic_load(&s.lc.unknown_calls) == 1, "%s", o);
	/* an unknown issuer is still unauthorized (E20) */
	snprintf(args, sizeof(args), "-issuer %s -cert %s -no_nonce", P.ca2.pem, P.leaf2.pem);
	o = ossl(s.port, args);
	CHECK_MSG(strstr(o, "Responder Error: unauthorized"), "%s", o);
	srv_stop(&s);
}

static void test_cap(void)
{
	struct ocsp_http_cfg cfg;
	struct srv s;
	int fds[20], i, extra;
	char resp[512];
	double t0;
	ssize_t n;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_connections = 20;
	cfg.threads = 2;
	srv_start(&s, &cfg, false);
	for (i = 0; i < 20; i++)
		fds[i] = tcp_connect(s.port);
	t0 = mono();
	while (ocsp_http_connections(s.h) < 20 && mono() - t0 < 3)
		usleep(5000);
	CHECK(ocsp_http_connections(s.h) == 20);
	extra = tcp_connect(s.port);
	n = extra >= 0 ? recv(extra, resp, sizeof(resp) - 1, 0) : -1;
	resp[n > 0 ? n : 0] = '\0';
	CHECK_MSG(n > 0 && strncmp(resp, "HTTP/1.1 503", 12) == 0, "%zd %s", n, resp);
	if (extra >= 0)
		close(extra);
	CHECK_MSG(ocsp_http_metrics(s.h)->connections_rejected == 1, "%llu",
		  (unsigned long long)ocsp_http_metrics(s.h)->connections_rejected);
	for (i = 0; i < 20; i++)
		close(fds[i]);
	t0 = mono();
	while (ocsp_http_connections(s.h) != 0 && mono() - t0 < 3)
		usleep(5000);
	CHECK(ocsp_http_connections(s.h) == 0);
	curl("--data-binary @%s/good.req http://127.0.0.1:%d/", tdir, s.port);
	CHECK(R.code == 200 && body_is(P.good1.der, P.good1.len));
	srv_stop(&s);
}

struct inflight {
	int port;
	const uint8_t *req;
	size_t len;
	char resp[8192];
	size_t n;
};

static void *inflight_client(void *arg)
{
	struct inflight *c = arg;
	char hdrs[256];
	size_t hl;
	static char buf[9000];

	hl = (size_t)snprintf(hdrs, sizeof(hdrs),
			      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
			      "Content-Length: %zu\r\n\r\n", c->len);
	memcpy(buf, hdrs, hl);
	memcpy(buf + hl, c->req, c->len);
	c->n = raw(c->port, buf, hl + c->len, c->resp, sizeof(c->resp));
	return NULL;
}

/* Stop with a request in flight: it is answered; idle keep-alive
 * connections do not hold the stop for the whole grace period. */
static void test_stop(void)
{
	struct ocsp_http_cfg cfg;
	struct srv s;
	struct inflight c;
	pthread_t th;
	uint8_t *req;
	X509 *one[1] = {P.good.x};
	int idle, after;
	double t0, took;
	OCSP_RESPONSE *r;
	const uint8_t *p;
	char *body;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nonce_echo = true;
	cfg.threads = 2;
	srv_start(&s, &cfg, true);
	s.lc.sleep_ms = 400;
	idle = tcp_connect(s.port);
	req = mk_req(&P.ca, one, 1, EVP_sha1(), true, &c.len);
	c.port = s.port;
	c.req = req;
	pthread_create(&th, NULL, inflight_client, &c);
	t0 = mono();
	while (!atomic_load(&s.lc.entered) && mono() - t0 < 5)
		usleep(1000);
	CHECK(atomic_load(&s.lc.entered));
	t0 = mono();
	ocsp_http_stop(s.h, 3);
	took = mono() - t0;
	pthread_join(th, NULL);
	printf("# stop with a request in flight: %.0f ms\n", took * 1000);
	CHECK_MSG(took > 0.2 && took < 2.0, "%.3f", took);
	CHECK_MSG(strncmp(c.resp, "HTTP/1.1 200", 12) == 0, "%.60s", c.resp);
	body = strstr(c.resp, "\r\n\r\n");
	p = body ? (const uint8_t *)body + 4 : NULL;
	r = p ? d2i_OCSP_RESPONSE(NULL, &p, (long)(c.n - (size_t)(p - (const uint8_t *)c.resp)))
	      : NULL;
	CHECK(r && OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL);
	OCSP_RESPONSE_free(r);
	after = tcp_connect(s.port);
	CHECK(after < 0); /* no longer listening */
	if (after >= 0)
		close(after);
	if (idle >= 0)
		close(idle);
	ocsp_http_free(s.h);
	ocsp_table_free(s.t);
	free(req);
}

int main(void)
{
	struct ocsp_http_cfg cfg;
	struct srv s;
	struct rlimit rl;
	char crldir[128], cmd[256];

	signal(SIGPIPE, SIG_IGN);
	/* 1000 idle connections plus curl and the server's own */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(tdir, sizeof(tdir), "/tmp/ll-ocsp-http-XXXXXX");
	if (!mkdtemp(tdir))
		cg_die("mkdtemp");
	snprintf(crldir, sizeof(crldir), "%s/crl", tdir);
	mkdir(crldir, 0755);
	pki_setup();
	test_util();

	memset(&cfg, 0, sizeof(cfg));
	cfg.threads = 2;
	cfg.crl_dir = crldir;
	cfg.timeout_secs = 2;
	cfg.max_connections = 3000;
	srv_start(&s, &cfg, true);
	test_post(&s);
	test_get(&s);
	test_limits(&s);
	test_crl(&s, crldir);
	test_idle(&s, 1000);
	test_slowloris(&s, 2);
	test_metrics(&s);
	srv_stop(&s);

	test_prefix();
	test_nonce_unknown();
	test_cap();
	test_stop();

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tdir);
	return tap_done();
}
