#!/usr/bin/env bash
# CRLs end to end: revocations recorded with the profile's reason rules,
# `crl generate` for a P-256 issuer (subscriber CRL), an RSA issuer
# (partitioned) and a root (CA CRL), each CRL checked by three verifiers
# nobody here wrote (openssl crl, GnuTLS certtool, python3-cryptography);
# numbers that grow across runs and across a crash between commit and
# publication; A26 removal after expiry; and bad keys and names.
. "$LL_SRC/tests/lib/common.sh"
t_newdb
P=$T_DIR/pki
mkdir -p "$P"
$PY - "$P" <<'PYEOF'
import sys, os, datetime as dt
sys.path.insert(0, os.environ["LL_SRC"] + "/tests/lib")
import pki
d = sys.argv[1]
root, rk = pki.make_root("CRL Test Root", key_type="p256")
ec, ek = pki.make_intermediate("CRL Test EC", root, rk, key_type="p256")
rsa, rsk = pki.make_intermediate("CRL Test RSA", root, rk, key_type="rsa2048")
old, ok_ = pki.make_intermediate("CRL Test Old", root, rk, key_type="p256")
for n, c, k in (("root", root, rk), ("ec", ec, ek), ("rsa", rsa, rsk), ("old", old, ok_)):
    pki.write_pem(f"{d}/{n}.pem", c)
    pki.write_key(f"{d}/{n}.key.pem", k)
lk = pki.generate_key("p256")
ecl = [pki.make_leaf(ec, ek, serial=0x100 + i, key=lk, cdp="http://crl.test/ec.crl",
                     not_before="-10d", days=90)[0] for i in range(20)]
pki.write_pem(f"{d}/ec-leaves.pem", ecl)
rl = []
for i in range(40):
    rl.append(pki.make_leaf(rsa, rsk, serial=0x200 + i, key=lk, not_before="-10d", days=90,
                            cdp=f"http://crl.test/rsa-{i % 4}.crl")[0])
for i in range(5):
    rl.append(pki.make_leaf(rsa, rsk, serial=0x300 + i, key=lk, not_before="-10d", days=90)[0])
rl.append(pki.make_leaf(rsa, rsk, serial=0x400, key=lk, not_before="-10d", days=90,
                        cdp="http://elsewhere.test/x.crl")[0])
pki.write_pem(f"{d}/rsa-leaves.pem", rl)
PYEOF
cat "$P/root.pem" >"$P/chain-ec.pem"; cat "$P/ec.pem" >>"$P/chain-ec.pem"
cat >"$T_DIR/ll.yaml" <<YAML
crl:
  publish_dir: $T_DIR/pub
cas:
  - name: root
    key: file:$P/root.key.pem
  - name: ec
    key: file:$P/ec.key.pem
    crl:
      next_update: 7d
  - name: rsa
    key: file:$P/rsa.key.pem
    crl:
      partitions: 4
      url: "http://crl.test/rsa-{partition}.crl"
YAML
export LASTLEAF_CONFIG=$T_DIR/ll.yaml
ll migrate >/dev/null
ll ca add --name root "$P/root.pem" >/dev/null
ll ca add --name ec "$P/ec.pem" >/dev/null
ll ca add --name rsa "$P/rsa.pem" >/dev/null
ll ca add --name old "$P/old.pem" >/dev/null
run ll import "$P/ec-leaves.pem" "$P/rsa-leaves.pem"
contains "leaves imported" "$OUT" "imported 66, unchanged 0, rejected 0, conflicts 0"

