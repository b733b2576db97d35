/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PPP object end to end on byte buffers, with a scripted authenticator
 * (struct sgw_ppp_auth_ops) instead of a real EAP-TLS handshake and a fake
 * address allocator: LCP as Windows and pppd negotiate it, echo, terminate,
 * rejects; EAP identity, fragments, success, failure, Nak, wrong ids,
 * retransmission; IPCP; IPv4 checks; garbage everywhere.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/x509.h"
#include "dataplane/ppp.h"
#include "dataplane/ppp_wire.h"
#include "dataplane/sgw_limits.h"

enum { MAX_FRAMES = 32, FRAME_CAP = SGW_PPP_MAX_MRU + 16 };

#define ADDR 0x0a000002u         /* 10.0.0.2, what the pool gives */
#define LOCAL 0x0a000001u
#define DNS1 0x08080808u
#define MAGIC 0x5a5a0001u

struct harness {
	struct sgw_ppp *p;
	uint64_t now;
	uint32_t ev;             /* events of the last call */
	struct sgw_ppp_ipv4 ip;
	unsigned n;              /* frames sent since the last clear */
	uint8_t f[MAX_FRAMES][FRAME_CAP];
	size_t len[MAX_FRAMES];
	uint8_t eap_id;          /* of the last EAP Request sent */
	uint8_t ipcp_req_id;     /* of our last IPCP Configure-Request */
	/* allocator */
	int alloc_rc;
	unsigned allocs, frees;
	uint32_t freed;
	char alloc_identity[64];
	/* authenticator */
	const enum sgw_eaptls_status *script;
	size_t script_len, pos;
	size_t max_frag;
	unsigned created, destroyed;
	uint8_t last_in[64];
	size_t last_in_len;
};

static struct harness H;

static void cap_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct harness *h = ctx;

	assert_true(len >= 4 && len <= FRAME_CAP);
	if (frame[2] == 0xc2 && frame[3] == 0x27 && frame[4] == EAP_REQUEST)
		h->eap_id = frame[5];
	if (frame[2] == 0x80 && frame[3] == 0x21 && frame[4] == PPP_CONF_REQ)
		h->ipcp_req_id = frame[5];
	if (h->n < MAX_FRAMES) {
		memcpy(h->f[h->n], frame, len);
		h->len[h->n] = len;
	}
	h->n++;
}

static int fake_alloc(void *ctx, const char *identity, uint32_t *addr)
{
	struct harness *h = ctx;

	h->allocs++;
	snprintf(h->alloc_identity, sizeof(h->alloc_identity), "%s", identity);
	if (h->alloc_rc != 0)
		return h->alloc_rc;
	*addr = ADDR;
	return 0;
}

static void fake_free(void *ctx, uint32_t addr)
{
	struct harness *h = ctx;

	h->frees++;
	h->freed = addr;
}

static void *fa_create(void *ctx, size_t max_frag)
{
	struct harness *h = ctx;

	h->created++;
	h->max_frag = max_frag;
	return h;
}

static void fa_destroy(void *a)
{
	((struct harness *)a)->destroyed++;
}

/* EAP-TLS Start: flags S. */
static size_t fa_start(void *a, uint8_t *out, size_t cap)
{
	(void)a;
	assert_true(cap >= 1);
	out[0] = 0x20;
	return 1;
}

/* Scripted: each SEND is a 1-byte flags + the round number + filler up to
 * max_frag, so fragments are full-size. */
static enum sgw_eaptls_status fa_input(void *a, const uint8_t *in, size_t in_len,
				       uint8_t *out, size_t cap, size_t *out_len)
{
	struct harness *h = a;
	enum sgw_eaptls_status st;

	h->last_in_len = in_len < sizeof(h->last_in) ? in_len : sizeof(h->last_in);
	memcpy(h->last_in, in, h->last_in_len);
	st = h->pos < h->script_len ? h->script[h->pos] : SGW_EAPTLS_FAILURE;
	h->pos++;
	if (st == SGW_EAPTLS_SEND) {
		assert_true(cap >= h->max_frag + 6);
		memset(out, 0x16, h->max_frag + 1);
		out[0] = 0x40;
		out[1] = (uint8_t)h->pos;
		*out_len = h->max_frag + 1;
	}
	return st;
}

static int fa_keys(const void *a, uint8_t msk[SGW_EAP_MSK_LEN],
		   uint8_t emsk[SGW_EAP_EMSK_LEN])
{
	(void)a;
	memset(msk, 0x11, SGW_EAP_MSK_LEN);
	memset(emsk, 0x22, SGW_EAP_EMSK_LEN);
	return 0;
}

static const struct sgw_x509_result fa_result = { .root_id = 3, .cn = "alice" };

static const struct sgw_x509_result *fa_peer(const void *a)
{
	(void)a;
	return &fa_result;
}

static const char *fa_error(const void *a)
{
	(void)a;
	return "certificate revoked";
}

