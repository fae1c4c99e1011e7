/* cmd_migrate.c - `lastleaf migrate` and `lastleaf db start|stop|status`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pgembed.h"

static const char migrate_usage[] =
	"usage: lastleaf migrate\n"
	"\n"
	"Applies the pending schema migrations in one transaction, under an\n"
	"advisory lock (concurrent runs are safe; a second run is a no-op), and\n"
	"prints the schema version.\n";

int cmd_migrate(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ll_err err;
	struct store *s;
	int version, applied;

	if (cli_wants_help(argc, argv, migrate_usage))
		return CLI_OK;
	if (argc > 1) {
		fputs(migrate_usage, stderr);
		return CLI_USAGE;
	}
	s = cli_open_store(ctx, false);
	if (!s)
		return CLI_FAIL;
	if (!store_migrate(s, &version, &applied, &err)) {
		cli_errorf("migrate: %s", err.msg);
		store_close(s);
		return CLI_FAIL;
	}
	printf("schema version %d (%d migration%s applied)\n", version, applied,
	       applied == 1 ? "" : "s");
	store_close(s);
	return CLI_OK;
}

static const char db_usage[] =
	"usage: lastleaf db start|stop|status\n"
	"\n"
	"Manages the embedded PostgreSQL cluster (database.embedded.dir, default\n"
	"./var/pg). `start` runs initdb the first time. Other commands start it\n"
	"on demand; it keeps running until `lastleaf db stop`.\n";

int cmd_db(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *dir = ctx->cfg && ctx->cfg->embedded_dir ? ctx->cfg->embedded_dir : "./var/pg";
	struct ll_err err;
	char conninfo[4200];
	int st;

	if (cli_wants_help(argc, argv, db_usage))
		return CLI_OK;
	if (argc != 2) {
		fputs(db_usage, stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "start") == 0) {
		if (!pgembed_ensure(dir, conninfo, sizeof(conninfo), &err)) {
			cli_errorf("%s", err.msg);
			return CLI_FAIL;
		}
		printf("embedded database running: %s\n", conninfo);
		return CLI_OK;
	}
	if (strcmp(argv[1], "stop") == 0) {
		if (!pgembed_stop(dir, &err)) {
			cli_errorf("%s", err.msg);
			return CLI_FAIL;
		}
		printf("embedded database stopped\n");
		return CLI_OK;
	}
	if (strcmp(argv[1], "status") == 0) {
		st = pgembed_status(dir);
		printf("embedded database %s: %s\n", dir,
		       st == 1 ? "running" : st == 0 ? "stopped" : "not initialised");
		return st == 1 ? CLI_OK : CLI_FAIL;
	}
	fputs(db_usage, stderr);
	return CLI_USAGE;
}
