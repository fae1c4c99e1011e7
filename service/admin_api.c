/* admin_api.c - see admin_api.h. Holds a small strict reader for the flat
 * JSON objects the endpoints take (lastleaf has no JSON parser otherwise),
 * the request -> module argument mapping (the same checks as the CLI), and
 * an "admin-api.*" audit row naming the caller. It never reads files named
 * in a request: CA certificates are named by SHA-256 only. */
#include "admin_api.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "lltime.h"
#include "retire.h"
#include "revoke.h"
#include "store.h"

/* ---- a strict reader for flat JSON objects ---------------------------
 * Accepts exactly one object whose members are strings, true, false or
 * null; anything else (nesting, numbers, duplicate or unknown keys, bad
 * escapes, invalid UTF-8, \u0000, trailing bytes) is an error. Every
 * output is bounded, so any input of any length is safe to feed. */

#define AJ_MAX_FIELDS 16
#define AJ_MAX_KEY 64
#define AJ_MAX_VAL 4096

enum aj_type { AJ_STR, AJ_TRUE, AJ_FALSE, AJ_NULL };

struct aj_field {
	char key[AJ_MAX_KEY + 1];
	char val[AJ_MAX_VAL + 1]; /* NUL-terminated; never contains NUL */
	enum aj_type type;
};

struct aj_obj {
	struct aj_field f[AJ_MAX_FIELDS];
	size_t n;
};

struct aj_in {
	const unsigned char *p, *end;
};

static void aj_ws(struct aj_in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

static int aj_hex4(const unsigned char *p)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		int c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static bool aj_put(char *out, size_t cap, size_t *n, const unsigned char *s, size_t len)
{
	if (*n + len > cap)
		return false;
	memcpy(out + *n, s, len);
	*n += len;
	return true;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t aj_utf8(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Reads a string at in->p (the opening quote) into out[cap+1]. */
static bool aj_string(struct aj_in *in, char *out, size_t cap, const char **why)
{
	size_t n = 0;

	in->p++;
	while (in->p < in->end && *in->p != '"') {
		unsigned char c = *in->p, u[4];
		size_t k;

		if (c < 0x20) {
			*why = "control character in a string";
			return false;
		}
		if (c != '\\') {
			k = aj_utf8(in->p, in->end);
			if (!k) {
				*why = "invalid UTF-8";
				return false;
			}
			if (!aj_put(out, cap, &n, in->p, k))
				goto toolong;
			in->p += k;
			continue;
		}
		if (in->end - in->p < 2) {
			*why = "unterminated string";
			return false;
		}
		c = in->p[1];
		in->p += 2;
		if (c == 'u') {
			int cp, lo;

			if (in->end - in->p < 4 || (cp = aj_hex4(in->p)) < 0) {
				*why = "bad \\u escape";
				return false;
			}
			in->p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				*why = "lone surrogate in a \\u escape";
				return false;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (in->end - in->p < 6 || in->p[0] != '\\' || in->p[1] != 'u' ||
				    (lo = aj_hex4(in->p + 2)) < 0xdc00 || lo > 0xdfff) {
					*why = "lone surrogate in a \\u escape";
					return false;
				}
				in->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0) {
				*why = "\\u0000 is not allowed";
				return false;
			}
			if (cp < 0x80) {
				u[0] = (unsigned char)cp;
				k = 1;
			} else if (cp < 0x800) {
				u[0] = (unsigned char)(0xc0 | (cp >> 6));
				u[1] = (unsigned char)(0x80 | (cp & 0x3f));
				k = 2;
			} else if (cp < 0x10000) {
				u[0] = (unsigned char)(0xe0 | (cp >> 12));
				u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (unsigned char)(0x80 | (cp & 0x3f));
				k = 3;
			} else {
				u[0] = (unsigned char)(0xf0 | (cp >> 18));
				u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
				u[3] = (unsigned char)(0x80 | (cp & 0x3f));
				k = 4;
			}
		} else {
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *hit = strchr(from, c);

			if (!c || !hit) {
				*why = "bad escape in a string";
				return false;
			}
			u[0] = (unsigned char)to[hit - from];
			k = 1;
		}
		if (!aj_put(out, cap, &n, u, k))
			goto toolong;
	}
	if (in->p == in->end) {
		*why = "unterminated string";
		return false;
	}
	in->p++;
	out[n] = '\0';
	return true;
toolong:
	*why = "a key or value is too long";
	return false;
}

static bool aj_word(struct aj_in *in, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, w, n) != 0)
		return false;
	in->p += n;
	return true;
}

