/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management API: the request handler (one JSON line in, one out) and
 * the Unix socket server around it. See mgmt.h for the commands.
 */
#include "control/mgmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crypto/x509.h"

_Static_assert((int)SGW_MGMT_THUMBPRINT_LEN == (int)SGW_THUMBPRINT_LEN, "thumbprint size");

enum {
	MAX_ITEMS = 65536,        /* list entries in one response, then "truncated" */
	ERR_MAX = 256,
	REQS_PER_POLL = 8,        /* per client, so one client cannot starve others */
	ACCEPTS_PER_POLL = SGW_MGMT_MAX_CLIENTS + 1,
};

/* ------------------------------------------------------------------ */
/* Small JSON helpers                                                  */
/* ------------------------------------------------------------------ */

/* jansson only takes valid UTF-8 and a field filled by the engine may be
 * neither terminated nor UTF-8 (a certificate CN): copy at most smax bytes
 * and turn every non-ASCII byte into '?' if the whole is not valid UTF-8. */
static const char *clean(char *buf, size_t cap, const char *s, size_t smax)
{
	size_t n = strnlen(s, smax < cap ? smax : cap - 1);
	json_t *probe;

	memcpy(buf, s, n);
	buf[n] = '\0';
	probe = json_stringn(buf, n);
	if (probe != NULL) {
		json_decref(probe);
		return buf;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] >= 0x80)
			buf[i] = '?';
	return buf;
}
#define CLEAN(buf, field) clean(buf, sizeof(buf), field, sizeof(field))

/* JSON integers are signed 64-bit; counters never get near, but clamp. */
static json_int_t u64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v;
}

/* "a.b.c.d" for a host-order address, NULL for 0 (unknown/none). */
static const char *addr_str(char buf[INET_ADDRSTRLEN], uint32_t a)
{
	struct in_addr in = { .s_addr = htonl(a) };

	if (a == 0)
		return NULL;
	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static json_t *prefix_json(const struct sgw_mgmt_prefix *p)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN + 4];
	struct in_addr in = { .s_addr = htonl(p->addr) };

	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(s, sizeof(s), "%s/%u", a, (unsigned)(p->len > 32 ? 32 : p->len));
	return json_string(s);
}

static bool parse_addr(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*a = ntohl(in.s_addr);
	return true;
}

static bool parse_prefix(const char *s, struct sgw_mgmt_prefix *p)
{
	char a[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(a) || slash[1] == '\0')
		return false;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || errno != 0 || len > 32 || slash[1] < '0' || slash[1] > '9')
		return false;
	p->len = (uint8_t)len;
	return parse_addr(a, &p->addr);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

struct filter {
	const char *cn;           /* exact match */
	bool has_addr;
	uint32_t addr;            /* client or assigned */
	int worker;               /* -1 = any */
};

struct req {
	const struct sgw_mgmt_ops *ops;
	void *ctx;
	json_t *args;             /* the request object */
	json_t *out;              /* the response object, "ok":true already in */
	json_t *list;             /* the array a list command fills */
	unsigned items;
	bool truncated;
	struct filter f;
	char err[ERR_MAX];
};

__attribute__((format(printf, 2, 3)))
static int fail(struct req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* An op's -errno as the operator reads it; the op's own text wins. */
static int op_failed(struct req *r, int rc, const char *what)
{
	if (r->err[0] != '\0')
		return -1;
	if (rc == -ENOENT)
		return fail(r, "no such %s", what);
	return fail(r, "%s: %s", what, strerror(rc < 0 ? -rc : EIO));
}

static int set(struct req *r, const char *key, json_t *v)
{
	if (json_object_set_new(r->out, key, v) != 0)
		return fail(r, "out of memory");
	return 0;
}

/* A list command: the op emits into r->list, which becomes out[key]. */
static int list_begin(struct req *r)
{
	r->list = json_array();
	return r->list == NULL ? fail(r, "out of memory") : 0;
}

static int list_end(struct req *r, const char *key, int rc, const char *what)
{
	json_t *list = r->list;

	r->list = NULL;
	if (rc != 0) {
		json_decref(list);
		return rc == -ENOMEM ? fail(r, "out of memory") : op_failed(r, rc, what);
	}
	if (set(r, key, list) != 0)
		return -1;
	return r->truncated ? set(r, "truncated", json_true()) : 0;
}

/* Append one item the emit callback built; NULL is out of memory. */
static int push(struct req *r, json_t *item)
{
	if (r->items >= MAX_ITEMS) {
		json_decref(item);
		r->truncated = true;
		return 0;
	}
	if (item == NULL || json_array_append_new(r->list, item) != 0)
		return -ENOMEM;
	r->items++;
	return 0;
}

#define NEED_OP(r, op) \
	do { \
		if ((r)->ops->op == NULL) \
			return fail((r), "not supported by this gateway"); \
	} while (0)

/* --- argument checking: one table per command --- */

enum arg_type { ARG_STRING, ARG_INT, ARG_OBJECT };

struct arg {
	const char *name;
	enum arg_type type;
	bool required;
};

static const char *const type_name[] = {
	[ARG_STRING] = "a string", [ARG_INT] = "an integer", [ARG_OBJECT] = "an object",
};

static bool type_ok(const json_t *v, enum arg_type t)
{
	switch (t) {
	case ARG_STRING: return json_is_string(v);
	case ARG_INT: return json_is_integer(v);
	case ARG_OBJECT: return json_is_object(v);
	}
	return false;
}

static const struct arg *arg_find(const struct arg *spec, const char *key)
{
	for (; spec->name != NULL; spec++)
		if (strcmp(spec->name, key) == 0)
			return spec;
	return NULL;
}

/* Every member known and of its type, every required one present. The
 * top-level "cmd" is checked by the dispatcher (skip_cmd). */
static int check_args(struct req *r, const json_t *obj, const struct arg *spec,
		      const char *where, bool skip_cmd)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		const struct arg *a = arg_find(spec, key);

		if (skip_cmd && strcmp(key, "cmd") == 0)
			continue;
		if (a == NULL)
			return fail(r, "%s: unknown member \"%.64s\"", where, key);
		if (!type_ok(v, a->type))
			return fail(r, "%s: \"%s\" must be %s", where, a->name, type_name[a->type]);
	}
	for (; spec->name != NULL; spec++)
		if (spec->required && json_object_get(obj, spec->name) == NULL)
			return fail(r, "%s: missing \"%s\"", where, spec->name);
	return 0;
}

