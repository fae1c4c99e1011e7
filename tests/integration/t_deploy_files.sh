#!/usr/bin/env bash
# Static checks of the deployment files in docker/ (issue 6), with no
# container engine and no database:
#  - every lastleaf config in docker/config loads with lastleaf's own loader,
#    and each /run/secrets/X it names is a secret compose.yaml declares;
#  - responder configs name no key (statically, and `serve --roles responder`
#    does not refuse them, while it does refuse the signer's: D2);
#  - the Dockerfile's runtime stage runs as a non-root USER and copies nothing
#    but the binary; nothing that looks like key material is COPYed;
#  - the systemd units carry the hardening options, the signer's
#    ReadWritePaths is the publish directory of signer.yaml, and
#    systemd-analyze (when present) finds nothing wrong;
#  - compose.yaml has the topology (parsed when python3-yaml is installed,
#    else grep-level checks), and keys are mounted into the signer only;
#  - nginx -t accepts docker/nginx.conf (paths and host names adjusted).
# Each check is also run once against a deliberately broken copy, to show it
# can fail.
. "$LL_SRC/tests/lib/common.sh"
D=$LL_SRC/docker
FAKE=$T_DIR/root
cd "$T_DIR"

# cond 'EXPR': runs a compound shell condition, for check
cond() { eval "$1"; }
# not CMD...: passes when CMD fails, for check
not() { ! "$@"; }
strip_comments() { sed -e 's/[[:space:]]#.*$//' -e 's/^#.*$//' "$1"; }

# --- lastleaf configs ------------------------------------------------------------
# The container layout under a fake root: /etc/lastleaf (config, keys/, certs/),
# /run/secrets, /var/lib/lastleaf. Database hosts point at a socket directory
# that does not exist, so nothing ever reaches a network.
mkdir -p "$FAKE/etc/lastleaf" "$FAKE/run/secrets" "$FAKE/var/lib/lastleaf"
declared_secret() { awk '/^secrets:/{s=1; next} /^[^ #]/{s=0} s && $0 ~ "^  "n":" {f=1} END{exit !f}' n="$1" "$D/compose.yaml"; }
prepare_cfg() { # prepare_cfg SRC DST: the copy lastleaf loads, with its files in place
	local src=$1 dst=$2 f name
	sed -e "s#/run/secrets/#$FAKE/run/secrets/#g" -e "s#/var/lib/lastleaf/#$FAKE/var/lib/lastleaf/#g" \
	    -e "s#host=db-[a-z]*#host=$T_DIR/nosock#g" "$src" >"$dst"
	# keys/ and certs/ are the operator's mounts: provide what the config names
	for f in $(strip_comments "$src" | grep -oE '(file:)?(keys|certs)/[A-Za-z0-9._-]+' | sed 's/^file://'); do
		mkdir -p "$FAKE/etc/lastleaf/$(dirname "$f")"
		[ -e "$FAKE/etc/lastleaf/$f" ] || { echo placeholder >"$FAKE/etc/lastleaf/$f"; chmod 600 "$FAKE/etc/lastleaf/$f"; }
	done
	# /run/secrets/X exists in the container only if compose declares secret X
	for name in $(strip_comments "$src" | grep -oE '/run/secrets/[A-Za-z0-9._-]+' | sed 's#.*/##'); do
		if declared_secret "$name"; then
			echo token-for-tests >"$FAKE/run/secrets/$name"
			chmod 600 "$FAKE/run/secrets/$name"
		else
			fail "$(basename "$src") names /run/secrets/$name, which compose.yaml does not declare"
		fi
	done
}
loads() { # loads CFG: lastleaf's loader accepts it (db status touches no database)
	run "$LASTLEAF" -c "$1" db status
	[ "$RC" -ne 2 ] && grep -q "^embedded database" <<<"$OUT"
}
names_key() { strip_comments "$1" | grep -qE '^[[:space:]-]*(key|responder_key|tls_key):'; }

