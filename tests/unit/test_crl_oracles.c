/* test_crl_oracles.c - CRLs from crl_build checked by three independent
 * implementations: OpenSSL's `openssl crl -verify` (judged by its
 * "verify OK" text, since it exits 0 on a bad signature), GnuTLS
 * `certtool --crl-info` / `--verify-crl`, and Python cryptography
 * (/usr/bin/python3: signature, number, times, IDP, AKI, every entry's
 * serial, date and reason). P-256 and RSA issuers; subscriber, CA,
 * partitioned and empty CRLs. The tools are installed on the build
 * image; a missing tool is a failure, not a skip. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crlgen.h"
#include "tap.h"
#include "test_crl_helpers.h"

struct oracle_dir {
	char path[64];
};

static const char python_crl[] =
	"import sys\n"
	"from cryptography import x509\n"
	"crl = x509.load_der_x509_crl(open(sys.argv[1], 'rb').read())\n"
	"ca = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())\n"
	"print('sig', crl.is_signature_valid(ca.public_key()))\n"
	"print('number', crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)\n"
	"print('this', crl.last_update.strftime('%Y%m%d%H%M%S'))\n"
	"print('next', crl.next_update.strftime('%Y%m%d%H%M%S'))\n"
	"aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)\n"
	"print('aki', aki.critical, aki.value.key_identifier.hex(), aki.value.authority_cert_issuer)\n"
	"try:\n"
	"    e = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint)\n"
	"    v = e.value\n"
	"    print('idp', e.critical, v.full_name[0].value, v.only_contains_user_certs,\n"
	"          v.only_contains_ca_certs)\n"
	"except x509.ExtensionNotFound:\n"
	"    print('idp none')\n"
	"print('extensions', len(crl.extensions))\n"
	"for r in crl:\n"
	"    try:\n"
	"        reason = r.extensions.get_extension_for_class(x509.CRLReason).value.reason.name\n"
	"    except x509.ExtensionNotFound:\n"
	"        reason = 'none'\n"
	"    print('entry', format(r.serial_number, 'x'), r.revocation_date.strftime('%Y%m%d%H%M%S'),\n"
	"          reason, len(r.extensions))\n";

/* Runs cmd with stderr folded in; returns its output (malloc'ed). */
static char *run(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	size_t cap = 4096, len = 0, n;
	char *out = malloc(cap);

	if (!p || !out) {
		*status = -1;
		free(out);
		if (p)
			pclose(p);
		return strdup("");
	}
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 1024) {
			cap *= 2;
			out = realloc(out, cap);
		}
	}
	out[len] = '\0';
	*status = pclose(p);
	return out;
}

static bool has_line(const char *out, const char *line)
{
	size_t n = strlen(line);
	const char *p = out;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0' || p[n] == '\r'))
			return true;
		p += n;
	}
	return false;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "cannot write %s\n", path);
		abort();
	}
	fclose(f);
}

/* PEM written here from the exact DER, so the oracles see our bytes. */
static void write_pem(const char *path, const char *label, const uint8_t *der, size_t len)
{
	unsigned char *b64 = malloc(len / 3 * 4 + 8);
	FILE *f = fopen(path, "w");
	int n = EVP_EncodeBlock(b64, der, (int)len), i;

	if (!f)
		abort();
	fprintf(f, "-----BEGIN %s-----\n", label);
	for (i = 0; i < n; i += 64)
		fprintf(f, "%.*s\n", n - i < 64 ? n - i : 64, b64 + i);
	fprintf(f, "-----END %s-----\n", label);
	fclose(f);
	free(b64);
}

static void fmt_time(ll_time t, char *out)
{
	char rfc[LL_TIME_RFC3339_LEN];

	ll_time_format_rfc3339(t, rfc);
	/* YYYY-MM-DDTHH:MM:SSZ -> YYYYMMDDHHMMSS */
	snprintf(out, 16, "%.4s%.2s%.2s%.2s%.2s%.2s", rfc, rfc + 5, rfc + 8, rfc + 11, rfc + 14,
		 rfc + 17);
}

