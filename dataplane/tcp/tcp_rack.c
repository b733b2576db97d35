/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 8985 RACK-TLP loss detection, for connections with SACK.
 *
 * Every data segment we (re)transmit leaves a record in a bounded ring
 * (SGW_TCP_TX_RECORDS, in the connection's buffer slab): its sequence
 * range, when it last left, and whether it was retransmitted, is deemed
 * lost or was SACKed. The ring is sorted by sequence; a range sent while
 * it was full stays untracked (RACK cannot time it; the RTO covers it).
 *
 * RACK (6.2): a segment is lost once a segment sent after it has been
 * delivered and RACK.rtt + reo_wnd have passed since it left. This finds
 * lost retransmissions (a retransmission is "sent after" the new data
 * before it) and losses with too few duplicate ACKs. Losses start fast
 * recovery; tcp_output.c retransmits them before new data and RFC 6675
 * pipe counts them out of the network.
 *
 * TLP (7): with nothing SACKed and no recovery, a probe timeout of
 * 2 SRTT (capped by the RTO) sends new data or the last segment again,
 * and the ACK it draws lets SACK recovery repair a tail loss instead of
 * the RTO.
 *
 * Deviations: records are kept in sequence order and scanned whole (at
 * most SGW_TCP_TX_RECORDS) instead of a time-ordered list; equal
 * millisecond timestamps are ordered by transmission count, which is
 * exact, where the RFC falls back to end_seq; RACK.min_RTT is the
 * connection's minimum rather than a windowed one.
 */
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/tcp/tcp_internal.h"

enum { RMASK = SGW_TCP_TX_RECORDS - 1, MULT_MAX = 64 };
_Static_assert((SGW_TCP_TX_RECORDS & RMASK) == 0 && SGW_TCP_TX_RECORDS <= 32768,
	       "transmit records: a power of two that fits uint16_t");

static struct tcp_txrec *rec(const struct tcp_txq *q, unsigned i)
{
	return &q->r[(q->head + i) & RMASK];
}

static uint32_t now32(const struct sgw_tcp_conn *c)
{
	return (uint32_t)c->st->now;
}

/* RFC 8985 6.2 RACK_sent_after, with the transmission count for ties. */
static bool sent_after(uint32_t t1, uint32_t o1, uint32_t t2, uint32_t o2)
{
	return SEQ_GT(t1, t2) || (t1 == t2 && SEQ_GT(o1, o2));
}

static void set_lost(struct tcp_txq *q, struct tcp_txrec *r, bool lost)
{
	if (lost && !(r->flags & TXR_LOST)) {
		r->flags |= TXR_LOST;
		q->n_lost++;
	} else if (!lost && (r->flags & TXR_LOST)) {
		r->flags &= ~(uint32_t)TXR_LOST;
		q->n_lost--;
	}
}

void tcp_txq_attach(struct sgw_tcp_conn *c, struct tcp_txrec *r)
{
	c->txq.r = r;
	c->txq.head = c->txq.n = c->txq.n_lost = 0;
}

/* Split record i at seq (strictly inside it); false when the ring is full. */
static bool split(struct tcp_txq *q, unsigned i, uint32_t seq)
{
	struct tcp_txrec *r;

	if (q->n == SGW_TCP_TX_RECORDS)
		return false;
	for (unsigned j = q->n; j > i + 1; j--)
		*rec(q, j) = *rec(q, j - 1);
	q->n++;
	r = rec(q, i);
	*rec(q, i + 1) = *r;
	rec(q, i + 1)->start = seq;
	r->end = seq;
	if (r->flags & TXR_LOST)
		q->n_lost++; /* both halves */
	return true;
}

/* [s, e) left again: Segment.retransmitted, a new xmit_ts, not lost. With
 * no room to split, a record partly sent again is marked whole. */
static void mark_resent(struct sgw_tcp_conn *c, uint32_t s, uint32_t e)
{
	struct tcp_txq *q = &c->txq;

	for (unsigned i = 0; i < q->n; i++) {
		struct tcp_txrec *r = rec(q, i);

		if (SEQ_LEQ(r->end, s))
			continue;
		if (SEQ_GEQ(r->start, e))
			break;
		if (SEQ_LT(r->start, s) && split(q, i, s))
			continue; /* record i + 1 starts at s */
		if (SEQ_GT(r->end, e))
			(void)split(q, i, e);
		r = rec(q, i);
		set_lost(q, r, false);
		r->flags |= TXR_RETRANS;
		r->xmit = now32(c);
		r->order = q->order;
	}
}

/* Called by tcp_output.c for every data segment: [seq, end) left now;
 * old_max is snd_max before it (bytes from there on are new). */
void tcp_txq_sent(struct sgw_tcp_conn *c, uint32_t seq, uint32_t end,
		  uint32_t old_max)
{
	struct tcp_txq *q = &c->txq;
	struct tcp_txrec *r;

	if (!c->sack_ok || q->r == NULL || seq == end)
		return;
	q->order++;
	if (SEQ_LT(seq, old_max))
		mark_resent(c, seq, SEQ_MIN(end, old_max));
	if (SEQ_LEQ(end, old_max))
		return;
	c->rack.pto_check = true; /* RFC 8985 7.2 (1): new data sent */
	if (q->n == SGW_TCP_TX_RECORDS)
		return;
	r = rec(q, q->n++);
	r->start = SEQ_MAX(seq, old_max);
	r->end = end;
	r->xmit = now32(c);
	r->order = q->order;
	r->flags = 0;
}

/* snd_una moved: drop what it covers. */
void tcp_txq_acked(struct sgw_tcp_conn *c)
{
	struct tcp_txq *q = &c->txq;

	while (q->n > 0 && SEQ_LEQ(rec(q, 0)->end, c->snd_una)) {
		set_lost(q, rec(q, 0), false);
		q->head = (uint16_t)((q->head + 1) & RMASK);
		q->n--;
	}
	if (q->n > 0 && SEQ_LT(rec(q, 0)->start, c->snd_una))
		rec(q, 0)->start = c->snd_una;
}

uint32_t tcp_txq_last_start(const struct sgw_tcp_conn *c)
{
	const struct tcp_txq *q = &c->txq;

	return q->r != NULL && q->n > 0 ? rec(q, q->n - 1)->start : c->snd_una;
}

/* ---- RACK, RFC 8985 6.2 ---- */

struct newest {
	bool any;
	uint32_t xmit, order, rtt;
};

/* Steps 2 and 3 for one newly delivered segment. */
static void delivered(struct sgw_tcp_conn *c, const struct tcp_txrec *r,
		      const struct tcp_rack_ack *a, struct newest *nw)
{
	struct tcp_rack *k = &c->rack;
	uint32_t rtt = now32(c) - r->xmit;

	if (SEQ_GT(r->end, k->fack))
		k->fack = r->end;
	else if (SEQ_LT(r->end, k->fack) && !(r->flags & TXR_RETRANS))
		k->reordering_seen = true;
	/* Step 2: an ACK of a retransmission may be for the original. */
	if (r->flags & TXR_RETRANS) {
		if (a->has_ts && SEQ_LT(a->tsecr - c->ts_off, r->xmit))
			return;
		if (rtt < k->min_rtt)
			return;
	}
	if (!nw->any || sent_after(r->xmit, r->order, nw->xmit, nw->order)) {
		nw->any = true;
		nw->xmit = r->xmit;
		nw->order = r->order;
		nw->rtt = rtt;
	}
}

/* A record wholly inside the scoreboard? */
static bool sacked_whole(const struct sgw_tcp_conn *c, const struct tcp_txrec *r)
{
	uint32_t end;

	return tcp_sb_is_sacked(c, r->start, &end) && SEQ_GEQ(end, r->end);
}

/* Step 4's D-SACK half: widen reo_wnd once per round trip with D-SACKs,
 * back to one after SGW_TCP_REO_WND_PERSIST recoveries without. */
static void dsack_adapt(struct sgw_tcp_conn *c, bool dsack)
{
	struct tcp_rack *k = &c->rack;

	if (k->dsack_on && SEQ_GEQ(c->snd_una, k->dsack_round))
		k->dsack_on = false;
	if (!k->dsack_on && dsack) {
		k->dsack_on = true;
		k->dsack_round = c->snd_max;
		if (k->reo_wnd_mult < MULT_MAX)
			k->reo_wnd_mult++;
		k->reo_wnd_persist = SGW_TCP_REO_WND_PERSIST;
	}
}

void tcp_rack_recovery_done(struct sgw_tcp_conn *c)
{
	struct tcp_rack *k = &c->rack;

	if (k->reo_wnd_persist > 0 && --k->reo_wnd_persist == 0)
		k->reo_wnd_mult = 1;
}

/* Steps 1-3 on an ACK, before snd_una moves: every record the ACK
 * delivers, cumulatively or by SACK. Returns whether any was. */
bool tcp_rack_ack(struct sgw_tcp_conn *c, const struct tcp_rack_ack *a)
{
	struct tcp_txq *q = &c->txq;
	struct tcp_rack *k = &c->rack;
	struct newest nw = { .any = false };
	bool any = false;

	if (a->dsack)
		c->st->stats.dsacks++;
	dsack_adapt(c, a->dsack);
	for (unsigned i = 0; q->r != NULL && i < q->n; i++) {
		struct tcp_txrec *r = rec(q, i);

		if (r->flags & TXR_SACKED)
			continue;
		if (SEQ_LEQ(r->end, a->ack)) {
			delivered(c, r, a, &nw);
		} else if (c->sb.n > 0 && sacked_whole(c, r)) {
			delivered(c, r, a, &nw);
			set_lost(q, r, false);
			r->flags |= TXR_SACKED;
		} else {
			continue;
		}
		any = true;
	}
	if (nw.any) {
		k->rtt = nw.rtt;
		if (!k->valid || sent_after(nw.xmit, nw.order, k->xmit, k->order)) {
			k->valid = true;
			k->xmit = nw.xmit;
			k->order = nw.order;
		}
	}
	if (any || SEQ_GT(a->ack, c->snd_una))
		k->pto_check = true; /* RFC 8985 7.2 (2) and (3) */
	return any;
}

static bool recovering(const struct sgw_tcp_conn *c)
{
	return c->in_recovery || SEQ_LT(c->snd_una, c->recover);
}

/* Step 4: RACK_update_reo_wnd. */
static uint32_t reo_wnd(const struct sgw_tcp_conn *c)
{
	const struct tcp_rack *k = &c->rack;
	uint32_t srtt = c->srtt8 >> 3, base, w;

	if (!k->reordering_seen &&
	    (recovering(c) || c->sb.bytes >= SGW_TCP_DUPTHRESH * (uint32_t)c->smss))
		return 0;
	base = k->min_rtt != UINT32_MAX ? k->min_rtt : srtt;
	w = k->reo_wnd_mult * base / 4;
	return w < srtt ? w : srtt;
}

static void arm(struct sgw_tcp_conn *c, enum tcp_rack_timer t, uint64_t at)
{
	c->rack.timer = t;
	tcp_timer_set(c, TT_RACK, at);
}

static void disarm(struct sgw_tcp_conn *c)
{
	if (c->rack.timer != RK_NONE)
		tcp_timer_clear(c, TT_RACK);
}

/* Step 5 and 6.3: mark what is lost, arm the reordering timer for what
 * may yet be. Returns how many were newly marked. */
unsigned tcp_rack_detect(struct sgw_tcp_conn *c)
{
	struct tcp_txq *q = &c->txq;
	struct tcp_rack *k = &c->rack;
	struct sgw_tcp_stats *s = &c->st->stats;
	uint32_t reo, now = now32(c);
	int32_t timeout = 0;
	unsigned lost = 0;

	if (!c->sack_ok || q->r == NULL || !k->valid)
		return 0;
	reo = reo_wnd(c);
	for (unsigned i = 0; i < q->n; i++) {
		struct tcp_txrec *r = rec(q, i);
		int32_t remaining;

		if (SEQ_GEQ(r->start, c->snd_nxt))
			break; /* after an RTO: not sent again yet */
		if ((r->flags & (TXR_SACKED | TXR_LOST)) ||
		    sent_after(r->xmit, r->order, k->xmit, k->order))
			continue;
		remaining = (int32_t)(r->xmit + k->rtt + reo - now);
		if (remaining > 0) {
			timeout = remaining > timeout ? remaining : timeout;
			continue;
		}
		set_lost(q, r, true);
		lost++;
		s->rack_lost++;
		if (r->flags & TXR_RETRANS)
			s->lost_retransmits++;
	}
	if (timeout > 0)
		arm(c, RK_REO, c->st->now + (uint32_t)timeout);
	else if (k->timer == RK_REO)
		disarm(c);
	return lost;
}

/* RFC 6675 5 / RFC 8985 3.4: a loss starts fast recovery, once per
 * window (RFC 6582 4.1: not for data sent before an RTO or a previous
 * recovery's recover point), and the first lost segment goes at once
 * whatever cwnd says (RFC 6675 5 step 4.3, the fast retransmit). */
void tcp_rack_start_recovery(struct sgw_tcp_conn *c)
{
	uint32_t seq;

	if (c->in_recovery || SEQ_LT(c->snd_una, c->recover))
		return;
	tcp_cc_enter_recovery(c);
	c->rack.tlp_on = false;
	c->st->stats.fast_retransmits++;
	c->st->stats.sack_recoveries++;
	if (tcp_rack_next_lost(c, &seq))
		(void)tcp_retransmit_one(c, seq);
}

/* RFC 6675 5 (DupThresh reached): IsLost(HighACK + 1). False when the
 * first segment has no record. */
bool tcp_rack_mark_head_lost(struct sgw_tcp_conn *c)
{
	struct tcp_txq *q = &c->txq;
	struct tcp_txrec *r;

	if (q->r == NULL || q->n == 0)
		return false;
	r = rec(q, 0);
	if (r->start != c->snd_una || (r->flags & TXR_SACKED))
		return false;
	set_lost(q, r, true);
	return true;
}

/* RFC 6675 NextSeg rule 1 with RACK's IsLost: the first unSACKed byte of
 * the lowest record deemed lost. Records found SACKed whole meanwhile
 * stop counting as lost. */
bool tcp_rack_next_lost(struct sgw_tcp_conn *c, uint32_t *seq)
{
	struct tcp_txq *q = &c->txq;

	for (unsigned i = 0; q->n_lost > 0 && i < q->n; i++) {
		struct tcp_txrec *r = rec(q, i);
		uint32_t s = r->start, next;

		if (!(r->flags & TXR_LOST))
			continue;
		if (SEQ_GEQ(s, c->snd_nxt))
			return false;
		while (SEQ_LT(s, r->end) && tcp_sb_is_sacked(c, s, &next))
			s = next;
		if (SEQ_LT(s, r->end)) {
			*seq = s;
			return true;
		}
		set_lost(q, r, false);
		r->flags |= TXR_SACKED;
	}
	return false;
}

/* RFC 6675 4 SetPipe: the unSACKed bytes deemed lost (below snd_nxt). */
uint32_t tcp_rack_lost_bytes(const struct sgw_tcp_conn *c)
{
	const struct tcp_txq *q = &c->txq;
	uint32_t n = 0;

	for (unsigned i = 0; q->n_lost > 0 && i < q->n; i++) {
		const struct tcp_txrec *r = rec(q, i);
		uint32_t e;

		if (SEQ_GEQ(r->start, c->snd_nxt))
			break;
		if (!(r->flags & TXR_LOST))
			continue;
		e = SEQ_MIN(r->end, c->snd_nxt);
		n += (e - r->start) - tcp_sb_sacked_in(c, r->start, e);
	}
	return n;
}

/* ---- TLP, RFC 8985 7 ---- */

/* 7.4 TLP_process_ack: did the probe repair a loss? Then the congestion
 * controller hears of it as of any other. */
void tcp_tlp_ack(struct sgw_tcp_conn *c, const struct tcp_rack_ack *a)
{
	struct tcp_rack *k = &c->rack;

	if (!k->tlp_on || SEQ_LT(a->ack, k->tlp_end))
		return;
	if (!k->tlp_retrans || a->dsack) {
		k->tlp_on = false;
	} else if (SEQ_GT(a->ack, k->tlp_end)) {
		k->tlp_on = false;
		c->st->stats.tlp_recoveries++;
		tcp_cc_tlp_loss(c);
	} else if (a->pure_dup) {
		k->tlp_on = false;
	}
}

static bool sending_state(enum tcp_state s)
{
	return s == TCP_ESTABLISHED || s == TCP_CLOSE_WAIT ||
	       s == TCP_FIN_WAIT_1 || s == TCP_CLOSING || s == TCP_LAST_ACK;
}

/* 7.2: SACK on, nothing SACKed, not in (fast or RTO) recovery, data
 * outstanding under the RTO (not the persist timer), no probe pending. */
static bool tlp_allowed(const struct sgw_tcp_conn *c)
{
	return c->sack_ok && c->sbuf != NULL && sending_state(c->state) &&
	       c->sb.n == 0 && !recovering(c) && c->snd_max != c->snd_una &&
	       c->rexmt_mode == RX_RTO && !c->rack.tlp_on;
}

/* 7.2 TLP_calc_PTO, bounded by the RTO's expiry. */
static uint64_t pto_at(const struct sgw_tcp_conn *c)
{
	uint32_t srtt = c->srtt8 >> 3, pto;
	uint64_t at;

	pto = c->srtt8 != 0 ? 2 * srtt : 1000;
	if (tcp_flight(c) <= c->smss)
		pto += SGW_TCP_TLP_WCDELACK_MS;
	if (pto < SGW_TCP_TLP_MIN_MS)
		pto = SGW_TCP_TLP_MIN_MS;
	at = c->st->now + pto;
	return at < c->deadline[TT_REXMT] ? at : c->deadline[TT_REXMT];
}

/* After tcp_output (which arms the RTO): the PTO is set again when new
 * data left or data was delivered, and dropped when it may not run. A
 * pending reordering timer keeps its place. */
void tcp_rack_rearm(struct sgw_tcp_conn *c)
{
	struct tcp_rack *k = &c->rack;
	bool check = k->pto_check;

	k->pto_check = false;
	if (k->timer == RK_REO)
		return;
	if (!tlp_allowed(c)) {
		disarm(c);
		return;
	}
	if (check || k->timer == RK_NONE)
		arm(c, RK_PTO, pto_at(c));
}

/* RTO: RFC 2018 8 forgets the SACKed bits (tcp_sb_clear), so go the
 * marks; go-back-N sends everything again and any probe is moot. */
void tcp_rack_rto(struct sgw_tcp_conn *c)
{
	struct tcp_txq *q = &c->txq;

	for (unsigned i = 0; q->r != NULL && i < q->n; i++)
		rec(q, i)->flags &= ~(uint32_t)(TXR_SACKED | TXR_LOST);
	q->n_lost = 0;
	c->rack.tlp_on = false;
	disarm(c);
}

/* 7.3 TLP_send_probe; the RTO, not another PTO, runs after it. */
static void pto_fire(struct sgw_tcp_conn *c)
{
	struct tcp_rack *k = &c->rack;
	enum tcp_probe p;

	if (!tlp_allowed(c))
		return;
	p = tcp_send_tlp(c);
	k->pto_check = false;
	if (p != PROBE_NONE) {
		c->st->stats.tlp_probes++;
		k->tlp_on = true;
		k->tlp_retrans = p == PROBE_RETRANS;
		k->tlp_end = c->snd_max;
	}
	tcp_restart_rto(c);
}

/* TT_RACK fired (the deadline is already cleared). */
void tcp_rack_timeout(struct sgw_tcp_conn *c)
{
	enum tcp_rack_timer t = c->rack.timer;

	c->rack.timer = RK_NONE;
	if (c->sbuf == NULL)
		return;
	if (t == RK_PTO) {
		pto_fire(c);
		return;
	}
	if (t == RK_REO && tcp_rack_detect(c) > 0)
		tcp_rack_start_recovery(c);
	tcp_output(c);
}
