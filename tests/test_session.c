/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole SSTP calls in one process: the test client (tests/support/
 * sstp_client.c, written from the specs, independent of the server) against
 * dataplane/session.c with the real TLS, record layer, HTTP, SSTP, PPP,
 * EAP-TLS, binding, X.509 policy and address pool.
 *
 *   tclient --bytes--> sgw_session --IPv4--> to_vnet (captured)
 *   tclient <--bytes-- sgw_session <--IPv4-- sgw_session_send_ip
 *
 * Every case is a row: how the client behaves, and what must come of it.
 * SGW_SESSION_VERBOSE=1 prints the session's log lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/pool.h"
#include "crypto/binding.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "dataplane/bufpool.h"
#include "dataplane/session.h"
#include "dataplane/sgw_limits.h"
#include "support/session_env.h"
#include "support/sstp_client.h"
#include "support/testpki.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define VNET_HOST A(192, 168, 1, 4)
#define TUNNEL_ADDR A(172, 16, 201, 1)

enum { PUMP_ROUNDS = 400, BUF = 65536, VNET_MAX = 16 };

/* Certificates: one PKI for the whole file. */
enum cert_id {
	C_GOOD, C_OTHER_ROOT, C_EXPIRED, C_NOT_YET, C_NO_EKU, C_REVOKED,
	C_VIA_INTERMEDIATE, C_COUNT,
};

struct world {
	struct tpki *pki;
	struct tpki_cert root, other_root, inter, server, server_rsa;
	struct tpki_cert client[C_COUNT];
	struct sgw_tls_server *tls, *tls_rsa, *eap;
	struct sgw_trust *trust;
	struct sgw_revoked *revoked;
	struct sgw_pool *pool;
	int root_id;
	struct sgw_session_env env;
	/* What reached the VNet. */
	unsigned vnet_n;
	size_t vnet_len[VNET_MAX];
	uint8_t vnet_pkt[VNET_MAX][256];
	bool verbose;
	/* Zero-copy receive (test_zero_copy): client bytes go in as lent
	 * buffers of zc_seg bytes (0: copied, as before). */
	size_t zc_seg;
	bool zc_alloc_fail;
	unsigned zc_live;          /* lent buffers not yet released */
	unsigned zc_vnet;          /* packets that left in their record's buffer */
};

static struct world W;

static void to_vnet(void *ctx, struct sgw_session *s, const uint8_t *pkt, size_t len)
{
	struct world *w = ctx;

	(void)s;
	if (w->vnet_n < VNET_MAX && len <= sizeof(w->vnet_pkt[0])) {
		memcpy(w->vnet_pkt[w->vnet_n], pkt, len);
		w->vnet_len[w->vnet_n++] = len;
	}
}

/* A lent buffer with a reference count; poisoned when released, so a
 * session that reads one it no longer holds sees garbage (and ASan a
 * use after free). */
struct zbuf {
	unsigned ref;
	size_t len;
	uint8_t data[];
};

static struct zbuf *zb_new(size_t len)
{
	struct zbuf *b = malloc(sizeof(*b) + len);

	assert_non_null(b);
	b->ref = 1;
	b->len = len;
	W.zc_live++;
	return b;
}

static void zb_ref(void *ctx, void *buf)
{
	(void)ctx;
	((struct zbuf *)buf)->ref++;
}

static void zb_put(void *ctx, void *buf)
{
	struct zbuf *b = buf;

	(void)ctx;
	assert_true(b->ref > 0);
	if (--b->ref > 0)
		return;
	memset(b->data, 0xa5, b->len);
	W.zc_live--;
	free(b);
}

static void *zb_rx_alloc(void *ctx, size_t len, uint8_t **data)
{
	struct zbuf *b;

	(void)ctx;
	if (W.zc_alloc_fail)
		return NULL;
	b = zb_new(len);
	*data = b->data;
	return b;
}

static void zb_to_vnet(void *ctx, struct sgw_session *s, void *buf, const uint8_t *pkt,
		       size_t len)
{
	struct zbuf *b = buf;

	assert_true(pkt >= b->data && pkt + len <= b->data + b->len);
	W.zc_vnet++;
	to_vnet(ctx, s, pkt, len);
	zb_put(ctx, b);
}

/* Client bytes into the session as segments of zc_seg lent bytes. */
static void input_lent(struct sgw_session *s, const uint8_t *p, size_t n, uint64_t now)
{
	for (size_t off = 0; off < n; off += W.zc_seg) {
		size_t k = n - off < W.zc_seg ? n - off : W.zc_seg;
		struct zbuf *b = zb_new(k);

		memcpy(b->data, p + off, k);
		(void)sgw_session_input_buf(s, b->data, k, b, now);
		zb_put(NULL, b);
	}
}

static void log_line(void *ctx, const struct sgw_session *s, const char *line)
{
	struct world *w = ctx;

	if (w->verbose)
		printf("    [session %p] %s\n", (const void *)s, line);
}

