/* SPDX-License-Identifier: Apache-2.0 */
/* Big-endian (network order) loads and stores, the one copy for every codec (NAS, NGAP,
 * air, SHA-256, NxA2, the NG framing). Header-only static inline: freestanding (src/nas and
 * src/device are cross-built for Cortex-M0) and free after inlining. The caller has checked
 * that the bytes are there; these read and write exactly 2 or 4 octets at p. */
#ifndef AIOT_BYTES_H
#define AIOT_BYTES_H
#include <stdint.h>

static inline uint16_t aiot_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t aiot_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void aiot_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void aiot_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
