/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread: management socket, metrics, the tables' writer side,
 * signals, and the engine's life (daemon.h).
 */
#include "control/daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/metrics.h"
#include "control/package.h"
#include "control/tables.h"
#include "crypto/record.h"
#include "crypto/x509.h"
#include "dataplane/engine.h"

enum {
	LOOP_MS = 10,              /* control loop period (logs, sockets) */
	MAINTAIN_MS = 1000,        /* sgw_tables_maintain */
	MAX_LISTED_ROOTS = 128,
};

struct daemon {
	const struct sgw_daemon_cfg *cfg;
	struct sgw_engine *e;
	struct sgw_tables *t;
	struct sgw_worker_session *sess;   /* sessions_max, for listings */
	unsigned sess_cap;
	time_t started;
	struct sgw_mgmt_settings settings;  /* current: changes on reload */
	uint64_t policy_gen;               /* the generation the workers checked */
	unsigned pool_used, pool_size;     /* __atomic: cached for the metrics thread */
	unsigned roots, revoked;
};

static volatile sig_atomic_t sig_stop, sig_stats, sig_reload;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_stats = 1;
	else if (sig == SIGHUP)
		sig_reload = 1;
	else
		sig_stop = 1;
}

/* --- engine hooks over the tables (called on the workers) --- */

static int hook_alloc(void *ctx, unsigned worker, const char *cn, uint32_t *addr)
{
	return sgw_tables_pool_alloc(ctx, worker, cn, addr);
}

static int hook_free(void *ctx, uint32_t addr)
{
	return sgw_tables_pool_free(ctx, addr);
}

static int hook_owner(void *ctx, uint32_t addr)
{
	return sgw_tables_pool_owner(ctx, addr);
}

static void hook_online(void *ctx, unsigned worker)
{
	sgw_tables_reader_online(ctx, worker);
}

static void hook_offline(void *ctx, unsigned worker)
{
	sgw_tables_reader_offline(ctx, worker);
}

static void hook_quiescent(void *ctx, unsigned worker)
{
	sgw_tables_quiescent(ctx, worker);
}

void sgw_daemon_engine_hooks(struct sgw_tables *t, struct sgw_engine_hooks *h)
{
	*h = (struct sgw_engine_hooks){
		.ctx = t, .pool_alloc = hook_alloc, .pool_free = hook_free,
		.pool_owner = hook_owner, .reader_online = hook_online,
		.reader_offline = hook_offline, .quiescent = hook_quiescent,
		.policy = sgw_tables_policy(t),
	};
}

/* On a worker, inside its loop (the snapshots are RCU-protected there). */
static bool policy_allows(void *ctx, const uint8_t tp[SGW_THUMBPRINT_LEN], int root_id,
			  char *why, size_t why_len)
{
	struct sgw_tables *t = ctx;
	char hex[SGW_THUMBPRINT_HEX + 1];

	sgw_thumbprint_format(tp, hex);
	if (sgw_revoked_contains(sgw_tables_revoked(t), tp)) {
		snprintf(why, why_len, "certificate revoked: thumbprint %s", hex);
		return false;
	}
	if (!sgw_tables_root_present(sgw_tables_trust(t), root_id)) {
		snprintf(why, why_len, "root %d removed: thumbprint %s", root_id, hex);
		return false;
	}
	return true;
}

/* After every policy change: each worker aborts what it no longer allows. */
static void policy_push(struct daemon *d)
{
	struct sgw_worker_policy p = { .allowed = policy_allows, .ctx = d->t };
	uint64_t gen = sgw_tables_generation(d->t);
	int rc;

	if (gen == d->policy_gen)
		return;
	rc = sgw_engine_policy_changed(d->e, &p);
	if (rc != 0 && rc != -ESHUTDOWN)
		printf("control: policy change not checked by every worker: %s\n", strerror(-rc));
	d->policy_gen = gen;
}

/* --- management operations --- */

static void pools_total(struct daemon *d, unsigned *used, unsigned *size)
{
	struct sgw_tables_pool_usage u[SGW_TABLES_MAX_POOLS];
	unsigned n = sgw_tables_pools_usage(d->t, u, SGW_TABLES_MAX_POOLS);

	*used = *size = 0;
	for (unsigned i = 0; i < n && i < SGW_TABLES_MAX_POOLS; i++) {
		*used += u[i].used;
		*size += u[i].draining ? 0 : u[i].size;
	}
}

/* What the metrics thread may see too: counters and values the control
 * thread caches (it alone reads the tables). */
