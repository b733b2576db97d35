/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf_ptype.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "control/pool.h"
#include "dataplane/net.h"

enum arp_state {
	ARP_FREE,          /* never used: ends a probe chain */
	ARP_INCOMPLETE,    /* request sent, packets held */
	ARP_REACHABLE,
	ARP_STALE,         /* MAC still used while a refresh is under way */
	ARP_FAILED,        /* no answer: key kept so probe chains stay intact */
};

struct sgw_arp_entry {
	uint32_t ip;
	uint8_t ifx;
	uint8_t state;             /* enum arp_state */
	uint8_t retries;
	uint16_t nheld;
	uint8_t mac[RTE_ETHER_ADDR_LEN];
	uint64_t deadline;         /* next retry, or end of REACHABLE */
	struct rte_mbuf *held[SGW_ARP_HOLD];
};

enum {
	ARP_PROBE = 16,            /* slots searched from the hash position */
	ICMP_QUOTE_MAX = 576 - 28, /* RFC 1812 4.3.2.3: the error fits 576 bytes */
	IP_DEFAULT_TTL = 64,
};

#define ETH_HLEN ((uint16_t)sizeof(struct rte_ether_hdr))

static const uint8_t bcast[RTE_ETHER_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int sgw_net_init(struct sgw_worker *w)
{
	w->arp = rte_zmalloc("sgw_arp", sizeof(*w->arp) * SGW_ARP_ENTRIES, RTE_CACHE_LINE_SIZE);
	if (w->arp == NULL)
		return -ENOMEM;
	w->icmp_tokens = SGW_ICMP_BURST;
	return 0;
}

static void arp_drop_held(struct sgw_worker *w, struct sgw_arp_entry *e)
{
	w->st.arp_unresolved += e->nheld;
	rte_pktmbuf_free_bulk(e->held, e->nheld);
	w->arp_held -= e->nheld;
	e->nheld = 0;
}

void sgw_net_fini(struct sgw_worker *w)
{
	if (w->arp == NULL)
		return;
	for (unsigned i = 0; i < SGW_ARP_ENTRIES; i++)
		arp_drop_held(w, &w->arp[i]);
	rte_free(w->arp);
	w->arp = NULL;
}

/* --- ARP cache --- */

static unsigned arp_hash(uint32_t ip, unsigned ifx)
{
	return ((ip * 2654435761u) >> 8 ^ ifx) & (SGW_ARP_ENTRIES - 1);
}

/* The entry for (ifx, ip); with create, a FREE or FAILED slot is claimed. */
static struct sgw_arp_entry *arp_find(struct sgw_worker *w, unsigned ifx, uint32_t ip,
				      bool create)
{
	unsigned h = arp_hash(ip, ifx);
	struct sgw_arp_entry *spare = NULL;

	for (unsigned i = 0; i < ARP_PROBE; i++) {
		struct sgw_arp_entry *e = &w->arp[(h + i) & (SGW_ARP_ENTRIES - 1)];

		if (e->state != ARP_FREE && e->ip == ip && e->ifx == ifx)
			return e;
		if (spare == NULL && (e->state == ARP_FREE || e->state == ARP_FAILED))
			spare = e;
		if (e->state == ARP_FREE)
			break;
	}
	if (!create)
		return NULL;
	if (spare == NULL) {
		w->st.arp_table_full++;
		return NULL;
	}
	*spare = (struct sgw_arp_entry){ .ip = ip, .ifx = (uint8_t)ifx, .state = ARP_FAILED };
	return spare;
}

static void eth_fill(struct rte_ether_hdr *eth, const uint8_t *dst, const uint8_t *src,
		     uint16_t type)
{
	memcpy(eth->dst_addr.addr_bytes, dst, RTE_ETHER_ADDR_LEN);
	memcpy(eth->src_addr.addr_bytes, src, RTE_ETHER_ADDR_LEN);
	eth->ether_type = rte_cpu_to_be_16(type);
}

static void tx(struct sgw_worker *w, unsigned ifx, struct rte_mbuf *m)
{
	if (ifx == SGW_IF_OUTER)
		w->st.tx_outer++;
	else
		w->st.tx_inner++;
	sgw_portq_tx(&w->q[ifx], m);
}

/* An ARP packet (op) from our address on ifx. */
static struct rte_mbuf *arp_build(struct sgw_worker *w, unsigned ifx, uint16_t op,
				  const uint8_t *tha, uint32_t tip,
				  const uint8_t *sha, uint32_t sip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->sh->mp);

	if (m == NULL) {
		w->st.nombuf++;
		return NULL;
	}
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		ETH_HLEN + sizeof(struct rte_arp_hdr));
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);

	eth_fill(eth, op == RTE_ARP_OP_REQUEST ? bcast : tha, w->sh->ifs[ifx].mac,
		 RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	memcpy(a->arp_data.arp_sha.addr_bytes, sha, RTE_ETHER_ADDR_LEN);
	a->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	memcpy(a->arp_data.arp_tha.addr_bytes, tha, RTE_ETHER_ADDR_LEN);
	a->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	m->port = w->sh->ifs[ifx].port_id;
	m->packet_type = RTE_PTYPE_L2_ETHER_ARP;   /* hand-off rings tell ARP by this */
	return m;
}