static const struct sgw_ppp_auth_ops fake_auth = {
	.create = fa_create, .destroy = fa_destroy, .start = fa_start,
	.input = fa_input, .keys = fa_keys, .peer = fa_peer, .error = fa_error,
};

static int setup(void **state)
{
	struct sgw_ppp_config cfg = {
		.magic = MAGIC,
		.local_addr = LOCAL,
		.dns = { DNS1, 0 },
		.addr_alloc = fake_alloc,
		.addr_free = fake_free,
		.addr_ctx = &H,
		.send = cap_send,
		.send_ctx = &H,
		.auth_ops = &fake_auth,
		.auth_ctx = &H,
	};

	(void)state;
	memset(&H, 0, sizeof(H));
	H.now = 1000;
	H.p = sgw_ppp_create(&cfg);
	assert_non_null(H.p);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sgw_ppp_destroy(H.p);
	return 0;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0' && n < cap) {
		if (*s == ' ') {
			s++;
			continue;
		}
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* A raw frame (hex, spaces ignored). */
static uint32_t feed_hex(const char *hex)
{
	uint8_t buf[1024];
	size_t n = unhex(hex, buf, sizeof(buf));

	H.n = 0;
	H.ev = sgw_ppp_input(H.p, buf, n, H.now, &H.ip);
	return H.ev;
}

/* FF 03, protocol, code, id, Length, data. */
static uint32_t feed_cp(uint16_t proto, uint8_t code, uint8_t id, const char *hex)
{
	uint8_t buf[1024] = { 0xff, 0x03, (uint8_t)(proto >> 8), (uint8_t)proto,
			      code, id };
	size_t n = unhex(hex, buf + 8, sizeof(buf) - 8);

	buf[6] = (uint8_t)((n + 4) >> 8);
	buf[7] = (uint8_t)(n + 4);
	H.n = 0;
	H.ev = sgw_ppp_input(H.p, buf, n + 8, H.now, &H.ip);
	return H.ev;
}

static uint32_t tick(uint64_t ms)
{
	H.now += ms;
	H.n = 0;
	H.ev = sgw_ppp_tick(H.p, H.now);
	return H.ev;
}

static uint16_t proto_of(unsigned i)
{
	return (uint16_t)(H.f[i][2] << 8 | H.f[i][3]);
}

/* The last frame sent of proto with this code (-1 = any), or -1. */
static int find(uint16_t proto, int code)
{
	for (int i = (int)(H.n < MAX_FRAMES ? H.n : MAX_FRAMES) - 1; i >= 0; i--)
		if (proto_of((unsigned)i) == proto && (code < 0 || H.f[i][4] == code))
			return i;
	return -1;
}

/* Frame i's data after the CP/EAP header matches hex. */
static void expect_data(int i, const char *hex)
{
	uint8_t want[512];
	size_t n = unhex(hex, want, sizeof(want));

	assert_true(i >= 0);
	assert_int_equal(H.len[i], 8 + n);
	assert_memory_equal(H.f[i] + 8, want, n);
}

/* Start; ack our request; the client asks for MRU 1400 + magic. */
static void lcp_open(void)
{
	char opts[64];
	int i;

	H.n = 0;
	H.ev = sgw_ppp_start(H.p, H.now);
	if (H.n == 0)
		tick(SGW_PPP_RESTART_MS);  /* started before: a retransmission */
	i = find(PPP_PROTO_LCP, PPP_CONF_REQ);
	assert_true(i >= 0);
	for (size_t k = 0; k < H.len[i] - 8 && k < 30; k++)
		snprintf(opts + 2 * k, 3, "%02x", H.f[i][8 + k]);
	feed_cp(PPP_PROTO_LCP, PPP_CONF_ACK, H.f[i][5], opts);
	feed_cp(PPP_PROTO_LCP, PPP_CONF_REQ, 1, "01040578 050612345678");
	assert_true(find(PPP_PROTO_LCP, PPP_CONF_ACK) >= 0);
	assert_int_equal(sgw_ppp_phase(H.p), SGW_PPP_PHASE_AUTHENTICATE);
}

static uint8_t eap_id(void)
{
	return H.eap_id;
}

static uint32_t eap_resp(uint8_t id, uint8_t type, const char *hex)
{
	char buf[600];

	snprintf(buf, sizeof(buf), "%02x%s", type, hex);
	return feed_cp(PPP_PROTO_EAP, EAP_RESPONSE, id, buf);
}

static const enum sgw_eaptls_status ok_script[] = {
	SGW_EAPTLS_SEND, SGW_EAPTLS_SEND, SGW_EAPTLS_SEND, SGW_EAPTLS_SUCCESS,
};

static void authenticate(void)
{
	H.script = ok_script;
	H.script_len = 4;
	eap_resp(eap_id(), EAP_TYPE_IDENTITY, "616c696365");   /* alice */
	for (int r = 0; r < 4; r++)
		eap_resp(eap_id(), EAP_TYPE_TLS, "00");
	assert_true(H.ev & SGW_PPP_EV_AUTH_OK);
}

static void ipcp_open(void)
{
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_ACK, H.ipcp_req_id, "03060a000001");
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_REQ, 1, "03060a000002 810608080808");
	assert_true(find(PPP_PROTO_IPCP, PPP_CONF_ACK) >= 0);
	assert_true(H.ev & SGW_PPP_EV_NETWORK_UP);
}