static void status_common(struct daemon *d, struct sgw_mgmt_status *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->version, sizeof(st->version), "%s", SGW_VERSION);
	st->uptime_s = (uint64_t)(time(NULL) - d->started);
	st->workers = sgw_engine_workers(d->e);
	st->sessions = sgw_engine_live_sessions(d->e);
	st->sessions_max = d->cfg->sessions_max;
	st->pool_used = __atomic_load_n(&d->pool_used, __ATOMIC_RELAXED);
	st->pool_size = __atomic_load_n(&d->pool_size, __ATOMIC_RELAXED);
	st->roots = __atomic_load_n(&d->roots, __ATOMIC_RELAXED);
	st->revoked = __atomic_load_n(&d->revoked, __ATOMIC_RELAXED);
	sgw_engine_mbufs(d->e, &st->mbufs_in_use, &st->mbufs_size);
}

static void cache_refresh(struct daemon *d)
{
	unsigned used, size;

	pools_total(d, &used, &size);
	__atomic_store_n(&d->pool_used, used, __ATOMIC_RELAXED);
	__atomic_store_n(&d->pool_size, size, __ATOMIC_RELAXED);
	__atomic_store_n(&d->roots, sgw_trust_count(sgw_tables_trust(d->t)), __ATOMIC_RELAXED);
	__atomic_store_n(&d->revoked, sgw_revoked_count(sgw_tables_revoked(d->t)),
			 __ATOMIC_RELAXED);
}

static int op_status(void *ctx, struct sgw_mgmt_status *st)
{
	struct daemon *d = ctx;

	cache_refresh(d);
	status_common(d, st);
	return 0;
}

static int op_settings(void *ctx, struct sgw_mgmt_settings *s)
{
	struct daemon *d = ctx;

	*s = d->settings;
	return 0;
}

static const char *tls_name(uint16_t v)
{
	return v == SGW_TLS_VERSION_1_3 ? "TLSv1.3" : v == SGW_TLS_VERSION_1_2 ? "TLSv1.2" : "";
}

static void session_of(const struct sgw_worker_session *w, struct sgw_mgmt_session *m)
{
	static const uint8_t none[SGW_THUMBPRINT_LEN];

	memset(m, 0, sizeof(*m));
	m->id = w->id;
	snprintf(m->cn, sizeof(m->cn), "%s", w->cn);
	memcpy(m->thumbprint, w->thumbprint, sizeof(m->thumbprint));
	m->has_thumbprint = memcmp(w->thumbprint, none, sizeof(none)) != 0;
	m->client_addr = w->peer_addr;
	m->client_port = w->peer_port;
	m->assigned_addr = w->addr;
	m->worker = w->worker;
	snprintf(m->tls_version, sizeof(m->tls_version), "%s", tls_name(w->tls_version));
	snprintf(m->cipher, sizeof(m->cipher), "%s", w->tls_cipher);
	m->bytes_rx = w->rx_bytes;
	m->bytes_tx = w->tx_bytes;
	m->packets_rx = w->rx_packets;
	m->packets_tx = w->tx_packets;
	m->uptime_s = w->uptime_ms / 1000;
	/* enum sgw_session_phase and the management names are in one order. */
	m->state = (enum sgw_mgmt_session_state)w->phase;
}

static int op_sessions(void *ctx, sgw_mgmt_session_fn emit, void *ectx)
{
	struct daemon *d = ctx;
	struct sgw_mgmt_session m;
	unsigned n = 0;
	int rc = sgw_engine_sessions(d->e, d->sess, d->sess_cap, &n);

	for (unsigned i = 0; rc == 0 && i < n; i++) {
		session_of(&d->sess[i], &m);
		rc = emit(ectx, &m);
	}
	return rc;
}

static int op_disconnect(void *ctx, uint64_t id)
{
	struct daemon *d = ctx;

	return sgw_engine_disconnect(d->e, id);
}

static int op_roots_list(void *ctx, sgw_mgmt_root_fn emit, void *ectx)
{
	struct daemon *d = ctx;
	static struct sgw_tables_root r[MAX_LISTED_ROOTS];
	unsigned n = sgw_tables_roots_list(d->t, r, MAX_LISTED_ROOTS);
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < n && i < MAX_LISTED_ROOTS; i++) {
		struct sgw_mgmt_root m = { .id = r[i].info.id,
					   .not_after = (int64_t)r[i].info.not_after };

		snprintf(m.subject, sizeof(m.subject), "%s", r[i].info.subject);
		memcpy(m.thumbprint, r[i].info.thumbprint, sizeof(m.thumbprint));
		rc = emit(ectx, &m);
	}
	return rc;
}

