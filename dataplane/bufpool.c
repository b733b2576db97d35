/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include <stdlib.h>

#include "dataplane/bufpool.h"

enum { LINE = 64, MAX_BLOCKS = 1 << 24 };

struct sgw_bufpool {
	uint8_t *mem;
	uint32_t *free;          /* indices of free blocks, top at nfree - 1 */
	unsigned nfree;
	struct sgw_bufpool_stats st;
};

struct sgw_bufpool *sgw_bufpool_create(unsigned n, size_t size)
{
	struct sgw_bufpool *p;

	if (n == 0 || n > MAX_BLOCKS || size == 0 || size > SIZE_MAX / 2 / n)
		return NULL;
	size = (size + LINE - 1) & ~(size_t)(LINE - 1);
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->mem = aligned_alloc(LINE, size * n);
	p->free = malloc(n * sizeof(*p->free));
	if (p->mem == NULL || p->free == NULL) {
		sgw_bufpool_destroy(p);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		p->free[i] = n - 1 - i;  /* block 0 on top */
	p->nfree = n;
	p->st.blocks = n;
	p->st.block_size = size;
	return p;
}

void sgw_bufpool_destroy(struct sgw_bufpool *p)
{
	if (p == NULL)
		return;
	free(p->mem);
	free(p->free);
	free(p);
}

void *sgw_bufpool_get(struct sgw_bufpool *p)
{
	if (p->nfree == 0) {
		p->st.fails++;
		return NULL;
	}
	p->st.gets++;
	if (++p->st.in_use > p->st.high)
		p->st.high = p->st.in_use;
	return p->mem + (size_t)p->free[--p->nfree] * p->st.block_size;
}

void sgw_bufpool_put(struct sgw_bufpool *p, void *b)
{
	if (b == NULL)
		return;
	p->st.puts++;
	p->st.in_use--;
	p->free[p->nfree++] = (uint32_t)(((uint8_t *)b - p->mem) / p->st.block_size);
}

const struct sgw_bufpool_stats *sgw_bufpool_stats(const struct sgw_bufpool *p)
{
	return &p->st;
}
