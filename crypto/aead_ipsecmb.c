/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * intel-ipsec-mb AEAD backend (direct API, v1.3): AES-GCM through
 * IMB_AES{128,256}_GCM_{ENC,DEC} (contiguous) and INIT/UPDATE/FINALIZE
 * (segment lists, and segment list in, contiguous buffer out);
 * ChaCha20-Poly1305 through the chacha20_poly1305 init/update/finalize
 * direct API for all three shapes.
 *
 * The IMB_MGR: one per process, set up once (pthread_once). Only its
 * direct-API function pointers are used, and those are read-only after
 * init_mb_mgr_auto() and keep no state in the manager (all state lives in
 * the caller's key and context structs). The job API, which does mutate the
 * manager and would need one per lcore, is never used here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include "crypto/aead_internal.h"

enum {
	MB_ALIGN = 64, /* gcm_key_data must be 64-byte aligned */
	CHACHA_KEY_LEN = 32,
};

struct mb_aead {
	_Alignas(MB_ALIGN) union {
		struct gcm_key_data gcm;
		uint8_t chacha[CHACHA_KEY_LEN];
	} key;
	struct sgw_aead base;
};

static IMB_MGR *mgr;
static pthread_once_t mgr_once = PTHREAD_ONCE_INIT;

static void mgr_init(void)
{
	IMB_MGR *m = alloc_mb_mgr(0);

	if (m == NULL)
		return;
	init_mb_mgr_auto(m, NULL);
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return;
	}
	mgr = m;
}

static IMB_MGR *mgr_get(void)
{
	(void)pthread_once(&mgr_once, mgr_init);
	return mgr;
}

static struct mb_aead *mb_of(struct sgw_aead *a)
{
	return aead_container(a, struct mb_aead, base);
}

/* The library checks for NULL even when a length is 0; with a length of 0
 * nothing is read from or written to these. */
static const uint8_t empty_ro[1];
static uint8_t empty_rw[1];

static const uint8_t *nz(const uint8_t *p)
{
	return p != NULL ? p : empty_ro;
}

static uint8_t *nzw(uint8_t *p)
{
	return p != NULL ? p : empty_rw;
}

/*
 * One-shot and segment-list bodies per algorithm, generated for 128/256 so
 * each ops table calls its macros directly. The per-call context on the
 * stack holds only state for a nonce that is consumed by this call; it is
 * not wiped (doing so per packet would cost more than the GHASH of a small
 * record and protects nothing the sequence number does not already).
 */
