/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition format 0.0.4 over libmicrohttpd.
 * (https://prometheus.io/docs/instrumenting/exposition_formats/)
 */
#include "control/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum { NAME_MAX_LEN = 96, HELP_MAX_LEN = 160, BUF_START = 4096 };

/* --- a growing text buffer; one oom flag instead of a check per line --- */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static bool grow(struct buf *b, size_t need)
{
	size_t cap = b->cap != 0 ? b->cap : BUF_START;
	char *p;

	while (cap < b->len + need + 1)
		cap *= 2;
	if (cap == b->cap)
		return true;
	p = realloc(b->p, cap);
	if (p == NULL)
		return false;
	b->p = p;
	b->cap = cap;
	return true;
}

__attribute__((format(printf, 2, 3)))
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n)) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Label values escape backslash, double quote and newline; HELP text
 * escapes backslash and newline (exposition format, "Comments, help text,
 * and type information" / "Escaping"). */
static void put_escaped(struct buf *b, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			put(b, "\\\\");
		else if (*s == '\n')
			put(b, "\\n");
		else if (*s == '"' && quote)
			put(b, "\\\"");
		else
			put(b, "%c", *s);
	}
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP sstpgw_%s ", name);
	put_escaped(b, help, false);
	put(b, "\n# TYPE sstpgw_%s %s\n", name, type);
}

/* --- gauges from status() --- */

static const struct gauge {
	const char *name;
	const char *help;
	size_t off;
	bool u64;
} gauges[] = {
	{ "uptime_seconds", "Seconds since the gateway started.",
	  offsetof(struct sgw_mgmt_status, uptime_s), true },
	{ "workers", "Worker lcores.", offsetof(struct sgw_mgmt_status, workers), false },
	{ "sessions", "Sessions open now.", offsetof(struct sgw_mgmt_status, sessions), false },
	{ "sessions_max", "Session limit.", offsetof(struct sgw_mgmt_status, sessions_max), false },
	{ "pool_used_addresses", "Client addresses in use, all pools.",
	  offsetof(struct sgw_mgmt_status, pool_used), false },
	{ "pool_size_addresses", "Client addresses that can be handed out, all pools.",
	  offsetof(struct sgw_mgmt_status, pool_size), false },
	{ "trusted_roots", "Trusted client certificate roots.",
	  offsetof(struct sgw_mgmt_status, roots), false },
	{ "revoked_thumbprints", "Revoked client certificate thumbprints.",
	  offsetof(struct sgw_mgmt_status, revoked), false },
	{ "mbufs_in_use", "Packet buffers taken: in flight, queued or held by sessions.",
	  offsetof(struct sgw_mgmt_status, mbufs_in_use), false },
	{ "mbufs_size", "Packet buffers in the pool.",
	  offsetof(struct sgw_mgmt_status, mbufs_size), false },
};

/* Names our own families use: a counter of the same name would make a
 * second family of that name, which the format forbids; it is left out. */
static const char *const reserved[] = {
	"build_info", "pool_prefix_used", "pool_prefix_size", "pool_worker_used",
};

static bool is_reserved(const char *name)
{
	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
		if (strcmp(name, gauges[i].name) == 0)
			return true;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(name, reserved[i]) == 0)
			return true;
	return false;
}

static void put_status(struct buf *b, const struct sgw_metrics_ops *ops, void *ctx)
{
	struct sgw_mgmt_status st = { 0 };
	char version[sizeof(st.version) + 1];

	if (ops->status == NULL || ops->status(ctx, &st) != 0)
		return;
	snprintf(version, sizeof(version), "%.*s", (int)sizeof(st.version), st.version);
	family(b, "build_info", "gauge", "Always 1; the version is the label.");
	put(b, "sstpgw_build_info{version=\"");
	put_escaped(b, version, true);
	put(b, "\"} 1\n");
	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++) {
		const char *f = (const char *)&st + gauges[i].off;
		uint64_t v = gauges[i].u64 ? *(const uint64_t *)(const void *)f :
					     *(const unsigned *)(const void *)f;

		family(b, gauges[i].name, "gauge", gauges[i].help);
		put(b, "sstpgw_%s %llu\n", gauges[i].name, (unsigned long long)v);
	}
}

