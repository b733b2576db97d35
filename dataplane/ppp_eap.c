/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP authenticator (RFC 3748) with EAP-TLS (RFC 5216) behind a table of
 * functions (struct sgw_ppp_auth_ops; by default crypto/eaptls.h).
 *
 * Request/Identity -> Response/Identity (kept, bounded) -> Request/EAP-TLS
 * Start -> one Request per Response until the authenticator says SUCCESS
 * (EAP-Success) or FAILURE (EAP-Failure). One Request is outstanding at a
 * time (RFC 3748 4.1): a Response with another Identifier is a duplicate or
 * stale and is silently discarded; the Request is retransmitted on a timer.
 * Success and Failure are never retransmitted (RFC 3748 4.2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/eaptls.h"
#include "dataplane/ppp_internal.h"

/* The default authenticator: crypto/eaptls.h, configured from cfg. */
static void *tls_create(void *ctx, size_t max_frag)
{
	const struct sgw_ppp_config *cfg = ctx;

	if (cfg->policy != NULL)
		return sgw_eaptls_create_policy(cfg->tls, cfg->policy, max_frag);
	return sgw_eaptls_create(cfg->tls, cfg->trust, cfg->revoked, max_frag);
}

static void tls_destroy(void *a)
{
	sgw_eaptls_destroy(a);
}

static size_t tls_start(void *a, uint8_t *out, size_t cap)
{
	return sgw_eaptls_start(a, out, cap);
}

static enum sgw_eaptls_status tls_input(void *a, const uint8_t *in,
					size_t in_len, uint8_t *out, size_t cap,
					size_t *out_len)
{
	return sgw_eaptls_input(a, in, in_len, out, cap, out_len);
}

static int tls_keys(const void *a, uint8_t msk[SGW_EAP_MSK_LEN],
		    uint8_t emsk[SGW_EAP_EMSK_LEN])
{
	return sgw_eaptls_keys(a, msk, emsk);
}

static uint16_t tls_version(const void *a)
{
	return (uint16_t)sgw_eaptls_version(a);
}

static int tls_msk_compat(const void *a, uint8_t msk[SGW_EAP_MSK_LEN])
{
	return sgw_eaptls_msk_compat(a, msk);
}

static const struct sgw_x509_result *tls_peer(const void *a)
{
	return sgw_eaptls_peer(a);
}

static const char *tls_error(const void *a)
{
	return sgw_eaptls_error(a);
}

const struct sgw_ppp_auth_ops ppp_eaptls_ops = {
	.create = tls_create,
	.destroy = tls_destroy,
	.start = tls_start,
	.input = tls_input,
	.keys = tls_keys,
	.version = tls_version,
	.msk_compat = tls_msk_compat,
	.peer = tls_peer,
	.error = tls_error,
};

enum {
	/* Where a Request's Type-Data starts in e->frame. */
	REQ_DATA = PPP_HDR_LEN + EAP_HDR_LEN + 1,
};

static void eap_hdr(uint8_t *frame, uint8_t code, uint8_t id, size_t eap_len)
{
	frame[0] = PPP_ADDRESS;
	frame[1] = PPP_CONTROL;
	sgw_put16(frame + 2, PPP_PROTO_EAP);
	frame[4] = code;
	frame[5] = id;
	sgw_put16(frame + 6, (uint16_t)eap_len);
}

static void timer_arm(struct sgw_ppp *p)
{
	p->eap->timer_on = true;
	p->eap->deadline = p->now + SGW_EAP_RETRANSMIT_MS;
}

/* The next Request, its Type-Data already at e->frame + REQ_DATA. */
static void send_request(struct sgw_ppp *p, uint8_t type, size_t data_len)
{
	struct ppp_eap *e = p->eap;

	e->id++;
	eap_hdr(e->frame, EAP_REQUEST, e->id, EAP_HDR_LEN + 1 + data_len);
	e->frame[PPP_HDR_LEN + EAP_HDR_LEN] = type;
	e->frame_len = REQ_DATA + data_len;
	e->retransmits = 0;
	ppp_send(p, e->frame, e->frame_len);
	timer_arm(p);
}

/* RFC 3748 4.2: Success/Failure carry the Identifier of the Response. */
static void send_result(struct sgw_ppp *p, uint8_t code)
{
	uint8_t frame[PPP_HDR_LEN + EAP_HDR_LEN];

	eap_hdr(frame, code, p->eap->id, EAP_HDR_LEN);
	ppp_send(p, frame, sizeof(frame));
	p->eap->state = PPP_EAP_DONE;
	p->eap->timer_on = false;
}

static void fail(struct sgw_ppp *p, enum sgw_ppp_down why, const char *reason)
{
	send_result(p, EAP_FAILURE);
	p->events |= SGW_PPP_EV_AUTH_FAILED;
	ppp_end(p, why, reason, true);
}

/* RFC 3748 5.1: the Identity is not NUL-terminated; keep it up to the first
 * NUL, bounded by SGW_EAP_MAX_IDENTITY. */
static void keep_identity(struct ppp_eap *e, const uint8_t *id, size_t len)
{
	size_t n = 0;

	while (n < len && n < SGW_EAP_MAX_IDENTITY && id[n] != 0)
		n++;
	memcpy(e->identity, id, n);
	e->identity[n] = '\0';
}

/* Response/Identity -> create the authenticator, send EAP-TLS Start. The
 * fragment size follows the client's MRU (PROTOCOL.md: MRU - 10). */
static void identity(struct sgw_ppp *p, const uint8_t *data, size_t len)
{
	struct ppp_eap *e = p->eap;
	size_t max_frag = (size_t)p->lcp.peer_mru - EAP_TLS_OVERHEAD, n;

	keep_identity(e, data, len);
	e->auth = p->auth_ops->create(p->auth_ctx, max_frag);
	if (e->auth == NULL) {
		fail(p, SGW_PPP_DOWN_NOMEM, "cannot create the EAP-TLS authenticator");
		return;
	}
	n = p->auth_ops->start(e->auth, e->frame + REQ_DATA, max_frag + 6);
	e->state = PPP_EAP_TLS;
	send_request(p, EAP_TYPE_TLS, n < max_frag + 6 ? n : max_frag + 6);
}

static void tls_done(struct sgw_ppp *p)
{
	send_result(p, EAP_SUCCESS);
	p->auth_ok = true;
	p->events |= SGW_PPP_EV_AUTH_OK;
	p->phase = SGW_PPP_PHASE_NETWORK;   /* RFC 1661 3.5 */
	ppp_ipcp_start(p);
}

static void tls_failed(struct sgw_ppp *p)
{
	const char *err = p->auth_ops->error(p->eap->auth);
	char why[sizeof(p->reason)];

	snprintf(why, sizeof(why), "EAP-TLS failed: %s",
		 err != NULL && err[0] != '\0' ? err : "unknown error");
	fail(p, SGW_PPP_DOWN_AUTH_FAILED, why);
}

static void tls(struct sgw_ppp *p, const uint8_t *data, size_t len)
{
	struct ppp_eap *e = p->eap;
	size_t max_frag = (size_t)p->lcp.peer_mru - EAP_TLS_OVERHEAD;
	size_t out_len = 0;

	switch (p->auth_ops->input(e->auth, data, len, e->frame + REQ_DATA,
				   max_frag + 6, &out_len)) {
	case SGW_EAPTLS_SEND:
		if (out_len > max_frag + 6)
			out_len = max_frag + 6;
		send_request(p, EAP_TYPE_TLS, out_len);
		break;
	case SGW_EAPTLS_SUCCESS:
		tls_done(p);
		break;
	default:
		tls_failed(p);
		break;
	}
}

/* One Response (RFC 3748 4.1): type-checked against the state. */
static void response(struct sgw_ppp *p, uint8_t type, const uint8_t *data,
		     size_t len)
{
	struct ppp_eap *e = p->eap;

	if (type == EAP_TYPE_NAK)
		fail(p, SGW_PPP_DOWN_AUTH_FAILED, "client refused EAP-TLS");
	else if (e->state == PPP_EAP_IDENTITY && type == EAP_TYPE_IDENTITY)
		identity(p, data, len);
	else if (e->state == PPP_EAP_TLS && type == EAP_TYPE_TLS)
		tls(p, data, len);
	else
		p->stats.eap_bad++;
}

/* A Response with no Type at all. pppd 2.4.9 sends one to acknowledge the
 * TLS 1.3 commitment message (its eaptls_send() finds nothing to read and
 * returns before writing the Type): taken as an empty EAP-TLS response,
 * which the EAP-TLS state machine accepts only where an ack is due. */
static void bare_response(struct sgw_ppp *p)
{
	static const uint8_t ack_flags = 0;

	if (p->eap->state != PPP_EAP_TLS) {
		p->stats.eap_bad++;
		return;
	}
	p->stats.eap_bare_acks++;
	tls(p, &ack_flags, 1);
}

void ppp_eap_input(struct sgw_ppp *p, const uint8_t *pkt, size_t len)
{
	struct ppp_eap *e = p->eap;
	size_t elen;

	if (e == NULL || (e->state != PPP_EAP_IDENTITY && e->state != PPP_EAP_TLS)) {
		p->stats.drop_not_open++;
		return;
	}
	if (len < EAP_HDR_LEN)
		goto bad;
	elen = sgw_get16(pkt + 2);
	/* Octets past Length are link padding (RFC 3748 4). */
	if (elen < EAP_HDR_LEN || elen > len || pkt[0] != EAP_RESPONSE)
		goto bad;
	if (pkt[1] != e->id) {
		p->stats.eap_wrong_id++;
		return;
	}
	if (elen == EAP_HDR_LEN)
		return bare_response(p);
	response(p, pkt[4], pkt + EAP_HDR_LEN + 1, elen - EAP_HDR_LEN - 1);
	return;
bad:
	p->stats.eap_bad++;
}

/* LCP opened (RFC 3748 3.1: the authenticator speaks first). */
void ppp_eap_start(struct sgw_ppp *p)
{
	struct ppp_eap *e = p->eap;

	if (e == NULL || e->state != PPP_EAP_IDLE) {
		ppp_end(p, SGW_PPP_DOWN_LCP_FAILED, "LCP reopened", true);
		return;
	}
	e->state = PPP_EAP_IDENTITY;
	e->id = (uint8_t)p->lcp.magic;
	send_request(p, EAP_TYPE_IDENTITY, 0);
}

void ppp_eap_stop(struct sgw_ppp *p)
{
	if (p->eap != NULL)
		p->eap->timer_on = false;
}

/* RFC 3748 4.3: retransmit the outstanding Request; give up after
 * SGW_EAP_MAX_RETRANSMIT. */
void ppp_eap_tick(struct sgw_ppp *p)
{
	struct ppp_eap *e = p->eap;

	if (e == NULL || !e->timer_on || p->now < e->deadline)
		return;
	if (e->retransmits >= SGW_EAP_MAX_RETRANSMIT) {
		e->timer_on = false;
		e->state = PPP_EAP_DONE;
		ppp_end(p, SGW_PPP_DOWN_AUTH_TIMEOUT,
			"EAP: no response from the client", true);
		return;
	}
	e->retransmits++;
	p->stats.eap_retransmits++;
	ppp_send(p, e->frame, e->frame_len);
	timer_arm(p);
}

uint64_t ppp_eap_deadline(const struct sgw_ppp *p)
{
	return p->eap != NULL && p->eap->timer_on ? p->eap->deadline : UINT64_MAX;
}

const char *sgw_ppp_identity(const struct sgw_ppp *p)
{
	return p->eap != NULL ? p->eap->identity : "";
}

int sgw_ppp_auth_keys(const struct sgw_ppp *p, uint8_t msk[SGW_EAP_MSK_LEN],
		      uint8_t emsk[SGW_EAP_EMSK_LEN])
{
	if (!p->auth_ok || p->eap == NULL || p->eap->auth == NULL)
		return -EINVAL;
	return p->auth_ops->keys(p->eap->auth, msk, emsk);
}

uint16_t sgw_ppp_auth_tls_version(const struct sgw_ppp *p)
{
	if (p->eap == NULL || p->eap->auth == NULL || p->auth_ops->version == NULL)
		return 0;
	return p->auth_ops->version(p->eap->auth);
}

int sgw_ppp_auth_msk_compat(const struct sgw_ppp *p, uint8_t msk[SGW_EAP_MSK_LEN])
{
	if (!p->auth_ok || p->eap == NULL || p->eap->auth == NULL ||
	    p->auth_ops->msk_compat == NULL)
		return -ENOENT;
	return p->auth_ops->msk_compat(p->eap->auth, msk);
}

const struct sgw_x509_result *sgw_ppp_auth_peer(const struct sgw_ppp *p)
{
	if (p->eap == NULL || p->eap->auth == NULL)
		return NULL;
	return p->auth_ops->peer(p->eap->auth);
}

void sgw_ppp_release_auth(struct sgw_ppp *p)
{
	if (p->eap == NULL)
		return;
	if (p->eap->auth != NULL)
		p->auth_ops->destroy(p->eap->auth);
	free(p->eap);
	p->eap = NULL;
}
