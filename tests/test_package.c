/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client configuration packages (control/package.c) and the .pfx reader
 * (crypto/pkcs12.c): a package made from a test-PKI .pfx has every file with
 * the right server, routes, DNS, CN and modes, the key it extracts matches
 * the certificate, generated scripts parse (sh -n), and every bad input
 * (missing or garbled .pfx, wrong password, no clientAuth EKU, no CN,
 * unwritable or non-empty folder, bad options) is refused with nothing left
 * behind. No network.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "control/mgmt.h"
#include "control/package.h"
#include "crypto/pkcs12.h"
#include "tests/support/testpki.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define PASS "s3cret pass"

struct fx {
	struct tpki *pki;
	struct tpki_cert root, alice, noeku, server, other;
	X509 *nocn;                 /* alice's key, subject without CN */
	char dir[64];               /* scratch folder for packages */
	struct sgw_mgmt_settings gw;
};

static struct fx F;

/* --- helpers --- */

static void rm_tree(const char *path, int depth)
{
	char sub[1024];
	struct dirent *e;
	DIR *d;

	if (depth > 6)
		return;
	d = opendir(path);
	if (d == NULL) {
		(void)unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub, depth + 1);
	}
	closedir(d);
	(void)rmdir(path);
}

static unsigned count_entries(const char *path)
{
	struct dirent *e;
	unsigned n = 0;
	DIR *d = opendir(path);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	p = calloc(1, 1 << 20);
	assert_non_null(p);
	n = fread(p, 1, (1 << 20) - 1, f);
	p[n] = '\0';
	fclose(f);
	return p;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void path_of(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	assert_true(n > 0 && (size_t)n < len);
}

static mode_t mode_of(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		fail_msg("missing: %s", path);
	return sb.st_mode & 07777;
}

static bool exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static void expect_in(const char *text, const char *needle, const char *what)
{
	if (strstr(text, needle) == NULL)
		fail_msg("%s lacks \"%s\"", what, needle);
}

/* A .pfx of cert + key (+ extra certs), any algorithms; RC2 (a legacy
 * algorithm) is made in a library context of its own, so the code under
 * test still has to load the legacy provider itself. */
static uint8_t *make_pfx(X509 *cert, EVP_PKEY *key, X509 *extra, const char *pass,
			 int nid_key, int nid_cert, size_t *len)
{
	static OSSL_LIB_CTX *legacy;
	OSSL_LIB_CTX *ctx = NULL;

	STACK_OF(X509) *ca = NULL;
	PKCS12 *p12;
	uint8_t *out, *p;
	int n;

	if (extra != NULL) {
		ca = sk_X509_new_null();
		sk_X509_push(ca, extra);
	}
	if (nid_cert == NID_pbe_WithSHA1And40BitRC2_CBC) {
		if (legacy == NULL) {
			legacy = OSSL_LIB_CTX_new();
			assert_non_null(legacy);
			assert_non_null(OSSL_PROVIDER_load(legacy, "default"));
			assert_non_null(OSSL_PROVIDER_load(legacy, "legacy"));
		}
		ctx = legacy;
	}
	p12 = PKCS12_create_ex(pass, "client", key, cert, ca, nid_key, nid_cert, 0, 0, 0,
			       ctx, NULL);
	sk_X509_free(ca);
	assert_non_null(p12);
	n = i2d_PKCS12(p12, NULL);
	assert_true(n > 0);
	out = malloc((size_t)n);
	assert_non_null(out);
	p = out;
	*len = (size_t)i2d_PKCS12(p12, &p);
	PKCS12_free(p12);
	return out;
}

/* A .pfx whose key is not the certificate's (PKCS12_create refuses to make
 * one, so it is put together bag by bag, both bags under one localKeyID). */
static uint8_t *make_mismatched_pfx(size_t *len)
{
	STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
	STACK_OF(PKCS7) *safes = NULL;
	PKCS12_SAFEBAG *cb, *kb;
	unsigned char id[4] = { 1, 2, 3, 4 };
	PKCS12 *p12;
	uint8_t *out, *p;
	int n;

	cb = PKCS12_add_cert(&bags, F.alice.x509);
	kb = PKCS12_add_key(&bags, F.other.pkey, 0, PKCS12_DEFAULT_ITER, -1, NULL);
	assert_true(cb != NULL && kb != NULL);
	assert_true(PKCS12_add_localkeyid(cb, id, 4) && PKCS12_add_localkeyid(kb, id, 4));
	assert_non_null(PKCS12_add_safe(&safes, bags, -1, 0, NULL));
	p12 = PKCS12_add_safes(safes, 0);
	assert_non_null(p12);
	assert_true(PKCS12_set_mac(p12, PASS, -1, NULL, 0, 2048, NULL));
	sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	n = i2d_PKCS12(p12, NULL);
	out = malloc((size_t)n);
	assert_non_null(out);
	p = out;
	*len = (size_t)i2d_PKCS12(p12, &p);
	PKCS12_free(p12);
	return out;
}

/* alice's certificate again, subject O=nocn only, signed by the root. */
static X509 *make_nocn(void)
{
	X509 *x = X509_dup(F.alice.x509);
	X509_NAME *n = X509_NAME_new();

	assert_true(x != NULL && n != NULL);
	assert_true(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
					       (const unsigned char *)"nocn", -1, -1, 0));
	assert_true(X509_set_subject_name(x, n));
	assert_true(X509_sign(x, F.root.pkey, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static void default_settings(struct sgw_mgmt_settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->server_name, sizeof(s->server_name), "vpn.example.com");
	s->port = 443;
	snprintf(s->ca_cert_path, sizeof(s->ca_cert_path), "%s", F.root.cert_path);
	s->dns[0] = A(10, 1, 0, 4);
	s->dns[1] = A(10, 1, 0, 5);
	s->n_vnet = 2;
	s->vnet[0] = (struct sgw_mgmt_prefix){ A(10, 1, 0, 0), 16 };
	s->vnet[1] = (struct sgw_mgmt_prefix){ A(192, 168, 7, 0), 24 };
	s->n_pool = 1;
	s->pool[0] = (struct sgw_mgmt_prefix){ A(172, 16, 201, 0), 24 };
	s->mtu = 1400;
}

static int setup(void **state)
{
	struct tpki_opts o = { .cn = "noeku", .eku = TPKI_EKU_NONE, .not_before = -3600 };

	(void)state;
	memset(&F, 0, sizeof(F));
	F.pki = tpki_create(NULL);
	assert_non_null(F.pki);
	assert_int_equal(tpki_root(F.pki, "root", &F.root), 0);
	assert_int_equal(tpki_client(F.pki, "alice", "alice@contoso.com", &F.root, &F.alice), 0);
	assert_int_equal(tpki_client(F.pki, "other", "other", &F.root, &F.other), 0);
	assert_int_equal(tpki_issue(F.pki, "noeku", &o, &F.root, &F.noeku), 0);
	assert_int_equal(tpki_server(F.pki, "server", TPKI_KEY_EC_P256, &F.root, &F.server), 0);
	F.nocn = make_nocn();
	snprintf(F.dir, sizeof(F.dir), "/tmp/sgw-pkg-XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	default_settings(&F.gw);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(F.dir, 0);
	X509_free(F.nocn);
	tpki_cert_free(&F.root);
	tpki_cert_free(&F.alice);
	tpki_cert_free(&F.noeku);
	tpki_cert_free(&F.server);
	tpki_cert_free(&F.other);
	tpki_destroy(F.pki);
	return 0;
}

/* Package options straight from the test PKI (no .pfx round trip). */
struct opts_mem {
	struct sgw_package_opts o;
	struct sgw_pkcs12_cred cred;
	struct sgw_cert_export ca;
	uint8_t *pfx;
};

static void opts_make(struct opts_mem *m, const struct sgw_mgmt_settings *gw, unsigned os)
{
	char err[256];
	size_t len;

	memset(m, 0, sizeof(*m));
	m->pfx = make_pfx(F.alice.x509, F.alice.pkey, F.root.x509, PASS, 0, 0, &len);
	assert_int_equal(sgw_pkcs12_load(m->pfx, len, PASS, &m->cred, err, sizeof(err)),
			 SGW_PKCS12_OK);
	assert_int_equal(sgw_cert_export_load(F.root.der, F.root.der_len, &m->ca, err,
					      sizeof(err)), 0);
	m->o.gw = gw;
	snprintf(m->o.name, sizeof(m->o.name), "sstpgw");
	m->o.os = os;
	m->o.pfx = m->pfx;
	m->o.pfx_len = len;
	m->o.cert_pem = m->cred.chain_pem;
	m->o.key_pem = m->cred.key_pem;
	memcpy(m->o.cn, m->cred.cert.cn, sizeof(m->o.cn));
	memcpy(m->o.thumbprint, m->cred.cert.thumbprint, sizeof(m->o.thumbprint));
	m->o.ca_pem = m->ca.pem;
	m->o.ca_der = m->ca.der;
	m->o.ca_der_len = m->ca.der_len;
	memcpy(m->o.ca_cn, m->ca.cn, sizeof(m->o.ca_cn));
	memcpy(m->o.ca_thumbprint, m->ca.thumbprint, sizeof(m->o.ca_thumbprint));
}

static void opts_free(struct opts_mem *m)
{
	sgw_pkcs12_cred_free(&m->cred);
	sgw_cert_export_free(&m->ca);
	free(m->pfx);
}

static void thumb_hex(const uint8_t *tp, char *out)
{
	for (int i = 0; i < 20; i++)
		sprintf(out + 2 * i, "%02X", tp[i]);
}

/* --- .pfx reading --- */

static void test_pkcs12_good_forms(void **state)
{
	/* 1: default (AES-256, PBKDF2); 2: 3DES; 3: RC2-40 certs (legacy
	 * provider), 4: no password given as NULL, 5: as "". */
	static const struct { const char *make_pass, *load_pass; int nid_key, nid_cert; } c[] = {
		/* 1 */ { PASS, PASS, 0, 0 },
		/* 2 */ { PASS, PASS, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
			  NID_pbe_WithSHA1And3_Key_TripleDES_CBC },
		/* 3 */ { PASS, PASS, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
			  NID_pbe_WithSHA1And40BitRC2_CBC },
		/* 4 */ { NULL, NULL, 0, 0 },
		/* 5 */ { NULL, "", 0, 0 },
	};
	char err[256], hex[41], want[41];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sgw_pkcs12_cred cr;
		size_t len;
		uint8_t *pfx = make_pfx(F.alice.x509, F.alice.pkey, F.root.x509, c[i].make_pass,
					c[i].nid_key, c[i].nid_cert, &len);
		enum sgw_pkcs12_error e = sgw_pkcs12_load(pfx, len, c[i].load_pass, &cr, err,
							  sizeof(err));

		if (e != SGW_PKCS12_OK)
			fail_msg("case %zu: %s", i + 1, err);
		assert_string_equal(cr.cert.cn, "alice@contoso.com");
		thumb_hex(cr.cert.thumbprint, hex);
		thumb_hex(F.alice.thumbprint, want);
		assert_string_equal(hex, want);
		assert_non_null(strstr(cr.key_pem, "-----BEGIN PRIVATE KEY-----"));
		/* leaf first, then the root the .pfx carried */
		assert_ptr_equal(strstr(cr.chain_pem, "-----BEGIN CERTIFICATE-----"), cr.chain_pem);
		assert_non_null(strstr(cr.chain_pem + 10, "-----BEGIN CERTIFICATE-----"));
		sgw_pkcs12_cred_free(&cr);
		assert_null(cr.key_pem);
		free(pfx);
	}
}

static void test_pkcs12_refusals(void **state)
{
	enum { GOOD, GARBLED, TRUNCATED, EMPTY, WRONG_PW, NO_PW_GIVEN, NOEKU, SERVER_EKU,
	       NOCN, MISMATCH };
	static const struct { int kind; enum sgw_pkcs12_error want; } c[] = {
		/* 1 */ { GOOD, SGW_PKCS12_OK },
		/* 2 */ { GARBLED, SGW_PKCS12_MALFORMED },
		/* 3 */ { TRUNCATED, SGW_PKCS12_MALFORMED },
		/* 4 */ { EMPTY, SGW_PKCS12_EMPTY },
		/* 5 */ { WRONG_PW, SGW_PKCS12_BAD_PASSWORD },
		/* 6 */ { NO_PW_GIVEN, SGW_PKCS12_BAD_PASSWORD },
		/* 7 */ { NOEKU, SGW_PKCS12_NO_CLIENT_AUTH },
		/* 8 */ { SERVER_EKU, SGW_PKCS12_NO_CLIENT_AUTH },
		/* 9 */ { NOCN, SGW_PKCS12_NO_CN },
		/* 10 */ { MISMATCH, SGW_PKCS12_KEY_MISMATCH },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sgw_pkcs12_cred cr;
		const char *pw = PASS;
		size_t len = 0;
		uint8_t *pfx;
		enum sgw_pkcs12_error e;

		switch (c[i].kind) {
		case NOEKU:
			pfx = make_pfx(F.noeku.x509, F.noeku.pkey, NULL, PASS, 0, 0, &len);
			break;
		case SERVER_EKU:
			pfx = make_pfx(F.server.x509, F.server.pkey, NULL, PASS, 0, 0, &len);
			break;
		case NOCN:
			pfx = make_pfx(F.nocn, F.alice.pkey, NULL, PASS, 0, 0, &len);
			break;
		case MISMATCH:
			pfx = make_mismatched_pfx(&len);
			break;
		default:
			pfx = make_pfx(F.alice.x509, F.alice.pkey, NULL, PASS, 0, 0, &len);
			break;
		}
		if (c[i].kind == GARBLED)
			for (size_t k = 0; k < len; k += 7)
				pfx[k] ^= 0x5a;
		if (c[i].kind == TRUNCATED)
			len /= 2;
		if (c[i].kind == EMPTY)
			len = 0;
		if (c[i].kind == WRONG_PW)
			pw = "wrong";
		if (c[i].kind == NO_PW_GIVEN)
			pw = NULL;
		err[0] = '\0';
		e = sgw_pkcs12_load(pfx, len, pw, &cr, err, sizeof(err));
		if (e != c[i].want)
			fail_msg("case %zu: got %s, want %s", i + 1, sgw_pkcs12_error_str(e),
				 sgw_pkcs12_error_str(c[i].want));
		if (e != SGW_PKCS12_OK) {
			assert_string_equal(err, sgw_pkcs12_error_str(e));
			assert_null(cr.key_pem);
			assert_null(cr.chain_pem);
		}
		sgw_pkcs12_cred_free(&cr);
		free(pfx);
	}
}

static void test_cert_export_forms(void **state)
{
	char err[256], *pem = read_text(F.root.cert_path), *cer = read_text(F.root.cer_path);
	const struct { const void *data; size_t len; int want; } c[] = {
		/* 1 */ { F.root.der, F.root.der_len, 0 },
		/* 2 */ { pem, strlen(pem), 0 },
		/* 3 */ { cer, strlen(cer), 0 },
		/* 4 */ { "not a certificate", 17, -EINVAL },
		/* 5 */ { F.root.der, 0, -EINVAL },
		/* 6 */ { F.root.der, F.root.der_len / 2, -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sgw_cert_export ce;
		int rc = sgw_cert_export_load(c[i].data, c[i].len, &ce, err, sizeof(err));

		if (rc != c[i].want)
			fail_msg("case %zu: rc %d (%s)", i + 1, rc, rc ? err : "");
		if (rc == 0) {
			assert_string_equal(ce.cn, "root");
			assert_memory_equal(ce.der, F.root.der, F.root.der_len);
			assert_memory_equal(ce.thumbprint, F.root.thumbprint, 20);
			assert_true(ce.not_after > 0);
		}
		sgw_cert_export_free(&ce);
	}
	free(pem);
	free(cer);
}

/* --- packages --- */

static void check_key_matches(const char *key_path, const char *crt_path)
{
	FILE *fk = fopen(key_path, "r"), *fc = fopen(crt_path, "r");
	EVP_PKEY *k;
	X509 *x;

	assert_true(fk != NULL && fc != NULL);
	k = PEM_read_PrivateKey(fk, NULL, NULL, NULL);
	x = PEM_read_X509(fc, NULL, NULL, NULL);
	assert_true(k != NULL && x != NULL);
	assert_int_equal(X509_check_private_key(x, k), 1);
	assert_int_equal(X509_cmp(x, F.alice.x509), 0);
	EVP_PKEY_free(k);
	X509_free(x);
	fclose(fk);
	fclose(fc);
}

static void check_script(const char *path)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "sh -n '%s'", path);
	if (system(cmd) != 0)
		fail_msg("sh -n %s failed", path);
}

static void check_linux(const char *out, const char *tp)
{
	static const struct { const char *file; mode_t mode; const char *needles[10]; } c[] = {
		{ "linux/client.key", 0600, { "-----BEGIN PRIVATE KEY-----" } },
		{ "linux/client.crt", 0644, { "-----BEGIN CERTIFICATE-----" } },
		{ "linux/ca.crt", 0644, { "-----BEGIN CERTIFICATE-----" } },
		{ "linux/connect.sh", 0755, { "sstpc --log-stderr", "--ca-cert \"$DIR/ca.crt\"",
			"--ipparam sstpgw vpn.example.com:443", "nodetach", "noauth",
			"key \"$DIR/client.key\"", "user 'alice@contoso.com'", "mtu 1400",
			"mru 1400", "refuse-mschap-v2" } },
		{ "linux/peers/sstpgw", 0644, { "plugin sstp-pppd-plugin.so",
			"sstp-sock /var/run/sstpc/sstpc-sstpgw",
			"pty \"sstpc --ipparam sstpgw --nolaunchpppd --ca-cert /etc/ppp/sstpgw/ca.crt "
			"vpn.example.com:443\"", "ca \"/etc/ppp/sstpgw/ca.crt\"",
			"cert \"/etc/ppp/sstpgw/client.crt\"", "key \"/etc/ppp/sstpgw/client.key\"",
			"name \"alice@contoso.com\"", "nodefaultroute", "usepeerdns", "ipparam sstpgw" } },
		{ "linux/ip-up.d/sstpgw", 0755, { "= sstpgw ] || exit 0",
			"ip route replace 10.1.0.0/16 dev \"$IFACE\"",
			"ip route replace 192.168.7.0/24 dev \"$IFACE\"" } },
		{ "linux/sstpgw.nmconnection", 0600, { "service-type=org.freedesktop.NetworkManager.sstp",
			"gateway=vpn.example.com:443", "connection-type=tls",
			"ca-cert=/etc/ppp/sstpgw/ca.crt", "tls-user-cert=/etc/ppp/sstpgw/client.crt",
			"tls-user-key=/etc/ppp/sstpgw/client.key", "tls-identity=alice@contoso.com",
			"route1=10.1.0.0/16", "route2=192.168.7.0/24", "never-default=true" } },
		{ "README.txt", 0644, { "vpn.example.com", "10.1.0.0/16", "192.168.7.0/24",
			"10.1.0.4", "10.1.0.5", "CN=alice@contoso.com", "sudo pon sstpgw",
			"connect.sh", "Tunnel MTU:       1400" } },
	};
	char path[512];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *t;

		path_of(path, sizeof(path), out, c[i].file);
		if (mode_of(path) != c[i].mode)
			fail_msg("%s: mode %o, want %o", c[i].file, mode_of(path), c[i].mode);
		t = read_text(path);
		for (size_t k = 0; k < 10 && c[i].needles[k] != NULL; k++)
			expect_in(t, c[i].needles[k], c[i].file);
		free(t);
	}
	path_of(path, sizeof(path), out, "README.txt");
	char *t = read_text(path);
	expect_in(t, tp, "README.txt");
	free(t);
	char key[512], crt[512];
	path_of(key, sizeof(key), out, "linux/client.key");
	path_of(crt, sizeof(crt), out, "linux/client.crt");
	check_key_matches(key, crt);
	path_of(path, sizeof(path), out, "linux/connect.sh");
	check_script(path);
	path_of(path, sizeof(path), out, "linux/ip-up.d/sstpgw");
	check_script(path);
}

