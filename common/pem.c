/* pem.c - see pem.h. A PEM file is scanned line by line only inside
 * blocks; the text around them (openssl x509 -text dumps, comments in CA
 * bundles) is skipped with memmem, which is what keeps a 1M-certificate
 * import I/O-bound. Base64 is decoded with a table and a four-characters-
 * at-a-time fast path straight into the caller's buffer. */
#include "pem.h"

#include <string.h>

#define PEM_MARK_BEGIN "-----BEGIN "
#define PEM_MARK_BEGIN_LEN 11
#define PEM_MARK_END "-----END "
#define PEM_MARK_END_LEN 9
#define PEM_DASHES_LEN 5
#define PEM_MAX_LABEL 64

/* Base64 alphabet (RFC 4648 section 4) -> 6-bit value; PAD for '=',
 * SPACE for in-line whitespace (RFC 7468 lets parsers skip it), BAD for
 * everything else. PAD, SPACE and BAD all have bit 6 or 7 set, so OR-ing
 * four lookups and testing 0xc0 validates a whole group at once. */
enum { PEM_PAD = 0x40, PEM_SPACE = 0x41, PEM_BAD = 0xff };

static const uint8_t pem_b64[256] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x41, 0xff, 0x41, 0x41, 0x41, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x41, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3e, 0xff, 0xff, 0xff, 0x3f,
	0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0xff, 0xff, 0xff, 0x40, 0xff, 0xff,
	0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
	0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* Labels callers compare against by pointer or strcmp; anything else is
 * reported as "OTHER". */
static const char *const pem_labels[] = {
	"CERTIFICATE",
	"X509 CRL",
	"TRUSTED CERTIFICATE",
	"CERTIFICATE REQUEST",
	"NEW CERTIFICATE REQUEST",
	"PUBLIC KEY",
	"PRIVATE KEY",
	"ENCRYPTED PRIVATE KEY",
	"RSA PRIVATE KEY",
	"EC PRIVATE KEY",
	"RSA PUBLIC KEY",
	"EC PARAMETERS",
	"PKCS7",
	"OCSP REQUEST",
	"OCSP RESPONSE",
};

/* Decoder state carried across the lines of one block. */
struct pem_b64_state {
	uint32_t acc;	/* pending 6-bit groups */
	unsigned nq;	/* how many are pending (0..3) */
	unsigned pad;	/* '=' still required after the first one */
	bool done;	/* padding seen: only '=' and whitespace may follow */
};

void pem_iter_init(struct pem_iter *it, const void *data, size_t len)
{
	it->data = data;
	it->len = len;
	it->pos = 0;
	it->line = 1;
}

bool pem_looks_like(const void *data, size_t len)
{
	return memmem(data, len, PEM_MARK_BEGIN, PEM_MARK_BEGIN_LEN) != NULL;
}

static int pem_count_lines(const char *p, size_t n)
{
	const char *end = p + n;
	int lines = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p++;
	}
	return lines;
}

static inline bool pem_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parses "-----BEGIN X-----" / "-----END X-----" (prefix given) in
 * [p, end), trailing whitespace allowed. Sets the label span. */
static bool pem_parse_marker(const char *p, const char *end, const char *prefix,
			     size_t prefix_len, const char **lab, size_t *lab_len)
{
	const char *q;

	while (end > p && pem_is_space(end[-1]))
		end--;
	if ((size_t)(end - p) < prefix_len + PEM_DASHES_LEN || memcmp(p, prefix, prefix_len) != 0 ||
	    memcmp(end - PEM_DASHES_LEN, "-----", PEM_DASHES_LEN) != 0)
		return false;
	*lab = p + prefix_len;
	*lab_len = (size_t)(end - PEM_DASHES_LEN - *lab);
	if (*lab_len > PEM_MAX_LABEL)
		return false;
	for (q = *lab; q < *lab + *lab_len; q++)
		if (*q < 0x20 || *q > 0x7e || *q == '-')
			return false;
	return true;
}

