/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management API: newline-delimited JSON over a Unix stream socket,
 * served by the control thread, spoken by sstpgw-ctl.
 *
 *   request  {"cmd":"sessions","filter":{"cn":"alice","addr":"172.16.201.7","worker":1}}\n
 *   response {"ok":true,"sessions":[...]}\n   or   {"ok":false,"error":"..."}\n
 *
 * Commands and their arguments (every other member is an error):
 *   status | settings | pool | reload
 *   sessions  [filter {cn: string, addr: "a.b.c.d" (client or assigned), worker: int}]
 *   disconnect  id: int
 *   counters  [worker: int]
 *   roots_list | roots_add  data: string (PEM, or base64 DER), name: string (optional)
 *   roots_remove  id: int
 *   revoked_list | revoked_add  thumbprint: "40 hex", note: string (optional)
 *   revoked_remove  thumbprint: "40 hex"
 *
 * The gateway side is a table of callbacks (struct sgw_mgmt_ops) that the
 * control thread implements over the engine; any callback may be NULL and
 * the command then answers "not supported". The JSON library stays inside
 * mgmt.c: this header has plain structs only.
 *
 * Threading: one thread (the control thread) owns a struct sgw_mgmt and calls
 * sgw_mgmt_poll() from its loop; every callback runs in that thread, inside
 * sgw_mgmt_poll() or sgw_mgmt_handle(). Nothing here blocks: a client that
 * sends garbage gets an error line, a client that stalls is dropped after
 * SGW_MGMT_IDLE_MS, and at most SGW_MGMT_MAX_CLIENTS are served at once.
 *
 * Addresses are IPv4 in host byte order, as in control/pool.h.
 */
#ifndef SGW_CONTROL_MGMT_H
#define SGW_CONTROL_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	SGW_MGMT_MAX_CLIENTS = 16,
	SGW_MGMT_MAX_REQUEST = 64 * 1024,        /* bytes in one request line */
	SGW_MGMT_MAX_RESPONSE = 64 * 1024 * 1024, /* bytes in one response line */
	SGW_MGMT_IDLE_MS = 10000,                /* a silent client is dropped */
	SGW_MGMT_MAX_PREFIXES = 16,
	SGW_MGMT_MAX_WORKERS = 64,
	SGW_MGMT_NAME_MAX = 256,
	SGW_MGMT_PATH_MAX = 1024,
	SGW_MGMT_CN_MAX = 128,
	SGW_MGMT_NOTE_MAX = 256,
	SGW_MGMT_THUMBPRINT_LEN = 20,            /* SHA-1, = SGW_THUMBPRINT_LEN */
};

/* The socket the daemon listens on and sstpgw-ctl connects to by default. */
#define SGW_MGMT_DEFAULT_SOCKET "/run/sstpgw/mgmt.sock"

struct sgw_mgmt_status {
	char version[32];
	uint64_t uptime_s;
	unsigned workers;
	unsigned sessions;
	unsigned sessions_max;
	unsigned pool_used;
	unsigned pool_size;
	unsigned roots;          /* trusted client roots */
	unsigned revoked;        /* revoked thumbprints */
	unsigned mbufs_in_use;   /* packet buffers taken (in flight, held) */
	unsigned mbufs_size;     /* the pool's size */
};

struct sgw_mgmt_prefix {
	uint32_t addr;
	uint8_t len;             /* 0..32 */
};

/* What a client needs to reach this gateway (the client-package command). */
struct sgw_mgmt_settings {
	char server_name[SGW_MGMT_NAME_MAX];   /* DNS name in the server certificate */
	uint16_t port;                         /* outer TCP port (443) */
	uint32_t outer_addr;                   /* 0 if unknown */
	char ca_cert_path[SGW_MGMT_PATH_MAX];  /* CA that issued the server cert */
	uint32_t dns[2];                       /* 0 = none */
	unsigned n_vnet;                       /* routes pushed to the client */
	struct sgw_mgmt_prefix vnet[SGW_MGMT_MAX_PREFIXES];
	unsigned n_pool;                       /* client address pools */
	struct sgw_mgmt_prefix pool[SGW_MGMT_MAX_PREFIXES];
	unsigned mtu;                          /* tunnel (PPP) MTU */
};

/* Same names as dataplane/session.h enum sgw_session_phase. */
enum sgw_mgmt_session_state {
	SGW_MGMT_SESS_TLS,
	SGW_MGMT_SESS_HTTP,
	SGW_MGMT_SESS_NEGOTIATING,
	SGW_MGMT_SESS_ESTABLISHED,
	SGW_MGMT_SESS_CLOSING,
	SGW_MGMT_SESS_CLOSED,
};
const char *sgw_mgmt_session_state_str(enum sgw_mgmt_session_state s);

struct sgw_mgmt_session {
	uint64_t id;
	char cn[SGW_MGMT_CN_MAX];                /* "" before authentication */
	uint8_t thumbprint[SGW_MGMT_THUMBPRINT_LEN]; /* of the client cert */
	bool has_thumbprint;
	uint32_t client_addr;
	uint16_t client_port;
	uint32_t assigned_addr;                  /* 0 before IPCP */
	unsigned worker;
	char tls_version[16];                    /* "TLSv1.3" */
	char cipher[64];
	uint64_t bytes_rx, bytes_tx;             /* inner IP, client's view: rx = from client */
	uint64_t packets_rx, packets_tx;
	uint64_t uptime_s;
	enum sgw_mgmt_session_state state;
};

