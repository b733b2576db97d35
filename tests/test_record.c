/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-plane TLS record layer. A "server" record layer and a "client view"
 * built from the same keys with rx/tx swapped talk to each other; records
 * crafted here byte by byte (an independent reference of the nonce and AAD
 * layout) and the RFC 8448 section 3 application record check the wire
 * format; then bad MACs, lengths, types, sequence numbers, alerts,
 * renegotiation, compatibility CCS and KeyUpdate both ways.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/record.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum {
	BUF = SGW_TLS_MAX_RECORD + 64,
	CT_CCS = SGW_TLS_CT_CHANGE_CIPHER_SPEC,
	CT_ALERT = SGW_TLS_CT_ALERT,
	CT_HS = SGW_TLS_CT_HANDSHAKE,
	CT_APP = SGW_TLS_CT_APPLICATION_DATA,
};

static uint8_t buf[BUF], buf2[BUF];

static const enum sgw_aead_backend backends[] = {
	SGW_AEAD_BACKEND_EVP,
	SGW_AEAD_BACKEND_IPSEC_MB,
};

struct suite {
	enum sgw_tls_version v;
	enum sgw_aead_alg alg;
};

static const struct suite suites[] = {
	{ SGW_TLS_VERSION_1_2, SGW_AEAD_AES_128_GCM },
	{ SGW_TLS_VERSION_1_2, SGW_AEAD_AES_256_GCM },
	{ SGW_TLS_VERSION_1_3, SGW_AEAD_AES_128_GCM },
	{ SGW_TLS_VERSION_1_3, SGW_AEAD_AES_256_GCM },
	{ SGW_TLS_VERSION_1_3, SGW_AEAD_CHACHA20_POLY1305 },
	{ SGW_TLS_VERSION_1_2, SGW_AEAD_CHACHA20_POLY1305 }, /* RFC 7905 */
};

static const size_t sizes[] = { 0, 1, 15, 16, 17, 1400, 16384 };

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s != '\0') {
		unsigned v;

		if (*s == ' ') {
			s++;
			continue;
		}
		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i + (i >> 8));
}

/* ---- key sets ---- */

static void dir_keys(const struct sgw_tls_keys *k, struct sgw_tls_dir_keys *d,
		     uint8_t seed)
{
	size_t kl = sgw_aead_key_len(k->alg);

	memset(d, 0, sizeof(*d));
	if (k->version == SGW_TLS_VERSION_1_2) {
		fill(d->key, kl, seed);
		fill(d->iv, k->alg == SGW_AEAD_CHACHA20_POLY1305 ? 12 : 4, seed + 1);
		d->seq = 1; /* the Finished went out under these keys */
		return;
	}
	d->secret_len = (uint8_t)sgw_tls_hash_len(k->hash);
	fill(d->secret, d->secret_len, seed);
	assert_int_equal(sgw_tls13_traffic_keys(k->hash, d->secret, d->secret_len,
						d->key, kl, d->iv), 0);
}

static void keys_init(struct sgw_tls_keys *k, const struct suite *s)
{
	memset(k, 0, sizeof(*k));
	k->version = s->v;
	k->alg = s->alg;
	k->hash = s->alg == SGW_AEAD_AES_256_GCM ? SGW_TLS_HASH_SHA384 :
						   SGW_TLS_HASH_SHA256;
	dir_keys(k, &k->rx, 0x10);
	dir_keys(k, &k->tx, 0x60);
}

static void swap_keys(const struct sgw_tls_keys *k, struct sgw_tls_keys *out)
{
	*out = *k;
	out->rx = k->tx;
	out->tx = k->rx;
}

/* RFC 8446 7.2 done by hand: the next generation of one direction. */
static void next_gen(const struct sgw_tls_keys *k, struct sgw_tls_dir_keys *d)
{
	assert_int_equal(sgw_tls13_update_secret(k->hash, d->secret, d->secret_len), 0);
	assert_int_equal(sgw_tls13_traffic_keys(k->hash, d->secret, d->secret_len,
			 d->key, sgw_aead_key_len(k->alg), d->iv), 0);
	d->seq = 0;
}

struct pair {
	struct sgw_tls_keys keys; /* server view */
	struct sgw_record *srv, *cli;
};

static bool pair_init(struct pair *p, const struct suite *s,
		      enum sgw_aead_backend bs, enum sgw_aead_backend bc)
{
	struct sgw_tls_keys ck;

	if (!sgw_aead_backend_available(bs, s->alg) ||
	    !sgw_aead_backend_available(bc, s->alg))
		return false;
	keys_init(&p->keys, s);
	swap_keys(&p->keys, &ck);
	p->srv = sgw_record_create(bs, &p->keys);
	p->cli = sgw_record_create(bc, &ck);
	assert_non_null(p->srv);
	assert_non_null(p->cli);
	return true;
}

static void pair_fini(struct pair *p)
{
	sgw_record_destroy(p->srv);
	sgw_record_destroy(p->cli);
}

/*
 * How the shared helpers below seal and open: the whole table of tests runs
 * twice (main), once in place and once through the scatter-gather entry
 * points, so every case (bad MACs, lengths, alerts, KeyUpdate, sequence
 * numbers) checks that both give the same answer.
 */
enum via {
	VIA_IN_PLACE,
	VIA_PIECES,   /* sgw_record_open_to / sgw_record_seal_from */
};

static enum via via = VIA_IN_PLACE;

enum { GAP = 40 }; /* bytes between scattered pieces */

static uint8_t arena[BUF + 8 * GAP], dst_buf[BUF];

/* Copy the n bytes of rec, cut at c[0..ncut) (non-decreasing, <= n), into
 * separate places of arena; the last piece runs on with `extra` bytes of
 * the next record's worth of junk. */
static unsigned scatter(const uint8_t *rec, size_t n, const size_t *c,
			unsigned ncut, size_t extra, struct sgw_iov *v)
{
	size_t from = 0, at = 0;

	assert_true(n + extra + (ncut + 1) * GAP <= sizeof(arena));
	for (unsigned i = 0; i <= ncut; i++) {
		size_t to = i < ncut ? c[i] : n;
		size_t len = to - from + (i == ncut ? extra : 0);

		memcpy(arena + at, rec + from, to - from);
		memset(arena + at + (to - from), 0xd7, len - (to - from) + GAP);
		v[i] = (struct sgw_iov){ arena + at, len };
		at += len + GAP;
		from = to;
	}
	return ncut + 1;
}

/* Seal plain_len bytes of pattern seed from `from` into buf. In pieces:
 * an 8-byte first piece (like a PPP/SSTP header) and the rest from
 * another buffer. */
static size_t seal_app(struct sgw_record *from, size_t plain_len, uint8_t seed)
{
	static uint8_t src[SGW_TLS_MAX_PLAINTEXT + 8];
	size_t n, h = plain_len < 8 ? plain_len : 8;

	if (via == VIA_IN_PLACE) {
		fill(buf + sgw_record_headroom(from), plain_len, seed);
		n = sgw_record_seal(from, CT_APP, buf, plain_len);
	} else {
		struct sgw_iov v[2] = { { src, h }, { src + h + 8, plain_len - h } };

		fill(src, plain_len + 8, seed);
		memmove(src + h + 8, src + h, plain_len - h);
		n = sgw_record_seal_from(from, CT_APP, v, 2, buf, sizeof(buf));
	}
	assert_int_equal(n, sgw_record_headroom(from) + plain_len +
			    sgw_record_tailroom(from));
	return n;
}

/* In pieces: cut inside the header, in the middle and inside the tag (or
 * wherever a short record allows), opened into dst_buf; on success the plaintext is copied
 * back to where the in-place open leaves it, so callers check one place. */
