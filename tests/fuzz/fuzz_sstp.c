/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_sstp: a server call driven by the input. Byte 0 holds flags (bit 0:
 * start with a valid CALL_CONNECT_REQUEST; bit 1: verify each CALL_CONNECTED
 * as good, bit 2: as bad; bit 3: server abort, bit 4: server disconnect
 * midway), byte 1 the clock step. The rest is the decrypted stream, split
 * into packets by sgw_sstp_frame_len(); between packets the fake clock moves
 * by byte1 * 512 ms and the timers run. Invariants: whatever we send parses
 * cleanly, a PPP frame lies inside its packet, and CLOSE leaves the state
 * Server_Call_Disconnected.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/sstp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sgw_sstp s;
static struct sgw_sstp_out out;

static void check_out(enum sgw_sstp_event ev)
{
	size_t off = 0;

	if (out.len > sizeof(out.buf))
		abort();
	while (off < out.len) {
		struct sgw_sstp_ctrl c;
		int n = sgw_sstp_frame_len(out.buf + off, out.len - off);

		if (n <= 0 || sgw_sstp_ctrl_parse(out.buf + off, (size_t)n, &c) != 0)
			abort();
		off += (size_t)n;
	}
	if (ev == SGW_SSTP_EV_CLOSE && s.state != SSTP_SERVER_CALL_DISCONNECTED)
		abort();
	if ((unsigned)ev >= SGW_SSTP_EV_COUNT || (unsigned)s.state >= SSTP_STATE_COUNT)
		abort();
}

static void handle(enum sgw_sstp_event ev, uint8_t flags, uint64_t now)
{
	check_out(ev);
	if (ev == SGW_SSTP_EV_CALL_CONNECTED && (flags & 6)) {
		if (sgw_sstp_call_connected_msg(&s) == NULL)
			abort();
		check_out(sgw_sstp_binding_verified(&s, flags & 2, now, &out));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t creq[14] = {
		0x10, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
		0x00, 0x01, 0x00, 0x06, 0x00, 0x01,
	};
	static const uint8_t nonce[32];
	uint64_t now = 1000;
	uint8_t flags, step;
	size_t off = 2, k = 0;

	if (size < 2)
		return 0;
	flags = data[0];
	step = data[1];
	sgw_sstp_init(&s, now, 3, nonce);
	if (flags & 1)
		handle(sgw_sstp_input(&s, creq, sizeof(creq), now, &out), flags, now);
	while (off < size) {
		int n = sgw_sstp_frame_len(data + off, size - off);
		enum sgw_sstp_event ev;

		if (n <= 0)
			break;
		ev = sgw_sstp_input(&s, data + off, (size_t)n, now, &out);
		if (ev == SGW_SSTP_EV_PPP &&
		    (out.ppp < data + off || out.ppp + out.ppp_len > data + off + n))
			abort();
		if (ev == SGW_SSTP_EV_PPP && out.ppp_len >= 4)
			(void)sgw_sstp_ppp_allowed(&s, (uint16_t)(out.ppp[2] << 8 | out.ppp[3]));
		handle(ev, flags, now);
		off += (size_t)n;
		now += (uint64_t)step * 512;
		check_out(sgw_sstp_tick(&s, now, &out));
		if (++k == 3 && (flags & 8))
			check_out(sgw_sstp_abort(&s, ATTRIB_STATUS_NO_ERROR, now, &out));
		if (k == 3 && (flags & 16))
			check_out(sgw_sstp_disconnect(&s, now, &out));
	}
	/* Time alone always ends a call: every state has a timer. */
	for (int i = 0; i < 8 && s.state != SSTP_SERVER_CALL_DISCONNECTED; i++) {
		now += SGW_SSTP_NEGOTIATION_MS;
		check_out(sgw_sstp_tick(&s, now, &out));
	}
	if (s.state != SSTP_SERVER_CALL_DISCONNECTED)
		abort();
	return 0;
}
