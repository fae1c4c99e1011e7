#!/usr/bin/env bash
# serve --roles: a keyless responder (refuses a config that names a key, and
# runs with no key file on disk); leases with 3 signers and 2 schedulers on
# one database (nothing signed twice, one CRL per burst of revocations, a
# retirement plan executed once); the clock-skew guard (D1) under faketime.
. "$LL_SRC/tests/lib/common.sh"
t_newdb
PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	t_cleanup
}
trap stop_all EXIT

P=$T_DIR/pki
K=$T_DIR/keys
mkdir -p "$P" "$K"
$PY - "$P" "$K" <<'PYEOF'
import sys, os
sys.path.insert(0, os.environ["LL_SRC"] + "/tests/lib")
import pki
d, kd = sys.argv[1], sys.argv[2]
root, rk = pki.make_root("Roles Test Root", key_type="p256")
ca, ck = pki.make_intermediate("Roles Test CA", root, rk, key_type="p256")
old, ok_ = pki.make_intermediate("Roles Old CA", root, rk, key_type="p256")
pki.write_pem(f"{d}/root.pem", root); pki.write_key(f"{kd}/root.key.pem", rk)
pki.write_pem(f"{d}/ca.pem", ca); pki.write_key(f"{kd}/ca.key.pem", ck)
pki.write_pem(f"{d}/old.pem", old)
lk = pki.generate_key("p256")
leaves = [pki.make_leaf(ca, ck, serial=0x900 + i, key=lk, days=100)[0] for i in range(20)]
pki.write_pem(f"{d}/leaves.pem", leaves)
for i, l in enumerate(leaves):
    pki.write_pem(f"{d}/leaf-{i}.pem", l)
