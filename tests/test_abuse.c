/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protocol-level abuse (issue #6, item 3): whole sessions in one process,
 * the test client (tests/support/sstp_client.c) told to misbehave, while a
 * bystander session of another client keeps exchanging inner IPv4 both ways
 * before, during and after every attack.
 *
 *   bystander tclient <--bytes--> sgw_session --IPv4--> to_vnet (checked)
 *                                        <--IPv4-- sgw_session_send_ip
 *   attacker  tclient <--bytes--> sgw_session --IPv4--> to_vnet (counted)
 *
 * Each case checks: the attacked session ends with the right reason and
 * detail (or carries on, where that is the right answer), the bystander
 * lost nothing (every packet it sent arrived intact and in order, both
 * ways, and its counters say so), and every pool address is back. The ASan
 * build (LeakSanitizer) checks that nothing leaks.
 *
 * The clock is virtual (W.now): timers are driven by advancing it, the way
 * the worker ticks sessions every SGW_SESSION_TICK_MS.
 * SGW_SESSION_VERBOSE=1 prints the sessions' log lines.
 */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "control/pool.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "dataplane/session.h"
#include "dataplane/sgw_limits.h"
#include "support/session_env.h"
#include "support/sstp_client.h"
#include "support/testpki.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define VNET_HOST A(192, 168, 1, 4)
#define TUNNEL_ADDR A(172, 16, 201, 1)
#define UNASSIGNED A(172, 16, 201, 250)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum {
	PUMP_ROUNDS = 400,
	BUF = 65536,
	BY_BURST = 4,              /* bystander packets each way per exchange */
	STEP_MS = 500,             /* clock step while waiting for timers */
	MAX_STEPS = 400,           /* 200 s of virtual time at most */
	FLOOD_N = 10000,           /* half-open at the cheapest phase */
	FLOOD_PER_S = 100,         /* their arrival rate */
	FLOOD_HANDSHAKE_MS = 10000,/* env.handshake_ms for the flood */
	FULL_N = 200,              /* half-open at the most expensive phase */
	FULL_NEGOTIATION_MS = 20000,
};

struct bystander {
	struct tclient *c;
	struct sgw_session *s;
	uint32_t addr;
	uint32_t up_sent, up_got, down_sent, down_got;
	unsigned bad;              /* packets that arrived changed or out of order */
};

struct world {
	struct tpki *pki;
	struct tpki_cert root, server, by_cert, att_cert;
	struct sgw_tls_server *tls, *eap;
	struct sgw_trust *trust;
	struct sgw_revoked *revoked;
	struct sgw_pool *pool;
	struct sgw_session_env env;
	uint64_t now;
	bool verbose;
	struct bystander by;
	/* Packets of sessions other than the bystander's that reached the VNet. */
	unsigned other_vnet;
	uint8_t other_pkt[64];
	size_t other_len;
};

static struct world W;

/* ---- world ---- */

/* The bystander's inner packets: seq in the IPv4 ID, a length and a
 * payload that depend on it, so a lost, reordered or damaged packet shows. */
static size_t ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint32_t seq)
{
	static const uint8_t hdr[20] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17 };
	size_t len = 28 + seq % 97;

	memcpy(p, hdr, sizeof(hdr));
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = (uint8_t)(seq >> 8);
	p[5] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)(seq * 7 + i);
	return len;
}

static void to_vnet(void *ctx, struct sgw_session *s, const uint8_t *pkt, size_t len)
{
	struct world *w = ctx;
	uint8_t want[256];

	if (s != w->by.s || w->by.s == NULL) {
		w->other_vnet++;
		w->other_len = len < sizeof(w->other_pkt) ? len : sizeof(w->other_pkt);
		memcpy(w->other_pkt, pkt, w->other_len);
		return;
	}
	size_t n = ipv4(want, w->by.addr, VNET_HOST, w->by.up_got);

	if (len != n || memcmp(pkt, want, n) != 0)
		w->by.bad++;
	w->by.up_got++;
}

static void log_line(void *ctx, const struct sgw_session *s, const char *line)
{
	struct world *w = ctx;

	if (w->verbose)
		printf("    [%s %p] %s\n", s == w->by.s ? "bystander" : "session",
		       (const void *)s, line);
}

static struct sgw_tls_server *server(const struct tpki_cert *c, bool verify)
{
	char err[256];
	struct sgw_tls_server *s = tsenv_tls_server(c, verify, err, sizeof(err));

	if (s == NULL)
		fail_msg("tls server: %s", err);
	return s;
}

static int world_up(void **state)
{
	char err[128];

	(void)state;
	W.verbose = getenv("SGW_SESSION_VERBOSE") != NULL;
	W.pki = tpki_create(NULL);
	assert_non_null(W.pki);
	assert_int_equal(tpki_root(W.pki, "root", &W.root), 0);
	assert_int_equal(tpki_server(W.pki, "server", TPKI_KEY_EC_P256, &W.root, &W.server), 0);
	assert_int_equal(tpki_client(W.pki, "by", "bystander@contoso.com", &W.root, &W.by_cert), 0);
	assert_int_equal(tpki_client(W.pki, "att", "mallory@contoso.com", &W.root, &W.att_cert), 0);
	W.trust = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	assert_non_null(W.trust);
	assert_true(sgw_trust_add_file(W.trust, W.root.cer_path, err, sizeof(err)) >= 0);
	W.revoked = sgw_revoked_create();
	assert_non_null(W.revoked);
	W.tls = server(&W.server, false);
	W.eap = server(&W.server, true);
	W.env = (struct sgw_session_env){
		.tls = W.tls, .eap_tls = W.eap, .trust = W.trust, .revoked = W.revoked,
		.aead = SGW_AEAD_BACKEND_EVP, .hash_bitmask = 3, .mru = 1500,
		.tunnel_addr = TUNNEL_ADDR,
		.to_vnet = to_vnet, .vnet_ctx = &W, .log = log_line, .log_ctx = &W,
	};
	return 0;
}

