/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device library's credential interface (src/device/aiot_cred.h): the same state
 * machines with K_AIOT_root on a credential holder instead of in the library. A mirror: two
 * devices with the same key and the same RAND_d source, one soft (key_load), one through
 * aiot_cred_ops, fed the same PDUs, must send the same octets and end in the same state
 * (network-triggered inventory, commands, TID_UPDATE; DO-A M1..M4). Each test runs with two
 * holders: (a) ops played here with kdf.h on the OpenSSL backend (the device uses the
 * reference primitives), whose failures scribble over their outputs; (b) the real path,
 * src/pcsc/cred_uicc.c, its APDUs built by uicc_cmd.c and answered in process by the card
 * engine (src/uicc), through a transport that can fail. Then the card failing mid-operation:
 * nothing changes; a MAC_N the card refuses ('9862') is a refused M2, counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend_openssl.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "device/aiot_cred.h"
#include "device/aiot_device.h"
#include "device/aiot_doa.h"
#include "nas/nas.h"
#include "nas/nas_doa.h"
#include "nas/nas_security.h"
#include "pcsc/cred_uicc.h"
#include "uicc/uicc_card.h"
#include "uicc_test_util.h"

#define FILL 0xEE
#define GARBAGE 0xA5

static aiot_backend *ossl;

/* One tag's environment: the soft one loads the key, the card one has a card. cfg->user
 * points here: cred_uicc's state comes first (cred_uicc.h). */
typedef struct tag_env {
	aiot_cred_uicc uicc;
	uicc_card engine;
	uint8_t key[32];
	size_t key_len;
	aiot_suite suite;
	uint32_t entropy_ctr;
	int key_fail;                           /* soft: key_load fails */
	int fail_inventory, fail_doa, fail_tid; /* card: the op fails */
	int card_calls;
	uint8_t stored_tid[16];
	int tid_stores;
} tag_env;

static tag_env soft_env, card_env;

static int cb_entropy(void *user, uint8_t *out, size_t len)
{
	tag_env *e = user;
	e->entropy_ctr++;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(e->entropy_ctr * 131u + i * 7u + 0x5A);
	return 0;
}

static int cb_key_load(void *user, uint8_t *key, size_t cap, size_t *len)
{
	tag_env *e = user;
	if (e->key_fail || cap < e->key_len)
		return -1;
	memcpy(key, e->key, e->key_len);
	*len = e->key_len;
	return 0;
}

static int cb_tid_store(void *user, const uint8_t tid[16])
{
	tag_env *e = user;
	memcpy(e->stored_tid, tid, 16);
	e->tid_stores++;
	return 0;
}

/* ---- the card: aiot_cred_ops on kdf.h (OpenSSL backend) ---------------------------------- */

/* A failing card scribbles over its outputs: the device must not use them. */
static int card_fail(uint8_t *a, size_t an, uint8_t *b, size_t bn)
{
	memset(a, GARBAGE, an);
	if (b)
		memset(b, GARBAGE, bn);
	return AIOT_ERR_CALLBACK;
}

static int card_inventory(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
                          uint8_t res_octets, uint8_t *res, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	tag_env *e = user;
	e->card_calls++;
	if (e->fail_inventory)
		return card_fail(res, res_octets, k_aiotf, AIOT_KAIOTF_LEN);
	assert_int_equal(aiot_derive_res(ossl, e->suite, e->key, e->key_len, rand_n, rand_d,
	                                 8u * res_octets, res),
	                 AIOT_OK);
	assert_int_equal(
	    aiot_derive_kaiotf(ossl, e->suite, e->key, e->key_len, rand_n, rand_d, k_aiotf),
	    AIOT_OK);
	return AIOT_OK;
}

