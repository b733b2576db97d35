/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The YAML configuration (control/config.h, docs/CONFIG.md).
 *
 * libfyaml builds the document (syntax, duplicate keys, nesting depth); we
 * walk its nodes with one table per mapping: each row names a key, the
 * function that parses its value, where the value goes and its bounds. Line
 * numbers come from the scalar tokens' start marks. After the walk, a table
 * of cross-field checks runs over the filled struct (overlaps, reservations,
 * next hops), each reporting the line of the field it blames.
 */
#include "control/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MSIZE(type, m) sizeof(((type *)0)->m)
/* A field of struct sgw_config. */
#define CF(m) offsetof(struct sgw_config, m), MSIZE(struct sgw_config, m)

enum {
	PATH_LEN = 160,
	/* Scalars and list elements whose line a cross check may need. */
	LINES_MAX = 96 + 2 * SGW_CONFIG_MAX_RESERVATIONS + 2 * SGW_CONFIG_MAX_VNET +
		    SGW_CONFIG_MAX_POOLS,
	MAX_FIELDS = 64,            /* rows per table: the "seen" bitmask */
};

struct ctx {
	const char *name;
	const char *text;           /* the file, for the raw text of a token */
	size_t len;
	char *err;
	size_t err_len;
	char path[PATH_LEN];
	size_t plen;
	int key_line;               /* 1-based line of the innermost key */
	struct {
		const void *p;
		int line;
	} lines[LINES_MAX];
	unsigned nlines;
};

struct field {
	const char *key;
	/* Parse v into base + off; 0 or -EINVAL (message written). */
	int (*parse)(struct ctx *c, struct fy_node *v, void *base, const struct field *f);
	size_t off, size;
	unsigned long min, max;     /* numbers; strings: max = capacity */
	const void *arg;            /* sub-table, names, list spec */
	const char *want;
	bool required;
};

struct name_val {
	const char *name;
	unsigned val;
};

/* A YAML sequence into an array with a count. */
struct list_spec {
	const struct field *elem;   /* off/size describe one element */
	size_t stride, count_off;
	unsigned max;
	bool nonempty;
};

/* --- messages and lines --- */

__attribute__((format(printf, 4, 5)))
static int failp(struct ctx *c, int line, const char *path, const char *fmt, ...)
{
	int n;
	va_list ap;

	if (c->err == NULL || c->err_len == 0)
		return -EINVAL;
	n = snprintf(c->err, c->err_len, "%s:%d: %s: ", c->name, line, path[0] ? path : "(top)");
	if (n >= 0 && (size_t)n < c->err_len) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->err_len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	/* One line, whatever the quoted text in it held. */
	for (char *p = c->err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -EINVAL;
}

/* 1-based line where a node starts: a scalar's token; a collection's first
 * scalar inside; else (empty, or no token) the key that holds it. */
static int node_line(const struct ctx *c, struct fy_node *n)
{
	const struct fy_mark *m = NULL;
	void *it = NULL;

	while (n != NULL && fy_node_get_type(n) != FYNT_SCALAR) {
		if (fy_node_get_type(n) == FYNT_MAPPING) {
			struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);

			n = p != NULL ? fy_node_pair_key(p) : NULL;
		} else {
			n = fy_node_sequence_iterate(n, &it);
		}
		it = NULL;
	}
	if (n != NULL && fy_node_get_scalar_token(n) != NULL)
		m = fy_token_start_mark(fy_node_get_scalar_token(n));
	return m != NULL ? m->line + 1 : c->key_line;
}

#define fail(c, n, ...) failp((c), node_line((c), (n)), (c)->path, __VA_ARGS__)

static void line_note(struct ctx *c, const void *p, int line)
{
	if (c->nlines < LINES_MAX) {
		c->lines[c->nlines].p = p;
		c->lines[c->nlines++].line = line;
	}
}

static int line_of(const struct ctx *c, const void *p)
{
	for (unsigned i = 0; i < c->nlines; i++)
		if (c->lines[i].p == p)
			return c->lines[i].line;
	return 1;
}

/* Path bookkeeping: push returns the old length to pop back to. */
static size_t push(struct ctx *c, const char *key, unsigned idx)
{
	size_t old = c->plen;
	int n = key != NULL ? snprintf(c->path + old, PATH_LEN - old, "%s%s", old ? "." : "", key) :
			      snprintf(c->path + old, PATH_LEN - old, "[%u]", idx);

	if (n > 0)
		c->plen = old + (size_t)n < PATH_LEN ? old + (size_t)n : PATH_LEN - 1;
	return old;
}

static void pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* --- scalars --- */

static const char *type_name(struct fy_node *v)
{
	if (v == NULL)
		return "nothing";
	if (fy_node_get_style(v) == FYNS_ALIAS)
		return "an alias (not supported)";
	switch (fy_node_get_type(v)) {
	case FYNT_MAPPING: return "a mapping";
	case FYNT_SEQUENCE: return "a list";
	default: return "a scalar";
	}
}

/* libfyaml 0.7.12 mis-reads two escaped quotes in a row inside a single-
 * quoted scalar ('a''''b' gives a''''b-ish text longer than it measured) and,
 * past 8 text chunks, leaks the chunk array on that error path (found by
 * fuzz_config; fixed upstream after 0.7.12 as "atom: Correctly handle streams
 * of single quoted single quotes" and "Call iter_finish on error in
 * fy_atom_format_text()"). The raw text between the outer quotes has only
 * ordinary characters and '' pairs, so four quotes in a row are two escaped
 * ones: refused before the text is asked for. */
static bool quote_run(const struct ctx *c, struct fy_node *v)
{
	struct fy_token *t = fy_node_get_scalar_token(v);
	const struct fy_mark *a = t != NULL ? fy_token_start_mark(t) : NULL;
	const struct fy_mark *b = t != NULL ? fy_token_end_mark(t) : NULL;
	unsigned run = 0;

	/* The marks span the text between the outer quotes. */
	if (fy_node_get_style(v) != FYNS_SINGLE_QUOTED || a == NULL || b == NULL ||
	    b->input_pos > c->len)
		return false;
	for (size_t i = a->input_pos; i < b->input_pos; i++) {
		run = c->text[i] == '\'' ? run + 1 : 0;
		if (run == 4)
			return true;
	}
	return false;
}

