/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client configuration packages (issue #4): the files a user needs to reach
 * this gateway with EAP-TLS inside SSTP, for Linux (sstpc + pppd 2.4.9, or
 * NetworkManager-sstp) and Windows (the built-in SSTP client), as Azure's
 * P2S "Download VPN client" gives them.
 *
 * The Linux command lines follow the ones the e2e rig runs against this
 * gateway (tests/e2e/uml/guest.sh): sstpc launches pppd, pppd does EAP-TLS
 * with ca/cert/key and no PPP authentication of the gateway (noauth: the
 * gateway proves itself with its certificate inside EAP-TLS, checked
 * against ca). Not `require-eap`: that would ask the gateway to
 * authenticate itself to the client a second time, in PPP, which no SSTP
 * server does.
 */
#define _GNU_SOURCE   /* renameat2(RENAME_EXCHANGE): swap a rebuilt package in */
#include "control/package.h"
#include "control/fileio.h"
#include "control/mgmt.h"
#include "crypto/pkcs12.h"
#include "crypto/random.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert((int)SGW_PACKAGE_THUMBPRINT_LEN == (int)SGW_THUMBPRINT_LEN, "thumbprint size");
_Static_assert((int)SGW_PACKAGE_CN_MAX == (int)SGW_X509_CN_MAX, "CN size");

enum {
	NAME_LEN_MAX = 32,
	MAX_FILES = 24,             /* files and folders one package makes */
	REL_MAX = 96,
	PFX_READ_MAX = SGW_PKCS12_MAX_LEN,
	CA_READ_MAX = 64 * 1024,
	PASSWORD_MAX = 1024,
	PPP_MTU_MIN = 128,          /* pppd(8): mtu/mru 128..16384 */
	PPP_MTU_MAX = 16384,
	SSTP_DEFAULT_PORT = 443,
};

/* --- a growing text buffer; an allocation failure sticks --- */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put_n(struct buf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = (b->len + n + 1) * 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put(struct buf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->oom = true;   /* every caller formats short fixed text */
	else
		put_n(b, tmp, (size_t)n);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* --- quoting, one per language the package speaks --- */

/* POSIX shell: '...' with ' as '\''. */
static void q_sh(struct buf *b, const char *s)
{
	put(b, "'");
	for (; *s != '\0'; s++)
		put(b, *s == '\'' ? "'\\''" : (char[2]){ *s, 0 });
	put(b, "'");
}

/* pppd option files: "..." with \ and " escaped (pppd(8) FILES). */
static void q_ppp(struct buf *b, const char *s)
{
	put(b, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			put(b, "\\");
		put_n(b, s, 1);
	}
	put(b, "\"");
}

/* PowerShell: '...' with ' doubled. */
static void q_ps(struct buf *b, const char *s)
{
	put(b, "'");
	for (; *s != '\0'; s++)
		put(b, *s == '\'' ? "''" : (char[2]){ *s, 0 });
	put(b, "'");
}

static void q_xml(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': put(b, "&amp;"); break;
		case '<': put(b, "&lt;"); break;
		case '>': put(b, "&gt;"); break;
		case '"': put(b, "&quot;"); break;
		case '\'': put(b, "&apos;"); break;
		default: put_n(b, s, 1); break;
		}
	}
}

/* GKeyFile values (NetworkManager keyfiles): \\ and a leading \s. */
static void q_kf(struct buf *b, const char *s)
{
	if (*s == ' ') {
		put(b, "\\s");
		s++;
	}
	for (; *s != '\0'; s++)
		put(b, *s == '\\' ? "\\\\" : (char[2]){ *s, 0 });
}

/* --- what every file is made from --- */

struct pkg {
	const struct sgw_package_opts *o;
	const struct sgw_mgmt_settings *gw;
	char host[SGW_MGMT_NAME_MAX];
	char hostport[SGW_MGMT_NAME_MAX + 8];  /* host:port, always with the port */
	char win_server[SGW_MGMT_NAME_MAX + 8]; /* host, or host:port if not 443 */
	char dir[sizeof(SGW_PACKAGE_LINUX_DIR) + SGW_PACKAGE_NAME_MAX];
	char tp[SGW_THUMBPRINT_HEX + 1], ca_tp[SGW_THUMBPRINT_HEX + 1];
	char vnet[SGW_MGMT_MAX_PREFIXES][20];  /* "a.b.c.d/len", canonical */
	unsigned n_vnet;
	char pool[SGW_MGMT_MAX_PREFIXES][20];
	unsigned n_pool;
	char dns[2][20];                       /* same shape as vnet[] */
	unsigned n_dns;
	unsigned mtu;                          /* 0: leave pppd's default */
	char uuid[37];                         /* the NetworkManager profile's */
};

static void fmt_addr(uint32_t a, char *out, size_t len)
{
	snprintf(out, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void fmt_prefix(const struct sgw_mgmt_prefix *p, char *out, size_t len)
{
	uint32_t mask = p->len == 0 ? 0 : ~0u << (32 - p->len);
	char a[16];

	fmt_addr(p->addr & mask, a, sizeof(a));
	snprintf(out, len, "%s/%u", a, (unsigned)p->len);
}

static void fmt_thumbprint(const uint8_t tp[SGW_THUMBPRINT_LEN], char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned i;

	for (i = 0; i < SGW_THUMBPRINT_LEN; i++) {
		out[2 * i] = hex[tp[i] >> 4];
		out[2 * i + 1] = hex[tp[i] & 15];
	}
	out[SGW_THUMBPRINT_HEX] = '\0';
}

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, SGW_PACKAGE_NAME_MAX);

	if (n == 0 || n > NAME_LEN_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_-") == n;
}

/* A DNS name or IPv4 address: it goes unquoted into pppd's pty command. */
static bool host_ok(const char *s)
{
	size_t n = strnlen(s, SGW_MGMT_NAME_MAX);

	if (n == 0 || n >= SGW_MGMT_NAME_MAX || s[0] == '-' || s[0] == '.')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789.-") == n;
}

/* One printable line of UTF-8 (no control characters). */
static bool text_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max), i;

	if (n == 0 || n == max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int pkg_host(struct pkg *k, char *err, size_t err_len)
{
	const struct sgw_mgmt_settings *gw = k->gw;
	unsigned port = gw->port != 0 ? gw->port : SSTP_DEFAULT_PORT;

	if (gw->server_name[0] != '\0')
		snprintf(k->host, sizeof(k->host), "%s", gw->server_name);
	else if (gw->outer_addr != 0)
		fmt_addr(gw->outer_addr, k->host, sizeof(k->host));
	if (!host_ok(k->host)) {
		snprintf(err, err_len, "the gateway has no usable server name (%s): set the "
			 "DNS name of its certificate in the configuration",
			 k->host[0] != '\0' ? "bad characters" : "none");
		return -EINVAL;
	}
	snprintf(k->hostport, sizeof(k->hostport), "%s:%u", k->host, port);
	if (port == SSTP_DEFAULT_PORT)
		snprintf(k->win_server, sizeof(k->win_server), "%s", k->host);
	else
		snprintf(k->win_server, sizeof(k->win_server), "%s", k->hostport);
	return 0;
}

static int pkg_prefixes(struct pkg *k, char *err, size_t err_len)
{
	const struct sgw_mgmt_settings *gw = k->gw;
	unsigned i;

	if (gw->n_vnet > SGW_MGMT_MAX_PREFIXES || gw->n_pool > SGW_MGMT_MAX_PREFIXES) {
		snprintf(err, err_len, "too many VNet or pool prefixes");
		return -EINVAL;
	}
	for (i = 0; i < gw->n_vnet; i++) {
		if (gw->vnet[i].len > 32) {
			snprintf(err, err_len, "VNet prefix %u has length %u", i, gw->vnet[i].len);
			return -EINVAL;
		}
		fmt_prefix(&gw->vnet[i], k->vnet[i], sizeof(k->vnet[i]));
	}
	for (i = 0; i < gw->n_pool; i++)
		if (gw->pool[i].len <= 32)
			fmt_prefix(&gw->pool[i], k->pool[k->n_pool++], sizeof(k->pool[0]));
	k->n_vnet = gw->n_vnet;
	for (i = 0; i < 2; i++)
		if (gw->dns[i] != 0)
			fmt_addr(gw->dns[i], k->dns[k->n_dns++], sizeof(k->dns[0]));
	return 0;
}

/* What the gateway's settings make of a package: server, routes, DNS, MTU. */
static int pkg_settings(struct pkg *k, const struct sgw_mgmt_settings *gw, char *err,
			size_t err_len)
{
	k->gw = gw;
	if (pkg_host(k, err, err_len) < 0 || pkg_prefixes(k, err, err_len) < 0)
		return -EINVAL;
	if (gw->mtu >= PPP_MTU_MIN && gw->mtu <= PPP_MTU_MAX)
		k->mtu = gw->mtu;
	return 0;
}

static bool uuid_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++)
		if (s[i] == '\0' || (i == 8 || i == 13 || i == 18 || i == 23 ?
				     s[i] != '-' : strchr("0123456789abcdef", s[i]) == NULL))
			return false;
	return s[36] == '\0';
}

