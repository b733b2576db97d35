/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * crypto/-private: the AEAD backend interface. aead.c picks a backend at
 * create time; the backend returns an object whose ops table already fits
 * the algorithm (lib/ipsec pkt_func style), so a seal or open is one
 * indirect call with no switch on backend or algorithm.
 *
 * A backend object embeds struct sgw_aead (anywhere; use aead_container())
 * and must not allocate in seal/open.
 */
#ifndef SGW_CRYPTO_AEAD_INTERNAL_H
#define SGW_CRYPTO_AEAD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	SGW_AEAD_TAG_LEN = 16,
	/* EVP takes int lengths; nothing we carry comes near this. */
	SGW_AEAD_MAX_LEN = 0x7fffffff,
};

/* Per-object operations; lengths were checked by aead.c. */
struct sgw_aead_ops {
	int (*seal)(struct sgw_aead *a, const uint8_t *iv, const uint8_t *aad,
		    size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag);
	bool (*open)(struct sgw_aead *a, const uint8_t *iv, const uint8_t *aad,
		     size_t aad_len, uint8_t *buf, size_t len,
		     const uint8_t *tag);
	int (*seal_sgl)(struct sgw_aead *a, const uint8_t *iv,
			const uint8_t *aad, size_t aad_len,
			const struct sgw_iov *seg, unsigned nseg, uint8_t *tag);
	bool (*open_sgl)(struct sgw_aead *a, const uint8_t *iv,
			 const uint8_t *aad, size_t aad_len,
			 const struct sgw_iov *seg, unsigned nseg,
			 const uint8_t *tag);
	/* Out of place from a segment list into contiguous dst (NULL: aead.c
	 * gathers into dst and runs the in-place op). */
	int (*seal_to)(struct sgw_aead *a, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       const struct sgw_iov *src, unsigned nsrc, uint8_t *dst,
		       uint8_t *tag);
	bool (*open_to)(struct sgw_aead *a, const uint8_t *iv,
			const uint8_t *aad, size_t aad_len,
			const struct sgw_iov *src, unsigned nsrc, uint8_t *dst,
			const uint8_t *tag);
	/* Replace the key in place (TLS 1.3 KeyUpdate): no allocation. */
	int (*rekey)(struct sgw_aead *a, const uint8_t *key);
	/* Wipe and free the whole backend object. */
	void (*destroy)(struct sgw_aead *a);
};

struct sgw_aead {
	const struct sgw_aead_ops *ops;
	enum sgw_aead_alg alg;
};

/* One backend: available() is cheap and may be called often; create()
 * receives a key of exactly sgw_aead_key_len(alg) bytes. */
struct sgw_aead_backend_ops {
	const char *name;
	bool (*available)(enum sgw_aead_alg alg);
	struct sgw_aead *(*create)(enum sgw_aead_alg alg, const uint8_t *key);
};

extern const struct sgw_aead_backend_ops sgw_aead_evp_backend;
#ifdef SGW_HAVE_IPSEC_MB
extern const struct sgw_aead_backend_ops sgw_aead_ipsecmb_backend;
#endif
#ifdef SGW_HAVE_CRYPTODEV
extern const struct sgw_aead_backend_ops sgw_aead_cryptodev_backend;
#endif

#define aead_container(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* crypto/-internal: new key of sgw_aead_key_len(a->alg) bytes for the same
 * algorithm, for TLS 1.3 KeyUpdate (RFC 8446 4.6.3) without a malloc on the
 * worker. Returns 0 or -EINVAL/-EIO; on error the object must be destroyed. */
__attribute__((warn_unused_result))
int sgw_aead_rekey(struct sgw_aead *a, const uint8_t *key, size_t key_len);

#ifdef __cplusplus
}
#endif
#endif
