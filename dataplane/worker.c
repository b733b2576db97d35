/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_random.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_ptype.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "control/pool.h"
#include "dataplane/engine.h"
#include "dataplane/bufpool.h"
#include "dataplane/net.h"
#include "dataplane/worker.h"

enum gw_conn_state {
	CONN_FREE,
	CONN_OPEN,         /* TCP established, application running */
	CONN_CLOSING,      /* sgw_tcp_close() called: waiting for on_closed */
};

/* One TCP connection on port 443 and what runs on it. */
struct gw_conn {
	struct sgw_tcp_conn *tcp;
	struct sgw_session *sess;        /* SGW_APP_SSTP */
	struct gw_conn *next_free;
	uint64_t next_tick;
	uint32_t peer_addr;
	uint16_t peer_port;
	uint8_t state;                   /* enum gw_conn_state */
	bool dirty;                      /* output to drain after this burst */
	uint32_t addr;                   /* registered in by_addr, 0: none */
	uint64_t id;                     /* worker << 56 | serial */
	int32_t pending;                 /* its counter in w->pending, -1: none */
	uint64_t start_ms;
	/* --tcp-test applications */
	bool fin, unread;
	uint8_t hdr_n;
	uint8_t hdr[8];
	uint32_t crc;
	uint64_t bytes, left;
};

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

/* The CRC-32 of zlib / IEEE 802.3, so the tests check with zlib.crc32. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* --- small helpers --- */

static void mark_dirty(struct sgw_worker *w, struct gw_conn *c)
{
	if (c->dirty)
		return;
	c->dirty = true;
	w->dirty[w->ndirty++] = c;
}

static struct gw_conn **addr_slot(struct sgw_worker *w, uint32_t addr)
{
	uint32_t off = addr - w->sh->pool_base;

	return off < w->sh->pool_slots ? &w->by_addr[off] : NULL;
}

static void addr_register(struct sgw_worker *w, struct gw_conn *c, uint32_t addr)
{
	struct gw_conn **slot;

	if (c->addr != 0 && (slot = addr_slot(w, c->addr)) != NULL && *slot == c)
		*slot = NULL;
	c->addr = addr;
	if (addr != 0 && (slot = addr_slot(w, addr)) != NULL)
		*slot = c;
}

/* Push one line to the control thread; never blocks, counts a full ring. */
static void log_push(struct sgw_worker *w, const struct gw_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void log_push(struct sgw_worker *w, const struct gw_conn *c, const char *fmt, ...)
{
	char *line;
	char peer[16];

	if (rte_mempool_get(w->sh->log_pool, (void **)&line) != 0) {
		w->st.log_dropped++;
		return;
	}
	int n = snprintf(line, SGW_LOG_LINE, "w%u client=%s:%u ", w->idx,
			 c != NULL ? sgw_addr_str(c->peer_addr, peer) : "-",
			 c != NULL ? c->peer_port : 0);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, SGW_LOG_LINE - (size_t)n, fmt, ap);
	va_end(ap);
	if (rte_ring_enqueue(w->sh->log_ring, line) != 0) {
		rte_mempool_put(w->sh->log_pool, line);
		w->st.log_dropped++;
		return;
	}
	w->st.log_lines++;
}

/* --- session environment (called from inside session.c) --- */

static int env_addr_alloc(void *ctx, const char *identity, uint32_t *addr)
{
	struct sgw_worker *w = ctx;

	const struct sgw_engine_hooks *h = w->sh->hooks;

	/* The connection is ours (RSS gave it to us): so is its address. */
	if (h != NULL && h->pool_alloc != NULL)
		return h->pool_alloc(h->ctx, w->idx, identity, addr);
	return sgw_pool_alloc(w->sh->pool, w->idx, addr);
}

static bool env_addr_is_client(void *ctx, uint32_t addr)
{
	struct sgw_worker *w = ctx;
	const struct sgw_engine_hooks *h = w->sh->hooks;

	if (h != NULL && h->pool_owner != NULL)
		return h->pool_owner(h->ctx, addr) >= 0;
	return w->sh->pool != NULL && sgw_pool_owner(w->sh->pool, addr) >= 0;
}

static void env_addr_free(void *ctx, uint32_t addr)
{
	struct sgw_worker *w = ctx;
	struct gw_conn **slot = addr_slot(w, addr);

	if (slot != NULL && *slot != NULL) {
		(*slot)->addr = 0;
		*slot = NULL;
	}
	if (w->sh->hooks != NULL && w->sh->hooks->pool_free != NULL)
		(void)w->sh->hooks->pool_free(w->sh->hooks->ctx, addr);
	else
		(void)sgw_pool_free(w->sh->pool, addr);
}

static void env_log(void *ctx, const struct sgw_session *s, const char *line)
{
	struct sgw_worker *w = ctx;

	(void)s;
	log_push(w, w->cur, "%s", line);
}

