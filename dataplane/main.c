/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sstpgw: the configuration (a file, options, or both: options after the
 * file override it), then the shared tables (control/tables.h), the engine
 * (engine.h) and the control thread (control/daemon.h) until SIGINT or
 * SIGTERM; then everything is torn down.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/daemon.h"
#include "control/tables.h"
#include "dataplane/engine.h"
#include "dataplane/route.h"

static const char usage[] =
"usage: sstpgw [--config FILE] [options] [-- EAL options]\n"
"\n"
"  --config FILE           the configuration file (YAML, docs/CONFIG.md); options\n"
"                          given after it override it\n"
"\n"
"Ports (a DPDK vdev such as net_tap0,iface=sgw-out, or a PCI address bound to vfio-pci):\n"
"  --outer SPEC            client-facing port (TCP/443)                  [required]\n"
"  --outer-addr A/LEN      the gateway's address on it, e.g. 10.0.0.2/24  [required]\n"
"  --outer-gw A            next hop for clients off the outer subnet\n"
"  --inner SPEC            VNet-facing port                              [required]\n"
"  --inner-addr A/LEN      the gateway's address on it                    [required]\n"
"  --vnet PREFIX[@VIA]     VNet prefix reached via VIA on the inner side (repeatable;\n"
"                          without @VIA: directly connected)\n"
"Clients:\n"
"  --pool PREFIX           client address pool, e.g. 172.16.201.0/24     [required]\n"
"  --tunnel-addr A         the gateway's address inside PPP (default: pool's first)\n"
"  --dns A                 DNS server given to clients (at most 2)\n"
"  --tunnel-mtu N          largest inner packet, PPP MRU (default 1400)\n"
"  --max-sessions N        sessions over all workers (default 1024)\n"
"  --max-pending-per-source N  calls from one address not yet authenticated,\n"
"                          per worker; more are refused (default 0: no limit)\n"
"  --session-buffers N     32 KiB session buffers per worker, taken only while\n"
"                          bytes wait (default 0: 2 x sessions per worker + 64)\n"
"  --hello-interval S      SSTP hello: silence before an Echo Request (default 60)\n"
"  --port N                TCP listening port (default 443)\n"
"Certificates:\n"
"  --cert FILE --key FILE  server certificate chain and key (PEM)        [required]\n"
"  --tls-min V --tls-max V outer TLS versions, 1.2 or 1.3 (default 1.2 and 1.3)\n"
"  --roots DIR             trusted client roots: every .cer/.crt/.pem     [required]\n"
"  --revoked FILE          revoked client thumbprints, one per line, # comments\n"
"Control:\n"
"  --mgmt-socket PATH      management socket for sstpgw-ctl (default: none; with\n"
"                          --config: management.socket)\n"
"  --metrics HOST:PORT     Prometheus metrics at http://HOST:PORT/metrics\n"
"  --server-name NAME      the name clients connect to (client packages)\n"
"  --server-ca FILE        the CA of the server certificate (client packages)\n"
"Engine:\n"
"  --workers N             worker lcores = queue pairs per port (default 1)\n"
"  --aead evp|ipsec-mb     record-layer AEAD backend (default ipsec-mb if available)\n"
"  --huge                  use hugepages (default: --no-huge -m MEM)\n"
"  --mem MB                memory without hugepages (default 512)\n"
"  --mbufs N               mbuf pool size (default: from ports, queues, workers)\n"
"  --file-prefix S         EAL runtime file prefix (default sstpgw; unique per process)\n"
"  --log-level N           EAL log level (1-8)\n"
"Testing:\n"
"  --tcp-test echo|discard|source  run a test application on the port instead of SSTP\n"
"  --fault-drop F --fault-dup F --fault-reorder F   fractions (0..1) on the outer port\n"
"  --fault-seed N          seed for the fault injection (default 1)\n"
"  --fault-where rx|tx|both  where faults are injected (default both)\n"
"  --fault-txq-full F      fraction of outer tx bursts that find the queue full\n"
"\n"
"Signals: SIGINT/SIGTERM close every session and stop; SIGUSR1 prints the counters;\n"
"SIGHUP reloads the configuration file (pools and reservations change live).\n";

