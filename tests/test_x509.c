/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * crypto/x509.c: thumbprints, trust store, revoked set, and the client
 * certificate verdicts, each refusal provoked by a certificate from the test
 * PKI (tests/support/testpki.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/x509.h"
#include "crypto/x509_internal.h"
#include "tests/support/testpki.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { HOUR = 3600, DAY = 24 * HOUR, YEAR = 365 * DAY };

/* ------------------------------------------------------------------ */
/* fixture: one PKI for the whole file                                  */
/* ------------------------------------------------------------------ */

enum pki_cert {
	ROOT_A, ROOT_B, ROOT_C, ROOT_U,     /* U is never trusted */
	INTER,          /* CA under A */
	INTER_OLD,      /* expired CA under A */
	LEAF_A,         /* client1@contoso.com under A */
	LEAF_B,         /* under B */
	LEAF_C,         /* under C */
	LEAF_U,         /* under U */
	LEAF_INTER,     /* under INTER */
	LEAF_INTER_OLD, /* valid leaf under INTER_OLD */
	LEAF_EXPIRED,
	LEAF_FUTURE,
	LEAF_NO_EKU,
	LEAF_SERVER,    /* serverAuth only */
	LEAF_EMAIL,     /* emailProtection only */
	LEAF_SELF,      /* self-signed, clientAuth */
	LEAF_BY_LEAF,   /* signed by LEAF_A, which is not a CA */
	LEAF_RSA_SERVER,
	PKI_NCERTS
};

static struct tpki *pki;
static struct tpki_cert pc[PKI_NCERTS];
static time_t now;

static int issue(enum pki_cert i, const char *name, const char *cn, bool ca,
		 enum tpki_eku eku, long nb, long na, enum pki_cert issuer)
{
	struct tpki_opts o = {
		.cn = cn, .key = TPKI_KEY_EC_P256, .ca = ca, .eku = eku,
		.not_before = nb, .not_after = na,
	};

	return tpki_issue(pki, name, &o,
			  issuer == PKI_NCERTS ? NULL : &pc[issuer], &pc[i]);
}

static int group_setup(void **state)
{
	const enum pki_cert none = PKI_NCERTS;
	int rc = 0;

	(void)state;
	now = time(NULL);
	pki = tpki_create(NULL);
	if (pki == NULL)
		return -1;
	rc |= tpki_root(pki, "Root A", &pc[ROOT_A]);
	rc |= tpki_root(pki, "Root B", &pc[ROOT_B]);
	rc |= tpki_root(pki, "Root C", &pc[ROOT_C]);
	rc |= tpki_root(pki, "Root U", &pc[ROOT_U]);
	rc |= issue(INTER, "inter", "Inter A1", true, TPKI_EKU_NONE, -HOUR, 0, ROOT_A);
	rc |= issue(INTER_OLD, "inter-old", "Inter Old", true, TPKI_EKU_NONE,
		    -2 * YEAR, -DAY, ROOT_A);
	rc |= tpki_client(pki, "leaf-a", "client1@contoso.com", &pc[ROOT_A], &pc[LEAF_A]);
	rc |= tpki_client(pki, "leaf-b", "client-b@contoso.com", &pc[ROOT_B], &pc[LEAF_B]);
	rc |= tpki_client(pki, "leaf-c", "client-c@contoso.com", &pc[ROOT_C], &pc[LEAF_C]);
	rc |= tpki_client(pki, "leaf-u", "stranger@example.com", &pc[ROOT_U], &pc[LEAF_U]);
	rc |= tpki_client(pki, "leaf-inter", "via-inter@contoso.com", &pc[INTER],
			  &pc[LEAF_INTER]);
	rc |= issue(LEAF_INTER_OLD, "leaf-inter-old", "old-inter@contoso.com", false,
		    TPKI_EKU_CLIENT_AUTH, -HOUR, 0, INTER_OLD);
	rc |= issue(LEAF_EXPIRED, "leaf-expired", "expired@contoso.com", false,
		    TPKI_EKU_CLIENT_AUTH, -2 * DAY, -DAY, ROOT_A);
	rc |= issue(LEAF_FUTURE, "leaf-future", "future@contoso.com", false,
		    TPKI_EKU_CLIENT_AUTH, DAY, 2 * DAY, ROOT_A);
	rc |= issue(LEAF_NO_EKU, "leaf-noeku", "noeku@contoso.com", false,
		    TPKI_EKU_NONE, -HOUR, 0, ROOT_A);
	rc |= issue(LEAF_SERVER, "leaf-server", "server.contoso.com", false,
		    TPKI_EKU_SERVER_AUTH, -HOUR, 0, ROOT_A);
	rc |= issue(LEAF_EMAIL, "leaf-email", "mail@contoso.com", false,
		    TPKI_EKU_EMAIL, -HOUR, 0, ROOT_A);
	rc |= issue(LEAF_SELF, "leaf-self", "self@contoso.com", false,
		    TPKI_EKU_CLIENT_AUTH, -HOUR, 0, none);
	rc |= issue(LEAF_BY_LEAF, "leaf-by-leaf", "sub@contoso.com", false,
		    TPKI_EKU_CLIENT_AUTH, -HOUR, 0, LEAF_A);
	rc |= tpki_server(pki, "server", TPKI_KEY_RSA2048, &pc[ROOT_A],
			  &pc[LEAF_RSA_SERVER]);
	return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < PKI_NCERTS; i++)
		tpki_cert_free(&pc[i]);
	tpki_destroy(pki);
	return 0;
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

static struct sgw_trust *trust_with(const enum pki_cert *roots, unsigned n,
				    int *ids)
{
	struct sgw_trust *t = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	char err[128];
	unsigned i;

	assert_non_null(t);
	for (i = 0; i < n; i++) {
		int id = sgw_trust_add(t, pc[roots[i]].der, pc[roots[i]].der_len,
				       err, sizeof(err));

		assert_true(id >= 0);
		if (ids != NULL)
			ids[i] = id;
	}
	return t;
}

/* ------------------------------------------------------------------ */
/* 1. thumbprints                                                       */
/* ------------------------------------------------------------------ */

static const uint8_t tp_ref[SGW_THUMBPRINT_LEN] = {
	0xa9, 0x09, 0x50, 0x2d, 0xd8, 0x2a, 0xe4, 0x14, 0x33, 0xe6,
	0xf8, 0x38, 0x86, 0xb0, 0x0d, 0x42, 0x77, 0xa3, 0x2a, 0x7b,
};

static const struct tp_case {
	const char *in;
	bool ok;
} tp_cases[] = {
	/* 0 */ { "A909502DD82AE41433E6F83886B00D4277A32A7B", true },
	/* 1 */ { "a909502dd82ae41433e6f83886b00d4277a32a7b", true },
	/* 2 */ { "a909502DD82ae41433E6F83886B00D4277a32a7b", true },
	/* 3 */ { "a9 09 50 2d d8 2a e4 14 33 e6 f8 38 86 b0 0d 42 77 a3 2a 7b", true },
	/* 4 */ { "A9:09:50:2D:D8:2A:E4:14:33:E6:F8:38:86:B0:0D:42:77:A3:2A:7B", true },
	/* 5 */ { "\xe2\x80\x8e" "a909502dd82ae41433e6f83886b00d4277a32a7b", true },
	/* 6 */ { "\xe2\x80\x8e" "a9 09 50 2d d8 2a e4 14 33 e6 f8 38 86 b0 0d 42 77 a3 2a 7b", true },
	/* 7 */ { "a909502dd82ae41433e6f83886b00d4277a32a7b" "\xe2\x80\x8e", true },
	/* 8 */ { "  a909502dd82ae41433e6f83886b00d4277a32a7b  ", true },
	/* 9 */ { "a909502dd82ae41433e6f83886b00d4277a32a7", false },   /* 39 */
	/* 10 */ { "a909502dd82ae41433e6f83886b00d4277a32a7b0", false }, /* 41 */
	/* 11 */ { "a909502dd82ae41433e6f83886b00d4277a32a7g", false },  /* non-hex */
	/* 12 */ { "", false },
	/* 13 */ { "0xa909502dd82ae41433e6f83886b00d4277a32a7", false },
	/* 14 */ { "a909502dd82ae41433e6f83886b00d4277a32a7b\n", false },
	/* 15 */ { "\xe2\x80" "a909502dd82ae41433e6f83886b00d4277a32a7b", false },
	/* 16 */ { "\xe2\x80\x8f" "a909502dd82ae41433e6f83886b00d4277a32a7b", false },
	/* 17 */ { "a909502d-d82ae41433e6f83886b00d4277a32a7b", false },
	/* 18 */ { "a909502dd82ae41433e6f83886b00d4277a32a7b\xe2", false },
	/* 19 */ { "   ", false },
};

static void test_thumbprint_parse(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(tp_cases); i++) {
		uint8_t out[SGW_THUMBPRINT_LEN];
		bool ok;

		memset(out, 0x55, sizeof(out));
		ok = sgw_thumbprint_parse(tp_cases[i].in, out);
		if (ok != tp_cases[i].ok)
			fail_msg("case %u: parse(\"%s\") = %d", i, tp_cases[i].in, ok);
		if (ok && memcmp(out, tp_ref, sizeof(out)) != 0)
			fail_msg("case %u: wrong bytes", i);
	}
	assert_false(sgw_thumbprint_parse(NULL, (uint8_t[SGW_THUMBPRINT_LEN]){ 0 }));
}

