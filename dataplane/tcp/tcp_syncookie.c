/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed hashes of the 4-tuple: SipHash-2-4 (Aumasson and Bernstein, 2012)
 * for RFC 6528 initial sequence numbers, RFC 7323 5.4 per-connection
 * timestamp offsets and RFC 4987 SYN cookies; SipHash-1-3 over one word
 * for the connection table's buckets, on every segment (as Linux's
 * hsiphash and Rust's HashMap: still keyed, so peers cannot aim at one
 * chain, and about half the cost: issue #5's profile had the 2-4 hash at
 * a quarter of the receive path's time outside the AES-GCM).
 *
 * Cookie (the ISS of a SYN-ACK sent without state):
 *   bits 31-27  time counter (now / SGW_TCP_COOKIE_PERIOD_MS) mod 32
 *   bits 26-24  index of the peer's MSS in mss_table
 *   bits 23-0   SipHash(secret, 'C', 4-tuple, peer ISN, counter, index)
 * The final ACK carries ACK = cookie + 1 and SEQ = peer ISN + 1; a cookie
 * is good for one to two periods. When the SYN had timestamps, the peer's
 * window scale and SACK-permitted ride in the low 6 bits of our TSval and
 * come back in TSecr (as Linux does); without timestamps they are lost and
 * the connection runs without them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/tcp/tcp_internal.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t le64(const uint8_t *p, size_t n)
{
	uint64_t x = 0;

	for (size_t i = 0; i < n; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return x;
}

static void compress(uint64_t v[4], uint64_t m, unsigned c)
{
	v[3] ^= m;
	for (unsigned i = 0; i < c; i++)
		sipround(v);
	v[0] ^= m;
}

/* SipHash-c-d: c compression rounds per word, d finalisation rounds. */
static uint64_t siphash(const uint64_t key[2], const uint8_t *m, size_t len,
			unsigned c, unsigned d)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
		key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL,
	};
	size_t full = len & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8)
		compress(v, le64(m + i, 8), c);
	compress(v, (uint64_t)(len & 0xff) << 56 | le64(m + full, len - full), c);
	v[2] ^= 0xff;
	for (unsigned i = 0; i < d; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t tcp_siphash(const uint64_t key[2], const uint8_t *m, size_t len)
{
	return siphash(key, m, len, 2, 4);
}

uint64_t tcp_siphash13(const uint64_t key[2], const uint8_t *m, size_t len)
{
	return siphash(key, m, len, 1, 3);
}

/* The message every tuple hash starts with: a domain tag, then the
 * remote and local endpoints. */
struct tuple_msg {
	uint8_t b[32];
	size_t len;
};

static void msg_init(struct tuple_msg *m, const struct sgw_tcp_stack *st,
		     char tag, uint32_t raddr, uint16_t rport)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = (uint8_t)tag;
	sgw_put32(m->b + 1, raddr);
	sgw_put16(m->b + 5, rport);
	sgw_put32(m->b + 7, st->cfg.local_addr);
	sgw_put16(m->b + 11, st->cfg.local_port);
	m->len = 13;
}

static void msg_add32(struct tuple_msg *m, uint32_t v)
{
	sgw_put32(m->b + m->len, v);
	m->len += 4;
}

/* The bucket of (raddr, rport): the local end is the same for every
 * entry of a stack, so one 8-byte word (a 'H' tag, the remote end) and
 * SipHash-1-3. */
uint32_t tcp_hash_tuple(const struct sgw_tcp_stack *st, uint32_t raddr,
			uint16_t rport)
{
	uint8_t m[8] = { 'H', 0 };

	sgw_put32(m + 2, raddr);
	sgw_put16(m + 6, rport);
	return (uint32_t)tcp_siphash13(st->sipkey, m, sizeof(m));
}

/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a 4-microsecond clock (we have ms: 250 ticks per ms). */
uint32_t tcp_isn(const struct sgw_tcp_stack *st, uint32_t raddr, uint16_t rport,
		 uint64_t now_ms)
{
	struct tuple_msg m;

	msg_init(&m, st, 'I', raddr, rport);
	return (uint32_t)tcp_siphash(st->sipkey, m.b, m.len) +
	       (uint32_t)(now_ms * 250);
}

