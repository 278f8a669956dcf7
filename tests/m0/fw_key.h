/* SPDX-License-Identifier: Apache-2.0 */
/* The test tag's identity and K_AIOT_root, shared by the Cortex-M0 images (main.c, main_doa.c,
 * bench.c). A real tag reads its key from protected flash or a secure element. */
#ifndef AIOT_M0_FW_KEY_H
#define AIOT_M0_FW_KEY_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static const uint8_t k_root[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                                   0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
static const uint8_t perm_id[12] = {0xC3, 0x5A, 0x96, 0x0F, 0x11, 0x22,
                                    0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

static int fw_key_load(void *user, uint8_t *key, size_t cap, size_t *len)
{
	(void)user;
	if (cap < sizeof(k_root))
		return -1;
	memcpy(key, k_root, sizeof(k_root));
	*len = sizeof(k_root);
	return 0;
}

#endif