static enum sgw_record_status open_rec(struct sgw_record *to, uint8_t *rec,
				       size_t n, uint8_t **plain,
				       size_t *plain_len, uint8_t *alert)
{
	struct sgw_iov v[4];
	size_t c[3] = { n < 3 ? n : 3, n / 2 < 3 ? 3 : n / 2, n > 9 ? n - 9 : n };
	enum sgw_record_status st;
	uint8_t *p = NULL;

	if (via == VIA_IN_PLACE)
		return sgw_record_open(to, rec, n, plain, plain_len, alert);
	if (rec == NULL)
		return sgw_record_open_to(to, NULL, 0, n, dst_buf, sizeof(dst_buf),
					  plain, plain_len, alert);
	if (c[1] > n)
		c[1] = n;
	if (c[2] < c[1])
		c[2] = c[1];
	scatter(rec, n, c, 3, 11, v);
	memset(dst_buf, 0xc3, sizeof(dst_buf));
	st = sgw_record_open_to(to, v, 4, n, dst_buf, sizeof(dst_buf), &p,
				plain_len, alert);
	if (p != NULL) {
		size_t off = (size_t)(p - dst_buf);

		assert_true(p >= dst_buf && off + *plain_len <= n);
		p = rec + sgw_record_headroom(to) + off;
		memcpy(p, dst_buf + off, *plain_len);
	}
	*plain = p;
	return st;
}

static void expect_app_at(struct sgw_record *to, uint8_t *rec, size_t n,
			  size_t plain_len, uint8_t seed)
{
	uint8_t want[SGW_TLS_MAX_PLAINTEXT], *plain = NULL, alert = 0xff;
	size_t len = 99;

	fill(want, plain_len, seed);
	assert_int_equal(open_rec(to, rec, n, &plain, &len, &alert), SGW_REC_OK);
	assert_int_equal(len, plain_len);
	assert_non_null(plain);
	assert_true(plain >= rec && plain + len <= rec + n);
	assert_memory_equal(plain, want, plain_len);
}

static void expect_app(struct sgw_record *to, size_t n, size_t plain_len,
		       uint8_t seed)
{
	expect_app_at(to, buf, n, plain_len, seed);
}

/* ---- independent byte-by-byte record builders ---- */

static size_t craft13(const struct sgw_tls_keys *k,
		      const struct sgw_tls_dir_keys *d, uint64_t seq,
		      const uint8_t *inner, size_t inner_len, uint8_t *out)
{
	uint8_t nonce[12];
	struct sgw_aead *a;
	size_t len = inner_len + 16;

	out[0] = CT_APP;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	memcpy(out + 5, inner, inner_len);
	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	a = sgw_aead_create(SGW_AEAD_BACKEND_EVP, k->alg, d->key,
			    sgw_aead_key_len(k->alg));
	assert_non_null(a);
	assert_int_equal(sgw_aead_seal(a, nonce, out, 5, out + 5, inner_len,
				       out + 5 + inner_len), 0);
	sgw_aead_destroy(a);
	return 5 + len;
}

static size_t craft12(const struct sgw_tls_keys *k,
		      const struct sgw_tls_dir_keys *d, uint64_t seq,
		      uint8_t type, const uint8_t *plain, size_t plain_len,
		      uint8_t *out)
{
	uint8_t nonce[12], aad[13];
	struct sgw_aead *a;
	size_t len = 8 + plain_len + 16;

	out[0] = type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	for (int i = 0; i < 8; i++)
		out[5 + i] = aad[i] = (uint8_t)(seq >> (56 - 8 * i));
	aad[8] = type;
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = (uint8_t)(plain_len >> 8);
	aad[12] = (uint8_t)plain_len;
	memcpy(nonce, d->iv, 4);
	memcpy(nonce + 4, out + 5, 8);
	memcpy(out + 13, plain, plain_len);
	a = sgw_aead_create(SGW_AEAD_BACKEND_EVP, k->alg, d->key,
			    sgw_aead_key_len(k->alg));
	assert_non_null(a);
	assert_int_equal(sgw_aead_seal(a, nonce, aad, 13, out + 13, plain_len,
				       out + 13 + plain_len), 0);
	sgw_aead_destroy(a);
	return 13 + plain_len + 16;
}

/* RFC 7905 2: no explicit nonce; nonce = iv XOR seq; the 1.2 AAD. */
static size_t craft12c(const struct sgw_tls_keys *k,
		       const struct sgw_tls_dir_keys *d, uint64_t seq,
		       uint8_t type, const uint8_t *plain, size_t plain_len,
		       uint8_t *out)
{
	uint8_t nonce[12], aad[13];
	struct sgw_aead *a;
	size_t len = plain_len + 16;

	out[0] = type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++) {
		aad[i] = (uint8_t)(seq >> (56 - 8 * i));
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	}
	aad[8] = type;
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = (uint8_t)(plain_len >> 8);
	aad[12] = (uint8_t)plain_len;
	memcpy(out + 5, plain, plain_len);
	a = sgw_aead_create(SGW_AEAD_BACKEND_EVP, k->alg, d->key,
			    sgw_aead_key_len(k->alg));
	assert_non_null(a);
	assert_int_equal(sgw_aead_seal(a, nonce, aad, 13, out + 5, plain_len,
				       out + 5 + plain_len), 0);
	sgw_aead_destroy(a);
	return 5 + len;
}

/* Application data of plain_len bytes, in whichever format k uses. */
static size_t craft_app(const struct sgw_tls_keys *k,
			const struct sgw_tls_dir_keys *d, uint64_t seq,
			const uint8_t *plain, size_t plain_len, uint8_t *out)
{
	uint8_t inner[256];

	if (k->version == SGW_TLS_VERSION_1_3) {
		assert_true(plain_len < sizeof(inner));
		memcpy(inner, plain, plain_len);
		inner[plain_len] = CT_APP;
		return craft13(k, d, seq, inner, plain_len + 1, out);
	}
	if (k->alg == SGW_AEAD_CHACHA20_POLY1305)
		return craft12c(k, d, seq, CT_APP, plain, plain_len, out);
	return craft12(k, d, seq, CT_APP, plain, plain_len, out);
}

/* ---- tests ---- */

/* Every suite x size, both directions, every backend pairing. */
static void test_round_trip(void **state)
{
	unsigned cases = 0;

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++)
	for (size_t bs = 0; bs < NELEM(backends); bs++)
	for (size_t bc = 0; bc < NELEM(backends); bc++) {
		struct pair p;

		if (!pair_init(&p, &suites[si], backends[bs], backends[bc]))
			continue;
		for (size_t zi = 0; zi < NELEM(sizes); zi++) {
			size_t n = seal_app(p.srv, sizes[zi], (uint8_t)zi);

			assert_int_equal(sgw_record_length(buf, n), (long)n);
			expect_app(p.cli, n, sizes[zi], (uint8_t)zi);
			n = seal_app(p.cli, sizes[zi], (uint8_t)(zi + 100));
			expect_app(p.srv, n, sizes[zi], (uint8_t)(zi + 100));
			cases++;
		}
		pair_fini(&p);
	}
	print_message("%u round trips\n", cases);
	assert_true(cases >= NELEM(suites) * NELEM(sizes));
}

/* The layout matches a byte-by-byte build: our records open there and its
 * records open here; 1.2 carries our sequence number as explicit nonce. */
static void test_wire_format(void **state)
{
	/* An asymmetric sequence number catches byte-order slips. */
	static const uint64_t seq = 0x0102030405060708ULL;

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++) {
		struct sgw_tls_keys k, ck;
		struct sgw_record *srv, *cli;
		uint8_t inner[64], *plain;
		size_t n, len;
		uint8_t alert;

		keys_init(&k, &suites[si]);
		k.rx.seq = seq;
		swap_keys(&k, &ck);
		srv = sgw_record_create(SGW_AEAD_BACKEND_EVP, &k);
		cli = sgw_record_create(SGW_AEAD_BACKEND_EVP, &ck);
		assert_non_null(srv);
		assert_non_null(cli);
		fill(inner, 40, 0x33);
		for (uint64_t i = 0; i < 2; i++) {
			n = craft_app(&k, &k.rx, seq + i, inner, 40, buf2);
			/* the client view seals exactly what the byte-by-byte
			 * builder makes ... */
			memcpy(buf + sgw_record_headroom(cli), inner, 40);
			assert_int_equal(sgw_record_seal(cli, CT_APP, buf, 40), n);
			assert_memory_equal(buf, buf2, n);
			/* ... and the server opens it */
			assert_int_equal(open_rec(srv, buf2, n, &plain, &len, &alert),
					 SGW_REC_OK);
			assert_int_equal(len, 40);
			assert_memory_equal(plain, inner, 40);
		}
		sgw_record_destroy(srv);
		sgw_record_destroy(cli);
	}
}