/* ---- LCP ---- */

static void test_lcp_our_request(void **state)
{
	int i;

	(void)state;
	H.ev = sgw_ppp_start(H.p, H.now);
	H.n = 1;
	i = find(PPP_PROTO_LCP, PPP_CONF_REQ);
	/* MRU 1500, Auth-Protocol EAP, Magic-Number. */
	expect_data(i, "010405dc 0304c227 05065a5a0001");
	assert_int_equal(sgw_ppp_phase(H.p), SGW_PPP_PHASE_ESTABLISH);
	assert_int_equal(H.ev, 0);
}

struct lcp_case {
	const char *name;
	const char *req;         /* client's options */
	int code;                /* our reply */
	const char *reply;       /* its data */
};

static const struct lcp_case lcp_cases[] = {
	{ "1 Windows", "01040578 050612345678 0702 0802 0d0306",
	  PPP_CONF_REJ, "0702 0802 0d0306" },
	{ "2 Windows, again", "01040578 050612345678", PPP_CONF_ACK,
	  "01040578 050612345678" },
	{ "3 pppd", "020600000000 050612345678 0702 0802", PPP_CONF_REJ,
	  "0702 0802" },
	{ "4 pppd, again", "020600000000 050612345678", PPP_CONF_ACK,
	  "020600000000 050612345678" },
	{ "5 MRU too small", "010401f4", PPP_CONF_NAK, "01040240" },
	{ "6 magic zero", "050600000000", PPP_CONF_NAK, NULL },
	{ "7 auth for us", "0304c223", PPP_CONF_REJ, "0304c223" },
	{ "8 unknown + bad length MRU", "2a03ff 010305", PPP_CONF_REJ,
	  "2a03ff 010305" },
	{ "9 empty", "", PPP_CONF_ACK, "" },
};

static void test_lcp_cases(void **state)
{
	(void)state;
	H.ev = sgw_ppp_start(H.p, H.now);
	for (size_t c = 0; c < sizeof(lcp_cases) / sizeof(lcp_cases[0]); c++) {
		const struct lcp_case *lc = &lcp_cases[c];
		int i;

		print_message("case %s\n", lc->name);
		feed_cp(PPP_PROTO_LCP, PPP_CONF_REQ, (uint8_t)(c + 1), lc->req);
		i = find(PPP_PROTO_LCP, lc->code);
		assert_true(i >= 0);
		assert_int_equal(H.f[i][5], c + 1);
		if (lc->reply != NULL)
			expect_data(i, lc->reply);
	}
}

static void test_lcp_windows_mru(void **state)
{
	(void)state;
	lcp_open();
	assert_int_equal(sgw_ppp_peer_mru(H.p), 1400);
	/* EAP-TLS fragments fit the client's MRU (PROTOCOL.md: MRU - 10). */
	eap_resp(eap_id(), EAP_TYPE_IDENTITY, "61");
	assert_int_equal(H.max_frag, 1390);
}

static void test_lcp_loopback(void **state)
{
	int i;
	uint32_t m;

	(void)state;
	H.ev = sgw_ppp_start(H.p, H.now);
	feed_cp(PPP_PROTO_LCP, PPP_CONF_REQ, 1, "05065a5a0001");
	i = find(PPP_PROTO_LCP, PPP_CONF_NAK);
	assert_true(i >= 0);
	assert_int_equal(sgw_ppp_stats(H.p)->loopback, 1);
	/* Our next request carries a new magic. */
	tick(SGW_PPP_RESTART_MS);
	i = find(PPP_PROTO_LCP, PPP_CONF_REQ);
	assert_true(i >= 0);
	m = (uint32_t)H.f[i][18] << 24 | (uint32_t)H.f[i][19] << 16 |
	    (uint32_t)H.f[i][20] << 8 | H.f[i][21];
	assert_int_equal(H.f[i][16], LCP_OPT_MAGIC);
	assert_int_not_equal(m, MAGIC);
	assert_int_not_equal(m, 0);
}

