/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 1661 4: the option-negotiation automaton as a transition table
 * (state x event -> actions, next state), plus the packet side: parsing a
 * control packet with bounds checks, judging a Configure-Request option by
 * option, and building the replies.
 */
#include <string.h>

#include "dataplane/ppp_fsm.h"
#include "dataplane/ppp_wire.h"
#include "dataplane/sgw_limits.h"

/* RFC 1661 4.4: actions. */
enum {
	A_TLU = 1 << 0,
	A_TLD = 1 << 1,
	A_TLS = 1 << 2,
	A_TLF = 1 << 3,
	A_IRC = 1 << 4,
	A_ZRC = 1 << 5,
	A_SCR = 1 << 6,
	A_SCA = 1 << 7,
	A_SCN = 1 << 8,
	A_STR = 1 << 9,
	A_STA = 1 << 10,
	A_SCJ = 1 << 11,
	A_SER = 1 << 12,
};

struct transition {
	uint8_t next;            /* NO: the event is illegal in this state */
	uint16_t act;
};

enum { NO = 0xff };

#define T(s, a) { SGW_FSM_##s, (a) }
#define __ { NO, 0 }

/*
 * RFC 1661 4.1, the state transition table, row by row. Columns: Initial,
 * Starting, Closed, Stopped, Closing, Stopping, Req-Sent, Ack-Rcvd,
 * Ack-Sent, Opened. The options "r" (restart) and "p" (passive) are not
 * used; "x" (crossed connection) needs nothing special.
 */
