/* import.c - see import.h.
 *
 * Data flow: main thread lists files, maps each, and cuts it into chunks
 * (runs of PEM blocks, DER certificates or index lines). Worker threads
 * turn a chunk into binary COPY rows plus messages. The main thread takes
 * finished chunks in order, streams their rows to the server and prints
 * their messages, so the output order does not depend on thread timing.
 * Duplicate (issuer, serial) pairs inside one import are only noticed by
 * a 64-bit hash set; their rows skip the batch merges and SQL merges each
 * group at the end (an index.txt line and a certificate for one leaf, a
 * precertificate and its final certificate). See "merging in batches". */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "hex.h"
#include "json.h"
#include "pem.h"
#include "verify.h"
#include "x509util.h"
#include "x509walk.h"

#define CHUNK_ITEMS 256
#define INDEX_CHUNK_LINES 4096
#define CHUNK_IDX_SPAN 4096 /* > items in any chunk */
#define MAX_INFLIGHT_PER_THREAD 4
#define PG_EPOCH_OFFSET 946684800LL /* 2000-01-01 - 1970-01-01 in seconds */

/* ---- reason codes ---------------------------------------------------- */

static const char *const reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
	"aACompromise",
};

int import_reason_code(const char *name)
{
	int i;

	for (i = 0; i <= 10; i++)
		if (reason_names[i] && strcasecmp(name, reason_names[i]) == 0)
			return i;
	return -1;
}

const char *import_reason_name(int code)
{
	if (code < 0 || code > 10 || !reason_names[code])
		return "?";
	return reason_names[code];
}

/* ---- index.txt ------------------------------------------------------- */

bool import_parse_index_line(const char *line, size_t len, struct index_line *out,
			     struct ll_err *err)
{
	char buf[1024], *fields[8], *p, *save = NULL;
	int nf = 0;