static struct sgw_tls_server *server(const struct tpki_cert *c, bool verify)
{
	char err[256];
	struct sgw_tls_server *s = tsenv_tls_server(c, verify, err, sizeof(err));

	if (s == NULL)
		fail_msg("tls server: %s", err);
	return s;
}

static void client_cert(enum cert_id id, const char *cn, long nb, long na,
			enum tpki_eku eku, const struct tpki_cert *issuer)
{
	struct tpki_opts o = { .cn = cn, .eku = eku, .not_before = nb, .not_after = na };
	char name[32];

	snprintf(name, sizeof(name), "client%d", (int)id);
	assert_int_equal(tpki_issue(W.pki, name, &o, issuer, &W.client[id]), 0);
}

static int world_up(void **state)
{
	char err[128];
	struct tpki_opts io = { .cn = "Contoso Issuing CA", .ca = true };

	(void)state;
	W.verbose = getenv("SGW_SESSION_VERBOSE") != NULL;
	W.pki = tpki_create(NULL);
	assert_non_null(W.pki);
	assert_int_equal(tpki_root(W.pki, "root", &W.root), 0);
	assert_int_equal(tpki_root(W.pki, "other", &W.other_root), 0);
	assert_int_equal(tpki_issue(W.pki, "inter", &io, &W.root, &W.inter), 0);
	assert_int_equal(tpki_server(W.pki, "server", TPKI_KEY_EC_P256, &W.root, &W.server), 0);
	assert_int_equal(tpki_server(W.pki, "server_rsa", TPKI_KEY_RSA2048, &W.root, &W.server_rsa), 0);
	client_cert(C_GOOD, "client1@contoso.com", -60, 0, TPKI_EKU_CLIENT_AUTH, &W.root);
	client_cert(C_OTHER_ROOT, "mallory@contoso.com", -60, 0, TPKI_EKU_CLIENT_AUTH, &W.other_root);
	client_cert(C_EXPIRED, "old@contoso.com", -86400 * 30, -86400, TPKI_EKU_CLIENT_AUTH, &W.root);
	client_cert(C_NOT_YET, "early@contoso.com", 86400, 86400 * 30, TPKI_EKU_CLIENT_AUTH, &W.root);
	client_cert(C_NO_EKU, "noeku@contoso.com", -60, 0, TPKI_EKU_NONE, &W.root);
	client_cert(C_REVOKED, "gone@contoso.com", -60, 0, TPKI_EKU_CLIENT_AUTH, &W.root);
	client_cert(C_VIA_INTERMEDIATE, "bob@contoso.com", -60, 0, TPKI_EKU_CLIENT_AUTH, &W.inter);

	W.trust = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	assert_non_null(W.trust);
	W.root_id = sgw_trust_add_file(W.trust, W.root.cer_path, err, sizeof(err));
	assert_true(W.root_id >= 0);
	W.revoked = sgw_revoked_create();
	assert_non_null(W.revoked);
	assert_int_equal(sgw_revoked_add(W.revoked, W.client[C_REVOKED].thumbprint), 0);
	W.tls = server(&W.server, false);
	W.tls_rsa = server(&W.server_rsa, false);
	W.eap = server(&W.server, true);
	W.env = (struct sgw_session_env){
		.tls = W.tls, .eap_tls = W.eap, .trust = W.trust, .revoked = W.revoked,
		.aead = SGW_AEAD_BACKEND_EVP, .hash_bitmask = 3, .mru = 1500,
		.tunnel_addr = TUNNEL_ADDR,
		.dns = { A(168, 63, 129, 16), A(10, 1, 0, 4) },
		.to_vnet = to_vnet, .vnet_ctx = &W, .log = log_line, .log_ctx = &W,
	};
	return 0;
}

static int world_down(void **state)
{
	(void)state;
	sgw_tls_server_destroy(W.tls);
	sgw_tls_server_destroy(W.tls_rsa);
	sgw_tls_server_destroy(W.eap);
	sgw_trust_destroy(W.trust);
	sgw_revoked_destroy(W.revoked);
	tpki_cert_free(&W.root);
	tpki_cert_free(&W.other_root);
	tpki_cert_free(&W.inter);
	tpki_cert_free(&W.server);
	tpki_cert_free(&W.server_rsa);
	for (int i = 0; i < C_COUNT; i++)
		tpki_cert_free(&W.client[i]);
	tpki_destroy(W.pki);
	return 0;
}

/* Per test: a fresh pool (so leaks of addresses show) and VNet capture. */
static int pool_up(void **state)
{
	(void)state;
	W.pool = sgw_pool_create(A(172, 16, 201, 0), 24, 1);
	assert_non_null(W.pool);
	assert_int_equal(sgw_pool_exclude(W.pool, TUNNEL_ADDR), 0);
	tsenv_pool(&W.env, W.pool);
	W.vnet_n = 0;
	return 0;
}

static int pool_down(void **state)
{
	(void)state;
	/* Every session is destroyed by now: every address is back. */
	assert_int_equal(sgw_pool_used(W.pool), 0);
	sgw_pool_destroy(W.pool);
	return 0;
}

