/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-TLS peer for the test client: see eaptls_peer.h. Test code, so it may
 * allocate at creation; every buffer is bounded and every loop has a cap.
 */
#include "tests/support/eaptls_peer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

enum {
	FLAGS_RESERVED = 0x1f, /* RFC 5216 3.1: reserved, sent as zero */
	HDR_LEN = 5,           /* flags + TLS Message Length */
	MAX_FRAG = 4000,       /* one SSTP packet carries at most 4091 bytes */
	MIN_FRAG = 16,
	APP_READ_MAX = 16,     /* bound on SSL_read calls per request */
};

struct eaptls_peer {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio; /* server -> us */
	BIO *wbio; /* us -> server */
	size_t frag;
	bool started, done, tls_failed, commitment, pppd_249;
	unsigned tickets;
	/* The server's flight being reassembled (RFC 5216 2.1.5). */
	uint8_t *in;
	size_t in_len;
	uint32_t in_total;
	bool in_has_total;
	/* Our flight being sent fragment by fragment; out_len 0: none. */
	uint8_t *out;
	size_t out_len, out_off;
	unsigned sent, acked;
	char err[192];
	char tls_err[256];
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

__attribute__((format(printf, 2, 3)))
static enum eaptls_peer_status fail(struct eaptls_peer *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(p->err, sizeof(p->err), fmt, ap);
		va_end(ap);
	}
	return EAPTLS_PEER_ERROR;
}

/* Our own TLS failure: remember the first reason (OpenSSL's queue, plus the
 * certificate verdict when that is what failed). */
static void note_tls_failure(struct eaptls_peer *p, const char *what)
{
	char reason[160] = "no OpenSSL reason";
	unsigned long e = ERR_peek_last_error();
	long v = SSL_get_verify_result(p->ssl);

	p->tls_failed = true;
	if (p->tls_err[0] != '\0')
		return;
	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	if (v != X509_V_OK)
		snprintf(p->tls_err, sizeof(p->tls_err), "%s: %s (verify: %s)",
			 what, reason, X509_verify_cert_error_string(v));
	else
		snprintf(p->tls_err, sizeof(p->tls_err), "%s: %s", what, reason);
	ERR_clear_error();
}

/* Intermediates from chain_file, skipping our own certificate if the file
 * starts with it (testpki's chain files do). */
static int load_chain(SSL_CTX *ctx, const char *path)
{
	X509 *leaf = SSL_CTX_get0_certificate(ctx);
	FILE *f = fopen(path, "r");
	X509 *x;
	int n = 0;

	if (f == NULL)
		return -1;
	while (n < 16 && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		n++;
		if (leaf != NULL && X509_cmp(leaf, x) == 0) {
			X509_free(x);
			continue;
		}
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			fclose(f);
			return -1;
		}
	}
	ERR_clear_error(); /* PEM_read_X509's end-of-file "error" */
	fclose(f);
	return 0;
}

static int setup_ctx(SSL_CTX *ctx, const struct eaptls_peer_cfg *cfg)
{
	uint16_t max = cfg->tls_max != 0 ? cfg->tls_max : TLS1_2_VERSION;

	if (SSL_CTX_set_max_proto_version(ctx, max) != 1)
		return -1;
	if (cfg->cert_file != NULL &&
	    SSL_CTX_use_certificate_file(ctx, cfg->cert_file, SSL_FILETYPE_PEM) != 1)
		return -1;
	if (cfg->key_file != NULL &&
	    SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1)
		return -1;
	if (cfg->chain_file != NULL && load_chain(ctx, cfg->chain_file) != 0)
		return -1;
	if (cfg->ca_file == NULL) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return 0;
	}
	if (SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1)
		return -1;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return 0;
}

/* A NewSessionTicket (or a TLS 1.2 session): counted, not kept. */
static int on_ticket(SSL *ssl, SSL_SESSION *sess)
{
	struct eaptls_peer *p = SSL_get_app_data(ssl);

	(void)sess;
	if (p != NULL)
		p->tickets++;
	return 0;
}

