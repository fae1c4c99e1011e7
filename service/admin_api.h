/* admin_api.h - the state-changing admin endpoints on the admin listener:
 * POST /api/v1/revoke, /api/v1/retire/plan and /api/v1/retire/cancel
 * (docs/admin-api.md). JSON in and out. Each request opens its own short
 * PostgreSQL connection and goes through the same module functions as the
 * CLI, so the modules write their usual audit rows; an extra
 * "admin-api.*" row names the caller (admin_actor()). Who may call is
 * decided by admin.c, never here. */
#ifndef LL_ADMIN_API_H
#define LL_ADMIN_API_H

#include <stdbool.h>

#include "admin.h"
#include "config.h"

/* Registers the routes (ADMIN_CHANGES) on a; the handlers read the
 * configuration through admin_cfg(a), so cfg is unused. False when a
 * route could not be registered. */
bool admin_api_register(struct admin *a, const struct cfg *cfg);

#endif
