/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics over HTTP: GET /metrics answers the text exposition
 * format 0.0.4; every other path is 404, every other method 405.
 *
 *   sstpgw_sessions 12                      gauges from status()
 *   sstpgw_pool_worker_used{prefix="172.16.201.0/24",worker="1"} 5   from pool()
 *   sstpgw_<name>{worker="N"} value         counters from counters() (worker -1:
 *                                           no label), one # HELP/# TYPE per name
 *
 * The HTTP server (libmicrohttpd) runs its own thread; the library's types
 * stay inside metrics.c.
 *
 * THREADING: the callbacks in struct sgw_metrics_ops are called from that
 * HTTP thread, concurrently with the control thread (and with the management
 * socket's callbacks): they must only read values that are safe to read from
 * another thread (atomics, per-worker counters read without locks, a snapshot).
 */
#ifndef SGW_CONTROL_METRICS_H
#define SGW_CONTROL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "control/mgmt.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	SGW_METRICS_MAX_CONNECTIONS = 16,
	SGW_METRICS_TIMEOUT_S = 10,          /* an idle scraper is dropped */
	SGW_METRICS_MAX_SAMPLES = 65536,     /* counter samples per scrape */
};

/* Any callback may be NULL (its metrics are left out). Same contracts as in
 * struct sgw_mgmt_ops, but called from the HTTP thread (see above). */
struct sgw_metrics_ops {
	int (*status)(void *ctx, struct sgw_mgmt_status *st);
	int (*pool)(void *ctx, sgw_mgmt_pool_fn emit, void *ectx);
	int (*counters)(void *ctx, sgw_mgmt_counter_fn emit, void *ectx);
};

struct sgw_metrics;

/* listen: "host:port", "[v6addr]:port" or ":port" (all IPv4 addresses);
 * port 0 picks a free one (see sgw_metrics_port). ops is copied. Returns
 * NULL with a reason in err. */
__attribute__((warn_unused_result))
struct sgw_metrics *sgw_metrics_start(const char *listen, const struct sgw_metrics_ops *ops,
				      void *ctx, char *err, size_t errlen);
/* Stops the HTTP thread (waits for a scrape under way) and frees. */
void sgw_metrics_stop(struct sgw_metrics *m);
/* The port actually bound. */
uint16_t sgw_metrics_port(const struct sgw_metrics *m);

/* The exposition text, as GET /metrics serves it: malloc'd, NUL-terminated,
 * *len without the NUL. NULL when out of memory. Runs the callbacks in the
 * calling thread. */
__attribute__((warn_unused_result))
char *sgw_metrics_render(const struct sgw_metrics_ops *ops, void *ctx, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