#define MB_GCM_OPS(BITS)                                                      \
static int gcm##BITS##_seal(struct sgw_aead *a, const uint8_t *iv,           \
			    const uint8_t *aad, size_t aad_len, uint8_t *buf, \
			    size_t len, uint8_t *tag)                         \
{                                                                             \
	struct gcm_context_data ctx;                                          \
	uint8_t *p = nzw(buf);                                 \
									      \
	IMB_AES##BITS##_GCM_ENC(mgr, &mb_of(a)->key.gcm, &ctx, p, p, len, iv, \
				nz(aad), aad_len, tag, SGW_AEAD_TAG_LEN);     \
	return 0;                                                             \
}                                                                             \
static bool gcm##BITS##_open(struct sgw_aead *a, const uint8_t *iv,          \
			     const uint8_t *aad, size_t aad_len,              \
			     uint8_t *buf, size_t len, const uint8_t *tag)    \
{                                                                             \
	struct gcm_context_data ctx;                                          \
	uint8_t t[SGW_AEAD_TAG_LEN];                                          \
	uint8_t *p = nzw(buf);                                 \
									      \
	IMB_AES##BITS##_GCM_DEC(mgr, &mb_of(a)->key.gcm, &ctx, p, p, len, iv, \
				nz(aad), aad_len, t, sizeof(t));              \
	return CRYPTO_memcmp(t, tag, sizeof(t)) == 0;                         \
}                                                                             \
static int gcm##BITS##_seal_sgl(struct sgw_aead *a, const uint8_t *iv,       \
				const uint8_t *aad, size_t aad_len,           \
				const struct sgw_iov *seg, unsigned nseg,     \
				uint8_t *tag)                                 \
{                                                                             \
	const struct gcm_key_data *k = &mb_of(a)->key.gcm;                    \
	struct gcm_context_data ctx;                                          \
									      \
	IMB_AES##BITS##_GCM_INIT(mgr, k, &ctx, iv, nz(aad), aad_len);         \
	for (unsigned i = 0; i < nseg; i++)                                   \
		if (seg[i].len != 0)                                          \
			IMB_AES##BITS##_GCM_ENC_UPDATE(mgr, k, &ctx,          \
				seg[i].base, seg[i].base, seg[i].len);        \
	IMB_AES##BITS##_GCM_ENC_FINALIZE(mgr, k, &ctx, tag, SGW_AEAD_TAG_LEN);\
	return 0;                                                             \
}                                                                             \
static bool gcm##BITS##_open_sgl(struct sgw_aead *a, const uint8_t *iv,      \
				 const uint8_t *aad, size_t aad_len,          \
				 const struct sgw_iov *seg, unsigned nseg,    \
				 const uint8_t *tag)                          \
{                                                                             \
	const struct gcm_key_data *k = &mb_of(a)->key.gcm;                    \
	struct gcm_context_data ctx;                                          \
	uint8_t t[SGW_AEAD_TAG_LEN];                                          \
									      \
	IMB_AES##BITS##_GCM_INIT(mgr, k, &ctx, iv, nz(aad), aad_len);         \
	for (unsigned i = 0; i < nseg; i++)                                   \
		if (seg[i].len != 0)                                          \
			IMB_AES##BITS##_GCM_DEC_UPDATE(mgr, k, &ctx,          \
				seg[i].base, seg[i].base, seg[i].len);        \
	IMB_AES##BITS##_GCM_DEC_FINALIZE(mgr, k, &ctx, t, sizeof(t));         \
	return CRYPTO_memcmp(t, tag, sizeof(t)) == 0;                         \
}                                                                             \
static int gcm##BITS##_seal_to(struct sgw_aead *a, const uint8_t *iv,        \
			       const uint8_t *aad, size_t aad_len,            \
			       const struct sgw_iov *src, unsigned nsrc,      \
			       uint8_t *dst, uint8_t *tag)                    \
{                                                                             \
	const struct gcm_key_data *k = &mb_of(a)->key.gcm;                    \
	struct gcm_context_data ctx;                                          \
									      \
	if (nsrc == 1) { /* one piece: the one-shot call, out of place */     \
		IMB_AES##BITS##_GCM_ENC(mgr, k, &ctx, dst, nz(src[0].base),   \
					src[0].len, iv, nz(aad), aad_len,     \
					tag, SGW_AEAD_TAG_LEN);               \
		return 0;                                                     \
	}                                                                     \
	IMB_AES##BITS##_GCM_INIT(mgr, k, &ctx, iv, nz(aad), aad_len);         \
	for (unsigned i = 0; i < nsrc; dst += src[i].len, i++)                \
		if (src[i].len != 0)                                          \
			IMB_AES##BITS##_GCM_ENC_UPDATE(mgr, k, &ctx,          \
				dst, src[i].base, src[i].len);                \
	IMB_AES##BITS##_GCM_ENC_FINALIZE(mgr, k, &ctx, tag, SGW_AEAD_TAG_LEN);\
	return 0;                                                             \
}                                                                             \
static bool gcm##BITS##_open_to(struct sgw_aead *a, const uint8_t *iv,       \
				const uint8_t *aad, size_t aad_len,           \
				const struct sgw_iov *src, unsigned nsrc,     \
				uint8_t *dst, const uint8_t *tag)             \
{                                                                             \
	const struct gcm_key_data *k = &mb_of(a)->key.gcm;                    \
	struct gcm_context_data ctx;                                          \
	uint8_t t[SGW_AEAD_TAG_LEN];                                          \
									      \
	if (nsrc == 1) {                                                      \
		IMB_AES##BITS##_GCM_DEC(mgr, k, &ctx, dst, nz(src[0].base),   \
					src[0].len, iv, nz(aad), aad_len,     \
					t, sizeof(t));                        \
		return CRYPTO_memcmp(t, tag, sizeof(t)) == 0;                 \
	}                                                                     \
	IMB_AES##BITS##_GCM_INIT(mgr, k, &ctx, iv, nz(aad), aad_len);         \
	for (unsigned i = 0; i < nsrc; dst += src[i].len, i++)                \
		if (src[i].len != 0)                                          \
			IMB_AES##BITS##_GCM_DEC_UPDATE(mgr, k, &ctx,          \
				dst, src[i].base, src[i].len);                \
	IMB_AES##BITS##_GCM_DEC_FINALIZE(mgr, k, &ctx, t, sizeof(t));         \
	return CRYPTO_memcmp(t, tag, sizeof(t)) == 0;                         \
}                                                                             \
static int gcm##BITS##_rekey(struct sgw_aead *a, const uint8_t *key)         \
{                                                                             \
	IMB_AES##BITS##_GCM_PRE(mgr, key, &mb_of(a)->key.gcm);                \
	return 0;                                                             \
}

