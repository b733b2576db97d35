/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sstp-load: a load generator that opens many real SSTP sessions to a
 * gateway over the network (TLS, HTTP, SSTP, PPP LCP, EAP-TLS, crypto
 * binding, IPCP), holds them while pushing inner IPv4 packets through each
 * tunnel, and prints one JSON line with what it saw.
 *
 * Each session is the test client of tests/support/sstp_client.h (written
 * from the specs, independent of the gateway) driven over a non-blocking
 * kernel TCP socket: socket bytes -> tclient_input(), tclient_output() ->
 * socket. One thread, one epoll set. A test tool, not the product: it uses
 * kernel sockets and mallocs per session at start.
 *
 * Phases: CONNECT (at most --concurrency handshakes outstanding until all
 * --sessions ended up UP or failed), HOLD (--hold seconds, --pps packets per
 * second per session to --target), DRAIN (one second for late replies),
 * CLOSE (CALL_DISCONNECT, MS-SSTP 3.2.5.4, bounded wait), then the report.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/sstp_client.h"

enum {
	MAX_SESSIONS = 4096,      /* about 300 KiB of client state each */
	MAX_CONCURRENCY = 1024,
	MAX_HOLD_S = 3600,
	MAX_PPS = 100000,         /* per session */
	MAX_TIMEOUT_S = 600,
	OUT_CAP = 16384,          /* per-session bytes waiting for the socket */
	RX_CHUNK = 4096,          /* < what the client's 64-packet queue holds */
	READ_ROUNDS = 64,         /* recv() calls per readiness event */
	FLUSH_ROUNDS = 64,
	EVENTS = 256,
	TX_BURST = 32,            /* packets per session per tick at most */
	IP_HDR = 20, UDP_HDR = 8, ICMP_HDR = 8,
	PKT_MIN = IP_HDR + UDP_HDR + 8,
	PKT_MAX = 1400,           /* the gateway's default tunnel MTU */
	DRAIN_MS = 1000,
	CLOSE_MS = 3000,
	TICK_MS = 1,
	FD_SLACK = 64,
};

enum phase { PHASE_CONNECT, PHASE_HOLD, PHASE_DRAIN, PHASE_CLOSE, PHASE_DONE };

enum conn_state {
	CONN_IDLE,       /* not started */
	CONN_TCP,        /* connect() in progress */
	CONN_HANDSHAKE,  /* TLS .. IPCP, driven by the client */
	CONN_UP,         /* IPCP opened: established */
	CONN_CLOSING,    /* CALL_DISCONNECT sent */
	CONN_DONE,       /* socket closed */
};

/* Why a session failed (before UP) or was lost (after UP). */
enum fail_kind {
	FAIL_SOCKET,     /* socket(), bind(), connect() refused locally */
	FAIL_TCP,        /* the TCP connect failed (SO_ERROR) */
	FAIL_RESET,      /* recv/send error on an established socket */
	FAIL_EOF,        /* the gateway closed the TCP connection */
	FAIL_PROTOCOL,   /* the client refused or was refused: tclient_error */
	FAIL_TIMEOUT,    /* --connect-timeout or the run's deadline */
	FAIL_CLIENT,     /* tclient_create failed (certificate files?) */
	FAIL_KIND_COUNT,
};

static const char *const fail_names[FAIL_KIND_COUNT] = {
	[FAIL_SOCKET] = "socket", [FAIL_TCP] = "tcp_connect",
	[FAIL_RESET] = "reset", [FAIL_EOF] = "eof",
	[FAIL_PROTOCOL] = "protocol", [FAIL_TIMEOUT] = "timeout",
	[FAIL_CLIENT] = "client_create",
};

enum { STATE_SLOTS = TCLIENT_FAILED + 1 };

enum traffic_proto { PROTO_UDP, PROTO_ICMP };

