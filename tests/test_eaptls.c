/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAP-TLS authenticator against an EAP-TLS peer written here (an OpenSSL
 * client over memory BIOs plus RFC 5216 fragmentation): success with TLS 1.2
 * and 1.3, fragmented both ways or not; every certificate refusal with its
 * verdict; and protocol abuse with hand-made Type-Data.
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

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "crypto/eaptls.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "tests/support/testpki.h"

enum {
	F_L = 0x80, F_M = 0x40, F_S = 0x20,
	MSG_MAX = 65536,
	OUT_CAP = 16384 + 6,
	MAX_ROUNDS = 600,
};

/* --- fixture: one server, one trust store, clients for each verdict --- */

enum client_kind {
	CL_GOOD, CL_OTHER_ROOT, CL_EXPIRED, CL_NOT_YET, CL_NO_EKU, CL_REVOKED,
	CL_COUNT,
};

struct fixture {
	struct tpki *pki;
	struct tpki_cert root, other_root, server;
	struct tpki_cert clients[CL_COUNT];
	struct sgw_tls_server *srv;
	struct sgw_trust *trust;
	struct sgw_revoked *revoked;
};

static struct fixture fx;

static int issue_client(enum client_kind k)
{
	static const char *names[CL_COUNT] = {
		"good", "other-root", "expired", "not-yet", "no-eku", "revoked",
	};
	struct tpki_opts o = {
		.cn = names[k], .key = TPKI_KEY_EC_P256, .eku = TPKI_EKU_CLIENT_AUTH,
		.not_before = -3600,
	};
	const struct tpki_cert *issuer = k == CL_OTHER_ROOT ? &fx.other_root : &fx.root;

	if (k == CL_EXPIRED) {
		o.not_before = -2 * 86400;
		o.not_after = -86400;
	} else if (k == CL_NOT_YET) {
		o.not_before = 86400;
		o.not_after = 2 * 86400;
	} else if (k == CL_NO_EKU) {
		o.eku = TPKI_EKU_EMAIL;
	}
	return tpki_issue(fx.pki, names[k], &o, issuer, &fx.clients[k]);
}