MB_GCM_OPS(128)
MB_GCM_OPS(256)

static void chacha_start(struct sgw_aead *a,
			 struct chacha20_poly1305_context_data *ctx,
			 const uint8_t *iv, const uint8_t *aad, size_t aad_len)
{
	IMB_CHACHA20_POLY1305_INIT(mgr, mb_of(a)->key.chacha, ctx, iv,
				   nz(aad), aad_len);
}

/* dst == src for in place; otherwise they must not overlap. */
static void chacha_enc(struct sgw_aead *a,
		       struct chacha20_poly1305_context_data *ctx,
		       uint8_t *dst, const uint8_t *src, size_t len)
{
	if (len != 0)
		IMB_CHACHA20_POLY1305_ENC_UPDATE(mgr, mb_of(a)->key.chacha,
						 ctx, dst, src, len);
}

static void chacha_dec(struct sgw_aead *a,
		       struct chacha20_poly1305_context_data *ctx,
		       uint8_t *dst, const uint8_t *src, size_t len)
{
	if (len != 0)
		IMB_CHACHA20_POLY1305_DEC_UPDATE(mgr, mb_of(a)->key.chacha,
						 ctx, dst, src, len);
}

static bool chacha_check(struct chacha20_poly1305_context_data *ctx,
			 const uint8_t *tag)
{
	uint8_t t[SGW_AEAD_TAG_LEN];

	IMB_CHACHA20_POLY1305_DEC_FINALIZE(mgr, ctx, t, sizeof(t));
	return CRYPTO_memcmp(t, tag, sizeof(t)) == 0;
}

static int chacha_seal(struct sgw_aead *a, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len, uint8_t *buf,
		       size_t len, uint8_t *tag)
{
	struct chacha20_poly1305_context_data ctx;

	chacha_start(a, &ctx, iv, aad, aad_len);
	chacha_enc(a, &ctx, buf, buf, len);
	IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, &ctx, tag, SGW_AEAD_TAG_LEN);
	return 0;
}

static bool chacha_open(struct sgw_aead *a, const uint8_t *iv,
			const uint8_t *aad, size_t aad_len, uint8_t *buf,
			size_t len, const uint8_t *tag)
{
	struct chacha20_poly1305_context_data ctx;

	chacha_start(a, &ctx, iv, aad, aad_len);
	chacha_dec(a, &ctx, buf, buf, len);
	return chacha_check(&ctx, tag);
}

static int chacha_seal_sgl(struct sgw_aead *a, const uint8_t *iv,
			   const uint8_t *aad, size_t aad_len,
			   const struct sgw_iov *seg, unsigned nseg,
			   uint8_t *tag)
{
	struct chacha20_poly1305_context_data ctx;

	chacha_start(a, &ctx, iv, aad, aad_len);
	for (unsigned i = 0; i < nseg; i++)
		chacha_enc(a, &ctx, seg[i].base, seg[i].base, seg[i].len);
	IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, &ctx, tag, SGW_AEAD_TAG_LEN);
	return 0;
}

static bool chacha_open_sgl(struct sgw_aead *a, const uint8_t *iv,
			    const uint8_t *aad, size_t aad_len,
			    const struct sgw_iov *seg, unsigned nseg,
			    const uint8_t *tag)
{
	struct chacha20_poly1305_context_data ctx;

	chacha_start(a, &ctx, iv, aad, aad_len);
	for (unsigned i = 0; i < nseg; i++)
		chacha_dec(a, &ctx, seg[i].base, seg[i].base, seg[i].len);
	return chacha_check(&ctx, tag);
}

