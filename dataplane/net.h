/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet, ARP (RFC 826), IPv4 (RFC 791, RFC 1812) and ICMP (RFC 792) for
 * a worker (DPDK side): classify rx bursts, answer ARP for our addresses
 * and resolve next hops (a per-worker cache with a small hold queue per
 * unresolved entry and request retries; what one worker learns from the
 * wire it shares with the others through their hand-off rings), check IPv4
 * headers, answer echo requests to our addresses, send rate-limited ICMP
 * errors, route and transmit.
 *
 * mbuf ownership: every function that takes an mbuf consumes it.
 */
#ifndef SGW_DATAPLANE_NET_H
#define SGW_DATAPLANE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/worker.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;

/* ICMP (RFC 792) types and codes we send. */
enum sgw_icmp {
	SGW_ICMP_ECHO_REPLY = 0,
	SGW_ICMP_UNREACH = 3,
	SGW_ICMP_ECHO = 8,
	SGW_ICMP_TIME_EXCEEDED = 11,
};
enum sgw_icmp_unreach {
	SGW_UNREACH_NET = 0,
	SGW_UNREACH_HOST = 1,
	SGW_UNREACH_PROTO = 2,
	SGW_UNREACH_PORT = 3,
	SGW_UNREACH_NEEDFRAG = 4,    /* RFC 1191: next-hop MTU in the header */
};

__attribute__((warn_unused_result))
int sgw_net_init(struct sgw_worker *w);
void sgw_net_fini(struct sgw_worker *w);

/* A burst received on port ifx. */
void sgw_net_rx(struct sgw_worker *w, enum sgw_ifx ifx, struct rte_mbuf **pkts,
		uint16_t n);
/* Mbufs other workers handed to this one (shared ARP, inner packets). */
void sgw_net_handoff_rx(struct sgw_worker *w, struct rte_mbuf **pkts, unsigned n);
/* m holds an IPv4 packet at offset 0: route it on ifx, resolve the next
 * hop, prepend Ethernet, queue for tx. */
void sgw_net_output(struct sgw_worker *w, enum sgw_ifx ifx, struct rte_mbuf *m);
/* A new mbuf with an ICMP error about orig (IPv4 at offset 0), sent from
 * `from`; NULL when RFC 1812 4.3.2.7 forbids one, the rate limit says no,
 * or no mbuf. mtu: for SGW_UNREACH_NEEDFRAG. */
struct rte_mbuf *sgw_net_icmp_error(struct sgw_worker *w, uint32_t from,
				    const uint8_t *orig, size_t orig_len,
				    uint8_t type, uint8_t code, uint16_t mtu);
/* Fill a 20-byte IPv4 header at ip (DF set when df; checksum done). */
void sgw_net_ipv4_hdr(struct sgw_worker *w, void *ip, uint16_t total, uint8_t proto,
		      uint32_t src, uint32_t dst, bool df);
/* ARP retries and aging (call every ~100 ms). */
void sgw_net_tick(struct sgw_worker *w);

/* Clamp the MSS option of a TCP SYN inside IPv4 packet ip to mss (fixes
 * the checksum). Returns true if it changed the packet. */
bool sgw_net_clamp_mss(uint8_t *ip, size_t len, uint16_t mss);
/* Forwarding: false if the TTL ran out (send Time Exceeded), else
 * decrements it and patches the header checksum (RFC 1624). */
bool sgw_net_ttl_dec(uint8_t *ip);

#ifdef __cplusplus
}
#endif
#endif
