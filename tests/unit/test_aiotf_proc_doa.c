/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF's DO-A procedure (src/aiotf/doa.c) through the procedures' harness: genuine
 * devices run the device library (src/device/aiot_doa.h) and the test plays the ADM with the
 * real derivations (kdf.h). A full registration with and without a T-ID (TID_UPDATE and
 * get-tid), then the attacks and failures: a wrong RES_D (a clone), a replayed M3, an M3
 * without exchange, replayed and forged Uplink Data, the M1 rate limits, the contexts bound,
 * an ADM answer after the deadline, the reader lost between M2 and M3, a stop during an
 * exchange; every exchange ends exactly once (enum doa_end).
 */
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

static int t_entropy(void *user, uint8_t *out, size_t len)
{
	tag *t = user;
	t->ent++;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(t->ent * 53u + i * 7u + t->perm[7]);
	return 0;
}

static int t_key(void *user, uint8_t *key, size_t cap, size_t *len)
{
	tag *t = user;
	if (cap < 16)
		return -1;
	memcpy(key, t->key, 16);
	*len = 16;
	return 0;
}

static int t_tid_store(void *user, const uint8_t tid[16])
{
	(void)user;
	(void)tid;
	return 0;
}

static const uint8_t TID0[16] = {0x7e, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* Tag n: permanent ID "doa-000n", key n...; with privacy it names itself by TID0. */
static void tag_init(tag *t, int n, int privacy)
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
static void uplink(const tag *t, const uint8_t *pdu, size_t len)
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
static size_t send_m1(tag *t, uint8_t *m1)
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

static void rand_n_of(const tag *t, uint8_t rn[16])
{
	for (int i = 0; i < 16; i++)
		rn[i] = (uint8_t)(0x90 + i + t->d.rand_d[0]);
}

/* The ADM answers get-doa-authentication i for the tag, computed with key. */
static void adm_doa_as(size_t i, const tag *t, const uint8_t key[16])
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

static void adm_doa(size_t i, const tag *t)
{
	adm_doa_as(i, t, t->key);
}

/* The ADM's get-session-key (K_AIOTF over the exchange's RANDs) and get-tid answers. */
static void adm_key(size_t i, const tag *t)
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

static void next_tid(const tag *t, uint8_t tid[16])
{
	uint8_t rn[16];
	rand_n_of(t, rn);
	assert_int_equal(aiot_derive_tid(BE, AIOT_SUITE_3GPP, t->key, 16, rn, t->d.rand_d, tid),
	                 AIOT_OK);
}

static void adm_tid(size_t i, const tag *t)
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
static size_t answer_m2(tag *t, const uint8_t *data, size_t len, uint8_t *m3)
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

static unsigned long long ended(void)
{
	unsigned long long n = 0;
	for (int i = 0; i < DOA_END_N; i++)
		n += ST.doa_ended[i];
	return n;
}

static const uint8_t DATA0[] = "t=21.5C";

/* A whole registration of tag t (first data DATA0); M3 kept in m3 when not NULL. */
static void register_tag(tag *t, uint8_t *m3)
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

static void send_data(tag *t, const char *s, uint8_t *pdu, size_t *len)
{
	assert_int_equal(
	    aiot_doa_send(&t->d, (const uint8_t *)s, strlen(s), 1, pdu, AIOT_NAS_MAX_PDU, len),
	    AIOT_OK);
	uplink(t, pdu, *len);
}

static void doa_defaults(void)
{
	CFG.doa_exchange_timeout_ms = 2000;
	CFG.doa_max_contexts = 8;
	CFG.doa_context_ttl_s = 60;
	CFG.doa_id_window_ms = 10000;
}

static int doa_setup(void **state)
{
	setup(state);
	doa_defaults();
	return 0;
}

/* ---- the procedure ------------------------------------------------------------------------- */

static void test_registration(void **state)
{
	(void)state;
	tag t;
	uint8_t pdu[AIOT_NAS_MAX_PDU];
	size_t len;
	tag_init(&t, 1, 0);
	register_tag(&t, NULL);
	assert_int_equal(adm_count("get-doa-authentication"), 1);
	assert_int_equal(adm_count("get-session-key"), 1);
	assert_int_equal(adm_count("get-tid"), 0);
	/* M1 named the device by its permanent ID: the ADM was asked for that, with RAND_d. */
	char b64[64], rd[33];
	aiot_b64_encode(t.perm, sizeof t.perm, b64);
	aiot_hex_encode(t.d.rand_d, 16, rd);
	const char *body = F.adm[0].body;
	assert_non_null(strstr(body, b64));
	assert_non_null(strstr(body, rd));
	/* registration, then the first data block (uplink COUNT 0) */
	assert_int_equal(F.ndoa, 2);
	assert_true(F.doa[0].registration);
	assert_memory_equal(F.doa[0].perm.b, t.perm, sizeof t.perm);
	assert_false(F.doa[1].registration);
	assert_int_equal(F.doa[1].len, sizeof DATA0);
	assert_memory_equal(F.doa[1].data, DATA0, sizeof DATA0);
	send_data(&t, "t=21.6C", pdu, &len);
	send_data(&t, "t=21.7C", pdu, &len);
	assert_int_equal(F.ndoa, 4);
	assert_memory_equal(F.doa[3].data, "t=21.7C", 7);
	assert_int_equal(ST.doa_m1, 1);
	assert_int_equal(ST.doa_m2_sent, 1);
	assert_int_equal(ST.doa_registered, 1);
	assert_int_equal(ST.doa_data_delivered, 3);
	assert_int_equal(ST.doa_ended[DOA_END_REGISTERED], 1);
	assert_int_equal(ended(), 1);
	assert_int_equal(ST.doa_contexts, 1);
}

/* A device with identifier privacy: the ADM rotates its T-ID (get-tid) before M4 carries
 * TID_UPDATE; the device applies it; the AIOTF knows the new T-ID. */
static void test_registration_tid(void **state)
{
	(void)state;
	tag t;
	uint8_t tid[16];
	tag_init(&t, 2, 1);
	register_tag(&t, NULL);
	assert_int_equal(adm_count("get-tid"), 1);
	assert_true(adm_last("get-tid") > adm_last("get-session-key"));
	assert_non_null(strstr(F.adm[0].body, "\"tid\":\"7e01"));
	next_tid(&t, tid);
	assert_memory_equal(t.d.tid, tid, 16);
	assert_int_equal(t.d.tid_rotations, 1);
	const aiotf_id *p = amap_get(&A->tid_to_perm, tid, 16);
	assert_non_null(p);
	assert_memory_equal(p->b, t.perm, sizeof t.perm);
	assert_int_equal(ST.tid_updates, 1);
}

/* The device missed the M4 of its first rotation (still TID0, now the ADM's previous T-ID):
 * its next registration makes TID0 current again (resyncInd) before rotating, so the ADM
 * keeps TID0 as the previous T-ID whatever becomes of the new M4. */
static void test_missed_m4_resync(void **state)
{
	(void)state;
	tag t;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU], tid[16], th[33];
	char json[128];
	tag_init(&t, 2, 1);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t);
	answer_m2(&t, NULL, 0, m3);
	adm_key(adm_last("get-session-key"), &t);
	adm_tid(adm_last("get-tid"), &t); /* M4 sent, lost: the device keeps TID0 */
	assert_int_equal(adm_count("get-tid"), 1);
	send_m1(&t, m1);
	assert_non_null(strstr(F.adm[adm_last("get-doa-authentication")].body, "7e0102"));
	adm_doa(adm_last("get-doa-authentication"), &t);
	answer_m2(&t, NULL, 0, m3);
	adm_key(adm_last("get-session-key"), &t);
	assert_int_equal(adm_count("get-tid"), 2);
	assert_non_null(strstr(F.adm[adm_last("get-tid")].body, "\"resyncInd\":true"));
	aiot_hex_encode(TID0, 16, (char *)th);
	snprintf(json, sizeof json, "{\"tid\":\"%s\"}", (char *)th);
	adm_answer(adm_last("get-tid"), 200, json); /* TID0 current again */
	assert_int_equal(adm_count("get-tid"), 3);  /* then the rotation */
	assert_null(strstr(F.adm[adm_last("get-tid")].body, "resyncInd"));
	adm_tid(adm_last("get-tid"), &t);
	ng_rec r = *last_down();
	assert_int_equal(aiot_doa_on_accept(&t.d, r.nas, r.nas_len), AIOT_OK);
	next_tid(&t, tid);
	assert_memory_equal(t.d.tid, tid, 16);
	assert_int_equal(ST.doa_registered, 2);
}

