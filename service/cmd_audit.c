/* cmd_audit.c - `lastleaf audit verify` checks the hash chain of the
 * audit log and names the first bad row (D4); `lastleaf audit export`
 * prints rows as JSON lines for an auditor. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char audit_usage[] =
	"usage: lastleaf audit verify\n"
	"       lastleaf audit export [--since TIME]\n"
	"\n"
	"verify  recomputes the SHA-256 chain over every audit row (each row's hash\n"
	"        covers the previous row's hash and its own content) and names the\n"
	"        first row that was changed, or whose predecessor was changed or\n"
	"        deleted. Exit 1 when the chain is broken.\n"
	"export  prints the rows from TIME on (RFC 3339) as JSON lines, with their\n"
	"        hashes, for an auditor.\n";

static int verify(struct cli_ctx *ctx)
{
	struct store *s = cli_open_store(ctx, true);
	struct ll_err err;
	PGresult *r;
	int rc = CLI_OK;

	if (!s)
		return CLI_FAIL;
	r = store_query(s,
		"WITH c AS (SELECT id, action, at, prev_hash IS NOT DISTINCT FROM lag(hash) OVER (ORDER BY id) AS link_ok,"
		" hash = audit_row_hash(prev_hash, id, at, actor, action, args, result) AS self_ok FROM audit)"
		" SELECT (SELECT count(*) FROM c), id, action, link_ok, self_ok FROM c"
		" WHERE NOT (link_ok AND coalesce(self_ok, false)) ORDER BY id LIMIT 1", 0, NULL, &err);
	if (!r) {
		cli_errorf("audit verify: %s", err.msg);
		store_close(s);
		return CLI_FAIL;
	}
	if (PQntuples(r) == 0) {
		PGresult *n = store_query(s, "SELECT (SELECT count(*) FROM audit), "
					     "(SELECT encode(hash, 'hex') FROM audit ORDER BY id DESC LIMIT 1)", 0, NULL, &err);
		printf("audit chain intact: %s rows, head %s\n", n ? PQgetvalue(n, 0, 0) : "?",
		       n && !PQgetisnull(n, 0, 1) ? PQgetvalue(n, 0, 1) : "-");
		PQclear(n);
	} else {
		printf("audit chain BROKEN at row %s (%s): %s\n", PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
		       PQgetvalue(r, 0, 4)[0] != 't' ? "its content no longer matches its hash (the row was changed)"
						     : "it does not follow the row before it (that row was changed or deleted)");
		rc = CLI_FAIL;
	}
	PQclear(r);
	store_close(s);
	return rc;
}

static int export_rows(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"since", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
	char since[LL_TIME_RFC3339_LEN] = "1970-01-01T00:00:00Z";
	struct store *s;
	struct ll_err err;
	PGresult *r;
	ll_time t;
	int c, i;

	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c != 's' || !ll_time_parse_rfc3339(optarg, &t)) {
			cli_errorf("audit export: --since takes an RFC 3339 time");
			return CLI_USAGE;
		}
		ll_time_format_rfc3339(t, since);
	}
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	r = store_query(s,
		"SELECT json_build_object('id', id, 'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
		" 'actor', actor, 'action', action, 'args', args, 'result', result,"
		" 'prev_hash', encode(prev_hash, 'hex'), 'hash', encode(hash, 'hex'))::text"
		" FROM audit WHERE at >= $1::timestamptz ORDER BY id", 1, (const char *[]){since}, &err);
	if (!r) {
		cli_errorf("audit export: %s", err.msg);
		store_close(s);
		return CLI_FAIL;
	}
	for (i = 0; i < PQntuples(r); i++)
		printf("%s\n", PQgetvalue(r, i, 0));
	PQclear(r);
	store_close(s);
	return CLI_OK;
}

int cmd_audit(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(audit_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (!strcmp(argv[1], "verify"))
		return verify(ctx);
	if (!strcmp(argv[1], "export"))
		return export_rows(ctx, argc - 1, argv + 1);
	fputs(audit_usage, stderr);
	return CLI_USAGE;
}
