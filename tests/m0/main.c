/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal Cortex-M0 tag firmware around the device library, linked by cmake/device-m0.sh
 * with --gc-sections to measure what a real image pays for it (docs/benchmarks.md). Not a
 * product: the "radio", TRNG and secure key storage are made-up peripheral registers, there
 * only so the compiler cannot fold the calls away.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "device/aiot_device.h"
#include "fw_boot.h"
#include "fw_key.h"

/* Frames from the reader, after the AIoT MAC layer: octet 0 says what follows. */
#define FRAME_PAGING 0x01  /* kind(1) ident_bits(2) RAND_AIOT_n(16) ident */
#define FRAME_COMMAND 0x02 /* AIoT NAS Command Request */

static uint8_t user_mem[64];

static int fw_mem_read(void *user, uint16_t offset, uint8_t *out, uint8_t len)
{
	(void)user;
	if ((size_t)offset + len > sizeof(user_mem))
		return 1; /* AIOT_ST_PARAMS_INVALID */
	memcpy(out, user_mem + offset, len);
	return 0;
}

static int fw_mem_write(void *user, uint16_t offset, const uint8_t *in, uint8_t len)
{
	(void)user;
	if ((size_t)offset + len > sizeof(user_mem))
		return 1;
	memcpy(user_mem + offset, in, len);
	return 0;
}

static volatile int rf_off;

static void fw_disabled(void *user)
{
	(void)user;
	rf_off = 1; /* a real tag would blow an eFuse / cut the RF front end */
}

/* The suite this firmware is built for (cmake/device-m0.sh, AIOT_DEVICE_SUITES). */
#ifndef FW_SUITE
#define FW_SUITE AIOT_SUITE_3GPP
#endif

static const aiot_device_cfg cfg = {
    .perm_id = perm_id,
    .perm_id_len = sizeof(perm_id),
    .suite = FW_SUITE,
    .res_bits = 64,
    .privacy = 0,
    .entropy = fw_entropy,
    .key_load = fw_key_load,
    .mem_read = fw_mem_read,
    .mem_write = fw_mem_write,
    .tid_store = NULL,
    .disabled = fw_disabled,
    .user = NULL,
};

static aiot_device dev;

int main(void)
{
	if (aiot_device_init(&dev, &cfg, NULL) != AIOT_OK)
		return 1;
	while (!rf_off) {
		size_t len = radio_receive(), out_len = 0;

		if (len >= 20 && rx[0] == FRAME_PAGING) {
			size_t bits = (size_t)rx[2] << 8 | rx[3];
			if (bits > 8 * (len - 20))
				continue;
			aiot_device_on_paging(&dev, rx + 4, (aiot_page_kind)rx[1], rx + 20, bits,
			                      tx, sizeof(tx), &out_len);
		} else if (len >= 1 && rx[0] == FRAME_COMMAND) {
			aiot_device_on_command(&dev, rx + 1, len - 1, tx, sizeof(tx), &out_len);
		}
		radio_send(out_len);
	}
	return 0;
}
