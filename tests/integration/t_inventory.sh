#!/usr/bin/env bash
# Inventory end to end on the harness's PostgreSQL: migrate, ca add,
# import (PEM bundle, DER directory, index.txt, stdin), re-import, bad
# input, conflicts, precertificate merge, and the report compared with
# figures computed independently by python3-cryptography (mkcorpus.py).
. "$LL_SRC/tests/lib/common.sh"
t_newdb
C=$T_DIR/corpus
$PY "$LL_SRC/tests/lib/mkcorpus.py" "$C" --leaves 150 >/dev/null
NOW=$($PY -c "import json;print(json.load(open('$C/expected.json'))['now'])")
FUT=$($PY -c "import json;print(json.load(open('$C/expected.json'))['future'])")

# --- schema ---------------------------------------------------------------
run ll migrate
check "migrate applies the schema" [ $RC -eq 0 ]
NMIG=$(ls "$LL_SRC"/sql/[0-9]*.sql | wc -l)
contains "migrate prints the version" "$OUT" "schema version $NMIG ($NMIG migrations applied)"
run ll migrate
contains "second migrate is a no-op" "$OUT" "(0 migrations applied)"
run ll report
check "report before any CA works" [ $RC -eq 0 ]

# --- CA registry ------------------------------------------------------------
run ll ca add "$C/ca/inta.pem"
check "intermediate before its root is accepted (issuer unknown yet)" [ $RC -eq 0 ]
contains "... with a warning" "$OUT" "issuer not registered"
run ll ca add "$C/ca/root.pem" "$C/ca/intb.pem"
check "root and second intermediate" [ $RC -eq 0 ]
eq "intermediate A linked to root once it arrived" \
	"$(sql "select ik.name from ca_cert c join ca_key k on k.id=c.key_id join ca_key ik on ik.id=c.issuer_key_id where k.name='corpus-int-a'")" "corpus-root"
run ll ca add --name corpus-int-a "$C/ca/intb.pem"
check "ca add --name refuses a certificate with another key" [ $RC -ne 0 ]
contains "... saying why" "$OUT" "already registered as CA 'corpus-int-b'"
run ll ca add "$C/good/a-leaves.pem"
check "ca add refuses a leaf" [ $RC -ne 0 ]
contains "... naming the file and line" "$OUT" "a-leaves.pem:1: not a CA certificate"
run ll ca list --format json
eq "ca list shows 3 certificates" "$($PY -c 'import json,sys;print(len(json.load(sys.stdin)))' <<<"$OUT")" 3

# --- import -----------------------------------------------------------------
run ll import "$C/good"
check "import of the good directory exits 0" [ $RC -eq 0 ]
NA=150; NB=50
contains "summary counts every leaf" "$OUT" "imported $((NA + NB)), unchanged 0, rejected 0, conflicts 0"
run ll import "$C/good"
contains "re-import changes nothing" "$OUT" "imported 0, unchanged $((NA + NB)), rejected 0, conflicts 0"
BEFORE=$(sql "select md5(string_agg(encode(serial,'hex')||coalesce(encode(sha256,'hex'),''), ',' order by id)) from leaf")

run ll import --format index "$C/a-index.txt"
check "index.txt without --issuer is a usage error" [ $RC -eq 2 ]
REVOKED=$($PY -c "import json;print(json.load(open('$C/expected.json'))['cas']['corpus-int-a']['revoked'])")
run ll import --issuer corpus-int-a "$C/a-index.txt"
check "index.txt merges into the imported certificates" [ $RC -eq 0 ]
contains "only the revoked lines add anything" "$OUT" "imported $REVOKED, unchanged $((NA - REVOKED)), rejected 0, conflicts 0"
eq "revocations recorded" "$(sql "select count(*) from leaf where revoked_at is not null")" "$REVOKED"
eq "reason unspecified-by-omission stays NULL, named reasons are kept" \
	"$(sql "select count(*) from leaf where revoked_at is not null and revocation_reason is null")" \
	"$(grep -cP '^R\t[0-9Z]+\t[0-9]+Z\t' "$C/a-index.txt")"
eq "DER and notBefore kept after the merge" "$(sql "select count(*) from leaf where der is null or not_before is null")" 0