/* RFC 8448 3: {client} send application_data record, 50 bytes 00..31,
 * under the client application traffic keys at sequence number 0. */
static void test_rfc8448_app_record(void **state)
{
	static const char rec_hex[] =
		"17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55"
		"cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39"
		"5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd"
		"1e 3d ea e6 3a ee bb 21 69 49 15 e4";
	struct sgw_tls_keys k;
	uint8_t rec[72], want[50], *plain, alert;
	size_t len;

	(void)state;
	keys_init(&k, &suites[2]);
	k.rx.secret_len = 32;
	unhex("9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5",
	      k.rx.secret, 32);
	unhex("17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51", k.rx.key, 16);
	unhex("5b 78 92 3d ee 08 57 90 33 e5 23 d9", k.rx.iv, 12);
	for (size_t i = 0; i < 50; i++)
		want[i] = (uint8_t)i;
	for (size_t bi = 0; bi < NELEM(backends); bi++) {
		struct sgw_record *r;

		if (!sgw_aead_backend_available(backends[bi], k.alg))
			continue;
		r = sgw_record_create(backends[bi], &k);
		assert_non_null(r);
		assert_int_equal(unhex(rec_hex, rec, sizeof(rec)), 72);
		assert_int_equal(sgw_record_length(rec, 72), 72);
		assert_int_equal(open_rec(r, rec, 72, &plain, &len, &alert), SGW_REC_OK);
		assert_int_equal(len, 50);
		assert_memory_equal(plain, want, 50);
		sgw_record_destroy(r);
	}
}

static void test_bad_mac(void **state)
{
	static uint8_t keep[BUF];

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++) {
		struct pair p;
		size_t n, n2, off[] = { 5, 13, 0, 0 };
		uint8_t *plain, alert;
		size_t len;

		assert_true(pair_init(&p, &suites[si], SGW_AEAD_BACKEND_EVP,
				      SGW_AEAD_BACKEND_EVP));
		n = seal_app(p.cli, 100, 1);
		memcpy(keep, buf, n);
		off[2] = n / 2;
		off[3] = n - 1; /* tag */
		for (size_t i = 0; i < NELEM(off); i++) {
			memcpy(buf2, keep, n);
			buf2[off[i]] ^= 0x04;
			assert_int_equal(open_rec(p.srv, buf2, n, &plain, &len, &alert),
					 SGW_REC_BAD_MAC);
			assert_null(plain);
		}
		/* untouched it still opens: the failures did not move seq */
		expect_app(p.srv, n, 100, 1);
		/* a replay fails (the nonce or the AAD carries the sequence) */
		assert_int_equal(open_rec(p.srv, keep, n, &plain, &len, &alert),
				 SGW_REC_BAD_MAC);
		/* so does reordering; in order, both open */
		n = seal_app(p.cli, 10, 2);
		memcpy(buf2, buf, n);
		n2 = seal_app(p.cli, 10, 3);
		memcpy(keep, buf, n2);
		assert_int_equal(open_rec(p.srv, buf, n2, &plain, &len, &alert),
				 SGW_REC_BAD_MAC);
		expect_app_at(p.srv, buf2, n, 10, 2);
		expect_app_at(p.srv, keep, n2, 10, 3);
		pair_fini(&p);
	}
}

/* Header and length checks, before any crypto. */
static void test_bad_lengths(void **state)
{
	static const struct suite *s12 = &suites[0], *s13 = &suites[2];
	uint8_t *plain, alert;
	size_t len;
	struct pair p12, p13;

	(void)state;
	assert_true(pair_init(&p12, s12, SGW_AEAD_BACKEND_EVP, SGW_AEAD_BACKEND_EVP));
	assert_true(pair_init(&p13, s13, SGW_AEAD_BACKEND_EVP, SGW_AEAD_BACKEND_EVP));
	struct sgw_record *rs[] = { p12.srv, p13.srv };
	for (size_t i = 0; i < NELEM(rs); i++) {
		struct sgw_record *r = rs[i];
		size_t n = seal_app(i == 0 ? p12.cli : p13.cli, 30, 9);

		/* 1: shorter than a header */
		assert_int_equal(open_rec(r, buf, 4, &plain, &len, &alert), SGW_REC_BAD_RECORD);
		/* 2: the length field disagrees with what we were given */
		assert_int_equal(open_rec(r, buf, n - 1, &plain, &len, &alert), SGW_REC_BAD_RECORD);
		/* 3: wrong record version */
		memcpy(buf2, buf, n);
		buf2[2] = 1;
		assert_int_equal(open_rec(r, buf2, n, &plain, &len, &alert), SGW_REC_BAD_RECORD);
		/* 4: unknown content type */
		memcpy(buf2, buf, n);
		buf2[0] = 99;
		assert_int_equal(open_rec(r, buf2, n, &plain, &len, &alert), SGW_REC_BAD_RECORD);
		/* 5: length over 2^14 + 256 */
		memset(buf2, 0, SGW_TLS_MAX_RECORD + 1);
		buf2[0] = CT_APP; buf2[1] = 3; buf2[2] = 3;
		buf2[3] = (SGW_TLS_MAX_CIPHERTEXT + 1) >> 8;
		buf2[4] = (SGW_TLS_MAX_CIPHERTEXT + 1) & 0xff;
		assert_int_equal(open_rec(r, buf2, SGW_TLS_MAX_RECORD + 1, &plain, &len, &alert),
				 SGW_REC_OVERFLOW);
		/* 6: too short to hold a tag (and explicit nonce in 1.2) */
		buf2[3] = 0;
		buf2[4] = i == 0 ? 23 : 16;
		assert_int_equal(open_rec(r, buf2, 5 + buf2[4], &plain, &len, &alert),
				 SGW_REC_BAD_RECORD);
		/* 7: NULL record */
		assert_int_equal(open_rec(r, NULL, 10, &plain, &len, &alert), SGW_REC_BAD_RECORD);
		/* and the genuine record is still fine */
		expect_app(r, n, 30, 9);
	}
	/* 8: plaintext over 2^14 in a ciphertext under the cap */
	size_t big = SGW_TLS_MAX_PLAINTEXT + 1 + 8 + 16;
	memset(buf2, 0, 5 + big);
	buf2[0] = CT_APP; buf2[1] = 3; buf2[2] = 3;
	buf2[3] = (uint8_t)(big >> 8); buf2[4] = (uint8_t)big;
	assert_int_equal(open_rec(p12.srv, buf2, 5 + big, &plain, &len, &alert),
			 SGW_REC_OVERFLOW);
	big = SGW_TLS_MAX_PLAINTEXT + 2 + 16; /* inner > 2^14 + 1 */
	buf2[3] = (uint8_t)(big >> 8); buf2[4] = (uint8_t)big;
	assert_int_equal(open_rec(p13.srv, buf2, 5 + big, &plain, &len, &alert),
			 SGW_REC_OVERFLOW);
	/* 9: sealing more than 2^14 is refused */
	assert_int_equal(sgw_record_seal(p12.cli, CT_APP, buf, SGW_TLS_MAX_PLAINTEXT + 1), 0);
	assert_int_equal(sgw_record_seal(p13.cli, CT_APP, buf, SGW_TLS_MAX_PLAINTEXT + 1), 0);
	/* 10: so is a content type we never protect */
	assert_int_equal(sgw_record_seal(p13.cli, CT_CCS, buf, 1), 0);
	assert_int_equal(sgw_record_seal(p13.cli, 0, buf, 1), 0);
	pair_fini(&p12);
	pair_fini(&p13);
}

