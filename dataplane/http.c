/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SSTP_DUPLEX_POST request parser and the responses (MS-SSTP 3.3.5.1,
 * RFC 9112 for the message syntax). Decisions are listed in http.h.
 */
#include "dataplane/http.h"

#include <stdio.h>
#include <string.h>

#define SSTP_METHOD "SSTP_DUPLEX_POST"
/* MS-SSTP 2.2.1 / 3.3.5.1: the fixed resource of the SSTP listener. */
#define SSTP_PATH_NO_SLASH "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}"
/* MS-SSTP 3.3.5.1: the response announces the largest length, and sstpc
 * refuses any other value. */
#define SSTP_CONTENT_LENGTH "18446744073709551615"

struct result_info {
	int status;
	const char *reason;
	const char *name;
};

static const struct result_info results[SGW_HTTP_RESULT_COUNT] = {
	[SGW_HTTP_NEED_MORE] = { 0, "", "need more" },
	[SGW_HTTP_OK] = { 200, "OK", "ok" },
	[SGW_HTTP_ERR_REQUEST_LINE] = { 400, "Bad Request", "malformed request line" },
	[SGW_HTTP_ERR_HEADER] = { 400, "Bad Request", "malformed header line" },
	[SGW_HTTP_ERR_CRLF] = { 400, "Bad Request", "bare CR or LF" },
	[SGW_HTTP_ERR_NUL] = { 400, "Bad Request", "NUL byte" },
	[SGW_HTTP_ERR_HOST] = { 400, "Bad Request", "Host missing, repeated or bad" },
	[SGW_HTTP_ERR_CONTENT_LENGTH] = { 400, "Bad Request", "bad Content-Length" },
	[SGW_HTTP_ERR_NOT_FOUND] = { 404, "Not Found", "not the SSTP path" },
	[SGW_HTTP_ERR_METHOD] = { 405, "Method Not Allowed", "method not allowed" },
	[SGW_HTTP_ERR_NOT_IMPLEMENTED] = { 501, "Not Implemented", "unknown method or transfer coding" },
	[SGW_HTTP_ERR_VERSION] = { 505, "HTTP Version Not Supported", "HTTP version not supported" },
	[SGW_HTTP_ERR_TOO_LARGE] = { 431, "Request Header Fields Too Large", "header block too large" },
	[SGW_HTTP_ERR_TOO_MANY_HEADERS] = { 431, "Request Header Fields Too Large", "too many header lines" },
};

/* RFC 9110 9.1 / 18.2: the registered methods get 405, others 501. */
static const char *const known_methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
	"PATCH",
};

/* A view of part of the buffer. */
struct span {
	const uint8_t *p;
	size_t n;
};

/* RFC 9110 5.6.2: tchar. */
static bool is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool all_tchar(struct span s)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!is_tchar(s.p[i]))
			return false;
	return true;
}

static bool all_vchar(struct span s)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] <= 0x20 || s.p[i] >= 0x7f)
			return false;
	return true;
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

static bool span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static bool span_is_nocase(struct span s, const char *lit)
{
	if (s.n != strlen(lit))
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (lower(s.p[i]) != lower((uint8_t)lit[i]))
			return false;
	return true;
}

/* Splits s at the first SP: head before it, s after it. */
static bool split_sp(struct span *s, struct span *head)
{
	const uint8_t *sp = memchr(s->p, ' ', s->n);

	if (sp == NULL)
		return false;
	head->p = s->p;
	head->n = (size_t)(sp - s->p);
	s->n -= head->n + 1;
	s->p = sp + 1;
	return true;
}

static enum sgw_http_result check_method(struct span m)
{
	if (span_is(m, SSTP_METHOD))
		return SGW_HTTP_OK;
	for (size_t i = 0; i < sizeof(known_methods) / sizeof(known_methods[0]); i++)
		if (span_is(m, known_methods[i]))
			return SGW_HTTP_ERR_METHOD;
	return SGW_HTTP_ERR_NOT_IMPLEMENTED;
}

/* RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT. */
static enum sgw_http_result check_version(struct sgw_http_req *r, struct span v)
{
	if (v.n != 8 || memcmp(v.p, "HTTP/", 5) != 0 || v.p[6] != '.' ||
	    v.p[5] < '0' || v.p[5] > '9' || v.p[7] < '0' || v.p[7] > '9')
		return SGW_HTTP_ERR_REQUEST_LINE;
	if (v.p[5] != '1' || v.p[7] > '1')
		return SGW_HTTP_ERR_VERSION;
	r->version_minor = (uint8_t)(v.p[7] - '0');
	return SGW_HTTP_OK;
}

