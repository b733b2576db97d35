/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS server handshake driver against an OpenSSL client in the same
 * process (both over memory BIOs): every suite, both versions, RSA and
 * ECDSA; the exported keys then carry application data through our record
 * layer both ways, KeyUpdate, close_notify and a refused renegotiation; and
 * the refusals (old versions, garbage, wrong SNI).
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
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "crypto/record.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "tests/support/testpki.h"

enum { BUF = 65536, MAX_ROUNDS = 32 };

struct fixture {
	struct tpki *pki;
	struct tpki_cert root, srv_ec, srv_rsa, client;
	struct sgw_tls_server *ec, *rsa, *sni, *mutual;
	struct sgw_trust *trust;
};

static struct fixture fx;

static struct sgw_tls_server *server(const struct tpki_cert *c, const char *sni,
				     bool verify_client)
{
	struct sgw_tls_server_cfg cfg = {
		.cert_file = c->chain_path, .key_file = c->key_path,
		.sni_host = sni, .verify_client = verify_client,
	};
	char err[256];
	struct sgw_tls_server *s = sgw_tls_server_create(&cfg, err, sizeof(err));

	if (s == NULL)
		fprintf(stderr, "server: %s\n", err);
	return s;
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	fx.pki = tpki_create(NULL);
	if (fx.pki == NULL || tpki_root(fx.pki, "root", &fx.root) != 0 ||
	    tpki_server(fx.pki, "srv-ec", TPKI_KEY_EC_P256, &fx.root, &fx.srv_ec) != 0 ||
	    tpki_server(fx.pki, "srv-rsa", TPKI_KEY_RSA2048, &fx.root, &fx.srv_rsa) != 0 ||
	    tpki_client(fx.pki, "client", "alice", &fx.root, &fx.client) != 0)
		return -1;
	fx.ec = server(&fx.srv_ec, NULL, false);
	fx.rsa = server(&fx.srv_rsa, NULL, false);
	fx.sni = server(&fx.srv_ec, "sstp.test", false);
	fx.mutual = server(&fx.srv_ec, NULL, true);
	fx.trust = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	if (fx.trust == NULL || sgw_trust_add_file(fx.trust, fx.root.cert_path,
						   err, sizeof(err)) < 0)
		return -1;
	return fx.ec != NULL && fx.rsa != NULL && fx.sni != NULL &&
	       fx.mutual != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sgw_tls_server_destroy(fx.ec);
	sgw_tls_server_destroy(fx.rsa);
	sgw_tls_server_destroy(fx.sni);
	sgw_tls_server_destroy(fx.mutual);
	sgw_trust_destroy(fx.trust);
	tpki_cert_free(&fx.client);
	tpki_cert_free(&fx.srv_rsa);
	tpki_cert_free(&fx.srv_ec);
	tpki_cert_free(&fx.root);
	tpki_destroy(fx.pki);
	return 0;
}

/* --- an OpenSSL client over memory BIOs --- */

struct client_opts {
	int min_version, max_version;
	const char *ciphers12;  /* NULL: OpenSSL default */
	const char *suites13;
	const char *sni;
	bool seclevel0;         /* allow TLS 1.0/1.1 on the client */
	bool cert;              /* present fx.client */
	bool write_early;       /* app data right behind the client Finished */
};

struct pair {
	SSL_CTX *cctx;
	SSL *cli;
	BIO *crbio, *cwbio;
	struct sgw_tls_conn *srv;
	int cli_rc;
	bool wrote_early;
};

static const char early_msg[] = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/";

