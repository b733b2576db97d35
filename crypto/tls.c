/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS server handshakes over two memory BIOs (rbio: bytes from the client,
 * wbio: bytes for it). OpenSSL runs only the handshake; the traffic keys are
 * then exported to crypto/record.c and the SSL object is freed.
 *
 * read_ahead stays off (the OpenSSL default), so OpenSSL reads each record
 * header and then exactly that record's body: once the handshake completes,
 * whatever is still in rbio is the client's first application data, which
 * the record layer decrypts (sgw_tls_conn_take_leftover).
 */
#include "crypto/tls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto/tls_kdf.h"
#include "crypto/x509_internal.h"

/* RFC 5289 / RFC 7905: ECDHE with AEAD only, strongest-cheapest first. */
static const char default_ciphers12[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
static const char default_suites13[] =
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

enum { ERR_LEN = 224, EAP_KEYING_LEN = SGW_EAP_MSK_LEN + SGW_EAP_EMSK_LEN };

struct sgw_tls_server {
	SSL_CTX *ctx;
	bool verify_client;
	char *sni_host;
	uint8_t cert_sha1[20];
	uint8_t cert_sha256[32];
};

enum conn_state {
	CONN_HANDSHAKE,
	CONN_DONE,
	CONN_FAILED,
};

/* One direction's TLS 1.3 application traffic secret, from the key log. */
struct secret {
	uint8_t buf[SGW_TLS_MAX_SECRET_LEN];
	uint8_t len;
};

struct sgw_tls_conn {
	SSL *ssl;
	BIO *rbio; /* owned by ssl */
	BIO *wbio; /* owned by ssl */
	struct sgw_tls_server *srv;
	struct sgw_policy fixed;          /* sgw_tls_conn_create() */
	const struct sgw_policy *policy;  /* &fixed, or a live one */
	enum conn_state state;
	bool verify_failed;   /* our verify callback refused the chain */
	bool sni_failed;
	struct secret client_secret;
	struct secret server_secret;
	struct sgw_x509_result peer;
	char err[ERR_LEN];
};

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* The OpenSSL error as one line, or fallback. A system error (no such
 * file...) comes first in the queue and says the most. */
static const char *openssl_reason(const char *fallback)
{
	unsigned long first = ERR_peek_error(), e = ERR_peek_last_error();
	const char *r;

	if (first != 0 && ERR_GET_LIB(first) == ERR_LIB_SYS)
		return strerror(ERR_GET_REASON(first));
	r = e != 0 ? ERR_reason_error_string(e) : NULL;
	return r != NULL ? r : fallback;
}

/* --- server --- */

static int tls_version(uint16_t v, int dflt)
{
	switch (v) {
	case 0:
		return dflt;
	case SGW_TLS_VERSION_1_2:
		return TLS1_2_VERSION;
	case SGW_TLS_VERSION_1_3:
		return TLS1_3_VERSION;
	}
	return -1; /* TLS 1.0/1.1 and anything else: refused */
}

static int hash_leaf(struct sgw_tls_server *s)
{
	X509 *leaf = SSL_CTX_get0_certificate(s->ctx);
	unsigned char *der = NULL;
	int len = leaf != NULL ? i2d_X509(leaf, &der) : -1;
	int rc = -EINVAL;

	if (len > 0 &&
	    EVP_Digest(der, (size_t)len, s->cert_sha1, NULL, EVP_sha1(), NULL) == 1 &&
	    EVP_Digest(der, (size_t)len, s->cert_sha256, NULL, EVP_sha256(), NULL) == 1)
		rc = 0;
	OPENSSL_free(der);
	return rc;
}

static struct sgw_tls_conn *conn_of(SSL *ssl)
{
	return SSL_get_app_data(ssl);
}

/* SNI (RFC 6066 3): a client that names a host must name ours; a client
 * that sends no SNI is accepted (sstpc sends none without --tls-ext). */
static int servername_cb(SSL *ssl, int *alert, void *arg)
{
	struct sgw_tls_server *s = arg;
	struct sgw_tls_conn *c = conn_of(ssl);
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	if (s->sni_host == NULL || name == NULL || strcasecmp(name, s->sni_host) == 0)
		return SSL_TLSEXT_ERR_OK;
	if (c != NULL) {
		c->sni_failed = true;
		set_err(c->err, sizeof(c->err),
			"SNI \"%.64s\" is not \"%.64s\": alert unrecognized_name sent",
			name, s->sni_host);
	}
	*alert = SSL_AD_UNRECOGNIZED_NAME;
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* TLS 1.3 secrets as OpenSSL logs them (NSS key log format):
 * "<LABEL> <64 hex client_random> <hex secret>". Only the two application
 * traffic secrets are kept; the rest are ignored. */
static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = OPENSSL_hexchar2int((unsigned char)s[2 * i]) << 4 |
			OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);

		if (v < 0)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static void keep_secret(struct secret *sec, const char *hex)
{
	size_t n = strlen(hex) / 2;

	if (n == 0 || n > sizeof(sec->buf) || strlen(hex) != 2 * n ||
	    unhex(hex, n, sec->buf) != 0) {
		OPENSSL_cleanse(sec, sizeof(*sec));
		return;
	}
	sec->len = (uint8_t)n;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
	static const char client[] = "CLIENT_TRAFFIC_SECRET_0 ";
	static const char server[] = "SERVER_TRAFFIC_SECRET_0 ";
	struct sgw_tls_conn *c = SSL_get_app_data(ssl);
	struct secret *sec = NULL;
	const char *p = line;

	if (c == NULL)
		return;
	if (strncmp(line, client, sizeof(client) - 1) == 0)
		sec = &c->client_secret;
	else if (strncmp(line, server, sizeof(server) - 1) == 0)
		sec = &c->server_secret;
	if (sec == NULL)
		return;
	p += sizeof(client) - 1;
	p = strchr(p, ' '); /* skip the client random */
	if (p != NULL)
		keep_secret(sec, p + 1);
}

/* OpenSSL maps these to the alert it sends (ssl_x509err2alert). */
static int x509_error_of(enum sgw_x509_verdict v)
{
	switch (v) {
	case SGW_X509_OK:
		return X509_V_OK;
	case SGW_X509_EXPIRED:
		return X509_V_ERR_CERT_HAS_EXPIRED;
	case SGW_X509_NOT_YET_VALID:
		return X509_V_ERR_CERT_NOT_YET_VALID;
	case SGW_X509_REVOKED:
		return X509_V_ERR_CERT_REVOKED;
	case SGW_X509_UNKNOWN_ROOT:
		return X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
	case SGW_X509_NO_CLIENT_AUTH_EKU:
		return X509_V_ERR_INVALID_PURPOSE;
	case SGW_X509_NO_CERT:
	case SGW_X509_MALFORMED:
	case SGW_X509_BAD_CHAIN:
		break;
	}
	return X509_V_ERR_CERT_REJECTED;
}

static void peer_error(struct sgw_tls_conn *c)
{
	char tp[SGW_THUMBPRINT_HEX + 1];

	const char *d = c->peer.detail;

	sgw_thumbprint_format(c->peer.thumbprint, tp);
	if (d[0] == '\0' || strstr(d, tp) != NULL)
		d = NULL; /* nothing the thumbprint does not already say */
	set_err(c->err, sizeof(c->err), "client certificate: %s (thumbprint %s)%s%.120s",
		sgw_x509_verdict_str(c->peer.verdict), tp, d != NULL ? "; " : "",
		d != NULL ? d : "");
}

/* Replaces OpenSSL's chain building: our policy (trust store of roots,
 * clientAuth EKU, revoked thumbprints) lives in crypto/x509.c. Returning 0
 * makes OpenSSL fail the handshake with the alert for the error set here. */
static int verify_cb(X509_STORE_CTX *xctx, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xctx,
					      SSL_get_ex_data_X509_STORE_CTX_idx());
	struct sgw_tls_conn *c = ssl != NULL ? conn_of(ssl) : NULL;
	X509 *leaf = X509_STORE_CTX_get0_cert(xctx);
	enum sgw_x509_verdict v;

	(void)arg;
	if (c == NULL || leaf == NULL) {
		X509_STORE_CTX_set_error(xctx, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	/* One read of each: the snapshot stays valid for this call (RCU). */
	v = sgw_x509_verify_chain(__atomic_load_n(&c->policy->trust, __ATOMIC_ACQUIRE),
				  __atomic_load_n(&c->policy->revoked, __ATOMIC_ACQUIRE), leaf,
				  X509_STORE_CTX_get0_untrusted(xctx), time(NULL),
				  &c->peer);
	X509_STORE_CTX_set_error(xctx, x509_error_of(v));
	if (v == SGW_X509_OK)
		return 1;
	c->verify_failed = true;
	peer_error(c);
	return 0;
}

static int ctx_options(SSL_CTX *ctx, const struct sgw_tls_server_cfg *cfg,
		       char *err, size_t err_len)
{
	int lo = tls_version(cfg->min_version, TLS1_2_VERSION);
	int hi = tls_version(cfg->max_version, TLS1_3_VERSION);

	if (lo < 0 || hi < 0 || lo > hi) {
		set_err(err, err_len, "TLS versions: only 1.2 and 1.3 are allowed (min <= max)");
		return -EINVAL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	/* No session cache, so nothing can ever be resumed: every client
	 * certificate is verified against the current roots and revoked set.
	 * Outer TLS sends no tickets either, so the first application record
	 * in each direction has a known sequence number. EAP-TLS sends one
	 * TLS 1.3 ticket: Debian's pppd 2.4.9 takes the handshake as finished
	 * only once it has one (eaptls_is_init_finished). With
	 * SSL_OP_NO_TICKET it is a stateful ticket naming a session that was
	 * never cached, so it cannot resume anything. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_num_tickets(ctx, cfg->verify_client ? 1 : 0) != 1 ||
	    SSL_CTX_set_min_proto_version(ctx, lo) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, hi) != 1) {
		set_err(err, err_len, "TLS options: %s", openssl_reason("refused"));
		return -EINVAL;
	}
	if (SSL_CTX_set_cipher_list(ctx, cfg->ciphers12 != NULL ?
				    cfg->ciphers12 : default_ciphers12) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, cfg->suites13 != NULL ?
				     cfg->suites13 : default_suites13) != 1) {
		set_err(err, err_len, "ciphers: %s", openssl_reason("no usable cipher"));
		return -EINVAL;
	}
	return 0;
}

static int ctx_credentials(struct sgw_tls_server *s,
			   const struct sgw_tls_server_cfg *cfg,
			   char *err, size_t err_len)
{
	if (cfg->cert_file == NULL || cfg->key_file == NULL) {
		set_err(err, err_len, "cert_file and key_file are required");
		return -EINVAL;
	}
	if (SSL_CTX_use_certificate_chain_file(s->ctx, cfg->cert_file) != 1) {
		set_err(err, err_len, "cert_file %s: %s", cfg->cert_file,
			openssl_reason("cannot load"));
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(s->ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
		set_err(err, err_len, "key_file %s: %s", cfg->key_file,
			openssl_reason("cannot load"));
		return -EINVAL;
	}
	if (SSL_CTX_check_private_key(s->ctx) != 1) {
		set_err(err, err_len, "key_file %s does not match cert_file %s",
			cfg->key_file, cfg->cert_file);
		return -EINVAL;
	}
	if (hash_leaf(s) != 0) {
		set_err(err, err_len, "cert_file %s: cannot hash the leaf", cfg->cert_file);
		return -EINVAL;
	}
	return 0;
}

static void ctx_callbacks(struct sgw_tls_server *s)
{
	SSL_CTX_set_keylog_callback(s->ctx, keylog_cb);
	if (s->sni_host != NULL) {
		SSL_CTX_set_tlsext_servername_callback(s->ctx, servername_cb);
		SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
	}
	if (s->verify_client) {
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER |
				   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		SSL_CTX_set_cert_verify_callback(s->ctx, verify_cb, s);
	}
}

struct sgw_tls_server *sgw_tls_server_create(const struct sgw_tls_server_cfg *cfg,
					     char *err, size_t err_len)
{
	struct sgw_tls_server *s = calloc(1, sizeof(*s));

	set_err(err, err_len, "out of memory");
	if (s == NULL)
		return NULL;
	ERR_clear_error();
	s->verify_client = cfg->verify_client;
	if (cfg->sni_host != NULL && (s->sni_host = strdup(cfg->sni_host)) == NULL)
		goto err;
	s->ctx = SSL_CTX_new(TLS_server_method());
	if (s->ctx == NULL)
		goto err;
	if (ctx_options(s->ctx, cfg, err, err_len) != 0 ||
	    ctx_credentials(s, cfg, err, err_len) != 0)
		goto err;
	ctx_callbacks(s);
	set_err(err, err_len, "%s", "");
	return s;
err:
	sgw_tls_server_destroy(s);
	return NULL;
}

void sgw_tls_server_destroy(struct sgw_tls_server *s)
{
	if (s == NULL)
		return;
	SSL_CTX_free(s->ctx);
	free(s->sni_host);
	free(s);
}

void sgw_tls_server_cert_hashes(const struct sgw_tls_server *s,
				uint8_t sha1[20], uint8_t sha256[32])
{
	memcpy(sha1, s->cert_sha1, 20);
	memcpy(sha256, s->cert_sha256, 32);
}

/* Alerts in either direction, for the error line. */
static void info_cb(const SSL *ssl, int where, int ret)
{
	struct sgw_tls_conn *c = SSL_get_app_data(ssl);

	if (c == NULL || (where & SSL_CB_ALERT) == 0 || c->err[0] != '\0')
		return;
	if ((where & SSL_CB_READ) != 0)
		set_err(c->err, sizeof(c->err), "TLS alert received: %s",
			SSL_alert_desc_string_long(ret));
	else
		set_err(c->err, sizeof(c->err), "TLS alert sent: %s (%s)",
			SSL_alert_desc_string_long(ret), openssl_reason("no detail"));
}

/* --- connection --- */

struct sgw_tls_conn *sgw_tls_conn_create(struct sgw_tls_server *s,
					 const struct sgw_trust *trust,
					 const struct sgw_revoked *revoked)
{
	struct sgw_tls_conn *c = sgw_tls_conn_create_policy(s, NULL);

	if (c != NULL) {
		c->fixed.trust = trust;
		c->fixed.revoked = revoked;
	}
	return c;
}

struct sgw_tls_conn *sgw_tls_conn_create_policy(struct sgw_tls_server *s,
						const struct sgw_policy *p)
{
	struct sgw_tls_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	ERR_clear_error();
	c->srv = s;
	c->policy = p != NULL ? p : &c->fixed;
	c->peer.verdict = SGW_X509_NO_CERT;
	c->peer.root_id = -1;
	c->ssl = SSL_new(s->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		SSL_free(c->ssl);
		free(c);
		return NULL;
	}
	/* An empty rbio means "more later", not end of stream. */
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_app_data(c->ssl, c);
	SSL_set_info_callback(c->ssl, info_cb);
	SSL_set_read_ahead(c->ssl, 0);
	SSL_set_accept_state(c->ssl);
	return c;
}

void sgw_tls_conn_destroy(struct sgw_tls_conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl); /* frees both BIOs; OpenSSL wipes its own secrets */
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

/* Why the handshake failed, unless a callback already said it better. */
static void failure_reason(struct sgw_tls_conn *c, int ssl_err)
{
	unsigned long e = ERR_peek_last_error();

	if (c->verify_failed || c->sni_failed)
		return;
	if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
		c->peer.verdict = SGW_X509_NO_CERT;
		set_err(c->err, sizeof(c->err), "client certificate: %s",
			sgw_x509_verdict_str(SGW_X509_NO_CERT));
		return;
	}
	if (c->err[0] != '\0')
		return; /* an alert the info callback recorded */
	if (ssl_err == SSL_ERROR_ZERO_RETURN)
		set_err(c->err, sizeof(c->err), "client closed during the handshake");
	else
		set_err(c->err, sizeof(c->err), "TLS handshake: %s",
			openssl_reason("failed"));
}

static enum sgw_tls_status handshake(struct sgw_tls_conn *c)
{
	int rc, e;

	ERR_clear_error();
	rc = SSL_do_handshake(c->ssl);
	if (rc == 1) {
		c->state = CONN_DONE;
		return SGW_TLS_DONE;
	}
	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ)
		return SGW_TLS_WANT_INPUT;
	/* WANT_WRITE cannot happen on a memory BIO; every other outcome is
	 * fatal for the handshake (STYLE.md: want-read, done, failed). */
	failure_reason(c, e);
	c->state = CONN_FAILED;
	return SGW_TLS_FAILED;
}

enum sgw_tls_status sgw_tls_conn_input(struct sgw_tls_conn *c,
				       const uint8_t *in, size_t len)
{
	if (c->state == CONN_FAILED)
		return SGW_TLS_FAILED;
	if (len > 0 && (len > INT32_MAX || BIO_write(c->rbio, in, (int)len) != (int)len)) {
		set_err(c->err, sizeof(c->err), "out of memory buffering input");
		c->state = CONN_FAILED;
		return SGW_TLS_FAILED;
	}
	if (c->state == CONN_DONE)
		return SGW_TLS_DONE; /* kept for sgw_tls_conn_take_leftover() */
	return handshake(c);
}

size_t sgw_tls_conn_output_pending(const struct sgw_tls_conn *c)
{
	return BIO_ctrl_pending(c->wbio);
}

static size_t drain(BIO *b, uint8_t *out, size_t cap)
{
	size_t n = BIO_ctrl_pending(b);
	int got;

	if (n > cap)
		n = cap;
	if (n == 0 || n > INT32_MAX)
		return 0;
	got = BIO_read(b, out, (int)n);
	return got > 0 ? (size_t)got : 0;
}

size_t sgw_tls_conn_output(struct sgw_tls_conn *c, uint8_t *out, size_t cap)
{
	return drain(c->wbio, out, cap);
}

size_t sgw_tls_conn_take_leftover(struct sgw_tls_conn *c, uint8_t *out, size_t cap)
{
	if (c->state != CONN_DONE)
		return 0;
	return drain(c->rbio, out, cap);
}

const char *sgw_tls_conn_error(const struct sgw_tls_conn *c)
{
	return c->err[0] != '\0' ? c->err : "no error";
}

enum sgw_tls_version sgw_tls_conn_version(const struct sgw_tls_conn *c)
{
	return SSL_version(c->ssl) == TLS1_3_VERSION ? SGW_TLS_VERSION_1_3 :
						       SGW_TLS_VERSION_1_2;
}

const char *sgw_tls_conn_cipher(const struct sgw_tls_conn *c)
{
	const SSL_CIPHER *ci = SSL_get_current_cipher(c->ssl);

	return ci != NULL ? SSL_CIPHER_get_name(ci) : "none";
}

const struct sgw_x509_result *sgw_tls_conn_peer(const struct sgw_tls_conn *c)
{
	return &c->peer;
}

/* --- key export --- */

/* The negotiated suite as our AEAD and hash: AEAD suites only. */
static int suite_of(const SSL *ssl, enum sgw_aead_alg *alg, enum sgw_tls_hash *h)
{
	const SSL_CIPHER *ci = SSL_get_current_cipher(ssl);
	const EVP_MD *md = ci != NULL ? SSL_CIPHER_get_handshake_digest(ci) : NULL;

	if (ci == NULL || md == NULL)
		return -EINVAL;
	switch (SSL_CIPHER_get_cipher_nid(ci)) {
	case NID_aes_128_gcm:
		*alg = SGW_AEAD_AES_128_GCM;
		break;
	case NID_aes_256_gcm:
		*alg = SGW_AEAD_AES_256_GCM;
		break;
	case NID_chacha20_poly1305:
		*alg = SGW_AEAD_CHACHA20_POLY1305;
		break;
	default:
		return -ENOTSUP;
	}
	*h = EVP_MD_get_type(md) == NID_sha384 ? SGW_TLS_HASH_SHA384 : SGW_TLS_HASH_SHA256;
	return 0;
}

/* RFC 8446 7.3: each direction's key and iv from its traffic secret; the
 * secret is kept for KeyUpdate (7.2). No tickets were sent, so both
 * directions start at sequence 0. */
static int export13(struct sgw_tls_conn *c, struct sgw_tls_keys *k)
{
	struct { const struct secret *from; struct sgw_tls_dir_keys *to; } dirs[] = {
		{ &c->client_secret, &k->rx },
		{ &c->server_secret, &k->tx },
	};
	size_t key_len = sgw_aead_key_len(k->alg);

	for (size_t i = 0; i < 2; i++) {
		const struct secret *s = dirs[i].from;
		struct sgw_tls_dir_keys *d = dirs[i].to;

		if (s->len != sgw_tls_hash_len(k->hash) ||
		    sgw_tls13_traffic_keys(k->hash, s->buf, s->len, d->key,
					   key_len, d->iv) != 0)
			return -EINVAL;
		memcpy(d->secret, s->buf, s->len);
		d->secret_len = s->len;
		d->seq = 0;
	}
	return 0;
}

/* RFC 5246 6.3 with RFC 5288: the key block from the master secret. The
 * Finished records used sequence 0, so application data starts at 1. */
static int export12(struct sgw_tls_conn *c, struct sgw_tls_keys *k)
{
	SSL_SESSION *sess = SSL_get_session(c->ssl);
	uint8_t master[SSL_MAX_MASTER_KEY_LENGTH], cr[32], sr[32];
	size_t mlen = sess != NULL ?
		SSL_SESSION_get_master_key(sess, master, sizeof(master)) : 0;
	int rc = -EINVAL;

	if (mlen == 0 || SSL_get_client_random(c->ssl, cr, 32) != 32 ||
	    SSL_get_server_random(c->ssl, sr, 32) != 32)
		goto out;
	/* RFC 7905 2: ChaCha20-Poly1305 has a 12-byte fixed iv and no
	 * explicit nonce; AES-GCM a 4-byte salt (RFC 5288 3). */
	rc = sgw_tls12_key_block(k->hash, master, mlen, cr, sr,
				 sgw_aead_key_len(k->alg),
				 k->alg == SGW_AEAD_CHACHA20_POLY1305 ? SGW_AEAD_IV_LEN : 4,
				 k->rx.key, k->tx.key, k->rx.iv, k->tx.iv);
	k->rx.seq = 1;
	k->tx.seq = 1;
out:
	OPENSSL_cleanse(master, sizeof(master));
	return rc;
}

/* One shot: the captured TLS 1.3 secrets are wiped once handed over. */
int sgw_tls_conn_export_keys(struct sgw_tls_conn *c, struct sgw_tls_keys *out)
{
	struct sgw_tls_keys k;
	int rc;

	if (c->state != CONN_DONE)
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	rc = suite_of(c->ssl, &k.alg, &k.hash);
	if (rc != 0)
		goto out;
	k.version = sgw_tls_conn_version(c);
	rc = k.version == SGW_TLS_VERSION_1_3 ? export13(c, &k) : export12(c, &k);
	if (rc == 0)
		*out = k;
out:
	OPENSSL_cleanse(&k, sizeof(k));
	/* The SSL keeps its own copies; ours are no longer needed. */
	OPENSSL_cleanse(&c->client_secret, sizeof(c->client_secret));
	OPENSSL_cleanse(&c->server_secret, sizeof(c->server_secret));
	return rc;
}

int sgw_tls_conn_export_eap(struct sgw_tls_conn *c,
			    uint8_t msk[SGW_EAP_MSK_LEN],
			    uint8_t emsk[SGW_EAP_EMSK_LEN])
{
	/* RFC 5216 2.3: Key_Material = TLS-PRF-128(master, "client EAP
	 * encryption", client.random || server.random). RFC 9190 2.3: the
	 * TLS 1.3 exporter with its own label and context 0x0D (the EAP-TLS
	 * Type). In both, MSK = bytes 0..63 and EMSK = 64..127. */
	static const char label12[] = "client EAP encryption";
	static const char label13[] = "EXPORTER_EAP_TLS_Key_Material";
	static const uint8_t type_tls = 0x0D;
	uint8_t km[EAP_KEYING_LEN];
	bool v13 = sgw_tls_conn_version(c) == SGW_TLS_VERSION_1_3;
	int ok;

	if (c->state != CONN_DONE)
		return -EINVAL;
	ERR_clear_error();
	if (v13)
		ok = SSL_export_keying_material(c->ssl, km, sizeof(km), label13,
						sizeof(label13) - 1, &type_tls, 1, 1);
	else
		ok = SSL_export_keying_material(c->ssl, km, sizeof(km), label12,
						sizeof(label12) - 1, NULL, 0, 0);
	if (ok == 1) {
		memcpy(msk, km, SGW_EAP_MSK_LEN);
		memcpy(emsk, km + SGW_EAP_MSK_LEN, SGW_EAP_EMSK_LEN);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return ok == 1 ? 0 : -EINVAL;
}

int sgw_tls_conn_export_eap_compat(struct sgw_tls_conn *c,
				   uint8_t msk[SGW_EAP_MSK_LEN])
{
	static const char label13[] = "EXPORTER_EAP_TLS_Key_Material";
	uint8_t km[EAP_KEYING_LEN];
	int ok;

	if (c->state != CONN_DONE)
		return -EINVAL;
	if (sgw_tls_conn_version(c) != SGW_TLS_VERSION_1_3)
		return -ENOENT;
	ERR_clear_error();
	ok = SSL_export_keying_material(c->ssl, km, sizeof(km), label13,
					sizeof(label13) - 1, NULL, 0, 0);
	if (ok == 1)
		memcpy(msk, km, SGW_EAP_MSK_LEN);
	OPENSSL_cleanse(km, sizeof(km));
	return ok == 1 ? 0 : -EINVAL;
}

int sgw_tls_conn_write_commitment(struct sgw_tls_conn *c)
{
	static const uint8_t commitment = 0x00;

	if (c->state != CONN_DONE)
		return -EIO;
	ERR_clear_error();
	return SSL_write(c->ssl, &commitment, 1) == 1 ? 0 : -EIO;
}
