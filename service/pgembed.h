/* pgembed.h - the embedded PostgreSQL cluster: lastleaf runs its own
 * postmaster from Debian's server binaries under a directory (default
 * ./var/pg), initdb once, start on demand, stop on request. It listens
 * only on a unix socket inside that directory. When lastleaf runs as
 * root, the cluster is owned by and runs as the `postgres` user, because
 * PostgreSQL refuses to run as root. */
#ifndef LL_PGEMBED_H
#define LL_PGEMBED_H

#include <stdbool.h>
#include <stddef.h>

#include "llerr.h"

/* Ensures the cluster under dir exists and runs, and that the lastleaf
 * database exists. Writes a libpq conninfo into conninfo. */
bool pgembed_ensure(const char *dir, char *conninfo, size_t len, struct ll_err *err) LL_MUSTCHECK;
bool pgembed_stop(const char *dir, struct ll_err *err) LL_MUSTCHECK;
/* 1 running, 0 stopped, -1 no cluster. */
int pgembed_status(const char *dir);

#endif
