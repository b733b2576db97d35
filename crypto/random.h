/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SGW_CRYPTO_RANDOM_H
#define SGW_CRYPTO_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fill buf with len bytes from the CSPRNG (OpenSSL's DRBG, seeded by the OS).
 * Returns 0, or -EIO if the DRBG failed (the caller must not use buf). */
__attribute__((warn_unused_result))
int sgw_random_bytes(uint8_t *buf, size_t len);

/* Zero len bytes at p in a way the compiler cannot elide (secrets). */
void sgw_wipe(void *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif
