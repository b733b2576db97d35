/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to dataplane/tcp/: the connection and stack structures and the
 * functions the files of the stack call in one another.
 *
 * Memory (see sgw_tcp_create): one struct sgw_tcp_conn per max_conns
 * entry (about 700 bytes on x86-64), a hash bucket array of 2 * max_conns
 * indices, and max_buffers buffer slabs of SGW_TCP_TX_RECORDS transmit
 * records (RACK, 20 bytes each) + rcv_buf + 2^wscale + snd_buf bytes,
 * taken when a connection reaches ESTABLISHED and given back when it
 * enters TIME_WAIT or CLOSED, or when an ESTABLISHED connection has had
 * nothing in flight either way for SGW_TCP_IDLE_MS (tcp_conn_idle, then
 * tcp_conn_reap_idle from the tick); taken again by the next
 * segment with text or FIN, sgw_tcp_send or sgw_tcp_close
 * (tcp_conn_buffers). Half-open, TIME_WAIT and idle entries hold none.
 *
 * Sequence space (RFC 9293 3.4): snd_una <= snd_nxt <= snd_max; SND.NXT of
 * the RFC is snd_max (the highest sent), snd_nxt is where transmission
 * resumes (pulled back to snd_una by an RTO, go-back-N). The send ring
 * holds the bytes [snd_una, snd_una + snd_len) (SYN and FIN take sequence
 * numbers but no ring bytes). The receive ring holds the undelivered
 * in-order bytes [rcv_head, rcv_nxt) and out-of-order ranges above
 * rcv_nxt, each byte at index (rcv_head_idx + seq - rcv_head) mod ring
 * size.
 */
#ifndef SGW_TCP_INTERNAL_H
#define SGW_TCP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/bufpool.h"
#include "dataplane/sgw_limits.h"
#include "dataplane/tcp/tcp.h"
#include "dataplane/tcp/tcp_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCP_NIL UINT32_MAX

/* RFC 9293 3.4: sequence comparisons modulo 2^32. */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

/* RFC 9293 3.3.2: the states of a passive opener (LISTEN is implicit: a
 * segment to local_port that matches no entry). */
enum tcp_state {
	TCP_CLOSED = 0,       /* free entry */
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_STATE_MAX,
};

/* One wheel entry per connection at its earliest deadline. Kinds due at
 * the same tick fire in this order: a PTO capped at the RTO's expiry
 * goes first (RFC 8985 7.2) and restarts the RTO. */
enum tcp_timer {
	TT_RACK = 0,          /* RFC 8985 reordering timer or PTO */
	TT_REXMT,             /* RTO, SYN-ACK retransmission or persist */
	TT_DELACK,            /* RFC 1122 4.2.3.2 */
	TT_2MSL,              /* TIME_WAIT, FIN-WAIT-2 */
	TT_KEEP,              /* keepalive (RFC 1122 4.2.3.6) */
	TT_MAX,
};

/* What TT_REXMT means when it fires. */
enum tcp_rexmt_mode {
	RX_NONE = 0,
	RX_RTO,
	RX_PERSIST,
};

/* What TT_RACK means when it fires. */
enum tcp_rack_timer {
	RK_NONE = 0,
	RK_REO,               /* RFC 8985 6.3 reordering window */
	RK_PTO,               /* RFC 8985 7 tail loss probe */
};

/* [start, end) in sequence space. */
struct tcp_range {
	uint32_t start, end;
};

/* RFC 8985 6.1: per-segment state of what we transmitted. */
enum tcp_txrec_flag {
	TXR_RETRANS = 1,      /* Segment.retransmitted */
	TXR_LOST = 2,         /* Segment.lost, not retransmitted since */
	TXR_SACKED = 4,       /* delivered out of order */
};

struct tcp_txrec {
	uint32_t start, end;  /* sequence range (a FIN counts) */
	uint32_t xmit;        /* Segment.xmit_ts: ms, low 32 bits */
	uint32_t order;       /* transmission count: breaks ms ties */
	uint32_t flags;       /* enum tcp_txrec_flag */
};

