/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports (DPDK side): configure an ethdev with one rx/tx queue pair per
 * worker, RSS over IPv4/TCP when the PMD has it, promiscuous off, link up;
 * and the per-worker queue handle with its tx buffer and fault injection.
 *
 * Threading: sgw_port_init/fini on the main lcore before/after the workers;
 * a struct sgw_portq belongs to one worker lcore.
 */
#ifndef SGW_DATAPLANE_PORT_H
#define SGW_DATAPLANE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/fault.h"
#include "dataplane/sgw_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;

enum { SGW_PORT_NAME_MAX = 64 };

struct sgw_port_cfg {
	const char *name;            /* ethdev name: "net_tap0", "0000:03:00.0" */
	uint16_t nb_queues;          /* one pair per worker */
	uint16_t rx_desc, tx_desc;
	uint16_t mtu;                /* 0: the PMD's default */
	struct rte_mempool *mp;
	bool want_rss;               /* the outer port */
};

struct sgw_port {
	uint16_t id;
	uint16_t nb_queues;
	bool rss;                    /* hardware RSS configured */
	bool started;
	uint8_t mac[6];
	char name[SGW_PORT_NAME_MAX];
	char driver[32];
};

/* 0 or -errno, with what to fix in err. */
__attribute__((warn_unused_result))
int sgw_port_init(struct sgw_port *p, const struct sgw_port_cfg *cfg,
		  char *err, size_t err_len);
/* Stop and close (idempotent). */
void sgw_port_fini(struct sgw_port *p);

/* One worker's queue on one port. */
struct sgw_portq {
	uint16_t port_id, queue;
	struct rte_mempool *mp;      /* for fault duplicates */
	struct sgw_fault *rx_fault;  /* NULL: no injection */
	struct sgw_fault *tx_fault;
	uint64_t tx_pkts, tx_full;   /* sent; freed because the queue was full */
	uint16_t tx_n;
	struct rte_mbuf *tx[2 * SGW_TX_BURST + 1]; /* room for fault duplicates */
};

enum { SGW_PORTQ_RX_CAP = 2 * SGW_RX_BURST + 1 };

/* Receive up to SGW_RX_BURST packets into pkts (SGW_PORTQ_RX_CAP entries),
 * after rx fault injection. The caller owns what is returned. */
uint16_t sgw_portq_rx(struct sgw_portq *q, struct rte_mbuf **pkts);
/* Send what is buffered (tx fault injection first); unsent mbufs are freed
 * and counted in tx_full. */
void sgw_portq_flush(struct sgw_portq *q);

/* Buffer one packet for tx (takes ownership); flushes a full burst. */
static inline void sgw_portq_tx(struct sgw_portq *q, struct rte_mbuf *m)
{
	q->tx[q->tx_n++] = m;
	if (q->tx_n >= SGW_TX_BURST)
		sgw_portq_flush(q);
}

#ifdef __cplusplus
}
#endif
#endif