struct load_cfg {
	struct sockaddr_in server;
	uint32_t src_first, src_last;     /* host order; 0: kernel's choice */
	unsigned sessions, concurrency, hold_s, pps, connect_timeout_s;
	uint32_t target;                  /* host order; 0: no traffic */
	uint16_t target_port;
	enum traffic_proto proto;
	unsigned pkt_len;
	unsigned max_time_s;
	bool verbose;
	struct tclient_cfg tc;
};

struct conn {
	int fd;
	unsigned idx;
	enum conn_state state;
	bool want_out;                    /* EPOLLOUT registered */
	bool shut;                        /* our FIN is out */
	enum tclient_state last;          /* the client's state before it failed */
	struct tclient *tc;
	uint64_t t_start, t_up;           /* ns, CLOCK_MONOTONIC */
	uint64_t tx_sent;                 /* packets this hold */
	uint16_t ip_id;
	size_t out_off, out_len;
	uint8_t out[OUT_CAP];
};

struct load {
	struct load_cfg cfg;
	int ep;
	enum phase phase;
	struct conn *conns;
	unsigned started, outstanding, established, failed, dropped, open;
	uint32_t next_src;
	uint64_t t_begin, t_first_up, t_last_up, t_phase;
	uint64_t t_hold_begin, t_hold_end;
	double *lat_ms;                   /* one per established session */
	unsigned fails[FAIL_KIND_COUNT][STATE_SLOTS];
	char first_err[FAIL_KIND_COUNT][160];
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
	uint64_t tx_behind;                /* due by the end of the hold, not sent */
	uint8_t rx_buf[RX_CHUNK];
	uint8_t pkt[PKT_MAX];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* ---- options ------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sstp-load --server A:PORT --cert FILE --key FILE [options]\n"
		"  --sessions N          sessions to open (default 10, at most %d)\n"
		"  --concurrency C       handshakes outstanding at once (default 16, at most %d)\n"
		"  --source-range A[-B]  local addresses, round robin (default: the kernel's)\n"
		"  --ca FILE             verify the gateway (outer TLS and EAP-TLS) against FILE\n"
		"  --identity NAME       EAP identity (default: the client's, \"client1\")\n"
		"  --tls-max 1.2|1.3     cap the outer TLS version\n"
		"  --hold S              hold the sessions S seconds (default 10, at most %d)\n"
		"  --pps P               inner packets per second per session (default 10)\n"
		"  --target ADDR         where the inner packets go (default: no traffic)\n"
		"  --target-port N       UDP port (default 7, echo)\n"
		"  --proto udp|icmp      inner packets: UDP datagrams or ICMP echo requests\n"
		"  --size BYTES          inner IPv4 packet length (%d..%d, default 128)\n"
		"  --connect-timeout S   per session, TCP connect to IPCP up (default 30)\n"
		"  --max-time S          the whole run (default: hold + 300)\n"
		"  --verbose             per-session events on stderr\n"
		"Prints one JSON line on stdout; exit 0 if every session was established.\n",
		MAX_SESSIONS, MAX_CONCURRENCY, MAX_HOLD_S, PKT_MIN, PKT_MAX);
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_addr(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static bool parse_server(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	unsigned port;
	uint32_t a;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (!parse_addr(host, &a) || !parse_uint(colon + 1, 1, 65535, &port))
		return false;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(a);
	sa->sin_port = htons((uint16_t)port);
	return true;
}

static bool parse_range(const char *s, uint32_t *first, uint32_t *last)
{
	char buf[64];
	char *dash;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (!parse_addr(buf, first))
		return false;
	if (dash == NULL) {
		*last = *first;
		return true;
	}
	return parse_addr(dash + 1, last) && *last >= *first &&
	       *last - *first < 65536;
}

static bool parse_tls(const char *s, uint16_t *v)
{
	if (strcmp(s, "1.2") == 0)
		*v = 0x0303;
	else if (strcmp(s, "1.3") == 0)
		*v = 0x0304;
	else
		return false;
	return true;
}

enum opt_id {
	OPT_SERVER = 256, OPT_SESSIONS, OPT_CONCURRENCY, OPT_SOURCE, OPT_CERT,
	OPT_KEY, OPT_CA, OPT_IDENTITY, OPT_TLS_MAX, OPT_HOLD, OPT_PPS,
	OPT_TARGET, OPT_TARGET_PORT, OPT_PROTO, OPT_SIZE, OPT_TIMEOUT,
	OPT_MAX_TIME, OPT_VERBOSE, OPT_HELP,
};

static const struct option long_opts[] = {
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "sessions", required_argument, NULL, OPT_SESSIONS },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "source-range", required_argument, NULL, OPT_SOURCE },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "identity", required_argument, NULL, OPT_IDENTITY },
	{ "tls-max", required_argument, NULL, OPT_TLS_MAX },
	{ "hold", required_argument, NULL, OPT_HOLD },
	{ "pps", required_argument, NULL, OPT_PPS },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "target-port", required_argument, NULL, OPT_TARGET_PORT },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "connect-timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static bool parse_proto(const char *s, enum traffic_proto *p)
{
	if (strcmp(s, "udp") == 0)
		*p = PROTO_UDP;
	else if (strcmp(s, "icmp") == 0)
		*p = PROTO_ICMP;
	else
		return false;
	return true;
}

