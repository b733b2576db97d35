/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_http: the first byte picks piece sizes; the rest is the request, fed
 * in those pieces. The result and the bytes consumed must equal a one-shot
 * parse of the same bytes (the parser is incremental, not order-sensitive),
 * and the response for any result must fit SGW_HTTP_MAX_RESPONSE.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dataplane/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sgw_http_req whole, pieces;

static enum sgw_http_result feed(const uint8_t *in, size_t len, uint32_t seed,
				 size_t *total)
{
	enum sgw_http_result res = SGW_HTTP_NEED_MORE;
	size_t off = 0;

	sgw_http_init(&pieces);
	*total = 0;
	while (off < len && res == SGW_HTTP_NEED_MORE) {
		size_t n, used;

		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % 97;
		n = n < len - off ? n : len - off;
		res = sgw_http_parse(&pieces, in + off, n, &used);
		if (used > n || (res == SGW_HTTP_NEED_MORE && used != n))
			abort();
		*total += used;
		off += n;
	}
	return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum sgw_http_result r1, r2;
	uint8_t resp[SGW_HTTP_MAX_RESPONSE];
	size_t used1, used2;

	if (size < 1)
		return 0;
	sgw_http_init(&whole);
	r1 = sgw_http_parse(&whole, data + 1, size - 1, &used1);
	r2 = feed(data + 1, size - 1, data[0], &used2);
	if (r1 != r2 || (r1 != SGW_HTTP_NEED_MORE && used1 != used2))
		abort();
	if (r1 != SGW_HTTP_NEED_MORE &&
	    sgw_http_build_response(r1, resp, sizeof(resp)) == 0)
		abort();
	if (sgw_http_result_str(r1) == NULL)
		abort();
	return 0;
}
