/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sock_gateway: a test harness, not the product. It runs the protocol core
 * (dataplane/session.h) behind a kernel TCP socket and a TUN device, the way
 * the DPDK engine drives it, so that the real Linux client (sstpc + pppd in
 * user-mode Linux, tests/e2e/uml/) can be checked against the core before
 * and besides the DPDK data plane.
 *
 *   client --TCP--> socket --bytes--> sgw_session_input
 *   client <--TCP-- socket <--bytes-- sgw_session_output
 *   env.to_vnet --IPv4--> TUN (the kernel routes it to the VNet)
 *   TUN --IPv4 to a pool address--> sgw_session_send_ip (owning session)
 *   every 100 ms: sgw_session_tick
 *
 * One thread, epoll, at most MAX_CONNS calls. Log lines go to stdout.
 * --capture DIR (or SSTPGW_SOCK_CAPTURE=DIR in the environment) writes the
 * plaintext the sessions parse (env.capture) to DIR/<what>-<n>.bin, n one
 * counter over all of them in arrival order: the real client's HTTP
 * request, SSTP packets, PPP frames and EAP-TLS messages, for the fuzz
 * seeds (scripts/fuzz-seeds-from-pcap.py --plain).
 * The TUN device should exist (ip tuntap add NAME mode tun) with a route for
 * the pool on it; it is created (not persistent) otherwise.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control/pool.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "dataplane/session.h"

enum {
	MAX_CONNS = 64,
	TICK_MS = 100,
	CONN_OUT_BUF = 65536,
	READ_CHUNK = 16384,
	READS_PER_EVENT = 64,    /* then let the others run */
	TUN_PKT_MAX = 4096,
	MAX_REVOKED = 64,
	TAG_LISTEN = 0,
	TAG_TUN = 1,
	TAG_CONN0 = 2,
};

struct conn {
	int fd;                  /* -1: slot free */
	unsigned id;
	struct sgw_session *s;
	char peer[64];
	bool want_out;           /* EPOLLOUT armed */
	size_t out_off, out_len;
	uint8_t *out;            /* CONN_OUT_BUF bytes */
};

struct opts {
	const char *listen, *cert, *key, *roots;
	const char *pool, *tun, *revoked[MAX_REVOKED];
	const char *capture;     /* directory, or NULL */
	unsigned n_revoked;
	uint32_t tunnel_addr, dns[2];
	uint16_t tls_max;
	enum sgw_aead_backend aead;
};

struct gw {
	struct opts o;
	int ep, lfd, tfd;
	unsigned next_id;
	struct sgw_tls_server *tls, *eap;
	struct sgw_trust *trust;
	struct sgw_revoked *revoked;
	struct sgw_pool *pool;
	struct sgw_session_env env;
	struct conn conns[MAX_CONNS];
	uint64_t tun_in, tun_out, tun_drop;
	unsigned captured;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("sock_gateway: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static const char *ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

/* ---- env callbacks ---- */

static int pool_alloc(void *ctx, const char *identity, uint32_t *addr)
{
	(void)identity;
	return sgw_pool_alloc(ctx, 0, addr);
}

static void pool_free(void *ctx, uint32_t addr)
{
	(void)sgw_pool_free(ctx, addr);
}

static void to_vnet(void *ctx, struct sgw_session *s, const uint8_t *pkt, size_t len)
{
	struct gw *g = ctx;

	(void)s;
	if (write(g->tfd, pkt, len) == (ssize_t)len)
		g->tun_out++;
	else
		g->tun_drop++;
}

static struct conn *conn_of(struct gw *g, const struct sgw_session *s)
{
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (g->conns[i].fd >= 0 && g->conns[i].s == s)
			return &g->conns[i];
	return NULL;
}

static void log_line(void *ctx, const struct sgw_session *s, const char *line)
{
	struct conn *c = conn_of(ctx, s);

	if (c != NULL)
		say("conn %u %s: %s", c->id, c->peer, line);
	else
		say("conn ?: %s", line);
}

/* env.capture: one file per piece, DIR/<what>-<n>.bin. */
static void capture(void *ctx, const char *what, const uint8_t *p, size_t len)
{
	struct gw *g = ctx;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%05u.bin", g->o.capture, what, g->captured++);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, len, f) != len)
		say("capture %s: %s", path, strerror(errno));
	if (f != NULL)
		fclose(f);
}

/* ---- connections ---- */

static void conn_close(struct gw *g, struct conn *c, const char *why)
{
	const struct sgw_session_info *i = sgw_session_info(c->s);

	say("conn %u %s: closed (%s; session end: %s%s%s)", c->id, c->peer, why,
	    sgw_session_end_str(i->end), i->end_detail[0] ? ": " : "", i->end_detail);
	epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	sgw_session_destroy(c->s);
	c->s = NULL;
	c->fd = -1;
}

static void arm_out(struct gw *g, struct conn *c, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0),
				  .data.u32 = TAG_CONN0 + (uint32_t)(c - g->conns) };