static void arp_request(struct sgw_worker *w, unsigned ifx, uint32_t tip)
{
	static const uint8_t zero[RTE_ETHER_ADDR_LEN];
	const struct sgw_net_if *nif = &w->sh->ifs[ifx];
	struct rte_mbuf *m = arp_build(w, ifx, RTE_ARP_OP_REQUEST, zero, tip, nif->mac,
				       nif->addr);

	if (m == NULL)
		return;
	w->st.arp_requests++;
	tx(w, ifx, m);
}

static void send_resolved(struct sgw_worker *w, unsigned ifx, struct rte_mbuf *m,
			  const uint8_t *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eth_fill(eth, mac, w->sh->ifs[ifx].mac, RTE_ETHER_TYPE_IPV4);
	tx(w, ifx, m);
}

/* Tell the other workers what we learned: a synthetic ARP reply, shared
 * by reference (read-only for them). */
static void arp_share(struct sgw_worker *w, unsigned ifx, uint32_t ip, const uint8_t *mac)
{
	unsigned others = w->sh->nworkers - 1;

	if (others == 0)
		return;
	const struct sgw_net_if *nif = &w->sh->ifs[ifx];
	struct rte_mbuf *m = arp_build(w, ifx, RTE_ARP_OP_REPLY, nif->mac, nif->addr, mac, ip);

	if (m == NULL)
		return;
	rte_mbuf_refcnt_set(m, (uint16_t)others);
	for (unsigned i = 0; i < w->sh->nworkers; i++) {
		if (i == w->idx)
			continue;
		if (rte_ring_enqueue(w->sh->handoff[i], m) == 0)
			w->st.arp_shared++;
		else
			rte_pktmbuf_free(m);   /* drops one reference */
	}
}

/* RFC 826 "merge": update a known sender; add it if the packet was for us. */
static void arp_learn(struct sgw_worker *w, unsigned ifx, uint32_t ip, const uint8_t *mac,
		      bool for_us, bool share)
{
	struct sgw_arp_entry *e = arp_find(w, ifx, ip, for_us);

	if (e == NULL)
		return;
	bool news = e->state != ARP_REACHABLE || memcmp(e->mac, mac, RTE_ETHER_ADDR_LEN) != 0;

	memcpy(e->mac, mac, RTE_ETHER_ADDR_LEN);
	e->state = ARP_REACHABLE;
	e->retries = 0;
	e->deadline = w->now_ms + SGW_ARP_REACHABLE_MS;
	for (unsigned i = 0; i < e->nheld; i++)
		send_resolved(w, ifx, e->held[i], mac);
	w->arp_held -= e->nheld;
	e->nheld = 0;
	if (news) {
		w->st.arp_learned++;
		if (share)
			arp_share(w, ifx, ip, mac);
	}
}

static bool in_subnet(const struct sgw_net_if *nif, uint32_t ip)
{
	uint32_t mask = sgw_prefix_mask(nif->prefix_len);

	return (ip & mask) == (nif->addr & mask) && ip != nif->addr;
}

