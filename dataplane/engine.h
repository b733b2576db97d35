/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole engine from one options struct: EAL, the mbuf pool, both
 * ports, the trust store, revoked set and TLS servers, the address pool,
 * rings, routes and the workers; sgw_engine_run launches the workers and
 * runs the control loop on the main lcore (prints session log lines and,
 * on SIGUSR1 and at exit, every worker's counters) until SIGINT/SIGTERM.
 */
#ifndef SGW_DATAPLANE_ENGINE_H
#define SGW_DATAPLANE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "dataplane/fault.h"
#include "dataplane/sgw_limits.h"
#include "dataplane/worker.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_engine;
struct sgw_policy;

struct sgw_vnet_route {
	uint32_t prefix;
	unsigned len;
	uint32_t via;                  /* 0: directly connected on the inner side */
};

/* What the control plane lends the engine (control/tables.h behind it):
 * every member is optional. Called from the workers: no lock, no
 * allocation, no system call in any of them. */
struct sgw_engine_hooks {
	void *ctx;
	/* The address pools instead of the engine's own --pool (whose prefix
	 * then only spans the addresses these hand out, for lookups). */
	int (*pool_alloc)(void *ctx, unsigned worker, const char *cn, uint32_t *addr);
	int (*pool_free)(void *ctx, uint32_t addr);
	int (*pool_owner)(void *ctx, uint32_t addr);   /* worker, or -1 */
	/* RCU readers: a worker goes online when it starts, reports a
	 * quiescent state once per loop, goes offline when it stops. */
	void (*reader_online)(void *ctx, unsigned worker);
	void (*reader_offline)(void *ctx, unsigned worker);
	void (*quiescent)(void *ctx, unsigned worker);
	/* Live roots and revoked set; NULL: --roots/--revoked, fixed. */
	const struct sgw_policy *policy;
};

struct sgw_engine_opts {
	const char *outer_port;        /* "net_tap0,iface=sgw-out" or a PCI address */
	const char *inner_port;
	uint32_t outer_addr, outer_gw; /* gw 0: clients are on the outer subnet */
	unsigned outer_len;
	uint32_t inner_addr;
	unsigned inner_len;
	struct sgw_vnet_route vnet[SGW_ROUTES_MAX];
	unsigned nvnet;
	uint32_t pool_base;
	unsigned pool_len;             /* 0: no pool (TCP test modes only) */
	uint32_t tunnel_addr;          /* 0: the pool's first address */
	uint32_t dns[SGW_DNS_SERVERS_MAX];
	const char *cert, *key, *roots_dir, *revoked_file;
	unsigned workers;
	enum sgw_aead_backend aead;
	bool aead_set;                 /* false: ipsec-mb when available */
	int log_level;                 /* EAL log level, 0: EAL default */
	struct sgw_fault_cfg fault;
	enum sgw_app app;
	uint16_t listen_port;
	unsigned max_sessions;
	unsigned mbufs;                /* 0: computed */
	uint16_t tunnel_mtu;
	bool huge;                     /* false: --no-huge -m mem_mb */
	unsigned mem_mb;
	const char *file_prefix;
	int eal_argc;                  /* passthrough after "--" */
	char **eal_argv;
	struct sgw_engine_hooks hooks;
	uint16_t tls_min, tls_max;     /* outer TLS versions, 0: 1.2 and 1.3 */
	const char *ciphers12;         /* OpenSSL cipher list for TLS 1.2, NULL: default */
	const char *suites13;          /* TLS 1.3 ciphersuites, NULL: default */
	uint32_t handshake_ms, negotiation_ms, hello_ms;  /* session.h; 0: defaults */
	unsigned max_half_open;        /* per worker before SYN cookies; 0: default */
	/* Calls from one source address not yet authenticated (before the
	 * crypto binding is verified), per worker; more are refused at TCP
	 * accept. 0: no limit. */
	unsigned max_pending_per_source;
	/* SGW_SESSION_BUF blocks per worker for the sessions' rx, tx and
	 * carry while bytes wait in them (session.c); 0: 2 x the worker's
	 * share of max_sessions + 64. */
	unsigned session_buffers;
	uint8_t hash_bitmask;          /* SSTP binding hashes: 1 SHA-1, 2 SHA-256; 0: both */
	uint32_t nbns[SGW_DNS_SERVERS_MAX];
};

/* Defaults for everything optional. */
void sgw_engine_opts_defaults(struct sgw_engine_opts *o);
/* 0 or -errno with what to fix in err; *e set on success. */
__attribute__((warn_unused_result))
int sgw_engine_create(const struct sgw_engine_opts *o, struct sgw_engine **e,
		      char *err, size_t err_len);
/* Until SIGINT/SIGTERM and the workers' shutdown. Returns 0 or -errno.
 * The same as start, poll until a signal, stop (for a caller without a
 * control plane of its own). */
int sgw_engine_run(struct sgw_engine *e);
void sgw_engine_destroy(struct sgw_engine *e);

/* --- for the control thread (one thread: these are not reentrant) --- */

/* Launch the workers and print the ready lines. 0 or -errno. */
__attribute__((warn_unused_result))
int sgw_engine_start(struct sgw_engine *e);
/* Print the workers' log lines; false once every worker has stopped. */
bool sgw_engine_poll(struct sgw_engine *e);
/* Every call closed (SSTP Call Disconnect), flushed, workers stopped. */
void sgw_engine_stop(struct sgw_engine *e);
/* The non-zero counters as "stats wN name=value" lines on stdout. */
void sgw_engine_print_stats(const struct sgw_engine *e);

unsigned sgw_engine_workers(const struct sgw_engine *e);
/* Sessions created minus ended over the workers (from the counters: safe
 * from any thread, exact once the counters are quiet). */
unsigned sgw_engine_live_sessions(const struct sgw_engine *e);
/* The packet buffer pool: taken (counting the workers' caches as free)
 * and size. Safe from any thread. */
void sgw_engine_mbufs(const struct sgw_engine *e, unsigned *in_use, unsigned *size);
const struct sgw_pool *sgw_engine_pool(const struct sgw_engine *e);
/* Every session of every worker, copied into out[cap] (the workers answer
 * within a loop). 0, or -ETIMEDOUT / -ESHUTDOWN. */
__attribute__((warn_unused_result))
int sgw_engine_sessions(struct sgw_engine *e, struct sgw_worker_session *out,
			unsigned cap, unsigned *n);
/* SSTP Call Disconnect for session id. 0 or -ENOENT. */
int sgw_engine_disconnect(struct sgw_engine *e, uint64_t id);
/* The roots or the revoked set changed: every worker checks its sessions
 * with p->allowed and aborts the ones no longer allowed (worker.h). p and
 * what it points to must stay valid for the call. 0 or -errno. */
int sgw_engine_policy_changed(struct sgw_engine *e, const struct sgw_worker_policy *p);
/* Every counter: worker >= 0 per worker, -1 for the engine's own (pool).
 * Safe from any thread (counters are read without locks; a torn read of a
 * counter being written is acceptable for a report). */
void sgw_engine_counters(const struct sgw_engine *e,
			 void (*emit)(void *ctx, const char *name, int worker, uint64_t v),
			 void *ctx);

#ifdef __cplusplus
}
#endif
#endif
