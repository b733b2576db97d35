/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/tables.c: persistence and stable ids, the revoked file format, bad
 * inputs, a randomised differential test against a naive model, readers
 * racing the writer (run it under ASan: no use after free), and pools that
 * never hand an address out twice, even while they change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control/tables.h"
#include "crypto/x509.h"
#include "tests/support/testpki.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

enum { NROOTS = 24, ERRLEN = 256 };

static struct tpki *pki;
static struct tpki_cert roots[NROOTS];
static struct tpki_cert client0;      /* under roots[0] */
static struct tpki_cert leaf_ca;      /* a client cert: not a CA */

/* ------------------------------------------------------------------ */
/* fixture                                                              */
/* ------------------------------------------------------------------ */

struct dirs {
	char base[64];
	char roots[96];
	char revoked[96];
};

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p) != 0)
			rm_tree(p);
	}
	closedir(d);
	rmdir(dir);
}

static void dirs_make(struct dirs *d)
{
	snprintf(d->base, sizeof(d->base), "/tmp/sgw-tables-XXXXXX");
	assert_non_null(mkdtemp(d->base));
	snprintf(d->roots, sizeof(d->roots), "%s/roots", d->base);
	snprintf(d->revoked, sizeof(d->revoked), "%s/revoked.txt", d->base);
	assert_int_equal(mkdir(d->roots, 0755), 0);
}

