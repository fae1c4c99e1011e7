/* config.h - lastleaf's YAML configuration (libyaml). cfg_load() parses
 * and validates the whole file up front; every error names FILE:LINE.
 * The result is immutable and is passed as `const struct cfg *`. */
#ifndef LL_CONFIG_H
#define LL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llerr.h"

struct cfg_crl_ca {
	bool set;		/* a cas[].crl block was present */
	int64_t next_update;	/* seconds; 0 = profile default */
	int partitions;		/* 0 = no partitions (full CRL) */
	char *url;		/* template with {partition}; may be NULL */
	bool smime;		/* allow invalidityDate (A34) */
	bool rsa_pss;		/* sign with RSASSA-PSS */
	int line;
};

struct cfg_ocsp_ca {
	bool set;		/* a cas[].ocsp block was present: the CA is served */
	char *responder_cert;	/* path, NULL = CA key signs */
	char *responder_key;	/* key URI */
	int line;
};

struct cfg_ca {
	char *name;
	char *key;		/* key URI ("file:/abs/path.pem" or "pkcs11:..."); NULL on
				 * keyless responders: commands that sign refuse then */
	char *cert;		/* optional path to the CA certificate file */
	int key_sessions;	/* max concurrent signers for this key; 0 = default */
	struct cfg_crl_ca crl;
	struct cfg_ocsp_ca ocsp;
	int line;		/* line of the list item */
};

struct cfg_listen {
	char **addrs;		/* "host:port" strings */
	size_t n;
};

struct cfg {
	char *path;		/* NULL when no file was given */
	/* database */
	char *database_url;	/* libpq conninfo or URI */
	char *replica_url;	/* read-only standby for responders */
	int64_t poll_interval;	/* seconds between change polls, default 1 */
	char *embedded_dir;	/* embedded cluster directory; default "./var/pg" */
	bool embedded_set;	/* database.embedded was given explicitly */
	/* certificate authorities */
	struct cfg_ca *cas;
	size_t ncas;
	/* crl */
	char *crl_publish_dir;	/* default "./var/crl" */
	/* ocsp */
	struct cfg_listen ocsp_listen; /* default ["127.0.0.1:8080"] */
	int ocsp_threads;	/* 0 = one per core */
	int64_t ocsp_validity;	/* seconds, default 4d, 8h..10d */
	bool ocsp_nonce_echo;	/* "echo" vs "ignore" (default) */
	bool ocsp_unknown_signed; /* unknown_serial: "unknown" vs "unauthorized" (default) */
	char *ocsp_path_prefix; /* default "/" */
	int ocsp_max_request_entries; /* default 10 */
	int64_t ocsp_live_sign_rate;  /* live signatures per second; default 5000 */
	int ocsp_max_connections;     /* default 10000 */
	int64_t ocsp_timeout;	      /* idle/read timeout seconds, default 10 */
	/* admin */
	struct cfg_listen admin_listen; /* default ["127.0.0.1:9090"] */
	char *admin_token_file;
	char *admin_client_ca;	/* PEM CA bundle: mutual TLS on the admin listener */
	char *admin_tls_cert;	/* the admin listener's own certificate (with client_ca) */
	char *admin_tls_key;	/* and its key URI */
	/* clock */
	int64_t clock_max_skew;	/* seconds, default 2 */
	/* retirement */
	char *webhook_url;
};

/* Loads path (NULL: no file, all defaults). Errors read "FILE:LINE: msg":
 * unknown keys, wrong types, bad durations or ranges, duplicate CA names,
 * a key URI with an unknown scheme, a missing referenced file; a file that
 * cannot be read gives "FILE: cannot open: reason". Returns a new cfg the
 * caller frees with cfg_free(), or NULL with err filled. Relative paths in
 * the file are resolved against the file's directory and stored absolute
 * ("file:" key URIs keep their prefix). */
struct cfg *cfg_load(const char *path, struct ll_err *err);
/* Frees c and everything it owns; NULL is a no-op. */
void cfg_free(struct cfg *c);
/* The CA called name, or NULL (also when c or name is NULL). Borrowed. */
const struct cfg_ca *cfg_find_ca(const struct cfg *c, const char *name);
/* Calls fn once for every key path cfg_load() accepts, in table order
 * ("database.embedded.dir", "cas[].crl.url", ...), so tests and docs can
 * check that each key is documented. Cannot fail. */
void cfg_foreach_key(void (*fn)(const char *path, void *arg), void *arg);

#endif
