/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/mgmt.c and control/metrics.c: a table of requests against fake
 * ops, the settings round trip, the Unix socket server driven from this
 * thread (several clients, garbage, a stalled one, too many), and the
 * metrics endpoint on 127.0.0.1 (loopback only) fetched with a plain socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/metrics.h"
#include "control/mgmt.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* ------------------------------------------------------------------ */
/* Fake gateway                                                        */
/* ------------------------------------------------------------------ */

struct fake {
	uint64_t disconnected;
	uint8_t der[64];
	size_t der_len;
	char root_name[64];
	uint8_t revoked[20];
	char note[SGW_MGMT_NOTE_MAX];
	int revoked_adds;
};

static const uint8_t tp_a[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
				  7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static int f_status(void *ctx, struct sgw_mgmt_status *st)
{
	(void)ctx;
	snprintf(st->version, sizeof(st->version), "0.1.0-test");
	st->uptime_s = 3723;
	st->workers = 2;
	st->sessions = 3;
	st->sessions_max = 1000;
	st->pool_used = 3;
	st->pool_size = 253;
	st->roots = 1;
	st->revoked = 1;
	return 0;
}

static int f_settings(void *ctx, struct sgw_mgmt_settings *s)
{
	(void)ctx;
	snprintf(s->server_name, sizeof(s->server_name), "vpn.example.com");
	s->port = 443;
	s->outer_addr = A(192, 0, 2, 10);
	snprintf(s->ca_cert_path, sizeof(s->ca_cert_path), "/etc/sstpgw/ca.crt");
	s->dns[0] = A(10, 0, 0, 53);
	s->n_vnet = 2;
	s->vnet[0] = (struct sgw_mgmt_prefix){ A(10, 0, 0, 0), 8 };
	s->vnet[1] = (struct sgw_mgmt_prefix){ A(192, 168, 50, 0), 24 };
	s->n_pool = 1;
	s->pool[0] = (struct sgw_mgmt_prefix){ A(172, 16, 201, 0), 24 };
	s->mtu = 1400;
	return 0;
}

static void fill_session(struct sgw_mgmt_session *s, uint64_t id, const char *cn,
			 unsigned worker, uint32_t addr)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	snprintf(s->cn, sizeof(s->cn), "%s", cn);
	memcpy(s->thumbprint, tp_a, sizeof(tp_a));
	s->has_thumbprint = true;
	s->client_addr = A(203, 0, 113, (uint8_t)id);
	s->client_port = (uint16_t)(40000 + id);
	s->assigned_addr = addr;
	s->worker = worker;
	snprintf(s->tls_version, sizeof(s->tls_version), "TLSv1.3");
	snprintf(s->cipher, sizeof(s->cipher), "TLS_AES_256_GCM_SHA384");
	s->bytes_rx = 1000 * id;
	s->state = SGW_MGMT_SESS_ESTABLISHED;
}

static int f_sessions(void *ctx, sgw_mgmt_session_fn emit, void *ectx)
{
	struct sgw_mgmt_session s;
	int rc;

	(void)ctx;
	fill_session(&s, 1, "alice", 0, A(172, 16, 201, 2));
	if ((rc = emit(ectx, &s)) != 0)
		return rc;
	fill_session(&s, 2, "bob", 1, A(172, 16, 201, 3));
	if ((rc = emit(ectx, &s)) != 0)
		return rc;
	/* Not UTF-8, not terminated: must come out as '?' and stay in bounds. */
	fill_session(&s, 3, "", 1, 0);
	memset(s.cn, 0xff, sizeof(s.cn));
	s.has_thumbprint = false;
	s.state = SGW_MGMT_SESS_TLS;
	return emit(ectx, &s);
}

static int f_disconnect(void *ctx, uint64_t id)
{
	struct fake *f = ctx;

	if (id < 1 || id > 3)
		return -ENOENT;
	f->disconnected = id;
	return 0;
}

static int f_roots_list(void *ctx, sgw_mgmt_root_fn emit, void *ectx)
{
	struct sgw_mgmt_root r = { .id = 0, .not_after = 1893456000 }; /* 2030-01-01 */

	(void)ctx;
	snprintf(r.subject, sizeof(r.subject), "CN=Test Root");
	memcpy(r.thumbprint, tp_a, sizeof(tp_a));
	return emit(ectx, &r);
}

static int f_roots_add(void *ctx, const uint8_t *data, size_t len, const char *name,
		       char *err, size_t errlen)
{
	struct fake *f = ctx;

	if (len > sizeof(f->der)) {
		snprintf(err, errlen, "too big for the fake");
		return -EINVAL;
	}
	memcpy(f->der, data, len);
	f->der_len = len;
	snprintf(f->root_name, sizeof(f->root_name), "%s", name);
	return 7;
}

