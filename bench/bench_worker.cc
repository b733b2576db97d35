// SPDX-License-Identifier: BSD-3-Clause
//
// The real worker loop end to end (issue #5 item 2): the engine is created
// through its public API (dataplane/engine.h) with both ports on net_ring
// (rings in this process, no kernel in the path), its workers run
// sgw_worker_main on their lcores, and the main lcore is the generator:
//
//   set-up      N SSTP calls through the engine: the test client
//               (tests/support/sstp_client.c) speaks over hand-built client
//               segments (bench_tcpseg.h) wrapped in Ethernet + IPv4 with
//               real checksums, enqueued on the outer port's rx ring; the
//               gateway's frames are read back from its tx rings (ARP for
//               the outer next hop and the VNet host answered, TCP data fed
//               to the client and ACKed). Then, untimed, one packet of
//               each size client -> VNet from a call on every worker (the
//               inner next hop resolved, lengths checked) and, once before
//               any timed tx, VNet -> client (the client decrypts it).
//   rx          client -> VNet: per round kBatch segments, each one TLS
//               record of an inner IPv4 packet of 64/512/1400 bytes, sealed
//               by the client and framed before the clock starts, all put
//               on the outer rx rings at once; timed until every inner
//               packet has come out of the inner port (lengths checked).
//   tx          VNet -> client: kBatch plain IPv4 frames to the clients'
//               pool addresses on the inner port; timed until the outer
//               port has sent every record (bytes counted per call, one
//               record's size learned at set-up); the generator ACKs every
//               second segment as the client would, and keeps at most
//               kTxWindow bytes of records in flight per call (the session
//               buffer, 32 KiB, and TCP's send buffer, 64 KiB, hold what is
//               not yet ACKed: more would be refused, not queued).
//   both        rx and tx in the same round (pkts counts both); client
//               segments are kept at most kRxDepth deep on the ring so the
//               ACKs behind them are not late, and half the tx window.
//
// Counters: Mpps and Gbit (inner bytes) for the gateway, Mpps_per_worker,
// ns_per_pkt (wall / pkts), workers, lcores, cores and valid (0 when there
// are more lcores than cores: the generator's core then is a worker's, and
// the figure says nothing about the gateway). Wall time, generator
// included: its per-packet work (ring ops, ACKs, frees) is small next to
// the worker's but not zero, and it shares the machine. Because the
// machine may be shared: worker_cpu_share (the workers' CPU time / their
// wall time in the timed part) and ns_per_pkt_cpu / Mpps_per_worker_cpu
// (the same in the workers' CPU time: what a dedicated core would give;
// polls that found nothing in the window count as cost). Deltas of the
// workers' tx_full, to_client_refused, tcp_retransmits and no-mbuf counters.
//
// EAL allows one init per process: --workers=W (default 1) picks the
// configuration, one process each:
//   ./build/bench/bench_worker --workers=1 --benchmark_format=json
#include <benchmark/benchmark.h>

#include <dirent.h>
#include <ext/stdio_filebuf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bench/bench_tcpseg.h"
extern "C" {
#include "tests/support/testpki.h"   // no extern "C" of its own
}
#include "bench/bench_world.h"
#include "dataplane/engine.h"
#include "dataplane/wire.h"
#include "tests/support/sstp_client.h"