/* get-tid fails: M4 without TID_UPDATE, the device keeps its T-ID. */
static void test_tid_rotation_fails(void **state)
{
	(void)state;
	tag t;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU];
	tag_init(&t, 2, 1);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t);
	answer_m2(&t, NULL, 0, m3);
	adm_key(adm_last("get-session-key"), &t);
	adm_answer(adm_last("get-tid"), 500, NULL);
	ng_rec r = *last_down();
	assert_int_equal(aiot_doa_on_accept(&t.d, r.nas, r.nas_len), AIOT_OK);
	assert_memory_equal(t.d.tid, TID0, 16);
	assert_int_equal(ST.doa_registered, 1);
	assert_int_equal(ST.tid_updates, 0);
}

/* A clone (right identifier, wrong key) cannot verify MAC_N; one that answers anyway (a forged
 * RES_D) has its exchange dropped: nothing sent, no key asked, counted. */
static void test_wrong_res_d(void **state)
{
	(void)state;
	tag t;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[32];
	tag_init(&t, 3, 0);
	t.key[0] ^= 1; /* the clone */
	send_m1(&t, m1);
	t.key[0] ^= 1;
	adm_doa(adm_last("get-doa-authentication"), &t); /* computed with the genuine key */
	t.key[0] ^= 1;
	size_t nng = F.nng;
	const ng_rec *r = last_down();
	size_t n;
	assert_int_equal(
	    aiot_doa_on_auth_request(&t.d, r->nas, r->nas_len, NULL, 0, 1, m3, sizeof m3, &n),
	    AIOT_ERR_MAC);
	aiot_nas_doa_auth_response f = {.res_len = 8};
	memset(f.res_d, 0x5a, 8);
	int k = aiot_nas_encode_doa_auth_response(&f, m3, sizeof m3);
	assert_true(k > 0);
	uplink(&t, m3, (size_t)k);
	assert_int_equal(ST.doa_res_d_failed, 1);
	assert_int_equal(ST.doa_ended[DOA_END_RES_D], 1);
	assert_int_equal(F.nng, nng);
	assert_int_equal(adm_count("get-session-key"), 0);
	assert_int_equal(ST.doa_contexts, 0);
	uplink(&t, m3, (size_t)k); /* again: no exchange any more */
	assert_int_equal(ST.doa_unexpected, 1);
	assert_int_equal(ended(), 1);
	assert_int_equal(F.ndoa, 0);
}

