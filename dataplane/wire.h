/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every wire-format header (sstp_wire.h, ppp_wire.h, tcp/tcp_wire.h)
 * shares: a size assertion that compiles as C11 and as C++ (bench/ is C++,
 * and C++ spells C11's _Static_assert as static_assert).
 */
#ifndef SGW_DATAPLANE_WIRE_H
#define SGW_DATAPLANE_WIRE_H

#ifdef __cplusplus
#define SGW_WIRE_ASSERT(e, m) static_assert(e, m)
#else
#define SGW_WIRE_ASSERT(e, m) _Static_assert(e, m)
#endif

#endif
