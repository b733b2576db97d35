/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD backends: known-answer vectors (McGrew-Viega GCM test cases, RFC 8439
 * 2.8.2) through every available backend, contiguous, as segment lists and
 * out of place (pieces in, contiguous out); tampering; out of place against
 * in place at every cut of interest; and a randomised differential test EVP
 * vs ipsec-mb. The cryptodev backend needs EAL, so it is not in this unit
 * suite (bench_record runs it and checks every open).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aead.h"

enum {
	MAX_BUF = 2048 + 64,
	MAX_SEGS = 8,
	DIFF_MAX_LEN = 2048,
};

static const enum sgw_aead_backend all_backends[] = {
	SGW_AEAD_BACKEND_EVP,
	SGW_AEAD_BACKEND_IPSEC_MB,
};

static const enum sgw_aead_alg all_algs[] = {
	SGW_AEAD_AES_128_GCM,
	SGW_AEAD_AES_256_GCM,
	SGW_AEAD_CHACHA20_POLY1305,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s[0] != '\0' && s[1] != '\0') {
		unsigned v;

		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	assert_int_equal(s[0], '\0');
	return n;
}

struct kat {
	const char *name;
	enum sgw_aead_alg alg;
	const char *key, *iv, *aad, *pt, *ct, *tag;
};

#define GCM_K3 "feffe9928665731c6d6a8f9467308308"
#define GCM_IV3 "cafebabefacedbaddecaf888"
#define GCM_P3 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_A4 "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_C3 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" \
	       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM_C15 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
		"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
#define Z16 "00000000000000000000000000000000"
#define Z12 "000000000000000000000000"

/* McGrew & Viega, "The Galois/Counter Mode of Operation", appendix B, test
 * cases 1-4 and 13-16; RFC 8439 2.8.2. */
static const struct kat kats[] = {
	{ "gcm tc1", SGW_AEAD_AES_128_GCM, Z16, Z12, "", "", "",
	  "58e2fccefa7e3061367f1d57a4e7455a" },
	{ "gcm tc2", SGW_AEAD_AES_128_GCM, Z16, Z12, "", Z16,
	  "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf" },
	{ "gcm tc3", SGW_AEAD_AES_128_GCM, GCM_K3, GCM_IV3, "", GCM_P3 "1aafd255",
	  GCM_C3 "473f5985", "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ "gcm tc4 (aad)", SGW_AEAD_AES_128_GCM, GCM_K3, GCM_IV3, GCM_A4, GCM_P3,
	  GCM_C3, "5bc94fbc3221a5db94fae95ae7121a47" },
	{ "gcm tc13", SGW_AEAD_AES_256_GCM, Z16 Z16, Z12, "", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "gcm tc14", SGW_AEAD_AES_256_GCM, Z16 Z16, Z12, "", Z16,
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "gcm tc15", SGW_AEAD_AES_256_GCM, GCM_K3 GCM_K3, GCM_IV3, "",
	  GCM_P3 "1aafd255", GCM_C15 "898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "gcm tc16 (aad)", SGW_AEAD_AES_256_GCM, GCM_K3 GCM_K3, GCM_IV3, GCM_A4,
	  GCM_P3, GCM_C15, "76fc6ece0f4e1768cddf8853bb2d551b" },
	{ "rfc8439 2.8.2", SGW_AEAD_CHACHA20_POLY1305,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	  "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
	  /* "Ladies and Gentlemen of the class of '99: ..." */
	  "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	  "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	  "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	  "637265656e20776f756c642062652069742e",
	  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	  "3ff4def08e4b7a9de576d26586cec64b6116",
	  "1ae10b594f09e26a7e902ecbd0600691" },
};

struct kat_bytes {
	uint8_t key[32], iv[12], aad[64], pt[MAX_BUF], ct[MAX_BUF], tag[16];
	size_t key_len, aad_len, len;
};

static void load(const struct kat *k, struct kat_bytes *b)
{
	b->key_len = unhex(k->key, b->key, sizeof(b->key));
	assert_int_equal(unhex(k->iv, b->iv, sizeof(b->iv)), 12);
	b->aad_len = unhex(k->aad, b->aad, sizeof(b->aad));
	b->len = unhex(k->pt, b->pt, sizeof(b->pt));
	assert_int_equal(unhex(k->ct, b->ct, sizeof(b->ct)), b->len);
	assert_int_equal(unhex(k->tag, b->tag, sizeof(b->tag)), 16);
}