/* RFC 826 packet reception; answers requests for our address in place. */
static void arp_input(struct sgw_worker *w, unsigned ifx, struct rte_mbuf *m, bool from_wire)
{
	const struct sgw_net_if *nif = &w->sh->ifs[ifx];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);

	w->st.arp_rx++;
	if (rte_pktmbuf_data_len(m) < ETH_HLEN + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4)
		goto drop_bad;
	uint32_t sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	uint32_t tip = rte_be_to_cpu_32(a->arp_data.arp_tip);
	uint16_t op = rte_be_to_cpu_16(a->arp_opcode);
	bool for_us = tip == nif->addr;
	uint8_t sha[RTE_ETHER_ADDR_LEN];

	memcpy(sha, a->arp_data.arp_sha.addr_bytes, sizeof(sha));
	if (!in_subnet(nif, sip) || rte_is_multicast_ether_addr(&a->arp_data.arp_sha))
		goto drop_not_for_us;
	arp_learn(w, ifx, sip, sha, for_us || !from_wire, from_wire);
	if (!from_wire || !for_us || op != RTE_ARP_OP_REQUEST)
		goto done;
	/* Answer in place: the request becomes our reply. */
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	memcpy(a->arp_data.arp_tha.addr_bytes, sha, RTE_ETHER_ADDR_LEN);
	a->arp_data.arp_tip = rte_cpu_to_be_32(sip);
	memcpy(a->arp_data.arp_sha.addr_bytes, nif->mac, RTE_ETHER_ADDR_LEN);
	a->arp_data.arp_sip = rte_cpu_to_be_32(nif->addr);
	eth_fill(eth, sha, nif->mac, RTE_ETHER_TYPE_ARP);
	w->st.arp_replies++;
	tx(w, ifx, m);
	return;
drop_not_for_us:
	w->st.arp_not_for_us++;
	goto done;
drop_bad:
	w->st.arp_bad++;
done:
	rte_pktmbuf_free(m);
}

void sgw_net_tick(struct sgw_worker *w)
{
	for (unsigned i = 0; i < SGW_ARP_ENTRIES; i++) {
		struct sgw_arp_entry *e = &w->arp[i];

		if (e->state == ARP_FREE || e->state == ARP_FAILED || w->now_ms < e->deadline)
			continue;
		if (e->state == ARP_REACHABLE) {
			e->state = ARP_STALE;
			e->retries = 0;
		} else if (e->retries >= SGW_ARP_RETRIES) {
			e->state = ARP_FAILED;
			arp_drop_held(w, e);
			continue;
		}
		e->retries++;
		e->deadline = w->now_ms + SGW_ARP_RETRY_MS;
		arp_request(w, e->ifx, e->ip);
	}
}

void sgw_net_output(struct sgw_worker *w, enum sgw_ifx ifx, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t nh;

	if (!sgw_route_lookup(&w->sh->ifs[ifx].routes, rte_be_to_cpu_32(ip->dst_addr), &nh))
		goto drop_no_route;
	if (rte_pktmbuf_prepend(m, ETH_HLEN) == NULL)
		goto drop_no_headroom;
	struct sgw_arp_entry *e = arp_find(w, ifx, nh, true);

	if (e == NULL)
		goto drop_free;
	if (e->state == ARP_REACHABLE || e->state == ARP_STALE) {
		send_resolved(w, ifx, m, e->mac);
		return;
	}
	if (e->nheld >= SGW_ARP_HOLD || w->arp_held >= SGW_ARP_HOLD_TOTAL) {
		w->st.arp_hold_full++;
		goto drop_free;
	}
	e->held[e->nheld++] = m;
	w->arp_held++;
	if (e->state == ARP_FAILED) {
		e->state = ARP_INCOMPLETE;
		e->retries = 1;
		e->deadline = w->now_ms + SGW_ARP_RETRY_MS;
		arp_request(w, ifx, nh);
	}
	return;
drop_no_route:
	w->st.ipv4_no_route++;
	goto drop_free;
drop_no_headroom:
	w->st.nombuf++;
drop_free:
	rte_pktmbuf_free(m);
}

/* --- IPv4 and ICMP --- */

static bool icmp_allowed(struct sgw_worker *w)
{
	uint64_t dt = w->now_ms - w->icmp_refill_ms;

	w->icmp_refill_ms = w->now_ms;
	w->icmp_tokens += (double)dt * SGW_ICMP_RATE_PER_S / 1000.0;
	if (w->icmp_tokens > SGW_ICMP_BURST)
		w->icmp_tokens = SGW_ICMP_BURST;
	if (w->icmp_tokens < 1) {
		w->st.icmp_rate_limited++;
		return false;
	}
	w->icmp_tokens -= 1;
	return true;
}