static const struct transition table[SGW_FSM_NEVENTS][SGW_FSM_NSTATES] = {
	[SGW_FSM_UP] = { T(CLOSED, 0), T(REQ_SENT, A_IRC | A_SCR),
		__, __, __, __, __, __, __, __ },
	[SGW_FSM_DOWN] = { __, __, T(INITIAL, 0), T(STARTING, A_TLS),
		T(INITIAL, 0), T(STARTING, 0), T(STARTING, 0), T(STARTING, 0),
		T(STARTING, 0), T(STARTING, A_TLD) },
	[SGW_FSM_OPEN] = { T(STARTING, A_TLS), T(STARTING, 0),
		T(REQ_SENT, A_IRC | A_SCR), T(STOPPED, 0), T(STOPPING, 0),
		T(STOPPING, 0), T(REQ_SENT, 0), T(ACK_RCVD, 0), T(ACK_SENT, 0),
		T(OPENED, 0) },
	[SGW_FSM_CLOSE] = { T(INITIAL, 0), T(INITIAL, A_TLF), T(CLOSED, 0),
		T(CLOSED, 0), T(CLOSING, 0), T(CLOSING, 0),
		T(CLOSING, A_IRC | A_STR), T(CLOSING, A_IRC | A_STR),
		T(CLOSING, A_IRC | A_STR), T(CLOSING, A_TLD | A_IRC | A_STR) },
	[SGW_FSM_TO_PLUS] = { __, __, __, __, T(CLOSING, A_STR),
		T(STOPPING, A_STR), T(REQ_SENT, A_SCR), T(REQ_SENT, A_SCR),
		T(ACK_SENT, A_SCR), __ },
	[SGW_FSM_TO_MINUS] = { __, __, __, __, T(CLOSED, A_TLF),
		T(STOPPED, A_TLF), T(STOPPED, A_TLF), T(STOPPED, A_TLF),
		T(STOPPED, A_TLF), __ },
	[SGW_FSM_RCR_PLUS] = { __, __, T(CLOSED, A_STA),
		T(ACK_SENT, A_IRC | A_SCR | A_SCA), T(CLOSING, 0),
		T(STOPPING, 0), T(ACK_SENT, A_SCA), T(OPENED, A_SCA | A_TLU),
		T(ACK_SENT, A_SCA), T(ACK_SENT, A_TLD | A_SCR | A_SCA) },
	[SGW_FSM_RCR_MINUS] = { __, __, T(CLOSED, A_STA),
		T(REQ_SENT, A_IRC | A_SCR | A_SCN), T(CLOSING, 0),
		T(STOPPING, 0), T(REQ_SENT, A_SCN), T(ACK_RCVD, A_SCN),
		T(REQ_SENT, A_SCN), T(REQ_SENT, A_TLD | A_SCR | A_SCN) },
	[SGW_FSM_RCA] = { __, __, T(CLOSED, A_STA), T(STOPPED, A_STA),
		T(CLOSING, 0), T(STOPPING, 0), T(ACK_RCVD, A_IRC),
		T(REQ_SENT, A_SCR), T(OPENED, A_IRC | A_TLU),
		T(REQ_SENT, A_TLD | A_SCR) },
	[SGW_FSM_RCN] = { __, __, T(CLOSED, A_STA), T(STOPPED, A_STA),
		T(CLOSING, 0), T(STOPPING, 0), T(REQ_SENT, A_IRC | A_SCR),
		T(REQ_SENT, A_SCR), T(ACK_SENT, A_IRC | A_SCR),
		T(REQ_SENT, A_TLD | A_SCR) },
	[SGW_FSM_RTR] = { __, __, T(CLOSED, A_STA), T(STOPPED, A_STA),
		T(CLOSING, A_STA), T(STOPPING, A_STA), T(REQ_SENT, A_STA),
		T(REQ_SENT, A_STA), T(REQ_SENT, A_STA),
		T(STOPPING, A_TLD | A_ZRC | A_STA) },
	[SGW_FSM_RTA] = { __, __, T(CLOSED, 0), T(STOPPED, 0),
		T(CLOSED, A_TLF), T(STOPPED, A_TLF), T(REQ_SENT, 0),
		T(REQ_SENT, 0), T(ACK_SENT, 0), T(REQ_SENT, A_TLD | A_SCR) },
	[SGW_FSM_RUC] = { __, __, T(CLOSED, A_SCJ), T(STOPPED, A_SCJ),
		T(CLOSING, A_SCJ), T(STOPPING, A_SCJ), T(REQ_SENT, A_SCJ),
		T(ACK_RCVD, A_SCJ), T(ACK_SENT, A_SCJ), T(OPENED, A_SCJ) },
	[SGW_FSM_RXJ_PLUS] = { __, __, T(CLOSED, 0), T(STOPPED, 0),
		T(CLOSING, 0), T(STOPPING, 0), T(REQ_SENT, 0), T(REQ_SENT, 0),
		T(ACK_SENT, 0), T(OPENED, 0) },
	[SGW_FSM_RXJ_MINUS] = { __, __, T(CLOSED, A_TLF), T(STOPPED, A_TLF),
		T(CLOSED, A_TLF), T(STOPPED, A_TLF), T(STOPPED, A_TLF),
		T(STOPPED, A_TLF), T(STOPPED, A_TLF),
		T(STOPPING, A_TLD | A_IRC | A_STR) },
	[SGW_FSM_RXR] = { __, __, T(CLOSED, 0), T(STOPPED, 0), T(CLOSING, 0),
		T(STOPPING, 0), T(REQ_SENT, 0), T(ACK_RCVD, 0), T(ACK_SENT, 0),
		T(OPENED, A_SER) },
};

#undef T
#undef __

/* The packet behind a receive event, and our answer to a Configure-Request. */
struct rx {
	uint8_t code;
	uint8_t id;
	const uint8_t *pkt;      /* whole packet, cut to its Length */
	size_t len;
	const uint8_t *data;     /* after the 4-byte header */
	size_t dlen;
	uint8_t reply_code;      /* Nak or Reject, for scn */
	const uint8_t *reply;
	size_t reply_len;
};

void sgw_ppp_fsm_init(struct sgw_ppp_fsm *f, uint16_t proto,
		      const struct sgw_ppp_fsm_ops *ops, void *ctx,
		      void (*send)(void *ctx, const uint8_t *frame, size_t len),
		      void *send_ctx, const uint64_t *clock,
		      struct sgw_ppp_cp_stats *stats)
{
	memset(f, 0, sizeof(*f));
	f->state = SGW_FSM_INITIAL;
	f->proto = proto;
	f->max_configure = SGW_PPP_MAX_CONFIGURE;
	f->max_terminate = SGW_PPP_MAX_TERMINATE;
	f->max_failure = SGW_PPP_MAX_FAILURE;
	f->restart_ms = SGW_PPP_RESTART_MS;
	f->clock = clock;
	f->ops = ops;
	f->ctx = ctx;
	f->send = send;
	f->send_ctx = send_ctx;
	f->stats = stats;
}