/* A replayed M3 (after the registration) and an M3 with no exchange: dropped, no ADM call. */
static void test_replayed_m3(void **state)
{
	(void)state;
	tag t, other;
	uint8_t m3[AIOT_NAS_MAX_PDU];
	tag_init(&t, 4, 0);
	register_tag(&t, m3);
	size_t nadm = F.nadm, nng = F.nng, ndoa = F.ndoa;
	uplink(&t, m3, 10 + 10 + sizeof DATA0);
	tag_init(&other, 5, 0);
	uplink(&other, m3, 10 + 10 + sizeof DATA0); /* on a RAN ID with no exchange */
	assert_int_equal(ST.doa_unexpected, 2);
	assert_int_equal(F.nadm, nadm);
	assert_int_equal(F.nng, nng);
	assert_int_equal(F.ndoa, ndoa);
	assert_int_equal(ST.doa_registered, 1);
	assert_int_equal(ended(), 1);
}

/* Uplink Data: each COUNT once, strictly increasing; a forged MAC refused; all counted. */
static void test_uplink_replay(void **state)
{
	(void)state;
	tag t;
	uint8_t p1[AIOT_NAS_MAX_PDU], p2[AIOT_NAS_MAX_PDU], f[AIOT_NAS_MAX_PDU];
	size_t l1, l2;
	tag_init(&t, 6, 0);
	register_tag(&t, NULL);
	send_data(&t, "one", p1, &l1);
	send_data(&t, "two", p2, &l2);
	uplink(&t, p2, l2); /* a duplicate */
	uplink(&t, p1, l1); /* an older COUNT */
	memcpy(f, p2, l2);
	f[l2 - 1] ^= 1;
	uplink(&t, f, l2);
	assert_int_equal(ST.doa_data_delivered, 3); /* DATA0, one, two */
	assert_int_equal(ST.doa_data_replayed, 2);
	assert_int_equal(ST.doa_data_bad_mac, 1);
	assert_int_equal(F.ndoa, 4);
	/* data from a device that never registered on that RAN ID */
	tag u;
	tag_init(&u, 7, 0);
	uplink(&u, p1, l1);
	assert_int_equal(ST.doa_unexpected, 1);
}