# index first, certificate second (the other order) in a fresh database
t_newdb order
ll migrate >/dev/null; ll ca add "$C/ca/root.pem" "$C/ca/inta.pem" >/dev/null
run ll import --issuer corpus-int-a "$C/a-index.txt"
contains "index alone creates leaves" "$OUT" "imported $NA,"
eq "... without DER" "$(sql "select count(*) from leaf where der is null")" "$NA"
run ll import "$C/good/a-leaves.pem"
contains "certificates complete the index records" "$OUT" "imported $NA, unchanged 0"
eq "... now with DER" "$(sql "select count(*) from leaf where der is null")" 0
eq "... revocations kept" "$(sql "select count(*) from leaf where revoked_at is not null")" "$REVOKED"
run ll import --issuer corpus-int-a "$C/a-index.txt" "$C/good/a-leaves.pem"
contains "both together again: nothing changes" "$OUT" "imported 0, unchanged $((2 * NA)), rejected 0, conflicts 0"
export PGDATABASE=${LL_TEST_DB_PREFIX:-t}_$T_NAME

# both at once in one run (duplicates inside one import)
t_newdb both
ll migrate >/dev/null; ll ca add "$C/ca/root.pem" "$C/ca/inta.pem" >/dev/null
run ll import --issuer corpus-int-a "$C/good/a-leaves.pem" "$C/a-index.txt"
check "certificates and index lines in one import" [ $RC -eq 0 ]
eq "... one leaf per serial" "$(sql "select count(*) from leaf")" "$NA"
eq "... with DER and revocations" "$(sql "select count(*) filter (where der is not null) || '/' || count(*) filter (where revoked_at is not null) from leaf")" "$NA/$REVOKED"
export PGDATABASE=${LL_TEST_DB_PREFIX:-t}_$T_NAME

# --- edge cases ---------------------------------------------------------------
run ll import "$C/edge/serial20.pem"
contains "20-octet serial imports" "$OUT" "imported 1,"
S20=$($PY -c "from cryptography import x509;c=x509.load_pem_x509_certificate(open('$C/edge/serial20.pem','rb').read());print('%x'%c.serial_number)")
eq "... stored as its exact 20 content octets" "$(sql "select length(serial) from leaf where encode(serial,'hex')='$S20'")" 20
run ll import "$C/edge/precert.pem"
contains "precertificate imports as a leaf" "$OUT" "imported 1,"
eq "... flagged as precertificate" "$(sql "select is_precert from leaf where serial='\\x7777'")" "t"
run ll import "$C/edge/final.pem"
contains "final certificate completes it, not a conflict" "$OUT" "imported 1, unchanged 0, rejected 0, conflicts 0"
eq "... one leaf, the final certificate's DER" "$(sql "select count(*) || min(encode(sha256,'hex')) from leaf where serial='\\x7777'")" "1$(cat "$C/edge/final.sha256")"
run ll import "$C/edge/precert.pem"
contains "precertificate after the final: unchanged" "$OUT" "imported 0, unchanged 1, rejected 0, conflicts 0"
eq "earliest SCT time recorded as issuance evidence" "$(sql "select sct_time is not null from leaf where serial='\\x7777'")" "t"

# --- conflicts and bad input ----------------------------------------------------
run ll import "$C/conflict.pem"
check "conflict exits non-zero" [ $RC -eq 1 ]
contains "conflict is counted" "$OUT" "imported 0, unchanged 0, rejected 0, conflicts 1"
contains "... and named with path and serial" "$OUT" "conflict.pem:1: serial $(cat "$C/conflict.serial")"
contains "... saying what differs" "$OUT" "notAfter"

N0=$(sql "select count(*) from leaf")
run ll import --reject-log "$T_DIR/rejects.log" "$C/bad"
check "bad directory exits non-zero" [ $RC -eq 1 ]
contains "summary: survivor imported, 4 rejected" "$OUT" "imported 1, unchanged 0, rejected 4, conflicts 0"
contains "garbage named" "$OUT" "bad/garbage.bin: unrecognised format"
contains "truncated PEM named with its line" "$OUT" "bad/truncated.pem:1:"
contains "unknown issuer named" "$OUT" "bad/unknown-issuer.pem:1: unknown issuer 'CN=Corpus Stranger'"
contains "bad signature named" "$OUT" "bad/bad-signature.pem:1: bad signature"
eq "reject log has every rejection" "$(wc -l <"$T_DIR/rejects.log")" 4
eq "only the survivor was added" "$(sql "select count(*) from leaf")" "$((N0 + 1))"
run ll import --issuer corpus-int-a "$C/bad-index.txt"
contains "unparsable index lines rejected, good line kept" "$OUT" "imported 1, unchanged 0, rejected 2, conflicts 0"
contains "... with file and line" "$OUT" "bad-index.txt:2: unparsable index line"
contains "... bad revocation field named" "$OUT" "bad-index.txt:3: unparsable index line: bad revocation time 'garbage'"
run ll import --no-verify "$C/bad/bad-signature.pem"
contains "--no-verify skips the signature check" "$OUT" "imported 1,"
sql "delete from leaf where serial='\\x5151'" >/dev/null
sql "delete from leaf where serial='\\x0aff'" >/dev/null
run ll import "$T_DIR/nonexistent"
check "missing path is an error" [ $RC -ne 0 ]
contains "... naming it" "$OUT" "nonexistent: No such file"

