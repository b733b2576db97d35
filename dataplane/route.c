/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/route.h"

void sgw_route_init(struct sgw_route_table *t)
{
	memset(t, 0, sizeof(*t));
}

int sgw_route_add(struct sgw_route_table *t, uint32_t prefix, unsigned len,
		  uint32_t nexthop)
{
	if (len > 32 || (prefix & ~sgw_prefix_mask(len)) != 0)
		return -EINVAL;
	if (t->n >= SGW_ROUTES_MAX)
		return -ENOSPC;
	/* Keep longest first so the first match is the longest match. */
	unsigned i = t->n;
	while (i > 0 && t->r[i - 1].len < len) {
		t->r[i] = t->r[i - 1];
		i--;
	}
	t->r[i] = (struct sgw_route){ .prefix = prefix, .mask = sgw_prefix_mask(len),
				      .nexthop = nexthop, .len = (uint8_t)len };
	t->n++;
	return 0;
}

bool sgw_route_lookup(const struct sgw_route_table *t, uint32_t dst,
		      uint32_t *nexthop)
{
	for (unsigned i = 0; i < t->n; i++) {
		const struct sgw_route *r = &t->r[i];

		if ((dst & r->mask) == r->prefix) {
			*nexthop = r->nexthop != 0 ? r->nexthop : dst;
			return true;
		}
	}
	return false;
}

bool sgw_addr_parse(const char *s, uint32_t *addr)
{
	uint32_t a = 0;
	const char *p = s;

	for (int i = 0; i < 4; i++) {
		char *end;

		if (*p < '0' || *p > '9')
			return false;
		unsigned long v = strtoul(p, &end, 10);
		if (v > 255 || end - p > 3)
			return false;
		a = a << 8 | (uint32_t)v;
		p = end;
		if (i < 3 && *p++ != '.')
			return false;
	}
	if (*p != '\0')
		return false;
	*addr = a;
	return true;
}

bool sgw_prefix_parse(const char *s, uint32_t *addr, unsigned *len, bool allow_host)
{
	char buf[32];
	const char *slash = strchr(s, '/');

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	char *end;
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	unsigned long l = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || l > 32 || !sgw_addr_parse(buf, addr))
		return false;
	if (!allow_host && (*addr & ~sgw_prefix_mask((unsigned)l)) != 0)
		return false;
	*len = (unsigned)l;
	return true;
}

const char *sgw_addr_str(uint32_t a, char *out)
{
	snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return out;
}
