/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client certificate policy (Azure P2S certificate authentication): trusted
 * roots, revoked thumbprints, and the chain check EAP-TLS runs on the
 * client's certificate.
 *
 * Order of checks, and so which verdict a certificate gets when several
 * apply: parse -> chain (signatures, CA flags, validity dates of every
 * certificate) -> Client Authentication EKU on the leaf -> leaf thumbprint
 * not revoked. A revoked certificate that is also expired is reported
 * EXPIRED: the first failing check wins, and every verdict is a refusal.
 *
 * Threading: the control thread builds and changes a trust store or a
 * revoked set; once published it is only read. OpenSSL's X509_STORE may be
 * shared by readers (its lookups take its own lock); each verification makes
 * its own X509_STORE_CTX.
 */
#include "crypto/x509.h"
#include "crypto/x509_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

enum {
	/* An uploaded root file larger than this is not a certificate. */
	TRUST_MAX_INPUT = 64 * 1024,
	REVOKED_INITIAL_CAP = 16,
};

/* ------------------------------------------------------------------ */
/* thumbprints                                                          */
/* ------------------------------------------------------------------ */

enum tp_class {
	TP_BAD = 0,     /* default for every byte not listed */
	TP_SKIP,        /* separator: space or colon */
	TP_LRM,         /* first byte of U+200E (E2 80 8E) */
	TP_HEX,
};

static const uint8_t tp_classes[256] = {
	[' '] = TP_SKIP, [':'] = TP_SKIP, [0xe2] = TP_LRM,
	['0'] = TP_HEX, ['1'] = TP_HEX, ['2'] = TP_HEX, ['3'] = TP_HEX,
	['4'] = TP_HEX, ['5'] = TP_HEX, ['6'] = TP_HEX, ['7'] = TP_HEX,
	['8'] = TP_HEX, ['9'] = TP_HEX,
	['a'] = TP_HEX, ['b'] = TP_HEX, ['c'] = TP_HEX, ['d'] = TP_HEX,
	['e'] = TP_HEX, ['f'] = TP_HEX,
	['A'] = TP_HEX, ['B'] = TP_HEX, ['C'] = TP_HEX, ['D'] = TP_HEX,
	['E'] = TP_HEX, ['F'] = TP_HEX,
};

static unsigned hexval(unsigned char c)
{
	if (c <= '9')
		return (unsigned)(c - '0');
	return (unsigned)((c | 0x20) - 'a' + 10);
}

/* Windows' certificate dialog (Details > Thumbprint) copies with a leading
 * U+200E LEFT-TO-RIGHT MARK, and older versions show the digits in pairs
 * separated by spaces; both are accepted anywhere in the string. */
bool sgw_thumbprint_parse(const char *s, uint8_t out[SGW_THUMBPRINT_LEN])
{
	const unsigned char *p = (const unsigned char *)s;
	uint8_t tp[SGW_THUMBPRINT_LEN] = { 0 };
	unsigned nd = 0;

	if (s == NULL)
		return false;
	for (; *p != '\0'; p++) {
		switch (tp_classes[*p]) {
		case TP_SKIP:
			continue;
		case TP_LRM:
			if (p[1] != 0x80 || p[2] != 0x8e)
				return false;
			p += 2;
			continue;
		case TP_HEX:
			if (nd == SGW_THUMBPRINT_HEX)
				return false;
			tp[nd / 2] |= (uint8_t)(hexval(*p) << (nd % 2 ? 0 : 4));
			nd++;
			continue;
		default:
			return false;
		}
	}
	if (nd != SGW_THUMBPRINT_HEX)
		return false;
	memcpy(out, tp, sizeof(tp));
	return true;
}

void sgw_thumbprint_format(const uint8_t tp[SGW_THUMBPRINT_LEN],
			   char out[SGW_THUMBPRINT_HEX + 1])
{
	static const char digits[] = "0123456789ABCDEF";
	unsigned i;

	for (i = 0; i < SGW_THUMBPRINT_LEN; i++) {
		out[2 * i] = digits[tp[i] >> 4];
		out[2 * i + 1] = digits[tp[i] & 0xf];
	}
	out[SGW_THUMBPRINT_HEX] = '\0';
}

