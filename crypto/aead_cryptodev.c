/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK cryptodev AEAD backend, synchronous CPU crypto
 * (rte_cryptodev_sym_cpu_crypto_process) on a software device of the
 * ipsec_mb PMD family, crypto_aesni_gcm: AES-128/256-GCM only.
 *
 * The process must have run rte_eal_init() with the vdev, e.g.
 *   --no-huge --no-pci -m 256 --vdev crypto_aesni_gcm0
 * Until a device of that driver exists the backend reports itself
 * unavailable (and checks again next time: EAL may come up later).
 *
 * A cryptodev session fixes the operation and the AAD length, while
 * sgw_aead takes both per call. So each object keeps a few slots of
 * (aad_len, encrypt session, decrypt session): TLS 1.3 (5) and TLS 1.2 (13)
 * are made at create time; another length takes a free slot on first use
 * (from the session mempool, not malloc) or fails with -EINVAL.
 *
 * Threading: like every backend, one object per lcore at a time; the
 * device and the session pool are shared and set up once under a mutex.
 */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cryptodev.h>
#include <openssl/crypto.h>

#include "crypto/aead_internal.h"

enum {
	CDEV_IV_LEN = 12,
	CDEV_SLOTS = 4,          /* AAD lengths per key */
	CDEV_MAX_SEGS = 32,      /* segments per sgl call */
	CDEV_POOL_SESSIONS = 16384,
	CDEV_AAD_TLS13 = 5,      /* RFC 8446 5.2: the record header */
	CDEV_AAD_TLS12 = 13,     /* RFC 5246 6.2.3.3: seq, type, version, len */
	CDEV_IV_OFFSET = 0,
	CDEV_QP_DESC = 64,      /* unused by CPU crypto (the IV goes by pointer) */
};

#define CDEV_DRIVER "crypto_aesni_gcm"

struct cdev_slot {
	uint16_t aad_len;
	bool used;
	void *enc, *dec;
};

struct cdev_aead {
	uint8_t key[32];
	struct cdev_slot slot[CDEV_SLOTS];
	struct sgw_aead base;
};

static pthread_mutex_t cdev_lock = PTHREAD_MUTEX_INITIALIZER;
static bool cdev_ready;
static uint8_t cdev_id;
static struct rte_mempool *cdev_pool;

static struct cdev_aead *cd_of(struct sgw_aead *a)
{
	return aead_container(a, struct cdev_aead, base);
}

/* The first device of the driver that offers CPU crypto. */
static bool find_dev(uint8_t *id)
{
	struct rte_cryptodev_info info;
	uint8_t devs[8];
	uint8_t n;

	if (rte_cryptodev_count() == 0)
		return false; /* no EAL, or no crypto vdev given to it */
	n = rte_cryptodev_devices_get(CDEV_DRIVER, devs, 8);
	for (uint8_t i = 0; i < n; i++) {
		rte_cryptodev_info_get(devs[i], &info);
		if (info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO) {
			*id = devs[i];
			return true;
		}
	}
	return false;
}

/* The PMD configures sessions with its queue pair's multi-buffer manager,
 * so one queue pair must exist even though CPU crypto never enqueues. */
static bool dev_start(uint8_t id, struct rte_mempool *pool)
{
	int sock = rte_cryptodev_socket_id(id);
	struct rte_cryptodev_config conf = {
		.socket_id = sock, .nb_queue_pairs = 1,
	};
	struct rte_cryptodev_qp_conf qp = {
		.nb_descriptors = CDEV_QP_DESC, .mp_session = pool,
	};

	return rte_cryptodev_configure(id, &conf) == 0 &&
	       rte_cryptodev_queue_pair_setup(id, 0, &qp, sock) == 0 &&
	       rte_cryptodev_start(id) == 0;
}

static bool cdev_setup_locked(void)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint8_t id;
	unsigned sz;

	if (cdev_ready)
		return true;
	if (!find_dev(&id))
		return false;
	sz = rte_cryptodev_sym_get_private_session_size(id);
	snprintf(name, sizeof(name), "sgw_aead_cdev_%u", id);
	/* No per-lcore cache: objects are created on control threads too. */
	cdev_pool = rte_cryptodev_sym_session_pool_create(name,
		CDEV_POOL_SESSIONS, sz, 0, 0, rte_cryptodev_socket_id(id));
	if (cdev_pool == NULL || !dev_start(id, cdev_pool))
		return false;
	cdev_id = id;
	cdev_ready = true;
	return true;
}

