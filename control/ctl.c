/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sstpgw-ctl: the operator's CLI over the management socket (control/mgmt.h).
 * One request, one response line; tables for people, --json for scripts.
 * Exit codes: 0 ok, 1 the gateway said no, 2 usage or connection error.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/mgmt.h"
#include "crypto/x509.h"
#if __has_include("control/package.h")
#include "control/package.h"
#define HAVE_PACKAGE 1
#endif

enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,
	EXIT_USAGE = 2,
	IO_TIMEOUT_S = 30,
	MAX_CERT_FILE = 40 * 1024,  /* base64 of it still fits one request */
	MAX_POS = 4,
};

struct ctl {
	const char *sock;
	bool json;
};

static const char usage_text[] =
	"usage: sstpgw-ctl [--socket PATH] [--json] COMMAND ...\n"
	"  status\n"
	"  sessions [--cn CN] [--addr A.B.C.D] [--worker N]\n"
	"  disconnect ID\n"
	"  roots list | roots add FILE.cer | roots remove ID\n"
	"  revoked list | revoked add THUMBPRINT [--note TEXT] | revoked remove THUMBPRINT\n"
	"  pool\n"
	"  counters [--worker N]\n"
	"  reload\n"
	"  client-package --pfx FILE [--password-file FILE] [--name NAME] --out DIR\n"
	"                 [--os linux|windows|all]\n"
	"default socket: " SGW_MGMT_DEFAULT_SOCKET "\n"
	"exit: 0 ok, 1 refused by the gateway, 2 usage or connection error\n";

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sstpgw-ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(sstpgw-ctl --help for usage)\n", stderr);
	return EXIT_USAGE;
}

/* ------------------------------------------------------------------ */
/* Arguments: positional words and --options, --json anywhere          */
/* ------------------------------------------------------------------ */

struct opt {
	const char *name;
	const char **val;
};

struct args {
	const char *pos[MAX_POS];
	int npos;
};

static int parse_args(struct ctl *c, int argc, char **argv, const struct opt *opts,
		      int maxpos, struct args *a)
{
	a->npos = 0;
	for (int i = 1; i < argc; i++) {
		const struct opt *o = opts;

		if (strcmp(argv[i], "--json") == 0) {
			c->json = true;
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0) {
			if (a->npos >= maxpos || a->npos >= MAX_POS)
				return usage_error("%s: unexpected argument \"%s\"", argv[0], argv[i]);
			a->pos[a->npos++] = argv[i];
			continue;
		}
		while (o != NULL && o->name != NULL && strcmp(o->name, argv[i]) != 0)
			o++;
		if (o == NULL || o->name == NULL)
			return usage_error("%s: unknown option %s", argv[0], argv[i]);
		if (i + 1 >= argc)
			return usage_error("%s: %s needs a value", argv[0], argv[i]);
		*o->val = argv[++i];
	}
	return 0;
}

static bool parse_int(const char *s, long long lo, long long hi, long long *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *v >= lo && *v <= hi;
}