struct eaptls_peer *eaptls_peer_create(const struct eaptls_peer_cfg *cfg)
{
	struct eaptls_peer *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->frag = cfg->frag != 0 ? cfg->frag : EAPTLS_PEER_DEFAULT_FRAG;
	if (p->frag > MAX_FRAG)
		p->frag = MAX_FRAG;
	if (p->frag < MIN_FRAG)
		p->frag = MIN_FRAG;
	p->in = malloc(EAPTLS_PEER_MAX_MESSAGE);
	p->out = malloc(EAPTLS_PEER_MAX_MESSAGE);
	p->ctx = SSL_CTX_new(TLS_client_method());
	if (p->in == NULL || p->out == NULL || p->ctx == NULL)
		goto err;
	if (setup_ctx(p->ctx, cfg) != 0)
		goto err;
	p->ssl = SSL_new(p->ctx);
	p->rbio = BIO_new(BIO_s_mem());
	p->wbio = BIO_new(BIO_s_mem());
	if (p->ssl == NULL || p->rbio == NULL || p->wbio == NULL)
		goto err;
	SSL_set_bio(p->ssl, p->rbio, p->wbio); /* the SSL owns both now */
	SSL_set_app_data(p->ssl, p);
	p->pppd_249 = cfg->pppd_249;
	SSL_CTX_set_session_cache_mode(p->ctx, SSL_SESS_CACHE_CLIENT |
				       SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(p->ctx, on_ticket);
	SSL_set_connect_state(p->ssl);
	return p;
err:
	if (p->ssl == NULL) {
		BIO_free(p->rbio);
		BIO_free(p->wbio);
	}
	ERR_clear_error();
	eaptls_peer_destroy(p);
	return NULL;
}

void eaptls_peer_destroy(struct eaptls_peer *p)
{
	if (p == NULL)
		return;
	SSL_free(p->ssl);
	SSL_CTX_free(p->ctx);
	free(p->in);
	free(p->out);
	free(p);
}

/* The next fragment of our flight (RFC 5216 2.1.5): L and the total length
 * on the first of several, M on all but the last. */
static enum eaptls_peer_status emit(struct eaptls_peer *p, uint8_t *out,
				    size_t cap, size_t *out_len)
{
	size_t rest = p->out_len - p->out_off;
	size_t n = rest < p->frag ? rest : p->frag;
	bool first = p->out_off == 0, more = n < rest;
	size_t i = 1;

	if (cap < n + HDR_LEN)
		return fail(p, "EAP-TLS: response buffer too small");
	out[0] = 0;
	if (more)
		out[0] |= EAPTLS_PEER_FLAG_M;
	if (first && more) {
		out[0] |= EAPTLS_PEER_FLAG_L;
		put32(out + 1, (uint32_t)p->out_len);
		i += 4;
	}
	memcpy(out + i, p->out + p->out_off, n);
	p->out_off += n;
	p->sent++;
	if (p->out_off == p->out_len)
		p->out_len = p->out_off = 0;
	*out_len = i + n;
	return EAPTLS_PEER_SEND;
}

/* An empty EAP-TLS response: acknowledges a fragment, or says we have
 * nothing more to send (RFC 5216 2.1.1, 2.1.5). */
static enum eaptls_peer_status ack(uint8_t *out, size_t cap, size_t *out_len)
{
	if (cap < 1)
		return EAPTLS_PEER_ERROR;
	out[0] = 0;
	*out_len = 1;
	return EAPTLS_PEER_SEND;
}

/* RFC 9190 2.1.1: after the handshake, the server's one application byte
 * 0x00 commits it to not sending more handshake messages. */
static enum eaptls_peer_status read_app(struct eaptls_peer *p)
{
	uint8_t buf[64];
	int i, n, e;

