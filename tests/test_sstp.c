/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSTP: framing across boundaries, every control message and its invalid
 * variants (numbered tables), builders byte-exact, and the server state
 * machine driven by numbered scripts on a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/sstp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Packets, written out by hand from MS-SSTP 2.2 */

struct pkt {
	size_t len;
	uint8_t b[128];
};

/* Control header: version, C, length, type, NumAttributes. */
#define CH(len, type, n) 0x10, 0x01, 0x00, (len), 0x00, (type), 0x00, (n)
#define ENCAP_PPP 0x00, 0x01, 0x00, 0x06, 0x00, 0x01
#define STATUS(attr, st) 0x00, 0x02, 0x00, 0x0c, 0, 0, 0, (attr), 0, 0, 0, (st)
/* CRYPTO_BINDING (104): SHA-256 chosen; nonce, cert hash, MAC are 0x11, 0x22, 0x33. */
#define BINDING_HDR 0x00, 0x03, 0x00, 0x68, 0, 0, 0, 0x02

static const struct pkt P_CONNECT_REQ = { 14, { CH(14, 1, 1), ENCAP_PPP } };

static struct pkt p_connected;        /* built in setup */
static struct pkt p_connected_badlen; /* binding attribute of 100 bytes */

static const struct pkt P_CONNECT_REQ_PROTO2 = { 14, { CH(14, 1, 1), 0, 1, 0, 6, 0, 2 } };
static const struct pkt P_CONNECT_REQ_STATUS = { 26, { CH(26, 1, 2), ENCAP_PPP, STATUS(1, 4) } };
static const struct pkt P_CONNECT_REQ_LIE = { 14, { CH(14, 1, 1), 0, 1, 0, 0x20, 0, 1 } };
static const struct pkt P_CONNECT_REQ_EMPTY = { 8, { CH(8, 1, 0) } };
static const struct pkt P_CONNECT_ACK = { 8, { CH(8, 2, 0) } };
static const struct pkt P_ABORT = { 20, { CH(20, 5, 1), STATUS(0, 7) } };
static const struct pkt P_ABORT_BARE = { 8, { CH(8, 5, 0) } };
static const struct pkt P_DISCONNECT = { 20, { CH(20, 6, 1), STATUS(0, 0) } };
static const struct pkt P_DISCONNECT_ACK = { 8, { CH(8, 7, 0) } };
static const struct pkt P_ECHO_REQ = { 8, { CH(8, 8, 0) } };
static const struct pkt P_ECHO_RESP = { 8, { CH(8, 9, 0) } };
static const struct pkt P_ECHO_REQ_ATTR = { 20, { CH(20, 8, 1), STATUS(0, 0) } };
static const struct pkt P_UNKNOWN = { 8, { CH(8, 0x0a, 0) } };
static const struct pkt P_SHORT_CTRL = { 6, { 0x10, 0x01, 0x00, 0x06, 0x00, 0x08 } };
/* LCP Configure-Request and an IPv4 frame (FF 03 + protocol + bytes). */
static const struct pkt P_LCP = { 12, { 0x10, 0x00, 0x00, 0x0c, 0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4 } };
static const struct pkt P_IP = { 12, { 0x10, 0x00, 0x00, 0x0c, 0xff, 0x03, 0x00, 0x21, 0x45, 0, 0, 0 } };
static const struct pkt P_DATA_EMPTY = { 4, { 0x10, 0x00, 0x00, 0x04 } };
/* Says 20 bytes, is 14: delineation failure if handed over as a packet. */
static const struct pkt P_BAD_LEN = { 14, { 0x10, 0x01, 0x00, 0x14, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0 } };

static void build_connected(void)
{
	struct pkt *p = &p_connected;
	static const uint8_t head[] = { CH(112, 4, 1), BINDING_HDR };

	memset(p, 0, sizeof(*p));
	memcpy(p->b, head, sizeof(head));
	memset(p->b + 16, 0x11, 32);
	memset(p->b + 48, 0x22, 32);
	memset(p->b + 80, 0x33, 32);
	p->len = 112;
	p_connected_badlen = *p;
	p_connected_badlen.len = 108;
	p_connected_badlen.b[3] = 108;
	p_connected_badlen.b[11] = 100;
}

/* ---- Framing */