static void pair_open(struct pair *p, struct sgw_tls_server *s,
		      const struct client_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(p->cctx);
	if (o->seclevel0) {
		SSL_CTX_set_security_level(p->cctx, 0);
		assert_int_equal(SSL_CTX_set_cipher_list(p->cctx, "DEFAULT:@SECLEVEL=0"), 1);
	}
	assert_int_equal(SSL_CTX_set_min_proto_version(p->cctx, o->min_version), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(p->cctx, o->max_version), 1);
	if (o->ciphers12 != NULL)
		assert_int_equal(SSL_CTX_set_cipher_list(p->cctx, o->ciphers12), 1);
	if (o->suites13 != NULL)
		assert_int_equal(SSL_CTX_set_ciphersuites(p->cctx, o->suites13), 1);
	if (o->cert) {
		assert_int_equal(SSL_CTX_use_certificate_file(p->cctx, fx.client.cert_path,
							      SSL_FILETYPE_PEM), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey_file(p->cctx, fx.client.key_path,
							     SSL_FILETYPE_PEM), 1);
	}
	p->cli = SSL_new(p->cctx);
	p->crbio = BIO_new(BIO_s_mem());
	p->cwbio = BIO_new(BIO_s_mem());
	assert_non_null(p->cli);
	BIO_set_mem_eof_return(p->crbio, -1);
	SSL_set_bio(p->cli, p->crbio, p->cwbio);
	if (o->sni != NULL)
		assert_int_equal(SSL_set_tlsext_host_name(p->cli, o->sni), 1);
	SSL_set_connect_state(p->cli);
	p->srv = sgw_tls_conn_create(s, fx.trust, NULL);
	assert_non_null(p->srv);
}

static void pair_close(struct pair *p)
{
	sgw_tls_conn_destroy(p->srv);
	SSL_free(p->cli);
	SSL_CTX_free(p->cctx);
}

static size_t take(BIO *b, uint8_t *buf, size_t cap)
{
	int n = BIO_read(b, buf, (int)cap);

	return n > 0 ? (size_t)n : 0;
}

/* Client -> server bytes, then server -> client, until both sides settle. */
static enum sgw_tls_status handshake(struct pair *p, const struct client_opts *o)
{
	static uint8_t buf[BUF];
	enum sgw_tls_status st = SGW_TLS_WANT_INPUT;

	for (int round = 0; round < MAX_ROUNDS; round++) {
		size_t n;

		if (p->cli_rc != 1) {
			ERR_clear_error();
			p->cli_rc = SSL_do_handshake(p->cli);
		}
		if (p->cli_rc == 1 && o->write_early && !p->wrote_early) {
			assert_int_equal(SSL_write(p->cli, early_msg, sizeof(early_msg)),
					 (int)sizeof(early_msg));
			p->wrote_early = true;
		}
		n = take(p->cwbio, buf, sizeof(buf));
		if (n > 0)
			st = sgw_tls_conn_input(p->srv, buf, n);
		n = sgw_tls_conn_output(p->srv, buf, sizeof(buf));
		if (n > 0)
			assert_int_equal(BIO_write(p->crbio, buf, (int)n), (int)n);
		if (st == SGW_TLS_FAILED)
			return st;
		if (st == SGW_TLS_DONE && p->cli_rc == 1 &&
		    BIO_ctrl_pending(p->crbio) > 0) {
			uint8_t peek;

			/* Post-handshake messages (the EAP-TLS server's one
			 * TLS 1.3 ticket) are read by the client's next read. */
			ERR_clear_error();
			(void)SSL_peek(p->cli, &peek, 1);
		}
		if (st == SGW_TLS_DONE && p->cli_rc == 1 &&
		    BIO_ctrl_pending(p->crbio) == 0)
			return st;
		if (p->cli_rc <= 0 && SSL_get_error(p->cli, p->cli_rc) != SSL_ERROR_WANT_READ &&
		    n == 0)
			return st; /* the client gave up */
	}
	fail_msg("handshake did not settle in %d rounds", MAX_ROUNDS);
	return st;
}

/* --- application data through the exported keys --- */

static void client_to_server(struct pair *p, struct sgw_record *r,
			     const uint8_t *msg, size_t len)
{
	static uint8_t rec[BUF];
	uint8_t *plain = NULL, alert = 0xFF;
	size_t plain_len = 0, n;
	long rl;

	assert_int_equal(SSL_write(p->cli, msg, (int)len), (int)len);
	n = take(p->cwbio, rec, sizeof(rec));
	rl = sgw_record_length(rec, n);
	assert_true(rl > 0);
	assert_int_equal((size_t)rl, n); /* one record per write */
	assert_int_equal(sgw_record_open(r, rec, n, &plain, &plain_len, &alert), SGW_REC_OK);
	assert_int_equal(plain_len, len);
	assert_memory_equal(plain, msg, len);
}