static int make_uuid(char out[37]);

static int pkg_init(struct pkg *k, const struct sgw_package_opts *o, char *err, size_t err_len)
{
	memset(k, 0, sizeof(*k));
	k->o = o;
	k->gw = o->gw;
	if (o->gw == NULL || o->cert_pem == NULL || o->key_pem == NULL || o->ca_pem == NULL) {
		snprintf(err, err_len, "package options incomplete");
		return -EINVAL;
	}
	if (!name_ok(o->name)) {
		snprintf(err, err_len, "bad connection name: 1 to %d of A-Z a-z 0-9 _ -",
			 NAME_LEN_MAX);
		return -EINVAL;
	}
	if (!text_ok(o->cn, sizeof(o->cn))) {
		snprintf(err, err_len, "the client certificate has no usable CN");
		return -EINVAL;
	}
	if ((o->os & SGW_PACKAGE_OS_ALL) == 0 || (o->os & ~(unsigned)SGW_PACKAGE_OS_ALL) != 0 ||
	    ((o->os & SGW_PACKAGE_OS_WINDOWS) && (o->pfx == NULL || o->ca_der == NULL))) {
		snprintf(err, err_len, "bad package OS selection");
		return -EINVAL;
	}
	if (pkg_settings(k, o->gw, err, err_len) < 0)
		return -EINVAL;
	if (o->nm_uuid[0] != '\0' && !uuid_ok(o->nm_uuid)) {
		snprintf(err, err_len, "bad NetworkManager profile UUID");
		return -EINVAL;
	}
	if (o->nm_uuid[0] != '\0')
		memcpy(k->uuid, o->nm_uuid, sizeof(k->uuid));
	else if (make_uuid(k->uuid) < 0) {
		snprintf(err, err_len, "no random bytes for the profile UUID");
		return -EIO;
	}
	snprintf(k->dir, sizeof(k->dir), "%s/%s", SGW_PACKAGE_LINUX_DIR, o->name);
	fmt_thumbprint(o->thumbprint, k->tp);
	fmt_thumbprint(o->ca_thumbprint, k->ca_tp);
	return 0;
}

/* --- pppd options, shared by connect.sh and the peer file --- */

enum ppp_arg {
	ARG_NONE,
	ARG_WORD,       /* fixed text */
	ARG_FILE,       /* a file of the package, by path */
};

/* Mirrors guest.sh's POPTS (the options that work against this gateway);
 * nodetach only in connect.sh. */
static const struct ppp_opt {
	const char *opt;
	const char *arg;
	enum ppp_arg kind;
} ppp_opts[] = {
	{ "noauth", NULL, ARG_NONE },
	{ "refuse-pap", NULL, ARG_NONE },
	{ "refuse-chap", NULL, ARG_NONE },
	{ "refuse-mschap", NULL, ARG_NONE },
	{ "refuse-mschap-v2", NULL, ARG_NONE },
	{ "nodefaultroute", NULL, ARG_NONE },   /* split tunnel: VNet routes only */
	{ "noipdefault", NULL, ARG_NONE },
	{ "usepeerdns", NULL, ARG_NONE },
	{ "noccp", NULL, ARG_NONE },            /* TLS already encrypts; no MPPE */
	{ "nobsdcomp", NULL, ARG_NONE },
	{ "nodeflate", NULL, ARG_NONE },
	{ "novj", NULL, ARG_NONE },
	{ "noipv6", NULL, ARG_NONE },
	{ "lcp-echo-interval", "10", ARG_WORD },
	{ "lcp-echo-failure", "6", ARG_WORD },
	{ "ca", "ca.crt", ARG_FILE },           /* EAP-TLS: the gateway's CA */
	{ "cert", "client.crt", ARG_FILE },
	{ "key", "client.key", ARG_FILE },
};

/* How one option line is written: a peer file line or a shell argument. */
struct ppp_style {
	const char *lead, *tail;
	void (*quote)(struct buf *b, const char *s);
	void (*file)(struct buf *b, const struct pkg *k, const char *f);
};

static void file_abs(struct buf *b, const struct pkg *k, const char *f)
{
	char path[sizeof(k->dir) + 16];

	snprintf(path, sizeof(path), "%s/%s", k->dir, f);
	q_ppp(b, path);
}

static void file_sh(struct buf *b, const struct pkg *k, const char *f)
{
	(void)k;
	putf(b, "\"$DIR/%s\"", f);
}

static const struct ppp_style style_peer = { "", "\n", q_ppp, file_abs };
static const struct ppp_style style_sh = { "\t", " \\\n", q_sh, file_sh };

static void ppp_line(struct buf *b, const struct ppp_style *st, const char *opt,
		     const char *arg, bool quoted)
{
	put(b, st->lead);
	put(b, opt);
	if (arg != NULL) {
		put(b, " ");
		if (quoted)
			st->quote(b, arg);
		else
			put(b, arg);
	}
	put(b, st->tail);
}

static void ppp_options(struct buf *b, const struct pkg *k, const struct ppp_style *st)
{
	char mtu[16];
	size_t i;

	for (i = 0; i < sizeof(ppp_opts) / sizeof(ppp_opts[0]); i++) {
		const struct ppp_opt *p = &ppp_opts[i];

		if (p->kind == ARG_FILE) {
			put(b, st->lead);
			putf(b, "%s ", p->opt);
			st->file(b, k, p->arg);
			put(b, st->tail);
		} else {
			ppp_line(b, st, p->opt, p->arg, false);
		}
	}
	/* EAP identity: pppd sends `user` (and names itself `name`). */
	ppp_line(b, st, "name", k->o->cn, true);
	ppp_line(b, st, "user", k->o->cn, true);
	ppp_line(b, st, "ipparam", k->o->name, false);
	if (k->mtu != 0) {
		snprintf(mtu, sizeof(mtu), "%u", k->mtu);
		ppp_line(b, st, "mtu", mtu, false);
		ppp_line(b, st, "mru", mtu, false);
	}
}

/* --- Linux files --- */

static void gen_connect(struct buf *b, const struct pkg *k)
{
	const char *n = k->o->name;

	put(b, "#!/bin/sh\n");
	putf(b, "# Connect to the sstpgw gateway %s as ", k->hostport);
	put(b, k->o->cn);
	put(b, ".\n# sstpc opens SSTP (HTTPS) and runs pppd, which authenticates with\n"
	    "# EAP-TLS using the certificate files next to this script. Stop: Ctrl-C.\n"
	    "# Run as root: sudo ./connect.sh [more pppd options, e.g. debug]\n"
	    "# Needs: apt-get install sstp-client ppp\n"
	    "set -eu\n"
	    "DIR=$(cd \"$(dirname \"$0\")\" && pwd)\n"
	    "if [ \"$(id -u)\" != 0 ]; then\n"
	    "\techo \"connect.sh: run as root: sudo $0\" >&2\n\texit 1\nfi\n"
	    "if ! command -v sstpc >/dev/null 2>&1; then\n"
	    "\techo \"connect.sh: sstpc not found: apt-get install sstp-client ppp\" >&2\n"
	    "\texit 1\nfi\n"
	    "chmod 600 \"$DIR/client.key\"\n");
	putf(b, "if [ ! -x /etc/ppp/ip-up.d/%s ]; then\n"
	     "\techo \"connect.sh: /etc/ppp/ip-up.d/%s is not installed: no routes to the VNet"
	     " (README.txt says how)\" >&2\nfi\n", n, n);
	putf(b, "exec sstpc --log-stderr --log-level 2 --ca-cert \"$DIR/ca.crt\" --ipparam %s %s \\\n",
	     n, k->hostport);
	put(b, "\tnodetach \\\n");
	ppp_options(b, k, &style_sh);
	put(b, "\t\"$@\"\n");
}

