/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The primitive interface both crypto implementations provide (BearSSL-style: one API,
 * several implementations). Everything above it (KDF, AIoT derivations, NIA2/NEA2) is
 * written once, against this struct:
 *   - aiot_backend_ref:     freestanding, constant-time, table-free (device and tests);
 *   - aiot_backend_openssl: OpenSSL 3 EVP contexts created once and reused (network side,
 *                           see backend_openssl.h).
 * Inputs are gather lists so that no layer has to copy a message to prepend a header.
 * A backend may leave an op NULL (a device built for one suite); callers then get
 * AIOT_ERR_INVAL.
 *
 * be == NULL everywhere above this interface (kdf.h, nxa2.h, nas_security.h) means the
 * reference primitives of this directory, called directly: what the device does, so that a
 * firmware links neither function pointers nor argument-checking wrappers, and no code of a
 * suite it was not built for (AIOT_DEVICE_SUITES below).
 */
#ifndef AIOT_BACKEND_H
#define AIOT_BACKEND_H
#include <stddef.h>
#include <stdint.h>

typedef struct aiot_iov {
	const uint8_t *p;
	size_t len;
} aiot_iov;

typedef struct aiot_backend {
	const char *name;
	void *ctx; /* backend state, passed back to every op; NULL for ref */
	/* HMAC-SHA-256 (FIPS 198-1) over the concatenation of iov[0..niov). key_len >= 1. */
	int (*hmac_sha256)(void *ctx, const uint8_t *key, size_t key_len, const aiot_iov *iov,
	                   size_t niov, uint8_t mac[32]);
	/* AES-128-CMAC (NIST SP 800-38B, bit-granular) over the first nbits bits of the
	 * concatenation of iov[0..niov); nbits <= 8 * total length. Bits past nbits in the
	 * last byte are ignored. */
	int (*aes_cmac)(void *ctx, const uint8_t key[16], const aiot_iov *iov, size_t niov,
	                size_t nbits, uint8_t mac[16]);
	/* AES-128-CTR: out = in XOR keystream, counter block ctr0 incremented as a 128-bit
	 * big-endian integer (SP 800-38A). in == out allowed. */
	int (*aes_ctr)(void *ctx, const uint8_t key[16], const uint8_t ctr0[16], const uint8_t *in,
	               uint8_t *out, size_t len);
	/* Optional (NULL: not offered): HMAC-SHA-256 with the key-dependent work done once.
	 * hmac_prepare stores the inner and outer hash states for key in st (at most
	 * AIOT_HMAC_STATE_MAX bytes); hmac_prepared then MACs many messages under that key.
	 * For the ADM, which evaluates one device key over many RAND_d. */
	int (*hmac_prepare)(void *ctx, const uint8_t *key, size_t key_len, uint8_t *st);
	int (*hmac_prepared)(void *ctx, const uint8_t *st, const aiot_iov *iov, size_t niov,
	                     uint8_t mac[32]);
} aiot_backend;

#define AIOT_HMAC_STATE_MAX 256

/* Which key-derivation suites the reference primitives serve, as a bit mask of aiot_suite
 * values (kdf.h): 1 = 3gpp (HMAC-SHA-256 PRF), 2 = aes (AES-CMAC PRF), 3 = both (the
 * default, what the host and every test use). NAS protection (128-NIA2/NEA2) needs AES under
 * either suite, so only HMAC-SHA-256 is ever left out: a firmware built with
 * -DAIOT_DEVICE_SUITES=2 links no SHA-256 code (cmake/device-m0.sh). */
#ifndef AIOT_DEVICE_SUITES
#define AIOT_DEVICE_SUITES 3
#endif
#if AIOT_DEVICE_SUITES < 1 || AIOT_DEVICE_SUITES > 3
#error "AIOT_DEVICE_SUITES: 1 (3gpp), 2 (aes) or 3 (both)"
#endif
#define AIOT_REF_3GPP (AIOT_DEVICE_SUITES & 1)

/* The freestanding reference backend (backend_ref.c). */
extern const aiot_backend aiot_backend_ref;

#endif