/* Parses body[0..len) into o. On failure returns false with *why. */
static bool aj_parse(const unsigned char *body, size_t len, struct aj_obj *o, const char **why)
{
	struct aj_in in = {body, body + len};
	size_t i;

	o->n = 0;
	aj_ws(&in);
	if (in.p == in.end || *in.p != '{') {
		*why = "the body must be a JSON object";
		return false;
	}
	in.p++;
	aj_ws(&in);
	if (in.p < in.end && *in.p == '}') {
		in.p++;
		goto done;
	}
	for (;;) {
		struct aj_field *f;

		if (o->n == AJ_MAX_FIELDS) {
			*why = "too many members";
			return false;
		}
		f = &o->f[o->n];
		aj_ws(&in);
		if (in.p == in.end || *in.p != '"') {
			*why = "expected a member name";
			return false;
		}
		if (!aj_string(&in, f->key, AJ_MAX_KEY, why))
			return false;
		for (i = 0; i < o->n; i++)
			if (strcmp(o->f[i].key, f->key) == 0) {
				*why = "duplicate member";
				return false;
			}
		aj_ws(&in);
		if (in.p == in.end || *in.p != ':') {
			*why = "expected ':'";
			return false;
		}
		in.p++;
		aj_ws(&in);
		f->val[0] = '\0';
		if (in.p < in.end && *in.p == '"') {
			if (!aj_string(&in, f->val, AJ_MAX_VAL, why))
				return false;
			f->type = AJ_STR;
		} else if (aj_word(&in, "true")) {
			f->type = AJ_TRUE;
		} else if (aj_word(&in, "false")) {
			f->type = AJ_FALSE;
		} else if (aj_word(&in, "null")) {
			f->type = AJ_NULL;
		} else {
			*why = "values must be strings, true, false or null";
			return false;
		}
		o->n++;
		aj_ws(&in);
		if (in.p < in.end && *in.p == ',') {
			in.p++;
			continue;
		}
		if (in.p < in.end && *in.p == '}') {
			in.p++;
			break;
		}
		*why = "expected ',' or '}'";
		return false;
	}
done:
	aj_ws(&in);
	if (in.p != in.end) {
		*why = "trailing bytes after the object";
		return false;
	}
	return true;
}

static const struct aj_field *aj_get(const struct aj_obj *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->f[i].key, key) == 0 && o->f[i].type != AJ_NULL)
			return &o->f[i];
	return NULL;
}

/* ---- replies ---------------------------------------------------------- */

static void reply_json(struct evhttp_request *req, int code, struct json_out *j)
{
	static const struct {
		int code;
		const char *reason;
	} reasons[] = {{200, "OK"}, {400, "Bad Request"}, {404, "Not Found"}, {409, "Conflict"},
		       {413, "Payload Too Large"}, {500, "Internal Server Error"},
		       {503, "Service Unavailable"}};
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	const char *reason = "Error", *s = json_str(j);
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			reason = reasons[i].reason;
	if (!b) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add(b, s, strlen(s));
	evbuffer_add(b, "\n", 1);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void reply_error(struct evhttp_request *req, int code, const char *msg)
{
	struct json_out j;

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "error", msg);
	json_obj_end(&j);
	reply_json(req, code, &j);
	json_free(&j);
}

/* The revoke and retire modules report failures as text only; map the
 * messages they are known to produce to HTTP codes. Anything else is a
 * database or internal failure (500). */
static int error_code(const char *msg)
{
	static const char *const not_found[] = {
		"no CA named", "no registered CA certificate", "has no leaf with serial", "has no plan"};
	static const char *const conflict[] = {"already revoked", "already has a plan"};
	static const char *const invalid[] = {
		"--reason", "--at ", "--invalidity-date", "revocation time", "self-signed root",
		"keyCompromise means now", "--policy", "--provided", "under the window policy",
		"the freeze", "(C5)"};
	size_t i;

	for (i = 0; i < sizeof(not_found) / sizeof(not_found[0]); i++)
		if (strstr(msg, not_found[i]))
			return 404;
	for (i = 0; i < sizeof(conflict) / sizeof(conflict[0]); i++)
		if (strstr(msg, conflict[i]))
			return 409;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		if (strstr(msg, invalid[i]))
			return 400;
	return 500;
}

