/* SPDX-License-Identifier: Apache-2.0 */
/* The DO-A tests' devices and ADM (test_aiotf_proc_doa*.c, on the procedures' harness): tags
 * running the device library with their keys, the ADM's answers computed with the real
 * derivations, the reader relaying between them and the AIOTF's DO-A procedure. */
#ifndef AIOT_TEST_AIOTF_DOA_TAG_H
#define AIOT_TEST_AIOTF_DOA_TAG_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf_proc_harness.h"
#include "common/aiot_err.h"
#include "common/base64.h"
#include "common/hex.h"
#include "crypto/aiot_fc.h"
#include "crypto/kdf.h"
#include "device/aiot_doa.h"
#include "nas/nas_doa.h"

/* ---- a DO-A tag: the device library with its key ------------------------------------------ */

typedef struct tag {
	aiot_device_cfg cfg;
	aiot_doa d;
	uint8_t key[16];
	uint8_t perm[8];
	uint32_t ent;
	uint32_t ran; /* the reader's name for it */
	int rd;       /* the reader it speaks through */
} tag;

static inline int t_entropy(void *user, uint8_t *out, size_t len)
{
	tag *t = user;
	t->ent++;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(t->ent * 53u + i * 7u + t->perm[7]);
	return 0;
}

static inline int t_key(void *user, uint8_t *key, size_t cap, size_t *len)
{
	tag *t = user;
	if (cap < 16)
		return -1;
	memcpy(key, t->key, 16);
	*len = 16;
	return 0;
}

static inline int t_tid_store(void *user, const uint8_t tid[16])
{
	(void)user;
	(void)tid;
	return 0;
}

static const uint8_t TID0[16] = {0x7e, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* Tag n: permanent ID "doa-000n", key n...; with privacy it names itself by TID0. */
static inline void tag_init(tag *t, int n, int privacy)
{
	memset(t, 0, sizeof *t);
	snprintf((char *)t->perm, sizeof t->perm, "doa-%03d", n);
	t->perm[7] = (uint8_t)n;
	memset(t->key, 0x30 + n, sizeof t->key);
	t->ran = 500u + (uint32_t)n;
	t->cfg = (aiot_device_cfg){.perm_id = t->perm,
	                           .perm_id_len = sizeof t->perm,
	                           .suite = AIOT_SUITE_3GPP,
	                           .res_bits = 64,
	                           .privacy = (uint8_t)privacy,
	                           .entropy = t_entropy,
	                           .key_load = t_key,
	                           .tid_store = t_tid_store,
	                           .user = t};
	assert_int_equal(aiot_doa_init(&t->d, &t->cfg, privacy ? TID0 : NULL, 0), AIOT_OK);
}

/* The reader relays an uplink PDU of the tag's. */
static inline void uplink(const tag *t, const uint8_t *pdu, size_t len)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_DOA_UPLINK_NAS;
	m.u.doa.ran_device_id = t->ran;
	m.u.doa.nas_pdu = pdu;
	m.u.doa.nas_len = (uint16_t)len;
	doa_on_uplink(A, RD[t->rd], &m);
	run_deferred();
}

/* M1 from the tag; its PDU kept in m1 (for replays). */
static inline size_t send_m1(tag *t, uint8_t *m1)
{
	size_t len;
	assert_int_equal(aiot_doa_start(&t->d, m1, AIOT_NAS_MAX_PDU, &len), AIOT_OK);
	uplink(t, m1, len);
	return len;
}

static const uint8_t *sent_id(const tag *t, size_t *len)
{
	*len = t->d.id_type == AIOT_NAS_ID_TID ? 16 : sizeof t->perm;
	return t->d.id_type == AIOT_NAS_ID_TID ? t->d.tid : t->perm;
}

static inline void rand_n_of(const tag *t, uint8_t rn[16])
{
	for (int i = 0; i < 16; i++)
		rn[i] = (uint8_t)(0x90 + i + t->d.rand_d[0]);
}

/* The ADM answers get-doa-authentication i for the tag, computed with key. */
static inline void adm_doa_as(size_t i, const tag *t, const uint8_t key[16])
{
	uint8_t rn[16], mac[8], xres[8];
	char b64[64], rnh[33], mh[17], xh[17], json[256];
	size_t idlen;
	const uint8_t *id = sent_id(t, &idlen);
	rand_n_of(t, rn);
	assert_int_equal(
	    aiot_derive_macn(BE, AIOT_SUITE_3GPP, key, 16, rn, t->d.rand_d, id, idlen, mac),
	    AIOT_OK);
	assert_int_equal(
	    aiot_derive_resd(BE, AIOT_SUITE_3GPP, key, 16, rn, t->d.rand_d, id, idlen, 64, xres),
	    AIOT_OK);
	aiot_b64_encode(t->perm, sizeof t->perm, b64);
	aiot_hex_encode(rn, 16, rnh);
	aiot_hex_encode(mac, 8, mh);
	aiot_hex_encode(xres, 8, xh);
	snprintf(json, sizeof json,
	         "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\",\"macN\":\"%s\",\"xresD\":\"%s\"}",
	         b64, rnh, mh, xh);
	adm_answer(i, 200, json);
}

