/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the data-plane record layer. The first input byte
 * picks a mode; the rest is cut into pieces of 2-byte length + bytes:
 *   RAW12 / RAW13: each piece is a record as it came off the wire (framed
 *     with sgw_record_length first), opened by a server with fixed keys;
 *   INNER13 / INNER12: each piece is a plaintext (1.3: TLSInnerPlaintext with
 *     its type and padding; 1.2: type byte + content) sealed here with the
 *     client's keys, so the parsers behind the MAC are reached too. A
 *     KeyUpdate the server accepts is mirrored on the client side.
 * Bit 7 of the mode byte selects TLS 1.2 ChaCha20-Poly1305 (RFC 7905).
 * Bit 6 makes the run differential: every piece is followed by 6 bytes of
 * three cut points; a twin server record from the same keys opens each
 * record from those pieces (sgw_record_open_to, copied apart so they are
 * not contiguous, with junk after the last) while the first opens it in
 * place, and the twins' alerts and KeyUpdates are sealed with
 * sgw_record_seal_from; in INNER12 a twin client seals each plaintext from
 * two pieces. Status, alert, plaintext and every sealed byte must match,
 * else abort().
 * Must never crash, leak or hang, whatever the status codes say.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/record.h"

enum mode {
	MODE_RAW12,
	MODE_RAW13,
	MODE_INNER12,
	MODE_INNER13,
	MODE_COUNT,
};

enum {
	MAX_PIECES = 64,
	BUF = SGW_TLS_MAX_RECORD + 64,
	NCUT = 3,
	GAP = 16,
	JUNK = 7,
	DIFF = 0x40,
};

static uint8_t rec[BUF];
static uint8_t out[BUF];
/* Differential mode: the pieces, the twin's plaintext, its sealed bytes. */
static uint8_t arena[BUF + (NCUT + 1) * GAP + JUNK];
static uint8_t dst[BUF], out2[BUF];

