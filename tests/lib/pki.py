#!/usr/bin/python3
"""Build small test PKIs for lastleaf: CAs, reissued/cross CA certificates,
leaves (with optional embedded SCTs or CT poison), OCSP responders, and the
files lastleaf imports (PEM bundles, DER, OpenSSL `ca` index.txt).

Run with Debian's interpreter, /usr/bin/python3, which has
python3-cryptography 38 (the pyenv python3 on PATH does not).  Only the
standard library and `cryptography` are used.

Library use (tests put tests/lib on sys.path):

    import pki
    root, root_key = pki.make_root("Test Root", key_type="p384")
    ca, ca_key = pki.make_intermediate("Test CA", root, root_key)
    leaf, _ = pki.make_leaf(ca, ca_key, serial="0A1B", not_before="-10d",
                            not_after="+1y", scts=2)
    pki.write_pem("leaves.pem", [leaf])
    pki.write_index("index.txt", [pki.IndexEntry(leaf, revoked_at="-1d",
                                                 reason="keyCompromise")])

CLI: /usr/bin/python3 tests/lib/pki.py --help

Notes on what cryptography 38 can and cannot encode (and so what this
library can produce):
  * serials must be positive and at most 159 bits (20 octets DER); zero,
    negative and over-long serials need hand-made DER (see
    tests/bench/gencerts.c for template patching);
  * times use UTCTime before 2050 and GeneralizedTime from 2050, as RFC 5280
    requires;
  * ECDSA signatures are randomised by OpenSSL, so output DER differs run to
    run even with a seeded `random.Random`; seeding makes keys (EC only),
    serials, dates and SCT contents reproducible.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import random
import re
import struct
import sys
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

UTC = _dt.timezone.utc

# RFC 6962 OIDs.  The SCT list is encoded by hand because cryptography can
# parse SCTs but offers no constructor for them.
OID_SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
OID_CT_POISON = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.3")

KEY_TYPES = ("p256", "p384", "rsa2048", "rsa3072")
_CURVES = {"p256": ec.SECP256R1, "p384": ec.SECP384R1}
_CURVE_ORDERS = {
    "p256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "p384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973", 16),
}

# Names accepted for extendedKeyUsage (CLI and API); an OID string also works.
EKU_NAMES = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
}

# CRLReason names as they appear after the comma in index.txt.  OpenSSL's
# `ca` only knows the first eight (it rejects privilegeWithdrawn and
# aACompromise with "invalid reason code"), but RFC 5280 defines all of
# these and lastleaf's importer is expected to accept them.
CRL_REASONS = (
    "unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
    "superseded", "cessationOfOperation", "certificateHold", "removeFromCRL",
    "privilegeWithdrawn", "aACompromise",
)
OPENSSL_CA_REASONS = CRL_REASONS[:8]

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]
TimeSpec = Union[_dt.datetime, str, int, float, None]
SerialSpec = Union[int, str, None]


# --------------------------------------------------------------------------
# Time, serial and key helpers
# --------------------------------------------------------------------------

def now_utc() -> _dt.datetime:
    """Current time truncated to whole seconds: certificates carry no
    fractions, so comparisons against parsed certificates stay exact."""
    return _dt.datetime.now(UTC).replace(microsecond=0)


_REL_RE = re.compile(r"^(now)?([+-])(\d+)([smhdwy])$")
_REL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400,
              "y": 365 * 86400}


def parse_time(spec: TimeSpec, base: Optional[_dt.datetime] = None) -> _dt.datetime:
    """Turn a time spec into an aware UTC datetime (whole seconds).

    Accepts a datetime (naive = UTC), an epoch number, "now", a relative
    offset from `base` (default now) such as "-30d", "+2y", "-1h" (y = 365
    days), "now-30d"/"now+2y" (always from the current time, whatever
    `base` is; also easier with argparse, which reads a bare "-30d" as an
    option: write --not-before=-30d or --not-before now-30d), or ISO 8601
    ("2025-01-31", "2025-01-31T12:00:00Z").
    """
    base = now_utc() if base is None else parse_time(base)
    if spec is None or spec == "now":
        return base
    if isinstance(spec, _dt.datetime):
        dt = spec if spec.tzinfo else spec.replace(tzinfo=UTC)
        return dt.astimezone(UTC).replace(microsecond=0)
    if isinstance(spec, (int, float)):
        return _dt.datetime.fromtimestamp(int(spec), UTC)
    s = str(spec).strip()
    m = _REL_RE.match(s)
    if m:
        secs = int(m.group(3)) * _REL_UNITS[m.group(4)]
        origin = now_utc() if m.group(1) else base
        return origin + _dt.timedelta(seconds=secs if m.group(2) == "+" else -secs)
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    return parse_time(_dt.datetime.fromisoformat(s))


def parse_serial(spec: SerialSpec, rng: Optional[random.Random] = None) -> int:
    """Serial as int.  An int is used as is; a str is raw hex (optional
    "0x", colons and spaces allowed, e.g. "00:8F:3A"); None draws a random
    16-octet positive serial.  A leading 00 octet in hex is dropped because
    DER re-adds it only when the next octet has its top bit set."""
    if spec is None:
        return random_serial(rng)
    if isinstance(spec, int):
        n = spec
    else:
        s = re.sub(r"[\s:]", "", str(spec))
        if s.lower().startswith("0x"):
            s = s[2:]
        if not s or not re.fullmatch(r"[0-9A-Fa-f]+", s):
            raise ValueError(f"bad hex serial: {spec!r}")
        n = int(s, 16)
    if n <= 0 or n.bit_length() > 159:
        raise ValueError(f"serial must be positive and at most 159 bits "
                         f"(cryptography's limit): {spec!r}")
    return n


def random_serial(rng: Optional[random.Random] = None, octets: int = 16) -> int:
    """Positive serial whose DER content is exactly `octets` octets: first
    octet 0x01..0x7F so no 00 padding is added and no octet is dropped."""
    r = rng or random.SystemRandom()
    return (r.randint(1, 0x7F) << (8 * (octets - 1))) | r.getrandbits(8 * (octets - 1))


def generate_key(key_type: str = "p256", rng: Optional[random.Random] = None) -> PrivateKey:
    """New private key.  With a seeded `rng`, EC keys are derived from it
    (reproducible); RSA keys are always fresh from OpenSSL's RNG."""
    kt = key_type.lower().replace("-", "")
    if kt in _CURVES:
        if rng is not None:
            return ec.derive_private_key(rng.randrange(1, _CURVE_ORDERS[kt]), _CURVES[kt]())
        return ec.generate_private_key(_CURVES[kt]())
    if kt in ("rsa2048", "rsa3072", "rsa4096"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kt[3:]))
    raise ValueError(f"unknown key type {key_type!r}; use one of {KEY_TYPES}")


