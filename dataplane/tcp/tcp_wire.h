/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP on the wire (RFC 9293 3.1, RFC 7323, RFC 2018), private to
 * dataplane/tcp/. Fields are read and written with byte loads and stores:
 * the worker's segment need not be aligned.
 */
#ifndef SGW_TCP_WIRE_H
#define SGW_TCP_WIRE_H

#include <stdint.h>

#include "dataplane/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 9293 3.1: the fixed header (network byte order on the wire). */
struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t off;          /* data offset in words, high nibble */
	uint8_t flags;
	uint16_t win, csum, urp;
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct tcp_hdr) == 20, "RFC 9293 3.1 header");

enum {
	TCP_HDR_LEN = 20,
	TCP_MAX_HDR_LEN = 60,
	TCP_MAX_OPT_LEN = 40,
};

enum tcp_flag {
	TH_FIN = 0x01,
	TH_SYN = 0x02,
	TH_RST = 0x04,
	TH_PSH = 0x08,
	TH_ACK = 0x10,
	TH_URG = 0x20,
};

/* RFC 9293 3.2, RFC 7323 2.2 and 3.2, RFC 2018 2 and 3. */
enum tcp_opt_kind {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WSCALE = 3,
	TCPOPT_SACK_PERM = 4,
	TCPOPT_SACK = 5,
	TCPOPT_TIMESTAMP = 8,
};

enum {
	TCPOLEN_MSS = 4,
	TCPOLEN_WSCALE = 3,
	TCPOLEN_SACK_PERM = 2,
	TCPOLEN_TIMESTAMP = 10,
	TCPOLEN_TS_ALIGNED = 12,    /* NOP NOP TS */
	TCPOLEN_SACK_BLOCK = 8,
	TCP_MAX_SACK_BLOCKS = 4,    /* 2 + 4 * 8 = 34 <= 40 */
	TCP_MAX_SACK_BLOCKS_TS = 3, /* 12 + 2 + 2 + 3 * 8 = 40 */
};

#ifdef __cplusplus
}
#endif
#endif
