/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "control/pool.h"
#include "crypto/random.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "dataplane/bufpool.h"
#include "dataplane/engine.h"
#include "dataplane/port.h"
#include "dataplane/route.h"
#include "dataplane/worker.h"

enum {
	EAL_ARGS_MAX = 64,
	MAX_ROOTS = 20,
	CONTROL_POLL_MS = 10,
	ENGINE_ASK_MS = 1000,         /* a worker answers its mailbox within a loop */
};

struct sgw_engine {
	struct sgw_dp_shared sh;
	struct sgw_port ports[SGW_IF_COUNT];
	struct sgw_worker *workers;
	unsigned nworkers_init;
	unsigned lcores[SGW_MAX_WORKERS];
	struct sgw_tls_server *tls, *eap_tls;
	struct sgw_trust *trust;
	struct sgw_revoked *revoked;
	bool eal_up;
	bool started;                 /* the workers are running */
	struct sgw_engine_hooks hooks;
	char eal_buf[EAL_ARGS_MAX][160];
	char *eal_argv[EAL_ARGS_MAX + 1];
	int eal_argc;
};

static volatile sig_atomic_t sig_stop, sig_stats;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_stats = 1;
	else
		sig_stop = 1;
}

void sgw_engine_opts_defaults(struct sgw_engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->workers = 1;
	o->listen_port = 443;
	o->max_sessions = SGW_DEFAULT_MAX_SESSIONS;
	o->tunnel_mtu = SGW_DEFAULT_TUNNEL_MTU;
	o->mem_mb = 512;
	o->file_prefix = "sstpgw";
	o->app = SGW_APP_SSTP;
	o->fault.rx = true;
	o->fault.tx = true;
}

/* --- EAL --- */

