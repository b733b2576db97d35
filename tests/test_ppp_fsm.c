/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 1661 automaton against a scripted peer, through a toy protocol
 * whose request is one option (type 1) and whose verdicts are fixed by
 * option type: 1 acked, 2 Nak'd (suggesting 02 04 aa aa), 3 rejected.
 * Each numbered case is a list of steps; after each step the state and the
 * code of the last packet sent (or none) are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/ppp_fsm.h"
#include "dataplane/ppp_wire.h"
#include "dataplane/sgw_limits.h"

struct toy {
	struct sgw_ppp_fsm f;
	struct sgw_ppp_cp_stats st;
	uint64_t now;
	uint16_t our_val;        /* value of our option 1 */
	bool our_opt;            /* cleared by a Reject */
	unsigned tlu, tld, tls, tlf, ser, naks_rx, rejs_rx;
	unsigned sent;           /* frames sent during the current step */
	uint8_t last[SGW_PPP_MAX_MRU + 4];
	size_t last_len;
};

static size_t toy_build(void *ctx, uint8_t *out, size_t cap)
{
	struct toy *t = ctx;

	if (!t->our_opt || cap < 4)
		return 0;
	out[0] = 1;
	out[1] = 4;
	out[2] = (uint8_t)(t->our_val >> 8);
	out[3] = (uint8_t)t->our_val;
	return 4;
}

static enum sgw_ppp_verdict toy_judge(void *ctx, const struct sgw_ppp_opt *o,
				      uint8_t *nak, size_t cap, size_t *nak_len)
{
	static const uint8_t sugg[] = { 2, 4, 0xaa, 0xaa };

	(void)ctx;
	if (o->type == 1)
		return SGW_PPP_ACK;
	if (o->type == 2 && cap >= sizeof(sugg)) {
		memcpy(nak, sugg, sizeof(sugg));
		*nak_len = sizeof(sugg);
		return SGW_PPP_NAK;
	}
	return SGW_PPP_REJ;
}

static void toy_nak(void *ctx, const struct sgw_ppp_opt *o)
{
	struct toy *t = ctx;

	t->naks_rx++;
	if (o->type == 1 && o->len == 2)
		t->our_val = (uint16_t)(o->val[0] << 8 | o->val[1]);
}

static void toy_rej(void *ctx, const struct sgw_ppp_opt *o)
{
	struct toy *t = ctx;

	t->rejs_rx++;
	if (o->type == 1)
		t->our_opt = false;
}

static enum sgw_ppp_fsm_event toy_code(void *ctx, uint8_t code,
				       const uint8_t *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return code == PPP_ECHO_REQ ? SGW_FSM_RXR : SGW_FSM_RUC;
}

static void toy_ser(void *ctx, uint8_t code, uint8_t id, const uint8_t *data,
		    size_t len)
{
	struct toy *t = ctx;

	(void)code;
	(void)id;
	(void)data;
	(void)len;
	t->ser++;
}

static void toy_up(void *ctx) { ((struct toy *)ctx)->tlu++; }
static void toy_down(void *ctx) { ((struct toy *)ctx)->tld++; }
static void toy_started(void *ctx) { ((struct toy *)ctx)->tls++; }
static void toy_finished(void *ctx) { ((struct toy *)ctx)->tlf++; }

static const struct sgw_ppp_fsm_ops toy_ops = {
	.build_req = toy_build,
	.judge = toy_judge,
	.rx_nak = toy_nak,
	.rx_rej = toy_rej,
	.rx_code = toy_code,
	.ser = toy_ser,
	.up = toy_up,
	.down = toy_down,
	.started = toy_started,
	.finished = toy_finished,
};

static void toy_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct toy *t = ctx;

	assert_true(len >= 8 && len <= sizeof(t->last));
	assert_int_equal(frame[0], 0xff);
	assert_int_equal(frame[1], 0x03);
	assert_int_equal(frame[2] << 8 | frame[3], 0x8021);
	assert_int_equal(frame[6] << 8 | frame[7], len - 4);
	memcpy(t->last, frame, len);
	t->last_len = len;
	t->sent++;
}

enum step_kind { EV, RX, TICK, RAW };
enum { ID_REQ = 256, ID_OLD, ID_ANY };
#define OURS "="                 /* the options of our outstanding request */
#define NONE 0
#define ANY -1