static int f_roots_remove(void *ctx, unsigned id)
{
	(void)ctx;
	return id == 0 ? 0 : -ENOENT;
}

static int f_revoked_list(void *ctx, sgw_mgmt_revoked_fn emit, void *ectx)
{
	struct sgw_mgmt_revoked r;

	(void)ctx;
	memcpy(r.thumbprint, tp_a, sizeof(tp_a));
	snprintf(r.note, sizeof(r.note), "lost laptop");
	return emit(ectx, &r);
}

static int f_revoked_add(void *ctx, const uint8_t tp[20], const char *note, char *err,
			 size_t errlen)
{
	struct fake *f = ctx;

	(void)err, (void)errlen;
	memcpy(f->revoked, tp, 20);
	snprintf(f->note, sizeof(f->note), "%s", note);
	f->revoked_adds++;
	return 0;
}

static int f_revoked_remove(void *ctx, const uint8_t tp[20])
{
	(void)ctx;
	return memcmp(tp, tp_a, 20) == 0 ? 0 : -ENOENT;
}

static int f_pool(void *ctx, sgw_mgmt_pool_fn emit, void *ectx)
{
	struct sgw_mgmt_pool p = { .prefix = { A(172, 16, 201, 0), 24 }, .size = 253,
				   .used = 3, .nworkers = 2, .worker_used = { 1, 2 } };

	(void)ctx;
	return emit(ectx, &p);
}

static int f_counters(void *ctx, sgw_mgmt_counter_fn emit, void *ectx)
{
	static const struct sgw_mgmt_counter c[] = {
		{ "rx_packets", "Inner packets from clients.", 0, 10 },
		{ "tx_packets", NULL, 0, 20 },
		{ "rx_packets", "Inner packets from clients.", 1, 5 },
		{ "auth_failures", "EAP-TLS failures.\nSecond line \\ here.", -1, 2 },
		{ "bad name!", NULL, 0, 1 },    /* not a metric name: left out of metrics */
		{ "sessions", NULL, -1, 99 },   /* clashes with a gauge: left out */
	};
	int rc;

	(void)ctx;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if ((rc = emit(ectx, &c[i])) != 0)
			return rc;
	return 0;
}

static int f_reload(void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	snprintf(err, errlen, "config line 3: \"port\" must be 1..65535");
	return -EINVAL;
}

static const struct sgw_mgmt_ops fake_ops = {
	.status = f_status, .settings = f_settings, .sessions = f_sessions,
	.disconnect = f_disconnect, .roots_list = f_roots_list, .roots_add = f_roots_add,
	.roots_remove = f_roots_remove, .revoked_list = f_revoked_list,
	.revoked_add = f_revoked_add, .revoked_remove = f_revoked_remove, .pool = f_pool,
	.counters = f_counters, .reload = f_reload,
};

