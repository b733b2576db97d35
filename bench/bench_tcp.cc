// SPDX-License-Identifier: BSD-3-Clause
//
// dataplane/tcp receive path without DPDK, as tests/test_tcp.c drives it:
// segments are written by hand and handed to sgw_tcp_input(), what the stack
// emits is counted (and dropped) by the emit callback. One connection is
// set up by a real handshake (SYN with MSS, SACK-permitted, timestamps,
// window scale; SYN-ACK; ACK) and then fed:
//
//   rx_inorder    full-size in-order segments (1448 bytes of payload behind
//                 a 32-byte header with the timestamp option, as Linux sends
//                 them); the app callback consumes everything. Counters:
//                 Gbit (payload rate), Mpps, ns_per_seg, acks_per_seg.
//   rx_records    the same segments carrying back-to-back TLS records of R
//                 bytes (93: a 64-byte inner packet, 1430: a 1400-byte one,
//                 16406: a full record), which straddle segment boundaries;
//                 the app is a record framer like the session's: whole
//                 records inside a delivered chunk are taken in place, a
//                 record cut by a segment boundary is gathered in a buffer.
//                 Counters add records/s (Mrec).
//   ack_gen       tcp_send_ack() on the established connection: building
//                 one pure ACK (timestamps; SACK blocks when any) and
//                 handing it to emit.
//   checksum      sgw_tcp_checksum over a full-size segment (the worker
//                 checks it before sgw_tcp_input when the NIC does not).
//
// TCP checksums are not written: the stack takes segments whose checksum
// the caller verified (tcp.h).
//
//   ./build/bench/bench_tcp
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "crypto/record.h"
#include "dataplane/wire.h"
#include "dataplane/tcp/tcp.h"
#include "dataplane/tcp/tcp_internal.h"
#include "bench/bench_tcpseg.h"