namespace {

constexpr uint32_t A(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

constexpr uint32_t kOuter = A(192, 0, 2, 1), kOuterGw = A(192, 0, 2, 254);
constexpr uint32_t kClient = A(198, 18, 0, 1);      // behind kOuterGw; calls differ by port
constexpr uint32_t kInner = A(10, 1, 0, 1), kVnetHost = A(10, 1, 0, 9);
constexpr uint32_t kPoolBase = A(10, 64, 0, 0);
constexpr uint16_t kPort0 = 20000;
constexpr size_t kHdr = 32, kMss = 1448;
constexpr uint32_t kClientIsn = 0x10000000, kTsval = 5000;
constexpr unsigned kRing = 8192;                    // per queue and direction
constexpr unsigned kBatch = 4096;                   // inner packets per direction per round
constexpr unsigned kGenMbufs = 16383;
constexpr size_t kTxWindow = 40000;                 // record bytes in flight per call (half with rx)
constexpr unsigned kRxDepth = 1024;                 // client segments queued, with tx
constexpr size_t kEth = sizeof(rte_ether_hdr);
const uint8_t kGenMac[6] = { 2, 0, 0, 0, 0, 1 };    // the outer router
const uint8_t kVnetMac[6] = { 2, 0, 0, 0, 0, 2 };   // the VNet host
const char *const kOutName = "net_ring_bwout", *const kInName = "net_ring_bwin";

// net_ring's "internal=<address>" device argument, what rte_eth_from_rings()
// hands it: the layout of drivers/net/ring's struct ring_internal_args. The
// rings must exist when EAL probes the vdev inside sgw_engine_create, and
// rte_ring_init needs no EAL.
struct RingArgs {
	rte_ring *const *rx_queues;
	unsigned nb_rx_queues;
	rte_ring *const *tx_queues;
	unsigned nb_tx_queues;
	unsigned numa_node;
	void *addr;
};

struct Side {
	rte_ring *rx[SGW_MAX_WORKERS] = {};   // we enqueue, worker q receives
	rte_ring *tx[SGW_MAX_WORKERS] = {};   // worker q sends, we dequeue
	RingArgs args{};
	char spec[96] = "";
	uint8_t mac[6] = {};
	std::vector<rte_mbuf *> pend[SGW_MAX_WORKERS];   // not yet on rx[q]
	size_t head[SGW_MAX_WORKERS] = {};
};

struct Conn {
	tclient *cli = nullptr;
	uint16_t port = 0;
	unsigned q = 0;                  // the queue (worker) it is steered to
	uint32_t seq = 0, srv_next = 0, srv_ts = 0, inner = 0;
	unsigned segs = 0;
	bool capture = false;
	std::vector<uint8_t> in;         // server bytes for the client (set-up)
	uint64_t rx_bytes = 0;           // server payload seen
	uint64_t tx_sent = 0;            // records sent toward it this round
	uint64_t tx_base = 0;
	std::vector<rte_mbuf *> txq;     // this round's VNet frames for it
	size_t txh = 0;
};

struct Gen {
	sgw_engine *e = nullptr;
	unsigned nw = 1;
	Side out, in;
	rte_mempool *mp = nullptr;
	BenchWorld world;
	std::vector<std::unique_ptr<Conn>> conns;     // index: port - kPort0
	std::map<size_t, std::vector<Conn *>> sets;   // N -> its calls
	std::map<size_t, size_t> rec;                 // inner size -> record bytes
	uint64_t vnet_pkts = 0, vnet_bad = 0;
	size_t vnet_len = 0;
	char roots[64] = "";
};

Gen g;

rte_ring *ring_make(const char *fmt, unsigned q)
{
	char name[RTE_RING_NAMESIZE];
	ssize_t sz = rte_ring_get_memsize(kRing);
	void *mem = sz > 0 ? aligned_alloc(RTE_CACHE_LINE_SIZE * 2,
					   RTE_ALIGN_CEIL(static_cast<size_t>(sz),
							  RTE_CACHE_LINE_SIZE * 2)) : nullptr;

	snprintf(name, sizeof(name), fmt, q);
	if (mem == nullptr ||
	    rte_ring_init(static_cast<rte_ring *>(mem), name, kRing,
			  RING_F_SP_ENQ | RING_F_SC_DEQ) != 0)
		return nullptr;
	return static_cast<rte_ring *>(mem);
}

bool side_make(Side *s, const char *name, unsigned nw)
{
	for (unsigned q = 0; q < nw; q++) {
		s->rx[q] = ring_make((std::string(name) + "r%u").c_str(), q);
		s->tx[q] = ring_make((std::string(name) + "t%u").c_str(), q);
		if (s->rx[q] == nullptr || s->tx[q] == nullptr)
			return false;
	}
	s->args = RingArgs{ s->rx, nw, s->tx, nw, 0, &s->args };
	snprintf(s->spec, sizeof(s->spec), "%s,internal=%p", name, static_cast<void *>(&s->args));
	return true;
}

// ---- frames ----

// An Ethernet frame of l3 bytes after the header; returns where they go.
uint8_t *frame(rte_mbuf **out, size_t l3, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	rte_mbuf *m = rte_pktmbuf_alloc(g.mp);
	auto *eth = m != nullptr ? rte_pktmbuf_mtod(m, rte_ether_hdr *) : nullptr;

	if (m == nullptr || rte_pktmbuf_append(m, static_cast<uint16_t>(kEth + l3)) == nullptr) {
		rte_pktmbuf_free(m);
		return nullptr;
	}
	memcpy(eth->dst_addr.addr_bytes, dst, 6);
	memcpy(eth->src_addr.addr_bytes, src, 6);
	eth->ether_type = rte_cpu_to_be_16(type);
	*out = m;
	return reinterpret_cast<uint8_t *>(eth + 1);
}

void ipv4_hdr(uint8_t *p, size_t total, uint8_t proto, uint32_t src, uint32_t dst)
{
	auto *ip = reinterpret_cast<rte_ipv4_hdr *>(p);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(total));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

// An inner IPv4/UDP-protocol packet of len bytes (the body is a pattern).
void inner_pkt(uint8_t *p, size_t len, uint32_t src, uint32_t dst)
{
	ipv4_hdr(p, len, IPPROTO_UDP, src, dst);
	for (size_t i = 20; i < len; i++)
		p[i] = static_cast<uint8_t>(i);
}

// A client segment (SYN with options, or data/ACK with timestamps).
rte_mbuf *tcp_frame(Conn *c, uint8_t flags, const uint8_t *payload, size_t len)
{
	static const uint8_t syn_opts[] = { TCPOPT_MSS, 4, 0x05, 0xb4, TCPOPT_SACK_PERM, 2,
					    TCPOPT_WSCALE, 3, 7, TCPOPT_NOP,
					    TCPOPT_TIMESTAMP, 10 };
	bool syn = (flags & TH_SYN) != 0;
	size_t hl = syn ? 40 : kHdr, total = 20 + hl + len;
	rte_mbuf *m = nullptr;
	uint8_t *ip = frame(&m, total, g.out.mac, kGenMac, RTE_ETHER_TYPE_IPV4);

	if (ip == nullptr)
		return nullptr;
	uint8_t *th = ip + 20;
	bench_tcp_header(th, hl, c->port, c->seq, syn ? 0 : c->srv_next, flags);
	if (syn) {
		memcpy(th + 20, syn_opts, sizeof(syn_opts));
		sgw_put32(th + 32, kTsval);
		sgw_put32(th + 36, 0);
	} else {
		bench_ts_opt(th + 20, kTsval, c->srv_ts);
	}
	if (len > 0)
		memcpy(th + hl, payload, len);
	ipv4_hdr(ip, total, IPPROTO_TCP, kClient, kOuter);
	auto *t = reinterpret_cast<rte_tcp_hdr *>(th);
	t->cksum = 0;
	t->cksum = rte_ipv4_udptcp_cksum(reinterpret_cast<rte_ipv4_hdr *>(ip), t);
	c->seq += static_cast<uint32_t>(len);
	return m;
}

// RFC 1624 eqn. 3 for one 32-bit field of a frame built by tcp_frame.
void patch32(uint8_t *field, uint8_t *cksum, uint32_t v)
{
	uint32_t sum = static_cast<uint16_t>(~sgw_get16(cksum));

	for (int i = 0; i < 4; i += 2) {
		sum += static_cast<uint16_t>(~sgw_get16(field + i));
		sum += static_cast<uint16_t>(i == 0 ? v >> 16 : v & 0xffff);
	}
	sgw_put32(field, v);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sgw_put16(cksum, static_cast<uint16_t>(~sum));
}

// A data segment built before the round: ACK what came since.
void refresh_ack(Conn *c, rte_mbuf *m)
{
	uint8_t *th = rte_pktmbuf_mtod_offset(m, uint8_t *, kEth + 20);

	if (sgw_get32(th + 8) != c->srv_next)
		patch32(th + 8, th + 16, c->srv_next);
	if (sgw_get32(th + 28) != c->srv_ts)
		patch32(th + 28, th + 16, c->srv_ts);
}

void push(Side *s, unsigned q, rte_mbuf *m)
{
	if (m != nullptr)
		s->pend[q].push_back(m);
}

void flush(Side *s)
{
	for (unsigned q = 0; q < g.nw; q++) {
		std::vector<rte_mbuf *> &p = s->pend[q];

		if (s->head[q] == p.size())
			continue;
		s->head[q] += rte_ring_enqueue_burst(s->rx[q], reinterpret_cast<void **>(
			p.data() + s->head[q]), static_cast<unsigned>(p.size() - s->head[q]), nullptr);
		if (s->head[q] == p.size()) {
			p.clear();
			s->head[q] = 0;
		}
	}
}

void send_ack(Conn *c)
{
	push(&g.out, c->q, tcp_frame(c, TH_ACK, nullptr, 0));
	c->segs = 0;
}

// ---- what comes out of the gateway ----

// RFC 826: every request on the link is for us (the router or the VNet host).
void arp_answer(Side *s, unsigned q, rte_mbuf *m, const uint8_t *mac)
{
	auto *eth = rte_pktmbuf_mtod(m, rte_ether_hdr *);
	auto *a = reinterpret_cast<rte_arp_hdr *>(eth + 1);

	if (m->data_len < kEth + sizeof(*a) ||
	    a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		rte_pktmbuf_free(m);
		return;
	}
	uint32_t tip = a->arp_data.arp_tip;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	memcpy(a->arp_data.arp_sha.addr_bytes, mac, 6);
	a->arp_data.arp_sip = tip;
	eth->dst_addr = a->arp_data.arp_tha;
	memcpy(eth->src_addr.addr_bytes, mac, 6);
	push(s, q, m);
}

uint32_t ts_of(const uint8_t *th, size_t hl, uint32_t old)
{
	for (size_t i = 20; i < hl && th[i] != TCPOPT_EOL;) {
		if (th[i] == TCPOPT_TIMESTAMP && i + 10 <= hl)
			return sgw_get32(th + i + 2);
		i += th[i] == TCPOPT_NOP ? 1 : std::max<size_t>(th[i + 1], 2);
	}
	return old;
}

void outer_frame(unsigned q, rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t len = m->data_len;

	if (len >= kEth && sgw_get16(p + 12) == RTE_ETHER_TYPE_ARP) {
		arp_answer(&g.out, q, m, kGenMac);
		return;
	}
	const uint8_t *ip = p + kEth, *th = ip + 20;
	size_t idx = len >= kEth + 40 ? static_cast<size_t>(sgw_get16(th + 2) - kPort0) : SIZE_MAX;

	if (sgw_get16(p + 12) != RTE_ETHER_TYPE_IPV4 || ip[0] != 0x45 || ip[9] != IPPROTO_TCP ||
	    idx >= g.conns.size()) {
		rte_pktmbuf_free(m);
		return;
	}
	Conn *c = g.conns[idx].get();
	uint32_t seq = sgw_get32(th + 4);
	size_t hl = static_cast<size_t>(th[12] >> 4) * 4;
	size_t plen = sgw_get16(ip + 2) - 20 - hl;

	c->srv_ts = ts_of(th, hl, c->srv_ts);
	if ((th[13] & TH_SYN) != 0) {
		c->srv_next = seq + 1;
	} else if (plen > 0) {
		auto skip = static_cast<int32_t>(c->srv_next - seq);
		if (skip >= 0 && static_cast<size_t>(skip) < plen) {
			if (c->capture)
				c->in.insert(c->in.end(), th + hl + skip, th + hl + plen);
			c->srv_next = seq + static_cast<uint32_t>(plen);
			c->rx_bytes += plen - static_cast<size_t>(skip);
			if (++c->segs >= 2)     // the client ACKs every second segment
				send_ack(c);
		} else {
			send_ack(c);        // old data (a probe): ACK it at once
		}
	}
	rte_pktmbuf_free(m);
}

void inner_frame(unsigned q, rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->data_len >= kEth && sgw_get16(p + 12) == RTE_ETHER_TYPE_ARP) {
		arp_answer(&g.in, q, m, kVnetMac);
		return;
	}
	if (m->data_len == kEth + g.vnet_len && sgw_get32(p + kEth + 16) == kVnetHost)
		g.vnet_pkts++;
	else
		g.vnet_bad++;
	rte_pktmbuf_free(m);
}

unsigned poll()
{
	rte_mbuf *b[64];
	unsigned total = 0;

	for (unsigned q = 0; q < g.nw; q++) {
		unsigned n = rte_ring_dequeue_burst(g.out.tx[q], reinterpret_cast<void **>(b), 64,
						    nullptr);
		for (unsigned i = 0; i < n; i++)
			outer_frame(q, b[i]);
		total += n;
		n = rte_ring_dequeue_burst(g.in.tx[q], reinterpret_cast<void **>(b), 64, nullptr);
		for (unsigned i = 0; i < n; i++)
			inner_frame(q, b[i]);
		total += n;
	}
	flush(&g.out);
	flush(&g.in);
	return total;
}

uint64_t now_us()
{
	return rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000000);
}