/* Records sorted by sequence, disjoint, inside [snd_una, snd_max); a
 * range sent when the ring was full has none (untracked). */
struct tcp_txq {
	struct tcp_txrec *r;  /* SGW_TCP_TX_RECORDS in the slab, or NULL */
	uint16_t head, n, n_lost;
	uint32_t order;       /* transmissions so far */
};

/* RFC 8985 6.1 and 7: the RACK and TLP variables. */
struct tcp_rack {
	uint32_t xmit, order;  /* RACK.xmit_ts of the newest delivered */
	uint32_t rtt;          /* RACK.rtt */
	uint32_t min_rtt;      /* RACK.min_RTT (UINT32_MAX: none yet) */
	uint32_t fack;         /* RACK.fack */
	uint32_t dsack_round;  /* RACK.dsack_round, when dsack_on */
	uint32_t tlp_end;      /* TLP.end_seq, when tlp_on */
	uint8_t reo_wnd_mult, reo_wnd_persist;
	bool valid, reordering_seen, dsack_on;
	bool tlp_on, tlp_retrans;
	bool pto_check;        /* new data left or data was delivered */
	enum tcp_rack_timer timer;
};

struct tcp_ooo {
	struct tcp_range r[SGW_TCP_MAX_OOO];
	uint32_t stamp[SGW_TCP_MAX_OOO]; /* RFC 2018 4: most recent first */
	uint32_t clock;
	uint8_t n;
};

struct tcp_scoreboard {
	struct tcp_range r[SGW_TCP_MAX_SACKED]; /* sorted, disjoint, > snd_una */
	uint32_t bytes;
	uint8_t n;
};

struct sgw_tcp_conn {
	struct sgw_tcp_stack *st;
	void *app;
	enum tcp_state state;
	uint32_t idx;
	uint32_t raddr;
	uint16_t rport;
	uint16_t smss;            /* send MSS: peer MSS - fixed options */
	uint16_t rmss;            /* what we expect: cfg.mss - fixed options */
	uint8_t snd_ws, rcv_ws;   /* RFC 7323 2.2 shifts (0 when off) */
	bool ts_ok, sack_ok, ws_ok;
	bool accepted;            /* on_accept returned an app: on_closed owed */
	bool app_closed;          /* sgw_tcp_close called: FIN after the data */
	bool fin_sent, rcv_fin, fin_pending, fin_delivered, app_blocked, want_writable;
	bool ack_now, in_recovery, rtt_active;
	bool want_buffer;         /* a send found no slab: on_writable when one is */
	enum tcp_rexmt_mode rexmt_mode;
	uint8_t backoff, retries, keep_probes;

	/* Hash chain, free list / TIME_WAIT FIFO, timer wheel (indices). */
	uint32_t hnext;
	uint32_t lprev, lnext;
	uint32_t wprev, wnext;
	int32_t wslot;
	uint64_t deadline[TT_MAX];
	uint64_t wheel_at;

	/* Send sequence space (RFC 9293 3.3.1). */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, max_snd_wnd, snd_wl1, snd_wl2;
	uint32_t snd_len;         /* ring bytes from snd_una */
	uint32_t snd_head;        /* ring index of snd_una */

	/* Receive sequence space. */
	uint32_t irs, rcv_nxt, rcv_adv, rcv_head, last_ack_sent;
	uint32_t rcv_head_idx;    /* ring index of rcv_head */
	/* In-order text of the segment being processed, not copied into the
	 * ring: [rcv_head, rcv_head + direct_len) is handed to on_data straight
	 * from the segment by tcp_reass_deliver, and only what the application
	 * leaves is copied (tcp_reass.c). NULL outside sgw_tcp_input. */
	const uint8_t *direct;
	void *direct_buf;         /* its sgw_tcp_seg.buf */
	uint32_t direct_len;
	bool in_direct;           /* on_data runs: no nested delivery */
	bool idle_queued;         /* on the stack's idle FIFO */
	uint64_t idle_at;         /* when it was queued */
	uint32_t rcv_fin_seq;
	uint32_t unacked;         /* bytes received since the last ACK */
	struct tcp_ooo ooo;