static int setup(void **state)
{
	struct sgw_tls_server_cfg cfg = { .verify_client = true };
	char err[256];

	(void)state;
	fx.pki = tpki_create(NULL);
	if (fx.pki == NULL || tpki_root(fx.pki, "root", &fx.root) != 0 ||
	    tpki_root(fx.pki, "other-root", &fx.other_root) != 0 ||
	    tpki_server(fx.pki, "server", TPKI_KEY_EC_P256, &fx.root, &fx.server) != 0)
		return -1;
	for (int k = 0; k < CL_COUNT; k++)
		if (issue_client((enum client_kind)k) != 0)
			return -1;
	cfg.cert_file = fx.server.chain_path;
	cfg.key_file = fx.server.key_path;
	fx.srv = sgw_tls_server_create(&cfg, err, sizeof(err));
	fx.trust = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	fx.revoked = sgw_revoked_create();
	if (fx.srv == NULL || fx.trust == NULL || fx.revoked == NULL ||
	    sgw_trust_add_file(fx.trust, fx.root.cert_path, err, sizeof(err)) < 0 ||
	    sgw_revoked_add(fx.revoked, fx.clients[CL_REVOKED].thumbprint) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sgw_tls_server_destroy(fx.srv);
	sgw_trust_destroy(fx.trust);
	sgw_revoked_destroy(fx.revoked);
	for (int k = CL_COUNT - 1; k >= 0; k--)
		tpki_cert_free(&fx.clients[k]);
	tpki_cert_free(&fx.server);
	tpki_cert_free(&fx.other_root);
	tpki_cert_free(&fx.root);
	tpki_destroy(fx.pki);
	return 0;
}

/* --- the EAP-TLS peer (RFC 5216 3.1 fragmentation, RFC 9190 commitment) --- */

struct peer {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;
	size_t frag;
	int hs_rc;
	bool commitment;       /* TLS 1.3: the 0x00 byte arrived */
	unsigned frags_in, frags_out;
	uint8_t in[MSG_MAX];   /* the server's message being reassembled */
	size_t in_len;
	uint8_t out[MSG_MAX];  /* our flight being sent */
	size_t out_len, out_off;
};

static void peer_open(struct peer *p, int version, const struct tpki_cert *cert,
		      size_t frag)
{
	memset(p, 0, sizeof(*p));
	p->frag = frag;
	p->ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(p->ctx);
	assert_int_equal(SSL_CTX_set_min_proto_version(p->ctx, version), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(p->ctx, version), 1);
	if (cert != NULL) {
		assert_int_equal(SSL_CTX_use_certificate_file(p->ctx, cert->cert_path,
							      SSL_FILETYPE_PEM), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey_file(p->ctx, cert->key_path,
							     SSL_FILETYPE_PEM), 1);
	}
	p->ssl = SSL_new(p->ctx);
	p->rb = BIO_new(BIO_s_mem());
	p->wb = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(p->rb, -1);
	SSL_set_bio(p->ssl, p->rb, p->wb);
	SSL_set_connect_state(p->ssl);
}

static void peer_close(struct peer *p)
{
	SSL_free(p->ssl);
	SSL_CTX_free(p->ctx);
}

static size_t peer_fragment(struct peer *p, uint8_t *out)
{
	size_t left = p->out_len - p->out_off;
	size_t n = left > p->frag ? p->frag : left, h = 1;

	out[0] = 0;
	if (p->out_off == 0 && n < left) {
		out[0] = F_L;
		out[1] = (uint8_t)(p->out_len >> 24);
		out[2] = (uint8_t)(p->out_len >> 16);
		out[3] = (uint8_t)(p->out_len >> 8);
		out[4] = (uint8_t)p->out_len;
		h = 5;
	}
	if (n < left)
		out[0] |= F_M;
	memcpy(out + h, p->out + p->out_off, n);
	p->out_off += n;
	p->frags_out++;
	return h + n;
}

/* Run TLS on a complete server message; respond with our flight or empty. */
static size_t peer_tls(struct peer *p, uint8_t *out)
{
	int n;

	assert_int_equal(BIO_write(p->rb, p->in, (int)p->in_len), (int)p->in_len);
	p->in_len = 0;
	ERR_clear_error();
	if (p->hs_rc != 1)
		p->hs_rc = SSL_do_handshake(p->ssl);
	if (p->hs_rc == 1 && BIO_ctrl_pending(p->rb) > 0) {
		uint8_t b[16];

		n = SSL_read(p->ssl, b, sizeof(b));
		if (n == 1 && b[0] == 0)
			p->commitment = true;
	}
	n = BIO_read(p->wb, p->out, sizeof(p->out));
	p->out_len = n > 0 ? (size_t)n : 0;
	p->out_off = 0;
	if (p->out_len == 0) {
		out[0] = 0;
		return 1;
	}
	return peer_fragment(p, out);
}

static size_t peer_input(struct peer *p, const uint8_t *req, size_t len, uint8_t *out)
{
	size_t off = 1;

	assert_true(len >= 1);
	if (p->out_off < p->out_len) {
		/* Mid-flight: the server must acknowledge with an empty request. */
		assert_int_equal(len, 1);
		assert_int_equal(req[0], 0);
		return peer_fragment(p, out);
	}
	if (req[0] & F_S) {
		assert_int_equal(len, 1);
		return peer_tls(p, out);
	}
	if (req[0] & F_L)
		off += 4;
	assert_true(len >= off);
	assert_true(p->in_len + len - off <= sizeof(p->in));
	memcpy(p->in + p->in_len, req + off, len - off);
	p->in_len += len - off;
	p->frags_in++;
	if (req[0] & F_M) {
		out[0] = 0;
		return 1;
	}
	return peer_tls(p, out);
}

static int peer_export(struct peer *p, uint8_t km[128])
{
	static const uint8_t type_tls = 0x0D;

	if (SSL_version(p->ssl) == TLS1_3_VERSION)
		return SSL_export_keying_material(p->ssl, km, 128,
						  "EXPORTER_EAP_TLS_Key_Material", 29,
						  &type_tls, 1, 1);
	return SSL_export_keying_material(p->ssl, km, 128, "client EAP encryption",
					  21, NULL, 0, 0);
}

/* --- driving a whole exchange --- */

struct run {
	enum sgw_eaptls_status st;
	unsigned requests;       /* requests the server sent */
	unsigned max_request;    /* largest Type-Data */
};

static struct run drive(struct sgw_eaptls *e, struct peer *p)
{
	static uint8_t req[OUT_CAP], resp[MSG_MAX];
	struct run r = { SGW_EAPTLS_SEND, 0, 0 };
	size_t req_len = sgw_eaptls_start(e, req, sizeof(req)), resp_len;

	assert_int_equal(req_len, 1);
	assert_int_equal(req[0], F_S);
	for (int i = 0; i < MAX_ROUNDS; i++) {
		r.requests++;
		if (req_len > r.max_request)
			r.max_request = (unsigned)req_len;
		resp_len = peer_input(p, req, req_len, resp);
		r.st = sgw_eaptls_input(e, resp, resp_len, req, sizeof(req), &req_len);
		if (r.st != SGW_EAPTLS_SEND)
			return r;
	}
	fail_msg("EAP-TLS did not end in %d rounds", MAX_ROUNDS);
	return r;
}

struct ok_case {
	const char *name;
	int version;
	size_t server_frag, peer_frag;
	bool fragmented;
};

static const struct ok_case ok_cases[] = {
	/* 1 */ { "TLS 1.2 fragmented both ways", TLS1_2_VERSION, 200, 300, true },
	/* 2 */ { "TLS 1.3 fragmented both ways", TLS1_3_VERSION, 200, 300, true },
	/* 3 */ { "TLS 1.2 unfragmented", TLS1_2_VERSION, 16384, 16384, false },
	/* 4 */ { "TLS 1.3 unfragmented", TLS1_3_VERSION, 16384, 16384, false },
	/* 5 */ { "TLS 1.3 minimum fragment", TLS1_3_VERSION, 1, 64, true },
};

static void test_success(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct sgw_eaptls *e = sgw_eaptls_create(fx.srv, fx.trust, fx.revoked,
							 c->server_frag);
		struct peer p;
		uint8_t msk[64], emsk[64], km[128];
		struct run r;

		print_message("case %zu: %s\n", i + 1, c->name);
		assert_non_null(e);
		peer_open(&p, c->version, &fx.clients[CL_GOOD], c->peer_frag);
		r = drive(e, &p);
		assert_int_equal(r.st, SGW_EAPTLS_SUCCESS);
		assert_int_equal(p.hs_rc, 1);
		/* RFC 9190 2.1.1: the commitment came before success. */
		assert_int_equal(p.commitment, c->version == TLS1_3_VERSION);
		assert_int_equal(sgw_eaptls_version(e), c->version == TLS1_3_VERSION ?
				 SGW_TLS_VERSION_1_3 : SGW_TLS_VERSION_1_2);
		assert_int_equal(sgw_eaptls_keys(e, msk, emsk), 0);
		assert_int_equal(peer_export(&p, km), 1);
		assert_memory_equal(msk, km, 64);
		assert_memory_equal(emsk, km + 64, 64);
		assert_int_equal(sgw_eaptls_peer(e)->verdict, SGW_X509_OK);
		assert_memory_equal(sgw_eaptls_peer(e)->thumbprint,
				    fx.clients[CL_GOOD].thumbprint, 20);
		assert_string_equal(sgw_eaptls_peer(e)->cn, "good");
		assert_string_equal(sgw_eaptls_error(e), "no error");
		if (c->fragmented) {
			size_t want = c->server_frag < SGW_EAPTLS_MIN_FRAGMENT ?
				      SGW_EAPTLS_MIN_FRAGMENT : c->server_frag;

			assert_true(p.frags_in > 2 && p.frags_out > 2);
			assert_int_equal(r.max_request, want + 5);
		} else {
			assert_true(r.requests <= 4);
		}
		/* Done is done: more input changes nothing. */
		{
			uint8_t out[OUT_CAP], empty = 0;
			size_t out_len = 99;

			assert_int_equal(sgw_eaptls_input(e, &empty, 1, out, sizeof(out),
							  &out_len), SGW_EAPTLS_SUCCESS);
			assert_int_equal(out_len, 0);
		}
		sgw_eaptls_destroy(e);
		peer_close(&p);
	}
}

