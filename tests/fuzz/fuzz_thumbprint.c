/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the thumbprint parser: any string either fails or
 * gives 20 bytes that format to 40 upper-case hex digits and parse back to
 * the same 20 bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool upper_hex(const char *s)
{
	size_t i;

	for (i = 0; i < SGW_THUMBPRINT_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return s[SGW_THUMBPRINT_HEX] == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t tp[SGW_THUMBPRINT_LEN], back[SGW_THUMBPRINT_LEN];
	char hex[SGW_THUMBPRINT_HEX + 1];
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (sgw_thumbprint_parse(s, tp)) {
		sgw_thumbprint_format(tp, hex);
		if (!upper_hex(hex) || !sgw_thumbprint_parse(hex, back) ||
		    memcmp(tp, back, sizeof(tp)) != 0)
			abort();
	}
	free(s);
	return 0;
}
