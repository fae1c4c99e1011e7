/*
 * gencerts — generate N leaf certificates under a P-256 issuer, fast.
 *
 * Benchmark fixture generator for lastleaf; NOT part of the CMake build.
 * Build:  cc -O2 tests/bench/gencerts.c -lcrypto -lpthread -o gencerts
 *         (glibc >= 2.34 has pthreads in libc, so -lcrypto alone also links)
 *
 * Usage:  gencerts --issuer-cert ca.pem --issuer-key ca.key.pem --count N
 *                  --out FILE [--format pem|der] [--threads 2] [--seed S]
 *                  [--csv FILE] [--no-csv-header] [--now EPOCH]
 *                  [--not-after-from DAYS] [--not-after-to DAYS]
 *                  [--validity DAYS] [--cdp URI]
 *
 * Why it is fast: going through X509_new()/X509_sign() per certificate
 * costs several times the ECDSA signature itself.  Instead one template
 * TBSCertificate is built with OpenSSL once, and for every certificate a
 * copy of the template DER is patched in place:
 *   - serial: fixed 16 content octets, first octet 0x01..0x7F, so the DER
 *     INTEGER is always exactly 16 octets (no 00 pad, no shrinking);
 *   - notBefore/notAfter: always UTCTime (13 octets), so every time must
 *     fall in 1950..2049 (checked up front);
 *   - subject CN: a fixed-width 10-digit counter ("bench-leaf-0000000042").
 * Because every patched field keeps its length, no DER length changes.
 * The TBS is hashed (SHA-256) and signed with ECDSA P-256 through
 * EVP_PKEY_sign() on a per-thread, reused EVP_PKEY_CTX; only the outer
 * Certificate SEQUENCE (whose length depends on the 70..72-octet
 * signature) is assembled per certificate.
 *
 * Every leaf shares one freshly generated P-256 subject key (the key is
 * irrelevant to what lastleaf measures, and keygen would cost as much as
 * signing).  Serials are distinct within a run by construction:
 *   tail = mix64(index XOR k1)   (mix64 is a bijection on 64 bits)
 *   serial = mix64(tail XOR k2) || tail, first octet folded to 0x01..0x7F
 * With --seed S (and --now) serials, times and the output order are
 * reproducible; ECDSA signatures are randomised by OpenSSL, so the DER
 * bytes are not.
 *
 * Times: notAfter = now + uniform[--not-after-from, --not-after-to] days
 * (default -30..730: some expired, the rest spread over two years), at
 * one-second granularity; notBefore = notAfter - --validity days (default
 * 398), but never later than now - 1 hour.
 *
 * Work is split into chunks of CHUNK certificates; worker threads claim
 * chunks in order and the main thread writes finished chunks in order, so
 * the output order is the index order regardless of --threads, and memory
 * stays bounded (at most MAX_AHEAD chunks in flight per thread).
 *
 * --csv FILE writes, per certificate, a row
 *   serial_hex,not_before_rfc3339,not_after_rfc3339,sha256_hex,der_hex
 * (lowercase hex; sha256 over the certificate DER), with a header row
 * unless --no-csv-header, for a `psql \copy ... WITH (FORMAT csv, HEADER)`
 * ceiling comparison against lastleaf's importer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CHUNK 4096           /* certificates per work unit */
#define MAX_AHEAD 4          /* chunks in flight per worker thread */
#define SERIAL_LEN 16
#define UTCTIME_LEN 13
#define CN_PREFIX "bench-leaf-"
#define CN_DIGITS 10
#define CN_PLACEHOLDER CN_PREFIX "0000000000"
#define MAX_SIG 80           /* DER ECDSA P-256 signature is <= 72 octets */

/* ecdsa-with-SHA256 AlgorithmIdentifier, no parameters (RFC 5758). */
static const uint8_t SIGALG_ECDSA_SHA256[] = {
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gencerts: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (ERR_peek_error())
        ERR_print_errors_fp(stderr);
    exit(1);
}

/* ---------------------------------------------------------------- options */

struct opts {
    const char *issuer_cert, *issuer_key, *out, *csv, *cdp;
    uint64_t count;
    int der;
    int threads;
    int have_seed;
    uint64_t seed;
    int csv_header;
    int64_t now;
    int64_t na_from_days, na_to_days, validity_days;
};

