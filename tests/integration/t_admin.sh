#!/usr/bin/env bash
# Admin API security (issue 6): the admin listener of `lastleaf serve` on
# loopback by default; state changes refused without a configured
# credential; a bearer token (missing 401, wrong 403, right 200) for
# /metrics and POST /api/v1/revoke, the revocation then served by the OCSP
# responder and recorded in the audit log with the caller; retirement plans
# over the API; start-up refusals (token file readable by others, empty
# token, non-loopback bind without a credential, client_ca without a server
# certificate); mutual TLS (no certificate 401, another CA's certificate
# fails the handshake, the right one 200); malformed and oversized bodies
# change nothing. Each answer is checked by status code and body.
. "$LL_SRC/tests/lib/common.sh"
t_newdb
DAEMON=
stop_daemon() {
	if [ -n "$DAEMON" ]; then
		kill "$DAEMON" 2>/dev/null || true
		wait "$DAEMON" 2>/dev/null || true
		DAEMON=
	fi
}
trap 'stop_daemon; t_cleanup' EXIT

P=$T_DIR/pki
mkdir -p "$P"
$PY - "$P" <<'PYEOF'
import sys, os
sys.path.insert(0, os.environ["LL_SRC"] + "/tests/lib")
import pki
from cryptography.hazmat.primitives import hashes
d = sys.argv[1]
root, rk = pki.make_root("Admin Test Root", key_type="p256")
ca, ck = pki.make_intermediate("Admin Test CA", root, rk, key_type="p256")
sub, sk = pki.make_intermediate("Admin Retire Sub", root, rk, key_type="p256")
for n, c in (("root", root), ("ca", ca), ("sub", sub)):
    pki.write_pem(f"{d}/{n}.pem", c)
pki.write_key(f"{d}/ca.key.pem", ck)
lk = pki.generate_key("p256")
leaves = [pki.make_leaf(ca, ck, serial=0x700 + i, key=lk, days=100)[0] for i in range(6)]
pki.write_pem(f"{d}/ca-leaves.pem", leaves)
for i, l in enumerate(leaves):
    pki.write_pem(f"{d}/ca-{i}.pem", l)
open(f"{d}/sub.sha256", "w").write(sub.fingerprint(hashes.SHA256()).hex())
# mutual TLS: the client CA, a client, a client of another CA, the server
cr, crk = pki.make_root("Admin Client CA", key_type="p256")
alice, ak = pki.make_leaf(cr, crk, cn="ops-alice", eku=("clientAuth",))
orr, ork = pki.make_root("Other Client CA", key_type="p256")
mallory, mk = pki.make_leaf(orr, ork, cn="ops-mallory", eku=("clientAuth",))
sr, srk = pki.make_root("Admin Server Root", key_type="p256")
srv, svk = pki.make_leaf(sr, srk, cn="localhost", dns=["localhost"], eku=("serverAuth",))
for n, c, k in (("client-ca", cr, None), ("alice", alice, ak), ("mallory", mallory, mk),
                ("srv-root", sr, None), ("srv", srv, svk)):
    pki.write_pem(f"{d}/{n}.pem", c)
    if k:
        pki.write_key(f"{d}/{n}.key.pem", k)
PYEOF
cat "$P/root.pem" "$P/ca.pem" >"$P/chain.pem"
SUB=$(cat "$P/sub.sha256")
read -r PORT APORT <<<"$($PY "$LL_SRC/tests/lib/freeport.py" 2)"
TOKEN=tok-$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
printf '%s\n' "$TOKEN" >"$T_DIR/token"
chmod 600 "$T_DIR/token"

# write_config ADMIN_BLOCK: the admin: section's body, indented 2
write_config() {
	cat >"$T_DIR/ll.yaml" <<YAML
crl:
  publish_dir: $T_DIR/pub
ocsp:
  listen: ["127.0.0.1:$PORT"]
  threads: 1
admin:
$1
cas:
  - name: ca
    key: file:$P/ca.key.pem
    ocsp: {}
YAML
}
export LASTLEAF_CONFIG=$T_DIR/ll.yaml
write_config "  listen: \"127.0.0.1:$APORT\""
ll migrate >/dev/null
ll ca add --name root "$P/root.pem" >/dev/null
ll ca add --name ca "$P/ca.pem" >/dev/null
ll ca add --name sub "$P/sub.pem" >/dev/null
ll import "$P/ca-leaves.pem" >/dev/null

