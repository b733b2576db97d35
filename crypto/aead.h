/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD behind a backend interface: one struct sgw_aead holds one key for one
 * direction. Backends: OpenSSL EVP (always), intel-ipsec-mb (direct API,
 * when built with it), DPDK cryptodev CPU crypto. All pass the same vectors
 * (tests/test_aead.c).
 *
 * Threading: an sgw_aead is used by one lcore at a time. create/destroy
 * allocate and are called at session setup/teardown, never per packet;
 * seal/open never allocate.
 */
#ifndef SGW_CRYPTO_AEAD_H
#define SGW_CRYPTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sgw_aead_alg {
	SGW_AEAD_AES_128_GCM,
	SGW_AEAD_AES_256_GCM,
	SGW_AEAD_CHACHA20_POLY1305,
};

enum sgw_aead_backend {
	SGW_AEAD_BACKEND_EVP,
	SGW_AEAD_BACKEND_IPSEC_MB,
	/* DPDK cryptodev CPU crypto (AES-GCM; needs EAL and a
	 * crypto_aesni_gcm vdev): see crypto/aead_cryptodev.c. */
	SGW_AEAD_BACKEND_CRYPTODEV,
};

/* One contiguous piece of a scatter-gather buffer (an mbuf segment). */
struct sgw_iov {
	uint8_t *base;
	size_t len;
};

struct sgw_aead;

/* True if this build has the backend and it supports alg on this CPU. */
bool sgw_aead_backend_available(enum sgw_aead_backend b, enum sgw_aead_alg alg);
const char *sgw_aead_backend_name(enum sgw_aead_backend b);
const char *sgw_aead_alg_name(enum sgw_aead_alg alg);
size_t sgw_aead_key_len(enum sgw_aead_alg alg);

/* Returns NULL if the backend is unavailable, key_len is wrong, or memory
 * ran out. The key is copied (expanded); the caller may wipe its copy. */
__attribute__((warn_unused_result))
struct sgw_aead *sgw_aead_create(enum sgw_aead_backend b, enum sgw_aead_alg alg,
				 const uint8_t *key, size_t key_len);
/* Wipes the expanded key and frees; NULL is a no-op. */
void sgw_aead_destroy(struct sgw_aead *a);

/* In-place encrypt len bytes at buf, write the 16-byte tag. iv is 12 bytes.
 * Returns 0 or -EINVAL (lengths the backend cannot take). */
__attribute__((warn_unused_result))
int sgw_aead_seal(struct sgw_aead *a, const uint8_t iv[12],
		  const uint8_t *aad, size_t aad_len,
		  uint8_t *buf, size_t len, uint8_t tag[16]);

/* In-place decrypt and verify. Returns true only if the tag verified; on
 * false, buf holds garbage and must be dropped. */
__attribute__((warn_unused_result))
bool sgw_aead_open(struct sgw_aead *a, const uint8_t iv[12],
		   const uint8_t *aad, size_t aad_len,
		   uint8_t *buf, size_t len, const uint8_t tag[16]);

/* The same over a segment list (an mbuf chain), still in place and without
 * linearising. Segments of length 0 are allowed. */
__attribute__((warn_unused_result))
int sgw_aead_seal_sgl(struct sgw_aead *a, const uint8_t iv[12],
		      const uint8_t *aad, size_t aad_len,
		      const struct sgw_iov *seg, unsigned nseg, uint8_t tag[16]);
__attribute__((warn_unused_result))
bool sgw_aead_open_sgl(struct sgw_aead *a, const uint8_t iv[12],
		       const uint8_t *aad, size_t aad_len,
		       const struct sgw_iov *seg, unsigned nseg,
		       const uint8_t tag[16]);

/*
 * Out of place, one pass over the bytes: this is how a record is opened
 * from the TCP segments it straddles into the inner packet's buffer, and
 * how an inner packet is sealed into the output without a copy first.
 * dst must not overlap src, with one exception: a piece may lie exactly at
 * its own offset in dst (then that piece is processed in place, as the
 * in-place record layer does with its single piece).
 */

/* Decrypt the ciphertext pieces src[0..nsrc) (pieces of length 0 allowed)
 * into the contiguous dst (their total length), verify the tag. Returns
 * true only if the tag verified; on false dst holds garbage. */
__attribute__((warn_unused_result))
bool sgw_aead_open_to(struct sgw_aead *a, const uint8_t iv[12],
		      const uint8_t *aad, size_t aad_len,
		      const struct sgw_iov *src, unsigned nsrc,
		      uint8_t *dst, const uint8_t tag[16]);
/* Encrypt the plaintext pieces into the contiguous dst, write the tag.
 * Returns 0, -EINVAL (lengths the backend cannot take) or -EIO. */
__attribute__((warn_unused_result))
int sgw_aead_seal_to(struct sgw_aead *a, const uint8_t iv[12],
		     const uint8_t *aad, size_t aad_len,
		     const struct sgw_iov *src, unsigned nsrc,
		     uint8_t *dst, uint8_t tag[16]);

#ifdef __cplusplus
}
#endif
#endif
