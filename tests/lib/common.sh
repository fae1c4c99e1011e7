# tests/lib/common.sh - sourced by tests/integration/t_*.sh.
# ctest passes LASTLEAF (the binary), LL_SRC and LL_BUILD; scripts/test
# exports PGHOST/PGPORT/PGUSER for the private cluster. Each test gets its
# own database and scratch directory, so tests can run in parallel.
set -euo pipefail

: "${LASTLEAF:?run through ctest}"
PY=/usr/bin/python3   # Debian's python3 with python3-cryptography (the oracle)
PKI="$PY $LL_SRC/tests/lib/pki.py"
T_NAME=$(basename "$0" .sh)
T_FAILS=0
T_PASSES=0

T_DIR=$(mktemp -d "/tmp/ll-$T_NAME.XXXXXX")
t_cleanup() { [ -n "${LL_KEEP:-}" ] || rm -rf "$T_DIR"; }
trap t_cleanup EXIT

# A fresh database for this test.
t_newdb() {
	local db="${LL_TEST_DB_PREFIX:-t}_${T_NAME}${1:+_$1}"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
	psql -X -q -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
	export PGDATABASE=$db
}

ll() { "$LASTLEAF" "$@"; }

ok() { T_PASSES=$((T_PASSES + 1)); echo "ok - $*"; }
fail() { T_FAILS=$((T_FAILS + 1)); echo "FAIL - $*" >&2; }
# check DESC CMD...: passes when CMD exits 0
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# eq DESC GOT WANT
eq() { if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi; }
# contains DESC HAYSTACK NEEDLE
contains() { if grep -qF -- "$3" <<<"$2"; then ok "$1"; else fail "$1: '$3' not in: $2"; fi; }
# runs CMD, captures stdout+stderr in $OUT and exit status in $RC
run() { set +e; OUT=$("$@" 2>&1); RC=$?; set -e; }
sql() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }

t_done() {
	echo "$T_PASSES passed, $T_FAILS failed"
	[ "$T_FAILS" -eq 0 ]
}
