// SPDX-License-Identifier: BSD-3-Clause
//
// The data-plane TLS record layer (crypto/record.h): sgw_record_seal and
// sgw_record_open of one application_data record, in place, and their
// scatter-gather forms sgw_record_seal_from (the plaintext in 2 pieces: an
// 8-byte header and the packet, from separate buffers) and
// sgw_record_open_to (the record in 2 pieces cut in the middle, like a
// record straddling two TCP segments, opened into a separate buffer), per
// AEAD backend x suite x plaintext size. The backends are OpenSSL EVP, intel-ipsec-mb
// (direct API) and DPDK cryptodev CPU crypto (crypto/aead_cryptodev.c on a
// crypto_aesni_gcm vdev, AES-GCM only). For the last one this program starts
// EAL itself (--no-huge --no-pci -m 256 --vdev crypto_aesni_gcm0); when EAL
// or the vdev is missing those cases say "skipped" and the rest run.
//
// Reported: bytes/s (plaintext), Gbit (a rate: Gbit/s), and ns per record
// (ns_per_rec, also the per-iteration time).
//
//   meson compile -C build bench && ./build/bench/bench_record
//   ./build/bench/bench_record --benchmark_filter='open/.*/tls13-aes-128-gcm/1400'
//
// Open needs records sealed by the peer under consecutive sequence numbers,
// and opening decrypts them in place. So a batch of records is sealed once
// by a client-side sgw_record; before each batch (timer paused) the server
// record is re-created at sequence 0 and the batch is copied back; then the
// batch is opened with the timer running. Every open must return SGW_REC_OK
// (a failure stops the case), so a broken open cannot pass for a fast one.
// open_to only reads its pieces, so its batch is never copied back.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sched.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "crypto/aead.h"
#include "crypto/record.h"

#ifdef SGW_HAVE_CRYPTODEV
#include <rte_eal.h>
#endif

namespace {

constexpr uint8_t kAppData = SGW_TLS_CT_APPLICATION_DATA;

const sgw_aead_backend kBackends[] = {
	SGW_AEAD_BACKEND_EVP,
	SGW_AEAD_BACKEND_IPSEC_MB,
	SGW_AEAD_BACKEND_CRYPTODEV,
};

struct Suite {
	const char *name;
	sgw_tls_version version;
	sgw_aead_alg alg;
};

const Suite kSuites[] = {
	{ "tls13-aes-128-gcm", SGW_TLS_VERSION_1_3, SGW_AEAD_AES_128_GCM },
	{ "tls13-aes-256-gcm", SGW_TLS_VERSION_1_3, SGW_AEAD_AES_256_GCM },
	{ "tls13-chacha20-poly1305", SGW_TLS_VERSION_1_3, SGW_AEAD_CHACHA20_POLY1305 },
	{ "tls12-aes-256-gcm", SGW_TLS_VERSION_1_2, SGW_AEAD_AES_256_GCM },
};

const int64_t kSizes[] = { 64, 256, 512, 1024, 1400, 4096, 8192, 16384 };

bool g_eal_up = false;

void fill_dir(sgw_tls_dir_keys *d, uint8_t salt, size_t secret_len)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < sizeof(d->key); i++)
		d->key[i] = static_cast<uint8_t>(i * 7 + salt);
	for (size_t i = 0; i < sizeof(d->iv); i++)
		d->iv[i] = static_cast<uint8_t>(i * 3 + salt + 1);
	d->secret_len = static_cast<uint8_t>(secret_len);
	for (size_t i = 0; i < d->secret_len; i++)
		d->secret[i] = static_cast<uint8_t>(i + salt);
}

