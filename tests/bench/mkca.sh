#!/bin/sh
# mkca.sh DIR — make a P-256 root and a P-256 issuing CA for the benchmark.
#
# Writes into DIR (created if missing):
#   root.pem, root.key.pem    self-signed root "Bench Root CA", 20 years
#   ca.pem, ca.key.pem        issuing CA "Bench Issuing CA", 10 years,
#                             pathlen 0, signed by the root
#   chain.pem                 ca.pem + root.pem
# Keys are unencrypted PKCS#8 PEM, mode 0600.
#
# Then, e.g.:
#   cc -O2 tests/bench/gencerts.c -lcrypto -o gencerts
#   ./gencerts --issuer-cert DIR/ca.pem --issuer-key DIR/ca.key.pem \
#              --count 1000000 --out leaves.pem
#
# Uses only the openssl CLI (3.x; $OPENSSL overrides the binary).
set -eu

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
openssl=${OPENSSL:-openssl}
mkdir -p "$dir"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Extension profiles: basicConstraints and keyUsage critical; SKI from the
# key hash, AKI key id only (as CA/B profiles want).  The [req] section is
# only there because `openssl req` insists on a distinguished_name section
# even when -subj gives the name.
cat > "$tmp/ca.cnf" <<'CNF'
[ req ]
distinguished_name = dn
[ dn ]

[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ issuing ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# 16-octet positive serial, first nibble given (1..7, so no 00 pad octet).
serial() { echo "0x$1$("$openssl" rand -hex 16 | cut -c2-)"; }

# Keys are created under umask 077 (never readable by others, even
# briefly), then chmod-ed in case the files already existed.
(
    umask 077
    "$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/root.key.pem"
    "$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key.pem"
)
chmod 600 "$dir/root.key.pem" "$dir/ca.key.pem"

# Validity starts now: openssl 3.0's req/x509 cannot backdate (no
# -not_before), and the benchmark does not need CA validity to cover the
# leaves' backdated notBefore (openssl verify checks each certificate
# against the current time only).
"$openssl" req -new -x509 -config "$tmp/ca.cnf" -extensions root \
    -key "$dir/root.key.pem" -sha256 -days 7300 -set_serial "$(serial 1)" \
    -subj "/O=LastLeaf Bench/CN=Bench Root CA" -out "$dir/root.pem"

"$openssl" req -new -config "$tmp/ca.cnf" -key "$dir/ca.key.pem" \
    -subj "/O=LastLeaf Bench/CN=Bench Issuing CA" -out "$tmp/ca.csr"
"$openssl" x509 -req -in "$tmp/ca.csr" -CA "$dir/root.pem" -CAkey "$dir/root.key.pem" \
    -set_serial "$(serial 2)" -sha256 -days 3650 \
    -extfile "$tmp/ca.cnf" -extensions issuing -out "$dir/ca.pem"

cat "$dir/ca.pem" "$dir/root.pem" > "$dir/chain.pem"
"$openssl" verify -CAfile "$dir/root.pem" "$dir/ca.pem" >/dev/null
echo "mkca: wrote $dir/root.pem $dir/ca.pem $dir/chain.pem and keys (0600)"
