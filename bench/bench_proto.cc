// SPDX-License-Identifier: BSD-3-Clause
//
// The per-packet protocol work around an inner IPv4 packet, through the
// public functions dataplane/session.c uses, for 64, 512 and 1400-byte
// inner packets (TLS excluded: see bench_record):
//
//   sstp_decap   sgw_sstp_frame_len + sgw_sstp_input of an SSTP data packet
//                on a call in state Call_Connected (EV_PPP, zero copy)
//   ppp_decap    sgw_ppp_input of the PPP frame on an opened IPCP
//                (EV_IPV4 after the protocol and source checks); "full"
//                is FF 03 00 21, "acfc" the frame without address/control
//                (accepted on receive), "pfc" a 1-byte protocol field: we
//                reject PFC in LCP, so that frame is counted and dropped
//                (the cost of the drop path)
//   decap        both, as a client->VNet packet goes through them
//   ppp_encap    sgw_ppp_ipv4_encap: FF 03 00 21 into the headroom
//   sstp_encap   sgw_sstp_data_hdr: the 4-byte SSTP header
//   encap        both, as a VNet->client packet goes through them
//
// The PPP object is brought to the network phase by a real exchange (LCP,
// EAP with a stand-in authenticator that succeeds at once, IPCP), the SSTP
// state machine by CALL_CONNECT_REQUEST, CALL_CONNECTED and a verified
// binding. Every decap checks its event, so a refused packet cannot pass
// for a fast one. Reported: ns per packet (ns_per_pkt), Mpps, Gbit (rate,
// of inner bytes).
//
//   ./build/bench/bench_proto
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/ppp.h"
#include "dataplane/sgw_limits.h"
#include "dataplane/sstp.h"