/* ------------------------------------------------------------------ */
/* The socket                                                          */
/* ------------------------------------------------------------------ */

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* One line, newline stripped; NULL on error or EOF before the newline. */
static char *recv_line(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *nb;

	while (buf != NULL) {
		ssize_t r;

		if (n + 1 >= cap) {
			if (cap > SGW_MGMT_MAX_RESPONSE + 2 || (nb = realloc(buf, cap * 2)) == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		r = recv(fd, buf + n, cap - n - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(buf + n - (size_t)r, '\n', (size_t)r) != NULL) {
			n = (size_t)((char *)memchr(buf, '\n', n) - buf);
			buf[n] = '\0';
			*len = n;
			return buf;
		}
	}
	free(buf);
	return NULL;
}

/* Send req (consumed) and get the raw response line. */
static int exchange(const struct ctl *c, json_t *req, char **raw, size_t *len)
{
	char *line = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	int fd, rc = EXIT_USAGE;

	json_decref(req);
	if (line == NULL) {
		fprintf(stderr, "sstpgw-ctl: cannot encode the request (arguments must be "
			"UTF-8 text)\n");
		return EXIT_USAGE;
	}
	fd = connect_to(c->sock);
	if (fd < 0) {
		fprintf(stderr, "sstpgw-ctl: cannot connect to %s: %s (is sstpgw running? "
			"--socket PATH)\n", c->sock, strerror(errno));
		goto out;
	}
	if (!send_all(fd, line, strlen(line)) || !send_all(fd, "\n", 1))
		fprintf(stderr, "sstpgw-ctl: %s: send: %s\n", c->sock, strerror(errno));
	else if ((*raw = recv_line(fd, len)) == NULL)
		fprintf(stderr, "sstpgw-ctl: %s: no answer from the gateway\n", c->sock);
	else
		rc = EXIT_OK;
	close(fd);
out:
	free(line);
	return rc;
}

/* The common path: exchange, then --json prints the line as is, an error
 * goes to stderr (exit 1), and print() shows a success. */
static int run(const struct ctl *c, json_t *req, void (*print)(const json_t *resp))
{
	json_error_t je;
	json_t *resp;
	char *raw = NULL;
	size_t len = 0;
	int rc = exchange(c, req, &raw, &len);

	if (rc != EXIT_OK)
		return rc;
	resp = json_loadb(raw, len, 0, &je);
	if (!json_is_object(resp) || !json_is_boolean(json_object_get(resp, "ok"))) {
		fprintf(stderr, "sstpgw-ctl: the gateway answered something else than a "
			"response: %s\n", raw);
		rc = EXIT_USAGE;
	} else if (c->json) {
		puts(raw);
		rc = json_is_true(json_object_get(resp, "ok")) ? EXIT_OK : EXIT_REFUSED;
	} else if (!json_is_true(json_object_get(resp, "ok"))) {
		const char *e = json_string_value(json_object_get(resp, "error"));

		fprintf(stderr, "sstpgw: %s\n", e != NULL ? e : "refused");
		rc = EXIT_REFUSED;
	} else {
		print(resp);
	}
	json_decref(resp);
	free(raw);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Printing                                                            */
/* ------------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static long long jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *human_bytes(char buf[16], long long v)
{
	static const char unit[] = "BKMGTPE";
	double d = (double)v;
	unsigned u = 0;

	while (d >= 1024 && u + 1 < sizeof(unit) - 1) {
		d /= 1024;
		u++;
	}
	snprintf(buf, 16, u == 0 ? "%.0f%c" : "%.1f%c", d, unit[u]);
	return buf;
}

static const char *human_time(char buf[32], long long s)
{
	if (s >= 86400)
		snprintf(buf, 32, "%lldd%02lld:%02lld", s / 86400, s % 86400 / 3600,
			 s % 3600 / 60);
	else
		snprintf(buf, 32, "%02lld:%02lld:%02lld", s / 3600, s % 3600 / 60, s % 60);
	return buf;
}

/* Thumbprints go through the one parser and formatter (crypto/x509.h). */
static const char *tp_text(char out[SGW_THUMBPRINT_HEX + 1], const char *s)
{
	uint8_t tp[SGW_THUMBPRINT_LEN];

	if (s == NULL || !sgw_thumbprint_parse(s, tp))
		return "-";
	sgw_thumbprint_format(tp, out);
	return out;
}

static void print_truncated(const json_t *resp)
{
	if (json_is_true(json_object_get(resp, "truncated")))
		printf("(list truncated by the gateway: use a filter)\n");
}

static void print_status(const json_t *resp)
{
	const json_t *s = json_object_get(resp, "status");
	const json_t *p = json_object_get(s, "pool");
	char up[32];

	printf("version    %s\n", jstr(s, "version"));
	printf("uptime     %s\n", human_time(up, jint(s, "uptime_s")));
	printf("workers    %lld\n", jint(s, "workers"));
	printf("sessions   %lld / %lld\n", jint(s, "sessions"), jint(s, "sessions_max"));
	printf("pool       %lld / %lld addresses\n", jint(p, "used"), jint(p, "size"));
	printf("roots      %lld trusted\n", jint(s, "roots"));
	printf("revoked    %lld thumbprints\n", jint(s, "revoked"));
	printf("mbufs      %lld / %lld in use\n", jint(json_object_get(s, "mbufs"), "in_use"),
	       jint(json_object_get(s, "mbufs"), "size"));
}

static void print_sessions(const json_t *resp)
{
	const json_t *list = json_object_get(resp, "sessions");
	char up[32], rx[16], tx[16], client[64];
	size_t i;
	json_t *s;

	printf("%-8s %-24s %-21s %-15s %2s %-11s %10s %7s %7s %s\n", "ID", "CN", "CLIENT",
	       "ADDRESS", "W", "STATE", "UPTIME", "RX", "TX", "TLS");
	json_array_foreach(list, i, s) {
		snprintf(client, sizeof(client), "%s:%lld", jstr(s, "client_addr"),
			 jint(s, "client_port"));
		printf("%-8lld %-24.24s %-21s %-15s %2lld %-11s %10s %7s %7s %s %s\n",
		       jint(s, "id"), jstr(s, "cn"), client, jstr(s, "addr"), jint(s, "worker"),
		       jstr(s, "state"), human_time(up, jint(s, "uptime_s")),
		       human_bytes(rx, jint(s, "bytes_rx")), human_bytes(tx, jint(s, "bytes_tx")),
		       jstr(s, "tls_version"), jstr(s, "cipher"));
	}
	printf("%zu session%s\n", json_array_size(list), json_array_size(list) == 1 ? "" : "s");
	print_truncated(resp);
}

static void print_roots(const json_t *resp)
{
	const json_t *list = json_object_get(resp, "roots");
	char tp[SGW_THUMBPRINT_HEX + 1];
	size_t i;
	json_t *r;

	printf("%-4s %-40s %-20s %s\n", "ID", "THUMBPRINT", "NOT AFTER (UTC)", "SUBJECT");
	json_array_foreach(list, i, r)
		printf("%-4lld %-40s %-20s %s\n", jint(r, "id"), tp_text(tp, jstr(r, "thumbprint")),
		       jstr(r, "not_after_utc"), jstr(r, "subject"));
	print_truncated(resp);
}

static void print_revoked(const json_t *resp)
{
	const json_t *list = json_object_get(resp, "revoked");
	char tp[SGW_THUMBPRINT_HEX + 1];
	size_t i;
	json_t *r;

	printf("%-40s %s\n", "THUMBPRINT", "NOTE");
	json_array_foreach(list, i, r)
		printf("%-40s %s\n", tp_text(tp, jstr(r, "thumbprint")), jstr(r, "note"));
	print_truncated(resp);
}

static void print_pool(const json_t *resp)
{
	const json_t *list = json_object_get(resp, "pools");
	size_t i, w;
	json_t *p, *v;

	printf("%-18s %8s %8s  %s\n", "PREFIX", "USED", "SIZE", "PER WORKER");
	json_array_foreach(list, i, p) {
		printf("%-18s %8lld %8lld ", jstr(p, "prefix"), jint(p, "used"), jint(p, "size"));
		json_array_foreach(json_object_get(p, "workers"), w, v)
			printf(" w%zu=%lld", w, (long long)json_integer_value(v));
		printf("\n");
	}
}

static void print_counters(const json_t *resp)
{
	const json_t *list = json_object_get(resp, "counters");
	char w[16];
	size_t i;
	json_t *c;

	printf("%-40s %6s %20s\n", "NAME", "WORKER", "VALUE");
	json_array_foreach(list, i, c) {
		if (jint(c, "worker") < 0)
			snprintf(w, sizeof(w), "-");
		else
			snprintf(w, sizeof(w), "%lld", jint(c, "worker"));
		printf("%-40s %6s %20lld\n", jstr(c, "name"), w, jint(c, "value"));
	}
	print_truncated(resp);
}

static void print_id(const json_t *resp)
{
	printf("ok: %lld\n", jint(resp, "id"));
}

static void print_tp(const json_t *resp)
{
	char tp[SGW_THUMBPRINT_HEX + 1];

	printf("ok: %s\n", tp_text(tp, jstr(resp, "thumbprint")));
}

static void print_ok(const json_t *resp)
{
	(void)resp;
	printf("ok\n");
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static int simple(struct ctl *c, int argc, char **argv, const char *cmd,
		  void (*print)(const json_t *))
{
	struct args a;

	if (parse_args(c, argc, argv, NULL, 0, &a) != 0)
		return EXIT_USAGE;
	return run(c, json_pack("{s:s}", "cmd", cmd), print);
}

static int c_status(struct ctl *c, int argc, char **argv)
{
	return simple(c, argc, argv, "status", print_status);
}

static int c_pool(struct ctl *c, int argc, char **argv)
{
	return simple(c, argc, argv, "pool", print_pool);
}

static int c_reload(struct ctl *c, int argc, char **argv)
{
	return simple(c, argc, argv, "reload", print_ok);
}

static int c_sessions(struct ctl *c, int argc, char **argv)
{
	const char *cn = NULL, *addr = NULL, *worker = NULL;
	const struct opt opts[] = {
		{ "--cn", &cn }, { "--addr", &addr }, { "--worker", &worker }, { NULL, NULL },
	};
	json_t *filter;
	struct args a;
	long long w = -1;

	if (parse_args(c, argc, argv, opts, 0, &a) != 0)
		return EXIT_USAGE;
	if (worker != NULL && !parse_int(worker, 0, SGW_MGMT_MAX_WORKERS - 1, &w))
		return usage_error("sessions: --worker wants 0..%d", SGW_MGMT_MAX_WORKERS - 1);
	filter = json_object();
	/* A filter that silently failed to encode would list every session. */
	if (filter == NULL ||
	    (cn != NULL && json_object_set_new(filter, "cn", json_string(cn)) != 0) ||
	    (addr != NULL && json_object_set_new(filter, "addr", json_string(addr)) != 0) ||
	    (w >= 0 && json_object_set_new(filter, "worker", json_integer(w)) != 0)) {
		json_decref(filter);
		return usage_error("sessions: filters must be UTF-8 text");
	}
	return run(c, json_pack("{s:s,s:o}", "cmd", "sessions", "filter", filter), print_sessions);
}

static int c_disconnect(struct ctl *c, int argc, char **argv)
{
	struct args a;
	long long id;

	if (parse_args(c, argc, argv, NULL, 1, &a) != 0)
		return EXIT_USAGE;
	if (a.npos != 1 || !parse_int(a.pos[0], 0, INT64_MAX, &id))
		return usage_error("disconnect: wants a session ID (see sstpgw-ctl sessions)");
	return run(c, json_pack("{s:s,s:I}", "cmd", "disconnect", "id", (json_int_t)id), print_id);
}

static int c_counters(struct ctl *c, int argc, char **argv)
{
	const char *worker = NULL;
	const struct opt opts[] = { { "--worker", &worker }, { NULL, NULL } };
	struct args a;
	long long w = -1;
	json_t *req;

	if (parse_args(c, argc, argv, opts, 0, &a) != 0)
		return EXIT_USAGE;
	if (worker != NULL && !parse_int(worker, -1, SGW_MGMT_MAX_WORKERS - 1, &w))
		return usage_error("counters: --worker wants -1..%d", SGW_MGMT_MAX_WORKERS - 1);
	req = worker != NULL ? json_pack("{s:s,s:I}", "cmd", "counters", "worker", (json_int_t)w) :
			       json_pack("{s:s}", "cmd", "counters");
	return run(c, req, print_counters);
}

/* RFC 4648 section 4: DER travels as base64 inside the JSON string. */
static char *base64(const uint8_t *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; out != NULL && i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		*o++ = t[v >> 18 & 63];
		*o++ = t[v >> 12 & 63];
		*o++ = i + 1 < n ? t[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? t[v & 63] : '=';
	}
	if (out != NULL)
		*o = '\0';
	return out;
}

/* The certificate file as the request's "data": PEM as text, DER in base64. */
static json_t *cert_data(const char *path)
{
	uint8_t *buf = malloc(MAX_CERT_FILE + 1);
	FILE *f = fopen(path, "rb");
	json_t *data = NULL;
	size_t n = 0;

	if (f == NULL || buf == NULL) {
		fprintf(stderr, "sstpgw-ctl: %s: %s\n", path, strerror(errno));
		goto out;
	}
	n = fread(buf, 1, MAX_CERT_FILE + 1, f);
	if (n == 0 || n > MAX_CERT_FILE) {
		fprintf(stderr, "sstpgw-ctl: %s: empty or larger than %d bytes\n", path,
			MAX_CERT_FILE);
		goto out;
	}
	buf[n] = '\0';
	if (strstr((const char *)buf, "-----BEGIN") != NULL) { /* DER has NULs early */
		data = json_stringn((const char *)buf, n);
	} else {
		char *b64 = base64(buf, n);

		data = b64 != NULL ? json_string(b64) : NULL;
		free(b64);
	}
	if (data == NULL)
		fprintf(stderr, "sstpgw-ctl: %s: not a PEM or DER certificate file\n", path);
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return data;
}

static int c_roots(struct ctl *c, int argc, char **argv)
{
	struct args a;
	json_t *data;
	long long id;

	if (parse_args(c, argc, argv, NULL, 2, &a) != 0)
		return EXIT_USAGE;
	if (a.npos == 1 && strcmp(a.pos[0], "list") == 0)
		return run(c, json_pack("{s:s}", "cmd", "roots_list"), print_roots);
	if (a.npos == 2 && strcmp(a.pos[0], "remove") == 0) {
		if (!parse_int(a.pos[1], 0, INT32_MAX, &id))
			return usage_error("roots remove: wants a root ID (see roots list)");
		return run(c, json_pack("{s:s,s:I}", "cmd", "roots_remove", "id", (json_int_t)id),
			   print_id);
	}
	if (a.npos != 2 || strcmp(a.pos[0], "add") != 0)
		return usage_error("roots: list | add FILE.cer | remove ID");
	data = cert_data(a.pos[1]);
	if (data == NULL)
		return EXIT_USAGE;
	return run(c, json_pack("{s:s,s:o,s:s}", "cmd", "roots_add", "data", data,
				"name", strrchr(a.pos[1], '/') ? strrchr(a.pos[1], '/') + 1 : a.pos[1]),
		   print_id);
}

static int c_revoked(struct ctl *c, int argc, char **argv)
{
	const char *note = NULL;
	const struct opt opts[] = { { "--note", &note }, { NULL, NULL } };
	uint8_t tp[SGW_THUMBPRINT_LEN];
	char hex[SGW_THUMBPRINT_HEX + 1];
	struct args a;

	if (parse_args(c, argc, argv, opts, 2, &a) != 0)
		return EXIT_USAGE;
	if (a.npos == 1 && strcmp(a.pos[0], "list") == 0 && note == NULL)
		return run(c, json_pack("{s:s}", "cmd", "revoked_list"), print_revoked);
	if (a.npos != 2 || (strcmp(a.pos[0], "add") != 0 && strcmp(a.pos[0], "remove") != 0) ||
	    (note != NULL && strcmp(a.pos[0], "add") != 0))
		return usage_error("revoked: list | add THUMBPRINT [--note TEXT] | remove THUMBPRINT");
	if (!sgw_thumbprint_parse(a.pos[1], tp))
		return usage_error("revoked: \"%s\" is not a thumbprint (40 hex digits)", a.pos[1]);
	sgw_thumbprint_format(tp, hex);
	if (strcmp(a.pos[0], "remove") == 0)
		return run(c, json_pack("{s:s,s:s}", "cmd", "revoked_remove", "thumbprint", hex),
			   print_tp);
	return run(c, json_pack("{s:s,s:s,s:s}", "cmd", "revoked_add", "thumbprint", hex,
				"note", note != NULL ? note : ""), print_tp);
}

/* client-package: the gateway's settings, then control/package.c does the rest. */
static int c_client_package(struct ctl *c, int argc, char **argv)
{
#ifdef HAVE_PACKAGE
	struct sgw_mgmt_settings s;
	char err[256], *raw = NULL;
	size_t len = 0;
	int rc = exchange(c, json_pack("{s:s}", "cmd", "settings"), &raw, &len);

	if (rc != EXIT_OK)
		return rc;
	rc = sgw_mgmt_settings_parse(raw, len, &s, err, sizeof(err));
	free(raw);
	if (rc != 0) {
		fprintf(stderr, "sstpgw: %s\n", err);
		return EXIT_REFUSED;
	}
	return sgw_ctl_client_package(&s, argc, argv);
#else
	(void)c, (void)argc, (void)argv;
	fprintf(stderr, "sstpgw-ctl: client-package is not built in\n");
	return EXIT_USAGE;
#endif
}

static const struct command {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
} commands[] = {
	{ "status", c_status },
	{ "sessions", c_sessions },
	{ "disconnect", c_disconnect },
	{ "roots", c_roots },
	{ "revoked", c_revoked },
	{ "pool", c_pool },
	{ "counters", c_counters },
	{ "reload", c_reload },
	{ "client-package", c_client_package },
};

int main(int argc, char **argv)
{
	struct ctl c = { .sock = SGW_MGMT_DEFAULT_SOCKET };
	int i = 1;

	for (; i < argc && strncmp(argv[i], "-", 1) == 0; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			c.json = true;
		} else if (strcmp(argv[i], "--socket") == 0) {
			if (i + 1 >= argc)
				return usage_error("--socket needs a path");
			c.sock = argv[++i];
		} else {
			return usage_error("unknown option %s", argv[i]);
		}
	}
	if (i >= argc)
		return usage_error("no command");
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(commands[k].name, argv[i]) == 0)
			return commands[k].fn(&c, argc - i, argv + i);
	return usage_error("unknown command \"%s\"", argv[i]);
}
