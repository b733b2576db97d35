/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every numeric limit of sstpgw outside crypto/ (bursts, timers, sizes), in
 * one place. crypto/'s own are in crypto/crypto_limits.h, included here.
 */
#ifndef SGW_LIMITS_H
#define SGW_LIMITS_H

#include "crypto/crypto_limits.h"

enum {
	/* HTTP (the SSTP_DUPLEX_POST exchange). */
	SGW_HTTP_MAX_HEADER = 4096,       /* request line + headers */
	SGW_HTTP_MAX_HEADERS = 32,
	SGW_HTTP_MAX_RESPONSE = 256,
	SGW_HTTP_MAX_HOST = 255,          /* DNS name (253) + ":port" fits */
	SGW_HTTP_MAX_CORRELATION_ID = 64, /* SSTPCORRELATIONID kept (truncated) */

	/* SSTP (MS-SSTP 2.2.1): 12-bit length, header included. */
	SGW_SSTP_HDR_LEN = 4,
	SGW_SSTP_MAX_PACKET = 4095,
	SGW_SSTP_MAX_ATTRIBUTES = 8,
	SGW_SSTP_MAX_CONNECT_NAK = 3,     /* then CALL_ABORT RETRY_COUNT_EXCEEDED */

	/* PPP */
	SGW_PPP_DEFAULT_MRU = 1500,
	SGW_PPP_MIN_MRU = 576,
	SGW_PPP_MAX_MRU = 4095 - 4 - 4,   /* fits one SSTP packet with FF 03 */
	SGW_PPP_MAX_OPTIONS = 32,
	SGW_PPP_MAX_CONFIGURE = 10,       /* RFC 1661 4.6 Max-Configure */
	SGW_PPP_MAX_TERMINATE = 2,        /* RFC 1661 4.6 Max-Terminate */
	SGW_PPP_MAX_FAILURE = 5,          /* RFC 1661 4.6 Max-Failure */
	SGW_PPP_RESTART_MS = 3000,        /* RFC 1661 4.6 Restart timer */
	/* Our first LCP Configure-Request waits for the client's first frame
	 * (sstpc relays frames into pppd's pty before pppd has set it raw, and
	 * the pty echoes them back), or this long after CALL_CONNECT_ACK. */
	SGW_PPP_PASSIVE_OPEN_MS = 1000,
	SGW_EAP_MAX_IDENTITY = 253,
	SGW_EAP_RETRANSMIT_MS = 3000,
	SGW_EAP_MAX_RETRANSMIT = 5,
	SGW_DNS_SERVERS_MAX = 2,

	/* SSTP timers (MS-SSTP 3.2.2). */
	SGW_SSTP_NEGOTIATION_MS = 60000,  /* accept -> verified Call Connected */
	SGW_SSTP_HELLO_MS = 60000,        /* silence -> Echo Request */
	SGW_SSTP_ABORT_WAIT_MS = 3000,    /* Call_Abort_Timeout_Pending */
	SGW_SSTP_ABORT_FINAL_MS = 1000,
	SGW_SSTP_DISCONNECT_WAIT_MS = 5000,
	SGW_SSTP_DISCONNECT_FINAL_MS = 1000,

	/* Session byte buffers while handshaking (per session, freed after). */
	SGW_SESSION_RX_BUF = SGW_TLS_MAX_RECORD + 64,
	SGW_SESSION_TX_BUF = 32768,
	/* One pool block (dataplane/bufpool.h) holds any of rx, tx, carry. */
	SGW_SESSION_BUF = SGW_SESSION_TX_BUF,
	/* Inner IPv4 never takes the last bytes of the tx buffer: control
	 * messages (LCP/SSTP echo replies, disconnect, alerts) always fit. */
	SGW_SESSION_TX_RESERVE = 4096,
	/* Zero-copy receive: received buffers one session holds by reference
	 * for a record not all there (a 1,500-byte record needs 2; more
	 * pieces, e.g. a 16 KiB record in small segments, are copied). */
	SGW_SESSION_RX_PIECES = 8,
	/* Per worker: counters of calls not yet authenticated, by a keyed
	 * hash of the source address (limits.max_pending_per_source). */
	SGW_PENDING_BUCKETS = 65536,

