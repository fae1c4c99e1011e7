/* config.c - loads lastleaf.yaml. libyaml's event stream is first turned
 * into a small node tree that keeps the line of every node, then a key
 * table (name, type, range, target field) is walked over it. Validation
 * happens here, once, so the rest of lastleaf can trust struct cfg.
 * Nothing here is global: all state lives in struct ctx on the stack. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "lltime.h"

/* A config is a few KiB; the ceiling only stops a wrong path (a disk
 * image, /dev/zero) from eating memory. */
#define CFG_MAX_FILE_SIZE (1024 * 1024)
/* Deep enough for any real config (the deepest key is 3 maps down);
 * shallow enough that hostile nesting cannot exhaust the stack. */
#define CFG_MAX_DEPTH 32
#define CFG_PATH_MAX 256

/* ---- node tree ---- */

enum node_kind { NODE_SCALAR, NODE_MAP, NODE_SEQ };

struct node {
	enum node_kind kind;
	int line;		/* 1-based */
	bool null;		/* plain "", "~" or "null": YAML's null */
	char *str;		/* NODE_SCALAR: the text, NUL-terminated */
	struct node **kids;	/* NODE_MAP: key, value, key, value...; NODE_SEQ: items */
	size_t nkids, cap;
};

struct ctx {
	const char *file;	/* as the caller spelled it, for messages */
	const char *dir;	/* absolute directory of file, for relative paths */
	const char *src;	/* file contents, to turn reader offsets into lines */
	size_t srclen;
	struct ll_err *err;
};

static bool fail(struct ctx *c, int line, const char *fmt, ...) LL_PRINTF(3, 4);

static bool fail(struct ctx *c, int line, const char *fmt, ...)
{
	char msg[sizeof(c->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ll_err_set(c->err, "%s:%d: %s", c->file, line, msg);
}

static void node_free(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static bool node_add(struct node *parent, struct node *kid)
{
	if (parent->nkids == parent->cap) {
		size_t ncap = parent->cap ? parent->cap * 2 : 8;
		struct node **k = realloc(parent->kids, ncap * sizeof(*k));

		if (!k)
			return false;
		parent->kids = k;
		parent->cap = ncap;
	}
	parent->kids[parent->nkids++] = kid;
	return true;
}

static const char *kind_name(const struct node *n)
{
	if (n->null)
		return "empty";
	switch (n->kind) {
	case NODE_MAP: return "a mapping";
	case NODE_SEQ: return "a list";
	case NODE_SCALAR: break;
	}
	return "a scalar";
}

/* The value of key name in map, or NULL (also when map is not a map). */
static const struct node *map_get(const struct node *map, const char *name)
{
	size_t i;

	if (!map || map->kind != NODE_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nkids; i += 2)
		if (strcmp(map->kids[i]->str, name) == 0)
			return map->kids[i + 1];
	return NULL;
}

static int line_of_offset(const struct ctx *c, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off && i < c->srclen; i++)
		if (c->src[i] == '\n')
			line++;
	return line;
}

/* Turns libyaml's error state into "FILE:LINE: YAML syntax error: ...".
 * The problem mark is usually the place to fix, but two scanner errors
 * are only noticed after the real mistake: an unclosed quote runs to the
 * end of the file, and a key without ':' shows up on the next line. Those
 * are reported where the token started (libyaml's context mark). */
static bool syntax_error(struct ctx *c, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown error";
	int pline = (int)p->problem_mark.line + 1, cline = (int)p->context_mark.line + 1;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return ll_err_set(c->err, "%s: out of memory while parsing", c->file);
	case YAML_READER_ERROR:
		return fail(c, line_of_offset(c, p->problem_offset), "YAML syntax error: %s",
			    problem);
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		if (!p->context)
			break;
		if (cline == pline)
			return fail(c, pline, "YAML syntax error: %s %s", problem, p->context);
		if (p->error == YAML_SCANNER_ERROR && (strstr(p->context, "quoted scalar") ||
						       strstr(p->context, "simple key")))
			return fail(c, cline, "YAML syntax error: %s %s (detected at line %d)",
				    problem, p->context, pline);
		return fail(c, pline, "YAML syntax error: %s %s started at line %d", problem,
			    p->context, cline);
	default:
		break;
	}
	return fail(c, pline, "YAML syntax error: %s", problem);
}

static bool next_event(struct ctx *c, yaml_parser_t *p, yaml_event_t *ev)
{
	if (yaml_parser_parse(p, ev))
		return true;
	return syntax_error(c, p);
}

static bool is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag)
		return false;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* Builds the node that starts with *ev and, for a collection, reads events
 * up to its end. Always deletes *ev. */
static bool build_node(struct ctx *c, yaml_parser_t *p, yaml_event_t *ev, int depth,
		       struct node **out)
{
	struct node *n = NULL, *kid = NULL;
	yaml_event_type_t end;
	yaml_event_t kev;
	int line = (int)ev->start_mark.line + 1;
	bool ok = false;

