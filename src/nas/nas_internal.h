/* SPDX-License-Identifier: Apache-2.0 */
/* What the NAS codecs share (nas.c, nas_doa.c); private to src/nas, defined in nas.c. */
#ifndef AIOT_NAS_INTERNAL_H
#define AIOT_NAS_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

/* Octets 0-1 of a plain message whose octet 1 is a flags octet, in wire order
 * (docs/protocol.md §3.9): TRUNC for an empty input, UNKNOWN for another message type, TRUNC
 * without octet 1, MALFORMED if a reserved bit of octet 1 is set; else AIOT_OK. */
int aiot_nas_flags_hdr(const uint8_t *buf, size_t len, uint8_t type, uint8_t reserved);

#endif
