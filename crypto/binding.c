/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSTP crypto binding, server side (MS-SSTP 3.2.5.2.3 and 3.2.5.2.4). The
 * arithmetic is pinned by the known-answer vectors in tests/test_binding.c.
 */
#include "crypto/binding.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* MS-SSTP 3.2.5.2.3: the CMK seed, 29 ASCII bytes without the NUL. */
static const char cmk_seed[] = "SSTP inner method derived CMK";
enum { CMK_SEED_LEN = sizeof(cmk_seed) - 1 };
_Static_assert(CMK_SEED_LEN == 29, "MS-SSTP CMK seed is 29 bytes");

static const EVP_MD *hash_md(enum sgw_binding_hash h)
{
	switch (h) {
	case SGW_BINDING_SHA1:
		return EVP_sha1();
	case SGW_BINDING_SHA256:
		return EVP_sha256();
	}
	return NULL;
}

/* Bytes of a hash value; the 32-byte fields are zero-padded after them. */
static size_t hash_len(enum sgw_binding_hash h)
{
	return h == SGW_BINDING_SHA1 ? 20 : 32;
}

void sgw_binding_hlak(enum sgw_hlak_layout layout,
		      const uint8_t msk[SGW_EAP_MSK_LEN],
		      uint8_t hlak[SGW_SSTP_HLAK_LEN])
{
	switch (layout) {
	case SGW_HLAK_MSK_0_32:
		memcpy(hlak, msk, 32);
		return;
	case SGW_HLAK_MSK_0_16_32_48:
		/* pppd 2.4.9 hands sstpc send = MSK[0..15], recv = MSK[32..47]
		 * and sstpc concatenates them (PROTOCOL.md, interop quirk). */
		memcpy(hlak, msk, 16);
		memcpy(hlak + 16, msk + 32, 16);
		return;
	case SGW_HLAK_ZERO:
	case SGW_HLAK_LAYOUT_COUNT:
		break;
	}
	memset(hlak, 0, SGW_SSTP_HLAK_LEN);
}

/* out gets hash_len(h) bytes, the rest of the 32 is zeroed. */
static int hmac32(enum sgw_binding_hash h, const uint8_t *key, size_t key_len,
		  const uint8_t *data, size_t len, uint8_t out[32])
{
	const EVP_MD *md = hash_md(h);
	unsigned int out_len = 0;

	if (md == NULL)
		return -EINVAL;
	memset(out, 0, 32);
	if (HMAC(md, key, (int)key_len, data, len, out, &out_len) == NULL ||
	    out_len != hash_len(h)) {
		OPENSSL_cleanse(out, 32);
		return -EINVAL;
	}
	return 0;
}

int sgw_binding_cmk(enum sgw_binding_hash h, const uint8_t hlak[SGW_SSTP_HLAK_LEN],
		    uint8_t cmk[32])
{
	/* MS-SSTP 3.2.5.2.3: T1 = HMAC(HLAK, seed || LEN (u16 LE) || 0x01),
	 * LEN being the output length of H. */
	uint8_t msg[CMK_SEED_LEN + 3];
	size_t len = hash_len(h);

	memcpy(msg, cmk_seed, CMK_SEED_LEN);
	msg[CMK_SEED_LEN] = (uint8_t)len;
	msg[CMK_SEED_LEN + 1] = 0;
	msg[CMK_SEED_LEN + 2] = 0x01;
	return hmac32(h, hlak, SGW_SSTP_HLAK_LEN, msg, sizeof(msg), cmk);
}

int sgw_binding_compound_mac(enum sgw_binding_hash h, const uint8_t cmk[32],
			     const uint8_t msg[SGW_SSTP_CALL_CONNECTED_LEN],
			     uint8_t mac[SGW_SSTP_MAC_LEN])
{
	/* MS-SSTP 3.2.5.2.4: the MAC covers the whole message with the
	 * Compound MAC field zeroed. The key is the H-sized CMK. */
	uint8_t m[SGW_SSTP_CALL_CONNECTED_LEN];

	memcpy(m, msg, SGW_BINDING_OFF_MAC);
	memset(m + SGW_BINDING_OFF_MAC, 0, sizeof(m) - SGW_BINDING_OFF_MAC);
	return hmac32(h, cmk, hash_len(h), m, sizeof(m), mac);
}

