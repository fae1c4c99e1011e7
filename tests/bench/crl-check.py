#!/usr/bin/python3
"""crl-check.py - checks the entries of a CRL made by tests/bench/crl.

usage: crl-check.py CRL_DER ENTRIES [--full] [--reasons] [--dates]

ENTRIES is the file the benchmark gave every tool (tab-separated
SERIAL_HEX, REVOKED_UNIX_SECONDS, REASON, ...; REASON 0 = no reasonCode).
Always: the CRL parses and lists exactly as many entries as ENTRIES has
lines. With --full: the set of serials is exactly the expected one.
--reasons (implies --full): every entry carries the expected reasonCode (or
none). --dates (implies --full): every revocationDate is the expected one.
The signature is not checked here (the benchmark uses openssl crl -CAfile).
Prints one line and exits 1 on any mismatch. Use Debian's /usr/bin/python3.
"""
import datetime
import sys

from cryptography import x509
from cryptography.x509.oid import CRLEntryExtensionOID

_REASONS = {
    "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3, "superseded": 4,
    "cessationOfOperation": 5, "certificateHold": 6, "removeFromCRL": 8,
    "privilegeWithdrawn": 9, "aACompromise": 10, "unspecified": 0,
}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    if len(args) != 2 or flags - {"--full", "--reasons", "--dates"}:
        sys.exit(__doc__)
    reasons, dates = "--reasons" in flags, "--dates" in flags
    full = "--full" in flags or reasons or dates
    crl_file, entries_file = args
    with open(crl_file, "rb") as f:
        crl = x509.load_der_x509_crl(f.read())
    expect = {}
    with open(entries_file) as f:
        for line in f:
            fields = line.split("\t", 3)
            if len(fields) >= 3:
                expect[int(fields[0], 16)] = (int(fields[1]), int(fields[2]))
    n = len(crl)
    problems = []
    if n != len(expect):
        problems.append(f"{n} entries, expected {len(expect)}")
    if full and not problems:
        epoch = datetime.datetime(1970, 1, 1)
        seen = bad_serial = bad_reason = bad_date = 0
        for rc in crl:
            e = expect.get(rc.serial_number)
            if e is None:
                bad_serial += 1
                continue
            seen += 1
            if dates and int((rc.revocation_date - epoch).total_seconds()) != e[0]:
                bad_date += 1
            if reasons:
                try:
                    got = _REASONS[rc.extensions.get_extension_for_oid(
                        CRLEntryExtensionOID.CRL_REASON).value.reason.value]
                except x509.ExtensionNotFound:
                    got = 0
                if got != e[1]:
                    bad_reason += 1
        if bad_serial or seen != len(expect):
            problems.append(f"{bad_serial} unexpected serials, {len(expect) - seen} missing")
        if bad_reason:
            problems.append(f"{bad_reason} entries with the wrong reasonCode")
        if bad_date:
            problems.append(f"{bad_date} entries with the wrong revocationDate")
    what = "count" + (", serials" if full else "") + (", reasons" if reasons else "") + \
        (", dates" if dates else "")
    if problems:
        print(f"entries={n} checked {what}: " + "; ".join(problems))
        sys.exit(1)
    print(f"entries={n} checked {what}: ok")


if __name__ == "__main__":
    main()