/* Move bytes both ways until neither side has anything to say. */
static void pump(struct sgw_session *s, struct tclient *c, uint64_t now)
{
	static uint8_t buf[BUF];

	for (int i = 0; i < PUMP_ROUNDS; i++) {
		size_t a = tclient_output(c, buf, sizeof(buf)), b;

		if (a > 0 && W.zc_seg > 0)
			input_lent(s, buf, a, now);
		else if (a > 0)
			(void)sgw_session_input(s, buf, a, now);
		b = sgw_session_output(s, buf, sizeof(buf));
		if (b > 0)
			(void)tclient_input(c, buf, b);
		if (a == 0 && b == 0)
			return;
	}
	fail_msg("pump: still talking after %d rounds", PUMP_ROUNDS);
}

static struct tclient *client(enum cert_id id, struct tclient_cfg cfg)
{
	struct tclient *c;

	cfg.ca_file = W.root.cert_path;
	cfg.cert_file = W.client[id].cert_path;
	cfg.key_file = W.client[id].key_path;
	if (id == C_VIA_INTERMEDIATE)
		cfg.chain_file = W.inter.cert_path;
	c = tclient_create(&cfg);
	assert_non_null(c);
	return c;
}

/* A minimal IPv4 packet (ICMP echo request, checksums not checked here). */
static size_t ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t tag)
{
	static const uint8_t hdr[20] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1 };

	memcpy(p, hdr, sizeof(hdr));
	for (int i = 0; i < 4; i++) {
		p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	memset(p + 20, tag, 8);
	p[20] = 8; /* echo request */
	return 28;
}

/* ---- complete sessions ---- */

struct good_case {
	uint16_t tls_max, tls_min, eap_max;
	uint8_t hash;
	bool pppd_hlak, windows_lcp, rsa, close_only, early_cc;
	enum cert_id cert;
	size_t eap_frag;
	uint16_t mru;
	enum sgw_aead_backend aead;
	bool pppd_249;             /* Debian pppd 2.4.9 under EAP-TLS 1.3 */
};

static const struct good_case good[] = {
	/*  1 */ { 0x0304, 0, 0, 2, true, false, false, false, false, C_GOOD, 0, 0,
		   SGW_AEAD_BACKEND_IPSEC_MB },
	/*  2 */ { 0x0303, 0, 0x0304, 1, false, false, false, false, false, C_GOOD, 0, 0,
		   SGW_AEAD_BACKEND_IPSEC_MB },
	/*  3 */ { 0x0304, 0x0304, 0x0304, 2, false, true, false, true, false, C_GOOD, 300, 600 },
	/*  4 */ { 0x0303, 0x0303, 0x0303, 1, true, true, true, false, false, C_GOOD, 200, 576 },
	/*  5 */ { 0x0304, 0, 0, 2, false, false, true, false, true, C_VIA_INTERMEDIATE, 0, 0 },
	/*  6 */ { 0x0303, 0, 0x0304, 2, true, false, false, true, true, C_GOOD, 0, 0 },
	/*  7: Debian's client as it is: pppd 2.4.9 with max-tls-version 1.3 */
	/*  7 */ { 0x0304, 0, 0x0304, 2, true, false, false, true, false, C_GOOD, 0, 0,
		   SGW_AEAD_BACKEND_IPSEC_MB, true },
};

