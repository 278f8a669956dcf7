/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIoT device: TS 33.369 5.2.2 steps 3-5 (paging -> RES_AIOT + RAND_AIOT_d) and the
 * device end of the command procedure (implicit authentication of the network by the MAC of
 * the Command Request, 5.2.2 last paragraph / 5.3.2).
 *
 * Freestanding: no allocation, no I/O, nothing from libc but mem*; crypto only through
 * aiot_backend_ref and kdf.h / nxa2.h / nas_security.h.
 *
 * Transactions: every entry point computes into locals and commits to *d only once
 * everything has succeeded, so a failure leaves *d byte-for-byte as it was and writes
 * *out_len = 0 (the device sends nothing).
 *
 * Constant-time (CT): the derivations run on the reference backend, which is constant-time
 * in the keys; the Command Request MAC is compared in constant time by aiot_nas_unprotect;
 * identifiers are compared with aiot_ct_eq (they are public, this is only hygiene). What
 * leaks through timing: the paging kind, whether the device is addressed, the message
 * lengths and COUNT values (all public on the air anyway; a stale COUNT is refused before
 * the MAC is computed), whether a MAC failed (the device stays silent, visible anyway).
 * K_AIOT_root is loaded only for a derivation and zeroised right after; K_AIOTF is never
 * kept; K_AIOT_int / K_AIOT_enc live in *d until the next paging, DISABLE or end_session.
 */
#include <string.h>
#include "aiot_device.h"
#include "../common/aiot_err.h"
#include "../crypto/aiot_fc.h"
#include "../crypto/ct.h"
#include "../nas/nas_security.h"

/* DESIGN.md §1: the static state of a tag stays within a few hundred bytes. */
_Static_assert(sizeof(aiot_device) <= 512, "aiot_device exceeds the 512-byte RAM budget");

#define DEV_BE (&aiot_backend_ref)
#define DEV_KEY_MAX 32 /* K_AIOT_root: 16 or 32 bytes (aiot_suite_check_key) */
/* Keeps large frames off the deepest call path (stack use: docs/benchmarks.md). */
#define DEV_NOINLINE __attribute__((noinline))

/* A suite this image was built with (AIOT_DEVICE_SUITES, backend_ref.c): 3gpp needs the
 * backend's HMAC, both need its AES ops for NAS protection. */
static int suite_valid(aiot_suite s)
{
	const aiot_backend *be = DEV_BE;

	if (!be->aes_cmac || !be->aes_ctr)
		return 0;
	return (s == AIOT_SUITE_3GPP && be->hmac_sha256) || s == AIOT_SUITE_AES;
}

int aiot_device_init(aiot_device *d, const aiot_device_cfg *cfg, const uint8_t *tid)
{
	if (!d || !cfg || !cfg->perm_id || cfg->perm_id_len < 1 ||
	    cfg->perm_id_len > AIOT_NAS_MAX_ID_LEN || !suite_valid(cfg->suite) ||
	    !AIOT_RES_BITS_VALID(cfg->res_bits) || !cfg->entropy || !cfg->key_load)
		return AIOT_ERR_INVAL;
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	if (tid) {
		memcpy(d->tid, tid, AIOT_TID_LEN);
		d->has_tid = 1;
	}
	return AIOT_OK;
}

/* K_AIOT_root from secure storage into key[DEV_KEY_MAX]; on failure key is zero. */
static int load_key(const aiot_device_cfg *cfg, uint8_t key[DEV_KEY_MAX], size_t *len)
{
	*len = 0;
	if (cfg->key_load(cfg->user, key, DEV_KEY_MAX, len) != 0) {
		aiot_zeroize(key, DEV_KEY_MAX);
		return AIOT_ERR_CALLBACK;
	}
	if (*len > DEV_KEY_MAX || aiot_suite_check_key(cfg->suite, *len) != AIOT_OK) {
		aiot_zeroize(key, DEV_KEY_MAX);
		return AIOT_ERR_KEYLEN;
	}
	return AIOT_OK;
}

/* 1 if the first nbits bits of a and b are equal (bit 0 = MSB of octet 0, as in an ASN.1
 * BIT STRING), else 0. */
