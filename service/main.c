/* main.c - the `lastleaf` entry point: global options, configuration,
 * and dispatch to the subcommands in cli.h. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define LASTLEAF_VERSION "0.1.0"

static const char usage[] =
	"usage: lastleaf [-c FILE] COMMAND [ARGS]\n"
	"\n"
	"Inventory, CRLs, OCSP and retirement scheduling for CA operators.\n"
	"\n"
	"global options:\n"
	"  -c, --config FILE   configuration file (default: $LASTLEAF_CONFIG, else none)\n"
	"  -h, --help          this help\n"
	"  -V, --version       print the version\n"
	"\n"
	"commands:\n"
	"  migrate             apply pending database migrations\n"
	"  db start|stop|status  manage the embedded PostgreSQL cluster\n"
	"  ca add|list         register and list CA certificates\n"
	"  import              import leaf certificates (PEM, DER, OpenSSL index.txt)\n"
	"  report              live leaves per CA certificate (table, json, csv)\n"
	"  revoke              record the revocation of a leaf or a CA certificate\n"
	"  crl generate        sign and publish CRLs\n"
	"  ocsp sign           pre-sign OCSP responses\n"
	"  serve               run the OCSP/CRL responder and the timers\n"
	"  retire              plan, check and execute CA certificate retirements\n"
	"  audit verify|export check the audit log's hash chain; export it as JSON lines\n"
	"  help [COMMAND]      show help for a command\n"
	"\n"
	"Run `lastleaf COMMAND --help` for a command's options.\n";

struct cmd {
	const char *name;
	int (*fn)(struct cli_ctx *, int, char **);
	bool needs_config;
};

static const struct cmd cmds[] = {
	{"migrate", cmd_migrate, true},
	{"db", cmd_db, true},
	{"ca", cmd_ca, true},
	{"import", cmd_import, true},
	{"report", cmd_report, true},
	{"revoke", cmd_revoke, true},
	{"crl", cmd_crl, true},
	{"ocsp", cmd_ocsp, true},
	{"serve", cmd_serve, true},
	{"retire", cmd_retire, true},
	{"audit", cmd_audit, true},
};

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct cli_ctx ctx = {0};
	const struct cmd *cmd;
	struct ll_err err;
	int c, rc;

	/* '+' stops at the first non-option: the subcommand parses the rest. */
	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx.config_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		case 'V':
			printf("lastleaf %s\n", LASTLEAF_VERSION);
			return CLI_OK;
		default:
			fputs(usage, stderr);
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		if (optind + 1 < argc && (cmd = find_cmd(argv[optind + 1])) != NULL) {
			char *hargv[] = {argv[optind + 1], "--help", NULL};
			optind = 1;
			return cmd->fn(&ctx, 2, hargv);
		}
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[optind], "version") == 0) {
		printf("lastleaf %s\n", LASTLEAF_VERSION);
		return CLI_OK;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "lastleaf: unknown command '%s'\n\n%s", argv[optind], usage);
		return CLI_USAGE;
	}
	if (!ctx.config_path) {
		const char *env = getenv("LASTLEAF_CONFIG");
		if (env && *env)
			ctx.config_path = env;
	}
	/* --help needs no valid config */
	if (!cli_wants_help(argc - optind, argv + optind, NULL) && cmd->needs_config) {
		ctx.cfg = cfg_load(ctx.config_path, &err);
		if (!ctx.cfg) {
			fprintf(stderr, "lastleaf: %s\n", err.msg);
			return CLI_USAGE;
		}
	}
	argv += optind;
	argc -= optind;
	optind = 1; /* reset getopt for the subcommand */
	rc = cmd->fn(&ctx, argc, argv);
	cfg_free(ctx.cfg);
	return rc;
}
