/* cmd_ca.c - `lastleaf ca add` and `lastleaf ca list`: the registry of CA
 * keys and the CA certificates that certify them. A CA is a name plus one
 * key; a reissue or cross-certificate adds a certificate to the same CA. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catab.h"
#include "certfile.h"
#include "cli.h"
#include "hex.h"
#include "json.h"
#include "verify.h"
#include "x509util.h"

static const char ca_usage[] =
	"usage: lastleaf ca add [--name NAME] FILE...\n"
	"       lastleaf ca list [--format table|json]\n"
	"\n"
	"add   registers CA certificates (PEM or DER; a bundle may hold several).\n"
	"      Each signature is checked against its issuer when the issuer is\n"
	"      registered; self-signed roots are accepted. With --name, every\n"
	"      certificate must carry NAME's key (a reissue or cross-certificate);\n"
	"      without it a new key gets a name derived from its subject CN.\n"
	"list  shows every CA key with its certificates.\n";

/* "Mail CA G4" -> "mail-ca-g4" */
static void slug(const char *in, char *out, size_t len)
{
	size_t n = 0;
	bool dash = false;

	for (; *in && n + 1 < len; in++) {
		if (isalnum((unsigned char)*in)) {
			if (dash && n)
				out[n++] = '-';
			if (n + 1 < len)
				out[n++] = (char)tolower((unsigned char)*in);
			dash = false;
		} else {
			dash = true;
		}
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, len, "ca");
}

static bool name_taken(struct store *s, const char *name, struct ll_err *err, bool *taken)
{
	const char *p[1] = {name};
	PGresult *r = store_query(s, "SELECT 1 FROM ca_key WHERE name = $1", 1, p, err);

	if (!r)
		return false;
	*taken = PQntuples(r) > 0;
	PQclear(r);
	return true;
}

/* Finds or creates the ca_key row for f's key. Returns its id or -1. */
static int64_t upsert_key(struct store *s, const struct x509_fields *f, const char *want_name,
			  struct ll_err *err)
{
	uint8_t spki_h[32], ks1[20], ks256[32], ns1[20], ns256[32];
	char hexid[65], name[128], cn[128];
	const char *p[10];
	int lens[10], fmts[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
	PGresult *r;
	int64_t id;

	ll_sha256(f->spki.p, f->spki.len, spki_h);
	p[0] = (const char *)spki_h;
	lens[0] = 32;
	r = store_queryb(s, "SELECT id, name FROM ca_key WHERE spki_sha256 = $1", 1, p, lens,
			 fmts, err);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		if (want_name && !PQgetisnull(r, 0, 1) && strcmp(PQgetvalue(r, 0, 1), want_name) != 0) {
			ll_err_set(err, "this key is already registered as CA '%s', not '%s'",
				   PQgetvalue(r, 0, 1), want_name);
			PQclear(r);
			return -1;
		}
		if (want_name && PQgetisnull(r, 0, 1)) {
			const char *q[2];
			char idb[24];
			bool taken;

			PQclear(r);
			if (!name_taken(s, want_name, err, &taken))
				return -1;
			if (taken) {
				ll_err_set(err, "CA '%s' exists with a different key", want_name);
				return -1;
			}
			snprintf(idb, sizeof(idb), "%lld", (long long)id);
			q[0] = want_name;
			q[1] = idb;
			r = store_query(s, "UPDATE ca_key SET name = $1 WHERE id = $2", 2, q, err);
			if (!r)
				return -1;
		}
		PQclear(r);
		return id;
	}
	PQclear(r);
	if (want_name) {
		bool taken;

		if (!name_taken(s, want_name, err, &taken))
			return -1;
		if (taken) {
			ll_hex_encode(spki_h, 8, hexid);
			ll_err_set(err, "CA '%s' exists with a different key (this certificate's key "
					"is %s...); a CA has exactly one key",
				   want_name, hexid);
			return -1;
		}
		snprintf(name, sizeof(name), "%s", want_name);
	} else {
		int k;
		bool taken = true;

		ll_name_cn(f->subject.p, f->subject.len, cn, sizeof(cn));
		slug(cn, cn, sizeof(cn));
		for (k = 1; taken && k < 1000; k++) {
			if (k == 1)
				snprintf(name, sizeof(name), "%s", cn);
			else
				snprintf(name, sizeof(name), "%s-%d", cn, k);
			if (!name_taken(s, name, err, &taken))
				return -1;
		}
	}
	ll_sha1(f->pubkey.p, f->pubkey.len, ks1);
	ll_sha256(f->pubkey.p, f->pubkey.len, ks256);
	ll_sha1(f->subject.p, f->subject.len, ns1);
	ll_sha256(f->subject.p, f->subject.len, ns256);
	p[1] = (const char *)f->spki.p;
	lens[1] = (int)f->spki.len;
	p[2] = (const char *)f->subject.p;
	lens[2] = (int)f->subject.len;
	p[3] = f->ski.len ? (const char *)f->ski.p : NULL;
	lens[3] = (int)f->ski.len;
	p[4] = (const char *)ks1;
	lens[4] = 20;
	p[5] = (const char *)ks256;
	lens[5] = 32;
	p[6] = (const char *)ns1;
	lens[6] = 20;
	p[7] = (const char *)ns256;
	lens[7] = 32;
	p[8] = name;
	lens[8] = 0;
	fmts[8] = 0;
	r = store_queryb(s, "INSERT INTO ca_key(spki_sha256, spki, subject_der, ski, key_sha1, "
			    "key_sha256, name_sha1, name_sha256, name) "
			    "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
			 9, p, lens, fmts, err);
	if (!r)
		return -1;
	id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return id;
}

