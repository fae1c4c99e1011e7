#!/bin/bash
# docker/postgres/replica-entrypoint.sh - entrypoint of the streaming
# replica (postgres:15 image). On first start, with an empty data directory,
# it waits for the primary, clones it with `pg_basebackup -R` (which writes
# standby.signal and primary_conninfo) through a physical replication slot,
# and then hands over to the image's own entrypoint, which finds an existing
# cluster, skips initdb and starts a hot standby. Later starts go straight to
# the image's entrypoint.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
PRIMARY_HOST=${PRIMARY_HOST:-db-primary}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICATION_USER=${REPLICATION_USER:-replicator}
REPLICATION_SLOT=${REPLICATION_SLOT:-replica_1}
REPLICATION_PASSWORD_FILE=${REPLICATION_PASSWORD_FILE:-/run/secrets/replication_password}

log() { echo "replica-entrypoint: $*" >&2; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	[ -s "$REPLICATION_PASSWORD_FILE" ] || { log "$REPLICATION_PASSWORD_FILE is missing or empty"; exit 1; }
	mkdir -p "$PGDATA"
	chown postgres:postgres "$PGDATA"
	chmod 0700 "$PGDATA"
	# Start from an empty directory: a half-finished earlier clone is
	# discarded (pg_basebackup refuses a non-empty target).
	find "$PGDATA" -mindepth 1 -delete
	log "waiting for the primary at $PRIMARY_HOST:$PRIMARY_PORT"
	until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER"; do
		sleep 1
	done
	log "cloning the primary (pg_basebackup -R, slot $REPLICATION_SLOT)"
	PGPASSWORD=$(head -n1 "$REPLICATION_PASSWORD_FILE" | tr -d '\r\n')
	export PGPASSWORD
	# -C creates the slot on the primary. A slot left over from an earlier
	# replica of the same name makes that fail: then clone again through it.
	# (gosu keeps the environment, so the password never appears in argv.)
	basebackup() {
		gosu postgres pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" \
			-U "$REPLICATION_USER" -D "$PGDATA" -R -X stream -S "$REPLICATION_SLOT" \
			--checkpoint=fast "$@"
	}
	if ! basebackup -C; then
		log "retrying through the existing slot $REPLICATION_SLOT"
		find "$PGDATA" -mindepth 1 -delete
		basebackup
	fi
	unset PGPASSWORD
	log "clone done; starting as a hot standby"
fi

exec docker-entrypoint.sh "$@"
