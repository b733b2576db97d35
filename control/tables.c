/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared tables (DESIGN.md "Tables"): copy-on-write snapshots published
 * to the workers with RCU (DPDK rte_rcu_qsbr, used without the EAL: the QS
 * variable is our own allocation).
 *
 * Publication order, for every change: build the new snapshot privately,
 * persist it (a failure leaves everything as it was), store the pointer with
 * release semantics, bump the generation, wait for a grace period
 * (rte_rcu_qsbr_synchronize), then free the old snapshot.
 *
 * Pools and reservations: control/poolset.c.
 */
#include "control/tables.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_rcu_qsbr.h>

#include "control/fileio.h"
#include "control/poolset.h"
#include "crypto/tls.h"

enum {
	CERT_FILE_MAX = 64 * 1024 + 1,  /* x509.c refuses anything larger */
	REVOKED_FILE_MAX = 16 << 20,
	IDS_FILE_MAX = 256 * 1024,
	QSBR_ALIGN = 128,
};

static const char IDS_FILE[] = ".ids";

/* ------------------------------------------------------------------ */
/* state                                                                */
/* ------------------------------------------------------------------ */

struct root_name {
	unsigned id;
	uint8_t tp[SGW_THUMBPRINT_LEN];
	char name[SGW_TABLES_NAME_MAX];
};

struct sgw_tables {
	struct rte_rcu_qsbr *qsbr;
	unsigned nreaders;
	_Atomic(struct sgw_trust *) trust;
	_Atomic(struct sgw_revoked *) revoked;
	struct sgw_poolset *pools;
	_Atomic uint64_t generation;

	/* Writer only. */
	bool no_fsync;
	char *roots_dir;
	char *revoked_file;
	unsigned max_roots;
	unsigned next_id;
	unsigned nnames;
	struct root_name *names;    /* max_roots */
	unsigned nrev;
	struct sgw_tables_revoked_entry *rev; /* by thumbprint */
	/* The same two pointers for the TLS verify callback (crypto/tls.h),
	 * stored (release) together with the two above, before the grace
	 * period that frees the old ones. */
	struct sgw_policy policy;
};

__attribute__((format(printf, 3, 4)))
static void errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* RCU                                                                  */
/* ------------------------------------------------------------------ */

static void grace_period(struct sgw_tables *t)
{
	rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
}

static void grace_cb(void *arg)
{
	grace_period(arg);
}

static int qsbr_create(struct sgw_tables *t)
{
	size_t sz = rte_rcu_qsbr_get_memsize(t->nreaders);

	sz = (sz + QSBR_ALIGN - 1) / QSBR_ALIGN * QSBR_ALIGN;
	t->qsbr = aligned_alloc(QSBR_ALIGN, sz);
	if (t->qsbr == NULL)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(t->qsbr, t->nreaders) != 0)
		return -EINVAL;
	for (unsigned i = 0; i < t->nreaders; i++)
		if (rte_rcu_qsbr_thread_register(t->qsbr, i) != 0)
			return -EINVAL;
	return 0;
}

void sgw_tables_reader_online(struct sgw_tables *t, unsigned id)
{
	rte_rcu_qsbr_thread_online(t->qsbr, id);
}

void sgw_tables_reader_offline(struct sgw_tables *t, unsigned id)
{
	rte_rcu_qsbr_thread_offline(t->qsbr, id);
}

void sgw_tables_quiescent(struct sgw_tables *t, unsigned id)
{
	rte_rcu_qsbr_quiescent(t->qsbr, id);
}

const struct sgw_trust *sgw_tables_trust(const struct sgw_tables *t)
{
	return atomic_load_explicit(&((struct sgw_tables *)t)->trust,
				    memory_order_acquire);
}

const struct sgw_revoked *sgw_tables_revoked(const struct sgw_tables *t)
{
	return atomic_load_explicit(&((struct sgw_tables *)t)->revoked,
				    memory_order_acquire);
}

const struct sgw_policy *sgw_tables_policy(const struct sgw_tables *t)
{
	return &t->policy;
}

uint64_t sgw_tables_generation(const struct sgw_tables *t)
{
	return atomic_load_explicit(&((struct sgw_tables *)t)->generation,
				    memory_order_acquire);
}