/* ------------------------------------------------------------------ */
/* The request table                                                   */
/* ------------------------------------------------------------------ */

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void test_requests(void **state)
{
	static const struct {
		const char *req;
		bool ok;
		const char *expect;   /* a substring of the response line */
	} c[] = {
		/* 1 */ { "{\"cmd\":\"status\"}", true, "\"sessions\":3" },
		/* 2 */ { "{\"cmd\":\"status\"}", true, "\"pool\":{\"used\":3,\"size\":253}" },
		/* 3 */ { "{\"cmd\":\"settings\"}", true, "\"vnet\":[\"10.0.0.0/8\",\"192.168.50.0/24\"]" },
		/* 4 */ { "{\"cmd\":\"sessions\"}", true, "\"cn\":\"alice\"" },
		/* 5 */ { "{\"cmd\":\"sessions\"}", true, "\"thumbprint\":\"DEADBEEF0102030405060708090A0B0C0D0E0F10\"" },
		/* 6 */ { "{\"cmd\":\"sessions\"}", true, "\"thumbprint\":null" },
		/* 7 */ { "{\"cmd\":\"sessions\"}", true, "\"cn\":\"????????" },
		/* 8 */ { "{\"cmd\":\"sessions\",\"filter\":{\"cn\":\"bob\"}}", true, "\"client_addr\":\"203.0.113.2\"" },
		/* 9 */ { "{\"cmd\":\"bogus\"}", false, "unknown command \\\"bogus\\\"" },
		/* 10 */ { "{\"cmd\":5}", false, "\\\"cmd\\\" missing or not a string" },
		/* 11 */ { "{}", false, "\\\"cmd\\\" missing" },
		/* 12 */ { "hello", false, "not JSON" },
		/* 13 */ { "{\"cmd\":\"status\"} x", false, "not JSON" },
		/* 14 */ { "{\"cmd\":\"status\"}{\"cmd\":\"status\"}", false, "not JSON" },
		/* 15 */ { "[\"status\"]", false, "must be a JSON object" },
		/* 16 */ { "", false, "not JSON" },
		/* 17 */ { "{\"cmd\":\"status\",\"cmd\":\"pool\"}", false, "duplicate" },
		/* 18 */ { "{\"cmd\":\"sta\\u0000tus\"}", false, "not JSON" },
		/* 19 */ { "{\"cmd\":\"\xff\xfe\"}", false, "not JSON" },
		/* 20 */ { "{\"cmd\":\"status\",\"x\":1}", false, "status: unknown member \\\"x\\\"" },
		/* 21 */ { "{\"cmd\":\"disconnect\"}", false, "disconnect: missing \\\"id\\\"" },
		/* 22 */ { "{\"cmd\":\"disconnect\",\"id\":\"2\"}", false, "must be an integer" },
		/* 23 */ { "{\"cmd\":\"disconnect\",\"id\":2.0}", false, "must be an integer" },
		/* 24 */ { "{\"cmd\":\"disconnect\",\"id\":-1}", false, "must be in 0.." },
		/* 25 */ { "{\"cmd\":\"disconnect\",\"id\":99}", false, "no such session 99" },
		/* 26 */ { "{\"cmd\":\"disconnect\",\"id\":2}", true, "\"id\":2" },
		/* 27 */ { "{\"cmd\":\"sessions\",\"filter\":\"bob\"}", false, "must be an object" },
		/* 28 */ { "{\"cmd\":\"sessions\",\"filter\":{\"name\":\"bob\"}}", false, "filter: unknown member" },
		/* 29 */ { "{\"cmd\":\"sessions\",\"filter\":{\"addr\":\"10.1\"}}", false, "must be an IPv4 address" },
		/* 30 */ { "{\"cmd\":\"sessions\",\"filter\":{\"worker\":64}}", false, "must be in 0..63" },
		/* 31 */ { "{\"cmd\":\"sessions\",\"filter\":{\"cn\":null}}", false, "must be a string" },
		/* 32 */ { "{\"cmd\":\"revoked_add\",\"thumbprint\":\"XYZ\"}", false, "40 hex digits" },
		/* 33 */ { "{\"cmd\":\"revoked_add\",\"thumbprint\":\"DEADBEEF0102030405060708090A0B0C0D0E0F1\"}", false, "40 hex digits" },
		/* 34 */ { "{\"cmd\":\"revoked_add\",\"thumbprint\":\"de:ad:be:ef:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10\",\"note\":\"lost\"}", true, "\"thumbprint\":\"DEADBEEF0102030405060708090A0B0C0D0E0F10\"" },
		/* 35 */ { "{\"cmd\":\"revoked_add\"}", false, "missing \\\"thumbprint\\\"" },
		/* 36 */ { "{\"cmd\":\"revoked_remove\",\"thumbprint\":\"0000000000000000000000000000000000000000\"}", false, "is not revoked" },
		/* 37 */ { "{\"cmd\":\"revoked_remove\",\"thumbprint\":\"DEADBEEF0102030405060708090A0B0C0D0E0F10\"}", true, "\"ok\":true" },
		/* 38 */ { "{\"cmd\":\"revoked_list\"}", true, "\"note\":\"lost laptop\"" },
		/* 39 */ { "{\"cmd\":\"roots_list\"}", true, "\"not_after_utc\":\"2030-01-01T00:00:00Z\"" },
		/* 40 */ { "{\"cmd\":\"roots_add\",\"data\":\"AAECAw==\",\"name\":\"a.cer\"}", true, "\"id\":7" },
		/* 41 */ { "{\"cmd\":\"roots_add\",\"data\":\"-----BEGIN CERTIFICATE-----\\nAA\\n\"}", true, "\"id\":7" },
		/* 42 */ { "{\"cmd\":\"roots_add\",\"data\":\"!!!!\"}", false, "neither PEM nor base64" },
		/* 43 */ { "{\"cmd\":\"roots_add\",\"data\":\"AAECA\"}", false, "neither PEM nor base64" },
		/* 44 */ { "{\"cmd\":\"roots_add\",\"data\":\"AA==AA==\"}", false, "neither PEM nor base64" },
		/* 45 */ { "{\"cmd\":\"roots_add\",\"name\":\"x\"}", false, "missing \\\"data\\\"" },
		/* 46 */ { "{\"cmd\":\"roots_add\",\"data\":\"QUJD\",\"name\":7}", false, "must be a string" },
		/* 47 */ { "{\"cmd\":\"roots_remove\",\"id\":5}", false, "no such root 5" },
		/* 48 */ { "{\"cmd\":\"roots_remove\",\"id\":0}", true, "\"id\":0" },
		/* 49 */ { "{\"cmd\":\"pool\"}", true, "\"prefix\":\"172.16.201.0/24\",\"size\":253,\"used\":3,\"workers\":[1,2]" },
		/* 50 */ { "{\"cmd\":\"counters\",\"worker\":1}", true, "\"counters\":[{\"name\":\"rx_packets\",\"worker\":1,\"value\":5}]" },
		/* 51 */ { "{\"cmd\":\"counters\",\"worker\":-2}", false, "must be in -1..63" },
		/* 52 */ { "{\"cmd\":\"reload\"}", false, "config line 3: \\\"port\\\" must be 1..65535" },
		/* 53 */ { "{\"cmd\":\"reload\",\"force\":true}", false, "reload: unknown member" },
		/* 54 */ { "{\"cmd\":\"disconnect\",\"id\":99999999999999999999}", false, "not JSON" },
		/* 55 */ { "  {\"cmd\" : \"status\" }  ", true, "\"ok\":true" },
	};
	struct fake f = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *resp = NULL;
		bool ok = sgw_mgmt_handle(&fake_ops, &f, c[i].req, strlen(c[i].req), &resp);

		if (resp == NULL)
			fail_msg("case %zu: no response", i + 1);
		if (ok != c[i].ok || strstr(resp, c[i].expect) == NULL ||
		    strchr(resp, '\n') != NULL ||
		    strstr(resp, c[i].ok ? "{\"ok\":true" : "{\"ok\":false,\"error\":\"") != resp)
			fail_msg("case %zu: %s -> %s (want ok=%d, \"%s\")", i + 1, c[i].req, resp,
				 c[i].ok, c[i].expect);
		free(resp);
	}
	/* What reached the fake: decoded DER (40), the canonical thumbprint (34). */
	assert_int_equal(f.revoked_adds, 1);
	assert_memory_equal(f.revoked, tp_a, 20);
	assert_string_equal(f.note, "lost");
	assert_int_equal(f.disconnected, 2);
}