/* The text of a scalar, copied NUL-terminated into buf (cap bytes). */
static int scalar(struct ctx *c, struct fy_node *v, const struct field *f, char *buf, size_t cap)
{
	const char *s;
	size_t len = 0;

	if (v == NULL || fy_node_get_type(v) != FYNT_SCALAR)
		return fail(c, v, "got %s (want %s)", type_name(v), f->want);
	if (fy_node_get_style(v) == FYNS_ALIAS)
		return fail(c, v, "aliases are not supported (want %s)", f->want);
	if (fy_node_get_tag(v, NULL) != NULL)
		return fail(c, v, "tags are not supported (want %s)", f->want);
	if (quote_run(c, v))
		return fail(c, v, "two escaped quotes in a row ('''' in a single-quoted "
			    "value) are not supported (want %s)", f->want);
	s = fy_node_get_scalar(v, &len);
	if (s == NULL || len == 0)
		return fail(c, v, "empty value (want %s)", f->want);
	if (len >= cap)
		return fail(c, v, "longer than %zu characters (want %s)", cap - 1, f->want);
	if (memchr(s, '\0', len) != NULL)
		return fail(c, v, "contains a NUL character (want %s)", f->want);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

/* Numbers and booleans must be plain: "443" in quotes is a string. */
static int plain(struct ctx *c, struct fy_node *v, const struct field *f, char *buf, size_t cap)
{
	int rc = scalar(c, v, f, buf, cap);

	if (rc == 0 && fy_node_get_style(v) != FYNS_PLAIN)
		return fail(c, v, "\"%s\" is quoted, a string (want %s)", buf, f->want);
	return rc;
}

static void put(void *dst, size_t size, unsigned long v)
{
	switch (size) {
	case 1: *(uint8_t *)dst = (uint8_t)v; break;
	case 2: *(uint16_t *)dst = (uint16_t)v; break;
	case 4: *(uint32_t *)dst = (uint32_t)v; break;
	default: *(uint64_t *)dst = v; break;
	}
}

/* Decimal digits only, no sign; more than 10 digits reads as ULONG_MAX. */
static bool decimal(const char *s, unsigned long *v)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || s[n] != '\0')
		return false;
	*v = n > 10 ? ULONG_MAX : strtoul(s, NULL, 10);
	return true;
}

static int p_uint(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	char buf[32];
	unsigned long n;
	int rc = plain(c, v, f, buf, sizeof(buf));

	if (rc != 0)
		return rc;
	if (!decimal(buf, &n))
		return fail(c, v, "\"%s\" is not a whole number (want %s)", buf, f->want);
	if (n < f->min || n > f->max)
		return fail(c, v, "%s is out of range (want %s)", buf, f->want);
	put((char *)base + f->off, f->size, n);
	line_note(c, (char *)base + f->off, node_line(c, v));
	return 0;
}

/* YAML 1.2 core schema booleans only: "yes" and "on" are not booleans. */
static int p_bool(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	static const char *const t[] = { "true", "True", "TRUE" };
	static const char *const n[] = { "false", "False", "FALSE" };
	char buf[16];
	int rc = plain(c, v, f, buf, sizeof(buf));

	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		if (strcmp(buf, t[i]) == 0 || strcmp(buf, n[i]) == 0) {
			*(bool *)((char *)base + f->off) = strcmp(buf, t[i]) == 0;
			return 0;
		}
	}
	return fail(c, v, "\"%s\" is not a boolean (want %s)", buf, f->want);
}

static int p_enum(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	char buf[32];
	int rc = scalar(c, v, f, buf, sizeof(buf));

	if (rc != 0)
		return rc;
	for (const struct name_val *nv = f->arg; nv->name != NULL; nv++) {
		if (strcmp(buf, nv->name) == 0) {
			put((char *)base + f->off, f->size, nv->val);
			line_note(c, (char *)base + f->off, node_line(c, v));
			return 0;
		}
	}
	return fail(c, v, "unknown value \"%s\" (want %s)", buf, f->want);
}