static const char *arg_str(const struct req *r, const char *key)
{
	return json_string_value(json_object_get(r->args, key));
}

/* An integer member in [lo, hi]; absent leaves *v alone. */
static int arg_int(struct req *r, const json_t *obj, const char *key, json_int_t lo,
		   json_int_t hi, json_int_t *v)
{
	json_t *j = json_object_get(obj, key);

	if (j == NULL)
		return 0;
	if (json_integer_value(j) < lo || json_integer_value(j) > hi)
		return fail(r, "\"%s\" must be in %lld..%lld", key, (long long)lo, (long long)hi);
	*v = json_integer_value(j);
	return 0;
}

static int arg_thumbprint(struct req *r, uint8_t tp[SGW_THUMBPRINT_LEN])
{
	if (!sgw_thumbprint_parse(arg_str(r, "thumbprint"), tp))
		return fail(r, "\"thumbprint\": expected 40 hex digits (SHA-1)");
	return 0;
}

/* --- status, settings --- */

static int cmd_status(struct req *r)
{
	struct sgw_mgmt_status st = { 0 };
	char v[sizeof(st.version) + 1];
	int rc;

	NEED_OP(r, status);
	rc = r->ops->status(r->ctx, &st);
	if (rc != 0)
		return op_failed(r, rc, "status");
	return set(r, "status", json_pack("{s:s,s:I,s:i,s:i,s:i,s:{s:i,s:i},s:i,s:i,s:{s:i,s:i}}",
		"version", CLEAN(v, st.version), "uptime_s", u64(st.uptime_s),
		"workers", (int)st.workers, "sessions", (int)st.sessions,
		"sessions_max", (int)st.sessions_max,
		"pool", "used", (int)st.pool_used, "size", (int)st.pool_size,
		"roots", (int)st.roots, "revoked", (int)st.revoked,
		"mbufs", "in_use", (int)st.mbufs_in_use, "size", (int)st.mbufs_size));
}