static const char *py_reason(int r)
{
	switch (r) {
	case CRL_REASON_KEY_COMPROMISE: return "key_compromise";
	case CRL_REASON_AFFILIATION_CHANGED: return "affiliation_changed";
	case CRL_REASON_SUPERSEDED: return "superseded";
	case CRL_REASON_CESSATION: return "cessation_of_operation";
	case CRL_REASON_PRIVILEGE_WITHDRAWN: return "privilege_withdrawn";
	default: return "none";
	}
}

/* What the Python reader must print for p (entries already sorted). */
static void python_expected(const struct crl_params *p, const struct tc_ca *ca, char *out,
			    size_t cap)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca->x);
	char t1[16], t2[16], skihex[80], serial[96];
	size_t used, i, j;
	uint64_t n = 0;

	crl_number_to_u64(p->number, p->number_len, &n);
	fmt_time(p->this_update, t1);
	fmt_time(p->next_update, t2);
	tc_hex(ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski), skihex);
	used = (size_t)snprintf(out, cap, "sig True\nnumber %llu\nthis %s\nnext %s\naki False %s None\n",
				(unsigned long long)n, t1, t2, skihex);
	if (p->partition)
		used += (size_t)snprintf(out + used, cap - used, "idp True %s %s %s\n", p->partition->uri,
					 p->partition->only_user ? "True" : "False",
					 p->partition->only_ca ? "True" : "False");
	else
		used += (size_t)snprintf(out + used, cap - used, "idp none\n");
	used += (size_t)snprintf(out + used, cap - used, "extensions %d\n", p->partition ? 3 : 2);
	for (i = 0; i < p->nentries; i++) {
		const struct crl_entry *e = &p->entries[i];
		int nexts = e->reason >= 1 ? 1 : 0;

		/* Python prints the serial's value in hex, no leading zeros. */
		tc_hex(e->serial, e->serial_len, serial);
		for (j = 0; serial[j] == '0' && serial[j + 1]; j++)
			;
		fmt_time(e->revoked_at, t1);
		used += (size_t)snprintf(out + used, cap - used, "entry %s %s %s %d\n", serial + j, t1,
					 py_reason(e->reason), nexts);
	}
}

