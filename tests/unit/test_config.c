/* test_config.c - cfg_load(): defaults, the example file, relative path
 * resolution, and one case per error class with its exact
 * "FILE:LINE: message" text. Every config is written to a fresh mkdtemp
 * directory, with dummy key and certificate files where they must exist. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

struct t {
	char dir[PATH_MAX]; /* canonical temp directory */
	char path[PATH_MAX]; /* the config last written by load_text() */
	int n;
};

/* snprintf that treats truncation as a broken test, not a shorter path. */
static void fmt(char *out, size_t cap, const char *f, ...) LL_PRINTF(3, 4);
static void fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "test buffer too small for '%s'\n", f);
		exit(2);
	}
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	fmt(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0700);
		*p = '/';
	}
	mkdir(tmp, 0700);
}

/* Writes text to dir/rel, creating parent directories. */
static void put(const struct t *t, const char *rel, const char *text)
{
	char path[PATH_MAX], parent[PATH_MAX];
	char *slash;
	FILE *f;

	fmt(path, sizeof(path), "%s/%s", t->dir, rel);
	fmt(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	*slash = '\0';
	mkdirs(parent);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static struct cfg *load_text(struct t *t, const char *yaml, struct ll_err *err)
{
	char rel[64];

	fmt(rel, sizeof(rel), "c%03d.yaml", ++t->n);
	put(t, rel, yaml);
	fmt(t->path, sizeof(t->path), "%s/%s", t->dir, rel);
	return cfg_load(t->path, err);
}

static struct cfg *load_ok(struct t *t, const char *yaml, int srcline)
{
	struct ll_err err = {{0}};
	struct cfg *c = load_text(t, yaml, &err);

	CHECK_MSG(c != NULL, "line %d: %s", srcline, err.msg);
	return c;
}
#define LOAD_OK(t, yaml) load_ok(t, yaml, __LINE__)

/* The load must fail with exactly "PATH:line: msg" (or, with prefix_only,
 * a message starting with that). */
static void expect_err(struct t *t, const char *yaml, int line, const char *msg,
		       bool prefix_only, int srcline)
{
	struct ll_err err = {{0}};
	char want[2048];
	struct cfg *c = load_text(t, yaml, &err);

	fmt(want, sizeof(want), "%s:%d: %s", t->path, line, msg);
	CHECK_MSG(c == NULL, "line %d: loaded, want error '%s'", srcline, want);
	if (c) {
		cfg_free(c);
		return;
	}
	if (prefix_only)
		CHECK_MSG(strncmp(err.msg, want, strlen(want)) == 0,
			  "line %d:\n  got:  %s\n  want: %s...", srcline, err.msg, want);
	else
		CHECK_MSG(strcmp(err.msg, want) == 0, "line %d:\n  got:  %s\n  want: %s", srcline,
			  err.msg, want);
}
#define EXPECT_ERR(t, yaml, line, msg) expect_err(t, yaml, line, msg, false, __LINE__)
#define EXPECT_ERR_PREFIX(t, yaml, line, msg) expect_err(t, yaml, line, msg, true, __LINE__)

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void check_defaults(const struct cfg *c)
{
	CHECK(c->database_url == NULL);
	CHECK(c->replica_url == NULL);
	CHECK(streq(c->embedded_dir, "./var/pg"));
	CHECK(!c->embedded_set);
	CHECK(c->ncas == 0 && c->cas == NULL);
	CHECK(streq(c->crl_publish_dir, "./var/crl"));
	CHECK(c->ocsp_listen.n == 1 && streq(c->ocsp_listen.addrs[0], "127.0.0.1:8080"));
	CHECK(c->ocsp_threads == 0);
	CHECK(c->ocsp_validity == 4 * 86400);
	CHECK(!c->ocsp_nonce_echo);
	CHECK(!c->ocsp_unknown_signed);
	CHECK(streq(c->ocsp_path_prefix, "/"));
	CHECK(c->ocsp_max_request_entries == 10);
	CHECK(c->ocsp_live_sign_rate == 5000);
	CHECK(c->ocsp_max_connections == 10000);
	CHECK(c->ocsp_timeout == 10);
	CHECK(c->admin_listen.n == 1 && streq(c->admin_listen.addrs[0], "127.0.0.1:9090"));
	CHECK(c->admin_token_file == NULL);
	CHECK(c->admin_client_ca == NULL);
	CHECK(c->clock_max_skew == 2);
	CHECK(c->webhook_url == NULL);
}

static void test_defaults(struct t *t)
{
	static const char *const empties[] = {"", "# only a comment\n", "---\n", "~\n"};
	struct ll_err err = {{0}};
	struct cfg *c = cfg_load(NULL, &err);
	size_t i;

	CHECK(c != NULL);
	if (c) {
		CHECK(c->path == NULL);
		check_defaults(c);
		CHECK(cfg_find_ca(c, "x") == NULL);
		cfg_free(c);
	}
	cfg_free(NULL);
	/* An empty file (or document) means all defaults. */
	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		c = LOAD_OK(t, empties[i]);
		if (!c)
			continue;
		CHECK(streq(c->path, t->path));
		check_defaults(c);
		cfg_free(c);
	}
}

struct doc_check {
	const char *text;
	int nkeys, missing;
};

/* The example must mention every key cfg_load() accepts, at least as
 * "leaf:" (commented out or not). */
static void doc_key(const char *path, void *arg)
{
	struct doc_check *d = arg;
	const char *leaf = strrchr(path, '.');
	char needle[128];
	size_t n;

	leaf = leaf ? leaf + 1 : path;
	n = strcspn(leaf, "[");
	fmt(needle, sizeof(needle), " %.*s:", (int)n, leaf);
	d->nkeys++;
	if (!strstr(d->text, needle)) {
		fmt(needle, sizeof(needle), "\n%.*s:", (int)n, leaf);
		if (!strstr(d->text, needle)) {
			d->missing++;
			fprintf(stderr, "example does not document '%s'\n", path);
		}
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A file in the source tree: under $LL_TESTDATA when ctest runs us,
 * else next to this source file (CMake compiles it by absolute path). */
static bool source_file(char *out, size_t cap, const char *rel)
{
	const char *data = getenv("LL_TESTDATA");
	const char *me = __FILE__, *tail = strstr(me, "tests/unit/test_config.c");

	if (data && *data) {
		fmt(out, cap, "%s/../%s", data, rel);
		if (access(out, R_OK) == 0)
			return true;
	}
	if (tail) {
		fmt(out, cap, "%.*s%s", (int)(tail - me), me, rel);
		if (access(out, R_OK) == 0)
			return true;
	}
	fmt(out, cap, "%s", rel);
	return access(out, R_OK) == 0;
}

static void test_data_files(void)
{
	struct ll_err err = {{0}};
	char path[PATH_MAX];
	struct cfg *c;

	CHECK_MSG(source_file(path, sizeof(path), "tests/data/config/minimal.yaml"), "%s", path);
	c = cfg_load(path, &err);
	CHECK_MSG(c != NULL, "%s", err.msg);
	if (!c)
		return;
	CHECK(c->ncas == 2);
	CHECK(cfg_find_ca(c, "issuing-g1") && cfg_find_ca(c, "issuing-g1")->ocsp.set);
	CHECK(cfg_find_ca(c, "root-g1") && !cfg_find_ca(c, "root-g1")->ocsp.set);
	cfg_free(c);
}

static void test_example(struct t *t)
{
	static const char *const files[] = {
		"example/keys/root-g4.key.pem", "example/certs/root-g4.pem",
		"example/keys/ocsp-g4.key.pem", "example/certs/ocsp-g4.pem",
		"example/secrets/admin.token",	"example/certs/admin-clients.pem",
		"example/certs/admin-server.pem", "example/keys/admin-server.key.pem",
	};
	struct doc_check d = {0};
	struct ll_err err = {{0}};
	char src[PATH_MAX], path[PATH_MAX], want[PATH_MAX + 64];
	const struct cfg_ca *ca;
	struct cfg *c;
	char *text;
	size_t i;

	source_file(src, sizeof(src), "config/lastleaf.example.yaml");
	text = slurp(src);
	CHECK_MSG(text != NULL, "cannot read %s", src);
	if (!text)
		return;
	/* Load a copy next to dummy files, as an operator's copy would sit
	 * next to real keys. */
	put(t, "example/lastleaf.yaml", text);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(t, files[i], "dummy\n");
	fmt(path, sizeof(path), "%s/example/lastleaf.yaml", t->dir);
	c = cfg_load(path, &err);
	CHECK_MSG(c != NULL, "%s", err.msg);
	if (c) {
		CHECK(c->ncas == 2);
		ca = cfg_find_ca(c, "root-g4");
		CHECK(ca != NULL && ca == &c->cas[0]);
		if (ca) {
			fmt(want, sizeof(want), "file:%s/example/keys/root-g4.key.pem", t->dir);
			CHECK(streq(ca->key, want));
			CHECK(ca->key_sessions == 4);
			CHECK(ca->crl.set && ca->crl.partitions == 16 && ca->crl.next_update == 7 * 86400);
			CHECK(ca->ocsp.set && ca->ocsp.responder_cert && ca->ocsp.responder_key);
		}
		ca = cfg_find_ca(c, "issuing-g4-tls");
		CHECK(ca != NULL);
		if (ca) {
			CHECK(streq(ca->key, "pkcs11:token=ca-hsm;object=issuing-g4-tls;type=private"));
			CHECK(ca->cert == NULL && !ca->crl.set);
			CHECK(ca->ocsp.set && ca->ocsp.responder_cert == NULL);
		}
		CHECK(c->ocsp_listen.n == 2 && streq(c->ocsp_listen.addrs[1], "[::1]:8080"));
		CHECK(c->admin_listen.n == 1);
		CHECK(c->embedded_set);
		fmt(want, sizeof(want), "%s/example/var/pg", t->dir);
		CHECK(streq(c->embedded_dir, want));
		CHECK(c->webhook_url != NULL);
		cfg_free(c);
	}
	d.text = text;
	cfg_foreach_key(doc_key, &d);
	CHECK(d.nkeys >= 40);
	CHECK(d.missing == 0);
	free(text);
}

static void collect_key(const char *path, void *arg)
{
	char *buf = arg;
	size_t n = strlen(buf);

	fmt(buf + n, 4096 - n, "%s,", path);
}

static void test_key_list(void)
{
	char buf[4096] = "";

	cfg_foreach_key(collect_key, buf);
	CHECK(strstr(buf, ",ocsp.validity,") != NULL);
	CHECK(strstr(buf, ",cas[].crl.url,") != NULL);
	CHECK(strstr(buf, ",cas[].ocsp.responder_key,") != NULL);
	CHECK(strstr(buf, ",database.embedded.dir,") != NULL);
	CHECK(strncmp(buf, "database,", 9) == 0);
}

static void test_relative_paths(struct t *t)
{
	struct ll_err err = {{0}};
	char yaml[4096], want[PATH_MAX + 64], cwd[PATH_MAX], path[PATH_MAX];
	const struct cfg_ca *ca;
	struct cfg *c;

	put(t, "rel/sub/keys/a.pem", "k");
	put(t, "rel/shared/a.crt", "c");
	put(t, "rel/abs/r.crt", "c");
	put(t, "rel/abs/r.key", "k");
	put(t, "rel/sub/tok", "t");
	put(t, "rel/sub/ca.pem", "c");
	fmt(yaml, sizeof(yaml),
		 "cas:\n"
		 "  - name: a\n"
		 "    key: file:keys/a.pem\n"
		 "    cert: ../shared/a.crt\n"
		 "    ocsp:\n"
		 "      responder_cert: %s/rel/abs/r.crt\n"
		 "      responder_key: file://%s/rel/abs/r.key\n"
		 "database:\n"
		 "  embedded:\n"
		 "    dir: pg\n"
		 "crl:\n"
		 "  publish_dir: /var/tmp/crl-abs\n"
		 "admin:\n"
		 "  token_file: tok\n"
		 "  client_ca: ./ca.pem\n",
		 t->dir, t->dir);
	put(t, "rel/sub/lastleaf.yaml", yaml);
	fmt(path, sizeof(path), "%s/rel/sub/lastleaf.yaml", t->dir);
	c = cfg_load(path, &err);
	CHECK_MSG(c != NULL, "%s", err.msg);
	if (!c)
		return;
	ca = &c->cas[0];
	fmt(want, sizeof(want), "file:%s/rel/sub/keys/a.pem", t->dir);
	CHECK_MSG(streq(ca->key, want), "%s", ca->key);
	fmt(want, sizeof(want), "%s/rel/sub/../shared/a.crt", t->dir);
	CHECK_MSG(streq(ca->cert, want), "%s", ca->cert);
	fmt(want, sizeof(want), "%s/rel/abs/r.crt", t->dir);
	CHECK(streq(ca->ocsp.responder_cert, want));
	/* file:///abs is the RFC 8089 spelling of file:/abs. */
	fmt(want, sizeof(want), "file:%s/rel/abs/r.key", t->dir);
	CHECK_MSG(streq(ca->ocsp.responder_key, want), "%s", ca->ocsp.responder_key);
	fmt(want, sizeof(want), "%s/rel/sub/pg", t->dir);
	CHECK(streq(c->embedded_dir, want));
	CHECK(streq(c->crl_publish_dir, "/var/tmp/crl-abs"));
	fmt(want, sizeof(want), "%s/rel/sub/tok", t->dir);
	CHECK(streq(c->admin_token_file, want));
	fmt(want, sizeof(want), "%s/rel/sub/./ca.pem", t->dir);
	CHECK(streq(c->admin_client_ca, want));
	cfg_free(c);

	/* A config named by a relative path still yields absolute paths, so
	 * nothing depends on the working directory after loading. */
	if (!getcwd(cwd, sizeof(cwd)) || chdir(t->dir) != 0) {
		CHECK(!"chdir");
		return;
	}
	c = cfg_load("rel/sub/lastleaf.yaml", &err);
	CHECK_MSG(c != NULL, "%s", err.msg);
	if (c) {
		fmt(want, sizeof(want), "file:%s/rel/sub/keys/a.pem", t->dir);
		CHECK_MSG(streq(c->cas[0].key, want), "%s", c->cas[0].key);
		CHECK(streq(c->path, "rel/sub/lastleaf.yaml"));
		cfg_free(c);
	}
	/* Errors name the file as the caller spelled it. */
	put(t, "rel/bad.yaml", "clock:\n  max_skew: soon\n");
	c = cfg_load("rel/bad.yaml", &err);
	CHECK(c == NULL);
	CHECK_MSG(streq(err.msg, "rel/bad.yaml:2: 'clock.max_skew' must be a duration such as 4d or 12h"),
		  "%s", err.msg);
	cfg_free(c);
	CHECK(chdir(cwd) == 0);
}

static void test_values(struct t *t)
{
	struct cfg *c = LOAD_OK(t,
		"database:\n"
		"  url: postgresql://primary/ll\n"
		"  replica_url: \"postgresql://replica/ll\"\n"
		"cas:\n"
		"  - name: A.b_c-9\n"
		"    key: pkcs11:object=a\n"
		"    key_sessions: 1024\n"
		"    crl: {next_update: 1d12h, partitions: 0, smime: yes, rsa_pss: TRUE}\n"
		"crl:\n"
		"  publish_dir: /srv/crl\n"
		"ocsp:\n"
		"  listen: [\"[::1]:8080\", \"0.0.0.0:65535\", \"localhost:1\"]\n"
		"  threads: 256\n"
		"  validity: 8h\n"
		"  nonce: echo\n"
		"  unknown_serial: unknown\n"
		"  path_prefix: /ocsp/\n"
		"  max_request_entries: 1000\n"
		"  live_sign_rate: 0\n"
		"  max_connections: 1000000\n"
		"  timeout: 1h\n"
		"admin:\n"
		"  listen: [\"[2001:db8::1]:9443\"]\n"
		"clock:\n"
		"  max_skew: 0s\n"
		"retire:\n"
		"  webhook_url: https://hooks/x\n");

	if (!c)
		return;
	CHECK(streq(c->database_url, "postgresql://primary/ll"));
	CHECK(streq(c->replica_url, "postgresql://replica/ll"));
	CHECK(!c->embedded_set && streq(c->embedded_dir, "./var/pg"));
	CHECK(c->ncas == 1);
	CHECK(streq(c->cas[0].name, "A.b_c-9"));
	CHECK(streq(c->cas[0].key, "pkcs11:object=a"));
	CHECK(c->cas[0].key_sessions == 1024);
	CHECK(c->cas[0].crl.set && c->cas[0].crl.next_update == 129600);
	CHECK(c->cas[0].crl.smime && c->cas[0].crl.rsa_pss && c->cas[0].crl.url == NULL);
	CHECK(!c->cas[0].ocsp.set);
	CHECK(c->cas[0].line == 5 && c->cas[0].crl.line == 8);
	CHECK(streq(c->crl_publish_dir, "/srv/crl"));
	CHECK(c->ocsp_listen.n == 3);
	CHECK(streq(c->ocsp_listen.addrs[0], "[::1]:8080"));
	CHECK(streq(c->ocsp_listen.addrs[2], "localhost:1"));
	CHECK(c->ocsp_threads == 256);
	CHECK(c->ocsp_validity == 8 * 3600);
	CHECK(c->ocsp_nonce_echo && c->ocsp_unknown_signed);
	CHECK(streq(c->ocsp_path_prefix, "/ocsp/"));
	CHECK(c->ocsp_max_request_entries == 1000);
	CHECK(c->ocsp_live_sign_rate == 0);
	CHECK(c->ocsp_max_connections == 1000000);
	CHECK(c->ocsp_timeout == 3600);
	CHECK(c->admin_listen.n == 1 && streq(c->admin_listen.addrs[0], "[2001:db8::1]:9443"));
	CHECK(c->clock_max_skew == 0);
	CHECK(streq(c->webhook_url, "https://hooks/x"));
	cfg_free(c);

	/* Range ends are inclusive; a single admin address may be a string. */
	c = LOAD_OK(t,
		"ocsp:\n"
		"  validity: 10d\n"
		"  timeout: 1s\n"
		"  nonce: ignore\n"
		"  unknown_serial: unauthorized\n"
		"admin:\n"
		"  listen: \"[::]:9090\"\n"
		"clock:\n"
		"  max_skew: 1h\n"
		"cas:\n"
		"  - name: x\n"
		"    key: pkcs11:x\n"
		"    key_sessions: 1\n"
		"    crl:\n"
		"      next_update: 366d\n"
		"      partitions: 4096\n"
		"      url: http://c/{partition}.crl\n"
		"      smime: no\n"
		"      rsa_pss: false\n");
	if (!c)
		return;
	CHECK(c->ocsp_validity == 10 * 86400 && c->ocsp_timeout == 1);
	CHECK(!c->ocsp_nonce_echo && !c->ocsp_unknown_signed);
	CHECK(c->admin_listen.n == 1 && streq(c->admin_listen.addrs[0], "[::]:9090"));
	CHECK(c->clock_max_skew == 3600);
	CHECK(c->cas[0].crl.next_update == 366 * 86400 && c->cas[0].crl.partitions == 4096);
	CHECK(streq(c->cas[0].crl.url, "http://c/{partition}.crl"));
	CHECK(!c->cas[0].crl.smime && !c->cas[0].crl.rsa_pss);
	cfg_free(c);
}

static void test_ocsp_block(struct t *t)
{
	struct cfg *c = LOAD_OK(t,
		"cas:\n"
		"  - name: braces\n"
		"    key: pkcs11:a\n"
		"    ocsp: {}\n"
		"  - name: bare\n"
		"    key: pkcs11:b\n"
		"    ocsp:\n"
		"  - name: tilde\n"
		"    key: pkcs11:c\n"
		"    ocsp: ~\n"
		"  - name: absent\n"
		"    key: pkcs11:d\n"
		"    crl:\n"
		"  - key: pkcs11:e\n"
		"    name: last\n");
	const struct cfg_ca *ca;

	if (!c)
		return;
	CHECK(c->ncas == 5);
	ca = cfg_find_ca(c, "braces");
	CHECK(ca && ca->ocsp.set && !ca->ocsp.responder_cert && ca->ocsp.line == 4);
	ca = cfg_find_ca(c, "bare");
	CHECK(ca && ca->ocsp.set && !ca->ocsp.responder_key && ca->ocsp.line == 7);
	CHECK(ca && ca->line == 5);
	ca = cfg_find_ca(c, "tilde");
	CHECK(ca && ca->ocsp.set);
	ca = cfg_find_ca(c, "absent");
	CHECK(ca && !ca->ocsp.set && ca->crl.set && ca->crl.line == 13);
	ca = cfg_find_ca(c, "last");
	CHECK(ca && ca->line == 14);
	CHECK(cfg_find_ca(c, "nope") == NULL);
	CHECK(cfg_find_ca(c, NULL) == NULL);
	CHECK(cfg_find_ca(NULL, "bare") == NULL);
	cfg_free(c);
}

static void test_unknown_keys(struct t *t)
{
	EXPECT_ERR(t,
		"cas:\n"
		"  - name: a\n"
		"    key: file:k.pem\n"
		"  - name: b\n"
		"    key: file:k.pem\n"
		"    ocps: {}\n",
		6, "unknown key 'ocps' in 'cas[1]'");
	EXPECT_ERR(t, "ocps:\n  threads: 1\n", 1, "unknown top-level key 'ocps'");
	EXPECT_ERR(t, "ocsp:\n  threads: 1\n  treads: 2\n", 3, "unknown key 'treads' in 'ocsp'");
	EXPECT_ERR(t, "database:\n  embedded:\n    path: x\n", 3,
		   "unknown key 'path' in 'database.embedded'");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    crl: {url: x, part: 3}\n", 4,
		   "unknown key 'part' in 'cas[0].crl'");
	/* Keys are case-sensitive. */
	EXPECT_ERR(t, "OCSP: {}\n", 1, "unknown top-level key 'OCSP'");
	EXPECT_ERR(t, "ocsp:\n  threads: 1\n  threads: 2\n", 3,
		   "duplicate key 'threads' in 'ocsp' (first at line 2)");
	EXPECT_ERR(t, "clock: {}\n\nclock: {}\n", 3, "duplicate key 'clock' (first at line 1)");
}

static void test_durations(struct t *t)
{
	EXPECT_ERR(t, "clock:\n  max_skew: 1s\nocsp:\n  validity: 4 days\n", 4,
		   "'ocsp.validity' must be a duration such as 4d or 12h");
	EXPECT_ERR(t, "ocsp:\n  validity: -4d\n", 2,
		   "'ocsp.validity' must be a duration such as 4d or 12h");
	EXPECT_ERR(t, "ocsp:\n  validity: 4x\n", 2,
		   "'ocsp.validity' must be a duration such as 4d or 12h");
	EXPECT_ERR(t, "ocsp:\n  validity: 11d\n", 2,
		   "'ocsp.validity' must be between 8h and 10d (got 11d)");
	EXPECT_ERR(t, "ocsp:\n  validity: 7h59m59s\n", 2,
		   "'ocsp.validity' must be between 8h and 10d (got 7h59m59s)");
	EXPECT_ERR(t, "ocsp:\n  timeout: 0s\n", 2, "'ocsp.timeout' must be between 1s and 1h (got 0s)");
	EXPECT_ERR(t, "ocsp:\n  timeout: 3601\n", 2,
		   "'ocsp.timeout' must be between 1s and 1h (got 3601)");
	EXPECT_ERR(t, "clock:\n  max_skew: 61m\n", 2,
		   "'clock.max_skew' must be between 0s and 1h (got 61m)");
	EXPECT_ERR(t,
		"cas:\n"
		"  - name: a\n"
		"    key: file:k.pem\n"
		"    crl:\n"
		"      next_update: 367d\n",
		5, "'cas[0].crl.next_update' must be between 1s and 366d (got 367d)");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    crl: {next_update: 0s}\n", 4,
		   "'cas[0].crl.next_update' must be between 1s and 366d (got 0s)");
}

static void test_ints_bools_enums(struct t *t)
{
	EXPECT_ERR(t, "ocsp:\n  threads: 257\n", 2, "'ocsp.threads' must be between 0 and 256 (got 257)");
	EXPECT_ERR(t, "ocsp:\n  threads: -1\n", 2, "'ocsp.threads' must be between 0 and 256 (got -1)");
	EXPECT_ERR(t, "ocsp:\n  threads: four\n", 2, "'ocsp.threads' must be an integer, not 'four'");
	EXPECT_ERR(t, "ocsp:\n  threads: 4.5\n", 2, "'ocsp.threads' must be an integer, not '4.5'");
	EXPECT_ERR(t, "ocsp:\n  threads: 99999999999999999999\n", 2,
		   "'ocsp.threads' must be an integer, not '99999999999999999999'");
	EXPECT_ERR(t, "ocsp:\n  max_request_entries: 0\n", 2,
		   "'ocsp.max_request_entries' must be between 1 and 1000 (got 0)");
	EXPECT_ERR(t, "ocsp:\n  live_sign_rate: 1000001\n", 2,
		   "'ocsp.live_sign_rate' must be between 0 and 1000000 (got 1000001)");
	EXPECT_ERR(t, "ocsp:\n  max_connections: 0\n", 2,
		   "'ocsp.max_connections' must be between 1 and 1000000 (got 0)");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    key_sessions: 1025\n", 4,
		   "'cas[0].key_sessions' must be between 1 and 1024 (got 1025)");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    key_sessions: 0\n", 4,
		   "'cas[0].key_sessions' must be between 1 and 1024 (got 0)");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    crl: {partitions: 4097}\n", 4,
		   "'cas[0].crl.partitions' must be between 0 and 4096 (got 4097)");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    crl:\n      smime: maybe\n", 5,
		   "'cas[0].crl.smime' must be true or false, not 'maybe'");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    crl:\n      rsa_pss: on\n", 5,
		   "'cas[0].crl.rsa_pss' must be true or false, not 'on'");
	EXPECT_ERR(t, "ocsp:\n  nonce: always\n", 2,
		   "'ocsp.nonce' must be one of ignore, echo, not 'always'");
	EXPECT_ERR(t, "ocsp:\n  unknown_serial: revoked\n", 2,
		   "'ocsp.unknown_serial' must be one of unauthorized, unknown, not 'revoked'");
	EXPECT_ERR(t, "ocsp:\n  path_prefix: ocsp\n", 2,
		   "'ocsp.path_prefix' must start with '/', not 'ocsp'");
}

