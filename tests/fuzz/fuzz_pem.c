/* fuzz_pem.c - libFuzzer target for pem_next: iteration always advances
 * and ends, line numbers never go back, errors name a line, and every
 * block it decodes survives a round trip (re-encoded as standard PEM and
 * parsed again, it gives the same bytes and label). */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "pem.h"

static void fz_check(bool cond)
{
	if (!cond)
		abort();
}

/* Re-encodes body as a 64-column PEM block and parses it back. */
static void fz_roundtrip(const char *label, const struct ll_buf *body)
{
	struct ll_buf pem, out;
	struct pem_iter it;
	struct ll_err err;
	const char *label2 = NULL;
	unsigned char *enc;
	size_t i, n;
	int line;

	ll_buf_init(&pem, 0);
	ll_buf_init(&out, 0);
	enc = malloc(body->len / 3 * 4 + 8);
	fz_check(enc != NULL);
	n = (size_t)EVP_EncodeBlock(enc, body->data ? body->data : (const unsigned char *)"",
				    (int)body->len);
	fz_check(ll_buf_printf(&pem, "-----BEGIN %s-----\n", label));
	for (i = 0; i < n; i += 64) {
		fz_check(ll_buf_append(&pem, enc + i, n - i < 64 ? n - i : 64));
		fz_check(ll_buf_putc(&pem, '\n'));
	}
	fz_check(ll_buf_printf(&pem, "-----END %s-----\n", label));
	pem_iter_init(&it, pem.data, pem.len);
	fz_check(pem_next(&it, &label2, &out, &line, &err) == PEM_OK);
	fz_check(line == 1 && strcmp(label, label2) == 0);
	fz_check(out.len == body->len && (out.len == 0 || memcmp(out.data, body->data, out.len) == 0));
	fz_check(pem_next(&it, &label2, &out, &line, &err) == PEM_END);
	free(enc);
	ll_buf_free(&out);
	ll_buf_free(&pem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pem_iter it;
	struct ll_buf out;
	struct ll_err err;
	const char *label;
	enum pem_result r;
	int line, prev_line = 1, blocks = 0;
	size_t prev_pos = 0;

	(void)pem_looks_like(data, size);
	ll_buf_init(&out, 1 << 20);
	pem_iter_init(&it, data, size);
	for (;;) {
		err.msg[0] = '\0';
		r = pem_next(&it, &label, &out, &line, &err);
		fz_check(it.pos <= size && it.line >= prev_line);
		if (r == PEM_END) {
			fz_check(it.pos == size);
			break;
		}
		/* Each block consumes at least its BEGIN line. */
		fz_check(it.pos > prev_pos);
		if (r == PEM_OK) {
			fz_check(line >= prev_line && line < it.line + 1);
			fz_check(out.len <= (it.pos - prev_pos) / 4 * 3 + 3);
			fz_roundtrip(label, &out);
		} else {
			fz_check(r == PEM_ERROR && strncmp(err.msg, "line ", 5) == 0);
		}
		prev_pos = it.pos;
		prev_line = it.line;
		fz_check(++blocks <= (int)size);
	}
	ll_buf_free(&out);
	return 0;
}
