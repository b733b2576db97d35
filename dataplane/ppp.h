/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server side of PPP inside one SSTP call, on byte buffers: LCP (RFC
 * 1661), EAP as authenticator with EAP-TLS (RFC 3748, RFC 5216, through
 * crypto/eaptls.h), IPCP (RFC 1332, RFC 1877) giving the client a /32 and
 * DNS/NBNS, and IPv4 delivery with the inner source checked.
 *
 * Input: one PPP frame per call (the payload of one SSTP data packet: FF 03,
 * 2-byte protocol, information). Output: frames of the same form (FF 03 +
 * protocol + payload, no SSTP header) handed synchronously to cfg->send,
 * which must copy them and must not call back into this object.
 *
 * Every entry point returns a mask of enum sgw_ppp_event bits raised during
 * the call. The object is single-threaded (it belongs to the session's
 * worker). Memory: one allocation at create, one freed early by
 * sgw_ppp_release_auth(); nothing is allocated afterwards.
 *
 * Addresses are IPv4 in host byte order (10.0.0.1 == 0x0a000001), as in
 * control/pool.h.
 */
#ifndef SGW_DATAPLANE_PPP_H
#define SGW_DATAPLANE_PPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto_limits.h"
#include "crypto/eaptls.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_ppp;
struct sgw_tls_server;
struct sgw_trust;
struct sgw_policy;
struct sgw_revoked;
struct sgw_x509_result;

/*
 * The authenticator behind EAP-TLS, as a table of functions chosen at
 * create (cfg->auth_ops == NULL: the real sgw_eaptls_* of crypto/eaptls.h).
 * Tests plug a scripted one. Semantics are exactly those of eaptls.h.
 */
struct sgw_ppp_auth_ops {
	/* max_frag: TLS data bytes per request (peer MRU - 10). NULL = no memory. */
	void *(*create)(void *ctx, size_t max_frag);
	void (*destroy)(void *a);
	size_t (*start)(void *a, uint8_t *out, size_t cap);
	enum sgw_eaptls_status (*input)(void *a, const uint8_t *in, size_t in_len,
					uint8_t *out, size_t cap, size_t *out_len);
	int (*keys)(const void *a, uint8_t msk[SGW_EAP_MSK_LEN],
		    uint8_t emsk[SGW_EAP_EMSK_LEN]);
	/* Optional (NULL: unknown): sgw_eaptls_version. */
	uint16_t (*version)(const void *a);
	/* Optional (NULL: none): sgw_eaptls_msk_compat. */
	int (*msk_compat)(const void *a, uint8_t msk[SGW_EAP_MSK_LEN]);
	const struct sgw_x509_result *(*peer)(const void *a);
	const char *(*error)(const void *a);
};

struct sgw_ppp_config {
	uint16_t mru;           /* ours, advertised in LCP; 0 = SGW_PPP_DEFAULT_MRU */
	uint32_t magic;         /* our LCP Magic-Number; 0 = random */
	uint32_t local_addr;    /* the gateway's tunnel address (IPCP); 0 = none */
	uint32_t dns[2];        /* primary, secondary; 0 = not configured */
	uint32_t nbns[2];

	/* Called once, when authentication has succeeded and IPCP starts.
	 * identity: the EAP identity (NUL-terminated). Returns 0 or -ENOSPC. */
	int (*addr_alloc)(void *ctx, const char *identity, uint32_t *addr);
	/* Called at destroy for an address addr_alloc gave. */
	void (*addr_free)(void *ctx, uint32_t addr);
	void *addr_ctx;

	void (*send)(void *ctx, const uint8_t *frame, size_t len);
	void *send_ctx;

	/* EAP-TLS: with the default auth_ops these are handed to
	 * sgw_eaptls_create() (auth_ctx is ignored). */
	struct sgw_tls_server *tls;
	const struct sgw_trust *trust;
	const struct sgw_revoked *revoked;
	const struct sgw_policy *policy;  /* if set: live, instead of trust/revoked */
	const struct sgw_ppp_auth_ops *auth_ops;
	void *auth_ctx;         /* first argument of auth_ops->create */
};

