/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device-originated access on the device (src/device/device_doa.c) against a network side
 * played by this test with the OpenSSL backend (kdf.h, nas_security.h, the codec of
 * nas_doa.c): M1 -> M2 (MAC_N) -> M3 (RES_D == XRES_D, first data) -> M4 (TID_UPDATE) ->
 * Uplink Data, for both suites, every RES length, with and without privacy. Then every
 * attack of issue 13: a random MAC_N, an M2 replayed from an earlier session, an M2 for
 * another device / identifier / RAND_d, reflection of the device's own values, forged and
 * replayed M4s, a replayed downlink COUNT. A refused PDU must change one drop counter and
 * nothing else in the state, and send nothing.
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
#include "crypto/kdf.h"
#include "device/aiot_doa.h"
#include "nas/nas_doa.h"
#include "nas/nas_security.h"

static aiot_backend *ossl;

/* ---- the tag's environment ---------------------------------------------------------------- */

static struct tag_env {
	uint8_t key[32];
	size_t key_len;
	int key_fail, entropy_fail, tid_store_fail;
	uint32_t entropy_ctr;
	uint8_t stored_tid[16];
	int tid_stores;
} env;

static int cb_entropy(void *user, uint8_t *out, size_t len)
{
	struct tag_env *e = user;
	if (e->entropy_fail)
		return -1;
	e->entropy_ctr++;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(e->entropy_ctr * 89u + i * 13u + 0x3C);
	return 0;
}

static int cb_key_load(void *user, uint8_t *key, size_t cap, size_t *len)
{
	struct tag_env *e = user;
	if (e->key_fail || cap < e->key_len)
		return -1;
	memcpy(key, e->key, e->key_len);
	*len = e->key_len;
	return 0;
}

static int cb_tid_store(void *user, const uint8_t tid[16])
{
	struct tag_env *e = user;
	if (e->tid_store_fail)
		return -1;
	memcpy(e->stored_tid, tid, 16);
	e->tid_stores++;
	return 0;
}

static const uint8_t perm_id[12] = {0xC3, 0x5A, 0x96, 0x0F, 0x11, 0x22,
                                    0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static const uint8_t tid0[16] = {0x7E, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t sensor[20] = "temperature=21.5C\n";

static aiot_device_cfg cfg;

static void make_cfg(aiot_suite suite, uint8_t res_bits, uint8_t privacy)
{
	cfg = (aiot_device_cfg){
	    .perm_id = perm_id,
	    .perm_id_len = sizeof(perm_id),
	    .suite = suite,
	    .res_bits = res_bits,
	    .privacy = privacy,
	    .entropy = cb_entropy,
	    .key_load = cb_key_load,
	    .tid_store = cb_tid_store,
	    .user = &env,
	};
}

static int setup(void **state)
{
	(void)state;
	memset(&env, 0, sizeof(env));
	env.key_len = 16;
	for (size_t i = 0; i < 32; i++)
		env.key[i] = (uint8_t)(0x10 + i * 29u);
	make_cfg(AIOT_SUITE_3GPP, 64, 0);
	return 0;
}

/* ---- the network side (AIOTF + ADM of DESIGN §5), OpenSSL backend ------------------------- */

typedef struct net {
	uint8_t key[32];
	size_t key_len;
	uint8_t rand_n[16], rand_d[16];
	uint8_t id[AIOT_NAS_MAX_ID_LEN];
	uint8_t id_len;
	uint8_t k_int[16], k_enc[16];
	uint8_t seq;
} net;

static void net_init(net *n)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->key, env.key, env.key_len);
	n->key_len = env.key_len;
}

/* M1 received: a fresh RAND_n and MAC_N over (RAND_n, RAND_d, identifier); M2 into out. */
static size_t net_m2(net *n, const uint8_t *m1, size_t m1_len, uint8_t *out)
{
	aiot_nas_doa_reg_request r;
	aiot_nas_doa_auth_request m2;

	assert_int_equal(aiot_nas_decode_doa_reg_request(m1, m1_len, &r), AIOT_OK);
	memcpy(n->rand_d, r.rand_d, 16);
	memcpy(n->id, r.id, r.id_len);
	n->id_len = r.id_len;
	n->seq++;
	for (int i = 0; i < 16; i++)
		n->rand_n[i] = (uint8_t)(n->seq * 31 + i * 5 + 1);
	memcpy(m2.rand_tag, n->rand_d, 2);
	memcpy(m2.rand_n, n->rand_n, 16);
	assert_int_equal(aiot_derive_macn(ossl, cfg.suite, n->key, n->key_len, n->rand_n, n->rand_d,
	                                  n->id, n->id_len, m2.mac_n),
	                 AIOT_OK);
	return (size_t)aiot_nas_encode_doa_auth_request(&m2, out, AIOT_NAS_DOA_M2_LEN);
}

