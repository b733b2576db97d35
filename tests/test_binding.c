/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSTP crypto binding: the known-answer vectors of PROTOCOL.md (SHA-1,
 * SHA-256, a Windows EAP-TLS capture), both HLAK layouts, and every verdict.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/binding.h"

struct kat {
	const char *name;
	enum sgw_binding_hash hash;
	const char *key;  /* HLAK as the client computed it */
	const char *msg;  /* 112-byte CALL_CONNECTED, MAC zeroed */
	const char *mac;
};

#define Z8 "0000000000000000"
#define Z32 Z8 Z8 Z8 Z8
#define Z24 "000000000000000000000000"

static const struct kat kats[] = {
	/* 1 */ { "SHA-1", SGW_BINDING_SHA1,
		"4B3128F43925D9006EEFB1C4E86515A1D88E56BAB3CA2BDF0373B7F5A8A13B19",
		"10010070000400010003006800000001"
		"0F1A2D58D4A3E3000FAD3CE4906E07B707AA9E441CCEAC5CBD7B2CC1C9D86CDF"
		"5826B629BDA59B8E6FD8DCD2622FD34C534805A5" Z24 Z32,
		"69915dd583d8062fef16f61db2f03290ec27cb6c" Z24 },
	/* 2 */ { "SHA-256", SGW_BINDING_SHA256,
		"2A1BB40D55AB0F5EF32F06F2B3CC73C48FD3FAC41D7A1315A19228D9024CA164",
		"10010070000400010003006800000002"
		"412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435"
		"7993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D" Z32,
		"52a68efd8cffbf52770b8f0fe8ec73716583af6d611eb6d179b3b20840985449" },
	/* 3 */ { "EAP-TLS Windows 8.1 / Server 2019", SGW_BINDING_SHA256,
		"bb2c17edbaa643b3d511eb9848792b7cab5f5d709fe9bdf89b5deaf5a8c17db7",
		"10010070000400010003006800000002"
		"388a1ecbf302ba02f9f372ce37488ec36b71a28b5e1b19fbe44d5465a631c463"
		"7ff150176fa8e38a1f402d11ff89ff11b66505ad7f9ae81205277ba4a6b9ef9d" Z32,
		"fe6473c7d183914e483fea1b12a6e760a4da16b62fab12a0a1e54e0ec325b24e" },
};
enum { NKATS = sizeof(kats) / sizeof(kats[0]) };

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void unhex(const char *s, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(s), 2 * len);
	for (size_t i = 0; i < len; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		assert_true(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
}

/* The CALL_CONNECTED of a vector with its MAC filled in, and what the server
 * would expect of it with HLAK = MSK[0..31] = key. */
static void load(const struct kat *k, uint8_t msg[112], struct sgw_binding_expect *exp)
{
	uint8_t key[32];

	unhex(k->msg, msg, 112);
	unhex(k->mac, msg + SGW_BINDING_OFF_MAC, 32);
	unhex(k->key, key, 32);
	memset(exp, 0, sizeof(*exp));
	memcpy(exp->nonce, msg + SGW_BINDING_OFF_NONCE, 32);
	exp->hash_bitmask = SGW_BINDING_SHA1 | SGW_BINDING_SHA256;
	if (k->hash == SGW_BINDING_SHA1)
		memcpy(exp->cert_sha1, msg + SGW_BINDING_OFF_CERT_HASH, 20);
	else
		memcpy(exp->cert_sha256, msg + SGW_BINDING_OFF_CERT_HASH, 32);
	exp->have_msk = true;
	memcpy(exp->msk, key, 32);
	for (size_t i = 32; i < sizeof(exp->msk); i++)
		exp->msk[i] = (uint8_t)(0xA0 + i);
}

static void test_kat_mac(void **state)
{
	(void)state;
	for (size_t i = 0; i < NKATS; i++) {
		const struct kat *k = &kats[i];
		uint8_t key[32], msg[112], want[32], cmk[32], mac[32];

		print_message("case %zu: %s\n", i + 1, k->name);
		unhex(k->key, key, 32);
		unhex(k->msg, msg, 112);
		unhex(k->mac, want, 32);
		assert_int_equal(sgw_binding_cmk(k->hash, key, cmk), 0);
		assert_int_equal(sgw_binding_compound_mac(k->hash, cmk, msg, mac), 0);
		assert_memory_equal(mac, want, 32);
		/* The MAC field is taken as zero whatever it holds. */
		memset(msg + SGW_BINDING_OFF_MAC, 0x5A, 32);
		assert_int_equal(sgw_binding_compound_mac(k->hash, cmk, msg, mac), 0);
		assert_memory_equal(mac, want, 32);
		assert_int_equal(msg[SGW_BINDING_OFF_MAC], 0x5A);
	}
}

static void test_kat_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < NKATS; i++) {
		uint8_t msg[112];
		struct sgw_binding_expect exp;
		struct sgw_binding_match m = { SGW_HLAK_LAYOUT_COUNT, true };

		print_message("case %zu: %s\n", i + 1, kats[i].name);
		load(&kats[i], msg, &exp);
		assert_int_equal(sgw_binding_verify(&exp, msg, &m), SGW_BINDING_OK);
		assert_int_equal(m.layout, SGW_HLAK_MSK_0_32);
	}
}