/* One option; false with the offending option named on stderr. */
static bool parse_one(struct load_cfg *c, int id, const char *v)
{
	unsigned port;
	bool ok = true;

	switch (id) {
	case OPT_SERVER: ok = parse_server(v, &c->server); break;
	case OPT_SESSIONS: ok = parse_uint(v, 1, MAX_SESSIONS, &c->sessions); break;
	case OPT_CONCURRENCY: ok = parse_uint(v, 1, MAX_CONCURRENCY, &c->concurrency); break;
	case OPT_SOURCE: ok = parse_range(v, &c->src_first, &c->src_last); break;
	case OPT_CERT: c->tc.cert_file = v; break;
	case OPT_KEY: c->tc.key_file = v; break;
	case OPT_CA: c->tc.ca_file = v; c->tc.eap_ca_file = v; break;
	case OPT_IDENTITY: c->tc.identity = v; break;
	case OPT_TLS_MAX: ok = parse_tls(v, &c->tc.tls_max); break;
	case OPT_HOLD: ok = parse_uint(v, 0, MAX_HOLD_S, &c->hold_s); break;
	case OPT_PPS: ok = parse_uint(v, 0, MAX_PPS, &c->pps); break;
	case OPT_TARGET: ok = parse_addr(v, &c->target); break;
	case OPT_TARGET_PORT:
		ok = parse_uint(v, 1, 65535, &port);
		c->target_port = (uint16_t)port;
		break;
	case OPT_PROTO: ok = parse_proto(v, &c->proto); break;
	case OPT_SIZE: ok = parse_uint(v, PKT_MIN, PKT_MAX, &c->pkt_len); break;
	case OPT_TIMEOUT: ok = parse_uint(v, 1, MAX_TIMEOUT_S, &c->connect_timeout_s); break;
	case OPT_MAX_TIME: ok = parse_uint(v, 1, MAX_HOLD_S + MAX_TIMEOUT_S, &c->max_time_s); break;
	case OPT_VERBOSE: c->verbose = true; break;
	default: ok = false; break;
	}
	return ok;
}

static void cfg_defaults(struct load_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->sessions = 10;
	c->concurrency = 16;
	c->hold_s = 10;
	c->pps = 10;
	c->target_port = 7;
	c->pkt_len = 128;
	c->connect_timeout_s = 30;
}