/* An ICMP error back into the tunnel (the offending packet came from it). */
static void error_to_client(struct sgw_worker *w, struct sgw_session *s,
			    const uint8_t *pkt, size_t len, uint8_t type, uint8_t code,
			    uint16_t mtu)
{
	struct rte_mbuf *e = sgw_net_icmp_error(w, w->sh->env.tunnel_addr, pkt, len,
						type, code, mtu);

	if (e == NULL)
		return;
	if (sgw_session_send_ip(s, rte_pktmbuf_mtod(e, uint8_t *), rte_pktmbuf_data_len(e)) != 0)
		w->st.to_client_refused++;
	rte_pktmbuf_free(e);
	if (w->cur != NULL)
		mark_dirty(w, w->cur);
}

/* Decapsulated IPv4 from a client (source already checked by PPP), in m
 * from its first byte: route, TTL, MSS clamp, out of the inner port. */
static void vnet_send(struct sgw_worker *w, struct sgw_session *s, struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	size_t len = rte_pktmbuf_data_len(m);
	uint32_t dst = rte_be_to_cpu_32(((const struct rte_ipv4_hdr *)p)->dst_addr);
	uint32_t nh;

	if (len < sizeof(struct rte_ipv4_hdr))
		goto free;
	if (!sgw_route_lookup(&w->sh->ifs[SGW_IF_INNER].routes, dst, &nh)) {
		w->st.ipv4_no_route++;
		error_to_client(w, s, p, len, SGW_ICMP_UNREACH, SGW_UNREACH_NET, 0);
		goto free;
	}
	if (!sgw_net_ttl_dec(p)) {
		w->st.ipv4_ttl_expired++;
		error_to_client(w, s, p, len, SGW_ICMP_TIME_EXCEEDED, 0, 0);
		goto free;
	}
	if (sgw_net_clamp_mss(p, len, w->sh->mss_clamp))
		w->st.mss_clamped++;
	w->st.to_vnet++;
	sgw_net_output(w, SGW_IF_INNER, m);
	return;
free:
	rte_pktmbuf_free(m);
}

/* A packet that is not alone in its record: copied into its own mbuf. */
static void env_to_vnet(void *ctx, struct sgw_session *s, const uint8_t *pkt, size_t len)
{
	struct sgw_worker *w = ctx;
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->sh->mp);
	uint8_t *p = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len) : NULL;

	if (p == NULL) {
		w->st.to_vnet_nombuf++;
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(p, pkt, len);
	w->st.to_vnet_copied++;
	vnet_send(w, s, m);
}

/* The common case: the record was opened into buf (env_rx_alloc) and the
 * packet ends it; the mbuf is trimmed to the packet and goes out as is. */
static void env_to_vnet_buf(void *ctx, struct sgw_session *s, void *buf,
			    const uint8_t *pkt, size_t len)
{
	struct rte_mbuf *m = buf;

	m->data_off = (uint16_t)(pkt - (const uint8_t *)m->buf_addr);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	vnet_send(ctx, s, m);
}

/* Zero-copy receive: segment mbufs held by a session for a record that
 * straddles them, and the mbuf a record is opened into. */
static void env_buf_ref(void *ctx, void *buf)
{
	(void)ctx;
	rte_mbuf_refcnt_update(buf, 1);
}

static void env_buf_free(void *ctx, void *buf)
{
	(void)ctx;
	rte_pktmbuf_free(buf);
}

static void *env_rx_alloc(void *ctx, size_t len, uint8_t **data)
{
	struct sgw_worker *w = ctx;
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->sh->mp);

	if (m == NULL || rte_pktmbuf_tailroom(m) < len) {
		w->st.rx_open_copied++;   /* opened in the session's rx instead */
		rte_pktmbuf_free(m);
		return NULL;
	}
	*data = rte_pktmbuf_mtod(m, uint8_t *);
	return m;
}

/* --- TCP stack callbacks --- */

static void tcp_emit(void *ctx, const struct sgw_tcp_out *o)
{
	struct sgw_worker *w = ctx;
	size_t l4 = o->hdr_len + o->payload_len + o->payload2_len;
	uint16_t total = (uint16_t)(sizeof(struct rte_ipv4_hdr) + l4);
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->sh->mp);
	uint8_t *p = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, total) : NULL;

	if (p == NULL) {
		w->st.tcp_tx_nombuf++;
		rte_pktmbuf_free(m);
		return;
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	uint8_t *t = p + sizeof(*ip);

	sgw_net_ipv4_hdr(w, ip, total, IPPROTO_TCP, o->saddr, o->daddr, true);
	memcpy(t, o->hdr, o->hdr_len);
	if (o->payload_len != 0)     /* a SYN-ACK or a pure ACK has none (NULL) */
		memcpy(t + o->hdr_len, o->payload, o->payload_len);
	if (o->payload2_len != 0)
		memcpy(t + o->hdr_len + o->payload_len, o->payload2, o->payload2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)t;

	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	w->st.tcp_tx++;
	sgw_net_output(w, SGW_IF_OUTER, m);
}

/* --- calls not yet authenticated, per source (max_pending_per_source) --- */