static inline void adm_doa(size_t i, const tag *t)
{
	adm_doa_as(i, t, t->key);
}

/* The ADM's get-session-key (K_AIOTF over the exchange's RANDs) and get-tid answers. */
static inline void adm_key(size_t i, const tag *t)
{
	uint8_t rn[16], k[16];
	char kh[33], json[64];
	rand_n_of(t, rn);
	assert_int_equal(aiot_derive_kaiotf(BE, AIOT_SUITE_3GPP, t->key, 16, rn, t->d.rand_d, k),
	                 AIOT_OK);
	aiot_hex_encode(k, 16, kh);
	snprintf(json, sizeof json, "{\"kAiotf\":\"%s\"}", kh);
	adm_answer(i, 200, json);
}

static inline void next_tid(const tag *t, uint8_t tid[16])
{
	uint8_t rn[16];
	rand_n_of(t, rn);
	assert_int_equal(aiot_derive_tid(BE, AIOT_SUITE_3GPP, t->key, 16, rn, t->d.rand_d, tid),
	                 AIOT_OK);
}

static inline void adm_tid(size_t i, const tag *t)
{
	uint8_t tid[16];
	char th[33], json[64];
	next_tid(t, tid);
	aiot_hex_encode(tid, 16, th);
	snprintf(json, sizeof json, "{\"tid\":\"%s\"}", th);
	adm_answer(i, 200, json);
}

static const ng_rec *last_down(void)
{
	assert_true(F.nng > 0);
	const ng_rec *r = &F.ng[F.nng - 1];
	assert_int_equal(r->type, NGAP_DOA_DOWNLINK_NAS);
	assert_int_equal(r->end, 0);
	return r;
}

/* M2 on the link: the tag verifies it and answers M3 (with data when len > 0). */
static inline size_t answer_m2(tag *t, const uint8_t *data, size_t len, uint8_t *m3)
{
	size_t n;
	const ng_rec *r = last_down();
	assert_int_equal(r->ran_device_id, t->ran);
	assert_int_equal(aiot_doa_on_auth_request(&t->d, r->nas, r->nas_len, data, len, 1, m3,
	                                          AIOT_NAS_MAX_PDU, &n),
	                 AIOT_OK);
	uplink(t, m3, n);
	return n;
}

static inline unsigned long long ended(void)
{
	unsigned long long n = 0;
	for (int i = 0; i < DOA_END_N; i++)
		n += ST.doa_ended[i];
	return n;
}

static const uint8_t DATA0[] = "t=21.5C";

/* A whole registration of tag t (first data DATA0); M3 kept in m3 when not NULL. */
static inline void register_tag(tag *t, uint8_t *m3)
{
	uint8_t m1[AIOT_NAS_MAX_PDU], m3b[AIOT_NAS_MAX_PDU];
	send_m1(t, m1);
	adm_doa(adm_last("get-doa-authentication"), t);
	answer_m2(t, DATA0, sizeof DATA0, m3 ? m3 : m3b);
	adm_key(adm_last("get-session-key"), t);
	if (t->cfg.privacy)
		adm_tid(adm_last("get-tid"), t);
	ng_rec r = *last_down();
	assert_int_equal(aiot_doa_on_accept(&t->d, r.nas, r.nas_len), AIOT_OK);
	assert_int_equal(t->d.state, AIOT_DOA_REGISTERED);
}

static inline void send_data(tag *t, const char *s, uint8_t *pdu, size_t *len)
{
	assert_int_equal(
	    aiot_doa_send(&t->d, (const uint8_t *)s, strlen(s), 1, pdu, AIOT_NAS_MAX_PDU, len),
	    AIOT_OK);
	uplink(t, pdu, *len);
}

static inline void doa_defaults(void)
{
	CFG.doa_exchange_timeout_ms = 2000;
	CFG.doa_max_contexts = 8;
	CFG.doa_context_ttl_s = 60;
	CFG.doa_id_window_ms = 10000;
}

static inline int doa_setup(void **state)
{
	setup(state);
	doa_defaults();
	return 0;
}

#endif
