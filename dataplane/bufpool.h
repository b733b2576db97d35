/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fixed pool of equal blocks for the buffers a session holds only while
 * bytes are in flight (issue #5): a partial TLS record (rx), sealed output
 * not yet taken by TCP (tx), an SSTP packet cut by a record boundary
 * (carry). One allocation at create, a LIFO free list of indices (the
 * block given back last is the warm one taken next), O(1) get and put,
 * no allocation and no lock after create: one pool per worker thread.
 */
#ifndef SGW_DATAPLANE_BUFPOOL_H
#define SGW_DATAPLANE_BUFPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_bufpool;

struct sgw_bufpool_stats {
	uint64_t gets, puts;
	uint64_t fails;          /* get found the pool empty */
	unsigned in_use, high;   /* blocks out now, and at most */
	unsigned blocks;
	size_t block_size;
};

/* n blocks of size bytes (rounded up to a cache line); NULL on bad
 * arguments or no memory. */
struct sgw_bufpool *sgw_bufpool_create(unsigned n, size_t size);
void sgw_bufpool_destroy(struct sgw_bufpool *p);
/* A block, or NULL (counted in fails) when all are out. */
void *sgw_bufpool_get(struct sgw_bufpool *p);
/* Give back a block from this pool (NULL: nothing). */
void sgw_bufpool_put(struct sgw_bufpool *p, void *b);
const struct sgw_bufpool_stats *sgw_bufpool_stats(const struct sgw_bufpool *p);

#ifdef __cplusplus
}
#endif
#endif