enum opt {
	O_OUTER = 256, O_OUTER_ADDR, O_OUTER_GW, O_INNER, O_INNER_ADDR, O_VNET, O_POOL,
	O_TUNNEL_ADDR, O_DNS, O_TUNNEL_MTU, O_MAX_SESSIONS, O_MAX_PENDING, O_SESSION_BUFS, O_PORT, O_CERT, O_KEY,
	O_ROOTS,
	O_REVOKED, O_WORKERS, O_AEAD, O_HUGE, O_MEM, O_MBUFS, O_FILE_PREFIX, O_LOG_LEVEL,
	O_TCP_TEST, O_FAULT_DROP, O_FAULT_DUP, O_FAULT_REORDER, O_FAULT_SEED, O_FAULT_WHERE,
	O_FAULT_TXQ_FULL,
	O_HELP, O_HELLO, O_TLS_MIN, O_TLS_MAX, O_CONFIG, O_MGMT_SOCKET, O_METRICS, O_SERVER_NAME, O_SERVER_CA,
};

static const struct option longopts[] = {
	{ "outer", 1, NULL, O_OUTER }, { "outer-addr", 1, NULL, O_OUTER_ADDR },
	{ "outer-gw", 1, NULL, O_OUTER_GW }, { "inner", 1, NULL, O_INNER },
	{ "inner-addr", 1, NULL, O_INNER_ADDR }, { "vnet", 1, NULL, O_VNET },
	{ "pool", 1, NULL, O_POOL }, { "tunnel-addr", 1, NULL, O_TUNNEL_ADDR },
	{ "dns", 1, NULL, O_DNS }, { "tunnel-mtu", 1, NULL, O_TUNNEL_MTU },
	{ "max-sessions", 1, NULL, O_MAX_SESSIONS }, { "port", 1, NULL, O_PORT },
	{ "max-pending-per-source", 1, NULL, O_MAX_PENDING },
	{ "session-buffers", 1, NULL, O_SESSION_BUFS },
	{ "cert", 1, NULL, O_CERT }, { "key", 1, NULL, O_KEY }, { "roots", 1, NULL, O_ROOTS },
	{ "revoked", 1, NULL, O_REVOKED }, { "workers", 1, NULL, O_WORKERS },
	{ "aead", 1, NULL, O_AEAD }, { "huge", 0, NULL, O_HUGE }, { "mem", 1, NULL, O_MEM },
	{ "mbufs", 1, NULL, O_MBUFS }, { "file-prefix", 1, NULL, O_FILE_PREFIX },
	{ "log-level", 1, NULL, O_LOG_LEVEL }, { "tcp-test", 1, NULL, O_TCP_TEST },
	{ "fault-drop", 1, NULL, O_FAULT_DROP }, { "fault-dup", 1, NULL, O_FAULT_DUP },
	{ "fault-reorder", 1, NULL, O_FAULT_REORDER }, { "fault-seed", 1, NULL, O_FAULT_SEED },
	{ "fault-where", 1, NULL, O_FAULT_WHERE }, { "fault-txq-full", 1, NULL, O_FAULT_TXQ_FULL },
	{ "help", 0, NULL, O_HELP },
	{ "config", 1, NULL, O_CONFIG }, { "hello-interval", 1, NULL, O_HELLO },
	{ "tls-min", 1, NULL, O_TLS_MIN }, { "tls-max", 1, NULL, O_TLS_MAX }, { "mgmt-socket", 1, NULL, O_MGMT_SOCKET },
	{ "metrics", 1, NULL, O_METRICS }, { "server-name", 1, NULL, O_SERVER_NAME },
	{ "server-ca", 1, NULL, O_SERVER_CA },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "sstpgw: --%s %s: %s (see sstpgw --help)\n", opt, arg ? arg : "", want);
	return -EINVAL;
}

static bool num(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno == 0 && end != s && *end == '\0' && *v >= min && *v <= max && s[0] != '-';
}

