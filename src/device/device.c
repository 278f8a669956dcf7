/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIoT device: TS 33.369 5.2.2 steps 3-5 (paging -> RES_AIOT + RAND_AIOT_d) and the
 * device end of the command procedure (implicit authentication of the network by the MAC of
 * the Command Request, 5.2.2 last paragraph / 5.3.2).
 *
 * Freestanding: no allocation, no I/O, nothing from libc but mem*; crypto through kdf.h and
 * nas_security.h on the reference primitives called directly (be == NULL, backend.h), so a
 * firmware links no function pointers and nothing of a suite it was not built for.
 *
 * Transactions: every check that can fail (arguments, addressing, room, the callbacks, the
 * key, the MAC, COUNT) runs before anything is written; past that point nothing can fail, so
 * a failure leaves *d byte-for-byte as it was, out untouched and *out_len = 0 (the device
 * sends nothing). The two messages are built in place in out with the layout of nas.h
 * (the tests decode everything the device sends with the codec of nas.c).
 *
 * Constant-time (CT): the derivations run on the reference backend, which is constant-time
 * in the keys; the Command Request MAC is compared in constant time by aiot_nas_unprotect;
 * identifiers are compared with aiot_ct_eq (they are public, this is only hygiene). What
 * leaks through timing: the paging kind, whether the device is addressed, the message
 * lengths and COUNT values (all public on the air anyway; a stale COUNT is refused before
 * the MAC is computed), whether a MAC failed (the device stays silent, visible anyway).
 * K_AIOT_root is loaded only for a derivation and zeroised right after; K_AIOTF is never
 * kept; K_AIOT_int / K_AIOT_enc live in *d until their slot is reused, a command proves
 * another session, DISABLE or end_session. With cfg->cred (aiot_cred.h) K_AIOT_root never
 * enters the library: the card answers RES_AIOT with K_AIOTF, and the next T-ID.
 *
 * Paging abort (TS 33.369 5.2.2 NOTE 1; our extension, docs/protocol.md §3.8): anyone can page,
 * and a paging used to replace the session, so a flood of pagings aborted every command. The
 * device now holds AIOT_DEVICE_SESSIONS sessions: the one a command last proved and the
 * newest pagings. A Command Request is tried under each (COUNT, then MAC); the one it
 * verifies under becomes the only session. Each session keeps its own COUNTs, so the replay
 * rules are those of one session, per session; keys differ, so a command verifies under at
 * most the session it was protected for (a forged MAC: AIOT_DEVICE_SESSIONS chances in 2^32).
 */
#include <string.h>
#include "aiot_device.h"
#include "../common/aiot_err.h"
#include "../crypto/aiot_fc.h"
#include "../crypto/ct.h"
#include "../nas/nas_security.h"
#include "device_internal.h"

/* The static state of a tag stays within a few hundred bytes. */
_Static_assert(sizeof(aiot_device) <= 512, "aiot_device exceeds the 512-byte RAM budget");
_Static_assert(AIOT_DEVICE_SESSIONS >= 2 && AIOT_DEVICE_SESSIONS < 255, "AIOT_DEVICE_SESSIONS");
#define NSES AIOT_DEVICE_SESSIONS

int aiot_device_init(aiot_device *d, const aiot_device_cfg *cfg, const uint8_t *tid)
{
	if (!d || !aiot_dev_cfg_ok(cfg))
		return AIOT_ERR_INVAL;
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->proven = NSES;
	d->newest = NSES - 1;
	if (tid) {
		memcpy(d->tid, tid, AIOT_TID_LEN);
		d->has_tid = 1;
	}
	return AIOT_OK;
}

int aiot_dev_load_key(const aiot_device_cfg *cfg, uint8_t key[DEV_KEY_MAX])
{
	size_t len = 0;
	int rc = AIOT_ERR_CALLBACK;

	if (cfg->key_load(cfg->user, key, DEV_KEY_MAX, &len) == 0)
		rc = (len > DEV_KEY_MAX) ? AIOT_ERR_KEYLEN : aiot_suite_check_key(cfg->suite, len);
	if (rc != AIOT_OK) {
		aiot_zeroize(key, DEV_KEY_MAX);
		return rc;
	}
	return (int)len;
}