/* Finds the key that signed f among registered keys (or itself when self-
 * signed). Returns its id, 0 when the issuer is not registered, -1 on a
 * bad signature or error. */
static int64_t find_issuer(const struct catab *t, const struct x509_fields *f, int64_t self_id,
			   EVP_PKEY *self_key, bool *self_signed, struct ll_err *err)
{
	const struct catab_key *cand[16];
	size_t n, i;
	struct ll_err verr = {""};

	*self_signed = false;
	if (f->issuer.len == f->subject.len && memcmp(f->issuer.p, f->subject.p, f->issuer.len) == 0) {
		struct ll_verifier *v = ll_verifier_new(self_key, err);
		bool ok;

		if (!v)
			return -1;
		ok = ll_verifier_check(v, f, &verr);
		ll_verifier_free(v);
		if (ok) {
			*self_signed = true;
			return self_id;
		}
		/* same name, other key: a rekeyed CA signed by its predecessor */
	}
	n = catab_candidates(t, f, cand, 16);
	for (i = 0; i < n; i++) {
		struct ll_verifier *v = ll_verifier_new(cand[i]->pkey, err);
		bool ok;

		if (!v)
			return -1;
		ok = ll_verifier_check(v, f, &verr);
		ll_verifier_free(v);
		if (ok)
			return cand[i]->id;
	}
	if (n > 0) {
		ll_err_set(err, "signature does not verify against the registered issuer: %s",
			   verr.msg);
		return -1;
	}
	return 0;
}