/* Cut points into a record of n bytes, sorted. */
struct cuts {
	size_t at[NCUT];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void keys_for(struct sgw_tls_keys *k, enum sgw_tls_version v,
		     enum sgw_aead_alg alg)
{
	memset(k, 0, sizeof(*k));
	k->version = v;
	k->alg = alg;
	k->hash = SGW_TLS_HASH_SHA256;
	for (unsigned i = 0; i < 32; i++) {
		k->rx.secret[i] = (uint8_t)(0x10 + i);
		k->tx.secret[i] = (uint8_t)(0x80 + i);
	}
	if (v == SGW_TLS_VERSION_1_3) {
		k->rx.secret_len = 32;
		k->tx.secret_len = 32;
		if (sgw_tls13_traffic_keys(k->hash, k->rx.secret, 32, k->rx.key,
					   16, k->rx.iv) != 0 ||
		    sgw_tls13_traffic_keys(k->hash, k->tx.secret, 32, k->tx.key,
					   16, k->tx.iv) != 0)
			__builtin_trap();
	} else {
		/* GCM uses iv[0..3] as salt, RFC 7905 ChaCha all 12 bytes */
		memcpy(k->rx.key, k->rx.secret, 32);
		memcpy(k->tx.key, k->tx.secret, 32);
		memcpy(k->rx.iv, "salt-and-ivs", 12);
		memcpy(k->tx.iv, "SALT-AND-IVS", 12);
		k->rx.seq = 1;
		k->tx.seq = 1;
	}
}

/* The client view: the same keys with rx and tx swapped. */
static void swap(const struct sgw_tls_keys *k, struct sgw_tls_keys *c)
{
	*c = *k;
	c->rx = k->tx;
	c->tx = k->rx;
}

/* The harness's client: a record layer for 1.2 (sgw_record_seal covers
 * every type 1.2 can carry) and a bare AEAD for 1.3, so that the inner
 * plaintext, padding and type are entirely the fuzzer's. */
struct client {
	struct sgw_tls_keys k;
	struct sgw_record *rec12;
	struct sgw_record *twin12;  /* differential: seals from pieces */
	struct sgw_aead *aead13;
	uint64_t seq13;
};

static void client_init(struct client *c, const struct sgw_tls_keys *srv,
			enum mode m, bool diff)
{
	swap(srv, &c->k);
	c->rec12 = NULL;
	c->twin12 = NULL;
	c->aead13 = NULL;
	c->seq13 = 0;
	if (m == MODE_INNER12)
		c->rec12 = sgw_record_create(SGW_AEAD_BACKEND_EVP, &c->k);
	if (m == MODE_INNER12 && diff)
		c->twin12 = sgw_record_create(SGW_AEAD_BACKEND_EVP, &c->k);
	if (m == MODE_INNER13)
		c->aead13 = sgw_aead_create(SGW_AEAD_BACKEND_EVP, c->k.alg,
					    c->k.tx.key, 16);
}

static void client_fini(struct client *c)
{
	sgw_record_destroy(c->rec12);
	sgw_record_destroy(c->twin12);
	sgw_aead_destroy(c->aead13);
}

/* RFC 8446 4.6.3: the server accepted our KeyUpdate; move on too. */
static void client_key_update(struct client *c)
{
	struct sgw_tls_dir_keys *d = &c->k.tx;

	if (c->aead13 == NULL)
		return;
	if (sgw_tls13_update_secret(c->k.hash, d->secret, 32) != 0 ||
	    sgw_tls13_traffic_keys(c->k.hash, d->secret, 32, d->key, 16,
				   d->iv) != 0)
		__builtin_trap();
	sgw_aead_destroy(c->aead13);
	c->aead13 = sgw_aead_create(SGW_AEAD_BACKEND_EVP, c->k.alg, d->key, 16);
	c->seq13 = 0;
}

/* RFC 8446 5.2/5.3 by hand: the piece is the whole TLSInnerPlaintext. */
static size_t seal13(struct client *c, const uint8_t *p, size_t n)
{
	uint8_t nonce[SGW_AEAD_IV_LEN];

	if (c->aead13 == NULL || n > SGW_TLS_MAX_PLAINTEXT + 1)
		return 0;
	rec[0] = SGW_TLS_CT_APPLICATION_DATA;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (uint8_t)((n + 16) >> 8);
	rec[4] = (uint8_t)(n + 16);
	memcpy(rec + 5, p, n);
	memcpy(nonce, c->k.tx.iv, sizeof(nonce));
	for (unsigned i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(c->seq13 >> (8 * i));
	if (sgw_aead_seal(c->aead13, nonce, rec, 5, rec + 5, n, rec + 5 + n) != 0)
		return 0;
	c->seq13++;
	return 5 + n + 16;
}

/* The twin seals the same plaintext from two pieces (cut at at, the
 * first piece in another buffer): the very same record or abort(). */
static void twin_seal(struct sgw_record *twin, uint8_t type, const uint8_t *p,
		      size_t n, size_t at, const uint8_t *want, size_t want_len)
{
	struct sgw_iov v[2];
	size_t got;

	if (twin == NULL)
		return;
	at %= n + 1;
	memcpy(arena, p, at);
	v[0] = (struct sgw_iov){ arena, at };
	v[1] = (struct sgw_iov){ (uint8_t *)(uintptr_t)(p + at), n - at };
	got = sgw_record_seal_from(twin, type, v, 2, out2, sizeof(out2));
	if (got != want_len || memcmp(out2, want, got) != 0)
		abort();
}

/* 1.2: first byte is the content type, the rest the content. */
static size_t seal12(struct client *c, const uint8_t *p, size_t n,
		     const struct cuts *cu)
{
	size_t len;

	if (c->rec12 == NULL || n == 0 || n - 1 > SGW_TLS_MAX_PLAINTEXT)
		return 0;
	memcpy(rec + sgw_record_headroom(c->rec12), p + 1, n - 1);
	len = sgw_record_seal(c->rec12, p[0], rec, n - 1);
	twin_seal(c->twin12, p[0], p + 1, n - 1, cu->at[0], rec, len);
	return len;
}

/* The record in rec (n bytes) as NCUT + 1 pieces apart from each other,
 * junk after the last one (the next record's bytes, on the wire). */
static unsigned scatter(size_t n, const struct cuts *cu, struct sgw_iov *v)
{
	size_t from = 0, at = 0;

	for (unsigned i = 0; i <= NCUT; i++) {
		size_t to = i < NCUT ? cu->at[i] : n;
		size_t len = to - from + (i == NCUT ? JUNK : 0);

		memcpy(arena + at, rec + from, to - from);
		memset(arena + at + (to - from), 0xa5, len - (to - from) + GAP);
		v[i] = (struct sgw_iov){ arena + at, len };
		at += len + GAP;
		from = to;
	}
	return NCUT + 1;
}

struct opened {
	enum sgw_record_status st;
	uint8_t *plain;
	size_t len;
	uint8_t alert;
};

/* The twin opens the pieces before the in-place open changes rec. */
static void twin_open(struct sgw_record *twin, size_t n, const struct cuts *cu,
		      struct opened *o)
{
	struct sgw_iov v[NCUT + 1];
	unsigned k = scatter(n, cu, v);

	o->st = sgw_record_open_to(twin, v, k, n, dst, sizeof(dst), &o->plain,
				   &o->len, &o->alert);
}

static void same(const struct opened *a, const struct opened *b)
{
	if (a->st != b->st || a->len != b->len || a->alert != b->alert ||
	    (a->plain == NULL) != (b->plain == NULL))
		abort();
	if (a->plain != NULL && memcmp(a->plain, b->plain, a->len) != 0)
		abort();
}

/* What the server sends back, and the twin the same from pieces. */
static void reply(struct sgw_record *srv, struct sgw_record *twin,
		  enum sgw_record_status st)
{
	if (sgw_record_tx_key_update_pending(srv)) {
		size_t n = sgw_record_seal_key_update(srv, out, sizeof(out));

		if (twin != NULL &&
		    (sgw_record_seal_key_update(twin, out2, sizeof(out2)) != n ||
		     memcmp(out, out2, n) != 0))
			abort();
	}
	if (st != SGW_REC_OK) {
		static const uint8_t body[2] = { 2, SGW_TLS_ALERT_DECODE_ERROR };
		size_t n = sgw_record_seal_alert(srv, true, body[1], out, sizeof(out));

		twin_seal(twin, SGW_TLS_CT_ALERT, body, 2, 1, out, n);
	}
}

static void open_one(struct sgw_record *srv, struct sgw_record *twin,
		     struct client *c, size_t n, const struct cuts *cu)
{
	struct opened a = { .st = SGW_REC_OK }, b = { .st = SGW_REC_OK };

	if (twin != NULL)
		twin_open(twin, n, cu, &b);
	a.st = sgw_record_open(srv, rec, n, &a.plain, &a.len, &a.alert);
	if (a.st == SGW_REC_OK && a.len > 0 && a.plain == NULL)
		__builtin_trap();
	if (a.st == SGW_REC_OK && (a.plain < rec || a.plain + a.len > rec + n))
		__builtin_trap();
	if (twin != NULL)
		same(&a, &b);
	if (a.st == SGW_REC_KEY_UPDATE)
		client_key_update(c);
	reply(srv, twin, a.st);
}

/* Differential mode: three 2-byte cut points follow each piece's length;
 * each is taken modulo the record length + 1, then sorted. */
static void read_cuts(const uint8_t **data, size_t *size, struct cuts *cu)
{
	for (unsigned i = 0; i < NCUT; i++) {
		cu->at[i] = *size >= 2 ? (size_t)(*data)[0] << 8 | (*data)[1] : 0;
		if (*size >= 2) {
			*data += 2;
			*size -= 2;
		}
	}
}

static void fit_cuts(struct cuts *cu, size_t n)
{
	for (unsigned i = 0; i < NCUT; i++)
		cu->at[i] %= n + 1;
	for (unsigned i = 1; i < NCUT; i++)
		for (unsigned j = i; j > 0 && cu->at[j - 1] > cu->at[j]; j--) {
			size_t t = cu->at[j];

			cu->at[j] = cu->at[j - 1];
			cu->at[j - 1] = t;
		}
}

/* Frame a raw piece as the TCP layer would, then open it in a copy. */
static size_t raw_piece(const uint8_t *p, size_t n)
{
	long len = sgw_record_length(p, n);

	if (len <= 0 || (size_t)len > n)
		return 0;
	memcpy(rec, p, (size_t)len);
	return (size_t)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgw_tls_keys k;
	struct sgw_record *srv, *twin = NULL;
	struct client c;
	enum sgw_aead_alg alg;
	enum mode m;
	bool diff;

	if (size < 1)
		return 0;
	m = (enum mode)(data[0] % MODE_COUNT);
	diff = (data[0] & DIFF) != 0;
	/* bit 7 picks TLS 1.2 ChaCha20-Poly1305 (RFC 7905) over AES-GCM */
	alg = (data[0] & 0x80) && (m == MODE_RAW12 || m == MODE_INNER12) ?
	      SGW_AEAD_CHACHA20_POLY1305 : SGW_AEAD_AES_128_GCM;
	data++;
	size--;
	(void)sgw_record_length(data, size);
	keys_for(&k, m == MODE_RAW12 || m == MODE_INNER12 ?
		 SGW_TLS_VERSION_1_2 : SGW_TLS_VERSION_1_3, alg);
	srv = sgw_record_create(SGW_AEAD_BACKEND_EVP, &k);
	if (diff)
		twin = sgw_record_create(SGW_AEAD_BACKEND_EVP, &k);
	client_init(&c, &k, m, diff);
	for (unsigned i = 0; i < MAX_PIECES && size >= 2 && srv != NULL &&
			     (twin != NULL || !diff); i++) {
		size_t n = (size_t)data[0] << 8 | data[1], len = 0;
		struct cuts cu = { { 0, 0, 0 } };

		data += 2;
		size -= 2;
		if (diff)
			read_cuts(&data, &size, &cu);
		if (n > size)
			n = size;
		if (m == MODE_RAW12 || m == MODE_RAW13)
			len = raw_piece(data, n);
		else if (m == MODE_INNER12)
			len = seal12(&c, data, n, &cu);
		else
			len = seal13(&c, data, n);
		fit_cuts(&cu, len);
		if (len != 0)
			open_one(srv, twin, &c, len, &cu);
		data += n;
		size -= n;
	}
	sgw_record_destroy(srv);
	sgw_record_destroy(twin);
	client_fini(&c);
	return 0;
}
