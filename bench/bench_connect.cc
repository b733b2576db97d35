// SPDX-License-Identifier: BSD-3-Clause
//
// Connects per second, as tests/test_session.c runs a call: the test client
// (tests/support/sstp_client.c) against dataplane/session.c in one process,
// moving bytes both ways until the client is UP: outer TLS, HTTP, SSTP,
// PPP LCP, EAP-TLS (client certificate checked against the trust store),
// crypto binding, IPCP, address from control/pool.c; then both are
// destroyed (the address goes back).
//
// Next to it, on the same core, the two server handshakes alone:
//   tls_handshake     sgw_tls_conn (the outer TLS server) against the same
//                     client until the handshake is done and keys exported
//   eaptls_handshake  sgw_eaptls (EAP-TLS server, verify_client) against the
//                     test EAP-TLS peer (tests/support/eaptls_peer.c)
//
// Only the server's work is timed (UseManualTime: the thread CPU time spent
// inside the server calls: create, input, output, destroy), because the
// client runs in the same thread and is not part of a gateway's cost;
// wall_us_per_op says what client + server took together. Server certificate: ECDSA P-256;
// client certificate: ECDSA P-256, issued by the trusted root.
//
// The target (issue #5): the SSTP/PPP/binding work around the two
// handshakes costs at most 20% of them:
//   ratio = connect_rate / (1 / (t_tls + t_eaptls)) >= 0.80
// BM_connect reports ratio and target as counters when the handshake
// benches of the same configuration ran before it in this process (they
// are registered first), and main() prints one line per configuration.
//
// Configurations: outer TLS 1.3 with EAP-TLS 1.2 (what Debian's sstpc +
// pppd 2.4.9 negotiate by default) and with EAP-TLS 1.3.
//
//   ./build/bench/bench_connect
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "control/pool.h"
#include "crypto/eaptls.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "dataplane/session.h"
#include "tests/support/eaptls_peer.h"
#include "tests/support/sstp_client.h"
extern "C" {
#include "tests/support/testpki.h"
#include "bench/bench_world.h"
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t A(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

constexpr uint32_t kTunnel = A(172, 16, 201, 1);
constexpr int kPumpRounds = 400;
constexpr double kTarget = 0.80;

// One PKI and server configuration for the whole process.
struct World : BenchWorld {
	sgw_pool *pool = nullptr;
	bool ok = false;
};

World *g_world;

int pool_alloc(void *ctx, const char *, uint32_t *addr)
{
	return sgw_pool_alloc(static_cast<sgw_pool *>(ctx), 0, addr);
}

void pool_free(void *ctx, uint32_t addr)
{
	(void)sgw_pool_free(static_cast<sgw_pool *>(ctx), addr);
}

void to_vnet(void *, sgw_session *, const uint8_t *, size_t) {}

bool world_up(World *w)
{
	if (!bench_world_up(w, kTunnel))
		return false;
	w->pool = sgw_pool_create(A(172, 16, 201, 0), 24, 1);
	if (w->pool == nullptr || sgw_pool_exclude(w->pool, kTunnel) != 0)
		return false;
	w->env.addr_alloc = pool_alloc;
	w->env.addr_free = pool_free;
	w->env.pool_ctx = w->pool;
	w->env.to_vnet = to_vnet;
	return true;
}

void world_down(World *w)
{
	sgw_pool_destroy(w->pool);
	bench_world_down(w);
}

struct Config {
	const char *name;
	uint16_t eap_tls_max;
};

const Config kConfigs[] = {
	{ "tls13_eap12", 0x0303 },
	{ "tls13_eap13", 0x0304 },
};

// Server ns per op of the last completed run, by "<bench>/<config>".
std::map<std::string, double> g_server_ns;

tclient *make_client(uint16_t eap_max)
{
	tclient_cfg cfg = {};

	cfg.tls_min = 0x0304; // the outer TLS of every configuration is 1.3
	cfg.tls_max = 0x0304;
	cfg.eap_tls_max = eap_max;
	cfg.ca_file = g_world->root.cert_path;
	cfg.cert_file = g_world->client.cert_path;
	cfg.key_file = g_world->client.key_path;
	cfg.identity = "client1";
	return tclient_create(&cfg);
}

// Times only what runs inside the server, in thread CPU time: the machine
// may be shared, and preemption must not count as server work. The cost of
// the two clock reads (calibrated at start) is taken off each call.
double g_clock_read_s = 0;

double thread_cpu_s()
{
	timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void calibrate_clock()
{
	constexpr int kN = 20000;
	double t0 = thread_cpu_s(), sink = 0;

	for (int i = 0; i < kN; i++)
		sink += thread_cpu_s() - thread_cpu_s();
	benchmark::DoNotOptimize(sink);
	// A timed interval holds about one read's worth of the two reads.
	g_clock_read_s = (thread_cpu_s() - t0) / kN / 2;
}

struct ServerTimer {
	double total = 0;
	template <typename F> auto operator()(F f) -> decltype(f())
	{
		struct Add {
			ServerTimer *t;
			double t0;
			~Add()
			{
				double d = thread_cpu_s() - t0 - g_clock_read_s;
				t->total += d > 0 ? d : 0;
			}
		} add{ this, thread_cpu_s() };
		calls++;
		return f();
	}
	double seconds() const { return total; }
	unsigned long calls = 0;
};

void finish(benchmark::State &state, const std::string &key, double server_s,
	    double wall_s, unsigned long calls)
{
	const double it = static_cast<double>(state.iterations());

	if (it == 0)
		return;
	double ns = server_s * 1e9 / it;
	state.counters["server_us_per_op"] = ns / 1e3;
	state.counters["ops_per_s"] = 1e9 / ns;
	state.counters["wall_us_per_op"] = wall_s * 1e6 / it;
	state.counters["server_calls_per_op"] = static_cast<double>(calls) / it;
	g_server_ns[key] = ns;
}

// ---- the full connect ----

bool pump(sgw_session *s, tclient *c, ServerTimer &t, std::vector<uint8_t> &buf)
{
	for (int i = 0; i < kPumpRounds; i++) {
		size_t a = tclient_output(c, buf.data(), buf.size()), b;

		if (a > 0)
			(void)t([&] { return sgw_session_input(s, buf.data(), a, 1000); });
		b = t([&] { return sgw_session_output(s, buf.data(), buf.size()); });
		if (b > 0)
			(void)tclient_input(c, buf.data(), b);
		if (a == 0 && b == 0)
			return true;
	}
	return false;
}

void BM_connect(benchmark::State &state, Config cfg)
{
	std::vector<uint8_t> buf(1 << 16);
	ServerTimer t;
	auto w0 = Clock::now();

	if (!g_world->ok) {
		state.SkipWithError(("setup failed: " + g_world->error).c_str());
		return;
	}
	for (auto _ : state) {
		auto before = t.total;
		tclient *c = make_client(cfg.eap_tls_max);
		sgw_session *s = t([&] { return sgw_session_create(&g_world->env, 1000); });
		bool ok = c != nullptr && s != nullptr && pump(s, c, t, buf) &&
			  tclient_state(c) == TCLIENT_UP &&
			  sgw_session_phase(s) == SGW_SESSION_ESTABLISHED;
		if (!ok) {
			std::string why = c == nullptr ? "client create failed" :
				std::string("client ") + tclient_state_str(tclient_state(c)) +
				" (" + tclient_error(c) + ")";
			state.SkipWithError(why.c_str());
		}
		t([&] { sgw_session_destroy(s); return 0; });
		tclient_destroy(c);
		state.SetIterationTime(t.total - before);
		if (!ok)
			break;
	}
	double wall = std::chrono::duration<double>(Clock::now() - w0).count();
	finish(state, std::string("connect/") + cfg.name, t.seconds(), wall, t.calls);
	auto tls = g_server_ns.find(std::string("tls_handshake/") + cfg.name);
	auto eap = g_server_ns.find(std::string("eaptls_handshake/") + cfg.name);
	if (tls != g_server_ns.end() && eap != g_server_ns.end() && state.iterations() > 0) {
		double conn = g_server_ns[std::string("connect/") + cfg.name];
		state.counters["ratio"] = (tls->second + eap->second) / conn;
		state.counters["target"] = kTarget;
	}
}

// ---- the outer TLS handshake alone ----

void BM_tls_handshake(benchmark::State &state, Config cfg)
{
	std::vector<uint8_t> buf(1 << 16);
	ServerTimer t;
	auto w0 = Clock::now();

	if (!g_world->ok) {
		state.SkipWithError("setup failed");
		return;
	}
	for (auto _ : state) {
		auto before = t.total;
		tclient *c = make_client(cfg.eap_tls_max);
		sgw_tls_conn *s = t([&] {
			return sgw_tls_conn_create(g_world->tls, nullptr, nullptr);
		});
		sgw_tls_status st = SGW_TLS_WANT_INPUT;
		for (int i = 0; c != nullptr && s != nullptr && i < kPumpRounds &&
				st == SGW_TLS_WANT_INPUT; i++) {
			size_t a = tclient_output(c, buf.data(), buf.size());
			if (a > 0)
				st = t([&] { return sgw_tls_conn_input(s, buf.data(), a); });
			size_t b = t([&] { return sgw_tls_conn_output(s, buf.data(), buf.size()); });
			if (b > 0)
				(void)tclient_input(c, buf.data(), b);
			if (a == 0 && b == 0)
				break;
		}
		sgw_tls_keys keys;
		bool ok = st == SGW_TLS_DONE &&
			  t([&] { return sgw_tls_conn_export_keys(s, &keys); }) == 0 &&
			  sgw_tls_conn_version(s) == SGW_TLS_VERSION_1_3;
		if (!ok)
			state.SkipWithError("TLS handshake did not complete");
		t([&] { sgw_tls_conn_destroy(s); return 0; });
		tclient_destroy(c);
		state.SetIterationTime(t.total - before);
		if (!ok)
			break;
	}
	double wall = std::chrono::duration<double>(Clock::now() - w0).count();
	finish(state, std::string("tls_handshake/") + cfg.name, t.seconds(), wall, t.calls);
}

// ---- the EAP-TLS handshake alone ----

void BM_eaptls_handshake(benchmark::State &state, Config cfg)
{
	// What the session gives: peer MRU 1500 - 10 (sgw_ppp_auth_ops).
	constexpr size_t kMaxFrag = 1490;
	std::vector<uint8_t> req(4096), resp(4096);
	ServerTimer t;
	auto w0 = Clock::now();

	if (!g_world->ok) {
		state.SkipWithError("setup failed");
		return;
	}
	for (auto _ : state) {
		auto before = t.total;
		eaptls_peer_cfg pc = {};
		pc.cert_file = g_world->client.cert_path;
		pc.key_file = g_world->client.key_path;
		pc.ca_file = g_world->root.cert_path;
		pc.tls_max = cfg.eap_tls_max;
		eaptls_peer *p = eaptls_peer_create(&pc);
		sgw_eaptls *e = t([&] {
			return sgw_eaptls_create(g_world->eap, g_world->trust,
						 g_world->revoked, kMaxFrag);
		});
		size_t n = e != nullptr ? t([&] { return sgw_eaptls_start(e, req.data(), req.size()); }) : 0;
		sgw_eaptls_status st = SGW_EAPTLS_SEND;
		for (int i = 0; p != nullptr && n > 0 && i < kPumpRounds &&
				st == SGW_EAPTLS_SEND; i++) {
			size_t rl = 0;
			if (eaptls_peer_input(p, req.data(), n, resp.data(), resp.size(), &rl) !=
			    EAPTLS_PEER_SEND)
				break;
			st = t([&] {
				return sgw_eaptls_input(e, resp.data(), rl, req.data(),
							req.size(), &n);
			});
		}
		uint8_t msk[SGW_EAP_MSK_LEN], emsk[SGW_EAP_EMSK_LEN];
		bool ok = st == SGW_EAPTLS_SUCCESS &&
			  t([&] { return sgw_eaptls_keys(e, msk, emsk); }) == 0;
		if (!ok)
			state.SkipWithError(e != nullptr ? sgw_eaptls_error(e) : "create failed");
		t([&] { sgw_eaptls_destroy(e); return 0; });
		eaptls_peer_destroy(p);
		state.SetIterationTime(t.total - before);
		if (!ok)
			break;
	}
	double wall = std::chrono::duration<double>(Clock::now() - w0).count();
	finish(state, std::string("eaptls_handshake/") + cfg.name, t.seconds(), wall, t.calls);
}

void register_all()
{
	for (const Config &c : kConfigs) {
		std::string n = c.name;
		benchmark::RegisterBenchmark(("tls_handshake/" + n).c_str(),
					     BM_tls_handshake, c)
			->UseManualTime()->Unit(benchmark::kMicrosecond);
		benchmark::RegisterBenchmark(("eaptls_handshake/" + n).c_str(),
					     BM_eaptls_handshake, c)
			->UseManualTime()->Unit(benchmark::kMicrosecond);
		benchmark::RegisterBenchmark(("connect/" + n).c_str(), BM_connect, c)
			->UseManualTime()->Unit(benchmark::kMicrosecond);
	}
}

void print_ratios()
{
	for (const Config &c : kConfigs) {
		std::string n = c.name;
		auto tls = g_server_ns.find("tls_handshake/" + n);
		auto eap = g_server_ns.find("eaptls_handshake/" + n);
		auto con = g_server_ns.find("connect/" + n);
		if (tls == g_server_ns.end() || eap == g_server_ns.end() ||
		    con == g_server_ns.end())
			continue;
		double ratio = (tls->second + eap->second) / con->second;
		fprintf(stderr,
			"connect %s: %.0f connects/s (server %.1f us), tls %.1f us + "
			"eap-tls %.1f us -> ratio %.3f (target >= %.2f): %s\n",
			c.name, 1e9 / con->second, con->second / 1e3, tls->second / 1e3,
			eap->second / 1e3, ratio, kTarget, ratio >= kTarget ? "ok" : "MISSED");
	}
}

} // namespace

int main(int argc, char **argv)
{
	World w;

	g_world = &w;
	calibrate_clock();
	fprintf(stderr, "bench_connect: thread CPU clock read %.0f ns (taken off each "
		"timed server call)\n", g_clock_read_s * 1e9);
	w.ok = world_up(&w);
	if (!w.ok && w.error.empty())
		w.error = "test PKI or server setup";
	register_all();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	print_ratios();
	world_down(&w);
	return 0;
}