ncfg=0
for src in "$D"/config/*.yaml; do
	b=$(basename "$src")
	ncfg=$((ncfg + 1))
	prepare_cfg "$src" "$FAKE/etc/lastleaf/$b"
	if loads "$FAKE/etc/lastleaf/$b"; then ok "docker/config/$b loads"; else fail "docker/config/$b does not load: $OUT"; fi
	grep -qE 'listen: *"?0\.0\.0\.0:9090' "$src" && ok "... its admin listener is on 9090 (the image's HEALTHCHECK port)" \
		|| fail "$b: admin.listen is not 0.0.0.0:9090, the port the Dockerfile HEALTHCHECK probes"
	grep -q 'token_file:' "$src" && ok "... and has an admin token (non-loopback listener)" \
		|| fail "$b: a non-loopback admin listener needs admin.token_file"
	case $b in
	responder*)
		if names_key "$src"; then fail "$b names a key"; else ok "$b names no key"; fi
		run timeout 30 "$LASTLEAF" -c "$FAKE/etc/lastleaf/$b" serve --roles responder
		check "... and serve --roles responder accepts it (fails only on the database)" \
			cond '[ "$RC" -ne 0 ] && ! grep -q "holds no key" <<<"$OUT" && grep -qi "database" <<<"$OUT"'
		;;
	esac
done
check "docker/config holds a signer and a responder config" cond '[ -f "$D/config/signer.yaml" ] && [ -f "$D/config/responder.yaml" ]'
# the checks above can fail:
printf 'bogus_key: 1\n' | cat - "$FAKE/etc/lastleaf/signer.yaml" >broken.yaml
check "self-test: an unknown key does not load" not loads broken.yaml
sed 's/^\(  - name: .*\)$/\1\n    key: "file:keys\/x.pem"/' "$D/config/responder.yaml" >keyed.yaml
check "self-test: a key added to the responder config is seen" names_key keyed.yaml
run timeout 30 "$LASTLEAF" -c "$FAKE/etc/lastleaf/signer.yaml" serve --roles responder
contains "self-test: serve --roles responder refuses the signer's config (D2)" "$OUT" "holds no key"

# --- Dockerfile ----------------------------------------------------------------
DF=$D/Dockerfile
runtime_stage() { awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$1"; }
nonroot_user() { # the runtime stage's last USER is set and is not root/0
	local u
	u=$(runtime_stage "$1" | grep -E '^USER ' | tail -1 | awk '{print $2}')
	[ -n "$u" ] && [ "${u%%:*}" != root ] && [ "${u%%:*}" != 0 ]
}
copies_only_binary() { ! runtime_stage "$1" | grep -E '^(COPY|ADD) ' | grep -vqE '^COPY --from=build /src/build/lastleaf '; }
no_key_copy() { ! grep -E '^(COPY|ADD) ' "$1" | grep -qiE 'key|secret|token|pgpass|\.pem|\.p12|docker/|var/|\. '; }
check "Dockerfile is multi-stage" [ "$(grep -c '^FROM ' "$DF")" -ge 2 ]
check "... its runtime stage is Debian 12 slim" grep -qE '^ARG DEBIAN_IMAGE=debian:12-slim' "$DF"
check "... and runs as a non-root USER" nonroot_user "$DF"
check "... and copies only the binary into it" copies_only_binary "$DF"
check "... and COPYs no key material, no docker/ or var/, and not the whole context" no_key_copy "$DF"
check "... and has a HEALTHCHECK on /healthz" cond 'runtime_stage "$DF" | grep -A3 "^HEALTHCHECK " | grep -q "GET /healthz"'
sed 's/^USER .*/USER root/' "$DF" >Dockerfile.root
check "self-test: USER root is caught" not nonroot_user Dockerfile.root
sed 's#^COPY --from=build .*#&\nCOPY docker/keys/ /etc/lastleaf/keys/#' "$DF" >Dockerfile.keys
check "self-test: a COPY of keys is caught" not no_key_copy Dockerfile.keys
check "self-test: ... also as an extra runtime COPY" not copies_only_binary Dockerfile.keys
for pat in '.git' 'build*/' 'var/' 'docker/keys/' 'docker/secrets/' '**/*.key.pem'; do
	check ".dockerignore excludes $pat" grep -qxF -- "$pat" "$LL_SRC/.dockerignore"
