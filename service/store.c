/* store.c - see store.h. */
#include "store.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"
#include "migrations.h"
#include "pgembed.h"

struct store {
	PGconn *pg;
	char actor[256];	/* audit actor override ("" = the OS user) */
};

const char *store_describe_source(const struct cfg *cfg)
{
	const char *env = getenv("LASTLEAF_DATABASE_URL");

	if (cfg && cfg->database_url)
		return "database.url";
	if (env && *env)
		return "LASTLEAF_DATABASE_URL";
	if ((getenv("PGHOST") && *getenv("PGHOST")) || (getenv("PGDATABASE") && *getenv("PGDATABASE")))
		return "PG* environment";
	return "embedded";
}

static void notice_quiet(void *arg, const char *msg)
{
	/* NOTICEs (e.g. "relation already exists, skipping") are not for users. */
	(void)arg;
	(void)msg;
}

static struct store *store_connect(const char *conninfo, const char *src, struct ll_err *err)
{
	struct store *s;

	s = calloc(1, sizeof(*s));
	if (!s) {
		ll_err_set(err, "out of memory");
		return NULL;
	}
	s->pg = PQconnectdb(conninfo);
	if (PQstatus(s->pg) != CONNECTION_OK) {
		char *m = PQerrorMessage(s->pg);
		size_t n = strlen(m);
		while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
			m[--n] = '\0';
		ll_err_set(err, "database (%s): cannot connect: %s", src, m);
		store_close(s);
		return NULL;
	}
	PQsetNoticeProcessor(s->pg, notice_quiet, NULL);
	{
		PGresult *r = PQexec(s->pg, "SET TIME ZONE 'UTC'; SET datestyle = 'ISO'; "
					    "SET application_name = 'lastleaf'");
		PQclear(r);
	}
	return s;
}

struct store *store_open(const struct cfg *cfg, struct ll_err *err)
{
	const char *src = store_describe_source(cfg);
	char conninfo[4200];

	if (strcmp(src, "database.url") == 0) {
		snprintf(conninfo, sizeof(conninfo), "%s", cfg->database_url);
	} else if (strcmp(src, "LASTLEAF_DATABASE_URL") == 0) {
		snprintf(conninfo, sizeof(conninfo), "%s", getenv("LASTLEAF_DATABASE_URL"));
	} else if (strcmp(src, "PG* environment") == 0) {
		conninfo[0] = '\0'; /* libpq reads PGHOST, PGPORT, PGDATABASE, ... */
	} else {
		const char *dir = cfg && cfg->embedded_dir ? cfg->embedded_dir : "./var/pg";
		if (!pgembed_ensure(dir, conninfo, sizeof(conninfo), err))
			return NULL;
	}
	return store_connect(conninfo, src, err);
}

struct store *store_open_replica(const struct cfg *cfg, struct ll_err *err)
{
	if (!cfg || !cfg->replica_url)
		return store_open(cfg, err);
	return store_connect(cfg->replica_url, "database.replica_url", err);
}

bool store_clock_skew(struct store *s, double *skew, struct ll_err *err)
{
	struct timespec a, b;
	PGresult *r;
	double mid, db;

	/* clock_timestamp(), not now(): now() is the transaction's start */
	clock_gettime(CLOCK_REALTIME, &a);
	r = store_query(s, "SELECT extract(epoch FROM clock_timestamp())::float8", 0, NULL, err);
	clock_gettime(CLOCK_REALTIME, &b);
	if (!r)
		return false;
	db = strtod(PQgetvalue(r, 0, 0), NULL);
	PQclear(r);
	/* compare with the middle of the round trip */
	mid = ((double)a.tv_sec + (double)b.tv_sec) / 2 + ((double)a.tv_nsec + (double)b.tv_nsec) / 2e9;
	*skew = mid - db;
	return true;
}

bool store_check_clock(struct store *s, const struct cfg *cfg, struct ll_err *err)
{
	int64_t max = cfg ? cfg->clock_max_skew : 2;
	double skew;

	if (max <= 0)
		return true; /* clock.max_skew: 0s turns the check off */
	if (!store_clock_skew(s, &skew, err))
		return false;
	if (skew > (double)max || skew < -(double)max)
		return ll_err_set(err, "clock skew: this host's clock is %+.1f s off PostgreSQL's now(), "
				       "more than clock.max_skew (%lld s): refusing to sign (D1); fix NTP",
				  skew, (long long)max);
	return true;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	PQfinish(s->pg);
	free(s);
}

PGconn *store_pg(struct store *s)
{
	return s->pg;
}

static void trim_err(struct store *s, struct ll_err *err, const char *prefix)
{
	char *m = PQerrorMessage(s->pg);
	size_t n = strlen(m);

	while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	ll_err_set(err, "%s%.*s", prefix, (int)n, m);
}

