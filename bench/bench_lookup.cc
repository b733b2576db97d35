// SPDX-License-Identifier: BSD-3-Clause
//
// The two per-packet lookups of a worker, at 10k and 100k sessions:
//
//  1. outer: a TCP segment from the client -> its connection, by 4-tuple.
//     The local address and port are the listener's, so the key is the
//     client's (address, port): tcp_conn_lookup() in dataplane/tcp/
//     tcp_conn.c, a SipHash-2-4 keyed bucket array with index chains, then
//     the connection's app pointer (the worker's struct gw_conn) -> session.
//  2. inner: an IPv4 packet from the VNet -> the session owning its
//     destination address. dataplane/worker.c keeps a flat array by_addr[]
//     indexed by (addr - pool base) of struct gw_conn pointers; it is
//     private to worker.c, so the same arithmetic and bounds check is
//     reproduced here on a struct of the same shape.
//
// Keys are visited in a random order (precomputed, so no RNG in the loop),
// so the caches see what 10k/100k clients spread over time look like.
// Reported: ns per lookup (ns_per_op) and million lookups per second (Mops).
//
//   ./build/bench/bench_lookup
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "dataplane/tcp/tcp.h"
#include "dataplane/tcp/tcp_internal.h"

namespace {

constexpr uint32_t kServer = 0x0a000001;     // 10.0.0.1
constexpr uint32_t kPoolBase = 0xac100000;   // 172.16.0.0/12: the tunnel pool
constexpr size_t kQueries = 1 << 16;         // visited cyclically

// The shape of worker.c's struct gw_conn (the fields a lookup touches and
// what sits around them), so by_addr points at objects of a realistic size.
struct GwConn {
	sgw_tcp_conn *tcp;
	void *sess;
	GwConn *next_free;
	uint64_t next_tick;
	uint32_t peer_addr;
	uint16_t peer_port;
	uint8_t state;
	bool dirty;
	uint32_t addr;
	uint8_t pad[40];
};

void counters(benchmark::State &state)
{
	const double it = static_cast<double>(state.iterations());

	state.counters["ns_per_op"] = benchmark::Counter(it * 1e-9,
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
	state.counters["Mops"] = benchmark::Counter(it / 1e6,
						    benchmark::Counter::kIsRate);
	state.counters["entries"] = static_cast<double>(state.range(0));
}

void *nop_accept(void *, sgw_tcp_conn *) { return nullptr; }
size_t nop_data(void *, void *, const uint8_t *, size_t len, void *) { return len; }
void nop_fin(void *, void *) {}
void nop_closed(void *, void *, const char *) {}
void nop_emit(void *, const sgw_tcp_out *) {}

// A stack holding n connections from distinct random (address, port)
// tuples; tuples[] gets them in insertion order.
sgw_tcp_stack *make_stack(size_t n, std::vector<std::pair<uint32_t, uint16_t>> *tuples)
{
	sgw_tcp_cfg cfg;
	std::mt19937_64 rng(42);

	sgw_tcp_cfg_defaults(&cfg);
	cfg.local_addr = kServer;
	cfg.local_port = 443;
	cfg.max_conns = static_cast<unsigned>(n);
	cfg.syn_queue = 64;
	cfg.max_buffers = 1;       // lookups need no buffers
	cfg.rcv_buf = 4096;
	cfg.snd_buf = 4096;
	for (auto &w : cfg.isn_secret)
		w = static_cast<uint32_t>(rng());
	cfg.emit = nop_emit;
	cfg.on_accept = nop_accept;
	cfg.on_data = nop_data;
	cfg.on_fin = nop_fin;
	cfg.on_closed = nop_closed;
	sgw_tcp_stack *st = sgw_tcp_create(&cfg);
	if (st == nullptr)
		return nullptr;
	while (tuples->size() < n) {
		// Clients behind a few /16s, any ephemeral port.
		uint32_t a = 0x64400000u + static_cast<uint32_t>(rng() % (1u << 20));
		uint16_t p = static_cast<uint16_t>(1024 + rng() % 64000);
		if (tcp_conn_lookup(st, a, p) != nullptr)
			continue;
		if (tcp_conn_alloc(st, a, p) == nullptr)
			break;
		tuples->emplace_back(a, p);
	}
	return st;
}

std::vector<uint32_t> shuffled_indices(size_t n)
{
	std::vector<uint32_t> q(kQueries);
	std::mt19937 rng(7);

	for (size_t i = 0; i < q.size(); i++)
		q[i] = static_cast<uint32_t>(rng() % n);
	return q;
}

void BM_tcp_tuple(benchmark::State &state, bool hit)
{
	const size_t n = static_cast<size_t>(state.range(0));
	std::vector<std::pair<uint32_t, uint16_t>> tuples;
	std::vector<GwConn> apps(n);
	sgw_tcp_stack *st = make_stack(n, &tuples);

	if (st == nullptr || tuples.size() != n) {
		state.SkipWithError("stack setup failed");
		sgw_tcp_destroy(st);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sgw_tcp_conn *c = tcp_conn_lookup(st, tuples[i].first, tuples[i].second);
		c->app = &apps[i];
		apps[i].tcp = c;
		apps[i].sess = &apps[i];
	}
	std::vector<uint32_t> q = shuffled_indices(n);
	std::vector<std::pair<uint32_t, uint16_t>> keys(kQueries);
	for (size_t i = 0; i < kQueries; i++) {
		keys[i] = tuples[q[i]];
		if (!hit)
			keys[i].second ^= 0x8000; // same host, another port: absent
	}
	size_t i = 0, found = 0;
	for (auto _ : state) {
		const auto &k = keys[i++ & (kQueries - 1)];
		sgw_tcp_conn *c = tcp_conn_lookup(st, k.first, k.second);
		void *sess = c != nullptr ? static_cast<GwConn *>(c->app)->sess : nullptr;
		found += sess != nullptr;
		benchmark::DoNotOptimize(sess);
	}
	if (hit && found != i)
		state.SkipWithError("a present tuple was not found");
	counters(state);
	// The apps are ours: forget them before the stack says goodbye.
	sgw_tcp_destroy(st);
}

void BM_inner_addr(benchmark::State &state)
{
	const size_t n = static_cast<size_t>(state.range(0));
	// The pool is as large as the session count (a full pool), addresses
	// handed out in a shuffled order, one GwConn each.
	std::vector<GwConn> conns(n);
	std::vector<GwConn *> by_addr(n + 1, nullptr);
	std::vector<uint32_t> order(n);
	std::mt19937 rng(3);

	for (size_t i = 0; i < n; i++)
		order[i] = static_cast<uint32_t>(i);
	std::shuffle(order.begin(), order.end(), rng);
	for (size_t i = 0; i < n; i++) {
		conns[i].addr = kPoolBase + order[i];
		conns[i].sess = &conns[i];
		by_addr[order[i]] = &conns[i];
	}
	std::vector<uint32_t> q = shuffled_indices(n);
	for (auto &v : q)
		v += kPoolBase;
	const uint32_t slots = static_cast<uint32_t>(n);
	size_t i = 0, found = 0;
	for (auto _ : state) {
		// worker.c addr_slot(): off = addr - pool_base, bounds-checked.
		uint32_t off = q[i++ & (kQueries - 1)] - kPoolBase;
		GwConn *c = off < slots ? by_addr[off] : nullptr;
		void *sess = c != nullptr ? c->sess : nullptr;
		found += sess != nullptr;
		benchmark::DoNotOptimize(sess);
	}
	if (found != i)
		state.SkipWithError("a pool address was not found");
	counters(state);
}

BENCHMARK_CAPTURE(BM_tcp_tuple, hit, true)->Arg(10000)->Arg(100000);
BENCHMARK_CAPTURE(BM_tcp_tuple, miss, false)->Arg(10000)->Arg(100000);
BENCHMARK(BM_inner_addr)->Arg(10000)->Arg(100000);

} // namespace

BENCHMARK_MAIN();
