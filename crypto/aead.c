/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD front end: validates arguments once, then hands over to the ops table
 * the backend chose at create time (see aead_internal.h).
 */
#include "crypto/aead.h"

#include <errno.h>
#include <string.h>

#include "crypto/aead_internal.h"

static const struct sgw_aead_backend_ops *const backends[] = {
	[SGW_AEAD_BACKEND_EVP] = &sgw_aead_evp_backend,
#ifdef SGW_HAVE_IPSEC_MB
	[SGW_AEAD_BACKEND_IPSEC_MB] = &sgw_aead_ipsecmb_backend,
#endif
#ifdef SGW_HAVE_CRYPTODEV
	[SGW_AEAD_BACKEND_CRYPTODEV] = &sgw_aead_cryptodev_backend,
#endif
};

static const char *const alg_names[] = {
	[SGW_AEAD_AES_128_GCM] = "aes-128-gcm",
	[SGW_AEAD_AES_256_GCM] = "aes-256-gcm",
	[SGW_AEAD_CHACHA20_POLY1305] = "chacha20-poly1305",
};

static const uint8_t key_lens[] = {
	[SGW_AEAD_AES_128_GCM] = 16,
	[SGW_AEAD_AES_256_GCM] = 32,
	[SGW_AEAD_CHACHA20_POLY1305] = 32,
};

static const struct sgw_aead_backend_ops *backend(enum sgw_aead_backend b)
{
	if ((unsigned)b >= sizeof(backends) / sizeof(backends[0]))
		return NULL;
	return backends[b];
}

static bool alg_valid(enum sgw_aead_alg alg)
{
	return (unsigned)alg < sizeof(key_lens) / sizeof(key_lens[0]);
}

bool sgw_aead_backend_available(enum sgw_aead_backend b, enum sgw_aead_alg alg)
{
	const struct sgw_aead_backend_ops *be = backend(b);

	return be != NULL && alg_valid(alg) && be->available(alg);
}

const char *sgw_aead_backend_name(enum sgw_aead_backend b)
{
	if (b == SGW_AEAD_BACKEND_EVP)
		return "evp";
	if (b == SGW_AEAD_BACKEND_IPSEC_MB)
		return "ipsec-mb";
	if (b == SGW_AEAD_BACKEND_CRYPTODEV)
		return "cryptodev";
	return "unknown";
}

const char *sgw_aead_alg_name(enum sgw_aead_alg alg)
{
	return alg_valid(alg) ? alg_names[alg] : "unknown";
}

size_t sgw_aead_key_len(enum sgw_aead_alg alg)
{
	return alg_valid(alg) ? key_lens[alg] : 0;
}

struct sgw_aead *sgw_aead_create(enum sgw_aead_backend b, enum sgw_aead_alg alg,
				 const uint8_t *key, size_t key_len)
{
	if (key == NULL || !sgw_aead_backend_available(b, alg) ||
	    key_len != sgw_aead_key_len(alg))
		return NULL;
	return backend(b)->create(alg, key);
}

void sgw_aead_destroy(struct sgw_aead *a)
{
	if (a != NULL)
		a->ops->destroy(a);
}

int sgw_aead_rekey(struct sgw_aead *a, const uint8_t *key, size_t key_len)
{
	if (a == NULL || key == NULL || key_len != sgw_aead_key_len(a->alg))
		return -EINVAL;
	return a->ops->rekey(a, key);
}

/* NULL is fine for a zero length; lengths must fit the EVP int. */
static bool span_ok(const uint8_t *p, size_t len)
{
	return len <= SGW_AEAD_MAX_LEN && (p != NULL || len == 0);
}

/* A chain's total must fit too; bounded by nseg. */
static bool sgl_ok(const struct sgw_iov *seg, unsigned nseg)
{
	size_t total = 0;

	if (seg == NULL && nseg != 0)
		return false;
	for (unsigned i = 0; i < nseg; i++) {
		if (!span_ok(seg[i].base, seg[i].len))
			return false;
		total += seg[i].len;
		if (total > SGW_AEAD_MAX_LEN)
			return false;
	}
	return true;
}

