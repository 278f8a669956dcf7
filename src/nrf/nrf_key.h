/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NRF's signing key (--signing-key FILE.pem): a P-256 private key in PEM (PKCS #8),
 * loaded at start, or created (mode 0600, never overwriting a file) on the first start. It
 * signs the ES256 access tokens of Nnrf_AccessToken (TS 33.501 13.4.1; DESIGN §8): the
 * token endpoint takes the EVP_PKEY main.c holds. Nothing of it is ever logged.
 */
#ifndef AIOT_NRF_KEY_H
#define AIOT_NRF_KEY_H
#include <stddef.h>

#include <openssl/evp.h>

/* The key of path (a P-256 private key, in a file only its owner may read), or a new one
 * written there when path does not exist (*created = 1). NULL with err. */
EVP_PKEY *nrf_signing_key_load_or_create(const char *path, int *created, char *err, size_t errlen);

#endif
