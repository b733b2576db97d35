/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival, RFC 9293 3.10.7: the CLOSED answer for other endpoints
 * (3.10.7.1), LISTEN with SYN cookies (3.10.7.2, RFC 4987), and the steps
 * of 3.10.7.4 for every other state, with RFC 5961 (RST, SYN and ACK
 * checks), RFC 7323 (PAWS, TS.Recent, RTT), RFC 2018 / RFC 6675 (SACK)
 * and RFC 5681 / RFC 6582 (duplicate ACKs, fast retransmit, recovery),
 * with RFC 8985 RACK-TLP finding losses when SACK is on (tcp_rack.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/tcp/tcp_internal.h"

/* A parsed segment. seq is SEG.SEQ; data starts after the SYN if any. */
struct seg {
	uint32_t saddr, daddr, seq, ack, wnd;
	uint16_t sport, dport;
	uint8_t flags;
	const uint8_t *data;
	uint32_t len;            /* payload bytes */
	struct tcp_opts o;
};

enum { PAWS_IDLE_MS = 24u * 24 * 3600 * 1000 }; /* RFC 7323 5.5: 24 days */

/* ---- options (RFC 9293 3.2, RFC 7323, RFC 2018): a table by kind ---- */

static void opt_mss(struct tcp_opts *o, const uint8_t *p, uint8_t len)
{
	(void)len;
	o->has_mss = true;
	o->mss = sgw_get16(p + 2);
}

static void opt_ws(struct tcp_opts *o, const uint8_t *p, uint8_t len)
{
	(void)len;
	o->has_ws = true;
	/* RFC 7323 2.3: a shift above 14 is used as 14. */
	o->wscale = p[2] > SGW_TCP_MAX_WSCALE ? SGW_TCP_MAX_WSCALE : p[2];
}

static void opt_sackok(struct tcp_opts *o, const uint8_t *p, uint8_t len)
{
	(void)p;
	(void)len;
	o->sack_perm = true;
}

static void opt_ts(struct tcp_opts *o, const uint8_t *p, uint8_t len)
{
	(void)len;
	o->has_ts = true;
	o->tsval = sgw_get32(p + 2);
	o->tsecr = sgw_get32(p + 6);
}

static void opt_sack(struct tcp_opts *o, const uint8_t *p, uint8_t len)
{
	unsigned n = (len - 2u) / TCPOLEN_SACK_BLOCK;

	if ((len - 2u) % TCPOLEN_SACK_BLOCK != 0 || n == 0 ||
	    n > TCP_MAX_SACK_BLOCKS)
		return;
	for (unsigned i = 0; i < n; i++) {
		o->sack[i].start = sgw_get32(p + 2 + 8 * i);
		o->sack[i].end = sgw_get32(p + 6 + 8 * i);
	}
	o->nsack = (uint8_t)n;
}

static const struct {
	uint8_t kind, len;       /* len 0: variable */
	bool syn_only;
	void (*parse)(struct tcp_opts *o, const uint8_t *p, uint8_t len);
} opt_tab[] = {
	{ TCPOPT_MSS, TCPOLEN_MSS, true, opt_mss },
	{ TCPOPT_WSCALE, TCPOLEN_WSCALE, true, opt_ws },
	{ TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM, true, opt_sackok },
	{ TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP, false, opt_ts },
	{ TCPOPT_SACK, 0, false, opt_sack },
};

static void opt_one(struct tcp_opts *o, const uint8_t *p, uint8_t len, bool syn)
{
	for (size_t i = 0; i < sizeof(opt_tab) / sizeof(opt_tab[0]); i++) {
		if (opt_tab[i].kind != p[0])
			continue;
		/* A known option of the wrong size or out of place is
		 * ignored, as Linux does; unknown kinds are skipped. */
		if ((opt_tab[i].len != 0 && opt_tab[i].len != len) ||
		    (opt_tab[i].syn_only && !syn))
			return;
		opt_tab[i].parse(o, p, len);
		return;
	}
}

/* RFC 9293 3.1: false on an illegal option length (zero, one, or past the
 * header), which drops the segment. */
bool tcp_parse_opts(const uint8_t *p, size_t len, bool syn, struct tcp_opts *o)
{
	size_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t olen;

		if (p[i] == TCPOPT_EOL)
			break;
		if (p[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return false;
		olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return false;
		opt_one(o, p + i, olen, syn);
		i += olen;
	}
	return true;
}

static bool parse(const struct sgw_tcp_seg *in, struct seg *s)
{
	const uint8_t *t = in->tcp;
	size_t off;

	if (t == NULL || in->len < TCP_HDR_LEN || in->len > UINT32_MAX)
		return false;
	off = (size_t)(t[12] >> 4) * 4;
	if (off < TCP_HDR_LEN || off > in->len)
		return false;
	s->saddr = in->saddr;
	s->daddr = in->daddr;
	s->sport = sgw_get16(t);
	s->dport = sgw_get16(t + 2);
	s->seq = sgw_get32(t + 4);
	s->ack = sgw_get32(t + 8);
	s->flags = t[13] & 0x3f;
	s->wnd = sgw_get16(t + 14);
	s->data = t + off;
	s->len = (uint32_t)(in->len - off);
	/* SYN+FIN and SYN+RST are never legitimate. */
	if ((s->flags & TH_SYN) && (s->flags & (TH_FIN | TH_RST)))
		return false;
	if (s->sport == 0)
		return false;
	return tcp_parse_opts(t + TCP_HDR_LEN, off - TCP_HDR_LEN,
			      (s->flags & TH_SYN) != 0, &s->o);
}

/* SEG.LEN counts SYN and FIN (RFC 9293 3.4). */
static uint32_t seg_len(const struct seg *s)
{
	return s->len + ((s->flags & TH_SYN) ? 1 : 0) +
	       ((s->flags & TH_FIN) ? 1 : 0);
}

/* ---- CLOSED and LISTEN ---- */

/* RFC 9293 3.10.7.1: if the state is CLOSED, a non-RST segment gets
 * <SEQ=SEG.ACK><CTL=RST> when it has ACK, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
static void reply_rst(struct sgw_tcp_stack *st, const struct seg *s)
{
	st->stats.drop_no_conn++;
	if (s->flags & TH_RST)
		return;
	if (s->flags & TH_ACK)
		tcp_send_rst_for(st, s->daddr, s->dport, s->saddr, s->sport, s->ack, 0, false);
	else
		tcp_send_rst_for(st, s->daddr, s->dport, s->saddr, s->sport, 0, s->seq + seg_len(s),
				 true);
}

/* RFC 9293 3.7.1 (default MSS 536), RFC 6691 (the sender subtracts its
 * fixed options), RFC 7323 and RFC 2018 negotiation from the SYN. */
static void negotiate(struct sgw_tcp_conn *c, const struct tcp_opts *o,
		      uint16_t peer_mss)
{
	const struct sgw_tcp_cfg *cfg = &c->st->cfg;
	uint32_t mss = peer_mss < cfg->mss ? peer_mss : cfg->mss;

	c->ts_ok = o->has_ts && cfg->timestamps;
	c->sack_ok = o->sack_perm && cfg->sack;
	c->ws_ok = o->has_ws && cfg->window_scaling;
	c->snd_ws = c->ws_ok ? o->wscale : 0;
	c->rcv_ws = c->ws_ok ? c->st->rcv_ws : 0;
	if (c->ts_ok) {
		c->ts_recent = o->tsval;
		c->ts_recent_at = c->st->now;
		mss -= TCPOLEN_TS_ALIGNED;
	}
	c->smss = (uint16_t)(mss < 64 ? 64 : mss); /* floor against tiny MSS */
}

/* RFC 9293 3.10.7.2, third: a SYN makes a half-open entry, or a cookie
 * when the SYN queue or the table is full (RFC 4987 3.6). */
static void listen_syn(struct sgw_tcp_stack *st, const struct seg *s)
{
	struct sgw_tcp_conn *c = NULL;
	uint16_t mss = s->o.has_mss ? s->o.mss : 536;

	st->stats.syn_recv++;
	if (st->n_synrcvd < st->cfg.syn_queue)
		c = tcp_conn_alloc(st, s->saddr, s->sport);
	if (c == NULL) {
		uint32_t iss, tsval;

		st->stats.syn_queue_full++;
		st->stats.cookies_sent++;
		iss = tcp_cookie_make(st, s->saddr, s->sport, s->seq, &mss);
		tsval = tcp_cookie_tsval((uint32_t)st->now +
					 tcp_ts_offset(st, s->saddr, s->sport), &s->o);
		tcp_send_cookie_synack(st, s->saddr, s->sport, iss, s->seq, mss,
				       &s->o, tsval);
		return;
	}
	negotiate(c, &s->o, mss);
	tcp_conn_init_seq(c, s->seq, tcp_isn(st, s->saddr, s->sport, st->now));
	c->snd_wnd = s->wnd; /* RFC 7323 2.2: a SYN's window is not scaled */
	c->snd_wl1 = s->seq;
	tcp_conn_set_state(c, TCP_SYN_RECEIVED);
	c->rtt_active = true;
	c->rtt_seq = c->iss;
	c->rtt_start = st->now;
	tcp_send_synack(c);
	c->rexmt_mode = RX_RTO;
	tcp_timer_set(c, TT_REXMT, st->now + c->rto);
}

/* RFC 4987 3.6: an ACK to the listener may complete a cookie handshake;
 * the options come back from TSecr when the SYN had timestamps. */
static struct sgw_tcp_conn *listen_cookie(struct sgw_tcp_stack *st,
					  const struct seg *s)
{
	struct tcp_opts o = { 0 };
	struct sgw_tcp_conn *c;
	uint16_t mss;
	bool sack = false;

	if (!tcp_cookie_check(st, s->saddr, s->sport, s->seq - 1, s->ack - 1,
			      &mss)) {
		st->stats.cookies_bad++;
		return NULL;
	}
	if (s->o.has_ts && st->cfg.timestamps &&
	    tcp_cookie_ts_decode(s->o.tsecr, &o.wscale, &sack)) {
		o.has_ts = true;
		o.tsval = s->o.tsval;
		o.has_ws = o.wscale <= SGW_TCP_MAX_WSCALE;
		o.sack_perm = sack;
	}
	c = tcp_conn_alloc(st, s->saddr, s->sport);
	if (c == NULL)
		return NULL;
	st->stats.cookies_ok++;
	negotiate(c, &o, mss);
	tcp_conn_init_seq(c, s->seq - 1, s->ack - 1);
	c->snd_wl1 = s->seq - 1;
	tcp_conn_set_state(c, TCP_SYN_RECEIVED);
	return c;
}

static void conn_input(struct sgw_tcp_conn *c, struct seg *s);

static void listen_input(struct sgw_tcp_stack *st, struct seg *s)
{
	struct sgw_tcp_conn *c;

	if (s->flags & TH_RST) {            /* first: ignore an RST */
		st->stats.drop_no_conn++;
		return;
	}
	if (s->flags & TH_ACK) {            /* second: any ACK is bad... */
		if (!(s->flags & TH_SYN)) { /* ...unless it is our cookie */
			c = listen_cookie(st, s);
			if (c != NULL) {
				conn_input(c, s);
				return;
			}
		}
		reply_rst(st, s);
		return;
	}
	if (s->flags & TH_SYN) {
		listen_syn(st, s);
		return;
	}
	st->stats.drop_no_conn++;           /* fourth: drop */
}

/* ---- 3.10.7.4: synchronized states and SYN-RECEIVED ---- */

/* RFC 9293 3.10.7.4, first: the four acceptability cases. */
static bool acceptable(const struct sgw_tcp_conn *c, const struct seg *s)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt, len = seg_len(s);
	uint32_t last = s->seq + len - 1;

	if (len == 0 && wnd == 0)
		return s->seq == c->rcv_nxt;
	if (len == 0)
		return SEQ_LEQ(c->rcv_nxt, s->seq) && SEQ_LT(s->seq, c->rcv_adv);
	if (wnd == 0)
		return false;
	return (SEQ_LEQ(c->rcv_nxt, s->seq) && SEQ_LT(s->seq, c->rcv_adv)) ||
	       (SEQ_LEQ(c->rcv_nxt, last) && SEQ_LT(last, c->rcv_adv));
}

/* 3.10.7.4: "segments with higher beginning sequence numbers ... trimmed
 * to the window": cut what lies before RCV.NXT and beyond the window
 * (a FIN beyond the window goes with it). */
static void trim(const struct sgw_tcp_conn *c, struct seg *s)
{
	uint32_t dseq = s->seq + ((s->flags & TH_SYN) ? 1 : 0);

	if (SEQ_LT(dseq, c->rcv_nxt)) {
		uint32_t cut = c->rcv_nxt - dseq;

		if (cut >= s->len) {
			if (cut > s->len)
				s->flags &= (uint8_t)~TH_FIN; /* FIN is old too */
			cut = s->len;
		}
		s->data += cut;
		s->len -= cut;
		dseq += cut;
	}
	if (SEQ_GT(dseq + s->len, c->rcv_adv)) {
		s->len = SEQ_GT(c->rcv_adv, dseq) ? c->rcv_adv - dseq : 0;
		s->flags &= (uint8_t)~TH_FIN;
	}
	s->seq = dseq - ((s->flags & TH_SYN) ? 1 : 0);
}

/* RFC 7323 5.3 R1 (PAWS) and 3.2: with timestamps on, a non-RST segment
 * without TSopt, or with TSval older than TS.Recent (within 24 days of
 * idleness), is dropped; the latter is acknowledged. */
static bool paws_reject(struct sgw_tcp_conn *c, const struct seg *s)
{
	if (!c->ts_ok || (s->flags & TH_RST))
		return false;
	if (!s->o.has_ts) {
		c->st->stats.drop_paws++;
		return true;
	}
	if (SEQ_LT(s->o.tsval, c->ts_recent) &&
	    c->st->now - c->ts_recent_at < PAWS_IDLE_MS) {
		c->st->stats.drop_paws++;
		tcp_send_ack(c);
		return true;
	}
	return false;
}

/* RFC 7323 4.3 (2): TS.Recent follows the segment that covers
 * Last.ACK.sent. */
static void ts_update(struct sgw_tcp_conn *c, const struct seg *s)
{
	if (c->ts_ok && s->o.has_ts && SEQ_GEQ(s->o.tsval, c->ts_recent) &&
	    SEQ_LEQ(s->seq, c->last_ack_sent)) {
		c->ts_recent = s->o.tsval;
		c->ts_recent_at = c->st->now;
	}
}

/* RFC 5961 3.2: RST with SEG.SEQ = RCV.NXT resets; any other in-window
 * RST draws a challenge ACK. Called after the acceptability test. */
static void rst_input(struct sgw_tcp_conn *c, const struct seg *s)
{
	if (s->seq != c->rcv_nxt) {
		tcp_send_challenge_ack(c);
		return;
	}
	if (c->accepted)
		c->st->stats.conns_reset++;
	/* SYN-RECEIVED from a passive OPEN goes back to LISTEN: nobody to
	 * tell. TIME_WAIT, CLOSING, LAST-ACK: just close. */
	tcp_conn_closed(c, "reset by peer");
}

/* SYN-RECEIVED, fifth: an ACK of our SYN establishes the connection and
 * the application hears of it (and may refuse it: RST). */
static bool establish(struct sgw_tcp_conn *c, const struct seg *s)
{
	struct sgw_tcp_stack *st = c->st;
	void *app;

	if (!(SEQ_LT(c->snd_una, s->ack) && SEQ_LEQ(s->ack, c->snd_max))) {
		tcp_send_rst_for(st, s->daddr, s->dport, s->saddr, s->sport, s->ack, 0, false);
		st->stats.drop_bad_ack++;
		return false;
	}
	if (!tcp_conn_attach_buffers(c)) {
		st->stats.drop_no_buffer++;
		tcp_send_rst(c);
		tcp_conn_free(c);
		return false;
	}
	tcp_timer_clear(c, TT_REXMT);
	if (c->ts_ok && s->o.has_ts && s->o.tsecr != 0)
		tcp_rtt_sample(c, tcp_ts_now(c) - s->o.tsecr);
	else if (c->rtt_active && c->retries == 0)
		tcp_rtt_sample(c, (uint32_t)(st->now - c->rtt_start));
	c->rtt_active = false;
	c->retries = c->backoff = 0;
	c->snd_una = s->ack;
	c->snd_wnd = s->wnd << c->snd_ws;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	tcp_cc_init(c);
	tcp_conn_set_state(c, TCP_ESTABLISHED);
	st->stats.conns_established++;
	/* accepted first: on_accept may already sgw_tcp_send(). */
	c->accepted = true;
	app = st->cfg.on_accept(st->cfg.ctx, c);
	if (c->state == TCP_CLOSED)
		return false;
	if (app == NULL) {
		c->accepted = false;
		st->stats.conns_refused++;
		tcp_send_rst(c);
		tcp_conn_free(c);
		return false;
	}
	c->app = app;
	if (st->cfg.keepalive_ms != 0)
		tcp_timer_set(c, TT_KEEP, st->now + st->cfg.keepalive_ms);
	return true;
}

/* RFC 9293 3.10.7.4, fifth, window update: SND.WL1/SND.WL2 pick the
 * newest segment. Returns whether the window changed. */
static bool window_update(struct sgw_tcp_conn *c, const struct seg *s)
{
	uint32_t wnd = s->wnd << c->snd_ws;
	bool changed = wnd != c->snd_wnd;

	if (SEQ_LT(s->ack, c->snd_una))
		return false; /* "SND.UNA =< SEG.ACK =< SND.NXT" */
	if (!(SEQ_LT(c->snd_wl1, s->seq) ||
	      (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack))))
		return false;
	c->snd_wnd = wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (wnd > c->max_snd_wnd)
		c->max_snd_wnd = wnd;
	return changed;
}

