/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSTP server: framing, control messages as tables, and the call state
 * machine (MS-SSTP 2.2, 3.1, 3.3). The contract is in sstp.h.
 */
#include "dataplane/sstp.h"

#include <stddef.h>
#include <string.h>

#include "crypto/binding.h"

/* The 112 bytes handed to crypto/binding.h: its offsets are ours. */
_Static_assert(offsetof(struct sstp_msg_call_connected, binding.hash_protocol) ==
	       SGW_BINDING_OFF_HASH, "binding hash offset");
_Static_assert(offsetof(struct sstp_msg_call_connected, binding.nonce) ==
	       SGW_BINDING_OFF_NONCE, "binding nonce offset");
_Static_assert(offsetof(struct sstp_msg_call_connected, binding.cert_hash) ==
	       SGW_BINDING_OFF_CERT_HASH, "binding cert hash offset");
_Static_assert(offsetof(struct sstp_msg_call_connected, binding.compound_mac) ==
	       SGW_BINDING_OFF_MAC, "binding MAC offset");
_Static_assert(sizeof(struct sstp_msg_call_connected) == SGW_SSTP_CALL_CONNECTED_LEN,
	       "CALL_CONNECTED length");
_Static_assert(SGW_SSTP_MAX_ATTRIBUTES <= 255, "nattr is a uint8_t");

/* ---- Framing (MS-SSTP 2.2.1, 3.1.5.1) */

int sgw_sstp_frame_len(const uint8_t *buf, size_t len)
{
	unsigned n;

	/* Judge the version on the first byte: garbage is refused at once. */
	if (len >= 1 && buf[0] != SSTP_VERSION)
		return -EBADMSG;
	if (len < SSTP_HDR_LEN)
		return 0;
	n = sgw_get16(buf + 2) & SSTP_LENGTH_MASK;
	if (n < SSTP_HDR_LEN)
		return -EBADMSG;
	return len >= n ? (int)n : 0;
}

/* ---- Parsing tables (MS-SSTP 2.2.5-2.2.8 attributes, 2.2.9-2.2.17 messages) */

#define BIT(id) (1u << (id))

static bool encap_proto_ok(const uint8_t *v, size_t n)
{
	/* 2.2.5: only PPP exists. */
	return n == 2 && sgw_get16(v) == SSTP_ENCAPSULATED_PROTOCOL_PPP;
}

/* Total attribute length, header included; min 0 marks an unknown id. */
static const struct attr_rule {
	uint16_t min_len, max_len;
	bool (*value_ok)(const uint8_t *v, size_t n);
} attr_rules[SSTP_ATTRIB_ID_MAX + 1] = {
	[SSTP_ATTRIB_ENCAPSULATED_PROTOCOL_ID] = { 6, 6, encap_proto_ok },
	[SSTP_ATTRIB_STATUS_INFO] = { 12, SSTP_STATUS_INFO_MAX_LEN, NULL },
	[SSTP_ATTRIB_CRYPTO_BINDING] = { 104, 104, NULL },
	[SSTP_ATTRIB_CRYPTO_BINDING_REQ] = { 40, 40, NULL },
};

/* Bitmasks of attribute ids per message type. */
static const struct msg_rule {
	bool known;
	uint8_t allowed, required, multi;
} msg_rules[SSTP_MSG_TYPE_MAX + 1] = {
	/* 2.2.9: Status Info tolerated, judged by the state machine. */
	[SSTP_MSG_CALL_CONNECT_REQUEST] = { true,
		BIT(SSTP_ATTRIB_ENCAPSULATED_PROTOCOL_ID) | BIT(SSTP_ATTRIB_STATUS_INFO),
		BIT(SSTP_ATTRIB_ENCAPSULATED_PROTOCOL_ID), 0 },
	[SSTP_MSG_CALL_CONNECT_ACK] = { true, BIT(SSTP_ATTRIB_CRYPTO_BINDING_REQ),
		BIT(SSTP_ATTRIB_CRYPTO_BINDING_REQ), 0 },
	/* 2.2.12: one or more Status Info. */
	[SSTP_MSG_CALL_CONNECT_NAK] = { true, BIT(SSTP_ATTRIB_STATUS_INFO),
		BIT(SSTP_ATTRIB_STATUS_INFO), BIT(SSTP_ATTRIB_STATUS_INFO) },
	[SSTP_MSG_CALL_CONNECTED] = { true, BIT(SSTP_ATTRIB_CRYPTO_BINDING),
		BIT(SSTP_ATTRIB_CRYPTO_BINDING), 0 },
	/* 2.2.13, 2.2.14: Status Info SHOULD be there; we do not insist. */
	[SSTP_MSG_CALL_ABORT] = { true, BIT(SSTP_ATTRIB_STATUS_INFO), 0, 0 },
	[SSTP_MSG_CALL_DISCONNECT] = { true, BIT(SSTP_ATTRIB_STATUS_INFO), 0, 0 },
	[SSTP_MSG_CALL_DISCONNECT_ACK] = { true, 0, 0, 0 },
	[SSTP_MSG_ECHO_REQUEST] = { true, 0, 0, 0 },
	[SSTP_MSG_ECHO_RESPONSE] = { true, 0, 0, 0 },
};

