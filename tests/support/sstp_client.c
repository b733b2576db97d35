/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process SSTP test client: see sstp_client.h. Written from MS-SSTP,
 * RFC 1661/1332/1877/3748/5216/9190 and the observed behaviour of sstpc
 * 1.0.18 + pppd 2.4.9 (PROTOCOL.md), without looking at the server code, so
 * that a misreading of the spec on either side shows up as a failed test.
 *
 * It is stricter than sstpc where the server has no excuse (reserved bits,
 * lengths, Configure-Ack contents, EAP Identifier reuse) and every refusal
 * says why in tclient_error(). Test code: it allocates at creation only, and
 * every buffer and loop is bounded.
 */
#include "tests/support/sstp_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto/binding.h"
#include "tests/support/eaptls_peer.h"

enum {
	RX_CAP = 8192,         /* > one partial SSTP packet + one read */
	HTTP_MAX = 4096,       /* response header block */
	SSTP_HDR = 4,
	SSTP_MAX = 4095,       /* MS-SSTP 2.2.1: 12-bit length */
	PPP_HDR = 4,           /* FF 03 + protocol */
	IP_MAX = SSTP_MAX - SSTP_HDR - PPP_HDR,
	IPQ_LEN = 64,
	MAX_ATTRS = 16,
	MAX_CONF_REQ = 10,     /* RFC 1661 4.6 Max-Configure */
	MAX_OPTS = 8,
	READS_PER_INPUT = 1024,
	CONNECT_ACK_LEN = 48,
	BINDING_REQ_LEN = 36,  /* value bytes of CRYPTO_BINDING_REQ */
	CALL_CONNECTED_LEN = 112,
	ERR_LEN = 256,
};

/* MS-SSTP 2.2.2: control message types. */
enum sstp_msg {
	MSG_CALL_CONNECT_REQUEST = 1,
	MSG_CALL_CONNECT_ACK = 2,
	MSG_CALL_CONNECT_NAK = 3,
	MSG_CALL_CONNECTED = 4,
	MSG_CALL_ABORT = 5,
	MSG_CALL_DISCONNECT = 6,
	MSG_CALL_DISCONNECT_ACK = 7,
	MSG_ECHO_REQUEST = 8,
	MSG_ECHO_RESPONSE = 9,
	MSG_COUNT,
};

/* MS-SSTP 2.2.3: attribute IDs. */
enum sstp_attr_id {
	ATTR_ENCAPSULATED_PROTOCOL_ID = 1,
	ATTR_STATUS_INFO = 2,
	ATTR_CRYPTO_BINDING = 3,
	ATTR_CRYPTO_BINDING_REQ = 4,
};

enum ppp_proto {
	PROTO_IPV4 = 0x0021,
	PROTO_IPCP = 0x8021,
	PROTO_LCP = 0xc021,
	PROTO_EAP = 0xc227,
};

/* RFC 1661 5: packet codes (1..7 shared by LCP and IPCP). */
enum cp_code {
	CONF_REQ = 1, CONF_ACK, CONF_NAK, CONF_REJ, TERM_REQ, TERM_ACK,
	CODE_REJ, PROTO_REJ, ECHO_REQ, ECHO_REP, DISCARD_REQ,
};

enum lcp_opt {
	LCP_MRU = 1, LCP_ACCM = 2, LCP_AUTH = 3, LCP_MAGIC = 5, LCP_PFC = 7,
	LCP_ACFC = 8, LCP_CALLBACK = 13,
};

/* RFC 1332 / RFC 1877 */
enum ipcp_opt {
	IPCP_ADDR = 3, IPCP_DNS1 = 129, IPCP_NBNS1 = 130, IPCP_DNS2 = 131,
	IPCP_NBNS2 = 132,
};

enum eap_code { EAP_REQUEST = 1, EAP_RESPONSE, EAP_SUCCESS, EAP_FAILURE };
enum eap_type { EAP_IDENTITY = 1, EAP_NOTIFICATION = 2, EAP_NAK = 3, EAP_TLS = 13 };

/* One option we ask for: value of len - 2 bytes (at most 4). */
struct cp_opt {
	uint8_t type, len;
	uint8_t val[4];
	bool on;
};

/* One side of an RFC 1661 option negotiation (LCP or IPCP), without
 * timers: the test drives the exchange to completion in memory. */
struct cp {
	const char *name;
	uint16_t proto;
	struct cp_opt opts[MAX_OPTS];
	unsigned nopts;
	uint8_t id;
	uint8_t req[64];      /* our last Configure-Request's options */
	size_t req_len;
	unsigned reqs;
	bool ours_acked, theirs_acked, opened;
};

struct ipq_ent {
	uint16_t len;
	uint8_t data[IP_MAX];
};