PGresult *store_queryb(struct store *s, const char *sql, int n, const char *const *params,
		       const int *lens, const int *fmts, struct ll_err *err)
{
	PGresult *r = PQexecParams(s->pg, sql, n, NULL, params, lens, fmts, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	PQclear(r);
	trim_err(s, err, "database: ");
	return NULL;
}

PGresult *store_query(struct store *s, const char *sql, int n, const char *const *params,
		      struct ll_err *err)
{
	return store_queryb(s, sql, n, params, NULL, NULL, err);
}

bool store_exec(struct store *s, const char *sql, struct ll_err *err)
{
	PGresult *r = store_query(s, sql, 0, NULL, err);

	PQclear(r);
	return r != NULL;
}

bool store_begin(struct store *s, struct ll_err *err)
{
	return store_exec(s, "BEGIN", err);
}

bool store_commit(struct store *s, struct ll_err *err)
{
	return store_exec(s, "COMMIT", err);
}

void store_rollback(struct store *s)
{
	PGresult *r = PQexec(s->pg, "ROLLBACK");
	PQclear(r);
}

static int schema_version(struct store *s, struct ll_err *err)
{
	PGresult *r = store_query(s, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0,
				  NULL, err);
	int v = 0;

	if (!r)
		return -1;
	if (strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		PQclear(r);
		r = store_query(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
				NULL, err);
		if (!r)
			return -1;
		v = atoi(PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	return v;
}

bool store_migrate(struct store *s, int *version, int *applied, struct ll_err *err)
{
	char vbuf[16];
	int cur, i;

	*applied = 0;
	if (!store_begin(s, err))
		return false;
	/* Two concurrent `migrate` runs: the second waits here, then sees
	 * the new version and has nothing to do. */
	if (!store_exec(s, "SELECT pg_advisory_xact_lock(1819017217)", err) ||
	    !store_exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			   " version integer PRIMARY KEY, name text NOT NULL,"
			   " applied_at timestamptz NOT NULL DEFAULT now())", err))
		goto fail;
	cur = schema_version(s, err);
	if (cur < 0)
		goto fail;
	for (i = 0; i < store_migrations_count; i++) {
		const struct store_migration *m = &store_migrations[i];
		const char *p[2];
		PGresult *r;

		if (m->version <= cur)
			continue;
		r = PQexec(s->pg, m->sql); /* trusted SQL from sql/, compiled in */
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
			PQclear(r);
			trim_err(s, err, "");
			ll_err_prefix(err, "migration %s", m->name);
			goto fail;
		}
		PQclear(r);
		snprintf(vbuf, sizeof(vbuf), "%d", m->version);
		p[0] = vbuf;
		p[1] = m->name;
		r = store_query(s, "INSERT INTO schema_migrations(version, name) VALUES ($1, $2)", 2,
				p, err);
		if (!r)
			goto fail;
		PQclear(r);
		cur = m->version;
		(*applied)++;
	}
	if (*applied) {
		char args[64];
		snprintf(args, sizeof(args), "{\"version\": %d, \"applied\": %d}", cur, *applied);
		if (!store_audit(s, "migrate", args, NULL, err))
			goto fail;
	}
	if (!store_commit(s, err))
		goto fail;
	*version = cur;
	return true;
fail:
	store_rollback(s);
	return false;
}

bool store_check_schema(struct store *s, struct ll_err *err)
{
	int want = store_migrations_count ? store_migrations[store_migrations_count - 1].version : 0;
	int v = schema_version(s, err);

	if (v < 0)
		return false;
	if (v < want)
		return ll_err_set(err, "database schema is at version %d, this lastleaf needs %d: "
				       "run `lastleaf migrate` first", v, want);
	return true;
}

const char *store_actor(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *sudo = getenv("SUDO_USER");

	if (sudo && *sudo && geteuid() == 0)
		snprintf(buf, len, "%s (sudo from %s)", pw ? pw->pw_name : "root", sudo);
	else if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid:%u", (unsigned)geteuid());
	return buf;
}

void store_set_actor(struct store *s, const char *actor)
{
	char os[128];

	if (!actor) {
		s->actor[0] = '\0';
		return;
	}
	/* who asked, and which process account acted for them */
	snprintf(s->actor, sizeof(s->actor), "%.120s (via %s)", actor, store_actor(os, sizeof(os)));
}

const char *store_audit_actor(struct store *s, char *buf, size_t len)
{
	if (s->actor[0]) {
		snprintf(buf, len, "%s", s->actor);
		return buf;
	}
	return store_actor(buf, len);
}

bool store_audit(struct store *s, const char *action, const char *args_json,
		 const char *result_json, struct ll_err *err)
{
	char actor[256];
	const char *p[4];
	PGresult *r;

	p[0] = store_audit_actor(s, actor, sizeof(actor));
	p[1] = action;
	p[2] = args_json ? args_json : "{}";
	p[3] = result_json ? result_json : "{}";
	r = store_query(s, "INSERT INTO audit(actor, action, args, result) "
			   "VALUES ($1, $2, $3::jsonb, $4::jsonb)", 4, p, err);
	if (!r)
		return ll_err_prefix(err, "audit");
	PQclear(r);
	return true;
}

bool store_parse_ts(const char *s, ll_time *out)
{
	/* "2026-11-28 05:40:00+00" (ISO datestyle, UTC session) */
	char buf[64];
	size_t n = strlen(s);

	if (n < 19 || n > 40)
		return false;
	memcpy(buf, s, 19);
	buf[10] = 'T';
	buf[19] = 'Z';
	buf[20] = '\0';
	return ll_time_parse_rfc3339(buf, out);
}

bool store_parse_bytea(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	if (s[0] != '\\' || s[1] != 'x')
		return false;
	return ll_hex_decode(s + 2, out, cap, len);
}

int64_t store_bin_i64(const char *p)
{
	const uint8_t *u = (const uint8_t *)p;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | u[i];
	return (int64_t)v;
}

ll_time store_bin_ts(const char *p)
{
	int64_t us = store_bin_i64(p);

	/* floor, so instants before 2000 do not round towards it */
	return (us >= 0 ? us / 1000000 : (us - 999999) / 1000000) + STORE_PG_EPOCH_OFFSET;
}
