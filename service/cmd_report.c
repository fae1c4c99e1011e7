/* cmd_report.c - `lastleaf report`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "report_html.h"
#include "revoke.h"

static const char report_usage[] =
	"usage: lastleaf report [--ca NAME] [--at TIME] [--format table|json|csv|html]\n"
	"       lastleaf report --ccadb [--at TIME] [--format table|json]\n"
	"\n"
	"One row per CA certificate: name, fingerprint, key, notAfter, live leaves\n"
	"of its key, earliest and last live expiry, and the serial that expires\n"
	"last. Live means not expired at TIME and not revoked at TIME (TIME is\n"
	"RFC 3339, default now): --at forecasts. JSON adds a histogram of live\n"
	"leaves by expiry month, and a `plan` object for certificates with a\n"
	"retirement plan. html writes one self-contained page with drain charts.\n"
	"--ccadb prints, per retiring CA certificate, what a delayed-revocation\n"
	"incident update asks for: leaves revoked, not yet revoked, expired before\n"
	"revocation, the ETA, and the 24-hour and 7-day deadlines after revocation.\n";

/* What a delayed-revocation incident update asks for, per retiring CA
 * certificate: leaves revoked, leaves not yet revoked, leaves that expired
 * before revocation, and the ETA; plus the deadlines that follow a
 * revocation (parent CRL and OCSP within 24 h, C4; CCADB within 7 days, C6). */
static int ccadb_report(struct store *s, ll_time at, bool json)
{
	char atb[LL_TIME_RFC3339_LEN];
	const char *p[1] = {ll_time_format_rfc3339(at, atb)};
	struct ll_err err;
	PGresult *r = store_query(s,
		"SELECT encode(c.sha256, 'hex'), coalesce(k.name, ''), p.state, p.policy,"
		" (SELECT count(*) FROM leaf l WHERE l.issuer_key_id = c.key_id AND l.revoked_at IS NOT NULL"
		"  AND l.revoked_at <= $1::timestamptz AND (p.policy = 'key' OR (l.not_before >= p.provided_from"
		"  AND l.not_before < p.provided_until))),"
		" (SELECT count(*) FROM leaf l WHERE l.issuer_key_id = c.key_id AND l.not_after >= $1::timestamptz"
		"  AND (l.revoked_at IS NULL OR l.revoked_at > $1::timestamptz) AND (p.policy = 'key' OR"
		"  (l.not_before >= p.provided_from AND l.not_before < p.provided_until))),"
		" (SELECT count(*) FROM leaf l WHERE l.issuer_key_id = c.key_id AND l.not_after < $1::timestamptz"
		"  AND (l.revoked_at IS NULL OR l.revoked_at > l.not_after) AND (p.policy = 'key' OR"
		"  (l.not_before >= p.provided_from AND l.not_before < p.provided_until))),"
		" to_char(p.due_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" to_char(c.revoked_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" to_char(c.revoked_at + interval '24 hours', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" to_char(c.revoked_at + interval '7 days', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" p.parent_crl_number::text, to_char(p.parent_crl_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" to_char(p.parent_ocsp_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), p.violations, p.reason"
		" FROM retire_plan p JOIN ca_cert c ON c.id = p.ca_cert_id JOIN ca_key k ON k.id = c.key_id"
		" WHERE p.state <> 'cancelled' ORDER BY p.due_at", 1, p, &err);
	int i;

	if (!r) {
		cli_errorf("report --ccadb: %s", err.msg);
		return CLI_FAIL;
	}
	if (json) {
		struct json_out j;

		json_init(&j);
		json_obj_begin(&j);
		json_kv_str(&j, "at", atb);
		json_arr_key_begin(&j, "retiring_ca_certificates");
		for (i = 0; i < PQntuples(r); i++) {
#define V(k) (PQgetisnull(r, i, k) ? NULL : PQgetvalue(r, i, k))
			json_obj_begin(&j);
			json_kv_str(&j, "sha256", V(0));
			json_kv_str(&j, "name", V(1));
			json_kv_str(&j, "state", V(2));
			json_kv_str(&j, "policy", V(3));
			json_kv_str(&j, "reason", revoke_reason_name(atoi(PQgetvalue(r, i, 15))));
			json_kv_int(&j, "leaves_revoked", atoll(PQgetvalue(r, i, 4)));
			json_kv_int(&j, "leaves_not_yet_revoked", atoll(PQgetvalue(r, i, 5)));
			json_kv_int(&j, "leaves_expired_before_revocation", atoll(PQgetvalue(r, i, 6)));
			json_kv_int(&j, "freeze_violations", atoll(PQgetvalue(r, i, 14)));
			json_kv_str(&j, "eta", V(7));
			json_kv_str(&j, "revoked_at", V(8));
			json_kv_str(&j, "parent_crl_deadline", V(9));
			json_kv_str(&j, "parent_crl_number", V(11));
			json_kv_str(&j, "parent_crl_at", V(12));
			json_kv_str(&j, "parent_ocsp_at", V(13));
			json_kv_str(&j, "ccadb_deadline", V(10));
			json_obj_end(&j);
#undef V
		}
		json_arr_end(&j);
		json_obj_end(&j);
		printf("%s\n", json_str(&j));
		json_free(&j);
	} else {
		printf("delayed-revocation status at %s\n", atb);
		for (i = 0; i < PQntuples(r); i++) {
			printf("\n%s (%s): %s, policy %s, reason %s\n", PQgetvalue(r, i, 1), PQgetvalue(r, i, 0),
			       PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), revoke_reason_name(atoi(PQgetvalue(r, i, 15))));
			printf("  leaves revoked                    %s\n", PQgetvalue(r, i, 4));
			printf("  leaves not yet revoked            %s\n", PQgetvalue(r, i, 5));
			printf("  leaves expired before revocation  %s\n", PQgetvalue(r, i, 6));
			printf("  freeze violations                 %s\n", PQgetvalue(r, i, 14));
			printf("  ETA (due_at)                      %s\n", PQgetvalue(r, i, 7));
			if (!PQgetisnull(r, i, 8)) {
				printf("  revoked at                        %s\n", PQgetvalue(r, i, 8));
				printf("  parent CRL (24 h, C4)             due %s, %s\n", PQgetvalue(r, i, 9),
				       PQgetisnull(r, i, 12) ? "NOT YET PUBLISHED" : PQgetvalue(r, i, 12));
				printf("  parent OCSP (24 h, C4)            %s\n",
				       PQgetisnull(r, i, 13) ? "-" : PQgetvalue(r, i, 13));
				printf("  CCADB record (7 days, C6)         due %s\n", PQgetvalue(r, i, 10));
			}
		}
	}
	PQclear(r);
	return CLI_OK;
}

int cmd_report(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"ca", required_argument, NULL, 'a'},
		{"at", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'f'},
		{"ccadb", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ca = NULL, *format = "table";
	ll_time at = ll_now();
	struct report rep;
	struct store *s;
	struct ll_err err;
	bool ccadb = false;
	int c;

	while ((c = getopt_long(argc, argv, "a:t:f:Ch", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			ccadb = true;
			break;
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
	if (ccadb) {
		int rc = ccadb_report(s, at, strcmp(format, "json") == 0);
		store_close(s);
		return rc;
	}
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