struct tclient {
	bool lcp_req_sent;        /* our first LCP Configure-Request is out */
	struct tclient_cfg cfg;
	enum tclient_state state;
	char err[ERR_LEN];
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	uint16_t tls_version;
	uint8_t rx[RX_CAP];
	size_t rx_len;
	/* SSTP */
	uint8_t nonce[32], hash_bitmask, hash;
	int abort_status;
	bool disconnecting, cc_sent, have_nonce;
	uint8_t cc_msg[CALL_CONNECTED_LEN];
	int eap_id;               /* last EAP Request Identifier, -1: none */
	/* PPP */
	struct cp lcp, ipcp;
	uint8_t magic[4];
	bool auth_eap, acfc_ok, pfc_ok;
	struct eaptls_peer *eap;
	bool eap_failed;
	uint8_t eap_last_req[SSTP_MAX], eap_last_resp[SSTP_MAX];
	size_t eap_last_req_len, eap_last_resp_len;
	uint32_t addr, peer_addr, dns[2];
	/* IPv4 receive queue */
	struct ipq_ent ipq[IPQ_LEN];
	unsigned ipq_head, ipq_count, ip_dropped;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool terminal(const struct tclient *c)
{
	return c->state == TCLIENT_CLOSED || c->state == TCLIENT_FAILED;
}

/* The first failure wins: later ones are consequences. Returns -1. */
__attribute__((format(printf, 2, 3)))
static int fail(struct tclient *c, const char *fmt, ...)
{
	va_list ap;

	if (c->state != TCLIENT_FAILED && c->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	c->state = TCLIENT_FAILED;
	return -1;
}

static int tls_fail(struct tclient *c, const char *what)
{
	char reason[160] = "no OpenSSL reason";
	unsigned long e = ERR_peek_last_error();
	long v = c->ssl != NULL ? SSL_get_verify_result(c->ssl) : X509_V_OK;

	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	if (v != X509_V_OK)
		return fail(c, "TLS: %s: %s (verify: %s)", what, reason,
			    X509_verify_cert_error_string(v));
	return fail(c, "TLS: %s: %s", what, reason);
}

/* ---- output ---------------------------------------------------------- */

/* One SSL_write per call: several calls make several records. */
static int tls_write(struct tclient *c, const uint8_t *buf, size_t len)
{
	int n;

	if (terminal(c) || c->state == TCLIENT_TLS)
		return -1;
	ERR_clear_error();
	n = SSL_write(c->ssl, buf, (int)len);
	if (n != (int)len)
		return tls_fail(c, "SSL_write");
	return 0;
}

/* MS-SSTP 2.2.1: version 1.0, C bit, 12-bit length of the whole packet. */
static void sstp_hdr(uint8_t *p, bool control, size_t len)
{
	p[0] = 0x10;
	p[1] = control ? 1 : 0;
	put16(p + 2, (uint16_t)len);
}

static int send_control(struct tclient *c, enum sstp_msg type,
			const uint8_t *attrs, size_t attrs_len, uint16_t nattrs)
{
	uint8_t p[64];
	size_t len = 8 + attrs_len;

	if (len > sizeof(p))
		return fail(c, "internal: control message too long");
	sstp_hdr(p, true, len);
	put16(p + 4, (uint16_t)type);
	put16(p + 6, nattrs);
	if (attrs_len != 0)
		memcpy(p + 8, attrs, attrs_len);
	return tls_write(c, p, len);
}

/* RFC 1661 2 over MS-SSTP 2.2.1: FF 03, two-byte protocol, payload, one
 * frame per data packet (always uncompressed, like sstpc). */
static int send_ppp(struct tclient *c, uint16_t proto, const uint8_t *payload,
		    size_t len)
{
	uint8_t p[SSTP_MAX];

	if (len > IP_MAX)
		return fail(c, "internal: PPP frame of %zu bytes", len);
	sstp_hdr(p, false, SSTP_HDR + PPP_HDR + len);
	p[4] = 0xff;
	p[5] = 0x03;
	put16(p + 6, proto);
	if (len != 0)
		memcpy(p + 8, payload, len);
	return tls_write(c, p, SSTP_HDR + PPP_HDR + len);
}

/* An LCP/IPCP/EAP packet: code, identifier, length, data. */
static int send_cp(struct tclient *c, uint16_t proto, uint8_t code, uint8_t id,
		   const uint8_t *data, size_t len)
{
	uint8_t p[SSTP_MAX];

	if (len + 4 > IP_MAX)
		return fail(c, "internal: control packet of %zu bytes", len);
	p[0] = code;
	p[1] = id;
	put16(p + 2, (uint16_t)(len + 4));
	if (len != 0)
		memcpy(p + 4, data, len);
	return send_ppp(c, proto, p, len + 4);
}

/* ---- option negotiation (RFC 1661 5.1-5.4), shared by LCP and IPCP ---- */

static void cp_add(struct cp *cp, uint8_t type, uint8_t len, uint32_t val)
{
	struct cp_opt *o = &cp->opts[cp->nopts++];
	unsigned i;

	o->type = type;
	o->len = len;
	o->on = true;
	for (i = 0; i + 2 < len; i++)
		o->val[i] = (uint8_t)(val >> (8 * (len - 3 - i)));
}

static struct cp_opt *cp_find(struct cp *cp, uint8_t type)
{
	unsigned i;

	for (i = 0; i < cp->nopts; i++)
		if (cp->opts[i].type == type && cp->opts[i].on)
			return &cp->opts[i];
	return NULL;
}

static int cp_send_req(struct tclient *c, struct cp *cp)
{
	size_t n = 0;
	unsigned i;

	if (++cp->reqs > MAX_CONF_REQ)
		return fail(c, "%s: no agreement after %d Configure-Requests",
			    cp->name, MAX_CONF_REQ);
	for (i = 0; i < cp->nopts; i++) {
		const struct cp_opt *o = &cp->opts[i];

		if (!o->on)
			continue;
		cp->req[n] = o->type;
		cp->req[n + 1] = o->len;
		memcpy(cp->req + n + 2, o->val, o->len - 2u);
		n += o->len;
	}
	cp->req_len = n;
	cp->id++;
	cp->ours_acked = false;
	return send_cp(c, cp->proto, CONF_REQ, cp->id, cp->req, n);
}

/* Walk options: each type, length >= 2, inside the packet. Returns the
 * count, or -1 if malformed. */
static int opts_walk(const uint8_t *p, size_t len)
{
	size_t off = 0;
	int n = 0;

	while (off < len) {
		if (len - off < 2 || p[off + 1] < 2 || p[off + 1] > len - off)
			return -1;
		off += p[off + 1];
		n++;
	}
	return n;
}

/* Our request's options the server Nak'd: take its values (RFC 1661 5.3);
 * a boolean option or a Magic-Number clash cannot be "adjusted". */
static void cp_adopt(struct cp *cp, const uint8_t *o)
{
	struct cp_opt *mine = cp_find(cp, o[0]);

	if (mine == NULL)
		return; /* a hint to ask for something new: we do not */
	if (cp->proto == PROTO_LCP && o[0] == LCP_MAGIC) {
		if (RAND_bytes(mine->val, 4) != 1)
			mine->on = false;
		return;
	}
	if (mine->len != o[1] || o[1] == 2) {
		mine->on = false;
		return;
	}
	memcpy(mine->val, o + 2, o[1] - 2u);
}

/* RFC 1661 5.4: a Reject must quote options of our request unchanged. */
static int cp_drop(struct tclient *c, struct cp *cp, const uint8_t *o)
{
	struct cp_opt *mine = cp_find(cp, o[0]);

	if (mine == NULL || mine->len != o[1] ||
	    memcmp(mine->val, o + 2, o[1] - 2u) != 0)
		return fail(c, "%s: Configure-Reject quotes option %u that we did not send as is",
			    cp->name, o[0]);
	mine->on = false;
	return 0;
}

static int cp_nak_rej(struct tclient *c, struct cp *cp, uint8_t code,
		      const uint8_t *d, size_t len)
{
	size_t off;

	if (opts_walk(d, len) < 0)
		return fail(c, "%s: malformed options in Configure-%s", cp->name,
			    code == CONF_NAK ? "Nak" : "Reject");
	for (off = 0; off < len; off += d[off + 1]) {
		if (code == CONF_NAK)
			cp_adopt(cp, d + off);
		else if (cp_drop(c, cp, d + off) != 0)
			return -1;
	}
	return cp_send_req(c, cp);
}

/* RFC 1661 5.2: the Ack must repeat our request exactly. */
static int cp_ack(struct tclient *c, struct cp *cp, const uint8_t *d, size_t len)
{
	if (len != cp->req_len || memcmp(d, cp->req, len) != 0)
		return fail(c, "%s: Configure-Ack does not repeat our Configure-Request",
			    cp->name);
	cp->ours_acked = true;
	return 0;
}

enum verdict { V_ACK, V_NAK, V_REJ };

/* The server's LCP options: we take EAP as the authentication protocol,
 * and reject what we do not know. */
static enum verdict lcp_check(struct tclient *c, uint8_t *o)
{
	uint8_t len = o[1];

	switch (o[0]) {
	case LCP_MRU:
		return len == 4 ? V_ACK : V_REJ;
	case LCP_ACCM:
		return len == 6 ? V_ACK : V_REJ;
	case LCP_AUTH:
		if (len == 4 && get16(o + 2) == PROTO_EAP) {
			c->auth_eap = true;
			return V_ACK;
		}
		if (len < 4)
			return V_REJ;
		o[1] = 4; /* RFC 1661 5.3: suggest what we can do */
		put16(o + 2, PROTO_EAP);
		return V_NAK;
	case LCP_MAGIC:
		if (len != 6)
			return V_REJ;
		if (get32(o + 2) != 0 && memcmp(o + 2, c->magic, 4) != 0)
			return V_ACK;
		return RAND_bytes(o + 2, 4) == 1 ? V_NAK : V_REJ;
	case LCP_PFC:
	case LCP_ACFC:
		return len == 2 ? V_ACK : V_REJ;
	}
	return V_REJ;
}

/* The server's IPCP options: its own address, nothing else. */
static enum verdict ipcp_check(struct tclient *c, uint8_t *o)
{
	if (o[0] == IPCP_ADDR && o[1] == 6) {
		c->peer_addr = get32(o + 2);
		return V_ACK;
	}
	return V_REJ;
}

/* RFC 1661 5.1: reject beats nak beats ack; a Nak or Reject lists only the
 * options concerned. */
static int cp_their_req(struct tclient *c, struct cp *cp, uint8_t id,
			const uint8_t *d, size_t len)
{
	uint8_t nak[256], rej[256], o[256];
	size_t nak_len = 0, rej_len = 0, off;
	enum verdict v;

	if (cp->opened)
		return fail(c, "%s: the server restarted negotiation after open", cp->name);
	if (opts_walk(d, len) < 0 || len > sizeof(nak))
		return fail(c, "%s: malformed options in the server's Configure-Request",
			    cp->name);
	c->auth_eap = cp->proto == PROTO_LCP ? false : c->auth_eap;
	for (off = 0; off < len; off += d[off + 1]) {
		memcpy(o, d + off, d[off + 1]);
		v = cp->proto == PROTO_LCP ? lcp_check(c, o) : ipcp_check(c, o);
		if (v == V_REJ) {
			memcpy(rej + rej_len, d + off, d[off + 1]);
			rej_len += d[off + 1];
		} else if (v == V_NAK) {
			memcpy(nak + nak_len, o, o[1]);
			nak_len += o[1];
		}
	}
	cp->theirs_acked = rej_len == 0 && nak_len == 0;
	if (rej_len != 0)
		return send_cp(c, cp->proto, CONF_REJ, id, rej, rej_len);
	if (nak_len != 0)
		return send_cp(c, cp->proto, CONF_NAK, id, nak, nak_len);
	return send_cp(c, cp->proto, CONF_ACK, id, d, len);
}

static void lcp_opened(struct tclient *c);
static void ipcp_opened(struct tclient *c);

/* Codes 1..7, common to LCP and IPCP. */
static int cp_input(struct tclient *c, struct cp *cp, const uint8_t *p, size_t len)
{
	uint8_t code = p[0], id = p[1];
	const uint8_t *d = p + 4;
	size_t dlen = len - 4;
	int r = 0;

	if (code >= CONF_ACK && code <= CONF_REJ && id != cp->id)
		return 0; /* RFC 1661 5.2: a stale reply is silently discarded */
	switch (code) {
	case CONF_REQ:
		r = cp_their_req(c, cp, id, d, dlen);
		break;
	case CONF_ACK:
		r = cp_ack(c, cp, d, dlen);
		break;
	case CONF_NAK:
	case CONF_REJ:
		r = cp->opened ? fail(c, "%s: Configure-%s after open", cp->name,
				      code == CONF_NAK ? "Nak" : "Reject")
			       : cp_nak_rej(c, cp, code, d, dlen);
		break;
	case TERM_REQ:
		/* RFC 1661 5.5: acknowledge; SSTP ends the call after this. */
		cp->opened = cp->ours_acked = cp->theirs_acked = false;
		return send_cp(c, cp->proto, TERM_ACK, id, d, dlen);
	case TERM_ACK:
		return 0;
	case CODE_REJ:
		return fail(c, "%s: the server Code-Rejected our code %u", cp->name,
			    dlen > 0 ? d[0] : 0);
	default:
		return 1; /* not ours: the caller knows the protocol's extra codes */
	}
	if (r == 0 && !cp->opened && cp->ours_acked && cp->theirs_acked) {
		cp->opened = true;
		if (cp->proto == PROTO_LCP)
			lcp_opened(c);
		else
			ipcp_opened(c);
	}
	return r;
}

/* ---- LCP ---------------------------------------------------------------- */

static void lcp_init(struct tclient *c)
{
	struct cp *cp = &c->lcp;
	uint16_t mru = c->cfg.mru != 0 ? c->cfg.mru : 1500;

	cp->name = "LCP";
	cp->proto = PROTO_LCP;
	if (c->cfg.windows_lcp || mru != 1500)
		cp_add(cp, LCP_MRU, 4, mru);
	if (!c->cfg.windows_lcp)
		cp_add(cp, LCP_ACCM, 6, 0);
	cp_add(cp, LCP_MAGIC, 6, get32(c->magic));
	cp_add(cp, LCP_PFC, 2, 0);
	cp_add(cp, LCP_ACFC, 2, 0);
	if (c->cfg.windows_lcp)
		cp_add(cp, LCP_CALLBACK, 3, 6); /* operation 6: CBCP (Windows) */
}

static void lcp_opened(struct tclient *c)
{
	struct cp_opt *m = cp_find(&c->lcp, LCP_MAGIC);

	if (m != NULL)
		memcpy(c->magic, m->val, 4);
	c->pfc_ok = cp_find(&c->lcp, LCP_PFC) != NULL;
	c->acfc_ok = cp_find(&c->lcp, LCP_ACFC) != NULL;
	if (!c->auth_eap) {
		fail(c, "LCP: the server did not ask for EAP authentication");
		return;
	}
	c->state = TCLIENT_PPP_AUTH;
}

/* RFC 1661 5.8: Echo-Reply carries our magic; outside Opened, discard. */
static int lcp_echo(struct tclient *c, const uint8_t *p, size_t len)
{
	uint8_t d[SSTP_MAX];

	if (!c->lcp.opened)
		return 0;
	if (len < 8)
		return fail(c, "LCP: Echo-Request without a Magic-Number");
	memcpy(d, c->magic, 4);
	memcpy(d + 4, p + 8, len - 8);
	return send_cp(c, PROTO_LCP, ECHO_REP, p[1], d, len - 4);
}

static int lcp_input(struct tclient *c, const uint8_t *p, size_t len)
{
	int r;

	if (!c->lcp_req_sent && len > 0 && p[0] == CONF_REQ) {
		c->lcp_req_sent = true;
		if (cp_send_req(c, &c->lcp) != 0)
			return -1;
	}
	r = cp_input(c, &c->lcp, p, len);

	if (r != 1)
		return r;
	switch (p[0]) {
	case PROTO_REJ:
		if (len >= 6 && (get16(p + 4) == PROTO_IPCP || get16(p + 4) == PROTO_EAP))
			return fail(c, "LCP: the server Protocol-Rejected 0x%04x",
				    get16(p + 4));
		return 0;
	case ECHO_REQ:
		return lcp_echo(c, p, len);
	case ECHO_REP:
	case DISCARD_REQ:
		return 0;
	}
	/* RFC 1661 5.6: an unknown code gets a Code-Reject. */
	return send_cp(c, PROTO_LCP, CODE_REJ, ++c->lcp.id, p,
		       len > 1400 ? 1400 : len);
}

/* ---- crypto binding (MS-SSTP 3.2.5.2.3) --------------------------------- */

static int cert_hash(struct tclient *c, uint8_t out[32])
{
	X509 *x = SSL_get0_peer_certificate(c->ssl);
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len, r;

	memset(out, 0, 32);
	if (x == NULL)
		return fail(c, "TLS: the server sent no certificate");
	len = i2d_X509(x, &der);
	if (len <= 0)
		return fail(c, "TLS: cannot encode the server certificate");
	r = EVP_Digest(der, (size_t)len, out, &n,
		       c->hash == SGW_BINDING_SHA1 ? EVP_sha1() : EVP_sha256(), NULL);
	OPENSSL_free(der);
	return r == 1 ? 0 : fail(c, "internal: certificate digest failed");
}

/* MS-SSTP 2.2.10 / 2.2.5: CALL_CONNECTED with one CRYPTO_BINDING attribute;
 * the Compound MAC covers the whole message with the MAC field zero. */
static int build_call_connected(struct tclient *c, uint8_t m[CALL_CONNECTED_LEN])
{
	static const uint8_t head[16] = { 0x10, 0x01, 0x00, 0x70, 0x00, MSG_CALL_CONNECTED,
		0x00, 0x01, 0x00, ATTR_CRYPTO_BINDING, 0x00, 0x68 };
	uint8_t msk[EAPTLS_PEER_MSK_LEN], hlak[32], cmk[32], mac[32];
	int r = -1;

	memset(m, 0, CALL_CONNECTED_LEN);
	memcpy(m, head, sizeof(head));
	m[SGW_BINDING_OFF_HASH] = c->hash;
	memcpy(m + SGW_BINDING_OFF_NONCE, c->cfg.nonce != NULL ? c->cfg.nonce : c->nonce, 32);
	if (c->cfg.faults & TCLIENT_FAULT_WRONG_NONCE)
		m[SGW_BINDING_OFF_NONCE] ^= 0x01;
	if (cert_hash(c, m + SGW_BINDING_OFF_CERT_HASH) != 0)
		return -1;
	if (c->cfg.faults & TCLIENT_FAULT_WRONG_CERT_HASH)
		m[SGW_BINDING_OFF_CERT_HASH] ^= 0x01;
	if (c->eap == NULL || eaptls_peer_msk(c->eap, msk) != 0) {
		fail(c, "EAP-TLS: no MSK for the crypto binding");
		goto out;
	}
	sgw_binding_hlak(c->cfg.pppd_hlak ? SGW_HLAK_MSK_0_16_32_48 : SGW_HLAK_MSK_0_32,
			 msk, hlak);
	if (sgw_binding_cmk(c->hash, hlak, cmk) != 0 ||
	    sgw_binding_compound_mac(c->hash, cmk, m, mac) != 0) {
		fail(c, "internal: compound MAC failed");
		goto out;
	}
	memcpy(m + SGW_BINDING_OFF_MAC, mac, 32);
	if (c->cfg.faults & TCLIENT_FAULT_WRONG_MAC)
		m[SGW_BINDING_OFF_MAC] ^= 0x01;
	r = 0;
out:
	OPENSSL_cleanse(msk, sizeof(msk));
	OPENSSL_cleanse(hlak, sizeof(hlak));
	OPENSSL_cleanse(cmk, sizeof(cmk));
	return r;
}

static int send_call_connected(struct tclient *c)
{
	uint8_t m[CALL_CONNECTED_LEN];

	if (c->cc_sent || (c->cfg.faults & TCLIENT_FAULT_NO_CALL_CONNECTED))
		return 0;
	if (build_call_connected(c, m) != 0)
		return -1;
	c->cc_sent = true;
	memcpy(c->cc_msg, m, sizeof(m));
	if ((c->cfg.faults & TCLIENT_FAULT_CALL_CONNECTED_TWICE) && tls_write(c, m, sizeof(m)) != 0)
		return -1;
	return tls_write(c, m, sizeof(m));
}

/* TCLIENT_FAULT_CALL_CONNECTED_BEFORE_AUTH: no MSK exists yet, so the
 * Compound MAC can only be made up (zero here). */
static int send_forged_call_connected(struct tclient *c)
{
	static const uint8_t head[16] = { 0x10, 0x01, 0x00, 0x70, 0x00, MSG_CALL_CONNECTED,
		0x00, 0x01, 0x00, ATTR_CRYPTO_BINDING, 0x00, 0x68 };
	uint8_t *m = c->cc_msg;

	memset(m, 0, CALL_CONNECTED_LEN);
	memcpy(m, head, sizeof(head));
	m[SGW_BINDING_OFF_HASH] = c->hash;
	memcpy(m + SGW_BINDING_OFF_NONCE, c->nonce, 32);
	if (cert_hash(c, m + SGW_BINDING_OFF_CERT_HASH) != 0)
		return -1;
	c->cc_sent = true;
	return tls_write(c, m, CALL_CONNECTED_LEN);
}

/* TCLIENT_FAULT_IP_BEFORE_CONNECTED: an ICMP echo from 0.0.0.0 (we have no
 * address yet) that the server must not forward. */
static int send_early_ip(struct tclient *c)
{
	static const uint8_t pkt[28] = {
		0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01,
		0x00, 0x00, 0, 0, 0, 0, 10, 0, 0, 1,
		0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
	};

	return send_ppp(c, PROTO_IPV4, pkt, sizeof(pkt));
}

/* ---- EAP (RFC 3748) peer -------------------------------------------------- */

static void ipcp_start(struct tclient *c);

static int eap_respond(struct tclient *c, uint8_t id, uint8_t type,
		       const uint8_t *d, size_t len)
{
	uint8_t *p = c->eap_last_resp;

	if (len + 5 > IP_MAX)
		return fail(c, "internal: EAP response of %zu bytes", len);
	p[0] = EAP_RESPONSE;
	p[1] = id;
	put16(p + 2, (uint16_t)(len + 5));
	p[4] = type;
	if (len != 0)
		memcpy(p + 5, d, len);
	c->eap_last_resp_len = len + 5;
	return send_ppp(c, PROTO_EAP, p, len + 5);
}

static int eap_tls(struct tclient *c, uint8_t id, const uint8_t *d, size_t len)
{
	struct eaptls_peer_cfg pc = {
		.cert_file = c->cfg.cert_file, .key_file = c->cfg.key_file,
		.chain_file = c->cfg.chain_file, .ca_file = c->cfg.eap_ca_file,
		.tls_max = c->cfg.eap_tls_max, .frag = c->cfg.eap_frag,
		.pppd_249 = c->cfg.pppd_249,
	};
	uint8_t out[SSTP_MAX];
	size_t n;

	if (c->eap == NULL && (c->eap = eaptls_peer_create(&pc)) == NULL)
		return fail(c, "EAP-TLS: cannot set up the TLS client (certificate or key files?)");
	if (eaptls_peer_input(c->eap, d, len, out, sizeof(out) - 8, &n) != EAPTLS_PEER_SEND)
		return fail(c, "%s", eaptls_peer_error(c->eap));
	/* pppd 2.4.9 without a ticket: its eaptls_send() finds nothing to
	 * send and returns before writing the Type. */
	if (c->cfg.pppd_249 && n == 1 && out[0] == 0 &&
	    eaptls_peer_commitment_seen(c->eap) && eaptls_peer_tickets(c->eap) == 0) {
		c->eap_last_resp[0] = EAP_RESPONSE;
		c->eap_last_resp[1] = id;
		put16(c->eap_last_resp + 2, 4);
		c->eap_last_resp_len = 4;
		return send_ppp(c, PROTO_EAP, c->eap_last_resp, 4);
	}
	/* Early: CALL_CONNECTED goes out before the Response that lets the
	 * server finish EAP, so the server must keep it and verify it later. */
	if ((c->cfg.faults & TCLIENT_FAULT_CALL_CONNECTED_EARLY) &&
	    eaptls_peer_handshake_done(c->eap) && !c->cc_sent &&
	    send_call_connected(c) != 0)
		return -1;
	return eap_respond(c, id, EAP_TLS, out, n);
}

static int eap_request(struct tclient *c, const uint8_t *p, size_t len)
{
	static const uint8_t want_tls = EAP_TLS;
	const char *ident = c->cfg.identity != NULL ? c->cfg.identity : "client1";

	if (len < 5)
		return fail(c, "EAP: Request without a Type");
	/* RFC 3748 4.1: a retransmission gets the same response again; a new
	 * request must carry a new Identifier. */
	if (c->eap_last_req_len != 0 && p[1] == c->eap_last_req[1]) {
		if (len == c->eap_last_req_len && memcmp(p, c->eap_last_req, len) == 0)
			return c->cfg.eap_hold && p[4] == EAP_TLS ? 0 :
			       send_ppp(c, PROTO_EAP, c->eap_last_resp, c->eap_last_resp_len);
		return fail(c, "EAP: a new Request reuses Identifier %u", p[1]);
	}
	memcpy(c->eap_last_req, p, len);
	c->eap_last_req_len = len;
	c->eap_id = p[1];
	if (c->cfg.eap_hold && p[4] == EAP_TLS)
		return 0;
	switch (p[4]) {
	case EAP_IDENTITY:
		return eap_respond(c, p[1], EAP_IDENTITY, (const uint8_t *)ident,
				   strlen(ident));
	case EAP_NOTIFICATION:
		return eap_respond(c, p[1], EAP_NOTIFICATION, NULL, 0);
	case EAP_TLS:
		return eap_tls(c, p[1], p + 5, len - 5);
	case EAP_NAK:
		return fail(c, "EAP: Nak in a Request");
	}
	/* RFC 3748 5.3.1: Legacy Nak, proposing EAP-TLS. */
	return eap_respond(c, p[1], EAP_NAK, &want_tls, 1);
}

static int eap_success(struct tclient *c)
{
	if (c->eap == NULL || !eaptls_peer_handshake_done(c->eap))
		return fail(c, "EAP: Success before the EAP-TLS handshake finished%s%s",
			    c->eap != NULL ? ": " : "",
			    c->eap != NULL ? eaptls_peer_tls_error(c->eap) : "");
	if (!eaptls_peer_may_succeed(c->eap))
		return fail(c, "EAP: Success before our TLS 1.3 handshake was finished (%s)",
			    c->cfg.pppd_249 ? "pppd 2.4.9 waits for a ticket" : "no commitment byte, RFC 9190 2.1.1");
	if ((c->cfg.faults & TCLIENT_FAULT_IP_BEFORE_CONNECTED) && send_early_ip(c) != 0)
		return -1;
	/* sstpc: CALL_CONNECTED right after authentication, before IPCP. */
	if (send_call_connected(c) != 0)
		return -1;
	c->state = TCLIENT_PPP_IPCP;
	ipcp_start(c);
	return terminal(c) ? -1 : 0;
}

static int eap_input(struct tclient *c, const uint8_t *p, size_t len)
{
	if (c->state == TCLIENT_PPP_LCP)
		return fail(c, "EAP: packet before LCP opened");
	if (c->state != TCLIENT_PPP_AUTH)
		return fail(c, "EAP: code %u after authentication", p[0]);
	switch (p[0]) {
	case EAP_REQUEST:
		return eap_request(c, p, len);
	case EAP_SUCCESS:
		return eap_success(c);
	case EAP_FAILURE:
		c->eap_failed = true;
		if (c->eap != NULL && eaptls_peer_tls_error(c->eap)[0] != '\0')
			return fail(c, "EAP-Failure (our TLS: %s)", eaptls_peer_tls_error(c->eap));
		return fail(c, "EAP-Failure");
	}
	return fail(c, "EAP: code %u from the server", p[0]);
}

/* ---- IPCP (RFC 1332, RFC 1877) -------------------------------------------- */

static void ipcp_start(struct tclient *c)
{
	struct cp *cp = &c->ipcp;

	cp->name = "IPCP";
	cp->proto = PROTO_IPCP;
	cp_add(cp, IPCP_ADDR, 6, 0);
	cp_add(cp, IPCP_DNS1, 6, 0);
	cp_add(cp, IPCP_DNS2, 6, 0);
	(void)cp_send_req(c, cp);
}

static uint32_t opt_addr(struct cp *cp, uint8_t type)
{
	struct cp_opt *o = cp_find(cp, type);

	return o != NULL ? get32(o->val) : 0;
}

static void ipcp_opened(struct tclient *c)
{
	c->addr = opt_addr(&c->ipcp, IPCP_ADDR);
	c->dns[0] = opt_addr(&c->ipcp, IPCP_DNS1);
	c->dns[1] = opt_addr(&c->ipcp, IPCP_DNS2);
	if (c->addr == 0) {
		fail(c, "IPCP: opened without an address for us");
		return;
	}
	c->state = TCLIENT_UP;
	if (!(c->cfg.faults & TCLIENT_FAULT_RENEGOTIATE))
		return;
	/* The server must refuse this (PROTOCOL.md: SSL_OP_NO_RENEGOTIATION). */
	if (c->tls_version != TLS1_2_VERSION) {
		fail(c, "TLS: renegotiation needs TLS 1.2");
		return;
	}
	ERR_clear_error();
	if (SSL_renegotiate(c->ssl) != 1)
		tls_fail(c, "SSL_renegotiate");
	else
		(void)SSL_do_handshake(c->ssl);
}

static int ipcp_input(struct tclient *c, const uint8_t *p, size_t len)
{
	int r;

	if (c->state != TCLIENT_PPP_IPCP && c->state != TCLIENT_UP)
		return fail(c, "IPCP: packet before authentication finished");
	r = cp_input(c, &c->ipcp, p, len);
	if (r != 1)
		return r;
	return send_cp(c, PROTO_IPCP, CODE_REJ, ++c->ipcp.id, p,
		       len > 1400 ? 1400 : len);
}

/* ---- PPP demultiplexing ---------------------------------------------- */

static int ip_input(struct tclient *c, const uint8_t *p, size_t len)
{
	struct ipq_ent *e;

	if (c->state != TCLIENT_UP)
		return fail(c, "PPP: IPv4 frame before IPCP opened");
	if (c->ipq_count == IPQ_LEN) {
		c->ip_dropped++;
		return 0;
	}
	e = &c->ipq[(c->ipq_head + c->ipq_count++) % IPQ_LEN];
	e->len = (uint16_t)len;
	memcpy(e->data, p, len);
	return 0;
}

/* LCP, EAP, IPCP share one header: code, id, length (RFC 1661 5). */
static int ctl_input(struct tclient *c, uint16_t proto, const uint8_t *p, size_t len)
{
	if (len < 4 || get16(p + 2) != len)
		return fail(c, "PPP: protocol 0x%04x packet length %u in a %zu-byte frame",
			    proto, len >= 4 ? get16(p + 2) : 0, len);
	if (proto == PROTO_LCP)
		return lcp_input(c, p, len);
	if (proto == PROTO_EAP)
		return eap_input(c, p, len);
	return ipcp_input(c, p, len);
}

static int ppp_input(struct tclient *c, const uint8_t *p, size_t len)
{
	uint16_t proto;
	uint8_t rej[1402];

	if (len >= 2 && p[0] == 0xff && p[1] == 0x03) {
		p += 2;
		len -= 2;
	} else if (!c->acfc_ok) {
		return fail(c, "PPP: frame without FF 03 (ACFC not negotiated)");
	}
	if (len >= 1 && (p[0] & 1) && c->pfc_ok) {
		proto = p[0];
		p++;
		len--;
	} else if (len >= 2) {
		proto = get16(p);
		p += 2;
		len -= 2;
	} else {
		return fail(c, "PPP: frame of %zu bytes", len);
	}
	if (proto == PROTO_LCP || proto == PROTO_EAP || proto == PROTO_IPCP)
		return ctl_input(c, proto, p, len);
	if (proto == PROTO_IPV4)
		return ip_input(c, p, len);
	if (!c->lcp.opened)
		return 0; /* RFC 1661 3.4: discard before LCP is open */
	/* RFC 1661 5.7: Protocol-Reject anything else (IPv6CP, CCP...). */
	len = len > sizeof(rej) - 2 ? sizeof(rej) - 2 : len;
	put16(rej, proto);
	memcpy(rej + 2, p, len);
	return send_cp(c, PROTO_LCP, PROTO_REJ, ++c->lcp.id, rej, len + 2);
}

/* ---- SSTP control messages (MS-SSTP 2.2) ------------------------------ */

struct attr {
	uint8_t id;
	uint16_t len; /* value bytes */
	const uint8_t *val;
};

struct ctl {
	uint16_t type, nattrs;
	size_t len;
	struct attr a[MAX_ATTRS];
};

static int status_of(struct tclient *c, const struct ctl *m, const char *what)
{
	unsigned i;

	for (i = 0; i < m->nattrs && i < MAX_ATTRS; i++) {
		if (m->a[i].id != ATTR_STATUS_INFO)
			continue;
		if (m->a[i].len < 8)
			return fail(c, "SSTP: %s STATUS_INFO of %u bytes", what, m->a[i].len);
		c->abort_status = (int)get32(m->a[i].val + 4);
		return 0;
	}
	return 0;
}

/* MS-SSTP 2.2.11; sstpc insists on exactly 48 bytes and 36 value bytes. */
static int on_connect_ack(struct tclient *c, const struct ctl *m)
{
	uint8_t offered;

	if (c->state != TCLIENT_SSTP_CONNECT)
		return fail(c, "SSTP: CALL_CONNECT_ACK in state %s", tclient_state_str(c->state));
	if (m->len != CONNECT_ACK_LEN || m->nattrs != 1 ||
	    m->a[0].id != ATTR_CRYPTO_BINDING_REQ || m->a[0].len != BINDING_REQ_LEN)
		return fail(c, "SSTP: CALL_CONNECT_ACK of %zu bytes, %u attributes (sstpc wants 48 bytes, one 36-byte CRYPTO_BINDING_REQ)",
			    m->len, m->nattrs);
	offered = m->a[0].val[3];
	c->hash_bitmask = offered;
	memcpy(c->nonce, m->a[0].val + 4, 32);
	c->have_nonce = true;
	if (c->cfg.hash_pref != 0)
		c->hash = (offered & c->cfg.hash_pref) ? c->cfg.hash_pref : 0;
	else
		c->hash = (offered & SGW_BINDING_SHA256) ? SGW_BINDING_SHA256 :
			  (offered & SGW_BINDING_SHA1) ? SGW_BINDING_SHA1 : 0;
	if (c->hash == 0)
		return fail(c, "SSTP: no usable hash in bitmask 0x%02x", offered);
	c->state = TCLIENT_PPP_LCP;
	if ((c->cfg.faults & TCLIENT_FAULT_CALL_CONNECTED_BEFORE_AUTH) &&
	    send_forged_call_connected(c) != 0)
		return -1;
	if (c->cfg.lcp_passive)
		return 0; /* our request follows the server's (lcp_input) */
	c->lcp_req_sent = true;
	return cp_send_req(c, &c->lcp);
}

/* The error line for an abort or a refusal: "status N" from STATUS_INFO. */
static int refused(struct tclient *c, const struct ctl *m, const char *what)
{
	if (status_of(c, m, what) != 0)
		return -1;
	if (c->abort_status < 0)
		return fail(c, "server sent %s without STATUS_INFO", what);
	return fail(c, "server sent %s status %u", what, (unsigned)c->abort_status);
}

static int on_abort(struct tclient *c, const struct ctl *m)
{
	return refused(c, m, "CALL_ABORT");
}

static int on_connect_nak(struct tclient *c, const struct ctl *m)
{
	return refused(c, m, "CALL_CONNECT_NAK");
}

static void close_tls(struct tclient *c)
{
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
}

/* MS-SSTP 3.1.5.2: acknowledge, then the call is over. */
static int on_disconnect(struct tclient *c, const struct ctl *m)
{
	if (status_of(c, m, "CALL_DISCONNECT") != 0)
		return -1;
	if (send_control(c, MSG_CALL_DISCONNECT_ACK, NULL, 0, 0) != 0)
		return -1;
	close_tls(c);
	c->state = TCLIENT_CLOSED;
	return 0;
}

static int on_disconnect_ack(struct tclient *c, const struct ctl *m)
{
	(void)m;
	if (!c->disconnecting)
		return fail(c, "SSTP: CALL_DISCONNECT_ACK without CALL_DISCONNECT");
	close_tls(c);
	c->state = TCLIENT_CLOSED;
	return 0;
}

static int on_echo(struct tclient *c, const struct ctl *m)
{
	(void)m;
	return send_control(c, MSG_ECHO_RESPONSE, NULL, 0, 0);
}

static int on_echo_response(struct tclient *c, const struct ctl *m)
{
	(void)c;
	(void)m;
	return 0;
}

typedef int (*ctl_fn)(struct tclient *c, const struct ctl *m);

/* Messages a server may send; the client's own (1, 4) are refused. */
static const ctl_fn ctl_table[MSG_COUNT] = {
	[MSG_CALL_CONNECT_ACK] = on_connect_ack,
	[MSG_CALL_CONNECT_NAK] = on_connect_nak,
	[MSG_CALL_ABORT] = on_abort,
	[MSG_CALL_DISCONNECT] = on_disconnect,
	[MSG_CALL_DISCONNECT_ACK] = on_disconnect_ack,
	[MSG_ECHO_REQUEST] = on_echo,
	[MSG_ECHO_RESPONSE] = on_echo_response,
};

/* MS-SSTP 2.2.3 / 2.2.4: attributes fill the message exactly. */
static int parse_ctl(struct tclient *c, const uint8_t *p, size_t len, struct ctl *m)
{
	size_t off = 8;
	unsigned i;
	uint16_t alen;

	if (len < 8)
		return fail(c, "SSTP: control packet of %zu bytes", len);
	m->len = len;
	m->type = get16(p + 4);
	m->nattrs = get16(p + 6);
	if (m->nattrs > MAX_ATTRS)
		return fail(c, "SSTP: %u attributes in message %u", m->nattrs, m->type);
	for (i = 0; i < m->nattrs; i++) {
		if (len - off < 4)
			return fail(c, "SSTP: attribute %u past the end of message %u", i, m->type);
		alen = get16(p + off + 2);
		if (p[off] != 0 || (alen & 0xf000) != 0 || alen < 4 || alen > len - off)
			return fail(c, "SSTP: bad attribute header in message %u", m->type);
		m->a[i] = (struct attr){ p[off + 1], (uint16_t)(alen - 4), p + off + 4 };
		off += alen;
	}
	if (off != len)
		return fail(c, "SSTP: %zu bytes after the attributes of message %u",
			    len - off, m->type);
	return 0;
}

static int control_input(struct tclient *c, const uint8_t *p, size_t len)
{
	struct ctl m;

	if (parse_ctl(c, p, len, &m) != 0)
		return -1;
	if (m.type >= MSG_COUNT || ctl_table[m.type] == NULL)
		return fail(c, "SSTP: message type %u from the server", m.type);
	return ctl_table[m.type](c, &m);
}

/* MS-SSTP 2.2.1; one packet at the start of rx, or 0 if incomplete.
 * Returns its length, or -1 on failure. */
static int sstp_one(struct tclient *c)
{
	const uint8_t *p = c->rx;
	size_t len;
	int r;

	if (c->rx_len < SSTP_HDR)
		return 0;
	if (p[0] != 0x10 || (p[1] & 0xfe) != 0 || (p[2] & 0xf0) != 0)
		return fail(c, "SSTP: bad header %02x %02x %02x %02x", p[0], p[1], p[2], p[3]);
	len = get16(p + 2);
	if (len < SSTP_HDR)
		return fail(c, "SSTP: packet length %zu", len);
	if (c->rx_len < len)
		return 0;
	if (p[1] & 1)
		r = control_input(c, p, len);
	else if (c->state == TCLIENT_SSTP_CONNECT)
		r = fail(c, "SSTP: data packet before CALL_CONNECT_ACK");
	else
		r = ppp_input(c, p + SSTP_HDR, len - SSTP_HDR);
	return r != 0 ? -1 : (int)len;
}

static void rx_consume(struct tclient *c, size_t n)
{
	memmove(c->rx, c->rx + n, c->rx_len - n);
	c->rx_len -= n;
}

/* ---- HTTP (MS-SSTP 2.2.1 and 3.2.4.1; sstpc's checks) --------------------- */

static const char http_request[] =
	"SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
	"Host: %s\r\n"
	"Content-Length: 18446744073709551615\r\n"
	"SSTPCORRELATIONID: {62833CAB-6C0C-4DB9-A23F-0DE57A93EB5B}\r\n\r\n";

static int check_header(struct tclient *c, const char *line, size_t len)
{
	static const char cl[] = "Content-Length:";
	static const char want[] = "18446744073709551615";
	size_t i = sizeof(cl) - 1, end = len;

	if (len < i || strncasecmp(line, cl, i) != 0)
		return 0;
	while (i < end && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	if (end - i != sizeof(want) - 1 || memcmp(line + i, want, end - i) != 0)
		return fail(c, "HTTP: Content-Length '%.*s' (sstpc wants %s)",
			    (int)(end - i > 40 ? 40 : end - i), line + i, want);
	return 0;
}

static int http_response(struct tclient *c, const char *h, size_t hlen)
{
	const char *line = h, *eol;
	int code;

	if (hlen < 12 || memcmp(h, "HTTP/1.1 ", 9) != 0 ||
	    sscanf(h + 9, "%3d", &code) != 1)
		return fail(c, "HTTP: bad status line '%.*s'",
			    (int)(hlen > 40 ? 40 : hlen), h);
	if (code != 200)
		return fail(c, "HTTP: got %d", code);
	while ((eol = memchr(line, '\r', (size_t)(h + hlen - line))) != NULL) {
		if (line != h && check_header(c, line, (size_t)(eol - line)) != 0)
			return -1;
		line = eol + 2;
	}
	return 0;
}

static int http_input(struct tclient *c)
{
	const uint8_t *end = NULL;
	size_t i, hlen;
	static const uint8_t call_connect_request[14] = {
		0x10, 0x01, 0x00, 0x0e, 0x00, MSG_CALL_CONNECT_REQUEST, 0x00, 0x01,
		0x00, ATTR_ENCAPSULATED_PROTOCOL_ID, 0x00, 0x06, 0x00, 0x01,
	};

	for (i = 0; i + 4 <= c->rx_len && end == NULL; i++)
		if (memcmp(c->rx + i, "\r\n\r\n", 4) == 0)
			end = c->rx + i;
	if (end == NULL)
		return c->rx_len >= HTTP_MAX ? fail(c, "HTTP: no end of headers in %d bytes", HTTP_MAX) : 0;
	hlen = (size_t)(end - c->rx) + 2; /* keep the last line's CR LF */
	if (http_response(c, (const char *)c->rx, hlen) != 0)
		return -1;
	rx_consume(c, hlen + 2);
	c->state = TCLIENT_SSTP_CONNECT;
	return tls_write(c, call_connect_request, sizeof(call_connect_request));
}

/* Everything read so far, as far as it goes. */
static void consume(struct tclient *c)
{
	int n;
	unsigned i;

	if (c->state == TCLIENT_HTTP && http_input(c) != 0)
		return;
	for (i = 0; i < RX_CAP && c->state >= TCLIENT_SSTP_CONNECT && !terminal(c); i++) {
		n = sstp_one(c);
		if (n <= 0)
			return;
		rx_consume(c, (size_t)n);
	}
}

/* ---- TLS driving ------------------------------------------------------ */

static int tls_up(struct tclient *c)
{
	char req[sizeof(http_request) + 256];
	int n;

	c->tls_version = (uint16_t)SSL_version(c->ssl);
	c->state = TCLIENT_HTTP;
	if (c->cfg.http_request != NULL)
		return tls_write(c, (const uint8_t *)c->cfg.http_request,
				 strlen(c->cfg.http_request));
	n = snprintf(req, sizeof(req), http_request,
		     c->cfg.host != NULL ? c->cfg.host : "sstpgw.test");
	if (n < 0 || (size_t)n >= sizeof(req))
		return fail(c, "internal: HTTP Host too long");
	return tls_write(c, (const uint8_t *)req, (size_t)n);
}

static void read_all(struct tclient *c)
{
	unsigned i;
	int n, e;

	for (i = 0; i < READS_PER_INPUT && !terminal(c); i++) {
		ERR_clear_error();
		n = SSL_read(c->ssl, c->rx + c->rx_len, (int)(RX_CAP - c->rx_len));
		if (n > 0) {
			c->rx_len += (size_t)n;
			consume(c);
			continue;
		}
		e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_WANT_READ)
			return;
		if (e == SSL_ERROR_ZERO_RETURN) {
			if (c->disconnecting)
				fail(c, "TLS: close_notify without CALL_DISCONNECT_ACK");
			else
				fail(c, "TLS: the server sent close_notify in state %s",
				     tclient_state_str(c->state));
			return;
		}
		tls_fail(c, "read");
		return;
	}
}

static void drive(struct tclient *c)
{
	int r;

	if (c->state == TCLIENT_TLS) {
		ERR_clear_error();
		r = SSL_do_handshake(c->ssl);
		if (r != 1) {
			if (SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ)
				tls_fail(c, "handshake");
			return;
		}
		if (tls_up(c) != 0)
			return;
	}
	read_all(c);
}

static int tls_setup(struct tclient *c)
{
	const struct tclient_cfg *cfg = &c->cfg;

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL ||
	    SSL_CTX_set_min_proto_version(c->ctx, cfg->tls_min ? cfg->tls_min : TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(c->ctx, cfg->tls_max ? cfg->tls_max : TLS1_3_VERSION) != 1)
		return -1;
	/* TLS 1.0/1.1 offers (abuse tests): OpenSSL 3 refuses them below
	 * security level 0. */
	if (cfg->tls_max != 0 && cfg->tls_max < TLS1_2_VERSION &&
	    SSL_CTX_set_cipher_list(c->ctx, "DEFAULT:@SECLEVEL=0") != 1)
		return -1;
	if (cfg->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(c->ctx, cfg->ca_file, NULL) != 1)
			return -1;
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	}
	c->ssl = SSL_new(c->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		return -1;
	}
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	/* sstpc sends SNI only with --tls-ext. */
	if (cfg->sni != NULL && SSL_set_tlsext_host_name(c->ssl, cfg->sni) != 1)
		return -1;
	SSL_set_connect_state(c->ssl);
	return 0;
}

/* ---- API ---------------------------------------------------------------- */

struct tclient *tclient_create(const struct tclient_cfg *cfg)
{
	struct tclient *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cfg = *cfg;
	c->abort_status = -1;
	c->eap_id = -1;
	if (RAND_bytes(c->magic, sizeof(c->magic)) != 1 || tls_setup(c) != 0) {
		ERR_clear_error();
		tclient_destroy(c);
		return NULL;
	}
	lcp_init(c);
	c->state = TCLIENT_TLS;
	drive(c); /* the ClientHello */
	return c;
}

void tclient_destroy(struct tclient *c)
{
	if (c == NULL)
		return;
	eaptls_peer_destroy(c->eap);
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

int tclient_input(struct tclient *c, const uint8_t *in, size_t len)
{
	if (c->state == TCLIENT_FAILED)
		return -1;
	if (c->state == TCLIENT_CLOSED)
		return 0;
	if (len != 0 && BIO_write(c->rbio, in, (int)len) != (int)len)
		return fail(c, "internal: BIO_write");
	drive(c);
	return c->state == TCLIENT_FAILED ? -1 : 0;
}

size_t tclient_output(struct tclient *c, uint8_t *out, size_t cap)
{
	int n;

	if (cap == 0 || BIO_ctrl_pending(c->wbio) == 0)
		return 0;
	n = BIO_read(c->wbio, out, cap > INT32_MAX ? INT32_MAX : (int)cap);
	return n > 0 ? (size_t)n : 0;
}

enum tclient_state tclient_state(const struct tclient *c)
{
	return c->state;
}

const char *tclient_state_str(enum tclient_state s)
{
	static const char *const names[] = {
		[TCLIENT_TLS] = "TLS", [TCLIENT_HTTP] = "HTTP",
		[TCLIENT_SSTP_CONNECT] = "SSTP_CONNECT", [TCLIENT_PPP_LCP] = "PPP_LCP",
		[TCLIENT_PPP_AUTH] = "PPP_AUTH", [TCLIENT_PPP_IPCP] = "PPP_IPCP",
		[TCLIENT_UP] = "UP", [TCLIENT_CLOSED] = "CLOSED",
		[TCLIENT_FAILED] = "FAILED",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]) || names[s] == NULL)
		return "?";
	return names[s];
}