static int op_roots_add(void *ctx, const uint8_t *data, size_t len, const char *name,
			char *err, size_t errlen)
{
	struct daemon *d = ctx;
	char fallback[32];
	int id;

	if (name == NULL || name[0] == '\0') {
		snprintf(fallback, sizeof(fallback), "root-%ld", (long)time(NULL));
		name = fallback;
	}
	id = sgw_tables_roots_add(d->t, data, len, name, err, errlen);
	if (id >= 0)
		printf("control: root %d added (%s)\n", id, name);
	return id;
}

static int op_roots_remove(void *ctx, unsigned id)
{
	struct daemon *d = ctx;
	char err[256] = "";
	int rc = sgw_tables_roots_remove(d->t, id, err, sizeof(err));

	if (rc == 0) {
		printf("control: root %u removed; its sessions are aborted\n", id);
		policy_push(d);
	}
	return rc;
}

static int op_revoked_list(void *ctx, sgw_mgmt_revoked_fn emit, void *ectx)
{
	struct daemon *d = ctx;
	unsigned n = sgw_tables_revoked_list(d->t, NULL, 0);
	struct sgw_tables_revoked_entry *r = calloc(n + 1, sizeof(*r));
	int rc = 0;

	if (r == NULL)
		return -ENOMEM;
	n = sgw_tables_revoked_list(d->t, r, n);
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		struct sgw_mgmt_revoked m;

		memcpy(m.thumbprint, r[i].thumbprint, sizeof(m.thumbprint));
		snprintf(m.note, sizeof(m.note), "%s", r[i].note);
		rc = emit(ectx, &m);
	}
	free(r);
	return rc;
}

static int op_revoked_add(void *ctx, const uint8_t tp[SGW_MGMT_THUMBPRINT_LEN],
			  const char *note, char *err, size_t errlen)
{
	struct daemon *d = ctx;
	char hex[SGW_THUMBPRINT_HEX + 1];
	int rc = sgw_tables_revoked_add(d->t, tp, note, err, errlen);

	if (rc == 0) {
		sgw_thumbprint_format(tp, hex);
		printf("control: revoked %s%s%s\n", hex, note != NULL ? " # " : "",
		       note != NULL ? note : "");
		policy_push(d);
	}
	return rc;
}

static int op_revoked_remove(void *ctx, const uint8_t tp[SGW_MGMT_THUMBPRINT_LEN])
{
	struct daemon *d = ctx;
	char err[256];

	return sgw_tables_revoked_remove(d->t, tp, err, sizeof(err));
}

static int op_pool(void *ctx, sgw_mgmt_pool_fn emit, void *ectx)
{
	struct daemon *d = ctx;
	struct sgw_tables_pool_usage u[SGW_TABLES_MAX_POOLS];
	unsigned n = sgw_tables_pools_usage(d->t, u, SGW_TABLES_MAX_POOLS);
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < n && i < SGW_TABLES_MAX_POOLS; i++) {
		struct sgw_mgmt_pool m = { .prefix = { u[i].base, (uint8_t)u[i].prefix_len },
					   .size = u[i].size, .used = u[i].used,
					   .nworkers = u[i].nparts };

		for (unsigned k = 0; k < u[i].nparts && k < SGW_MGMT_MAX_WORKERS; k++)
			m.worker_used[k] = u[i].used_part[k];
		rc = emit(ectx, &m);
	}
	return rc;
}

struct counter_ctx {
	sgw_mgmt_counter_fn emit;
	void *ectx;
	int rc;
};

static void counter_one(void *ctx, const char *name, int worker, uint64_t v)
{
	struct counter_ctx *c = ctx;
	struct sgw_mgmt_counter m = { .name = name, .worker = worker, .value = v };

	if (c->rc == 0 && worker >= 0)    /* the pool gauges come from op_pool */
		c->rc = c->emit(c->ectx, &m);
}

/* Also called from the metrics thread: reads counters only. */
static int op_counters(void *ctx, sgw_mgmt_counter_fn emit, void *ectx)
{
	struct daemon *d = ctx;
	struct counter_ctx c = { emit, ectx, 0 };

	sgw_engine_counters(d->e, counter_one, &c);
	return c.rc;
}

/* Packages made from older settings are rebuilt (package.h); cheap when
 * nothing changed (manifests are read, nothing written). */
static void packages_refresh(struct daemon *d)
{
	char err[512];
	unsigned n = 0;
	int rc;

	if (d->cfg->packages_dir == NULL || d->cfg->packages_dir[0] == '\0')
		return;
	rc = sgw_package_regenerate_all(d->cfg->packages_dir, &d->settings, &n, err,
					sizeof(err));
	if (rc < 0)
		printf("control: client packages: %s (%u rebuilt)\n", err, n);
	else if (n > 0)
		printf("control: client packages: %u rebuilt for the new settings\n", n);
}