	memset(out, 0, sizeof(*out));
	out->reason = -1;
	if (len >= sizeof(buf))
		return ll_err_set(err, "line too long");
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	/* split on TAB keeping empty fields (the revocation field of a V line) */
	p = buf;
	while (nf < 8) {
		fields[nf++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (nf < 4)
		return ll_err_set(err, "expected at least 4 tab-separated fields, found %d", nf);
	if (strlen(fields[0]) != 1 || !strchr("VRE", fields[0][0]))
		return ll_err_set(err, "status '%s' is not V, R or E", fields[0]);
	out->status = fields[0][0];
	if (!ll_time_parse_asn1_text(fields[1], &out->not_after))
		return ll_err_set(err, "bad expiry time '%s'", fields[1]);
	if (!ll_serial_from_hex(fields[3], out->serial, sizeof(out->serial), &out->serial_len) ||
	    out->serial_len > 21)
		return ll_err_set(err, "bad serial '%s'", fields[3]);
	if (out->status == 'R' || fields[2][0]) {
		char *t = strtok_r(fields[2], ",", &save);
		char *reason = t ? strtok_r(NULL, ",", &save) : NULL;
		char *arg = reason ? strtok_r(NULL, ",", &save) : NULL;

		if (out->status != 'R')
			return ll_err_set(err, "revocation field on a '%c' line", out->status);
		if (!t || !ll_time_parse_asn1_text(t, &out->revoked_at))
			return ll_err_set(err, "bad revocation time '%s'", t ? t : "");
		out->revoked = true;
		if (reason) {
			/* OpenSSL's extended forms carry an argument */
			if (strcasecmp(reason, "holdInstruction") == 0) {
				out->reason = 6;
			} else if (strcasecmp(reason, "keyTime") == 0 ||
				   strcasecmp(reason, "CAkeyTime") == 0) {
				out->reason = strcasecmp(reason, "keyTime") == 0 ? 1 : 2;
				if (!arg || !ll_time_parse_asn1_text(arg, &out->invalidity))
					return ll_err_set(err, "%s without a valid compromise time", reason);
				out->has_invalidity = true;
			} else {
				out->reason = import_reason_code(reason);
				if (out->reason < 0)
					return ll_err_set(err, "unknown revocation reason '%s'", reason);
			}
		}
	}
	return true;
}

/* ---- COPY binary encoding -------------------------------------------- */

static bool put_u16(struct ll_buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return ll_buf_append(b, x, 2);
}

static bool put_u32(struct ll_buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return ll_buf_append(b, x, 4);
}

static bool put_u64(struct ll_buf *b, uint64_t v)
{
	return put_u32(b, (uint32_t)(v >> 32)) && put_u32(b, (uint32_t)v);
}

static bool col_null(struct ll_buf *b)
{
	return put_u32(b, 0xffffffffu);
}

static bool col_bytes(struct ll_buf *b, const void *p, size_t n)
{
	if (!p)
		return col_null(b);
	return put_u32(b, (uint32_t)n) && ll_buf_append(b, p, n);
}

static bool col_i32(struct ll_buf *b, int32_t v)
{
	return put_u32(b, 4) && put_u32(b, (uint32_t)v);
}

static bool col_i64(struct ll_buf *b, int64_t v)
{
	return put_u32(b, 8) && put_u64(b, (uint64_t)v);
}

static bool col_i16(struct ll_buf *b, int v)
{
	if (v < 0)
		return col_null(b);
	return put_u32(b, 2) && put_u16(b, (uint16_t)v);
}

static bool col_bool(struct ll_buf *b, bool v)
{
	uint8_t x = v;
	return put_u32(b, 1) && ll_buf_append(b, &x, 1);
}

static bool col_time(struct ll_buf *b, bool present, ll_time t)
{
	if (!present)
		return col_null(b);
	return col_i64(b, (t - PG_EPOCH_OFFSET) * 1000000LL);
}

#define STAGE_COLS 15
static const char stage_ddl[] =
	"CREATE TEMP TABLE import_stage ("
	" idx int4 NOT NULL, weight int4 NOT NULL, issuer_key_id int8 NOT NULL,"
	" serial bytea NOT NULL, not_before timestamptz, not_after timestamptz NOT NULL,"
	" sha256 bytea, der bytea, is_precert bool NOT NULL, sct_time timestamptz, cdp text,"
	" revoked_at timestamptz, revocation_reason int2, invalidity_date timestamptz,"
	" source text NOT NULL) ON COMMIT DROP";

struct row {
	int32_t idx;
	int64_t key_id;
	const uint8_t *serial;
	size_t serial_len;
	bool has_nb;
	ll_time nb, na;
	const uint8_t *sha256; /* 32 bytes or NULL */
	const uint8_t *der;
	size_t der_len;
	bool precert;
	bool has_sct;
	ll_time sct;
	const uint8_t *cdp;
	size_t cdp_len;
	bool revoked;
	ll_time rev_at;
	int reason;
	bool has_inv;
	ll_time inv;
	const char *source;
};

static bool put_row(struct ll_buf *b, const struct row *r)
{
	return put_u16(b, STAGE_COLS) && col_i32(b, r->idx) && col_i32(b, 1) &&
	       col_i64(b, r->key_id) && col_bytes(b, r->serial, r->serial_len) &&
	       col_time(b, r->has_nb, r->nb) && col_time(b, true, r->na) &&
	       col_bytes(b, r->sha256, 32) && col_bytes(b, r->der, r->der_len) &&
	       col_bool(b, r->precert) && col_time(b, r->has_sct, r->sct) &&
	       col_bytes(b, r->cdp, r->cdp_len) && col_time(b, r->revoked, r->rev_at) &&
	       col_i16(b, r->revoked ? r->reason : -1) && col_time(b, r->has_inv, r->inv) &&
	       col_bytes(b, r->source, strlen(r->source));
}

/* ---- work units ------------------------------------------------------ */

struct input_file {
	char *path;
	char *source; /* "pem:PATH" etc., stored with each row */
	const uint8_t *data;
	size_t len;
	bool mapped;
	enum import_format fmt;
};

/* Where an item came from, for messages: file plus line or cert number. */
struct item_ref {
	int32_t file;
	int32_t pos; /* line (PEM, index) or 1-based certificate number (DER) */
};

struct chunk {
	/* input */
	const struct input_file *file;
	int32_t file_no;
	const uint8_t *p;
	size_t len;
	int first_line;	  /* PEM/index: line number of p */
	int first_index;  /* DER: number of the first certificate */
	int32_t chunk_no;  /* rows carry idx = chunk_no * CHUNK_IDX_SPAN + item */
	/* output */
	struct ll_buf rows;
	struct ll_buf msgs;	/* NUL-separated "R|W<text>" lines */
	uint64_t *keys;		/* hash of (key id, serial) per row */
	int32_t *kidx;		/* idx of each row */
	struct item_ref *refs;	/* per item */
	size_t nkeys, nrefs, cap;
	int64_t items, rejected, warnings, unchanged;
	bool done, failed;
	struct chunk *next;  /* worker queue */
	struct chunk *fnext; /* in-order list of chunks in flight */
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work, fin;
	struct chunk *head, *tail; /* queue of chunks to process */
	bool stop;
	const struct catab *t;
	const struct catab_key *only; /* --issuer */
	bool verify;
};

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void msg(struct chunk *c, char kind, const char *fmt, ...) LL_PRINTF(3, 4);
static void msg(struct chunk *c, char kind, const char *fmt, ...)
{
	char tmp[1200];
	va_list ap;
	int n;

	tmp[0] = kind;
	va_start(ap, fmt);
	n = vsnprintf(tmp + 1, sizeof(tmp) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp) - 1)
		n = sizeof(tmp) - 2;
	if (!ll_buf_append(&c->msgs, tmp, (size_t)n + 1) || !ll_buf_putc(&c->msgs, 0))
		c->failed = true;
	if (kind == 'R')
		c->rejected++;
	else
		c->warnings++;
}

static bool chunk_grow(struct chunk *c)
{
	if (c->nrefs < c->cap && c->nkeys < c->cap)
		return true;
	size_t ncap = c->cap ? c->cap * 2 : 64;
	uint64_t *k = realloc(c->keys, ncap * sizeof(*k));
	if (!k)
		return false;
	c->keys = k;
	struct item_ref *r = realloc(c->refs, ncap * sizeof(*r));
	if (!r)
		return false;
	c->refs = r;
	int32_t *x = realloc(c->kidx, ncap * sizeof(*x));
	if (!x)
		return false;
	c->kidx = x;
	c->cap = ncap;
	return true;
}

/* Per-thread verifier cache, one slot per CA key. */
struct vcache {
	struct ll_verifier **v;
	size_t n;
};

static struct ll_verifier *vcache_get(struct vcache *vc, const struct catab *t,
				      const struct catab_key *k, struct ll_err *err)
{
	size_t i = (size_t)(k - t->keys);

	if (!vc->v) {
		vc->v = calloc(t->nkeys ? t->nkeys : 1, sizeof(*vc->v));
		if (!vc->v)
			return NULL;
		vc->n = t->nkeys;
	}
	if (i >= vc->n)
		return NULL;
	if (!vc->v[i])
		vc->v[i] = ll_verifier_new(k->pkey, err);
	return vc->v[i];
}

static void vcache_free(struct vcache *vc)
{
	size_t i;

	for (i = 0; i < vc->n; i++)
		ll_verifier_free(vc->v[i]);
	free(vc->v);
}

static const char *where(const struct chunk *c, int pos, char *buf, size_t len)
{
	if (c->file->fmt == IMPORT_DER)
		snprintf(buf, len, "%s: certificate #%d", c->file->path, pos);
	else
		snprintf(buf, len, "%s:%d", c->file->path, pos);
	return buf;
}

static void add_row(struct chunk *c, struct row *r, int pos)
{
	if (!chunk_grow(c) || !put_row(&c->rows, r)) {
		c->failed = true;
		return;
	}
	c->kidx[c->nkeys] = r->idx;
	c->keys[c->nkeys++] = fnv1a(fnv1a(14695981039346656037ULL, (const uint8_t *)&r->key_id, 8),
				    r->serial, r->serial_len);
	(void)pos;
}

/* Every item (row or not) gets a ref so a conflict can name its place. */
static void new_item(struct chunk *c, int pos)
{
	c->items++;
	if (!chunk_grow(c)) {
		c->failed = true;
		return;
	}
	c->refs[c->nrefs].file = c->file_no;
	c->refs[c->nrefs].pos = pos;
	c->nrefs++;
}

/* One certificate: walk, match the issuer, verify, emit a row. */
static void do_cert(struct pool *pl, struct vcache *vc, struct chunk *c, const uint8_t *der,
		    size_t len, int pos)
{
	const struct catab_key *cand[8], *key = NULL;
	struct x509_fields f;
	struct ll_err err;
	char w[700], issuer[300];
	uint8_t fp[32];
	size_t n, i;
	struct row r;

	new_item(c, pos);
	if (!x509_walk(der, len, &f, &err)) {
		msg(c, 'R', "%s: malformed certificate: %s", where(c, pos, w, sizeof(w)), err.msg);
		return;
	}
	ll_sha256(der, len, fp);
	if (f.has_basic_constraints && f.is_ca) {
		/* a registered CA certificate in a leaf directory is fine */
		if (catab_has_cert(pl->t, fp)) {
			c->unchanged++;
			return;
		}
		msg(c, 'R', "%s: is a CA certificate; register CA certificates with `lastleaf ca add`",
		    where(c, pos, w, sizeof(w)));
		return;
	}
	if (pl->only) {
		cand[0] = pl->only;
		n = catab_candidates(pl->t, &f, cand, 8);
		for (i = 0; i < n && cand[i] != pl->only; i++)
			;
		if (i == n) {
			ll_name_text(f.issuer.p, f.issuer.len, issuer, sizeof(issuer));
			msg(c, 'R', "%s: issuer '%s' is not CA '%s' (wrong --issuer?)",
			    where(c, pos, w, sizeof(w)), issuer, pl->only->name);
			return;
		}
		cand[0] = pl->only;
		n = 1;
	} else {
		n = catab_candidates(pl->t, &f, cand, 8);
	}
	if (n == 0) {
		ll_name_text(f.issuer.p, f.issuer.len, issuer, sizeof(issuer));
		msg(c, 'R', "%s: unknown issuer '%s': register it with `lastleaf ca add`",
		    where(c, pos, w, sizeof(w)), issuer);
		return;
	}
	if (!pl->verify) {
		if (n > 1) {
			msg(c, 'R', "%s: issuer is ambiguous (%zu registered keys match name and AKI); "
				    "import with signature verification",
			    where(c, pos, w, sizeof(w)), n);
			return;
		}
		key = cand[0];
	} else {
		for (i = 0; i < n && !key; i++) {
			struct ll_verifier *v = vcache_get(vc, pl->t, cand[i], &err);
			if (!v) {
				msg(c, 'R', "%s: cannot verify: %s", where(c, pos, w, sizeof(w)), err.msg);
				return;
			}
			if (ll_verifier_check(v, &f, &err))
				key = cand[i];
		}
		if (!key) {
			msg(c, 'R', "%s: bad signature: does not verify against CA '%s': %s",
			    where(c, pos, w, sizeof(w)), cand[0]->name ? cand[0]->name : "?", err.msg);
			return;
		}
	}
	memset(&r, 0, sizeof(r));
	r.idx = (int32_t)(c->chunk_no * CHUNK_IDX_SPAN + c->items - 1);
	r.key_id = key->id;
	r.serial = f.serial.p;
	r.serial_len = f.serial.len;
	r.has_nb = true;
	r.nb = f.not_before;
	r.na = f.not_after;
	r.sha256 = fp;
	r.der = der;
	r.der_len = len;
	r.precert = f.precert_poison;
	r.has_sct = f.has_sct;
	r.sct = f.sct_earliest;
	r.cdp = f.cdp_uri.len ? f.cdp_uri.p : NULL;
	r.cdp_len = f.cdp_uri.len;
	r.reason = -1;
	r.source = c->file->source;
	if (f.serial.len > 20)
		msg(c, 'W', "%s: serial is %zu octets (RFC 5280 allows 20)", where(c, pos, w, sizeof(w)),
		    f.serial.len);
	add_row(c, &r, pos);
}

static void do_pem_chunk(struct pool *pl, struct vcache *vc, struct chunk *c)
{
	struct pem_iter it;
	struct ll_buf body;
	struct ll_err err;
	const char *label;
	char w[700];
	int line;
	enum pem_result pr;

	ll_buf_init(&body, 16u << 20);
	pem_iter_init(&it, c->p, c->len);
	while ((pr = pem_next(&it, &label, &body, &line, &err)) != PEM_END) {
		if (pr == PEM_ERROR) {
			/* err reads "line N: ..." relative to the chunk */
			int rel = 1;
			const char *colon = strchr(err.msg, ':');
			bool has_line = sscanf(err.msg, "line %d", &rel) == 1 && colon;

			new_item(c, c->first_line + rel - 1);
			if (has_line)
				msg(c, 'R', "%s:%d:%s", c->file->path, c->first_line + rel - 1, colon + 1);
			else
				msg(c, 'R', "%s: %s", c->file->path, err.msg);
			continue;
		}
		line += c->first_line - 1;
		if (strcmp(label, "CERTIFICATE") != 0) {
			new_item(c, line);
			msg(c, 'R', "%s: PEM block '%s' is not a certificate", where(c, line, w, sizeof(w)),
			    label);
			continue;
		}
		do_cert(pl, vc, c, body.data, body.len, line);
		if (c->failed)
			break;
	}
	ll_buf_free(&body);
}

/* DER chunks arrive pre-split by the main thread: p/len cover whole
 * certificates back to back. */
static void do_der_chunk(struct pool *pl, struct vcache *vc, struct chunk *c)
{
	size_t off = 0;
	int k = c->first_index;

	while (off < c->len && !c->failed) {
		size_t n = x509_der_span(c->p + off, c->len - off);

		do_cert(pl, vc, c, c->p + off, n, k++);
		off += n;
	}
}

static void do_index_chunk(struct pool *pl, struct chunk *c)
{
	const char *p = (const char *)c->p, *end = p + c->len;
	int line = c->first_line;
	char w[700];

	for (; p < end && !c->failed; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct index_line il;
		struct ll_err err;
		struct row r;

		if (len == 0 || (len == 1 && p[0] == '\r')) {
			p += len + 1;
			continue;
		}
		new_item(c, line);
		if (!import_parse_index_line(p, len, &il, &err)) {
			msg(c, 'R', "%s: unparsable index line: %s", where(c, line, w, sizeof(w)), err.msg);
		} else {
			memset(&r, 0, sizeof(r));
			r.idx = (int32_t)(c->chunk_no * CHUNK_IDX_SPAN + c->items - 1);
			r.key_id = pl->only->id;
			r.serial = il.serial;
			r.serial_len = il.serial_len;
			r.na = il.not_after;
			r.revoked = il.revoked;
			r.rev_at = il.revoked_at;
			r.reason = il.reason;
			r.has_inv = il.has_invalidity;
			r.inv = il.invalidity;
			r.source = c->file->source;
			if (il.revoked && (il.reason == 6 || il.reason == 8 || il.reason == 2 ||
					   il.reason == 10)) {
				char hex[130];

				ll_hex_encode(il.serial, il.serial_len, hex);
				msg(c, 'W', "%s: serial %s recorded as %s; kept as the CA recorded it "
					    "(lastleaf would not create this reason for a leaf, A29)",
				    where(c, line, w, sizeof(w)), hex, import_reason_name(il.reason));
			}
			add_row(c, &r, line);
		}
		p += len + 1;
	}
}

static void *worker(void *arg)
{
	struct pool *pl = arg;
	struct vcache vc = {0};

	for (;;) {
		struct chunk *c;

		pthread_mutex_lock(&pl->mu);
		while (!pl->head && !pl->stop)
			pthread_cond_wait(&pl->work, &pl->mu);
		if (!pl->head) {
			pthread_mutex_unlock(&pl->mu);
			break;
		}
		c = pl->head;
		pl->head = c->next;
		if (!pl->head)
			pl->tail = NULL;
		pthread_mutex_unlock(&pl->mu);

		if (c->file->fmt == IMPORT_PEM)
			do_pem_chunk(pl, &vc, c);
		else if (c->file->fmt == IMPORT_DER)
			do_der_chunk(pl, &vc, c);
		else
			do_index_chunk(pl, c);

		pthread_mutex_lock(&pl->mu);
		c->done = true;
		pthread_cond_broadcast(&pl->fin);
		pthread_mutex_unlock(&pl->mu);
	}
	vcache_free(&vc);
	return NULL;
}

/* ---- inputs ---------------------------------------------------------- */

struct inputs {
	struct input_file *files;
	size_t n, cap;
	uint64_t total_bytes;
};

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool add_path(struct inputs *in, const char *path)
{
	struct input_file *nf;

	if (in->n == in->cap) {
		size_t ncap = in->cap ? in->cap * 2 : 16;
		nf = realloc(in->files, ncap * sizeof(*nf));
		if (!nf)
			return false;
		in->files = nf;
		in->cap = ncap;
	}
	memset(&in->files[in->n], 0, sizeof(in->files[0]));
	in->files[in->n].path = strdup(path);
	if (!in->files[in->n].path)
		return false;
	in->n++;
	return true;
}

/* Lists a directory recursively in sorted order (so reports are stable). */
static bool walk_dir(struct inputs *in, const char *dir, int depth, struct ll_err *err)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	bool ok = false;