const char *tclient_error(const struct tclient *c)
{
	return c->err;
}

/* What IPCP gave us; kept after the call ends so a test can still read it. */
uint32_t tclient_addr(const struct tclient *c)
{
	return c->addr;
}

uint32_t tclient_peer_addr(const struct tclient *c)
{
	return c->peer_addr;
}

uint32_t tclient_dns(const struct tclient *c, unsigned i)
{
	return i < 2 ? c->dns[i] : 0;
}

int tclient_abort_status(const struct tclient *c)
{
	return c->abort_status;
}

bool tclient_eap_failed(const struct tclient *c)
{
	return c->eap_failed;
}

uint8_t tclient_hash_used(const struct tclient *c)
{
	return c->hash;
}

uint16_t tclient_tls_version(const struct tclient *c)
{
	return c->tls_version;
}

uint16_t tclient_eap_tls_version(const struct tclient *c)
{
	return c->eap != NULL ? eaptls_peer_version(c->eap) : 0;
}

unsigned tclient_eap_frags_sent(const struct tclient *c)
{
	return c->eap != NULL ? eaptls_peer_frags_sent(c->eap) : 0;
}

unsigned tclient_eap_frags_acked(const struct tclient *c)
{
	return c->eap != NULL ? eaptls_peer_frags_acked(c->eap) : 0;
}