static void server_to_client(struct pair *p, struct sgw_record *r,
			     const uint8_t *msg, size_t len)
{
	static uint8_t rec[BUF], got[BUF];
	size_t head = sgw_record_headroom(r), n;

	assert_true(head + len + sgw_record_tailroom(r) <= sizeof(rec));
	memcpy(rec + head, msg, len);
	n = sgw_record_seal(r, SGW_TLS_CT_APPLICATION_DATA, rec, len);
	assert_true(n > len);
	assert_int_equal(BIO_write(p->crbio, rec, (int)n), (int)n);
	ERR_clear_error();
	assert_int_equal(SSL_read(p->cli, got, sizeof(got)), (int)len);
	assert_memory_equal(got, msg, len);
}

static void both_ways(struct pair *p, struct sgw_record *r)
{
	static const size_t sizes[] = { 1, 18, 1400, 4096, SGW_TLS_MAX_PLAINTEXT };
	static uint8_t msg[SGW_TLS_MAX_PLAINTEXT + 1]; /* +1: msg + 1 below */

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		client_to_server(p, r, msg, sizes[i]);
		server_to_client(p, r, msg + 1, sizes[i]);
	}
}

static enum sgw_record_status client_control(struct pair *p, struct sgw_record *r,
					     uint8_t *alert)
{
	static uint8_t rec[BUF];
	uint8_t *plain = NULL;
	size_t plain_len = 0, n = take(p->cwbio, rec, sizeof(rec));

	assert_true(n > SGW_TLS_RECORD_HDR);
	assert_int_equal((size_t)sgw_record_length(rec, n), n);
	return sgw_record_open(r, rec, n, &plain, &plain_len, alert);
}

static void close_notify(struct pair *p, struct sgw_record *r)
{
	uint8_t alert = 0xFF;

	ERR_clear_error();
	assert_true(SSL_shutdown(p->cli) >= 0);
	assert_int_equal(client_control(p, r, &alert), SGW_REC_CLOSE_NOTIFY);
	assert_int_equal(alert, SGW_TLS_ALERT_CLOSE_NOTIFY);
}

/* RFC 8446 4.6.3: the client updates its keys and asks us to update ours. */
static void key_update(struct pair *p, struct sgw_record *r)
{
	static uint8_t rec[256];
	static const uint8_t m1[] = "after the client's KeyUpdate";
	static const uint8_t m2[] = "after ours";
	uint8_t alert = 0xFF;
	size_t n;

	assert_int_equal(SSL_key_update(p->cli, SSL_KEY_UPDATE_REQUESTED), 1);
	ERR_clear_error();
	assert_int_equal(SSL_do_handshake(p->cli), 1);
	assert_int_equal(client_control(p, r, &alert), SGW_REC_KEY_UPDATE);
	assert_true(sgw_record_tx_key_update_pending(r));
	n = sgw_record_seal_key_update(r, rec, sizeof(rec));
	assert_true(n > SGW_TLS_RECORD_HDR);
	assert_false(sgw_record_tx_key_update_pending(r));
	assert_int_equal(BIO_write(p->crbio, rec, (int)n), (int)n);
	client_to_server(p, r, m1, sizeof(m1));
	server_to_client(p, r, m2, sizeof(m2));
}

/* RFC 5746 / SSL_OP_NO_RENEGOTIATION: a new ClientHello under the keys. */
static void renegotiate(struct pair *p, struct sgw_record *r)
{
	uint8_t alert = 0xFF;

	assert_int_equal(SSL_renegotiate(p->cli), 1);
	ERR_clear_error();
	assert_true(SSL_do_handshake(p->cli) <= 0);
	assert_int_equal(client_control(p, r, &alert), SGW_REC_RENEGOTIATION);
}