/* SHA-1 over the DER, as Windows computes the thumbprint. Hashed from the
 * encoding rather than with X509_digest(), whose cached value can predate a
 * re-signing of an X509 built in memory. */
int sgw_x509_thumbprint(X509 *x, uint8_t tp[SGW_THUMBPRINT_LEN])
{
	unsigned char *der = NULL;
	unsigned int md_len = 0;
	int len, ok;

	if (x == NULL)
		return -EINVAL;
	len = i2d_X509(x, &der);
	if (len <= 0)
		return -EINVAL;
	ok = EVP_Digest(der, (size_t)len, tp, &md_len, EVP_sha1(), NULL);
	OPENSSL_free(der);
	return ok && md_len == SGW_THUMBPRINT_LEN ? 0 : -EIO;
}

/* ------------------------------------------------------------------ */
/* decoding an uploaded root: DER, PEM, or bare base64 DER (.cer)        */
/* ------------------------------------------------------------------ */

static X509 *parse_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (len == 0 || len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	/* Trailing bytes mean this was not one certificate. */
	if (x != NULL && (size_t)(p - der) != len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static bool find_str(const uint8_t *d, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(d + i, needle, n) == 0)
			return true;
	return false;
}

static X509 *parse_pem(const uint8_t *d, size_t len)
{
	BIO *b = BIO_new_mem_buf(d, (int)len);
	X509 *x;

	if (b == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Strip whitespace into buf; returns the base64 length or 0 if any other
 * character is not base64, or the length is not a whole number of quads. */
static size_t b64_compact(const uint8_t *d, size_t len, uint8_t *buf)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (is_space(d[i]))
			continue;
		if (d[i] == '\0' || strchr(alphabet, d[i]) == NULL)
			return 0;
		buf[n++] = d[i];
	}
	return n % 4 == 0 ? n : 0;
}

static X509 *parse_base64(const uint8_t *d, size_t len)
{
	uint8_t *txt = malloc(len + 1), *der = malloc(len + 1);
	size_t n = txt ? b64_compact(d, len, txt) : 0;
	X509 *x = NULL;
	int dlen, pad;

	if (n == 0 || der == NULL || n > INT_MAX)
		goto out;
	/* EVP_DecodeBlock() counts '=' padding as zero bytes: take them off. */
	pad = (txt[n - 1] == '=') + (txt[n - 2] == '=');
	dlen = EVP_DecodeBlock(der, txt, (int)n);
	if (dlen < pad)
		goto out;
	x = parse_der(der, (size_t)(dlen - pad));
out:
	free(txt);
	free(der);
	return x;
}

static X509 *parse_any(const uint8_t *d, size_t len)
{
	static const uint8_t bom[3] = { 0xef, 0xbb, 0xbf };

	/* DER: a certificate is a SEQUENCE (0x30); base64 text never starts
	 * with that byte. */
	if (len > 0 && d[0] == 0x30)
		return parse_der(d, len);
	/* Notepad may save a pasted .cer with a UTF-8 byte order mark. */
	if (len >= sizeof(bom) && memcmp(d, bom, sizeof(bom)) == 0) {
		d += sizeof(bom);
		len -= sizeof(bom);
	}
	if (find_str(d, len, "-----BEGIN"))
		return parse_pem(d, len);
	return parse_base64(d, len);
}

/* ------------------------------------------------------------------ */
/* trust store                                                          */
/* ------------------------------------------------------------------ */

struct trust_root {
	unsigned id;
	X509 *x;
	uint8_t tp[SGW_THUMBPRINT_LEN];
};

struct sgw_trust {
	X509_STORE *store;       /* rebuilt from roots[] on every change */
	unsigned max_roots;
	unsigned n;
	unsigned next_id;
	struct trust_root roots[];
};

struct sgw_trust *sgw_trust_create(unsigned max_roots)
{
	struct sgw_trust *t;

	if (max_roots == 0 || max_roots > SGW_TRUST_HARD_MAX_ROOTS)
		return NULL;
	t = calloc(1, sizeof(*t) + max_roots * sizeof(t->roots[0]));
	if (t == NULL)
		return NULL;
	t->store = X509_STORE_new();
	if (t->store == NULL) {
		free(t);
		return NULL;
	}
	t->max_roots = max_roots;
	t->next_id = 1;
	return t;
}

void sgw_trust_destroy(struct sgw_trust *t)
{
	unsigned i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		X509_free(t->roots[i].x);
	X509_STORE_free(t->store);
	free(t);
}

/* A new store from roots[]; the old one is freed only once the new one is
 * complete, so a failure leaves the trust store as it was. */
static int rebuild_store(struct sgw_trust *t)
{
	X509_STORE *s = X509_STORE_new();
	unsigned i;

	if (s == NULL)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		if (!X509_STORE_add_cert(s, t->roots[i].x)) {
			X509_STORE_free(s);
			return -ENOMEM;
		}
	}
	X509_STORE_free(t->store);
	t->store = s;
	return 0;
}