bool tclient_call_connected_sent(const struct tclient *c)
{
	return c->cc_sent;
}

unsigned tclient_ip_dropped(const struct tclient *c)
{
	return c->ip_dropped;
}

int tclient_send_ip(struct tclient *c, const uint8_t *pkt, size_t len)
{
	/* Allowed from LCP on, so abuse tests can send IP before UP. */
	if (c->state < TCLIENT_PPP_LCP || terminal(c) || len == 0 || len > IP_MAX)
		return -1;
	return send_ppp(c, PROTO_IPV4, pkt, len);
}

size_t tclient_recv_ip(struct tclient *c, uint8_t *out, size_t cap)
{
	const struct ipq_ent *e;

	if (c->ipq_count == 0)
		return 0;
	e = &c->ipq[c->ipq_head];
	if (e->len > cap)
		return 0;
	memcpy(out, e->data, e->len);
	c->ipq_head = (c->ipq_head + 1) % IPQ_LEN;
	c->ipq_count--;
	return e->len;
}

void tclient_disconnect(struct tclient *c, bool close_only)
{
	/* MS-SSTP 2.2.6: STATUS_INFO, AttribId 0, Status NO_ERROR. */
	static const uint8_t status[12] = { 0x00, ATTR_STATUS_INFO, 0x00, 0x0c };

	if (terminal(c))
		return;
	if (close_only || c->state < TCLIENT_SSTP_CONNECT) {
		close_tls(c);
		c->state = TCLIENT_CLOSED;
		return;
	}
	if (send_control(c, MSG_CALL_DISCONNECT, status, sizeof(status), 1) == 0)
		c->disconnecting = true;
}