static json_t *prefixes_json(const struct sgw_mgmt_prefix *p, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a != NULL && i < n && i < SGW_MGMT_MAX_PREFIXES; i++)
		if (json_array_append_new(a, prefix_json(&p[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *dns_json(const uint32_t dns[2])
{
	char b[INET_ADDRSTRLEN];
	json_t *a = json_array();

	for (unsigned i = 0; a != NULL && i < 2; i++)
		if (dns[i] != 0 && json_array_append_new(a, json_string(addr_str(b, dns[i]))) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int cmd_settings(struct req *r)
{
	struct sgw_mgmt_settings s;
	char name[sizeof(s.server_name) + 1], ca[sizeof(s.ca_cert_path) + 1];
	char outer[INET_ADDRSTRLEN];
	int rc;

	NEED_OP(r, settings);
	memset(&s, 0, sizeof(s));
	rc = r->ops->settings(r->ctx, &s);
	if (rc != 0)
		return op_failed(r, rc, "settings");
	return set(r, "settings", json_pack("{s:s,s:i,s:s?,s:s,s:o,s:o,s:o,s:i}",
		"server_name", CLEAN(name, s.server_name), "port", (int)s.port,
		"outer_addr", addr_str(outer, s.outer_addr),
		"ca_cert", CLEAN(ca, s.ca_cert_path), "dns", dns_json(s.dns),
		"vnet", prefixes_json(s.vnet, s.n_vnet),
		"pool", prefixes_json(s.pool, s.n_pool), "mtu", (int)s.mtu));
}

/* --- sessions --- */

static const char *const state_names[] = {
	[SGW_MGMT_SESS_TLS] = "tls",
	[SGW_MGMT_SESS_HTTP] = "http",
	[SGW_MGMT_SESS_NEGOTIATING] = "negotiating",
	[SGW_MGMT_SESS_ESTABLISHED] = "established",
	[SGW_MGMT_SESS_CLOSING] = "closing",
	[SGW_MGMT_SESS_CLOSED] = "closed",
};

const char *sgw_mgmt_session_state_str(enum sgw_mgmt_session_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

static bool session_match(const struct filter *f, const struct sgw_mgmt_session *s)
{
	if (f->cn != NULL && strncmp(f->cn, s->cn, sizeof(s->cn)) != 0)
		return false;
	if (f->cn != NULL && strlen(f->cn) >= sizeof(s->cn))
		return false;
	if (f->has_addr && f->addr != s->client_addr && f->addr != s->assigned_addr)
		return false;
	return f->worker < 0 || (unsigned)f->worker == s->worker;
}

static json_t *session_json(const struct sgw_mgmt_session *s)
{
	char cn[sizeof(s->cn) + 1], tls[sizeof(s->tls_version) + 1], ciph[sizeof(s->cipher) + 1];
	char tp[SGW_THUMBPRINT_HEX + 1], cli[INET_ADDRSTRLEN], as[INET_ADDRSTRLEN];

	sgw_thumbprint_format(s->thumbprint, tp);
	if (addr_str(cli, s->client_addr) == NULL)
		strcpy(cli, "0.0.0.0");
	return json_pack("{s:I,s:s,s:s?,s:s,s:i,s:s?,s:i,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s}",
		"id", u64(s->id), "cn", CLEAN(cn, s->cn),
		"thumbprint", s->has_thumbprint ? tp : NULL,
		"client_addr", cli, "client_port", (int)s->client_port,
		"addr", addr_str(as, s->assigned_addr), "worker", (int)s->worker,
		"tls_version", CLEAN(tls, s->tls_version), "cipher", CLEAN(ciph, s->cipher),
		"bytes_rx", u64(s->bytes_rx), "bytes_tx", u64(s->bytes_tx),
		"packets_rx", u64(s->packets_rx), "packets_tx", u64(s->packets_tx),
		"uptime_s", u64(s->uptime_s), "state", sgw_mgmt_session_state_str(s->state));
}

static int emit_session(void *ectx, const struct sgw_mgmt_session *s)
{
	struct req *r = ectx;

	if (!session_match(&r->f, s))
		return 0;
	return push(r, session_json(s));
}

static const struct arg filter_args[] = {
	{ "cn", ARG_STRING, false },
	{ "addr", ARG_STRING, false },
	{ "worker", ARG_INT, false },
	{ NULL, ARG_STRING, false },
};

static int parse_filter(struct req *r)
{
	const json_t *f = json_object_get(r->args, "filter");
	const char *addr;
	json_int_t w = -1;

	r->f.worker = -1;
	if (f == NULL)
		return 0;
	if (check_args(r, f, filter_args, "filter", false) != 0 ||
	    arg_int(r, f, "worker", 0, SGW_MGMT_MAX_WORKERS - 1, &w) != 0)
		return -1;
	r->f.worker = (int)w;
	r->f.cn = json_string_value(json_object_get(f, "cn"));
	addr = json_string_value(json_object_get(f, "addr"));
	if (addr != NULL && !parse_addr(addr, &r->f.addr))
		return fail(r, "filter: \"addr\" must be an IPv4 address (a.b.c.d)");
	r->f.has_addr = addr != NULL;
	return 0;
}

static int cmd_sessions(struct req *r)
{
	NEED_OP(r, sessions);
	if (parse_filter(r) != 0 || list_begin(r) != 0)
		return -1;
	return list_end(r, "sessions", r->ops->sessions(r->ctx, emit_session, r), "sessions");
}

static int cmd_disconnect(struct req *r)
{
	json_int_t id = 0;
	int rc;

	NEED_OP(r, disconnect);
	if (arg_int(r, r->args, "id", 0, INT64_MAX, &id) != 0)
		return -1;
	rc = r->ops->disconnect(r->ctx, (uint64_t)id);
	if (rc != 0)
		return rc == -ENOENT ? fail(r, "no such session %lld", (long long)id) :
				       op_failed(r, rc, "disconnect");
	return set(r, "id", json_integer(id));
}

/* --- trusted roots --- */

static json_t *root_json(const struct sgw_mgmt_root *rt)
{
	char subj[sizeof(rt->subject) + 1], tp[SGW_THUMBPRINT_HEX + 1], when[32] = "";
	time_t t = (time_t)rt->not_after;
	struct tm tm;

	sgw_thumbprint_format(rt->thumbprint, tp);
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:i,s:s,s:s,s:I,s:s}", "id", (int)rt->id,
		"subject", CLEAN(subj, rt->subject), "thumbprint", tp,
		"not_after", (json_int_t)rt->not_after, "not_after_utc", when);
}

static int emit_root(void *ectx, const struct sgw_mgmt_root *rt)
{
	return push(ectx, root_json(rt));
}

static int cmd_roots_list(struct req *r)
{
	NEED_OP(r, roots_list);
	if (list_begin(r) != 0)
		return -1;
	return list_end(r, "roots", r->ops->roots_list(r->ctx, emit_root, r), "roots");
}

static int b64_value(char c)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;

	return p == NULL ? -1 : (int)(p - alphabet);
}

/* RFC 4648 section 4 base64 (whitespace between groups allowed, as in a
 * wrapped file). out has room for n * 3 / 4 bytes. Returns the length or -1. */
static long b64_decode(const char *s, size_t n, uint8_t *out)
{
	uint32_t acc = 0;
	size_t o = 0, chars = 0, pad = 0;
	unsigned bits = 0;

	for (size_t i = 0; i < n; i++) {
		int v = b64_value(s[i]);

		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			continue;
		chars++;
		if (s[i] == '=' && ++pad <= 2)
			continue;
		if (v < 0 || pad > 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return chars == 0 || chars % 4 != 0 ? -1 : (long)o;
}

/* data is PEM text as is, or a DER certificate in base64 (JSON has no bytes). */
static int cmd_roots_add(struct req *r)
{
	const json_t *d = json_object_get(r->args, "data");
	const char *data = json_string_value(d), *name = arg_str(r, "name");
	size_t n = json_string_length(d);
	uint8_t *der = NULL;
	long len = (long)n;
	int rc;

	NEED_OP(r, roots_add);
	if (strstr(data, "-----BEGIN") == NULL) {
		der = malloc(n * 3 / 4 + 1);
		if (der == NULL)
			return fail(r, "out of memory");
		len = b64_decode(data, n, der);
		if (len <= 0) {
			free(der);
			return fail(r, "\"data\": neither PEM nor base64 DER");
		}
	}
	rc = r->ops->roots_add(r->ctx, der != NULL ? der : (const uint8_t *)data, (size_t)len,
			       name != NULL ? name : "", r->err, sizeof(r->err));
	free(der);
	if (rc < 0)
		return op_failed(r, rc, "root");
	return set(r, "id", json_integer(rc));
}

static int cmd_roots_remove(struct req *r)
{
	json_int_t id = 0;
	int rc;

	NEED_OP(r, roots_remove);
	if (arg_int(r, r->args, "id", 0, INT32_MAX, &id) != 0)
		return -1;
	rc = r->ops->roots_remove(r->ctx, (unsigned)id);
	if (rc != 0)
		return rc == -ENOENT ? fail(r, "no such root %lld", (long long)id) :
				       op_failed(r, rc, "root");
	return set(r, "id", json_integer(id));
}

/* --- revoked thumbprints --- */

static json_t *revoked_json(const struct sgw_mgmt_revoked *rv)
{
	char tp[SGW_THUMBPRINT_HEX + 1], note[sizeof(rv->note) + 1];

	sgw_thumbprint_format(rv->thumbprint, tp);
	return json_pack("{s:s,s:s}", "thumbprint", tp, "note", CLEAN(note, rv->note));
}

static int emit_revoked(void *ectx, const struct sgw_mgmt_revoked *rv)
{
	return push(ectx, revoked_json(rv));
}

static int cmd_revoked_list(struct req *r)
{
	NEED_OP(r, revoked_list);
	if (list_begin(r) != 0)
		return -1;
	return list_end(r, "revoked", r->ops->revoked_list(r->ctx, emit_revoked, r), "revoked");
}

static int cmd_revoked_add(struct req *r)
{
	uint8_t tp[SGW_THUMBPRINT_LEN];
	char hex[SGW_THUMBPRINT_HEX + 1];
	const char *note = arg_str(r, "note");
	int rc;

	NEED_OP(r, revoked_add);
	if (arg_thumbprint(r, tp) != 0)
		return -1;
	if (note != NULL && strlen(note) >= SGW_MGMT_NOTE_MAX)
		return fail(r, "\"note\": longer than %d bytes", SGW_MGMT_NOTE_MAX - 1);
	rc = r->ops->revoked_add(r->ctx, tp, note != NULL ? note : "", r->err, sizeof(r->err));
	if (rc != 0)
		return op_failed(r, rc, "thumbprint");
	sgw_thumbprint_format(tp, hex);
	return set(r, "thumbprint", json_string(hex));
}

static int cmd_revoked_remove(struct req *r)
{
	uint8_t tp[SGW_THUMBPRINT_LEN];
	char hex[SGW_THUMBPRINT_HEX + 1];
	int rc;

	NEED_OP(r, revoked_remove);
	if (arg_thumbprint(r, tp) != 0)
		return -1;
	sgw_thumbprint_format(tp, hex);
	rc = r->ops->revoked_remove(r->ctx, tp);
	if (rc != 0)
		return rc == -ENOENT ? fail(r, "%s is not revoked", hex) :
				       op_failed(r, rc, "thumbprint");
	return set(r, "thumbprint", json_string(hex));
}

/* --- pool, counters, reload --- */

static json_t *pool_json(const struct sgw_mgmt_pool *p)
{
	json_t *w = json_array();
	unsigned n = p->nworkers < SGW_MGMT_MAX_WORKERS ? p->nworkers : SGW_MGMT_MAX_WORKERS;

	for (unsigned i = 0; w != NULL && i < n; i++)
		if (json_array_append_new(w, json_integer(p->worker_used[i])) != 0) {
			json_decref(w);
			return NULL;
		}
	return json_pack("{s:o,s:i,s:i,s:o}", "prefix", prefix_json(&p->prefix),
			 "size", (int)p->size, "used", (int)p->used, "workers", w);
}

static int emit_pool(void *ectx, const struct sgw_mgmt_pool *p)
{
	return push(ectx, pool_json(p));
}

static int cmd_pool(struct req *r)
{
	NEED_OP(r, pool);
	if (list_begin(r) != 0)
		return -1;
	return list_end(r, "pools", r->ops->pool(r->ctx, emit_pool, r), "pool");
}

static int emit_counter(void *ectx, const struct sgw_mgmt_counter *c)
{
	struct req *r = ectx;
	char name[128];

	if (c->name == NULL || (r->f.worker >= 0 && c->worker != r->f.worker))
		return 0;
	return push(r, json_pack("{s:s,s:i,s:I}", "name", clean(name, sizeof(name), c->name,
			 sizeof(name)), "worker", c->worker, "value", u64(c->value)));
}

static int cmd_counters(struct req *r)
{
	json_int_t w = -1;

	NEED_OP(r, counters);
	if (arg_int(r, r->args, "worker", -1, SGW_MGMT_MAX_WORKERS - 1, &w) != 0 ||
	    list_begin(r) != 0)
		return -1;
	r->f.worker = (int)w;
	return list_end(r, "counters", r->ops->counters(r->ctx, emit_counter, r), "counters");
}

static int cmd_reload(struct req *r)
{
	int rc;

	NEED_OP(r, reload);
	rc = r->ops->reload(r->ctx, r->err, sizeof(r->err));
	return rc != 0 ? op_failed(r, rc, "reload") : 0;
}

/* --- dispatch --- */

static const struct arg no_args[] = { { NULL, ARG_STRING, false } };
static const struct arg sessions_args[] = {
	{ "filter", ARG_OBJECT, false }, { NULL, ARG_STRING, false },
};
static const struct arg id_args[] = { { "id", ARG_INT, true }, { NULL, ARG_STRING, false } };
static const struct arg counters_args[] = {
	{ "worker", ARG_INT, false }, { NULL, ARG_STRING, false },
};
static const struct arg roots_add_args[] = {
	{ "data", ARG_STRING, true }, { "name", ARG_STRING, false }, { NULL, ARG_STRING, false },
};
static const struct arg tp_args[] = {
	{ "thumbprint", ARG_STRING, true }, { NULL, ARG_STRING, false },
};
static const struct arg revoked_add_args[] = {
	{ "thumbprint", ARG_STRING, true }, { "note", ARG_STRING, false },
	{ NULL, ARG_STRING, false },
};

static const struct command {
	const char *name;
	int (*fn)(struct req *r);
	const struct arg *args;
} commands[] = {
	{ "status", cmd_status, no_args },
	{ "settings", cmd_settings, no_args },
	{ "sessions", cmd_sessions, sessions_args },
	{ "disconnect", cmd_disconnect, id_args },
	{ "roots_list", cmd_roots_list, no_args },
	{ "roots_add", cmd_roots_add, roots_add_args },
	{ "roots_remove", cmd_roots_remove, id_args },
	{ "revoked_list", cmd_revoked_list, no_args },
	{ "revoked_add", cmd_revoked_add, revoked_add_args },
	{ "revoked_remove", cmd_revoked_remove, tp_args },
	{ "pool", cmd_pool, no_args },
	{ "counters", cmd_counters, counters_args },
	{ "reload", cmd_reload, no_args },
};

static int dispatch(struct req *r, const char *req, size_t len)
{
	json_error_t je;
	const json_t *cmd;

	if (len > SGW_MGMT_MAX_REQUEST)
		return fail(r, "request too large (max %d bytes)", SGW_MGMT_MAX_REQUEST);
	r->args = json_loadb(req, len, JSON_REJECT_DUPLICATES, &je);
	if (r->args == NULL)
		return fail(r, "not JSON: %s (column %d)", je.text, je.column);
	if (!json_is_object(r->args))
		return fail(r, "request must be a JSON object");
	cmd = json_object_get(r->args, "cmd");
	if (!json_is_string(cmd))
		return fail(r, "\"cmd\" missing or not a string");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, json_string_value(cmd)) != 0)
			continue;
		if (check_args(r, r->args, commands[i].args, commands[i].name, true) != 0)
			return -1;
		return commands[i].fn(r);
	}
	return fail(r, "unknown command \"%.64s\"", json_string_value(cmd));
}

static char *error_response(const char *msg)
{
	char m[ERR_MAX];
	json_t *j = json_pack("{s:b,s:s}", "ok", 0, "error", clean(m, sizeof(m), msg, sizeof(m)));
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s != NULL ? s : strdup("{\"ok\":false,\"error\":\"out of memory\"}");
}

bool sgw_mgmt_handle(const struct sgw_mgmt_ops *ops, void *ctx,
		     const char *req, size_t len, char **resp)
{
	struct req r = { .ops = ops, .ctx = ctx, .f = { .worker = -1 } };
	int rc;

	*resp = NULL;
	r.out = json_pack("{s:b}", "ok", 1);
	rc = r.out == NULL ? fail(&r, "out of memory") : dispatch(&r, req, len);
	if (rc == 0) {
		*resp = json_dumps(r.out, JSON_COMPACT);
		if (*resp == NULL || strlen(*resp) > SGW_MGMT_MAX_RESPONSE) {
			free(*resp);
			*resp = NULL;
			rc = fail(&r, "response too large or out of memory: use a filter");
		}
	}
	json_decref(r.out);
	json_decref(r.args);
	if (rc != 0)
		*resp = error_response(r.err[0] != '\0' ? r.err : "failed");
	return rc == 0;
}

/* ------------------------------------------------------------------ */
/* Settings back from JSON (the CLI)                                   */
/* ------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4)))
static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int prefixes_parse(const json_t *a, struct sgw_mgmt_prefix *p, unsigned *n,
			  const char *key, char *err, size_t errlen)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) > SGW_MGMT_MAX_PREFIXES)
		return perr(err, errlen, "settings: \"%s\" must be a list of at most %d prefixes",
			    key, SGW_MGMT_MAX_PREFIXES);
	json_array_foreach(a, i, v)
		if (!json_is_string(v) || !parse_prefix(json_string_value(v), &p[i]))
			return perr(err, errlen, "settings: \"%s\": bad prefix", key);
	*n = (unsigned)json_array_size(a);
	return 0;
}

static int dns_parse(const json_t *a, uint32_t dns[2], char *err, size_t errlen)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) > 2)
		return perr(err, errlen, "settings: \"dns\" must be a list of at most 2 addresses");
	json_array_foreach(a, i, v)
		if (!json_is_string(v) || !parse_addr(json_string_value(v), &dns[i]))
			return perr(err, errlen, "settings: \"dns\": bad address");
	return 0;
}

static int copy_str(char *dst, size_t cap, const json_t *v, const char *key,
		    char *err, size_t errlen)
{
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return perr(err, errlen, "settings: \"%s\" missing or too long", key);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int settings_from(const json_t *s, struct sgw_mgmt_settings *out, char *err,
			 size_t errlen)
{
	const json_t *port = json_object_get(s, "port"), *mtu = json_object_get(s, "mtu");
	const json_t *outer = json_object_get(s, "outer_addr");

	if (copy_str(out->server_name, sizeof(out->server_name),
		     json_object_get(s, "server_name"), "server_name", err, errlen) != 0 ||
	    copy_str(out->ca_cert_path, sizeof(out->ca_cert_path),
		     json_object_get(s, "ca_cert"), "ca_cert", err, errlen) != 0)
		return -EINVAL;
	if (!json_is_integer(port) || json_integer_value(port) < 1 ||
	    json_integer_value(port) > 65535)
		return perr(err, errlen, "settings: \"port\" must be 1..65535");
	if (!json_is_integer(mtu) || json_integer_value(mtu) < 0 ||
	    json_integer_value(mtu) > 65535)
		return perr(err, errlen, "settings: \"mtu\" must be 0..65535");
	out->port = (uint16_t)json_integer_value(port);
	out->mtu = (unsigned)json_integer_value(mtu);
	if (outer != NULL && !json_is_null(outer) &&
	    (!json_is_string(outer) || !parse_addr(json_string_value(outer), &out->outer_addr)))
		return perr(err, errlen, "settings: \"outer_addr\" must be an IPv4 address");
	if (dns_parse(json_object_get(s, "dns"), out->dns, err, errlen) != 0)
		return -EINVAL;
	if (prefixes_parse(json_object_get(s, "vnet"), out->vnet, &out->n_vnet, "vnet",
			   err, errlen) != 0)
		return -EINVAL;
	return prefixes_parse(json_object_get(s, "pool"), out->pool, &out->n_pool, "pool",
			      err, errlen);
}

int sgw_mgmt_settings_parse(const char *resp, size_t len, struct sgw_mgmt_settings *s,
			    char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(resp, len, 0, &je);
	const json_t *e;
	int rc;

	memset(s, 0, sizeof(*s));
	if (j == NULL)
		return perr(err, errlen, "not JSON: %s", je.text);
	e = json_object_get(j, "error");
	if (!json_is_true(json_object_get(j, "ok")))
		rc = perr(err, errlen, "%s", json_is_string(e) ? json_string_value(e) : "refused");
	else if (!json_is_object(json_object_get(j, "settings")))
		rc = perr(err, errlen, "no \"settings\" in the response");
	else
		rc = settings_from(json_object_get(j, "settings"), s, err, errlen);
	json_decref(j);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The socket server                                                   */
/* ------------------------------------------------------------------ */

struct client {
	int fd;                   /* -1: free slot */
	char *in;                 /* SGW_MGMT_MAX_REQUEST bytes */
	size_t in_len;
	char *out;                /* the answer being written */
	size_t out_len, out_off;
	uint64_t last_ms;         /* last progress either way */
	bool closing;             /* peer is done or misbehaved: close once out is sent */
};

struct sgw_mgmt {
	int lfd;
	const struct sgw_mgmt_ops *ops;
	void *ctx;
	struct sockaddr_un sun;
	struct client c[SGW_MGMT_MAX_CLIENTS];
};

static const char busy_line[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 3, 4)))
static void cerr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A directory we create gets 0750 whatever the daemon's umask; an existing
 * one is left as the operator made it. */
static int mkdir_0750(const char *dir)
{
	if (mkdir(dir, 0750) == 0)
		return chmod(dir, 0750) == 0 ? 0 : -errno;
	return errno == EEXIST ? 0 : -errno;
}

/* mkdir -p of path's parent, new directories 0750 (only the control group
 * gets in). The last component is the socket itself. */
static int make_parent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		int rc = mkdir_0750(dir);

		if (rc != 0) {
			cerr(err, errlen, "mkdir %s: %s", dir, strerror(-rc));
			return rc;
		}
		*p = '/';
	}
	return 0;
}