static uint32_t pending_bucket(const struct sgw_worker *w, uint32_t addr)
{
	return rte_hash_crc_4byte(addr, w->pending_seed) & (SGW_PENDING_BUCKETS - 1);
}

/* Room for one more call from addr? Counts it if so: *bucket is where
 * (-1: not counted, no limit). */
static bool pending_take(struct sgw_worker *w, uint32_t addr, int32_t *bucket)
{
	uint32_t b;

	*bucket = -1;
	if (w->pending == NULL || w->sh->app != SGW_APP_SSTP)
		return true;
	b = pending_bucket(w, addr);
	if (w->pending[b] >= w->sh->max_pending_per_source)
		return false;
	w->pending[b]++;
	*bucket = (int32_t)b;
	return true;
}

/* The call is authenticated (or gone): it counts no more. */
static void pending_release(struct sgw_worker *w, struct gw_conn *c)
{
	if (c->pending < 0 || w->pending == NULL)
		return;
	w->pending[c->pending]--;
	c->pending = -1;
}

static void conn_free(struct sgw_worker *w, struct gw_conn *c)
{
	pending_release(w, c);
	addr_register(w, c, 0);
	c->state = CONN_FREE;
	c->tcp = NULL;
	c->sess = NULL;
	c->next_free = w->free_list;
	w->free_list = c;
	w->nlive--;
}

static void *tcp_on_accept(void *ctx, struct sgw_tcp_conn *tc)
{
	struct sgw_worker *w = ctx;
	struct gw_conn *c = w->free_list;

	if (c == NULL || w->stopping) {
		w->st.sessions_refused++;
		return NULL;
	}
	/* One source may hold only so many calls that are not authenticated:
	 * an idle host must not take every slot (docs/RELIABILITY.md). */
	uint32_t peer;
	uint16_t port;
	int32_t pending;

	sgw_tcp_conn_peer(tc, &peer, &port);
	if (!pending_take(w, peer, &pending)) {
		w->st.sessions_refused_source++;
		return NULL;
	}
	w->free_list = c->next_free;
	w->nlive++;
	bool dirty = c->dirty;   /* may still sit in this burst's dirty list */

	*c = (struct gw_conn){ .tcp = tc, .state = CONN_OPEN, .dirty = dirty,
			       .next_tick = w->now_ms + SGW_SESSION_TICK_MS,
			       .id = (uint64_t)w->idx << 56 | ++w->serial,
			       .start_ms = w->now_ms, .pending = pending };
	sgw_tcp_conn_peer(tc, &c->peer_addr, &c->peer_port);
	if (w->sh->app != SGW_APP_SSTP)
		return c;
	w->cur = c;
	c->sess = sgw_session_create(&w->env, w->now_ms);
	if (c->sess == NULL) {
		w->st.sessions_failed++;
		conn_free(w, c);
		return NULL;
	}
	w->st.sessions_created++;
	log_push(w, c, "accepted");
	return c;
}

/* Session output -> TCP, as far as the send buffer goes; the rest stays
 * in the session until on_writable. Closes TCP once the call is over and
 * everything has been handed to TCP. */
static void drain(struct sgw_worker *w, struct gw_conn *c)
{
	for (unsigned guard = 0; guard < 64; guard++) {
		size_t space = sgw_tcp_send_space(c->tcp);

		if (space == 0) {
			/* Ask for one byte that cannot fit: takes nothing, and
			 * arms on_writable (tcp.h) for the rest. */
			if (sgw_session_output_pending(c->sess) > 0)
				(void)sgw_tcp_send(c->tcp, w->scratch, 1, w->now_ms);
			break;
		}
		size_t n;
		const uint8_t *p = sgw_session_output_peek(c->sess, &n);

		if (n == 0)
			break;
		n = sgw_tcp_send(c->tcp, p, RTE_MIN(space, n), w->now_ms);
		sgw_session_output_consume(c->sess, n);
		if (n == 0)
			break;
	}
	const struct sgw_session_info *info = sgw_session_info(c->sess);
	enum sgw_session_phase phase = sgw_session_phase(c->sess);
	bool over = phase == SGW_SESSION_CLOSED;

	if (phase == SGW_SESSION_ESTABLISHED || over)
		pending_release(w, c);

	/* Once the call is over its address is back in the pool (session.c). */
	if (!over && info->addr != c->addr)
		addr_register(w, c, info->addr);
	if (c->state != CONN_OPEN || !over || sgw_session_output_pending(c->sess) > 0)
		return;
	c->state = CONN_CLOSING;
	/* A client that stopped answering SSTP hellos will not ACK a FIN
	 * either: reset instead of retransmitting into silence for minutes. */
	if (info->end == SGW_END_HELLO_TIMEOUT) {
		w->st.sessions_reset++;
		sgw_tcp_abort(c->tcp, w->now_ms);   /* calls on_closed: c is gone */
		return;
	}
	sgw_tcp_close(c->tcp, w->now_ms);   /* may call on_closed: c is gone */
}