/* M3 received: RES_D == XRES_D, then K_AIOTF and the keys; the first data (if any) verified
 * under uplink COUNT 0 and compared with want. */
static void net_m3(net *n, uint8_t *m3, size_t m3_len, const uint8_t *want, size_t want_len)
{
	aiot_nas_doa_auth_response r;
	aiot_nas_protected p;
	uint8_t xres[16], k_aiotf[16];

	assert_int_equal(aiot_nas_decode_doa_auth_response(m3, m3_len, &r), AIOT_OK);
	assert_int_equal(r.res_len, cfg.res_bits / 8);
	assert_int_equal(aiot_derive_resd(ossl, cfg.suite, n->key, n->key_len, n->rand_n, n->rand_d,
	                                  n->id, n->id_len, cfg.res_bits, xres),
	                 AIOT_OK);
	assert_memory_equal(r.res_d, xres, r.res_len);
	assert_int_equal(
	    aiot_derive_kaiotf(ossl, cfg.suite, n->key, n->key_len, n->rand_n, n->rand_d, k_aiotf),
	    AIOT_OK);
	assert_int_equal(aiot_derive_algkey(ossl, cfg.suite, k_aiotf, AIOT_ALG_TYPE_INT,
	                                    AIOT_ALG_ID_NIA2, n->k_int),
	                 AIOT_OK);
	assert_int_equal(aiot_derive_algkey(ossl, cfg.suite, k_aiotf, AIOT_ALG_TYPE_ENC,
	                                    AIOT_ALG_ID_NEA2, n->k_enc),
	                 AIOT_OK);
	if (want_len == 0) {
		assert_null(r.data);
		return;
	}
	assert_non_null(r.data);
	assert_int_equal(aiot_nas_unprotect(ossl, n->k_int, n->k_enc, AIOT_DIR_UPLINK,
	                                    (uint8_t *)r.data, r.data_len, &p),
	                 AIOT_OK);
	assert_int_equal(p.type, AIOT_NAS_UPLINK_DATA);
	assert_int_equal(p.count, 0);
	assert_int_equal(p.payload_len, want_len);
	assert_memory_equal(p.payload, want, want_len);
}

/* A Registration Accept (or any protected PDU) under the network's keys. */
static size_t net_protect(const net *n, uint8_t type, uint32_t count, uint8_t dir, uint8_t payload,
                          int cipher, uint8_t *out)
{
	int k = aiot_nas_protect(ossl, n->k_int, cipher ? n->k_enc : NULL, type, count, dir,
	                         &payload, 1, out, AIOT_NAS_MAX_PDU);
	assert_true(k > 0);
	return (size_t)k;
}

static size_t net_m4(const net *n, int tid_update, uint8_t *out)
{
	return net_protect(n, AIOT_NAS_DOA_REG_ACCEPT, 0, AIOT_DIR_DOWNLINK,
	                   tid_update ? AIOT_NAS_DOA_ACCEPT_TID : 0, 1, out);
}

/* The device up to WAIT_M4 (M1, M2, M3 without data), the network keyed. */
static void run_to_m4(aiot_doa *d, net *n)
{
	uint8_t m1[AIOT_NAS_MAX_PDU], m2[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU];
	size_t l1, l3;

	assert_int_equal(aiot_doa_start(d, m1, sizeof m1, &l1), AIOT_OK);
	size_t l2 = net_m2(n, m1, l1, m2);
	assert_int_equal(aiot_doa_on_auth_request(d, m2, l2, NULL, 0, 0, m3, sizeof m3, &l3),
	                 AIOT_OK);
	net_m3(n, m3, l3, NULL, 0);
	assert_int_equal(d->state, AIOT_DOA_WAIT_M4);
}