static const char *pem_known_label(const char *lab, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(pem_labels) / sizeof(pem_labels[0]); i++)
		if (strlen(pem_labels[i]) == len && memcmp(pem_labels[i], lab, len) == 0)
			return pem_labels[i];
	return "OTHER";
}

/* Decodes one body line [p, p+n) into out, which the caller has grown by
 * n / 4 * 3 + 3 bytes. False on a character outside the alphabet or
 * misplaced padding. */
static bool pem_decode_line(struct pem_b64_state *st, const uint8_t *p, size_t n, struct ll_buf *out)
{
	uint8_t *o = out->data + out->len;
	size_t i = 0;

	while (i < n) {
		uint8_t v;

		/* Fast path: a whole group of alphabet characters. */
		if (st->nq == 0 && !st->done && n - i >= 4) {
			uint8_t a = pem_b64[p[i]], b = pem_b64[p[i + 1]];
			uint8_t c = pem_b64[p[i + 2]], d = pem_b64[p[i + 3]];

			if (((a | b | c | d) & 0xc0) == 0) {
				uint32_t g = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;

				o[0] = (uint8_t)(g >> 16);
				o[1] = (uint8_t)(g >> 8);
				o[2] = (uint8_t)g;
				o += 3;
				i += 4;
				continue;
			}
		}
		v = pem_b64[p[i++]];
		if (v < 64) {
			if (st->done)
				return false;
			st->acc = st->acc << 6 | v;
			if (++st->nq == 4) {
				o[0] = (uint8_t)(st->acc >> 16);
				o[1] = (uint8_t)(st->acc >> 8);
				o[2] = (uint8_t)st->acc;
				o += 3;
				st->nq = 0;
				st->acc = 0;
			}
		} else if (v == PEM_PAD) {
			if (st->done) {
				if (st->pad == 0)
					return false;
				st->pad--;
				continue;
			}
			/* "xx==" carries one byte, "xxx=" two. */
			if (st->nq == 2) {
				*o++ = (uint8_t)(st->acc >> 4);
				st->pad = 1;
			} else if (st->nq == 3) {
				*o++ = (uint8_t)(st->acc >> 10);
				*o++ = (uint8_t)(st->acc >> 2);
				st->pad = 0;
			} else {
				return false;
			}
			st->done = true;
			st->nq = 0;
		} else if (v != PEM_SPACE) {
			return false;
		}
	}
	out->len = (size_t)(o - out->data);
	return true;
}

