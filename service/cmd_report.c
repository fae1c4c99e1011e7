/* cmd_report.c - `lastleaf report`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "report_html.h"

static const char report_usage[] =
	"usage: lastleaf report [--ca NAME] [--at TIME] [--format table|json|csv|html]\n"
	"\n"
	"One row per CA certificate: name, fingerprint, key, notAfter, live leaves\n"
	"of its key, earliest and last live expiry, and the serial that expires\n"
	"last. Live means not expired at TIME and not revoked at TIME (TIME is\n"
	"RFC 3339, default now): --at forecasts. JSON adds a histogram of live\n"
	"leaves by expiry month.\n";

int cmd_report(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"ca", required_argument, NULL, 'a'},
		{"at", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ca = NULL, *format = "table";
	ll_time at = ll_now();
	struct report rep;
	struct store *s;
	struct ll_err err;
	int c;

	while ((c = getopt_long(argc, argv, "a:t:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			ca = optarg;
			break;
		case 't':
			if (!ll_time_parse_rfc3339(optarg, &at)) {
				cli_errorf("report: --at '%s' is not an RFC 3339 time "
					   "(e.g. 2027-01-31T00:00:00Z)", optarg);
				return CLI_USAGE;
			}
			break;
		case 'f':
			format = optarg;
			if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv") &&
			    strcmp(format, "html")) {
				cli_errorf("report: --format must be table, json, csv or html");
				return CLI_USAGE;
			}
			break;
		case 'h':
			fputs(report_usage, stdout);
			return CLI_OK;
		default:
			fputs(report_usage, stderr);
			return CLI_USAGE;
		}
	}
	if (optind < argc) {
		fputs(report_usage, stderr);
		return CLI_USAGE;
	}
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	if (!report_build(s, ca, at, &rep, &err)) {
		cli_errorf("report: %s", err.msg);
		report_free(&rep);
		store_close(s);
		return CLI_FAIL;
	}
	if (strcmp(format, "json") == 0) {
		struct json_out j;

		json_init(&j);
		report_json(&rep, &j);
		printf("%s\n", json_str(&j));
		json_free(&j);
	} else if (strcmp(format, "csv") == 0) {
		report_csv(&rep, stdout);
	} else if (strcmp(format, "html") == 0) {
		struct ll_buf b;

		ll_buf_init(&b, (size_t)256 << 20);
		if (!report_html(&rep, &b)) {
			cli_errorf("report: out of memory rendering HTML");
			ll_buf_free(&b);
			report_free(&rep);
			store_close(s);
			return CLI_FAIL;
		}
		fwrite(b.data, 1, b.len, stdout);
		ll_buf_free(&b);
	} else {
		report_table(&rep, stdout);
	}
	report_free(&rep);
	store_close(s);
	return CLI_OK;
}