static int world_down(void **state)
{
	(void)state;
	sgw_tls_server_destroy(W.tls);
	sgw_tls_server_destroy(W.eap);
	sgw_trust_destroy(W.trust);
	sgw_revoked_destroy(W.revoked);
	tpki_cert_free(&W.root);
	tpki_cert_free(&W.server);
	tpki_cert_free(&W.by_cert);
	tpki_cert_free(&W.att_cert);
	tpki_destroy(W.pki);
	return 0;
}

/* ---- moving bytes ---- */

static void pump(struct sgw_session *s, struct tclient *c)
{
	static uint8_t buf[BUF];

	for (int i = 0; i < PUMP_ROUNDS; i++) {
		size_t a = c != NULL ? tclient_output(c, buf, sizeof(buf)) : 0, b;

		if (a > 0)
			(void)sgw_session_input(s, buf, a, W.now);
		b = sgw_session_output(s, buf, sizeof(buf));
		if (b > 0 && c != NULL)
			(void)tclient_input(c, buf, b);
		if (a == 0 && b == 0)
			return;
	}
	fail_msg("pump: still talking after %d rounds", PUMP_ROUNDS);
}

static struct tclient *client(const struct tpki_cert *cert, struct tclient_cfg cfg)
{
	struct tclient *c;

	cfg.ca_file = W.root.cert_path;
	cfg.cert_file = cert->cert_path;
	cfg.key_file = cert->key_path;
	c = tclient_create(&cfg);
	assert_non_null(c);
	return c;
}

/* ---- the bystander ---- */

/* BY_BURST packets each way, then everything so far must have arrived. */
static void by_traffic(void)
{
	struct bystander *b = &W.by;
	const struct sgw_session_info *info = sgw_session_info(b->s);
	uint8_t pkt[256], got[256];
	size_t n;

	assert_int_equal(sgw_session_phase(b->s), SGW_SESSION_ESTABLISHED);
	for (int i = 0; i < BY_BURST; i++) {
		n = ipv4(pkt, b->addr, VNET_HOST, b->up_sent);
		assert_int_equal(tclient_send_ip(b->c, pkt, n), 0);
		b->up_sent++;
		n = ipv4(pkt, VNET_HOST, b->addr, b->down_sent);
		assert_int_equal(sgw_session_send_ip(b->s, pkt, n), 0);
		b->down_sent++;
	}
	pump(b->s, b->c);
	while ((n = tclient_recv_ip(b->c, got, sizeof(got))) > 0) {
		size_t m = ipv4(pkt, VNET_HOST, b->addr, b->down_got);

		if (n != m || memcmp(got, pkt, n) != 0)
			b->bad++;
		b->down_got++;
	}
	assert_int_equal(tclient_state(b->c), TCLIENT_UP);
	assert_int_equal(b->bad, 0);
	assert_int_equal(b->up_got, b->up_sent);
	assert_int_equal(b->down_got, b->down_sent);
	assert_int_equal(tclient_ip_dropped(b->c), 0);
	assert_int_equal(info->rx_packets, b->up_sent);
	assert_int_equal(info->tx_packets, b->down_sent);
	assert_int_equal(info->drops, 0);
	assert_int_equal(info->end, SGW_END_NONE);
}

static void by_tick(void)
{
	sgw_session_tick(W.by.s, W.now);
	pump(W.by.s, W.by.c);
}

static int by_up(void **state)
{
	(void)state;
	W.pool = sgw_pool_create(A(172, 16, 201, 0), 24, 1);
	assert_non_null(W.pool);
	assert_int_equal(sgw_pool_exclude(W.pool, TUNNEL_ADDR), 0);
	tsenv_pool(&W.env, W.pool);
	W.now = 1000;
	W.other_vnet = 0;
	memset(&W.by, 0, sizeof(W.by));
	W.by.c = client(&W.by_cert, (struct tclient_cfg){ .identity = "bystander" });
	W.by.s = sgw_session_create(&W.env, W.now);
	assert_non_null(W.by.s);
	pump(W.by.s, W.by.c);
	assert_int_equal(tclient_state(W.by.c), TCLIENT_UP);
	W.by.addr = tclient_addr(W.by.c);
	assert_int_equal(sgw_session_info(W.by.s)->addr, W.by.addr);
	by_traffic();
	return 0;
}

/* After the attack: more traffic, then an orderly end, and every address
 * back in the pool. */
static int by_down(void **state)
{
	const struct sgw_session_info *info;

	(void)state;
	by_traffic();
	info = sgw_session_info(W.by.s);
	assert_string_equal(info->cn, "bystander@contoso.com");
	tclient_disconnect(W.by.c, false);
	pump(W.by.s, W.by.c);
	W.now += SGW_SSTP_DISCONNECT_FINAL_MS + 10;
	by_tick();
	assert_int_equal(sgw_session_phase(W.by.s), SGW_SESSION_CLOSED);
	assert_int_equal(info->end, SGW_END_CLIENT_CLOSE);
	sgw_session_destroy(W.by.s);
	tclient_destroy(W.by.c);
	W.by.s = NULL;
	W.by.c = NULL;
	assert_int_equal(sgw_pool_used(W.pool), 0);
	sgw_pool_destroy(W.pool);
	return 0;
}

/* ---- the attacker ---- */

struct att {
	struct tclient *c;
	struct sgw_session *s;
};

static void att_start(struct att *a, struct tclient_cfg cfg, struct sgw_session_env *env)
{
	if (cfg.identity == NULL)
		cfg.identity = "mallory";
	a->c = client(&W.att_cert, cfg);
	a->s = sgw_session_create(env != NULL ? env : &W.env, W.now);
	assert_non_null(a->s);
	pump(a->s, a->c);
}

/* Time passes for both: the attacked session's timers run until it is
 * closed (abort 3 s + 1 s, disconnect 5 s + 1 s, negotiation, hello), the
 * bystander keeps talking all along. */
static void att_wait_closed(struct att *a, unsigned max_steps)
{
	for (unsigned i = 0; i < max_steps && sgw_session_phase(a->s) != SGW_SESSION_CLOSED; i++) {
		W.now += STEP_MS;
		sgw_session_tick(a->s, W.now);
		pump(a->s, a->c);
		by_tick();
		if (i % 8 == 0)
			by_traffic();
	}
	assert_int_equal(sgw_session_phase(a->s), SGW_SESSION_CLOSED);
}

