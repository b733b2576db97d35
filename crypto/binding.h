/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSTP crypto binding (MS-SSTP 3.2.5.2.3, 3.2.5.2.4), server side: the
 * client's CALL_CONNECTED proves it saw our nonce and our certificate and
 * that it holds the inner authentication's keys.
 *
 *   HLAK  EAP-TLS: MSK[0..31] (Windows, pppd >= 2.5) or MSK[0..15] ||
 *         MSK[32..47] (pppd 2.4.9 + sstpc); no keys: 32 zero bytes.
 *   CMK   HMAC-H(HLAK, "SSTP inner method derived CMK" || LEN16LE || 0x01)
 *   MAC   HMAC-H(CMK, CALL_CONNECTED with bytes 80..111 zeroed)
 */
#ifndef SGW_CRYPTO_BINDING_H
#define SGW_CRYPTO_BINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MS-SSTP 2.2.7: the hash protocol bits. */
enum sgw_binding_hash {
	SGW_BINDING_SHA1 = 1,
	SGW_BINDING_SHA256 = 2,
};

enum sgw_hlak_layout {
	SGW_HLAK_MSK_0_32,       /* Windows, pppd >= 2.5 */
	SGW_HLAK_MSK_0_16_32_48, /* Debian pppd 2.4.9 + sstpc */
	SGW_HLAK_ZERO,           /* authentication without keys */
	SGW_HLAK_LAYOUT_COUNT,
};

/* Offsets inside the 112-byte CALL_CONNECTED (MS-SSTP 2.2.10). */
enum {
	SGW_BINDING_OFF_HASH = 15,
	SGW_BINDING_OFF_NONCE = 16,
	SGW_BINDING_OFF_CERT_HASH = 48,
	SGW_BINDING_OFF_MAC = 80,
};

void sgw_binding_hlak(enum sgw_hlak_layout layout,
		      const uint8_t msk[SGW_EAP_MSK_LEN],
		      uint8_t hlak[SGW_SSTP_HLAK_LEN]);
/* Returns 0 or -EINVAL (unknown hash). */
__attribute__((warn_unused_result))
int sgw_binding_cmk(enum sgw_binding_hash h, const uint8_t hlak[SGW_SSTP_HLAK_LEN],
		    uint8_t cmk[32]);
/* MAC over msg with bytes 80..111 taken as zero (msg itself is not changed).
 * A SHA-1 MAC is 20 bytes then 12 zeros. */
__attribute__((warn_unused_result))
int sgw_binding_compound_mac(enum sgw_binding_hash h, const uint8_t cmk[32],
			     const uint8_t msg[SGW_SSTP_CALL_CONNECTED_LEN],
			     uint8_t mac[SGW_SSTP_MAC_LEN]);

/* What the server expects of a CALL_CONNECTED. */
struct sgw_binding_expect {
	uint8_t nonce[SGW_SSTP_NONCE_LEN];
	uint8_t hash_bitmask;            /* what we offered in CALL_CONNECT_ACK */
	uint8_t cert_sha1[20];
	uint8_t cert_sha256[32];
	bool have_msk;                   /* false: only SGW_HLAK_ZERO is tried */
	uint8_t msk[SGW_EAP_MSK_LEN];
	/* EAP-TLS 1.3 as Debian's pppd 2.4.9 derives it: the exporter without
	 * RFC 9190's context byte (sgw_eaptls_msk_compat). Tried after msk. */
	bool have_msk_compat;
	uint8_t msk_compat[SGW_EAP_MSK_LEN];
};

/* Which keys a verified CALL_CONNECTED was made with. */
struct sgw_binding_match {
	enum sgw_hlak_layout layout;
	bool msk_compat;                 /* from msk_compat, not msk */
};

enum sgw_binding_verdict {
	SGW_BINDING_OK,
	SGW_BINDING_BAD_HASH_PROTOCOL, /* not exactly one offered bit */
	SGW_BINDING_BAD_NONCE,
	SGW_BINDING_BAD_CERT_HASH,
	SGW_BINDING_BAD_MAC,
};
const char *sgw_binding_verdict_str(enum sgw_binding_verdict v);

/* Checks, in order, hash protocol, nonce, certificate hash and Compound MAC
 * (constant-time compares). On OK, *match (may be NULL) says which keys
 * matched. The message's framing (type, attribute, lengths) is the
 * caller's to check. */
enum sgw_binding_verdict sgw_binding_verify(const struct sgw_binding_expect *exp,
					    const uint8_t msg[SGW_SSTP_CALL_CONNECTED_LEN],
					    struct sgw_binding_match *match);

#ifdef __cplusplus
}
#endif
#endif