static uint8_t attr_verdict(const struct msg_rule *m, uint8_t id, size_t len,
			    const uint8_t *value, unsigned seen)
{
	const struct attr_rule *a;

	if (id > SSTP_ATTRIB_ID_MAX || attr_rules[id].min_len == 0)
		return ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE;
	if (!(m->allowed & BIT(id)))
		return id == SSTP_ATTRIB_STATUS_INFO ?
		       ATTRIB_STATUS_STATUS_INFO_NOT_SUPPORTED_IN_MSG :
		       ATTRIB_STATUS_ATTRIB_NOT_SUPPORTED_IN_MSG;
	if ((seen & BIT(id)) && !(m->multi & BIT(id)))
		return ATTRIB_STATUS_DUPLICATE_ATTRIBUTE;
	a = &attr_rules[id];
	if (len < a->min_len || len > a->max_len)
		return ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH;
	if (a->value_ok != NULL && !a->value_ok(value, len - SSTP_ATTR_HDR_LEN))
		return ATTRIB_STATUS_VALUE_NOT_SUPPORTED;
	return ATTRIB_STATUS_NO_ERROR;
}

static uint32_t set_status(struct sgw_sstp_ctrl *c, uint32_t status, uint8_t id)
{
	if (c->status == ATTRIB_STATUS_NO_ERROR) {
		c->status = status;
		c->bad_attrib = id;
	}
	return c->status;
}

/* Walks the attributes; INVALID_FRAME_RECEIVED if their lengths lie. */
static uint32_t walk_attrs(const uint8_t *pkt, size_t len, unsigned num,
			   const struct msg_rule *m, struct sgw_sstp_ctrl *c)
{
	size_t off = SSTP_CTRL_HDR_LEN;
	unsigned seen = 0;

	for (unsigned i = 0; i < num; i++) {
		struct sgw_sstp_attr *a = &c->attr[i];
		size_t alen;

		if (len - off < SSTP_ATTR_HDR_LEN)
			return ATTRIB_STATUS_INVALID_FRAME_RECEIVED;
		alen = sgw_get16(pkt + off + 2) & SSTP_LENGTH_MASK;
		if (alen < SSTP_ATTR_HDR_LEN || alen > len - off)
			return ATTRIB_STATUS_INVALID_FRAME_RECEIVED;
		a->id = pkt[off + 1];
		a->len = (uint16_t)(alen - SSTP_ATTR_HDR_LEN);
		a->value = pkt + off + SSTP_ATTR_HDR_LEN;
		a->verdict = attr_verdict(m, a->id, alen, a->value, seen);
		if (a->id <= SSTP_ATTRIB_ID_MAX)
			seen |= BIT(a->id);
		c->nattr = (uint8_t)(i + 1);
		off += alen;
	}
	if (off != len)
		return ATTRIB_STATUS_INVALID_FRAME_RECEIVED;
	for (unsigned id = 0; id <= SSTP_ATTRIB_ID_MAX; id++)
		if ((m->required & BIT(id)) && !(seen & BIT(id))) {
			c->missing = (uint8_t)id;
			break;
		}
	return ATTRIB_STATUS_NO_ERROR;
}

uint32_t sgw_sstp_ctrl_parse(const uint8_t *pkt, size_t len,
			     struct sgw_sstp_ctrl *c)
{
	const struct msg_rule *m;
	unsigned num;
	uint32_t st;

	memset(c, 0, offsetof(struct sgw_sstp_ctrl, attr));
	if (len < SSTP_CTRL_HDR_LEN || len > SGW_SSTP_MAX_PACKET ||
	    (sgw_get16(pkt + 2) & SSTP_LENGTH_MASK) != len)
		return set_status(c, ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0);
	c->type = sgw_get16(pkt + 4);
	num = sgw_get16(pkt + 6);
	if (c->type > SSTP_MSG_TYPE_MAX || !msg_rules[c->type].known)
		return set_status(c, ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED, 0);
	if (num > SGW_SSTP_MAX_ATTRIBUTES)
		return set_status(c, ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0);
	m = &msg_rules[c->type];
	st = walk_attrs(pkt, len, num, m, c);
	if (st != ATTRIB_STATUS_NO_ERROR)
		return set_status(c, st, 0);
	for (unsigned i = 0; i < c->nattr; i++)
		if (c->attr[i].verdict != ATTRIB_STATUS_NO_ERROR)
			return set_status(c, c->attr[i].verdict, c->attr[i].id);
	if (m->required != 0 && c->missing != 0)
		return set_status(c, ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING, c->missing);
	return ATTRIB_STATUS_NO_ERROR;
}

/* ---- Builders */

static size_t put_ctrl_hdr(uint8_t *buf, size_t len, uint16_t type, uint16_t num)
{
	buf[0] = SSTP_VERSION;
	buf[1] = SSTP_FLAG_CONTROL;
	sgw_put16(buf + 2, (uint16_t)len);
	sgw_put16(buf + 4, type);
	sgw_put16(buf + 6, num);
	return len;
}

static size_t put_attr_hdr(uint8_t *p, uint8_t id, size_t len)
{
	p[0] = 0;
	p[1] = id;
	sgw_put16(p + 2, (uint16_t)len);
	return len;
}