PYEOF
chmod 600 "$K"/*.pem
cat "$P/root.pem" "$P/ca.pem" >"$P/chain.pem"
DBURL="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE"

# signer.yaml: the keys. responder.yaml: the same CAs, no key at all.
# $1 = file, $2 = admin port, $3 = ocsp port, $4 = with keys (1/0)
mkcfg() {
	{
		echo "database: {url: \"$DBURL\"}"
		echo "crl: {publish_dir: $T_DIR/pub}"
		echo "ocsp: {listen: [\"127.0.0.1:$3\"], threads: 1, nonce: echo}"
		echo "admin: {listen: \"127.0.0.1:$2\"}"
		echo "cas:"
		echo "  - name: root"
		[ "$4" = 1 ] && echo "    key: file:$K/root.key.pem"
		echo "    crl: {next_update: 30d}"
		echo "  - name: ca"
		[ "$4" = 1 ] && echo "    key: file:$K/ca.key.pem"
		echo "    crl: {next_update: 7d}"
		echo "    ocsp: {}"
	} >"$1"
}
PORTS=($($PY "$LL_SRC/tests/lib/freeport.py" 16))
mkcfg "$T_DIR/signer.yaml" "${PORTS[0]}" "${PORTS[1]}" 1
export LASTLEAF_CONFIG=$T_DIR/signer.yaml
ll migrate >/dev/null
ll ca add --name root "$P/root.pem" >/dev/null
ll ca add --name ca "$P/ca.pem" >/dev/null
ll ca add "$P/old.pem" >/dev/null
ll import "$P/leaves.pem" >/dev/null

wait_health() { # PORT PID -> 0 when /healthz says 200
	local i
	for i in $(seq 1 200); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz")" = 200 ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
status_of() { # OCSP-PORT LEAF-INDEX -> good|revoked|... from openssl ocsp, with the signature checked
	local out
	out=$(timeout 20 openssl ocsp -issuer "$P/ca.pem" -cert "$P/leaf-$2.pem" -url "http://127.0.0.1:$1" \
		-CAfile "$P/chain.pem" -no_nonce 2>&1 || true)
	grep -q "Response verify OK" <<<"$out" || { echo "unverified"; return; }
	sed -n "s|^$P/leaf-$2.pem: ||p" <<<"$out" | head -1
}

# ---- 1. keyless responder --------------------------------------------------
echo "# keyless responder"
run ll --config "$T_DIR/signer.yaml" serve --roles responder
check "responder-only with keys in its config refuses to start" test "$RC" -ne 0
contains "the refusal names the key and the rule (D2)" "$OUT" "names cas[].key"
contains "the refusal names the config file and line" "$OUT" "signer.yaml:"

# pre-sign with the signer tool, then take every key file off the disk
ll ocsp sign --ca ca >/dev/null
mv "$K" "$T_DIR/keys.away"
mkcfg "$T_DIR/responder.yaml" "${PORTS[2]}" "${PORTS[3]}" 0
"$LASTLEAF" --config "$T_DIR/responder.yaml" serve --roles responder 2>"$T_DIR/responder.log" &
RP=$!
PIDS+=("$RP")
check "keyless responder starts with no key file on disk" wait_health "${PORTS[2]}" "$RP"
eq "keyless responder answers good" "$(status_of "${PORTS[3]}" 0)" "good"
# a nonce asks for live signing, which a keyless responder cannot do: it
# falls back to the pre-signed answer (no nonce), never to an unsigned one
out=$(timeout 20 openssl ocsp -issuer "$P/ca.pem" -cert "$P/leaf-1.pem" -url "http://127.0.0.1:${PORTS[3]}" \
	-CAfile "$P/chain.pem" 2>&1 || true)
contains "nonce request still gets a verified pre-signed answer" "$out" "Response verify OK"
mv "$T_DIR/keys.away" "$K"
kill "$RP"; wait "$RP" 2>/dev/null || true
contains "responder log never mentions a key file" "$(grep -c 'key.pem' "$T_DIR/responder.log" || true)" "0"
PIDS=()

# ---- 2. leases: 3 signers and 2 schedulers ---------------------------------
echo "# 3 signers, 2 schedulers"
sql "DELETE FROM ocsp_response; DELETE FROM ocsp_tombstone" 2>/dev/null || true
ll revoke --ca ca --serial 0913 --reason superseded >/dev/null   # before start: CRLs due
# a retirement plan due at once: "old" has no leaves, no grace
ll retire plan --ca-cert "$P/old.pem" --grace 0s >/dev/null
BEFORE=$(sql "SELECT coalesce(max(id), 0) FROM audit")
for n in 1 2 3; do
	mkcfg "$T_DIR/s$n.yaml" "${PORTS[$((3 + 2 * n))]}" "${PORTS[$((4 + 2 * n))]}" 1
	"$LASTLEAF" --config "$T_DIR/s$n.yaml" serve --roles signer 2>"$T_DIR/s$n.log" &
	PIDS+=($!)
done
for n in 1 2; do
	mkcfg "$T_DIR/c$n.yaml" "${PORTS[$((9 + 2 * n))]}" "${PORTS[$((10 + 2 * n))]}" 1
	"$LASTLEAF" --config "$T_DIR/c$n.yaml" serve --roles scheduler 2>"$T_DIR/c$n.log" &
	PIDS+=($!)
done
for n in 1 2 3; do
	check "signer $n ready" wait_health "${PORTS[$((3 + 2 * n))]}" "${PIDS[$((n - 1))]}"
done
ROWS=$(sql "SELECT count(*) FROM ocsp_response")
SIGNED=$(sql "SELECT coalesce(sum((args->>'responses')::int), 0) FROM audit WHERE id > $BEFORE AND action = 'ocsp.sign'")
check "responses were pre-signed" test "$ROWS" -gt 0
eq "3 signers starting together signed each response once (lease)" "$SIGNED" "$ROWS"

# the plan: executed exactly once although two schedulers saw it due
for i in $(seq 1 100); do
	[ "$(sql "SELECT count(*) FROM audit WHERE id > $BEFORE AND action = 'retire.execute'")" -ge 1 ] && break
	sleep 0.2
done
sleep 2
eq "2 schedulers executed the due plan once" \
	"$(sql "SELECT count(*) FROM audit WHERE id > $BEFORE AND action = 'retire.execute'")" 1
eq "the parent's CRL was published once for the plan" \
	"$(sql "SELECT count(*) FROM audit WHERE id > $BEFORE AND action = 'retire.parent_crl'")" 1

# a burst of revocations: every signer hears each NOTIFY; one CRL for the
# burst, each revoked serial re-signed once
sleep 7   # let start-up CRL work settle (debounce 5 s)
MARK=$(sql "SELECT coalesce(max(id), 0) FROM audit")
CRLS0=$(sql "SELECT count(*) FROM crl c JOIN ca_key k ON k.id = c.issuer_key_id WHERE k.name = 'ca'")
for s in 0900 0901 0902; do
	ll revoke --ca ca --serial $s --reason keyCompromise >/dev/null
done
for i in $(seq 1 150); do
	[ "$(sql "SELECT count(*) FROM crl c JOIN ca_key k ON k.id = c.issuer_key_id WHERE k.name = 'ca'")" -gt "$CRLS0" ] && break
	sleep 0.1
done
sleep 8   # every signer's debounce has passed
eq "one CRL for the burst across 3 signers" \
	"$(sql "SELECT count(*) FROM crl c JOIN ca_key k ON k.id = c.issuer_key_id WHERE k.name = 'ca'")" $((CRLS0 + 1))
eq "CRL numbers unique per scope" \
	"$(sql "SELECT count(*) - count(DISTINCT (issuer_key_id, partition, number)) FROM crl")" 0
LAST=$(sql "SELECT encode(der, 'base64') FROM crl c JOIN ca_key k ON k.id = c.issuer_key_id WHERE k.name = 'ca' ORDER BY number DESC LIMIT 1" | base64 -d >"$T_DIR/last.crl"; openssl crl -inform DER -in "$T_DIR/last.crl" -noout -text)
for s in 0900 0901 0902 0913; do
	contains "the CRL lists $s" "$LAST" "Serial Number: $s"
done
eq "each revoked serial re-signed once (2 hash algorithms x 3)" \
	"$(sql "SELECT coalesce(sum((args->>'responses')::int), 0) FROM audit WHERE id > $MARK AND action = 'ocsp.sign'")" 6
grep -h "level=error" "$T_DIR"/s?.log "$T_DIR"/c?.log >&2 || true
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
PIDS=()

# ---- 3. clock skew (D1) ----------------------------------------------------
echo "# clock skew"
# ASan builds: libfaketime is preloaded ahead of the ASan runtime
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
if [ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || command -v faketime >/dev/null; then
	run faketime -f "+30s" "$LASTLEAF" crl generate --ca ca
	check "crl generate refuses with a 30 s skew" test "$RC" -ne 0
	contains "the refusal names the skew and clock.max_skew" "$OUT" "clock.max_skew"
	run faketime -f "+30s" "$LASTLEAF" ocsp sign --ca ca --force
	check "ocsp sign refuses with a 30 s skew" test "$RC" -ne 0
	run faketime -f "+1s" "$LASTLEAF" crl generate --ca ca
	eq "a 1 s skew is within the default 2 s" "$RC" 0
	# LD_PRELOAD rather than the faketime wrapper, so $! is the daemon itself
	FTLIB=$(find /usr/lib -name libfaketime.so.1 -path '*faketime*' | head -1)
	LD_PRELOAD=$FTLIB FAKETIME="+30s" "$LASTLEAF" --config "$T_DIR/s1.yaml" serve 2>"$T_DIR/skew.log" &
	SP=$!
	PIDS+=("$SP")
	check "skewed daemon still serves pre-signed answers" wait_health "${PORTS[5]}" "$SP"
	M=$(curl -s "http://127.0.0.1:${PORTS[5]}/metrics")
	contains "metrics raise the skew alarm" "$M" "lastleaf_clock_skew_alarm 1"
	H=$(curl -s "http://127.0.0.1:${PORTS[5]}/healthz")
	contains "healthz says clock_ok false" "$H" '"clock_ok": false'
	# a nonce needs a live signature: refused (tryLater), never signed with a skewed clock
	out=$(faketime -f "+30s" timeout 20 openssl ocsp -issuer "$P/ca.pem" -cert "$P/leaf-5.pem" \
		-url "http://127.0.0.1:${PORTS[6]}" -CAfile "$P/chain.pem" 2>&1 || true)
	contains "live signing refused while skewed" "$out" "trylater"
	kill "$SP"; wait "$SP" 2>/dev/null || true
	PIDS=()
else
	fail "faketime is not installed"
fi

# ---- 4. live signing with a nonce, several at once (signer slots) --------
echo "# live signing"
"$LASTLEAF" --config "$T_DIR/s1.yaml" serve 2>"$T_DIR/live.log" &
LP=$!
PIDS+=("$LP")
check "all-roles daemon ready" wait_health "${PORTS[5]}" "$LP"
for i in $(seq 0 11); do
	(timeout 20 openssl ocsp -issuer "$P/ca.pem" -cert "$P/leaf-$((i % 10 + 3)).pem" \
		-url "http://127.0.0.1:${PORTS[6]}" -CAfile "$P/chain.pem" >"$T_DIR/nonce-$i.out" 2>&1) &
done
wait_pids=$(jobs -p | grep -v "^$LP$" || true)
for p in $wait_pids; do wait "$p" 2>/dev/null || true; done
good=0
for i in $(seq 0 11); do
	if grep -q "Response verify OK" "$T_DIR/nonce-$i.out" && ! grep -qi "nonce" "$T_DIR/nonce-$i.out" &&
		grep -q ": good" "$T_DIR/nonce-$i.out"; then
		good=$((good + 1))
	fi
done
eq "12 concurrent nonce requests: signed live, nonce echoed, verified" "$good" 12
M=$(curl -s "http://127.0.0.1:${PORTS[5]}/metrics")
contains "live signatures counted" "$M" 'lastleaf_ocsp_requests_total{result="live_signed"} 12'
t_done