struct inner_case {
	const char *name;
	uint8_t inner[16];
	size_t inner_len, pad;
	enum sgw_record_status want;
	size_t want_len;
	uint8_t want_alert;
};

/* TLS 1.3 TLSInnerPlaintext variants, crafted and sealed by hand. */
static const struct inner_case inner13_cases[] = {
	{ "padded data", { 'h', 'i', CT_APP }, 3, 200, SGW_REC_OK, 2, 0 },
	{ "empty data", { CT_APP }, 1, 0, SGW_REC_OK, 0, 0 },
	{ "all zeros", { 0 }, 0, 50, SGW_REC_BAD_RECORD, 0, 0 },
	{ "protected ccs", { 1, CT_CCS }, 2, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "unknown type", { 1, 99 }, 2, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "close_notify", { 1, 0, CT_ALERT }, 3, 7, SGW_REC_CLOSE_NOTIFY, 0, 0 },
	{ "fatal alert", { 2, 40, CT_ALERT }, 3, 0, SGW_REC_ALERT, 0, 40 },
	{ "alert too long", { 2, 40, 0, CT_ALERT }, 4, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "alert bad level", { 3, 40, CT_ALERT }, 3, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "new session ticket", { 4, 0, 0, 1, 0, CT_HS }, 6, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "client hello", { 1, 0, 0, 1, 0, CT_HS }, 6, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "key update bad request", { 24, 0, 0, 1, 2, CT_HS }, 6, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "key update bad length", { 24, 0, 0, 2, 0, 0, CT_HS }, 7, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "empty handshake", { CT_HS }, 1, 0, SGW_REC_BAD_RECORD, 0, 0 },
	{ "key update", { 24, 0, 0, 1, 0, CT_HS }, 6, 3, SGW_REC_KEY_UPDATE, 0, 0 },
};

static void test_inner13(void **state)
{
	uint8_t inner[512], *plain, alert;
	size_t len;

	(void)state;
	for (size_t i = 0; i < NELEM(inner13_cases); i++) {
		const struct inner_case *c = &inner13_cases[i];
		struct pair p;
		size_t n;

		print_message("case %zu: %s\n", i + 1, c->name);
		assert_true(pair_init(&p, &suites[2], SGW_AEAD_BACKEND_EVP,
				      SGW_AEAD_BACKEND_EVP));
		memcpy(inner, c->inner, c->inner_len);
		memset(inner + c->inner_len, 0, c->pad);
		n = craft13(&p.keys, &p.keys.rx, 0, inner, c->inner_len + c->pad, buf);
		alert = 0xee;
		assert_int_equal(open_rec(p.srv, buf, n, &plain, &len, &alert), c->want);
		if (c->want == SGW_REC_OK) {
			assert_int_equal(len, c->want_len);
			assert_memory_equal(plain, c->inner, c->want_len);
		} else {
			assert_int_equal(len, 0);
		}
		if (c->want == SGW_REC_ALERT || c->want == SGW_REC_CLOSE_NOTIFY)
			assert_int_equal(alert, c->want_alert);
		pair_fini(&p);
	}
}

/* TLS 1.2: alerts, renegotiation attempts, a CCS after the handshake. */
struct case12 {
	const char *name;
	uint8_t type;
	uint8_t body[8];
	size_t len;
	enum sgw_record_status want;
};

static const struct case12 cases12[] = {
	{ "hello request", CT_HS, { 0, 0, 0, 0 }, 4, SGW_REC_RENEGOTIATION },
	{ "client hello", CT_HS, { 1, 0, 0, 2, 3, 3 }, 6, SGW_REC_RENEGOTIATION },
	{ "empty handshake", CT_HS, { 0 }, 0, SGW_REC_BAD_RECORD },
	{ "close_notify", CT_ALERT, { 1, 0 }, 2, SGW_REC_CLOSE_NOTIFY },
	{ "no_renegotiation", CT_ALERT, { 1, 100 }, 2, SGW_REC_ALERT },
	{ "short alert", CT_ALERT, { 2 }, 1, SGW_REC_BAD_RECORD },
	{ "empty data", CT_APP, { 0 }, 0, SGW_REC_OK },
};

static void test_tls12_types(void **state)
{
	uint8_t *plain, alert;
	size_t len;

	(void)state;
	for (size_t i = 0; i < NELEM(cases12); i++) {
		const struct case12 *c = &cases12[i];
		struct pair p;
		size_t n;

		print_message("case %zu: %s\n", i + 1, c->name);
		assert_true(pair_init(&p, &suites[1], SGW_AEAD_BACKEND_EVP,
				      SGW_AEAD_BACKEND_EVP));
		n = craft12(&p.keys, &p.keys.rx, 1, c->type, c->body, c->len, buf);
		assert_int_equal(open_rec(p.srv, buf, n, &plain, &len, &alert), c->want);
		if (c->type == CT_ALERT && c->len == 2)
			assert_int_equal(alert, c->body[1]);
		pair_fini(&p);
		assert_true(pair_init(&p, &suites[5], SGW_AEAD_BACKEND_EVP,
				      SGW_AEAD_BACKEND_EVP));
		n = craft12c(&p.keys, &p.keys.rx, 1, c->type, c->body, c->len, buf);
		assert_int_equal(open_rec(p.srv, buf, n, &plain, &len, &alert), c->want);
		pair_fini(&p);
	}
}

/* RFC 8446 D.4 compatibility CCS: only before the first protected record;
 * never in 1.2 after the handshake; unprotected alerts never in 1.3. */
static void test_ccs(void **state)
{
	static const uint8_t ccs[] = { CT_CCS, 3, 3, 0, 1, 1 };
	static const uint8_t ccs_bad[] = { CT_CCS, 3, 3, 0, 1, 2 };
	static const uint8_t plain_alert[] = { CT_ALERT, 3, 3, 0, 2, 2, 40 };
	uint8_t rec[8], *plain, alert;
	size_t len, n;
	struct pair p;

	(void)state;
	assert_true(pair_init(&p, &suites[2], SGW_AEAD_BACKEND_EVP, SGW_AEAD_BACKEND_EVP));
	memcpy(rec, ccs, sizeof(ccs));
	assert_int_equal(open_rec(p.srv, rec, sizeof(ccs), &plain, &len, &alert), SGW_REC_IGNORED);
	memcpy(rec, ccs_bad, sizeof(ccs_bad));
	assert_int_equal(open_rec(p.srv, rec, sizeof(ccs), &plain, &len, &alert), SGW_REC_BAD_RECORD);
	memcpy(rec, plain_alert, sizeof(plain_alert));
	assert_int_equal(open_rec(p.srv, rec, sizeof(plain_alert), &plain, &len, &alert),
			 SGW_REC_BAD_RECORD);
	n = seal_app(p.cli, 5, 5);
	expect_app(p.srv, n, 5, 5);
	memcpy(rec, ccs, sizeof(ccs));
	assert_int_equal(open_rec(p.srv, rec, sizeof(ccs), &plain, &len, &alert), SGW_REC_BAD_RECORD);
	pair_fini(&p);

	assert_true(pair_init(&p, &suites[0], SGW_AEAD_BACKEND_EVP, SGW_AEAD_BACKEND_EVP));
	memcpy(rec, ccs, sizeof(ccs));
	assert_int_equal(open_rec(p.srv, rec, sizeof(ccs), &plain, &len, &alert), SGW_REC_BAD_RECORD);
	pair_fini(&p);
}

