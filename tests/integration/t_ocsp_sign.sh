#!/usr/bin/env bash
# `lastleaf ocsp sign`: pre-signed responses for every unexpired leaf, for
# SHA-1 and SHA-256 CertIDs (B15), signed by the CA key or a delegated
# responder, checked with openssl ocsp, GnuTLS ocsptool and
# python3-cryptography; re-signing only what changed; agreement with the
# recorded revocation (B13); a bad responder certificate refused (B3).
. "$LL_SRC/tests/lib/common.sh"
t_newdb
P=$T_DIR/pki
mkdir -p "$P"
$PY - "$P" <<'PYEOF'
import sys, os
sys.path.insert(0, os.environ["LL_SRC"] + "/tests/lib")
import pki
d = sys.argv[1]
root, rk = pki.make_root("OCSP Test Root", key_type="p256")
ca, ck = pki.make_intermediate("OCSP Test CA", root, rk, key_type="p256")
rsa, rsk = pki.make_intermediate("OCSP Test RSA", root, rk, key_type="rsa2048")
for n, c, k in (("root", root, rk), ("ca", ca, ck), ("rsa", rsa, rsk)):
    pki.write_pem(f"{d}/{n}.pem", c); pki.write_key(f"{d}/{n}.key.pem", k)
resp, rpk = pki.make_ocsp_responder(rsa, rsk)
pki.write_pem(f"{d}/rsa-ocsp.pem", resp); pki.write_key(f"{d}/rsa-ocsp.key.pem", rpk)
bad, bk = pki.make_intermediate("Not A Responder", rsa, rsk, key_type="p256")  # a CA cert: B3
pki.write_pem(f"{d}/bad-ocsp.pem", bad); pki.write_key(f"{d}/bad-ocsp.key.pem", bk)
lk = pki.generate_key("p256")
for n, c, k in (("ca", ca, ck), ("rsa", rsa, rsk)):
    leaves = [pki.make_leaf(c, k, serial=0x500 + i, key=lk, days=100)[0] for i in range(25)]
    pki.write_pem(f"{d}/{n}-leaves.pem", leaves)
    for i in (0, 1):
        pki.write_pem(f"{d}/{n}-leaf{i}.pem", leaves[i])
PYEOF
cat >"$T_DIR/ll.yaml" <<YAML
ocsp:
  validity: 4d
cas:
  - name: ca
    key: file:$P/ca.key.pem
    ocsp: {}
  - name: rsa
    key: file:$P/rsa.key.pem
    ocsp:
      responder_cert: $P/rsa-ocsp.pem
      responder_key: file:$P/rsa-ocsp.key.pem
YAML
export LASTLEAF_CONFIG=$T_DIR/ll.yaml
ll migrate >/dev/null
ll ca add --name root "$P/root.pem" >/dev/null
ll ca add --name ca "$P/ca.pem" >/dev/null
ll ca add --name rsa "$P/rsa.pem" >/dev/null
ll import "$P/ca-leaves.pem" "$P/rsa-leaves.pem" >/dev/null
ll revoke --ca ca --serial 0501 --reason keyCompromise >/dev/null
ll revoke --ca rsa --serial 0501 --reason superseded >/dev/null

run ll ocsp sign
check "ocsp sign ($OUT)" [ $RC -eq 0 ]
eq "two responses (SHA-1, SHA-256) per leaf" "$(sql "select count(*) from ocsp_response")" 100
run ll ocsp sign
contains "second run: nothing to re-sign" "$OUT" "signed 0 responses"

resp() { # CA SERIALHEX ALG -> file
	sql "select encode(r.der,'base64') from ocsp_response r join ca_key k on k.id=r.issuer_key_id where k.name='$1' and r.serial='\\x$2' and hash_alg=$3" | base64 -d >"$T_DIR/r-$1-$2-$3.der"
	echo "$T_DIR/r-$1-$2-$3.der"
}
for ca in ca rsa; do
	for alg in 0 1; do
		f=$(resp $ca 0500 $alg)
		out=$(openssl ocsp -respin "$f" -issuer "$P/$ca.pem" $([ $alg = 1 ] && echo -sha256) -cert "$P/$ca-leaf0.pem" \
			-CAfile <(cat "$P/root.pem" "$P/$ca.pem") -no-CApath -no-CAstore 2>&1) || true
		contains "$ca alg $alg good: openssl verifies" "$out" "Response verify OK"
		contains "$ca alg $alg good: openssl finds the CertID and says good" "$out" "$ca-leaf0.pem: good"
		f=$(resp $ca 0501 $alg)
		out=$(openssl ocsp -respin "$f" -issuer "$P/$ca.pem" $([ $alg = 1 ] && echo -sha256) -cert "$P/$ca-leaf1.pem" \
			-CAfile <(cat "$P/root.pem" "$P/$ca.pem") -no-CApath -no-CAstore 2>&1) || true
		contains "$ca alg $alg revoked: openssl says revoked" "$out" "$ca-leaf1.pem: revoked"
	done
