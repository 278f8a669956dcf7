/* SPDX-License-Identifier: Apache-2.0 */
/* UUIDs as text (RFC 9562 4): NF instance IDs (TS 29.571 NfInstanceId). Freestanding. */
#ifndef AIOT_COMMON_UUID_H
#define AIOT_COMMON_UUID_H
#include <stddef.h>

#define AIOT_UUID_LEN 36

/* 1 when the n characters of s are a UUID: 8-4-4-4-12 hexadecimal digits, either case. */
int aiot_uuid_ok(const char *s, size_t n);

#endif
