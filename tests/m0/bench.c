/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instruction-count harness for the device library on a Cortex-M0, run by bench/device.sh
 * under QEMU's BBC micro:bit machine (nRF51, Cortex-M0) with one instruction per translation
 * block and the execution log on: the script counts the instructions executed between the
 * bench_mark() calls around each entry point.
 *
 * One paging (-> Inventory Response, i.e. one RES_AIOT plus the session keys) and one
 * ciphered READ Command Request (-> MAC check, deciphering, READ, protected Command
 * Response), for the suite in BENCH_SUITE. The network side of the command is built with the
 * same library (the keys are the ones the device just derived). Exits through semihosting.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend.h"
#include "device/aiot_device.h"
#include "nas/nas_security.h"

#ifndef BENCH_SUITE
#define BENCH_SUITE AIOT_SUITE_3GPP
#endif

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
void Reset_Handler(void);
int main(void);

/* Marks for the instruction counter: the script looks for the first instruction of
 * bench_mark in the execution log. Out of line and not foldable. */
__attribute__((noinline)) void bench_mark(int id)
{
	__asm__ volatile("" : : "r"(id) : "memory");
}

/* SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit, or with an error reason. */
static void semihost_exit(int ok)
{
	register uint32_t r0 __asm__("r0") = 0x18;
	register uint32_t r1 __asm__("r1") = ok ? 0x20026u : 0x20023u;

	__asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
	for (;;)
		;
}

static void Default_Handler(void)
{
	semihost_exit(0);
}

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
	semihost_exit(main() == 0);
}

static const uint8_t k_root[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                                   0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
static const uint8_t perm_id[12] = {0xC3, 0x5A, 0x96, 0x0F, 0x11, 0x22,
                                    0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static uint8_t user_mem[64];
static uint32_t rng = 0x12345678u;

static int fw_entropy(void *user, uint8_t *out, size_t len)
{
	(void)user;
	for (size_t i = 0; i < len; i++) {
		rng = rng * 1664525u + 1013904223u; /* a TRNG on real hardware */
		out[i] = (uint8_t)(rng >> 24);
	}
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
		return 1;
	memcpy(out, user_mem + offset, len);
	return 0;
}

static const aiot_device_cfg cfg = {
    .perm_id = perm_id,
    .perm_id_len = sizeof(perm_id),
    .suite = BENCH_SUITE,
    .res_bits = 64,
    .entropy = fw_entropy,
    .key_load = fw_key_load,
    .mem_read = fw_mem_read,
};

static aiot_device dev;
static uint8_t pdu[AIOT_NAS_MAX_PDU], out[AIOT_NAS_MAX_PDU];

int main(void)
{
	static const uint8_t rand_n[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	/* READ 16 octets at offset 0 (TS 23.369 5.2.2), as the AIOTF would send it. */
	static const uint8_t read_cmd[4] = {AIOT_CMD_READ, 0, 0, 16};
	size_t out_len = 0;
	int rc, n;

	if (aiot_device_init(&dev, &cfg, NULL) != AIOT_OK)
		return 1;
	bench_mark(1);
	rc =
	    aiot_device_on_paging(&dev, rand_n, AIOT_PAGE_ALL, NULL, 0, out, sizeof(out), &out_len);
	bench_mark(2);
	if (rc != AIOT_OK || out_len == 0)
		return 1;

	n = aiot_nas_protect(&aiot_backend_ref, dev.s[dev.newest].k_int, dev.s[dev.newest].k_enc,
	                     AIOT_NAS_COMMAND_REQUEST, 1, AIOT_DIR_DOWNLINK, read_cmd,
	                     sizeof(read_cmd), pdu, sizeof(pdu));
	if (n < 0)
		return 1;
	bench_mark(3);
	rc = aiot_device_on_command(&dev, pdu, (size_t)n, out, sizeof(out), &out_len);
	bench_mark(4);
	if (rc != AIOT_OK || out_len == 0)
		return 1;
	return 0;
}
