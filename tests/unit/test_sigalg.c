/* test_sigalg.c - the signature AlgorithmIdentifier table
 * (common/sigalg.h): each encoding decoded by OpenSSL (d2i_X509_ALGOR,
 * and the RSASSA-PSS parameters: same hash for MGF1, salt = digest
 * length, A2), exact-match lookup, the default per key kind, and digest
 * names and sizes checked against EVP. */
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

#include "sigalg.h"
#include "tap.h"

static int md_nid(enum sigalg_md md)
{
	return md == SIGALG_MD_SHA256 ? NID_sha256 : md == SIGALG_MD_SHA384 ? NID_sha384
		: md == SIGALG_MD_SHA512 ? NID_sha512 : NID_undef;
}

/* The PSS parameters of a: hash, MGF1 with the same hash, salt length. */
static bool pss_params_ok(const X509_ALGOR *a, enum sigalg_md md)
{
	const ASN1_OBJECT *obj;
	const void *pv;
	int ptype;
	const ASN1_STRING *seq;
	const unsigned char *p;
	RSA_PSS_PARAMS *pss;
	X509_ALGOR *mgf_md = NULL;
	bool ok;

	X509_ALGOR_get0(&obj, &ptype, &pv, a);
	if (ptype != V_ASN1_SEQUENCE)
		return false;
	seq = pv;
	p = ASN1_STRING_get0_data(seq);
	pss = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq));
	if (!pss)
		return false;
	if (pss->maskHash)
		mgf_md = pss->maskHash;
	else if (pss->maskGenAlgorithm && pss->maskGenAlgorithm->parameter &&
		 pss->maskGenAlgorithm->parameter->type == V_ASN1_SEQUENCE) {
		const ASN1_STRING *m = pss->maskGenAlgorithm->parameter->value.sequence;
		const unsigned char *q = ASN1_STRING_get0_data(m);

		mgf_md = d2i_X509_ALGOR(NULL, &q, ASN1_STRING_length(m));
	}
	ok = pss->hashAlgorithm && OBJ_obj2nid(pss->hashAlgorithm->algorithm) == md_nid(md) &&
	     pss->maskGenAlgorithm && OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) == NID_mgf1 &&
	     mgf_md && OBJ_obj2nid(mgf_md->algorithm) == md_nid(md) && pss->saltLength &&
	     ASN1_INTEGER_get(pss->saltLength) == sigalg_md_size(md) && !pss->trailerField;
	if (mgf_md != pss->maskHash)
		X509_ALGOR_free(mgf_md);
	RSA_PSS_PARAMS_free(pss);
	return ok;
}

static void test_table(void)
{
	static const int want_nid[SIGALG_COUNT] = {
		[SIGALG_ECDSA_SHA256] = NID_ecdsa_with_SHA256,
		[SIGALG_ECDSA_SHA384] = NID_ecdsa_with_SHA384,
		[SIGALG_ECDSA_SHA512] = NID_ecdsa_with_SHA512,
		[SIGALG_RSA_SHA256] = NID_sha256WithRSAEncryption,
		[SIGALG_RSA_SHA384] = NID_sha384WithRSAEncryption,
		[SIGALG_RSA_SHA512] = NID_sha512WithRSAEncryption,
		[SIGALG_PSS_SHA256] = NID_rsassaPss,
		[SIGALG_PSS_SHA384] = NID_rsassaPss,
		[SIGALG_PSS_SHA512] = NID_rsassaPss,
		[SIGALG_ED25519] = NID_ED25519,
		[SIGALG_ED448] = NID_ED448,
	};
	const struct sigalg *t = sigalg_table();
	size_t i;

	for (i = 0; i < SIGALG_COUNT; i++) {
		const struct sigalg *a = &t[i];
		const unsigned char *p = a->der;
		X509_ALGOR *x = d2i_X509_ALGOR(NULL, &p, (long)a->len);
		const ASN1_OBJECT *obj = NULL;
		int ptype = -1, dig_nid = NID_undef, pkey_nid = NID_undef;
		uint8_t *re = NULL;
		int relen;

		CHECK_MSG(x && p == a->der + a->len, "%s does not decode as one AlgorithmIdentifier",
			  a->name);
		if (!x)
			continue;
		X509_ALGOR_get0(&obj, &ptype, NULL, x);
		CHECK_MSG(OBJ_obj2nid(obj) == want_nid[i], "%s: OID is %s", a->name,
			  OBJ_nid2sn(OBJ_obj2nid(obj)));
		/* DER: OpenSSL re-encodes it to the same octets */
		relen = i2d_X509_ALGOR(x, &re);
		CHECK_MSG(relen == (int)a->len && memcmp(re, a->der, a->len) == 0, "%s", a->name);
		OPENSSL_free(re);
		/* A2: NULL parameters for RSA PKCS#1, absent for ECDSA/EdDSA */
		if (a->key == SPKI_KEY_RSA && !a->pss)
			CHECK_MSG(ptype == V_ASN1_NULL, "%s", a->name);
		else if (!a->pss)
			CHECK_MSG(ptype == V_ASN1_UNDEF, "%s", a->name);
		else
			CHECK_MSG(pss_params_ok(x, a->md), "%s: PSS parameters", a->name);
		/* OpenSSL's idea of digest and key type for the OID */
		if (!a->pss) {
			CHECK(OBJ_find_sigid_algs(want_nid[i], &dig_nid, &pkey_nid));
			CHECK_MSG(dig_nid == md_nid(a->md), "%s: digest", a->name);
			CHECK_MSG(pkey_nid == (a->key == SPKI_KEY_RSA ? NID_rsaEncryption
					       : a->key == SPKI_KEY_ED25519 ? NID_ED25519
					       : a->key == SPKI_KEY_ED448 ? NID_ED448
					       : NID_X9_62_id_ecPublicKey),
				  "%s: key type", a->name);
		}
		/* EdDSA is the S/MIME-only part of the table (SBR, not the BRs) */
		CHECK_MSG(a->smime_only == (a->md == SIGALG_MD_NONE), "%s", a->name);
		X509_ALGOR_free(x);
	}
}