static void att_expect(const struct att *a, unsigned num, const char *what,
		       enum sgw_session_end end, const char *detail)
{
	const struct sgw_session_info *info = sgw_session_info(a->s);

	if (info->end != end || strstr(info->end_detail, detail) == NULL)
		fail_msg("case %u (%s): end %s \"%s\", want %s \"%s\" (client: %s)", num, what,
			 sgw_session_end_str(info->end), info->end_detail,
			 sgw_session_end_str(end), detail, tclient_error(a->c));
}

static void att_free(struct att *a)
{
	sgw_session_destroy(a->s);
	tclient_destroy(a->c);
	a->s = NULL;
	a->c = NULL;
	/* Only the bystander's address is still taken. */
	assert_int_equal(sgw_pool_used(W.pool), 1);
}

/* ---- 1: TLS records ---- */

enum when { PRE_TLS, MID_TLS, UP };

struct rec_case {
	const char *what;
	enum when when;
	uint16_t tls_max;
	uint8_t hdr[5];            /* the record header sent (then zeros) */
	size_t body;               /* bytes after it */
	enum sgw_session_end end;
	const char *detail;
};

static const struct rec_case rec_cases[] = {
	/*  1 */ { "plain HTTP instead of TLS", PRE_TLS, 0, { 'G', 'E', 'T', ' ', '/' }, 16,
		   SGW_END_TLS_FAILED, "http request" },
	/*  2 */ { "garbage handshake record mid-handshake", MID_TLS, 0, { 22, 3, 3, 0, 9 }, 9,
		   SGW_END_TLS_FAILED, "unexpected_message" },
	/*  3 */ { "length 2^14+256+1", UP, 0, { 23, 3, 3, 0x41, 0x01 }, 16641,
		   SGW_END_BAD_RECORD, "record overflow" },
	/*  4 */ { "length 0xffff", UP, 0x0303, { 23, 3, 3, 0xff, 0xff }, 0,
		   SGW_END_BAD_RECORD, "record overflow" },
	/*  5 */ { "unknown content type 99", UP, 0, { 99, 3, 3, 0, 32 }, 32,
		   SGW_END_BAD_RECORD, "bad record header" },
	/*  6 */ { "version 2.0", UP, 0, { 23, 2, 0, 0, 32 }, 32,
		   SGW_END_BAD_RECORD, "bad record header" },
	/*  7 */ { "version 3.4 on the record", UP, 0, { 23, 3, 4, 0, 32 }, 32,
		   SGW_END_BAD_RECORD, "bad record header" },
	/*  8 */ { "version 3.1 after the handshake", UP, 0, { 23, 3, 1, 0, 32 }, 32,
		   SGW_END_BAD_RECORD, "malformed record" },
	/*  9 */ { "bad record MAC (TLS 1.3)", UP, 0, { 23, 3, 3, 0, 40 }, 40,
		   SGW_END_BAD_RECORD, "bad record MAC" },
	/* 10 */ { "bad record MAC (TLS 1.2)", UP, 0x0303, { 23, 3, 3, 0, 40 }, 40,
		   SGW_END_BAD_RECORD, "bad record MAC" },
	/* 11: TLS 1.3 ciphertext of 2^14 + 256 cannot hold 2^14 + 1 bytes
	 * of inner plaintext plus the tag: refused before decryption. */
	/* 11 */ { "largest record header, garbage (TLS 1.3)", UP, 0, { 23, 3, 3, 0x41, 0x00 }, 16640,
		   SGW_END_BAD_RECORD, "record overflow" },
	/* 12 */ { "largest possible TLS 1.3 record, garbage", UP, 0, { 23, 3, 3, 0x40, 0x11 }, 16401,
		   SGW_END_BAD_RECORD, "bad record MAC" },
	/* 13 */ { "empty application record", UP, 0, { 23, 3, 3, 0, 0 }, 0,
		   SGW_END_BAD_RECORD, "malformed record" },
	/* 14 */ { "cleartext alert after the handshake", UP, 0, { 21, 3, 3, 0, 2 }, 2,
		   SGW_END_BAD_RECORD, "malformed record" },
	/* 15 */ { "cleartext handshake after the handshake", UP, 0x0303, { 22, 3, 3, 0, 4 }, 4,
		   SGW_END_BAD_RECORD, "malformed record" },
};

static void rec_one(const struct rec_case *r, unsigned num)
{
	struct tclient_cfg cfg = { .tls_max = r->tls_max };
	static uint8_t bytes[SGW_TLS_MAX_RECORD + 64];
	size_t n = sizeof(r->hdr) + r->body;
	struct att a;

	memset(bytes, 0, n);
	memcpy(bytes, r->hdr, sizeof(r->hdr));
	if (r->when == PRE_TLS) {
		memcpy(bytes, "GET / HTTP/1.0\r\nHost: x\r\n\r\n", 21);
		a.c = NULL;
		a.s = sgw_session_create(&W.env, W.now);
		assert_non_null(a.s);
		(void)sgw_session_input(a.s, bytes, n, W.now);
		pump(a.s, NULL);
	} else if (r->when == MID_TLS) {
		uint8_t ch[4096];
		size_t k;

		a.c = client(&W.att_cert, cfg);
		a.s = sgw_session_create(&W.env, W.now);
		k = tclient_output(a.c, ch, sizeof(ch));
		assert_true(k > 0);
		(void)sgw_session_input(a.s, ch, k, W.now); /* ClientHello */
		assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_TLS);
		(void)sgw_session_input(a.s, bytes, n, W.now);
		pump(a.s, a.c);
	} else {
		att_start(&a, cfg, NULL);
		assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_ESTABLISHED);
		by_traffic();
		assert_int_equal(tclient_send_tls_raw(a.c, bytes, n), 0);
		pump(a.s, a.c);
	}
	by_traffic();
	assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_CLOSED);
	if (a.c == NULL) {
		const struct sgw_session_info *info = sgw_session_info(a.s);

		if (info->end != r->end || strstr(info->end_detail, r->detail) == NULL)
			fail_msg("case %u (%s): end %s \"%s\"", num, r->what,
				 sgw_session_end_str(info->end), info->end_detail);
	} else {
		att_expect(&a, num, r->what, r->end, r->detail);
	}
	if (W.verbose)
		printf("  case %u (%s): %s \"%s\"\n", num, r->what,
		       sgw_session_end_str(sgw_session_info(a.s)->end),
		       sgw_session_info(a.s)->end_detail);
	assert_true(sgw_session_info(a.s)->end_detail[0] != '\0');
	assert_int_equal(W.other_vnet, 0);
	sgw_session_destroy(a.s);
	tclient_destroy(a.c);
	assert_int_equal(sgw_pool_used(W.pool), 1);
}

