/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Numeric limits of crypto/. The rest of sstpgw keeps its limits in
 * dataplane/sgw_limits.h; crypto/ includes nothing of ours, so its own live
 * here (and sgw_limits.h includes this file, so there is still one place to
 * read them all).
 */
#ifndef SGW_CRYPTO_LIMITS_H
#define SGW_CRYPTO_LIMITS_H

enum {
	/* RFC 8446 5.1 / RFC 5246 6.2.1: plaintext of one record. */
	SGW_TLS_MAX_PLAINTEXT = 16384,
	SGW_TLS_RECORD_HDR = 5,
	SGW_TLS_TAG_LEN = 16,
	/* TLS 1.2 AEAD explicit nonce (RFC 5288 3). */
	SGW_TLS12_EXPLICIT_NONCE = 8,
	/* RFC 8446 5.2: ciphertext may exceed plaintext by at most 256 bytes. */
	SGW_TLS_MAX_CIPHERTEXT = SGW_TLS_MAX_PLAINTEXT + 256,
	SGW_TLS_MAX_RECORD = SGW_TLS_RECORD_HDR + SGW_TLS_MAX_CIPHERTEXT,

	SGW_AEAD_IV_LEN = 12,
	SGW_AEAD_MAX_KEY_LEN = 32,
	SGW_TLS_MAX_SECRET_LEN = 48, /* SHA-384 traffic secret */

	/* Trusted roots: Azure P2S allows 20; the config may lower or raise it. */
	SGW_TRUST_DEFAULT_MAX_ROOTS = 20,
	SGW_TRUST_HARD_MAX_ROOTS = 256,
	SGW_X509_MAX_CHAIN = 8,
	SGW_X509_MAX_CERT_DER = 16384,
	SGW_X509_CN_MAX = 128,
	SGW_THUMBPRINT_LEN = 20,
	SGW_THUMBPRINT_HEX = 40,

	/* EAP-TLS (RFC 5216): one reassembled TLS message flight at most. */
	SGW_EAPTLS_MAX_MESSAGE = 65536,
	SGW_EAPTLS_DEFAULT_FRAGMENT = 1400,
	SGW_EAPTLS_MIN_FRAGMENT = 64,
	/* A fragment train that never ends is cut off after this many. */
	SGW_EAPTLS_MAX_FRAGMENTS = 128,
	SGW_EAP_MSK_LEN = 64,
	SGW_EAP_EMSK_LEN = 64,

	/* MS-SSTP 2.2.7 / 2.2.10: crypto binding fields. */
	SGW_SSTP_NONCE_LEN = 32,
	SGW_SSTP_CERT_HASH_LEN = 32,
	SGW_SSTP_MAC_LEN = 32,
	SGW_SSTP_HLAK_LEN = 32,
	SGW_SSTP_CALL_CONNECTED_LEN = 112,
};

#endif
