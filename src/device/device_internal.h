/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the device's two state machines share (device.c: network-triggered, TS 33.369 5.2.2;
 * device_doa.c: device-originated access). Private to src/device: a firmware includes
 * aiot_device.h / aiot_doa.h only. Owner of each function: device.c.
 */
#ifndef AIOT_DEVICE_INTERNAL_H
#define AIOT_DEVICE_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "aiot_device.h"

#define DEV_BE NULL    /* the reference primitives, called directly (backend.h) */
#define DEV_KEY_MAX 32 /* K_AIOT_root: 16 or 32 bytes (aiot_suite_check_key) */
/* Keeps K_AIOT_root's frame off the path of the other callers (stack: docs/benchmarks.md). */
#define DEV_NOINLINE __attribute__((noinline))

/* 1 if cfg is complete and its suite is one this image was built with, else 0. */
int aiot_dev_cfg_ok(const aiot_device_cfg *cfg);

/* K_AIOT_root from secure storage into key[DEV_KEY_MAX]: its length (16 or 32), or
 * AIOT_ERR_* with key zeroised. */
int aiot_dev_load_key(const aiot_device_cfg *cfg, uint8_t key[DEV_KEY_MAX]);

/* K_AIOTF (A.3) from K_AIOT_root and the RANDs, then K_AIOT_int / K_AIOT_enc from it;
 * K_AIOTF is not kept. Cannot fail (arguments checked by the callers). */
void aiot_dev_session_keys(const aiot_device_cfg *cfg, const uint8_t *key, size_t key_len,
                           const uint8_t rand_n[16], const uint8_t rand_d[16], uint8_t k_int[16],
                           uint8_t k_enc[16]);

/* TID_UPDATE: the next T-ID from K_AIOT_root and the session's RANDs (FC AIOT_FC_TID),
 * persisted through cfg->tid_store first. AIOT_ST_SUCCESS, or AIOT_ST_ERROR_UNSPECIFIED if the
 * key cannot be loaded or the T-ID stored (the device then keeps its old T-ID). */
uint8_t aiot_dev_next_tid(const aiot_device_cfg *cfg, const uint8_t rand_n[16],
                          const uint8_t rand_d[16], uint8_t new_tid[16]);

#endif