/* --- pools --- */

struct pools {
	struct sgw_mgmt_pool *p;
	size_t n;
};

static int collect_pool(void *ectx, const struct sgw_mgmt_pool *p)
{
	struct pools *ps = ectx;
	struct sgw_mgmt_pool *np;

	if (ps->n >= SGW_MGMT_MAX_PREFIXES)
		return 0;
	np = realloc(ps->p, (ps->n + 1) * sizeof(*np));
	if (np == NULL)
		return -ENOMEM;
	ps->p = np;
	ps->p[ps->n++] = *p;
	return 0;
}

static void put_pool_family(struct buf *b, const struct pools *ps, const char *name,
			    const char *help, bool size)
{
	char a[INET_ADDRSTRLEN];

	family(b, name, "gauge", help);
	for (size_t i = 0; i < ps->n; i++) {
		struct in_addr in = { .s_addr = htonl(ps->p[i].prefix.addr) };

		inet_ntop(AF_INET, &in, a, sizeof(a));
		put(b, "sstpgw_%s{prefix=\"%s/%u\"} %u\n", name, a, (unsigned)ps->p[i].prefix.len,
		    size ? ps->p[i].size : ps->p[i].used);
	}
}

static void put_pools(struct buf *b, const struct sgw_metrics_ops *ops, void *ctx)
{
	struct pools ps = { NULL, 0 };
	char a[INET_ADDRSTRLEN];

	if (ops->pool == NULL || ops->pool(ctx, collect_pool, &ps) != 0 || ps.n == 0)
		goto out;
	put_pool_family(b, &ps, "pool_prefix_used", "Addresses in use, per pool.", false);
	put_pool_family(b, &ps, "pool_prefix_size", "Addresses that can be handed out, per pool.",
			true);
	family(b, "pool_worker_used", "gauge", "Addresses in use, per pool and worker.");
	for (size_t i = 0; i < ps.n; i++) {
		struct in_addr in = { .s_addr = htonl(ps.p[i].prefix.addr) };
		unsigned nw = ps.p[i].nworkers < SGW_MGMT_MAX_WORKERS ? ps.p[i].nworkers :
									 SGW_MGMT_MAX_WORKERS;

		inet_ntop(AF_INET, &in, a, sizeof(a));
		for (unsigned w = 0; w < nw; w++)
			put(b, "sstpgw_pool_worker_used{prefix=\"%s/%u\",worker=\"%u\"} %u\n", a,
			    (unsigned)ps.p[i].prefix.len, w, ps.p[i].worker_used[w]);
	}
out:
	free(ps.p);
}

/* --- counters: collected, then grouped by name (one family each) --- */

struct sample {
	char name[NAME_MAX_LEN];
	char help[HELP_MAX_LEN];
	int worker;
	uint64_t value;
	size_t seq;               /* emit order, for a stable sort */
};

struct samples {
	struct sample *s;
	size_t n, cap;
};

/* Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*, and ours start with "sstpgw_". */
static bool name_ok(const char *n)
{
	size_t len = strnlen(n, NAME_MAX_LEN);

	if (len == 0 || len >= NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '_' || n[i] == ':'))
			return false;
	return !is_reserved(n);
}