/* RFC 5216 2.3 / RFC 9190 2.3: both ends export the same EAP keys. */
static void check_eap_export(struct pair *p)
{
	static const uint8_t type_tls = 0x0D;
	uint8_t msk[64], emsk[64], want[128];
	int ok;

	if (SSL_version(p->cli) == TLS1_3_VERSION)
		ok = SSL_export_keying_material(p->cli, want, sizeof(want),
						"EXPORTER_EAP_TLS_Key_Material", 29,
						&type_tls, 1, 1);
	else
		ok = SSL_export_keying_material(p->cli, want, sizeof(want),
						"client EAP encryption", 21, NULL, 0, 0);
	assert_int_equal(ok, 1);
	assert_int_equal(sgw_tls_conn_export_eap(p->srv, msk, emsk), 0);
	assert_memory_equal(msk, want, 64);
	assert_memory_equal(emsk, want + 64, 64);
}

struct suite_case {
	const char *name;
	bool rsa;
	int version;
	const char *cipher;      /* client's only offer */
	enum sgw_aead_alg alg;
	enum sgw_tls_hash hash;
};

static const struct suite_case suites[] = {
	/* 1 */ { "TLS_AES_128_GCM_SHA256", false, TLS1_3_VERSION,
		"TLS_AES_128_GCM_SHA256", SGW_AEAD_AES_128_GCM, SGW_TLS_HASH_SHA256 },
	/* 2 */ { "TLS_AES_256_GCM_SHA384", false, TLS1_3_VERSION,
		"TLS_AES_256_GCM_SHA384", SGW_AEAD_AES_256_GCM, SGW_TLS_HASH_SHA384 },
	/* 3 */ { "TLS_CHACHA20_POLY1305_SHA256", false, TLS1_3_VERSION,
		"TLS_CHACHA20_POLY1305_SHA256", SGW_AEAD_CHACHA20_POLY1305,
		SGW_TLS_HASH_SHA256 },
	/* 4 */ { "TLS_AES_128_GCM_SHA256", true, TLS1_3_VERSION,
		"TLS_AES_128_GCM_SHA256", SGW_AEAD_AES_128_GCM, SGW_TLS_HASH_SHA256 },
	/* 5 */ { "TLS_AES_256_GCM_SHA384", true, TLS1_3_VERSION,
		"TLS_AES_256_GCM_SHA384", SGW_AEAD_AES_256_GCM, SGW_TLS_HASH_SHA384 },
	/* 6 */ { "ECDHE-ECDSA-AES128-GCM-SHA256", false, TLS1_2_VERSION,
		"ECDHE-ECDSA-AES128-GCM-SHA256", SGW_AEAD_AES_128_GCM,
		SGW_TLS_HASH_SHA256 },
	/* 7 */ { "ECDHE-ECDSA-AES256-GCM-SHA384", false, TLS1_2_VERSION,
		"ECDHE-ECDSA-AES256-GCM-SHA384", SGW_AEAD_AES_256_GCM,
		SGW_TLS_HASH_SHA384 },
	/* 8 */ { "ECDHE-ECDSA-CHACHA20-POLY1305", false, TLS1_2_VERSION,
		"ECDHE-ECDSA-CHACHA20-POLY1305", SGW_AEAD_CHACHA20_POLY1305,
		SGW_TLS_HASH_SHA256 },
	/* 9 */ { "ECDHE-RSA-AES128-GCM-SHA256", true, TLS1_2_VERSION,
		"ECDHE-RSA-AES128-GCM-SHA256", SGW_AEAD_AES_128_GCM,
		SGW_TLS_HASH_SHA256 },
	/* 10 */ { "ECDHE-RSA-AES256-GCM-SHA384", true, TLS1_2_VERSION,
		"ECDHE-RSA-AES256-GCM-SHA384", SGW_AEAD_AES_256_GCM,
		SGW_TLS_HASH_SHA384 },
	/* 11 */ { "ECDHE-RSA-CHACHA20-POLY1305", true, TLS1_2_VERSION,
		"ECDHE-RSA-CHACHA20-POLY1305", SGW_AEAD_CHACHA20_POLY1305,
		SGW_TLS_HASH_SHA256 },
};