static void set_err(char *err, size_t err_len, const char *msg)
{
	if (err != NULL && err_len > 0)
		snprintf(err, err_len, "%s", msg);
}

/* RFC 5280 4.2.1.9: a CA certificate has basicConstraints cA TRUE. A v1
 * certificate has no extensions at all, so a self-signed v1 is accepted as
 * the root it can only be. So is a self-signed v3 with keyUsage keyCertSign
 * and no basicConstraints: what Azure's documented PowerShell recipe
 * (New-SelfSignedCertificate -KeyUsage CertSign) may produce, and what
 * OpenSSL's chain building also takes as a CA (X509_check_ca). */
static const char *ca_problem(X509 *x)
{
	uint32_t fl = X509_get_extension_flags(x);

	if (fl & EXFLAG_INVALID)
		return "certificate has invalid or duplicate extensions";
	if ((fl & EXFLAG_BCONS) && (fl & EXFLAG_CA))
		return NULL;
	if (fl & EXFLAG_BCONS)
		return "not a CA certificate (basicConstraints CA:FALSE)";
	if (X509_get_version(x) == X509_VERSION_1 && (fl & EXFLAG_SS))
		return NULL;
	if ((fl & EXFLAG_SS) && (fl & EXFLAG_KUSAGE) &&
	    (X509_get_key_usage(x) & KU_KEY_CERT_SIGN))
		return NULL;
	return "not a CA certificate (no basicConstraints CA:TRUE)";
}

static int find_root(const struct sgw_trust *t, const uint8_t *tp)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (CRYPTO_memcmp(t->roots[i].tp, tp, SGW_THUMBPRINT_LEN) == 0)
			return (int)i;
	return -1;
}

static int add_root(struct sgw_trust *t, X509 *x, char *err, size_t err_len)
{
	struct trust_root *r = &t->roots[t->n];
	const char *why = ca_problem(x);

	if (why != NULL) {
		set_err(err, err_len, why);
		return -EINVAL;
	}
	if (sgw_x509_thumbprint(x, r->tp) != 0) {
		set_err(err, err_len, "cannot hash certificate");
		return -EINVAL;
	}
	if (find_root(t, r->tp) >= 0) {
		set_err(err, err_len, "root already trusted (same thumbprint)");
		return -EEXIST;
	}
	r->x = x;
	r->id = t->next_id;
	t->n++;
	if (rebuild_store(t) != 0) {
		t->n--;
		set_err(err, err_len, "out of memory");
		return -ENOMEM;
	}
	t->next_id++;
	return (int)r->id;
}

