#!/usr/bin/env bash
# `lastleaf serve` end to end on its own private PostgreSQL (so this test
# can stop and restart the database): OCSP over POST and GET checked by
# openssl ocsp, GnuTLS ocsptool and python3-cryptography; RFC 5019 caching
# headers and 304s; a revocation served within 5 s; CRLs over HTTP;
# /healthz and /metrics; the database going away and coming back; bad and
# abusive clients; SIGTERM under load.
. "$LL_SRC/tests/lib/common.sh"
. "$LL_SRC/scripts/lib.sh"
PGD=$T_DIR/pg
ll_pg_start "$PGD"
psql -X -q -d postgres -c "CREATE DATABASE serve" >/dev/null
export PGDATABASE=serve
DAEMON=
stop_all() {
	[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
	ll_pg_stop "$PGD"
	t_cleanup
}
trap stop_all EXIT

P=$T_DIR/pki
mkdir -p "$P"
$PY - "$P" <<'PYEOF'
import sys, os
sys.path.insert(0, os.environ["LL_SRC"] + "/tests/lib")
import pki
d = sys.argv[1]
root, rk = pki.make_root("Serve Test Root", key_type="p256")
ca, ck = pki.make_intermediate("Serve Test CA", root, rk, key_type="p256")
dg, dk = pki.make_intermediate("Serve Delegating CA", root, rk, key_type="rsa2048")
for n, c, k in (("root", root, rk), ("ca", ca, ck), ("dg", dg, dk)):
    pki.write_pem(f"{d}/{n}.pem", c); pki.write_key(f"{d}/{n}.key.pem", k)
resp, rpk = pki.make_ocsp_responder(dg, dk)
pki.write_pem(f"{d}/dg-ocsp.pem", resp); pki.write_key(f"{d}/dg-ocsp.key.pem", rpk)
lk = pki.generate_key("p256")
for n, c, k in (("ca", ca, ck), ("dg", dg, dk)):
    leaves = [pki.make_leaf(c, k, serial=0x700 + i, key=lk, days=100)[0] for i in range(10)]
    pki.write_pem(f"{d}/{n}-leaves.pem", leaves)
    for i, l in enumerate(leaves):
        pki.write_pem(f"{d}/{n}-{i}.pem", l)
late = pki.make_leaf(ca, ck, serial=0x7ff, key=lk, days=100)[0]
pki.write_pem(f"{d}/late.pem", late)
PYEOF
cat "$P/root.pem" "$P/ca.pem" >"$P/chain-ca.pem"
cat "$P/root.pem" "$P/dg.pem" >"$P/chain-dg.pem"
read -r PORT APORT <<<"$($PY "$LL_SRC/tests/lib/freeport.py" 2)"
cat >"$T_DIR/ll.yaml" <<YAML
database:
  url: "host=$PGD port=5432 user=lastleaf dbname=serve connect_timeout=3"
crl:
  publish_dir: $T_DIR/pub
ocsp:
  listen: ["127.0.0.1:$PORT"]
  threads: 2
  timeout: 3s
  max_connections: 2000
admin:
  listen: "127.0.0.1:$APORT"
cas:
  - name: ca
    key: file:$P/ca.key.pem
    crl: {next_update: 7d}
    ocsp: {}
  - name: dg
    key: file:$P/dg.key.pem
    ocsp:
      responder_cert: $P/dg-ocsp.pem
      responder_key: file:$P/dg-ocsp.key.pem
YAML
export LASTLEAF_CONFIG=$T_DIR/ll.yaml
ll migrate >/dev/null
ll ca add --name root "$P/root.pem" >/dev/null
ll ca add --name ca "$P/ca.pem" >/dev/null
ll ca add --name dg "$P/dg.pem" >/dev/null
ll import "$P/ca-leaves.pem" "$P/dg-leaves.pem" >/dev/null
ll revoke --ca ca --serial 0701 --reason keyCompromise >/dev/null
ll revoke --ca dg --serial 0701 --reason cessationOfOperation >/dev/null
ll crl generate --ca ca >/dev/null

start_daemon() {
	"$LASTLEAF" serve >>"$T_DIR/serve.log" 2>&1 &
	DAEMON=$!
	for _ in $(seq 1 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APORT/healthz")" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}
check "serve starts and /healthz answers 200 once loaded" start_daemon
URL=http://127.0.0.1:$PORT
q() { # CA INDEX [extra openssl args] -> openssl ocsp output
	local ca=$1 i=$2; shift 2
	timeout 20 openssl ocsp -issuer "$P/$ca.pem" "$@" -cert "$P/$ca-$i.pem" -url "$URL" \
		-CAfile "$P/chain-$ca.pem" -no-CApath -no-CAstore 2>&1 || true
}
for ca in ca dg; do
	out=$(q $ca 0); contains "$ca: good over POST, verified" "$out" "Response verify OK"
	contains "$ca: ... status good" "$out" "$ca-0.pem: good"
	out=$(q $ca 1); contains "$ca: revoked" "$out" "$ca-1.pem: revoked"
	out=$(q $ca 0 -sha256); contains "$ca: SHA-256 CertID answered and matched (B15)" "$out" "$ca-0.pem: good"
done
out=$(timeout 20 openssl ocsp -issuer "$P/ca.pem" -serial 0x123456 -url "$URL" -CAfile "$P/chain-ca.pem" 2>&1 || true)
contains "serial never issued: unauthorized, never good (B14)" "$out" "unauthorized"
out=$(timeout 20 openssl ocsp -issuer "$P/root.pem" -cert "$P/ca.pem" -url "$URL" -CAfile "$P/root.pem" 2>&1 || true)
contains "issuer not served: unauthorized (E20)" "$out" "unauthorized"
out=$(timeout 20 ocsptool --ask="$URL" --load-issuer "$P/ca.pem" --load-cert "$P/ca-0.pem" --load-signer "$P/ca.pem" 2>&1 </dev/null || true)
contains "GnuTLS ocsptool --ask: verified" "$out" "Verifying OCSP Response: Success"
contains "GnuTLS ocsptool --ask: good" "$out" "Certificate Status: good"

# GET with caching headers (B18, B19)
REQ=$(openssl ocsp -issuer "$P/ca.pem" -cert "$P/ca-0.pem" -no_nonce -reqout /dev/stdout | base64 -w0)
ENC=$($PY -c "import urllib.parse,sys;print(urllib.parse.quote(sys.argv[1], safe=''))" "$REQ")
H=$(curl -s -D - -o "$T_DIR/get.der" "$URL/$ENC")
contains "GET: 200" "$H" "HTTP/1.1 200"
contains "GET: content type" "$H" "Content-Type: application/ocsp-response"
contains "GET: Cache-Control" "$H" "public, no-transform, must-revalidate"
contains "GET: Last-Modified" "$H" "Last-Modified: "
contains "GET: Expires" "$H" "Expires: "
contains "GET: Date" "$H" "Date: "
ETAG=$(grep -i '^ETag:' <<<"$H" | cut -d' ' -f2 | tr -d '\r')
eq "GET: ETag is the SHA-256 of the bytes" "$ETAG" "\"$(sha256sum "$T_DIR/get.der" | cut -c1-64)\""
MAXAGE=$(grep -io 'max-age=[0-9]*' <<<"$H" | cut -d= -f2)
DATE=$(grep -i '^Date:' <<<"$H" | cut -d' ' -f2- | tr -d '\r')
NU=$($PY -c "from cryptography.x509 import ocsp;import sys,email.utils as e;r=ocsp.load_der_ocsp_response(open(sys.argv[1],'rb').read());print(int((r.next_update-e.parsedate_to_datetime(sys.argv[2]).replace(tzinfo=None)).total_seconds()))" "$T_DIR/get.der" "$DATE")
check "max-age ($MAXAGE) ends no later than nextUpdate ($NU s after Date)" [ "$MAXAGE" -le "$NU" -a "$MAXAGE" -gt 0 ]
eq "If-None-Match: 304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$URL/$ENC")" 304
eq "GET with %2F, '+' and '=' raw (E18)" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$URL/$(sed 's|/|%2F|g' <<<"$REQ")")" "200 application/ocsp-response"
run $PY - "$T_DIR/get.der" "$P/ca.pem" "$P/ca-0.pem" <<'PYEOF'
import sys
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.hazmat.primitives.asymmetric import ec
r = ocsp.load_der_ocsp_response(open(sys.argv[1], "rb").read())
ca = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
leaf = x509.load_pem_x509_certificate(open(sys.argv[3], "rb").read())
assert r.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
assert r.certificate_status == ocsp.OCSPCertStatus.GOOD
assert r.serial_number == leaf.serial_number
assert r.hash_algorithm.name == "sha1"
ca.public_key().verify(r.signature, r.tbs_response_bytes, ec.ECDSA(r.signature_hash_algorithm))
assert r.next_update > r.this_update
print("ok")
PYEOF
check "python3-cryptography: good, SHA-1 CertID, CA signature ($OUT)" [ $RC -eq 0 ]

# errors: unsigned, never cached (B17)
eq "garbage POST: unsigned malformedRequest (30 03 0a 01 01)" "$($PY "$LL_SRC/tests/lib/abuse.py" garbage "$PORT")" 30030a0101
openssl ocsp -issuer "$P/ca.pem" -cert "$P/ca-0.pem" -reqout "$T_DIR/req.der" >/dev/null 2>&1
eq "truncated DER: malformedRequest" "$($PY "$LL_SRC/tests/lib/abuse.py" truncated "$PORT" "$T_DIR/req.der")" 30030a0101
H=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/ocsp-request' --data-binary 'xx' "$URL/")
contains "error answers carry no-cache" "$H" "no-cache"

# a revocation while running is served within 5 s
T0=$(date +%s.%N)
ll revoke --ca ca --serial 0703 --reason superseded >/dev/null
got=""
for _ in $(seq 1 50); do
	out=$(q ca 3)
	if grep -q "ca-3.pem: revoked" <<<"$out"; then got=yes; break; fi
	sleep 0.1
done
T1=$(date +%s.%N)
check "revocation served as revoked within 5 s ($(printf '%.1f' "$(echo "$T1 - $T0" | bc)") s)" [ "$got" = yes ] && [ "$(echo "$T1 - $T0 < 5" | bc)" = 1 ]
# and an import is answered without waiting for a sweep (B10)
ll import "$P/late.pem" >/dev/null
got=""
for _ in $(seq 1 50); do
	out=$(timeout 10 openssl ocsp -issuer "$P/ca.pem" -cert "$P/late.pem" -url "$URL" -CAfile "$P/chain-ca.pem" 2>&1 || true)
	if grep -q "late.pem: good" <<<"$out"; then got=yes; break; fi
	sleep 0.1
done
check "a newly imported leaf is answered within seconds (B10)" [ "$got" = yes ]

# CRLs over HTTP
H=$(curl -s -D - -o "$T_DIR/got.crl" "$URL/crl/ca.crl")
contains "CRL served" "$H" "HTTP/1.1 200"
check "... the published bytes" cmp -s "$T_DIR/got.crl" "$T_DIR/pub/ca.crl"
CETAG=$(grep -i '^ETag:' <<<"$H" | cut -d' ' -f2 | tr -d '\r')
LM=$(grep -i '^Last-Modified:' <<<"$H" | cut -d' ' -f2- | tr -d '\r')
eq "CRL If-None-Match: 304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $CETAG" "$URL/crl/ca.crl")" 304
eq "CRL If-Modified-Since: 304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $LM" "$URL/crl/ca.crl")" 304
eq "unknown CRL: 404" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/crl/nope.crl")" 404
eq "path traversal refused" "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$URL/crl/../ll.yaml")" 404

