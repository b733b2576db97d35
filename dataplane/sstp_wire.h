/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSTP on the wire (MS-SSTP 2.2), names as in the specification. All
 * multi-byte fields are in network byte order. A "LengthPacket" field packs
 * 4 reserved bits (ignored on receipt) and a 12-bit length that counts the
 * whole packet or attribute, its header included.
 */
#ifndef SGW_DATAPLANE_SSTP_WIRE_H
#define SGW_DATAPLANE_SSTP_WIRE_H

#include <stdint.h>

#include "dataplane/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	SSTP_VERSION = 0x10,          /* 2.2.1: 1.0 */
	SSTP_FLAG_CONTROL = 0x01,     /* 2.2.1: the C bit of byte 1 */
	SSTP_LENGTH_MASK = 0x0fff,    /* 2.2.1: 12 bits of LengthPacket */
	SSTP_HDR_LEN = 4,
	SSTP_CTRL_HDR_LEN = 8,
	SSTP_ATTR_HDR_LEN = 4,
};

/* 2.2.3 Message Type. */
enum sstp_msg_type {
	SSTP_MSG_CALL_CONNECT_REQUEST = 0x0001,
	SSTP_MSG_CALL_CONNECT_ACK = 0x0002,
	SSTP_MSG_CALL_CONNECT_NAK = 0x0003,
	SSTP_MSG_CALL_CONNECTED = 0x0004,
	SSTP_MSG_CALL_ABORT = 0x0005,
	SSTP_MSG_CALL_DISCONNECT = 0x0006,
	SSTP_MSG_CALL_DISCONNECT_ACK = 0x0007,
	SSTP_MSG_ECHO_REQUEST = 0x0008,
	SSTP_MSG_ECHO_RESPONSE = 0x0009,
	SSTP_MSG_TYPE_MAX = SSTP_MSG_ECHO_RESPONSE,
};

/* 2.2.4 Attribute ID. NO_ERROR is only ever an AttribID inside STATUS_INFO. */
enum sstp_attrib_id {
	SSTP_ATTRIB_NO_ERROR = 0x00,
	SSTP_ATTRIB_ENCAPSULATED_PROTOCOL_ID = 0x01,
	SSTP_ATTRIB_STATUS_INFO = 0x02,
	SSTP_ATTRIB_CRYPTO_BINDING = 0x03,
	SSTP_ATTRIB_CRYPTO_BINDING_REQ = 0x04,
	SSTP_ATTRIB_ID_MAX = SSTP_ATTRIB_CRYPTO_BINDING_REQ,
};

/* 2.2.5 */
enum {
	SSTP_ENCAPSULATED_PROTOCOL_PPP = 0x0001,
};

/* 2.2.6 / 2.2.7 Hash Protocol (Bitmask). */
enum {
	SSTP_CERT_HASH_PROTOCOL_SHA1 = 0x01,
	SSTP_CERT_HASH_PROTOCOL_SHA256 = 0x02,
};

/* 2.2.8 Status. */
enum sstp_attrib_status {
	ATTRIB_STATUS_NO_ERROR = 0x00000000,
	ATTRIB_STATUS_DUPLICATE_ATTRIBUTE = 0x00000001,
	ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE = 0x00000002,
	ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH = 0x00000003,
	ATTRIB_STATUS_VALUE_NOT_SUPPORTED = 0x00000004,
	ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED = 0x00000005,
	ATTRIB_STATUS_RETRY_COUNT_EXCEEDED = 0x00000006,
	ATTRIB_STATUS_INVALID_FRAME_RECEIVED = 0x00000007,
	ATTRIB_STATUS_NEGOTIATION_TIMEOUT = 0x00000008,
	ATTRIB_STATUS_ATTRIB_NOT_SUPPORTED_IN_MSG = 0x00000009,
	ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING = 0x0000000a,
	ATTRIB_STATUS_STATUS_INFO_NOT_SUPPORTED_IN_MSG = 0x0000000b,
	ATTRIB_STATUS_COUNT,
};