static void check_windows(const char *out, const char *tp, const uint8_t *pfx, size_t pfx_len)
{
	static const struct { const char *file; const char *needles[10]; } c[] = {
		{ "windows/Install.ps1", { "Import-PfxCertificate", "Cert:\\CurrentUser\\My",
			"Import-Certificate", "Cert:\\CurrentUser\\Root",
			"New-EapConfiguration -Tls -UserCertificate", "TunnelType = 'Sstp'",
			"SplitTunneling = $true", "$Server = 'vpn.example.com'",
			"$Routes = @('10.1.0.0/16', '192.168.7.0/24')", "Add-VpnConnectionRoute" } },
		{ "windows/VpnSettings.xml", { "<VpnServer>vpn.example.com</VpnServer>",
			"<VpnType>Sstp</VpnType>", "<Route>10.1.0.0/16</Route>",
			"<Route>192.168.7.0/24</Route>", "<DnsServer>10.1.0.4</DnsServer>",
			"<DnsServer>10.1.0.5</DnsServer>", "<Prefix>172.16.201.0/24</Prefix>",
			"<ClientCertCn>alice@contoso.com</ClientCertCn>",
			"<ServerCertRootCn>root</ServerCertRootCn>", "<TunnelMtu>1400</TunnelMtu>" } },
	};
	char path[512];
	char *t;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		path_of(path, sizeof(path), out, c[i].file);
		t = read_text(path);
		for (size_t k = 0; k < 10 && c[i].needles[k] != NULL; k++)
			expect_in(t, c[i].needles[k], c[i].file);
		if (i == 1)
			expect_in(t, tp, c[i].file);
		free(t);
	}
	path_of(path, sizeof(path), out, "windows/client.pfx");
	assert_int_equal(mode_of(path), 0600);
	t = read_text(path);
	assert_memory_equal(t, pfx, pfx_len);
	free(t);
	path_of(path, sizeof(path), out, "windows/ca.cer");
	t = read_text(path);
	assert_memory_equal(t, F.root.der, F.root.der_len);
	free(t);
}