static int card_doa(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
                    const uint8_t *id, uint8_t id_len, const uint8_t mac_n[AIOT_MACN_LEN],
                    uint8_t res_octets, uint8_t *res_d, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	tag_env *e = user;
	uint8_t mine[AIOT_MACN_LEN];
	e->card_calls++;
	if (e->fail_doa)
		return card_fail(res_d, res_octets, k_aiotf, AIOT_KAIOTF_LEN);
	assert_int_equal(
	    aiot_derive_macn(ossl, e->suite, e->key, e->key_len, rand_n, rand_d, id, id_len, mine),
	    AIOT_OK);
	if (!aiot_ct_eq(mine, mac_n, sizeof mine)) {
		memset(res_d, 0, res_octets);
		memset(k_aiotf, 0, AIOT_KAIOTF_LEN);
		return AIOT_ERR_MAC;
	}
	assert_int_equal(aiot_derive_resd(ossl, e->suite, e->key, e->key_len, rand_n, rand_d, id,
	                                  id_len, 8u * res_octets, res_d),
	                 AIOT_OK);
	assert_int_equal(
	    aiot_derive_kaiotf(ossl, e->suite, e->key, e->key_len, rand_n, rand_d, k_aiotf),
	    AIOT_OK);
	return AIOT_OK;
}

static int card_next_tid(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
                         uint8_t tid[AIOT_TID_LEN])
{
	tag_env *e = user;
	e->card_calls++;
	if (e->fail_tid)
		return card_fail(tid, AIOT_TID_LEN, NULL, 0);
	assert_int_equal(aiot_derive_tid(ossl, e->suite, e->key, e->key_len, rand_n, rand_d, tid),
	                 AIOT_OK);
	return AIOT_OK;
}

static const aiot_cred_ops card_ops = {card_inventory, card_doa, card_next_tid};

/* (b): the engine in process behind cred_uicc; the op whose fail_* flag is set (by P2) makes
 * the transport fail as a removed card does. */
static int engine_xfer(void *io, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                       size_t *body_len, uint16_t *sw, char *err, size_t errlen)
{
	tag_env *e = io;
	int fail = len > 3 && capdu[1] == UICC_INS_AUTHENTICATE && capdu[0] == UICC_CLA_AIOT &&
	           ((capdu[3] == UICC_AIOT_P2_INVENTORY && e->fail_inventory) ||
	            (capdu[3] == UICC_AIOT_P2_DOA && e->fail_doa) ||
	            (capdu[3] == UICC_AIOT_P2_NEXT_TID && e->fail_tid));

	*body_len = 0;
	*sw = 0;
	if (fail) {
		snprintf(err, errlen, "the card was removed");
		return AIOT_ERR_STATE;
	}
	assert_true(cap >= 256);
	if (capdu[0] == UICC_CLA_AIOT)
		e->card_calls++;
	uicc_test_xfer(&e->engine, capdu, len, 1, body, body_len, sw);
	return AIOT_OK;
}

static int use_uicc; /* which holder the card device has: 0 (a), 1 (b) */

static void card_insert(tag_env *e)
{
	uicc_perso p;

	uicc_test_perso(&p);
	memcpy(p.aiot_key, e->key, e->key_len);
	p.aiot_key_len = (uint8_t)e->key_len;
	p.suite = e->suite;
	assert_int_equal(uicc_card_init(&e->engine, &p), AIOT_OK);
	aiot_zeroize(&p, sizeof p);
	assert_int_equal(aiot_cred_uicc_open(&e->uicc, engine_xfer, e), AIOT_OK);
}