/* A refused peer PDU: the return code, one counter up, nothing else changed, nothing sent. */
static void refused(aiot_doa *d, const aiot_doa *before, int rc, int want, uint32_t *counter)
{
	aiot_doa expect;

	memcpy(&expect, before, sizeof expect);

	assert_int_equal(rc, want);
	*(uint32_t *)((uint8_t *)&expect + ((uint8_t *)counter - (uint8_t *)d)) += 1;
	assert_memory_equal(d, &expect, sizeof(*d));
}

static int m2_try(aiot_doa *d, const uint8_t *m2, size_t len, uint8_t *out, size_t *out_len)
{
	memset(out, 0xEE, AIOT_NAS_MAX_PDU);
	int rc = aiot_doa_on_auth_request(d, m2, len, sensor, sizeof sensor, 1, out,
	                                  AIOT_NAS_MAX_PDU, out_len);
	if (rc != AIOT_OK)
		assert_int_equal(*out_len, 0);
	return rc;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_sizeof(void **state)
{
	(void)state;
	printf("sizeof(aiot_doa) = %zu\n", sizeof(aiot_doa));
	assert_true(sizeof(aiot_doa) <= 256);
}

/* The whole registration with data, for every suite, RES length and identifier choice. */
static void test_full_registration(void **state)
{
	(void)state;
	static const aiot_suite suites[] = {AIOT_SUITE_3GPP, AIOT_SUITE_AES};
	for (size_t s = 0; s < 2; s++)
		for (uint8_t bits = 32; bits <= 128; bits += 32)
			for (uint8_t privacy = 0; privacy <= 1; privacy++) {
				uint8_t m1[256], m2[256], m3[256], m4[256], ul[256], tid[16];
				size_t l1, l2, l3, l4, lu;
				aiot_nas_doa_reg_request r;
				aiot_nas_protected p;
				aiot_doa d;
				net n;

				setup(NULL);
				env.key_len = suites[s] == AIOT_SUITE_AES ? 16 : 32;
				make_cfg(suites[s], bits, privacy);
				net_init(&n);
				/* privacy: with a T-ID; else none: the permanent ID */
				assert_int_equal(aiot_doa_init(&d, &cfg, privacy ? tid0 : NULL, 0),
				                 AIOT_OK);
				assert_int_equal(d.max_tries, AIOT_DOA_MAX_TRIES_DEFAULT);
				assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
				assert_int_equal(aiot_nas_decode_doa_reg_request(m1, l1, &r),
				                 AIOT_OK);
				assert_int_equal(r.id_type,
				                 privacy ? AIOT_NAS_ID_TID : AIOT_NAS_ID_PERM);
				assert_memory_equal(r.id, privacy ? tid0 : perm_id, r.id_len);
				assert_memory_equal(r.rand_d, d.rand_d, 16);
				assert_int_equal(l1, privacy ? 34 : 19 + sizeof perm_id);

				l2 = net_m2(&n, m1, l1, m2);
				assert_int_equal(aiot_doa_on_auth_request(&d, m2, l2, sensor,
				                                          sizeof sensor, 1, m3,
				                                          sizeof m3, &l3),
				                 AIOT_OK);
				assert_int_equal(l3, 2 + bits / 8 + 10 + sizeof sensor);
				net_m3(&n, m3, l3, sensor, sizeof sensor);
				assert_memory_equal(d.k_int, n.k_int, 16);

				l4 = net_m4(&n, 1, m4);
				assert_int_equal(l4, AIOT_NAS_DOA_M4_LEN);
				assert_int_equal(aiot_doa_on_accept(&d, m4, l4), AIOT_OK);
				assert_int_equal(d.state, AIOT_DOA_REGISTERED);
				assert_int_equal(aiot_derive_tid(ossl, cfg.suite, n.key, n.key_len,
				                                 n.rand_n, n.rand_d, tid),
				                 AIOT_OK);
				assert_memory_equal(d.tid, tid, 16);
				assert_memory_equal(env.stored_tid, tid, 16);
				assert_int_equal(d.tid_rotations, 1);

				for (uint32_t c = 1; c <= 3; c++) {
					assert_int_equal(aiot_doa_send(&d, sensor, c * 5, c & 1, ul,
					                               sizeof ul, &lu),
					                 AIOT_OK);
					assert_int_equal(aiot_nas_unprotect(ossl, n.k_int, n.k_enc,
					                                    AIOT_DIR_UPLINK, ul, lu,
					                                    &p),
					                 AIOT_OK);
					assert_int_equal(p.count, c);
					assert_int_equal(p.ciphered, c & 1);
					assert_memory_equal(p.payload, sensor, c * 5);
				}
				assert_int_equal(d.m2_dropped + d.m2_foreign + d.m4_dropped, 0);
				/* the next registration names the device by its new T-ID */
				assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
				assert_int_equal(aiot_nas_decode_doa_reg_request(m1, l1, &r),
				                 AIOT_OK);
				assert_int_equal(r.id_type, AIOT_NAS_ID_TID);
				assert_memory_equal(r.id, tid, 16);
				assert_int_equal(d.state, AIOT_DOA_WAIT_M2);
				static const uint8_t zero[16];
				assert_memory_equal(d.k_int, zero, 16);
			}
}

/* A rogue network answering M1 with a random MAC_N: dropped, counted, the device keeps
 * waiting and still takes the genuine M2 afterwards. */
static void test_random_macn(void **state)
{
	(void)state;
	uint8_t m1[256], m2[256], bad[256], m3[256];
	size_t l1, l2, l3;
	aiot_doa d, before;
	net n;

	net_init(&n);
	assert_int_equal(aiot_doa_init(&d, &cfg, NULL, 3), AIOT_OK);
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
	l2 = net_m2(&n, m1, l1, m2);
	for (int t = 0; t < 64; t++) {
		memcpy(bad, m2, l2);
		for (int i = 0; i < 8; i++)
			bad[AIOT_NAS_DOA_M2_MACN_OFF + i] = (uint8_t)(t * 37 + i * 11 + 1);
		memcpy(&before, &d, sizeof d);
		refused(&d, &before, m2_try(&d, bad, l2, m3, &l3), AIOT_ERR_MAC, &d.m2_dropped);
	}
	/* one flipped bit anywhere in RAND_n or MAC_N */
	for (size_t bit = 8 * AIOT_NAS_DOA_M2_RANDN_OFF; bit < 8 * l2; bit++) {
		memcpy(bad, m2, l2);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memcpy(&before, &d, sizeof d);
		refused(&d, &before, m2_try(&d, bad, l2, m3, &l3), AIOT_ERR_MAC, &d.m2_dropped);
	}
	assert_int_equal(d.m2_dropped, 64 + 8 * (l2 - AIOT_NAS_DOA_M2_RANDN_OFF));
	assert_int_equal(m2_try(&d, m2, l2, m3, &l3), AIOT_OK);
	net_m3(&n, m3, l3, sensor, sizeof sensor);
}

/* M2 replayed from an earlier session: its tag is not the new RAND_d's (foreign), and with
 * the tag patched it fails MAC_N, which binds RAND_d. A second M2 after M3 is refused too. */
static void test_replayed_m2(void **state)
{
	(void)state;
	uint8_t m1[256], old[256], m2[256], m3[256];
	size_t l1, lo, l2, l3;
	aiot_doa d, before;
	net n;

	net_init(&n);
	assert_int_equal(aiot_doa_init(&d, &cfg, NULL, 0), AIOT_OK);
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
	lo = net_m2(&n, m1, l1, old);
	assert_int_equal(m2_try(&d, old, lo, m3, &l3), AIOT_OK);
	/* the same M2 again, now that M3 was sent */
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, old, lo, m3, &l3), AIOT_ERR_STATE, &d.m2_dropped);

	/* a new session (power-up): the old M2 as is, then with the new tag */
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, old, lo, m3, &l3), AIOT_ERR_NOT_ADDRESSED, &d.m2_foreign);
	memcpy(old + AIOT_NAS_DOA_M2_TAG_OFF, d.rand_d, 2);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, old, lo, m3, &l3), AIOT_ERR_MAC, &d.m2_dropped);
	l2 = net_m2(&n, m1, l1, m2);
	assert_int_equal(m2_try(&d, m2, l2, m3, &l3), AIOT_OK);
}