	if (c->want_out != on && epoll_ctl(g->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = on;
}

/* Session output -> socket, as far as the socket takes it. Returns false
 * when the connection is gone. */
static bool conn_flush(struct gw *g, struct conn *c)
{
	for (unsigned round = 0; round < 1024; round++) {
		if (c->out_off == c->out_len) {
			c->out_off = 0;
			c->out_len = sgw_session_output(c->s, c->out, CONN_OUT_BUF);
			if (c->out_len == 0)
				break;
		}
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			arm_out(g, c, true);
			return true;
		}
		if (n < 0) {
			conn_close(g, c, strerror(errno));
			return false;
		}
		c->out_off += (size_t)n;
	}
	arm_out(g, c, false);
	if (sgw_session_phase(c->s) == SGW_SESSION_CLOSED && c->out_off == c->out_len &&
	    sgw_session_output_pending(c->s) == 0) {
		conn_close(g, c, "call over");
		return false;
	}
	return true;
}

static void conn_read(struct gw *g, struct conn *c)
{
	uint8_t buf[READ_CHUNK];

	for (unsigned i = 0; i < READS_PER_EVENT; i++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			sgw_session_peer_closed(c->s);
			(void)conn_flush(g, c);
			if (c->fd >= 0)
				conn_close(g, c, n == 0 ? "TCP FIN" : strerror(errno));
			return;
		}
		(void)sgw_session_input(c->s, buf, (size_t)n, now_ms());
		if (!conn_flush(g, c))
			return;
	}
}

static void conn_accept(struct gw *g)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1, fd = accept(g->lfd, (struct sockaddr *)&sa, &sl);
	struct conn *c = NULL;
	char a[16];

	if (fd < 0)
		return;
	for (unsigned i = 0; i < MAX_CONNS && c == NULL; i++)
		if (g->conns[i].fd < 0)
			c = &g->conns[i];
	if (c == NULL) {
		say("refused a connection: %d calls already", MAX_CONNS);
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->s = sgw_session_create(&g->env, now_ms());
	if (c->s == NULL) {
		say("session_create failed: no memory");
		close(fd);
		return;
	}
	c->fd = fd;
	c->id = ++g->next_id;
	c->out_off = c->out_len = 0;
	c->want_out = false;
	snprintf(c->peer, sizeof(c->peer), "%s:%u",
		 ip_str(ntohl(sa.sin_addr.s_addr), a), ntohs(sa.sin_port));
	struct epoll_event ev = { .events = EPOLLIN,
				  .data.u32 = TAG_CONN0 + (uint32_t)(c - g->conns) };
	epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev);
	say("conn %u %s: accepted", c->id, c->peer);
}

/* ---- TUN: VNet -> client ---- */

static void tun_read(struct gw *g)
{
	uint8_t pkt[TUN_PKT_MAX];

	for (unsigned i = 0; i < READS_PER_EVENT; i++) {
		ssize_t n = read(g->tfd, pkt, sizeof(pkt));
		struct conn *owner = NULL;
		uint32_t dst;

		if (n < 0)
			return;
		if (n < 20 || (pkt[0] >> 4) != 4)
			continue; /* not IPv4 (IPv6 router solicitations...) */
		memcpy(&dst, pkt + 16, 4);
		dst = ntohl(dst);
		g->tun_in++;
		for (unsigned k = 0; k < MAX_CONNS && owner == NULL; k++)
			if (g->conns[k].fd >= 0 && sgw_session_info(g->conns[k].s)->addr == dst)
				owner = &g->conns[k];
		if (owner == NULL || sgw_session_send_ip(owner->s, pkt, (size_t)n) != 0) {
			g->tun_drop++;
			continue;
		}
		(void)conn_flush(g, owner);
	}
}