# stdin and DER concatenation
cat "$C"/good/b/000[0-4].der >"$T_DIR/five.der"
run bash -c "'$LASTLEAF' import - <'$T_DIR/five.der'"
contains "stdin with concatenated DER" "$OUT" "imported 0, unchanged 5, rejected 0, conflicts 0"
printf 'XXXX' >>"$T_DIR/five.der"
run ll import "$T_DIR/five.der"
contains "trailing garbage after DER certificates is rejected, the rest kept" "$OUT" "unchanged 5, rejected 1"
contains "... naming the certificate number" "$OUT" "five.der: certificate #6"

# --- report vs independent figures -----------------------------------------------
for when in now future; do
	AT=$NOW; [ $when = future ] && AT=$FUT
	run ll report --at "$AT" --format json
	check "report --at $when (json) works" [ $RC -eq 0 ]
	echo "$OUT" >"$T_DIR/report-$when.json"
	run $PY - "$C/expected.json" "$T_DIR/report-$when.json" "$when" <<'PYEOF'
import json, sys
exp = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
when = sys.argv[3]
assert rep["at"] == exp[when], (rep["at"], exp[when])
rows = {r["name"]: r for r in rep["ca_certificates"]}
bad = []
# A gained the survivor leaf (serial 6161) from the bad directory
sa = exp["cas"]["corpus-int-a"][when]
surv = exp["survivor"]
if surv["not_after"] >= exp[when]:
    sa["live_leaves"] += 1
    sa["histogram"][surv["not_after"][:7]] = sa["histogram"].get(surv["not_after"][:7], 0) + 1
    if surv["not_after"] > (sa["last_expiry"] or ""):
        sa["last_expiry"], sa["last_serial"] = surv["not_after"], surv["serial"]
    if surv["not_after"] < (sa["earliest_expiry"] or "9"):
        sa["earliest_expiry"] = surv["not_after"]
for name, e in exp["cas"].items():
    r = rows[name]
    for k in ("live_leaves", "earliest_expiry", "last_expiry", "last_serial", "histogram"):
        if r[k] != e[when][k]:
            bad.append(f"{name}.{k}: lastleaf {r[k]!r} expected {e[when][k]!r}")
    for k in ("sha256", "key_sha256", "not_after"):
        assert k in r
assert rows["corpus-root"]["live_leaves"] == 0 and rows["corpus-root"]["last_expiry"] is None
print("\n".join(bad) or "match")
sys.exit(1 if bad else 0)
PYEOF
	check "report ($when) matches python3-cryptography's figures: $OUT" [ $RC -eq 0 ]
done
run ll report --at "$NOW" --format csv
eq "csv has a header and one row per CA certificate" "$(wc -l <<<"$OUT")" 4
contains "csv header" "$OUT" "name,sha256,key_sha256,not_after,live_leaves,earliest_expiry,last_expiry,last_serial"
run ll report --ca corpus-int-b --at "$NOW"
contains "table for one CA" "$OUT" "corpus-int-b"
run ll report --ca nope
check "unknown CA is an error" [ $RC -ne 0 ]
run ll report --at yesterday
check "bad --at is a usage error" [ $RC -eq 2 ]

# --- audit ------------------------------------------------------------------------
eq "every state change audited" "$(sql "select count(*) filter (where action='ca.add') || '/' || (count(*) filter (where action='import') > 5) from audit")" "3/true"
eq "audit rows name the OS user" "$(sql "select count(distinct actor) from audit")" 1
run sql "delete from audit"
check "audit is append-only" [ $RC -ne 0 ]

# --- the per-month counts that keep the report fast match the leaves --------------
eq "leaf_month agrees with the leaves, per key and month" "$(sql "select count(*) from (select issuer_key_id, date_trunc('month', not_after, 'UTC') as month, count(*) as leaves from leaf group by 1, 2) a full join (select * from leaf_month where leaves <> 0) b using (issuer_key_id, month, leaves) where a.leaves is null or b.leaves is null")" 0
run sql "update leaf set not_after = not_after + interval '1 day' where id = (select min(id) from leaf)"
check "notAfter of a stored leaf cannot change" [ $RC -ne 0 ]

# --- the index that keeps the report fast --------------------------------------------
PLAN=$(sql "set enable_seqscan=off; explain select count(*), max(not_after) from leaf where issuer_key_id=1 and not_after >= now() and (revoked_at is null or revoked_at > now())")
contains "live-leaf query uses leaf_live_idx" "$PLAN" "leaf_live_idx"

t_done
