/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every wire format (sstp_wire.h, ppp_wire.h, tcp/tcp_wire.h) shares:
 * a size assertion that compiles as C11 and as C++ (bench/ is C++, and C++
 * spells C11's _Static_assert as static_assert), and network-order loads
 * and stores with byte accesses (packets need not be aligned).
 */
#ifndef SGW_DATAPLANE_WIRE_H
#define SGW_DATAPLANE_WIRE_H

#include <stdint.h>

#ifdef __cplusplus
#define SGW_WIRE_ASSERT(e, m) static_assert(e, m)
#else
#define SGW_WIRE_ASSERT(e, m) _Static_assert(e, m)
#endif

static inline uint16_t sgw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t sgw_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void sgw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void sgw_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
