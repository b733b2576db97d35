/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack and its connection table: create/destroy, the 4-tuple hash
 * (chaining over indices, keyed SipHash so peers cannot aim at one chain),
 * the free list, the TIME_WAIT FIFO (oldest recycled first when the table
 * is full), the buffer slab, and the application's calls (send, close,
 * abort, recv_more).
 *
 * Memory per connection: sizeof(struct sgw_tcp_conn) + 8 bytes of hash
 * buckets for every entry, and for each of max_buffers (default
 * max_conns) a slab of SGW_TCP_TX_RECORDS transmit records (RACK, 5 KiB)
 * + rcv_buf + 2^wscale + snd_buf bytes, rounded to a cache line. With the
 * defaults (64 KiB each way) a slab is about 133.6 KiB and an entry about
 * 700 bytes (x86-64). A connection holds a slab only while bytes are in
 * flight or queued (idle for SGW_TCP_IDLE_MS, tcp_conn_reap_idle gives
 * it back; tcp_conn_buffers takes one again), so an idle established
 * call costs its entry; the slabs, taken LIFO, stay resident only as
 * many as were busy at once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/tcp/tcp_internal.h"

enum {
	MAX_CONNS_LIMIT = 1 << 24, MIN_BUF = 1024, MAX_BUF = 1 << 30,
	TXREC_BYTES = SGW_TCP_TX_RECORDS * sizeof(struct tcp_txrec),
};

void sgw_tcp_cfg_defaults(struct sgw_tcp_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->local_port = 443;
	cfg->max_conns = 1024;
	cfg->syn_queue = 256;
	cfg->mss = 1460;
	cfg->rcv_buf = 65536;
	cfg->snd_buf = 65536;
	cfg->timestamps = true;
	cfg->sack = true;
	cfg->window_scaling = true;
	cfg->rto_min_ms = 200;      /* Linux; RFC 6298 2.4 says 1 s */
	cfg->rto_max_ms = 60000;    /* RFC 6298 2.5: at least 60 s */
	cfg->rto_initial_ms = 1000; /* RFC 6298 2.1 */
	cfg->delack_ms = 40;        /* RFC 1122 4.2.3.2: < 0.5 s */
	cfg->time_wait_ms = 60000;  /* 2 * MSL with MSL 30 s, as Linux */
	cfg->keepalive_ms = 0;
}

static bool cfg_ok(const struct sgw_tcp_cfg *c)
{
	return c->max_conns > 0 && c->max_conns <= MAX_CONNS_LIMIT &&
	       c->syn_queue <= c->max_conns && c->max_buffers <= c->max_conns &&
	       c->mss >= 88 && c->mss <= 65495 &&
	       c->rcv_buf >= MIN_BUF && c->rcv_buf <= MAX_BUF &&
	       c->snd_buf >= MIN_BUF && c->snd_buf <= MAX_BUF &&
	       c->rto_min_ms > 0 && c->rto_min_ms <= c->rto_initial_ms &&
	       c->rto_initial_ms <= c->rto_max_ms && c->time_wait_ms > 0 &&
	       c->emit != NULL && c->on_accept != NULL && c->on_data != NULL &&
	       c->on_fin != NULL && c->on_closed != NULL;
}

/* RFC 7323 2.3: the smallest shift that lets the 16-bit field cover the
 * buffer (strictly below 65535, so rounding up still fits). */
static uint8_t pick_wscale(uint32_t rcv_buf)
{
	uint8_t s = 0;

	while (s < SGW_TCP_MAX_WSCALE && (rcv_buf >> s) >= 0xffff)
		s++;
	return s;
}

/* One connection's slab: transmit records first (aligned), then the
 * receive and send rings. */
static size_t slab_size(const struct sgw_tcp_stack *st)
{
	size_t n = TXREC_BYTES + (size_t)st->rbuf_size + st->cfg.snd_buf;

	return (n + 63) & ~(size_t)63;
}