static void test_roots_add_decodes(void **state)
{
	static const char req[] = "{\"cmd\":\"roots_add\",\"data\":\"MIIB\\nAAEC\\r\\n/w==\",\"name\":\"r.cer\"}";
	static const uint8_t want[] = { 0x30, 0x82, 0x01, 0x00, 0x01, 0x02, 0xff };
	struct fake f = { 0 };
	char *resp;

	(void)state;
	assert_true(sgw_mgmt_handle(&fake_ops, &f, req, strlen(req), &resp));
	free(resp);
	assert_int_equal(f.der_len, sizeof(want));
	assert_memory_equal(f.der, want, sizeof(want));
	assert_string_equal(f.root_name, "r.cer");
}

static void test_filters(void **state)
{
	static const struct { const char *filter; size_t n; } c[] = {
		/* 1 */ { "{}", 3 },
		/* 2 */ { "{\"cn\":\"alice\"}", 1 },
		/* 3 */ { "{\"cn\":\"alic\"}", 0 },
		/* 4 */ { "{\"worker\":1}", 2 },
		/* 5 */ { "{\"addr\":\"172.16.201.3\"}", 1 },   /* assigned */
		/* 6 */ { "{\"addr\":\"203.0.113.1\"}", 1 },    /* client */
		/* 7 */ { "{\"addr\":\"203.0.113.1\",\"worker\":1}", 0 },
		/* 8 */ { "{\"cn\":\"bob\",\"worker\":1,\"addr\":\"172.16.201.3\"}", 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char req[256], *resp;

		snprintf(req, sizeof(req), "{\"cmd\":\"sessions\",\"filter\":%s}", c[i].filter);
		assert_true(sgw_mgmt_handle(&fake_ops, NULL, req, strlen(req), &resp));
		if (count(resp, "\"id\":") != c[i].n)
			fail_msg("case %zu: %s -> %s", i + 1, c[i].filter, resp);
		free(resp);
	}
}

static void test_not_supported(void **state)
{
	static const char *const cmds[] = {
		"status", "settings", "sessions", "roots_list", "revoked_list", "pool",
		"counters", "reload",
	};
	static const struct sgw_mgmt_ops none = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char req[64], *resp;

		snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}", cmds[i]);
		assert_false(sgw_mgmt_handle(&none, NULL, req, strlen(req), &resp));
		if (strstr(resp, "not supported") == NULL)
			fail_msg("case %zu: %s", i + 1, resp);
		free(resp);
	}
}

