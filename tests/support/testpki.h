/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test PKI made in memory with OpenSSL and written to a temporary folder:
 * roots, intermediates, server and client certificates with any validity
 * window, EKU and key type, so every refusal (expired, not yet valid, no
 * clientAuth, unknown root...) has a certificate to test it with.
 */
#ifndef SGW_TEST_TESTPKI_H
#define SGW_TEST_TESTPKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tpki_key {
	TPKI_KEY_EC_P256,   /* fast: the default */
	TPKI_KEY_RSA2048,
};

enum tpki_eku {
	TPKI_EKU_NONE,        /* no extendedKeyUsage extension at all */
	TPKI_EKU_CLIENT_AUTH,
	TPKI_EKU_SERVER_AUTH,
	TPKI_EKU_EMAIL,       /* an EKU, but not clientAuth */
};

struct tpki_cert {
	char cert_path[256];   /* PEM of the certificate alone */
	char chain_path[256];  /* PEM: this certificate then its issuers up to,
				  not including, the root */
	char key_path[256];    /* PEM private key */
	char cer_path[256];    /* base64 DER without armour, as a .cer upload */
	uint8_t der[4096];
	size_t der_len;
	uint8_t thumbprint[20];
	void *x509;            /* X509 * (kept for issuing) */
	void *pkey;            /* EVP_PKEY * */
	const struct tpki_cert *issuer;
};

struct tpki_opts {
	const char *cn;
	enum tpki_key key;
	bool ca;
	enum tpki_eku eku;
	long not_before;       /* seconds from now (negative: in the past) */
	long not_after;        /* seconds from now; 0 means +1 year */
	const char *san_dns;   /* optional subjectAltName DNS */
	const char *san_ip;    /* optional subjectAltName IP */
};

struct tpki;

/* dir: a folder to write into (created if needed); NULL makes one under
 * /tmp that tpki_destroy removes. */
struct tpki *tpki_create(const char *dir);
void tpki_destroy(struct tpki *p);
const char *tpki_dir(const struct tpki *p);

/* Issue name (a file stem) signed by issuer (NULL: self-signed). Returns 0.
 * The struct must stay where it is while other certs refer to it. */
int tpki_issue(struct tpki *p, const char *name, const struct tpki_opts *o,
	       const struct tpki_cert *issuer, struct tpki_cert *out);
void tpki_cert_free(struct tpki_cert *c);

/* Shorthands with the defaults the tests use most. */
int tpki_root(struct tpki *p, const char *name, struct tpki_cert *out);
int tpki_client(struct tpki *p, const char *name, const char *cn,
		const struct tpki_cert *issuer, struct tpki_cert *out);
int tpki_server(struct tpki *p, const char *name, enum tpki_key key,
		const struct tpki_cert *issuer, struct tpki_cert *out);

#endif