static void put_file(const char *dir, const char *name, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* The next open_tables() skips fsync (the tests that write thousands of
 * times; the others keep the real path). */
static bool fast;

static struct sgw_tables *open_tables(const struct dirs *d, unsigned max_roots,
				      unsigned nreaders, const struct sgw_tables_pools *p,
				      char *err)
{
	struct sgw_tables_cfg cfg = {
		.nreaders = nreaders, .roots_dir = d->roots, .max_roots = max_roots,
		.revoked_file = d->revoked, .no_fsync = fast,
	};

	if (p != NULL)
		cfg.pools = *p;
	fast = false;
	return sgw_tables_create(&cfg, err, ERRLEN);
}

static int setup(void **state)
{
	char name[32];

	(void)state;
	pki = tpki_create(NULL);
	if (pki == NULL)
		return -1;
	for (int i = 0; i < NROOTS; i++) {
		snprintf(name, sizeof(name), "root%d", i);
		if (tpki_root(pki, name, &roots[i]) != 0)
			return -1;
	}
	if (tpki_client(pki, "client0", "client0", &roots[0], &client0) != 0 ||
	    tpki_client(pki, "leafca", "leafca", &roots[1], &leaf_ca) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NROOTS; i++)
		tpki_cert_free(&roots[i]);
	tpki_cert_free(&client0);
	tpki_cert_free(&leaf_ca);
	tpki_destroy(pki);
	return 0;
}

static int add_root(struct sgw_tables *t, int i, const char *name)
{
	char err[ERRLEN];

	return sgw_tables_roots_add(t, roots[i].der, roots[i].der_len, name, err, sizeof(err));
}

static void tp_of(unsigned k, uint8_t tp[SGW_THUMBPRINT_LEN])
{
	for (unsigned i = 0; i < SGW_THUMBPRINT_LEN; i++)
		tp[i] = (uint8_t)(k * 37 + i * 11 + (k >> 8));
}

/* ------------------------------------------------------------------ */
/* persistence and stable ids                                           */
/* ------------------------------------------------------------------ */

static void test_persistence(void **state)
{
	struct sgw_tables_revoked_entry rev[4];
	struct sgw_tables_root list[8];
	char err[ERRLEN], from[256], to[256];
	struct dirs d;
	struct sgw_tables *t;
	uint8_t tp[SGW_THUMBPRINT_LEN];

	(void)state;
	dirs_make(&d);
	t = open_tables(&d, 0, 1, NULL, err);
	assert_non_null(t);
	assert_int_equal(sgw_tables_roots_list(t, list, 8), 0);
	assert_int_equal(add_root(t, 0, "alpha"), 1);
	assert_int_equal(add_root(t, 1, "beta.crt"), 2);
	assert_int_equal(add_root(t, 2, "gamma"), 3);
	assert_int_equal(sgw_tables_roots_remove(t, 2, err, sizeof(err)), 0);
	tp_of(1, tp);
	assert_int_equal(sgw_tables_revoked_add(t, tp, "lost laptop", err, sizeof(err)), 0);
	tp_of(2, tp);
	assert_int_equal(sgw_tables_revoked_add(t, tp, NULL, err, sizeof(err)), 0);
	sgw_tables_destroy(t);

	/* Renaming a file keeps its id; a new root never reuses id 2. */
	snprintf(from, sizeof(from), "%s/gamma.cer", d.roots);
	snprintf(to, sizeof(to), "%s/renamed.pem", d.roots);
	assert_int_equal(rename(from, to), 0);
	t = open_tables(&d, 0, 1, NULL, err);
	assert_non_null(t);
	assert_int_equal(sgw_tables_roots_list(t, list, 8), 2);
	assert_int_equal(list[0].info.id, 1);
	assert_string_equal(list[0].name, "alpha.cer");
	assert_memory_equal(list[0].info.thumbprint, roots[0].thumbprint, 20);
	assert_int_equal(list[1].info.id, 3);
	assert_string_equal(list[1].name, "renamed.pem");
	assert_true(sgw_tables_root_present(sgw_tables_trust(t), 3));
	assert_false(sgw_tables_root_present(sgw_tables_trust(t), 2));
	assert_int_equal(add_root(t, 3, "delta"), 4);
	assert_int_equal(sgw_tables_revoked_list(t, rev, 4), 2);
	tp_of(1, tp);
	assert_true(sgw_revoked_contains(sgw_tables_revoked(t), tp));
	for (int i = 0; i < 2; i++)
		if (memcmp(rev[i].thumbprint, tp, 20) == 0)
			assert_string_equal(rev[i].note, "lost laptop");
		else
			assert_string_equal(rev[i].note, "");
	sgw_tables_destroy(t);

	t = open_tables(&d, 0, 1, NULL, err);
	assert_non_null(t);
	assert_int_equal(sgw_tables_roots_list(t, list, 8), 3);
	assert_int_equal(list[2].info.id, 4);
	sgw_tables_destroy(t);
	rm_tree(d.base);
}

/* The revoked file as an operator may write it on Windows. */
static void test_revoked_format(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf# header comment\r\n"
		"\r\n"
		"# note for the next line\r\n"
		"\xe2\x80\x8e" "a1 b2 c3 d4 e5 f6 07 18 29 3a 4b 5c 6d 7e 8f 90 01 12 23 34\r\n"
		"\tA1B2C3D4E5F60718293A4B5C6D7E8F9001122335   # same line\r\n"
		"# dropped: a blank line follows\n"
		"\n"
		"a1:b2:c3:d4:e5:f6:07:18:29:3a:4b:5c:6d:7e:8f:90:01:12:23:36";
	static const struct { const char *hex, *note; } want[] = {
		/* 1 */ { "A1B2C3D4E5F60718293A4B5C6D7E8F9001122334", "note for the next line" },
		/* 2 */ { "A1B2C3D4E5F60718293A4B5C6D7E8F9001122335", "same line" },
		/* 3 */ { "A1B2C3D4E5F60718293A4B5C6D7E8F9001122336", "" },
	};
	struct sgw_tables_revoked_entry rev[4];
	char err[ERRLEN], hex[41];
	struct sgw_tables *t;
	struct dirs d;

	(void)state;
	dirs_make(&d);
	put_file(d.base, "revoked.txt", text, sizeof(text) - 1);
	t = open_tables(&d, 0, 1, NULL, err);
	if (t == NULL)
		fail_msg("create: %s", err);
	assert_int_equal(sgw_tables_revoked_list(t, rev, 4), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		sgw_thumbprint_format(rev[i].thumbprint, hex);
		if (strcmp(hex, want[i].hex) != 0 || strcmp(rev[i].note, want[i].note) != 0)
			fail_msg("case %zu: %s \"%s\"", i + 1, hex, rev[i].note);
	}
	/* Rewritten in our own format, read back the same. */
	assert_int_equal(sgw_tables_revoked_remove(t, rev[2].thumbprint, err, sizeof(err)), 0);
	sgw_tables_destroy(t);
	t = open_tables(&d, 0, 1, NULL, err);
	assert_non_null(t);
	assert_int_equal(sgw_tables_revoked_list(t, rev, 4), 2);
	assert_string_equal(rev[0].note, want[0].note);
	assert_string_equal(rev[1].note, want[1].note);
	assert_int_equal(sgw_revoked_count(sgw_tables_revoked(t)), 2);
	sgw_tables_destroy(t);
	rm_tree(d.base);
}

/* ------------------------------------------------------------------ */
/* bad inputs                                                           */
/* ------------------------------------------------------------------ */

enum bad_setup { BAD_GARBLED, BAD_NOT_CA, BAD_TP_LINE, BAD_TP_DUP, BAD_TOO_MANY,
		 BAD_NO_DIR, BAD_NUL, BAD_DUP_FILE };

static void test_bad_start(void **state)
{
	static const struct { enum bad_setup what; const char *file, *reason; } c[] = {
		/* 1 */ { BAD_GARBLED, "roots/junk.cer", "not a certificate" },
		/* 2 */ { BAD_NOT_CA, "roots/leaf.cer", "not a CA" },
		/* 3 */ { BAD_TP_LINE, "revoked.txt:3", "not a thumbprint" },
		/* 4 */ { BAD_TP_DUP, "revoked.txt:2", "listed twice" },
		/* 5 */ { BAD_TOO_MANY, "roots", "more than max_roots (2)" },
		/* 6 */ { BAD_NO_DIR, "roots", "No such file" },
		/* 7 */ { BAD_NUL, "revoked.txt:2", "NUL" },
		/* 8 */ { BAD_DUP_FILE, "roots/good.cer", "same certificate as dup.cer" },
	};
	static const char tps[] = "# x\n0102030405060708090a0b0c0d0e0f1011121314\n"
				  "0102030405060708090a0b0c0d0e0f10111213\n";
	static const char dup[] = "0102030405060708090a0b0c0d0e0f1011121314\n"
				  "01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 # again\n";
	static const char nul[] = "# ok\n\0\n";

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		char err[ERRLEN] = "", want[256];
		struct sgw_tables *t;
		struct dirs d;

		dirs_make(&d);
		put_file(d.roots, "good.cer", roots[0].der, roots[0].der_len);
		switch (c[i].what) {
		case BAD_GARBLED:
			put_file(d.roots, "junk.cer", "MIIB garbage ===", 16);
			break;
		case BAD_NOT_CA:
			put_file(d.roots, "leaf.cer", leaf_ca.der, leaf_ca.der_len);
			break;
		case BAD_TP_LINE:
			put_file(d.base, "revoked.txt", tps, sizeof(tps) - 1);
			break;
		case BAD_TP_DUP:
			put_file(d.base, "revoked.txt", dup, sizeof(dup) - 1);
			break;
		case BAD_TOO_MANY:
			put_file(d.roots, "b.cer", roots[1].der, roots[1].der_len);
			put_file(d.roots, "c.cer", roots[2].der, roots[2].der_len);
			break;
		case BAD_NO_DIR:
			rm_tree(d.roots);
			break;
		case BAD_NUL:
			put_file(d.base, "revoked.txt", nul, sizeof(nul) - 1);
			break;
		case BAD_DUP_FILE:
			put_file(d.roots, "dup.cer", roots[0].der, roots[0].der_len);
			break;
		}
		t = open_tables(&d, 2, 1, NULL, err);
		snprintf(want, sizeof(want), "%s/%s", d.base, c[i].file);
		if (t != NULL || strstr(err, want) == NULL || strstr(err, c[i].reason) == NULL)
			fail_msg("case %zu: %s: \"%s\"", i + 1, t ? "started" : "error", err);
		sgw_tables_destroy(t);
		rm_tree(d.base);
	}
}

