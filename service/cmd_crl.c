/* cmd_crl.c - `lastleaf crl generate`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crlpub.h"

static const char crl_usage[] =
	"usage: lastleaf crl generate [--ca NAME | --all] [--out DIR]\n"
	"\n"
	"Signs a CRL for each configured CA (cas[] with a key; --all is the\n"
	"default) from the revocations in the inventory, records it with the next\n"
	"CRL number, and publishes it atomically to DIR (default crl.publish_dir):\n"
	"DIR/NAME.crl, or DIR/NAME-K.crl for K = 0..N-1 with cas[].crl.partitions\n"
	"(plus DIR/NAME-ca.crl for revoked CA certificates), a numbered copy under\n"
	"DIR/archive/, and DIR/NAME.json, the CCADB list of CRL URLs (A35).\n"
	"Each CRL is linted against the profile before signing (A36); a CRL that\n"
	"breaks a rule is not signed. Exits non-zero when nothing was signed.\n";

int cmd_crl(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"ca", required_argument, NULL, 'a'},
		{"all", no_argument, NULL, 'A'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ca = NULL, *out = NULL;
	struct store *s;
	int c, signed_total = 0, failures = 0;
	size_t i;
	bool all = false;

	if (argc < 2 || strcmp(argv[1], "generate") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs(crl_usage, stdout);
			return CLI_OK;
		}
		fputs(crl_usage, stderr);
		return CLI_USAGE;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "a:Ao:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': ca = optarg; break;
		case 'A': all = true; break;
		case 'o': out = optarg; break;
		case 'h':
			fputs(crl_usage, stdout);
			return CLI_OK;
		default:
			fputs(crl_usage, stderr);
			return CLI_USAGE;
		}
	}
	if (optind < argc || (ca && all)) {
		fputs(crl_usage, stderr);
		return CLI_USAGE;
	}
	if (ca && !cfg_find_ca(ctx->cfg, ca)) {
		cli_errorf("crl generate: CA '%s' is not in the configuration (cas[] names the CAs "
			   "whose keys lastleaf holds)%s%s", ca,
			   ctx->config_path ? "; config: " : "; no config given (-c FILE)",
			   ctx->config_path ? ctx->config_path : "");
		return CLI_FAIL;
	}
	if (ctx->cfg->ncas == 0) {
		cli_errorf("crl generate: no CA in the configuration has a key; nothing to sign");
		return CLI_FAIL;
	}
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	for (i = 0; i < ctx->cfg->ncas; i++) {
		const struct cfg_ca *cc = &ctx->cfg->cas[i];
		struct crlpub_result res;
		struct ll_err err;

		if (ca && strcmp(cc->name, ca) != 0)
			continue;
		if (!crlpub_generate(s, ctx->cfg, cc, out, stdout, &res, &err)) {
			cli_errorf("crl generate: %s", err.msg);
			cli_errorf("crl generate: %s: nothing signed or published for this CA", cc->name);
			failures++;
			continue;
		}
		signed_total += res.signed_crls;
	}
	store_close(s);
	if (signed_total == 0) {
		cli_errorf("crl generate: no CRL was signed");
		return CLI_FAIL;
	}
	return failures ? CLI_FAIL : CLI_OK;
}
