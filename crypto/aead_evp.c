/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSL EVP AEAD backend. One EVP_CIPHER_CTX per object, keyed once at
 * create; each call re-initialises only the IV and the direction
 * (EVP_CipherInit_ex with NULL cipher and key), which keeps the expanded key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/aead_internal.h"

struct evp_aead {
	struct sgw_aead base;
	EVP_CIPHER_CTX *ctx;
};

enum evp_dir {
	EVP_DIR_OPEN = 0,
	EVP_DIR_SEAL = 1,
};

static const EVP_CIPHER *evp_cipher(enum sgw_aead_alg alg)
{
	switch (alg) {
	case SGW_AEAD_AES_128_GCM:
		return EVP_aes_128_gcm();
	case SGW_AEAD_AES_256_GCM:
		return EVP_aes_256_gcm();
	case SGW_AEAD_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	}
	return NULL;
}

static EVP_CIPHER_CTX *ctx_of(struct sgw_aead *a)
{
	return aead_container(a, struct evp_aead, base)->ctx;
}

/* IV and direction for one record; aad may be empty. */
static bool start(EVP_CIPHER_CTX *ctx, const uint8_t *iv, enum evp_dir dir,
		  const uint8_t *aad, size_t aad_len)
{
	int outl;

	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, (int)dir) != 1)
		return false;
	if (aad_len == 0)
		return true;
	return EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) == 1;
}

/* In place; AEAD ciphers in EVP are streaming, so outl == len. */
static bool update(EVP_CIPHER_CTX *ctx, uint8_t *buf, size_t len)
{
	int outl = 0;

	if (len == 0)
		return true;
	return EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) == 1 &&
	       (size_t)outl == len;
}

static bool update_sgl(EVP_CIPHER_CTX *ctx, const struct sgw_iov *seg,
		       unsigned nseg)
{
	for (unsigned i = 0; i < nseg; i++)
		if (!update(ctx, seg[i].base, seg[i].len))
			return false;
	return true;
}

/* Out of place: each piece is written at its offset in dst. */
static bool update_to(EVP_CIPHER_CTX *ctx, const struct sgw_iov *src,
		      unsigned nsrc, uint8_t *dst)
{
	for (unsigned i = 0; i < nsrc; i++) {
		int outl = 0;

		if (src[i].len == 0)
			continue;
		if (EVP_CipherUpdate(ctx, dst, &outl, src[i].base, (int)src[i].len) != 1 ||
		    (size_t)outl != src[i].len)
			return false;
		dst += src[i].len;
	}
	return true;
}

static bool finish_seal(EVP_CIPHER_CTX *ctx, uint8_t *tag)
{
	int outl = 0;
	uint8_t dummy[16];

	return EVP_CipherFinal_ex(ctx, dummy, &outl) == 1 && outl == 0 &&
	       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
				   SGW_AEAD_TAG_LEN, tag) == 1;
}

/* The tag is copied because the ctrl interface takes a non-const pointer. */
static bool finish_open(EVP_CIPHER_CTX *ctx, const uint8_t *tag)
{
	int outl = 0;
	uint8_t t[SGW_AEAD_TAG_LEN], dummy[16];

	memcpy(t, tag, sizeof(t));
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sizeof(t), t) != 1)
		return false;
	return EVP_CipherFinal_ex(ctx, dummy, &outl) == 1 && outl == 0;
}

/* Hot path: the error queue is cleared after a failure (a forged record
 * must not leave entries for the next SSL_* caller), not before each call. */
static bool failed(void)
{
	ERR_clear_error();
	return false;
}

static int evp_seal(struct sgw_aead *a, const uint8_t *iv, const uint8_t *aad,
		    size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = ctx_of(a);

	if (!start(ctx, iv, EVP_DIR_SEAL, aad, aad_len) ||
	    !update(ctx, buf, len) || !finish_seal(ctx, tag))
		goto err;
	return 0;
err:
	failed();
	return -EIO;
}