static bool frac(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return end != s && *end == '\0' && *v >= 0 && *v <= 1;
}

static int vnet_add(struct sgw_engine_opts *o, const char *arg)
{
	char buf[64];
	char *at;
	struct sgw_vnet_route *r = &o->vnet[o->nvnet];

	if (o->nvnet >= SGW_ROUTES_MAX - 1 || strlen(arg) >= sizeof(buf))
		return bad("vnet", arg, "too many prefixes or too long");
	snprintf(buf, sizeof(buf), "%s", arg);
	at = strchr(buf, '@');
	if (at != NULL)
		*at++ = '\0';
	if (!sgw_prefix_parse(buf, &r->prefix, &r->len, false))
		return bad("vnet", arg, "want PREFIX/LEN (no host bits) with optional @NEXTHOP");
	if (at != NULL && !sgw_addr_parse(at, &r->via))
		return bad("vnet", arg, "the next hop after @ must be an IPv4 address");
	o->nvnet++;
	return 0;
}

static int app_parse(struct sgw_engine_opts *o, const char *arg)
{
	static const char *const names[] = { "sstp", "echo", "discard", "source" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(arg, names[i]) == 0) {
			o->app = (enum sgw_app)i;
			return 0;
		}
	return bad("tcp-test", arg, "want echo, discard or source");
}