enum pem_result pem_next(struct pem_iter *it, const char **label, struct ll_buf *out,
			 int *line, struct ll_err *err)
{
	const char *d = it->data, *hit, *begin_lab, *end_lab;
	size_t len = it->len, pos = it->pos, scan = it->pos, begin_len, end_len;
	struct pem_b64_state st = {0, 0, 0, false};
	bool headers_possible = true, in_headers = false, skip = false;
	int begin_line, bad_line = 0;

	ll_buf_reset(out);
	/* Find a BEGIN marker at the start of a line (after optional
	 * indentation); one inside a text line is just text. */
	for (;;) {
		size_t h, ls;

		hit = scan < len ? memmem(d + scan, len - scan, PEM_MARK_BEGIN, PEM_MARK_BEGIN_LEN) : NULL;
		if (!hit) {
			it->line += pem_count_lines(d + pos, len - pos);
			it->pos = len;
			return PEM_END;
		}
		h = (size_t)(hit - d);
		ls = h;
		while (ls > pos && (d[ls - 1] == ' ' || d[ls - 1] == '\t'))
			ls--;
		if (ls == 0 || d[ls - 1] == '\n') {
			it->line += pem_count_lines(d + pos, h - pos);
			pos = h;
			break;
		}
		scan = h + 1;
	}

	begin_line = it->line;
	*line = begin_line; /* also on errors, for callers that want it */
	{
		const char *eol = memchr(d + pos, '\n', len - pos);
		size_t next = eol ? (size_t)(eol - d) + 1 : len;

		if (!pem_parse_marker(d + pos, eol ? eol : d + len, PEM_MARK_BEGIN, PEM_MARK_BEGIN_LEN,
				      &begin_lab, &begin_len)) {
			ll_err_set(err, "line %d: malformed BEGIN line", begin_line);
			it->pos = next;
			it->line += eol ? 1 : 0;
			return PEM_ERROR;
		}
		pos = next;
		it->line += eol ? 1 : 0;
	}

	while (pos < len) {
		const char *p = d + pos, *eol = memchr(p, '\n', len - pos), *q;
		const char *lend = eol ? eol : d + len;
		size_t next = eol ? (size_t)(eol - d) + 1 : len;

		q = p;
		while (q < lend && pem_is_space(*q))
			q++;
		if (q < lend && *q == '-') {
			if (pem_parse_marker(q, lend, PEM_MARK_END, PEM_MARK_END_LEN, &end_lab, &end_len)) {
				int end_line = it->line;

				it->pos = next;
				it->line += eol ? 1 : 0;
				if (bad_line) {
					ll_err_set(err, "line %d: bad base64", bad_line);
					return PEM_ERROR;
				}
				if (end_len != begin_len || memcmp(end_lab, begin_lab, begin_len) != 0) {
					ll_err_set(err, "line %d: BEGIN/END label mismatch (BEGIN at line %d)",
						   end_line, begin_line);
					return PEM_ERROR;
				}
				if (st.nq != 0 || st.pad != 0) {
					ll_err_set(err, "line %d: bad base64 (incomplete final group)",
						   end_line);
					return PEM_ERROR;
				}
				*label = pem_known_label(begin_lab, begin_len);
				return PEM_OK;
			}
			if ((size_t)(lend - q) >= PEM_MARK_BEGIN_LEN &&
			    memcmp(q, PEM_MARK_BEGIN, PEM_MARK_BEGIN_LEN) == 0) {
				/* The next block starts before this one ended:
				 * leave it to the next call. */
				it->pos = pos;
				if (bad_line)
					ll_err_set(err, "line %d: bad base64", bad_line);
				else
					ll_err_set(err, "line %d: truncated PEM block (no END line)",
						   begin_line);
				return PEM_ERROR;
			}
		}
		if (!bad_line && (headers_possible || in_headers)) {
			/* RFC 1421 encapsulated headers (Proc-Type:, DEK-Info:)
			 * may open a block: "Name: value" lines, indented
			 * continuations, then a blank separator line. Base64
			 * never contains ':', so the first line tells. */
			bool blank = q == lend;

			if (memchr(q, ':', (size_t)(lend - q)) != NULL) {
				in_headers = true;
				skip = true;
			} else if (in_headers && !blank && q > p) {
				skip = true;
			} else {
				skip = in_headers && blank;
				in_headers = false;
				headers_possible = false;
			}
		}
		if (!bad_line && !skip) {
			size_t n = (size_t)(lend - q);

			/* 3 output bytes per 4 characters plus a pending group. */
			if (!ll_buf_reserve(out, n / 4 * 3 + 3)) {
				ll_err_set(err, "line %d: PEM block too large", it->line);
				it->pos = len;
				return PEM_ERROR;
			}
			if (!pem_decode_line(&st, (const uint8_t *)q, n, out))
				bad_line = it->line;
		}
		skip = false;
		pos = next;
		it->line += eol ? 1 : 0;
	}
	it->pos = len;
	if (bad_line)
		ll_err_set(err, "line %d: bad base64", bad_line);
	else
		ll_err_set(err, "line %d: truncated PEM block (no END line)", begin_line);
	return PEM_ERROR;
}
