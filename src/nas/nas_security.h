/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integrity protection and ciphering of AIoT NAS Command Request / Response
 * (our counterpart of TS 33.501 6.4.3 for AIoT; TS 33.369 5.3.2 referred to, not read).
 * MAC = 128-NIA2(K_AIOT_int, COUNT, BEARER=0, DIRECTION, octets 0-1 || payload-as-sent).
 * Cipher (optional) = 128-NEA2(K_AIOT_enc, COUNT, 0, DIRECTION) over the payload.
 * be == NULL: the reference primitives, called directly (crypto/backend.h).
 * Replay (accept each COUNT once) is the caller's state: see device.c and the AIOTF.
 */
#ifndef AIOT_NAS_SECURITY_H
#define AIOT_NAS_SECURITY_H
#include "../crypto/backend.h"
#include "nas.h"

/* Build a protected message of type (COMMAND_REQUEST or COMMAND_RESPONSE) around plain.
 * k_enc == NULL: not ciphered. Returns bytes written or AIOT_ERR_*. */
int aiot_nas_protect(const aiot_backend *be, const uint8_t k_int[16], const uint8_t *k_enc,
                     uint8_t type, uint32_t count, uint8_t direction, const uint8_t *plain,
                     size_t plain_len, uint8_t *out, size_t cap);

/* Decode and verify buf (constant-time MAC compare); on success decrypt the payload in
 * place when ciphered (k_enc required then, else AIOT_ERR_STATE) and fill p, whose payload
 * then points at the plain text inside buf. On any failure buf's payload is left as is and
 * AIOT_ERR_MAC / AIOT_ERR_* is returned. */
int aiot_nas_unprotect(const aiot_backend *be, const uint8_t k_int[16], const uint8_t *k_enc,
                       uint8_t direction, uint8_t *buf, size_t len, aiot_nas_protected *p);

#endif