/* 2.2.1 SSTP packet header (data and control). */
struct sstp_hdr {
	uint8_t version;          /* SSTP_VERSION */
	uint8_t flags;            /* 7 reserved bits, then C */
	uint16_t length_packet;   /* 4 reserved bits, 12-bit length */
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_hdr) == 4, "MS-SSTP 2.2.1");

/* 2.2.3 control packet header. */
struct sstp_ctrl_hdr {
	struct sstp_hdr hdr;
	uint16_t message_type;    /* enum sstp_msg_type */
	uint16_t num_attributes;
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_ctrl_hdr) == 8, "MS-SSTP 2.2.3");

/* 2.2.4 attribute header. */
struct sstp_attr_hdr {
	uint8_t reserved;
	uint8_t attribute_id;     /* enum sstp_attrib_id */
	uint16_t length_packet;   /* 4 reserved bits, 12-bit length */
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_attr_hdr) == 4, "MS-SSTP 2.2.4");

/* 2.2.5 */
struct sstp_attr_encapsulated_protocol_id {
	struct sstp_attr_hdr h;
	uint16_t protocol_id;     /* SSTP_ENCAPSULATED_PROTOCOL_PPP */
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_attr_encapsulated_protocol_id) == 6,
		 "MS-SSTP 2.2.5");

/* 2.2.6 */
struct sstp_attr_crypto_binding_req {
	struct sstp_attr_hdr h;
	uint8_t reserved1[3];
	uint8_t hash_protocol_bitmask;
	uint8_t nonce[32];
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_attr_crypto_binding_req) == 40,
		 "MS-SSTP 2.2.6");

/* 2.2.7: a SHA-1 cert hash or MAC fills 20 bytes, then 12 zeros. */
struct sstp_attr_crypto_binding {
	struct sstp_attr_hdr h;
	uint8_t reserved1[3];
	uint8_t hash_protocol;
	uint8_t nonce[32];
	uint8_t cert_hash[32];
	uint8_t compound_mac[32];
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_attr_crypto_binding) == 104,
		 "MS-SSTP 2.2.7");

/* 2.2.8: fixed part; AttribValue (0..64 bytes) follows. */
struct sstp_attr_status_info {
	struct sstp_attr_hdr h;
	uint8_t reserved1[3];
	uint8_t attrib_id;        /* enum sstp_attrib_id the status is about */
	uint32_t status;          /* enum sstp_attrib_status */
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_attr_status_info) == 12, "MS-SSTP 2.2.8");

enum {
	SSTP_STATUS_INFO_MAX_VALUE = 64,
	SSTP_STATUS_INFO_MAX_LEN = 12 + SSTP_STATUS_INFO_MAX_VALUE,
};

/* 2.2.9 */
struct sstp_msg_call_connect_request {
	struct sstp_ctrl_hdr c;
	struct sstp_attr_encapsulated_protocol_id proto;
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_msg_call_connect_request) == 14,
		 "MS-SSTP 2.2.9");

/* 2.2.10 */
struct sstp_msg_call_connect_ack {
	struct sstp_ctrl_hdr c;
	struct sstp_attr_crypto_binding_req req;
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_msg_call_connect_ack) == 48,
		 "MS-SSTP 2.2.10");

/* 2.2.11 */
struct sstp_msg_call_connected {
	struct sstp_ctrl_hdr c;
	struct sstp_attr_crypto_binding binding;
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_msg_call_connected) == 112,
		 "MS-SSTP 2.2.11");

/* 2.2.13 / 2.2.14: one Status Info without AttribValue. */
struct sstp_msg_call_abort {
	struct sstp_ctrl_hdr c;
	struct sstp_attr_status_info status;
} __attribute__((packed));
SGW_WIRE_ASSERT(sizeof(struct sstp_msg_call_abort) == 20, "MS-SSTP 2.2.13");

#ifdef __cplusplus
}
#endif
#endif
