/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 routes of one port: its connected prefix, VNet prefixes via a next
 * hop (or connected), and an optional default gateway. Longest prefix wins.
 * A handful of prefixes per gateway, so a sorted array (longest first) and
 * a linear scan beat a trie here; read-only once the workers run.
 *
 * Addresses are IPv4 in host byte order. No DPDK types.
 */
#ifndef SGW_DATAPLANE_ROUTE_H
#define SGW_DATAPLANE_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/sgw_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_route {
	uint32_t prefix;
	uint32_t mask;
	uint32_t nexthop;            /* 0: directly connected */
	uint8_t len;
};

struct sgw_route_table {
	unsigned n;
	struct sgw_route r[SGW_ROUTES_MAX];
};

void sgw_route_init(struct sgw_route_table *t);
/* Returns 0, -EINVAL (len > 32, host bits set) or -ENOSPC. */
__attribute__((warn_unused_result))
int sgw_route_add(struct sgw_route_table *t, uint32_t prefix, unsigned len,
		  uint32_t nexthop);
/* The address to resolve with ARP for dst (dst itself when connected);
 * false when no route matches. */
bool sgw_route_lookup(const struct sgw_route_table *t, uint32_t dst,
		      uint32_t *nexthop);

static inline uint32_t sgw_prefix_mask(unsigned len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

/* "a.b.c.d" -> host order. */
__attribute__((warn_unused_result))
bool sgw_addr_parse(const char *s, uint32_t *addr);
/* "a.b.c.d/len"; allow_host: host bits may be set (an interface address). */
__attribute__((warn_unused_result))
bool sgw_prefix_parse(const char *s, uint32_t *addr, unsigned *len, bool allow_host);
/* "a.b.c.d" into out (at least 16 bytes). */
const char *sgw_addr_str(uint32_t addr, char *out);

#ifdef __cplusplus
}
#endif
#endif
