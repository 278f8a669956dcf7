/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device-originated access (DO-A) on the device: docs/protocol.md §3.10, API aiot_doa.h.
 * The device speaks first (M1), the network proves itself first (MAC_N in M2, FC
 * AIOT_FC_MACN), then the device (RES_D in M3, FC AIOT_FC_RESD); both bind RAND_n, RAND_d and
 * the identifier sent in M1, and each has its own FC, so neither can be reflected as the other,
 * and an M2 for another RAND_d (an earlier session, another device) fails the MAC.
 *
 * Same discipline as device.c: freestanding, the reference primitives called directly
 * (DEV_BE), every check that can fail before anything is written; a refused peer PDU changes
 * one drop counter and nothing else, so a rogue network can neither make the device abort nor
 * make it answer. MAC_N is compared in constant time; K_AIOT_root is on the stack only during
 * the one derivation step that needs it and zeroised right after; K_AIOTF is never kept.
 * With cfg->cred (aiot_cred.h) the card checks MAC_N and answers RES_D, K_AIOTF, the T-ID.
 */
#include <stddef.h>
#include <string.h>
#include "aiot_doa.h"
#include "../common/aiot_err.h"
#include "../crypto/aiot_fc.h"
#include "../crypto/ct.h"
#include "../crypto/kdf.h"
#include "../nas/nas_security.h"
#include "device_internal.h"

/* A DO-A tag has a few hundred bytes of RAM: the state stays within 256 (issue 13). */
_Static_assert(sizeof(aiot_doa) <= 256, "aiot_doa exceeds the 256-byte RAM budget");

int aiot_doa_init(aiot_doa *d, const aiot_device_cfg *cfg, const uint8_t *tid, uint8_t max_tries)
{
	if (!d || !aiot_dev_cfg_ok(cfg))
		return AIOT_ERR_INVAL;
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->max_tries = max_tries ? max_tries : AIOT_DOA_MAX_TRIES_DEFAULT;
	if (tid) {
		memcpy(d->tid, tid, AIOT_TID_LEN);
		d->has_tid = 1;
	}
	return AIOT_OK;
}

/* The identifier M1 presents, which MAC_N and RES_D bind as P2: the T-ID or the permanent
 * identifier (idt). */
static const uint8_t *doa_id(const aiot_doa *d, unsigned idt, uint8_t *len)
{
	if (idt == AIOT_NAS_ID_TID) {
		*len = AIOT_TID_LEN;
		return d->tid;
	}
	*len = d->cfg->perm_id_len;
	return d->cfg->perm_id;
}

/* RANDs and keys of the session (contiguous in aiot_doa) erased, state IDLE. */
static void wipe_session(aiot_doa *d)
{
	aiot_zeroize(d->rand_d, offsetof(aiot_doa, ul_count) - offsetof(aiot_doa, rand_d));
	d->ul_count = 0;
	d->state = AIOT_DOA_IDLE;
}

/* M1 with a fresh RAND_d, built in place (nas_doa.h layout): attempt number tries. */
static int send_m1(aiot_doa *d, uint8_t *out, size_t cap, size_t *out_len, uint8_t tries)
{
	const aiot_device_cfg *cfg = d->cfg;
	/* DESIGN §5: the T-ID, or the permanent ID if the device has none; but a privacy
	 * device never shows its permanent ID (as for a paging to all). */
	unsigned idt = d->has_tid ? AIOT_NAS_ID_TID : AIOT_NAS_ID_PERM;
	size_t pos = AIOT_NAS_DOA_M1_ID_OFF;
	uint8_t id_len, rand_d[16];
	const uint8_t *id;

	if (idt == AIOT_NAS_ID_PERM && cfg->privacy)
		return AIOT_ERR_STATE;
	id = doa_id(d, idt, &id_len);
	if (cap < pos + (idt == AIOT_NAS_ID_PERM) + id_len)
		return AIOT_ERR_NOSPACE;
	if (cfg->entropy(cfg->user, rand_d, sizeof(rand_d)) != 0)
		return AIOT_ERR_CALLBACK;
	/* The last check: commit. */
	wipe_session(d);
	out[0] = AIOT_NAS_DOA_REG_REQUEST;
	out[1] = AIOT_NAS_DOA_M1_FLAGS(idt);
	memcpy(out + AIOT_NAS_DOA_M1_RAND_OFF, rand_d, sizeof(rand_d));
	if (idt == AIOT_NAS_ID_PERM)
		out[pos++] = id_len;
	memcpy(out + pos, id, id_len);
	*out_len = pos + id_len;
	memcpy(d->rand_d, rand_d, sizeof(rand_d));
	d->id_type = (uint8_t)idt;
	d->tries = tries;
	d->state = AIOT_DOA_WAIT_M2;
	return AIOT_OK;
}

