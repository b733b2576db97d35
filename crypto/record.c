/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-plane TLS record layer (see record.h). The per-version open/seal
 * bodies are chosen once at create (lib/ipsec pkt_func style); nonces and
 * AAD are built with whole-word stores, never byte by byte.
 */
#include "crypto/record.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/aead_internal.h"

enum {
	REC_HDR = SGW_TLS_RECORD_HDR,
	TAG = SGW_TLS_TAG_LEN,
	TLS12_NONCE = SGW_TLS12_EXPLICIT_NONCE,
	TLS12_SALT = 4,
	TLS12_AAD = 13, /* RFC 5246 6.2.3.3: seq || type || version || length */
	/* RFC 8446 5.4: TLSInnerPlaintext = content || type, <= 2^14 + 1. */
	TLS13_MAX_INNER = SGW_TLS_MAX_PLAINTEXT + 1,
	/* RFC 8446 5.1: legacy_record_version of every protected record. */
	TLS_WIRE_VERSION = 0x0303,
	/* RFC 8446 4 / RFC 5246 7.4: HandshakeType key_update, its body. */
	HS_KEY_UPDATE = 24,
	HS_HDR = 4,
	KEY_UPDATE_LEN = HS_HDR + 1,
	ALERT_LEN = 2,
	ALERT_LEVEL_WARNING = 1,
	ALERT_LEVEL_FATAL = 2,
	/* RFC 8446 D.4: the compatibility change_cipher_spec is one 0x01. */
	CCS_BODY = 1,
};

/* RFC 8446 4.6.3 KeyUpdateRequest. */
enum key_update_request {
	UPDATE_NOT_REQUESTED = 0,
	UPDATE_REQUESTED = 1,
};

struct rec_dir {
	struct sgw_aead *aead;
	uint64_t seq;
	uint8_t iv[SGW_AEAD_IV_LEN]; /* 1.3 static iv; 1.2 salt in [0..3] */
	uint8_t secret[SGW_TLS_MAX_SECRET_LEN];
};

/* What an open hands back besides its status. */
struct rec_out {
	uint8_t *plain;
	size_t len;
	uint8_t alert;
};

/* One whole record to open, wherever its bytes lie: the pieces (one for an
 * in-place open), its header and the bytes after it (TLS 1.2's explicit
 * nonce, a CCS body) gathered, and where the plaintext goes: right after
 * the headroom for in place (the ciphertext piece is then dst itself), a
 * separate buffer otherwise. The per-version open bodies and everything
 * after the AEAD (inner12, inner13: alerts, KeyUpdate, padding) are shared
 * by sgw_record_open and sgw_record_open_to through this. */
struct rec_in {
	const struct sgw_iov *v;
	unsigned nv;
	size_t body_len;           /* record length - REC_HDR */
	uint8_t hdr[REC_HDR + TLS12_NONCE];
	uint8_t *dst;
};

/* One record to seal: its plaintext as pieces (one, already at the body,
 * for an in-place seal), the record goes to rec. */
struct seal_in {
	const struct sgw_iov *v;
	unsigned nv;
	size_t len;
	uint8_t *rec;
};

struct rec_ops {
	enum sgw_record_status (*open)(struct sgw_record *r,
				       const struct rec_in *in, struct rec_out *o);
	size_t (*seal)(struct sgw_record *r, uint8_t type, const struct seal_in *in);
	uint8_t headroom;
	uint8_t tailroom;
};

struct sgw_record {
	const struct rec_ops *ops;
	struct rec_dir rx;
	struct rec_dir tx;
	enum sgw_tls_version version;
	enum sgw_aead_alg alg;
	enum sgw_tls_hash hash;
	uint8_t secret_len;
	bool tx_update_pending;
	/* 1.3: a protected record came in, so no more compatibility CCS. */
	bool rx_protected_seen;
};

/* Next keys of one direction, derived before anything is committed. */
struct next_keys {
	uint8_t secret[SGW_TLS_MAX_SECRET_LEN];
	uint8_t key[SGW_AEAD_MAX_KEY_LEN];
	uint8_t iv[SGW_AEAD_IV_LEN];
};

static void put_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

/* RFC 5246 6.2.1: type(1) || version(2) || length(2), as one 32-bit store
 * after the type byte. */
