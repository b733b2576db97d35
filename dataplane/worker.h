/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore (DPDK side): rx bursts from its queue on the outer and the
 * inner port, Ethernet/ARP/IPv4 (net.c), the outer TCP stack
 * (tcp/tcp.h) and the SSTP sessions on it (session.h), routing to the VNet,
 * hand-off of inner packets to the worker that owns the destination, tx
 * bursts, timers, counters.
 *
 * After sgw_worker_init nothing on a worker allocates, locks, or makes a
 * system call: sessions' log lines go to the control thread through a ring.
 * A worker's state is touched only by its lcore, except stats (read by the
 * control thread, torn reads of a counter are acceptable).
 */
#ifndef SGW_DATAPLANE_WORKER_H
#define SGW_DATAPLANE_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/fault.h"
#include "dataplane/port.h"
#include "dataplane/route.h"
#include "dataplane/session.h"
#include "dataplane/sgw_limits.h"
#include "dataplane/tcp/tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_ring;
struct sgw_arp_entry;
struct rte_mempool;
struct sgw_pool;
struct sgw_engine_hooks;

/* Every drop reason and event a worker counts (printed by name). */
#define SGW_WORKER_COUNTERS(X) \
	X(rx_outer) X(rx_inner) X(rx_handoff) X(tx_outer) X(tx_inner) X(tx_full) \
	X(drop_runt) X(drop_multiseg) X(drop_other_mac) X(drop_ethertype) \
	X(arp_rx) X(arp_bad) X(arp_not_for_us) X(arp_replies) X(arp_requests) \
	X(arp_learned) X(arp_shared) X(arp_hold_full) X(arp_unresolved) X(arp_table_full) \
	X(ipv4_bad_hdr) X(ipv4_bad_csum) X(ipv4_bad_len) X(ipv4_frag) \
	X(ipv4_ttl_expired) X(ipv4_not_for_us) X(ipv4_no_route) X(ipv4_bad_src) \
	X(ipv4_proto_unreach) \
	X(icmp_echo_replies) X(icmp_errors_sent) X(icmp_rate_limited) X(icmp_ignored) \
	X(tcp_rx) X(tcp_bad_csum) X(tcp_bad_len) X(tcp_tx) X(tcp_tx_nombuf) \
	X(to_client) X(to_client_no_session) X(to_client_handoff) X(handoff_full) \
	X(to_client_too_big) X(to_client_refused) \
	X(to_vnet) X(to_vnet_nombuf) X(to_vnet_copied) X(rx_open_copied) X(mss_clamped) X(nombuf) \
	X(sessions_created) X(sessions_failed) X(sessions_refused) X(sessions_ended) \
	X(sessions_reset) X(sessions_revoked) X(sessions_refused_source) \
	X(log_lines) X(log_dropped) \
	X(fault_dropped) X(fault_duplicated) X(fault_reordered)

struct sgw_worker_stats {
#define SGW_X(name) uint64_t name;
	SGW_WORKER_COUNTERS(SGW_X)
#undef SGW_X
} __attribute__((aligned(64)));

enum sgw_ifx { SGW_IF_OUTER, SGW_IF_INNER, SGW_IF_COUNT };

/* What port 443 connections are handed to. */
enum sgw_app {
	SGW_APP_SSTP,
	SGW_APP_ECHO,       /* --tcp-test echo */
	SGW_APP_DISCARD,    /* counts and hashes; at FIN answers count + hash */
	SGW_APP_SOURCE,     /* 8-byte big-endian length in, that many pattern bytes out */
};

/* One port as the IP layer sees it. */
struct sgw_net_if {
	uint16_t port_id;
	uint32_t addr;
	unsigned prefix_len;
	uint8_t mac[6];
	struct sgw_route_table routes;   /* connected, VNet prefixes, default */
};

/* Read-only after init, shared by every worker (and the control thread). */
struct sgw_dp_shared {
	struct sgw_net_if ifs[SGW_IF_COUNT];
	unsigned nworkers;
	struct rte_mempool *mp;
	struct rte_ring *handoff[SGW_MAX_WORKERS];   /* MP/SC, one per worker */
	struct rte_ring *log_ring;                   /* MP/SC: lines for the control thread */
	struct rte_mempool *log_pool;                /* SGW_LOG_LINE objects */
	struct sgw_pool *pool;
	uint32_t pool_base, pool_slots;              /* the client prefix */
	enum sgw_app app;
	struct sgw_session_env env;                  /* template; per-worker copy */
	struct sgw_tcp_cfg tcp;                      /* template: no callbacks */
	unsigned max_conns;                          /* per worker */
	unsigned max_pending_per_source;             /* 0: no limit */
	unsigned session_buffers;                    /* pool blocks per worker */
	uint16_t tunnel_mtu;                         /* largest inner packet */
	uint16_t mss_clamp;                          /* inner TCP MSS */
	struct sgw_fault_cfg fault;
	struct sgw_engine_hooks *hooks;              /* NULL members: the engine's own */
	int stop;                                    /* __atomic: set by the control thread */
};

