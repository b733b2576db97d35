/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client credentials out of a PKCS#12 (.pfx) file, as Windows' certificate
 * export and Azure's P2S documentation make them (RFC 7292), and a gateway
 * CA certificate read for a client package: everything comes back as PEM or
 * DER bytes plus the few facts a package shows (CN, SHA-1 thumbprint), so
 * the layers above never see an OpenSSL type.
 *
 * A .pfx is accepted iff it opens with the password (MAC checked first, so
 * a wrong password is told apart from a damaged file), holds one private key
 * and the certificate that matches it, and that certificate has a subject CN
 * and the Client Authentication EKU: the same policy crypto/x509.c applies
 * to the leaf on the gateway, so a package is never made for a certificate
 * the gateway would refuse for its form.
 *
 * Threading: control thread / CLI only. May load OpenSSL's "legacy" provider
 * once (RC2 and 3DES .pfx files from older Windows exports).
 */
#ifndef SGW_CRYPTO_PKCS12_H
#define SGW_CRYPTO_PKCS12_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/crypto_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sgw_pkcs12_error {
	SGW_PKCS12_OK,
	SGW_PKCS12_EMPTY,          /* no bytes, or more than SGW_PKCS12_MAX_LEN */
	SGW_PKCS12_MALFORMED,      /* not a PKCS#12 structure */
	SGW_PKCS12_BAD_PASSWORD,   /* the MAC does not verify with this password */
	SGW_PKCS12_UNSUPPORTED,    /* opened, but an algorithm OpenSSL lacks */
	SGW_PKCS12_NO_KEY,
	SGW_PKCS12_NO_CERT,
	SGW_PKCS12_KEY_MISMATCH,   /* the key is none of the certificates' */
	SGW_PKCS12_NO_CN,          /* certificate subject has no CN */
	SGW_PKCS12_BAD_CN,         /* CN with control characters */
	SGW_PKCS12_NO_CLIENT_AUTH, /* no id-kp-clientAuth EKU (RFC 5280 4.2.1.12) */
	SGW_PKCS12_NOMEM,
};

enum {
	SGW_PKCS12_MAX_LEN = 256 * 1024,  /* a .pfx is a few KiB */
};

const char *sgw_pkcs12_error_str(enum sgw_pkcs12_error e);

/* One certificate, exported. */
struct sgw_cert_export {
	char *pem;                         /* malloc'd, NUL-terminated */
	size_t pem_len;
	uint8_t *der;                      /* malloc'd */
	size_t der_len;
	char cn[SGW_X509_CN_MAX];          /* UTF-8 subject CN, "" if none */
	uint8_t thumbprint[SGW_THUMBPRINT_LEN]; /* SHA-1 of the DER */
	time_t not_after;
};

/* A client's credentials from a .pfx. */
struct sgw_pkcs12_cred {
	struct sgw_cert_export cert;       /* the leaf */
	char *chain_pem;                   /* leaf then the other certificates of
					      the .pfx (issuers), malloc'd */
	size_t chain_pem_len;
	char *key_pem;                     /* unencrypted PKCS#8 PEM: a secret,
					      wiped by sgw_pkcs12_cred_free */
	size_t key_pem_len;
};

/* Open a .pfx (DER bytes). password may be NULL or "" for none (both are
 * tried, as Windows and OpenSSL encode "no password" differently). On
 * success fills *out (free with sgw_pkcs12_cred_free) and returns
 * SGW_PKCS12_OK; otherwise *out is left empty and err gets a one-line
 * reason. */
__attribute__((warn_unused_result))
enum sgw_pkcs12_error sgw_pkcs12_load(const uint8_t *pfx, size_t len,
				      const char *password,
				      struct sgw_pkcs12_cred *out,
				      char *err, size_t err_len);
void sgw_pkcs12_cred_free(struct sgw_pkcs12_cred *c);

/* Read one certificate (PEM, DER, or base64 DER without armour, as a .cer)
 * into *out. Returns 0 or -EINVAL / -ENOMEM with a reason in err. */
__attribute__((warn_unused_result))
int sgw_cert_export_load(const uint8_t *data, size_t len,
			 struct sgw_cert_export *out, char *err, size_t err_len);
void sgw_cert_export_free(struct sgw_cert_export *c);

#ifdef __cplusplus
}
#endif
#endif