static void test_tls_records(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NELEM(rec_cases); i++)
		rec_one(&rec_cases[i], i + 1);
}

/* RFC 8446 5.2 / RFC 5246 6.2.3: a record longer than 2^14 + 256 MUST be
 * answered with a record_overflow alert. */
static void test_record_overflow_alert(void **state)
{
	static uint8_t bytes[5 + 16641];
	struct att a;

	(void)state;
	memset(bytes, 0, sizeof(bytes));
	memcpy(bytes, (const uint8_t[]){ 23, 3, 3, 0x41, 0x01 }, 5);
	att_start(&a, (struct tclient_cfg){ 0 }, NULL);
	assert_int_equal(tclient_send_tls_raw(a.c, bytes, sizeof(bytes)), 0);
	pump(a.s, a.c);
	by_traffic();
	assert_int_equal(sgw_session_info(a.s)->end, SGW_END_BAD_RECORD);
	/* Fixed: it was decode_error (sgw_record_length folded an over-long
	 * length into "invalid header"). */
	if (strstr(tclient_error(a.c), "record overflow") == NULL)
		fail_msg("over-long record answered with \"%s\", want record_overflow",
			 tclient_error(a.c));
	att_free(&a);
}

/* ---- 2: SSTP packets ---- */

enum sstp_outcome { ENDS, SURVIVES, HANGS };

struct sstp_case {
	const char *what;
	uint8_t pkt[48];
	size_t len;
	size_t pad_to;             /* zero-fill the packet to this length */
	enum sstp_outcome outcome;
	enum sgw_session_end end;
	const char *detail;
};

#define ECHO_REQ 0x10, 0x01
static const struct sstp_case sstp_cases[] = {
	/*  1 */ { "length 2, shorter than the header", { 0x10, 0x01, 0x00, 0x02 }, 4, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "bad SSTP packet header" },
	/*  2 */ { "length 0", { 0x10, 0x00, 0x00, 0x00, 1, 2, 3, 4 }, 8, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "bad SSTP packet header" },
	/*  3 */ { "version 2.0", { 0x20, 0x01, 0x00, 0x08, 0, 8, 0, 0 }, 8, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "bad SSTP packet header" },
	/*  4 */ { "length field 0xffff: 4095 + reserved bits, attributes do not fill it",
		   { ECHO_REQ, 0xff, 0xff, 0x00, 0x08, 0x00, 0x00 }, 8, 4095,
		   ENDS, SGW_END_SSTP_PROTOCOL, "INVALID_FRAME_RECEIVED" },
	/*  5 */ { "attribute longer than the packet",
		   { ECHO_REQ, 0x00, 0x0c, 0x00, 0x08, 0x00, 0x01, 0x00, 0x02, 0x0f, 0xff }, 12, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "INVALID_FRAME_RECEIVED" },
	/*  6 */ { "attribute length 0",
		   { ECHO_REQ, 0x00, 0x10, 0x00, 0x08, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00 }, 16, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "INVALID_FRAME_RECEIVED" },
	/*  7 */ { "attribute length 3, shorter than its header",
		   { ECHO_REQ, 0x00, 0x10, 0x00, 0x08, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03 }, 16, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "INVALID_FRAME_RECEIVED" },
	/*  8 */ { "two attributes announced, one present",
		   { ECHO_REQ, 0x00, 0x14, 0x00, 0x08, 0x00, 0x02, 0x00, 0x02, 0x00, 0x0c }, 20, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "INVALID_FRAME_RECEIVED" },
	/*  9 */ { "unknown attribute id 9",
		   { ECHO_REQ, 0x00, 0x10, 0x00, 0x08, 0x00, 0x01, 0x00, 0x09, 0x00, 0x08 }, 16, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "UNRECOGNIZED_ATTRIBUTE" },
	/* 10 */ { "9 attributes (more than 8)",
		   { ECHO_REQ, 0x00, 0x2c, 0x00, 0x08, 0x00, 0x09,
		     0, 9, 0, 4, 0, 9, 0, 4, 0, 9, 0, 4, 0, 9, 0, 4, 0, 9, 0, 4, 0, 9, 0, 4,
		     0, 9, 0, 4, 0, 9, 0, 4, 0, 9, 0, 4 }, 44, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "INVALID_FRAME_RECEIVED" },
	/* 11 */ { "control packet shorter than the control header",
		   { 0x10, 0x01, 0x00, 0x06, 0x00, 0x08 }, 6, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "INVALID_FRAME_RECEIVED" },
	/* 12 */ { "unknown message type 0x42", { 0x10, 0x01, 0x00, 0x08, 0x00, 0x42, 0, 0 }, 8, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "UNACCEPTED_FRAME_RECEIVED" },
	/* 13 */ { "CALL_CONNECT_ACK from the client",
		   { 0x10, 0x01, 0x00, 0x08, 0x00, 0x02, 0, 0 }, 8, 0,
		   ENDS, SGW_END_SSTP_PROTOCOL, "UNACCEPTED_FRAME_RECEIVED" },
	/* 14 */ { "CALL_CONNECT_REQUEST again",
		   { 0x10, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x01 },
		   14, 0, ENDS, SGW_END_SSTP_PROTOCOL, "UNACCEPTED_FRAME_RECEIVED" },
	/* 15 */ { "empty data packet", { 0x10, 0x00, 0x00, 0x04 }, 4, 0, SURVIVES, SGW_END_NONE, "" },
	/* 16 */ { "ECHO_REQUEST", { ECHO_REQ, 0x00, 0x08, 0x00, 0x08, 0, 0 }, 8, 0,
		   SURVIVES, SGW_END_NONE, "" },
	/* 17 */ { "PPP frame of an unknown protocol",
		   { 0x10, 0x00, 0x00, 0x0c, 0xff, 0x03, 0x12, 0x35, 1, 2, 3, 4 }, 12, 0,
		   SURVIVES, SGW_END_NONE, "" },
	/* 18 */ { "IPv4 frame with a lying total length",
		   { 0x10, 0x00, 0x00, 0x20, 0xff, 0x03, 0x00, 0x21, 0x45, 0, 0x0f, 0xff }, 32, 0,
		   SURVIVES, SGW_END_NONE, "" },
	/* 19 */ { "data packet of 4095 announced, 100 bytes sent, then silence",
		   { 0x10, 0x00, 0x0f, 0xff, 0xff, 0x03, 0x00, 0x21 }, 8, 100,
		   HANGS, SGW_END_HELLO_TIMEOUT, "Echo" },
};

