/* SPDX-License-Identifier: Apache-2.0 */
/* The OpenSSL 3 backend (network side only; never linked into the device library).
 * One instance per thread: it owns EVP_MAC / EVP_CIPHER contexts created once and reused. */
#ifndef AIOT_BACKEND_OPENSSL_H
#define AIOT_BACKEND_OPENSSL_H
#include "backend.h"

/* NULL when OpenSSL cannot provide HMAC, CMAC or AES-CTR. */
aiot_backend *aiot_backend_openssl_new(void);
void aiot_backend_openssl_free(aiot_backend *be);

#endif
