#!/bin/bash
# docker/postgres/primary-init.sh - run once by the postgres:15 image's
# entrypoint (from /docker-entrypoint-initdb.d) when the primary's data
# directory is first created. It creates:
#   lastleaf     owner of database "lastleaf": runs `lastleaf migrate`, the
#                signer and the scheduler (no superuser needed: the
#                migrations create tables, functions and triggers in public,
#                which the database owner may do in PostgreSQL 15)
#   lastleaf_ro  read-only (pg_read_all_data): the keyless responders, which
#                read the streaming replica
#   replicator   REPLICATION: pg_basebackup and streaming for the replica
# and lets replicator stream from any address on the compose network.
# Passwords come from files (compose secrets), never from the environment.
set -euo pipefail

secret() {
	local f=$1
	[ -s "$f" ] || { echo "primary-init: $f is missing or empty" >&2; exit 1; }
	# first line, no trailing newline or CR
	head -n1 "$f" | tr -d '\r\n'
}

LL_PW=$(secret "${LASTLEAF_DB_PASSWORD_FILE:-/run/secrets/lastleaf_db_password}")
RO_PW=$(secret "${LASTLEAF_RO_DB_PASSWORD_FILE:-/run/secrets/lastleaf_ro_db_password}")
REPL_PW=$(secret "${REPLICATION_PASSWORD_FILE:-/run/secrets/replication_password}")

# psql variables (:'x') quote the passwords as literals: no shell or SQL
# injection whatever characters they hold.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
	-v ll_pw="$LL_PW" -v ro_pw="$RO_PW" -v repl_pw="$REPL_PW" <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE lastleaf LOGIN PASSWORD :'ll_pw';
CREATE ROLE lastleaf_ro LOGIN PASSWORD :'ro_pw';
CREATE ROLE replicator LOGIN REPLICATION PASSWORD :'repl_pw';
CREATE DATABASE lastleaf OWNER lastleaf;
GRANT pg_read_all_data TO lastleaf_ro;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname lastleaf <<'SQL'
-- PostgreSQL 15: public is owned by pg_database_owner (lastleaf); nobody
-- else creates objects there.
REVOKE ALL ON DATABASE lastleaf FROM PUBLIC;
GRANT CONNECT ON DATABASE lastleaf TO lastleaf, lastleaf_ro;
SQL

# The image's pg_hba.conf ends in "host all all all scram-sha-256", which
# does not cover replication connections.
cat >>"$PGDATA/pg_hba.conf" <<'HBA'
# lastleaf: the streaming replica (docker/postgres/replica-entrypoint.sh)
host replication replicator all scram-sha-256
HBA