static void ipv4_fill(struct rte_ipv4_hdr *ip, struct sgw_worker *w, uint16_t total,
		      uint8_t proto, uint32_t src, uint32_t dst)
{
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16(total),
		.packet_id = rte_cpu_to_be_16(w->ip_id++),
		.time_to_live = IP_DEFAULT_TTL,
		.next_proto_id = proto,
		.src_addr = rte_cpu_to_be_32(src),
		.dst_addr = rte_cpu_to_be_32(dst),
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

void sgw_net_ipv4_hdr(struct sgw_worker *w, void *p, uint16_t total, uint8_t proto,
		      uint32_t src, uint32_t dst, bool df)
{
	struct rte_ipv4_hdr *ip = p;

	ipv4_fill(ip, w, total, proto, src, dst);
	if (df) {
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

/* RFC 1812 4.3.2.7: no error about an ICMP error, a non-first fragment,
 * or a packet whose source is not one host. */
static bool error_forbidden(const struct rte_ipv4_hdr *o, size_t len)
{
	uint32_t src = rte_be_to_cpu_32(o->src_addr);
	size_t hl = rte_ipv4_hdr_len(o);

	if ((rte_be_to_cpu_16(o->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return true;
	if (src == 0 || src == UINT32_MAX || (src >> 28) == 0xe)
		return true;
	if (o->next_proto_id != IPPROTO_ICMP)
		return false;
	if (len < hl + 1)
		return true;
	uint8_t type = ((const uint8_t *)o)[hl];

	return type != SGW_ICMP_ECHO && type != SGW_ICMP_ECHO_REPLY;
}

struct rte_mbuf *sgw_net_icmp_error(struct sgw_worker *w, uint32_t from,
				    const uint8_t *orig, size_t orig_len,
				    uint8_t type, uint8_t code, uint16_t mtu)
{
	const struct rte_ipv4_hdr *o = (const struct rte_ipv4_hdr *)orig;

	if (orig_len < sizeof(*o) || error_forbidden(o, orig_len) || !icmp_allowed(w))
		return NULL;
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->sh->mp);

	if (m == NULL) {
		w->st.nombuf++;
		return NULL;
	}
	size_t quote = RTE_MIN(orig_len, (size_t)ICMP_QUOTE_MAX);
	uint16_t total = (uint16_t)(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr) + quote);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, total);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

	ipv4_fill(ip, w, total, IPPROTO_ICMP, from, rte_be_to_cpu_32(o->src_addr));
	ip->type_of_service = 0xc0;   /* RFC 1812 4.3.2.5: internetwork control */
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	*ic = (struct rte_icmp_hdr){ .icmp_type = type, .icmp_code = code };
	if (type == SGW_ICMP_UNREACH && code == SGW_UNREACH_NEEDFRAG)
		ic->icmp_seq_nb = rte_cpu_to_be_16(mtu);   /* RFC 1191 4 */
	memcpy(ic + 1, orig, quote);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	w->st.icmp_errors_sent++;
	return m;
}

/* Echo request to one of our addresses: the reply in place (RFC 792). */
static void icmp_input(struct sgw_worker *w, unsigned ifx, struct rte_mbuf *m,
		       struct rte_ipv4_hdr *ip, size_t hl, size_t len)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip + hl);
	size_t ilen = len - hl;

	if (ilen < sizeof(*ic) || rte_raw_cksum(ic, ilen) != 0xffff ||
	    ic->icmp_type != SGW_ICMP_ECHO || ic->icmp_code != 0) {
		w->st.icmp_ignored++;
		rte_pktmbuf_free(m);
		return;
	}
	ic->icmp_type = SGW_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, ilen);
	uint32_t src = rte_be_to_cpu_32(ip->src_addr);

	ip->src_addr = ip->dst_addr;
	ip->dst_addr = rte_cpu_to_be_32(src);
	ip->time_to_live = IP_DEFAULT_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	w->st.icmp_echo_replies++;
	sgw_net_output(w, (enum sgw_ifx)ifx, m);
}