# metrics
M=$(curl -s "http://127.0.0.1:$APORT/metrics")
contains "metrics: requests by result" "$M" 'lastleaf_ocsp_requests_total{result="successful"}'
contains "metrics: latency histogram" "$M" "lastleaf_ocsp_request_duration_seconds_bucket"
contains "metrics: responses in memory" "$M" "lastleaf_ocsp_responses_in_memory"

# abusive clients do not stall others
$PY "$LL_SRC/tests/lib/abuse.py" idle "$PORT" 1000 >"$T_DIR/idle.out" 2>&1 &
IDLE=$!
$PY "$LL_SRC/tests/lib/abuse.py" slowloris "$PORT" >"$T_DIR/slow.out" 2>&1 &
SLOW=$!
sleep 1.5
out=$(q ca 0); contains "answers others while 1000 idle connections and a slowloris client hang on" "$out" "ca-0.pem: good"
out=$($PY "$LL_SRC/tests/lib/abuse.py" longline "$PORT"); check "100 kB request line refused ($out)" [ "$out" != "HTTP/1.1 200 OK" ]
out=$($PY "$LL_SRC/tests/lib/abuse.py" hugebody "$PORT"); check "huge Content-Length refused ($out)" [ "$out" != "HTTP/1.1 200 OK" ]
wait $IDLE $SLOW
out=$(q ca 0); contains "still answering after the abuse" "$out" "ca-0.pem: good"

