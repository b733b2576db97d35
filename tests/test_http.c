/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SSTP_DUPLEX_POST parser: numbered cases, each fed whole, split at
 * every byte boundary, and one byte at a time; the responses byte-exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/http.h"

#define PATH "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"
#define LINE "SSTP_DUPLEX_POST " PATH " HTTP/1.1\r\n"

/* As sstpc 1.0.18 sends it (its correlation id is not a real GUID). */
#define REQ_SSTPC LINE \
	"Host: 192.0.2.1\r\n" \
	"Content-Length: 18446744073709551615\r\n" \
	"SSTPCORRELATIONID: {52F8A1-4B3-11-2E5D-AB19F}\r\n\r\n"
/* As Windows 10/11 sends it. */
#define REQ_WINDOWS LINE \
	"SSTPVERSION: 1.0\r\n" \
	"Content-Length: 18446744073709551615\r\n" \
	"Host: vpn.contoso.com\r\n" \
	"SSTPCORRELATIONID: {F7E38AC8-5E7B-4C51-A6B4-0F0D6C2A1E9B}\r\n\r\n"

static const struct http_case {
	const char *req;
	enum sgw_http_result expect;
} cases[] = {
	/* 0 */ { REQ_SSTPC, SGW_HTTP_OK },
	/* 1 */ { REQ_WINDOWS, SGW_HTTP_OK },
	/* 2 */ { "SSTP_DUPLEX_POST /sra_{ba195980-cd49-458B-9e23-c84ee0adcd75}/ HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_OK },
	/* 3 */ { "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75} HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_OK },
	/* 4 */ { "SSTP_DUPLEX_POST " PATH " HTTP/1.0\r\n\r\n", SGW_HTTP_OK },
	/* 5 */ { LINE "\r\n", SGW_HTTP_ERR_HOST },
	/* 6 */ { "GET / HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_METHOD },
	/* 7 */ { "POST " PATH " HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_METHOD },
	/* 8 */ { "FOO " PATH " HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_NOT_IMPLEMENTED },
	/* 9 */ { "sstp_duplex_post " PATH " HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_NOT_IMPLEMENTED },
	/* 10 */ { "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD76}/ HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_NOT_FOUND },
	/* 11 */ { "SSTP_DUPLEX_POST " PATH "?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_NOT_FOUND },
	/* 12 */ { "SSTP_DUPLEX_POST " PATH "/ HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_NOT_FOUND },
	/* 13 */ { "SSTP_DUPLEX_POST " PATH " HTTP/2.0\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_VERSION },
	/* 14 */ { "SSTP_DUPLEX_POST " PATH " HTTP/1.2\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_VERSION },
	/* 15 */ { "SSTP_DUPLEX_POST " PATH " HTTP/1.1x\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_REQUEST_LINE },
	/* 16 */ { "SSTP_DUPLEX_POST  " PATH " HTTP/1.1\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_REQUEST_LINE },
	/* 17 */ { "SSTP_DUPLEX_POST " PATH " HTTP/1.1\nHost: a\r\n\r\n", SGW_HTTP_ERR_CRLF },
	/* 18 */ { LINE "Host: a\rX\r\n\r\n", SGW_HTTP_ERR_CRLF },
	/* 19 */ { LINE "Host: a\r\n\n", SGW_HTTP_ERR_CRLF },
	/* 20 */ { LINE "Host a\r\n\r\n", SGW_HTTP_ERR_HEADER },
	/* 21 */ { LINE "Host : a\r\n\r\n", SGW_HTTP_ERR_HEADER },
	/* 22 */ { LINE "Host: a\r\n folded\r\n\r\n", SGW_HTTP_ERR_HEADER },
	/* 23 */ { LINE "Host: a\r\nX-A: b\x01" "c\r\n\r\n", SGW_HTTP_ERR_HEADER },
	/* 24 */ { LINE "Host: a\r\nHost: b\r\n\r\n", SGW_HTTP_ERR_HOST },
	/* 25 */ { LINE "Host: a\r\nContent-Length: 12x\r\n\r\n", SGW_HTTP_ERR_CONTENT_LENGTH },
	/* 26 */ { LINE "Host: a\r\nContent-Length: 18446744073709551616\r\n\r\n", SGW_HTTP_ERR_CONTENT_LENGTH },
	/* 27 */ { LINE "Host: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", SGW_HTTP_ERR_CONTENT_LENGTH },
	/* 28 */ { LINE "Host: a\r\nTransfer-Encoding: chunked\r\n\r\n", SGW_HTTP_ERR_NOT_IMPLEMENTED },
	/* 29 */ { LINE "Host: a\r\nContent-Length: 0\r\n\r\n", SGW_HTTP_OK },
	/* 30 */ { "\r\n" LINE "Host: a\r\n\r\n", SGW_HTTP_ERR_REQUEST_LINE },
	/* 31 */ { LINE "host:a\r\ncontent-length:   7  \r\nsstpcorrelationid:x\r\n\r\n", SGW_HTTP_OK },
	/* 32 */ { LINE "Host: a b\r\n\r\n", SGW_HTTP_ERR_HOST },
	/* 33 */ { LINE "Host: a\r\nContent-Length:\r\n\r\n", SGW_HTTP_ERR_CONTENT_LENGTH },
	/* 34 */ { "SSTP_DUPLEX_POST\r\n\r\n", SGW_HTTP_ERR_REQUEST_LINE },
	/* 35 */ { LINE ": a\r\nHost: a\r\n\r\n", SGW_HTTP_ERR_HEADER },
};

static enum sgw_http_result feed_pieces(struct sgw_http_req *r, const uint8_t *in,
					size_t len, size_t piece, size_t *total)
{
	enum sgw_http_result res = SGW_HTTP_NEED_MORE;
	size_t off = 0;

	sgw_http_init(r);
	*total = 0;
	while (off < len && res == SGW_HTTP_NEED_MORE) {
		size_t n = len - off < piece ? len - off : piece, used;

		res = sgw_http_parse(r, in + off, n, &used);
		assert_true(used <= n);
		if (res == SGW_HTTP_NEED_MORE)
			assert_int_equal(used, n);
		*total += used;
		off += n;
	}
	return res;
}

static struct sgw_http_req req;

static void test_cases_whole(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].req), used;
		enum sgw_http_result res = feed_pieces(&req, (const uint8_t *)cases[i].req,
						       len, len, &used);

		if (res != cases[i].expect)
			fail_msg("case %zu: got %s, want %s", i, sgw_http_result_str(res),
				 sgw_http_result_str(cases[i].expect));
		if (res == SGW_HTTP_OK)
			assert_int_equal(used, len);
	}
}

/* Split in two at every byte boundary, then one byte at a time: the same
 * result and, for OK, all bytes consumed. */
static void test_cases_split(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint8_t *in = (const uint8_t *)cases[i].req;
		size_t len = strlen(cases[i].req);

		for (size_t cut = 1; cut < len; cut++) {
			enum sgw_http_result res = SGW_HTTP_NEED_MORE;
			size_t used1 = 0, used2 = 0;

			sgw_http_init(&req);
			res = sgw_http_parse(&req, in, cut, &used1);
			if (res == SGW_HTTP_NEED_MORE)
				res = sgw_http_parse(&req, in + cut, len - cut, &used2);
			if (res != cases[i].expect)
				fail_msg("case %zu cut %zu: got %s", i, cut,
					 sgw_http_result_str(res));
			if (res == SGW_HTTP_OK)
				assert_int_equal(used1 + used2, len);
		}
		{
			size_t used;
			enum sgw_http_result res = feed_pieces(&req, in, len, 1, &used);

			assert_int_equal(res, cases[i].expect);
		}
	}
}

static void test_recorded_fields(void **state)
{
	size_t used;

	(void)state;
	assert_int_equal(feed_pieces(&req, (const uint8_t *)REQ_SSTPC,
				     strlen(REQ_SSTPC), 7, &used), SGW_HTTP_OK);
	assert_string_equal(req.host, "192.0.2.1");
	assert_string_equal(req.correlation_id, "{52F8A1-4B3-11-2E5D-AB19F}");
	assert_true(req.has_content_length);
	assert_true(req.content_length == UINT64_MAX);
	assert_int_equal(req.version_minor, 1);

	assert_int_equal(feed_pieces(&req, (const uint8_t *)cases[31].req,
				     strlen(cases[31].req), 1000, &used), SGW_HTTP_OK);
	assert_string_equal(req.host, "a");
	assert_true(req.content_length == 7);
	assert_string_equal(req.correlation_id, "x");

	assert_int_equal(feed_pieces(&req, (const uint8_t *)cases[4].req,
				     strlen(cases[4].req), 1000, &used), SGW_HTTP_OK);
	assert_int_equal(req.version_minor, 0);
	assert_false(req.has_content_length);
}

/* A correlation id longer than the limit is kept truncated, not refused. */
static void test_long_correlation_id(void **state)
{
	static char buf[1024];
	size_t used;

	(void)state;
	snprintf(buf, sizeof(buf), LINE "Host: a\r\nSSTPCORRELATIONID: %0100d\r\n\r\n", 7);
	assert_int_equal(feed_pieces(&req, (const uint8_t *)buf, strlen(buf), 9, &used),
			 SGW_HTTP_OK);
	assert_int_equal(strlen(req.correlation_id), SGW_HTTP_MAX_CORRELATION_ID);
	assert_int_equal(req.correlation_id[0], '0');
}

/* The bytes after the blank line are SSTP: left to the caller. */
static void test_pipelined_sstp(void **state)
{
	static const uint8_t sstp[14] = {
		0x10, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
		0x00, 0x01, 0x00, 0x06, 0x00, 0x01,
	};
	static uint8_t buf[1024];
	size_t hlen = strlen(REQ_WINDOWS);

	(void)state;
	memcpy(buf, REQ_WINDOWS, hlen);
	memcpy(buf + hlen, sstp, sizeof(sstp));
	for (size_t piece = 1; piece <= hlen + sizeof(sstp); piece++) {
		size_t off = 0, used = 0;
		enum sgw_http_result res = SGW_HTTP_NEED_MORE;

		sgw_http_init(&req);
		while (res == SGW_HTTP_NEED_MORE) {
			size_t n = hlen + sizeof(sstp) - off;

			n = n < piece ? n : piece;
			res = sgw_http_parse(&req, buf + off, n, &used);
			off += used;
			if (res == SGW_HTTP_OK && used < n)
				break;
		}
		assert_int_equal(res, SGW_HTTP_OK);
		assert_int_equal(off, hlen);
		/* Sticky: nothing more is taken. */
		assert_int_equal(sgw_http_parse(&req, buf + off, 4, &used), SGW_HTTP_OK);
		assert_int_equal(used, 0);
	}
}

/* NUL anywhere in the request is 400, found where it is. */
static void test_nul(void **state)
{
	static uint8_t buf[512];
	size_t len = strlen(REQ_SSTPC);

	(void)state;
	for (size_t pos = 0; pos < len; pos += 5) {
		size_t used;

		memcpy(buf, REQ_SSTPC, len);
		buf[pos] = '\0';
		sgw_http_init(&req);
		assert_int_equal(sgw_http_parse(&req, buf, len, &used), SGW_HTTP_ERR_NUL);
		assert_int_equal(used, pos + 1);
	}
}

/* A refused request line is judged when its CRLF arrives, before headers. */
static void test_early_refusal(void **state)
{
	static const char line[] = "GET / HTTP/1.1\r\n";
	size_t used;

	(void)state;
	sgw_http_init(&req);
	assert_int_equal(sgw_http_parse(&req, (const uint8_t *)line, strlen(line), &used),
			 SGW_HTTP_ERR_METHOD);
	assert_int_equal(used, strlen(line));
}

static size_t make_headers(char *buf, size_t cap, unsigned n, size_t pad)
{
	size_t off = (size_t)snprintf(buf, cap, LINE);

	for (unsigned i = 0; i < n && off < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, "X-%u: %0*d\r\n", i,
					(int)pad, 0);
	off += (size_t)snprintf(buf + off, cap - off, "Host: a\r\n\r\n");
	return off;
}

static void test_limits(void **state)
{
	static char buf[3 * SGW_HTTP_MAX_HEADER];
	size_t len, used;

	(void)state;
	/* SGW_HTTP_MAX_HEADERS - 1 headers plus Host: accepted. */
	len = make_headers(buf, sizeof(buf), SGW_HTTP_MAX_HEADERS - 1, 1);
	assert_int_equal(feed_pieces(&req, (const uint8_t *)buf, len, len, &used), SGW_HTTP_OK);
	/* One more: 431. */
	len = make_headers(buf, sizeof(buf), SGW_HTTP_MAX_HEADERS, 1);
	assert_int_equal(feed_pieces(&req, (const uint8_t *)buf, len, len, &used),
			 SGW_HTTP_ERR_TOO_MANY_HEADERS);
	/* Few but long headers past SGW_HTTP_MAX_HEADER bytes: 431. */
	len = make_headers(buf, sizeof(buf), 4, SGW_HTTP_MAX_HEADER / 4);
	assert_true(len > SGW_HTTP_MAX_HEADER);
	assert_int_equal(feed_pieces(&req, (const uint8_t *)buf, len, 100, &used),
			 SGW_HTTP_ERR_TOO_LARGE);
	assert_true(used <= SGW_HTTP_MAX_HEADER + 1);
	/* Exactly SGW_HTTP_MAX_HEADER bytes fits. */
	len = make_headers(buf, sizeof(buf), 1, 1);
	len = make_headers(buf, sizeof(buf), 1, 1 + SGW_HTTP_MAX_HEADER - len);
	assert_int_equal(len, SGW_HTTP_MAX_HEADER);
	assert_int_equal(feed_pieces(&req, (const uint8_t *)buf, len, 3, &used), SGW_HTTP_OK);
	/* An endless line without CRLF stops at the limit. */
	memset(buf, 'A', sizeof(buf));
	assert_int_equal(feed_pieces(&req, (const uint8_t *)buf, sizeof(buf), 512, &used),
			 SGW_HTTP_ERR_TOO_LARGE);
}

static void test_response_ok(void **state)
{
	static const char want[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Length: 18446744073709551615\r\n"
				   "Server: sstpgw\r\n\r\n";
	uint8_t buf[SGW_HTTP_MAX_RESPONSE];
	size_t n;

	(void)state;
	n = sgw_http_build_response(SGW_HTTP_OK, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	assert_int_equal(sgw_http_build_response(SGW_HTTP_OK, buf, n), 0);
	assert_int_equal(sgw_http_build_response(SGW_HTTP_NEED_MORE, buf, sizeof(buf)), 0);
}

static void test_response_errors(void **state)
{
	static const struct {
		enum sgw_http_result res;
		const char *first;
	} want[] = {
		{ SGW_HTTP_ERR_REQUEST_LINE, "HTTP/1.1 400 Bad Request\r\n" },
		{ SGW_HTTP_ERR_NUL, "HTTP/1.1 400 Bad Request\r\n" },
		{ SGW_HTTP_ERR_NOT_FOUND, "HTTP/1.1 404 Not Found\r\n" },
		{ SGW_HTTP_ERR_METHOD, "HTTP/1.1 405 Method Not Allowed\r\n" },
		{ SGW_HTTP_ERR_NOT_IMPLEMENTED, "HTTP/1.1 501 Not Implemented\r\n" },
		{ SGW_HTTP_ERR_VERSION, "HTTP/1.1 505 HTTP Version Not Supported\r\n" },
		{ SGW_HTTP_ERR_TOO_LARGE, "HTTP/1.1 431 Request Header Fields Too Large\r\n" },
	};
	char buf[SGW_HTTP_MAX_RESPONSE + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t n = sgw_http_build_response(want[i].res, (uint8_t *)buf,
						   SGW_HTTP_MAX_RESPONSE);

		assert_true(n > 0);
		buf[n] = '\0';
		assert_memory_equal(buf, want[i].first, strlen(want[i].first));
		assert_non_null(strstr(buf, "\r\nContent-Length: 0\r\n"));
		assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
		assert_string_equal(buf + n - 4, "\r\n\r\n");
		assert_int_equal(strstr(buf, "Allow: SSTP_DUPLEX_POST\r\n") != NULL,
				 want[i].res == SGW_HTTP_ERR_METHOD);
	}
	/* Every result has a status, a name and a response that fits. */
	for (int r = SGW_HTTP_OK; r < SGW_HTTP_RESULT_COUNT; r++) {
		int st = sgw_http_result_status((enum sgw_http_result)r);

		assert_true(st >= 200 && st < 600);
		assert_true(strcmp(sgw_http_result_str((enum sgw_http_result)r), "unknown") != 0);
		assert_true(sgw_http_build_response((enum sgw_http_result)r, (uint8_t *)buf,
						    SGW_HTTP_MAX_RESPONSE) > 0);
	}
	assert_int_equal(sgw_http_result_status(SGW_HTTP_ERR_NOT_FOUND), 404);
	assert_int_equal(sgw_http_result_status(SGW_HTTP_ERR_TOO_MANY_HEADERS), 431);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_whole),
		cmocka_unit_test(test_cases_split),
		cmocka_unit_test(test_recorded_fields),
		cmocka_unit_test(test_long_correlation_id),
		cmocka_unit_test(test_pipelined_sstp),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_early_refusal),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_response_ok),
		cmocka_unit_test(test_response_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