/* Bits of the mask every entry point returns. */
enum sgw_ppp_event {
	SGW_PPP_EV_AUTH_OK = 1u << 0,     /* EAP-Success sent; keys available */
	SGW_PPP_EV_AUTH_FAILED = 1u << 1, /* EAP-Failure sent; comes with DOWN */
	SGW_PPP_EV_NETWORK_UP = 1u << 2,  /* IPCP opened: sgw_ppp_addr() */
	SGW_PPP_EV_IPV4 = 1u << 3,        /* *ip filled (input only) */
	SGW_PPP_EV_DOWN = 1u << 4,        /* raised once: end the call, see reason */
};

/* Why PPP is down (valid once SGW_PPP_EV_DOWN was raised). */
enum sgw_ppp_down {
	SGW_PPP_UP = 0,
	SGW_PPP_DOWN_CLOSED,          /* sgw_ppp_close() */
	SGW_PPP_DOWN_PEER_TERMINATED, /* LCP Terminate-Request from the client */
	SGW_PPP_DOWN_LCP_FAILED,      /* LCP did not converge / timed out / renegotiated */
	SGW_PPP_DOWN_AUTH_REFUSED,    /* client rejected or Nak'd EAP in LCP */
	SGW_PPP_DOWN_AUTH_FAILED,     /* EAP-TLS failed or client refused EAP-TLS */
	SGW_PPP_DOWN_AUTH_TIMEOUT,    /* EAP request retransmitted too often */
	SGW_PPP_DOWN_POOL_EXHAUSTED,  /* addr_alloc failed: "address pool exhausted" */
	SGW_PPP_DOWN_IPCP_FAILED,     /* IPCP timed out or was terminated */
	SGW_PPP_DOWN_PROTO_REJECTED,  /* client Protocol-Rejected EAP or IPCP */
	SGW_PPP_DOWN_NOMEM,           /* the authenticator could not be created */
};

enum sgw_ppp_phase {              /* RFC 1661 3.2 */
	SGW_PPP_PHASE_DEAD,
	SGW_PPP_PHASE_ESTABLISH,
	SGW_PPP_PHASE_AUTHENTICATE,
	SGW_PPP_PHASE_NETWORK,
	SGW_PPP_PHASE_TERMINATE,
};

/* Counters of one control protocol (LCP or IPCP). */
struct sgw_ppp_cp_stats {
	uint64_t rx;             /* packets handed to the automaton */
	uint64_t bad_packet;     /* short, Length lies, option bounds: discarded */
	uint64_t stale_id;       /* Ack/Nak/Reject not for our current request */
	uint64_t bad_ack;        /* Configure-Ack whose options differ from ours */
	uint64_t unexpected;     /* event illegal in the current state (RFC 1661 4.1 "-") */
	uint64_t code_rej_sent;
	uint64_t naks_sent;
	uint64_t rejs_sent;
	uint64_t acks_sent;
	uint64_t timeouts;
};

struct sgw_ppp_stats {
	uint64_t rx_frames;
	uint64_t tx_frames;
	uint64_t drop_short;           /* no room for a protocol field */
	uint64_t drop_too_long;        /* longer than SGW_PPP_MAX_MRU + protocol */
	uint64_t drop_compressed_proto;/* 1-byte protocol: PFC was not negotiated */
	uint64_t drop_not_open;        /* LCP/EAP/IPCP packet in the wrong phase */
	uint64_t drop_ncp_before_auth; /* IPCP before authentication (RFC 1661 3.5) */
	uint64_t proto_rej_sent;
	uint64_t proto_rej_rcvd;
	uint64_t loopback;             /* our own magic seen */
	uint64_t echo_replies;
	uint64_t eap_bad;              /* malformed / unexpected code or type */
	uint64_t eap_wrong_id;         /* duplicates and stale Responses */
	uint64_t eap_retransmits;
	uint64_t eap_bare_acks;        /* Response without Type taken as an ack (pppd 2.4.9) */
	uint64_t ipv4_rx;
	uint64_t ipv4_not_open;
	uint64_t ipv4_malformed;
	uint64_t ipv4_spoofed;
	uint64_t ipv4_tx;
	uint64_t ipv4_tx_not_open;
	struct sgw_ppp_cp_stats lcp;
	struct sgw_ppp_cp_stats ipcp;
};

/* An IPv4 packet inside the frame given to sgw_ppp_input (zero copy). */
struct sgw_ppp_ipv4 {
	const uint8_t *pkt;
	size_t len;              /* the IPv4 Total Length (link padding cut off) */
};

/* Bytes sgw_ppp_ipv4_encap() writes in front of a packet. */
enum { SGW_PPP_ENCAP_LEN = 4 };