int sgw_trust_add(struct sgw_trust *t, const uint8_t *data, size_t len,
		  char *err, size_t err_len)
{
	X509 *x;
	int rc;

	set_err(err, err_len, "");
	if (t == NULL || data == NULL || len == 0 || len > TRUST_MAX_INPUT) {
		set_err(err, err_len, "empty or oversized input");
		return -EINVAL;
	}
	if (t->n >= t->max_roots) {
		set_err(err, err_len, "trust store full (max_roots reached)");
		return -ENOSPC;
	}
	ERR_clear_error();
	x = parse_any(data, len);
	ERR_clear_error();
	if (x == NULL) {
		set_err(err, err_len,
			"not a certificate (expected DER, PEM or base64 DER)");
		return -EINVAL;
	}
	rc = add_root(t, x, err, err_len);
	if (rc < 0)
		X509_free(x);
	return rc;
}

int sgw_trust_add_file(struct sgw_trust *t, const char *path,
		       char *err, size_t err_len)
{
	uint8_t *buf = NULL;
	FILE *f = NULL;
	size_t n = 0;
	int rc;

	if (path == NULL || (f = fopen(path, "rb")) == NULL) {
		rc = path == NULL || errno == 0 ? -EINVAL : -errno;
		set_err(err, err_len, "cannot open certificate file");
		goto out;
	}
	buf = malloc(TRUST_MAX_INPUT + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		set_err(err, err_len, "out of memory");
		goto out;
	}
	n = fread(buf, 1, TRUST_MAX_INPUT + 1, f);
	if (ferror(f) || n > TRUST_MAX_INPUT) {
		set_err(err, err_len, ferror(f) ? "cannot read certificate file" :
			"certificate file too large");
		rc = -EINVAL;
		goto out;
	}
	rc = sgw_trust_add(t, buf, n, err, err_len);
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}

int sgw_trust_remove(struct sgw_trust *t, unsigned id)
{
	struct trust_root gone;
	unsigned i;

	for (i = 0; t != NULL && i < t->n; i++) {
		if (t->roots[i].id != id)
			continue;
		gone = t->roots[i];
		memmove(&t->roots[i], &t->roots[i + 1],
			(t->n - i - 1) * sizeof(t->roots[0]));
		t->n--;
		if (rebuild_store(t) != 0) {
			/* Could not rebuild: put it back rather than leave a
			 * store that still trusts a root the list lacks. */
			memmove(&t->roots[i + 1], &t->roots[i],
				(t->n - i) * sizeof(t->roots[0]));
			t->roots[i] = gone;
			t->n++;
			return -ENOMEM;
		}
		X509_free(gone.x);
		return 0;
	}
	return -ENOENT;
}

unsigned sgw_trust_count(const struct sgw_trust *t)
{
	return t ? t->n : 0;
}