/* Strings: f->arg, when set, is the set of characters allowed. */
static int p_str(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	char *dst = (char *)base + f->off;
	char buf[SGW_CONFIG_CIPHERS_MAX];
	int rc = scalar(c, v, f, buf, f->max < sizeof(buf) ? f->max : sizeof(buf));
	size_t ok;

	if (rc != 0)
		return rc;
	ok = f->arg != NULL ? strspn(buf, f->arg) : strlen(buf);
	for (size_t i = 0; f->arg == NULL && i < ok; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			ok = i;
	if (buf[ok] != '\0')
		return fail(c, v, "character %zu ('%c') is not allowed (want %s)", ok + 1,
			    (unsigned char)buf[ok] < 0x20 ? '?' : buf[ok], f->want);
	snprintf(dst, f->max, "%s", buf);
	line_note(c, dst, node_line(c, v));
	return 0;
}

static int p_abspath(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	int rc = p_str(c, v, base, f);

	if (rc == 0 && ((char *)base + f->off)[0] != '/')
		return fail(c, v, "not an absolute path (want %s)", f->want);
	return rc;
}

/* --- IPv4 --- */

static uint32_t mask_of(unsigned len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static bool in_prefix(uint32_t a, uint32_t net, unsigned len)
{
	return (a & mask_of(len)) == (net & mask_of(len));
}

static bool overlap(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
	unsigned len = alen < blen ? alen : blen;

	return in_prefix(a, b, len);
}

static bool overlap_p(const struct sgw_config_prefix *a, const struct sgw_config_prefix *b)
{
	return overlap(a->addr, a->len, b->addr, b->len);
}

/* What a host may use: not 0/8, loopback, multicast, class E, broadcast. */
static bool unicast(uint32_t a)
{
	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 28) < 0xe;
}

/* For pools and interfaces with room for both: the network or broadcast. */
static bool net_or_bcast(uint32_t a, unsigned len)
{
	return len <= 30 && ((a & ~mask_of(len)) == 0 || (a | mask_of(len)) == UINT32_MAX);
}

static bool addr_text(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*a = ntohl(in.s_addr);
	return true;
}

/* "a.b.c.d/len" */
static bool prefix_text(char *s, uint32_t *a, unsigned *len)
{
	char *slash = strchr(s, '/');
	unsigned long l;

	if (slash == NULL)
		return false;
	*slash = '\0';
	if (!addr_text(s, a) || !decimal(slash + 1, &l) || l > 32)
		return false;
	*len = (unsigned)l;
	return true;
}

static int p_addr(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	uint32_t *dst = (uint32_t *)((char *)base + f->off);
	char buf[32];
	int rc = scalar(c, v, f, buf, sizeof(buf));

	if (rc != 0)
		return rc;
	if (!addr_text(buf, dst))
		return fail(c, v, "\"%s\" is not an IPv4 address (want %s)", buf, f->want);
	if (!unicast(*dst))
		return fail(c, v, "%s is not a unicast host address (want %s)", buf, f->want);
	line_note(c, dst, node_line(c, v));
	return 0;
}

/* An interface address: host bits set, neither network nor broadcast. */
static int p_ifaddr(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	struct sgw_config_port *p = (struct sgw_config_port *)((char *)base + f->off);
	char buf[32];
	int rc = scalar(c, v, f, buf, sizeof(buf));

	if (rc != 0)
		return rc;
	if (!prefix_text(buf, &p->addr, &p->len) || p->len < f->min)
		return fail(c, v, "\"%s\" is not ADDRESS/LEN (want %s)", buf, f->want);
	if (!unicast(p->addr))
		return fail(c, v, "%s is not a unicast host address (want %s)", buf, f->want);
	if (net_or_bcast(p->addr, p->len))
		return fail(c, v, "%s/%u is the subnet's network or broadcast address (want %s)",
			    buf, p->len, f->want);
	line_note(c, &p->addr, node_line(c, v));
	return 0;
}

/* A network prefix: no host bits; f->min..f->max bound its length. */
static int p_prefix(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	struct sgw_config_prefix *p = (struct sgw_config_prefix *)((char *)base + f->off);
	char buf[32];
	int rc = scalar(c, v, f, buf, sizeof(buf));

	if (rc != 0)
		return rc;
	if (!prefix_text(buf, &p->addr, &p->len))
		return fail(c, v, "\"%s\" is not PREFIX/LEN (want %s)", buf, f->want);
	if (p->len < f->min || p->len > f->max)
		return fail(c, v, "/%u is out of range (want %s)", p->len, f->want);
	if ((p->addr & ~mask_of(p->len)) != 0)
		return fail(c, v, "%s has host bits set (want %s)", buf, f->want);
	if (p->len > 0 && ((p->addr >> 24) == 0 || (p->addr >> 28) >= 0xe))
		return fail(c, v, "%s is not a unicast range (want %s)", buf, f->want);
	line_note(c, p, node_line(c, v));
	return 0;
}

/* "host:port" (IPv4 literal), or false for no listener. */
static int p_listen(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	struct sgw_config *cfg = base;
	char buf[32];
	char *colon;
	unsigned long port;
	int rc = scalar(c, v, f, buf, sizeof(buf));

	if (rc != 0)
		return rc;
	cfg->management.metrics = strcmp(buf, "false") != 0 || fy_node_get_style(v) != FYNS_PLAIN;
	if (!cfg->management.metrics)
		return 0;
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return fail(c, v, "\"%s\" has no :PORT (want %s)", buf, f->want);
	*colon = '\0';
	if (!addr_text(buf, &cfg->management.metrics_addr) ||
	    (cfg->management.metrics_addr >> 28) >= 0xe)
		return fail(c, v, "\"%s\" is not an IPv4 address to listen on (want %s)", buf,
			    f->want);
	if (!decimal(colon + 1, &port) || port == 0 || port > 65535)
		return fail(c, v, "port \"%s\" is out of range (want %s)", colon + 1, f->want);
	cfg->management.metrics_port = (uint16_t)port;
	return 0;
}

/* TLS 1.3 suites by their RFC 8446 B.4 names: the AEADs our record layer has. */
static int p_suites(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	static const char *const known[] = {
		"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
		"TLS_CHACHA20_POLY1305_SHA256",
	};
	char buf[SGW_CONFIG_CIPHERS_MAX];
	char *save = NULL;
	int rc = p_str(c, v, base, f);

	if (rc != 0)
		return rc;
	snprintf(buf, sizeof(buf), "%s", (char *)base + f->off);
	for (char *s = strtok_r(buf, ":", &save); s != NULL; s = strtok_r(NULL, ":", &save)) {
		unsigned i = 0;

		while (i < ARRAY_SIZE(known) && strcmp(s, known[i]) != 0)
			i++;
		if (i == ARRAY_SIZE(known))
			return fail(c, v, "unknown suite \"%s\" (want %s)", s, f->want);
	}
	return 0;
}

/* --- collections --- */

static int p_map(struct ctx *c, struct fy_node *v, void *base, const struct field *f);

static const struct field *find(const struct field *t, const char *key, unsigned *idx)
{
	for (*idx = 0; t[*idx].key != NULL; (*idx)++)
		if (strcmp(t[*idx].key, key) == 0)
			return &t[*idx];
	return NULL;
}

static int unknown_key(struct ctx *c, struct fy_node *k, const char *key, const struct field *t)
{
	char keys[256] = "";
	size_t n = 0, old = push(c, key, 0);
	int rc;

	for (; t->key != NULL && n < sizeof(keys); t++)
		n += (size_t)snprintf(keys + n, sizeof(keys) - n, "%s%s", n ? ", " : "", t->key);
	rc = failp(c, node_line(c, k), c->path, "unknown key (want one of: %s)", keys);
	pop(c, old);
	return rc;
}

static int missing(struct ctx *c, const struct field *t, uint64_t seen)
{
	for (unsigned i = 0; t[i].key != NULL; i++) {
		if (t[i].required && !(seen & (UINT64_C(1) << i))) {
			size_t old = push(c, t[i].key, 0);
			int rc = failp(c, c->key_line, c->path, "missing (want %s)", t[i].want);

			pop(c, old);
			return rc;
		}
	}
	return 0;
}

/* One key: value pair of a mapping whose rows are t. */
static int pair(struct ctx *c, struct fy_node_pair *p, void *base, const struct field *t,
		uint64_t *seen)
{
	static const struct field key_field = { .want = "a plain key" };
	struct fy_node *k = fy_node_pair_key(p);
	const struct field *f;
	char key[64];
	unsigned idx;
	size_t old;
	int rc, line = c->key_line;

	rc = scalar(c, k, &key_field, key, sizeof(key));
	if (rc != 0)
		return rc;
	f = find(t, key, &idx);
	if (f == NULL)
		return unknown_key(c, k, key, t);
	*seen |= UINT64_C(1) << idx;
	old = push(c, key, 0);
	c->key_line = node_line(c, k);
	rc = f->parse(c, fy_node_pair_value(p), base, f);
	c->key_line = line;
	pop(c, old);
	return rc;
}

static int p_map(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	const struct field *t = f->arg;
	struct fy_node_pair *p;
	void *it = NULL;
	uint64_t seen = 0;
	int rc;

	if (v == NULL || fy_node_get_type(v) != FYNT_MAPPING)
		return fail(c, v, "got %s (want %s)", type_name(v), f->want);
	while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
		rc = pair(c, p, base, t, &seen);
		if (rc != 0)
			return rc;
	}
	return missing(c, t, seen);
}

