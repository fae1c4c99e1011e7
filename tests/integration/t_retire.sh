#!/usr/bin/env bash
# Retirement plans: due dates per policy against dependents computed
# independently in python; freeze violations (late leaves, SCT-backdated
# leaves); bad input; execution under a shifted clock (faketime) with the
# parent's CRL checked by openssl and python3-cryptography and the OCSP
# answer for the retired certificate checked by openssl ocsp; exactly once
# with 4 concurrent runners on 20 due plans; kill -9 mid-execution; a plan
# that fell due while no daemon ran is executed at the next start.
. "$LL_SRC/tests/lib/common.sh"
t_newdb
P=$T_DIR/pki
mkdir -p "$P/many"
$PY - "$P" <<'PYEOF'
import sys, os, json, datetime as dt
sys.path.insert(0, os.environ["LL_SRC"] + "/tests/lib")
import pki
d = sys.argv[1]
now = pki.now_utc().replace(microsecond=0)
root, rk = pki.make_root("Retire Root", key_type="p256")
other, ok_ = pki.make_root("Other Root", key_type="p256")
# K1: the reissue case. C1 served from -400d to -100d, then C2 (same key).
c1, k1 = pki.make_intermediate("Retire G4", root, rk, key_type="p256",
                               not_before=now - dt.timedelta(days=400), days=1500)
c2 = pki.reissue_ca(c1, root, rk, not_before=now - dt.timedelta(days=100), days=2000)
# K2: a plain intermediate, plus a cross-certificate of the same key
d2, k2 = pki.make_intermediate("Retire G5", root, rk, key_type="p256",
                               not_before=now - dt.timedelta(days=300), days=1500)
x2 = pki.cross_certify(d2, other, ok_)
# K3: an intermediate with no leaves at all
e3, k3 = pki.make_intermediate("Retire Empty", root, rk, key_type="p256")
for n, c in (("root", root), ("other", other), ("c1", c1), ("c2", c2), ("d2", d2), ("x2", x2), ("e3", e3)):
    pki.write_pem(f"{d}/{n}.pem", c)