static void test_lcp_echo(void **state)
{
	int i;

	(void)state;
	H.ev = sgw_ppp_start(H.p, H.now);
	feed_cp(PPP_PROTO_LCP, PPP_ECHO_REQ, 5, "12345678 abcd");
	assert_int_equal(H.n, 0);          /* not Opened: discarded */
	lcp_open();
	feed_cp(PPP_PROTO_LCP, PPP_ECHO_REQ, 6, "12345678 abcd");
	i = find(PPP_PROTO_LCP, PPP_ECHO_REP);
	assert_int_equal(H.f[i][5], 6);
	expect_data(i, "5a5a0001 abcd");
	feed_cp(PPP_PROTO_LCP, PPP_ECHO_REQ, 7, "5a5a0001");   /* our magic */
	assert_int_equal(H.n, 0);
	assert_int_equal(sgw_ppp_stats(H.p)->loopback, 1);
	feed_cp(PPP_PROTO_LCP, PPP_ECHO_REQ, 8, "1234");       /* short */
	assert_int_equal(H.n, 0);
	feed_cp(PPP_PROTO_LCP, PPP_DISC_REQ, 9, "12345678");
	feed_cp(PPP_PROTO_LCP, PPP_ECHO_REP, 9, "12345678");
	assert_int_equal(H.n, 0);
	assert_int_equal(sgw_ppp_stats(H.p)->echo_replies, 1);
}

static void test_lcp_terminate(void **state)
{
	int i;

	(void)state;
	lcp_open();
	feed_cp(PPP_PROTO_LCP, PPP_TERM_REQ, 42, "");
	i = find(PPP_PROTO_LCP, PPP_TERM_ACK);
	assert_true(i >= 0);
	assert_int_equal(H.f[i][5], 42);
	assert_true(H.ev & SGW_PPP_EV_DOWN);
	assert_int_equal(sgw_ppp_down_reason(H.p), SGW_PPP_DOWN_PEER_TERMINATED);
	/* Raised once; the automaton finishes quietly. */
	assert_int_equal(tick(SGW_PPP_RESTART_MS), 0);
	assert_int_equal(sgw_ppp_phase(H.p), SGW_PPP_PHASE_DEAD);
}

static void test_lcp_rejects(void **state)
{
	int i;

	(void)state;
	H.ev = sgw_ppp_start(H.p, H.now);
	feed_cp(PPP_PROTO_IPV6CP, PPP_CONF_REQ, 1, "010a0000000000000001");
	assert_int_equal(H.n, 0);          /* LCP not opened: discarded */
	lcp_open();
	/* 1 IPv6CP, 2 CCP, 3 IPv6, 4 unknown: Protocol-Reject. */
	feed_cp(PPP_PROTO_IPV6CP, PPP_CONF_REQ, 1, "010a0000000000000001");
	i = find(PPP_PROTO_LCP, PPP_PROTO_REJ);
	expect_data(i, "8057 0101000e010a0000000000000001");
	feed_cp(PPP_PROTO_CCP, PPP_CONF_REQ, 1, "");
	expect_data(find(PPP_PROTO_LCP, PPP_PROTO_REJ), "80fd 01010004");
	feed_hex("ff03 0057 6000000000000000");
	expect_data(find(PPP_PROTO_LCP, PPP_PROTO_REJ), "0057 6000000000000000");
	feed_hex("ff03 1234");
	expect_data(find(PPP_PROTO_LCP, PPP_PROTO_REJ), "1234");
	assert_int_equal(sgw_ppp_stats(H.p)->proto_rej_sent, 4);
	/* 5 unknown LCP code: Code-Reject with the packet. */
	feed_cp(PPP_PROTO_LCP, 42, 3, "0102");
	expect_data(find(PPP_PROTO_LCP, PPP_CODE_REJ), "2a030006 0102");
	assert_int_equal(H.ev & SGW_PPP_EV_DOWN, 0);
}

static void test_lcp_auth_refused(void **state)
{
	int i;

	(void)state;
	H.ev = sgw_ppp_start(H.p, H.now);
	i = find(PPP_PROTO_LCP, PPP_CONF_REQ);
	feed_cp(PPP_PROTO_LCP, PPP_CONF_NAK, H.f[i][5], "0304c223");
	assert_true(H.ev & SGW_PPP_EV_DOWN);
	assert_int_equal(sgw_ppp_down_reason(H.p), SGW_PPP_DOWN_AUTH_REFUSED);
	assert_non_null(strstr(sgw_ppp_reason(H.p), "0xc223"));
	assert_true(find(PPP_PROTO_LCP, PPP_TERM_REQ) >= 0);
}

static void test_lcp_timeout(void **state)
{
	unsigned sent = 0;

	(void)state;
	H.ev = sgw_ppp_start(H.p, H.now);
	for (int k = 0; k < 20 && !(H.ev & SGW_PPP_EV_DOWN); k++) {
		tick(SGW_PPP_RESTART_MS);
		sent += H.n;
	}
	assert_true(H.ev & SGW_PPP_EV_DOWN);
	assert_int_equal(sent, SGW_PPP_MAX_CONFIGURE - 1);
	assert_int_equal(sgw_ppp_down_reason(H.p), SGW_PPP_DOWN_LCP_FAILED);
}

/* ---- EAP ---- */