static void gen_peer(struct buf *b, const struct pkg *k)
{
	const char *n = k->o->name;

	putf(b, "# /etc/ppp/peers/%s: the sstpgw gateway %s, EAP-TLS as ", n, k->hostport);
	put(b, k->o->cn);
	putf(b, ".\n# Connect: sudo pon %s    Disconnect: sudo poff %s\n", n, n);
	putf(b, "# Needs the certificate files in %s/ (README.txt).\n", k->dir);
	put(b, "# pppd starts sstpc as its pty; sstp-pppd-plugin.so gives sstpc the\n"
	    "# EAP-TLS keys for the SSTP crypto binding over sstp-sock, the socket\n"
	    "# sstpc makes for its --ipparam.\n");
	putf(b, "pty \"sstpc --ipparam %s --nolaunchpppd --ca-cert %s/ca.crt %s\"\n",
	     n, k->dir, k->hostport);
	putf(b, "linkname %s\n", n);
	put(b, "plugin sstp-pppd-plugin.so\n");
	putf(b, "sstp-sock /var/run/sstpc/sstpc-%s\n", n);
	ppp_options(b, k, &style_peer);
}

static void gen_ipup(struct buf *b, const struct pkg *k)
{
	unsigned i;

	put(b, "#!/bin/sh\n");
	putf(b, "# /etc/ppp/ip-up.d/%s: the VNet routes of the sstpgw gateway %s\n"
	     "# through its tunnel (split tunnel: nothing else goes there).\n"
	     "# /etc/ppp/ip-up runs it for every PPP link with PPP_IFACE and\n"
	     "# PPP_IPPARAM set; links other than ipparam %s are left alone.\n",
	     k->o->name, k->host, k->o->name);
	putf(b, "[ \"${PPP_IPPARAM:-${6:-}}\" = %s ] || exit 0\n", k->o->name);
	put(b, "IFACE=${PPP_IFACE:-$1}\n");
	if (k->n_vnet == 0)
		put(b, "# The gateway has no VNet prefixes configured.\n");
	for (i = 0; i < k->n_vnet; i++)
		putf(b, "ip route replace %s dev \"$IFACE\"\n", k->vnet[i]);
	put(b, "exit 0\n");
}

static int make_uuid(char out[37])
{
	uint8_t r[16];
	unsigned i;
	char *p = out;

	if (sgw_random_bytes(r, sizeof(r)) < 0)
		return -EIO;
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);   /* RFC 9562 5.4: version 4 */
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);   /* variant 10 */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += sprintf(p, "%02x", r[i]);
	}
	return 0;
}

/* NetworkManager-sstp's keys (nm-sstp-service.h): connection-type tls,
 * ca-cert for the SSTP TLS, tls-* for EAP-TLS. */
static void gen_nm(struct buf *b, const struct pkg *k, const char *uuid)
{
	unsigned i;

	putf(b, "[connection]\nid=%s\nuuid=%s\ntype=vpn\nautoconnect=false\n\n",
	     k->o->name, uuid);
	putf(b, "[vpn]\nservice-type=org.freedesktop.NetworkManager.sstp\n"
	     "gateway=%s\nconnection-type=tls\n", k->hostport);
	putf(b, "ca-cert=%s/ca.crt\ntls-ca-cert=%s/ca.crt\n", k->dir, k->dir);
	putf(b, "tls-user-cert=%s/client.crt\ntls-user-key=%s/client.key\n", k->dir, k->dir);
	put(b, "tls-identity=");
	q_kf(b, k->o->cn);
	put(b, "\ntls-user-key-secret-flags=4\nrefuse-pap=yes\nrefuse-chap=yes\n"
	    "refuse-mschap=yes\nrefuse-mschapv2=yes\n");
	if (k->mtu != 0)
		putf(b, "mtu=%u\n", k->mtu);
	put(b, "\n[ipv4]\nmethod=auto\nnever-default=true\n");
	for (i = 0; i < k->n_vnet; i++)
		putf(b, "route%u=%s\n", i + 1, k->vnet[i]);
	put(b, "\n[ipv6]\nmethod=ignore\n");
}

/* --- Windows files --- */

static void gen_ps1(struct buf *b, const struct pkg *k)
{
	unsigned i;

	put(b, "# Install.ps1: the SSTP VPN connection ");
	q_ps(b, k->o->name);
	put(b, " to the sstpgw gateway for the current user.\r\n"
	    "# Run from this folder: powershell -ExecutionPolicy Bypass -File .\\Install.ps1\r\n"
	    "# Windows asks once to confirm the new root certificate (ca.cer).\r\n"
	    "$ErrorActionPreference = 'Stop'\r\n"
	    "$Here = Split-Path -Parent $MyInvocation.MyCommand.Path\r\n$Name = ");
	q_ps(b, k->o->name);
	put(b, "\r\n$Server = ");
	q_ps(b, k->win_server);
	put(b, "\r\n$Routes = @(");
	for (i = 0; i < k->n_vnet; i++)
		putf(b, "%s'%s'", i ? ", " : "", k->vnet[i]);
	put(b, ")\r\n$DnsSuffix = ''   # optional: the VNet's DNS suffix\r\n"
	    "$Password = Read-Host -AsSecureString 'Password of client.pfx (Enter if none)'\r\n"
	    "Import-PfxCertificate -FilePath (Join-Path $Here 'client.pfx') "
	    "-CertStoreLocation Cert:\\CurrentUser\\My -Password $Password | Out-Null\r\n"
	    "Import-Certificate -FilePath (Join-Path $Here 'ca.cer') "
	    "-CertStoreLocation Cert:\\CurrentUser\\Root | Out-Null\r\n"
	    "if (Get-VpnConnection -Name $Name -ErrorAction SilentlyContinue) {\r\n"
	    "    Remove-VpnConnection -Name $Name -Force\r\n}\r\n"
	    "$Eap = New-EapConfiguration -Tls -UserCertificate -VerifyServerIdentity\r\n"
	    "$Vpn = @{ Name = $Name; ServerAddress = $Server; TunnelType = 'Sstp'\r\n"
	    "    AuthenticationMethod = 'Eap'; EapConfigXmlStream = $Eap.EapConfigXmlStream\r\n"
	    "    EncryptionLevel = 'Required'; SplitTunneling = $true; RememberCredential = $true }\r\n"
	    "if ($DnsSuffix) { $Vpn.DnsSuffix = $DnsSuffix }\r\n"
	    "Add-VpnConnection @Vpn\r\n"
	    "foreach ($r in $Routes) { Add-VpnConnectionRoute -ConnectionName $Name "
	    "-DestinationPrefix $r | Out-Null }\r\n"
	    "Write-Host \"Installed '$Name'. Connect from Settings > Network > VPN, or: rasdial $Name\"\r\n");
}

static void xml_elem(struct buf *b, const char *tag, const char *val)
{
	putf(b, "  <%s>", tag);
	q_xml(b, val);
	putf(b, "</%s>\r\n", tag);
}

static void xml_list(struct buf *b, const char *tag, const char *item,
		     const char (*v)[20], unsigned n)
{
	unsigned i;

	putf(b, "  <%s>", tag);
	for (i = 0; i < n; i++)
		putf(b, "\r\n    <%s>%s</%s>", item, v[i], item);
	putf(b, "%s</%s>\r\n", n ? "\r\n  " : "", tag);
}

/* Like the VpnSettings.xml of Azure's generic package: what a hand set-up
 * needs, SSTP instead of IKEv2. */