int aiot_doa_start(aiot_doa *d, uint8_t *out, size_t cap, size_t *out_len)
{
	if (out_len)
		*out_len = 0;
	if (!d || !d->cfg || !out || !out_len)
		return AIOT_ERR_INVAL;
	return send_m1(d, out, cap, out_len, 1);
}

int aiot_doa_on_timeout(aiot_doa *d, uint8_t *out, size_t cap, size_t *out_len)
{
	if (out_len)
		*out_len = 0;
	if (!d || !d->cfg || !out || !out_len)
		return AIOT_ERR_INVAL;
	if (d->state != AIOT_DOA_WAIT_M2 && d->state != AIOT_DOA_WAIT_M4)
		return AIOT_ERR_STATE;
	if (d->tries >= d->max_tries) {
		wipe_session(d);
		return AIOT_ERR_TIMEOUT;
	}
	/* A lost M1, M2, M3 or M4: start over with a new RAND_d (an M2 or M4 of the old
	 * exchange arriving late fails its MAC under the new one). */
	return send_m1(d, out, cap, out_len, (uint8_t)(d->tries + 1u));
}

/* Everything about an M2 that needs no key: framing, state, the tag (is it for our RAND_d),
 * reflection. Counts what it refuses. */
static int check_m2(aiot_doa *d, const uint8_t *pdu, size_t len, aiot_nas_doa_auth_request *m)
{
	int rc = aiot_nas_decode_doa_auth_request(pdu, len, m);

	if (rc == AIOT_OK && d->state != AIOT_DOA_WAIT_M2)
		rc = AIOT_ERR_STATE; /* replayed after M3, or never asked for */
	if (rc == AIOT_OK && memcmp(m->rand_tag, d->rand_d, AIOT_NAS_RAND_TAG_LEN) != 0) {
		d->m2_foreign++; /* an answer to another M1 (public values: no CT needed) */
		return AIOT_ERR_NOT_ADDRESSED;
	}
	if (rc == AIOT_OK && aiot_ct_eq(m->rand_n, d->rand_d, sizeof(d->rand_d)))
		rc = AIOT_ERR_MAC; /* our own RAND_d reflected as RAND_n */
	if (rc != AIOT_OK)
		d->m2_dropped++;
	return rc;
}

/* K_AIOTF and K_AIOT_int / K_AIOT_enc into *d, out of line: its frame and MAC_N's are not
 * on the stack at the same time. */
static DEV_NOINLINE void doa_keys(aiot_doa *d, const uint8_t *key, size_t key_len,
                                  const uint8_t rand_n[16])
{
	aiot_dev_session_keys(d->cfg, key, key_len, rand_n, d->rand_d, d->k_int, d->k_enc);
}

/* prove_network on the card (aiot_cred.h): it checks MAC_N and only then answers RES_D and
 * K_AIOTF, held here until it succeeded so that a failing card writes neither res_d nor *d.
 * AIOT_ERR_MAC (a refused M2) or AIOT_ERR_CALLBACK (the card failed). */
static DEV_NOINLINE int cred_prove_network(aiot_doa *d, const aiot_nas_doa_auth_request *m,
                                           uint8_t *res_d)
{
	const aiot_device_cfg *cfg = d->cfg;
	uint8_t r[16], k_aiotf[AIOT_KAIOTF_LEN], id_len;
	const uint8_t *id = doa_id(d, d->id_type, &id_len);
	uint8_t n = (uint8_t)(cfg->res_bits / 8u);
	int rc =
	    cfg->cred->doa(cfg->user, m->rand_n, d->rand_d, id, id_len, m->mac_n, n, r, k_aiotf);

	if (rc != AIOT_OK) {
		aiot_zeroize(k_aiotf, sizeof(k_aiotf));
		return rc == AIOT_ERR_MAC ? AIOT_ERR_MAC : AIOT_ERR_CALLBACK;
	}
	memcpy(res_d, r, n);
	aiot_dev_cred_keys(cfg, k_aiotf, d->k_int, d->k_enc);
	return AIOT_OK;
}