/* cfg is copied. NULL on bad config (no send, no addr_alloc, MRU out of
 * [SGW_PPP_MIN_MRU, SGW_PPP_MAX_MRU]) or no memory. */
__attribute__((warn_unused_result))
struct sgw_ppp *sgw_ppp_create(const struct sgw_ppp_config *cfg);
/* Frees everything, the authenticator too, and gives the address back. */
void sgw_ppp_destroy(struct sgw_ppp *p);

/* The server opens LCP (RFC 1661 4.1 Up + Open): sends our Configure-Request. */
uint32_t sgw_ppp_start(struct sgw_ppp *p, uint64_t now_ms);
/* LCP Close: Terminate-Request; DOWN (SGW_PPP_DOWN_CLOSED) unless already. */
uint32_t sgw_ppp_close(struct sgw_ppp *p, uint64_t now_ms);
/* One frame. IPv4 (event SGW_PPP_EV_IPV4) points into frame. */
uint32_t sgw_ppp_input(struct sgw_ppp *p, const uint8_t *frame, size_t len,
		       uint64_t now_ms, struct sgw_ppp_ipv4 *ip);
/* Restart timers (LCP, IPCP) and the EAP retransmission timer. */
uint32_t sgw_ppp_tick(struct sgw_ppp *p, uint64_t now_ms);
/* The earliest deadline of a running timer, or UINT64_MAX. */
uint64_t sgw_ppp_next_timer(const struct sgw_ppp *p);

/* Outgoing IPv4: writes FF 03 00 21 into the SGW_PPP_ENCAP_LEN bytes before
 * ip (the caller's headroom) and returns ip - SGW_PPP_ENCAP_LEN, the frame
 * of len + SGW_PPP_ENCAP_LEN bytes; NULL (counted) if IPCP is not opened or
 * the packet exceeds the client's MRU. */
uint8_t *sgw_ppp_ipv4_encap(struct sgw_ppp *p, uint8_t *ip, size_t len);

/* State for the session. */
enum sgw_ppp_phase sgw_ppp_phase(const struct sgw_ppp *p);
enum sgw_ppp_down sgw_ppp_down_reason(const struct sgw_ppp *p);
const char *sgw_ppp_reason(const struct sgw_ppp *p);   /* "" while up */
const char *sgw_ppp_down_str(enum sgw_ppp_down d);
uint32_t sgw_ppp_addr(const struct sgw_ppp *p);        /* 0 until allocated */
uint16_t sgw_ppp_peer_mru(const struct sgw_ppp *p);    /* what we may send */
const struct sgw_ppp_stats *sgw_ppp_stats(const struct sgw_ppp *p);

/* Authentication results, valid until sgw_ppp_release_auth(). */
const char *sgw_ppp_identity(const struct sgw_ppp *p); /* "" before Identity */
/* After SGW_PPP_EV_AUTH_OK: MSK and EMSK. 0 or -EINVAL. */
__attribute__((warn_unused_result))
int sgw_ppp_auth_keys(const struct sgw_ppp *p, uint8_t msk[SGW_EAP_MSK_LEN],
		      uint8_t emsk[SGW_EAP_EMSK_LEN]);
/* The TLS version EAP-TLS ran (0x0303, 0x0304), 0 if unknown. */
uint16_t sgw_ppp_auth_tls_version(const struct sgw_ppp *p);
/* After SGW_PPP_EV_AUTH_OK: the pppd 2.4.9 variant of the MSK (EAP-TLS
 * 1.3 only, sgw_eaptls_msk_compat). 0, or -ENOENT. */
__attribute__((warn_unused_result))
int sgw_ppp_auth_msk_compat(const struct sgw_ppp *p, uint8_t msk[SGW_EAP_MSK_LEN]);
/* The certificate verdict (sgw_eaptls_peer), or NULL. */
const struct sgw_x509_result *sgw_ppp_auth_peer(const struct sgw_ppp *p);
/* Frees the authenticator and the EAP buffers (~4 KiB) once the session has
 * copied what it needs; later EAP frames are dropped. */
void sgw_ppp_release_auth(struct sgw_ppp *p);
/* The call is over: give the client's address back to the pool now, not
 * when the transport finally closes (a vanished client's TCP may linger).
 * sgw_ppp_addr() is 0 afterwards; idempotent. */
void sgw_ppp_release_addr(struct sgw_ppp *p);

#ifdef __cplusplus
}
#endif
#endif