static void check_manifest(const char *out, const char *tp, const char *os)
{
	char path[512], want[128];
	char *t;

	path_of(path, sizeof(path), out, SGW_PACKAGE_MANIFEST);
	assert_int_equal(mode_of(path), 0644);
	t = read_text(path);
	snprintf(want, sizeof(want), "\nthumbprint=%s\n", tp);
	expect_in(t, want, "manifest");
	snprintf(want, sizeof(want), "\nos=%s\n", os);
	expect_in(t, want, "manifest");
	expect_in(t, "\nformat=1\nname=sstpgw\n", "manifest");
	expect_in(t, "\ncn=alice@contoso.com\n", "manifest");
	expect_in(t, "\nserver=vpn.example.com:443\n", "manifest");
	expect_in(t, "\nvnet=10.1.0.0/16,192.168.7.0/24\npool=172.16.201.0/24\n"
		  "dns=10.1.0.4,10.1.0.5\nmtu=1400\n", "manifest");
	free(t);
}

static void test_package_all(void **state)
{
	struct opts_mem m;
	char out[256], err[256], tp[41];

	(void)state;
	opts_make(&m, &F.gw, SGW_PACKAGE_OS_ALL);
	path_of(out, sizeof(out), F.dir, "all");
	assert_int_equal(sgw_package_write(&m.o, out, err, sizeof(err)), 0);
	assert_int_equal(mode_of(out), 0700);
	thumb_hex(F.alice.thumbprint, tp);
	check_linux(out, tp);
	check_windows(out, tp, m.o.pfx, m.o.pfx_len);
	/* README, manifest, linux, windows: nothing else, no temporary files */
	assert_int_equal(count_entries(out), 4);
	check_manifest(out, tp, "linux,windows");
	path_of(err, sizeof(err), out, "linux");
	assert_int_equal(count_entries(err), 7);
	path_of(err, sizeof(err), out, "windows");
	assert_int_equal(count_entries(err), 4);
	/* the staging folder is gone: only "all" in the scratch folder */
	assert_int_equal(count_entries(F.dir), 1);
	opts_free(&m);
	rm_tree(out, 0);
}