/* RFC 7905 2: TLS 1.2 ChaCha20-Poly1305 records, done by hand with EVP so
 * the exported 12-byte ivs are checked independently of crypto/record.c
 * (which takes TLS 1.2 AES-GCM only): nonce = iv XOR seq, AAD = seq ||
 * type || version || plaintext length. */
static int chacha12(bool enc, const struct sgw_tls_dir_keys *d, uint8_t *rec,
		    size_t plain_len)
{
	uint8_t nonce[12], aad[13];
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++) {
		nonce[4 + i] ^= (uint8_t)(d->seq >> (56 - 8 * i));
		aad[i] = (uint8_t)(d->seq >> (56 - 8 * i));
	}
	aad[8] = SGW_TLS_CT_APPLICATION_DATA;
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = (uint8_t)(plain_len >> 8);
	aad[12] = (uint8_t)plain_len;
	ok = EVP_CipherInit_ex(x, EVP_chacha20_poly1305(), NULL, d->key, nonce, enc) == 1 &&
	     (enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16,
					 rec + 5 + plain_len) == 1) &&
	     EVP_CipherUpdate(x, NULL, &n, aad, 13) == 1 &&
	     EVP_CipherUpdate(x, rec + 5, &n, rec + 5, (int)plain_len) == 1 &&
	     EVP_CipherFinal_ex(x, rec + 5 + plain_len, &n) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16,
					  rec + 5 + plain_len) == 1);
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

static void check_chacha12(struct pair *p, const struct sgw_tls_keys *k)
{
	static const uint8_t msg[] = "RFC 7905 record";
	uint8_t rec[5 + sizeof(msg) + 16], got[sizeof(msg)];
	size_t n;

	assert_int_equal(SSL_write(p->cli, msg, sizeof(msg)), (int)sizeof(msg));
	n = take(p->cwbio, rec, sizeof(rec));
	assert_int_equal(n, sizeof(rec));
	assert_int_equal(chacha12(false, &k->rx, rec, sizeof(msg)), 0);
	assert_memory_equal(rec + 5, msg, sizeof(msg));

	memcpy(rec, "\x17\x03\x03", 3);
	rec[3] = 0;
	rec[4] = (uint8_t)(sizeof(msg) + 16);
	memcpy(rec + 5, msg, sizeof(msg));
	assert_int_equal(chacha12(true, &k->tx, rec, sizeof(msg)), 0);
	assert_int_equal(BIO_write(p->crbio, rec, (int)sizeof(rec)), (int)sizeof(rec));
	ERR_clear_error();
	assert_int_equal(SSL_read(p->cli, got, sizeof(got)), (int)sizeof(msg));
	assert_memory_equal(got, msg, sizeof(msg));
}

