/* hex.c - see hex.h. */
#include "hex.h"

#include <string.h>

void ll_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int ll_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool ll_hex_decode(const char *in, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n = 0;
	int hi = -1;

	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	for (; *in; in++) {
		int v;

		if (*in == ':')
			continue;
		v = ll_hex_value((unsigned char)*in);
		if (v < 0)
			return false;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return false;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return false;
	*outlen = n;
	return true;
}

bool ll_serial_from_hex(const char *in, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t tmp[64];
	char digits[130];
	size_t nd = 0, n, start = 0;

	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	for (; *in; in++) {
		if (*in == ':')
			continue;
		if (ll_hex_value((unsigned char)*in) < 0 || nd + 2 >= sizeof(digits))
			return false;
		digits[nd++] = *in;
	}
	if (nd == 0)
		return false;
	/* left-pad to an even digit count */
	if (nd % 2) {
		memmove(digits + 1, digits, nd);
		digits[0] = '0';
		nd++;
	}
	digits[nd] = '\0';
	if (!ll_hex_decode(digits, tmp, sizeof(tmp), &n))
		return false;
	while (start + 1 < n && tmp[start] == 0)
		start++;
	n -= start;
	if (tmp[start] & 0x80) {
		if (n + 1 > cap)
			return false;
		out[0] = 0;
		memcpy(out + 1, tmp + start, n);
		*outlen = n + 1;
		return true;
	}
	if (n > cap)
		return false;
	memcpy(out, tmp + start, n);
	*outlen = n;
	return true;
}
