/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PKCS#12 (RFC 7292) client credentials and a CA certificate, exported for
 * a client package. Order of checks, so which error a file gets when
 * several apply: size -> parse -> MAC (password) -> decrypt -> key -> cert
 * -> key matches cert -> CN -> Client Authentication EKU.
 */
#include "crypto/pkcs12.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static const char *const error_str[] = {
	[SGW_PKCS12_OK] = "ok",
	[SGW_PKCS12_EMPTY] = "empty or oversized file",
	[SGW_PKCS12_MALFORMED] = "not a PKCS#12 (.pfx) file",
	[SGW_PKCS12_BAD_PASSWORD] = "wrong password (or a damaged .pfx)",
	[SGW_PKCS12_UNSUPPORTED] = "unsupported encryption in the .pfx",
	[SGW_PKCS12_NO_KEY] = "no private key in the .pfx",
	[SGW_PKCS12_NO_CERT] = "no certificate in the .pfx",
	[SGW_PKCS12_KEY_MISMATCH] = "the private key matches no certificate in the .pfx",
	[SGW_PKCS12_NO_CN] = "certificate subject has no CN",
	[SGW_PKCS12_BAD_CN] = "certificate CN has control characters",
	[SGW_PKCS12_NO_CLIENT_AUTH] = "certificate has no Client Authentication EKU",
	[SGW_PKCS12_NOMEM] = "out of memory",
};

const char *sgw_pkcs12_error_str(enum sgw_pkcs12_error e)
{
	if ((unsigned)e >= sizeof(error_str) / sizeof(error_str[0]))
		return "?";
	return error_str[e];
}

/* --- helpers --- */

/* The bytes of a memory BIO as a malloc'd NUL-terminated string. */
static char *bio_take(BIO *b, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *out;

	if (n < 0)
		return NULL;
	out = malloc((size_t)n + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	return out;
}

static char *cert_pem(X509 *x, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;

	if (b != NULL && PEM_write_bio_X509(b, x))
		out = bio_take(b, len);
	BIO_free(b);
	return out;
}

/* Unencrypted PKCS#8 PEM through a secure-memory BIO (cleared when freed). */
static char *key_pem(EVP_PKEY *k, size_t *len)
{
	BIO *b = BIO_new(BIO_s_secmem());
	char *out = NULL;

	if (b != NULL && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		out = bio_take(b, len);
	BIO_free(b);
	return out;
}

/* 1: CN copied; 0: no CN; -1: CN with control characters (it ends up in
 * shell scripts and config files, so it must be one printable line). */
static int subject_cn(X509 *x, char *out, size_t len)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int n, k, rc = 1;

	out[0] = '\0';
	if (i < 0)
		return 0;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n <= 0)
		return 0;
	if ((size_t)n >= len)
		rc = -1;
	for (k = 0; k < n && rc == 1; k++)
		if (utf8[k] < 0x20 || utf8[k] == 0x7f)
			rc = -1;
	if (rc == 1) {
		memcpy(out, utf8, (size_t)n);
		out[n] = '\0';
	}
	OPENSSL_free(utf8);
	return rc;
}

/* id-kp-clientAuth required, as crypto/x509.c requires it on the gateway:
 * a leaf with no EKU extension at all is refused too. */
static bool has_client_auth(X509 *x)
{
	uint32_t fl = X509_get_extension_flags(x);

	return (fl & EXFLAG_XKUSAGE) && (X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
}

static time_t not_after(X509 *x)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
		return 0;
	return timegm(&tm);
}

static int export_cert(X509 *x, struct sgw_cert_export *out)
{
	unsigned int mdlen = 0;
	unsigned char *p;
	int n;

	memset(out, 0, sizeof(*out));
	out->pem = cert_pem(x, &out->pem_len);
	n = i2d_X509(x, NULL);
	if (out->pem == NULL || n <= 0)
		goto err;
	out->der = malloc((size_t)n);
	if (out->der == NULL)
		goto err;
	p = out->der;
	out->der_len = (size_t)i2d_X509(x, &p);
	if (!X509_digest(x, EVP_sha1(), out->thumbprint, &mdlen) ||
	    mdlen != SGW_THUMBPRINT_LEN)
		goto err;
	(void)subject_cn(x, out->cn, sizeof(out->cn));
	out->not_after = not_after(x);
	return 0;
err:
	sgw_cert_export_free(out);
	return -ENOMEM;
}