struct gw_conn;

/* What the control thread may ask a worker (its mailbox, below). */
enum sgw_worker_op {
	SGW_WOP_NONE,
	SGW_WOP_SESSIONS,     /* copy every session's summary into out[cap] */
	SGW_WOP_DISCONNECT,   /* arg: session id; rc 0 or -ENOENT */
	SGW_WOP_POLICY,       /* policy changed: abort what it no longer allows */
};

/* One session as the management API shows it (a copy, not a reference). */
struct sgw_worker_session {
	uint64_t id;                     /* worker index << 56 | serial */
	unsigned worker;
	char cn[SGW_X509_CN_MAX];
	uint8_t thumbprint[SGW_THUMBPRINT_LEN];
	int root_id;
	uint32_t peer_addr;
	uint16_t peer_port;
	uint32_t addr;                   /* assigned, 0 before IPCP */
	uint16_t tls_version;
	char tls_cipher[48];
	uint8_t phase;                   /* enum sgw_session_phase */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t uptime_ms;
};

/* The policy a worker checks established sessions against on
 * SGW_WOP_POLICY: a session whose leaf is revoked or whose root is gone is
 * aborted (SSTP Call Abort, SGW_END_REVOKED). */
struct sgw_worker_policy {
	bool (*allowed)(void *ctx, const uint8_t tp[SGW_THUMBPRINT_LEN], int root_id,
			char *why, size_t why_len);
	void *ctx;
};

/* One request at a time from the one control thread: it fills the fields,
 * then sets busy (release); the worker answers within a loop and clears
 * busy (release). No lock: the fields belong to whoever busy says. */
struct sgw_worker_mbox {
	uint32_t op;                         /* enum sgw_worker_op */
	uint64_t arg;
	struct sgw_worker_session *out;
	unsigned cap, n;
	int rc;
	struct sgw_worker_policy policy;
	uint32_t busy;                       /* __atomic */
};

struct sgw_worker {
	struct sgw_worker_stats st;          /* own cache line, written per packet */
	unsigned idx;
	const struct sgw_dp_shared *sh;
	struct sgw_portq q[SGW_IF_COUNT];
	struct sgw_fault fault_rx, fault_tx; /* outer port */
	uint64_t now_ms;
	uint64_t tsc_per_ms;
	/* net.c */
	struct sgw_arp_entry *arp;           /* SGW_ARP_ENTRIES */
	unsigned arp_held;                   /* mbufs held, <= SGW_ARP_HOLD_TOTAL */
	double icmp_tokens;
	uint64_t icmp_refill_ms;
	uint16_t ip_id;
	/* sessions / connections */
	struct sgw_tcp_stack *tcp;
	struct sgw_bufpool *bufs;        /* the sessions' rx, tx, carry */
	struct sgw_session_env env;
	struct gw_conn *conns;               /* max_conns */
	struct gw_conn **by_addr;            /* pool slot -> connection */
	struct gw_conn *free_list;
	struct gw_conn *cur;                 /* during a call into the session */
	unsigned nlive;
	unsigned tick_cursor;
	struct gw_conn **dirty;              /* sessions to drain after a burst */
	unsigned ndirty;
	uint64_t next_arp_tick;
	uint64_t stop_at;                    /* 0: running */
	bool stopping;
	bool done;                           /* the lcore function returned */
	uint8_t *scratch;                    /* SGW_DRAIN_CHUNK */
	uint64_t serial;                     /* session ids */
	struct sgw_worker_mbox mbox;         /* from the control thread */
	/* Calls not yet authenticated per source address, by a keyed hash
	 * (SGW_PENDING_BUCKETS counters; NULL: no limit). */
	uint16_t *pending;
	uint32_t pending_seed;
};

/* Allocates the worker's tables (init time). 0 or -errno with err. */
__attribute__((warn_unused_result))
int sgw_worker_init(struct sgw_worker *w, const struct sgw_dp_shared *sh, unsigned idx,
		    char *err, size_t err_len);
void sgw_worker_fini(struct sgw_worker *w);
/* The lcore function (arg: struct sgw_worker *). Returns after sh->stop
 * is set, every session closed and ~1 s of flushing. */
int sgw_worker_main(void *arg);
/* Stats + the TCP stack's, for the control thread's report. */
const struct sgw_tcp_stats *sgw_worker_tcp_stats(const struct sgw_worker *w);

/* Called by net.c: an IPv4/TCP segment for our outer address (checksums
 * verified); and an inner packet for a client pool address. Both consume m. */
void sgw_worker_tcp_rx(struct sgw_worker *w, struct rte_mbuf *m, size_t l3_off);
void sgw_worker_to_client(struct sgw_worker *w, struct rte_mbuf *m, size_t l3_off,
			  bool handed_off);

#ifdef __cplusplus
}
#endif
#endif