/* RTT: RFC 7323 4.2 from TSecr on ACKs that move the left edge, else
 * RFC 6298 one timed segment at a time (Karn's rule in tcp_output.c). */
static void rtt_from_ack(struct sgw_tcp_conn *c, const struct seg *s)
{
	if (c->ts_ok && s->o.has_ts && s->o.tsecr != 0) {
		uint32_t r = tcp_ts_now(c) - s->o.tsecr;

		if (r < 3600u * 1000) /* a TSecr we never sent */
			tcp_rtt_sample(c, r);
	} else if (c->rtt_active && SEQ_GT(s->ack, c->rtt_seq)) {
		c->rtt_active = false;
		tcp_rtt_sample(c, (uint32_t)(c->st->now - c->rtt_start));
	}
}

/* RFC 6582 3.2 steps 3 and 4 (full and partial ACKs in recovery). */
static void recovery_ack(struct sgw_tcp_conn *c, uint32_t acked)
{
	if (SEQ_GEQ(c->snd_una, c->recover)) {
		uint32_t fs = tcp_flight(c) + c->smss;

		c->cwnd = c->ssthresh < fs ? c->ssthresh : fs;
		c->in_recovery = false;
		tcp_rack_recovery_done(c);
		return;
	}
	if (c->sack_ok)
		return; /* RFC 6675: tcp_output fills the holes */
	tcp_retransmit_one(c, c->snd_una);
	c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
	if (acked >= c->smss)
		c->cwnd += c->smss;
	if (c->cwnd < c->smss)
		c->cwnd = c->smss;
}

