# shellcheck shell=bash
# tests/bench/bench-lib.sh - sourced by tests/bench/import and tests/bench/report.
# Defines helpers only (on top of scripts/lib.sh, which it sources).

LL_BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$LL_BENCH_DIR/../../scripts/lib.sh"

# The benches talk to their own private cluster through PG*; make sure
# nothing else decides which database lastleaf uses.
unset LASTLEAF_DATABASE_URL LASTLEAF_CONFIG PGSERVICE PGPASSFILE
export PGOPTIONS="-c client_min_messages=warning"

LL_BENCH_CACHE=${LL_BENCH_CACHE:-/var/tmp/lastleaf-bench}
LL_BENCH_BUILD=${LL_BENCH_BUILD:-/tmp/lastleaf-bench-build}
LL_BENCH_OUT=${LL_BENCH_OUT:-$LL_BENCH_DIR/out}

# Seconds since the epoch with microseconds (bash 5: no fork).
bench_now() { printf '%s' "${EPOCHREALTIME/,/.}"; }

# bench_elapsed T0 -> seconds since T0, 3 decimals
bench_elapsed() { awk -v a="$1" -v b="$(bench_now)" 'BEGIN{printf "%.6f", b - a}'; }

# median of the numbers given as arguments
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1}
		END{ if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2];
		     else printf "%.4f\n", (a[NR/2] + a[NR/2+1]) / 2 }'
}

# bench_div A B [FMT] -> A/B
bench_div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN{ if (b == 0) print "nan"; else printf f "\n", a / b }'; }

# One line of machine-noise context: load average and the processes that
# use >= 20 % of a CPU right now (other sessions share this 2-core box).
bench_noise() {
	local top
	top=$(top -bn2 -d 0.3 -w 200 2>/dev/null |
		awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 20 { printf "%s(%s%%) ", $12, $9 }' || true)
	printf 'load %s, nproc %s, busy now: %s' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" "${top:-none}"
}

# CPU accounting, to tell how much of the machine other sessions took
# during a measurement. bench_cpu prints "WALL BUSY OURS": a timestamp, the
# machine's busy jiffies (/proc/stat: user nice system irq softirq steal)
# and the jiffies of this script's finished children (cutime/cstime: every
# lastleaf, psql, openssl run) plus the private PostgreSQL (postmaster,
# its finished backends and its live children). Take one before and one
# after a measurement that ran in a child, then bench_others BEFORE AFTER.
bench_cpu() {
	local busy ours pm c
	busy=$(awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
	ours=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$$/stat")
	if [ -n "${LL_BENCH_PGDIR:-}" ] && [ -f "$LL_BENCH_PGDIR/data/postmaster.pid" ]; then
		pm=$(head -1 "$LL_BENCH_PGDIR/data/postmaster.pid")
		for c in "$pm" $(pgrep -P "$pm" || true); do
			ours=$((ours + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$c/stat" 2>/dev/null || echo 0)))
		done
	fi
	printf '%s %s %s\n' "$(bench_now)" "$busy" "$ours"
}

# bench_others "BEFORE" "AFTER" -> average CPUs used by everything else
# (other sessions, VM steal) between the two bench_cpu snapshots
bench_others() {
	awk -v a="$1" -v b="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		split(a, x, " "); split(b, y, " ");
		dt = y[1] - x[1]; o = ((y[2] - x[2]) - (y[3] - x[3])) / hz;
		if (dt <= 0) print "nan"; else printf "%.2f\n", (o < 0 ? 0 : o) / dt }'
}

# Builds lastleaf (Release) into $LL_BENCH_BUILD; sets LL and LL_BENCH_VERSION.
# By default from the work tree as it is (uncommitted edits included); with
# LL_BENCH_REV=REV (e.g. HEAD) from a clean `git archive REV` snapshot
# instead, which is immune to half-done edits in the work tree.
bench_build_lastleaf() {
	local src=$LL_ROOT bdir=$LL_BENCH_BUILD
	if [ -n "${LL_BENCH_REV:-}" ]; then
		src=$LL_BENCH_BUILD-rev/src
		bdir=$LL_BENCH_BUILD-rev/build
		rm -rf "$src"
		mkdir -p "$src"
		git -C "$LL_ROOT" archive "$LL_BENCH_REV" | tar -x -C "$src"
		LL_BENCH_VERSION="$(git -C "$LL_ROOT" rev-parse --short "$LL_BENCH_REV") (snapshot of $LL_BENCH_REV)"
	else
		LL_BENCH_VERSION="$(git -C "$LL_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
		git -C "$LL_ROOT" diff --quiet HEAD -- 2>/dev/null || LL_BENCH_VERSION+=" + uncommitted work tree changes"
	fi
	ll_log "building lastleaf (Release) from $src in $bdir"
	cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$bdir" --target lastleaf -j"$(nproc)" >/dev/null
	LL=$bdir/lastleaf
	[ -x "$LL" ] || { echo "no $LL after the build" >&2; return 1; }
}

# Starts a private cluster in a fresh directory; stopped and removed on exit.
bench_pg_start() {
	LL_BENCH_PGDIR=$(mktemp -d /tmp/lastleaf-bench-pg.XXXXXX)
	trap 'bench_pg_cleanup' EXIT
	trap 'exit 130' INT TERM
	ll_log "starting PostgreSQL in $LL_BENCH_PGDIR"
	ll_pg_start "$LL_BENCH_PGDIR"
	export PGDATABASE=postgres
}

bench_pg_cleanup() {
	local rc=$?
	if [ "${LL_BENCH_KEEP_PG:-0}" = 1 ] && [ -n "${LL_BENCH_PGDIR:-}" ]; then
		ll_log "LL_BENCH_KEEP_PG=1: cluster left running; PGHOST=$LL_BENCH_PGDIR PGUSER=lastleaf;" \
			"stop it with: . scripts/lib.sh; ll_pg_stop $LL_BENCH_PGDIR; rm -rf $LL_BENCH_PGDIR"
		return $rc
	fi
	ll_pg_stop "${LL_BENCH_PGDIR:-}"
	[ -n "${LL_BENCH_PGDIR:-}" ] && rm -rf "$LL_BENCH_PGDIR"
	return $rc
}

# psql against a database, quiet, failing on the first error.
bench_psql() {
	local db=$1; shift
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# bench_fresh_db NAME: drop/create NAME and apply lastleaf's migrations.
bench_fresh_db() {
	bench_psql postgres -c "DROP DATABASE IF EXISTS \"$1\"" -c "CREATE DATABASE \"$1\""
	PGDATABASE=$1 "$LL" migrate >/dev/null
}

bench_drop_db() { bench_psql postgres -c "DROP DATABASE IF EXISTS \"$1\""; }