static void test_frame_len(void **state)
{
	static const struct {
		uint8_t b[6];
		size_t len;
		int want;
	} cases[] = {
		/* 0 */ { { 0 }, 0, 0 },
		/* 1 */ { { 0x10 }, 1, 0 },
		/* 2 */ { { 0x10, 0x01, 0x00 }, 3, 0 },
		/* 3 */ { { 0x20 }, 1, -EBADMSG },
		/* 4 */ { { 0x11, 0x01, 0x00, 0x08 }, 4, -EBADMSG },
		/* 5 */ { { 0x10, 0x01, 0x00, 0x03 }, 4, -EBADMSG },
		/* 6 */ { { 0x10, 0x01, 0x00, 0x00 }, 4, -EBADMSG },
		/* 7 */ { { 0x10, 0x00, 0x00, 0x04 }, 4, 4 },
		/* 8 */ { { 0x10, 0x00, 0x00, 0x06, 0xff }, 5, 0 },
		/* 9 */ { { 0x10, 0x00, 0x00, 0x05, 0xff, 0x03 }, 6, 5 },
		/* 10: reserved bits set are ignored */ { { 0x10, 0xff, 0xf0, 0x05, 0xff }, 5, 5 },
		/* 11: 4095 bytes announced */ { { 0x10, 0x00, 0x0f, 0xff }, 4, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int got = sgw_sstp_frame_len(cases[i].b, cases[i].len);

		if (got != cases[i].want)
			fail_msg("case %zu: got %d want %d", i, got, cases[i].want);
	}
}

/* Several packets back to back, delivered in pieces cut at every offset:
 * the framing loop gives back the same packets, in order. */
static void test_frame_stream(void **state)
{
	const struct pkt *seq[] = { &P_CONNECT_REQ, &P_LCP, &p_connected, &P_ECHO_REQ, &P_IP };
	uint8_t stream[512], acc[512];
	size_t total = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(seq); i++) {
		memcpy(stream + total, seq[i]->b, seq[i]->len);
		total += seq[i]->len;
	}
	for (size_t piece = 1; piece <= total; piece++) {
		size_t have = 0, fed = 0, found = 0;

		while (fed < total) {
			size_t n = total - fed < piece ? total - fed : piece;
			int len;

			memcpy(acc + have, stream + fed, n);
			have += n;
			fed += n;
			while ((len = sgw_sstp_frame_len(acc, have)) > 0) {
				assert_true(found < ARRAY_SIZE(seq));
				assert_int_equal(len, seq[found]->len);
				assert_memory_equal(acc, seq[found]->b, (size_t)len);
				found++;
				memmove(acc, acc + len, have - (size_t)len);
				have -= (size_t)len;
			}
			assert_int_equal(len, 0);
		}
		assert_int_equal(found, ARRAY_SIZE(seq));
		assert_int_equal(have, 0);
	}
}

/* ---- Control message tables */

static void test_ctrl_parse(void **state)
{
	static struct pkt nak2 = { 32, { CH(32, 3, 2), STATUS(1, 4), STATUS(2, 1) } };
	static struct pkt ack = { 48, { CH(48, 2, 1), 0, 4, 0, 40, 0, 0, 0, 3 } };
	static const struct pkt cases_src[] = {
		/* 0..8 filled below: valid messages */
		{ 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 },
		/* 10 */ { 14, { CH(14, 1, 1), 0, 1, 0, 6, 0, 2 } },
		/* 11 */ { 16, { CH(16, 1, 1), 0, 1, 0, 8, 0, 1, 0, 0 } },
		/* 12 */ { 20, { CH(20, 1, 2), ENCAP_PPP, ENCAP_PPP } },
		/* 13 */ { 18, { CH(18, 1, 2), ENCAP_PPP, 0, 9, 0, 4 } },
		/* 14 */ { 18, { CH(18, 1, 2), ENCAP_PPP, 0, 0, 0, 4 } },
		/* 15 */ { 8, { CH(8, 1, 0) } },
		/* 16 */ { 20, { CH(20, 8, 1), STATUS(0, 0) } },
		/* 17 */ { 14, { CH(14, 8, 1), ENCAP_PPP } },
		/* 18 */ { 14, { CH(14, 1, 1), 0, 1, 0, 3, 0, 1 } },
		/* 19 */ { 14, { CH(14, 1, 1), 0, 1, 0, 7, 0, 1 } },
		/* 20 */ { 14, { CH(14, 1, 2), ENCAP_PPP } },
		/* 21 */ { 14, { CH(14, 1, 0), ENCAP_PPP } },
		/* 22 */ { 14, { CH(14, 1, 9), ENCAP_PPP } },
		/* 23 */ { 14, { CH(15, 1, 1), ENCAP_PPP } },
		/* 24 */ { 6, { 0x10, 0x01, 0x00, 0x06, 0x00, 0x01 } },
		/* 25 */ { 8, { CH(8, 0x0a, 0) } },
		/* 26 */ { 8, { CH(8, 0x00, 0) } },
		/* 27 */ { 19, { CH(19, 5, 1), 0, 2, 0, 11, 0, 0, 0, 0, 0, 0, 0 } },
		/* 28 */ { 84, { CH(84, 5, 1), 0, 2, 0, 76, 0, 0, 0, 1, 0, 0, 0, 4 } },
		/* 29 */ { 85, { CH(85, 5, 1), 0, 2, 0, 77, 0, 0, 0, 1, 0, 0, 0, 4 } },
		/* 30 */ { 14, { CH(14, 1, 1), 0, 1, 0xf0, 6, 0, 1 } },
		/* 31 */ { 26, { CH(26, 1, 2), STATUS(0, 0), ENCAP_PPP } },
		/* 32 */ { 8, { CH(8, 3, 0) } },
		/* 33 */ { 48, { CH(48, 2, 1), 0, 4, 0, 44 } },
	};
	static const struct {
		uint32_t status;
		uint8_t bad_attrib;
	} want[] = {
		/* 0..9 */ { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 },
		{ 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 },
		/* 10 */ { ATTRIB_STATUS_VALUE_NOT_SUPPORTED, 1 },
		/* 11 */ { ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH, 1 },
		/* 12 */ { ATTRIB_STATUS_DUPLICATE_ATTRIBUTE, 1 },
		/* 13 */ { ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE, 9 },
		/* 14 */ { ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE, 0 },
		/* 15 */ { ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING, 1 },
		/* 16 */ { ATTRIB_STATUS_STATUS_INFO_NOT_SUPPORTED_IN_MSG, 2 },
		/* 17 */ { ATTRIB_STATUS_ATTRIB_NOT_SUPPORTED_IN_MSG, 1 },
		/* 18 */ { ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0 },
		/* 19 */ { ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0 },
		/* 20 */ { ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0 },
		/* 21 */ { ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0 },
		/* 22 */ { ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0 },
		/* 23 */ { ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0 },
		/* 24 */ { ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0 },
		/* 25 */ { ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED, 0 },
		/* 26 */ { ATTRIB_STATUS_UNACCEPTED_FRAME_RECEIVED, 0 },
		/* 27 */ { ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH, 2 },
		/* 28 */ { 0, 0 },
		/* 29 */ { ATTRIB_STATUS_INVALID_ATTRIB_VALUE_LENGTH, 2 },
		/* 30: reserved length bits ignored */ { 0, 0 },
		/* 31: Status Info tolerated by the tables */ { 0, 0 },
		/* 32 */ { ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING, 2 },
		/* 33 */ { ATTRIB_STATUS_INVALID_FRAME_RECEIVED, 0 },
	};
	static struct pkt cases[ARRAY_SIZE(cases_src)];
	struct sgw_sstp_ctrl c;

	(void)state;
	_Static_assert(ARRAY_SIZE(cases_src) == ARRAY_SIZE(want), "table sizes");
	memcpy(cases, cases_src, sizeof(cases));
	cases[0] = P_CONNECT_REQ;
	cases[1] = ack;
	cases[2] = nak2;
	cases[3] = p_connected;
	cases[4] = P_ABORT;
	cases[5] = P_ABORT_BARE;
	cases[6] = P_DISCONNECT;
	cases[7] = P_DISCONNECT_ACK;
	cases[8] = P_ECHO_REQ;
	cases[9] = P_ECHO_RESP;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t st = sgw_sstp_ctrl_parse(cases[i].b, cases[i].len, &c);

		if (st != want[i].status || c.status != st ||
		    (st != 0 && c.bad_attrib != want[i].bad_attrib))
			fail_msg("case %zu: got %s about %u, want %s about %u", i,
				 sgw_sstp_status_str(st), c.bad_attrib,
				 sgw_sstp_status_str(want[i].status), want[i].bad_attrib);
	}
	/* Values point into the packet. */
	assert_int_equal(sgw_sstp_ctrl_parse(p_connected.b, 112, &c), 0);
	assert_int_equal(c.type, SSTP_MSG_CALL_CONNECTED);
	assert_int_equal(c.nattr, 1);
	assert_int_equal(c.attr[0].len, 100);
	assert_ptr_equal(c.attr[0].value, p_connected.b + 12);
}