struct sgw_mgmt_root {
	unsigned id;
	char subject[256];
	uint8_t thumbprint[SGW_MGMT_THUMBPRINT_LEN];
	int64_t not_after;                       /* Unix time */
};

struct sgw_mgmt_revoked {
	uint8_t thumbprint[SGW_MGMT_THUMBPRINT_LEN];
	char note[SGW_MGMT_NOTE_MAX];
};

struct sgw_mgmt_pool {
	struct sgw_mgmt_prefix prefix;
	unsigned size, used;
	unsigned nworkers;
	unsigned worker_used[SGW_MGMT_MAX_WORKERS];
};

struct sgw_mgmt_counter {
	const char *name;        /* [a-z0-9_]+, becomes sstpgw_<name> in metrics */
	const char *help;        /* one line, may be NULL */
	int worker;              /* -1 = global */
	uint64_t value;
};

/* List callbacks call emit once per item; emit returns 0, or non-zero to ask
 * the callback to stop early (out of memory): the callback then returns that
 * value. The item is copied during emit. */
typedef int (*sgw_mgmt_session_fn)(void *ectx, const struct sgw_mgmt_session *s);
typedef int (*sgw_mgmt_root_fn)(void *ectx, const struct sgw_mgmt_root *r);
typedef int (*sgw_mgmt_revoked_fn)(void *ectx, const struct sgw_mgmt_revoked *r);
typedef int (*sgw_mgmt_pool_fn)(void *ectx, const struct sgw_mgmt_pool *p);
typedef int (*sgw_mgmt_counter_fn)(void *ectx, const struct sgw_mgmt_counter *c);

/* Implemented by the control thread. Return 0 or -errno; err (when given)
 * gets a one-line reason that is sent back to the operator. */
struct sgw_mgmt_ops {
	int (*status)(void *ctx, struct sgw_mgmt_status *st);
	int (*settings)(void *ctx, struct sgw_mgmt_settings *s);
	int (*sessions)(void *ctx, sgw_mgmt_session_fn emit, void *ectx);
	/* 0 or -ENOENT (no such session). */
	int (*disconnect)(void *ctx, uint64_t id);
	int (*roots_list)(void *ctx, sgw_mgmt_root_fn emit, void *ectx);
	/* data: PEM or DER. Returns the new root id (>= 0) or -errno. */
	int (*roots_add)(void *ctx, const uint8_t *data, size_t len, const char *name,
			 char *err, size_t errlen);
	int (*roots_remove)(void *ctx, unsigned id);
	int (*revoked_list)(void *ctx, sgw_mgmt_revoked_fn emit, void *ectx);
	int (*revoked_add)(void *ctx, const uint8_t tp[SGW_MGMT_THUMBPRINT_LEN],
			   const char *note, char *err, size_t errlen);
	int (*revoked_remove)(void *ctx, const uint8_t tp[SGW_MGMT_THUMBPRINT_LEN]);
	int (*pool)(void *ctx, sgw_mgmt_pool_fn emit, void *ectx);
	int (*counters)(void *ctx, sgw_mgmt_counter_fn emit, void *ectx);
	int (*reload)(void *ctx, char *err, size_t errlen);
};

struct sgw_mgmt;

/* Listen on path: its parent directory is created (0750) if missing, a stale
 * socket left by a dead daemon is replaced, a live one is an error
 * (-EADDRINUSE), the socket is 0660. ops must outlive the server. Returns
 * NULL with a reason in err. */
__attribute__((warn_unused_result))
struct sgw_mgmt *sgw_mgmt_create(const char *path, const struct sgw_mgmt_ops *ops,
				 void *ctx, char *err, size_t errlen);
/* Closes every client and unlinks the socket. */
void sgw_mgmt_destroy(struct sgw_mgmt *m);

/* The listening fd, for the caller's own poll set (readable = work to do). */
int sgw_mgmt_fd(const struct sgw_mgmt *m);
/* Accept, read, answer and write for up to timeout_ms (0 = do what is ready
 * and return; -1 is treated as 0: this never blocks indefinitely). Returns
 * the number of requests answered, or -errno on a listening socket failure. */
__attribute__((warn_unused_result))
int sgw_mgmt_poll(struct sgw_mgmt *m, int timeout_ms);

/* Answer one request (the bytes of one line, without the newline): the pure
 * core of the server, used by tests and the fuzz target. *resp gets a
 * malloc'd NUL-terminated JSON object without a newline; the caller frees it.
 * Returns true if the request succeeded ("ok":true), false if it was refused
 * or malformed ("ok":false); *resp is NULL only when out of memory. */
__attribute__((warn_unused_result))
bool sgw_mgmt_handle(const struct sgw_mgmt_ops *ops, void *ctx,
		     const char *req, size_t len, char **resp);

/* Read a "settings" response (one line, as sgw_mgmt_handle or the socket
 * gives it) back into the struct: the CLI's client-package command. Returns
 * 0, or -EINVAL with a reason in err (not JSON, "ok":false, a member missing
 * or of the wrong type, a bad address or prefix). */
__attribute__((warn_unused_result))
int sgw_mgmt_settings_parse(const char *resp, size_t len, struct sgw_mgmt_settings *s,
			    char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
