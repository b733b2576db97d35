/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPCP (RFC 1332) with the Microsoft DNS/NBNS options (RFC 1877) on top of
 * the shared automaton, started once authentication has succeeded (RFC 1661
 * 3.5), and the IPv4 receive check: a /32 per client, and every packet must
 * come from it.
 *
 * The client asks for 0.0.0.0 (or any address): Nak with the one the pool
 * gave. It asks for DNS/NBNS 0.0.0.0: Nak with the configured servers, or
 * Reject when none is configured. VJ compression and the rest: Reject.
 */
#include <string.h>

#include "dataplane/ppp_internal.h"

static size_t put_addr(uint8_t *out, uint8_t type, uint32_t addr)
{
	out[0] = type;
	out[1] = PPP_OPT_HDR_LEN + 4;
	sgw_put32(out + 2, addr);
	return PPP_OPT_HDR_LEN + 4;
}

/* RFC 1332 3.3: our own address, when configured. */
static size_t build_req(void *ctx, uint8_t *out, size_t cap)
{
	struct sgw_ppp *p = ctx;

	(void)cap;
	if (!p->ipcp.want_addr)
		return 0;
	return put_addr(out, IPCP_OPT_ADDRESS, p->cfg.local_addr);
}

static void req_begin(void *ctx)
{
	struct sgw_ppp *p = ctx;

	p->ipcp.saw_addr = false;
}

/* The configured value for an RFC 1877 option, 0 if none. */
static uint32_t server_for(const struct sgw_ppp *p, uint8_t type)
{
	switch (type) {
	case IPCP_OPT_DNS1:
		return p->cfg.dns[0];
	case IPCP_OPT_DNS2:
		return p->cfg.dns[1];
	case IPCP_OPT_NBNS1:
		return p->cfg.nbns[0];
	default:
		return p->cfg.nbns[1];
	}
}

static bool is_server_opt(uint8_t type)
{
	return type == IPCP_OPT_DNS1 || type == IPCP_OPT_DNS2 ||
	       type == IPCP_OPT_NBNS1 || type == IPCP_OPT_NBNS2;
}

/* One address-valued option: ack the value we want, Nak with it otherwise,
 * Reject when we have none. */
static enum sgw_ppp_verdict want(uint8_t type, uint32_t got, uint32_t ours,
				 uint8_t *nak, size_t *nak_len)
{
	if (ours == 0)
		return SGW_PPP_REJ;
	if (got == ours)
		return SGW_PPP_ACK;
	*nak_len = put_addr(nak, type, ours);
	return SGW_PPP_NAK;
}

static enum sgw_ppp_verdict judge(void *ctx, const struct sgw_ppp_opt *o,
				  uint8_t *nak, size_t cap, size_t *nak_len)
{
	struct sgw_ppp *p = ctx;

	if (o->len != 4 || cap < PPP_OPT_HDR_LEN + 4)
		return SGW_PPP_REJ;
	if (o->type == IPCP_OPT_ADDRESS) {
		p->ipcp.saw_addr = true;
		return want(o->type, sgw_get32(o->val), p->ipcp.addr, nak, nak_len);
	}
	if (is_server_opt(o->type))
		return want(o->type, sgw_get32(o->val), server_for(p, o->type),
			    nak, nak_len);
	return SGW_PPP_REJ;      /* IP-Compression-Protocol (VJ), IP-Addresses, ... */
}

/* RFC 1661 5.3 / RFC 1332 3.3: a client that did not ask for an address
 * is told the one it has. */
static size_t req_end(void *ctx, uint8_t *nak, size_t cap)
{
	struct sgw_ppp *p = ctx;

	if (p->ipcp.saw_addr || cap < PPP_OPT_HDR_LEN + 4)
		return 0;
	return put_addr(nak, IPCP_OPT_ADDRESS, p->ipcp.addr);
}

/* The client would call us something else: our address is only a label
 * on a point-to-point link, so stop sending it rather than argue. */
static void rx_nak(void *ctx, const struct sgw_ppp_opt *o)
{
	struct sgw_ppp *p = ctx;

	if (o->type == IPCP_OPT_ADDRESS)
		p->ipcp.want_addr = false;
}

static void up(void *ctx)
{
	struct sgw_ppp *p = ctx;

	p->events |= SGW_PPP_EV_NETWORK_UP;
}

static void finished(void *ctx)
{
	ppp_end(ctx, SGW_PPP_DOWN_IPCP_FAILED,
		"IPCP did not converge or was terminated", true);
}

const struct sgw_ppp_fsm_ops ppp_ipcp_ops = {
	.build_req = build_req,
	.req_begin = req_begin,
	.judge = judge,
	.req_end = req_end,
	.rx_nak = rx_nak,
	.rx_rej = rx_nak,
	.up = up,
	.finished = finished,
};

void ppp_ipcp_init(struct sgw_ppp *p)
{
	p->ipcp.want_addr = p->cfg.local_addr != 0;
}

/* Authentication succeeded: take an address, then open IPCP. */
void ppp_ipcp_start(struct sgw_ppp *p)
{
	uint32_t addr = 0;

	if (p->cfg.addr_alloc(p->cfg.addr_ctx, sgw_ppp_identity(p), &addr) != 0 ||
	    addr == 0) {
		ppp_end(p, SGW_PPP_DOWN_POOL_EXHAUSTED, "address pool exhausted",
			true);
		return;
	}
	p->ipcp.addr = addr;
	sgw_ppp_fsm_event(&p->ipcp_fsm, SGW_FSM_UP);
	sgw_ppp_fsm_event(&p->ipcp_fsm, SGW_FSM_OPEN);
}

/* RFC 791 3.1: version 4, IHL >= 5, Total Length within the frame; the
 * source must be the client's /32 (no spoofing through the tunnel). */
bool ppp_ipv4_input(struct sgw_ppp *p, const uint8_t *pkt, size_t len,
		    struct sgw_ppp_ipv4 *ip)
{
	size_t ihl, tot;

	if (p->phase != SGW_PPP_PHASE_NETWORK || !sgw_ppp_fsm_opened(&p->ipcp_fsm)) {
		p->stats.ipv4_not_open++;
		return false;
	}
	if (len < 20 || (pkt[0] >> 4) != 4)
		goto malformed;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	tot = sgw_get16(pkt + 2);
	if (ihl < 20 || tot < ihl || tot > len)
		goto malformed;
	if (sgw_get32(pkt + 12) != p->ipcp.addr) {
		p->stats.ipv4_spoofed++;
		return false;
	}
	p->stats.ipv4_rx++;
	ip->pkt = pkt;
	ip->len = tot;
	return true;
malformed:
	p->stats.ipv4_malformed++;
	return false;
}