static void put_hdr(uint8_t *rec, uint8_t type, size_t len)
{
	uint32_t w = htobe32((uint32_t)TLS_WIRE_VERSION << 16 | (uint32_t)len);

	rec[0] = type;
	memcpy(rec + 1, &w, sizeof(w));
}

static unsigned hdr_version(const uint8_t *rec)
{
	return (unsigned)rec[1] << 8 | rec[2];
}

static size_t hdr_length(const uint8_t *rec)
{
	return (size_t)rec[3] << 8 | rec[4];
}

static bool known_type(uint8_t type)
{
	return type >= SGW_TLS_CT_CHANGE_CIPHER_SPEC &&
	       type <= SGW_TLS_CT_APPLICATION_DATA;
}

/* RFC 8446 5.3: nonce = iv XOR (seq left-padded to 12 bytes). */
static void nonce13(uint8_t nonce[SGW_AEAD_IV_LEN], const uint8_t *iv,
		    uint64_t seq)
{
	uint64_t lo;

	memcpy(nonce, iv, 4);
	memcpy(&lo, iv + 4, sizeof(lo));
	lo ^= htobe64(seq);
	memcpy(nonce + 4, &lo, sizeof(lo));
}

/* RFC 5288 3: nonce = salt(4) || explicit(8); the explicit part is at
 * explicit (the record's copy). */
static void nonce12(uint8_t nonce[SGW_AEAD_IV_LEN], const uint8_t *salt,
		    const uint8_t *explicit_nonce)
{
	memcpy(nonce, salt, TLS12_SALT);
	memcpy(nonce + TLS12_SALT, explicit_nonce, TLS12_NONCE);
}

/* RFC 5246 6.2.3.3: seq(8) || type(1) || version(2) || length(2), as two
 * 64-bit stores into a 16-byte buffer of which 13 bytes are used. */
static void aad12(uint8_t aad[16], uint64_t seq, uint8_t type, size_t len)
{
	put_be64(aad, seq);
	put_be64(aad + 8, (uint64_t)type << 56 |
			  (uint64_t)TLS_WIRE_VERSION << 40 |
			  (uint64_t)len << 24);
}

/* RFC 8446 5.3 / 5246 6.1: a sequence number must never wrap; the last
 * value is refused so that no nonce can repeat. */
static bool seq_exhausted(const struct rec_dir *d)
{
	return d->seq == UINT64_MAX;
}

static enum sgw_record_status alert_in(uint8_t *p, size_t len,
				       struct rec_out *o)
{
	/* RFC 8446 6: struct Alert { level, description }. */
	if (len != ALERT_LEN ||
	    (p[0] != ALERT_LEVEL_WARNING && p[0] != ALERT_LEVEL_FATAL))
		return SGW_REC_BAD_RECORD;
	o->alert = p[1];
	if (p[1] == SGW_TLS_ALERT_CLOSE_NOTIFY)
		return SGW_REC_CLOSE_NOTIFY;
	return SGW_REC_ALERT;
}

static bool app_out(uint8_t *p, size_t len, struct rec_out *o)
{
	o->plain = p;
	o->len = len;
	return true;
}

/* ---- TLS 1.3 key schedule for KeyUpdate (RFC 8446 4.6.3, 7.2) ---- */

static int next_keys(const struct sgw_record *r, const struct rec_dir *d,
		     struct next_keys *nk)
{
	int rc;

	memcpy(nk->secret, d->secret, r->secret_len);
	rc = sgw_tls13_update_secret(r->hash, nk->secret, r->secret_len);
	if (rc == 0)
		rc = sgw_tls13_traffic_keys(r->hash, nk->secret, r->secret_len,
					    nk->key, sgw_aead_key_len(r->alg),
					    nk->iv);
	return rc;
}

/* The sequence number restarts at 0 under new keys (RFC 8446 5.3). */
static int commit_keys(const struct sgw_record *r, struct rec_dir *d,
		       const struct next_keys *nk)
{
	int rc = sgw_aead_rekey(d->aead, nk->key, sgw_aead_key_len(r->alg));

	if (rc != 0)
		return rc;
	memcpy(d->secret, nk->secret, r->secret_len);
	memcpy(d->iv, nk->iv, sizeof(d->iv));
	d->seq = 0;
	return 0;
}

