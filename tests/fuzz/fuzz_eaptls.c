/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the EAP-TLS authenticator (crypto/eaptls.c) and the
 * TLS handshake driver under it. The input is:
 *
 *   max_frag selector (1 byte), then messages: length (2 bytes, big endian)
 *   followed by that many bytes of EAP-TLS Type-Data (a Response).
 *
 * The server (an EC P-256 certificate made at the first call, which is also
 * the only trusted root) answers each message until it says SUCCESS or
 * FAILURE. Nothing may crash, leak or loop.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/eaptls.h"
#include "crypto/tls.h"
#include "crypto/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct env {
	struct sgw_tls_server *srv;
	struct sgw_trust *trust;
	struct sgw_revoked *revoked;
};

static X509 *make_cert(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *n = x != NULL ? X509_get_subject_name(x) : NULL;
	X509_EXTENSION *ext;
	X509V3_CTX ctx;

	if (n == NULL)
		goto err;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)"fuzz.sstp.test", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	if (ext == NULL || X509_add_ext(x, ext, -1) != 1) {
		X509_EXTENSION_free(ext);
		goto err;
	}
	X509_EXTENSION_free(ext);
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto err;
	return x;
err:
	X509_free(x);
	return NULL;
}

static int write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = x != NULL ? PEM_write_X509(f, x) :
			 PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

/* Files only for the moment sgw_tls_server_create() reads them. */
static struct env *env_create(void)
{
	static struct env env;
	char dir[] = "/tmp/fuzz-eaptls-XXXXXX", cert[64], key[64], err[256];
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x = pkey != NULL ? make_cert(pkey) : NULL;
	struct sgw_tls_server_cfg cfg = { .cert_file = cert, .key_file = key,
					  .verify_client = true };

	if (x == NULL || mkdtemp(dir) == NULL)
		abort();
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if (write_pem(cert, x, NULL) != 0 || write_pem(key, NULL, pkey) != 0)
		abort();
	env.srv = sgw_tls_server_create(&cfg, err, sizeof(err));
	env.trust = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	env.revoked = sgw_revoked_create();
	if (env.srv == NULL || env.trust == NULL || env.revoked == NULL ||
	    sgw_trust_add_file(env.trust, cert, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_eaptls: %s\n", err);
		abort();
	}
	unlink(cert);
	unlink(key);
	rmdir(dir);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return &env;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct env *env;
	static uint8_t out[16384 + 6];
	struct sgw_eaptls *e;
	enum sgw_eaptls_status st = SGW_EAPTLS_SEND;
	size_t out_len;

	if (env == NULL)
		env = env_create();
	if (size < 1)
		return 0;
	/* 64 .. 2104 bytes per fragment. */
	e = sgw_eaptls_create(env->srv, env->trust, env->revoked,
			      SGW_EAPTLS_MIN_FRAGMENT + (size_t)data[0] * 8);
	if (e == NULL)
		return 0;
	data++;
	size--;
	out_len = sgw_eaptls_start(e, out, sizeof(out));
	while (size >= 2 && st == SGW_EAPTLS_SEND) {
		size_t len = (size_t)data[0] << 8 | data[1];

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		st = sgw_eaptls_input(e, data, len, out, sizeof(out), &out_len);
		data += len;
		size -= len;
	}
	(void)out_len;
	(void)sgw_eaptls_error(e);
	(void)sgw_eaptls_peer(e);
	sgw_eaptls_destroy(e);
	return 0;
}