static void test_cas(struct t *t)
{
	char msg[PATH_MAX + 128];

	EXPECT_ERR(t,
		"# CAs\n"
		"cas:\n"
		"  - name: g3\n"
		"    key: file:k.pem\n"
		"  - name: g4\n"
		"    key: file:k.pem\n"
		"  - name: g5\n"
		"    key: file:k.pem\n"
		"  - name: g4\n"
		"    key: file:k.pem\n",
		9, "duplicate CA name 'g4' (first at line 5)");
	EXPECT_ERR(t, "cas:\n  - key: file:k.pem\n    cert: k.pem\n", 2,
		   "'cas[0]' is missing required key 'name'");
	{
		/* keyless responders (issue 6): cas[].key is optional; whoever
		 * signs refuses a CA without one */
		struct cfg *kc = LOAD_OK(t, "cas:\n  - name: a\n    key: file:k.pem\n  - name: b\n    cert: k.pem\n");
		CHECK(kc && kc->ncas == 2 && kc->cas[0].key && kc->cas[1].key == NULL);
		cfg_free(kc);
	}
	EXPECT_ERR(t, "cas:\n  - name: a/b\n    key: file:k.pem\n", 2,
		   "'cas[0].name' may hold only A-Z a-z 0-9 . _ -, not 'a/b'");
	EXPECT_ERR(t, "cas:\n  - name: \"g 4\"\n    key: file:k.pem\n", 2,
		   "'cas[0].name' may hold only A-Z a-z 0-9 . _ -, not 'g 4'");
	EXPECT_ERR(t, "cas:\n  - name: ..\n    key: file:k.pem\n", 2, "'cas[0].name' must not be '..'");
	EXPECT_ERR(t, "cas:\n  - name: \"\"\n    key: file:k.pem\n", 2,
		   "'cas[0].name' needs a value (a string)");

	/* Key URIs. */
	EXPECT_ERR(t,
		"cas:\n"
		"  - name: a\n"
		"    key_sessions: 2\n"
		"    key: file:/nope.pem\n",
		4, "'cas[0].key': file '/nope.pem' does not exist");
	fmt(msg, sizeof(msg), "'cas[0].key': file '%s/keys/missing.pem' does not exist", t->dir);
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: \"file:keys/missing.pem\"\n", 3, msg);
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: k.pem\n", 3,
		   "'cas[0].key' must be a key URI such as 'file:k.pem' or 'pkcs11:...', not 'k.pem'");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: http://x/k.pem\n", 3,
		   "'cas[0].key': unknown key URI scheme in 'http://x/k.pem' (use file: or pkcs11:)");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file://host/k.pem\n", 3,
		   "'cas[0].key': file: URIs with a host are not supported in 'file://host/k.pem'");
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: \"file:\"\n", 3, "'cas[0].key': 'file:' needs a path");

	/* Other referenced files. */
	fmt(msg, sizeof(msg), "'cas[0].cert': file '%s/ca.crt' does not exist", t->dir);
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    cert: ca.crt\n", 4, msg);
	fmt(msg, sizeof(msg), "'cas[0].cert': '%s/.' is a directory, not a file", t->dir);
	EXPECT_ERR(t, "cas:\n  - name: a\n    key: file:k.pem\n    cert: .\n", 4, msg);
	fmt(msg, sizeof(msg), "'cas[0].ocsp.responder_cert': file '%s/r.crt' does not exist",
		 t->dir);
	EXPECT_ERR(t,
		"cas:\n"
		"  - name: a\n"
		"    key: file:k.pem\n"
		"    ocsp:\n"
		"      responder_key: file:k.pem\n"
		"      responder_cert: r.crt\n",
		6, msg);
	fmt(msg, sizeof(msg), "'admin.token_file': file '%s/no-token' does not exist", t->dir);
	EXPECT_ERR(t, "admin:\n  token_file: no-token\n", 2, msg);
	fmt(msg, sizeof(msg), "'admin.client_ca': file '%s/no-ca.pem' does not exist", t->dir);
	EXPECT_ERR(t, "admin:\n  client_ca: no-ca.pem\n", 2, msg);

	/* Delegated responder: both or neither. */
	EXPECT_ERR(t,
		"cas:\n"
		"  - name: a\n"
		"    key: file:k.pem\n"
		"    ocsp:\n"
		"      responder_cert: k.pem\n",
		5, "'cas[0].ocsp.responder_cert' needs 'cas[0].ocsp.responder_key' too (give both or neither)");
	EXPECT_ERR(t,
		"cas:\n"
		"  - name: a\n"
		"    key: file:k.pem\n"
		"    ocsp: {responder_key: \"pkcs11:x\"}\n",
		4, "'cas[0].ocsp.responder_key' needs 'cas[0].ocsp.responder_cert' too (give both or neither)");

	/* CRL partitions need a URL template. */
	EXPECT_ERR(t,
		"cas:\n"
		"  - name: a\n"
		"    key: file:k.pem\n"
		"    crl:\n"
		"      next_update: 1d\n"
		"      partitions: 4\n",
		6, "'cas[0].crl.url' is required when 'cas[0].crl.partitions' is above 0");
	EXPECT_ERR(t,
		"cas:\n"
		"  - name: a\n"
		"    key: file:k.pem\n"
		"    crl:\n"
		"      url: http://crl/a.crl\n"
		"      partitions: 4\n",
		5, "'cas[0].crl.url' must contain '{partition}' when partitions is above 0");
	/* Without partitions a plain URL is fine. */
	cfg_free(LOAD_OK(t, "cas:\n  - name: a\n    key: file:k.pem\n    crl: {url: http://crl/a.crl}\n"));
}