pki.write_key(f"{d}/root.key.pem", rk); pki.write_key(f"{d}/k1.key.pem", k1)
pki.write_key(f"{d}/k2.key.pem", k2)
lk = pki.generate_key("p256")
exp = {"now": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
def leaf(ca, key, serial, nb_days, days, **kw):
    c, _ = pki.make_leaf(ca, key, serial=serial, key=lk, not_before=now - dt.timedelta(days=nb_days),
                         days=days, **kw)
    return c
k1_leaves = [leaf(c1, k1, 0x100 + i, 390 - i * 10, 300 + i * 17) for i in range(30)]  # nb -390..-100
k1_leaves += [leaf(c2, k1, 0x200 + i, 90 - i * 5, 200 + i * 11) for i in range(10)]   # after the window
pki.write_pem(f"{d}/k1-leaves.pem", k1_leaves)
k2_leaves = [leaf(d2, k2, 0x300 + i, 200 - i * 5, 250 + i * 3) for i in range(20)]
pki.write_pem(f"{d}/k2-leaves.pem", k2_leaves)
# late leaves: issued after a freeze
late = leaf(d2, k2, 0x3ff, 0, 900)                                 # notBefore = now
pki.write_pem(f"{d}/late.pem", late)
# backdated into C1's window, but its SCT says it was issued now (C14, E5)
sneaky = leaf(c2, k1, 0x2ff, 200, 800, scts=pki.sct_list_extension(2, timestamp=now))
pki.write_pem(f"{d}/sneaky.pem", sneaky)
# twenty intermediates without leaves, for the exactly-once test, plus one for kill -9
for i in range(21):
    c, k = pki.make_intermediate(f"Many {i}", root, rk, key_type="p256")
    pki.write_pem(f"{d}/many/m{i:02d}.pem", c)
win_from = now - dt.timedelta(days=400)
win_until = now - dt.timedelta(days=100)
def due(leaves, revoked=(), grace=86400, freeze=None):
    live = [l for l in leaves if pki.not_after(l) >= now and l.serial_number not in revoked]
    base = max((pki.not_after(l) for l in live), default=freeze)
    return {"due": (base + dt.timedelta(seconds=grace)).strftime("%Y-%m-%dT%H:%M:%SZ"), "live": len(live)}
in_window = [l for l in k1_leaves if win_from <= pki.not_before(l) < win_until]
exp["window"] = due(in_window) | {"from": win_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                  "until": win_until.strftime("%Y-%m-%dT%H:%M:%SZ")}
exp["key_k1"] = due(k1_leaves)
exp["key_k2"] = due(k2_leaves, grace=2 * 86400)
exp["key_k2_late"] = due(k2_leaves + [late], grace=2 * 86400)
json.dump(exp, open(f"{d}/expected.json", "w"), indent=1)
PYEOF
X() { $PY -c "import json,sys;d=json.load(open('$P/expected.json'));print(eval(sys.argv[1]))" "$1"; }
read -r PORT APORT <<<"$($PY "$LL_SRC/tests/lib/freeport.py" 2)"
cat >"$T_DIR/ll.yaml" <<YAML
# faketime moves this process's clock by weeks while PostgreSQL's stays:
# the D1 skew guard (tested in t_roles) is off here on purpose
clock:
  max_skew: 0s
crl:
  publish_dir: $T_DIR/pub
ocsp:
  listen: ["127.0.0.1:$PORT"]
admin:
  listen: "127.0.0.1:$APORT"
cas:
  - name: root
    key: file:$P/root.key.pem
    crl: {next_update: 30d}
    ocsp: {}
  - name: k1
    key: file:$P/k1.key.pem
YAML
export LASTLEAF_CONFIG=$T_DIR/ll.yaml
ll migrate >/dev/null
ll ca add --name root "$P/root.pem" >/dev/null
ll ca add --name other "$P/other.pem" >/dev/null
ll ca add --name k1 "$P/c1.pem" "$P/c2.pem" >/dev/null
ll ca add --name k2 "$P/d2.pem" "$P/x2.pem" >/dev/null
ll ca add --name k3 "$P/e3.pem" >/dev/null
for f in "$P"/many/*.pem; do ll ca add "$f" >/dev/null; done
ll import "$P/k1-leaves.pem" "$P/k2-leaves.pem" >/dev/null
fp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }
C1=$(fp "$P/c1.pem"); D2=$(fp "$P/d2.pem"); X2=$(fp "$P/x2.pem"); E3=$(fp "$P/e3.pem")
J() { $PY -c "import json,sys;print(json.load(sys.stdin)$1)"; }

# --- due dates --------------------------------------------------------------------
run ll retire plan --ca-cert "$P/c1.pem" --reason superseded --policy window \
	--provided-from "$(X 'd["window"]["from"]')" --provided-until "$(X 'd["window"]["until"]')" --dry-run
check "window policy dry run" [ $RC -eq 0 ]
contains "... prints due_at computed from the window's leaves only" "$OUT" "due_at           $(X 'd["window"]["due"]')"
contains "... and the live dependents" "$OUT" "live dependents  $(X 'd["window"]["live"]')"
eq "--dry-run stores nothing" "$(sql "select count(*) from retire_plan")" 0
run ll retire plan --ca-cert "$P/c1.pem" --reason superseded --policy window \
	--provided-from "$(X 'd["window"]["from"]')" --provided-until "$(X 'd["window"]["until"]')"
check "window plan stored" [ $RC -eq 0 ]
run ll retire show --ca-cert "$C1" --format json
eq "show: state" "$(J '["state"]' <<<"$OUT")" planned
eq "show: policy" "$(J '["policy"]' <<<"$OUT")" window
eq "show: reason" "$(J '["reason"]' <<<"$OUT")" superseded
eq "show: due_at (window)" "$(J '["due_at"]' <<<"$OUT")" "$(X 'd["window"]["due"]')"
eq "show: freeze_at is the window's end" "$(J '["freeze_at"]' <<<"$OUT")" "$(X 'd["window"]["until"]')"
eq "show: live_dependents" "$(J '["live_dependents"]' <<<"$OUT")" "$(X 'd["window"]["live"]')"
eq "show: violations is an integer" "$(J '["violations"]' <<<"$OUT")" 0
for k in state policy reason freeze_at due_at policy_due_at live_dependents violations last_dependent_serial; do
	grep -q "\"$k\":" <<<"$OUT" && ok "show has $k" || fail "show lacks $k"
done
FREEZE=$(date -u -d "$(X 'd["now"]') - 1 hour" +%Y-%m-%dT%H:%M:%SZ)
run ll retire plan --ca-cert "$P/d2.pem" --grace 2d --freeze-at "$FREEZE"
check "key policy plan (freeze an hour ago, grace 2d)" [ $RC -eq 0 ]
eq "key policy due_at: last live leaf of the key + 2d" "$(ll retire show --ca-cert "$D2" --format json | J '["due_at"]')" "$(X 'd["key_k2"]["due"]')"
run ll retire plan --ca-cert "$P/x2.pem" --grace 2d --dry-run
contains "a cross-certificate of the same key has the same dependents" "$OUT" "due_at           $(X 'd["key_k2"]["due"]')"
run ll retire plan --ca-cert "$P/e3.pem" --grace 1h --freeze-at "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)" --dry-run
contains "no dependents: due = freeze + grace" "$OUT" "due_at           $(date -u -d '-1 hours' +%Y-%m-%dT%H:%M:%SZ)"
contains "... live dependents 0" "$OUT" "live dependents  0"

# --- violations --------------------------------------------------------------------
run ll import "$P/late.pem"
check "a leaf issued after the freeze makes import exit non-zero" [ $RC -ne 0 ]
contains "... saying why" "$OUT" "FREEZE VIOLATION"
run ll retire show --ca-cert "$D2" --format json
eq "violation counted" "$(J '["violations"]' <<<"$OUT")" 1
eq "due_at moves to the late leaf" "$(J '["due_at"]' <<<"$OUT")" "$(X 'd["key_k2_late"]["due"]')"
eq "policy_due_at shows what the policy alone gives" "$(J '["policy_due_at"]' <<<"$OUT")" "$(X 'd["key_k2"]["due"]')"
run ll retire check
check "retire check exits non-zero on violations" [ $RC -ne 0 ]
contains "... naming the certificate" "$OUT" "VIOLATION $D2"
run ll import "$P/sneaky.pem"
check "a leaf backdated into the window but logged to CT after it is a violation (C14)" [ $RC -ne 0 ]
eq "... counted on the window plan" "$(ll retire show --ca-cert "$C1" --format json | J '["violations"]')" 1
run ll report --format json
eq "report rows carry the plan" "$($PY -c "import json,sys;r=json.load(sys.stdin);print([c['plan']['violations'] for c in r['ca_certificates'] if c['sha256']=='$D2'][0])" <<<"$OUT")" 1
eq "violations stay counted after the leaf is revoked" "$(ll revoke --ca k2 --serial 03ff --reason superseded >/dev/null; ll retire show --ca-cert "$D2" --format json | J '["violations"]')" 1
eq "... and every transition is audited" "$(sql "select count(*) > 0 from audit where action = 'retire.violation'")" t

# --- bad input: clear errors, nothing stored ------------------------------------------------
N0=$(sql "select count(*) from retire_plan")
run ll retire plan --ca-cert 0000000000000000000000000000000000000000000000000000000000000000
contains "unknown certificate" "$OUT" "no registered CA certificate"
run ll retire plan --ca-cert "$P/root.pem"
contains "a root cannot be planned" "$OUT" "self-signed root"
run ll retire plan --ca-cert "$P/d2.pem"
contains "a second plan is refused" "$OUT" "already has a plan"
run ll retire plan --ca-cert "$P/e3.pem" --reason keyCompromise --freeze-at "$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)"
contains "keyCompromise with a future date refused" "$OUT" "keyCompromise means now"
run ll retire plan --ca-cert "$P/e3.pem" --freeze-at 2001-01-01T00:00:00Z
contains "freeze before notBefore refused" "$OUT" "before the certificate's notBefore"
run ll retire plan --ca-cert "$P/e3.pem" --grace=-1d
check "negative grace refused" [ $RC -eq 2 ]
run ll retire plan --ca-cert "$P/e3.pem" --grace soon
check "unparsable grace refused" [ $RC -eq 2 ]
contains "... saying what a duration looks like" "$OUT" "duration"
run ll retire plan --ca-cert "$P/e3.pem" --reason unspecified
contains "unspecified is no retirement reason" "$OUT" "cessationOfOperation"
eq "nothing stored by the refusals" "$(sql "select count(*) from retire_plan")" "$N0"

# --- exactly once: 4 runners, 20 due plans ------------------------------------------------------
PAST=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
for i in $(seq -w 0 19); do
	ll retire plan --ca-cert "$P/many/m$i.pem" --freeze-at "$PAST" --grace 0s >/dev/null
done
E0=$(sql "select count(*) from audit where action='retire.execute'")
for w in 1 2 3 4; do ll retire run >"$T_DIR/run$w.out" 2>&1 & done
wait
eq "20 plans executed" "$(sql "select count(*) from retire_plan where state='executed'")" 20
eq "each executed once (audit)" "$(( $(sql "select count(*) from audit where action='retire.execute'") - E0 ))" 20
eq "the runners' counts add up to 20" "$(cat "$T_DIR"/run*.out | grep -o 'executed [0-9]*' | awk '{s+=$2} END {print s}')" 20
ll crl generate --ca root >/dev/null
eq "each has exactly one entry on the root's CRL" "$(openssl crl -in "$T_DIR/pub/root.crl" -inform DER -noout -text | grep -c 'Serial Number')" 20

# --- kill -9 between the revocation and the follow-up steps ------------------------------------
ll retire plan --ca-cert "$P/many/m20.pem" --freeze-at "$PAST" --grace 0s >/dev/null
run env LASTLEAF_FAULT=retire-after-revoke "$LASTLEAF" retire run
check "runner killed mid-execution" [ $RC -ne 0 ]
M20=$(fp "$P/many/m20.pem")
eq "... the revocation committed with the plan marked executed" "$(ll retire show --ca-cert "$M20" --format json | J '["state"]')" executed
run ll retire check
check "retire check reports the pending steps" [ $RC -ne 0 ]
contains "... by name" "$OUT" "PENDING   $M20"
run ll retire run
check "the next run completes the plan" [ $RC -eq 0 ]
eq "... no steps left" "$(ll retire show --ca-cert "$M20" --format json | J '["steps_pending"]')" "[]"
eq "... and still one execution" "$(sql "select count(*) from audit where action='retire.execute' and args->>'ca_cert'='$M20'")" 1

# --- a plan that fell due while no daemon ran: executed at the next start ------------------------
run ll retire plan --ca-cert "$P/e3.pem" --freeze-at "$PAST" --grace 0s
read -r HOOK <<<"$($PY "$LL_SRC/tests/lib/freeport.py" 1)"
$PY "$LL_SRC/tests/lib/webhook.py" "$HOOK" "$T_DIR/hook.log" &
HP=$!
printf 'retire:\n  webhook_url: "http://127.0.0.1:%s/hook"\n' "$HOOK" >>"$T_DIR/ll.yaml"
"$LASTLEAF" serve >"$T_DIR/serve.log" 2>&1 &
SP=$!
for _ in $(seq 1 100); do
	[ "$(sql "select state from retire_plan p join ca_cert c on c.id=p.ca_cert_id where encode(c.sha256,'hex')='$E3' and p.state <> 'cancelled'")" = executed ] && break
	sleep 0.2
done
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$APORT/healthz" >/dev/null && break; sleep 0.2; done
API=$(curl -s "http://127.0.0.1:$APORT/api/v1/report")
eq "GET /api/v1/report: the JSON report with plans" "$($PY -c "import json,sys;r=json.load(sys.stdin);print(sum(1 for c in r['ca_certificates'] if 'plan' in c) > 0)" <<<"$API")" True
contains "GET /report: the HTML page with drain charts" "$(curl -s "http://127.0.0.1:$APORT/report")" '<svg class="drain"'
contains "/healthz reports pending retirement steps" "$(curl -s "http://127.0.0.1:$APORT/healthz")" '"retirement_steps_pending": 0'
contains "/metrics: retirement gauges" "$(curl -s "http://127.0.0.1:$APORT/metrics")" "lastleaf_retirement_due_seconds{ca_cert="
for _ in $(seq 1 30); do grep -q '"event":"executed"' "$T_DIR/hook.log" 2>/dev/null && break; sleep 0.2; done
contains "the webhook got an execution event" "$(cat "$T_DIR/hook.log" 2>/dev/null)" '"event":"executed"'
contains "events are logged too" "$(cat "$T_DIR/serve.log")" 'msg="retirement event"'
kill $SP; wait $SP 2>/dev/null || true
kill $HP 2>/dev/null || true
eq "the daemon executed the overdue plan at start" "$(ll retire show --ca-cert "$E3" --format json | J '["state"]')" executed
# (last: CRLs signed under the shifted clock carry a future nextUpdate, and
# the linter rightly refuses a later CRL whose nextUpdate goes back, A10)
# --- execution under a shifted clock ------------------------------------------------------
ll retire cancel --ca-cert "$C1" >/dev/null
ll ocsp sign >/dev/null
DUE=$(ll retire show --ca-cert "$D2" --format json | J '["due_at"]')
SHIFT=$(( ( $(date -d "$DUE" +%s) - $(date +%s) ) / 86400 + 2 ))
# (ASan builds: libfaketime is preloaded ahead of the ASan runtime)
run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" faketime -f "+${SHIFT}d" "$LASTLEAF" retire run
check "retire run under faketime +${SHIFT}d ($OUT)" [ $RC -eq 0 ]
run ll retire show --ca-cert "$D2" --format json
eq "plan executed" "$(J '["state"]' <<<"$OUT")" executed
eq "no steps pending" "$(J '["steps_pending"]' <<<"$OUT")" "[]"
eq "the certificate is revoked with the plan's reason" "$(sql "select revocation_reason from ca_cert where encode(sha256,'hex')='$D2'")" 5
eq "... the cross-certificate is not (it is another plan's business, E4)" "$(sql "select revoked_at is null from ca_cert where encode(sha256,'hex')='$X2'")" t
out=$(openssl crl -in "$T_DIR/pub/root.crl" -inform DER -CAfile "$P/root.pem" -noout -text 2>&1 || true)
contains "parent CRL verifies (openssl)" "$out" "verify OK"
contains "parent CRL lists the retired certificate" "$out" "Serial Number: $(openssl x509 -in "$P/d2.pem" -noout -serial | cut -d= -f2)"
contains "... with its reason" "$out" "Cessation Of Operation"
run $PY -c "
import sys
from cryptography import x509
c = x509.load_der_x509_crl(open('$T_DIR/pub/root.crl','rb').read())
i = x509.load_pem_x509_certificate(open('$P/root.pem','rb').read())
d = x509.load_pem_x509_certificate(open('$P/d2.pem','rb').read())
assert c.is_signature_valid(i.public_key())
r = c.get_revoked_certificate_by_serial_number(d.serial_number)
assert r is not None
print(r.extensions.get_extension_for_class(x509.CRLReason).value.reason.name)"
eq "parent CRL checked by python3-cryptography" "$OUT" cessation_of_operation
sql "select encode(r.der,'base64') from ocsp_response r join ca_cert c on c.serial = r.serial and c.issuer_key_id = r.issuer_key_id where encode(c.sha256,'hex')='$D2' and r.hash_alg=0" | base64 -d >"$T_DIR/d2.ocsp"
out=$(openssl ocsp -respin "$T_DIR/d2.ocsp" -issuer "$P/root.pem" -cert "$P/d2.pem" -CAfile "$P/root.pem" -no-CApath -no-CAstore 2>&1 || true)
contains "the parent's OCSP answer for it says revoked (openssl ocsp)" "$(grep -A2 'd2.pem:' <<<"$out")" "revoked"
contains "... with the reason (B11)" "$out" "Reason: cessationOfOperation"
run ll report --ccadb --format json
eq "report --ccadb lists the retired certificate with its incident figures" "$($PY -c "import json,sys;r=json.load(sys.stdin);c=[x for x in r['retiring_ca_certificates'] if x['sha256']=='$D2'][0];print(c['state'], c['leaves_not_yet_revoked'] >= 0, c['ccadb_deadline'] is not None)" <<<"$OUT")" "executed True True"
eq "audit: plan, execution, parent CRL" "$(sql "select string_agg(distinct action, ',' order by action) from audit where action in ('retire.plan','retire.execute','retire.parent_crl')")" "retire.execute,retire.parent_crl,retire.plan"

t_done
