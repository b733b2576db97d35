/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's one configuration file (YAML; docs/CONFIG.md describes every
 * field, etc/sstpgw.yaml is the commented lab example).
 *
 * sgw_config_load() reads and checks the whole file into a plain struct:
 * fixed-size arrays with counts, IPv4 addresses as uint32_t in host byte
 * order, paths kept as strings (nothing is opened here). The first problem
 * comes back as one line, "file:line: field.path: what is wrong (want ...)",
 * and -EINVAL: syntax errors, duplicate and unknown keys (a typo must not be
 * ignored), wrong YAML types, values out of range, missing required fields
 * and contradictions between fields (overlapping pools, a reservation
 * outside every pool, ...).
 *
 * Boot code: runs on the control thread, may allocate (and frees all).
 */
#ifndef SGW_CONTROL_CONFIG_H
#define SGW_CONTROL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/sgw_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes of the string fields include the terminating NUL. */
enum {
	SGW_CONFIG_MAX_FILE = 1 << 20,          /* bytes of YAML */
	SGW_CONFIG_DEVICE_MAX = 128,            /* DPDK device spec */
	SGW_CONFIG_PATH_MAX = 256,
	SGW_CONFIG_NAME_MAX = 256,              /* DNS name */
	SGW_CONFIG_SOCKET_MAX = 108,            /* sizeof(sockaddr_un.sun_path) */
	SGW_CONFIG_CIPHERS_MAX = 512,           /* OpenSSL cipher strings */
	SGW_CONFIG_FILE_PREFIX_MAX = 32,        /* EAL --file-prefix */
	SGW_CONFIG_CN_MAX = SGW_X509_CN_MAX,
	SGW_CONFIG_MAX_WORKERS = SGW_MAX_WORKERS,
	SGW_CONFIG_MAX_LCORES = SGW_MAX_WORKERS + 1, /* main lcore + workers */
	SGW_CONFIG_MAX_LCORE_ID = 127,          /* RTE_MAX_LCORE (128) - 1 */
	SGW_CONFIG_MAX_POOLS = 8,
	SGW_CONFIG_POOL_MIN_LEN = 16,           /* control/pool.c: /16 .. /30 */
	SGW_CONFIG_POOL_MAX_LEN = 30,
	SGW_CONFIG_MAX_RESERVATIONS = 256,
	SGW_CONFIG_MAX_DNS = SGW_DNS_SERVERS_MAX,
	SGW_CONFIG_MAX_NBNS = 2,
	SGW_CONFIG_MAX_VNET = SGW_ROUTES_MAX - 1,
	SGW_CONFIG_MAX_ROOTS = SGW_TRUST_HARD_MAX_ROOTS > 100 ? 100 : SGW_TRUST_HARD_MAX_ROOTS,
	SGW_CONFIG_MAX_SESSIONS = 1000000,
	SGW_CONFIG_MAX_HALF_OPEN = 1000000,
	SGW_CONFIG_DEFAULT_HALF_OPEN = 256,
	/* A whole TLS record plus the control-message reserve must fit. */
	SGW_CONFIG_MIN_TX_BUF = SGW_TLS_MAX_RECORD + SGW_SESSION_TX_RESERVE,
	SGW_CONFIG_MIN_RX_BUF = SGW_TLS_MAX_RECORD,
	SGW_CONFIG_MAX_SESSION_BUF = 1 << 20,
	SGW_CONFIG_DEFAULT_METRICS_PORT = 9469,
};

/* MS-SSTP 2.2.5 Crypto Binding Request: the hash protocol bitmask. */
enum sgw_config_hash {
	SGW_CONFIG_HASH_SHA1 = 0x01,
	SGW_CONFIG_HASH_SHA256 = 0x02,
};

enum sgw_config_aead {
	SGW_CONFIG_AEAD_AUTO,       /* intel-ipsec-mb when the CPU has it, else EVP */
	SGW_CONFIG_AEAD_EVP,
	SGW_CONFIG_AEAD_IPSEC_MB,
};

/* The wire version numbers (crypto/record.h SGW_TLS_VERSION_*). */
enum sgw_config_tls_version {
	SGW_CONFIG_TLS_1_2 = 0x0303,
	SGW_CONFIG_TLS_1_3 = 0x0304,
};

/* Same numbers as DPDK's RTE_LOG_* levels. */
enum sgw_config_log_level {
	SGW_CONFIG_LOG_EMERG = 1,
	SGW_CONFIG_LOG_ALERT,
	SGW_CONFIG_LOG_CRIT,
	SGW_CONFIG_LOG_ERR,
	SGW_CONFIG_LOG_WARNING,
	SGW_CONFIG_LOG_NOTICE,
	SGW_CONFIG_LOG_INFO,
	SGW_CONFIG_LOG_DEBUG,
};