static void name_line(X509_NAME *name, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(b, out, (int)len - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

static time_t asn1_to_time(const ASN1_TIME *a)
{
	struct tm tm;

	if (a == NULL || !ASN1_TIME_to_tm(a, &tm))
		return 0;
	return timegm(&tm);
}

bool sgw_trust_root_info(const struct sgw_trust *t, unsigned idx,
			 struct sgw_root_info *out)
{
	const struct trust_root *r;

	if (t == NULL || idx >= t->n)
		return false;
	r = &t->roots[idx];
	memset(out, 0, sizeof(*out));
	out->id = r->id;
	memcpy(out->thumbprint, r->tp, SGW_THUMBPRINT_LEN);
	name_line(X509_get_subject_name(r->x), out->subject, sizeof(out->subject));
	out->not_after = asn1_to_time(X509_get0_notAfter(r->x));
	return true;
}

/* ------------------------------------------------------------------ */
/* revoked set: sorted array of thumbprints, binary search               */
/* ------------------------------------------------------------------ */

struct sgw_revoked {
	uint8_t (*tp)[SGW_THUMBPRINT_LEN];
	unsigned n;
	unsigned cap;
};

struct sgw_revoked *sgw_revoked_create(void)
{
	return calloc(1, sizeof(struct sgw_revoked));
}

void sgw_revoked_destroy(struct sgw_revoked *r)
{
	if (r == NULL)
		return;
	free(r->tp);
	free(r);
}

/* Index of tp if present (*found), else where it would be inserted. */
static unsigned revoked_search(const struct sgw_revoked *r, const uint8_t *tp,
			       bool *found)
{
	unsigned lo = 0, hi = r->n;

	*found = false;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = memcmp(r->tp[mid], tp, SGW_THUMBPRINT_LEN);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int revoked_grow(struct sgw_revoked *r)
{
	unsigned cap = r->cap ? r->cap * 2 : REVOKED_INITIAL_CAP;
	void *p;

	if (cap > UINT_MAX / 2 / SGW_THUMBPRINT_LEN)
		return -ENOMEM;
	p = realloc(r->tp, (size_t)cap * SGW_THUMBPRINT_LEN);
	if (p == NULL)
		return -ENOMEM;
	r->tp = p;
	r->cap = cap;
	return 0;
}

int sgw_revoked_add(struct sgw_revoked *r, const uint8_t tp[SGW_THUMBPRINT_LEN])
{
	bool found;
	unsigned i;

	if (r == NULL)
		return -EINVAL;
	i = revoked_search(r, tp, &found);
	if (found)
		return -EEXIST;
	if (r->n == r->cap && revoked_grow(r) != 0)
		return -ENOMEM;
	memmove(r->tp[i + 1], r->tp[i], (size_t)(r->n - i) * SGW_THUMBPRINT_LEN);
	memcpy(r->tp[i], tp, SGW_THUMBPRINT_LEN);
	r->n++;
	return 0;
}

int sgw_revoked_remove(struct sgw_revoked *r, const uint8_t tp[SGW_THUMBPRINT_LEN])
{
	bool found = false;
	unsigned i = r ? revoked_search(r, tp, &found) : 0;

	if (!found)
		return -ENOENT;
	memmove(r->tp[i], r->tp[i + 1], (size_t)(r->n - i - 1) * SGW_THUMBPRINT_LEN);
	r->n--;
	return 0;
}

bool sgw_revoked_contains(const struct sgw_revoked *r,
			  const uint8_t tp[SGW_THUMBPRINT_LEN])
{
	bool found = false;

	if (r != NULL && r->n > 0)
		revoked_search(r, tp, &found);
	return found;
}

unsigned sgw_revoked_count(const struct sgw_revoked *r)
{
	return r ? r->n : 0;
}

/* ------------------------------------------------------------------ */
/* copy-on-write publication                                            */
/* ------------------------------------------------------------------ */

struct sgw_trust *sgw_trust_clone(const struct sgw_trust *t)
{
	struct sgw_trust *c;
	unsigned i;

	if (t == NULL)
		return NULL;
	c = calloc(1, sizeof(*c) + t->max_roots * sizeof(c->roots[0]));
	if (c == NULL)
		return NULL;
	c->max_roots = t->max_roots;
	c->next_id = t->next_id;
	for (i = 0; i < t->n; i++) {
		c->roots[i] = t->roots[i];
		X509_up_ref(c->roots[i].x);
		c->n++;
	}
	if (rebuild_store(c) != 0) {
		sgw_trust_destroy(c);
		return NULL;
	}
	return c;
}

bool sgw_trust_has_id(const struct sgw_trust *t, unsigned id)
{
	unsigned i;

	for (i = 0; t != NULL && i < t->n; i++)
		if (t->roots[i].id == id)
			return true;
	return false;
}

/* sgw_trust_add() numbers the root from next_id: point it at the wanted id
 * for the one call, then keep automatic ids above every id handed out. */
int sgw_trust_add_id(struct sgw_trust *t, const uint8_t *data, size_t len,
		     unsigned id, char *err, size_t err_len)
{
	unsigned saved;
	int rc;

	if (t == NULL || id == 0 || id > INT_MAX) {
		set_err(err, err_len, "bad root id");
		return -EINVAL;
	}
	if (sgw_trust_has_id(t, id)) {
		set_err(err, err_len, "root id already in use");
		return -EEXIST;
	}
	saved = t->next_id;
	t->next_id = id;
	rc = sgw_trust_add(t, data, len, err, err_len);
	t->next_id = rc >= 0 && id >= saved ? id + 1 : saved;
	return rc;
}

int sgw_cert_thumbprint(const uint8_t *data, size_t len,
			uint8_t tp[SGW_THUMBPRINT_LEN])
{
	X509 *x;
	int rc;

	if (data == NULL || len == 0 || len > TRUST_MAX_INPUT)
		return -EINVAL;
	ERR_clear_error();
	x = parse_any(data, len);
	rc = x != NULL ? sgw_x509_thumbprint(x, tp) : -EINVAL;
	ERR_clear_error();
	X509_free(x);
	return rc == 0 ? 0 : -EINVAL;
}

struct sgw_revoked *sgw_revoked_clone(const struct sgw_revoked *r)
{
	struct sgw_revoked *c;

	if (r == NULL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (r->n > 0) {
		c->tp = malloc((size_t)r->n * SGW_THUMBPRINT_LEN);
		if (c->tp == NULL) {
			free(c);
			return NULL;
		}
		memcpy(c->tp, r->tp, (size_t)r->n * SGW_THUMBPRINT_LEN);
		c->n = c->cap = r->n;
	}
	return c;
}

bool sgw_revoked_get(const struct sgw_revoked *r, unsigned idx,
		     uint8_t tp[SGW_THUMBPRINT_LEN])
{
	if (r == NULL || idx >= r->n)
		return false;
	memcpy(tp, r->tp[idx], SGW_THUMBPRINT_LEN);
	return true;
}

/* ------------------------------------------------------------------ */
/* verification                                                         */
/* ------------------------------------------------------------------ */

static const char *const verdict_names[] = {
	[SGW_X509_OK] = "ok",
	[SGW_X509_NO_CERT] = "no certificate",
	[SGW_X509_MALFORMED] = "malformed certificate",
	[SGW_X509_UNKNOWN_ROOT] = "unknown root",
	[SGW_X509_EXPIRED] = "certificate expired",
	[SGW_X509_NOT_YET_VALID] = "certificate not yet valid",
	[SGW_X509_NO_CLIENT_AUTH_EKU] = "no Client Authentication EKU",
	[SGW_X509_REVOKED] = "certificate revoked",
	[SGW_X509_BAD_CHAIN] = "bad certificate chain",
};

const char *sgw_x509_verdict_str(enum sgw_x509_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]) ||
	    verdict_names[v] == NULL)
		return "unknown verdict";
	return verdict_names[v];
}

static enum sgw_x509_verdict finish(struct sgw_x509_result *res,
				    enum sgw_x509_verdict v, const char *detail)
{
	res->verdict = v;
	snprintf(res->detail, sizeof(res->detail), "%s",
		 detail ? detail : sgw_x509_verdict_str(v));
	return v;
}

static void result_init(struct sgw_x509_result *res)
{
	memset(res, 0, sizeof(*res));
	res->root_id = -1;
}

/* Length of the longest prefix of s (n bytes) that fits in max bytes without
 * cutting a UTF-8 sequence. */
static size_t utf8_fit(const unsigned char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && (s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* The leaf's subject CN as UTF-8 (the identity logged and shown to the
 * operator). Control characters become '?' so a CN cannot forge log lines. */
static void leaf_cn(X509 *x, char *out, size_t len)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int n;
	size_t k, m;

	out[0] = '\0';
	if (i < 0)
		return;
	n = ASN1_STRING_to_UTF8(&utf8,
		X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0)
		return;
	m = utf8_fit(utf8, (size_t)n, len - 1);
	for (k = 0; k < m; k++)
		out[k] = utf8[k] < 0x20 || utf8[k] == 0x7f ? '?' : (char)utf8[k];
	out[m] = '\0';
	OPENSSL_free(utf8);
}

static void format_time(const ASN1_TIME *a, char *out, size_t len)
{
	struct tm tm;

	if (a == NULL || !ASN1_TIME_to_tm(a, &tm) ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "?");
}

static enum sgw_x509_verdict map_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return SGW_X509_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return SGW_X509_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return SGW_X509_UNKNOWN_ROOT;
	default:
		return SGW_X509_BAD_CHAIN;
	}
}