# the database goes away: keep serving from memory, say so, recover
ll_pg_stop "$PGD"
sleep 2
out=$(q ca 0); contains "database down: answers keep coming from memory" "$out" "ca-0.pem: good"
contains "database down: /healthz says degraded" "$(curl -s "http://127.0.0.1:$APORT/healthz")" '"status": "degraded"'
ll_pg_as_owner "$LL_PG_BINDIR/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w start >/dev/null
for _ in $(seq 1 100); do
	grep -q '"status": "ok"' <<<"$(curl -s "http://127.0.0.1:$APORT/healthz")" && break
	sleep 0.2
done
contains "database back: /healthz recovers" "$(curl -s "http://127.0.0.1:$APORT/healthz")" '"status": "ok"'
ll revoke --ca ca --serial 0704 --reason superseded >/dev/null
got=""
for _ in $(seq 1 50); do grep -q "ca-4.pem: revoked" <<<"$(q ca 4)" && { got=yes; break; }; sleep 0.1; done
check "after recovery, revocations flow again" [ "$got" = yes ]

# SIGTERM under load: every request that reached the server is answered
lost=0
for w in 1 2 3 4; do
	( for _ in $(seq 1 400); do
		curl -s -o /dev/null --max-time 5 "$URL/$ENC"; rc=$?
		case $rc in 0|7) ;; *) echo "lost $rc" ;; esac
		[ $rc = 7 ] && break
	done ) >"$T_DIR/load$w.out" &
done
sleep 1
kill -TERM "$DAEMON"
DRC=0; wait "$DAEMON" || DRC=$?
DAEMON=
wait
lost=$(cat "$T_DIR"/load*.out | grep -c lost || true)
eq "SIGTERM: exit status 0" "$DRC" 0
eq "SIGTERM under load: no request lost in flight" "$lost" 0
grep -q 'level=info msg="stopped"' "$T_DIR/serve.log" && ok "logs are logfmt and say stopped" || fail "no stop log line"
grep -qi "BEGIN .*PRIVATE KEY" "$T_DIR/serve.log" && fail "key material in the log" || ok "no key material in the log"
t_done
