/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The address pools and reservations behind control/tables.h: snapshots
 * published with the grace period the tables give us (RCU).
 *
 * Pools. Each address is in use in at most one place, and a pool change
 * never moves that place under a worker's feet:
 *  - a pool that is removed or changed becomes "draining": it hands out
 *    nothing more, its holders free into it, and it is retired when empty;
 *  - a new pool first "borrows" (marks used, and flags in its borrowed
 *    bitmap) every address of its range that an older pool or a reservation
 *    still holds; freeing such an address frees the holder's copy first,
 *    then every borrowed copy (pools in creation order), each borrowed flag
 *    taken with one atomic AND so that exactly one party frees it;
 *  - the change is published in two steps: first the old pools with the
 *    changed ones draining and the changed reservations withdrawn, then,
 *    after a grace period (no allocation can still be running against the
 *    old view, so draining pools only lose addresses), the new pools borrow
 *    and are published; a last pass (reconcile) drops borrowed flags whose
 *    holder freed while the new pool was not yet visible.
 * Reserved addresses are excluded from every pool; the reservation itself
 * (one object per address, kept across changes) records the worker holding
 * it. Owner lookups return that worker, so a reserved client can be on any.
 */
#include "control/poolset.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/pool.h"

enum { WORD_BITS = 64 };

/* One reserved address; lives as long as some snapshot maps it. */
struct resv {
	uint32_t addr;
	atomic_int holder;          /* -1: free, else the worker holding it */
};

/* One pool (a prefix with its exclusions), shared by every snapshot that
 * lists it; freed only when no snapshot does. */
struct pool_ent {
	struct sgw_pool *pool;
	uint32_t base, nslots;
	unsigned prefix_len;
	uint64_t seq;               /* creation order: holders before borrowers */
	unsigned nexcl;
	uint32_t *excl;             /* sorted: explicit exclusions inside */
	_Atomic uint64_t *borrowed; /* NULL until something is borrowed */
};

struct ps_slot {
	struct pool_ent *e;
	bool active;                /* hands out addresses */
};

struct res_cn {
	char *cn;
	struct resv *r;
};

/* A snapshot of the pools, immutable once published. */
struct poolset {
	unsigned nslots;
	struct ps_slot *slots;      /* by seq */
	unsigned ncn;
	struct res_cn *by_cn;       /* by cn: active reservations */
	unsigned naddr;
	struct resv **by_addr;      /* by addr: every live reservation */
};

struct sgw_poolset {
	_Atomic(struct poolset *) pools;
	unsigned nparts;
	uint64_t pool_seq;          /* writer only */
	void (*grace)(void *arg);
	void *grace_arg;
};

__attribute__((format(printf, 3, 4)))
static void errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* reader side                                                          */
/* ------------------------------------------------------------------ */

static const struct poolset *ps_get(const struct sgw_poolset *t)
{
	return atomic_load_explicit(&((struct sgw_poolset *)t)->pools,
				    memory_order_acquire);
}

