/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receive ring: in-order bytes not yet taken by the application,
 * [rcv_head, rcv_nxt), and out-of-order ranges above rcv_nxt kept in the
 * same ring at their sequence positions, with a small sorted interval
 * list (struct tcp_ooo) saying which bytes are held. A byte that is
 * already held is never overwritten (the first copy wins, as in Linux), so
 * overlapping retransmissions with different contents cannot change what
 * the application sees.
 *
 * The caller (tcp_input.c) has trimmed every segment to the window,
 * [rcv_nxt, rcv_adv), which lies inside the ring (rcv_adv <= rcv_head +
 * rcv_buf + 2^wscale - 1 < rcv_head + ring size).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/tcp/tcp_internal.h"

/* Relative to rcv_head, whose index moves with it: the ring size need
 * not divide 2^32, so seq - irs would jump after 4 GiB. */
static uint32_t ring_idx(const struct sgw_tcp_conn *c, uint32_t seq)
{
	uint64_t i = (uint64_t)c->rcv_head_idx + (seq - c->rcv_head);

	return (uint32_t)(i % c->st->rbuf_size);
}

/* Copy [seq, seq + len) of data into the ring, wrapping. */
static void ring_put(struct sgw_tcp_conn *c, uint32_t seq, const uint8_t *data,
		     uint32_t len)
{
	uint32_t size = c->st->rbuf_size;
	uint32_t i = ring_idx(c, seq);
	uint32_t first = len < size - i ? len : size - i;

	memcpy(c->rbuf + i, data, first);
	memcpy(c->rbuf, data + first, len - first);
}

/* Copy only the bytes of [s, e) that no queued range holds. */
static void put_gaps(struct sgw_tcp_conn *c, uint32_t s, uint32_t e,
		     const uint8_t *data)
{
	const struct tcp_ooo *q = &c->ooo;
	uint32_t at = s;

	for (unsigned i = 0; i < q->n && SEQ_LT(at, e); i++) {
		if (SEQ_LEQ(q->r[i].end, at))
			continue;
		if (SEQ_GEQ(q->r[i].start, e))
			break;
		if (SEQ_LT(at, q->r[i].start))
			ring_put(c, at, data + (at - s), q->r[i].start - at);
		at = SEQ_MAX(at, q->r[i].end);
	}
	if (SEQ_LT(at, e))
		ring_put(c, at, data + (at - s), e - at);
}

static void ooo_remove(struct tcp_ooo *q, unsigned i)
{
	unsigned tail = q->n - i - 1;

	memmove(&q->r[i], &q->r[i + 1], tail * sizeof(q->r[0]));
	memmove(&q->stamp[i], &q->stamp[i + 1], tail * sizeof(q->stamp[0]));
	q->n--;
}

/* Record [s, e) in the sorted list, merging overlapping or adjacent
 * ranges; false when a new range is needed and the list is full. */
static bool ooo_insert(struct tcp_ooo *q, uint32_t s, uint32_t e)
{
	unsigned i = 0;

	while (i < q->n && SEQ_LT(q->r[i].end, s))
		i++;
	if (i == q->n || SEQ_GT(q->r[i].start, e)) {
		if (q->n == SGW_TCP_MAX_OOO)
			return false;
		memmove(&q->r[i + 1], &q->r[i], (q->n - i) * sizeof(q->r[0]));
		memmove(&q->stamp[i + 1], &q->stamp[i],
			(q->n - i) * sizeof(q->stamp[0]));
		q->r[i].start = s;
		q->r[i].end = e;
		q->n++;
	} else {
		q->r[i].start = SEQ_MIN(q->r[i].start, s);
		q->r[i].end = SEQ_MAX(q->r[i].end, e);
		while (i + 1 < q->n && SEQ_GEQ(q->r[i].end, q->r[i + 1].start)) {
			q->r[i].end = SEQ_MAX(q->r[i].end, q->r[i + 1].end);
			ooo_remove(q, i + 1);
		}
	}
	q->stamp[i] = ++q->clock;
	return true;
}

static bool ooo_holds(const struct tcp_ooo *q, uint32_t s, uint32_t e)
{
	for (unsigned i = 0; i < q->n; i++)
		if (SEQ_LEQ(q->r[i].start, s) && SEQ_GEQ(q->r[i].end, e))
			return true;
	return false;
}

/* rcv_nxt moved: swallow the queued ranges it reached. */
static bool ooo_pull(struct sgw_tcp_conn *c)
{
	struct tcp_ooo *q = &c->ooo;
	bool pulled = false;

	while (q->n > 0 && SEQ_LEQ(q->r[0].start, c->rcv_nxt)) {
		c->rcv_nxt = SEQ_MAX(c->rcv_nxt, q->r[0].end);
		ooo_remove(q, 0);
		pulled = true;
	}
	return pulled;
}