static void sstp_one(const struct sstp_case *k, unsigned num)
{
	static uint8_t pkt[SGW_SSTP_MAX_PACKET];
	size_t len = k->pad_to > k->len ? k->pad_to : k->len;
	struct att a;

	assert_true(k->len <= sizeof(k->pkt) && len <= sizeof(pkt));
	memset(pkt, 0, len);
	memcpy(pkt, k->pkt, k->len);
	att_start(&a, (struct tclient_cfg){ 0 }, NULL);
	assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_ESTABLISHED);
	by_traffic();
	assert_int_equal(tclient_send_sstp_raw(a.c, pkt, len), 0);
	pump(a.s, a.c);
	by_traffic();
	if (k->outcome == SURVIVES) {
		uint8_t ip[64];

		if (sgw_session_phase(a.s) != SGW_SESSION_ESTABLISHED)
			fail_msg("case %u (%s): ended: %s \"%s\"", num, k->what,
				 sgw_session_end_str(sgw_session_info(a.s)->end),
				 sgw_session_info(a.s)->end_detail);
		/* And its own traffic still flows. */
		assert_int_equal(tclient_send_ip(a.c, ip, ipv4(ip, tclient_addr(a.c), VNET_HOST, 1)), 0);
		pump(a.s, a.c);
		assert_int_equal(W.other_vnet, 1);
		assert_int_equal(sgw_session_info(a.s)->rx_packets, 1);
		tclient_disconnect(a.c, false);
		pump(a.s, a.c);
		att_wait_closed(&a, 8);
		att_expect(&a, num, k->what, SGW_END_CLIENT_CLOSE, "");
	} else {
		if (k->outcome == HANGS)
			assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_ESTABLISHED);
		att_wait_closed(&a, MAX_STEPS);
		att_expect(&a, num, k->what, k->end, k->detail);
		assert_int_equal(W.other_vnet, 0);
	}
	att_free(&a);
	W.other_vnet = 0;
}

static void test_sstp_packets(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NELEM(sstp_cases); i++)
		sstp_one(&sstp_cases[i], i + 1);
}

/* ---- 3: EAP-TLS fragments ---- */

struct frag_case {
	const char *what;
	size_t frag;               /* bytes of TLS data per fragment */
	uint32_t declared;         /* L on the first fragment (0: none) */
	uint32_t declared_later;   /* L on the second (0: none) */
	unsigned last;             /* fragment number without M (0: never) */
	unsigned gap_ms;           /* between fragments */
	enum sgw_session_end end;
	const char *detail;
};

static const struct frag_case frag_cases[] = {
	/* 1 */ { "M forever, 100-byte fragments", 100, 65536, 0, 0, 0,
		  SGW_END_AUTH_FAILED, "more than 128 fragments" },
	/* 2 */ { "M forever, 1400-byte fragments", 1400, 65536, 0, 0, 0,
		  SGW_END_AUTH_FAILED, "exceeds declared length 65536" },
	/* 3 */ { "M forever, no declared length", 1000, 0, 0, 0, 0,
		  SGW_END_AUTH_FAILED, "without L" },
	/* 4 */ { "fragments past the declared length", 600, 1000, 0, 3, 0,
		  SGW_END_AUTH_FAILED, "exceeds declared length 1000" },
	/* 5 */ { "declared length over 64 KiB", 100, 100000, 0, 0, 0,
		  SGW_END_AUTH_FAILED, "declared length 100000 exceeds" },
	/* 6 */ { "declared length changes", 500, 3000, 4000, 0, 0,
		  SGW_END_AUTH_FAILED, "declared length changed" },
	/* 7 */ { "message ends short of the declared length", 1000, 3000, 0, 2, 0,
		  SGW_END_AUTH_FAILED, "message ends at 2000 of declared length 3000" },
	/* 8 */ { "M forever, one 64-byte fragment every 2 s", 64, 65536, 0, 0, 2000,
		  SGW_END_NEGOTIATION_TIMEOUT, "" },
};

/* One EAP-TLS Response (RFC 5216 3.1): flags, optional L, data. */
static void send_fragment(struct tclient *c, const struct frag_case *f, unsigned i)
{
	static uint8_t eap[1500];
	uint32_t l = i == 1 ? f->declared : i == 2 ? f->declared_later : 0;
	bool more = f->last == 0 || i < f->last;
	size_t off = 6, len;
	int id = tclient_eap_id(c);

	assert_true(id >= 0);
	eap[0] = 2;                /* Response */
	eap[1] = (uint8_t)id;
	eap[4] = 13;               /* EAP-TLS */
	eap[5] = (uint8_t)((more ? 0x40 : 0) | (l != 0 ? 0x80 : 0));
	if (l != 0) {
		for (int k = 0; k < 4; k++)
			eap[off + k] = (uint8_t)(l >> (24 - 8 * k));
		off += 4;
	}
	memset(eap + off, (int)(0x16 + i), f->frag);
	len = off + f->frag;
	eap[2] = (uint8_t)(len >> 8);
	eap[3] = (uint8_t)len;
	assert_int_equal(tclient_send_ppp_raw(c, 0xc227, eap, len), 0);
}