/* Split len bytes of buf into three segments, the middle one odd-sized. */
static unsigned split3(uint8_t *buf, size_t len, struct sgw_iov *seg)
{
	size_t a = len / 3, b = len / 3 + (len > 5 ? 5 : 0);

	if (a + b > len)
		b = len - a;
	seg[0] = (struct sgw_iov){ buf, a };
	seg[1] = (struct sgw_iov){ buf + a, b };
	seg[2] = (struct sgw_iov){ buf + a + b, len - a - b };
	return 3;
}

static void kat_one(enum sgw_aead_backend be, const struct kat *k)
{
	struct kat_bytes b;
	uint8_t buf[MAX_BUF], tag[16];
	struct sgw_iov seg[3];
	struct sgw_aead *a;

	load(k, &b);
	a = sgw_aead_create(be, k->alg, b.key, b.key_len);
	assert_non_null(a);
	/* contiguous seal, then open on the same object */
	memcpy(buf, b.pt, b.len);
	assert_int_equal(sgw_aead_seal(a, b.iv, b.aad, b.aad_len, buf, b.len, tag), 0);
	assert_memory_equal(buf, b.ct, b.len);
	assert_memory_equal(tag, b.tag, 16);
	assert_true(sgw_aead_open(a, b.iv, b.aad, b.aad_len, buf, b.len, b.tag));
	assert_memory_equal(buf, b.pt, b.len);
	/* segment list, both ways */
	unsigned n = split3(buf, b.len, seg);
	assert_int_equal(sgw_aead_seal_sgl(a, b.iv, b.aad, b.aad_len, seg, n, tag), 0);
	assert_memory_equal(buf, b.ct, b.len);
	assert_memory_equal(tag, b.tag, 16);
	assert_true(sgw_aead_open_sgl(a, b.iv, b.aad, b.aad_len, seg, n, b.tag));
	assert_memory_equal(buf, b.pt, b.len);
	/* out of place: pieces of the plaintext in, ciphertext out, and back */
	n = split3(b.pt, b.len, seg);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(sgw_aead_seal_to(a, b.iv, b.aad, b.aad_len, seg, n, buf, tag), 0);
	assert_memory_equal(buf, b.ct, b.len);
	assert_memory_equal(tag, b.tag, 16);
	n = split3(b.ct, b.len, seg);
	memset(buf, 0xa5, sizeof(buf));
	assert_true(sgw_aead_open_to(a, b.iv, b.aad, b.aad_len, seg, n, buf, b.tag));
	assert_memory_equal(buf, b.pt, b.len);
	sgw_aead_destroy(a);
}

static void test_kat(void **state)
{
	(void)state;
	for (size_t bi = 0; bi < NELEM(all_backends); bi++) {
		for (size_t i = 0; i < NELEM(kats); i++) {
			if (!sgw_aead_backend_available(all_backends[bi], kats[i].alg))
				continue;
			print_message("case %zu %s: %s\n", i + 1, kats[i].name,
				      sgw_aead_backend_name(all_backends[bi]));
			kat_one(all_backends[bi], &kats[i]);
		}
	}
}

/* EVP is the baseline every build must have. */
static void test_evp_always(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(all_algs); i++)
		assert_true(sgw_aead_backend_available(SGW_AEAD_BACKEND_EVP,
						       all_algs[i]));
#ifndef SGW_HAVE_IPSEC_MB
	assert_false(sgw_aead_backend_available(SGW_AEAD_BACKEND_IPSEC_MB,
						SGW_AEAD_AES_128_GCM));
#endif
}

enum tamper {
	TAMPER_TAG,
	TAMPER_CT,
	TAMPER_AAD,
	TAMPER_IV,
};

static void tamper_one(enum sgw_aead_backend be, const struct kat *k,
		       enum tamper t)
{
	struct kat_bytes b;
	uint8_t buf[MAX_BUF], aad[64];
	struct sgw_iov seg[3];
	struct sgw_aead *a;

