/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One SSTP call, server side, on byte streams: the TCP payload the client
 * sent goes in (sgw_session_input), the TCP payload for the client comes out
 * (sgw_session_output), IPv4 packets for the VNet leave through env->to_vnet,
 * and packets from the VNet for this client go in via sgw_session_send_ip.
 *
 *   TLS handshake (crypto/tls.h) -> record layer (crypto/record.h)
 *     -> HTTP SSTP_DUPLEX_POST (http.h) -> SSTP (sstp.h) -> PPP (ppp.h:
 *     LCP, EAP-TLS, IPCP) -> crypto binding check (crypto/binding.h)
 *     -> IPv4 both ways
 *
 * Ownership and threading: a session belongs to one worker; nothing here
 * locks. env is shared read-only by every session of the process and must
 * outlive them. While handshaking a session holds the TLS and EAP-TLS
 * objects and buffers; once established it keeps only keys, protocol state,
 * its address and its identity (sgw_session_info).
 */
#ifndef SGW_DATAPLANE_SESSION_H
#define SGW_DATAPLANE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/crypto_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_session;
struct sgw_bufpool;
struct sgw_tls_server;
struct sgw_trust;
struct sgw_policy;
struct sgw_revoked;

struct sgw_session_env {
	struct sgw_tls_server *tls;      /* outer TLS (server certificate) */
	struct sgw_tls_server *eap_tls;  /* EAP-TLS (verify_client) */
	const struct sgw_trust *trust;   /* roots (fixed) */
	const struct sgw_revoked *revoked;
	const struct sgw_policy *policy; /* if set: live roots and revoked set
					    (crypto/tls.h), instead of the two above */
	enum sgw_aead_backend aead;
	uint8_t hash_bitmask;            /* offered: 1 SHA-1, 2 SHA-256, 3 both */
	uint16_t mru;                    /* our LCP MRU */
	uint32_t tunnel_addr;            /* the gateway's address inside PPP */
	uint32_t dns[2], nbns[2];        /* 0 = none; host order */
	/* Timers, 0: the defaults of sgw_limits.h. handshake: accept -> HTTP
	 * request done; negotiation: HTTP 200 -> verified Call Connected;
	 * hello: silence before an SSTP Echo Request (MS-SSTP 3.1.2.3). */
	uint32_t handshake_ms, negotiation_ms, hello_ms;
	/* Address pool (control/pool.c through these): identity is the CN. */
	int (*addr_alloc)(void *ctx, const char *identity, uint32_t *addr);
	void (*addr_free)(void *ctx, uint32_t addr);
	/* True if addr is a client address (in a pool, held or not; NULL:
	 * none is). Client-to-client is off: an inner packet to one is
	 * dropped and counted in info.drops, never delivered. */
	bool (*addr_is_client)(void *ctx, uint32_t addr);
	void *pool_ctx;
	/* Decapsulated IPv4 for the VNet, source already checked. */
	void (*to_vnet)(void *ctx, struct sgw_session *s, const uint8_t *pkt, size_t len);
	void *vnet_ctx;
	/* Zero-copy receive (optional: all four, or rx_alloc NULL). Bytes
	 * given with a buffer handle (sgw_session_input_buf) may be kept by
	 * reference (buf_ref, later buf_free) while their record is not all
	 * there; each whole record is opened straight from them into a fresh
	 * buffer: rx_alloc returns its handle and *data with at least len
	 * bytes (NULL: none, the record is opened in place in rx). An IPv4
	 * packet that ends its record leaves in that buffer: to_vnet_buf
	 * (called with vnet_ctx) takes the handle, pkt lies inside it; other
	 * packets go to to_vnet as copies. */
	void (*buf_ref)(void *ctx, void *buf);
	void (*buf_free)(void *ctx, void *buf);
	void *(*rx_alloc)(void *ctx, size_t len, uint8_t **data);
	void (*to_vnet_buf)(void *ctx, struct sgw_session *s, void *buf,
			    const uint8_t *pkt, size_t len);
	void *buf_ctx;
	/* The worker's pool of SGW_SESSION_BUF blocks (dataplane/bufpool.h)
	 * for rx, tx and carry while bytes wait in them; NULL: each session
	 * makes its own pool of three. */
	struct sgw_bufpool *bufs;
	/* One log line per session event ("sess 3: auth ok cn=..."), may be NULL. */
	void (*log)(void *ctx, const struct sgw_session *s, const char *line);
	void *log_ctx;
	/* Test hook for fuzz seeds (tests/e2e/sock_gateway.c; NULL in the
	 * product): the plaintext the session parses, what = "http" (request
	 * bytes), "sstp" (a whole SSTP packet), "ppp" (a PPP frame), "eaptls"
	 * (the Type-Data of an EAP-TLS Response, RFC 5216 3.1, for crypto). */
	void (*capture)(void *ctx, const char *what, const uint8_t *p, size_t len);
	void *capture_ctx;
};