static void test_package_os_and_outdir(void **state)
{
	/* os; outdir: 0 new, 1 empty folder, 2 new with a trailing slash */
	static const struct { unsigned os; int outdir; bool lin, win; } c[] = {
		/* 1 */ { SGW_PACKAGE_OS_LINUX, 0, true, false },
		/* 2 */ { SGW_PACKAGE_OS_WINDOWS, 0, false, true },
		/* 3 */ { SGW_PACKAGE_OS_ALL, 1, true, true },
		/* 4 */ { SGW_PACKAGE_OS_ALL, 2, true, true },
	};
	char out[256], sub[300], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct opts_mem m;

		opts_make(&m, &F.gw, c[i].os);
		path_of(out, sizeof(out), F.dir, "pkg");
		if (c[i].outdir == 1)
			assert_int_equal(mkdir(out, 0755), 0);
		snprintf(sub, sizeof(sub), "%s%s", out, c[i].outdir == 2 ? "/" : "");
		if (sgw_package_write(&m.o, sub, err, sizeof(err)) != 0)
			fail_msg("case %zu: %s", i + 1, err);
		path_of(sub, sizeof(sub), out, "linux/connect.sh");
		assert_int_equal(exists(sub), c[i].lin);
		path_of(sub, sizeof(sub), out, "windows/Install.ps1");
		assert_int_equal(exists(sub), c[i].win);
		path_of(sub, sizeof(sub), out, "README.txt");
		char *t = read_text(sub);
		assert_int_equal(strstr(t, "Linux (linux/)") != NULL, c[i].lin);
		assert_int_equal(strstr(t, "Windows 10/11") != NULL, c[i].win);
		free(t);
		assert_int_equal(count_entries(F.dir), 1);
		rm_tree(out, 0);
		opts_free(&m);
	}
}

/* Text from a certificate and the configuration lands in shell, pppd,
 * PowerShell, XML and keyfile syntax: each is quoted for its language. */
static void test_package_quoting(void **state)
{
	struct tpki_cert odd;
	struct sgw_pkcs12_cred cr;
	struct opts_mem m;
	char out[256], path[300], err[256];
	const char *cn = "O'Brien \"Q\" $(id) `x` \\ <&>";
	uint8_t *pfx;
	size_t len;
	char *t;

	(void)state;
	assert_int_equal(tpki_client(F.pki, "odd", cn, &F.root, &odd), 0);
	pfx = make_pfx(odd.x509, odd.pkey, NULL, PASS, 0, 0, &len);
	assert_int_equal(sgw_pkcs12_load(pfx, len, PASS, &cr, err, sizeof(err)), SGW_PKCS12_OK);
	assert_string_equal(cr.cert.cn, cn);
	opts_make(&m, &F.gw, SGW_PACKAGE_OS_ALL);
	memcpy(m.o.cn, cr.cert.cn, sizeof(m.o.cn));
	path_of(out, sizeof(out), F.dir, "odd");
	assert_int_equal(sgw_package_write(&m.o, out, err, sizeof(err)), 0);

	path_of(path, sizeof(path), out, "linux/connect.sh");
	check_script(path);
	t = read_text(path);
	expect_in(t, "user 'O'\\''Brien \"Q\" $(id) `x` \\ <&>'", "connect.sh");
	free(t);
	path_of(path, sizeof(path), out, "linux/peers/sstpgw");
	t = read_text(path);
	expect_in(t, "name \"O'Brien \\\"Q\\\" $(id) `x` \\\\ <&>\"", "peer file");
	free(t);
	path_of(path, sizeof(path), out, "linux/sstpgw.nmconnection");
	t = read_text(path);
	expect_in(t, "tls-identity=O'Brien \"Q\" $(id) `x` \\\\ <&>", "nmconnection");
	free(t);
	path_of(path, sizeof(path), out, "windows/VpnSettings.xml");
	t = read_text(path);
	expect_in(t, "<ClientCertCn>O&apos;Brien &quot;Q&quot; $(id) `x` \\ &lt;&amp;&gt;"
		  "</ClientCertCn>", "VpnSettings.xml");
	free(t);
	rm_tree(out, 0);
	sgw_pkcs12_cred_free(&cr);
	free(pfx);
	opts_free(&m);
	tpki_cert_free(&odd);
}