static void test_alerts(void **state)
{
	uint8_t *plain, alert;
	size_t len, n;

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++) {
		struct pair p;

		assert_true(pair_init(&p, &suites[si], SGW_AEAD_BACKEND_EVP,
				      SGW_AEAD_BACKEND_EVP));
		n = sgw_record_seal_alert(p.srv, false, SGW_TLS_ALERT_CLOSE_NOTIFY, buf, sizeof(buf));
		assert_int_equal(n, sgw_record_headroom(p.srv) + 2 + sgw_record_tailroom(p.srv));
		alert = 0xee;
		assert_int_equal(open_rec(p.cli, buf, n, &plain, &len, &alert), SGW_REC_CLOSE_NOTIFY);
		assert_int_equal(alert, SGW_TLS_ALERT_CLOSE_NOTIFY);
		n = sgw_record_seal_alert(p.srv, true, SGW_TLS_ALERT_BAD_RECORD_MAC, buf, sizeof(buf));
		assert_int_equal(open_rec(p.cli, buf, n, &plain, &len, &alert), SGW_REC_ALERT);
		assert_int_equal(alert, SGW_TLS_ALERT_BAD_RECORD_MAC);
		/* too small an output buffer */
		assert_int_equal(sgw_record_seal_alert(p.srv, true, 10, buf, n - 1), 0);
		pair_fini(&p);
	}
}

/* Sequence numbers: start where the handshake left them; never wrap. */
static void test_seq(void **state)
{
	uint8_t *plain, alert, inner[4] = { 'x' };
	size_t len, n;

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++) {
		const struct suite *s = &suites[si];
		struct sgw_tls_keys k, ck;
		struct sgw_record *srv, *cli;

		keys_init(&k, s);
		k.rx.seq = UINT64_MAX - 2;
		swap_keys(&k, &ck);
		srv = sgw_record_create(SGW_AEAD_BACKEND_EVP, &k);
		cli = sgw_record_create(SGW_AEAD_BACKEND_EVP, &ck);
		assert_non_null(srv);
		assert_non_null(cli);
		/* seq 2^64-3 and 2^64-2 go through ... */
		for (int i = 0; i < 2; i++) {
			n = seal_app(cli, 8, (uint8_t)i);
			if (sgw_record_headroom(cli) == 13) /* explicit nonce = seq */
				assert_int_equal(buf[12], (uint8_t)(0xfd + i));
			expect_app(srv, n, 8, (uint8_t)i);
		}
		/* ... 2^64-1 is never used to seal ... */
		assert_int_equal(sgw_record_seal(cli, CT_APP, buf, 8), 0);
		assert_int_equal(sgw_record_seal_alert(cli, true, 0, buf, sizeof(buf)), 0);
		/* ... nor accepted, even with a valid tag */
		n = craft_app(&k, &k.rx, UINT64_MAX, inner, 1, buf);
		assert_int_equal(open_rec(srv, buf, n, &plain, &len, &alert),
				 SGW_REC_BAD_RECORD);
		sgw_record_destroy(srv);
		sgw_record_destroy(cli);
	}
}

/*
 * RFC 8446 4.6.3 both ways:
 *  1. the client sends KeyUpdate(update_requested) and switches its tx keys;
 *  2. the server rotates rx and raises the pending flag;
 *  3. the server sends KeyUpdate(update_not_requested) under its old key and
 *     switches; the client opens it and later records;
 *  4. the client rotates on its own (not requested): no pending flag.
 */
static void key_update_suite(const struct suite *s, enum sgw_aead_backend be)
{
	static const uint8_t ku_req[] = { 24, 0, 0, 1, 1 };
	static uint8_t old[BUF], ku[64];
	struct sgw_tls_keys ck;
	struct pair p;
	uint8_t *plain, alert;
	size_t len, n, n_old, n_ku;

	if (!pair_init(&p, s, be, be))
		return;
	swap_keys(&p.keys, &ck);
	n = seal_app(p.cli, 20, 1);
	expect_app(p.srv, n, 20, 1);
	/* 1: KeyUpdate sealed by the generic path, then the client switches
	 * (a record still sealed under the old key is kept to replay) */
	memcpy(ku + 5, ku_req, sizeof(ku_req));
	n_ku = sgw_record_seal(p.cli, CT_HS, ku, sizeof(ku_req));
	assert_int_equal(n_ku, 5 + sizeof(ku_req) + 1 + 16);
	n_old = seal_app(p.cli, 20, 2);
	memcpy(old, buf, n_old);
	sgw_record_destroy(p.cli);
	next_gen(&ck, &ck.tx);
	p.cli = sgw_record_create(be, &ck);
	assert_non_null(p.cli);
	/* 2 */
	assert_false(sgw_record_tx_key_update_pending(p.srv));
	assert_int_equal(open_rec(p.srv, ku, n_ku, &plain, &len, &alert), SGW_REC_KEY_UPDATE);
	assert_int_equal(len, 0);
	assert_true(sgw_record_tx_key_update_pending(p.srv));
	assert_int_equal(open_rec(p.srv, old, n_old, &plain, &len, &alert), SGW_REC_BAD_MAC);
	/* (the BAD_MAC did not advance the new rx sequence) */
	n = seal_app(p.cli, 20, 3);
	expect_app(p.srv, n, 20, 3);
	/* 3 */
	assert_int_equal(sgw_record_seal_key_update(p.srv, buf, 10), 0);
	n = sgw_record_seal_key_update(p.srv, buf, sizeof(buf));
	assert_int_equal(n, 5 + 5 + 1 + 16);
	assert_false(sgw_record_tx_key_update_pending(p.srv));
	assert_int_equal(open_rec(p.cli, buf, n, &plain, &len, &alert), SGW_REC_KEY_UPDATE);
	assert_false(sgw_record_tx_key_update_pending(p.cli));
	for (int i = 0; i < 3; i++) {
		n = seal_app(p.srv, 300, (uint8_t)(10 + i));
		expect_app(p.cli, n, 300, (uint8_t)(10 + i));
	}
	/* 4 */
	n = sgw_record_seal_key_update(p.cli, buf, sizeof(buf));
	assert_int_not_equal(n, 0);
	assert_int_equal(open_rec(p.srv, buf, n, &plain, &len, &alert), SGW_REC_KEY_UPDATE);
	assert_false(sgw_record_tx_key_update_pending(p.srv));
	n = seal_app(p.cli, 1400, 7);
	expect_app(p.srv, n, 1400, 7);
	pair_fini(&p);
}

static void test_key_update(void **state)
{
	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++)
		for (size_t bi = 0; bi < NELEM(backends); bi++)
			if (suites[si].v == SGW_TLS_VERSION_1_3)
				key_update_suite(&suites[si], backends[bi]);
}

/* No KeyUpdate in TLS 1.2; renegotiation there is reported instead. */
static void test_key_update_tls12(void **state)
{
	struct pair p;

	(void)state;
	assert_true(pair_init(&p, &suites[0], SGW_AEAD_BACKEND_EVP, SGW_AEAD_BACKEND_EVP));
	assert_int_equal(sgw_record_seal_key_update(p.srv, buf, sizeof(buf)), 0);
	assert_false(sgw_record_tx_key_update_pending(p.srv));
	pair_fini(&p);
}

struct len_case {
	uint8_t hdr[5];
	size_t avail;
	long want;
};

static const struct len_case len_cases[] = {
	{ { 23, 3, 3, 0, 0 }, 0, 0 },
	{ { 23, 3, 3, 0, 10 }, 4, 0 },
	{ { 23, 3, 3, 0, 10 }, 5, 15 },
	{ { 22, 3, 1, 0x40, 0x00 }, 5, 5 + 0x4000 },
	{ { 20, 3, 3, 0x41, 0x00 }, 5, 5 + 0x4100 },
	{ { 21, 3, 3, 0x41, 0x01 }, 5, SGW_RECORD_TOO_LONG },
	{ { 23, 3, 3, 0xff, 0xff }, 5, SGW_RECORD_TOO_LONG },
	{ { 24, 3, 3, 0, 1 }, 5, -1 },
	{ { 19, 3, 3, 0, 1 }, 5, -1 },
	{ { 23, 3, 4, 0, 1 }, 5, -1 },
	{ { 23, 2, 0, 0, 1 }, 5, -1 },
	{ { 23, 3, 0, 0, 1 }, 5, -1 },
	{ { 0x16, 0x30, 0x30, 0, 1 }, 5, -1 },
};

