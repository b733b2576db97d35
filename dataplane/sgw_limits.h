/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every numeric limit of sstpgw outside crypto/ (bursts, timers, sizes), in
 * one place. crypto/'s own are in crypto/crypto_limits.h, included here.
 */
#ifndef SGW_LIMITS_H
#define SGW_LIMITS_H

#include "crypto/crypto_limits.h"

enum {
	/* HTTP (the SSTP_DUPLEX_POST exchange). */
	SGW_HTTP_MAX_HEADER = 4096,       /* request line + headers */
	SGW_HTTP_MAX_HEADERS = 32,
	SGW_HTTP_MAX_RESPONSE = 256,
	SGW_HTTP_MAX_HOST = 255,          /* DNS name (253) + ":port" fits */
	SGW_HTTP_MAX_CORRELATION_ID = 64, /* SSTPCORRELATIONID kept (truncated) */

	/* SSTP (MS-SSTP 2.2.1): 12-bit length, header included. */
	SGW_SSTP_HDR_LEN = 4,
	SGW_SSTP_MAX_PACKET = 4095,
	SGW_SSTP_MAX_ATTRIBUTES = 8,
	SGW_SSTP_MAX_CONNECT_NAK = 3,     /* then CALL_ABORT RETRY_COUNT_EXCEEDED */

	/* PPP */
	SGW_PPP_DEFAULT_MRU = 1500,
	SGW_PPP_MIN_MRU = 576,
	SGW_PPP_MAX_MRU = 4095 - 4 - 4,   /* fits one SSTP packet with FF 03 */
	SGW_PPP_MAX_OPTIONS = 32,
	SGW_PPP_MAX_CONFIGURE = 10,       /* RFC 1661 4.6 Max-Configure */
	SGW_PPP_MAX_TERMINATE = 2,        /* RFC 1661 4.6 Max-Terminate */
	SGW_PPP_MAX_FAILURE = 5,          /* RFC 1661 4.6 Max-Failure */
	SGW_PPP_RESTART_MS = 3000,        /* RFC 1661 4.6 Restart timer */
	SGW_EAP_MAX_IDENTITY = 253,
	SGW_EAP_RETRANSMIT_MS = 3000,
	SGW_EAP_MAX_RETRANSMIT = 5,
	SGW_DNS_SERVERS_MAX = 2,

	/* SSTP timers (MS-SSTP 3.2.2). */
	SGW_SSTP_NEGOTIATION_MS = 60000,  /* accept -> verified Call Connected */
	SGW_SSTP_HELLO_MS = 60000,        /* silence -> Echo Request */
	SGW_SSTP_ABORT_WAIT_MS = 3000,    /* Call_Abort_Timeout_Pending */
	SGW_SSTP_ABORT_FINAL_MS = 1000,
	SGW_SSTP_DISCONNECT_WAIT_MS = 5000,
	SGW_SSTP_DISCONNECT_FINAL_MS = 1000,

	/* Session byte buffers while handshaking (per session, freed after). */
	SGW_SESSION_RX_BUF = SGW_TLS_MAX_RECORD + 64,
	SGW_SESSION_TX_BUF = 32768,
};

#endif