done
if [ -d "$LL_SRC/.git" ] && command -v git >/dev/null; then
	if files=$(git -c safe.directory='*' -C "$LL_SRC" ls-files docker 2>/dev/null); then
		tracked=$(grep -E '^docker/(keys|secrets)/' <<<"$files" | grep -v '/\.gitignore$' || true)
		eq "no key or secret is tracked in git under docker/" "$tracked" ""
	else
		echo "# skip: git ls-files failed"
	fi
fi

# --- systemd units -------------------------------------------------------------
hardened() {
	local u=$1 k
	for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes ProtectHome=yes; do
		grep -qx "$k" "$u" || { echo "$u: missing $k" >&2; return 1; }
	done
	grep -qE '^User=[a-z]' "$u" && ! grep -qE '^User=(root|0)$' "$u"
}
PUB=$(strip_comments "$D/config/signer.yaml" | awk '/^crl:/{c=1; next} /^[^ ]/{c=0} c && /publish_dir:/{print $2}')
for u in "$D/lastleaf.service" "$D/lastleaf-responder@.service"; do
	check "$(basename "$u") has the hardening options and a non-root User" hardened "$u"
done
check "lastleaf.service may write the publish directory of signer.yaml ($PUB)" \
	grep -qx "ReadWritePaths=$PUB" "$D/lastleaf.service"
check "lastleaf-responder@.service may write nothing" not grep -q '^ReadWritePaths=' "$D/lastleaf-responder@.service"
check "lastleaf-responder@.service runs the responder role only" grep -qE '^ExecStart=.* serve --roles responder$' "$D/lastleaf-responder@.service"
grep -v '^PrivateTmp=' "$D/lastleaf.service" >unhardened.service
check "self-test: a unit without PrivateTmp is caught" not hardened unhardened.service 2>/dev/null
if command -v systemd-analyze >/dev/null; then
	sa_clean() { # no unknown keys or unparsable values (a missing binary is fine here)
		local out
		out=$(systemd-analyze verify "$1" 2>&1 | grep -v 'is not executable' || true)
		[ -z "$(grep -E 'Unknown|Failed|Invalid|Missing|ignoring' <<<"$out")" ] || { echo "$out" >&2; return 1; }
	}
	cp "$D/lastleaf.service" lastleaf.service
	cp "$D/lastleaf-responder@.service" lastleaf-responder@1.service
	check "systemd-analyze verify: lastleaf.service" sa_clean ./lastleaf.service
	check "systemd-analyze verify: lastleaf-responder@1.service" sa_clean ./lastleaf-responder@1.service
	sed 's/^ProtectSystem=strict/ProtectSystem=bogus/' "$D/lastleaf.service" >bogus.service
	check "self-test: systemd-analyze flags a bad value" not sa_clean ./bogus.service 2>/dev/null
else
	echo "# skip: systemd-analyze not installed"
fi

# --- compose.yaml ----------------------------------------------------------------
C=$D/compose.yaml
check "compose.yaml has no tabs (YAML forbids them in indentation)" not grep -qP '\t' "$C"
for s in db-primary db-replica migrate signer responder-1 responder-2 nginx; do
	check "compose.yaml defines service $s" grep -qE "^  $s:" "$C"
done
check "keys are mounted exactly once, read-only" \
	cond '[ "$(grep -c "\./keys:" "$C")" -eq 1 ] && grep -q "\./keys:/etc/lastleaf/keys:ro" "$C"'
keys_service=$(awk '/^services:/{s=1} s && /^  [a-z0-9-]+:/{svc=$1} /\.\/keys:/{print svc}' "$C" | tr -d :)
eq "... into the signer" "$keys_service" signer
check "the responders use config/responder.yaml" grep -q '\./config/responder.yaml:/etc/lastleaf/lastleaf.yaml:ro' "$C"
check "the replica is made by the replica entrypoint (pg_basebackup -R)" \
	cond 'grep -q "pg_basebackup" "$D/postgres/replica-entrypoint.sh" && grep -q -- " -R " "$D/postgres/replica-entrypoint.sh"'
