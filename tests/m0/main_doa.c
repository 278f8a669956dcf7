/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal Cortex-M0 firmware of a DO-A tag (device-originated access, src/device/aiot_doa.h):
 * it registers when an event fires and then reports its sensor in Uplink Data. Linked by
 * cmake/device-m0.sh with --gc-sections to measure what a DO-A image pays for the library
 * (docs/benchmarks.md). Not a product: the radio, timer, sensor, TRNG and key storage are
 * made-up peripheral registers, there only so the compiler cannot fold the calls away.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "device/aiot_doa.h"
#include "fw_boot.h"
#include "fw_key.h"

/* Made-up peripherals of a DO-A tag (radio and TRNG: fw_boot.h). */
#define TIMER_EXPIRED (*(volatile uint32_t *)0x40003000u) /* the answer timer fired */
#define TIMER_START (*(volatile uint32_t *)0x40003004u)   /* arm it (back-off inside) */
#define SENSOR_EVENT (*(volatile uint32_t *)0x40004000u)  /* something to report */
#define SENSOR_DATA (*(volatile uint32_t *)0x40004004u)

static uint8_t nv_tid[16]; /* a real tag writes flash */

static int fw_tid_store(void *user, const uint8_t tid[16])
{
	(void)user;
	memcpy(nv_tid, tid, sizeof(nv_tid));
	return 0;
}

#ifndef FW_SUITE
#define FW_SUITE AIOT_SUITE_3GPP
#endif

static const aiot_device_cfg cfg = {
    .perm_id = perm_id,
    .perm_id_len = sizeof(perm_id),
    .suite = FW_SUITE,
    .res_bits = 64,
    .entropy = fw_entropy,
    .key_load = fw_key_load,
    .tid_store = fw_tid_store,
};

static aiot_doa doa;
static uint8_t reading[16];

static void read_sensor(void)
{
	for (size_t i = 0; i < sizeof(reading); i++)
		reading[i] = (uint8_t)SENSOR_DATA;
}

int main(void)
{
	if (aiot_doa_init(&doa, &cfg, NULL, 0) != AIOT_OK)
		return 1;
	for (;;) {
		size_t len = radio_receive(), out_len = 0;

		if (SENSOR_EVENT) {
			read_sensor();
			if (doa.state == AIOT_DOA_REGISTERED)
				aiot_doa_send(&doa, reading, sizeof(reading), 1, tx, sizeof(tx),
				              &out_len);
			else if (doa.state == AIOT_DOA_IDLE)
				aiot_doa_start(&doa, tx, sizeof(tx), &out_len);
		} else if (TIMER_EXPIRED) {
			aiot_doa_on_timeout(&doa, tx, sizeof(tx), &out_len);
		} else if (len >= 1 && rx[0] == AIOT_NAS_DOA_AUTH_REQUEST) {
			/* the first reading goes with M3 */
			aiot_doa_on_auth_request(&doa, rx, len, reading, sizeof(reading), 1, tx,
			                         sizeof(tx), &out_len);
		} else if (len >= 1 && rx[0] == AIOT_NAS_DOA_REG_ACCEPT) {
			aiot_doa_on_accept(&doa, rx, len);
		}
		radio_send(out_len);
		if (out_len && doa.state != AIOT_DOA_REGISTERED)
			TIMER_START = 1; /* M2 or M4 is due */
	}
	return 0;
}
