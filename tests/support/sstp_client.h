/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A complete SSTP client for in-process tests, written for the tests and
 * independent of the server code (it shares only crypto/binding.h's MAC
 * arithmetic, which the known-answer vectors pin down): OpenSSL TLS client
 * over memory, the HTTP request, SSTP framing, a small PPP peer (LCP, EAP-TLS
 * peer with fragmentation, IPCP) and the crypto binding. It behaves like the
 * Linux client (sstpc + pppd) by default and can be told to misbehave.
 *
 * The test moves bytes: tclient_output() -> server input, server output ->
 * tclient_input(), until tclient_state() stops changing.
 */
#ifndef SGW_TEST_SSTP_CLIENT_H
#define SGW_TEST_SSTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tclient_state {
	TCLIENT_TLS,          /* outer TLS handshake */
	TCLIENT_HTTP,         /* request sent, waiting for 200 */
	TCLIENT_SSTP_CONNECT, /* CALL_CONNECT_REQUEST sent, waiting for ACK */
	TCLIENT_PPP_LCP,
	TCLIENT_PPP_AUTH,     /* EAP */
	TCLIENT_PPP_IPCP,
	TCLIENT_UP,           /* IPCP opened, binding sent: IP may flow */
	TCLIENT_CLOSED,       /* orderly end (disconnect, close_notify) */
	TCLIENT_FAILED,       /* refused or aborted: see tclient_error() */
};

enum tclient_fault {
	TCLIENT_FAULT_NONE = 0,
	TCLIENT_FAULT_WRONG_NONCE = 1 << 0,
	TCLIENT_FAULT_WRONG_CERT_HASH = 1 << 1,
	TCLIENT_FAULT_WRONG_MAC = 1 << 2,
	TCLIENT_FAULT_IP_BEFORE_CONNECTED = 1 << 3, /* send an IPv4 frame before CALL_CONNECTED */
	TCLIENT_FAULT_NO_CALL_CONNECTED = 1 << 4,   /* never send CALL_CONNECTED */
	/* Send CALL_CONNECTED as soon as our inner TLS handshake is done (keys
	 * known), before EAP-Success arrives; the default is right after
	 * EAP-Success, before IPCP, like sstpc. The server must keep it and
	 * verify it once it has the keys (PROTOCOL.md, Gating). */
	TCLIENT_FAULT_CALL_CONNECTED_EARLY = 1 << 5,
	TCLIENT_FAULT_RENEGOTIATE = 1 << 6,         /* TLS 1.2: SSL_renegotiate after UP */
	/* Abuse (test_abuse): CALL_CONNECTED twice in a row (the second an
	 * exact copy); or a forged one (no keys yet: Compound MAC zero) right
	 * after CALL_CONNECT_ACK, before any EAP, and no real one later. */
	TCLIENT_FAULT_CALL_CONNECTED_TWICE = 1 << 7,
	TCLIENT_FAULT_CALL_CONNECTED_BEFORE_AUTH = 1 << 8,
};

struct tclient_cfg {
	uint16_t tls_min, tls_max;        /* outer TLS versions: 0x0303/0x0304 (0: 1.2..1.3) */
	uint16_t eap_tls_max;             /* inner EAP-TLS max version (0: 1.2, like pppd 2.4.9) */
	const char *ca_file;              /* verify the server (NULL: do not) */
	const char *cert_file, *key_file; /* client certificate for EAP-TLS */
	const char *chain_file;           /* optional intermediates to send */
	const char *identity;             /* EAP identity (default: "client1") */
	uint8_t hash_pref;                /* 1 SHA-1, 2 SHA-256 (0: SHA-256 if offered) */
	bool pppd_hlak;                   /* HLAK = MSK[0..15]||MSK[32..47] (pppd 2.4.9) instead of MSK[0..31] */
	size_t eap_frag;                  /* our EAP-TLS fragment size (0: 1000) */
	uint16_t mru;                     /* our LCP MRU (0: 1500) */
	bool windows_lcp;                 /* ask MRU, magic, PFC, ACFC, Callback (Windows) instead of pppd's set */
	unsigned faults;                  /* enum tclient_fault bits */
	const char *eap_ca_file;          /* verify the EAP-TLS server (NULL: do not) */
	const char *host;                 /* HTTP Host (NULL: "sstpgw.test") */
	const char *sni;                  /* send this SNI (NULL: none, like sstpc without --tls-ext) */
	const char *http_request;         /* send this instead of the SSTP_DUPLEX_POST request */
	bool lcp_passive;                 /* send our LCP Configure-Request only after the server's */
	/* Debian's pppd 2.4.9 under EAP-TLS 1.3: the handshake is finished only
	 * once a NewSessionTicket arrived; without one it answers the next
	 * Request with a Response that has no Type, and refuses EAP-Success. */
	bool pppd_249;
	/* Abuse (test_abuse). nonce: put these 32 bytes in CALL_CONNECTED
	 * instead of the server's (a stale nonce from another call), with a
	 * Compound MAC computed over them. eap_hold: answer no EAP-TLS Request
	 * (the test injects its own Responses with tclient_send_ppp_raw()). */
	const uint8_t *nonce;
	bool eap_hold;
};