static void test_record_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(len_cases); i++) {
		print_message("case %zu\n", i + 1);
		assert_int_equal(sgw_record_length(len_cases[i].hdr, len_cases[i].avail),
				 len_cases[i].want);
	}
	assert_int_equal(sgw_record_length(NULL, 0), 0);
	assert_int_equal(sgw_record_length(NULL, 5), -1);
}

static void test_create(void **state)
{
	struct sgw_tls_keys k;
	struct sgw_record *r;

	(void)state;
	assert_null(sgw_record_create(SGW_AEAD_BACKEND_EVP, NULL));
	/* 1: TLS 1.3 ChaCha20-Poly1305 goes with SHA-256 only */
	keys_init(&k, &suites[4]);
	k.hash = SGW_TLS_HASH_SHA384;
	assert_null(sgw_record_create(SGW_AEAD_BACKEND_EVP, &k));
	/* 2: TLS 1.3 suite hash mismatch */
	keys_init(&k, &suites[3]);
	k.hash = SGW_TLS_HASH_SHA256;
	assert_null(sgw_record_create(SGW_AEAD_BACKEND_EVP, &k));
	/* 3: secret length not the hash length */
	keys_init(&k, &suites[2]);
	k.tx.secret_len = 48;
	assert_null(sgw_record_create(SGW_AEAD_BACKEND_EVP, &k));
	/* 4: unknown version, unknown alg, unknown backend */
	keys_init(&k, &suites[2]);
	k.version = (enum sgw_tls_version)0x0302;
	assert_null(sgw_record_create(SGW_AEAD_BACKEND_EVP, &k));
	keys_init(&k, &suites[2]);
	k.alg = (enum sgw_aead_alg)7;
	assert_null(sgw_record_create(SGW_AEAD_BACKEND_EVP, &k));
	keys_init(&k, &suites[2]);
	assert_null(sgw_record_create((enum sgw_aead_backend)9, &k));
	/* good ones: version and room */
	r = sgw_record_create(SGW_AEAD_BACKEND_EVP, &k);
	assert_non_null(r);
	assert_int_equal(sgw_record_version(r), SGW_TLS_VERSION_1_3);
	assert_int_equal(sgw_record_headroom(r), 5);
	assert_int_equal(sgw_record_tailroom(r), 17);
	sgw_record_destroy(r);
	keys_init(&k, &suites[1]);
	r = sgw_record_create(SGW_AEAD_BACKEND_EVP, &k);
	assert_non_null(r);
	assert_int_equal(sgw_record_version(r), SGW_TLS_VERSION_1_2);
	assert_int_equal(sgw_record_headroom(r), 13);
	assert_int_equal(sgw_record_tailroom(r), 16);
	sgw_record_destroy(r);
	keys_init(&k, &suites[5]);
	r = sgw_record_create(SGW_AEAD_BACKEND_EVP, &k);
	assert_non_null(r);
	assert_int_equal(sgw_record_headroom(r), 5);
	assert_int_equal(sgw_record_tailroom(r), 16);
	sgw_record_destroy(r);
	sgw_record_destroy(NULL);
}

/* ---- scatter-gather only: every cut against the in-place answer ---- */

static int via_pieces(void **state)
{
	(void)state;
	via = VIA_PIECES;
	return 0;
}

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint8_t rnd8(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint8_t)((rng * 0x2545f4914f6cdd1dULL) >> 56);
}

enum { MAX_CUTS = 20 };

/* Cuts of interest in an n-byte record: inside and at the end of the
 * header, inside TLS 1.2's explicit nonce and at its end, the middle,
 * inside the tag and at its start, both ends. */
static unsigned rec_cuts(size_t n, size_t *c)
{
	const size_t want[] = { 0, 1, 4, 5, 6, 9, 12, 13, 14, n / 2,
				n - 17, n - 16, n - 15, n - 8, n - 1, n };
	unsigned k = 0;

	for (size_t i = 0; i < NELEM(want); i++) {
		bool dup = false;

		for (unsigned j = 0; j < k; j++)
			dup |= c[j] == want[i];
		if (want[i] <= n && !dup && k < MAX_CUTS)
			c[k++] = want[i];
	}
	return k;
}

/* Three receivers from the same keys: ref opens in place, pcs opens the
 * pieces; both must agree on everything. */
struct trio {
	struct pair p;
	struct sgw_record *pcs;
};

static bool trio_init(struct trio *t, const struct suite *s, enum sgw_aead_backend be)
{
	if (!pair_init(&t->p, s, be, be))
		return false;
	t->pcs = sgw_record_create(be, &t->p.keys);
	assert_non_null(t->pcs);
	return true;
}

static void trio_fini(struct trio *t)
{
	sgw_record_destroy(t->pcs);
	pair_fini(&t->p);
}

/* The record in buf (n bytes), cut at c[0..ncut): the same status, alert,
 * plaintext length and bytes both ways. */
static void same_open(struct trio *t, size_t n, const size_t *c, unsigned ncut,
		      size_t extra)
{
	uint8_t *p1 = NULL, *p2 = NULL, a1 = 0xee, a2 = 0xee;
	size_t l1 = 7, l2 = 9;
	struct sgw_iov v[3];
	unsigned k = scatter(buf, n, c, ncut, extra, v);
	enum sgw_record_status s1, s2;

	memset(dst_buf, 0xc3, n + 1);
	s2 = sgw_record_open_to(t->pcs, v, k, n, dst_buf, n, &p2, &l2, &a2);
	s1 = sgw_record_open(t->p.srv, buf, n, &p1, &l1, &a1);
	assert_int_equal(s2, s1);
	assert_int_equal(l2, l1);
	assert_int_equal(a2, a1);
	assert_int_equal(p1 == NULL, p2 == NULL);
	if (p1 != NULL) {
		assert_ptr_equal(p2, dst_buf);
		assert_memory_equal(p2, p1, l1);
		assert_int_equal(dst_buf[n], 0xc3); /* nothing written past cap */
	}
}

static size_t seal_random(struct sgw_record *from, size_t len)
{
	size_t h = sgw_record_headroom(from);

	for (size_t i = 0; i < len; i++)
		buf[h + i] = rnd8();
	return sgw_record_seal(from, CT_APP, buf, len);
}

/* 1, 2 and 3 pieces at every cut of interest, empty pieces included. */
static unsigned splits_one(struct trio *t, size_t len)
{
	size_t cut[MAX_CUTS], c[2];
	unsigned nc, cases = 0;
	size_t n = seal_random(t->p.cli, len);

	assert_int_not_equal(n, 0);
	nc = rec_cuts(n, cut);
	same_open(t, n, NULL, 0, 0);
	for (unsigned i = 0; i < nc; i++) {
		for (unsigned j = i; j <= nc; j++) {
			c[0] = cut[i];
			c[1] = j < nc ? cut[j] : cut[i];
			if (c[1] < c[0])
				continue;
			n = seal_random(t->p.cli, len);
			same_open(t, n, c, j < nc ? 2 : 1, (i + j) % 3 == 0 ? 0 : 5);
			cases++;
		}
	}
	return cases + 1;
}

