/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/pool.c: arithmetic, a randomised differential test against a naive
 * model, and two threads churning one partition (no address handed twice).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "control/pool.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void test_create_args(void **state)
{
	static const struct { uint32_t base; unsigned prefix, parts; bool ok; } c[] = {
		/* 1 */ { A(172, 16, 201, 0), 24, 1, true },
		/* 2 */ { A(172, 16, 201, 0), 15, 1, false },
		/* 3 */ { A(172, 16, 201, 0), 31, 1, false },
		/* 4 */ { A(172, 16, 201, 0), 24, 0, false },
		/* 5 */ { A(172, 16, 201, 0), 24, 65, false },
		/* 6 */ { A(10, 0, 0, 0), 16, 64, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sgw_pool *p = sgw_pool_create(c[i].base, c[i].prefix, c[i].parts);

		if ((p != NULL) != c[i].ok)
			fail_msg("case %zu: create %s", i + 1, p ? "succeeded" : "failed");
		sgw_pool_destroy(p);
	}
}

static void test_exhaust_and_reuse(void **state)
{
	struct sgw_pool *p = sgw_pool_create(A(172, 16, 201, 77), 24, 1);
	static bool seen[256];
	uint32_t a;

	(void)state;
	assert_non_null(p);
	assert_int_equal(sgw_pool_size(p), 254);
	assert_int_equal(sgw_pool_exclude(p, A(172, 16, 201, 1)), 0); /* gateway */
	assert_int_equal(sgw_pool_exclude(p, A(172, 16, 201, 1)), -EEXIST);
	assert_int_equal(sgw_pool_exclude(p, A(172, 16, 202, 1)), -ERANGE);
	for (int i = 0; i < 253; i++) {
		assert_int_equal(sgw_pool_alloc(p, 0, &a), 0);
		assert_true((a & 0xffffff00) == A(172, 16, 201, 0));
		assert_false(seen[a & 0xff]);
		seen[a & 0xff] = true;
	}
	assert_false(seen[0] || seen[1] || seen[255]);
	assert_int_equal(sgw_pool_alloc(p, 0, &a), -ENOSPC);
	assert_int_equal(sgw_pool_used(p), 253);
	assert_int_equal(sgw_pool_free(p, A(172, 16, 201, 77)), 0);
	assert_int_equal(sgw_pool_free(p, A(172, 16, 201, 77)), -EALREADY);
	assert_int_equal(sgw_pool_alloc(p, 0, &a), 0);
	assert_int_equal(a, A(172, 16, 201, 77));
	assert_int_equal(sgw_pool_alloc_addr(p, A(172, 16, 201, 77)), -EBUSY);
	sgw_pool_destroy(p);
}

static void test_partitions(void **state)
{
	struct sgw_pool *p = sgw_pool_create(A(172, 16, 201, 0), 24, 3);
	uint32_t a;
	unsigned n[3] = { 0 };

	(void)state;
	assert_non_null(p);
	for (unsigned part = 0; part < 3; part++) {
		while (sgw_pool_alloc(p, part, &a) == 0) {
			assert_int_equal(sgw_pool_owner(p, a), (int)part);
			n[part]++;
			assert_true(n[part] < 256);
		}
	}
	/* 256 slots in 3 parts of 86: .0 and .255 excluded. */
	assert_int_equal(n[0], 85);
	assert_int_equal(n[1], 86);
	assert_int_equal(n[2], 83);
	assert_int_equal(sgw_pool_owner(p, A(172, 16, 202, 0)), -1);
	assert_int_equal(sgw_pool_alloc(p, 3, &a), -ENOSPC);
	sgw_pool_destroy(p);
}

/* Differential: random alloc/free/alloc_addr against a bool array. */
static void test_differential(void **state)
{
	enum { PARTS = 4, OPS = 200000 };
	struct sgw_pool *p = sgw_pool_create(A(10, 1, 0, 0), 22, PARTS);
	static bool used[1024];
	unsigned seed = 12345, model_used = 0;

	(void)state;
	used[0] = used[1023] = true;
	for (int i = 0; i < OPS; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		uint32_t slot = r % 1024, a;
		int rc;

		switch (r >> 29) {
		case 0: case 1: case 2: {
			unsigned part = (r >> 10) % PARTS;
			bool any = false;

			for (uint32_t s = part * 256; s < part * 256 + 256; s++)
				any |= !used[s];
			rc = sgw_pool_alloc(p, part, &a);
			assert_int_equal(rc, any ? 0 : -ENOSPC);
			if (rc == 0) {
				assert_false(used[a - A(10, 1, 0, 0)]);
				assert_int_equal(sgw_pool_owner(p, a), (int)part);
				used[a - A(10, 1, 0, 0)] = true;
				model_used++;
			}
			break;
		}
		case 3:
			rc = sgw_pool_alloc_addr(p, A(10, 1, 0, 0) + slot);
			assert_int_equal(rc, used[slot] ? -EBUSY : 0);
			if (rc == 0) {
				used[slot] = true;
				model_used++;
			}
			break;
		default:
			if (slot == 0 || slot == 1023)
				break;
			rc = sgw_pool_free(p, A(10, 1, 0, 0) + slot);
			assert_int_equal(rc, used[slot] ? 0 : -EALREADY);
			if (rc == 0) {
				used[slot] = false;
				model_used--;
			}
		}
		assert_int_equal(sgw_pool_in_use(p, A(10, 1, 0, 0) + slot), used[slot]);
	}
	assert_int_equal(sgw_pool_used(p), model_used);
	sgw_pool_destroy(p);
}

/* Two threads allocate and free in the same partition (the worst case for
 * the atomics); a holder table catches any address handed out twice. */
enum { CHURN_OPS = 200000, CHURN_HELD = 40 };
static _Atomic int holder[256];
static atomic_int double_alloc;

struct churn { struct sgw_pool *p; int id; unsigned seed; };

static void *churn(void *arg)
{
	struct churn *c = arg;
	uint32_t held[CHURN_HELD];
	unsigned n = 0;

	for (int i = 0; i < CHURN_OPS; i++) {
		bool take = n == 0 || (n < CHURN_HELD && rand_r(&c->seed) % 2);

		if (take) {
			int expect = 0;

			if (sgw_pool_alloc(c->p, 0, &held[n]) != 0)
				continue;
			if (!atomic_compare_exchange_strong(&holder[held[n] & 0xff], &expect, c->id))
				atomic_fetch_add(&double_alloc, 1);
			n++;
		} else {
			uint32_t a = held[--n];

			atomic_store(&holder[a & 0xff], 0);
			if (sgw_pool_free(c->p, a) != 0)
				atomic_fetch_add(&double_alloc, 1);
		}
	}
	while (n > 0) {
		atomic_store(&holder[held[--n] & 0xff], 0);
		(void)sgw_pool_free(c->p, held[n]);
	}
	return NULL;
}

static void test_two_thread_churn(void **state)
{
	struct sgw_pool *p = sgw_pool_create(A(172, 16, 201, 0), 26, 1); /* 62 usable */
	struct churn c[2] = { { p, 1, 7 }, { p, 2, 99 } };
	pthread_t t[2];

	(void)state;
	assert_non_null(p);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, &c[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&double_alloc), 0);
	assert_int_equal(sgw_pool_used(p), 0);
	sgw_pool_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_exhaust_and_reuse),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_two_thread_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