/* M2 computed for another device (other K_AIOT_root), for another identifier of this device
 * (the permanent ID where the device sent its T-ID) and for another RAND_d. */
static void test_foreign_m2(void **state)
{
	(void)state;
	uint8_t m1[256], m2[256], m3[256];
	size_t l1, l2, l3;
	aiot_doa d, before;
	net n;

	make_cfg(AIOT_SUITE_3GPP, 64, 1);
	assert_int_equal(aiot_doa_init(&d, &cfg, tid0, 0), AIOT_OK);
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);

	net_init(&n);
	n.key[3] ^= 0x40; /* a clone's network record, or another device's key */
	l2 = net_m2(&n, m1, l1, m2);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, m2, l2, m3, &l3), AIOT_ERR_MAC, &d.m2_dropped);

	net_init(&n); /* right key, wrong identifier as P2 */
	l2 = net_m2(&n, m1, l1, m2);
	aiot_nas_doa_auth_request a;
	assert_int_equal(aiot_nas_decode_doa_auth_request(m2, l2, &a), AIOT_OK);
	assert_int_equal(aiot_derive_macn(ossl, cfg.suite, n.key, n.key_len, a.rand_n, d.rand_d,
	                                  perm_id, sizeof perm_id, a.mac_n),
	                 AIOT_OK);
	aiot_nas_encode_doa_auth_request(&a, m2, sizeof m2);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, m2, l2, m3, &l3), AIOT_ERR_MAC, &d.m2_dropped);

	/* right key and identifier, another RAND_d with the same first two octets */
	uint8_t other_d[16];
	memcpy(other_d, d.rand_d, 16);
	other_d[15] ^= 1;
	assert_int_equal(aiot_derive_macn(ossl, cfg.suite, n.key, n.key_len, a.rand_n, other_d,
	                                  tid0, 16, a.mac_n),
	                 AIOT_OK);
	aiot_nas_encode_doa_auth_request(&a, m2, sizeof m2);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, m2, l2, m3, &l3), AIOT_ERR_MAC, &d.m2_dropped);

	/* another device's M2 (its RAND_d's tag): not for us, counted apart */
	m2[AIOT_NAS_DOA_M2_TAG_OFF] ^= 0xFF;
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, m2, l2, m3, &l3), AIOT_ERR_NOT_ADDRESSED, &d.m2_foreign);

	net_init(&n);
	l2 = net_m2(&n, m1, l1, m2);
	assert_int_equal(m2_try(&d, m2, l2, m3, &l3), AIOT_OK);
	net_m3(&n, m3, l3, sensor, sizeof sensor);
}