static size_t put_status_info(uint8_t *p, uint8_t attrib, uint32_t status,
			      const uint8_t *value, size_t vlen)
{
	if (vlen > SSTP_STATUS_INFO_MAX_VALUE)
		vlen = SSTP_STATUS_INFO_MAX_VALUE;
	memset(p + 4, 0, 3);
	p[7] = attrib;
	sgw_put32(p + 8, status);
	if (vlen > 0)
		memcpy(p + 12, value, vlen);
	return put_attr_hdr(p, SSTP_ATTRIB_STATUS_INFO, 12 + vlen);
}

size_t sgw_sstp_build_connect_ack(uint8_t *buf, size_t cap,
				  uint8_t hash_bitmask,
				  const uint8_t nonce[SGW_SSTP_NONCE_LEN])
{
	uint8_t *a = buf + SSTP_CTRL_HDR_LEN;

	if (cap < sizeof(struct sstp_msg_call_connect_ack))
		return 0;
	/* 2.2.6: 3 reserved bytes, the bitmask, the nonce: 36 value bytes,
	 * exactly what sstpc insists on. */
	put_attr_hdr(a, SSTP_ATTRIB_CRYPTO_BINDING_REQ,
		     sizeof(struct sstp_attr_crypto_binding_req));
	memset(a + 4, 0, 3);
	a[7] = hash_bitmask;
	memcpy(a + 8, nonce, SGW_SSTP_NONCE_LEN);
	return put_ctrl_hdr(buf, sizeof(struct sstp_msg_call_connect_ack),
			    SSTP_MSG_CALL_CONNECT_ACK, 1);
}

size_t sgw_sstp_build_connect_nak(uint8_t *buf, size_t cap,
				  const struct sgw_sstp_ctrl *req)
{
	size_t off = SSTP_CTRL_HDR_LEN;
	uint16_t num = 0;

	if (cap < SGW_SSTP_OUT_MAX)
		return 0;
	for (unsigned i = 0; i < req->nattr && i < SGW_SSTP_MAX_ATTRIBUTES; i++) {
		const struct sgw_sstp_attr *a = &req->attr[i];

		if (a->verdict == ATTRIB_STATUS_NO_ERROR)
			continue;
		off += put_status_info(buf + off, a->id, a->verdict, a->value, a->len);
		num++;
	}
	if (req->missing != 0) {
		off += put_status_info(buf + off, req->missing,
				       ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING, NULL, 0);
		num++;
	}
	if (num == 0)  /* 2.2.12: at least one Status Info */
		return 0;
	return put_ctrl_hdr(buf, off, SSTP_MSG_CALL_CONNECT_NAK, num);
}

size_t sgw_sstp_build_status_msg(uint8_t *buf, size_t cap, uint16_t type,
				 uint8_t attrib_id, uint32_t status)
{
	if (cap < sizeof(struct sstp_msg_call_abort))
		return 0;
	put_status_info(buf + SSTP_CTRL_HDR_LEN, attrib_id, status, NULL, 0);
	return put_ctrl_hdr(buf, sizeof(struct sstp_msg_call_abort), type, 1);
}

size_t sgw_sstp_build_simple(uint8_t *buf, size_t cap, uint16_t type)
{
	if (cap < SSTP_CTRL_HDR_LEN)
		return 0;
	return put_ctrl_hdr(buf, SSTP_CTRL_HDR_LEN, type, 0);
}

/* ---- State machine (MS-SSTP 3.1.1.1, 3.3.1.1.1, 3.3.5.2) */

static const char *const state_names[SSTP_STATE_COUNT] = {
	[SSTP_SERVER_CALL_DISCONNECTED] = "Server_Call_Disconnected",
	[SSTP_SERVER_CONNECT_REQUEST_PENDING] = "Server_Connect_Request_Pending",
	[SSTP_SERVER_CALL_CONNECTED_PENDING] = "Server_Call_Connected_Pending",
	[SSTP_SERVER_CALL_CONNECTED] = "Server_Call_Connected",
	[SSTP_CALL_ABORT_IN_PROGRESS_1] = "Call_Abort_In_Progress_1",
	[SSTP_CALL_ABORT_IN_PROGRESS_2] = "Call_Abort_In_Progress_2",
	[SSTP_CALL_ABORT_TIMEOUT_PENDING] = "Call_Abort_Timeout_Pending",
	[SSTP_CALL_ABORT_PENDING] = "Call_Abort_Pending",
	[SSTP_CALL_DISCONNECT_IN_PROGRESS_1] = "Call_Disconnect_In_Progress_1",
	[SSTP_CALL_DISCONNECT_IN_PROGRESS_2] = "Call_Disconnect_In_Progress_2",
	[SSTP_CALL_DISCONNECT_ACK_PENDING] = "Call_Disconnect_Ack_Pending",
	[SSTP_CALL_DISCONNECT_TIMEOUT_PENDING] = "Call_Disconnect_Timeout_Pending",
};