static bool evp_open(struct sgw_aead *a, const uint8_t *iv, const uint8_t *aad,
		     size_t aad_len, uint8_t *buf, size_t len,
		     const uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = ctx_of(a);

	if (start(ctx, iv, EVP_DIR_OPEN, aad, aad_len) &&
	    update(ctx, buf, len) && finish_open(ctx, tag))
		return true;
	return failed();
}

static int evp_seal_sgl(struct sgw_aead *a, const uint8_t *iv,
			const uint8_t *aad, size_t aad_len,
			const struct sgw_iov *seg, unsigned nseg, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = ctx_of(a);

	if (!start(ctx, iv, EVP_DIR_SEAL, aad, aad_len) ||
	    !update_sgl(ctx, seg, nseg) || !finish_seal(ctx, tag))
		goto err;
	return 0;
err:
	failed();
	return -EIO;
}

static bool evp_open_sgl(struct sgw_aead *a, const uint8_t *iv,
			 const uint8_t *aad, size_t aad_len,
			 const struct sgw_iov *seg, unsigned nseg,
			 const uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = ctx_of(a);

	if (start(ctx, iv, EVP_DIR_OPEN, aad, aad_len) &&
	    update_sgl(ctx, seg, nseg) && finish_open(ctx, tag))
		return true;
	return failed();
}

static int evp_seal_to(struct sgw_aead *a, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       const struct sgw_iov *src, unsigned nsrc, uint8_t *dst,
		       uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = ctx_of(a);

	if (start(ctx, iv, EVP_DIR_SEAL, aad, aad_len) &&
	    update_to(ctx, src, nsrc, dst) && finish_seal(ctx, tag))
		return 0;
	failed();
	return -EIO;
}

static bool evp_open_to(struct sgw_aead *a, const uint8_t *iv,
			const uint8_t *aad, size_t aad_len,
			const struct sgw_iov *src, unsigned nsrc, uint8_t *dst,
			const uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = ctx_of(a);

	if (start(ctx, iv, EVP_DIR_OPEN, aad, aad_len) &&
	    update_to(ctx, src, nsrc, dst) && finish_open(ctx, tag))
		return true;
	return failed();
}

static int evp_rekey(struct sgw_aead *a, const uint8_t *key)
{
	ERR_clear_error();
	if (EVP_CipherInit_ex(ctx_of(a), NULL, NULL, key, NULL, -1) != 1)
		return -EIO;
	return 0;
}

/* EVP_CIPHER_CTX_free cleanses the key schedule. */
static void evp_destroy(struct sgw_aead *a)
{
	struct evp_aead *e = aead_container(a, struct evp_aead, base);

	EVP_CIPHER_CTX_free(e->ctx);
	free(e);
}

static const struct sgw_aead_ops evp_ops = {
	.seal = evp_seal,
	.open = evp_open,
	.seal_sgl = evp_seal_sgl,
	.open_sgl = evp_open_sgl,
	.seal_to = evp_seal_to,
	.open_to = evp_open_to,
	.rekey = evp_rekey,
	.destroy = evp_destroy,
};

static bool evp_available(enum sgw_aead_alg alg)
{
	return evp_cipher(alg) != NULL;
}

static struct sgw_aead *evp_create(enum sgw_aead_alg alg, const uint8_t *key)
{
	struct evp_aead *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->base.ops = &evp_ops;
	e->base.alg = alg;
	e->ctx = EVP_CIPHER_CTX_new();
	if (e->ctx == NULL)
		goto err_free;
	ERR_clear_error();
	/* 12-byte IV is the default for all three ciphers (RFC 5116 3.2). */
	if (EVP_CipherInit_ex(e->ctx, evp_cipher(alg), NULL, key, NULL, 1) != 1)
		goto err_ctx;
	return &e->base;

err_ctx:
	EVP_CIPHER_CTX_free(e->ctx);
err_free:
	free(e);
	return NULL;
}

const struct sgw_aead_backend_ops sgw_aead_evp_backend = {
	.name = "evp",
	.available = evp_available,
	.create = evp_create,
};