/* The device's own values sent back to it: M1 as M2, RAND_d as RAND_n (even with a MAC_N the
 * network computed), RES_D as MAC_N, M3 / Uplink Data as M4, an M4 protected as uplink. */
static void test_reflection(void **state)
{
	(void)state;
	uint8_t m1[256], m2[256], m3[256], m4[256], ul[256];
	size_t l1, l2, l3, l4, lu;
	aiot_nas_doa_auth_request a;
	aiot_doa d, before;
	net n;

	net_init(&n);
	assert_int_equal(aiot_doa_init(&d, &cfg, NULL, 0), AIOT_OK);
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, m1, l1, m3, &l3), AIOT_ERR_UNKNOWN, &d.m2_dropped);

	memcpy(a.rand_tag, d.rand_d, 2);
	memcpy(a.rand_n, d.rand_d, 16);
	assert_int_equal(aiot_derive_macn(ossl, cfg.suite, n.key, n.key_len, d.rand_d, d.rand_d,
	                                  perm_id, sizeof perm_id, a.mac_n),
	                 AIOT_OK);
	l2 = (size_t)aiot_nas_encode_doa_auth_request(&a, m2, sizeof m2);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, m2, l2, m3, &l3), AIOT_ERR_MAC, &d.m2_dropped);

	/* run a genuine M2, then present the RES_D of its M3 as MAC_N of the same RANDs */
	l2 = net_m2(&n, m1, l1, m2);
	aiot_doa saved;
	memcpy(&saved, &d, sizeof d);
	assert_int_equal(m2_try(&d, m2, l2, m3, &l3), AIOT_OK);
	uint8_t m2r[256];
	memcpy(m2r, m2, l2);
	memcpy(m2r + AIOT_NAS_DOA_M2_MACN_OFF, m3 + AIOT_NAS_DOA_M3_RES_OFF, 8);
	memcpy(&before, &saved, sizeof saved);
	refused(&saved, &before, m2_try(&saved, m2r, l2, ul, &lu), AIOT_ERR_MAC, &saved.m2_dropped);
	net_m3(&n, m3, l3, sensor, sizeof sensor);

	memcpy(&before, &d, sizeof d); /* M3 and its Uplink Data as M4 */
	refused(&d, &before, aiot_doa_on_accept(&d, m3, l3), AIOT_ERR_UNKNOWN, &d.m4_dropped);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, m3 + 10, l3 - 10), AIOT_ERR_UNKNOWN,
	        &d.m4_dropped);
	l4 = net_protect(&n, AIOT_NAS_DOA_REG_ACCEPT, 0, AIOT_DIR_UPLINK, 0, 0, m4);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, m4, l4), AIOT_ERR_MAC, &d.m4_dropped);
	l4 = net_m4(&n, 0, m4);
	assert_int_equal(aiot_doa_on_accept(&d, m4, l4), AIOT_OK);
	assert_int_equal(d.tid_rotations, 0);
	assert_int_equal(env.tid_stores, 0);
}