static const char *const event_names[SGW_SSTP_EV_COUNT] = {
	[SGW_SSTP_EV_NONE] = "none",
	[SGW_SSTP_EV_PPP] = "ppp",
	[SGW_SSTP_EV_CONNECT_REQUEST] = "connect-request",
	[SGW_SSTP_EV_CALL_CONNECTED] = "call-connected",
	[SGW_SSTP_EV_ABORTED] = "aborted",
	[SGW_SSTP_EV_DISCONNECTED] = "disconnected",
	[SGW_SSTP_EV_CLOSE] = "close",
};

static const char *const status_names[ATTRIB_STATUS_COUNT] = {
	[ATTRIB_STATUS_NO_ERROR] = "NO_ERROR",
	[ATTRIB_STATUS_DUPLICATE_ATTRIBUTE] = "DUPLICATE_ATTRIBUTE",
	[ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE] = "UNRECOGNIZED_ATTRIBUTE",
	[ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH] = "INVALID_ATTRIB_VALUE_LENGTH",
	[ATTRIB_STATUS_VALUE_NOT_SUPPORTED] = "VALUE_NOT_SUPPORTED",
	[ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED] = "UNACCEPTED_FRAME_RECEIVED",
	[ATTRIB_STATUS_RETRY_COUNT_EXCEEDED] = "RETRY_COUNT_EXCEEDED",
	[ATTRIB_STATUS_INVALID_FRAME_RECEIVED] = "INVALID_FRAME_RECEIVED",
	[ATTRIB_STATUS_NEGOTIATION_TIMEOUT] = "NEGOTIATION_TIMEOUT",
	[ATTRIB_STATUS_ATTRIB_NOT_SUPPORTED_IN_MSG] = "ATTRIB_NOT_SUPPORTED_IN_MSG",
	[ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING] = "REQUIRED_ATTRIBUTE_MISSING",
	[ATTRIB_STATUS_STATUS_INFO_NOT_SUPPORTED_IN_MSG] = "STATUS_INFO_NOT_SUPPORTED_IN_MSG",
};

static const char *const msg_names[SSTP_MSG_TYPE_MAX + 1] = {
	[SSTP_MSG_CALL_CONNECT_REQUEST] = "CALL_CONNECT_REQUEST",
	[SSTP_MSG_CALL_CONNECT_ACK] = "CALL_CONNECT_ACK",
	[SSTP_MSG_CALL_CONNECT_NAK] = "CALL_CONNECT_NAK",
	[SSTP_MSG_CALL_CONNECTED] = "CALL_CONNECTED",
	[SSTP_MSG_CALL_ABORT] = "CALL_ABORT",
	[SSTP_MSG_CALL_DISCONNECT] = "CALL_DISCONNECT",
	[SSTP_MSG_CALL_DISCONNECT_ACK] = "CALL_DISCONNECT_ACK",
	[SSTP_MSG_ECHO_REQUEST] = "ECHO_REQUEST",
	[SSTP_MSG_ECHO_RESPONSE] = "ECHO_RESPONSE",
};

const char *sgw_sstp_state_str(enum sgw_sstp_state st)
{
	return (unsigned)st < SSTP_STATE_COUNT ? state_names[st] : "?";
}

const char *sgw_sstp_event_str(enum sgw_sstp_event ev)
{
	return (unsigned)ev < SGW_SSTP_EV_COUNT ? event_names[ev] : "?";
}

const char *sgw_sstp_status_str(uint32_t status)
{
	return status < ATTRIB_STATUS_COUNT ? status_names[status] : "?";
}

const char *sgw_sstp_msg_str(uint16_t type)
{
	return (type >= 1 && type <= SSTP_MSG_TYPE_MAX) ? msg_names[type] : "?";
}

bool sgw_sstp_call_active(const struct sgw_sstp *s)
{
	return s->state == SSTP_SERVER_CONNECT_REQUEST_PENDING ||
	       s->state == SSTP_SERVER_CALL_CONNECTED_PENDING ||
	       s->state == SSTP_SERVER_CALL_CONNECTED;
}

/* Echoes are answered once the client thinks it is connected: in
 * Server_Call_Connected, and also while we have its CALL_CONNECTED but not
 * yet our verdict (our delay, not the client's fault; 3.3.5.2.7 would
 * abort). */
static bool echo_ok(const struct sgw_sstp *s)
{
	return s->state == SSTP_SERVER_CALL_CONNECTED ||
	       (s->state == SSTP_SERVER_CALL_CONNECTED_PENDING && s->binding_received);
}

static void emit(struct sgw_sstp *s, struct sgw_sstp_out *out, size_t n)
{
	if (n == 0)
		return;
	out->len = (uint16_t)(out->len + n);
	s->stats.tx_control++;
}

static void emit_status(struct sgw_sstp *s, struct sgw_sstp_out *out,
			uint16_t type, uint8_t attrib, uint32_t status)
{
	emit(s, out, sgw_sstp_build_status_msg(out->buf + out->len,
					       sizeof(out->buf) - out->len,
					       type, attrib, status));
}

static void emit_simple(struct sgw_sstp *s, struct sgw_sstp_out *out,
			uint16_t type)
{
	emit(s, out, sgw_sstp_build_simple(out->buf + out->len,
					   sizeof(out->buf) - out->len, type));
}

