/* keys.c - see keys.h.
 *
 * PKCS#11 keys go through OpenSSL's ENGINE API (libp11's "pkcs11"
 * engine), which OpenSSL 3 deprecates but still supports, and which is the
 * route Debian 12 packages (libengine-pkcs11-openssl 0.4.12; the pkcs11
 * provider is not in bookworm). The deprecation warnings are silenced in
 * this file only: every ENGINE call in lastleaf lives here. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "keys.h"

#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ui.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* A PEM reader that refuses to prompt: lastleaf runs unattended. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Opens PATH for reading as a regular file that neither group nor others
 * may access (D2: a secret readable by others is already exposed). Returns
 * the fd, or -1 with *err filled; `what` names the file in messages. */
static int open_secret(const char *path, const char *what, struct ll_err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		ll_err_set(err, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ll_err_set(err, "%s %s: not a regular file", what, path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		ll_err_set(err, "%s %s: mode %04o lets group or others access it; "
				"run chmod 600 on it", what, path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	return fd;
}

static EVP_PKEY *load_file_key(const char *path, struct ll_err *err)
{
	EVP_PKEY *k = NULL;
	FILE *f = NULL;
	int fd = open_secret(path, "key", err);

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		ll_err_set(err, "key %s: %s", path, strerror(errno));
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (!k) {
		ERR_clear_error(); /* the queue may quote key bytes: never show it */
		ll_err_set(err, "key %s: not an unencrypted PEM private key", path);
	}
	return k;
}

/* ---- pkcs11: URIs (RFC 7512) ---------------------------------------- */

#define P11_MAX_PIN 256
#define P11_MAX_URI 2048
#define P11_MAX_MODULES 8

bool keys_is_pkcs11(const char *uri)
{
	return uri && strncasecmp(uri, "pkcs11:", 7) == 0;
}

int keys_sessions_for(const char *uri, int key_sessions)
{
	if (key_sessions > 0)
		return key_sessions;
	return keys_is_pkcs11(uri) ? KEYS_PKCS11_DEFAULT_SESSIONS : 0;
}

const char *keys_uri_redact(const char *uri, char *out, size_t n)
{
	size_t o = 0;
	const char *p;

	if (!n)
		return out;
	if (!uri) {
		snprintf(out, n, "(none)");
		return out;
	}
	for (p = uri; *p && o + 1 < n;) {
		/* an attribute starts the URI's body or follows ':', ';', '?', '&' */
		bool at_attr = p == uri || p[-1] == ':' || p[-1] == ';' || p[-1] == '?' || p[-1] == '&';

		if (at_attr && strncasecmp(p, "pin-value", 9) == 0) {
			/* also "pin-valueXYZ" (a missing '='): hide the whole value */
			int w = snprintf(out + o, n - o, "pin-value=***");
			o = w > 0 && (size_t)w < n - o ? o + (size_t)w : n - 1;
			p += 9;
			while (*p && *p != ';' && *p != '&' && *p != '?')
				p++;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/* The parts of a pkcs11: URI that lastleaf handles itself; the rest (the
 * token and object attributes) goes to libp11 as `engine_uri`. */
struct p11_uri {
	char engine_uri[P11_MAX_URI];
	char module[PATH_MAX];	/* "" = libp11's default (p11-kit-proxy) */
	char pin_source[PATH_MAX];
	char pin[P11_MAX_PIN];	/* from pin-value; wiped after use */
	bool has_pin_value, has_object, has_type;
};

/* Percent-decodes [v, v+len) into out (NUL-terminated); false on a bad
 * escape, an embedded NUL, or overflow. */
static bool pct_decode(const char *v, size_t len, char *out, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)v[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return false;
			hi = ll_hex_value((unsigned char)v[i + 1]);
			lo = ll_hex_value((unsigned char)v[i + 2]);
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return false; /* a bad escape, or %00 */
			c = hi << 4 | lo;
			i += 2;
		}
		if (o + 1 >= n)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

static bool attr_is(const char *a, size_t alen, const char *name)
{
	return strlen(name) == alen && strncasecmp(a, name, alen) == 0;
}

/* Handles one name=value attribute of the path (in_query false) or the
 * query. */
static bool p11_attr(struct p11_uri *u, const char *a, size_t len, bool in_query,
		     size_t *eo, struct ll_err *err)
{
	/* the attributes libp11 0.4.12 matches keys by */
	static const char *const forwarded[] = {"token", "manufacturer", "serial", "model",
						"object", "id", "type"};
	const char *eq = memchr(a, '=', len);
	size_t nlen, vlen, i;
	const char *v;

	if (!len)
		return true; /* an empty attribute (";;" or a trailing ';') */
	if (!eq || eq == a) {
		/* never echo what may be a mistyped PIN */
		if (len >= 3 && strncasecmp(a, "pin", 3) == 0)
			return ll_err_set(err, "a pin attribute is not name=value");
		return ll_err_set(err, "attribute '%.*s' is not name=value", (int)(len > 40 ? 40 : len), a);
	}
	nlen = (size_t)(eq - a);
	v = eq + 1;
	vlen = len - nlen - 1;
	if (!vlen)
		return ll_err_set(err, "attribute '%.*s' has no value", (int)nlen, a);
	if (attr_is(a, nlen, "module-path")) {
		if (!pct_decode(v, vlen, u->module, sizeof(u->module)))
			return ll_err_set(err, "module-path is not a valid percent-encoded path");
		return true;
	}
	if (attr_is(a, nlen, "pin-source")) {
		char src[PATH_MAX];
		const char *path = src;

		if (!pct_decode(v, vlen, src, sizeof(src)))
			return ll_err_set(err, "pin-source is not a valid percent-encoded value");
		if (strncasecmp(src, "file://", 7) == 0)
			path = src + 7; /* file:///abs/path */
		else if (strncasecmp(src, "file:", 5) == 0)
			path = src + 5;
		else if (src[0] != '/')
			return ll_err_set(err, "pin-source must be file:PATH");
		if (!path[0])
			return ll_err_set(err, "pin-source names no file");
		snprintf(u->pin_source, sizeof(u->pin_source), "%s", path);
		return true;
	}
	if (attr_is(a, nlen, "pin-value")) {
		if (!pct_decode(v, vlen, u->pin, sizeof(u->pin)))
			return ll_err_set(err, "pin-value is not valid (bad escape or too long)");
		u->has_pin_value = true;
		return true;
	}
	if (attr_is(a, nlen, "module-name"))
		return ll_err_set(err, "module-name is not supported: use module-path=/path/to/module.so");
	if (in_query)
		return ll_err_set(err, "unknown query attribute '%.*s' (module-path, pin-source and "
				       "pin-value are known)", (int)nlen, a);
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		if (attr_is(a, nlen, forwarded[i]))
			break;
	if (i == sizeof(forwarded) / sizeof(forwarded[0]))
		return ll_err_set(err, "attribute '%.*s' is not supported (token, manufacturer, serial, "
				       "model, object, id and type are)", (int)nlen, a);
	if (attr_is(a, nlen, "type")) {
		if (!(vlen == 7 && strncmp(v, "private", 7) == 0))
			return ll_err_set(err, "type=%.*s: a signing key is type=private", (int)vlen, v);
		u->has_type = true;
	}
	if (attr_is(a, nlen, "object") || attr_is(a, nlen, "id"))
		u->has_object = true;
	if (*eo + 1 + len >= sizeof(u->engine_uri))
		return ll_err_set(err, "URI too long");
	if (u->engine_uri[*eo - 1] != ':')
		u->engine_uri[(*eo)++] = ';';
	memcpy(u->engine_uri + *eo, a, len);
	*eo += len;
	u->engine_uri[*eo] = '\0';
	return true;
}

static bool p11_parse(const char *uri, struct p11_uri *u, struct ll_err *err)
{
	const char *p = uri + 7, *q = strchr(p, '?'), *end, *s;
	size_t eo;

	memset(u, 0, sizeof(*u));
	memcpy(u->engine_uri, "pkcs11:", 8);
	eo = 7;
	end = q ? q : p + strlen(p);
	for (s = p;;) {
		const char *e = memchr(s, ';', (size_t)(end - s));

		if (!e)
			e = end;
		if (!p11_attr(u, s, (size_t)(e - s), false, &eo, err))
			return false;
		if (e == end)
			break;
		s = e + 1;
	}
	if (q) {
		for (s = q + 1;;) {
			const char *e = strchr(s, '&');

			if (!e)
				e = s + strlen(s);
			if (!p11_attr(u, s, (size_t)(e - s), true, &eo, err))
				return false;
			if (!*e)
				break;
			s = e + 1;
		}
	}
	if (!u->has_object)
		return ll_err_set(err, "the URI names no object= or id=: lastleaf will not pick "
				       "whichever key the token lists first");
	if (u->has_pin_value && u->pin_source[0])
		return ll_err_set(err, "both pin-value and pin-source are given: use one");
	if (!u->has_type) {
		if (eo + 13 >= sizeof(u->engine_uri))
			return ll_err_set(err, "URI too long");
		memcpy(u->engine_uri + eo, ";type=private", 14);
	}
	return true;
}

/* Reads the PIN from pin-source: the file's first line (a trailing
 * newline is not part of the PIN). */
static bool p11_read_pin(const char *path, char *pin, size_t n, struct ll_err *err)
{
	int fd = open_secret(path, "pin file", err);
	ssize_t got;
	size_t len;

	if (fd < 0)
		return false;
	got = read(fd, pin, n);
	close(fd);
	if (got < 0)
		return ll_err_set(err, "pin file %s: %s", path, strerror(errno));
	if ((size_t)got >= n) {
		OPENSSL_cleanse(pin, n);
		return ll_err_set(err, "pin file %s: longer than %zu bytes", path, n - 1);
	}
	len = (size_t)got;
	pin[len] = '\0';
	len = strcspn(pin, "\r\n");
	OPENSSL_cleanse(pin + len, n - len);
	if (!len)
		return ll_err_set(err, "pin file %s: empty", path);
	return true;
}

/* ---- the process-wide engines --------------------------------------
 *
 * An ENGINE is process-wide OpenSSL state: libp11 loads the PKCS#11 module
 * into it (C_Initialize is once per process per module), holds its slot
 * list and logged-in sessions, and every EVP_PKEY it hands out points into
 * that state. So lastleaf keeps one engine per module path for the life of
 * the process and never frees it: a key freed and reloaded (SIGHUP, each
 * pre-signing run) reuses the engine's login instead of initialising the
 * module again, and no key can outlive its engine. This is the one piece
 * of global mutable state in lastleaf; it is written only under p11_mu and
 * set up once with pthread_once. Loads are serialised under p11_mu too
 * (the engine's PIN is per engine, and set just before each load); signing
 * with the loaded keys is not, and needs no lock here (libp11 keeps a
 * locked session pool per slot). */
struct p11_engine {
	char module[PATH_MAX];
	ENGINE *e; /* structural + functional reference, never released */
};

static pthread_once_t p11_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t p11_mu = PTHREAD_MUTEX_INITIALIZER;
static struct p11_engine p11_engines[P11_MAX_MODULES];
static UI_METHOD *p11_ui; /* refuses every prompt */

/* libp11 asks the UI for a PIN when none was given: never prompt (lastleaf
 * runs unattended; a prompt would hang a daemon). */
static int p11_ui_refuse(UI *ui, UI_STRING *uis)
{
	(void)ui;
	(void)uis;
	return 0;
}

static void p11_init_once(void)
{
	OPENSSL_init_crypto(OPENSSL_INIT_ENGINE_DYNAMIC, NULL);
	p11_ui = UI_create_method("lastleaf: no PIN prompts");
	if (p11_ui)
		UI_method_set_reader(p11_ui, p11_ui_refuse);
}

/* The engine for a module path, made on first use. Call under p11_mu. */
static ENGINE *p11_engine_for(const char *module, struct ll_err *err)
{
	struct p11_engine *slot = NULL;
	struct stat st;
	ENGINE *e;
	int i;

	for (i = 0; i < P11_MAX_MODULES; i++) {
		if (p11_engines[i].e && strcmp(p11_engines[i].module, module) == 0)
			return p11_engines[i].e;
		if (!p11_engines[i].e && !slot)
			slot = &p11_engines[i];
	}
	if (!slot) {
		ll_err_set(err, "more than %d PKCS#11 modules in one process", P11_MAX_MODULES);
		return NULL;
	}
	if (module[0] && stat(module, &st) < 0) {
		ll_err_set(err, "module-path %s: %s", module, strerror(errno));
		return NULL;
	}
	ERR_set_mark();
	e = ENGINE_by_id("pkcs11");
	if (!e) {
		ERR_pop_to_mark();
		ll_err_set(err, "the OpenSSL engine 'pkcs11' is not installed "
				"(Debian: apt-get install libengine-pkcs11-openssl)");
		return NULL;
	}
	/* QUIET: libp11 would print its own lines on stderr; lastleaf reports
	 * the failure itself, in its log format */
	if ((module[0] && !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0)) ||
	    !ENGINE_ctrl_cmd_string(e, "QUIET", NULL, 1) || !ENGINE_init(e)) {
		ERR_pop_to_mark();
		ENGINE_free(e);
		ll_err_set(err, "the pkcs11 engine refused module %s", module[0] ? module : "(default)");
		return NULL;
	}
	ERR_pop_to_mark();
	snprintf(slot->module, sizeof(slot->module), "%s", module);
	slot->e = e;
	return e;
}

/* Appends the reason strings on the OpenSSL queue (libp11 puts PKCS#11
 * return codes there, such as "PIN incorrect") and clears it. */
static void p11_reasons(char *buf, size_t n)
{
	unsigned long code;
	size_t o = 0;

	buf[0] = '\0';
	while ((code = ERR_get_error()) != 0) {
		const char *r = ERR_reason_error_string(code);
		int w;

		if (!r || strstr(buf, r))
			continue;
		w = snprintf(buf + o, n - o, "%s%s", o ? "; " : "", r);
		if (w < 0 || (size_t)w >= n - o)
			break;
		o += (size_t)w;
	}
}

static EVP_PKEY *load_pkcs11_key(const char *uri, struct ll_err *err)
{
	struct p11_uri *u = NULL; /* owned; holds the PIN: wiped before free */
	char shown[P11_MAX_URI], why[512];
	EVP_PKEY *k = NULL;
	ENGINE *e;
	int id;

	keys_uri_redact(uri, shown, sizeof(shown));
	pthread_once(&p11_once, p11_init_once);
	if (!p11_ui) {
		ll_err_set(err, "key %s: out of memory", shown);
		return NULL;
	}
	u = OPENSSL_secure_zalloc(sizeof(*u));
	if (!u) {
		ll_err_set(err, "key %s: out of memory", shown);
		return NULL;
	}
	if (!p11_parse(uri, u, err)) {
		ll_err_prefix(err, "key %s", shown);
		goto out;
	}
	if (u->pin_source[0] && !p11_read_pin(u->pin_source, u->pin, sizeof(u->pin), err)) {
		ll_err_prefix(err, "key %s", shown);
		goto out;
	}
	pthread_mutex_lock(&p11_mu);
	e = p11_engine_for(u->module, err);
	if (!e) {
		pthread_mutex_unlock(&p11_mu);
		ll_err_prefix(err, "key %s", shown);
		goto out;
	}
	ERR_clear_error();
	if (u->pin[0] && !ENGINE_ctrl_cmd_string(e, "PIN", u->pin, 0)) {
		pthread_mutex_unlock(&p11_mu);
		ERR_clear_error();
		ll_err_set(err, "key %s: the pkcs11 engine did not take the PIN", shown);
		goto out;
	}
	k = ENGINE_load_private_key(e, u->engine_uri, p11_ui, NULL);
	p11_reasons(why, sizeof(why));
	pthread_mutex_unlock(&p11_mu);
	if (!k) {
		ll_err_set(err, "key %s: no usable private key%s%s (%s)", shown, why[0] ? ": " : "", why,
			   u->pin[0] ? "check the token and object labels, the PIN and module-path"
				     : "no PIN was given: add pin-source=file:PATH");
		goto out;
	}
	id = EVP_PKEY_get_base_id(k);
	if (id != EVP_PKEY_EC && id != EVP_PKEY_RSA) {
		ll_err_set(err, "key %s: the pkcs11 engine signs with RSA and ECDSA keys only", shown);
		EVP_PKEY_free(k);
		k = NULL;
	}
out:
	OPENSSL_secure_clear_free(u, sizeof(*u));
	return k;
}

EVP_PKEY *keys_load(const char *uri, struct ll_err *err)
{
	if (!uri) {
		ll_err_set(err, "no key is configured (cas[].key): this process cannot sign");
		return NULL;
	}
	if (keys_is_pkcs11(uri))
		return load_pkcs11_key(uri, err);
	if (strncasecmp(uri, "file:", 5) != 0) {
		ll_err_set(err, "key URI '%.60s': unknown scheme (use file:PATH or pkcs11:...)", uri);
		return NULL;
	}
	return load_file_key(uri + 5, err);
}

bool keys_match_spki(EVP_PKEY *key, const uint8_t *spki, size_t spki_len)
{
	const unsigned char *p = spki;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)spki_len);
	unsigned char *der = NULL;
	int len;
	bool ok;

	if (!pub)
		return false;
	ok = EVP_PKEY_eq(key, pub) == 1;
	EVP_PKEY_free(pub);
	if (!ok) {
		/* an engine key is a legacy key OpenSSL may not compare with a
		 * provider one: compare the encoded public keys instead */
		len = i2d_PUBKEY(key, &der);
		ok = len > 0 && (size_t)len == spki_len && memcmp(der, spki, spki_len) == 0;
		OPENSSL_free(der);
	}
	ERR_clear_error();
	return ok;
}

/* ---- sign latency --------------------------------------------------- */

static const double meter_bounds[KEYS_METER_BUCKETS - 1] = {0.0005, 0.001, 0.0025, 0.005,
							    0.01,   0.025, 0.05,   0.1};
static const char *const meter_bound_text[KEYS_METER_BUCKETS] = {
	"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "+Inf"};

struct keys_meter {
	atomic_ullong count;
	atomic_ullong sum_us;
	atomic_ullong bucket[KEYS_METER_BUCKETS]; /* per bucket, not cumulative */
};

struct keys_meter *keys_meter_new(void)
{
	struct keys_meter *m = malloc(sizeof(*m));
	int i;

	if (!m)
		return NULL;
	atomic_init(&m->count, 0);
	atomic_init(&m->sum_us, 0);
	for (i = 0; i < KEYS_METER_BUCKETS; i++)
		atomic_init(&m->bucket[i], 0);
	return m;
}

void keys_meter_free(struct keys_meter *m)
{
	free(m);
}

void keys_meter_observe(struct keys_meter *m, double seconds)
{
	int i;

	if (!m)
		return;
	if (seconds < 0)
		seconds = 0;
	for (i = 0; i < KEYS_METER_BUCKETS - 1 && seconds > meter_bounds[i]; i++)
		;
	atomic_fetch_add_explicit(&m->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, (unsigned long long)(seconds * 1e6 + 0.5),
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

const char *keys_meter_bound(int i)
{
	return i >= 0 && i < KEYS_METER_BUCKETS ? meter_bound_text[i] : "";
}

void keys_meter_read(const struct keys_meter *m, struct keys_meter_snapshot *out)
{
	uint64_t cum = 0;
	int i;

	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	/* count is taken as the +Inf bucket, so the histogram is always
	 * consistent even while other threads observe */
	for (i = 0; i < KEYS_METER_BUCKETS; i++) {
		cum += atomic_load_explicit(&m->bucket[i], memory_order_relaxed);
		out->cumulative[i] = cum;
	}
	out->count = cum;
	out->sum_seconds = (double)atomic_load_explicit(&m->sum_us, memory_order_relaxed) / 1e6;
}

/* Copies a label value escaped for the Prometheus text format. */
static void label_escape(const char *v, char *out, size_t n)
{
	size_t o = 0;

	for (; v && *v && o + 2 < n; v++) {
		if (*v == '\\' || *v == '"') {
			out[o++] = '\\';
			out[o++] = *v;
		} else if (*v == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *v;
		}
	}
	out[o] = '\0';
}

void keys_meter_write(const struct keys_meter *m, const char *name, const char *ca,
		      const char *key, keys_meter_emit_fn emit, void *arg)
{
	struct keys_meter_snapshot s;
	char eca[256], ekey[64], line[512];
	int i, w;

	keys_meter_read(m, &s);
	label_escape(ca, eca, sizeof(eca));
	label_escape(key, ekey, sizeof(ekey));
	for (i = 0; i < KEYS_METER_BUCKETS; i++) {
		w = snprintf(line, sizeof(line), "%s_bucket{ca=\"%s\",key=\"%s\",le=\"%s\"} %llu\n", name,
			     eca, ekey, meter_bound_text[i], (unsigned long long)s.cumulative[i]);
		if (w > 0 && (size_t)w < sizeof(line))
			emit(arg, line, (size_t)w);
	}
	w = snprintf(line, sizeof(line), "%s_sum{ca=\"%s\",key=\"%s\"} %.6f\n", name, eca, ekey,
		     s.sum_seconds);
	if (w > 0 && (size_t)w < sizeof(line))
		emit(arg, line, (size_t)w);
	w = snprintf(line, sizeof(line), "%s_count{ca=\"%s\",key=\"%s\"} %llu\n", name, eca, ekey,
		     (unsigned long long)s.count);
	if (w > 0 && (size_t)w < sizeof(line))
		emit(arg, line, (size_t)w);
}
