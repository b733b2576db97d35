/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 2018 selective acknowledgements, both ways.
 *
 * Sender: a scoreboard of the ranges the peer reported above snd_una
 * (sorted, disjoint, bounded by SGW_TCP_MAX_SACKED). Retransmissions skip
 * them, and with what RACK deems lost (tcp_rack.c, RFC 8985 in place of
 * RFC 6675 IsLost) they give the RFC 6675 pipe estimate.
 *
 * Receiver: the blocks we send describe our out-of-order queue, the block
 * holding the most recent segment first, then the others most recently
 * changed first (RFC 2018 4).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/tcp/tcp_internal.h"

static void sb_recount(struct tcp_scoreboard *sb)
{
	sb->bytes = 0;
	for (unsigned i = 0; i < sb->n; i++)
		sb->bytes += sb->r[i].end - sb->r[i].start;
}

static void sb_remove(struct tcp_scoreboard *sb, unsigned i)
{
	memmove(&sb->r[i], &sb->r[i + 1], (sb->n - i - 1) * sizeof(sb->r[0]));
	sb->n--;
}

/* Insert [s, e) and merge what it overlaps or touches. */
static void sb_insert(struct tcp_scoreboard *sb, uint32_t s, uint32_t e)
{
	unsigned i = 0;

	while (i < sb->n && SEQ_LT(sb->r[i].end, s))
		i++;
	if (i == sb->n || SEQ_GT(sb->r[i].start, e)) {
		if (sb->n == SGW_TCP_MAX_SACKED)
			return; /* the peer will report it again */
		memmove(&sb->r[i + 1], &sb->r[i], (sb->n - i) * sizeof(sb->r[0]));
		sb->r[i].start = s;
		sb->r[i].end = e;
		sb->n++;
		return;
	}
	sb->r[i].start = SEQ_MIN(sb->r[i].start, s);
	sb->r[i].end = SEQ_MAX(sb->r[i].end, e);
	while (i + 1 < sb->n && SEQ_GEQ(sb->r[i].end, sb->r[i + 1].start)) {
		sb->r[i].end = SEQ_MAX(sb->r[i].end, sb->r[i + 1].end);
		sb_remove(sb, i + 1);
	}
}

/* RFC 2018 3 and RFC 6675 4: blocks at or below snd_una (D-SACK, RFC
 * 2883) or beyond what we sent are not believed. */
void tcp_sb_update(struct sgw_tcp_conn *c, const struct tcp_range *blk,
		   unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = blk[i].start, e = blk[i].end;

		if (SEQ_LEQ(e, s) || SEQ_LEQ(e, c->snd_una) ||
		    SEQ_GT(e, c->snd_max))
			continue;
		sb_insert(&c->sb, SEQ_MAX(s, c->snd_una), e);
	}
	sb_recount(&c->sb);
}

void tcp_sb_advance(struct sgw_tcp_conn *c)
{
	struct tcp_scoreboard *sb = &c->sb;

	while (sb->n > 0 && SEQ_LEQ(sb->r[0].end, c->snd_una))
		sb_remove(sb, 0);
	if (sb->n > 0 && SEQ_LT(sb->r[0].start, c->snd_una))
		sb->r[0].start = c->snd_una;
	sb_recount(sb);
}

void tcp_sb_clear(struct sgw_tcp_conn *c)
{
	c->sb.n = 0;
	c->sb.bytes = 0;
}

/* Is seq SACKed? *end: the end of its range if so, else the start of the
 * next SACKed range (seq + 2^31 - 1 when none). */
bool tcp_sb_is_sacked(const struct sgw_tcp_conn *c, uint32_t seq, uint32_t *end)
{
	const struct tcp_scoreboard *sb = &c->sb;

	for (unsigned i = 0; i < sb->n; i++) {
		if (SEQ_LT(seq, sb->r[i].start)) {
			*end = sb->r[i].start;
			return false;
		}
		if (SEQ_LT(seq, sb->r[i].end)) {
			*end = sb->r[i].end;
			return true;
		}
	}
	*end = seq + INT32_MAX; /* nothing SACKed above: "far" */
	return false;
}

/* SACKed bytes in [from, to). */
uint32_t tcp_sb_sacked_in(const struct sgw_tcp_conn *c, uint32_t from,
			  uint32_t to)
{
	const struct tcp_scoreboard *sb = &c->sb;
	uint32_t n = 0;

	for (unsigned i = 0; i < sb->n; i++) {
		uint32_t s = SEQ_MAX(sb->r[i].start, from);
		uint32_t e = SEQ_MIN(sb->r[i].end, to);

		if (SEQ_LT(s, e))
			n += e - s;
	}
	return n;
}

/* RFC 6675 4 SetPipe: bytes sent and not yet SACKed, ACKed or deemed
 * lost (a lost segment sent again is in the network again: its record
 * is no longer marked lost). */
uint32_t tcp_sb_pipe(const struct sgw_tcp_conn *c)
{
	uint32_t out = c->snd_nxt - c->snd_una;

	return out - tcp_sb_sacked_in(c, c->snd_una, c->snd_nxt) -
	       tcp_rack_lost_bytes(c);
}

/* RFC 2018 4: up to max blocks, most recently changed first. */
unsigned tcp_sack_blocks(const struct sgw_tcp_conn *c, struct tcp_range *out,
			 unsigned max)
{
	const struct tcp_ooo *q = &c->ooo;
	bool used[SGW_TCP_MAX_OOO] = { false };
	unsigned n = 0;

	while (n < max && n < q->n) {
		unsigned best = q->n;

		for (unsigned i = 0; i < q->n; i++)
			if (!used[i] && (best == q->n ||
					 q->stamp[i] - q->stamp[best] < 0x80000000u))
				best = i;
		used[best] = true;
		out[n++] = q->r[best];
	}
	return n;
}
