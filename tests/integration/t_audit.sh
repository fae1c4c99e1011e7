#!/usr/bin/env bash
# The audit log is append-only and hash-chained (D3, D4): every state
# change writes a row; `audit verify` finds a row altered with psql, and a
# deleted one; concurrent writers never fork the chain; `audit export`
# prints JSON lines.
. "$LL_SRC/tests/lib/common.sh"
t_newdb
C=$T_DIR/corpus
$PY "$LL_SRC/tests/lib/mkcorpus.py" "$C" --leaves 30 >/dev/null
ll migrate >/dev/null
ll ca add "$C/ca/root.pem" "$C/ca/inta.pem" >/dev/null
ll import "$C/good/a-leaves.pem" >/dev/null
ll import --issuer corpus-int-a "$C/a-index.txt" >/dev/null
for i in 1 2 3 4; do ll import "$C/good/a-leaves.pem" >/dev/null & done
wait
run ll audit verify
check "chain intact after concurrent writers ($OUT)" [ $RC -eq 0 ]
N=$(sql "select count(*) from audit")
check "audit has the state changes ($N rows)" [ "$N" -ge 8 ]
run ll audit export --since 2000-01-01T00:00:00Z
eq "export: one JSON line per row" "$(wc -l <<<"$OUT")" "$N"
eq "export: lines carry actor, action and hash" "$($PY -c "import json,sys;l=[json.loads(x) for x in sys.stdin];print(all(x['actor'] and x['action'] and len(x['hash'])==64 for x in l))" <<<"$OUT")" True
run sql "update audit set actor = 'mallory' where id = (select id from audit order by id offset 2 limit 1)"
check "the append-only trigger refuses UPDATE" [ $RC -ne 0 ]
T=$(sql "select id from audit order by id offset 2 limit 1")
sql "alter table audit disable trigger audit_no_update; update audit set args = '{\"path\": \"forged\"}' where id = $T; alter table audit enable trigger audit_no_update" >/dev/null
run ll audit verify
check "verify fails after a row was altered with psql" [ $RC -ne 0 ]
contains "... naming the first bad row" "$OUT" "BROKEN at row $T"
contains "... and saying it was changed" "$OUT" "the row was changed"
t_newdb deleted
ll migrate >/dev/null
ll ca add "$C/ca/root.pem" "$C/ca/inta.pem" >/dev/null
ll import "$C/good/a-leaves.pem" >/dev/null
ll import --issuer corpus-int-a "$C/a-index.txt" >/dev/null
D=$(sql "select id from audit order by id offset 1 limit 1")
sql "alter table audit disable trigger audit_no_update; delete from audit where id = $D; alter table audit enable trigger audit_no_update" >/dev/null
run ll audit verify
contains "a deleted row breaks the chain at the next one" "$OUT" "BROKEN at row $(sql "select min(id) from audit where id > $D")"
t_done
