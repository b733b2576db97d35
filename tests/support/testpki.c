/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test PKI: certificates made with OpenSSL 3 at test time, so every refusal
 * the gateway can give has a certificate that provokes it. Nothing here is
 * secret or long-lived: keys are written unencrypted into a temporary folder.
 */
#include "tests/support/testpki.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

enum {
	TPKI_SERIAL_BITS = 63,          /* positive, fits in 8 DER bytes */
	TPKI_DEFAULT_LIFETIME = 365 * 24 * 3600,
	TPKI_CER_LINE_IN = 48,          /* 48 bytes -> 64 base64 characters */
	TPKI_MAX_CHAIN = 16,            /* bound on the issuer walk */
};

struct tpki {
	char dir[200];
	bool owned;                     /* made by us: tpki_destroy removes it */
};

struct tpki *tpki_create(const char *dir)
{
	struct tpki *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if (dir == NULL) {
		snprintf(p->dir, sizeof(p->dir), "/tmp/sgw-testpki-XXXXXX");
		if (mkdtemp(p->dir) == NULL)
			goto err;
		p->owned = true;
		return p;
	}
	if (strlen(dir) >= sizeof(p->dir))
		goto err;
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	if (mkdir(p->dir, 0700) != 0 && errno != EEXIST)
		goto err;
	return p;
err:
	free(p);
	return NULL;
}

/* Only flat files are ever written into our folder, so one level suffices. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void tpki_destroy(struct tpki *p)
{
	if (p == NULL)
		return;
	if (p->owned)
		remove_dir(p->dir);
	free(p);
}

const char *tpki_dir(const struct tpki *p)
{
	return p->dir;
}

void tpki_cert_free(struct tpki_cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x509);
	EVP_PKEY_free(c->pkey);
	c->x509 = NULL;
	c->pkey = NULL;
}

static EVP_PKEY *make_key(enum tpki_key k)
{
	if (k == TPKI_KEY_RSA2048)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int set_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int ok = bn != NULL &&
		 BN_rand(bn, TPKI_SERIAL_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		 BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;

	BN_free(bn);
	return ok ? 0 : -1;
}

static int set_names(X509 *x, const char *cn, const struct tpki_cert *issuer)
{
	X509_NAME *n = X509_get_subject_name(x);

	if (!X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0))
		return -1;
	if (issuer == NULL)
		return X509_set_issuer_name(x, n) ? 0 : -1;
	return X509_set_issuer_name(x, X509_get_subject_name(issuer->x509)) ? 0 : -1;
}

static int set_dates(X509 *x, long not_before, long not_after)
{
	if (not_after == 0)
		not_after = TPKI_DEFAULT_LIFETIME;
	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, not_before, NULL) == NULL)
		return -1;
	return X509_time_adj_ex(X509_getm_notAfter(x), 0, not_after, NULL) ? 0 : -1;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (e == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

static const char *eku_value(enum tpki_eku eku)
{
	switch (eku) {
	case TPKI_EKU_CLIENT_AUTH:
		return "clientAuth";
	case TPKI_EKU_SERVER_AUTH:
		return "serverAuth";
	case TPKI_EKU_EMAIL:
		return "emailProtection";
	case TPKI_EKU_NONE:
		break;
	}
	return NULL;
}

/* subjectAltName from the options; a leaf whose CN looks like an e-mail
 * address (user@contoso.com, as Azure P2S client certificates have) also
 * gets it as rfc822Name. buf is "" when there is none. */
static void san_value(const struct tpki_opts *o, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (!o->ca && o->cn != NULL && strchr(o->cn, '@') != NULL)
		off += (size_t)snprintf(buf + off, len - off, "email:%s", o->cn);
	if (o->san_dns != NULL && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%sDNS:%s",
					off ? "," : "", o->san_dns);
	if (o->san_ip != NULL && off < len)
		snprintf(buf + off, len - off, "%sIP:%s", off ? "," : "", o->san_ip);
}