uint8_t sgw_ppp_fsm_next_id(struct sgw_ppp_fsm *f)
{
	return ++f->id;
}

/* Callers keep len within one peer MRU (SGW_PPP_MAX_MRU at most). */
void sgw_ppp_fsm_send(struct sgw_ppp_fsm *f, uint8_t code, uint8_t id,
		      const uint8_t *data, size_t len)
{
	uint8_t buf[PPP_HDR_LEN + SGW_PPP_MAX_MRU];

	if (len > SGW_PPP_MAX_MRU - PPP_CP_HDR_LEN)
		len = SGW_PPP_MAX_MRU - PPP_CP_HDR_LEN;
	buf[0] = PPP_ADDRESS;
	buf[1] = PPP_CONTROL;
	sgw_put16(buf + 2, f->proto);
	buf[4] = code;
	buf[5] = id;
	sgw_put16(buf + 6, (uint16_t)(PPP_CP_HDR_LEN + len));
	if (len > 0)
		memcpy(buf + PPP_HDR_LEN + PPP_CP_HDR_LEN, data, len);
	f->send(f->send_ctx, buf, PPP_HDR_LEN + PPP_CP_HDR_LEN + len);
}

/* RFC 1661 6: a well-formed option list (each Length >= 2, none past the
 * end, at most SGW_PPP_MAX_OPTIONS). */
static bool opts_valid(const uint8_t *p, size_t len)
{
	size_t off = 0;
	unsigned n = 0;

	while (off < len) {
		if (len - off < PPP_OPT_HDR_LEN || p[off + 1] < PPP_OPT_HDR_LEN ||
		    p[off + 1] > len - off || ++n > SGW_PPP_MAX_OPTIONS)
			return false;
		off += p[off + 1];
	}
	return true;
}

/* Iterator over a list opts_valid() accepted. */
static bool opt_next(const uint8_t *p, size_t len, size_t *off,
		     struct sgw_ppp_opt *o)
{
	if (*off >= len)
		return false;
	o->type = p[*off];
	o->len = (uint8_t)(p[*off + 1] - PPP_OPT_HDR_LEN);
	o->val = p + *off + PPP_OPT_HDR_LEN;
	*off += p[*off + 1];
	return true;
}

/* Our request contains an option of this type (a Reject must name ours). */
static bool req_has(const struct sgw_ppp_fsm *f, uint8_t type)
{
	struct sgw_ppp_opt o;
	size_t off = 0;

	while (opt_next(f->req, f->req_len, &off, &o))
		if (o.type == type)
			return true;
	return false;
}

static void timer_start(struct sgw_ppp_fsm *f)
{
	f->timer_on = true;
	f->deadline = *f->clock + f->restart_ms;
}

static void scr(struct sgw_ppp_fsm *f)
{
	f->req_len = (uint8_t)f->ops->build_req(f->ctx, f->req, sizeof(f->req));
	f->reqid = ++f->id;
	f->seen_ack = false;
	sgw_ppp_fsm_send(f, PPP_CONF_REQ, f->reqid, f->req, f->req_len);
	if (f->restart_count > 0)
		f->restart_count--;
}

static void str(struct sgw_ppp_fsm *f)
{
	sgw_ppp_fsm_send(f, PPP_TERM_REQ, ++f->id, NULL, 0);
	if (f->restart_count > 0)
		f->restart_count--;
}

/* scj: RFC 1661 5.6, the rejected packet, cut to fit the smallest MRU we
 * accept (SGW_PPP_MIN_MRU). */
static void scj(struct sgw_ppp_fsm *f, const struct rx *rx)
{
	size_t len = rx->len;

	if (len > SGW_PPP_MIN_MRU - PPP_CP_HDR_LEN)
		len = SGW_PPP_MIN_MRU - PPP_CP_HDR_LEN;
	sgw_ppp_fsm_send(f, PPP_CODE_REJ, ++f->id, rx->pkt, len);
	f->stats->code_rej_sent++;
}

