/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client address pool (e.g. 172.16.201.0/24: each client gets a /32).
 *
 * One bitmap of atomic words, split into per-worker partitions so that the
 * owner of an inner destination is arithmetic (sgw_pool_owner). Workers
 * allocate from their own partition and free with one atomic AND: no lock,
 * no allocation after create. Addresses that must never be handed out (the
 * network and broadcast addresses, the gateway's own tunnel address,
 * static reservations) are marked used at setup.
 *
 * Addresses are IPv4 in host byte order.
 */
#ifndef SGW_CONTROL_POOL_H
#define SGW_CONTROL_POOL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_pool;

/* base/prefix_len: the pool network (prefix 16..30). nparts: partitions
 * (workers), 1..64. The network and broadcast addresses are excluded.
 * Returns NULL on bad arguments or no memory. */
__attribute__((warn_unused_result))
struct sgw_pool *sgw_pool_create(uint32_t base, unsigned prefix_len, unsigned nparts);
void sgw_pool_destroy(struct sgw_pool *p);

/* Setup only (before workers run): never hand out addr. Returns 0,
 * -ERANGE (outside the pool) or -EEXIST (already used/excluded). */
__attribute__((warn_unused_result))
int sgw_pool_exclude(struct sgw_pool *p, uint32_t addr);

/* Take a free address from partition part. Returns 0 or -ENOSPC. Safe to
 * call concurrently from any thread (lock-free). */
__attribute__((warn_unused_result))
int sgw_pool_alloc(struct sgw_pool *p, unsigned part, uint32_t *addr);
/* Take this exact address (a reservation). Returns 0, -ERANGE or -EBUSY. */
__attribute__((warn_unused_result))
int sgw_pool_alloc_addr(struct sgw_pool *p, uint32_t addr);
/* Give addr back. Returns 0, -ERANGE, or -EALREADY if it was not in use. */
int sgw_pool_free(struct sgw_pool *p, uint32_t addr);

bool sgw_pool_contains(const struct sgw_pool *p, uint32_t addr);
bool sgw_pool_in_use(const struct sgw_pool *p, uint32_t addr);
/* The partition (worker) that owns addr, or -1 if outside the pool. */
int sgw_pool_owner(const struct sgw_pool *p, uint32_t addr);
unsigned sgw_pool_size(const struct sgw_pool *p);      /* addresses that can be handed out */
unsigned sgw_pool_used(const struct sgw_pool *p);      /* allocated, excluding exclusions */

/* Slots of partition part that are taken (allocated or excluded); a
 * statistic (racy under concurrent alloc/free). 0 if part is out of range. */
unsigned sgw_pool_taken_part(const struct sgw_pool *p, unsigned part);

#ifdef __cplusplus
}
#endif
#endif