/* --tcp-test source: pattern byte i is i % 251 (the tests rebuild it). */
static void source_fill(struct sgw_worker *w, struct gw_conn *c)
{
	for (unsigned guard = 0; guard < 64 && c->left > 0; guard++) {
		/* Asking for more than fits arms on_writable. */
		size_t n = RTE_MIN((uint64_t)SGW_DRAIN_CHUNK, c->left);

		for (size_t i = 0; i < n; i++)
			w->scratch[i] = (uint8_t)((c->bytes + i) % 251);
		size_t k = sgw_tcp_send(c->tcp, w->scratch, n, w->now_ms);

		c->bytes += k;
		c->left -= k;
		if (k < n)
			return;
	}
	if (c->left == 0 && c->state == CONN_OPEN) {
		c->state = CONN_CLOSING;
		sgw_tcp_close(c->tcp, w->now_ms);
	}
}

static void app_fin_close(struct sgw_worker *w, struct gw_conn *c)
{
	if (c->state != CONN_OPEN || !c->fin || c->unread)
		return;
	if (w->sh->app == SGW_APP_DISCARD) {
		uint8_t out[12];
		uint64_t be = rte_cpu_to_be_64(c->bytes);
		uint32_t crc = rte_cpu_to_be_32(c->crc);

		memcpy(out, &be, 8);
		memcpy(out + 8, &crc, 4);
		(void)sgw_tcp_send(c->tcp, out, sizeof(out), w->now_ms);
	}
	c->state = CONN_CLOSING;
	sgw_tcp_close(c->tcp, w->now_ms);
}

static size_t app_data(struct sgw_worker *w, struct gw_conn *c, const uint8_t *d, size_t len)
{
	size_t k = len;

	switch (w->sh->app) {
	case SGW_APP_ECHO:
		k = c->state == CONN_OPEN ? sgw_tcp_send(c->tcp, d, len, w->now_ms) : len;
		break;
	case SGW_APP_DISCARD:
		c->crc = crc32_update(c->crc, d, len);
		c->bytes += len;
		break;
	case SGW_APP_SOURCE:
		for (size_t i = 0; i < len && c->hdr_n < sizeof(c->hdr); i++)
			c->hdr[c->hdr_n++] = d[i];
		if (c->hdr_n == sizeof(c->hdr) && c->left == 0 && c->bytes == 0) {
			uint64_t v;

			memcpy(&v, c->hdr, 8);
			c->left = rte_be_to_cpu_64(v);
			source_fill(w, c);
		}
		break;
	case SGW_APP_SSTP:
		break;
	}
	c->unread = k < len;
	return k;
}

static size_t tcp_on_data(void *ctx, void *app, const uint8_t *data, size_t len, void *buf)
{
	struct sgw_worker *w = ctx;
	struct gw_conn *c = app;

	if (w->sh->app != SGW_APP_SSTP)
		return app_data(w, c, data, len);
	if (c->state != CONN_OPEN)
		return len;                 /* the call is over: discard */
	w->cur = c;
	/* CLOSED shows in drain */
	(void)sgw_session_input_buf(c->sess, data, len, buf, w->now_ms);
	mark_dirty(w, c);
	return len;
}

static void tcp_on_fin(void *ctx, void *app)
{
	struct sgw_worker *w = ctx;
	struct gw_conn *c = app;

	c->fin = true;
	if (w->sh->app != SGW_APP_SSTP) {
		app_fin_close(w, c);
		return;
	}
	w->cur = c;
	sgw_session_peer_closed(c->sess);
	mark_dirty(w, c);
}

static void tcp_on_writable(void *ctx, void *app)
{
	struct sgw_worker *w = ctx;
	struct gw_conn *c = app;

	switch (w->sh->app) {
	case SGW_APP_SSTP:
		mark_dirty(w, c);
		break;
	case SGW_APP_ECHO:
		if (c->unread)
			sgw_tcp_recv_more(c->tcp, w->now_ms);
		app_fin_close(w, c);
		break;
	case SGW_APP_SOURCE:
		source_fill(w, c);
		break;
	case SGW_APP_DISCARD:
		break;
	}
}

static void tcp_on_closed(void *ctx, void *app, const char *why)
{
	struct sgw_worker *w = ctx;
	struct gw_conn *c = app;

	if (c->sess != NULL) {
		const struct sgw_session_info *i = sgw_session_info(c->sess);
		char a[16];

		w->cur = c;
		log_push(w, c, "session end cn=%s addr=%s reason=%s%s%s tcp=\"%s\" "
			 "rx=%" PRIu64 "/%" PRIu64 " tx=%" PRIu64 "/%" PRIu64 " drops=%" PRIu64,
			 i->cn[0] ? i->cn : "-", i->addr ? sgw_addr_str(i->addr, a) : "-",
			 sgw_session_end_str(i->end), i->end_detail[0] ? ": " : "",
			 i->end_detail, why, i->rx_packets, i->rx_bytes, i->tx_packets,
			 i->tx_bytes, i->drops);
		addr_register(w, c, 0);
		sgw_session_destroy(c->sess);
		w->cur = NULL;
	}
	w->st.sessions_ended++;
	conn_free(w, c);
}