/* RFC 7323 5.4 / 7.1: a keyed per-tuple offset so TSval leaks no uptime
 * and a cookie connection finds the same offset as its SYN-ACK used. */
uint32_t tcp_ts_offset(const struct sgw_tcp_stack *st, uint32_t raddr,
		       uint16_t rport)
{
	struct tuple_msg m;

	msg_init(&m, st, 'T', raddr, rport);
	return (uint32_t)tcp_siphash(st->sipkey, m.b, m.len);
}

/* Linux's IPv4 table: the common path MTUs. */
static const uint16_t mss_table[8] = {
	536, 1200, 1300, 1360, 1400, 1440, 1452, 1460,
};

enum {
	COOKIE_HASH_MASK = 0xffffff,
	COOKIE_COUNT_SHIFT = 27,
	COOKIE_MSS_SHIFT = 24,
};

static uint32_t cookie_hash(const struct sgw_tcp_stack *st, uint32_t raddr,
			    uint16_t rport, uint32_t irs, uint32_t count,
			    unsigned mssidx)
{
	struct tuple_msg m;

	msg_init(&m, st, 'C', raddr, rport);
	msg_add32(&m, irs);
	msg_add32(&m, count);
	msg_add32(&m, mssidx);
	return (uint32_t)tcp_siphash(st->sipkey, m.b, m.len) & COOKIE_HASH_MASK;
}

/* *mss: in, the peer's MSS; out, what the cookie encodes (rounded down). */
uint32_t tcp_cookie_make(const struct sgw_tcp_stack *st, uint32_t raddr,
			 uint16_t rport, uint32_t irs, uint16_t *mss)
{
	uint32_t count = (uint32_t)(st->now / SGW_TCP_COOKIE_PERIOD_MS);
	unsigned idx = 0;

	for (unsigned i = 0; i < 8; i++)
		if (mss_table[i] <= *mss)
			idx = i;
	*mss = mss_table[idx];
	return (count & 0x1f) << COOKIE_COUNT_SHIFT |
	       (uint32_t)idx << COOKIE_MSS_SHIFT |
	       cookie_hash(st, raddr, rport, irs, count, idx);
}

/* RFC 4987 3.6: accept the counter of this period or the one before. */
bool tcp_cookie_check(const struct sgw_tcp_stack *st, uint32_t raddr,
		      uint16_t rport, uint32_t irs, uint32_t cookie,
		      uint16_t *mss)
{
	uint32_t now = (uint32_t)(st->now / SGW_TCP_COOKIE_PERIOD_MS);
	unsigned idx = (cookie >> COOKIE_MSS_SHIFT) & 7;

	for (uint32_t age = 0; age < 2; age++) {
		uint32_t count = now - age;

		if ((count & 0x1f) != cookie >> COOKIE_COUNT_SHIFT)
			continue;
		if (cookie_hash(st, raddr, rport, irs, count, idx) !=
		    (cookie & COOKIE_HASH_MASK))
			return false;
		*mss = mss_table[idx];
		return true;
	}
	return false;
}

enum {
	TSC_WS_MASK = 0x0f,   /* 0x0f: no window scale */
	TSC_SACK = 0x10,
	TSC_MARK = 0x20,
	TSC_BITS = 0x3f,
};

/* Our SYN-ACK's TSval with the options in its low bits, never ahead of
 * the clock (a later TSval must not be smaller, RFC 7323 5.3). */
uint32_t tcp_cookie_tsval(uint32_t ts_now, const struct tcp_opts *o)
{
	uint32_t bits = TSC_MARK | (o->has_ws ? o->wscale : TSC_WS_MASK) |
			(o->sack_perm ? TSC_SACK : 0);
	uint32_t ts = (ts_now & ~(uint32_t)TSC_BITS) | bits;

	if (SEQ_GT(ts, ts_now))
		ts -= TSC_BITS + 1;
	return ts;
}

bool tcp_cookie_ts_decode(uint32_t tsecr, uint8_t *wscale, bool *sack)
{
	uint32_t ws = tsecr & TSC_WS_MASK;

	if (!(tsecr & TSC_MARK))
		return false;
	if (ws != TSC_WS_MASK && ws > SGW_TCP_MAX_WSCALE)
		return false;
	*wscale = (uint8_t)ws;
	*sack = (tsecr & TSC_SACK) != 0;
	return true;
}