static void scn(struct sgw_ppp_fsm *f, const struct rx *rx)
{
	if (rx->reply_code == PPP_CONF_NAK) {
		f->failures++;
		f->stats->naks_sent++;
	} else {
		f->stats->rejs_sent++;
	}
	sgw_ppp_fsm_send(f, rx->reply_code, rx->id, rx->reply, rx->reply_len);
}

static void sca(struct sgw_ppp_fsm *f, const struct rx *rx)
{
	f->failures = 0;
	f->stats->acks_sent++;
	sgw_ppp_fsm_send(f, PPP_CONF_ACK, rx->id, rx->data, rx->dlen);
}

/* The packet-sending actions, in the order RFC 1661 4.1 lists them. The
 * receive actions (sta, sca, scn, scj, ser) only occur on receive events,
 * so rx is set whenever they are in the mask. */
static void act_send(struct sgw_ppp_fsm *f, uint16_t act, const struct rx *rx)
{
	if (act & A_IRC)
		f->restart_count = (act & A_STR) ? f->max_terminate : f->max_configure;
	if (act & A_ZRC)
		f->restart_count = 0;
	if (act & A_SCR)
		scr(f);
	if (rx != NULL && (act & A_SCA))
		sca(f, rx);
	if (rx != NULL && (act & A_SCN))
		scn(f, rx);
	if (act & A_STR)
		str(f);
	if (rx != NULL && (act & A_STA))
		sgw_ppp_fsm_send(f, PPP_TERM_ACK, rx->id, NULL, 0);
	if (rx != NULL && (act & A_SCJ))
		scj(f, rx);
	if (rx != NULL && (act & A_SER) && f->ops->ser != NULL)
		f->ops->ser(f->ctx, rx->code, rx->id, rx->data, rx->dlen);
}

/* RFC 1661 4.6: the restart timer runs only while a request is
 * outstanding (Closing, Stopping, Req-Sent, Ack-Rcvd, Ack-Sent). */
static bool timer_state(enum sgw_ppp_fsm_state s)
{
	return s == SGW_FSM_CLOSING || s == SGW_FSM_STOPPING ||
	       s == SGW_FSM_REQ_SENT || s == SGW_FSM_ACK_RCVD ||
	       s == SGW_FSM_ACK_SENT;
}

static void call(struct sgw_ppp_fsm *f, void (*fn)(void *ctx))
{
	if (fn != NULL)
		fn(f->ctx);
}

/* One transition: check the event is legal here, tld first, then the
 * packets, the new state, the timer, and last the upward calls (so they
 * see the new state and may drive another automaton). */
static void run(struct sgw_ppp_fsm *f, enum sgw_ppp_fsm_event ev,
		const struct rx *rx)
{
	const struct transition *t = &table[ev][f->state];

	if (t->next == NO) {
		f->stats->unexpected++;
		return;
	}
	if (t->act & A_TLD)
		call(f, f->ops->down);
	act_send(f, t->act, rx);
	f->state = (enum sgw_ppp_fsm_state)t->next;
	if (t->act & (A_SCR | A_STR | A_ZRC))
		timer_start(f);
	else if (!timer_state(f->state))
		f->timer_on = false;
	if (t->act & A_TLU)
		call(f, f->ops->up);
	if (t->act & A_TLS)
		call(f, f->ops->started);
	if (t->act & A_TLF)
		call(f, f->ops->finished);
}

void sgw_ppp_fsm_event(struct sgw_ppp_fsm *f, enum sgw_ppp_fsm_event ev)
{
	if ((unsigned)ev < SGW_FSM_NEVENTS)
		run(f, ev, NULL);
}

void sgw_ppp_fsm_tick(struct sgw_ppp_fsm *f)
{
	if (!f->timer_on || *f->clock < f->deadline)
		return;
	f->timer_on = false;
	f->stats->timeouts++;
	run(f, f->restart_count > 0 ? SGW_FSM_TO_PLUS : SGW_FSM_TO_MINUS, NULL);
}

/* Answers to one Configure-Request, built side by side: rejected options
 * as received, Nak suggestions, and the Nak'd options as received (sent as
 * a Reject once Max-Failure Naks went unanswered, RFC 1661 4.6). */
