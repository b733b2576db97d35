/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data-plane TLS record layer: once the handshake is done its keys are
 * exported here (struct sgw_tls_keys, filled by crypto/tls.c) and the OpenSSL
 * SSL object is freed. Records are opened and sealed in place, or between
 * scatter-gather pieces and a separate buffer (open_to, seal_from).
 *
 *   TLS 1.2 (RFC 5246 6.2.3.3, RFC 5288): AES-GCM, 8-byte explicit nonce,
 *     AAD = seq(8) || type || version || plaintext length (13 bytes).
 *   TLS 1.3 (RFC 8446 5.2/5.3): AES-GCM and ChaCha20-Poly1305, nonce =
 *     iv XOR seq, AAD = the 5-byte record header, inner content type and
 *     zero padding after the plaintext; KeyUpdate (4.6.3) both ways.
 *
 * Threading: one struct sgw_record per session, used by its owning lcore.
 */
#ifndef SGW_CRYPTO_RECORD_H
#define SGW_CRYPTO_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/crypto_limits.h"
#include "crypto/tls_kdf.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sgw_tls_version {
	SGW_TLS_VERSION_1_2 = 0x0303,
	SGW_TLS_VERSION_1_3 = 0x0304,
};

/* RFC 8446 5.1 ContentType. */
enum sgw_tls_content_type {
	SGW_TLS_CT_CHANGE_CIPHER_SPEC = 20,
	SGW_TLS_CT_ALERT = 21,
	SGW_TLS_CT_HANDSHAKE = 22,
	SGW_TLS_CT_APPLICATION_DATA = 23,
};

/* RFC 8446 6: the alerts we send or act on. */
enum sgw_tls_alert {
	SGW_TLS_ALERT_CLOSE_NOTIFY = 0,
	SGW_TLS_ALERT_UNEXPECTED_MESSAGE = 10,
	SGW_TLS_ALERT_BAD_RECORD_MAC = 20,
	SGW_TLS_ALERT_RECORD_OVERFLOW = 22,
	SGW_TLS_ALERT_DECODE_ERROR = 50,
	SGW_TLS_ALERT_INTERNAL_ERROR = 80,
	SGW_TLS_ALERT_NO_RENEGOTIATION = 100,
};

/* One direction's keys, as exported after the handshake. */
struct sgw_tls_dir_keys {
	uint8_t key[SGW_AEAD_MAX_KEY_LEN];
	/* TLS 1.3: the 12-byte static iv. TLS 1.2: the 4-byte salt in iv[0..3]
	 * (GCM), or the 12-byte iv for ChaCha20-Poly1305 (RFC 7905). */
	uint8_t iv[SGW_AEAD_IV_LEN];
	/* TLS 1.3 only: the traffic secret, kept for KeyUpdate. */
	uint8_t secret[SGW_TLS_MAX_SECRET_LEN];
	uint8_t secret_len;
	/* Sequence number of the next record in this direction. */
	uint64_t seq;
};

struct sgw_tls_keys {
	enum sgw_tls_version version;
	enum sgw_aead_alg alg;
	enum sgw_tls_hash hash; /* suite hash: KeyUpdate (1.3) */
	struct sgw_tls_dir_keys rx; /* client -> server */
	struct sgw_tls_dir_keys tx; /* server -> client */
};

enum sgw_record_status {
	SGW_REC_OK,               /* application data at *plain */
	SGW_REC_CLOSE_NOTIFY,     /* peer sent close_notify: end the call */
	SGW_REC_ALERT,            /* peer sent another alert: end the call */
	SGW_REC_KEY_UPDATE,       /* handled; *plain empty (check tx_key_update_pending) */
	SGW_REC_RENEGOTIATION,    /* handshake message we refuse: send no_renegotiation */
	SGW_REC_IGNORED,          /* e.g. TLS 1.3 NewSessionTicket-free noise: nothing to do */
	SGW_REC_BAD_MAC,          /* fatal: bad_record_mac */
	SGW_REC_BAD_RECORD,       /* fatal: malformed header/length/type (decode_error) */
	SGW_REC_OVERFLOW,         /* fatal: record_overflow */
};

struct sgw_record;

/* Copies the keys (the caller wipes its copy). NULL on bad keys or no memory. */
__attribute__((warn_unused_result))
struct sgw_record *sgw_record_create(enum sgw_aead_backend b,
				     const struct sgw_tls_keys *keys);
void sgw_record_destroy(struct sgw_record *r);