static void run_good(const struct good_case *g, unsigned num)
{
	struct tclient_cfg cfg = {
		.tls_max = g->tls_max, .tls_min = g->tls_min, .eap_tls_max = g->eap_max,
		.hash_pref = g->hash, .pppd_hlak = g->pppd_hlak, .windows_lcp = g->windows_lcp,
		.eap_frag = g->eap_frag, .mru = g->mru, .identity = "client1",
		.faults = g->early_cc ? TCLIENT_FAULT_CALL_CONNECTED_EARLY : 0,
		.pppd_249 = g->pppd_249,
	};
	struct sgw_session_env env = W.env;
	struct sgw_session *s;
	struct tclient *c = client(g->cert, cfg);
	const struct sgw_session_info *info;
	uint8_t pkt[64], got[256];
	uint32_t addr;

	env.tls = g->rsa ? W.tls_rsa : W.tls;
	env.aead = g->aead;
	if (!sgw_aead_backend_available(g->aead, SGW_AEAD_AES_128_GCM))
		env.aead = SGW_AEAD_BACKEND_EVP; /* a build without intel-ipsec-mb */
	s = sgw_session_create(&env, 1000);
	assert_non_null(s);
	pump(s, c, 1000);
	if (tclient_state(c) != TCLIENT_UP)
		fail_msg("case %u: client %s (%s), session end: %s %s", num,
			 tclient_state_str(tclient_state(c)), tclient_error(c),
			 sgw_session_end_str(sgw_session_info(s)->end),
			 sgw_session_info(s)->end_detail);
	info = sgw_session_info(s);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_ESTABLISHED);
	addr = tclient_addr(c);
	assert_int_equal(addr, info->addr);
	assert_true(sgw_pool_in_use(W.pool, addr));
	assert_int_equal(tclient_peer_addr(c), TUNNEL_ADDR);
	assert_int_equal(tclient_dns(c, 0), A(168, 63, 129, 16));
	assert_int_equal(tclient_dns(c, 1), A(10, 1, 0, 4));
	assert_int_equal(info->binding_hash, g->hash);
	assert_int_equal(tclient_hash_used(c), g->hash);
	assert_int_equal(info->hlak_layout,
			 g->pppd_hlak ? SGW_HLAK_MSK_0_16_32_48 : SGW_HLAK_MSK_0_32);
	assert_int_equal(info->tls_version, tclient_tls_version(c));
	assert_string_equal(info->cn, g->cert == C_GOOD ? "client1@contoso.com" : "bob@contoso.com");
	assert_memory_equal(info->thumbprint, W.client[g->cert].thumbprint, 20);
	assert_int_equal(info->root_id, W.root_id);
	assert_int_equal(info->call_connected_early, g->early_cc);
	assert_int_equal(info->msk_compat, g->pppd_249 && g->eap_max == 0x0304);
	assert_int_equal(tclient_eap_tls_version(c), g->eap_max ? g->eap_max : 0x0303);
	assert_int_equal(info->eap_tls_version, tclient_eap_tls_version(c));
	if (g->eap_frag != 0) {
		/* Our flights went in fragments, each but the last acked
		 * by the server (sent also counts unfragmented messages). */
		assert_true(tclient_eap_frags_sent(c) > 2);
		assert_true(tclient_eap_frags_acked(c) >= 1);
	}

	/* IPv4 client -> VNet, twice, and VNet -> client. */
	for (uint8_t i = 0; i < 2; i++) {
		size_t n = ipv4(pkt, addr, VNET_HOST, (uint8_t)(0x40 + i));

		assert_int_equal(tclient_send_ip(c, pkt, n), 0);
		pump(s, c, 2000);
		assert_int_equal(W.vnet_n, i + 1u);
		assert_int_equal(W.vnet_len[i], n);
		assert_memory_equal(W.vnet_pkt[i], pkt, n);
	}
	size_t n = ipv4(pkt, VNET_HOST, addr, 0x77);
	assert_int_equal(sgw_session_send_ip(s, pkt, n), 0);
	pump(s, c, 2000);
	assert_int_equal(tclient_recv_ip(c, got, sizeof(got)), n);
	assert_memory_equal(got, pkt, n);
	assert_int_equal(info->rx_packets, 2);
	assert_int_equal(info->tx_packets, 1);

	/* Orderly end, as Windows (CALL_DISCONNECT) or sstpc (close_notify). */
	tclient_disconnect(c, g->close_only);
	pump(s, c, 3000);
	sgw_session_tick(s, 3000 + SGW_SSTP_DISCONNECT_FINAL_MS + 10);
	pump(s, c, 3000 + SGW_SSTP_DISCONNECT_FINAL_MS + 10);
	assert_int_equal(tclient_state(c), TCLIENT_CLOSED);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_CLOSED);
	assert_int_equal(info->end, SGW_END_CLIENT_CLOSE);
	sgw_session_destroy(s);
	tclient_destroy(c);
	assert_false(sgw_pool_in_use(W.pool, addr));
}

static void test_good_sessions(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		W.vnet_n = 0;
		run_good(&good[i], i + 1);
	}
}

/* ---- refusals ---- */

struct bad_case {
	const char *what;
	enum cert_id cert;
	unsigned faults;
	enum sgw_session_end end;
	const char *detail;        /* must appear in end_detail */
	bool eap_failure;          /* the client saw EAP-Failure */
};

static const struct bad_case bad[] = {
	/*  1 */ { "unknown root", C_OTHER_ROOT, 0, SGW_END_AUTH_FAILED, "root", true },
	/*  2 */ { "expired", C_EXPIRED, 0, SGW_END_AUTH_FAILED, "expired", true },
	/*  3 */ { "not yet valid", C_NOT_YET, 0, SGW_END_AUTH_FAILED, "not yet valid", true },
	/*  4 */ { "no clientAuth EKU", C_NO_EKU, 0, SGW_END_AUTH_FAILED, "EKU", true },
	/*  5 */ { "revoked", C_REVOKED, 0, SGW_END_AUTH_FAILED, "revoked", true },
	/*  6 */ { "wrong nonce", C_GOOD, TCLIENT_FAULT_WRONG_NONCE, SGW_END_BINDING_FAILED, "nonce", false },
	/*  7 */ { "wrong cert hash", C_GOOD, TCLIENT_FAULT_WRONG_CERT_HASH, SGW_END_BINDING_FAILED, "certificate hash", false },
	/*  8 */ { "wrong MAC", C_GOOD, TCLIENT_FAULT_WRONG_MAC, SGW_END_BINDING_FAILED, "MAC", false },
};