static void reset_out(struct sgw_sstp_out *out)
{
	out->len = 0;
	out->ppp_len = 0;
	out->ppp = NULL;
}

/* 3.1.5.1: Call_Abort_In_Progress_1 -> send CALL_ABORT -> start
 * TIMER_VAL_ABORT_STATE_TIMER_1 -> Call_Abort_Pending. Returns ABORTED the
 * first time the call ends, NONE if it was already ending. */
static enum sgw_sstp_event abort_call(struct sgw_sstp *s, uint8_t attrib,
				      uint32_t status, uint64_t now,
				      struct sgw_sstp_out *out)
{
	bool was_active = sgw_sstp_call_active(s);

	s->state = SSTP_CALL_ABORT_IN_PROGRESS_1;
	emit_status(s, out, SSTP_MSG_CALL_ABORT, attrib, status);
	if (status < ATTRIB_STATUS_COUNT)
		s->stats.aborts_sent[status]++;
	s->end_attrib = attrib;
	s->end_status = status;
	s->peer_ended = false;
	s->deadline_ms = now + SGW_SSTP_ABORT_WAIT_MS;
	s->state = SSTP_CALL_ABORT_PENDING;
	return was_active ? SGW_SSTP_EV_ABORTED : SGW_SSTP_EV_NONE;
}

/* The common answer to a message that has no place in this state
 * (3.3.5.2.x "Else"): ignored while ending, abort otherwise. */
static enum sgw_sstp_event unexpected(struct sgw_sstp *s, uint64_t now,
				      struct sgw_sstp_out *out)
{
	if (!sgw_sstp_call_active(s)) {
		s->stats.rx_ignored++;
		return SGW_SSTP_EV_NONE;
	}
	return abort_call(s, SSTP_ATTRIB_NO_ERROR,
			  ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED, now, out);
}

static enum sgw_sstp_event bad_message(struct sgw_sstp *s,
				       const struct sgw_sstp_ctrl *c,
				       uint64_t now, struct sgw_sstp_out *out)
{
	return abort_call(s, c->bad_attrib, c->status, now, out);
}

/* 3.3.5.2.2: NAK what is unacceptable (a nonzero Status Info included),
 * abort after SGW_SSTP_MAX_CONNECT_NAK refusals; else ACK. */
static enum sgw_sstp_event rx_connect_request(struct sgw_sstp *s,
					      struct sgw_sstp_ctrl *c,
					      uint64_t now,
					      struct sgw_sstp_out *out)
{
	bool refuse = c->status != ATTRIB_STATUS_NO_ERROR;
	size_t n;

	if (s->state != SSTP_SERVER_CONNECT_REQUEST_PENDING)
		return unexpected(s, now, out);
	if (c->status == ATTRIB_STATUS_INVALID_FRAME_RECEIVED)
		return bad_message(s, c, now, out);
	for (unsigned i = 0; i < c->nattr; i++) {
		struct sgw_sstp_attr *a = &c->attr[i];

		if (a->id == SSTP_ATTRIB_STATUS_INFO && a->verdict == 0 &&
		    sgw_get32(a->value + 4) != ATTRIB_STATUS_NO_ERROR) {
			a->verdict = ATTRIB_STATUS_STATUS_INFO_NOT_SUPPORTED_IN_MSG;
			refuse = true;
		}
	}
	if (!refuse) {
		emit(s, out, sgw_sstp_build_connect_ack(out->buf, sizeof(out->buf),
							s->hash_bitmask, s->nonce));
		s->state = SSTP_SERVER_CALL_CONNECTED_PENDING;
		return SGW_SSTP_EV_CONNECT_REQUEST;
	}
	if (s->naks >= SGW_SSTP_MAX_CONNECT_NAK)
		return abort_call(s, SSTP_ATTRIB_NO_ERROR,
				  ATTRIB_STATUS_RETRY_COUNT_EXCEEDED, now, out);
	n = sgw_sstp_build_connect_nak(out->buf, sizeof(out->buf), c);
	emit(s, out, n);
	s->naks++;
	s->stats.naks_sent++;
	return SGW_SSTP_EV_NONE;
}

/* 3.3.5.2.3: keep the message; the session verifies it when it can. A
 * second one, or one in any other active state, is refused. */
static enum sgw_sstp_event rx_call_connected(struct sgw_sstp *s,
					     struct sgw_sstp_ctrl *c,
					     const uint8_t *pkt, size_t len,
					     uint64_t now,
					     struct sgw_sstp_out *out)
{
	if (s->state != SSTP_SERVER_CALL_CONNECTED_PENDING || s->binding_received)
		return unexpected(s, now, out);
	if (c->status != ATTRIB_STATUS_NO_ERROR)
		return bad_message(s, c, now, out);
	if (len != SGW_SSTP_CALL_CONNECTED_LEN)  /* implied by the tables */
		return abort_call(s, SSTP_ATTRIB_CRYPTO_BINDING,
				  ATTRIB_STATUS_INVALID_FRAME_RECEIVED, now, out);
	memcpy(s->call_connected, pkt, SGW_SSTP_CALL_CONNECTED_LEN);
	s->binding_received = true;
	return SGW_SSTP_EV_CALL_CONNECTED;
}