static int bit_prefix_eq(const uint8_t *a, const uint8_t *b, size_t nbits)
{
	size_t n = nbits / 8;
	unsigned rem = (unsigned)(nbits % 8);

	if (n && !aiot_ct_eq(a, b, n))
		return 0;
	if (rem) {
		uint8_t mask = (uint8_t)(0xFFu << (8 - rem));
		return ((a[n] ^ b[n]) & mask) == 0;
	}
	return 1;
}

/*
 * TS 33.369 5.2.2 step 4 (first half): "if the AIoT Device determines it needs to respond
 * based on the AIoT Device Identification Information". Returns 1 (addressed; *own = 1 when
 * the paging named this device by its own identifier), 0 (not addressed) or AIOT_ERR_INVAL.
 */
static int addressed(const aiot_device *d, aiot_page_kind kind, const uint8_t *ident,
		     size_t ident_bits, int *own)
{
	const aiot_device_cfg *cfg = d->cfg;
	size_t n = ident_bits / 8;

	*own = 0;
	if (ident_bits && !ident)
		return AIOT_ERR_INVAL;
	switch (kind) {
	case AIOT_PAGE_SINGLE:
		if (ident_bits == 0 || ident_bits % 8)
			return AIOT_ERR_INVAL;
		if (n == cfg->perm_id_len && aiot_ct_eq(ident, cfg->perm_id, n))
			*own = 1;
		else if (d->has_tid && n == AIOT_TID_LEN && aiot_ct_eq(ident, d->tid, n))
			*own = 1;
		return *own;
	case AIOT_PAGE_GROUP:
		/* Filtering information: a bit prefix of the permanent identifier. */
		if (ident_bits > 8u * cfg->perm_id_len)
			return 0;
		return bit_prefix_eq(ident, cfg->perm_id, ident_bits);
	case AIOT_PAGE_ALL:
		return 1;
	}
	return AIOT_ERR_INVAL;
}

/* TS 33.369 5.2.2 step 4: RAND_AIOT_d and RES_AIOT (A.2) into m, K_AIOTF (A.3) and from it
 * the NAS keys into keys (K_AIOT_int || K_AIOT_enc). Out of line so that K_AIOT_root and
 * K_AIOTF are on the stack only while the derivations run. */
static DEV_NOINLINE int derive_session(const aiot_device_cfg *cfg, const uint8_t rand_n[16],
				       aiot_nas_inventory_response *m,
				       uint8_t keys[2 * AIOT_ALGKEY_LEN])
{
	uint8_t key[DEV_KEY_MAX], k_aiotf[AIOT_KAIOTF_LEN];
	size_t key_len;
	int rc;

	if (cfg->entropy(cfg->user, m->rand_d, sizeof(m->rand_d)) != 0)
		return AIOT_ERR_CALLBACK;
	rc = load_key(cfg, key, &key_len);
	if (rc < 0)
		return rc;
	rc = aiot_derive_res(DEV_BE, cfg->suite, key, key_len, rand_n, m->rand_d, cfg->res_bits,
			     m->res);
	if (rc >= 0)
		rc = aiot_derive_kaiotf(DEV_BE, cfg->suite, key, key_len, rand_n, m->rand_d,
					k_aiotf);
	aiot_zeroize(key, sizeof(key));
	if (rc >= 0)
		rc = aiot_derive_algkey(DEV_BE, cfg->suite, k_aiotf, AIOT_ALG_TYPE_INT,
					AIOT_ALG_ID_NIA2, keys);
	if (rc >= 0)
		rc = aiot_derive_algkey(DEV_BE, cfg->suite, k_aiotf, AIOT_ALG_TYPE_ENC,
					AIOT_ALG_ID_NEA2, keys + AIOT_ALGKEY_LEN);
	/* K_AIOTF itself is not kept: only K_AIOT_int / K_AIOT_enc are needed. */
	aiot_zeroize(k_aiotf, sizeof(k_aiotf));
	return rc < 0 ? rc : AIOT_OK;
}