static void test_package_bad_opts(void **state)
{
	enum { NAME_DOTS, NAME_EMPTY, NAME_LONG, NO_SERVER, BAD_SERVER, BAD_PREFIX, NO_OS,
	       BAD_OS, NO_CN, CN_CTRL, ADDR_SERVER, UNDER_FILE, READ_ONLY, IS_FILE };
	static const struct { int kind; int want; } c[] = {
		/* 1 */ { NAME_DOTS, -EINVAL },
		/* 2 */ { NAME_EMPTY, -EINVAL },
		/* 3 */ { NAME_LONG, -EINVAL },
		/* 4 */ { NO_SERVER, -EINVAL },
		/* 5 */ { BAD_SERVER, -EINVAL },
		/* 6 */ { BAD_PREFIX, -EINVAL },
		/* 7 */ { NO_OS, -EINVAL },
		/* 8 */ { BAD_OS, -EINVAL },
		/* 9 */ { NO_CN, -EINVAL },
		/* 10 */ { CN_CTRL, -EINVAL },
		/* 11 */ { ADDR_SERVER, 0 },   /* no name: the outer address will do */
		/* 12 */ { UNDER_FILE, -ENOTDIR },
		/* 13 */ { READ_ONLY, -EACCES },  /* skipped as root */
		/* 14 */ { IS_FILE, -EEXIST },
	};
	char out[256], err[256], file[256], ro[256];

	(void)state;
	path_of(file, sizeof(file), F.dir, "afile");
	path_of(ro, sizeof(ro), F.dir, "ro");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sgw_mgmt_settings gw = F.gw;
		struct opts_mem m;
		unsigned before;
		int rc;

		if (c[i].kind == READ_ONLY && geteuid() == 0)
			continue;
		path_of(out, sizeof(out), F.dir, "bad");

		opts_make(&m, &gw, SGW_PACKAGE_OS_ALL);
		switch (c[i].kind) {
		case NAME_DOTS: snprintf(m.o.name, sizeof(m.o.name), "../x"); break;
		case NAME_EMPTY: m.o.name[0] = '\0'; break;
		case NAME_LONG: memset(m.o.name, 'a', 40); m.o.name[40] = '\0'; break;
		case NO_SERVER: gw.server_name[0] = '\0'; break;
		case BAD_SERVER: snprintf(gw.server_name, sizeof(gw.server_name), "a b;rm"); break;
		case BAD_PREFIX: gw.vnet[1].len = 33; break;
		case NO_OS: m.o.os = 0; break;
		case BAD_OS: m.o.os = 8; break;
		case NO_CN: m.o.cn[0] = '\0'; break;
		case CN_CTRL: snprintf(m.o.cn, sizeof(m.o.cn), "a\nb"); break;
		case ADDR_SERVER:
			gw.server_name[0] = '\0';
			gw.outer_addr = A(203, 0, 113, 9);
			break;
		case UNDER_FILE:
			write_bytes(file, "x", 1);
			path_of(out, sizeof(out), file, "out");
			break;
		case READ_ONLY:
			assert_int_equal(mkdir(ro, 0555), 0);
			path_of(out, sizeof(out), ro, "out");
			break;
		case IS_FILE:
			write_bytes(file, "x", 1);
			snprintf(out, sizeof(out), "%s", file);
			break;
		}
		before = count_entries(F.dir);
		err[0] = '\0';
		rc = sgw_package_write(&m.o, out, err, sizeof(err));
		if (rc != c[i].want)
			fail_msg("case %zu: rc %d (%s)", i + 1, rc, err);
		if (rc != 0) {
			assert_true(err[0] != '\0');
			assert_true(c[i].kind == IS_FILE || !exists(out));
		} else {
			char p[300];

			path_of(p, sizeof(p), out, "linux/connect.sh");
			char *t = read_text(p);
			expect_in(t, "203.0.113.9:443", "connect.sh");
			free(t);
			rm_tree(out, 0);
		}
		/* nothing new: no staging folder left behind */
		assert_int_equal(count_entries(F.dir), before);
		if (c[i].kind == READ_ONLY)
			assert_int_equal(count_entries(ro), 0);
		unlink(file);
		rmdir(ro);
		opts_free(&m);
	}
}

/* --- sstpgw-ctl client-package --- */

static void test_ctl_ok(void **state)
{
	char pfx_path[256], pw_path[256], out[256], path[300];
	size_t len;
	uint8_t *pfx = make_pfx(F.alice.x509, F.alice.pkey, F.root.x509, PASS, 0, 0, &len);
	char *t;

	(void)state;
	path_of(pfx_path, sizeof(pfx_path), F.dir, "alice.pfx");
	path_of(pw_path, sizeof(pw_path), F.dir, "pw.txt");
	path_of(out, sizeof(out), F.dir, "ctl");
	write_bytes(pfx_path, pfx, len);
	write_bytes(pw_path, PASS "\n", strlen(PASS) + 1);
	char *argv[] = { "client-package", "--pfx", pfx_path, "--password-file", pw_path,
			 "--name", "corp-vnet", "--out", out, "--os", "linux", NULL };
	assert_int_equal(sgw_ctl_client_package(&F.gw, 11, argv), 0);
	path_of(path, sizeof(path), out, "linux/peers/corp-vnet");
	t = read_text(path);
	expect_in(t, "sstp-sock /var/run/sstpc/sstpc-corp-vnet", "peer file");
	expect_in(t, "ca \"/etc/ppp/corp-vnet/ca.crt\"", "peer file");
	free(t);
	path_of(path, sizeof(path), out, "linux/corp-vnet.nmconnection");
	assert_int_equal(mode_of(path), 0600);
	path_of(path, sizeof(path), out, "linux/ca.crt");
	t = read_text(path);
	char *root = read_text(F.root.cert_path);
	assert_string_equal(t, root);
	free(root);
	free(t);
	path_of(path, sizeof(path), out, "windows");
	assert_false(exists(path));
	rm_tree(out, 0);
	unlink(pfx_path);
	unlink(pw_path);
	free(pfx);
}