bool sgw_tables_root_present(const struct sgw_trust *trust, int root_id)
{
	return root_id > 0 && sgw_trust_has_id(trust, (unsigned)root_id);
}

/* The pointer first, then the generation: a reader that sees the new
 * generation (acquire) also sees the new table. */
static void publish_trust(struct sgw_tables *t, struct sgw_trust *nt)
{
	struct sgw_trust *old = atomic_load_explicit(&t->trust, memory_order_relaxed);

	atomic_store_explicit(&t->trust, nt, memory_order_release);
	__atomic_store_n(&t->policy.trust, nt, __ATOMIC_RELEASE);
	atomic_fetch_add_explicit(&t->generation, 1, memory_order_release);
	grace_period(t);
	sgw_trust_destroy(old);
}

static void publish_revoked(struct sgw_tables *t, struct sgw_revoked *nr)
{
	struct sgw_revoked *old = atomic_load_explicit(&t->revoked, memory_order_relaxed);

	atomic_store_explicit(&t->revoked, nr, memory_order_release);
	__atomic_store_n(&t->policy.revoked, nr, __ATOMIC_RELEASE);
	atomic_fetch_add_explicit(&t->generation, 1, memory_order_release);
	grace_period(t);
	sgw_revoked_destroy(old);
}

/* ------------------------------------------------------------------ */
/* files: whole reads, atomic replacement                               */
/* ------------------------------------------------------------------ */

/* Reads path into a NUL-terminated buffer. Returns 0, -EFBIG or -errno. */
static int slurp(const char *path, size_t max, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	size_t n;

	if (f == NULL)
		return -errno;
	b = malloc(max + 1);
	if (b == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(b, 1, max + 1, f);
	if (ferror(f) || n > max) {
		int rc = ferror(f) ? -EIO : -EFBIG;

		fclose(f);
		free(b);
		return rc;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* tmp + fsync + rename + fsync of the folder: after a crash the file is
 * either the old one or the new one, never a mix. */
static int write_atomic(const char *dir, const char *path, const void *buf,
			size_t len, bool sync)
{
	int rc = sgw_file_replace_at(AT_FDCWD, path, buf, len, 0644, sync);

	return rc == 0 && sync ? sgw_fsync_dir(dir) : rc;
}

static int path_join(char *out, size_t len, const char *dir, const char *name)
{
	return (size_t)snprintf(out, len, "%s/%s", dir, name) < len ? 0 : -ENAMETOOLONG;
}

/* The folder of a file path, for the fsync after a rename. */
static void dir_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, len, ".");
	else if (slash == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - path), path);
}

/* ------------------------------------------------------------------ */
/* root names and the .ids index                                        */
/* ------------------------------------------------------------------ */

static struct root_name *name_by_id(struct sgw_tables *t, unsigned id)
{
	for (unsigned i = 0; i < t->nnames; i++)
		if (t->names[i].id == id)
			return &t->names[i];
	return NULL;
}

static bool name_used(const struct sgw_tables *t, const char *name)
{
	for (unsigned i = 0; i < t->nnames; i++)
		if (strcmp(t->names[i].name, name) == 0)
			return true;
	return false;
}

static bool cert_ext(const char *name)
{
	static const char *const exts[] = { ".cer", ".crt", ".pem" };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (n > 4 && strcasecmp(name + n - 4, exts[i]) == 0)
			return true;
	return false;
}