/* --- from net.c --- */

void sgw_worker_tcp_rx(struct sgw_worker *w, struct rte_mbuf *m, size_t l3_off)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 l3_off);
	size_t hl = rte_ipv4_hdr_len(ip);
	struct sgw_tcp_seg seg = {
		.saddr = rte_be_to_cpu_32(ip->src_addr),
		.daddr = rte_be_to_cpu_32(ip->dst_addr),
		.tcp = (const uint8_t *)ip + hl,
		.len = rte_be_to_cpu_16(ip->total_length) - hl,
		.buf = m,   /* a session may keep it (env_buf_ref) */
	};

	w->st.tcp_rx++;
	sgw_tcp_input(w->tcp, &seg, w->now_ms);
	rte_pktmbuf_free(m);
}

static void error_to_vnet(struct sgw_worker *w, const uint8_t *pkt, size_t len,
			  uint8_t type, uint8_t code, uint16_t mtu)
{
	struct rte_mbuf *e = sgw_net_icmp_error(w, w->sh->ifs[SGW_IF_INNER].addr, pkt, len,
						type, code, mtu);

	if (e != NULL)
		sgw_net_output(w, SGW_IF_INNER, e);
}


/* A burst from the VNet can fill a session's output (SGW_SESSION_TX_BUF)
 * before the end-of-burst drain: move what it holds into TCP's send buffer
 * now and try once more; only a full TCP send buffer refuses the packet.
 * Only for a live call: draining a closed one may free c. */
static bool send_ip_after_drain(struct sgw_worker *w, struct gw_conn *c, const uint8_t *p,
				size_t len)
{
	if (c->state != CONN_OPEN || sgw_session_phase(c->sess) != SGW_SESSION_ESTABLISHED ||
	    sgw_tcp_send_space(c->tcp) == 0)
		return false;
	struct gw_conn *cur = w->cur;

	w->cur = c;
	drain(w, c);
	w->cur = cur;
	return sgw_session_send_ip(c->sess, p, len) == 0;
}

void sgw_worker_to_client(struct sgw_worker *w, struct rte_mbuf *m, size_t l3_off,
			  bool handed_off)
{
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, l3_off);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	size_t len = rte_pktmbuf_data_len(m) - l3_off;
	const struct sgw_engine_hooks *h = w->sh->hooks;
	int owner = h != NULL && h->pool_owner != NULL ? h->pool_owner(h->ctx, dst) :
		    w->sh->pool != NULL ? sgw_pool_owner(w->sh->pool, dst) : -1;

	if (owner >= 0 && (unsigned)owner != w->idx && !handed_off) {
		m->packet_type = RTE_PTYPE_L3_IPV4;
		if (rte_ring_enqueue(w->sh->handoff[owner], m) != 0) {
			w->st.handoff_full++;
			rte_pktmbuf_free(m);
			return;
		}
		w->st.to_client_handoff++;
		return;
	}
	struct gw_conn **slot = addr_slot(w, dst);
	struct gw_conn *c = slot != NULL ? *slot : NULL;

	if (c == NULL || c->sess == NULL) {
		w->st.to_client_no_session++;
		error_to_vnet(w, p, len, SGW_ICMP_UNREACH, SGW_UNREACH_HOST, 0);
		goto out;
	}
	if (len > w->sh->tunnel_mtu) {
		w->st.to_client_too_big++;
		if (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_DF_FLAG)
			error_to_vnet(w, p, len, SGW_ICMP_UNREACH, SGW_UNREACH_NEEDFRAG,
				      w->sh->tunnel_mtu);
		goto out;
	}
	if (!sgw_net_ttl_dec(p)) {
		w->st.ipv4_ttl_expired++;
		error_to_vnet(w, p, len, SGW_ICMP_TIME_EXCEEDED, 0, 0);
		goto out;
	}
	if (sgw_net_clamp_mss(p, len, w->sh->mss_clamp))
		w->st.mss_clamped++;
	if (sgw_session_send_ip(c->sess, p, len) != 0 && !send_ip_after_drain(w, c, p, len))
		w->st.to_client_refused++;
	else
		w->st.to_client++;
	mark_dirty(w, c);
out:
	rte_pktmbuf_free(m);
}

const struct sgw_tcp_stats *sgw_worker_tcp_stats(const struct sgw_worker *w)
{
	return w->tcp != NULL ? sgw_tcp_stats(w->tcp) : NULL;
}

/* --- setup --- */

static int tcp_setup(struct sgw_worker *w, char *err, size_t err_len)
{
	struct sgw_tcp_cfg cfg = w->sh->tcp;

	cfg.emit = tcp_emit;
	cfg.on_accept = tcp_on_accept;
	cfg.on_data = tcp_on_data;
	cfg.on_fin = tcp_on_fin;
	cfg.on_closed = tcp_on_closed;
	cfg.on_writable = tcp_on_writable;
	cfg.ctx = w;
	w->tcp = sgw_tcp_create(&cfg);
	if (w->tcp == NULL) {
		snprintf(err, err_len, "worker %u: TCP stack for %u connections: out of memory",
			 w->idx, cfg.max_conns);
		return -ENOMEM;
	}
	return 0;
}