static void test_refusals(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_case *b = &bad[i];
		struct tclient_cfg cfg = { .faults = b->faults };
		struct tclient *c = client(b->cert, cfg);
		struct sgw_session *s = sgw_session_create(&W.env, 1000);
		const struct sgw_session_info *info;

		assert_non_null(s);
		pump(s, c, 1000);
		/* CALL_ABORT, then the abort timers let TLS close. */
		sgw_session_tick(s, 1000 + SGW_SSTP_ABORT_WAIT_MS + 10);
		pump(s, c, 1000 + SGW_SSTP_ABORT_WAIT_MS + 10);
		sgw_session_tick(s, 1000 + SGW_SSTP_ABORT_WAIT_MS + SGW_SSTP_ABORT_FINAL_MS + 20);
		pump(s, c, 1000 + SGW_SSTP_ABORT_WAIT_MS + SGW_SSTP_ABORT_FINAL_MS + 20);
		info = sgw_session_info(s);
		if (info->end != b->end || strstr(info->end_detail, b->detail) == NULL)
			fail_msg("case %u (%s): end %s \"%s\", want %s \"%s\"", i + 1, b->what,
				 sgw_session_end_str(info->end), info->end_detail,
				 sgw_session_end_str(b->end), b->detail);
		assert_int_equal(tclient_state(c), TCLIENT_FAILED);
		assert_int_equal(tclient_eap_failed(c), b->eap_failure);
		assert_int_equal(sgw_session_phase(s), SGW_SESSION_CLOSED);
		assert_int_equal(W.vnet_n, 0);
		sgw_session_destroy(s);
		tclient_destroy(c);
	}
}

/* IP before CALL_CONNECTED is dropped, never delivered; the call goes on. */
static void test_ip_before_call_connected(void **state)
{
	struct tclient_cfg cfg = { .faults = TCLIENT_FAULT_IP_BEFORE_CONNECTED };
	struct tclient *c = client(C_GOOD, cfg);
	struct sgw_session *s = sgw_session_create(&W.env, 1000);

	(void)state;
	pump(s, c, 1000);
	assert_int_equal(tclient_state(c), TCLIENT_UP);
	assert_int_equal(W.vnet_n, 0);
	assert_true(sgw_session_info(s)->drops >= 1);
	sgw_session_destroy(s);
	tclient_destroy(c);
}

/* A source address other than the assigned one never reaches the VNet. */
static void test_spoofed_source(void **state)
{
	struct tclient *c = client(C_GOOD, (struct tclient_cfg){ 0 });
	struct sgw_session *s = sgw_session_create(&W.env, 1000);
	uint8_t pkt[64], big[1600];

	(void)state;
	pump(s, c, 1000);
	assert_int_equal(tclient_state(c), TCLIENT_UP);
	assert_int_equal(tclient_send_ip(c, pkt, ipv4(pkt, A(172, 16, 201, 99), VNET_HOST, 1)), 0);
	pump(s, c, 1000);
	assert_int_equal(W.vnet_n, 0);
	assert_int_equal(tclient_send_ip(c, pkt, ipv4(pkt, tclient_addr(c), VNET_HOST, 2)), 0);
	pump(s, c, 1000);
	assert_int_equal(W.vnet_n, 1);
	/* Over our MRU (1500 here): dropped and counted, never delivered. */
	memset(big, 0, sizeof(big));
	ipv4(big, tclient_addr(c), VNET_HOST, 3);
	big[2] = sizeof(big) >> 8;
	big[3] = sizeof(big) & 0xff;
	assert_int_equal(tclient_send_ip(c, big, sizeof(big)), 0);
	pump(s, c, 1000);
	assert_int_equal(W.vnet_n, 1);
	assert_int_equal(sgw_session_info(s)->drops, 2);
	sgw_session_destroy(s);
	tclient_destroy(c);
}

/* A pool with one free address: the second client is refused clearly and
 * the first is untouched. */
static void test_pool_exhausted(void **state)
{
	struct sgw_pool *small = sgw_pool_create(A(172, 16, 201, 0), 30, 1);
	struct sgw_session_env env = W.env;
	struct tclient *c1 = client(C_GOOD, (struct tclient_cfg){ 0 });
	struct tclient *c2 = client(C_GOOD, (struct tclient_cfg){ 0 });
	struct sgw_session *s1, *s2;

	(void)state;
	assert_non_null(small);
	assert_int_equal(sgw_pool_exclude(small, TUNNEL_ADDR), 0);
	env.pool_ctx = small;
	s1 = sgw_session_create(&env, 1000);
	s2 = sgw_session_create(&env, 1000);
	pump(s1, c1, 1000);
	pump(s2, c2, 1000);
	assert_int_equal(tclient_state(c1), TCLIENT_UP);
	assert_int_equal(sgw_session_phase(s1), SGW_SESSION_ESTABLISHED);
	assert_int_equal(sgw_session_info(s2)->end, SGW_END_POOL_EXHAUSTED);
	assert_int_not_equal(tclient_state(c2), TCLIENT_UP);
	sgw_session_destroy(s2);
	sgw_session_destroy(s1);
	tclient_destroy(c1);
	tclient_destroy(c2);
	assert_int_equal(sgw_pool_used(small), 0);
	sgw_pool_destroy(small);
}