static int p_list(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	const struct list_spec *ls = f->arg;
	unsigned *count = (unsigned *)((char *)base + ls->count_off);
	struct fy_node *item;
	void *it = NULL;
	unsigned i = 0;

	if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE)
		return fail(c, v, "got %s (want a list, %s)", type_name(v), f->want);
	if (ls->nonempty && fy_node_sequence_is_empty(v))
		return fail(c, v, "empty list (want at least one %s)", ls->elem->want);
	while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
		size_t old = push(c, NULL, i);
		int line = c->key_line, rc;

		/* An item has no key: its own first line stands in for one. */
		c->key_line = node_line(c, item);
		rc = i >= ls->max ?
			 fail(c, item, "more than %u entries (want %s)", ls->max, f->want) :
			 ls->elem->parse(c, item, (char *)base + f->off + i * ls->stride, ls->elem);
		c->key_line = line;
		pop(c, old);
		if (rc != 0)
			return rc;
		*count = ++i;
	}
	return 0;
}

/* sstp.hash: a list of names, ORed into the MS-SSTP bitmask. */
static int p_hash(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	static const struct name_val names[] = {
		{ "sha1", SGW_CONFIG_HASH_SHA1 }, { "sha256", SGW_CONFIG_HASH_SHA256 }, { NULL, 0 },
	};
	const struct field one = { .parse = p_enum, .size = 1, .arg = names, .want = f->want };
	uint8_t *mask = (uint8_t *)base + f->off, bit;
	struct fy_node *item;
	void *it = NULL;

	if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE)
		return fail(c, v, "got %s (want %s)", type_name(v), f->want);
	if (fy_node_sequence_is_empty(v))
		return fail(c, v, "empty list (want %s)", f->want);
	*mask = 0;
	while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
		int rc = p_enum(c, item, &bit, &one);

		if (rc != 0)
			return rc;
		if (*mask & bit)
			return fail(c, item, "listed twice (want %s)", f->want);
		*mask |= bit;
	}
	return 0;
}

/* engine.lcores: "0-4" or "0,2,4-6" (DPDK -l syntax) or a list of ids. */
static int lcore_add(struct ctx *c, struct fy_node *v, struct sgw_config *cfg,
		     unsigned long lo, unsigned long hi, const struct field *f)
{
	if (lo > hi || hi > SGW_CONFIG_MAX_LCORE_ID)
		return fail(c, v, "%lu-%lu is not a range of lcore ids (want %s)", lo, hi, f->want);
	for (unsigned long id = lo; id <= hi; id++) {
		for (unsigned i = 0; i < cfg->engine.nlcores; i++)
			if (cfg->engine.lcores[i] == id)
				return fail(c, v, "lcore %lu listed twice (want %s)", id, f->want);
		if (cfg->engine.nlcores >= SGW_CONFIG_MAX_LCORES)
			return fail(c, v, "more than %d lcores (want %s)", SGW_CONFIG_MAX_LCORES,
				    f->want);
		cfg->engine.lcores[cfg->engine.nlcores++] = (uint16_t)id;
	}
	return 0;
}

static int lcores_text(struct ctx *c, struct fy_node *v, struct sgw_config *cfg,
		       const struct field *f)
{
	char buf[128];
	char *save = NULL;
	int rc = scalar(c, v, f, buf, sizeof(buf));

	for (char *s = rc ? NULL : strtok_r(buf, ",", &save); s != NULL && rc == 0;
	     s = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(s, '-');
		unsigned long lo, hi;

		if (dash != NULL)
			*dash = '\0';
		if (!decimal(s, &lo) || (dash != NULL && !decimal(dash + 1, &hi)))
			return fail(c, v, "\"%s\" is not an lcore id or range (want %s)", s,
				    f->want);
		rc = lcore_add(c, v, cfg, lo, dash != NULL ? hi : lo, f);
	}
	return rc;
}

static int p_lcores(struct ctx *c, struct fy_node *v, void *base, const struct field *f)
{
	struct sgw_config *cfg = base;
	const struct field id = { .parse = p_uint, .size = sizeof(unsigned long),
				  .max = SGW_CONFIG_MAX_LCORE_ID, .want = f->want };
	struct fy_node *item;
	void *it = NULL;
	unsigned long n;
	int rc = 0;

	line_note(c, cfg->engine.lcores, node_line(c, v));
	if (v == NULL || fy_node_get_type(v) != FYNT_SEQUENCE)
		return lcores_text(c, v, cfg, f);
	while (rc == 0 && (item = fy_node_sequence_iterate(v, &it)) != NULL) {
		rc = p_uint(c, item, &n, &id);
		rc = rc ? rc : lcore_add(c, item, cfg, n, n, f);
	}
	return rc;
}

/* --- the tables --- */

#define ROW(k, fn, m, lo, hi, arg, want, req) { k, fn, CF(m), lo, hi, arg, want, req }
#define MAP(k, t, want, req) { k, p_map, 0, 0, 0, 0, t, want, req }
#define END { NULL, NULL, 0, 0, 0, 0, NULL, NULL, false }

#define DEVICE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.,:=/"
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define CIPHER_CHARS NAME_CHARS ":+!@=,. "
#define W_DEVICE "a DPDK device: a vdev such as net_tap0,iface=sgwout0, or a PCI address"
#define W_IFADDR "the gateway's ADDRESS/LEN on this port, e.g. 10.0.0.2/24"
#define W_PATH "a file path"
#define W_SUITES "TLS 1.3 suites separated by ':' from TLS_AES_128_GCM_SHA256, " \
	"TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256"

static const struct name_val aead_names[] = {
	{ "auto", SGW_CONFIG_AEAD_AUTO }, { "evp", SGW_CONFIG_AEAD_EVP },
	{ "ipsec-mb", SGW_CONFIG_AEAD_IPSEC_MB }, { NULL, 0 },
};
static const struct name_val tls_names[] = {
	{ "1.2", SGW_CONFIG_TLS_1_2 }, { "1.3", SGW_CONFIG_TLS_1_3 }, { NULL, 0 },
};
static const struct name_val level_names[] = {
	{ "emerg", SGW_CONFIG_LOG_EMERG }, { "alert", SGW_CONFIG_LOG_ALERT },
	{ "crit", SGW_CONFIG_LOG_CRIT }, { "error", SGW_CONFIG_LOG_ERR },
	{ "warning", SGW_CONFIG_LOG_WARNING }, { "notice", SGW_CONFIG_LOG_NOTICE },
	{ "info", SGW_CONFIG_LOG_INFO }, { "debug", SGW_CONFIG_LOG_DEBUG }, { NULL, 0 },
};

