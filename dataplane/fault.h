/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded fault injection in the port layer: drop, duplicate or reorder a
 * given fraction of the packets of a burst (for the dp and e2e loss tests),
 * and make a fraction of the transmit bursts find the queue full.
 * One struct sgw_fault per (worker, port, direction); deterministic for a
 * given seed and packet sequence. DPDK side: works on mbufs.
 */
#ifndef SGW_DATAPLANE_FAULT_H
#define SGW_DATAPLANE_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;

struct sgw_fault_cfg {
	double drop, dup, reorder;   /* fractions in [0, 1] */
	double txq_full;             /* of tx bursts: the queue takes only part */
	uint64_t seed;
	bool rx, tx;                 /* where: outer port rx and/or tx */
};

struct sgw_fault {
	uint32_t drop, dup, reorder; /* thresholds on a 32-bit random draw */
	uint32_t txq_full;
	uint64_t state;              /* xorshift64* */
	struct rte_mbuf *held;       /* the packet being moved later */
	unsigned held_age;           /* bursts it has waited */
	uint64_t dropped, duplicated, reordered, dup_failed;
};

/* True if cfg asks for any fault at all. */
bool sgw_fault_enabled(const struct sgw_fault_cfg *cfg);
/* salt separates the streams of different workers/ports/directions. */
void sgw_fault_init(struct sgw_fault *f, const struct sgw_fault_cfg *cfg, uint64_t salt);
/* Apply to pkts[0..n): the result is written back to pkts (up to cap
 * entries; cap >= 2 * n + 1 never loses a duplicate) and its count
 * returned. Dropped packets are freed here; duplicates are copies from mp.
 * A reordered packet is held and released after the next packet that
 * passes (or after a few bursts). */
uint16_t sgw_fault_apply(struct sgw_fault *f, struct rte_mbuf **pkts, uint16_t n,
			 uint16_t cap, struct rte_mempool *mp);
/* How many of a transmit burst of n the queue takes: n, or with the
 * txq_full fraction fewer (0..n-1), as a NIC queue that is full. */
uint16_t sgw_fault_tx_room(struct sgw_fault *f, uint16_t n);
/* Free a held packet (teardown). */
void sgw_fault_flush(struct sgw_fault *f);

#ifdef __cplusplus
}
#endif
#endif
