/* cli.c - helpers shared by the subcommands. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cli_errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("lastleaf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cli_wants_help(int argc, char **argv, const char *usage)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			if (usage)
				fputs(usage, stdout);
			return true;
		}
	}
	return false;
}

struct store *cli_open_store(struct cli_ctx *ctx, bool check_schema)
{
	struct ll_err err;
	struct store *s = store_open(ctx->cfg, &err);

	if (!s) {
		cli_errorf("%s", err.msg);
		return NULL;
	}
	if (check_schema && !store_check_schema(s, &err)) {
		cli_errorf("%s", err.msg);
		store_close(s);
		return NULL;
	}
	return s;
}
