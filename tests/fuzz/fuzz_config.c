/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config: arbitrary bytes as the YAML configuration. Every input gives
 * 0 or -EINVAL; an error is one line "fuzz.yaml:LINE: path: ..."; a success
 * holds only what the checks promise (counts within bounds, strings
 * terminated, the tunnel address inside a pool). No leaks (LSan).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sgw_config cfg;

static void check_ok(const struct sgw_config *c)
{
	uint32_t t = c->clients.tunnel_address;
	bool in = false;

	if (c->clients.npools == 0 || c->clients.npools > SGW_CONFIG_MAX_POOLS ||
	    c->clients.nreservations > SGW_CONFIG_MAX_RESERVATIONS ||
	    c->clients.ndns > SGW_CONFIG_MAX_DNS || c->clients.nnbns > SGW_CONFIG_MAX_NBNS ||
	    c->nvnet > SGW_CONFIG_MAX_VNET || c->engine.nlcores > SGW_CONFIG_MAX_LCORES ||
	    c->engine.queues < c->engine.workers || c->tls.min_version > c->tls.max_version ||
	    memchr(c->ports.outer.device, '\0', sizeof(c->ports.outer.device)) == NULL ||
	    memchr(c->tls.cert, '\0', sizeof(c->tls.cert)) == NULL)
		abort();
	for (unsigned i = 0; i < c->clients.npools; i++) {
		uint32_t m = UINT32_MAX << (32 - c->clients.pools[i].len);

		in |= (t & m) == c->clients.pools[i].addr;
	}
	if (!in)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	int rc = sgw_config_parse((const char *)data, size, "fuzz.yaml", &cfg, err, sizeof(err));

	if (rc == 0) {
		check_ok(&cfg);
		return 0;
	}
	if (rc != -EINVAL || strncmp(err, "fuzz.yaml:", 10) != 0 || strchr(err, '\n') != NULL)
		abort();
	return 0;
}
