/* store.h - the PostgreSQL connection (libpq) and its helpers: choosing
 * the database (config url, LASTLEAF_DATABASE_URL, PG* variables or the
 * embedded cluster), schema migrations, transactions and the audit log.
 * Only parameterised SQL goes through here. */
#ifndef LL_STORE_H
#define LL_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "llerr.h"
#include "lltime.h"

struct store;

/* Advisory lock keys (pg_advisory_*lock). */
enum {
	STORE_LOCK_MIGRATE = 0x6c6c0001,
	STORE_LOCK_IMPORT = 0x6c6c0002,
	STORE_LOCK_CA = 0x6c6c0003,
};

/* Where the connection string came from, for messages. */
const char *store_describe_source(const struct cfg *cfg);
/* Connects using the selection order of the public interface; starts the
 * embedded cluster when that is the choice. */
struct store *store_open(const struct cfg *cfg, struct ll_err *err);
/* The read-only standby of database.replica_url when set, else as
 * store_open(). For responder-only processes. */
struct store *store_open_replica(const struct cfg *cfg, struct ll_err *err);
void store_close(struct store *s);
/* This host's clock minus PostgreSQL's clock_timestamp(), in seconds,
 * measured at the middle of the round trip. */
bool store_clock_skew(struct store *s, double *skew, struct ll_err *err) LL_MUSTCHECK;
/* Fails, naming the skew, when |skew| exceeds clock.max_skew (D1):
 * called before anything is signed. max_skew 0 turns the check off. */
bool store_check_clock(struct store *s, const struct cfg *cfg, struct ll_err *err) LL_MUSTCHECK;
PGconn *store_pg(struct store *s);

/* PostgreSQL's binary formats (results fetched with resultFormat 1):
 * PG_EPOCH_OFFSET is 2000-01-01 in Unix seconds. */
#define STORE_PG_EPOCH_OFFSET 946684800LL
/* A big-endian int8 column value. */
int64_t store_bin_i64(const char *p);
/* A timestamptz column value (microseconds since 2000) in whole Unix
 * seconds, rounded down. */
ll_time store_bin_ts(const char *p);

/* Runs one parameterised statement (text params; NULL = SQL NULL).
 * Returns the result on success (caller PQclear()s) or NULL with err. */
PGresult *store_query(struct store *s, const char *sql, int n, const char *const *params,
		      struct ll_err *err);
/* As store_query with per-parameter lengths/formats (binary bytea). */
PGresult *store_queryb(struct store *s, const char *sql, int n, const char *const *params,
		       const int *lens, const int *fmts, struct ll_err *err);
/* Statement with no interesting result. */
bool store_exec(struct store *s, const char *sql, struct ll_err *err) LL_MUSTCHECK;
bool store_begin(struct store *s, struct ll_err *err) LL_MUSTCHECK;
bool store_commit(struct store *s, struct ll_err *err) LL_MUSTCHECK;
void store_rollback(struct store *s);

/* Applies pending migrations in one transaction under an advisory lock.
 * *version is the schema version afterwards, *applied how many ran. */
bool store_migrate(struct store *s, int *version, int *applied, struct ll_err *err) LL_MUSTCHECK;
/* Fails with a hint to run `lastleaf migrate` when the schema is behind. */
bool store_check_schema(struct store *s, struct ll_err *err) LL_MUSTCHECK;

/* Appends an audit row in the current transaction. args_json and
 * result_json are JSON objects (NULL = {}). The actor is the OS user. */
bool store_audit(struct store *s, const char *action, const char *args_json,
		 const char *result_json, struct ll_err *err) LL_MUSTCHECK;
/* The OS user name used as the audit actor. */
const char *store_actor(char *buf, size_t len);
/* Records actor (e.g. "admin-api:token") as the audit actor of this
 * connection, with the OS user it runs as; NULL restores the OS user. */
void store_set_actor(struct store *s, const char *actor);
/* The actor store_audit() records for s. */
const char *store_audit_actor(struct store *s, char *buf, size_t len);

/* PostgreSQL timestamptz text <-> ll_time. */
bool store_parse_ts(const char *s, ll_time *out);
/* bytea in hex output format ("\x0a0b") -> bytes. */
bool store_parse_bytea(const char *s, uint8_t *out, size_t cap, size_t *len);

#endif
