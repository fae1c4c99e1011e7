#!/usr/bin/env bash
# Keys in an HSM (issue 6): a P-256 CA key, an RSA-3072 CA key and a
# delegated OCSP responder key live in a private SoftHSM2 token and are
# used through pkcs11: URIs (RFC 7512). The PEM copies the token was loaded
# from are deleted before lastleaf runs, so every signature below went
# through PKCS#11. CRLs and OCSP responses are checked by openssl, GnuTLS
# (certtool, ocsptool) and python3-cryptography; a wrong PIN, a wrong
# object label and a group-readable PIN file fail clearly and sign
# nothing; cas[].key_sessions bounds the signing threads; pin-value never
# shows in messages; `serve` signs live through the HSM.
. "$LL_SRC/tests/lib/common.sh"
. "$LL_SRC/tests/lib/softhsm.sh"
# scripts/lib.sh installs these; a missing one is a failure, not a skip
for tool in softhsm2-util certtool ocsptool curl; do
	command -v $tool >/dev/null || { echo "FAIL - $tool is not installed" >&2; exit 1; }
done
ls /usr/lib/*/engines-3/pkcs11.so >/dev/null 2>&1 ||
	{ echo "FAIL - libengine-pkcs11-openssl is not installed" >&2; exit 1; }
# shellcheck disable=SC2119
t_newdb
P=$T_DIR/pki
H=$T_DIR/hsm
mkdir -p "$P"
softhsm_setup "$H" lastleaf-test 246810
EC_URI=$(softhsm_import ec-ca p256)
RSA_URI=$(softhsm_import rsa-ca rsa3072)
# the responder key goes through libp11's default module (p11-kit-proxy,
# which loads SoftHSM from its p11-kit registration), with a pin-value
RESP_URI="pkcs11:token=lastleaf-test;object=rsa-ocsp;type=private?pin-value=246810"
softhsm_import rsa-ocsp p256 >/dev/null

$PY - "$P" "$H" <<'PYEOF'
import sys, os
sys.path.insert(0, os.environ["LL_SRC"] + "/tests/lib")
import pki
d, h = sys.argv[1], sys.argv[2]
root, rk = pki.make_root("HSM Test Root", key_type="p256")
ec, ek = pki.make_intermediate("HSM Test EC", root, rk, key=pki.load_key(f"{h}/ec-ca.key.pem"))
rsa, rsk = pki.make_intermediate("HSM Test RSA", root, rk, key=pki.load_key(f"{h}/rsa-ca.key.pem"))
resp, _ = pki.make_ocsp_responder(rsa, rsk, key=pki.load_key(f"{h}/rsa-ocsp.key.pem"))
for n, c in (("root", root), ("ec", ec), ("rsa", rsa), ("rsa-ocsp", resp)):
    pki.write_pem(f"{d}/{n}.pem", c)
pki.write_key(f"{d}/root.key.pem", rk)
lk = pki.generate_key("p256")
for n, c, k in (("ec", ec, ek), ("rsa", rsa, rsk)):
    leaves = [pki.make_leaf(c, k, serial=0x700 + i, key=lk, days=100)[0] for i in range(30)]
    pki.write_pem(f"{d}/{n}-leaves.pem", leaves)
    for i in (0, 1):
        pki.write_pem(f"{d}/{n}-leaf{i}.pem", leaves[i])
PYEOF
# from here on the HSM keys exist only inside the token
rm -f "$H"/ec-ca.key.pem "$H"/rsa-ca.key.pem "$H"/rsa-ocsp.key.pem
check "no PEM copy of the HSM keys is left" [ -z "$(ls "$H"/*.key.pem 2>/dev/null)" ]

config() { # EC_KEY_URI RSA_KEY_URI EC_SESSIONS -> YAML on stdout
	cat <<YAML
ocsp:
  validity: 4d
crl:
  publish_dir: $T_DIR/pub
cas:
  - name: root
    key: file:$P/root.key.pem
  - name: ec
    key: "$1"
    key_sessions: $3
    ocsp: {}
  - name: rsa
    key: "$2"
    ocsp:
      responder_cert: $P/rsa-ocsp.pem
      responder_key: "$RESP_URI"
YAML
}
config "$EC_URI" "$RSA_URI" 1 >"$T_DIR/ll.yaml"
export LASTLEAF_CONFIG=$T_DIR/ll.yaml
ll migrate >/dev/null
ll ca add --name root "$P/root.pem" >/dev/null
ll ca add --name ec "$P/ec.pem" >/dev/null
ll ca add --name rsa "$P/rsa.pem" >/dev/null
run ll import "$P/ec-leaves.pem" "$P/rsa-leaves.pem"
contains "leaves imported" "$OUT" "imported 60, unchanged 0, rejected 0, conflicts 0"
ll revoke --ca ec --serial 0701 --reason keyCompromise >/dev/null
ll revoke --ca rsa --serial 0701 --reason superseded >/dev/null

# --- failures first: each must sign nothing ---------------------------------------
nothing_signed() { # LABEL
	eq "$1: no OCSP response stored" "$(sql "select count(*) from ocsp_response")" 0
	eq "$1: no CRL recorded" "$(sql "select count(*) from crl")" 0
	check "$1: no CRL published" [ -z "$(find "$T_DIR/pub" -name '*.crl' 2>/dev/null)" ]
}
printf '000000\n' >"$H/bad-pin"
chmod 600 "$H/bad-pin"
config "${EC_URI/"file:$H/pin"/"file:$H/bad-pin"}" "$RSA_URI" 1 >"$T_DIR/badpin.yaml"
grep -q "bad-pin" "$T_DIR/badpin.yaml" || fail "the bad-PIN config names the bad PIN file"
run ll -c "$T_DIR/badpin.yaml" ocsp sign --ca ec
check "wrong PIN: ocsp sign fails" [ $RC -ne 0 ]
contains "... saying the PIN is wrong" "$OUT" "PIN incorrect"
contains "... naming the key URI" "$OUT" "object=ec-ca"
run ll -c "$T_DIR/badpin.yaml" crl generate --ca ec
check "wrong PIN: crl generate fails" [ $RC -ne 0 ]
contains "... saying the PIN is wrong" "$OUT" "PIN incorrect"
nothing_signed "wrong PIN"

config "${EC_URI/"object=ec-ca"/"object=no-such-key"}" "$RSA_URI" 1 >"$T_DIR/badobj.yaml"
run ll -c "$T_DIR/badobj.yaml" ocsp sign --ca ec
check "wrong object label: ocsp sign fails" [ $RC -ne 0 ]
contains "... saying the object is not found" "$OUT" "object not found"
contains "... naming the object" "$OUT" "object=no-such-key"
run ll -c "$T_DIR/badobj.yaml" crl generate --ca ec
check "wrong object label: crl generate fails" [ $RC -ne 0 ]
contains "... saying the object is not found" "$OUT" "object not found"
nothing_signed "wrong object"

cp "$H/pin" "$H/open-pin"
chmod 640 "$H/open-pin"
config "${EC_URI/"file:$H/pin"/"file:$H/open-pin"}" "$RSA_URI" 1 >"$T_DIR/openpin.yaml"
run ll -c "$T_DIR/openpin.yaml" ocsp sign --ca ec
check "group-readable PIN file: ocsp sign fails" [ $RC -ne 0 ]
contains "... naming the file and its mode" "$OUT" "pin file $H/open-pin: mode 0640 lets group or others access it"
run ll -c "$T_DIR/openpin.yaml" crl generate --ca ec
check "group-readable PIN file: crl generate fails" [ $RC -ne 0 ]
contains "... naming the file and its mode" "$OUT" "mode 0640"
nothing_signed "group-readable PIN file"

BADVAL="pkcs11:token=lastleaf-test;object=rsa-ocsp?pin-value=s3cr3t-999"
sed "s|$RESP_URI|$BADVAL|" "$T_DIR/ll.yaml" >"$T_DIR/badval.yaml"
run ll -c "$T_DIR/badval.yaml" ocsp sign --ca rsa
check "wrong pin-value: ocsp sign fails" [ $RC -ne 0 ]
contains "... with the PIN redacted" "$OUT" "pin-value=***"
if grep -q "s3cr3t-999" <<<"$OUT"; then fail "the pin-value shows in the message: $OUT"; else ok "the pin-value never shows"; fi
eq "wrong pin-value: no OCSP response stored" "$(sql "select count(*) from ocsp_response")" 0

# --- CRLs signed in the HSM --------------------------------------------------------
run ll crl generate --all
check "crl generate --all through PKCS#11 ($OUT)" [ $RC -eq 0 ]
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
revat() { sql "select to_char(revoked_at,'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from leaf where issuer_key_id=(select id from ca_key where name='$1') and serial='\\x$2'"; }
verify3() { # CA REASON
	local ca=$1 crl=$T_DIR/pub/$1.crl out
	check "$ca: CRL published" [ -s "$crl" ]
	cat "$P/root.pem" "$P/$ca.pem" >"$P/chain-$ca.pem"
	out=$(openssl crl -in "$crl" -inform DER -CAfile "$P/chain-$ca.pem" -noout 2>&1) || true
	# openssl crl exits 0 on a bad signature: read the text (oracles.md)
	contains "$ca CRL: openssl crl says verify OK" "$out" "verify OK"
	{ echo "-----BEGIN X509 CRL-----"; base64 -w64 "$crl"; echo "-----END X509 CRL-----"; } >"$crl.pem"
	out=$(timeout 20 certtool --verify-crl --infile "$crl.pem" --load-ca-certificate "$P/$ca.pem" 2>&1 </dev/null) || true
	contains "$ca CRL: certtool verifies the signature" "$out" "Verified."
	cat >"$T_DIR/exp-$ca.json" <<J
{"number_min": 1, "this_update_max": "$NOW", "idp_uri": null,
 "entries": {"701": {"reason": "$2", "revoked_at": "$(revat "$ca" 0701)"}}}
J
	run $PY "$LL_SRC/tests/lib/crlcheck.py" "$crl" "$P/$ca.pem" "$T_DIR/exp-$ca.json"
	check "$ca CRL: python3-cryptography (is_signature_valid, entries): $OUT" [ $RC -eq 0 ]
}
verify3 ec key_compromise
verify3 rsa superseded
run $PY - "$T_DIR/pub/rsa.crl" "$P/rsa.pem" "$T_DIR/pub/ec.crl" "$P/ec.pem" <<'PYEOF'
import sys
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa, ec
r = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
e = x509.load_der_x509_crl(open(sys.argv[3], "rb").read())
rp = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read()).public_key()
ep = x509.load_pem_x509_certificate(open(sys.argv[4], "rb").read()).public_key()
assert isinstance(rp, rsa.RSAPublicKey) and rp.key_size == 3072, rp
assert isinstance(ep, ec.EllipticCurvePublicKey) and ep.curve.name == "secp256r1", ep
assert r.is_signature_valid(rp) and e.is_signature_valid(ep)
assert not r.is_signature_valid(ep) and not e.is_signature_valid(rp)  # the check can fail
print("ok")
PYEOF
check "the CRLs carry RSA-3072 and P-256 signatures: $OUT" [ $RC -eq 0 ]

# --- OCSP pre-signed in the HSM ----------------------------------------------------
run ll ocsp sign --threads 8
check "ocsp sign through PKCS#11 ($OUT)" [ $RC -eq 0 ]
eq "two responses per leaf" "$(sql "select count(*) from ocsp_response")" 120
contains "key_sessions: 1 bounds the P-256 CA key to one signing thread" "$OUT" \
	"ec: signed 60 responses for 30 certificates"
contains "... (the log says so)" "$(grep '^ec:' <<<"$OUT")" "; 1 signing thread (cas[].key_sessions)"
contains "a pkcs11 key without key_sessions signs with 2 threads" "$(grep '^rsa:' <<<"$OUT")" \
	"; 2 signing threads (pkcs11 default)"

resp() { # CA SERIALHEX ALG -> file
	sql "select encode(r.der,'base64') from ocsp_response r join ca_key k on k.id=r.issuer_key_id where k.name='$1' and r.serial='\\x$2' and hash_alg=$3" | base64 -d >"$T_DIR/r-$1-$2-$3.der"
	echo "$T_DIR/r-$1-$2-$3.der"
}
for ca in ec rsa; do
	for alg in 0 1; do
		sha=""
		[ $alg = 1 ] && sha=-sha256
		# shellcheck disable=SC2086
		out=$(openssl ocsp -respin "$(resp $ca 0700 $alg)" -issuer "$P/$ca.pem" $sha -cert "$P/$ca-leaf0.pem" \
			-CAfile <(cat "$P/root.pem" "$P/$ca.pem") -no-CApath -no-CAstore 2>&1) || true
		contains "$ca alg $alg: openssl verifies the response" "$out" "Response verify OK"
		contains "$ca alg $alg: openssl says good" "$out" "$ca-leaf0.pem: good"
		# shellcheck disable=SC2086
		out=$(openssl ocsp -respin "$(resp $ca 0701 $alg)" -issuer "$P/$ca.pem" $sha -cert "$P/$ca-leaf1.pem" \
			-CAfile <(cat "$P/root.pem" "$P/$ca.pem") -no-CApath -no-CAstore 2>&1) || true
		contains "$ca alg $alg: openssl verifies the revoked response" "$out" "Response verify OK"
		contains "$ca alg $alg: openssl says revoked" "$out" "$ca-leaf1.pem: revoked"
	done
done
out=$(openssl ocsp -respin "$(resp rsa 0700 1)" -issuer "$P/rsa.pem" -sha256 -cert "$P/rsa-leaf0.pem" \
	-VAfile "$P/rsa-ocsp.pem" -no-CApath -no-CAstore 2>&1) || true
contains "delegated response verifies with -VAfile (the responder certificate)" "$out" "Response verify OK"
out=$(openssl ocsp -respin "$(resp rsa 0700 1)" -issuer "$P/rsa.pem" -sha256 -cert "$P/rsa-leaf0.pem" \
	-VAfile "$P/ec.pem" -no-CApath -no-CAstore 2>&1) || true
if grep -q "Response verify OK" <<<"$out"; then fail "a wrong -VAfile must not verify"; else ok "a wrong -VAfile does not verify (the check can fail)"; fi
out=$(ocsptool -e --load-signer "$P/ec.pem" --infile "$(resp ec 0701 1)" --inder 2>&1 </dev/null) || true
contains "ocsptool verifies the HSM CA-signed response" "$out" "Verifying OCSP Response: Success"
contains "... revoked" "$(ocsptool --response-info --infile "$(resp ec 0701 1)" --inder 2>&1 </dev/null)" "Certificate Status: revoked"
out=$(ocsptool -e --load-signer "$P/rsa.pem" --infile "$(resp rsa 0700 0)" --inder 2>&1 </dev/null) || true
contains "ocsptool verifies the HSM delegated response" "$out" "Verifying OCSP Response: Success"
contains "... good" "$(ocsptool --response-info --infile "$(resp rsa 0700 0)" --inder 2>&1 </dev/null)" "Certificate Status: good"

# python3-cryptography: every stored response, status and signature
pyall() {
	sql "select k.name || ' ' || encode(r.serial,'hex') || ' ' || encode(r.der,'hex') from ocsp_response r join ca_key k on k.id=r.issuer_key_id" >"$T_DIR/all.txt"
	run $PY - "$T_DIR/all.txt" "$P" <<'PYEOF'
import sys
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.hazmat.primitives.asymmetric import ec, padding
d = sys.argv[2]
signer = {"ec": x509.load_pem_x509_certificate(open(f"{d}/ec.pem", "rb").read()).public_key(),
          "rsa": x509.load_pem_x509_certificate(open(f"{d}/rsa-ocsp.pem", "rb").read()).public_key()}
n = {"good": 0, "revoked": 0}
for line in open(sys.argv[1]):
    ca, serial, der = line.split()
    r = ocsp.load_der_ocsp_response(bytes.fromhex(der))
    assert r.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    pk = signer[ca]
    if isinstance(pk, ec.EllipticCurvePublicKey):
        pk.verify(r.signature, r.tbs_response_bytes, ec.ECDSA(r.signature_hash_algorithm))
    else:
        pk.verify(r.signature, r.tbs_response_bytes, padding.PKCS1v15(), r.signature_hash_algorithm)
    want = ocsp.OCSPCertStatus.REVOKED if serial == "0701" else ocsp.OCSPCertStatus.GOOD
    assert r.certificate_status == want, (ca, serial, r.certificate_status)
    if want == ocsp.OCSPCertStatus.REVOKED:
        reason = x509.ReasonFlags.key_compromise if ca == "ec" else x509.ReasonFlags.superseded
        assert r.revocation_reason == reason, (ca, r.revocation_reason)
    n["revoked" if serial == "0701" else "good"] += 1
assert n == {"good": 116, "revoked": 4}, n
print("ok", n)
PYEOF
}
pyall
check "python3-cryptography: all 120 responses verify, 4 revoked, 116 good: $OUT" [ $RC -eq 0 ]

# several threads on one HSM key at once: every signature still verifies
config "$EC_URI" "$RSA_URI" 4 >"$T_DIR/four.yaml"
run ll -c "$T_DIR/four.yaml" ocsp sign --ca ec --force --threads 8
contains "key_sessions: 4 gives four signing threads" "$OUT" "; 4 signing threads (cas[].key_sessions)"
pyall
check "python3-cryptography: all responses verify after 4 concurrent signers: $OUT" [ $RC -eq 0 ]

# --- serve: live signing (a nonce) through the HSM -----------------------------------
read -r PORT APORT <<<"$($PY "$LL_SRC/tests/lib/freeport.py" 2)"
config "$EC_URI" "$RSA_URI" 1 | sed "s|^ocsp:|ocsp:\n  listen: [\"127.0.0.1:$PORT\"]\n  nonce: echo|" >"$T_DIR/serve.yaml"
cat >>"$T_DIR/serve.yaml" <<YAML
admin:
  listen: "127.0.0.1:$APORT"
YAML
ll -c "$T_DIR/serve.yaml" serve >"$T_DIR/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 1 100); do
	curl -fs "http://127.0.0.1:$APORT/healthz" >/dev/null 2>&1 && break
	sleep 0.2
done
out=$(openssl ocsp -issuer "$P/ec.pem" -cert "$P/ec-leaf1.pem" -url "http://127.0.0.1:$PORT/" \
	-CAfile <(cat "$P/root.pem" "$P/ec.pem") -no-CApath -no-CAstore 2>&1) || true
contains "serve: live-signed answer with a nonce verifies" "$out" "Response verify OK"
contains "... and says revoked" "$out" "ec-leaf1.pem: revoked"
if grep -q "WARNING: no nonce" <<<"$out"; then fail "serve: the nonce was not echoed"; else ok "serve: the nonce is echoed (signed live in the HSM)"; fi
# sign latency per key in /metrics: the live signature above was counted
M=$(curl -s "http://127.0.0.1:$APORT/metrics")
n=$(sed -n 's/^lastleaf_sign_duration_seconds_count{ca="ec",key="[a-z]*"} \([0-9]*\)$/\1/p' <<<"$M" | head -1)
check "metrics: sign latency histogram for the HSM key counts signatures ($n)" test "${n:-0}" -ge 1
contains "metrics: latency buckets per key" "$M" 'lastleaf_sign_duration_seconds_bucket{ca="ec"'
kill "$SPID" 2>/dev/null || true
wait "$SPID" 2>/dev/null || true
if grep -qi "246810" "$T_DIR/serve.log"; then fail "the PIN shows in the serve log"; else ok "the PIN never shows in the serve log"; fi
t_done