int tclient_send_sstp_raw(struct tclient *c, const uint8_t *pkt, size_t len)
{
	if (len == 0 || len > SGW_TLS_MAX_PLAINTEXT)
		return -1;
	return tls_write(c, pkt, len);
}

int tclient_send_tls_raw(struct tclient *c, const uint8_t *bytes, size_t len)
{
	if (len == 0 || len > INT32_MAX)
		return -1;
	return BIO_write(c->wbio, bytes, (int)len) == (int)len ? 0 : -1;
}

int tclient_send_ppp_raw(struct tclient *c, uint16_t proto, const uint8_t *payload,
			 size_t len)
{
	if (c->state < TCLIENT_PPP_LCP || terminal(c))
		return -1;
	return send_ppp(c, proto, payload, len);
}

int tclient_eap_id(const struct tclient *c)
{
	return c->eap_id;
}

bool tclient_nonce(const struct tclient *c, uint8_t *out)
{
	if (!c->have_nonce)
		return false;
	memcpy(out, c->nonce, sizeof(c->nonce));
	return true;
}

size_t tclient_call_connected_msg(const struct tclient *c, uint8_t *out, size_t cap)
{
	if (!c->cc_sent || cap < CALL_CONNECTED_LEN)
		return 0;
	memcpy(out, c->cc_msg, CALL_CONNECTED_LEN);
	return CALL_CONNECTED_LEN;
}
