# scripts/lib.sh - shared by scripts/test, scripts/demo and the benchmarks:
# installing Debian packages, building, and running a private PostgreSQL.
# Source it; it defines functions only.

LL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LL_PG_BINDIR=${LASTLEAF_PG_BINDIR:-/usr/lib/postgresql/15/bin}

# Packages every lastleaf script relies on (build, server, independent oracles).
LL_PACKAGES="build-essential cmake pkg-config clang libclang-rt-14-dev libssl-dev libevent-dev
  libpq-dev libyaml-dev postgresql-15 postgresql-client-15 openssl gnutls-bin
  python3 python3-cryptography faketime curl procps util-linux nginx bc chromium
  softhsm2 libengine-pkcs11-openssl opensc"

ll_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Installs whatever of LL_PACKAGES (plus "$@") is missing. Needs root or sudo.
ll_install_deps() {
	local missing=() p
	for p in $LL_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	ll_log "installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# ll_build DIR [cmake args...]
ll_build() {
	local dir=$1; shift
	cmake -S "$LL_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)" >/dev/null
}

# Runs a command as the cluster owner: PostgreSQL refuses to run as root,
# so root delegates to the `postgres` user; anyone else runs it directly.
ll_pg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# ll_pg_start DIR: initdb a throwaway cluster in DIR (fast, unsafe settings
# fit for tests), start it on a unix socket in DIR, and export the PG*
# variables that libpq, psql and lastleaf then use.
ll_pg_start() {
	local dir=$1
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		chmod 700 "$dir"
		# the socket directory's parents must be searchable by postgres
		chmod o+x "$(dirname "$dir")" 2>/dev/null || true
	fi
	ll_pg_as_owner "$LL_PG_BINDIR/initdb" -D "$dir/data" -U lastleaf --auth=trust -E UTF8 \
		--no-locale --no-instructions >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2; return 1; }
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
log_min_messages = warning
CONF
	ll_pg_as_owner "$LL_PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
		>/dev/null || { cat "$dir/server.log" >&2; return 1; }
	export PGHOST=$dir PGPORT=5432 PGUSER=lastleaf PGDATABASE=postgres
	LL_PG_DIR=$dir
}

ll_pg_stop() {
	local dir=${1:-${LL_PG_DIR:-}}
	[ -n "$dir" ] && [ -f "$dir/data/postmaster.pid" ] || return 0
	ll_pg_as_owner "$LL_PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}
