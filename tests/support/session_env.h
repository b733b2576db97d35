/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What whole-call tests need around a struct sgw_session_env: the address
 * pool callbacks over one struct sgw_pool (partition 0, identity ignored,
 * client-to-client judged by the pool), and TLS servers made from test
 * certificates (tests/support/testpki.h).
 */
#ifndef SGW_TESTS_SUPPORT_SESSION_ENV_H
#define SGW_TESTS_SUPPORT_SESSION_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "control/pool.h"
#include "crypto/tls.h"
#include "dataplane/session.h"
#include "support/testpki.h"

#ifdef __cplusplus
extern "C" {
#endif

/* addr_alloc, addr_free, addr_is_client and pool_ctx of env, over pool. */
void tsenv_pool(struct sgw_session_env *env, struct sgw_pool *pool);

/* A TLS server with c's chain and key; verify: EAP-TLS (client
 * certificates asked for). NULL with the reason in err. */
struct sgw_tls_server *tsenv_tls_server(const struct tpki_cert *c, bool verify,
					char *err, size_t err_len);

#ifdef __cplusplus
}
#endif
#endif