static void usage(FILE *f)
{
    fputs("usage: gencerts --issuer-cert ca.pem --issuer-key ca.key.pem --count N --out FILE\n"
          "                [--format pem|der] [--threads 2] [--seed S] [--csv FILE]\n"
          "                [--no-csv-header] [--now EPOCH] [--not-after-from DAYS]\n"
          "                [--not-after-to DAYS] [--validity DAYS] [--cdp URI]\n"
          "Generates N P-256/ECDSA-SHA256 leaf certificates under the issuer by patching\n"
          "serial/validity/CN into one template TBSCertificate. Output: one PEM bundle or\n"
          "concatenated DER ('-' = stdout). --csv: serial_hex,not_before_rfc3339,\n"
          "not_after_rfc3339,sha256_hex,der_hex rows. Defaults: --threads 2,\n"
          "--not-after-from -30, --not-after-to 730, --validity 398, random seed.\n",
          f);
}

static int64_t parse_i64(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || *s == '\0' || *end != '\0')
        die("bad %s: %s", what, s);
    return (int64_t)v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
    enum { O_ICERT = 1, O_IKEY, O_COUNT, O_OUT, O_FORMAT, O_THREADS, O_SEED, O_CSV,
           O_NOHDR, O_NOW, O_NAFROM, O_NATO, O_VALID, O_CDP, O_HELP };
    static const struct option lo[] = {
        {"issuer-cert", required_argument, 0, O_ICERT},
        {"issuer-key", required_argument, 0, O_IKEY},
        {"count", required_argument, 0, O_COUNT},
        {"out", required_argument, 0, O_OUT},
        {"format", required_argument, 0, O_FORMAT},
        {"threads", required_argument, 0, O_THREADS},
        {"seed", required_argument, 0, O_SEED},
        {"csv", required_argument, 0, O_CSV},
        {"no-csv-header", no_argument, 0, O_NOHDR},
        {"now", required_argument, 0, O_NOW},
        {"not-after-from", required_argument, 0, O_NAFROM},
        {"not-after-to", required_argument, 0, O_NATO},
        {"validity", required_argument, 0, O_VALID},
        {"cdp", required_argument, 0, O_CDP},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->threads = 2;
    o->csv_header = 1;
    o->now = (int64_t)time(NULL);
    o->na_from_days = -30;
    o->na_to_days = 730;
    o->validity_days = 398;
    int c, have_count = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_ICERT: o->issuer_cert = optarg; break;
        case O_IKEY: o->issuer_key = optarg; break;
        case O_COUNT: {
            int64_t n = parse_i64(optarg, "--count");
            if (n <= 0 || n > 9999999999LL)
                die("--count must be 1..9999999999");
            o->count = (uint64_t)n;
            have_count = 1;
            break;
        }
        case O_OUT: o->out = optarg; break;
        case O_FORMAT:
            if (!strcmp(optarg, "pem")) o->der = 0;
            else if (!strcmp(optarg, "der")) o->der = 1;
            else die("--format must be pem or der");
            break;
        case O_THREADS:
            o->threads = (int)parse_i64(optarg, "--threads");
            if (o->threads < 1 || o->threads > 256)
                die("--threads must be 1..256");
            break;
        case O_SEED: o->seed = (uint64_t)parse_i64(optarg, "--seed"); o->have_seed = 1; break;
        case O_CSV: o->csv = optarg; break;
        case O_NOHDR: o->csv_header = 0; break;
        case O_NOW: o->now = parse_i64(optarg, "--now"); break;
        case O_NAFROM: o->na_from_days = parse_i64(optarg, "--not-after-from"); break;
        case O_NATO: o->na_to_days = parse_i64(optarg, "--not-after-to"); break;
        case O_VALID: o->validity_days = parse_i64(optarg, "--validity"); break;
        case O_CDP: o->cdp = optarg; break;
        case 'h':
        case O_HELP: usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (optind != argc || !o->issuer_cert || !o->issuer_key || !o->out || !have_count) {
        usage(stderr);
        exit(2);
    }
    if (o->na_to_days < o->na_from_days || o->validity_days < 1)
        die("need --not-after-from <= --not-after-to and --validity >= 1");
}

/* ------------------------------------------------------------ small utils */