	*out = NULL;
	if (depth > CFG_MAX_DEPTH) {
		fail(c, line, "nesting deeper than %d levels", CFG_MAX_DEPTH);
		goto out;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		fail(c, line, "YAML aliases (*name) are not supported");
		goto out;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor) {
			fail(c, line, "YAML anchors (&name) are not supported");
			goto out;
		}
		/* A "\0" escape would silently cut the string short. */
		if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length) {
			fail(c, line, "value contains a NUL character");
			goto out;
		}
		n = calloc(1, sizeof(*n));
		if (!n || !(n->str = strdup((const char *)ev->data.scalar.value))) {
			fail(c, line, "out of memory");
			goto out;
		}
		n->kind = NODE_SCALAR;
		n->line = line;
		n->null = is_null_scalar(ev);
		ok = true;
		goto out;
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor) {
			fail(c, line, "YAML anchors (&name) are not supported");
			goto out;
		}
		end = YAML_MAPPING_END_EVENT;
		break;
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor) {
			fail(c, line, "YAML anchors (&name) are not supported");
			goto out;
		}
		end = YAML_SEQUENCE_END_EVENT;
		break;
	default:
		fail(c, line, "YAML syntax error: unexpected event");
		goto out;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		fail(c, line, "out of memory");
		goto out;
	}
	n->kind = end == YAML_MAPPING_END_EVENT ? NODE_MAP : NODE_SEQ;
	n->line = line;
	for (;;) {
		if (!next_event(c, p, &kev))
			goto out;
		if (kev.type == end) {
			yaml_event_delete(&kev);
			break;
		}
		if (!build_node(c, p, &kev, depth + 1, &kid))
			goto out;
		if (n->kind == NODE_MAP && n->nkids % 2 == 0 && kid->kind != NODE_SCALAR) {
			fail(c, kid->line, "mapping keys must be scalars, not %s", kind_name(kid));
			goto out;
		}
		/* libyaml places an empty value at the next token, often on the
		 * following line; the key's line is where the user looks. */
		if (n->kind == NODE_MAP && n->nkids % 2 == 1 && kid->null && !*kid->str)
			kid->line = n->kids[n->nkids - 1]->line;
		if (!node_add(n, kid)) {
			fail(c, kid->line, "out of memory");
			goto out;
		}
		kid = NULL;
	}
	ok = true;
out:
	yaml_event_delete(ev);
	node_free(kid);
	if (!ok) {
		node_free(n);
		n = NULL;
	}
	*out = n;
	return ok;
}

/* Parses a whole stream into *root: NULL for an empty stream, else the one
 * document's top node. */
static bool parse_yaml(struct ctx *c, struct node **root)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	bool ok = false, have_ev = false;

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		return ll_err_set(c->err, "%s: out of memory", c->file);
	yaml_parser_set_input_string(&parser, (const unsigned char *)c->src, c->srclen);

	if (!next_event(c, &parser, &ev)) /* STREAM-START */
		goto out;
	yaml_event_delete(&ev);
	if (!next_event(c, &parser, &ev))
		goto out;
	have_ev = true;
	if (ev.type == YAML_STREAM_END_EVENT) {
		ok = true;
		goto out;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	have_ev = false;
	if (!next_event(c, &parser, &ev))
		goto out;
	if (!build_node(c, &parser, &ev, 0, root)) /* deletes ev */
		goto out;
	if (!next_event(c, &parser, &ev)) /* DOCUMENT-END */
		goto out;
	yaml_event_delete(&ev);
	if (!next_event(c, &parser, &ev))
		goto out;
	have_ev = true;
	if (ev.type != YAML_STREAM_END_EVENT) {
		fail(c, (int)ev.start_mark.line + 1,
		     "only one YAML document is allowed; remove this '---'");
		goto out;
	}
	ok = true;
out:
	if (have_ev)
		yaml_event_delete(&ev);
	yaml_parser_delete(&parser);
	if (!ok) {
		node_free(*root);
		*root = NULL;
	}
	return ok;
}

/* ---- key table ---- */

enum ktype {
	K_MAP,		/* nested keys from sub; fields live in the same base struct */
	K_LIST,		/* a list handled by list(); sub describes its items */
	K_STR,		/* non-empty string */
	K_PATH,		/* K_STR; a relative path is resolved against the config's dir */
	K_FILE,		/* K_PATH that must name an existing file */
	K_KEYURI,	/* "file:PATH" (a K_FILE) or "pkcs11:..." taken as-is */
	K_INT,		/* int or int64_t (by field size) in [min, max] */
	K_BOOL,		/* true/false/yes/no */
	K_DURATION,	/* int64_t seconds in [min, max] */
	K_ENUM,		/* one of names[]; the index goes to a bool or int field */
	K_LISTEN,	/* list of "host:port"; with KF_ONE_OK also a single string */
};

enum {
	KF_REQUIRED = 1 << 0,
	KF_ONE_OK = 1 << 1,
};

struct key;
typedef bool (*key_fn)(struct ctx *c, const struct key *k, void *base, const struct node *v,
		       const char *path);

