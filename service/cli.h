/* cli.h - the subcommands of the `lastleaf` binary. Each takes the parsed
 * global options and its own argv (argv[0] is the subcommand name) and
 * returns the process exit status: 0 success, 1 failure or findings,
 * 2 usage or configuration error. */
#ifndef LL_CLI_H
#define LL_CLI_H

#include <stdbool.h>

#include "config.h"
#include "store.h"

struct cli_ctx {
	const char *config_path;
	struct cfg *cfg;
};

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Opens the store and checks the schema; prints the error and returns
 * NULL on failure. */
struct store *cli_open_store(struct cli_ctx *ctx, bool check_schema);
/* True when argv holds -h/--help (then prints usage). */
bool cli_wants_help(int argc, char **argv, const char *usage);
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_migrate(struct cli_ctx *ctx, int argc, char **argv);
int cmd_db(struct cli_ctx *ctx, int argc, char **argv);
int cmd_ca(struct cli_ctx *ctx, int argc, char **argv);
int cmd_import(struct cli_ctx *ctx, int argc, char **argv);
int cmd_report(struct cli_ctx *ctx, int argc, char **argv);
int cmd_revoke(struct cli_ctx *ctx, int argc, char **argv);
int cmd_crl(struct cli_ctx *ctx, int argc, char **argv);
int cmd_ocsp(struct cli_ctx *ctx, int argc, char **argv);
int cmd_serve(struct cli_ctx *ctx, int argc, char **argv);
int cmd_retire(struct cli_ctx *ctx, int argc, char **argv);
int cmd_audit(struct cli_ctx *ctx, int argc, char **argv);

#endif