	load(k, &b);
	if (t == TAMPER_CT && b.len == 0)
		return;
	if (t == TAMPER_AAD && b.aad_len == 0)
		return;
	a = sgw_aead_create(be, k->alg, b.key, b.key_len);
	assert_non_null(a);
	memcpy(buf, b.ct, b.len);
	memcpy(aad, b.aad, b.aad_len);
	switch (t) {
	case TAMPER_TAG: b.tag[15] ^= 0x01; break;
	case TAMPER_CT: buf[b.len / 2] ^= 0x80; break;
	case TAMPER_AAD: aad[b.aad_len - 1] ^= 0x20; break;
	case TAMPER_IV: b.iv[11] ^= 0x01; break;
	}
	assert_false(sgw_aead_open(a, b.iv, aad, b.aad_len, buf, b.len, b.tag));
	if (t == TAMPER_CT)
		b.ct[b.len / 2] ^= 0x80;
	unsigned n = split3(b.ct, b.len, seg);
	assert_false(sgw_aead_open_to(a, b.iv, aad, b.aad_len, seg, n, buf, b.tag));
	n = split3(buf, b.len, seg);
	memcpy(buf, b.ct, b.len);
	assert_false(sgw_aead_open_sgl(a, b.iv, aad, b.aad_len, seg, n, b.tag));
	sgw_aead_destroy(a);
}

static void test_tamper(void **state)
{
	(void)state;
	for (size_t bi = 0; bi < NELEM(all_backends); bi++)
		for (size_t i = 0; i < NELEM(kats); i++)
			for (int t = TAMPER_TAG; t <= TAMPER_IV; t++)
				if (sgw_aead_backend_available(all_backends[bi],
							       kats[i].alg))
					tamper_one(all_backends[bi], &kats[i],
						   (enum tamper)t);
}

static void test_bad_args(void **state)
{
	uint8_t key[32] = { 1 }, iv[12] = { 0 }, tag[16], buf[16] = { 0 };
	struct sgw_aead *a;

	(void)state;
	assert_null(sgw_aead_create(SGW_AEAD_BACKEND_EVP, SGW_AEAD_AES_128_GCM, key, 32));
	assert_null(sgw_aead_create(SGW_AEAD_BACKEND_EVP, SGW_AEAD_AES_256_GCM, key, 16));
	assert_null(sgw_aead_create(SGW_AEAD_BACKEND_EVP, SGW_AEAD_AES_128_GCM, NULL, 16));
	assert_null(sgw_aead_create((enum sgw_aead_backend)7, SGW_AEAD_AES_128_GCM, key, 16));
	assert_null(sgw_aead_create(SGW_AEAD_BACKEND_EVP, (enum sgw_aead_alg)9, key, 16));
	assert_int_equal(sgw_aead_key_len((enum sgw_aead_alg)9), 0);
	assert_string_equal(sgw_aead_alg_name(SGW_AEAD_CHACHA20_POLY1305),
			    "chacha20-poly1305");
	assert_string_equal(sgw_aead_backend_name(SGW_AEAD_BACKEND_IPSEC_MB), "ipsec-mb");
	sgw_aead_destroy(NULL);
	a = sgw_aead_create(SGW_AEAD_BACKEND_EVP, SGW_AEAD_AES_128_GCM, key, 16);
	assert_non_null(a);
	assert_int_equal(sgw_aead_seal(a, iv, NULL, 4, buf, 16, tag), -EINVAL);
	assert_int_equal(sgw_aead_seal(a, iv, NULL, 0, NULL, 4, tag), -EINVAL);
	assert_int_equal(sgw_aead_seal_sgl(a, iv, NULL, 0, NULL, 2, tag), -EINVAL);
	assert_false(sgw_aead_open(a, NULL, NULL, 0, buf, 16, tag));
	{
		struct sgw_iov bad = { NULL, 4 }, ok = { buf, 16 };

		assert_int_equal(sgw_aead_seal_to(a, iv, NULL, 0, &ok, 1, NULL, tag), -EINVAL);
		assert_int_equal(sgw_aead_seal_to(a, iv, NULL, 0, NULL, 1, buf, tag), -EINVAL);
		assert_int_equal(sgw_aead_seal_to(a, iv, NULL, 0, &bad, 1, buf, tag), -EINVAL);
		assert_int_equal(sgw_aead_seal_to(a, NULL, NULL, 0, &ok, 1, buf, tag), -EINVAL);
		assert_false(sgw_aead_open_to(a, iv, NULL, 0, &ok, 1, NULL, tag));
		assert_false(sgw_aead_open_to(a, iv, NULL, 0, &bad, 1, buf, tag));
		assert_false(sgw_aead_open_to(a, iv, NULL, 4, &ok, 1, buf, tag));
		assert_false(sgw_aead_open_to(NULL, iv, NULL, 0, &ok, 1, buf, tag));
		/* no pieces at all: the empty message */
		assert_int_equal(sgw_aead_seal_to(a, iv, NULL, 0, NULL, 0, buf, tag), 0);
		assert_true(sgw_aead_open_to(a, iv, NULL, 0, NULL, 0, buf, tag));
	}
	/* empty plaintext and AAD given as NULL are fine */
	assert_int_equal(sgw_aead_seal(a, iv, NULL, 0, NULL, 0, tag), 0);
	assert_true(sgw_aead_open(a, iv, NULL, 0, NULL, 0, tag));
	sgw_aead_destroy(a);
}

