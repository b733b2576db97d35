/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The address pools and reservations of control/tables.h, kept apart from
 * the certificate policy. Same threading contract as the tables: one writer
 * (sgw_poolset_set/usage/maintain/destroy), readers online in the RCU of
 * the owner, who passes its grace-period wait in at create. Callers use the
 * sgw_tables_pool* functions; this header is for control/tables.c.
 */
#ifndef SGW_CONTROL_POOLSET_H
#define SGW_CONTROL_POOLSET_H

#include <stddef.h>
#include <stdint.h>

#include "control/tables.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_poolset;

/* nparts: workers (pool partitions). grace(arg) returns once no reader
 * still uses what was published before the call. Empty until set. */
__attribute__((warn_unused_result))
struct sgw_poolset *sgw_poolset_create(unsigned nparts, void (*grace)(void *arg),
				       void *grace_arg);
void sgw_poolset_destroy(struct sgw_poolset *s);

/* Readers: contracts of sgw_tables_reserved() and sgw_tables_pool_*(). */
__attribute__((warn_unused_result))
int sgw_poolset_reserved(const struct sgw_poolset *s, const char *cn, uint32_t *addr);
__attribute__((warn_unused_result))
int sgw_poolset_alloc(struct sgw_poolset *s, unsigned part, const char *cn,
		      uint32_t *addr);
int sgw_poolset_free(struct sgw_poolset *s, uint32_t addr);
int sgw_poolset_owner(const struct sgw_poolset *s, uint32_t addr);

/* Writer: contracts of sgw_tables_pools_set/usage() and _maintain(). */
__attribute__((warn_unused_result))
int sgw_poolset_set(struct sgw_poolset *s, const struct sgw_tables_pools *p,
		    char *err, size_t err_len);
unsigned sgw_poolset_usage(const struct sgw_poolset *s,
			   struct sgw_tables_pool_usage *out, unsigned max);
unsigned sgw_poolset_maintain(struct sgw_poolset *s);

#ifdef __cplusplus
}
#endif
#endif
