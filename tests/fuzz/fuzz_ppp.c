/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one PPP object (scripted authenticator that succeeds,
 * fake allocator) fed a sequence of frames from the input, with timer ticks
 * between them. Must not crash, leak, or loop.
 *
 * Input: byte 0 = setup (bits 0-1: how far a well-behaved client takes the
 * link first: 0 nothing, 1 LCP opened, 2 authenticated, 3 IPCP opened;
 * bit 2: the pool is exhausted; bits 3-4: EAP-TLS rounds before success).
 * Then records: 2-byte big-endian length L and L bytes of frame; L = 0xffff
 * is a tick, the next byte times 250 ms later.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/ppp.h"
#include "dataplane/sgw_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	uint64_t now;
	unsigned rounds, pos;
	bool exhausted;
	uint8_t lcp_id, lcp_opts[64], lcp_len, eap_id, ipcp_id;
	size_t max_frag;
};

static void fz_send(void *ctx, const uint8_t *f, size_t len)
{
	struct fz *z = ctx;
	uint16_t proto = (uint16_t)(f[2] << 8 | f[3]);

	if (len < 8)
		return;
	if (proto == 0xc021 && f[4] == 1 && len - 8 <= sizeof(z->lcp_opts)) {
		z->lcp_id = f[5];
		z->lcp_len = (uint8_t)(len - 8);
		memcpy(z->lcp_opts, f + 8, len - 8);
	} else if (proto == 0xc227 && f[4] == 1) {
		z->eap_id = f[5];
	} else if (proto == 0x8021 && f[4] == 1) {
		z->ipcp_id = f[5];
	}
}

static int fz_alloc(void *ctx, const char *identity, uint32_t *addr)
{
	struct fz *z = ctx;

	(void)identity;
	if (z->exhausted)
		return -ENOSPC;
	*addr = 0x0a000002;
	return 0;
}

static void *fa_create(void *ctx, size_t max_frag)
{
	struct fz *z = ctx;

	z->max_frag = max_frag;
	return z;
}

static void fa_destroy(void *a)
{
	(void)a;
}

static size_t fa_start(void *a, uint8_t *out, size_t cap)
{
	(void)a;
	if (cap < 1)
		return 0;
	out[0] = 0x20;
	return 1;
}

static enum sgw_eaptls_status fa_input(void *a, const uint8_t *in, size_t in_len,
				       uint8_t *out, size_t cap, size_t *out_len)
{
	struct fz *z = a;

	(void)in;
	if (in_len > 0 && in[0] == 0xff)
		return SGW_EAPTLS_FAILURE;
	if (z->pos++ >= z->rounds)
		return SGW_EAPTLS_SUCCESS;
	*out_len = z->max_frag + 1 <= cap ? z->max_frag + 1 : cap;
	memset(out, 0x40, *out_len);
	return SGW_EAPTLS_SEND;
}

static int fa_keys(const void *a, uint8_t msk[SGW_EAP_MSK_LEN],
		   uint8_t emsk[SGW_EAP_EMSK_LEN])
{
	(void)a;
	memset(msk, 1, SGW_EAP_MSK_LEN);
	memset(emsk, 2, SGW_EAP_EMSK_LEN);
	return 0;
}

static const struct sgw_x509_result *fa_peer(const void *a)
{
	(void)a;
	return NULL;
}

static const char *fa_error(const void *a)
{
	(void)a;
	return "fuzz";
}

static const struct sgw_ppp_auth_ops fa_ops = {
	.create = fa_create, .destroy = fa_destroy, .start = fa_start,
	.input = fa_input, .keys = fa_keys, .peer = fa_peer, .error = fa_error,
};

static void cp(struct sgw_ppp *p, struct fz *z, uint16_t proto, uint8_t code,
	       uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t f[128] = { 0xff, 0x03, (uint8_t)(proto >> 8), (uint8_t)proto,
			   code, id, 0, (uint8_t)(n + 4) };
	struct sgw_ppp_ipv4 ip;

	memcpy(f + 8, d, n);
	(void)sgw_ppp_input(p, f, n + 8, z->now, &ip);
}

/* A well-behaved client, as far as level says. */
static void prime(struct sgw_ppp *p, struct fz *z, unsigned level)
{
	static const uint8_t lcp_req[] = { 1, 4, 5, 0x78, 5, 6, 1, 2, 3, 4 };
	static const uint8_t ident[] = { 1, 'f', 'z' };
	static const uint8_t tls[] = { 13, 0 };
	static const uint8_t ipcp_ack[] = { 3, 6, 10, 0, 0, 1 };
	static const uint8_t ipcp_req[] = { 3, 6, 10, 0, 0, 2 };

	(void)sgw_ppp_start(p, z->now);
	if (level < 1)
		return;
	cp(p, z, 0xc021, 2, z->lcp_id, z->lcp_opts, z->lcp_len);
	cp(p, z, 0xc021, 1, 1, lcp_req, sizeof(lcp_req));
	if (level < 2)
		return;
	cp(p, z, 0xc227, 2, z->eap_id, ident, sizeof(ident));
	for (unsigned i = 0; i <= z->rounds && i < 4; i++)
		cp(p, z, 0xc227, 2, z->eap_id, tls, sizeof(tls));
	if (level < 3)
		return;
	cp(p, z, 0x8021, 2, z->ipcp_id, ipcp_ack, sizeof(ipcp_ack));
	cp(p, z, 0x8021, 1, 1, ipcp_req, sizeof(ipcp_req));
}

static void frames(struct sgw_ppp *p, struct fz *z, const uint8_t *d, size_t n)
{
	uint8_t out[64 + SGW_PPP_ENCAP_LEN];

	while (n >= 2) {
		size_t len = (size_t)d[0] << 8 | d[1];
		struct sgw_ppp_ipv4 ip;

		d += 2;
		n -= 2;
		if (len == 0xffff) {
			z->now += n > 0 ? (uint64_t)d[0] * 250 : 1;
			d += n > 0;
			n -= n > 0;
			(void)sgw_ppp_tick(p, z->now);
			continue;
		}
		len = len < n ? len : n;
		if (sgw_ppp_input(p, d, len, z->now, &ip) & SGW_PPP_EV_IPV4)
			(void)(ip.pkt[0] + ip.pkt[ip.len - 1]);
		d += len;
		n -= len;
		(void)sgw_ppp_ipv4_encap(p, out + SGW_PPP_ENCAP_LEN, 64);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { .now = 1000 };
	struct sgw_ppp_config cfg = {
		.magic = 0x01020304,
		.local_addr = 0x0a000001,
		.dns = { 0x08080808, 0x08080404 },
		.addr_alloc = fz_alloc,
		.addr_ctx = &z,
		.send = fz_send,
		.send_ctx = &z,
		.auth_ops = &fa_ops,
		.auth_ctx = &z,
	};
	uint8_t msk[SGW_EAP_MSK_LEN], emsk[SGW_EAP_EMSK_LEN];
	struct sgw_ppp *p;

	if (size < 1)
		return 0;
	z.exhausted = data[0] & 4;
	z.rounds = (data[0] >> 3) & 3;
	p = sgw_ppp_create(&cfg);
	if (p == NULL)
		return 0;
	prime(p, &z, data[0] & 3);
	frames(p, &z, data + 1, size - 1);
	(void)sgw_ppp_auth_keys(p, msk, emsk);
	(void)sgw_ppp_identity(p);
	(void)sgw_ppp_close(p, z.now);
	(void)sgw_ppp_tick(p, z.now + 60000);
	sgw_ppp_destroy(p);
	return 0;
}
