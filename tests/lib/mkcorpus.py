#!/usr/bin/python3
"""mkcorpus.py OUTDIR [--leaves N] [--seed S]

Builds the inventory test corpus with Debian's python3-cryptography (an
implementation nobody on the lastleaf team wrote) and computes the report
lastleaf must produce, independently of lastleaf:

  OUTDIR/ca/root.pem, ca/inta.pem (P-256), ca/intb.pem (RSA-2048)
  OUTDIR/good/a-leaves.pem   PEM bundle of leaves under A
  OUTDIR/good/b/NNNN.der     one DER file per leaf under B
  OUTDIR/a-index.txt         index.txt for every leaf under A (with revocations)
  OUTDIR/edge/               a serial with the top bit set, a 20-octet serial,
                             a precertificate and its final certificate
  OUTDIR/bad/                garbage, truncated PEM, unknown issuer, bad signature,
                             an unparsable index line
  OUTDIR/conflict.pem        same serial as an A leaf, different notAfter
  OUTDIR/expected.json       {"now": ..., "future": ..., "cas": {name: {at: stats}}}
"""
import argparse
import datetime as dt
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pki  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

REASONS = ["keyCompromise", "superseded", "cessationOfOperation", "affiliationChanged",
           "privilegeWithdrawn", None]


