/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers: a hashed timing wheel (Varghese and Lauck) of 1 ms slots, one
 * entry per connection at its earliest deadline. A connection keeps one
 * deadline per kind (enum tcp_timer) and moves its single wheel entry when
 * the minimum changes, so a tick costs the slots walked plus the entries
 * in them, never a scan of every connection. Entries further away than one
 * revolution wait in their slot for the right turn.
 *
 * Also here: RFC 6298 RTT estimation and what each timer does when it
 * fires (RTO with backoff, SYN-ACK retransmission, persist probes, delayed
 * ACK, TIME_WAIT and FIN-WAIT-2 expiry, keepalive; the RACK reordering
 * timer and the tail loss probe are in tcp_rack.c).
 */
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/tcp/tcp_internal.h"

enum { EXPIRED = SGW_TCP_WHEEL_SLOTS, SLOT_MASK = SGW_TCP_WHEEL_SLOTS - 1 };
_Static_assert((SGW_TCP_WHEEL_SLOTS & (SGW_TCP_WHEEL_SLOTS - 1)) == 0,
	       "wheel slots: a power of two");

void tcp_timer_init(struct tcp_wheel *w, uint64_t now)
{
	for (unsigned i = 0; i <= SGW_TCP_WHEEL_SLOTS; i++)
		w->head[i] = TCP_NIL;
	for (unsigned i = 0; i < SGW_TCP_WHEEL_SLOTS / 64; i++)
		w->bits[i] = 0;
	w->now = now;
}

static void wheel_unlink(struct sgw_tcp_stack *st, struct sgw_tcp_conn *c)
{
	struct tcp_wheel *w = &st->wheel;
	int32_t s = c->wslot;

	if (s < 0)
		return;
	if (c->wprev != TCP_NIL)
		st->conns[c->wprev].wnext = c->wnext;
	else
		w->head[s] = c->wnext;
	if (c->wnext != TCP_NIL)
		st->conns[c->wnext].wprev = c->wprev;
	if (w->head[s] == TCP_NIL && s != EXPIRED)
		w->bits[s / 64] &= ~(1ULL << (s % 64));
	c->wslot = -1;
}

static void wheel_link(struct sgw_tcp_stack *st, struct sgw_tcp_conn *c,
		       int32_t s)
{
	struct tcp_wheel *w = &st->wheel;

	c->wslot = s;
	c->wprev = TCP_NIL;
	c->wnext = w->head[s];
	if (c->wnext != TCP_NIL)
		st->conns[c->wnext].wprev = c->idx;
	w->head[s] = c->idx;
	if (s != EXPIRED)
		w->bits[s / 64] |= 1ULL << (s % 64);
}

/* Move the wheel entry to the earliest deadline (UINT64_MAX: none). */
static void rearm(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;
	uint64_t at = UINT64_MAX, slot_time;

	for (unsigned t = 0; t < TT_MAX; t++)
		if (c->deadline[t] < at)
			at = c->deadline[t];
	if (c->wslot >= 0 && c->wslot != EXPIRED && at == c->wheel_at)
		return;
	wheel_unlink(st, c);
	c->wheel_at = at;
	if (at == UINT64_MAX)
		return;
	/* A deadline already past fires on the next slot walked. */
	slot_time = at > st->wheel.now ? at : st->wheel.now + 1;
	wheel_link(st, c, (int32_t)(slot_time & SLOT_MASK));
}

void tcp_timer_set(struct sgw_tcp_conn *c, enum tcp_timer t, uint64_t at)
{
	c->deadline[t] = at;
	if (c->wslot != EXPIRED) /* the tick rearms what it is running */
		rearm(c);
}

void tcp_timer_clear(struct sgw_tcp_conn *c, enum tcp_timer t)
{
	tcp_timer_set(c, t, UINT64_MAX);
	if (t == TT_REXMT)
		c->rexmt_mode = RX_NONE;
	if (t == TT_RACK)
		c->rack.timer = RK_NONE;
}