/* Forged and replayed M4s; a replayed downlink COUNT. */
static void test_m4_attacks(void **state)
{
	(void)state;
	uint8_t m4[256], old_m4[256], bad[256];
	size_t l4, lo;
	aiot_doa d, before;
	net n, old;

	net_init(&n);
	assert_int_equal(aiot_doa_init(&d, &cfg, NULL, 0), AIOT_OK);
	/* no M4 before M3 */
	l4 = net_m4(&n, 0, m4);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, m4, l4), AIOT_ERR_STATE, &d.m4_dropped);

	run_to_m4(&d, &n); /* an earlier session, its M4 recorded */
	lo = net_m4(&n, 1, old_m4);
	old = n;
	run_to_m4(&d, &n); /* the current one */
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, old_m4, lo), AIOT_ERR_MAC, &d.m4_dropped);

	l4 = net_m4(&n, 1, m4);
	for (size_t bit = 0; bit < 8 * l4; bit++) { /* every single-bit forgery */
		memcpy(bad, m4, l4);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memcpy(&before, &d, sizeof d);
		int rc = aiot_doa_on_accept(&d, bad, l4);
		assert_true(rc < 0);
		refused(&d, &before, rc, rc, &d.m4_dropped);
	}
	memcpy(bad, m4, l4); /* random MAC */
	memset(bad + 6, 0x5A, 4);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, bad, l4), AIOT_ERR_MAC, &d.m4_dropped);
	/* authentic, but downlink COUNT 1: not the first downlink PDU */
	l4 = net_protect(&n, AIOT_NAS_DOA_REG_ACCEPT, 1, AIOT_DIR_DOWNLINK, 0, 1, bad);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, bad, l4), AIOT_ERR_REPLAY, &d.m4_dropped);
	/* authentic, another protected type; authentic, reserved payload bit */
	l4 = net_protect(&n, AIOT_NAS_COMMAND_REQUEST, 0, AIOT_DIR_DOWNLINK, 0x03, 0, bad);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, bad, l4), AIOT_ERR_UNKNOWN, &d.m4_dropped);
	l4 = net_protect(&n, AIOT_NAS_DOA_REG_ACCEPT, 0, AIOT_DIR_DOWNLINK, 0x01, 0, bad);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, bad, l4), AIOT_ERR_MALFORMED, &d.m4_dropped);
	/* truncated */
	l4 = net_m4(&n, 1, m4);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, m4, AIOT_NAS_SEC_HDR_LEN), AIOT_ERR_TRUNC,
	        &d.m4_dropped);

	assert_int_equal(aiot_doa_on_accept(&d, m4, l4), AIOT_OK);
	assert_int_equal(d.tid_rotations, 1);
	/* the genuine M4 replayed (downlink COUNT 0 again), and the old session's */
	l4 = net_m4(&n, 1, m4);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, m4, l4), AIOT_ERR_STATE, &d.m4_dropped);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, aiot_doa_on_accept(&d, old_m4, lo), AIOT_ERR_STATE, &d.m4_dropped);
	(void)old;
}

/* No answer: bounded retries, each with a new RAND_d; a late M2 of an abandoned attempt is
 * not accepted; after max_tries the device gives up. */