/* Returns 0, 1 for --help, -1 on a bad command line (said on stderr). */
static int parse_args(struct load_cfg *c, int argc, char **argv)
{
	int id;

	cfg_defaults(c);
	while ((id = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (id == OPT_HELP) {
			usage(stdout);
			return 1;
		}
		if (id == '?' || !parse_one(c, id, optarg)) {
			if (id != '?')
				fprintf(stderr, "sstp-load: bad value for --%s: %s\n",
					long_opts[id - OPT_SERVER].name, optarg);
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || c->server.sin_family != AF_INET ||
	    c->tc.cert_file == NULL || c->tc.key_file == NULL) {
		fprintf(stderr, "sstp-load: --server, --cert and --key are required\n");
		usage(stderr);
		return -1;
	}
	if (c->max_time_s == 0)
		c->max_time_s = c->hold_s + 300;
	return 0;
}

/* ---- resources ------------------------------------------------------------ */

/* Enough descriptors for every session at once, raising the hard limit if
 * we may (root). */
static int raise_nofile(unsigned sessions)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)sessions + FD_SLACK;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -errno;
	return 0;
}

/* ---- per-session I/O ------------------------------------------------------ */

static void set_out_interest(struct load *l, struct conn *c, bool want)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (c->want_out == want)
		return;
	if (want)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = want;
}

/* Move the client's pending bytes to the socket. 0, or -errno if the
 * socket failed. Leaves EPOLLOUT on while bytes wait. */
static int conn_flush(struct load *l, struct conn *c)
{
	unsigned i;
	ssize_t n;

	for (i = 0; i < FLUSH_ROUNDS; i++) {
		if (c->out_len == 0) {
			c->out_off = 0;
			c->out_len = tclient_output(c->tc, c->out, sizeof(c->out));
			if (c->out_len == 0) {
				set_out_interest(l, c, false);
				return 0;
			}
		}
		n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		c->out_off += (size_t)n;
		c->out_len -= (size_t)n;
	}
	set_out_interest(l, c, true);
	return 0;
}

static void conn_close(struct load *l, struct conn *c)
{
	if (c->fd >= 0) {
		(void)epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
		l->open--;
	}
	c->state = CONN_DONE;
}

/* A session that was not UP counts as failed (and frees its handshake
 * slot); one that was UP counts as dropped, unless we were closing it. */
static void conn_fail(struct load *l, struct conn *c, enum fail_kind k, const char *why)
{
	enum tclient_state ts = c->last;

	if (c->state == CONN_CLOSING || c->state == CONN_DONE) {
		conn_close(l, c);
		return;
	}
	if (c->state == CONN_UP) {
		l->dropped++;
	} else {
		l->failed++;
		l->outstanding--;
	}
	l->fails[k][ts]++;
	if (l->first_err[k][0] == '\0')
		snprintf(l->first_err[k], sizeof(l->first_err[k]), "%s", why);
	if (l->cfg.verbose)
		fprintf(stderr, "session %u: %s in %s: %s\n", c->idx, fail_names[k],
			tclient_state_str(ts), why);
	conn_close(l, c);
}

static void conn_up(struct load *l, struct conn *c, uint64_t now)
{
	c->state = CONN_UP;
	c->t_up = now;
	l->lat_ms[l->established++] = (double)(now - c->t_start) / 1e6;
	l->outstanding--;
	if (l->t_first_up == 0)
		l->t_first_up = now;
	l->t_last_up = now;
	if (l->cfg.verbose) {
		struct in_addr a = { .s_addr = htonl(tclient_addr(c->tc)) };

		fprintf(stderr, "session %u: up, %s, %.1f ms\n", c->idx,
			inet_ntoa(a), (double)(now - c->t_start) / 1e6);
	}
}

static void drain_ip(struct load *l, struct conn *c)
{
	size_t n;
	unsigned i;

	for (i = 0; i < 64; i++) {
		n = tclient_recv_ip(c->tc, l->pkt, sizeof(l->pkt));
		if (n == 0)
			return;
		l->rx_pkts++;
		l->rx_bytes += n;
	}
}

/* After the client consumed input or produced output: note UP, failure,
 * orderly close. */
