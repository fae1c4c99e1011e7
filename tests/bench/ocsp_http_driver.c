/* ocsp_http_driver.c - serves one pre-signed OCSP response with
 * ocsp_http, for throughput checks against nginx (docs/ocsp-http.md).
 * Not built by CMake; build by hand against a build tree:
 *
 *   cc -O2 -D_GNU_SOURCE -I ocsp -I common tests/bench/ocsp_http_driver.c \
 *      BUILD/libll_ocsp.a BUILD/libll_common.a -levent -lcrypto -lpthread \
 *      -o /tmp/ocsp_http_driver
 *   /tmp/ocsp_http_driver PORT THREADS OUTDIR
 *
 * It makes a P-256 CA and a SHA-1-CertID "good" response signed with
 * OpenSSL (no certs: the size of a typical CA-signed response), writes
 * OUTDIR/resp.der (for nginx to serve the same bytes) and OUTDIR/get.url
 * (the GET path), listens on 127.0.0.1:PORT and runs until SIGINT/
 * SIGTERM, then prints the responder's metrics. */
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ocsp.h"
#include "ocsp_http.h"
#include "ocsp_table.h"

static void die(const char *what)
{
	fprintf(stderr, "driver: %s failed\n", what);
	exit(1);
}

static X509 *mkcert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, long serial,
		    bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	if (!x || !n || !X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -86400) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) || !X509_set_pubkey(x, key) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_subject_name(x, n) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n))
		die("cert");
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (!e || !X509_add_ext(x, e, -1))
		die("ext");
	X509_EXTENSION_free(e);
	if (X509_sign(x, signer, EVP_sha256()) <= 0)
		die("sign");
	X509_NAME_free(n);
	return x;
}

int main(int argc, char **argv)
{
	static const char *lst[1];
	char addr[64], path[512];
	EVP_PKEY *cakey, *leafkey;
	X509 *ca, *leaf;
	OCSP_CERTID *id;
	OCSP_BASICRESP *bs;
	OCSP_RESPONSE *resp;
	OCSP_REQUEST *rq;
	ASN1_TIME *t1, *t2;
	ASN1_OCTET_STRING *kh;
	ASN1_INTEGER *sn;
	uint8_t *der = NULL, *rqder = NULL, *sder = NULL, *cader = NULL;
	unsigned char enc[1024];
	int len, rqlen, slen, calen;
	struct ocsp_table *t;
	struct ocsp_issuer_ids ids;
	struct ocsp_http_cfg cfg;
	struct ocsp_http *h;
	struct ll_err err;
	const struct ocsp_http_metrics *m;
	sigset_t set;
	int sig;
	ll_time now = ll_now();
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: %s PORT THREADS OUTDIR\n", argv[0]);
		return 2;
	}
	cakey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	leafkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!cakey || !leafkey)
		die("keygen");
	ca = mkcert(cakey, cakey, NULL, "Bench CA", 1, true);
	leaf = mkcert(leafkey, cakey, ca, "leaf", 0x4242424242424242L, false);
	id = OCSP_cert_to_id(EVP_sha1(), leaf, ca);
	bs = OCSP_BASICRESP_new();
	t1 = ASN1_GENERALIZEDTIME_set(NULL, now - 60);
	t2 = ASN1_GENERALIZEDTIME_set(NULL, now + 4 * 86400);
	if (!id || !bs || !OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, -1, NULL, t1, t2) ||
	    !OCSP_basic_sign(bs, ca, cakey, EVP_sha256(), NULL, OCSP_NOCERTS | OCSP_RESPID_KEY))
		die("OCSP_basic_sign");
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	len = i2d_OCSP_RESPONSE(resp, &der);
	rq = OCSP_REQUEST_new();
	if (len <= 0 || !rq || !OCSP_request_add0_id(rq, OCSP_CERTID_dup(id)))
		die("request");
	rqlen = i2d_OCSP_REQUEST(rq, &rqder);
	OCSP_id_get0_info(NULL, NULL, &kh, &sn, id);
	slen = i2d_ASN1_INTEGER(sn, &sder);
	calen = i2d_X509(ca, &cader);
	if (rqlen <= 0 || slen <= 2 || calen <= 0)
		die("encode");

	t = ocsp_table_new(16);
	if (!t || !ocsp_issuer_ids_from_cert(cader, (size_t)calen, &ids, &err) ||
	    !ocsp_table_add_issuer(t, &ids, 1) ||
	    !ocsp_table_put(t, OCSP_HASH_SHA1, ASN1_STRING_get0_data(kh), sder + 2, (size_t)sder[1],
			    der, (size_t)len, now - 60, now + 4 * 86400))
		die("table");

	snprintf(path, sizeof(path), "%s/resp.der", argv[3]);
	f = fopen(path, "wb");
	if (!f || fwrite(der, 1, (size_t)len, f) != (size_t)len)
		die("write resp.der");
	fclose(f);
	EVP_EncodeBlock(enc, rqder, rqlen);
	snprintf(path, sizeof(path), "%s/get.url", argv[3]);
	f = fopen(path, "w");
	if (!f)
		die("write get.url");
	fprintf(f, "/%s\n", enc);
	fclose(f);

	snprintf(addr, sizeof(addr), "127.0.0.1:%s", argv[1]);
	lst[0] = addr;
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen = lst;
	cfg.nlisten = 1;
	cfg.threads = atoi(argv[2]);
	cfg.path_prefix = "/";
	cfg.timeout_secs = 30;
	cfg.max_connections = 10000;
	h = ocsp_http_new(&cfg, t, NULL, NULL, &err);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* workers inherit the mask */
	if (!h || !ocsp_http_start(h, &err)) {
		fprintf(stderr, "driver: %s\n", err.msg);
		return 1;
	}
	printf("listening on 127.0.0.1:%d, response %d bytes\n", ocsp_http_port(h, 0), len);
	fflush(stdout);
	sigwait(&set, &sig);
	ocsp_http_stop(h, 1);
	m = ocsp_http_metrics(h);
	printf("ok %llu malformed %llu unauthorized %llu http_errors %llu; latency <100us %llu "
	       "<250us %llu <500us %llu >=500us %llu\n",
	       m->ok, m->malformed, m->unauthorized, m->http_errors, m->latency_bucket[0],
	       m->latency_bucket[1], m->latency_bucket[2],
	       m->latency_bucket[3] + m->latency_bucket[4] + m->latency_bucket[5] +
		       m->latency_bucket[6] + m->latency_bucket[7]);
	ocsp_http_free(h);
	ocsp_table_free(t);
	return 0;
}