/*
 * TS 33.369 5.2.2 step 4 (first half): "if the AIoT Device determines it needs to respond
 * based on the AIoT Device Identification Information". Returns the identifier type to
 * present (setting *id, *id_len), AIOT_ERR_NOT_ADDRESSED, or AIOT_ERR_*. A paging that
 * names the device by its own identifier needs none (the network knows who answers); a
 * privacy device shows its T-ID, never its permanent ID.
 */
static int addressed(const aiot_device *d, aiot_page_kind kind, const uint8_t *ident,
                     size_t ident_bits, const uint8_t **id, uint8_t *id_len)
{
	const aiot_device_cfg *cfg = d->cfg;
	size_t n = ident_bits / 8;
	unsigned rem = (unsigned)(ident_bits % 8);

	if (ident_bits && !ident)
		return AIOT_ERR_INVAL;
	switch (kind) {
	case AIOT_PAGE_SINGLE:
		if (n == 0 || rem)
			return AIOT_ERR_INVAL;
		if ((n == cfg->perm_id_len && aiot_ct_eq(ident, cfg->perm_id, n)) ||
		    (d->has_tid && n == AIOT_TID_LEN && aiot_ct_eq(ident, d->tid, n)))
			return AIOT_NAS_ID_NONE;
		return AIOT_ERR_NOT_ADDRESSED;
	case AIOT_PAGE_GROUP:
		/* Filtering information: a bit prefix of the permanent identifier (bit 0 = MSB
		 * of octet 0, as in an ASN.1 BIT STRING). */
		if (ident_bits > 8u * cfg->perm_id_len ||
		    (n && !aiot_ct_eq(ident, cfg->perm_id, n)) ||
		    (rem && ((ident[n] ^ cfg->perm_id[n]) & (0xFF00u >> rem) & 0xFFu)))
			return AIOT_ERR_NOT_ADDRESSED;
		/* fall through */
	case AIOT_PAGE_ALL:
		if (cfg->privacy) {
			if (!d->has_tid)
				return AIOT_ERR_STATE;
			*id = d->tid;
			*id_len = AIOT_TID_LEN;
			return AIOT_NAS_ID_TID;
		}
		*id = cfg->perm_id;
		*id_len = cfg->perm_id_len;
		return AIOT_NAS_ID_PERM;
	}
	return AIOT_ERR_INVAL;
}

/* derive_session on the card (aiot_cred.h): RES_AIOT and K_AIOTF from it, held here until
 * it succeeded, so that a failing card writes neither res nor *s. Out of line: its frame is
 * not on the soft path. */
static DEV_NOINLINE int cred_session(const aiot_device_cfg *cfg, aiot_device_session *s,
                                     const uint8_t rand_n[16], const uint8_t rand_d[16],
                                     uint8_t *res)
{
	uint8_t r[16], k_aiotf[AIOT_KAIOTF_LEN];
	uint8_t n = (uint8_t)(cfg->res_bits / 8u);

	if (cfg->cred->inventory(cfg->user, rand_n, rand_d, n, r, k_aiotf) != AIOT_OK) {
		aiot_zeroize(k_aiotf, sizeof(k_aiotf));
		return AIOT_ERR_CALLBACK;
	}
	memcpy(res, r, n);
	aiot_dev_cred_keys(cfg, k_aiotf, s->k_int, s->k_enc);
	return AIOT_OK;
}

/*
 * TS 33.369 5.2.2 step 4: RES_AIOT (A.2) into res, K_AIOTF (A.3) and from it K_AIOT_int /
 * K_AIOT_enc into *s. K_AIOT_root and K_AIOTF are on the stack only while this runs. Returns
 * AIOT_OK, or AIOT_ERR_* (key_load, or the card: AIOT_ERR_CALLBACK) with nothing written.
 */