static void conn_after(struct load *l, struct conn *c)
{
	enum tclient_state ts = tclient_state(c->tc);
	int r;

	if (ts != TCLIENT_FAILED)
		c->last = ts;
	if (ts == TCLIENT_FAILED) {
		conn_fail(l, c, FAIL_PROTOCOL, tclient_error(c->tc));
		return;
	}
	if (ts == TCLIENT_UP && c->state == CONN_HANDSHAKE)
		conn_up(l, c, now_ns());
	r = conn_flush(l, c);
	if (r != 0) {
		conn_fail(l, c, FAIL_RESET, strerror(-r));
		return;
	}
	/* Orderly end: our FIN once close_notify is out, then the gateway's
	 * FIN (conn_readable); closing with its bytes unread would RST. */
	if (ts == TCLIENT_CLOSED && c->out_len == 0 && !c->shut) {
		c->shut = true;
		(void)shutdown(c->fd, SHUT_WR);
	}
}

static void conn_readable(struct load *l, struct conn *c)
{
	unsigned i;
	ssize_t n;

	for (i = 0; i < READ_ROUNDS && c->state != CONN_DONE; i++) {
		n = recv(c->fd, l->rx_buf, sizeof(l->rx_buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			conn_fail(l, c, FAIL_RESET, strerror(errno));
			return;
		}
		if (n == 0) {
			conn_fail(l, c, FAIL_EOF, "the gateway closed the connection");
			return;
		}
		c->last = tclient_state(c->tc);
		(void)tclient_input(c->tc, l->rx_buf, (size_t)n);
		drain_ip(l, c);
		if (tclient_state(c->tc) == TCLIENT_FAILED)
			break;
	}
	conn_after(l, c);
}

/* The TCP connect finished: the client's ClientHello may go. */
static void conn_connected(struct load *l, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		conn_fail(l, c, FAIL_TCP, strerror(err));
		return;
	}
	c->state = CONN_HANDSHAKE;
	conn_after(l, c);
}

static void conn_event(struct load *l, struct conn *c, uint32_t ev)
{
	if (c->state == CONN_TCP) {
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_connected(l, c);
		return;
	}
	if (c->state == CONN_DONE)
		return;
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_readable(l, c);
	if (c->state != CONN_DONE && (ev & EPOLLOUT))
		conn_after(l, c);
}

/* ---- starting sessions ---------------------------------------------------- */

static int conn_socket(struct load *l)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (l->cfg.src_first != 0) {
		src.sin_addr.s_addr = htonl(l->next_src);
		l->next_src = l->next_src == l->cfg.src_last ? l->cfg.src_first
							      : l->next_src + 1;
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
			int e = -errno;

			close(fd);
			return e;
		}
	}
	return fd;
}

static void conn_start(struct load *l, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	int fd;

	c->t_start = now_ns();
	c->state = CONN_TCP;
	l->started++;
	l->outstanding++;
	c->tc = tclient_create(&l->cfg.tc);
	if (c->tc == NULL) {
		conn_fail(l, c, FAIL_CLIENT, "tclient_create failed (certificate, key or CA file?)");
		return;
	}
	fd = conn_socket(l);
	if (fd < 0) {
		conn_fail(l, c, FAIL_SOCKET, strerror(-fd));
		return;
	}
	c->fd = fd;
	l->open++;
	c->want_out = true;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0 ||
	    (connect(fd, (struct sockaddr *)&l->cfg.server, sizeof(l->cfg.server)) != 0 &&
	     errno != EINPROGRESS))
		conn_fail(l, c, FAIL_SOCKET, strerror(errno));
}

static void start_more(struct load *l)
{
	while (l->phase == PHASE_CONNECT && l->started < l->cfg.sessions &&
	       l->outstanding < l->cfg.concurrency)
		conn_start(l, &l->conns[l->started]);
}

/* ---- traffic -------------------------------------------------------------- */

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* RFC 791 header, then RFC 768 UDP (checksum 0: none) or RFC 792 echo
 * request; the payload carries the session and the sequence number. */