static int collect_counter(void *ectx, const struct sgw_mgmt_counter *c)
{
	struct samples *ss = ectx;
	struct sample *s;

	if (c->name == NULL || !name_ok(c->name) || ss->n >= SGW_METRICS_MAX_SAMPLES)
		return 0;
	if (ss->n == ss->cap) {
		size_t cap = ss->cap != 0 ? ss->cap * 2 : 64;

		s = realloc(ss->s, cap * sizeof(*s));
		if (s == NULL)
			return -ENOMEM;
		ss->s = s;
		ss->cap = cap;
	}
	s = &ss->s[ss->n];
	snprintf(s->name, sizeof(s->name), "%s", c->name);
	snprintf(s->help, sizeof(s->help), "%s", c->help != NULL ? c->help : "");
	s->worker = c->worker;
	s->value = c->value;
	s->seq = ss->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void put_counters(struct buf *b, const struct sgw_metrics_ops *ops, void *ctx)
{
	struct samples ss = { NULL, 0, 0 };

	if (ops->counters == NULL || ops->counters(ctx, collect_counter, &ss) != 0)
		goto out;
	if (ss.n > 0)
		qsort(ss.s, ss.n, sizeof(*ss.s), by_name);
	for (size_t i = 0; i < ss.n; i++) {
		const struct sample *s = &ss.s[i];

		if (i == 0 || strcmp(s->name, ss.s[i - 1].name) != 0)
			family(b, s->name, "counter", s->help[0] != '\0' ? s->help : "sstpgw counter.");
		if (s->worker < 0)
			put(b, "sstpgw_%s %llu\n", s->name, (unsigned long long)s->value);
		else
			put(b, "sstpgw_%s{worker=\"%d\"} %llu\n", s->name, s->worker,
			    (unsigned long long)s->value);
	}
out:
	free(ss.s);
}

char *sgw_metrics_render(const struct sgw_metrics_ops *ops, void *ctx, size_t *len)
{
	struct buf b = { 0 };

	if (!grow(&b, 0))
		return NULL;
	b.p[0] = '\0';
	put_status(&b, ops, ctx);
	put_pools(&b, ops, ctx);
	put_counters(&b, ops, ctx);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/* --- the HTTP side --- */

struct sgw_metrics {
	struct MHD_Daemon *d;
	struct sgw_metrics_ops ops;
	void *ctx;
	uint16_t port;
	char log[160];            /* libmicrohttpd's last message: start errors */
};

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status,
				  const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct sgw_metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *body;

	(void)version, (void)upload_data, (void)upload_size, (void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n");
	body = sgw_metrics_render(&m->ops, m->ctx, &len);
	if (body == NULL)
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

__attribute__((format(printf, 2, 0)))
static void on_log(void *cls, const char *fmt, va_list ap)
{
	struct sgw_metrics *m = cls;

	vsnprintf(m->log, sizeof(m->log), fmt, ap);
}

/* "host:port", "[v6]:port", ":port" -> a socket address (numeric port). */
static int resolve(const char *listen, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	char host[256];
	const char *colon = strrchr(listen, ':');
	size_t hlen = colon != NULL ? (size_t)(colon - listen) : 0;
	struct addrinfo *res;
	char *end = NULL;
	unsigned long port = colon != NULL ? strtoul(colon + 1, &end, 10) : 0;
	int rc;

	if (colon == NULL || colon[1] < '0' || colon[1] > '9' || *end != '\0' ||
	    port > 65535 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "metrics listen \"%s\": expected host:port (port 0..65535)",
			 listen);
		return -EINVAL;
	}
	if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(hlen - 2), listen + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)hlen, listen);
	hints.ai_family = host[0] == '\0' ? AF_INET : AF_UNSPEC;
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, colon + 1, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "metrics listen \"%s\": %s", listen, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

struct sgw_metrics *sgw_metrics_start(const char *listen, const struct sgw_metrics_ops *ops,
				      void *ctx, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct sgw_metrics *m;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	if (listen == NULL || ops == NULL || resolve(listen, &ss, err, errlen) != 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->ops = *ops;
	m->ctx = ctx;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, m,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)SGW_METRICS_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SGW_METRICS_TIMEOUT_S,
		MHD_OPTION_END);
	if (m->d == NULL) {
		snprintf(err, errlen, "metrics on %s: %s", listen,
			 m->log[0] != '\0' ? m->log : "cannot start the HTTP server");
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info != NULL ? info->port : 0;
	return m;
}

uint16_t sgw_metrics_port(const struct sgw_metrics *m)
{
	return m->port;
}

void sgw_metrics_stop(struct sgw_metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
