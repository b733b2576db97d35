/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For crypto/ only: the same verification over OpenSSL objects, so the
 * EAP-TLS handshake verifies the chain it already parsed (parsing is about
 * half the cost of a verification) without a DER round trip.
 */
#ifndef SGW_CRYPTO_X509_INTERNAL_H
#define SGW_CRYPTO_X509_INTERNAL_H

#include <openssl/x509.h>

#include "crypto/x509.h"

/* leaf: the client's certificate; untrusted: what else it sent (may be NULL,
 * may contain the leaf again). Same contract as sgw_x509_verify_der(). */
enum sgw_x509_verdict sgw_x509_verify_chain(const struct sgw_trust *t,
					    const struct sgw_revoked *revoked,
					    X509 *leaf, STACK_OF(X509) *untrusted,
					    time_t now, struct sgw_x509_result *res);

/* The SHA-1 thumbprint of a certificate (SHA-1 over its DER). */
int sgw_x509_thumbprint(X509 *x, uint8_t tp[SGW_THUMBPRINT_LEN]);

#endif