/* RFC 9293 3.10.7.4 step 7 and 3.9 (out-of-order segments may be held).
 * seq >= rcv_nxt and seq + len <= rcv_adv. */
enum tcp_reass_result tcp_reass_add(struct sgw_tcp_conn *c, uint32_t seq,
				    const uint8_t *data, uint32_t len,
				    bool *filled_hole)
{
	uint32_t e = seq + len;

	*filled_hole = false;
	if (len == 0)
		return REASS_DUPLICATE;
	if (seq != c->rcv_nxt) {
		if (ooo_holds(&c->ooo, seq, e))
			return REASS_DUPLICATE;
		put_gaps(c, seq, e, data);
		if (!ooo_insert(&c->ooo, seq, e))
			return REASS_FULL; /* bytes copied but not marked held */
		return REASS_QUEUED;
	}
	/* The common case: in order, nothing queued or undelivered, the
	 * application reading. No copy: tcp_reass_deliver (always next in
	 * this segment's processing) hands the segment's own bytes over. */
	if (c->ooo.n == 0 && c->rcv_head == seq && c->accepted && !c->app_blocked &&
	    c->direct == NULL) {
		c->direct = data;
		c->direct_buf = c->st->cur_buf;
		c->direct_len = len;
		c->rcv_nxt = e;
		return REASS_IN_ORDER;
	}
	put_gaps(c, seq, e, data);
	c->rcv_nxt = e;
	*filled_hole = ooo_pull(c);
	return REASS_IN_ORDER;
}

/* The segment's in-order text straight to the application; what it does
 * not take goes into the ring (and the application is blocked). */
static void deliver_direct(struct sgw_tcp_conn *c)
{
	const struct sgw_tcp_cfg *cfg = &c->st->cfg;
	const uint8_t *d = c->direct;
	uint32_t len = c->direct_len;
	size_t took;

	c->direct = NULL;
	c->in_direct = true;
	took = cfg->on_data(cfg->ctx, c->app, d, len, c->direct_buf);
	c->in_direct = false;
	if (!c->accepted || c->rbuf == NULL)
		return; /* closed from the callback */
	if (took > len)
		took = len;
	c->rcv_head += (uint32_t)took;
	c->rcv_head_idx = (uint32_t)((c->rcv_head_idx + took) % c->st->rbuf_size);
	if (took < len) {
		ring_put(c, c->rcv_head, d + took, len - (uint32_t)took);
		c->app_blocked = true;
	}
}

uint32_t tcp_rcv_space(const struct sgw_tcp_conn *c)
{
	uint32_t held = c->rcv_nxt - c->rcv_head - (c->rcv_fin ? 1 : 0);

	return c->st->cfg.rcv_buf - held;
}

/* Hand [rcv_head, rcv_nxt) to the application, a contiguous run at a time,
 * until it takes less than offered; then the FIN once all is taken. The
 * application may call the stack from on_data (send, close, abort). */
void tcp_reass_deliver(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;
	const struct sgw_tcp_cfg *cfg = &st->cfg;
	uint32_t end = c->rcv_nxt - (c->rcv_fin ? 1 : 0); /* FIN: no byte */

	if (c->in_direct)
		return;       /* nested (from on_data): the outer call goes on */
	if (c->direct != NULL) {
		deliver_direct(c);
		if (!c->accepted || c->rbuf == NULL)
			return;
	}
	while (c->accepted && !c->app_blocked && c->rcv_head != end) {
		uint32_t i = ring_idx(c, c->rcv_head);
		uint32_t len = end - c->rcv_head;
		size_t took;

		if (len > st->rbuf_size - i)
			len = st->rbuf_size - i;
		c->in_direct = true;     /* no nested delivery, the slab stays */
		took = cfg->on_data(cfg->ctx, c->app, c->rbuf + i, len, NULL);
		c->in_direct = false;
		if (!c->accepted || c->rbuf == NULL)
			return; /* closed from the callback */
		if (took > len)
			took = len;
		c->rcv_head += (uint32_t)took;
		c->rcv_head_idx = (uint32_t)((c->rcv_head_idx + took) % st->rbuf_size);
		if (took < len)
			c->app_blocked = true;
	}
	if (c->accepted && c->rcv_fin && !c->fin_delivered &&
	    c->rcv_head == end) {
		c->fin_delivered = true;
		cfg->on_fin(cfg->ctx, c->app);
	}
}