/* Dates get their own wording ("certificate expired 2024-01-01T00:00:00Z"),
 * as they are what an operator most often has to fix. */
static void date_detail(X509 *cur, int depth, bool expired, char *out,
			size_t len)
{
	char when[32] = "?";

	if (cur != NULL)
		format_time(expired ? X509_get0_notAfter(cur) :
			    X509_get0_notBefore(cur), when, sizeof(when));
	if (depth == 0)
		snprintf(out, len, "certificate %s %s",
			 expired ? "expired" : "not valid before", when);
	else
		snprintf(out, len, "issuer certificate (depth %d) %s %s", depth,
			 expired ? "expired" : "not valid before", when);
}

static enum sgw_x509_verdict chain_failed(X509_STORE_CTX *ctx,
					  struct sgw_x509_result *res)
{
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	enum sgw_x509_verdict v = map_error(err);

	if (v == SGW_X509_EXPIRED || v == SGW_X509_NOT_YET_VALID)
		date_detail(X509_STORE_CTX_get_current_cert(ctx), depth,
			    v == SGW_X509_EXPIRED, res->detail,
			    sizeof(res->detail));
	else
		snprintf(res->detail, sizeof(res->detail), "%s (depth %d): %s",
			 sgw_x509_verdict_str(v), depth,
			 X509_verify_cert_error_string(err));
	res->verdict = v;
	return v;
}

