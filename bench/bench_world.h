/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process gateway side that the session benches share: a test PKI
 * (root, server, one client1@contoso.com leaf), the trust store and revoked
 * set, the outer and EAP-TLS servers, and a session environment with the
 * fields every bench sets the same way. Each bench adds its own address
 * pool and callbacks to env. C++ (bench/ only).
 */
#ifndef SGW_BENCH_WORLD_H
#define SGW_BENCH_WORLD_H

#include <cstdint>
#include <cstdio>
#include <string>

#include "crypto/aead.h"
#include "crypto/tls.h"
#include "crypto/x509.h"
#include "dataplane/session.h"
#include "tests/support/testpki.h"

struct BenchWorld {
	tpki *pki = nullptr;
	tpki_cert root{}, server{}, client{};
	sgw_tls_server *tls = nullptr, *eap = nullptr;
	sgw_trust *trust = nullptr;
	sgw_revoked *revoked = nullptr;
	sgw_session_env env{};
	std::string error;          /* why bench_world_up failed, when it says */
};

inline sgw_tls_server *bench_tls_server(const tpki_cert &c, bool verify, std::string *err)
{
	sgw_tls_server_cfg cfg = {};
	char e[256] = "";

	cfg.cert_file = c.chain_path;
	cfg.key_file = c.key_path;
	cfg.verify_client = verify;
	sgw_tls_server *s = sgw_tls_server_create(&cfg, e, sizeof(e));
	if (s == nullptr)
		*err = e;
	return s;
}

/* PKI, trust, both TLS servers, env (tunnel address, DNS 10.1.0.4, the best
 * AEAD backend). false on failure (w->error may say why). */
inline bool bench_world_up(BenchWorld *w, uint32_t tunnel)
{
	char err[128];
	tpki_opts co = {};

	w->pki = tpki_create(nullptr);
	if (w->pki == nullptr || tpki_root(w->pki, "root", &w->root) != 0 ||
	    tpki_server(w->pki, "server", TPKI_KEY_EC_P256, &w->root, &w->server) != 0)
		return false;
	co.cn = "client1@contoso.com";
	co.eku = TPKI_EKU_CLIENT_AUTH;
	co.not_before = -60;
	if (tpki_issue(w->pki, "client", &co, &w->root, &w->client) != 0)
		return false;
	w->trust = sgw_trust_create(SGW_TRUST_DEFAULT_MAX_ROOTS);
	w->revoked = sgw_revoked_create();
	if (w->trust == nullptr || w->revoked == nullptr ||
	    sgw_trust_add_file(w->trust, w->root.cer_path, err, sizeof(err)) < 0)
		return false;
	w->tls = bench_tls_server(w->server, false, &w->error);
	w->eap = bench_tls_server(w->server, true, &w->error);
	if (w->tls == nullptr || w->eap == nullptr)
		return false;
	w->env.tls = w->tls;
	w->env.eap_tls = w->eap;
	w->env.trust = w->trust;
	w->env.revoked = w->revoked;
	w->env.aead = sgw_aead_backend_available(SGW_AEAD_BACKEND_IPSEC_MB,
						 SGW_AEAD_AES_128_GCM) ?
		      SGW_AEAD_BACKEND_IPSEC_MB : SGW_AEAD_BACKEND_EVP;
	w->env.hash_bitmask = 3;
	w->env.mru = 1500;
	w->env.tunnel_addr = tunnel;
	w->env.dns[0] = 10u << 24 | 1u << 16 | 4u;
	return true;
}

inline void bench_world_down(BenchWorld *w)
{
	sgw_tls_server_destroy(w->tls);
	sgw_tls_server_destroy(w->eap);
	sgw_trust_destroy(w->trust);
	sgw_revoked_destroy(w->revoked);
	tpki_cert_free(&w->root);
	tpki_cert_free(&w->server);
	tpki_cert_free(&w->client);
	tpki_destroy(w->pki);
}

#endif
