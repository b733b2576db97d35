/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-TLS authenticator (RFC 5216; RFC 9190 for TLS 1.3) over the TLS
 * handshake driver of crypto/tls.c.
 *
 *   START_SENT/RX --(peer message complete)--> TLS --(our flight)--> TX
 *   TX --(ack per fragment)--> RX | FINISH_WAIT | ALERT_WAIT
 *   FINISH_WAIT --(empty response)--> SUCCESS
 *   ALERT_WAIT  --(any response)--> FAILURE
 *
 * The SSL object is freed as soon as the exchange ends; only the keys, the
 * certificate verdict and the error line are kept.
 */
#include "crypto/eaptls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* RFC 5216 3.1 flags. */
enum {
	FLAG_L = 0x80, /* length included */
	FLAG_M = 0x40, /* more fragments */
	FLAG_S = 0x20, /* start */
	HDR_LEN = 1,
	TLV_LEN = 4,   /* TLS Message Length */
	MAX_FRAG = 16384,
};

enum eaptls_state {
	ST_IDLE,        /* created, Start not sent yet */
	ST_RX,          /* receiving the peer's next TLS message */
	ST_TX,          /* sending our flight, waiting for an ack per fragment */
	ST_FINISH_WAIT, /* final message sent, waiting for the empty response */
	ST_ALERT_WAIT,  /* alert sent, waiting for the response to it */
	ST_SUCCESS,
	ST_FAILURE,
};

/* Where TX goes after its last fragment. */
enum tx_next {
	NEXT_RX,
	NEXT_FINISH,
	NEXT_ALERT,
};

struct sgw_eaptls {
	enum eaptls_state state;
	struct sgw_tls_conn *tls;
	size_t max_frag;
	/* Reassembly of the peer's message (RFC 5216 3.1). */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	size_t rx_declared;
	bool rx_has_declared;   /* an L flag announced rx_declared */
	unsigned rx_frags;
	/* Our flight, cut into max_frag pieces. */
	uint8_t *tx;
	size_t tx_len, tx_off;
	enum tx_next tx_next;
	unsigned tx_frags;
	/* Outcome. */
	bool have_keys;
	enum sgw_tls_version version;
	uint8_t msk[SGW_EAP_MSK_LEN];
	uint8_t emsk[SGW_EAP_EMSK_LEN];
	uint8_t msk_compat[SGW_EAP_MSK_LEN];
	bool have_msk_compat;
	struct sgw_x509_result peer;
	char err[256];
};

static void set_err(struct sgw_eaptls *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct sgw_eaptls *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
}

static struct sgw_eaptls *eaptls_new(struct sgw_tls_conn *tls, size_t max_frag)
{
	struct sgw_eaptls *e = tls != NULL ? calloc(1, sizeof(*e)) : NULL;

	if (e == NULL) {
		sgw_tls_conn_destroy(tls);
		return NULL;
	}
	e->tls = tls;
	if (max_frag < SGW_EAPTLS_MIN_FRAGMENT)
		max_frag = SGW_EAPTLS_MIN_FRAGMENT;
	e->max_frag = max_frag > MAX_FRAG ? MAX_FRAG : max_frag;
	e->peer.verdict = SGW_X509_NO_CERT;
	e->peer.root_id = -1;
	e->version = SGW_TLS_VERSION_1_2;
	return e;
}

struct sgw_eaptls *sgw_eaptls_create(struct sgw_tls_server *srv,
				     const struct sgw_trust *trust,
				     const struct sgw_revoked *revoked,
				     size_t max_frag)
{
	return eaptls_new(sgw_tls_conn_create(srv, trust, revoked), max_frag);
}

struct sgw_eaptls *sgw_eaptls_create_policy(struct sgw_tls_server *srv,
					    const struct sgw_policy *p, size_t max_frag)
{
	return eaptls_new(sgw_tls_conn_create_policy(srv, p), max_frag);
}