static enum sgw_http_result check_path(struct span t)
{
	/* Tolerate a missing trailing slash: the same resource, and some
	 * hand-written clients drop it. */
	if (t.n > 0 && t.p[t.n - 1] == '/')
		t.n--;
	if (span_is_nocase(t, SSTP_PATH_NO_SLASH))
		return SGW_HTTP_OK;
	return SGW_HTTP_ERR_NOT_FOUND;
}

/* RFC 9112 3: method SP request-target SP HTTP-version, single spaces. */
static enum sgw_http_result check_request_line(struct sgw_http_req *r)
{
	struct span line = { r->buf, (size_t)r->len - 2 };
	struct span method, target;
	enum sgw_http_result res;

	if (!split_sp(&line, &method) || !split_sp(&line, &target) ||
	    !all_tchar(method) || !all_vchar(target) || !all_vchar(line))
		return SGW_HTTP_ERR_REQUEST_LINE;
	res = check_method(method);
	if (res == SGW_HTTP_OK)
		res = check_version(r, line);
	if (res == SGW_HTTP_OK)
		res = check_path(target);
	return res;
}

enum {
	SEEN_HOST = 1 << 0,
	SEEN_CONTENT_LENGTH = 1 << 1,
};

static enum sgw_http_result on_host(struct sgw_http_req *r, struct span v,
				    unsigned *seen)
{
	if ((*seen & SEEN_HOST) || v.n > SGW_HTTP_MAX_HOST)
		return SGW_HTTP_ERR_HOST;
	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] <= 0x20 || v.p[i] >= 0x7f)
			return SGW_HTTP_ERR_HOST;
	memcpy(r->host, v.p, v.n);
	r->host[v.n] = '\0';
	*seen |= SEEN_HOST;
	return SGW_HTTP_OK;
}

/* RFC 9110 8.6: 1*DIGIT; recorded, not required (MS-SSTP clients send
 * 2^64 - 1, which is exactly UINT64_MAX). */
static enum sgw_http_result on_content_length(struct sgw_http_req *r,
					      struct span v, unsigned *seen)
{
	uint64_t n = 0;

	if ((*seen & SEEN_CONTENT_LENGTH) || v.n == 0)
		return SGW_HTTP_ERR_CONTENT_LENGTH;
	for (size_t i = 0; i < v.n; i++) {
		unsigned d = (unsigned)v.p[i] - '0';

		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return SGW_HTTP_ERR_CONTENT_LENGTH;
		n = n * 10 + d;
	}
	r->has_content_length = true;
	r->content_length = n;
	*seen |= SEEN_CONTENT_LENGTH;
	return SGW_HTTP_OK;
}

/* Opaque: keep the first bytes for logs, printable only. */
static enum sgw_http_result on_correlation_id(struct sgw_http_req *r,
					      struct span v, unsigned *seen)
{
	size_t n = v.n < SGW_HTTP_MAX_CORRELATION_ID ? v.n : SGW_HTTP_MAX_CORRELATION_ID;

	(void)seen;
	for (size_t i = 0; i < n; i++)
		r->correlation_id[i] = (v.p[i] > 0x20 && v.p[i] < 0x7f) ? (char)v.p[i] : '?';
	r->correlation_id[n] = '\0';
	return SGW_HTTP_OK;
}

/* RFC 9112 6.1: a transfer coding we do not implement is 501; SSTP clients
 * never send one. */
static enum sgw_http_result on_transfer_encoding(struct sgw_http_req *r,
						 struct span v, unsigned *seen)
{
	(void)r;
	(void)v;
	(void)seen;
	return SGW_HTTP_ERR_NOT_IMPLEMENTED;
}

static const struct header_rule {
	const char *name;
	enum sgw_http_result (*fn)(struct sgw_http_req *r, struct span v,
				   unsigned *seen);
} header_rules[] = {
	{ "Host", on_host },
	{ "Content-Length", on_content_length },
	{ "SSTPCORRELATIONID", on_correlation_id },
	{ "Transfer-Encoding", on_transfer_encoding },
};

/* RFC 9112 5: field-name ":" OWS field-value OWS; no obs-fold (5.2), no
 * whitespace before the colon (5.1). */
