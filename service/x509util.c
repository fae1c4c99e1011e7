/* x509util.c - see x509util.h. */
#include "x509util.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

void ll_sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;

	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

void ll_sha1(const void *p, size_t n, uint8_t out[20])
{
	unsigned int len = 20;

	EVP_Digest(p, n, out, &len, EVP_sha1(), NULL);
}

void ll_name_text(const uint8_t *der, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
	BIO *b = NULL;
	int got;

	snprintf(out, outlen, "?");
	if (!n)
		return;
	b = BIO_new(BIO_s_mem());
	if (b && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		got = BIO_read(b, out, (int)outlen - 1);
		out[got > 0 ? got : 0] = '\0';
	}
	BIO_free(b);
	X509_NAME_free(n);
}

void ll_name_cn(const uint8_t *der, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = der;
	X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);

	out[0] = '\0';
	if (!n)
		return;
	if (X509_NAME_get_text_by_NID(n, NID_commonName, out, (int)outlen) < 0)
		out[0] = '\0';
	X509_NAME_free(n);
}
