#!/usr/bin/env bash
# Configuration and database selection from the command line: a broken
# config names FILE:LINE, an unreachable database gives a clear error,
# LASTLEAF_DATABASE_URL and database.url win over PG*, and the embedded
# cluster (initdb once, started on demand, stopped on request) works
# with no DSN at all.
. "$LL_SRC/tests/lib/common.sh"
t_newdb
cd "$T_DIR"

# --- config errors -----------------------------------------------------------
printf 'database:\n  url: "dbname=x"\ncas:\n  - name: a\n    key: file:/nonexistent.pem\n' >bad1.yaml
run ll -c bad1.yaml report
check "missing key file is a config error (exit 2)" [ $RC -eq 2 ]
contains "... with FILE:LINE" "$OUT" "bad1.yaml:5:"
printf 'ocsp:\n  validity: 4x\n' >bad2.yaml
run ll -c bad2.yaml report
contains "bad duration names its line" "$OUT" "bad2.yaml:2:"
printf 'datbase:\n  url: x\n' >bad3.yaml
run ll -c bad3.yaml report
contains "unknown key names its line" "$OUT" "bad3.yaml:1:"
printf 'cas:\n  - name: a\n    key: "file:k.pem\n' >bad4.yaml
run ll -c bad4.yaml report
check "broken YAML line is an error" [ $RC -eq 2 ]
contains "... naming the file" "$OUT" "bad4.yaml:"
touch k.pem; chmod 600 k.pem
printf 'cas:\n  - name: a\n    key: file:k.pem\n  - name: a\n    key: file:k.pem\n' >bad5.yaml
run ll -c bad5.yaml report
contains "duplicate CA name names its line" "$OUT" "bad5.yaml:4:"
run env LASTLEAF_CONFIG=bad3.yaml "$LASTLEAF" report
contains "LASTLEAF_CONFIG is read" "$OUT" "bad3.yaml:1:"
run ll help
contains "help lists commands" "$OUT" "import"
for c in migrate ca import report db; do
	run ll $c --help
	check "lastleaf $c --help exits 0" [ $RC -eq 0 ]
	contains "lastleaf $c --help prints usage" "$OUT" "usage: lastleaf $c"
done
run ll frobnicate
check "unknown command is a usage error" [ $RC -eq 2 ]

# --- database selection -------------------------------------------------------
run env LASTLEAF_DATABASE_URL="host=$T_DIR/nowhere dbname=x connect_timeout=2" "$LASTLEAF" migrate
check "unreachable database fails" [ $RC -eq 1 ]
contains "... clearly, naming the source" "$OUT" "database (LASTLEAF_DATABASE_URL): cannot connect"
printf 'database:\n  url: "host=%s/nowhere2 dbname=x"\n' "$T_DIR" >url.yaml
run ll -c url.yaml migrate
contains "database.url wins over PG* variables" "$OUT" "nowhere2"
ll migrate >/dev/null
run ll report
check "PG* variables select the harness database" [ $RC -eq 0 ]

# --- embedded cluster ------------------------------------------------------------
mkdir -p emb
printf 'database:\n  embedded:\n    dir: %s/emb/pg\n' "$T_DIR" >emb.yaml
EMB() { env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER "$LASTLEAF" -c emb.yaml "$@"; }
stop_emb() {
	local d
	for d in emb/pg dflt/var/pg; do
		[ -e "$d" ] || continue
		env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER LASTLEAF_CONFIG= "$LASTLEAF" \
			-c <(printf 'database:\n  embedded:\n    dir: %s\n' "$T_DIR/$d") db stop >/dev/null 2>&1 || true
		# a relocated cluster (root, private parent) lives outside T_DIR
		[ -L "$d" ] && rm -rf "$(readlink -f "$d")" "$(readlink -f "$d").log" "$(readlink -f "$d").lock"
	done
}
trap 'stop_emb; t_cleanup' EXIT
run EMB migrate
check "embedded: first command initialises and starts the cluster ($OUT)" [ $RC -eq 0 ]
check "embedded: cluster files under the configured dir" [ -f emb/pg/PG_VERSION ]
run EMB db status
contains "embedded: status says running" "$OUT" "running"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout emb.key -out emb-root.pem \
	-subj "/CN=Embedded Root" -days 30 -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
run EMB ca add emb-root.pem
check "embedded: ca add" [ $RC -eq 0 ]
run EMB db stop
contains "embedded: stop" "$OUT" "stopped"
run EMB db status
check "embedded: status after stop is non-zero" [ $RC -ne 0 ]
run EMB report
check "embedded: restarts on demand, data survived" [ $RC -eq 0 ]
contains "... the CA registered before the restart is there" "$OUT" "embedded-root"
# the default location is ./var/pg relative to the working directory
mkdir -p dflt && cd dflt
run env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER "$LASTLEAF" migrate
check "embedded is the default with no DSN ($OUT)" [ $RC -eq 0 ]
check "... under ./var/pg" [ -f var/pg/PG_VERSION ]
env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER "$LASTLEAF" db stop >/dev/null
cd ..
t_done