static size_t build_packet(struct load *l, struct conn *c)
{
	uint8_t *p = l->pkt, *t = p + IP_HDR;
	size_t len = l->cfg.pkt_len, tlen = len - IP_HDR;
	bool udp = l->cfg.proto == PROTO_UDP;

	memset(p, 0, len);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)len);
	put16(p + 4, c->ip_id++);
	p[6] = 0x40;                     /* DF */
	p[8] = 64;
	p[9] = udp ? IPPROTO_UDP : IPPROTO_ICMP;
	put32(p + 12, tclient_addr(c->tc));
	put32(p + 16, l->cfg.target);
	put16(p + 10, csum(p, IP_HDR));
	put32(t + 8, c->idx);
	put32(t + 12, (uint32_t)c->tx_sent);
	if (udp) {
		put16(t, (uint16_t)(20000 + c->idx % 40000));
		put16(t + 2, l->cfg.target_port);
		put16(t + 4, (uint16_t)tlen);
	} else {
		t[0] = 8;                /* echo request */
		put16(t + 4, (uint16_t)c->idx);
		put16(t + 6, (uint16_t)c->tx_sent);
		put16(t + 2, csum(t, tlen));
	}
	return len;
}

/* Packets due since the hold began; a session whose socket is backed up
 * falls behind rather than queueing without bound. */
static void conn_traffic(struct load *l, struct conn *c, uint64_t now)
{
	uint64_t due = (now - l->t_hold_begin) / 1000 * l->cfg.pps / 1000000;
	unsigned n = 0;
	size_t len;

	while (c->tx_sent < due && n < TX_BURST && c->out_len == 0) {
		len = build_packet(l, c);
		if (tclient_send_ip(c->tc, l->pkt, len) != 0)
			break;
		c->tx_sent++;
		l->tx_pkts++;
		l->tx_bytes += len;
		n++;
	}
	if (n > 0)
		conn_after(l, c);
}

static void traffic_tick(struct load *l, uint64_t now)
{
	unsigned i;

	if (l->phase != PHASE_HOLD || l->cfg.target == 0 || l->cfg.pps == 0)
		return;
	for (i = 0; i < l->started; i++)
		if (l->conns[i].state == CONN_UP)
			conn_traffic(l, &l->conns[i], now);
}

/* ---- phases --------------------------------------------------------------- */

static void timeouts(struct load *l, uint64_t now)
{
	uint64_t limit = (uint64_t)l->cfg.connect_timeout_s * 1000000000u;
	unsigned i;
	struct conn *c;

	for (i = 0; i < l->started; i++) {
		c = &l->conns[i];
		if ((c->state == CONN_TCP || c->state == CONN_HANDSHAKE) &&
		    now - c->t_start > limit)
			conn_fail(l, c, FAIL_TIMEOUT, "no IPCP within --connect-timeout");
	}
}

static void close_all(struct load *l)
{
	unsigned i;
	struct conn *c;

	for (i = 0; i < l->started; i++) {
		c = &l->conns[i];
		if (c->state != CONN_UP)
			continue;
		c->state = CONN_CLOSING;
		tclient_disconnect(c->tc, false);
		conn_after(l, c);
	}
}

/* Sessions whose socket backed up (or a generator short of CPU) send
 * fewer packets than --pps asks: say how many fewer. */
static void count_behind(struct load *l, uint64_t now)
{
	uint64_t due = (now - l->t_hold_begin) / 1000 * l->cfg.pps / 1000000;
	unsigned i;

	if (l->cfg.target == 0)
		return;
	for (i = 0; i < l->started; i++)
		if (l->conns[i].state == CONN_UP && l->conns[i].tx_sent < due)
			l->tx_behind += due - l->conns[i].tx_sent;
}

static void enter(struct load *l, enum phase p, uint64_t now)
{
	if (p == PHASE_DRAIN && l->phase == PHASE_HOLD) {
		count_behind(l, now);
		l->t_hold_end = now;
	}
	l->phase = p;
	l->t_phase = now;
	if (p == PHASE_HOLD)
		l->t_hold_begin = now;
	if (p == PHASE_CLOSE)
		close_all(l);
}