/* ---- randomised differential: EVP vs ipsec-mb ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible, good enough to pick lengths and bytes */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Random cut points, zero-length segments included. */
static unsigned random_segs(uint8_t *buf, size_t len, struct sgw_iov *seg)
{
	unsigned n = 1 + (unsigned)(rnd() % MAX_SEGS);
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		size_t left = len - off;
		size_t take = i == n - 1 ? left : (left == 0 ? 0 : rnd() % (left + 1));

		seg[i] = (struct sgw_iov){ buf + off, take };
		off += take;
	}
	return n;
}

static void diff_one(struct sgw_aead *ref, struct sgw_aead *mb, size_t len)
{
	uint8_t pt[DIFF_MAX_LEN], c1[DIFF_MAX_LEN], c2[DIFF_MAX_LEN];
	uint8_t iv[12], aad[32], t1[16], t2[16];
	size_t aad_len = rnd() % (sizeof(aad) + 1);
	struct sgw_iov seg[MAX_SEGS];
	unsigned n;

	fill(pt, len);
	fill(iv, sizeof(iv));
	fill(aad, aad_len);
	memcpy(c1, pt, len);
	memcpy(c2, pt, len);
	assert_int_equal(sgw_aead_seal(ref, iv, aad, aad_len, c1, len, t1), 0);
	assert_int_equal(sgw_aead_seal(mb, iv, aad, aad_len, c2, len, t2), 0);
	assert_memory_equal(c1, c2, len);
	assert_memory_equal(t1, t2, 16);
	/* mb seals as a random segment list, EVP opens it as a random list */
	memcpy(c2, pt, len);
	n = random_segs(c2, len, seg);
	assert_int_equal(sgw_aead_seal_sgl(mb, iv, aad, aad_len, seg, n, t2), 0);
	assert_memory_equal(c1, c2, len);
	assert_memory_equal(t1, t2, 16);
	n = random_segs(c2, len, seg);
	assert_true(sgw_aead_open_sgl(ref, iv, aad, aad_len, seg, n, t1));
	assert_memory_equal(c2, pt, len);
	/* and the other way round */
	n = random_segs(c1, len, seg);
	assert_true(sgw_aead_open_sgl(mb, iv, aad, aad_len, seg, n, t1));
	assert_memory_equal(c1, pt, len);
}

static void test_differential(void **state)
{
	uint8_t key[32];
	unsigned algs_run = 0;

	(void)state;
	for (size_t ai = 0; ai < NELEM(all_algs); ai++) {
		enum sgw_aead_alg alg = all_algs[ai];
		struct sgw_aead *ref, *mb;

		if (!sgw_aead_backend_available(SGW_AEAD_BACKEND_IPSEC_MB, alg))
			continue;
		fill(key, sizeof(key));
		ref = sgw_aead_create(SGW_AEAD_BACKEND_EVP, alg, key, sgw_aead_key_len(alg));
		mb = sgw_aead_create(SGW_AEAD_BACKEND_IPSEC_MB, alg, key, sgw_aead_key_len(alg));
		assert_non_null(ref);
		assert_non_null(mb);
		for (size_t len = 0; len <= DIFF_MAX_LEN; len++)
			diff_one(ref, mb, len);
		sgw_aead_destroy(ref);
		sgw_aead_destroy(mb);
		algs_run++;
	}
#ifdef SGW_HAVE_IPSEC_MB
	/* GCM at least must have run when the backend is built in. */
	assert_true(algs_run >= 2);
#else
	(void)algs_run;
	skip();
#endif
}

/* ---- out of place against in place, every cut of interest ---- */