static void test_bad_ops(void **state)
{
	static const struct sgw_tables_prefix overlap[] = {
		{ A(10, 0, 0, 0), 24 }, { A(10, 0, 0, 128), 25 },
	};
	static const struct sgw_tables_prefix shortp[] = { { A(10, 0, 0, 0), 15 } };
	static const struct sgw_tables_prefix one[] = { { A(10, 0, 0, 0), 24 } };
	static const struct sgw_tables_reservation twice[] = {
		{ "a", A(10, 0, 0, 5) }, { "a", A(10, 0, 0, 6) },
	};
	static const struct sgw_tables_reservation edge[] = { { "a", A(10, 0, 0, 255) } };
	static const uint32_t gw[] = { A(10, 0, 0, 7) };
	static const struct sgw_tables_reservation on_gw[] = { { "a", A(10, 0, 0, 7) } };
	const struct { struct sgw_tables_pools p; const char *reason; } c[] = {
		/* 1 */ { { overlap, 2, NULL, 0, NULL, 0 }, "overlaps" },
		/* 2 */ { { shortp, 1, NULL, 0, NULL, 0 }, "16..30" },
		/* 3 */ { { one, 1, twice, 2, NULL, 0 }, "twice" },
		/* 4 */ { { one, 1, edge, 1, NULL, 0 }, "broadcast" },
		/* 5 */ { { one, 1, on_gw, 1, gw, 1 }, "excluded" },
	};
	char err[ERRLEN], big[SGW_TABLES_NOTE_MAX + 8];
	uint8_t tp[SGW_THUMBPRINT_LEN];
	struct sgw_tables *t;
	struct dirs d;

	(void)state;
	dirs_make(&d);
	t = open_tables(&d, 2, 1, NULL, err);
	assert_non_null(t);
	assert_int_equal(add_root(t, 0, "a"), 1);
	assert_int_equal(add_root(t, 0, "other"), -EEXIST);    /* same certificate */
	assert_int_equal(add_root(t, 1, "a.cer"), -EEXIST);    /* same name */
	assert_int_equal(add_root(t, 1, "../x"), -EINVAL);
	assert_int_equal(add_root(t, 1, ".hidden"), -EINVAL);
	assert_int_equal(add_root(t, 1, ""), -EINVAL);
	assert_int_equal(sgw_tables_roots_add(t, (const uint8_t *)"junk", 4, "j", err,
					      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a certificate"));
	assert_int_equal(sgw_tables_roots_add(t, leaf_ca.der, leaf_ca.der_len, "l", err,
					      sizeof(err)), -EINVAL);
	assert_int_equal(add_root(t, 1, "b"), 2);
	assert_int_equal(sgw_tables_roots_add(t, roots[2].der, roots[2].der_len, "c", err,
					      sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "max_roots"));
	assert_int_equal(sgw_tables_roots_remove(t, 9, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no root with id 9"));
	tp_of(5, tp);
	assert_int_equal(sgw_tables_revoked_remove(t, tp, err, sizeof(err)), -ENOENT);
	assert_int_equal(sgw_tables_revoked_add(t, tp, "two\nlines", err, sizeof(err)), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(sgw_tables_revoked_add(t, tp, big, err, sizeof(err)), -EINVAL);
	assert_int_equal(sgw_tables_revoked_add(t, tp, "ok", err, sizeof(err)), 0);
	assert_int_equal(sgw_tables_revoked_add(t, tp, "ok", err, sizeof(err)), -EEXIST);
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		err[0] = '\0';
		if (sgw_tables_pools_set(t, &c[i].p, err, sizeof(err)) != -EINVAL ||
		    strstr(err, c[i].reason) == NULL)
			fail_msg("pools case %zu: \"%s\"", i + 1, err);
	}
	sgw_tables_destroy(t);
	rm_tree(d.base);
}

/* ------------------------------------------------------------------ */
/* differential test against a naive model                              */
/* ------------------------------------------------------------------ */

enum { DIFF_OPS = 4000, DIFF_TPS = 48, DIFF_MAX_ROOTS = 20 };

struct model {
	bool revoked[DIFF_TPS];
	unsigned root_id[NROOTS];    /* 0: not present */
	unsigned nroots;
	unsigned next_id;
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void model_check(struct sgw_tables *t, const struct model *m)
{
	struct sgw_tables_root list[NROOTS];
	const struct sgw_trust *tr = sgw_tables_trust(t);
	uint8_t tp[SGW_THUMBPRINT_LEN];
	unsigned n = sgw_tables_roots_list(t, list, NROOTS), nrev = 0;

	assert_int_equal(n, m->nroots);
	for (unsigned i = 0; i < NROOTS; i++) {
		bool seen = false;

		for (unsigned k = 0; k < n; k++)
			seen |= list[k].info.id == m->root_id[i] &&
				memcmp(list[k].info.thumbprint, roots[i].thumbprint, 20) == 0;
		assert_true(seen == (m->root_id[i] != 0));
		if (m->root_id[i] != 0)
			assert_true(sgw_tables_root_present(tr, (int)m->root_id[i]));
	}
	for (unsigned k = 0; k < DIFF_TPS; k++) {
		tp_of(k, tp);
		assert_true(sgw_revoked_contains(sgw_tables_revoked(t), tp) == m->revoked[k]);
		nrev += m->revoked[k];
	}
	assert_int_equal(sgw_revoked_count(sgw_tables_revoked(t)), nrev);
}

static void diff_root_op(struct sgw_tables *t, struct model *m, unsigned i)
{
	char name[16], err[ERRLEN];
	int rc;

	if (m->root_id[i] != 0) {
		assert_int_equal(sgw_tables_roots_remove(t, m->root_id[i], err, sizeof(err)), 0);
		assert_int_equal(sgw_tables_roots_remove(t, m->root_id[i], err, sizeof(err)),
				 -ENOENT);
		m->root_id[i] = 0;
		m->nroots--;
		return;
	}
	snprintf(name, sizeof(name), "r%u", i);
	rc = add_root(t, (int)i, name);
	if (m->nroots == DIFF_MAX_ROOTS) {
		assert_int_equal(rc, -ENOSPC);
		return;
	}
	assert_int_equal(rc, (int)m->next_id);
	m->root_id[i] = m->next_id++;
	m->nroots++;
}

static void diff_rev_op(struct sgw_tables *t, struct model *m, unsigned k)
{
	uint8_t tp[SGW_THUMBPRINT_LEN];
	char err[ERRLEN];

	tp_of(k, tp);
	if (m->revoked[k])
		assert_int_equal(sgw_tables_revoked_remove(t, tp, err, sizeof(err)), 0);
	else
		assert_int_equal(sgw_tables_revoked_add(t, tp, "n", err, sizeof(err)), 0);
	m->revoked[k] = !m->revoked[k];
}

static void test_differential(void **state)
{
	struct model m = { .next_id = 1 };
	uint64_t seed = 0x5eed1234abcdULL;
	char err[ERRLEN];
	struct sgw_tables *t;
	struct dirs d;

	(void)state;
	dirs_make(&d);
	fast = true;
	t = open_tables(&d, DIFF_MAX_ROOTS, 1, NULL, err);
	assert_non_null(t);
	for (unsigned op = 0; op < DIFF_OPS; op++) {
		uint64_t r = rng_next(&seed);

		if (r % 3 == 0)
			diff_root_op(t, &m, (unsigned)(r >> 8) % NROOTS);
		else
			diff_rev_op(t, &m, (unsigned)(r >> 8) % DIFF_TPS);
		if (op % 50 == 0)
			model_check(t, &m);
		if (op % 500 == 499) {     /* everything survives a restart */
			sgw_tables_destroy(t);
			fast = true;
			t = open_tables(&d, DIFF_MAX_ROOTS, 1, NULL, err);
			assert_non_null(t);
			model_check(t, &m);
		}
	}
	model_check(t, &m);
	sgw_tables_destroy(t);
	rm_tree(d.base);
}

/* ------------------------------------------------------------------ */
/* readers racing the writer                                            */
/* ------------------------------------------------------------------ */

enum { RACE_READERS = 2, RACE_WRITES = 300, RACE_TPS = 16, RACE_MAX_ITER = 50000000 };

struct race {
	struct sgw_tables *t;
	atomic_bool done;
	atomic_uint errors;
	atomic_ulong reads;
};

struct reader_arg {
	struct race *r;
	unsigned id;
};

/* A snapshot must agree with itself while the reader holds it. */
static bool trust_consistent(const struct sgw_trust *tr)
{
	struct sgw_root_info info;
	unsigned n = sgw_trust_count(tr);

	for (unsigned i = 0; i < n; i++)
		if (!sgw_trust_root_info(tr, i, &info) || !sgw_trust_has_id(tr, info.id))
			return false;
	return !sgw_trust_root_info(tr, n, &info);
}

static bool revoked_consistent(const struct sgw_revoked *rv)
{
	uint8_t tp[SGW_THUMBPRINT_LEN];
	unsigned n = 0;

	for (unsigned k = 0; k < RACE_TPS; k++) {
		tp_of(k, tp);
		n += sgw_revoked_contains(rv, tp);
	}
	return n == sgw_revoked_count(rv) && !sgw_revoked_get(rv, n, tp);
}

/* The real use: verify a client under roots[0]; OK iff that root is in. */
static bool verify_consistent(const struct sgw_trust *tr, const struct sgw_revoked *rv)
{
	const uint8_t *certs[1] = { client0.der };
	size_t lens[1] = { client0.der_len };
	struct sgw_x509_result res;
	struct sgw_root_info info;
	bool in = false;

	for (unsigned i = 0; sgw_trust_root_info(tr, i, &info); i++)
		in |= memcmp(info.thumbprint, roots[0].thumbprint, 20) == 0;
	if (sgw_x509_verify_der(tr, rv, certs, lens, 1, time(NULL), &res) == SGW_X509_OK)
		return in && sgw_tables_root_present(tr, res.root_id);
	return !in && res.verdict == SGW_X509_UNKNOWN_ROOT;
}

static void *reader(void *p)
{
	struct reader_arg *a = p;
	struct sgw_tables *t = a->r->t;
	uint64_t last = 0;

	sgw_tables_reader_online(t, a->id);
	for (unsigned long i = 0; i < RACE_MAX_ITER && !atomic_load(&a->r->done); i++) {
		uint64_t gen = sgw_tables_generation(t);
		const struct sgw_trust *tr = sgw_tables_trust(t);
		const struct sgw_revoked *rv = sgw_tables_revoked(t);
		bool ok = gen >= last && trust_consistent(tr) && revoked_consistent(rv);

		if (ok && i % 64 == 0)
			ok = verify_consistent(tr, rv);
		if (!ok)
			atomic_fetch_add(&a->r->errors, 1);
		last = gen;
		atomic_fetch_add(&a->r->reads, 1);
		sgw_tables_quiescent(t, a->id);
	}
	sgw_tables_reader_offline(t, a->id);
	return NULL;
}

static void race_write(struct sgw_tables *t, unsigned i, unsigned *ids)
{
	uint8_t tp[SGW_THUMBPRINT_LEN];
	unsigned k = i / 2 % 4;
	char err[ERRLEN], name[16];

	if (i % 2 == 0) {
		if (ids[k] != 0) {
			assert_int_equal(sgw_tables_roots_remove(t, ids[k], err, sizeof(err)), 0);
			ids[k] = 0;
		} else {
			snprintf(name, sizeof(name), "race%u", k);
			ids[k] = (unsigned)add_root(t, (int)k, name);
			assert_true((int)ids[k] > 0);
		}
		return;
	}
	tp_of(i % RACE_TPS, tp);
	if (sgw_tables_revoked_add(t, tp, NULL, err, sizeof(err)) == -EEXIST)
		assert_int_equal(sgw_tables_revoked_remove(t, tp, err, sizeof(err)), 0);
}

static void test_readers_race_writer(void **state)
{
	struct race r = { 0 };
	struct reader_arg args[RACE_READERS];
	pthread_t th[RACE_READERS];
	unsigned ids[4] = { 0 };
	char err[ERRLEN];
	uint64_t gen0;
	struct dirs d;

	(void)state;
	dirs_make(&d);
	fast = true;
	r.t = open_tables(&d, 0, RACE_READERS, NULL, err);
	assert_non_null(r.t);
	gen0 = sgw_tables_generation(r.t);
	for (unsigned i = 0; i < RACE_READERS; i++) {
		args[i] = (struct reader_arg){ &r, i };
		assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]), 0);
	}
	for (unsigned i = 0; i < RACE_WRITES; i++)
		race_write(r.t, i, ids);
	atomic_store(&r.done, true);
	for (unsigned i = 0; i < RACE_READERS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&r.errors), 0);
	assert_true(atomic_load(&r.reads) > RACE_READERS);
	assert_true(sgw_tables_generation(r.t) >= gen0 + RACE_WRITES);
	sgw_tables_destroy(r.t);
	rm_tree(d.base);
}

/* ------------------------------------------------------------------ */
/* pools                                                                */
/* ------------------------------------------------------------------ */

static void test_pool_basic(void **state)
{
	static const struct sgw_tables_prefix pf[] = { { A(172, 16, 201, 0), 24 } };
	static const uint32_t gw[] = { A(172, 16, 201, 1) };
	static const struct sgw_tables_reservation res[] = {
		{ "alice", A(172, 16, 201, 50) }, { "bob", A(10, 9, 9, 9) },
	};
	const struct sgw_tables_pools p = { pf, 1, res, 2, gw, 1 };
	struct sgw_tables_pool_usage u[2];
	char err[ERRLEN];
	struct sgw_tables *t;
	uint32_t a, b;
	unsigned n = 0;
	struct dirs d;

	(void)state;
	dirs_make(&d);
	t = open_tables(&d, 0, 2, &p, err);
	assert_non_null(t);
	assert_int_equal(sgw_tables_reserved(t, "alice", &a), 0);
	assert_int_equal(a, A(172, 16, 201, 50));
	assert_int_equal(sgw_tables_reserved(t, "carol", &a), -ENOENT);
	assert_int_equal(sgw_tables_pool_alloc(t, 1, "alice", &a), 0);
	assert_int_equal(a, A(172, 16, 201, 50));
	assert_int_equal(sgw_tables_pool_owner(t, a), 1);  /* held by worker 1 */
	assert_int_equal(sgw_tables_pool_alloc(t, 0, "alice", &b), -EBUSY);
	assert_int_equal(sgw_tables_pool_alloc(t, 0, "bob", &b), 0);
	assert_int_equal(b, A(10, 9, 9, 9));
	assert_int_equal(sgw_tables_pool_alloc(t, 2, NULL, &b), -EINVAL);
	/* Partition 0 gets .0-.127 minus network, gateway, alice. */
	while (sgw_tables_pool_alloc(t, 0, "carol", &b) == 0 && n < 300) {
		assert_true(b != A(172, 16, 201, 1) && b != A(172, 16, 201, 50));
		assert_int_equal(sgw_tables_pool_owner(t, b), 0);
		n++;
	}
	assert_int_equal(n, 125);
	assert_int_equal(sgw_tables_pools_usage(t, u, 2), 1);
	assert_int_equal(u[0].used, 125);
	assert_int_equal(u[0].used_part[0], 125);
	assert_int_equal(u[0].used_part[1], 0);
	assert_false(u[0].draining);
	assert_int_equal(sgw_tables_pool_free(t, A(172, 16, 201, 50)), 0);
	assert_int_equal(sgw_tables_pool_free(t, A(172, 16, 201, 50)), -ENOENT);
	assert_int_equal(sgw_tables_pool_owner(t, A(172, 16, 201, 50)), -1);
	assert_int_equal(sgw_tables_pool_free(t, A(172, 16, 201, 2)), 0);
	assert_int_equal(sgw_tables_pool_owner(t, A(172, 16, 201, 2)), -1);
	assert_int_equal(sgw_tables_pool_free(t, A(172, 16, 201, 1)), -ENOENT);
	sgw_tables_destroy(t);
	rm_tree(d.base);
}

/* A change never takes an address in use, and old pools retire. */
static void test_pool_change(void **state)
{
	static const struct sgw_tables_prefix p24[] = { { A(10, 0, 0, 0), 24 } };
	static const struct sgw_tables_prefix p23[] = { { A(10, 0, 0, 0), 23 } };
	static const struct sgw_tables_prefix other[] = { { A(10, 1, 0, 0), 24 } };
	static const struct sgw_tables_reservation res[] = { { "dave", A(10, 0, 0, 9) } };
	const struct sgw_tables_pools c24 = { p24, 1, NULL, 0, NULL, 0 };
	const struct sgw_tables_pools c23 = { p23, 1, NULL, 0, NULL, 0 };
	const struct sgw_tables_pools c23r = { p23, 1, res, 1, NULL, 0 };
	const struct sgw_tables_pools cother = { other, 1, NULL, 0, NULL, 0 };
	static bool held[512];
	struct sgw_tables_pool_usage u[4];
	char err[ERRLEN];
	struct sgw_tables *t;
	uint32_t a, kept[10];
	struct dirs d;
	unsigned n = 0;

	(void)state;
	dirs_make(&d);
	t = open_tables(&d, 0, 1, &c24, err);
	assert_non_null(t);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(sgw_tables_pool_alloc(t, 0, NULL, &kept[i]), 0);
		held[kept[i] - A(10, 0, 0, 0)] = true;
	}
	/* /24 -> /23: the /24 drains, the /23 borrows the 10 in use. */
	assert_int_equal(sgw_tables_pools_set(t, &c23, err, sizeof(err)), 0);
	assert_int_equal(sgw_tables_pools_usage(t, u, 4), 2);
	assert_true(u[0].draining && !u[1].draining);
	assert_int_equal(u[0].used, 10);
	assert_int_equal(u[1].used, 10);
	/* Reservation for an address held through the old pool: busy. */
	assert_int_equal(sgw_tables_pools_set(t, &c23r, err, sizeof(err)), 0);
	assert_true(held[9]);
	assert_int_equal(sgw_tables_pool_alloc(t, 0, "dave", &a), -EBUSY);
	while (sgw_tables_pool_alloc(t, 0, NULL, &a) == 0 && n < 600) {
		assert_true(a - A(10, 0, 0, 0) < 512);
		assert_false(held[a - A(10, 0, 0, 0)]);
		held[a - A(10, 0, 0, 0)] = true;
		n++;
	}
	assert_int_equal(n, 510 - 10);     /* minus the held ones (dave's among them) */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(sgw_tables_pool_owner(t, kept[i]), 0);
		assert_int_equal(sgw_tables_pool_free(t, kept[i]), 0);
	}
	assert_int_equal(sgw_tables_pool_alloc(t, 0, "dave", &a), 0);
	assert_int_equal(a, A(10, 0, 0, 9));
	/* The 9 others came back to the current pool. */
	for (n = 0; sgw_tables_pool_alloc(t, 0, NULL, &a) == 0 && n < 20; n++)
		assert_true(a != A(10, 0, 0, 9));
	assert_int_equal(n, 9);
	assert_int_equal(sgw_tables_maintain(t), 2);
	assert_int_equal(sgw_tables_pools_usage(t, u, 4), 1);
	/* Removed pool: keeps its addresses until freed, then retires. */
	assert_int_equal(sgw_tables_pools_set(t, &cother, err, sizeof(err)), 0);
	assert_int_equal(sgw_tables_pools_usage(t, u, 4), 2);
	assert_int_equal(sgw_tables_pool_free(t, A(10, 0, 0, 9)), 0);
	for (uint32_t s = 1; s < 511; s++)
		if (s != 9)
			assert_int_equal(sgw_tables_pool_free(t, A(10, 0, 0, 0) + s), 0);
	assert_int_equal(sgw_tables_maintain(t), 1);
	assert_int_equal(sgw_tables_pools_usage(t, u, 4), 1);
	assert_int_equal(u[0].base, A(10, 1, 0, 0));
	sgw_tables_destroy(t);
	rm_tree(d.base);
}