// A client segment carrying one record of a len-byte packet to the VNet.
rte_mbuf *rec_frame(Conn *c, size_t len)
{
	uint8_t pkt[1500], rec[2048];

	inner_pkt(pkt, len, c->inner, kVnetHost);
	if (tclient_send_ip(c->cli, pkt, len) != 0)
		return nullptr;
	size_t n = tclient_output(c->cli, rec, sizeof(rec));
	return n > 0 && n <= kMss ? tcp_frame(c, TH_ACK | TH_PSH, rec, n) : nullptr;
}

// A len-byte packet from the VNet host to the call's pool address.
rte_mbuf *vnet_frame(const Conn *c, size_t len)
{
	rte_mbuf *m = nullptr;
	uint8_t *ip = frame(&m, len, g.in.mac, kVnetMac, RTE_ETHER_TYPE_IPV4);

	if (ip != nullptr)
		inner_pkt(ip, len, kVnetHost, c->inner);
	return m;
}

// ---- set-up: N calls through the engine ----

tclient *make_client()
{
	tclient_cfg cfg = {};

	cfg.tls_min = 0x0304;
	cfg.tls_max = 0x0304;
	cfg.ca_file = g.world.root.cert_path;
	cfg.cert_file = g.world.client.cert_path;
	cfg.key_file = g.world.client.key_path;
	cfg.identity = "client1";
	return tclient_create(&cfg);
}

