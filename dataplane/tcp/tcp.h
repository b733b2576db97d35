/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Userspace TCP, server side (RFC 9293), one stack per worker lcore.
 *
 * Byte buffers in and out, no DPDK types: the worker hands in each TCP
 * segment (header + options + payload, contiguous, checksum already
 * verified) with its IPv4 addresses, and the stack hands back segments to
 * transmit through cfg.emit. The application (the SSTP session) sees an
 * in-order byte stream through cfg.on_* callbacks and writes with
 * sgw_tcp_send().
 *
 *   RFC 9293 state machine; RFC 4987 SYN cookies when the SYN queue is full;
 *   RFC 7323 window scaling and timestamps; RFC 2018 SACK; out-of-order
 *   queue; RFC 6298 RTO; RFC 5681 / RFC 6582 fast retransmit and NewReno
 *   recovery (or CUBIC, RFC 9438); with SACK, RFC 6675 recovery driven by
 *   RFC 8985 RACK-TLP loss detection; zero-window probes; delayed ACKs (RFC
 *   1122 4.2.3.2); FIN, RST (RFC 5961 checks) and TIME_WAIT bounded in
 *   count so a busy gateway never runs out of state.
 *
 * Memory: every connection, buffer and timer comes from arrays sized at
 * create (cfg.max_conns); nothing is allocated per segment or per
 * connection afterwards. Threading: a stack belongs to one lcore.
 * Addresses and ports are in host byte order.
 */
#ifndef SGW_DATAPLANE_TCP_H
#define SGW_DATAPLANE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_tcp_stack;
struct sgw_tcp_conn;

/* One segment as it arrived (input) or is to leave (emit). */
struct sgw_tcp_seg {
	uint32_t saddr, daddr;
	const uint8_t *tcp;   /* TCP header, options, payload */
	size_t len;
	/* Input only: the caller's handle of the buffer tcp lies in (an
	 * mbuf), passed on to on_data with bytes delivered straight from it;
	 * NULL: none. */
	void *buf;
};

/* A segment to transmit: the stack writes the TCP header (with options)
 * into hdr and points payload into its send buffer, which may wrap
 * (payload2). The caller adds IPv4 and Ethernet, computes the TCP checksum
 * (or offloads it), and must copy before returning. */
struct sgw_tcp_out {
	uint32_t saddr, daddr;
	uint8_t hdr[60];
	size_t hdr_len;
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *payload2;
	size_t payload2_len;
};

struct sgw_tcp_stats {
	uint64_t rx_segs, tx_segs, rx_bytes, tx_bytes;
	uint64_t drop_bad_hdr;        /* data offset, flags, length */
	uint64_t drop_no_conn;        /* answered with RST where RFC 9293 says so */
	uint64_t drop_out_of_window;
	uint64_t drop_ooo_full;
	uint64_t syn_recv, syn_queue_full, cookies_sent, cookies_ok, cookies_bad;
	uint64_t conns_established, conns_closed, conns_reset, conns_refused;
	uint64_t retransmits, fast_retransmits, rto_expired, sack_recoveries;
	uint64_t zero_window_probes, delayed_acks, dup_acks;
	uint64_t time_wait, time_wait_recycled;
	uint64_t challenge_acks;      /* RFC 5961 */
	/* Added with the implementation (issue #3). */
	uint64_t drop_paws;           /* RFC 7323 5.3: old timestamp, or none */
	uint64_t drop_bad_ack;        /* ACK of unsent data / too old (RFC 5961 5.2) */
	uint64_t drop_no_buffer;      /* no buffer pair free at ESTABLISHED */
	uint64_t drop_not_acceptable; /* other drops by the state machine */
	uint64_t rst_sent, conns_timed_out, synack_retransmits;
	uint64_t challenge_acks_throttled;
	uint64_t ooo_segs;            /* segments queued out of order */
	/* RFC 8985 RACK-TLP (issue #3 follow-up). */
	uint64_t rack_lost;           /* segments RACK deemed lost */
	uint64_t lost_retransmits;    /* of which were retransmissions */
	uint64_t tlp_probes;          /* tail loss probes sent */
	uint64_t tlp_recoveries;      /* probes that repaired a loss (7.4) */
	uint64_t dsacks;              /* RFC 2883 D-SACKs received */
	/* In-flight buffers (issue #5): slabs given back by idle
	 * connections, and text or sends refused because none was free. */
	uint64_t buf_idle_released;
	uint64_t drop_no_buffer_data; /* segment text/FIN dropped: peer resends */
	uint64_t send_no_buffer;      /* sgw_tcp_send took nothing */
};