	if (depth > 32)
		return ll_err_set(err, "%s: directory nesting too deep", dir);
	d = opendir(dir);
	if (!d)
		return ll_err_set(err, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue; /* ., .., and hidden files such as editor swap files */
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));
			if (!nn)
				goto out;
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
			goto out;
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmpstr);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) < 0) {
			ll_err_set(err, "%s: %s", names[i], strerror(errno));
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if (!walk_dir(in, names[i], depth + 1, err))
				goto out;
		} else if (S_ISREG(st.st_mode)) {
			if (!add_path(in, names[i]))
				goto out;
		}
	}
	ok = true;
out:
	if (!ok && !err->msg[0])
		ll_err_set(err, "%s: out of memory", dir);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ok;
}

static bool map_file(struct input_file *f, struct ll_err *err)
{
	struct stat st;
	int fd;

	if (strcmp(f->path, "-") == 0) {
		struct ll_buf b;

		ll_buf_init(&b, (size_t)8 << 30);
		if (!ll_buf_read_file(&b, "-", err))
			return false;
		f->data = b.data;
		f->len = b.len;
		return true;
	}
	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ll_err_set(err, "%s: %s", f->path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return ll_err_set(err, "%s: %s", f->path, strerror(errno));
	}
	f->len = (size_t)st.st_size;
	if (f->len) {
		void *m = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			close(fd);
			return ll_err_set(err, "%s: mmap: %s", f->path, strerror(errno));
		}
		madvise(m, f->len, MADV_SEQUENTIAL);
		f->data = m;
		f->mapped = true;
	}
	close(fd);
	return true;
}

static void unmap_file(struct input_file *f)
{
	if (f->mapped)
		munmap((void *)f->data, f->len);
	else
		free((void *)f->data);
	f->data = NULL;
	f->mapped = false;
}

static enum import_format sniff(const uint8_t *p, size_t len)
{
	size_t i;

	if (pem_looks_like(p, len))
		return IMPORT_PEM;
	if (len && p[0] == 0x30)
		return IMPORT_DER;
	for (i = 0; i < len && (p[i] == '\n' || p[i] == '\r'); i++)
		;
	if (i + 1 < len && strchr("VRE", p[i]) && p[i + 1] == '\t')
		return IMPORT_INDEX;
	return IMPORT_AUTO; /* unknown */
}

static const char *fmt_name(enum import_format f)
{
	return f == IMPORT_PEM ? "pem" : f == IMPORT_DER ? "der" : f == IMPORT_INDEX ? "index" : "?";
}

/* ---- the import ------------------------------------------------------ */

struct set_ent {
	uint64_t h; /* 0 = empty */
	int32_t idx;
};

struct idx_list {
	int32_t *v;
	size_t n, cap;
};

struct run {
	struct store *s;
	const struct import_opts *o;
	struct import_stats *st;
	struct inputs in;
	struct pool pl;
	pthread_t *threads;
	int nthreads;
	struct chunk *fifo_head, *fifo_tail; /* chunks in flight, input order */
	int inflight, max_inflight;
	int32_t nchunks;
	/* refs of every item, and where each chunk's refs start */
	struct item_ref *refs;
	size_t nrefs, refcap;
	size_t *chunk_base;
	size_t chunk_base_cap;
	/* duplicate (issuer, serial) detection: hash -> idx of its first row */
	struct set_ent *set;
	size_t set_cap, set_n;
	bool dups;
	/* batched merge (see "merging in batches" below) */
	bool copying;		/* COPY import_stage is open */
	bool merging;		/* a batch merge is in flight */
	bool locked;		/* this transaction holds the import advisory lock */
	bool aborting;		/* failed: drain_one only frees chunks */
	int64_t staged;		/* rows sent to import_stage since the last batch merge */
	int64_t next_try;	/* merge when staged reaches this */
	int64_t batch_rows;
	int32_t stage_lo;	/* rows with idx >= stage_lo belong to the next batch */
	int32_t next_lo;	/* idx just past the last drained chunk */
	struct idx_list sdup;	/* duplicate rows of the next batch: kept out of it */
	struct idx_list rfirst, rlater; /* first row already in an earlier batch, later row */
	struct ll_buf pending;	/* rows drained while a merge runs */
	int64_t pending_rows;
	int64_t rest_rows;	/* rows moved to import_rest */
	struct idx_list mdup;	/* the batch being merged: its duplicate rows */
	int64_t m_staged;	/* and its size */
	/* progress */
	uint64_t done_bytes;
	struct timespec t0, last;
};