static int rotate(struct sgw_record *r, struct rec_dir *d)
{
	struct next_keys nk;
	int rc = next_keys(r, d, &nk);

	if (rc == 0)
		rc = commit_keys(r, d, &nk);
	OPENSSL_cleanse(&nk, sizeof(nk));
	return rc;
}

/*
 * RFC 8446 4.6.3. After the handshake the only handshake message a client
 * may send us is KeyUpdate: no post-handshake auth is ever requested and
 * NewSessionTicket goes server -> client only. It must end its record
 * (5.1), so it is the whole record here.
 */
static enum sgw_record_status handshake13(struct sgw_record *r,
					  const uint8_t *p, size_t len)
{
	static const uint8_t ku_hdr[HS_HDR] = { HS_KEY_UPDATE, 0, 0, 1 };

	if (len != KEY_UPDATE_LEN || memcmp(p, ku_hdr, HS_HDR) != 0 ||
	    p[HS_HDR] > UPDATE_REQUESTED)
		return SGW_REC_BAD_RECORD;
	/* Key derivation failing is an internal error; the call ends. */
	if (rotate(r, &r->rx) != 0)
		return SGW_REC_BAD_RECORD;
	if (p[HS_HDR] == UPDATE_REQUESTED)
		r->tx_update_pending = true;
	return SGW_REC_KEY_UPDATE;
}

/* RFC 8446 5.4: the content type is the last non-zero byte. */
static enum sgw_record_status inner13(struct sgw_record *r, uint8_t *p,
				      size_t len, struct rec_out *o)
{
	while (len > 0 && p[len - 1] == 0)
		len--;
	if (len == 0)
		return SGW_REC_BAD_RECORD; /* unexpected_message */
	len--;
	switch (p[len]) {
	case SGW_TLS_CT_APPLICATION_DATA:
		app_out(p, len, o);
		return SGW_REC_OK;
	case SGW_TLS_CT_ALERT:
		return alert_in(p, len, o);
	case SGW_TLS_CT_HANDSHAKE:
		return handshake13(r, p, len);
	default:
		/* Includes a protected change_cipher_spec (RFC 8446 5). */
		return SGW_REC_BAD_RECORD;
	}
}

/* RFC 8446 D.4: a compatibility CCS may show up only before the peer's
 * first protected record. */
static enum sgw_record_status ccs13(const struct sgw_record *r,
				   const uint8_t *body, size_t len)
{
	if (!r->rx_protected_seen && len == 1 && body[0] == CCS_BODY)
		return SGW_REC_IGNORED;
	return SGW_REC_BAD_RECORD;
}

/* ---- pieces ---- */

/* n bytes from offset off of the pieces into out (the header, TLS 1.2's
 * explicit nonce, the tag: small fields that a piece boundary may cut).
 * The caller checked that the pieces hold them. */
static void gather_at(const struct sgw_iov *v, unsigned nv, size_t off,
		      uint8_t *out, size_t n)
{
	for (unsigned i = 0; i < nv && n > 0; i++) {
		if (off >= v[i].len) {
			off -= v[i].len;
			continue;
		}
		size_t k = v[i].len - off < n ? v[i].len - off : n;

		memcpy(out, v[i].base + off, k);
		out += k;
		n -= k;
		off = 0;
	}
}

/* The n > 0 bytes at offset off of the pieces, as at most max pieces in
 * out (empty pieces skipped): their count, or 0 if more are needed. */
static unsigned slice(const struct sgw_iov *v, unsigned nv, size_t off,
		      size_t n, struct sgw_iov *out, unsigned max)
{
	unsigned k = 0;

	for (unsigned i = 0; i < nv && n > 0; i++) {
		if (off >= v[i].len) {
			off -= v[i].len;
			continue;
		}
		if (k == max)
			return 0;
		size_t len = v[i].len - off < n ? v[i].len - off : n;

		out[k++] = (struct sgw_iov){ v[i].base + off, len };
		n -= len;
		off = 0;
	}
	return n == 0 ? k : 0;
}

/* Decrypt the len ciphertext bytes at offset off of the record into
 * in->dst and check the tag that follows them; rx.seq moves on success
 * only. In place, the one ciphertext piece is dst itself: the one-shot
 * in-place AEAD is faster there than the streaming one (ipsec-mb). */