static const uint8_t perm_id[12] = {0xC3, 0x5A, 0x96, 0x0F, 0x11, 0x22,
                                    0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static const uint8_t tid0[16] = {0x7E, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static aiot_device_cfg soft_cfg, card_cfg;

/* Both tags with the same key; the card one has no key_load at all. */
static void setup_pair(aiot_suite suite, uint8_t res_bits, size_t key_len, uint8_t privacy)
{
	memset(&soft_env, 0, sizeof soft_env);
	soft_env.suite = suite;
	soft_env.key_len = key_len;
	for (size_t i = 0; i < key_len; i++)
		soft_env.key[i] = (uint8_t)(0x10 + i * 29u);
	card_env = soft_env;
	soft_cfg = (aiot_device_cfg){.perm_id = perm_id,
	                             .perm_id_len = sizeof perm_id,
	                             .suite = suite,
	                             .res_bits = res_bits,
	                             .privacy = privacy,
	                             .entropy = cb_entropy,
	                             .key_load = cb_key_load,
	                             .tid_store = cb_tid_store,
	                             .user = &soft_env};
	card_cfg = soft_cfg;
	card_cfg.key_load = NULL;
	card_cfg.cred = use_uicc ? &aiot_cred_uicc_ops : &card_ops;
	card_cfg.user = &card_env;
	if (use_uicc)
		card_insert(&card_env);
}

/* The state past the cfg pointer, which alone differs. */
#define SAME_STATE(a, b, type)                                                                     \
	assert_memory_equal((const uint8_t *)(a) + sizeof(void *),                                 \
	                    (const uint8_t *)(b) + sizeof(void *), sizeof(type) - sizeof(void *))

/* ---- the network side, OpenSSL backend --------------------------------------------------- */

typedef struct net {
	uint8_t rand_n[16], rand_d[16], k_int[16], k_enc[16];
	uint32_t dl_count;
} net;

static void net_keys(net *n)
{
	uint8_t k_aiotf[16];
	tag_env *e = &soft_env;
	assert_int_equal(
	    aiot_derive_kaiotf(ossl, e->suite, e->key, e->key_len, n->rand_n, n->rand_d, k_aiotf),
	    AIOT_OK);
	assert_int_equal(aiot_derive_algkey(ossl, e->suite, k_aiotf, AIOT_ALG_TYPE_INT,
	                                    AIOT_ALG_ID_NIA2, n->k_int),
	                 AIOT_OK);
	assert_int_equal(aiot_derive_algkey(ossl, e->suite, k_aiotf, AIOT_ALG_TYPE_ENC,
	                                    AIOT_ALG_ID_NEA2, n->k_enc),
	                 AIOT_OK);
}

static size_t net_cmd(net *n, const aiot_nas_command *c, uint8_t *pdu)
{
	uint8_t plain[AIOT_NAS_MAX_PDU];
	int k = aiot_nas_encode_command(c, plain, sizeof plain);
	assert_true(k > 0);
	k = aiot_nas_protect(ossl, n->k_int, n->k_enc, AIOT_NAS_COMMAND_REQUEST, n->dl_count++,
	                     AIOT_DIR_DOWNLINK, plain, (size_t)k, pdu, AIOT_NAS_MAX_PDU);
	assert_true(k > 0);
	return (size_t)k;
}

/* ---- network-triggered ------------------------------------------------------------------- */

/* Both devices paged with the same RAND_n: the same Inventory Response; RES_AIOT checked. */
static void page_both(aiot_device *s, aiot_device *c, net *n, uint8_t seq)
{
	uint8_t o1[AIOT_NAS_MAX_PDU], o2[AIOT_NAS_MAX_PDU], xres[16];
	aiot_nas_inventory_response m;
	size_t l1 = 0, l2 = 0;

	for (int i = 0; i < 16; i++)
		n->rand_n[i] = (uint8_t)(seq * 17 + i * 3);
	assert_int_equal(
	    aiot_device_on_paging(s, n->rand_n, AIOT_PAGE_ALL, NULL, 0, o1, sizeof o1, &l1),
	    AIOT_OK);
	assert_int_equal(
	    aiot_device_on_paging(c, n->rand_n, AIOT_PAGE_ALL, NULL, 0, o2, sizeof o2, &l2),
	    AIOT_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(o1, o2, l1);
	SAME_STATE(s, c, aiot_device);
	assert_int_equal(aiot_nas_decode_inventory_response(o2, l2, &m), AIOT_OK);
	memcpy(n->rand_d, m.rand_d, 16);
	assert_int_equal(aiot_derive_res(ossl, soft_env.suite, soft_env.key, soft_env.key_len,
	                                 n->rand_n, n->rand_d, soft_cfg.res_bits, xres),
	                 AIOT_OK);
	assert_memory_equal(m.res, xres, m.res_len);
	net_keys(n);
	n->dl_count = 0;
}

/* One command to both: the same answer, the same state. Returns the result status. */
static uint8_t cmd_both(aiot_device *s, aiot_device *c, net *n, const aiot_nas_command *cmd)
{
	uint8_t p1[AIOT_NAS_MAX_PDU], p2[AIOT_NAS_MAX_PDU], o1[AIOT_NAS_MAX_PDU],
	    o2[AIOT_NAS_MAX_PDU];
	size_t len = net_cmd(n, cmd, p1), l1 = 0, l2 = 0;
	aiot_nas_protected p;
	aiot_nas_result r;

	memcpy(p2, p1, len);
	assert_int_equal(aiot_device_on_command(s, p1, len, o1, sizeof o1, &l1), AIOT_OK);
	assert_int_equal(aiot_device_on_command(c, p2, len, o2, sizeof o2, &l2), AIOT_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(o1, o2, l1);
	SAME_STATE(s, c, aiot_device);
	assert_int_equal(aiot_nas_unprotect(ossl, n->k_int, n->k_enc, AIOT_DIR_UPLINK, o2, l2, &p),
	                 AIOT_OK);
	assert_int_equal(aiot_nas_decode_result(p.payload, p.payload_len, &r), AIOT_OK);
	return r.status;
}

static void mirror_network_triggered(aiot_suite suite, uint8_t res_bits, size_t key_len)
{
	aiot_device s, c;
	net n;
	uint8_t tid[16];
	aiot_nas_command tu = {.cmd = AIOT_CMD_TID_UPDATE};

	setup_pair(suite, res_bits, key_len, 1);
	assert_int_equal(aiot_device_init(&s, &soft_cfg, tid0), AIOT_OK);
	assert_int_equal(aiot_device_init(&c, &card_cfg, tid0), AIOT_OK);
	for (uint8_t round = 1; round <= 3; round++) {
		page_both(&s, &c, &n, round);
		assert_int_equal(cmd_both(&s, &c, &n, &tu), AIOT_ST_SUCCESS);
		assert_int_equal(
		    aiot_derive_tid(ossl, suite, soft_env.key, key_len, n.rand_n, n.rand_d, tid),
		    AIOT_OK);
		assert_memory_equal(c.tid, tid, 16);
		assert_memory_equal(card_env.stored_tid, tid, 16);
		/* The card path never asked for the key; the card answered twice per round. */
		assert_int_equal(card_env.card_calls, 2 * round);
	}
}

static void test_mirror_network_triggered(void **state)
{
	(void)state;
	mirror_network_triggered(AIOT_SUITE_3GPP, 64, 32);
	mirror_network_triggered(AIOT_SUITE_3GPP, 32, 16);
	mirror_network_triggered(AIOT_SUITE_AES, 128, 16);
}

/* The card fails on a paging: an error, no state change, no output. */
static void test_card_fails_paging(void **state)
{
	aiot_device c, before;
	uint8_t rand_n[16] = {1, 2, 3}, out[AIOT_NAS_MAX_PDU];
	size_t out_len = 99;

	(void)state;
	setup_pair(AIOT_SUITE_3GPP, 64, 32, 1);
	assert_int_equal(aiot_device_init(&c, &card_cfg, tid0), AIOT_OK);
	card_env.fail_inventory = 1;
	memcpy(&before, &c, sizeof before);
	memset(out, FILL, sizeof out);
	assert_int_equal(
	    aiot_device_on_paging(&c, rand_n, AIOT_PAGE_ALL, NULL, 0, out, sizeof out, &out_len),
	    AIOT_ERR_CALLBACK);
	assert_memory_equal(&before, &c, sizeof c);
	assert_int_equal(out_len, 0);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], FILL);
}

/* The card fails on TID_UPDATE: the answer a failing key_load gives (ERROR_UNSPECIFIED), the
 * T-ID kept, nothing stored. */
static void test_card_fails_tid_update(void **state)
{
	aiot_device s, c;
	net n;
	aiot_nas_command tu = {.cmd = AIOT_CMD_TID_UPDATE};

	(void)state;
	setup_pair(AIOT_SUITE_AES, 64, 16, 1);
	assert_int_equal(aiot_device_init(&s, &soft_cfg, tid0), AIOT_OK);
	assert_int_equal(aiot_device_init(&c, &card_cfg, tid0), AIOT_OK);
	page_both(&s, &c, &n, 7);
	soft_env.key_fail = 1;
	card_env.fail_tid = 1;
	assert_int_equal(cmd_both(&s, &c, &n, &tu), AIOT_ST_ERROR_UNSPECIFIED);
	assert_memory_equal(c.tid, tid0, 16);
	assert_int_equal(card_env.tid_stores, 0);
}

static void test_cfg(void **state)
{
	aiot_device d;
	aiot_doa a;
	aiot_cred_ops half = card_ops;

	(void)state;
	setup_pair(AIOT_SUITE_3GPP, 64, 32, 0);
	half.doa = NULL;
	card_cfg.cred = &half;
	assert_int_equal(aiot_device_init(&d, &card_cfg, NULL), AIOT_ERR_INVAL);
	assert_int_equal(aiot_doa_init(&a, &card_cfg, NULL, 0), AIOT_ERR_INVAL);
	card_cfg.cred = NULL; /* neither key_load nor cred */
	assert_int_equal(aiot_device_init(&d, &card_cfg, NULL), AIOT_ERR_INVAL);
}

/* ---- DO-A -------------------------------------------------------------------------------- */

static const uint8_t sensor[] = "temperature=21.5C\n";

/* M1 from both (the same), M2 for it into m2. */
static size_t doa_m2(aiot_doa *s, aiot_doa *c, net *n, uint8_t seq, uint8_t *m2)
{
	uint8_t o1[AIOT_NAS_MAX_PDU], o2[AIOT_NAS_MAX_PDU];
	aiot_nas_doa_reg_request r;
	aiot_nas_doa_auth_request a;
	size_t l1, l2;

	assert_int_equal(aiot_doa_start(s, o1, sizeof o1, &l1), AIOT_OK);
	assert_int_equal(aiot_doa_start(c, o2, sizeof o2, &l2), AIOT_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(o1, o2, l1);
	assert_int_equal(aiot_nas_decode_doa_reg_request(o2, l2, &r), AIOT_OK);
	memcpy(n->rand_d, r.rand_d, 16);
	for (int i = 0; i < 16; i++)
		n->rand_n[i] = (uint8_t)(seq * 31 + i * 5 + 1);
	memcpy(a.rand_tag, n->rand_d, AIOT_NAS_RAND_TAG_LEN);
	memcpy(a.rand_n, n->rand_n, 16);
	assert_int_equal(aiot_derive_macn(ossl, soft_env.suite, soft_env.key, soft_env.key_len,
	                                  n->rand_n, n->rand_d, r.id, r.id_len, a.mac_n),
	                 AIOT_OK);
	return (size_t)aiot_nas_encode_doa_auth_request(&a, m2, AIOT_NAS_DOA_M2_LEN);
}

/* M2 to one device: its return code, M3 into out (filled with FILL first). */
static int doa_feed_m2(aiot_doa *d, const uint8_t *m2, size_t len, uint8_t *out, size_t *out_len)
{
	memset(out, FILL, AIOT_NAS_MAX_PDU);
	return aiot_doa_on_auth_request(d, m2, len, sensor, sizeof sensor, 1, out, AIOT_NAS_MAX_PDU,
	                                out_len);
}

static void m4_both(aiot_doa *s, aiot_doa *c, const net *n)
{
	uint8_t m4[AIOT_NAS_MAX_PDU], m4b[AIOT_NAS_MAX_PDU], payload = AIOT_NAS_DOA_ACCEPT_TID;
	int k = aiot_nas_protect(ossl, n->k_int, n->k_enc, AIOT_NAS_DOA_REG_ACCEPT, 0,
	                         AIOT_DIR_DOWNLINK, &payload, 1, m4, sizeof m4);
	assert_true(k > 0);
	memcpy(m4b, m4, (size_t)k);
	assert_int_equal(aiot_doa_on_accept(s, m4, (size_t)k), AIOT_OK);
	assert_int_equal(aiot_doa_on_accept(c, m4b, (size_t)k), AIOT_OK);
	SAME_STATE(s, c, aiot_doa);
	assert_int_equal(c->state, AIOT_DOA_REGISTERED);
}

static void mirror_doa(aiot_suite suite, uint8_t res_bits, size_t key_len)
{
	aiot_doa s, c;
	net n;
	uint8_t m2[AIOT_NAS_MAX_PDU], o1[AIOT_NAS_MAX_PDU], o2[AIOT_NAS_MAX_PDU], tid[16];
	size_t l2, r1, r2;

	setup_pair(suite, res_bits, key_len, 0);
	assert_int_equal(aiot_doa_init(&s, &soft_cfg, NULL, 0), AIOT_OK);
	assert_int_equal(aiot_doa_init(&c, &card_cfg, NULL, 0), AIOT_OK);
	for (uint8_t round = 1; round <= 2; round++) { /* perm ID, then the T-ID of round 1 */
		l2 = doa_m2(&s, &c, &n, round, m2);
		assert_int_equal(doa_feed_m2(&s, m2, l2, o1, &r1), AIOT_OK);
		assert_int_equal(doa_feed_m2(&c, m2, l2, o2, &r2), AIOT_OK);
		assert_int_equal(r1, r2);
		assert_memory_equal(o1, o2, r1);
		SAME_STATE(&s, &c, aiot_doa);
		net_keys(&n);
		m4_both(&s, &c, &n);
		assert_int_equal(
		    aiot_derive_tid(ossl, suite, soft_env.key, key_len, n.rand_n, n.rand_d, tid),
		    AIOT_OK);
		assert_memory_equal(c.tid, tid, 16);
		assert_int_equal(c.tid_rotations, round);
	}
}

static void test_mirror_doa(void **state)
{
	(void)state;
	mirror_doa(AIOT_SUITE_3GPP, 64, 32);
	mirror_doa(AIOT_SUITE_AES, 128, 16);
}

/* MAC_N refused by the card: AIOT_ERR_MAC, counted as a refused M2 exactly as the soft
 * device counts it, nothing sent; the card failing outright: nothing at all changes. Then
 * the genuine M2 still completes. */
static void test_doa_card_refuses(void **state)
{
	aiot_doa s, c, before;
	net n;
	uint8_t m2[AIOT_NAS_MAX_PDU], bad[AIOT_NAS_MAX_PDU], o1[AIOT_NAS_MAX_PDU],
	    o2[AIOT_NAS_MAX_PDU];
	size_t l2, r1 = 9, r2 = 9;

	(void)state;
	setup_pair(AIOT_SUITE_3GPP, 64, 32, 0);
	assert_int_equal(aiot_doa_init(&s, &soft_cfg, tid0, 0), AIOT_OK);
	assert_int_equal(aiot_doa_init(&c, &card_cfg, tid0, 0), AIOT_OK);
	l2 = doa_m2(&s, &c, &n, 3, m2);
	memcpy(bad, m2, l2);
	bad[l2 - 1] ^= 0x01; /* MAC_N is the last field */
	memcpy(&before, &c, sizeof before);
	assert_int_equal(doa_feed_m2(&s, bad, l2, o1, &r1), AIOT_ERR_MAC);
	assert_int_equal(doa_feed_m2(&c, bad, l2, o2, &r2), AIOT_ERR_MAC);
	assert_int_equal(r2, 0);
	assert_int_equal(c.m2_dropped, before.m2_dropped + 1);
	SAME_STATE(&s, &c, aiot_doa);
	assert_memory_equal(o1, o2, sizeof o1); /* both untouched */

	card_env.fail_doa = 1;
	memcpy(&before, &c, sizeof before);
	assert_int_equal(doa_feed_m2(&c, m2, l2, o2, &r2), AIOT_ERR_CALLBACK);
	assert_memory_equal(&before, &c, sizeof c);
	assert_int_equal(r2, 0);
	for (size_t i = 0; i < sizeof o2; i++)
		assert_int_equal(o2[i], FILL);

	card_env.fail_doa = 0;
	assert_int_equal(doa_feed_m2(&s, m2, l2, o1, &r1), AIOT_OK);
	assert_int_equal(doa_feed_m2(&c, m2, l2, o2, &r2), AIOT_OK);
	assert_memory_equal(o1, o2, r1);
	/* M4 with TID_UPDATE, the card failing next_tid: registered, T-ID kept, as a soft
	 * device whose key_load fails. */
	net_keys(&n);
	soft_env.key_fail = 1;
	card_env.fail_tid = 1;
	m4_both(&s, &c, &n);
	assert_memory_equal(c.tid, tid0, 16);
	assert_int_equal(c.tid_rotations, 0);
	assert_int_equal(card_env.tid_stores, 0);
}

static int group_setup(void **state)
{
	(void)state;
	ossl = aiot_backend_openssl_new();
	return ossl ? 0 : -1;
}

static int with_kdf(void **state)
{
	(void)state;
	use_uicc = 0;
	return 0;
}

static int with_uicc(void **state)
{
	(void)state;
	use_uicc = 1;
	return 0;
}

/* Both holders for each test. */
#define BOTH(t) cmocka_unit_test_setup(t, with_kdf), cmocka_unit_test_setup(t, with_uicc)

static int group_teardown(void **state)
{
	(void)state;
	aiot_backend_openssl_free(ossl);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(test_mirror_network_triggered),
	    BOTH(test_card_fails_paging),
	    BOTH(test_card_fails_tid_update),
	    cmocka_unit_test(test_cfg),
	    BOTH(test_mirror_doa),
	    BOTH(test_doa_card_refuses),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