static bool idx_push(struct idx_list *l, int32_t v)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		int32_t *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return false;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = v;
	return true;
}

/* A repeated hash is a (likely) duplicate (issuer, serial). Both rows are
 * kept out of batch merges: the final merge groups them. When the first
 * row already went out with an earlier batch, it is remembered so the
 * final merge can take its leaf back (restore_firsts). */
static bool dup_seen(struct run *r, int32_t first, int32_t later)
{
	r->dups = true;
	if (!idx_push(&r->sdup, later))
		return false;
	if (first >= r->stage_lo)
		return idx_push(&r->sdup, first);
	return idx_push(&r->rfirst, first) && idx_push(&r->rlater, later);
}

static bool set_insert(struct run *r, uint64_t h, int32_t idx)
{
	size_t i;

	if (h == 0)
		h = 1;
	if ((r->set_n + 1) * 2 > r->set_cap) {
		size_t ncap = r->set_cap ? r->set_cap * 2 : (size_t)1 << 16, j;
		struct set_ent *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return false;
		for (j = 0; j < r->set_cap; j++) {
			uint64_t v = r->set[j].h;
			if (!v)
				continue;
			for (i = v & (ncap - 1); ns[i].h; i = (i + 1) & (ncap - 1))
				;
			ns[i] = r->set[j];
		}
		free(r->set);
		r->set = ns;
		r->set_cap = ncap;
	}
	for (i = h & (r->set_cap - 1); r->set[i].h; i = (i + 1) & (r->set_cap - 1))
		if (r->set[i].h == h)
			return dup_seen(r, r->set[i].idx, idx);
	r->set[i].h = h;
	r->set[i].idx = idx;
	r->set_n++;
	return true;
}

static void progress(struct run *r, bool final)
{
	struct timespec now;
	double el, pct;
	char bar[31];
	int k, fill;

	if (!r->o->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && (now.tv_sec - r->last.tv_sec) * 1000 +
			      (now.tv_nsec - r->last.tv_nsec) / 1000000 < 200)
		return;
	r->last = now;
	el = (double)(now.tv_sec - r->t0.tv_sec) + (double)(now.tv_nsec - r->t0.tv_nsec) / 1e9;
	pct = r->in.total_bytes ? 100.0 * (double)r->done_bytes / (double)r->in.total_bytes : 100.0;
	fill = (int)(pct * 30 / 100);
	for (k = 0; k < 30; k++)
		bar[k] = k < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %5.1f%%  %lld items  %.0f/s%s", bar, pct, (long long)r->st->items,
		el > 0 ? (double)r->st->items / el : 0.0, final ? "\n" : "");
}

static void report_msgs(struct run *r, struct chunk *c)
{
	const char *p = (const char *)c->msgs.data, *end = p + c->msgs.len;

	while (p < end) {
		size_t n = strlen(p);
		bool reject = p[0] == 'R';

		if (reject && r->o->reject_log)
			fprintf(r->o->reject_log, "%s\n", p + 1);
		if (!reject || !r->o->reject_log || r->st->rejected < 20) {
			if (r->o->progress)
				fputs("\r\033[K", stderr);
			fprintf(stderr, "lastleaf: import: %s%s\n", reject ? "rejected: " : "warning: ",
				p + 1);
		}
		if (reject)
			r->st->rejected++;
		else
			r->st->warnings++;
		p += n + 1;
	}
}

static void chunk_free(struct chunk *c)
{
	ll_buf_free(&c->rows);
	ll_buf_free(&c->msgs);
	free(c->keys);
	free(c->kidx);
	free(c->refs);
	free(c);
}

/* ---- merging in batches ----------------------------------------------
 *
 * Rows stream into import_stage; every BATCH_ROWS rows the COPY ends and
 * a batch merge is sent asynchronously, so PostgreSQL merges while the
 * workers keep verifying (the rows drained meanwhile wait in r->pending).
 * A batch merge only inserts leaves that are new, which is all a fresh
 * bulk load needs: a row whose (issuer, serial) is already in `leaf`
 * (an update, a conflict, a re-import) or that the hash set flagged as a
 * duplicate within the import goes to import_rest instead, and the final
 * merge treats import_rest exactly as the whole stage used to be treated.
 * When a duplicate's first row already went out with an earlier batch,
 * the final merge takes that leaf back out of `leaf` (restore_firsts), so
 * duplicate groups see every one of their rows, in any input order.
 * Everything stays in one transaction. */

#define LEAF_COLS "issuer_key_id, serial, not_before, not_after, sha256, der, is_precert," \
		  " sct_time, cdp, revoked_at, revocation_reason, invalidity_date, source"
#define BATCH_ROWS 65536
#define PENDING_MAX ((size_t)96 << 20) /* bytes buffered while a merge runs */
#define IMPORT_LOCK "1819017218"

/* A batch inserts its new leaves; ON CONFLICT leaves out those already
 * recorded. $1: idx of the rows flagged as duplicates. */
static const char batch_ins_sql[] =
	"INSERT INTO leaf (" LEAF_COLS ") SELECT " LEAF_COLS " FROM import_stage s"
	" WHERE s.idx <> ALL ($1::int4[]) ON CONFLICT (issuer_key_id, serial) DO NOTHING";

/* Then, only when the batch had duplicates ($1) or left rows out ($2),
 * they move to import_rest. A left-out row's leaf was recorded before
 * this transaction: the batch's own leaves are new, and no key repeats
 * among them (those are the duplicates). */
static const char batch_rest_sql[] =
	"INSERT INTO import_rest SELECT * FROM import_stage s WHERE s.idx = ANY ($1::int4[])"
	" OR ($2::bool AND EXISTS (SELECT 1 FROM leaf l WHERE l.issuer_key_id = s.issuer_key_id"
	"  AND l.serial = s.serial AND l.xmin <> pg_current_xact_id()::xid))";

static const char copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

/* "{1,2,3}" for the int4[] parameter; NULL when out of memory. */
static char *idx_array_text(const struct idx_list *l)
{
	struct ll_buf b;
	size_t i;

	ll_buf_init(&b, (size_t)1 << 30);
	if (!ll_buf_putc(&b, '{'))
		goto fail;
	for (i = 0; i < l->n; i++)
		if (!ll_buf_printf(&b, i ? ",%d" : "%d", (int)l->v[i]))
			goto fail;
	if (!ll_buf_putc(&b, '}') || !ll_buf_putc(&b, 0))
		goto fail;
	return (char *)b.data;
fail:
	ll_buf_free(&b);
	return NULL;
}

/* Opens COPY import_stage (emptying it first when asked) and sends the
 * header. One round trip: the TRUNCATE rides with the COPY. */
static bool copy_begin(struct run *r, bool truncate, struct ll_err *err)
{
	PGconn *pg = store_pg(r->s);
	PGresult *res;
	ExecStatusType st;

	if (!PQsendQuery(pg, truncate ? "TRUNCATE import_stage; COPY import_stage FROM STDIN (FORMAT binary)"
				      : "COPY import_stage FROM STDIN (FORMAT binary)"))
		return ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
	for (;;) {
		res = PQgetResult(pg);
		st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		PQclear(res);
		if (st == PGRES_COPY_IN)
			break;
		if (st != PGRES_COMMAND_OK) {
			ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
			while ((res = PQgetResult(pg)) != NULL)
				PQclear(res);
			return false;
		}
	}
	r->copying = true;
	if (PQputCopyData(pg, copy_header, sizeof(copy_header)) != 1)
		return ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
	return true;
}