static int alloc_tables(struct sgw_tcp_stack *st)
{
	const struct sgw_tcp_cfg *cfg = &st->cfg;
	size_t nb = 1;

	while (nb < 2 * (size_t)cfg->max_conns)
		nb <<= 1;
	st->bucket_mask = (uint32_t)(nb - 1);
	st->conns = calloc(cfg->max_conns, sizeof(*st->conns));
	st->buckets = malloc(nb * sizeof(*st->buckets));
	st->idle_q = malloc(2 * (size_t)cfg->max_conns * sizeof(*st->idle_q));
	st->slabs = sgw_bufpool_create(st->max_buffers, slab_size(st));
	if (st->conns == NULL || st->buckets == NULL || st->slabs == NULL ||
	    st->idle_q == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < nb; i++)
		st->buckets[i] = TCP_NIL;
	return 0;
}

static void init_free_list(struct sgw_tcp_stack *st)
{
	for (unsigned i = 0; i < st->cfg.max_conns; i++) {
		struct sgw_tcp_conn *c = &st->conns[i];

		c->st = st;
		c->idx = i;
		c->state = TCP_CLOSED;
		c->wslot = -1;
		c->lnext = i + 1 < st->cfg.max_conns ? i + 1 : TCP_NIL;
	}
	st->free_head = 0;
	st->tw_head = st->tw_tail = TCP_NIL;
}

struct sgw_tcp_stack *sgw_tcp_create(const struct sgw_tcp_cfg *cfg)
{
	struct sgw_tcp_stack *st;

	if (cfg == NULL || !cfg_ok(cfg))
		return NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NULL;
	st->cfg = *cfg;
	st->max_buffers = cfg->max_buffers ? cfg->max_buffers : cfg->max_conns;
	st->rcv_ws = cfg->window_scaling ? pick_wscale(cfg->rcv_buf) : 0;
	st->rbuf_size = cfg->rcv_buf + (1u << st->rcv_ws);
	st->sipkey[0] = (uint64_t)cfg->isn_secret[0] << 32 | cfg->isn_secret[1];
	st->sipkey[1] = (uint64_t)cfg->isn_secret[2] << 32 | cfg->isn_secret[3];
	if (alloc_tables(st) != 0)
		goto err_tables;
	init_free_list(st);
	tcp_timer_init(&st->wheel, 0);
	return st;

err_tables:
	sgw_tcp_destroy(st);
	return NULL;
}

/* Connections the application still holds hear "stack destroyed" (their
 * on_closed is owed); nothing is sent. */
void sgw_tcp_destroy(struct sgw_tcp_stack *st)
{
	if (st == NULL)
		return;
	for (unsigned i = 0; st->conns != NULL && i < st->cfg.max_conns; i++)
		if (st->conns[i].accepted)
			tcp_conn_closed(&st->conns[i], "stack destroyed");
	sgw_bufpool_destroy(st->slabs);
	free(st->idle_q);
	free(st->buckets);
	free(st->conns);
	free(st);
}

static uint32_t *bucket(struct sgw_tcp_stack *st, uint32_t raddr, uint16_t rport)
{
	return &st->buckets[tcp_hash_tuple(st, raddr, rport) & st->bucket_mask];
}

struct sgw_tcp_conn *tcp_conn_lookup(struct sgw_tcp_stack *st, uint32_t raddr,
				     uint16_t rport)
{
	for (uint32_t i = *bucket(st, raddr, rport); i != TCP_NIL;
	     i = st->conns[i].hnext) {
		struct sgw_tcp_conn *c = &st->conns[i];

		if (c->raddr == raddr && c->rport == rport)
			return c;
	}
	return NULL;
}

static void hash_remove(struct sgw_tcp_conn *c)
{
	uint32_t *p = bucket(c->st, c->raddr, c->rport);

	while (*p != TCP_NIL && *p != c->idx)
		p = &c->st->conns[*p].hnext;
	if (*p == c->idx)
		*p = c->hnext;
}

static void tw_unlink(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;

	if (c->lprev != TCP_NIL)
		st->conns[c->lprev].lnext = c->lnext;
	else
		st->tw_head = c->lnext;
	if (c->lnext != TCP_NIL)
		st->conns[c->lnext].lprev = c->lprev;
	else
		st->tw_tail = c->lprev;
	st->n_tw--;
}

static void tw_append(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;

	c->lnext = TCP_NIL;
	c->lprev = st->tw_tail;
	if (st->tw_tail != TCP_NIL)
		st->conns[st->tw_tail].lnext = c->idx;
	else
		st->tw_head = c->idx;
	st->tw_tail = c->idx;
	st->n_tw++;
}

