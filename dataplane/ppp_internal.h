/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PPP object shared by ppp.c (demux, phases), ppp_lcp.c, ppp_eap.c and
 * ppp_ipcp.c. Private to dataplane/ppp*.c and their tests.
 */
#ifndef SGW_DATAPLANE_PPP_INTERNAL_H
#define SGW_DATAPLANE_PPP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/wire.h"

#include "dataplane/ppp.h"
#include "dataplane/ppp_fsm.h"
#include "dataplane/ppp_wire.h"
#include "dataplane/sgw_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 1661 6: what we ask for and what the client's acked request said. */
struct ppp_lcp {
	uint16_t mru;            /* ours */
	uint32_t magic;          /* ours */
	bool want_mru;           /* cleared by a Reject */
	bool want_magic;
	uint16_t peer_mru;       /* we send at most this (RFC 1661 6.1) */
	uint32_t peer_magic;
	uint8_t rx_code;         /* code of the LCP packet being handled, or 0 */
};

/* RFC 1332, RFC 1877. */
struct ppp_ipcp {
	uint32_t addr;           /* the client's, host order; 0 = none yet */
	bool want_addr;          /* our IP-Address option (cfg.local_addr) */
	bool saw_addr;           /* the request being judged carried IP-Address */
};

enum ppp_eap_state {
	PPP_EAP_IDLE,            /* LCP not opened yet */
	PPP_EAP_IDENTITY,        /* Request/Identity outstanding */
	PPP_EAP_TLS,             /* EAP-TLS requests outstanding */
	PPP_EAP_DONE,            /* Success or Failure sent */
};

/* Only while authenticating; freed by sgw_ppp_release_auth(). */
struct ppp_eap {
	enum ppp_eap_state state;
	uint8_t id;              /* of the outstanding Request */
	uint8_t retransmits;
	bool timer_on;
	uint64_t deadline;
	void *auth;              /* the authenticator (auth_ops) */
	size_t frame_len;        /* the last Request, as a whole PPP frame */
	char identity[SGW_EAP_MAX_IDENTITY + 1];
	/* + 8: eaptls.h wants cap >= max_frag + 6 for the Type-Data. */
	uint8_t frame[PPP_HDR_LEN + SGW_PPP_MAX_MRU + 8];
};

struct sgw_ppp {
	struct sgw_ppp_config cfg;
	const struct sgw_ppp_auth_ops *auth_ops;
	void *auth_ctx;
	enum sgw_ppp_phase phase;
	uint64_t now;
	uint32_t events;         /* raised during the current entry point */
	bool down_raised;
	bool close_pending;      /* a failure inside a callback: Close at the end */
	bool auth_ok;
	enum sgw_ppp_down down;
	struct sgw_ppp_fsm lcp_fsm;
	struct sgw_ppp_fsm ipcp_fsm;
	struct ppp_lcp lcp;
	struct ppp_ipcp ipcp;
	struct ppp_eap *eap;
	struct sgw_ppp_stats stats;
	char reason[128];
};

/* ppp.c */
void ppp_send(void *ctx, const uint8_t *frame, size_t len);
/* The call cannot go on: raise DOWN once (the first reason wins); close:
 * send an LCP Terminate-Request when the current entry point returns. */
void ppp_end(struct sgw_ppp *p, enum sgw_ppp_down why, const char *reason,
	     bool close);
uint32_t ppp_random32(uint32_t old);

/* ppp_lcp.c */
extern const struct sgw_ppp_fsm_ops ppp_lcp_ops;
void ppp_lcp_init(struct sgw_ppp *p);
void ppp_lcp_input(struct sgw_ppp *p, const uint8_t *pkt, size_t len);
void ppp_lcp_proto_reject(struct sgw_ppp *p, uint16_t proto,
			  const uint8_t *info, size_t len);

/* ppp_eap.c */
extern const struct sgw_ppp_auth_ops ppp_eaptls_ops;
void ppp_eap_start(struct sgw_ppp *p);
void ppp_eap_stop(struct sgw_ppp *p);
void ppp_eap_input(struct sgw_ppp *p, const uint8_t *pkt, size_t len);
void ppp_eap_tick(struct sgw_ppp *p);
uint64_t ppp_eap_deadline(const struct sgw_ppp *p);

/* ppp_ipcp.c */
extern const struct sgw_ppp_fsm_ops ppp_ipcp_ops;
void ppp_ipcp_init(struct sgw_ppp *p);
void ppp_ipcp_start(struct sgw_ppp *p);
bool ppp_ipv4_input(struct sgw_ppp *p, const uint8_t *pkt, size_t len,
		    struct sgw_ppp_ipv4 *ip);

#ifdef __cplusplus
}
#endif
#endif