/* M1 rate limits, before any ADM request: per reader link and per identifier. */
static void test_rate_limits(void **state)
{
	(void)state;
	tag t[4];
	uint8_t m1[AIOT_NAS_MAX_PDU];
	CFG.doa_m1_rate = 2;
	CFG.doa_m1_burst = 2;
	for (int i = 0; i < 3; i++) {
		tag_init(&t[i], 10 + i, 0);
		send_m1(&t[i], m1);
	}
	assert_int_equal(adm_count("get-doa-authentication"), 2);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_RATE_READER], 1);
	tag_init(&t[3], 13, 0);
	t[3].rd = 1; /* another reader has its own bucket */
	send_m1(&t[3], m1);
	assert_int_equal(adm_count("get-doa-authentication"), 3);
	F.now += 500000; /* one token back */
	send_m1(&t[2], m1);
	assert_int_equal(adm_count("get-doa-authentication"), 4);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_RATE_READER], 1);

	CFG.doa_m1_rate = 0;
	CFG.doa_id_m1_max = 2;
	tag c[3];
	for (int i = 0; i < 3; i++) { /* one identifier under three RAN IDs */
		tag_init(&c[i], 20, 0);
		c[i].ran += (uint32_t)i * 1000;
		send_m1(&c[i], m1);
	}
	assert_int_equal(adm_count("get-doa-authentication"), 6);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_RATE_ID], 1);
	F.now += 10000000; /* the window has passed */
	send_m1(&c[2], m1);
	assert_int_equal(adm_count("get-doa-authentication"), 7);
	assert_int_equal(ST.doa_m1, 9);
}

/* doa.max-contexts: an M1 past it is refused; 404, 403, ADM errors: nothing sent. */
static void test_bounds_and_refusals(void **state)
{
	(void)state;
	tag t[4];
	uint8_t m1[AIOT_NAS_MAX_PDU];
	CFG.doa_max_contexts = 3;
	for (int i = 0; i < 4; i++) {
		tag_init(&t[i], 30 + i, 0);
		send_m1(&t[i], m1);
	}
	assert_int_equal(adm_count("get-doa-authentication"), 3);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_FULL], 1);
	adm_answer(0, 404, NULL);
	adm_answer(1, 403, "{\"cause\":\"AUTHENTICATION_REJECTED\"}");
	adm_answer(2, 0, NULL);
	assert_int_equal(F.nng, 0);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_UNKNOWN], 1);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_RAND_REUSED], 1);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_ADM_ERROR], 1);
	assert_int_equal(ST.doa_ended[DOA_END_REFUSED], 3);
	assert_int_equal(ended(), 3);
	assert_int_equal(ST.doa_contexts, 0);
	uint8_t bad[3] = {AIOT_NAS_DOA_REG_REQUEST, 0x40, 0};
	uplink(&t[0], bad, sizeof bad);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_MALFORMED], 1);
}

/* The ADM answers after the exchange's deadline: nothing is sent, the memory is freed. */
static void test_adm_after_timeout(void **state)
{
	(void)state;
	tag t;
	uint8_t m1[AIOT_NAS_MAX_PDU];
	tag_init(&t, 40, 0);
	send_m1(&t, m1);
	expire(2000);
	assert_int_equal(ST.doa_ended[DOA_END_TIMEOUT], 1);
	assert_int_equal(ST.doa_contexts, 0);
	adm_doa(adm_last("get-doa-authentication"), &t);
	assert_int_equal(F.nng, 0);
	assert_int_equal(ST.doa_late_adm, 1);
	assert_int_equal(ended(), 1);
}

