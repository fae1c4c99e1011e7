#!/usr/bin/env bash
# scripts/cluster end to end (issue 6): a PostgreSQL primary, a streaming
# replica made with pg_basebackup -R, two signers, two keyless responders
# reading the replica and nginx in front. Checked with openssl ocsp (the
# "Response verify OK" text and the status line):
#  - every endpoint answers good for live leaves, nginx caches GETs;
#  - a revocation committed on the primary is served as revoked by both
#    replica responders within 5 s (measured);
#  - kill -9 a responder: nginx and the other responder still answer;
#  - kill -9 the signer: the standby signer re-signs the next revocation;
#    kill it too: the responders answer from memory;
#  - stop the replica: the responders keep serving what they have,
#    /healthz says database down with a growing replica_lag_seconds,
#    lastleaf_replica_lag_seconds > 0; a revocation made meanwhile is
#    served once the replica is back;
#  - scripts/cluster stop leaves no process behind.
. "$LL_SRC/tests/lib/common.sh"
command -v nginx >/dev/null || { fail "nginx is not installed"; t_done; exit 1; }
CLUSTER=$LL_SRC/scripts/cluster
CL=$T_DIR/cluster
on_exit() {
	if [ "$T_FAILS" -ne 0 ] || [ -n "${LL_KEEP:-}" ]; then
		for f in "$CL"/log/*.log; do
			[ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
		done
	fi
	if [ -n "${LL_KEEP:-}" ]; then
		"$CLUSTER" stop "$CL" >/dev/null 2>&1 || true
	else
		"$CLUSTER" clean "$CL" >/dev/null 2>&1 || true
	fi
	t_cleanup
}
trap on_exit EXIT

now() { date +%s.%N; }
secs() { printf '%.1f' "$(echo "$2 - $1" | bc)"; }

T0=$(now)
run env LASTLEAF="$LASTLEAF" LL_CLUSTER_PORT_BASE=auto LL_CLUSTER_G4_LEAVES=150 LL_CLUSTER_G5_LEAVES=100 \
	"$CLUSTER" start "$CL"
check "scripts/cluster start: every component up ($(secs "$T0" "$(now)") s)" [ "$RC" -eq 0 ]
[ "$RC" -eq 0 ] || { echo "$OUT"; t_done; exit 1; }
# shellcheck disable=SC1091
. "$CL/cluster.env"
P=$CL/pki
eq "status lists all seven components up" "$("$CLUSTER" status "$CL" | grep -cE '^(pg-primary|pg-replica|signer-a|signer-b|responder-1|responder-2|nginx) +up ')" 7
SIGNER=("$LASTLEAF" --config "$CL/etc/signer-a.yaml")
for r in responder-1 responder-2; do
	run grep -E '^ *(key|responder_key):' "$CL/etc/$r.yaml"
	check "$r's config names no key" [ "$RC" -ne 0 ]
done
run psql -X -qAt -d "$REPLICA_URL" -c "SELECT pg_is_in_recovery()"
eq "the replica is a hot standby" "$OUT" t
run psql -X -qAt -d "$PRIMARY_URL" -c "SELECT state FROM pg_stat_replication"
eq "... streaming from the primary" "$OUT" streaming

# ocsp PORT CA N: openssl ocsp (POST) for pki/sample-CA-N.pem
ocsp() {
	local issuer=$P/g5/g5.pem
	[ "$2" = g4 ] && issuer=$P/g4/g4-new.pem
	timeout 10 openssl ocsp -issuer "$issuer" -cert "$P/sample-$2-$3.pem" -url "http://127.0.0.1:$1/" \
		-CAfile "$P/chain-$2.pem" -no-CApath -no-CAstore 2>&1 || true
}
# says PORT CA N STATUS: the response verifies and gives STATUS
says() {
	local out
	out=$(ocsp "$1" "$2" "$3")
	grep -q "^Response verify OK" <<<"$out" && grep -q "sample-$2-$3.pem: $4\$" <<<"$out"
}
# expect DESC PORT CA N STATUS
expect() {
	local out
	out=$(ocsp "$2" "$3" "$4")
	if grep -q "^Response verify OK" <<<"$out" && grep -q "sample-$3-$4.pem: $5\$" <<<"$out"; then
		ok "$1"
	else
		fail "$1: want verified '$5', got: $(tr '\n' ' ' <<<"$out")"
	fi
}
# until_all TIMEOUT STATUS CA N PORT...: polls every PORT until each says
# STATUS; sets WAITED[PORT] to the seconds it took (or "never")
declare -A WAITED
until_all() {
	local tmo=$1 st=$2 ca=$3 n=$4 start p left
	shift 4
	start=$(now)
	for p in "$@"; do WAITED[$p]=never; done
	while :; do
		left=0
		for p in "$@"; do
			[ "${WAITED[$p]}" = never ] || continue
			if says "$p" "$ca" "$n" "$st"; then WAITED[$p]=$(secs "$start" "$(now)"); else left=1; fi
		done
		[ $left -eq 0 ] && return 0
		[ "$(echo "$(now) - $start > $tmo" | bc)" = 1 ] && return 1
		sleep 0.1
	done
}
within() { [ "$1" != never ] && [ "$(echo "$1 < $2" | bc)" = 1 ]; }
within2() { within "$1" "$3" && within "$2" "$3"; }
hz() { # ADMIN_PORT FIELD
	curl -s -m 3 "http://127.0.0.1:$1/healthz" | $PY -c "import json,sys; print(json.load(sys.stdin).get(sys.argv[1], 'absent'))" "$2" 2>/dev/null || echo unreachable
}
metric() { curl -s -m 3 "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }

# ---- everything answers --------------------------------------------------
for ep in nginx:$NGINX_PORT responder-1:$R1_PORT responder-2:$R2_PORT; do
	for ca in g4 g5; do
		expect "${ep%%:*}: $ca leaf good, signature verified" "${ep#*:}" $ca 1 good
	done
done
# GET through nginx: cached by the RFC 5019 headers
REQ=$(openssl ocsp -issuer "$P/g5/g5.pem" -cert "$P/sample-g5-3.pem" -no_nonce -reqout /dev/stdout | base64 -w0)
ENC=$($PY -c "import urllib.parse,sys;print(urllib.parse.quote(sys.argv[1], safe=''))" "$REQ")
H1=$(curl -s -D - -o "$T_DIR/get1.der" "http://127.0.0.1:$NGINX_PORT/$ENC")
H2=$(curl -s -D - -o "$T_DIR/get2.der" "http://127.0.0.1:$NGINX_PORT/$ENC")
contains "nginx GET: first a cache MISS" "$H1" "X-Cache-Status: MISS"
contains "nginx GET: then a cache HIT" "$H2" "X-Cache-Status: HIT"
contains "... with the responder's max-age" "$H2" "public, no-transform, must-revalidate"
check "... the same bytes" cmp -s "$T_DIR/get1.der" "$T_DIR/get2.der"
out=$(openssl ocsp -respin "$T_DIR/get2.der" -issuer "$P/g5/g5.pem" -cert "$P/sample-g5-3.pem" \
	-CAfile "$P/chain-g5.pem" -no-CApath -no-CAstore 2>&1 || true)
contains "... which verifies" "$out" "Response verify OK"
contains "... and says good" "$out" "sample-g5-3.pem: good"
REQ=$(openssl ocsp -issuer "$P/g5/g5.pem" -serial 0x123456 -no_nonce -reqout /dev/stdout | base64 -w0)
ENC=$($PY -c "import urllib.parse,sys;print(urllib.parse.quote(sys.argv[1], safe=''))" "$REQ")
curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/$ENC"
H3=$(curl -s -D - -o /dev/null "http://127.0.0.1:$NGINX_PORT/$ENC")
contains "nginx GET: an error answer (unknown serial, no-cache) is not cached" "$H3" "X-Cache-Status: MISS"
code=$(curl -s -o "$T_DIR/g5.crl" -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT/crl/mail-ca-g5.crl")
eq "nginx serves the signer's CRL" "$code" 200
out=$(openssl crl -inform DER -in "$T_DIR/g5.crl" -CAfile "$P/chain-g5.pem" -noout 2>&1 || true)
contains "... and it verifies" "$out" "verify OK"

# ---- a revocation on the primary reaches the replica responders ----------
SER1=$(openssl x509 -in "$P/sample-g5-1.pem" -noout -serial | cut -d= -f2)
run "${SIGNER[@]}" revoke --ca mail-ca-g5 --serial "$SER1" --reason keyCompromise
check "revoke on the primary ($OUT)" [ "$RC" -eq 0 ]
until_all 10 revoked g5 1 "$R1_PORT" "$R2_PORT" || true
check "responder-1 (replica; primary url also set) serves revoked within 5 s (${WAITED[$R1_PORT]} s)" within "${WAITED[$R1_PORT]}" 5
check "responder-2 (replica, polling only) serves revoked within 5 s (${WAITED[$R2_PORT]} s)" within "${WAITED[$R2_PORT]}" 5
out=$(ocsp "$R2_PORT" g5 1)
contains "... with reason keyCompromise" "$out" "Reason: keyCompromise"
expect "nginx (POST, not cached) says revoked" "$NGINX_PORT" g5 1 revoked

# ---- a responder dies ----------------------------------------------------
kill -9 "$(cat "$CL/run/responder-1.pid")"
sleep 0.3
bad=0
for _ in 1 2 3 4 5 6; do
	says "$NGINX_PORT" g5 2 good || bad=$((bad + 1))
	says "$NGINX_PORT" g5 1 revoked || bad=$((bad + 1))
done
eq "responder-1 killed: nginx answers 12 of 12 correctly through responder-2" "$bad" 0
expect "responder-2 still answers" "$R2_PORT" g4 1 good

# ---- the signer dies -----------------------------------------------------
kill -9 "$(cat "$CL/run/signer-a.pid")"
sleep 0.5
SER2=$(openssl x509 -in "$P/sample-g5-2.pem" -noout -serial | cut -d= -f2)
run "${SIGNER[@]}" revoke --ca mail-ca-g5 --serial "$SER2" --reason superseded
check "revoke with signer-a dead ($OUT)" [ "$RC" -eq 0 ]
until_all 10 revoked g5 2 "$R2_PORT" || true
check "the standby signer-b re-signed it: responder-2 says revoked within 5 s (${WAITED[$R2_PORT]} s)" within "${WAITED[$R2_PORT]}" 5
kill -9 "$(cat "$CL/run/signer-b.pid")"
sleep 0.5
expect "both signers dead: responder-2 answers good from memory" "$R2_PORT" g5 3 good
expect "... revoked from memory" "$R2_PORT" g5 1 revoked
expect "... nginx too" "$NGINX_PORT" g5 2 revoked
eq "... responder-2 /healthz still 200" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$R2_ADMIN/healthz")" 200

# ---- scripts/cluster start brings back what is missing --------------------
run "$CLUSTER" start "$CL"
check "scripts/cluster start restarts signer-a, signer-b, responder-1" [ "$RC" -eq 0 ]
eq "... all seven up again" "$("$CLUSTER" status "$CL" | grep -cE '^[a-z0-9-]+ +up ')" 7
expect "restarted responder-1 loads the revocations from the replica" "$R1_PORT" g5 2 revoked
expect "... and still good where good" "$R1_PORT" g5 3 good

# ---- the replica goes down ------------------------------------------------
run "$CLUSTER" stop "$CL" pg-replica
check "replica stopped" [ "$RC" -eq 0 ]
check "... its postmaster is gone" [ "$(psql -X -qAt -d "$REPLICA_URL" -c 'SELECT 1' 2>/dev/null || echo down)" = down ]
sleep 2.5
for r in 1 2; do
	a=$([ $r = 1 ] && echo "$R1_ADMIN" || echo "$R2_ADMIN")
	p=$([ $r = 1 ] && echo "$R1_PORT" || echo "$R2_PORT")
	expect "replica down: responder-$r keeps serving good" "$p" g4 2 good
	expect "... and revoked" "$p" g5 1 revoked
	eq "... responder-$r /healthz: database down" "$(hz "$a" database)" down
	eq "... still HTTP 200 (answers from memory are correct)" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$a/healthz")" 200
	LAG1=$(hz "$a" replica_lag_seconds)
	check "... replica_lag_seconds > 0 ($LAG1)" [ "$(echo "${LAG1/absent/0} > 0" | bc 2>/dev/null)" = 1 ]
	eval "LAG1_$r=\$LAG1"
done
expect "replica down: nginx still answers" "$NGINX_PORT" g4 3 good
SER3=$(openssl x509 -in "$P/sample-g4-1.pem" -noout -serial | cut -d= -f2)
run "${SIGNER[@]}" revoke --ca mail-ca-g4 --serial "$SER3" --reason keyCompromise
check "revoke on the primary while the replica is down ($OUT)" [ "$RC" -eq 0 ]
sleep 2
for r in 1 2; do
	a=$([ $r = 1 ] && echo "$R1_ADMIN" || echo "$R2_ADMIN")
	l1=LAG1_$r
	LAG2=$(hz "$a" replica_lag_seconds)
	check "responder-$r replica_lag_seconds grows (${!l1} -> $LAG2)" [ "$(echo "${LAG2/absent/0} > ${!l1/absent/0}" | bc 2>/dev/null)" = 1 ]
	M=$(metric "$a" lastleaf_replica_lag_seconds)
	check "responder-$r lastleaf_replica_lag_seconds > 0 in /metrics ($M)" [ "$(echo "${M:-0} > 0" | bc 2>/dev/null)" = 1 ]
done
expect "responder-2 serves what it has (the replica never saw the revocation)" "$R2_PORT" g4 1 good

# ---- the replica comes back -----------------------------------------------
run "$CLUSTER" start "$CL" pg-replica
check "replica restarted" [ "$RC" -eq 0 ]
until_all 45 revoked g4 1 "$R1_PORT" "$R2_PORT" || true
check "responder-1 catches up: the revocation made while the replica was down is served (${WAITED[$R1_PORT]} s after restart)" within "${WAITED[$R1_PORT]}" 45
check "responder-2 catches up too (${WAITED[$R2_PORT]} s after restart)" within "${WAITED[$R2_PORT]}" 45
expect "... nginx (POST) too" "$NGINX_PORT" g4 1 revoked
for r in 1 2; do
	a=$([ $r = 1 ] && echo "$R1_ADMIN" || echo "$R2_ADMIN")
	eq "responder-$r /healthz: database up again" "$(hz "$a" database)" up
	LAG=$(hz "$a" replica_lag_seconds)
	check "... replica_lag_seconds back under 2 s ($LAG)" [ "$(echo "${LAG/absent/99} < 2 && ${LAG/absent/99} >= 0" | bc 2>/dev/null)" = 1 ]
done
eq "signer /healthz says it reads no replica (-1)" "$(hz "$SA_ADMIN" replica_lag_seconds)" -1.0

# ---- the replica falls behind (replay paused, still up) -------------------
run psql -X -qAt -d "$REPLICA_URL" -c "SELECT pg_wal_replay_pause()"
check "replica replay paused" [ "$RC" -eq 0 ]
SER4=$(openssl x509 -in "$P/sample-g4-2.pem" -noout -serial | cut -d= -f2)
run "${SIGNER[@]}" revoke --ca mail-ca-g4 --serial "$SER4" --reason affiliationChanged
check "revoke on the primary while the replica lags ($OUT)" [ "$RC" -eq 0 ]
sleep 3
expect "replica behind: responder-2 serves what the replica has" "$R2_PORT" g4 2 good
eq "... /healthz: database up" "$(hz "$R2_ADMIN" database)" up
LAG=$(hz "$R2_ADMIN" replica_lag_seconds)
check "... replica_lag_seconds > 1 while replay is paused ($LAG)" [ "$(echo "${LAG/absent/0} > 1" | bc 2>/dev/null)" = 1 ]
M=$(metric "$R1_ADMIN" lastleaf_replica_lag_seconds)
check "... responder-1 lastleaf_replica_lag_seconds > 1 ($M)" [ "$(echo "${M:-0} > 1" | bc 2>/dev/null)" = 1 ]
run psql -X -qAt -d "$REPLICA_URL" -c "SELECT pg_wal_replay_resume()"
until_all 10 revoked g4 2 "$R1_PORT" "$R2_PORT" || true
check "replay resumed: both responders serve revoked within 5 s (${WAITED[$R1_PORT]} s, ${WAITED[$R2_PORT]} s)" \
	within2 "${WAITED[$R1_PORT]}" "${WAITED[$R2_PORT]}" 5
sleep 1.2
LAG=$(hz "$R2_ADMIN" replica_lag_seconds)
check "... replica_lag_seconds back to 0 ($LAG)" [ "$(echo "${LAG/absent/99} == 0" | bc 2>/dev/null)" = 1 ]

# ---- NOTIFY on the primary wakes a replica responder early ----------------
# responder-1 polls only every 30 s now; it also LISTENs on the primary
# (database.url), so a revocation still shows within 5 s. responder-2
# (replica only) keeps its 1 s poll.
sed -i 's/^  poll_interval: 1s$/  poll_interval: 30s/' "$CL/etc/responder-1.yaml"
kill "$(cat "$CL/run/responder-1.pid")"
for i in $(seq 1 100); do
	[ -d "/proc/$(cat "$CL/run/responder-1.pid")" ] || break
	sleep 0.1
done
run "$CLUSTER" start "$CL" responder-1
check "responder-1 restarted with poll_interval 30s ($OUT)" [ "$RC" -eq 0 ]
sleep 2 # its first pull and the LISTEN on the primary
SER5=$(openssl x509 -in "$P/sample-g5-3.pem" -noout -serial | cut -d= -f2)
run "${SIGNER[@]}" revoke --ca mail-ca-g5 --serial "$SER5" --reason superseded
check "revoke on the primary ($OUT)" [ "$RC" -eq 0 ]
until_all 10 revoked g5 3 "$R1_PORT" || true
check "a 30 s poller on the replica serves it within 5 s: woken by the primary's NOTIFY (${WAITED[$R1_PORT]} s)" \
	within "${WAITED[$R1_PORT]}" 5

# ---- stop leaves nothing behind -------------------------------------------
PIDS=$(cat "$CL"/run/*.pid 2>/dev/null | tr '\n' ' ')
run "$CLUSTER" stop "$CL"
check "scripts/cluster stop" [ "$RC" -eq 0 ]
left=""
for p in $PIDS; do [ -d "/proc/$p" ] && left="$left $p"; done
for d in /proc/[0-9]*; do
	{ tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null | grep -qF -- "$CL/" && left="$left ${d#/proc/}"
done
eq "no lastleaf or nginx process left" "$left" ""
for pg in primary replica; do
	check "pg-$pg stopped" [ ! -f "$PG_DIR/$pg/data/postmaster.pid" ]
done
t_done