static void test_eap_success(void **state)
{
	uint8_t msk[SGW_EAP_MSK_LEN], emsk[SGW_EAP_EMSK_LEN];
	uint8_t id;
	int i;

	(void)state;
	lcp_open();
	/* Request/Identity, no data. */
	i = find(PPP_PROTO_EAP, EAP_REQUEST);
	expect_data(i, "01");
	assert_int_equal(sgw_ppp_auth_keys(H.p, msk, emsk), -EINVAL);
	id = eap_id();
	H.script = ok_script;
	H.script_len = 4;
	eap_resp(id, EAP_TYPE_IDENTITY, "616c696365");
	assert_string_equal(sgw_ppp_identity(H.p), "alice");
	/* Request/EAP-TLS Start with id + 1. */
	i = find(PPP_PROTO_EAP, EAP_REQUEST);
	expect_data(i, "0d20");
	assert_int_equal(H.f[i][5], (uint8_t)(id + 1));
	/* Three fragments: each a full-size request with the next id. */
	for (int r = 0; r < 3; r++) {
		id = eap_id();
		eap_resp(id, EAP_TYPE_TLS, "00");
		i = find(PPP_PROTO_EAP, EAP_REQUEST);
		assert_int_equal(H.f[i][5], (uint8_t)(id + 1));
		assert_int_equal(H.len[i], 4 + sgw_ppp_peer_mru(H.p) - 4);
		assert_int_equal(H.f[i][10], r + 1);
	}
	id = eap_id();
	eap_resp(id, EAP_TYPE_TLS, "00");
	/* EAP-Success with the Response's id; IPCP starts. */
	i = find(PPP_PROTO_EAP, EAP_SUCCESS);
	assert_true(i >= 0);
	assert_int_equal(H.f[i][5], id);
	assert_int_equal(H.len[i], 8);
	assert_true(H.ev & SGW_PPP_EV_AUTH_OK);
	assert_int_equal(H.ev & SGW_PPP_EV_DOWN, 0);
	assert_int_equal(sgw_ppp_phase(H.p), SGW_PPP_PHASE_NETWORK);
	assert_int_equal(sgw_ppp_auth_keys(H.p, msk, emsk), 0);
	assert_int_equal(msk[0], 0x11);
	assert_int_equal(sgw_ppp_auth_peer(H.p)->root_id, 3);
	assert_true(find(PPP_PROTO_IPCP, PPP_CONF_REQ) >= 0);
	assert_string_equal(H.alloc_identity, "alice");
	/* A late duplicate is dropped; release frees the authenticator. */
	eap_resp(id, EAP_TYPE_TLS, "00");
	assert_int_equal(H.n, 0);
	sgw_ppp_release_auth(H.p);
	assert_int_equal(H.destroyed, 1);
	assert_null(sgw_ppp_auth_peer(H.p));
	assert_string_equal(sgw_ppp_identity(H.p), "");
}

struct eap_fail_case {
	const char *name;
	enum sgw_eaptls_status st;
	uint8_t type;            /* of the client's second response */
	const char *reason;
};

static const struct eap_fail_case eap_fail_cases[] = {
	{ "1 EAP-TLS failure", SGW_EAPTLS_FAILURE, EAP_TYPE_TLS,
	  "EAP-TLS failed: certificate revoked" },
	{ "2 Nak to EAP-TLS", SGW_EAPTLS_SUCCESS, EAP_TYPE_NAK,
	  "client refused EAP-TLS" },
};

static void test_eap_failures(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(eap_fail_cases) / sizeof(eap_fail_cases[0]); c++) {
		const struct eap_fail_case *fc = &eap_fail_cases[c];
		uint8_t id;
		int i;

		print_message("case %s\n", fc->name);
		teardown(NULL);
		setup(NULL);
		lcp_open();
		H.script = &fc->st;
		H.script_len = 1;
		eap_resp(eap_id(), EAP_TYPE_IDENTITY, "626f62");
		id = eap_id();
		eap_resp(id, fc->type, fc->type == EAP_TYPE_NAK ? "1a" : "00");
		i = find(PPP_PROTO_EAP, EAP_FAILURE);
		assert_true(i >= 0);
		assert_int_equal(H.f[i][5], id);
		assert_int_equal(H.ev, SGW_PPP_EV_AUTH_FAILED | SGW_PPP_EV_DOWN);
		assert_int_equal(sgw_ppp_down_reason(H.p), SGW_PPP_DOWN_AUTH_FAILED);
		assert_string_equal(sgw_ppp_reason(H.p), fc->reason);
		assert_true(find(PPP_PROTO_LCP, PPP_TERM_REQ) >= 0);
		assert_int_equal(H.allocs, 0);
	}
}

static void test_eap_wrong_id(void **state)
{
	uint8_t id;

	(void)state;
	lcp_open();
	id = eap_id();
	eap_resp((uint8_t)(id - 1), EAP_TYPE_IDENTITY, "61");
	assert_int_equal(H.n, 0);
	eap_resp((uint8_t)(id + 1), EAP_TYPE_IDENTITY, "61");
	assert_int_equal(H.n, 0);
	assert_int_equal(sgw_ppp_stats(H.p)->eap_wrong_id, 2);
	/* Wrong type for the state, and a Request from the client. */
	eap_resp(id, EAP_TYPE_TLS, "00");
	feed_cp(PPP_PROTO_EAP, EAP_REQUEST, id, "01");
	assert_int_equal(H.n, 0);
	assert_int_equal(sgw_ppp_stats(H.p)->eap_bad, 2);
	eap_resp(id, EAP_TYPE_IDENTITY, "61");
	assert_int_equal(H.created, 1);
}

