/* x509util.h - small X.509 helpers for the service: digests of the parts
 * OCSP and the inventory key on, and names rendered for people. */
#ifndef LL_X509UTIL_H
#define LL_X509UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void ll_sha256(const void *p, size_t n, uint8_t out[32]);
void ll_sha1(const void *p, size_t n, uint8_t out[20]);
/* RFC 2253-style text of a DER Name ("CN=Mail CA G4,O=Demo"), or "?" */
void ll_name_text(const uint8_t *der, size_t len, char *out, size_t outlen);
/* The CN of a DER Name, or "" */
void ll_name_cn(const uint8_t *der, size_t len, char *out, size_t outlen);

#endif