static void gen_vpnsettings(struct buf *b, const struct pkg *k)
{
	char port[8], mtu[8];

	snprintf(port, sizeof(port), "%u", k->gw->port ? k->gw->port : SSTP_DEFAULT_PORT);
	snprintf(mtu, sizeof(mtu), "%u", k->mtu);
	put(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<VpnProfile>\r\n");
	xml_elem(b, "Name", k->o->name);
	xml_elem(b, "VpnServer", k->host);
	xml_elem(b, "VpnPort", port);
	xml_elem(b, "VpnType", "Sstp");
	xml_elem(b, "AuthenticationType", "EapTls");
	xml_elem(b, "ServerCertRootCn", k->o->ca_cn);
	xml_elem(b, "ServerCertRootThumbprint", k->ca_tp);
	xml_elem(b, "ClientCertCn", k->o->cn);
	xml_elem(b, "ClientCertThumbprint", k->tp);
	xml_list(b, "Routes", "Route", (const char (*)[20])k->vnet, k->n_vnet);
	xml_list(b, "VpnClientAddressPool", "Prefix", (const char (*)[20])k->pool, k->n_pool);
	xml_list(b, "CustomDnsServers", "DnsServer", (const char (*)[20])k->dns, k->n_dns);
	if (k->mtu != 0)
		xml_elem(b, "TunnelMtu", mtu);
	put(b, "</VpnProfile>\r\n");
}

/* --- README --- */

static void list_or_none(struct buf *b, const char (*v)[20], unsigned n)
{
	unsigned i;

	if (n == 0)
		put(b, "  (none configured)\n");
	for (i = 0; i < n; i++)
		putf(b, "  %s\n", v[i]);
}

static void gen_readme_head(struct buf *b, const struct pkg *k)
{
	put(b, "sstpgw VPN client package\n=========================\n\n");
	putf(b, "Connection name:  %s\nServer:           %s (SSTP, TCP port %u)\n",
	     k->o->name, k->host, k->gw->port ? k->gw->port : SSTP_DEFAULT_PORT);
	putf(b, "Client:           CN=%s\n                  thumbprint %s\n", k->o->cn, k->tp);
	putf(b, "Gateway CA:       CN=%s\n                  thumbprint %s\n", k->o->ca_cn, k->ca_tp);
	put(b, "Authentication:   certificate (EAP-TLS inside SSTP)\n\n"
	    "Routes through the tunnel (split tunnel: everything else stays local):\n");
	list_or_none(b, (const char (*)[20])k->vnet, k->n_vnet);
	put(b, "DNS servers the gateway gives out:\n");
	list_or_none(b, (const char (*)[20])k->dns, k->n_dns);
	if (k->mtu != 0)
		putf(b, "Tunnel MTU:       %u\n", k->mtu);
	put(b, "\nclient.key and client.pfx are your private key: keep this folder private.\n");
}

static void gen_readme_linux(struct buf *b, const struct pkg *k)
{
	const char *n = k->o->name;

	put(b, "\nLinux (linux/)\n--------------\n"
	    "  ca.crt             the CA of the gateway's certificate (PEM)\n"
	    "  client.crt         your certificate (PEM, then its issuers)\n"
	    "  client.key         your private key (PEM, mode 0600)\n"
	    "  connect.sh         connects from this folder: sstpc + pppd\n");
	putf(b, "  peers/%-12s /etc/ppp/peers/%s, for pon/poff\n", n, n);
	putf(b, "  ip-up.d/%-10s /etc/ppp/ip-up.d/%s: adds the routes above\n", n, n);
	putf(b, "  %s.nmconnection  NetworkManager-sstp profile\n\n", n);
	put(b, "Install the client:  sudo apt-get install sstp-client ppp\n");
	putf(b, "Routes (both ways):  sudo install -m 0755 linux/ip-up.d/%s /etc/ppp/ip-up.d/%s\n\n",
	     n, n);
	put(b, "A. From this folder:  sudo linux/connect.sh     (Ctrl-C to disconnect)\n\n");
	putf(b, "B. As a system connection:\n"
	     "   sudo install -d -m 0700 %s\n"
	     "   sudo install -m 0644 linux/ca.crt linux/client.crt %s/\n"
	     "   sudo install -m 0600 linux/client.key %s/\n"
	     "   sudo install -m 0644 linux/peers/%s /etc/ppp/peers/%s\n"
	     "   sudo pon %s     (disconnect: sudo poff %s)\n\n", k->dir, k->dir, k->dir, n, n, n, n);
	putf(b, "C. NetworkManager (apt-get install network-manager-sstp), files as in B:\n"
	     "   sudo install -m 0600 linux/%s.nmconnection /etc/NetworkManager/system-connections/\n"
	     "   sudo nmcli connection reload && nmcli connection up %s\n\n", n, n);
	put(b, "The DNS servers arrive by PPP (usepeerdns): pppd writes them to\n"
	    "/etc/ppp/resolv.conf; NetworkManager applies them itself.\n");
}

static void gen_readme_windows(struct buf *b, const struct pkg *k)
{
	put(b, "\nWindows 10/11 (windows/)\n------------------------\n"
	    "  Install.ps1        installs the certificates and the VPN connection\n"
	    "  client.pfx         your certificate and private key (PKCS#12)\n"
	    "  ca.cer             the CA of the gateway's certificate (DER)\n"
	    "  VpnSettings.xml    the settings, for a set-up by hand\n\n"
	    "In PowerShell, in the windows folder:\n"
	    "  powershell -ExecutionPolicy Bypass -File .\\Install.ps1\n"
	    "It asks for the .pfx password and to confirm the new root certificate.\n");
	putf(b, "Then connect to \"%s\" from Settings > Network & Internet > VPN, or:\n"
	     "  rasdial %s\n", k->o->name, k->o->name);
	put(b, "If Windows says the server certificate is not trusted, import ca.cer into\n"
	    "Local Computer > Trusted Root Certification Authorities (certlm.msc) as an\n"
	    "administrator.\n");
}

/* --- staging: a hidden folder next to outdir, renamed into place --- */

struct stage {
	char dir[PATH_MAX];
	int dfd;
	struct {
		char rel[REL_MAX];
		bool is_dir;
	} made[MAX_FILES];
	unsigned n;
};

static void stage_undo(struct stage *st)
{
	while (st->n > 0) {
		st->n--;
		(void)unlinkat(st->dfd, st->made[st->n].rel,
			       st->made[st->n].is_dir ? AT_REMOVEDIR : 0);
	}
	close(st->dfd);
	(void)rmdir(st->dir);
}

static int stage_note(struct stage *st, const char *rel, bool is_dir)
{
	if (st->n == MAX_FILES || strlen(rel) >= REL_MAX)
		return -ENAMETOOLONG;
	snprintf(st->made[st->n].rel, REL_MAX, "%s", rel);
	st->made[st->n++].is_dir = is_dir;
	return 0;
}

static int stage_mkdir(struct stage *st, const char *rel)
{
	if (mkdirat(st->dfd, rel, 0700) < 0)
		return -errno;
	return stage_note(st, rel, true);
}

/* rel.tmp (mode set exactly, whatever the umask), fsync, rename to rel. */
static int stage_file(struct stage *st, const char *rel, const void *data, size_t len,
		      mode_t mode)
{
	int rc = sgw_file_replace_at(st->dfd, rel, data, len, mode, true);

	return rc < 0 ? rc : stage_note(st, rel, false);
}

static int stage_buf(struct stage *st, const char *rel, struct buf *b, mode_t mode)
{
	int rc = b->oom ? -ENOMEM : stage_file(st, rel, b->p, b->len, mode);

	buf_free(b);
	return rc;
}

/* outdir must not exist, or be an empty folder (rename(2) replaces those). */
static int check_outdir(const char *outdir, char *err, size_t err_len)
{
	struct stat sb;
	int rc;

	if (stat(outdir, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		snprintf(err, err_len, "%.300s: %s", outdir, strerror(-rc));
		return rc;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, err_len, "%.300s exists and is not a folder", outdir);
		return -EEXIST;
	}
	rc = rmdir(outdir) == 0 ? mkdir(outdir, 0700) : -1;
	if (rc < 0) {
		snprintf(err, err_len, "%.300s exists and is not empty", outdir);
		return -EEXIST;
	}
	return 0;
}

static int stage_open(struct stage *st, const char *outdir, char *err, size_t err_len)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(outdir, '/');
	const char *base = slash != NULL ? slash + 1 : outdir;
	int n;

	memset(st, 0, sizeof(*st));
	if (slash == outdir)
		snprintf(parent, sizeof(parent), "/");
	else if (slash != NULL)
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - outdir), outdir);
	else
		snprintf(parent, sizeof(parent), ".");
	n = snprintf(st->dir, sizeof(st->dir), "%s/.%s.pkgXXXXXX", parent, base);
	if (n < 0 || (size_t)n >= sizeof(st->dir) || mkdtemp(st->dir) == NULL) {
		n = n >= 0 && (size_t)n < sizeof(st->dir) ? errno : ENAMETOOLONG;
		snprintf(err, err_len, "cannot write in %s: %s", parent, strerror(n));
		return -n;
	}
	st->dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dfd < 0) {
		n = errno;
		(void)rmdir(st->dir);
		snprintf(err, err_len, "cannot open %s: %s", st->dir, strerror(n));
		return -n;
	}
	return 0;
}