static void test_thumbprint_format(void **state)
{
	char hex[SGW_THUMBPRINT_HEX + 1];
	uint8_t back[SGW_THUMBPRINT_LEN];
	unsigned i;

	(void)state;
	sgw_thumbprint_format(tp_ref, hex);
	assert_string_equal(hex, "A909502DD82AE41433E6F83886B00D4277A32A7B");
	for (i = 0; i < PKI_NCERTS; i++) {
		sgw_thumbprint_format(pc[i].thumbprint, hex);
		assert_int_equal(strlen(hex), SGW_THUMBPRINT_HEX);
		assert_true(sgw_thumbprint_parse(hex, back));
		assert_memory_equal(back, pc[i].thumbprint, SGW_THUMBPRINT_LEN);
	}
}

/* The thumbprint the gateway computes equals SHA-1 over the DER. */
static void test_thumbprint_of_cert(void **state)
{
	uint8_t tp[SGW_THUMBPRINT_LEN];

	(void)state;
	assert_int_equal(sgw_x509_thumbprint(pc[LEAF_A].x509, tp), 0);
	assert_memory_equal(tp, pc[LEAF_A].thumbprint, sizeof(tp));
	assert_int_equal(sgw_x509_thumbprint(NULL, tp), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* 2. trust store                                                       */
/* ------------------------------------------------------------------ */

enum add_form {
	FORM_DER, FORM_PEM_FILE, FORM_CER_FILE, FORM_B64_ONE_LINE,
	FORM_B64_CRLF, FORM_B64_SPACES, FORM_PEM_BOM, FORM_PEM_CRLF,
	FORM_PEM_CHAIN_FIRST,
};

/* Builds the upload in form f from root A; returns its length. */
static size_t make_form(enum add_form f, uint8_t *buf, size_t cap)
{
	uint8_t cer[8192];
	size_t n, i, o = 0;

	switch (f) {
	case FORM_DER:
		memcpy(buf, pc[ROOT_A].der, pc[ROOT_A].der_len);
		return pc[ROOT_A].der_len;
	case FORM_PEM_FILE:
		return slurp(pc[ROOT_A].cert_path, buf, cap);
	case FORM_CER_FILE:
		return slurp(pc[ROOT_A].cer_path, buf, cap);
	case FORM_PEM_CHAIN_FIRST:
		return slurp(pc[ROOT_A].chain_path, buf, cap);
	default:
		break;
	}
	n = slurp(f == FORM_PEM_BOM || f == FORM_PEM_CRLF ?
		  pc[ROOT_A].cert_path : pc[ROOT_A].cer_path, cer, sizeof(cer));
	if (f == FORM_PEM_BOM) {
		memcpy(buf, "\xef\xbb\xbf", 3);
		memcpy(buf + 3, cer, n);
		return n + 3;
	}
	for (i = 0; i < n && o + 3 < cap; i++) {
		if (cer[i] == '\n' && f == FORM_B64_ONE_LINE)
			continue;
		if (cer[i] == '\n' && (f == FORM_B64_CRLF || f == FORM_PEM_CRLF))
			buf[o++] = '\r';
		if (f == FORM_B64_SPACES && i % 7 == 3)
			buf[o++] = ' ';
		buf[o++] = cer[i];
	}
	return o;
}

static void test_trust_add_forms(void **state)
{
	static const enum add_form forms[] = {
		FORM_DER, FORM_PEM_FILE, FORM_CER_FILE, FORM_B64_ONE_LINE,
		FORM_B64_CRLF, FORM_B64_SPACES, FORM_PEM_BOM, FORM_PEM_CRLF,
		FORM_PEM_CHAIN_FIRST,
	};
	uint8_t buf[8192];
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		struct sgw_trust *t = sgw_trust_create(4);
		struct sgw_root_info info;
		char err[128];
		size_t n = make_form(forms[i], buf, sizeof(buf));
		int id = sgw_trust_add(t, buf, n, err, sizeof(err));

		if (id < 0)
			fail_msg("case %u: add = %d (%s)", i, id, err);
		assert_int_equal(sgw_trust_count(t), 1);
		assert_true(sgw_trust_root_info(t, 0, &info));
		assert_int_equal(info.id, id);
		assert_memory_equal(info.thumbprint, pc[ROOT_A].thumbprint,
				    SGW_THUMBPRINT_LEN);
		assert_string_equal(info.subject, "CN=Root A");
		/* tpki_root: valid for ten years from now. */
		assert_true(info.not_after > now + 9 * YEAR &&
			    info.not_after < now + 11 * YEAR);
		assert_false(sgw_trust_root_info(t, 1, &info));
		sgw_trust_destroy(t);
	}
}

static const struct bad_add {
	const char *in;     /* NULL: use the non-CA leaf's DER */
	int rc;
} bad_adds[] = {
	/* 0 */ { NULL, -EINVAL },
	/* 1 */ { "this is not a certificate", -EINVAL },
	/* 2 */ { "MIIB", -EINVAL },                      /* valid base64, not DER */
	/* 3 */ { "MIIB!xyz", -EINVAL },                  /* bad character */
	/* 4 */ { "MII", -EINVAL },                       /* not a quad */
	/* 5 */ { "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", -EINVAL },
	/* 6 */ { "====", -EINVAL },
	/* 7 */ { "\x30\x03\x02\x01\x01", -EINVAL },      /* DER, not a cert */
};

static void test_trust_add_bad(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_adds); i++) {
		struct sgw_trust *t = sgw_trust_create(4);
		char err[128] = "";
		const uint8_t *d = (const uint8_t *)bad_adds[i].in;
		size_t n = d ? strlen(bad_adds[i].in) : pc[LEAF_A].der_len;
		int rc = sgw_trust_add(t, d ? d : pc[LEAF_A].der, n, err, sizeof(err));

		if (rc != bad_adds[i].rc)
			fail_msg("case %u: add = %d, want %d", i, rc, bad_adds[i].rc);
		assert_true(err[0] != '\0');
		assert_int_equal(sgw_trust_count(t), 0);
		sgw_trust_destroy(t);
	}
}