/* The reader leaves between M2 and M3, or while get-session-key is asked. */
static void test_reader_lost(void **state)
{
	(void)state;
	tag t, u;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU];
	tag_init(&t, 41, 0);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t);
	doa_reader_lost(A, RD[0]);
	assert_int_equal(ST.doa_ended[DOA_END_READER_LOST], 1);
	answer_m2(&t, NULL, 0, m3); /* a new link with the same name: no exchange */
	assert_int_equal(ST.doa_unexpected, 1);
	assert_int_equal(adm_count("get-session-key"), 0);

	tag_init(&u, 42, 0);
	send_m1(&u, m1);
	adm_doa(adm_last("get-doa-authentication"), &u);
	answer_m2(&u, NULL, 0, m3);
	doa_reader_lost(A, RD[0]);
	size_t nng = F.nng;
	adm_key(adm_last("get-session-key"), &u);
	assert_int_equal(F.nng, nng); /* no M4 */
	assert_int_equal(ST.doa_late_adm, 1);
	assert_int_equal(ST.doa_ended[DOA_END_READER_LOST], 2);
	assert_int_equal(ST.doa_registered, 0);
	assert_int_equal(ended(), 2);
}

/* M2 undelivered (Downlink Failure), a new M1 replacing an exchange, a context's TTL. */
static void test_failure_replace_ttl(void **state)
{
	(void)state;
	tag t, u;
	uint8_t m1[AIOT_NAS_MAX_PDU], p[AIOT_NAS_MAX_PDU];
	size_t l;
	tag_init(&t, 43, 0);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t);
	ngap_msg f;
	memset(&f, 0, sizeof f);
	f.type = NGAP_DOA_DOWNLINK_FAILURE;
	f.u.fail.has_ran_device_id = 1;
	f.u.fail.ran_device_id = t.ran;
	doa_on_failure(A, RD[0], &f);
	assert_int_equal(ST.doa_ended[DOA_END_UNDELIVERED], 1);
	send_m1(&t, m1);
	send_m1(&t, m1); /* the device started over before the ADM answered */
	assert_int_equal(ST.doa_ended[DOA_END_REPLACED], 1);
	adm_doa(adm_last("get-doa-authentication") - 1, &t); /* the replaced one: freed */
	assert_int_equal(ST.doa_late_adm, 1);
	tag_init(&u, 44, 0);
	register_tag(&u, NULL);
	expire(60000);
	assert_int_equal(ST.doa_ctx_expired, 1);
	assert_int_equal(aiot_doa_send(&u.d, (const uint8_t *)"x", 1, 1, p, sizeof p, &l), AIOT_OK);
	uplink(&u, p, l);
	assert_int_equal(ST.doa_unexpected, 1);
	/* t's exchange (the newest M1) timed out with u's TTL */
	assert_int_equal(ended(), 4);
}

/* The AIOTF stops during an exchange: it ends once (stopped), its ADM answer only frees. */
static void test_stop_during_exchange(void **state)
{
	(void)state;
	tag t, u;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU];
	tag_init(&t, 45, 0);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t); /* waiting for M3 */
	tag_init(&u, 46, 0);
	send_m1(&u, m1);
	adm_doa(adm_last("get-doa-authentication"), &u);
	answer_m2(&u, NULL, 0, m3); /* get-session-key outstanding */
	A->stopping = 1;
	size_t k = adm_last("get-session-key");
	F.adm[k].answered = 1;
	F.adm[k].done(F.adm[k].arg, 0, NULL, "the AIOTF is stopping"); /* dropped */
	doa_free(A);
	assert_int_equal(ST.doa_ended[DOA_END_STOPPED], 2);
	assert_int_equal(ended(), 2);
	assert_int_equal(ST.doa_registered, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_registration, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_registration_tid, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tid_rotation_fails, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missed_m4_resync, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_res_d, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replayed_m3, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uplink_replay, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limits, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounds_and_refusals, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_adm_after_timeout, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reader_lost, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure_replace_ttl, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_during_exchange, doa_setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