static void test_find(void)
{
	const struct sigalg *t = sigalg_table();
	uint8_t buf[128];
	size_t i;

	for (i = 0; i < SIGALG_COUNT; i++) {
		CHECK(sigalg_find(t[i].der, t[i].len) == &t[i]);
		/* exact bytes only: a prefix, one more octet or a changed last
		 * octet is not the same encoding (flipping bit 0 may land on a
		 * neighbour, ecdsa-with-SHA256 -> SHA384; bit 7 on nothing) */
		CHECK(sigalg_find(t[i].der, t[i].len - 1) == NULL);
		memcpy(buf, t[i].der, t[i].len);
		buf[t[i].len] = 0;
		CHECK(sigalg_find(buf, t[i].len + 1) == NULL);
		buf[t[i].len - 1] ^= 0x01;
		CHECK(sigalg_find(buf, t[i].len) != &t[i]);
		buf[t[i].len - 1] ^= 0x81;
		CHECK(sigalg_find(buf, t[i].len) == NULL);
	}
	{
		/* sha256WithRSAEncryption without the NULL parameters (RFC 4055
		 * allows it; BR 7.1.3.2 does not) */
		static const uint8_t rsa_noparam[] = {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
						      0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
		/* ecdsa-with-SHA256 with NULL parameters (forbidden, RFC 5758) */
		static const uint8_t ec_null[] = {0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48,
						  0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00};

		CHECK(sigalg_find(rsa_noparam, sizeof(rsa_noparam)) == NULL);
		CHECK(sigalg_find(ec_null, sizeof(ec_null)) == NULL);
	}
}

static void test_for_key(void)
{
	const struct sigalg *t = sigalg_table();

	CHECK(sigalg_for_key(SPKI_KEY_P256, false) == &t[SIGALG_ECDSA_SHA256]);
	CHECK(sigalg_for_key(SPKI_KEY_P384, false) == &t[SIGALG_ECDSA_SHA384]);
	CHECK(sigalg_for_key(SPKI_KEY_P521, false) == &t[SIGALG_ECDSA_SHA512]);
	CHECK(sigalg_for_key(SPKI_KEY_RSA, false) == &t[SIGALG_RSA_SHA256]);
	CHECK(sigalg_for_key(SPKI_KEY_RSA, true) == &t[SIGALG_PSS_SHA256]);
	CHECK(sigalg_for_key(SPKI_KEY_ED25519, false) == &t[SIGALG_ED25519]);
	CHECK(sigalg_for_key(SPKI_KEY_ED448, false) == &t[SIGALG_ED448]);
	CHECK(sigalg_for_key(SPKI_KEY_UNKNOWN, false) == NULL);
	CHECK(sigalg_for_key(SPKI_KEY_UNKNOWN, true) == NULL);
	CHECK(sigalg_for_key(SPKI_KEY_P256, true) == NULL);
	CHECK(sigalg_for_key(SPKI_KEY_ED25519, true) == NULL);
	/* whatever it picks is bound to that key kind (A2) */
	for (int k = SPKI_KEY_P256; k <= SPKI_KEY_ED448; k++)
		CHECK(sigalg_for_key((enum spki_key)k, false)->key == (enum spki_key)k);
}

static void test_md(void)
{
	static const enum sigalg_md mds[] = {SIGALG_MD_SHA256, SIGALG_MD_SHA384, SIGALG_MD_SHA512};
	size_t i;

	CHECK(sigalg_md_name(SIGALG_MD_NONE) == NULL);
	CHECK(sigalg_md_size(SIGALG_MD_NONE) == 0);
	for (i = 0; i < 3; i++) {
		EVP_MD *md = EVP_MD_fetch(NULL, sigalg_md_name(mds[i]), NULL);

		CHECK_MSG(md && EVP_MD_get_type(md) == md_nid(mds[i]) &&
				  EVP_MD_get_size(md) == sigalg_md_size(mds[i]),
			  "%s", sigalg_md_name(mds[i]));
		EVP_MD_free(md);
	}
}

int main(void)
{
	test_table();
	test_find();
	test_for_key();
	test_md();
	return tap_done();
}