static void new_ack(struct sgw_tcp_conn *c, const struct seg *s)
{
	uint32_t acked = s->ack - c->snd_una;
	uint32_t ring = acked < c->snd_len ? acked : c->snd_len;

	c->snd_head = (c->snd_head + ring) % c->st->cfg.snd_buf;
	c->snd_len -= ring;
	c->snd_una = s->ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	tcp_sb_advance(c);
	tcp_txq_acked(c);
	rtt_from_ack(c, s);
	c->backoff = 0;
	c->retries = 0;
	c->dupacks = 0;
	if (c->in_recovery)
		recovery_ack(c, acked);
	else
		tcp_cc_ack(c, acked);
	c->rexmt_mode = RX_NONE; /* RFC 6298 5.3: restart the timer */
	tcp_timer_clear(c, TT_REXMT);
}

/* RFC 5681 3.2 and RFC 6675 5: a duplicate ACK; the third (or SACKed
 * bytes beyond DupThresh segments) starts fast retransmit, unless the
 * ACK does not cover recover (RFC 6582 4.1; our recover is one past the
 * RFC's, the highest sequence number sent). With SACK the first segment
 * is marked lost and tcp_output sends it (RACK usually got there first). */
static void dup_ack(struct sgw_tcp_conn *c)
{
	c->dupacks++;
	c->st->stats.dup_acks++;
	if (c->in_recovery) {
		if (!c->sack_ok)
			c->cwnd += c->smss; /* RFC 5681 3.2 step 4 */
		return;
	}
	if (c->dupacks < SGW_TCP_DUPTHRESH &&
	    !(c->sack_ok && c->sb.bytes > (SGW_TCP_DUPTHRESH - 1u) * c->smss))
		return;
	if (SEQ_LT(c->snd_una, c->recover))
		return;
	if (c->sack_ok) {
		bool marked = tcp_rack_mark_head_lost(c);

		tcp_rack_start_recovery(c);
		if (!marked) /* no record of it: send it now */
			tcp_retransmit_one(c, c->snd_una);
		return;
	}
	tcp_cc_enter_recovery(c);
	c->st->stats.fast_retransmits++;
	tcp_retransmit_one(c, c->snd_una);
}