int aiot_device_on_paging(aiot_device *d, const uint8_t rand_n[16], aiot_page_kind kind,
			  const uint8_t *ident, size_t ident_bits, uint8_t *out, size_t cap,
			  size_t *out_len)
{
	aiot_nas_inventory_response m; /* holds RAND_AIOT_d and RES_AIOT as they are derived */
	uint8_t keys[2 * AIOT_ALGKEY_LEN];
	int own, rc;

	if (out_len)
		*out_len = 0;
	if (!d || !d->cfg || !rand_n || !out || !out_len)
		return AIOT_ERR_INVAL;
	if (d->disabled)
		return AIOT_ERR_DISABLED;
	rc = addressed(d, kind, ident, ident_bits, &own);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return AIOT_ERR_NOT_ADDRESSED;

	/* Which identifier to present: none when the paging named us (the network knows who
	 * answers); the T-ID for a privacy device, which never shows its permanent ID. */
	memset(&m, 0, sizeof(m));
	if (own) {
		m.id_type = AIOT_NAS_ID_NONE;
	} else if (d->cfg->privacy) {
		if (!d->has_tid)
			return AIOT_ERR_STATE;
		m.id_type = AIOT_NAS_ID_TID;
		m.id = d->tid;
		m.id_len = AIOT_TID_LEN;
	} else {
		m.id_type = AIOT_NAS_ID_PERM;
		m.id = d->cfg->perm_id;
		m.id_len = d->cfg->perm_id_len;
	}

	rc = derive_session(d->cfg, rand_n, &m, keys);
	if (rc < 0)
		goto out;

	/* TS 33.369 5.2.2 step 5: the AIOT NAS message carries RES_AIOT and RAND_AIOT_d. */
	m.res_len = (uint8_t)(d->cfg->res_bits / 8);
	rc = aiot_nas_encode_inventory_response(&m, out, cap);
	if (rc < 0)
		goto out;

	/* Commit: the new session replaces the old one (5.2.2 NOTE 1). */
	memcpy(d->rand_n, rand_n, sizeof(d->rand_n));
	memcpy(d->rand_d, m.rand_d, sizeof(d->rand_d));
	memcpy(d->k_int, keys, sizeof(d->k_int));
	memcpy(d->k_enc, keys + AIOT_ALGKEY_LEN, sizeof(d->k_enc));
	d->has_session = 1;
	d->dl_seen = 0;
	d->dl_count = 0;
	d->ul_count = 0;
	*out_len = (size_t)rc;
	rc = AIOT_OK;
out:
	aiot_zeroize(keys, sizeof(keys));
	aiot_zeroize(&m, sizeof(m));
	return rc;
}

/* Each downlink COUNT once, strictly increasing under one K_AIOTF (DESIGN.md §2). */
static int count_fresh(const aiot_device *d, uint32_t count)
{
	return !d->dl_seen || count > d->dl_count;
}

/* A callback's aiot_nas_status, or ERROR_UNSPECIFIED for anything out of range. */
static aiot_nas_status cb_status(int st)
{
	if (st < (int)AIOT_ST_SUCCESS || st > (int)AIOT_ST_NOT_IMPLEMENTED)
		return AIOT_ST_ERROR_UNSPECIFIED;
	return (aiot_nas_status)st;
}

/* What executing a command will change in *d, applied at commit. */
typedef struct dev_effect {
	uint8_t new_tid[AIOT_TID_LEN];
	uint8_t tid_changed;
	uint8_t disable;
} dev_effect;

/* TID_UPDATE: next T-ID from K_AIOT_root and this session's RANDs (FC AIOT_FC_TID). */
static aiot_nas_status run_tid_update(const aiot_device *d, dev_effect *e)
{
	const aiot_device_cfg *cfg = d->cfg;
	uint8_t key[DEV_KEY_MAX];
	size_t key_len;
	int rc;

	if (load_key(cfg, key, &key_len) < 0)
		return AIOT_ST_ERROR_UNSPECIFIED;
	rc = aiot_derive_tid(DEV_BE, cfg->suite, key, key_len, d->rand_n, d->rand_d, e->new_tid);
	aiot_zeroize(key, sizeof(key));
	if (rc < 0)
		return AIOT_ST_ERROR_UNSPECIFIED;
	/* Persist first: if the new T-ID cannot be stored the device keeps the old one and
	 * says so, and the network keeps the old one too. */
	if (cfg->tid_store && cfg->tid_store(cfg->user, e->new_tid) != 0)
		return AIOT_ST_ERROR_UNSPECIFIED;
	e->tid_changed = 1;
	return AIOT_ST_SUCCESS;
}