void tcp_timer_clear_all(struct sgw_tcp_conn *c)
{
	for (unsigned t = 0; t < TT_MAX; t++)
		c->deadline[t] = UINT64_MAX;
	c->rexmt_mode = RX_NONE;
	c->rack.timer = RK_NONE;
	wheel_unlink(c->st, c);
	c->wheel_at = UINT64_MAX;
}

/* RFC 6298 2.2 and 2.3 (alpha 1/8, beta 1/4, G = 1 ms), 2.4 and 2.5. */
void tcp_rtt_sample(struct sgw_tcp_conn *c, uint32_t r)
{
	const struct sgw_tcp_cfg *cfg = &c->st->cfg;
	uint32_t rto;

	if (r < c->rack.min_rtt)
		c->rack.min_rtt = r; /* RFC 8985 6.2 step 1 */
	if (c->srtt8 == 0) {
		c->srtt8 = r * 8 + 1; /* + 1: a 0 ms sample still counts as one */
		c->rttvar4 = r * 2;
	} else {
		int32_t err = (int32_t)r - (int32_t)(c->srtt8 >> 3);
		uint32_t aerr = (uint32_t)(err < 0 ? -err : err);

		c->rttvar4 = c->rttvar4 - (c->rttvar4 >> 2) + aerr;
		c->srtt8 = c->srtt8 - (c->srtt8 >> 3) + r;
	}
	rto = (c->srtt8 >> 3) + (c->rttvar4 > 1 ? c->rttvar4 : 1);
	if (rto < cfg->rto_min_ms)
		rto = cfg->rto_min_ms;
	if (rto > cfg->rto_max_ms)
		rto = cfg->rto_max_ms;
	c->rto = rto;
}

static uint32_t backed_off(const struct sgw_tcp_conn *c, uint32_t lo,
			   uint32_t hi)
{
	uint64_t v = (uint64_t)c->rto << (c->backoff < 20 ? c->backoff : 20);

	if (v < lo)
		v = lo;
	return (uint32_t)(v > hi ? hi : v);
}

/* RFC 6298 5.1-5.3 and RFC 9293 3.8.6.1: the RTO runs while anything is
 * outstanding; with nothing outstanding, unsent data and a zero window,
 * the persist timer runs instead. Call with restart after new data was
 * acknowledged (5.3). */
static void arm_rexmt(struct sgw_tcp_conn *c, bool restart)
{
	const struct sgw_tcp_cfg *cfg = &c->st->cfg;
	uint64_t now = c->st->now;
	bool unsent = c->snd_nxt != c->snd_una + c->snd_len ||
		      (c->app_closed && !c->fin_sent);

	if (c->snd_max != c->snd_una) {
		if (c->rexmt_mode != RX_RTO || restart) {
			c->rexmt_mode = RX_RTO;
			tcp_timer_set(c, TT_REXMT, now + backed_off(c, cfg->rto_min_ms,
								    cfg->rto_max_ms));
		}
	} else if (unsent && c->snd_wnd == 0) {
		if (c->rexmt_mode != RX_PERSIST) {
			c->rexmt_mode = RX_PERSIST;
			tcp_timer_set(c, TT_REXMT,
				      now + backed_off(c, SGW_TCP_PERSIST_MIN_MS,
						       SGW_TCP_PERSIST_MAX_MS));
		}
	} else if (c->rexmt_mode != RX_NONE) {
		tcp_timer_clear(c, TT_REXMT);
	}
}

void tcp_rearm_rexmt(struct sgw_tcp_conn *c)
{
	if (c->state == TCP_SYN_RECEIVED || c->state == TCP_TIME_WAIT ||
	    c->state == TCP_CLOSED)
		return;
	arm_rexmt(c, false);
	tcp_rack_rearm(c);
}

/* RFC 8985 7.3: after a loss probe the RTO starts over. */
void tcp_restart_rto(struct sgw_tcp_conn *c)
{
	arm_rexmt(c, true);
}

static void give_up(struct sgw_tcp_conn *c, const char *why)
{
	c->st->stats.conns_timed_out++;
	tcp_send_rst(c);
	tcp_conn_closed(c, why);
}