static void test_ctl_bad_input(void **state)
{
	enum { MISSING_PFX, GARBLED, WRONG_PW, NO_PW_FILE, NOEKU, NOCN, UNWRITABLE, NOT_EMPTY,
	       NO_CA, BAD_OS, NO_OUT, UNKNOWN_FLAG, BAD_NAME, EMPTY_PW };
	static const struct { int kind; int want; } c[] = {
		/* 1 */ { MISSING_PFX, 1 },
		/* 2 */ { GARBLED, 1 },
		/* 3 */ { WRONG_PW, 1 },
		/* 4 */ { NO_PW_FILE, 1 },
		/* 5 */ { NOEKU, 1 },
		/* 6 */ { NOCN, 1 },
		/* 7 */ { UNWRITABLE, 1 },
		/* 8 */ { NOT_EMPTY, 1 },
		/* 9 */ { NO_CA, 1 },
		/* 10 */ { BAD_OS, 2 },
		/* 11 */ { NO_OUT, 2 },
		/* 12 */ { UNKNOWN_FLAG, 2 },
		/* 13 */ { BAD_NAME, 1 },
		/* 14 */ { EMPTY_PW, 1 },   /* the .pfx has a password; the file is empty */
	};
	char pfx_path[256], pw_path[256], out[256], junk[256], file[256];

	(void)state;
	path_of(pfx_path, sizeof(pfx_path), F.dir, "in.pfx");
	path_of(pw_path, sizeof(pw_path), F.dir, "pw.txt");
	path_of(junk, sizeof(junk), F.dir, "junk");
	path_of(file, sizeof(file), F.dir, "afile");
	write_bytes(file, "x", 1);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sgw_mgmt_settings gw = F.gw;
		const char *pw = PASS "\n", *name = "sstpgw", *os = "all", *flag = "--os";
		size_t len;
		uint8_t *pfx;
		int rc;

		path_of(out, sizeof(out), F.dir, "out");
		if (c[i].kind == NOEKU)
			pfx = make_pfx(F.noeku.x509, F.noeku.pkey, NULL, PASS, 0, 0, &len);
		else if (c[i].kind == NOCN)
			pfx = make_pfx(F.nocn, F.alice.pkey, NULL, PASS, 0, 0, &len);
		else
			pfx = make_pfx(F.alice.x509, F.alice.pkey, NULL, PASS, 0, 0, &len);
		if (c[i].kind == GARBLED)
			memset(pfx + len / 3, 0xee, 16);
		write_bytes(pfx_path, pfx, len);
		if (c[i].kind == MISSING_PFX)
			unlink(pfx_path);
		if (c[i].kind == WRONG_PW)
			pw = "nope\n";
		if (c[i].kind == EMPTY_PW)
			pw = "";
		write_bytes(pw_path, pw, strlen(pw));
		if (c[i].kind == NO_PW_FILE)
			unlink(pw_path);
		if (c[i].kind == UNWRITABLE)
			path_of(out, sizeof(out), file, "out");  /* a folder under a file */
		if (c[i].kind == NOT_EMPTY) {
			assert_int_equal(mkdir(out, 0700), 0);
			write_bytes(junk, "j", 1);
			path_of(junk, sizeof(junk), out, "keep");
			write_bytes(junk, "j", 1);
		}
		if (c[i].kind == NO_CA)
			snprintf(gw.ca_cert_path, sizeof(gw.ca_cert_path), "%s/none.crt", F.dir);
		if (c[i].kind == BAD_OS)
			os = "macos";
		if (c[i].kind == UNKNOWN_FLAG)
			flag = "--bogus";
		if (c[i].kind == BAD_NAME)
			name = "a/b";
		char *argv[] = { "client-package", "--pfx", pfx_path, "--password-file", pw_path,
				 "--name", (char *)name, "--out", out, (char *)flag, (char *)os, NULL };
		int argc = c[i].kind == NO_OUT ? 7 : 11;

		rc = sgw_ctl_client_package(&gw, argc, argv);
		if (rc != c[i].want)
			fail_msg("case %zu: exit %d, want %d", i + 1, rc, c[i].want);
		if (c[i].kind == NOT_EMPTY) {
			/* left as it was */
			assert_int_equal(count_entries(out), 1);
			rm_tree(out, 0);
			path_of(junk, sizeof(junk), F.dir, "junk");
			unlink(junk);
		} else {
			assert_false(exists(out));
		}
		/* in.pfx, pw.txt (unless removed), afile: no staging folder left */
		unlink(pfx_path);
		unlink(pw_path);
		if (count_entries(F.dir) != 1)
			fail_msg("case %zu: %u entries left in %s", i + 1, count_entries(F.dir), F.dir);
		free(pfx);
	}
	unlink(file);
}

/* --- regeneration (sgw_package_regenerate_all) --- */

static void write_pkg(const char *dir, const char *name, unsigned os,
		      const struct sgw_mgmt_settings *gw)
{
	struct opts_mem m;
	char out[256], err[256];

	opts_make(&m, gw, os);
	path_of(out, sizeof(out), dir, name);
	if (sgw_package_write(&m.o, out, err, sizeof(err)) != 0)
		fail_msg("%s: %s", out, err);
	opts_free(&m);
}

static char *pkg_file(const char *dir, const char *name, const char *rel)
{
	char a[300], b[400];

	path_of(a, sizeof(a), dir, name);
	path_of(b, sizeof(b), a, rel);
	return read_text(b);
}

static ino_t ino_of(const char *dir, const char *name)
{
	char p[300];
	struct stat sb;

	path_of(p, sizeof(p), dir, name);
	assert_int_equal(stat(p, &sb), 0);
	return sb.st_ino;
}

/* Settings B: another server name, DNS and one more VNet route. */
static void settings_b(struct sgw_mgmt_settings *s)
{
	*s = F.gw;
	snprintf(s->server_name, sizeof(s->server_name), "vpn2.example.org");
	s->dns[0] = A(10, 2, 0, 53);
	s->dns[1] = 0;
	s->vnet[s->n_vnet++] = (struct sgw_mgmt_prefix){ A(10, 30, 0, 0), 16 };
}

/* Every generated file of the package says B, none says A. */
static void check_says_b(const char *dir, const char *name, bool win)
{
	static const struct { const char *file; bool win; const char *needles[3]; } c[] = {
		{ "README.txt", false, { "vpn2.example.org", "10.30.0.0/16", "10.2.0.53" } },
		{ SGW_PACKAGE_MANIFEST, false, { "server=vpn2.example.org:443",
			"vnet=10.1.0.0/16,192.168.7.0/24,10.30.0.0/16", "dns=10.2.0.53\n" } },
		{ "linux/connect.sh", false, { "--ipparam sstpgw vpn2.example.org:443" } },
		{ "linux/peers/sstpgw", false, { "--ca-cert /etc/ppp/sstpgw/ca.crt "
			"vpn2.example.org:443\"" } },
		{ "linux/ip-up.d/sstpgw", false, { "vpn2.example.org",
			"ip route replace 10.30.0.0/16 dev" } },
		{ "linux/sstpgw.nmconnection", false, { "gateway=vpn2.example.org:443",
			"route3=10.30.0.0/16" } },
		{ "windows/Install.ps1", true, { "$Server = 'vpn2.example.org'",
			"'192.168.7.0/24', '10.30.0.0/16')" } },
		{ "windows/VpnSettings.xml", true, { "<VpnServer>vpn2.example.org</VpnServer>",
			"<Route>10.30.0.0/16</Route>", "<DnsServer>10.2.0.53</DnsServer>" } },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *t;

		if (c[i].win && !win)
			continue;
		t = pkg_file(dir, name, c[i].file);
		for (size_t k = 0; k < 3 && c[i].needles[k] != NULL; k++)
			expect_in(t, c[i].needles[k], c[i].file);
		if (strstr(t, "vpn.example.com") != NULL || strstr(t, "10.1.0.4") != NULL)
			fail_msg("%s/%s still says settings A", name, c[i].file);
		free(t);
	}
}