static bool cdev_setup(void)
{
	bool ok;

	if (__atomic_load_n(&cdev_ready, __ATOMIC_ACQUIRE))
		return true;
	pthread_mutex_lock(&cdev_lock);
	ok = cdev_setup_locked();
	pthread_mutex_unlock(&cdev_lock);
	return ok;
}

static void *session(const uint8_t *key, size_t key_len, uint16_t aad_len,
		     enum rte_crypto_aead_operation op)
{
	struct rte_crypto_sym_xform x = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.aead = {
			.op = op,
			.algo = RTE_CRYPTO_AEAD_AES_GCM,
			.key = { .data = key, .length = (uint16_t)key_len },
			.iv = { .offset = CDEV_IV_OFFSET, .length = CDEV_IV_LEN },
			.digest_length = SGW_AEAD_TAG_LEN,
			.aad_length = aad_len,
		},
	};

	return rte_cryptodev_sym_session_create(cdev_id, &x, cdev_pool);
}

static void slot_clear(struct cdev_slot *s)
{
	if (s->enc != NULL)
		(void)rte_cryptodev_sym_session_free(cdev_id, s->enc);
	if (s->dec != NULL)
		(void)rte_cryptodev_sym_session_free(cdev_id, s->dec);
	memset(s, 0, sizeof(*s));
}

static int slot_fill(struct cdev_aead *c, struct cdev_slot *s, uint16_t aad_len)
{
	size_t kl = sgw_aead_key_len(c->base.alg);

	s->aad_len = aad_len;
	s->used = true;
	s->enc = session(c->key, kl, aad_len, RTE_CRYPTO_AEAD_OP_ENCRYPT);
	s->dec = session(c->key, kl, aad_len, RTE_CRYPTO_AEAD_OP_DECRYPT);
	if (s->enc == NULL || s->dec == NULL) {
		slot_clear(s);
		return -ENOMEM;
	}
	return 0;
}

/* The slot for aad_len: found, or made in a free one; NULL if full. */
static struct cdev_slot *slot_get(struct cdev_aead *c, size_t aad_len)
{
	struct cdev_slot *free_slot = NULL;

	if (aad_len > UINT16_MAX)
		return NULL;
	for (unsigned i = 0; i < CDEV_SLOTS; i++) {
		if (c->slot[i].used && c->slot[i].aad_len == aad_len)
			return &c->slot[i];
		if (!c->slot[i].used && free_slot == NULL)
			free_slot = &c->slot[i];
	}
	if (free_slot == NULL || slot_fill(c, free_slot, (uint16_t)aad_len) != 0)
		return NULL;
	return free_slot;
}

/* The library checks pointers even for length 0; nothing is read then. */
static uint8_t empty[1];

static void *nz(const void *p)
{
	return p != NULL ? (void *)(uintptr_t)p : empty;
}

/* One operation over nseg segments; true if the PMD reported success
 * (for decryption: the tag verified). */
static bool run(struct sgw_aead *a, bool enc, const uint8_t *iv,
		const uint8_t *aad, size_t aad_len,
		struct rte_crypto_vec *v, unsigned nseg, const uint8_t *tag)
{
	struct cdev_slot *s = slot_get(cd_of(a), aad_len);
	struct rte_crypto_sgl sgl = { .vec = v, .num = nseg };
	struct rte_crypto_va_iova_ptr ivp = { .va = nz(iv) };
	struct rte_crypto_va_iova_ptr dig = { .va = nz(tag) };
	struct rte_crypto_va_iova_ptr aadp = { .va = nz(aad) };
	int32_t status = -1;
	struct rte_crypto_sym_vec vec = {
		.num = 1, .src_sgl = &sgl, .iv = &ivp, .digest = &dig,
		.aad = &aadp, .status = &status,
	};
	union rte_crypto_sym_ofs ofs = { .raw = 0 };

	if (s == NULL)
		return false;
	return rte_cryptodev_sym_cpu_crypto_process(cdev_id,
			enc ? s->enc : s->dec, ofs, &vec) == 1 && status == 0;
}

static void vec_set(struct rte_crypto_vec *v, uint8_t *p, size_t len)
{
	v->base = nz(p);
	v->iova = 0; /* CPU crypto works on virtual addresses */
	v->len = (uint32_t)len;
	v->tot_len = (uint32_t)len;
}

