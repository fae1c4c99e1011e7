/* cmd_retire.c - `lastleaf retire plan|list|show|cancel|check|run`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certfile.h"
#include "cli.h"
#include "hex.h"
#include "json.h"
#include "retire.h"
#include "revoke.h"
#include "x509util.h"

static const char retire_usage[] =
	"usage: lastleaf retire plan --ca-cert SHA256|FILE --reason R [--policy key|window]\n"
	"                            [--provided-from T] [--provided-until T] [--freeze-at T]\n"
	"                            [--grace DUR] [--rationale TEXT] [--dry-run]\n"
	"       lastleaf retire list [--format table|json]\n"
	"       lastleaf retire show --ca-cert SHA256|FILE [--format table|json]\n"
	"       lastleaf retire cancel --ca-cert SHA256|FILE\n"
	"       lastleaf retire check\n"
	"       lastleaf retire run\n"
	"\n"
	"plan    computes when the CA certificate can be revoked: the last notAfter of\n"
	"        its live dependent leaves plus the grace (default 1d). Policy key (the\n"
	"        default): every leaf of its key; the freeze defaults to now. Policy\n"
	"        window: leaves whose notBefore is in [--provided-from, --provided-until),\n"
	"        the window in which this certificate was the one served with the key (a\n"
	"        reissue shares the key); the window's end is the freeze. Reasons:\n"
	"        cessationOfOperation (default), superseded, affiliationChanged,\n"
	"        privilegeWithdrawn; keyCompromise revokes every certificate of the key\n"
	"        now (C2). --dry-run stores nothing.\n"
	"check   recomputes the plans; exits 1 on freeze violations, overdue plans or\n"
	"        follow-up steps still pending (for monitoring).\n"
	"run     executes every due plan: revokes the certificate, publishes the\n"
	"        parent's CRL, refreshes the parent's OCSP, and the key's last CRL when\n"
	"        no certificate of the key is left. Safe to run from many places.\n";

static bool cert_sha(const char *arg, uint8_t out[32], struct ll_err *err)
{
	struct certfile cf;
	size_t n;

	if (strlen(arg) == 64 && ll_hex_decode(arg, out, 32, &n) && n == 32)
		return true;
	if (!certfile_load(arg, &cf, err))
		return ll_err_prefix(err, "--ca-cert (neither a SHA-256 fingerprint nor a certificate file)");
	ll_sha256(cf.certs[0].der, cf.certs[0].len, out);
	certfile_free(&cf);
	return true;
}

static bool parse_time_opt(const char *opt, const char *v, ll_time *t)
{
	if (ll_time_parse_rfc3339(v, t))
		return true;
	cli_errorf("retire: %s '%s' is not an RFC 3339 time", opt, v);
	return false;
}

static int do_plan(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"ca-cert", required_argument, NULL, 'c'},
		{"reason", required_argument, NULL, 'r'},
		{"policy", required_argument, NULL, 'p'},
		{"provided-from", required_argument, NULL, 'f'},
		{"provided-until", required_argument, NULL, 'u'},
		{"freeze-at", required_argument, NULL, 'z'},
		{"grace", required_argument, NULL, 'g'},
		{"rationale", required_argument, NULL, 'R'},
		{"dry-run", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	struct retire_spec sp = {.reason = 5, .grace = 86400};
	uint8_t sha[32];
	const char *cert = NULL;
	bool dry = false;
	struct store *s;
	struct ll_err err;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:r:p:f:u:z:g:R:n", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cert = optarg; break;
		case 'r':
			sp.reason = revoke_reason_code(optarg);
			if (sp.reason < 0) {
				cli_errorf("retire plan: unknown reason '%s'", optarg);
				return CLI_USAGE;
			}
			break;
		case 'p':
			if (strcmp(optarg, "key") && strcmp(optarg, "window")) {
				cli_errorf("retire plan: --policy must be key or window");
				return CLI_USAGE;
			}
			sp.window = strcmp(optarg, "window") == 0;
			break;
		case 'f': if (!parse_time_opt("--provided-from", optarg, &sp.from)) return CLI_USAGE;
			sp.has_from = true; break;
		case 'u': if (!parse_time_opt("--provided-until", optarg, &sp.until)) return CLI_USAGE;
			sp.has_until = true; break;
		case 'z': if (!parse_time_opt("--freeze-at", optarg, &sp.freeze)) return CLI_USAGE;
			sp.has_freeze = true; break;
		case 'g':
			if (!ll_duration_parse(optarg, &sp.grace)) {
				cli_errorf("retire plan: --grace '%s' is not a duration such as 1d or 36h "
					   "(and never negative)", optarg);
				return CLI_USAGE;
			}
			break;
		case 'R': sp.rationale = optarg; break;
		case 'n': dry = true; break;
		default:
			fputs(retire_usage, stderr);
			return CLI_USAGE;
		}
	}
	if (!cert || optind < argc) {
		fputs(retire_usage, stderr);
		return CLI_USAGE;
	}
	if (!cert_sha(cert, sha, &err)) {
		cli_errorf("retire plan: %s", err.msg);
		return CLI_USAGE;
	}
	sp.cert_sha256 = sha;
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	rc = retire_plan(s, ctx->cfg, &sp, dry, stdout, &err) ? CLI_OK : CLI_FAIL;
	if (rc != CLI_OK) {
		cli_errorf("retire plan: %s", err.msg);
		cli_errorf("retire plan: nothing was stored");
	}
	store_close(s);
	return rc;
}

static int do_show_list(struct cli_ctx *ctx, int argc, char **argv, bool list)
{
	static const struct option opts[] = {
		{"ca-cert", required_argument, NULL, 'c'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const char *cert = NULL, *format = "table";
	struct store *s;
	struct ll_err err;
	uint8_t sha[32];
	char hex[65];
	PGresult *r;
	int c, i, rc = CLI_OK;

	while ((c = getopt_long(argc, argv, "c:f:", opts, NULL)) != -1) {
		if (c == 'c')
			cert = optarg;
		else if (c == 'f')
			format = optarg;
		else {
			fputs(retire_usage, stderr);
			return CLI_USAGE;
		}
	}
	if ((!list && !cert) || (strcmp(format, "json") && strcmp(format, "table"))) {
		fputs(retire_usage, stderr);
		return CLI_USAGE;
	}
	if (cert) {
		if (!cert_sha(cert, sha, &err)) {
			cli_errorf("retire: %s", err.msg);
			return CLI_USAGE;
		}
		ll_hex_encode(sha, 32, hex);
	}
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	{
		int64_t nv;
		if (!retire_refresh_all(s, &nv, &err)) {
			cli_errorf("retire: %s", err.msg);
			store_close(s);
			return CLI_FAIL;
		}
	}
	r = store_query(s, "SELECT encode(c.sha256, 'hex'), coalesce(k.name, '') FROM retire_plan p "
			   "JOIN ca_cert c ON c.id = p.ca_cert_id JOIN ca_key k ON k.id = c.key_id "
			   "WHERE $1::text IS NULL OR encode(c.sha256, 'hex') = $1 ORDER BY p.due_at, p.id",
			1, (const char *[]){cert ? hex : NULL}, &err);
	if (!r) {
		cli_errorf("retire: %s", err.msg);
		store_close(s);
		return CLI_FAIL;
	}
	if (!list && PQntuples(r) == 0) {
		cli_errorf("retire show: %s has no plan", hex);
		rc = CLI_FAIL;
	} else if (strcmp(format, "json") == 0) {
		struct json_out j;

		json_init(&j);
		if (list) {
			json_arr_begin(&j);
			for (i = 0; i < PQntuples(r); i++) {
				json_obj_begin(&j);
				json_kv_str(&j, "ca_cert", PQgetvalue(r, i, 0));
				json_kv_str(&j, "name", PQgetvalue(r, i, 1));
				json_key(&j, "plan");
				retire_plan_json(s, PQgetvalue(r, i, 0), &j, &err);
				json_obj_end(&j);
			}
			json_arr_end(&j);
		} else {
			retire_plan_json(s, hex, &j, &err);
		}
		printf("%s\n", json_str(&j));
		json_free(&j);
	} else {
		char nowb[LL_TIME_RFC3339_LEN];

		ll_time_format_rfc3339(ll_now(), nowb);
		printf("%-16s %-14s %-9s %-7s %-21s %-20s %-20s %6s %5s %s\n", "CA CERT", "NAME", "STATE",
		       "POLICY", "REASON", "FREEZE", "DUE", "LIVE", "VIOL", "DAYS LEFT");
		for (i = 0; i < PQntuples(r); i++) {
			PGresult *q = store_query(s,
				"SELECT p.state, p.policy, p.reason, to_char(p.freeze_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
				"to_char(p.due_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), p.live_dependents, p.violations, "
				"round(extract(epoch FROM p.due_at - $2::timestamptz) / 86400, 1), array_to_string(p.steps_pending, ',') "
				"FROM retire_plan p JOIN ca_cert c ON c.id = p.ca_cert_id "
				"WHERE encode(c.sha256, 'hex') = $1 ORDER BY (p.state = 'cancelled'), p.id DESC LIMIT 1",
				2, (const char *[]){PQgetvalue(r, i, 0), nowb}, &err);
			if (!q)
				continue;
			printf("%-16.16s %-14s %-9s %-7s %-21s %-20s %-20s %6s %5s %s%s%s\n", PQgetvalue(r, i, 0),
			       PQgetvalue(r, i, 1), PQgetvalue(q, 0, 0), PQgetvalue(q, 0, 1),
			       revoke_reason_name(atoi(PQgetvalue(q, 0, 2))), PQgetvalue(q, 0, 3),
			       PQgetvalue(q, 0, 4), PQgetvalue(q, 0, 5), PQgetvalue(q, 0, 6), PQgetvalue(q, 0, 7),
			       PQgetvalue(q, 0, 8)[0] ? "  pending: " : "", PQgetvalue(q, 0, 8));
			PQclear(q);
		}
	}
	PQclear(r);
	store_close(s);
	return rc;
}

static int do_cancel(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"ca-cert", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	const char *cert = NULL;
	struct store *s;
	struct ll_err err;
	uint8_t sha[32];
	char hex[65], args[200];
	PGresult *r;
	int c;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c != 'c') {
			fputs(retire_usage, stderr);
			return CLI_USAGE;
		}
		cert = optarg;
	}
	if (!cert || !cert_sha(cert, sha, &err)) {
		if (cert)
			cli_errorf("retire cancel: %s", err.msg);
		else
			fputs(retire_usage, stderr);
		return CLI_USAGE;
	}
	ll_hex_encode(sha, 32, hex);
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	if (!store_begin(s, &err))
		goto fail;
	r = store_query(s, "UPDATE retire_plan p SET state = 'cancelled', cancelled_at = now() FROM ca_cert c "
			   "WHERE c.id = p.ca_cert_id AND encode(c.sha256, 'hex') = $1 AND p.state IN ('planned', 'due') "
			   "RETURNING p.id", 1, (const char *[]){hex}, &err);
	if (!r)
		goto fail;
	if (PQntuples(r) == 0) {
		PQclear(r);
		ll_err_set(&err, "%s has no plan that can still be cancelled (executed plans cannot be)", hex);
		goto fail;
	}
	snprintf(args, sizeof(args), "{\"plan\": %s, \"ca_cert\": \"%s\"}", PQgetvalue(r, 0, 0), hex);
	PQclear(r);
	if (!store_audit(s, "retire.cancel", args, NULL, &err) || !store_commit(s, &err))
		goto fail;
	printf("plan for %s cancelled\n", hex);
	store_close(s);
	return CLI_OK;
fail:
	store_rollback(s);
	cli_errorf("retire cancel: %s", err.msg);
	store_close(s);
	return CLI_FAIL;
}

static int do_check(struct cli_ctx *ctx)
{
	struct store *s = cli_open_store(ctx, true);
	struct ll_err err;
	PGresult *r;
	int64_t nv;
	int i, problems = 0;

	if (!s)
		return CLI_FAIL;
	if (!retire_refresh_all(s, &nv, &err)) {
		cli_errorf("retire check: %s", err.msg);
		store_close(s);
		return CLI_FAIL;
	}
	{
		char nb[LL_TIME_RFC3339_LEN];
		const char *q[1] = {ll_time_format_rfc3339(ll_now(), nb)};
		r = store_query(s,
			"SELECT encode(c.sha256, 'hex'), coalesce(k.name, ''), p.state, p.violations, "
			"p.state IN ('planned', 'due') AND p.due_at <= $1::timestamptz, "
			"array_to_string(p.steps_pending, ','), "
			"to_char(p.due_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
			"p.state = 'executed' AND cardinality(p.steps_pending) > 0 "
			"AND p.executed_at < $1::timestamptz - interval '24 hours' "
			"FROM retire_plan p JOIN ca_cert c ON c.id = p.ca_cert_id JOIN ca_key k ON k.id = c.key_id "
			"WHERE p.state <> 'cancelled' ORDER BY p.id", 1, q, &err);
	}
	if (!r) {
		cli_errorf("retire check: %s", err.msg);
		store_close(s);
		return CLI_FAIL;
	}
	for (i = 0; i < PQntuples(r); i++) {
		const char *sha = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);

		if (atoll(PQgetvalue(r, i, 3)) > 0) {
			printf("VIOLATION %s (%s): %s leaf(s) issued at or after the freeze (C14, E5)\n", sha, name,
			       PQgetvalue(r, i, 3));
			problems++;
		}
		if (PQgetvalue(r, i, 4)[0] == 't') {
			printf("OVERDUE   %s (%s): due at %s and not executed: run `lastleaf retire run`\n", sha,
			       name, PQgetvalue(r, i, 6));
			problems++;
		}
		if (PQgetvalue(r, i, 5)[0]) {
			printf("PENDING   %s (%s): follow-up steps not done: %s%s\n", sha, name, PQgetvalue(r, i, 5),
			       PQgetvalue(r, i, 7)[0] == 't' ? " -- past the 24-hour deadline (C4)" : "");
			problems++;
		}
	}
	printf("%d plan(s) checked, %d problem(s)\n", PQntuples(r), problems);
	PQclear(r);
	store_close(s);
	return problems ? CLI_FAIL : CLI_OK;
}

static int do_run(struct cli_ctx *ctx)
{
	struct store *s = cli_open_store(ctx, true);
	struct ll_err err;
	int executed, pending;

	if (!s)
		return CLI_FAIL;
	if (!retire_run(s, ctx->cfg, stdout, &executed, &pending, &err)) {
		cli_errorf("retire run: %s", err.msg);
		store_close(s);
		return CLI_FAIL;
	}
	printf("executed %d plan(s), %d with follow-up steps still pending\n", executed, pending);
	store_close(s);
	return pending ? CLI_FAIL : CLI_OK;
}

int cmd_retire(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(retire_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (cli_wants_help(argc - 1, argv + 1, retire_usage))
		return CLI_OK;
	if (!strcmp(argv[1], "plan"))
		return do_plan(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return do_show_list(ctx, argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "show"))
		return do_show_list(ctx, argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "cancel"))
		return do_cancel(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return do_check(ctx);
	if (!strcmp(argv[1], "run"))
		return do_run(ctx);
	cli_errorf("retire: unknown subcommand '%s'", argv[1]);
	fputs(retire_usage, stderr);
	return CLI_USAGE;
}