/* One option; 0, 1 for --help, or -EINVAL (message printed). */
static int opt_one(struct sgw_engine_opts *o, int c, const char *arg, const char *name)
{
	unsigned long v;
	double d;

	switch (c) {
	case O_OUTER: o->outer_port = arg; return 0;
	case O_INNER: o->inner_port = arg; return 0;
	case O_OUTER_ADDR:
		return sgw_prefix_parse(arg, &o->outer_addr, &o->outer_len, true) ? 0 :
		       bad(name, arg, "want ADDRESS/LEN, e.g. 10.0.0.2/24");
	case O_INNER_ADDR:
		return sgw_prefix_parse(arg, &o->inner_addr, &o->inner_len, true) ? 0 :
		       bad(name, arg, "want ADDRESS/LEN, e.g. 192.168.0.2/16");
	case O_OUTER_GW:
		return sgw_addr_parse(arg, &o->outer_gw) ? 0 : bad(name, arg, "want an IPv4 address");
	case O_TUNNEL_ADDR:
		return sgw_addr_parse(arg, &o->tunnel_addr) ? 0 : bad(name, arg, "want an IPv4 address");
	case O_VNET: return vnet_add(o, arg);
	case O_POOL:
		return sgw_prefix_parse(arg, &o->pool_base, &o->pool_len, false) ? 0 :
		       bad(name, arg, "want PREFIX/LEN without host bits, e.g. 172.16.201.0/24");
	case O_DNS:
		for (unsigned i = 0; i < SGW_DNS_SERVERS_MAX; i++)
			if (o->dns[i] == 0)
				return sgw_addr_parse(arg, &o->dns[i]) ? 0 :
				       bad(name, arg, "want an IPv4 address");
		return bad(name, arg, "at most 2 DNS servers");
	case O_TUNNEL_MTU:
		if (!num(arg, SGW_PPP_MIN_MRU, SGW_PPP_MAX_MRU, &v))
			return bad(name, arg, "want 576..4087");
		o->tunnel_mtu = (uint16_t)v;
		return 0;
	case O_TLS_MIN: case O_TLS_MAX: {
		uint16_t ver = strcmp(arg, "1.2") == 0 ? 0x0303 : strcmp(arg, "1.3") == 0 ? 0x0304 : 0;

		if (ver == 0)
			return bad(name, arg, "want 1.2 or 1.3");
		*(c == O_TLS_MIN ? &o->tls_min : &o->tls_max) = ver;
		return 0;
	}
	case O_HELLO:
		if (!num(arg, 1, 3600, &v))
			return bad(name, arg, "want seconds, 1..3600");
		o->hello_ms = (uint32_t)v * 1000u;
		return 0;
	case O_MAX_SESSIONS:
		if (!num(arg, 1, 1000000, &v))
			return bad(name, arg, "want 1..1000000");
		o->max_sessions = (unsigned)v;
		return 0;
	case O_MAX_PENDING:
		if (!num(arg, 0, 1000000, &v))
			return bad(name, arg, "want 0 (no limit)..1000000");
		o->max_pending_per_source = (unsigned)v;
		return 0;
	case O_SESSION_BUFS:
		if (!num(arg, 0, 4000000, &v))
			return bad(name, arg, "want 0 (default)..4000000");
		o->session_buffers = (unsigned)v;
		return 0;
	case O_PORT:
		if (!num(arg, 1, 65535, &v))
			return bad(name, arg, "want 1..65535");
		o->listen_port = (uint16_t)v;
		return 0;
	case O_CERT: o->cert = arg; return 0;
	case O_KEY: o->key = arg; return 0;
	case O_ROOTS: o->roots_dir = arg; return 0;
	case O_REVOKED: o->revoked_file = arg; return 0;
	case O_WORKERS:
		if (!num(arg, 1, SGW_MAX_WORKERS, &v))
			return bad(name, arg, "want 1..16");
		o->workers = (unsigned)v;
		return 0;
	case O_AEAD:
		o->aead_set = true;
		if (strcmp(arg, "evp") == 0)
			o->aead = SGW_AEAD_BACKEND_EVP;
		else if (strcmp(arg, "ipsec-mb") == 0)
			o->aead = SGW_AEAD_BACKEND_IPSEC_MB;
		else
			return bad(name, arg, "want evp or ipsec-mb");
		return 0;
	case O_HUGE: o->huge = true; return 0;
	case O_MEM:
		if (!num(arg, 64, 1 << 20, &v))
			return bad(name, arg, "want megabytes, at least 64");
		o->mem_mb = (unsigned)v;
		return 0;
	case O_MBUFS:
		if (!num(arg, 1024, 1 << 24, &v))
			return bad(name, arg, "want 1024..16777216");
		o->mbufs = (unsigned)v;
		return 0;
	case O_FILE_PREFIX: o->file_prefix = arg; return 0;
	case O_LOG_LEVEL:
		if (!num(arg, 1, 8, &v))
			return bad(name, arg, "want 1..8");
		o->log_level = (int)v;
		return 0;
	case O_TCP_TEST: return app_parse(o, arg);
	case O_FAULT_DROP: case O_FAULT_DUP: case O_FAULT_REORDER: case O_FAULT_TXQ_FULL:
		if (!frac(arg, &d))
			return bad(name, arg, "want a fraction 0..1, e.g. 0.05");
		*(c == O_FAULT_DROP ? &o->fault.drop : c == O_FAULT_DUP ? &o->fault.dup :
		  c == O_FAULT_REORDER ? &o->fault.reorder : &o->fault.txq_full) = d;
		return 0;
	case O_FAULT_SEED:
		if (!num(arg, 0, ULONG_MAX, &v))
			return bad(name, arg, "want a number");
		o->fault.seed = v;
		return 0;
	case O_FAULT_WHERE:
		o->fault.rx = strcmp(arg, "rx") == 0 || strcmp(arg, "both") == 0;
		o->fault.tx = strcmp(arg, "tx") == 0 || strcmp(arg, "both") == 0;
		return o->fault.rx || o->fault.tx ? 0 : bad(name, arg, "want rx, tx or both");
	case O_HELP: return 1;
	default: return bad("?", NULL, "unknown option");
	}
}

/* What is not the engine's: the file, the control plane, client settings. */
struct ctl {
	const char *config_path;
	struct sgw_config *cfg;          /* loaded, or NULL: the engine's strings point
					    into it, so it lives until exit */
	struct sgw_config *reloaded;     /* the latest reload's, or NULL */
	const char *mgmt_socket, *metrics, *server_name, *server_ca;
	char metrics_buf[64];
	char tunnel_buf[16];
};

static const char *config_aead_name(enum sgw_config_aead a)
{
	return a == SGW_CONFIG_AEAD_EVP ? "evp" : a == SGW_CONFIG_AEAD_IPSEC_MB ? "ipsec-mb" : NULL;
}