def hash_for_key(key) -> hashes.HashAlgorithm:
    """Signature hash matched to the signing key's strength (P-384 ->
    SHA-384, as CA/B Forum profiles require); SHA-256 otherwise."""
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def make_name(cn: Optional[str] = None, o: Optional[str] = None,
              ou: Optional[str] = None, c: Optional[str] = None,
              email: Optional[str] = None) -> x509.Name:
    """Distinguished name in the conventional C, O, OU, CN order (that order
    is also what index.txt's "/C=../O=../CN=.." shows)."""
    attrs = []
    if c:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, c))
    if o:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    if cn:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def _eku_oids(eku: Optional[Iterable[str]]) -> List[ObjectIdentifier]:
    out = []
    for e in eku or ():
        if isinstance(e, ObjectIdentifier):
            out.append(e)
        elif e in EKU_NAMES:
            out.append(EKU_NAMES[e])
        elif re.fullmatch(r"\d+(\.\d+)+", e):
            out.append(ObjectIdentifier(e))
        else:
            raise ValueError(f"unknown EKU {e!r}; names: {sorted(EKU_NAMES)}")
    return out


def not_before(cert: x509.Certificate) -> _dt.datetime:
    """notBefore as an aware UTC datetime.  cryptography >= 42 offers
    not_valid_before_utc and deprecates the naive property; Debian's 38
    has only the naive one (which is UTC)."""
    v = getattr(cert, "not_valid_before_utc", None)
    return v if v is not None else cert.not_valid_before.replace(tzinfo=UTC)


def not_after(cert: x509.Certificate) -> _dt.datetime:
    """notAfter as an aware UTC datetime (see not_before)."""
    v = getattr(cert, "not_valid_after_utc", None)
    return v if v is not None else cert.not_valid_after.replace(tzinfo=UTC)