/* splitmix64 finaliser: a bijection on 64-bit values, so distinct inputs
 * give distinct serial tails. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t splitmix_next(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return mix64(*state);
}

/* UTCTime is valid for 1950..2049 (RFC 5280 4.1.2.5). */
#define UTC_MIN (-631152000LL)  /* 1950-01-01T00:00:00Z */
#define UTC_MAX (2524608000LL)  /* 2050-01-01T00:00:00Z */

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* Days-from-civil inverse (H. Hinnant), avoiding gmtime_r's locking and
 * 32-bit time_t concerns. */
static void civil(int64_t t, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) { rem += 86400; days--; }
    *h = (int)(rem / 3600);
    *mi = (int)(rem % 3600 / 60);
    *s = (int)(rem % 60);
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *mo = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*mo <= 2));
}

/* YYMMDDHHMMSSZ, exactly 13 chars, no NUL. */
static void utctime(char *p, int64_t t)
{
    int y, mo, d, h, mi, s;
    civil(t, &y, &mo, &d, &h, &mi, &s);
    put2(p, y % 100); put2(p + 2, mo); put2(p + 4, d);
    put2(p + 6, h); put2(p + 8, mi); put2(p + 10, s);
    p[12] = 'Z';
}

/* YYYY-MM-DDTHH:MM:SSZ, exactly 20 chars, no NUL. */
static void rfc3339(char *p, int64_t t)
{
    int y, mo, d, h, mi, s;
    civil(t, &y, &mo, &d, &h, &mi, &s);
    put2(p, y / 100); put2(p + 2, y % 100); p[4] = '-';
    put2(p + 5, mo); p[7] = '-'; put2(p + 8, d); p[10] = 'T';
    put2(p + 11, h); p[13] = ':'; put2(p + 14, mi); p[16] = ':';
    put2(p + 17, s); p[19] = 'Z';
}

static const char HEXL[] = "0123456789abcdef";

static char *hex(char *p, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *p++ = HEXL[b[i] >> 4];
        *p++ = HEXL[b[i] & 15];
    }
    return p;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* PEM body: base64 in 64-column lines, each ending in '\n'. */
static char *b64_lines(char *p, const uint8_t *b, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16;
        size_t k = n - i;
        if (k > 1) v |= (uint32_t)b[i + 1] << 8;
        if (k > 2) v |= b[i + 2];
        *p++ = B64[(v >> 18) & 63];
        *p++ = B64[(v >> 12) & 63];
        *p++ = k > 1 ? B64[(v >> 6) & 63] : '=';
        *p++ = k > 2 ? B64[v & 63] : '=';
        col += 4;
        if (col == 64) { *p++ = '\n'; col = 0; }
    }
    if (col) *p++ = '\n';
    return p;
}

/* ------------------------------------------------------- DER navigation */

/* Parse one TLV at p (single-octet tags only, lengths up to 4 octets).
 * Returns the header length, sets *len to the content length; 0 on error. */
static size_t der_tlv(const uint8_t *p, size_t avail, size_t *len)
{
    if (avail < 2) return 0;
    size_t hl = 2, l = p[1];
    if (l & 0x80) {
        size_t nb = l & 0x7f;
        if (nb == 0 || nb > 4 || avail < 2 + nb) return 0;
        l = 0;
        for (size_t i = 0; i < nb; i++) l = (l << 8) | p[2 + i];
        hl += nb;
    }
    if (hl + l > avail) return 0;
    *len = l;
    return hl;
}

/* Offsets of the patchable fields inside the template TBS DER. */
struct layout {
    size_t serial_off;  /* first serial content octet */
    size_t nb_off, na_off; /* first UTCTime content char */
    size_t cn_off;      /* first digit of the CN counter */
};