static int many_counters(void *ctx, sgw_mgmt_counter_fn emit, void *ectx)
{
	struct sgw_mgmt_counter c = { "x", NULL, 0, 0 };
	int rc = 0;

	(void)ctx;
	for (unsigned i = 0; i < 70000 && rc == 0; i++, c.value++)
		rc = emit(ectx, &c);
	return rc;
}

/* A list longer than one response may carry is cut and says so. */
static void test_truncated(void **state)
{
	static const struct sgw_mgmt_ops ops = { .counters = many_counters };
	char *resp;

	(void)state;
	assert_true(sgw_mgmt_handle(&ops, NULL, "{\"cmd\":\"counters\"}", 18, &resp));
	assert_int_equal(count(resp, "\"name\":"), 65536);
	assert_non_null(strstr(resp, "\"value\":65535}],\"truncated\":true}"));
	free(resp);
}

static void test_oversized_and_deep(void **state)
{
	size_t big = SGW_MGMT_MAX_REQUEST + 1, deep = 5000;
	char *req = malloc(big), *resp;

	(void)state;
	assert_non_null(req);
	memset(req, ' ', big);
	memcpy(req, "{\"cmd\":\"status\"}", 16);
	assert_false(sgw_mgmt_handle(&fake_ops, NULL, req, big, &resp));
	assert_non_null(strstr(resp, "request too large"));
	free(resp);
	/* Exactly the limit is still a request (trailing whitespace is fine). */
	assert_true(sgw_mgmt_handle(&fake_ops, NULL, req, big - 1, &resp));
	free(resp);
	/* Nesting past the parser's depth limit is refused, not a stack overflow. */
	memset(req, '[', deep);
	assert_false(sgw_mgmt_handle(&fake_ops, NULL, req, deep, &resp));
	assert_non_null(strstr(resp, "not JSON"));
	free(resp);
	free(req);
}

static void test_settings_round_trip(void **state)
{
	struct sgw_mgmt_settings want, got;
	char *resp, err[128];

	(void)state;
	memset(&want, 0, sizeof(want));
	assert_int_equal(f_settings(NULL, &want), 0);
	assert_true(sgw_mgmt_handle(&fake_ops, NULL, "{\"cmd\":\"settings\"}", 18, &resp));
	assert_int_equal(sgw_mgmt_settings_parse(resp, strlen(resp), &got, err, sizeof(err)), 0);
	free(resp);
	assert_string_equal(got.server_name, want.server_name);
	assert_string_equal(got.ca_cert_path, want.ca_cert_path);
	assert_int_equal(got.port, 443);
	assert_int_equal(got.outer_addr, want.outer_addr);
	assert_int_equal(got.dns[0], want.dns[0]);
	assert_int_equal(got.dns[1], 0);
	assert_int_equal(got.n_vnet, 2);
	assert_int_equal(got.vnet[1].addr, want.vnet[1].addr);
	assert_int_equal(got.vnet[1].len, 24);
	assert_int_equal(got.n_pool, 1);
	assert_int_equal(got.pool[0].addr, want.pool[0].addr);
	assert_int_equal(got.mtu, 1400);
}