static int ca_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	const char *want_name = NULL;
	struct store *s = NULL;
	struct catab *t = NULL;
	struct ll_err err;
	int c, i, added = 0, known = 0, rc = CLI_FAIL;
	size_t j;

	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c != 'n') {
			fputs(ca_usage, stderr);
			return CLI_USAGE;
		}
		want_name = optarg;
	}
	if (optind >= argc) {
		fputs(ca_usage, stderr);
		return CLI_USAGE;
	}
	if (want_name) {
		const char *q;
		for (q = want_name; *q; q++)
			if (!isalnum((unsigned char)*q) && !strchr("._-", *q)) {
				cli_errorf("ca add: --name '%s': use letters, digits, '.', '_' and '-'",
					   want_name);
				return CLI_USAGE;
			}
	}
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	if (!store_begin(s, &err) || !store_exec(s, "SELECT pg_advisory_xact_lock(1819017219)", &err))
		goto dberr;
	for (i = optind; i < argc; i++) {
		struct certfile cf;

		if (!certfile_load(argv[i], &cf, &err)) {
			cli_errorf("ca add: %s", err.msg);
			goto fail;
		}
		for (j = 0; j < cf.n; j++) {
			struct x509_fields f;
			uint8_t fp[32];
			char fphex[65], where[600], nb[32], na[32], args[1400];
			const char *p[16];
			int lens[16], fmts[16];
			int64_t kid, iid;
			bool self;
			EVP_PKEY *pk = NULL;
			PGresult *r;

			if (cf.certs[j].line)
				snprintf(where, sizeof(where), "%s:%d", argv[i], cf.certs[j].line);
			else
				snprintf(where, sizeof(where), "%s: certificate #%d", argv[i],
					 cf.certs[j].index);
			if (!x509_walk(cf.certs[j].der, cf.certs[j].len, &f, &err)) {
				cli_errorf("ca add: %s: %s", where, err.msg);
				certfile_free(&cf);
				goto fail;
			}
			if (!f.has_basic_constraints || !f.is_ca) {
				cli_errorf("ca add: %s: not a CA certificate (basicConstraints cA is not "
					   "set); import leaves with `lastleaf import`",
					   where);
				certfile_free(&cf);
				goto fail;
			}
			ll_sha256(f.cert.p, f.cert.len, fp);
			ll_hex_encode(fp, 32, fphex);
			/* the registry is reloaded per certificate: an earlier one in
			 * the same bundle may be this one's issuer */
			catab_free(t);
			t = catab_load(s, &err);
			if (!t)
				goto dberr;
			kid = upsert_key(s, &f, want_name, &err);
			if (kid < 0) {
				cli_errorf("ca add: %s: %s", where, err.msg);
				certfile_free(&cf);
				goto fail;
			}
			pk = ll_pkey_from_spki(f.spki.p, f.spki.len, &err);
			if (!pk) {
				cli_errorf("ca add: %s: %s", where, err.msg);
				certfile_free(&cf);
				goto fail;
			}
			iid = find_issuer(t, &f, kid, pk, &self, &err);
			EVP_PKEY_free(pk);
			if (iid < 0) {
				cli_errorf("ca add: %s: %s", where, err.msg);
				certfile_free(&cf);
				goto fail;
			}
			if (iid == 0)
				fprintf(stderr, "lastleaf: ca add: %s: warning: issuer not registered; "
						"signature not checked yet (it is linked when the issuer is added)\n",
					where);
			{
				char kidb[24], iidb[24];
				uint8_t ns1[20], ns256[32];

				snprintf(kidb, sizeof(kidb), "%lld", (long long)kid);
				snprintf(iidb, sizeof(iidb), "%lld", (long long)iid);
				ll_sha1(f.subject.p, f.subject.len, ns1);
				ll_sha256(f.subject.p, f.subject.len, ns256);
				memset(fmts, 0, sizeof(fmts));
				memset(lens, 0, sizeof(lens));
				p[0] = kidb;
				p[1] = iid ? iidb : NULL;
				p[2] = (const char *)fp; lens[2] = 32; fmts[2] = 1;
				p[3] = (const char *)f.serial.p; lens[3] = (int)f.serial.len; fmts[3] = 1;
				p[4] = (const char *)f.subject.p; lens[4] = (int)f.subject.len; fmts[4] = 1;
				p[5] = (const char *)f.issuer.p; lens[5] = (int)f.issuer.len; fmts[5] = 1;
				p[6] = f.aki.len ? (const char *)f.aki.p : NULL; lens[6] = (int)f.aki.len; fmts[6] = 1;
				p[7] = (const char *)ns1; lens[7] = 20; fmts[7] = 1;
				p[8] = (const char *)ns256; lens[8] = 32; fmts[8] = 1;
				p[9] = ll_time_format_rfc3339(f.not_before, nb);
				p[10] = ll_time_format_rfc3339(f.not_after, na);
				p[11] = self ? "t" : "f";
				p[12] = f.eku_ocsp_signing ? "t" : "f";
				p[13] = (const char *)f.cert.p; lens[13] = (int)f.cert.len; fmts[13] = 1;
				r = store_queryb(s,
					"INSERT INTO ca_cert(key_id, issuer_key_id, sha256, serial, subject_der, "
					"issuer_der, aki, name_sha1, name_sha256, not_before, not_after, "
					"self_signed, ocsp_signing_eku, der) VALUES "
					"($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) "
					"ON CONFLICT (sha256) DO NOTHING RETURNING id",
					14, p, lens, fmts, &err);
				if (!r)
					goto dberr_cf;
				if (PQntuples(r) == 0) {
					known++;
					printf("%s  already registered\n", fphex);
					PQclear(r);
					continue;
				}
				PQclear(r);
				/* link certificates that were added before this issuer */
				r = store_queryb(s, "SELECT id, der FROM ca_cert WHERE issuer_key_id IS NULL "
						    "AND issuer_der = $1 AND id <> (SELECT id FROM ca_cert WHERE sha256 = $2)",
						 2, (const char *[]){(const char *)f.subject.p, (const char *)fp},
						 (int[]){(int)f.subject.len, 32}, (int[]){1, 1}, &err);
				if (!r)
					goto dberr_cf;
				for (int k = 0; k < PQntuples(r); k++) {
					size_t dl = strlen(PQgetvalue(r, k, 1)) / 2;
					uint8_t *d = malloc(dl + 1);
					struct x509_fields cf2;
					struct ll_verifier *v;
					EVP_PKEY *ik = ll_pkey_from_spki(f.spki.p, f.spki.len, &err);

					if (d && ik && store_parse_bytea(PQgetvalue(r, k, 1), d, dl + 1, &dl) &&
					    x509_walk(d, dl, &cf2, &err) && (v = ll_verifier_new(ik, &err))) {
						if (ll_verifier_check(v, &cf2, &err)) {
							PGresult *u = store_query(s,
								"UPDATE ca_cert SET issuer_key_id = $1 WHERE id = $2", 2,
								(const char *[]){kidb, PQgetvalue(r, k, 0)}, &err);
							PQclear(u);
						}
						ll_verifier_free(v);
					}
					EVP_PKEY_free(ik);
					free(d);
				}
				PQclear(r);
			}
			{
				struct json_out jo;
				char cn[256];

				json_init(&jo);
				json_obj_begin(&jo);
				json_kv_str(&jo, "file", argv[i]);
				json_kv_str(&jo, "sha256", fphex);
				ll_name_text(f.subject.p, f.subject.len, cn, sizeof(cn));
				json_kv_str(&jo, "subject", cn);
				json_kv_str(&jo, "name", want_name ? want_name : "");
				json_obj_end(&jo);
				snprintf(args, sizeof(args), "%s", json_str(&jo));
				json_free(&jo);
				if (!store_audit(s, "ca.add", args, NULL, &err))
					goto dberr_cf;
				printf("%s  added  %s\n", fphex, cn);
			}
			added++;
			continue;
dberr_cf:
			certfile_free(&cf);
			goto dberr;
		}
		certfile_free(&cf);
	}
	if (!store_commit(s, &err))
		goto dberr;
	printf("added %d, already registered %d\n", added, known);
	rc = CLI_OK;
	goto out;
