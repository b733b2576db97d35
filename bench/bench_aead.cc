// SPDX-License-Identifier: BSD-3-Clause
//
// sgw_aead_seal / sgw_aead_open per backend x algorithm x record size, in
// place, with a 13-byte AAD (the TLS 1.2 shape; TLS 1.3 uses 5). Bytes/s is
// reported, and the per-iteration time is the ns per record.
//
//   meson compile -C build bench && ./build/bench/bench_aead
//   ./build/bench/bench_aead --benchmark_filter=/1400
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/aead.h"

namespace {

constexpr std::array<sgw_aead_backend, 2> kBackends = {
	SGW_AEAD_BACKEND_EVP,
	SGW_AEAD_BACKEND_IPSEC_MB,
};

constexpr std::array<sgw_aead_alg, 3> kAlgs = {
	SGW_AEAD_AES_128_GCM,
	SGW_AEAD_AES_256_GCM,
	SGW_AEAD_CHACHA20_POLY1305,
};

constexpr std::array<int64_t, 6> kSizes = { 64, 256, 512, 1400, 4096, 16384 };

struct Fixture {
	sgw_aead *aead = nullptr;
	std::vector<uint8_t> buf;
	uint8_t iv[12] = { 0 };
	uint8_t aad[13] = { 0 };
	uint8_t tag[16] = { 0 };

	Fixture(sgw_aead_backend b, sgw_aead_alg alg, size_t len) : buf(len)
	{
		uint8_t key[32];

		for (size_t i = 0; i < sizeof(key); i++)
			key[i] = static_cast<uint8_t>(i * 13 + 1);
		for (size_t i = 0; i < len; i++)
			buf[i] = static_cast<uint8_t>(i);
		aead = sgw_aead_create(b, alg, key, sgw_aead_key_len(alg));
	}
	~Fixture() { sgw_aead_destroy(aead); }
	Fixture(const Fixture &) = delete;
	Fixture &operator=(const Fixture &) = delete;
};

void BM_seal(benchmark::State &state, sgw_aead_backend b, sgw_aead_alg alg)
{
	Fixture f(b, alg, static_cast<size_t>(state.range(0)));
	uint64_t seq = 0;

	if (f.aead == nullptr) {
		state.SkipWithError("create failed");
		return;
	}
	for (auto _ : state) {
		f.iv[11] = static_cast<uint8_t>(++seq); // a fresh nonce each time
		int rc = sgw_aead_seal(f.aead, f.iv, f.aad, sizeof(f.aad),
				       f.buf.data(), f.buf.size(), f.tag);
		benchmark::DoNotOptimize(rc);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				state.range(0));
}

// Open re-verifies one sealed record; open is in place, so each iteration
// decrypts the previous output (the tag then fails, which costs the same:
// the whole record is still decrypted and authenticated). The first call is
// checked to verify, so a broken open cannot pass for a fast one.
void BM_open(benchmark::State &state, sgw_aead_backend b, sgw_aead_alg alg)
{
	Fixture f(b, alg, static_cast<size_t>(state.range(0)));

	if (f.aead == nullptr) {
		state.SkipWithError("create failed");
		return;
	}
	std::vector<uint8_t> sealed(f.buf);
	if (sgw_aead_seal(f.aead, f.iv, f.aad, sizeof(f.aad), sealed.data(),
			  sealed.size(), f.tag) != 0) {
		state.SkipWithError("seal failed");
		return;
	}
	f.buf = sealed;
	if (!sgw_aead_open(f.aead, f.iv, f.aad, sizeof(f.aad), f.buf.data(),
			   f.buf.size(), f.tag)) {
		state.SkipWithError("open did not verify");
		return;
	}
	for (auto _ : state) {
		bool ok = sgw_aead_open(f.aead, f.iv, f.aad, sizeof(f.aad),
					f.buf.data(), f.buf.size(), f.tag);
		benchmark::DoNotOptimize(ok);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
				state.range(0));
}

int Register()
{
	for (auto b : kBackends) {
		for (auto alg : kAlgs) {
			if (!sgw_aead_backend_available(b, alg))
				continue;
			std::string tail = std::string(sgw_aead_backend_name(b)) +
					   "/" + sgw_aead_alg_name(alg);
			auto *s = benchmark::RegisterBenchmark(
				("seal/" + tail).c_str(), BM_seal, b, alg);
			auto *o = benchmark::RegisterBenchmark(
				("open/" + tail).c_str(), BM_open, b, alg);
			for (auto size : kSizes) {
				s->Arg(size);
				o->Arg(size);
			}
		}
	}
	return 0;
}

const int registered = Register();

} // namespace

BENCHMARK_MAIN();