/* Keeps the half-open and TIME_WAIT counts and the FIFO in step. */
void tcp_conn_set_state(struct sgw_tcp_conn *c, enum tcp_state s)
{
	struct sgw_tcp_stack *st = c->st;

	if (c->state == s)
		return;
	if (c->state == TCP_SYN_RECEIVED)
		st->n_synrcvd--;
	if (c->state == TCP_TIME_WAIT)
		tw_unlink(c);
	if (s == TCP_SYN_RECEIVED)
		st->n_synrcvd++;
	if (s == TCP_TIME_WAIT)
		tw_append(c);
	c->state = s;
}

static void release_buffers(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;

	if (c->rbuf == NULL)
		return;
	sgw_bufpool_put(st->slabs, c->rbuf - TXREC_BYTES);  /* the slab's start */
	c->rbuf = c->sbuf = NULL;
	tcp_txq_attach(c, NULL);
	c->snd_len = 0;
	c->ooo.n = 0;
	tcp_sb_clear(c);
}

bool tcp_conn_attach_buffers(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;
	uint8_t *slab = sgw_bufpool_get(st->slabs);

	if (slab == NULL)
		return false;
	tcp_txq_attach(c, (struct tcp_txrec *)(void *)slab);
	c->rbuf = slab + TXREC_BYTES;
	c->sbuf = c->rbuf + st->rbuf_size;
	return true;
}

/* The slab of a connection that may hold data, taken now if it has none;
 * false (counted by the caller) when every slab is in use. */
bool tcp_conn_buffers(struct sgw_tcp_conn *c)
{
	return c->rbuf != NULL || tcp_conn_attach_buffers(c);
}

/* An ESTABLISHED connection with nothing in flight or queued either way
 * gives its slab back once it has stayed so for SGW_TCP_IDLE_MS: an idle
 * call costs its entry only, and the slabs are what is in flight (issue
 * #5). An entry is queued once at a time; a freed one's stale turn is
 * skipped. Only an entry freed and reused many times within
 * SGW_TCP_IDLE_MS could fill the FIFO (2 x max_conns): then the slab
 * goes back at once. */
void tcp_conn_idle_queue(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;
	uint32_t cap = 2 * st->cfg.max_conns;

	if (st->idle_n == cap) {
		release_buffers(c);
		st->stats.buf_idle_released++;
		return;
	}
	st->idle_q[(st->idle_head + st->idle_n++) % cap] = c->idx;
	c->idle_queued = true;
	c->idle_at = st->now;
}

/* Tick: the slabs of connections idle since SGW_TCP_IDLE_MS go back. */
void tcp_conn_reap_idle(struct sgw_tcp_stack *st)
{
	uint32_t cap = 2 * st->cfg.max_conns;

	while (st->idle_n > 0) {
		struct sgw_tcp_conn *c = &st->conns[st->idle_q[st->idle_head]];

		if (c->idle_queued && c->idle_at + SGW_TCP_IDLE_MS > st->now)
			break;
		st->idle_head = (st->idle_head + 1) % cap;
		st->idle_n--;
		if (!c->idle_queued)
			continue;           /* an entry freed (and perhaps reused) */
		c->idle_queued = false;
		if (tcp_conn_is_idle(c)) {
			release_buffers(c);
			st->stats.buf_idle_released++;
		}
	}
}

static void unwait(struct sgw_tcp_conn *c)
{
	if (c->want_buffer) {
		c->want_buffer = false;
		c->st->buf_waiting--;
	}
}

/* Tick: tell up to SGW_TCP_BUF_WAKE connections waiting for a slab that
 * one is free (on_writable; each send takes one, so a few at a time). */
void tcp_conn_wake_waiters(struct sgw_tcp_stack *st)
{
	const struct sgw_tcp_cfg *cfg = &st->cfg;
	unsigned woken = 0;

	for (unsigned k = 0; k < cfg->max_conns && st->buf_waiting > 0 &&
	     tcp_slabs_free(st) > woken && woken < SGW_TCP_BUF_WAKE; k++) {
		struct sgw_tcp_conn *c = &st->conns[st->wait_cursor];

		st->wait_cursor = st->wait_cursor + 1 < cfg->max_conns ? st->wait_cursor + 1 : 0;
		if (!c->want_buffer)
			continue;
		unwait(c);
		woken++;
		if (c->accepted && cfg->on_writable != NULL)
			cfg->on_writable(cfg->ctx, c->app);
	}
}