struct sgw_config_prefix {
	uint32_t addr;              /* host order; no host bits */
	unsigned len;               /* 0..32 */
};

/* One DPDK port and the gateway's own address on it. */
struct sgw_config_port {
	char device[SGW_CONFIG_DEVICE_MAX]; /* "net_tap0,iface=sgwout0" or PCI */
	uint32_t addr;              /* the gateway's address (host bits set) */
	unsigned len;               /* its subnet's prefix length */
	uint32_t gateway;           /* outer only; 0: none */
};

struct sgw_config_reservation {
	char cn[SGW_CONFIG_CN_MAX]; /* client certificate subject CN */
	uint32_t addr;
};

struct sgw_config_vnet {
	struct sgw_config_prefix prefix;
	uint32_t via;               /* next hop on the inner subnet; 0: on-link */
};

struct sgw_config {
	struct {
		struct sgw_config_port outer, inner;
	} ports;
	struct {
		unsigned workers;                 /* 1..SGW_CONFIG_MAX_WORKERS */
		uint16_t lcores[SGW_CONFIG_MAX_LCORES]; /* [0] main, then workers */
		unsigned nlcores;                 /* 0: the engine chooses */
		unsigned queues;                  /* per port; >= workers */
		bool huge;
		unsigned mem_mb;                  /* without hugepages */
		unsigned mbufs;                   /* 0: computed */
		char file_prefix[SGW_CONFIG_FILE_PREFIX_MAX];
		enum sgw_config_aead aead;
	} engine;
	uint16_t listen_port;
	struct {
		uint16_t min_version, max_version; /* enum sgw_config_tls_version */
		char ciphersuites[SGW_CONFIG_CIPHERS_MAX]; /* TLS 1.3; "": default */
		char ciphers[SGW_CONFIG_CIPHERS_MAX];      /* TLS 1.2; "": default */
		char cert[SGW_CONFIG_PATH_MAX];
		char key[SGW_CONFIG_PATH_MAX];
	} tls;
	struct {
		uint8_t hash;                     /* enum sgw_config_hash bits */
		unsigned hello_interval_s;
		unsigned negotiation_timeout_s;
		unsigned handshake_timeout_s;
	} sstp;
	struct {
		struct sgw_config_prefix pools[SGW_CONFIG_MAX_POOLS];
		unsigned npools;
		struct sgw_config_reservation reservations[SGW_CONFIG_MAX_RESERVATIONS];
		unsigned nreservations;
		uint32_t dns[SGW_CONFIG_MAX_DNS];
		unsigned ndns;
		uint32_t nbns[SGW_CONFIG_MAX_NBNS];
		unsigned nnbns;
		uint16_t tunnel_mtu;
		uint32_t tunnel_address;          /* filled in: first pool's first */
		bool client_to_client;
	} clients;
	struct sgw_config_vnet vnet[SGW_CONFIG_MAX_VNET];
	unsigned nvnet;
	struct {
		char roots_dir[SGW_CONFIG_PATH_MAX];
		unsigned max_roots;
		char revoked_file[SGW_CONFIG_PATH_MAX]; /* "": none */
	} trust;
	struct {
		unsigned max_sessions;
		unsigned max_half_open;
		unsigned max_pending_per_source; /* 0: no limit */
		unsigned session_buffers;        /* per worker; 0: 2 x share + 64 */
		unsigned session_tx_buf;
		unsigned session_rx_buf;
	} limits;
	struct {
		char socket[SGW_CONFIG_SOCKET_MAX];
		bool metrics;                     /* false: no metrics listener */
		uint32_t metrics_addr;
		uint16_t metrics_port;
		char server_name[SGW_CONFIG_NAME_MAX];  /* clients connect to it; "": outer address */
		char server_ca[SGW_CONFIG_PATH_MAX];    /* CA of the server certificate, for
							   client packages; "": none */
		char packages_dir[SGW_CONFIG_PATH_MAX]; /* client packages the gateway
							   rebuilds; "": none */
	} management;
	struct {
		enum sgw_config_log_level level;
	} log;
};

/* Every optional field at its default, the required ones empty/zero. */
void sgw_config_defaults(struct sgw_config *c);

/* Read and check path. 0, or -EINVAL / -errno with one line in err. */
__attribute__((warn_unused_result))
int sgw_config_load(const char *path, struct sgw_config *out, char *err, size_t err_len);

/* The same on text in memory; name stands for the file in messages. out is
 * only written on success. */
__attribute__((warn_unused_result))
int sgw_config_parse(const char *text, size_t len, const char *name,
		     struct sgw_config *out, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif
#endif
