/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A benchmark client's TCP segments toward the gateway's port 443: the
 * fixed header and the timestamps option (NOP NOP TS). C++ (bench/ only).
 */
#ifndef SGW_BENCH_TCPSEG_H
#define SGW_BENCH_TCPSEG_H

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/tcp/tcp_wire.h"
#include "dataplane/wire.h"

/* Ports, seq, ack, data offset, flags, a full window; the options at +20
 * are the caller's. */
inline void bench_tcp_header(uint8_t *h, size_t hdr_len, uint16_t port, uint32_t seq,
			     uint32_t ack, uint8_t flags)
{
	memset(h, 0, 20);
	sgw_put16(h, port);
	sgw_put16(h + 2, 443);
	sgw_put32(h + 4, seq);
	sgw_put32(h + 8, ack);
	h[12] = static_cast<uint8_t>((hdr_len / 4) << 4);
	h[13] = flags;
	sgw_put16(h + 14, 0xffff);
}

inline void bench_ts_opt(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_TIMESTAMP;
	o[3] = 10;
	sgw_put32(o + 4, tsval);
	sgw_put32(o + 8, tsecr);
}

#endif