static bool u32_in(const uint32_t *v, unsigned n, uint32_t a)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (v[mid] == a)
			return true;
		if (v[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool ent_contains(const struct pool_ent *e, uint32_t a)
{
	return a - e->base < e->nslots;
}

/* Network, broadcast, or an explicit exclusion: never anybody's. */
static bool ent_excluded(const struct pool_ent *e, uint32_t a)
{
	return a == e->base || a == e->base + e->nslots - 1 ||
	       u32_in(e->excl, e->nexcl, a);
}

static bool ent_is_borrowed(const struct pool_ent *e, uint32_t a)
{
	uint32_t s = a - e->base;

	return e->borrowed != NULL &&
	       (atomic_load(&e->borrowed[s / WORD_BITS]) >> (s % WORD_BITS)) & 1;
}

/* Clear the borrowed flag; true for the one caller that cleared it. */
static bool ent_take_borrowed(struct pool_ent *e, uint32_t a)
{
	uint32_t s = a - e->base;
	uint64_t m = UINT64_C(1) << (s % WORD_BITS);

	return e->borrowed != NULL &&
	       (atomic_fetch_and(&e->borrowed[s / WORD_BITS], ~m) & m) != 0;
}

/* In use in this pool, by an allocation or a borrowed copy. */
static bool ent_held(const struct pool_ent *e, uint32_t a)
{
	return ent_contains(e, a) && !ent_excluded(e, a) &&
	       sgw_pool_in_use(e->pool, a);
}

static struct resv *find_addr(const struct poolset *ps, uint32_t a)
{
	unsigned lo = 0, hi = ps->naddr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (ps->by_addr[mid]->addr == a)
			return ps->by_addr[mid];
		if (ps->by_addr[mid]->addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct resv *find_cn(const struct poolset *ps, const char *cn)
{
	unsigned lo = 0, hi = ps->ncn;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = strcmp(ps->by_cn[mid].cn, cn);

		if (c == 0)
			return ps->by_cn[mid].r;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int sgw_poolset_reserved(const struct sgw_poolset *t, const char *cn,
			uint32_t *addr)
{
	struct resv *r = cn != NULL ? find_cn(ps_get(t), cn) : NULL;

	if (r == NULL)
		return -ENOENT;
	*addr = r->addr;
	return 0;
}

/* A reserved address may still be held by a draining pool (it was handed
 * out before the reservation existed): then it is busy until freed. Draining
 * pools never allocate, so once seen free it stays free. */
static int resv_take(const struct poolset *ps, struct resv *r, unsigned part,
		     uint32_t *addr)
{
	int free_ = -1;

	for (unsigned i = 0; i < ps->nslots; i++)
		if (ent_held(ps->slots[i].e, r->addr))
			return -EBUSY;
	if (!atomic_compare_exchange_strong(&r->holder, &free_, (int)part))
		return -EBUSY;
	*addr = r->addr;
	return 0;
}

int sgw_poolset_alloc(struct sgw_poolset *t, unsigned part, const char *cn,
			  uint32_t *addr)
{
	const struct poolset *ps = ps_get(t);
	struct resv *r = cn != NULL ? find_cn(ps, cn) : NULL;

	if (part >= t->nparts)
		return -EINVAL;
	if (r != NULL)
		return resv_take(ps, r, part, addr);
	for (unsigned i = 0; i < ps->nslots; i++)
		if (ps->slots[i].active && sgw_pool_alloc(ps->slots[i].e->pool, part, addr) == 0)
			return 0;
	return -ENOSPC;
}

/* The holder's copy first (a reservation, or the oldest pool holding it
 * that did not borrow it), then every borrowed copy in creation order. */
int sgw_poolset_free(struct sgw_poolset *t, uint32_t addr)
{
	const struct poolset *ps = ps_get(t);
	struct resv *r = find_addr(ps, addr);
	bool found = r != NULL && atomic_exchange(&r->holder, -1) >= 0;

	for (unsigned i = 0; i < ps->nslots; i++) {
		struct pool_ent *e = ps->slots[i].e;

		if (!ent_contains(e, addr) || ent_excluded(e, addr))
			continue;
		if (!found && !ent_is_borrowed(e, addr))
			found = sgw_pool_free(e->pool, addr) == 0;
		else if (found && ent_take_borrowed(e, addr))
			(void)sgw_pool_free(e->pool, addr);
	}
	return found ? 0 : -ENOENT;
}

int sgw_poolset_owner(const struct sgw_poolset *t, uint32_t addr)
{
	const struct poolset *ps = ps_get(t);
	struct resv *r = find_addr(ps, addr);
	int h = r != NULL ? atomic_load(&r->holder) : -1;

	if (h >= 0)
		return h;
	for (unsigned i = 0; i < ps->nslots; i++) {
		const struct pool_ent *e = ps->slots[i].e;

		if (ent_held(e, addr) && !ent_is_borrowed(e, addr))
			return sgw_pool_owner(e->pool, addr);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* writer side                                                         */
/* ------------------------------------------------------------------ */

static void ps_free(struct poolset *ps)
{
	if (ps == NULL)
		return;
	for (unsigned i = 0; i < ps->ncn; i++)
		free(ps->by_cn[i].cn);
	free(ps->by_cn);
	free(ps->by_addr);
	free(ps->slots);
	free(ps);
}

static struct poolset *ps_alloc(unsigned nslots, unsigned ncn, unsigned naddr)
{
	struct poolset *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		return NULL;
	ps->slots = calloc(nslots + 1, sizeof(*ps->slots));
	ps->by_cn = calloc(ncn + 1, sizeof(*ps->by_cn));
	ps->by_addr = calloc(naddr + 1, sizeof(*ps->by_addr));
	if (ps->slots == NULL || ps->by_cn == NULL || ps->by_addr == NULL) {
		ps_free(ps);
		return NULL;
	}
	return ps;
}

static void ent_destroy(struct pool_ent *e)
{
	if (e == NULL)
		return;
	sgw_pool_destroy(e->pool);
	free(e->excl);
	free((void *)e->borrowed);
	free(e);
}

/* Publish ps in place of the current snapshot; returns the old one, which
 * no reader sees any more (a grace period has passed). */
static struct poolset *swap_pools(struct sgw_poolset *t, struct poolset *ps)
{
	struct poolset *old = atomic_load_explicit(&t->pools, memory_order_relaxed);

	atomic_store_explicit(&t->pools, ps, memory_order_release);
	t->grace(t->grace_arg);
	return old;
}

/* The old snapshot goes; the pools and reservations it shares stay. */
static void publish_pools(struct sgw_poolset *t, struct poolset *ps)
{
	ps_free(swap_pools(t, ps));
}

static uint32_t prefix_mask(unsigned len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static void fmt_addr(uint32_t a, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		 a & 0xff);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static bool overlap(const struct sgw_tables_prefix *a, const struct sgw_tables_prefix *b)
{
	uint32_t m = prefix_mask(a->prefix_len < b->prefix_len ? a->prefix_len : b->prefix_len);

	return (a->base & m) == (b->base & m);
}

static int check_prefixes(const struct sgw_tables_pools *p, char *err, size_t err_len)
{
	char s[16];

	if (p->nprefixes > SGW_TABLES_MAX_POOLS || p->nexcluded > SGW_TABLES_MAX_EXCLUDED ||
	    p->nreservations > SGW_TABLES_MAX_RESERVATIONS) {
		errf(err, err_len, "pools: too many prefixes, exclusions or reservations");
		return -EINVAL;
	}
	for (unsigned i = 0; i < p->nprefixes; i++) {
		fmt_addr(p->prefixes[i].base, s);
		if (p->prefixes[i].prefix_len < 16 || p->prefixes[i].prefix_len > 30) {
			errf(err, err_len, "pool %s/%u: prefix length must be 16..30", s,
			     p->prefixes[i].prefix_len);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++)
			if (overlap(&p->prefixes[i], &p->prefixes[j])) {
				errf(err, err_len, "pool %s/%u overlaps pool %u", s,
				     p->prefixes[i].prefix_len, j + 1);
				return -EINVAL;
			}
	}
	return 0;
}

/* Reservation i against the others, the exclusions and the pool edges. */
static int check_resv(const struct sgw_tables_pools *p, unsigned i, char *err,
		      size_t err_len)
{
	const struct sgw_tables_reservation *r = &p->reservations[i];
	char s[16];

	if (r->cn == NULL || r->cn[0] == '\0' || strlen(r->cn) >= SGW_X509_CN_MAX) {
		errf(err, err_len, "reservation %u: empty or too long cn", i + 1);
		return -EINVAL;
	}
	fmt_addr(r->addr, s);
	for (unsigned j = 0; j < i; j++)
		if (strcmp(p->reservations[j].cn, r->cn) == 0 ||
		    p->reservations[j].addr == r->addr) {
			errf(err, err_len, "reservation %s -> %s: cn or address reserved twice",
			     r->cn, s);
			return -EINVAL;
		}
	for (unsigned j = 0; j < p->nexcluded; j++)
		if (p->excluded[j] == r->addr) {
			errf(err, err_len, "reservation %s -> %s: address is excluded", r->cn, s);
			return -EINVAL;
		}
	for (unsigned j = 0; j < p->nprefixes; j++) {
		uint32_t m = prefix_mask(p->prefixes[j].prefix_len);

		if ((r->addr & m) == (p->prefixes[j].base & m) &&
		    ((r->addr & ~m) == 0 || (r->addr & ~m) == ~m)) {
			errf(err, err_len, "reservation %s -> %s: network or broadcast address",
			     r->cn, s);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_pools(const struct sgw_tables_pools *p, char *err, size_t err_len)
{
	int rc = check_prefixes(p, err, err_len);

	for (unsigned i = 0; rc == 0 && i < p->nreservations; i++)
		rc = check_resv(p, i, err, err_len);
	return rc;
}

/* The explicit exclusions of prefix: configured ones and reservations
 * inside it, sorted, without duplicates or the network/broadcast edges. */
static uint32_t *excl_for(const struct sgw_tables_pools *p,
			  const struct sgw_tables_prefix *pf, unsigned *n)
{
	uint32_t m = prefix_mask(pf->prefix_len), *v;
	unsigned k = 0;

	v = malloc(((size_t)p->nexcluded + p->nreservations + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	for (unsigned i = 0; i < p->nexcluded + p->nreservations; i++) {
		uint32_t a = i < p->nexcluded ? p->excluded[i] :
			     p->reservations[i - p->nexcluded].addr;

		if ((a & m) == (pf->base & m) && (a & ~m) != 0 && (a & ~m) != ~m)
			v[k++] = a;
	}
	qsort(v, k, sizeof(*v), cmp_u32);
	*n = 0;
	for (unsigned i = 0; i < k; i++)
		if (*n == 0 || v[*n - 1] != v[i])
			v[(*n)++] = v[i];
	return v;
}

static bool ent_same(const struct pool_ent *e, const struct sgw_tables_prefix *pf,
		     const uint32_t *excl, unsigned nexcl)
{
	return e->base == (pf->base & prefix_mask(pf->prefix_len)) &&
	       e->prefix_len == pf->prefix_len && e->nexcl == nexcl &&
	       (nexcl == 0 || memcmp(e->excl, excl, nexcl * sizeof(*excl)) == 0);
}

/* A new pool, not yet published: its exclusions are set, nothing borrowed. */
static struct pool_ent *ent_create(struct sgw_poolset *t, const struct sgw_tables_prefix *pf,
				   uint32_t *excl, unsigned nexcl)
{
	struct pool_ent *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->prefix_len = pf->prefix_len;
	e->nslots = UINT32_C(1) << (32 - pf->prefix_len);
	e->base = pf->base & prefix_mask(pf->prefix_len);
	e->pool = sgw_pool_create(e->base, e->prefix_len, t->nparts);
	e->borrowed = calloc((e->nslots + WORD_BITS - 1) / WORD_BITS, sizeof(*e->borrowed));
	if (e->pool == NULL || e->borrowed == NULL) {
		ent_destroy(e);
		return NULL;
	}
	/* Cannot fail: inside the prefix, sorted without duplicates. */
	for (unsigned i = 0; i < nexcl; i++)
		if (sgw_pool_exclude(e->pool, excl[i]) != 0)
			continue;
	e->excl = excl;
	e->nexcl = nexcl;
	e->seq = ++t->pool_seq;
	return e;
}

/* The plan of one pools_set: what stays, what is new. Everything that can
 * fail is allocated here, before anything is published. */
struct plan {
	unsigned nkeep;
	struct pool_ent *keep[SGW_TABLES_MAX_POOLS];
	unsigned nnew;
	struct pool_ent *fresh[SGW_TABLES_MAX_POOLS];
	unsigned nresv_new;
	struct resv **resv_new;     /* reservations for addresses without one */
	struct poolset *mid, *fin;
};

static void plan_undo(struct plan *pl)
{
	for (unsigned i = 0; i < pl->nnew; i++)
		ent_destroy(pl->fresh[i]);
	for (unsigned i = 0; i < pl->nresv_new; i++)
		free(pl->resv_new[i]);
	free(pl->resv_new);
	ps_free(pl->mid);
	ps_free(pl->fin);
}

static struct pool_ent *find_keep(const struct poolset *old, const struct sgw_tables_prefix *pf,
				  const uint32_t *excl, unsigned nexcl)
{
	for (unsigned i = 0; i < old->nslots; i++)
		if (old->slots[i].active && ent_same(old->slots[i].e, pf, excl, nexcl))
			return old->slots[i].e;
	return NULL;
}

static int plan_pools(struct sgw_poolset *t, const struct poolset *old,
		      const struct sgw_tables_pools *p, struct plan *pl)
{
	for (unsigned i = 0; i < p->nprefixes; i++) {
		unsigned nexcl;
		uint32_t *excl = excl_for(p, &p->prefixes[i], &nexcl);
		struct pool_ent *e;

		if (excl == NULL)
			return -ENOMEM;
		e = find_keep(old, &p->prefixes[i], excl, nexcl);
		if (e != NULL) {
			free(excl);
			pl->keep[pl->nkeep++] = e;
			continue;
		}
		e = ent_create(t, &p->prefixes[i], excl, nexcl);
		if (e == NULL) {
			free(excl);
			return -ENOMEM;
		}
		pl->fresh[pl->nnew++] = e;
	}
	return 0;
}

static bool kept(const struct plan *pl, const struct pool_ent *e)
{
	for (unsigned i = 0; i < pl->nkeep; i++)
		if (pl->keep[i] == e)
			return true;
	return false;
}

static bool cfg_has(const struct sgw_tables_pools *p, const char *cn, uint32_t addr)
{
	for (unsigned i = 0; i < p->nreservations; i++)
		if (p->reservations[i].addr == addr && (cn == NULL ||
		    strcmp(p->reservations[i].cn, cn) == 0))
			return true;
	return false;
}

static int cmp_cn(const void *a, const void *b)
{
	return strcmp(((const struct res_cn *)a)->cn, ((const struct res_cn *)b)->cn);
}

static int cmp_resv(const void *a, const void *b)
{
	uint32_t x = (*(struct resv *const *)a)->addr, y = (*(struct resv *const *)b)->addr;

	return (x > y) - (x < y);
}

/* Step 1: the old pools with the changed ones draining, and only the
 * reservations that stay exactly as they are. */
static int plan_mid(const struct poolset *old, const struct sgw_tables_pools *p,
		    struct plan *pl)
{
	struct poolset *m = ps_alloc(old->nslots, old->ncn, old->naddr);

	if (m == NULL)
		return -ENOMEM;
	pl->mid = m;
	for (unsigned i = 0; i < old->nslots; i++) {
		m->slots[m->nslots] = old->slots[i];
		m->slots[m->nslots++].active = old->slots[i].active &&
					       kept(pl, old->slots[i].e);
	}
	for (unsigned i = 0; i < old->ncn; i++) {
		if (!cfg_has(p, old->by_cn[i].cn, old->by_cn[i].r->addr))
			continue;
		m->by_cn[m->ncn].r = old->by_cn[i].r;
		if ((m->by_cn[m->ncn++].cn = strdup(old->by_cn[i].cn)) == NULL)
			return -ENOMEM;
	}
	memcpy(m->by_addr, old->by_addr, old->naddr * sizeof(*m->by_addr));
	m->naddr = old->naddr;
	return 0;
}

/* Step 2: the new pools added, every configured reservation mapped (to the
 * existing object for its address, so a holder is carried over). */
static int plan_fin(const struct poolset *old, const struct sgw_tables_pools *p,
		    struct plan *pl)
{
	const struct poolset *m = pl->mid;
	struct poolset *f = ps_alloc(m->nslots + pl->nnew, p->nreservations,
				     m->naddr + p->nreservations);

	if (f == NULL)
		return -ENOMEM;
	pl->fin = f;
	pl->resv_new = calloc(p->nreservations + 1, sizeof(*pl->resv_new));
	if (pl->resv_new == NULL)
		return -ENOMEM;
	memcpy(f->slots, m->slots, m->nslots * sizeof(*f->slots));
	f->nslots = m->nslots;
	for (unsigned i = 0; i < pl->nnew; i++)
		f->slots[f->nslots++] = (struct ps_slot){ pl->fresh[i], true };
	memcpy(f->by_addr, old->by_addr, old->naddr * sizeof(*f->by_addr));
	f->naddr = old->naddr;
	for (unsigned i = 0; i < p->nreservations; i++) {
		const struct sgw_tables_reservation *cr = &p->reservations[i];
		struct resv *r = find_addr(old, cr->addr);

		if (r == NULL) {
			r = calloc(1, sizeof(*r));
			if (r == NULL)
				return -ENOMEM;
			r->addr = cr->addr;
			atomic_init(&r->holder, -1);
			pl->resv_new[pl->nresv_new++] = r;
			f->by_addr[f->naddr++] = r;
		}
		f->by_cn[f->ncn].r = r;
		if ((f->by_cn[f->ncn++].cn = strdup(cr->cn)) == NULL)
			return -ENOMEM;
	}
	qsort(f->by_cn, f->ncn, sizeof(*f->by_cn), cmp_cn);
	qsort(f->by_addr, f->naddr, sizeof(*f->by_addr), cmp_resv);
	return 0;
}

/* Held by something older than e: a reservation or an older pool. */
static bool held_before(const struct poolset *ps, const struct pool_ent *e, uint32_t a)
{
	struct resv *r = find_addr(ps, a);

	if (r != NULL && atomic_load(&r->holder) >= 0)
		return true;
	for (unsigned i = 0; i < ps->nslots && ps->slots[i].e->seq < e->seq; i++)
		if (ent_held(ps->slots[i].e, a))
			return true;
	return false;
}

/* Run while e is not yet visible and the pools it overlaps only lose
 * addresses (after the step-1 grace period). */
static void borrow(const struct poolset *ps, struct pool_ent *e)
{
	for (uint32_t s = 1; s + 1 < e->nslots; s++) {
		uint32_t a = e->base + s;

		if (ent_excluded(e, a) || !held_before(ps, e, a))
			continue;
		if (sgw_pool_alloc_addr(e->pool, a) == 0)
			atomic_fetch_or(&e->borrowed[s / WORD_BITS], UINT64_C(1) << (s % WORD_BITS));
	}
}

/* A borrowed copy whose holder freed it while e was not yet visible (or
 * whose free raced ahead of it) is dropped here; the atomic flag decides
 * between this pass and the holder's free. */
static void reconcile(const struct poolset *ps, struct pool_ent *e)
{
	for (uint32_t w = 0; w < (e->nslots + WORD_BITS - 1) / WORD_BITS; w++) {
		uint64_t bits = atomic_load(&e->borrowed[w]);

		while (bits != 0) {
			uint32_t a = e->base + w * WORD_BITS + (uint32_t)__builtin_ctzll(bits);

			bits &= bits - 1;
			if (!held_before(ps, e, a) && ent_take_borrowed(e, a))
				(void)sgw_pool_free(e->pool, a);
		}
	}
}

static void reconcile_all(struct sgw_poolset *t)
{
	const struct poolset *ps = ps_get(t);

	for (unsigned i = 0; i < ps->nslots; i++)
		reconcile(ps, ps->slots[i].e);
}

int sgw_poolset_set(struct sgw_poolset *t, const struct sgw_tables_pools *p,
			 char *err, size_t err_len)
{
	const struct poolset *old = ps_get(t);
	struct plan pl = { 0 };
	int rc = check_pools(p, err, err_len);

	if (rc != 0)
		return rc;
	rc = plan_pools(t, old, p, &pl);
	if (rc == 0)
		rc = plan_mid(old, p, &pl);
	if (rc == 0)
		rc = plan_fin(old, p, &pl);
	if (rc != 0) {
		errf(err, err_len, "pools: out of memory");
		plan_undo(&pl);
		return rc;
	}
	publish_pools(t, pl.mid);
	for (unsigned i = 0; i < pl.nnew; i++)
		borrow(pl.fin, pl.fresh[i]);
	publish_pools(t, pl.fin);
	free(pl.resv_new);
	reconcile_all(t);
	(void)sgw_poolset_maintain(t);
	return 0;
}

static bool cn_maps(const struct poolset *ps, const struct resv *r)
{
	for (unsigned i = 0; i < ps->ncn; i++)
		if (ps->by_cn[i].r == r)
			return true;
	return false;
}

/* Draining and empty: no holder left, and nothing can come back (draining
 * pools never allocate, withdrawn reservations are no longer mapped). */
static bool slot_done(const struct ps_slot *s)
{
	return !s->active && sgw_pool_used(s->e->pool) == 0;
}

static bool slots_have(const struct poolset *ps, const struct pool_ent *e)
{
	for (unsigned i = 0; i < ps->nslots; i++)
		if (ps->slots[i].e == e)
			return true;
	return false;
}

/* The snapshot without retired pools and reservations (decided once, here:
 * both states are final), or NULL if nothing retires or no memory. */
static struct poolset *ps_pruned(const struct poolset *ps)
{
	struct poolset *n = ps_alloc(ps->nslots, ps->ncn, ps->naddr);

	if (n == NULL)
		return NULL;
	for (unsigned i = 0; i < ps->nslots; i++)
		if (!slot_done(&ps->slots[i]))
			n->slots[n->nslots++] = ps->slots[i];
	for (unsigned i = 0; i < ps->naddr; i++)
		if (cn_maps(ps, ps->by_addr[i]) || atomic_load(&ps->by_addr[i]->holder) >= 0)
			n->by_addr[n->naddr++] = ps->by_addr[i];
	for (unsigned i = 0; i < ps->ncn; i++) {
		n->by_cn[n->ncn] = ps->by_cn[i];
		n->by_cn[n->ncn].cn = strdup(ps->by_cn[i].cn);
		if (n->by_cn[n->ncn++].cn == NULL)
			goto drop;
	}
	if (n->nslots < ps->nslots || n->naddr < ps->naddr)
		return n;
drop:
	ps_free(n);
	return NULL;
}

unsigned sgw_poolset_maintain(struct sgw_poolset *t)
{
	struct poolset *n, *old;
	unsigned gone;

	reconcile_all(t);
	n = ps_pruned(ps_get(t));
	if (n == NULL)
		return 0;
	old = swap_pools(t, n);
	gone = old->nslots - n->nslots;
	for (unsigned i = 0; i < old->nslots; i++)
		if (!slots_have(n, old->slots[i].e))
			ent_destroy(old->slots[i].e);
	for (unsigned i = 0; i < old->naddr; i++)
		if (find_addr(n, old->by_addr[i]->addr) != old->by_addr[i])
			free(old->by_addr[i]);
	ps_free(old);
	return gone;
}

unsigned sgw_poolset_usage(const struct sgw_poolset *t,
				struct sgw_tables_pool_usage *out, unsigned max)
{
	const struct poolset *ps = ps_get(t);

	for (unsigned i = 0; i < ps->nslots && i < max; i++) {
		const struct pool_ent *e = ps->slots[i].e;
		struct sgw_tables_pool_usage *u = &out[i];

		memset(u, 0, sizeof(*u));
		u->base = e->base;
		u->prefix_len = e->prefix_len;
		u->draining = !ps->slots[i].active;
		u->size = sgw_pool_size(e->pool);
		u->used = sgw_pool_used(e->pool);
		u->nparts = t->nparts;
		for (unsigned p = 0; p < t->nparts; p++)
			u->used_part[p] = sgw_pool_taken_part(e->pool, p);
		/* Taken slots that are exclusions are not in use. */
		u->used_part[sgw_pool_owner(e->pool, e->base)]--;
		u->used_part[sgw_pool_owner(e->pool, e->base + e->nslots - 1)]--;
		for (unsigned k = 0; k < e->nexcl; k++)
			u->used_part[sgw_pool_owner(e->pool, e->excl[k])]--;
	}
	return ps->nslots;
}

/* ------------------------------------------------------------------ */
/* create / destroy                                                     */
/* ------------------------------------------------------------------ */

struct sgw_poolset *sgw_poolset_create(unsigned nparts, void (*grace)(void *arg),
				       void *grace_arg)
{
	struct sgw_poolset *t = calloc(1, sizeof(*t));
	struct poolset *ps = ps_alloc(0, 0, 0);

	if (t == NULL || ps == NULL || grace == NULL) {
		free(t);
		ps_free(ps);
		return NULL;
	}
	atomic_init(&t->pools, ps);
	t->nparts = nparts;
	t->grace = grace;
	t->grace_arg = grace_arg;
	return t;
}

void sgw_poolset_destroy(struct sgw_poolset *t)
{
	struct poolset *ps;

	if (t == NULL)
		return;
	ps = atomic_load(&t->pools);
	for (unsigned i = 0; i < ps->nslots; i++)
		ent_destroy(ps->slots[i].e);
	for (unsigned i = 0; i < ps->naddr; i++)
		free(ps->by_addr[i]);
	ps_free(ps);
	free(t);
}
