/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIoT device library: what a tag's firmware links. Freestanding: no malloc, no I/O,
 * no clock; the firmware feeds received PDUs in and sends what comes out (sans-I/O).
 * Static state: sizeof(aiot_device) <= 512 bytes (checked at compile time).
 *
 * TS 33.369 5.2.2 steps 3-5: on paging (RAND_AIOT_n + identification information) the
 * device draws RAND_AIOT_d, computes RES_AIOT (Annex A.2) and answers an Inventory
 * Response. It derives K_AIOTF (A.3) and from it K_AIOT_int / K_AIOT_enc, so that a
 * Command Request whose MAC verifies under a COUNT not seen before under this K_AIOTF is
 * the network's proof of knowing K_AIOT_root (implicit network authentication, 5.2.2
 * end); anything else is rejected with no change of state.
 */
#ifndef AIOT_DEVICE_H
#define AIOT_DEVICE_H
#include <stddef.h>
#include <stdint.h>
#include "../crypto/kdf.h"
#include "../nas/nas.h"
#include "aiot_cred.h"

/* How the reader addressed the paging (NGAP AIoT-DeviceIdentificationRequested). */
typedef enum aiot_page_kind {
	AIOT_PAGE_SINGLE = 0, /* ident = a full permanent identifier or T-ID */
	AIOT_PAGE_GROUP = 1,  /* ident = filtering information: a bit prefix of the permanent ID */
	AIOT_PAGE_ALL = 2,    /* every device answers */
} aiot_page_kind;

typedef struct aiot_device_cfg {
	const uint8_t *perm_id; /* AIoT Device Permanent Identifier, in ROM; 1..128 bytes */
	uint8_t perm_id_len;
	aiot_suite suite;
	uint8_t res_bits; /* 32, 64, 96 or 128 */
	uint8_t privacy;  /* 1: present the T-ID, never the permanent identifier */
	/* RAND_AIOT_d source (TS 33.369 5.2.2 step 4). 0 on success. */
	int (*entropy)(void *user, uint8_t *out, size_t len);
	/* Secure storage: copy K_AIOT_root (16 or 32 bytes) into key, set *len. 0 on success.
	 * The library zeroises its copy after each use. Not used (may be NULL) with cred. */
	int (*key_load)(void *user, uint8_t *key, size_t cap, size_t *len);
	/* The credential holder (aiot_cred.h: a UICC, an HSM), or NULL for key_load (soft):
	 * with it, K_AIOT_root never enters the library. */
	const aiot_cred_ops *cred;
	/* User memory (TS 23.369 5.2.2), optional (NULL: READ/WRITE answer NOT_IMPLEMENTED).
	 * Return an aiot_nas_status. */
	int (*mem_read)(void *user, uint16_t offset, uint8_t *out, uint8_t len);
	int (*mem_write)(void *user, uint16_t offset, const uint8_t *in, uint8_t len);
	/* Persist a new T-ID in non-volatile memory, optional. 0 on success. */
	int (*tid_store)(void *user, const uint8_t tid[16]);
	/* Called once when a verified DISABLE arrives, after the response is built. */
	void (*disabled)(void *user);
	void *user;
} aiot_device_cfg;

/* Sessions held at once (>= 2): the one a command last proved, and the newest pagings answered
 * (docs/protocol.md §3.8). A paging flood must deliver this many pagings (one less when a
 * session is proven) between the network's paging and its command to abort the command. */
#ifndef AIOT_DEVICE_SESSIONS
#define AIOT_DEVICE_SESSIONS 4
#endif

/* One session: a paging answered (TS 33.369 5.2.2 step 4) and its keys. */
typedef struct aiot_device_session {
	uint8_t rand_n[16];
	uint8_t rand_d[16];
	uint8_t k_int[16];
	uint8_t k_enc[16];
	uint32_t dl_count; /* highest downlink COUNT accepted */
	uint32_t ul_count; /* next uplink COUNT */
	uint8_t used;      /* 1: holds keys */
	uint8_t dl_seen;   /* 1 once a downlink COUNT was accepted under these keys */
} aiot_device_session;

typedef struct aiot_device {
	const aiot_device_cfg *cfg;
	uint8_t tid[16];
	uint8_t has_tid;
	uint8_t disabled;
	/* Paging abort (TS 33.369 5.2.2 NOTE 1, our extension): a paging no longer replaces the
	 * session. The proven session (a command verified under it) is kept until a command
	 * verifies under another; the other slots hold the newest pagings, oldest replaced. */
	uint8_t proven; /* index of the proven session, AIOT_DEVICE_SESSIONS: none */
	uint8_t newest; /* index of the slot the last paging filled */
	aiot_device_session s[AIOT_DEVICE_SESSIONS];
} aiot_device;

/* tid: the provisioned T-ID (16 bytes) or NULL. Returns AIOT_OK or AIOT_ERR_INVAL. */
int aiot_device_init(aiot_device *d, const aiot_device_cfg *cfg, const uint8_t *tid);

/* Paging: writes an Inventory Response into out (*out_len bytes) and starts a new session
 * beside the ones held (it replaces the oldest unproven one), or returns AIOT_ERR_NOT_ADDRESSED
 * (nothing changes), AIOT_ERR_DISABLED, AIOT_ERR_*. ident_bits: length of ident in bits (GROUP may
 * be any prefix length; SINGLE whole bytes). */
int aiot_device_on_paging(aiot_device *d, const uint8_t rand_n[16], aiot_page_kind kind,
                          const uint8_t *ident, size_t ident_bits, uint8_t *out, size_t cap,
                          size_t *out_len);

/* Command Request: verifies COUNT and MAC under each session held, decrypts, executes, and
 * writes a protected Command Response into out; the session it verified under becomes the
 * only one held. Any failure returns AIOT_ERR_* with no change of state and no
 * output (a device sends nothing back to an unauthenticated command). pdu is modified in
 * place (decryption). */
int aiot_device_on_command(aiot_device *d, uint8_t *pdu, size_t len, uint8_t *out, size_t cap,
                           size_t *out_len);

/* The identifier the device presents: T-ID when privacy is on, else the permanent ID. */
const uint8_t *aiot_device_tid(const aiot_device *d); /* NULL if none */

/* Forget every session and its keys (e.g. field lost). */
void aiot_device_end_session(aiot_device *d);

#endif
