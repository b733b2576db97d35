/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-call PPP object: frame demux, the phases of RFC 1661 3.2, the
 * events the session sees, and the outgoing IPv4 header.
 *
 * Frame format on receive (RFC 1662 3.2, as pppd does): FF 03 is expected
 * but a frame without it is accepted (no 2-byte protocol can start with FF,
 * so there is no ambiguity; clients never negotiate ACFC with us because we
 * reject it). A 1-byte (compressed) protocol field is dropped: we reject
 * PFC, so RFC 1661 6.5 forbids it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "dataplane/ppp_internal.h"

static const char *const down_names[] = {
	[SGW_PPP_UP] = "up",
	[SGW_PPP_DOWN_CLOSED] = "closed by the gateway",
	[SGW_PPP_DOWN_PEER_TERMINATED] = "client terminated the link",
	[SGW_PPP_DOWN_LCP_FAILED] = "LCP failed",
	[SGW_PPP_DOWN_AUTH_REFUSED] = "client refused EAP authentication",
	[SGW_PPP_DOWN_AUTH_FAILED] = "authentication failed",
	[SGW_PPP_DOWN_AUTH_TIMEOUT] = "authentication timed out",
	[SGW_PPP_DOWN_POOL_EXHAUSTED] = "address pool exhausted",
	[SGW_PPP_DOWN_IPCP_FAILED] = "IPCP failed",
	[SGW_PPP_DOWN_PROTO_REJECTED] = "client rejected a needed protocol",
	[SGW_PPP_DOWN_NOMEM] = "out of memory",
};

const char *sgw_ppp_down_str(enum sgw_ppp_down d)
{
	if ((unsigned)d >= sizeof(down_names) / sizeof(down_names[0]))
		return "?";
	return down_names[d];
}

void ppp_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct sgw_ppp *p = ctx;

	p->stats.tx_frames++;
	p->cfg.send(p->cfg.send_ctx, frame, len);
}

void ppp_end(struct sgw_ppp *p, enum sgw_ppp_down why, const char *reason,
	     bool close)
{
	if (p->down_raised)
		return;
	p->down_raised = true;
	p->down = why;
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	p->events |= SGW_PPP_EV_DOWN;
	p->close_pending = close;
	if (p->phase != SGW_PPP_PHASE_DEAD)
		p->phase = SGW_PPP_PHASE_TERMINATE;
}

/* A new magic number (RFC 1661 6.4: random, never zero, never old). */
uint32_t ppp_random32(uint32_t old)
{
	uint32_t v = 0;

	for (int i = 0; i < 4 && (v == 0 || v == old); i++)
		if (sgw_random_bytes((uint8_t *)&v, sizeof(v)) != 0)
			v = 0;
	if (v == 0 || v == old)
		v = (old ^ 0x9e3779b9u) * 2654435761u | 1u;
	return v;
}

static bool config_ok(const struct sgw_ppp_config *c)
{
	return c != NULL && c->send != NULL && c->addr_alloc != NULL &&
	       (c->mru == 0 || (c->mru >= SGW_PPP_MIN_MRU &&
				c->mru <= SGW_PPP_MAX_MRU));
}

struct sgw_ppp *sgw_ppp_create(const struct sgw_ppp_config *cfg)
{
	struct sgw_ppp *p;

	if (!config_ok(cfg))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->eap = calloc(1, sizeof(*p->eap));
	if (p->eap == NULL)
		goto err_eap;
	p->cfg = *cfg;
	if (p->cfg.mru == 0)
		p->cfg.mru = SGW_PPP_DEFAULT_MRU;
	p->auth_ops = cfg->auth_ops != NULL ? cfg->auth_ops : &ppp_eaptls_ops;
	p->auth_ctx = cfg->auth_ops != NULL ? cfg->auth_ctx : (void *)&p->cfg;
	sgw_ppp_fsm_init(&p->lcp_fsm, PPP_PROTO_LCP, &ppp_lcp_ops, p, ppp_send,
			 p, &p->now, &p->stats.lcp);
	sgw_ppp_fsm_init(&p->ipcp_fsm, PPP_PROTO_IPCP, &ppp_ipcp_ops, p,
			 ppp_send, p, &p->now, &p->stats.ipcp);
	ppp_lcp_init(p);
	ppp_ipcp_init(p);
	return p;
err_eap:
	free(p);
	return NULL;
}

void sgw_ppp_destroy(struct sgw_ppp *p)
{
	if (p == NULL)
		return;
	sgw_ppp_release_auth(p);
	sgw_ppp_release_addr(p);
	free(p);
}

void sgw_ppp_release_addr(struct sgw_ppp *p)
{
	if (p->ipcp.addr != 0 && p->cfg.addr_free != NULL)
		p->cfg.addr_free(p->cfg.addr_ctx, p->ipcp.addr);
	p->ipcp.addr = 0;
}

/* Every entry point: a failure found inside a callback closes LCP here,
 * outside any transition (ppp_fsm.h). */
static uint32_t finish(struct sgw_ppp *p)
{
	if (p->close_pending) {
		p->close_pending = false;
		sgw_ppp_fsm_event(&p->lcp_fsm, SGW_FSM_CLOSE);
	}
	return p->events;
}

static void enter(struct sgw_ppp *p, uint64_t now_ms)
{
	p->now = now_ms;
	p->events = 0;
}

uint32_t sgw_ppp_start(struct sgw_ppp *p, uint64_t now_ms)
{
	enter(p, now_ms);
	if (p->phase == SGW_PPP_PHASE_DEAD && !p->down_raised) {
		p->phase = SGW_PPP_PHASE_ESTABLISH;
		sgw_ppp_fsm_event(&p->lcp_fsm, SGW_FSM_OPEN);
		sgw_ppp_fsm_event(&p->lcp_fsm, SGW_FSM_UP);
	}
	return finish(p);
}

