/* SPDX-License-Identifier: BSD-3-Clause */
#include "crypto/random.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

int sgw_random_bytes(uint8_t *buf, size_t len)
{
	if (len > INT_MAX)
		return -EINVAL;
	ERR_clear_error();
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}

void sgw_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}