static void find_layout(const uint8_t *tbs, size_t n, struct layout *L)
{
    size_t len, hl, off;
    /* TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature,
     *                               issuer, validity, subject, ... } */
    if (tbs[0] != 0x30 || !(hl = der_tlv(tbs, n, &len)) || hl + len != n)
        die("template TBS is not a SEQUENCE");
    off = hl;
    if (tbs[off] != 0xa0 || !(hl = der_tlv(tbs + off, n - off, &len)))
        die("template TBS has no [0] version");
    off += hl + len;
    if (tbs[off] != 0x02 || !(hl = der_tlv(tbs + off, n - off, &len)) || len != SERIAL_LEN)
        die("template serial is not a %d-octet INTEGER", SERIAL_LEN);
    L->serial_off = off + hl;
    off += hl + len;
    for (int skip = 0; skip < 2; skip++) { /* signature AlgorithmIdentifier, issuer */
        if (tbs[off] != 0x30 || !(hl = der_tlv(tbs + off, n - off, &len)))
            die("template TBS: unexpected element at %zu", off);
        off += hl + len;
    }
    if (tbs[off] != 0x30 || !(hl = der_tlv(tbs + off, n - off, &len)))
        die("template validity is not a SEQUENCE");
    off += hl;
    if (tbs[off] != 0x17 || !(hl = der_tlv(tbs + off, n - off, &len)) || len != UTCTIME_LEN)
        die("template notBefore is not UTCTime");
    L->nb_off = off + hl;
    off += hl + len;
    if (tbs[off] != 0x17 || !(hl = der_tlv(tbs + off, n - off, &len)) || len != UTCTIME_LEN)
        die("template notAfter is not UTCTime");
    L->na_off = off + hl;
    /* The CN placeholder is unique text; make sure it occurs exactly once. */
    const uint8_t *hit = memmem(tbs, n, CN_PLACEHOLDER, strlen(CN_PLACEHOLDER));
    if (!hit || memmem(hit + 1, n - (size_t)(hit + 1 - tbs), CN_PLACEHOLDER,
                       strlen(CN_PLACEHOLDER)))
        die("CN placeholder not found exactly once");
    L->cn_off = (size_t)(hit - tbs) + strlen(CN_PREFIX);
}

/* ---------------------------------------------------------- the template */

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    if (!e || !X509_add_ext(x, e, -1))
        die("cannot add extension %s = %s", OBJ_nid2sn(nid), value);
    X509_EXTENSION_free(e);
}

/* Build and sign (to fix the signature AlgorithmIdentifier) a template
 * leaf, and return its TBS DER.  The signature itself is thrown away. */
static uint8_t *make_template(X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *leafkey,
                              const char *cdp, size_t *tbs_len)
{
    X509 *x = X509_new();
    if (!x || !X509_set_version(x, 2))
        die("X509_new");
    /* Placeholder serial: 16 octets, top bit clear, so DER keeps 16. */
    uint8_t s[SERIAL_LEN];
    memset(s, 0x5a, sizeof s);
    BIGNUM *bn = BN_bin2bn(s, sizeof s, NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
        die("serial");
    BN_free(bn);
    if (!X509_set_issuer_name(x, X509_get_subject_name(issuer)))
        die("issuer name");
    X509_NAME *name = X509_NAME_new();
    if (!name || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                            (const unsigned char *)CN_PLACEHOLDER, -1, -1, 0)
        || !X509_set_subject_name(x, name))
        die("subject name");
    X509_NAME_free(name);
    /* ASN1_UTCTIME_set forces UTCTime (13 chars) whatever the year type
     * ASN1_TIME_set would pick; 2000-01-01 is only a placeholder. */
    if (!ASN1_UTCTIME_set(X509_getm_notBefore(x), 946684800)
        || !ASN1_UTCTIME_set(X509_getm_notAfter(x), 946684800))
        die("validity");
    if (!X509_set_pubkey(x, leafkey))
        die("pubkey");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature");
    add_ext(x, &ctx, NID_ext_key_usage, "emailProtection,clientAuth");
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    if (cdp) {
        char *v = malloc(strlen(cdp) + 5);
        if (!v) die("oom");
        sprintf(v, "URI:%s", cdp);
        add_ext(x, &ctx, NID_crl_distribution_points, v);
        free(v);
    }
    if (!X509_sign(x, ikey, EVP_sha256()))
        die("template sign");
    uint8_t *der = NULL;
    int n = i2d_re_X509_tbs(x, &der);
    if (n <= 0)
        die("i2d_re_X509_tbs");
    X509_free(x);
    *tbs_len = (size_t)n;
    return der;
}

/* ----------------------------------------------------------- the workers */

struct chunk {
    char *out, *csv;
    size_t out_len, csv_len;
    int done;
};

static struct {
    const struct opts *o;
    const uint8_t *tbs;
    size_t tbs_len;
    struct layout L;
    EVP_PKEY *ikey;
    uint64_t serial_key, serial_key2, time_key;
    int64_t na_lo, na_span; /* notAfter = na_lo + [0, na_span) seconds */
    size_t nchunks;
    /* pipeline state, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next_claim, written;
    struct chunk *chunks;
} G;

/* Per-certificate times, shared by the workers and the --csv writer. */
static void cert_times(uint64_t i, int64_t *nb, int64_t *na)
{
    uint64_t h = mix64(i ^ G.time_key);
    *na = G.na_lo + (int64_t)(h % (uint64_t)G.na_span);
    *nb = *na - G.o->validity_days * 86400;
    int64_t latest = G.o->now - 3600;
    if (*nb > latest)
        *nb = latest - (int64_t)((h >> 40) % (30 * 86400)); /* still staggered */
}

static size_t cert_der(uint8_t *dst, const uint8_t *tbs, size_t tbs_len,
                       const uint8_t *sig, size_t siglen)
{
    /* Certificate ::= SEQUENCE { tbs, signatureAlgorithm, BIT STRING sig } */
    size_t bits = 1 + siglen;          /* unused-bits octet + DER sig */
    size_t body = tbs_len + sizeof SIGALG_ECDSA_SHA256 + 2 + bits;
    uint8_t *p = dst;
    *p++ = 0x30;
    *p++ = 0x82;                       /* body is 256..65535 (checked) */
    *p++ = (uint8_t)(body >> 8);
    *p++ = (uint8_t)body;
    memcpy(p, tbs, tbs_len); p += tbs_len;
    memcpy(p, SIGALG_ECDSA_SHA256, sizeof SIGALG_ECDSA_SHA256);
    p += sizeof SIGALG_ECDSA_SHA256;
    *p++ = 0x03;
    *p++ = (uint8_t)bits;              /* < 128: short form */
    *p++ = 0x00;
    memcpy(p, sig, siglen); p += siglen;
    return (size_t)(p - dst);
}

static void *worker(void *arg)
{
    (void)arg;
    const struct opts *o = G.o;
    /* Private key copy per thread: EVP_PKEY objects are safe to share for
     * signing in OpenSSL 3, but a copy rules out any cache-line or lock
     * contention inside the key. */
    EVP_PKEY *key = EVP_PKEY_dup(G.ikey);
    EVP_PKEY_CTX *pctx = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *mdctx = EVP_MD_CTX_new();
    if (!pctx || !sha256 || !mdctx || EVP_PKEY_sign_init(pctx) <= 0
        || EVP_PKEY_CTX_set_signature_md(pctx, sha256) <= 0)
        die("worker crypto setup");
    uint8_t *tbs = malloc(G.tbs_len);
    uint8_t *der = malloc(G.tbs_len + 64 + MAX_SIG);
    size_t der_max = G.tbs_len + 64 + MAX_SIG;
    size_t pem_max = 28 + 26 + (der_max + 2) / 3 * 4 + der_max / 48 + 2;
    size_t csv_max = 33 + 21 + 21 + 65 + 2 * der_max + 8;
    if (!tbs || !der)
        die("oom");
    memcpy(tbs, G.tbs, G.tbs_len);

    for (;;) {
        pthread_mutex_lock(&G.mu);
        /* Back-pressure: stay at most MAX_AHEAD chunks per thread ahead of
         * the writer, so memory does not grow with --count. */
        while (G.next_claim < G.nchunks
               && G.next_claim >= G.written + (size_t)MAX_AHEAD * (size_t)o->threads)
            pthread_cond_wait(&G.cv, &G.mu);
        if (G.next_claim >= G.nchunks) {
            pthread_mutex_unlock(&G.mu);
            break;
        }
        size_t k = G.next_claim++;
        pthread_mutex_unlock(&G.mu);

        uint64_t first = (uint64_t)k * CHUNK;
        uint64_t last = first + CHUNK < o->count ? first + CHUNK : o->count;
        size_t n = (size_t)(last - first);
        char *out = malloc(n * (o->der ? der_max : pem_max));
        char *csv = o->csv ? malloc(n * csv_max) : NULL;
        if (!out || (o->csv && !csv))
            die("oom");
        char *op = out, *cp = csv;

        for (uint64_t i = first; i < last; i++) {
            /* serial = head || tail, big-endian.  tail = mix64(i ^ key) is
             * distinct per i (bijection), which alone makes serials
             * distinct; head is derived from tail so that all 16 octets
             * look random (no shared prefix skewing a B-tree), with the
             * first octet forced to 0x01..0x7F (positive, fixed length). */
            uint8_t *s = tbs + G.L.serial_off;
            uint64_t tail = mix64(i ^ G.serial_key);
            uint64_t head = mix64(tail ^ G.serial_key2);
            for (int b = 0; b < 8; b++) {
                s[b] = (uint8_t)(head >> (56 - 8 * b));
                s[8 + b] = (uint8_t)(tail >> (56 - 8 * b));
            }
            s[0] = (uint8_t)(1 + s[0] % 0x7f);
            int64_t nb, na;
            cert_times(i, &nb, &na);
            utctime((char *)tbs + G.L.nb_off, nb);
            utctime((char *)tbs + G.L.na_off, na);
            uint64_t ctr = i;
            for (int d = CN_DIGITS - 1; d >= 0; d--) {
                tbs[G.L.cn_off + (size_t)d] = (uint8_t)('0' + ctr % 10);
                ctr /= 10;
            }

            uint8_t md[32], sig[MAX_SIG];
            unsigned mdlen = 0;
            size_t siglen = sizeof sig;
            if (!EVP_DigestInit_ex2(mdctx, sha256, NULL)
                || !EVP_DigestUpdate(mdctx, tbs, G.tbs_len)
                || !EVP_DigestFinal_ex(mdctx, md, &mdlen)
                || EVP_PKEY_sign(pctx, sig, &siglen, md, mdlen) <= 0)
                die("sign failed at certificate %" PRIu64, i);
            size_t dl = cert_der(der, tbs, G.tbs_len, sig, siglen);

            if (o->der) {
                memcpy(op, der, dl);
                op += dl;
            } else {
                memcpy(op, "-----BEGIN CERTIFICATE-----\n", 28); op += 28;
                op = b64_lines(op, der, dl);
                memcpy(op, "-----END CERTIFICATE-----\n", 26); op += 26;
            }
            if (csv) {
                uint8_t fp[32];
                if (!EVP_DigestInit_ex2(mdctx, sha256, NULL)
                    || !EVP_DigestUpdate(mdctx, der, dl)
                    || !EVP_DigestFinal_ex(mdctx, fp, &mdlen))
                    die("sha256");
                cp = hex(cp, s, SERIAL_LEN); *cp++ = ',';
                rfc3339(cp, nb); cp += 20; *cp++ = ',';
                rfc3339(cp, na); cp += 20; *cp++ = ',';
                cp = hex(cp, fp, 32); *cp++ = ',';
                cp = hex(cp, der, dl); *cp++ = '\n';
            }
        }

        pthread_mutex_lock(&G.mu);
        G.chunks[k].out = out;
        G.chunks[k].out_len = (size_t)(op - out);
        G.chunks[k].csv = csv;
        G.chunks[k].csv_len = csv ? (size_t)(cp - csv) : 0;
        G.chunks[k].done = 1;
        pthread_cond_broadcast(&G.cv);
        pthread_mutex_unlock(&G.mu);
    }
    free(tbs);
    free(der);
    EVP_MD_CTX_free(mdctx);
    EVP_MD_free(sha256);
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(key);
    return NULL;
}

/* ------------------------------------------------------------------ main */

static EVP_PKEY *load_key(const char *path)
{
    BIO *b = BIO_new_file(path, "r");
    if (!b) die("cannot open %s", path);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k) die("cannot read private key from %s", path);
    return k;
}