/* ---- request plumbing ------------------------------------------------ */

/* The parsed request of one call, and what is needed to answer and audit
 * it. Heap-allocated: the object is about 66 KiB. */
struct api_call {
	struct admin *a;
	struct evhttp_request *req;
	const char *action;	/* audit action, "admin-api.revoke" ... */
	struct aj_obj body;
};

/* Reads and parses the body; checks every member is in allowed. Sends 400
 * and returns false otherwise. */
static bool call_parse(struct api_call *c, const char *const *allowed)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in), i, k;
	unsigned char *body = malloc(len ? len : 1);
	const char *why = NULL;
	char msg[160];

	if (!body) {
		reply_error(c->req, 500, "out of memory");
		return false;
	}
	if (evbuffer_copyout(in, body, len) != (ev_ssize_t)len || !aj_parse(body, len, &c->body, &why)) {
		free(body);
		snprintf(msg, sizeof(msg), "malformed JSON body: %s", why ? why : "unreadable");
		reply_error(c->req, 400, msg);
		return false;
	}
	free(body);
	for (i = 0; i < c->body.n; i++) {
		for (k = 0; allowed[k] && strcmp(allowed[k], c->body.f[i].key); k++)
			;
		if (!allowed[k]) {
			snprintf(msg, sizeof(msg), "unknown member '%.64s'", c->body.f[i].key);
			reply_error(c->req, 400, msg);
			return false;
		}
	}
	return true;
}

/* A string member, or NULL when absent or null. A member of another type
 * is an error: sends 400 and sets *bad. */
static const char *str_member(struct api_call *c, const char *key, bool *bad)
{
	const struct aj_field *f = aj_get(&c->body, key);
	char msg[120];

	if (!f || *bad)
		return NULL;
	if (f->type != AJ_STR) {
		snprintf(msg, sizeof(msg), "'%s' must be a string", key);
		reply_error(c->req, 400, msg);
		*bad = true;
		return NULL;
	}
	return f->val;
}

static bool bad_request(struct api_call *c, const char *fmt, const char *what)
{
	char msg[300];

	snprintf(msg, sizeof(msg), fmt, what);
	reply_error(c->req, 400, msg);
	return false;
}

static bool time_member(struct api_call *c, const char *key, bool *has, ll_time *t, bool *bad)
{
	const char *v = str_member(c, key, bad);

	if (*bad)
		return false;
	*has = v != NULL;
	if (v && !ll_time_parse_rfc3339(v, t)) {
		*bad = true;
		return bad_request(c, "'%s' is not an RFC 3339 time", key);
	}
	return true;
}

/* The CA certificate as 64 hex digits of its SHA-256 (no file names: the
 * API never opens a path a caller chose). */
static bool sha_member(struct api_call *c, uint8_t sha[32], char hex[65], bool *bad)
{
	const char *v = str_member(c, "ca_cert", bad);
	size_t n;

	if (*bad)
		return false;
	if (!v || strlen(v) != 64 || !ll_hex_decode(v, sha, 32, &n) || n != 32) {
		*bad = true;
		return bad_request(c, "'%s' must be the certificate's SHA-256 as 64 hex digits",
				   "ca_cert");
	}
	ll_hex_encode(sha, 32, hex);
	return true;
}

/* Appends the "admin-api.*" audit row: who called (the credential, which
 * the module's own row cannot name yet), from where, with what, and the
 * outcome. Its own statement after the module's transaction: a failure
 * here is logged, the change itself stands. */