// Server keys, and the client's view (directions swapped).
void make_keys(const Suite &s, sgw_tls_keys *srv, sgw_tls_keys *cli)
{
	memset(srv, 0, sizeof(*srv));
	srv->version = s.version;
	srv->alg = s.alg;
	// The AES-256 suites hash with SHA-384 (TLS_AES_256_GCM_SHA384).
	srv->hash = s.alg == SGW_AEAD_AES_256_GCM ? SGW_TLS_HASH_SHA384 :
						      SGW_TLS_HASH_SHA256;
	fill_dir(&srv->rx, 0x10, sgw_tls_hash_len(srv->hash));
	fill_dir(&srv->tx, 0x40, sgw_tls_hash_len(srv->hash));
	*cli = *srv;
	cli->rx = srv->tx;
	cli->tx = srv->rx;
}

void counters(benchmark::State &state, int64_t size)
{
	const double it = static_cast<double>(state.iterations());

	state.SetBytesProcessed(state.iterations() * size);
	state.counters["Gbit"] = benchmark::Counter(it * size * 8 / 1e9,
						      benchmark::Counter::kIsRate);
	state.counters["ns_per_rec"] = benchmark::Counter(it * 1e-9,
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

bool skip_unavailable(benchmark::State &state, sgw_aead_backend b,
		      sgw_aead_alg alg)
{
	if (sgw_aead_backend_available(b, alg))
		return false;
	state.SkipWithError(b == SGW_AEAD_BACKEND_CRYPTODEV && !g_eal_up ?
			    "skipped: EAL/crypto_aesni_gcm vdev not available" :
			    "skipped: backend not available");
	return true;
}

void BM_seal(benchmark::State &state, sgw_aead_backend b, Suite s)
{
	const size_t len = static_cast<size_t>(state.range(0));
	sgw_tls_keys k, ck;

	if (skip_unavailable(state, b, s.alg))
		return;
	make_keys(s, &k, &ck);
	sgw_record *r = sgw_record_create(b, &k);
	if (r == nullptr) {
		state.SkipWithError("sgw_record_create failed");
		return;
	}
	const size_t head = sgw_record_headroom(r);
	std::vector<uint8_t> buf(head + len + sgw_record_tailroom(r));
	for (size_t i = 0; i < len; i++)
		buf[head + i] = static_cast<uint8_t>(i);
	for (auto _ : state) {
		size_t n = sgw_record_seal(r, kAppData, buf.data(), len);
		if (n == 0) {
			state.SkipWithError("seal failed");
			break;
		}
		benchmark::DoNotOptimize(n);
		benchmark::ClobberMemory();
	}
	counters(state, state.range(0));
	sgw_record_destroy(r);
}

// Records per batch: about 256 KiB of them, at least 16.
size_t batch_for(size_t len)
{
	size_t n = (256u << 10) / (len + 64);

	return n < 16 ? 16 : n;
}

void BM_open(benchmark::State &state, sgw_aead_backend b, Suite s)
{
	const size_t len = static_cast<size_t>(state.range(0));
	const size_t nb = batch_for(len);
	sgw_tls_keys k, ck;

	if (skip_unavailable(state, b, s.alg))
		return;
	make_keys(s, &k, &ck);
	// The client seals with EVP: the backend under test only opens.
	sgw_record *cli = sgw_record_create(SGW_AEAD_BACKEND_EVP, &ck);
	if (cli == nullptr) {
		state.SkipWithError("client sgw_record_create failed");
		return;
	}
	const size_t head = sgw_record_headroom(cli);
	const size_t stride = head + len + sgw_record_tailroom(cli);
	std::vector<uint8_t> pristine(stride * nb), work(stride * nb);
	std::vector<size_t> rec_len(nb);
	for (size_t r = 0; r < nb; r++) {
		uint8_t *p = &pristine[r * stride];

		for (size_t i = 0; i < len; i++)
			p[head + i] = static_cast<uint8_t>(i + r);
		rec_len[r] = sgw_record_seal(cli, kAppData, p, len);
	}
	sgw_record_destroy(cli);
	if (rec_len[0] == 0) {
		state.SkipWithError("client seal failed");
		return;
	}

	sgw_record *srv = nullptr;
	size_t next = nb;
	for (auto _ : state) {
		if (next == nb) {
			state.PauseTiming();
			sgw_record_destroy(srv);
			srv = sgw_record_create(b, &k);
			memcpy(work.data(), pristine.data(), work.size());
			next = 0;
			state.ResumeTiming();
			if (srv == nullptr) {
				state.SkipWithError("sgw_record_create failed");
				break;
			}
		}
		uint8_t *plain = nullptr, alert = 0;
		size_t plain_len = 0;
		sgw_record_status st = sgw_record_open(srv, &work[next * stride],
			rec_len[next], &plain, &plain_len, &alert);
		if (st != SGW_REC_OK || plain_len != len) {
			state.SkipWithError("open did not verify");
			break;
		}
		benchmark::DoNotOptimize(plain);
		next++;
	}
	counters(state, state.range(0));
	sgw_record_destroy(srv);
}

// The plaintext as an 8-byte header (PPP/SSTP framing) and the packet,
// each in its own buffer, sealed into a third.
void BM_seal_from(benchmark::State &state, sgw_aead_backend b, Suite s)
{
	const size_t len = static_cast<size_t>(state.range(0));
	const size_t h = len < 8 ? len : 8;
	sgw_tls_keys k, ck;

	if (skip_unavailable(state, b, s.alg))
		return;
	make_keys(s, &k, &ck);
	sgw_record *r = sgw_record_create(b, &k);
	if (r == nullptr) {
		state.SkipWithError("sgw_record_create failed");
		return;
	}
	std::vector<uint8_t> hdr(8), pkt(len), rec(sgw_record_headroom(r) + len +
						 sgw_record_tailroom(r));
	for (size_t i = 0; i < len; i++)
		pkt[i] = static_cast<uint8_t>(i);
	const sgw_iov v[2] = { { hdr.data(), h }, { pkt.data() + h, len - h } };
	for (auto _ : state) {
		size_t n = sgw_record_seal_from(r, kAppData, v, 2, rec.data(), rec.size());
		if (n == 0) {
			state.SkipWithError("seal_from failed");
			break;
		}
		benchmark::DoNotOptimize(n);
		benchmark::ClobberMemory();
	}
	counters(state, state.range(0));
	sgw_record_destroy(r);
}

// Each record cut in the middle into two pieces held in two separate
// arrays (two TCP segments), opened into one destination buffer.
void BM_open_to(benchmark::State &state, sgw_aead_backend b, Suite s)
{
	const size_t len = static_cast<size_t>(state.range(0));
	const size_t nb = batch_for(len);
	sgw_tls_keys k, ck;

	if (skip_unavailable(state, b, s.alg))
		return;
	make_keys(s, &k, &ck);
	sgw_record *cli = sgw_record_create(SGW_AEAD_BACKEND_EVP, &ck);
	if (cli == nullptr) {
		state.SkipWithError("client sgw_record_create failed");
		return;
	}
	const size_t stride = sgw_record_headroom(cli) + len + sgw_record_tailroom(cli);
	std::vector<uint8_t> one(stride), seg1(stride * nb), seg2(stride * nb), dst(stride);
	std::vector<size_t> rec_len(nb);
	for (size_t r = 0; r < nb; r++) {
		for (size_t i = 0; i < len; i++)
			one[sgw_record_headroom(cli) + i] = static_cast<uint8_t>(i + r);
		rec_len[r] = sgw_record_seal(cli, kAppData, one.data(), len);
		memcpy(&seg1[r * stride], one.data(), rec_len[r] / 2);
		memcpy(&seg2[r * stride], one.data() + rec_len[r] / 2,
		       rec_len[r] - rec_len[r] / 2);
	}
	sgw_record_destroy(cli);
	if (rec_len[0] == 0) {
		state.SkipWithError("client seal failed");
		return;
	}

	sgw_record *srv = nullptr;
	size_t next = nb;
	for (auto _ : state) {
		if (next == nb) {
			state.PauseTiming();
			sgw_record_destroy(srv);
			srv = sgw_record_create(b, &k);
			next = 0;
			state.ResumeTiming();
			if (srv == nullptr) {
				state.SkipWithError("sgw_record_create failed");
				break;
			}
		}
		const size_t n = rec_len[next], half = n / 2;
		const sgw_iov v[2] = { { &seg1[next * stride], half },
				       { &seg2[next * stride], n - half } };
		uint8_t *plain = nullptr, alert = 0;
		size_t plain_len = 0;
		sgw_record_status st = sgw_record_open_to(srv, v, 2, n, dst.data(),
			dst.size(), &plain, &plain_len, &alert);
		if (st != SGW_REC_OK || plain_len != len) {
			state.SkipWithError("open_to did not verify");
			break;
		}
		benchmark::DoNotOptimize(plain);
		next++;
	}
	counters(state, state.range(0));
	sgw_record_destroy(srv);
}

void register_all()
{
	for (const Suite &s : kSuites) {
		for (sgw_aead_backend b : kBackends) {
			// Unavailable pairs still register (and say skipped), so
			// the JSON shows what was not measured and why.
			if (b == SGW_AEAD_BACKEND_CRYPTODEV &&
			    s.alg == SGW_AEAD_CHACHA20_POLY1305)
				continue; // crypto_aesni_gcm: AES-GCM only
			std::string tail = std::string(sgw_aead_backend_name(b)) +
					   "/" + s.name;
			auto *se = benchmark::RegisterBenchmark(
				("seal/" + tail).c_str(), BM_seal, b, s);
			auto *op = benchmark::RegisterBenchmark(
				("open/" + tail).c_str(), BM_open, b, s);
			auto *sf = benchmark::RegisterBenchmark(
				("seal_from/" + tail).c_str(), BM_seal_from, b, s);
			auto *ot = benchmark::RegisterBenchmark(
				("open_to/" + tail).c_str(), BM_open_to, b, s);
			for (int64_t size : kSizes) {
				se->Arg(size);
				op->Arg(size);
				sf->Arg(size);
				ot->Arg(size);
			}
		}
	}
}

// EAL for the cryptodev backend: no hugepages, no PCI, one software crypto
// vdev, a private file prefix. EAL pins the calling thread to its main
// lcore; the previous affinity is restored so this bench behaves like the
// others. Failure is not fatal: the cryptodev cases report skipped.
void eal_up()
{
#ifdef SGW_HAVE_CRYPTODEV
	cpu_set_t before;
	char prefix[64], lcore[32];
	int cpu = sched_getcpu();

	snprintf(prefix, sizeof(prefix), "--file-prefix=bench-%d", (int)getpid());
	snprintf(lcore, sizeof(lcore), "%d", cpu < 0 ? 0 : cpu);
	const char *args[] = {
		"bench_record", "--no-huge", "--no-pci", "-m", "256",
		"--vdev", "crypto_aesni_gcm0", prefix, "--no-telemetry",
		"--log-level=lib.eal:error", "-l", lcore,
	};
	char *argv[sizeof(args) / sizeof(args[0])];
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		argv[i] = const_cast<char *>(args[i]);
	bool have_mask = sched_getaffinity(0, sizeof(before), &before) == 0;
	if (rte_eal_init(static_cast<int>(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "bench_record: EAL init failed: cryptodev cases skipped\n");
		return;
	}
	if (have_mask)
		(void)sched_setaffinity(0, sizeof(before), &before);
	g_eal_up = true;
	if (!sgw_aead_backend_available(SGW_AEAD_BACKEND_CRYPTODEV,
					SGW_AEAD_AES_128_GCM))
		fprintf(stderr, "bench_record: no crypto_aesni_gcm device: "
				"cryptodev cases skipped\n");
#endif
}

void eal_down()
{
#ifdef SGW_HAVE_CRYPTODEV
	if (g_eal_up)
		(void)rte_eal_cleanup();
#endif
}

} // namespace

int main(int argc, char **argv)
{
	eal_up();
	register_all();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	eal_down();
	return 0;
}