/* Length of the record at buf once its 5-byte header is in: 5 + length field.
 * Returns 0 if fewer than 5 bytes are available, -1 if the header is invalid
 * (unknown type, wrong version), SGW_RECORD_TOO_LONG if the length is over
 * SGW_TLS_MAX_CIPHERTEXT (RFC 8446 5.2: record_overflow). */
enum { SGW_RECORD_TOO_LONG = -2 };
long sgw_record_length(const uint8_t *buf, size_t avail);

/* Open one whole record (header included) in place. On SGW_REC_OK,
 * *plain and *plain_len point inside rec at the plaintext (application data).
 * For alerts, *alert gets the description. */
__attribute__((warn_unused_result))
enum sgw_record_status sgw_record_open(struct sgw_record *r, uint8_t *rec,
				       size_t rec_len, uint8_t **plain,
				       size_t *plain_len, uint8_t *alert);

/* The most pieces the ciphertext of one record (sgw_record_open_to) or the
 * plaintext of one record (sgw_record_seal_from) may be cut into: a full
 * 16 KiB record over 1448-byte TCP segments is 12. The piece lists are
 * built on the stack, so this is a hard bound. */
enum { SGW_RECORD_MAX_PIECES = 32 };

/* Open one whole record (rec_len bytes, header included) that lies in the
 * pieces rec[0..n) in order, from the start of rec[0] (the pieces may hold
 * more bytes after the record; any piece boundary may cut the header, the
 * TLS 1.2 explicit nonce, the ciphertext or the tag; empty pieces are
 * fine). The plaintext is written to dst (cap bytes, at least rec_len),
 * which must not overlap the pieces; the pieces are only read, in one pass
 * of the AEAD. Same statuses as sgw_record_open, with *plain inside dst
 * (at dst itself for application data). Refused as SGW_REC_BAD_RECORD
 * (malformed, the call ends) before any crypto and without touching the
 * sequence number: pieces holding fewer than rec_len bytes, NULL rec or
 * dst, cap < rec_len, or a ciphertext cut into more than
 * SGW_RECORD_MAX_PIECES pieces. */
__attribute__((warn_unused_result))
enum sgw_record_status sgw_record_open_to(struct sgw_record *r,
					  const struct sgw_iov *rec, unsigned n,
					  size_t rec_len, uint8_t *dst, size_t cap,
					  uint8_t **plain, size_t *plain_len,
					  uint8_t *alert);

/* Sealing: the caller reserves sgw_record_headroom() bytes before the
 * plaintext and sgw_record_tailroom() after it, then calls seal with rec =
 * start of the headroom. Returns the whole record length (header included),
 * or 0 if plain_len > SGW_TLS_MAX_PLAINTEXT or the AEAD failed. */
size_t sgw_record_headroom(const struct sgw_record *r);
size_t sgw_record_tailroom(const struct sgw_record *r);
__attribute__((warn_unused_result))
size_t sgw_record_seal(struct sgw_record *r, uint8_t type, uint8_t *rec,
		       size_t plain_len);

/* Seal one record of type whose plaintext is the concatenation of
 * plain[0..n) (at most SGW_RECORD_MAX_PIECES pieces, SGW_TLS_MAX_PLAINTEXT
 * bytes, empty pieces fine) into rec (cap bytes: sgw_record_headroom +
 * plaintext + sgw_record_tailroom at least), which must not overlap the
 * pieces; the pieces are only read, in one pass of the AEAD. The record is
 * byte for byte what sgw_record_seal makes of the same plaintext. Returns
 * the record length (header included) or 0 (nothing sealed, sequence
 * number unchanged). */
__attribute__((warn_unused_result))
size_t sgw_record_seal_from(struct sgw_record *r, uint8_t type,
			    const struct sgw_iov *plain, unsigned n,
			    uint8_t *rec, size_t cap);

/* Alerts (close_notify on shutdown, fatal ones on errors), sealed into out.
 * Returns the record length or 0 if cap is too small. */
__attribute__((warn_unused_result))
size_t sgw_record_seal_alert(struct sgw_record *r, bool fatal, uint8_t desc,
			     uint8_t *out, size_t cap);

/* TLS 1.3: the peer asked for update_requested (or we want to rotate): seal a
 * KeyUpdate(update_not_requested) with the old key, then switch tx keys.
 * Returns the record length, 0 on error or if cap is too small. */
bool sgw_record_tx_key_update_pending(const struct sgw_record *r);
__attribute__((warn_unused_result))
size_t sgw_record_seal_key_update(struct sgw_record *r, uint8_t *out, size_t cap);

enum sgw_tls_version sgw_record_version(const struct sgw_record *r);

#ifdef __cplusplus
}
#endif
#endif