def ski_of(cert: x509.Certificate) -> x509.SubjectKeyIdentifier:
    """The certificate's SKI extension, or the RFC 5280 method-1 value
    computed from its key when it has none."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(cert.public_key())


# --------------------------------------------------------------------------
# Certificate builders
# --------------------------------------------------------------------------

def _build(subject: x509.Name, issuer: x509.Name, public_key, signing_key,
           serial: int, not_before: _dt.datetime, not_after: _dt.datetime,
           extensions: Sequence[Tuple[x509.ExtensionType, bool]]) -> x509.Certificate:
    if not_after < not_before:
        raise ValueError(f"notAfter {not_after} before notBefore {not_before}")
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer).public_key(public_key)
         .serial_number(serial)
         # cryptography 38 wants naive UTC (aware values are converted too,
         # but naive avoids any version differences).
         .not_valid_before(not_before.astimezone(UTC).replace(tzinfo=None))
         .not_valid_after(not_after.astimezone(UTC).replace(tzinfo=None)))
    for ext, critical in extensions:
        b = b.add_extension(ext, critical=critical)
    return b.sign(signing_key, hash_for_key(signing_key))


def _ca_extensions(public_key, issuer_ski: Optional[x509.SubjectKeyIdentifier],
                   path_len: Optional[int], eku) -> list:
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    exts = [
        (x509.BasicConstraints(ca=True, path_length=path_len), True),
        (x509.KeyUsage(digital_signature=True, content_commitment=False,
                       key_encipherment=False, data_encipherment=False,
                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                       encipher_only=False, decipher_only=False), True),
        (ski, False),
        # AKI keyid only (no issuer+serial), as CA/B profiles require.
        (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski or ski), False),
    ]
    if eku:
        exts.append((x509.ExtendedKeyUsage(_eku_oids(eku)), False))
    return exts


def make_root(cn: str, o: Optional[str] = None, *, key: Optional[PrivateKey] = None,
              key_type: str = "p384", serial: SerialSpec = None,
              not_before: TimeSpec = "-1d", not_after: TimeSpec = None,
              days: int = 20 * 365, eku: Optional[Iterable[str]] = None,
              name: Optional[x509.Name] = None, rng: Optional[random.Random] = None,
              ) -> Tuple[x509.Certificate, PrivateKey]:
    """Self-signed root CA.  Returns (cert, key).  notAfter defaults to
    notBefore + `days`."""
    key = key or generate_key(key_type, rng)
    nb = parse_time(not_before)
    na = parse_time(not_after, nb) if not_after is not None else nb + _dt.timedelta(days=days)
    subject = name or make_name(cn, o)
    cert = _build(subject, subject, key.public_key(), key, parse_serial(serial, rng),
                  nb, na, _ca_extensions(key.public_key(), None, None, eku))
    return cert, key


def make_intermediate(cn: str, issuer_cert: x509.Certificate, issuer_key: PrivateKey,
                      o: Optional[str] = None, *, key: Optional[PrivateKey] = None,
                      key_type: str = "p256", serial: SerialSpec = None,
                      not_before: TimeSpec = "-1d", not_after: TimeSpec = None,
                      days: int = 10 * 365, path_len: Optional[int] = 0,
                      eku: Optional[Iterable[str]] = None,
                      name: Optional[x509.Name] = None,
                      rng: Optional[random.Random] = None,
                      ) -> Tuple[x509.Certificate, PrivateKey]:
    """Subordinate CA signed by issuer.  Returns (cert, key).  Pass `key`
    to certify an existing key (that is also how reissues start)."""
    key = key or generate_key(key_type, rng)
    nb = parse_time(not_before)
    na = parse_time(not_after, nb) if not_after is not None else nb + _dt.timedelta(days=days)
    cert = _build(name or make_name(cn, o), issuer_cert.subject, key.public_key(), issuer_key,
                  parse_serial(serial, rng), nb, na,
                  _ca_extensions(key.public_key(), ski_of(issuer_cert), path_len, eku))
    return cert, key


def reissue_ca(cert: x509.Certificate, issuer_cert: Optional[x509.Certificate],
               issuer_key: PrivateKey, *, serial: SerialSpec = None,
               not_before: TimeSpec = "-1d", not_after: TimeSpec = None,
               days: int = 10 * 365, path_len: Optional[int] = -1,
               eku: Optional[Iterable[str]] = None,
               rng: Optional[random.Random] = None) -> x509.Certificate:
    """New certificate for the SAME subject and public key as `cert`, with a
    new serial and validity, signed by issuer.

    * issuer_cert = the original issuer: a plain reissue (e.g. to change a
      non-compliant profile); leaves of the old one chain to both.
    * issuer_cert = another root: a cross-certificate.
    * issuer_cert None: a self-signed reissue of a root (issuer_key must be
      the root's own key).
    path_len -1 keeps the original's pathLenConstraint; eku None keeps the
    original's EKU (pass [] to drop it).
    """
    if path_len == -1:
        try:
            path_len = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
        except x509.ExtensionNotFound:
            path_len = None
    if eku is None:
        try:
            eku = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except x509.ExtensionNotFound:
            eku = None
    nb = parse_time(not_before)
    na = parse_time(not_after, nb) if not_after is not None else nb + _dt.timedelta(days=days)
    pub = cert.public_key()
    if issuer_cert is None:
        issuer_name, issuer_ski = cert.subject, None
    else:
        issuer_name, issuer_ski = issuer_cert.subject, ski_of(issuer_cert)
    return _build(cert.subject, issuer_name, pub, issuer_key, parse_serial(serial, rng),
                  nb, na, _ca_extensions(pub, issuer_ski, path_len, eku))


def cross_certify(cert: x509.Certificate, other_root_cert: x509.Certificate,
                  other_root_key: PrivateKey, **kw) -> x509.Certificate:
    """Cross-certificate: same subject and key as `cert`, signed by another
    root.  Keyword arguments as for reissue_ca."""
    return reissue_ca(cert, other_root_cert, other_root_key, **kw)


def _tls_u16(b: bytes) -> bytes:
    return struct.pack(">H", len(b)) + b


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _fake_ecdsa_sig(rng: random.Random) -> bytes:
    """70 random-looking bytes shaped as a DER ECDSA-Sig-Value (SEQUENCE of
    two 32-octet INTEGERs) so strict parsers accept it; nobody verifies it."""
    def integer():
        v = bytearray(rng.getrandbits(8) for _ in range(32))
        v[0] = (v[0] & 0x7F) | 0x01  # positive, no 00 padding, fixed length
        return b"\x02\x20" + bytes(v)
    body = integer() + integer()
    return b"\x30" + _der_len(len(body)) + body


def sct_list_extension(count: int = 1, *, timestamp: TimeSpec = None,
                       log_ids: Optional[Sequence[bytes]] = None,
                       rng: Optional[random.Random] = None) -> x509.UnrecognizedExtension:
    """Embedded SCT list extension (RFC 6962 3.3), non-critical.

    extnValue = OCTET STRING { SignedCertificateTimestampList }, the list
    being TLS-encoded: uint16 list length, then per SCT uint16 length +
    version(0) | log_id[32] | uint64 timestamp(ms) | uint16 ext len (0) |
    hash alg 4 (sha256) | sig alg 3 (ecdsa) | uint16 sig len | sig.
    Signatures are fake (nothing here is logged).
    """
    r = rng or random.Random()
    ts = parse_time(timestamp)
    ms = int(ts.timestamp() * 1000)
    scts = []
    for i in range(count):
        log_id = (log_ids[i % len(log_ids)] if log_ids
                  else bytes(r.getrandbits(8) for _ in range(32)))
        if len(log_id) != 32:
            raise ValueError("log id must be 32 bytes")
        sig = _fake_ecdsa_sig(r)
        sct = (b"\x00" + log_id + struct.pack(">Q", ms + i) + _tls_u16(b"")
               + b"\x04\x03" + _tls_u16(sig))
        scts.append(_tls_u16(sct))
    tls_list = _tls_u16(b"".join(scts))
    return x509.UnrecognizedExtension(OID_SCT_LIST, b"\x04" + _der_len(len(tls_list)) + tls_list)


def make_leaf(issuer_cert: x509.Certificate, issuer_key: PrivateKey, *,
              serial: SerialSpec = None, not_before: TimeSpec = "-1d",
              not_after: TimeSpec = None, days: int = 365,
              cn: Optional[str] = None, o: Optional[str] = None,
              email: Optional[str] = None, dns: Optional[Sequence[str]] = None,
              name: Optional[x509.Name] = None,
              key: Optional[PrivateKey] = None, key_type: str = "p256",
              cdp: Optional[str] = None, scts: Union[int, x509.UnrecognizedExtension] = 0,
              precert: bool = False, eku: Optional[Iterable[str]] = ("emailProtection",),
              rng: Optional[random.Random] = None,
              ) -> Tuple[x509.Certificate, PrivateKey]:
    """End-entity certificate under issuer.  Returns (cert, key).

    serial: int, or str of raw hex, or None for random 16 octets.
    notAfter defaults to notBefore + `days`; relative specs in not_after are
    taken from notBefore ("+1y").  cdp: one CRL distribution point URI.
    scts: number of fake embedded SCTs (or a prebuilt extension).
    precert: add the critical CT poison (NULL) instead of SCTs, making an
    RFC 6962 precertificate.  email adds an rfc822Name SAN (S/MIME),
    dns dNSName SANs.
    """
    key = key or generate_key(key_type, rng)
    nb = parse_time(not_before)
    na = parse_time(not_after, nb) if not_after is not None else nb + _dt.timedelta(days=days)
    subject = name or make_name(cn or (email or "leaf"), o)
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    exts = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.KeyUsage(digital_signature=True, content_commitment=False,
                       key_encipherment=is_rsa, data_encipherment=False,
                       key_agreement=False, key_cert_sign=False, crl_sign=False,
                       encipher_only=False, decipher_only=False), True),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski_of(issuer_cert)), False),
    ]
    if eku:
        exts.append((x509.ExtendedKeyUsage(_eku_oids(eku)), False))
    sans = []
    if email:
        sans.append(x509.RFC822Name(email))
    for d in dns or ():
        sans.append(x509.DNSName(d))
    if sans:
        exts.append((x509.SubjectAlternativeName(sans), False))
    if cdp:
        exts.append((x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(cdp)], relative_name=None,
            reasons=None, crl_issuer=None)]), False))
    if precert:
        # PrecertPoison encodes extnValue as NULL (05 00); it must be critical.
        exts.append((x509.PrecertPoison(), True))
    elif isinstance(scts, x509.UnrecognizedExtension):
        exts.append((scts, False))
    elif scts:
        exts.append((sct_list_extension(scts, timestamp=nb, rng=rng), False))
    cert = _build(subject, issuer_cert.subject, key.public_key(), issuer_key,
                  parse_serial(serial, rng), nb, na, exts)
    return cert, key


def make_precert_pair(issuer_cert: x509.Certificate, issuer_key: PrivateKey, *,
                      scts: int = 2, **kw) -> Tuple[x509.Certificate, x509.Certificate, PrivateKey]:
    """(precertificate, final certificate, key) sharing key, serial, issuer,
    subject and validity; the final cert carries `scts` embedded SCTs.
    Keyword arguments as for make_leaf."""
    rng = kw.get("rng")
    kw["serial"] = parse_serial(kw.get("serial"), rng)
    kw["not_before"] = parse_time(kw.get("not_before", "-1d"))
    if kw.get("not_after") is not None:
        kw["not_after"] = parse_time(kw["not_after"], kw["not_before"])
    else:
        kw["not_after"] = kw["not_before"] + _dt.timedelta(days=kw.pop("days", 365))
    pre, key = make_leaf(issuer_cert, issuer_key, precert=True, **kw)
    kw["key"] = key
    final, _ = make_leaf(issuer_cert, issuer_key, precert=False, scts=scts, **kw)
    return pre, final, key


def make_ocsp_responder(issuer_cert: x509.Certificate, issuer_key: PrivateKey,
                        cn: Optional[str] = None, *, key: Optional[PrivateKey] = None,
                        key_type: str = "p256", serial: SerialSpec = None,
                        not_before: TimeSpec = "-1h", not_after: TimeSpec = None,
                        days: int = 30, o: Optional[str] = None,
                        rng: Optional[random.Random] = None,
                        ) -> Tuple[x509.Certificate, PrivateKey]:
    """Delegated OCSP responder (RFC 6960 4.2.2.2): EKU OCSPSigning
    (critical, so it cannot double as anything else), id-pkix-ocsp-nocheck
    (NULL, non-critical), keyUsage digitalSignature critical, no
    basicConstraints, short validity (30 days by default)."""
    key = key or generate_key(key_type, rng)
    nb = parse_time(not_before)
    na = parse_time(not_after, nb) if not_after is not None else nb + _dt.timedelta(days=days)
    issuer_cn = issuer_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = cn or ((issuer_cn[0].value if issuer_cn else "CA") + " OCSP Responder")
    exts = [
        (x509.KeyUsage(digital_signature=True, content_commitment=False,
                       key_encipherment=False, data_encipherment=False,
                       key_agreement=False, key_cert_sign=False, crl_sign=False,
                       encipher_only=False, decipher_only=False), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), True),
        (x509.OCSPNoCheck(), False),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski_of(issuer_cert)), False),
    ]
    cert = _build(make_name(cn, o), issuer_cert.subject, key.public_key(), issuer_key,
                  parse_serial(serial, rng), nb, na, exts)
    return cert, key


# --------------------------------------------------------------------------
# Output: PEM, DER, keys, index.txt
# --------------------------------------------------------------------------

def _as_list(certs) -> List[x509.Certificate]:
    return [certs] if isinstance(certs, x509.Certificate) else list(certs)


def write_pem(path: str, certs) -> None:
    """One cert or a bundle of certs, PEM, in the given order."""
    with open(path, "wb") as f:
        for c in _as_list(certs):
            f.write(c.public_bytes(serialization.Encoding.PEM))


def write_der(path: str, cert: x509.Certificate) -> None:
    with open(path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.DER))


def write_each(directory: str, certs, fmt: str = "pem") -> List[str]:
    """One file per cert named <SERIALHEX>.pem|.der (like `openssl ca`'s
    newcerts directory).  A serial seen twice in the same call (a precert
    and its final cert) gets "-2", "-3"... rather than overwriting.
    Returns the paths."""
    os.makedirs(directory, exist_ok=True)
    paths, seen = [], {}
    for c in _as_list(certs):
        base = openssl_serial_hex(c.serial_number)
        seen[base] = seen.get(base, 0) + 1
        suffix = "" if seen[base] == 1 else f"-{seen[base]}"
        p = os.path.join(directory, f"{base}{suffix}.{fmt}")
        (write_der if fmt == "der" else write_pem)(p, c)
        paths.append(p)
    return paths


def write_key(path: str, key: PrivateKey) -> None:
    """Unencrypted PKCS#8 PEM, mode 0600.  Created 0600 from the start (no
    window where it is world-readable) and chmod-ed in case it existed."""
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def load_certs(path: str) -> List[x509.Certificate]:
    """All certificates in a PEM bundle, or the one cert of a DER file."""
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN" in data:
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\r?\n?",
                            data, re.S)
        return [x509.load_pem_x509_certificate(b) for b in blocks]
    return [x509.load_der_x509_certificate(data)]


def load_cert(path: str) -> x509.Certificate:
    certs = load_certs(path)
    if len(certs) != 1:
        raise ValueError(f"{path}: expected one certificate, found {len(certs)}")
    return certs[0]


def load_key(path: str) -> PrivateKey:
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def openssl_serial_hex(serial: int) -> str:
    """Serial as `openssl ca` writes it in index.txt: BN_bn2hex, i.e.
    uppercase hex, two digits per byte (so always even length, e.g. 0A,
    0100, 80, FF), no sign padding (0x80 -> "80", unlike the DER 0080),
    and zero written as "00"."""
    if serial == 0:
        return "00"
    neg = serial < 0
    h = "%X" % abs(serial)
    if len(h) % 2:
        h = "0" + h
    return ("-" if neg else "") + h


def asn1_time_str(dt: _dt.datetime) -> str:
    """Time as OpenSSL's ASN1_TIME string: UTCTime YYMMDDHHMMSSZ for
    1950..2049, GeneralizedTime YYYYMMDDHHMMSSZ otherwise (RFC 5280 rule,
    which is what index.txt holds for both expiry and revocation time)."""
    dt = parse_time(dt)
    if 1950 <= dt.year < 2050:
        return dt.strftime("%y%m%d%H%M%SZ")
    return dt.strftime("%Y%m%d%H%M%SZ")


# OpenSSL short names (OBJ_nid2sn) for X509_NAME_oneline.
_SN = {
    NameOID.COMMON_NAME: "CN", NameOID.COUNTRY_NAME: "C", NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST", NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.EMAIL_ADDRESS: "emailAddress",
    NameOID.SERIAL_NUMBER: "serialNumber", NameOID.SURNAME: "SN",
    NameOID.GIVEN_NAME: "GN", NameOID.TITLE: "title", NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.USER_ID: "UID", NameOID.STREET_ADDRESS: "street",
    NameOID.POSTAL_CODE: "postalCode", NameOID.PSEUDONYM: "pseudonym",
    ObjectIdentifier("2.5.4.43"): "initials", NameOID.DN_QUALIFIER: "dnQualifier",
    NameOID.BUSINESS_CATEGORY: "businessCategory",
    NameOID.JURISDICTION_COUNTRY_NAME: "jurisdictionC",
    ObjectIdentifier("2.5.4.97"): "organizationIdentifier",
}


def openssl_oneline(name: x509.Name) -> str:
    """Subject as X509_NAME_oneline renders it (index.txt's last column):
    "/SN=value" per attribute in DER order (multi-valued RDNs are not set
    apart), bytes outside ' '..'~' escaped as \\xHH and "/" as "\\/" (as
    OpenSSL 3.0 does; checked against a real `openssl ca` index.txt)."""
    out = []
    for attr in name:
        sn = _SN.get(attr.oid, attr.oid.dotted_string)
        val = attr.value if isinstance(attr.value, bytes) else attr.value.encode("utf-8")
        esc = "".join("\\/" if b == 0x2F else chr(b) if 0x20 <= b <= 0x7E else "\\x%02X" % b
                      for b in val)
        out.append(f"/{sn}={esc}")
    return "".join(out)


@dataclass
class IndexEntry:
    """One index.txt row.  revoked_at set => "R" row; status "E" can be
    forced for expired rows as `openssl ca -updatedb` writes them."""
    cert: x509.Certificate
    revoked_at: TimeSpec = None
    reason: Optional[str] = None
    status: Optional[str] = None


def index_line(entry: IndexEntry) -> str:
    """status TAB expiry TAB revinfo TAB serial TAB filename TAB subject.
    revinfo is "<revtime>[,<reason>]" for R rows, empty otherwise; the
    filename column is "unknown", as `openssl ca` writes it."""
    c = entry.cert
    status = entry.status or ("R" if entry.revoked_at is not None else "V")
    revinfo = ""
    if status == "R":
        if entry.revoked_at is None:
            raise ValueError("R entry needs revoked_at")
        revinfo = asn1_time_str(parse_time(entry.revoked_at))
        if entry.reason:
            if entry.reason not in CRL_REASONS:
                raise ValueError(f"unknown reason {entry.reason!r}; use one of {CRL_REASONS}")
            revinfo += "," + entry.reason
    na = not_after(c)
    return "\t".join([status, asn1_time_str(na), revinfo, openssl_serial_hex(c.serial_number),
                      "unknown", openssl_oneline(c.subject)])


def write_index(path: str, entries: Iterable[Union[IndexEntry, x509.Certificate]]) -> None:
    """OpenSSL `ca` database (index.txt), rows in the given order (openssl
    appends in issuance order).  Bare certificates become "V" rows."""
    with open(path, "w", encoding="ascii", newline="\n") as f:
        for e in entries:
            if isinstance(e, x509.Certificate):
                e = IndexEntry(e)
            f.write(index_line(e) + "\n")


def write_index_attr(path: str) -> None:
    """index.txt.attr so `openssl ca` accepts the database with duplicate
    subjects (reissued CA/leaf subjects repeat)."""
    with open(path, "w") as f:
        f.write("unique_subject = no\n")


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def _serial_arg(s: str) -> SerialSpec:
    """CLI serial: decimal digits = int, "0x.." or "hex:.." = raw hex,
    "random" = 16 random octets."""
    if s == "random":
        return None
    if s.lower().startswith("hex:"):
        return s[4:]
    if s.lower().startswith("0x"):
        return s
    if s.isdigit():
        return int(s)
    return s  # anything else is taken as raw hex (e.g. "7F3A")


def _add_common(p: argparse.ArgumentParser, key_default: str, days_default: int) -> None:
    p.add_argument("--serial", default="random", type=_serial_arg,
                   help="decimal int, 0x<hex> or hex:<hex> (raw hex), or 'random' "
                        "(16 octets; default)")
    p.add_argument("--not-before", default="-1d",
                   help="ISO 8601, 'now', or offset like -30d/+1y (default -1d)")
    p.add_argument("--not-after", default=None,
                   help="ISO 8601 or offset from notBefore like +2y (default notBefore+--days)")
    p.add_argument("--days", type=int, default=days_default,
                   help=f"validity in days when --not-after is absent (default {days_default})")
    p.add_argument("--key-type", default=key_default, choices=KEY_TYPES,
                   help=f"key to generate (default {key_default})")
    p.add_argument("--key", help="use this existing PEM private key instead of generating")
    p.add_argument("--out", required=True, help="certificate output file")
    p.add_argument("--format", choices=("pem", "der"), default="pem")
    p.add_argument("--key-out", help="write the (new) private key here, PKCS#8 PEM, mode 0600")


def _write_cert_out(args, cert) -> None:
    (write_der if args.format == "der" else write_pem)(args.out, cert)


def _load_key_arg(args) -> Optional[PrivateKey]:
    return load_key(args.key) if getattr(args, "key", None) else None


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="pki.py",
        description="Build test PKIs for lastleaf (run with /usr/bin/python3). "
                    "Times: ISO 8601, 'now', or offsets like now-30d, +2y, now-1h "
                    "(write --not-before=-30d for a bare negative offset). "
                    "Serials: decimal, 0x<hex>, hex:<hex>, or 'random'.")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    p = sub.add_parser("root", help="self-signed root CA")
    p.add_argument("--cn", required=True)
    p.add_argument("--o")
    p.add_argument("--eku", action="append", help="add an EKU (name or OID), repeatable")
    _add_common(p, "p384", 20 * 365)

    p = sub.add_parser("intermediate", help="subordinate CA under an issuer")
    p.add_argument("--cn", required=True)
    p.add_argument("--o")
    p.add_argument("--issuer-cert", required=True)
    p.add_argument("--issuer-key", required=True)
    p.add_argument("--path-len", type=int, default=0, help="-1 for none (default 0)")
    p.add_argument("--eku", action="append", help="add an EKU (name or OID), repeatable")
    _add_common(p, "p256", 10 * 365)

    for cmd, hlp in (("reissue", "new cert for the SAME subject+key as --cert (new serial/validity)"),
                     ("cross", "cross-certificate: --cert's subject+key signed by another root")):
        p = sub.add_parser(cmd, help=hlp)
        p.add_argument("--cert", required=True, help="existing CA certificate (subject+key source)")
        p.add_argument("--issuer-cert", required=(cmd == "cross"),
                       help="signer's certificate; omit for a self-signed root reissue")
        p.add_argument("--issuer-key", required=True)
        p.add_argument("--serial", default="random", type=_serial_arg)
        p.add_argument("--not-before", default="-1d")
        p.add_argument("--not-after")
        p.add_argument("--days", type=int, default=10 * 365)
        p.add_argument("--out", required=True)
        p.add_argument("--format", choices=("pem", "der"), default="pem")

    p = sub.add_parser("leaf", help="end-entity certificate (optionally with SCTs or CT poison)")
    p.add_argument("--issuer-cert", required=True)
    p.add_argument("--issuer-key", required=True)
    p.add_argument("--cn")
    p.add_argument("--o")
    p.add_argument("--email", help="rfc822Name SAN")
    p.add_argument("--dns", action="append", help="dNSName SAN, repeatable")
    p.add_argument("--cdp", help="CRL distribution point URI")
    p.add_argument("--scts", type=int, default=0, help="number of fake embedded SCTs")
    p.add_argument("--precert", action="store_true",
                   help="add critical CT poison (precertificate); with --final-out also "
                        "write the matching final cert (same serial/validity) with --scts SCTs")
    p.add_argument("--final-out", help="with --precert: where to write the final certificate")
    p.add_argument("--eku", action="append",
                   help="EKU name or OID, repeatable (default emailProtection; 'none' for none)")
    _add_common(p, "p256", 365)

    p = sub.add_parser("ocsp-responder", help="delegated OCSP responder cert (30 days)")
    p.add_argument("--issuer-cert", required=True)
    p.add_argument("--issuer-key", required=True)
    p.add_argument("--cn")
    _add_common(p, "p256", 30)

    p = sub.add_parser("index", help="write an OpenSSL ca index.txt for certificates")
    p.add_argument("--certs", action="append", required=True, help="PEM bundle or DER file, repeatable")
    p.add_argument("--revoke", action="append", default=[], metavar="SERIALHEX=TIME[,REASON]",
                   help="mark a serial revoked, e.g. 0A1B=-2d,keyCompromise (repeatable)")
    p.add_argument("--expired-as-E", action="store_true",
                   help="write expired unrevoked rows with status E (as after -updatedb)")
    p.add_argument("--out", required=True)

    p = sub.add_parser("split", help="write each cert of a bundle to DIR/<SERIALHEX>.pem|der")
    p.add_argument("--in", dest="inp", required=True)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--format", choices=("pem", "der"), default="pem")

    p = sub.add_parser("show", help="print serial (index form), validity, subject, extensions")
    p.add_argument("files", nargs="+")

    args = ap.parse_args(argv)

    def validity(a):
        nb = parse_time(a.not_before)
        return nb, (parse_time(a.not_after, nb) if a.not_after else None)

    if args.cmd == "root":
        nb, na = validity(args)
        cert, key = make_root(args.cn, args.o, key=_load_key_arg(args), key_type=args.key_type,
                              serial=args.serial, not_before=nb, not_after=na, days=args.days,
                              eku=args.eku)
        _write_cert_out(args, cert)
        if args.key_out:
            write_key(args.key_out, key)
    elif args.cmd == "intermediate":
        nb, na = validity(args)
        cert, key = make_intermediate(
            args.cn, load_cert(args.issuer_cert), load_key(args.issuer_key), args.o,
            key=_load_key_arg(args), key_type=args.key_type, serial=args.serial,
            not_before=nb, not_after=na, days=args.days,
            path_len=None if args.path_len < 0 else args.path_len, eku=args.eku)
        _write_cert_out(args, cert)
        if args.key_out:
            write_key(args.key_out, key)
    elif args.cmd in ("reissue", "cross"):
        nb, na = validity(args)
        issuer = load_cert(args.issuer_cert) if args.issuer_cert else None
        cert = reissue_ca(load_cert(args.cert), issuer, load_key(args.issuer_key),
                          serial=args.serial, not_before=nb, not_after=na, days=args.days)
        _write_cert_out(args, cert)
    elif args.cmd == "leaf":
        nb, na = validity(args)
        eku = None if args.eku == ["none"] else (args.eku or ["emailProtection"])
        kw = dict(serial=parse_serial(args.serial), not_before=nb, not_after=na, days=args.days,
                  cn=args.cn, o=args.o, email=args.email, dns=args.dns,
                  key=_load_key_arg(args), key_type=args.key_type, cdp=args.cdp, eku=eku)
        ic, ik = load_cert(args.issuer_cert), load_key(args.issuer_key)
        if args.precert:
            pre, final, key = make_precert_pair(ic, ik, scts=args.scts or 2, **kw)
            _write_cert_out(args, pre)
            if args.final_out:
                (write_der if args.format == "der" else write_pem)(args.final_out, final)
        else:
            cert, key = make_leaf(ic, ik, scts=args.scts, **kw)
            _write_cert_out(args, cert)
        if args.key_out:
            write_key(args.key_out, key)
    elif args.cmd == "ocsp-responder":
        nb, na = validity(args)
        cert, key = make_ocsp_responder(load_cert(args.issuer_cert), load_key(args.issuer_key),
                                        args.cn, key=_load_key_arg(args), key_type=args.key_type,
                                        serial=args.serial, not_before=nb, not_after=na,
                                        days=args.days)
        _write_cert_out(args, cert)
        if args.key_out:
            write_key(args.key_out, key)
    elif args.cmd == "index":
        revs = {}
        for r in args.revoke:
            ser, _, rest = r.partition("=")
            when, _, reason = rest.partition(",")
            revs[parse_serial(ser)] = (parse_time(when or "now"), reason or None)
        entries, now = [], now_utc()
        for path in args.certs:
            for c in load_certs(path):
                if c.serial_number in revs:
                    t, reason = revs.pop(c.serial_number)
                    entries.append(IndexEntry(c, t, reason))
                elif args.expired_as_E and not_after(c) < now:
                    entries.append(IndexEntry(c, status="E"))
                else:
                    entries.append(IndexEntry(c))
        if revs:
            ap.error("--revoke serials not found: " + ", ".join(openssl_serial_hex(s) for s in revs))
        write_index(args.out, entries)
    elif args.cmd == "split":
        for pth in write_each(args.out_dir, load_certs(args.inp), args.format):
            print(pth)
    elif args.cmd == "show":
        for path in args.files:
            for c in load_certs(path):
                print(f"{path}: serial={openssl_serial_hex(c.serial_number)} "
                      f"notBefore={asn1_time_str(not_before(c))} "
                      f"notAfter={asn1_time_str(not_after(c))}")
                print(f"  subject={openssl_oneline(c.subject)} issuer={openssl_oneline(c.issuer)}")
                for e in c.extensions:
                    print(f"  ext {e.oid.dotted_string} ({getattr(e.oid, '_name', '?')}) critical={e.critical}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
