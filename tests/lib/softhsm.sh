# shellcheck shell=bash
# tests/lib/softhsm.sh - a private SoftHSM2 token for tests and benchmarks.
#
# Sourced (not run). Defines:
#
#   softhsm_setup DIR [LABEL] [PIN]
#       Makes DIR/softhsm2.conf with its own token directory (DIR/tokens),
#       exports SOFTHSM2_CONF, initialises a token LABEL (default "lastleaf")
#       with user PIN PIN (default 123456), writes DIR/pin (mode 0600), and
#       exports SOFTHSM_DIR, SOFTHSM_MODULE, SOFTHSM_TOKEN, SOFTHSM_PIN_FILE.
#
#   softhsm_import NAME KEYTYPE [ID]
#       Makes a fresh PEM private key DIR/NAME.key.pem (PKCS#8, mode 0600;
#       KEYTYPE p256 | p384 | rsa2048 | rsa3072 | rsa4096) with openssl,
#       imports it into the token with label NAME (CKA_ID ID, default the
#       label's bytes in hex) and prints the key's pkcs11: URI. The PEM copy stays next
#       to it on purpose: tests certify it with tests/lib/pki.py or openssl,
#       and benchmarks sign with it as a file key to compare.
#
#   softhsm_uri NAME [PINFILE]
#       Prints the RFC 7512 URI of object NAME on the token, with
#       module-path and pin-source (default DIR/pin).
#
# Nothing here touches the system token directory (/var/lib/softhsm):
# every token lives under DIR and goes away with it.

SOFTHSM_MODULE=${SOFTHSM_MODULE:-}
if [ -z "$SOFTHSM_MODULE" ]; then
	for _m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*-linux-gnu/softhsm/libsofthsm2.so; do
		if [ -e "$_m" ]; then
			SOFTHSM_MODULE=$_m
			break
		fi
	done
	unset _m
fi

softhsm_setup() {
	local dir=$1 label=${2:-lastleaf} pin=${3:-123456}
	command -v softhsm2-util >/dev/null || { echo "softhsm_setup: softhsm2-util not found (apt-get install softhsm2)" >&2; return 1; }
	[ -n "$SOFTHSM_MODULE" ] || { echo "softhsm_setup: libsofthsm2.so not found" >&2; return 1; }
	mkdir -p "$dir/tokens"
	chmod 700 "$dir" "$dir/tokens"
	dir=$(cd "$dir" && pwd)
	cat >"$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
	export SOFTHSM2_CONF=$dir/softhsm2.conf
	export SOFTHSM_DIR=$dir SOFTHSM_TOKEN=$label SOFTHSM_MODULE
	export SOFTHSM_PIN_FILE=$dir/pin
	softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin "so-$pin" >/dev/null ||
		{ echo "softhsm_setup: cannot initialise token $label" >&2; return 1; }
	(umask 077 && printf '%s\n' "$pin" >"$SOFTHSM_PIN_FILE")
	chmod 600 "$SOFTHSM_PIN_FILE"
	SOFTHSM_PIN=$pin
}

softhsm_import() {
	local name=$1 kt=$2 id=${3:-} key=$SOFTHSM_DIR/$1.key.pem
	# the default CKA_ID is the label's bytes in hex: unique per label, and
	# stable across calls made in $(...) subshells
	[ -n "$id" ] || id=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
	case $kt in
	p256) set -- -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ;;
	p384) set -- -algorithm EC -pkeyopt ec_paramgen_curve:P-384 ;;
	rsa2048 | rsa3072 | rsa4096) set -- -algorithm RSA -pkeyopt "rsa_keygen_bits:${kt#rsa}" ;;
	*) echo "softhsm_import: unknown key type $kt" >&2; return 1 ;;
	esac
	(umask 077 && openssl genpkey "$@" -out "$key") 2>/dev/null ||
		{ echo "softhsm_import: openssl genpkey failed" >&2; return 1; }
	softhsm2-util --import "$key" --token "$SOFTHSM_TOKEN" --label "$name" --id "$id" \
		--pin "$SOFTHSM_PIN" >/dev/null ||
		{ echo "softhsm_import: cannot import $name" >&2; return 1; }
	softhsm_uri "$name"
}

softhsm_uri() {
	printf 'pkcs11:token=%s;object=%s;type=private?module-path=%s&pin-source=file:%s\n' \
		"$SOFTHSM_TOKEN" "$1" "$SOFTHSM_MODULE" "${2:-$SOFTHSM_PIN_FILE}"
}