static const struct field outer_t[] = {
	ROW("device", p_str, ports.outer.device, 0, SGW_CONFIG_DEVICE_MAX, DEVICE_CHARS,
	    W_DEVICE, true),
	ROW("address", p_ifaddr, ports.outer, 1, 32, NULL, W_IFADDR, true),
	ROW("gateway", p_addr, ports.outer.gateway, 0, 0, NULL,
	    "an IPv4 next hop on the outer subnet", false),
	END,
};
static const struct field inner_t[] = {
	ROW("device", p_str, ports.inner.device, 0, SGW_CONFIG_DEVICE_MAX, DEVICE_CHARS,
	    W_DEVICE, true),
	ROW("address", p_ifaddr, ports.inner, 1, 32, NULL, W_IFADDR, true),
	END,
};
static const struct field ports_t[] = {
	MAP("outer", outer_t, "a mapping: device, address, gateway", true),
	MAP("inner", inner_t, "a mapping: device, address", true),
	END,
};

static const struct field engine_t[] = {
	ROW("workers", p_uint, engine.workers, 1, SGW_CONFIG_MAX_WORKERS, NULL, "1..16", false),
	ROW("lcores", p_lcores, engine, 0, 0, NULL,
	    "lcore ids 0..127 as \"0-2\", \"0,2,4\" or a list, the main lcore first", false),
	ROW("queues", p_uint, engine.queues, 1, SGW_CONFIG_MAX_WORKERS, NULL, "1..16", false),
	ROW("huge", p_bool, engine.huge, 0, 0, NULL, "true or false", false),
	ROW("mem_mb", p_uint, engine.mem_mb, 64, 1 << 20, NULL, "64..1048576 megabytes", false),
	ROW("mbufs", p_uint, engine.mbufs, 1024, 1 << 24, NULL, "1024..16777216", false),
	ROW("file_prefix", p_str, engine.file_prefix, 0, SGW_CONFIG_FILE_PREFIX_MAX, NAME_CHARS,
	    "up to 31 letters, digits, '_' or '-'", false),
	ROW("aead", p_enum, engine.aead, 0, 0, aead_names, "auto, evp or ipsec-mb", false),
	END,
};

static const struct field tls_t[] = {
	ROW("min_version", p_enum, tls.min_version, 0, 0, tls_names, "1.2 or 1.3", false),
	ROW("max_version", p_enum, tls.max_version, 0, 0, tls_names, "1.2 or 1.3", false),
	ROW("ciphersuites", p_suites, tls.ciphersuites, 0, SGW_CONFIG_CIPHERS_MAX,
	    NAME_CHARS ":", W_SUITES, false),
	ROW("ciphers", p_str, tls.ciphers, 0, SGW_CONFIG_CIPHERS_MAX, CIPHER_CHARS,
	    "an OpenSSL TLS 1.2 cipher list, e.g. ECDHE+AESGCM:ECDHE+CHACHA20", false),
	ROW("cert", p_str, tls.cert, 0, SGW_CONFIG_PATH_MAX, NULL,
	    "the server certificate chain (PEM file path)", true),
	ROW("key", p_str, tls.key, 0, SGW_CONFIG_PATH_MAX, NULL,
	    "the server private key (PEM file path)", true),
	END,
};

static const struct field sstp_t[] = {
	ROW("hash", p_hash, sstp.hash, 0, 0, NULL, "a list of sha1, sha256", false),
	ROW("hello_interval_s", p_uint, sstp.hello_interval_s, 5, 3600, NULL, "5..3600 seconds",
	    false),
	ROW("negotiation_timeout_s", p_uint, sstp.negotiation_timeout_s, 5, 300, NULL,
	    "5..300 seconds", false),
	ROW("handshake_timeout_s", p_uint, sstp.handshake_timeout_s, 1, 300, NULL,
	    "1..300 seconds", false),
	END,
};

#define RF(m) offsetof(struct sgw_config_reservation, m), \
	MSIZE(struct sgw_config_reservation, m)
static const struct field reservation_t[] = {
	{ "cn", p_str, RF(cn), 0, SGW_CONFIG_CN_MAX, NULL,
	  "the client certificate's subject CN", true },
	{ "address", p_addr, RF(addr), 0, 0, NULL, "an IPv4 address inside a pool", true },
	END,
};
static const struct field reservation_f = {
	"reservation", p_map, 0, 0, 0, 0, reservation_t, "a mapping: cn, address", false,
};
static const struct field pool_f = {
	"pool", p_prefix, 0, sizeof(struct sgw_config_prefix), SGW_CONFIG_POOL_MIN_LEN,
	SGW_CONFIG_POOL_MAX_LEN, NULL, "PREFIX/LEN, /16 to /30, e.g. 172.16.201.0/24", false,
};
static const struct field server_f = {
	"server", p_addr, 0, sizeof(uint32_t), 0, 0, NULL, "an IPv4 address", false,
};
static const struct list_spec pools_l = {
	&pool_f, sizeof(struct sgw_config_prefix), offsetof(struct sgw_config, clients.npools),
	SGW_CONFIG_MAX_POOLS, true,
};
static const struct list_spec reservations_l = {
	&reservation_f, sizeof(struct sgw_config_reservation),
	offsetof(struct sgw_config, clients.nreservations), SGW_CONFIG_MAX_RESERVATIONS, false,
};
static const struct list_spec dns_l = {
	&server_f, sizeof(uint32_t), offsetof(struct sgw_config, clients.ndns),
	SGW_CONFIG_MAX_DNS, false,
};
static const struct list_spec nbns_l = {
	&server_f, sizeof(uint32_t), offsetof(struct sgw_config, clients.nnbns),
	SGW_CONFIG_MAX_NBNS, false,
};
static const struct field clients_t[] = {
	ROW("pools", p_list, clients.pools, 0, 0, &pools_l,
	    "at most 8 pools, PREFIX/LEN /16../30", true),
	ROW("reservations", p_list, clients.reservations, 0, 0, &reservations_l,
	    "at most 256 reservations", false),
	ROW("dns", p_list, clients.dns, 0, 0, &dns_l, "at most 2 DNS servers", false),
	ROW("nbns", p_list, clients.nbns, 0, 0, &nbns_l, "at most 2 NBNS servers", false),
	ROW("tunnel_mtu", p_uint, clients.tunnel_mtu, SGW_PPP_MIN_MRU, SGW_PPP_MAX_MRU, NULL,
	    "576..4087", false),
	ROW("tunnel_address", p_addr, clients.tunnel_address, 0, 0, NULL,
	    "an IPv4 address inside a pool", false),
	ROW("client_to_client", p_bool, clients.client_to_client, 0, 0, NULL, "true or false",
	    false),
	END,
};