static void test_eap_retransmit(void **state)
{
	uint8_t first[64];
	size_t len;
	int i;

	(void)state;
	lcp_open();
	i = find(PPP_PROTO_EAP, EAP_REQUEST);
	len = H.len[i];
	memcpy(first, H.f[i], len);
	tick(SGW_EAP_RETRANSMIT_MS - 1);
	assert_int_equal(H.n, 0);
	for (int k = 0; k < SGW_EAP_MAX_RETRANSMIT; k++) {
		tick(SGW_EAP_RETRANSMIT_MS);
		assert_int_equal(H.n, 1);
		assert_int_equal(H.len[0], len);
		assert_memory_equal(H.f[0], first, len);
	}
	assert_int_equal(sgw_ppp_stats(H.p)->eap_retransmits, SGW_EAP_MAX_RETRANSMIT);
	tick(SGW_EAP_RETRANSMIT_MS);
	assert_true(H.ev & SGW_PPP_EV_DOWN);
	assert_int_equal(sgw_ppp_down_reason(H.p), SGW_PPP_DOWN_AUTH_TIMEOUT);
}

/* ---- IPCP ---- */

static void test_ipcp(void **state)
{
	(void)state;
	lcp_open();
	/* Before authentication: discarded. */
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_REQ, 1, "030600000000");
	assert_int_equal(H.n, 0);
	assert_int_equal(sgw_ppp_stats(H.p)->drop_ncp_before_auth, 1);
	authenticate();
	/* Our request: the gateway's address. */
	expect_data(find(PPP_PROTO_IPCP, PPP_CONF_REQ), "03060a000001");
	/* 1 VJ and NBNS (none configured): Reject, first. */
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_REQ, 1,
		"0206002d0f01 030600000000 810600000000 820600000000");
	expect_data(find(PPP_PROTO_IPCP, PPP_CONF_REJ), "0206002d0f01 820600000000");
	/* 2 0.0.0.0 and DNS 0.0.0.0: Nak with ours. */
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_REQ, 2, "030600000000 810600000000");
	expect_data(find(PPP_PROTO_IPCP, PPP_CONF_NAK), "03060a000002 810608080808");
	/* 3 another address, no address at all: Nak with the assigned one. */
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_REQ, 3, "0306c0a80001");
	expect_data(find(PPP_PROTO_IPCP, PPP_CONF_NAK), "03060a000002");
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_REQ, 4, "810608080808");
	expect_data(find(PPP_PROTO_IPCP, PPP_CONF_NAK), "03060a000002");
	/* 4 secondary DNS not configured: Reject. */
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_REQ, 5, "030600000000 830600000000");
	expect_data(find(PPP_PROTO_IPCP, PPP_CONF_REJ), "830600000000");
	ipcp_open();
	assert_int_equal(sgw_ppp_addr(H.p), ADDR);
	assert_int_equal(H.allocs, 1);
}

static void test_ipcp_pool_exhausted(void **state)
{
	(void)state;
	H.alloc_rc = -ENOSPC;
	lcp_open();
	authenticate();
	assert_int_equal(H.ev, SGW_PPP_EV_AUTH_OK | SGW_PPP_EV_DOWN);
	assert_int_equal(sgw_ppp_down_reason(H.p), SGW_PPP_DOWN_POOL_EXHAUSTED);
	assert_string_equal(sgw_ppp_reason(H.p), "address pool exhausted");
	assert_int_equal(find(PPP_PROTO_IPCP, -1), -1);
	assert_true(find(PPP_PROTO_LCP, PPP_TERM_REQ) >= 0);
	assert_int_equal(sgw_ppp_addr(H.p), 0);
}

static void test_ipcp_rejects_our_address(void **state)
{
	int i;

	(void)state;
	lcp_open();
	authenticate();
	i = find(PPP_PROTO_IPCP, PPP_CONF_REQ);
	feed_cp(PPP_PROTO_IPCP, PPP_CONF_NAK, H.f[i][5], "0306c0a80001");
	i = find(PPP_PROTO_IPCP, PPP_CONF_REQ);
	expect_data(i, "");
}

/* ---- IPv4 ---- */

/* An IPv4 header from src, total length tot, in a frame of len bytes. */
static uint32_t feed_ipv4(uint8_t vihl, uint32_t src, uint16_t tot, size_t len)
{
	uint8_t buf[128] = { 0xff, 0x03, 0x00, 0x21, vihl, 0,
			     (uint8_t)(tot >> 8), (uint8_t)tot };

	buf[4 + 12] = (uint8_t)(src >> 24);
	buf[4 + 13] = (uint8_t)(src >> 16);
	buf[4 + 14] = (uint8_t)(src >> 8);
	buf[4 + 15] = (uint8_t)src;
	H.n = 0;
	memset(&H.ip, 0, sizeof(H.ip));
	H.ev = sgw_ppp_input(H.p, buf, len + 4, H.now, &H.ip);
	return H.ev;
}