namespace {

constexpr uint32_t kClientAddr = 0x0a000002;  // what the pool gives
constexpr uint32_t kLocalAddr = 0x0a000001;
constexpr uint64_t kNow = 1000;
constexpr size_t kHeadroom = 64;

// ---- PPP up to the network phase ----

struct PppHarness {
	sgw_ppp *p = nullptr;
	uint8_t lcp_req[256];
	size_t lcp_req_len = 0;
	uint8_t eap_id = 0, ipcp_id = 0;
	bool lcp_ack_sent = false, ipcp_ack_sent = false;
};

void cap_send(void *ctx, const uint8_t *f, size_t len)
{
	auto *h = static_cast<PppHarness *>(ctx);

	if (len < 8 || f[0] != 0xff || f[1] != 0x03)
		return;
	uint16_t proto = static_cast<uint16_t>(f[2] << 8 | f[3]);
	if (proto == 0xc021 && f[4] == 1 && len <= sizeof(h->lcp_req)) {
		memcpy(h->lcp_req, f, len);
		h->lcp_req_len = len;
	}
	if (proto == 0xc021 && f[4] == 2)
		h->lcp_ack_sent = true;
	if (proto == 0xc227 && f[4] == 1)
		h->eap_id = f[5];
	if (proto == 0x8021 && f[4] == 1)
		h->ipcp_id = f[5];
	if (proto == 0x8021 && f[4] == 2)
		h->ipcp_ack_sent = true;
}

int fake_alloc(void *, const char *, uint32_t *addr)
{
	*addr = kClientAddr;
	return 0;
}
void fake_free(void *, uint32_t) {}

// The stand-in authenticator: Start, then success on the first response.
void *fa_create(void *ctx, size_t) { return ctx; }
void fa_destroy(void *) {}
size_t fa_start(void *, uint8_t *out, size_t cap)
{
	if (cap < 1)
		return 0;
	out[0] = 0x20; // EAP-TLS Start (RFC 5216 3.1)
	return 1;
}
sgw_eaptls_status fa_input(void *, const uint8_t *, size_t, uint8_t *, size_t,
			   size_t *out_len)
{
	*out_len = 0;
	return SGW_EAPTLS_SUCCESS;
}
int fa_keys(const void *, uint8_t msk[SGW_EAP_MSK_LEN],
	    uint8_t emsk[SGW_EAP_EMSK_LEN])
{
	memset(msk, 0x11, SGW_EAP_MSK_LEN);
	memset(emsk, 0x22, SGW_EAP_EMSK_LEN);
	return 0;
}
const sgw_x509_result *fa_peer(const void *) { return nullptr; }
const char *fa_error(const void *) { return ""; }

sgw_ppp_auth_ops make_auth_ops()
{
	sgw_ppp_auth_ops o = {};

	o.create = fa_create;
	o.destroy = fa_destroy;
	o.start = fa_start;
	o.input = fa_input;
	o.keys = fa_keys;
	o.peer = fa_peer;
	o.error = fa_error;
	return o;
}
const sgw_ppp_auth_ops kAuth = make_auth_ops();

// FF 03, protocol, code, id, length, data.
uint32_t feed_cp(PppHarness *h, uint16_t proto, uint8_t code, uint8_t id,
		 const uint8_t *data, size_t n)
{
	uint8_t f[300] = { 0xff, 0x03, static_cast<uint8_t>(proto >> 8),
			   static_cast<uint8_t>(proto), code, id,
			   static_cast<uint8_t>((n + 4) >> 8),
			   static_cast<uint8_t>(n + 4) };

	memcpy(f + 8, data, n);
	return sgw_ppp_input(h->p, f, n + 8, kNow, nullptr);
}

bool ppp_up(PppHarness *h)
{
	sgw_ppp_config cfg = {};

	cfg.mru = 1500;
	cfg.magic = 0x5a5a0001;
	cfg.local_addr = kLocalAddr;
	cfg.addr_alloc = fake_alloc;
	cfg.addr_free = fake_free;
	cfg.send = cap_send;
	cfg.send_ctx = h;
	cfg.auth_ops = &kAuth;
	cfg.auth_ctx = h;
	h->p = sgw_ppp_create(&cfg);
	if (h->p == nullptr)
		return false;
	(void)sgw_ppp_start(h->p, kNow);
	if (h->lcp_req_len < 8)
		return false;
	// Ack our request as sent; ask for MRU 1500 and a magic number.
	(void)feed_cp(h, 0xc021, 2, h->lcp_req[5], h->lcp_req + 8, h->lcp_req_len - 8);
	static const uint8_t lcp_opts[] = { 1, 4, 0x05, 0xdc, 5, 6, 0x12, 0x34, 0x56, 0x78 };
	(void)feed_cp(h, 0xc021, 1, 1, lcp_opts, sizeof(lcp_opts));
	if (!h->lcp_ack_sent || sgw_ppp_phase(h->p) != SGW_PPP_PHASE_AUTHENTICATE)
		return false;
	static const uint8_t ident[] = { 1, 'b', 'e', 'n', 'c', 'h' };
	(void)feed_cp(h, 0xc227, 2, h->eap_id, ident, sizeof(ident));
	static const uint8_t tls[] = { 13, 0x00 };
	uint32_t ev = feed_cp(h, 0xc227, 2, h->eap_id, tls, sizeof(tls));
	if ((ev & SGW_PPP_EV_AUTH_OK) == 0)
		return false;
	static const uint8_t our_addr[] = { 3, 6, 10, 0, 0, 1 };
	(void)feed_cp(h, 0x8021, 2, h->ipcp_id, our_addr, sizeof(our_addr));
	static const uint8_t peer_addr[] = { 3, 6, 10, 0, 0, 2 };
	ev = feed_cp(h, 0x8021, 1, 1, peer_addr, sizeof(peer_addr));
	return h->ipcp_ack_sent && sgw_ppp_phase(h->p) == SGW_PPP_PHASE_NETWORK;
}

// ---- SSTP up to Call_Connected ----

bool sstp_up(sgw_sstp *s, sgw_sstp_out *out)
{
	static const uint8_t req[14] = { 0x10, 0x01, 0x00, 14, 0x00, 0x01, 0x00, 1,
					 0x00, 0x01, 0x00, 0x06, 0x00, 0x01 };
	uint8_t nonce[SGW_SSTP_NONCE_LEN] = { 1 };
	uint8_t cc[112] = { 0x10, 0x01, 0x00, 112, 0x00, 0x04, 0x00, 1,
			    0x00, 0x03, 0x00, 0x68, 0, 0, 0, 0x02 };

	memset(cc + 16, 0x11, 32);
	memset(cc + 48, 0x22, 32);
	memset(cc + 80, 0x33, 32);
	sgw_sstp_init(s, kNow, 3, nonce);
	if (sgw_sstp_input(s, req, sizeof(req), kNow, out) != SGW_SSTP_EV_CONNECT_REQUEST)
		return false;
	if (sgw_sstp_input(s, cc, sizeof(cc), kNow, out) != SGW_SSTP_EV_CALL_CONNECTED)
		return false;
	sgw_sstp_event ev = sgw_sstp_binding_verified(s, true, kNow, out);
	benchmark::DoNotOptimize(ev);
	return sgw_sstp_call_active(s) && s->state == SSTP_SERVER_CALL_CONNECTED;
}

// ---- packets ----

enum class PppForm { Full, Acfc, Pfc };

// An IPv4 packet of len bytes from the client, at buf + off.
void ipv4(uint8_t *p, size_t len)
{
	memset(p, 0xab, len);
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = static_cast<uint8_t>(len >> 8);
	p[3] = static_cast<uint8_t>(len);
	p[8] = 64;
	p[9] = 17;
	for (int i = 0; i < 4; i++) {
		p[12 + i] = static_cast<uint8_t>(kClientAddr >> (24 - 8 * i));
		p[16 + i] = static_cast<uint8_t>(0xc0a80104u >> (24 - 8 * i));
	}
}

// SSTP data packet: header, PPP header in form f, IPv4. Returns its length.
size_t sstp_packet(uint8_t *b, size_t ip_len, PppForm f)
{
	static const uint8_t full[] = { 0xff, 0x03, 0x00, 0x21 };
	static const uint8_t acfc[] = { 0x00, 0x21 };
	static const uint8_t pfc[] = { 0x21 };
	const uint8_t *h = f == PppForm::Full ? full : f == PppForm::Acfc ? acfc : pfc;
	size_t hl = f == PppForm::Full ? 4 : f == PppForm::Acfc ? 2 : 1;

	memcpy(b + SSTP_HDR_LEN, h, hl);
	ipv4(b + SSTP_HDR_LEN + hl, ip_len);
	if (sgw_sstp_data_hdr(b, hl + ip_len) != 0)
		return 0;
	return SSTP_HDR_LEN + hl + ip_len;
}

void counters(benchmark::State &state, int64_t ip_len)
{
	const double it = static_cast<double>(state.iterations());

	state.SetBytesProcessed(state.iterations() * ip_len);
	state.counters["ns_per_pkt"] = benchmark::Counter(it * 1e-9,
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
	state.counters["Mpps"] = benchmark::Counter(it / 1e6, benchmark::Counter::kIsRate);
	state.counters["Gbit"] = benchmark::Counter(it * ip_len * 8 / 1e9,
						    benchmark::Counter::kIsRate);
}

struct World {
	PppHarness ppp;
	sgw_sstp sstp;
	sgw_sstp_out out;
	bool ok = false;

	World() { ok = ppp_up(&ppp) && sstp_up(&sstp, &out); }
	~World() { sgw_ppp_destroy(ppp.p); }
	World(const World &) = delete;
	World &operator=(const World &) = delete;
};

void BM_sstp_decap(benchmark::State &state)
{
	const size_t ip_len = static_cast<size_t>(state.range(0));
	World w;
	std::vector<uint8_t> pkt(SGW_SSTP_MAX_PACKET + 1);
	size_t n = sstp_packet(pkt.data(), ip_len, PppForm::Full);

	if (!w.ok || n == 0) {
		state.SkipWithError("setup failed");
		return;
	}
	for (auto _ : state) {
		int fl = sgw_sstp_frame_len(pkt.data(), n);
		sgw_sstp_event ev = sgw_sstp_input(&w.sstp, pkt.data(),
						   static_cast<size_t>(fl), kNow, &w.out);
		if (ev != SGW_SSTP_EV_PPP) {
			state.SkipWithError("not EV_PPP");
			break;
		}
		benchmark::DoNotOptimize(w.out.ppp);
	}
	counters(state, state.range(0));
}

void BM_ppp_decap(benchmark::State &state, PppForm f)
{
	const size_t ip_len = static_cast<size_t>(state.range(0));
	World w;
	std::vector<uint8_t> pkt(SGW_SSTP_MAX_PACKET + 1);
	size_t n = sstp_packet(pkt.data(), ip_len, f);
	const uint32_t want = f == PppForm::Pfc ? 0 : SGW_PPP_EV_IPV4;

	if (!w.ok || n == 0) {
		state.SkipWithError("setup failed");
		return;
	}
	for (auto _ : state) {
		sgw_ppp_ipv4 ip;
		uint32_t ev = sgw_ppp_input(w.ppp.p, pkt.data() + SSTP_HDR_LEN,
					    n - SSTP_HDR_LEN, kNow, &ip);
		if (ev != want) {
			state.SkipWithError("unexpected PPP event");
			break;
		}
		benchmark::DoNotOptimize(ip);
	}
	counters(state, state.range(0));
}

void BM_decap(benchmark::State &state)
{
	const size_t ip_len = static_cast<size_t>(state.range(0));
	World w;
	std::vector<uint8_t> pkt(SGW_SSTP_MAX_PACKET + 1);
	size_t n = sstp_packet(pkt.data(), ip_len, PppForm::Full);

	if (!w.ok || n == 0) {
		state.SkipWithError("setup failed");
		return;
	}
	for (auto _ : state) {
		int fl = sgw_sstp_frame_len(pkt.data(), n);
		sgw_ppp_ipv4 ip;
		if (sgw_sstp_input(&w.sstp, pkt.data(), static_cast<size_t>(fl), kNow,
				   &w.out) != SGW_SSTP_EV_PPP ||
		    sgw_ppp_input(w.ppp.p, w.out.ppp, w.out.ppp_len, kNow, &ip) !=
			    SGW_PPP_EV_IPV4) {
			state.SkipWithError("decap failed");
			break;
		}
		benchmark::DoNotOptimize(ip);
	}
	counters(state, state.range(0));
}

enum class Encap { Ppp, Sstp, Both };

void BM_encap(benchmark::State &state, Encap e)
{
	const size_t ip_len = static_cast<size_t>(state.range(0));
	World w;
	std::vector<uint8_t> buf(kHeadroom + ip_len);
	uint8_t *ip = buf.data() + kHeadroom;

	if (!w.ok) {
		state.SkipWithError("setup failed");
		return;
	}
	ipv4(ip, ip_len);
	for (auto _ : state) {
		uint8_t *fr = ip - SGW_PPP_ENCAP_LEN;
		if (e != Encap::Sstp && (fr = sgw_ppp_ipv4_encap(w.ppp.p, ip, ip_len)) == nullptr) {
			state.SkipWithError("ppp encap refused");
			break;
		}
		if (e != Encap::Ppp &&
		    sgw_sstp_data_hdr(fr - SSTP_HDR_LEN, ip_len + SGW_PPP_ENCAP_LEN) != 0) {
			state.SkipWithError("sstp header refused");
			break;
		}
		benchmark::DoNotOptimize(fr);
		benchmark::ClobberMemory();
	}
	counters(state, state.range(0));
}

#define SIZES ->Arg(64)->Arg(512)->Arg(1400)
BENCHMARK(BM_sstp_decap) SIZES;
BENCHMARK_CAPTURE(BM_ppp_decap, full, PppForm::Full) SIZES;
BENCHMARK_CAPTURE(BM_ppp_decap, acfc, PppForm::Acfc) SIZES;
BENCHMARK_CAPTURE(BM_ppp_decap, pfc_drop, PppForm::Pfc) SIZES;
BENCHMARK(BM_decap) SIZES;
BENCHMARK_CAPTURE(BM_encap, ppp, Encap::Ppp) SIZES;
BENCHMARK_CAPTURE(BM_encap, sstp, Encap::Sstp) SIZES;
BENCHMARK_CAPTURE(BM_encap, both, Encap::Both) SIZES;

} // namespace

BENCHMARK_MAIN();
