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

/* Made-up peripherals. */
#define RADIO_RX_LEN (*(volatile uint32_t *)0x40001000u)
#define RADIO_RX_FIFO (*(volatile uint32_t *)0x40001004u)
#define RADIO_TX_FIFO (*(volatile uint32_t *)0x40001008u)
#define TRNG_DATA (*(volatile uint32_t *)0x40002000u)
#define TIMER_EXPIRED (*(volatile uint32_t *)0x40003000u) /* the answer timer fired */
#define TIMER_START (*(volatile uint32_t *)0x40003004u)   /* arm it (back-off inside) */
#define SENSOR_EVENT (*(volatile uint32_t *)0x40004000u)  /* something to report */
#define SENSOR_DATA (*(volatile uint32_t *)0x40004004u)

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
void Reset_Handler(void);
int main(void);

static void Default_Handler(void)
{
	for (;;)
		;
}

/* Cortex-M0 vector table: initial SP, reset, NMI, HardFault. */
__attribute__((section(".isr_vector"), used)) static const uintptr_t vectors[4] = {
    (uintptr_t)&_estack,
    (uintptr_t)Reset_Handler,
    (uintptr_t)Default_Handler,
    (uintptr_t)Default_Handler,
};

void Reset_Handler(void)
{
	uint32_t *src = &_sidata, *dst = &_sdata;

	while (dst < &_edata)
		*dst++ = *src++;
	for (dst = &_sbss; dst < &_ebss; dst++)
		*dst = 0;
	main();
	Default_Handler();
}

/* K_AIOT_root: a real tag reads it from protected flash / a secure element. */
static const uint8_t k_root[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                                   0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
static const uint8_t perm_id[12] = {0xC3, 0x5A, 0x96, 0x0F, 0x11, 0x22,
                                    0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

static int fw_entropy(void *user, uint8_t *out, size_t len)
{
	(void)user;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)TRNG_DATA;
	return 0;
}

static int fw_key_load(void *user, uint8_t *key, size_t cap, size_t *len)
{
	(void)user;
	if (cap < sizeof(k_root))
		return -1;
	memcpy(key, k_root, sizeof(k_root));
	*len = sizeof(k_root);
	return 0;
}

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
static uint8_t rx[AIOT_NAS_MAX_PDU], tx[AIOT_NAS_MAX_PDU], reading[16];

static size_t radio_receive(void)
{
	size_t len = RADIO_RX_LEN;

	if (len > sizeof(rx))
		len = sizeof(rx);
	for (size_t i = 0; i < len; i++)
		rx[i] = (uint8_t)RADIO_RX_FIFO;
	return len;
}

static void radio_send(size_t len)
{
	for (size_t i = 0; i < len; i++)
		RADIO_TX_FIFO = tx[i];
	if (len)
		TIMER_START = 1;
}

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
	}
	return 0;
}