std::string connect(Conn *c)
{
	uint64_t end = now_us() + 5000000;

	c->cli = make_client();
	if (c->cli == nullptr)
		return "client create failed";
	c->seq = kClientIsn;
	push(&g.out, c->q, tcp_frame(c, TH_SYN, nullptr, 0));
	while (c->srv_next == 0 && now_us() < end)
		poll();
	if (c->srv_next == 0)
		return "no SYN-ACK (ARP for the outer next hop?)";
	c->seq = kClientIsn + 1;
	send_ack(c);
	c->capture = true;
	return "";
}

// Client bytes out, server bytes in, until every call is UP.
std::string pump(const std::vector<Conn *> &cs)
{
	std::vector<uint8_t> buf(1 << 16);
	uint64_t end = now_us() + 30000000;

	for (;;) {
		size_t up = 0;

		for (Conn *c : cs) {
			size_t n = tclient_output(c->cli, buf.data(), buf.size());

			for (size_t off = 0; off < n; off += kMss)
				push(&g.out, c->q, tcp_frame(c, TH_ACK | TH_PSH, buf.data() + off,
							     std::min(kMss, n - off)));
		}
		poll();
		for (Conn *c : cs) {
			if (!c->in.empty()) {
				(void)tclient_input(c->cli, c->in.data(), c->in.size());
				c->in.clear();
				send_ack(c);
			}
			enum tclient_state st = tclient_state(c->cli);
			if (st == TCLIENT_FAILED || st == TCLIENT_CLOSED)
				return std::string("call failed: ") + tclient_error(c->cli);
			up += st == TCLIENT_UP;
		}
		if (up == cs.size())
			return "";
		if (now_us() > end)
			return "calls not up after 30 s (" + std::to_string(up) + " up)";
	}
}

