/* test_pem.c - pem_next: decoding against OpenSSL's base64 for random
 * data and line layouts, text around blocks (openssl x509 -text style),
 * CRLF, indentation, RFC 1421 headers, each error message with its line
 * number and recovery after it, and a throughput figure. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pem.h"
#include "tap.h"

/* xorshift64: deterministic test data */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Appends a PEM block for data with `width` characters per line (0: one
 * line) and `eol` line endings. */
static void put_pem(struct ll_buf *b, const char *label, const uint8_t *data, size_t len,
		    size_t width, const char *eol)
{
	char *enc = malloc(len / 3 * 4 + 8);
	size_t n = (size_t)EVP_EncodeBlock((unsigned char *)enc, data, (int)len), i;

	if (!ll_buf_printf(b, "-----BEGIN %s-----%s", label, eol))
		abort();
	for (i = 0; i < n; i += width ? width : n) {
		size_t w = width && n - i > width ? width : n - i;

		if (!ll_buf_append(b, enc + i, w) || !ll_buf_printf(b, "%s", eol))
			abort();
	}
	if (!ll_buf_printf(b, "-----END %s-----%s", label, eol))
		abort();
	free(enc);
}

struct block {
	enum pem_result r;
	const char *label;
	int line;
	char err[200];
	uint8_t data[4096];
	size_t len;
};

/* Runs pem_next over text (copied to an exact-size heap buffer) and
 * collects up to max results, stopping at PEM_END. */
static int run(const char *text, size_t len, struct block *out, int max)
{
	char *copy = malloc(len ? len : 1);
	struct pem_iter it;
	struct ll_buf buf;
	int n = 0;

	memcpy(copy, text, len);
	ll_buf_init(&buf, 0);
	pem_iter_init(&it, copy, len);
	while (n < max) {
		struct ll_err err = {""};
		const char *label = NULL;
		int line = 0;
		enum pem_result r = pem_next(&it, &label, &buf, &line, &err);

		if (r == PEM_END)
			break;
		out[n].r = r;
		out[n].label = label;
		out[n].line = line;
		snprintf(out[n].err, sizeof(out[n].err), "%s", err.msg);
		out[n].len = buf.len < sizeof(out[n].data) ? buf.len : sizeof(out[n].data);
		if (buf.len)
			memcpy(out[n].data, buf.data, out[n].len);
		n++;
	}
	ll_buf_free(&buf);
	free(copy);
	return n;
}

static int run_str(const char *text, struct block *out, int max)
{
	return run(text, strlen(text), out, max);
}

static void test_roundtrip(void)
{
	static const size_t widths[] = {64, 76, 4, 1, 7, 0, 1000};
	static const char *const eols[] = {"\n", "\r\n", " \t\n"};
	int iter;

	for (iter = 0; iter < 300; iter++) {
		uint8_t data[1500];
		size_t len = rng() % sizeof(data), i;
		size_t width = widths[iter % 7];
		const char *eol = eols[iter % 3];
		struct ll_buf b;
		struct block *blk = malloc(sizeof(*blk) * 2);
		int n;

		for (i = 0; i < len; i++)
			data[i] = (uint8_t)rng();
		ll_buf_init(&b, 0);
		if (!ll_buf_printf(&b, "text before\nmore: text\n"))
			abort();
		put_pem(&b, "CERTIFICATE", data, len, width, eol);
		if (iter % 2 && !ll_buf_printf(&b, "trailing text without newline"))
			abort();
		n = run((const char *)b.data, b.len, blk, 2);
		CHECK_MSG(n == 1 && blk[0].r == PEM_OK && blk[0].len == len &&
				  memcmp(blk[0].data, data, len) == 0 &&
				  strcmp(blk[0].label, "CERTIFICATE") == 0 && blk[0].line == 3,
			  "roundtrip len %zu width %zu: n=%d %s", len, width, n, n ? blk[0].err : "");
		free(blk);
		ll_buf_free(&b);
	}
}