	/* RFC 7323 timestamps: ts_off is a per-connection random offset. */
	uint32_t ts_recent, ts_off;
	uint64_t ts_recent_at;

	/* RFC 6298, in ms: srtt8 = 8 SRTT, rttvar4 = 4 RTTVAR. */
	uint32_t srtt8, rttvar4, rto;
	uint32_t rtt_seq;
	uint64_t rtt_start;

	/* Congestion control (RFC 5681, RFC 6582, RFC 6675). */
	uint32_t cwnd, ssthresh, recover;
	uint32_t dupacks, bytes_acked;
	struct tcp_scoreboard sb;
	struct tcp_txq txq;
	struct tcp_rack rack;

	uint8_t *rbuf, *sbuf;     /* ring buffers, NULL when none held */
	uint64_t last_rx;
};

struct tcp_wheel {
	uint32_t head[SGW_TCP_WHEEL_SLOTS + 1]; /* + the expired list */
	uint64_t bits[SGW_TCP_WHEEL_SLOTS / 64];
	uint64_t now;             /* every slot up to now has been walked */
};

struct sgw_tcp_stack {
	struct sgw_tcp_cfg cfg;
	struct sgw_tcp_stats stats;
	struct sgw_tcp_conn *conns;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t free_head;
	uint32_t tw_head, tw_tail;  /* TIME_WAIT FIFO, oldest first */
	unsigned n_conns, n_synrcvd, n_tw;
	struct sgw_bufpool *slabs;  /* max_buffers slabs (dataplane/bufpool.h) */
	unsigned max_buffers;
	unsigned buf_waiting;       /* connections with want_buffer */
	uint32_t *idle_q;           /* FIFO of entries found idle, 2 x max_conns */
	uint32_t idle_head, idle_n;
	uint32_t wait_cursor;       /* where the next tick looks for them */
	uint32_t rbuf_size;         /* rcv_buf + 2^wscale slack */
	uint8_t rcv_ws;
	uint64_t sipkey[2];
	uint64_t now;
	void *cur_buf;              /* sgw_tcp_seg.buf during sgw_tcp_input */
	uint64_t chal_second;
	unsigned chal_count;
	struct tcp_wheel wheel;
};

/* tcp_conn.c */
struct sgw_tcp_conn *tcp_conn_lookup(struct sgw_tcp_stack *st, uint32_t raddr,
				     uint16_t rport);
struct sgw_tcp_conn *tcp_conn_alloc(struct sgw_tcp_stack *st, uint32_t raddr,
				    uint16_t rport);
void tcp_conn_free(struct sgw_tcp_conn *c);
bool tcp_conn_attach_buffers(struct sgw_tcp_conn *c);
bool tcp_conn_buffers(struct sgw_tcp_conn *c);
void tcp_conn_idle_queue(struct sgw_tcp_conn *c);
void tcp_conn_reap_idle(struct sgw_tcp_stack *st);
void tcp_conn_wake_waiters(struct sgw_tcp_stack *st);

static inline unsigned tcp_slabs_free(const struct sgw_tcp_stack *st)
{
	return st->max_buffers - sgw_bufpool_stats(st->slabs)->in_use;
}

/* Nothing in flight or queued either way, ESTABLISHED, not inside a
 * delivery: the slab could go back. */
static inline bool tcp_conn_is_idle(const struct sgw_tcp_conn *c)
{
	return c->snd_len == 0 && c->rcv_head == c->rcv_nxt && c->rbuf != NULL &&
	       c->state == TCP_ESTABLISHED && c->accepted && c->snd_una == c->snd_max &&
	       c->txq.n == 0 && c->ooo.n == 0 && !c->in_direct && c->direct == NULL &&
	       !c->app_blocked && !c->fin_pending;
}