void tcp_conn_free(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;

	if (c->state == TCP_CLOSED)
		return;
	unwait(c);
	tcp_timer_clear_all(c);
	hash_remove(c);
	release_buffers(c);
	tcp_conn_set_state(c, TCP_CLOSED);
	c->accepted = false;
	c->app = NULL;
	c->lnext = st->free_head;
	st->free_head = c->idx;
	st->n_conns--;
}

/* A free entry, else the oldest TIME_WAIT one (RFC 9293 3.6.1 allows
 * reusing TIME_WAIT state; RFC 6191 with timestamps is the usual basis),
 * else NULL. The entry is zeroed, hashed and counted, in TCP_CLOSED. */
struct sgw_tcp_conn *tcp_conn_alloc(struct sgw_tcp_stack *st, uint32_t raddr,
				    uint16_t rport)
{
	struct sgw_tcp_conn *c;
	uint32_t i;

	if (st->free_head == TCP_NIL && st->tw_head != TCP_NIL) {
		st->stats.time_wait_recycled++;
		tcp_conn_free(&st->conns[st->tw_head]);
	}
	if (st->free_head == TCP_NIL)
		return NULL;
	i = st->free_head;
	c = &st->conns[i];
	st->free_head = c->lnext;
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->idx = i;
	c->wslot = -1;
	c->wheel_at = UINT64_MAX;
	for (unsigned t = 0; t < TT_MAX; t++)
		c->deadline[t] = UINT64_MAX;
	c->lprev = c->lnext = TCP_NIL;
	c->raddr = raddr;
	c->rport = rport;
	c->hnext = *bucket(st, raddr, rport);
	*bucket(st, raddr, rport) = i;
	st->n_conns++;
	return c;
}

void tcp_conn_init_seq(struct sgw_tcp_conn *c, uint32_t irs, uint32_t iss)
{
	const struct sgw_tcp_cfg *cfg = &c->st->cfg;

	c->irs = irs;
	c->rcv_nxt = c->rcv_head = c->last_ack_sent = irs + 1;
	c->rcv_adv = irs + 1 + (cfg->rcv_buf < 0xffff ? cfg->rcv_buf : 0xffff);
	c->iss = iss;
	c->snd_una = iss;
	c->snd_nxt = c->snd_max = iss + 1;
	c->recover = iss;
	c->rack.min_rtt = UINT32_MAX;
	c->rack.reo_wnd_mult = 1;
	c->rto = cfg->rto_initial_ms;
	c->ts_off = tcp_ts_offset(c->st, c->raddr, c->rport);
	c->rmss = (uint16_t)(cfg->mss - (c->ts_ok ? TCPOLEN_TS_ALIGNED : 0));
	c->last_rx = c->st->now;
}

/* The application hears why, once; the entry is freed first so a call
 * back into the stack from on_closed finds nothing (it must not make any). */
void tcp_conn_closed(struct sgw_tcp_conn *c, const char *why)
{
	struct sgw_tcp_stack *st = c->st;
	void *app = c->app;
	bool owed = c->accepted;

	tcp_conn_free(c);
	if (owed) {
		st->stats.conns_closed++;
		st->cfg.on_closed(st->cfg.ctx, app, why);
	}
}

/* RFC 9293 3.10.7.4: TIME_WAIT for time_wait_ms (2 MSL); the buffers go
 * back now and the application is done with the connection. */
void tcp_conn_enter_time_wait(struct sgw_tcp_conn *c)
{
	struct sgw_tcp_stack *st = c->st;
	void *app = c->app;
	bool owed = c->accepted;

	tcp_conn_set_state(c, TCP_TIME_WAIT);
	release_buffers(c);
	c->accepted = false;
	c->app = NULL;
	tcp_timer_clear_all(c);
	tcp_timer_set(c, TT_2MSL, st->now + st->cfg.time_wait_ms);
	st->stats.time_wait++;
	if (owed) {
		st->stats.conns_closed++;
		st->cfg.on_closed(st->cfg.ctx, app, "closed");
	}
}