static void send_error(struct sgw_worker *w, unsigned ifx, const struct rte_ipv4_hdr *ip,
		       size_t len, uint8_t type, uint8_t code)
{
	struct rte_mbuf *e = sgw_net_icmp_error(w, w->sh->ifs[ifx].addr, (const uint8_t *)ip,
						len, type, code, 0);

	if (e != NULL)
		sgw_net_output(w, (enum sgw_ifx)ifx, e);
}

/* RFC 9293 3.1: the sum over pseudo-header and segment, checksum
 * included, is all ones. */
static bool tcp_cksum_ok(const struct rte_ipv4_hdr *ip, const void *th, size_t l4len)
{
	uint32_t sum = __rte_raw_cksum(th, l4len, rte_ipv4_phdr_cksum(ip, 0));

	return __rte_raw_cksum_reduce(sum) == 0xffff;
}

/* A packet for one of our own addresses. */
static void local_input(struct sgw_worker *w, unsigned ifx, struct rte_mbuf *m,
			struct rte_ipv4_hdr *ip, size_t hl, size_t len)
{
	if (ip->next_proto_id == IPPROTO_ICMP) {
		icmp_input(w, ifx, m, ip, hl, len);
		return;
	}
	if (ip->next_proto_id == IPPROTO_TCP && ifx == SGW_IF_OUTER) {
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((uint8_t *)ip + hl);

		if (len - hl < sizeof(*th) || (size_t)((th->data_off >> 4) * 4) > len - hl ||
		    (th->data_off >> 4) < 5) {
			w->st.tcp_bad_len++;
			rte_pktmbuf_free(m);
			return;
		}
		if (!tcp_cksum_ok(ip, th, len - hl)) {
			w->st.tcp_bad_csum++;
			rte_pktmbuf_free(m);
			return;
		}
		sgw_worker_tcp_rx(w, m, 0);
		return;
	}
	w->st.ipv4_proto_unreach++;
	send_error(w, ifx, ip, len, SGW_ICMP_UNREACH,
		   ip->next_proto_id == IPPROTO_UDP || ip->next_proto_id == IPPROTO_TCP ?
		   SGW_UNREACH_PORT : SGW_UNREACH_PROTO);
	rte_pktmbuf_free(m);
}

/* RFC 791 / RFC 1812 5.2.2 header checks. Strips Ethernet and any link
 * padding: on success m starts at the IPv4 header and is exactly its
 * total length long. */
static bool ipv4_check(struct sgw_worker *w, struct rte_mbuf *m)
{
	if (rte_pktmbuf_data_len(m) < ETH_HLEN + sizeof(struct rte_ipv4_hdr))
		goto bad_hdr;
	rte_pktmbuf_adj(m, ETH_HLEN);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	size_t hl = (size_t)(ip->version_ihl & 0xf) * 4;
	size_t total = rte_be_to_cpu_16(ip->total_length);

	if ((ip->version_ihl >> 4) != 4 || hl < sizeof(*ip) || hl > rte_pktmbuf_data_len(m))
		goto bad_hdr;
	if (rte_raw_cksum(ip, hl) != 0xffff) {
		w->st.ipv4_bad_csum++;
		return false;
	}
	if (total < hl || total > rte_pktmbuf_data_len(m)) {
		w->st.ipv4_bad_len++;
		return false;
	}
	if (total < rte_pktmbuf_data_len(m))
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - total));
	/* No reassembly: the gateway's peers do PMTU discovery. */
	if ((rte_be_to_cpu_16(ip->fragment_offset) &
	     (RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) != 0) {
		w->st.ipv4_frag++;
		return false;
	}
	return true;
bad_hdr:
	w->st.ipv4_bad_hdr++;
	return false;
}

static void ipv4_input(struct sgw_worker *w, unsigned ifx, struct rte_mbuf *m)
{
	if (!ipv4_check(w, m)) {
		rte_pktmbuf_free(m);
		return;
	}
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	const struct sgw_net_if *nif = &w->sh->ifs[ifx];
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
	size_t hl = rte_ipv4_hdr_len(ip);
	size_t len = rte_pktmbuf_data_len(m);

	if (dst == nif->addr) {
		local_input(w, ifx, m, ip, hl, len);
		return;
	}
	if (ifx == SGW_IF_INNER && dst - w->sh->pool_base < w->sh->pool_slots) {
		sgw_worker_to_client(w, m, 0, false);
		return;
	}
	w->st.ipv4_not_for_us++;
	rte_pktmbuf_free(m);
}

