/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/config.c: a full file parses to the expected struct; every field
 * has at least one bad value and each gets its own message (field path and
 * line); defaults; YAML-level errors (syntax, duplicate and unknown keys,
 * wrong types, aliases, tags, two documents); and the lab's etc/sstpgw.yaml.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "control/config.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

/* Every field set, most away from their defaults. Cases below edit one line. */
static const char *const full[] = {
	"# every field",
	"ports:",
	"  outer:",
	"    device: net_tap0,iface=sgwout0",
	"    address: 10.0.0.2/24",
	"    gateway: 10.0.0.1",
	"  inner:",
	"    device: 0000:3b:00.0",
	"    address: 192.168.77.2/24",
	"engine:",
	"  workers: 2",
	"  lcores: [0, 2, 3]",
	"  queues: 4",
	"  huge: true",
	"  mem_mb: 1024",
	"  mbufs: 65536",
	"  file_prefix: gw_1",
	"  aead: ipsec-mb",
	"listen_port: 8443",
	"tls:",
	"  min_version: 1.3",
	"  max_version: '1.3'",
	"  ciphersuites: TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
	"  ciphers: ECDHE+AESGCM:!aNULL",
	"  cert: /etc/sstpgw/server.crt",
	"  key: \"/etc/sstpgw/server.key\"",
	"sstp:",
	"  hash: [sha256]",
	"  hello_interval_s: 30",
	"  negotiation_timeout_s: 45",
	"  handshake_timeout_s: 10",
	"clients:",
	"  pools:",
	"    - 172.16.201.0/24",
	"    - 172.16.202.0/25",
	"  reservations:",
	"    - cn: client1@contoso.com",
	"      address: 172.16.201.10",
	"    - {cn: client2@contoso.com, address: 172.16.202.20}",
	"  dns: [192.168.77.1, 168.63.129.16]",
	"  nbns: [192.168.77.3]",
	"  tunnel_mtu: 1300",
	"  tunnel_address: 172.16.202.1",
	"  client_to_client: true",
	"vnet:",
	"  - prefix: 192.168.0.0/16",
	"    via: 192.168.77.1",
	"  - prefix: 10.20.0.0/16",
	"trust:",
	"  roots_dir: /etc/sstpgw/roots",
	"  max_roots: 50",
	"  revoked_file: /etc/sstpgw/revoked.txt",
	"limits:",
	"  max_sessions: 20000",
	"  max_half_open: 4096",
	"  max_pending_per_source: 32",
	"  session_tx_buf: 65536",
	"  session_rx_buf: 32768",
	"management:",
	"  socket: /run/gw/ctl.sock",
	"  metrics: 0.0.0.0:9100",
	"  server_name: vpn.contoso.com",
	"  server_ca: /etc/sstpgw/server-ca.crt",
	"  packages_dir: /var/lib/sstpgw/packages",
	"log:",
	"  level: debug",
};

static struct sgw_config cfg;      /* ~40 KiB: not on the stack */
static char err[512];
static char text[8192];

/* full[] with the first line that starts with find replaced (NULL: none). */
static int build(const char *find, const char *with)
{
	size_t n = 0;
	int line = 0;

	text[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(full); i++) {
		const char *l = full[i];

		if (find != NULL && line == 0 && strncmp(l, find, strlen(find)) == 0) {
			line = (int)i + 1;
			l = with;
		}
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", l, *l ? "\n" : "");
		assert_true(n < sizeof(text));
	}
	return line;
}