enum sgw_session_phase {
	SGW_SESSION_TLS,          /* outer TLS handshake */
	SGW_SESSION_HTTP,         /* waiting for SSTP_DUPLEX_POST */
	SGW_SESSION_NEGOTIATING,  /* SSTP + PPP + binding */
	SGW_SESSION_ESTABLISHED,  /* binding verified, IPCP up: IP flows */
	SGW_SESSION_CLOSING,      /* abort/disconnect under way */
	SGW_SESSION_CLOSED,       /* done: flush output, then destroy */
};

/* Why a call ended (first reason wins). */
enum sgw_session_end {
	SGW_END_NONE,
	SGW_END_CLIENT_CLOSE,     /* close_notify, CALL_DISCONNECT, TCP FIN */
	SGW_END_ADMIN,            /* sgw_session_close() */
	SGW_END_TLS_FAILED,
	SGW_END_HTTP_REFUSED,
	SGW_END_SSTP_PROTOCOL,
	SGW_END_NEGOTIATION_TIMEOUT,
	SGW_END_HELLO_TIMEOUT,
	SGW_END_AUTH_FAILED,
	SGW_END_BINDING_FAILED,
	SGW_END_POOL_EXHAUSTED,
	SGW_END_PPP_TERMINATED,
	SGW_END_CLIENT_ABORT,
	SGW_END_REVOKED,          /* sgw_session_abort() after a policy change */
	SGW_END_BAD_RECORD,       /* TLS record layer: bad MAC, malformed */
	SGW_END_INTERNAL,         /* out of buffer space, AEAD failure */
};
const char *sgw_session_end_str(enum sgw_session_end e);

struct sgw_session_info {
	char cn[SGW_X509_CN_MAX];
	uint8_t thumbprint[SGW_THUMBPRINT_LEN];
	int root_id;
	uint32_t addr;                   /* assigned, 0 before IPCP */
	uint16_t tls_version;
	char tls_cipher[48];
	uint16_t eap_tls_version;
	uint8_t binding_hash;            /* 1 SHA-1, 2 SHA-256 */
	uint8_t hlak_layout;             /* enum sgw_hlak_layout that matched */
	bool msk_compat;                 /* the binding used pppd 2.4.9's TLS 1.3 MSK */
	bool call_connected_early;       /* it came before EAP ended: kept, verified later */
	enum sgw_session_end end;
	char end_detail[256];
	uint64_t rx_packets, rx_bytes;   /* inner IPv4 client -> VNet */
	uint64_t tx_packets, tx_bytes;   /* inner IPv4 VNet -> client */
	uint64_t drops;                  /* inner packets dropped (gating, spoofing) */
	uint32_t renegotiations_refused;
};

/* now_ms: a monotonic clock in milliseconds (the worker's). NULL on no memory. */
__attribute__((warn_unused_result))
struct sgw_session *sgw_session_create(const struct sgw_session_env *env, uint64_t now_ms);
/* Frees everything, returns the address to the pool. */
void sgw_session_destroy(struct sgw_session *s);

/* TCP payload from the client, in order. Returns 0, or -EPROTO once the call
 * is over (state CLOSED: flush the output and destroy). */
int sgw_session_input(struct sgw_session *s, const uint8_t *in, size_t len,
		      uint64_t now_ms);
/* The same for bytes in a buffer the caller can lend: buf is its handle
 * (env->buf_ref keeps it), NULL to have the bytes copied. */
int sgw_session_input_buf(struct sgw_session *s, const uint8_t *in, size_t len,
			  void *buf, uint64_t now_ms);
/* The client half-closed TCP (FIN) or the connection is gone. */
void sgw_session_peer_closed(struct sgw_session *s);
/* TCP payload for the client: up to cap bytes; returns how many. */
size_t sgw_session_output(struct sgw_session *s, uint8_t *out, size_t cap);
size_t sgw_session_output_pending(const struct sgw_session *s);
/* The same without a copy: the pending bytes where they are (*len of
 * them, valid until the next call into the session), then how many the
 * caller took. */
const uint8_t *sgw_session_output_peek(const struct sgw_session *s, size_t *len);
void sgw_session_output_consume(struct sgw_session *s, size_t n);

/* An IPv4 packet from the VNet for this client's address. Returns 0, or
 * -EAGAIN (not established / output full: dropped and counted). */
int sgw_session_send_ip(struct sgw_session *s, const uint8_t *pkt, size_t len);

/* Timers (SSTP negotiation/hello/abort, PPP restart, EAP retransmit). */
void sgw_session_tick(struct sgw_session *s, uint64_t now_ms);

/* Operator disconnect: SSTP CALL_DISCONNECT, then close. */
void sgw_session_close(struct sgw_session *s, uint64_t now_ms);
/* Policy abort (revoked, root removed): SSTP CALL_ABORT, then close. */
void sgw_session_abort(struct sgw_session *s, enum sgw_session_end why,
		       const char *detail, uint64_t now_ms);

enum sgw_session_phase sgw_session_phase(const struct sgw_session *s);
const struct sgw_session_info *sgw_session_info(const struct sgw_session *s);

#ifdef __cplusplus
}
#endif
#endif
