/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the management request handler (control/mgmt.c)
 * against fake ops that implement every command: any bytes get exactly one
 * answer, a single line of JSON whose "ok" matches the return value. The
 * same bytes also go through the settings reader the CLI uses.
 */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int f_status(void *ctx, struct sgw_mgmt_status *st)
{
	(void)ctx;
	snprintf(st->version, sizeof(st->version), "fuzz");
	st->sessions = 1;
	return 0;
}

static int f_settings(void *ctx, struct sgw_mgmt_settings *s)
{
	(void)ctx;
	snprintf(s->server_name, sizeof(s->server_name), "vpn.example.com");
	s->port = 443;
	s->n_vnet = 1;
	s->vnet[0] = (struct sgw_mgmt_prefix){ 0x0a000000, 8 };
	s->n_pool = SGW_MGMT_MAX_PREFIXES + 5; /* over the bound on purpose */
	return 0;
}

static int f_sessions(void *ctx, sgw_mgmt_session_fn emit, void *ectx)
{
	struct sgw_mgmt_session s;
	int rc = 0;

	(void)ctx;
	for (unsigned i = 0; i < 3 && rc == 0; i++) {
		memset(&s, 0, sizeof(s));
		memset(s.cn, i == 2 ? 0xc3 : 'a', sizeof(s.cn)); /* unterminated, bad UTF-8 */
		s.id = i;
		s.worker = i;
		s.client_addr = 0xcb007100 + i;
		s.assigned_addr = i == 0 ? 0 : 0xac10c900 + i;
		s.has_thumbprint = i != 1;
		s.state = (enum sgw_mgmt_session_state)(i * 7); /* out of range too */
		s.bytes_rx = UINT64_MAX;
		rc = emit(ectx, &s);
	}
	return rc;
}

static int f_disconnect(void *ctx, uint64_t id)
{
	(void)ctx;
	return id == 1 ? 0 : -ENOENT;
}

static int f_roots_list(void *ctx, sgw_mgmt_root_fn emit, void *ectx)
{
	struct sgw_mgmt_root r = { .id = 1, .not_after = INT64_MAX };

	(void)ctx;
	memset(r.subject, 'S', sizeof(r.subject));
	return emit(ectx, &r);
}

static int f_roots_add(void *ctx, const uint8_t *d, size_t len, const char *name,
		       char *err, size_t errlen)
{
	(void)ctx, (void)name;
	if (len == 0 || d[0] != 0x30) {
		snprintf(err, errlen, "not a certificate");
		return -EINVAL;
	}
	return 3;
}

static int f_roots_remove(void *ctx, unsigned id)
{
	(void)ctx;
	return id == 3 ? 0 : -ENOENT;
}

static int f_revoked_list(void *ctx, sgw_mgmt_revoked_fn emit, void *ectx)
{
	struct sgw_mgmt_revoked r;

	(void)ctx;
	memset(&r, 0xee, sizeof(r));
	return emit(ectx, &r);
}

static int f_revoked_add(void *ctx, const uint8_t tp[SGW_MGMT_THUMBPRINT_LEN],
			 const char *note, char *err, size_t errlen)
{
	(void)ctx, (void)note, (void)err, (void)errlen;
	return tp[0] == 0 ? -EEXIST : 0;
}

static int f_revoked_remove(void *ctx, const uint8_t tp[SGW_MGMT_THUMBPRINT_LEN])
{
	(void)ctx;
	return tp[0] == 0 ? 0 : -ENOENT;
}

static int f_pool(void *ctx, sgw_mgmt_pool_fn emit, void *ectx)
{
	struct sgw_mgmt_pool p = { .prefix = { 0xac10c900, 40 }, .size = 253,
				   .nworkers = 1000 };

	(void)ctx;
	return emit(ectx, &p);
}

static int f_counters(void *ctx, sgw_mgmt_counter_fn emit, void *ectx)
{
	static const struct sgw_mgmt_counter c[] = {
		{ "rx", NULL, 0, 1 }, { "rx", NULL, 1, 2 }, { "\xff", NULL, -1, 3 }, { NULL, NULL, 0, 0 },
	};
	int rc = 0;

	(void)ctx;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]) && rc == 0; i++)
		rc = emit(ectx, &c[i]);
	return rc;
}

static int f_reload(void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	snprintf(err, errlen, "\xff bad \xfe");
	return -EINVAL;
}

static const struct sgw_mgmt_ops ops = {
	.status = f_status, .settings = f_settings, .sessions = f_sessions,
	.disconnect = f_disconnect, .roots_list = f_roots_list, .roots_add = f_roots_add,
	.roots_remove = f_roots_remove, .revoked_list = f_revoked_list,
	.revoked_add = f_revoked_add, .revoked_remove = f_revoked_remove, .pool = f_pool,
	.counters = f_counters, .reload = f_reload,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgw_mgmt_settings s;
	json_error_t je;
	char *resp = NULL, err[128];
	bool ok = sgw_mgmt_handle(&ops, NULL, (const char *)data, size, &resp);
	json_t *j;

	if (resp == NULL || strchr(resp, '\n') != NULL)
		abort();
	j = json_loads(resp, 0, &je);
	if (!json_is_object(j) || json_is_true(json_object_get(j, "ok")) != ok ||
	    (!ok && !json_is_string(json_object_get(j, "error"))))
		abort();
	json_decref(j);
	free(resp);
	if (sgw_mgmt_settings_parse((const char *)data, size, &s, err, sizeof(err)) == 0 &&
	    (s.n_vnet > SGW_MGMT_MAX_PREFIXES || s.n_pool > SGW_MGMT_MAX_PREFIXES))
		abort();
	return 0;
}