struct judged {
	uint8_t rej[SGW_PPP_MAX_MRU];
	uint8_t nak[SGW_PPP_MAX_MRU];
	uint8_t nak_orig[SGW_PPP_MAX_MRU];
	size_t rej_len, nak_len, nak_orig_len;
};

static void add(uint8_t *buf, size_t *len, const uint8_t *p, size_t n)
{
	memcpy(buf + *len, p, n);
	*len += n;
}

static void judge_one(struct sgw_ppp_fsm *f, const struct sgw_ppp_opt *o,
		      struct judged *j)
{
	const uint8_t *raw = o->val - PPP_OPT_HDR_LEN;
	size_t raw_len = (size_t)o->len + PPP_OPT_HDR_LEN, n = 0;
	enum sgw_ppp_verdict v;

	v = f->ops->judge(f->ctx, o, j->nak + j->nak_len,
			  sizeof(j->nak) - j->nak_len, &n);
	if (v == SGW_PPP_NAK && (n < PPP_OPT_HDR_LEN ||
				 n > sizeof(j->nak) - j->nak_len))
		v = SGW_PPP_REJ;
	if (v == SGW_PPP_REJ) {
		add(j->rej, &j->rej_len, raw, raw_len);
	} else if (v == SGW_PPP_NAK) {
		j->nak_len += n;
		add(j->nak_orig, &j->nak_orig_len, raw, raw_len);
	}
}

/* RFC 1661 5.2-5.4: Reject wins over Nak; Naks turn into Rejects after
 * Max-Failure. Returns RCR+ or RCR-. */
static enum sgw_ppp_fsm_event judge_req(struct sgw_ppp_fsm *f, struct rx *rx,
					struct judged *j)
{
	struct sgw_ppp_opt o;
	size_t off = 0;

	j->rej_len = j->nak_len = j->nak_orig_len = 0;
	call(f, f->ops->req_begin);
	while (opt_next(rx->data, rx->dlen, &off, &o))
		judge_one(f, &o, j);
	if (f->ops->req_end != NULL)
		j->nak_len += f->ops->req_end(f->ctx, j->nak + j->nak_len,
					      sizeof(j->nak) - j->nak_len);
	if (j->rej_len == 0 && j->nak_len == 0)
		return SGW_FSM_RCR_PLUS;
	rx->reply_code = PPP_CONF_REJ;
	rx->reply = j->rej;
	rx->reply_len = j->rej_len;
	if (j->rej_len == 0 && f->failures >= f->max_failure &&
	    j->nak_orig_len > 0) {
		rx->reply = j->nak_orig;
		rx->reply_len = j->nak_orig_len;
	} else if (j->rej_len == 0) {
		rx->reply_code = PPP_CONF_NAK;
		rx->reply = j->nak;
		rx->reply_len = j->nak_len;
	}
	return SGW_FSM_RCR_MINUS;
}

static void rcr(struct sgw_ppp_fsm *f, struct rx *rx)
{
	struct judged j;

	/* Only states that answer with sca/scn need the verdict; judging in
	 * the others would disturb the protocol's negotiated values. */
	if (table[SGW_FSM_RCR_PLUS][f->state].act & A_SCA)
		run(f, judge_req(f, rx, &j), rx);
	else
		run(f, SGW_FSM_RCR_PLUS, rx);
}

/* An Ack/Nak/Reject answers our request only with its Identifier and only
 * once (RFC 1661 5.2-5.4); in the states without a request outstanding the
 * table decides (sta). */
static bool reply_fresh(struct sgw_ppp_fsm *f, const struct rx *rx)
{
	if (f->state < SGW_FSM_REQ_SENT)
		return true;
	if (rx->id != f->reqid || f->seen_ack) {
		f->stats->stale_id++;
		return false;
	}
	return true;
}

static void rca(struct sgw_ppp_fsm *f, const struct rx *rx)
{
	if (!reply_fresh(f, rx))
		return;
	if (f->state >= SGW_FSM_REQ_SENT &&
	    (rx->dlen != f->req_len || memcmp(rx->data, f->req, rx->dlen) != 0)) {
		f->stats->bad_ack++;
		return;
	}
	f->seen_ack = f->state >= SGW_FSM_REQ_SENT;
	run(f, SGW_FSM_RCA, rx);
}