static void test_trust_add_reasons(void **state)
{
	struct sgw_trust *t = sgw_trust_create(4);
	uint8_t der[4096 + 1];
	char err[128];

	(void)state;
	/* A non-CA leaf says so. */
	assert_int_equal(sgw_trust_add(t, pc[LEAF_A].der, pc[LEAF_A].der_len,
				       err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a CA"));
	/* Truncated DER and DER with a trailing byte. */
	assert_int_equal(sgw_trust_add(t, pc[ROOT_A].der, pc[ROOT_A].der_len - 1,
				       err, sizeof(err)), -EINVAL);
	memcpy(der, pc[ROOT_A].der, pc[ROOT_A].der_len);
	der[pc[ROOT_A].der_len] = 0;
	assert_int_equal(sgw_trust_add(t, der, pc[ROOT_A].der_len + 1,
				       err, sizeof(err)), -EINVAL);
	/* Empty input, NULL err buffer. */
	assert_int_equal(sgw_trust_add(t, der, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(sgw_trust_add(t, der, 0, NULL, 0), -EINVAL);
	/* Duplicate by thumbprint, whatever the encoding. */
	assert_true(sgw_trust_add(t, pc[ROOT_A].der, pc[ROOT_A].der_len,
				  err, sizeof(err)) >= 0);
	assert_int_equal(sgw_trust_add_file(t, pc[ROOT_A].cer_path, err,
					    sizeof(err)), -EEXIST);
	assert_int_equal(sgw_trust_count(t), 1);
	/* Files: .cer and .crt of others, and a missing file. */
	assert_true(sgw_trust_add_file(t, pc[ROOT_B].cer_path, err, sizeof(err)) >= 0);
	assert_true(sgw_trust_add_file(t, pc[INTER].cert_path, err, sizeof(err)) >= 0);
	assert_int_equal(sgw_trust_add_file(t, "/nonexistent/root.cer", err,
					    sizeof(err)), -ENOENT);
	assert_int_equal(sgw_trust_add_file(t, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(sgw_trust_count(t), 3);
	assert_null(sgw_trust_create(0));
	assert_null(sgw_trust_create(SGW_TRUST_HARD_MAX_ROOTS + 1));
	sgw_trust_destroy(t);
	sgw_trust_destroy(NULL);
}

/* Azure P2S allows 20 roots: the 21st is refused, and ids stay stable
 * across a removal. */
static void test_trust_capacity(void **state)
{
	struct tpki_cert r[SGW_TRUST_DEFAULT_MAX_ROOTS + 1];
	struct sgw_trust *t = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	struct sgw_root_info info;
	char name[32], err[128];
	int ids[SGW_TRUST_DEFAULT_MAX_ROOTS + 1];
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		snprintf(name, sizeof(name), "cap-root-%u", i);
		assert_int_equal(tpki_root(pki, name, &r[i]), 0);
	}
	for (i = 0; i < SGW_TRUST_DEFAULT_MAX_ROOTS; i++) {
		ids[i] = sgw_trust_add(t, r[i].der, r[i].der_len, err, sizeof(err));
		assert_true(ids[i] >= 0);
		assert_true(i == 0 || ids[i] > ids[i - 1]);
	}
	ids[i] = sgw_trust_add(t, r[i].der, r[i].der_len, err, sizeof(err));
	assert_int_equal(ids[i], -ENOSPC);
	assert_int_equal(sgw_trust_count(t), SGW_TRUST_DEFAULT_MAX_ROOTS);
	assert_int_equal(sgw_trust_remove(t, (unsigned)ids[5]), 0);
	ids[i] = sgw_trust_add(t, r[i].der, r[i].der_len, err, sizeof(err));
	assert_true(ids[i] > ids[i - 1]);
	/* Root 6 kept its id after root 5 left. */
	assert_true(sgw_trust_root_info(t, 5, &info));
	assert_int_equal(info.id, ids[6]);
	for (i = 0; i < ARRAY_SIZE(r); i++)
		tpki_cert_free(&r[i]);
	sgw_trust_destroy(t);
}

/* ------------------------------------------------------------------ */
/* 3. revoked set                                                       */
/* ------------------------------------------------------------------ */

static bool naive_contains(uint8_t (*set)[SGW_THUMBPRINT_LEN], unsigned n,
			   const uint8_t *tp)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (memcmp(set[i], tp, SGW_THUMBPRINT_LEN) == 0)
			return true;
	return false;
}

/* Differential test against a linear list: random adds and removes over a
 * small key space so that both hits and misses are common. */
static void test_revoked_differential(void **state)
{
	enum { KEYS = 64, OPS = 4000, MAXN = KEYS };
	static uint8_t ref[MAXN][SGW_THUMBPRINT_LEN];
	struct sgw_revoked *r = sgw_revoked_create();
	unsigned n = 0, op, j;
	uint32_t seed = 12345;

	(void)state;
	assert_non_null(r);
	for (op = 0; op < OPS; op++) {
		uint8_t tp[SGW_THUMBPRINT_LEN] = { 0 };
		bool in;
		int rc;

		seed = seed * 1103515245u + 12345u;
		tp[0] = (uint8_t)((seed >> 16) % KEYS);
		tp[19] = (uint8_t)(tp[0] * 7);
		in = naive_contains(ref, n, tp);
		assert_int_equal(sgw_revoked_contains(r, tp), in);
		if ((seed >> 8) & 1) {
			rc = sgw_revoked_add(r, tp);
			assert_int_equal(rc, in ? -EEXIST : 0);
			if (!in)
				memcpy(ref[n++], tp, SGW_THUMBPRINT_LEN);
		} else {
			rc = sgw_revoked_remove(r, tp);
			assert_int_equal(rc, in ? 0 : -ENOENT);
			for (j = 0; in && j < n; j++) {
				if (memcmp(ref[j], tp, SGW_THUMBPRINT_LEN) == 0) {
					memcpy(ref[j], ref[--n], SGW_THUMBPRINT_LEN);
					break;
				}
			}
		}
		assert_int_equal(sgw_revoked_count(r), n);
	}
	sgw_revoked_destroy(r);
	assert_false(sgw_revoked_contains(NULL, tp_ref));
	assert_int_equal(sgw_revoked_count(NULL), 0);
}

/* ------------------------------------------------------------------ */
/* 4. verification                                                      */
/* ------------------------------------------------------------------ */

enum { MAXC = 4 };

static const struct verify_case {
	enum pki_cert chain[MAXC];  /* [0] leaf, then what the client sends */
	unsigned n;
	enum pki_cert trusted[3];
	unsigned ntrusted;
	bool revoke_leaf;
	long at;                    /* verification time, from now */
	enum sgw_x509_verdict want;
	int want_root;              /* index into trusted[], or -1 */
	const char *detail;         /* substring of res.detail */
} verify_cases[] = {
	/* 0: good leaf */
	{ { LEAF_A }, 1, { ROOT_A }, 1, false, 0, SGW_X509_OK, 0, "ok" },
	/* 1: through an intermediate the client sends */
	{ { LEAF_INTER, INTER }, 2, { ROOT_A }, 1, false, 0, SGW_X509_OK, 0, NULL },
	/* 2: same, leaf repeated and root sent too (Windows may send it) */
	{ { LEAF_INTER, ROOT_A, INTER, LEAF_INTER }, 4, { ROOT_A }, 1, false, 0,
	  SGW_X509_OK, 0, NULL },
	/* 3: intermediate not sent */
	{ { LEAF_INTER }, 1, { ROOT_A }, 1, false, 0, SGW_X509_UNKNOWN_ROOT, -1, NULL },
	/* 4: unknown root */
	{ { LEAF_U }, 1, { ROOT_A, ROOT_B }, 2, false, 0, SGW_X509_UNKNOWN_ROOT, -1, NULL },
	/* 5: unknown root even when the client sends it */
	{ { LEAF_U, ROOT_U }, 2, { ROOT_A }, 1, false, 0, SGW_X509_UNKNOWN_ROOT, -1, NULL },
	/* 6: expired leaf */
	{ { LEAF_EXPIRED }, 1, { ROOT_A }, 1, false, 0, SGW_X509_EXPIRED, -1,
	  "certificate expired 20" },
	/* 7: not yet valid leaf */
	{ { LEAF_FUTURE }, 1, { ROOT_A }, 1, false, 0, SGW_X509_NOT_YET_VALID, -1,
	  "not valid before 20" },
	/* 8: expired intermediate */
	{ { LEAF_INTER_OLD, INTER_OLD }, 2, { ROOT_A }, 1, false, 0,
	  SGW_X509_EXPIRED, -1, "issuer certificate (depth 1) expired" },
	/* 9: no EKU at all: refused (stricter than OpenSSL) */
	{ { LEAF_NO_EKU }, 1, { ROOT_A }, 1, false, 0, SGW_X509_NO_CLIENT_AUTH_EKU, 0,
	  "Client Authentication" },
	/* 10: serverAuth only */
	{ { LEAF_SERVER }, 1, { ROOT_A }, 1, false, 0, SGW_X509_NO_CLIENT_AUTH_EKU, 0, NULL },
	/* 11: emailProtection only */
	{ { LEAF_EMAIL }, 1, { ROOT_A }, 1, false, 0, SGW_X509_NO_CLIENT_AUTH_EKU, 0, NULL },
	/* 12: revoked */
	{ { LEAF_A }, 1, { ROOT_A }, 1, true, 0, SGW_X509_REVOKED, 0, " is revoked" },
	/* 13: root_id of the right root among three */
	{ { LEAF_B }, 1, { ROOT_A, ROOT_B, ROOT_C }, 3, false, 0, SGW_X509_OK, 1, NULL },
	/* 14 */
	{ { LEAF_C }, 1, { ROOT_A, ROOT_B, ROOT_C }, 3, false, 0, SGW_X509_OK, 2, NULL },
	/* 15: checked at a later time the leaf is past its year */
	{ { LEAF_A }, 1, { ROOT_A }, 1, false, 2 * YEAR, SGW_X509_EXPIRED, -1, NULL },
	/* 16: and before it was issued */
	{ { LEAF_A }, 1, { ROOT_A }, 1, false, -DAY, SGW_X509_NOT_YET_VALID, -1, NULL },
	/* 17: self-signed leaf */
	{ { LEAF_SELF }, 1, { ROOT_A }, 1, false, 0, SGW_X509_UNKNOWN_ROOT, -1, NULL },
	/* 18: signed by a non-CA */
	{ { LEAF_BY_LEAF, LEAF_A }, 2, { ROOT_A }, 1, false, 0, SGW_X509_BAD_CHAIN, -1,
	  "depth 1" },
	/* 19: an uploaded intermediate is a trust anchor by itself */
	{ { LEAF_INTER }, 1, { INTER }, 1, false, 0, SGW_X509_OK, 0, NULL },
	/* 20: expired beats revoked (order: chain, EKU, revoked) */
	{ { LEAF_EXPIRED }, 1, { ROOT_A }, 1, true, 0, SGW_X509_EXPIRED, -1, NULL },
	/* 21: EKU beats revoked */
	{ { LEAF_SERVER }, 1, { ROOT_A }, 1, true, 0, SGW_X509_NO_CLIENT_AUTH_EKU, 0, NULL },
	/* 22: no roots at all */
	{ { LEAF_A }, 1, { ROOT_A }, 0, false, 0, SGW_X509_UNKNOWN_ROOT, -1, NULL },
	/* 23: RSA server certificate offered as a client certificate */
	{ { LEAF_RSA_SERVER }, 1, { ROOT_A }, 1, false, 0,
	  SGW_X509_NO_CLIENT_AUTH_EKU, 0, NULL },
};

static void run_verify_case(unsigned i, const struct verify_case *c)
{
	int ids[3] = { -1, -1, -1 };
	struct sgw_trust *t = trust_with(c->trusted, c->ntrusted, ids);
	struct sgw_revoked *r = sgw_revoked_create();
	const uint8_t *certs[MAXC];
	size_t lens[MAXC];
	struct sgw_x509_result res;
	unsigned k;

	for (k = 0; k < c->n; k++) {
		certs[k] = pc[c->chain[k]].der;
		lens[k] = pc[c->chain[k]].der_len;
	}
	if (c->revoke_leaf)
		assert_int_equal(sgw_revoked_add(r, pc[c->chain[0]].thumbprint), 0);
	sgw_x509_verify_der(t, r, certs, lens, c->n, now + c->at, &res);
	if (res.verdict != c->want)
		fail_msg("case %u: verdict %s (%s), want %s", i,
			 sgw_x509_verdict_str(res.verdict), res.detail,
			 sgw_x509_verdict_str(c->want));
	if (res.root_id != (c->want_root < 0 ? -1 : ids[c->want_root]))
		fail_msg("case %u: root_id %d", i, res.root_id);
	if (c->detail != NULL && strstr(res.detail, c->detail) == NULL)
		fail_msg("case %u: detail \"%s\" lacks \"%s\"", i, res.detail,
			 c->detail);
	assert_memory_equal(res.thumbprint, pc[c->chain[0]].thumbprint,
			    SGW_THUMBPRINT_LEN);
	assert_true(res.detail[0] != '\0');
	sgw_revoked_destroy(r);
	sgw_trust_destroy(t);
}

static void test_verify_table(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(verify_cases); i++)
		run_verify_case(i, &verify_cases[i]);
}

/* Revoke, refuse; un-revoke, accept again. */
static void test_verify_revoke_cycle(void **state)
{
	static const enum pki_cert roots[] = { ROOT_A };
	struct sgw_trust *t = trust_with(roots, 1, NULL);
	struct sgw_revoked *r = sgw_revoked_create();
	const uint8_t *cert = pc[LEAF_A].der;
	size_t len = pc[LEAF_A].der_len;
	struct sgw_x509_result res;
	char hex[SGW_THUMBPRINT_HEX + 1];

	(void)state;
	assert_int_equal(sgw_revoked_add(r, pc[LEAF_A].thumbprint), 0);
	assert_int_equal(sgw_revoked_add(r, pc[LEAF_A].thumbprint), -EEXIST);
	assert_int_equal(sgw_x509_verify_der(t, r, &cert, &len, 1, now, &res),
			 SGW_X509_REVOKED);
	sgw_thumbprint_format(pc[LEAF_A].thumbprint, hex);
	assert_non_null(strstr(res.detail, hex));
	/* Another leaf under the same root is unaffected. */
	assert_int_equal(sgw_revoked_remove(r, pc[LEAF_A].thumbprint), 0);
	assert_int_equal(sgw_x509_verify_der(t, r, &cert, &len, 1, now, &res),
			 SGW_X509_OK);
	/* NULL revoked set: nothing revoked. */
	assert_int_equal(sgw_x509_verify_der(t, NULL, &cert, &len, 1, now, &res),
			 SGW_X509_OK);
	sgw_revoked_destroy(r);
	sgw_trust_destroy(t);
}

/* Removing the root makes its clients fail at once. */
static void test_verify_after_remove(void **state)
{
	static const enum pki_cert roots[] = { ROOT_A, ROOT_B };
	int ids[2];
	struct sgw_trust *t = trust_with(roots, 2, ids);
	const uint8_t *cert = pc[LEAF_A].der;
	size_t len = pc[LEAF_A].der_len;
	struct sgw_x509_result res;

	(void)state;
	assert_int_equal(sgw_x509_verify_der(t, NULL, &cert, &len, 1, now, &res),
			 SGW_X509_OK);
	assert_int_equal(res.root_id, ids[0]);
	assert_int_equal(sgw_trust_remove(t, (unsigned)ids[0]), 0);
	assert_int_equal(sgw_trust_remove(t, (unsigned)ids[0]), -ENOENT);
	assert_int_equal(sgw_x509_verify_der(t, NULL, &cert, &len, 1, now, &res),
			 SGW_X509_UNKNOWN_ROOT);
	assert_int_equal(res.root_id, -1);
	sgw_trust_destroy(t);
}

static void test_verify_cn(void **state)
{
	static const enum pki_cert roots[] = { ROOT_A, ROOT_B, ROOT_C };
	struct sgw_trust *t = trust_with(roots, 3, NULL);
	const uint8_t *cert = pc[LEAF_A].der;
	size_t len = pc[LEAF_A].der_len;
	struct sgw_x509_result res;

	(void)state;
	assert_int_equal(sgw_x509_verify_der(t, NULL, &cert, &len, 1, now, &res),
			 SGW_X509_OK);
	assert_string_equal(res.cn, "client1@contoso.com");
	/* The CN is filled even when the certificate is refused. */
	cert = pc[LEAF_U].der;
	len = pc[LEAF_U].der_len;
	assert_int_equal(sgw_x509_verify_der(t, NULL, &cert, &len, 1, now, &res),
			 SGW_X509_UNKNOWN_ROOT);
	assert_string_equal(res.cn, "stranger@example.com");
	sgw_trust_destroy(t);
}

/* A long UTF-8 CN is cut at a character boundary, and control characters
 * cannot reach a log line. */
static void test_verify_cn_truncated(void **state)
{
	char cn[200];
	struct tpki_cert leaf;
	struct tpki_opts o = {
		.cn = cn, .eku = TPKI_EKU_CLIENT_AUTH, .not_before = -HOUR,
	};
	static const enum pki_cert roots[] = { ROOT_A };
	struct sgw_trust *t = trust_with(roots, 1, NULL);
	struct sgw_x509_result res;
	size_t i;

	(void)state;
	/* 43 euro signs (3 bytes each, 129 bytes; within the 64-character
	 * limit of RFC 5280 ub-common-name): 127 bytes would cut the 43rd. */
	for (i = 0; i < 43; i++)
		memcpy(cn + 3 * i, "\xe2\x82\xac", 3);
	cn[129] = '\0';
	assert_int_equal(tpki_issue(pki, "long-cn", &o, &pc[ROOT_A], &leaf), 0);
	assert_int_equal(sgw_x509_verify_chain(t, NULL, leaf.x509, NULL, now, &res),
			 SGW_X509_OK);
	assert_int_equal(strlen(res.cn), 126);
	assert_memory_equal(res.cn, cn, 126);
	tpki_cert_free(&leaf);

	memcpy(cn, "bad\nname", 9);
	assert_int_equal(tpki_issue(pki, "ctl-cn", &o, &pc[ROOT_A], &leaf), 0);
	assert_int_equal(sgw_x509_verify_chain(t, NULL, leaf.x509, NULL, now, &res),
			 SGW_X509_OK);
	assert_string_equal(res.cn, "bad?name");
	tpki_cert_free(&leaf);
	sgw_trust_destroy(t);
}

static void test_verify_malformed(void **state)
{
	static const enum pki_cert roots[] = { ROOT_A };
	struct sgw_trust *t = trust_with(roots, 1, NULL);
	uint8_t bad[4096];
	const uint8_t *certs[SGW_X509_MAX_CHAIN + 1];
	size_t lens[SGW_X509_MAX_CHAIN + 1];
	struct sgw_x509_result res;
	unsigned i;

	(void)state;
	/* 0: zero certificates */
	assert_int_equal(sgw_x509_verify_der(t, NULL, certs, lens, 0, now, &res),
			 SGW_X509_NO_CERT);
	assert_int_equal(sgw_x509_verify_chain(t, NULL, NULL, NULL, now, &res),
			 SGW_X509_NO_CERT);
	/* 1: garbage */
	memset(bad, 0x30, 64);
	certs[0] = bad;
	lens[0] = 64;
	assert_int_equal(sgw_x509_verify_der(t, NULL, certs, lens, 1, now, &res),
			 SGW_X509_MALFORMED);
	assert_int_equal(res.root_id, -1);
	/* 2: truncated leaf */
	certs[0] = pc[LEAF_A].der;
	lens[0] = pc[LEAF_A].der_len - 1;
	assert_int_equal(sgw_x509_verify_der(t, NULL, certs, lens, 1, now, &res),
			 SGW_X509_MALFORMED);
	/* 3: good leaf, malformed second certificate */
	lens[0] = pc[LEAF_A].der_len;
	certs[1] = bad;
	lens[1] = 0;
	assert_int_equal(sgw_x509_verify_der(t, NULL, certs, lens, 2, now, &res),
			 SGW_X509_MALFORMED);
	/* 4: one bit flipped in the signature */
	memcpy(bad, pc[LEAF_A].der, pc[LEAF_A].der_len);
	bad[pc[LEAF_A].der_len - 1] ^= 0x01;
	certs[0] = bad;
	assert_int_equal(sgw_x509_verify_der(t, NULL, certs, lens, 1, now, &res),
			 SGW_X509_BAD_CHAIN);
	assert_non_null(strstr(res.detail, "signature"));
	/* 5: too many certificates */
	for (i = 0; i < SGW_X509_MAX_CHAIN + 1; i++) {
		certs[i] = pc[LEAF_A].der;
		lens[i] = pc[LEAF_A].der_len;
	}
	assert_int_equal(sgw_x509_verify_der(t, NULL, certs, lens,
					     SGW_X509_MAX_CHAIN + 1, now, &res),
			 SGW_X509_BAD_CHAIN);
	/* 6: no trust store */
	assert_int_equal(sgw_x509_verify_der(NULL, NULL, certs, lens, 1, now, &res),
			 SGW_X509_UNKNOWN_ROOT);
	sgw_trust_destroy(t);
}

/* One published trust store, verified from several threads at once (as
 * worker lcores do): every verdict must come out as it does alone. */
enum { THREADS = 4, ROUNDS = 40 };

struct mt_arg {
	const struct sgw_trust *t;
	const struct sgw_revoked *r;
	int bad;
};

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;
	static const struct { enum pki_cert leaf; enum sgw_x509_verdict want; } v[] = {
		{ LEAF_A, SGW_X509_OK }, { LEAF_B, SGW_X509_REVOKED },
		{ LEAF_U, SGW_X509_UNKNOWN_ROOT }, { LEAF_EXPIRED, SGW_X509_EXPIRED },
	};
	struct sgw_x509_result res;
	unsigned i;

	for (i = 0; i < ROUNDS * ARRAY_SIZE(v); i++) {
		const uint8_t *c = pc[v[i % ARRAY_SIZE(v)].leaf].der;
		size_t n = pc[v[i % ARRAY_SIZE(v)].leaf].der_len;

		if (sgw_x509_verify_der(a->t, a->r, &c, &n, 1, now, &res) !=
		    v[i % ARRAY_SIZE(v)].want)
			a->bad++;
	}
	return NULL;
}

static void test_verify_threads(void **state)
{
	static const enum pki_cert roots[] = { ROOT_A, ROOT_B, ROOT_C };
	struct sgw_trust *t = trust_with(roots, 3, NULL);
	struct sgw_revoked *r = sgw_revoked_create();
	struct mt_arg args[THREADS];
	pthread_t th[THREADS];
	unsigned i;

	(void)state;
	assert_int_equal(sgw_revoked_add(r, pc[LEAF_B].thumbprint), 0);
	for (i = 0; i < THREADS; i++) {
		args[i] = (struct mt_arg){ .t = t, .r = r };
		assert_int_equal(pthread_create(&th[i], NULL, mt_worker, &args[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].bad, 0);
	}
	sgw_revoked_destroy(r);
	sgw_trust_destroy(t);
}

/* A self-signed v3 root with keyUsage keyCertSign and no basicConstraints,
 * as New-SelfSignedCertificate -KeyUsage CertSign (Azure's P2S recipe) may
 * make it: accepted as a root, and its clients verify. Built here with the
 * OpenSSL API since testpki always writes basicConstraints. */
static void test_root_keycertsign_only(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ku;
	struct tpki_cert root = { 0 }, leaf = { 0 };
	struct sgw_trust *t = sgw_trust_create(4);
	struct sgw_x509_result res;
	uint8_t *der = NULL;
	const uint8_t *certs[1];
	size_t lens[1];
	char err[128];
	int len;

	(void)state;
	assert_non_null(key);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"P2SRootCert", -1, -1, 0);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)), 1);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, -HOUR, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, NULL);
	assert_int_equal(X509_set_pubkey(x, key), 1);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ku = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, "critical,keyCertSign,digitalSignature");
	assert_non_null(ku);
	assert_int_equal(X509_add_ext(x, ku, -1), 1);
	X509_EXTENSION_free(ku);
	ku = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
	assert_non_null(ku);
	assert_int_equal(X509_add_ext(x, ku, -1), 1);
	X509_EXTENSION_free(ku);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	assert_true(sgw_trust_add(t, der, (size_t)len, err, sizeof(err)) >= 0);

	root.x509 = x;
	root.pkey = key;
	assert_int_equal(tpki_client(pki, "ps_leaf", "alice@contoso.com", &root, &leaf), 0);
	certs[0] = leaf.der;
	lens[0] = leaf.der_len;
	assert_int_equal(sgw_x509_verify_der(t, NULL, certs, lens, 1, now, &res), SGW_X509_OK);
	assert_string_equal(res.cn, "alice@contoso.com");
	tpki_cert_free(&leaf);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(key);
	sgw_trust_destroy(t);
}

