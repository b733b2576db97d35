/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The read-mostly tables the control thread publishes to the workers
 * (DESIGN.md "Tables"): the trust store, the revoked set and the address
 * pools with their reservations.
 *
 * Writer: exactly one control thread calls every sgw_tables_* function
 * marked "writer". A change is made on a private copy, written to disk,
 * published with a release store, and the old copy is freed only after every
 * reader has passed a quiescent state (RCU, DPDK rte_rcu_qsbr).
 *
 * Readers: the workers, ids 0..nreaders-1, from any lcore or thread. A reader
 * goes online once, calls sgw_tables_quiescent() once per loop, and may only
 * use a snapshot pointer between two quiescent calls. Reader functions never
 * lock, allocate or block. The writer thread may call them too.
 *
 * Files:
 *  roots_dir/     one certificate per file (.cer, .crt or .pem: DER, PEM or
 *                 base64 DER, as uploaded) whose file name is the root's
 *                 name, plus ".ids", the index that keeps root ids stable
 *                 across restarts (written by us, atomically):
 *                     # comment
 *                     next <first id never handed out>
 *                     <id> <thumbprint, 40 hex> <file name>
 *                 A root keeps its id as long as its thumbprint is the same,
 *                 even if the file is renamed; ids are never reused.
 *  revoked_file   one SHA-1 thumbprint per line, as Windows shows it (pairs
 *                 separated by spaces, any case, a leading U+200E, a UTF-8
 *                 BOM and CRLF line ends are all accepted). A "#" starts a
 *                 note: "THUMBPRINT # note" on the same line, or a "# note"
 *                 line right above the thumbprint. Blank lines separate.
 *                 Rewritten atomically as "THUMBPRINT # note" lines.
 *
 * Addresses are IPv4 in host byte order.
 */
#ifndef SGW_CONTROL_TABLES_H
#define SGW_CONTROL_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/x509.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_policy;

enum {
	SGW_TABLES_MAX_READERS = 64,    /* = the pool's partitions */
	SGW_TABLES_MAX_POOLS = 16,      /* configured prefixes */
	SGW_TABLES_MAX_RESERVATIONS = 4096,
	SGW_TABLES_MAX_EXCLUDED = 64,
	SGW_TABLES_NAME_MAX = 64,       /* root file name, with extension */
	SGW_TABLES_NOTE_MAX = 128,      /* revoked note, with the NUL */
};

struct sgw_tables;

struct sgw_tables_prefix {
	uint32_t base;
	unsigned prefix_len;            /* 16..30 */
};

struct sgw_tables_reservation {
	const char *cn;                 /* client certificate subject CN */
	uint32_t addr;                  /* inside a pool or not */
};

struct sgw_tables_pools {
	const struct sgw_tables_prefix *prefixes;
	unsigned nprefixes;             /* must not overlap each other */
	const struct sgw_tables_reservation *reservations;
	unsigned nreservations;
	const uint32_t *excluded;       /* never handed out (gateway address) */
	unsigned nexcluded;
};

struct sgw_tables_cfg {
	unsigned nreaders;              /* workers, 1..SGW_TABLES_MAX_READERS */
	const char *roots_dir;          /* must exist */
	unsigned max_roots;             /* 0: SGW_TRUST_DEFAULT_MAX_ROOTS */
	const char *revoked_file;       /* created on first change */
	struct sgw_tables_pools pools;
	bool no_fsync;                  /* tests only: files are still replaced
					   by rename, but not flushed to disk */
};

struct sgw_tables_root {
	struct sgw_root_info info;
	char name[SGW_TABLES_NAME_MAX]; /* the file in roots_dir */
};

struct sgw_tables_revoked_entry {
	uint8_t thumbprint[SGW_THUMBPRINT_LEN];
	char note[SGW_TABLES_NOTE_MAX];
};

struct sgw_tables_pool_usage {
	uint32_t base;
	unsigned prefix_len;
	bool draining;                  /* removed or changed: hands out nothing,
					   retired when its last address is freed */
	unsigned size;                  /* addresses it can hand out */
	unsigned used;                  /* in use, counting addresses still
					   held from a pool it replaced */
	unsigned nparts;
	unsigned used_part[SGW_TABLES_MAX_READERS];
};

/* --- setup (writer) --- */

/* Loads roots_dir and revoked_file and builds the pools. Returns NULL on
 * any problem, with err set to "<file>: <reason>" (or "<file>:<line>:
 * <reason>" for the revoked file): the gateway must not start on a policy
 * it could not read. */
__attribute__((warn_unused_result))
struct sgw_tables *sgw_tables_create(const struct sgw_tables_cfg *cfg,
				     char *err, size_t err_len);
/* No reader may be online. */
void sgw_tables_destroy(struct sgw_tables *t);

/* --- readers (workers) --- */

