/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control behind a small ops table: NewReno (RFC 5681 with
 * appropriate byte counting, RFC 3465; RFC 6582 recovery; RFC 6928 initial
 * window). Loss recovery itself (fast retransmit, partial ACKs, SACK
 * holes) is in tcp_input.c and tcp_output.c; the controller only decides
 * cwnd and ssthresh. Another controller (CUBIC, RFC 9438) plugs in here.
 */
#include <stdint.h>

#include "dataplane/tcp/tcp_internal.h"

struct tcp_cc_ops {
	const char *name;
	void (*init)(struct sgw_tcp_conn *c);
	void (*ack)(struct sgw_tcp_conn *c, uint32_t acked);
	uint32_t (*ssthresh)(const struct sgw_tcp_conn *c);
};

/* RFC 6928 2: IW = min(10 * MSS, max(2 * MSS, 14600)). */
static void reno_init(struct sgw_tcp_conn *c)
{
	uint32_t iw = 2u * c->smss > 14600 ? 2u * c->smss : 14600;

	c->cwnd = iw < 10u * c->smss ? iw : 10u * c->smss;
	c->ssthresh = UINT32_MAX / 2; /* RFC 5681 3.1: arbitrarily high */
	c->bytes_acked = 0;
}

/* RFC 5681 3.1: slow start adds min(N, SMSS) per ACK; congestion avoidance
 * adds one SMSS per cwnd of acknowledged bytes (RFC 3465 2.1). */
static void reno_ack(struct sgw_tcp_conn *c, uint32_t acked)
{
	if (c->cwnd < c->ssthresh) {
		c->cwnd += acked < c->smss ? acked : c->smss;
		return;
	}
	c->bytes_acked += acked;
	if (c->bytes_acked >= c->cwnd) {
		c->bytes_acked -= c->cwnd;
		c->cwnd += c->smss;
	}
}

/* RFC 5681 3.1 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t reno_ssthresh(const struct sgw_tcp_conn *c)
{
	uint32_t half = tcp_flight(c) / 2;

	return half > 2u * c->smss ? half : 2u * c->smss;
}

static const struct tcp_cc_ops newreno = {
	.name = "newreno",
	.init = reno_init,
	.ack = reno_ack,
	.ssthresh = reno_ssthresh,
};

static const struct tcp_cc_ops *const cc = &newreno;

void tcp_cc_init(struct sgw_tcp_conn *c)
{
	cc->init(c);
}

/* cwnd beyond what the send buffer can ever fill means nothing and would
 * grow without bound on an application-limited connection (RFC 7661). */
void tcp_cc_ack(struct sgw_tcp_conn *c, uint32_t acked)
{
	uint32_t cap = 2 * (c->st->cfg.snd_buf + c->smss);

	cc->ack(c, acked);
	if (c->cwnd > cap)
		c->cwnd = cap;
}

/* RFC 5681 3.2 step 2-3 (NewReno inflates by the three segments that left
 * the network); RFC 6675 5 step 4.2 (SACK: cwnd = ssthresh, the pipe
 * estimate accounts for what left). RFC 6582 3.2 step 2: recover. */
void tcp_cc_enter_recovery(struct sgw_tcp_conn *c)
{
	c->ssthresh = cc->ssthresh(c);
	c->cwnd = c->ssthresh + (c->sack_ok ? 0 : SGW_TCP_DUPTHRESH * c->smss);
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->bytes_acked = 0;
}

/* RFC 8985 7.4: a tail loss probe repaired a loss: reduce as for a loss
 * (ssthresh from the flight, cwnd to it) without a recovery episode. */
void tcp_cc_tlp_loss(struct sgw_tcp_conn *c)
{
	c->ssthresh = cc->ssthresh(c);
	if (c->cwnd > c->ssthresh)
		c->cwnd = c->ssthresh;
	c->bytes_acked = 0;
}

/* RFC 5681 3.1 eq. 4 and 5: after an RTO, ssthresh halves the flight and
 * cwnd is the loss window of one segment; RFC 6582 4.1: recover = the
 * highest sequence sent, so the dup ACKs that follow do not restart a
 * fast retransmit. */
void tcp_cc_rto(struct sgw_tcp_conn *c)
{
	if (c->backoff == 0) /* RFC 5681 eq. 4 note: only the first time */
		c->ssthresh = cc->ssthresh(c);
	c->cwnd = c->smss;
	c->bytes_acked = 0;
	c->in_recovery = false;
	c->recover = c->snd_max;
	c->dupacks = 0;
}