dberr:
	cli_errorf("ca add: %s", err.msg);
fail:
	store_rollback(s);
	fprintf(stderr, "lastleaf: ca add: nothing was registered\n");
out:
	catab_free(t);
	store_close(s);
	return rc;
}

static int ca_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const char *format = "table";
	struct store *s;
	struct ll_err err;
	PGresult *r;
	int c, i;

	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (c != 'f') {
			fputs(ca_usage, stderr);
			return CLI_USAGE;
		}
		format = optarg;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
		cli_errorf("ca list: --format must be table or json");
		return CLI_USAGE;
	}
	s = cli_open_store(ctx, true);
	if (!s)
		return CLI_FAIL;
	r = store_query(s,
		"SELECT k.name, encode(k.spki_sha256,'hex'), encode(c.sha256,'hex'), "
		"encode(c.serial,'hex'), c.subject_der, c.issuer_der, "
		"to_char(c.not_before,'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
		"to_char(c.not_after,'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), c.self_signed, "
		"coalesce(ik.name, ''), "
		"to_char(c.revoked_at,'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), c.revocation_reason, "
		"(SELECT count(*) FROM leaf l WHERE l.issuer_key_id = k.id) "
		"FROM ca_cert c JOIN ca_key k ON k.id = c.key_id "
		"LEFT JOIN ca_key ik ON ik.id = c.issuer_key_id "
		"ORDER BY k.name, c.not_before, c.sha256",
		0, NULL, &err);
	if (!r) {
		cli_errorf("ca list: %s", err.msg);
		store_close(s);
		return CLI_FAIL;
	}
	if (strcmp(format, "json") == 0) {
		struct json_out jo;

		json_init(&jo);
		json_arr_begin(&jo);
		for (i = 0; i < PQntuples(r); i++) {
			uint8_t der[4096];
			size_t dl;
			char subj[512];

			json_obj_begin(&jo);
			json_kv_str(&jo, "name", PQgetvalue(r, i, 0));
			json_kv_str(&jo, "key_sha256", PQgetvalue(r, i, 1));
			json_kv_str(&jo, "sha256", PQgetvalue(r, i, 2));
			json_kv_str(&jo, "serial", PQgetvalue(r, i, 3));
			subj[0] = '\0';
			if (store_parse_bytea(PQgetvalue(r, i, 4), der, sizeof(der), &dl))
				ll_name_text(der, dl, subj, sizeof(subj));
			json_kv_str(&jo, "subject", subj);
			subj[0] = '\0';
			if (store_parse_bytea(PQgetvalue(r, i, 5), der, sizeof(der), &dl))
				ll_name_text(der, dl, subj, sizeof(subj));
			json_kv_str(&jo, "issuer", subj);
			json_kv_str(&jo, "issuer_name", PQgetisnull(r, i, 9) ? NULL : PQgetvalue(r, i, 9));
			json_kv_str(&jo, "not_before", PQgetvalue(r, i, 6));
			json_kv_str(&jo, "not_after", PQgetvalue(r, i, 7));
			json_kv_bool(&jo, "self_signed", strcmp(PQgetvalue(r, i, 8), "t") == 0);
			json_kv_str(&jo, "revoked_at", PQgetisnull(r, i, 10) ? NULL : PQgetvalue(r, i, 10));
			json_kv_int(&jo, "leaves", strtoll(PQgetvalue(r, i, 12), NULL, 10));
			json_obj_end(&jo);
		}
		json_arr_end(&jo);
		printf("%s\n", json_str(&jo));
		json_free(&jo);
	} else {
		printf("%-16s %-16s %-20s %-20s %-10s %8s  %s\n", "NAME", "CERT SHA256", "NOT BEFORE",
		       "NOT AFTER", "STATUS", "LEAVES", "SUBJECT");
		for (i = 0; i < PQntuples(r); i++) {
			uint8_t der[4096];
			size_t dl;
			char subj[512] = "";

			if (store_parse_bytea(PQgetvalue(r, i, 4), der, sizeof(der), &dl))
				ll_name_text(der, dl, subj, sizeof(subj));
			printf("%-16s %-16.16s %-20s %-20s %-10s %8s  %s\n", PQgetvalue(r, i, 0),
			       PQgetvalue(r, i, 2), PQgetvalue(r, i, 6), PQgetvalue(r, i, 7),
			       !PQgetisnull(r, i, 10) ? "revoked"
			       : strcmp(PQgetvalue(r, i, 8), "t") == 0 ? "root" : "active",
			       PQgetvalue(r, i, 12), subj);
		}
	}
	PQclear(r);
	store_close(s);
	return CLI_OK;
}

int cmd_ca(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(ca_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (cli_wants_help(argc - 1, argv + 1, ca_usage))
		return CLI_OK;
	if (strcmp(argv[1], "add") == 0)
		return ca_add(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return ca_list(ctx, argc - 1, argv + 1);
	cli_errorf("ca: unknown subcommand '%s'", argv[1]);
	fputs(ca_usage, stderr);
	return CLI_USAGE;
}