/* The secrets and the profile UUID of a package, to compare across rebuilds. */
struct pkg_secrets {
	char *crt, *key, *pfx, *nm;
	size_t pfx_len;
};

static void secrets_get(const char *dir, const char *name, bool win, struct pkg_secrets *p)
{
	char *nm = pkg_file(dir, name, "linux/sstpgw.nmconnection");
	char *u = strstr(nm, "\nuuid=");

	assert_non_null(u);
	p->crt = pkg_file(dir, name, "linux/client.crt");
	p->key = pkg_file(dir, name, "linux/client.key");
	p->pfx = win ? pkg_file(dir, name, "windows/client.pfx") : NULL;
	p->pfx_len = 0;
	if (win) {
		char a[300], b[400];
		struct stat sb;

		path_of(a, sizeof(a), dir, name);
		path_of(b, sizeof(b), a, "windows/client.pfx");
		assert_int_equal(stat(b, &sb), 0);
		p->pfx_len = (size_t)sb.st_size;
		assert_true(p->pfx_len > 100);
	}
	p->nm = strndup(u, 6 + 36);
	free(nm);
}

static void secrets_same(const struct pkg_secrets *a, const struct pkg_secrets *b)
{
	assert_string_equal(a->crt, b->crt);
	assert_string_equal(a->key, b->key);
	assert_string_equal(a->nm, b->nm);
	assert_int_equal(a->pfx_len, b->pfx_len);
	if (a->pfx != NULL)
		assert_memory_equal(a->pfx, b->pfx, a->pfx_len);
}

static void secrets_free(struct pkg_secrets *p)
{
	free(p->crt);
	free(p->key);
	free(p->pfx);
	free(p->nm);
}