for f in "$D"/postgres/*.sh "$D"/init-secrets.sh; do
	check "bash -n $(basename "$f")" bash -n "$f"
done
if $PY -c 'import yaml' 2>/dev/null; then
	run $PY - "$C" <<'PYEOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
errs = []
want = {"db-primary", "db-replica", "migrate", "signer", "responder-1", "responder-2", "nginx"}
if set(s) != want:
    errs.append("services: %s" % sorted(s))
for n in ("db-primary", "db-replica"):
    if s[n]["image"] != "postgres:15":
        errs.append(n + " is not postgres:15")
for n in ("responder-1", "responder-2"):
    r = s[n]
    if r["command"] != ["serve", "--roles", "responder"]:
        errs.append(n + " command " + repr(r["command"]))
    if any("keys" in v for v in r["volumes"]):
        errs.append(n + " mounts keys")
    if "db-replica" not in r["depends_on"]:
        errs.append(n + " does not wait for the replica")
    if not r.get("read_only") or "ALL" not in r.get("cap_drop", []):
        errs.append(n + " is not locked down")
if "signer" not in s["signer"]["command"][2] or "responder" in s["signer"]["command"][2]:
    errs.append("signer roles " + repr(s["signer"]["command"]))
if set(s["nginx"]["depends_on"]) != {"responder-1", "responder-2"}:
    errs.append("nginx depends_on " + repr(s["nginx"]["depends_on"]))
if s["migrate"]["command"] != ["migrate"]:
    errs.append("migrate command")
for n, svc in s.items():
    for sec in svc.get("secrets", []):
        if sec not in c["secrets"]:
            errs.append(n + " uses undeclared secret " + sec)
print("\n".join(errs) or "structure ok")
sys.exit(1 if errs else 0)
PYEOF
	check "compose.yaml parses and has the topology: $OUT" [ "$RC" -eq 0 ]
else
	echo "# skip: python3-yaml not installed; compose.yaml checked with grep only"
fi

# --- nginx.conf ------------------------------------------------------------------
if command -v nginx >/dev/null; then
	N=$T_DIR/ngx
	NPORT=$($PY "$LL_SRC/tests/lib/freeport.py" 1) # nginx -t binds its listen address
	mkdir -p "$N/tmp" "$N/cache"
	userline="user root;"
	[ "$(id -u)" -eq 0 ] || userline=""
	sed -e "s#^user nginx;#$userline#" -e "s#/var/run/nginx.pid#$N/nginx.pid#" -e "s#/var/cache/nginx#$N/cache#g" \
	    -e "s#responder-[12]:8080#127.0.0.1:9#" -e "s#listen 80 default_server#listen 127.0.0.1:$NPORT default_server#" \
	    -e "s#^http {#http {\n    client_body_temp_path $N/tmp; proxy_temp_path $N/tmp; fastcgi_temp_path $N/tmp; uwsgi_temp_path $N/tmp; scgi_temp_path $N/tmp;#" \
	    "$D/nginx.conf" >"$N/nginx.conf"
	run nginx -t -p "$N" -c "$N/nginx.conf"
	check "nginx -t accepts docker/nginx.conf" [ "$RC" -eq 0 ]
	[ "$RC" -eq 0 ] || echo "$OUT" >&2
else
	fail "nginx is not installed"
fi
check "nginx never stores no-cache/no-store answers (map + proxy_no_cache)" \
	grep -q 'proxy_no_cache \$ll_ocsp_nostore' "$D/nginx.conf"
check "... caches GET/HEAD only (POSTs pass through)" grep -q 'proxy_cache_methods GET HEAD;' "$D/nginx.conf"
check "... keeps \"//\" in OCSP GET URLs (merge_slashes off)" grep -q 'merge_slashes off;' "$D/nginx.conf"

[ "$ncfg" -ge 2 ] || fail "expected at least two configs in docker/config"
t_done