static enum sgw_record_status decrypt(struct sgw_record *r, const struct rec_in *in,
				      const uint8_t *nonce, const uint8_t *aad,
				      size_t aad_len, size_t off, size_t len)
{
	struct sgw_iov ct[SGW_RECORD_MAX_PIECES];
	uint8_t tag[TAG];
	unsigned n = 0;

	if (len > 0) {
		n = slice(in->v, in->nv, off, len, ct, SGW_RECORD_MAX_PIECES);
		if (n == 0)
			return SGW_REC_BAD_RECORD; /* see sgw_record_open_to */
	}
	gather_at(in->v, in->nv, off + len, tag, TAG);
	if (!(n == 1 && ct[0].base == in->dst ?
	      sgw_aead_open(r->rx.aead, nonce, aad, aad_len, in->dst, len, tag) :
	      sgw_aead_open_to(r->rx.aead, nonce, aad, aad_len, ct, n, in->dst, tag)))
		return SGW_REC_BAD_MAC;
	r->rx.seq++;
	return SGW_REC_OK;
}

/* Encrypt the plaintext pieces into the record's body, the tag after it;
 * tx.seq moves on success only. One piece already at body: in place. */
static bool encrypt(struct sgw_record *r, const struct sgw_iov *v, unsigned nv,
		    size_t len, const uint8_t *nonce, const uint8_t *aad,
		    size_t aad_len, uint8_t *body)
{
	int rc = nv == 1 && v[0].base == body ?
		 sgw_aead_seal(r->tx.aead, nonce, aad, aad_len, body, len, body + len) :
		 sgw_aead_seal_to(r->tx.aead, nonce, aad, aad_len, v, nv, body, body + len);

	if (rc != 0)
		return false;
	r->tx.seq++;
	return true;
}

static enum sgw_record_status open13(struct sgw_record *r, const struct rec_in *in,
				     struct rec_out *o)
{
	uint8_t nonce[SGW_AEAD_IV_LEN];
	size_t len = in->body_len, inner;
	enum sgw_record_status st;

	if (in->hdr[0] == SGW_TLS_CT_CHANGE_CIPHER_SPEC)
		return ccs13(r, in->hdr + REC_HDR, len);
	/* RFC 8446 5.2: every later record is opaque_type application_data. */
	if (in->hdr[0] != SGW_TLS_CT_APPLICATION_DATA || len < 1 + TAG)
		return SGW_REC_BAD_RECORD;
	inner = len - TAG;
	if (inner > TLS13_MAX_INNER)
		return SGW_REC_OVERFLOW;
	if (seq_exhausted(&r->rx))
		return SGW_REC_BAD_RECORD;
	nonce13(nonce, r->rx.iv, r->rx.seq);
	st = decrypt(r, in, nonce, in->hdr, REC_HDR, REC_HDR, inner);
	if (st != SGW_REC_OK)
		return st;
	r->rx_protected_seen = true;
	return inner13(r, in->dst, inner, o);
}

/* No padding: the inner type follows the content directly. In place it
 * is written after the plaintext (the tailroom), which keeps one piece;
 * from pieces it is one more piece. */
static size_t seal13(struct sgw_record *r, uint8_t type, const struct seal_in *in)
{
	uint8_t nonce[SGW_AEAD_IV_LEN], *body = in->rec + REC_HDR;
	struct sgw_iov v[SGW_RECORD_MAX_PIECES + 1];
	size_t inner = in->len + 1;
	unsigned nv = in->nv;

	if (nv > SGW_RECORD_MAX_PIECES)
		return 0;
	if (nv == 1 && in->v[0].base == body) {
		body[in->len] = type;
		v[0] = (struct sgw_iov){ body, inner };
	} else {
		if (nv > 0)
			memcpy(v, in->v, nv * sizeof(v[0]));
		v[nv++] = (struct sgw_iov){ &type, 1 };
	}
	put_hdr(in->rec, SGW_TLS_CT_APPLICATION_DATA, inner + TAG);
	nonce13(nonce, r->tx.iv, r->tx.seq);
	if (!encrypt(r, v, nv, inner, nonce, in->rec, REC_HDR, body))
		return 0;
	return REC_HDR + inner + TAG;
}