struct tclient;

struct tclient *tclient_create(const struct tclient_cfg *cfg);
void tclient_destroy(struct tclient *c);

/* Bytes from the server. Returns 0, or -1 if the client failed (state FAILED). */
int tclient_input(struct tclient *c, const uint8_t *in, size_t len);
/* Bytes for the server; returns how many were written (0: nothing pending). */
size_t tclient_output(struct tclient *c, uint8_t *out, size_t cap);

enum tclient_state tclient_state(const struct tclient *c);
const char *tclient_state_str(enum tclient_state s);
const char *tclient_error(const struct tclient *c);

/* After UP: what IPCP gave us (host order), 0 if none. */
uint32_t tclient_addr(const struct tclient *c);
uint32_t tclient_peer_addr(const struct tclient *c);
uint32_t tclient_dns(const struct tclient *c, unsigned i);
/* The status of the CALL_ABORT / CALL_DISCONNECT we received, -1 if none. */
int tclient_abort_status(const struct tclient *c);
bool tclient_eap_failed(const struct tclient *c);  /* received EAP-Failure */
uint8_t tclient_hash_used(const struct tclient *c);/* 1 or 2 */
uint16_t tclient_tls_version(const struct tclient *c);
/* Inner EAP-TLS version (0x0303/0x0304), 0 before its handshake. */
uint16_t tclient_eap_tls_version(const struct tclient *c);
/* EAP-TLS fragments we sent, and how many of them the server acked. */
unsigned tclient_eap_frags_sent(const struct tclient *c);
unsigned tclient_eap_frags_acked(const struct tclient *c);
/* Was CALL_CONNECTED sent? */
bool tclient_call_connected_sent(const struct tclient *c);
/* IPv4 packets dropped because the receive queue was full. */
unsigned tclient_ip_dropped(const struct tclient *c);

/* Queue an IPv4 packet (no PPP header) through the tunnel. */
int tclient_send_ip(struct tclient *c, const uint8_t *pkt, size_t len);
/* Take the next IPv4 packet received through the tunnel; 0 if none. */
size_t tclient_recv_ip(struct tclient *c, uint8_t *out, size_t cap);

/* Orderly end: SSTP CALL_DISCONNECT (Windows) or, with close_only, just a
 * TLS close_notify (sstpc on SIGTERM). */
void tclient_disconnect(struct tclient *c, bool close_only);

/* Raw injection for abuse tests: an SSTP packet (whole, header included),
 * sealed into a TLS record as is; or raw bytes onto the TLS stream. */
int tclient_send_sstp_raw(struct tclient *c, const uint8_t *pkt, size_t len);
int tclient_send_tls_raw(struct tclient *c, const uint8_t *bytes, size_t len);
/* A PPP frame (FF 03, protocol, payload) in one SSTP data packet; from
 * CALL_CONNECT_ACK on. */
int tclient_send_ppp_raw(struct tclient *c, uint16_t proto, const uint8_t *payload,
			 size_t len);
/* The Identifier of the last EAP Request received, -1 if none. */
int tclient_eap_id(const struct tclient *c);
/* The nonce of CALL_CONNECT_ACK (32 bytes); false before it arrived. */
bool tclient_nonce(const struct tclient *c, uint8_t *out);
/* The CALL_CONNECTED we sent (112 bytes), 0 if none yet. */
size_t tclient_call_connected_msg(const struct tclient *c, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
