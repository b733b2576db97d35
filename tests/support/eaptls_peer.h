/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-TLS peer (RFC 5216; RFC 9190 for TLS 1.3) for the test client, at the
 * level of the EAP-TLS Type-Data: Flags (L 0x80, M 0x40, S 0x20), optional
 * 4-byte TLS Message Length, TLS data. EAP framing (Code, Identifier, Length,
 * Type) is the caller's. Written from the RFCs, independent of the server's
 * crypto/eaptls.c, so that the two check each other.
 *
 * An OpenSSL TLS client over memory BIOs. Our flights are cut into frag-byte
 * fragments (L on the first, M on all but the last), each sent after the
 * server's empty acknowledgement; the server's fragments are reassembled and
 * each acknowledged by an empty response.
 */
#ifndef SGW_TEST_EAPTLS_PEER_H
#define SGW_TEST_EAPTLS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	EAPTLS_PEER_FLAG_L = 0x80, /* RFC 5216 3.1: length included */
	EAPTLS_PEER_FLAG_M = 0x40, /* more fragments */
	EAPTLS_PEER_FLAG_S = 0x20, /* EAP-TLS start */
	EAPTLS_PEER_MAX_MESSAGE = 65536, /* one reassembled server flight */
	EAPTLS_PEER_MSK_LEN = 64,
	EAPTLS_PEER_DEFAULT_FRAG = 1000,
};

struct eaptls_peer_cfg {
	const char *cert_file, *key_file; /* our certificate (PEM) */
	const char *chain_file;  /* PEM intermediates to send (a leading copy of
				    our own certificate is skipped) */
	const char *ca_file;     /* verify the server (NULL: do not) */
	uint16_t tls_max;        /* 0x0303 / 0x0304 (0: 0x0303, like pppd 2.4.9) */
	size_t frag;             /* TLS data bytes per fragment (0: 1000) */
	/* Debian's pppd 2.4.9 under TLS 1.3: the handshake counts as finished
	 * only once a NewSessionTicket arrived (eaptls_is_init_finished()),
	 * and its MSK comes from the exporter without the context byte. */
	bool pppd_249;
};

enum eaptls_peer_status {
	EAPTLS_PEER_SEND,  /* send *out_len bytes of Type-Data as the Response */
	EAPTLS_PEER_ERROR, /* the server broke the protocol: eaptls_peer_error() */
};

struct eaptls_peer;

struct eaptls_peer *eaptls_peer_create(const struct eaptls_peer_cfg *cfg);
void eaptls_peer_destroy(struct eaptls_peer *p);

/* One Request's Type-Data in (Start, fragment, ack, or last fragment); the
 * Response's Type-Data out (cap >= frag + 5). A TLS failure of our own (bad
 * server certificate, alert from the server) is not an error here: the alert
 * or an empty response goes out and the server is expected to send
 * EAP-Failure; eaptls_peer_tls_error() then says what happened. */
enum eaptls_peer_status eaptls_peer_input(struct eaptls_peer *p,
					  const uint8_t *in, size_t len,
					  uint8_t *out, size_t cap,
					  size_t *out_len);

/* The TLS handshake has finished on our side (keys can be exported). */
bool eaptls_peer_handshake_done(const struct eaptls_peer *p);
/* May the peer accept EAP-Success now? TLS 1.2: handshake done; TLS 1.3
 * (RFC 9190 2.1.1): handshake done and the commitment byte 0x00 received. */
bool eaptls_peer_may_succeed(const struct eaptls_peer *p);
/* NewSessionTickets received. */
unsigned eaptls_peer_tickets(const struct eaptls_peer *p);
bool eaptls_peer_commitment_seen(const struct eaptls_peer *p);
/* 0x0303 or 0x0304 once negotiated, 0 before. */
uint16_t eaptls_peer_version(const struct eaptls_peer *p);

/* MSK: TLS 1.2 PRF label "client EAP encryption" (RFC 5216 2.3), TLS 1.3
 * exporter "EXPORTER_EAP_TLS_Key_Material" with context 0x0D (RFC 9190 2.3).
 * Returns 0, or -1 before the handshake is done. */
int eaptls_peer_msk(struct eaptls_peer *p, uint8_t msk[EAPTLS_PEER_MSK_LEN]);

/* Protocol error (EAPTLS_PEER_ERROR) or, failing that, "". */
const char *eaptls_peer_error(const struct eaptls_peer *p);
/* Our TLS failure, if any ("" if none). */
const char *eaptls_peer_tls_error(const struct eaptls_peer *p);
/* Fragments we sent / acknowledged (for tests of fragmentation). */
unsigned eaptls_peer_frags_sent(const struct eaptls_peer *p);
unsigned eaptls_peer_frags_acked(const struct eaptls_peer *p);

#ifdef __cplusplus
}
#endif
#endif
