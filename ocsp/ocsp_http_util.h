/* ocsp_http_util.h - the pure parts of the OCSP HTTP front end: the GET
 * path decoder (E18), IMF-fixdate formatting and parsing (E8), and
 * If-None-Match matching. No I/O, no allocation; private to ocsp/
 * (ocsp_http.c, its unit test and the GET fuzz target). */
#ifndef LL_OCSP_HTTP_UTIL_H
#define LL_OCSP_HTTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lltime.h"

/* Decodes the base64 DER carried in a GET path after the prefix (E18):
 *  - leading '/' are skipped (a '//' between prefix and data);
 *  - %XX escapes are decoded first (%2F, %2B, %3D, %0A ...);
 *  - both alphabets are taken: "+/" (RFC 4648 base64, what RFC 6960
 *    clients send) and "-_" (base64url); a space (raw or %20) is a '+'
 *    that a form decoder mangled;
 *  - CR, LF and TAB are skipped anywhere (a trailing newline, wrapped
 *    base64); '=' padding is optional, and after it only '=' and those
 *    may follow;
 *  - anything else (another character, a bad escape, a length no base64
 *    can have, more than cap output octets) returns false.
 * dup_slash >= 0 decodes as if the dup_slash-th '/' data character
 * (0-based, escapes included) were doubled: a proxy that collapses '//'
 * drops one, and the caller retries each '/' until the DER parses.
 * *nslash (may be NULL) receives how many '/' data characters there
 * were. */
bool ocsp_http_get_decode(const char *in, size_t len, long dup_slash, uint8_t *out, size_t cap,
			  size_t *outlen, size_t *nslash);

/* Writes t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110
 * 5.6.7) into out (30 bytes incl. NUL). Returns 29, or 0 for a year
 * outside 0001..9999. */
#define OCSP_HTTP_DATE_LEN 30
size_t ocsp_http_fmt_date(ll_time t, char out[OCSP_HTTP_DATE_LEN]);
/* Parses an IMF-fixdate, strictly (the only form a sender may generate;
 * a date we cannot read makes a conditional request unconditional). */
bool ocsp_http_parse_date(const char *s, ll_time *out);

/* If-None-Match against a strong ETag ("\"...\""): "*", or any listed
 * entity-tag equal under the weak comparison (W/ ignored, RFC 9110
 * 13.1.2). */
bool ocsp_http_etag_match(const char *if_none_match, const char *etag);

#endif