struct step {
	enum step_kind kind;
	int arg;                 /* EV: event; RX: code; TICK: ms; RAW: - */
	int id;                  /* RX: Identifier (or ID_*) */
	const char *hex;         /* RX: options/data (hex); RAW: whole packet */
	enum sgw_ppp_fsm_state expect;
	int sent;                /* code of the last packet sent, NONE, ANY */
};

struct fsm_case {
	const char *name;
	const struct step *steps;
	unsigned tlu, tld, tls, tlf;
};

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (s != NULL && s[0] != '\0' && s[1] != '\0' && n < cap) {
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void rx(struct toy *t, const struct step *s)
{
	uint8_t pkt[512];
	size_t n;

	if (s->kind == RAW) {
		n = unhex(s->hex, pkt, sizeof(pkt));
		sgw_ppp_fsm_input(&t->f, pkt, n);
		return;
	}
	pkt[0] = (uint8_t)s->arg;
	pkt[1] = (uint8_t)(s->id == ID_REQ ? t->f.reqid :
			   s->id == ID_OLD ? t->f.reqid - 1 : s->id);
	if (s->hex != NULL && strcmp(s->hex, OURS) == 0) {
		memcpy(pkt + 4, t->f.req, t->f.req_len);
		n = t->f.req_len;
	} else {
		n = unhex(s->hex, pkt + 4, sizeof(pkt) - 4);
	}
	pkt[2] = (uint8_t)((n + 4) >> 8);
	pkt[3] = (uint8_t)(n + 4);
	sgw_ppp_fsm_input(&t->f, pkt, n + 4);
}

static void run_step(struct toy *t, const struct step *s, unsigned i)
{
	t->sent = 0;
	if (s->kind == EV)
		sgw_ppp_fsm_event(&t->f, (enum sgw_ppp_fsm_event)s->arg);
	else if (s->kind == TICK) {
		t->now += (uint64_t)s->arg;
		sgw_ppp_fsm_tick(&t->f);
	} else {
		rx(t, s);
	}
	if (t->f.state != s->expect)
		fail_msg("step %u: state %s, expected %s", i,
			 sgw_ppp_fsm_state_str(t->f.state),
			 sgw_ppp_fsm_state_str(s->expect));
	if (s->sent == NONE && t->sent != 0)
		fail_msg("step %u: sent code %u, expected nothing", i, t->last[4]);
	if (s->sent > 0 && (t->sent == 0 || t->last[4] != s->sent))
		fail_msg("step %u: sent %u (code %u), expected code %d", i,
			 t->sent, t->sent ? t->last[4] : 0, s->sent);
}

static void toy_init(struct toy *t)
{
	memset(t, 0, sizeof(*t));
	t->our_val = 0x1234;
	t->our_opt = true;
	t->now = 1000;
	sgw_ppp_fsm_init(&t->f, PPP_PROTO_IPCP, &toy_ops, t, toy_send, t,
			 &t->now, &t->st);
	t->f.max_configure = 3;
	t->f.max_terminate = 2;
	t->f.max_failure = 2;
}

#define S(st) SGW_FSM_##st
#define E(ev) SGW_FSM_##ev
#define UP_OPEN { EV, E(UP), 0, NULL, S(CLOSED), NONE }, \
		{ EV, E(OPEN), 0, NULL, S(REQ_SENT), PPP_CONF_REQ }
#define TO_OPENED UP_OPEN, \
		{ RX, PPP_CONF_ACK, ID_REQ, OURS, S(ACK_RCVD), NONE }, \
		{ RX, PPP_CONF_REQ, 7, "0104abcd", S(OPENED), PPP_CONF_ACK }
#define END { EV, -1, 0, NULL, S(INITIAL), NONE }

static const struct step s1[] = { /* Open first: Starting, tls; Up */
	{ EV, E(OPEN), 0, NULL, S(STARTING), NONE },
	{ EV, E(UP), 0, NULL, S(REQ_SENT), PPP_CONF_REQ }, END };
static const struct step s2[] = { /* RCA then RCR+ */
	TO_OPENED, END };
static const struct step s3[] = { /* RCR+ then RCA */
	UP_OPEN,
	{ RX, PPP_CONF_REQ, 9, "0104abcd", S(ACK_SENT), PPP_CONF_ACK },
	{ RX, PPP_CONF_ACK, ID_REQ, OURS, S(OPENED), NONE }, END };
static const struct step s4[] = { /* RCR-: Nak; Reject wins over Nak */
	UP_OPEN,
	{ RX, PPP_CONF_REQ, 9, "02040000", S(REQ_SENT), PPP_CONF_NAK },
	{ RX, PPP_CONF_REQ, 10, "020400000302", S(REQ_SENT), PPP_CONF_REJ },
	{ RX, PPP_CONF_REQ, 11, "0104abcd", S(ACK_SENT), PPP_CONF_ACK }, END };
static const struct step s5[] = { /* RCN: Nak and Reject of our option */
	UP_OPEN,
	{ RX, PPP_CONF_NAK, ID_REQ, "01045678", S(REQ_SENT), PPP_CONF_REQ },
	{ RX, PPP_CONF_REJ, ID_REQ, "01045678", S(REQ_SENT), PPP_CONF_REQ },
	{ RX, PPP_CONF_ACK, ID_REQ, "", S(ACK_RCVD), NONE }, END };
static const struct step s6[] = { /* stale ids and a lying Ack */
	UP_OPEN,
	{ RX, PPP_CONF_ACK, ID_OLD, OURS, S(REQ_SENT), NONE },
	{ RX, PPP_CONF_NAK, ID_OLD, "01045678", S(REQ_SENT), NONE },
	{ RX, PPP_CONF_ACK, ID_REQ, "01040000", S(REQ_SENT), NONE },
	{ RX, PPP_CONF_ACK, ID_REQ, OURS, S(ACK_RCVD), NONE },
	{ RX, PPP_CONF_ACK, ID_REQ, OURS, S(ACK_RCVD), NONE }, END };
static const struct step s7[] = { /* TO+ x2 then TO-: Max-Configure 3 */
	UP_OPEN,
	{ TICK, 2999, 0, NULL, S(REQ_SENT), NONE },
	{ TICK, 1, 0, NULL, S(REQ_SENT), PPP_CONF_REQ },
	{ TICK, 3000, 0, NULL, S(REQ_SENT), PPP_CONF_REQ },
	{ TICK, 3000, 0, NULL, S(STOPPED), NONE },
	{ TICK, 30000, 0, NULL, S(STOPPED), NONE }, END };
static const struct step s8[] = { /* Max-Failure 2: the third Nak is a Reject */
	UP_OPEN,
	{ RX, PPP_CONF_REQ, 1, "02040000", S(REQ_SENT), PPP_CONF_NAK },
	{ RX, PPP_CONF_REQ, 2, "02040000", S(REQ_SENT), PPP_CONF_NAK },
	{ RX, PPP_CONF_REQ, 3, "02040000", S(REQ_SENT), PPP_CONF_REJ },
	{ RX, PPP_CONF_REQ, 4, "0104abcd", S(ACK_SENT), PPP_CONF_ACK }, END };
static const struct step s9[] = { /* Opened, RTR: Stopping, then TO- */
	TO_OPENED,
	{ RX, PPP_TERM_REQ, 5, "", S(STOPPING), PPP_TERM_ACK },
	{ TICK, 3000, 0, NULL, S(STOPPED), NONE }, END };
static const struct step s10[] = { /* Opened, Close: Closing, RTA: Closed */
	TO_OPENED,
	{ EV, E(CLOSE), 0, NULL, S(CLOSING), PPP_TERM_REQ },
	{ RX, PPP_TERM_ACK, 1, "", S(CLOSED), NONE }, END };
static const struct step s11[] = { /* Closing: TO+ resends, TO- Closed */
	TO_OPENED,
	{ EV, E(CLOSE), 0, NULL, S(CLOSING), PPP_TERM_REQ },
	{ TICK, 3000, 0, NULL, S(CLOSING), PPP_TERM_REQ },
	{ TICK, 3000, 0, NULL, S(CLOSED), NONE }, END };
static const struct step s12[] = { /* Opened, RCR+: renegotiation */
	TO_OPENED,
	{ RX, PPP_CONF_REQ, 8, "0104abcd", S(ACK_SENT), PPP_CONF_ACK },
	{ RX, PPP_CONF_ACK, ID_REQ, OURS, S(OPENED), NONE }, END };
static const struct step s13[] = { /* Opened: stale Ack ignored, RCR- */
	TO_OPENED,
	{ RX, PPP_CONF_ACK, ID_REQ, OURS, S(OPENED), NONE },
	{ RX, PPP_CONF_REQ, 8, "0302", S(REQ_SENT), PPP_CONF_REJ }, END };
static const struct step s14[] = { /* RUC: Code-Reject; RXR: ser */
	TO_OPENED,
	{ RX, 42, 3, "0000", S(OPENED), PPP_CODE_REJ },
	{ RX, PPP_ECHO_REQ, 4, "00000000", S(OPENED), NONE }, END };
static const struct step s15[] = { /* RXJ+ then RXJ- */
	TO_OPENED,
	{ RX, PPP_CODE_REJ, 3, "0901000400", S(OPENED), NONE },
	{ RX, PPP_CODE_REJ, 4, "0101000400", S(STOPPING), PPP_TERM_REQ }, END };
static const struct step s16[] = { /* Closed: RCR -> sta; Open -> Req-Sent */
	{ EV, E(UP), 0, NULL, S(CLOSED), NONE },
	{ RX, PPP_CONF_REQ, 1, "0104abcd", S(CLOSED), PPP_TERM_ACK },
	{ RX, PPP_TERM_REQ, 2, "", S(CLOSED), PPP_TERM_ACK },
	{ RX, 42, 3, "", S(CLOSED), PPP_CODE_REJ },
	{ EV, E(OPEN), 0, NULL, S(REQ_SENT), PPP_CONF_REQ }, END };
static const struct step s17[] = { /* Stopped: RCR+ -> Ack-Sent; RCR- */
	UP_OPEN,
	{ TICK, 3000, 0, NULL, S(REQ_SENT), PPP_CONF_REQ },
	{ TICK, 3000, 0, NULL, S(REQ_SENT), PPP_CONF_REQ },
	{ TICK, 3000, 0, NULL, S(STOPPED), NONE },
	{ RX, PPP_CONF_REQ, 1, "0104abcd", S(ACK_SENT), PPP_CONF_ACK },
	{ EV, E(DOWN), 0, NULL, S(STARTING), NONE },
	{ EV, E(UP), 0, NULL, S(REQ_SENT), PPP_CONF_REQ }, END };
static const struct step s18[] = { /* malformed packets change nothing */
	UP_OPEN,
	{ RAW, 0, 0, "010100060101", S(REQ_SENT), NONE },    /* opt len 1 */
	{ RAW, 0, 0, "0101000801050000", S(REQ_SENT), NONE },/* opt past end */
	{ RAW, 0, 0, "010100090104abcd", S(REQ_SENT), NONE },/* Length > frame */
	{ RAW, 0, 0, "01010003", S(REQ_SENT), NONE },        /* Length < 4 */
	{ RAW, 0, 0, "0101", S(REQ_SENT), NONE },            /* short */
	{ RAW, 0, 0, "07010004", S(REQ_SENT), NONE },        /* empty Code-Reject */
	{ RAW, 0, 0, "010100080104abcd0000", S(ACK_SENT), PPP_CONF_ACK }, /* padding */
	END };
static const struct step s19[] = { /* Opened, Down; Up again */
	TO_OPENED,
	{ EV, E(DOWN), 0, NULL, S(STARTING), NONE },
	{ EV, E(UP), 0, NULL, S(REQ_SENT), PPP_CONF_REQ }, END };
static const struct step s20[] = { /* Ack-Rcvd: RCR- stays, TO+ -> Req-Sent */
	UP_OPEN,
	{ RX, PPP_CONF_ACK, ID_REQ, OURS, S(ACK_RCVD), NONE },
	{ RX, PPP_CONF_REQ, 1, "0302", S(ACK_RCVD), PPP_CONF_REJ },
	{ TICK, 3000, 0, NULL, S(REQ_SENT), PPP_CONF_REQ }, END };
static const struct step s21[] = { /* Ack-Sent: RCN -> scr, RTR -> Req-Sent */
	UP_OPEN,
	{ RX, PPP_CONF_REQ, 1, "0104abcd", S(ACK_SENT), PPP_CONF_ACK },
	{ RX, PPP_CONF_NAK, ID_REQ, "01040001", S(ACK_SENT), PPP_CONF_REQ },
	{ RX, PPP_TERM_REQ, 2, "", S(REQ_SENT), PPP_TERM_ACK }, END };
static const struct step s22[] = { /* Req-Sent Close; Closing ignores RCR */
	UP_OPEN,
	{ EV, E(CLOSE), 0, NULL, S(CLOSING), PPP_TERM_REQ },
	{ RX, PPP_CONF_REQ, 1, "0104abcd", S(CLOSING), NONE },
	{ EV, E(OPEN), 0, NULL, S(STOPPING), NONE },
	{ RX, PPP_TERM_ACK, 1, "", S(STOPPED), NONE }, END };
static const struct step s23[] = { /* illegal events are counted, ignored */
	{ EV, E(DOWN), 0, NULL, S(INITIAL), NONE },
	{ RX, PPP_CONF_REQ, 1, "0104abcd", S(INITIAL), NONE },
	{ TICK, 10000, 0, NULL, S(INITIAL), NONE },
	{ EV, E(CLOSE), 0, NULL, S(INITIAL), NONE }, END };
static const struct step s24[] = { /* Opened, RTA: tld, scr */
	TO_OPENED,
	{ RX, PPP_TERM_ACK, 9, "", S(REQ_SENT), PPP_CONF_REQ }, END };
static const struct step s25[] = { /* Reject naming an option we never sent */
	UP_OPEN,
	{ RX, PPP_CONF_REJ, ID_REQ, "0302", S(REQ_SENT), NONE },
	{ RX, PPP_CONF_REJ, ID_REQ, "01041234", S(REQ_SENT), PPP_CONF_REQ }, END };

static const struct step s26[] = { /* Ack-Sent RCN restarts the counter */
	UP_OPEN,
	{ RX, PPP_CONF_REQ, 1, "0104abcd", S(ACK_SENT), PPP_CONF_ACK },
	{ TICK, 3000, 0, NULL, S(ACK_SENT), PPP_CONF_REQ },
	{ RX, PPP_CONF_NAK, ID_REQ, "01040001", S(ACK_SENT), PPP_CONF_REQ },
	{ TICK, 3000, 0, NULL, S(ACK_SENT), PPP_CONF_REQ },
	{ TICK, 3000, 0, NULL, S(ACK_SENT), PPP_CONF_REQ },
	{ TICK, 3000, 0, NULL, S(STOPPED), NONE }, END };

static const struct fsm_case cases[] = {
	{ "1 open before up", s1, 0, 0, 1, 0 },
	{ "2 RCA then RCR+", s2, 1, 0, 0, 0 },
	{ "3 RCR+ then RCA", s3, 1, 0, 0, 0 },
	{ "4 RCR- nak / reject precedence", s4, 0, 0, 0, 0 },
	{ "5 RCN nak and reject", s5, 0, 0, 0, 0 },
	{ "6 stale identifiers", s6, 0, 0, 0, 0 },
	{ "7 Max-Configure", s7, 0, 0, 0, 1 },
	{ "8 Max-Failure", s8, 0, 0, 0, 0 },
	{ "9 RTR in Opened", s9, 1, 1, 0, 1 },
	{ "10 Close then RTA", s10, 1, 1, 0, 1 },
	{ "11 Max-Terminate", s11, 1, 1, 0, 1 },
	{ "12 renegotiation", s12, 2, 1, 0, 0 },
	{ "13 stale ack in Opened, RCR-", s13, 1, 1, 0, 0 },
	{ "14 RUC and RXR", s14, 1, 0, 0, 0 },
	{ "15 RXJ+ and RXJ-", s15, 1, 1, 0, 0 },
	{ "16 Closed", s16, 0, 0, 0, 0 },
	{ "17 Stopped and Down", s17, 0, 0, 0, 1 },
	{ "18 malformed", s18, 0, 0, 0, 0 },
	{ "19 Down in Opened", s19, 1, 1, 0, 0 },
	{ "20 Ack-Rcvd", s20, 0, 0, 0, 0 },
	{ "21 Ack-Sent", s21, 0, 0, 0, 0 },
	{ "22 Closing, Stopping", s22, 0, 0, 0, 1 },
	{ "23 illegal events", s23, 0, 0, 0, 0 },
	{ "24 RTA in Opened", s24, 1, 1, 0, 0 },
	{ "25 bad reject", s25, 0, 0, 0, 0 },
	{ "26 irc on RCN in Ack-Sent", s26, 0, 0, 0, 1 },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct fsm_case *fc = &cases[c];
		struct toy t;

		toy_init(&t);
		print_message("case %s\n", fc->name);
		for (unsigned i = 0; i < 32 && fc->steps[i].arg != -1; i++)
			run_step(&t, &fc->steps[i], i);
		assert_int_equal(t.tlu, fc->tlu);
		assert_int_equal(t.tld, fc->tld);
		assert_int_equal(t.tls, fc->tls);
		assert_int_equal(t.tlf, fc->tlf);
	}
}

