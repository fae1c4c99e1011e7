/* hex.h - lowercase hex encoding and lenient decoding of byte strings
 * (serials, fingerprints). */
#ifndef LL_HEX_H
#define LL_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits plus NUL into out (size >= 2*len+1). */
void ll_hex_encode(const uint8_t *in, size_t len, char *out);
/* Decodes hex digits (either case, optional ':' separators, optional "0x").
 * Returns false on any other character or an odd digit count, or when
 * the result exceeds cap. */
bool ll_hex_decode(const char *in, uint8_t *out, size_t cap, size_t *outlen);
/* The value of one hex digit (either case), or -1. */
int ll_hex_value(int c);
/* Parses a serial as `openssl x509 -serial` prints it (case-insensitive,
 * leading zeros optional) into minimal positive DER INTEGER content octets
 * (a 00 is prepended when the top bit is set). At most 21 output octets. */
bool ll_serial_from_hex(const char *in, uint8_t *out, size_t cap, size_t *outlen);

#endif
