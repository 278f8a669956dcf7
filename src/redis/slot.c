/* SPDX-License-Identifier: Apache-2.0 */
/* Key slots by CRC16 with {hash tags} (slot.h). */
#include <string.h>

#include "slot.h"

uint16_t redis_crc16(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint16_t crc = 0;
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u)
			                      : (uint16_t)(crc << 1);
	}
	return crc;
}

/* Redis Cluster specification, "Hash tags": the first '{', then the first '}' after it; an
 * empty tag ("{}") or a missing '}' hashes the whole key. */
unsigned redis_key_slot(const void *key, size_t len)
{
	const char *k = key;
	const char *open = len ? memchr(k, '{', len) : NULL;
	if (open != NULL) {
		size_t s = (size_t)(open - k) + 1;
		const char *close = memchr(k + s, '}', len - s);
		if (close != NULL && close > k + s)
			return redis_crc16(k + s, (size_t)(close - (k + s))) & (REDIS_SLOTS - 1);
	}
	return redis_crc16(k, len) & (REDIS_SLOTS - 1);
}