static void call_audit(struct api_call *c, struct store *s, int code, const char *result_json)
{
	const char *actor = admin_actor(c->a);
	struct json_out args;
	struct ll_err err;
	const char *p[4];
	PGresult *r;
	size_t i;

	json_init(&args);
	json_obj_begin(&args);
	json_kv_str(&args, "remote", admin_peer(c->req));
	json_obj_key_begin(&args, "request");
	for (i = 0; i < c->body.n; i++) {
		const struct aj_field *f = &c->body.f[i];

		if (f->type == AJ_STR)
			json_kv_str(&args, f->key, f->val);
		else if (f->type == AJ_NULL)
			json_kv_null(&args, f->key);
		else
			json_kv_bool(&args, f->key, f->type == AJ_TRUE);
	}
	json_obj_end(&args);
	json_kv_int(&args, "status", code);
	json_obj_end(&args);
	p[0] = actor ? actor : "admin-api";
	p[1] = c->action;
	p[2] = json_str(&args);
	p[3] = result_json ? result_json : "{}";
	r = store_query(s, "INSERT INTO audit(actor, action, args, result) VALUES ($1, $2, $3::jsonb, $4::jsonb)",
			4, p, &err);
	if (!r)
		admin_logf("error", "%s by %s: the audit row failed: %s", c->action, p[0], err.msg);
	PQclear(r);
	json_free(&args);
}

/* Answers a module failure: the mapped code, the module's message. */
static void call_failed(struct api_call *c, struct store *s, const struct ll_err *err)
{
	int code = error_code(err->msg);
	struct json_out j;

	json_init(&j);
	json_obj_begin(&j);
	json_kv_str(&j, "error", code == 500 ? "internal error (see the server log)" : err->msg);
	json_obj_end(&j);
	admin_logf(code == 500 ? "error" : "info", "%s by %s refused (%d): %s", c->action,
		   admin_actor(c->a), code, err->msg);
	if (s) {
		struct json_out r;

		json_init(&r);
		json_obj_begin(&r);
		json_kv_str(&r, "error", err->msg);
		json_obj_end(&r);
		call_audit(c, s, code, json_str(&r));
		json_free(&r);
	}
	reply_json(c->req, code, &j);
	json_free(&j);
}

static struct store *call_store(struct api_call *c)
{
	struct ll_err err;
	struct store *s = store_open(admin_cfg(c->a), &err);

	if (!s) {
		admin_logf("error", "%s: database: %s", c->action, err.msg);
		reply_error(c->req, 503, "database unavailable");
		return NULL;
	}
	store_set_actor(s, admin_actor(c->a));
	return s;
}

static struct api_call *call_new(void *arg, struct evhttp_request *req, const char *action)
{
	struct api_call *c = calloc(1, sizeof(*c));

	if (!c) {
		reply_error(req, 500, "out of memory");
		return NULL;
	}
	c->a = arg;
	c->req = req;
	c->action = action;
	return c;
}

/* ---- POST /api/v1/revoke ---------------------------------------------- */

static void api_revoke(struct evhttp_request *req, void *arg)
{
	static const char *const allowed[] = {"ca", "serial", "ca_cert", "reason", "revoked_at",
					      "invalidity_date", NULL};
	struct api_call *c = call_new(arg, req, "admin-api.revoke");
	struct revoke_leaf_req rq = {0};
	struct store *s = NULL;
	struct ll_err err;
	struct json_out j;
	enum revoke_outcome outcome = REVOKE_NOOP;
	const char *serial, *reason, *ca_cert;
	uint8_t serial_bytes[64], sha[32];
	char summary[600], hex[65], shex[130];
	bool bad = false, ok;

	json_init(&j);
	if (!c || !call_parse(c, allowed))
		goto out;
	rq.ca_name = str_member(c, "ca", &bad);
	serial = str_member(c, "serial", &bad);
	reason = str_member(c, "reason", &bad);
	ca_cert = aj_get(&c->body, "ca_cert") ? "" : NULL;
	if (bad || !time_member(c, "revoked_at", &rq.has_at, &rq.at, &bad) ||
	    !time_member(c, "invalidity_date", &rq.has_invalidity, &rq.invalidity, &bad))
		goto out;
	if (!reason) {
		bad_request(c, "'%s' is required (an RFC 5280 name such as keyCompromise)", "reason");
		goto out;
	}
	if (!ca_cert && (!rq.ca_name || !serial)) {
		bad_request(c, "%s", "give 'ca' and 'serial' (a leaf) or 'ca_cert' (a CA certificate)");
		goto out;
	}
	if (ca_cert && (rq.ca_name || serial || rq.has_invalidity)) {
		bad_request(c, "%s", "'ca_cert' goes without 'ca', 'serial' and 'invalidity_date'");
		goto out;
	}
	rq.reason = revoke_reason_code(reason);
	if (rq.reason < 0 || rq.reason == 7) {
		bad_request(c, "unknown reason '%.64s' (use an RFC 5280 name such as keyCompromise "
			       "or cessationOfOperation)", reason);
		goto out;
	}
	if (ca_cert) {
		if (!sha_member(c, sha, hex, &bad))
			goto out;
	} else {
		if (!ll_serial_from_hex(serial, serial_bytes, sizeof(serial_bytes), &rq.serial_len) ||
		    rq.serial_len > 21) {
			bad_request(c, "'serial' '%.64s' is not a hex serial", serial);
			goto out;
		}
		rq.serial = serial_bytes;
	}
	if (!(s = call_store(c)))
		goto out;
	if (ca_cert)
		ok = revoke_ca_cert(s, sha, rq.reason, rq.has_at, rq.at, false, &outcome, summary,
				    sizeof(summary), &err);
	else
		ok = revoke_leaf(s, &rq, &outcome, summary, sizeof(summary), &err);
	if (!ok) {
		call_failed(c, s, &err);
		goto out;
	}
	json_obj_begin(&j);
	json_kv_str(&j, "result", outcome == REVOKE_DONE ? "revoked" :
				  outcome == REVOKE_UPGRADED ? "upgraded" : "unchanged");
	if (ca_cert) {
		json_kv_str(&j, "ca_cert", hex);
	} else {
		ll_hex_encode(rq.serial, rq.serial_len, shex);
		json_kv_str(&j, "ca", rq.ca_name);
		json_kv_str(&j, "serial", shex);
	}
	json_kv_str(&j, "reason", revoke_reason_name(rq.reason));
	json_kv_str(&j, "summary", summary);
	json_obj_end(&j);
	call_audit(c, s, 200, json_str(&j));
	admin_logf("info", "%s by %s: %s", c->action, admin_actor(c->a), summary);
	reply_json(req, 200, &j);
out:
	json_free(&j);
	store_close(s);
	free(c);
}