def rfc3339(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def stats(leaves, at):
    """leaves: list of (serial_int, serial_der_hex, not_after, revoked_at|None)."""
    live = [l for l in leaves if l[2] >= at and (l[3] is None or l[3] > at)]
    if not live:
        return {"live_leaves": 0, "earliest_expiry": None, "last_expiry": None,
                "last_serial": None, "histogram": {}}
    last = max(l[2] for l in live)
    hist = {}
    for l in live:
        k = l[2].strftime("%Y-%m")
        hist[k] = hist.get(k, 0) + 1
    last_serial = min(l[1] for l in live if l[2] == last)  # ties: smallest DER bytes
    return {"live_leaves": len(live), "earliest_expiry": rfc3339(min(l[2] for l in live)),
            "last_expiry": rfc3339(last), "last_serial": last_serial, "histogram": hist}


def der_serial_hex(n):
    """DER INTEGER content octets of a positive serial, lowercase hex."""
    b = n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
    if b[0] & 0x80:
        b = b"\x00" + b
    return b.hex()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--leaves", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = a.out
    for d in ("ca", "good/b", "edge", "bad"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    now = pki.now_utc().replace(microsecond=0)

    root, rkey = pki.make_root("Corpus Root", "lastleaf tests", key_type="p256", rng=rng)
    inta, akey = pki.make_intermediate("Corpus Int A", root, rkey, key_type="p256", rng=rng)
    intb, bkey = pki.make_intermediate("Corpus Int B", root, rkey, key_type="rsa2048", rng=rng)
    other_root, okey = pki.make_root("Corpus Stranger", key_type="p256", rng=rng)
    pki.write_pem(f"{out}/ca/root.pem", root)
    pki.write_pem(f"{out}/ca/inta.pem", inta)
    pki.write_pem(f"{out}/ca/intb.pem", intb)
    pki.write_key(f"{out}/ca/inta.key.pem", akey)
    pki.write_key(f"{out}/ca/root.key.pem", rkey)

    leafkey = pki.generate_key("p256", rng)  # shared by leaves: key generation is slow
    a_leaves, a_records, a_entries = [], [], []
    serial = 0x1000
    for i in range(a.leaves):
        serial += rng.randint(1, 50)
        nb = now - dt.timedelta(days=rng.randint(1, 700), seconds=rng.randint(0, 86399))
        na = nb + dt.timedelta(days=rng.choice([90, 365, 398, 730]))
        c, _ = pki.make_leaf(inta, akey, serial=serial, not_before=nb, not_after=na,
                             key=leafkey, cn=f"a{i}", cdp="http://crl.test/a.crl",
                             scts=2 if i % 4 == 0 else 0, rng=rng)
        rev = None
        entry = pki.IndexEntry(c)
        if i % 9 == 0:
            rev = min(now, na) - dt.timedelta(days=rng.randint(1, 20))
            if rev < nb:
                rev = nb + dt.timedelta(seconds=1)
            reason = REASONS[i % len(REASONS)]
            entry = pki.IndexEntry(c, revoked_at=rev, reason=reason)
        a_leaves.append(c)
        a_entries.append(entry)
        a_records.append((serial, der_serial_hex(serial), na.replace(microsecond=0), rev))
    pki.write_pem(f"{out}/good/a-leaves.pem", a_leaves)
    pki.write_index(f"{out}/a-index.txt", a_entries)

    b_records = []
    for i in range(a.leaves // 3):
        serial = rng.getrandbits(64) | (1 << 63)  # top bit set: DER needs a 00
        nb = now - dt.timedelta(days=rng.randint(1, 300))
        na = nb + dt.timedelta(days=rng.choice([30, 365]))
        c, _ = pki.make_leaf(intb, bkey, serial=serial, not_before=nb, not_after=na,
                             key=leafkey, cn=f"b{i}", rng=rng)
        pki.write_der(f"{out}/good/b/{i:04d}.der", c)
        b_records.append((serial, der_serial_hex(serial), na.replace(microsecond=0), None))

    # edge cases under A
    s20 = (1 << 158) | rng.getrandbits(150)          # 20 content octets
    c20, _ = pki.make_leaf(inta, akey, serial=s20, key=leafkey, days=500, cn="twenty", rng=rng)
    pki.write_pem(f"{out}/edge/serial20.pem", c20)
    a_records.append((s20, der_serial_hex(s20), pki.not_after(c20).replace(microsecond=0), None))
    pre, final, _ = pki.make_precert_pair(inta, akey, scts=2, serial=0x7777, days=600,
                                          key=leafkey, cn="precert", rng=rng)
    pki.write_pem(f"{out}/edge/precert.pem", pre)
    pki.write_pem(f"{out}/edge/final.pem", final)
    a_records.append((0x7777, der_serial_hex(0x7777), pki.not_after(final).replace(microsecond=0),
                      None))
    with open(f"{out}/edge/final.sha256", "w") as f:
        import hashlib
        f.write(hashlib.sha256(final.public_bytes(serialization.Encoding.DER)).hexdigest())

    # conflict: an existing A serial with another notAfter
    cs, cna = a_records[1][0], a_records[1][2] + dt.timedelta(days=3)
    cc, _ = pki.make_leaf(inta, akey, serial=cs, not_after=cna, key=leafkey, cn="dup", rng=rng)
    pki.write_pem(f"{out}/conflict.pem", cc)
    with open(f"{out}/conflict.serial", "w") as f:
        f.write(der_serial_hex(cs))

    # bad inputs: each must be rejected with its path
    with open(f"{out}/bad/garbage.bin", "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(300)))
    good_pem = final.public_bytes(serialization.Encoding.PEM).decode()
    with open(f"{out}/bad/truncated.pem", "w") as f:
        f.write(good_pem[: len(good_pem) // 2])
    stranger, _ = pki.make_leaf(other_root, okey, key=leafkey, cn="stranger", rng=rng)
    pki.write_pem(f"{out}/bad/unknown-issuer.pem", stranger)
    # claims Int A (same issuer name and AKI) but is signed by the stranger's key
    forged, _ = pki.make_leaf(inta, okey, key=leafkey, cn="forged", serial=0x5151, rng=rng)
    pki.write_pem(f"{out}/bad/bad-signature.pem", forged)
    # one good certificate in the bad directory still imports
    ok, _ = pki.make_leaf(inta, akey, key=leafkey, cn="survivor", serial=0x6161, days=200, rng=rng)
    pki.write_pem(f"{out}/bad/survivor.pem", ok)
    with open(f"{out}/bad-index.txt", "w") as f:
        f.write("V\t301231000000Z\t\t0AFF\tunknown\t/CN=ok\n")
        f.write("X\tnot a line\n")
        f.write("R\t301231000000Z\tgarbage\t0B00\tunknown\t/CN=bad\n")

    future = now + dt.timedelta(days=200)
    exp = {"now": rfc3339(now), "future": rfc3339(future), "survivor": {
        "serial": der_serial_hex(0x6161), "not_after": rfc3339(pki.not_after(ok))},
        "cas": {}}
    for name, recs in (("corpus-int-a", a_records), ("corpus-int-b", b_records)):
        exp["cas"][name] = {"now": stats(recs, now), "future": stats(recs, future),
                            "revoked": sum(1 for r in recs if r[3] is not None),
                            "total": len(recs)}
    with open(f"{out}/expected.json", "w") as f:
        json.dump(exp, f, indent=1)


if __name__ == "__main__":
    main()
