/* cmd_revoke.c - `lastleaf revoke`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "certfile.h"
#include "cli.h"
#include "hex.h"
#include "revoke.h"
#include "x509util.h"

static const char revoke_usage[] =
	"usage: lastleaf revoke --ca NAME --serial HEX --reason REASON [--at TIME]\n"
	"                       [--invalidity-date TIME]\n"
	"       lastleaf revoke --ca-cert SHA256|FILE --reason REASON [--at TIME]\n"
	"\n"
	"Records a revocation in one transaction with an audit row, and notifies\n"
	"running responders. HEX is the serial as `openssl x509 -serial` prints it\n"
	"(case-insensitive, a leading 00 optional). TIME is RFC 3339 (default now;\n"
	"never in the future, never before notBefore).\n"
	"\n"
	"Reasons (RFC 5280 names): unspecified, keyCompromise, affiliationChanged,\n"
	"superseded, cessationOfOperation, privilegeWithdrawn. For a leaf,\n"
	"unspecified means no reasonCode; certificateHold is refused. A CA\n"
	"certificate always needs a reason other than unspecified (A31).\n"
	"Revoking again with the same facts does nothing; a conflicting second\n"
	"revocation is refused, except that keyCompromise may replace another\n"
	"reason (A33).\n";

/* SHA-256 hex, or a certificate file whose fingerprint is taken. */
static bool cert_sha256(const char *arg, uint8_t out[32], struct ll_err *err)
{
	struct certfile cf;
	size_t n;

	if (strlen(arg) == 64 && ll_hex_decode(arg, out, 32, &n) && n == 32)
		return true;
	if (!certfile_load(arg, &cf, err))
		return ll_err_prefix(err, "--ca-cert (neither a SHA-256 fingerprint nor a readable "
					  "certificate file)");
	ll_sha256(cf.certs[0].der, cf.certs[0].len, out);
	certfile_free(&cf);
	return true;
}

int cmd_revoke(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"ca", required_argument, NULL, 'a'},
		{"serial", required_argument, NULL, 's'},
		{"reason", required_argument, NULL, 'r'},
		{"at", required_argument, NULL, 't'},
		{"invalidity-date", required_argument, NULL, 'i'},
		{"ca-cert", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct revoke_leaf_req req = {0};
	const char *serial = NULL, *reason = NULL, *ca_cert = NULL;
	uint8_t serial_bytes[64], fp[32];
	enum revoke_outcome outcome;
	char summary[600];
	struct store *s;
	struct ll_err err;
	bool ok;
	int c;

	while ((c = getopt_long(argc, argv, "a:s:r:t:i:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': req.ca_name = optarg; break;
		case 's': serial = optarg; break;
		case 'r': reason = optarg; break;
		case 'c': ca_cert = optarg; break;
		case 't':
			if (!ll_time_parse_rfc3339(optarg, &req.at)) {
				cli_errorf("revoke: --at '%s' is not an RFC 3339 time", optarg);
				return CLI_USAGE;
			}
			req.has_at = true;
			break;
		case 'i':
			if (!ll_time_parse_rfc3339(optarg, &req.invalidity)) {
				cli_errorf("revoke: --invalidity-date '%s' is not an RFC 3339 time", optarg);
				return CLI_USAGE;
			}
			req.has_invalidity = true;
			break;
		case 'h':
			fputs(revoke_usage, stdout);
			return CLI_OK;
		default:
			fputs(revoke_usage, stderr);
			return CLI_USAGE;
		}
	}
	if (!reason || optind < argc || (!ca_cert && (!req.ca_name || !serial)) ||
	    (ca_cert && (req.ca_name || serial || req.has_invalidity))) {
		fputs(revoke_usage, stderr);
		return CLI_USAGE;
	}
	req.reason = revoke_reason_code(reason);
	if (req.reason < 0 || req.reason == 7) {
		cli_errorf("revoke: unknown reason '%s' (use an RFC 5280 name such as "
			   "keyCompromise or cessationOfOperation)", reason);
		return CLI_USAGE;
	}
	if (serial) {
		if (!ll_serial_from_hex(serial, serial_bytes, sizeof(serial_bytes), &req.serial_len) ||
		    req.serial_len > 21) {
			cli_errorf("revoke: --serial '%s' is not a hex serial", serial);
			return CLI_USAGE;
		}
		req.serial = serial_bytes;
	}
	if (ca_cert && !cert_sha256(ca_cert, fp, &err)) {
		cli_errorf("revoke: %s", err.msg);
		return CLI_USAGE;
	}
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	if (ca_cert)
		ok = revoke_ca_cert(s, fp, req.reason, req.has_at, req.at, false, &outcome, summary,
				    sizeof(summary), &err);
	else
		ok = revoke_leaf(s, &req, &outcome, summary, sizeof(summary), &err);
	store_close(s);
	if (!ok) {
		cli_errorf("revoke: %s", err.msg);
		cli_errorf("revoke: nothing was changed");
		return CLI_FAIL;
	}
	printf("%s\n", summary);
	return CLI_OK;
}