/* RFC 9293 3.8.3 and 3.10.8: SYN-ACK retransmission; after
 * SGW_TCP_SYNACK_RETRIES the half-open entry is dropped silently (no app
 * knows about it). */
static void synack_timeout(struct sgw_tcp_conn *c)
{
	if (c->retries >= SGW_TCP_SYNACK_RETRIES) {
		tcp_conn_free(c);
		return;
	}
	c->retries++;
	c->backoff++;
	c->st->stats.synack_retransmits++;
	tcp_send_synack(c);
	c->rexmt_mode = RX_RTO;
	tcp_timer_set(c, TT_REXMT, c->st->now +
		      backed_off(c, c->st->cfg.rto_min_ms, c->st->cfg.rto_max_ms));
}

/* RFC 6298 5.4-5.7: retransmit the earliest unacknowledged segment, back
 * off, restart; RFC 5681 3.1 eq. 4 and RFC 2018 8 (forget SACKed bits). */
static void rto_timeout(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stats *s = &c->st->stats;

	if (c->retries >= SGW_TCP_MAX_RETRIES) {
		give_up(c, "retransmission timeout");
		return;
	}
	c->retries++;
	s->rto_expired++;
	tcp_cc_rto(c);
	if (c->backoff < 31)
		c->backoff++;
	c->rtt_active = false; /* Karn: no sample from a retransmission */
	tcp_sb_clear(c);
	tcp_rack_rto(c);
	c->snd_nxt = c->snd_una;
	c->rexmt_mode = RX_NONE;
	tcp_output(c);
	arm_rexmt(c, true);
}

/* RFC 9293 3.8.6.1 and RFC 1122 4.2.2.17: probe a zero window with one
 * byte, backing off, for as long as the peer answers. */
static void persist_timeout(struct sgw_tcp_conn *c)
{
	if (c->retries >= SGW_TCP_MAX_RETRIES) {
		give_up(c, "zero window probes unanswered");
		return;
	}
	c->retries++;
	if (c->backoff < 31)
		c->backoff++;
	c->st->stats.zero_window_probes++;
	tcp_send_probe(c);
	c->rexmt_mode = RX_PERSIST;
	tcp_timer_set(c, TT_REXMT, c->st->now +
		      backed_off(c, SGW_TCP_PERSIST_MIN_MS, SGW_TCP_PERSIST_MAX_MS));
}

static void rexmt_fire(struct sgw_tcp_conn *c)
{
	enum tcp_rexmt_mode m = c->rexmt_mode;

	c->deadline[TT_REXMT] = UINT64_MAX;
	c->rexmt_mode = RX_NONE;
	if (c->state == TCP_SYN_RECEIVED)
		synack_timeout(c);
	else if (m == RX_PERSIST)
		persist_timeout(c);
	else if (m == RX_RTO)
		rto_timeout(c);
}

static void rack_fire(struct sgw_tcp_conn *c)
{
	c->deadline[TT_RACK] = UINT64_MAX;
	tcp_rack_timeout(c);
}

static void delack_fire(struct sgw_tcp_conn *c)
{
	c->deadline[TT_DELACK] = UINT64_MAX;
	if (c->unacked == 0 && !c->ack_now)
		return;
	c->st->stats.delayed_acks++;
	c->ack_now = true;
	tcp_output(c);
}

static void msl_fire(struct sgw_tcp_conn *c)
{
	c->deadline[TT_2MSL] = UINT64_MAX;
	if (c->state == TCP_TIME_WAIT)
		tcp_conn_free(c);
	else if (c->state == TCP_FIN_WAIT_2)
		tcp_conn_closed(c, "fin-wait-2 timeout");
}

