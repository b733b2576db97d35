/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Everything that leaves the stack: data segments from the send ring
 * (new data, go-back-N after an RTO, retransmissions of what RACK or the
 * DupThresh rule deemed lost, tail loss probes), FIN, pure and delayed
 * ACKs, SYN-ACKs (stateful and cookie), RSTs, window probes. Every data
 * segment leaves a transmit record (tcp_rack.c).
 * Each segment is built in a struct sgw_tcp_out and handed to cfg.emit.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/tcp/tcp_internal.h"

uint32_t tcp_ts_now(const struct sgw_tcp_conn *c)
{
	return (uint32_t)c->st->now + c->ts_off;
}

/* RFC 5681 2: FlightSize, sent and not cumulatively acknowledged. */
uint32_t tcp_flight(const struct sgw_tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

static bool fin_state(enum tcp_state s)
{
	return s == TCP_FIN_WAIT_1 || s == TCP_CLOSING || s == TCP_LAST_ACK;
}

/* RFC 9293 3.8.6.2.2 (receiver SWS avoidance): the right edge moves
 * right only by min(rcv_buf / 2, MSS) or more; RFC 9293 3.8.6.2.1 and RFC
 * 7323 2.4: it does not move left, so the scaled field rounds up when
 * rounding down would pull it back, as far as the ring's 2^wscale bytes of
 * slack allow. Returns the 16-bit field; rcv_adv is the highest edge ever
 * advertised, up to which segments are accepted. */
uint32_t tcp_rcv_window(struct sgw_tcp_conn *c)
{
	uint32_t bufsz = c->st->cfg.rcv_buf;
	uint32_t cap = c->rcv_head + c->st->rbuf_size - 1;
	uint32_t edge = c->rcv_nxt + tcp_rcv_space(c);
	uint32_t step = bufsz / 2 < c->rmss ? bufsz / 2 : c->rmss;
	uint32_t win, field, unit = 1u << c->rcv_ws;

	if (SEQ_LT(c->rcv_adv, c->rcv_nxt))
		c->rcv_adv = c->rcv_nxt;
	if (SEQ_LT(edge, c->rcv_adv) || edge - c->rcv_adv < step)
		edge = c->rcv_adv;
	win = edge - c->rcv_nxt;
	field = win >> c->rcv_ws;
	if ((field << c->rcv_ws) < win &&
	    SEQ_LEQ(c->rcv_nxt + (field + 1) * unit, cap))
		field++;
	if (field > 0xffff)
		field = 0xffff;
	if (SEQ_GT(c->rcv_nxt + (field << c->rcv_ws), c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + (field << c->rcv_ws);
	return field;
}

static void hdr_base(struct sgw_tcp_out *o, const struct sgw_tcp_stack *st,
		     uint32_t raddr, uint16_t rport, uint32_t seq, uint32_t ack,
		     uint8_t flags)
{
	memset(o, 0, sizeof(*o));
	o->saddr = st->cfg.local_addr;
	o->daddr = raddr;
	sgw_put16(o->hdr, st->cfg.local_port);
	sgw_put16(o->hdr + 2, rport);
	sgw_put32(o->hdr + 4, seq);
	sgw_put32(o->hdr + 8, (flags & TH_ACK) ? ack : 0);
	o->hdr[13] = flags;
	o->hdr_len = TCP_HDR_LEN;
}

static void opt_nops(struct sgw_tcp_out *o, unsigned n)
{
	while (n-- > 0)
		o->hdr[o->hdr_len++] = TCPOPT_NOP;
}

static void opt_ts(struct sgw_tcp_out *o, uint32_t tsval, uint32_t tsecr)
{
	uint8_t *p = o->hdr + o->hdr_len;

	p[0] = TCPOPT_TIMESTAMP;
	p[1] = TCPOLEN_TIMESTAMP;
	sgw_put32(p + 2, tsval);
	sgw_put32(p + 6, tsecr);
	o->hdr_len += TCPOLEN_TIMESTAMP;
}

/* RFC 2018 3: NOP NOP SACK with our out-of-order ranges. */
static void opt_sack(struct sgw_tcp_out *o, const struct sgw_tcp_conn *c)
{
	struct tcp_range b[TCP_MAX_SACK_BLOCKS];
	unsigned max = c->ts_ok ? TCP_MAX_SACK_BLOCKS_TS : TCP_MAX_SACK_BLOCKS;
	unsigned n = tcp_sack_blocks(c, b, max);
	uint8_t *p;

	if (n == 0)
		return;
	opt_nops(o, 2);
	p = o->hdr + o->hdr_len;
	p[0] = TCPOPT_SACK;
	p[1] = (uint8_t)(2 + n * TCPOLEN_SACK_BLOCK);
	for (unsigned i = 0; i < n; i++) {
		sgw_put32(p + 2 + 8 * i, b[i].start);
		sgw_put32(p + 6 + 8 * i, b[i].end);
	}
	o->hdr_len += 2 + n * TCPOLEN_SACK_BLOCK;
}

static void finish_hdr(struct sgw_tcp_out *o, uint16_t win)
{
	o->hdr[12] = (uint8_t)((o->hdr_len / 4) << 4);
	sgw_put16(o->hdr + 14, win);
}

static void emit(struct sgw_tcp_stack *st, const struct sgw_tcp_out *o)
{
	st->stats.tx_segs++;
	st->stats.tx_bytes += o->payload_len + o->payload2_len;
	st->cfg.emit(st->cfg.ctx, o);
}

/* A segment of connection c: header with timestamps and SACK (not on RST),
 * the window, and an ACK that settles any pending or delayed ACK. */
static void conn_hdr(struct sgw_tcp_out *o, struct sgw_tcp_conn *c,
		     uint32_t seq, uint8_t flags)
{
	hdr_base(o, c->st, c->raddr, c->rport, seq, c->rcv_nxt, flags);
	if (c->ts_ok) {
		opt_nops(o, 2);
		opt_ts(o, tcp_ts_now(c), c->ts_recent);
	}
	if (c->sack_ok && !(flags & TH_RST) && c->ooo.n > 0)
		opt_sack(o, c);
	finish_hdr(o, (flags & TH_RST) ? 0 : (uint16_t)tcp_rcv_window(c));
	if (flags & TH_ACK) {
		c->last_ack_sent = c->rcv_nxt;
		c->unacked = 0;
		c->ack_now = false;
		if (c->deadline[TT_DELACK] != UINT64_MAX)
			tcp_timer_clear(c, TT_DELACK);
	}
}

/* Point the payload at [seq, seq + len) of the send ring (wrapping). */
static void set_payload(struct sgw_tcp_out *o, const struct sgw_tcp_conn *c,
			uint32_t seq, uint32_t len)
{
	uint32_t size = c->st->cfg.snd_buf;
	uint32_t i = (c->snd_head + (seq - c->snd_una)) % size;
	uint32_t first = len < size - i ? len : size - i;

	if (len == 0)
		return;       /* a lone FIN: perhaps no slab at all */
	o->payload = c->sbuf + i;
	o->payload_len = first;
	if (len > first) {
		o->payload2 = c->sbuf;
		o->payload2_len = len - first;
	}
}

/* Send up to len bytes at seq (FIN too when it ends the data and we are
 * closing); returns the sequence space sent. The option bytes of this
 * segment come off the payload (RFC 9293 3.7.1). */
static uint32_t send_seg(struct sgw_tcp_conn *c, uint32_t seq, uint32_t len)
{
	struct sgw_tcp_out o;
	uint32_t data_end = c->snd_una + c->snd_len, old_max = c->snd_max;
	uint32_t room, sent;
	uint8_t flags = TH_ACK;

	conn_hdr(&o, c, seq, TH_ACK);
	room = c->smss + (c->ts_ok ? TCPOLEN_TS_ALIGNED : 0) -
	       (uint32_t)(o.hdr_len - TCP_HDR_LEN);
	if (len > room)
		len = room;
	if (seq + len == data_end) {
		if (len > 0)
			flags |= TH_PSH;
		if (c->app_closed && fin_state(c->state))
			flags |= TH_FIN;
	}
	o.hdr[13] = flags;
	set_payload(&o, c, seq, len);
	emit(c->st, &o);
	if (SEQ_LT(seq, c->snd_max))
		c->st->stats.retransmits++;
	if (flags & TH_FIN) {
		c->fin_sent = true;
		if (SEQ_GT(seq + len + 1, c->snd_max))
			c->snd_max = seq + len + 1; /* also when retransmitting */
	}
	sent = len + ((flags & TH_FIN) ? 1 : 0);
	tcp_txq_sent(c, seq, seq + sent, old_max);
	return sent;
}

/* Karn's rule (RFC 6298 3): a timed segment that is sent again gives no
 * sample; time only new data when timestamps are off. */
static void rtt_on_send(struct sgw_tcp_conn *c, uint32_t seq, uint32_t sent)
{
	if (c->ts_ok)
		return;
	if (c->rtt_active && SEQ_LEQ(seq, c->rtt_seq) &&
	    SEQ_LT(c->rtt_seq, seq + sent)) {
		if (SEQ_LT(seq, c->snd_max))
			c->rtt_active = false;
	} else if (!c->rtt_active && seq == c->snd_max) {
		c->rtt_active = true;
		c->rtt_seq = seq;
		c->rtt_start = c->st->now;
	}
}

static void advance_nxt(struct sgw_tcp_conn *c, uint32_t seq, uint32_t sent)
{
	rtt_on_send(c, seq, sent);
	c->snd_nxt = seq + sent;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
}

/* One segment at seq, for fast retransmit and partial ACKs. */
bool tcp_retransmit_one(struct sgw_tcp_conn *c, uint32_t seq)
{
	uint32_t data_end = c->snd_una + c->snd_len, next, len, sent;

	if (SEQ_GEQ(seq, c->snd_max))
		return false;
	tcp_sb_is_sacked(c, seq, &next);
	len = SEQ_MIN(SEQ_MIN(next, data_end), seq + c->smss) - seq;
	if (len == 0 && !(seq == data_end && c->fin_sent))
		return false;
	sent = send_seg(c, seq, len);
	rtt_on_send(c, seq, sent);
	return true;
}

/* Bytes in the network for the cwnd check: RFC 6675 pipe with SACK (lost
 * as RACK says), otherwise what was sent from snd_una up to snd_nxt. */
static uint32_t in_network(const struct sgw_tcp_conn *c)
{
	if (c->sack_ok)
		return tcp_sb_pipe(c);
	return c->snd_nxt - c->snd_una;
}

static uint32_t cwnd_room(const struct sgw_tcp_conn *c)
{
	uint32_t inflight = in_network(c);

	return c->cwnd > inflight ? c->cwnd - inflight : 0;
}

/* RFC 6675 5 step (C) / NextSeg rule 1: the lowest segment deemed lost
 * (RFC 8985 RACK, or the DupThresh rule for the first), unSACKed bytes
 * only, as cwnd allows; it is lost no more once sent (tcp_rack.c). */
static bool lost_rexmit(struct sgw_tcp_conn *c)
{
	uint32_t seq, next;

	if (c->txq.n_lost == 0 || !tcp_rack_next_lost(c, &seq))
		return false;
	tcp_sb_is_sacked(c, seq, &next);
	if (cwnd_room(c) < SEQ_MIN(next - seq, c->smss))
		return false;
	return tcp_retransmit_one(c, seq);
}

/* How much new (or go-back-N) data may leave at snd_nxt: the peer's
 * window, cwnd, SACKed ranges ahead, and sender SWS avoidance (RFC 9293
 * 3.8.6.2.1: a full segment, all we have, or anything when nothing is in
 * flight; Nagle is off, SSTP wants latency). */
static uint32_t usable(struct sgw_tcp_conn *c, uint32_t data_end)
{
	uint32_t wnd_end = c->snd_una + c->snd_wnd, next, len;

	while (SEQ_LT(c->snd_nxt, data_end) && c->sack_ok &&
	       tcp_sb_is_sacked(c, c->snd_nxt, &next))
		c->snd_nxt = SEQ_MIN(next, data_end);
	if (SEQ_GEQ(c->snd_nxt, data_end) || SEQ_GEQ(c->snd_nxt, wnd_end))
		return 0;
	len = SEQ_MIN(data_end, wnd_end) - c->snd_nxt;
	if (c->sack_ok) {
		tcp_sb_is_sacked(c, c->snd_nxt, &next);
		if (SEQ_LT(next, c->snd_nxt + len))
			len = next - c->snd_nxt;
	}
	if (len > c->smss)
		len = c->smss;
	if (len > cwnd_room(c))
		len = cwnd_room(c) >= c->smss ? c->smss : 0;
	if (len < c->smss && c->snd_nxt + len != data_end &&
	    c->snd_nxt != c->snd_una)
		return 0;
	return len;
}

static bool send_new(struct sgw_tcp_conn *c)
{
	uint32_t data_end = c->snd_una + c->snd_len;
	uint32_t seq = c->snd_nxt, len;

	if (!fin_state(c->state) && c->state != TCP_ESTABLISHED &&
	    c->state != TCP_CLOSE_WAIT)
		return false;
	len = usable(c, data_end);
	seq = c->snd_nxt;
	if (len > 0) {
		advance_nxt(c, seq, send_seg(c, seq, len));
		return true;
	}
	/* A lone FIN after the data (it needs no window, RFC 9293 3.8.6). */
	if (c->app_closed && fin_state(c->state) && seq == data_end) {
		advance_nxt(c, seq, send_seg(c, seq, 0));
		return true;
	}
	return false;
}

static void send_pure_ack(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_out o;

	conn_hdr(&o, c, c->snd_nxt, TH_ACK);
	emit(c->st, &o);
}

/* Send what may be sent, then an ACK if one is still owed. Bounded: each
 * pass moves snd_nxt or rexmit_nxt forward inside the send ring. */
void tcp_output(struct sgw_tcp_conn *c)
{
	unsigned guard = 0;
	uint32_t limit = c->st->cfg.snd_buf / 64 + 64;

	if (c->state == TCP_SYN_RECEIVED) {
		if (c->ack_now)
			tcp_send_synack(c);
		c->ack_now = false;
		return;
	}
	/* Without a slab the ring is empty: at most a lone FIN to send. */
	while ((c->sbuf != NULL || c->snd_len == 0) && guard++ < limit) {
		if (c->sack_ok && lost_rexmit(c))
			continue;
		if (!send_new(c))
			break;
	}
	if (c->ack_now)
		send_pure_ack(c);
	tcp_rearm_rexmt(c);
}

/* RFC 8985 7.3 TLP_send_probe: new data when the peer's window has room
 * (cwnd does not hold a probe back), else the last segment sent again. */
enum tcp_probe tcp_send_tlp(struct sgw_tcp_conn *c)
{
	uint32_t data_end = c->snd_una + c->snd_len;
	uint32_t wnd_end = c->snd_una + c->snd_wnd, seq;

	if (c->snd_nxt == c->snd_max && SEQ_LT(c->snd_nxt, data_end) &&
	    SEQ_LT(c->snd_nxt, wnd_end)) {
		seq = c->snd_nxt;
		advance_nxt(c, seq, send_seg(c, seq, SEQ_MIN(data_end, wnd_end) - seq));
		return PROBE_NEW;
	}
	if (c->snd_max == c->snd_una)
		return PROBE_NONE;
	seq = SEQ_MAX(tcp_txq_last_start(c), data_end - SEQ_MIN(data_end - c->snd_una,
								 c->smss));
	return tcp_retransmit_one(c, seq) ? PROBE_RETRANS : PROBE_NONE;
}

void tcp_send_ack(struct sgw_tcp_conn *c)
{
	c->ack_now = true;
	tcp_output(c);
}

/* RFC 5961 3.2, 4.2, 5.2 and 7: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>,
 * at most SGW_TCP_CHALLENGE_ACKS_PER_S per second per stack. */
void tcp_send_challenge_ack(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;

	if (st->now / 1000 != st->chal_second) {
		st->chal_second = st->now / 1000;
		st->chal_count = 0;
	}
	if (st->chal_count >= SGW_TCP_CHALLENGE_ACKS_PER_S) {
		st->stats.challenge_acks_throttled++;
		return;
	}
	st->chal_count++;
	st->stats.challenge_acks++;
	if (c->state == TCP_SYN_RECEIVED)
		tcp_send_synack(c);
	else
		send_pure_ack(c);
}

struct synack_params {
	uint32_t raddr, iss, ack, tsval, tsecr;
	uint16_t rport, mss;
	uint8_t ws;              /* our shift, when the peer offered WS */
	bool ts, sack, wsok;
};

/* RFC 9293 3.10.7.2, RFC 7323 2.2 and 3.2, RFC 2018 2: the SYN-ACK and
 * its options (MSS, SACK-permitted, timestamps, window scale), laid out
 * as Linux does: MSS, SACK_PERM+TS or NOP NOP TS, NOP WS. The window of a
 * SYN is never scaled (RFC 7323 2.2). */
static void synack_emit(struct sgw_tcp_stack *st, const struct synack_params *p)
{
	struct sgw_tcp_out o;
	uint8_t *q;
	uint32_t win = st->cfg.rcv_buf < 0xffff ? st->cfg.rcv_buf : 0xffff;

	hdr_base(&o, st, p->raddr, p->rport, p->iss, p->ack, TH_SYN | TH_ACK);
	q = o.hdr + o.hdr_len;
	q[0] = TCPOPT_MSS;
	q[1] = TCPOLEN_MSS;
	sgw_put16(q + 2, p->mss);
	o.hdr_len += TCPOLEN_MSS;
	if (p->sack && p->ts) {
		o.hdr[o.hdr_len++] = TCPOPT_SACK_PERM;
		o.hdr[o.hdr_len++] = TCPOLEN_SACK_PERM;
	} else if (p->sack) {
		opt_nops(&o, 2);
		o.hdr[o.hdr_len++] = TCPOPT_SACK_PERM;
		o.hdr[o.hdr_len++] = TCPOLEN_SACK_PERM;
	} else if (p->ts) {
		opt_nops(&o, 2);
	}
	if (p->ts)
		opt_ts(&o, p->tsval, p->tsecr);
	if (p->wsok) {
		opt_nops(&o, 1);
		o.hdr[o.hdr_len++] = TCPOPT_WSCALE;
		o.hdr[o.hdr_len++] = TCPOLEN_WSCALE;
		o.hdr[o.hdr_len++] = p->ws;
	}
	finish_hdr(&o, (uint16_t)win);
	emit(st, &o);
}

void tcp_send_synack(struct sgw_tcp_conn *c)
{
	struct synack_params p = {
		.raddr = c->raddr, .rport = c->rport, .iss = c->iss,
		.ack = c->rcv_nxt, .tsval = tcp_ts_now(c), .tsecr = c->ts_recent,
		.mss = c->st->cfg.mss, .ws = c->rcv_ws, .ts = c->ts_ok,
		.sack = c->sack_ok, .wsok = c->ws_ok,
	};

	c->last_ack_sent = c->rcv_nxt;
	synack_emit(c->st, &p);
}

/* RFC 4987 3.6: a SYN-ACK that keeps no state; what we must remember is
 * in iss (cookie) and, with timestamps, in the low bits of tsval. */
void tcp_send_cookie_synack(struct sgw_tcp_stack *st, uint32_t raddr,
			    uint16_t rport, uint32_t iss, uint32_t irs,
			    uint16_t mss, const struct tcp_opts *o, uint32_t tsval)
{
	const struct sgw_tcp_cfg *cfg = &st->cfg;
	struct synack_params p = {
		.raddr = raddr, .rport = rport, .iss = iss, .ack = irs + 1,
		.tsval = tsval, .tsecr = o->tsval, .mss = cfg->mss,
		.ws = st->rcv_ws,
		.ts = o->has_ts && cfg->timestamps,
		.sack = o->sack_perm && cfg->sack && o->has_ts && cfg->timestamps,
		.wsok = o->has_ws && cfg->window_scaling && o->has_ts &&
			cfg->timestamps,
	};

	(void)mss;
	synack_emit(st, &p);
}

/* RFC 9293 3.10.7.1: the RST for a segment that has no connection, from
 * the address and port it was sent to (which need not be ours: a SYN to a
 * closed port gets its RST from that port, or the sender ignores it);
 * with_ack: <SEQ=0><ACK=ack><CTL=RST,ACK>, else <SEQ=seq><CTL=RST>. */
void tcp_send_rst_for(struct sgw_tcp_stack *st, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport, uint32_t seq, uint32_t ack,
		      bool with_ack)
{
	struct sgw_tcp_out o;

	hdr_base(&o, st, raddr, rport, with_ack ? 0 : seq, ack,
		 with_ack ? (TH_RST | TH_ACK) : TH_RST);
	o.saddr = laddr;
	sgw_put16(o.hdr, lport);
	finish_hdr(&o, 0);
	st->stats.rst_sent++;
	emit(st, &o);
}

/* RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> (with ACK, as Linux). */
void tcp_send_rst(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_out o;

	conn_hdr(&o, c, c->snd_max, TH_RST | TH_ACK);
	c->st->stats.rst_sent++;
	emit(c->st, &o);
}

/* RFC 1122 4.2.3.6: <SEQ=SND.UNA-1>, no data: the peer answers with an
 * ACK carrying its current window. Also our zero-window probe (as Linux:
 * the probe needs no byte of ours beyond the window). */
void tcp_send_keepalive(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_out o;

	conn_hdr(&o, c, c->snd_una - 1, TH_ACK);
	emit(c->st, &o);
}

void tcp_send_probe(struct sgw_tcp_conn *c)
{
	tcp_send_keepalive(c);
}