static DEV_NOINLINE int derive_session(const aiot_device *d, aiot_device_session *s,
                                       const uint8_t rand_n[16], const uint8_t rand_d[16],
                                       uint8_t *res)
{
	const aiot_device_cfg *cfg = d->cfg;
	uint8_t key[DEV_KEY_MAX];
	int key_len = aiot_dev_load_key(cfg, key);

	if (key_len < 0)
		return key_len;
	/* Arguments checked above: these cannot fail. */
	aiot_derive_rands(DEV_BE, cfg->suite, key, (size_t)key_len, AIOT_FC_RES, rand_n, rand_d,
	                  res, cfg->res_bits / 8u);
	aiot_dev_session_keys(cfg, key, (size_t)key_len, rand_n, rand_d, s->k_int, s->k_enc);
	aiot_zeroize(key, sizeof(key));
	return AIOT_OK;
}

int aiot_device_on_paging(aiot_device *d, const uint8_t rand_n[16], aiot_page_kind kind,
                          const uint8_t *ident, size_t ident_bits, uint8_t *out, size_t cap,
                          size_t *out_len)
{
	const uint8_t *id = NULL;
	uint8_t id_len = 0, rand_d[16];
	aiot_device_session *s;
	size_t res_len, pos;
	unsigned slot;
	int idt, rc;

	if (out_len)
		*out_len = 0;
	if (!d || !d->cfg || !rand_n || !out || !out_len)
		return AIOT_ERR_INVAL;
	if (d->disabled)
		return AIOT_ERR_DISABLED;
	idt = addressed(d, kind, ident, ident_bits, &id, &id_len);
	if (idt < 0)
		return idt;

	/* TS 33.369 5.2.2 step 5: the Inventory Response (nas.h) carries RAND_AIOT_d, RES_AIOT
	 * and the identifier chosen above, behind the RAND tag. */
	res_len = d->cfg->res_bits / 8u;
	pos = AIOT_NAS_INV_RES_OFF + res_len;
	if (cap < pos + (idt == AIOT_NAS_ID_PERM) + id_len)
		return AIOT_ERR_NOSPACE;
	if (d->cfg->entropy(d->cfg->user, rand_d, sizeof(rand_d)) != 0)
		return AIOT_ERR_CALLBACK;
	/* The last check: from here on nothing fails, so *d and out may be written. The new
	 * session takes the slot after the newest, never the proven one (5.2.2 NOTE 1). */
	slot = (d->newest + 1u) % NSES;
	if (slot == d->proven)
		slot = (slot + 1u) % NSES;
	s = &d->s[slot];
	rc = DEV_CRED(d->cfg) ? cred_session(d->cfg, s, rand_n, rand_d, out + AIOT_NAS_INV_RES_OFF)
	                      : derive_session(d, s, rand_n, rand_d, out + AIOT_NAS_INV_RES_OFF);
	if (rc != AIOT_OK)
		return rc;
	out[0] = AIOT_NAS_INVENTORY_RESPONSE;
	out[1] = AIOT_NAS_INV_FLAGS(idt, res_len);
	/* Our extension (docs/protocol.md §3.2, NOTE 2): which RAND_AIOT_n this answers. */
	memcpy(out + AIOT_NAS_INV_TAG_OFF, rand_n, AIOT_NAS_RAND_TAG_LEN);
	memcpy(out + AIOT_NAS_INV_RAND_OFF, rand_d, sizeof(rand_d));
	if (idt == AIOT_NAS_ID_PERM)
		out[pos++] = id_len;
	if (id_len) /* no identifier when the paging named the device: id is NULL */
		memcpy(out + pos, id, id_len);
	*out_len = pos + id_len;

	memcpy(s->rand_n, rand_n, sizeof(s->rand_n));
	memcpy(s->rand_d, rand_d, sizeof(s->rand_d));
	s->used = 1;
	s->dl_seen = 0;
	s->dl_count = 0;
	s->ul_count = 0;
	d->newest = (uint8_t)slot;
	return AIOT_OK;
}