static void run_suite(const struct suite_case *c, bool write_early)
{
	struct client_opts o = {
		.min_version = c->version, .max_version = c->version,
		.write_early = write_early,
	};
	struct pair p;
	struct sgw_tls_keys keys;
	struct sgw_record *r;
	static uint8_t left[BUF];
	size_t nleft;

	if (c->version == TLS1_3_VERSION)
		o.suites13 = c->cipher;
	else
		o.ciphers12 = c->cipher;
	pair_open(&p, c->rsa ? fx.rsa : fx.ec, &o);
	assert_int_equal(handshake(&p, &o), SGW_TLS_DONE);
	assert_int_equal(p.cli_rc, 1);
	assert_int_equal(sgw_tls_conn_version(p.srv), c->version == TLS1_3_VERSION ?
			 SGW_TLS_VERSION_1_3 : SGW_TLS_VERSION_1_2);
	assert_string_equal(sgw_tls_conn_cipher(p.srv), c->name);
	check_eap_export(&p);
	assert_int_equal(sgw_tls_conn_export_keys(p.srv, &keys), 0);
	assert_int_equal(keys.alg, c->alg);
	assert_int_equal(keys.hash, c->hash);
	assert_int_equal(keys.rx.seq, c->version == TLS1_3_VERSION ? 0 : 1);
	assert_int_equal(keys.tx.seq, keys.rx.seq);
	nleft = sgw_tls_conn_take_leftover(p.srv, left, sizeof(left));
	if (c->version == TLS1_2_VERSION && c->alg == SGW_AEAD_CHACHA20_POLY1305) {
		check_chacha12(&p, &keys);
		OPENSSL_cleanse(&keys, sizeof(keys));
		pair_close(&p);
		return;
	}
	r = sgw_record_create(SGW_AEAD_BACKEND_EVP, &keys);
	OPENSSL_cleanse(&keys, sizeof(keys));
	assert_non_null(r);
	if (write_early) {
		uint8_t *plain = NULL, alert = 0;
		size_t plain_len = 0;

		/* The client's first record arrived with its Finished. */
		assert_int_equal((size_t)sgw_record_length(left, nleft), nleft);
		assert_int_equal(sgw_record_open(r, left, nleft, &plain, &plain_len,
						 &alert), SGW_REC_OK);
		assert_int_equal(plain_len, sizeof(early_msg));
		assert_memory_equal(plain, early_msg, sizeof(early_msg));
	} else {
		assert_int_equal(nleft, 0);
	}
	both_ways(&p, r);
	if (c->version == TLS1_3_VERSION) {
		key_update(&p, r);
		close_notify(&p, r);
	} else {
		renegotiate(&p, r);
	}
	sgw_record_destroy(r);
	pair_close(&p);
}

static void test_suites(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		print_message("case %zu: %s %s\n", i + 1, suites[i].name,
			      suites[i].rsa ? "RSA" : "ECDSA");
		run_suite(&suites[i], false);
	}
}

/* The client's first application record rides with its Finished: it must
 * stay in the input for the record layer (read_ahead off). */
static void test_leftover(void **state)
{
	(void)state;
	run_suite(&suites[0], true);
	run_suite(&suites[2], true);
}

static void test_close_notify_12(void **state)
{
	struct client_opts o = { TLS1_2_VERSION, TLS1_2_VERSION };
	struct pair p;
	struct sgw_tls_keys keys;
	struct sgw_record *r;

	(void)state;
	pair_open(&p, fx.ec, &o);
	assert_int_equal(handshake(&p, &o), SGW_TLS_DONE);
	assert_int_equal(sgw_tls_conn_export_keys(p.srv, &keys), 0);
	r = sgw_record_create(SGW_AEAD_BACKEND_EVP, &keys);
	assert_non_null(r);
	client_to_server(&p, r, (const uint8_t *)"x", 1);
	close_notify(&p, r);
	sgw_record_destroy(r);
	pair_close(&p);
}

/* Default server and client: TLS 1.3 with the server's first choice. */
static void test_defaults(void **state)
{
	struct client_opts o = { TLS1_2_VERSION, TLS1_3_VERSION };
	struct pair p;
	uint8_t sha1[20], sha256[32], want[32];

	(void)state;
	pair_open(&p, fx.ec, &o);
	assert_int_equal(handshake(&p, &o), SGW_TLS_DONE);
	assert_int_equal(sgw_tls_conn_version(p.srv), SGW_TLS_VERSION_1_3);
	assert_string_equal(sgw_tls_conn_cipher(p.srv), "TLS_AES_128_GCM_SHA256");
	assert_string_equal(sgw_tls_conn_error(p.srv), "no error");
	pair_close(&p);

	sgw_tls_server_cert_hashes(fx.ec, sha1, sha256);
	assert_memory_equal(sha1, fx.srv_ec.thumbprint, 20);
	assert_int_equal(EVP_Digest(fx.srv_ec.der, fx.srv_ec.der_len, want, NULL,
				    EVP_sha256(), NULL), 1);
	assert_memory_equal(sha256, want, 32);
}

