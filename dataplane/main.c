/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sstpgw: parse the options, create the engine, run it until SIGINT or
 * SIGTERM, tear it down. Everything else is in engine.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine.h"
#include "dataplane/route.h"

static const char usage[] =
"usage: sstpgw [options] [-- EAL options]\n"
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
"  --port N                TCP listening port (default 443)\n"
"Certificates:\n"
"  --cert FILE --key FILE  server certificate chain and key (PEM)        [required]\n"
"  --roots DIR             trusted client roots: every .cer/.crt/.pem     [required]\n"
"  --revoked FILE          revoked client thumbprints, one per line, # comments\n"
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
"\n"
"Signals: SIGINT/SIGTERM close every session and stop; SIGUSR1 prints the counters.\n";

enum opt {
	O_OUTER = 256, O_OUTER_ADDR, O_OUTER_GW, O_INNER, O_INNER_ADDR, O_VNET, O_POOL,
	O_TUNNEL_ADDR, O_DNS, O_TUNNEL_MTU, O_MAX_SESSIONS, O_PORT, O_CERT, O_KEY, O_ROOTS,
	O_REVOKED, O_WORKERS, O_AEAD, O_HUGE, O_MEM, O_MBUFS, O_FILE_PREFIX, O_LOG_LEVEL,
	O_TCP_TEST, O_FAULT_DROP, O_FAULT_DUP, O_FAULT_REORDER, O_FAULT_SEED, O_FAULT_WHERE,
	O_HELP,
};

static const struct option longopts[] = {
	{ "outer", 1, NULL, O_OUTER }, { "outer-addr", 1, NULL, O_OUTER_ADDR },
	{ "outer-gw", 1, NULL, O_OUTER_GW }, { "inner", 1, NULL, O_INNER },
	{ "inner-addr", 1, NULL, O_INNER_ADDR }, { "vnet", 1, NULL, O_VNET },
	{ "pool", 1, NULL, O_POOL }, { "tunnel-addr", 1, NULL, O_TUNNEL_ADDR },
	{ "dns", 1, NULL, O_DNS }, { "tunnel-mtu", 1, NULL, O_TUNNEL_MTU },
	{ "max-sessions", 1, NULL, O_MAX_SESSIONS }, { "port", 1, NULL, O_PORT },
	{ "cert", 1, NULL, O_CERT }, { "key", 1, NULL, O_KEY }, { "roots", 1, NULL, O_ROOTS },
	{ "revoked", 1, NULL, O_REVOKED }, { "workers", 1, NULL, O_WORKERS },
	{ "aead", 1, NULL, O_AEAD }, { "huge", 0, NULL, O_HUGE }, { "mem", 1, NULL, O_MEM },
	{ "mbufs", 1, NULL, O_MBUFS }, { "file-prefix", 1, NULL, O_FILE_PREFIX },
	{ "log-level", 1, NULL, O_LOG_LEVEL }, { "tcp-test", 1, NULL, O_TCP_TEST },
	{ "fault-drop", 1, NULL, O_FAULT_DROP }, { "fault-dup", 1, NULL, O_FAULT_DUP },
	{ "fault-reorder", 1, NULL, O_FAULT_REORDER }, { "fault-seed", 1, NULL, O_FAULT_SEED },
	{ "fault-where", 1, NULL, O_FAULT_WHERE }, { "help", 0, NULL, O_HELP },
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
	case O_MAX_SESSIONS:
		if (!num(arg, 1, 1000000, &v))
			return bad(name, arg, "want 1..1000000");
		o->max_sessions = (unsigned)v;
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
	case O_FAULT_DROP: case O_FAULT_DUP: case O_FAULT_REORDER:
		if (!frac(arg, &d))
			return bad(name, arg, "want a fraction 0..1, e.g. 0.05");
		*(c == O_FAULT_DROP ? &o->fault.drop : c == O_FAULT_DUP ? &o->fault.dup :
		  &o->fault.reorder) = d;
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

static int parse(int argc, char **argv, struct sgw_engine_opts *o)
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
		rc = opt_one(o, c, optarg, longopts[idx].name);
		if (rc != 0)
			return rc;
	}
	/* What getopt left after "--" goes to the EAL. */
	o->eal_argc = argc - optind;
	o->eal_argv = argv + optind;
	return check_required(o);
}

int main(int argc, char **argv)
{
	struct sgw_engine_opts opts;
	struct sgw_engine *e;
	char err[512] = "";
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = parse(argc, argv, &opts);
	if (rc != 0) {
		if (rc > 0)
			fputs(usage, stdout);
		return rc > 0 ? 0 : 2;
	}
	if (sgw_engine_create(&opts, &e, err, sizeof(err)) != 0) {
		fprintf(stderr, "sstpgw: %s\n", err);
		return 1;
	}
	rc = sgw_engine_run(e);
	sgw_engine_destroy(e);
	return rc == 0 ? 0 : 1;
}