static void note_peer_status(struct sgw_sstp *s, const struct sgw_sstp_ctrl *c)
{
	s->peer_ended = true;
	s->end_attrib = 0;
	s->end_status = ATTRIB_STATUS_NO_ERROR;
	for (unsigned i = 0; i < c->nattr; i++)
		if (c->attr[i].id == SSTP_ATTRIB_STATUS_INFO && c->attr[i].len >= 8) {
			s->end_attrib = c->attr[i].value[3];
			s->end_status = sgw_get32(c->attr[i].value + 4);
			break;
		}
}

/* 3.3.5.2.4. A malformed CALL_ABORT is still an abort: the peer is leaving. */
static enum sgw_sstp_event rx_call_abort(struct sgw_sstp *s,
					 struct sgw_sstp_ctrl *c, uint64_t now,
					 struct sgw_sstp_out *out)
{
	bool was_active = sgw_sstp_call_active(s);

	if (s->state == SSTP_CALL_ABORT_PENDING) {
		s->deadline_ms = now + SGW_SSTP_ABORT_FINAL_MS;
		s->state = SSTP_CALL_ABORT_TIMEOUT_PENDING;
		return SGW_SSTP_EV_NONE;
	}
	if (s->state == SSTP_CALL_ABORT_TIMEOUT_PENDING ||
	    s->state == SSTP_CALL_DISCONNECT_TIMEOUT_PENDING ||
	    s->state == SSTP_SERVER_CALL_DISCONNECTED) {
		s->stats.rx_ignored++;
		return SGW_SSTP_EV_NONE;
	}
	s->stats.aborts_received++;
	note_peer_status(s, c);
	s->state = SSTP_CALL_ABORT_IN_PROGRESS_2;
	emit_status(s, out, SSTP_MSG_CALL_ABORT, SSTP_ATTRIB_NO_ERROR,
		    ATTRIB_STATUS_NO_ERROR);
	s->deadline_ms = now + SGW_SSTP_ABORT_FINAL_MS;
	s->state = SSTP_CALL_ABORT_TIMEOUT_PENDING;
	return was_active ? SGW_SSTP_EV_ABORTED : SGW_SSTP_EV_NONE;
}

/* 3.2.4.2 / 3.1.2.2: acknowledge a disconnect whatever the state, except
 * while an abort runs (3.1.2.1) or after we already acknowledged one. */
static enum sgw_sstp_event rx_call_disconnect(struct sgw_sstp *s,
					      struct sgw_sstp_ctrl *c,
					      uint64_t now,
					      struct sgw_sstp_out *out)
{
	bool was_active = sgw_sstp_call_active(s);

	if (!was_active && s->state != SSTP_CALL_DISCONNECT_ACK_PENDING) {
		s->stats.rx_ignored++;
		return SGW_SSTP_EV_NONE;
	}
	s->stats.disconnects_received++;
	note_peer_status(s, c);
	s->state = SSTP_CALL_DISCONNECT_IN_PROGRESS_2;
	emit_simple(s, out, SSTP_MSG_CALL_DISCONNECT_ACK);
	s->deadline_ms = now + SGW_SSTP_DISCONNECT_FINAL_MS;
	s->state = SSTP_CALL_DISCONNECT_TIMEOUT_PENDING;
	return was_active ? SGW_SSTP_EV_DISCONNECTED : SGW_SSTP_EV_NONE;
}

/* 3.3.5.2.6 */
static enum sgw_sstp_event rx_disconnect_ack(struct sgw_sstp *s,
					     struct sgw_sstp_ctrl *c,
					     uint64_t now,
					     struct sgw_sstp_out *out)
{
	(void)c;
	if (s->state != SSTP_CALL_DISCONNECT_ACK_PENDING)
		return unexpected(s, now, out);
	s->state = SSTP_SERVER_CALL_DISCONNECTED;
	s->deadline_ms = UINT64_MAX;
	return SGW_SSTP_EV_CLOSE;
}

/* 3.3.5.2.7 */
static enum sgw_sstp_event rx_echo_request(struct sgw_sstp *s,
					   struct sgw_sstp_ctrl *c,
					   uint64_t now,
					   struct sgw_sstp_out *out)
{
	if (!echo_ok(s))
		return unexpected(s, now, out);
	if (c->status != ATTRIB_STATUS_NO_ERROR)
		return bad_message(s, c, now, out);
	emit_simple(s, out, SSTP_MSG_ECHO_RESPONSE);
	s->stats.echo_responses_sent++;
	return SGW_SSTP_EV_NONE;
}

/* 3.3.5.2.8: receiving it already restarted the hello timer. */
static enum sgw_sstp_event rx_echo_response(struct sgw_sstp *s,
					    struct sgw_sstp_ctrl *c,
					    uint64_t now,
					    struct sgw_sstp_out *out)
{
	if (!echo_ok(s))
		return unexpected(s, now, out);
	if (c->status != ATTRIB_STATUS_NO_ERROR)
		return bad_message(s, c, now, out);
	return SGW_SSTP_EV_NONE;
}