/* ---- TLS 1.2 (RFC 5246 6.2.3.3, RFC 5288) ---- */

static enum sgw_record_status inner12(uint8_t type, uint8_t *p, size_t len,
				      struct rec_out *o)
{
	switch (type) {
	case SGW_TLS_CT_APPLICATION_DATA:
		app_out(p, len, o);
		return SGW_REC_OK;
	case SGW_TLS_CT_ALERT:
		return alert_in(p, len, o);
	case SGW_TLS_CT_HANDSHAKE:
		/* HelloRequest/ClientHello after the handshake: renegotiation,
		 * which we refuse (RFC 5746 4.4 lets us say no_renegotiation). */
		return len == 0 ? SGW_REC_BAD_RECORD : SGW_REC_RENEGOTIATION;
	default:
		/* change_cipher_spec after the handshake: unexpected_message. */
		return SGW_REC_BAD_RECORD;
	}
}

/* TLS 1.2: the checks both suites share; *plain_len from the body. */
static enum sgw_record_status check12(const struct sgw_record *r,
				      const struct rec_in *in, size_t nonce_len,
				      size_t *plain_len)
{
	if (in->hdr[0] == SGW_TLS_CT_CHANGE_CIPHER_SPEC ||
	    in->body_len < nonce_len + TAG)
		return SGW_REC_BAD_RECORD;
	*plain_len = in->body_len - nonce_len - TAG;
	if (*plain_len > SGW_TLS_MAX_PLAINTEXT)
		return SGW_REC_OVERFLOW;
	if (seq_exhausted(&r->rx))
		return SGW_REC_BAD_RECORD;
	return SGW_REC_OK;
}

static enum sgw_record_status open12(struct sgw_record *r, const struct rec_in *in,
				     struct rec_out *o)
{
	uint8_t nonce[SGW_AEAD_IV_LEN], aad[16];
	size_t plain_len = 0;
	enum sgw_record_status st = check12(r, in, TLS12_NONCE, &plain_len);

	if (st != SGW_REC_OK)
		return st;
	nonce12(nonce, r->rx.iv, in->hdr + REC_HDR);
	aad12(aad, r->rx.seq, in->hdr[0], plain_len);
	st = decrypt(r, in, nonce, aad, TLS12_AAD, REC_HDR + TLS12_NONCE, plain_len);
	if (st != SGW_REC_OK)
		return st;
	return inner12(in->hdr[0], in->dst, plain_len, o);
}

/* The explicit nonce we send is our sequence number (RFC 5288 3 allows any
 * unique value; the counter is the one that can never repeat). */
static size_t seal12(struct sgw_record *r, uint8_t type, const struct seal_in *in)
{
	uint8_t nonce[SGW_AEAD_IV_LEN], aad[16];
	uint8_t *rec = in->rec;

	put_hdr(rec, type, TLS12_NONCE + in->len + TAG);
	put_be64(rec + REC_HDR, r->tx.seq);
	nonce12(nonce, r->tx.iv, rec + REC_HDR);
	aad12(aad, r->tx.seq, type, in->len);
	if (!encrypt(r, in->v, in->nv, in->len, nonce, aad, TLS12_AAD,
		     rec + REC_HDR + TLS12_NONCE))
		return 0;
	return REC_HDR + TLS12_NONCE + in->len + TAG;
}

/* RFC 7905 2: TLS 1.2 ChaCha20-Poly1305 has no explicit nonce; the nonce is
 * the 12-byte iv XOR seq as in 1.3, the AAD is the 1.2 one. */
static enum sgw_record_status open12c(struct sgw_record *r, const struct rec_in *in,
				      struct rec_out *o)
{
	uint8_t nonce[SGW_AEAD_IV_LEN], aad[16];
	size_t plain_len = 0;
	enum sgw_record_status st = check12(r, in, 0, &plain_len);

	if (st != SGW_REC_OK)
		return st;
	nonce13(nonce, r->rx.iv, r->rx.seq);
	aad12(aad, r->rx.seq, in->hdr[0], plain_len);
	st = decrypt(r, in, nonce, aad, TLS12_AAD, REC_HDR, plain_len);
	if (st != SGW_REC_OK)
		return st;
	return inner12(in->hdr[0], in->dst, plain_len, o);
}