/* RFC 2883 4: the first block is a D-SACK when it lies below the ACK or
 * inside the second block. */
static bool is_dsack(const struct seg *s)
{
	const struct tcp_range *b = s->o.sack;

	if (s->o.nsack == 0)
		return false;
	return SEQ_LEQ(b[0].end, s->ack) ||
	       (s->o.nsack > 1 && SEQ_GEQ(b[0].start, b[1].start) &&
		SEQ_LEQ(b[0].end, b[1].end));
}

/* RFC 8985 6.2 steps 1-3, before snd_una moves: what the ACK delivers. */
static void rack_delivered(struct sgw_tcp_conn *c, const struct seg *s,
			   struct tcp_rack_ack *a)
{
	if (!c->sack_ok)
		return;
	a->ack = s->ack;
	a->has_ts = c->ts_ok && s->o.has_ts;
	a->tsecr = s->o.tsecr;
	a->dsack = is_dsack(s);
	a->pure_dup = s->ack == c->snd_una && s->len == 0 && s->o.nsack == 0;
	tcp_rack_ack(c, a);
}

/* RFC 8985 7.4 and 6.2 steps 4-5, after it: did a probe repair a loss,
 * is anything lost now (which starts recovery)? */
static void rack_losses(struct sgw_tcp_conn *c, const struct tcp_rack_ack *a)
{
	if (!c->sack_ok)
		return;
	tcp_tlp_ack(c, a);
	if (tcp_rack_detect(c) > 0)
		tcp_rack_start_recovery(c);
}

