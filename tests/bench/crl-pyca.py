#!/usr/bin/python3
"""crl-pyca.py - builds and signs a CRL with python3-cryptography, for tests/bench/crl.

usage: crl-pyca.py ENTRIES ISSUER_CERT ISSUER_KEY OUT_DER

ENTRIES holds one revoked certificate per line, tab-separated:
    SERIAL_HEX  REVOKED_UNIX_SECONDS  REASON  [anything else]
REASON is the RFC 5280 CRLReason number; 0 means no reasonCode (as lastleaf
does for "unspecified"). This is the linear way to use the builder (as in
/work/shared/peers/crl_pyca.py, whose figures are in baselines.md): the
whole list goes to the constructor at once. cryptography 38's
add_revoked_certificate() copies the list on every call (quadratic).

The CRL carries what lastleaf's does: thisUpdate now, nextUpdate 7 days
later, cRLNumber and authorityKeyIdentifier (keyid), ecdsa-with-SHA256 for
the P-256 key. Prints "entries=N build_s=.. sign_s=.. total_s=.. bytes=..".
Use Debian's /usr/bin/python3 (cryptography 38.0.4).
"""
import datetime
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    entries_file, crt_file, key_file, out_file = sys.argv[1:5]
    t0 = time.perf_counter()
    with open(crt_file, "rb") as f:
        issuer = x509.load_pem_x509_certificate(f.read())
    with open(key_file, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)

    epoch = datetime.datetime(1970, 1, 1)
    second = datetime.timedelta(seconds=1)
    reasons = {}  # one extension object per reason value
    revoked = []
    with open(entries_file) as f:
        for line in f:
            fields = line.split("\t", 3)
            if len(fields) < 3:
                continue
            rb = (x509.RevokedCertificateBuilder()
                  .serial_number(int(fields[0], 16))
                  .revocation_date(epoch + int(fields[1]) * second))
            r = int(fields[2])
            if r:
                ext = reasons.get(r)
                if ext is None:
                    ext = reasons[r] = x509.CRLReason(x509.ReasonFlags(_REASONS[r]))
                rb = rb.add_extension(ext, critical=False)
            revoked.append(rb.build())

    now = datetime.datetime.utcnow().replace(microsecond=0)
    b = (x509.CertificateRevocationListBuilder(revoked_certificates=revoked)
         .issuer_name(issuer.subject)
         .last_update(now)
         .next_update(now + datetime.timedelta(days=7))
         .add_extension(x509.CRLNumber(1000), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
             issuer.public_key()), critical=False))
    t1 = time.perf_counter()
    crl = b.sign(private_key=key, algorithm=hashes.SHA256())
    der = crl.public_bytes(serialization.Encoding.DER)
    t2 = time.perf_counter()
    with open(out_file, "wb") as f:
        f.write(der)
    print(f"entries={len(revoked)} build_s={t1 - t0:.2f} sign_s={t2 - t1:.2f} "
          f"total_s={t2 - t0:.2f} bytes={len(der)}")


# RFC 5280 CRLReason numbers -> cryptography's ReasonFlags values
_REASONS = {
    1: "keyCompromise",
    2: "cACompromise",
    3: "affiliationChanged",
    4: "superseded",
    5: "cessationOfOperation",
    6: "certificateHold",
    8: "removeFromCRL",
    9: "privilegeWithdrawn",
    10: "aACompromise",
}

if __name__ == "__main__":
    main()