static int anchor_id(const struct sgw_trust *t, X509_STORE_CTX *ctx)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	int n = chain ? sk_X509_num(chain) : 0;
	X509 *top = n > 0 ? sk_X509_value(chain, n - 1) : NULL;
	unsigned i;

	for (i = 0; top != NULL && i < t->n; i++)
		if (X509_cmp(top, t->roots[i].x) == 0)
			return (int)t->roots[i].id;
	return -1;
}

/* RFC 5280 6.1 path validation by OpenSSL against the trust store at time
 * now. Every stored root is a trust anchor even when it is not self-signed
 * (X509_V_FLAG_PARTIAL_CHAIN): the operator uploaded it to be trusted.
 * X509_V_FLAG_X509_STRICT is not set: it rejects a CA whose basicConstraints
 * is not marked critical (checked with OpenSSL 3.0: error 89), which is what
 * New-SelfSignedCertificate -TextExtension "2.5.29.19={text}cA=true" makes,
 * and such roots work with Azure P2S. */
static enum sgw_x509_verdict verify_path(const struct sgw_trust *t, X509 *leaf,
					 STACK_OF(X509) *untrusted, time_t now,
					 struct sgw_x509_result *res)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	enum sgw_x509_verdict v;

	if (ctx == NULL || !X509_STORE_CTX_init(ctx, t->store, leaf, untrusted)) {
		X509_STORE_CTX_free(ctx);
		return finish(res, SGW_X509_BAD_CHAIN, "out of memory");
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, now);
	X509_VERIFY_PARAM_set_depth(param, SGW_X509_MAX_CHAIN);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	if (X509_verify_cert(ctx) == 1) {
		res->root_id = anchor_id(t, ctx);
		v = res->root_id >= 0 ? SGW_X509_OK :
		    finish(res, SGW_X509_UNKNOWN_ROOT, "chain ended outside the trust store");
	} else {
		v = chain_failed(ctx, res);
	}
	X509_STORE_CTX_free(ctx);
	return v;
}