static void frag_one(const struct frag_case *f, unsigned num)
{
	struct tclient_cfg cfg = { .eap_hold = true };
	uint64_t t0;
	unsigned i;
	struct att a;

	att_start(&a, cfg, NULL);
	/* Held at EAP-TLS Start. */
	assert_int_equal(tclient_state(a.c), TCLIENT_PPP_AUTH);
	assert_true(tclient_eap_id(a.c) >= 0);
	t0 = W.now;
	for (i = 1; i <= 400 && sgw_session_phase(a.s) != SGW_SESSION_CLOSED &&
		    sgw_session_info(a.s)->end == SGW_END_NONE; i++) {
		send_fragment(a.c, f, i);
		pump(a.s, a.c);
		if (f->gap_ms != 0) {
			W.now += f->gap_ms;
			sgw_session_tick(a.s, W.now);
			pump(a.s, a.c);
			by_tick();
		}
		if (i % 16 == 0)
			by_traffic();
		if (f->last != 0 && i == f->last)
			break;
	}
	by_traffic();
	assert_true(sgw_session_info(a.s)->end != SGW_END_NONE);
	if (f->gap_ms != 0) {
		/* Bounded by the timer, not by the fragment count. */
		assert_true(i < SGW_EAPTLS_MAX_FRAGMENTS);
		assert_true(W.now - t0 <= SGW_SSTP_NEGOTIATION_MS + f->gap_ms);
	}
	att_wait_closed(&a, MAX_STEPS);
	att_expect(&a, num, f->what, f->end, f->detail);
	assert_int_equal(W.other_vnet, 0);
	if (W.verbose)
		printf("  case %u (%s): %u fragments, %s \"%s\"\n", num, f->what, i,
		       sgw_session_end_str(sgw_session_info(a.s)->end),
		       sgw_session_info(a.s)->end_detail);
	att_free(&a);
}

static void test_eap_fragments(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NELEM(frag_cases); i++)
		frag_one(&frag_cases[i], i + 1);
}

/* ---- 4: renegotiation, old TLS versions ---- */

/* TLS 1.2 renegotiation after the call is up: the server answers the
 * ClientHello with a no_renegotiation warning, counts it, and is still
 * established (it can still send to the client) until the client, which
 * OpenSSL makes treat the warning as fatal, ends the call with an alert. */
static void test_renegotiation(void **state)
{
	struct tclient_cfg cfg = { .tls_max = 0x0303, .faults = TCLIENT_FAULT_RENEGOTIATE };
	static uint8_t buf[BUF];
	uint8_t pkt[256];
	struct att a;
	bool seen = false;

	(void)state;
	a.c = client(&W.att_cert, cfg);
	a.s = sgw_session_create(&W.env, W.now);
	assert_non_null(a.s);
	/* Client bytes in; the moment the refusal is counted, look before
	 * the client hears of it. */
	for (int i = 0; i < PUMP_ROUNDS && !seen; i++) {
		size_t n = tclient_output(a.c, buf, sizeof(buf));

		if (n > 0)
			(void)sgw_session_input(a.s, buf, n, W.now);
		if (sgw_session_info(a.s)->renegotiations_refused > 0) {
			seen = true;
			break;
		}
		n = sgw_session_output(a.s, buf, sizeof(buf));
		if (n > 0)
			(void)tclient_input(a.c, buf, n);
	}
	assert_true(seen);
	assert_int_equal(sgw_session_info(a.s)->renegotiations_refused, 1);
	assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_ESTABLISHED);
	assert_int_equal(sgw_session_info(a.s)->end, SGW_END_NONE);
	assert_int_equal(sgw_session_send_ip(a.s, pkt,
					     ipv4(pkt, VNET_HOST, tclient_addr(a.c), 5)), 0);
	by_traffic();
	pump(a.s, a.c);
	by_traffic();
	att_wait_closed(&a, 8);
	att_expect(&a, 1, "renegotiation", SGW_END_CLIENT_CLOSE, "alert");
	assert_non_null(strstr(tclient_error(a.c), "no renegotiation"));
	assert_int_equal(sgw_session_info(a.s)->renegotiations_refused, 1);
	assert_int_equal(W.other_vnet, 0);
	att_free(&a);
}

/* TLS 1.0 / 1.1 offered: refused at the handshake with a reason. A client
 * that offers 1.0 to 1.3 gets 1.3. */
static void test_old_tls(void **state)
{
	static const struct { uint16_t min, max; bool up; } v[] = {
		/* 1 */ { 0x0301, 0x0301, false },
		/* 2 */ { 0x0302, 0x0302, false },
		/* 3 */ { 0x0301, 0x0302, false },
		/* 4 */ { 0x0301, 0x0304, true },
	};

	(void)state;
	for (unsigned i = 0; i < NELEM(v); i++) {
		struct tclient_cfg cfg = { .tls_min = v[i].min, .tls_max = v[i].max };
		const struct sgw_session_info *info;
		struct att a;

		att_start(&a, cfg, NULL);
		by_traffic();
		info = sgw_session_info(a.s);
		if (W.verbose)
			printf("  case %u: %s \"%s\" (client: %s)\n", i + 1,
			       sgw_session_end_str(info->end), info->end_detail, tclient_error(a.c));
		if (v[i].up) {
			assert_int_equal(tclient_state(a.c), TCLIENT_UP);
			assert_int_equal(info->tls_version, 0x0304);
			tclient_disconnect(a.c, true);
			pump(a.s, a.c);
		} else {
			assert_int_equal(tclient_state(a.c), TCLIENT_FAILED);
			assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_CLOSED);
			att_expect(&a, i + 1, "old TLS", SGW_END_TLS_FAILED, "protocol version");
		}
		att_free(&a);
	}
}

/* ---- 5: crypto binding ---- */

enum bind_trick { PLAIN, STALE_NONCE, REPLAY };

struct bind_case {
	const char *what;
	unsigned faults;
	enum bind_trick trick;
	enum sgw_session_end end;
	const char *detail;
};