/* pppd 2.4.9 + sstpc: HLAK = MSK[0..15] || MSK[32..47]. */
static void test_pppd_layout(void **state)
{
	const struct kat *k = &kats[1];
	uint8_t msg[112], key[32], cmk[32], hlak[32];
	struct sgw_binding_expect exp;
	struct sgw_binding_match m = { SGW_HLAK_LAYOUT_COUNT, true };

	(void)state;
	load(k, msg, &exp);
	unhex(k->key, key, 32);
	memcpy(exp.msk + 32, key + 16, 16);
	memset(exp.msk + 16, 0xEE, 16); /* so MSK[0..31] no longer matches */
	sgw_binding_hlak(SGW_HLAK_MSK_0_16_32_48, exp.msk, hlak);
	assert_memory_equal(hlak, key, 32);
	assert_int_equal(sgw_binding_cmk(k->hash, hlak, cmk), 0);
	assert_int_equal(sgw_binding_compound_mac(k->hash, cmk, msg,
						  msg + SGW_BINDING_OFF_MAC), 0);
	assert_int_equal(sgw_binding_verify(&exp, msg, &m), SGW_BINDING_OK);
	assert_int_equal(m.layout, SGW_HLAK_MSK_0_16_32_48);
	assert_false(m.msk_compat);
}

/* EAP-TLS 1.3 with Debian's pppd 2.4.9: its MSK comes from the exporter
 * without RFC 9190's context byte. The MAC made with it verifies only when
 * that MSK is offered as msk_compat, and the match says so. */
static void test_msk_compat(void **state)
{
	const struct kat *k = &kats[1];
	uint8_t msg[112], key[32];
	struct sgw_binding_expect exp;
	struct sgw_binding_match m = { SGW_HLAK_LAYOUT_COUNT, false };

	(void)state;
	load(k, msg, &exp);
	unhex(k->key, key, 32);
	/* The KAT key as a compat MSK in the pppd layout; the RFC MSK differs. */
	memset(exp.msk_compat, 0x5A, sizeof(exp.msk_compat));
	memcpy(exp.msk_compat, key, 16);
	memcpy(exp.msk_compat + 32, key + 16, 16);
	memset(exp.msk, 0xA5, sizeof(exp.msk));
	assert_int_equal(sgw_binding_verify(&exp, msg, &m), SGW_BINDING_BAD_MAC);
	exp.have_msk_compat = true;
	assert_int_equal(sgw_binding_verify(&exp, msg, &m), SGW_BINDING_OK);
	assert_int_equal(m.layout, SGW_HLAK_MSK_0_16_32_48);
	assert_true(m.msk_compat);
}

/* No keys: HLAK is 32 zero bytes, and only that is tried. */
static void test_zero_hlak(void **state)
{
	uint8_t msg[112], zero[32] = { 0 }, hlak[32], cmk[32];
	struct sgw_binding_expect exp;
	struct sgw_binding_match m = { SGW_HLAK_LAYOUT_COUNT, true };

	(void)state;
	load(&kats[0], msg, &exp);
	sgw_binding_hlak(SGW_HLAK_ZERO, exp.msk, hlak);
	assert_memory_equal(hlak, zero, 32);
	assert_int_equal(sgw_binding_cmk(SGW_BINDING_SHA1, hlak, cmk), 0);
	assert_int_equal(sgw_binding_compound_mac(SGW_BINDING_SHA1, cmk, msg,
						  msg + SGW_BINDING_OFF_MAC), 0);
	assert_int_equal(sgw_binding_verify(&exp, msg, &m), SGW_BINDING_BAD_MAC);
	exp.have_msk = false;
	assert_int_equal(sgw_binding_verify(&exp, msg, &m), SGW_BINDING_OK);
	assert_int_equal(m.layout, SGW_HLAK_ZERO);
}

enum mutation {
	MUT_HASH_0,
	MUT_HASH_3,
	MUT_HASH_UNOFFERED,
	MUT_HASH_OTHER_BIT,
	MUT_NONCE,
	MUT_CERT_HASH,
	MUT_CERT_PAD,
	MUT_MAC,
	MUT_MAC_PAD,
	MUT_WRONG_MSK,
};

struct bad_case {
	unsigned kat;
	enum mutation mut;
	enum sgw_binding_verdict want;
};