struct key {
	const char *name;
	enum ktype type;
	size_t off, size;	/* target field in base */
	int64_t min, max;
	unsigned flags;
	const struct key *sub;	/* K_MAP, K_LIST: keys of the map / of each item */
	const char *const *names; /* K_ENUM, NULL-terminated */
	size_t set_off1, line_off1; /* K_MAP: offset+1 of a bool "given" and an int line; 0 = none */
	key_fn list;		/* K_LIST: parses the list */
	key_fn check;		/* after the value is stored: cross-field or extra checks */
};

#define FIELD(type, member) .off = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define OFF1(type, member) (offsetof(type, member) + 1)
#define DAY 86400
#define HOUR 3600

static bool check_ca_name(struct ctx *c, const struct key *k, void *base, const struct node *v,
			  const char *path);
static bool check_ca_crl(struct ctx *c, const struct key *k, void *base, const struct node *v,
			 const char *path);
static bool check_ca_ocsp(struct ctx *c, const struct key *k, void *base, const struct node *v,
			  const char *path);
static bool check_path_prefix(struct ctx *c, const struct key *k, void *base,
			      const struct node *v, const char *path);
static bool parse_cas(struct ctx *c, const struct key *k, void *base, const struct node *v,
		      const char *path);

static const char *const nonce_names[] = {"ignore", "echo", NULL};
static const char *const unknown_serial_names[] = {"unauthorized", "unknown", NULL};

static const struct key ca_crl_keys[] = {
	{"next_update", K_DURATION, FIELD(struct cfg_ca, crl.next_update), .min = 1, .max = 366 * DAY},
	{"partitions", K_INT, FIELD(struct cfg_ca, crl.partitions), .min = 0, .max = 4096},
	{"url", K_STR, FIELD(struct cfg_ca, crl.url)},
	{"smime", K_BOOL, FIELD(struct cfg_ca, crl.smime)},
	{"rsa_pss", K_BOOL, FIELD(struct cfg_ca, crl.rsa_pss)},
	{0},
};

static const struct key ca_ocsp_keys[] = {
	{"responder_cert", K_FILE, FIELD(struct cfg_ca, ocsp.responder_cert)},
	{"responder_key", K_KEYURI, FIELD(struct cfg_ca, ocsp.responder_key)},
	{0},
};

static const struct key ca_keys[] = {
	{"name", K_STR, FIELD(struct cfg_ca, name), .flags = KF_REQUIRED, .check = check_ca_name},
	{"key", K_KEYURI, FIELD(struct cfg_ca, key)},
	{"cert", K_FILE, FIELD(struct cfg_ca, cert)},
	{"key_sessions", K_INT, FIELD(struct cfg_ca, key_sessions), .min = 1, .max = 1024},
	{"crl", K_MAP, .sub = ca_crl_keys, .set_off1 = OFF1(struct cfg_ca, crl.set),
	 .line_off1 = OFF1(struct cfg_ca, crl.line), .check = check_ca_crl},
	{"ocsp", K_MAP, .sub = ca_ocsp_keys, .set_off1 = OFF1(struct cfg_ca, ocsp.set),
	 .line_off1 = OFF1(struct cfg_ca, ocsp.line), .check = check_ca_ocsp},
	{0},
};

static const struct key embedded_keys[] = {
	{"dir", K_PATH, FIELD(struct cfg, embedded_dir)},
	{0},
};

static const struct key database_keys[] = {
	{"url", K_STR, FIELD(struct cfg, database_url)},
	{"replica_url", K_STR, FIELD(struct cfg, replica_url)},
	{"poll_interval", K_DURATION, FIELD(struct cfg, poll_interval), .min = 1, .max = HOUR},
	{"embedded", K_MAP, .sub = embedded_keys, .set_off1 = OFF1(struct cfg, embedded_set)},
	{0},
};

static const struct key crl_keys[] = {
	{"publish_dir", K_PATH, FIELD(struct cfg, crl_publish_dir)},
	{0},
};

static const struct key ocsp_keys[] = {
	{"listen", K_LISTEN, FIELD(struct cfg, ocsp_listen)},
	{"threads", K_INT, FIELD(struct cfg, ocsp_threads), .min = 0, .max = 256},
	{"validity", K_DURATION, FIELD(struct cfg, ocsp_validity), .min = 8 * HOUR, .max = 10 * DAY},
	{"nonce", K_ENUM, FIELD(struct cfg, ocsp_nonce_echo), .names = nonce_names},
	{"unknown_serial", K_ENUM, FIELD(struct cfg, ocsp_unknown_signed),
	 .names = unknown_serial_names},
	{"path_prefix", K_STR, FIELD(struct cfg, ocsp_path_prefix), .check = check_path_prefix},
	{"max_request_entries", K_INT, FIELD(struct cfg, ocsp_max_request_entries), .min = 1,
	 .max = 1000},
	{"live_sign_rate", K_INT, FIELD(struct cfg, ocsp_live_sign_rate), .min = 0, .max = 1000000},
	{"max_connections", K_INT, FIELD(struct cfg, ocsp_max_connections), .min = 1,
	 .max = 1000000},
	{"timeout", K_DURATION, FIELD(struct cfg, ocsp_timeout), .min = 1, .max = HOUR},
	{0},
};