/* RFC 1122 4.2.3.6: probes after keepalive_ms of silence. */
static void keep_fire(struct sgw_tcp_conn *c)
{
	const struct sgw_tcp_cfg *cfg = &c->st->cfg;
	uint64_t idle_at = c->last_rx + cfg->keepalive_ms;

	c->deadline[TT_KEEP] = UINT64_MAX;
	if (cfg->keepalive_ms == 0 || c->state == TCP_SYN_RECEIVED ||
	    c->state == TCP_TIME_WAIT)
		return;
	if (c->st->now < idle_at) {
		c->deadline[TT_KEEP] = idle_at;
		return;
	}
	if (c->keep_probes >= SGW_TCP_KEEPALIVE_PROBES) {
		give_up(c, "keepalive timeout");
		return;
	}
	c->keep_probes++;
	tcp_send_keepalive(c);
	c->deadline[TT_KEEP] = c->st->now + SGW_TCP_KEEPALIVE_INTVL_MS;
}

typedef void (*fire_fn)(struct sgw_tcp_conn *c);
static const fire_fn fire[TT_MAX] = {
	[TT_RACK] = rack_fire,
	[TT_REXMT] = rexmt_fire,
	[TT_DELACK] = delack_fire,
	[TT_2MSL] = msl_fire,
	[TT_KEEP] = keep_fire,
};

/* Fire what is due, in kind order, while the connection lives; a fire
 * function that frees the entry leaves it TCP_CLOSED. */
static void run_conn(struct sgw_tcp_conn *c, uint64_t now)
{
	for (unsigned t = 0; t < TT_MAX && c->state != TCP_CLOSED; t++)
		if (c->deadline[t] <= now)
			fire[t](c);
	if (c->state != TCP_CLOSED) {
		wheel_unlink(c->st, c);
		rearm(c);
	}
}

/* Move every due entry of slot s to the expired list. */
static void collect(struct sgw_tcp_stack *st, uint32_t s, uint64_t now)
{
	uint32_t i = st->wheel.head[s];

	while (i != TCP_NIL) {
		struct sgw_tcp_conn *c = &st->conns[i];

		i = c->wnext;
		if (c->wheel_at <= now) {
			wheel_unlink(st, c);
			wheel_link(st, c, EXPIRED);
		}
	}
}

void sgw_tcp_tick(struct sgw_tcp_stack *st, uint64_t now_ms)
{
	struct tcp_wheel *w = &st->wheel;
	uint64_t from = w->now + 1, n;

	if (now_ms <= w->now)
		return;
	if (now_ms > st->now)
		st->now = now_ms; /* never backwards (input may have been later) */
	n = now_ms - w->now;
	if (n > SGW_TCP_WHEEL_SLOTS)
		n = SGW_TCP_WHEEL_SLOTS;
	for (uint64_t k = 0; k < n; k++) {
		uint32_t s = (uint32_t)((from + k) & SLOT_MASK);
		uint64_t word = w->bits[s / 64] >> (s % 64);

		if (word == 0)
			k += 63 - s % 64; /* an empty rest of word: skip it */
		else if (word & 1)
			collect(st, s, now_ms);
	}
	w->now = now_ms;
	/* One at a time from the head: a callback may free any entry,
	 * which unlinks it from this list too. */
	while (w->head[EXPIRED] != TCP_NIL)
		run_conn(&st->conns[w->head[EXPIRED]], now_ms);
	if (st->idle_n > 0)
		tcp_conn_reap_idle(st);
	if (st->buf_waiting > 0 && tcp_slabs_free(st) > 0)
		tcp_conn_wake_waiters(st);
}

/* A lower bound: the time of the first occupied slot (its entries may be
 * due a revolution later; the tick then finds nothing and moves on). */
uint64_t sgw_tcp_next_timer(const struct sgw_tcp_stack *st)
{
	const struct tcp_wheel *w = &st->wheel;

	for (uint64_t k = 1; k <= SGW_TCP_WHEEL_SLOTS; k++) {
		uint32_t s = (uint32_t)((w->now + k) & SLOT_MASK);
		uint64_t word = w->bits[s / 64] >> (s % 64);

		if (word == 0) {
			k += 63 - s % 64; /* skip the rest of this word */
			continue;
		}
		if (word & 1)
			return w->now + k;
	}
	return UINT64_MAX;
}