static void set_now(struct sgw_tcp_stack *st, uint64_t now_ms)
{
	if (now_ms > st->now)
		st->now = now_ms;
}

static bool can_send(const struct sgw_tcp_conn *c)
{
	return c->accepted && !c->app_closed &&
	       (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT);
}

/* An idle connection has the whole buffer if a slab is free to take. */
size_t sgw_tcp_send_space(const struct sgw_tcp_conn *c)
{
	if (!can_send(c) || (c->sbuf == NULL && tcp_slabs_free(c->st) == 0))
		return 0;
	return c->st->cfg.snd_buf - c->snd_len;
}

size_t sgw_tcp_send(struct sgw_tcp_conn *c, const uint8_t *data, size_t len,
		    uint64_t now_ms)
{
	uint32_t size = c->st->cfg.snd_buf, tail, first;
	size_t n = sgw_tcp_send_space(c);

	set_now(c->st, now_ms);
	if (n > len)
		n = len;
	if (n > 0 && !tcp_conn_buffers(c))
		n = 0;
	if (n == 0 && len > 0 && can_send(c) && c->sbuf == NULL && !c->want_buffer) {
		c->st->stats.send_no_buffer++;
		c->want_buffer = true;
		c->st->buf_waiting++;
	}
	if (n < len)
		c->want_writable = true;
	if (n == 0)
		return 0;
	tail = (c->snd_head + c->snd_len) % size;
	first = (uint32_t)n < size - tail ? (uint32_t)n : size - tail;
	memcpy(c->sbuf + tail, data, first);
	memcpy(c->sbuf, data + first, n - first);
	c->snd_len += (uint32_t)n;
	tcp_output(c);
	return n;
}

void sgw_tcp_recv_more(struct sgw_tcp_conn *c, uint64_t now_ms)
{
	uint32_t adv;

	set_now(c->st, now_ms);
	if (!c->accepted || c->rbuf == NULL)
		return;
	c->app_blocked = false;
	adv = c->rcv_adv;
	tcp_reass_deliver(c);
	if (!c->accepted || c->state == TCP_CLOSED)
		return;
	/* Window update (RFC 9293 3.8.6.2.2): say so when the edge would
	 * move by at least the SWS step. */
	if (c->rcv_nxt + tcp_rcv_space(c) - adv >= c->rmss ||
	    adv == c->rcv_nxt)
		c->ack_now = true;
	tcp_output(c);
	tcp_conn_idle(c);
}

/* RFC 9293 3.10.4 CLOSE: FIN after the queued data. */
void sgw_tcp_close(struct sgw_tcp_conn *c, uint64_t now_ms)
{
	set_now(c->st, now_ms);
	if (!c->accepted || c->app_closed)
		return;
	/* Without a slab (nothing queued) the FIN goes untracked by RACK and
	 * the RTO resends it: a close takes no slab. */
	c->app_closed = true;
	if (c->state == TCP_ESTABLISHED)
		tcp_conn_set_state(c, TCP_FIN_WAIT_1);
	else if (c->state == TCP_CLOSE_WAIT)
		tcp_conn_set_state(c, TCP_LAST_ACK);
	tcp_output(c);
}

/* RFC 9293 3.10.5 ABORT. */
void sgw_tcp_abort(struct sgw_tcp_conn *c, uint64_t now_ms)
{
	set_now(c->st, now_ms);
	if (!c->accepted)
		return;
	tcp_send_rst(c);
	tcp_conn_closed(c, "aborted");
}

void sgw_tcp_conn_peer(const struct sgw_tcp_conn *c, uint32_t *addr,
		       uint16_t *port)
{
	*addr = c->raddr;
	*port = c->rport;
}

size_t sgw_tcp_slab_bytes(const struct sgw_tcp_stack *st)
{
	const struct sgw_bufpool_stats *b = sgw_bufpool_stats(st->slabs);

	return b->block_size * b->blocks;
}

unsigned sgw_tcp_slabs_held(const struct sgw_tcp_stack *st)
{
	return sgw_bufpool_stats(st->slabs)->in_use;
}

unsigned sgw_tcp_conn_count(const struct sgw_tcp_stack *st)
{
	return st->n_conns;
}

const struct sgw_tcp_stats *sgw_tcp_stats(const struct sgw_tcp_stack *st)
{
	return &st->stats;
}