/*
 * Execute an authenticated command and fill r. READ data is read into scratch: its place in
 * the response inside the caller's output buffer (check_room), so that no copy of it is
 * needed on the stack.
 */
static DEV_NOINLINE void run_command(const aiot_device *d, const aiot_nas_command *c,
				     uint8_t *scratch, aiot_nas_result *r, dev_effect *e)
{
	const aiot_device_cfg *cfg = d->cfg;

	r->cmd = c->cmd;
	r->data = NULL;
	r->data_len = 0;
	switch (c->cmd) {
	case AIOT_CMD_READ:
		if (!cfg->mem_read) {
			r->status = AIOT_ST_NOT_IMPLEMENTED;
			break;
		}
		r->status = cb_status(cfg->mem_read(cfg->user, c->offset, scratch, c->length));
		if (r->status == AIOT_ST_SUCCESS) {
			r->data = scratch;
			r->data_len = c->length;
		}
		break;
	case AIOT_CMD_WRITE:
		if (!cfg->mem_write) {
			r->status = AIOT_ST_NOT_IMPLEMENTED;
			break;
		}
		r->status = cb_status(cfg->mem_write(cfg->user, c->offset, c->data, c->length));
		break;
	case AIOT_CMD_DISABLE:
		r->status = AIOT_ST_SUCCESS;
		e->disable = 1;
		break;
	case AIOT_CMD_TID_UPDATE:
		r->status = run_tid_update(d, e);
		break;
	default:
		r->status = AIOT_ST_NOT_IMPLEMENTED;
		break;
	}
}

/*
 * Room check before anything is executed: the largest response this command can produce
 * (READ with all its data) must fit in out, so that a command is never executed without its
 * response. The result encoding grows by one octet per data octet, so one data octet is
 * enough to size it. Returns the offset of READ data in the result payload (its length
 * without the data), or AIOT_ERR_NOSPACE / AIOT_ERR_*.
 */
static int check_room(const aiot_nas_command *c, size_t cap)
{
	aiot_nas_result r = {.cmd = c->cmd, .status = AIOT_ST_SUCCESS};
	uint8_t one = 0, buf[8];
	size_t extra = 0;
	int n;

	if (c->cmd == AIOT_CMD_READ) {
		r.data = &one;
		r.data_len = 1;
		extra = (size_t)c->length - 1;
	}
	n = aiot_nas_encode_result(&r, buf, sizeof(buf));
	if (n < 0)
		return n;
	if ((size_t)n + extra + AIOT_NAS_SEC_HDR_LEN > cap)
		return AIOT_ERR_NOSPACE;
	return n - 1;
}

/* The protected Command Response, built in place in out: the result payload is encoded at
 * its final offset and protected there (ciphering in place, MAC streamed over out), so no
 * plain-text copy is kept on the stack. Same ciphering as the request, DIRECTION uplink,
 * COUNT = ul_count. READ data already sits at its place (run_command), so the result
 * encoder's copy of it has source == destination. */
static DEV_NOINLINE int respond(const aiot_device *d, const aiot_nas_result *r, int ciphered,
				uint8_t *out, size_t cap)
{
	uint8_t *plain = out + AIOT_NAS_SEC_HDR_LEN;
	int n;

	if (cap <= AIOT_NAS_SEC_HDR_LEN)
		return AIOT_ERR_NOSPACE;
	n = aiot_nas_encode_result(r, plain, cap - AIOT_NAS_SEC_HDR_LEN);

	if (n >= 0)
		n = aiot_nas_protect(DEV_BE, d->k_int, ciphered ? d->k_enc : NULL,
				     AIOT_NAS_COMMAND_RESPONSE, d->ul_count, AIOT_DIR_UPLINK,
				     plain, (size_t)n, out, cap);
	return n;
}

