#!/usr/bin/python3
"""Generate lastleaf's demo PKI: an S/MIME CA retirement case.

The story: "Mail CA G4" was first certified by the root ~4 years ago with a
profile that turned out non-compliant ("g4-old", notAfter ~2 years from
now).  It was reissued ~1 year ago with the SAME key and subject ("g4-new",
notAfter ~5 years out), so every G4 leaf chains to both certificates.  To
retire g4-old early the operator must know which leaves are still live
(unexpired, unrevoked) under that key and when the last one expires.  "Mail
CA G5" is the successor CA; issuance under G4 stopped ~30 days ago (a freeze
lastleaf can later enforce), and one "late leaf" issued 1 hour ago
demonstrates a freeze violation.

Layout written under the output directory (dates relative to now, UTC):

  root/root.pem, root/root.key.pem        Demo Root CA R1, P-384, 20 years
  g4/g4-old.pem, g4/g4-new.pem            Mail CA G4 (one P-256 key, 2 certs)
  g4/g4.key.pem
  g4/ocsp.pem, g4/ocsp.key.pem            delegated OCSP responder, 30 days
  g4/leaves.pem                           all G4 leaves, one PEM bundle
  g4/index.txt                            OpenSSL ca database for those leaves
                                          (the revocations live only here)
  g4/late-leaf.pem                        notBefore now-1h; NOT in leaves.pem
                                          nor index.txt
  g5/g5.pem, g5/g5.key.pem, g5/ocsp.pem, g5/ocsp.key.pem,
  g5/leaves.pem, g5/index.txt
  expected.json                           counts computed here, independently
                                          of lastleaf, from the files written

Keys are PKCS#8 PEM, mode 0600.  With --seed (and --now) serials, dates,
revocations, SCTs and EC keys are reproducible; ECDSA signatures are not
(OpenSSL randomises them), so DER bytes differ between runs.

No leaf expires within GUARD (1 day) of "now", so expected.json's live
counts stay exact for a test that runs up to a day after generation.

Usage: /usr/bin/python3 scripts/demo-pki.py [--seed N] [--now ISO] --out DIR
       (or DIR as a positional argument)
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))

try:
    import pki  # noqa: E402
except ImportError:
    # The pyenv python3 on PATH lacks cryptography; Debian's has it.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

import argparse  # noqa: E402
import collections  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

DAY = dt.timedelta(days=1)
YEAR = dt.timedelta(days=365)
GUARD = dt.timedelta(days=1)
ORG = "LastLeaf Demo"
CDP = "http://crl.demo.lastleaf.example/{}.crl"
MAIL_DOMAIN = "mail.demo.lastleaf.example"
# Reasons cycled over the revoked leaves; two per CA get no reason at all
# (an index.txt R row with a bare revocation time).  Note: `openssl ca
# -gencrl` itself rejects privilegeWithdrawn ("invalid reason code"); it is
# here because RFC 5280 allows it and lastleaf must accept it.
REASONS = ("keyCompromise", "superseded", "cessationOfOperation",
           "affiliationChanged", "privilegeWithdrawn")
NO_REASON_PER_CA = 2
REVOKED_FRACTION = 0.05
SCT_FRACTION = 0.30


def iso(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def demo_serial(rng, used):
    """Mostly 16-octet serials (first octet 01..7F, what most CAs emit), with
    a few edge shapes an importer must normalise: ~2% with the top bit set
    (DER needs a 00 pad octet; index.txt does not show it) and ~1% short
    ones (1..8 octets; index.txt shows e.g. "0A")."""
    while True:
        x = rng.random()
        if x < 0.02:
            s = (rng.randint(0x80, 0xFF) << 120) | rng.getrandbits(120)
        elif x < 0.03:
            s = rng.randint(1, (1 << (8 * rng.randint(1, 8))) - 1)
        else:
            s = pki.random_serial(rng)
        if s not in used:
            used.add(s)
            return s


def plan_leaves(rng, count, nb_from, nb_to, now):
    """(notBefore, notAfter) pairs, notBefore uniform in [nb_from, nb_to],
    validity 1 or 2 years, nudged so that no notAfter is within GUARD of
    now (shifting notBefore earlier keeps it below nb_to)."""
    span = int((nb_to - nb_from).total_seconds())
    out = []
    for _ in range(count):
        nb = nb_from + dt.timedelta(seconds=rng.randrange(span + 1))
        validity = YEAR if rng.random() < 0.5 else 2 * YEAR
        na = nb + validity
        if abs(na - now) <= GUARD:
            # Move the leaf earlier so it expired just over GUARD ago.  With
            # the demo's ranges the affected leaves were issued 1 or 2
            # years ago, far from nb_from, so the shift stays in range.
            shift = (na - now) + GUARD + dt.timedelta(hours=1)
            nb, na = nb - shift, na - shift
        out.append((nb, na))
    out.sort()  # issuance order, as openssl ca appends to index.txt
    return out


def make_leaves(tag, ca_cert, ca_key, rng, count, nb_from, nb_to, now, used_serials):
    """Leaves and their revocations: list of (cert, revoked_at|None, reason|None)."""
    plan = plan_leaves(rng, count, nb_from, nb_to, now)
    n_revoked = round(count * REVOKED_FRACTION)
    revoked_idx = set(rng.sample(range(count), n_revoked))
    no_reason_idx = set(rng.sample(sorted(revoked_idx), min(NO_REASON_PER_CA, n_revoked)))
    out = []
    for i, (nb, na) in enumerate(plan):
        user = f"{tag}-user{i:05d}"
        cert, _ = pki.make_leaf(
            ca_cert, ca_key, serial=demo_serial(rng, used_serials), not_before=nb, not_after=na,
            cn=f"Demo User {tag.upper()} {i:05d}", email=f"{user}@{MAIL_DOMAIN}",
            key_type="p256", cdp=CDP.format(tag),
            scts=rng.choice((2, 3)) if rng.random() < SCT_FRACTION else 0, rng=rng)
        revoked_at = reason = None
        if i in revoked_idx:
            # Revoked some time after issuance and not in the future; may
            # be before or after notAfter has passed since (both occur).
            lo = nb + dt.timedelta(hours=1)
            hi = min(na, now - dt.timedelta(hours=1))
            revoked_at = lo + dt.timedelta(seconds=rng.randrange(max(1, int((hi - lo).total_seconds()))))
            reason = None if i in no_reason_idx else rng.choice(REASONS)
        out.append((cert, revoked_at, reason))
    return out


def cert_info(cert, path):
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
        "file": path,
        "subject": pki.openssl_oneline(cert.subject),
        "issuer": pki.openssl_oneline(cert.issuer),
        "serial": pki.openssl_serial_hex(cert.serial_number),
        "not_before": iso(pki.not_before(cert)),
        "not_after": iso(pki.not_after(cert)),
        "ski": pki.ski_of(cert).digest.hex(),
        "sha256": hashlib.sha256(der).hexdigest(),
    }


def read_index(path):
    """serial hex -> (status, revocation datetime|None, reason|None).
    Parsed from the file as written, not from memory, so expected.json
    checks the files lastleaf will import."""
    rows = {}
    with open(path) as f:
        for line in f:
            status, _expiry, revinfo, serial, _fn, _subj = line.rstrip("\n").split("\t")
            when = reason = None
            if revinfo:
                t, _, reason = revinfo.partition(",")
                fmt = "%y%m%d%H%M%SZ" if len(t) == 13 else "%Y%m%d%H%M%SZ"
                when = dt.datetime.strptime(t, fmt).replace(tzinfo=dt.timezone.utc)
                reason = reason or None
            rows[serial] = (status, when, reason)
    return rows


def leaf_stats(ca_cert, leaves, index, now):
    """Stats over the leaves issued under ca_cert's name and key (issuer DN
    equal to its subject and AKI equal to its SKI), i.e. exactly the leaves
    whose chain can run through this CA certificate.  live = not revoked
    and notAfter >= now (RFC 5280: notAfter is inclusive)."""
    ski = pki.ski_of(ca_cert).digest
    mine = []
    for c in leaves:
        if c.issuer != ca_cert.subject:
            continue
        aki = c.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        if aki.key_identifier == ski:
            mine.append(c)
    total = len(mine)
    revoked = expired = 0
    by_reason = collections.Counter()
    live = []
    for c in mine:
        status, when, reason = index[pki.openssl_serial_hex(c.serial_number)]
        na = pki.not_after(c)
        if status == "R":
            revoked += 1
            by_reason[reason or "(none)"] += 1
        elif na < now:
            expired += 1
        else:
            live.append((na, c))
    live.sort(key=lambda t: t[0])
    return {
        "total": total,
        "revoked": revoked,
        "revoked_by_reason": dict(sorted(by_reason.items())),
        "expired_unrevoked": expired,
        "live": len(live),
        "earliest_expiry": iso(live[0][0]) if live else None,
        "last_expiry": iso(live[-1][0]) if live else None,
        "last_expiry_serial": pki.openssl_serial_hex(live[-1][1].serial_number) if live else None,
        "last_not_before": iso(max(pki.not_before(c) for c in mine))
        if mine else None,
        "with_scts": sum(1 for c in mine if any(e.oid == pki.OID_SCT_LIST for e in c.extensions)),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Run with /usr/bin/python3 (needs python3-cryptography).")
    ap.add_argument("dir", nargs="?", help="output directory (same as --out)")
    ap.add_argument("--out", help="output directory")
    ap.add_argument("--seed", type=int, default=None,
                    help="seed for serials, dates, revocations, SCTs and EC keys")
    ap.add_argument("--now", default=None,
                    help="reference time (ISO 8601, UTC); default the current time")
    ap.add_argument("--g4-leaves", type=int, default=3000)
    ap.add_argument("--g5-leaves", type=int, default=2000)
    args = ap.parse_args(argv)
    out = args.out or args.dir
    if not out:
        ap.error("give the output directory as --out DIR or positional DIR")

    t0 = time.monotonic()
    rng = random.Random(args.seed) if args.seed is not None else random.Random()
    now = pki.parse_time(args.now) if args.now else pki.now_utc()
    for d in ("root", "g4", "g5"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    p = lambda *parts: os.path.join(out, *parts)  # noqa: E731

    # Root: exists a year before G4 was first certified.
    root, root_key = pki.make_root("Demo Root CA R1", ORG, key_type="p384",
                                   not_before=now - 5 * YEAR, days=20 * 365, rng=rng)

    # G4: one key, two certificates with identical subject.
    g4_key = pki.generate_key("p256", rng)
    g4_old, _ = pki.make_intermediate("Mail CA G4", root, root_key, ORG, key=g4_key,
                                      not_before=now - 4 * YEAR, not_after=now + 2 * YEAR, rng=rng)
    g4_new = pki.reissue_ca(g4_old, root, root_key, not_before=now - YEAR,
                            not_after=now + 5 * YEAR, rng=rng)

    g5, g5_key = pki.make_intermediate("Mail CA G5", root, root_key, ORG, key_type="p256",
                                       not_before=now - 182 * DAY, days=10 * 365, rng=rng)

    # Delegated OCSP responders (one per issuing key), 30 days from an hour ago.
    g4_ocsp, g4_ocsp_key = pki.make_ocsp_responder(g4_new, g4_key, "Mail CA G4 OCSP Responder",
                                                   o=ORG, not_before=now - dt.timedelta(hours=1),
                                                   rng=rng)
    g5_ocsp, g5_ocsp_key = pki.make_ocsp_responder(g5, g5_key, "Mail CA G5 OCSP Responder",
                                                   o=ORG, not_before=now - dt.timedelta(hours=1),
                                                   rng=rng)

    used = set()
    # G4 issuance stopped more than 30 days ago: every notBefore <= now-30d-1h.
    g4_leaves = make_leaves("g4", g4_new, g4_key, rng, args.g4_leaves,
                            now - 3 * YEAR, now - 30 * DAY - dt.timedelta(hours=1), now, used)
    g5_leaves = make_leaves("g5", g5, g5_key, rng, args.g5_leaves,
                            now - 182 * DAY, now - dt.timedelta(hours=1), now, used)
    late_leaf, _ = pki.make_leaf(g4_new, g4_key, serial=demo_serial(rng, used),
                                 not_before=now - dt.timedelta(hours=1), days=365,
                                 cn="Demo User G4 LATE", email=f"g4-late@{MAIL_DOMAIN}",
                                 cdp=CDP.format("g4"), rng=rng)
    t_gen = time.monotonic() - t0

    # --- write ---
    pki.write_pem(p("root", "root.pem"), root)
    pki.write_key(p("root", "root.key.pem"), root_key)
    pki.write_pem(p("g4", "g4-old.pem"), g4_old)
    pki.write_pem(p("g4", "g4-new.pem"), g4_new)
    pki.write_key(p("g4", "g4.key.pem"), g4_key)
    pki.write_pem(p("g4", "ocsp.pem"), g4_ocsp)
    pki.write_key(p("g4", "ocsp.key.pem"), g4_ocsp_key)
    pki.write_pem(p("g5", "g5.pem"), g5)
    pki.write_key(p("g5", "g5.key.pem"), g5_key)
    pki.write_pem(p("g5", "ocsp.pem"), g5_ocsp)
    pki.write_key(p("g5", "ocsp.key.pem"), g5_ocsp_key)
    for tag, leaves in (("g4", g4_leaves), ("g5", g5_leaves)):
        pki.write_pem(p(tag, "leaves.pem"), [c for c, _, _ in leaves])
        pki.write_index(p(tag, "index.txt"),
                        [pki.IndexEntry(c, revoked_at=r, reason=why) for c, r, why in leaves])
        pki.write_index_attr(p(tag, "index.txt.attr"))
    pki.write_pem(p("g4", "late-leaf.pem"), late_leaf)

    # --- expected.json, recomputed from the files just written ---
    leaves = {tag: pki.load_certs(p(tag, "leaves.pem")) for tag in ("g4", "g5")}
    index = {tag: read_index(p(tag, "index.txt")) for tag in ("g4", "g5")}
    all_leaves = leaves["g4"] + leaves["g5"]
    all_index = {**index["g4"], **index["g5"]}
    for tag in ("g4", "g5"):
        if len(index[tag]) != len(leaves[tag]):
            raise SystemExit(f"{tag}: index.txt and leaves.pem disagree")
    cas = {}
    for name, path in (("root", "root/root.pem"), ("g4-old", "g4/g4-old.pem"),
                       ("g4-new", "g4/g4-new.pem"), ("g5", "g5/g5.pem")):
        cert = pki.load_cert(p(path))
        info = cert_info(cert, path)
        info["leaves"] = leaf_stats(cert, all_leaves, all_index, now)
        cas[name] = info
    expected = {
        "generated_at": iso(pki.now_utc()),
        "now": iso(now),
        "stable_until": iso(now + GUARD),
        "seed": args.seed,
        "notes": ("live = not revoked (per index.txt) and notAfter >= now; leaves of a CA "
                  "certificate = leaves whose issuer DN equals its subject and whose AKI equals "
                  "its SKI, so g4-old and g4-new share the same leaves. Counts exclude the late "
                  "leaf. No leaf notAfter lies within 1 day of 'now'."),
        "cas": cas,
        "ocsp_responders": {"g4": cert_info(g4_ocsp, "g4/ocsp.pem"),
                            "g5": cert_info(g5_ocsp, "g5/ocsp.pem")},
        "g4_freeze": {
            "latest_leaf_not_before": cas["g4-old"]["leaves"]["last_not_before"],
            "late_leaf": cert_info(late_leaf, "g4/late-leaf.pem"),
        },
    }
    with open(p("expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")

    total = time.monotonic() - t0
    for name in ("g4-old", "g4-new", "g5"):
        s = cas[name]["leaves"]
        print(f"{name:7s} leaves={s['total']} live={s['live']} revoked={s['revoked']} "
              f"expired={s['expired_unrevoked']} last_expiry={s['last_expiry']}")
    print(f"wrote {out} in {total:.1f}s (generation {t_gen:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