static const struct bind_case bind_cases[] = {
	/* 1 */ { "wrong certificate hash", TCLIENT_FAULT_WRONG_CERT_HASH, PLAIN,
		  SGW_END_BINDING_FAILED, "certificate hash" },
	/* 2 */ { "wrong Compound MAC", TCLIENT_FAULT_WRONG_MAC, PLAIN,
		  SGW_END_BINDING_FAILED, "compound MAC" },
	/* 3 */ { "stale nonce (the bystander's), MAC over it", 0, STALE_NONCE,
		  SGW_END_BINDING_FAILED, "nonce" },
	/* 4 */ { "the bystander's CALL_CONNECTED replayed", TCLIENT_FAULT_NO_CALL_CONNECTED, REPLAY,
		  SGW_END_BINDING_FAILED, "nonce" },
	/* 5: MS-SSTP 3.3.5.2.3: in Server_Call_Connected a CALL_CONNECTED
	 * is an unexpected message, so the call is aborted as an SSTP
	 * protocol error (the binding itself was good). */
	/* 5 */ { "CALL_CONNECTED twice", TCLIENT_FAULT_CALL_CONNECTED_TWICE, PLAIN,
		  SGW_END_SSTP_PROTOCOL, "UNACCEPTED_FRAME_RECEIVED" },
	/* 6 */ { "forged CALL_CONNECTED before EAP", TCLIENT_FAULT_CALL_CONNECTED_BEFORE_AUTH, PLAIN,
		  SGW_END_BINDING_FAILED, "compound MAC" },
};

static void test_binding_attacks(void **state)
{
	uint8_t by_nonce[32], by_cc[128];
	size_t cc_len = tclient_call_connected_msg(W.by.c, by_cc, sizeof(by_cc));

	(void)state;
	assert_true(tclient_nonce(W.by.c, by_nonce));
	assert_int_equal(cc_len, 112);
	for (unsigned i = 0; i < NELEM(bind_cases); i++) {
		const struct bind_case *b = &bind_cases[i];
		struct tclient_cfg cfg = { .faults = b->faults };
		struct att a;

		if (b->trick == STALE_NONCE)
			cfg.nonce = by_nonce;
		att_start(&a, cfg, NULL);
		by_traffic();
		if (b->trick == REPLAY) {
			assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_NEGOTIATING);
			assert_int_equal(tclient_send_sstp_raw(a.c, by_cc, cc_len), 0);
			pump(a.s, a.c);
		}
		/* Never established, never a packet through. */
		if (b->trick != PLAIN || b->faults != TCLIENT_FAULT_CALL_CONNECTED_TWICE)
			assert_int_not_equal(sgw_session_phase(a.s), SGW_SESSION_ESTABLISHED);
		att_wait_closed(&a, 16);
		att_expect(&a, i + 1, b->what, b->end, b->detail);
		assert_int_equal(tclient_state(a.c), TCLIENT_FAILED);
		assert_int_equal(sgw_session_info(a.s)->rx_packets, 0);
		assert_int_equal(W.other_vnet, 0);
		att_free(&a);
	}
}

/* ---- 6: inner addresses ---- */

static void test_inner_spoofing(void **state)
{
	static const struct { const char *what; int src; uint32_t addr; } sp[] = {
		/* 1 */ { "source: the bystander's address", 1, 0 },
		/* 2 */ { "source: an unassigned pool address", 0, UNASSIGNED },
		/* 3 */ { "source: 0.0.0.0", 0, 0 },
		/* 4 */ { "source: the VNet host (reflection)", 0, VNET_HOST },
		/* 5 */ { "source: the gateway's tunnel address", 0, TUNNEL_ADDR },
		/* 6 */ { "source: broadcast", 0, 0xffffffffu },
	};
	struct att a;
	uint8_t pkt[256];
	uint64_t drops;

	(void)state;
	att_start(&a, (struct tclient_cfg){ 0 }, NULL);
	assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_ESTABLISHED);
	for (unsigned i = 0; i < NELEM(sp); i++) {
		uint32_t src = sp[i].src ? W.by.addr : sp[i].addr;

		assert_int_equal(tclient_send_ip(a.c, pkt, ipv4(pkt, src, VNET_HOST, 9)), 0);
		pump(a.s, a.c);
		by_traffic();
		if (W.other_vnet != 0)
			fail_msg("case %u (%s): reached the VNet", i + 1, sp[i].what);
	}
	assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_ESTABLISHED);
	/* Its own address still works. */
	assert_int_equal(tclient_send_ip(a.c, pkt, ipv4(pkt, tclient_addr(a.c), VNET_HOST, 9)), 0);
	pump(a.s, a.c);
	assert_int_equal(W.other_vnet, 1);
	drops = sgw_session_info(a.s)->drops;
	tclient_disconnect(a.c, false);
	pump(a.s, a.c);
	att_wait_closed(&a, 8);
	att_free(&a);
	/* Fixed: PPP's spoofing drops were not in info.drops. */
	assert_int_equal(drops, NELEM(sp));
}

/* Client-to-client is off (clients.client_to_client: false): packets from
 * one client to another client's address, or to a pool address nobody
 * holds, must be dropped and counted, never delivered. */
static void test_inner_destinations(void **state)
{
	struct att a;
	uint8_t pkt[256];
	uint32_t dst[2] = { W.by.addr, UNASSIGNED };
	unsigned delivered = 0;

	(void)state;
	att_start(&a, (struct tclient_cfg){ 0 }, NULL);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(tclient_send_ip(a.c, pkt, ipv4(pkt, tclient_addr(a.c), dst[i], 3)), 0);
		pump(a.s, a.c);
		by_traffic(); /* nothing reached the bystander's client either */
	}
	delivered = W.other_vnet;
	assert_int_equal(sgw_session_phase(a.s), SGW_SESSION_ESTABLISHED);
	tclient_disconnect(a.c, false);
	pump(a.s, a.c);
	att_wait_closed(&a, 8);
	/* Fixed: nothing checked the destination (env->addr_is_client). */
	assert_int_equal(delivered, 0);
	assert_int_equal(sgw_session_info(a.s)->drops, 2);
	att_free(&a);
}