static void portq_setup(struct sgw_worker *w, unsigned ifx)
{
	const struct sgw_dp_shared *sh = w->sh;
	struct sgw_portq *q = &w->q[ifx];

	memset(q, 0, sizeof(*q));
	q->port_id = sh->ifs[ifx].port_id;
	q->queue = (uint16_t)w->idx;
	q->mp = sh->mp;
	if (ifx != SGW_IF_OUTER || !sgw_fault_enabled(&sh->fault))
		return;
	sgw_fault_init(&w->fault_rx, &sh->fault, 2 * w->idx + 1);
	sgw_fault_init(&w->fault_tx, &sh->fault, 2 * w->idx + 2);
	q->rx_fault = sh->fault.rx ? &w->fault_rx : NULL;
	q->tx_fault = sh->fault.tx ? &w->fault_tx : NULL;
}

int sgw_worker_init(struct sgw_worker *w, const struct sgw_dp_shared *sh, unsigned idx,
		    char *err, size_t err_len)
{
	unsigned n = sh->max_conns;
	int rc;

	memset(w, 0, sizeof(*w));
	w->sh = sh;
	w->idx = idx;
	w->tsc_per_ms = rte_get_tsc_hz() / 1000;
	w->now_ms = rte_get_tsc_cycles() / w->tsc_per_ms;
	w->icmp_refill_ms = w->now_ms;
	w->env = sh->env;
	w->env.pool_ctx = w;
	w->env.vnet_ctx = w;
	w->env.log_ctx = w;
	w->env.addr_alloc = env_addr_alloc;
	w->env.addr_free = env_addr_free;
	w->env.addr_is_client = env_addr_is_client;
	w->env.to_vnet = env_to_vnet;
	w->env.to_vnet_buf = env_to_vnet_buf;
	w->env.buf_ref = env_buf_ref;
	w->env.buf_free = env_buf_free;
	w->env.rx_alloc = env_rx_alloc;
	w->env.buf_ctx = w;
	w->env.log = env_log;
	w->bufs = sgw_bufpool_create(sh->session_buffers, SGW_SESSION_BUF);
	w->env.bufs = w->bufs;
	crc_init();
	for (unsigned i = 0; i < SGW_IF_COUNT; i++)
		portq_setup(w, i);
	w->conns = rte_zmalloc("sgw_conns", sizeof(*w->conns) * n, RTE_CACHE_LINE_SIZE);
	w->dirty = rte_zmalloc("sgw_dirty", sizeof(*w->dirty) * n, 0);
	w->by_addr = rte_zmalloc("sgw_by_addr", sizeof(*w->by_addr) * (sh->pool_slots + 1), 0);
	w->scratch = rte_malloc("sgw_scratch", SGW_DRAIN_CHUNK, RTE_CACHE_LINE_SIZE);
	if (sh->max_pending_per_source != 0) {
		w->pending = rte_zmalloc("sgw_pending", sizeof(*w->pending) * SGW_PENDING_BUCKETS, 0);
		w->pending_seed = (uint32_t)rte_rand();
	}
	if (w->conns == NULL || w->dirty == NULL || w->by_addr == NULL || w->scratch == NULL ||
	    w->bufs == NULL ||
	    (sh->max_pending_per_source != 0 && w->pending == NULL) || sgw_net_init(w) != 0) {
		snprintf(err, err_len, "worker %u: out of memory for %u sessions", idx, n);
		rc = -ENOMEM;
		goto err;
	}
	for (unsigned i = n; i-- > 0;) {
		w->conns[i].next_free = w->free_list;
		w->free_list = &w->conns[i];
	}
	rc = tcp_setup(w, err, err_len);
	if (rc != 0)
		goto err;
	return 0;
err:
	sgw_worker_fini(w);
	return rc;
}

void sgw_worker_fini(struct sgw_worker *w)
{
	if (w->tcp != NULL) {
		/* Destroying the stack does not call back: end what is left. */
		for (unsigned i = 0; w->conns != NULL && i < w->sh->max_conns; i++) {
			struct gw_conn *c = &w->conns[i];

			if (c->state != CONN_FREE && c->sess != NULL)
				sgw_session_destroy(c->sess);
			c->state = CONN_FREE;
		}
		sgw_tcp_destroy(w->tcp);
		w->tcp = NULL;
	}
	for (unsigned i = 0; i < SGW_IF_COUNT; i++) {
		rte_pktmbuf_free_bulk(w->q[i].tx, w->q[i].tx_n);
		w->q[i].tx_n = 0;
	}
	sgw_fault_flush(&w->fault_rx);
	sgw_fault_flush(&w->fault_tx);
	sgw_net_fini(w);
	rte_free(w->conns);
	rte_free(w->dirty);
	rte_free(w->by_addr);
	rte_free(w->scratch);
	rte_free(w->pending);
	w->pending = NULL;
	sgw_bufpool_destroy(w->bufs);
	w->bufs = NULL;
	w->conns = NULL;
	w->dirty = NULL;
	w->by_addr = NULL;
	w->scratch = NULL;
}