static void test_layout(void)
{
	struct block blk[8];
	int n;

	/* openssl x509 -text style: text, block, text, block; labels. */
	n = run_str("Certificate:\n    Data:\n        Version: 3 (0x2)\n"
		    "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n"
		    "some text -----BEGIN CERTIFICATE----- in a line\n"
		    "\n"
		    "  -----BEGIN X509 CRL-----\r\n  AwQF\r\n  -----END X509 CRL-----  \r\n"
		    "-----BEGIN FANCY THING-----\nBg==\n-----END FANCY THING-----",
		    blk, 8);
	CHECK(n == 3);
	CHECK(blk[0].r == PEM_OK && blk[0].line == 4 && blk[0].len == 3 && blk[0].data[2] == 2);
	CHECK(blk[1].r == PEM_OK && blk[1].line == 9 && strcmp(blk[1].label, "X509 CRL") == 0);
	CHECK(blk[1].len == 3 && blk[1].data[0] == 3 && blk[1].data[2] == 5);
	CHECK(blk[2].r == PEM_OK && blk[2].line == 12 && strcmp(blk[2].label, "OTHER") == 0);
	CHECK(blk[2].len == 1 && blk[2].data[0] == 6);

	/* Known labels come from the static table. */
	n = run_str("-----BEGIN TRUSTED CERTIFICATE-----\nAA==\n-----END TRUSTED CERTIFICATE-----\n",
		    blk, 8);
	CHECK(n == 1 && blk[0].r == PEM_OK && strcmp(blk[0].label, "TRUSTED CERTIFICATE") == 0);

	/* Groups split across lines, blank lines and spaces inside. */
	n = run_str("-----BEGIN CERTIFICATE-----\nAA\nEC\n\nAw Q=\n-----END CERTIFICATE-----\n", blk,
		    8);
	CHECK(n == 1 && blk[0].r == PEM_OK && blk[0].len == 5 && blk[0].data[4] == 4);

	/* RFC 1421 headers are skipped. */
	n = run_str("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
		    "DEK-Info: AES-128-CBC,\n 00112233\n\nAAEC\n-----END RSA PRIVATE KEY-----\n",
		    blk, 8);
	CHECK_MSG(n == 1 && blk[0].r == PEM_OK && blk[0].len == 3, "%s", n ? blk[0].err : "");

	/* Empty body, empty input, no PEM at all. */
	n = run_str("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", blk, 8);
	CHECK(n == 1 && blk[0].r == PEM_OK && blk[0].len == 0);
	CHECK(run_str("", blk, 8) == 0);
	CHECK(run_str("just text\n----- not a marker\n", blk, 8) == 0);

	CHECK(pem_looks_like("x\n-----BEGIN CERTIFICATE-----\n", 29));
	CHECK(!pem_looks_like("-----BEGIN", 10));
}

static void test_errors(void)
{
	struct block blk[8];
	int n;

	n = run_str("a\n-----BEGIN CERTIFICATE-----\nAAEC\n", blk, 8);
	CHECK(n == 1 && blk[0].r == PEM_ERROR);
	CHECK_MSG(strcmp(blk[0].err, "line 2: truncated PEM block (no END line)") == 0, "%s",
		  blk[0].err);

	/* A truncated block followed by a good one: both reported. */
	n = run_str("-----BEGIN CERTIFICATE-----\nAAEC\n"
		    "-----BEGIN CERTIFICATE-----\nAwQF\n-----END CERTIFICATE-----\n",
		    blk, 8);
	CHECK(n == 2 && blk[0].r == PEM_ERROR && blk[1].r == PEM_OK && blk[1].line == 3);
	CHECK_MSG(strcmp(blk[0].err, "line 1: truncated PEM block (no END line)") == 0, "%s",
		  blk[0].err);

	/* Bad base64, then recovery. */
	n = run_str("x\n\n-----BEGIN CERTIFICATE-----\nAAEC\nAA!C\nAAEC\n-----END CERTIFICATE-----\n"
		    "-----BEGIN CERTIFICATE-----\nAwQF\n-----END CERTIFICATE-----\n",
		    blk, 8);
	CHECK(n == 2 && blk[0].r == PEM_ERROR && blk[1].r == PEM_OK && blk[1].line == 8);
	CHECK_MSG(strcmp(blk[0].err, "line 5: bad base64") == 0, "%s", blk[0].err);

	n = run_str("-----BEGIN CERTIFICATE-----\nAAEC\n-----END X509 CRL-----\n", blk, 8);
	CHECK(n == 1 && blk[0].r == PEM_ERROR);
	CHECK_MSG(strcmp(blk[0].err, "line 3: BEGIN/END label mismatch (BEGIN at line 1)") == 0,
		  "%s", blk[0].err);

	n = run_str("-----BEGIN CERTIFICATE\nAAEC\n-----END CERTIFICATE-----\n", blk, 8);
	CHECK(n >= 1 && blk[0].r == PEM_ERROR &&
	      strcmp(blk[0].err, "line 1: malformed BEGIN line") == 0);

	/* Padding rules. */
	{
		static const char *const bad[] = {"QQ=", "Q===", "QQ==QUFB", "=AAA", "QUF", "Q",
						  "QQ=\n=\n=", "QUE=QQ=="};
		static const char *const good[] = {"QQ==", "QUE=", "QQ\n==", "QUFB\n", "QQ= ="};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char text[200];

			snprintf(text, sizeof(text), "-----BEGIN X-----\n%s\n-----END X-----\n", bad[i]);
			n = run_str(text, blk, 8);
			CHECK_MSG(n == 1 && blk[0].r == PEM_ERROR && strstr(blk[0].err, "bad base64"),
				  "padding case %s accepted", bad[i]);
		}
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			char text[200];

			snprintf(text, sizeof(text), "-----BEGIN X-----\n%s\n-----END X-----\n", good[i]);
			n = run_str(text, blk, 8);
			CHECK_MSG(n == 1 && blk[0].r == PEM_OK && blk[0].data[0] == 'A',
				  "padding case %s rejected: %s", good[i], blk[0].err);
		}
	}

	/* Random corruption of a valid multi-block file: never crashes,
	 * never loops, and every result is OK or a "line N: " error. */
	{
		struct ll_buf b;
		uint8_t data[300];
		size_t i;
		int iter, bad_msgs = 0;

		for (i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)rng();
		ll_buf_init(&b, 0);
		put_pem(&b, "CERTIFICATE", data, sizeof(data), 64, "\n");
		if (!ll_buf_printf(&b, "text\n"))
			abort();
		put_pem(&b, "X509 CRL", data, 100, 64, "\r\n");
		for (iter = 0; iter < 20000; iter++) {
			char *c = malloc(b.len);
			struct block *out = malloc(sizeof(*out) * 16);
			int k, m = 1 + (int)(rng() % 3);

			memcpy(c, b.data, b.len);
			for (k = 0; k < m; k++)
				c[rng() % b.len] = "-\n\r =A!E:"[rng() % 9];
			n = run(c, rng() % (b.len + 1), out, 16);
			for (k = 0; k < n; k++)
				if (out[k].r == PEM_ERROR && strncmp(out[k].err, "line ", 5) != 0)
					bad_msgs++;
			free(out);
			free(c);
		}
		CHECK(bad_msgs == 0);
		ll_buf_free(&b);
	}
}

