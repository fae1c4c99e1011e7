#!/usr/bin/env bash
# Two `lastleaf import` processes on overlapping inputs at the same time
# must end with each leaf exactly once; two concurrent `migrate` runs
# must both succeed and apply the schema once.
. "$LL_SRC/tests/lib/common.sh"
t_newdb
C=$T_DIR/corpus
$PY "$LL_SRC/tests/lib/mkcorpus.py" "$C" --leaves 600 >/dev/null

ll migrate >"$T_DIR/m1" 2>&1 & p1=$!
ll migrate >"$T_DIR/m2" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
check "two concurrent migrates succeed" [ $r1 -eq 0 -a $r2 -eq 0 ]
eq "schema applied once" "$(sql "select count(*) from schema_migrations")" "$(ls "$LL_SRC"/sql/[0-9]*.sql | wc -l)"
eq "one of them did nothing" "$(cat "$T_DIR/m1" "$T_DIR/m2" | grep -c '(0 migrations applied)')" "1"

ll ca add "$C/ca/root.pem" "$C/ca/inta.pem" "$C/ca/intb.pem" >/dev/null
# overlapping: both take the A bundle; one also takes B, the other the index
for round in 1 2 3; do
	sql "truncate leaf cascade" >/dev/null
	ll import --issuer corpus-int-a "$C/good/a-leaves.pem" "$C/a-index.txt" >"$T_DIR/i1" 2>&1 & p1=$!
	ll import "$C/good" >"$T_DIR/i2" 2>&1 & p2=$!
	wait $p1; r1=$?; wait $p2; r2=$?
	check "round $round: both imports succeed ($(cat "$T_DIR/i1" "$T_DIR/i2" | tr '\n' ' '))" [ $r1 -eq 0 -a $r2 -eq 0 ]
	eq "round $round: each leaf exactly once" "$(sql "select count(*) || '/' || count(distinct (issuer_key_id, serial)) from leaf")" "800/800"
	eq "round $round: revocations from the index kept" "$(sql "select count(*) from leaf where revoked_at is not null")" \
		"$($PY -c "import json;print(json.load(open('$C/expected.json'))['cas']['corpus-int-a']['revoked'])")"
	eq "round $round: every A leaf has its DER" "$(sql "select count(*) from leaf where der is null")" 0
done
t_done