static const struct bad_case bad_cases[] = {
	/* 1 */ { 1, MUT_HASH_0, SGW_BINDING_BAD_HASH_PROTOCOL },
	/* 2 */ { 1, MUT_HASH_3, SGW_BINDING_BAD_HASH_PROTOCOL },
	/* 3 */ { 1, MUT_HASH_UNOFFERED, SGW_BINDING_BAD_HASH_PROTOCOL },
	/* 4 */ { 0, MUT_HASH_UNOFFERED, SGW_BINDING_BAD_HASH_PROTOCOL },
	/* 5 */ { 1, MUT_HASH_OTHER_BIT, SGW_BINDING_BAD_HASH_PROTOCOL },
	/* 6 */ { 1, MUT_NONCE, SGW_BINDING_BAD_NONCE },
	/* 7 */ { 0, MUT_NONCE, SGW_BINDING_BAD_NONCE },
	/* 8 */ { 1, MUT_CERT_HASH, SGW_BINDING_BAD_CERT_HASH },
	/* 9 */ { 0, MUT_CERT_HASH, SGW_BINDING_BAD_CERT_HASH },
	/* 10 */ { 0, MUT_CERT_PAD, SGW_BINDING_BAD_CERT_HASH },
	/* 11 */ { 1, MUT_MAC, SGW_BINDING_BAD_MAC },
	/* 12 */ { 0, MUT_MAC, SGW_BINDING_BAD_MAC },
	/* 13 */ { 0, MUT_MAC_PAD, SGW_BINDING_BAD_MAC },
	/* 14 */ { 2, MUT_WRONG_MSK, SGW_BINDING_BAD_MAC },
};

static void mutate(enum mutation m, uint8_t *msg, struct sgw_binding_expect *exp)
{
	switch (m) {
	case MUT_HASH_0:
		msg[SGW_BINDING_OFF_HASH] = 0;
		break;
	case MUT_HASH_3:
		msg[SGW_BINDING_OFF_HASH] = 3;
		break;
	case MUT_HASH_UNOFFERED:
		/* We offered only the other hash. */
		exp->hash_bitmask = (uint8_t)(3 & ~msg[SGW_BINDING_OFF_HASH]);
		break;
	case MUT_HASH_OTHER_BIT:
		msg[SGW_BINDING_OFF_HASH] = 4;
		exp->hash_bitmask = 0xFF;
		break;
	case MUT_NONCE:
		msg[SGW_BINDING_OFF_NONCE + 31] ^= 1;
		break;
	case MUT_CERT_HASH:
		msg[SGW_BINDING_OFF_CERT_HASH] ^= 0x80;
		break;
	case MUT_CERT_PAD:
		msg[SGW_BINDING_OFF_CERT_HASH + 31] = 1;
		break;
	case MUT_MAC:
		msg[SGW_BINDING_OFF_MAC + 5] ^= 0x10;
		break;
	case MUT_MAC_PAD:
		msg[SGW_BINDING_OFF_MAC + 31] = 1;
		break;
	case MUT_WRONG_MSK:
		exp->msk[0] ^= 1;
		break;
	}
}

static void test_bad_verdicts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t msg[112];
		struct sgw_binding_expect exp;
		struct sgw_binding_match m = { SGW_HLAK_LAYOUT_COUNT, true };

		print_message("case %zu\n", i + 1);
		load(&kats[c->kat], msg, &exp);
		assert_int_equal(sgw_binding_verify(&exp, msg, &m), SGW_BINDING_OK);
		mutate(c->mut, msg, &exp);
		assert_int_equal(sgw_binding_verify(&exp, msg, &m), c->want);
	}
}

static void test_bad_hash_args(void **state)
{
	uint8_t key[32] = { 1 }, cmk[32], msg[112] = { 0 }, mac[32];

	(void)state;
	assert_int_equal(sgw_binding_cmk((enum sgw_binding_hash)3, key, cmk), -EINVAL);
	assert_int_equal(sgw_binding_compound_mac((enum sgw_binding_hash)0, key, msg, mac),
			 -EINVAL);
	/* A SHA-1 CMK is 20 bytes then zeros. */
	memset(cmk, 0xFF, sizeof(cmk));
	assert_int_equal(sgw_binding_cmk(SGW_BINDING_SHA1, key, cmk), 0);
	for (size_t i = 20; i < 32; i++)
		assert_int_equal(cmk[i], 0);
}

static void test_verdict_str(void **state)
{
	(void)state;
	for (int v = SGW_BINDING_OK; v <= SGW_BINDING_BAD_MAC; v++) {
		const char *s = sgw_binding_verdict_str((enum sgw_binding_verdict)v);

		assert_non_null(s);
		assert_true(strlen(s) > 1);
	}
	assert_string_equal(sgw_binding_verdict_str(SGW_BINDING_BAD_NONCE),
			    "nonce does not match the one sent");
	assert_string_equal(sgw_binding_verdict_str((enum sgw_binding_verdict)99),
			    "unknown binding verdict");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_mac),
		cmocka_unit_test(test_kat_verify),
		cmocka_unit_test(test_pppd_layout),
		cmocka_unit_test(test_msk_compat),
		cmocka_unit_test(test_zero_hlak),
		cmocka_unit_test(test_bad_verdicts),
		cmocka_unit_test(test_bad_hash_args),
		cmocka_unit_test(test_verdict_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
