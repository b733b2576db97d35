/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client certificate policy, as Azure P2S certificate authentication has it:
 *  - a trust store of root certificates (uploaded as .cer: DER or base64 DER,
 *    or PEM), at most max_roots (default 20), each with a stable id;
 *  - a revoked set of SHA-1 thumbprints (40 hex digits as Windows shows them);
 *  - a client certificate is accepted iff it chains (through intermediates the
 *    client sends) to a trusted root, every certificate is within its validity
 *    dates, the leaf has the Client Authentication EKU, and the leaf's SHA-1
 *    thumbprint is not revoked.
 *
 * Threading: a trust store or revoked set is built by the control thread and
 * then published read-only; verification only reads it, from any lcore.
 */
#ifndef SGW_CRYPTO_X509_H
#define SGW_CRYPTO_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/crypto_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_trust;
struct sgw_revoked;

struct sgw_root_info {
	unsigned id;
	char subject[256];       /* one line, RFC 2253 */
	uint8_t thumbprint[SGW_THUMBPRINT_LEN];
	time_t not_after;
};

/* --- thumbprints --- */

/* Parse 40 hex digits; tolerates upper/lower case, spaces, colons, and the
 * invisible U+200E that Windows' certificate dialog puts in front when copied.
 * Returns false on anything else (wrong length, other characters). */
__attribute__((warn_unused_result))
bool sgw_thumbprint_parse(const char *s, uint8_t out[SGW_THUMBPRINT_LEN]);
/* 40 upper-case hex digits and a NUL, as Windows shows it. */
void sgw_thumbprint_format(const uint8_t tp[SGW_THUMBPRINT_LEN],
			   char out[SGW_THUMBPRINT_HEX + 1]);

/* --- trust store --- */

__attribute__((warn_unused_result))
struct sgw_trust *sgw_trust_create(unsigned max_roots);
void sgw_trust_destroy(struct sgw_trust *t);
/* Add a root from memory (DER, base64 DER with or without PEM armour).
 * Must be a CA certificate (basicConstraints CA:TRUE or a self-signed v1).
 * Returns the new root id (>= 0), or -EEXIST (same thumbprint already there),
 * -ENOSPC (max_roots reached), -EINVAL (not a certificate / not a CA); err
 * gets a one-line reason. */
__attribute__((warn_unused_result))
int sgw_trust_add(struct sgw_trust *t, const uint8_t *data, size_t len,
		  char *err, size_t err_len);
__attribute__((warn_unused_result))
int sgw_trust_add_file(struct sgw_trust *t, const char *path,
		       char *err, size_t err_len);
/* Returns 0 or -ENOENT. */
__attribute__((warn_unused_result))
int sgw_trust_remove(struct sgw_trust *t, unsigned id);
unsigned sgw_trust_count(const struct sgw_trust *t);
/* idx in [0, count). Returns false if out of range. */
bool sgw_trust_root_info(const struct sgw_trust *t, unsigned idx,
			 struct sgw_root_info *out);

/* --- revoked set --- */

__attribute__((warn_unused_result))
struct sgw_revoked *sgw_revoked_create(void);
void sgw_revoked_destroy(struct sgw_revoked *r);
/* Returns 0, -EEXIST or -ENOMEM. */
__attribute__((warn_unused_result))
int sgw_revoked_add(struct sgw_revoked *r, const uint8_t tp[SGW_THUMBPRINT_LEN]);
/* Returns 0 or -ENOENT. */
__attribute__((warn_unused_result))
int sgw_revoked_remove(struct sgw_revoked *r, const uint8_t tp[SGW_THUMBPRINT_LEN]);
bool sgw_revoked_contains(const struct sgw_revoked *r,
			  const uint8_t tp[SGW_THUMBPRINT_LEN]);
unsigned sgw_revoked_count(const struct sgw_revoked *r);

/* --- copy-on-write publication (control/tables.c) --- */

/* A trust store with the same roots and ids, to change and then publish in
 * place of t (RCU): the certificates are shared (reference counted, never
 * changed after parsing), the list and the X509_STORE are the clone's own.
 * Returns NULL on no memory. */
__attribute__((warn_unused_result))
struct sgw_trust *sgw_trust_clone(const struct sgw_trust *t);
/* sgw_trust_add() with the id the caller wants (> 0), so that ids stay the
 * same across restarts; later automatic ids continue above it. Returns id,
 * -EEXIST (id or thumbprint already there) or what sgw_trust_add() returns. */
__attribute__((warn_unused_result))
int sgw_trust_add_id(struct sgw_trust *t, const uint8_t *data, size_t len,
		     unsigned id, char *err, size_t err_len);
/* Whether a root with this id is in t (a session whose root is gone ends). */
bool sgw_trust_has_id(const struct sgw_trust *t, unsigned id);
/* The SHA-1 thumbprint of a certificate given as sgw_trust_add() takes it
 * (DER, PEM, base64 DER), without adding it. Returns 0 or -EINVAL. */
__attribute__((warn_unused_result))
int sgw_cert_thumbprint(const uint8_t *data, size_t len,
			uint8_t tp[SGW_THUMBPRINT_LEN]);

/* Same contract as sgw_trust_clone(), for the revoked set. */
__attribute__((warn_unused_result))
struct sgw_revoked *sgw_revoked_clone(const struct sgw_revoked *r);
/* The idx-th thumbprint in ascending byte order; false if out of range. */
bool sgw_revoked_get(const struct sgw_revoked *r, unsigned idx,
		     uint8_t tp[SGW_THUMBPRINT_LEN]);

/* --- verification --- */

enum sgw_x509_verdict {
	SGW_X509_OK,
	SGW_X509_NO_CERT,          /* the client sent no certificate */
	SGW_X509_MALFORMED,        /* could not be parsed */
	SGW_X509_UNKNOWN_ROOT,     /* does not chain to a trusted root */
	SGW_X509_EXPIRED,          /* leaf or chain past notAfter */
	SGW_X509_NOT_YET_VALID,    /* leaf or chain before notBefore */
	SGW_X509_NO_CLIENT_AUTH_EKU,
	SGW_X509_REVOKED,          /* leaf thumbprint in the revoked set */
	SGW_X509_BAD_CHAIN,        /* bad signature, CA flags, path length... */
};

struct sgw_x509_result {
	enum sgw_x509_verdict verdict;
	int root_id;                       /* -1 unless it chained */
	uint8_t thumbprint[SGW_THUMBPRINT_LEN]; /* of the leaf, when parsed */
	char cn[SGW_X509_CN_MAX];          /* leaf subject CN, "" if none */
	char detail[160];                  /* human-readable reason */
};

const char *sgw_x509_verdict_str(enum sgw_x509_verdict v);

/* Verify a chain given as DER: certs[0] is the leaf, the rest are the
 * intermediates the client sent (any order). now: the time to check against.
 * revoked may be NULL (nothing revoked). Fills *res and returns its verdict. */
enum sgw_x509_verdict sgw_x509_verify_der(const struct sgw_trust *t,
					  const struct sgw_revoked *revoked,
					  const uint8_t *const *certs,
					  const size_t *lens, unsigned n,
					  time_t now, struct sgw_x509_result *res);

#ifdef __cplusplus
}
#endif
#endif
