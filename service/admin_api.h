/* admin_api.h - the state-changing admin endpoints (revocation,
 * retirement plans) on the admin listener. Each request opens its own
 * short PostgreSQL connection and goes through the same code as the CLI,
 * so the audit log records it the same way. */
#ifndef LL_ADMIN_API_H
#define LL_ADMIN_API_H

#include <stdbool.h>

#include "admin.h"
#include "config.h"

/* Registers the routes (ADMIN_CHANGES) on a. False when a route could not
 * be registered. */
bool admin_api_register(struct admin *a, const struct cfg *cfg);

#endif