static const struct key admin_keys[] = {
	{"listen", K_LISTEN, FIELD(struct cfg, admin_listen), .flags = KF_ONE_OK},
	{"token_file", K_FILE, FIELD(struct cfg, admin_token_file)},
	{"client_ca", K_FILE, FIELD(struct cfg, admin_client_ca)},
	{"tls_cert", K_FILE, FIELD(struct cfg, admin_tls_cert)},
	{"tls_key", K_KEYURI, FIELD(struct cfg, admin_tls_key)},
	{0},
};

static const struct key clock_keys[] = {
	{"max_skew", K_DURATION, FIELD(struct cfg, clock_max_skew), .min = 0, .max = HOUR},
	{0},
};

static const struct key retire_keys[] = {
	{"webhook_url", K_STR, FIELD(struct cfg, webhook_url)},
	{0},
};

static const struct key top_keys[] = {
	{"database", K_MAP, .sub = database_keys},
	{"cas", K_LIST, .sub = ca_keys, .list = parse_cas},
	{"crl", K_MAP, .sub = crl_keys},
	{"ocsp", K_MAP, .sub = ocsp_keys},
	{"admin", K_MAP, .sub = admin_keys},
	{"clock", K_MAP, .sub = clock_keys},
	{"retire", K_MAP, .sub = retire_keys},
	{0},
};

/* Key paths for messages: "cas[1].crl.url". Paths are short; a truncated
 * one would still name the right place. */
static void join_path(char *out, size_t cap, const char *parent, const char *name)
{
	if (snprintf(out, cap, "%s%s%s", parent, *parent ? "." : "", name) < 0)
		out[0] = '\0';
}

static void index_path(char *out, size_t cap, const char *parent, size_t i)
{
	if (snprintf(out, cap, "%s[%zu]", parent, i) < 0)
		out[0] = '\0';
}

/* ---- value conversion ---- */

static void *field(void *base, size_t off)
{
	return (char *)base + off;
}

static const char *type_desc(const struct key *k)
{
	switch (k->type) {
	case K_MAP: return "a mapping";
	case K_LIST: return "a list";
	case K_STR: return "a string";
	case K_PATH: case K_FILE: return "a path";
	case K_KEYURI: return "a key URI";
	case K_INT: return "an integer";
	case K_BOOL: return "true or false";
	case K_DURATION: return "a duration such as 4d or 12h";
	case K_ENUM: return "a word";
	case K_LISTEN: return "a list of \"host:port\" strings";
	}
	return "a value";
}

static bool wrong_type(struct ctx *c, const struct key *k, const struct node *v,
		       const char *path)
{
	return fail(c, v->line, "'%s' must be %s, not %s", path, type_desc(k), kind_name(v));
}

/* "1d12h" for messages about duration ranges. */
static const char *fmt_duration(int64_t s, char *buf, size_t cap)
{
	static const struct {
		int64_t secs;
		char unit;
	} units[] = {{DAY, 'd'}, {HOUR, 'h'}, {60, 'm'}, {1, 's'}};
	size_t i, len = 0;

	buf[0] = '\0';
	if (s == 0) {
		snprintf(buf, cap, "0s");
		return buf;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]) && len < cap; i++) {
		if (s >= units[i].secs) {
			int n = snprintf(buf + len, cap - len, "%lld%c",
					 (long long)(s / units[i].secs), units[i].unit);
			if (n < 0)
				break;
			len += (size_t)n;
			s %= units[i].secs;
		}
	}
	return buf;
}

static bool set_string(struct ctx *c, void *base, size_t off, const char *s, int line)
{
	char **dst = field(base, off);
	char *copy = strdup(s);

	if (!copy)
		return fail(c, line, "out of memory");
	free(*dst);
	*dst = copy;
	return true;
}

/* Joins c->dir and a relative path; absolute paths come back unchanged.
 * Returns a new string or NULL on OOM. */
static char *resolve_path(const struct ctx *c, const char *p)
{
	size_t n;
	char *out;

	if (p[0] == '/' || !c->dir)
		return strdup(p);
	n = strlen(c->dir) + 1 + strlen(p) + 1;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s%s%s", c->dir, strcmp(c->dir, "/") == 0 ? "" : "/", p);
	return out;
}

