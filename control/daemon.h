/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread of the gateway: it owns the shared tables (roots,
 * revoked set, pools), the management socket and the metrics endpoint, and
 * drives the engine (dataplane/engine.h) until SIGINT or SIGTERM.
 *
 *  - a policy change (revoked add, root removed) is written to disk,
 *    published to the workers (RCU), and every worker then aborts the
 *    established sessions it no longer allows (SSTP Call Abort, a log line
 *    with CN and thumbprint): within a worker loop, well under 1 s;
 *  - SIGHUP or "reload": the configuration file again through the reload
 *    callback (pools and reservations change live; a bad file keeps the
 *    running configuration and says why);
 *  - client packages in packages_dir are rebuilt at start and after each
 *    reload whose settings changed (control/package.h);
 *  - SIGUSR1: every counter on stdout.
 *
 * Boot and control code: may allocate and make system calls; never runs on
 * a worker lcore.
 */
#ifndef SGW_CONTROL_DAEMON_H
#define SGW_CONTROL_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mgmt.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_engine;
struct sgw_engine_hooks;
struct sgw_tables;

struct sgw_daemon_cfg {
	struct sgw_engine *engine;
	struct sgw_tables *tables;
	const char *mgmt_socket;            /* NULL or "": no management socket */
	const char *metrics_listen;         /* "host:port", NULL or "": none */
	struct sgw_mgmt_settings settings;  /* what client packages need */
	const char *packages_dir;           /* client packages kept up to date; NULL: none */
	unsigned sessions_max;
	/* Re-read the configuration and apply what can change live, and give
	 * the settings clients see; 0 or -errno with a one-line reason (the
	 * running configuration stays). */
	int (*reload)(void *ctx, struct sgw_tables *t, struct sgw_mgmt_settings *s,
		      char *err, size_t err_len);
	void *reload_ctx;
};

/* The engine hooks that put the tables behind the workers: pools and
 * reservations, RCU reader states, the live policy. */
void sgw_daemon_engine_hooks(struct sgw_tables *t, struct sgw_engine_hooks *h);

/* Start the engine and serve until SIGINT/SIGTERM; then stop the engine
 * (every call closed with SSTP Call Disconnect). 0, or -errno with err. */
__attribute__((warn_unused_result))
int sgw_daemon_run(const struct sgw_daemon_cfg *cfg, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif
#endif