static void test_regenerate(void **state)
{
	struct sgw_mgmt_settings b;
	struct pkg_secrets s0[2], s1[2];
	static const char *const names[2] = { "alice", "corp" };
	static const bool win[2] = { true, false };
	char pk[128], path[300], err[512];
	unsigned n = 99;
	ino_t ino;

	(void)state;
	path_of(pk, sizeof(pk), F.dir, "packages");
	assert_int_equal(mkdir(pk, 0700), 0);
	write_pkg(pk, "alice", SGW_PACKAGE_OS_ALL, &F.gw);
	write_pkg(pk, "corp", SGW_PACKAGE_OS_LINUX, &F.gw);
	for (int i = 0; i < 2; i++)
		secrets_get(pk, names[i], win[i], &s0[i]);
	ino = ino_of(pk, "alice");

	/* 1: the same settings: nothing rebuilt, the folders untouched */
	assert_int_equal(sgw_package_regenerate_all(pk, &F.gw, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ino_of(pk, "alice"), ino);

	/* 2: settings B: both rebuilt, every file says B, the secrets unchanged */
	settings_b(&b);
	if (sgw_package_regenerate_all(pk, &b, &n, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(n, 2);
	assert_true(ino_of(pk, "alice") != ino);
	for (int i = 0; i < 2; i++) {
		check_says_b(pk, names[i], win[i]);
		secrets_get(pk, names[i], win[i], &s1[i]);
		secrets_same(&s0[i], &s1[i]);
		secrets_free(&s1[i]);
	}
	path_of(path, sizeof(path), pk, "alice/linux/client.key");
	assert_int_equal(mode_of(path), 0600);
	path_of(path, sizeof(path), pk, "alice");
	assert_int_equal(mode_of(path), 0700);
	path_of(path, sizeof(path), pk, "corp/windows");
	assert_false(exists(path));
	assert_int_equal(count_entries(pk), 2);   /* no staging or old folder left */

	/* 3: B again: nothing to do */
	assert_int_equal(sgw_package_regenerate_all(pk, &b, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);

	/* 4: a corrupt manifest in a third folder, a folder without one and a
	 * file: the error names the corrupt one, the two others go back to A */
	path_of(path, sizeof(path), pk, "carol");
	assert_int_equal(mkdir(path, 0700), 0);
	path_of(path, sizeof(path), pk, "carol/" SGW_PACKAGE_MANIFEST);
	write_bytes(path, "format=1\nname=carol\nbogus=1\n", 28);
	path_of(path, sizeof(path), pk, "notes");
	assert_int_equal(mkdir(path, 0700), 0);
	path_of(path, sizeof(path), pk, "index.html");
	write_bytes(path, "x", 1);
	err[0] = '\0';
	assert_int_equal(sgw_package_regenerate_all(pk, &F.gw, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(n, 2);
	expect_in(err, "/packages/carol: " SGW_PACKAGE_MANIFEST ": line 3: unknown key \"bogus\"",
		  "error");
	assert_null(strstr(err, "more"));
	for (int i = 0; i < 2; i++) {
		char *t = pkg_file(pk, names[i], "README.txt");

		expect_in(t, "vpn.example.com", names[i]);
		assert_null(strstr(t, "vpn2.example.org"));
		free(t);
		secrets_get(pk, names[i], win[i], &s1[i]);
		secrets_same(&s0[i], &s1[i]);
		secrets_free(&s1[i]);
		secrets_free(&s0[i]);
	}
	assert_int_equal(count_entries(pk), 5);
	rm_tree(pk, 0);
}

/* Replace the first occurrence of from in the package's manifest. */
static void edit_manifest(const char *pkg, const char *from, const char *to)
{
	char path[300], out[4096];
	char *t, *p;

	path_of(path, sizeof(path), pkg, SGW_PACKAGE_MANIFEST);
	t = read_text(path);
	p = strstr(t, from);
	assert_non_null(p);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - t), t, to, p + strlen(from));
	write_bytes(path, out, strlen(out));
	free(t);
}

/* Each damage to one package: refused with a reason that names the folder,
 * the package left as it was; the gateway-level errors touch nothing. */
static void test_regenerate_bad(void **state)
{
	enum { UNKNOWN_KEY, FORMAT_2, NO_UUID, REPEATED, NOT_TEXT, BAD_TP, NO_KEY, OTHER_CRT,
	       NO_PFX, OS_BAD, OTHER_CA, TWO_BAD, NO_DIR, CA_MISSING, NO_SERVER };
	static const struct { int kind; int rc; const char *what; } c[] = {
		/* 1 */ { UNKNOWN_KEY, -EINVAL, "bad: " SGW_PACKAGE_MANIFEST ": line 15: unknown key \"x\"" },
		/* 2 */ { FORMAT_2, -EINVAL, "bad: " SGW_PACKAGE_MANIFEST ": bad format" },
		/* 3 */ { NO_UUID, -EINVAL, "bad: " SGW_PACKAGE_MANIFEST ": no nm_uuid" },
		/* 4 */ { REPEATED, -EINVAL, "bad: " SGW_PACKAGE_MANIFEST ": line 6: repeated key \"name\"" },
		/* 5 */ { NOT_TEXT, -EINVAL, "bad: " SGW_PACKAGE_MANIFEST ": not text" },
		/* 6 */ { BAD_TP, -EINVAL,
			  "bad: " SGW_PACKAGE_MANIFEST ": line 8: bad value for \"thumbprint\"" },
		/* 7 */ { NO_KEY, -ENOENT, "bad: linux/client.key: No such file" },
		/* 8 */ { OTHER_CRT, -EINVAL, "bad: linux/client.crt is not the certificate" },
		/* 9 */ { NO_PFX, -ENOENT, "bad: windows/client.pfx: No such file" },
		/* 10 */ { OS_BAD, -EINVAL, "bad: " SGW_PACKAGE_MANIFEST ": bad os" },
		/* 11 */ { OTHER_CA, -EINVAL, "bad: linux/ca.crt is not the certificate" },
		/* 12 */ { TWO_BAD, -EINVAL, "(and 1 more)" },
		/* 13 */ { NO_DIR, -ENOENT, "nowhere: No such file" },
		/* 14 */ { CA_MISSING, -ENOENT, "gateway CA" },
		/* 15 */ { NO_SERVER, -EINVAL, "no usable server name" },
	};
	char pk[128], bad[200], path[300], err[512];

	(void)state;
	path_of(pk, sizeof(pk), F.dir, "pk");
	path_of(bad, sizeof(bad), pk, "bad");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sgw_mgmt_settings b;
		const char *dir = pk;
		unsigned n = 99;
		char *before, *after;
		int rc;

		assert_int_equal(mkdir(pk, 0700), 0);
		write_pkg(pk, "bad", SGW_PACKAGE_OS_ALL, &F.gw);
		settings_b(&b);
		b.ca_cert_path[0] = '\0';   /* the package's own CA */
		switch (c[i].kind) {
		case UNKNOWN_KEY: edit_manifest(bad, "mtu=", "x=1\nmtu="); break;
		case FORMAT_2: edit_manifest(bad, "format=1", "format=2"); break;
		case NO_UUID: edit_manifest(bad, "nm_uuid=", "#"); break;
		case REPEATED: edit_manifest(bad, "os=", "name=x\nos="); break;
		case NOT_TEXT:
			path_of(path, sizeof(path), bad, SGW_PACKAGE_MANIFEST);
			write_bytes(path, "format=1\n\0\1", 11);
			break;
		case BAD_TP: edit_manifest(bad, "\nthumbprint=", "\nthumbprint=G"); break;
		case NO_KEY:
			path_of(path, sizeof(path), bad, "linux/client.key");
			assert_int_equal(unlink(path), 0);
			break;
		case OTHER_CRT:
			path_of(path, sizeof(path), bad, "linux/client.crt");
			before = read_text(F.root.cert_path);
			write_bytes(path, before, strlen(before));
			free(before);
			break;
		case NO_PFX:
			path_of(path, sizeof(path), bad, "windows/client.pfx");
			assert_int_equal(unlink(path), 0);
			break;
		case OS_BAD: edit_manifest(bad, "os=linux,windows", "os=macos"); break;
		case OTHER_CA:
			path_of(path, sizeof(path), bad, "linux/ca.crt");
			before = read_text(F.alice.cert_path);
			write_bytes(path, before, strlen(before));
			free(before);
			break;
		case TWO_BAD:
			edit_manifest(bad, "format=1", "format=0");
			write_pkg(pk, "bad2", SGW_PACKAGE_OS_LINUX, &F.gw);
			path_of(path, sizeof(path), pk, "bad2");
			edit_manifest(path, "format=1", "format=0");
			break;
		case NO_DIR: dir = "/nonexistent/nowhere"; break;
		case CA_MISSING:
			snprintf(b.ca_cert_path, sizeof(b.ca_cert_path), "%s/none.crt", F.dir);
			break;
		case NO_SERVER: b.server_name[0] = '\0'; break;
		}
		before = pkg_file(pk, "bad", "README.txt");
		err[0] = '\0';
		rc = sgw_package_regenerate_all(dir, &b, &n, err, sizeof(err));
		if (rc != c[i].rc || strstr(err, c[i].what) == NULL)
			fail_msg("case %zu: rc %d, \"%s\"", i + 1, rc, err);
		assert_int_equal(n, 0);
		/* left as it was, and nothing beside it */
		after = pkg_file(pk, "bad", "README.txt");
		assert_string_equal(before, after);
		assert_int_equal(count_entries(pk), c[i].kind == TWO_BAD ? 2 : 1);
		free(before);
		free(after);
		rm_tree(pk, 0);
	}
	/* nothing configured: nothing done */
	assert_int_equal(sgw_package_regenerate_all("", &F.gw, NULL, err, sizeof(err)), 0);
	assert_int_equal(sgw_package_regenerate_all(NULL, &F.gw, NULL, err, sizeof(err)), 0);
}

/* The gateway's CA (s->ca_cert_path) changed: the packages carry the new one. */
static void test_regenerate_new_ca(void **state)
{
	struct sgw_mgmt_settings b = F.gw;
	char pk[128], err[512], tp[41], want[64];
	unsigned n = 0;
	char *t, *other;

	(void)state;
	path_of(pk, sizeof(pk), F.dir, "pkca");
	assert_int_equal(mkdir(pk, 0700), 0);
	write_pkg(pk, "p", SGW_PACKAGE_OS_ALL, &F.gw);
	snprintf(b.ca_cert_path, sizeof(b.ca_cert_path), "%s", F.server.cert_path);
	if (sgw_package_regenerate_all(pk, &b, &n, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(n, 1);
	t = pkg_file(pk, "p", "linux/ca.crt");
	other = read_text(F.server.cert_path);
	assert_string_equal(t, other);
	free(t);
	free(other);
	thumb_hex(F.server.thumbprint, tp);
	snprintf(want, sizeof(want), "ca_thumbprint=%s", tp);
	t = pkg_file(pk, "p", SGW_PACKAGE_MANIFEST);
	expect_in(t, want, "manifest");
	free(t);
	assert_int_equal(sgw_package_regenerate_all(pk, &b, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	rm_tree(pk, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkcs12_good_forms),
		cmocka_unit_test(test_pkcs12_refusals),
		cmocka_unit_test(test_cert_export_forms),
		cmocka_unit_test(test_package_all),
		cmocka_unit_test(test_package_os_and_outdir),
		cmocka_unit_test(test_package_quoting),
		cmocka_unit_test(test_package_bad_opts),
		cmocka_unit_test(test_ctl_ok),
		cmocka_unit_test(test_ctl_bad_input),
		cmocka_unit_test(test_regenerate),
		cmocka_unit_test(test_regenerate_bad),
		cmocka_unit_test(test_regenerate_new_ca),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
