/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS key derivations through OpenSSL's EVP_KDF: HKDF in EXPAND_ONLY mode
 * for TLS 1.3 (RFC 8446 7.1, RFC 5869 2.3) and TLS1-PRF for the TLS 1.2
 * key block (RFC 5246 5, 6.3). Called at handshake end and on KeyUpdate,
 * never per packet.
 */
#include "crypto/tls_kdf.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/crypto_limits.h"

enum {
	/* RFC 8446 7.1: HkdfLabel = length(2) || label<7..255> || context<0..255> */
	HKDF_LABEL_MAX = 2 + 1 + 255 + 1 + 255,
	TLS13_LABEL_PREFIX_LEN = 6, /* "tls13 " */
	TLS12_LABEL_LEN = 13,       /* "key expansion" */
	TLS12_RANDOM_LEN = 32,
	/* RFC 5288 3: two keys of at most 32 bytes and two 4-byte salts. */
	TLS12_SALT_LEN = 4,
	TLS12_KEY_BLOCK_MAX = 2 * 32 + 2 * SGW_AEAD_IV_LEN,
};

static const char *const digest_names[] = {
	[SGW_TLS_HASH_SHA256] = "SHA256",
	[SGW_TLS_HASH_SHA384] = "SHA384",
};

static bool hash_valid(enum sgw_tls_hash h)
{
	return (unsigned)h < sizeof(digest_names) / sizeof(digest_names[0]);
}

size_t sgw_tls_hash_len(enum sgw_tls_hash h)
{
	if (h == SGW_TLS_HASH_SHA256)
		return 32;
	if (h == SGW_TLS_HASH_SHA384)
		return 48;
	return 0;
}

/* One EVP_KDF derivation; params end with OSSL_PARAM_END. */
static int kdf_derive(const char *kdf_name, OSSL_PARAM *params,
		      uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	int rc = -EIO;

	ERR_clear_error();
	kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
	if (kdf == NULL)
		goto out;
	ctx = EVP_KDF_CTX_new(kdf);
	if (ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1)
		rc = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	if (rc != 0)
		ERR_clear_error();
	return rc;
}

/* RFC 8446 7.1: struct HkdfLabel, serialised into info; returns its length. */
static size_t hkdf_label(uint8_t *info, size_t out_len, const char *label,
			 size_t label_len, const uint8_t *context,
			 size_t context_len)
{
	size_t n = 0;

	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(TLS13_LABEL_PREFIX_LEN + label_len);
	memcpy(info + n, "tls13 ", TLS13_LABEL_PREFIX_LEN);
	n += TLS13_LABEL_PREFIX_LEN;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = (uint8_t)context_len;
	if (context_len != 0)
		memcpy(info + n, context, context_len);
	return n + context_len;
}

static bool expand_args_ok(enum sgw_tls_hash h, const uint8_t *secret,
			   size_t secret_len, const char *label,
			   const uint8_t *context, size_t context_len,
			   const uint8_t *out, size_t out_len)
{
	if (!hash_valid(h) || secret == NULL || secret_len == 0 ||
	    label == NULL || out == NULL || out_len == 0)
		return false;
	/* RFC 5869 2.3: L <= 255 * HashLen; HkdfLabel.length is a uint16. */
	if (out_len > 255 * sgw_tls_hash_len(h) || out_len > 0xffff)
		return false;
	if (TLS13_LABEL_PREFIX_LEN + strnlen(label, 256) > 255)
		return false;
	return context_len <= 255 && (context != NULL || context_len == 0);
}

int sgw_tls13_expand_label(enum sgw_tls_hash h,
			   const uint8_t *secret, size_t secret_len,
			   const char *label,
			   const uint8_t *context, size_t context_len,
			   uint8_t *out, size_t out_len)
{
	uint8_t info[HKDF_LABEL_MAX];
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	size_t info_len;

	if (!expand_args_ok(h, secret, secret_len, label, context, context_len,
			    out, out_len))
		return -EINVAL;
	info_len = hkdf_label(info, out_len, label, strlen(label), context,
			      context_len);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
			(char *)digest_names[h], 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
			(void *)secret, secret_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
			info_len),
		OSSL_PARAM_construct_end(),
	};
	return kdf_derive(OSSL_KDF_NAME_HKDF, params, out, out_len);
}