static void free_buffers(struct sgw_eaptls *e)
{
	free(e->rx);
	free(e->tx);
	e->rx = e->tx = NULL;
	e->rx_len = e->rx_cap = e->tx_len = e->tx_off = 0;
}

/* Keep the verdict, drop the SSL (about 46 KB) and the buffers. */
static void release_tls(struct sgw_eaptls *e)
{
	if (e->tls != NULL) {
		e->peer = *sgw_tls_conn_peer(e->tls);
		sgw_tls_conn_destroy(e->tls);
		e->tls = NULL;
	}
	free_buffers(e);
}

void sgw_eaptls_destroy(struct sgw_eaptls *e)
{
	if (e == NULL)
		return;
	release_tls(e);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
}

size_t sgw_eaptls_start(struct sgw_eaptls *e, uint8_t *out, size_t cap)
{
	if (e->state != ST_IDLE || cap < HDR_LEN)
		return 0;
	/* RFC 5216 2.1.1: EAP-TLS Start, S flag and no data. */
	out[0] = FLAG_S;
	e->state = ST_RX;
	return HDR_LEN;
}

static enum sgw_eaptls_status fail(struct sgw_eaptls *e, size_t *out_len)
{
	*out_len = 0;
	e->state = ST_FAILURE;
	release_tls(e);
	return SGW_EAPTLS_FAILURE;
}

static enum sgw_eaptls_status succeed(struct sgw_eaptls *e, size_t *out_len)
{
	*out_len = 0;
	e->state = ST_SUCCESS;
	release_tls(e);
	return SGW_EAPTLS_SUCCESS;
}

/* An empty request or response: the flags byte alone. */
static enum sgw_eaptls_status send_ack(uint8_t *out, size_t *out_len)
{
	out[0] = 0;
	*out_len = HDR_LEN;
	return SGW_EAPTLS_SEND;
}

/* --- our flight out --- */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* After the last fragment of a flight went out. */
static void flight_sent(struct sgw_eaptls *e)
{
	static const enum eaptls_state after[] = {
		[NEXT_RX] = ST_RX,
		[NEXT_FINISH] = ST_FINISH_WAIT,
		[NEXT_ALERT] = ST_ALERT_WAIT,
	};

	free(e->tx);
	e->tx = NULL;
	e->tx_len = e->tx_off = 0;
	e->state = after[e->tx_next];
}

/* RFC 5216 3.1: the first fragment of a fragmented message carries L and
 * the total length, every fragment but the last carries M. */
static enum sgw_eaptls_status send_fragment(struct sgw_eaptls *e, uint8_t *out,
					    size_t *out_len)
{
	size_t left = e->tx_len - e->tx_off;
	size_t n = left > e->max_frag ? e->max_frag : left;
	size_t hdr = HDR_LEN;

	out[0] = 0;
	if (e->tx_off == 0 && n < left) {
		out[0] = FLAG_L;
		put_be32(out + 1, (uint32_t)e->tx_len);
		hdr += TLV_LEN;
	}
	if (n < left)
		out[0] |= FLAG_M;
	memcpy(out + hdr, e->tx + e->tx_off, n);
	e->tx_off += n;
	e->tx_frags++;
	*out_len = hdr + n;
	if (e->tx_off == e->tx_len)
		flight_sent(e);
	return SGW_EAPTLS_SEND;
}

/* Move everything the TLS side wrote into our flight and send its first
 * fragment. */
static enum sgw_eaptls_status start_flight(struct sgw_eaptls *e, enum tx_next next,
					   uint8_t *out, size_t *out_len)
{
	size_t n = sgw_tls_conn_output_pending(e->tls);

	free(e->tx);
	e->tx = n > 0 ? malloc(n) : NULL;
	if (e->tx == NULL) {
		set_err(e, n > 0 ? "EAP-TLS: out of memory" :
			"EAP-TLS: TLS produced nothing to send");
		return fail(e, out_len);
	}
	e->tx_len = sgw_tls_conn_output(e->tls, e->tx, n);
	e->tx_off = 0;
	e->tx_frags = 0;
	e->tx_next = next;
	e->state = ST_TX;
	return send_fragment(e, out, out_len);
}