static void test_wrong_types(struct t *t)
{
	EXPECT_ERR(t, "database: postgres://x\n", 1, "'database' must be a mapping, not a scalar");
	EXPECT_ERR(t, "database:\n  embedded: var/pg\n", 2,
		   "'database.embedded' must be a mapping, not a scalar");
	EXPECT_ERR(t, "cas:\n  name: a\n", 2, "'cas' must be a list, not a mapping");
	EXPECT_ERR(t, "cas: a\n", 1, "'cas' must be a list, not a scalar");
	EXPECT_ERR(t, "cas:\n  - just-a-name\n", 2, "'cas[0]' must be a mapping, not a scalar");
	EXPECT_ERR(t, "cas:\n  - \n", 2, "'cas[0]' must be a mapping, not empty");
	EXPECT_ERR(t, "ocsp:\n  threads: [1, 2]\n", 2, "'ocsp.threads' must be an integer, not a list");
	EXPECT_ERR(t, "ocsp:\n  validity:\n    days: 4\n", 3,
		   "'ocsp.validity' must be a duration such as 4d or 12h, not a mapping");
	EXPECT_ERR(t, "ocsp:\n  listen: 127.0.0.1:8080\n", 2,
		   "'ocsp.listen' must be a list of \"host:port\" strings, not a scalar");
	EXPECT_ERR(t, "ocsp:\n  listen:\n    - a: 1\n", 3,
		   "'ocsp.listen[0]' must be a \"host:port\" string, not a mapping");
	EXPECT_ERR(t, "retire:\n  webhook_url:\nclock: {}\n", 2,
		   "'retire.webhook_url' needs a value (a string)");
	EXPECT_ERR(t, "ocsp: [1]\n", 1, "'ocsp' must be a mapping, not a list");
	EXPECT_ERR(t, "- a\n- b\n", 1, "the top level must be a mapping of keys, not a list");
	EXPECT_ERR(t, "just text\n", 1, "the top level must be a mapping of keys, not a scalar");
	EXPECT_ERR(t, "? [a]\n: 1\n", 1, "mapping keys must be scalars, not a list");
	EXPECT_ERR(t, "retire:\n  webhook_url: \"a\\0b\"\n", 2, "value contains a NUL character");
}

