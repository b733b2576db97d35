/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS key derivations: RFC 8448 section 3 (Simple 1-RTT Handshake) traffic
 * keys; HKDF-Expand-Label and KeyUpdate against a naive HMAC reference of
 * RFC 5869 / RFC 8446 7.1; the TLS 1.2 key block against a naive P_hash
 * (RFC 5246 5) that is itself checked against the published P_SHA256 vector.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/tls_kdf.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s != '\0') {
		unsigned v;

		if (*s == ' ') {
			s++;
			continue;
		}
		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* ---- RFC 8448 section 3 ---- */

struct traffic_case {
	const char *name, *secret, *key, *iv;
};

static const struct traffic_case rfc8448[] = {
	{ "client handshake",
	  "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21",
	  "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01",
	  "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f" },
	{ "server handshake",
	  "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38",
	  "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc",
	  "5d 31 3e b2 67 12 76 ee 13 00 0b 30" },
	{ "client application",
	  "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5",
	  "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
	  "5b 78 92 3d ee 08 57 90 33 e5 23 d9" },
	{ "server application",
	  "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43",
	  "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
	  "cf 78 2b 88 dd 83 54 9a ad f1 e9 84" },
};

static void test_rfc8448_traffic_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(rfc8448); i++) {
		uint8_t secret[32], want_key[16], want_iv[12], key[16], iv[12];

		print_message("case %zu: %s\n", i + 1, rfc8448[i].name);
		assert_int_equal(unhex(rfc8448[i].secret, secret, 32), 32);
		assert_int_equal(unhex(rfc8448[i].key, want_key, 16), 16);
		assert_int_equal(unhex(rfc8448[i].iv, want_iv, 12), 12);
		assert_int_equal(sgw_tls13_traffic_keys(SGW_TLS_HASH_SHA256,
				secret, 32, key, 16, iv), 0);
		assert_memory_equal(key, want_key, 16);
		assert_memory_equal(iv, want_iv, 12);
	}
}

/* RFC 8448 3: {server} calculate finished "tls13 finished". */
static void test_rfc8448_finished_label(void **state)
{
	uint8_t secret[32], want[32], out[32];

	(void)state;
	unhex(rfc8448[1].secret, secret, 32);
	unhex("00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8",
	      want, 32);
	assert_int_equal(sgw_tls13_expand_label(SGW_TLS_HASH_SHA256, secret, 32,
			"finished", NULL, 0, out, 32), 0);
	assert_memory_equal(out, want, 32);
}

/* ---- naive references ---- */

static const EVP_MD *md_of(enum sgw_tls_hash h)
{
	return h == SGW_TLS_HASH_SHA256 ? EVP_sha256() : EVP_sha384();
}

static void hmac(enum sgw_tls_hash h, const uint8_t *key, size_t key_len,
		 const uint8_t *msg, size_t msg_len, uint8_t *out)
{
	unsigned out_len = 0;

	assert_non_null(HMAC(md_of(h), key, (int)key_len, msg, msg_len, out, &out_len));
	assert_int_equal(out_len, sgw_tls_hash_len(h));
}

/* RFC 5869 2.3, T(i) = HMAC(PRK, T(i-1) || info || i), written out. */
static void ref_expand_label(enum sgw_tls_hash h, const uint8_t *prk,
			     size_t prk_len, const char *label,
			     const uint8_t *ctx, size_t ctx_len,
			     uint8_t *out, size_t out_len)
{
	uint8_t info[600], msg[700], t[64];
	size_t hl = sgw_tls_hash_len(h), n = 0, tl = 0, done = 0;

	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + strlen(label));
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, strlen(label));
	n += strlen(label);
	info[n++] = (uint8_t)ctx_len;
	if (ctx_len != 0)
		memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	for (uint8_t i = 1; done < out_len; i++) {
		size_t m = 0, take;

		memcpy(msg, t, tl);
		m = tl;
		memcpy(msg + m, info, n);
		m += n;
		msg[m++] = i;
		hmac(h, prk, prk_len, msg, m, t);
		tl = hl;
		take = out_len - done < hl ? out_len - done : hl;
		memcpy(out + done, t, take);
		done += take;
	}
}