/* --- the TLS side --- */

static enum sgw_eaptls_status tls_done(struct sgw_eaptls *e, uint8_t *out,
				       size_t *out_len)
{
	e->version = sgw_tls_conn_version(e->tls);
	if (sgw_tls_conn_export_eap(e->tls, e->msk, e->emsk) != 0) {
		set_err(e, "EAP-TLS: key export failed");
		return fail(e, out_len);
	}
	e->have_keys = true;
	e->have_msk_compat = sgw_tls_conn_export_eap_compat(e->tls, e->msk_compat) == 0;
	/* RFC 9190 2.1.1 / 2.5: with TLS 1.3 the server confirms that the
	 * handshake is over (no more post-handshake messages will follow)
	 * with one application byte 0x00, before EAP-Success. */
	if (e->version == SGW_TLS_VERSION_1_3 &&
	    sgw_tls_conn_write_commitment(e->tls) != 0) {
		set_err(e, "EAP-TLS: cannot write the TLS 1.3 commitment message");
		return fail(e, out_len);
	}
	/* TLS 1.2: our ChangeCipherSpec and Finished. RFC 5216 2.1.1: the
	 * peer answers them with an empty response. */
	return start_flight(e, NEXT_FINISH, out, out_len);
}

static enum sgw_eaptls_status tls_failed(struct sgw_eaptls *e, uint8_t *out,
					 size_t *out_len)
{
	set_err(e, "%s", sgw_tls_conn_error(e->tls));
	/* RFC 5216 2.1.3: the alert goes to the peer in a request; its
	 * response is then answered with EAP-Failure. */
	if (sgw_tls_conn_output_pending(e->tls) == 0)
		return fail(e, out_len);
	return start_flight(e, NEXT_ALERT, out, out_len);
}

static enum sgw_eaptls_status message_complete(struct sgw_eaptls *e, uint8_t *out,
					       size_t *out_len)
{
	enum sgw_tls_status st = sgw_tls_conn_input(e->tls, e->rx, e->rx_len);

	e->rx_len = 0;
	e->rx_declared = 0;
	e->rx_has_declared = false;
	e->rx_frags = 0;
	switch (st) {
	case SGW_TLS_DONE:
		return tls_done(e, out, out_len);
	case SGW_TLS_FAILED:
		return tls_failed(e, out, out_len);
	case SGW_TLS_WANT_INPUT:
		break;
	}
	if (sgw_tls_conn_output_pending(e->tls) == 0) {
		/* A whole EAP-TLS message must end on a TLS record boundary
		 * that leaves us something to say. */
		set_err(e, "EAP-TLS: peer message is an incomplete TLS flight");
		return fail(e, out_len);
	}
	return start_flight(e, NEXT_RX, out, out_len);
}

/* --- the peer's message in --- */

struct fragment {
	uint8_t flags;
	bool has_len;
	uint32_t total;
	const uint8_t *data;
	size_t len;
};

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFC 5216 3.2: Flags, [TLS Message Length], TLS Data. Reserved bits are
 * ignored; S has no meaning in a response. */
static bool parse(struct sgw_eaptls *e, const uint8_t *in, size_t len,
		  struct fragment *f)
{
	if (len < HDR_LEN) {
		set_err(e, "EAP-TLS: response without flags");
		return false;
	}
	f->flags = in[0];
	if (f->flags & FLAG_S) {
		set_err(e, "EAP-TLS: S (start) flag in a response");
		return false;
	}
	f->has_len = (f->flags & FLAG_L) != 0;
	if (f->has_len && len < HDR_LEN + TLV_LEN) {
		set_err(e, "EAP-TLS: L flag but only %zu bytes", len);
		return false;
	}
	f->total = f->has_len ? get_be32(in + HDR_LEN) : 0;
	f->data = in + HDR_LEN + (f->has_len ? TLV_LEN : 0);
	f->len = len - (size_t)(f->data - in);
	return true;
}

