/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-TLS authenticator (RFC 5216; RFC 9190 for TLS 1.3), at the level of
 * the EAP-TLS Type-Data: Flags (L 0x80, M 0x40, S 0x20), optional 4-byte TLS
 * Message Length, TLS data. EAP framing (Code, Identifier, Length, Type) is
 * the caller's (dataplane/ppp_eap.c).
 *
 * Fragmentation both ways: the peer's fragments are reassembled (bounded by
 * the declared length and SGW_EAPTLS_MAX_MESSAGE), each acknowledged by an
 * empty request; our flights are cut to max_frag bytes of TLS data, and the
 * peer acknowledges each with an empty response.
 */
#ifndef SGW_CRYPTO_EAPTLS_H
#define SGW_CRYPTO_EAPTLS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto_limits.h"
#include "crypto/tls.h"
#include "crypto/x509.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_eaptls;

/* srv must be configured with verify_client. max_frag: TLS data bytes per
 * request (about MRU - 10); clamped to [SGW_EAPTLS_MIN_FRAGMENT, 16384]. */
__attribute__((warn_unused_result))
struct sgw_eaptls *sgw_eaptls_create(struct sgw_tls_server *srv,
				     const struct sgw_trust *trust,
				     const struct sgw_revoked *revoked,
				     size_t max_frag);
/* The same with a live policy (crypto/tls.h): p must outlive e. */
__attribute__((warn_unused_result))
struct sgw_eaptls *sgw_eaptls_create_policy(struct sgw_tls_server *srv,
					    const struct sgw_policy *p, size_t max_frag);
void sgw_eaptls_destroy(struct sgw_eaptls *e);

enum sgw_eaptls_status {
	SGW_EAPTLS_SEND,     /* send *out_len bytes of Type-Data as the next Request */
	SGW_EAPTLS_SUCCESS,  /* authenticated: send EAP-Success; keys ready */
	SGW_EAPTLS_FAILURE,  /* send EAP-Failure; sgw_eaptls_error() says why */
};

/* The first Request: EAP-TLS Start (flags S, no data). */
size_t sgw_eaptls_start(struct sgw_eaptls *e, uint8_t *out, size_t cap);

/* One Response's Type-Data in; the next Request's Type-Data out (cap must be
 * at least max_frag + 6). Malformed input (bad flags, length lies, fragments
 * past the declared length or without end) -> SGW_EAPTLS_FAILURE. */
__attribute__((warn_unused_result))
enum sgw_eaptls_status sgw_eaptls_input(struct sgw_eaptls *e,
					const uint8_t *in, size_t in_len,
					uint8_t *out, size_t cap, size_t *out_len);

/* After SGW_EAPTLS_SUCCESS: MSK (64) and EMSK (64). Returns 0 or -EINVAL. */
__attribute__((warn_unused_result))
int sgw_eaptls_keys(const struct sgw_eaptls *e, uint8_t msk[SGW_EAP_MSK_LEN],
		    uint8_t emsk[SGW_EAP_EMSK_LEN]);
/* After SGW_EAPTLS_SUCCESS with TLS 1.3: the MSK as Debian's pppd 2.4.9
 * derives it (sgw_tls_conn_export_eap_compat). 0, or -ENOENT (TLS 1.2). */
__attribute__((warn_unused_result))
int sgw_eaptls_msk_compat(const struct sgw_eaptls *e, uint8_t msk[SGW_EAP_MSK_LEN]);
/* The verdict on the client's certificate (valid after SUCCESS or FAILURE
 * once a certificate was seen). */
const struct sgw_x509_result *sgw_eaptls_peer(const struct sgw_eaptls *e);
const char *sgw_eaptls_error(const struct sgw_eaptls *e);
enum sgw_tls_version sgw_eaptls_version(const struct sgw_eaptls *e);

#ifdef __cplusplus
}
#endif
#endif