/* RFC 5246 5: P_hash(secret, seed) = HMAC(secret, A(1) || seed) || ... */
static void ref_p_hash(enum sgw_tls_hash h, const uint8_t *secret,
		       size_t secret_len, const uint8_t *seed, size_t seed_len,
		       uint8_t *out, size_t out_len)
{
	uint8_t a[64], msg[64 + 256], t[64];
	size_t hl = sgw_tls_hash_len(h), done = 0;

	hmac(h, secret, secret_len, seed, seed_len, a); /* A(1) */
	while (done < out_len) {
		size_t take = out_len - done < hl ? out_len - done : hl;

		memcpy(msg, a, hl);
		memcpy(msg + hl, seed, seed_len);
		hmac(h, secret, secret_len, msg, hl + seed_len, t);
		memcpy(out + done, t, take);
		done += take;
		hmac(h, secret, secret_len, a, hl, a); /* A(i+1) */
	}
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 31 * i + (i >> 3));
}

struct expand_case {
	enum sgw_tls_hash h;
	const char *label;
	size_t ctx_len, out_len;
};

static const struct expand_case expand_cases[] = {
	{ SGW_TLS_HASH_SHA256, "key", 0, 16 },
	{ SGW_TLS_HASH_SHA256, "c ap traffic", 32, 32 },
	{ SGW_TLS_HASH_SHA256, "multi block", 0, 100 },
	{ SGW_TLS_HASH_SHA384, "key", 0, 32 },
	{ SGW_TLS_HASH_SHA384, "s hs traffic", 48, 48 },
	{ SGW_TLS_HASH_SHA384, "multi block", 255, 200 },
};

static void test_expand_label_ref(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(expand_cases); i++) {
		const struct expand_case *c = &expand_cases[i];
		size_t hl = sgw_tls_hash_len(c->h);
		uint8_t secret[48], ctx[255], got[256], want[256];

		print_message("case %zu: %s/%zu\n", i + 1, c->label, c->out_len);
		fill(secret, hl, (uint8_t)i);
		fill(ctx, c->ctx_len, 0x40);
		ref_expand_label(c->h, secret, hl, c->label, ctx, c->ctx_len,
				 want, c->out_len);
		assert_int_equal(sgw_tls13_expand_label(c->h, secret, hl, c->label,
				 c->ctx_len ? ctx : NULL, c->ctx_len, got,
				 c->out_len), 0);
		assert_memory_equal(got, want, c->out_len);
	}
}

/* RFC 8446 7.2: application_traffic_secret_N+1, twice in a row. */
static void test_update_secret(void **state)
{
	static const enum sgw_tls_hash hs[] = { SGW_TLS_HASH_SHA256, SGW_TLS_HASH_SHA384 };

	(void)state;
	for (size_t i = 0; i < NELEM(hs); i++) {
		size_t hl = sgw_tls_hash_len(hs[i]);
		uint8_t secret[48], want[48], tmp[48];

		fill(secret, hl, 0x11);
		ref_expand_label(hs[i], secret, hl, "traffic upd", NULL, 0, tmp, hl);
		ref_expand_label(hs[i], tmp, hl, "traffic upd", NULL, 0, want, hl);
		assert_int_equal(sgw_tls13_update_secret(hs[i], secret, hl), 0);
		assert_memory_equal(secret, tmp, hl);
		assert_int_equal(sgw_tls13_update_secret(hs[i], secret, hl), 0);
		assert_memory_equal(secret, want, hl);
	}
}

/* The P_SHA256 vector circulated on the IETF TLS list for TLS 1.2. */
static void test_p_hash_reference(void **state)
{
	uint8_t secret[16], seed[10 + 16], want[100], got[100];

	(void)state;
	unhex("9bbe436ba940f017b17652849a71db35", secret, sizeof(secret));
	memcpy(seed, "test label", 10);
	unhex("a0ba9f936cda311827a6f796ffd5198c", seed + 10, 16);
	unhex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
	      "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
	      "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
	      "87347b66", want, sizeof(want));
	ref_p_hash(SGW_TLS_HASH_SHA256, secret, 16, seed, sizeof(seed), got, 100);
	assert_memory_equal(got, want, 100);
}

struct block_case {
	enum sgw_tls_hash h;
	size_t key_len, iv_len;
};