/* --- the package --- */

static int write_linux(struct stage *st, const struct pkg *k)
{
	const struct sgw_package_opts *o = k->o;
	struct buf b = { 0 };
	char rel[REL_MAX];
	int rc;

	if ((rc = stage_mkdir(st, "linux")) < 0 || (rc = stage_mkdir(st, "linux/peers")) < 0 ||
	    (rc = stage_mkdir(st, "linux/ip-up.d")) < 0 ||
	    (rc = stage_file(st, "linux/ca.crt", o->ca_pem, strlen(o->ca_pem), 0644)) < 0 ||
	    (rc = stage_file(st, "linux/client.crt", o->cert_pem, strlen(o->cert_pem), 0644)) < 0 ||
	    (rc = stage_file(st, "linux/client.key", o->key_pem, strlen(o->key_pem), 0600)) < 0)
		return rc;
	gen_connect(&b, k);
	if ((rc = stage_buf(st, "linux/connect.sh", &b, 0755)) < 0)
		return rc;
	gen_peer(&b, k);
	snprintf(rel, sizeof(rel), "linux/peers/%s", o->name);
	if ((rc = stage_buf(st, rel, &b, 0644)) < 0)
		return rc;
	gen_ipup(&b, k);
	snprintf(rel, sizeof(rel), "linux/ip-up.d/%s", o->name);
	if ((rc = stage_buf(st, rel, &b, 0755)) < 0)
		return rc;
	gen_nm(&b, k, k->uuid);
	snprintf(rel, sizeof(rel), "linux/%s.nmconnection", o->name);
	return stage_buf(st, rel, &b, 0600);
}

static int write_windows(struct stage *st, const struct pkg *k)
{
	const struct sgw_package_opts *o = k->o;
	struct buf b = { 0 };
	int rc;

	if ((rc = stage_mkdir(st, "windows")) < 0 ||
	    (rc = stage_file(st, "windows/client.pfx", o->pfx, o->pfx_len, 0600)) < 0 ||
	    (rc = stage_file(st, "windows/ca.cer", o->ca_der, o->ca_der_len, 0644)) < 0)
		return rc;
	gen_ps1(&b, k);
	if ((rc = stage_buf(st, "windows/Install.ps1", &b, 0644)) < 0)
		return rc;
	gen_vpnsettings(&b, k);
	return stage_buf(st, "windows/VpnSettings.xml", &b, 0644);
}

static int write_readme(struct stage *st, const struct pkg *k)
{
	struct buf b = { 0 };

	gen_readme_head(&b, k);
	if (k->o->os & SGW_PACKAGE_OS_LINUX)
		gen_readme_linux(&b, k);
	if (k->o->os & SGW_PACKAGE_OS_WINDOWS)
		gen_readme_windows(&b, k);
	return stage_buf(st, "README.txt", &b, 0644);
}

/* --- the manifest: what the package was made from --- */

/* The settings block: everything the gateway's settings put into the
 * files. A package is rebuilt iff this text differs. */
static void gen_settings(struct buf *b, const struct pkg *k, const char *ca_tp)
{
	static const char *const keys[] = { "vnet", "pool", "dns" };
	const char (*lists[])[20] = { k->vnet, k->pool, k->dns };
	const unsigned counts[] = { k->n_vnet, k->n_pool, k->n_dns };
	unsigned i, j;

	putf(b, "server=%s\nca_thumbprint=%s\n", k->hostport, ca_tp);
	for (i = 0; i < 3; i++) {
		putf(b, "%s=", keys[i]);
		for (j = 0; j < counts[i]; j++)
			putf(b, "%s%s", j ? "," : "", lists[i][j]);
		put(b, "\n");
	}
	putf(b, "mtu=%u\n", k->mtu);
}

static const char *os_name(unsigned os)
{
	return os == SGW_PACKAGE_OS_ALL ? "linux,windows" :
	       os == SGW_PACKAGE_OS_LINUX ? "linux" : "windows";
}

static int write_manifest(struct stage *st, const struct pkg *k)
{
	struct buf b = { 0 };

	put(&b, "# sstpgw client package: what this folder was made from. The gateway\n"
	    "# rebuilds it from this file and the certificate files when the settings\n"
	    "# below change (docs/CLIENTS.md). Do not edit.\n");
	putf(&b, "format=%d\nname=%s\nos=%s\ncn=", SGW_PACKAGE_FORMAT, k->o->name,
	     os_name(k->o->os));
	put(&b, k->o->cn);
	putf(&b, "\nthumbprint=%s\nnm_uuid=%s\n", k->tp, k->uuid);
	gen_settings(&b, k, k->ca_tp);
	return stage_buf(st, SGW_PACKAGE_MANIFEST, &b, 0644);
}

static int write_all_files(struct stage *st, const struct pkg *k)
{
	int rc = write_readme(st, k);

	if (rc == 0 && (k->o->os & SGW_PACKAGE_OS_LINUX))
		rc = write_linux(st, k);
	if (rc == 0 && (k->o->os & SGW_PACKAGE_OS_WINDOWS))
		rc = write_windows(st, k);
	if (rc == 0)
		rc = write_manifest(st, k);
	if (rc == 0 && fsync(st->dfd) < 0)
		rc = -errno;
	return rc;
}

int sgw_package_write(const struct sgw_package_opts *o, const char *outdir,
		      char *err, size_t err_len)
{
	char path[PATH_MAX];
	struct stage st;
	struct pkg k;
	size_t n;
	int rc;

	if (o == NULL || outdir == NULL || outdir[0] == '\0') {
		snprintf(err, err_len, "no output folder");
		return -EINVAL;
	}
	n = strnlen(outdir, sizeof(path));
	while (n > 1 && outdir[n - 1] == '/')
		n--;                      /* "out/" names out */
	if (n >= sizeof(path)) {
		snprintf(err, err_len, "output folder name too long");
		return -ENAMETOOLONG;
	}
	snprintf(path, sizeof(path), "%.*s", (int)n, outdir);
	if ((rc = pkg_init(&k, o, err, err_len)) < 0 ||
	    (rc = check_outdir(path, err, err_len)) < 0 ||
	    (rc = stage_open(&st, path, err, err_len)) < 0)
		return rc;
	rc = write_all_files(&st, &k);
	if (rc == 0 && rename(st.dir, path) < 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, err_len, "cannot write the package in %s: %s", path, strerror(-rc));
		stage_undo(&st);
		return rc;
	}
	close(st.dfd);
	return 0;
}

/* --- sstpgw-ctl client-package --- */

struct ctl_args {
	const char *pfx, *password_file, *name, *out, *os;
};

static const struct ctl_flag {
	const char *flag;
	size_t off;
} ctl_flags[] = {
	{ "--pfx", offsetof(struct ctl_args, pfx) },
	{ "--password-file", offsetof(struct ctl_args, password_file) },
	{ "--name", offsetof(struct ctl_args, name) },
	{ "--out", offsetof(struct ctl_args, out) },
	{ "--os", offsetof(struct ctl_args, os) },
};

static const char usage[] =
	"usage: sstpgw-ctl client-package --pfx FILE [--password-file FILE]\n"
	"       [--name NAME] --out DIR [--os linux|windows|all]\n";

static int ctl_parse(int argc, char **argv, struct ctl_args *a)
{
	int i;
	size_t f;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i += 2) {
		for (f = 0; f < sizeof(ctl_flags) / sizeof(ctl_flags[0]); f++)
			if (strcmp(argv[i], ctl_flags[f].flag) == 0)
				break;
		if (f == sizeof(ctl_flags) / sizeof(ctl_flags[0]) || i + 1 >= argc) {
			fprintf(stderr, "sstpgw-ctl client-package: %s %s\n%s", argv[i],
				i + 1 >= argc ? "needs a value" : "is not an option", usage);
			return -EINVAL;
		}
		*(const char **)((char *)a + ctl_flags[f].off) = argv[i + 1];
	}
	if (a->pfx == NULL || a->out == NULL) {
		fprintf(stderr, "sstpgw-ctl client-package: --pfx and --out are required\n%s",
			usage);
		return -EINVAL;
	}
	return 0;
}