/* A socket file left by a dead daemon refuses connections: remove it. A live
 * one is another daemon's (-EADDRINUSE); anything else is not ours to touch. */
static int clear_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		cerr(err, errlen, "%s exists and is not a socket", sun->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		cerr(err, errlen, "%s: another sstpgw is listening", sun->sun_path);
		return -EADDRINUSE;
	}
	if (unlink(sun->sun_path) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int listen_on(struct sgw_mgmt *m, char *err, size_t errlen)
{
	int e;

	m->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->lfd < 0)
		goto err;
	if (bind(m->lfd, (const struct sockaddr *)&m->sun, sizeof(m->sun)) != 0)
		goto err;
	/* The directory is 0750 already, so the umask window before this
	 * chmod only ever exposes the socket to the control group. */
	if (chmod(m->sun.sun_path, 0660) != 0 || listen(m->lfd, SGW_MGMT_MAX_CLIENTS) != 0)
		goto err_bound;
	return 0;
err_bound:
	e = errno;
	unlink(m->sun.sun_path);
	errno = e;
err:
	e = errno;
	cerr(err, errlen, "%s: %s", m->sun.sun_path, strerror(e));
	return -e;
}

struct sgw_mgmt *sgw_mgmt_create(const char *path, const struct sgw_mgmt_ops *ops,
				 void *ctx, char *err, size_t errlen)
{
	struct sgw_mgmt *m;

	cerr(err, errlen, "out of memory");
	if (path == NULL || ops == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof(m->sun.sun_path)) {
		cerr(err, errlen, "management socket path empty or longer than %zu bytes",
		     sizeof(m->sun.sun_path) - 1);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->ops = ops;
	m->ctx = ctx;
	m->lfd = -1;
	m->sun.sun_family = AF_UNIX;
	memcpy(m->sun.sun_path, path, strlen(path) + 1);
	for (unsigned i = 0; i < SGW_MGMT_MAX_CLIENTS; i++)
		m->c[i].fd = -1;
	if (make_parent(path, err, errlen) != 0 || clear_stale(&m->sun, err, errlen) != 0 ||
	    listen_on(m, err, errlen) != 0)
		goto err_free;
	return m;
err_free:
	if (m->lfd >= 0)
		close(m->lfd);
	free(m);
	return NULL;
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	*c = (struct client){ .fd = -1 };
}

void sgw_mgmt_destroy(struct sgw_mgmt *m)
{
	if (m == NULL)
		return;
	for (unsigned i = 0; i < SGW_MGMT_MAX_CLIENTS; i++)
		client_close(&m->c[i]);
	close(m->lfd);
	unlink(m->sun.sun_path);
	free(m);
}

int sgw_mgmt_fd(const struct sgw_mgmt *m)
{
	return m->lfd;
}

static void drop_out(struct client *c)
{
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
}

/* Write what the socket takes now; false if the client is gone (the rest of
 * the answer is dropped then). */
static bool flush_out(struct client *c, uint64_t now)
{
	while (c->out != NULL && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return true;
		if (n < 0) {
			drop_out(c);
			return false;
		}
		c->out_off += (size_t)n;
		c->last_ms = now;
	}
	drop_out(c);
	return true;
}

/* Queue one answer (a malloc'd JSON line without newline) and start sending. */
static void queue(struct client *c, char *resp, uint64_t now)
{
	size_t n;

	if (resp == NULL) {
		c->closing = true;
		return;
	}
	n = strlen(resp);
	resp[n] = '\n'; /* over the NUL: the buffer is sent by length */
	c->out = resp;
	c->out_len = n + 1;
	c->out_off = 0;
	if (!flush_out(c, now))
		c->closing = true;
}

static char *answer(struct sgw_mgmt *m, const char *line, size_t len)
{
	char *resp;
	bool ok = sgw_mgmt_handle(m->ops, m->ctx, line, len, &resp);

	(void)ok; /* a refusal is an answer too: it says why */
	return resp;
}

/* Answer complete lines while nothing is waiting to be written. */
static int serve_lines(struct sgw_mgmt *m, struct client *c, uint64_t now)
{
	int answered = 0;
	char *nl;

	while (c->out == NULL && answered < REQS_PER_POLL && c->in_len > 0 &&
	       (nl = memchr(c->in, '\n', c->in_len)) != NULL) {
		size_t len = (size_t)(nl - c->in);

		queue(c, answer(m, c->in, len > 0 && c->in[len - 1] == '\r' ? len - 1 : len), now);
		memmove(c->in, nl + 1, c->in_len - len - 1);
		c->in_len -= len + 1;
		answered++;
	}
	if (c->out != NULL || c->in_len == 0 || memchr(c->in, '\n', c->in_len) != NULL)
		return answered;
	/* A line that will never fit gets an error and the client is closed:
	 * there is no resynchronising in the middle of a request. A last line
	 * without newline before the peer's shutdown is answered as is. */
	if (c->in_len == SGW_MGMT_MAX_REQUEST)
		queue(c, error_response("request too large (max 65536 bytes per line)"), now);
	else if (c->closing)
		queue(c, answer(m, c->in, c->in_len), now);
	else
		return answered;
	c->in_len = 0;
	c->closing = true;
	return answered + 1;
}

static void read_in(struct client *c, uint64_t now)
{
	ssize_t n;

	if (c->in == NULL && (c->in = malloc(SGW_MGMT_MAX_REQUEST)) == NULL) {
		c->closing = true;
		return;
	}
	n = recv(c->fd, c->in + c->in_len, SGW_MGMT_MAX_REQUEST - c->in_len, MSG_DONTWAIT);
	if (n > 0) {
		c->in_len += (size_t)n;
		c->last_ms = now;
	} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		c->closing = true;
	}
}