static enum sgw_http_result header_line(struct sgw_http_req *r, struct span l,
					unsigned *seen)
{
	const uint8_t *colon = memchr(l.p, ':', l.n);
	struct span name, v;

	if (colon == NULL)
		return SGW_HTTP_ERR_HEADER;
	name.p = l.p;
	name.n = (size_t)(colon - l.p);
	v.p = colon + 1;
	v.n = l.n - name.n - 1;
	if (!all_tchar(name))
		return SGW_HTTP_ERR_HEADER;
	while (v.n > 0 && (v.p[0] == ' ' || v.p[0] == '\t')) {
		v.p++;
		v.n--;
	}
	while (v.n > 0 && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
		v.n--;
	for (size_t i = 0; i < v.n; i++)
		if ((v.p[i] < 0x20 && v.p[i] != '\t') || v.p[i] == 0x7f)
			return SGW_HTTP_ERR_HEADER;
	for (size_t i = 0; i < sizeof(header_rules) / sizeof(header_rules[0]); i++)
		if (span_is_nocase(name, header_rules[i].name))
			return header_rules[i].fn(r, v, seen);
	return SGW_HTTP_OK;
}

/* The whole block is in buf and ends in CRLF CRLF; the request line was
 * checked when its CRLF arrived. */
static enum sgw_http_result finish(struct sgw_http_req *r)
{
	const uint8_t *p = memchr(r->buf, '\n', r->len);
	const uint8_t *end = r->buf + r->len - 2;  /* the blank line */
	unsigned seen = 0;

	for (p++; p < end;) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		struct span l = { p, (size_t)(nl - p) - 1 };
		enum sgw_http_result res = header_line(r, l, &seen);

		if (res != SGW_HTTP_OK)
			return res;
		p = nl + 1;
	}
	if (r->version_minor == 1 && !(seen & SEEN_HOST))
		return SGW_HTTP_ERR_HOST;
	return SGW_HTTP_OK;
}

/* Takes one byte; returns NEED_MORE while the block is incomplete. */
static enum sgw_http_result push(struct sgw_http_req *r, uint8_t c)
{
	uint8_t prev = r->len > 0 ? r->buf[r->len - 1] : 0;
	enum sgw_http_result res;

	if (c == '\0')
		return SGW_HTTP_ERR_NUL;
	if ((prev == '\r' && c != '\n') || (c == '\n' && prev != '\r'))
		return SGW_HTTP_ERR_CRLF;
	if (r->len == SGW_HTTP_MAX_HEADER)
		return SGW_HTTP_ERR_TOO_LARGE;
	r->buf[r->len++] = c;
	if (c != '\n')
		return SGW_HTTP_NEED_MORE;
	r->lines++;
	if (r->lines == 1) {
		/* Judge the request line at once: a GET or a wrong path is
		 * refused without waiting for the headers. */
		res = check_request_line(r);
		return res == SGW_HTTP_OK ? SGW_HTTP_NEED_MORE : res;
	}
	if (r->buf[r->len - 3] == '\n')
		return finish(r);
	if (r->lines - 1 > SGW_HTTP_MAX_HEADERS)
		return SGW_HTTP_ERR_TOO_MANY_HEADERS;
	return SGW_HTTP_NEED_MORE;
}

void sgw_http_init(struct sgw_http_req *r)
{
	memset(r, 0, offsetof(struct sgw_http_req, buf));
	r->result = SGW_HTTP_NEED_MORE;
}

enum sgw_http_result sgw_http_parse(struct sgw_http_req *r, const uint8_t *in,
				    size_t len, size_t *consumed)
{
	*consumed = 0;
	if (r->result != SGW_HTTP_NEED_MORE)
		return r->result;
	for (size_t i = 0; i < len; i++) {
		enum sgw_http_result res = push(r, in[i]);

		if (res != SGW_HTTP_NEED_MORE) {
			*consumed = i + 1;
			r->result = res;
			return res;
		}
	}
	*consumed = len;
	return SGW_HTTP_NEED_MORE;
}

int sgw_http_result_status(enum sgw_http_result res)
{
	return (unsigned)res < SGW_HTTP_RESULT_COUNT ? results[res].status : 500;
}

const char *sgw_http_result_str(enum sgw_http_result res)
{
	return (unsigned)res < SGW_HTTP_RESULT_COUNT ? results[res].name : "unknown";
}

size_t sgw_http_build_response(enum sgw_http_result res, uint8_t *buf,
			       size_t cap)
{
	int n;

	if ((unsigned)res >= SGW_HTTP_RESULT_COUNT || res == SGW_HTTP_NEED_MORE)
		return 0;
	if (res == SGW_HTTP_OK)
		n = snprintf((char *)buf, cap,
			     "HTTP/1.1 200 OK\r\n"
			     "Content-Length: " SSTP_CONTENT_LENGTH "\r\n"
			     "Server: sstpgw\r\n\r\n");
	else
		n = snprintf((char *)buf, cap,
			     "HTTP/1.1 %d %s\r\n"
			     "Content-Length: 0\r\n"
			     "Connection: close\r\n"
			     "%s"
			     "Server: sstpgw\r\n\r\n",
			     results[res].status, results[res].reason,
			     res == SGW_HTTP_ERR_METHOD ? "Allow: " SSTP_METHOD "\r\n" : "");
	return (n < 0 || (size_t)n >= cap) ? 0 : (size_t)n;
}
