/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Long-term device keys (K_AIOT_root) in a PKCS#11 token (PKCS#11 v2.40 / v3.0 base
 * specification; SoftHSM2 in the tests), docs/pkcs11.md.
 *
 * The module is loaded with dlopen(path) and C_GetFunctionList: no link-time dependency on
 * any PKCS#11 library. A key is a token object that cannot leave the token (CKA_TOKEN,
 * CKA_PRIVATE, CKA_SENSITIVE true, CKA_EXTRACTABLE false, CKA_SIGN true and nothing else);
 * the derivations keyed with it run in the token by C_Sign:
 *   suite aes:  CKM_AES_CMAC on a CKK_AES object of 16 bytes;
 *   suite 3gpp: CKM_SHA256_HMAC on a CKK_GENERIC_SECRET object of 32 bytes: a 128-bit key
 *               is stored zero-padded to 32 bytes, the same MAC (HMAC pads a short key with
 *               zeros to the block size, RFC 2104 section 2), because SoftHSM refuses HMAC
 *               keys under 32 bytes (its minimum is a policy, it adds no strength).
 *
 * The store holds, in place of each key and sealed under the KEK like one, a reference: the
 * object's CKA_ID, AIOT_P11_REF_LEN bytes = the tag "aiotP11" 0x01 || 8 random bytes. The tag
 * makes a store's records say what they hold (a random key begins with it with probability
 * 2^-64), so an ADM refuses a store that does not match its configuration. CKA_LABEL is the
 * device's permanent ID in hex, for the operator's tools.
 *
 * aiot_p11_backend_new() makes an aiot_backend (crypto/backend.h) whose key arguments are
 * such references, so every derivation of crypto/kdf.h runs unchanged against the token. Each
 * has its own session (C_Sign is stateful per session: one backend per thread) and a table
 * of the object handles it found by CKA_ID.
 */
#ifndef AIOT_P11_H
#define AIOT_P11_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/backend.h"
#include "crypto/kdf.h"

#define AIOT_P11_REF_LEN 16
#define AIOT_P11_TAG "aiotP11\x01" /* the first 8 bytes of every reference */
#define AIOT_P11_TAG_LEN 8

/* Where the keys are: the module's path, the token's label, the user PIN's file (mode 0600,
 * owned by this user, like the KEK file; one line, a trailing newline is ignored). */
typedef struct aiot_p11_cfg {
	const char *module, *token, *pin_file;
} aiot_p11_cfg;

/* A module logged in to one token as its user. */
typedef struct aiot_p11 aiot_p11;

/* dlopen, C_Initialize (the OS's locking: sessions are used from several threads), the token
 * whose CKA_LABEL is cfg->token, a read-write session, C_Login as user. NULL with a message
 * in err: module not loadable (dlerror), no such token (naming the labels there are), wrong
 * PIN (CKR_PIN_INCORRECT), locked PIN, unreadable PIN file. The PIN is never logged. */
aiot_p11 *aiot_p11_open(const aiot_p11_cfg *cfg, char *err, size_t errlen);
/* Closes the setup session (the last one closed logs out) and finalizes the module if this
 * call initialised it. Backends are freed first. t may be NULL. */
void aiot_p11_close(aiot_p11 *t);

/* 1 if key (len bytes) is a reference of this module (the tag), else 0. */
int aiot_p11_is_ref(const uint8_t *key, size_t len);

/* Imports a device key into the token as a new non-extractable object (module comment) and
 * writes its fresh reference to ref. The key is checked against the suite first. Not
 * thread-safe (setup session). AIOT_OK, or an AIOT_ERR_* with a message in err. */
int aiot_p11_import(aiot_p11 *t, aiot_suite suite, const uint8_t *key, size_t key_len,
                    const uint8_t *perm_id, size_t perm_id_len, uint8_t ref[AIOT_P11_REF_LEN],
                    char *err, size_t errlen);
/* Destroys the object of ref (undoing an import); AIOT_OK if it is gone. */
int aiot_p11_destroy(aiot_p11 *t, const uint8_t ref[AIOT_P11_REF_LEN]);

/* The references of every secret-key object in the token that carry the tag, sorted
 * (memcmp), in a malloc'd array of *n; AIOT_OK or AIOT_ERR_* with err. t also keeps their
 * handles, which the backends try (checked) before searching: call it before the backends
 * are in use (the ADM does, at start). */
typedef struct aiot_p11_refs {
	uint8_t (*ref)[AIOT_P11_REF_LEN];
	size_t n;
} aiot_p11_refs;
int aiot_p11_list(aiot_p11 *t, aiot_p11_refs *out, char *err, size_t errlen);
/* 1 if ref is in the list (binary search). */
int aiot_p11_refs_has(const aiot_p11_refs *l, const uint8_t ref[AIOT_P11_REF_LEN]);
void aiot_p11_refs_free(aiot_p11_refs *l);

/* A backend on its own session of t (t outlives it): hmac_sha256 (3gpp) and aes_cmac (aes,
 * byte-aligned messages only) by C_Sign; aes_ctr and hmac_prepare NULL. An op returns
 * AIOT_ERR_NOTFOUND when the token holds no object for the reference, AIOT_ERR_CRYPTO when
 * the token fails. NULL with err. */
aiot_backend *aiot_p11_backend_new(aiot_p11 *t, char *err, size_t errlen);
void aiot_p11_backend_free(aiot_backend *be);

#endif