/* Details the table cannot show: identifiers, counters, reply contents. */
static void test_details(void **state)
{
	struct toy t;
	uint8_t id;

	(void)state;
	toy_init(&t);
	sgw_ppp_fsm_event(&t.f, SGW_FSM_UP);
	sgw_ppp_fsm_event(&t.f, SGW_FSM_OPEN);
	id = t.f.reqid;
	/* The Nak of our option changes it and the next request's id. */
	{
		static const uint8_t nak[] = { 3, 0, 0, 8, 1, 4, 0x56, 0x78 };
		uint8_t p[sizeof(nak)];

		memcpy(p, nak, sizeof(p));
		p[1] = id;
		sgw_ppp_fsm_input(&t.f, p, sizeof(p));
	}
	assert_int_not_equal(t.f.reqid, id);
	assert_int_equal(t.last[5], t.f.reqid);
	assert_int_equal(t.last[10] << 8 | t.last[11], 0x5678);
	assert_int_equal(t.naks_rx, 1);
	/* A Nak carries the suggestion; the reply keeps the request's id. */
	{
		static const uint8_t req[] = { 1, 77, 0, 10, 2, 6, 0, 0, 0, 0 };

		sgw_ppp_fsm_input(&t.f, req, sizeof(req));
	}
	assert_int_equal(t.last[4], PPP_CONF_NAK);
	assert_int_equal(t.last[5], 77);
	assert_memory_equal(t.last + 8, "\x02\x04\xaa\xaa", 4);
	assert_int_equal(t.st.naks_sent, 1);
	/* Code-Reject of a long packet is cut to fit the minimum MRU. */
	{
		uint8_t big[1400] = { 42, 5, 1400 >> 8, 1400 & 0xff };

		sgw_ppp_fsm_input(&t.f, big, sizeof(big));
		assert_int_equal(t.last_len, 4 + SGW_PPP_MIN_MRU);
		assert_memory_equal(t.last + 8, big, 16);
	}
	assert_int_equal(t.st.code_rej_sent, 1);
	assert_int_equal(t.st.unexpected, 0);
}

static void test_counters(void **state)
{
	struct toy t;
	static const uint8_t bad[] = { 1, 1, 0, 8, 1, 1, 0, 0 };

	(void)state;
	toy_init(&t);
	sgw_ppp_fsm_event(&t.f, SGW_FSM_DOWN);
	assert_int_equal(t.st.unexpected, 1);
	sgw_ppp_fsm_event(&t.f, SGW_FSM_UP);
	sgw_ppp_fsm_event(&t.f, SGW_FSM_OPEN);
	sgw_ppp_fsm_input(&t.f, bad, sizeof(bad));
	assert_int_equal(t.st.bad_packet, 1);
	sgw_ppp_fsm_input(&t.f, (const uint8_t *)"\x02\x63\x00\x04", 4);
	assert_int_equal(t.st.stale_id, 1);
	sgw_ppp_fsm_event(&t.f, (enum sgw_ppp_fsm_event)99);   /* ignored */
	assert_int_equal(t.f.state, SGW_FSM_REQ_SENT);
	assert_string_equal(sgw_ppp_fsm_state_str(SGW_FSM_ACK_SENT), "Ack-Sent");
	assert_string_equal(sgw_ppp_fsm_state_str((enum sgw_ppp_fsm_state)77), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_details),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
