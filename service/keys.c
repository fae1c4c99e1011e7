/* keys.c - see keys.h. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* A PEM reader that refuses to prompt: lastleaf runs unattended. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

EVP_PKEY *keys_load(const char *uri, struct ll_err *err)
{
	const char *path;
	struct stat st;
	EVP_PKEY *k = NULL;
	FILE *f = NULL;
	int fd;

	if (!uri) {
		ll_err_set(err, "no key is configured (cas[].key): this process cannot sign");
		return NULL;
	}
	if (strncasecmp(uri, "pkcs11:", 7) == 0) {
		ll_err_set(err, "key %.40s...: PKCS#11 keys are not supported yet", uri);
		return NULL;
	}
	if (strncasecmp(uri, "file:", 5) != 0) {
		ll_err_set(err, "key URI '%s': unknown scheme (use file:PATH)", uri);
		return NULL;
	}
	path = uri + 5;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ll_err_set(err, "key %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ll_err_set(err, "key %s: not a regular file", path);
		close(fd);
		return NULL;
	}
	/* D2 / project rule: a file key readable by others is already exposed */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		ll_err_set(err, "key %s: mode %04o lets group or others access it; "
				"run chmod 600 on it", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		ll_err_set(err, "key %s: %s", path, strerror(errno));
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (!k) {
		ERR_clear_error(); /* the queue may quote key bytes: never show it */
		ll_err_set(err, "key %s: not an unencrypted PEM private key", path);
	}
	return k;
}

bool keys_match_spki(EVP_PKEY *key, const uint8_t *spki, size_t spki_len)
{
	const unsigned char *p = spki;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)spki_len);
	bool ok;

	if (!pub)
		return false;
	ok = EVP_PKEY_eq(key, pub) == 1;
	EVP_PKEY_free(pub);
	ERR_clear_error();
	return ok;
}