/* The smallest prefix that holds every pool: the workers' address lookup
 * spans it (engine.h pool_base/pool_len). */
static void pools_span(const struct sgw_config *c, uint32_t *base, unsigned *len)
{
	uint32_t lo = UINT32_MAX, hi = 0;

	for (unsigned i = 0; i < c->clients.npools; i++) {
		uint32_t a = c->clients.pools[i].addr;
		uint32_t end = a | ~sgw_prefix_mask(c->clients.pools[i].len);

		lo = a < lo ? a : lo;
		hi = end > hi ? end : hi;
	}
	*len = 32;
	while (*len > 0 && (lo & sgw_prefix_mask(*len)) != (hi & sgw_prefix_mask(*len)))
		(*len)--;
	*base = lo & sgw_prefix_mask(*len);
}

/* The file's settings as engine options (options after --config override). */
static void config_apply(const struct sgw_config *c, struct sgw_engine_opts *o)
{
	o->outer_port = c->ports.outer.device;
	o->outer_addr = c->ports.outer.addr;
	o->outer_len = c->ports.outer.len;
	o->outer_gw = c->ports.outer.gateway;
	o->inner_port = c->ports.inner.device;
	o->inner_addr = c->ports.inner.addr;
	o->inner_len = c->ports.inner.len;
	o->nvnet = 0;
	for (unsigned i = 0; i < c->nvnet && i < SGW_ROUTES_MAX - 1; i++)
		o->vnet[o->nvnet++] = (struct sgw_vnet_route){ c->vnet[i].prefix.addr,
							       c->vnet[i].prefix.len,
							       c->vnet[i].via };
	pools_span(c, &o->pool_base, &o->pool_len);
	o->tunnel_addr = c->clients.tunnel_address;
	memset(o->dns, 0, sizeof(o->dns));
	memset(o->nbns, 0, sizeof(o->nbns));
	for (unsigned i = 0; i < c->clients.ndns && i < SGW_DNS_SERVERS_MAX; i++)
		o->dns[i] = c->clients.dns[i];
	for (unsigned i = 0; i < c->clients.nnbns && i < SGW_DNS_SERVERS_MAX; i++)
		o->nbns[i] = c->clients.nbns[i];
	o->tunnel_mtu = c->clients.tunnel_mtu;
	o->max_sessions = c->limits.max_sessions;
	o->max_half_open = c->limits.max_half_open;
	o->max_pending_per_source = c->limits.max_pending_per_source;
	o->session_buffers = c->limits.session_buffers;
	o->listen_port = c->listen_port;
	o->cert = c->tls.cert;
	o->key = c->tls.key;
	o->tls_min = c->tls.min_version;
	o->tls_max = c->tls.max_version;
	o->ciphers12 = c->tls.ciphers[0] != '\0' ? c->tls.ciphers : NULL;
	o->suites13 = c->tls.ciphersuites[0] != '\0' ? c->tls.ciphersuites : NULL;
	o->hash_bitmask = c->sstp.hash;
	o->hello_ms = c->sstp.hello_interval_s * 1000u;
	o->negotiation_ms = c->sstp.negotiation_timeout_s * 1000u;
	o->handshake_ms = c->sstp.handshake_timeout_s * 1000u;
	o->roots_dir = c->trust.roots_dir;
	o->revoked_file = c->trust.revoked_file[0] != '\0' ? c->trust.revoked_file : NULL;
	o->workers = c->engine.workers;
	o->huge = c->engine.huge;
	o->mem_mb = c->engine.mem_mb;
	o->mbufs = c->engine.mbufs;
	o->file_prefix = c->engine.file_prefix;
	o->aead_set = config_aead_name(c->engine.aead) != NULL;
	o->aead = c->engine.aead == SGW_CONFIG_AEAD_EVP ? SGW_AEAD_BACKEND_EVP :
		  SGW_AEAD_BACKEND_IPSEC_MB;
	o->log_level = (int)c->log.level;
}