static bool rx_reserve(struct sgw_eaptls *e, size_t need)
{
	size_t cap = e->rx_cap != 0 ? e->rx_cap : 4096;
	uint8_t *p;

	if (need <= e->rx_cap)
		return true;
	while (cap < need)
		cap *= 2;
	if (cap > SGW_EAPTLS_MAX_MESSAGE)
		cap = SGW_EAPTLS_MAX_MESSAGE;
	p = realloc(e->rx, cap);
	if (p == NULL)
		return false;
	e->rx = p;
	e->rx_cap = cap;
	return true;
}

/* RFC 5216 3.1: the length in L is the total of the whole message. It must
 * come with the first fragment of a fragmented message; it may come on an
 * unfragmented one, and (leniently) again on later fragments if unchanged. */
static bool check_length(struct sgw_eaptls *e, const struct fragment *f)
{
	bool first = e->rx_frags == 0;

	if (first && (f->flags & FLAG_M) && !f->has_len) {
		set_err(e, "EAP-TLS: first fragment of a fragmented message without L");
		return false;
	}
	if (!f->has_len)
		return true;
	if (f->total > SGW_EAPTLS_MAX_MESSAGE) {
		set_err(e, "EAP-TLS: declared length %u exceeds %u", f->total,
			(unsigned)SGW_EAPTLS_MAX_MESSAGE);
		return false;
	}
	if (!first && (!e->rx_has_declared || f->total != e->rx_declared)) {
		set_err(e, "EAP-TLS: declared length changed from %zu to %u",
			e->rx_declared, f->total);
		return false;
	}
	e->rx_declared = f->total;
	e->rx_has_declared = true;
	return true;
}

static bool append(struct sgw_eaptls *e, const struct fragment *f)
{
	size_t total = e->rx_len + f->len;

	if (e->rx_frags >= SGW_EAPTLS_MAX_FRAGMENTS) {
		set_err(e, "EAP-TLS: more than %u fragments",
			(unsigned)SGW_EAPTLS_MAX_FRAGMENTS);
		return false;
	}
	if (e->rx_has_declared && total > e->rx_declared) {
		set_err(e, "EAP-TLS: fragment exceeds declared length %zu", e->rx_declared);
		return false;
	}
	if (total > SGW_EAPTLS_MAX_MESSAGE) {
		set_err(e, "EAP-TLS: message exceeds %u bytes",
			(unsigned)SGW_EAPTLS_MAX_MESSAGE);
		return false;
	}
	if (!rx_reserve(e, total)) {
		set_err(e, "EAP-TLS: out of memory");
		return false;
	}
	if (f->len > 0)
		memcpy(e->rx + e->rx_len, f->data, f->len);
	e->rx_len = total;
	e->rx_frags++;
	return true;
}

static enum sgw_eaptls_status on_rx(struct sgw_eaptls *e, const struct fragment *f,
				    uint8_t *out, size_t *out_len)
{
	if (f->len == 0 && e->rx_frags == 0 && !(f->flags & (FLAG_M | FLAG_L))) {
		set_err(e, "EAP-TLS: empty response where TLS data was expected");
		return fail(e, out_len);
	}
	if (f->len == 0 && (f->flags & FLAG_M)) {
		set_err(e, "EAP-TLS: empty fragment with M flag");
		return fail(e, out_len);
	}
	if (!check_length(e, f) || !append(e, f))
		return fail(e, out_len);
	if (f->flags & FLAG_M)
		return send_ack(out, out_len); /* RFC 5216 3.1: ack each fragment */
	if (e->rx_has_declared && e->rx_len != e->rx_declared) {
		set_err(e, "EAP-TLS: message ends at %zu of declared length %zu",
			e->rx_len, e->rx_declared);
		return fail(e, out_len);
	}
	return message_complete(e, out, out_len);
}

