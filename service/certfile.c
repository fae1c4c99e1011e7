/* certfile.c - see certfile.h. */
#include "certfile.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pem.h"
#include "x509walk.h"

#define CERTFILE_LIMIT (64u << 20)

static bool push(struct certfile *cf, const uint8_t *der, size_t len, int line)
{
	struct certfile_cert *n = realloc(cf->certs, (cf->n + 1) * sizeof(*n));

	if (!n)
		return false;
	cf->certs = n;
	n[cf->n].der = malloc(len ? len : 1);
	if (!n[cf->n].der)
		return false;
	memcpy(n[cf->n].der, der, len);
	n[cf->n].len = len;
	n[cf->n].line = line;
	n[cf->n].index = (int)cf->n + 1;
	cf->n++;
	return true;
}

bool certfile_load(const char *path, struct certfile *out, struct ll_err *err)
{
	struct ll_buf file, body;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	ll_buf_init(&file, CERTFILE_LIMIT);
	ll_buf_init(&body, CERTFILE_LIMIT);
	if (!ll_buf_read_file(&file, path, err))
		goto out;
	if (pem_looks_like(file.data, file.len)) {
		struct pem_iter it;
		const char *label;
		int line;
		enum pem_result pr;

		pem_iter_init(&it, file.data, file.len);
		while ((pr = pem_next(&it, &label, &body, &line, err)) != PEM_END) {
			if (pr == PEM_ERROR) {
				ll_err_prefix(err, "%s", path);
				goto out;
			}
			if (strcmp(label, "CERTIFICATE") != 0)
				continue;
			if (!push(out, body.data, body.len, line)) {
				ll_err_set(err, "%s: out of memory", path);
				goto out;
			}
		}
	} else {
		size_t off = 0;

		while (off < file.len) {
			size_t n = x509_der_span(file.data + off, file.len - off);

			if (n == 0) {
				ll_err_set(err, "%s: certificate #%zu (offset %zu): not a DER certificate",
					   path, out->n + 1, off);
				goto out;
			}
			if (!push(out, file.data + off, n, 0)) {
				ll_err_set(err, "%s: out of memory", path);
				goto out;
			}
			off += n;
		}
	}
	if (out->n == 0) {
		ll_err_set(err, "%s: no certificate found", path);
		goto out;
	}
	ok = true;
out:
	ll_buf_free(&file);
	ll_buf_free(&body);
	if (!ok)
		certfile_free(out);
	return ok;
}

void certfile_free(struct certfile *cf)
{
	size_t i;

	for (i = 0; i < cf->n; i++)
		free(cf->certs[i].der);
	free(cf->certs);
	cf->certs = NULL;
	cf->n = 0;
}
