/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PPP on the wire, as SSTP carries it (MS-SSTP 2.2.3: one frame per data
 * packet, no HDLC flags, escaping or FCS): protocol numbers, control-protocol
 * codes, option types, and packed headers. Names follow RFC 1661, 1332,
 * 1877, 3748. Multi-byte fields are network byte order on the wire.
 */
#ifndef SGW_PPP_WIRE_H
#define SGW_PPP_WIRE_H

#include <stdint.h>

#include "dataplane/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 1662 3.1: All-Stations address and Unnumbered Information control. */
enum {
	PPP_ADDRESS = 0xff,
	PPP_CONTROL = 0x03,
	PPP_HDR_LEN = 4,      /* FF 03 + 2-byte protocol */
	PPP_CP_HDR_LEN = 4,   /* Code, Identifier, Length */
	PPP_OPT_HDR_LEN = 2,  /* Type, Length */
};

/* RFC 1661 2 / IANA PPP DLL protocol numbers. */
enum ppp_proto {
	PPP_PROTO_IPV4 = 0x0021,
	PPP_PROTO_IPV6 = 0x0057,
	PPP_PROTO_IPCP = 0x8021,
	PPP_PROTO_IPV6CP = 0x8057,
	PPP_PROTO_CCP = 0x80fd,
	PPP_PROTO_LCP = 0xc021,
	PPP_PROTO_PAP = 0xc023,
	PPP_PROTO_CHAP = 0xc223,
	PPP_PROTO_EAP = 0xc227,
};

/* RFC 1661 5: control-protocol codes (LCP uses all; NCPs use 1-7). */
enum ppp_code {
	PPP_CONF_REQ = 1,
	PPP_CONF_ACK = 2,
	PPP_CONF_NAK = 3,
	PPP_CONF_REJ = 4,
	PPP_TERM_REQ = 5,
	PPP_TERM_ACK = 6,
	PPP_CODE_REJ = 7,
	PPP_PROTO_REJ = 8,
	PPP_ECHO_REQ = 9,
	PPP_ECHO_REP = 10,
	PPP_DISC_REQ = 11,
};

/* RFC 1661 6 (+ RFC 1570 for Callback): LCP configuration options. */
enum lcp_opt {
	LCP_OPT_MRU = 1,
	LCP_OPT_ACCM = 2,        /* RFC 1662 7.1 */
	LCP_OPT_AUTH = 3,
	LCP_OPT_QUALITY = 4,
	LCP_OPT_MAGIC = 5,
	LCP_OPT_PFC = 7,
	LCP_OPT_ACFC = 8,
	LCP_OPT_CALLBACK = 13,   /* RFC 1570 */
};

/* RFC 1332 3, RFC 1877 1: IPCP configuration options. */
enum ipcp_opt {
	IPCP_OPT_ADDRESSES = 1,  /* deprecated */
	IPCP_OPT_COMPRESSION = 2,
	IPCP_OPT_ADDRESS = 3,
	IPCP_OPT_DNS1 = 129,
	IPCP_OPT_NBNS1 = 130,
	IPCP_OPT_DNS2 = 131,
	IPCP_OPT_NBNS2 = 132,
};

/* RFC 3748 4 and 5: EAP codes and types. */
enum eap_code {
	EAP_REQUEST = 1,
	EAP_RESPONSE = 2,
	EAP_SUCCESS = 3,
	EAP_FAILURE = 4,
};

enum eap_type {
	EAP_TYPE_IDENTITY = 1,
	EAP_TYPE_NOTIFICATION = 2,
	EAP_TYPE_NAK = 3,
	EAP_TYPE_TLS = 13,       /* RFC 5216 */
};

enum {
	EAP_HDR_LEN = 4,         /* Code, Identifier, Length */
	/* Type (1) + EAP-TLS Flags (1) + TLS Message Length (4) + the EAP
	 * header: PROTOCOL.md "fragment to about MRU - 10 bytes". */
	EAP_TLS_OVERHEAD = 10,
};

/* RFC 1661 2 / RFC 1662 3.1. */
struct ppp_hdr {
	uint8_t address;
	uint8_t control;
	uint16_t protocol;
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct ppp_hdr) == PPP_HDR_LEN, "ppp_hdr");

/* RFC 1661 5: the header of every LCP/NCP packet. */
struct ppp_cp_hdr {
	uint8_t code;
	uint8_t id;
	uint16_t length;         /* header included */
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct ppp_cp_hdr) == PPP_CP_HDR_LEN, "ppp_cp_hdr");

/* RFC 1661 6: Type, Length (header included), Data. */
struct ppp_opt_hdr {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct ppp_opt_hdr) == PPP_OPT_HDR_LEN, "ppp_opt_hdr");

/* RFC 3748 4: Code, Identifier, Length; Type follows in Request/Response. */
struct eap_hdr {
	uint8_t code;
	uint8_t id;
	uint16_t length;         /* header included */
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct eap_hdr) == EAP_HDR_LEN, "eap_hdr");

#ifdef __cplusplus
}
#endif
#endif