/*
 * The network's proof: MAC_N (FC AIOT_FC_MACN) recomputed under K_AIOT_root and compared in
 * constant time; only then RES_D (FC AIOT_FC_RESD) into res_d and the session keys into *d.
 * AIOT_ERR_MAC (nothing written), or AIOT_ERR_* from key_load.
 */
static DEV_NOINLINE int prove_network(aiot_doa *d, const aiot_nas_doa_auth_request *m,
                                      uint8_t *res_d)
{
	const aiot_device_cfg *cfg = d->cfg;
	uint8_t key[DEV_KEY_MAX], mac_n[AIOT_MACN_LEN], id_len;
	const uint8_t *id = doa_id(d, d->id_type, &id_len);
	int key_len = aiot_dev_load_key(cfg, key), ok;

	if (key_len < 0)
		return key_len;
	aiot_derive_macn(DEV_BE, cfg->suite, key, (size_t)key_len, m->rand_n, d->rand_d, id, id_len,
	                 mac_n);
	ok = aiot_ct_eq(mac_n, m->mac_n, sizeof(mac_n));
	aiot_zeroize(mac_n, sizeof(mac_n));
	if (ok) {
		aiot_derive_resd(DEV_BE, cfg->suite, key, (size_t)key_len, m->rand_n, d->rand_d, id,
		                 id_len, cfg->res_bits, res_d);
		doa_keys(d, key, (size_t)key_len, m->rand_n);
	}
	aiot_zeroize(key, sizeof(key));
	return ok ? AIOT_OK : AIOT_ERR_MAC;
}

int aiot_doa_on_auth_request(aiot_doa *d, const uint8_t *pdu, size_t len, const uint8_t *data,
                             size_t data_len, int cipher, uint8_t *out, size_t cap, size_t *out_len)
{
	aiot_nas_doa_auth_request m;
	size_t res_len, pos;
	int rc;

	if (out_len)
		*out_len = 0;
	if (!d || !d->cfg || !pdu || !out || !out_len || (data_len && !data))
		return AIOT_ERR_INVAL;
	res_len = d->cfg->res_bits / 8u;
	pos = AIOT_NAS_DOA_M3_RES_OFF + res_len;
	if (data_len > AIOT_NAS_DOA_M3_MAX_DATA(res_len))
		return AIOT_ERR_INVAL;
	if (cap < pos + (data_len ? AIOT_NAS_SEC_HDR_LEN + data_len : 0))
		return AIOT_ERR_NOSPACE;
	rc = check_m2(d, pdu, len, &m);
	if (rc != AIOT_OK)
		return rc;
	rc = DEV_CRED(d->cfg) ? cred_prove_network(d, &m, out + AIOT_NAS_DOA_M3_RES_OFF)
	                      : prove_network(d, &m, out + AIOT_NAS_DOA_M3_RES_OFF);
	if (rc == AIOT_ERR_MAC)
		d->m2_dropped++; /* a rogue network: dropped, counted, still waiting */
	if (rc != AIOT_OK)
		return rc;

	/* M3 in place: RES_D is there; the first data is protected at its final position as an
	 * Uplink Data PDU under uplink COUNT 0 (room checked: this cannot fail). */
	if (data_len) {
		uint8_t *pl = out + pos + AIOT_NAS_SEC_HDR_LEN;
		memmove(pl, data, data_len);
		rc = aiot_nas_protect(DEV_BE, d->k_int, cipher ? d->k_enc : NULL,
		                      AIOT_NAS_UPLINK_DATA, 0, AIOT_DIR_UPLINK, pl, data_len,
		                      out + pos, cap - pos);
		if (rc < 0)
			return rc;
		pos += (size_t)rc;
	}
	out[0] = AIOT_NAS_DOA_AUTH_RESPONSE;
	out[1] = AIOT_NAS_DOA_M3_FLAGS(res_len);
	*out_len = pos;
	memcpy(d->rand_n, m.rand_n, sizeof(d->rand_n));
	d->ul_count = 1;
	d->state = AIOT_DOA_WAIT_M4;
	return AIOT_OK;
}