/* --- the loop --- */

static void drain_dirty(struct sgw_worker *w)
{
	for (unsigned i = 0; i < w->ndirty; i++) {
		struct gw_conn *c = w->dirty[i];

		c->dirty = false;
		if (c->state != CONN_FREE && c->sess != NULL) {
			w->cur = c;
			drain(w, c);
		}
	}
	w->ndirty = 0;
	w->cur = NULL;
}

/* Each live session is ticked about every SGW_SESSION_TICK_MS; at most
 * SGW_TICK_SCAN slots are looked at per loop. */
static void tick_sessions(struct sgw_worker *w)
{
	unsigned n = w->sh->max_conns;

	for (unsigned k = 0; k < SGW_TICK_SCAN && k < n; k++) {
		struct gw_conn *c = &w->conns[w->tick_cursor];

		w->tick_cursor = w->tick_cursor + 1 < n ? w->tick_cursor + 1 : 0;
		if (c->state == CONN_FREE || c->sess == NULL || w->now_ms < c->next_tick)
			continue;
		c->next_tick = w->now_ms + SGW_SESSION_TICK_MS;
		w->cur = c;
		sgw_session_tick(c->sess, w->now_ms);
		mark_dirty(w, c);
	}
	w->cur = NULL;
}

static void close_all(struct sgw_worker *w)
{
	for (unsigned i = 0; i < w->sh->max_conns; i++) {
		struct gw_conn *c = &w->conns[i];

		if (c->state != CONN_OPEN)
			continue;
		if (c->sess != NULL) {
			w->cur = c;
			sgw_session_close(c->sess, w->now_ms);   /* SSTP CALL_DISCONNECT */
			mark_dirty(w, c);
		} else {
			c->state = CONN_CLOSING;
			sgw_tcp_close(c->tcp, w->now_ms);
		}
	}
	w->cur = NULL;
}

static void abort_all(struct sgw_worker *w)
{
	for (unsigned i = 0; i < w->sh->max_conns; i++) {
		struct gw_conn *c = &w->conns[i];

		if (c->state != CONN_FREE)
			sgw_tcp_abort(c->tcp, w->now_ms);   /* on_closed frees c */
	}
}

static void sync_counters(struct sgw_worker *w)
{
	w->st.tx_full = w->q[SGW_IF_OUTER].tx_full + w->q[SGW_IF_INNER].tx_full;
	w->st.fault_dropped = w->fault_rx.dropped + w->fault_tx.dropped;
	w->st.fault_duplicated = w->fault_rx.duplicated + w->fault_tx.duplicated;
	w->st.fault_reordered = w->fault_rx.reordered + w->fault_tx.reordered;
}

/* --- the control thread's mailbox --- */

static void mbox_sessions(struct sgw_worker *w, struct sgw_worker_mbox *m)
{
	m->n = 0;
	for (unsigned i = 0; i < w->sh->max_conns && m->n < m->cap; i++) {
		const struct gw_conn *c = &w->conns[i];

		if (c->state == CONN_FREE || c->sess == NULL)
			continue;
		const struct sgw_session_info *si = sgw_session_info(c->sess);
		struct sgw_worker_session *o = &m->out[m->n++];

		memset(o, 0, sizeof(*o));
		o->id = c->id;
		o->worker = w->idx;
		memcpy(o->cn, si->cn, sizeof(o->cn));
		memcpy(o->thumbprint, si->thumbprint, sizeof(o->thumbprint));
		o->root_id = si->root_id;
		o->peer_addr = c->peer_addr;
		o->peer_port = c->peer_port;
		o->addr = si->addr;
		o->tls_version = si->tls_version;
		memcpy(o->tls_cipher, si->tls_cipher, sizeof(o->tls_cipher));
		o->phase = (uint8_t)sgw_session_phase(c->sess);
		o->rx_packets = si->rx_packets;
		o->rx_bytes = si->rx_bytes;
		o->tx_packets = si->tx_packets;
		o->tx_bytes = si->tx_bytes;
		o->uptime_ms = w->now_ms - c->start_ms;
	}
}

static struct gw_conn *conn_by_id(struct sgw_worker *w, uint64_t id)
{
	for (unsigned i = 0; i < w->sh->max_conns; i++) {
		struct gw_conn *c = &w->conns[i];

		if (c->state == CONN_OPEN && c->sess != NULL && c->id == id)
			return c;
	}
	return NULL;
}

/* Sessions that authenticated (a thumbprint) and that the new policy no
 * longer allows: SSTP Call Abort now, the connection closes after it. */