static void tick_all(struct gw *g, uint64_t now)
{
	for (unsigned i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &g->conns[i];

		if (c->fd < 0)
			continue;
		sgw_session_tick(c->s, now);
		(void)conn_flush(g, c);
	}
}

/* ---- setup ---- */

/* Close fd, keep errno: for the error paths below. */
static int close_err(int fd)
{
	int e = -errno;

	close(fd);
	return e;
}

static int open_tun(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	return ioctl(fd, TUNSETIFF, &ifr) < 0 ? close_err(fd) : fd;
}

static int open_listen(const char *spec)
{
	char host[64];
	unsigned port;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, fd;

	if (sscanf(spec, "%63[0-9.]:%u", host, &port) != 2 || port == 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
		return close_err(fd);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Every regular file in dir (or the file itself) is a root (.cer/.crt/PEM). */
static int load_roots(struct sgw_trust *t, const char *path)
{
	char err[160], file[4096];
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int n = 0;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return sgw_trust_add_file(t, path, err, sizeof(err)) >= 0 ? 1 : -EINVAL;
	dir = opendir(path);
	if (dir == NULL)
		return -errno;
	while ((d = readdir(dir)) != NULL) {
		snprintf(file, sizeof(file), "%s/%s", path, d->d_name);
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (sgw_trust_add_file(t, file, err, sizeof(err)) < 0) {
			say("root %s skipped: %s", file, err);
			continue;
		}
		say("trusted root: %s", file);
		n++;
	}
	closedir(dir);
	return n;
}

static bool parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static int setup_tables(struct gw *g)
{
	char ip[32], err[160];
	unsigned plen;
	uint32_t base;
	uint8_t tp[SGW_THUMBPRINT_LEN];

	g->trust = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	g->revoked = sgw_revoked_create();
	if (g->trust == NULL || g->revoked == NULL)
		return -ENOMEM;
	if (load_roots(g->trust, g->o.roots) <= 0)
		return say("--roots %s: no usable root certificate", g->o.roots), -EINVAL;
	for (unsigned i = 0; i < g->o.n_revoked; i++) {
		if (!sgw_thumbprint_parse(g->o.revoked[i], tp))
			return say("--revoke %s: not 40 hex digits", g->o.revoked[i]), -EINVAL;
		if (sgw_revoked_add(g->revoked, tp) == 0)
			say("revoked thumbprint: %s", g->o.revoked[i]);
	}
	if (sscanf(g->o.pool, "%31[0-9.]/%u", ip, &plen) != 2 || !parse_ip(ip, &base))
		return say("--pool %s: want A.B.C.D/LEN", g->o.pool), -EINVAL;
	g->pool = sgw_pool_create(base, plen, 1);
	if (g->pool == NULL)
		return say("--pool %s: bad prefix (16..30)", g->o.pool), -EINVAL;
	if (g->o.tunnel_addr == 0)
		g->o.tunnel_addr = (base & ~((1u << (32 - plen)) - 1)) + 1;
	if (sgw_pool_exclude(g->pool, g->o.tunnel_addr) != 0)
		say("tunnel address outside the pool: nothing excluded");
	struct sgw_tls_server_cfg tc = { .cert_file = g->o.cert, .key_file = g->o.key,
					 .max_version = g->o.tls_max };
	g->tls = sgw_tls_server_create(&tc, err, sizeof(err));
	if (g->tls == NULL)
		return say("outer TLS: %s", err), -EINVAL;
	/* EAP-TLS uses the same certificate; it verifies the client's. */
	struct sgw_tls_server_cfg ec = { .cert_file = g->o.cert, .key_file = g->o.key,
					 .verify_client = true };
	g->eap = sgw_tls_server_create(&ec, err, sizeof(err));
	if (g->eap == NULL)
		return say("EAP-TLS: %s", err), -EINVAL;
	return 0;
}

static int setup(struct gw *g)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char a[16];
	int rc = setup_tables(g);

	if (rc != 0)
		return rc;
	g->env = (struct sgw_session_env){
		.tls = g->tls, .eap_tls = g->eap, .trust = g->trust, .revoked = g->revoked,
		.aead = g->o.aead, .hash_bitmask = 3, .mru = 1500,
		.tunnel_addr = g->o.tunnel_addr, .dns = { g->o.dns[0], g->o.dns[1] },
		.addr_alloc = pool_alloc, .addr_free = pool_free, .pool_ctx = g->pool,
		.to_vnet = to_vnet, .vnet_ctx = g, .log = log_line, .log_ctx = g,
	};
	if (g->o.capture != NULL && g->o.capture[0] != '\0') {
		g->env.capture = capture;
		g->env.capture_ctx = g;
	}
	g->tfd = open_tun(g->o.tun);
	if (g->tfd < 0)
		return say("tun %s: %s", g->o.tun, strerror(-g->tfd)), g->tfd;
	g->lfd = open_listen(g->o.listen);
	if (g->lfd < 0)
		return say("listen %s: %s", g->o.listen, strerror(-g->lfd)), g->lfd;
	g->ep = epoll_create1(0);
	if (g->ep < 0)
		return -errno;
	ev.data.u32 = TAG_LISTEN;
	epoll_ctl(g->ep, EPOLL_CTL_ADD, g->lfd, &ev);
	ev.data.u32 = TAG_TUN;
	epoll_ctl(g->ep, EPOLL_CTL_ADD, g->tfd, &ev);
	for (unsigned i = 0; i < MAX_CONNS; i++) {
		g->conns[i].out = malloc(CONN_OUT_BUF);
		if (g->conns[i].out == NULL)
			return -ENOMEM;
	}
	say("listening on %s, tun %s, pool %s (%u addresses), tunnel address %s, aead %s",
	    g->o.listen, g->o.tun, g->o.pool, sgw_pool_size(g->pool),
	    ip_str(g->o.tunnel_addr, a), sgw_aead_backend_name(g->o.aead));
	return 0;
}

static void teardown(struct gw *g)
{
	for (unsigned i = 0; i < MAX_CONNS; i++) {
		if (g->conns[i].fd >= 0) {
			sgw_session_close(g->conns[i].s, now_ms());
			(void)conn_flush(g, &g->conns[i]);
			if (g->conns[i].fd >= 0)
				conn_close(g, &g->conns[i], "gateway stopping");
		}
		free(g->conns[i].out);
	}
	say("stopped: tun packets in=%llu out=%llu dropped=%llu",
	    (unsigned long long)g->tun_in, (unsigned long long)g->tun_out,
	    (unsigned long long)g->tun_drop);
	if (g->ep >= 0)
		close(g->ep);
	if (g->lfd >= 0)
		close(g->lfd);
	if (g->tfd >= 0)
		close(g->tfd);
	sgw_tls_server_destroy(g->tls);
	sgw_tls_server_destroy(g->eap);
	sgw_trust_destroy(g->trust);
	sgw_revoked_destroy(g->revoked);
	sgw_pool_destroy(g->pool);
}

static void run(struct gw *g)
{
	struct epoll_event evs[64];
	uint64_t next_tick = now_ms() + TICK_MS;

	while (!stop) {
		uint64_t now = now_ms();
		int wait = next_tick > now ? (int)(next_tick - now) : 0;
		int n = epoll_wait(g->ep, evs, 64, wait);

		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;
			struct conn *c;

			if (tag == TAG_LISTEN) {
				conn_accept(g);
				continue;
			}
			if (tag == TAG_TUN) {
				tun_read(g);
				continue;
			}
			c = &g->conns[tag - TAG_CONN0];
			if (c->fd >= 0 && (evs[i].events & EPOLLOUT) && !conn_flush(g, c))
				continue;
			if (c->fd >= 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				conn_read(g, c);
		}
		if (now_ms() >= next_tick) {
			next_tick += TICK_MS;
			tick_all(g, now_ms());
		}
	}
}

static void usage(FILE *f)
{
	fputs("usage: sock_gateway --cert FILE --key FILE --roots DIR|FILE [options]\n"
	      "  a test harness: the sstpgw protocol core behind a kernel socket and a TUN\n"
	      "  --listen ADDR:PORT   TCP address (default 0.0.0.0:443)\n"
	      "  --cert/--key FILE    outer TLS server certificate chain and key (PEM)\n"
	      "  --roots DIR|FILE     trusted client roots (.cer/.crt/PEM; every file of DIR)\n"
	      "  --revoke THUMBPRINT  refuse this client certificate (repeatable)\n"
	      "  --pool CIDR          client pool (default 172.16.201.0/24)\n"
	      "  --tunnel-addr ADDR   gateway's PPP address (default: pool .1)\n"
	      "  --dns ADDR[,ADDR]    DNS servers pushed by IPCP\n"
	      "  --tun NAME           TUN device for the VNet side (default sgw0)\n"
	      "  --tls-max 1.2|1.3    outer TLS max version (default 1.3)\n"
	      "  --aead evp|ipsec-mb  record layer backend (default evp)\n"
	      "  --capture DIR        write the parsed plaintext to DIR/<what>-<n>.bin\n"
	      "                       (default: $SSTPGW_SOCK_CAPTURE, else none)\n", f);
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", 1, 0, 'l' }, { "cert", 1, 0, 'c' }, { "key", 1, 0, 'k' },
		{ "roots", 1, 0, 'r' },
		{ "revoke", 1, 0, 'R' }, { "pool", 1, 0, 'p' }, { "tunnel-addr", 1, 0, 'a' },
		{ "dns", 1, 0, 'd' }, { "tun", 1, 0, 't' }, { "tls-max", 1, 0, 'm' },
		{ "aead", 1, 0, 'A' }, { "capture", 1, 0, 'C' }, { "help", 0, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	char d1[32] = "", d2[32] = "";
	int ch;

	*o = (struct opts){ .listen = "0.0.0.0:443", .pool = "172.16.201.0/24", .tun = "sgw0",
			    .tls_max = SGW_TLS_VERSION_1_3, .aead = SGW_AEAD_BACKEND_EVP,
			    .capture = getenv("SSTPGW_SOCK_CAPTURE") };
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': o->listen = optarg; break;
		case 'c': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'r': o->roots = optarg; break;
		case 'p': o->pool = optarg; break;
		case 't': o->tun = optarg; break;
		case 'C': o->capture = optarg; break;
		case 'R':
			if (o->n_revoked == MAX_REVOKED)
				return say("too many --revoke"), -1;
			o->revoked[o->n_revoked++] = optarg;
			break;
		case 'a':
			if (!parse_ip(optarg, &o->tunnel_addr))
				return say("--tunnel-addr %s: not an IPv4 address", optarg), -1;
			break;
		case 'd':
			if (sscanf(optarg, "%31[0-9.],%31[0-9.]", d1, d2) < 1 ||
			    !parse_ip(d1, &o->dns[0]) || (d2[0] && !parse_ip(d2, &o->dns[1])))
				return say("--dns %s: want ADDR[,ADDR]", optarg), -1;
			break;
		case 'm':
			if (strcmp(optarg, "1.2") != 0 && strcmp(optarg, "1.3") != 0)
				return say("--tls-max: 1.2 or 1.3"), -1;
			o->tls_max = optarg[2] == '2' ? SGW_TLS_VERSION_1_2 : SGW_TLS_VERSION_1_3;
			break;
		case 'A':
			o->aead = strcmp(optarg, "ipsec-mb") == 0 ? SGW_AEAD_BACKEND_IPSEC_MB
								  : SGW_AEAD_BACKEND_EVP;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (o->cert == NULL || o->key == NULL || o->roots == NULL)
		return usage(stderr), -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct gw g = { .ep = -1, .lfd = -1, .tfd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned i = 0; i < MAX_CONNS; i++)
		g.conns[i].fd = -1;
	if (parse_opts(&g.o, argc, argv) != 0)
		return 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (setup(&g) != 0) {
		teardown(&g);
		return 1;
	}
	run(&g);
	teardown(&g);
	return 0;
}
