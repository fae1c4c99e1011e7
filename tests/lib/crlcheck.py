#!/usr/bin/python3
"""crlcheck.py CRL.der ISSUER.pem EXPECT.json

Checks a CRL with Debian's python3-cryptography (an independent parser and
verifier): signature against the issuer, CRL number, times, entries with
their reasons and invalidity dates, and the IssuingDistributionPoint.
EXPECT.json: {"number_min": int, "entries": {serialhex: {"reason": name|null,
"revoked_at": rfc3339}}, "idp_uri": str|null, "only_user": bool,
"only_ca": bool, "max_window": seconds, "this_update_max": rfc3339}
Prints one line per finding; exits 1 on any.
"""
import datetime as dt
import json
import sys

from cryptography import x509
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID

crl = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
issuer = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
exp = json.load(open(sys.argv[3]))
bad = []

def t(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")

if not crl.is_signature_valid(issuer.public_key()):
    bad.append("signature does not verify against the issuer")
if crl.issuer.public_bytes() != issuer.subject.public_bytes():
    bad.append("issuer name differs from the CA subject (A4)")
num = crl.extensions.get_extension_for_oid(ExtensionOID.CRL_NUMBER)
if num.critical or num.value.crl_number < exp.get("number_min", 0):
    bad.append(f"crl number {num.value.crl_number} (critical={num.critical})")
aki = crl.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
ski = issuer.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
if aki.key_identifier != ski.digest:
    bad.append("AKI does not match the issuer SKI (A16)")
window = (crl.next_update - crl.last_update).total_seconds()
if window > exp.get("max_window", 863999) or window <= 0:
    bad.append(f"validity window {window}s (A9)")
if "this_update_max" in exp and crl.last_update > t(exp["this_update_max"]):
    bad.append("thisUpdate in the future")
got = {}
for r in crl:
    s = "%x" % r.serial_number
    reason = None
    try:
        reason = r.extensions.get_extension_for_oid(CRLEntryExtensionOID.CRL_REASON).value.reason.name
    except x509.ExtensionNotFound:
        pass
    got[s] = {"reason": reason, "revoked_at": r.revocation_date.strftime("%Y-%m-%dT%H:%M:%SZ")}
want = exp.get("entries", {})
for s, w in want.items():
    if s not in got:
        bad.append(f"missing entry {s}")
    elif got[s] != w:
        bad.append(f"entry {s}: got {got[s]} want {w}")
for s in got:
    if s not in want:
        bad.append(f"unexpected entry {s}")
try:
    idp = crl.extensions.get_extension_for_oid(ExtensionOID.ISSUING_DISTRIBUTION_POINT)
    uris = [g.value for g in (idp.value.full_name or [])]
    if not idp.critical:
        bad.append("IDP not critical (A20)")
    if exp.get("idp_uri") is None:
        bad.append("IDP on a full CRL (A21)")
    elif uris != [exp["idp_uri"]]:
        bad.append(f"IDP URIs {uris} != {exp['idp_uri']}")
    if idp.value.only_contains_user_certs != exp.get("only_user", False):
        bad.append("onlyContainsUserCerts mismatch")
    if idp.value.only_contains_ca_certs != exp.get("only_ca", False):
        bad.append("onlyContainsCACerts mismatch")
except x509.ExtensionNotFound:
    if exp.get("idp_uri"):
        bad.append("IDP missing on a partition (A20)")
print("\n".join(bad) if bad else f"ok number={num.value.crl_number} entries={len(got)}")
sys.exit(1 if bad else 0)