static bool copy_end(struct run *r, struct ll_err *err)
{
	static const char trailer[2] = {(char)0xff, (char)0xff};
	PGconn *pg = store_pg(r->s);
	PGresult *res;
	bool ok;

	if (PQputCopyData(pg, trailer, 2) != 1 || PQputCopyEnd(pg, NULL) != 1)
		return ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
	r->copying = false;
	res = PQgetResult(pg);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
	PQclear(res);
	while ((res = PQgetResult(pg)) != NULL)
		PQclear(res);
	return ok;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Sends the batch merge of import_stage; the rows drained from now on
 * belong to the next batch. */
static bool send_merge(struct run *r, struct ll_err *err)
{
	PGconn *pg = store_pg(r->s);
	struct idx_list t;
	char *dups;
	const char *params[1];
	size_t i, n = 0;
	int sent;

	/* the list may name a first row once per later one */
	if (r->sdup.n > 1) /* v may be NULL when empty: qsort must not see it */
		qsort(r->sdup.v, r->sdup.n, sizeof(*r->sdup.v), cmp_i32);
	for (i = 0; i < r->sdup.n; i++)
		if (i == 0 || r->sdup.v[i] != r->sdup.v[i - 1])
			r->sdup.v[n++] = r->sdup.v[i];
	r->sdup.n = n;
	dups = idx_array_text(&r->sdup);
	if (!dups)
		return ll_err_set(err, "out of memory");
	params[0] = dups;
	sent = PQsendQueryParams(pg, batch_ins_sql, 1, NULL, params, NULL, NULL, 0);
	free(dups);
	if (!sent)
		return ll_err_set(err, "database: %s", PQerrorMessage(pg));
	r->merging = true;
	t = r->mdup;
	r->mdup = r->sdup;
	r->sdup = t;
	r->sdup.n = 0;
	r->m_staged = r->staged;
	r->stage_lo = r->next_lo;
	r->staged = 0;
	/* Smaller batches over the last eighth of the input: the merges that
	 * run after the workers are done (the one in flight and the last
	 * batch) have the machine to themselves, so keep them short. */
	r->next_try = r->batch_rows;
	if (r->in.total_bytes && r->done_bytes * 8 >= r->in.total_bytes * 7 && r->batch_rows >= 4)
		r->next_try = r->batch_rows / 4;
	return true;
}

/* Waits for the batch insert, then moves what it left out to import_rest. */
static bool collect_merge(struct run *r, struct ll_err *err)
{
	PGconn *pg = store_pg(r->s);
	PGresult *res = PQgetResult(pg);
	int64_t ins = 0;
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (ok)
		ins = strtoll(PQcmdTuples(res), NULL, 10);
	else
		ll_err_set(err, "database: %s", PQerrorMessage(pg));
	PQclear(res);
	while ((res = PQgetResult(pg)) != NULL)
		PQclear(res);
	r->merging = false;
	if (!ok)
		return false;
	r->st->imported += ins;
	if (r->mdup.n || ins + (int64_t)r->mdup.n < r->m_staged) {
		char *dups = idx_array_text(&r->mdup);
		const char *params[2] = {dups, ins + (int64_t)r->mdup.n < r->m_staged ? "t" : "f"};

		if (!dups)
			return ll_err_set(err, "out of memory");
		res = store_query(r->s, batch_rest_sql, 2, params, err);
		free(dups);
		if (!res)
			return false;
		r->rest_rows += strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	}
	r->mdup.n = 0;
	return true;
}

/* Ends the COPY and sends a batch merge, if the import lock is free. When
 * another import holds it, the rows stay staged (that import merges
 * first; this one keeps verifying) and a later batch tries again. */
static bool start_merge(struct run *r, struct ll_err *err)
{
	if (!copy_end(r, err))
		return false;
	if (!r->locked) {
		PGresult *res = store_query(r->s, "SELECT pg_try_advisory_xact_lock(" IMPORT_LOCK ")",
					    0, NULL, err);
		if (!res)
			return false;
		r->locked = PQgetvalue(res, 0, 0)[0] == 't';
		PQclear(res);
	}
	if (!r->locked) {
		r->next_try = r->staged + r->batch_rows;
		return copy_begin(r, false, err);
	}
	return send_merge(r, err);
}

/* Collects the in-flight merge (waiting for it when block, else only if
 * it is done), then reopens the COPY and sends the rows buffered meanwhile. */
static bool poll_merge(struct run *r, bool block, struct ll_err *err)
{
	PGconn *pg = store_pg(r->s);

	if (!block) {
		if (!PQconsumeInput(pg))
			return ll_err_set(err, "database: %s", PQerrorMessage(pg));
		if (PQisBusy(pg))
			return true;
	}
	if (!collect_merge(r, err) || !copy_begin(r, true, err))
		return false;
	if (r->pending.len &&
	    PQputCopyData(pg, (const char *)r->pending.data, (int)r->pending.len) != 1)
		return ll_err_set(err, "database: COPY: %s", PQerrorMessage(pg));
	r->staged = r->pending_rows;
	r->pending_rows = 0;
	ll_buf_reset(&r->pending);
	return true;
}

/* Sends one finished chunk's rows: to the COPY, or to r->pending while a
 * merge runs; starts a batch merge when enough rows are staged. */
static bool stage_rows(struct run *r, struct chunk *c, struct ll_err *err)
{
	size_t i;

	if (r->merging && !poll_merge(r, false, err))
		return false;
	for (i = 0; i < c->nkeys; i++)
		if (!set_insert(r, c->keys[i], c->kidx[i]))
			return ll_err_set(err, "out of memory");
	r->next_lo = (c->chunk_no + 1) * CHUNK_IDX_SPAN;
	if (r->merging) {
		if (!ll_buf_append(&r->pending, c->rows.data, c->rows.len))
			return ll_err_set(err, "out of memory");
		r->pending_rows += (int64_t)c->nkeys;
		/* Back-pressure: when PostgreSQL is the slower side (--no-verify),
		 * unbounded buffering would make the next batch huge, and a batch
		 * must fit temp_buffers and work_mem (the trigger's transition
		 * table) or it spills to temporary files. */
		if (r->pending_rows >= r->batch_rows || r->pending.len > PENDING_MAX)
			return poll_merge(r, true, err);
		return true;
	}
	if (c->rows.len &&
	    PQputCopyData(store_pg(r->s), (const char *)c->rows.data, (int)c->rows.len) != 1)
		return ll_err_set(err, "database: COPY: %s", PQerrorMessage(store_pg(r->s)));
	r->staged += (int64_t)c->nkeys;
	if (r->staged >= r->next_try)
		return start_merge(r, err);
	return true;
}

/* Takes the oldest chunk once finished: streams its rows to the server,
 * prints its messages, frees it. */
static bool drain_one(struct run *r, struct ll_err *err)
{
	struct chunk *c = r->fifo_head;

	pthread_mutex_lock(&r->pl.mu);
	while (!c->done)
		pthread_cond_wait(&r->pl.fin, &r->pl.mu);
	pthread_mutex_unlock(&r->pl.mu);
	r->fifo_head = c->fnext;
	if (!r->fifo_head)
		r->fifo_tail = NULL;
	r->inflight--;

	if (c->failed) {
		ll_err_set(err, "%s: out of memory while importing", c->file->path);
		chunk_free(c);
		return false;
	}
	if (r->aborting) {
		chunk_free(c);
		return true;
	}
	if (!stage_rows(r, c, err)) {
		r->aborting = true;
		chunk_free(c);
		return false;
	}
	if ((size_t)c->chunk_no >= r->chunk_base_cap) {
		size_t ncap = r->chunk_base_cap ? r->chunk_base_cap * 2 : 1024;
		size_t *nb = realloc(r->chunk_base, ncap * sizeof(*nb));
		if (!nb)
			goto oom;
		r->chunk_base = nb;
		r->chunk_base_cap = ncap;
	}
	r->chunk_base[c->chunk_no] = r->nrefs;
	if (r->nrefs + c->nrefs > r->refcap) {
		size_t ncap = r->refcap ? r->refcap : 4096;
		struct item_ref *nr;

		while (ncap < r->nrefs + c->nrefs)
			ncap *= 2;
		nr = realloc(r->refs, ncap * sizeof(*nr));
		if (!nr)
			goto oom;
		r->refs = nr;
		r->refcap = ncap;
	}
	if (c->nrefs)
		memcpy(r->refs + r->nrefs, c->refs, c->nrefs * sizeof(*c->refs));
	r->nrefs += c->nrefs;
	r->st->items += c->items;
	r->st->unchanged += c->unchanged;
	report_msgs(r, c);
	r->done_bytes += c->len;
	progress(r, false);
	chunk_free(c);
	return true;
oom:
	ll_err_set(err, "out of memory");
	chunk_free(c);
	return false;
}

static bool submit(struct run *r, const struct input_file *f, int32_t file_no, const uint8_t *p,
		   size_t len, int first_line, int first_index, struct ll_err *err)
{
	struct chunk *c;

	while (r->inflight >= r->max_inflight)
		if (!drain_one(r, err))
			return false;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ll_err_set(err, "out of memory");
	c->file = f;
	c->file_no = file_no;
	c->p = p;
	c->len = len;
	c->first_line = first_line;
	c->first_index = first_index;
	c->chunk_no = r->nchunks++;
	ll_buf_init(&c->rows, (size_t)1 << 30);
	ll_buf_init(&c->msgs, (size_t)64 << 20);
	if (r->fifo_tail)
		r->fifo_tail->fnext = c;
	else
		r->fifo_head = c;
	r->fifo_tail = c;
	r->inflight++;
	pthread_mutex_lock(&r->pl.mu);
	if (r->pl.tail)
		r->pl.tail->next = c;
	else
		r->pl.head = c;
	r->pl.tail = c;
	pthread_cond_signal(&r->pl.work);
	pthread_mutex_unlock(&r->pl.mu);
	return true;
}

static int count_lines(const uint8_t *p, size_t n)
{
	int lines = 0;
	const uint8_t *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	return lines;
}

/* Finds "-----BEGIN " at the start of a line, from off. */
static size_t next_begin(const uint8_t *p, size_t len, size_t off)
{
	while (off < len) {
		const uint8_t *q = memmem(p + off, len - off, "-----BEGIN ", 11);
		if (!q)
			return len;
		off = (size_t)(q - p);
		if (off == 0 || p[off - 1] == '\n')
			return off;
		off += 11;
	}
	return len;
}

/* Cuts one file into chunks and hands them to the workers. */
static bool feed_file(struct run *r, int32_t file_no, struct ll_err *err)
{
	struct input_file *f = &r->in.files[file_no];
	size_t off = 0;

	if (f->fmt == IMPORT_PEM) {
		int line = 1;
		size_t start = 0; /* the first chunk also holds any leading text */

		while (start < f->len) {
			size_t end = start;
			int k;

			for (k = 0; k < CHUNK_ITEMS && end < f->len; k++)
				end = next_begin(f->data, f->len, end + 1);
			if (!submit(r, f, file_no, f->data + start, end - start, line, 0, err))
				return false;
			line += count_lines(f->data + start, end - start);
			start = end;
		}
	} else if (f->fmt == IMPORT_DER) {
		int index = 1;

		while (off < f->len) {
			size_t start = off;
			int k, first = index;

			for (k = 0; k < CHUNK_ITEMS && off < f->len; k++) {
				size_t n = x509_der_span(f->data + off, f->len - off);
				if (n == 0)
					break;
				off += n;
				index++;
			}
			if (off > start && !submit(r, f, file_no, f->data + start, off - start, 0, first, err))
				return false;
			if (off < f->len && k < CHUNK_ITEMS) {
				/* garbage: the rest of the file cannot be split */
				char m[600];
				snprintf(m, sizeof(m), "R%s: certificate #%d (offset %zu): not a DER certificate; "
						       "rest of file skipped",
					 f->path, index, off);
				fprintf(stderr, "lastleaf: import: rejected: %s\n", m + 1);
				if (r->o->reject_log)
					fprintf(r->o->reject_log, "%s\n", m + 1);
				r->st->rejected++;
				r->st->items++;
				break;
			}
		}
	} else {
		int line = 1;

		while (off < f->len) {
			size_t start = off;
			int k;

			for (k = 0; k < INDEX_CHUNK_LINES && off < f->len; k++) {
				const uint8_t *nl = memchr(f->data + off, '\n', f->len - off);
				off = nl ? (size_t)(nl - f->data) + 1 : f->len;
			}
			if (!submit(r, f, file_no, f->data + start, off - start, line, 0, err))
				return false;
			line += k;
		}
	}
	return true;
}

static const char *ref_text(struct run *r, int32_t idx, char *buf, size_t len)
{
	size_t chunk = (size_t)idx / CHUNK_IDX_SPAN, item = (size_t)idx % CHUNK_IDX_SPAN;
	const struct item_ref *ref;
	const struct input_file *f;

	if (chunk >= (size_t)r->nchunks || r->chunk_base[chunk] + item >= r->nrefs) {
		snprintf(buf, len, "item %d", idx);
		return buf;
	}
	ref = &r->refs[r->chunk_base[chunk] + item];
	f = &r->in.files[ref->file];
	if (f->fmt == IMPORT_DER)
		snprintf(buf, len, "%s: certificate #%d", f->path, ref->pos);
	else
		snprintf(buf, len, "%s:%d", f->path, ref->pos);
	return buf;
}

static int64_t sql_count(struct store *s, const char *sql, struct ll_err *err, bool *ok)
{
	PGresult *res = store_query(s, sql, 0, NULL, err);
	int64_t v;

	if (!res) {
		*ok = false;
		return 0;
	}
	v = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return v;
}

/* Reports each conflicting stage row (idx, serial hex, CA name, what). */
static void print_conflicts(struct run *r, PGresult *res)
{
	int i;

	for (i = 0; i < PQntuples(res); i++) {
		char w[800];
		int32_t idx = (int32_t)strtol(PQgetvalue(res, i, 0), NULL, 10);

		fprintf(stderr, "lastleaf: import: conflict: %s: serial %s of CA '%s': %s\n",
			ref_text(r, idx, w, sizeof(w)), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
			PQgetvalue(res, i, 3));
		r->st->conflicts++;
	}
}

/* Merges duplicate (issuer, serial) groups inside the stage: a group whose
 * records disagree is a conflict (all its rows are dropped and reported);
 * otherwise its rows collapse into one (certificate DER from the final
 * certificate rather than the precertificate, revocation from index.txt). */
static bool merge_duplicates(struct run *r, struct ll_err *err)
{
	PGresult *res;

	if (!store_exec(r->s,
		"CREATE TEMP TABLE import_dup ON COMMIT DROP AS "
		"SELECT issuer_key_id, serial FROM import_rest GROUP BY 1, 2 HAVING count(*) > 1", err))
		return false;
	res = store_query(r->s,
		"WITH bad AS ("
		" SELECT s.issuer_key_id, s.serial FROM import_rest s JOIN import_dup d USING (issuer_key_id, serial)"
		" GROUP BY 1, 2 HAVING count(DISTINCT s.not_after) > 1"
		"  OR count(DISTINCT s.sha256) FILTER (WHERE NOT s.is_precert) > 1"
		"  OR count(DISTINCT (s.revoked_at, s.revocation_reason)) FILTER (WHERE s.revoked_at IS NOT NULL) > 1),"
		" del AS (DELETE FROM import_rest s USING bad b"
		"  WHERE s.issuer_key_id = b.issuer_key_id AND s.serial = b.serial"
		"  RETURNING s.idx, s.serial, s.issuer_key_id, s.weight)"
		" SELECT d.idx, encode(d.serial, 'hex'), coalesce(k.name, '?'),"
		"  'records in this import disagree (notAfter, certificate or revocation)'"
		" FROM del d JOIN ca_key k ON k.id = d.issuer_key_id ORDER BY d.idx",
		0, NULL, err);
	if (!res)
		return false;
	print_conflicts(r, res);
	PQclear(res);
	if (!store_exec(r->s,
		"CREATE TEMP TABLE import_merged ON COMMIT DROP AS "
		"SELECT min(idx) AS idx, sum(weight)::int4 AS weight, issuer_key_id, serial,"
		" (array_agg(not_before ORDER BY is_precert, idx) FILTER (WHERE der IS NOT NULL))[1] AS not_before,"
		" min(not_after) AS not_after,"
		" (array_agg(sha256 ORDER BY is_precert, idx) FILTER (WHERE der IS NOT NULL))[1] AS sha256,"
		" (array_agg(der ORDER BY is_precert, idx) FILTER (WHERE der IS NOT NULL))[1] AS der,"
		" coalesce(bool_and(is_precert) FILTER (WHERE der IS NOT NULL), false) AS is_precert,"
		" min(sct_time) AS sct_time,"
		" (array_agg(cdp ORDER BY is_precert, idx) FILTER (WHERE cdp IS NOT NULL))[1] AS cdp,"
		" max(revoked_at) AS revoked_at,"
		" (array_agg(revocation_reason) FILTER (WHERE revoked_at IS NOT NULL))[1] AS revocation_reason,"
		" max(invalidity_date) AS invalidity_date,"
		" (array_agg(source ORDER BY is_precert, idx))[1] AS source"
		" FROM import_rest s JOIN import_dup d USING (issuer_key_id, serial) GROUP BY issuer_key_id, serial",
		err))
		return false;
	if (!store_exec(r->s, "DELETE FROM import_rest s USING import_dup d"
			      " WHERE s.issuer_key_id = d.issuer_key_id AND s.serial = d.serial", err))
		return false;
	return store_exec(r->s,
		"INSERT INTO import_rest (idx, weight, issuer_key_id, serial, not_before, not_after, sha256,"
		" der, is_precert, sct_time, cdp, revoked_at, revocation_reason, invalidity_date, source)"
		" SELECT idx, weight, issuer_key_id, serial, not_before, not_after, sha256, der, is_precert,"
		" sct_time, cdp, revoked_at, revocation_reason, invalidity_date, source FROM import_merged",
		err);
}

/* Takes back the leaves that earlier batches inserted from the first row
 * of a duplicate group, as import_rest rows, so the group merges as a
 * whole. A leaf is taken only if this transaction created it (xmin): the
 * hash set may, very rarely, pair rows whose keys differ, and then the
 * later row's key may name a leaf that was there before. Returns the
 * number of rows taken back, or -1. */
static int64_t restore_firsts(struct run *r, struct ll_err *err)
{
	char *firsts = idx_array_text(&r->rfirst), *laters = idx_array_text(&r->rlater);
	const char *params[2] = {firsts, laters};
	PGresult *res = NULL;
	int64_t n = -1;

	if (!firsts || !laters) {
		ll_err_set(err, "out of memory");
		goto out;
	}
	res = store_query(r->s,
		"WITH p AS (SELECT DISTINCT ON (u.f) u.f, b.issuer_key_id, b.serial"
		"  FROM unnest($1::int4[], $2::int4[]) AS u(f, l) JOIN import_rest b ON b.idx = u.l"
		"  ORDER BY u.f),"
		" del AS (DELETE FROM leaf l USING p"
		"  WHERE l.issuer_key_id = p.issuer_key_id AND l.serial = p.serial"
		"  AND l.xmin = pg_current_xact_id()::xid"
		"  RETURNING p.f, l.issuer_key_id, l.serial, l.not_before, l.not_after, l.sha256, l.der,"
		"  l.is_precert, l.sct_time, l.cdp, l.revoked_at, l.revocation_reason, l.invalidity_date,"
		"  l.source)"
		" INSERT INTO import_rest (idx, weight, " LEAF_COLS ")"
		" SELECT f, 1, " LEAF_COLS " FROM del",
		2, params, err);
	if (res)
		n = strtoll(PQcmdTuples(res), NULL, 10);
out:
	PQclear(res);
	free(firsts);
	free(laters);
	return n;
}

/* The rest of the stage (after the last batch) goes in one more batch,
 * then import_rest (rows that update or conflict with recorded leaves,
 * duplicates within the import) merges into `leaf`. */
static bool merge_into_leaf(struct run *r, struct ll_err *err)
{
	PGresult *res;
	bool ok = true;
	int64_t n, extra = 0;

	/* Only one import merges at a time: concurrent imports of
	 * overlapping inputs then see each other's rows and never insert a
	 * leaf twice (the unique key would also stop that, with an error). */
	if (!r->locked && !store_exec(r->s, "SELECT pg_advisory_xact_lock(" IMPORT_LOCK ")", err))
		return false;
	r->locked = true;
	if (r->staged > 0 && (!send_merge(r, err) || !collect_merge(r, err)))
		return false;
	if (r->rfirst.n) {
		n = restore_firsts(r, err);
		if (n < 0)
			return false;
		r->st->imported -= n; /* counted again below, as part of their group */
		r->rest_rows += n;
	}
	if (r->rest_rows == 0)
		return true;
	if (r->dups && !merge_duplicates(r, err))
		return false;
	res = store_query(r->s,
		"WITH del AS (DELETE FROM import_rest s USING leaf l"
		" WHERE l.issuer_key_id = s.issuer_key_id AND l.serial = s.serial AND ("
		"  l.not_after <> s.not_after"
		"  OR (s.sha256 IS NOT NULL AND l.sha256 IS NOT NULL AND s.sha256 <> l.sha256"
		"      AND NOT s.is_precert AND NOT l.is_precert)"
		"  OR (s.revoked_at IS NOT NULL AND l.revoked_at IS NOT NULL"
		"      AND (s.revoked_at, s.revocation_reason) IS DISTINCT FROM (l.revoked_at, l.revocation_reason)))"
		" RETURNING s.idx, s.serial, s.issuer_key_id,"
		"  CASE WHEN l.not_after <> s.not_after THEN 'notAfter ' || to_char(s.not_after, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		"   || ' differs from the recorded ' || to_char(l.not_after, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		"  WHEN s.revoked_at IS NOT NULL AND l.revoked_at IS NOT NULL"
		"   AND (s.revoked_at, s.revocation_reason) IS DISTINCT FROM (l.revoked_at, l.revocation_reason)"
		"   THEN 'revocation differs from the recorded one'"
		"  ELSE 'a different certificate with this serial is already recorded' END AS what)"
		" SELECT d.idx, encode(d.serial, 'hex'), coalesce(k.name, '?'), d.what"
		" FROM del d JOIN ca_key k ON k.id = d.issuer_key_id ORDER BY d.idx",
		0, NULL, err);
	if (!res)
		return false;
	print_conflicts(r, res);
	PQclear(res);
	n = sql_count(r->s,
		"WITH u AS (UPDATE leaf l SET"
		" der = CASE WHEN s.der IS NOT NULL AND (l.der IS NULL OR (l.is_precert AND NOT s.is_precert)) THEN s.der ELSE l.der END,"
		" sha256 = CASE WHEN s.der IS NOT NULL AND (l.der IS NULL OR (l.is_precert AND NOT s.is_precert)) THEN s.sha256 ELSE l.sha256 END,"
		" is_precert = CASE WHEN s.der IS NOT NULL AND (l.der IS NULL OR (l.is_precert AND NOT s.is_precert)) THEN s.is_precert ELSE l.is_precert END,"
		" not_before = coalesce(l.not_before, s.not_before),"
		" sct_time = least(l.sct_time, s.sct_time),"
		" cdp = coalesce(l.cdp, s.cdp),"
		" revoked_at = coalesce(l.revoked_at, s.revoked_at),"
		" revocation_reason = CASE WHEN l.revoked_at IS NULL THEN s.revocation_reason ELSE l.revocation_reason END,"
		" invalidity_date = coalesce(l.invalidity_date, s.invalidity_date)"
		" FROM import_rest s"
		" WHERE l.issuer_key_id = s.issuer_key_id AND l.serial = s.serial AND ("
		"  (s.der IS NOT NULL AND (l.der IS NULL OR (l.is_precert AND NOT s.is_precert)))"
		"  OR (l.not_before IS NULL AND s.not_before IS NOT NULL)"
		"  OR (s.sct_time IS NOT NULL AND (l.sct_time IS NULL OR s.sct_time < l.sct_time))"
		"  OR (l.cdp IS NULL AND s.cdp IS NOT NULL)"
		"  OR (l.revoked_at IS NULL AND s.revoked_at IS NOT NULL)"
		"  OR (l.invalidity_date IS NULL AND s.invalidity_date IS NOT NULL))"
		" RETURNING s.weight) SELECT coalesce(sum(weight), 0) FROM u",
		err, &ok);
	if (!ok)
		return false;
	r->st->imported += n;
	if (r->dups) {
		/* a merged group counts its items */
		extra = sql_count(r->s,
			"SELECT coalesce(sum(weight - 1), 0) FROM import_rest s WHERE s.weight > 1"
			" AND NOT EXISTS (SELECT 1 FROM leaf l"
			"  WHERE l.issuer_key_id = s.issuer_key_id AND l.serial = s.serial)",
			err, &ok);
		if (!ok)
			return false;
	}
	res = store_query(r->s,
		"INSERT INTO leaf (" LEAF_COLS ") SELECT " LEAF_COLS " FROM import_rest s"
		" WHERE NOT EXISTS (SELECT 1 FROM leaf l"
		"  WHERE l.issuer_key_id = s.issuer_key_id AND l.serial = s.serial)",
		0, NULL, err);
	if (!res)
		return false;
	n = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	r->st->imported += n + extra;
	return true;
}

bool import_run(struct store *s, const struct catab *t, const struct import_opts *o,
		char *const *paths, int npaths, struct import_stats *st, struct ll_err *err)
{
	struct run r;
	int i;
	bool ok = false, started = false;
	size_t k;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&r, 0, sizeof(r));
	memset(st, 0, sizeof(*st));
	r.s = s;
	r.o = o;
	r.st = st;
	pthread_mutex_init(&r.pl.mu, NULL);
	pthread_cond_init(&r.pl.work, NULL);
	pthread_cond_init(&r.pl.fin, NULL);
	r.pl.t = t;
	r.pl.verify = o->verify;
	/* LASTLEAF_IMPORT_BATCH_ROWS: for tests, which need many batches from
	 * small inputs to exercise merges across batches */
	{
		const char *b = getenv("LASTLEAF_IMPORT_BATCH_ROWS");
		long v = b ? strtol(b, NULL, 10) : 0;

		r.batch_rows = v > 0 ? v : BATCH_ROWS;
	}
	r.next_try = r.batch_rows;
	ll_buf_init(&r.pending, PENDING_MAX + ((size_t)64 << 20));
	if (o->issuer) {
		r.pl.only = catab_by_name(t, o->issuer);
		if (!r.pl.only) {
			ll_err_set(err, "--issuer: no CA named '%s' (see `lastleaf ca list`)", o->issuer);
			goto out;
		}
	}
	/* list inputs */
	for (i = 0; i < npaths; i++) {
		struct stat stt;

		if (strcmp(paths[i], "-") == 0) {
			if (!add_path(&r.in, "-"))
				goto oom;
			continue;
		}
		if (stat(paths[i], &stt) < 0) {
			ll_err_set(err, "%s: %s", paths[i], strerror(errno));
			goto out;
		}
		if (S_ISDIR(stt.st_mode)) {
			if (!walk_dir(&r.in, paths[i], 0, err))
				goto out;
		} else if (!add_path(&r.in, paths[i])) {
			goto oom;
		}
	}
	/* threads */
	r.nthreads = o->threads > 0 ? o->threads : (ncpu > 0 ? (int)ncpu : 1);
	if (r.nthreads > 64)
		r.nthreads = 64;
	r.max_inflight = r.nthreads * MAX_INFLIGHT_PER_THREAD;
	r.threads = calloc((size_t)r.nthreads, sizeof(*r.threads));
	if (!r.threads)
		goto oom;
	for (i = 0; i < r.nthreads; i++)
		if (pthread_create(&r.threads[i], NULL, worker, &r.pl) != 0) {
			ll_err_set(err, "cannot start worker threads");
			r.nthreads = i;
			goto out;
		}
	started = true;
	clock_gettime(CLOCK_MONOTONIC, &r.t0);

	/* The stage holds a batch plus the rows buffered meanwhile (~100 MB);
	 * the default 8 MB of temp_buffers would send it through the kernel.
	 * Only settable before the session first touches a temporary table,
	 * so a failure here is harmless and ignored. */
	PQclear(PQexec(store_pg(s), "SET temp_buffers = '256MB'"));
	/* JIT would compile every batch merge (its estimated cost is inflated
	 * by the per-row probes) for no gain: the work per row is I/O. */
	/* work_mem: the leaf_month trigger's transition table holds a whole
	 * batch (~50 MB); below that it goes to a temporary file. */
	if (!store_begin(s, err) || !store_exec(s, "SET LOCAL jit = off", err) ||
	    !store_exec(s, "SET LOCAL work_mem = '128MB'", err) ||
	    !store_exec(s, stage_ddl, err) ||
	    !store_exec(s, "CREATE TEMP TABLE import_rest (LIKE import_stage) ON COMMIT DROP", err) ||
	    !copy_begin(&r, false, err))
		goto out;
	for (k = 0; k < r.in.n; k++) {
		struct input_file *f = &r.in.files[k];
		struct stat stt;

		if (strcmp(f->path, "-") != 0 && stat(f->path, &stt) == 0)
			r.in.total_bytes += (uint64_t)stt.st_size;
	}
	for (k = 0; k < r.in.n; k++) {
		struct input_file *f = &r.in.files[k];
		struct ll_err ferr;

		if (!map_file(f, &ferr)) {
			fprintf(stderr, "lastleaf: import: rejected: %s\n", ferr.msg);
			if (o->reject_log)
				fprintf(o->reject_log, "%s\n", ferr.msg);
			st->rejected++;
			st->items++;
			continue;
		}
		f->fmt = o->format != IMPORT_AUTO ? o->format : sniff(f->data, f->len);
		if (f->fmt == IMPORT_AUTO) {
			fprintf(stderr, "lastleaf: import: rejected: %s: unrecognised format "
					"(not PEM, DER or OpenSSL index.txt)\n", f->path);
			if (o->reject_log)
				fprintf(o->reject_log, "%s: unrecognised format\n", f->path);
			st->rejected++;
			st->items++;
			continue;
		}
		if (f->fmt == IMPORT_INDEX && !r.pl.only) {
			fprintf(stderr, "lastleaf: import: rejected: %s: index.txt input needs --issuer NAME\n",
				f->path);
			st->rejected++;
			st->items++;
			continue;
		}
		if (asprintf(&f->source, "%s:%s", fmt_name(f->fmt), f->path) < 0)
			goto oom;
		if (!feed_file(&r, (int32_t)k, err))
			goto out;
	}
	while (r.fifo_head)
		if (!drain_one(&r, err))
			goto out;
	progress(&r, true);
	if (r.merging && !poll_merge(&r, true, err))
		goto out;
	if (!copy_end(&r, err))
		goto out;
	if (!merge_into_leaf(&r, err))
		goto out;
	st->unchanged = st->items - st->rejected - st->conflicts - st->imported;
	if (st->unchanged < 0)
		st->unchanged = 0;
	{
		struct json_out args, res;
		char *audit_args = NULL;

		json_init(&args);
		json_obj_begin(&args);
		json_arr_key_begin(&args, "paths");
		for (i = 0; i < npaths; i++)
			json_str_val(&args, paths[i]);
		json_arr_end(&args);
		json_kv_str(&args, "format", o->format == IMPORT_AUTO ? "auto" : fmt_name(o->format));
		json_kv_str(&args, "issuer", o->issuer);
		json_kv_bool(&args, "verify", o->verify);
		json_obj_end(&args);
		json_init(&res);
		json_obj_begin(&res);
		json_kv_int(&res, "imported", st->imported);
		json_kv_int(&res, "unchanged", st->unchanged);
		json_kv_int(&res, "rejected", st->rejected);
		json_kv_int(&res, "conflicts", st->conflicts);
		json_obj_end(&res);
		audit_args = strdup(json_str(&args));
		ok = audit_args && store_audit(s, "import", audit_args, json_str(&res), err);
		free(audit_args);
		json_free(&args);
		json_free(&res);
		if (!ok)
			goto out;
		ok = false;
	}
	if (!store_exec(s, "SELECT pg_notify('lastleaf_import', '')", err) || !store_commit(s, err))
		goto out;
	ok = true;
	goto out;
oom:
	ll_err_set(err, "out of memory");
out:
	r.aborting = true;
	if (started) {
		/* finish outstanding chunks before tearing the pool down */
		while (r.fifo_head) {
			struct ll_err e2;
			if (!drain_one(&r, &e2))
				break;
		}
		pthread_mutex_lock(&r.pl.mu);
		r.pl.stop = true;
		pthread_cond_broadcast(&r.pl.work);
		pthread_mutex_unlock(&r.pl.mu);
	}
	for (i = 0; i < r.nthreads; i++)
		pthread_join(r.threads[i], NULL);
	if (r.copying)
		PQputCopyEnd(store_pg(s), "import aborted");
	if (!ok) {
		PGresult *res;
		while ((res = PQgetResult(store_pg(s))) != NULL)
			PQclear(res);
		store_rollback(s);
	}
	for (k = 0; k < r.in.n; k++) {
		unmap_file(&r.in.files[k]);
		free(r.in.files[k].path);
		free(r.in.files[k].source);
	}
	free(r.in.files);
	free(r.threads);
	free(r.refs);
	free(r.chunk_base);
	free(r.set);
	free(r.sdup.v);
	free(r.mdup.v);
	free(r.rfirst.v);
	free(r.rlater.v);
	ll_buf_free(&r.pending);
	pthread_mutex_destroy(&r.pl.mu);
	pthread_cond_destroy(&r.pl.work);
	pthread_cond_destroy(&r.pl.fin);
	return ok;
}