int sgw_aead_seal(struct sgw_aead *a, const uint8_t iv[12],
		  const uint8_t *aad, size_t aad_len,
		  uint8_t *buf, size_t len, uint8_t tag[16])
{
	if (a == NULL || iv == NULL || tag == NULL || !span_ok(aad, aad_len) ||
	    !span_ok(buf, len))
		return -EINVAL;
	return a->ops->seal(a, iv, aad, aad_len, buf, len, tag);
}

bool sgw_aead_open(struct sgw_aead *a, const uint8_t iv[12],
		   const uint8_t *aad, size_t aad_len,
		   uint8_t *buf, size_t len, const uint8_t tag[16])
{
	if (a == NULL || iv == NULL || tag == NULL || !span_ok(aad, aad_len) ||
	    !span_ok(buf, len))
		return false;
	return a->ops->open(a, iv, aad, aad_len, buf, len, tag);
}

int sgw_aead_seal_sgl(struct sgw_aead *a, const uint8_t iv[12],
		      const uint8_t *aad, size_t aad_len,
		      const struct sgw_iov *seg, unsigned nseg, uint8_t tag[16])
{
	if (a == NULL || iv == NULL || tag == NULL || !span_ok(aad, aad_len) ||
	    !sgl_ok(seg, nseg))
		return -EINVAL;
	return a->ops->seal_sgl(a, iv, aad, aad_len, seg, nseg, tag);
}

bool sgw_aead_open_sgl(struct sgw_aead *a, const uint8_t iv[12],
		       const uint8_t *aad, size_t aad_len,
		       const struct sgw_iov *seg, unsigned nseg,
		       const uint8_t tag[16])
{
	if (a == NULL || iv == NULL || tag == NULL || !span_ok(aad, aad_len) ||
	    !sgl_ok(seg, nseg))
		return false;
	return a->ops->open_sgl(a, iv, aad, aad_len, seg, nseg, tag);
}

/* The bounded fallback for a backend without its own out-of-place path
 * (cryptodev CPU crypto): copy the pieces into dst, then run the in-place
 * op there. Bounded by nsrc, no allocation. memmove: a piece may already
 * sit at its own place in dst (the in-place record layer does that). */
static size_t gather(const struct sgw_iov *src, unsigned nsrc, uint8_t *dst)
{
	size_t off = 0;

	for (unsigned i = 0; i < nsrc; i++) {
		if (src[i].len != 0)
			memmove(dst + off, src[i].base, src[i].len);
		off += src[i].len;
	}
	return off;
}

int sgw_aead_seal_to(struct sgw_aead *a, const uint8_t iv[12],
		     const uint8_t *aad, size_t aad_len,
		     const struct sgw_iov *src, unsigned nsrc,
		     uint8_t *dst, uint8_t tag[16])
{
	if (a == NULL || iv == NULL || tag == NULL || dst == NULL ||
	    !span_ok(aad, aad_len) || !sgl_ok(src, nsrc))
		return -EINVAL;
	if (a->ops->seal_to != NULL)
		return a->ops->seal_to(a, iv, aad, aad_len, src, nsrc, dst, tag);
	return a->ops->seal(a, iv, aad, aad_len, dst, gather(src, nsrc, dst), tag);
}

bool sgw_aead_open_to(struct sgw_aead *a, const uint8_t iv[12],
		      const uint8_t *aad, size_t aad_len,
		      const struct sgw_iov *src, unsigned nsrc,
		      uint8_t *dst, const uint8_t tag[16])
{
	if (a == NULL || iv == NULL || tag == NULL || dst == NULL ||
	    !span_ok(aad, aad_len) || !sgl_ok(src, nsrc))
		return false;
	if (a->ops->open_to != NULL)
		return a->ops->open_to(a, iv, aad, aad_len, src, nsrc, dst, tag);
	return a->ops->open(a, iv, aad, aad_len, dst, gather(src, nsrc, dst), tag);
}