enum { CHURN_THREADS = 2, CHURN_ITERS = 20000, CHURN_MAX_ITERS = 100000000, CHURN_HOLD = 64, CHURN_CHANGES = 40,
       CHURN_SPAN = 1024 };

struct churn {
	struct sgw_tables *t;
	_Atomic unsigned char owner[CHURN_SPAN];  /* 10.0.0.0/22 */
	atomic_uint errors;
	atomic_uint finished;
	atomic_uint changes;
};

struct churn_arg {
	struct churn *c;
	unsigned id;
};

static void *churner(void *p)
{
	struct churn_arg *a = p;
	struct churn *c = a->c;
	uint32_t held[CHURN_HOLD];
	unsigned n = 0;
	uint64_t seed = 0x1234567ULL + a->id;

	sgw_tables_reader_online(c->t, a->id);
	/* On until the writer has made all its changes. */
	for (unsigned i = 0; i < CHURN_MAX_ITERS && (i < CHURN_ITERS ||
	     atomic_load(&c->changes) < CHURN_CHANGES); i++) {
		uint32_t x;

		if ((rng_next(&seed) % 2 == 0 || n == CHURN_HOLD) && n > 0) {
			unsigned k = (unsigned)(rng_next(&seed) % n);

			x = held[k];
			held[k] = held[--n];
			atomic_store(&c->owner[x - A(10, 0, 0, 0)], 0);
			if (sgw_tables_pool_free(c->t, x) != 0)
				atomic_fetch_add(&c->errors, 1);
		} else if (sgw_tables_pool_alloc(c->t, a->id, NULL, &x) == 0) {
			unsigned char none = 0;

			if (x - A(10, 0, 0, 0) >= CHURN_SPAN ||
			    !atomic_compare_exchange_strong(&c->owner[x - A(10, 0, 0, 0)],
							    &none, (unsigned char)(a->id + 1)) ||
			    sgw_tables_pool_owner(c->t, x) != (int)a->id)
				atomic_fetch_add(&c->errors, 1);
			else
				held[n++] = x;
		}
		sgw_tables_quiescent(c->t, a->id);
		if (i % 4096 == 0)
			sched_yield();   /* two cores: let the writer run */
	}
	while (n > 0) {
		atomic_store(&c->owner[held[--n] - A(10, 0, 0, 0)], 0);
		if (sgw_tables_pool_free(c->t, held[n]) != 0)
			atomic_fetch_add(&c->errors, 1);
	}
	sgw_tables_reader_offline(c->t, a->id);
	atomic_fetch_add(&c->finished, 1);
	return NULL;
}