static void test_open_to_splits(void **state)
{
	static const size_t lens[] = { 0, 1, 17, 1400 };
	unsigned cases = 0;

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++)
	for (size_t bi = 0; bi < NELEM(backends); bi++) {
		struct trio t;

		if (!trio_init(&t, &suites[si], backends[bi]))
			continue;
		for (size_t li = 0; li < NELEM(lens); li++)
			cases += splits_one(&t, lens[li]);
		/* tampered anywhere (header, nonce, ciphertext, tag), both
		 * refuse it the same way and stay in step: the genuine record
		 * then opens both ways */
		for (size_t i = 0; i < 40; i++) {
			static uint8_t keep[256];
			size_t n = seal_random(t.p.cli, 100), c[2] = { 5, n - 10 };
			size_t at = i < 14 ? i : n - 1 - (i * 37) % (n - 14);

			memcpy(keep, buf, n);
			buf[at] ^= (uint8_t)(1u << (i % 8));
			same_open(&t, n, c, 2, 3);
			memcpy(buf, keep, n);
			same_open(&t, n, c, 2, 3);
		}
		trio_fini(&t);
	}
	print_message("%u splits\n", cases);
	assert_true(cases > 1000);
}

/* RFC 8448 3 client application record, opened from 2 pieces at every
 * cut and from 3 pieces at every 5th pair. */
static void test_open_to_rfc8448(void **state)
{
	static const char rec_hex[] =
		"17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55"
		"cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39"
		"5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd"
		"1e 3d ea e6 3a ee bb 21 69 49 15 e4";
	struct sgw_tls_keys k;
	uint8_t rec[72], want[50], *plain, alert;
	unsigned cases = 0;
	size_t len;

	(void)state;
	keys_init(&k, &suites[2]);
	unhex("9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5",
	      k.rx.secret, 32);
	unhex("17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51", k.rx.key, 16);
	unhex("5b 78 92 3d ee 08 57 90 33 e5 23 d9", k.rx.iv, 12);
	assert_int_equal(unhex(rec_hex, rec, sizeof(rec)), 72);
	for (size_t i = 0; i < 50; i++)
		want[i] = (uint8_t)i;
	for (size_t bi = 0; bi < NELEM(backends); bi++) {
		if (!sgw_aead_backend_available(backends[bi], k.alg))
			continue;
		for (size_t a = 0; a <= 72; a++)
		for (size_t b = a; b <= 72; b += a == 72 ? 1 : 5) {
			struct sgw_record *r = sgw_record_create(backends[bi], &k);
			size_t c[2] = { a, b };
			struct sgw_iov v[3];
			unsigned n = scatter(rec, 72, c, b == a ? 1 : 2, 0, v);

			assert_non_null(r);
			memset(dst_buf, 0, 72);
			assert_int_equal(sgw_record_open_to(r, v, n, 72, dst_buf, 72,
							    &plain, &len, &alert), SGW_REC_OK);
			assert_ptr_equal(plain, dst_buf);
			assert_int_equal(len, 50);
			assert_memory_equal(plain, want, 50);
			sgw_record_destroy(r);
			cases++;
		}
	}
	print_message("%u cuts\n", cases);
	assert_true(cases > 300);
}

/* The plaintext p (len bytes) as pieces of src: shape 0 one piece; 1 the
 * first 8 bytes, an empty piece, the rest; 2 the first 8 bytes and the
 * rest; 3 like 2, or no piece at all when empty. */
static unsigned cut_plain(const uint8_t *p, size_t len, unsigned shape,
			  uint8_t *src, struct sgw_iov *v)
{
	size_t a = shape == 0 ? len : (len < 8 ? len : 8);

	memcpy(src, p, a);
	memcpy(src + a + GAP, p + a, len - a);
	v[0] = (struct sgw_iov){ src, a };
	v[1] = (struct sgw_iov){ src + a + GAP, len - a };
	if (shape == 0)
		return 1;
	if (shape == 3 && len == 0)
		return 0;
	if (shape == 2 || shape == 3)
		return 2;
	v[2] = v[1];
	v[1] = (struct sgw_iov){ src + a + GAP / 2, 0 };
	return 3;
}

/* seal_from gives the very bytes the in-place seal gives (twin senders
 * from the same keys), whatever the cut and type, and they open in place. */
static void test_seal_from(void **state)
{
	static const size_t lens[] = { 0, 1, 8, 9, 100, 1400, SGW_TLS_MAX_PLAINTEXT };
	static const uint8_t types[] = { CT_APP, CT_ALERT, CT_HS, CT_APP };
	static uint8_t src[SGW_TLS_MAX_PLAINTEXT + 2 * GAP], want[SGW_TLS_MAX_PLAINTEXT];
	unsigned cases = 0;

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++)
	for (size_t bi = 0; bi < NELEM(backends); bi++) {
		struct trio t;

		if (!trio_init(&t, &suites[si], backends[bi]))
			continue;
		/* pcs is the server's twin: the same record both ways */
		for (size_t li = 0; li < NELEM(lens); li++)
		for (unsigned shape = 0; shape < 4; shape++) {
			size_t len = lens[li], h = sgw_record_headroom(t.p.srv);
			size_t cap = h + len + sgw_record_tailroom(t.p.srv);
			uint8_t type = types[shape], *plain = NULL, alert;
			struct sgw_iov v[3];
			size_t n1, n2, plen = 0;
			unsigned nv;

			for (size_t i = 0; i < len; i++)
				want[i] = rnd8();
			nv = cut_plain(want, len, shape, src, v);
			memcpy(buf2 + h, want, len);
			memset(buf, 0x99, cap + 1);
			n1 = sgw_record_seal_from(t.p.srv, type, v, nv, buf, cap);
			n2 = sgw_record_seal(t.pcs, type, buf2, len);
			assert_int_equal(n1, cap);
			assert_int_equal(n1, n2);
			assert_memory_equal(buf, buf2, n1);
			assert_int_equal(buf[n1], 0x99);
			/* the pieces were only read */
			assert_memory_equal(v[0].base, want, v[0].len);
			/* the peer opens it in place (random alert and
			 * handshake bodies may be refused, but after the MAC) */
			enum sgw_record_status st = sgw_record_open(t.p.cli, buf, n1,
							&plain, &plen, &alert);
			assert_int_not_equal(st, SGW_REC_BAD_MAC);
			if (type == CT_APP) {
				assert_int_equal(st, SGW_REC_OK);
				assert_int_equal(plen, len);
				assert_memory_equal(plain, want, len);
			}
			cases++;
		}
		trio_fini(&t);
	}
	print_message("%u seals\n", cases);
	assert_true(cases > 100);
}

/* Refusals: nothing sealed, the sequence number untouched (the twin then
 * still seals the very same record). Numbered cases. */