/* No CALL_CONNECTED within 60 s: aborted with NEGOTIATION_TIMEOUT. */
static void test_negotiation_timeout(void **state)
{
	struct tclient_cfg cfg = { .faults = TCLIENT_FAULT_NO_CALL_CONNECTED };
	struct tclient *c = client(C_GOOD, cfg);
	struct sgw_session *s = sgw_session_create(&W.env, 1000);
	uint64_t t = 1000;

	(void)state;
	pump(s, c, t);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_NEGOTIATING);
	sgw_session_tick(s, t + SGW_SSTP_NEGOTIATION_MS - 100);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_NEGOTIATING);
	for (t += SGW_SSTP_NEGOTIATION_MS; sgw_session_phase(s) != SGW_SESSION_CLOSED; t += 500) {
		sgw_session_tick(s, t);
		pump(s, c, t);
		assert_true(t < 1000 + SGW_SSTP_NEGOTIATION_MS + 10000);
	}
	assert_int_equal(sgw_session_info(s)->end, SGW_END_NEGOTIATION_TIMEOUT);
	assert_int_equal(tclient_abort_status(c), 8 /* NEGOTIATION_TIMEOUT */);
	sgw_session_destroy(s);
	tclient_destroy(c);
}

/* A client that stops in the middle of the TLS handshake is reaped too. */
static void test_handshake_timeout(void **state)
{
	struct tclient *c = client(C_GOOD, (struct tclient_cfg){ 0 });
	struct sgw_session *s = sgw_session_create(&W.env, 0);
	uint8_t buf[4096];
	size_t n = tclient_output(c, buf, sizeof(buf)); /* ClientHello only */

	(void)state;
	assert_true(n > 0);
	assert_int_equal(sgw_session_input(s, buf, n, 10), 0);
	sgw_session_tick(s, SGW_SSTP_NEGOTIATION_MS - 1);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_TLS);
	sgw_session_tick(s, SGW_SSTP_NEGOTIATION_MS);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_CLOSED);
	assert_int_equal(sgw_session_info(s)->end, SGW_END_NEGOTIATION_TIMEOUT);
	sgw_session_destroy(s);
	tclient_destroy(c);
}

/* Garbage on the wire at each stage: a clear end, never a crash. */
static void test_garbage(void **state)
{
	static const uint8_t junk[] = "GET / HTTP/1.0\r\n\r\n";
	struct sgw_session *s = sgw_session_create(&W.env, 0);
	struct tclient *c;
	uint8_t rec[64] = { 23, 3, 3, 0, 40 };

	(void)state;
	/* 1: not TLS at all. */
	assert_int_equal(sgw_session_input(s, junk, sizeof(junk) - 1, 0), -EPROTO);
	assert_int_equal(sgw_session_info(s)->end, SGW_END_TLS_FAILED);
	sgw_session_destroy(s);

	/* 2: a forged application record after the handshake: bad MAC. */
	c = client(C_GOOD, (struct tclient_cfg){ 0 });
	s = sgw_session_create(&W.env, 0);
	pump(s, c, 0);
	assert_int_equal(tclient_send_tls_raw(c, rec, 45), 0);
	pump(s, c, 0);
	assert_int_equal(sgw_session_info(s)->end, SGW_END_BAD_RECORD);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_CLOSED);
	sgw_session_destroy(s);
	tclient_destroy(c);

	/* 3: an SSTP control packet whose attribute length lies. */
	static const uint8_t lie[] = { 0x10, 0x01, 0x00, 0x0c, 0x00, 0x08, 0x00, 0x01,
				       0x00, 0x02, 0x0f, 0xff };
	c = client(C_GOOD, (struct tclient_cfg){ 0 });
	s = sgw_session_create(&W.env, 0);
	pump(s, c, 0);
	assert_int_equal(tclient_state(c), TCLIENT_UP);
	assert_int_equal(tclient_send_sstp_raw(c, lie, sizeof(lie)), 0);
	pump(s, c, 0);
	assert_int_not_equal(sgw_session_phase(s), SGW_SESSION_ESTABLISHED);
	assert_int_equal(sgw_session_info(s)->end, SGW_END_SSTP_PROTOCOL);
	sgw_session_destroy(s);
	tclient_destroy(c);
}

/* LCP: the server opens on the client's first frame (sstpc's pty would
 * echo an earlier request back), and opens by itself 1 s after
 * CALL_CONNECT_ACK for a client that waits for the server. */
static void test_lcp_passive_client(void **state)
{
	struct tclient_cfg cfg = { .lcp_passive = true };
	struct tclient *c = client(C_GOOD, cfg);
	struct sgw_session *s = sgw_session_create(&W.env, 1000);

	(void)state;
	pump(s, c, 1000);
	assert_int_equal(tclient_state(c), TCLIENT_PPP_LCP);
	sgw_session_tick(s, 1000 + SGW_PPP_PASSIVE_OPEN_MS - 1);
	pump(s, c, 1000 + SGW_PPP_PASSIVE_OPEN_MS - 1);
	assert_int_equal(tclient_state(c), TCLIENT_PPP_LCP);
	sgw_session_tick(s, 1000 + SGW_PPP_PASSIVE_OPEN_MS);
	pump(s, c, 1000 + SGW_PPP_PASSIVE_OPEN_MS);
	assert_int_equal(tclient_state(c), TCLIENT_UP);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_ESTABLISHED);
	sgw_session_destroy(s);
	tclient_destroy(c);
}

