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

struct sgw_vnet_route {
	uint32_t prefix;
	unsigned len;
	uint32_t via;                  /* 0: directly connected on the inner side */
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
};

/* Defaults for everything optional. */
void sgw_engine_opts_defaults(struct sgw_engine_opts *o);
/* 0 or -errno with what to fix in err; *e set on success. */
__attribute__((warn_unused_result))
int sgw_engine_create(const struct sgw_engine_opts *o, struct sgw_engine **e,
		      char *err, size_t err_len);
/* Until SIGINT/SIGTERM and the workers' shutdown. Returns 0 or -errno. */
int sgw_engine_run(struct sgw_engine *e);
void sgw_engine_destroy(struct sgw_engine *e);

#ifdef __cplusplus
}
#endif
#endif