static int serve(struct sgw_mgmt *m, struct client *c, short revents, uint64_t now)
{
	int answered;

	if (c->out != NULL && !flush_out(c, now))
		goto gone;
	if (c->out == NULL && !c->closing && c->in_len < SGW_MGMT_MAX_REQUEST &&
	    (revents & (POLLIN | POLLHUP | POLLERR)))
		read_in(c, now);
	answered = serve_lines(m, c, now);
	if ((c->closing && c->out == NULL && c->in_len == 0) ||
	    now - c->last_ms > SGW_MGMT_IDLE_MS)
		goto gone;
	return answered;
gone:
	client_close(c);
	return 0;
}

static void accept_clients(struct sgw_mgmt *m, uint64_t now)
{
	for (unsigned k = 0; k < ACCEPTS_PER_POLL; k++) {
		struct client *c = NULL;
		int fd = accept(m->lfd, NULL, NULL);

		if (fd < 0)
			return;
		for (unsigned i = 0; i < SGW_MGMT_MAX_CLIENTS && c == NULL; i++)
			if (m->c[i].fd < 0)
				c = &m->c[i];
		if (c == NULL || fcntl(fd, F_SETFL, O_NONBLOCK) != 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
			(void)!send(fd, busy_line, sizeof(busy_line) - 1,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		*c = (struct client){ .fd = fd, .last_ms = now };
	}
}

/* True if a client has a whole request waiting (left by REQS_PER_POLL). */
static bool pending(const struct client *c)
{
	return c->fd >= 0 && c->out == NULL && c->in_len > 0 &&
	       memchr(c->in, '\n', c->in_len) != NULL;
}

int sgw_mgmt_poll(struct sgw_mgmt *m, int timeout_ms)
{
	struct pollfd pfd[1 + SGW_MGMT_MAX_CLIENTS];
	struct client *who[1 + SGW_MGMT_MAX_CLIENTS];
	unsigned n = 1;
	int answered = 0;
	uint64_t now;

	pfd[0] = (struct pollfd){ .fd = m->lfd, .events = POLLIN };
	for (unsigned i = 0; i < SGW_MGMT_MAX_CLIENTS; i++) {
		struct client *c = &m->c[i];

		if (c->fd < 0)
			continue;
		if (pending(c))
			timeout_ms = 0;
		who[n] = c;
		pfd[n++] = (struct pollfd){ .fd = c->fd,
			.events = c->out != NULL ? POLLOUT : POLLIN };
	}
	if (poll(pfd, n, timeout_ms < 0 ? 0 : timeout_ms) < 0)
		return errno == EINTR ? 0 : -errno;
	now = now_ms();
	for (unsigned i = 1; i < n; i++)
		answered += serve(m, who[i], pfd[i].revents, now);
	if (pfd[0].revents & POLLIN)
		accept_clients(m, now);
	return answered;
}