struct refusal {
	const char *name;
	enum client_kind client;
	bool no_cert;
	enum sgw_x509_verdict verdict;
	const char *reason;
};

static const struct refusal refusals[] = {
	/* 1 */ { "unknown root", CL_OTHER_ROOT, false, SGW_X509_UNKNOWN_ROOT,
		"client certificate: " },
	/* 2 */ { "expired", CL_EXPIRED, false, SGW_X509_EXPIRED, "client certificate: " },
	/* 3 */ { "not yet valid", CL_NOT_YET, false, SGW_X509_NOT_YET_VALID,
		"client certificate: " },
	/* 4 */ { "no clientAuth EKU", CL_NO_EKU, false, SGW_X509_NO_CLIENT_AUTH_EKU,
		"client certificate: " },
	/* 5 */ { "revoked thumbprint", CL_REVOKED, false, SGW_X509_REVOKED,
		"(thumbprint " },
	/* 6 */ { "no client certificate", CL_GOOD, true, SGW_X509_NO_CERT,
		"client certificate: " },
};

static void test_refusals(void **state)
{
	static const int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		for (size_t v = 0; v < 2; v++) {
			const struct refusal *c = &refusals[i];
			struct sgw_eaptls *e = sgw_eaptls_create(fx.srv, fx.trust,
								 fx.revoked, 300);
			struct peer p;
			uint8_t msk[64], emsk[64];
			char tp[41];
			struct run r;

			print_message("case %zu.%zu: %s, TLS 1.%d\n", i + 1, v + 1, c->name,
				      v == 0 ? 2 : 3);
			assert_non_null(e);
			peer_open(&p, versions[v], c->no_cert ? NULL : &fx.clients[c->client],
				  250);
			r = drive(e, &p);
			print_message("  -> %s\n", sgw_eaptls_error(e));
			assert_int_equal(r.st, SGW_EAPTLS_FAILURE);
			assert_int_equal(sgw_eaptls_peer(e)->verdict, c->verdict);
			assert_non_null(strstr(sgw_eaptls_error(e), c->reason));
			assert_non_null(strstr(sgw_eaptls_error(e),
					       sgw_x509_verdict_str(c->verdict)));
			if (!c->no_cert) {
				sgw_thumbprint_format(fx.clients[c->client].thumbprint, tp);
				assert_non_null(strstr(sgw_eaptls_error(e), tp));
			}
			assert_int_equal(sgw_eaptls_keys(e, msk, emsk), -EINVAL);
			/* TLS 1.2: our alert came before the client's handshake
			 * could finish. TLS 1.3: no commitment was ever sent. */
			if (versions[v] == TLS1_2_VERSION)
				assert_int_not_equal(p.hs_rc, 1);
			assert_false(p.commitment);
			sgw_eaptls_destroy(e);
			peer_close(&p);
		}
	}
}