static void test_seal_from_bad(void **state)
{
	static uint8_t pkt[SGW_TLS_MAX_PLAINTEXT + 1];

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++) {
		struct trio t;
		struct sgw_iov v[SGW_RECORD_MAX_PIECES + 1];
		size_t h, cap, n1, n2;

		assert_true(trio_init(&t, &suites[si], SGW_AEAD_BACKEND_EVP));
		h = sgw_record_headroom(t.p.srv);
		cap = h + 100 + sgw_record_tailroom(t.p.srv);
		fill(pkt, sizeof(pkt), 3);
		for (size_t i = 0; i < NELEM(v); i++)
			v[i] = (struct sgw_iov){ pkt + 3 * i, 3 };
		v[0].len = 100 - 3 * (SGW_RECORD_MAX_PIECES - 1);
		/* 1: one byte short of headroom + plaintext + tailroom */
		assert_int_equal(sgw_record_seal_from(t.p.srv, CT_APP, v, 1, buf, h + v[0].len +
						      sgw_record_tailroom(t.p.srv) - 1), 0);
		/* 2: more than SGW_RECORD_MAX_PIECES pieces */
		assert_int_equal(sgw_record_seal_from(t.p.srv, CT_APP, v,
						      SGW_RECORD_MAX_PIECES + 1, buf, sizeof(buf)), 0);
		/* 3: more than 2^14 bytes over two pieces */
		struct sgw_iov big[2] = { { pkt, 10 }, { pkt, SGW_TLS_MAX_PLAINTEXT - 9 } };
		assert_int_equal(sgw_record_seal_from(t.p.srv, CT_APP, big, 2, buf, sizeof(buf)), 0);
		/* 4: lengths whose sum wraps around */
		struct sgw_iov wrap[2] = { { pkt, 16 }, { pkt, SIZE_MAX - 7 } };
		assert_int_equal(sgw_record_seal_from(t.p.srv, CT_APP, wrap, 2, buf, sizeof(buf)), 0);
		/* 5: a content type we never protect */
		assert_int_equal(sgw_record_seal_from(t.p.srv, CT_CCS, v, 1, buf, sizeof(buf)), 0);
		/* 6: NULL output, NULL pieces, a NULL piece with a length */
		struct sgw_iov null_piece = { NULL, 4 };
		assert_int_equal(sgw_record_seal_from(t.p.srv, CT_APP, v, 1, NULL, sizeof(buf)), 0);
		assert_int_equal(sgw_record_seal_from(t.p.srv, CT_APP, NULL, 1, buf, sizeof(buf)), 0);
		assert_int_equal(sgw_record_seal_from(t.p.srv, CT_APP, &null_piece, 1, buf,
						      sizeof(buf)), 0);
		assert_int_equal(sgw_record_seal_from(NULL, CT_APP, v, 1, buf, sizeof(buf)), 0);
		/* and then exactly SGW_RECORD_MAX_PIECES pieces, exact cap:
		 * the twin's in-place record, byte for byte */
		n1 = sgw_record_seal_from(t.p.srv, CT_APP, v, SGW_RECORD_MAX_PIECES, buf, cap);
		memcpy(buf2 + h, pkt, 100 - 3 * (SGW_RECORD_MAX_PIECES - 1));
		for (size_t i = 1; i < SGW_RECORD_MAX_PIECES; i++)
			memcpy(buf2 + h + 100 - 3 * (SGW_RECORD_MAX_PIECES - i), pkt + 3 * i, 3);
		n2 = sgw_record_seal(t.pcs, CT_APP, buf2, 100);
		assert_int_equal(n1, cap);
		assert_int_equal(n1, n2);
		assert_memory_equal(buf, buf2, n1);
		trio_fini(&t);
	}
}

/* Refusals of open_to: SGW_REC_BAD_RECORD before any crypto, the sequence
 * number untouched (the genuine record then opens). Numbered cases. */
static void test_open_to_bad(void **state)
{
	static struct sgw_iov v[SGW_RECORD_MAX_PIECES + 2];
	uint8_t *plain, alert;
	size_t len;

	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++) {
		struct pair p;
		size_t n, c[SGW_RECORD_MAX_PIECES + 1];
		struct sgw_iov one;
		enum sgw_record_status want_many;

		assert_true(pair_init(&p, &suites[si], SGW_AEAD_BACKEND_EVP,
				      SGW_AEAD_BACKEND_EVP));
		n = seal_app(p.cli, 200, 4);
		one = (struct sgw_iov){ buf, n };
		/* 1: cap below rec_len */
		assert_int_equal(sgw_record_open_to(p.srv, &one, 1, n, dst_buf, n - 1,
						    &plain, &len, &alert), SGW_REC_BAD_RECORD);
		assert_null(plain);
		/* 2: the pieces hold one byte less than rec_len */
		one.len = n - 1;
		assert_int_equal(sgw_record_open_to(p.srv, &one, 1, n, dst_buf, sizeof(dst_buf),
						    &plain, &len, &alert), SGW_REC_BAD_RECORD);
		one.len = n;
		/* 3: NULL dst, NULL pieces, no pieces, a NULL piece */
		assert_int_equal(sgw_record_open_to(p.srv, &one, 1, n, NULL, sizeof(dst_buf),
						    &plain, &len, &alert), SGW_REC_BAD_RECORD);
		assert_int_equal(sgw_record_open_to(p.srv, NULL, 1, n, dst_buf, sizeof(dst_buf),
						    &plain, &len, &alert), SGW_REC_BAD_RECORD);
		assert_int_equal(sgw_record_open_to(p.srv, &one, 0, n, dst_buf, sizeof(dst_buf),
						    &plain, &len, &alert), SGW_REC_BAD_RECORD);
		struct sgw_iov null_piece[2] = { { NULL, 3 }, { buf + 3, n - 3 } };
		assert_int_equal(sgw_record_open_to(p.srv, null_piece, 2, n, dst_buf,
						    sizeof(dst_buf), &plain, &len, &alert),
				 SGW_REC_BAD_RECORD);
		assert_int_equal(sgw_record_open_to(NULL, &one, 1, n, dst_buf, sizeof(dst_buf),
						    &plain, &len, &alert), SGW_REC_BAD_RECORD);
		/* 4: ciphertext in SGW_RECORD_MAX_PIECES + 1 pieces: refused;
		 * in SGW_RECORD_MAX_PIECES (one cut fewer): opens */
		size_t body = sgw_record_headroom(p.srv);
		for (size_t i = 0; i < NELEM(c); i++)
			c[i] = body + 1 + i;
		unsigned k = scatter(buf, n, c, SGW_RECORD_MAX_PIECES, 0, v);
		want_many = SGW_REC_BAD_RECORD;
		assert_int_equal(sgw_record_open_to(p.srv, v, k, n, dst_buf, sizeof(dst_buf),
						    &plain, &len, &alert), want_many);
		k = scatter(buf, n, c + 1, SGW_RECORD_MAX_PIECES - 1, 0, v);
		assert_int_equal(sgw_record_open_to(p.srv, v, k, n, dst_buf, sizeof(dst_buf),
						    &plain, &len, &alert), SGW_REC_OK);
		assert_int_equal(len, 200);
		pair_fini(&p);
	}
}

/* In place and in pieces take turns on one sender and one receiver: the
 * sequence numbers advance the same way, KeyUpdate included. */
static void test_interleave(void **state)
{
	(void)state;
	for (size_t si = 0; si < NELEM(suites); si++) {
		struct pair p;

		assert_true(pair_init(&p, &suites[si], SGW_AEAD_BACKEND_EVP,
				      SGW_AEAD_BACKEND_EVP));
		for (unsigned i = 0; i < 24; i++) {
			size_t n;

			via = (i & 1) ? VIA_PIECES : VIA_IN_PLACE;
			n = seal_app(p.cli, 50 + i, (uint8_t)i);
			via = (i & 2) ? VIA_PIECES : VIA_IN_PLACE;
			expect_app(p.srv, n, 50 + i, (uint8_t)i);
			if (i == 11 && suites[si].v == SGW_TLS_VERSION_1_3) {
				uint8_t *plain, alert;
				size_t len;

				n = sgw_record_seal_key_update(p.cli, buf, sizeof(buf));
				assert_int_not_equal(n, 0);
				via = VIA_PIECES;
				assert_int_equal(open_rec(p.srv, buf, n, &plain, &len, &alert),
						 SGW_REC_KEY_UPDATE);
			}
		}
		via = VIA_IN_PLACE;
		pair_fini(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wire_format),
		cmocka_unit_test(test_rfc8448_app_record),
		cmocka_unit_test(test_bad_mac),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_inner13),
		cmocka_unit_test(test_tls12_types),
		cmocka_unit_test(test_ccs),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_key_update),
		cmocka_unit_test(test_key_update_tls12),
		cmocka_unit_test(test_record_length),
		cmocka_unit_test(test_create),
	};

	const struct CMUnitTest pieces_tests[] = {
		cmocka_unit_test(test_open_to_splits),
		cmocka_unit_test(test_open_to_rfc8448),
		cmocka_unit_test(test_seal_from),
		cmocka_unit_test(test_seal_from_bad),
		cmocka_unit_test(test_open_to_bad),
		cmocka_unit_test(test_interleave),
	};
	int failed;

	print_message("== in place ==\n");
	failed = cmocka_run_group_tests_name("in place", tests, NULL, NULL);
	print_message("== sgw_record_open_to / sgw_record_seal_from ==\n");
	failed += cmocka_run_group_tests_name("pieces", tests, via_pieces, NULL);
	failed += cmocka_run_group_tests_name("pieces only", pieces_tests, NULL, NULL);
	return failed;
}
