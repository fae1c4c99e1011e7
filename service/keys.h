/* keys.h - loads signing keys named by URI. "file:PATH" is a PEM private
 * key that must not be readable by group or others; "pkcs11:" (RFC 7512)
 * is reserved for HSMs and refused until that support lands. Keys are
 * never logged: errors name the URI and the problem only. */
#ifndef LL_KEYS_H
#define LL_KEYS_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"

EVP_PKEY *keys_load(const char *uri, struct ll_err *err);
/* True when key's public half is the key in the SubjectPublicKeyInfo. */
bool keys_match_spki(EVP_PKEY *key, const uint8_t *spki, size_t spki_len);

#endif