/* After an input or a read: queue an idle connection for its slab to go
 * back SGW_TCP_IDLE_MS later if it is still idle then (no churn for a
 * busy one, whose rings empty between most segments). */
static inline void tcp_conn_idle(struct sgw_tcp_conn *c)
{
	if (!c->idle_queued && tcp_conn_is_idle(c))
		tcp_conn_idle_queue(c);
}
void tcp_conn_enter_time_wait(struct sgw_tcp_conn *c);
void tcp_conn_closed(struct sgw_tcp_conn *c, const char *why);
void tcp_conn_set_state(struct sgw_tcp_conn *c, enum tcp_state s);
void tcp_conn_init_seq(struct sgw_tcp_conn *c, uint32_t irs, uint32_t iss);

/* tcp_input.c */
struct tcp_opts {
	uint16_t mss;
	uint8_t wscale;
	bool has_mss, has_ws, sack_perm, has_ts;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	struct tcp_range sack[TCP_MAX_SACK_BLOCKS];
};

/* tcp_output.c */
void tcp_output(struct sgw_tcp_conn *c);
void tcp_send_ack(struct sgw_tcp_conn *c);
void tcp_send_challenge_ack(struct sgw_tcp_conn *c);
void tcp_send_synack(struct sgw_tcp_conn *c);
void tcp_send_rst_for(struct sgw_tcp_stack *st, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport, uint32_t seq, uint32_t ack,
		      bool with_ack);
void tcp_send_rst(struct sgw_tcp_conn *c);
void tcp_send_keepalive(struct sgw_tcp_conn *c);
void tcp_send_probe(struct sgw_tcp_conn *c);
void tcp_send_cookie_synack(struct sgw_tcp_stack *st, uint32_t raddr,
			    uint16_t rport, uint32_t iss, uint32_t irs,
			    uint16_t mss, const struct tcp_opts *o, uint32_t tsval);
bool tcp_retransmit_one(struct sgw_tcp_conn *c, uint32_t seq);
enum tcp_probe { PROBE_NONE = 0, PROBE_NEW, PROBE_RETRANS };
enum tcp_probe tcp_send_tlp(struct sgw_tcp_conn *c);
uint32_t tcp_rcv_window(struct sgw_tcp_conn *c);
uint32_t tcp_ts_now(const struct sgw_tcp_conn *c);
uint32_t tcp_flight(const struct sgw_tcp_conn *c);

/* tcp_timer.c */
void tcp_timer_set(struct sgw_tcp_conn *c, enum tcp_timer t, uint64_t at);
void tcp_timer_clear(struct sgw_tcp_conn *c, enum tcp_timer t);
void tcp_timer_clear_all(struct sgw_tcp_conn *c);
void tcp_timer_init(struct tcp_wheel *w, uint64_t now);
void tcp_rearm_rexmt(struct sgw_tcp_conn *c);
void tcp_restart_rto(struct sgw_tcp_conn *c);
void tcp_rtt_sample(struct sgw_tcp_conn *c, uint32_t rtt_ms);

/* tcp_cc.c: the congestion controller's hooks (RFC 5681, RFC 6582). */
void tcp_cc_init(struct sgw_tcp_conn *c);
void tcp_cc_ack(struct sgw_tcp_conn *c, uint32_t acked);
void tcp_cc_enter_recovery(struct sgw_tcp_conn *c);
void tcp_cc_rto(struct sgw_tcp_conn *c);
void tcp_cc_tlp_loss(struct sgw_tcp_conn *c);

/* tcp_sack.c */
void tcp_sb_update(struct sgw_tcp_conn *c, const struct tcp_range *blk,
		   unsigned n);
void tcp_sb_advance(struct sgw_tcp_conn *c);
void tcp_sb_clear(struct sgw_tcp_conn *c);
bool tcp_sb_is_sacked(const struct sgw_tcp_conn *c, uint32_t seq, uint32_t *end);
uint32_t tcp_sb_pipe(const struct sgw_tcp_conn *c);
uint32_t tcp_sb_sacked_in(const struct sgw_tcp_conn *c, uint32_t from,
			  uint32_t to);
