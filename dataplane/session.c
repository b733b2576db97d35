/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One SSTP call on byte streams: the glue between the TLS handshake, the
 * record layer, HTTP, SSTP, PPP and the crypto binding. Each layer hands the
 * next one a buffer and returns; nothing here parses a protocol itself.
 *
 * Buffers, from the client. With the env's buffer callbacks (zero-copy
 * receive, the DPDK worker), the session keeps the front of a record that
 * has not all arrived as references to the caller's buffers (pc: TCP
 * segments), and opens each whole record straight from them into a fresh
 * buffer from env->rx_alloc; an IPv4 packet that ends that record leaves
 * in that very buffer (env->to_vnet_buf). Without them, or for bytes the
 * caller cannot lend (buf NULL), rx holds ciphertext until a whole record
 * is there and records are opened in place. An SSTP packet that spans
 * records is the one thing copied, into carry.
 *
 * Buffers, to the client. tx holds sealed records: control records are
 * built and sealed in place at the tail of tx; an inner packet is sealed
 * from where it lies (the VNet buffer) into tx, the encryption doing the
 * one pass over its bytes.
 *
 * rx, tx and carry are blocks of the worker's pool (env->bufs, bufpool.h;
 * a private pool of three when it has none), taken when bytes must wait
 * there and given back as soon as they are empty: an established, idle
 * call holds none (issue #5). No block free: the call ends ("no free
 * session buffer") and the pool counts the failure; an inner packet from
 * the VNet is refused instead, as when tx is full.
 *
 * Lifetime of the handshake state: tls (the SSL object) is freed as soon as
 * its keys are exported, http once the 200 is sent, the EAP-TLS object as
 * soon as PPP authentication is done, bind once the Compound MAC is checked.
 */
#include "dataplane/session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/binding.h"
#include "crypto/random.h"
#include "crypto/record.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "dataplane/bufpool.h"
#include "dataplane/http.h"
#include "dataplane/ppp.h"
#include "dataplane/sgw_limits.h"
#include "dataplane/sstp.h"

/* Received bytes held by reference (env->buf_ref): the front of a TLS
 * record whose rest has not arrived. */
struct rx_piece {
	void *buf;
	uint8_t *p;
	size_t len;
};

struct sgw_session {
	const struct sgw_session_env *env;
	enum sgw_session_phase phase;
	uint64_t now;
	uint64_t created;
	bool auth_ok;
	bool binding_ok;
	bool network_up;
	bool rec_dead;                  /* a fatal alert went out: no close_notify */
	bool ppp_open;                  /* our LCP Configure-Request went out */
	uint64_t ppp_open_at;           /* open LCP then even if the client is silent */

	struct sgw_tls_conn *tls;       /* TLS phase only */
	struct sgw_record *rec;         /* from the end of the TLS phase */
	struct sgw_http_req *http;      /* HTTP phase only */
	struct sgw_binding_expect *bind;/* until the binding is verified */
	struct sgw_ppp *ppp;            /* from CALL_CONNECT_REQUEST */
	struct sgw_sstp sstp;

	size_t rx_len;
	struct rx_piece pc[SGW_SESSION_RX_PIECES]; /* held by reference */
	unsigned npc;
	size_t pc_len;
	void *zc_buf;                   /* the buffer the record is open in */
	const uint8_t *zc_end;          /* end of its plaintext */
	size_t carry_len;
	size_t tx_head, tx_len;
	uint8_t *rx;                    /* SGW_SESSION_RX_BUF, or NULL */
	uint8_t *tx;                    /* SGW_SESSION_TX_BUF, or NULL */
	uint8_t *carry;                 /* SGW_SSTP_MAX_PACKET, or NULL */
	struct sgw_bufpool *own;        /* when env->bufs is NULL */

	struct sgw_session_info info;
};

static const char *const end_str[] = {
	[SGW_END_NONE] = "none",
	[SGW_END_CLIENT_CLOSE] = "client closed",
	[SGW_END_ADMIN] = "disconnected by the operator",
	[SGW_END_TLS_FAILED] = "TLS handshake failed",
	[SGW_END_HTTP_REFUSED] = "HTTP request refused",
	[SGW_END_SSTP_PROTOCOL] = "SSTP protocol error",
	[SGW_END_NEGOTIATION_TIMEOUT] = "negotiation timeout",
	[SGW_END_HELLO_TIMEOUT] = "hello timeout",
	[SGW_END_AUTH_FAILED] = "authentication failed",
	[SGW_END_BINDING_FAILED] = "crypto binding failed",
	[SGW_END_POOL_EXHAUSTED] = "address pool exhausted",
	[SGW_END_PPP_TERMINATED] = "PPP terminated",
	[SGW_END_CLIENT_ABORT] = "client aborted",
	[SGW_END_REVOKED] = "certificate revoked or root removed",
	[SGW_END_BAD_RECORD] = "bad TLS record",
	[SGW_END_INTERNAL] = "internal error",
};

const char *sgw_session_end_str(enum sgw_session_end e)
{
	if ((unsigned)e >= sizeof(end_str) / sizeof(end_str[0]))
		return "?";
	return end_str[e];
}

__attribute__((format(printf, 2, 3)))
static void slog(const struct sgw_session *s, const char *fmt, ...)
{
	char line[640];
	va_list ap;

	if (s->env->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->env->log(s->env->log_ctx, s, line);
}

/* env->capture, a test hook for fuzz seeds (NULL in the product). */
static void capture(const struct sgw_session *s, const char *what,
		    const uint8_t *p, size_t n)
{
	if (s->env->capture != NULL)
		s->env->capture(s->env->capture_ctx, what, p, n);
}

/* The first reason wins: later failures are consequences of it. */
static void set_end(struct sgw_session *s, enum sgw_session_end why,
		    const char *detail)
{
	if (s->info.end != SGW_END_NONE)
		return;
	s->info.end = why;
	snprintf(s->info.end_detail, sizeof(s->info.end_detail), "%s",
		 detail != NULL ? detail : "");
}

/* ---- rx, tx, carry: pool blocks while bytes wait in them ---- */

_Static_assert(SGW_SESSION_RX_BUF <= SGW_SESSION_BUF && SGW_SESSION_TX_BUF <= SGW_SESSION_BUF &&
	       SGW_SSTP_MAX_PACKET <= SGW_SESSION_BUF, "a pool block holds rx, tx, carry");

static struct sgw_bufpool *pool(const struct sgw_session *s)
{
	return s->env->bufs != NULL ? s->env->bufs : s->own;
}

/* *slot, taking a block if it has none; NULL when the pool is empty. */
static uint8_t *buf_take(struct sgw_session *s, uint8_t **slot)
{
	if (*slot == NULL)
		*slot = sgw_bufpool_get(pool(s));
	return *slot;
}

static void buf_give(struct sgw_session *s, uint8_t **slot, size_t wipe)
{
	if (*slot == NULL)
		return;
	sgw_wipe(*slot, wipe);
	sgw_bufpool_put(pool(s), *slot);
	*slot = NULL;
}

static void no_buffer(struct sgw_session *s)
{
	set_end(s, SGW_END_INTERNAL, "no free session buffer");
}

/* ---- tx: records sealed in place at the tail of tx ---- */

/* Room for n more bytes at the tail, compacting if that helps. */
static uint8_t *tx_reserve(struct sgw_session *s, size_t n)
{
	if (buf_take(s, &s->tx) == NULL)
		return NULL;
	if (SGW_SESSION_TX_BUF - s->tx_len < n && s->tx_head > 0) {
		memmove(s->tx, s->tx + s->tx_head, s->tx_len - s->tx_head);
		s->tx_len -= s->tx_head;
		s->tx_head = 0;
	}
	if (SGW_SESSION_TX_BUF - s->tx_len < n)
		return NULL;
	return s->tx + s->tx_len;
}

/* tx_reserve for control output, which must not be lost: with no block
 * to hold it the call ends (first reason wins over "output buffer full"). */
static uint8_t *tx_reserve_ctl(struct sgw_session *s, size_t n)
{
	uint8_t *p = tx_reserve(s, n);

	if (p == NULL && s->tx == NULL)
		no_buffer(s);
	return p;
}

/* Reserve a record for plain_len bytes: returns where the plaintext goes. */
static uint8_t *rec_begin(struct sgw_session *s, size_t plain_len)
{
	size_t head = sgw_record_headroom(s->rec);
	uint8_t *r = tx_reserve_ctl(s, head + plain_len + sgw_record_tailroom(s->rec));

	return r == NULL ? NULL : r + head;
}

static bool rec_commit(struct sgw_session *s, uint8_t type, size_t plain_len)
{
	size_t n = sgw_record_seal(s->rec, type, s->tx + s->tx_len, plain_len);

	s->tx_len += n;
	return n > 0;
}

/* One application-data record holding a then b (b may be NULL). */
static bool send_app(struct sgw_session *s, const uint8_t *a, size_t alen,
		     const uint8_t *b, size_t blen)
{
	uint8_t *p = rec_begin(s, alen + blen);

	if (p == NULL) {
		set_end(s, SGW_END_INTERNAL, "output buffer full");
		return false;
	}
	memcpy(p, a, alen);
	if (blen > 0)
		memcpy(p + alen, b, blen);
	if (!rec_commit(s, SGW_TLS_CT_APPLICATION_DATA, alen + blen)) {
		set_end(s, SGW_END_INTERNAL, "record seal failed");
		return false;
	}
	return true;
}

static void send_alert(struct sgw_session *s, bool fatal, uint8_t desc)
{
	uint8_t *p = tx_reserve_ctl(s, 64);
	size_t n;

	if (p == NULL || s->rec == NULL)
		return;
	n = sgw_record_seal_alert(s->rec, fatal, desc, p, 64);
	s->tx_len += n;
}

/* SSTP control replies from an sgw_sstp_out. */
static void send_ctrl(struct sgw_session *s, const struct sgw_sstp_out *out)
{
	if (out->len > 0)
		(void)send_app(s, out->buf, out->len, NULL, 0);
}

/* PPP's output: one frame, one SSTP data packet, one record. */
static void ppp_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct sgw_session *s = ctx;
	uint8_t hdr[SSTP_HDR_LEN];

	if (sgw_sstp_data_hdr(hdr, len) != 0) {
		set_end(s, SGW_END_INTERNAL, "PPP frame too long for SSTP");
		return;
	}
	(void)send_app(s, hdr, sizeof(hdr), frame, len);
}

/* The call is over: say goodbye on TLS and stop reading. */
static void finish(struct sgw_session *s)
{
	char tp[SGW_THUMBPRINT_HEX + 1];

	if (s->phase == SGW_SESSION_CLOSED)
		return;
	if (s->rec != NULL && !s->rec_dead)
		send_alert(s, false, SGW_TLS_ALERT_CLOSE_NOTIFY);
	s->phase = SGW_SESSION_CLOSED;
	if (s->info.end == SGW_END_NONE)
		set_end(s, SGW_END_CLIENT_CLOSE, NULL);
	if (s->ppp != NULL)
		sgw_ppp_release_addr(s->ppp);   /* info.addr keeps it for the log */
	sgw_thumbprint_format(s->info.thumbprint, tp);
	slog(s, "end: %s%s%s cn=%s thumbprint=%s addr=%u.%u.%u.%u rx=%llu/%llu tx=%llu/%llu",
	     sgw_session_end_str(s->info.end), s->info.end_detail[0] ? ": " : "",
	     s->info.end_detail, s->info.cn[0] ? s->info.cn : "-",
	     s->info.cn[0] ? tp : "-",
	     s->info.addr >> 24, (s->info.addr >> 16) & 255,
	     (s->info.addr >> 8) & 255, s->info.addr & 255,
	     (unsigned long long)s->info.rx_packets, (unsigned long long)s->info.rx_bytes,
	     (unsigned long long)s->info.tx_packets, (unsigned long long)s->info.tx_bytes);
}

/* ---- SSTP events ---- */

static void sstp_event(struct sgw_session *s, enum sgw_sstp_event ev,
		       const struct sgw_sstp_out *out);

static void abort_call(struct sgw_session *s, enum sgw_session_end why,
		       const char *detail, enum sstp_attrib_status status)
{
	struct sgw_sstp_out out;

	set_end(s, why, detail);
	if (s->phase != SGW_SESSION_NEGOTIATING && s->phase != SGW_SESSION_ESTABLISHED) {
		finish(s);
		return;
	}
	sstp_event(s, sgw_sstp_abort(&s->sstp, status, s->now, &out), &out);
}

/* The binding secrets are needed once: wipe them as soon as they are used. */
static void free_bind(struct sgw_session *s)
{
	if (s->bind == NULL)
		return;
	sgw_wipe(s->bind, sizeof(*s->bind));
	free(s->bind);
	s->bind = NULL;
}

/* Verify the kept CALL_CONNECTED once both it and the EAP keys exist
 * (MS-SSTP 3.2.5.2.3: it may arrive before authentication has ended). */
static void check_binding(struct sgw_session *s)
{
	const uint8_t *msg = sgw_sstp_call_connected_msg(&s->sstp);
	struct sgw_binding_match m = { SGW_HLAK_MSK_0_32, false };
	enum sgw_binding_verdict v;
	struct sgw_sstp_out out;

	if (msg != NULL && !s->auth_ok)
		s->info.call_connected_early = true;
	if (msg == NULL || !s->auth_ok || s->bind == NULL)
		return;
	v = sgw_binding_verify(s->bind, msg, &m);
	free_bind(s);
	if (v != SGW_BINDING_OK) {
		set_end(s, SGW_END_BINDING_FAILED, sgw_binding_verdict_str(v));
		sstp_event(s, sgw_sstp_binding_verified(&s->sstp, false, s->now, &out), &out);
		return;
	}
	s->binding_ok = true;
	s->info.binding_hash = msg[SGW_BINDING_OFF_HASH];
	s->info.hlak_layout = (uint8_t)m.layout;
	s->info.msk_compat = m.msk_compat;
	sstp_event(s, sgw_sstp_binding_verified(&s->sstp, true, s->now, &out), &out);
	slog(s, "binding ok: %s, HLAK %s%s", s->info.binding_hash == 1 ? "SHA-1" : "SHA-256",
	     m.layout == SGW_HLAK_MSK_0_32 ? "MSK[0..31]" : "MSK[0..15]||MSK[32..47]",
	     m.msk_compat ? " of the pppd 2.4.9 TLS 1.3 MSK" : "");
	if (s->network_up)
		s->phase = SGW_SESSION_ESTABLISHED;
}

/* PPP went down: end the call the way the reason asks for. */
static void ppp_down(struct sgw_session *s)
{
	static const enum sgw_session_end map[] = {
		[SGW_PPP_DOWN_CLOSED] = SGW_END_ADMIN,
		[SGW_PPP_DOWN_PEER_TERMINATED] = SGW_END_PPP_TERMINATED,
		[SGW_PPP_DOWN_LCP_FAILED] = SGW_END_PPP_TERMINATED,
		[SGW_PPP_DOWN_AUTH_REFUSED] = SGW_END_AUTH_FAILED,
		[SGW_PPP_DOWN_AUTH_FAILED] = SGW_END_AUTH_FAILED,
		[SGW_PPP_DOWN_AUTH_TIMEOUT] = SGW_END_AUTH_FAILED,
		[SGW_PPP_DOWN_POOL_EXHAUSTED] = SGW_END_POOL_EXHAUSTED,
		[SGW_PPP_DOWN_IPCP_FAILED] = SGW_END_PPP_TERMINATED,
		[SGW_PPP_DOWN_PROTO_REJECTED] = SGW_END_PPP_TERMINATED,
		[SGW_PPP_DOWN_NOMEM] = SGW_END_INTERNAL,
	};
	enum sgw_ppp_down d = sgw_ppp_down_reason(s->ppp);
	enum sgw_session_end why = SGW_END_PPP_TERMINATED;
	struct sgw_sstp_out out;

	if ((unsigned)d < sizeof(map) / sizeof(map[0]) && map[d] != SGW_END_NONE)
		why = map[d];
	set_end(s, why, sgw_ppp_reason(s->ppp));
	/* The client ended PPP itself: a graceful SSTP disconnect. Anything
	 * else is a failure: CALL_ABORT (MS-SSTP 3.3.5.1). */
	if (d == SGW_PPP_DOWN_PEER_TERMINATED || d == SGW_PPP_DOWN_CLOSED)
		sstp_event(s, sgw_sstp_disconnect(&s->sstp, s->now, &out), &out);
	else
		abort_call(s, why, NULL, ATTRIB_STATUS_NO_ERROR);
}

static void auth_ok(struct sgw_session *s)
{
	const struct sgw_x509_result *peer = sgw_ppp_auth_peer(s->ppp);
	uint8_t emsk[SGW_EAP_EMSK_LEN];
	char tp[SGW_THUMBPRINT_HEX + 1];

	if (peer != NULL) {
		memcpy(s->info.thumbprint, peer->thumbprint, sizeof(s->info.thumbprint));
		snprintf(s->info.cn, sizeof(s->info.cn), "%s", peer->cn);
		s->info.root_id = peer->root_id;
	}
	s->info.eap_tls_version = sgw_ppp_auth_tls_version(s->ppp);
	if (s->bind == NULL || sgw_ppp_auth_keys(s->ppp, s->bind->msk, emsk) != 0) {
		abort_call(s, SGW_END_INTERNAL, "EAP keys unavailable", ATTRIB_STATUS_NO_ERROR);
		return;
	}
	sgw_wipe(emsk, sizeof(emsk));
	s->bind->have_msk = true;
	s->bind->have_msk_compat = sgw_ppp_auth_msk_compat(s->ppp, s->bind->msk_compat) == 0;
	s->auth_ok = true;
	sgw_ppp_release_auth(s->ppp);
	sgw_thumbprint_format(s->info.thumbprint, tp);
	slog(s, "auth ok: cn=%s thumbprint=%s root=%d eap-tls=%s", s->info.cn, tp,
	     s->info.root_id, s->info.eap_tls_version == SGW_TLS_VERSION_1_3 ? "TLSv1.3" :
	     s->info.eap_tls_version == SGW_TLS_VERSION_1_2 ? "TLSv1.2" : "?");
	check_binding(s);
}

static void network_up(struct sgw_session *s)
{
	s->network_up = true;
	s->info.addr = sgw_ppp_addr(s->ppp);
	slog(s, "network up: addr=%u.%u.%u.%u", s->info.addr >> 24,
	     (s->info.addr >> 16) & 255, (s->info.addr >> 8) & 255, s->info.addr & 255);
	if (s->binding_ok)
		s->phase = SGW_SESSION_ESTABLISHED;
}

static void deliver_ip(struct sgw_session *s, const struct sgw_ppp_ipv4 *ip)
{
	uint32_t dst = (uint32_t)ip->pkt[16] << 24 | (uint32_t)ip->pkt[17] << 16 |
		       (uint32_t)ip->pkt[18] << 8 | ip->pkt[19];

	/* Client-to-client is off: another client's address, or a pool
	 * address nobody holds, is not the VNet's. Nor is a packet over our
	 * MRU (RFC 1661 6.1: the peer must not send one), which the VNet
	 * port's MTU might not carry either. */
	if ((s->env->addr_is_client != NULL && dst != s->env->tunnel_addr &&
	     s->env->addr_is_client(s->env->pool_ctx, dst)) ||
	    (s->env->mru != 0 && ip->len > s->env->mru)) {
		s->info.drops++;
		return;
	}
	s->info.rx_packets++;
	s->info.rx_bytes += ip->len;
	/* The packet ends the record opened into zc_buf: it leaves in it. */
	if (s->zc_buf != NULL && ip->pkt + ip->len == s->zc_end) {
		void *b = s->zc_buf;

		s->zc_buf = NULL;
		s->env->to_vnet_buf(s->env->vnet_ctx, s, b, ip->pkt, ip->len);
		return;
	}
	if (s->env->to_vnet != NULL)
		s->env->to_vnet(s->env->vnet_ctx, s, ip->pkt, ip->len);
}

static void ppp_events(struct sgw_session *s, uint32_t ev, const struct sgw_ppp_ipv4 *ip)
{
	if (ev & SGW_PPP_EV_AUTH_FAILED) {
		const struct sgw_x509_result *peer = sgw_ppp_auth_peer(s->ppp);

		if (peer != NULL && peer->cn[0] != '\0')
			snprintf(s->info.cn, sizeof(s->info.cn), "%s", peer->cn);
		if (peer != NULL)
			memcpy(s->info.thumbprint, peer->thumbprint, sizeof(s->info.thumbprint));
		set_end(s, SGW_END_AUTH_FAILED, sgw_ppp_reason(s->ppp));
	}
	if (ev & SGW_PPP_EV_AUTH_OK)
		auth_ok(s);
	if (ev & SGW_PPP_EV_NETWORK_UP)
		network_up(s);
	if ((ev & SGW_PPP_EV_IPV4) && ip != NULL)
		deliver_ip(s, ip);
	if (ev & SGW_PPP_EV_DOWN)
		ppp_down(s);
}

static void start_ppp(struct sgw_session *s)
{
	const struct sgw_session_env *env = s->env;
	struct sgw_ppp_config cfg = {
		.mru = env->mru,
		.local_addr = env->tunnel_addr,
		.dns = { env->dns[0], env->dns[1] },
		.nbns = { env->nbns[0], env->nbns[1] },
		.addr_alloc = env->addr_alloc,
		.addr_free = env->addr_free,
		.addr_ctx = env->pool_ctx,
		.send = ppp_send,
		.send_ctx = s,
		.tls = env->eap_tls,
		.trust = env->trust,
		.revoked = env->revoked,
		.policy = env->policy,
	};

	s->ppp = sgw_ppp_create(&cfg);
	if (s->ppp == NULL) {
		abort_call(s, SGW_END_INTERNAL, "PPP setup failed", ATTRIB_STATUS_NO_ERROR);
		return;
	}
	s->ppp_open_at = s->now + SGW_PPP_PASSIVE_OPEN_MS;
}

/* RFC 1661 4.1 Up + Open: our Configure-Request goes out. Not at
 * CALL_CONNECT_ACK time: sstpc hands frames to pppd's pty before pppd has
 * made it raw, the pty echoes our request back, and the call fails on our
 * own Auth-Protocol option coming back at us. So LCP opens on the client's
 * first frame, or SGW_PPP_PASSIVE_OPEN_MS later for a client that waits. */
static void open_ppp(struct sgw_session *s)
{
	if (s->ppp_open)
		return;
	s->ppp_open = true;
	ppp_events(s, sgw_ppp_start(s->ppp, s->now), NULL);
}

/* env->capture: the frame, and for an EAP Response/EAP-TLS (RFC 3748 4.1,
 * RFC 5216 3.1) its Type-Data, the bytes ppp_eap.c hands to crypto/eaptls. */
static void capture_ppp(const struct sgw_session *s, const uint8_t *f, size_t len,
			uint16_t proto)
{
	size_t h = f[0] == 0xff ? 4 : 2, elen;

	if (s->env->capture == NULL)
		return;
	capture(s, "ppp", f, len);
	if (proto != 0xc227 || len < h + 5 || f[h] != 2 || f[h + 4] != 13)
		return;
	elen = (size_t)f[h + 2] << 8 | f[h + 3];
	if (elen >= 5 && elen <= len - h)
		capture(s, "eaptls", f + h + 5, elen - 5);
}

/* A data packet: gate by protocol, then PPP. */
static void sstp_ppp(struct sgw_session *s, const uint8_t *f, size_t len)
{
	struct sgw_ppp_ipv4 ip = { NULL, 0 };
	uint16_t proto;

	if (s->ppp == NULL || len < 4) {
		s->info.drops++;
		return;
	}
	/* Address/Control FF 03 then the protocol (PFC is never negotiated). */
	proto = f[0] == 0xff ? (uint16_t)(f[2] << 8 | f[3]) : (uint16_t)(f[0] << 8 | f[1]);
	capture_ppp(s, f, len, proto);
	if (!sgw_sstp_ppp_allowed(&s->sstp, proto)) {
		/* MS-SSTP 3.2.5.2.3: no data before a verified Call Connected. */
		s->info.drops++;
		return;
	}
	open_ppp(s);
	if (s->phase == SGW_SESSION_CLOSED)
		return;
	const struct sgw_ppp_stats *ps = sgw_ppp_stats(s->ppp);
	uint64_t refused = ps->ipv4_not_open + ps->ipv4_malformed + ps->ipv4_spoofed;

	ppp_events(s, sgw_ppp_input(s->ppp, f, len, s->now, &ip), &ip);
	/* IPv4 that PPP refused (spoofed source, malformed, IPCP not open). */
	s->info.drops += ps->ipv4_not_open + ps->ipv4_malformed + ps->ipv4_spoofed -
				 refused;
}

static void sstp_event(struct sgw_session *s, enum sgw_sstp_event ev,
		       const struct sgw_sstp_out *out)
{
	send_ctrl(s, out);
	switch (ev) {
	case SGW_SSTP_EV_CONNECT_REQUEST:
		start_ppp(s);
		break;
	case SGW_SSTP_EV_PPP:
		sstp_ppp(s, out->ppp, out->ppp_len);
		break;
	case SGW_SSTP_EV_CALL_CONNECTED:
		check_binding(s);
		break;
	case SGW_SSTP_EV_ABORTED:
		set_end(s, s->sstp.peer_ended ? SGW_END_CLIENT_ABORT : SGW_END_SSTP_PROTOCOL,
			sgw_sstp_status_str(s->sstp.end_status));
		s->phase = SGW_SESSION_CLOSING;
		break;
	case SGW_SSTP_EV_DISCONNECTED:
		set_end(s, s->sstp.peer_ended ? SGW_END_CLIENT_CLOSE : SGW_END_ADMIN, NULL);
		s->phase = SGW_SESSION_CLOSING;
		break;
	case SGW_SSTP_EV_CLOSE:
		set_end(s, SGW_END_SSTP_PROTOCOL, "SSTP closed");
		finish(s);
		break;
	default:
		break;
	}
}

static void sstp_packet(struct sgw_session *s, const uint8_t *pkt, size_t len)
{
	struct sgw_sstp_out out;

	capture(s, "sstp", pkt, len);
	sstp_event(s, sgw_sstp_input(&s->sstp, pkt, len, s->now, &out), &out);
}

/* MS-SSTP 2.2.1 delineation failed: no SSTP message can be trusted. */
static void sstp_bad_frame(struct sgw_session *s)
{
	set_end(s, SGW_END_SSTP_PROTOCOL, "bad SSTP packet header");
	finish(s);
}

/* Complete the packet in carry from p; returns the bytes taken. */
static size_t carry_fill(struct sgw_session *s, const uint8_t *p, size_t n)
{
	size_t want = SSTP_HDR_LEN, take;

	if (s->carry_len >= SSTP_HDR_LEN)
		want = (size_t)(s->carry[2] & 0x0f) << 8 | s->carry[3];
	take = want > s->carry_len ? want - s->carry_len : 0;
	if (take > n)
		take = n;
	memcpy(s->carry + s->carry_len, p, take);
	s->carry_len += take;
	return take;
}

/* Decrypted SSTP stream: packets are handled where they lie; only a packet
 * cut by a record boundary is gathered in carry. */
static void sstp_stream(struct sgw_session *s, const uint8_t *p, size_t n)
{
	while (n > 0 && s->phase != SGW_SESSION_CLOSED) {
		int fl;

		if (s->carry_len > 0) {
			size_t take = carry_fill(s, p, n);

			p += take;
			n -= take;
			fl = sgw_sstp_frame_len(s->carry, s->carry_len);
			if (fl < 0)
				return sstp_bad_frame(s);
			if (fl > 0) {
				s->carry_len = 0;
				sstp_packet(s, s->carry, (size_t)fl);
				buf_give(s, &s->carry, (size_t)fl);
			}
			continue;
		}
		fl = sgw_sstp_frame_len(p, n);
		if (fl < 0)
			return sstp_bad_frame(s);
		if (fl == 0) {
			if (buf_take(s, &s->carry) == NULL)
				return no_buffer(s);
			memcpy(s->carry, p, n);
			s->carry_len = n;
			return;
		}
		sstp_packet(s, p, (size_t)fl);
		p += fl;
		n -= (size_t)fl;
	}
}

/* ---- HTTP ---- */

static void http_done(struct sgw_session *s, const uint8_t *rest, size_t n)
{
	uint8_t nonce[SGW_SSTP_NONCE_LEN];
	uint8_t resp[SGW_HTTP_MAX_RESPONSE];
	size_t rlen = sgw_http_build_response(SGW_HTTP_OK, resp, sizeof(resp));

	slog(s, "http ok: host=%s correlation=%s", s->http->host, s->http->correlation_id);
	free(s->http);
	s->http = NULL;
	if (!send_app(s, resp, rlen, NULL, 0))
		return finish(s);
	s->bind = calloc(1, sizeof(*s->bind));
	if (s->bind == NULL || sgw_random_bytes(nonce, sizeof(nonce)) != 0) {
		set_end(s, SGW_END_INTERNAL, "no memory or randomness for the binding");
		return finish(s);
	}
	/* MS-SSTP 3.2.5.2.2: a fresh nonce per call, kept to check the echo. */
	memcpy(s->bind->nonce, nonce, sizeof(nonce));
	s->bind->hash_bitmask = s->env->hash_bitmask;
	sgw_tls_server_cert_hashes(s->env->tls, s->bind->cert_sha1, s->bind->cert_sha256);
	sgw_sstp_init(&s->sstp, s->now, s->env->hash_bitmask, nonce);
	sgw_sstp_set_timers(&s->sstp, s->now, s->env->negotiation_ms, s->env->hello_ms);
	s->phase = SGW_SESSION_NEGOTIATING;
	sstp_stream(s, rest, n);
}

static void http_input(struct sgw_session *s, const uint8_t *p, size_t n)
{
	size_t used = 0;
	enum sgw_http_result r = sgw_http_parse(s->http, p, n, &used);
	uint8_t resp[SGW_HTTP_MAX_RESPONSE];
	size_t rlen;

	capture(s, "http", p, r == SGW_HTTP_OK ? used : n);
	if (r == SGW_HTTP_NEED_MORE)
		return;
	if (r == SGW_HTTP_OK)
		return http_done(s, p + used, n - used);
	rlen = sgw_http_build_response(r, resp, sizeof(resp));
	(void)send_app(s, resp, rlen, NULL, 0);
	set_end(s, SGW_END_HTTP_REFUSED, sgw_http_result_str(r));
	finish(s);
}

static void plaintext(struct sgw_session *s, const uint8_t *p, size_t n)
{
	if (s->phase == SGW_SESSION_HTTP)
		http_input(s, p, n);
	else
		sstp_stream(s, p, n);
}

/* ---- TLS records ---- */

static void record_fatal(struct sgw_session *s, uint8_t alert, const char *why)
{
	send_alert(s, true, alert);
	set_end(s, SGW_END_BAD_RECORD, why);
	/* No close_notify after a fatal alert (RFC 8446 6.2). */
	s->rec_dead = true;
	finish(s);
}

/* What an opened record says. */
static void record_result(struct sgw_session *s, enum sgw_record_status st,
			  uint8_t *plain, size_t plen, uint8_t alert)
{
	uint8_t *p;
	size_t n;

	switch (st) {
	case SGW_REC_OK:
		return plaintext(s, plain, plen);
	case SGW_REC_CLOSE_NOTIFY:
		set_end(s, SGW_END_CLIENT_CLOSE, "close_notify");
		return finish(s);
	case SGW_REC_ALERT: {
		char d[48];

		snprintf(d, sizeof(d), "TLS alert %u from the client", alert);
		set_end(s, SGW_END_CLIENT_CLOSE, d);
		s->rec_dead = true;
		return finish(s);
	}
	case SGW_REC_KEY_UPDATE:
		/* RFC 8446 4.6.3: answer update_requested with our own. */
		if (sgw_record_tx_key_update_pending(s->rec) &&
		    (p = tx_reserve_ctl(s, 64)) != NULL) {
			n = sgw_record_seal_key_update(s->rec, p, 64);
			s->tx_len += n;
		}
		return;
	case SGW_REC_RENEGOTIATION:
		/* RFC 5246 7.2.2: refuse with a warning and carry on. */
		s->info.renegotiations_refused++;
		slog(s, "renegotiation refused");
		return send_alert(s, false, SGW_TLS_ALERT_NO_RENEGOTIATION);
	case SGW_REC_IGNORED:
		return;
	case SGW_REC_BAD_MAC:
		return record_fatal(s, SGW_TLS_ALERT_BAD_RECORD_MAC, "bad record MAC");
	case SGW_REC_OVERFLOW:
		return record_fatal(s, SGW_TLS_ALERT_RECORD_OVERFLOW, "record overflow");
	default:
		return record_fatal(s, SGW_TLS_ALERT_DECODE_ERROR, "malformed record");
	}
}

/* One whole record, in place. */
static void record(struct sgw_session *s, uint8_t *rec, size_t len)
{
	uint8_t *plain = NULL, alert = 0;
	size_t plen = 0;
	enum sgw_record_status st = sgw_record_open(s->rec, rec, len, &plain, &plen, &alert);

	record_result(s, st, plain, plen, alert);
}

/* RFC 8446 5.2: a length over 2^14 + 256 is record_overflow; anything
 * else wrong with a header, decode_error. */
static void bad_header(struct sgw_session *s, long rl)
{
	if (rl == SGW_RECORD_TOO_LONG)
		return record_fatal(s, SGW_TLS_ALERT_RECORD_OVERFLOW, "record overflow");
	record_fatal(s, SGW_TLS_ALERT_DECODE_ERROR, "bad record header");
}

/* Open every whole record in rx, keep the partial one at the front. */
static void records(struct sgw_session *s)
{
	size_t off = 0;

	if (s->rx == NULL)
		return;
	while (s->phase != SGW_SESSION_CLOSED) {
		long rl = sgw_record_length(s->rx + off, s->rx_len - off);

		if (rl < 0)
			return bad_header(s, rl);
		if (rl == 0 || (size_t)rl > s->rx_len - off)
			break;
		record(s, s->rx + off, (size_t)rl);
		off += (size_t)rl;
	}
	memmove(s->rx, s->rx + off, s->rx_len - off);
	s->rx_len -= off;
}

static void rx_append(struct sgw_session *s, const uint8_t *in, size_t len)
{
	while (len > 0 && s->phase != SGW_SESSION_CLOSED) {
		size_t take = SGW_SESSION_RX_BUF - s->rx_len;

		if (buf_take(s, &s->rx) == NULL)
			return no_buffer(s);
		if (take > len)
			take = len;
		memcpy(s->rx + s->rx_len, in, take);
		s->rx_len += take;
		in += take;
		len -= take;
		records(s);
	}
}

/* ---- zero-copy receive: records opened from the caller's buffers ---- */

static bool zc_on(const struct sgw_session *s)
{
	return s->env->rx_alloc != NULL && s->rec != NULL && s->rx_len == 0 &&
	       s->phase != SGW_SESSION_TLS && s->phase != SGW_SESSION_CLOSED;
}

static void pc_drop(struct sgw_session *s)
{
	for (unsigned i = 0; i < s->npc; i++)
		s->env->buf_free(s->env->buf_ctx, s->pc[i].buf);
	s->npc = 0;
	s->pc_len = 0;
}

/* Back to copying: the held bytes go to the front of rx. */
static void pc_spill(struct sgw_session *s)
{
	if (s->npc > 0 && buf_take(s, &s->rx) == NULL) {
		no_buffer(s);
		return pc_drop(s);
	}
	for (unsigned i = 0; i < s->npc; i++) {
		memcpy(s->rx + s->rx_len, s->pc[i].p, s->pc[i].len);
		s->rx_len += s->pc[i].len;
	}
	pc_drop(s);
}

/* Keep [p, p + n) of buf for the record it starts or continues. */
static void pc_hold(struct sgw_session *s, uint8_t *p, size_t n, void *buf)
{
	if (s->npc == SGW_SESSION_RX_PIECES) {
		pc_spill(s);
		return rx_append(s, p, n);
	}
	s->env->buf_ref(s->env->buf_ctx, buf);
	s->pc[s->npc++] = (struct rx_piece){ buf, p, n };
	s->pc_len += n;
}

/* The first n held-then-new bytes, gathered (a record header). */
static void pc_peek(const struct sgw_session *s, const uint8_t *in, uint8_t *out, size_t n)
{
	size_t k = 0;

	for (unsigned i = 0; i < s->npc && k < n; i++)
		for (size_t j = 0; j < s->pc[i].len && k < n; j++)
			out[k++] = s->pc[i].p[j];
	memcpy(out + k, in, n - k);
}

/* One whole record: the held pieces then n bytes of in. */
static void zc_record(struct sgw_session *s, uint8_t *in, size_t n, size_t rl)
{
	struct sgw_iov v[SGW_SESSION_RX_PIECES + 1];
	unsigned nv = 0;
	uint8_t *dst = NULL, *plain = NULL, alert = 0;
	size_t plen = 0;
	void *ob = s->env->rx_alloc(s->env->buf_ctx, rl, &dst);

	if (ob == NULL) {
		/* No buffer (pool empty, record too big): open it in rx. */
		pc_spill(s);
		if (buf_take(s, &s->rx) == NULL)
			return no_buffer(s);
		memcpy(s->rx + s->rx_len, in, n);
		s->rx_len = 0;
		return record(s, s->rx, rl);
	}
	for (unsigned i = 0; i < s->npc; i++)
		v[nv++] = (struct sgw_iov){ s->pc[i].p, s->pc[i].len };
	v[nv++] = (struct sgw_iov){ in, n };
	enum sgw_record_status st = sgw_record_open_to(s->rec, v, nv, rl, dst, rl,
						       &plain, &plen, &alert);

	pc_drop(s);
	s->zc_buf = ob;
	s->zc_end = plain != NULL ? plain + plen : NULL;
	record_result(s, st, plain, plen, alert);
	if (s->zc_buf != NULL)
		s->env->buf_free(s->env->buf_ctx, s->zc_buf);
	s->zc_buf = NULL;
}

/* Bytes the caller lends (buf): whole records are opened from where they
 * lie, the start of the next one is held by reference. Held bytes are
 * always less than one record, so a record that completes uses them all. */
static void zc_input(struct sgw_session *s, uint8_t *in, size_t len, void *buf)
{
	while (len > 0 && s->phase != SGW_SESSION_CLOSED) {
		uint8_t hdr[SGW_TLS_RECORD_HDR];
		long rl = 0;

		if (s->pc_len + len >= sizeof(hdr)) {
			pc_peek(s, in, hdr, sizeof(hdr));
			rl = sgw_record_length(hdr, sizeof(hdr));
		}
		if (rl < 0) {
			pc_drop(s);
			return bad_header(s, rl);
		}
		if (rl == 0 || (size_t)rl > s->pc_len + len)
			return pc_hold(s, in, len, buf);
		size_t n = (size_t)rl - s->pc_len;

		zc_record(s, in, n, (size_t)rl);
		in += n;
		len -= n;
	}
}

/* ---- TLS handshake ---- */

static void tls_flush(struct sgw_session *s)
{
	size_t n = sgw_tls_conn_output_pending(s->tls);
	uint8_t *p = n > 0 ? tx_reserve_ctl(s, n) : NULL;

	if (n == 0)
		return;
	if (p == NULL) {
		set_end(s, SGW_END_INTERNAL, "output buffer full");
		return;
	}
	s->tx_len += sgw_tls_conn_output(s->tls, p, n);
}

/* Keys out, SSL freed: from here on the record layer is ours. */
static void tls_done(struct sgw_session *s)
{
	struct sgw_tls_keys keys;
	int rc = sgw_tls_conn_export_keys(s->tls, &keys);

	s->info.tls_version = (uint16_t)sgw_tls_conn_version(s->tls);
	snprintf(s->info.tls_cipher, sizeof(s->info.tls_cipher), "%s",
		 sgw_tls_conn_cipher(s->tls));
	if (rc == 0)
		s->rec = sgw_record_create(s->env->aead, &keys);
	sgw_wipe(&keys, sizeof(keys));
	s->http = calloc(1, sizeof(*s->http));
	if (s->rec == NULL || s->http == NULL) {
		set_end(s, SGW_END_INTERNAL, "record layer setup failed");
		return finish(s);
	}
	sgw_http_init(s->http);
	s->phase = SGW_SESSION_HTTP;
	if (buf_take(s, &s->rx) == NULL) {
		no_buffer(s);
		return finish(s);
	}
	s->rx_len = sgw_tls_conn_take_leftover(s->tls, s->rx, SGW_SESSION_RX_BUF);
	sgw_tls_conn_destroy(s->tls);
	s->tls = NULL;
	slog(s, "tls ok: %s %s", s->info.tls_version == SGW_TLS_VERSION_1_3 ? "TLSv1.3" : "TLSv1.2",
	     s->info.tls_cipher);
	records(s);
}

static void tls_input(struct sgw_session *s, const uint8_t *in, size_t len)
{
	enum sgw_tls_status st = sgw_tls_conn_input(s->tls, in, len);

	tls_flush(s);
	if (st == SGW_TLS_DONE)
		return tls_done(s);
	if (st == SGW_TLS_FAILED) {
		set_end(s, SGW_END_TLS_FAILED, sgw_tls_conn_error(s->tls));
		finish(s);
	}
}

/* ---- public ---- */

struct sgw_session *sgw_session_create(const struct sgw_session_env *env, uint64_t now_ms)
{
	struct sgw_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->env = env;
	s->now = s->created = now_ms;
	s->info.root_id = -1;
	/* Without the worker's pool, one of our own: rx, tx, carry. */
	if (env->bufs == NULL)
		s->own = sgw_bufpool_create(3, SGW_SESSION_BUF);
	s->tls = sgw_tls_conn_create(env->tls, NULL, NULL);
	if ((env->bufs == NULL && s->own == NULL) || s->tls == NULL) {
		sgw_session_destroy(s);
		return NULL;
	}
	return s;
}

void sgw_session_destroy(struct sgw_session *s)
{
	if (s == NULL)
		return;
	/* Torn down while alive (shutdown, worker stop): still one end line. */
	if (s->phase != SGW_SESSION_CLOSED) {
		set_end(s, SGW_END_ADMIN, "session destroyed");
		s->rec_dead = true;
		finish(s);
	}
	if (s->env->buf_free != NULL)
		pc_drop(s);
	sgw_tls_conn_destroy(s->tls);
	sgw_record_destroy(s->rec);
	sgw_ppp_destroy(s->ppp);
	free_bind(s);
	free(s->http);
	buf_give(s, &s->rx, 0);
	buf_give(s, &s->tx, 0);
	buf_give(s, &s->carry, SGW_SSTP_MAX_PACKET);
	sgw_bufpool_destroy(s->own);
	free(s);
}

int sgw_session_input(struct sgw_session *s, const uint8_t *in, size_t len,
		      uint64_t now_ms)
{
	return sgw_session_input_buf(s, in, len, NULL, now_ms);
}

int sgw_session_input_buf(struct sgw_session *s, const uint8_t *in, size_t len,
			  void *buf, uint64_t now_ms)
{
	s->now = now_ms;
	if (s->phase == SGW_SESSION_CLOSED)
		return -EPROTO;
	if (s->phase == SGW_SESSION_TLS) {
		tls_input(s, in, len);
	} else if (buf != NULL && zc_on(s)) {
		/* Only read: the cast is for struct sgw_iov. */
		zc_input(s, (uint8_t *)(uintptr_t)in, len, buf);
	} else {
		if (s->npc > 0)
			pc_spill(s);
		rx_append(s, in, len);
	}
	if (s->info.end == SGW_END_INTERNAL)
		finish(s);
	if (s->rx_len == 0)
		buf_give(s, &s->rx, 0);
	return s->phase == SGW_SESSION_CLOSED ? -EPROTO : 0;
}

void sgw_session_peer_closed(struct sgw_session *s)
{
	set_end(s, SGW_END_CLIENT_CLOSE, "TCP FIN");
	s->rec_dead = true; /* nobody is reading: no close_notify */
	finish(s);
}

size_t sgw_session_output_pending(const struct sgw_session *s)
{
	return s->tx_len - s->tx_head;
}

const uint8_t *sgw_session_output_peek(const struct sgw_session *s, size_t *len)
{
	*len = sgw_session_output_pending(s);
	return *len > 0 ? s->tx + s->tx_head : NULL;
}

void sgw_session_output_consume(struct sgw_session *s, size_t n)
{
	size_t pending = sgw_session_output_pending(s);

	s->tx_head += n < pending ? n : pending;
	if (s->tx_head == s->tx_len) {
		s->tx_head = s->tx_len = 0;
		buf_give(s, &s->tx, 0);
	}
}

size_t sgw_session_output(struct sgw_session *s, uint8_t *out, size_t cap)
{
	size_t n;
	const uint8_t *p = sgw_session_output_peek(s, &n);

	if (n > cap)
		n = cap;
	if (n == 0)
		return 0;
	memcpy(out, p, n);
	sgw_session_output_consume(s, n);
	return n;
}

/* Room for an inner packet of n sealed bytes, leaving the control reserve:
 * bulk traffic may delay control messages but never make them fail. */
static bool ip_room(const struct sgw_session *s, size_t n)
{
	return sgw_session_output_pending(s) + n + SGW_SESSION_TX_RESERVE <=
	       SGW_SESSION_TX_BUF;
}

/* The record is sealed from two pieces, the SSTP and PPP headers built
 * here and the packet where it lies: no copy before the encryption. */
int sgw_session_send_ip(struct sgw_session *s, const uint8_t *pkt, size_t len)
{
	uint8_t hdr[SSTP_HDR_LEN + SGW_PPP_ENCAP_LEN];
	size_t rlen = sgw_record_headroom(s->rec) + sizeof(hdr) + len +
		      sgw_record_tailroom(s->rec);
	/* Only read: the casts are for struct sgw_iov. */
	const struct sgw_iov v[2] = { { hdr, sizeof(hdr) }, { (uint8_t *)(uintptr_t)pkt, len } };
	uint8_t *r;
	size_t n;

	if (s->phase != SGW_SESSION_ESTABLISHED || !ip_room(s, rlen) ||
	    (r = tx_reserve(s, rlen)) == NULL ||
	    sgw_ppp_ipv4_encap(s->ppp, hdr + sizeof(hdr), len) == NULL ||
	    sgw_sstp_data_hdr(hdr, SGW_PPP_ENCAP_LEN + len) != 0)
		goto drop;
	n = sgw_record_seal_from(s->rec, SGW_TLS_CT_APPLICATION_DATA, v, 2, r, rlen);
	if (n == 0)
		goto drop;
	s->tx_len += n;
	s->info.tx_packets++;
	s->info.tx_bytes += len;
	return 0;
drop:
	s->info.drops++;
	return -EAGAIN;
}

void sgw_session_tick(struct sgw_session *s, uint64_t now_ms)
{
	struct sgw_sstp_out out;

	s->now = now_ms;
	if (s->phase == SGW_SESSION_CLOSED)
		return;
	/* The TLS and HTTP phases share the SSTP negotiation budget: a client
	 * that stops mid-handshake is reaped like one that stops later. */
	if (s->phase < SGW_SESSION_NEGOTIATING) {
		uint32_t budget = s->env->handshake_ms != 0 ? s->env->handshake_ms :
				  SGW_SSTP_NEGOTIATION_MS;

		if (now_ms - s->created >= budget) {
			set_end(s, SGW_END_NEGOTIATION_TIMEOUT, "handshake not finished in time");
			finish(s);
		}
		return;
	}
	if (s->ppp != NULL && !s->ppp_open && now_ms >= s->ppp_open_at)
		open_ppp(s);
	if (s->ppp != NULL)
		ppp_events(s, sgw_ppp_tick(s->ppp, now_ms), NULL);
	if (s->phase == SGW_SESSION_CLOSED)
		return;
	if (now_ms >= sgw_sstp_deadline(&s->sstp)) {
		enum sgw_sstp_event ev = sgw_sstp_tick(&s->sstp, now_ms, &out);

		if (ev == SGW_SSTP_EV_ABORTED && s->sstp.end_status == ATTRIB_STATUS_NEGOTIATION_TIMEOUT)
			set_end(s, SGW_END_NEGOTIATION_TIMEOUT, "no verified Call Connected in time");
		if (ev == SGW_SSTP_EV_CLOSE && s->phase != SGW_SESSION_CLOSING)
			set_end(s, SGW_END_HELLO_TIMEOUT, "no answer to SSTP Echo Request");
		sstp_event(s, ev, &out);
	}
}

void sgw_session_close(struct sgw_session *s, uint64_t now_ms)
{
	struct sgw_sstp_out out;

	s->now = now_ms;
	set_end(s, SGW_END_ADMIN, NULL);
	if (s->phase == SGW_SESSION_NEGOTIATING || s->phase == SGW_SESSION_ESTABLISHED)
		sstp_event(s, sgw_sstp_disconnect(&s->sstp, now_ms, &out), &out);
	else
		finish(s);
}

void sgw_session_abort(struct sgw_session *s, enum sgw_session_end why,
		       const char *detail, uint64_t now_ms)
{
	s->now = now_ms;
	abort_call(s, why, detail, ATTRIB_STATUS_NO_ERROR);
}

enum sgw_session_phase sgw_session_phase(const struct sgw_session *s)
{
	return s->phase;
}

const struct sgw_session_info *sgw_session_info(const struct sgw_session *s)
{
	return &s->info;
}