#define VF(m) offsetof(struct sgw_config_vnet, m), MSIZE(struct sgw_config_vnet, m)
static const struct field vnet_t[] = {
	{ "prefix", p_prefix, VF(prefix), 0, 32, NULL, "PREFIX/LEN, e.g. 192.168.0.0/16",
	  true },
	{ "via", p_addr, VF(via), 0, 0, NULL, "an IPv4 next hop on the inner subnet", false },
	END,
};
static const struct field vnet_f = {
	"route", p_map, 0, 0, 0, 0, vnet_t, "a mapping: prefix, via", false,
};

static const struct field trust_t[] = {
	ROW("roots_dir", p_str, trust.roots_dir, 0, SGW_CONFIG_PATH_MAX, NULL,
	    "the directory of trusted client roots (.cer/.crt/.pem)", true),
	ROW("max_roots", p_uint, trust.max_roots, 1, SGW_CONFIG_MAX_ROOTS, NULL, "1..100", false),
	ROW("revoked_file", p_str, trust.revoked_file, 0, SGW_CONFIG_PATH_MAX, NULL, W_PATH,
	    false),
	END,
};

static const struct field limits_t[] = {
	ROW("max_sessions", p_uint, limits.max_sessions, 1, SGW_CONFIG_MAX_SESSIONS, NULL,
	    "1..1000000", false),
	ROW("max_half_open", p_uint, limits.max_half_open, 1, SGW_CONFIG_MAX_HALF_OPEN, NULL,
	    "1..1000000", false),
	ROW("max_pending_per_source", p_uint, limits.max_pending_per_source, 0,
	    SGW_CONFIG_MAX_SESSIONS, NULL, "0 (no limit)..1000000", false),
	ROW("session_buffers", p_uint, limits.session_buffers, 0, 4 * SGW_CONFIG_MAX_SESSIONS,
	    NULL, "0 (2 x sessions per worker + 64)..4000000", false),
	ROW("session_tx_buf", p_uint, limits.session_tx_buf, SGW_CONFIG_MIN_TX_BUF,
	    SGW_CONFIG_MAX_SESSION_BUF, NULL, "20741..1048576 bytes", false),
	ROW("session_rx_buf", p_uint, limits.session_rx_buf, SGW_CONFIG_MIN_RX_BUF,
	    SGW_CONFIG_MAX_SESSION_BUF, NULL, "16645..1048576 bytes", false),
	END,
};

static const struct field management_t[] = {
	ROW("socket", p_abspath, management.socket, 0, SGW_CONFIG_SOCKET_MAX, NULL,
	    "an absolute path of at most 107 characters", false),
	{ "metrics", p_listen, 0, 0, 0, 0, NULL, "HOST:PORT, e.g. 127.0.0.1:9469, or false",
	  false },
	ROW("server_name", p_str, management.server_name, 0, SGW_CONFIG_NAME_MAX, NULL,
	    "a DNS name", false),
	ROW("server_ca", p_str, management.server_ca, 0, SGW_CONFIG_PATH_MAX, NULL,
	    "a file path", false),
	ROW("packages_dir", p_str, management.packages_dir, 0, SGW_CONFIG_PATH_MAX, NULL,
	    "a folder path", false),
	END,
};

static const struct field log_t[] = {
	ROW("level", p_enum, log.level, 0, 0, level_names,
	    "emerg, alert, crit, error, warning, notice, info or debug", false),
	END,
};

static const struct list_spec vnet_top_l = {
	&vnet_f, sizeof(struct sgw_config_vnet), offsetof(struct sgw_config, nvnet),
	SGW_CONFIG_MAX_VNET, false,
};

static const struct field top_t[] = {
	MAP("ports", ports_t, "a mapping: outer, inner", true),
	MAP("engine", engine_t, "a mapping of engine settings", false),
	ROW("listen_port", p_uint, listen_port, 1, 65535, NULL, "1..65535", false),
	MAP("tls", tls_t, "a mapping: cert, key, versions, ciphers", true),
	MAP("sstp", sstp_t, "a mapping of SSTP settings", false),
	MAP("clients", clients_t, "a mapping: pools, reservations, dns, ...", true),
	ROW("vnet", p_list, vnet, 0, 0, &vnet_top_l, "at most 63 VNet routes", false),
	MAP("trust", trust_t, "a mapping: roots_dir, max_roots, revoked_file", true),
	MAP("limits", limits_t, "a mapping of limits", false),
	MAP("management", management_t,
	    "a mapping: socket, metrics, server_name, server_ca, packages_dir", false),
	MAP("log", log_t, "a mapping: level", false),
	END,
};
/* pair() marks keys seen in a 64-bit mask. */
_Static_assert(ARRAY_SIZE(top_t) <= MAX_FIELDS && ARRAY_SIZE(engine_t) <= MAX_FIELDS &&
	       ARRAY_SIZE(clients_t) <= MAX_FIELDS, "a table has more rows than the seen mask");

static const struct field top_f = {
	"", p_map, 0, 0, 0, 0, top_t, "a mapping of sections (ports, tls, clients, trust, ...)",
	true,
};

/* --- checks across fields --- */