static void test_timeouts(void **state)
{
	(void)state;
	uint8_t m1[256], m1b[256], m2[256], m3[256];
	size_t l1, l1b, l2, l3;
	aiot_doa d, before;
	net n;

	net_init(&n);
	assert_int_equal(aiot_doa_init(&d, &cfg, NULL, 3), AIOT_OK);
	assert_int_equal(aiot_doa_on_timeout(&d, m1, sizeof m1, &l1), AIOT_ERR_STATE);
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
	l2 = net_m2(&n, m1, l1, m2); /* this M2 arrives late */
	assert_int_equal(aiot_doa_on_timeout(&d, m1b, sizeof m1b, &l1b), AIOT_OK);
	assert_int_equal(d.tries, 2);
	assert_int_equal(l1b, l1);
	assert_memory_not_equal(m1b + 2, m1 + 2, 16);
	memcpy(&before, &d, sizeof d);
	refused(&d, &before, m2_try(&d, m2, l2, m3, &l3), AIOT_ERR_NOT_ADDRESSED, &d.m2_foreign);
	/* a retry after M3 too (M4 lost): fresh exchange, keys erased */
	l2 = net_m2(&n, m1b, l1b, m2);
	assert_int_equal(m2_try(&d, m2, l2, m3, &l3), AIOT_OK);
	assert_int_equal(aiot_doa_on_timeout(&d, m1, sizeof m1, &l1), AIOT_OK);
	assert_int_equal(d.state, AIOT_DOA_WAIT_M2);
	assert_int_equal(d.tries, 3);
	static const uint8_t zero[16];
	assert_memory_equal(d.k_int, zero, 16);
	assert_int_equal(aiot_doa_on_timeout(&d, m1, sizeof m1, &l1), AIOT_ERR_TIMEOUT);
	assert_int_equal(l1, 0);
	assert_int_equal(d.state, AIOT_DOA_IDLE);
	assert_memory_equal(d.rand_d, zero, 16);
	assert_int_equal(aiot_doa_on_timeout(&d, m1, sizeof m1, &l1), AIOT_ERR_STATE);
	/* a new event starts a new registration */
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
	assert_int_equal(d.tries, 1);
}

/* Caller errors and callback failures change nothing; Uplink Data only when registered;
 * a T-ID that cannot be stored is not applied; COUNT never wraps. */