static void check_case(const struct oracle_dir *dir, const struct tc_ca *ca,
		       const struct crl_params *p, const char *name)
{
	char crl_der[256], crl_pem[256], ca_pem[256], py[256], cmd[1400], want[4096], line[128];
	struct crl_violations v;
	struct ll_buf out;
	struct ll_err err;
	char *o;
	int st;

	snprintf(crl_der, sizeof(crl_der), "%s/%s.der", dir->path, name);
	snprintf(crl_pem, sizeof(crl_pem), "%s/%s.pem", dir->path, name);
	snprintf(ca_pem, sizeof(ca_pem), "%s/%s-ca.pem", dir->path, name);
	snprintf(py, sizeof(py), "%s/crl.py", dir->path);
	ll_buf_init(&out, 0);
	if (!crl_build(p, &out, &v, &err)) {
		CHECK_MSG(false, "%s: crl_build: %s", name, err.msg);
		ll_buf_free(&out);
		return;
	}
	write_file(crl_der, out.data, out.len);
	write_pem(crl_pem, "X509 CRL", out.data, out.len);
	write_pem(ca_pem, "CERTIFICATE", ca->der, ca->len);

	/* OpenSSL: exit 0 proves nothing; the text must say "verify OK". */
	snprintf(cmd, sizeof(cmd), "openssl crl -in '%s' -inform DER -CAfile '%s' -noout -verify 2>&1",
		 crl_der, ca_pem);
	o = run(cmd, &st);
	CHECK_MSG(has_line(o, "verify OK"), "%s: openssl crl -verify: %s", name, o);
	free(o);
	snprintf(cmd, sizeof(cmd), "openssl crl -in '%s' -inform DER -noout -text 2>&1", crl_der);
	o = run(cmd, &st);
	CHECK_MSG(st == 0 && strstr(o, "Version 2 (0x1)"), "%s: openssl crl -text: %s", name, o);
	{
		size_t count = 0;
		const char *q = o;

		while ((q = strstr(q, "Serial Number:")) != NULL) {
			count++;
			q++;
		}
		CHECK_MSG(count == p->nentries, "%s: openssl lists %zu entries, want %zu", name, count,
			  p->nentries);
	}
	free(o);

	/* GnuTLS. */
	snprintf(cmd, sizeof(cmd), "certtool --crl-info --inder --infile '%s' 2>&1", crl_der);
	o = run(cmd, &st);
	CHECK_MSG(st == 0 && strstr(o, "Version: 2") && strstr(o, "CRL Number (not critical)") &&
			  strstr(o, "Authority Key Identifier (not critical)"),
		  "%s: certtool --crl-info: %s", name, o);
	if (p->nentries) {
		snprintf(line, sizeof(line), "Revoked certificates (%zu):", p->nentries);
		CHECK_MSG(strstr(o, line) != NULL, "%s: certtool: want \"%s\" in %s", name, line, o);
	} else {
		CHECK_MSG(strstr(o, "No revoked certificates.") != NULL, "%s: certtool: %s", name, o);
	}
	if (p->partition)
		CHECK_MSG(strstr(o, "Issuing Distribution Point (critical)") ||
				  strstr(o, "2.5.29.28 (critical)"),
			  "%s: certtool shows no critical IDP: %s", name, o);
	free(o);
	snprintf(cmd, sizeof(cmd),
		 "certtool --verify-crl --load-ca-certificate '%s' --infile '%s' 2>&1", ca_pem,
		 crl_pem);
	o = run(cmd, &st);
	CHECK_MSG(st == 0 && strstr(o, "Verification output: Verified."),
		  "%s: certtool --verify-crl: %s", name, o);
	free(o);

	/* Python cryptography, field by field. */
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s' '%s' 2>&1", py, crl_der, ca_pem);
	o = run(cmd, &st);
	python_expected(p, ca, want, sizeof(want));
	CHECK_MSG(st == 0 && strcmp(o, want) == 0, "%s: python cryptography:\n%s\nwant:\n%s", name,
		  o, want);
	free(o);

	/* The trap itself: a damaged signature must not say "verify OK". */
	out.data[out.len - 5] ^= 0x01;
	write_file(crl_der, out.data, out.len);
	write_pem(crl_pem, "X509 CRL", out.data, out.len);
	snprintf(cmd, sizeof(cmd), "openssl crl -in '%s' -inform DER -CAfile '%s' -noout -verify 2>&1",
		 crl_der, ca_pem);
	o = run(cmd, &st);
	CHECK_MSG(!has_line(o, "verify OK"), "%s: openssl accepted a damaged signature: %s", name, o);
	free(o);
	snprintf(cmd, sizeof(cmd),
		 "certtool --verify-crl --load-ca-certificate '%s' --infile '%s' 2>&1", ca_pem,
		 crl_pem);
	o = run(cmd, &st);
	CHECK_MSG(!strstr(o, "Verification output: Verified."),
		  "%s: certtool accepted a damaged signature: %s", name, o);
	free(o);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s' '%s' 2>&1 | head -1", py, crl_der,
		 ca_pem);
	o = run(cmd, &st);
	CHECK_MSG(strcmp(o, "sig False\n") == 0, "%s: python accepted a damaged signature: %s", name,
		  o);
	free(o);
	ll_buf_free(&out);
}

static bool tools_present(void)
{
	int st;
	char *o = run("command -v openssl && command -v certtool && "
		      "/usr/bin/python3 -c 'import cryptography' && echo tools-ok", &st);
	bool ok = strstr(o, "tools-ok") != NULL;

	if (!ok)
		fprintf(stderr, "oracle tools missing (need openssl, certtool from gnutls-bin, "
				"python3-cryptography): %s\n", o);
	free(o);
	return ok;
}