/* A callback's aiot_nas_status, or ERROR_UNSPECIFIED for anything out of range. */
static uint8_t cb_status(int st)
{
	if (st < (int)AIOT_ST_SUCCESS || st > (int)AIOT_ST_NOT_IMPLEMENTED)
		return AIOT_ST_ERROR_UNSPECIFIED;
	return (uint8_t)st;
}

/* TID_UPDATE (aiot_dev_next_tid), out of line: K_AIOT_root's frame stays off the paths that
 * do not rotate the T-ID. */
static DEV_NOINLINE uint8_t tid_update(const aiot_device *d, const aiot_device_session *s,
                                       uint8_t new_tid[AIOT_TID_LEN])
{
	return aiot_dev_next_tid(d->cfg, s->rand_n, s->rand_d, new_tid);
}

static DEV_NOINLINE uint8_t cred_tid_update(const aiot_device *d, const aiot_device_session *s,
                                            uint8_t new_tid[AIOT_TID_LEN])
{
	return aiot_dev_cred_tid(d->cfg, s->rand_n, s->rand_d, new_tid);
}

/*
 * Framing, replay and MAC, under each session held: the index of the session the Command
 * Request verifies under (deciphered in place, *p set), or AIOT_ERR_* with pdu unchanged.
 * Replay first (no crypto): a replayed or stale COUNT costs no CMAC. Only a Command Request
 * is accepted: a reflected Command Response (uplink) is refused here, and a Command Request
 * protected with DIRECTION = uplink fails the MAC. Each downlink COUNT once, strictly
 * increasing under one K_AIOTF, per session (docs/protocol.md §3.8).
 */
static int find_session(const aiot_device *d, uint8_t *pdu, size_t len, aiot_nas_protected *p)
{
	int rc = aiot_nas_decode_protected(pdu, len, p), err = AIOT_ERR_STATE;
	uint32_t count;

	if (rc < 0)
		return rc;
	if (p->type != AIOT_NAS_COMMAND_REQUEST)
		return AIOT_ERR_UNKNOWN;
	count = p->count;
	for (unsigned i = 0; i < NSES; i++) {
		const aiot_device_session *s = &d->s[i];
		if (!s->used)
			continue;
		if (s->dl_seen && count <= s->dl_count) {
			err = AIOT_ERR_REPLAY;
			continue;
		}
		if (s->ul_count == UINT32_MAX)
			continue; /* uplink COUNT space exhausted: page again (STATE) */
		/* Implicit authentication of the network (TS 33.369 5.2.2, end; 5.3.2):
		 * 128-NIA2 under K_AIOT_int, compared in constant time, then deciphering. */
		rc = aiot_nas_unprotect(DEV_BE, s->k_int, s->k_enc, AIOT_DIR_DOWNLINK, pdu, len, p);
		if (rc == AIOT_OK)
			return (int)i;
		if (err != AIOT_ERR_REPLAY)
			err = rc;
	}
	return err;
}

/* A command verified under session i: it becomes the only session (NOTE 1, above). */
static void prove_session(aiot_device *d, unsigned i)
{
	if (d->proven == i)
		return;
	for (unsigned j = 0; j < NSES; j++)
		if (j != i)
			aiot_zeroize(&d->s[j], sizeof(d->s[j]));
	d->proven = (uint8_t)i;
}