static void test_settings_parse_errors(void **state)
{
	static const struct { const char *resp; const char *expect; } c[] = {
		/* 1 */ { "nope", "not JSON" },
		/* 2 */ { "{\"ok\":false,\"error\":\"not supported by this gateway\"}", "not supported" },
		/* 3 */ { "{\"ok\":true}", "no \"settings\"" },
		/* 4 */ { "{\"ok\":true,\"settings\":{\"ca_cert\":\"/a\",\"port\":443,\"mtu\":1400,\"dns\":[],\"vnet\":[],\"pool\":[]}}", "server_name" },
		/* 5 */ { "{\"ok\":true,\"settings\":{\"server_name\":\"x\",\"ca_cert\":\"/a\",\"port\":0,\"mtu\":1400,\"dns\":[],\"vnet\":[],\"pool\":[]}}", "port" },
		/* 6 */ { "{\"ok\":true,\"settings\":{\"server_name\":\"x\",\"ca_cert\":\"/a\",\"port\":443,\"mtu\":1400,\"dns\":[\"1.2.3\"],\"vnet\":[],\"pool\":[]}}", "dns" },
		/* 7 */ { "{\"ok\":true,\"settings\":{\"server_name\":\"x\",\"ca_cert\":\"/a\",\"port\":443,\"mtu\":1400,\"dns\":[],\"vnet\":[\"10.0.0.0/33\"],\"pool\":[]}}", "vnet" },
		/* 8 */ { "{\"ok\":true,\"settings\":{\"server_name\":\"x\",\"ca_cert\":\"/a\",\"port\":443,\"mtu\":1400,\"dns\":[],\"vnet\":[],\"pool\":[\"10.0.0.0\"]}}", "pool" },
		/* 9 */ { "{\"ok\":true,\"settings\":{\"server_name\":\"x\",\"ca_cert\":\"/a\",\"port\":443,\"mtu\":1400,\"dns\":[],\"vnet\":[\"10.0.0.0/+8\"],\"pool\":[]}}", "vnet" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sgw_mgmt_settings s;
		char err[128] = "";

		if (sgw_mgmt_settings_parse(c[i].resp, strlen(c[i].resp), &s, err, sizeof(err)) !=
		    -EINVAL || strstr(err, c[i].expect) == NULL)
			fail_msg("case %zu: err \"%s\"", i + 1, err);
	}
}

/* ------------------------------------------------------------------ */
/* The socket server, driven from this thread                         */
/* ------------------------------------------------------------------ */

static char tmpdir[64];
static char sockpath[100];

static int uconnect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

/* Poll the server and read fd until it closes or want lines arrived; at most
 * rounds rounds of 5 ms. Returns the bytes read into buf (NUL-terminated). */
static size_t drive(struct sgw_mgmt *m, int fd, char *buf, size_t cap, size_t want,
		    int rounds, bool *closed)
{
	size_t n = 0;

	*closed = false;
	buf[0] = '\0';
	for (int i = 0; i < rounds && !*closed && count(buf, "\n") < want; i++) {
		ssize_t r;

		assert_true(sgw_mgmt_poll(m, 5) >= 0);
		while (n + 1 < cap && (r = recv(fd, buf + n, cap - n - 1, 0)) > 0)
			n += (size_t)r;
		buf[n] = '\0';
		if (n + 1 < cap && recv(fd, buf + n, 1, MSG_PEEK) == 0)
			*closed = true;
	}
	return n;
}

static struct sgw_mgmt *server(void)
{
	char err[256] = "";
	struct sgw_mgmt *m = sgw_mgmt_create(sockpath, &fake_ops, NULL, err, sizeof(err));

	if (m == NULL)
		fail_msg("create %s: %s", sockpath, err);
	return m;
}

static int sock_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_mgmt.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(sockpath, sizeof(sockpath), "%s/run/sstpgw/mgmt.sock", tmpdir);
	return 0;
}

static int sock_teardown(void **state)
{
	char p[160];

	(void)state;
	unlink(sockpath);
	snprintf(p, sizeof(p), "%s/run/sstpgw", tmpdir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/run", tmpdir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/file", tmpdir);
	unlink(p);
	rmdir(tmpdir);
	return 0;
}