static void test_verdict_str(void **state)
{
	enum sgw_x509_verdict v, w;

	(void)state;
	for (v = SGW_X509_OK; v <= SGW_X509_BAD_CHAIN; v++) {
		assert_non_null(sgw_x509_verdict_str(v));
		for (w = SGW_X509_OK; w < v; w++)
			assert_string_not_equal(sgw_x509_verdict_str(v),
						sgw_x509_verdict_str(w));
	}
	assert_string_equal(sgw_x509_verdict_str((enum sgw_x509_verdict)99),
			    "unknown verdict");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thumbprint_parse),
		cmocka_unit_test(test_thumbprint_format),
		cmocka_unit_test(test_thumbprint_of_cert),
		cmocka_unit_test(test_trust_add_forms),
		cmocka_unit_test(test_trust_add_bad),
		cmocka_unit_test(test_trust_add_reasons),
		cmocka_unit_test(test_trust_capacity),
		cmocka_unit_test(test_revoked_differential),
		cmocka_unit_test(test_verify_table),
		cmocka_unit_test(test_verify_revoke_cycle),
		cmocka_unit_test(test_verify_after_remove),
		cmocka_unit_test(test_verify_cn),
		cmocka_unit_test(test_verify_cn_truncated),
		cmocka_unit_test(test_verify_malformed),
		cmocka_unit_test(test_verify_threads),
		cmocka_unit_test(test_root_keycertsign_only),
		cmocka_unit_test(test_verdict_str),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