static void test_listen(struct t *t)
{
	EXPECT_ERR(t, "ocsp:\n  listen:\n    - 127.0.0.1:8080\n    - 127.0.0.1:0\n", 4,
		   "'ocsp.listen[1]': '127.0.0.1:0' needs a port from 1 to 65535");
	EXPECT_ERR(t, "ocsp:\n  listen: [\"h:65536\"]\n", 2,
		   "'ocsp.listen[0]': 'h:65536' needs a port from 1 to 65535");
	EXPECT_ERR(t, "ocsp:\n  listen: [\"h:-1\"]\n", 2,
		   "'ocsp.listen[0]': 'h:-1' needs a port from 1 to 65535");
	EXPECT_ERR(t, "ocsp:\n  listen: [\"h:\"]\n", 2,
		   "'ocsp.listen[0]': 'h:' needs a port from 1 to 65535");
	EXPECT_ERR(t, "ocsp:\n  listen: [localhost]\n", 2, "'ocsp.listen[0]': 'localhost' has no ':port'");
	EXPECT_ERR(t, "ocsp:\n  listen: [\":80\"]\n", 2, "'ocsp.listen[0]': ':80' has an empty host");
	EXPECT_ERR(t, "ocsp:\n  listen: [\"[]:80\"]\n", 2, "'ocsp.listen[0]': '[]:80' has an empty host");
	EXPECT_ERR(t, "ocsp:\n  listen: [\"::1:80\"]\n", 2,
		   "'ocsp.listen[0]': '::1:80' has an IPv6 host without brackets (write [::1]:8080)");
	EXPECT_ERR(t, "ocsp:\n  listen: [\"[::1]80\"]\n", 2,
		   "'ocsp.listen[0]': '[::1]80' needs ':port' after ']'");
	EXPECT_ERR(t, "ocsp:\n  listen: [\"[::1:80\"]\n", 2,
		   "'ocsp.listen[0]': '[::1:80' has no closing ']'");
	EXPECT_ERR(t, "ocsp:\n  listen: []\n", 2, "'ocsp.listen' must list at least one \"host:port\"");
	EXPECT_ERR(t, "ocsp:\n  listen:\n    - a:1\n    - a:1\n", 4,
		   "'ocsp.listen[1]': 'a:1' is listed twice (first at line 3)");
	EXPECT_ERR(t, "admin:\n  listen: \"localhost:0\"\n", 2,
		   "'admin.listen': 'localhost:0' needs a port from 1 to 65535");
}