enum {
	OOP_GAP = 32,    /* bytes between pieces: they are not contiguous */
	OOP_MAX_CUTS = 12,
};

static const size_t oop_lens[] = { 0, 1, 15, 16, 17, 63, 64, 65, 255, 1400 };

/* The pieces of msg cut at c[0..ncut) (non-decreasing), each copied into
 * its own place in arena with a guard gap after it. */
static unsigned scatter(const uint8_t *msg, size_t len, const size_t *c,
			unsigned ncut, uint8_t *arena, struct sgw_iov *v)
{
	size_t from = 0, at = 0;

	for (unsigned i = 0; i <= ncut; i++) {
		size_t to = i < ncut ? c[i] : len;

		memcpy(arena + at, msg + from, to - from);
		v[i] = (struct sgw_iov){ arena + at, to - from };
		memset(arena + at + (to - from), 0xee, OOP_GAP);
		at += to - from + OOP_GAP;
		from = to;
	}
	return ncut + 1;
}

/* Cuts of interest in a message of len bytes: both ends, the GCM and
 * ChaCha block edges, a third, the middle, one before the end. */
static unsigned cuts_for(size_t len, size_t *c)
{
	const size_t want[] = { 0, 1, 15, 16, 17, 64, len / 3, len / 2,
				len > 0 ? len - 1 : 0, len };
	unsigned n = 0;

	for (size_t i = 0; i < NELEM(want); i++) {
		bool dup = false;

		for (unsigned j = 0; j < n; j++)
			dup |= c[j] == want[i];
		if (want[i] <= len && !dup && n < OOP_MAX_CUTS)
			c[n++] = want[i];
	}
	return n;
}

struct oop_ref {
	struct sgw_aead *a;
	uint8_t iv[12], aad[13], tag[16];
	const uint8_t *pt, *ct;
	size_t len;
};

/* One cut list: seal_to gives the in-place ciphertext and tag, open_to
 * gives the plaintext back, the pieces are left as they were. */
static void oop_one(const struct oop_ref *r, const size_t *c, unsigned ncut)
{
	static uint8_t arena[MAX_BUF + 4 * OOP_GAP], keep[sizeof(arena)];
	static uint8_t dst[MAX_BUF + 16];
	struct sgw_iov v[4];
	uint8_t tag[16];
	unsigned n = scatter(r->pt, r->len, c, ncut, arena, v);

	memcpy(keep, arena, sizeof(arena));
	memset(dst, 0x5a, sizeof(dst));
	assert_int_equal(sgw_aead_seal_to(r->a, r->iv, r->aad, sizeof(r->aad),
					  v, n, dst, tag), 0);
	assert_memory_equal(dst, r->ct, r->len);
	assert_memory_equal(tag, r->tag, 16);
	assert_int_equal(dst[r->len], 0x5a); /* nothing past the end */
	assert_memory_equal(arena, keep, sizeof(arena));
	n = scatter(r->ct, r->len, c, ncut, arena, v);
	memcpy(keep, arena, sizeof(arena));
	memset(dst, 0x5a, sizeof(dst));
	assert_true(sgw_aead_open_to(r->a, r->iv, r->aad, sizeof(r->aad), v, n,
				     dst, r->tag));
	assert_memory_equal(dst, r->pt, r->len);
	assert_int_equal(dst[r->len], 0x5a);
	assert_memory_equal(arena, keep, sizeof(arena));
}

/* 1 piece, 2 pieces at every cut, 3 pieces at every ordered pair of cuts
 * (equal cuts make empty pieces). Returns the cases run. */
static unsigned oop_splits(const struct oop_ref *r)
{
	size_t cut[OOP_MAX_CUTS], c[2];
	unsigned nc = cuts_for(r->len, cut), cases = 0;

	oop_one(r, NULL, 0);
	for (unsigned i = 0; i < nc; i++) {
		c[0] = cut[i];
		oop_one(r, c, 1);
		for (unsigned j = 0; j < nc; j++) {
			if (cut[j] < cut[i])
				continue;
			c[1] = cut[j];
			oop_one(r, c, 2);
			cases++;
		}
		cases++;
	}
	return cases + 1;
}

/* Tampering caught out of place too: the tag, a ciphertext byte in the
 * last piece, the AAD. */