/* Inner traffic fills the tx buffer (a client that does not read): inner
 * packets are dropped and counted, but control messages still fit, so an
 * operator disconnect goes out and the call ends as asked, not with an
 * internal error. */
static void test_tx_full_keeps_control(void **state)
{
	struct tclient *c = client(C_GOOD, (struct tclient_cfg){ 0 });
	struct sgw_session *s = sgw_session_create(&W.env, 1000);
	uint8_t pkt[1400];
	unsigned sent = 0, dropped = 0;

	(void)state;
	pump(s, c, 1000);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_ESTABLISHED);
	memset(pkt, 0, sizeof(pkt));
	ipv4(pkt, VNET_HOST, tclient_addr(c), 9);
	pkt[2] = sizeof(pkt) >> 8;
	pkt[3] = sizeof(pkt) & 0xff;
	for (int i = 0; i < 64; i++) {
		if (sgw_session_send_ip(s, pkt, sizeof(pkt)) == 0)
			sent++;
		else
			dropped++;
	}
	assert_true(sent > 0 && dropped > 0);
	assert_int_equal(sgw_session_info(s)->drops, dropped);
	assert_true(sgw_session_output_pending(s) + SGW_SESSION_TX_RESERVE <= SGW_SESSION_TX_BUF);
	sgw_session_close(s, 2000);
	assert_int_not_equal(sgw_session_info(s)->end, SGW_END_INTERNAL);
	pump(s, c, 2000);
	assert_int_equal(tclient_state(c), TCLIENT_CLOSED);
	assert_int_equal(sgw_session_info(s)->end, SGW_END_ADMIN);
	sgw_session_destroy(s);
	tclient_destroy(c);
}