static void rcn(struct sgw_ppp_fsm *f, const struct rx *rx)
{
	struct sgw_ppp_opt o;
	size_t off = 0;

	if (!reply_fresh(f, rx))
		return;
	while (rx->code == PPP_CONF_REJ && opt_next(rx->data, rx->dlen, &off, &o))
		if (!req_has(f, o.type)) {
			f->stats->bad_packet++;
			return;
		}
	off = 0;
	if (f->state >= SGW_FSM_REQ_SENT) {
		f->seen_ack = true;
		while (opt_next(rx->data, rx->dlen, &off, &o))
			(rx->code == PPP_CONF_NAK ? f->ops->rx_nak : f->ops->rx_rej)(f->ctx, &o);
	}
	run(f, SGW_FSM_RCN, rx);
}

/* RFC 1661 5.6: a Code-Reject of a code we need is RXJ-. */
static void rxj(struct sgw_ppp_fsm *f, const struct rx *rx)
{
	if (rx->dlen < 1) {
		f->stats->bad_packet++;
		return;
	}
	run(f, rx->data[0] >= PPP_CONF_REQ && rx->data[0] <= PPP_CODE_REJ ?
	       SGW_FSM_RXJ_MINUS : SGW_FSM_RXJ_PLUS, rx);
}

static enum sgw_ppp_fsm_event other_code(struct sgw_ppp_fsm *f,
					 const struct rx *rx)
{
	enum sgw_ppp_fsm_event ev = SGW_FSM_RUC;

	if (f->ops->rx_code != NULL)
		ev = f->ops->rx_code(f->ctx, rx->code, rx->data, rx->dlen);
	if (ev != SGW_FSM_RXR && ev != SGW_FSM_RXJ_PLUS && ev != SGW_FSM_RXJ_MINUS)
		ev = SGW_FSM_RUC;
	return ev;
}

static void dispatch(struct sgw_ppp_fsm *f, struct rx *rx)
{
	switch (rx->code) {
	case PPP_CONF_REQ:
		rcr(f, rx);
		break;
	case PPP_CONF_ACK:
		rca(f, rx);
		break;
	case PPP_CONF_NAK:
	case PPP_CONF_REJ:
		rcn(f, rx);
		break;
	case PPP_TERM_REQ:
		run(f, SGW_FSM_RTR, rx);
		break;
	case PPP_TERM_ACK:
		run(f, SGW_FSM_RTA, rx);
		break;
	case PPP_CODE_REJ:
		rxj(f, rx);
		break;
	default:
		run(f, other_code(f, rx), rx);
		break;
	}
}

/* RFC 1661 5: octets past Length are padding; a Length shorter than the
 * header or past the frame, or a malformed option list in a Configure-*
 * packet, discards the whole packet. */
void sgw_ppp_fsm_input(struct sgw_ppp_fsm *f, const uint8_t *pkt, size_t len)
{
	struct rx rx = { 0 };
	size_t plen;

	f->stats->rx++;
	if (len < PPP_CP_HDR_LEN)
		goto drop;
	plen = sgw_get16(pkt + 2);
	/* No packet is longer than the largest MRU (one SSTP packet): this
	 * also bounds the reply buffers of struct judged. */
	if (plen < PPP_CP_HDR_LEN || plen > len || plen > SGW_PPP_MAX_MRU)
		goto drop;
	rx.code = pkt[0];
	rx.id = pkt[1];
	rx.pkt = pkt;
	rx.len = plen;
	rx.data = pkt + PPP_CP_HDR_LEN;
	rx.dlen = plen - PPP_CP_HDR_LEN;
	if (rx.code >= PPP_CONF_REQ && rx.code <= PPP_CONF_REJ &&
	    !opts_valid(rx.data, rx.dlen))
		goto drop;
	dispatch(f, &rx);
	return;
drop:
	f->stats->bad_packet++;
}

const char *sgw_ppp_fsm_state_str(enum sgw_ppp_fsm_state s)
{
	static const char *const names[SGW_FSM_NSTATES] = {
		"Initial", "Starting", "Closed", "Stopped", "Closing",
		"Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened",
	};

	return (unsigned)s < SGW_FSM_NSTATES ? names[s] : "?";
}