static void test_socket_create(void **state)
{
	struct sgw_mgmt *m, *m2;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	char err[256] = "", dir[160];
	int fd;

	(void)state;
	umask(077); /* the modes below are set, not left to the umask */
	m = server();
	snprintf(dir, sizeof(dir), "%s/run/sstpgw", tmpdir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_int_equal(stat(sockpath, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_true(sgw_mgmt_fd(m) >= 0);
	/* A live socket is another daemon's. */
	m2 = sgw_mgmt_create(sockpath, &fake_ops, NULL, err, sizeof(err));
	assert_null(m2);
	assert_non_null(strstr(err, "another sstpgw"));
	sgw_mgmt_destroy(m);
	assert_int_equal(stat(sockpath, &st), -1);
	/* A stale one (bound, nobody listening) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(stat(sockpath, &st), 0);
	m = server();
	sgw_mgmt_destroy(m);
	/* Not a socket: left alone. */
	snprintf(dir, sizeof(dir), "%s/file", tmpdir);
	fd = open(dir, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(sgw_mgmt_create(dir, &fake_ops, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "not a socket"));
	/* Longer than sun_path. */
	memset(dir, 'a', sizeof(dir) - 1);
	dir[sizeof(dir) - 1] = '\0';
	assert_null(sgw_mgmt_create(dir, &fake_ops, NULL, err, sizeof(err)));
}

static void test_socket_round_trip(void **state)
{
	static const char reqs[] =
		"{\"cmd\":\"status\"}\n{\"cmd\":\"bogus\"}\r\n{\"cmd\":\"pool\"}";
	struct sgw_mgmt *m = server();
	char buf[8192];
	bool closed;
	int fd = uconnect();

	(void)state;
	/* Two lines and a last one without newline, then our side is done. */
	assert_int_equal(send(fd, reqs, sizeof(reqs) - 1, 0), (ssize_t)sizeof(reqs) - 1);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	drive(m, fd, buf, sizeof(buf), 99, 400, &closed);
	assert_true(closed);
	assert_int_equal(count(buf, "\n"), 3);
	assert_true(strncmp(buf, "{\"ok\":true,\"status\":", 20) == 0);
	assert_non_null(strstr(buf, "\n{\"ok\":false,\"error\":\"unknown command"));
	assert_non_null(strstr(buf, "\n{\"ok\":true,\"pools\":"));
	close(fd);
	sgw_mgmt_destroy(m);
}

static void test_socket_garbage_and_stall(void **state)
{
	struct sgw_mgmt *m = server();
	char *junk = malloc(SGW_MGMT_MAX_REQUEST + 100), buf[4096];
	int stall = uconnect(), bad = uconnect(), good;
	size_t sent = 0;
	bool closed;

	(void)state;
	assert_non_null(junk);
	memset(junk, 'x', SGW_MGMT_MAX_REQUEST + 100);
	/* A stalled client: half a request, then silence. */
	assert_int_equal(send(stall, "{\"cmd\":", 7, 0), 7);
	/* A line that never ends: an error, then the server hangs up. */
	for (int i = 0; i < 400 && sent < SGW_MGMT_MAX_REQUEST + 100; i++) {
		ssize_t r = send(bad, junk + sent, SGW_MGMT_MAX_REQUEST + 100 - sent, MSG_DONTWAIT);

		if (r > 0)
			sent += (size_t)r;
		assert_true(sgw_mgmt_poll(m, 5) >= 0);
	}
	drive(m, bad, buf, sizeof(buf), 1, 400, &closed);
	assert_non_null(strstr(buf, "request too large"));
	drive(m, bad, buf, sizeof(buf), 99, 400, &closed);
	assert_true(closed);
	/* Neither of them holds up a third client. */
	good = uconnect();
	assert_int_equal(send(good, "{\"cmd\":\"status\"}\n", 17, 0), 17);
	drive(m, good, buf, sizeof(buf), 1, 400, &closed);
	assert_true(strncmp(buf, "{\"ok\":true", 10) == 0);
	/* The same connection serves the next request too. */
	assert_int_equal(send(good, "not json\n", 9, 0), 9);
	drive(m, good, buf, sizeof(buf), 1, 400, &closed);
	assert_true(strncmp(buf, "{\"ok\":false,\"error\":\"not JSON", 29) == 0);
	close(good);
	close(bad);
	close(stall);
	free(junk);
	sgw_mgmt_destroy(m);
}

static void test_socket_too_many(void **state)
{
	struct sgw_mgmt *m = server();
	int fds[SGW_MGMT_MAX_CLIENTS + 1];
	char buf[512];
	bool closed;

	(void)state;
	for (int i = 0; i < SGW_MGMT_MAX_CLIENTS; i++) {
		fds[i] = uconnect();
		assert_true(sgw_mgmt_poll(m, 5) >= 0);
	}
	fds[SGW_MGMT_MAX_CLIENTS] = uconnect();
	drive(m, fds[SGW_MGMT_MAX_CLIENTS], buf, sizeof(buf), 99, 400, &closed);
	assert_true(closed);
	assert_non_null(strstr(buf, "too many clients"));
	/* The sixteen still work. */
	assert_int_equal(send(fds[3], "{\"cmd\":\"status\"}\n", 17, 0), 17);
	drive(m, fds[3], buf, sizeof(buf), 1, 400, &closed);
	assert_true(strncmp(buf, "{\"ok\":true", 10) == 0);
	for (int i = 0; i <= SGW_MGMT_MAX_CLIENTS; i++)
		close(fds[i]);
	sgw_mgmt_destroy(m);
}

/* ------------------------------------------------------------------ */
/* Metrics                                                             */
/* ------------------------------------------------------------------ */

static const struct sgw_metrics_ops metrics_ops = {
	.status = f_status, .pool = f_pool, .counters = f_counters,
};

static void test_metrics_render(void **state)
{
	static const char *const want[] = {
		/* 1 */ "# TYPE sstpgw_sessions gauge\nsstpgw_sessions 3\n",
		/* 2 */ "sstpgw_build_info{version=\"0.1.0-test\"} 1\n",
		/* 3 */ ("# TYPE sstpgw_rx_packets counter\n"
			 "sstpgw_rx_packets{worker=\"0\"} 10\nsstpgw_rx_packets{worker=\"1\"} 5\n"),
		/* 4 */ "# HELP sstpgw_auth_failures EAP-TLS failures.\\nSecond line \\\\ here.\n",
		/* 5 */ "sstpgw_auth_failures 2\n",
		/* 6 */ "sstpgw_pool_worker_used{prefix=\"172.16.201.0/24\",worker=\"1\"} 2\n",
		/* 7 */ "sstpgw_pool_prefix_size{prefix=\"172.16.201.0/24\"} 253\n",
		/* 8 */ "sstpgw_uptime_seconds 3723\n",
		/* 9 */ "# HELP sstpgw_tx_packets sstpgw counter.\n",
	};
	size_t len;
	char *text = sgw_metrics_render(&metrics_ops, NULL, &len);

	(void)state;
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(text, want[i]) == NULL)
			fail_msg("case %zu: missing %s in\n%s", i + 1, want[i], text);
	/* One family per name; bad and clashing names left out. */
	assert_int_equal(count(text, "# TYPE sstpgw_rx_packets "), 1);
	assert_int_equal(count(text, "# TYPE sstpgw_sessions "), 1);
	assert_int_equal(count(text, "sstpgw_sessions 99"), 0);
	assert_int_equal(count(text, "bad name"), 0);
	assert_true(text[len - 1] == '\n');
	free(text);
}

/* GET path over loopback with a plain socket; the whole answer in buf. */
static void http_get(uint16_t port, const char *req, char *buf, size_t cap)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t n = 0;
	ssize_t r;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	while (n + 1 < cap && (r = recv(fd, buf + n, cap - n - 1, 0)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
}

static void test_metrics_http(void **state)
{
	static const struct { const char *req, *expect; bool absent; } c[] = {
		/* 1 */ { "GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK\r\n" },
		/* 2 */ { "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			  "Content-Type: text/plain; version=0.0.4; charset=utf-8" },
		/* 3 */ { "GET /metrics HTTP/1.0\r\n\r\n", "\r\n\r\n# HELP sstpgw_build_info " },
		/* 4 */ { "GET / HTTP/1.0\r\n\r\n", "HTTP/1.1 404 " },
		/* 5 */ { "GET /metrics/x HTTP/1.0\r\n\r\n", "HTTP/1.1 404 " },
		/* 6 */ { "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 405 " },
		/* 7 */ { "garbage\r\n\r\n", "sstpgw_", true },    /* closed, no metrics */
		/* 8 */ { "HEAD /metrics HTTP/1.0\r\n\r\n", "sstpgw_", true }, /* headers only */
		/* 9 */ { "HEAD /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK\r\n" },
	};
	char err[256] = "", *buf = malloc(1 << 16);
	struct sgw_metrics *m = sgw_metrics_start("127.0.0.1:0", &metrics_ops, NULL, err,
						  sizeof(err));

	(void)state;
	if (m == NULL)
		fail_msg("metrics start: %s", err);
	assert_non_null(buf);
	assert_true(sgw_metrics_port(m) != 0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		http_get(sgw_metrics_port(m), c[i].req, buf, 1 << 16);
		if ((strstr(buf, c[i].expect) == NULL) != c[i].absent)
			fail_msg("case %zu: want %s\"%s\" in\n%s", i + 1, c[i].absent ? "no " : "",
				 c[i].expect, buf);
	}
	sgw_metrics_stop(m);
	free(buf);
}

static void test_metrics_bad_listen(void **state)
{
	static const char *const bad[] = {
		/* 1 */ "9100", /* 2 */ "127.0.0.1:", /* 3 */ "127.0.0.1:99999",
		/* 4 */ "127.0.0.1:x", /* 5 */ "127.0.0.1:-1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";
		struct sgw_metrics *m = sgw_metrics_start(bad[i], &metrics_ops, NULL, err,
							  sizeof(err));

		if (m != NULL || strstr(err, "expected host:port") == NULL)
			fail_msg("case %zu: %s -> %s", i + 1, bad[i], err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_roots_add_decodes),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_not_supported),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_oversized_and_deep),
		cmocka_unit_test(test_settings_round_trip),
		cmocka_unit_test(test_settings_parse_errors),
		cmocka_unit_test_setup_teardown(test_socket_create, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_socket_round_trip, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_socket_garbage_and_stall, sock_setup,
						sock_teardown),
		cmocka_unit_test_setup_teardown(test_socket_too_many, sock_setup, sock_teardown),
		cmocka_unit_test(test_metrics_render),
		cmocka_unit_test(test_metrics_http),
		cmocka_unit_test(test_metrics_bad_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
