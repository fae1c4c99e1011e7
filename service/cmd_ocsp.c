/* cmd_ocsp.c - `lastleaf ocsp sign`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "presign.h"

static const char ocsp_usage[] =
	"usage: lastleaf ocsp sign [--ca NAME] [--force] [--threads N]\n"
	"\n"
	"Pre-signs OCSP responses now and exits: for every CA with a cas[].ocsp\n"
	"block (or just NAME), every unexpired leaf and CA certificate it issued\n"
	"gets a good or revoked response for SHA-1 and SHA-256 CertIDs, valid for\n"
	"ocsp.validity. Responses past half their validity, and those whose\n"
	"certificate's status changed, are re-signed; --force re-signs all.\n"
	"Responses of expired certificates are dropped.\n";

int cmd_ocsp(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"ca", required_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},
		{"threads", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct presign_opts o = {0};
	const char *ca = NULL;
	struct store *s;
	size_t i;
	int c, served = 0, failures = 0;

	if (argc < 2 || strcmp(argv[1], "sign") != 0) {
		bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
		fputs(ocsp_usage, help ? stdout : stderr);
		return help ? CLI_OK : CLI_USAGE;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "a:ft:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': ca = optarg; break;
		case 'f': o.force = true; break;
		case 't': o.threads = atoi(optarg); break;
		case 'h': fputs(ocsp_usage, stdout); return CLI_OK;
		default: fputs(ocsp_usage, stderr); return CLI_USAGE;
		}
	}
	if (optind < argc) {
		fputs(ocsp_usage, stderr);
		return CLI_USAGE;
	}
	if (ca && (!cfg_find_ca(ctx->cfg, ca) || !cfg_find_ca(ctx->cfg, ca)->ocsp.set)) {
		cli_errorf("ocsp sign: CA '%s' is not served: it needs a cas[].ocsp block in the "
			   "configuration", ca);
		return CLI_FAIL;
	}
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	for (i = 0; i < ctx->cfg->ncas; i++) {
		const struct cfg_ca *cc = &ctx->cfg->cas[i];
		struct presign_stats st;
		struct ll_err err;

		if (!cc->ocsp.set || (ca && strcmp(ca, cc->name) != 0))
			continue;
		served++;
		if (!presign_ca(s, ctx->cfg, cc, &o, &st, stdout, &err)) {
			cli_errorf("ocsp sign: %s: %s", cc->name, err.msg);
			failures++;
		}
	}
	store_close(s);
	if (!served) {
		cli_errorf("ocsp sign: no CA has a cas[].ocsp block: nothing to sign");
		return CLI_FAIL;
	}
	return failures ? CLI_FAIL : CLI_OK;
}