static void eal_add(struct sgw_engine *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void eal_add(struct sgw_engine *e, const char *fmt, ...)
{
	va_list ap;

	if (e->eal_argc >= EAL_ARGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(e->eal_buf[e->eal_argc], sizeof(e->eal_buf[0]), fmt, ap);
	va_end(ap);
	e->eal_argv[e->eal_argc] = e->eal_buf[e->eal_argc];
	e->eal_argc++;
}

static bool passthrough_has(const struct sgw_engine_opts *o, const char *const *names)
{
	for (int i = 0; i < o->eal_argc; i++)
		for (const char *const *n = names; *n != NULL; n++)
			if (strncmp(o->eal_argv[i], *n, strlen(*n)) == 0)
				return true;
	return false;
}

static bool is_vdev(const char *spec)
{
	return strncmp(spec, "net_", 4) == 0;
}

/* The ethdev name: a vdev's name is its spec up to the first comma. */
static void port_name(const char *spec, char *out, size_t len)
{
	size_t n = strcspn(spec, ",");

	snprintf(out, len, "%.*s", (int)RTE_MIN(n, len - 1), spec);
}

static int eal_setup(struct sgw_engine *e, const struct sgw_engine_opts *o,
		     char *err, size_t err_len)
{
	static const char *const lcore_opts[] = { "-l", "-c", "--lcores", NULL };
	static const char *const mem_opts[] = { "-m", "--socket-mem", "--no-huge", NULL };
	const char *specs[] = { o->outer_port, o->inner_port };

	eal_add(e, "sstpgw");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	/* lcore 0 is the control thread (it mostly sleeps), 1..N the workers.
	 * With fewer CPUs than that, the lcores float over the CPUs there are
	 * (tests, small VMs); production gives -l or --lcores explicitly. */
	if (!passthrough_has(o, lcore_opts) && ncpu > 0 && o->workers + 1 > (unsigned long)ncpu)
		eal_add(e, "--lcores=(0-%u)@(0-%ld)", o->workers, ncpu - 1);
	else if (!passthrough_has(o, lcore_opts))
		eal_add(e, "-l0-%u", o->workers);
	if (!o->huge && !passthrough_has(o, mem_opts)) {
		eal_add(e, "--no-huge");
		eal_add(e, "-m%u", o->mem_mb);
	}
	if (is_vdev(specs[0]) && is_vdev(specs[1]))
		eal_add(e, "--no-pci");
	for (unsigned i = 0; i < 2; i++)
		eal_add(e, is_vdev(specs[i]) ? "--vdev=%s" : "-a%s", specs[i]);
	eal_add(e, "--file-prefix=%s", o->file_prefix);
	if (o->log_level > 0)
		eal_add(e, "--log-level=%d", o->log_level);
	for (int i = 0; i < o->eal_argc && e->eal_argc < EAL_ARGS_MAX; i++)
		e->eal_argv[e->eal_argc++] = o->eal_argv[i];
	e->eal_argv[e->eal_argc] = NULL;
	if (rte_eal_init(e->eal_argc, e->eal_argv) < 0) {
		snprintf(err, err_len, "DPDK EAL init failed (%s): check the EAL options, "
			 "hugepages (or --no-huge), and that the ports exist",
			 rte_strerror(rte_errno));
		return -ENODEV;
	}
	e->eal_up = true;
	return 0;
}

static int lcores_setup(struct sgw_engine *e, unsigned workers, char *err, size_t err_len)
{
	unsigned n = 0, lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (n < workers)
			e->lcores[n] = lc;
		n++;
	}
	if (n < workers) {
		snprintf(err, err_len, "%u workers need %u worker lcores, EAL has %u: "
			 "give -l with %u cores after --", workers, workers, n, workers + 1);
		return -EINVAL;
	}
	return 0;
}

static int mbufs_setup(struct sgw_engine *e, const struct sgw_engine_opts *o,
		       char *err, size_t err_len)
{
	unsigned w = o->workers;
	unsigned n = o->mbufs;

	/* Every descriptor, the hand-off rings, the ARP hold queues, tx
	 * buffers, the per-lcore caches, and headroom for what is in flight. */
	if (n == 0)
		n = SGW_IF_COUNT * w * (SGW_RX_DESC + SGW_TX_DESC) + w * SGW_HANDOFF_RING +
		    w * SGW_ARP_HOLD_TOTAL + (w + 1) * SGW_MBUF_CACHE + 4096;
	e->sh.mp = rte_pktmbuf_pool_create("sgw_mbufs", n, SGW_MBUF_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (e->sh.mp == NULL) {
		snprintf(err, err_len, "no memory for %u mbufs (%s): raise -m / --mem or "
			 "lower --mbufs", n, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static int rings_setup(struct sgw_engine *e, unsigned workers, char *err, size_t err_len)
{
	char name[RTE_RING_NAMESIZE];

	for (unsigned i = 0; i < workers; i++) {
		snprintf(name, sizeof(name), "sgw_ho%u", i);
		e->sh.handoff[i] = rte_ring_create(name, SGW_HANDOFF_RING, (int)rte_socket_id(),
						   RING_F_SC_DEQ);
		if (e->sh.handoff[i] == NULL)
			goto fail;
	}
	e->sh.log_ring = rte_ring_create("sgw_log", SGW_LOG_RING, (int)rte_socket_id(),
					 RING_F_SC_DEQ);
	e->sh.log_pool = rte_mempool_create("sgw_logl", SGW_LOG_RING - 1, SGW_LOG_LINE, 32, 0,
					    NULL, NULL, NULL, NULL, (int)rte_socket_id(), 0);
	if (e->sh.log_ring == NULL || e->sh.log_pool == NULL)
		goto fail;
	return 0;
fail:
	snprintf(err, err_len, "rings: %s: raise -m / --mem", rte_strerror(rte_errno));
	return -ENOMEM;
}

static int ports_setup(struct sgw_engine *e, const struct sgw_engine_opts *o,
		       char *err, size_t err_len)
{
	const char *specs[] = { o->outer_port, o->inner_port };

	for (unsigned i = 0; i < SGW_IF_COUNT; i++) {
		char name[SGW_PORT_NAME_MAX];
		struct sgw_port_cfg cfg = {
			.name = name, .nb_queues = (uint16_t)o->workers, .mp = e->sh.mp,
			.rx_desc = SGW_RX_DESC, .tx_desc = SGW_TX_DESC,
			.want_rss = i == SGW_IF_OUTER,
		};

		port_name(specs[i], name, sizeof(name));
		int rc = sgw_port_init(&e->ports[i], &cfg, err, err_len);

		if (rc != 0)
			return rc;
		e->sh.ifs[i].port_id = e->ports[i].id;
		memcpy(e->sh.ifs[i].mac, e->ports[i].mac, sizeof(e->sh.ifs[i].mac));
	}
	return 0;
}

/* --- routes, pool --- */

static int routes_setup(struct sgw_engine *e, const struct sgw_engine_opts *o,
			char *err, size_t err_len)
{
	struct sgw_net_if *out = &e->sh.ifs[SGW_IF_OUTER], *in = &e->sh.ifs[SGW_IF_INNER];
	uint32_t om = sgw_prefix_mask(o->outer_len), im = sgw_prefix_mask(o->inner_len);
	int rc;

	*out = (struct sgw_net_if){ .addr = o->outer_addr, .prefix_len = o->outer_len };
	*in = (struct sgw_net_if){ .addr = o->inner_addr, .prefix_len = o->inner_len };
	sgw_route_init(&out->routes);
	sgw_route_init(&in->routes);
	rc = sgw_route_add(&out->routes, o->outer_addr & om, o->outer_len, 0);
	if (rc == 0 && o->outer_gw != 0)
		rc = sgw_route_add(&out->routes, 0, 0, o->outer_gw);
	if (rc == 0)
		rc = sgw_route_add(&in->routes, o->inner_addr & im, o->inner_len, 0);
	for (unsigned i = 0; rc == 0 && i < o->nvnet; i++)
		rc = sgw_route_add(&in->routes, o->vnet[i].prefix, o->vnet[i].len, o->vnet[i].via);
	if (rc != 0)
		snprintf(err, err_len, "routes: a --vnet prefix has host bits set or there are "
			 "more than %d", SGW_ROUTES_MAX - 1);
	return rc;
}

static int pool_setup(struct sgw_engine *e, const struct sgw_engine_opts *o,
		      char *err, size_t err_len)
{
	if (o->pool_len == 0)
		return 0;
	if (o->hooks.pool_alloc != NULL) {   /* the control plane's pools */
		if (o->pool_len < 12 || o->hooks.pool_free == NULL || o->hooks.pool_owner == NULL) {
			snprintf(err, err_len, "pools: the span of every pool must be /12 or "
				 "smaller, with alloc, free and owner hooks");
			return -EINVAL;
		}
		e->sh.pool_base = o->pool_base;
		e->sh.pool_slots = UINT32_C(1) << (32 - o->pool_len);
		e->sh.env.tunnel_addr = o->tunnel_addr != 0 ? o->tunnel_addr : o->pool_base + 1;
		return 0;
	}
	e->sh.pool = sgw_pool_create(o->pool_base, o->pool_len, o->workers);
	if (e->sh.pool == NULL) {
		snprintf(err, err_len, "--pool: prefix length must be 16..30 and the pool "
			 "must have at least one address per worker");
		return -EINVAL;
	}
	e->sh.pool_base = o->pool_base;
	e->sh.pool_slots = UINT32_C(1) << (32 - o->pool_len);
	e->sh.env.tunnel_addr = o->tunnel_addr != 0 ? o->tunnel_addr : o->pool_base + 1;
	if (sgw_pool_exclude(e->sh.pool, e->sh.env.tunnel_addr) != 0) {
		snprintf(err, err_len, "--tunnel-addr must be inside --pool");
		return -EINVAL;
	}
	return 0;
}

/* --- trust, revoked, TLS --- */

static bool cert_name(const char *n)
{
	const char *dot = strrchr(n, '.');

	return dot != NULL && (strcasecmp(dot, ".cer") == 0 || strcasecmp(dot, ".crt") == 0 ||
			       strcasecmp(dot, ".pem") == 0);
}

static int roots_load(struct sgw_engine *e, const char *dir, char *err, size_t err_len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096], why[256];
	int rc = 0;

	if (d == NULL) {
		snprintf(err, err_len, "--roots %s: %s", dir, strerror(errno));
		return -errno;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!cert_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		rc = sgw_trust_add_file(e->trust, path, why, sizeof(why));
		if (rc < 0)
			snprintf(err, err_len, "--roots: %s: %s", path, why);
		else
			rc = 0;
	}
	closedir(d);
	if (rc == 0 && sgw_trust_count(e->trust) == 0) {
		snprintf(err, err_len, "--roots %s: no .cer/.crt/.pem root certificate in it", dir);
		rc = -ENOENT;
	}
	return rc;
}

static int revoked_load(struct sgw_engine *e, const char *file, char *err, size_t err_len)
{
	FILE *f = fopen(file, "r");
	char line[256];
	unsigned lineno = 0;
	int rc = 0;

	if (f == NULL) {
		snprintf(err, err_len, "--revoked %s: %s", file, strerror(errno));
		return -errno;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		uint8_t tp[SGW_THUMBPRINT_LEN];
		char *hash = strchr(line, '#');

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (!sgw_thumbprint_parse(line, tp)) {
			snprintf(err, err_len, "--revoked %s:%u: not a SHA-1 thumbprint (40 hex "
				 "digits)", file, lineno);
			rc = -EINVAL;
		} else if (sgw_revoked_add(e->revoked, tp) == -ENOMEM) {
			rc = -ENOMEM;
		}
	}
	fclose(f);
	return rc;
}

static int tls_setup(struct sgw_engine *e, const struct sgw_engine_opts *o,
		     char *err, size_t err_len)
{
	struct sgw_tls_server_cfg cfg = { .cert_file = o->cert, .key_file = o->key,
					  .min_version = o->tls_min, .max_version = o->tls_max,
					  .ciphers12 = o->ciphers12, .suites13 = o->suites13 };
	char why[256];
	int rc = 0;

	if (o->hooks.policy == NULL) {     /* fixed: loaded here from --roots/--revoked */
		e->trust = sgw_trust_create(MAX_ROOTS);
		e->revoked = sgw_revoked_create();
		if (e->trust == NULL || e->revoked == NULL)
			return -ENOMEM;
		rc = roots_load(e, o->roots_dir, err, err_len);
		if (rc == 0 && o->revoked_file != NULL)
			rc = revoked_load(e, o->revoked_file, err, err_len);
		if (rc != 0)
			return rc;
	}
	e->tls = sgw_tls_server_create(&cfg, why, sizeof(why));
	cfg.verify_client = true;
	e->eap_tls = e->tls != NULL ? sgw_tls_server_create(&cfg, why, sizeof(why)) : NULL;
	if (e->eap_tls == NULL) {
		snprintf(err, err_len, "--cert/--key: %s", why);
		return -EINVAL;
	}
	return 0;
}

static void env_setup(struct sgw_engine *e, const struct sgw_engine_opts *o)
{
	struct sgw_session_env *env = &e->sh.env;

	env->tls = e->tls;
	env->eap_tls = e->eap_tls;
	env->trust = e->trust;
	env->revoked = e->revoked;
	env->policy = o->hooks.policy;
	env->aead = o->aead;
	if (!o->aead_set)
		env->aead = sgw_aead_backend_available(SGW_AEAD_BACKEND_IPSEC_MB,
						       SGW_AEAD_AES_128_GCM) ?
			    SGW_AEAD_BACKEND_IPSEC_MB : SGW_AEAD_BACKEND_EVP;
	env->hash_bitmask = o->hash_bitmask != 0 ? o->hash_bitmask : 3;
	env->mru = o->tunnel_mtu;
	memcpy(env->dns, o->dns, sizeof(env->dns));
	memcpy(env->nbns, o->nbns, sizeof(env->nbns));
	env->handshake_ms = o->handshake_ms;
	env->negotiation_ms = o->negotiation_ms;
	env->hello_ms = o->hello_ms;
}

/* Outer TCP: MSS from a 1500-byte outer MTU. Inner TCP MSS clamp: one
 * inner packet plus SSTP (4), PPP (4: FF 03 + protocol), a TLS record
 * (5 + 8 explicit nonce + 16 tag, TLS 1.2 GCM: the largest) fits one
 * outer segment with timestamps (1460 - 12 = 1448): 1448 - 37 = 1411,
 * minus 40 bytes of inner IPv4 + TCP = 1371; never above tunnel MTU - 40. */
static int tcp_cfg_setup(struct sgw_engine *e, const struct sgw_engine_opts *o)
{
	struct sgw_tcp_cfg *c = &e->sh.tcp;
	unsigned per = (o->max_sessions + o->workers - 1) / o->workers;

	sgw_tcp_cfg_defaults(c);
	c->local_addr = o->outer_addr;
	c->local_port = o->listen_port;
	c->max_conns = 2 * per;             /* room for half-open and TIME_WAIT */
	c->max_buffers = per;
	if (o->max_half_open != 0)
		c->syn_queue = o->max_half_open;
	e->sh.max_conns = per;
	e->sh.max_pending_per_source = o->max_pending_per_source;
	e->sh.session_buffers = o->session_buffers != 0 ? o->session_buffers : 2 * per + 64;
	e->sh.tunnel_mtu = o->tunnel_mtu;
	e->sh.mss_clamp = (uint16_t)RTE_MIN(1371, o->tunnel_mtu - 40);
	return sgw_random_bytes((uint8_t *)c->isn_secret, sizeof(c->isn_secret));
}

static int workers_setup(struct sgw_engine *e, char *err, size_t err_len)
{
	unsigned n = e->sh.nworkers;

	e->workers = rte_zmalloc("sgw_workers", sizeof(*e->workers) * n, RTE_CACHE_LINE_SIZE);
	if (e->workers == NULL)
		return -ENOMEM;
	for (; e->nworkers_init < n; e->nworkers_init++) {
		int rc = sgw_worker_init(&e->workers[e->nworkers_init], &e->sh,
					 e->nworkers_init, err, err_len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int sgw_engine_create(const struct sgw_engine_opts *o, struct sgw_engine **out,
		      char *err, size_t err_len)
{
	struct sgw_engine *e = calloc(1, sizeof(*e));
	int rc = -ENOMEM;

	if (e == NULL) {
		snprintf(err, err_len, "out of memory");
		return rc;
	}
	for (unsigned i = 0; i < SGW_IF_COUNT; i++)
		e->ports[i].id = RTE_MAX_ETHPORTS;
	e->sh.nworkers = o->workers;
	e->sh.app = o->app;
	e->hooks = o->hooks;
	e->sh.hooks = &e->hooks;
	e->sh.fault = o->fault;
	if ((rc = eal_setup(e, o, err, err_len)) != 0 ||
	    (rc = lcores_setup(e, o->workers, err, err_len)) != 0 ||
	    (rc = mbufs_setup(e, o, err, err_len)) != 0 ||
	    (rc = rings_setup(e, o->workers, err, err_len)) != 0 ||
	    (rc = routes_setup(e, o, err, err_len)) != 0 ||
	    (rc = ports_setup(e, o, err, err_len)) != 0 ||
	    (rc = pool_setup(e, o, err, err_len)) != 0)
		goto err;
	if (o->app == SGW_APP_SSTP && (rc = tls_setup(e, o, err, err_len)) != 0)
		goto err;
	env_setup(e, o);
	if ((rc = tcp_cfg_setup(e, o)) != 0 || (rc = workers_setup(e, err, err_len)) != 0)
		goto err;
	*out = e;
	return 0;
err:
	if (err[0] == '\0')
		snprintf(err, err_len, "setup failed: %s", strerror(-rc));
	sgw_engine_destroy(e);
	return rc;
}

/* --- control loop --- */

static const char *const counter_names[] = {
#define SGW_X(name) #name,
	SGW_WORKER_COUNTERS(SGW_X)
#undef SGW_X
};

#define TCP_STAT(f) { #f, offsetof(struct sgw_tcp_stats, f) }
static const struct { const char *name; size_t off; } tcp_names[] = {
	TCP_STAT(rx_segs), TCP_STAT(tx_segs), TCP_STAT(rx_bytes), TCP_STAT(tx_bytes),
	TCP_STAT(drop_bad_hdr), TCP_STAT(drop_no_conn), TCP_STAT(drop_out_of_window),
	TCP_STAT(drop_ooo_full), TCP_STAT(syn_recv), TCP_STAT(syn_queue_full),
	TCP_STAT(cookies_sent), TCP_STAT(cookies_ok), TCP_STAT(cookies_bad),
	TCP_STAT(conns_established), TCP_STAT(conns_closed), TCP_STAT(conns_reset),
	TCP_STAT(conns_refused), TCP_STAT(retransmits), TCP_STAT(fast_retransmits),
	TCP_STAT(rto_expired), TCP_STAT(sack_recoveries), TCP_STAT(zero_window_probes),
	TCP_STAT(delayed_acks), TCP_STAT(dup_acks), TCP_STAT(time_wait),
	TCP_STAT(time_wait_recycled), TCP_STAT(challenge_acks), TCP_STAT(drop_paws),
	TCP_STAT(drop_bad_ack), TCP_STAT(drop_no_buffer), TCP_STAT(drop_not_acceptable),
	TCP_STAT(rst_sent), TCP_STAT(conns_timed_out), TCP_STAT(synack_retransmits),
	TCP_STAT(ooo_segs), TCP_STAT(rack_lost), TCP_STAT(lost_retransmits),
	TCP_STAT(tlp_probes), TCP_STAT(tlp_recoveries), TCP_STAT(dsacks),
	TCP_STAT(buf_idle_released), TCP_STAT(drop_no_buffer_data), TCP_STAT(send_no_buffer),
};

/* Non-zero counters, one "stats wN name=value" line each (torn reads of a
 * counter being written are acceptable for a report). */
static void print_stats(const struct sgw_engine *e)
{
	/* One dump = the "stats" lines after this one (scripts sum per dump). */
	printf("counters:\n");
	for (unsigned i = 0; i < e->nworkers_init; i++) {
		const uint64_t *v = (const uint64_t *)&e->workers[i].st;
		const struct sgw_tcp_stats *t = sgw_worker_tcp_stats(&e->workers[i]);

		for (unsigned k = 0; k < RTE_DIM(counter_names); k++)
			if (v[k] != 0)
				printf("stats w%u %s=%" PRIu64 "\n", i, counter_names[k], v[k]);
		for (unsigned k = 0; t != NULL && k < RTE_DIM(tcp_names); k++) {
			uint64_t x = *(const uint64_t *)((const uint8_t *)t + tcp_names[k].off);

			if (x != 0)
				printf("stats w%u tcp_%s=%" PRIu64 "\n", i, tcp_names[k].name, x);
		}
	}
	if (e->sh.pool != NULL)
		printf("stats pool pool_used=%u\nstats pool pool_size=%u\n",
		       sgw_pool_used(e->sh.pool), sgw_pool_size(e->sh.pool));
	unsigned used, size;

	sgw_engine_mbufs(e, &used, &size);
	printf("stats engine sessions_live=%u\nstats engine mbufs_in_use=%u\n"
	       "stats engine mbufs_size=%u\n", sgw_engine_live_sessions(e), used, size);
	for (unsigned i = 0; i < e->nworkers_init; i++) {
		const struct sgw_worker *w = &e->workers[i];

		if (w->tcp != NULL)
			printf("stats w%u tcp_conns=%u\n", i, sgw_tcp_conn_count(w->tcp));
		if (w->bufs != NULL) {
			const struct sgw_bufpool_stats *b = sgw_bufpool_stats(w->bufs);

			printf("stats w%u session_bufs_in_use=%u\nstats w%u session_bufs_high=%u\n"
			       "stats w%u session_bufs_size=%u\nstats w%u session_bufs_failed=%" PRIu64
			       "\n", i, b->in_use, i, b->high, i, b->blocks, i, b->fails);
		}
	}
	fflush(stdout);
}

static void drain_log(struct sgw_engine *e)
{
	void *lines[64];
	unsigned n;

	for (unsigned guard = 0; guard < 64; guard++) {
		n = rte_ring_dequeue_burst(e->sh.log_ring, lines, RTE_DIM(lines), NULL);
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++)
			printf("log %s\n", (const char *)lines[i]);
		rte_mempool_put_bulk(e->sh.log_pool, lines, n);
	}
	fflush(stdout);
}

static bool workers_done(const struct sgw_engine *e)
{
	for (unsigned i = 0; i < e->nworkers_init; i++)
		if (!__atomic_load_n(&e->workers[i].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

static void print_ready(const struct sgw_engine *e)
{
	for (unsigned i = 0; i < SGW_IF_COUNT; i++) {
		const struct sgw_port *p = &e->ports[i];
		char a[16];

		printf("port %s %s driver=%s mac=%02x:%02x:%02x:%02x:%02x:%02x addr=%s/%u "
		       "queues=%u rss=%s\n", i == SGW_IF_OUTER ? "outer" : "inner", p->name,
		       p->driver, p->mac[0], p->mac[1], p->mac[2], p->mac[3], p->mac[4],
		       p->mac[5], sgw_addr_str(e->sh.ifs[i].addr, a), e->sh.ifs[i].prefix_len,
		       p->nb_queues, p->rss ? "on" : "off (the device spreads flows)");
	}
	printf("ready workers=%u aead=%s\n", e->sh.nworkers,
	       sgw_aead_backend_name(e->sh.env.aead));
	fflush(stdout);
}

int sgw_engine_start(struct sgw_engine *e)
{
	for (unsigned i = 0; i < e->nworkers_init; i++) {
		int rc = rte_eal_remote_launch(sgw_worker_main, &e->workers[i], e->lcores[i]);

		if (rc != 0) {
			__atomic_store_n(&e->sh.stop, 1, __ATOMIC_RELEASE);
			rte_eal_mp_wait_lcore();
			return rc;
		}
	}
	e->started = true;
	print_ready(e);
	return 0;
}

bool sgw_engine_poll(struct sgw_engine *e)
{
	drain_log(e);
	return !workers_done(e);
}

void sgw_engine_print_stats(const struct sgw_engine *e)
{
	print_stats(e);
}

void sgw_engine_stop(struct sgw_engine *e)
{
	struct timespec ts = { 0, CONTROL_POLL_MS * 1000000L };

	if (!e->started)
		return;
	__atomic_store_n(&e->sh.stop, 1, __ATOMIC_RELEASE);
	while (!workers_done(e)) {      /* they flush for SGW_SHUTDOWN_FLUSH_MS at most */
		nanosleep(&ts, NULL);
		drain_log(e);
	}
	rte_eal_mp_wait_lcore();
	e->started = false;
	drain_log(e);
	printf("stopped\n");
	print_stats(e);
}

int sgw_engine_run(struct sgw_engine *e)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec ts = { 0, CONTROL_POLL_MS * 1000000L };
	int rc;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	rc = sgw_engine_start(e);
	if (rc != 0)
		return rc;
	while (sgw_engine_poll(e) && !sig_stop) {
		nanosleep(&ts, NULL);
		if (sig_stats) {
			sig_stats = 0;
			print_stats(e);
		}
	}
	sgw_engine_stop(e);
	return 0;
}

unsigned sgw_engine_workers(const struct sgw_engine *e)
{
	return e->nworkers_init;
}

void sgw_engine_mbufs(const struct sgw_engine *e, unsigned *in_use, unsigned *size)
{
	*in_use = e->sh.mp != NULL ? rte_mempool_in_use_count(e->sh.mp) : 0;
	*size = e->sh.mp != NULL ? e->sh.mp->size : 0;
}

unsigned sgw_engine_live_sessions(const struct sgw_engine *e)
{
	uint64_t created = 0, ended = 0;

	for (unsigned i = 0; i < e->nworkers_init; i++) {
		created += __atomic_load_n(&e->workers[i].st.sessions_created, __ATOMIC_RELAXED);
		ended += __atomic_load_n(&e->workers[i].st.sessions_ended, __ATOMIC_RELAXED);
	}
	return created > ended ? (unsigned)(created - ended) : 0;
}

const struct sgw_pool *sgw_engine_pool(const struct sgw_engine *e)
{
	return e->sh.pool;
}

/* One request to worker w's mailbox (worker.h), answered within a loop;
 * the control thread is the only caller. */
static int ask(struct sgw_engine *e, unsigned w, struct sgw_worker_mbox *req,
	       unsigned timeout_ms)
{
	struct sgw_worker_mbox *m = &e->workers[w].mbox;
	struct timespec ts = { 0, 200000L };

	if (!e->started || __atomic_load_n(&e->workers[w].done, __ATOMIC_ACQUIRE))
		return -ESHUTDOWN;
	m->op = req->op;
	m->arg = req->arg;
	m->out = req->out;
	m->cap = req->cap;
	m->policy = req->policy;
	__atomic_store_n(&m->busy, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < timeout_ms * 5; i++) {
		if (!__atomic_load_n(&m->busy, __ATOMIC_ACQUIRE)) {
			req->n = m->n;
			return m->rc;
		}
		nanosleep(&ts, NULL);
	}
	/* The worker is stuck or gone: wait for it before the fields are reused. */
	while (__atomic_load_n(&m->busy, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&e->workers[w].done, __ATOMIC_ACQUIRE))
		nanosleep(&ts, NULL);
	return -ETIMEDOUT;
}

int sgw_engine_sessions(struct sgw_engine *e, struct sgw_worker_session *out,
			unsigned cap, unsigned *n)
{
	*n = 0;
	for (unsigned w = 0; w < e->nworkers_init; w++) {
		struct sgw_worker_mbox req = { .op = SGW_WOP_SESSIONS, .out = out + *n,
					       .cap = cap - *n };
		int rc = ask(e, w, &req, ENGINE_ASK_MS);

		if (rc != 0)
			return rc;
		*n += req.n;
	}
	return 0;
}

int sgw_engine_disconnect(struct sgw_engine *e, uint64_t id)
{
	unsigned w = (unsigned)(id >> 56);
	struct sgw_worker_mbox req = { .op = SGW_WOP_DISCONNECT, .arg = id };

	return w < e->nworkers_init ? ask(e, w, &req, ENGINE_ASK_MS) : -ENOENT;
}

int sgw_engine_policy_changed(struct sgw_engine *e, const struct sgw_worker_policy *p)
{
	int first = 0;

	for (unsigned w = 0; w < e->nworkers_init; w++) {
		struct sgw_worker_mbox req = { .op = SGW_WOP_POLICY, .policy = *p };
		int rc = ask(e, w, &req, ENGINE_ASK_MS);

		if (rc != 0 && first == 0)
			first = rc;
	}
	return first;
}

void sgw_engine_counters(const struct sgw_engine *e,
			 void (*emit)(void *ctx, const char *name, int worker, uint64_t v),
			 void *ctx)
{
	for (unsigned i = 0; i < e->nworkers_init; i++) {
		const uint64_t *v = (const uint64_t *)&e->workers[i].st;
		const struct sgw_tcp_stats *t = sgw_worker_tcp_stats(&e->workers[i]);

		for (unsigned k = 0; k < RTE_DIM(counter_names); k++)
			emit(ctx, counter_names[k], (int)i, v[k]);
		for (unsigned k = 0; t != NULL && k < RTE_DIM(tcp_names); k++) {
			char name[64];

			snprintf(name, sizeof(name), "tcp_%s", tcp_names[k].name);
			emit(ctx, name, (int)i,
			     *(const uint64_t *)((const uint8_t *)t + tcp_names[k].off));
		}
	}
	if (e->sh.pool != NULL) {
		emit(ctx, "pool_used", -1, sgw_pool_used(e->sh.pool));
		emit(ctx, "pool_size", -1, sgw_pool_size(e->sh.pool));
	}
}

void sgw_engine_destroy(struct sgw_engine *e)
{
	if (e == NULL)
		return;
	for (unsigned i = e->nworkers_init; i-- > 0;)
		sgw_worker_fini(&e->workers[i]);
	rte_free(e->workers);
	for (unsigned i = SGW_IF_COUNT; i-- > 0;)
		sgw_port_fini(&e->ports[i]);
	sgw_tls_server_destroy(e->eap_tls);
	sgw_tls_server_destroy(e->tls);
	sgw_revoked_destroy(e->revoked);
	sgw_trust_destroy(e->trust);
	sgw_pool_destroy(e->sh.pool);
	rte_mempool_free(e->sh.log_pool);
	rte_ring_free(e->sh.log_ring);
	for (unsigned i = 0; i < SGW_MAX_WORKERS; i++)
		rte_ring_free(e->sh.handoff[i]);
	rte_mempool_free(e->sh.mp);
	if (e->eal_up)
		rte_eal_cleanup();
	free(e);
}
