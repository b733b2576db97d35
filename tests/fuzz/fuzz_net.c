/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: Ethernet, ARP (RFC 826), IPv4 (RFC 791 / RFC 1812),
 * ICMP (RFC 792) and the TCP entry of a worker, as the DPDK worker sees
 * them (dataplane/net.h, worker.h). EAL comes up once (no hugepages, two
 * net_null ports whose tx frees what it is given); two workers share a
 * struct sgw_dp_shared built here by hand (outer 10.77.0.1/24, inner
 * 192.168.0.1/16, a client pool 192.168.128.0/24 split between them, the
 * --tcp-test echo application on port 443: no certificates needed).
 *
 * Input: byte 0: bit 0 the port (0 outer, 1 inner), bit 1 the worker
 * that receives, bits 2-7 how far the clock moves after the frame
 * ((byte >> 2) * 16 ms). The rest is one Ethernet frame, copied into a
 * fresh mbuf whose unused tail is ASan-poisoned while the worker parses
 * it (a read past the frame is a report, not stale bytes). Then the hand-off
 * rings are drained into their workers, TCP and ARP timers run, tx queues
 * are flushed (net_null frees), log lines are given back.
 *
 * Worker state (ARP cache, TCP connections) lives across inputs as it does
 * on a real lcore; every RESET_EVERY inputs both workers are torn down and
 * every mbuf and log line must be back in its pool, else abort().
 * FUZZ_NET_VERBOSE=1 in the environment prints the counters that moved,
 * per input (to triage a reproducer or check what a seed reaches).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "control/pool.h"
#include "dataplane/net.h"
#include "dataplane/port.h"
#include "dataplane/route.h"
#include "dataplane/worker.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define FZ_ASAN 1
#endif
#endif
#ifndef FZ_ASAN
#define ASAN_POISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	NWORKERS = 2,
	NMBUFS = 4095,
	MAX_CONNS = 4,           /* per worker: sessions (echo connections) */
	RESET_EVERY = 2048,      /* inputs between teardowns + exact leak check */
	CLOCK_STEP_MS = 16,
	START_MS = 1000000,
	DRAIN_ROUNDS = 8,
};

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const uint8_t fz_mac[SGW_IF_COUNT][6] = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },   /* outer */
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },   /* inner */
};

static struct {
	struct sgw_dp_shared sh;
	struct sgw_port ports[SGW_IF_COUNT];
	struct sgw_worker w[NWORKERS];
	bool up, verbose;
	unsigned inputs;
	unsigned mbufs_start, log_start;
} fz;

static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_net: %s: %s\n", what, err);
	abort();
}

/* --no-shconf: no runtime files and no shared config, so runs in parallel
 * never meet (it takes the place of a per-pid --file-prefix). */
static void eal_up(void)
{
	char *args[] = {
		"fuzz_net", "-l", "0", "--no-huge", "--no-pci", "-m", "128", "--no-shconf",
		"--vdev", "net_null0", "--vdev", "net_null1", "--log-level", "1",
		"--no-telemetry", NULL,
	};
	int argc = (int)(sizeof(args) / sizeof(args[0])) - 1;

	if (rte_eal_init(argc, args) < 0)
		die("rte_eal_init", rte_strerror(rte_errno));
}

static void ports_up(void)
{
	static const char *const names[SGW_IF_COUNT] = { "net_null0", "net_null1" };
	char err[256];

	for (unsigned i = 0; i < SGW_IF_COUNT; i++) {
		struct sgw_port_cfg cfg = {
			.name = names[i], .nb_queues = NWORKERS, .rx_desc = 64, .tx_desc = 64,
			.mp = fz.sh.mp, .want_rss = i == SGW_IF_OUTER,
		};

		if (sgw_port_init(&fz.ports[i], &cfg, err, sizeof(err)) != 0)
			die("port", err);
		fz.sh.ifs[i].port_id = fz.ports[i].id;
		/* Our own MACs: net_null's is all zeros. */
		memcpy(fz.sh.ifs[i].mac, fz_mac[i], 6);
	}
}

static void routes_up(void)
{
	struct sgw_net_if *o = &fz.sh.ifs[SGW_IF_OUTER], *in = &fz.sh.ifs[SGW_IF_INNER];

	o->addr = IP4(10, 77, 0, 1);
	o->prefix_len = 24;
	in->addr = IP4(192, 168, 0, 1);
	in->prefix_len = 16;
	sgw_route_init(&o->routes);
	sgw_route_init(&in->routes);
	if (sgw_route_add(&o->routes, IP4(10, 77, 0, 0), 24, 0) != 0 ||
	    sgw_route_add(&o->routes, 0, 0, IP4(10, 77, 0, 254)) != 0 ||
	    sgw_route_add(&in->routes, IP4(192, 168, 0, 0), 16, 0) != 0 ||
	    sgw_route_add(&in->routes, IP4(172, 16, 0, 0), 12, IP4(192, 168, 0, 254)) != 0)
		die("routes", "sgw_route_add failed");
}