struct ip_case {
	const char *name;
	uint8_t vihl;
	uint32_t src;
	uint16_t tot;
	size_t len;
	bool ok;
	size_t off;              /* counter that must move */
};

#define C(f) offsetof(struct sgw_ppp_stats, f)

static const struct ip_case ip_cases[] = {
	{ "1 good", 0x45, ADDR, 40, 40, true, C(ipv4_rx) },
	{ "2 good, link padding", 0x45, ADDR, 28, 40, true, C(ipv4_rx) },
	{ "3 spoofed", 0x45, 0x0a000003, 40, 40, false, C(ipv4_spoofed) },
	{ "4 version 6", 0x65, ADDR, 40, 40, false, C(ipv4_malformed) },
	{ "5 IHL 4", 0x44, ADDR, 40, 40, false, C(ipv4_malformed) },
	{ "6 total length past frame", 0x45, ADDR, 41, 40, false, C(ipv4_malformed) },
	{ "7 total length < IHL", 0x46, ADDR, 20, 40, false, C(ipv4_malformed) },
	{ "8 short", 0x45, ADDR, 19, 19, false, C(ipv4_malformed) },
};

static uint64_t counter(size_t off)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)sgw_ppp_stats(H.p) + off, sizeof(v));
	return v;
}

static void test_ipv4(void **state)
{
	uint8_t pkt[64] = { 0 };
	uint8_t *fr;

	(void)state;
	lcp_open();
	feed_ipv4(0x45, ADDR, 40, 40);
	assert_int_equal(H.ev, 0);
	assert_int_equal(sgw_ppp_stats(H.p)->ipv4_not_open, 1);
	assert_null(sgw_ppp_ipv4_encap(H.p, pkt + 4, 40));
	authenticate();
	feed_ipv4(0x45, ADDR, 40, 40);
	assert_int_equal(sgw_ppp_stats(H.p)->ipv4_not_open, 2);
	ipcp_open();
	for (size_t c = 0; c < sizeof(ip_cases) / sizeof(ip_cases[0]); c++) {
		const struct ip_case *ic = &ip_cases[c];
		uint64_t before = counter(ic->off);

		print_message("case %s\n", ic->name);
		feed_ipv4(ic->vihl, ic->src, ic->tot, ic->len);
		assert_int_equal(!!(H.ev & SGW_PPP_EV_IPV4), ic->ok);
		assert_int_equal(counter(ic->off), before + 1);
		if (ic->ok)
			assert_int_equal(H.ip.len, ic->tot);
		assert_int_equal(H.n, 0);
	}
	/* Outgoing: the header lands in the headroom. */
	fr = sgw_ppp_ipv4_encap(H.p, pkt + 4, 40);
	assert_ptr_equal(fr, pkt);
	assert_memory_equal(pkt, "\xff\x03\x00\x21", 4);
	assert_null(sgw_ppp_ipv4_encap(H.p, pkt + 4, 1401));
}

/* ---- robustness ---- */

struct junk_case {
	const char *name;
	int phase;               /* 0 before start, 1 LCP opened, 2 authenticated */
	const char *hex;
	size_t off;              /* counter that must move */
};

static const struct junk_case junk_cases[] = {
	{ "1 empty", 0, "", C(drop_short) },
	{ "2 one byte", 1, "ff", C(drop_short) },
	{ "3 address only", 1, "ff03", C(drop_short) },
	{ "4 compressed protocol", 1, "ff03 21 4500", C(drop_compressed_proto) },
	{ "5 LCP short", 1, "ff03 c021 0101", C(lcp.bad_packet) },
	{ "6 LCP length lies", 1, "ff03 c021 01010010 0104", C(lcp.bad_packet) },
	{ "7 LCP option past end", 1, "ff03 c021 01010008 0110abcd",
	  C(lcp.bad_packet) },
	{ "8 LCP option length 0", 1, "ff03 c021 01010006 0100", C(lcp.bad_packet) },
	{ "9 no FF 03, still LCP", 1, "c021 0101", C(lcp.bad_packet) },
	{ "10 EAP short", 1, "ff03 c227 0201", C(eap_bad) },
	{ "11 EAP length lies", 1, "ff03 c227 02000100 01", C(eap_bad) },
	{ "12 EAP no type, stale id", 1, "ff03 c227 02000004", C(eap_wrong_id) },
	{ "13 EAP before LCP", 0, "ff03 c227 0200000501", C(drop_not_open) },
	{ "14 IPCP before start", 0, "ff03 8021 01010004", C(drop_not_open) },
	{ "15 IPCP short", 2, "ff03 8021 01", C(ipcp.bad_packet) },
	{ "16 EAP after auth", 2, "ff03 c227 0200000501", C(drop_not_open) },
	{ "17 Protocol-Reject short", 1, "ff03 c021 08010005 80", C(lcp.bad_packet) },
	{ "18 unknown before start", 0, "ff03 8057 01010004", C(drop_not_open) },
	{ "19 IPv4 before start", 0, "ff03 0021 4500", C(ipv4_not_open) },
	{ "20 LCP before start", 0, "ff03 c021 01010004", C(lcp.unexpected) },
};