static uint64_t ms(unsigned v)
{
	return (uint64_t)v * 1000000u;
}

static void advance(struct load *l, uint64_t now)
{
	uint64_t in_phase = now - l->t_phase;

	switch (l->phase) {
	case PHASE_CONNECT:
		/* Nothing to hold if no session is up. */
		if (l->started == l->cfg.sessions && l->outstanding == 0)
			enter(l, l->established > l->dropped ? PHASE_HOLD : PHASE_CLOSE, now);
		break;
	case PHASE_HOLD:
		if (in_phase >= ms(l->cfg.hold_s * 1000))
			enter(l, PHASE_DRAIN, now);
		break;
	case PHASE_DRAIN:
		if (in_phase >= ms(DRAIN_MS))
			enter(l, PHASE_CLOSE, now);
		break;
	case PHASE_CLOSE:
		if (l->open == 0 || in_phase >= ms(CLOSE_MS))
			enter(l, PHASE_DONE, now);
		break;
	case PHASE_DONE:
		break;
	}
}

/* SIGINT/SIGTERM or the deadline: whatever is still handshaking fails by
 * timeout, the rest is closed in order. */
static void cut_short(struct load *l, uint64_t now)
{
	unsigned i;
	struct conn *c;

	for (i = 0; i < l->started; i++) {
		c = &l->conns[i];
		if (c->state == CONN_TCP || c->state == CONN_HANDSHAKE)
			conn_fail(l, c, FAIL_TIMEOUT, "the run was cut short");
	}
	while (l->started < l->cfg.sessions) {
		l->conns[l->started].t_start = now;
		l->started++;
		l->failed++;
		l->fails[FAIL_TIMEOUT][TCLIENT_TLS]++;
	}
	if (l->phase < PHASE_DRAIN)
		enter(l, PHASE_DRAIN, now);
	if (l->phase == PHASE_DRAIN)
		enter(l, PHASE_CLOSE, now);
}

static void run(struct load *l)
{
	struct epoll_event evs[EVENTS];
	uint64_t deadline = now_ns() + ms(l->cfg.max_time_s * 1000), now;
	bool cut = false;
	int n, i;

	while (l->phase != PHASE_DONE) {
		start_more(l);
		n = epoll_wait(l->ep, evs, EVENTS, TICK_MS);
		for (i = 0; i < n; i++)
			conn_event(l, evs[i].data.ptr, evs[i].events);
		now = now_ns();
		timeouts(l, now);
		traffic_tick(l, now);
		if (!cut && (stop_requested || now > deadline)) {
			cut = true;
			cut_short(l, now);
			deadline = now + ms(CLOSE_MS);
		}
		if (cut && now > deadline)
			enter(l, PHASE_DONE, now);
		advance(l, now);
	}
}

/* ---- report --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank (the smallest value with at least p% of them at or below). */
static double pct(const double *v, unsigned n, unsigned p)
{
	unsigned rank;

	if (n == 0)
		return 0;
	rank = (p * n + 99) / 100;
	return v[rank == 0 ? 0 : rank - 1];
}

static void print_reasons(const struct load *l)
{
	bool first = true;
	unsigned k, s;

	printf("\"fail_reasons\":{");
	for (k = 0; k < FAIL_KIND_COUNT; k++)
		for (s = 0; s < STATE_SLOTS; s++) {
			if (l->fails[k][s] == 0)
				continue;
			printf("%s\"%s@%s\":%u", first ? "" : ",", fail_names[k],
			       tclient_state_str((enum tclient_state)s), l->fails[k][s]);
			first = false;
		}
	printf("},");
}

static double mbps(uint64_t bytes, uint64_t ns)
{
	return ns == 0 ? 0 : (double)bytes * 8 / ns_to_s(ns) / 1e6;
}