static size_t seal12c(struct sgw_record *r, uint8_t type, const struct seal_in *in)
{
	uint8_t nonce[SGW_AEAD_IV_LEN], aad[16];

	put_hdr(in->rec, type, in->len + TAG);
	nonce13(nonce, r->tx.iv, r->tx.seq);
	aad12(aad, r->tx.seq, type, in->len);
	if (!encrypt(r, in->v, in->nv, in->len, nonce, aad, TLS12_AAD, in->rec + REC_HDR))
		return 0;
	return REC_HDR + in->len + TAG;
}

static const struct rec_ops ops12_chacha = {
	.open = open12c,
	.seal = seal12c,
	.headroom = REC_HDR,
	.tailroom = TAG,
};

static const struct rec_ops ops12 = {
	.open = open12,
	.seal = seal12,
	.headroom = REC_HDR + TLS12_NONCE,
	.tailroom = TAG,
};

static const struct rec_ops ops13 = {
	.open = open13,
	.seal = seal13,
	.headroom = REC_HDR,
	.tailroom = 1 + TAG,
};

/* ---- setup ---- */

/* RFC 8446 B.4: each TLS 1.3 suite fixes its hash. */
static bool suite13_ok(const struct sgw_tls_keys *k)
{
	enum sgw_tls_hash want = k->alg == SGW_AEAD_AES_256_GCM ?
				 SGW_TLS_HASH_SHA384 : SGW_TLS_HASH_SHA256;
	size_t hl = sgw_tls_hash_len(k->hash);

	return k->hash == want && hl != 0 && k->rx.secret_len == hl &&
	       k->tx.secret_len == hl;
}

static bool keys_ok(const struct sgw_tls_keys *k)
{
	if (sgw_aead_key_len(k->alg) == 0)
		return false;
	if (k->version == SGW_TLS_VERSION_1_2)
		return true;
	return k->version == SGW_TLS_VERSION_1_3 && suite13_ok(k);
}

/* TLS 1.2 GCM (RFC 5288), TLS 1.2 ChaCha20-Poly1305 (RFC 7905: the full
 * 12-byte iv in iv[], as crypto/tls.c exports it), TLS 1.3. */
static const struct rec_ops *ops_for(const struct sgw_tls_keys *k)
{
	if (k->version == SGW_TLS_VERSION_1_3)
		return &ops13;
	if (k->alg == SGW_AEAD_CHACHA20_POLY1305)
		return &ops12_chacha;
	return &ops12;
}

static int dir_init(struct rec_dir *d, enum sgw_aead_backend b,
		    const struct sgw_tls_keys *k, const struct sgw_tls_dir_keys *dk)
{
	d->aead = sgw_aead_create(b, k->alg, dk->key, sgw_aead_key_len(k->alg));
	if (d->aead == NULL)
		return -ENOMEM;
	memcpy(d->iv, dk->iv, sizeof(d->iv));
	memcpy(d->secret, dk->secret, sizeof(d->secret));
	d->seq = dk->seq;
	return 0;
}

struct sgw_record *sgw_record_create(enum sgw_aead_backend b,
				     const struct sgw_tls_keys *keys)
{
	struct sgw_record *r;

	if (keys == NULL || !keys_ok(keys))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->ops = ops_for(keys);
	r->version = keys->version;
	r->alg = keys->alg;
	r->hash = keys->hash;
	r->secret_len = keys->rx.secret_len;
	if (dir_init(&r->rx, b, keys, &keys->rx) != 0 ||
	    dir_init(&r->tx, b, keys, &keys->tx) != 0) {
		sgw_record_destroy(r);
		return NULL;
	}
	return r;
}

void sgw_record_destroy(struct sgw_record *r)
{
	if (r == NULL)
		return;
	sgw_aead_destroy(r->rx.aead);
	sgw_aead_destroy(r->tx.aead);
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
}

enum sgw_tls_version sgw_record_version(const struct sgw_record *r)
{
	return r->version;
}

/* ---- framing, open, seal ---- */

