/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS server handshakes driven over memory: OpenSSL never sees a socket. The
 * caller feeds the bytes the client sent (sgw_tls_conn_input) and sends what
 * sgw_tls_conn_output gives back. When the handshake is done the traffic keys
 * are exported (outer TLS -> crypto/record.h) or the EAP-TLS key material is
 * (inner TLS), and the connection is destroyed: an established session keeps
 * no SSL object.
 *
 * TLS 1.2 and 1.3 with AEAD suites only, renegotiation refused
 * (SSL_OP_NO_RENEGOTIATION), no session tickets (so the first application
 * record in each direction is at a known sequence number).
 */
#ifndef SGW_CRYPTO_TLS_H
#define SGW_CRYPTO_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/record.h"
#include "crypto/x509.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_tls_server;
struct sgw_tls_conn;

struct sgw_tls_server_cfg {
	const char *cert_file;   /* PEM: leaf first, then intermediates */
	const char *key_file;    /* PEM: RSA or ECDSA private key */
	uint16_t min_version;    /* SGW_TLS_VERSION_1_2 (default if 0) */
	uint16_t max_version;    /* SGW_TLS_VERSION_1_3 (default if 0) */
	const char *ciphers12;   /* NULL: ECDHE AES-GCM and ChaCha20 */
	const char *suites13;    /* NULL: all three AEAD suites */
	/* EAP-TLS: require a client certificate and verify it against the
	 * trust store and revoked set given to sgw_tls_conn_create(). */
	bool verify_client;
	/* If set, a client that sends SNI must name this host. */
	const char *sni_host;
};

/* Loads certificate and key, checks they match. NULL on error, with a
 * one-line reason in err ("cert_file /x: no such file", ...). */
__attribute__((warn_unused_result))
struct sgw_tls_server *sgw_tls_server_create(const struct sgw_tls_server_cfg *cfg,
					     char *err, size_t err_len);
void sgw_tls_server_destroy(struct sgw_tls_server *s);

/* Hashes of the server's leaf certificate (DER) for the SSTP crypto binding
 * (MS-SSTP 3.2.5.2.3): SHA-1 and SHA-256. */
void sgw_tls_server_cert_hashes(const struct sgw_tls_server *s,
				uint8_t sha1[20], uint8_t sha256[32]);

/* Where verification finds the roots and the revoked set. Both pointers
 * are read (acquire) once, when the client's certificate is checked, not
 * when the handshake starts: a control thread may swap them (release)
 * between verifications, and frees the old ones only after every reader
 * has passed a quiescent state (RCU, control/tables.h). */
struct sgw_policy {
	const struct sgw_trust *trust;
	const struct sgw_revoked *revoked;
};

/* trust/revoked are read during the handshake (verify_client only) and may
 * be NULL otherwise; they must outlive the handshake. */
__attribute__((warn_unused_result))
struct sgw_tls_conn *sgw_tls_conn_create(struct sgw_tls_server *s,
					 const struct sgw_trust *trust,
					 const struct sgw_revoked *revoked);
/* The same with a live policy: p must outlive the connection. */
__attribute__((warn_unused_result))
struct sgw_tls_conn *sgw_tls_conn_create_policy(struct sgw_tls_server *s,
						const struct sgw_policy *p);
void sgw_tls_conn_destroy(struct sgw_tls_conn *c);

enum sgw_tls_status {
	SGW_TLS_WANT_INPUT,  /* send the output, then feed more input */
	SGW_TLS_DONE,        /* handshake complete: export, then destroy */
	SGW_TLS_FAILED,      /* send the output (an alert), then give up */
};

/* Feed bytes from the client and advance the handshake. All len bytes are
 * taken. Bytes past the client's last handshake record stay queued: after
 * SGW_TLS_DONE, sgw_tls_conn_take_leftover() gives them back for the record
 * layer. */
__attribute__((warn_unused_result))
enum sgw_tls_status sgw_tls_conn_input(struct sgw_tls_conn *c,
				       const uint8_t *in, size_t len);
/* Bytes waiting to go to the client. */
size_t sgw_tls_conn_output_pending(const struct sgw_tls_conn *c);
/* Move up to cap pending bytes to out; returns how many. */
size_t sgw_tls_conn_output(struct sgw_tls_conn *c, uint8_t *out, size_t cap);
/* After SGW_TLS_DONE: ciphertext the client sent after the handshake. */
size_t sgw_tls_conn_take_leftover(struct sgw_tls_conn *c, uint8_t *out, size_t cap);

/* After SGW_TLS_FAILED: why, in one line (alert, verification verdict...). */
const char *sgw_tls_conn_error(const struct sgw_tls_conn *c);

/* After SGW_TLS_DONE. */
enum sgw_tls_version sgw_tls_conn_version(const struct sgw_tls_conn *c);
const char *sgw_tls_conn_cipher(const struct sgw_tls_conn *c);
/* Outer TLS: the application traffic keys and next sequence numbers.
 * Returns 0 or -ENOTSUP (non-AEAD suite), -EINVAL. */
__attribute__((warn_unused_result))
int sgw_tls_conn_export_keys(struct sgw_tls_conn *c, struct sgw_tls_keys *out);
/* EAP-TLS key material (RFC 5216 2.3 / RFC 9190 2.3): MSK then EMSK. */
__attribute__((warn_unused_result))
int sgw_tls_conn_export_eap(struct sgw_tls_conn *c,
			    uint8_t msk[SGW_EAP_MSK_LEN],
			    uint8_t emsk[SGW_EAP_EMSK_LEN]);
/* TLS 1.3 only: the MSK as Debian's pppd 2.4.9 derives it, from the same
 * exporter label but without the context byte 0x0D (it passes
 * use_context = 0). Returns 0, or -ENOENT for TLS 1.2 (no variant). */
__attribute__((warn_unused_result))
int sgw_tls_conn_export_eap_compat(struct sgw_tls_conn *c,
				   uint8_t msk[SGW_EAP_MSK_LEN]);
/* verify_client: the verdict on the client's chain (also when it failed). */
const struct sgw_x509_result *sgw_tls_conn_peer(const struct sgw_tls_conn *c);
/* RFC 9190 2.5: seal one application byte 0x00 into the output (TLS 1.3
 * EAP-TLS commitment message). Returns 0 or -EIO. */
__attribute__((warn_unused_result))
int sgw_tls_conn_write_commitment(struct sgw_tls_conn *c);

#ifdef __cplusplus
}
#endif
#endif