// One packet of each size VNet -> client: the client must decrypt it; its
// record's size on the wire is what tx counts by.
std::string tx_check(Conn *c)
{
	uint8_t pkt[2048];

	for (size_t len : { 64, 512, 1400 }) {
		rte_mbuf *m = vnet_frame(c, len);
		uint64_t before = c->rx_bytes, end = now_us() + 2000000;
		size_t got = 0;

		if (m == nullptr)
			return "no mbuf";
		push(&g.in, c->q, m);
		while (got == 0 && now_us() < end) {
			poll();
			if (c->in.empty())
				continue;
			(void)tclient_input(c->cli, c->in.data(), c->in.size());
			c->in.clear();
			got = tclient_recv_ip(c->cli, pkt, sizeof(pkt));
		}
		send_ack(c);
		if (got != len)
			return "VNet -> client: the client got " + std::to_string(got) + " of " +
			       std::to_string(len) + " bytes";
		g.rec[len] = c->rx_bytes - before;
	}
	return "";
}

// One packet of each size client -> VNet from a call on every worker, so
// the inner next hop is resolved (ARP holds only SGW_ARP_HOLD packets) and
// the lengths are checked before any timed round.
std::string rx_check(const std::vector<Conn *> &cs)
{
	for (size_t i = 0; i < std::min<size_t>(g.nw, cs.size()); i++) {
		for (size_t len : { 64, 512, 1400 }) {
			uint64_t want = g.vnet_pkts + 1, end = now_us() + 2000000;
			rte_mbuf *m = rec_frame(cs[i], len);

			if (m == nullptr)
				return "client -> VNet: no record or no mbuf";
			g.vnet_len = len;
			push(&g.out, cs[i]->q, m);
			while (g.vnet_pkts < want && g.vnet_bad == 0 && now_us() < end)
				poll();
			if (g.vnet_pkts < want || g.vnet_bad != 0)
				return "client -> VNet: a " + std::to_string(len) +
				       "-byte packet did not come out of the inner port intact";
		}
	}
	return "";
}

std::vector<Conn *> *set_get(size_t n, std::string *err)
{
	auto it = g.sets.find(n);

	if (it != g.sets.end())
		return &it->second;
	std::vector<Conn *> cs;
	for (size_t i = 0; i < n && err->empty(); i++) {
		auto c = std::make_unique<Conn>();
		c->port = static_cast<uint16_t>(kPort0 + g.conns.size());
		c->q = static_cast<unsigned>(g.conns.size() % g.nw);
		cs.push_back(c.get());
		g.conns.push_back(std::move(c));
		*err = connect(cs.back());
	}
	if (err->empty())
		*err = pump(cs);
	for (Conn *c : cs) {
		c->inner = c->cli != nullptr ? tclient_addr(c->cli) : 0;
		c->in.clear();
	}
	if (err->empty())
		*err = rx_check(cs);
	if (err->empty() && g.rec.empty())
		*err = tx_check(cs[0]);
	for (Conn *c : cs)
		c->capture = false;
	fflush(stdout);
	(void)sgw_engine_poll(g.e);           // the session log lines, to stderr
	return err->empty() ? &(g.sets[n] = cs) : nullptr;
}

