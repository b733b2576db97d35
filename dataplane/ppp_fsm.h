/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 1661 4 option-negotiation automaton, shared by LCP and IPCP.
 *
 * The automaton owns the codes every control protocol has (Configure-*,
 * Terminate-*, Code-Reject: RFC 1661 5.1-5.6), the Identifier matching, the
 * restart timer and counters (4.6), and option parsing with bounds checks.
 * The protocol (LCP, IPCP) supplies the ops: its own request, a verdict per
 * option of the peer's request, what to do with a Nak/Reject of its request,
 * extra codes (LCP: Protocol-Reject, Echo, Discard), and the this-layer
 * actions (tlu, tld, tls, tlf).
 *
 * The this-layer callbacks must not feed an event to the same automaton
 * (defer it); they may drive a different one. rx_code runs before any
 * transition and may.
 */
#ifndef SGW_DATAPLANE_PPP_FSM_H
#define SGW_DATAPLANE_PPP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/ppp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 1661 4.2. */
enum sgw_ppp_fsm_state {
	SGW_FSM_INITIAL,
	SGW_FSM_STARTING,
	SGW_FSM_CLOSED,
	SGW_FSM_STOPPED,
	SGW_FSM_CLOSING,
	SGW_FSM_STOPPING,
	SGW_FSM_REQ_SENT,
	SGW_FSM_ACK_RCVD,
	SGW_FSM_ACK_SENT,
	SGW_FSM_OPENED,
	SGW_FSM_NSTATES,
};

/* RFC 1661 4.3. */
enum sgw_ppp_fsm_event {
	SGW_FSM_UP,
	SGW_FSM_DOWN,
	SGW_FSM_OPEN,
	SGW_FSM_CLOSE,
	SGW_FSM_TO_PLUS,
	SGW_FSM_TO_MINUS,
	SGW_FSM_RCR_PLUS,
	SGW_FSM_RCR_MINUS,
	SGW_FSM_RCA,
	SGW_FSM_RCN,
	SGW_FSM_RTR,
	SGW_FSM_RTA,
	SGW_FSM_RUC,
	SGW_FSM_RXJ_PLUS,
	SGW_FSM_RXJ_MINUS,
	SGW_FSM_RXR,
	SGW_FSM_NEVENTS,
};

enum sgw_ppp_verdict {
	SGW_PPP_ACK,
	SGW_PPP_NAK,
	SGW_PPP_REJ,
};

/* The value bytes of one option (the 2-byte header stripped). */
struct sgw_ppp_opt {
	uint8_t type;
	uint8_t len;             /* of val */
	const uint8_t *val;
};

struct sgw_ppp_fsm_ops {
	/* Our Configure-Request options into out; returns their length. */
	size_t (*build_req)(void *ctx, uint8_t *out, size_t cap);
	/* A Configure-Request from the peer starts: forget its last one. */
	void (*req_begin)(void *ctx);
	/* One option of it. On SGW_PPP_NAK write the suggested whole option
	 * (type, length, value) to nak (cap bytes) and set *nak_len; if it
	 * does not fit, the option is rejected instead. */
	enum sgw_ppp_verdict (*judge)(void *ctx, const struct sgw_ppp_opt *o,
				      uint8_t *nak, size_t cap, size_t *nak_len);
	/* Optional: after the last option, whole options to append to a Nak
	 * (RFC 1661 5.3: to ask for an option the peer left out). */
	size_t (*req_end)(void *ctx, uint8_t *nak, size_t cap);
	/* One option of a Configure-Nak / Configure-Reject of our request. */
	void (*rx_nak)(void *ctx, const struct sgw_ppp_opt *o);
	void (*rx_rej)(void *ctx, const struct sgw_ppp_opt *o);
	/* Optional: codes above Code-Reject (data after the 4-byte header).
	 * Returns the event it is: SGW_FSM_RXR (Echo, Discard), SGW_FSM_RXJ_PLUS
	 * or _MINUS (Protocol-Reject), or SGW_FSM_RUC (unknown: Code-Reject).
	 * NULL: every such code is RUC (an NCP). */
	enum sgw_ppp_fsm_event (*rx_code)(void *ctx, uint8_t code,
					  const uint8_t *data, size_t len);
	/* Optional: the ser action (RXR in Opened): answer an Echo-Request. */
	void (*ser)(void *ctx, uint8_t code, uint8_t id,
		    const uint8_t *data, size_t len);
	/* This-Layer-Up / -Down / -Started / -Finished (RFC 1661 4.4). */
	void (*up)(void *ctx);
	void (*down)(void *ctx);
	void (*started)(void *ctx);
	void (*finished)(void *ctx);
};

/* Our Configure-Request options are remembered to check the Ack. */
enum { SGW_FSM_REQ_MAX = 64 };

struct sgw_ppp_fsm {
	enum sgw_ppp_fsm_state state;
	uint16_t proto;
	uint8_t id;              /* last Identifier we sent */
	uint8_t reqid;           /* of our outstanding Configure-Request */
	uint8_t restart_count;
	uint8_t failures;        /* Naks sent since the last Ack */
	uint8_t max_configure;   /* RFC 1661 4.6; set by init, tests may lower */
	uint8_t max_terminate;
	uint8_t max_failure;
	uint8_t req_len;
	uint8_t req[SGW_FSM_REQ_MAX];
	bool seen_ack;           /* reqid already answered: later replies are stale */
	bool timer_on;
	uint32_t restart_ms;
	uint64_t deadline;
	const uint64_t *clock;   /* the owner's "now" in ms */
	const struct sgw_ppp_fsm_ops *ops;
	void *ctx;
	void (*send)(void *ctx, const uint8_t *frame, size_t len);
	void *send_ctx;
	struct sgw_ppp_cp_stats *stats;
};

/* stats may point into the owner's struct (it is never NULL after init). */
void sgw_ppp_fsm_init(struct sgw_ppp_fsm *f, uint16_t proto,
		      const struct sgw_ppp_fsm_ops *ops, void *ctx,
		      void (*send)(void *ctx, const uint8_t *frame, size_t len),
		      void *send_ctx, const uint64_t *clock,
		      struct sgw_ppp_cp_stats *stats);

/* Administrative and lower-layer events. */
void sgw_ppp_fsm_event(struct sgw_ppp_fsm *f, enum sgw_ppp_fsm_event ev);
/* One packet of this protocol (after the PPP protocol field). */
void sgw_ppp_fsm_input(struct sgw_ppp_fsm *f, const uint8_t *pkt, size_t len);
/* Restart timer: TO+ / TO- when the deadline has passed. */
void sgw_ppp_fsm_tick(struct sgw_ppp_fsm *f);

/* Sends one packet of this protocol (code, id, data) through f->send. */
void sgw_ppp_fsm_send(struct sgw_ppp_fsm *f, uint8_t code, uint8_t id,
		      const uint8_t *data, size_t len);
/* A fresh Identifier for a packet the automaton does not send itself. */
uint8_t sgw_ppp_fsm_next_id(struct sgw_ppp_fsm *f);

const char *sgw_ppp_fsm_state_str(enum sgw_ppp_fsm_state s);

static inline bool sgw_ppp_fsm_opened(const struct sgw_ppp_fsm *f)
{
	return f->state == SGW_FSM_OPENED;
}

#ifdef __cplusplus
}
#endif
#endif