	/* Userspace TCP (dataplane/tcp/, issue #3). */
	SGW_TCP_MAX_OOO = 16,             /* out-of-order intervals per connection */
	SGW_TCP_MAX_SACKED = 16,          /* peer SACK scoreboard intervals */
	SGW_TCP_MAX_RETRIES = 12,         /* RTOs without progress, then give up */
	SGW_TCP_SYNACK_RETRIES = 5,       /* SYN-ACK retransmissions (half-open) */
	SGW_TCP_DUPTHRESH = 3,            /* RFC 5681 3.2 / RFC 6675 DupThresh */
	SGW_TCP_FIN_WAIT2_MS = 60000,     /* orphaned FIN-WAIT-2 (Linux tcp_fin_timeout) */
	SGW_TCP_KEEPALIVE_PROBES = 5,
	SGW_TCP_KEEPALIVE_INTVL_MS = 10000,
	SGW_TCP_PERSIST_MIN_MS = 200,     /* zero-window probe backoff bounds */
	SGW_TCP_PERSIST_MAX_MS = 60000,
	SGW_TCP_CHALLENGE_ACKS_PER_S = 1000, /* RFC 5961 7: per-stack throttle */
	SGW_TCP_COOKIE_PERIOD_MS = 64000, /* RFC 4987 cookie time counter tick */
	SGW_TCP_WHEEL_SLOTS = 4096,       /* hashed timing wheel, 1 ms per slot */
	SGW_TCP_MAX_WSCALE = 14,          /* RFC 7323 2.3 */
	/* RFC 8985 RACK-TLP: per-segment transmit records per connection
	 * (in its buffer slab; a power of two). 256 covers a 64 KiB send
	 * buffer in 536-byte segments twice over; beyond it, ranges go
	 * untracked and only the RTO recovers them. */
	SGW_TCP_TX_RECORDS = 256,
	SGW_TCP_BUF_WAKE = 32,            /* slab waiters told per tick */
	SGW_TCP_IDLE_MS = 200,            /* idle that long: the slab goes back */
	SGW_TCP_TLP_MIN_MS = 10,          /* PTO floor (clock is 1 ms) */
	SGW_TCP_TLP_WCDELACK_MS = 200,    /* RFC 8985 7.2 WCDelAckT */
	SGW_TCP_REO_WND_PERSIST = 16,     /* RFC 8985 6.2 step 4: recoveries */
};

/* The DPDK engine (ports, workers, ARP/IPv4, routing; issue #3). */
enum {
	SGW_MAX_WORKERS = 16,
	SGW_RX_BURST = 32,
	SGW_TX_BURST = 32,
	SGW_RX_DESC = 1024,
	SGW_TX_DESC = 1024,
	SGW_MBUF_CACHE = 256,
	SGW_HANDOFF_RING = 1024,          /* per worker, mbufs from other workers */
	SGW_LOG_RING = 4096,              /* session log lines to the control thread */
	SGW_LOG_LINE = 448,
	SGW_ARP_ENTRIES = 256,            /* per worker, both ports, power of 2 */
	SGW_ARP_HOLD = 64,                /* packets held per unresolved next hop: a burst
					     of new sessions to one VNet host (Linux holds ~100) */
	SGW_ARP_HOLD_TOTAL = 512,         /* held over all next hops, per worker */
	SGW_ARP_RETRIES = 3,
	SGW_ARP_RETRY_MS = 1000,
	SGW_ARP_REACHABLE_MS = 300000,
	SGW_ICMP_RATE_PER_S = 100,        /* ICMP errors per worker, token bucket */
	SGW_ICMP_BURST = 20,
	SGW_ROUTES_MAX = 64,              /* VNet prefixes */
	SGW_SESSION_TICK_MS = 100,        /* each live session ticked this often */
	SGW_TICK_SCAN = 64,               /* session slots examined per loop */
	SGW_SHUTDOWN_FLUSH_MS = 1000,     /* workers keep running after close-all */
	SGW_DEFAULT_MAX_SESSIONS = 1024,  /* per gateway, split over workers */
	SGW_DEFAULT_TUNNEL_MTU = 1400,    /* inner packet size (PPP MRU) */
	SGW_DRAIN_CHUNK = 16384,          /* session output -> TCP per step */
};

#endif