static bool eth_for_us(const struct rte_ether_hdr *eth, const uint8_t *mac)
{
	return memcmp(eth->dst_addr.addr_bytes, mac, RTE_ETHER_ADDR_LEN) == 0 ||
	       rte_is_broadcast_ether_addr(&eth->dst_addr);
}

static void eth_input(struct sgw_worker *w, unsigned ifx, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (unlikely(rte_pktmbuf_data_len(m) < ETH_HLEN))
		goto drop_runt;
	/* Chains come only from jumbo frames, which we do not configure. */
	if (unlikely(!rte_pktmbuf_is_contiguous(m)))
		goto drop_multiseg;
	if (!eth_for_us(eth, w->sh->ifs[ifx].mac))
		goto drop_other_mac;
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		arp_input(w, ifx, m, true);
		return;
	}
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		goto drop_ethertype;
	if (rte_is_broadcast_ether_addr(&eth->dst_addr))
		goto drop_other_mac;
	ipv4_input(w, ifx, m);
	return;
drop_runt:
	w->st.drop_runt++;
	goto drop;
drop_multiseg:
	w->st.drop_multiseg++;
	goto drop;
drop_other_mac:
	w->st.drop_other_mac++;
	goto drop;
drop_ethertype:
	w->st.drop_ethertype++;
drop:
	rte_pktmbuf_free(m);
}

enum { PREFETCH_OFFSET = 4 };

void sgw_net_rx(struct sgw_worker *w, enum sgw_ifx ifx, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < PREFETCH_OFFSET && i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i + PREFETCH_OFFSET < n; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_OFFSET], void *));
		eth_input(w, ifx, pkts[i]);
	}
	for (; i < n; i++)
		eth_input(w, ifx, pkts[i]);
}

void sgw_net_handoff_rx(struct sgw_worker *w, struct rte_mbuf **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		unsigned ifx = m->port == w->sh->ifs[SGW_IF_OUTER].port_id ?
			       SGW_IF_OUTER : SGW_IF_INNER;

		/* ARP shares start at Ethernet; inner packets at IPv4. */
		w->st.rx_handoff++;
		if (m->packet_type == RTE_PTYPE_L2_ETHER_ARP)
			arp_input(w, ifx, m, false);
		else
			sgw_worker_to_client(w, m, 0, true);
	}
}

bool sgw_net_ttl_dec(uint8_t *p)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	if (ip->time_to_live <= 1)
		return false;
	ip->time_to_live--;
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'); the TTL is the high byte. */
	uint32_t sum = (uint16_t)~rte_be_to_cpu_16(ip->hdr_checksum);

	sum += 0xfeff;            /* ~0x0100 + carry-free: -(1 << 8) in ones' complement */
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
	return true;
}

/* RFC 9293 3.7.1 / RFC 879: rewrite a SYN's MSS option down to mss. */
bool sgw_net_clamp_mss(uint8_t *p, size_t len, uint16_t mss)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	size_t hl = rte_ipv4_hdr_len(ip);

	if (len < hl + sizeof(struct rte_tcp_hdr) || ip->next_proto_id != IPPROTO_TCP)
		return false;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(p + hl);
	size_t thl = (size_t)(th->data_off >> 4) * 4;

	if (!(th->tcp_flags & RTE_TCP_SYN_FLAG) || thl > len - hl || thl < sizeof(*th))
		return false;
	uint8_t *o = (uint8_t *)(th + 1), *end = p + hl + thl;

	while (o < end && *o != 0) {
		if (*o == 1) {                   /* NOP */
			o++;
			continue;
		}
		if (o + 2 > end || o[1] < 2 || o + o[1] > end)
			return false;
		if (o[0] == 2 && o[1] == 4) {
			if ((uint16_t)(o[2] << 8 | o[3]) <= mss)
				return false;
			o[2] = (uint8_t)(mss >> 8);
			o[3] = (uint8_t)mss;
			th->cksum = 0;
			th->cksum = rte_ipv4_udptcp_cksum(ip, th);
			return true;
		}
		o += o[1];
	}
	return false;
}