static int op_reload(void *ctx, char *err, size_t errlen)
{
	struct daemon *d = ctx;
	struct sgw_mgmt_settings s = d->settings;
	int rc;

	if (d->cfg->reload == NULL) {
		snprintf(err, errlen, "started without a configuration file: nothing to reload");
		return -ENOTSUP;
	}
	rc = d->cfg->reload(d->cfg->reload_ctx, d->t, &s, err, errlen);
	printf("control: reload %s%s%s\n", rc == 0 ? "done" : "refused (running configuration kept)",
	       rc == 0 ? "" : ": ", rc == 0 ? "" : err);
	if (rc == 0) {
		d->settings = s;
		packages_refresh(d);
	}
	return rc;
}

static const struct sgw_mgmt_ops mgmt_ops = {
	.status = op_status, .settings = op_settings, .sessions = op_sessions,
	.disconnect = op_disconnect, .roots_list = op_roots_list,
	.roots_add = op_roots_add, .roots_remove = op_roots_remove,
	.revoked_list = op_revoked_list, .revoked_add = op_revoked_add,
	.revoked_remove = op_revoked_remove, .pool = op_pool,
	.counters = op_counters, .reload = op_reload,
};

/* On the metrics thread: counters and the cached values only (the pools
 * per pool are `sstpgw-ctl pool`; the tables belong to the control thread). */
static int metrics_status(void *ctx, struct sgw_mgmt_status *st)
{
	status_common(ctx, st);
	return 0;
}

static const struct sgw_metrics_ops metrics_ops = {
	.status = metrics_status, .counters = op_counters,
};

/* --- the loop --- */

static void signals_setup(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);    /* a management client that hung up */
}

static void loop(struct daemon *d, struct sgw_mgmt *m)
{
	struct timespec ts = { 0, LOOP_MS * 1000000L };
	unsigned ticks = 0;
	char err[512];

	while (sgw_engine_poll(d->e) && !sig_stop) {
		if (m == NULL || sgw_mgmt_poll(m, LOOP_MS) < 0)
			nanosleep(&ts, NULL);   /* no socket, or it failed: logs still flow */
		if (sig_stats) {
			sig_stats = 0;
			sgw_engine_print_stats(d->e);
		}
		if (sig_reload) {
			sig_reload = 0;
			(void)op_reload(d, err, sizeof(err));
		}
		policy_push(d);
		if (++ticks % (MAINTAIN_MS / LOOP_MS) == 0) {
			(void)sgw_tables_maintain(d->t);
			cache_refresh(d);
		}
		fflush(stdout);
	}
}

int sgw_daemon_run(const struct sgw_daemon_cfg *cfg, char *err, size_t err_len)
{
	struct daemon d = { .cfg = cfg, .e = cfg->engine, .t = cfg->tables,
			    .started = time(NULL), .settings = cfg->settings };
	struct sgw_mgmt *m = NULL;
	struct sgw_metrics *mx = NULL;
	int rc = -ENOMEM;

	d.sess_cap = cfg->sessions_max > 0 ? cfg->sessions_max : 1;
	d.sess = calloc(d.sess_cap, sizeof(*d.sess));
	if (d.sess == NULL) {
		snprintf(err, err_len, "out of memory for %u session summaries", d.sess_cap);
		return rc;
	}
	d.policy_gen = sgw_tables_generation(d.t);
	cache_refresh(&d);
	signals_setup();
	if (cfg->mgmt_socket != NULL && cfg->mgmt_socket[0] != '\0' &&
	    (m = sgw_mgmt_create(cfg->mgmt_socket, &mgmt_ops, &d, err, err_len)) == NULL) {
		rc = -EINVAL;
		goto out;
	}
	if (cfg->metrics_listen != NULL && cfg->metrics_listen[0] != '\0' &&
	    (mx = sgw_metrics_start(cfg->metrics_listen, &metrics_ops, &d, err, err_len)) == NULL) {
		rc = -EINVAL;
		goto out;
	}
	rc = sgw_engine_start(d.e);
	if (rc != 0) {
		snprintf(err, err_len, "workers did not start: %s", strerror(-rc));
		goto out;
	}
	if (m != NULL)
		printf("control: management socket %s\n", cfg->mgmt_socket);
	if (mx != NULL)
		printf("control: metrics on http://%s/metrics (port %u)\n", cfg->metrics_listen,
		       sgw_metrics_port(mx));
	packages_refresh(&d);
	fflush(stdout);
	loop(&d, m);
	sgw_engine_stop(d.e);
	rc = 0;
out:
	sgw_metrics_stop(mx);
	sgw_mgmt_destroy(m);
	free(d.sess);
	return rc;
}