/* ---- POST /api/v1/retire/plan ----------------------------------------- */

static void api_retire_plan(struct evhttp_request *req, void *arg)
{
	static const char *const allowed[] = {"ca_cert", "reason", "policy", "provided_from",
					      "provided_until", "freeze_at", "grace", "rationale",
					      "dry_run", NULL};
	struct api_call *c = call_new(arg, req, "admin-api.retire.plan");
	struct retire_spec sp = {.reason = 5, .grace = 86400};
	const struct aj_field *dry;
	struct store *s = NULL;
	struct ll_err err;
	struct json_out j;
	const char *reason, *policy, *grace;
	char *text = NULL, hex[65];
	size_t textlen = 0;
	uint8_t sha[32];
	bool bad = false, dry_run = false, ok;
	FILE *out = NULL;

	json_init(&j);
	if (!c || !call_parse(c, allowed))
		goto out;
	reason = str_member(c, "reason", &bad);
	policy = str_member(c, "policy", &bad);
	grace = str_member(c, "grace", &bad);
	sp.rationale = str_member(c, "rationale", &bad);
	if (bad || !sha_member(c, sha, hex, &bad) ||
	    !time_member(c, "provided_from", &sp.has_from, &sp.from, &bad) ||
	    !time_member(c, "provided_until", &sp.has_until, &sp.until, &bad) ||
	    !time_member(c, "freeze_at", &sp.has_freeze, &sp.freeze, &bad))
		goto out;
	sp.cert_sha256 = sha;
	if (reason && (sp.reason = revoke_reason_code(reason)) < 0) {
		bad_request(c, "unknown reason '%.64s'", reason);
		goto out;
	}
	if (policy && strcmp(policy, "key") && strcmp(policy, "window")) {
		bad_request(c, "'%s' must be key or window", "policy");
		goto out;
	}
	sp.window = policy && strcmp(policy, "window") == 0;
	if (grace && !ll_duration_parse(grace, &sp.grace)) {
		bad_request(c, "'grace' '%.64s' is not a duration such as 1d or 36h", grace);
		goto out;
	}
	dry = aj_get(&c->body, "dry_run");
	if (dry && dry->type == AJ_STR) {
		bad_request(c, "'%s' must be true or false", "dry_run");
		goto out;
	}
	dry_run = dry && dry->type == AJ_TRUE;
	if (!(s = call_store(c)))
		goto out;
	out = open_memstream(&text, &textlen);
	if (!out) {
		reply_error(req, 500, "out of memory");
		goto out;
	}
	ok = retire_plan(s, admin_cfg(c->a), &sp, dry_run, out, &err);
	fclose(out);
	out = NULL;
	if (!ok) {
		call_failed(c, s, &err);
		goto out;
	}
	json_obj_begin(&j);
	json_kv_str(&j, "result", dry_run ? "dry_run" : sp.reason == 1 ? "revoked" : "planned");
	json_kv_str(&j, "ca_cert", hex);
	json_kv_str(&j, "output", text ? text : "");
	if (!dry_run) {
		struct json_out pj;

		/* the plan as `retire show --format json` prints it */
		json_init(&pj);
		if (retire_plan_json(s, hex, &pj, &err)) {
			json_key(&j, "plan");
			json_raw_val(&j, json_str(&pj));
		}
		json_free(&pj);
	}
	json_obj_end(&j);
	call_audit(c, s, 200, json_str(&j));
	admin_logf("info", "%s by %s: %s for %s", c->action, admin_actor(c->a),
		   dry_run ? "dry run" : "planned", hex);
	reply_json(req, 200, &j);
out:
	if (out)
		fclose(out);
	free(text);
	json_free(&j);
	store_close(s);
	free(c);
}