struct refusal {
	const char *name;
	struct client_opts o;
	int server;          /* 0 ec, 1 sni, 2 mutual */
	const char *reason;  /* substring of sgw_tls_conn_error() */
};

static const struct refusal refusals[] = {
	/* 1 */ { "TLS 1.0 only", { TLS1_VERSION, TLS1_VERSION, .seclevel0 = true },
		0, "protocol version" },
	/* 2 */ { "TLS 1.1 only", { TLS1_1_VERSION, TLS1_1_VERSION, .seclevel0 = true },
		0, "protocol version" },
	/* 3 */ { "wrong SNI", { TLS1_2_VERSION, TLS1_3_VERSION, .sni = "evil.test" },
		1, "SNI \"evil.test\"" },
	/* 4 */ { "wrong SNI, TLS 1.2", { TLS1_2_VERSION, TLS1_2_VERSION,
		.sni = "evil.test" }, 1, "unrecognized_name" },
	/* 5 */ { "no AEAD suite", { TLS1_2_VERSION, TLS1_2_VERSION,
		.ciphers12 = "ECDHE-RSA-AES128-SHA256" }, 0, "no shared cipher" },
	/* 6 */ { "no client certificate", { TLS1_2_VERSION, TLS1_3_VERSION },
		2, "client certificate: " },
};

static void test_refusals(void **state)
{
	struct sgw_tls_server *servers[] = { fx.ec, fx.sni, fx.mutual };

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *c = &refusals[i];
		struct pair p;
		uint8_t keys_buf[1];
		struct sgw_tls_keys keys;

		print_message("case %zu: %s\n", i + 1, c->name);
		pair_open(&p, servers[c->server], &c->o);
		assert_int_equal(handshake(&p, &c->o), SGW_TLS_FAILED);
		print_message("  -> %s\n", sgw_tls_conn_error(p.srv));
		assert_non_null(strstr(sgw_tls_conn_error(p.srv), c->reason));
		if (p.cli_rc == 1) {
			/* TLS 1.3: the client finished before our alert came. */
			uint8_t b[16];

			ERR_clear_error();
			assert_true(SSL_read(p.cli, b, sizeof(b)) <= 0);
			assert_int_equal(SSL_get_error(p.cli, -1), SSL_ERROR_SSL);
		}
		assert_int_equal(sgw_tls_conn_export_keys(p.srv, &keys), -EINVAL);
		assert_int_equal(sgw_tls_conn_take_leftover(p.srv, keys_buf, 1), 0);
		/* Failed stays failed. */
		assert_int_equal(sgw_tls_conn_input(p.srv, keys_buf, 0), SGW_TLS_FAILED);
		pair_close(&p);
	}
}

/* SNI that matches (any case) and no SNI at all are both fine. */
static void test_sni_ok(void **state)
{
	const char *names[] = { "sstp.test", "SSTP.Test", NULL };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct client_opts o = { TLS1_2_VERSION, TLS1_3_VERSION, .sni = names[i] };
		struct pair p;

		print_message("case %zu: %s\n", i + 1, names[i] ? names[i] : "(none)");
		pair_open(&p, fx.sni, &o);
		assert_int_equal(handshake(&p, &o), SGW_TLS_DONE);
		pair_close(&p);
	}
}