static const char *const verdict_str[] = {
	[SGW_BINDING_OK] = "ok",
	[SGW_BINDING_BAD_HASH_PROTOCOL] = "hash protocol not one of those offered",
	[SGW_BINDING_BAD_NONCE] = "nonce does not match the one sent",
	[SGW_BINDING_BAD_CERT_HASH] = "certificate hash does not match the server certificate",
	[SGW_BINDING_BAD_MAC] = "compound MAC does not match",
};

const char *sgw_binding_verdict_str(enum sgw_binding_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_str) / sizeof(verdict_str[0]))
		return "unknown binding verdict";
	return verdict_str[v];
}

/* Exactly one bit, and one we offered. */
static bool hash_ok(uint8_t bits, uint8_t offered)
{
	return (bits == SGW_BINDING_SHA1 || bits == SGW_BINDING_SHA256) &&
	       (bits & offered) != 0;
}

static bool cert_hash_ok(const struct sgw_binding_expect *exp,
			 enum sgw_binding_hash h, const uint8_t *field)
{
	uint8_t want[SGW_SSTP_CERT_HASH_LEN] = { 0 };

	/* MS-SSTP 2.2.7: a SHA-1 hash is padded with 12 zero bytes, and the
	 * padding is compared too. */
	if (h == SGW_BINDING_SHA1)
		memcpy(want, exp->cert_sha1, 20);
	else
		memcpy(want, exp->cert_sha256, 32);
	return CRYPTO_memcmp(want, field, sizeof(want)) == 0;
}

/* Compound MAC under one HLAK layout. */
static bool mac_ok(const uint8_t *msk, enum sgw_binding_hash h,
		   enum sgw_hlak_layout layout, const uint8_t *msg)
{
	uint8_t hlak[SGW_SSTP_HLAK_LEN], cmk[32], mac[SGW_SSTP_MAC_LEN];
	bool ok = false;

	sgw_binding_hlak(layout, msk, hlak);
	if (sgw_binding_cmk(h, hlak, cmk) == 0 &&
	    sgw_binding_compound_mac(h, cmk, msg, mac) == 0)
		ok = CRYPTO_memcmp(mac, msg + SGW_BINDING_OFF_MAC, sizeof(mac)) == 0;
	OPENSSL_cleanse(hlak, sizeof(hlak));
	OPENSSL_cleanse(cmk, sizeof(cmk));
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

/* The MAC under every key the client may have used: each HLAK layout of
 * the MSK, then of the compat MSK; without keys, the zero HLAK only. */
static bool any_mac_ok(const struct sgw_binding_expect *exp, enum sgw_binding_hash h,
		       const uint8_t *msg, struct sgw_binding_match *m)
{
	static const enum sgw_hlak_layout layouts[] = {
		SGW_HLAK_MSK_0_32, SGW_HLAK_MSK_0_16_32_48,
	};
	const uint8_t *msks[2] = { exp->msk, exp->msk_compat };
	size_t nmsk = exp->have_msk_compat ? 2 : 1;

	if (!exp->have_msk) {
		m->layout = SGW_HLAK_ZERO;
		m->msk_compat = false;
		return mac_ok(exp->msk, h, SGW_HLAK_ZERO, msg);
	}
	for (size_t k = 0; k < nmsk; k++) {
		for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
			if (mac_ok(msks[k], h, layouts[i], msg)) {
				m->layout = layouts[i];
				m->msk_compat = k == 1;
				return true;
			}
		}
	}
	return false;
}

enum sgw_binding_verdict sgw_binding_verify(const struct sgw_binding_expect *exp,
					    const uint8_t msg[SGW_SSTP_CALL_CONNECTED_LEN],
					    struct sgw_binding_match *match)
{
	enum sgw_binding_hash h = (enum sgw_binding_hash)msg[SGW_BINDING_OFF_HASH];
	struct sgw_binding_match m;

	if (!hash_ok(msg[SGW_BINDING_OFF_HASH], exp->hash_bitmask))
		return SGW_BINDING_BAD_HASH_PROTOCOL;
	if (CRYPTO_memcmp(exp->nonce, msg + SGW_BINDING_OFF_NONCE,
			  SGW_SSTP_NONCE_LEN) != 0)
		return SGW_BINDING_BAD_NONCE;
	if (!cert_hash_ok(exp, h, msg + SGW_BINDING_OFF_CERT_HASH))
		return SGW_BINDING_BAD_CERT_HASH;
	if (!any_mac_ok(exp, h, msg, &m))
		return SGW_BINDING_BAD_MAC;
	if (match != NULL)
		*match = m;
	return SGW_BINDING_OK;
}
