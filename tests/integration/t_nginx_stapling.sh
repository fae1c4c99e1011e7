#!/usr/bin/env bash
# nginx (Debian's) with ssl_stapling pointed at `lastleaf serve`: the
# response nginx fetches, caches and staples must satisfy
# `openssl s_client -status`, which verifies it against the CA.
. "$LL_SRC/tests/lib/common.sh"
command -v nginx >/dev/null || { fail "nginx is not installed"; t_done; exit 1; }
t_newdb
DAEMON= NGX=
stop_all() {
	[ -n "$NGX" ] && kill "$NGX" 2>/dev/null && wait "$NGX" 2>/dev/null
	[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
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
root, rk = pki.make_root("Stapling Root", key_type="p256")
ca, ck = pki.make_intermediate("Stapling CA", root, rk, key_type="p256")
srv, sk = pki.make_leaf(ca, ck, cn="localhost", dns=["localhost"], eku=["serverAuth"], days=30)
pki.write_pem(f"{d}/root.pem", root); pki.write_pem(f"{d}/ca.pem", ca)
pki.write_key(f"{d}/ca.key.pem", ck)
pki.write_pem(f"{d}/server.pem", srv); pki.write_key(f"{d}/server.key.pem", sk)
PYEOF
cat "$P/server.pem" "$P/ca.pem" >"$P/server-chain.pem"
cat "$P/root.pem" "$P/ca.pem" >"$P/trust.pem"
read -r PORT APORT TLSPORT <<<"$($PY "$LL_SRC/tests/lib/freeport.py" 3)"
cat >"$T_DIR/ll.yaml" <<YAML
ocsp:
  listen: ["127.0.0.1:$PORT"]
admin:
  listen: "127.0.0.1:$APORT"
cas:
  - name: ca
    key: file:$P/ca.key.pem
    ocsp: {}
YAML
export LASTLEAF_CONFIG=$T_DIR/ll.yaml
ll migrate >/dev/null
ll ca add --name root "$P/root.pem" >/dev/null
ll ca add --name ca "$P/ca.pem" >/dev/null
ll import "$P/server.pem" >/dev/null
"$LASTLEAF" serve >"$T_DIR/serve.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 300); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APORT/healthz")" = 200 ] && break
	sleep 0.1
done
check "lastleaf serve is ready" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APORT/healthz")" = 200 ]
mkdir -p "$T_DIR/ngx/logs"
USERLINE=""
[ "$(id -u)" -eq 0 ] && USERLINE="user root;"
cat >"$T_DIR/ngx/nginx.conf" <<NGX
$USERLINE
worker_processes 1;
pid $T_DIR/ngx/nginx.pid;
error_log $T_DIR/ngx/logs/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $T_DIR/ngx/tmp; proxy_temp_path $T_DIR/ngx/tmp;
  fastcgi_temp_path $T_DIR/ngx/tmp; uwsgi_temp_path $T_DIR/ngx/tmp; scgi_temp_path $T_DIR/ngx/tmp;
  server {
    listen 127.0.0.1:$TLSPORT ssl;
    server_name localhost;
    ssl_certificate $P/server-chain.pem;
    ssl_certificate_key $P/server.key.pem;
    ssl_stapling on;
    ssl_stapling_verify on;
    ssl_trusted_certificate $P/trust.pem;
    ssl_stapling_responder http://127.0.0.1:$PORT/;
    location / { return 200 "ok\n"; }
  }
}
NGX
mkdir -p "$T_DIR/ngx/tmp"
nginx -p "$T_DIR/ngx" -c "$T_DIR/ngx/nginx.conf" -g 'daemon off;' >"$T_DIR/ngx/out.log" 2>&1 &
NGX=$!
stapled=""
for _ in $(seq 1 90); do
	out=$(timeout 10 openssl s_client -connect "127.0.0.1:$TLSPORT" -servername localhost -status \
		-CAfile "$P/trust.pem" </dev/null 2>&1 || true)
	if grep -q "OCSP Response Status: successful" <<<"$out"; then stapled=yes; break; fi
	sleep 0.5
done
check "nginx staples lastleaf's response" [ "$stapled" = yes ]
contains "... with status good" "$out" "Cert Status: good"
contains "... for the server certificate's serial" "$out" "Serial Number: $(openssl x509 -in "$P/server.pem" -noout -serial | cut -d= -f2)"
contains "... and the TLS chain verifies" "$out" "Verify return code: 0 (ok)"
grep -q "OCSP response not successful\|OCSP_basic_verify() failed" "$T_DIR/ngx/logs/error.log" && fail "nginx rejected a response: $(grep -i ocsp "$T_DIR/ngx/logs/error.log" | head -3)" || ok "nginx logged no OCSP errors"
kill "$DAEMON" 2>/dev/null || true; DRC=0; wait "$DAEMON" || DRC=$?; DAEMON=
eq "lastleaf serve stopped cleanly on SIGTERM" "$DRC" 0
[ "$T_FAILS" -eq 0 ] || { echo "--- serve.log"; tail -40 "$T_DIR/serve.log"; echo "--- nginx error.log"; tail -20 "$T_DIR/ngx/logs/error.log"; }
t_done