static void test_pool_churn(void **state)
{
	static const struct sgw_tables_prefix pa[] = { { A(10, 0, 0, 0), 24 } };
	static const struct sgw_tables_prefix pb[] = { { A(10, 0, 0, 0), 23 } };
	static const struct sgw_tables_prefix pc[] = {
		{ A(10, 0, 1, 0), 24 }, { A(10, 0, 2, 0), 23 },
	};
	static const struct sgw_tables_prefix pd[] = { { A(10, 0, 0, 0), 25 } };
	static const uint32_t gw[] = { A(10, 0, 0, 1) };
	static const struct sgw_tables_reservation res[] = { { "r", A(10, 0, 1, 7) } };
	const struct sgw_tables_pools cfgs[] = {
		{ pa, 1, NULL, 0, gw, 1 }, { pb, 1, res, 1, gw, 1 },
		{ pc, 2, NULL, 0, NULL, 0 }, { pd, 1, res, 1, gw, 1 },
	};
	static struct churn c;
	struct churn_arg args[CHURN_THREADS];
	pthread_t th[CHURN_THREADS];
	struct sgw_tables_pool_usage u[64];
	char err[ERRLEN];
	const struct sgw_tables_pools *last = &cfgs[0];
	struct dirs d;
	unsigned n, i;

	(void)state;
	memset(&c, 0, sizeof(c));
	dirs_make(&d);
	c.t = open_tables(&d, 0, CHURN_THREADS, &cfgs[0], err);
	assert_non_null(c.t);
	for (i = 0; i < CHURN_THREADS; i++) {
		args[i] = (struct churn_arg){ &c, i };
		assert_int_equal(pthread_create(&th[i], NULL, churner, &args[i]), 0);
	}
	/* CHURN_CHANGES changes while both churners run. */
	for (i = 0; i < CHURN_CHANGES && atomic_load(&c.finished) == 0; i++) {
		last = &cfgs[i % ARRAY_SIZE(cfgs)];
		assert_int_equal(sgw_tables_pools_set(c.t, last, err, sizeof(err)), 0);
		(void)sgw_tables_maintain(c.t);
		atomic_fetch_add(&c.changes, 1);
		usleep(500);
	}
	/* The churners were still running during every change. */
	assert_true(i >= CHURN_CHANGES);
	for (i = 0; i < CHURN_THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&c.errors), 0);
	/* Everything was freed: only the last configuration's pool is left. */
	(void)sgw_tables_maintain(c.t);
	n = sgw_tables_pools_usage(c.t, u, 64);
	assert_int_equal(n, last->nprefixes);
	for (i = 0; i < n; i++) {
		assert_int_equal(u[i].used, 0);
		assert_false(u[i].draining);
		assert_int_equal(u[i].base, last->prefixes[i].base);
	}
	sgw_tables_destroy(c.t);
	rm_tree(d.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_revoked_format),
		cmocka_unit_test(test_bad_start),
		cmocka_unit_test(test_bad_ops),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_readers_race_writer),
		cmocka_unit_test(test_pool_basic),
		cmocka_unit_test(test_pool_change),
		cmocka_unit_test(test_pool_churn),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