static void test_junk(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(junk_cases) / sizeof(junk_cases[0]); c++) {
		const struct junk_case *jc = &junk_cases[c];
		uint64_t before;

		print_message("case %s\n", jc->name);
		teardown(NULL);
		setup(NULL);
		if (jc->phase >= 1)
			lcp_open();
		if (jc->phase >= 2)
			authenticate();
		before = counter(jc->off);
		feed_hex(jc->hex);
		assert_int_equal(counter(jc->off), before + 1);
		assert_int_equal(H.ev & SGW_PPP_EV_DOWN, 0);
		assert_int_equal(H.n, 0);
	}
}

/* Frames and packets longer than any MRU never reach the reply buffers. */
static void test_too_long(void **state)
{
	static uint8_t big[SGW_PPP_MAX_MRU + PPP_HDR_LEN + 1];

	(void)state;
	lcp_open();
	memset(big, 0x2a, sizeof(big));   /* options: type 42, length 42 */
	memcpy(big, "\xff\x03\xc0\x21\x01\x09", 6);
	big[6] = (uint8_t)((sizeof(big) - 4) >> 8);
	big[7] = (uint8_t)(sizeof(big) - 4);
	H.n = 0;
	H.ev = sgw_ppp_input(H.p, big, sizeof(big), H.now, &H.ip);
	assert_int_equal(sgw_ppp_stats(H.p)->drop_too_long, 1);
	/* The largest legal frame: 97 options, more than SGW_PPP_MAX_OPTIONS. */
	big[6] = (uint8_t)(SGW_PPP_MAX_MRU >> 8);
	big[7] = (uint8_t)SGW_PPP_MAX_MRU;
	H.ev = sgw_ppp_input(H.p, big, sizeof(big) - 1, H.now, &H.ip);
	assert_int_equal(sgw_ppp_stats(H.p)->lcp.bad_packet, 1);
	assert_int_equal(H.n, 0);
}

static void test_close_and_destroy(void **state)
{
	(void)state;
	lcp_open();
	authenticate();
	ipcp_open();
	H.n = 0;
	H.ev = sgw_ppp_close(H.p, H.now);
	assert_true(H.ev & SGW_PPP_EV_DOWN);
	assert_int_equal(sgw_ppp_down_reason(H.p), SGW_PPP_DOWN_CLOSED);
	assert_true(find(PPP_PROTO_LCP, PPP_TERM_REQ) >= 0);
	assert_null(sgw_ppp_ipv4_encap(H.p, H.f[0] + 8, 20));
	feed_cp(PPP_PROTO_LCP, PPP_TERM_ACK, 1, "");
	assert_int_equal(sgw_ppp_phase(H.p), SGW_PPP_PHASE_DEAD);
	assert_int_equal(H.ev, 0);
	sgw_ppp_destroy(H.p);
	H.p = NULL;
	assert_int_equal(H.frees, 1);
	assert_int_equal(H.freed, ADDR);
	assert_int_equal(H.destroyed, 1);
}

static void test_create_bad_config(void **state)
{
	struct sgw_ppp_config cfg = { .send = cap_send, .addr_alloc = fake_alloc };

	(void)state;
	cfg.mru = SGW_PPP_MIN_MRU - 1;
	assert_null(sgw_ppp_create(&cfg));
	cfg.mru = SGW_PPP_MAX_MRU + 1;
	assert_null(sgw_ppp_create(&cfg));
	cfg.mru = 0;
	cfg.send = NULL;
	assert_null(sgw_ppp_create(&cfg));
	assert_null(sgw_ppp_create(NULL));
	assert_string_equal(sgw_ppp_down_str(SGW_PPP_DOWN_POOL_EXHAUSTED),
			    "address pool exhausted");
	assert_string_equal(sgw_ppp_down_str((enum sgw_ppp_down)99), "?");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_lcp_our_request),
		T(test_lcp_cases),
		T(test_lcp_windows_mru),
		T(test_lcp_loopback),
		T(test_lcp_echo),
		T(test_lcp_terminate),
		T(test_lcp_rejects),
		T(test_lcp_auth_refused),
		T(test_lcp_timeout),
		T(test_eap_success),
		T(test_eap_failures),
		T(test_eap_wrong_id),
		T(test_eap_retransmit),
		T(test_ipcp),
		T(test_ipcp_pool_exhausted),
		T(test_ipcp_rejects_our_address),
		T(test_ipv4),
		T(test_junk),
		T(test_too_long),
		T(test_close_and_destroy),
		T(test_create_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