void sgw_cert_export_free(struct sgw_cert_export *c)
{
	if (c == NULL)
		return;
	free(c->pem);
	free(c->der);
	memset(c, 0, sizeof(*c));
}

void sgw_pkcs12_cred_free(struct sgw_pkcs12_cred *c)
{
	if (c == NULL)
		return;
	sgw_cert_export_free(&c->cert);
	free(c->chain_pem);
	if (c->key_pem != NULL)
		OPENSSL_cleanse(c->key_pem, c->key_pem_len);
	free(c->key_pem);
	memset(c, 0, sizeof(*c));
}

/* --- PKCS#12 --- */

struct p12_parts {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *ca;
};

static void parts_free(struct p12_parts *pp)
{
	EVP_PKEY_free(pp->key);
	X509_free(pp->cert);
	sk_X509_pop_free(pp->ca, X509_free);
	memset(pp, 0, sizeof(*pp));
}

/* RFC 7292 5.1: the MAC is keyed by the password; "no password" is either
 * an absent one or the empty string depending on the exporter. Returns the
 * password that verifies (NULL/"" for none), or sets *ok false. */
static const char *mac_password(PKCS12 *p12, const char *pass, bool *ok)
{
	*ok = true;
	if (!PKCS12_mac_present(p12))
		return pass;
	if (pass != NULL && pass[0] != '\0')
		*ok = PKCS12_verify_mac(p12, pass, -1) == 1;
	else if (PKCS12_verify_mac(p12, NULL, 0) == 1)
		return NULL;
	else
		*ok = PKCS12_verify_mac(p12, "", 0) == 1;
	return pass;
}

/* Older Windows exports use RC2-40, which OpenSSL 3 keeps in the "legacy"
 * provider; load it on the first failure. "default" is active by then (the
 * MAC check used it) and stays so. legacy stays loaded for the life of the
 * process (the CLI); it is read here so the store is not optimised away. */
static bool load_legacy(void)
{
	static OSSL_PROVIDER *legacy;
	static bool tried;

	if (legacy != NULL || tried)
		return false;
	tried = true;
	legacy = OSSL_PROVIDER_load(NULL, "legacy");
	return legacy != NULL;
}

static enum sgw_pkcs12_error open_p12(const uint8_t *pfx, size_t len, const char *pass,
				      struct p12_parts *pp)
{
	const unsigned char *p = pfx;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
	enum sgw_pkcs12_error e = SGW_PKCS12_OK;
	bool ok;

	if (p12 == NULL || p != pfx + len) {
		PKCS12_free(p12);
		return SGW_PKCS12_MALFORMED;
	}
	pass = mac_password(p12, pass, &ok);
	if (!ok) {
		e = SGW_PKCS12_BAD_PASSWORD;
		goto out;
	}
	ERR_clear_error();
	if (!PKCS12_parse(p12, pass, &pp->key, &pp->cert, &pp->ca) &&
	    (!load_legacy() || !PKCS12_parse(p12, pass, &pp->key, &pp->cert, &pp->ca)))
		e = SGW_PKCS12_UNSUPPORTED;
out:
	PKCS12_free(p12);
	return e;
}

/* PKCS12_parse pairs key and certificate by localKeyID; a .pfx without
 * those IDs leaves the certificate among the others: find it by key. */
static void pick_cert(struct p12_parts *pp)
{
	int i;

	if (pp->cert != NULL || pp->key == NULL || pp->ca == NULL)
		return;
	for (i = 0; i < sk_X509_num(pp->ca); i++) {
		X509 *x = sk_X509_value(pp->ca, i);

		if (X509_check_private_key(x, pp->key)) {
			pp->cert = sk_X509_delete(pp->ca, i);
			return;
		}
	}
}

static enum sgw_pkcs12_error check_parts(struct p12_parts *pp, char *cn, size_t cn_len)
{
	int rc;

	if (pp->key == NULL)
		return SGW_PKCS12_NO_KEY;
	pick_cert(pp);
	if (pp->cert == NULL)   /* certificates, but none is the key's */
		return sk_X509_num(pp->ca) > 0 ? SGW_PKCS12_KEY_MISMATCH : SGW_PKCS12_NO_CERT;
	if (!X509_check_private_key(pp->cert, pp->key))
		return SGW_PKCS12_KEY_MISMATCH;
	rc = subject_cn(pp->cert, cn, cn_len);
	if (rc == 0)
		return SGW_PKCS12_NO_CN;
	if (rc < 0)
		return SGW_PKCS12_BAD_CN;
	if (!has_client_auth(pp->cert))
		return SGW_PKCS12_NO_CLIENT_AUTH;
	return SGW_PKCS12_OK;
}

