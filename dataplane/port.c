/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/port.h"

static void fail(char *err, size_t len, const struct sgw_port_cfg *cfg,
		 const char *what, int rc)
{
	snprintf(err, len, "port %s: %s: %s", cfg->name, what, rte_strerror(-rc));
}

/* RSS over IPv4/TCP (and plain IPv4 for the inner side) when the PMD has
 * it. Without it the queues still work where the device spreads flows
 * itself (net_tap: the kernel's tun picks the queue by flow hash). */
static void rss_conf(struct rte_eth_conf *conf, const struct rte_eth_dev_info *info,
		     const struct sgw_port_cfg *cfg, bool *rss)
{
	uint64_t want = RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4;
	uint64_t have = info->flow_type_rss_offloads & want;

	*rss = cfg->nb_queues > 1 && (have & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0;
	if (!*rss)
		return;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = NULL;   /* the PMD's default key */
	conf->rx_adv_conf.rss_conf.rss_hf = have;
}

static int queues_setup(struct sgw_port *p, const struct sgw_port_cfg *cfg,
			char *err, size_t len)
{
	int socket = rte_eth_dev_socket_id(p->id);
	uint16_t nrx = cfg->rx_desc, ntx = cfg->tx_desc;
	int rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nrx, &ntx);

	if (rc != 0) {
		fail(err, len, cfg, "descriptor counts", rc);
		return rc;
	}
	for (uint16_t q = 0; q < cfg->nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->id, q, nrx, (unsigned)socket, NULL, cfg->mp);
		if (rc != 0) {
			fail(err, len, cfg, "rx queue setup", rc);
			return rc;
		}
		rc = rte_eth_tx_queue_setup(p->id, q, ntx, (unsigned)socket, NULL);
		if (rc != 0) {
			fail(err, len, cfg, "tx queue setup", rc);
			return rc;
		}
	}
	return 0;
}

static int configure(struct sgw_port *p, const struct sgw_port_cfg *cfg,
		     char *err, size_t len)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc = rte_eth_dev_info_get(p->id, &info);

	if (rc != 0) {
		fail(err, len, cfg, "device info", rc);
		return rc;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	if (cfg->nb_queues > info.max_rx_queues || cfg->nb_queues > info.max_tx_queues) {
		snprintf(err, len, "port %s: %u workers need %u queue pairs, the device has "
			 "%u rx / %u tx: use fewer workers", cfg->name, cfg->nb_queues,
			 cfg->nb_queues, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	rss_conf(&conf, &info, cfg, &p->rss);
	rc = rte_eth_dev_configure(p->id, cfg->nb_queues, cfg->nb_queues, &conf);
	if (rc != 0) {
		fail(err, len, cfg, "configure", rc);
		return rc;
	}
	p->nb_queues = cfg->nb_queues;
	if (cfg->mtu != 0 && (rc = rte_eth_dev_set_mtu(p->id, cfg->mtu)) != 0) {
		fail(err, len, cfg, "set MTU", rc);
		return rc;
	}
	return queues_setup(p, cfg, err, len);
}

int sgw_port_init(struct sgw_port *p, const struct sgw_port_cfg *cfg,
		  char *err, size_t err_len)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->id = RTE_MAX_ETHPORTS;
	if (strlen(cfg->name) >= sizeof(p->name)) {
		snprintf(err, err_len, "port %.64s...: name too long", cfg->name);
		return -ENAMETOOLONG;
	}
	if (rte_eth_dev_get_port_by_name(cfg->name, &p->id) != 0) {
		snprintf(err, err_len, "port %s: no such device (a vdev needs net_<pmd>N[,args];"
			 " a PCI device must be bound to vfio-pci)", cfg->name);
		p->id = RTE_MAX_ETHPORTS;
		return -ENODEV;
	}
	snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	rc = configure(p, cfg, err, err_len);
	if (rc != 0)
		return rc;
	struct rte_ether_addr mac;

	rc = rte_eth_macaddr_get(p->id, &mac);
	if (rc != 0) {
		fail(err, err_len, cfg, "MAC address", rc);
		return rc;
	}
	memcpy(p->mac, mac.addr_bytes, sizeof(p->mac));
	rc = rte_eth_dev_start(p->id);
	if (rc != 0) {
		fail(err, err_len, cfg, "start", rc);
		return rc;
	}
	p->started = true;
	/* We answer ARP for our addresses ourselves: no promiscuous mode. Not
	 * every PMD can change either setting; neither failure is fatal. */
	(void)rte_eth_promiscuous_disable(p->id);
	(void)rte_eth_dev_set_link_up(p->id);
	return 0;
}

void sgw_port_fini(struct sgw_port *p)
{
	if (p->id >= RTE_MAX_ETHPORTS)
		return;
	if (p->started)
		(void)rte_eth_dev_stop(p->id);
	p->started = false;
	(void)rte_eth_dev_close(p->id);
	p->id = RTE_MAX_ETHPORTS;
}

uint16_t sgw_portq_rx(struct sgw_portq *q, struct rte_mbuf **pkts)
{
	uint16_t n = rte_eth_rx_burst(q->port_id, q->queue, pkts, SGW_RX_BURST);

	if (q->rx_fault != NULL)
		n = sgw_fault_apply(q->rx_fault, pkts, n, SGW_PORTQ_RX_CAP, q->mp);
	return n;
}

void sgw_portq_flush(struct sgw_portq *q)
{
	uint16_t n = q->tx_n;

	if (q->tx_fault != NULL)
		n = sgw_fault_apply(q->tx_fault, q->tx, n, RTE_DIM(q->tx), q->mp);
	q->tx_n = 0;
	if (n == 0)
		return;
	uint16_t room = q->tx_fault != NULL ? sgw_fault_tx_room(q->tx_fault, n) : n;
	uint16_t sent = rte_eth_tx_burst(q->port_id, q->queue, q->tx, room);

	q->tx_pkts += sent;
	if (unlikely(sent < n)) {
		q->tx_full += n - sent;
		rte_pktmbuf_free_bulk(&q->tx[sent], n - sent);
	}
}