/* A file name we create: [A-Za-z0-9._-], not hidden, not ".." tricks. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == '.' || n >= SGW_TABLES_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && strchr("._-", s[i]) == NULL)
			return false;
	return true;
}

static int ids_write(struct sgw_tables *t)
{
	char path[4096], hex[SGW_THUMBPRINT_HEX + 1];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (path_join(path, sizeof(path), t->roots_dir, IDS_FILE) != 0)
		return -ENAMETOOLONG;
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return -ENOMEM;
	fprintf(f, "# sstpgw root ids: <id> <thumbprint> <file>. Written by sstpgw.\n");
	fprintf(f, "next %u\n", t->next_id);
	for (unsigned i = 0; i < t->nnames; i++) {
		sgw_thumbprint_format(t->names[i].tp, hex);
		fprintf(f, "%u %s %s\n", t->names[i].id, hex, t->names[i].name);
	}
	rc = fclose(f) == 0 ? write_atomic(t->roots_dir, path, buf, len, !t->no_fsync) : -ENOMEM;
	free(buf);
	return rc;
}

/* One line of .ids into idx (or next). */
static int ids_line(char *line, struct root_name *idx, unsigned *n,
		    unsigned cap, unsigned *next)
{
	char hex[SGW_THUMBPRINT_HEX + 2], name[SGW_TABLES_NAME_MAX + 1];
	unsigned id;

	if (line[0] == '\0' || line[0] == '#')
		return 0;
	if (sscanf(line, "next %u", next) == 1)
		return 0;
	if (sscanf(line, "%u %41s %64s", &id, hex, name) != 3 || id == 0 ||
	    strlen(name) >= SGW_TABLES_NAME_MAX)
		return -EINVAL;
	if (*n == cap)
		return 0;   /* more entries than roots can exist: ignore */
	idx[*n].id = id;
	snprintf(idx[*n].name, sizeof(idx[*n].name), "%s", name);
	if (!sgw_thumbprint_parse(hex, idx[*n].tp))
		return -EINVAL;
	(*n)++;
	return 0;
}

/* The index as it was last written; a missing file is an empty index. */
static int ids_read(struct sgw_tables *t, struct root_name *idx, unsigned *n,
		    char *err, size_t err_len)
{
	char path[4096], *buf = NULL, *line, *save = NULL;
	unsigned lineno = 0;
	size_t len;
	int rc;

	*n = 0;
	if (path_join(path, sizeof(path), t->roots_dir, IDS_FILE) != 0)
		return -ENAMETOOLONG;
	rc = slurp(path, IDS_FILE_MAX, &buf, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		errf(err, err_len, "%s: %s", path, strerror(-rc));
		return rc;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (ids_line(line, idx, n, t->max_roots * 4, &t->next_id) != 0) {
			errf(err, err_len, "%s:%u: expected \"<id> <thumbprint> <file>\"",
			     path, lineno);
			rc = -EINVAL;
			break;
		}
	}
	free(buf);
	return rc;
}