// The worker lcores' CPU time, ns: each "rte-worker-*" thread's CPU-time
// clock by tid (Linux MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), what
// pthread_getcpuclockid gives; exact, where the process clock lags by up
// to a tick for threads running on other CPUs).
uint64_t worker_cpu_ns()
{
	static std::vector<clockid_t> ids;
	uint64_t sum = 0;
	timespec ts;

	DIR *d = ids.empty() ? opendir("/proc/self/task") : nullptr;
	for (dirent *de; d != nullptr && (de = readdir(d)) != nullptr;) {
		char path[300], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		FILE *f = fopen(path, "r");
		if (f != nullptr && fgets(comm, sizeof(comm), f) != nullptr &&
		    strncmp(comm, "rte-worker-", 11) == 0)
			ids.push_back(static_cast<clockid_t>(
				(~static_cast<unsigned>(atoi(de->d_name)) << 3) | 6));
		if (f != nullptr)
			fclose(f);
	}
	if (d != nullptr)
		closedir(d);
	for (clockid_t id : ids)
		if (clock_gettime(id, &ts) == 0)
			sum += static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
			       static_cast<uint64_t>(ts.tv_nsec);
	return sum;
}

std::map<std::string, uint64_t> counters()
{
	std::map<std::string, uint64_t> m;

	sgw_engine_counters(g.e, [](void *ctx, const char *name, int, uint64_t v) {
		(*static_cast<std::map<std::string, uint64_t> *>(ctx))[name] += v;
	}, &m);
	return m;
}

// ---- one timed round ----

struct Totals {
	uint64_t pkts = 0;
	double secs = 0;
	double cpu_secs = 0;             // the workers' on-CPU time in the timed part
};

// kBatch inner packets round-robin over the calls: client segments (one
// record each) by queue for rx, VNet frames by call for tx.
bool build(const std::vector<Conn *> &cs, size_t len, bool rx, std::vector<rte_mbuf *> *per_q,
	   unsigned *cursor)
{
	for (unsigned j = 0; j < kBatch; j++) {
		Conn *c = cs[(*cursor)++ % cs.size()];
		rte_mbuf *m = rx ? rec_frame(c, len) : vnet_frame(c, len);

		if (m == nullptr)
			return false;
		(rx ? per_q[c->q] : c->txq).push_back(m);
	}
	return true;
}

// Up to `bytes` of records in flight per call.
bool tx_step(const std::vector<Conn *> &cs, size_t rec, size_t bytes)
{
	size_t window = std::max<size_t>(2, bytes / rec);
	bool done = true;

	for (Conn *c : cs) {
		uint64_t delivered = (c->rx_bytes - c->tx_base) / rec;

		while (c->txh < c->txq.size() && c->tx_sent - delivered < window) {
			push(&g.in, c->q, c->txq[c->txh++]);
			c->tx_sent++;
		}
		done = done && delivered >= c->txq.size();
	}
	return done;
}

// Client segments onto the outer rings, at most depth queued: with tx
// running the client's ACKs must not wait behind thousands of them.
void rx_step(std::vector<rte_mbuf *> *rxf, size_t *rxh, unsigned depth)
{
	for (unsigned q = 0; q < g.nw; q++) {
		unsigned room = depth - std::min(depth, rte_ring_count(g.out.rx[q]));

		for (; room > 0 && rxh[q] < rxf[q].size(); room--) {
			rte_mbuf *m = rxf[q][rxh[q]++];
			uint16_t port = sgw_get16(rte_pktmbuf_mtod_offset(m, uint8_t *, kEth + 20));

			refresh_ack(g.conns[port - kPort0].get(), m);
			push(&g.out, q, m);
		}
	}
}

