/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_mbuf.h>

#include "dataplane/fault.h"
#include "dataplane/sgw_limits.h"

enum {
	HELD_MAX_AGE = 64,     /* bursts a reordered packet may wait */
	MAX_IN = 2 * SGW_TX_BURST,
};

static uint32_t threshold(double frac)
{
	if (!(frac > 0))
		return 0;
	if (frac >= 1)
		return UINT32_MAX;
	return (uint32_t)(frac * 4294967296.0);
}

/* xorshift64* (Vigna): fast, good enough for test faults, seedable. */
static uint32_t draw(struct sgw_fault *f)
{
	uint64_t x = f->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->state = x;
	return (uint32_t)((x * UINT64_C(2685821657736338717)) >> 32);
}

bool sgw_fault_enabled(const struct sgw_fault_cfg *cfg)
{
	return (cfg->rx || cfg->tx) &&
	       (cfg->drop > 0 || cfg->dup > 0 || cfg->reorder > 0 || cfg->txq_full > 0);
}

void sgw_fault_init(struct sgw_fault *f, const struct sgw_fault_cfg *cfg, uint64_t salt)
{
	*f = (struct sgw_fault){
		.drop = threshold(cfg->drop),
		.dup = threshold(cfg->dup),
		.reorder = threshold(cfg->reorder),
		.txq_full = threshold(cfg->txq_full),
		.state = (cfg->seed ^ (salt * UINT64_C(0x9e3779b97f4a7c15))) | 1,
	};
}

static void push(struct rte_mbuf **out, uint16_t *k, uint16_t cap, struct rte_mbuf *m,
		 struct sgw_fault *f)
{
	if (*k < cap)
		out[(*k)++] = m;
	else {
		rte_pktmbuf_free(m);
		f->dropped++;
	}
}

uint16_t sgw_fault_apply(struct sgw_fault *f, struct rte_mbuf **pkts, uint16_t n,
			 uint16_t cap, struct rte_mempool *mp)
{
	struct rte_mbuf *in[MAX_IN];
	uint16_t k = 0;

	if (n > MAX_IN) {             /* callers pass at most a burst */
		for (uint16_t i = MAX_IN; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		f->dropped += n - MAX_IN;
		n = MAX_IN;
	}
	for (uint16_t i = 0; i < n; i++)
		in[i] = pkts[i];
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];

		if (draw(f) < f->drop) {
			rte_pktmbuf_free(m);
			f->dropped++;
			continue;
		}
		if (f->held == NULL && draw(f) < f->reorder) {
			f->held = m;
			f->held_age = 0;
			f->reordered++;
			continue;
		}
		if (draw(f) < f->dup) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, mp, 0, UINT32_MAX);

			if (c != NULL) {
				push(pkts, &k, cap, m, f);
				m = c;
				f->duplicated++;
			} else {
				f->dup_failed++;
			}
		}
		push(pkts, &k, cap, m, f);
		if (f->held != NULL) {        /* it now comes after a later packet */
			push(pkts, &k, cap, f->held, f);
			f->held = NULL;
		}
	}
	if (f->held != NULL && ++f->held_age > HELD_MAX_AGE) {
		push(pkts, &k, cap, f->held, f);
		f->held = NULL;
	}
	return k;
}

uint16_t sgw_fault_tx_room(struct sgw_fault *f, uint16_t n)
{
	if (n == 0 || draw(f) >= f->txq_full)
		return n;
	return (uint16_t)(draw(f) % n);
}

void sgw_fault_flush(struct sgw_fault *f)
{
	if (f->held != NULL)
		rte_pktmbuf_free(f->held);
	f->held = NULL;
}
