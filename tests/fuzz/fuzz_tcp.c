/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one TCP stack (small table, small buffers) fed
 * segments, clock steps and application calls from the input, with an
 * application that accepts, sinks, sends and closes. Must not crash, leak
 * or loop; the connection count stays <= max_conns; every accepted
 * connection hears on_closed exactly once.
 *
 * Input: byte 0 = setup (bit 0 timestamps, 1 SACK, 2 window scaling,
 * 3 tiny buffers, 4 refuse every third connection, 5 keepalive, 6 two
 * buffer slabs for the six connections: text dropped and sends waiting
 * for one). Slabs: a connection with bytes queued either way holds one,
 * and held + free is always the configured number. Then records of one
 * op byte:
 *   op & 3 == 0: a segment. Next byte: bits 0-2 peer port index, bit 3
 *     another destination port, bit 4 another address, bit 5 relative
 *     numbers (SEQ += the connection's RCV.NXT or the last SYN-ACK's ACK,
 *     ACK += SND.UNA or the SYN-ACK's SEQ + 1); then a length byte L and L
 *     bytes of TCP header + options + payload (ports are overwritten).
 *   op & 3 == 1: the clock moves (op >> 2) * 37 ms, then a tick.
 *   op & 3 == 2: the app on port index (op >> 2) & 7 sends (op >> 5) * 700
 *     bytes, closes (op >> 5 == 6) or aborts (op >> 5 == 7).
 *   op & 3 == 3: recv_more on port index (op >> 2) & 7.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/tcp/tcp.h"
#include "dataplane/tcp/tcp_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NPORTS = 8, BASE_PORT = 40000, MAX_CONNS = 6 };
static const uint32_t SRV = 0x0a000001, CLI = 0x0a000002;

struct fapp {
	struct sgw_tcp_conn *c;
	uint16_t port;
	unsigned closed;
	uint64_t got;
};

struct fz {
	struct sgw_tcp_stack *st;
	uint64_t now;
	unsigned accepts, nclosed;
	bool refuse;
	struct fapp app[64];
	unsigned napps;
	uint32_t synack_seq[NPORTS], synack_ack[NPORTS];
	bool synack[NPORTS];
};

static void fz_emit(void *ctx, const struct sgw_tcp_out *o)
{
	struct fz *z = ctx;
	uint16_t dport = sgw_get16(o->hdr + 2);
	unsigned i = (unsigned)(dport - BASE_PORT);

	if (o->hdr_len < 20 || o->hdr_len > 60 || (o->hdr[12] >> 4) * 4 != (int)o->hdr_len)
		abort();
	if (o->payload_len + o->payload2_len > 65535)
		abort();
	if (i < NPORTS && (o->hdr[13] & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		z->synack[i] = true;
		z->synack_seq[i] = sgw_get32(o->hdr + 4);
		z->synack_ack[i] = sgw_get32(o->hdr + 8);
	}
}

static void *fz_accept(void *ctx, struct sgw_tcp_conn *c)
{
	struct fz *z = ctx;
	struct fapp *a;
	uint32_t addr;
	uint16_t port;

	if (z->napps == sizeof(z->app) / sizeof(z->app[0]))
		return NULL;
	if (z->refuse && ++z->accepts % 3 == 0)
		return NULL;
	sgw_tcp_conn_peer(c, &addr, &port);
	a = &z->app[z->napps++];
	a->c = c;
	a->port = port;
	return a;
}

static size_t fz_data(void *ctx, void *app, const uint8_t *d, size_t len, void *buf)
{
	struct fapp *a = app;
	static const uint8_t reply[100];

	(void)d;
	(void)buf;
	a->got += len;
	/* take all but, now and then, hold some back (the window closes) */
	if (a->got % 7 == 3)
		return len / 2;
	if (a->got % 5 == 1 && a->c != NULL)
		(void)sgw_tcp_send(a->c, reply, sizeof(reply), ((struct fz *)ctx)->now);
	return len;
}

static void fz_fin(void *ctx, void *app)
{
	struct fapp *a = app;

	if (a->c != NULL && a->got % 2 == 0)
		sgw_tcp_close(a->c, ((struct fz *)ctx)->now);
}

static void fz_closed(void *ctx, void *app, const char *why)
{
	struct fz *z = ctx;
	struct fapp *a = app;

	if (a->closed++ != 0 || why == NULL || why[0] == '\0')
		abort(); /* exactly once, with a reason */
	a->c = NULL;
	z->nclosed++;
}

static struct fapp *by_port(struct fz *z, unsigned idx)
{
	for (unsigned i = z->napps; i-- > 0;)
		if (z->app[i].c != NULL && z->app[i].port == BASE_PORT + idx)
			return &z->app[i];
	return NULL;
}

static size_t do_segment(struct fz *z, const uint8_t *d, size_t n)
{
	uint8_t b[256 + 20] = { 0 };
	unsigned idx, len;
	uint8_t sel;
	struct sgw_tcp_seg s;
	struct sgw_tcp_conn *c;

	if (n < 2)
		return n;
	sel = d[0];
	len = d[1];
	if (len > n - 2)
		len = (unsigned)(n - 2);
	memcpy(b, d + 2, len);
	idx = sel & 7;
	if (len < 20)
		len = 20; /* zero padded: a bare header */
	sgw_put16(b, (uint16_t)(BASE_PORT + idx));
	sgw_put16(b + 2, (sel & 8) ? 80 : 443);
	c = tcp_conn_lookup(z->st, CLI, (uint16_t)(BASE_PORT + idx));
	if (sel & 32) {
		uint32_t seq = sgw_get32(b + 4) & 0xffff, ack = sgw_get32(b + 8) & 0xffff;

		if (c != NULL) {
			seq += c->rcv_nxt;
			ack += c->snd_una;
		} else if (z->synack[idx]) {
			seq += z->synack_ack[idx];
			ack += z->synack_seq[idx] + 1;
		}
		sgw_put32(b + 4, seq);
		sgw_put32(b + 8, ack);
	}
	s.saddr = CLI;
	s.daddr = (sel & 16) ? SRV + 1 : SRV;
	s.tcp = b;
	s.len = len;
	sgw_tcp_input(z->st, &s, z->now);
	return 2 + (size_t)d[1] < n ? 2 + (size_t)d[1] : n;
}

static const uint8_t blob[5000];

/* Room again (or a buffer slab free again): send a little more. */
static void fz_writable(void *ctx, void *app)
{
	struct fapp *a = app;

	(void)sgw_tcp_send(a->c, blob, 700, ((struct fz *)ctx)->now);
}

static void do_app(struct fz *z, uint8_t op)
{
	struct fapp *a = by_port(z, (op >> 2) & 7);
	unsigned what = op >> 5;

	if (a == NULL)
		return;
	if (what == 6)
		sgw_tcp_close(a->c, z->now);
	else if (what == 7)
		sgw_tcp_abort(a->c, z->now);
	else
		(void)sgw_tcp_send(a->c, blob, what * 700u, z->now);
}

static void check(const struct fz *z)
{
	const struct sgw_tcp_stack *st = z->st;
	unsigned held = 0, waiting = 0;

	if (sgw_tcp_conn_count(st) > MAX_CONNS)
		abort();
	for (unsigned k = 0; k < MAX_CONNS; k++) {
		const struct sgw_tcp_conn *c = &st->conns[k];

		held += c->rbuf != NULL;
		waiting += c->want_buffer;
		if (c->rbuf == NULL && (c->snd_len != 0 || c->ooo.n != 0 ||
					(c->accepted && c->rcv_head != c->rcv_nxt - c->rcv_fin)))
			abort();
	}
	if (held != sgw_tcp_slabs_held(st) || held + tcp_slabs_free(st) != st->max_buffers ||
	    waiting != st->buf_waiting)
		abort();
	if (sgw_tcp_next_timer(z->st) <= z->st->wheel.now &&
	    sgw_tcp_next_timer(z->st) != UINT64_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z;
	struct sgw_tcp_cfg cfg;
	size_t i = 1;

	if (size < 1)
		return 0;
	memset(&z, 0, sizeof(z));
	sgw_tcp_cfg_defaults(&cfg);
	cfg.local_addr = SRV;
	cfg.max_conns = MAX_CONNS;
	cfg.syn_queue = 2;
	cfg.timestamps = data[0] & 1;
	cfg.sack = data[0] & 2;
	cfg.window_scaling = data[0] & 4;
	cfg.rcv_buf = cfg.snd_buf = (data[0] & 8) ? 2048 : 16384;
	cfg.keepalive_ms = (data[0] & 32) ? 5000 : 0;
	cfg.max_buffers = (data[0] & 64) ? 2 : 0;
	cfg.on_writable = fz_writable;
	z.refuse = data[0] & 16;
	cfg.isn_secret[0] = 1;
	cfg.emit = fz_emit;
	cfg.on_accept = fz_accept;
	cfg.on_data = fz_data;
	cfg.on_fin = fz_fin;
	cfg.on_closed = fz_closed;
	cfg.ctx = &z;
	z.st = sgw_tcp_create(&cfg);
	if (z.st == NULL)
		abort();
	z.now = 1000;
	while (i < size) {
		uint8_t op = data[i++];

		switch (op & 3) {
		case 0:
			i += do_segment(&z, data + i, size - i);
			break;
		case 1:
			z.now += (uint64_t)(op >> 2) * 37;
			sgw_tcp_tick(z.st, z.now);
			break;
		case 2:
			do_app(&z, op);
			break;
		default: {
			struct fapp *a = by_port(&z, (op >> 2) & 7);

			if (a != NULL)
				sgw_tcp_recv_more(a->c, z.now);
			break;
		}
		}
		check(&z);
	}
	/* Everything ends: abort what is open, let every timer run out. */
	for (unsigned k = 0; k < z.napps; k++)
		if (z.app[k].c != NULL)
			sgw_tcp_abort(z.app[k].c, z.now);
	for (unsigned k = 0; k < 80; k++) { /* 400 s: SYN-ACK retries, 2 MSL */
		z.now += 5000;
		sgw_tcp_tick(z.st, z.now);
	}
	if (sgw_tcp_conn_count(z.st) != 0 || z.nclosed != z.napps)
		abort();
	sgw_tcp_destroy(z.st);
	return 0;
}