# --- revocations ----------------------------------------------------------------
T1=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
run ll revoke --ca ec --serial 0100 --reason keyCompromise --at "$T1"
check "revoke a leaf ($OUT)" [ $RC -eq 0 ]
run ll revoke --ca ec --serial 101 --reason unspecified
check "revoke with unspecified" [ $RC -eq 0 ]
run ll revoke --ca ec --serial 0x102 --reason superseded --at "$T1"
run ll revoke --ca ec --serial 0102 --reason superseded --at "$T1"
contains "same facts again: a no-op" "$OUT" "nothing to do"
run ll revoke --ca ec --serial 0102 --reason superseded
contains "same reason without --at: a no-op" "$OUT" "nothing to do"
run ll revoke --ca ec --serial 0102 --reason cessationOfOperation
check "conflicting second revocation refused" [ $RC -eq 1 ]
contains "... saying so" "$OUT" "already revoked"
run ll revoke --ca ec --serial 0102 --reason keyCompromise
check "keyCompromise may replace another reason (A33)" [ $RC -eq 0 ]
eq "... the reason changed, the time kept" "$(sql "select revocation_reason || ' ' || to_char(revoked_at,'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from leaf where serial='\\x0102'")" "1 $T1"
run ll revoke --ca ec --serial 0103 --reason certificateHold
check "certificateHold refused (A29)" [ $RC -ne 0 ]
contains "... with the rule" "$OUT" "A29"
run ll revoke --ca ec --serial 0103 --reason cACompromise
check "cACompromise refused for a leaf" [ $RC -ne 0 ]
run ll revoke --ca ec --serial 0103 --reason bogus
check "unknown reason is a usage error" [ $RC -eq 2 ]
run ll revoke --ca ec --serial 0103 --reason superseded --at "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
check "future revocation time refused (E13)" [ $RC -ne 0 ]
run ll revoke --ca ec --serial 0103 --reason superseded --at "$(date -u -d '-30 days' +%Y-%m-%dT%H:%M:%SZ)"
check "revocation before notBefore refused (E13)" [ $RC -ne 0 ]
contains "... naming notBefore" "$OUT" "notBefore"
run ll revoke --ca ec --serial 0DEAD --reason superseded
check "unknown serial refused" [ $RC -ne 0 ]
contains "... clearly" "$OUT" "no leaf with serial 00dead"
run ll revoke --ca nope --serial 0100 --reason superseded
contains "unknown CA refused" "$OUT" "no CA named 'nope'"
for s in 0200 0205 020A 0301 0400; do ll revoke --ca rsa --serial $s --reason cessationOfOperation >/dev/null; done
run ll revoke --ca-cert "$P/old.pem" --reason unspecified
check "CA certificate without a reason refused (A31)" [ $RC -ne 0 ]
run ll revoke --ca-cert "$P/root.pem" --reason cessationOfOperation
check "a root cannot be revoked" [ $RC -ne 0 ]
OLDFP=$(openssl x509 -in "$P/old.pem" -outform DER | sha256sum | cut -c1-64)
run ll revoke --ca-cert "$OLDFP" --reason superseded --at "$T1"
check "CA certificate revoked by fingerprint ($OUT)" [ $RC -eq 0 ]
run ll revoke --ca-cert "$P/old.pem" --reason superseded --at "$T1"
contains "CA certificate by file, same facts: a no-op" "$OUT" "nothing to do"
eq "one audit row per revocation that changed something" "$(sql "select count(*) from audit where action like 'revoke.%'")" 10

# NOTIFY on commit (the OCSP responder listens)
psql -X -q -c "LISTEN lastleaf_revocation" -c "SELECT pg_sleep(2)" -c "SELECT 1" >"$T_DIR/notify.out" 2>&1 &
LP=$!; sleep 0.7
ll revoke --ca ec --serial 0104 --reason affiliationChanged >/dev/null
wait $LP
contains "revocation sends NOTIFY lastleaf_revocation" "$(cat "$T_DIR/notify.out")" 'notification "lastleaf_revocation" with payload "leaf:'

# --- generate and verify ------------------------------------------------------------
run ll crl generate --all
GENOUT=$OUT
check "crl generate --all ($OUT)" [ $RC -eq 0 ]
for f in root.crl ec.crl rsa-0.crl rsa-1.crl rsa-2.crl rsa-3.crl root.json ec.json rsa.json; do
	check "published $f" [ -s "$T_DIR/pub/$f" ]
done
check "numbered copies kept" [ "$(ls "$T_DIR/pub/archive" | wc -l)" -eq 6 ]
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

verify3() { # CRL ISSUER CHAIN EXPECTJSON LABEL
	local crl=$1 iss=$2 chain=$3 exp=$4 label=$5 out
	out=$(openssl crl -in "$crl" -inform DER -CAfile "$chain" -noout 2>&1) || true
	# the trap: openssl crl -verify exits 0 on a bad signature; read the text
	contains "$label: openssl crl says verify OK" "$out" "verify OK"
	out=$(timeout 20 certtool --crl-info --inder --infile "$crl" 2>&1 </dev/null) || true
	contains "$label: certtool parses it" "$out" "Version: 2"
	# --inder would apply to the CA certificate too: give certtool PEM
	{ echo "-----BEGIN X509 CRL-----"; base64 -w64 "$crl"; echo "-----END X509 CRL-----"; } >"$crl.pem"
	out=$(timeout 20 certtool --verify-crl --infile "$crl.pem" --load-ca-certificate "$iss" 2>&1 </dev/null) || true
	contains "$label: certtool verifies the signature" "$out" "Verified."
	run $PY "$LL_SRC/tests/lib/crlcheck.py" "$crl" "$iss" "$exp"
	check "$label: python3-cryptography: $OUT" [ $RC -eq 0 ]
}
cat >"$T_DIR/exp-ec.json" <<J
{"number_min": 1, "this_update_max": "$NOW", "max_window": 604800, "idp_uri": null,
 "entries": {"100": {"reason": "key_compromise", "revoked_at": "$T1"},
             "101": {"reason": null, "revoked_at": "$(sql "select to_char(revoked_at,'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from leaf where serial='\\x0101'")"},
             "102": {"reason": "key_compromise", "revoked_at": "$T1"},
             "104": {"reason": "affiliation_changed", "revoked_at": "$(sql "select to_char(revoked_at,'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from leaf where serial='\\x0104'")"}}}
J
verify3 "$T_DIR/pub/ec.crl" "$P/ec.pem" "$P/chain-ec.pem" "$T_DIR/exp-ec.json" "P-256 subscriber CRL"
cat >"$T_DIR/exp-root.json" <<J
{"number_min": 1, "max_window": 31535999, "idp_uri": null,
 "entries": {"$(openssl x509 -in "$P/old.pem" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^0*//')": {"reason": "superseded", "revoked_at": "$T1"}}}
J
verify3 "$T_DIR/pub/root.crl" "$P/root.pem" "$P/root.pem" "$T_DIR/exp-root.json" "root CA CRL"
eq "root CRL uses the CA profile (window > 10 days)" "$(sql "select profile from crl where partition=-1 and issuer_key_id=(select id from ca_key where name='root')")" "ca"
cat "$P/root.pem" "$P/rsa.pem" >"$P/chain-rsa.pem"
# partition k holds the revoked leaves whose CDP names it (0x200, 0x205, 0x20a -> 0, 1, 2)
# plus those without a CDP, or with a stray CDP, placed by serial hash
for k in 0 1 2 3; do
	ENT=$(sql "select string_agg(format('\"%s\": {\"reason\": \"cessation_of_operation\", \"revoked_at\": \"%s\"}', ltrim(encode(serial,'hex'),'0'), to_char(revoked_at,'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')), ',') from leaf where issuer_key_id=(select id from ca_key where name='rsa') and revoked_at is not null and crl_partition=$k")
	echo "{\"number_min\": 1, \"idp_uri\": \"http://crl.test/rsa-$k.crl\", \"only_user\": true, \"entries\": {$ENT}}" >"$T_DIR/exp-rsa-$k.json"
	verify3 "$T_DIR/pub/rsa-$k.crl" "$P/rsa.pem" "$P/chain-rsa.pem" "$T_DIR/exp-rsa-$k.json" "RSA partition $k"
done
eq "partition from the CDP (E10)" "$(sql "select string_agg(crl_partition::text, ',' order by serial) from leaf where serial in ('\\x0200','\\x0205','\\x020a')")" "0,1,2"
eq "every RSA leaf has a partition" "$(sql "select count(*) from leaf where issuer_key_id=(select id from ca_key where name='rsa') and crl_partition is null")" 0
contains "stray CDP reported, not silently dropped" "$GENOUT" "names no configured partition"
eq "CCADB JSON lists the distinct CDP URLs of unexpired leaves (A35)" "$($PY -c "import json;print(len(json.load(open('$T_DIR/pub/rsa.json'))))")" 5
eq "CCADB JSON for a CA with no leaves is [\"\"]" "$(cat "$T_DIR/pub/root.json")" '[""]'

# --- numbers grow, across runs and across a crash -----------------------------------------
N1=$(openssl crl -in "$T_DIR/pub/ec.crl" -inform DER -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
ll crl generate --ca ec >/dev/null
N2=$(openssl crl -in "$T_DIR/pub/ec.crl" -inform DER -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
check "CRL number grows across runs ($N1 -> $N2)" [ $((16#$N2)) -gt $((16#$N1)) ]
SUM=$(sha256sum "$T_DIR/pub/ec.crl")
run env LASTLEAF_FAULT=crl-after-commit "$LASTLEAF" crl generate --ca ec
check "killed between commit and publication" [ $RC -ne 0 ]
eq "... the published CRL is untouched" "$(sha256sum "$T_DIR/pub/ec.crl")" "$SUM"
NC=$(sql "select max(number) from crl where partition=-1 and issuer_key_id=(select id from ca_key where name='ec')")
ll crl generate --ca ec >/dev/null
N3=$(openssl crl -in "$T_DIR/pub/ec.crl" -inform DER -noout -crlnumber | cut -d= -f2 | sed 's/^0x//')
check "after the crash the next number is above the committed one ($NC -> $((16#$N3)))" [ $((16#$N3)) -gt "$NC" ]
eq "numbers never repeat" "$(sql "select count(*) - count(distinct (issuer_key_id, partition, number)) from crl")" 0
ls -a "$T_DIR/pub" | grep -q '\.tmp\.' && fail "temporary files left behind" || ok "no temporary files left behind"

# --- A26: an expired revoked leaf is listed once after expiry, then dropped ---------------
# (made here, so it is still unexpired at the first generation however slow the machine)
$PY - "$P" <<'PYEOF'
import sys, os, datetime as dt
sys.path.insert(0, os.environ["LL_SRC"] + "/tests/lib")
import pki
d = sys.argv[1]
ec, ek = pki.load_cert(f"{d}/ec.pem"), pki.load_key(f"{d}/ec.key.pem")
soon = pki.make_leaf(ec, ek, serial=0x999, not_before="-1d",
                     not_after=pki.now_utc() + dt.timedelta(seconds=10))[0]
pki.write_pem(f"{d}/soon.pem", soon)
PYEOF
ll import "$P/soon.pem" >/dev/null
ll revoke --ca ec --serial 0999 --reason superseded >/dev/null
ll crl generate --ca ec >/dev/null
has999() { openssl crl -in "$T_DIR/pub/ec.crl" -inform DER -noout -text | grep -c "Serial Number: 0999" || true; }
eq "listed while unexpired" "$(has999)" 1
sleep 11
ll crl generate --ca ec >/dev/null
eq "listed on the first CRL after its notAfter (A26)" "$(has999)" 1
ll crl generate --ca ec >/dev/null
eq "dropped from the next one" "$(has999)" 0

# --- bad input: nothing signed or published ----------------------------------------------------
before=$(ls -R "$T_DIR/pub" | md5sum)
run ll crl generate --ca nope
check "unknown CA name refused" [ $RC -ne 0 ]
contains "... clearly" "$OUT" "CA 'nope' is not in the configuration"
sed "s|$P/ec.key.pem|$P/missing.key.pem|" "$T_DIR/ll.yaml" >"$T_DIR/bad1.yaml"
run ll -c "$T_DIR/bad1.yaml" crl generate --ca ec
check "missing key file refused" [ $RC -ne 0 ]
contains "... naming the file" "$OUT" "missing.key.pem"
cp "$P/ec.key.pem" "$P/open.key.pem"; chmod 644 "$P/open.key.pem"
sed "s|$P/ec.key.pem|$P/open.key.pem|" "$T_DIR/ll.yaml" >"$T_DIR/bad2.yaml"
run ll -c "$T_DIR/bad2.yaml" crl generate --ca ec
check "key readable by others refused" [ $RC -ne 0 ]
contains "... saying why" "$OUT" "lets group or others access it"
cp "$P/old.key.pem" "$P/wrong.key.pem"; chmod 600 "$P/wrong.key.pem"
sed "s|$P/ec.key.pem|$P/wrong.key.pem|" "$T_DIR/ll.yaml" >"$T_DIR/bad3.yaml"
run ll -c "$T_DIR/bad3.yaml" crl generate --ca ec
check "key that does not match the CA certificate refused" [ $RC -ne 0 ]
contains "... saying so" "$OUT" "does not match the CA certificate"
printf 'unreadable' >"$P/garbage.key.pem"; chmod 600 "$P/garbage.key.pem"
sed "s|$P/ec.key.pem|$P/garbage.key.pem|" "$T_DIR/ll.yaml" >"$T_DIR/bad4.yaml"
run ll -c "$T_DIR/bad4.yaml" crl generate --ca ec
contains "unparsable key refused" "$OUT" "not an unencrypted PEM private key"
sed "s|next_update: 7d|next_update: 10d|" "$T_DIR/ll.yaml" >"$T_DIR/bad5.yaml"
run ll -c "$T_DIR/bad5.yaml" crl generate --ca ec
check "10-day window refused (1 s margin, A9)" [ $RC -ne 0 ]
contains "... citing the rule" "$OUT" "A9"
eq "nothing published by the failures" "$(ls -R "$T_DIR/pub" | md5sum)" "$before"
t_done