H=http://127.0.0.1:$APORT
S=https://localhost:$APORT
TLS=(--cacert "$P/srv-root.pem" --resolve "localhost:$APORT:127.0.0.1")
# code URL [curl args] -> HTTP status (000 when no HTTP answer); body in $T_DIR/body
code() {
	local url=$1; shift
	curl -s -m 10 -o "$T_DIR/body" -w '%{http_code}' "$@" "$url" || true
}
# post PATH JSON [curl args] -> status, as code
post() {
	local path=$1 json=$2; shift 2
	code "$BASE$path" -X POST -H 'Content-Type: application/json' --data-binary "$json" "$@"
}
body() { cat "$T_DIR/body"; }
# the last body is exactly {"error": "<non-empty text>"}
json_error() {
	$PY -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not (list(d) == ["error"] and d["error"]))' "$T_DIR/body"
}
start_daemon() { # [curl args for /healthz]
	"$LASTLEAF" serve >>"$T_DIR/serve.log" 2>&1 &
	DAEMON=$!
	for _ in $(seq 1 150); do
		[ "$(code "$BASE/healthz" "$@")" = 200 ] && return 0
		kill -0 "$DAEMON" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# refuses NEEDLE: serve must exit non-zero at once, naming NEEDLE
refuses() {
	local desc=$1 needle=$2
	run timeout 20 "$LASTLEAF" serve
	check "$desc: serve refuses to start (exit $RC)" [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]
	contains "$desc: the message names $needle" "$OUT" "$needle"
}
leaf_revoked() { sql "SELECT count(*) FROM leaf WHERE revoked_at IS NOT NULL"; }
audit_rows() { sql "SELECT count(*) FROM audit"; }
REV='{"ca": "ca", "serial": "0702", "reason": "keyCompromise"}'

# ---- (1) default: loopback, no credential --------------------------------
BASE=$H
check "default config: serve starts, /healthz 200 on 127.0.0.1" start_daemon
eq "default: GET /metrics needs no credential on loopback" "$(code "$H/metrics")" 200
eq "default: POST /api/v1/revoke refused (403) without a configured credential" "$(post /api/v1/revoke "$REV")" 403
contains "default: ... the refusal names admin.token_file and admin.client_ca" "$(body)" "configure admin.token_file or admin.client_ca"
check "default: ... as a JSON error" json_error
eq "default: ... and nothing was revoked" "$(leaf_revoked)" 0
eq "default: GET on a state-changing route: 405" "$(code "$H/api/v1/revoke")" 405
eq "default: POST on a read-only route: 405" "$(code "$H/metrics" -X POST -d x)" 405
eq "default: unknown path: 404" "$(code "$H/nope")" 404
stop_daemon

# ---- (2) bearer token ---------------------------------------------------
write_config "  listen: \"127.0.0.1:$APORT\"
  token_file: $T_DIR/token"
AUTH=(-H "Authorization: Bearer $TOKEN")
WRONG=(-H "Authorization: Bearer ${TOKEN}x")
check "token: serve starts" start_daemon
eq "token: /healthz stays open" "$(code "$H/healthz")" 200
eq "token: /metrics without a token: 401" "$(code "$H/metrics" -D "$T_DIR/hdr")" 401
contains "token: ... with WWW-Authenticate: Bearer" "$(cat "$T_DIR/hdr")" "WWW-Authenticate: Bearer"
eq "token: /metrics with a wrong token: 403" "$(code "$H/metrics" "${WRONG[@]}")" 403
check "token: ... as a JSON error" json_error
eq "token: /metrics with a token of another scheme: 401" "$(code "$H/metrics" -H "Authorization: Basic $TOKEN")" 401
eq "token: /metrics with the token: 200" "$(code "$H/metrics" "${AUTH[@]}")" 200
contains "token: ... and it is the metrics" "$(body)" "lastleaf_ocsp_requests_total"
eq "token: /api/v1/report without a token: 401" "$(code "$H/api/v1/report")" 401
A0=$(audit_rows)
eq "token: revoke without a token: 401" "$(post /api/v1/revoke "$REV")" 401
eq "token: revoke with a wrong token: 403" "$(post /api/v1/revoke "$REV" "${WRONG[@]}")" 403
eq "token: ... nothing revoked, no audit row" "$(leaf_revoked)/$(audit_rows)" "0/$A0"

# (6) malformed requests change nothing
for bad in 'not json' '{"ca": "ca", "serial": "0702", "reason": "keyCompromise"' \
	'{"ca": "ca", "serial": "0702", "reason": "keyCompromise"} x' \
	'{"ca": {"n": 1}, "serial": "0702", "reason": "keyCompromise"}' \
	'{"ca": "ca", "ca": "ca", "serial": "0702", "reason": "keyCompromise"}' \
	'{"ca": "ca", "serial": "0702", "reason": "keyCompromise", "extra": "1"}' \
	'{"ca": "c\u0000a", "serial": "0702", "reason": "keyCompromise"}' \
	'{"ca": "ca", "serial": 702, "reason": "keyCompromise"}' \
	'{"ca": "ca", "serial": "07zz", "reason": "keyCompromise"}' \
	'{"ca": "ca", "serial": "0702", "reason": "keyCompromise", "revoked_at": "yesterday"}' \
	'{"ca": "ca", "serial": "0702"}' '[]' ''; do
	eq "bad body '$bad': 400" "$(post /api/v1/revoke "$bad" "${AUTH[@]}")" 400
	check "... answered as a JSON error ($(body))" json_error
done
printf '\xff' >"$T_DIR/badutf8"
eq "invalid UTF-8 in a string: 400" "$(code "$H/api/v1/revoke" -X POST -H 'Content-Type: application/json' \
	--data-binary "{\"ca\": \"$(cat "$T_DIR/badutf8")\", \"serial\": \"0702\", \"reason\": \"keyCompromise\"}" "${AUTH[@]}")" 400
$PY -c 'import sys; sys.stdout.write("{\"ca\": \"ca\", \"serial\": \"0702\", \"reason\": \"keyCompromise\", \"pad\": \"" + "x" * 70000 + "\"}")' >"$T_DIR/big.json"
eq "a 70 KB body: 413" "$(code "$H/api/v1/revoke" -X POST -H 'Content-Type: application/json' --data-binary "@$T_DIR/big.json" "${AUTH[@]}")" 413
eq "a form body (not JSON): 415" "$(code "$H/api/v1/revoke" -X POST --data-binary "$REV" "${AUTH[@]}")" 415
eq "malformed requests leave no audit row" "$(audit_rows)" "$A0"
eq "certificateHold: 400 (A29)" "$(post /api/v1/revoke '{"ca": "ca", "serial": "0702", "reason": "certificateHold"}' "${AUTH[@]}")" 400
eq "a revocation time in the future: 400" "$(post /api/v1/revoke '{"ca": "ca", "serial": "0702", "reason": "keyCompromise", "revoked_at": "2999-01-01T00:00:00Z"}' "${AUTH[@]}")" 400
eq "an unknown CA: 404" "$(post /api/v1/revoke '{"ca": "nosuch", "serial": "0702", "reason": "keyCompromise"}' "${AUTH[@]}")" 404
eq "an unknown serial: 404" "$(post /api/v1/revoke '{"ca": "ca", "serial": "0799", "reason": "keyCompromise"}' "${AUTH[@]}")" 404
eq "bad requests: nothing was revoked" "$(leaf_revoked)" 0
eq "refusals by the revoke module are audited with their status" \
	"$(sql "SELECT string_agg(actor || '/' || (args->>'status'), ' ' ORDER BY id) FROM audit WHERE id > 0 AND action = 'admin-api.revoke'")" \
	"admin-api:token/400 admin-api:token/400 admin-api:token/404 admin-api:token/404"
eq "... and only those" "$(audit_rows)" "$((A0 + 4))"

# the revocation itself
T0=$(date +%s.%N)
eq "token: revoke with the token: 200" "$(post /api/v1/revoke "$REV" "${AUTH[@]}")" 200
contains "token: ... result revoked" "$(body)" '"result":"revoked"'
got=no
for _ in $(seq 1 50); do
	out=$(timeout 10 openssl ocsp -issuer "$P/ca.pem" -cert "$P/ca-2.pem" -url "http://127.0.0.1:$PORT" \
		-CAfile "$P/chain.pem" -no-CApath -no-CAstore 2>&1 || true)
	if grep -q "ca-2.pem: revoked" <<<"$out" && grep -q "Response verify OK" <<<"$out"; then got=yes; break; fi
	sleep 0.1
done
T1=$(date +%s.%N)
check "OCSP (openssl ocsp, verified) answers revoked for 0702 within 5 s ($(printf '%.1f' "$(echo "$T1 - $T0" | bc)") s)" \
	[ "$got" = yes ] && [ "$(echo "$T1 - $T0 < 5" | bc)" = 1 ]
contains "... reason keyCompromise" "$out" "Reason: keyCompromise"
eq "the database has 0702 revoked (keyCompromise)" "$(sql "SELECT encode(serial, 'hex'), revocation_reason FROM leaf WHERE revoked_at IS NOT NULL")" "0702|1"
AUD=$(ll audit export)
contains "audit export: the revoke module's own revoke.leaf row for serial 0702" "$(grep '"revoke.leaf"' <<<"$AUD")" "0702"
eq "audit: the admin-api row names the token as the actor" \
	"$(sql "SELECT actor || ' ' || (result->>'result') FROM audit WHERE action = 'admin-api.revoke' AND args->>'status' = '200'")" \
	"admin-api:token revoked"
run ll audit verify
check "audit verify: the chain is intact with the API's rows ($OUT)" [ "$RC" -eq 0 ]
eq "the same revocation again: 200 unchanged" "$(post /api/v1/revoke "$REV" "${AUTH[@]}"; body | grep -o '"result":"[a-z]*"')" '200"result":"unchanged"'
eq "a conflicting revocation: 409" "$(post /api/v1/revoke '{"ca": "ca", "serial": "0702", "reason": "superseded"}' "${AUTH[@]}")" 409
eq "... still keyCompromise" "$(sql "SELECT revocation_reason FROM leaf WHERE revoked_at IS NOT NULL")" 1

# retirement plans over the API
eq "retire plan, dry run: 200" "$(post /api/v1/retire/plan "{\"ca_cert\": \"$SUB\", \"dry_run\": true}" "${AUTH[@]}")" 200
contains "... result dry_run" "$(body)" '"result":"dry_run"'
eq "... stores no plan" "$(sql "SELECT count(*) FROM retire_plan")" 0
eq "retire plan by file name (not a SHA-256): 400" "$(post /api/v1/retire/plan "{\"ca_cert\": \"$P/sub.pem\"}" "${AUTH[@]}")" 400
eq "retire plan without a token: 401" "$(post /api/v1/retire/plan "{\"ca_cert\": \"$SUB\"}")" 401
eq "retire plan: 200" "$(post /api/v1/retire/plan "{\"ca_cert\": \"$SUB\", \"reason\": \"superseded\", \"grace\": \"2d\", \"rationale\": \"test\"}" "${AUTH[@]}")" 200
contains "... result planned" "$(body)" '"result":"planned"'
eq "... the plan is stored as planned, superseded, 2 days grace" "$(sql "SELECT state, reason, grace_seconds FROM retire_plan")" "planned|4|172800"
eq "retire plan again: 409" "$(post /api/v1/retire/plan "{\"ca_cert\": \"$SUB\"}" "${AUTH[@]}")" 409
eq "retire cancel with a wrong token: 403" "$(post /api/v1/retire/cancel "{\"ca_cert\": \"$SUB\"}" "${WRONG[@]}")" 403
eq "retire cancel: 200" "$(post /api/v1/retire/cancel "{\"ca_cert\": \"$SUB\"}" "${AUTH[@]}")" 200
eq "... the plan is cancelled" "$(sql "SELECT state FROM retire_plan")" "cancelled"
eq "retire cancel again: 404" "$(post /api/v1/retire/cancel "{\"ca_cert\": \"$SUB\"}" "${AUTH[@]}")" 404
eq "audit: dry run, plan and cancel rows, with the token as actor" \
	"$(sql "SELECT string_agg(action || '/' || actor, ' ' ORDER BY id) FROM audit WHERE action LIKE 'admin-api.retire%' AND args->>'status' = '200'")" \
	"admin-api.retire.plan/admin-api:token admin-api.retire.plan/admin-api:token admin-api.retire.cancel/admin-api:token"
eq "audit: the module's own retire.plan and retire.cancel rows" "$(sql "SELECT count(*) FROM audit WHERE action IN ('retire.plan', 'retire.cancel')")" 2
eq "revoke a CA certificate by SHA-256 with an unspecified reason: 400 (A31)" "$(post /api/v1/revoke "{\"ca_cert\": \"$SUB\", \"reason\": \"unspecified\"}" "${AUTH[@]}")" 400
eq "revoke a CA certificate with ca_cert and serial: 400" "$(post /api/v1/revoke "{\"ca_cert\": \"$SUB\", \"serial\": \"01\", \"reason\": \"superseded\"}" "${AUTH[@]}")" 400
eq "revoke an unknown CA certificate: 404" "$(post /api/v1/revoke "{\"ca_cert\": \"$(printf '%064d' 0)\", \"reason\": \"superseded\"}" "${AUTH[@]}")" 404
eq "revoke a CA certificate by SHA-256: 200 revoked" "$(post /api/v1/revoke "{\"ca_cert\": \"$SUB\", \"reason\": \"cessationOfOperation\"}" "${AUTH[@]}"; body | grep -o '"result":"[a-z]*"')" '200"result":"revoked"'
eq "... recorded on the CA certificate (cessationOfOperation)" "$(sql "SELECT revocation_reason FROM ca_cert WHERE encode(sha256, 'hex') = '$SUB' AND revoked_at IS NOT NULL")" 5
eq "... with its revoke.ca_cert audit row" "$(sql "SELECT count(*) FROM audit WHERE action = 'revoke.ca_cert'")" 1
stop_daemon
check "the token never appears in the log" bash -c "! grep -qF -- '$TOKEN' '$T_DIR/serve.log'"
contains "the wrong token is logged as such (without the token)" "$(cat "$T_DIR/serve.log")" "wrong bearer token"

# ---- (3) start-up refusals for the token file ---------------------------
chmod 644 "$T_DIR/token"
refuses "token file mode 0644" "admin.token_file"
chmod 600 "$T_DIR/token"
: >"$T_DIR/empty"
chmod 600 "$T_DIR/empty"
write_config "  listen: \"127.0.0.1:$APORT\"
  token_file: $T_DIR/empty"
refuses "empty token file" "admin.token_file"

# ---- (4) non-loopback without a credential ------------------------------
write_config "  listen: \"0.0.0.0:$APORT\""
refuses "admin.listen 0.0.0.0 without a credential" "admin.listen"
write_config "  listen: \"[::]:$APORT\""
refuses "admin.listen [::] without a credential" "admin.listen"
write_config "  listen: \"127.0.0.1:$APORT\"
  client_ca: $P/client-ca.pem"
refuses "client_ca without tls_cert/tls_key" "admin.client_ca"

# ---- (5) mutual TLS, on 0.0.0.0 -----------------------------------------
write_config "  listen: \"0.0.0.0:$APORT\"
  client_ca: $P/client-ca.pem
  tls_cert: $P/srv.pem
  tls_key: file:$P/srv.key.pem"
BASE=$S
check "mTLS: serve starts on 0.0.0.0; /healthz 200 over TLS without a client certificate" start_daemon "${TLS[@]}"
ALICE=(--cert "$P/alice.pem" --key "$P/alice.key.pem")
MALLORY=(--cert "$P/mallory.pem" --key "$P/mallory.key.pem")
eq "mTLS: /metrics without a client certificate: 401" "$(code "$S/metrics" "${TLS[@]}")" 401
eq "mTLS: /metrics with a certificate of another CA: no HTTP answer" "$(code "$S/metrics" "${TLS[@]}" "${MALLORY[@]}")" 000
eq "mTLS: /metrics with the client certificate: 200" "$(code "$S/metrics" "${TLS[@]}" "${ALICE[@]}")" 200
contains "mTLS: ... and it is the metrics" "$(body)" "lastleaf_ocsp_requests_total"
eq "mTLS: plain HTTP on the TLS port: no HTTP answer" "$(code "$H/metrics")" 000
eq "mTLS: revoke without a client certificate: 401" "$(post /api/v1/revoke '{"ca": "ca", "serial": "0703", "reason": "superseded"}' "${TLS[@]}")" 401
eq "mTLS: revoke with another CA's certificate: no HTTP answer" "$(post /api/v1/revoke '{"ca": "ca", "serial": "0703", "reason": "superseded"}' "${TLS[@]}" "${MALLORY[@]}")" 000
eq "mTLS: ... nothing revoked" "$(sql "SELECT count(*) FROM leaf WHERE revoked_at IS NOT NULL")" 1
eq "mTLS: revoke with the client certificate: 200" "$(post /api/v1/revoke '{"ca": "ca", "serial": "0703", "reason": "superseded"}' "${TLS[@]}" "${ALICE[@]}")" 200
eq "mTLS: the audit actor is the certificate's CN" \
	"$(sql "SELECT actor FROM audit WHERE action = 'admin-api.revoke' AND args->'request'->>'serial' = '0703' AND args->>'status' = '200'")" \
	"admin-api:cert:ops-alice"
stop_daemon

t_done
