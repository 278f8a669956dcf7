/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redis Cluster key slots (Redis Cluster specification, "Keys distribution model"):
 * HASH_SLOT = CRC16(key) mod 16384, where CRC16 is CRC-16/XMODEM and only the part between
 * the first '{' and the first '}' after it is hashed when that part is not empty. Sans-I/O,
 * no allocation.
 */
#ifndef AIOT_REDIS_SLOT_H
#define AIOT_REDIS_SLOT_H
#include <stddef.h>
#include <stdint.h>

#define REDIS_SLOTS 16384

/* CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no final xor). */
uint16_t redis_crc16(const void *buf, size_t len);

/* The hash slot of a key, 0..16383 ({hash tag} rule applied). */
unsigned redis_key_slot(const void *key, size_t len);

#endif