/* Message for the field at p, with a path built from fmt. */
__attribute__((format(printf, 4, 5)))
static int blame(struct ctx *c, const void *p, const char *msg, const char *fmt, ...)
{
	char path[PATH_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return failp(c, line_of(c, p), path, "%s", msg);
}

static int check_ports(struct ctx *c, struct sgw_config *cfg)
{
	const struct sgw_config_port *o = &cfg->ports.outer, *in = &cfg->ports.inner;

	if (o->gateway != 0 && (!in_prefix(o->gateway, o->addr, o->len) || o->gateway == o->addr))
		return blame(c, &o->gateway, "not another host on the outer subnet (want a "
			     "next hop inside ports.outer.address's subnet)",
			     "ports.outer.gateway");
	if (overlap(o->addr, o->len, in->addr, in->len))
		return blame(c, &in->addr, "its subnet overlaps the outer port's "
			     "(want separate subnets)", "ports.inner.address");
	return 0;
}

static int check_engine(struct ctx *c, struct sgw_config *cfg)
{
	char msg[160];

	if (cfg->engine.queues == 0)
		cfg->engine.queues = cfg->engine.workers;
	if (cfg->engine.queues < cfg->engine.workers)
		return blame(c, &cfg->engine.queues, "fewer queues than workers "
			     "(want at least engine.workers)", "engine.queues");
	if (cfg->engine.nlcores == 0 || cfg->engine.nlcores == cfg->engine.workers + 1)
		return 0;
	snprintf(msg, sizeof(msg), "%u lcores for %u workers (want %u: the main lcore, then "
		 "one per worker)", cfg->engine.nlcores, cfg->engine.workers,
		 cfg->engine.workers + 1);
	return blame(c, cfg->engine.lcores, msg, "engine.lcores");
}

static int check_tls(struct ctx *c, struct sgw_config *cfg)
{
	/* Both defaults agree, so both were given: blame the later one. */
	if (cfg->tls.min_version <= cfg->tls.max_version)
		return 0;
	return blame(c, &cfg->tls.max_version, "below min_version (want max_version >= "
		     "min_version)", "tls.max_version");
}

static int pool_of(const struct sgw_config *cfg, uint32_t a)
{
	for (unsigned i = 0; i < cfg->clients.npools; i++)
		if (in_prefix(a, cfg->clients.pools[i].addr, cfg->clients.pools[i].len))
			return (int)i;
	return -1;
}

/* Inside a pool, and neither that pool's network nor its broadcast address. */
static bool pool_host(const struct sgw_config *cfg, uint32_t a)
{
	int i = pool_of(cfg, a);

	return i >= 0 && !net_or_bcast(a, cfg->clients.pools[i].len);
}

static int check_pools(struct ctx *c, struct sgw_config *cfg)
{
	const struct sgw_config_port *o = &cfg->ports.outer, *in = &cfg->ports.inner;

	for (unsigned i = 0; i < cfg->clients.npools; i++) {
		const struct sgw_config_prefix *p = &cfg->clients.pools[i];

		for (unsigned j = 0; j < i; j++)
			if (overlap_p(p, &cfg->clients.pools[j]))
				return blame(c, p, "overlaps an earlier pool (want disjoint pools)",
					     "clients.pools[%u]", i);
		if (overlap(p->addr, p->len, o->addr, o->len) ||
		    overlap(p->addr, p->len, in->addr, in->len))
			return blame(c, p, "overlaps a port's subnet (want a range of its own)",
				     "clients.pools[%u]", i);
		for (unsigned j = 0; j < cfg->nvnet; j++)
			if (overlap_p(p, &cfg->vnet[j].prefix))
				return blame(c, p, "overlaps a VNet prefix (want disjoint from "
					     "vnet)", "clients.pools[%u]", i);
	}
	return 0;
}

static int check_tunnel(struct ctx *c, struct sgw_config *cfg)
{
	uint32_t *t = &cfg->clients.tunnel_address;

	if (*t == 0) {
		*t = cfg->clients.pools[0].addr + 1;    /* the first usable address */
		return 0;
	}
	if (!pool_host(cfg, *t))
		return blame(c, t, "not a host address of any pool (want an address inside "
			     "clients.pools)", "clients.tunnel_address");
	return 0;
}

static int check_reservation(struct ctx *c, struct sgw_config *cfg, unsigned i)
{
	const struct sgw_config_reservation *r = cfg->clients.reservations;

	if (!pool_host(cfg, r[i].addr))
		return blame(c, &r[i].addr, "not a host address of any pool (want an address "
			     "inside clients.pools)", "clients.reservations[%u].address", i);
	if (r[i].addr == cfg->clients.tunnel_address)
		return blame(c, &r[i].addr, "the gateway's tunnel address (want another address)",
			     "clients.reservations[%u].address", i);
	for (unsigned j = 0; j < i; j++) {
		if (r[j].addr == r[i].addr)
			return blame(c, &r[i].addr, "reserved twice (want one CN per address)",
				     "clients.reservations[%u].address", i);
		if (strcmp(r[j].cn, r[i].cn) == 0)
			return blame(c, r[i].cn, "reserved twice (want one address per CN)",
				     "clients.reservations[%u].cn", i);
	}
	return 0;
}

static int check_reservations(struct ctx *c, struct sgw_config *cfg)
{
	for (unsigned i = 0; i < cfg->clients.nreservations; i++) {
		int rc = check_reservation(c, cfg, i);

		if (rc != 0)
			return rc;
	}
	return 0;
}

static int check_vnet(struct ctx *c, struct sgw_config *cfg)
{
	const struct sgw_config_port *in = &cfg->ports.inner;

	for (unsigned i = 0; i < cfg->nvnet; i++) {
		const struct sgw_config_vnet *v = &cfg->vnet[i];

		if (v->via != 0 && (!in_prefix(v->via, in->addr, in->len) || v->via == in->addr))
			return blame(c, &v->via, "not another host on the inner subnet (want a "
				     "next hop inside ports.inner.address's subnet)",
				     "vnet[%u].via", i);
		for (unsigned j = 0; j < i; j++)
			if (cfg->vnet[j].prefix.addr == v->prefix.addr &&
			    cfg->vnet[j].prefix.len == v->prefix.len)
				return blame(c, &v->prefix, "listed twice (want each prefix once)",
					     "vnet[%u].prefix", i);
	}
	return 0;
}

static int check(struct ctx *c, struct sgw_config *cfg)
{
	static int (*const checks[])(struct ctx *, struct sgw_config *) = {
		check_ports, check_engine, check_tls, check_vnet, check_pools, check_tunnel,
		check_reservations,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(checks); i++) {
		int rc = checks[i](c, cfg);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/* --- entry points --- */

void sgw_config_defaults(struct sgw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->engine.workers = 1;
	cfg->engine.mem_mb = 512;
	snprintf(cfg->engine.file_prefix, sizeof(cfg->engine.file_prefix), "sstpgw");
	cfg->engine.aead = SGW_CONFIG_AEAD_AUTO;
	cfg->listen_port = 443;
	cfg->tls.min_version = SGW_CONFIG_TLS_1_2;
	cfg->tls.max_version = SGW_CONFIG_TLS_1_3;
	cfg->sstp.hash = SGW_CONFIG_HASH_SHA1 | SGW_CONFIG_HASH_SHA256;
	cfg->sstp.hello_interval_s = SGW_SSTP_HELLO_MS / 1000;
	cfg->sstp.negotiation_timeout_s = SGW_SSTP_NEGOTIATION_MS / 1000;
	cfg->sstp.handshake_timeout_s = SGW_SSTP_NEGOTIATION_MS / 1000;
	cfg->clients.tunnel_mtu = SGW_DEFAULT_TUNNEL_MTU;
	cfg->trust.max_roots = SGW_TRUST_DEFAULT_MAX_ROOTS;
	cfg->limits.max_sessions = SGW_DEFAULT_MAX_SESSIONS;
	cfg->limits.max_half_open = SGW_CONFIG_DEFAULT_HALF_OPEN;
	cfg->limits.session_tx_buf = SGW_SESSION_TX_BUF;
	cfg->limits.session_rx_buf = SGW_SESSION_RX_BUF;
	snprintf(cfg->management.socket, sizeof(cfg->management.socket), "/run/sstpgw/mgmt.sock");
	cfg->management.metrics = true;
	cfg->management.metrics_addr = UINT32_C(0x7f000001);
	cfg->management.metrics_port = SGW_CONFIG_DEFAULT_METRICS_PORT;
	cfg->log.level = SGW_CONFIG_LOG_INFO;
}

/* Collected diagnostics only: libfyaml prints nothing. */
static void quiet(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag, (void)user, (void)buf, (void)len;
}

static int yaml_error(struct ctx *c, struct fy_diag *diag)
{
	void *it = NULL;
	struct fy_diag_error *e = diag != NULL ? fy_diag_errors_iterate(diag, &it) : NULL;

	if (e == NULL)
		return failp(c, 1, "yaml", "cannot parse (want valid YAML)");
	return failp(c, e->line > 0 ? e->line : 1, "yaml", "%s (want valid YAML, each key once "
		     "per mapping)", e->msg != NULL ? e->msg : "syntax error");
}

/* Bytes of the UTF-8 sequence at s (RFC 3629 4: no overlongs, surrogates or
 * code points past U+10FFFF), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned char b = s[0];
	size_t n = b < 0x80 ? 1 : b < 0xc2 ? 0 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf5 ? 4 : 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (n == 0 || n > left)
		return 0;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < n; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi)
			return 0;
	return n;
}

/* YAML 1.2 5.1-5.2: the text is printable Unicode; ours is UTF-8. Checked
 * before libfyaml sees it: 0.7.12 loops forever on a '%' directive followed
 * by a byte that is not UTF-8 (found by fuzz_config). */
static int text_check(struct ctx *c, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	int line = 1;

	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_len(s + i, len - i);
		if (n == 0 || (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') ||
		    s[i] == 0x7f)
			return failp(c, line, "yaml", "byte %zu (0x%02x) is not printable UTF-8 "
				     "(want a UTF-8 text file)", i + 1, s[i]);
		line += s[i] == '\n';
	}
	return 0;
}

/* The one document of the stream, or NULL with the error written. */
static struct fy_document *load(struct ctx *c, struct fy_parser *fyp, struct fy_diag *diag,
				bool *empty)
{
	struct fy_document *doc = fy_parse_load_document(fyp), *more;

	*empty = doc == NULL && !fy_diag_got_error(diag);
	if (doc == NULL) {
		if (!*empty)
			yaml_error(c, diag);
		return NULL;
	}
	more = fy_parse_load_document(fyp);
	if (more == NULL && !fy_diag_got_error(diag))
		return doc;
	if (more != NULL) {
		const struct fy_mark *m =
			fy_document_state_start_mark(fy_document_get_document_state(more));

		failp(c, m != NULL ? m->line + 1 : 1, "yaml",
		      "a second document (want one YAML document)");
		fy_parse_document_destroy(fyp, more);
	} else {
		yaml_error(c, diag);
	}
	fy_parse_document_destroy(fyp, doc);
	return NULL;
}

static int walk(struct ctx *c, const char *text, size_t len, struct sgw_config *cfg)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg = { .flags = FYPCF_QUIET | FYPCF_JSON_NONE };
	struct fy_diag *diag;
	struct fy_parser *fyp = NULL;
	struct fy_document *doc = NULL;
	struct fy_node *root;
	bool empty = false;
	int rc = -ENOMEM;

	rc = text_check(c, text != NULL ? text : "", len);
	if (rc != 0)
		return rc;
	c->text = text != NULL ? text : "";
	c->len = len;
	rc = -ENOMEM;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = quiet;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (diag == NULL)
		goto out;
	fy_diag_set_collect_errors(diag, true);
	pcfg.diag = diag;
	fyp = fy_parser_create(&pcfg);
	if (fyp == NULL || fy_parser_set_string(fyp, text != NULL ? text : "", len) != 0)
		goto out;
	doc = load(c, fyp, diag, &empty);
	if (doc == NULL && !empty) {
		rc = -EINVAL;
		goto out;
	}
	/* An empty file is an empty mapping: the first missing section says so. */
	root = doc != NULL ? fy_document_root(doc) : NULL;
	rc = root != NULL ? p_map(c, root, cfg, &top_f) : missing(c, top_t, 0);
	rc = rc ? rc : check(c, cfg);
out:
	if (rc == -ENOMEM)
		failp(c, 1, "yaml", "out of memory");
	if (doc != NULL)
		fy_parse_document_destroy(fyp, doc);
	if (fyp != NULL)
		fy_parser_destroy(fyp);
	if (diag != NULL)
		fy_diag_destroy(diag);
	return rc;
}

int sgw_config_parse(const char *text, size_t len, const char *name, struct sgw_config *out,
		     char *err, size_t err_len)
{
	struct sgw_config *cfg = malloc(sizeof(*cfg));
	struct ctx *c = calloc(1, sizeof(*c));
	int rc = -ENOMEM;

	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (c == NULL || cfg == NULL) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s: out of memory", name);
		goto out;
	}
	if (text == NULL)
		len = 0;
	c->name = name != NULL ? name : "config";
	c->err = err;
	c->err_len = err_len;
	c->key_line = 1;
	if (len > SGW_CONFIG_MAX_FILE) {
		rc = failp(c, 1, "yaml", "%zu bytes (want at most %d)", len, SGW_CONFIG_MAX_FILE);
		goto out;
	}
	sgw_config_defaults(cfg);
	rc = walk(c, text, len, cfg);
	if (rc == 0)
		*out = *cfg;
out:
	free(c);
	free(cfg);
	return rc;
}

int sgw_config_load(const char *path, struct sgw_config *out, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;
	int rc;

	if (f == NULL) {
		rc = -errno;
		snprintf(err, err_len, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	buf = malloc(SGW_CONFIG_MAX_FILE + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		snprintf(err, err_len, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, SGW_CONFIG_MAX_FILE + 1, f);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, err_len, "%s: read error", path);
		goto out;
	}
	rc = sgw_config_parse(buf, n, path, out, err, err_len);
out:
	free(buf);
	fclose(f);
	return rc;
}