static void run_issuer(const struct oracle_dir *dir, const char *type)
{
	static const struct crl_partition user = {"http://crl.example.test/shard-3.crl", true, false};
	static const struct crl_partition cap = {"http://crl.example.test/ca.crl", false, true};
	/* In serial order already, so the expected listing is this order. */
	static const uint8_t s1[] = {0x05}, s2[] = {0x00, 0x80, 0x01},
			     s3[] = {0x4a, 0x3b, 0x2c, 0x1d, 0x0e, 0xff, 0xee, 0xdd,
				     0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55},
			     s4[] = {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
	struct crl_entry sub[4], ca_e[2];
	struct crl_params p;
	struct tc_ca ca;
	ll_time now = ll_now();
	char name[64];

	tc_ca_make(&ca, type);
	sub[0] = (struct crl_entry){.serial = s1, .serial_len = sizeof(s1),
				    .revoked_at = now - 7200, .reason = CRL_REASON_KEY_COMPROMISE};
	sub[1] = (struct crl_entry){.serial = s2, .serial_len = sizeof(s2),
				    .revoked_at = now - 86400, .reason = CRL_REASON_NONE};
	sub[2] = (struct crl_entry){.serial = s3, .serial_len = sizeof(s3), .revoked_at = now - 600,
				    .reason = CRL_REASON_PRIVILEGE_WITHDRAWN};
	sub[3] = (struct crl_entry){.serial = s4, .serial_len = sizeof(s4),
				    .revoked_at = now - 3600, .reason = CRL_REASON_SUPERSEDED};
	ca_e[0] = (struct crl_entry){.serial = s1, .serial_len = sizeof(s1),
				     .revoked_at = now - 7200,
				     .reason = CRL_REASON_CESSATION, .is_ca = true};
	ca_e[1] = (struct crl_entry){.serial = s3, .serial_len = sizeof(s3), .revoked_at = now - 60,
				     .reason = CRL_REASON_KEY_COMPROMISE, .is_ca = true};

	/* Times around the real clock: certtool judges them against now. */
	tc_params(&p, &ca);
	p.this_update = now - 60;
	p.next_update = p.this_update + 7 * 86400;
	p.now = now;
	p.number_len = crl_number_from_u64(4242, p.number);
	p.entries = sub;
	p.nentries = 4;
	snprintf(name, sizeof(name), "%s-subscriber", type);
	check_case(dir, &ca, &p, name);

	p.partition = &user;
	snprintf(name, sizeof(name), "%s-partition", type);
	check_case(dir, &ca, &p, name);

	p.nentries = 0;
	snprintf(name, sizeof(name), "%s-empty-partition", type);
	check_case(dir, &ca, &p, name);

	p.partition = &cap;
	p.profile = CRL_PROFILE_CA;
	p.next_update = p.this_update + 300 * 86400;
	p.entries = ca_e;
	p.nentries = 2;
	snprintf(name, sizeof(name), "%s-ca-partition", type);
	check_case(dir, &ca, &p, name);
	p.partition = NULL;
	snprintf(name, sizeof(name), "%s-ca", type);
	check_case(dir, &ca, &p, name);
	tc_ca_free(&ca);
}

int main(void)
{
	struct oracle_dir dir;
	char py[128], cmd[256];
	int st;

	CHECK_MSG(tools_present(), "the oracle tools must be installed");
	snprintf(dir.path, sizeof(dir.path), "/tmp/ll-crl-oracles-XXXXXX");
	if (!mkdtemp(dir.path)) {
		CHECK_MSG(false, "mkdtemp");
		return tap_done();
	}
	snprintf(py, sizeof(py), "%s/crl.py", dir.path);
	write_file(py, python_crl, strlen(python_crl));
	run_issuer(&dir, "P-256");
	run_issuer(&dir, "RSA");
	if (tap_fail == 0 && !getenv("LL_CRL_ORACLE_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir.path);
		free(run(cmd, &st));
	} else {
		printf("# oracle files kept in %s\n", dir.path);
	}
	return tap_done();
}
