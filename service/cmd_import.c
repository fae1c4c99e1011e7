/* cmd_import.c - `lastleaf import`: CLI options around import.c. */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "catab.h"
#include "cli.h"
#include "import.h"
#include "retire.h"

static const char import_usage[] =
	"usage: lastleaf import [--format auto|pem|der|index] [--issuer NAME]\n"
	"                       [--reject-log FILE] [--no-verify] [--threads N] PATH...\n"
	"\n"
	"Imports leaf certificates into the inventory. A PATH is a file, a\n"
	"directory (walked recursively) or - for stdin. Certificates are matched\n"
	"to their issuing CA key by issuer name and AKI and their signatures are\n"
	"verified (--no-verify skips that for trusted bulk loads). OpenSSL `ca`\n"
	"index.txt files need --issuer. A certificate and an index line for the\n"
	"same serial merge into one leaf. Rejected inputs are reported with their\n"
	"path and line or certificate number; the rest still imports, in one\n"
	"transaction. Prints `imported N, unchanged N, rejected N, conflicts N`.\n"
	"Exit status: 0 when nothing was rejected and nothing conflicted.\n";

/* A leaf whose CRL distribution point names no configured partition would
 * be fetched from a URL lastleaf does not publish (A20, E10): say so at
 * import time, not only when the CRL is generated. */
static void warn_stray_cdps(struct cli_ctx *ctx, struct store *s)
{
	size_t i;

	for (i = 0; ctx->cfg && i < ctx->cfg->ncas; i++) {
		const struct cfg_ca *ca = &ctx->cfg->cas[i];
		const char *m, *p[4];
		char pre[1024], suf[1024], n[16];
		struct ll_err err;
		PGresult *r;

		if (ca->crl.partitions <= 0 || !ca->crl.url ||
		    !(m = strstr(ca->crl.url, "{partition}")))
			continue;
		snprintf(pre, sizeof(pre), "%.*s", (int)(m - ca->crl.url), ca->crl.url);
		snprintf(suf, sizeof(suf), "%s", m + strlen("{partition}"));
		snprintf(n, sizeof(n), "%d", ca->crl.partitions);
		p[0] = ca->name;
		p[1] = pre;
		p[2] = suf;
		p[3] = n;
		r = store_query(s,
			"SELECT count(*) FROM leaf l JOIN ca_key k ON k.id = l.issuer_key_id "
			"WHERE k.name = $1 AND l.cdp IS NOT NULL AND l.not_after > now() AND NOT coalesce("
			" CASE WHEN starts_with(l.cdp, $2) AND right(l.cdp, length($3)) = $3"
			"  AND length(l.cdp) > length($2) + length($3)"
			"  AND substr(l.cdp, length($2) + 1, greatest(length(l.cdp) - length($2) - length($3), 0))"
			"   ~ '^(0|[1-9][0-9]{0,5})$'"
			" THEN substr(l.cdp, length($2) + 1, greatest(length(l.cdp) - length($2) - length($3), 0))::int"
			"  < $4::int END, false)",
			4, p, &err);
		if (r && atoll(PQgetvalue(r, 0, 0)) > 0)
			fprintf(stderr, "lastleaf: import: warning: %s unexpired leaves of CA %s have a CRL "
					"distribution point that names no configured partition (%s); "
					"`crl generate` lists them on a partition chosen by serial (A20, E10)\n",
				PQgetvalue(r, 0, 0), ca->name, ca->crl.url);
		PQclear(r);
	}
}

int cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"issuer", required_argument, NULL, 'i'},
		{"reject-log", required_argument, NULL, 'r'},
		{"no-verify", no_argument, NULL, 'n'},
		{"threads", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct import_opts o = {.format = IMPORT_AUTO, .verify = true};
	struct import_stats st;
	const char *reject_path = NULL;
	struct store *s = NULL;
	struct catab *t = NULL;
	struct ll_err err;
	int64_t violations = 0;
	int c, rc = CLI_FAIL;

	while ((c = getopt_long(argc, argv, "f:i:r:nt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "auto") == 0)
				o.format = IMPORT_AUTO;
			else if (strcmp(optarg, "pem") == 0)
				o.format = IMPORT_PEM;
			else if (strcmp(optarg, "der") == 0)
				o.format = IMPORT_DER;
			else if (strcmp(optarg, "index") == 0)
				o.format = IMPORT_INDEX;
			else {
				cli_errorf("import: --format must be auto, pem, der or index");
				return CLI_USAGE;
			}
			break;
		case 'i':
			o.issuer = optarg;
			break;
		case 'r':
			reject_path = optarg;
			break;
		case 'n':
			o.verify = false;
			break;
		case 't':
			o.threads = atoi(optarg);
			break;
		case 'h':
			fputs(import_usage, stdout);
			return CLI_OK;
		default:
			fputs(import_usage, stderr);
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(import_usage, stderr);
		return CLI_USAGE;
	}
	if (o.format == IMPORT_INDEX && !o.issuer) {
		cli_errorf("import: --format index needs --issuer NAME");
		return CLI_USAGE;
	}
	if (reject_path) {
		o.reject_log = fopen(reject_path, "w");
		if (!o.reject_log) {
			cli_errorf("import: --reject-log %s: cannot open", reject_path);
			return CLI_USAGE;
		}
	}
	o.progress = isatty(2);
	s = cli_open_store(ctx, true);
	if (!s)
		goto out;
	t = catab_load(s, &err);
	if (!t) {
		cli_errorf("import: %s", err.msg);
		goto out;
	}
	if (!import_run(s, t, &o, argv + optind, argc - optind, &st, &err)) {
		cli_errorf("import: %s", err.msg);
		cli_errorf("import: nothing was imported");
		goto out;
	}
	warn_stray_cdps(ctx, s);
	{
		/* a leaf issued after a retirement plan's freeze is a violation
		 * (C14, E5): recorded on the plan and reported for ever */
		int64_t nv = 0;
		if (!retire_refresh_all(s, &nv, &err))
			cli_errorf("import: checking retirement plans: %s", err.msg);
		else if (nv > 0) {
			cli_errorf("import: FREEZE VIOLATION: %lld leaf(s) issued at or after the freeze of a "
				   "retirement plan; see `lastleaf retire check`", (long long)nv);
			violations = nv;
		}
	}
	printf("imported %lld, unchanged %lld, rejected %lld, conflicts %lld\n",
	       (long long)st.imported, (long long)st.unchanged, (long long)st.rejected,
	       (long long)st.conflicts);
	rc = st.rejected || st.conflicts || violations ? CLI_FAIL : CLI_OK;
out:
	if (o.reject_log)
		fclose(o.reject_log);
	catab_free(t);
	store_close(s);
	return rc;
}
