/* SPDX-License-Identifier: Apache-2.0 */
/* Start-up of the Cortex-M0 tag firmwares (main.c, main_doa.c): vector table, reset handler
 * (copy .data, clear .bss, run main), the made-up radio and TRNG registers, the radio's
 * buffers and the entropy callback on them. Not a product: the peripherals exist only so the
 * compiler cannot fold the calls away. */
#ifndef AIOT_M0_FW_BOOT_H
#define AIOT_M0_FW_BOOT_H
#include <stddef.h>
#include <stdint.h>
#include "nas/nas.h"

/* Made-up peripherals. */
#define RADIO_RX_LEN (*(volatile uint32_t *)0x40001000u)
#define RADIO_RX_FIFO (*(volatile uint32_t *)0x40001004u)
#define RADIO_TX_FIFO (*(volatile uint32_t *)0x40001008u)
#define TRNG_DATA (*(volatile uint32_t *)0x40002000u)

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

static int fw_entropy(void *user, uint8_t *out, size_t len)
{
	(void)user;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)TRNG_DATA;
	return 0;
}

/* The radio's receive and send buffers (a paging frame carries 20 octets of header). */
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

#endif