static int parse_os(const char *s, unsigned *os)
{
	static const struct { const char *name; unsigned bits; } t[] = {
		{ "all", SGW_PACKAGE_OS_ALL },
		{ "linux", SGW_PACKAGE_OS_LINUX },
		{ "windows", SGW_PACKAGE_OS_WINDOWS },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0) {
			*os = t[i].bits;
			return 0;
		}
	return -EINVAL;
}

/* The whole file, at most max bytes, NUL-terminated. */
static int slurp(const char *path, size_t max, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t n;
	int rc = 0;

	*out = NULL;
	if (f == NULL)
		return -errno;
	p = malloc(max + 1);
	if (p == NULL)
		rc = -ENOMEM;
	else if ((n = fread(p, 1, max + 1, f)) > max)
		rc = -EFBIG;
	else if (ferror(f))
		rc = -EIO;
	fclose(f);
	if (rc < 0) {
		free(p);
		return rc;
	}
	p[n] = 0;
	*out = p;
	*len = n;
	return 0;
}

/* The first line of the password file, without its newline. */
static int read_password(const char *path, char **pw)
{
	uint8_t *p;
	size_t len;
	int rc = slurp(path, PASSWORD_MAX, &p, &len);

	if (rc < 0)
		return rc;
	p[strcspn((char *)p, "\r\n")] = '\0';
	*pw = (char *)p;
	return 0;
}

struct ctl_state {
	uint8_t *pfx;
	size_t pfx_len;
	char *password;
	struct sgw_pkcs12_cred cred;
	struct sgw_cert_export ca;
};

static void ctl_state_free(struct ctl_state *cs)
{
	if (cs->password != NULL)
		sgw_wipe(cs->password, strlen(cs->password));
	free(cs->password);
	free(cs->pfx);
	sgw_pkcs12_cred_free(&cs->cred);
	sgw_cert_export_free(&cs->ca);
}

static int ctl_load(const struct sgw_mgmt_settings *s, const struct ctl_args *a,
		    struct ctl_state *cs, char *err, size_t err_len)
{
	uint8_t *ca = NULL;
	size_t ca_len;
	int rc;

	if ((rc = slurp(a->pfx, PFX_READ_MAX, &cs->pfx, &cs->pfx_len)) < 0) {
		snprintf(err, err_len, "%.300s: %s", a->pfx, strerror(-rc));
		return rc;
	}
	if (a->password_file != NULL && (rc = read_password(a->password_file, &cs->password)) < 0) {
		snprintf(err, err_len, "%.300s: %s", a->password_file, strerror(-rc));
		return rc;
	}
	if (sgw_pkcs12_load(cs->pfx, cs->pfx_len, cs->password, &cs->cred, err, err_len) !=
	    SGW_PKCS12_OK) {
		size_t n = strlen(err);

		snprintf(err + n, err_len - n, " (%.300s)", a->pfx);
		return -EINVAL;
	}
	if ((rc = slurp(s->ca_cert_path, CA_READ_MAX, &ca, &ca_len)) < 0) {
		snprintf(err, err_len, "gateway CA %.300s: %s", s->ca_cert_path, strerror(-rc));
		return rc;
	}
	rc = sgw_cert_export_load(ca, ca_len, &cs->ca, err, err_len);
	free(ca);
	return rc;
}

static void ctl_opts(const struct sgw_mgmt_settings *s, const struct ctl_state *cs,
		     const char *name, unsigned os, struct sgw_package_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->gw = s;
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->os = os;
	o->pfx = cs->pfx;
	o->pfx_len = cs->pfx_len;
	o->cert_pem = cs->cred.chain_pem;
	o->key_pem = cs->cred.key_pem;
	memcpy(o->cn, cs->cred.cert.cn, sizeof(o->cn));
	memcpy(o->thumbprint, cs->cred.cert.thumbprint, sizeof(o->thumbprint));
	o->ca_pem = cs->ca.pem;
	o->ca_der = cs->ca.der;
	o->ca_der_len = cs->ca.der_len;
	memcpy(o->ca_cn, cs->ca.cn, sizeof(o->ca_cn));
	memcpy(o->ca_thumbprint, cs->ca.thumbprint, sizeof(o->ca_thumbprint));
}

int sgw_ctl_client_package(const struct sgw_mgmt_settings *s, int argc, char **argv)
{
	struct ctl_state cs = { 0 };
	struct sgw_package_opts o;
	struct ctl_args a;
	unsigned os = SGW_PACKAGE_OS_ALL;
	char err[512], tp[SGW_THUMBPRINT_HEX + 1];
	int rc;

	if (ctl_parse(argc, argv, &a) < 0)
		return 2;
	if (a.os != NULL && parse_os(a.os, &os) < 0) {
		fprintf(stderr, "sstpgw-ctl client-package: --os %s: linux, windows or all\n", a.os);
		return 2;
	}
	if (a.name == NULL)
		a.name = SGW_PACKAGE_DEFAULT_NAME;
	rc = ctl_load(s, &a, &cs, err, sizeof(err));
	if (rc == 0) {
		ctl_opts(s, &cs, a.name, os, &o);
		rc = sgw_package_write(&o, a.out, err, sizeof(err));
	}
	if (rc == 0) {
		fmt_thumbprint(o.thumbprint, tp);
		printf("client package for CN=%s (thumbprint %s) written to %s\n", o.cn, tp, a.out);
	} else {
		fprintf(stderr, "sstpgw-ctl client-package: %s\n", err);
	}
	ctl_state_free(&cs);
	return rc == 0 ? 0 : 1;
}

/* --- regeneration: the packages of packages_dir follow the settings --- */

enum {
	MANIFEST_MAX = 8 * 1024,
	CERT_READ_MAX = 64 * 1024,     /* client.crt (a chain), client.key, ca.* */
	REGEN_MAX_ENTRIES = 100000,    /* bounds every readdir loop */
	RM_DEPTH_MAX = 8,              /* a package is 3 deep (linux/peers/NAME) */
};

struct manifest {
	char format[8];
	char name[SGW_PACKAGE_NAME_MAX];
	char os[16];
	char cn[SGW_PACKAGE_CN_MAX];
	char thumbprint[SGW_THUMBPRINT_HEX + 1];
	char nm_uuid[37];
	/* the settings block, in gen_settings' order */
	char server[SGW_MGMT_NAME_MAX + 8];
	char ca_thumbprint[SGW_THUMBPRINT_HEX + 1];
	char vnet[SGW_MGMT_MAX_PREFIXES * 20];
	char pool[SGW_MGMT_MAX_PREFIXES * 20];
	char dns[2 * 20];
	char mtu[8];
	unsigned seen;                 /* bit i: mf_keys[i] given */
	unsigned os_bits;
	uint8_t tp[SGW_THUMBPRINT_LEN], ca_tp[SGW_THUMBPRINT_LEN];
};

#define MF(m) offsetof(struct manifest, m), sizeof(((struct manifest *)0)->m)

/* Every key is required; settings: part of the block compared with s. */
static const struct mf_key {
	const char *key;
	size_t off, size;
	bool settings;
} mf_keys[] = {
	{ "format", MF(format), false },
	{ "name", MF(name), false },
	{ "os", MF(os), false },
	{ "cn", MF(cn), false },
	{ "thumbprint", MF(thumbprint), false },
	{ "nm_uuid", MF(nm_uuid), false },
	{ "server", MF(server), true },
	{ "ca_thumbprint", MF(ca_thumbprint), true },
	{ "vnet", MF(vnet), true },
	{ "pool", MF(pool), true },
	{ "dns", MF(dns), true },
	{ "mtu", MF(mtu), true },
};

#define N_MF_KEYS (sizeof(mf_keys) / sizeof(mf_keys[0]))

