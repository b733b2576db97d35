/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/pool.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

enum { WORD_BITS = 64, POOL_MAX_PARTS = 64 };

struct sgw_pool {
	uint32_t base;          /* network address */
	uint32_t nslots;        /* 2^(32-prefix): network .. broadcast */
	unsigned nparts;
	uint32_t part_slots;    /* slots per partition (the last may be short) */
	atomic_uint used;       /* allocated, not counting exclusions */
	unsigned excluded;
	uint32_t nwords;
	_Atomic uint64_t *bits; /* 1 = used or excluded */
	/* Per partition: where the next search starts (a hint, racy by design). */
	atomic_uint next_word[POOL_MAX_PARTS];
};

static inline bool slot_of(const struct sgw_pool *p, uint32_t addr, uint32_t *slot)
{
	uint32_t off = addr - p->base;

	if (addr < p->base || off >= p->nslots)
		return false;
	*slot = off;
	return true;
}

/* Bits past the end of the pool are set once, so they are never free. */
static void mark_tail(struct sgw_pool *p)
{
	for (uint32_t s = p->nslots; s < p->nwords * WORD_BITS; s++)
		atomic_fetch_or(&p->bits[s / WORD_BITS], UINT64_C(1) << (s % WORD_BITS));
}

/* Atomically set the bit; true if we were the one that set it. */
static bool claim(struct sgw_pool *p, uint32_t slot)
{
	uint64_t m = UINT64_C(1) << (slot % WORD_BITS);

	return (atomic_fetch_or(&p->bits[slot / WORD_BITS], m) & m) == 0;
}

struct sgw_pool *sgw_pool_create(uint32_t base, unsigned prefix_len, unsigned nparts)
{
	struct sgw_pool *p;

	if (prefix_len < 16 || prefix_len > 30 || nparts == 0 || nparts > POOL_MAX_PARTS)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->nslots = UINT32_C(1) << (32 - prefix_len);
	p->base = base & ~(p->nslots - 1);
	p->nparts = nparts;
	p->nwords = (p->nslots + WORD_BITS - 1) / WORD_BITS;
	p->part_slots = (p->nslots + nparts - 1) / nparts;
	p->bits = calloc(p->nwords, sizeof(*p->bits));
	if (p->bits == NULL) {
		free(p);
		return NULL;
	}
	mark_tail(p);
	/* RFC 1812 4.2.3.1: never hand out the network or broadcast address. */
	(void)claim(p, 0);
	(void)claim(p, p->nslots - 1);
	p->excluded = 2;
	return p;
}

void sgw_pool_destroy(struct sgw_pool *p)
{
	if (p == NULL)
		return;
	free(p->bits);
	free(p);
}

int sgw_pool_exclude(struct sgw_pool *p, uint32_t addr)
{
	uint32_t slot;

	if (!slot_of(p, addr, &slot))
		return -ERANGE;
	if (!claim(p, slot))
		return -EEXIST;
	p->excluded++;
	return 0;
}

/* Bits of word w that fall inside slots [lo, hi). */
static uint64_t word_mask(uint32_t w, uint32_t lo, uint32_t hi)
{
	uint32_t a = w * WORD_BITS, b = a + WORD_BITS;
	uint64_t m = UINT64_MAX;

	if (lo > a)
		m &= UINT64_MAX << (lo - a);
	if (hi < b)
		m &= UINT64_MAX >> (b - hi);
	return m;
}

/* Claim the lowest free bit of word w among allowed, or return false. */
static bool claim_in_word(struct sgw_pool *p, uint32_t w, uint64_t allowed,
			  uint32_t *slot)
{
	uint64_t cur = atomic_load_explicit(&p->bits[w], memory_order_relaxed);

	while ((cur | ~allowed) != UINT64_MAX) {
		uint64_t busy = cur | ~allowed;
		uint64_t m = ~busy & (busy + 1); /* lowest free allowed bit */

		if (atomic_compare_exchange_weak(&p->bits[w], &cur, cur | m)) {
			*slot = w * WORD_BITS + (uint32_t)__builtin_ctzll(m);
			return true;
		}
	}
	return false;
}

/* Partition part owns slots [part * part_slots, (part + 1) * part_slots):
 * the owner of an address is a division (sgw_pool_owner). The search starts
 * at the word of the last success, a racy hint that only saves time. */
int sgw_pool_alloc(struct sgw_pool *p, unsigned part, uint32_t *addr)
{
	uint32_t lo, hi, w0, nw, start, slot;

	if (part >= p->nparts)
		return -ENOSPC;
	lo = part * p->part_slots;
	hi = lo + p->part_slots < p->nslots ? lo + p->part_slots : p->nslots;
	if (lo >= hi)
		return -ENOSPC;
	w0 = lo / WORD_BITS;
	nw = (hi - 1) / WORD_BITS - w0 + 1;
	start = atomic_load_explicit(&p->next_word[part], memory_order_relaxed) % nw;
	for (uint32_t i = 0; i < nw; i++) {
		uint32_t w = w0 + (start + i) % nw;

		if (claim_in_word(p, w, word_mask(w, lo, hi), &slot)) {
			atomic_store_explicit(&p->next_word[part], (start + i) % nw,
					      memory_order_relaxed);
			atomic_fetch_add(&p->used, 1);
			*addr = p->base + slot;
			return 0;
		}
	}
	return -ENOSPC;
}

int sgw_pool_alloc_addr(struct sgw_pool *p, uint32_t addr)
{
	uint32_t slot;

	if (!slot_of(p, addr, &slot))
		return -ERANGE;
	if (!claim(p, slot))
		return -EBUSY;
	atomic_fetch_add(&p->used, 1);
	return 0;
}

int sgw_pool_free(struct sgw_pool *p, uint32_t addr)
{
	uint32_t slot;
	uint64_t m;

	if (!slot_of(p, addr, &slot))
		return -ERANGE;
	m = UINT64_C(1) << (slot % WORD_BITS);
	if ((atomic_fetch_and(&p->bits[slot / WORD_BITS], ~m) & m) == 0)
		return -EALREADY;
	atomic_fetch_sub(&p->used, 1);
	return 0;
}

bool sgw_pool_contains(const struct sgw_pool *p, uint32_t addr)
{
	uint32_t slot;

	return slot_of(p, addr, &slot);
}

bool sgw_pool_in_use(const struct sgw_pool *p, uint32_t addr)
{
	uint32_t slot;

	if (!slot_of(p, addr, &slot))
		return false;
	return (atomic_load(&p->bits[slot / WORD_BITS]) >> (slot % WORD_BITS)) & 1;
}

int sgw_pool_owner(const struct sgw_pool *p, uint32_t addr)
{
	uint32_t slot;

	if (!slot_of(p, addr, &slot))
		return -1;
	return (int)(slot / p->part_slots);
}

unsigned sgw_pool_size(const struct sgw_pool *p)
{
	return p->nslots - p->excluded;
}

unsigned sgw_pool_used(const struct sgw_pool *p)
{
	return atomic_load(&p->used);
}

unsigned sgw_pool_taken_part(const struct sgw_pool *p, unsigned part)
{
	uint32_t lo, hi, w;
	unsigned n = 0;

	if (part >= p->nparts)
		return 0;
	lo = part * p->part_slots;
	hi = lo + p->part_slots < p->nslots ? lo + p->part_slots : p->nslots;
	for (w = lo / WORD_BITS; lo < hi && w <= (hi - 1) / WORD_BITS; w++)
		n += (unsigned)__builtin_popcountll(atomic_load_explicit(&p->bits[w],
			memory_order_relaxed) & word_mask(w, lo, hi));
	return n;
}