/* --- protocol abuse, hand-made Type-Data --- */

struct msg {
	uint8_t flags;
	int64_t length;   /* -1: no length field; else the 4 bytes (raw) */
	size_t data_len;  /* filler bytes */
};

struct abuse {
	const char *name;
	struct msg msgs[4];
	unsigned nmsgs;
	unsigned repeat_last;  /* send the last message this many more times */
	const char *reason;
};

#define NOLEN (-1)

static const struct abuse abuses[] = {
	/* 1 */ { "fragment past declared length",
		{ { F_L | F_M, 1200, 1000 }, { 0, NOLEN, 300 } }, 2, 0,
		"EAP-TLS: fragment exceeds declared length 1200" },
	/* 2 */ { "declared length over the maximum",
		{ { F_L | F_M, 65537, 100 } }, 1, 0,
		"EAP-TLS: declared length 65537 exceeds 65536" },
	/* 3 */ { "declared length 0xFFFFFFFF",
		{ { F_L | F_M, 0xFFFFFFFF, 100 } }, 1, 0, "exceeds 65536" },
	/* 4 */ { "endless M fragments",
		{ { F_L | F_M, 65536, 10 }, { F_M, NOLEN, 10 } }, 2, 200,
		"EAP-TLS: more than 128 fragments" },
	/* 5 */ { "S flag in a response", { { F_S, NOLEN, 0 } }, 1, 0,
		"S (start) flag" },
	/* 6 */ { "L flag without the length", { { F_L, NOLEN, 2 } }, 1, 0,
		"L flag but only 3 bytes" },
	/* 7 */ { "empty response to Start", { { 0, NOLEN, 0 } }, 1, 0,
		"empty response where TLS data was expected" },
	/* 8 */ { "first fragment with M but no L", { { F_M, NOLEN, 100 } }, 1, 0,
		"without L" },
	/* 9 */ { "message shorter than declared",
		{ { F_L | F_M, 1200, 500 }, { 0, NOLEN, 300 } }, 2, 0,
		"message ends at 800 of declared length 1200" },
	/* 10 */ { "declared length changes",
		{ { F_L | F_M, 1200, 500 }, { F_L | F_M, 1300, 300 } }, 2, 0,
		"declared length changed" },
	/* 11 */ { "empty fragment with M",
		{ { F_L | F_M, 1200, 500 }, { F_M, NOLEN, 0 } }, 2, 0,
		"empty fragment with M" },
	/* 12 */ { "garbage TLS, unfragmented", { { 0, NOLEN, 64 } }, 1, 0,
		"TLS" },
	/* 13 */ { "garbage TLS, with L", { { F_L, 64, 64 } }, 1, 0, "TLS" },
	/* 14 */ { "sum exceeds the maximum without L",
		{ { F_L | F_M, 65536, 16384 }, { F_M, NOLEN, 16384 } }, 2, 10,
		"exceeds" },
};