static void report(struct load *l)
{
	unsigned n = l->established;
	uint64_t span = l->t_last_up > l->t_begin ? l->t_last_up - l->t_begin : 0;
	uint64_t hold = l->t_hold_end > l->t_hold_begin ? l->t_hold_end - l->t_hold_begin : 0;
	unsigned k;

	qsort(l->lat_ms, n, sizeof(l->lat_ms[0]), cmp_double);
	printf("{\"sessions\":%u,\"established\":%u,\"failed\":%u,\"dropped\":%u,",
	       l->cfg.sessions, n, l->failed, l->dropped);
	print_reasons(l);
	printf("\"concurrency\":%u,\"connect_per_s\":%.1f,", l->cfg.concurrency,
	       span == 0 ? 0.0 : n / ns_to_s(span));
	printf("\"connect_ms\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f},",
	       pct(l->lat_ms, n, 50), pct(l->lat_ms, n, 90), pct(l->lat_ms, n, 99),
	       n != 0 ? l->lat_ms[n - 1] : 0.0);
	printf("\"hold_s\":%.2f,\"pps\":%u,\"pkt_len\":%u,", ns_to_s(hold), l->cfg.pps,
	       l->cfg.pkt_len);
	printf("\"tx_pkts\":%llu,\"tx_behind\":%llu,\"rx_pkts\":%llu,"
	       "\"tx_mbps\":%.3f,\"rx_mbps\":%.3f,",
	       (unsigned long long)l->tx_pkts, (unsigned long long)l->tx_behind,
	       (unsigned long long)l->rx_pkts,
	       mbps(l->tx_bytes, hold), mbps(l->rx_bytes, hold));
	printf("\"duration_s\":%.2f}\n", ns_to_s(now_ns() - l->t_begin));
	fflush(stdout);
	for (k = 0; k < FAIL_KIND_COUNT; k++)
		if (l->first_err[k][0] != '\0')
			fprintf(stderr, "sstp-load: first %s failure: %s\n", fail_names[k],
				l->first_err[k]);
}

/* ---- setup ---------------------------------------------------------------- */

static void load_free(struct load *l)
{
	unsigned i;

	for (i = 0; l->conns != NULL && i < l->cfg.sessions; i++) {
		if (l->conns[i].fd >= 0)
			close(l->conns[i].fd);
		tclient_destroy(l->conns[i].tc);
	}
	free(l->conns);
	free(l->lat_ms);
	if (l->ep >= 0)
		close(l->ep);
	free(l);
}

static struct load *load_create(const struct load_cfg *cfg)
{
	struct load *l = calloc(1, sizeof(*l));
	unsigned i;

	if (l == NULL)
		return NULL;
	l->cfg = *cfg;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->conns = calloc(cfg->sessions, sizeof(l->conns[0]));
	l->lat_ms = calloc(cfg->sessions, sizeof(l->lat_ms[0]));
	if (l->ep < 0 || l->conns == NULL || l->lat_ms == NULL) {
		load_free(l);
		return NULL;
	}
	for (i = 0; i < cfg->sessions; i++) {
		l->conns[i].fd = -1;
		l->conns[i].idx = i;
	}
	l->next_src = cfg->src_first;
	return l;
}

int main(int argc, char **argv)
{
	struct load_cfg cfg;
	struct load *l;
	int r;

	r = parse_args(&cfg, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	r = raise_nofile(cfg.sessions);
	if (r != 0) {
		fprintf(stderr, "sstp-load: cannot raise RLIMIT_NOFILE to %u: %s\n",
			cfg.sessions + FD_SLACK, strerror(-r));
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	l = load_create(&cfg);
	if (l == NULL) {
		fprintf(stderr, "sstp-load: out of memory\n");
		return 2;
	}
	l->t_begin = now_ns();
	run(l);
	report(l);
	r = l->established == cfg.sessions && l->dropped == 0 ? 0 : 1;
	load_free(l);
	return r;
}