static void test_caller_errors(void **state)
{
	(void)state;
	uint8_t m1[256], m2[256], m3[256], m4[256], ul[256];
	size_t l1, l2, l3, l4, lu;
	aiot_doa d, before;
	net n;

	memset(ul, 0x42, sizeof ul);
	assert_int_equal(aiot_doa_init(NULL, &cfg, NULL, 0), AIOT_ERR_INVAL);
	assert_int_equal(aiot_doa_init(&d, NULL, NULL, 0), AIOT_ERR_INVAL);
	cfg.res_bits = 48;
	assert_int_equal(aiot_doa_init(&d, &cfg, NULL, 0), AIOT_ERR_INVAL);
	make_cfg(AIOT_SUITE_3GPP, 64, 1); /* privacy without a T-ID */
	assert_int_equal(aiot_doa_init(&d, &cfg, NULL, 0), AIOT_OK);
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_ERR_STATE);
	make_cfg(AIOT_SUITE_3GPP, 64, 0);
	assert_int_equal(aiot_doa_init(&d, &cfg, NULL, 0), AIOT_OK);
	memcpy(&before, &d, sizeof d);
	assert_int_equal(aiot_doa_start(&d, m1, 19 + sizeof perm_id - 1, &l1), AIOT_ERR_NOSPACE);
	env.entropy_fail = 1;
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_ERR_CALLBACK);
	env.entropy_fail = 0;
	assert_int_equal(aiot_doa_start(NULL, m1, sizeof m1, &l1), AIOT_ERR_INVAL);
	assert_int_equal(aiot_doa_start(&d, NULL, sizeof m1, &l1), AIOT_ERR_INVAL);
	assert_int_equal(aiot_doa_send(&d, sensor, 4, 0, ul, sizeof ul, &lu), AIOT_ERR_STATE);
	assert_memory_equal(&d, &before, sizeof d);

	net_init(&n);
	assert_int_equal(aiot_doa_start(&d, m1, sizeof m1, &l1), AIOT_OK);
	l2 = net_m2(&n, m1, l1, m2);
	memcpy(&before, &d, sizeof d);
	assert_int_equal(aiot_doa_on_auth_request(&d, m2, l2, NULL, 3, 0, m3, sizeof m3, &l3),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_doa_on_auth_request(&d, m2, l2, ul, AIOT_NAS_DOA_M3_MAX_DATA(8) + 1,
	                                          0, m3, sizeof m3, &l3),
	                 AIOT_ERR_INVAL);
	assert_int_equal(
	    aiot_doa_on_auth_request(&d, m2, l2, sensor, 4, 0, m3, 2 + 8 + 10 + 3, &l3),
	    AIOT_ERR_NOSPACE);
	assert_int_equal(aiot_doa_on_auth_request(&d, m2, l2, NULL, 0, 0, m3, 9, &l3),
	                 AIOT_ERR_NOSPACE);
	env.key_fail = 1;
	assert_int_equal(aiot_doa_on_auth_request(&d, m2, l2, NULL, 0, 0, m3, sizeof m3, &l3),
	                 AIOT_ERR_CALLBACK);
	env.key_fail = 0;
	assert_memory_equal(&d, &before, sizeof d);
	/* the largest first data that fits M3 */
	assert_int_equal(aiot_doa_on_auth_request(&d, m2, l2, ul, AIOT_NAS_DOA_M3_MAX_DATA(8), 1,
	                                          m3, sizeof m3, &l3),
	                 AIOT_OK);
	assert_int_equal(l3, AIOT_NAS_MAX_PDU);
	net_m3(&n, m3, l3, ul, AIOT_NAS_DOA_M3_MAX_DATA(8));

	env.tid_store_fail = 1; /* TID_UPDATE that cannot be stored: old T-ID kept */
	l4 = net_m4(&n, 1, m4);
	assert_int_equal(aiot_doa_on_accept(&d, m4, l4), AIOT_OK);
	assert_int_equal(d.has_tid, 0);
	assert_int_equal(d.tid_rotations, 0);

	memcpy(&before, &d, sizeof d);
	assert_int_equal(aiot_doa_send(&d, sensor, 0, 0, ul, sizeof ul, &lu), AIOT_ERR_INVAL);
	assert_int_equal(aiot_doa_send(&d, sensor, AIOT_NAS_MAX_PAYLOAD + 1, 0, ul, 300, &lu),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_doa_send(&d, sensor, 4, 0, ul, 13, &lu), AIOT_ERR_NOSPACE);
	assert_memory_equal(&d, &before, sizeof d);
	/* in place: the data already at out + AIOT_NAS_SEC_HDR_LEN */
	memcpy(ul + AIOT_NAS_SEC_HDR_LEN, sensor, 8);
	assert_int_equal(aiot_doa_send(&d, ul + AIOT_NAS_SEC_HDR_LEN, 8, 1, ul, sizeof ul, &lu),
	                 AIOT_OK);
	aiot_nas_protected p;
	assert_int_equal(aiot_nas_unprotect(ossl, n.k_int, n.k_enc, AIOT_DIR_UPLINK, ul, lu, &p),
	                 AIOT_OK);
	assert_memory_equal(p.payload, sensor, 8);

	d.ul_count = UINT32_MAX - 1;
	assert_int_equal(aiot_doa_send(&d, sensor, 4, 0, ul, sizeof ul, &lu), AIOT_OK);
	assert_int_equal(aiot_doa_send(&d, sensor, 4, 0, ul, sizeof ul, &lu), AIOT_ERR_STATE);
	aiot_doa_end(&d);
	assert_int_equal(d.state, AIOT_DOA_IDLE);
	assert_int_equal(aiot_doa_send(&d, sensor, 4, 0, ul, sizeof ul, &lu), AIOT_ERR_STATE);
}

static int group_setup(void **state)
{
	(void)state;
	ossl = aiot_backend_openssl_new();
	return ossl ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	aiot_backend_openssl_free(ossl);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_sizeof, setup),
	    cmocka_unit_test_setup(test_full_registration, setup),
	    cmocka_unit_test_setup(test_random_macn, setup),
	    cmocka_unit_test_setup(test_replayed_m2, setup),
	    cmocka_unit_test_setup(test_foreign_m2, setup),
	    cmocka_unit_test_setup(test_reflection, setup),
	    cmocka_unit_test_setup(test_m4_attacks, setup),
	    cmocka_unit_test_setup(test_timeouts, setup),
	    cmocka_unit_test_setup(test_caller_errors, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