static int cd_seal(struct sgw_aead *a, const uint8_t *iv, const uint8_t *aad,
		   size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag)
{
	struct rte_crypto_vec v;

	vec_set(&v, buf, len);
	return run(a, true, iv, aad, aad_len, &v, 1, tag) ? 0 : -EINVAL;
}

static bool cd_open(struct sgw_aead *a, const uint8_t *iv, const uint8_t *aad,
		    size_t aad_len, uint8_t *buf, size_t len, const uint8_t *tag)
{
	struct rte_crypto_vec v;

	vec_set(&v, buf, len);
	return run(a, false, iv, aad, aad_len, &v, 1, tag);
}

/* Up to CDEV_MAX_SEGS segments, empty ones skipped; 0 if too many. */
static unsigned vec_fill(struct rte_crypto_vec *v, const struct sgw_iov *seg,
			 unsigned nseg)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nseg; i++) {
		if (seg[i].len == 0)
			continue;
		if (n == CDEV_MAX_SEGS)
			return 0;
		vec_set(&v[n++], seg[i].base, seg[i].len);
	}
	if (n == 0)
		vec_set(&v[n++], NULL, 0);
	return n;
}

static int cd_seal_sgl(struct sgw_aead *a, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       const struct sgw_iov *seg, unsigned nseg, uint8_t *tag)
{
	struct rte_crypto_vec v[CDEV_MAX_SEGS];
	unsigned n = vec_fill(v, seg, nseg);

	if (n == 0)
		return -EINVAL;
	return run(a, true, iv, aad, aad_len, v, n, tag) ? 0 : -EINVAL;
}

static bool cd_open_sgl(struct sgw_aead *a, const uint8_t *iv,
			const uint8_t *aad, size_t aad_len,
			const struct sgw_iov *seg, unsigned nseg,
			const uint8_t *tag)
{
	struct rte_crypto_vec v[CDEV_MAX_SEGS];
	unsigned n = vec_fill(v, seg, nseg);

	return n != 0 && run(a, false, iv, aad, aad_len, v, n, tag);
}

/* New key: new sessions for the two TLS AAD lengths. */
static int cd_rekey(struct sgw_aead *a, const uint8_t *key)
{
	struct cdev_aead *c = cd_of(a);

	for (unsigned i = 0; i < CDEV_SLOTS; i++)
		slot_clear(&c->slot[i]);
	memcpy(c->key, key, sgw_aead_key_len(a->alg));
	if (slot_fill(c, &c->slot[0], CDEV_AAD_TLS13) != 0 ||
	    slot_fill(c, &c->slot[1], CDEV_AAD_TLS12) != 0)
		return -EIO;
	return 0;
}

static void cd_destroy(struct sgw_aead *a)
{
	struct cdev_aead *c = cd_of(a);

	for (unsigned i = 0; i < CDEV_SLOTS; i++)
		slot_clear(&c->slot[i]);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

/*
 * Out of place (seal_to/open_to): the bounded fallback in aead.c, which
 * copies the pieces into dst and runs cd_seal/cd_open there in place. DPDK
 * 22.11's rte_crypto_sym_vec does have dest_sgl, but the crypto_aesni_gcm
 * PMD's CPU crypto handler (aesni_gcm_process_bulk) reads src_sgl only and
 * writes back into it, ignoring dest_sgl; its FF_OOP_* flags describe the
 * enqueue/dequeue path, not CPU crypto. Passing dest_sgl would silently
 * encrypt the caller's source pieces instead.
 */
static const struct sgw_aead_ops cd_ops = {
	.seal = cd_seal,
	.open = cd_open,
	.seal_sgl = cd_seal_sgl,
	.open_sgl = cd_open_sgl,
	.seal_to = NULL,
	.open_to = NULL,
	.rekey = cd_rekey,
	.destroy = cd_destroy,
};

static bool cd_available(enum sgw_aead_alg alg)
{
	return (alg == SGW_AEAD_AES_128_GCM || alg == SGW_AEAD_AES_256_GCM) &&
	       cdev_setup();
}

static struct sgw_aead *cd_create(enum sgw_aead_alg alg, const uint8_t *key)
{
	struct cdev_aead *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->base.ops = &cd_ops;
	c->base.alg = alg;
	if (cd_rekey(&c->base, key) != 0) {
		cd_destroy(&c->base);
		return NULL;
	}
	return &c->base;
}

const struct sgw_aead_backend_ops sgw_aead_cryptodev_backend = {
	.name = "cryptodev",
	.available = cd_available,
	.create = cd_create,
};