uint32_t sgw_ppp_close(struct sgw_ppp *p, uint64_t now_ms)
{
	enter(p, now_ms);
	ppp_end(p, SGW_PPP_DOWN_CLOSED, "closed by the gateway", true);
	p->close_pending = true;
	return finish(p);
}

uint32_t sgw_ppp_tick(struct sgw_ppp *p, uint64_t now_ms)
{
	enter(p, now_ms);
	sgw_ppp_fsm_tick(&p->lcp_fsm);
	sgw_ppp_fsm_tick(&p->ipcp_fsm);
	ppp_eap_tick(p);
	return finish(p);
}

static uint64_t fsm_deadline(const struct sgw_ppp_fsm *f)
{
	return f->timer_on ? f->deadline : UINT64_MAX;
}

uint64_t sgw_ppp_next_timer(const struct sgw_ppp *p)
{
	uint64_t t = fsm_deadline(&p->lcp_fsm), u = fsm_deadline(&p->ipcp_fsm);
	uint64_t e = ppp_eap_deadline(p);

	t = u < t ? u : t;
	return e < t ? e : t;
}

/* RFC 1661 3.5: NCP packets before the Network phase are discarded. */
static void ipcp_input(struct sgw_ppp *p, const uint8_t *pkt, size_t len)
{
	if (p->phase == SGW_PPP_PHASE_NETWORK && p->ipcp.addr != 0)
		sgw_ppp_fsm_input(&p->ipcp_fsm, pkt, len);
	else if (p->phase == SGW_PPP_PHASE_AUTHENTICATE)
		p->stats.drop_ncp_before_auth++;
	else
		p->stats.drop_not_open++;
}

/* RFC 1661 5.7: an unknown protocol (IPv6 and IPv6CP too: we offer no
 * IPv6CP; CCP: no compression) is Protocol-Rejected, but only in Opened. */
static void unknown(struct sgw_ppp *p, uint16_t proto, const uint8_t *info,
		    size_t len)
{
	if (sgw_ppp_fsm_opened(&p->lcp_fsm))
		ppp_lcp_proto_reject(p, proto, info, len);
	else
		p->stats.drop_not_open++;
}

static void demux(struct sgw_ppp *p, uint16_t proto, const uint8_t *pkt,
		  size_t len, struct sgw_ppp_ipv4 *ip)
{
	switch (proto) {
	case PPP_PROTO_LCP:
		ppp_lcp_input(p, pkt, len);
		break;
	case PPP_PROTO_EAP:
		if (p->phase == SGW_PPP_PHASE_AUTHENTICATE)
			ppp_eap_input(p, pkt, len);
		else
			p->stats.drop_not_open++;
		break;
	case PPP_PROTO_IPCP:
		ipcp_input(p, pkt, len);
		break;
	case PPP_PROTO_IPV4:
		if (ip != NULL && ppp_ipv4_input(p, pkt, len, ip))
			p->events |= SGW_PPP_EV_IPV4;
		break;
	default:
		unknown(p, proto, pkt, len);
		break;
	}
}

uint32_t sgw_ppp_input(struct sgw_ppp *p, const uint8_t *frame, size_t len,
		       uint64_t now_ms, struct sgw_ppp_ipv4 *ip)
{
	enter(p, now_ms);
	p->stats.rx_frames++;
	if (len >= 2 && frame[0] == PPP_ADDRESS && frame[1] == PPP_CONTROL) {
		frame += 2;
		len -= 2;
	}
	if (len > SGW_PPP_MAX_MRU + 2) {
		/* Protocol + more than the largest MRU: more than one SSTP
		 * data packet can carry. */
		p->stats.drop_too_long++;
	} else if (len < 2) {
		p->stats.drop_short++;
	} else if (frame[0] & 1) {
		/* RFC 1661 2: a protocol's first octet is even. */
		p->stats.drop_compressed_proto++;
	} else {
		demux(p, sgw_get16(frame), frame + 2, len - 2, ip);
	}
	return finish(p);
}

uint8_t *sgw_ppp_ipv4_encap(struct sgw_ppp *p, uint8_t *ip, size_t len)
{
	uint8_t *h;

	if (ip == NULL || p->phase != SGW_PPP_PHASE_NETWORK ||
	    !sgw_ppp_fsm_opened(&p->ipcp_fsm) || len > p->lcp.peer_mru) {
		p->stats.ipv4_tx_not_open++;
		return NULL;
	}
	h = ip - SGW_PPP_ENCAP_LEN;
	h[0] = PPP_ADDRESS;
	h[1] = PPP_CONTROL;
	sgw_put16(h + 2, PPP_PROTO_IPV4);
	p->stats.ipv4_tx++;
	return h;
}

enum sgw_ppp_phase sgw_ppp_phase(const struct sgw_ppp *p)
{
	return p->phase;
}

enum sgw_ppp_down sgw_ppp_down_reason(const struct sgw_ppp *p)
{
	return p->down;
}

const char *sgw_ppp_reason(const struct sgw_ppp *p)
{
	return p->reason;
}

uint32_t sgw_ppp_addr(const struct sgw_ppp *p)
{
	return p->ipcp.addr;
}

uint16_t sgw_ppp_peer_mru(const struct sgw_ppp *p)
{
	return p->lcp.peer_mru;
}

const struct sgw_ppp_stats *sgw_ppp_stats(const struct sgw_ppp *p)
{
	return &p->stats;
}
