/* SPDX-License-Identifier: BSD-3-Clause */
#include "support/session_env.h"

static int pool_alloc(void *ctx, const char *identity, uint32_t *addr)
{
	(void)identity;
	return sgw_pool_alloc(ctx, 0, addr);
}

static void pool_free(void *ctx, uint32_t addr)
{
	(void)sgw_pool_free(ctx, addr);
}

static bool is_client(void *ctx, uint32_t addr)
{
	return sgw_pool_owner(ctx, addr) >= 0;
}

void tsenv_pool(struct sgw_session_env *env, struct sgw_pool *pool)
{
	env->addr_alloc = pool_alloc;
	env->addr_free = pool_free;
	env->addr_is_client = is_client;
	env->pool_ctx = pool;
}

struct sgw_tls_server *tsenv_tls_server(const struct tpki_cert *c, bool verify,
					char *err, size_t err_len)
{
	struct sgw_tls_server_cfg cfg = {
		.cert_file = c->chain_path, .key_file = c->key_path, .verify_client = verify,
	};

	return sgw_tls_server_create(&cfg, err, err_len);
}