long sgw_record_length(const uint8_t *buf, size_t avail)
{
	size_t len;

	if (avail < REC_HDR)
		return 0;
	if (buf == NULL || !known_type(buf[0]))
		return -1;
	/* Major 3, minor 1..3: 0x0301 only in a first ClientHello. */
	if (hdr_version(buf) < 0x0301 || hdr_version(buf) > TLS_WIRE_VERSION)
		return -1;
	len = hdr_length(buf);
	if (len > SGW_TLS_MAX_CIPHERTEXT)
		return SGW_RECORD_TOO_LONG;
	return (long)(REC_HDR + len);
}

/* The header of a whole record, before any crypto. */
static enum sgw_record_status check_hdr(const uint8_t *rec, size_t rec_len)
{
	if (rec_len < REC_HDR)
		return SGW_REC_BAD_RECORD;
	if (hdr_length(rec) > SGW_TLS_MAX_CIPHERTEXT)
		return SGW_REC_OVERFLOW; /* RFC 8446 5.2 */
	if (REC_HDR + hdr_length(rec) != rec_len || !known_type(rec[0]) ||
	    hdr_version(rec) != TLS_WIRE_VERSION)
		return SGW_REC_BAD_RECORD;
	return SGW_REC_OK;
}

/* Both opens: in->v and in->dst are set, the rest is filled here. */
static enum sgw_record_status open_in(struct sgw_record *r, struct rec_in *in,
				      size_t rec_len, uint8_t **plain,
				      size_t *plain_len, uint8_t *alert)
{
	struct rec_out o = { .plain = NULL, .len = 0, .alert = 0 };
	enum sgw_record_status st = SGW_REC_BAD_RECORD;
	size_t h = rec_len < sizeof(in->hdr) ? rec_len : sizeof(in->hdr);

	memset(in->hdr, 0, sizeof(in->hdr));
	gather_at(in->v, in->nv, 0, in->hdr, h);
	if (r != NULL)
		st = check_hdr(in->hdr, rec_len);
	if (st == SGW_REC_OK) {
		in->body_len = rec_len - REC_HDR;
		st = r->ops->open(r, in, &o);
	}
	if (plain != NULL)
		*plain = o.plain;
	if (plain_len != NULL)
		*plain_len = o.len;
	if (alert != NULL)
		*alert = o.alert;
	return st;
}

enum sgw_record_status sgw_record_open(struct sgw_record *r, uint8_t *rec,
				       size_t rec_len, uint8_t **plain,
				       size_t *plain_len, uint8_t *alert)
{
	struct sgw_iov v = { rec, rec_len };
	/* In place: the plaintext stays where its ciphertext was. */
	struct rec_in in = { .v = &v, .nv = 1 };

	if (rec == NULL || r == NULL)
		rec_len = 0;
	in.dst = rec_len > 0 ? rec + r->ops->headroom : NULL;
	return open_in(r, &in, rec_len, plain, plain_len, alert);
}

/* At least need bytes in the pieces? Stops once there are (the pieces may
 * run on past the record); bounded by n. */
static bool holds(const struct sgw_iov *v, unsigned n, size_t need)
{
	for (unsigned i = 0; i < n && need > 0; i++) {
		if (v[i].len != 0 && v[i].base == NULL)
			return false;
		need -= v[i].len < need ? v[i].len : need;
	}
	return need == 0;
}

/* Anything wrong with the arguments is a malformed record (rec_len 0 fails
 * check_hdr) rather than a new status: the caller drops it the same way. */
enum sgw_record_status sgw_record_open_to(struct sgw_record *r,
					  const struct sgw_iov *rec, unsigned n,
					  size_t rec_len, uint8_t *dst, size_t cap,
					  uint8_t **plain, size_t *plain_len,
					  uint8_t *alert)
{
	struct rec_in in = { .v = rec, .nv = n, .dst = dst };

	if (rec == NULL || dst == NULL || cap < rec_len || !holds(rec, n, rec_len)) {
		in.nv = 0;
		rec_len = 0;
	}
	return open_in(r, &in, rec_len, plain, plain_len, alert);
}

size_t sgw_record_headroom(const struct sgw_record *r)
{
	return r->ops->headroom;
}

size_t sgw_record_tailroom(const struct sgw_record *r)
{
	return r->ops->tailroom;
}