/* Leaf first, then the issuers the .pfx carries (pppd's cert file and
 * sstpc read the first; a chain after it does no harm). */
static char *chain_pem(const struct sgw_cert_export *leaf, STACK_OF(X509) *ca, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	int i, ok;

	if (b == NULL)
		return NULL;
	ok = BIO_write(b, leaf->pem, (int)leaf->pem_len) == (int)leaf->pem_len;
	for (i = 0; ok && i < sk_X509_num(ca); i++)
		ok = PEM_write_bio_X509(b, sk_X509_value(ca, i));
	if (ok)
		out = bio_take(b, len);
	BIO_free(b);
	return out;
}

static enum sgw_pkcs12_error export_parts(struct p12_parts *pp, struct sgw_pkcs12_cred *out)
{
	if (export_cert(pp->cert, &out->cert) < 0)
		return SGW_PKCS12_NOMEM;
	out->chain_pem = chain_pem(&out->cert, pp->ca, &out->chain_pem_len);
	out->key_pem = key_pem(pp->key, &out->key_pem_len);
	if (out->chain_pem == NULL || out->key_pem == NULL)
		return SGW_PKCS12_NOMEM;
	return SGW_PKCS12_OK;
}

enum sgw_pkcs12_error sgw_pkcs12_load(const uint8_t *pfx, size_t len,
				      const char *password,
				      struct sgw_pkcs12_cred *out,
				      char *err, size_t err_len)
{
	struct p12_parts pp = { 0 };
	char cn[SGW_X509_CN_MAX];
	enum sgw_pkcs12_error e;

	memset(out, 0, sizeof(*out));
	if (pfx == NULL || len == 0 || len > SGW_PKCS12_MAX_LEN || len > (size_t)INT32_MAX)
		e = SGW_PKCS12_EMPTY;
	else
		e = open_p12(pfx, len, password, &pp);
	if (e == SGW_PKCS12_OK)
		e = check_parts(&pp, cn, sizeof(cn));
	if (e == SGW_PKCS12_OK)
		e = export_parts(&pp, out);
	parts_free(&pp);
	ERR_clear_error();
	if (e != SGW_PKCS12_OK) {
		sgw_pkcs12_cred_free(out);
		snprintf(err, err_len, "%s", sgw_pkcs12_error_str(e));
	}
	return e;
}

/* --- a single certificate --- */

/* base64 DER without armour (a .cer as Azure's portal takes it). */
static X509 *from_bare_base64(const uint8_t *data, size_t len)
{
	unsigned char *txt = malloc(len + 1), *der = malloc(len + 1);
	const unsigned char *p = der;
	size_t i, n = 0;
	int dlen;
	X509 *x = NULL;

	if (txt == NULL || der == NULL)
		goto out;
	for (i = 0; i < len; i++)
		if (!isspace(data[i]))
			txt[n++] = data[i];
	if (n == 0 || n % 4 != 0)
		goto out;
	dlen = EVP_DecodeBlock(der, txt, (int)n);
	if (dlen <= 0)
		goto out;
	dlen -= (txt[n - 1] == '=') + (txt[n - 2] == '=');
	x = d2i_X509(NULL, &p, dlen);
out:
	free(txt);
	free(der);
	return x;
}

static X509 *parse_cert(const uint8_t *data, size_t len)
{
	const unsigned char *p = data;
	BIO *b;
	X509 *x;

	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL)
		return x;
	b = BIO_new_mem_buf(data, (int)len);
	if (b != NULL)
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x != NULL ? x : from_bare_base64(data, len);
}

int sgw_cert_export_load(const uint8_t *data, size_t len,
			 struct sgw_cert_export *out, char *err, size_t err_len)
{
	X509 *x;
	int rc;

	memset(out, 0, sizeof(*out));
	if (data == NULL || len == 0 || len > SGW_X509_MAX_CERT_DER * 2) {
		snprintf(err, err_len, "empty or oversized certificate file");
		return -EINVAL;
	}
	x = parse_cert(data, len);
	ERR_clear_error();
	if (x == NULL) {
		snprintf(err, err_len, "not a certificate (PEM, DER or base64 DER)");
		return -EINVAL;
	}
	rc = export_cert(x, out);
	X509_free(x);
	if (rc < 0)
		snprintf(err, err_len, "out of memory");
	return rc;
}