int aiot_device_on_command(aiot_device *d, uint8_t *pdu, size_t len, uint8_t *out, size_t cap,
			   size_t *out_len)
{
	aiot_nas_protected p;
	aiot_nas_command c;
	aiot_nas_result r;
	dev_effect e;
	uint32_t count;
	int rc;

	if (out_len)
		*out_len = 0;
	if (!d || !d->cfg || !pdu || !out || !out_len)
		return AIOT_ERR_INVAL;
	if (d->disabled)
		return AIOT_ERR_DISABLED;
	if (!d->has_session)
		return AIOT_ERR_STATE;

	/* Framing and replay first (no crypto, nothing touched): a replayed or stale COUNT
	 * costs no CMAC and leaves even pdu unchanged. Only a Command Request is accepted: a
	 * reflected Command Response (uplink) is refused here, and a Command Request
	 * protected with DIRECTION = uplink fails the MAC below. */
	rc = aiot_nas_decode_protected(pdu, len, &p);
	if (rc < 0)
		return rc;
	if (p.type != AIOT_NAS_COMMAND_REQUEST)
		return AIOT_ERR_UNKNOWN;
	count = p.count;
	if (!count_fresh(d, count))
		return AIOT_ERR_REPLAY;
	if (d->ul_count == UINT32_MAX)
		return AIOT_ERR_STATE; /* uplink COUNT space exhausted: page again */

	/* Implicit authentication of the network (TS 33.369 5.2.2, end; 5.3.2): 128-NIA2
	 * under K_AIOT_int, compared in constant time, then deciphering in place. */
	rc = aiot_nas_unprotect(DEV_BE, d->k_int, d->k_enc, AIOT_DIR_DOWNLINK, pdu, len, &p);
	if (rc < 0)
		return rc;
	if (p.type != AIOT_NAS_COMMAND_REQUEST || p.count != count)
		return AIOT_ERR_MALFORMED;

	memset(&e, 0, sizeof(e));
	rc = aiot_nas_decode_command(p.payload, p.payload_len, &c);
	if (rc == AIOT_ERR_UNKNOWN) {
		/* Authenticated, but a command code this device does not know. The Command
		 * Response can only echo a known code (nas.h), so no answer can be built: stay
		 * silent and change nothing (the AIOTF times out). */
		return rc;
	} else if (rc < 0) {
		/* Authenticated, known command, undecodable parameters (truncated, range
		 * outside user memory, trailing octets): answer INVALID_MANDATORY (TS 29.569
		 * INVALID_MANDATORY_INFORMATION) so the AIOTF can report a per-device cause. */
		memset(&r, 0, sizeof(r));
		r.cmd = (aiot_nas_cmd)p.payload[0];
		r.status = AIOT_ST_INVALID_MANDATORY;
	} else {
		rc = check_room(&c, cap);
		if (rc < 0)
			return rc;
		run_command(d, &c, out + AIOT_NAS_SEC_HDR_LEN + rc, &r, &e);
	}

	/* Only a backend failure can make this fail (room was checked): the device then
	 * stays silent and unchanged; a WRITE already executed, or a T-ID already persisted
	 * by tid_store, is not undone (the AIOTF retries under a new COUNT). */
	rc = respond(d, &r, p.ciphered, out, cap);
	if (rc < 0)
		goto out;

	/* Commit. */
	d->dl_count = count;
	d->dl_seen = 1;
	d->ul_count++;
	if (e.tid_changed) {
		memcpy(d->tid, e.new_tid, sizeof(d->tid));
		d->has_tid = 1;
	}
	*out_len = (size_t)rc;
	rc = AIOT_OK;
	if (e.disable) {
		/* Permanent disable (TS 23.369 5.2.2): the response is built; from now on the
		 * device answers nothing. */
		d->disabled = 1;
		aiot_device_end_session(d);
		if (d->cfg->disabled)
			d->cfg->disabled(d->cfg->user);
	}
out:
	aiot_zeroize(&e, sizeof(e));
	return rc;
}

const uint8_t *aiot_device_tid(const aiot_device *d)
{
	if (!d || !d->cfg)
		return NULL;
	if (d->cfg->privacy)
		return d->has_tid ? d->tid : NULL;
	return d->cfg->perm_id;
}

void aiot_device_end_session(aiot_device *d)
{
	if (!d)
		return;
	aiot_zeroize(d->rand_n, sizeof(d->rand_n));
	aiot_zeroize(d->rand_d, sizeof(d->rand_d));
	aiot_zeroize(d->k_int, sizeof(d->k_int));
	aiot_zeroize(d->k_enc, sizeof(d->k_enc));
	d->has_session = 0;
	d->dl_seen = 0;
	d->dl_count = 0;
	d->ul_count = 0;
}