static X509 *load_cert(const char *path)
{
    BIO *b = BIO_new_file(path, "r");
    if (!b) die("cannot open %s", path);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    if (!x) { /* allow DER */
        ERR_clear_error();
        (void)BIO_reset(b);
        x = d2i_X509_bio(b, NULL);
    }
    BIO_free(b);
    if (!x) die("cannot read certificate from %s", path);
    return x;
}

static FILE *open_out(const char *path)
{
    if (!strcmp(path, "-"))
        return stdout;
    FILE *f = fopen(path, "wb");
    if (!f) die("cannot create %s: %s", path, strerror(errno));
    return f;
}

static void write_all(FILE *f, const void *p, size_t n, const char *what)
{
    if (n && fwrite(p, 1, n, f) != n)
        die("write %s: %s", what, strerror(errno));
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct opts o;
    parse_opts(argc, argv, &o);
    double t0 = mono();

    X509 *issuer = load_cert(o.issuer_cert);
    EVP_PKEY *ikey = load_key(o.issuer_key);
    char group[64] = "";
    size_t glen = 0;
    if (!EVP_PKEY_is_a(ikey, "EC")
        || !EVP_PKEY_get_utf8_string_param(ikey, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                           sizeof group, &glen)
        || strcmp(group, "prime256v1") != 0)
        die("issuer key must be EC P-256 (got %s)", group[0] ? group : "non-EC");
    if (X509_check_private_key(issuer, ikey) != 1)
        die("issuer key does not match the issuer certificate");

    /* Time window, validated against UTCTime's range up front so that the
     * 13-octet in-place patch can never need GeneralizedTime. */
    int64_t na_lo = o.now + o.na_from_days * 86400;
    int64_t na_hi = o.now + o.na_to_days * 86400 + 86400; /* exclusive */
    int64_t nb_lo = na_lo - o.validity_days * 86400;
    if (nb_lo - 30 * 86400 < UTC_MIN || na_hi > UTC_MAX)
        die("times must stay within 1950..2049 (UTCTime); adjust --now/--not-after-*/--validity");

    /* Seeds: everything per-certificate derives from (seed, index). */
    uint64_t st;
    if (o.have_seed)
        st = o.seed;
    else if (RAND_bytes((unsigned char *)&st, sizeof st) != 1)
        die("RAND_bytes");
    G.serial_key = splitmix_next(&st);
    G.serial_key2 = splitmix_next(&st);
    G.time_key = splitmix_next(&st);

    EVP_PKEY *leafkey = EVP_EC_gen("P-256");
    if (!leafkey)
        die("leaf key generation");
    size_t tbs_len;
    uint8_t *tbs = make_template(issuer, ikey, leafkey, o.cdp, &tbs_len);
    if (tbs_len + 100 > 65535 || tbs_len + sizeof SIGALG_ECDSA_SHA256 + 2 + 1 + 8 < 256)
        die("template TBS size %zu out of the supported range", tbs_len);
    find_layout(tbs, tbs_len, &G.L);

    G.o = &o;
    G.tbs = tbs;
    G.tbs_len = tbs_len;
    G.ikey = ikey;
    G.na_lo = na_lo;
    G.na_span = na_hi - na_lo;
    G.nchunks = (size_t)((o.count + CHUNK - 1) / CHUNK);
    G.chunks = calloc(G.nchunks, sizeof *G.chunks);
    if (!G.chunks) die("oom");
    pthread_mutex_init(&G.mu, NULL);
    pthread_cond_init(&G.cv, NULL);

    FILE *out = open_out(o.out);
    FILE *csv = o.csv ? open_out(o.csv) : NULL;
    static char obuf[1 << 20], cbuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    if (csv) {
        setvbuf(csv, cbuf, _IOFBF, sizeof cbuf);
        if (o.csv_header)
            write_all(csv, "serial_hex,not_before_rfc3339,not_after_rfc3339,sha256_hex,der_hex\n",
                      67, "csv");
    }

    pthread_t *th = calloc((size_t)o.threads, sizeof *th);
    if (!th) die("oom");
    for (int t = 0; t < o.threads; t++)
        if (pthread_create(&th[t], NULL, worker, NULL))
            die("pthread_create");

    /* Writer: emit chunks strictly in order. */
    for (size_t k = 0; k < G.nchunks; k++) {
        pthread_mutex_lock(&G.mu);
        while (!G.chunks[k].done)
            pthread_cond_wait(&G.cv, &G.mu);
        struct chunk c = G.chunks[k];
        pthread_mutex_unlock(&G.mu);
        write_all(out, c.out, c.out_len, o.out);
        if (csv)
            write_all(csv, c.csv, c.csv_len, o.csv);
        free(c.out);
        free(c.csv);
        pthread_mutex_lock(&G.mu);
        G.written = k + 1;
        pthread_cond_broadcast(&G.cv);
        pthread_mutex_unlock(&G.mu);
    }
    for (int t = 0; t < o.threads; t++)
        pthread_join(th[t], NULL);
    if (fflush(out) || (out != stdout && fclose(out)))
        die("close %s: %s", o.out, strerror(errno));
    if (csv && (fflush(csv) || (csv != stdout && fclose(csv))))
        die("close %s: %s", o.csv, strerror(errno));

    double dt = mono() - t0;
    fprintf(stderr, "gencerts: %" PRIu64 " certificates in %.2f s (%.0f/s, %d threads)\n",
            o.count, dt, (double)o.count / dt, o.threads);
    OPENSSL_free(tbs);
    free(th);
    free(G.chunks);
    EVP_PKEY_free(leafkey);
    EVP_PKEY_free(ikey);
    X509_free(issuer);
    return 0;
}