static bool check_file(struct ctx *c, const char *path, const char *file, int line)
{
	struct stat st;

	if (stat(file, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return fail(c, line, "'%s': file '%s' does not exist", path, file);
		return fail(c, line, "'%s': cannot access '%s': %s", path, file, strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return fail(c, line, "'%s': '%s' is a directory, not a file", path, file);
	return true;
}

/* Resolves, optionally checks and stores a path, with prefix ("file:" or "")
 * in front. */
static bool set_path(struct ctx *c, void *base, size_t off, const char *raw, const char *prefix,
		     bool must_exist, const char *path, int line)
{
	char *resolved = NULL, *full = NULL;
	bool ok = false;
	size_t n;

	resolved = resolve_path(c, raw);
	if (!resolved) {
		fail(c, line, "out of memory");
		goto out;
	}
	if (must_exist && !check_file(c, path, resolved, line))
		goto out;
	n = strlen(prefix) + strlen(resolved) + 1;
	full = malloc(n);
	if (!full) {
		fail(c, line, "out of memory");
		goto out;
	}
	snprintf(full, n, "%s%s", prefix, resolved);
	ok = set_string(c, base, off, full, line);
out:
	free(full);
	free(resolved);
	return ok;
}

static bool set_key_uri(struct ctx *c, void *base, size_t off, const char *s, const char *path,
			int line)
{
	const char *p;

	if (strncasecmp(s, "pkcs11:", 7) == 0)
		return set_string(c, base, off, s, line);
	if (strncasecmp(s, "file:", 5) != 0) {
		if (strchr(s, ':'))
			return fail(c, line, "'%s': unknown key URI scheme in '%s' (use file: or pkcs11:)",
				    path, s);
		return fail(c, line, "'%s' must be a key URI such as 'file:%s' or 'pkcs11:...', not '%s'",
			    path, s, s);
	}
	p = s + 5;
	/* RFC 8089 spells an absolute local path file:///x; file://host/x names
	 * another machine, which we cannot read. */
	if (strncmp(p, "//", 2) == 0) {
		if (p[2] != '/')
			return fail(c, line, "'%s': file: URIs with a host are not supported in '%s'",
				    path, s);
		p += 2;
	}
	if (!*p)
		return fail(c, line, "'%s': 'file:' needs a path", path);
	return set_path(c, base, off, p, "file:", true, path, line);
}

static bool parse_int(const char *s, long long *out)
{
	char *end;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* "host:port" with a non-empty host, IPv6 in brackets, port 1..65535.
 * Returns NULL when fine, else why not. */
static const char *hostport_problem(const char *s)
{
	const char *colon, *port;
	long long v;

	if (strpbrk(s, " \t"))
		return "contains whitespace";
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb)
			return "has no closing ']'";
		if (rb == s + 1)
			return "has an empty host";
		if (rb[1] != ':')
			return "needs ':port' after ']'";
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return "has no ':port'";
		if (colon == s)
			return "has an empty host";
		if (memchr(s, ':', (size_t)(colon - s)))
			return "has an IPv6 host without brackets (write [::1]:8080)";
		if (memchr(s, '[', (size_t)(colon - s)) || memchr(s, ']', (size_t)(colon - s)))
			return "has a stray bracket in the host";
	}
	port = colon + 1;
	if (strlen(port) > 5 || !parse_int(port, &v) || port[0] == '-' || v < 1 || v > 65535)
		return "needs a port from 1 to 65535";
	return NULL;
}

static void listen_free(struct cfg_listen *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->addrs[i]);
	free(l->addrs);
	l->addrs = NULL;
	l->n = 0;
}

static bool set_listen(struct ctx *c, const struct key *k, void *base, const struct node *v,
		       const char *path)
{
	struct cfg_listen *dst = field(base, k->off);
	struct cfg_listen nl = {NULL, 0};
	const struct node *one[1] = {v};
	const struct node *const *items;
	char ipath[CFG_PATH_MAX];
	size_t n, i, j;
	bool ok = false;

	if (v->kind == NODE_SCALAR && !v->null && (k->flags & KF_ONE_OK)) {
		items = one;
		n = 1;
	} else if (v->kind == NODE_SEQ) {
		items = (const struct node *const *)v->kids;
		n = v->nkids;
	} else {
		return wrong_type(c, k, v, path);
	}
	if (n == 0)
		return fail(c, v->line, "'%s' must list at least one \"host:port\"", path);
	nl.addrs = calloc(n, sizeof(*nl.addrs));
	if (!nl.addrs) {
		fail(c, v->line, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct node *it = items[i];
		const char *why, *ip = path;

		if (items != one) {
			index_path(ipath, sizeof(ipath), path, i);
			ip = ipath;
		}
		if (it->kind != NODE_SCALAR || it->null) {
			fail(c, it->line, "'%s' must be a \"host:port\" string, not %s", ip,
			     kind_name(it));
			goto out;
		}
		why = hostport_problem(it->str);
		if (why) {
			fail(c, it->line, "'%s': '%s' %s", ip, it->str, why);
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(items[j]->str, it->str) == 0) {
				fail(c, it->line, "'%s': '%s' is listed twice (first at line %d)", ip,
				     it->str, items[j]->line);
				goto out;
			}
		}
		nl.addrs[i] = strdup(it->str);
		nl.n = i + 1;
		if (!nl.addrs[i]) {
			fail(c, it->line, "out of memory");
			goto out;
		}
	}
	/* Replace the default list only once the new one is complete. */
	listen_free(dst);
	*dst = nl;
	nl.addrs = NULL;
	nl.n = 0;
	ok = true;
out:
	listen_free(&nl);
	return ok;
}

static bool set_int(struct ctx *c, const struct key *k, void *base, const struct node *v,
		    const char *path)
{
	long long n;

	if (!parse_int(v->str, &n))
		return fail(c, v->line, "'%s' must be an integer, not '%s'", path, v->str);
	if (n < k->min || n > k->max)
		return fail(c, v->line, "'%s' must be between %lld and %lld (got %s)", path,
			    (long long)k->min, (long long)k->max, v->str);
	if (k->size == sizeof(int64_t)) {
		int64_t *dst = field(base, k->off);
		*dst = n;
	} else {
		int *dst = field(base, k->off);
		*dst = (int)n;
	}
	return true;
}

static bool set_duration(struct ctx *c, const struct key *k, void *base, const struct node *v,
			 const char *path)
{
	char lo[32], hi[32];
	int64_t secs, *dst = field(base, k->off);

	if (!ll_duration_parse(v->str, &secs))
		return fail(c, v->line, "'%s' must be a duration such as 4d or 12h", path);
	if (secs < k->min || secs > k->max)
		return fail(c, v->line, "'%s' must be between %s and %s (got %s)", path,
			    fmt_duration(k->min, lo, sizeof(lo)), fmt_duration(k->max, hi, sizeof(hi)),
			    v->str);
	*dst = secs;
	return true;
}

static bool set_bool(struct ctx *c, const struct key *k, void *base, const struct node *v,
		     const char *path)
{
	bool *dst = field(base, k->off);

	if (strcasecmp(v->str, "true") == 0 || strcasecmp(v->str, "yes") == 0)
		*dst = true;
	else if (strcasecmp(v->str, "false") == 0 || strcasecmp(v->str, "no") == 0)
		*dst = false;
	else
		return fail(c, v->line, "'%s' must be true or false, not '%s'", path, v->str);
	return true;
}

static bool set_enum(struct ctx *c, const struct key *k, void *base, const struct node *v,
		     const char *path)
{
	char list[256];
	size_t i, len = 0;

	for (i = 0; k->names[i]; i++) {
		if (strcmp(v->str, k->names[i]) != 0)
			continue;
		if (k->size == sizeof(bool)) {
			bool *dst = field(base, k->off);
			*dst = i != 0;
		} else {
			int *dst = field(base, k->off);
			*dst = (int)i;
		}
		return true;
	}
	list[0] = '\0';
	for (i = 0; k->names[i] && len < sizeof(list); i++) {
		int n = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", k->names[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	return fail(c, v->line, "'%s' must be one of %s, not '%s'", path, list, v->str);
}

static bool apply_map(struct ctx *c, const struct key *keys, void *base, const struct node *map,
		      const char *path);

/* Stores one value v (whose key sat on key_line) into base per k. */
static bool apply_key(struct ctx *c, const struct key *k, void *base, const struct node *v,
		      int key_line, const char *path)
{
	bool ok;

	switch (k->type) {
	case K_MAP:
		/* "ocsp:" alone means the same as "ocsp: {}", so null is an empty map. */
		if (v->kind != NODE_MAP && !v->null)
			return wrong_type(c, k, v, path);
		if (k->set_off1) {
			bool *set = field(base, k->set_off1 - 1);
			*set = true;
		}
		if (k->line_off1) {
			int *line = field(base, k->line_off1 - 1);
			*line = key_line;
		}
		ok = apply_map(c, k->sub, base, v, path);
		break;
	case K_LIST:
		ok = k->list(c, k, base, v, path);
		break;
	case K_LISTEN:
		ok = set_listen(c, k, base, v, path);
		break;
	default:
		if (v->kind != NODE_SCALAR)
			return wrong_type(c, k, v, path);
		if (v->null || !*v->str)
			return fail(c, v->line, "'%s' needs a value (%s)", path, type_desc(k));
		switch (k->type) {
		case K_STR: ok = set_string(c, base, k->off, v->str, v->line); break;
		case K_PATH: ok = set_path(c, base, k->off, v->str, "", false, path, v->line); break;
		case K_FILE: ok = set_path(c, base, k->off, v->str, "", true, path, v->line); break;
		case K_KEYURI: ok = set_key_uri(c, base, k->off, v->str, path, v->line); break;
		case K_INT: ok = set_int(c, k, base, v, path); break;
		case K_BOOL: ok = set_bool(c, k, base, v, path); break;
		case K_DURATION: ok = set_duration(c, k, base, v, path); break;
		case K_ENUM: ok = set_enum(c, k, base, v, path); break;
		default: ok = fail(c, v->line, "'%s': internal error: bad key type", path); break;
		}
	}
	if (ok && k->check)
		ok = k->check(c, k, base, v, path);
	return ok;
}


/* Applies every key of map (a mapping or null) through the table keys. */
static bool apply_map(struct ctx *c, const struct key *keys, void *base, const struct node *map,
		      const char *path)
{
	char kpath[CFG_PATH_MAX];
	size_t i, j;

	if (map->null)
		goto required;
	for (i = 0; i + 1 < map->nkids; i += 2) {
		const struct node *kn = map->kids[i], *v = map->kids[i + 1];
		const struct key *k;

		for (j = 0; j < i; j += 2)
			if (strcmp(map->kids[j]->str, kn->str) == 0)
				return fail(c, kn->line, "duplicate key '%s'%s%s%s (first at line %d)",
					    kn->str, *path ? " in '" : "", path, *path ? "'" : "",
					    map->kids[j]->line);
		for (k = keys; k->name; k++)
			if (strcmp(k->name, kn->str) == 0)
				break;
		if (!k->name) {
			if (!*path)
				return fail(c, kn->line, "unknown top-level key '%s'", kn->str);
			return fail(c, kn->line, "unknown key '%s' in '%s'", kn->str, path);
		}
		join_path(kpath, sizeof(kpath), path, k->name);
		if (!apply_key(c, k, base, v, kn->line, kpath))
			return false;
	}
required:
	for (i = 0; keys[i].name; i++) {
		if ((keys[i].flags & KF_REQUIRED) && !map_get(map, keys[i].name))
			return fail(c, map->line, "'%s' is missing required key '%s'", path,
				    keys[i].name);
	}
	return true;
}

/* ---- checks that need more than one value ---- */

static bool check_ca_name(struct ctx *c, const struct key *k, void *base, const struct node *v,
			  const char *path)
{
	const char *s = v->str;

	if (s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")])
		return fail(c, v->line, "'%s' may hold only A-Z a-z 0-9 . _ -, not '%s'", path, s);
	/* Names end up in file names (published CRLs). */
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return fail(c, v->line, "'%s' must not be '%s'", path, s);
	return true;
}

static bool check_ca_crl(struct ctx *c, const struct key *k, void *base, const struct node *v,
			 const char *path)
{
	const struct cfg_ca *ca = base;
	const struct node *pn = map_get(v, "partitions"), *un = map_get(v, "url");

	if (ca->crl.partitions == 0)
		return true;
	if (!ca->crl.url)
		return fail(c, pn->line, "'%s.url' is required when '%s.partitions' is above 0",
			    path, path);
	if (!strstr(ca->crl.url, "{partition}"))
		return fail(c, un->line, "'%s.url' must contain '{partition}' when partitions is above 0",
			    path);
	return true;
}

static bool check_ca_ocsp(struct ctx *c, const struct key *k, void *base, const struct node *v,
			  const char *path)
{
	const struct cfg_ca *ca = base;

	/* A delegated responder needs its certificate and its key; half of the
	 * pair is always a mistake. */
	if (ca->ocsp.responder_cert && !ca->ocsp.responder_key)
		return fail(c, map_get(v, "responder_cert")->line,
			    "'%s.responder_cert' needs '%s.responder_key' too (give both or neither)",
			    path, path);
	if (!ca->ocsp.responder_cert && ca->ocsp.responder_key)
		return fail(c, map_get(v, "responder_key")->line,
			    "'%s.responder_key' needs '%s.responder_cert' too (give both or neither)",
			    path, path);
	return true;
}

static bool check_path_prefix(struct ctx *c, const struct key *k, void *base,
			      const struct node *v, const char *path)
{
	if (v->str[0] != '/')
		return fail(c, v->line, "'%s' must start with '/', not '%s'", path, v->str);
	return true;
}

static void ca_free(struct cfg_ca *ca)
{
	free(ca->name);
	free(ca->key);
	free(ca->cert);
	free(ca->crl.url);
	free(ca->ocsp.responder_cert);
	free(ca->ocsp.responder_key);
}

static bool parse_cas(struct ctx *c, const struct key *k, void *base, const struct node *v,
		      const char *path)
{
	struct cfg *cfg = base;
	char ipath[CFG_PATH_MAX];
	size_t i, j;

	if (v->null)
		return true; /* "cas:" with nothing under it: no CAs yet */
	if (v->kind != NODE_SEQ)
		return wrong_type(c, k, v, path);
	if (v->nkids == 0)
		return true;
	/* cfg owns the array from here on, so cfg_free() cleans up after a
	 * failure in any item. */
	cfg->cas = calloc(v->nkids, sizeof(*cfg->cas));
	if (!cfg->cas)
		return fail(c, v->line, "out of memory");
	cfg->ncas = v->nkids;
	for (i = 0; i < v->nkids; i++) {
		const struct node *item = v->kids[i];
		struct cfg_ca *ca = &cfg->cas[i];

		index_path(ipath, sizeof(ipath), path, i);
		if (item->kind != NODE_MAP)
			return fail(c, item->line, "'%s' must be a mapping, not %s", ipath,
				    kind_name(item));
		ca->line = item->line;
		if (!apply_map(c, k->sub, ca, item, ipath))
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(cfg->cas[j].name, ca->name) == 0)
				return fail(c, map_get(item, "name")->line,
					    "duplicate CA name '%s' (first at line %d)", ca->name,
					    map_get(v->kids[j], "name")->line);
	}
	return true;
}

/* ---- public API ---- */

void cfg_free(struct cfg *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->ncas; i++)
		ca_free(&c->cas[i]);
	free(c->cas);
	free(c->path);
	free(c->database_url);
	free(c->replica_url);
	free(c->embedded_dir);
	free(c->crl_publish_dir);
	listen_free(&c->ocsp_listen);
	free(c->ocsp_path_prefix);
	listen_free(&c->admin_listen);
	free(c->admin_token_file);
	free(c->admin_client_ca);
	free(c->admin_tls_cert);
	free(c->admin_tls_key);
	free(c->webhook_url);
	free(c);
}

static bool listen_default(struct cfg_listen *l, const char *addr)
{
	l->addrs = calloc(1, sizeof(*l->addrs));
	if (!l->addrs || !(l->addrs[0] = strdup(addr)))
		return false;
	l->n = 1;
	return true;
}

static struct cfg *cfg_defaults(void)
{
	struct cfg *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ocsp_threads = 0;
	c->ocsp_validity = 4 * DAY;
	c->ocsp_nonce_echo = false;
	c->ocsp_unknown_signed = false;
	c->ocsp_max_request_entries = 10;
	c->ocsp_live_sign_rate = 5000;
	c->ocsp_max_connections = 10000;
	c->ocsp_timeout = 10;
	c->clock_max_skew = 2;
	c->poll_interval = 1;
	if (!(c->embedded_dir = strdup("./var/pg")) ||
	    !(c->crl_publish_dir = strdup("./var/crl")) ||
	    !(c->ocsp_path_prefix = strdup("/")) ||
	    !listen_default(&c->ocsp_listen, "127.0.0.1:8080") ||
	    !listen_default(&c->admin_listen, "127.0.0.1:9090")) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

/* Reads the whole file; "FILE: cannot open: reason" on failure. */
static bool read_file(const char *path, char **data, size_t *len, struct ll_err *err)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0, cap = 4096, got;
	bool ok = false;

	f = fopen(path, "rb");
	if (!f) {
		ll_err_set(err, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	buf = malloc(cap);
	if (!buf) {
		ll_err_set(err, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (n == cap) {
			char *nb;

			if (cap >= CFG_MAX_FILE_SIZE) {
				ll_err_set(err, "%s: larger than %d bytes; is this a config file?", path,
					   CFG_MAX_FILE_SIZE);
				goto out;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				ll_err_set(err, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				ll_err_set(err, "%s: cannot open: %s", path, strerror(errno));
				goto out;
			}
			break;
		}
	}
	*data = buf;
	*len = n;
	buf = NULL;
	ok = true;
out:
	free(buf);
	if (f)
		fclose(f);
	return ok;
}

/* The absolute directory holding path, or NULL with err filled. */
static char *config_dir(const char *path, struct ll_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL, *abs = NULL;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir) {
		ll_err_set(err, "%s: out of memory", path);
		return NULL;
	}
	abs = realpath(dir, NULL);
	if (!abs)
		ll_err_set(err, "%s: cannot resolve its directory: %s", path, strerror(errno));
	free(dir);
	return abs;
}

struct cfg *cfg_load(const char *path, struct ll_err *err)
{
	struct ctx c = {.file = path, .err = err};
	struct node *root = NULL;
	struct cfg *cfg = NULL;
	char *src = NULL, *dir = NULL;
	bool ok = false;

	cfg = cfg_defaults();
	if (!cfg) {
		ll_err_set(err, "%s: out of memory", path ? path : "config");
		goto out;
	}
	if (!path) {
		ok = true;
		goto out;
	}
	if (!(cfg->path = strdup(path))) {
		ll_err_set(err, "%s: out of memory", path);
		goto out;
	}
	if (!read_file(path, &src, &c.srclen, err))
		goto out;
	c.src = src;
	dir = config_dir(path, err);
	if (!dir)
		goto out;
	c.dir = dir;
	if (!parse_yaml(&c, &root))
		goto out;
	if (root && !root->null) {
		if (root->kind != NODE_MAP) {
			fail(&c, root->line, "the top level must be a mapping of keys, not %s",
			     kind_name(root));
			goto out;
		}
		if (!apply_map(&c, top_keys, cfg, root, ""))
			goto out;
	}
	ok = true;
out:
	node_free(root);
	free(src);
	free(dir);
	if (!ok) {
		cfg_free(cfg);
		cfg = NULL;
	}
	return cfg;
}

const struct cfg_ca *cfg_find_ca(const struct cfg *c, const char *name)
{
	size_t i;

	if (!c || !name)
		return NULL;
	for (i = 0; i < c->ncas; i++)
		if (c->cas[i].name && strcmp(c->cas[i].name, name) == 0)
			return &c->cas[i];
	return NULL;
}

static void foreach_key(const struct key *keys, const char *prefix,
			void (*fn)(const char *path, void *arg), void *arg)
{
	char path[CFG_PATH_MAX];
	const struct key *k;

	for (k = keys; k->name; k++) {
		join_path(path, sizeof(path), prefix, k->name);
		if (k->type == K_LIST) {
			size_t n = strlen(path);

			snprintf(path + n, sizeof(path) - n, "[]");
		}
		fn(path, arg);
		if (k->sub)
			foreach_key(k->sub, path, fn, arg);
	}
}

void cfg_foreach_key(void (*fn)(const char *path, void *arg), void *arg)
{
	foreach_key(top_keys, "", fn, arg);
}
