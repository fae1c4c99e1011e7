#!/usr/bin/env bash
# `lastleaf report --format html` in a real browser: Debian's chromium
# loads the page headless; its DOM must show one drain chart per CA
# certificate and figures equal to the JSON report; a screenshot is kept
# as an artifact (build/artifacts/report.png).
. "$LL_SRC/tests/lib/common.sh"
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { fail "chromium is not installed"; t_done; exit 1; }
t_newdb
C=$T_DIR/corpus
$PY "$LL_SRC/tests/lib/mkcorpus.py" "$C" --leaves 60 >/dev/null
ll migrate >/dev/null
ll ca add "$C/ca/root.pem" "$C/ca/inta.pem" "$C/ca/intb.pem" >/dev/null
ll import "$C/good" >/dev/null
ll retire plan --ca-cert "$C/ca/intb.pem" --grace 1d >/dev/null
AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ll report --at "$AT" --format json >"$T_DIR/r.json"
ll report --at "$AT" --format html >"$T_DIR/r.html"
check "the page is self-contained (no external scripts, styles or fonts)" \
	bash -c "! grep -Eiq '<script|src=\"http|href=\"http|@import|url\\(' '$T_DIR/r.html'"
chrome() { timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$T_DIR/chrome" "$@" 2>/dev/null; }
chrome --dump-dom "file://$T_DIR/r.html" >"$T_DIR/dom.html"
run $PY - "$T_DIR/r.json" "$T_DIR/dom.html" <<'PYEOF'
import json, sys, html.parser
rep = json.load(open(sys.argv[1]))
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.svgs = []; s.rows = {}; s.cur = None; s.cell = None; s.paths = 0
    def handle_starttag(s, tag, a):
        a = dict(a)
        if tag == "svg" and "drain" in (a.get("class") or ""): s.svgs.append(a.get("data-sha256"))
        if tag == "path" and a.get("class") == "series": s.paths += 1
        if tag == "tr" and a.get("data-sha256"): s.cur = a["data-sha256"]; s.rows[s.cur] = {}
        if tag == "td" and s.cur:
            cls = [c for c in (a.get("class") or "").split() if c not in ("num", "bad")]
            s.cell = cls[0] if cls else None
    def handle_data(s, d):
        if s.cur and s.cell: s.rows[s.cur][s.cell] = s.rows[s.cur].get(s.cell, "") + d.strip()
    def handle_endtag(s, tag):
        if tag == "td": s.cell = None
        if tag == "tr": s.cur = None
p = P(); p.feed(open(sys.argv[2]).read())
bad = []
certs = rep["ca_certificates"]
if sorted(p.svgs) != sorted(c["sha256"] for c in certs): bad.append(f"charts {p.svgs}")
if p.paths != len(certs): bad.append(f"{p.paths} series paths")
for c in certs:
    row = p.rows.get(c["sha256"], {})
    if row.get("live-leaves") != str(c["live_leaves"]):
        bad.append(f"{c['name']}: live {row} vs {c['live_leaves']}")
    if "plan" in c and row.get("due-at") != c["plan"]["due_at"]:
        bad.append(f"{c['name']}: due {row.get('due-at')} vs {c['plan']['due_at']}")
print("\n".join(bad) or f"{len(certs)} charts, figures match")
sys.exit(1 if bad else 0)
PYEOF
check "chromium's DOM: one drain chart per CA certificate, figures equal to the JSON ($OUT)" [ $RC -eq 0 ]
mkdir -p "$LL_BUILD/artifacts"
chrome --screenshot="$LL_BUILD/artifacts/report.png" --window-size=1000,1400 "file://$T_DIR/r.html" >/dev/null
check "screenshot kept as an artifact" [ -s "$LL_BUILD/artifacts/report.png" ]
t_done
