/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz aiot_nas_unprotect with fixed keys on the reference backend (docs/protocol.md
 * §3.6), in both directions. Invariants: a rejected message leaves the buffer exactly as
 * received; an accepted one is reproduced byte for byte by aiot_nas_protect. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend.h"
#include "nas/nas_security.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The keys of the seed corpus (fuzz/corpus/fuzz_nas_unprotect/, tests/unit/test_nas_security.c). */
static const uint8_t k_int[16] = {0x2b, 0xd6, 0x45, 0x9f, 0x82, 0xc5, 0xb3, 0x00,
                                  0x95, 0x2c, 0x49, 0x10, 0x48, 0x81, 0xff, 0x48};
static const uint8_t k_enc[16] = {0xd3, 0xc5, 0xd5, 0x92, 0x32, 0x7f, 0xb1, 0x1c,
                                  0x40, 0x35, 0xc6, 0x68, 0x0a, 0xf8, 0xc6, 0xd1};

static void one(const uint8_t *data, size_t size, uint8_t dir)
{
	uint8_t buf[AIOT_NAS_MAX_PDU + 1], out[AIOT_NAS_MAX_PDU];
	aiot_nas_protected p;

	memcpy(buf, data, size);
	int rc = aiot_nas_unprotect(&aiot_backend_ref, k_int, k_enc, dir, buf, size, &p);
	if (rc != AIOT_OK) {
		if (rc == AIOT_ERR_INVAL || memcmp(buf, data, size) != 0 || p.payload != NULL)
			__builtin_trap();
		return;
	}
	int n = aiot_nas_protect(&aiot_backend_ref, k_int, p.ciphered ? k_enc : NULL, p.type,
	                         p.count, dir, p.payload, p.payload_len, out, sizeof out);
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > AIOT_NAS_MAX_PDU + 1) /* beyond that the framing alone decides */
		return 0;
	one(data, size, AIOT_DIR_DOWNLINK);
	one(data, size, AIOT_DIR_UPLINK);
	return 0;
}