int sgw_tls13_traffic_keys(enum sgw_tls_hash h,
			   const uint8_t *secret, size_t secret_len,
			   uint8_t *key, size_t key_len, uint8_t iv[12])
{
	int rc;

	if (key_len != 16 && key_len != 32)
		return -EINVAL;
	rc = sgw_tls13_expand_label(h, secret, secret_len, "key", NULL, 0,
				    key, key_len);
	if (rc == 0)
		rc = sgw_tls13_expand_label(h, secret, secret_len, "iv", NULL,
					    0, iv, SGW_AEAD_IV_LEN);
	if (rc != 0)
		OPENSSL_cleanse(key, key_len);
	return rc;
}

int sgw_tls13_update_secret(enum sgw_tls_hash h, uint8_t *secret, size_t secret_len)
{
	uint8_t next[SGW_TLS_MAX_SECRET_LEN];
	int rc;

	/* RFC 8446 7.2: the secret is always Hash.length long. */
	if (!hash_valid(h) || secret_len != sgw_tls_hash_len(h) ||
	    secret_len > sizeof(next))
		return -EINVAL;
	rc = sgw_tls13_expand_label(h, secret, secret_len, "traffic upd", NULL,
				    0, next, secret_len);
	if (rc == 0)
		memcpy(secret, next, secret_len);
	OPENSSL_cleanse(next, sizeof(next));
	return rc;
}

/* RFC 5246 5: PRF(secret, label, seed) = P_<hash>(secret, label || seed). */
static int tls12_prf(enum sgw_tls_hash h, const uint8_t *master,
		     size_t master_len, const uint8_t *seed, size_t seed_len,
		     uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
			(char *)digest_names[h], 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
			(void *)master, master_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
			(void *)seed, seed_len),
		OSSL_PARAM_construct_end(),
	};
	return kdf_derive(OSSL_KDF_NAME_TLS1_PRF, params, out, out_len);
}

int sgw_tls12_key_block(enum sgw_tls_hash h,
			const uint8_t *master, size_t master_len,
			const uint8_t client_random[32],
			const uint8_t server_random[32],
			size_t key_len, size_t iv_len,
			uint8_t *client_key, uint8_t *server_key,
			uint8_t *client_iv, uint8_t *server_iv)
{
	uint8_t seed[TLS12_LABEL_LEN + 2 * TLS12_RANDOM_LEN];
	uint8_t block[TLS12_KEY_BLOCK_MAX];
	int rc;

	if (!hash_valid(h) || master == NULL || master_len == 0 ||
	    client_random == NULL || server_random == NULL ||
	    (key_len != 16 && key_len != 32) ||
	    (iv_len != TLS12_SALT_LEN && iv_len != SGW_AEAD_IV_LEN) ||
	    client_key == NULL || server_key == NULL || client_iv == NULL ||
	    server_iv == NULL)
		return -EINVAL;
	/* RFC 5246 6.3: the key block's seed is server_random first. */
	memcpy(seed, "key expansion", TLS12_LABEL_LEN);
	memcpy(seed + TLS12_LABEL_LEN, server_random, TLS12_RANDOM_LEN);
	memcpy(seed + TLS12_LABEL_LEN + TLS12_RANDOM_LEN, client_random,
	       TLS12_RANDOM_LEN);
	rc = tls12_prf(h, master, master_len, seed, sizeof(seed), block,
		       2 * key_len + 2 * iv_len);
	if (rc != 0)
		goto out;
	/* AEAD suites have no MAC keys (RFC 5288 3): keys, then ivs. */
	memcpy(client_key, block, key_len);
	memcpy(server_key, block + key_len, key_len);
	memcpy(client_iv, block + 2 * key_len, iv_len);
	memcpy(server_iv, block + 2 * key_len + iv_len, iv_len);
out:
	OPENSSL_cleanse(block, sizeof(block));
	return rc;
}