static unsigned id_for(struct sgw_tables *t, const struct root_name *idx,
		       unsigned n, const uint8_t *tp)
{
	for (unsigned i = 0; i < n; i++)
		if (memcmp(idx[i].tp, tp, SGW_THUMBPRINT_LEN) == 0)
			return idx[i].id;
	return t->next_id++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Certificate files of roots_dir, sorted (ids for new files follow names). */
static int list_dir(const char *dir, char ***out, unsigned *n, char *err,
		    size_t err_len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	unsigned cap = 0;

	*n = 0;
	if (d == NULL) {
		errf(err, err_len, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !cert_ext(de->d_name))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (nv == NULL)
				break;
			v = nv;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	if (de != NULL) {
		errf(err, err_len, "%s: out of memory", dir);
		while (*n > 0)
			free(v[--*n]);
		free(v);
		return -ENOMEM;
	}
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
}

/* Reads one root file into the trust store under its stable id. */
static int load_root(struct sgw_tables *t, struct sgw_trust *tr, const char *file,
		     const struct root_name *idx, unsigned nidx,
		     char *err, size_t err_len)
{
	char path[4096], why[160];
	struct root_name *rn = &t->names[t->nnames];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (path_join(path, sizeof(path), t->roots_dir, file) != 0 ||
	    strlen(file) >= SGW_TABLES_NAME_MAX) {
		errf(err, err_len, "%s/%s: file name too long", t->roots_dir, file);
		return -ENAMETOOLONG;
	}
	rc = slurp(path, CERT_FILE_MAX - 1, &buf, &len);
	if (rc != 0) {
		errf(err, err_len, "%s: %s", path, rc == -EFBIG ?
		     "too large for a certificate" : strerror(-rc));
		return rc;
	}
	if (sgw_cert_thumbprint((const uint8_t *)buf, len, rn->tp) != 0) {
		errf(err, err_len, "%s: not a certificate (expected DER, PEM or base64 DER)",
		     path);
		free(buf);
		return -EINVAL;
	}
	for (unsigned i = 0; i < t->nnames; i++)
		if (memcmp(t->names[i].tp, rn->tp, SGW_THUMBPRINT_LEN) == 0) {
			errf(err, err_len, "%s: same certificate as %s", path, t->names[i].name);
			free(buf);
			return -EEXIST;
		}
	rn->id = id_for(t, idx, nidx, rn->tp);
	rc = sgw_trust_add_id(tr, (const uint8_t *)buf, len, rn->id, why, sizeof(why));
	free(buf);
	if (rc < 0) {
		errf(err, err_len, "%s: %s", path, why);
		return rc;
	}
	snprintf(rn->name, sizeof(rn->name), "%s", file);
	t->nnames++;
	return 0;
}

/* Whether the index on disk differs from what we hold now. */
static bool ids_changed(const struct sgw_tables *t, const struct root_name *idx,
			unsigned nidx, unsigned next_read)
{
	if (nidx != t->nnames || next_read != t->next_id)
		return true;
	for (unsigned i = 0; i < nidx; i++)
		if (idx[i].id != t->names[i].id || strcmp(idx[i].name, t->names[i].name) != 0)
			return true;
	return false;
}

static int load_roots(struct sgw_tables *t, struct sgw_trust *tr,
		      char *err, size_t err_len)
{
	struct root_name *idx = calloc((size_t)t->max_roots * 4, sizeof(*idx));
	char **files = NULL;
	unsigned nidx = 0, nfiles = 0, next_read;
	int rc;

	if (idx == NULL)
		return -ENOMEM;
	rc = list_dir(t->roots_dir, &files, &nfiles, err, err_len);
	if (rc == 0)
		rc = ids_read(t, idx, &nidx, err, err_len);
	next_read = t->next_id;
	if (rc == 0 && nfiles > t->max_roots) {
		errf(err, err_len, "%s: %u root certificates, more than max_roots (%u)",
		     t->roots_dir, nfiles, t->max_roots);
		rc = -ENOSPC;
	}
	for (unsigned i = 0; rc == 0 && i < nfiles; i++)
		rc = load_root(t, tr, files[i], idx, nidx, err, err_len);
	if (rc == 0 && ids_changed(t, idx, nidx, next_read) && (rc = ids_write(t)) != 0)
		errf(err, err_len, "%s/%s: cannot write: %s", t->roots_dir, IDS_FILE,
		     strerror(-rc));
	for (unsigned i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	free(idx);
	return rc;
}

/* ------------------------------------------------------------------ */
/* roots (writer)                                                       */
/* ------------------------------------------------------------------ */

static int root_file_name(const char *name, char *out, size_t len)
{
	if (name == NULL || !name_ok(name))
		return -EINVAL;
	if ((size_t)snprintf(out, len, cert_ext(name) ? "%s" : "%s.cer", name) >= len)
		return -EINVAL;
	return 0;
}

int sgw_tables_roots_add(struct sgw_tables *t, const uint8_t *data, size_t len,
			 const char *name, char *err, size_t err_len)
{
	char file[SGW_TABLES_NAME_MAX], path[4096], why[160];
	struct root_name *rn;
	struct sgw_trust *nt;
	int id, rc;

	if (root_file_name(name, file, sizeof(file)) != 0) {
		errf(err, err_len, "bad root name (1-59 of A-Z a-z 0-9 . _ -, not starting with .)");
		return -EINVAL;
	}
	if (name_used(t, file)) {
		errf(err, err_len, "a root named %s exists", file);
		return -EEXIST;
	}
	if (t->nnames >= t->max_roots) {
		errf(err, err_len, "trust store full: %u roots (max_roots)", t->max_roots);
		return -ENOSPC;
	}
	nt = sgw_trust_clone(atomic_load_explicit(&t->trust, memory_order_relaxed));
	if (nt == NULL) {
		errf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	id = sgw_trust_add_id(nt, data, len, t->next_id, why, sizeof(why));
	if (id < 0) {
		errf(err, err_len, "%s", why);
		sgw_trust_destroy(nt);
		return id;
	}
	rc = path_join(path, sizeof(path), t->roots_dir, file);
	if (rc == 0)
		rc = write_atomic(t->roots_dir, path, data, len, !t->no_fsync);
	if (rc != 0)
		goto err_write;
	rn = &t->names[t->nnames++];
	rn->id = (unsigned)id;
	snprintf(rn->name, sizeof(rn->name), "%s", file);
	if (sgw_cert_thumbprint(data, len, rn->tp) != 0)
		memset(rn->tp, 0, sizeof(rn->tp));   /* cannot happen: it parsed */
	t->next_id++;
	rc = ids_write(t);
	if (rc != 0) {
		/* Without the index the root would get another id at the next
		 * start: undo rather than keep an id we cannot promise. */
		t->nnames--;
		t->next_id--;
		unlink(path);
		goto err_write;
	}
	publish_trust(t, nt);
	return id;
err_write:
	errf(err, err_len, "%s: cannot write: %s", path, strerror(-rc));
	sgw_trust_destroy(nt);
	return -EIO;
}

int sgw_tables_roots_remove(struct sgw_tables *t, unsigned id,
			    char *err, size_t err_len)
{
	struct root_name *rn = name_by_id(t, id);
	struct sgw_trust *nt;
	char path[4096];

	if (rn == NULL) {
		errf(err, err_len, "no root with id %u", id);
		return -ENOENT;
	}
	nt = sgw_trust_clone(atomic_load_explicit(&t->trust, memory_order_relaxed));
	if (nt == NULL || sgw_trust_remove(nt, id) != 0) {
		errf(err, err_len, "out of memory");
		sgw_trust_destroy(nt);
		return -ENOMEM;
	}
	if (path_join(path, sizeof(path), t->roots_dir, rn->name) != 0 ||
	    (unlink(path) != 0 && errno != ENOENT) ||
	    (!t->no_fsync && sgw_fsync_dir(t->roots_dir) != 0)) {
		errf(err, err_len, "%s: cannot remove: %s", path, strerror(errno));
		sgw_trust_destroy(nt);
		return -EIO;
	}
	*rn = t->names[--t->nnames];
	/* The file is gone, so the root is gone at the next start even if
	 * the index keeps a stale line (stale lines are dropped on load). */
	(void)ids_write(t);
	publish_trust(t, nt);
	return 0;
}

static int cmp_root(const void *a, const void *b)
{
	const struct sgw_tables_root *x = a, *y = b;

	return (x->info.id > y->info.id) - (x->info.id < y->info.id);
}

unsigned sgw_tables_roots_list(const struct sgw_tables *t,
			       struct sgw_tables_root *out, unsigned max)
{
	const struct sgw_trust *tr = atomic_load_explicit(
		&((struct sgw_tables *)t)->trust, memory_order_acquire);
	unsigned n = sgw_trust_count(tr), k = 0;

	for (unsigned i = 0; i < n && k < max; i++, k++) {
		struct root_name *rn;

		if (!sgw_trust_root_info(tr, i, &out[k].info))
			break;
		rn = name_by_id((struct sgw_tables *)t, out[k].info.id);
		snprintf(out[k].name, sizeof(out[k].name), "%s", rn ? rn->name : "");
	}
	if (k > 1)
		qsort(out, k, sizeof(*out), cmp_root);
	return n;
}

/* ------------------------------------------------------------------ */
/* revoked (file format in tables.h)                                    */
/* ------------------------------------------------------------------ */

static unsigned rev_search(const struct sgw_tables *t, const uint8_t *tp,
			   bool *found)
{
	unsigned lo = 0, hi = t->nrev;

	*found = false;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = memcmp(t->rev[mid].thumbprint, tp, SGW_THUMBPRINT_LEN);

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

/* Copy of the note, cut at a UTF-8 boundary, control characters as '?'. */
static void note_copy(char *out, const char *s, size_t n)
{
	size_t i, m = n < SGW_TABLES_NOTE_MAX - 1 ? n : SGW_TABLES_NOTE_MAX - 1;

	while (m < n && m > 0 && ((unsigned char)s[m] & 0xc0) == 0x80)
		m--;
	for (i = 0; i < m; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[m] = '\0';
}

static bool note_ok(const char *note)
{
	if (note == NULL)
		return true;
	if (strlen(note) >= SGW_TABLES_NOTE_MAX)
		return false;
	for (const char *p = note; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Entries as a new array with e inserted at i (or removed at i). */
static struct sgw_tables_revoked_entry *rev_edit(const struct sgw_tables *t,
						 unsigned i, const struct sgw_tables_revoked_entry *e)
{
	unsigned n = t->nrev + (e != NULL ? 1 : 0) - (e == NULL ? 1 : 0);
	struct sgw_tables_revoked_entry *v = malloc(((size_t)n + 1) * sizeof(*v));

	if (v == NULL || t->rev == NULL)  /* nothing to copy from */
		return v != NULL && e != NULL ? memcpy(v, e, sizeof(*e)) : v;
	memcpy(v, t->rev, (size_t)i * sizeof(*v));
	if (e != NULL) {
		v[i] = *e;
		memcpy(v + i + 1, t->rev + i, (size_t)(t->nrev - i) * sizeof(*v));
	} else {
		memcpy(v + i, t->rev + i + 1, (size_t)(t->nrev - i - 1) * sizeof(*v));
	}
	return v;
}

static int rev_write(const struct sgw_tables *t,
		     const struct sgw_tables_revoked_entry *v, unsigned n)
{
	char dir[4096], hex[SGW_THUMBPRINT_HEX + 1];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return -ENOMEM;
	fprintf(f, "# sstpgw revoked client certificates: SHA-1 thumbprint # note\n\n");
	for (unsigned i = 0; i < n; i++) {
		sgw_thumbprint_format(v[i].thumbprint, hex);
		fprintf(f, v[i].note[0] ? "%s # %s\n" : "%s\n", hex, v[i].note);
	}
	dir_of(t->revoked_file, dir, sizeof(dir));
	rc = fclose(f) == 0 ? write_atomic(dir, t->revoked_file, buf, len, !t->no_fsync) : -ENOMEM;
	free(buf);
	return rc;
}

/* Commit an edited entry array: file first, then the published set. */
static int rev_commit(struct sgw_tables *t, struct sgw_tables_revoked_entry *v,
		      unsigned n, struct sgw_revoked *nr, char *err, size_t err_len)
{
	int rc = rev_write(t, v, n);

	if (rc != 0) {
		errf(err, err_len, "%s: cannot write: %s", t->revoked_file, strerror(-rc));
		free(v);
		sgw_revoked_destroy(nr);
		return -EIO;
	}
	free(t->rev);
	t->rev = v;
	t->nrev = n;
	publish_revoked(t, nr);
	return 0;
}

int sgw_tables_revoked_add(struct sgw_tables *t,
			   const uint8_t tp[SGW_THUMBPRINT_LEN],
			   const char *note, char *err, size_t err_len)
{
	struct sgw_tables_revoked_entry e = { .note = "" };
	struct sgw_tables_revoked_entry *v;
	struct sgw_revoked *nr;
	bool found;
	unsigned i = rev_search(t, tp, &found);

	if (found) {
		errf(err, err_len, "thumbprint already revoked");
		return -EEXIST;
	}
	if (!note_ok(note)) {
		errf(err, err_len, "bad note (one line, under %d bytes)", SGW_TABLES_NOTE_MAX);
		return -EINVAL;
	}
	memcpy(e.thumbprint, tp, SGW_THUMBPRINT_LEN);
	if (note != NULL)
		note_copy(e.note, note, strlen(note));
	nr = sgw_revoked_clone(atomic_load_explicit(&t->revoked, memory_order_relaxed));
	v = rev_edit(t, i, &e);
	if (nr == NULL || v == NULL || sgw_revoked_add(nr, tp) != 0) {
		errf(err, err_len, "out of memory");
		free(v);
		sgw_revoked_destroy(nr);
		return -ENOMEM;
	}
	return rev_commit(t, v, t->nrev + 1, nr, err, err_len);
}

int sgw_tables_revoked_remove(struct sgw_tables *t,
			      const uint8_t tp[SGW_THUMBPRINT_LEN],
			      char *err, size_t err_len)
{
	struct sgw_tables_revoked_entry *v;
	struct sgw_revoked *nr;
	bool found;
	unsigned i = rev_search(t, tp, &found);

	if (!found) {
		errf(err, err_len, "thumbprint not revoked");
		return -ENOENT;
	}
	nr = sgw_revoked_clone(atomic_load_explicit(&t->revoked, memory_order_relaxed));
	v = rev_edit(t, i, NULL);
	if (nr == NULL || v == NULL || sgw_revoked_remove(nr, tp) != 0) {
		errf(err, err_len, "out of memory");
		free(v);
		sgw_revoked_destroy(nr);
		return -ENOMEM;
	}
	return rev_commit(t, v, t->nrev - 1, nr, err, err_len);
}

unsigned sgw_tables_revoked_list(const struct sgw_tables *t,
				 struct sgw_tables_revoked_entry *out,
				 unsigned max)
{
	for (unsigned i = 0; i < t->nrev && i < max; i++)
		out[i] = t->rev[i];
	return t->nrev;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* One line of the revoked file. note: the pending "# note" line above. */
static int rev_line(struct sgw_tables *t, struct sgw_revoked *set, char *line,
		    char *pending)
{
	struct sgw_tables_revoked_entry e = { .note = "" };
	char *hash = strchr(line, '#'), *s;
	bool found;
	unsigned i;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#') {
		/* A blank line ends a note; a comment line is the next one's. */
		s = line[0] == '#' ? trim(line + 1) : line;
		note_copy(pending, s, strlen(s));
		return 0;
	}
	if (hash != NULL)
		*hash = '\0';
	for (s = line; *s != '\0'; s++)
		if (*s == '\t')
			*s = ' ';
	if (!sgw_thumbprint_parse(trim(line), e.thumbprint))
		return -EINVAL;
	s = hash != NULL ? trim(hash + 1) : pending;
	note_copy(e.note, s, strlen(s));
	pending[0] = '\0';
	i = rev_search(t, e.thumbprint, &found);
	if (found)
		return -EEXIST;
	if (sgw_revoked_add(set, e.thumbprint) != 0)
		return -ENOMEM;
	memmove(t->rev + i + 1, t->rev + i, (size_t)(t->nrev - i) * sizeof(e));
	t->rev[i] = e;
	t->nrev++;
	return 0;
}

static const char *rev_reason(int rc)
{
	switch (rc) {
	case -EINVAL:
		return "not a thumbprint (expected 40 hex digits, then an optional # note)";
	case -EEXIST:
		return "thumbprint listed twice";
	default:
		return "out of memory";
	}
}

/* Line number of the first NUL byte, 0 if none (a text file has none). */
static unsigned nul_line(const char *buf, size_t len)
{
	const char *z = memchr(buf, '\0', len);
	unsigned n = 1;

	if (z == NULL)
		return 0;
	for (const char *p = buf; p < z; p++)
		n += *p == '\n';
	return n;
}

static int load_revoked(struct sgw_tables *t, struct sgw_revoked *set,
			char *err, size_t err_len)
{
	char *buf = NULL, *line, *next, pending[SGW_TABLES_NOTE_MAX] = "";
	unsigned lineno = 0, lines = 1;
	size_t len = 0;
	int rc = slurp(t->revoked_file, REVOKED_FILE_MAX, &buf, &len);

	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		errf(err, err_len, "%s: %s", t->revoked_file,
		     rc == -EFBIG ? "file too large" : strerror(-rc));
		return rc;
	}
	if ((lineno = nul_line(buf, len)) != 0) {
		errf(err, err_len, "%s:%u: NUL byte (not a text file)", t->revoked_file, lineno);
		free(buf);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	t->rev = malloc((size_t)lines * sizeof(*t->rev));
	/* Notepad writes a UTF-8 byte order mark. */
	line = strncmp(buf, "\xef\xbb\xbf", 3) == 0 ? buf + 3 : buf;
	for (rc = t->rev ? 0 : -ENOMEM; rc == 0 && line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		rc = rev_line(t, set, line, pending);
	}
	if (rc != 0)
		errf(err, err_len, "%s:%u: %s", t->revoked_file, lineno, rev_reason(rc));
	free(buf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* pools (control/poolset.c)                                            */
/* ------------------------------------------------------------------ */

int sgw_tables_reserved(const struct sgw_tables *t, const char *cn, uint32_t *addr)
{
	return sgw_poolset_reserved(t->pools, cn, addr);
}

int sgw_tables_pool_alloc(struct sgw_tables *t, unsigned part, const char *cn,
			  uint32_t *addr)
{
	return sgw_poolset_alloc(t->pools, part, cn, addr);
}

int sgw_tables_pool_free(struct sgw_tables *t, uint32_t addr)
{
	return sgw_poolset_free(t->pools, addr);
}

int sgw_tables_pool_owner(const struct sgw_tables *t, uint32_t addr)
{
	return sgw_poolset_owner(t->pools, addr);
}

int sgw_tables_pools_set(struct sgw_tables *t, const struct sgw_tables_pools *p,
			 char *err, size_t err_len)
{
	return sgw_poolset_set(t->pools, p, err, err_len);
}

unsigned sgw_tables_pools_usage(const struct sgw_tables *t,
				struct sgw_tables_pool_usage *out, unsigned max)
{
	return sgw_poolset_usage(t->pools, out, max);
}

unsigned sgw_tables_maintain(struct sgw_tables *t)
{
	return sgw_poolset_maintain(t->pools);
}

/* ------------------------------------------------------------------ */
/* create / destroy                                                     */
/* ------------------------------------------------------------------ */

static int tables_init(struct sgw_tables *t, const struct sgw_tables_cfg *cfg,
		       char *err, size_t err_len)
{
	struct sgw_trust *tr = sgw_trust_create(t->max_roots);
	struct sgw_revoked *rv = sgw_revoked_create();
	int rc;

	atomic_init(&t->trust, tr);
	atomic_init(&t->revoked, rv);
	t->policy.trust = tr;
	t->policy.revoked = rv;
	atomic_init(&t->generation, 1);
	t->names = calloc(t->max_roots, sizeof(*t->names));
	if (tr == NULL || rv == NULL || t->names == NULL || qsbr_create(t) != 0 ||
	    (t->pools = sgw_poolset_create(t->nreaders, grace_cb, t)) == NULL) {
		errf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	rc = load_roots(t, tr, err, err_len);
	if (rc == 0)
		rc = load_revoked(t, rv, err, err_len);
	if (rc == 0)
		rc = sgw_tables_pools_set(t, &cfg->pools, err, err_len);
	return rc;
}

struct sgw_tables *sgw_tables_create(const struct sgw_tables_cfg *cfg,
				     char *err, size_t err_len)
{
	struct sgw_tables *t;

	errf(err, err_len, "%s", "");
	if (cfg == NULL || cfg->nreaders == 0 || cfg->nreaders > SGW_TABLES_MAX_READERS ||
	    cfg->roots_dir == NULL || cfg->revoked_file == NULL ||
	    cfg->max_roots > SGW_TRUST_HARD_MAX_ROOTS) {
		errf(err, err_len, "tables: bad configuration (readers 1..%d, max_roots <= %d, "
		     "roots_dir and revoked_file set)", SGW_TABLES_MAX_READERS,
		     SGW_TRUST_HARD_MAX_ROOTS);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errf(err, err_len, "tables: out of memory");
		return NULL;
	}
	t->nreaders = cfg->nreaders;
	t->no_fsync = cfg->no_fsync;
	t->max_roots = cfg->max_roots ? cfg->max_roots : SGW_TRUST_DEFAULT_MAX_ROOTS;
	t->next_id = 1;
	t->roots_dir = strdup(cfg->roots_dir);
	t->revoked_file = strdup(cfg->revoked_file);
	if (t->roots_dir == NULL || t->revoked_file == NULL ||
	    tables_init(t, cfg, err, err_len) != 0) {
		sgw_tables_destroy(t);
		return NULL;
	}
	return t;
}

void sgw_tables_destroy(struct sgw_tables *t)
{
	if (t == NULL)
		return;
	sgw_poolset_destroy(t->pools);
	sgw_trust_destroy(atomic_load(&t->trust));
	sgw_revoked_destroy(atomic_load(&t->revoked));
	free(t->qsbr);
	free(t->names);
	free(t->rev);
	free(t->roots_dir);
	free(t->revoked_file);
	free(t);
}