static void test_yaml_errors(struct t *t)
{
	char missing[PATH_MAX + 32], want[PATH_MAX + 64];
	struct ll_err err = {{0}};
	struct cfg *c;

	/* A tab-indented line. */
	EXPECT_ERR_PREFIX(t, "ocsp:\n  threads: 4\n\tvalidity: 4d\n", 3, "YAML syntax error: ");
	EXPECT_ERR_PREFIX(t, "clock: {}\nocsp:\n\tthreads: 4\n", 3, "YAML syntax error: ");
	/* An unclosed quote is reported where it opens, not at the end of file. */
	EXPECT_ERR(t,
		"ocsp:\n"
		"  threads: 4\n"
		"  path_prefix: \"/ocsp\n"
		"  validity: 4d\n"
		"clock:\n"
		"  max_skew: 1s\n",
		3, "YAML syntax error: found unexpected end of stream while scanning a quoted scalar (detected at line 7)");
	/* A key without its ':' is noticed one line later. */
	EXPECT_ERR_PREFIX(t, "ocsp:\n  threads: 4\n  validity\n  nonce: echo\n", 3, "YAML syntax error: ");
	EXPECT_ERR_PREFIX(t, "ocsp:\n  threads: 4\n validity: 4d\n", 3, "YAML syntax error: ");
	EXPECT_ERR_PREFIX(t, "ocsp: [a, b\nclock: {}\n", 2, "YAML syntax error: ");
	EXPECT_ERR_PREFIX(t, "clock: {}\nretire:\n  webhook_url: \"\xff\"\n", 3, "YAML syntax error: ");

	EXPECT_ERR(t, "ocsp: &o\n  threads: 1\nadmin: *o\n", 1, "YAML anchors (&name) are not supported");
	EXPECT_ERR(t, "clock:\n  max_skew: *x\n", 2, "YAML aliases (*name) are not supported");
	EXPECT_ERR(t, "clock: {}\n---\nclock: {}\n", 2, "only one YAML document is allowed; remove this '---'");
	EXPECT_ERR(t, "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", 1,
		   "nesting deeper than 32 levels");

	fmt(missing, sizeof(missing), "%s/missing.yaml", t->dir);
	c = cfg_load(missing, &err);
	CHECK(c == NULL);
	fmt(want, sizeof(want), "%s: cannot open: %s", missing, strerror(ENOENT));
	CHECK_MSG(streq(err.msg, want), "%s", err.msg);
	c = cfg_load(t->dir, &err);
	CHECK(c == NULL);
	fmt(want, sizeof(want), "%s: cannot open: %s", t->dir, strerror(EISDIR));
	CHECK_MSG(streq(err.msg, want), "%s", err.msg);
	/* A NULL err is allowed; the load still fails cleanly. */
	CHECK(cfg_load(missing, NULL) == NULL);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	struct t t;

	memset(&t, 0, sizeof(t));
	fmt(tmpl, sizeof(tmpl), "%s/ll_cfg_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl) || !realpath(tmpl, t.dir)) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpl, strerror(errno));
		return 2;
	}
	put(&t, "k.pem", "dummy key\n");

	test_defaults(&t);
	test_example(&t);
	test_data_files();
	test_key_list();
	test_relative_paths(&t);
	test_values(&t);
	test_ocsp_block(&t);
	test_unknown_keys(&t);
	test_durations(&t);
	test_ints_bools_enums(&t);
	test_cas(&t);
	test_wrong_types(&t);
	test_listen(&t);
	test_yaml_errors(&t);

	nftw(t.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
