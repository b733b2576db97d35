/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 1071 Internet checksum over the RFC 9293 3.1 pseudo-header (source,
 * destination, zero, protocol 6, TCP length) and the segment.
 */
#include <stddef.h>
#include <stdint.h>

#include "dataplane/tcp/tcp.h"

enum { IPPROTO_TCP_NUM = 6 };

/* RFC 1071 4.1: 16-bit big-endian words summed with end-around carry; a
 * 64-bit accumulator defers the folding to the end. */
static uint64_t sum16(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len >= 2) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len != 0)
		sum += (uint32_t)p[0] << 8; /* pad the odd byte with zero */
	return sum;
}

uint16_t sgw_tcp_checksum(uint32_t saddr, uint32_t daddr, const uint8_t *tcp,
			  size_t len)
{
	uint64_t sum = 0;

	sum += (saddr >> 16) + (saddr & 0xffff);
	sum += (daddr >> 16) + (daddr & 0xffff);
	sum += IPPROTO_TCP_NUM + (uint64_t)len;
	sum = sum16(sum, tcp, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