static size_t build(const struct msg *m, uint8_t *buf, uint8_t fill)
{
	size_t off = 1;

	buf[0] = m->flags;
	if (m->length >= 0) {
		uint32_t v = (uint32_t)m->length;

		buf[1] = (uint8_t)(v >> 24);
		buf[2] = (uint8_t)(v >> 16);
		buf[3] = (uint8_t)(v >> 8);
		buf[4] = (uint8_t)v;
		off = 5;
	}
	memset(buf + off, fill, m->data_len);
	return off + m->data_len;
}

static void test_abuse(void **state)
{
	static uint8_t in[MSG_MAX], out[OUT_CAP];

	(void)state;
	for (size_t i = 0; i < sizeof(abuses) / sizeof(abuses[0]); i++) {
		const struct abuse *c = &abuses[i];
		struct sgw_eaptls *e = sgw_eaptls_create(fx.srv, fx.trust, fx.revoked, 1000);
		enum sgw_eaptls_status st = SGW_EAPTLS_SEND;
		size_t out_len = 0;
		unsigned sent = 0;

		print_message("case %zu: %s\n", i + 1, c->name);
		assert_non_null(e);
		assert_int_equal(sgw_eaptls_start(e, out, sizeof(out)), 1);
		for (unsigned m = 0; m < c->nmsgs + c->repeat_last && st == SGW_EAPTLS_SEND;
		     m++) {
			const struct msg *msg = &c->msgs[m < c->nmsgs ? m : c->nmsgs - 1];
			/* A sequence of 0x16 is a handshake record header
			 * announcing 0x1616 bytes: garbage either way. */
			size_t len = build(msg, in, (uint8_t)(i == 11 || i == 12 ? 'G' : 0x16));

			st = sgw_eaptls_input(e, in, len, out, sizeof(out), &out_len);
			sent++;
			if (st == SGW_EAPTLS_SEND && m + 1 < c->nmsgs + c->repeat_last) {
				/* Every non-final fragment is acknowledged. */
				assert_int_equal(out_len, 1);
				assert_int_equal(out[0], 0);
			}
		}
		if (st == SGW_EAPTLS_SEND) {
			/* An alert went out; the peer's answer ends it. */
			uint8_t empty = 0;

			assert_true(out_len > 1);
			st = sgw_eaptls_input(e, &empty, 1, out, sizeof(out), &out_len);
		}
		print_message("  -> %s (after %u messages)\n", sgw_eaptls_error(e), sent);
		assert_int_equal(st, SGW_EAPTLS_FAILURE);
		assert_non_null(strstr(sgw_eaptls_error(e), c->reason));
		assert_int_equal(sgw_eaptls_peer(e)->verdict, SGW_X509_NO_CERT);
		/* Failed is failed. */
		assert_int_equal(sgw_eaptls_input(e, in, 1, out, sizeof(out), &out_len),
				 SGW_EAPTLS_FAILURE);
		sgw_eaptls_destroy(e);
	}
}

/* Data where an acknowledgement of our fragment is expected. */
static void test_data_instead_of_ack(void **state)
{
	static uint8_t req[OUT_CAP], resp[MSG_MAX];
	struct sgw_eaptls *e = sgw_eaptls_create(fx.srv, fx.trust, fx.revoked, 100);
	struct peer p;
	size_t req_len, resp_len;

	(void)state;
	assert_non_null(e);
	peer_open(&p, TLS1_3_VERSION, &fx.clients[CL_GOOD], 1000);
	req_len = sgw_eaptls_start(e, req, sizeof(req));
	resp_len = peer_input(&p, req, req_len, resp);
	assert_int_equal(sgw_eaptls_input(e, resp, resp_len, req, sizeof(req), &req_len),
			 SGW_EAPTLS_SEND);
	/* The server's first fragment: L and M. */
	assert_int_equal(req[0], F_L | F_M);
	assert_int_equal(req_len, 105);
	resp[0] = 0;
	memset(resp + 1, 0x16, 20);
	assert_int_equal(sgw_eaptls_input(e, resp, 21, req, sizeof(req), &req_len),
			 SGW_EAPTLS_FAILURE);
	assert_non_null(strstr(sgw_eaptls_error(e),
			       "expected an empty acknowledgement, got 20 bytes"));
	sgw_eaptls_destroy(e);
	peer_close(&p);
}

