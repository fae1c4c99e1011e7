/* respstatus.h - reads back the certificate status from one of lastleaf's
 * own pre-signed responses (one SingleResponse), so that a live-signed
 * answer (nonce echo, several CertIDs) says exactly what the stored,
 * CRL-consistent answer says (B13) without a database round trip. */
#ifndef LL_RESPSTATUS_H
#define LL_RESPSTATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lltime.h"
#include "ocsp.h"

struct respstatus {
	enum ocsp_cert_status status;
	ll_time revoked_at;
	int reason; /* -1 none */
};

bool respstatus_parse(const uint8_t *der, size_t len, struct respstatus *out);

#endif