/* 1-based line of the first line of text that contains s. */
static int line_with(const char *s)
{
	const char *p = strstr(text, s);
	int line = 1;

	assert_non_null(p);
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

static int parse(void)
{
	return sgw_config_parse(text, strlen(text), "full.yaml", &cfg, err, sizeof(err));
}

static void test_full(void **state)
{
	const struct sgw_config *c = &cfg;

	(void)state;
	build(NULL, NULL);
	if (parse() != 0)
		fail_msg("%s", err);
	assert_string_equal(c->ports.outer.device, "net_tap0,iface=sgwout0");
	assert_int_equal(c->ports.outer.addr, A(10, 0, 0, 2));
	assert_int_equal(c->ports.outer.len, 24);
	assert_int_equal(c->ports.outer.gateway, A(10, 0, 0, 1));
	assert_string_equal(c->ports.inner.device, "0000:3b:00.0");
	assert_int_equal(c->ports.inner.addr, A(192, 168, 77, 2));
	assert_int_equal(c->ports.inner.len, 24);
	assert_int_equal(c->ports.inner.gateway, 0);
	assert_int_equal(c->engine.workers, 2);
	assert_int_equal(c->engine.nlcores, 3);
	assert_int_equal(c->engine.lcores[0], 0);
	assert_int_equal(c->engine.lcores[1], 2);
	assert_int_equal(c->engine.lcores[2], 3);
	assert_int_equal(c->engine.queues, 4);
	assert_true(c->engine.huge);
	assert_int_equal(c->engine.mem_mb, 1024);
	assert_int_equal(c->engine.mbufs, 65536);
	assert_string_equal(c->engine.file_prefix, "gw_1");
	assert_int_equal(c->engine.aead, SGW_CONFIG_AEAD_IPSEC_MB);
	assert_int_equal(c->listen_port, 8443);
	assert_int_equal(c->tls.min_version, SGW_CONFIG_TLS_1_3);
	assert_int_equal(c->tls.max_version, SGW_CONFIG_TLS_1_3);
	assert_string_equal(c->tls.ciphersuites,
			    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
	assert_string_equal(c->tls.ciphers, "ECDHE+AESGCM:!aNULL");
	assert_string_equal(c->tls.cert, "/etc/sstpgw/server.crt");
	assert_string_equal(c->tls.key, "/etc/sstpgw/server.key");
	assert_int_equal(c->sstp.hash, SGW_CONFIG_HASH_SHA256);
	assert_int_equal(c->sstp.hello_interval_s, 30);
	assert_int_equal(c->sstp.negotiation_timeout_s, 45);
	assert_int_equal(c->sstp.handshake_timeout_s, 10);
	assert_int_equal(c->clients.npools, 2);
	assert_int_equal(c->clients.pools[0].addr, A(172, 16, 201, 0));
	assert_int_equal(c->clients.pools[0].len, 24);
	assert_int_equal(c->clients.pools[1].addr, A(172, 16, 202, 0));
	assert_int_equal(c->clients.pools[1].len, 25);
	assert_int_equal(c->clients.nreservations, 2);
	assert_string_equal(c->clients.reservations[0].cn, "client1@contoso.com");
	assert_int_equal(c->clients.reservations[0].addr, A(172, 16, 201, 10));
	assert_string_equal(c->clients.reservations[1].cn, "client2@contoso.com");
	assert_int_equal(c->clients.reservations[1].addr, A(172, 16, 202, 20));
	assert_int_equal(c->clients.ndns, 2);
	assert_int_equal(c->clients.dns[0], A(192, 168, 77, 1));
	assert_int_equal(c->clients.dns[1], A(168, 63, 129, 16));
	assert_int_equal(c->clients.nnbns, 1);
	assert_int_equal(c->clients.nbns[0], A(192, 168, 77, 3));
	assert_int_equal(c->clients.tunnel_mtu, 1300);
	assert_int_equal(c->clients.tunnel_address, A(172, 16, 202, 1));
	assert_true(c->clients.client_to_client);
	assert_int_equal(c->nvnet, 2);
	assert_int_equal(c->vnet[0].prefix.addr, A(192, 168, 0, 0));
	assert_int_equal(c->vnet[0].prefix.len, 16);
	assert_int_equal(c->vnet[0].via, A(192, 168, 77, 1));
	assert_int_equal(c->vnet[1].prefix.addr, A(10, 20, 0, 0));
	assert_int_equal(c->vnet[1].via, 0);
	assert_string_equal(c->trust.roots_dir, "/etc/sstpgw/roots");
	assert_int_equal(c->trust.max_roots, 50);
	assert_string_equal(c->trust.revoked_file, "/etc/sstpgw/revoked.txt");
	assert_int_equal(c->limits.max_sessions, 20000);
	assert_int_equal(c->limits.max_half_open, 4096);
	assert_int_equal(c->limits.max_pending_per_source, 32);
	assert_int_equal(c->limits.session_tx_buf, 65536);
	assert_int_equal(c->limits.session_rx_buf, 32768);
	assert_string_equal(c->management.socket, "/run/gw/ctl.sock");
	assert_true(c->management.metrics);
	assert_int_equal(c->management.metrics_addr, 0);
	assert_int_equal(c->management.metrics_port, 9100);
	assert_string_equal(c->management.server_name, "vpn.contoso.com");
	assert_string_equal(c->management.server_ca, "/etc/sstpgw/server-ca.crt");
	assert_string_equal(c->management.packages_dir, "/var/lib/sstpgw/packages");
	assert_int_equal(c->log.level, SGW_CONFIG_LOG_DEBUG);
}

/* One line of full[] replaced by a bad value; the message must name the
 * field (path) at the right line and say what is wrong. blame: text on the
 * line the message must point at, when not the replaced line. */
struct bad_case {
	const char *find, *with, *path, *what, *blame;
};

static const struct bad_case bad[] = {
	/* ports */
	/* 1 */ { "    device: net_tap0", "    device: net tap0", "ports.outer.device",
		  "character 4 (' ') is not allowed", NULL },
	/* 2 */ { "    address: 10.0.0.2", "    address: 10.0.0.2", "ports.outer.address",
		  "is not ADDRESS/LEN", NULL },
	/* 3 */ { "    address: 10.0.0.2", "    address: 10.0.0.0/24", "ports.outer.address",
		  "network or broadcast", NULL },
	/* 4 */ { "    gateway:", "    gateway: 10.0.1.1", "ports.outer.gateway",
		  "not another host on the outer subnet", NULL },
	/* 5 */ { "    gateway:", "    gateway: banana", "ports.outer.gateway",
		  "\"banana\" is not an IPv4 address", NULL },
	/* 6 */ { "    device: 0000", "    device: [a, b]", "ports.inner.device",
		  "got a list (want a DPDK device", NULL },
	/* 7 */ { "    address: 192.168.77.2", "    address: 192.168.77.2/33",
		  "ports.inner.address", "is not ADDRESS/LEN", NULL },
	/* 8 */ { "    address: 192.168.77.2", "    address: 10.0.0.3/16", "ports.inner.address",
		  "overlaps the outer port's", NULL },
	/* 9 */ { "    address: 192.168.77.2", "    address: 127.0.0.1/8", "ports.inner.address",
		  "not a unicast host address", NULL },
	/* engine */
	/* 10 */ { "  workers:", "  workers: 0", "engine.workers", "0 is out of range (want 1..16)",
		   NULL },
	/* 11 */ { "  workers:", "  workers: 17", "engine.workers", "17 is out of range", NULL },
	/* 12 */ { "  lcores:", "  lcores: [0, 2]", "engine.lcores", "2 lcores for 2 workers",
		   NULL },
	/* 13 */ { "  lcores:", "  lcores: 0-2,2", "engine.lcores", "lcore 2 listed twice", NULL },
	/* 14 */ { "  lcores:", "  lcores: a-b", "engine.lcores",
		   "\"a\" is not an lcore id or range", NULL },
	/* 15 */ { "  lcores:", "  lcores: [0, 200, 3]", "engine.lcores", "200 is out of range",
		   NULL },
	/* 16 */ { "  queues:", "  queues: 1", "engine.queues", "fewer queues than workers", NULL },
	/* 17 */ { "  queues:", "  queues: 17", "engine.queues", "17 is out of range", NULL },
	/* 18 */ { "  huge:", "  huge: yes", "engine.huge", "\"yes\" is not a boolean", NULL },
	/* 19 */ { "  mem_mb:", "  mem_mb: 63", "engine.mem_mb", "63 is out of range", NULL },
	/* 20 */ { "  mbufs:", "  mbufs: 100", "engine.mbufs", "100 is out of range", NULL },
	/* 21 */ { "  file_prefix:", "  file_prefix: gw/1", "engine.file_prefix",
		   "character 3 ('/') is not allowed", NULL },
	/* 22 */ { "  aead:", "  aead: openssl", "engine.aead",
		   "unknown value \"openssl\" (want auto, evp or ipsec-mb)", NULL },
	/* listen_port */
	/* 23 */ { "listen_port:", "listen_port: 0", "listen_port", "0 is out of range", NULL },
	/* 24 */ { "listen_port:", "listen_port: 65536", "listen_port", "65536 is out of range",
		   NULL },
	/* 25 */ { "listen_port:", "listen_port: \"443\"", "listen_port",
		   "\"443\" is quoted, a string (want 1..65535)", NULL },
	/* 26 */ { "listen_port:", "listen_port: -1", "listen_port",
		   "\"-1\" is not a whole number", NULL },
	/* tls */
	/* 27 */ { "  min_version:", "  min_version: 1.1", "tls.min_version",
		   "unknown value \"1.1\" (want 1.2 or 1.3)", NULL },
	/* 28 */ { "  max_version:", "  max_version: 1.2", "tls.max_version", "below min_version",
		   NULL },
	/* 29 */ { "  ciphersuites:", "  ciphersuites: TLS_AES_128_CCM_SHA256", "tls.ciphersuites",
		   "unknown suite \"TLS_AES_128_CCM_SHA256\"", NULL },
	/* 30 */ { "  ciphers:", "  ciphers: ECDHE;RSA", "tls.ciphers",
		   "character 6 (';') is not allowed", NULL },
	/* 31 */ { "  cert:", "  cert: \"\"", "tls.cert", "empty value", NULL },
	/* 32 */ { "  key:", "  key: {a: 1}", "tls.key", "got a mapping", NULL },
	/* sstp */
	/* 33 */ { "  hash:", "  hash: [md5]", "sstp.hash", "unknown value \"md5\"", NULL },
	/* 34 */ { "  hash:", "  hash: []", "sstp.hash", "empty list", NULL },
	/* 35 */ { "  hash:", "  hash: [sha1, sha1]", "sstp.hash", "listed twice", NULL },
	/* 36 */ { "  hello_interval_s:", "  hello_interval_s: 4", "sstp.hello_interval_s",
		   "4 is out of range (want 5..3600 seconds)", NULL },
	/* 37 */ { "  negotiation_timeout_s:", "  negotiation_timeout_s: 301",
		   "sstp.negotiation_timeout_s", "301 is out of range", NULL },
	/* 38 */ { "  handshake_timeout_s:", "  handshake_timeout_s: 0",
		   "sstp.handshake_timeout_s", "0 is out of range", NULL },
	/* clients */
	/* 39 */ { "  pools:", "  pools: []\n  old_pools:", "clients.pools", "empty list",
		   NULL },
	/* 40 */ { "    - 172.16.201.0/24", "    - 172.16.201.1/24", "clients.pools[0]",
		   "has host bits set", NULL },
	/* 41 */ { "    - 172.16.202.0/25", "    - 172.16.202.0/31", "clients.pools[1]",
		   "/31 is out of range", NULL },
	/* 42 */ { "    - 172.16.202.0/25", "    - 172.16.201.128/25", "clients.pools[1]",
		   "overlaps an earlier pool", NULL },
	/* 43 */ { "    - 172.16.202.0/25", "    - 10.0.0.0/25", "clients.pools[1]",
		   "overlaps a port's subnet", NULL },
	/* 44 */ { "    - 172.16.202.0/25", "    - 10.20.4.0/24", "clients.pools[1]",
		   "overlaps a VNet prefix", NULL },
	/* 45 */ { "    - 172.16.202.0/25", "    - 172.16.202.0/25\n    - 172.16.203.0/24\n"
		   "    - 172.16.204.0/24\n    - 172.16.205.0/24\n    - 172.16.206.0/24\n"
		   "    - 172.16.207.0/24\n    - 172.16.208.0/24\n    - 172.16.209.0/24",
		   "clients.pools[8]", "more than 8 entries", "172.16.209.0" },
	/* 46 */ { "    - 172.16.201.0/24", "    - [172.16.201.0/24]", "clients.pools[0]",
		   "got a list (want PREFIX/LEN", NULL },
	/* 47 */ { "    - cn: client1", "    - cm: client1@contoso.com", "clients.reservations[0].cm",
		   "unknown key (want one of: cn, address)", NULL },
	/* 48 */ { "    - {cn: client2", "    - {cn: client1@contoso.com, address: 172.16.202.20}",
		   "clients.reservations[1].cn", "reserved twice", NULL },
	/* 49 */ { "    - {cn: client2", "    - {address: 172.16.202.20}",
		   "clients.reservations[1].cn", "missing (want the client certificate's", NULL },
	/* 50 */ { "      address: 172.16.201.10", "      address: 10.9.9.9",
		   "clients.reservations[0].address", "not a host address of any pool", NULL },
	/* 51 */ { "      address: 172.16.201.10", "      address: 172.16.202.1",
		   "clients.reservations[0].address", "the gateway's tunnel address", NULL },
	/* 52 */ { "    - {cn: client2", "    - {cn: client2@contoso.com, address: 172.16.201.10}",
		   "clients.reservations[1].address", "reserved twice", NULL },
	/* 53 */ { "      address: 172.16.201.10", "      address: 172.16.201.255",
		   "clients.reservations[0].address", "not a host address of any pool", NULL },
	/* 54 */ { "  dns:", "  dns: [1.1.1.1, 8.8.8.8, 9.9.9.9]", "clients.dns[2]",
		   "more than 2 entries", NULL },
	/* 55 */ { "  dns:", "  dns: [224.0.0.1]", "clients.dns[0]", "not a unicast host address",
		   NULL },
	/* 56 */ { "  nbns:", "  nbns: 192.168.77.3", "clients.nbns",
		   "got a scalar (want a list, at most 2 NBNS servers)", NULL },
	/* 57 */ { "  tunnel_mtu:", "  tunnel_mtu: 575", "clients.tunnel_mtu",
		   "575 is out of range (want 576..4087)", NULL },
	/* 58 */ { "  tunnel_mtu:", "  tunnel_mtu: 4088", "clients.tunnel_mtu", "4088 is out of range",
		   NULL },
	/* 59 */ { "  tunnel_address:", "  tunnel_address: 172.16.203.1", "clients.tunnel_address",
		   "not a host address of any pool", NULL },
	/* 60 */ { "  tunnel_address:", "  tunnel_address: 172.16.201.0", "clients.tunnel_address",
		   "not a host address of any pool", NULL },
	/* 61 */ { "  client_to_client:", "  client_to_client: 1", "clients.client_to_client",
		   "\"1\" is not a boolean", NULL },
	/* vnet */
	/* 62 */ { "  - prefix: 192.168.0.0/16", "  - prefix: 192.168.0.1/16", "vnet[0].prefix",
		   "has host bits set", NULL },
	/* 63 */ { "  - prefix: 10.20.0.0/16", "  - prefix: 192.168.0.0/16", "vnet[1].prefix",
		   "listed twice", NULL },
	/* 64 */ { "    via:", "    via: 192.168.78.1", "vnet[0].via",
		   "not another host on the inner subnet", NULL },
	/* 65 */ { "    via:", "    via: 192.168.77.2", "vnet[0].via",
		   "not another host on the inner subnet", NULL },
	/* 66 */ { "vnet:", "vnet: {prefix: 10.0.0.0/8}\nold_vnet:", "vnet", "got a mapping (want a list, at most 63",
		   NULL },
	/* trust */
	/* 67 */ { "  roots_dir:", "  roots_diir: /etc/sstpgw/roots", "trust.roots_diir",
		   "unknown key", NULL },
	/* 68 */ { "  roots_dir:", "", "trust.roots_dir", "missing (want the directory", "trust:" },
	/* 69 */ { "  max_roots:", "  max_roots: 101", "trust.max_roots",
		   "101 is out of range (want 1..100)", NULL },
	/* 70 */ { "  revoked_file:", "  revoked_file: \"a\\x01b\"", "trust.revoked_file",
		   "character 2 ('?') is not allowed", NULL },
	/* limits */
	/* 71 */ { "  max_sessions:", "  max_sessions: 0", "limits.max_sessions",
		   "0 is out of range (want 1..1000000)", NULL },
	/* 72 */ { "  max_half_open:", "  max_half_open: 1000001", "limits.max_half_open",
		   "1000001 is out of range", NULL },
	/* 73 */ { "  session_tx_buf:", "  session_tx_buf: 20000", "limits.session_tx_buf",
		   "20000 is out of range (want 20741..1048576 bytes)", NULL },
	/* 74 */ { "  session_rx_buf:", "  session_rx_buf: 16000", "limits.session_rx_buf",
		   "16000 is out of range (want 16645..1048576 bytes)", NULL },
	/* management */
	/* 75 */ { "  socket:", "  socket: ctl.sock", "management.socket", "not an absolute path",
		   NULL },
	/* 76 */ { "  socket:", "  socket: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock", "management.socket",
		   "longer than 107 characters", NULL },
	/* 77 */ { "  metrics:", "  metrics: 127.0.0.1", "management.metrics", "has no :PORT",
		   NULL },
	/* 78 */ { "  metrics:", "  metrics: 127.0.0.1:0", "management.metrics",
		   "port \"0\" is out of range", NULL },
	/* 79 */ { "  metrics:", "  metrics: localhost:9100", "management.metrics",
		   "\"localhost\" is not an IPv4 address", NULL },
	/* 80 */ { "  server_ca:", "  server_ca: []", "management.server_ca",
		   "got a list (want a file path)", NULL },
	/* 81 */ { "  packages_dir:", "  packages_dir: \"pk\\tgs\"", "management.packages_dir",
		   "character 3 ('?') is not allowed (want a folder path)", NULL },
	/* log */
	/* 82 */ { "  level:", "  level: verbose", "log.level", "unknown value \"verbose\"", NULL },
	/* whole sections and YAML itself */
	/* 83 */ { "listen_port:", "listen_prot: 443", "listen_prot",
		   "unknown key (want one of: ports, engine, listen_port", NULL },
	/* 84 */ { "ports:", "ports: 5\nold_ports:", "ports", "got a scalar (want a mapping: outer, inner)",
		   NULL },
	/* 85 */ { "    device: net_tap0", "", "ports.outer.device", "missing (want a DPDK device",
		   "  outer:" },
	/* 86 */ { "listen_port:", "listen_port: 443\nlisten_port: 444", "yaml", "duplicate key",
		   "listen_port: 444" },
	/* 87 */ { "  dns:", "  dns: [192.168.77.1", "yaml", "(want valid YAML",
		   "  tunnel_mtu:" },
	/* 88 */ { "listen_port:", "listen_port: &p 443\nx: *p", "x", "unknown key", "x: *p" },
	/* 89 */ { "    - {cn: client2", "    - {cn: &c client2@contoso.com, address: 172.16.202.20}\n"
		   "    - {cn: *c, address: 172.16.202.21}", "clients.reservations[2].cn",
		   "aliases are not supported", "*c" },
	/* 90 */ { "  hello_interval_s:", "  hello_interval_s: !!int 30", "sstp.hello_interval_s",
		   "tags are not supported", NULL },
	/* 91 */ { "  reservations:", "  reservations: [&r {cn: a@b, address: 172.16.201.10}, *r]\n"
		   "  old_reservations:", "clients.reservations[1]", "got an alias (not supported)",
		   NULL },
	/* 92 */ { "  level:", "  level: info\n---\nports: {}", "yaml", "a second document",
		   "---" },
	/* 93 */ { "  mbufs:", "  mbufs: 99999999999", "engine.mbufs", "is out of range", NULL },
	/* 94 */ { "  workers:", "  workers: 2.0", "engine.workers",
		   "\"2.0\" is not a whole number", NULL },
	/* 95 */ { "tls:", "tls:\n  ? [a]\n  : 1", "tls", "got a list (want a plain key)", "? [a]" },
	/* 96 */ { "  tunnel_address:", "  tunnel_address:", "clients.tunnel_address",
		   "empty value", NULL },
	/* 97 */ { "  mem_mb:", "  mem_mb: *undefined", "engine.mem_mb",
		   "aliases are not supported", NULL },
	/* 98 */ { "  max_pending_per_source:", "  max_pending_per_source: -1",
		   "limits.max_pending_per_source", "want 0 (no limit)..1000000", NULL },
};

static void test_bad_fields(void **state)
{
	char want[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct bad_case *b = &bad[i];
		int line = build(b->find, b->with);
		int rc;

		if (line == 0)
			fail_msg("case %zu: no line starts with \"%s\"", i + 1, b->find);
		if (b->blame != NULL)
			line = line_with(b->blame);
		err[0] = '\0';
		rc = parse();
		snprintf(want, sizeof(want), "full.yaml:%d: %s: ", line, b->path);
		if (rc != -EINVAL || strncmp(err, want, strlen(want)) != 0 ||
		    strstr(err, b->what) == NULL)
			fail_msg("case %zu: rc %d, got \"%s\", want \"%s...%s...\"", i + 1, rc, err,
				 want, b->what);
	}
}

/* Every field that may be omitted: only the required ones given. */
static void test_defaults(void **state)
{
	static const char min[] =
		"ports:\n"
		"  outer: {device: net_tap0, address: 10.0.0.2/24}\n"
		"  inner: {device: net_tap1, address: 192.168.0.2/16}\n"
		"tls: {cert: c.pem, key: k.pem}\n"
		"clients:\n"
		"  pools: [172.16.201.0/24]\n"
		"trust: {roots_dir: roots}\n";
	static struct sgw_config d;

	(void)state;
	if (sgw_config_parse(min, sizeof(min) - 1, "min.yaml", &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	sgw_config_defaults(&d);
	assert_int_equal(d.engine.queues, 0);             /* resolved at parse */
	d.engine.queues = 1;
	d.clients.tunnel_address = A(172, 16, 201, 1);    /* the pool's first */
	memcpy(&d.ports, &cfg.ports, sizeof(d.ports));
	memcpy(d.tls.cert, cfg.tls.cert, sizeof(d.tls.cert));
	memcpy(d.tls.key, cfg.tls.key, sizeof(d.tls.key));
	memcpy(d.clients.pools, cfg.clients.pools, sizeof(d.clients.pools));
	d.clients.npools = 1;
	memcpy(d.trust.roots_dir, cfg.trust.roots_dir, sizeof(d.trust.roots_dir));
	assert_memory_equal(&d, &cfg, sizeof(d));
	/* The documented defaults themselves. */
	assert_int_equal(cfg.engine.workers, 1);
	assert_int_equal(cfg.engine.mem_mb, 512);
	assert_false(cfg.engine.huge);
	assert_int_equal(cfg.engine.nlcores, 0);
	assert_int_equal(cfg.engine.mbufs, 0);
	assert_string_equal(cfg.engine.file_prefix, "sstpgw");
	assert_int_equal(cfg.engine.aead, SGW_CONFIG_AEAD_AUTO);
	assert_int_equal(cfg.listen_port, 443);
	assert_int_equal(cfg.tls.min_version, SGW_CONFIG_TLS_1_2);
	assert_int_equal(cfg.tls.max_version, SGW_CONFIG_TLS_1_3);
	assert_string_equal(cfg.tls.ciphersuites, "");
	assert_int_equal(cfg.sstp.hash, SGW_CONFIG_HASH_SHA1 | SGW_CONFIG_HASH_SHA256);
	assert_int_equal(cfg.sstp.hello_interval_s, 60);
	assert_int_equal(cfg.sstp.negotiation_timeout_s, 60);
	assert_int_equal(cfg.sstp.handshake_timeout_s, 60);
	assert_int_equal(cfg.clients.tunnel_mtu, 1400);
	assert_int_equal(cfg.clients.ndns + cfg.clients.nnbns + cfg.clients.nreservations, 0);
	assert_false(cfg.clients.client_to_client);
	assert_int_equal(cfg.nvnet, 0);
	assert_int_equal(cfg.trust.max_roots, 20);
	assert_string_equal(cfg.trust.revoked_file, "");
	assert_int_equal(cfg.limits.max_sessions, 1024);
	assert_int_equal(cfg.limits.max_half_open, 256);
	assert_int_equal(cfg.limits.max_pending_per_source, 0);
	assert_int_equal(cfg.limits.session_tx_buf, 32768);
	assert_int_equal(cfg.limits.session_rx_buf, SGW_SESSION_RX_BUF);
	assert_string_equal(cfg.management.socket, "/run/sstpgw/mgmt.sock");
	assert_true(cfg.management.metrics);
	assert_int_equal(cfg.management.metrics_addr, A(127, 0, 0, 1));
	assert_int_equal(cfg.management.metrics_port, 9469);
	assert_string_equal(cfg.management.server_name, "");
	assert_string_equal(cfg.management.server_ca, "");
	assert_string_equal(cfg.management.packages_dir, "");
	assert_int_equal(cfg.log.level, SGW_CONFIG_LOG_INFO);
}

/* Whole-file cases outside full[]: each with the message's exact start. */
static void test_documents(void **state)
{
	static const struct { const char *text, *want, *what; } c[] = {
		/* 1 */ { "", "x.yaml:1: ports: ", "missing (want a mapping: outer, inner)" },
		/* 2 */ { "# nothing\n", "x.yaml:1: ports: ", "missing" },
		/* 3 */ { "- a\n- b\n", "x.yaml:1: (top): ", "got a list" },
		/* 4 */ { "ports:\n  outer: {device: d, address: 10.0.0.2/24}\n",
			  "x.yaml:1: ports.inner: ", "missing" },
		/* 5 */ { "ports: [\n", "x.yaml:", "(want valid YAML" },
		/* 6 */ { "a: 1\n  b: 2\n", "x.yaml:1: yaml: ", "(want valid YAML" },
		/* 7 */ { "ports:\n  outer:\n    device: d\n    address: 10.0.0.2/24\n"
			  "  inner: {device: e, address: 10.1.0.2/24}\n"
			  "tls: {cert: c, key: k}\n"
			  "clients: {pools: [172.16.0.0/16]}\n"
			  "trust: {roots_dir: r}\n"
			  "management: {metrics: false}\n", "", "" },
		/* 8 */ { "ports: ~\n", "x.yaml:1: ports: ", "got a scalar" },
		/* 9 */ { "# a\n%\xb8\n", "x.yaml:2: yaml: ", "byte 6 (0xb8) is not printable UTF-8" },
		/* 10 */ { "ports:\n  outer: \x01\n", "x.yaml:2: yaml: ", "(0x01) is not printable" },
		/* 11 */ { "x: \xed\xa0\x80\n", "x.yaml:1: yaml: ", "(0xed) is not printable" },
		/* 12 */ { "\xef\xbb\xbfp\xc3\xa9: 1\n", "x.yaml:1: p\xc3\xa9: ", "unknown key" },
		/* 13: fuzz_config's leak in libfyaml 0.7.12, refused before it is hit */
		{ "'''''''''''''''''''''''':", "x.yaml:1: (top): ", "two escaped quotes in a row" },
		{ "ports:\n  outer: {device: 'd''''e', address: 10.0.0.2/24}\n",
		  "x.yaml:2: ports.outer.device: ", "two escaped quotes in a row" },
		{ "'a''''': 1\n", "x.yaml:1: (top): ", "two escaped quotes in a row" },
		{ "'''''a': 1\n", "x.yaml:1: (top): ", "two escaped quotes in a row" },
		/* 17: one escaped quote at a time is fine */
		{ "'a''b''c': 1\n", "x.yaml:1: a'b'c: ", "unknown key" },
		{ "'''a''': 1\n", "x.yaml:1: 'a': ", "unknown key" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		int rc;

		err[0] = '\0';
		rc = sgw_config_parse(c[i].text, strlen(c[i].text), "x.yaml", &cfg, err, sizeof(err));
		if (c[i].want[0] == '\0' ? rc != 0 :
		    rc != -EINVAL || strncmp(err, c[i].want, strlen(c[i].want)) != 0 ||
		    strstr(err, c[i].what) == NULL)
			fail_msg("case %zu: rc %d \"%s\"", i + 1, rc, err);
	}
	assert_false(cfg.management.metrics);   /* case 7: false turns it off */
}

/* A tiny err buffer, no err at all, a missing file, a file too large. */
static void test_edges(void **state)
{
	static char big[SGW_CONFIG_MAX_FILE + 2];
	char small[8];

	(void)state;
	build("listen_port:", "listen_port: 0");
	assert_int_equal(sgw_config_parse(text, strlen(text), "full.yaml", &cfg, small,
					  sizeof(small)), -EINVAL);
	assert_string_equal(small, "full.ya");
	assert_int_equal(sgw_config_parse(text, strlen(text), "full.yaml", &cfg, NULL, 0), -EINVAL);
	assert_int_equal(sgw_config_load("/nonexistent/sstpgw.yaml", &cfg, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/sstpgw.yaml: cannot open"));
	memset(big, '#', sizeof(big) - 1);
	assert_int_equal(sgw_config_parse(big, sizeof(big) - 1, "big.yaml", &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "big.yaml:1: yaml: "));
}

/* etc/sstpgw.yaml, the lab configuration, found next to this file's folder. */
static void test_lab_file(void **state)
{
	char path[1024];
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash != NULL ? (int)(slash - __FILE__) : 1;

	(void)state;
	snprintf(path, sizeof(path), "%.*s/../etc/sstpgw.yaml", dir, slash ? __FILE__ : ".");
	if (sgw_config_load(path, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	/* The values scripts/lab.sh and tests/e2e/lib.sh give on the command line. */
	assert_string_equal(cfg.ports.outer.device, "net_tap0,iface=sgwout0");
	assert_int_equal(cfg.ports.outer.addr, A(10, 77, 0, 1));
	assert_int_equal(cfg.ports.outer.len, 24);
	assert_string_equal(cfg.ports.inner.device, "net_tap1,iface=sgwin0");
	assert_int_equal(cfg.ports.inner.addr, A(192, 168, 0, 1));
	assert_int_equal(cfg.ports.inner.len, 16);
	assert_int_equal(cfg.nvnet, 1);
	assert_int_equal(cfg.vnet[0].prefix.addr, A(192, 168, 0, 0));
	assert_int_equal(cfg.vnet[0].prefix.len, 16);
	assert_int_equal(cfg.clients.npools, 1);
	assert_int_equal(cfg.clients.pools[0].addr, A(172, 16, 201, 0));
	assert_int_equal(cfg.clients.pools[0].len, 24);
	assert_int_equal(cfg.clients.tunnel_address, A(172, 16, 201, 1));
	assert_int_equal(cfg.clients.ndns, 1);
	assert_int_equal(cfg.clients.dns[0], A(168, 63, 129, 16));
	assert_int_equal(cfg.listen_port, 443);
	assert_string_equal(cfg.engine.file_prefix, "sgw-lab");
	assert_string_equal(cfg.tls.cert, "lab/certs/sstp.lab.test.crt");
	assert_string_equal(cfg.tls.key, "lab/certs/sstp.lab.test.key");
	assert_string_equal(cfg.trust.roots_dir, "lab/certs/roots");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_lab_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