std::string round(const std::vector<Conn *> &cs, size_t len, bool rx, bool tx, Totals *t,
		  unsigned *rx_cursor, unsigned *tx_cursor)
{
	std::vector<rte_mbuf *> rxf[SGW_MAX_WORKERS];
	size_t rec = g.rec[len];

	g.vnet_len = len;
	if (rx && !build(cs, len, true, rxf, rx_cursor))
		return "the client could not build records (or no mbuf)";
	for (Conn *c : cs) {
		c->txq.clear();
		c->txh = 0;
		c->tx_sent = 0;
		c->tx_base = c->rx_bytes;
	}
	if (tx && !build(cs, len, false, rxf, tx_cursor))
		return "no mbuf for VNet frames";
	uint64_t want = g.vnet_pkts + (rx ? kBatch : 0), bad = g.vnet_bad;
	uint64_t t0 = rte_get_tsc_cycles(), limit = t0 + 10 * rte_get_tsc_hz();
	uint64_t cpu0 = worker_cpu_ns();
	size_t rxh[SGW_MAX_WORKERS] = {};
	for (;;) {
		bool tx_done = !tx || tx_step(cs, rec, rx ? kTxWindow / 2 : kTxWindow);
		rx_step(rxf, rxh, tx ? kRxDepth : kRing);
		poll();
		if (tx_done && g.vnet_pkts >= want)
			break;
		if (rte_get_tsc_cycles() > limit)
			return "not everything came out in 10 s: to VNet " +
			       std::to_string(g.vnet_pkts + (rx ? kBatch : 0) - want) + "/" +
			       std::to_string(rx ? kBatch : 0) + ", to_client_refused " +
			       std::to_string(counters()["to_client_refused"]) +
			       " (stats on stderr)";
	}
	uint64_t t1 = rte_get_tsc_cycles();
	uint64_t cpu1 = worker_cpu_ns();
	for (Conn *c : cs)
		if (c->segs > 0)
			send_ack(c);
	flush(&g.out);
	if (g.vnet_bad != bad)
		return "frames of the wrong length or destination out of the inner port";
	t->secs += static_cast<double>(t1 - t0) / static_cast<double>(rte_get_tsc_hz());
	t->cpu_secs += static_cast<double>(cpu1 - cpu0) * 1e-9;
	t->pkts += (rx ? kBatch : 0) + (tx ? kBatch : 0);
	return "";
}

enum Mode { RX, TX, BOTH };

void BM_worker(benchmark::State &state, Mode mode)
{
	size_t n = static_cast<size_t>(state.range(0)), len = static_cast<size_t>(state.range(1));
	std::string err;
	std::vector<Conn *> *cs = set_get(n, &err);
	Totals t;
	unsigned rc = 0, tc = 0;

	if (cs == nullptr) {
		state.SkipWithError(err.c_str());
		return;
	}
	auto before = counters();
	for (auto _ : state) {
		Totals one;
		err = round(*cs, len, mode != TX, mode != RX, &one, &rc, &tc);
		if (!err.empty()) {
			sgw_engine_print_stats(g.e);
			state.SkipWithError(err.c_str());
			return;
		}
		state.SetIterationTime(one.secs);
		t.pkts += one.pkts;
		t.secs += one.secs;
		t.cpu_secs += one.cpu_secs;
	}
	auto after = counters();
	double ns = t.secs * 1e9 / static_cast<double>(t.pkts);
	unsigned lcores = rte_lcore_count();
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	state.counters["Mpps"] = 1e3 / ns;
	state.counters["Gbit"] = static_cast<double>(len) * 8 / ns;
	state.counters["Mpps_per_worker"] = 1e3 / ns / g.nw;
	state.counters["Gbit_per_worker"] = static_cast<double>(len) * 8 / ns / g.nw;
	state.counters["ns_per_pkt"] = ns;
	// The machine is shared: how much of the timed wall time the workers
	// had a CPU, and the cost per packet in their CPU time (what a
	// dedicated core would give; idle polls in the window count as cost).
	double cpu_ns = t.cpu_secs * 1e9 / static_cast<double>(t.pkts);
	state.counters["worker_cpu_share"] = t.cpu_secs / (t.secs * g.nw);
	state.counters["ns_per_pkt_cpu"] = cpu_ns;
	state.counters["Mpps_per_worker_cpu"] = cpu_ns > 0 ? 1e3 / cpu_ns : 0;
	state.counters["workers"] = g.nw;
	state.counters["lcores"] = lcores;
	state.counters["cores"] = static_cast<double>(cores);
	state.counters["valid"] = lcores <= cores ? 1 : 0;
	state.counters["sessions"] = static_cast<double>(n);
	state.counters["inner_bytes"] = static_cast<double>(len);
	for (const char *k : { "tx_full", "to_client_refused", "tcp_retransmits", "nombuf",
			       "tcp_tx_nombuf", "to_vnet_nombuf" })
		state.counters[k] = static_cast<double>(after[k] - before[k]);
}

// ---- engine ----

bool roots_dir()
{
	snprintf(g.roots, sizeof(g.roots), "/tmp/bench_worker.XXXXXX");
	if (mkdtemp(g.roots) == nullptr)
		return false;
	return symlink(g.world.root.cer_path, (std::string(g.roots) + "/root.cer").c_str()) == 0;
}