static int mf_line(struct manifest *m, char *line, unsigned no, char *why, size_t why_len)
{
	char *eq = strchr(line, '='), *dst;
	size_t i, n;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (eq == NULL) {
		snprintf(why, why_len, "line %u is not key=value", no);
		return -EINVAL;
	}
	*eq = '\0';
	for (i = 0; i < N_MF_KEYS && strcmp(line, mf_keys[i].key) != 0; i++)
		;
	n = strlen(eq + 1);
	if (i == N_MF_KEYS || (m->seen & (1u << i)) || n >= mf_keys[i].size ||
	    (n > 0 && !text_ok(eq + 1, mf_keys[i].size))) {
		snprintf(why, why_len, "line %u: %s \"%.32s\"", no,
			 i == N_MF_KEYS ? "unknown key" : (m->seen & (1u << i)) ? "repeated key" :
			 "bad value for", line);
		return -EINVAL;
	}
	dst = (char *)m + mf_keys[i].off;
	memcpy(dst, eq + 1, n + 1);
	m->seen |= 1u << i;
	return 0;
}

static bool hex_tp(const char *s, uint8_t out[SGW_THUMBPRINT_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned i;

	if (strlen(s) != SGW_THUMBPRINT_HEX || strspn(s, hex) != SGW_THUMBPRINT_HEX)
		return false;
	for (i = 0; i < SGW_THUMBPRINT_LEN; i++)
		out[i] = (uint8_t)((strchr(hex, s[2 * i]) - hex) << 4 |
				   (strchr(hex, s[2 * i + 1]) - hex));
	return true;
}

/* What the lines say must be a package this code can make again. */
#define SGW_STR_(x) #x
#define SGW_STR(x) SGW_STR_(x)

static int mf_check(struct manifest *m, char *why, size_t why_len)
{
	const char *bad = NULL;
	char fmt[8];
	size_t i;

	for (i = 0; i < N_MF_KEYS && bad == NULL; i++)
		if (!(m->seen & (1u << i)))
			bad = mf_keys[i].key;
	if (bad != NULL) {
		snprintf(why, why_len, "no %s", bad);
		return -EINVAL;
	}
	m->os_bits = strcmp(m->os, "linux,windows") == 0 ? SGW_PACKAGE_OS_ALL :
		     strcmp(m->os, "linux") == 0 ? SGW_PACKAGE_OS_LINUX :
		     strcmp(m->os, "windows") == 0 ? SGW_PACKAGE_OS_WINDOWS : 0;
	snprintf(fmt, sizeof(fmt), "%d", SGW_PACKAGE_FORMAT);
	if (strcmp(m->format, fmt) != 0)
		bad = "format (this gateway makes " SGW_STR(SGW_PACKAGE_FORMAT) ")";
	else if (!name_ok(m->name))
		bad = "name";
	else if (m->os_bits == 0)
		bad = "os";
	else if (!hex_tp(m->thumbprint, m->tp) || !hex_tp(m->ca_thumbprint, m->ca_tp))
		bad = "thumbprint";
	else if (!uuid_ok(m->nm_uuid))
		bad = "nm_uuid";
	if (bad != NULL) {
		snprintf(why, why_len, "bad %s", bad);
		return -EINVAL;
	}
	return 0;
}

static int mf_parse(char *text, size_t len, struct manifest *m, char *why, size_t why_len)
{
	char *p = text, *next;
	unsigned no;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	if (strlen(text) != len) {
		snprintf(why, why_len, "not text");
		return -EINVAL;
	}
	for (no = 1; *p != '\0' && rc == 0 && no <= MANIFEST_MAX; no++, p = next) {
		next = p + strcspn(p, "\n");
		if (*next != '\0')
			*next++ = '\0';
		rc = mf_line(m, p, no, why, why_len);
	}
	return rc < 0 ? rc : mf_check(m, why, why_len);
}

/* The manifest's settings block, as gen_settings writes it. */
static void mf_settings(struct buf *b, const struct manifest *m)
{
	size_t i;

	for (i = 0; i < N_MF_KEYS; i++)
		if (mf_keys[i].settings)
			putf(b, "%s=%s\n", mf_keys[i].key, (const char *)m + mf_keys[i].off);
}

/* What the whole call shares: the settings, the gateway's CA (if set). */
struct regen {
	const char *dir;
	const struct sgw_mgmt_settings *s;
	struct pkg k;                  /* settings part only */
	struct sgw_cert_export ca;
	bool have_ca;
	char ca_tp[SGW_THUMBPRINT_HEX + 1];
};

static int regen_init(struct regen *r, const char *dir, const struct sgw_mgmt_settings *s,
		      char *err, size_t err_len)
{
	uint8_t *ca;
	size_t len;
	int rc;

	memset(r, 0, sizeof(*r));
	r->dir = dir;
	r->s = s;
	if (pkg_settings(&r->k, s, err, err_len) < 0)
		return -EINVAL;
	if (s->ca_cert_path[0] == '\0')
		return 0;
	if ((rc = slurp(s->ca_cert_path, CA_READ_MAX, &ca, &len)) < 0) {
		snprintf(err, err_len, "gateway CA %.300s: %s", s->ca_cert_path, strerror(-rc));
		return rc;
	}
	rc = sgw_cert_export_load(ca, len, &r->ca, err, err_len);
	free(ca);
	if (rc < 0)
		return rc;
	r->have_ca = true;
	fmt_thumbprint(r->ca.thumbprint, r->ca_tp);
	return 0;
}

/* What a rebuild reads from the package itself. */
struct pkg_files {
	uint8_t *crt, *key, *pfx, *ca_raw;
	size_t crt_len, key_len, pfx_len, ca_raw_len;
	struct sgw_cert_export leaf, ca;
};

static void files_free(struct pkg_files *f)
{
	if (f->key != NULL)
		sgw_wipe(f->key, f->key_len);
	free(f->key);
	free(f->crt);
	free(f->pfx);
	free(f->ca_raw);
	sgw_cert_export_free(&f->leaf);
	sgw_cert_export_free(&f->ca);
}

static int read_rel(const char *pkg, const char *rel, size_t max, uint8_t **out, size_t *len,
		    char *why, size_t why_len)
{
	char path[PATH_MAX];
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", pkg, rel) >= (int)sizeof(path))
		rc = -ENAMETOOLONG;
	else
		rc = slurp(path, max, out, len);
	if (rc < 0)
		snprintf(why, why_len, "%s: %s", rel, strerror(-rc));
	return rc;
}

/* A certificate file of the package whose thumbprint the manifest gives
 * (only the first PEM block: client.crt carries the issuers after it). */
static int load_own_cert(const uint8_t *data, size_t len, const uint8_t tp[SGW_THUMBPRINT_LEN],
			 const char *rel, struct sgw_cert_export *out, char *why, size_t why_len)
{
	static const char end[] = "-----END CERTIFICATE-----";
	const char *e = strstr((const char *)data, end);

	if (e != NULL)
		len = (size_t)(e - (const char *)data) + sizeof(end) - 1;
	if (sgw_cert_export_load(data, len, out, why, why_len) < 0 ||
	    memcmp(out->thumbprint, tp, SGW_THUMBPRINT_LEN) != 0) {
		snprintf(why, why_len, "%s is not the certificate the manifest names", rel);
		return -EINVAL;
	}
	return 0;
}

static int load_linux(const char *pkg, const struct manifest *m, struct pkg_files *f,
		      char *why, size_t why_len)
{
	int rc;

	if ((rc = read_rel(pkg, "linux/client.crt", CERT_READ_MAX, &f->crt, &f->crt_len,
			   why, why_len)) < 0 ||
	    (rc = read_rel(pkg, "linux/client.key", CERT_READ_MAX, &f->key, &f->key_len,
			   why, why_len)) < 0)
		return rc;
	return load_own_cert(f->crt, f->crt_len, m->tp, "linux/client.crt", &f->leaf,
			     why, why_len);
}

/* The package's own CA: linux/ca.crt, or windows/ca.cer for Windows only. */
static int load_own_ca(const char *pkg, const struct manifest *m, struct pkg_files *f,
		       char *why, size_t why_len)
{
	const char *rel = (m->os_bits & SGW_PACKAGE_OS_LINUX) ? "linux/ca.crt" : "windows/ca.cer";
	int rc = read_rel(pkg, rel, CA_READ_MAX, &f->ca_raw, &f->ca_raw_len, why, why_len);

	return rc < 0 ? rc : load_own_cert(f->ca_raw, f->ca_raw_len, m->ca_tp, rel, &f->ca,
					   why, why_len);
}

static int load_files(const struct regen *r, const char *pkg, const struct manifest *m,
		      struct pkg_files *f, char *why, size_t why_len)
{
	int rc = 0;

	memset(f, 0, sizeof(*f));
	if (m->os_bits & SGW_PACKAGE_OS_LINUX)
		rc = load_linux(pkg, m, f, why, why_len);
	if (rc == 0 && (m->os_bits & SGW_PACKAGE_OS_WINDOWS))
		rc = read_rel(pkg, "windows/client.pfx", PFX_READ_MAX, &f->pfx, &f->pfx_len,
			      why, why_len);
	if (rc == 0 && !r->have_ca)
		rc = load_own_ca(pkg, m, f, why, why_len);
	return rc;
}

static void regen_opts(const struct regen *r, const struct manifest *m,
		       const struct pkg_files *f, struct sgw_package_opts *o)
{
	const struct sgw_cert_export *ca = r->have_ca ? &r->ca : &f->ca;

	memset(o, 0, sizeof(*o));
	o->gw = r->s;
	memcpy(o->name, m->name, sizeof(o->name));
	o->os = m->os_bits;
	o->pfx = f->pfx;
	o->pfx_len = f->pfx_len;
	o->cert_pem = f->crt != NULL ? (const char *)f->crt : "";
	o->key_pem = f->key != NULL ? (const char *)f->key : "";
	memcpy(o->cn, f->crt != NULL ? f->leaf.cn : m->cn, sizeof(o->cn));
	memcpy(o->thumbprint, m->tp, sizeof(o->thumbprint));
	o->ca_pem = ca->pem;
	o->ca_der = ca->der;
	o->ca_der_len = ca->der_len;
	memcpy(o->ca_cn, ca->cn, sizeof(o->ca_cn));
	memcpy(o->ca_thumbprint, ca->thumbprint, sizeof(o->ca_thumbprint));
	memcpy(o->nm_uuid, m->nm_uuid, sizeof(o->nm_uuid));
}

/* Remove name under dfd and everything in it (a package: a few files). */
static void rm_tree_at(int dfd, const char *name, unsigned depth)
{
	struct dirent *e;
	unsigned n = 0;
	DIR *d = NULL;
	int fd;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return;
	fd = depth < RM_DEPTH_MAX ?
	     openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (fd >= 0 && (d = fdopendir(fd)) == NULL)
		close(fd);
	while (d != NULL && (e = readdir(d)) != NULL && n++ < REGEN_MAX_ENTRIES)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rm_tree_at(dirfd(d), e->d_name, depth + 1);
	if (d != NULL)
		closedir(d);
	(void)unlinkat(dfd, name, AT_REMOVEDIR);
}

/* Swap the folders a and b: renameat2(2) RENAME_EXCHANGE, atomic; where
 * the file system lacks it, b moves aside, a takes its name, the old b
 * is removed. Either way b always names a whole package. */
static int exchange(const char *a, const char *b)
{
	char old[PATH_MAX];
	int rc;

	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (snprintf(old, sizeof(old), "%s.old", a) >= (int)sizeof(old))
		return -ENAMETOOLONG;
	if (rename(b, old) < 0)
		return -errno;
	if (rename(a, b) < 0) {
		rc = -errno;
		(void)rename(old, b);
		return rc;
	}
	rm_tree_at(AT_FDCWD, old, 0);
	return 0;
}

/* Write the package beside the old one, swap it in, remove the old one. */
static int rebuild(const struct regen *r, const char *name, const struct sgw_package_opts *o,
		   char *why, size_t why_len)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	rc = snprintf(tmp, sizeof(tmp), "%s/.%s.newXXXXXX", r->dir, name) >= (int)sizeof(tmp) ?
	     -ENAMETOOLONG : mkdtemp(tmp) == NULL ? -errno : 0;
	if (rc < 0) {
		snprintf(why, why_len, "cannot write in %.300s: %s", r->dir, strerror(-rc));
		return rc;
	}
	rc = sgw_package_write(o, tmp, why, why_len);
	if (rc == 0 && (rc = exchange(tmp, path)) < 0)
		snprintf(why, why_len, "cannot swap the new package in: %s", strerror(-rc));
	rm_tree_at(AT_FDCWD, tmp, 0);   /* the old package, or the failed new one */
	return rc;
}