static const struct block_case block_cases[] = {
	{ SGW_TLS_HASH_SHA256, 16, 4 },  /* ECDHE-*-AES128-GCM-SHA256 */
	{ SGW_TLS_HASH_SHA384, 32, 4 },  /* ECDHE-*-AES256-GCM-SHA384 */
	{ SGW_TLS_HASH_SHA256, 32, 4 },
	{ SGW_TLS_HASH_SHA256, 32, 12 }, /* ECDHE-*-CHACHA20-POLY1305 (RFC 7905) */
};

static void test_tls12_key_block(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(block_cases); i++) {
		const struct block_case *c = &block_cases[i];
		uint8_t master[48], cr[32], sr[32], seed[13 + 64], block[88];
		uint8_t ck[32], sk[32], cs[12], ss[12];
		size_t kl = c->key_len, il = c->iv_len;

		print_message("case %zu: key_len %zu\n", i + 1, kl);
		fill(master, 48, 0xa0 + (uint8_t)i);
		fill(cr, 32, 0x01);
		fill(sr, 32, 0x80);
		memcpy(seed, "key expansion", 13);
		memcpy(seed + 13, sr, 32);
		memcpy(seed + 45, cr, 32);
		ref_p_hash(c->h, master, 48, seed, sizeof(seed), block, 2 * kl + 2 * il);
		assert_int_equal(sgw_tls12_key_block(c->h, master, 48, cr, sr, kl, il,
						     ck, sk, cs, ss), 0);
		assert_memory_equal(ck, block, kl);
		assert_memory_equal(sk, block + kl, kl);
		assert_memory_equal(cs, block + 2 * kl, il);
		assert_memory_equal(ss, block + 2 * kl + il, il);
	}
}

static void test_bad_args(void **state)
{
	uint8_t s[48] = { 1 }, out[64], key[32], iv[12], c[12], d[12];
	char long_label[260];

	(void)state;
	memset(long_label, 'a', sizeof(long_label) - 1);
	long_label[sizeof(long_label) - 1] = '\0';
	assert_int_equal(sgw_tls_hash_len((enum sgw_tls_hash)5), 0);
	assert_int_equal(sgw_tls13_expand_label((enum sgw_tls_hash)5, s, 32,
			 "key", NULL, 0, out, 16), -EINVAL);
	assert_int_equal(sgw_tls13_expand_label(SGW_TLS_HASH_SHA256, s, 32,
			 "key", NULL, 0, out, 0), -EINVAL);
	assert_int_equal(sgw_tls13_expand_label(SGW_TLS_HASH_SHA256, s, 32,
			 long_label, NULL, 0, out, 16), -EINVAL);
	assert_int_equal(sgw_tls13_expand_label(SGW_TLS_HASH_SHA256, s, 32,
			 "key", NULL, 5, out, 16), -EINVAL);
	assert_int_equal(sgw_tls13_expand_label(SGW_TLS_HASH_SHA256, s, 32,
			 "key", s, 256, out, 16), -EINVAL);
	assert_int_equal(sgw_tls13_expand_label(SGW_TLS_HASH_SHA256, NULL, 32,
			 "key", NULL, 0, out, 16), -EINVAL);
	assert_int_equal(sgw_tls13_traffic_keys(SGW_TLS_HASH_SHA256, s, 32,
			 key, 24, iv), -EINVAL);
	assert_int_equal(sgw_tls13_update_secret(SGW_TLS_HASH_SHA384, s, 32), -EINVAL);
	assert_int_equal(sgw_tls12_key_block(SGW_TLS_HASH_SHA256, s, 48, s, s, 20, 4,
					     key, key, c, d), -EINVAL);
	assert_int_equal(sgw_tls12_key_block(SGW_TLS_HASH_SHA256, s, 48, s, s, 16, 8,
					     key, key, c, d), -EINVAL);
	assert_int_equal(sgw_tls12_key_block(SGW_TLS_HASH_SHA256, NULL, 48, s, s,
					     16, 4, key, key, c, d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8448_traffic_keys),
		cmocka_unit_test(test_rfc8448_finished_label),
		cmocka_unit_test(test_expand_label_ref),
		cmocka_unit_test(test_update_secret),
		cmocka_unit_test(test_p_hash_reference),
		cmocka_unit_test(test_tls12_key_block),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