/* What this build cannot honour yet is refused, never silently ignored. */
static int config_unsupported(const struct sgw_config *c, const char *path, char *err,
			      size_t err_len)
{
	const char *what = NULL;

	if (c->limits.session_tx_buf != SGW_SESSION_TX_BUF)
		what = "limits.session_tx_buf: this build has fixed 32768-byte session buffers";
	else if (c->limits.session_rx_buf != SGW_SESSION_RX_BUF)
		what = "limits.session_rx_buf: this build has fixed session receive buffers";
	else if (c->clients.client_to_client)
		what = "clients.client_to_client: true is not supported yet (packets between "
		       "clients are dropped)";
	else if (c->engine.queues != c->engine.workers)
		what = "engine.queues: one queue pair per worker in this build (leave it out)";
	else if (c->engine.nlcores != 0)
		what = "engine.lcores: pass EAL lcores after \"--\" (-l 0-2) for now";
	if (what == NULL)
		return 0;
	snprintf(err, err_len, "%s: %s", path, what);
	return -EINVAL;
}

static int config_load(struct ctl *x, struct sgw_engine_opts *o, const char *path)
{
	char err[512];

	if (x->cfg != NULL) {
		fprintf(stderr, "sstpgw: --config %s: one configuration file only\n", path);
		return -EINVAL;
	}
	x->cfg = calloc(1, sizeof(*x->cfg));
	if (x->cfg == NULL)
		return -ENOMEM;
	if (sgw_config_load(path, x->cfg, err, sizeof(err)) != 0 ||
	    config_unsupported(x->cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "sstpgw: %s\n", err);
		return -EINVAL;
	}
	x->config_path = path;
	config_apply(x->cfg, o);
	x->mgmt_socket = x->cfg->management.socket[0] != '\0' ? x->cfg->management.socket : NULL;
	if (x->cfg->management.server_name[0] != '\0')
		x->server_name = x->cfg->management.server_name;
	if (x->cfg->management.server_ca[0] != '\0')
		x->server_ca = x->cfg->management.server_ca;
	if (x->cfg->management.metrics) {
		char a[16];

		snprintf(x->metrics_buf, sizeof(x->metrics_buf), "%s:%u",
			 sgw_addr_str(x->cfg->management.metrics_addr, a),
			 x->cfg->management.metrics_port);
		x->metrics = x->metrics_buf;
	}
	return 0;
}

static int ctl_opt(struct ctl *x, struct sgw_engine_opts *o, int c, const char *arg)
{
	switch (c) {
	case O_CONFIG: return config_load(x, o, arg);
	case O_MGMT_SOCKET: x->mgmt_socket = arg; return 0;
	case O_METRICS: x->metrics = arg; return 0;
	case O_SERVER_NAME: x->server_name = arg; return 0;
	case O_SERVER_CA: x->server_ca = arg; return 0;
	default: return 1;
	}
}

static int check_required(const struct sgw_engine_opts *o)

{
	if (o->outer_port == NULL || o->inner_port == NULL)
		return bad("outer/--inner", NULL, "both ports are required");
	if (o->outer_len == 0 || o->inner_len == 0)
		return bad("outer-addr/--inner-addr", NULL, "both addresses are required");
	if (o->app != SGW_APP_SSTP)
		return 0;
	if (o->pool_len == 0)
		return bad("pool", NULL, "the client address pool is required");
	if (o->cert == NULL || o->key == NULL || o->roots_dir == NULL)
		return bad("cert/--key/--roots", NULL, "server certificate, key and roots are required");
	return 0;
}

static int parse(int argc, char **argv, struct sgw_engine_opts *o, struct ctl *x)
{
	int c, idx, rc;

	sgw_engine_opts_defaults(o);
	o->fault.seed = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?') {
			fprintf(stderr, "sstpgw: %s: unknown option or missing value "
				"(see sstpgw --help)\n", argv[optind - 1]);
			return -EINVAL;
		}
		rc = ctl_opt(x, o, c, optarg);
		if (rc == 1)
			rc = opt_one(o, c, optarg, longopts[idx].name);
		if (rc != 0)
			return rc;
	}
	/* What getopt left after "--" goes to the EAL. */
	o->eal_argc = argc - optind;
	o->eal_argv = argv + optind;
	return check_required(o);
}