static void mbox_policy(struct sgw_worker *w, const struct sgw_worker_policy *p)
{
	static const uint8_t none[SGW_THUMBPRINT_LEN];
	char why[160];

	for (unsigned i = 0; i < w->sh->max_conns && p->allowed != NULL; i++) {
		struct gw_conn *c = &w->conns[i];

		if (c->state != CONN_OPEN || c->sess == NULL)
			continue;
		const struct sgw_session_info *si = sgw_session_info(c->sess);

		if (memcmp(si->thumbprint, none, sizeof(none)) == 0 ||
		    p->allowed(p->ctx, si->thumbprint, si->root_id, why, sizeof(why)))
			continue;
		w->cur = c;
		w->st.sessions_revoked++;
		sgw_session_abort(c->sess, SGW_END_REVOKED, why, w->now_ms);
		mark_dirty(w, c);
	}
	w->cur = NULL;
}

static void mbox_run(struct sgw_worker *w)
{
	struct sgw_worker_mbox *m = &w->mbox;
	struct gw_conn *c;

	m->rc = 0;
	switch ((enum sgw_worker_op)m->op) {
	case SGW_WOP_SESSIONS:
		mbox_sessions(w, m);
		break;
	case SGW_WOP_DISCONNECT:
		c = conn_by_id(w, m->arg);
		if (c == NULL) {
			m->rc = -ENOENT;
			break;
		}
		w->cur = c;
		sgw_session_close(c->sess, w->now_ms);   /* SSTP CALL_DISCONNECT */
		mark_dirty(w, c);
		w->cur = NULL;
		break;
	case SGW_WOP_POLICY:
		mbox_policy(w, &m->policy);
		break;
	case SGW_WOP_NONE:
		break;
	}
	__atomic_store_n(&m->busy, 0, __ATOMIC_RELEASE);
}

/* Shutdown: close every call once, flush for up to SGW_SHUTDOWN_FLUSH_MS
 * (less when nothing is left), then stop. Returns true to leave the loop. */
static bool shutdown_step(struct sgw_worker *w)
{
	if (!w->stopping) {
		if (!__atomic_load_n(&w->sh->stop, __ATOMIC_ACQUIRE))
			return false;
		w->stopping = true;
		w->stop_at = w->now_ms + SGW_SHUTDOWN_FLUSH_MS;
		close_all(w);
		return false;
	}
	return w->now_ms >= w->stop_at || (w->nlive == 0 && w->ndirty == 0 &&
					   w->now_ms + SGW_SHUTDOWN_FLUSH_MS - 100 >= w->stop_at);
}

static void poll_once(struct sgw_worker *w, struct rte_mbuf **pkts)
{
	for (unsigned ifx = 0; ifx < SGW_IF_COUNT; ifx++) {
		uint16_t n = sgw_portq_rx(&w->q[ifx], pkts);

		if (ifx == SGW_IF_OUTER)
			w->st.rx_outer += n;
		else
			w->st.rx_inner += n;
		sgw_net_rx(w, (enum sgw_ifx)ifx, pkts, n);
		drain_dirty(w);
	}
	unsigned n = rte_ring_dequeue_burst(w->sh->handoff[w->idx], (void **)pkts,
					    SGW_RX_BURST, NULL);

	sgw_net_handoff_rx(w, pkts, n);
	drain_dirty(w);
}

int sgw_worker_main(void *arg)
{
	struct sgw_worker *w = arg;
	struct rte_mbuf *pkts[SGW_PORTQ_RX_CAP];
	uint64_t next_tcp = 0;
	const struct sgw_engine_hooks *h = w->sh->hooks;
	bool rcu = h != NULL && h->quiescent != NULL;

	if (rcu && h->reader_online != NULL)
		h->reader_online(h->ctx, w->idx);
	for (;;) {
		w->now_ms = rte_get_tsc_cycles() / w->tsc_per_ms;
		poll_once(w, pkts);
		if (w->now_ms >= next_tcp) {
			sgw_tcp_tick(w->tcp, w->now_ms);
			next_tcp = w->now_ms + 1;
		}
		tick_sessions(w);
		if (unlikely(__atomic_load_n(&w->mbox.busy, __ATOMIC_ACQUIRE)))
			mbox_run(w);
		if (w->now_ms >= w->next_arp_tick) {
			sgw_net_tick(w);
			w->next_arp_tick = w->now_ms + SGW_SESSION_TICK_MS;
		}
		drain_dirty(w);
		for (unsigned ifx = 0; ifx < SGW_IF_COUNT; ifx++)
			sgw_portq_flush(&w->q[ifx]);
		sync_counters(w);
		if (rcu)
			h->quiescent(h->ctx, w->idx);   /* no snapshot pointer kept past here */
		if (shutdown_step(w))
			break;
	}
	abort_all(w);
	for (unsigned ifx = 0; ifx < SGW_IF_COUNT; ifx++)
		sgw_portq_flush(&w->q[ifx]);
	sync_counters(w);
	if (rcu && h->reader_offline != NULL)
		h->reader_offline(h->ctx, w->idx);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return 0;
}
