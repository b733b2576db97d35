/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSTP, server side (MS-SSTP 2.2, 3.1, 3.3): framing of the decrypted
 * stream, control message parsing and building, and the per-call state
 * machine with its timers. Byte buffers only: no sockets, no TLS, no crypto
 * (the crypto binding is verified by crypto/binding.h; this file only hands
 * the 112-byte CALL_CONNECTED up).
 *
 * Use, per TLS connection, after the HTTP exchange (dataplane/http.h):
 *
 *   sgw_sstp_init(&s, now, SSTP_CERT_HASH_PROTOCOL_SHA1 | ..._SHA256, nonce);
 *   loop over the decrypted stream (the caller keeps it):
 *     n = sgw_sstp_frame_len(p, avail);
 *       n == 0: wait for more bytes; n < 0: close the connection without
 *       any SSTP message (MS-SSTP 3.1.5.1: delineation failed);
 *     ev = sgw_sstp_input(&s, p, n, now, &out);
 *     send out.buf[0..out.len) (control replies), then act on ev;
 *     p += n;
 *   every so often (at the latest at sgw_sstp_deadline()): sgw_sstp_tick().
 *
 * Every call that takes a struct sgw_sstp_out overwrites it: send
 * out->buf[0..out->len) before the next call. out->ppp points into the
 * caller's packet and lives as long as that packet.
 *
 * Events, in the life of a call:
 *   CONNECT_REQUEST  once: the CALL_CONNECT_ACK is in out; start PPP (LCP).
 *   PPP              a data packet: out->ppp, out->ppp_len is one PPP frame
 *                    (FF 03 protocol payload); check sgw_sstp_ppp_allowed().
 *   CALL_CONNECTED   once: the 112 bytes are at sgw_sstp_call_connected_msg();
 *                    verify them (now or once the PPP keys exist) and report
 *                    with sgw_sstp_binding_verified().
 *   ABORTED          at most once: the call is ending by CALL_ABORT (ours, in
 *                    out, or the peer's); stop PPP, no more data. Keep TLS
 *                    open until CLOSE (MS-SSTP 3.1.2.1 timers, at most 3 s),
 *                    or close at once after sending out if in a hurry.
 *   DISCONNECTED     at most once: likewise for CALL_DISCONNECT (peer's: the
 *                    ACK is in out; ours: the message is in out).
 *   CLOSE            exactly once: close TLS now (after sending out, if any).
 *                    If neither ABORTED nor DISCONNECTED came before (hello
 *                    timeout, delineation failure), stop PPP now.
 *   NONE             handled; out may hold a reply (ECHO_RESPONSE, NAK...).
 */
#ifndef SGW_DATAPLANE_SSTP_H
#define SGW_DATAPLANE_SSTP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/sgw_limits.h"
#include "dataplane/sstp_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * MS-SSTP 3.1.1.1 / 3.3.1.1.1 server states. The IN_PROGRESS states are
 * passed through inside one call (send the message, start the timer, move
 * on) and are never seen between calls.
 */
enum sgw_sstp_state {
	SSTP_SERVER_CALL_DISCONNECTED,        /* before init, after CLOSE */
	SSTP_SERVER_CONNECT_REQUEST_PENDING,  /* after HTTP */
	SSTP_SERVER_CALL_CONNECTED_PENDING,   /* ACK sent; PPP control only */
	SSTP_SERVER_CALL_CONNECTED,           /* binding verified: data flows */
	SSTP_CALL_ABORT_IN_PROGRESS_1,
	SSTP_CALL_ABORT_IN_PROGRESS_2,
	SSTP_CALL_ABORT_TIMEOUT_PENDING,      /* abort exchanged; wait 1 s */
	SSTP_CALL_ABORT_PENDING,              /* our abort sent; wait 3 s for theirs */
	SSTP_CALL_DISCONNECT_IN_PROGRESS_1,
	SSTP_CALL_DISCONNECT_IN_PROGRESS_2,
	SSTP_CALL_DISCONNECT_ACK_PENDING,     /* our disconnect sent; wait 5 s */
	SSTP_CALL_DISCONNECT_TIMEOUT_PENDING, /* their disconnect acked; wait 1 s */
	SSTP_STATE_COUNT,
};

enum sgw_sstp_event {
	SGW_SSTP_EV_NONE,
	SGW_SSTP_EV_PPP,
	SGW_SSTP_EV_CONNECT_REQUEST,
	SGW_SSTP_EV_CALL_CONNECTED,
	SGW_SSTP_EV_ABORTED,
	SGW_SSTP_EV_DISCONNECTED,
	SGW_SSTP_EV_CLOSE,
	SGW_SSTP_EV_COUNT,
};

enum {
	/* The largest reply: a NAK with one Status Info per attribute of the
	 * request plus one for a missing attribute (MS-SSTP 3.3.5.2.2). */
	SGW_SSTP_OUT_MAX = SSTP_CTRL_HDR_LEN +
			   (SGW_SSTP_MAX_ATTRIBUTES + 1) * SSTP_STATUS_INFO_MAX_LEN,
};

/* Caller-owned (stack or per lcore), overwritten by every call. */
struct sgw_sstp_out {
	uint16_t len;                  /* control bytes to send, in buf */
	uint16_t ppp_len;              /* EV_PPP only */
	const uint8_t *ppp;            /* EV_PPP only: inside the input packet */
	uint8_t buf[SGW_SSTP_OUT_MAX];
};

/* Per call; the session adds them into its aggregates. */
struct sgw_sstp_stats {
	uint32_t rx_control;
	uint32_t rx_data;
	uint32_t rx_data_dropped;      /* data while no call is active */
	uint32_t rx_ignored;           /* control ignored while ending */
	uint32_t tx_control;
	uint32_t naks_sent;
	uint32_t echo_requests_sent;
	uint32_t echo_responses_sent;
	uint32_t negotiation_timeouts;
	uint32_t hello_timeouts;
	uint32_t abort_timeouts;       /* no CALL_ABORT back within 3 s */
	uint32_t disconnect_timeouts;  /* no DISCONNECT_ACK within 5 s */
	uint32_t aborts_received;
	uint32_t disconnects_received;
	uint32_t bindings_failed;
	uint32_t aborts_sent[ATTRIB_STATUS_COUNT]; /* by Status sent */
};

/* Embedded in the session; zeroed and set up by sgw_sstp_init(). */
struct sgw_sstp {
	enum sgw_sstp_state state;
	uint8_t hash_bitmask;          /* offered in CALL_CONNECT_ACK */
	uint8_t naks;                  /* CALL_CONNECT_NAKs sent */
	bool binding_received;         /* call_connected[] holds the message */
	bool echo_outstanding;         /* hello timer fired once, no reply yet */
	bool peer_ended;               /* the peer sent ABORT / DISCONNECT */
	uint8_t end_attrib;            /* Status Info of the ending, for logs */
	uint32_t end_status;           /* enum sstp_attrib_status */
	uint64_t deadline_ms;          /* the current state's one timer */
	uint32_t hello_ms;             /* silence before Echo Request (SGW_SSTP_HELLO_MS) */
	uint8_t nonce[SGW_SSTP_NONCE_LEN];
	uint8_t call_connected[SGW_SSTP_CALL_CONNECTED_LEN];
	struct sgw_sstp_stats stats;
};

/*
 * Start a call once the HTTP 200 is sent (MS-SSTP 3.3.1.1.1:
 * Server_Connect_Request_Pending). The negotiation timer (60 s) runs from
 * here until the binding is verified. hash_bitmask is what CALL_CONNECT_ACK
 * offers; nonce comes from crypto/random.h, fresh per call. The hello
 * interval is SGW_SSTP_HELLO_MS unless sgw_sstp_set_timers() says otherwise.
 */
void sgw_sstp_init(struct sgw_sstp *s, uint64_t now_ms, uint8_t hash_bitmask,
		   const uint8_t nonce[SGW_SSTP_NONCE_LEN]);
/* Right after init: the negotiation budget (from init's now_ms) and the
 * hello interval; 0 keeps the default. */
void sgw_sstp_set_timers(struct sgw_sstp *s, uint64_t now_ms, uint32_t negotiation_ms,
			 uint32_t hello_ms);

/*
 * Delineation (MS-SSTP 2.2.1): the length of the packet that starts at buf
 * if all of it is there, 0 if more bytes are needed, -EBADMSG if the
 * version is not 1.0 or the length is below 4. Reserved bits are ignored.
 */
__attribute__((warn_unused_result))
int sgw_sstp_frame_len(const uint8_t *buf, size_t len);

/*
 * One complete packet, as delimited by sgw_sstp_frame_len(). Restarts the
 * hello timer (sgw_sstp_received()) and returns what to do (see above).
 */
__attribute__((warn_unused_result))
enum sgw_sstp_event sgw_sstp_input(struct sgw_sstp *s, const uint8_t *pkt,
				   size_t len, uint64_t now_ms,
				   struct sgw_sstp_out *out);

/*
 * The verdict on the CALL_CONNECTED handed up with EV_CALL_CONNECTED.
 * ok: Server_Call_Connected, data may flow, the hello timer starts; returns
 * NONE. Not ok: CALL_ABORT (Status Info about CRYPTO_BINDING,
 * VALUE_NOT_SUPPORTED) in out; returns ABORTED. Returns NONE and does
 * nothing if the call is no longer waiting for a verdict.
 */
__attribute__((warn_unused_result))
enum sgw_sstp_event sgw_sstp_binding_verified(struct sgw_sstp *s, bool ok,
					      uint64_t now_ms,
					      struct sgw_sstp_out *out);

/* Timers: call at least at sgw_sstp_deadline(). Returns NONE (maybe with
 * an ECHO_REQUEST in out), ABORTED (negotiation timeout) or CLOSE. */
__attribute__((warn_unused_result))
enum sgw_sstp_event sgw_sstp_tick(struct sgw_sstp *s, uint64_t now_ms,
				  struct sgw_sstp_out *out);

/* When sgw_sstp_tick() has something to do (UINT64_MAX: never). */
uint64_t sgw_sstp_deadline(const struct sgw_sstp *s);

/* MS-SSTP 3.1.2.3: any SSTP packet received restarts the hello timer.
 * sgw_sstp_input() calls it; exposed for callers that see traffic first. */
void sgw_sstp_received(struct sgw_sstp *s, uint64_t now_ms);

/*
 * Server-initiated endings (MS-SSTP 3.1.5.1, 3.3.4). Abort (authentication
 * failure, revocation, ...) sends CALL_ABORT with status and returns
 * ABORTED; disconnect (shutdown, administrator) sends CALL_DISCONNECT and
 * returns DISCONNECTED. Both return NONE and do nothing if the call is
 * already ending or over.
 */
enum sgw_sstp_event sgw_sstp_abort(struct sgw_sstp *s,
				   enum sstp_attrib_status status,
				   uint64_t now_ms, struct sgw_sstp_out *out);
enum sgw_sstp_event sgw_sstp_disconnect(struct sgw_sstp *s, uint64_t now_ms,
					struct sgw_sstp_out *out);

/*
 * Gating of PPP frames by protocol number (RFC 1661 2): in
 * CALL_CONNECTED_PENDING only control protocols (>= 0x8000: LCP, EAP, PAP,
 * CHAP, IPCP, CCP, IPV6CP...) so authentication can run; network protocols
 * (IPv4 0x0021...) only in CALL_CONNECTED, i.e. after a verified binding.
 * Nothing in any other state.
 */
bool sgw_sstp_ppp_allowed(const struct sgw_sstp *s, uint16_t protocol);

/* True from CONNECT_REQUEST_PENDING to CALL_CONNECTED (not ending). */
bool sgw_sstp_call_active(const struct sgw_sstp *s);

/* The CALL_CONNECTED kept for verification, or NULL before it arrived. */
const uint8_t *sgw_sstp_call_connected_msg(const struct sgw_sstp *s);

const char *sgw_sstp_state_str(enum sgw_sstp_state st);
const char *sgw_sstp_event_str(enum sgw_sstp_event ev);
const char *sgw_sstp_status_str(uint32_t status);
const char *sgw_sstp_msg_str(uint16_t type);

/* ---- Lower level: parsing and building (also used by tests, fuzzing). */

struct sgw_sstp_attr {
	uint8_t id;
	uint8_t verdict;               /* enum sstp_attrib_status for this one */
	uint16_t len;                  /* value length (header excluded) */
	const uint8_t *value;
};

struct sgw_sstp_ctrl {
	uint16_t type;                 /* enum sstp_msg_type */
	uint8_t nattr;                 /* attributes walked */
	uint8_t bad_attrib;            /* the attribute id status is about */
	uint32_t status;               /* first error, or ATTRIB_STATUS_NO_ERROR */
	uint8_t missing;               /* a required attribute id absent, or 0 */
	struct sgw_sstp_attr attr[SGW_SSTP_MAX_ATTRIBUTES];
};

/*
 * Parse a control packet (header included) against the per-message tables
 * (MS-SSTP 2.2.9-2.2.17). Returns the first error, also in c->status:
 * INVALID_FRAME_RECEIVED when lengths lie (packet length, attribute length
 * < 4 or past the end, NumAttributes wrong or over SGW_SSTP_MAX_ATTRIBUTES);
 * UNACCEPTED_FRAME_RECEIVED for an unknown message type; otherwise every
 * attribute gets a verdict (UNRECOGNIZED_ATTRIBUTE, ATTRIB_NOT_SUPPORTED_IN_MSG
 * or STATUS_INFO_NOT_SUPPORTED_IN_MSG, DUPLICATE_ATTRIBUTE,
 * INVALID_ATTRIB_VALUE_LENGTH, VALUE_NOT_SUPPORTED) and a missing required
 * one is REQUIRED_ATTRIBUTE_MISSING. c's value pointers point into pkt.
 */
uint32_t sgw_sstp_ctrl_parse(const uint8_t *pkt, size_t len,
			     struct sgw_sstp_ctrl *c);

/* Builders: write at most cap bytes, return the length or 0 if cap is too
 * small. */
size_t sgw_sstp_build_connect_ack(uint8_t *buf, size_t cap,
				  uint8_t hash_bitmask,
				  const uint8_t nonce[SGW_SSTP_NONCE_LEN]);
/* One Status Info per attribute of req with a verdict, plus one for its
 * missing attribute; each echoes the offending value (<= 64 bytes). */
size_t sgw_sstp_build_connect_nak(uint8_t *buf, size_t cap,
				  const struct sgw_sstp_ctrl *req);
/* CALL_ABORT or CALL_DISCONNECT with one Status Info (no value). */
size_t sgw_sstp_build_status_msg(uint8_t *buf, size_t cap, uint16_t type,
				 uint8_t attrib_id, uint32_t status);
/* CALL_DISCONNECT_ACK, ECHO_REQUEST, ECHO_RESPONSE: no attributes. */
size_t sgw_sstp_build_simple(uint8_t *buf, size_t cap, uint16_t type);

/* MS-SSTP 2.2.2: the 4-byte header of a data packet carrying a PPP frame of
 * ppp_len bytes (C = 0). Returns 0, or -EMSGSIZE if it does not fit 12 bits. */
__attribute__((warn_unused_result))
static inline int sgw_sstp_data_hdr(uint8_t hdr[SSTP_HDR_LEN], size_t ppp_len)
{
	if (ppp_len > (size_t)SGW_SSTP_MAX_PACKET - SSTP_HDR_LEN)
		return -EMSGSIZE;
	hdr[0] = SSTP_VERSION;
	hdr[1] = 0;
	hdr[2] = (uint8_t)((ppp_len + SSTP_HDR_LEN) >> 8);
	hdr[3] = (uint8_t)(ppp_len + SSTP_HDR_LEN);
	return 0;
}

#ifdef __cplusplus
}
#endif
#endif