static bool fits(const struct sgw_record *r, size_t plain_len, size_t cap)
{
	return r->ops->headroom + plain_len + r->ops->tailroom <= cap;
}

/* We protect alerts, handshake messages and data; CCS is never sealed. */
static bool sealable(uint8_t type)
{
	return type == SGW_TLS_CT_ALERT || type == SGW_TLS_CT_HANDSHAKE ||
	       type == SGW_TLS_CT_APPLICATION_DATA;
}

size_t sgw_record_seal(struct sgw_record *r, uint8_t type, uint8_t *rec,
		       size_t plain_len)
{
	struct sgw_iov v;
	struct seal_in in = { .v = &v, .nv = 1, .len = plain_len, .rec = rec };

	if (r == NULL || rec == NULL || plain_len > SGW_TLS_MAX_PLAINTEXT ||
	    !sealable(type) || seq_exhausted(&r->tx))
		return 0;
	/* In place: the plaintext is where the ciphertext goes. */
	v = (struct sgw_iov){ rec + r->ops->headroom, plain_len };
	return r->ops->seal(r, type, &in);
}

/* The plaintext length of the pieces, or SIZE_MAX if a piece is bad or
 * the sum is over SGW_TLS_MAX_PLAINTEXT. */
static size_t plain_total(const struct sgw_iov *v, unsigned n)
{
	size_t t = 0;

	for (unsigned i = 0; i < n; i++) {
		if ((v[i].len != 0 && v[i].base == NULL) ||
		    v[i].len > SGW_TLS_MAX_PLAINTEXT - t)
			return SIZE_MAX;
		t += v[i].len;
	}
	return t;
}

size_t sgw_record_seal_from(struct sgw_record *r, uint8_t type,
			    const struct sgw_iov *plain, unsigned n,
			    uint8_t *rec, size_t cap)
{
	struct seal_in in = { .v = plain, .nv = n, .rec = rec };

	if (r == NULL || rec == NULL || (plain == NULL && n > 0) ||
	    n > SGW_RECORD_MAX_PIECES || !sealable(type) || seq_exhausted(&r->tx))
		return 0;
	in.len = plain_total(plain, n);
	if (in.len == SIZE_MAX || !fits(r, in.len, cap))
		return 0;
	return r->ops->seal(r, type, &in);
}

size_t sgw_record_seal_alert(struct sgw_record *r, bool fatal, uint8_t desc,
			     uint8_t *out, size_t cap)
{
	uint8_t *p;

	if (r == NULL || out == NULL || !fits(r, ALERT_LEN, cap))
		return 0;
	p = out + r->ops->headroom;
	p[0] = fatal ? ALERT_LEVEL_FATAL : ALERT_LEVEL_WARNING;
	p[1] = desc;
	return sgw_record_seal(r, SGW_TLS_CT_ALERT, out, ALERT_LEN);
}

bool sgw_record_tx_key_update_pending(const struct sgw_record *r)
{
	return r->tx_update_pending;
}

/* RFC 8446 4.6.3: the KeyUpdate goes out under the old key, everything
 * after it under the new one. The new keys are derived first so that a
 * failure leaves the old state untouched. */
size_t sgw_record_seal_key_update(struct sgw_record *r, uint8_t *out, size_t cap)
{
	static const uint8_t ku[KEY_UPDATE_LEN] = {
		HS_KEY_UPDATE, 0, 0, 1, UPDATE_NOT_REQUESTED,
	};
	struct next_keys nk;
	size_t n = 0;

	if (r == NULL || out == NULL || r->version != SGW_TLS_VERSION_1_3 ||
	    !fits(r, KEY_UPDATE_LEN, cap))
		return 0;
	if (next_keys(r, &r->tx, &nk) != 0)
		goto out;
	memcpy(out + REC_HDR, ku, sizeof(ku));
	n = sgw_record_seal(r, SGW_TLS_CT_HANDSHAKE, out, sizeof(ku));
	if (n == 0)
		goto out;
	/* On failure the caller drops the record and ends the call. */
	if (commit_keys(r, &r->tx, &nk) != 0) {
		n = 0;
		goto out;
	}
	r->tx_update_pending = false;
out:
	OPENSSL_cleanse(&nk, sizeof(nk));
	return n;
}