done
out=$(ocsptool --response-info --infile "$(resp ca 0501 1)" --inder 2>&1 </dev/null) || true
contains "ocsptool parses it" "$out" "Certificate Status: revoked"
contains "... with the SHA-256 CertID" "$out" "Hash Algorithm: SHA256"
out=$(ocsptool -e --load-signer "$P/ca.pem" --infile "$(resp ca 0500 1)" --inder 2>&1 </dev/null) || true
contains "ocsptool verifies the CA-signed response" "$out" "Verifying OCSP Response: Success"
out=$(ocsptool -e --load-signer "$P/rsa.pem" --infile "$(resp rsa 0500 0)" --inder 2>&1 </dev/null) || true
contains "ocsptool verifies the delegated response" "$out" "Success"
run $PY - "$(resp rsa 0501 1)" "$P/rsa.pem" "$P/rsa-ocsp.pem" "$P/rsa-leaf1.pem" <<'PYEOF'
import sys, datetime as dt
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, ec
r = ocsp.load_der_ocsp_response(open(sys.argv[1], "rb").read())
issuer = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
resp = x509.load_pem_x509_certificate(open(sys.argv[3], "rb").read())
leaf = x509.load_pem_x509_certificate(open(sys.argv[4], "rb").read())
assert r.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
assert r.certificate_status == ocsp.OCSPCertStatus.REVOKED, r.certificate_status
assert r.revocation_reason == x509.ReasonFlags.superseded, r.revocation_reason
assert isinstance(r.hash_algorithm, hashes.SHA256), r.hash_algorithm
assert r.serial_number == leaf.serial_number
req = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA256()).build()
assert r.issuer_key_hash == req.issuer_key_hash and r.issuer_name_hash == req.issuer_name_hash
assert [c.public_bytes(__import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER) for c in r.certificates] == \
       [resp.public_bytes(__import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER)], "delegate cert in certs (B4)"
window = (r.next_update - r.this_update).total_seconds()
assert 0 < window < 4 * 86400, window
assert r.produced_at <= dt.datetime.utcnow() + dt.timedelta(seconds=1)
# the signature, with the delegated responder's key
pk = resp.public_key()
if isinstance(pk, ec.EllipticCurvePublicKey):
    pk.verify(r.signature, r.tbs_response_bytes, ec.ECDSA(r.signature_hash_algorithm))
else:
    pk.verify(r.signature, r.tbs_response_bytes, padding.PKCS1v15(), r.signature_hash_algorithm)
print("ok")
PYEOF
check "python3-cryptography: status, reason, SHA-256 CertID, delegate, times, signature ($OUT)" [ $RC -eq 0 ]
eq "revocation time agrees with the record (B13)" \
	"$(sql "select to_char(r.revoked_at,'YYYY-MM-DD HH24:MI:SS') = to_char(l.revoked_at,'YYYY-MM-DD HH24:MI:SS') from ocsp_response r join leaf l using (issuer_key_id, serial) where r.serial='\\x0501' and r.hash_alg=1 limit 1")" "t"

# a revocation makes exactly that leaf's responses stale
ll revoke --ca ca --serial 0502 --reason cessationOfOperation >/dev/null
SEQ=$(sql "select max(change_seq) from ocsp_response")
run ll ocsp sign --ca ca
contains "only the newly revoked leaf is re-signed" "$OUT" "signed 2 responses for 1 certificates"
eq "... with new change sequence numbers" "$(sql "select count(*) from ocsp_response where change_seq > $SEQ")" 2
run ll ocsp sign --ca ca --force
contains "--force re-signs everything" "$OUT" "signed 50 responses"

# B3: a CA certificate is never a delegated responder
sed "s|$P/rsa-ocsp.pem|$P/bad-ocsp.pem|; s|$P/rsa-ocsp.key.pem|$P/bad-ocsp.key.pem|" "$T_DIR/ll.yaml" >"$T_DIR/bad.yaml"
run ll -c "$T_DIR/bad.yaml" ocsp sign --ca rsa
check "a responder certificate that breaks B3 is refused" [ $RC -ne 0 ]
contains "... naming the rule" "$OUT" "B3"
run ll ocsp sign --ca root
check "a CA without an ocsp block is not served" [ $RC -ne 0 ]
eq "audit rows for signing (D3)" "$(sql "select count(*) > 0 from audit where action='ocsp.sign'")" "t"
t_done
