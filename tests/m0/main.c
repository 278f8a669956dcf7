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

/* Made-up peripherals. */
#define RADIO_RX_LEN (*(volatile uint32_t *)0x40001000u)
#define RADIO_RX_FIFO (*(volatile uint32_t *)0x40001004u)
#define RADIO_TX_FIFO (*(volatile uint32_t *)0x40001008u)
#define TRNG_DATA (*(volatile uint32_t *)0x40002000u)

/* Frames from the reader, after the AIoT MAC layer: octet 0 says what follows. */
#define FRAME_PAGING 0x01  /* kind(1) ident_bits(2) RAND_AIOT_n(16) ident */
#define FRAME_COMMAND 0x02 /* AIoT NAS Command Request */

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
static uint8_t user_mem[64];

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
static uint8_t rx[AIOT_NAS_MAX_PDU + 20], tx[AIOT_NAS_MAX_PDU];

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
}

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