/* Out of place: piece i lands at its offset in dst, one pass. */
static int chacha_seal_to(struct sgw_aead *a, const uint8_t *iv,
			  const uint8_t *aad, size_t aad_len,
			  const struct sgw_iov *src, unsigned nsrc,
			  uint8_t *dst, uint8_t *tag)
{
	struct chacha20_poly1305_context_data ctx;

	chacha_start(a, &ctx, iv, aad, aad_len);
	for (unsigned i = 0; i < nsrc; dst += src[i].len, i++)
		chacha_enc(a, &ctx, dst, src[i].base, src[i].len);
	IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, &ctx, tag, SGW_AEAD_TAG_LEN);
	return 0;
}

static bool chacha_open_to(struct sgw_aead *a, const uint8_t *iv,
			   const uint8_t *aad, size_t aad_len,
			   const struct sgw_iov *src, unsigned nsrc,
			   uint8_t *dst, const uint8_t *tag)
{
	struct chacha20_poly1305_context_data ctx;

	chacha_start(a, &ctx, iv, aad, aad_len);
	for (unsigned i = 0; i < nsrc; dst += src[i].len, i++)
		chacha_dec(a, &ctx, dst, src[i].base, src[i].len);
	return chacha_check(&ctx, tag);
}

static int chacha_rekey(struct sgw_aead *a, const uint8_t *key)
{
	memcpy(mb_of(a)->key.chacha, key, CHACHA_KEY_LEN);
	return 0;
}

static void mb_destroy(struct sgw_aead *a)
{
	struct mb_aead *m = mb_of(a);

	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
}

static const struct sgw_aead_ops gcm128_ops = {
	.seal = gcm128_seal,
	.open = gcm128_open,
	.seal_sgl = gcm128_seal_sgl,
	.open_sgl = gcm128_open_sgl,
	.seal_to = gcm128_seal_to,
	.open_to = gcm128_open_to,
	.rekey = gcm128_rekey,
	.destroy = mb_destroy,
};

static const struct sgw_aead_ops gcm256_ops = {
	.seal = gcm256_seal,
	.open = gcm256_open,
	.seal_sgl = gcm256_seal_sgl,
	.open_sgl = gcm256_open_sgl,
	.seal_to = gcm256_seal_to,
	.open_to = gcm256_open_to,
	.rekey = gcm256_rekey,
	.destroy = mb_destroy,
};

static const struct sgw_aead_ops chacha_ops = {
	.seal = chacha_seal,
	.open = chacha_open,
	.seal_sgl = chacha_seal_sgl,
	.open_sgl = chacha_open_sgl,
	.seal_to = chacha_seal_to,
	.open_to = chacha_open_to,
	.rekey = chacha_rekey,
	.destroy = mb_destroy,
};

static const struct sgw_aead_ops *const mb_ops[] = {
	[SGW_AEAD_AES_128_GCM] = &gcm128_ops,
	[SGW_AEAD_AES_256_GCM] = &gcm256_ops,
	[SGW_AEAD_CHACHA20_POLY1305] = &chacha_ops,
};

static bool mb_available(enum sgw_aead_alg alg)
{
	return mgr_get() != NULL &&
	       (unsigned)alg < sizeof(mb_ops) / sizeof(mb_ops[0]);
}

static struct sgw_aead *mb_create(enum sgw_aead_alg alg, const uint8_t *key)
{
	/* aligned_alloc wants a multiple of the alignment; sizeof is one. */
	struct mb_aead *m = aligned_alloc(MB_ALIGN, sizeof(*m));

	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->base.ops = mb_ops[alg];
	m->base.alg = alg;
	if (m->base.ops->rekey(&m->base, key) != 0) {
		mb_destroy(&m->base);
		return NULL;
	}
	return &m->base;
}

const struct sgw_aead_backend_ops sgw_aead_ipsecmb_backend = {
	.name = "ipsec-mb",
	.available = mb_available,
	.create = mb_create,
};