/* M4: framing, state, type, COUNT 0 (no crypto for a stale one), then the MAC under
 * K_AIOT_int with DIRECTION downlink (an uplink PDU reflected fails it), deciphering, the
 * payload. */
static int check_m4(aiot_doa *d, uint8_t *pdu, size_t len, aiot_nas_doa_accept *a)
{
	aiot_nas_protected p;
	int rc = aiot_nas_decode_protected(pdu, len, &p);

	if (rc != AIOT_OK)
		return rc;
	if (d->state != AIOT_DOA_WAIT_M4)
		return AIOT_ERR_STATE;
	if (p.type != AIOT_NAS_DOA_REG_ACCEPT)
		return AIOT_ERR_UNKNOWN;
	if (p.count != 0) /* M4 is the first downlink PDU under this K_AIOTF */
		return AIOT_ERR_REPLAY;
	rc = aiot_nas_unprotect(DEV_BE, d->k_int, d->k_enc, AIOT_DIR_DOWNLINK, pdu, len, &p);
	if (rc != AIOT_OK)
		return rc;
	return aiot_nas_decode_doa_accept(p.payload, p.payload_len, a);
}

/* TID_UPDATE (aiot_dev_next_tid), out of line: K_AIOT_root's frame stays off the other paths. */
static DEV_NOINLINE uint8_t tid_update(const aiot_doa *d, uint8_t new_tid[AIOT_TID_LEN])
{
	return aiot_dev_next_tid(d->cfg, d->rand_n, d->rand_d, new_tid);
}

static DEV_NOINLINE uint8_t cred_tid_update(const aiot_doa *d, uint8_t new_tid[AIOT_TID_LEN])
{
	return aiot_dev_cred_tid(d->cfg, d->rand_n, d->rand_d, new_tid);
}

int aiot_doa_on_accept(aiot_doa *d, uint8_t *pdu, size_t len)
{
	aiot_nas_doa_accept a;
	uint8_t new_tid[AIOT_TID_LEN];
	int rc;

	if (!d || !d->cfg || !pdu)
		return AIOT_ERR_INVAL;
	rc = check_m4(d, pdu, len, &a);
	if (rc != AIOT_OK) {
		d->m4_dropped++;
		return rc;
	}
	/* TID_UPDATE as in the command procedure (FC AIOT_FC_TID over this session's RANDs):
	 * applied only once stored. */
	if (a.tid_update && (DEV_CRED(d->cfg) ? cred_tid_update(d, new_tid)
	                                      : tid_update(d, new_tid)) == AIOT_ST_SUCCESS) {
		memcpy(d->tid, new_tid, sizeof(d->tid));
		d->has_tid = 1;
		if (d->tid_rotations < UINT8_MAX)
			d->tid_rotations++;
	}
	d->state = AIOT_DOA_REGISTERED;
	return AIOT_OK;
}

int aiot_doa_send(aiot_doa *d, const uint8_t *data, size_t data_len, int cipher, uint8_t *out,
                  size_t cap, size_t *out_len)
{
	int n;

	if (out_len)
		*out_len = 0;
	if (!d || !d->cfg || !data || !out || !out_len)
		return AIOT_ERR_INVAL;
	if (d->state != AIOT_DOA_REGISTERED || d->ul_count == UINT32_MAX)
		return AIOT_ERR_STATE; /* COUNT never wraps: register again */
	n = aiot_nas_protect(DEV_BE, d->k_int, cipher ? d->k_enc : NULL, AIOT_NAS_UPLINK_DATA,
	                     d->ul_count, AIOT_DIR_UPLINK, data, data_len, out, cap);
	if (n < 0)
		return n;
	*out_len = (size_t)n;
	d->ul_count++;
	return AIOT_OK;
}

void aiot_doa_end(aiot_doa *d)
{
	if (d)
		wipe_session(d);
}