unsigned tcp_sack_blocks(const struct sgw_tcp_conn *c, struct tcp_range *out,
			 unsigned max);

/* tcp_rack.c: RFC 8985 RACK-TLP over the transmit records. */
struct tcp_rack_ack {
	uint32_t ack;
	uint32_t tsecr;          /* when has_ts */
	bool has_ts, dsack;
	bool pure_dup;           /* no data, no SACK, ACK unchanged */
};
void tcp_txq_attach(struct sgw_tcp_conn *c, struct tcp_txrec *r);
void tcp_txq_sent(struct sgw_tcp_conn *c, uint32_t seq, uint32_t end,
		  uint32_t old_max);
void tcp_txq_acked(struct sgw_tcp_conn *c);
uint32_t tcp_txq_last_start(const struct sgw_tcp_conn *c);
bool tcp_rack_ack(struct sgw_tcp_conn *c, const struct tcp_rack_ack *a);
unsigned tcp_rack_detect(struct sgw_tcp_conn *c);
void tcp_rack_start_recovery(struct sgw_tcp_conn *c);
void tcp_rack_recovery_done(struct sgw_tcp_conn *c);
bool tcp_rack_mark_head_lost(struct sgw_tcp_conn *c);
bool tcp_rack_next_lost(struct sgw_tcp_conn *c, uint32_t *seq);
uint32_t tcp_rack_lost_bytes(const struct sgw_tcp_conn *c);
void tcp_tlp_ack(struct sgw_tcp_conn *c, const struct tcp_rack_ack *a);
void tcp_rack_rto(struct sgw_tcp_conn *c);
void tcp_rack_rearm(struct sgw_tcp_conn *c);
void tcp_rack_timeout(struct sgw_tcp_conn *c);

/* tcp_reass.c: the receive ring and its out-of-order queue. */
enum tcp_reass_result {
	REASS_IN_ORDER,       /* rcv_nxt advanced (maybe over queued ranges) */
	REASS_QUEUED,         /* stored out of order */
	REASS_DUPLICATE,      /* nothing new */
	REASS_FULL,           /* no interval left: dropped */
};
enum tcp_reass_result tcp_reass_add(struct sgw_tcp_conn *c, uint32_t seq,
				    const uint8_t *data, uint32_t len,
				    bool *filled_hole);
void tcp_reass_deliver(struct sgw_tcp_conn *c);
uint32_t tcp_rcv_space(const struct sgw_tcp_conn *c);

/* tcp_syncookie.c: SipHash-2-4, RFC 6528 ISNs, RFC 4987 cookies. */
uint64_t tcp_siphash(const uint64_t key[2], const uint8_t *m, size_t len);
uint64_t tcp_siphash13(const uint64_t key[2], const uint8_t *m, size_t len);
uint32_t tcp_hash_tuple(const struct sgw_tcp_stack *st, uint32_t raddr,
			uint16_t rport);
uint32_t tcp_isn(const struct sgw_tcp_stack *st, uint32_t raddr, uint16_t rport,
		 uint64_t now_ms);
uint32_t tcp_ts_offset(const struct sgw_tcp_stack *st, uint32_t raddr,
		       uint16_t rport);
uint32_t tcp_cookie_make(const struct sgw_tcp_stack *st, uint32_t raddr,
			 uint16_t rport, uint32_t irs, uint16_t *mss);
bool tcp_cookie_check(const struct sgw_tcp_stack *st, uint32_t raddr,
		      uint16_t rport, uint32_t irs, uint32_t cookie,
		      uint16_t *mss);
uint32_t tcp_cookie_tsval(uint32_t ts_now, const struct tcp_opts *o);
bool tcp_cookie_ts_decode(uint32_t tsecr, uint8_t *wscale, bool *sack);

/* tcp_input.c */
bool tcp_parse_opts(const uint8_t *p, size_t len, bool syn, struct tcp_opts *o);

#ifdef __cplusplus
}
#endif
#endif