static enum sgw_sstp_event rx_control(struct sgw_sstp *s, const uint8_t *pkt,
				      size_t len, uint64_t now,
				      struct sgw_sstp_out *out)
{
	struct sgw_sstp_ctrl c;

	s->stats.rx_control++;
	sgw_sstp_ctrl_parse(pkt, len, &c);
	switch (c.type) {
	case SSTP_MSG_CALL_CONNECT_REQUEST:
		return rx_connect_request(s, &c, now, out);
	case SSTP_MSG_CALL_CONNECTED:
		return rx_call_connected(s, &c, pkt, len, now, out);
	case SSTP_MSG_CALL_ABORT:
		return rx_call_abort(s, &c, now, out);
	case SSTP_MSG_CALL_DISCONNECT:
		return rx_call_disconnect(s, &c, now, out);
	case SSTP_MSG_CALL_DISCONNECT_ACK:
		return rx_disconnect_ack(s, &c, now, out);
	case SSTP_MSG_ECHO_REQUEST:
		return rx_echo_request(s, &c, now, out);
	case SSTP_MSG_ECHO_RESPONSE:
		return rx_echo_response(s, &c, now, out);
	default:
		/* ACK/NAK (server to client only), unknown types, and packets
		 * too short to carry a type. */
		if (!sgw_sstp_call_active(s)) {
			s->stats.rx_ignored++;
			return SGW_SSTP_EV_NONE;
		}
		if (c.status != ATTRIB_STATUS_INVALID_FRAME_RECEIVED) {
			c.status = ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED;
			c.bad_attrib = SSTP_ATTRIB_NO_ERROR;
		}
		return bad_message(s, &c, now, out);
	}
}

/* 2.2.2: one PPP frame. Before CALL_CONNECT_REQUEST it is a protocol
 * error; while ending it is dropped. */
static enum sgw_sstp_event rx_data(struct sgw_sstp *s, const uint8_t *pkt,
				   size_t len, uint64_t now,
				   struct sgw_sstp_out *out)
{
	s->stats.rx_data++;
	if (s->state == SSTP_SERVER_CONNECT_REQUEST_PENDING)
		return abort_call(s, SSTP_ATTRIB_NO_ERROR,
				  ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED, now, out);
	if (!sgw_sstp_call_active(s) || len == SSTP_HDR_LEN) {
		s->stats.rx_data_dropped++;
		return SGW_SSTP_EV_NONE;
	}
	out->ppp = pkt + SSTP_HDR_LEN;
	out->ppp_len = (uint16_t)(len - SSTP_HDR_LEN);
	return SGW_SSTP_EV_PPP;
}

/* 3.1.5.1: a packet that cannot be delineated ends the connection without
 * a message. */
static enum sgw_sstp_event drop_connection(struct sgw_sstp *s)
{
	s->state = SSTP_SERVER_CALL_DISCONNECTED;
	s->deadline_ms = UINT64_MAX;
	return SGW_SSTP_EV_CLOSE;
}

enum sgw_sstp_event sgw_sstp_input(struct sgw_sstp *s, const uint8_t *pkt,
				   size_t len, uint64_t now_ms,
				   struct sgw_sstp_out *out)
{
	reset_out(out);
	if (s->state == SSTP_SERVER_CALL_DISCONNECTED) {
		s->stats.rx_ignored++;
		return SGW_SSTP_EV_NONE;
	}
	if (sgw_sstp_frame_len(pkt, len) != (int)len || len == 0)
		return drop_connection(s);
	sgw_sstp_received(s, now_ms);
	if (pkt[1] & SSTP_FLAG_CONTROL)
		return rx_control(s, pkt, len, now_ms, out);
	return rx_data(s, pkt, len, now_ms, out);
}

void sgw_sstp_init(struct sgw_sstp *s, uint64_t now_ms, uint8_t hash_bitmask,
		   const uint8_t nonce[SGW_SSTP_NONCE_LEN])
{
	memset(s, 0, sizeof(*s));
	s->hash_bitmask = hash_bitmask;
	memcpy(s->nonce, nonce, SGW_SSTP_NONCE_LEN);
	s->deadline_ms = now_ms + SGW_SSTP_NEGOTIATION_MS;
	s->hello_ms = SGW_SSTP_HELLO_MS;
	s->state = SSTP_SERVER_CONNECT_REQUEST_PENDING;
}

void sgw_sstp_set_timers(struct sgw_sstp *s, uint64_t now_ms, uint32_t negotiation_ms,
			 uint32_t hello_ms)
{
	if (negotiation_ms != 0)
		s->deadline_ms = now_ms + negotiation_ms;
	if (hello_ms != 0)
		s->hello_ms = hello_ms;
}

void sgw_sstp_received(struct sgw_sstp *s, uint64_t now_ms)
{
	if (s->state != SSTP_SERVER_CALL_CONNECTED)
		return;
	s->deadline_ms = now_ms + s->hello_ms;
	s->echo_outstanding = false;
}