/* Client Authentication EKU (id-kp-clientAuth, RFC 5280 4.2.1.12). Stricter
 * than OpenSSL's purpose check, which lets a leaf with no EKU extension act
 * for any purpose: here the leaf must carry the extension and it must list
 * clientAuth, as Azure P2S requires of client certificates. */
static bool has_client_auth(X509 *leaf)
{
	uint32_t fl = X509_get_extension_flags(leaf);

	return (fl & EXFLAG_XKUSAGE) &&
	       (X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT);
}

enum sgw_x509_verdict sgw_x509_verify_chain(const struct sgw_trust *t,
					    const struct sgw_revoked *revoked,
					    X509 *leaf, STACK_OF(X509) *untrusted,
					    time_t now, struct sgw_x509_result *res)
{
	char hex[SGW_THUMBPRINT_HEX + 1];
	char msg[sizeof(res->detail)];
	enum sgw_x509_verdict v;

	result_init(res);
	if (leaf == NULL)
		return finish(res, SGW_X509_NO_CERT, "no client certificate");
	ERR_clear_error();
	if (sgw_x509_thumbprint(leaf, res->thumbprint) != 0)
		return finish(res, SGW_X509_MALFORMED, "cannot encode certificate");
	leaf_cn(leaf, res->cn, sizeof(res->cn));
	if (t == NULL)
		return finish(res, SGW_X509_UNKNOWN_ROOT, "no trusted roots");
	v = verify_path(t, leaf, untrusted, now, res);
	ERR_clear_error();
	if (v != SGW_X509_OK)
		return v;
	if (!has_client_auth(leaf))
		return finish(res, SGW_X509_NO_CLIENT_AUTH_EKU,
			      "leaf has no Client Authentication EKU (1.3.6.1.5.5.7.3.2)");
	if (sgw_revoked_contains(revoked, res->thumbprint)) {
		sgw_thumbprint_format(res->thumbprint, hex);
		snprintf(msg, sizeof(msg), "thumbprint %s is revoked", hex);
		return finish(res, SGW_X509_REVOKED, msg);
	}
	return finish(res, SGW_X509_OK, "ok");
}

static enum sgw_x509_verdict parse_chain(const uint8_t *const *certs,
					 const size_t *lens, unsigned n,
					 STACK_OF(X509) *sk,
					 struct sgw_x509_result *res)
{
	char msg[sizeof(res->detail)];
	unsigned i;
	X509 *x;

	for (i = 0; i < n; i++) {
		x = certs[i] && lens[i] <= SGW_X509_MAX_CERT_DER ?
		    parse_der(certs[i], lens[i]) : NULL;
		if (x == NULL || !sk_X509_push(sk, x)) {
			X509_free(x);
			snprintf(msg, sizeof(msg),
				 "certificate %u of %u could not be parsed", i, n);
			return finish(res, SGW_X509_MALFORMED, msg);
		}
	}
	return SGW_X509_OK;
}

enum sgw_x509_verdict sgw_x509_verify_der(const struct sgw_trust *t,
					  const struct sgw_revoked *revoked,
					  const uint8_t *const *certs,
					  const size_t *lens, unsigned n,
					  time_t now, struct sgw_x509_result *res)
{
	STACK_OF(X509) *sk;
	enum sgw_x509_verdict v;

	result_init(res);
	if (n == 0 || certs == NULL || lens == NULL)
		return finish(res, SGW_X509_NO_CERT, "no client certificate");
	if (n > SGW_X509_MAX_CHAIN)
		return finish(res, SGW_X509_BAD_CHAIN, "too many certificates in chain");
	sk = sk_X509_new_null();
	if (sk == NULL)
		return finish(res, SGW_X509_BAD_CHAIN, "out of memory");
	ERR_clear_error();
	v = parse_chain(certs, lens, n, sk, res);
	if (v == SGW_X509_OK)
		v = sgw_x509_verify_chain(t, revoked, sk_X509_value(sk, 0), sk,
					  now, res);
	ERR_clear_error();
	sk_X509_pop_free(sk, X509_free);
	return v;
}