namespace {

constexpr uint32_t kServer = 0x0a000001, kClient = 0x0a000002;
constexpr uint16_t kClientPort = 40000;
constexpr size_t kHdr = 32;         // 20 + NOP NOP TS
constexpr size_t kMss = 1448;       // 1460 - 12 (timestamps)
constexpr uint64_t kNow = 1000;

// The application end of the connection.
struct App {
	sgw_tcp_conn *conn = nullptr;
	uint64_t bytes = 0;
	// Record framer (rx_records); rec_size 0: plain sink.
	size_t rec_size = 0;
	std::vector<uint8_t> part;  // a record cut by a segment boundary
	size_t part_len = 0;
	uint64_t records = 0, bad = 0;
};

struct Peer {
	sgw_tcp_stack *st = nullptr;
	App app;
	uint64_t emitted = 0;
	uint32_t srv_seq = 0, srv_tsval = 0;
	bool synack = false;
};

void emit(void *ctx, const sgw_tcp_out *o)
{
	auto *p = static_cast<Peer *>(ctx);

	p->emitted++;
	if ((o->hdr[13] & TH_SYN) != 0) {
		tcp_opts opts;

		p->synack = true;
		p->srv_seq = sgw_get32(o->hdr + 4);
		if (tcp_parse_opts(o->hdr + 20, o->hdr_len - 20, true, &opts) &&
		    opts.has_ts)
			p->srv_tsval = opts.tsval;
	}
}

void *on_accept(void *ctx, sgw_tcp_conn *c)
{
	auto *p = static_cast<Peer *>(ctx);

	p->app.conn = c;
	return &p->app;
}

// One delivered chunk: complete records in it are used in place, the head
// of a record that continues in the next segment is kept in part[].
size_t frame_records(App *a, const uint8_t *d, size_t len)
{
	size_t off = 0;

	if (a->part_len > 0) {
		size_t need = a->rec_size - a->part_len;
		size_t k = std::min(need, len);

		memcpy(a->part.data() + a->part_len, d, k);
		a->part_len += k;
		off = k;
		if (a->part_len < a->rec_size)
			return len;
		a->records += sgw_record_length(a->part.data(), a->part_len) ==
			      static_cast<long>(a->rec_size);
		a->part_len = 0;
	}
	while (len - off >= a->rec_size) {
		long n = sgw_record_length(d + off, len - off);
		if (n != static_cast<long>(a->rec_size)) {
			a->bad++;
			return len;
		}
		a->records++;
		off += a->rec_size;
	}
	memcpy(a->part.data(), d + off, len - off);
	a->part_len = len - off;
	return len;
}

size_t on_data(void *, void *app, const uint8_t *d, size_t len, void *)
{
	auto *a = static_cast<App *>(app);

	a->bytes += len;
	if (a->rec_size == 0) {
		benchmark::DoNotOptimize(d[len - 1]);
		return len;
	}
	return frame_records(a, d, len);
}

void on_fin(void *, void *) {}
void on_closed(void *ctx, void *, const char *)
{
	static_cast<Peer *>(ctx)->app.conn = nullptr;
}

// Client header: ports, seq, ack, data offset and flags, window; options
// follow at +20 and are the caller's.
void header(uint8_t *h, size_t hdr_len, uint32_t seq, uint32_t ack, uint8_t flags)
{
	bench_tcp_header(h, hdr_len, kClientPort, seq, ack, flags);
}

void ts_opt(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	bench_ts_opt(o, tsval, tsecr);
}

void input(Peer *p, const uint8_t *seg, size_t len)
{
	sgw_tcp_seg s = { kClient, kServer, seg, len };

	sgw_tcp_input(p->st, &s, kNow);
}

constexpr uint32_t kClientIsn = 0x10000000, kTsval = 5000;

// Stack + one ESTABLISHED connection. Returns false if the handshake failed.
bool connect(Peer *p)
{
	sgw_tcp_cfg cfg;
	uint8_t syn[40];

	sgw_tcp_cfg_defaults(&cfg);
	cfg.local_addr = kServer;
	cfg.local_port = 443;
	cfg.max_conns = 16;
	cfg.syn_queue = 8;
	cfg.isn_secret[0] = 0x01234567;
	cfg.isn_secret[1] = 0x89abcdef;
	cfg.emit = emit;
	cfg.on_accept = on_accept;
	cfg.on_data = on_data;
	cfg.on_fin = on_fin;
	cfg.on_closed = on_closed;
	cfg.ctx = p;
	p->st = sgw_tcp_create(&cfg);
	if (p->st == nullptr)
		return false;
	header(syn, sizeof(syn), kClientIsn, 0, TH_SYN);
	// MSS 1460, SACK-permitted, window scale 7, NOP, timestamps: 20 bytes.
	static const uint8_t opts[] = { TCPOPT_MSS, 4, 0x05, 0xb4, TCPOPT_SACK_PERM, 2,
					TCPOPT_WSCALE, 3, 7, TCPOPT_NOP,
					TCPOPT_TIMESTAMP, 10 };
	memcpy(syn + 20, opts, sizeof(opts));
	sgw_put32(syn + 32, kTsval);
	sgw_put32(syn + 36, 0);
	input(p, syn, sizeof(syn));
	if (!p->synack)
		return false;
	uint8_t ack[kHdr];
	header(ack, kHdr, kClientIsn + 1, p->srv_seq + 1, TH_ACK);
	ts_opt(ack + 20, kTsval, p->srv_tsval);
	input(p, ack, sizeof(ack));
	return p->app.conn != nullptr;
}

// A data segment template at seg[]: patch seq per use.
void data_segment(const Peer &p, std::vector<uint8_t> *seg)
{
	seg->assign(kHdr + kMss, 0x17);
	header(seg->data(), kHdr, kClientIsn + 1, p.srv_seq + 1, TH_ACK | TH_PSH);
	ts_opt(seg->data() + 20, kTsval, p.srv_tsval);
}

void counters(benchmark::State &state, const Peer &p)
{
	const double it = static_cast<double>(state.iterations());

	state.SetBytesProcessed(static_cast<int64_t>(p.app.bytes));
	state.counters["Gbit"] = benchmark::Counter(static_cast<double>(p.app.bytes) * 8 / 1e9,
						    benchmark::Counter::kIsRate);
	state.counters["Mpps"] = benchmark::Counter(it / 1e6, benchmark::Counter::kIsRate);
	state.counters["ns_per_seg"] = benchmark::Counter(it * 1e-9,
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
	state.counters["acks_per_seg"] = it > 0 ? static_cast<double>(p.emitted) / it : 0;
}

void BM_rx_inorder(benchmark::State &state)
{
	Peer p;
	std::vector<uint8_t> seg;

	if (!connect(&p)) {
		state.SkipWithError("handshake failed");
		sgw_tcp_destroy(p.st);
		return;
	}
	data_segment(p, &seg);
	uint32_t seq = kClientIsn + 1;
	p.emitted = 0;
	for (auto _ : state) {
		sgw_put32(seg.data() + 4, seq);
		input(&p, seg.data(), seg.size());
		seq += kMss;
	}
	if (p.app.bytes != static_cast<uint64_t>(state.iterations()) * kMss)
		state.SkipWithError("not every byte was delivered");
	counters(state, p);
	sgw_tcp_destroy(p.st);
}

// The client's byte stream: records of rec bytes back to back (a valid
// application_data header, the body is filler), cut into kMss segments.
void BM_rx_records(benchmark::State &state)
{
	const size_t rec = static_cast<size_t>(state.range(0));
	Peer p;
	std::vector<uint8_t> seg;

	if (!connect(&p)) {
		state.SkipWithError("handshake failed");
		sgw_tcp_destroy(p.st);
		return;
	}
	p.app.rec_size = rec;
	p.app.part.resize(rec);
	data_segment(p, &seg);
	// One period of the stream: lcm-free, just long enough that every
	// segment cut lands somewhere new; the stream position wraps on rec.
	std::vector<uint8_t> stream(rec * 64);
	for (size_t r = 0; r < 64; r++) {
		uint8_t *h = &stream[r * rec];
		memset(h, 0x42, rec);
		h[0] = SGW_TLS_CT_APPLICATION_DATA;
		h[1] = 0x03;
		h[2] = 0x03;
		sgw_put16(h + 3, static_cast<uint32_t>(rec - 5));
	}
	uint32_t seq = kClientIsn + 1;
	size_t pos = 0;
	p.emitted = 0;
	for (auto _ : state) {
		// Payload copy is the NIC's job: outside the stack, but it is
		// a real cost of the straddling stream, so it is kept small:
		// one memcpy from the pre-built stream.
		size_t k = std::min(kMss, stream.size() - pos);
		memcpy(seg.data() + kHdr, &stream[pos], k);
		if (k < kMss)
			memcpy(seg.data() + kHdr + k, stream.data(), kMss - k);
		pos = (pos + kMss) % stream.size();
		sgw_put32(seg.data() + 4, seq);
		input(&p, seg.data(), seg.size());
		seq += kMss;
	}
	if (p.app.bad != 0)
		state.SkipWithError("the framer lost record sync");
	counters(state, p);
	state.counters["Mrec"] = benchmark::Counter(static_cast<double>(p.app.records) / 1e6,
						    benchmark::Counter::kIsRate);
	sgw_tcp_destroy(p.st);
}

void BM_ack_gen(benchmark::State &state)
{
	Peer p;

	if (!connect(&p)) {
		state.SkipWithError("handshake failed");
		sgw_tcp_destroy(p.st);
		return;
	}
	p.emitted = 0;
	for (auto _ : state)
		tcp_send_ack(p.app.conn);
	if (p.emitted != static_cast<uint64_t>(state.iterations()))
		state.SkipWithError("not one ACK per call");
	state.counters["ns_per_ack"] = benchmark::Counter(
		static_cast<double>(state.iterations()) * 1e-9,
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
	state.counters["Mpps"] = benchmark::Counter(
		static_cast<double>(state.iterations()) / 1e6, benchmark::Counter::kIsRate);
	sgw_tcp_destroy(p.st);
}

void BM_checksum(benchmark::State &state)
{
	std::vector<uint8_t> seg(kHdr + kMss, 0x5a);

	for (auto _ : state) {
		uint16_t c = sgw_tcp_checksum(kClient, kServer, seg.data(), seg.size());
		benchmark::DoNotOptimize(c);
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * seg.size()));
}

BENCHMARK(BM_rx_inorder);
BENCHMARK(BM_rx_records)->Arg(93)->Arg(1430)->Arg(16406);
BENCHMARK(BM_ack_gen);
BENCHMARK(BM_checksum);

} // namespace

BENCHMARK_MAIN();
