#!/bin/bash
# docker/init-secrets.sh - makes the files docker/compose.yaml mounts as
# secrets, once, with the owners and modes the containers need:
#   secrets/postgres_password        superuser "postgres"        uid 999, 0600
#   secrets/lastleaf_db_password     role lastleaf (owner)        uid 999, 0600
#   secrets/lastleaf_ro_db_password  role lastleaf_ro (read-only) uid 999, 0600
#   secrets/replication_password     role replicator              uid 999, 0600
#   secrets/lastleaf.pgpass          the same lastleaf password,     uid 10001, 0600
#                                    as libpq's PGPASSFILE (signer, migrate)
#   secrets/lastleaf_ro.pgpass       lastleaf_ro's, for the responders uid 10001, 0600
#   secrets/admin.token              admin API bearer token       uid 10001, 0600
# uid 999 is "postgres" in the postgres image, 10001 "lastleaf" in ours.
# libpq ignores a pgpass file that group or others can read, and lastleaf
# refuses such key files, so the modes matter. Existing files are kept:
# to rotate a password, change it in PostgreSQL (ALTER ROLE) and then in
# both of its files. Also prepares keys/ (0700, uid 10001) and certs/.
# Run as root (chown), from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
umask 077
[ "$(id -u)" -eq 0 ] || { echo "init-secrets.sh: run as root (it sets file owners)" >&2; exit 1; }

rand() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }

# put FILE UID CONTENT: writes FILE unless it exists, then fixes owner and mode
put() {
	local f=$1 uid=$2 content=$3
	if [ -e "$f" ]; then
		echo "kept     $f"
	else
		printf '%s\n' "$content" >"$f"
		echo "created  $f"
	fi
	chown "$uid:$uid" "$f"
	chmod 0600 "$f"
}

# value FILE: the first line of FILE (so pgpass files match existing passwords)
value() { head -n1 "$1" | tr -d '\r\n'; }

mkdir -p secrets keys certs
chmod 0700 secrets
put secrets/postgres_password 999 "$(rand)"
put secrets/lastleaf_db_password 999 "$(rand)"
put secrets/lastleaf_ro_db_password 999 "$(rand)"
put secrets/replication_password 999 "$(rand)"
# pgpass: host:port:database:user:password (the passwords are alphanumeric,
# so nothing needs escaping)
put secrets/lastleaf.pgpass 10001 "*:*:lastleaf:lastleaf:$(value secrets/lastleaf_db_password)"
put secrets/lastleaf_ro.pgpass 10001 "*:*:lastleaf:lastleaf_ro:$(value secrets/lastleaf_ro_db_password)"
put secrets/admin.token 10001 "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# The directory itself must be traversable by both uids for the bind mounts.
chmod 0711 secrets

chown 10001:10001 keys
chmod 0700 keys
find keys -type f ! -name ".*" -exec chown 10001:10001 {} + -exec chmod 0600 {} +
echo "keys/: $(find keys -type f ! -name ".*" | wc -l) file(s), owned by uid 10001, mode 0600"
