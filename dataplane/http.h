/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP exchange that opens an SSTP call (MS-SSTP 3.3.5.1), inside TLS and
 * before any SSTP packet: the client sends
 *
 *   SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1
 *   Host: vpn.example.com
 *   Content-Length: 18446744073709551615
 *   SSTPCORRELATIONID: {...}
 *
 * and the server answers "HTTP/1.1 200 OK" with the same Content-Length; the
 * rest of the stream is SSTP in both directions.
 *
 * The parser is incremental: the request may arrive in pieces over several
 * TLS records, so struct sgw_http_req buffers the header block (at most
 * SGW_HTTP_MAX_HEADER bytes) and never reads past its end: the bytes after
 * the blank line belong to SSTP and are left to the caller.
 *
 * Decisions (RFC 9110 / RFC 9112 where MS-SSTP is silent):
 *  - Lines end in CRLF; a bare CR or LF, a NUL, a control character in a
 *    value, obs-fold, or whitespace before a header's colon is 400.
 *  - The method is case-sensitive (RFC 9110 9.1): SSTP_DUPLEX_POST only.
 *    Another standard method (GET, POST, ...) is 405; an unknown one is 501.
 *  - The path is compared case-insensitively (the GUID's case varies between
 *    clients); the trailing slash may be missing; anything else is 404.
 *  - HTTP/1.1 and HTTP/1.0 are accepted (the answer is always HTTP/1.1);
 *    another HTTP/d.d is 505, anything else 400.
 *  - Host is required for HTTP/1.1 (RFC 9112 3.2) and recorded; twice is 400.
 *  - Content-Length is optional and only recorded (clients send
 *    18446744073709551615); if present it must be a decimal number fitting
 *    64 bits, and once. Transfer-Encoding is 501 (RFC 9112 6.1).
 *  - SSTPCORRELATIONID is an opaque string, truncated to
 *    SGW_HTTP_MAX_CORRELATION_ID characters (sstpc's GUID is malformed).
 *  - A header block over SGW_HTTP_MAX_HEADER bytes or with more than
 *    SGW_HTTP_MAX_HEADERS header lines is 431.
 */
#ifndef SGW_DATAPLANE_HTTP_H
#define SGW_DATAPLANE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/sgw_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sgw_http_result {
	SGW_HTTP_NEED_MORE,            /* all input buffered; call again */
	SGW_HTTP_OK,                   /* request accepted: send the 200 */
	SGW_HTTP_ERR_REQUEST_LINE,     /* 400: malformed request line */
	SGW_HTTP_ERR_HEADER,           /* 400: malformed header line */
	SGW_HTTP_ERR_CRLF,             /* 400: bare CR or LF */
	SGW_HTTP_ERR_NUL,              /* 400: NUL byte */
	SGW_HTTP_ERR_HOST,             /* 400: Host missing (1.1) or twice */
	SGW_HTTP_ERR_CONTENT_LENGTH,   /* 400: not a number, or twice */
	SGW_HTTP_ERR_NOT_FOUND,        /* 404: not the SSTP path */
	SGW_HTTP_ERR_METHOD,           /* 405: a standard method, not ours */
	SGW_HTTP_ERR_NOT_IMPLEMENTED,  /* 501: unknown method, Transfer-Encoding */
	SGW_HTTP_ERR_VERSION,          /* 505: HTTP/d.d other than 1.0, 1.1 */
	SGW_HTTP_ERR_TOO_LARGE,        /* 431: header block too long */
	SGW_HTTP_ERR_TOO_MANY_HEADERS, /* 431: too many header lines */
	SGW_HTTP_RESULT_COUNT,
};

/* Embedded by the session (about 4.4 KiB, needed only until the 200 is
 * sent). Zero it with sgw_http_init(); nothing to free. */
struct sgw_http_req {
	uint16_t len;                  /* bytes buffered in buf */
	uint16_t lines;                /* CRLFs seen so far */
	enum sgw_http_result result;   /* sticky once not NEED_MORE */
	/* Filled when result is SGW_HTTP_OK (NUL-terminated, printable). */
	uint8_t version_minor;         /* 0 or 1 */
	bool has_content_length;
	uint64_t content_length;
	char host[SGW_HTTP_MAX_HOST + 1];
	char correlation_id[SGW_HTTP_MAX_CORRELATION_ID + 1];
	uint8_t buf[SGW_HTTP_MAX_HEADER];
};

void sgw_http_init(struct sgw_http_req *r);

/*
 * Feed len bytes of the decrypted stream. *consumed is set to how many bytes
 * of in were taken: all of them on NEED_MORE; on OK, up to and including the
 * blank line, so in[*consumed..len) is the start of the SSTP stream; on an
 * error, how far parsing went (the caller sends the error and closes).
 * Once the result is not NEED_MORE it is final: later calls return it again
 * and consume nothing.
 */
__attribute__((warn_unused_result))
enum sgw_http_result sgw_http_parse(struct sgw_http_req *r, const uint8_t *in,
				    size_t len, size_t *consumed);

/* The HTTP status code for a result (200 for OK, 0 for NEED_MORE). */
int sgw_http_result_status(enum sgw_http_result res);
const char *sgw_http_result_str(enum sgw_http_result res);

/*
 * The response for a result: for OK, "HTTP/1.1 200 OK" with
 * Content-Length: 18446744073709551615 (sstpc accepts no other value);
 * for an error, its status with Content-Length: 0 and Connection: close.
 * Writes at most cap bytes (SGW_HTTP_MAX_RESPONSE is enough) and returns
 * the length, or 0 if cap is too small or res is NEED_MORE.
 */
size_t sgw_http_build_response(enum sgw_http_result res, uint8_t *buf,
			       size_t cap);

#ifdef __cplusplus
}
#endif
#endif