int aiot_device_on_command(aiot_device *d, uint8_t *pdu, size_t len, uint8_t *out, size_t cap,
                           size_t *out_len)
{
	const aiot_device_cfg *cfg;
	aiot_nas_protected p;
	aiot_device_session *s;
	aiot_nas_command c;
	uint8_t *res; /* the result payload (nas.h), built in place after the header */
	uint8_t new_tid[AIOT_TID_LEN], st = AIOT_ST_SUCCESS;
	size_t res_len = 2;
	uint32_t count;
	int rc, n, slot;

	if (out_len)
		*out_len = 0;
	if (!d || !d->cfg || !pdu || !out || !out_len)
		return AIOT_ERR_INVAL;
	cfg = d->cfg;
	res = out + AIOT_NAS_SEC_HDR_LEN;
	if (d->disabled)
		return AIOT_ERR_DISABLED;
	slot = find_session(d, pdu, len, &p);
	if (slot < 0)
		return slot;
	s = &d->s[slot];
	count = p.count;

	rc = aiot_nas_decode_command(p.payload, p.payload_len, &c);
	if (rc == AIOT_ERR_UNKNOWN)
		/* Authenticated, but a command code this device does not know. The Command
		 * Response can only echo a known code (nas.h), so no answer can be built: stay
		 * silent and change nothing (the AIOTF times out). */
		return rc;
	/* Room before anything is executed: the largest response this command can produce
	 * (READ with all its data) must fit, so that no command is executed without its
	 * response. */
	if (cap < AIOT_NAS_SEC_HDR_LEN + 2 +
	              (rc == AIOT_OK && c.cmd == AIOT_CMD_READ ? 1u + c.length : 0u))
		return AIOT_ERR_NOSPACE;
	res[0] = p.payload[0];
	if (rc < 0) {
		/* Authenticated, known command, undecodable parameters (truncated, range
		 * outside user memory, trailing octets): answer INVALID_MANDATORY (TS 29.569
		 * INVALID_MANDATORY_INFORMATION) so the AIOTF can report a per-device cause. */
		st = AIOT_ST_INVALID_MANDATORY;
	} else if (c.cmd == AIOT_CMD_READ) {
		/* The data goes straight to its place in the response: cmd, status, length. */
		st = cfg->mem_read
		         ? cb_status(cfg->mem_read(cfg->user, c.offset, res + 3, c.length))
		         : AIOT_ST_NOT_IMPLEMENTED;
		if (st == AIOT_ST_SUCCESS) {
			res[2] = c.length;
			res_len = 3u + c.length;
		}
	} else if (c.cmd == AIOT_CMD_WRITE) {
		st = cfg->mem_write
		         ? cb_status(cfg->mem_write(cfg->user, c.offset, c.data, c.length))
		         : AIOT_ST_NOT_IMPLEMENTED;
	} else if (c.cmd == AIOT_CMD_TID_UPDATE) {
		st = DEV_CRED(cfg) ? cred_tid_update(d, s, new_tid) : tid_update(d, s, new_tid);
	}
	res[1] = st;

	/* The protected Command Response, in place: same ciphering as the request, DIRECTION
	 * uplink, COUNT = ul_count. Room was checked, so this cannot fail. */
	n = aiot_nas_protect(DEV_BE, s->k_int, p.ciphered ? s->k_enc : NULL,
	                     AIOT_NAS_COMMAND_RESPONSE, s->ul_count, AIOT_DIR_UPLINK, res, res_len,
	                     out, cap);
	if (n < 0)
		return n;

	/* Commit. */
	*out_len = (size_t)n;
	s->dl_count = count;
	s->dl_seen = 1;
	s->ul_count++;
	prove_session(d, (unsigned)slot);
	if (rc == AIOT_OK && c.cmd == AIOT_CMD_TID_UPDATE && st == AIOT_ST_SUCCESS) {
		memcpy(d->tid, new_tid, sizeof(d->tid));
		d->has_tid = 1;
	}
	if (rc == AIOT_OK && c.cmd == AIOT_CMD_DISABLE) {
		/* Permanent disable (TS 23.369 5.2.2): the response is built; from now on the
		 * device answers nothing. */
		d->disabled = 1;
		aiot_device_end_session(d);
		if (cfg->disabled)
			cfg->disabled(cfg->user);
	}
	return AIOT_OK;
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
	aiot_zeroize(d->s, sizeof(d->s));
	d->proven = NSES;
}