static void test_garbage(void **state)
{
	static const struct { const char *data; size_t len; } inputs[] = {
		/* 1 */ { "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27 },
		/* 2 */ { "\x16\x03\x01\x00\x05hello", 10 },
		/* 3 */ { "\x16\x03\x03\xff\xff", 5 },
		/* 4 */ { "\x15\x03\x03\x00\x02\x02\x28", 7 },
		/* 5 */ { "\x17\x03\x03\x00\x01\x00", 6 },
		/* 6 */ { "\x16\x03\x01\x00\x04\x01\x00\x00\x00", 9 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct sgw_tls_conn *c = sgw_tls_conn_create(fx.ec, NULL, NULL);
		uint8_t out[256];

		print_message("case %zu\n", i + 1);
		assert_non_null(c);
		assert_int_equal(sgw_tls_conn_input(c, (const uint8_t *)inputs[i].data,
						    inputs[i].len), SGW_TLS_FAILED);
		print_message("  -> %s\n", sgw_tls_conn_error(c));
		assert_string_not_equal(sgw_tls_conn_error(c), "no error");
		(void)sgw_tls_conn_output(c, out, sizeof(out));
		sgw_tls_conn_destroy(c);
	}
}

/* A partial ClientHello is not an error: more input is wanted. */
static void test_partial(void **state)
{
	struct client_opts o = { TLS1_2_VERSION, TLS1_3_VERSION };
	struct pair p;
	uint8_t buf[4096];
	size_t n;

	(void)state;
	pair_open(&p, fx.ec, &o);
	assert_true(SSL_do_handshake(p.cli) <= 0);
	n = take(p.cwbio, buf, sizeof(buf));
	assert_true(n > 10);
	for (size_t i = 0; i + 1 < n; i++) {
		assert_int_equal(sgw_tls_conn_input(p.srv, buf + i, 1), SGW_TLS_WANT_INPUT);
		assert_int_equal(sgw_tls_conn_output_pending(p.srv), 0);
	}
	assert_int_equal(sgw_tls_conn_input(p.srv, buf + n - 1, 1), SGW_TLS_WANT_INPUT);
	assert_true(sgw_tls_conn_output_pending(p.srv) > 100);
	pair_close(&p);
}

static void test_client_cert(void **state)
{
	struct client_opts o = { TLS1_2_VERSION, TLS1_3_VERSION, .cert = true };
	struct pair p;
	const struct sgw_x509_result *res;

	(void)state;
	pair_open(&p, fx.mutual, &o);
	assert_int_equal(handshake(&p, &o), SGW_TLS_DONE);
	res = sgw_tls_conn_peer(p.srv);
	assert_int_equal(res->verdict, SGW_X509_OK);
	assert_memory_equal(res->thumbprint, fx.client.thumbprint, 20);
	assert_string_equal(res->cn, "alice");
	pair_close(&p);
}

struct create_case {
	const char *name;
	int which;        /* what to break */
	const char *reason;
};

static const struct create_case create_cases[] = {
	/* 1 */ { "missing cert file", 0, "cert_file /nonexistent/x.pem" },
	/* 2 */ { "missing key file", 1, "key_file /nonexistent/y.pem" },
	/* 3 */ { "key of another cert", 2, "does not match" },
	/* 4 */ { "TLS 1.1 minimum", 3, "only 1.2 and 1.3" },
	/* 5 */ { "min above max", 4, "only 1.2 and 1.3" },
	/* 6 */ { "bogus cipher list", 5, "ciphers" },
	/* 7 */ { "no files", 6, "required" },
};

static void test_server_create_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++) {
		const struct create_case *c = &create_cases[i];
		struct sgw_tls_server_cfg cfg = {
			.cert_file = fx.srv_ec.chain_path, .key_file = fx.srv_ec.key_path,
		};
		char err[256] = "";

		print_message("case %zu: %s\n", i + 1, c->name);
		switch (c->which) {
		case 0: cfg.cert_file = "/nonexistent/x.pem"; break;
		case 1: cfg.key_file = "/nonexistent/y.pem"; break;
		case 2: cfg.key_file = fx.srv_rsa.key_path; break;
		case 3: cfg.min_version = 0x0302; break;
		case 4: cfg.min_version = SGW_TLS_VERSION_1_3;
			cfg.max_version = SGW_TLS_VERSION_1_2; break;
		case 5: cfg.ciphers12 = "NOPE-NOT-A-CIPHER"; break;
		default: cfg.cert_file = NULL; break;
		}
		assert_null(sgw_tls_server_create(&cfg, err, sizeof(err)));
		print_message("  -> %s\n", err);
		assert_non_null(strstr(err, c->reason));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_suites),
		cmocka_unit_test(test_leftover),
		cmocka_unit_test(test_close_notify_12),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_sni_ok),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_client_cert),
		cmocka_unit_test(test_server_create_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
