/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS key derivations the record layer needs once OpenSSL is gone:
 * RFC 8446 7.1/7.3 (HKDF-Expand-Label, traffic keys, KeyUpdate) and
 * RFC 5246 6.3 (TLS 1.2 key block from the master secret).
 */
#ifndef SGW_CRYPTO_TLS_KDF_H
#define SGW_CRYPTO_TLS_KDF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sgw_tls_hash {
	SGW_TLS_HASH_SHA256,
	SGW_TLS_HASH_SHA384,
};

size_t sgw_tls_hash_len(enum sgw_tls_hash h);

/* RFC 8446 7.1: HKDF-Expand-Label(secret, "tls13 " || label, context, out_len).
 * Returns 0 or -EINVAL. */
__attribute__((warn_unused_result))
int sgw_tls13_expand_label(enum sgw_tls_hash h,
			   const uint8_t *secret, size_t secret_len,
			   const char *label,
			   const uint8_t *context, size_t context_len,
			   uint8_t *out, size_t out_len);

/* RFC 8446 7.3: key = Expand-Label(secret, "key", "", key_len),
 * iv = Expand-Label(secret, "iv", "", 12). */
__attribute__((warn_unused_result))
int sgw_tls13_traffic_keys(enum sgw_tls_hash h,
			   const uint8_t *secret, size_t secret_len,
			   uint8_t *key, size_t key_len, uint8_t iv[12]);

/* RFC 8446 7.2: next secret = Expand-Label(secret, "traffic upd", "", len).
 * Updates secret in place. */
__attribute__((warn_unused_result))
int sgw_tls13_update_secret(enum sgw_tls_hash h, uint8_t *secret, size_t secret_len);

/* RFC 5246 6.3 with the AEAD suites (no MAC keys):
 * key_block = PRF(master, "key expansion", server_random || client_random)
 * -> client_write_key, server_write_key, client_write_IV, server_write_IV.
 * iv_len is the suite's fixed_iv_length: 4 for AES-GCM (RFC 5288 3, the
 * salt), 12 for ChaCha20-Poly1305 (RFC 7905 2). h is the suite's PRF hash.
 * Returns 0 or -EINVAL. */
__attribute__((warn_unused_result))
int sgw_tls12_key_block(enum sgw_tls_hash h,
			const uint8_t *master, size_t master_len,
			const uint8_t client_random[32],
			const uint8_t server_random[32],
			size_t key_len, size_t iv_len,
			uint8_t *client_key, uint8_t *server_key,
			uint8_t *client_iv, uint8_t *server_iv);

#ifdef __cplusplus
}
#endif
#endif
