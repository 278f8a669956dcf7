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
 * same library (the keys are the ones the device just derived). Then one DO-A registration
 * (docs/protocol.md §3.10): aiot_doa_start (M1), aiot_doa_on_auth_request (MAC_N check,
 * RES_D, the session keys, M3 with 16 octets of ciphered first data) and aiot_doa_on_accept
 * (M4 with TID_UPDATE), marks 5-10 around the three device calls only (the network's M2 and M4
 * are built between them), and one ciphered Uplink Data of 16 octets (marks 11-12). Exits
 * through semihosting.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend.h"
#include "crypto/kdf.h"
#include "device/aiot_device.h"
#include "device/aiot_doa.h"
#include "nas/nas_security.h"
#include "fw_key.h"

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

static aiot_doa doa;

/* One DO-A registration and one Uplink Data; the network side (M2, M4) with the same library. */
static int bench_doa(void)
{
	static const uint8_t rand_n[16] = {0xA0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	static const uint8_t reading[16] = "t=21.5C h=40% ok";
	static const uint8_t accept = AIOT_NAS_DOA_ACCEPT_TID;
	aiot_nas_doa_auth_request m2;
	size_t out_len = 0;
	int rc, n;

	if (aiot_doa_init(&doa, &cfg, NULL, 0) != AIOT_OK)
		return 1;
	bench_mark(5);
	rc = aiot_doa_start(&doa, out, sizeof(out), &out_len);
	bench_mark(6);
	if (rc != AIOT_OK)
		return 1;
	memcpy(m2.rand_tag, doa.rand_d, sizeof(m2.rand_tag));
	memcpy(m2.rand_n, rand_n, sizeof(rand_n));
	if (aiot_derive_macn(&aiot_backend_ref, BENCH_SUITE, k_root, sizeof(k_root), rand_n,
	                     doa.rand_d, perm_id, sizeof(perm_id), m2.mac_n) != AIOT_OK)
		return 1;
	n = aiot_nas_encode_doa_auth_request(&m2, pdu, sizeof(pdu));
	bench_mark(7);
	rc = aiot_doa_on_auth_request(&doa, pdu, (size_t)n, reading, sizeof(reading), 1, out,
	                              sizeof(out), &out_len);
	bench_mark(8);
	if (rc != AIOT_OK)
		return 1;
	n = aiot_nas_protect(&aiot_backend_ref, doa.k_int, doa.k_enc, AIOT_NAS_DOA_REG_ACCEPT, 0,
	                     AIOT_DIR_DOWNLINK, &accept, 1, pdu, sizeof(pdu));
	bench_mark(9);
	rc = aiot_doa_on_accept(&doa, pdu, (size_t)n);
	bench_mark(10);
	if (rc != AIOT_OK || doa.state != AIOT_DOA_REGISTERED || doa.tid_rotations != 1)
		return 1;
	bench_mark(11);
	rc = aiot_doa_send(&doa, reading, sizeof(reading), 1, out, sizeof(out), &out_len);
	bench_mark(12);
	return rc == AIOT_OK ? 0 : 1;
}

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
	return bench_doa();
}