enum sgw_sstp_event sgw_sstp_binding_verified(struct sgw_sstp *s, bool ok,
					      uint64_t now_ms,
					      struct sgw_sstp_out *out)
{
	reset_out(out);
	if (s->state != SSTP_SERVER_CALL_CONNECTED_PENDING || !s->binding_received)
		return SGW_SSTP_EV_NONE;
	if (!ok) {
		s->stats.bindings_failed++;
		return abort_call(s, SSTP_ATTRIB_CRYPTO_BINDING,
				  ATTRIB_STATUS_VALUE_NOT_SUPPORTED, now_ms, out);
	}
	s->state = SSTP_SERVER_CALL_CONNECTED;
	sgw_sstp_received(s, now_ms);  /* 3.1.2.3: the hello timer starts */
	return SGW_SSTP_EV_NONE;
}

/* 3.1.2.3: first expiry sends ECHO_REQUEST; a second interval without any
 * packet ends the connection without a CALL_ABORT. */
static enum sgw_sstp_event hello_expired(struct sgw_sstp *s, uint64_t now,
					 struct sgw_sstp_out *out)
{
	if (s->echo_outstanding) {
		s->stats.hello_timeouts++;
		return drop_connection(s);
	}
	emit_simple(s, out, SSTP_MSG_ECHO_REQUEST);
	s->stats.echo_requests_sent++;
	s->echo_outstanding = true;
	s->deadline_ms = now + s->hello_ms;
	return SGW_SSTP_EV_NONE;
}

enum sgw_sstp_event sgw_sstp_tick(struct sgw_sstp *s, uint64_t now_ms,
				  struct sgw_sstp_out *out)
{
	reset_out(out);
	if (now_ms < s->deadline_ms)
		return SGW_SSTP_EV_NONE;
	switch (s->state) {
	case SSTP_SERVER_CONNECT_REQUEST_PENDING:
	case SSTP_SERVER_CALL_CONNECTED_PENDING:
		/* 3.3.2.1 / 3.2.2.1: no verified CALL_CONNECTED in time. */
		s->stats.negotiation_timeouts++;
		return abort_call(s, SSTP_ATTRIB_NO_ERROR,
				  ATTRIB_STATUS_NEGOTIATION_TIMEOUT, now_ms, out);
	case SSTP_SERVER_CALL_CONNECTED:
		return hello_expired(s, now_ms, out);
	case SSTP_CALL_ABORT_PENDING:
		s->stats.abort_timeouts++;
		return drop_connection(s);
	case SSTP_CALL_DISCONNECT_ACK_PENDING:
		s->stats.disconnect_timeouts++;
		return drop_connection(s);
	case SSTP_CALL_ABORT_TIMEOUT_PENDING:
	case SSTP_CALL_DISCONNECT_TIMEOUT_PENDING:
		return drop_connection(s);
	default:
		s->deadline_ms = UINT64_MAX;
		return SGW_SSTP_EV_NONE;
	}
}

uint64_t sgw_sstp_deadline(const struct sgw_sstp *s)
{
	return s->state == SSTP_SERVER_CALL_DISCONNECTED ? UINT64_MAX : s->deadline_ms;
}

enum sgw_sstp_event sgw_sstp_abort(struct sgw_sstp *s,
				   enum sstp_attrib_status status,
				   uint64_t now_ms, struct sgw_sstp_out *out)
{
	reset_out(out);
	if (!sgw_sstp_call_active(s))
		return SGW_SSTP_EV_NONE;
	return abort_call(s, SSTP_ATTRIB_NO_ERROR, status, now_ms, out);
}

/* 3.3.4 -> 3.2.4.2: Call_Disconnect_In_Progress_1 -> send CALL_DISCONNECT
 * -> TIMER_VAL_DISCONNECT_STATE_TIMER_1 -> Call_Disconnect_Ack_Pending. */
enum sgw_sstp_event sgw_sstp_disconnect(struct sgw_sstp *s, uint64_t now_ms,
					struct sgw_sstp_out *out)
{
	reset_out(out);
	if (!sgw_sstp_call_active(s))
		return SGW_SSTP_EV_NONE;
	s->state = SSTP_CALL_DISCONNECT_IN_PROGRESS_1;
	emit_status(s, out, SSTP_MSG_CALL_DISCONNECT, SSTP_ATTRIB_NO_ERROR,
		    ATTRIB_STATUS_NO_ERROR);
	s->end_attrib = SSTP_ATTRIB_NO_ERROR;
	s->end_status = ATTRIB_STATUS_NO_ERROR;
	s->peer_ended = false;
	s->deadline_ms = now_ms + SGW_SSTP_DISCONNECT_WAIT_MS;
	s->state = SSTP_CALL_DISCONNECT_ACK_PENDING;
	return SGW_SSTP_EV_DISCONNECTED;
}

bool sgw_sstp_ppp_allowed(const struct sgw_sstp *s, uint16_t protocol)
{
	if (s->state == SSTP_SERVER_CALL_CONNECTED)
		return true;
	/* RFC 1661 2: 8xxx-bxxx are NCPs, cxxx-fxxx link control protocols;
	 * both must run before the binding is verified (EAP carries the
	 * keys the binding needs). */
	return s->state == SSTP_SERVER_CALL_CONNECTED_PENDING && protocol >= 0x8000;
}

const uint8_t *sgw_sstp_call_connected_msg(const struct sgw_sstp *s)
{
	return s->binding_received ? s->call_connected : NULL;
}