/* Fifth, in a synchronized state: RFC 5961 5.2 bounds, then the ACK.
 * Returns false when the segment is dropped. */
static bool ack_input(struct sgw_tcp_conn *c, const struct seg *s)
{
	uint32_t sacked = c->sb.bytes, una = c->snd_una;
	struct tcp_rack_ack ra = { 0 };
	bool wnd_changed;

	if (SEQ_GT(s->ack, c->snd_max)) {          /* ACK of unsent data */
		c->st->stats.drop_bad_ack++;
		tcp_send_ack(c);
		return false;
	}
	if (SEQ_LT(s->ack, c->snd_una - c->max_snd_wnd)) {
		c->st->stats.drop_bad_ack++;
		tcp_send_challenge_ack(c);
		return false;
	}
	if (c->sack_ok && s->o.nsack > 0)
		tcp_sb_update(c, s->o.sack, s->o.nsack);
	wnd_changed = window_update(c, s);
	if (c->rexmt_mode == RX_PERSIST)
		c->retries = 0; /* the peer answers our probes */
	rack_delivered(c, s, &ra);
	if (SEQ_GT(s->ack, una))
		new_ack(c, s);
	else if (s->ack == una && s->len == 0 && c->snd_max != una &&
		 !(s->flags & (TH_SYN | TH_FIN)) &&
		 (!wnd_changed || c->sb.bytes > sacked))
		dup_ack(c);
	rack_losses(c, &ra);
	return true;
}