/* The manifest of the package folder pkg: 0, -ENOENT (none: not a
 * package), or -errno with why. */
static int mf_load(const char *pkg, struct manifest *m, char *why, size_t why_len)
{
	char tmp[256];
	uint8_t *text;
	size_t len;
	int rc = read_rel(pkg, SGW_PACKAGE_MANIFEST, MANIFEST_MAX, &text, &len, why, why_len);

	if (rc < 0)
		return rc;
	rc = mf_parse((char *)text, len, m, why, why_len);
	free(text);
	if (rc < 0) {
		snprintf(tmp, sizeof(tmp), "%s", why);
		snprintf(why, why_len, SGW_PACKAGE_MANIFEST ": %s", tmp);
	}
	return rc;
}

/* One entry of packages_dir: 0 not a package or unchanged, 1 rebuilt,
 * -errno with why. */
static int regen_one(const struct regen *r, int dfd, const char *name, char *why, size_t why_len)
{
	struct buf want = { 0 }, have = { 0 };
	struct sgw_package_opts o;
	struct pkg_files f;
	struct manifest m;
	char pkg[PATH_MAX];
	struct stat sb;
	int rc;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
		return 0;
	snprintf(pkg, sizeof(pkg), "%s/%s", r->dir, name);
	rc = mf_load(pkg, &m, why, why_len);
	if (rc < 0)
		return rc == -ENOENT ? 0 : rc;
	gen_settings(&want, &r->k, r->have_ca ? r->ca_tp : m.ca_thumbprint);
	mf_settings(&have, &m);
	rc = want.oom || have.oom ? -ENOMEM : strcmp(want.p, have.p) == 0 ? 0 : 1;
	buf_free(&want);
	buf_free(&have);
	if (rc != 1)
		return rc;
	rc = load_files(r, pkg, &m, &f, why, why_len);
	if (rc == 0) {
		regen_opts(r, &m, &f, &o);
		rc = rebuild(r, name, &o, why, why_len);
	}
	files_free(&f);
	return rc < 0 ? rc : 1;
}

int sgw_package_regenerate_all(const char *packages_dir, const struct sgw_mgmt_settings *s,
			       unsigned *rebuilt, char *err, size_t err_len)
{
	char why[512];
	unsigned n = 0, failed = 0, done = 0;
	struct dirent *e;
	struct regen r;
	int rc, first = 0;
	DIR *d;

	if (rebuilt != NULL)
		*rebuilt = 0;
	if (packages_dir == NULL || packages_dir[0] == '\0')
		return 0;
	if (s == NULL) {
		snprintf(err, err_len, "no gateway settings");
		return -EINVAL;
	}
	if ((rc = regen_init(&r, packages_dir, s, err, err_len)) < 0)
		goto out;
	d = opendir(packages_dir);
	if (d == NULL) {
		rc = -errno;
		snprintf(err, err_len, "%.300s: %s", packages_dir, strerror(-rc));
		goto out;
	}
	/* A swapped-in package keeps its name and a new staging folder starts
	 * with '.': whether readdir shows an entry again does not matter, a
	 * rebuilt package compares equal. */
	while ((e = readdir(d)) != NULL && n++ < REGEN_MAX_ENTRIES) {
		if (e->d_name[0] == '.')
			continue;
		why[0] = '\0';
		rc = regen_one(&r, dirfd(d), e->d_name, why, sizeof(why));
		done += rc > 0;
		if (rc < 0 && failed++ == 0) {
			first = rc;
			snprintf(err, err_len, "%.300s/%s: %s", packages_dir, e->d_name, why);
		}
	}
	closedir(d);
	if (failed > 1) {
		size_t l = strnlen(err, err_len);

		snprintf(err + l, err_len - l, " (and %u more)", failed - 1);
	}
	rc = first;
out:
	sgw_cert_export_free(&r.ca);
	if (rebuilt != NULL)
		*rebuilt = done;
	return rc;
}