/* An acknowledgement is the flags byte alone, with no flag set. */
static bool is_ack(struct sgw_eaptls *e, const struct fragment *f)
{
	if (f->len == 0 && (f->flags & (FLAG_L | FLAG_M)) == 0)
		return true;
	set_err(e, "EAP-TLS: expected an empty acknowledgement, got %zu bytes "
		"(flags 0x%02x)", f->len, f->flags);
	return false;
}

static enum sgw_eaptls_status on_tx(struct sgw_eaptls *e, const struct fragment *f,
				    uint8_t *out, size_t *out_len)
{
	if (!is_ack(e, f))
		return fail(e, out_len);
	return send_fragment(e, out, out_len);
}

static enum sgw_eaptls_status on_finish(struct sgw_eaptls *e,
					const struct fragment *f, size_t *out_len)
{
	if (!is_ack(e, f)) {
		/* Most likely a TLS alert: the peer refused our Finished
		 * or our certificate. */
		set_err(e, "EAP-TLS: peer answered the final message with %zu bytes "
			"of TLS data instead of an empty response", f->len);
		return fail(e, out_len);
	}
	return succeed(e, out_len);
}

enum sgw_eaptls_status sgw_eaptls_input(struct sgw_eaptls *e,
					const uint8_t *in, size_t in_len,
					uint8_t *out, size_t cap, size_t *out_len)
{
	struct fragment f;

	*out_len = 0;
	if (e->state == ST_SUCCESS)
		return SGW_EAPTLS_SUCCESS;
	if (e->state == ST_FAILURE)
		return SGW_EAPTLS_FAILURE;
	if (e->state == ST_IDLE) {
		set_err(e, "EAP-TLS: response before Start");
		return fail(e, out_len);
	}
	if (cap < e->max_frag + HDR_LEN + TLV_LEN) {
		set_err(e, "EAP-TLS: output buffer of %zu bytes below %zu", cap,
			e->max_frag + HDR_LEN + TLV_LEN);
		return fail(e, out_len);
	}
	if (e->state == ST_ALERT_WAIT)
		return fail(e, out_len); /* RFC 5216 2.1.3; keep the TLS reason */
	if (!parse(e, in, in_len, &f))
		return fail(e, out_len);
	switch (e->state) {
	case ST_RX:
		return on_rx(e, &f, out, out_len);
	case ST_TX:
		return on_tx(e, &f, out, out_len);
	case ST_FINISH_WAIT:
		return on_finish(e, &f, out_len);
	default:
		break;
	}
	set_err(e, "EAP-TLS: internal state %d", (int)e->state);
	return fail(e, out_len);
}

int sgw_eaptls_keys(const struct sgw_eaptls *e, uint8_t msk[SGW_EAP_MSK_LEN],
		    uint8_t emsk[SGW_EAP_EMSK_LEN])
{
	if (e->state != ST_SUCCESS || !e->have_keys)
		return -EINVAL;
	memcpy(msk, e->msk, SGW_EAP_MSK_LEN);
	memcpy(emsk, e->emsk, SGW_EAP_EMSK_LEN);
	return 0;
}

int sgw_eaptls_msk_compat(const struct sgw_eaptls *e, uint8_t msk[SGW_EAP_MSK_LEN])
{
	if (e->state != ST_SUCCESS || !e->have_msk_compat)
		return -ENOENT;
	memcpy(msk, e->msk_compat, SGW_EAP_MSK_LEN);
	return 0;
}

const struct sgw_x509_result *sgw_eaptls_peer(const struct sgw_eaptls *e)
{
	return e->tls != NULL ? sgw_tls_conn_peer(e->tls) : &e->peer;
}

const char *sgw_eaptls_error(const struct sgw_eaptls *e)
{
	return e->err[0] != '\0' ? e->err : "no error";
}

enum sgw_tls_version sgw_eaptls_version(const struct sgw_eaptls *e)
{
	return e->version;
}