/* --- the shared tables: roots, revoked set, pools --- */

struct pools_buf {
	struct sgw_tables_prefix prefixes[SGW_CONFIG_MAX_POOLS];
	struct sgw_tables_reservation res[SGW_CONFIG_MAX_RESERVATIONS];
	uint32_t excluded[1];
};

static void pools_of(const struct sgw_config *c, const struct sgw_engine_opts *o,
		     struct pools_buf *b, struct sgw_tables_pools *p)
{
	*p = (struct sgw_tables_pools){ .prefixes = b->prefixes, .reservations = b->res,
					.excluded = b->excluded, .nexcluded = 1 };
	b->excluded[0] = o->tunnel_addr != 0 ? o->tunnel_addr : o->pool_base + 1;
	if (c == NULL) {                     /* --pool: one prefix */
		b->prefixes[0] = (struct sgw_tables_prefix){ o->pool_base, o->pool_len };
		p->nprefixes = 1;
		return;
	}
	b->excluded[0] = c->clients.tunnel_address;
	for (unsigned i = 0; i < c->clients.npools; i++)
		b->prefixes[i] = (struct sgw_tables_prefix){ c->clients.pools[i].addr,
							     c->clients.pools[i].len };
	p->nprefixes = c->clients.npools;
	for (unsigned i = 0; i < c->clients.nreservations; i++)
		b->res[i] = (struct sgw_tables_reservation){ c->clients.reservations[i].cn,
							     c->clients.reservations[i].addr };
	p->nreservations = c->clients.nreservations;
}

static struct sgw_tables *tables_create(const struct ctl *x, const struct sgw_engine_opts *o,
					char *revoked_buf, size_t revoked_len)
{
	static struct pools_buf b;
	struct sgw_tables_cfg tc = { .nreaders = o->workers, .roots_dir = o->roots_dir,
				     .revoked_file = o->revoked_file,
				     .max_roots = x->cfg != NULL ? x->cfg->trust.max_roots : 0 };
	struct sgw_tables *t;
	char err[512];

	if (tc.revoked_file == NULL) {       /* revocations must persist somewhere */
		snprintf(revoked_buf, revoked_len, "%s/revoked.txt", o->roots_dir);
		tc.revoked_file = revoked_buf;
	}
	pools_of(x->cfg, o, &b, &tc.pools);
	t = sgw_tables_create(&tc, err, sizeof(err));
	if (t == NULL)
		fprintf(stderr, "sstpgw: %s\n", err);
	return t;
}

/* SIGHUP / "reload": the file again; pools and reservations change live,
 * the rest needs a restart (said, not applied). */
static void settings_of(const struct ctl *x, const struct sgw_engine_opts *o,
			struct sgw_mgmt_settings *s);

static int reload(void *ctx, struct sgw_tables *t, struct sgw_mgmt_settings *s,
		  char *err, size_t err_len)
{
	struct ctl *x = ctx;
	struct sgw_config *n = calloc(1, sizeof(*n));
	static struct pools_buf b;
	struct sgw_tables_pools p;
	struct sgw_engine_opts o;
	int rc;

	if (n == NULL)
		return -ENOMEM;
	rc = sgw_config_load(x->config_path, n, err, err_len);
	if (rc == 0)
		rc = config_unsupported(n, x->config_path, err, err_len);
	if (rc == 0) {
		sgw_engine_opts_defaults(&o);
		config_apply(n, &o);
		pools_of(n, &o, &b, &p);
		rc = sgw_tables_pools_set(t, &p, err, err_len);
	}
	if (rc == 0) {
		free(x->reloaded);
		x->reloaded = n;
		x->server_name = n->management.server_name[0] != '\0' ?
				 n->management.server_name : NULL;
		x->server_ca = n->management.server_ca[0] != '\0' ? n->management.server_ca : NULL;
		settings_of(x, &o, s);
		return 0;
	}
	free(n);
	return rc;
}