bool engine_up()
{
	sgw_engine_opts o;
	char err[512] = "", prefix[64];
	static char no_telemetry[] = "--no-telemetry";
	static char *eal_extra[] = { no_telemetry, nullptr };

	if (!side_make(&g.out, kOutName, g.nw) || !side_make(&g.in, kInName, g.nw))
		return false;
	sgw_engine_opts_defaults(&o);
	snprintf(prefix, sizeof(prefix), "bench_worker_%d", static_cast<int>(getpid()));
	o.outer_port = g.out.spec;
	o.inner_port = g.in.spec;
	o.outer_addr = kOuter;
	o.outer_len = 24;
	o.outer_gw = kOuterGw;
	o.inner_addr = kInner;
	o.inner_len = 24;
	o.pool_base = kPoolBase;
	o.pool_len = 16;
	o.dns[0] = A(10, 1, 0, 4);
	o.cert = g.world.server.chain_path;
	o.key = g.world.server.key_path;
	o.roots_dir = g.roots;
	o.workers = g.nw;
	o.max_sessions = 256;
	o.mem_mb = 512;
	o.file_prefix = prefix;
	o.eal_argc = 1;
	o.eal_argv = eal_extra;
	if (sgw_engine_create(&o, &g.e, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_worker: engine: %s\n", err);
		return false;
	}
	uint16_t id;
	rte_ether_addr mac;
	for (Side *s : { &g.out, &g.in }) {
		if (rte_eth_dev_get_port_by_name(s == &g.out ? kOutName : kInName, &id) != 0 ||
		    rte_eth_macaddr_get(id, &mac) != 0)
			return false;
		memcpy(s->mac, mac.addr_bytes, 6);
	}
	g.mp = rte_pktmbuf_pool_create("bench_gen", kGenMbufs, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
	return g.mp != nullptr && sgw_engine_start(g.e) == 0;
}

void register_all()
{
	static const struct { const char *name; Mode m; } modes[] = {
		{ "rx", RX }, { "tx", TX }, { "both", BOTH } };

	for (const auto &md : modes) {
		for (long n : { 1L, 64L }) {
			if (g.nw > 1 && n == 1)
				continue;      // one call keeps one worker busy
			for (long len : { 64L, 512L, 1400L }) {
				std::string name = std::string(md.name) + "/workers:" +
						   std::to_string(g.nw);
				benchmark::RegisterBenchmark(name.c_str(), BM_worker, md.m)
					->Args({ n, len })->ArgNames({ "sessions", "bytes" })
					->UseManualTime()->MinTime(0.3)
					->Unit(benchmark::kMicrosecond);
			}
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	// The engine prints to stdout (ready lines, stats): send C stdio there to
	// stderr and keep the real stdout for Google Benchmark's report (JSON).
	fflush(stdout);
	int report_fd = dup(STDOUT_FILENO);
	if (report_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return 1;
	__gnu_cxx::stdio_filebuf<char> report(report_fd, std::ios::out);
	std::streambuf *old = std::cout.rdbuf(&report);
	int out = 1;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--workers=", 10) != 0) {
			argv[out++] = argv[i];
			continue;
		}
		long w = strtol(argv[i] + 10, nullptr, 10);
		if (w < 1 || w > 8) {
			fprintf(stderr, "bench_worker: --workers=1..8\n");
			return 1;
		}
		g.nw = static_cast<unsigned>(w);
	}
	argc = out;
	int rc = 1;
	if (!bench_world_up(&g.world, A(10, 64, 0, 1)) || !roots_dir()) {
		fprintf(stderr, "bench_worker: test PKI failed %s\n", g.world.error.c_str());
	} else if (!engine_up()) {
		fprintf(stderr, "bench_worker: engine set-up failed\n");
	} else {
		fprintf(stderr, "bench_worker: %u workers, %u lcores, %ld cores\n", g.nw,
			rte_lcore_count(), sysconf(_SC_NPROCESSORS_ONLN));
		register_all();
		benchmark::Initialize(&argc, argv);
		if (!benchmark::ReportUnrecognizedArguments(argc, argv)) {
			benchmark::RunSpecifiedBenchmarks();
			rc = 0;
		}
		benchmark::Shutdown();
		std::cout.flush();
		sgw_engine_stop(g.e);
	}
	for (auto &c : g.conns)
		tclient_destroy(c->cli);
	std::string run_dir = g.e != nullptr ? rte_eal_get_runtime_dir() : "";
	sgw_engine_destroy(g.e);
	// EAL leaves its runtime directory; the prefix is this process's alone.
	if (DIR *d = run_dir.empty() ? nullptr : opendir(run_dir.c_str())) {
		for (dirent *de; (de = readdir(d)) != nullptr;)
			unlink((run_dir + "/" + de->d_name).c_str());
		closedir(d);
		rmdir(run_dir.c_str());
	}
	if (g.roots[0] != '\0') {
		unlink((std::string(g.roots) + "/root.cer").c_str());
		rmdir(g.roots);
	}
	bench_world_down(&g.world);
	std::cout.rdbuf(old);
	return rc;
}