/* ---- 7: half-open negotiations ---- */

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static double secs(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Tick every live session as the worker does, reap the closed ones: each
 * must close at an age in [min_age, min_age + one tick]. Returns how many
 * are still alive. */
static unsigned reap(struct sgw_session **ss, uint64_t *born, unsigned n, uint64_t min_age,
		     enum sgw_session_end want)
{
	unsigned alive = 0;

	for (unsigned i = 0; i < n; i++) {
		if (ss[i] == NULL)
			continue;
		sgw_session_tick(ss[i], W.now);
		if (sgw_session_phase(ss[i]) != SGW_SESSION_CLOSED) {
			assert_true(W.now - born[i] <= min_age + SGW_SESSION_TICK_MS);
			alive++;
			continue;
		}
		assert_int_equal(sgw_session_info(ss[i])->end, want);
		/* Not before its time. */
		assert_true(W.now - born[i] >= min_age);
		sgw_session_destroy(ss[i]);
		ss[i] = NULL;
	}
	return alive;
}

/* 10,000 connections that send a ClientHello (the server does its whole
 * first flight: key share, certificate, signature) and then nothing, 100
 * a second, with a 10 s handshake budget: never more than 1,001 alive, each
 * reaped by the handshake timer, the bystander untouched. Then 200 that go
 * the whole way (TLS, HTTP, SSTP, LCP, EAP-TLS with a client certificate,
 * IPCP: an address each) but never send CALL_CONNECTED, and vanish: reaped
 * by the negotiation timer, every address back. */
static void test_half_open(void **state)
{
	struct sgw_session_env env = W.env;
	struct sgw_session **ss = calloc(FLOOD_N, sizeof(*ss));
	uint64_t *born = calloc(FLOOD_N, sizeof(*born));
	uint8_t hello[4096];
	unsigned alive = 0, peak = 0, made = 0;
	size_t heap0 = heap_in_use(), heap_peak = 0, hello_len;
	struct timespec t0;
	struct tclient *c;

	(void)state;
	assert_non_null(ss);
	assert_non_null(born);
	c = client(&W.att_cert, (struct tclient_cfg){ 0 });
	hello_len = tclient_output(c, hello, sizeof(hello));
	assert_true(hello_len > 0);
	tclient_destroy(c);

	/* A: ClientHello, then silence. The worker ticks every 100 ms. */
	env.handshake_ms = FLOOD_HANDSHAKE_MS;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned step = 0; step < 2000 && (made < FLOOD_N || alive > 0); step++) {
		for (unsigned k = 0; k < FLOOD_PER_S / 10 && made < FLOOD_N; k++, made++) {
			ss[made] = sgw_session_create(&env, W.now);
			assert_non_null(ss[made]);
			born[made] = W.now;
			assert_int_equal(sgw_session_input(ss[made], hello, hello_len, W.now), 0);
			assert_int_equal(sgw_session_phase(ss[made]), SGW_SESSION_TLS);
			assert_true(sgw_session_output_pending(ss[made]) > 0);
		}
		W.now += SGW_SESSION_TICK_MS;
		alive = reap(ss, born, made, FLOOD_HANDSHAKE_MS, SGW_END_NEGOTIATION_TIMEOUT);
		if (alive > peak) {
			peak = alive;
			heap_peak = heap_in_use();
		}
		by_tick();
		if (step % 10 == 0)
			by_traffic();
	}
	assert_int_equal(made, FLOOD_N);
	assert_int_equal(alive, 0);
	assert_true(peak <= FLOOD_PER_S * FLOOD_HANDSHAKE_MS / 1000 + FLOOD_PER_S / 10);
	/* mallinfo2() says 0 under ASan (its own allocator): n/a there. */
	print_message("half-open A: %u ClientHello-only sessions, peak %u alive, "
		      "heap %+.1f MiB at peak (%.1f KiB each), %.2f s\n", made, peak,
		      ((double)heap_peak - (double)heap0) / 1048576.0,
		      peak ? ((double)heap_peak - (double)heap0) / 1024.0 / peak : 0.0,
		      secs(&t0));
	by_traffic();

	/* B: the whole negotiation but CALL_CONNECTED, then gone. */
	env = W.env;
	env.negotiation_ms = FULL_NEGOTIATION_MS;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < FULL_N; i++) {
		c = client(&W.att_cert, (struct tclient_cfg){ .faults = TCLIENT_FAULT_NO_CALL_CONNECTED });
		ss[i] = sgw_session_create(&env, W.now);
		assert_non_null(ss[i]);
		born[i] = W.now;
		pump(ss[i], c);
		assert_int_equal(tclient_state(c), TCLIENT_UP);
		assert_int_equal(sgw_session_phase(ss[i]), SGW_SESSION_NEGOTIATING);
		tclient_destroy(c);
		(void)sgw_session_output(ss[i], hello, sizeof(hello)); /* nobody reads it */
		if (i % 20 == 0)
			by_traffic();
	}
	assert_int_equal(sgw_pool_used(W.pool), FULL_N + 1);
	heap_peak = heap_in_use();
	print_message("half-open B: %u sessions through EAP-TLS and IPCP, heap %+.1f MiB "
		      "(%.1f KiB each), %.2f s\n", FULL_N,
		      ((double)heap_peak - (double)heap0) / 1048576.0,
		      ((double)heap_peak - (double)heap0) / 1024.0 / FULL_N, secs(&t0));
	alive = FULL_N;
	for (unsigned step = 0; step < 1000 && alive > 0; step++) {
		W.now += SGW_SESSION_TICK_MS;
		/* CALL_ABORT at negotiation_ms; nobody answers it: closed
		 * SGW_SSTP_ABORT_WAIT_MS later. */
		alive = reap(ss, born, FULL_N, FULL_NEGOTIATION_MS + SGW_SSTP_ABORT_WAIT_MS,
			     SGW_END_NEGOTIATION_TIMEOUT);
		by_tick();
		if (step % 10 == 0)
			by_traffic();
	}
	assert_int_equal(alive, 0);
	assert_int_equal(sgw_pool_used(W.pool), 1);
	free(ss);
	free(born);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tls_records, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_record_overflow_alert, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_sstp_packets, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_eap_fragments, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_renegotiation, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_old_tls, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_binding_attacks, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_inner_spoofing, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_inner_destinations, by_up, by_down),
		cmocka_unit_test_setup_teardown(test_half_open, by_up, by_down),
	};

	return cmocka_run_group_tests(tests, world_up, world_down);
}