/* The --tcp-test echo application on 443: TCP without certificates. */
static void tcp_cfg_up(void)
{
	struct sgw_dp_shared *sh = &fz.sh;

	sh->app = SGW_APP_ECHO;
	sgw_tcp_cfg_defaults(&sh->tcp);
	sh->tcp.local_addr = fz.sh.ifs[SGW_IF_OUTER].addr;
	sh->tcp.local_port = 443;
	sh->tcp.max_conns = 2 * MAX_CONNS;
	sh->tcp.syn_queue = MAX_CONNS;
	sh->tcp.max_buffers = MAX_CONNS;
	for (unsigned i = 0; i < 4; i++)   /* fixed: the ISNs repeat run to run */
		sh->tcp.isn_secret[i] = 0x9e3779b9u * (i + 1);
	sh->max_conns = MAX_CONNS;
	sh->session_buffers = 2 * MAX_CONNS + 64;   /* as engine.c sizes it */
	sh->tunnel_mtu = SGW_DEFAULT_TUNNEL_MTU;
	sh->mss_clamp = (uint16_t)(SGW_DEFAULT_TUNNEL_MTU - 40);
}

static void shared_up(void)
{
	struct sgw_dp_shared *sh = &fz.sh;
	char name[RTE_RING_NAMESIZE];

	sh->nworkers = NWORKERS;
	sh->mp = rte_pktmbuf_pool_create("fz_mbufs", NMBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	for (unsigned i = 0; sh->mp != NULL && i < NWORKERS; i++) {
		snprintf(name, sizeof(name), "fz_ho%u", i);
		sh->handoff[i] = rte_ring_create(name, SGW_HANDOFF_RING, (int)rte_socket_id(),
						 RING_F_SC_DEQ);
		if (sh->handoff[i] == NULL)
			die("ring", rte_strerror(rte_errno));
	}
	sh->log_ring = rte_ring_create("fz_log", SGW_LOG_RING, (int)rte_socket_id(),
				       RING_F_SC_DEQ);
	sh->log_pool = rte_mempool_create("fz_logl", SGW_LOG_RING - 1, SGW_LOG_LINE, 0, 0,
					  NULL, NULL, NULL, NULL, (int)rte_socket_id(), 0);
	if (sh->mp == NULL || sh->log_ring == NULL || sh->log_pool == NULL)
		die("mempool", rte_strerror(rte_errno));
	routes_up();
	ports_up();
	sh->pool = sgw_pool_create(IP4(192, 168, 128, 0), 24, NWORKERS);
	if (sh->pool == NULL)
		die("pool", "sgw_pool_create failed");
	sh->pool_base = IP4(192, 168, 128, 0);
	sh->pool_slots = 256;
	sh->env.tunnel_addr = sh->pool_base + 1;
	if (sgw_pool_exclude(sh->pool, sh->env.tunnel_addr) != 0)
		die("pool", "sgw_pool_exclude failed");
	tcp_cfg_up();
}

static void workers_up(void)
{
	char err[256];

	for (unsigned i = 0; i < NWORKERS; i++) {
		struct sgw_worker *w = &fz.w[i];

		if (sgw_worker_init(w, &fz.sh, i, err, sizeof(err)) != 0)
			die("sgw_worker_init", err);
		/* Our clock, not the TSC: the same input does the same thing. */
		w->now_ms = START_MS;
		w->icmp_refill_ms = START_MS;
		w->next_arp_tick = START_MS + SGW_SESSION_TICK_MS;
	}
}

static void log_drain(void)
{
	void *lines[64];

	for (unsigned guard = 0; guard < DRAIN_ROUNDS; guard++) {
		unsigned n = rte_ring_dequeue_burst(fz.sh.log_ring, lines, 64, NULL);

		if (n == 0)
			break;
		rte_mempool_put_bulk(fz.sh.log_pool, lines, n);
	}
}

/* What one worker handed another: as sgw_worker_main's poll_once does. */
static void handoff_drain(void)
{
	struct rte_mbuf *pkts[SGW_RX_BURST];

	for (unsigned guard = 0; guard < DRAIN_ROUNDS; guard++) {
		unsigned got = 0;

		for (unsigned i = 0; i < NWORKERS; i++) {
			unsigned n = rte_ring_dequeue_burst(fz.sh.handoff[i], (void **)pkts,
							    SGW_RX_BURST, NULL);

			sgw_net_handoff_rx(&fz.w[i], pkts, n);
			got += n;
		}
		if (got == 0)
			break;
	}
}

static void flush_all(void)
{
	for (unsigned i = 0; i < NWORKERS; i++)
		for (unsigned ifx = 0; ifx < SGW_IF_COUNT; ifx++)
			sgw_portq_flush(&fz.w[i].q[ifx]);
}

/* The clock moves; TCP timers every step, ARP retries every 100 ms. */
static void clock_step(unsigned ms)
{
	for (unsigned i = 0; i < NWORKERS; i++) {
		struct sgw_worker *w = &fz.w[i];

		w->now_ms += ms;
		sgw_tcp_tick(w->tcp, w->now_ms);
		if (w->now_ms >= w->next_arp_tick) {
			sgw_net_tick(w);
			w->next_arp_tick = w->now_ms + SGW_SESSION_TICK_MS;
		}
	}
}

static const char *const counter_names[] = {
#define SGW_X(name) #name,
	SGW_WORKER_COUNTERS(SGW_X)
#undef SGW_X
};

static void counters_print(const struct sgw_worker_stats *before)
{
	for (unsigned i = 0; i < NWORKERS; i++) {
		const uint64_t *a = (const uint64_t *)&before[i], *b = (const uint64_t *)&fz.w[i].st;

		for (unsigned k = 0; k < sizeof(counter_names) / sizeof(counter_names[0]); k++)
			if (a[k] != b[k])
				fprintf(stderr, "  w%u %s +%llu\n", i, counter_names[k],
					(unsigned long long)(b[k] - a[k]));
	}
}

static void teardown_check(void)
{
	flush_all();
	handoff_drain();
	flush_all();
	for (unsigned i = 0; i < NWORKERS; i++)
		sgw_worker_fini(&fz.w[i]);
	log_drain();
	for (unsigned i = 0; i < NWORKERS; i++)   /* ARP shares nobody took */
		for (unsigned guard = 0; guard < DRAIN_ROUNDS; guard++) {
			struct rte_mbuf *pkts[SGW_RX_BURST];
			unsigned n = rte_ring_dequeue_burst(fz.sh.handoff[i], (void **)pkts,
							    SGW_RX_BURST, NULL);

			if (n == 0)
				break;
			rte_pktmbuf_free_bulk(pkts, n);
		}
	unsigned mb = rte_mempool_avail_count(fz.sh.mp);
	unsigned ll = rte_mempool_avail_count(fz.sh.log_pool);

	if (mb != fz.mbufs_start || ll != fz.log_start) {
		fprintf(stderr, "fuzz_net: leak after %u inputs: mbufs %u of %u back, "
			"log lines %u of %u back\n", fz.inputs, mb, fz.mbufs_start, ll,
			fz.log_start);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	eal_up();
	shared_up();
	fz.mbufs_start = rte_mempool_avail_count(fz.sh.mp);
	fz.log_start = rte_mempool_avail_count(fz.sh.log_pool);
	fz.verbose = getenv("FUZZ_NET_VERBOSE") != NULL;
	workers_up();
	fz.up = true;
	return 0;
}

/* One frame into a fresh mbuf; the tail past the frame is poisoned while
 * the worker parses it. */
static void rx_one(struct sgw_worker *w, enum sgw_ifx ifx, const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fz.sh.mp);

	if (m == NULL)
		die("rx", "mbuf pool empty: mbufs are leaking");
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);

	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(p, f, len);
	m->port = fz.sh.ifs[ifx].port_id;
	uint8_t *tail = p + len, *end = (uint8_t *)m->buf_addr + m->buf_len;

	ASAN_POISON_MEMORY_REGION(tail, (size_t)(end - tail));
	sgw_net_rx(w, ifx, &m, 1);   /* consumes m */
	ASAN_UNPOISON_MEMORY_REGION(tail, (size_t)(end - tail));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz.up || size < 1 || size - 1 > RTE_MBUF_DEFAULT_DATAROOM)
		return 0;
	enum sgw_ifx ifx = (data[0] & 1) ? SGW_IF_INNER : SGW_IF_OUTER;
	struct sgw_worker *w = &fz.w[(data[0] >> 1) & 1];
	struct sgw_worker_stats before[NWORKERS];

	for (unsigned i = 0; fz.verbose && i < NWORKERS; i++)
		before[i] = fz.w[i].st;
	rx_one(w, ifx, data + 1, size - 1);
	handoff_drain();
	clock_step((unsigned)(data[0] >> 2) * CLOCK_STEP_MS);
	handoff_drain();
	flush_all();
	log_drain();
	if (fz.verbose)
		counters_print(before);
	if (++fz.inputs % RESET_EVERY == 0) {
		teardown_check();
		workers_up();
	}
	return 0;
}