struct sgw_tcp_cfg {
	uint32_t local_addr;          /* the gateway's outer address */
	uint16_t local_port;          /* listening port (443) */
	unsigned max_conns;           /* established + half-open + TIME_WAIT */
	unsigned syn_queue;           /* half-open before SYN cookies kick in */
	uint16_t mss;                 /* our MSS (MTU - 40) */
	uint32_t rcv_buf;             /* per connection receive window, bytes */
	uint32_t snd_buf;             /* per connection send buffer, bytes */
	bool timestamps, sack, window_scaling;
	uint32_t rto_min_ms, rto_max_ms, rto_initial_ms;
	uint32_t delack_ms;
	uint32_t time_wait_ms;        /* 2 * MSL */
	uint32_t keepalive_ms;        /* 0: off (SSTP has its own hello) */
	uint32_t isn_secret[4];       /* ISN and cookie secret (random) */
	/* Buffer slabs (receive + send ring), 0 means max_conns. A connection
	 * holds one from ESTABLISHED while it has bytes in flight or queued
	 * either way, and gives it back when idle (half-open, TIME_WAIT and
	 * idle ESTABLISHED entries hold none). A connection reaching
	 * ESTABLISHED when none is free gets RST (drop_no_buffer); later,
	 * text that finds none is dropped for the peer to resend
	 * (drop_no_buffer_data), and sgw_tcp_send takes nothing
	 * (send_no_buffer) and calls on_writable once one is free. */
	unsigned max_buffers;

	/* Transmit one segment (must copy it now). */
	void (*emit)(void *ctx, const struct sgw_tcp_out *o);
	/* A connection reached ESTABLISHED; return the application's pointer
	 * for it, or NULL to refuse (the stack sends RST, no on_closed). It
	 * may call sgw_tcp_send() on c already (not close or abort). */
	void *(*on_accept)(void *ctx, struct sgw_tcp_conn *c);
	/* In-order bytes. Return how many were taken; the rest stays in the
	 * receive buffer (and the window shrinks) until sgw_tcp_recv_more().
	 * buf: the segment's handle (sgw_tcp_seg.buf) when data lies in the
	 * segment being input, which the application may keep (by its own
	 * reference) instead of copying; NULL when data is in the stack's
	 * buffer, valid only during the call. */
	size_t (*on_data)(void *ctx, void *app, const uint8_t *data, size_t len,
			  void *buf);
	/* The peer sent FIN (no more data will come). */
	void (*on_fin)(void *ctx, void *app);
	/* The connection is gone (closed, reset, timed out): forget it; app
	 * must not call the stack about c again. */
	void (*on_closed)(void *ctx, void *app, const char *why);
	/* Send space opened up after sgw_tcp_send() took less than asked. */
	void (*on_writable)(void *ctx, void *app);
	void *ctx;
};

/* Defaults for everything but the callbacks, addresses and secret. */
void sgw_tcp_cfg_defaults(struct sgw_tcp_cfg *cfg);

__attribute__((warn_unused_result))
struct sgw_tcp_stack *sgw_tcp_create(const struct sgw_tcp_cfg *cfg);
void sgw_tcp_destroy(struct sgw_tcp_stack *st);

/* One received segment (checksum verified by the caller). */
void sgw_tcp_input(struct sgw_tcp_stack *st, const struct sgw_tcp_seg *seg,
		   uint64_t now_ms);
/* Timers: retransmission, delayed ACK, persist, TIME_WAIT, keepalive. */
void sgw_tcp_tick(struct sgw_tcp_stack *st, uint64_t now_ms);
/* When the next timer is due (UINT64_MAX: none). */
uint64_t sgw_tcp_next_timer(const struct sgw_tcp_stack *st);

/* Queue bytes; returns how many fit in the send buffer (on_writable tells
 * when more fit). Segments go out as the window and cwnd allow. */
size_t sgw_tcp_send(struct sgw_tcp_conn *c, const uint8_t *data, size_t len,
		    uint64_t now_ms);
size_t sgw_tcp_send_space(const struct sgw_tcp_conn *c);
/* The application took data it had left: deliver the rest, reopen the window. */
void sgw_tcp_recv_more(struct sgw_tcp_conn *c, uint64_t now_ms);
/* Orderly close after queued data (FIN). */
void sgw_tcp_close(struct sgw_tcp_conn *c, uint64_t now_ms);
/* Abort with RST; on_closed follows. */
void sgw_tcp_abort(struct sgw_tcp_conn *c, uint64_t now_ms);

/* For logs and the management API. */
void sgw_tcp_conn_peer(const struct sgw_tcp_conn *c, uint32_t *addr, uint16_t *port);
unsigned sgw_tcp_conn_count(const struct sgw_tcp_stack *st);
/* Bytes of buffer slabs (max_buffers of them), and how many are held. */
size_t sgw_tcp_slab_bytes(const struct sgw_tcp_stack *st);
unsigned sgw_tcp_slabs_held(const struct sgw_tcp_stack *st);
const struct sgw_tcp_stats *sgw_tcp_stats(const struct sgw_tcp_stack *st);

/* RFC 1071 / RFC 9293 3.1: the TCP checksum over the pseudo-header and
 * the segment (for callers without offload, and for tests). */
uint16_t sgw_tcp_checksum(uint32_t saddr, uint32_t daddr, const uint8_t *tcp,
			  size_t len);

#ifdef __cplusplus
}
#endif
#endif