/* ---- Builders, byte-exact */

static void test_build_ack(void **state)
{
	uint8_t nonce[32], buf[64];
	static const uint8_t head[16] = {
		0x10, 0x01, 0x00, 0x30, 0x00, 0x02, 0x00, 0x01,
		0x00, 0x04, 0x00, 0x28, 0x00, 0x00, 0x00, 0x03,
	};
	struct sgw_sstp_ctrl c;

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(sgw_sstp_build_connect_ack(buf, sizeof(buf), 3, nonce), 48);
	assert_memory_equal(buf, head, sizeof(head));
	assert_memory_equal(buf + 16, nonce, 32);
	assert_int_equal(buf[48], 0xee);
	assert_int_equal(sgw_sstp_ctrl_parse(buf, 48, &c), 0);
	assert_int_equal(c.attr[0].len, 36);  /* what sstpc insists on */
	assert_int_equal(sgw_sstp_build_connect_ack(buf, 47, 3, nonce), 0);
}

static void test_build_status_and_simple(void **state)
{
	static const uint8_t abort_want[20] = {
		0x10, 0x01, 0x00, 0x14, 0x00, 0x05, 0x00, 0x01,
		0x00, 0x02, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x00, 0x08,
	};
	static const uint8_t disc_want[20] = {
		0x10, 0x01, 0x00, 0x14, 0x00, 0x06, 0x00, 0x01,
		0x00, 0x02, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t echo_want[8] = { 0x10, 0x01, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00 };
	uint8_t buf[32];
	struct sgw_sstp_ctrl c;

	(void)state;
	assert_int_equal(sgw_sstp_build_status_msg(buf, sizeof(buf), SSTP_MSG_CALL_ABORT,
						   3, ATTRIB_STATUS_NEGOTIATION_TIMEOUT), 20);
	assert_memory_equal(buf, abort_want, 20);
	assert_int_equal(sgw_sstp_ctrl_parse(buf, 20, &c), 0);
	assert_int_equal(sgw_sstp_build_status_msg(buf, sizeof(buf), SSTP_MSG_CALL_DISCONNECT,
						   0, 0), 20);
	assert_memory_equal(buf, disc_want, 20);
	assert_int_equal(sgw_sstp_build_simple(buf, sizeof(buf), SSTP_MSG_ECHO_REQUEST), 8);
	assert_memory_equal(buf, echo_want, 8);
	assert_int_equal(sgw_sstp_build_simple(buf, 7, SSTP_MSG_ECHO_REQUEST), 0);
	assert_int_equal(sgw_sstp_build_status_msg(buf, 19, SSTP_MSG_CALL_ABORT, 0, 0), 0);
}

static void test_build_nak(void **state)
{
	/* MS-SSTP 3.3.5.2.2: one Status Info per refused attribute, with the
	 * refused value; a missing attribute gets its own. */
	static const uint8_t want_proto[22] = {
		0x10, 0x01, 0x00, 0x16, 0x00, 0x03, 0x00, 0x01,
		0x00, 0x02, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x04, 0x00, 0x02,
	};
	static const struct pkt two_bad = { 18, { CH(18, 1, 2), 0, 1, 0, 6, 0, 7, 0, 9, 0, 4 } };
	uint8_t buf[SGW_SSTP_OUT_MAX];
	struct sgw_sstp_ctrl c, n;
	size_t len;

	(void)state;
	sgw_sstp_ctrl_parse(P_CONNECT_REQ_PROTO2.b, P_CONNECT_REQ_PROTO2.len, &c);
	assert_int_equal(sgw_sstp_build_connect_nak(buf, sizeof(buf), &c), 22);
	assert_memory_equal(buf, want_proto, 22);

	sgw_sstp_ctrl_parse(two_bad.b, two_bad.len, &c);
	len = sgw_sstp_build_connect_nak(buf, sizeof(buf), &c);
	/* VALUE_NOT_SUPPORTED (value 2 bytes), UNRECOGNIZED (9, no value),
	 * REQUIRED_ATTRIBUTE_MISSING is not there: attribute 1 was present. */
	assert_int_equal(len, 8 + 14 + 12);
	assert_int_equal(sgw_sstp_ctrl_parse(buf, len, &n), 0);
	assert_int_equal(n.type, SSTP_MSG_CALL_CONNECT_NAK);
	assert_int_equal(n.nattr, 2);
	assert_int_equal(n.attr[1].value[3], 9);
	assert_int_equal(n.attr[1].value[7], ATTRIB_STATUS_UNRECOGNIZED_ATTRIBUTE);

	sgw_sstp_ctrl_parse(P_CONNECT_REQ_EMPTY.b, P_CONNECT_REQ_EMPTY.len, &c);
	len = sgw_sstp_build_connect_nak(buf, sizeof(buf), &c);
	assert_int_equal(len, 20);
	assert_int_equal(buf[15], 1);
	assert_int_equal(buf[19], ATTRIB_STATUS_REQUIRED_ATTRIBUTE_MISSING);

	/* Nothing to refuse: no NAK. */
	sgw_sstp_ctrl_parse(P_CONNECT_REQ.b, P_CONNECT_REQ.len, &c);
	assert_int_equal(sgw_sstp_build_connect_nak(buf, sizeof(buf), &c), 0);
}

static void test_data_hdr(void **state)
{
	uint8_t h[4];

	(void)state;
	assert_int_equal(sgw_sstp_data_hdr(h, 100), 0);
	assert_int_equal(h[0], 0x10);
	assert_int_equal(h[1], 0x00);
	assert_int_equal(h[2], 0x00);
	assert_int_equal(h[3], 104);
	assert_int_equal(sgw_sstp_data_hdr(h, 4091), 0);
	assert_int_equal(h[2], 0x0f);
	assert_int_equal(h[3], 0xff);
	assert_int_equal(sgw_sstp_frame_len(h, 4), 0);
	assert_int_equal(sgw_sstp_data_hdr(h, 4092), -EMSGSIZE);
}

/* ---- State machine scripts on a fake clock (t in ms since init) */

enum op {
	END,
	PKT,           /* .pkt at .t */
	TICK,          /* at .t */
	VERIFY_OK,
	VERIFY_BAD,
	ABORT,         /* server abort, status in .arg */
	DISCONNECT,    /* server disconnect */
};

struct step {
	enum op op;
	const struct pkt *pkt;
	uint64_t t;
	enum sgw_sstp_event ev;
	enum sgw_sstp_state st;
	uint16_t out_type;     /* first message in out, 0: out empty */
	int out_status;        /* for ABORT/DISCONNECT output; -1: any */
	uint32_t arg;
};

struct script {
	const char *name;
	struct step s[10];
};

#define T0 1000000
#define CRP SSTP_SERVER_CONNECT_REQUEST_PENDING
#define CCP SSTP_SERVER_CALL_CONNECTED_PENDING
#define CC SSTP_SERVER_CALL_CONNECTED
#define AP SSTP_CALL_ABORT_PENDING
#define ATP SSTP_CALL_ABORT_TIMEOUT_PENDING
#define DAP SSTP_CALL_DISCONNECT_ACK_PENDING
#define DTP SSTP_CALL_DISCONNECT_TIMEOUT_PENDING
#define DISC SSTP_SERVER_CALL_DISCONNECTED
#define EV(x) SGW_SSTP_EV_##x
#define M(x) SSTP_MSG_##x
#define S(x) ATTRIB_STATUS_##x

/* Steps to reach Server_Call_Connected at t = 2000. */
#define UP \
	{ PKT, &P_CONNECT_REQ, 0, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 }, \
	{ PKT, &p_connected, 1000, EV(CALL_CONNECTED), CCP, 0, -1, 0 }, \
	{ VERIFY_OK, NULL, 2000, EV(NONE), CC, 0, -1, 0 }

static const struct script scripts[] = {
	/* 0 */ { "happy path, peer disconnects", { UP,
		{ PKT, &P_ECHO_REQ, 3000, EV(NONE), CC, M(ECHO_RESPONSE), -1, 0 },
		{ PKT, &P_IP, 3001, EV(PPP), CC, 0, -1, 0 },
		{ PKT, &P_DISCONNECT, 4000, EV(DISCONNECTED), DTP, M(CALL_DISCONNECT_ACK), -1, 0 },
		{ TICK, NULL, 4999, EV(NONE), DTP, 0, -1, 0 },
		{ TICK, NULL, 5000, EV(CLOSE), DISC, 0, -1, 0 } } },
	/* 1 */ { "data before CALL_CONNECT_REQUEST", {
		{ PKT, &P_LCP, 0, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 2 */ { "echo before CALL_CONNECT_REQUEST", {
		{ PKT, &P_ECHO_REQ, 0, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 3 */ { "CALL_CONNECTED before CALL_CONNECT_REQUEST", {
		{ PKT, &p_connected, 0, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 4 */ { "CALL_CONNECT_REQUEST twice", {
		{ PKT, &P_CONNECT_REQ, 0, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 },
		{ PKT, &P_CONNECT_REQ, 1, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 5 */ { "CALL_CONNECTED twice before the verdict", {
		{ PKT, &P_CONNECT_REQ, 0, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 },
		{ PKT, &p_connected, 1, EV(CALL_CONNECTED), CCP, 0, -1, 0 },
		{ PKT, &p_connected, 2, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 },
		{ VERIFY_OK, NULL, 3, EV(NONE), AP, 0, -1, 0 } } },
	/* 6 */ { "CALL_CONNECTED after the verdict", { UP,
		{ PKT, &p_connected, 3000, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 7 */ { "CALL_CONNECTED with a short binding", {
		{ PKT, &P_CONNECT_REQ, 0, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 },
		{ PKT, &p_connected_badlen, 1, EV(ABORTED), AP, M(CALL_ABORT), S(INVALID_ATTRIB_VALUE_LENGTH), 0 } } },
	/* 8 */ { "binding refused", {
		{ PKT, &P_CONNECT_REQ, 0, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 },
		{ PKT, &p_connected, 1, EV(CALL_CONNECTED), CCP, 0, -1, 0 },
		{ VERIFY_BAD, NULL, 2, EV(ABORTED), AP, M(CALL_ABORT), S(VALUE_NOT_SUPPORTED), 0 },
		{ PKT, &P_IP, 3, EV(NONE), AP, 0, -1, 0 },
		{ PKT, &P_ABORT, 4, EV(NONE), ATP, 0, -1, 0 },
		{ TICK, NULL, 1003, EV(NONE), ATP, 0, -1, 0 },
		{ TICK, NULL, 1004, EV(CLOSE), DISC, 0, -1, 0 } } },
	/* 9 */ { "verdict without CALL_CONNECTED is ignored", {
		{ PKT, &P_CONNECT_REQ, 0, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 },
		{ VERIFY_OK, NULL, 1, EV(NONE), CCP, 0, -1, 0 } } },
	/* 10 */ { "NAK then ACK", {
		{ PKT, &P_CONNECT_REQ_PROTO2, 0, EV(NONE), CRP, M(CALL_CONNECT_NAK), -1, 0 },
		{ PKT, &P_CONNECT_REQ_STATUS, 1, EV(NONE), CRP, M(CALL_CONNECT_NAK), -1, 0 },
		{ PKT, &P_CONNECT_REQ, 2, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 } } },
	/* 11 */ { "NAK retry limit", {
		{ PKT, &P_CONNECT_REQ_PROTO2, 0, EV(NONE), CRP, M(CALL_CONNECT_NAK), -1, 0 },
		{ PKT, &P_CONNECT_REQ_EMPTY, 1, EV(NONE), CRP, M(CALL_CONNECT_NAK), -1, 0 },
		{ PKT, &P_CONNECT_REQ_PROTO2, 2, EV(NONE), CRP, M(CALL_CONNECT_NAK), -1, 0 },
		{ PKT, &P_CONNECT_REQ_PROTO2, 3, EV(ABORTED), AP, M(CALL_ABORT), S(RETRY_COUNT_EXCEEDED), 0 } } },
	/* 12 */ { "CALL_CONNECT_REQUEST whose lengths lie", {
		{ PKT, &P_CONNECT_REQ_LIE, 0, EV(ABORTED), AP, M(CALL_ABORT), S(INVALID_FRAME_RECEIVED), 0 } } },
	/* 13 */ { "negotiation timeout before the request", {
		{ TICK, NULL, 59999, EV(NONE), CRP, 0, -1, 0 },
		{ TICK, NULL, 60000, EV(ABORTED), AP, M(CALL_ABORT), S(NEGOTIATION_TIMEOUT), 0 },
		{ TICK, NULL, 62999, EV(NONE), AP, 0, -1, 0 },
		{ TICK, NULL, 63000, EV(CLOSE), DISC, 0, -1, 0 },
		{ TICK, NULL, 99000, EV(NONE), DISC, 0, -1, 0 } } },
	/* 14 */ { "negotiation timeout with traffic, binding kept unverified", {
		{ PKT, &P_CONNECT_REQ, 30000, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 },
		{ PKT, &P_LCP, 59000, EV(PPP), CCP, 0, -1, 0 },
		{ PKT, &p_connected, 59500, EV(CALL_CONNECTED), CCP, 0, -1, 0 },
		{ PKT, &P_ECHO_REQ, 59600, EV(NONE), CCP, M(ECHO_RESPONSE), -1, 0 },
		{ TICK, NULL, 60000, EV(ABORTED), AP, M(CALL_ABORT), S(NEGOTIATION_TIMEOUT), 0 } } },
	/* 15 */ { "hello: echo request, then silence", { UP,
		{ TICK, NULL, 61999, EV(NONE), CC, 0, -1, 0 },
		{ TICK, NULL, 62000, EV(NONE), CC, M(ECHO_REQUEST), -1, 0 },
		{ TICK, NULL, 121999, EV(NONE), CC, 0, -1, 0 },
		{ TICK, NULL, 122000, EV(CLOSE), DISC, 0, -1, 0 } } },
	/* 16 */ { "hello: any packet restarts the timer", { UP,
		{ TICK, NULL, 62000, EV(NONE), CC, M(ECHO_REQUEST), -1, 0 },
		{ PKT, &P_ECHO_RESP, 70000, EV(NONE), CC, 0, -1, 0 },
		{ TICK, NULL, 122000, EV(NONE), CC, 0, -1, 0 },
		{ PKT, &P_IP, 129000, EV(PPP), CC, 0, -1, 0 },
		{ TICK, NULL, 188999, EV(NONE), CC, 0, -1, 0 },
		{ TICK, NULL, 189000, EV(NONE), CC, M(ECHO_REQUEST), -1, 0 } } },
	/* 17 */ { "server abort, peer answers", { UP,
		{ ABORT, NULL, 3000, EV(ABORTED), AP, M(CALL_ABORT), S(VALUE_NOT_SUPPORTED), S(VALUE_NOT_SUPPORTED) },
		{ ABORT, NULL, 3001, EV(NONE), AP, 0, -1, S(NO_ERROR) },
		{ PKT, &P_ECHO_REQ, 3002, EV(NONE), AP, 0, -1, 0 },
		{ PKT, &P_CONNECT_REQ, 3003, EV(NONE), AP, 0, -1, 0 },
		{ PKT, &P_ABORT, 3500, EV(NONE), ATP, 0, -1, 0 },
		{ PKT, &P_ABORT, 3600, EV(NONE), ATP, 0, -1, 0 },
		{ TICK, NULL, 4500, EV(CLOSE), DISC, 0, -1, 0 } } },
	/* 18 */ { "server abort, no answer", { UP,
		{ ABORT, NULL, 3000, EV(ABORTED), AP, M(CALL_ABORT), S(NO_ERROR), S(NO_ERROR) },
		{ TICK, NULL, 5999, EV(NONE), AP, 0, -1, 0 },
		{ TICK, NULL, 6000, EV(CLOSE), DISC, 0, -1, 0 } } },
	/* 19 */ { "peer abort while connected", { UP,
		{ PKT, &P_ABORT, 3000, EV(ABORTED), ATP, M(CALL_ABORT), S(NO_ERROR), 0 },
		{ PKT, &P_IP, 3001, EV(NONE), ATP, 0, -1, 0 },
		{ TICK, NULL, 4000, EV(CLOSE), DISC, 0, -1, 0 },
		{ PKT, &P_ECHO_REQ, 4001, EV(NONE), DISC, 0, -1, 0 } } },
	/* 20 */ { "peer abort (no Status Info) while negotiating", {
		{ PKT, &P_ABORT_BARE, 0, EV(ABORTED), ATP, M(CALL_ABORT), S(NO_ERROR), 0 } } },
	/* 21 */ { "server disconnect, peer acks", { UP,
		{ DISCONNECT, NULL, 3000, EV(DISCONNECTED), DAP, M(CALL_DISCONNECT), S(NO_ERROR), 0 },
		{ DISCONNECT, NULL, 3001, EV(NONE), DAP, 0, -1, 0 },
		{ PKT, &P_IP, 3002, EV(NONE), DAP, 0, -1, 0 },
		{ PKT, &P_DISCONNECT_ACK, 3500, EV(CLOSE), DISC, 0, -1, 0 } } },
	/* 22 */ { "server disconnect, no ack", { UP,
		{ DISCONNECT, NULL, 3000, EV(DISCONNECTED), DAP, M(CALL_DISCONNECT), S(NO_ERROR), 0 },
		{ TICK, NULL, 7999, EV(NONE), DAP, 0, -1, 0 },
		{ TICK, NULL, 8000, EV(CLOSE), DISC, 0, -1, 0 } } },
	/* 23 */ { "disconnect collision", { UP,
		{ DISCONNECT, NULL, 3000, EV(DISCONNECTED), DAP, M(CALL_DISCONNECT), S(NO_ERROR), 0 },
		{ PKT, &P_DISCONNECT, 3001, EV(NONE), DTP, M(CALL_DISCONNECT_ACK), -1, 0 },
		{ TICK, NULL, 4001, EV(CLOSE), DISC, 0, -1, 0 } } },
	/* 24 */ { "peer abort during our disconnect", { UP,
		{ DISCONNECT, NULL, 3000, EV(DISCONNECTED), DAP, M(CALL_DISCONNECT), S(NO_ERROR), 0 },
		{ PKT, &P_ABORT, 3001, EV(NONE), ATP, M(CALL_ABORT), S(NO_ERROR), 0 } } },
	/* 25 */ { "unexpected DISCONNECT_ACK", { UP,
		{ PKT, &P_DISCONNECT_ACK, 3000, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 26 */ { "CALL_CONNECT_ACK from the client", { UP,
		{ PKT, &P_CONNECT_ACK, 3000, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 27 */ { "unknown message type", { UP,
		{ PKT, &P_UNKNOWN, 3000, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 28 */ { "control packet too short for a type", { UP,
		{ PKT, &P_SHORT_CTRL, 3000, EV(ABORTED), AP, M(CALL_ABORT), S(INVALID_FRAME_RECEIVED), 0 } } },
	/* 29 */ { "echo request carrying an attribute", { UP,
		{ PKT, &P_ECHO_REQ_ATTR, 3000, EV(ABORTED), AP, M(CALL_ABORT), S(STATUS_INFO_NOT_SUPPORTED_IN_MSG), 0 } } },
	/* 30 */ { "echo while pending, before CALL_CONNECTED", {
		{ PKT, &P_CONNECT_REQ, 0, EV(CONNECT_REQUEST), CCP, M(CALL_CONNECT_ACK), -1, 0 },
		{ PKT, &P_ECHO_RESP, 1, EV(ABORTED), AP, M(CALL_ABORT), S(UNACCEPTED_FRAME_RECEIVED), 0 } } },
	/* 31 */ { "empty data packet dropped", { UP,
		{ PKT, &P_DATA_EMPTY, 3000, EV(NONE), CC, 0, -1, 0 } } },
	/* 32 */ { "delineation failure closes without a message", { UP,
		{ PKT, &P_BAD_LEN, 3000, EV(CLOSE), DISC, 0, -1, 0 },
		{ ABORT, NULL, 3001, EV(NONE), DISC, 0, -1, S(NO_ERROR) },
		{ DISCONNECT, NULL, 3002, EV(NONE), DISC, 0, -1, 0 },
		{ TICK, NULL, 999999, EV(NONE), DISC, 0, -1, 0 } } },
};

struct fixture {
	struct sgw_sstp s;
	struct sgw_sstp_out out;
};

static uint8_t nonce[32];

static enum sgw_sstp_event run_step(struct fixture *f, const struct step *st)
{
	uint64_t now = T0 + st->t;

	switch (st->op) {
	case PKT:
		return sgw_sstp_input(&f->s, st->pkt->b, st->pkt->len, now, &f->out);
	case TICK:
		return sgw_sstp_tick(&f->s, now, &f->out);
	case VERIFY_OK:
	case VERIFY_BAD:
		return sgw_sstp_binding_verified(&f->s, st->op == VERIFY_OK, now, &f->out);
	case ABORT:
		return sgw_sstp_abort(&f->s, (enum sstp_attrib_status)st->arg, now, &f->out);
	case DISCONNECT:
		return sgw_sstp_disconnect(&f->s, now, &f->out);
	default:
		fail();
	}
	return SGW_SSTP_EV_COUNT;
}

static void check_out(size_t si, size_t k, const struct step *st,
		      const struct sgw_sstp_out *out)
{
	struct sgw_sstp_ctrl c;

	if (st->out_type == 0) {
		if (out->len != 0)
			fail_msg("script %zu step %zu: unexpected output", si, k);
		return;
	}
	if (out->len < 8 || sgw_sstp_frame_len(out->buf, out->len) != out->len)
		fail_msg("script %zu step %zu: no single message out", si, k);
	/* What we send always parses cleanly. */
	assert_int_equal(sgw_sstp_ctrl_parse(out->buf, out->len, &c), 0);
	if (c.type != st->out_type)
		fail_msg("script %zu step %zu: sent %s, want %s", si, k,
			 sgw_sstp_msg_str(c.type), sgw_sstp_msg_str(st->out_type));
	if (st->out_status >= 0)
		assert_int_equal(out->buf[19], st->out_status);
}

static void test_scripts(void **state)
{
	static struct fixture f;

	(void)state;
	for (size_t si = 0; si < ARRAY_SIZE(scripts); si++) {
		sgw_sstp_init(&f.s, T0, 3, nonce);
		for (size_t k = 0; k < ARRAY_SIZE(scripts[si].s) && scripts[si].s[k].op != END; k++) {
			const struct step *st = &scripts[si].s[k];
			enum sgw_sstp_event ev = run_step(&f, st);

			if (ev != st->ev || f.s.state != st->st)
				fail_msg("script %zu (%s) step %zu: got %s/%s, want %s/%s",
					 si, scripts[si].name, k, sgw_sstp_event_str(ev),
					 sgw_sstp_state_str(f.s.state), sgw_sstp_event_str(st->ev),
					 sgw_sstp_state_str(st->st));
			check_out(si, k, st, &f.out);
			if (ev == SGW_SSTP_EV_PPP) {
				assert_ptr_equal(f.out.ppp, st->pkt->b + 4);
				assert_int_equal(f.out.ppp_len, st->pkt->len - 4);
			}
		}
	}
}

/* The ACK carries our nonce and bitmask; CALL_CONNECTED is kept whole. */
static void test_ack_and_binding_handoff(void **state)
{
	static struct fixture f;
	struct sgw_sstp_ctrl c;

	(void)state;
	for (unsigned i = 0; i < 32; i++)
		nonce[i] = (uint8_t)(i * 7 + 1);
	sgw_sstp_init(&f.s, T0, SSTP_CERT_HASH_PROTOCOL_SHA256, nonce);
	assert_null(sgw_sstp_call_connected_msg(&f.s));
	assert_int_equal(sgw_sstp_input(&f.s, P_CONNECT_REQ.b, 14, T0, &f.out),
			 SGW_SSTP_EV_CONNECT_REQUEST);
	assert_int_equal(f.out.len, 48);
	assert_int_equal(sgw_sstp_ctrl_parse(f.out.buf, 48, &c), 0);
	assert_int_equal(c.attr[0].value[3], SSTP_CERT_HASH_PROTOCOL_SHA256);
	assert_memory_equal(c.attr[0].value + 4, nonce, 32);
	assert_int_equal(sgw_sstp_input(&f.s, p_connected.b, 112, T0 + 1, &f.out),
			 SGW_SSTP_EV_CALL_CONNECTED);
	assert_non_null(sgw_sstp_call_connected_msg(&f.s));
	assert_memory_equal(sgw_sstp_call_connected_msg(&f.s), p_connected.b, 112);
	assert_int_equal(f.s.stats.tx_control, 1);
	assert_int_equal(f.s.stats.rx_control, 2);
	memset(nonce, 0, sizeof(nonce));
}

/* Gating by state and PPP protocol. */
static void test_gating(void **state)
{
	static const uint16_t protos[] = { 0xc021, 0xc227, 0x8021, 0xc023, 0xc223, 0x0021, 0x0057 };
	static const struct {
		const char *steps;     /* how far to drive the call */
		bool want[7];
	} cases[] = {
		/* 0 */ { "", { 0, 0, 0, 0, 0, 0, 0 } },
		/* 1 */ { "R", { 1, 1, 1, 1, 1, 0, 0 } },
		/* 2 */ { "RC", { 1, 1, 1, 1, 1, 0, 0 } },
		/* 3 */ { "RCV", { 1, 1, 1, 1, 1, 1, 1 } },
		/* 4 */ { "RCVA", { 0, 0, 0, 0, 0, 0, 0 } },
		/* 5 */ { "RCVD", { 0, 0, 0, 0, 0, 0, 0 } },
	};
	static struct fixture f;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		sgw_sstp_init(&f.s, T0, 3, nonce);
		for (const char *p = cases[i].steps; *p != '\0'; p++) {
			enum sgw_sstp_event ev;

			if (*p == 'R')
				ev = sgw_sstp_input(&f.s, P_CONNECT_REQ.b, 14, T0, &f.out);
			else if (*p == 'C')
				ev = sgw_sstp_input(&f.s, p_connected.b, 112, T0, &f.out);
			else if (*p == 'V')
				ev = sgw_sstp_binding_verified(&f.s, true, T0, &f.out);
			else if (*p == 'A')
				ev = sgw_sstp_abort(&f.s, ATTRIB_STATUS_NO_ERROR, T0, &f.out);
			else
				ev = sgw_sstp_disconnect(&f.s, T0, &f.out);
			assert_true(ev != SGW_SSTP_EV_CLOSE);
		}
		for (size_t k = 0; k < ARRAY_SIZE(protos); k++)
			if (sgw_sstp_ppp_allowed(&f.s, protos[k]) != cases[i].want[k])
				fail_msg("case %zu proto %04x", i, protos[k]);
	}
}

static void test_stats_and_end_status(void **state)
{
	static struct fixture f;

	(void)state;
	sgw_sstp_init(&f.s, T0, 3, nonce);
	assert_int_equal(sgw_sstp_tick(&f.s, T0 + 60000, &f.out), SGW_SSTP_EV_ABORTED);
	assert_int_equal(f.s.stats.negotiation_timeouts, 1);
	assert_int_equal(f.s.stats.aborts_sent[ATTRIB_STATUS_NEGOTIATION_TIMEOUT], 1);
	assert_int_equal(sgw_sstp_deadline(&f.s), T0 + 63000);
	assert_int_equal(sgw_sstp_tick(&f.s, T0 + 63000, &f.out), SGW_SSTP_EV_CLOSE);
	assert_int_equal(f.s.stats.abort_timeouts, 1);
	assert_true(sgw_sstp_deadline(&f.s) == UINT64_MAX);

	sgw_sstp_init(&f.s, T0, 3, nonce);
	assert_true(sgw_sstp_call_active(&f.s));
	assert_int_equal(sgw_sstp_input(&f.s, P_ABORT.b, P_ABORT.len, T0, &f.out),
			 SGW_SSTP_EV_ABORTED);
	assert_false(sgw_sstp_call_active(&f.s));
	assert_true(f.s.peer_ended);
	assert_int_equal(f.s.end_status, ATTRIB_STATUS_INVALID_FRAME_RECEIVED);
	assert_int_equal(f.s.stats.aborts_received, 1);
}

static void test_strings(void **state)
{
	(void)state;
	for (int i = 0; i < SSTP_STATE_COUNT; i++)
		assert_string_not_equal(sgw_sstp_state_str((enum sgw_sstp_state)i), "?");
	for (int i = 0; i < SGW_SSTP_EV_COUNT; i++)
		assert_string_not_equal(sgw_sstp_event_str((enum sgw_sstp_event)i), "?");
	for (uint32_t i = 0; i < ATTRIB_STATUS_COUNT; i++)
		assert_string_not_equal(sgw_sstp_status_str(i), "?");
	for (uint16_t i = 1; i <= SSTP_MSG_TYPE_MAX; i++)
		assert_string_not_equal(sgw_sstp_msg_str(i), "?");
	assert_string_equal(sgw_sstp_status_str(12), "?");
	assert_string_equal(sgw_sstp_msg_str(0), "?");
}

static int setup(void **state)
{
	(void)state;
	build_connected();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_len),
		cmocka_unit_test(test_frame_stream),
		cmocka_unit_test(test_ctrl_parse),
		cmocka_unit_test(test_build_ack),
		cmocka_unit_test(test_build_status_and_simple),
		cmocka_unit_test(test_build_nak),
		cmocka_unit_test(test_data_hdr),
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_ack_and_binding_handoff),
		cmocka_unit_test(test_gating),
		cmocka_unit_test(test_stats_and_end_status),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
