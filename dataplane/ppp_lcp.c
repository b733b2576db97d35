/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LCP (RFC 1661 5 and 6) on top of the shared automaton: our request (MRU,
 * Auth-Protocol = EAP, Magic-Number), the verdict on the client's options,
 * Protocol-Reject, Echo and Discard, and the phase changes LCP drives.
 *
 * Windows asks for MRU, Magic-Number, PFC, ACFC, Callback; pppd for ACCM,
 * Magic-Number, PFC, ACFC. We take MRU (>= SGW_PPP_MIN_MRU), ACCM
 * (meaningless on SSTP's octet-synchronous link, so harmless) and
 * Magic-Number, and reject everything else: no header compression, no
 * callback, and we do not authenticate ourselves to the client.
 */
#include <stdio.h>
#include <string.h>

#include "dataplane/ppp_internal.h"

void ppp_lcp_init(struct sgw_ppp *p)
{
	struct ppp_lcp *l = &p->lcp;

	l->mru = p->cfg.mru;
	l->magic = p->cfg.magic != 0 ? p->cfg.magic : ppp_random32(0);
	l->want_mru = true;
	l->want_magic = true;
	l->peer_mru = SGW_PPP_DEFAULT_MRU;
}

static size_t put_opt(uint8_t *out, uint8_t type, uint32_t v, uint8_t vlen)
{
	out[0] = type;
	out[1] = (uint8_t)(PPP_OPT_HDR_LEN + vlen);
	if (vlen == 2)
		sgw_put16(out + 2, (uint16_t)v);
	else
		sgw_put32(out + 2, v);
	return PPP_OPT_HDR_LEN + vlen;
}

/* 4 + 4 + 6 bytes: always within cap (SGW_FSM_REQ_MAX). */
static size_t build_req(void *ctx, uint8_t *out, size_t cap)
{
	struct sgw_ppp *p = ctx;
	size_t n = 0;

	(void)cap;
	if (p->lcp.want_mru)
		n += put_opt(out + n, LCP_OPT_MRU, p->lcp.mru, 2);
	/* RFC 1661 6.2: Auth-Protocol, EAP needs no data (RFC 3748 7.1). */
	n += put_opt(out + n, LCP_OPT_AUTH, PPP_PROTO_EAP, 2);
	if (p->lcp.want_magic)
		n += put_opt(out + n, LCP_OPT_MAGIC, p->lcp.magic, 4);
	return n;
}

static void req_begin(void *ctx)
{
	struct sgw_ppp *p = ctx;

	/* RFC 1661 6.1: the default MRU is 1500. */
	p->lcp.peer_mru = SGW_PPP_DEFAULT_MRU;
	p->lcp.peer_magic = 0;
}

/* RFC 1661 6.1: MRU. Below what our EAP-TLS fragments need -> Nak. */
static enum sgw_ppp_verdict judge_mru(struct sgw_ppp *p, uint16_t v,
				      uint8_t *nak, size_t *nak_len)
{
	if (v < SGW_PPP_MIN_MRU) {
		*nak_len = put_opt(nak, LCP_OPT_MRU, SGW_PPP_MIN_MRU, 2);
		return SGW_PPP_NAK;
	}
	p->lcp.peer_mru = v > SGW_PPP_MAX_MRU ? SGW_PPP_MAX_MRU : v;
	return SGW_PPP_ACK;
}

/* RFC 1661 6.4: zero is illegal; our own value means a looped-back link
 * (or a peer with the same number): pick a new one and Nak with another. */
static enum sgw_ppp_verdict judge_magic(struct sgw_ppp *p, uint32_t v,
					uint8_t *nak, size_t *nak_len)
{
	if (v != 0 && v != p->lcp.magic) {
		p->lcp.peer_magic = v;
		return SGW_PPP_ACK;
	}
	if (v != 0) {
		p->stats.loopback++;
		p->lcp.magic = ppp_random32(p->lcp.magic);
	}
	*nak_len = put_opt(nak, LCP_OPT_MAGIC, ppp_random32(v ^ p->lcp.magic), 4);
	return SGW_PPP_NAK;
}

static enum sgw_ppp_verdict judge(void *ctx, const struct sgw_ppp_opt *o,
				  uint8_t *nak, size_t cap, size_t *nak_len)
{
	struct sgw_ppp *p = ctx;

	if (cap < 6)
		return SGW_PPP_REJ;
	if (o->type == LCP_OPT_MRU && o->len == 2)
		return judge_mru(p, sgw_get16(o->val), nak, nak_len);
	if (o->type == LCP_OPT_MAGIC && o->len == 4)
		return judge_magic(p, sgw_get32(o->val), nak, nak_len);
	if (o->type == LCP_OPT_ACCM && o->len == 4)
		return SGW_PPP_ACK;
	/* PFC, ACFC, Callback, Auth-Protocol (for us), Quality, unknown, or
	 * a known option with a wrong length. */
	return SGW_PPP_REJ;
}

static void auth_refused(struct sgw_ppp *p, const struct sgw_ppp_opt *o)
{
	char why[96];

	if (o->len >= 2)
		snprintf(why, sizeof(why),
			 "client refused EAP authentication (wants 0x%04x)",
			 sgw_get16(o->val));
	else
		snprintf(why, sizeof(why), "client refused EAP authentication");
	ppp_end(p, SGW_PPP_DOWN_AUTH_REFUSED, why, true);
}

/* RFC 1661 5.3: the client suggests other values for our options. */
static void rx_nak(void *ctx, const struct sgw_ppp_opt *o)
{
	struct sgw_ppp *p = ctx;
	uint16_t v;

	if (o->type == LCP_OPT_AUTH) {
		auth_refused(p, o);
	} else if (o->type == LCP_OPT_MRU && o->len == 2) {
		v = sgw_get16(o->val);
		if (v >= SGW_PPP_MIN_MRU && v <= SGW_PPP_MAX_MRU)
			p->lcp.mru = v;
		else
			p->lcp.want_mru = false;
	} else if (o->type == LCP_OPT_MAGIC) {
		p->lcp.magic = ppp_random32(p->lcp.magic);
	}
}

/* RFC 1661 5.4: Windows tolerates our rejects and we tolerate its, except
 * for the authentication we cannot do without. */
static void rx_rej(void *ctx, const struct sgw_ppp_opt *o)
{
	struct sgw_ppp *p = ctx;

	if (o->type == LCP_OPT_AUTH)
		auth_refused(p, o);
	else if (o->type == LCP_OPT_MRU)
		p->lcp.want_mru = false;
	else if (o->type == LCP_OPT_MAGIC)
		p->lcp.want_magic = false;
}

/* RFC 1661 5.7: a Protocol-Reject of LCP is RXJ-; of EAP or IPCP, the
 * call cannot go on; of anything else (we never send it) RXJ+. Only in
 * Opened; elsewhere the table ignores RXJ+. */
static enum sgw_ppp_fsm_event proto_rej(struct sgw_ppp *p, const uint8_t *data,
					size_t len)
{
	uint16_t proto;

	if (len < 2) {
		p->stats.lcp.bad_packet++;
		return SGW_FSM_RXJ_PLUS;
	}
	p->stats.proto_rej_rcvd++;
	proto = sgw_get16(data);
	if (proto == PPP_PROTO_LCP)
		return SGW_FSM_RXJ_MINUS;
	if (sgw_ppp_fsm_opened(&p->lcp_fsm) &&
	    (proto == PPP_PROTO_EAP || proto == PPP_PROTO_IPCP))
		ppp_end(p, SGW_PPP_DOWN_PROTO_REJECTED,
			proto == PPP_PROTO_EAP ? "client rejected EAP" :
			"client rejected IPCP", true);
	return SGW_FSM_RXJ_PLUS;
}

static enum sgw_ppp_fsm_event rx_code(void *ctx, uint8_t code,
				      const uint8_t *data, size_t len)
{
	switch (code) {
	case PPP_PROTO_REJ:
		return proto_rej(ctx, data, len);
	case PPP_ECHO_REQ:
	case PPP_ECHO_REP:
	case PPP_DISC_REQ:
		return SGW_FSM_RXR;
	default:
		return SGW_FSM_RUC;
	}
}

/* ser, RFC 1661 5.8: the Echo-Reply carries our magic and the rest of the
 * request's data. The client's magic equal to ours means a loop. */
static void ser(void *ctx, uint8_t code, uint8_t id, const uint8_t *data,
		size_t len)
{
	struct sgw_ppp *p = ctx;
	uint8_t buf[SGW_PPP_MAX_MRU];
	size_t n;

	if (code != PPP_ECHO_REQ)
		return;
	if (len < 4) {
		p->stats.lcp.bad_packet++;
		return;
	}
	if (p->lcp.want_magic && sgw_get32(data) == p->lcp.magic) {
		p->stats.loopback++;
		return;
	}
	n = len;
	if (n > (size_t)p->lcp.peer_mru - PPP_CP_HDR_LEN)
		n = (size_t)p->lcp.peer_mru - PPP_CP_HDR_LEN;
	sgw_put32(buf, p->lcp.want_magic ? p->lcp.magic : 0);
	memcpy(buf + 4, data + 4, n - 4);
	sgw_ppp_fsm_send(&p->lcp_fsm, PPP_ECHO_REP, id, buf, n);
	p->stats.echo_replies++;
}

/* RFC 1661 3.4: LCP opened -> Authentication phase. */
static void up(void *ctx)
{
	struct sgw_ppp *p = ctx;

	p->phase = SGW_PPP_PHASE_AUTHENTICATE;
	ppp_eap_start(p);
}

/* LCP left Opened: the NCPs go down with it (RFC 1661 3.7). A client
 * Terminate-Request ends the call; a renegotiation would redo
 * authentication, which the gateway does not support: end it too. */
static void down(void *ctx)
{
	struct sgw_ppp *p = ctx;

	sgw_ppp_fsm_event(&p->ipcp_fsm, SGW_FSM_DOWN);
	ppp_eap_stop(p);
	if (p->lcp.rx_code == PPP_TERM_REQ)
		ppp_end(p, SGW_PPP_DOWN_PEER_TERMINATED,
			"client sent LCP Terminate-Request", false);
	else
		ppp_end(p, SGW_PPP_DOWN_LCP_FAILED, "LCP went down", true);
	p->phase = SGW_PPP_PHASE_TERMINATE;
}

static void finished(void *ctx)
{
	struct sgw_ppp *p = ctx;

	ppp_end(p, SGW_PPP_DOWN_LCP_FAILED, "LCP negotiation failed", false);
	p->phase = SGW_PPP_PHASE_DEAD;
}

const struct sgw_ppp_fsm_ops ppp_lcp_ops = {
	.build_req = build_req,
	.req_begin = req_begin,
	.judge = judge,
	.rx_nak = rx_nak,
	.rx_rej = rx_rej,
	.rx_code = rx_code,
	.ser = ser,
	.up = up,
	.down = down,
	.finished = finished,
};

void ppp_lcp_input(struct sgw_ppp *p, const uint8_t *pkt, size_t len)
{
	enum sgw_ppp_fsm_state before = p->lcp_fsm.state;
	uint64_t bad = p->stats.lcp.bad_packet;

	p->lcp.rx_code = len > 0 ? pkt[0] : 0;
	sgw_ppp_fsm_input(&p->lcp_fsm, pkt, len);
	p->lcp.rx_code = 0;
	/* A Terminate-Request while negotiating is answered (sta) without
	 * leaving the negotiation; the client still wants out. */
	if (len >= PPP_CP_HDR_LEN && pkt[0] == PPP_TERM_REQ &&
	    before >= SGW_FSM_REQ_SENT && before != SGW_FSM_OPENED &&
	    p->stats.lcp.bad_packet == bad)
		ppp_end(p, SGW_PPP_DOWN_PEER_TERMINATED,
			"client sent LCP Terminate-Request", true);
}

/* RFC 1661 5.7: only in Opened; the rejected packet is cut so the whole
 * LCP packet fits the client's MRU. */
void ppp_lcp_proto_reject(struct sgw_ppp *p, uint16_t proto,
			  const uint8_t *info, size_t len)
{
	uint8_t buf[SGW_PPP_MAX_MRU];
	size_t max = (size_t)p->lcp.peer_mru - PPP_CP_HDR_LEN - 2;

	if (len > max)
		len = max;
	sgw_put16(buf, proto);
	if (len > 0)
		memcpy(buf + 2, info, len);
	sgw_ppp_fsm_send(&p->lcp_fsm, PPP_PROTO_REJ,
			 sgw_ppp_fsm_next_id(&p->lcp_fsm), buf, len + 2);
	p->stats.proto_rej_sent++;
}