	for (i = 0; i < APP_READ_MAX; i++) {
		ERR_clear_error();
		n = SSL_read(p->ssl, buf, sizeof(buf));
		if (n > 0) {
			if (SSL_version(p->ssl) != TLS1_3_VERSION ||
			    n != 1 || buf[0] != 0 || p->commitment)
				return fail(p, "EAP-TLS: unexpected application data (%d bytes, first 0x%02x)",
					    n, buf[0]);
			p->commitment = true;
			continue;
		}
		e = SSL_get_error(p->ssl, n);
		if (e == SSL_ERROR_WANT_READ)
			return EAPTLS_PEER_SEND;
		if (e == SSL_ERROR_ZERO_RETURN)
			return fail(p, "EAP-TLS: server sent close_notify instead of the commitment byte");
		note_tls_failure(p, "EAP-TLS read");
		return EAPTLS_PEER_SEND;
	}
	return fail(p, "EAP-TLS: too much application data");
}

/* Run the TLS client on what the server sent; take its output as our next
 * flight. */
static enum eaptls_peer_status step(struct eaptls_peer *p, uint8_t *out,
				    size_t cap, size_t *out_len)
{
	enum eaptls_peer_status st = EAPTLS_PEER_SEND;
	int r, pending;

	if (!p->done && !p->tls_failed) {
		ERR_clear_error();
		r = SSL_do_handshake(p->ssl);
		if (r == 1)
			p->done = true;
		else if (SSL_get_error(p->ssl, r) != SSL_ERROR_WANT_READ)
			note_tls_failure(p, "EAP-TLS handshake");
	}
	if (p->done && !p->tls_failed)
		st = read_app(p);
	if (st != EAPTLS_PEER_SEND)
		return st;
	pending = BIO_read(p->wbio, p->out, EAPTLS_PEER_MAX_MESSAGE);
	if (BIO_ctrl_pending(p->wbio) != 0)
		return fail(p, "EAP-TLS: our flight exceeds %d bytes", EAPTLS_PEER_MAX_MESSAGE);
	if (pending <= 0)
		return ack(out, cap, out_len);
	p->out_len = (size_t)pending;
	p->out_off = 0;
	return emit(p, out, cap, out_len);
}

static enum eaptls_peer_status start(struct eaptls_peer *p, const uint8_t *in,
				     size_t len, uint8_t *out, size_t cap,
				     size_t *out_len)
{
	if (p->started)
		return fail(p, "EAP-TLS: second Start");
	if ((in[0] & (EAPTLS_PEER_FLAG_L | EAPTLS_PEER_FLAG_M)) != 0 || len != 1)
		return fail(p, "EAP-TLS: Start with flags 0x%02x and %zu data bytes",
			    in[0], len - 1);
	p->started = true;
	return step(p, out, cap, out_len);
}

/* A fragment of the server's flight (RFC 5216 2.1.5): L on the first of
 * several, M on all but the last; each but the last gets an empty ack. */
static enum eaptls_peer_status fragment(struct eaptls_peer *p, const uint8_t *in,
					size_t len, uint8_t *out, size_t cap,
					size_t *out_len)
{
	uint8_t flags = in[0];
	size_t off = 1;
	uint32_t total;

	if ((flags & EAPTLS_PEER_FLAG_L) != 0) {
		if (len < HDR_LEN)
			return fail(p, "EAP-TLS: L flag without a length");
		total = get32(in + 1);
		off = HDR_LEN;
		if (total == 0 || total > EAPTLS_PEER_MAX_MESSAGE)
			return fail(p, "EAP-TLS: TLS Message Length %u", total);
		if (p->in_len != 0 && (!p->in_has_total || total != p->in_total))
			return fail(p, "EAP-TLS: TLS Message Length changed mid-message");
		p->in_total = total;
		p->in_has_total = true;
	} else if (p->in_len == 0 && (flags & EAPTLS_PEER_FLAG_M) != 0) {
		return fail(p, "EAP-TLS: first fragment without the L flag");
	}
	if (len == off)
		return fail(p, "EAP-TLS: request with no data and nothing to acknowledge");
	if (p->in_len + (len - off) > (p->in_has_total ? p->in_total : EAPTLS_PEER_MAX_MESSAGE))
		return fail(p, "EAP-TLS: fragments exceed the TLS Message Length");
	memcpy(p->in + p->in_len, in + off, len - off);
	p->in_len += len - off;
	if ((flags & EAPTLS_PEER_FLAG_M) != 0)
		return ack(out, cap, out_len);
	if (p->in_has_total && p->in_len != p->in_total)
		return fail(p, "EAP-TLS: message ended at %zu of %u bytes", p->in_len, p->in_total);
	if (BIO_write(p->rbio, p->in, (int)p->in_len) != (int)p->in_len)
		return fail(p, "EAP-TLS: BIO_write failed");
	p->in_len = 0;
	p->in_has_total = false;
	return step(p, out, cap, out_len);
}

enum eaptls_peer_status eaptls_peer_input(struct eaptls_peer *p,
					  const uint8_t *in, size_t len,
					  uint8_t *out, size_t cap,
					  size_t *out_len)
{
	*out_len = 0;
	if (p->err[0] != '\0')
		return EAPTLS_PEER_ERROR;
	if (len < 1)
		return fail(p, "EAP-TLS: request without flags");
	if ((in[0] & FLAGS_RESERVED) != 0)
		return fail(p, "EAP-TLS: reserved flag bits set (0x%02x)", in[0]);
	if ((in[0] & EAPTLS_PEER_FLAG_S) != 0)
		return start(p, in, len, out, cap, out_len);
	if (!p->started)
		return fail(p, "EAP-TLS: request before Start");
	if (p->out_len != 0) {
		/* Mid-flight: only an empty request (the ack) is allowed. */
		if (len != 1 || in[0] != 0)
			return fail(p, "EAP-TLS: expected an ack of our fragment %u, got flags 0x%02x and %zu bytes",
				    p->sent, in[0], len - 1);
		p->acked++;
		return emit(p, out, cap, out_len);
	}
	return fragment(p, in, len, out, cap, out_len);
}

bool eaptls_peer_handshake_done(const struct eaptls_peer *p)
{
	return p->done && !p->tls_failed;
}

bool eaptls_peer_commitment_seen(const struct eaptls_peer *p)
{
	return p->commitment;
}

bool eaptls_peer_may_succeed(const struct eaptls_peer *p)
{
	if (!eaptls_peer_handshake_done(p))
		return false;
	if (SSL_version(p->ssl) != TLS1_3_VERSION)
		return true;
	return p->pppd_249 ? p->tickets > 0 : p->commitment;
}

unsigned eaptls_peer_tickets(const struct eaptls_peer *p)
{
	return p->tickets;
}

uint16_t eaptls_peer_version(const struct eaptls_peer *p)
{
	return p->done ? (uint16_t)SSL_version(p->ssl) : 0;
}

int eaptls_peer_msk(struct eaptls_peer *p, uint8_t msk[EAPTLS_PEER_MSK_LEN])
{
	/* MSK || EMSK: 128 bytes of key material, MSK the first 64. */
	static const char label12[] = "client EAP encryption";
	static const char label13[] = "EXPORTER_EAP_TLS_Key_Material";
	static const uint8_t ctx13[1] = { 0x0d }; /* the EAP-TLS Type */
	uint8_t km[128];
	int r;

	if (!eaptls_peer_handshake_done(p))
		return -1;
	ERR_clear_error();
	/* pppd 2.4.9 passes the context but use_context = 0: no context. */
	if (SSL_version(p->ssl) == TLS1_3_VERSION)
		r = SSL_export_keying_material(p->ssl, km, sizeof(km), label13,
					       sizeof(label13) - 1, ctx13,
					       sizeof(ctx13), !p->pppd_249);
	else
		r = SSL_export_keying_material(p->ssl, km, sizeof(km), label12,
					       sizeof(label12) - 1, NULL, 0, 0);
	if (r == 1)
		memcpy(msk, km, EAPTLS_PEER_MSK_LEN);
	OPENSSL_cleanse(km, sizeof(km));
	return r == 1 ? 0 : -1;
}

const char *eaptls_peer_error(const struct eaptls_peer *p)
{
	return p->err;
}

const char *eaptls_peer_tls_error(const struct eaptls_peer *p)
{
	return p->tls_err;
}

unsigned eaptls_peer_frags_sent(const struct eaptls_peer *p)
{
	return p->sent;
}

unsigned eaptls_peer_frags_acked(const struct eaptls_peer *p)
{
	return p->acked;
}