static bool fin_acked(const struct sgw_tcp_conn *c)
{
	return c->fin_sent && c->snd_una == c->snd_max;
}

/* Fifth, the state changes an ACK causes for our FIN. */
static bool ack_states(struct sgw_tcp_conn *c)
{
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(c)) {
			tcp_conn_set_state(c, TCP_FIN_WAIT_2);
			tcp_timer_set(c, TT_2MSL, c->st->now + SGW_TCP_FIN_WAIT2_MS);
		}
		return true;
	case TCP_CLOSING:
		if (fin_acked(c)) {
			tcp_conn_enter_time_wait(c);
			return false;
		}
		return true;
	case TCP_LAST_ACK:
		if (fin_acked(c)) {
			tcp_conn_closed(c, "closed");
			return false;
		}
		return true;
	default:
		return true;
	}
}

/* Eighth: the FIN, once every byte before it is in (RFC 9293 3.10.7.4). */
static void fin_input(struct sgw_tcp_conn *c)
{
	c->rcv_nxt++;
	c->rcv_fin = true;
	c->ack_now = true;
	switch (c->state) {
	case TCP_ESTABLISHED:
		tcp_conn_set_state(c, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		tcp_conn_set_state(c, TCP_CLOSING);
		break;
	default: /* FIN-WAIT-2: TIME-WAIT once the data is delivered */
		break;
	}
}

/* Seventh: segment text into the receive ring, and the ACK policy: at
 * once for out-of-order data, a filled hole, duplicates and a full queue
 * (RFC 5681 4.2, RFC 9293 3.8.6.3); else every second full segment or
 * after delack_ms (RFC 1122 4.2.3.2). */
static void data_input(struct sgw_tcp_conn *c, const struct seg *s)
{
	struct sgw_tcp_stats *stats = &c->st->stats;
	uint32_t dseq = s->seq + ((s->flags & TH_SYN) ? 1 : 0);
	bool filled = false;
	enum tcp_reass_result r;

	r = tcp_reass_add(c, dseq, s->data, s->len, &filled);
	stats->rx_bytes += s->len;
	if (r == REASS_FULL)
		stats->drop_ooo_full++;
	if (r == REASS_QUEUED)
		stats->ooo_segs++;
	if (r != REASS_IN_ORDER || filled || c->ooo.n > 0) {
		c->ack_now = true;
		return;
	}
	c->unacked += s->len;
	if (c->unacked >= 2u * c->rmss)
		c->ack_now = true;
	else if (c->deadline[TT_DELACK] == UINT64_MAX)
		tcp_timer_set(c, TT_DELACK, c->st->now + c->st->cfg.delack_ms);
}

static bool receiving(enum tcp_state st)
{
	return st == TCP_ESTABLISHED || st == TCP_FIN_WAIT_1 ||
	       st == TCP_FIN_WAIT_2;
}

/* Seventh and eighth. A FIN above RCV.NXT waits (fin_pending) for the
 * data before it. */
static void text_and_fin(struct sgw_tcp_conn *c, const struct seg *s)
{
	uint32_t dseq = s->seq + ((s->flags & TH_SYN) ? 1 : 0);

	if (s->len > 0 && receiving(c->state) && !c->rcv_fin)
		data_input(c, s);
	if ((s->flags & TH_FIN) && !c->rcv_fin) {
		c->rcv_fin_seq = dseq + s->len;
		c->fin_pending = true;
		c->ack_now = true;
	} else if (c->state == TCP_TIME_WAIT && (s->flags & TH_FIN)) {
		/* A retransmitted FIN: acknowledge, restart 2 MSL. */
		c->ack_now = true;
		tcp_timer_set(c, TT_2MSL, c->st->now + c->st->cfg.time_wait_ms);
	}
	if (c->fin_pending && !c->rcv_fin && c->rcv_fin_seq == c->rcv_nxt) {
		c->fin_pending = false;
		fin_input(c);
	}
}

/* After the segment: deliver, finish FIN-WAIT-2 -> TIME-WAIT, tell a
 * blocked writer, transmit. */
static void conn_finish(struct sgw_tcp_conn *c)
{
	const struct sgw_tcp_cfg *cfg = &c->st->cfg;

	tcp_reass_deliver(c);
	if (c->state == TCP_CLOSED)
		return;
	if (c->state == TCP_FIN_WAIT_2 && c->rcv_fin) {
		tcp_output(c); /* the ACK of the FIN */
		tcp_conn_enter_time_wait(c);
		return;
	}
	if (c->want_writable && c->accepted && cfg->on_writable != NULL &&
	    (c->snd_len == 0 || cfg->snd_buf - c->snd_len >= cfg->snd_buf / 4)) {
		c->want_writable = false;
		cfg->on_writable(cfg->ctx, c->app);
		if (c->state == TCP_CLOSED)
			return;
	}
	tcp_output(c);
}

/* RFC 6191 / RFC 9293 3.10.7.4 note: a new SYN may end TIME-WAIT when its
 * timestamp (or, without timestamps, its sequence number) is newer. */
static bool tw_reopen(struct sgw_tcp_conn *c, const struct seg *s)
{
	if (c->state != TCP_TIME_WAIT || (s->flags & (TH_SYN | TH_ACK)) != TH_SYN)
		return false;
	if (c->ts_ok && s->o.has_ts)
		return SEQ_GT(s->o.tsval, c->ts_recent);
	return SEQ_GT(s->seq, c->rcv_nxt);
}

/* First (sequence number) and second (RST) of 3.10.7.4; false: dropped. */
static bool seq_checks(struct sgw_tcp_conn *c, struct seg *s)
{
	if (paws_reject(c, s))
		return false;
	if (!acceptable(c, s)) {
		/* A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost. */
		if (c->state == TCP_SYN_RECEIVED && (s->flags & TH_SYN) &&
		    s->seq == c->irs) {
			tcp_send_synack(c);
			return false;
		}
		c->st->stats.drop_out_of_window++;
		if (!(s->flags & TH_RST))
			tcp_send_ack(c);
		return false;
	}
	if (s->flags & TH_RST) {
		rst_input(c, s);
		return false;
	}
	ts_update(c, s);
	trim(c, s);
	return true;
}

/* Text on a connection that gave its slab back takes one again; with
 * none free it is dropped, with a FIN behind it (the ACK was taken), and
 * the peer sends them again, as after a loss. A FIN alone needs no slab:
 * closing connections must not wait for one (they would hold their call
 * slots while slabs are short). */
static void no_slab_no_text(struct sgw_tcp_conn *c, struct seg *s)
{
	if (c->rbuf != NULL || s->len == 0 || !c->accepted || tcp_conn_buffers(c))
		return;
	c->st->stats.drop_no_buffer_data++;
	s->len = 0;
	s->flags &= (uint8_t)~TH_FIN;
	c->ack_now = true;
}

static void conn_input(struct sgw_tcp_conn *c, struct seg *s)
{
	struct sgw_tcp_stack *st = c->st;

	c->last_rx = st->now;
	c->keep_probes = 0;
	if (!seq_checks(c, s))
		return;
	if (s->flags & TH_SYN) {             /* fourth: RFC 5961 4.2 */
		if (c->state == TCP_SYN_RECEIVED)
			tcp_conn_free(c);    /* back to LISTEN */
		else
			tcp_send_challenge_ack(c);
		st->stats.drop_not_acceptable++;
		return;
	}
	if (!(s->flags & TH_ACK)) {          /* fifth: no ACK, drop */
		st->stats.drop_not_acceptable++;
		return;
	}
	if (c->state == TCP_SYN_RECEIVED) {
		if (!establish(c, s))
			return;
	} else if (!ack_input(c, s) || !ack_states(c)) {
		return;
	}
	no_slab_no_text(c, s);
	text_and_fin(c, s);
	conn_finish(c);
	if (c->state != TCP_CLOSED)
		tcp_conn_idle(c);
}

void sgw_tcp_input(struct sgw_tcp_stack *st, const struct sgw_tcp_seg *in,
		   uint64_t now_ms)
{
	struct sgw_tcp_conn *c;
	struct seg s;

	if (now_ms > st->now)
		st->now = now_ms;
	st->stats.rx_segs++;
	if (!parse(in, &s)) {
		st->stats.drop_bad_hdr++;
		return;
	}
	/* Not our address: not ours to answer (a RST from it would be a
	 * forgery). Our address, another port: RST from that port. */
	if (s.daddr != st->cfg.local_addr) {
		st->stats.drop_no_conn++;
		return;
	}
	if (s.dport != st->cfg.local_port) {
		reply_rst(st, &s);
		return;
	}
	c = tcp_conn_lookup(st, s.saddr, s.sport);
	if (c != NULL && tw_reopen(c, &s)) {
		tcp_conn_free(c);
		c = NULL;
	}
	st->cur_buf = in->buf;
	if (c == NULL)
		listen_input(st, &s);
	else
		conn_input(c, &s);
	st->cur_buf = NULL;
}