static void settings_of(const struct ctl *x, const struct sgw_engine_opts *o,
			struct sgw_mgmt_settings *s)
{
	char a[16];

	memset(s, 0, sizeof(*s));
	snprintf(s->server_name, sizeof(s->server_name), "%s",
		 x->server_name != NULL ? x->server_name : sgw_addr_str(o->outer_addr, a));
	s->port = o->listen_port;
	s->outer_addr = o->outer_addr;
	/* Absolute: sstpgw-ctl reads it from wherever it runs. */
	char *ca = x->server_ca != NULL ? realpath(x->server_ca, NULL) : NULL;

	snprintf(s->ca_cert_path, sizeof(s->ca_cert_path), "%s",
		 ca != NULL ? ca : x->server_ca != NULL ? x->server_ca : "");
	free(ca);
	memcpy(s->dns, o->dns, sizeof(s->dns));
	for (unsigned i = 0; i < o->nvnet && i < SGW_MGMT_MAX_PREFIXES; i++)
		s->vnet[s->n_vnet++] = (struct sgw_mgmt_prefix){ o->vnet[i].prefix,
								 (uint8_t)o->vnet[i].len };
	const struct sgw_config *c = x->reloaded != NULL ? x->reloaded : x->cfg;

	if (c == NULL)
		s->pool[s->n_pool++] = (struct sgw_mgmt_prefix){ o->pool_base, (uint8_t)o->pool_len };
	for (unsigned i = 0; c != NULL && i < c->clients.npools && i < SGW_MGMT_MAX_PREFIXES; i++)
		s->pool[s->n_pool++] = (struct sgw_mgmt_prefix){ c->clients.pools[i].addr,
								 (uint8_t)c->clients.pools[i].len };
	s->mtu = o->tunnel_mtu;
}

/* The gateway: tables, engine, control thread. */
static int run_gateway(struct ctl *x, struct sgw_engine_opts *o)
{
	char revoked_buf[512], err[512] = "";
	struct sgw_daemon_cfg dc = { .mgmt_socket = x->mgmt_socket, .metrics_listen = x->metrics,
				     .sessions_max = o->max_sessions,
				     .packages_dir = x->cfg != NULL &&
						     x->cfg->management.packages_dir[0] != '\0' ?
						     x->cfg->management.packages_dir : NULL,
				     .reload = x->config_path != NULL ? reload : NULL,
				     .reload_ctx = x };
	struct sgw_tables *t = tables_create(x, o, revoked_buf, sizeof(revoked_buf));
	struct sgw_engine *e;
	int rc;

	if (t == NULL)
		return 1;
	sgw_daemon_engine_hooks(t, &o->hooks);
	if (sgw_engine_create(o, &e, err, sizeof(err)) != 0) {
		fprintf(stderr, "sstpgw: %s\n", err);
		sgw_tables_destroy(t);
		return 1;
	}
	dc.engine = e;
	dc.tables = t;
	settings_of(x, o, &dc.settings);
	rc = sgw_daemon_run(&dc, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "sstpgw: %s\n", err);
	sgw_engine_destroy(e);
	sgw_tables_destroy(t);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sgw_engine_opts opts;
	struct ctl x = { 0 };
	struct sgw_engine *e;
	char err[512] = "";
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = parse(argc, argv, &opts, &x);
	if (rc != 0) {
		free(x.cfg);
		if (rc > 0)
			fputs(usage, stdout);
		return rc > 0 ? 0 : 2;
	}
	if (opts.app == SGW_APP_SSTP) {
		rc = run_gateway(&x, &opts);
		free(x.reloaded);
		free(x.cfg);
		return rc;
	}
	/* --tcp-test: the engine alone. */
	if (sgw_engine_create(&opts, &e, err, sizeof(err)) != 0) {
		fprintf(stderr, "sstpgw: %s\n", err);
		free(x.cfg);
		return 1;
	}
	rc = sgw_engine_run(e);
	sgw_engine_destroy(e);
	free(x.cfg);
	return rc == 0 ? 0 : 1;
}