/* TLS 1.2: data instead of the empty response to our Finished. */
static void test_data_instead_of_final_ack(void **state)
{
	static uint8_t req[OUT_CAP], resp[MSG_MAX];
	struct sgw_eaptls *e = sgw_eaptls_create(fx.srv, fx.trust, fx.revoked, 16384);
	struct peer p;
	size_t req_len, resp_len;
	enum sgw_eaptls_status st = SGW_EAPTLS_SEND;

	(void)state;
	assert_non_null(e);
	peer_open(&p, TLS1_2_VERSION, &fx.clients[CL_GOOD], 16384);
	req_len = sgw_eaptls_start(e, req, sizeof(req));
	for (int i = 0; i < 10; i++) {
		resp_len = peer_input(&p, req, req_len, resp);
		if (p.hs_rc == 1)
			break; /* resp is the empty response to our Finished */
		st = sgw_eaptls_input(e, resp, resp_len, req, sizeof(req), &req_len);
		assert_int_equal(st, SGW_EAPTLS_SEND);
	}
	assert_int_equal(p.hs_rc, 1);
	assert_int_equal(resp_len, 1);
	resp[0] = 0;
	memcpy(resp + 1, "\x15\x03\x03\x00\x02\x02\x28", 7);
	assert_int_equal(sgw_eaptls_input(e, resp, 8, req, sizeof(req), &req_len),
			 SGW_EAPTLS_FAILURE);
	assert_non_null(strstr(sgw_eaptls_error(e), "instead of an empty response"));
	sgw_eaptls_destroy(e);
	peer_close(&p);
}

static void test_misuse(void **state)
{
	uint8_t out[OUT_CAP], in[8] = { 0 }, msk[64], emsk[64];
	size_t out_len = 0;
	struct sgw_eaptls *e;

	(void)state;
	/* 1: a response before Start. */
	e = sgw_eaptls_create(fx.srv, fx.trust, fx.revoked, 1000);
	assert_non_null(e);
	assert_int_equal(sgw_eaptls_input(e, in, 1, out, sizeof(out), &out_len),
			 SGW_EAPTLS_FAILURE);
	assert_non_null(strstr(sgw_eaptls_error(e), "before Start"));
	assert_int_equal(sgw_eaptls_keys(e, msk, emsk), -EINVAL);
	sgw_eaptls_destroy(e);
	/* 2: an output buffer below max_frag + 6. */
	e = sgw_eaptls_create(fx.srv, fx.trust, fx.revoked, 1000);
	assert_non_null(e);
	assert_int_equal(sgw_eaptls_start(e, out, sizeof(out)), 1);
	assert_int_equal(sgw_eaptls_start(e, out, sizeof(out)), 0); /* only once */
	assert_int_equal(sgw_eaptls_input(e, in, 1, out, 500, &out_len),
			 SGW_EAPTLS_FAILURE);
	assert_non_null(strstr(sgw_eaptls_error(e), "output buffer"));
	sgw_eaptls_destroy(e);
	/* 3: no flags byte at all. */
	e = sgw_eaptls_create(fx.srv, fx.trust, fx.revoked, 1000);
	assert_non_null(e);
	assert_int_equal(sgw_eaptls_start(e, out, sizeof(out)), 1);
	assert_int_equal(sgw_eaptls_input(e, in, 0, out, sizeof(out), &out_len),
			 SGW_EAPTLS_FAILURE);
	assert_non_null(strstr(sgw_eaptls_error(e), "without flags"));
	sgw_eaptls_destroy(e);
	/* 4: destroy in the middle of an exchange, and NULL. */
	e = sgw_eaptls_create(fx.srv, fx.trust, fx.revoked, 1000);
	assert_non_null(e);
	assert_int_equal(sgw_eaptls_start(e, out, sizeof(out)), 1);
	in[0] = F_L | F_M;
	in[3] = 0x10;
	assert_int_equal(sgw_eaptls_input(e, in, 8, out, sizeof(out), &out_len),
			 SGW_EAPTLS_SEND);
	sgw_eaptls_destroy(e);
	sgw_eaptls_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_abuse),
		cmocka_unit_test(test_data_instead_of_ack),
		cmocka_unit_test(test_data_instead_of_final_ack),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