/* ---- POST /api/v1/retire/cancel --------------------------------------- */

/* The same statement and audit row as `lastleaf retire cancel`. */
static bool retire_cancel(struct store *s, const char *hex, char *plan_id, size_t idlen,
			  struct ll_err *err)
{
	char args[200];
	PGresult *r;

	if (!store_begin(s, err))
		return false;
	r = store_query(s, "UPDATE retire_plan p SET state = 'cancelled', cancelled_at = now() FROM ca_cert c "
			   "WHERE c.id = p.ca_cert_id AND encode(c.sha256, 'hex') = $1 AND p.state IN ('planned', 'due') "
			   "RETURNING p.id", 1, (const char *[]){hex}, err);
	if (!r)
		goto fail;
	if (PQntuples(r) == 0) {
		PQclear(r);
		ll_err_set(err, "%s has no plan that can still be cancelled (executed plans cannot be)", hex);
		goto fail;
	}
	snprintf(plan_id, idlen, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	snprintf(args, sizeof(args), "{\"plan\": %s, \"ca_cert\": \"%s\"}", plan_id, hex);
	if (!store_audit(s, "retire.cancel", args, NULL, err) || !store_commit(s, err))
		goto fail;
	return true;
fail:
	store_rollback(s);
	return false;
}

static void api_retire_cancel(struct evhttp_request *req, void *arg)
{
	static const char *const allowed[] = {"ca_cert", NULL};
	struct api_call *c = call_new(arg, req, "admin-api.retire.cancel");
	struct store *s = NULL;
	struct ll_err err;
	struct json_out j;
	char hex[65], plan_id[24];
	uint8_t sha[32];
	bool bad = false;

	json_init(&j);
	if (!c || !call_parse(c, allowed) || !sha_member(c, sha, hex, &bad))
		goto out;
	if (!(s = call_store(c)))
		goto out;
	if (!retire_cancel(s, hex, plan_id, sizeof(plan_id), &err)) {
		call_failed(c, s, &err);
		goto out;
	}
	json_obj_begin(&j);
	json_kv_str(&j, "result", "cancelled");
	json_kv_str(&j, "ca_cert", hex);
	json_key(&j, "plan");
	json_raw_val(&j, plan_id);
	json_obj_end(&j);
	call_audit(c, s, 200, json_str(&j));
	admin_logf("info", "%s by %s: plan %s for %s cancelled", c->action, admin_actor(c->a),
		   plan_id, hex);
	reply_json(req, 200, &j);
out:
	json_free(&j);
	store_close(s);
	free(c);
}

bool admin_api_register(struct admin *a, const struct cfg *cfg)
{
	(void)cfg; /* the handlers read it through admin_cfg(a) */
	return admin_route(a, "/api/v1/revoke", ADMIN_CHANGES, api_revoke, a) &&
	       admin_route(a, "/api/v1/retire/plan", ADMIN_CHANGES, api_retire_plan, a) &&
	       admin_route(a, "/api/v1/retire/cancel", ADMIN_CHANGES, api_retire_cancel, a);
}