static int add_exts(X509 *x, const struct tpki_opts *o,
		    const struct tpki_cert *issuer)
{
	X509V3_CTX ctx;
	const char *eku = eku_value(o->eku);
	char san[512];
	int rc = 0;

	X509V3_set_ctx(&ctx, issuer ? issuer->x509 : x, x, NULL, NULL, 0);
	rc |= add_ext(x, &ctx, NID_basic_constraints,
		      o->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	rc |= add_ext(x, &ctx, NID_key_usage, o->ca ?
		      "critical,keyCertSign,cRLSign,digitalSignature" :
		      o->key == TPKI_KEY_RSA2048 ?
		      "critical,digitalSignature,keyEncipherment" :
		      "critical,digitalSignature");
	rc |= add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	rc |= add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
	if (eku != NULL)
		rc |= add_ext(x, &ctx, NID_ext_key_usage, eku);
	san_value(o, san, sizeof(san));
	if (san[0] != '\0')
		rc |= add_ext(x, &ctx, NID_subject_alt_name, san);
	return rc ? -1 : 0;
}

static X509 *make_cert(const struct tpki_opts *o, EVP_PKEY *key,
		       const struct tpki_cert *issuer)
{
	X509 *x = X509_new();
	EVP_PKEY *signer = issuer ? issuer->pkey : key;

	if (x == NULL)
		return NULL;
	if (!X509_set_version(x, X509_VERSION_3) || set_serial(x) ||
	    set_names(x, o->cn ? o->cn : "tpki", issuer) ||
	    set_dates(x, o->not_before, o->not_after) ||
	    !X509_set_pubkey(x, key) || add_exts(x, o, issuer) ||
	    X509_sign(x, signer, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static FILE *open_out(const struct tpki *p, const char *name, const char *ext,
		      char *path, size_t len)
{
	int n = snprintf(path, len, "%s/%s%s", p->dir, name, ext);

	if (n < 0 || (size_t)n >= len)
		return NULL;
	return fopen(path, "w");
}

static int write_pem_certs(const struct tpki_cert *c, FILE *f, bool chain)
{
	unsigned i;

	for (i = 0; c != NULL && i < TPKI_MAX_CHAIN; i++, c = c->issuer) {
		/* The root is not part of the chain a client sends. */
		if (chain && i > 0 && c->issuer == NULL)
			break;
		if (!PEM_write_X509(f, c->x509))
			return -1;
		if (!chain)
			break;
	}
	return 0;
}

/* base64 of the DER with no armour, 64 characters a line: what the Azure
 * portal takes as "public certificate data". */
static int write_cer(const struct tpki_cert *c, FILE *f)
{
	unsigned char line[TPKI_CER_LINE_IN * 4 / 3 + 2];
	size_t off, n;

	for (off = 0; off < c->der_len; off += n) {
		n = c->der_len - off;
		if (n > TPKI_CER_LINE_IN)
			n = TPKI_CER_LINE_IN;
		EVP_EncodeBlock(line, c->der + off, (int)n);
		if (fprintf(f, "%s\n", line) < 0)
			return -1;
	}
	return 0;
}

static int write_files(const struct tpki *p, const char *name,
		       struct tpki_cert *c)
{
	FILE *f;
	int rc;

	if ((f = open_out(p, name, ".crt", c->cert_path, sizeof(c->cert_path))) == NULL)
		return -1;
	rc = write_pem_certs(c, f, false);
	rc |= fclose(f);
	if ((f = open_out(p, name, ".chain.pem", c->chain_path, sizeof(c->chain_path))) == NULL)
		return -1;
	rc |= write_pem_certs(c, f, true);
	rc |= fclose(f);
	if ((f = open_out(p, name, ".key", c->key_path, sizeof(c->key_path))) == NULL)
		return -1;
	/* PKCS#8, unencrypted ("BEGIN PRIVATE KEY"). */
	rc |= PEM_write_PrivateKey(f, c->pkey, NULL, NULL, 0, NULL, NULL) ? 0 : -1;
	rc |= fclose(f);
	if ((f = open_out(p, name, ".cer", c->cer_path, sizeof(c->cer_path))) == NULL)
		return -1;
	rc |= write_cer(c, f);
	rc |= fclose(f);
	return rc ? -1 : 0;
}

static int fill_der(struct tpki_cert *c)
{
	unsigned char *der = NULL;
	unsigned int md_len = 0;
	int len = i2d_X509(c->x509, &der);

	if (len <= 0 || (size_t)len > sizeof(c->der)) {
		OPENSSL_free(der);
		return -1;
	}
	memcpy(c->der, der, (size_t)len);
	c->der_len = (size_t)len;
	OPENSSL_free(der);
	/* Hash the DER ourselves: X509_digest() may return a SHA-1 cached
	 * before the certificate was signed. */
	if (!EVP_Digest(c->der, c->der_len, c->thumbprint, &md_len,
			EVP_sha1(), NULL) || md_len != sizeof(c->thumbprint))
		return -1;
	return 0;
}

int tpki_issue(struct tpki *p, const char *name, const struct tpki_opts *o,
	       const struct tpki_cert *issuer, struct tpki_cert *out)
{
	memset(out, 0, sizeof(*out));
	if (p == NULL || name == NULL || o == NULL ||
	    (issuer != NULL && (issuer->x509 == NULL || issuer->pkey == NULL)))
		return -EINVAL;
	out->issuer = issuer;
	out->pkey = make_key(o->key);
	if (out->pkey == NULL)
		goto err;
	out->x509 = make_cert(o, out->pkey, issuer);
	if (out->x509 == NULL || fill_der(out) || write_files(p, name, out))
		goto err;
	return 0;
err:
	tpki_cert_free(out);
	return -EIO;
}

int tpki_root(struct tpki *p, const char *name, struct tpki_cert *out)
{
	struct tpki_opts o = {
		.cn = name, .key = TPKI_KEY_EC_P256, .ca = true,
		.eku = TPKI_EKU_NONE, .not_before = -3600,
		.not_after = 10L * 365 * 24 * 3600,
	};

	return tpki_issue(p, name, &o, NULL, out);
}

int tpki_client(struct tpki *p, const char *name, const char *cn,
		const struct tpki_cert *issuer, struct tpki_cert *out)
{
	struct tpki_opts o = {
		.cn = cn, .key = TPKI_KEY_EC_P256, .ca = false,
		.eku = TPKI_EKU_CLIENT_AUTH, .not_before = -3600,
	};

	return tpki_issue(p, name, &o, issuer, out);
}

int tpki_server(struct tpki *p, const char *name, enum tpki_key key,
		const struct tpki_cert *issuer, struct tpki_cert *out)
{
	struct tpki_opts o = {
		.cn = "sstp.test", .key = key, .ca = false,
		.eku = TPKI_EKU_SERVER_AUTH, .not_before = -3600,
		.san_dns = "sstp.test", .san_ip = "127.0.0.1",
	};

	return tpki_issue(p, name, &o, issuer, out);
}