static void test_line_count(void)
{
	struct pem_iter it;
	struct ll_buf buf;
	struct ll_err err;
	const char *label;
	int line;
	static const char text[] = "a\nb\n-----BEGIN X-----\nAAAA\n-----END X-----\nc\nd\ne";

	ll_buf_init(&buf, 0);
	pem_iter_init(&it, text, sizeof(text) - 1);
	CHECK(pem_next(&it, &label, &buf, &line, &err) == PEM_OK && line == 3);
	CHECK(it.line == 6);
	CHECK(pem_next(&it, &label, &buf, &line, &err) == PEM_END);
	CHECK(it.line == 8 && it.pos == sizeof(text) - 1);
	CHECK(pem_next(&it, &label, &buf, &line, &err) == PEM_END);
	ll_buf_free(&buf);
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 20,000 blocks of 1,200 bytes, with a few lines of text between. */
static void bench(void)
{
	struct ll_buf b, out;
	struct pem_iter it;
	struct ll_err err;
	uint8_t data[1200];
	const char *label;
	size_t i, blocks = 0, bytes = 0;
	int line, rounds, r;
	double t0, dt;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng();
	ll_buf_init(&b, 0);
	ll_buf_init(&out, 0);
	for (i = 0; i < 20000; i++) {
		if (!ll_buf_printf(&b, "subject=CN = host%zu.example\nissuer=CN = CA\n", i))
			abort();
		put_pem(&b, "CERTIFICATE", data, sizeof(data), 64, "\n");
	}
	t0 = now_sec();
	for (rounds = 0; rounds < 3; rounds++) {
		pem_iter_init(&it, b.data, b.len);
		while ((r = pem_next(&it, &label, &out, &line, &err)) == PEM_OK) {
			blocks++;
			bytes += out.len;
		}
		CHECK(r == PEM_END);
	}
	dt = now_sec() - t0;
	CHECK(blocks == 60000 && bytes == 60000 * sizeof(data));
	printf("# pem_next: %.0f MB/s of PEM text (%.0f blocks/s)\n",
	       (double)b.len * 3 / dt / 1e6, (double)blocks / dt);
	ll_buf_free(&b);
	ll_buf_free(&out);
}

int main(void)
{
	test_roundtrip();
	test_layout();
	test_errors();
	test_line_count();
	bench();
	return tap_done();
}