/* Every reader starts offline; offline readers do not hold up the writer. */
void sgw_tables_reader_online(struct sgw_tables *t, unsigned id);
void sgw_tables_reader_offline(struct sgw_tables *t, unsigned id);
/* Once per loop: every snapshot pointer obtained before is invalid after. */
void sgw_tables_quiescent(struct sgw_tables *t, unsigned id);

/* The current snapshots (acquire loads). */
const struct sgw_trust *sgw_tables_trust(const struct sgw_tables *t);
const struct sgw_revoked *sgw_tables_revoked(const struct sgw_tables *t);
/* The same snapshots as a live policy for the TLS handshakes (crypto/tls.h
 * struct sgw_policy): valid as long as t. */
const struct sgw_policy *sgw_tables_policy(const struct sgw_tables *t);
/* Bumped after every change of trust or revoked is published: a reader
 * that sees a new value rescans its sessions (revoked thumbprint, or root
 * no longer present: abort). */
uint64_t sgw_tables_generation(const struct sgw_tables *t);
bool sgw_tables_root_present(const struct sgw_trust *trust, int root_id);

/* The reserved address of cn. Returns 0 or -ENOENT. */
__attribute__((warn_unused_result))
int sgw_tables_reserved(const struct sgw_tables *t, const char *cn,
			uint32_t *addr);
/* An address for a new session on worker part: cn's reservation if it has
 * one (-EBUSY while the reserved address is still held), else a free
 * address of part's partition of the pools. Returns 0, -EBUSY, -ENOSPC or
 * -EINVAL (part out of range). cn may be NULL. */
__attribute__((warn_unused_result))
int sgw_tables_pool_alloc(struct sgw_tables *t, unsigned part, const char *cn,
			  uint32_t *addr);
/* Give back an address from sgw_tables_pool_alloc(), even after the pools
 * changed. Returns 0 or -ENOENT (not in use). */
int sgw_tables_pool_free(struct sgw_tables *t, uint32_t addr);
/* The worker that holds addr (an inner destination), -1 if nobody does. */
int sgw_tables_pool_owner(const struct sgw_tables *t, uint32_t addr);

/* --- writer: policy --- */

/* Add a root (DER, PEM or base64 DER) under the file name name (a
 * [A-Za-z0-9._-] stem, ".cer" appended unless it ends in .cer/.crt/.pem).
 * Returns the new id, or -EINVAL (bad name or certificate), -EEXIST (same
 * name or same certificate), -ENOSPC (max_roots reached), -EIO (could not
 * write the file); err says which. */
__attribute__((warn_unused_result))
int sgw_tables_roots_add(struct sgw_tables *t, const uint8_t *data, size_t len,
			 const char *name, char *err, size_t err_len);
/* Returns 0, -ENOENT (no such id) or -EIO (the file could not be removed:
 * nothing changed). */
__attribute__((warn_unused_result))
int sgw_tables_roots_remove(struct sgw_tables *t, unsigned id,
			    char *err, size_t err_len);
/* Fills up to max roots in id order; returns how many there are. */
unsigned sgw_tables_roots_list(const struct sgw_tables *t,
			       struct sgw_tables_root *out, unsigned max);

/* note may be NULL; one line, < SGW_TABLES_NOTE_MAX bytes, no control
 * characters. Returns 0, -EEXIST, -EINVAL (bad note) or -EIO (the file
 * could not be written: nothing changed). */
__attribute__((warn_unused_result))
int sgw_tables_revoked_add(struct sgw_tables *t,
			   const uint8_t tp[SGW_THUMBPRINT_LEN],
			   const char *note, char *err, size_t err_len);
/* Returns 0, -ENOENT or -EIO. */
__attribute__((warn_unused_result))
int sgw_tables_revoked_remove(struct sgw_tables *t,
			      const uint8_t tp[SGW_THUMBPRINT_LEN],
			      char *err, size_t err_len);
/* Fills up to max entries in thumbprint order; returns how many there are. */
unsigned sgw_tables_revoked_list(const struct sgw_tables *t,
				 struct sgw_tables_revoked_entry *out,
				 unsigned max);

/* --- writer: pools --- */

/* Replace the pools, reservations and exclusions. Never takes an address in
 * use: a pool that is unchanged (same prefix, same exclusions and
 * reservations inside it) is kept as is; a changed or removed pool stops
 * handing out addresses and is retired once its last one is freed; a new
 * pool does not hand out what an older pool or a reservation still holds.
 * Returns 0 or -EINVAL (err says what: overlap, bad prefix...). */
__attribute__((warn_unused_result))
int sgw_tables_pools_set(struct sgw_tables *t, const struct sgw_tables_pools *p,
			 char *err, size_t err_len);
/* Fills up to max pools (draining ones too); returns how many there are. */
unsigned sgw_tables_pools_usage(const struct sgw_tables *t,
				struct sgw_tables_pool_usage *out, unsigned max);
/* Periodic (about once a second): retires drained pools and released
 * reservations. Returns how many pools were retired. */
unsigned sgw_tables_maintain(struct sgw_tables *t);

#ifdef __cplusplus
}
#endif
#endif