/* HTTP that is not the SSTP request gets its status and the call ends. */
static void test_http_refused(void **state)
{
	static const struct { const char *req; int status; const char *detail; } h[] = {
		/* 1 */ { "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 405, "405" },
		/* 2 */ { "SSTP_DUPLEX_POST /nope/ HTTP/1.1\r\nHost: x\r\n\r\n", 404, "404" },
		/* 3 */ { "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501, "501" },
		/* 4 */ { "SSTP_DUPLEX_POST\n\n", 400, "400" },
	};
	char want[32];

	(void)state;
	for (unsigned i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		struct tclient_cfg cfg = { .http_request = h[i].req };
		struct tclient *c = client(C_GOOD, cfg);
		struct sgw_session *s = sgw_session_create(&W.env, 0);

		pump(s, c, 0);
		snprintf(want, sizeof(want), "HTTP: got %d", h[i].status);
		if (strstr(tclient_error(c), want) == NULL)
			fail_msg("case %u: client says \"%s\", want \"%s\"", i + 1,
				 tclient_error(c), want);
		assert_int_equal(sgw_session_info(s)->end, SGW_END_HTTP_REFUSED);
		assert_int_equal(sgw_session_phase(s), SGW_SESSION_CLOSED);
		sgw_session_destroy(s);
		tclient_destroy(c);
	}
}

/* TLS 1.2 renegotiation is refused with a no_renegotiation warning
 * (RFC 5246 7.2.2). OpenSSL's client takes that as fatal and ends the call
 * with an alert: the session must then end cleanly, and nothing of the
 * ClientHello must reach PPP. */
static void test_renegotiation(void **state)
{
	struct tclient_cfg cfg = { .tls_max = 0x0303, .faults = TCLIENT_FAULT_RENEGOTIATE };
	struct tclient *c = client(C_GOOD, cfg);
	struct sgw_session *s = sgw_session_create(&W.env, 0);
	const struct sgw_session_info *info = sgw_session_info(s);

	(void)state;
	pump(s, c, 0);
	assert_int_equal(info->renegotiations_refused, 1);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_CLOSED);
	assert_int_equal(info->end, SGW_END_CLIENT_CLOSE);
	assert_non_null(strstr(info->end_detail, "alert"));
	assert_int_equal(W.vnet_n, 0);
	assert_non_null(strstr(tclient_error(c), "no renegotiation"));
	sgw_session_destroy(s);
	tclient_destroy(c);
}

/* Zero-copy receive: whole calls with the client's bytes lent in
 * segments of several sizes. Records in one or two segments are opened
 * from them into a fresh buffer and each packet leaves in it; smaller
 * segments (more pieces than a session holds) and a failing allocator fall
 * back to copying. Either way every lent buffer comes back. */
static void test_zero_copy(void **state)
{
	static const struct { size_t seg; bool alloc_fail; bool zc; } z[] = {
		/* 1 */ { 1448, false, true },
		/* 2 */ { 536, false, true },
		/* 3 */ { 100000, false, true },
		/* 4 */ { 3, false, false },
		/* 5 */ { 1, false, false },
		/* 6 */ { 1448, true, false },
	};
	const struct sgw_session_env saved = W.env;

	(void)state;
	W.env.buf_ref = zb_ref;
	W.env.buf_free = zb_put;
	W.env.rx_alloc = zb_rx_alloc;
	W.env.to_vnet_buf = zb_to_vnet;
	for (unsigned i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		for (unsigned g = 0; g < 2; g++) {   /* TLS 1.3, TLS 1.2 */
			W.zc_seg = z[i].seg;
			W.zc_alloc_fail = z[i].alloc_fail;
			W.zc_vnet = 0;
			W.vnet_n = 0;
			run_good(&good[g], i + 1);
			if (W.zc_live != 0)
				fail_msg("case %u/%u: %u lent buffers not released", i + 1,
					 g + 1, W.zc_live);
			if (z[i].zc ? W.zc_vnet != 2 : W.zc_vnet != 0)
				fail_msg("case %u/%u: %u packets left in their buffer", i + 1,
					 g + 1, W.zc_vnet);
		}
	}
	W.zc_seg = 0;
	W.zc_alloc_fail = false;
	W.env = saved;
}

/* Issue #5: rx, tx and carry come from the worker's pool only while bytes
 * wait in them. An established, idle call holds no block; with the pool
 * empty an inner packet is refused and the call lives on, and control
 * output that cannot be held ends the call with its reason. */
static void test_session_buffers(void **state)
{
	struct sgw_bufpool *bp = sgw_bufpool_create(4, SGW_SESSION_BUF);
	const struct sgw_session_env saved = W.env;
	const struct sgw_bufpool_stats *st;
	struct tclient *c;
	struct sgw_session *s;
	void *held[4];
	uint8_t pkt[1400];

	(void)state;
	assert_non_null(bp);
	st = sgw_bufpool_stats(bp);
	W.env.bufs = bp;
	memset(pkt, 0, sizeof(pkt));
	/* 1: a whole call and a packet each way: idle, it holds none. */
	c = client(C_GOOD, (struct tclient_cfg){ 0 });
	s = sgw_session_create(&W.env, 1000);
	assert_non_null(s);
	pump(s, c, 1000);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_ESTABLISHED);
	assert_true(st->high >= 1);
	ipv4(pkt, VNET_HOST, tclient_addr(c), 9);
	pkt[2] = sizeof(pkt) >> 8;
	pkt[3] = sizeof(pkt) & 0xff;
	assert_int_equal(sgw_session_send_ip(s, pkt, sizeof(pkt)), 0);
	assert_int_equal(st->in_use, 1);
	pump(s, c, 1100);
	assert_int_equal(st->in_use, 0);
	/* 2: every block out: the packet is refused, the call lives on, and
	 * goes on once blocks are back. */
	for (unsigned i = 0; i < 4; i++)
		held[i] = sgw_bufpool_get(bp);
	assert_int_equal(sgw_session_send_ip(s, pkt, sizeof(pkt)), -EAGAIN);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_ESTABLISHED);
	assert_true(st->fails >= 1);
	sgw_bufpool_put(bp, held[0]);
	assert_int_equal(sgw_session_send_ip(s, pkt, sizeof(pkt)), 0);
	pump(s, c, 1200);
	sgw_session_close(s, 1300);
	pump(s, c, 1300);
	assert_int_equal(sgw_session_info(s)->end, SGW_END_ADMIN);
	sgw_session_destroy(s);
	tclient_destroy(c);
	assert_int_equal(st->in_use, 3);
	/* 3: a new call while the pool is empty: its handshake output cannot
	 * be held, so it ends with the reason, and holds nothing. */
	held[0] = sgw_bufpool_get(bp);
	c = client(C_GOOD, (struct tclient_cfg){ 0 });
	s = sgw_session_create(&W.env, 2000);
	assert_non_null(s);
	pump(s, c, 2000);
	assert_int_equal(sgw_session_phase(s), SGW_SESSION_CLOSED);
	assert_int_equal(sgw_session_info(s)->end, SGW_END_INTERNAL);
	assert_string_equal(sgw_session_info(s)->end_detail, "no free session buffer");
	sgw_session_destroy(s);
	tclient_destroy(c);
	for (unsigned i = 0; i < 4; i++)
		sgw_bufpool_put(bp, held[i]);
	assert_int_equal(st->in_use, 0);
	W.env = saved;
	sgw_bufpool_destroy(bp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_sessions, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_refusals, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_ip_before_call_connected, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_spoofed_source, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_pool_exhausted, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_negotiation_timeout, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_handshake_timeout, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_garbage, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_lcp_passive_client, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_tx_full_keeps_control, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_http_refused, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_renegotiation, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_zero_copy, pool_up, pool_down),
		cmocka_unit_test_setup_teardown(test_session_buffers, pool_up, pool_down),
	};

	return cmocka_run_group_tests(tests, world_up, world_down);
}
