/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client configuration packages, as Azure's P2S portal hands them out: one
 * folder per user with what each OS needs to reach this gateway with the
 * user's certificate (EAP-TLS inside SSTP).
 *
 *   README.txt                     what is where, server, routes, DNS
 *   linux/connect.sh               sstpc + pppd from this folder (root)
 *   linux/peers/NAME               /etc/ppp/peers/NAME for `pon NAME`
 *   linux/ip-up.d/NAME             /etc/ppp/ip-up.d/NAME: the VNet routes
 *   linux/NAME.nmconnection        NetworkManager-sstp profile
 *   linux/ca.crt client.crt client.key (0600)
 *   windows/Install.ps1            certificates + Add-VpnConnection (SSTP, EAP-TLS)
 *   windows/client.pfx ca.cer VpnSettings.xml
 *   sstpgw-package.conf            the manifest: key=value lines, what the
 *                                  package was made from (format, name, OSes,
 *                                  client CN and thumbprint, profile UUID,
 *                                  then the settings block: server, CA
 *                                  thumbprint, VNet, pool, DNS, MTU)
 *
 * The package is made in a hidden staging folder next to outdir and renamed
 * into place at the end, every file written to a temporary name first: a
 * failure leaves nothing behind, never half a package. outdir must not exist
 * or be an empty folder; it ends up 0700 (it holds a private key).
 *
 * The manifest lets the gateway rebuild a package without the .pfx
 * password (sgw_package_regenerate_all): the package holds every secret it
 * needs (linux/client.crt + client.key, windows/client.pfx) and the manifest
 * the rest.
 *
 * Threading: the CLI (sstpgw-ctl) and the control thread (regeneration);
 * blocking file I/O, never on a worker lcore.
 */
#ifndef SGW_CONTROL_PACKAGE_H
#define SGW_CONTROL_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sgw_mgmt_settings;

enum sgw_package_os {
	SGW_PACKAGE_OS_LINUX = 1u << 0,
	SGW_PACKAGE_OS_WINDOWS = 1u << 1,
	SGW_PACKAGE_OS_ALL = SGW_PACKAGE_OS_LINUX | SGW_PACKAGE_OS_WINDOWS,
};

enum {
	SGW_PACKAGE_NAME_MAX = 64,         /* connection name, NUL included */
	SGW_PACKAGE_THUMBPRINT_LEN = 20,   /* SHA-1 */
	SGW_PACKAGE_CN_MAX = 128,
};

#define SGW_PACKAGE_DEFAULT_NAME "sstpgw"
#define SGW_PACKAGE_MANIFEST "sstpgw-package.conf"
#define SGW_PACKAGE_FORMAT 1                /* the manifest's format= */
/* Where the Linux files go on the client (the peer file and the profile
 * name them by absolute path): /etc/ppp/NAME/. */
#define SGW_PACKAGE_LINUX_DIR "/etc/ppp"

/* Everything a package is made of. Strings are NUL-terminated; the
 * certificate text is PEM. The caller keeps them alive during the call. */
struct sgw_package_opts {
	const struct sgw_mgmt_settings *gw; /* server, port, routes, DNS, MTU */
	char name[SGW_PACKAGE_NAME_MAX];    /* [A-Za-z0-9_-], 1..32 characters */
	unsigned os;                        /* enum sgw_package_os bits */

	/* The client (from its .pfx). */
	const uint8_t *pfx;                 /* copied as is to windows/ */
	size_t pfx_len;
	const char *cert_pem;               /* leaf, then its issuers */
	const char *key_pem;                /* unencrypted: a secret */
	char cn[SGW_PACKAGE_CN_MAX];
	uint8_t thumbprint[SGW_PACKAGE_THUMBPRINT_LEN];

	/* The CA that issued the gateway's server certificate. */
	const char *ca_pem;
	const uint8_t *ca_der;
	size_t ca_der_len;
	char ca_cn[SGW_PACKAGE_CN_MAX];
	uint8_t ca_thumbprint[SGW_PACKAGE_THUMBPRINT_LEN];

	/* The NetworkManager profile's UUID, 36 lowercase characters: "" makes
	 * a new one; a rebuild keeps the old one (the same connection). */
	char nm_uuid[37];
};

/* Write the package to outdir. Returns 0, or -errno with a one-line reason
 * in err: -EINVAL (bad options: name, server, CN, prefixes), -EEXIST (outdir
 * exists and is not an empty folder), or the errno of a failed write
 * (nothing is left behind). */
__attribute__((warn_unused_result))
int sgw_package_write(const struct sgw_package_opts *o, const char *outdir,
		      char *err, size_t err_len);

/* Rebuild the client packages under packages_dir whose settings are not s
 * (the gateway calls it at start and after a reload that changed them).
 *
 * Every subfolder of packages_dir holding SGW_PACKAGE_MANIFEST is a
 * package; other entries, and names starting with '.', are left alone. A
 * package whose manifest's settings block equals what s makes of it (server
 * and port, the CA's thumbprint, VNet prefixes, pools, DNS, MTU) is
 * unchanged. Any other is rebuilt from its own files and the manifest:
 * linux/client.crt (its thumbprint must be the manifest's), client.key,
 * windows/client.pfx, and the CA of s->ca_cert_path, or the package's own
 * ca.crt / ca.cer when that is "". The new package is written to a hidden
 * folder beside it and swapped in with one rename (renameat2
 * RENAME_EXCHANGE; two renames where the file system lacks it), then the
 * old tree is removed: a reader sees the old package or the new one, never
 * half of one. Files the operator added inside a package folder do not
 * survive a rebuild.
 *
 * *rebuilt counts the packages rebuilt. Returns 0 (also for packages_dir
 * NULL or "": nothing configured); or -errno with one line in err:
 *  - a problem with s or packages_dir (no usable server name, the CA
 *    unreadable, the folder missing): nothing is touched;
 *  - a bad package (manifest corrupt or of another format, a file missing,
 *    a certificate not the manifest's, a write failing): err names its
 *    folder and says "and N more" when several failed; that package is left
 *    as it was and the others are still rebuilt. */
__attribute__((warn_unused_result))
int sgw_package_regenerate_all(const char *packages_dir, const struct sgw_mgmt_settings *s,
			       unsigned *rebuilt, char *err, size_t err_len);

/* sstpgw-ctl's command: argv[0] is "client-package", then
 *   --pfx FILE [--password-file FILE] [--name NAME] --out DIR
 *   [--os linux|windows|all]
 * Reads the .pfx and the CA of s->ca_cert_path, writes the package and
 * prints where. Returns the process exit code: 0, 1 (the package could not
 * be made, the reason on stderr) or 2 (bad usage). */
int sgw_ctl_client_package(const struct sgw_mgmt_settings *s, int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