static void oop_tamper(const struct oop_ref *r)
{
	static uint8_t ct[MAX_BUF], dst[MAX_BUF];
	uint8_t tag[16], aad[13];
	struct sgw_iov v[2] = { { ct, r->len / 2 }, { ct + r->len / 2, r->len - r->len / 2 } };

	memcpy(ct, r->ct, r->len);
	memcpy(tag, r->tag, 16);
	tag[0] ^= 0x40;
	assert_false(sgw_aead_open_to(r->a, r->iv, r->aad, 13, v, 2, dst, tag));
	memcpy(aad, r->aad, 13);
	aad[12] ^= 1;
	assert_false(sgw_aead_open_to(r->a, r->iv, aad, 13, v, 2, dst, r->tag));
	if (r->len == 0)
		return;
	ct[r->len - 1] ^= 0x01;
	assert_false(sgw_aead_open_to(r->a, r->iv, r->aad, 13, v, 2, dst, r->tag));
}

static void test_out_of_place(void **state)
{
	static uint8_t pt[MAX_BUF], ct[MAX_BUF];
	unsigned cases = 0;

	(void)state;
	for (size_t bi = 0; bi < NELEM(all_backends); bi++)
	for (size_t ai = 0; ai < NELEM(all_algs); ai++) {
		enum sgw_aead_alg alg = all_algs[ai];
		struct oop_ref r = { .pt = pt, .ct = ct };
		uint8_t key[32];

		if (!sgw_aead_backend_available(all_backends[bi], alg))
			continue;
		fill(key, sizeof(key));
		r.a = sgw_aead_create(all_backends[bi], alg, key, sgw_aead_key_len(alg));
		assert_non_null(r.a);
		for (size_t li = 0; li < NELEM(oop_lens); li++) {
			r.len = oop_lens[li];
			fill(pt, r.len);
			fill(r.iv, sizeof(r.iv));
			fill(r.aad, sizeof(r.aad));
			memcpy(ct, pt, r.len);
			assert_int_equal(sgw_aead_seal(r.a, r.iv, r.aad, sizeof(r.aad),
						       ct, r.len, r.tag), 0);
			cases += oop_splits(&r);
			oop_tamper(&r);
		}
		sgw_aead_destroy(r.a);
	}
	print_message("%u out-of-place splits\n", cases);
	assert_true(cases > 500);
}

/* A piece already at its own place in dst is processed in place (the
 * in-place record layer relies on it); the others are read from outside:
 * 200 bytes in place, 7 more after them from elsewhere. */
static void test_out_of_place_alias(void **state)
{
	enum { HEAD = 200, ALL = 207 };
	uint8_t key[32], iv[12], pt[ALL], ct[ALL], buf[ALL + 1], tag[16], tag2[16];
	unsigned runs = 0;

	(void)state;
	for (size_t bi = 0; bi < NELEM(all_backends); bi++)
	for (size_t ai = 0; ai < NELEM(all_algs); ai++) {
		enum sgw_aead_alg alg = all_algs[ai];
		struct sgw_aead *a;

		if (!sgw_aead_backend_available(all_backends[bi], alg))
			continue;
		fill(key, sizeof(key));
		fill(iv, sizeof(iv));
		fill(pt, ALL);
		a = sgw_aead_create(all_backends[bi], alg, key, sgw_aead_key_len(alg));
		assert_non_null(a);
		memcpy(ct, pt, ALL);
		assert_int_equal(sgw_aead_seal(a, iv, NULL, 0, ct, ALL, tag), 0);
		memcpy(buf, pt, HEAD);
		struct sgw_iov s[2] = { { buf, HEAD }, { pt + HEAD, ALL - HEAD } };
		assert_int_equal(sgw_aead_seal_to(a, iv, NULL, 0, s, 2, buf, tag2), 0);
		assert_memory_equal(buf, ct, ALL);
		assert_memory_equal(tag2, tag, 16);
		memcpy(buf, ct, HEAD);
		struct sgw_iov o[2] = { { buf, HEAD }, { ct + HEAD, ALL - HEAD } };
		assert_true(sgw_aead_open_to(a, iv, NULL, 0, o, 2, buf, tag));
		assert_memory_equal(buf, pt, ALL);
		sgw_aead_destroy(a);
		runs++;
	}
	assert_true(runs >= 3); /* EVP, all three algorithms at least */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evp_always),
		cmocka_unit_test(test_kat),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_out_of_place),
		cmocka_unit_test(test_out_of_place_alias),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
