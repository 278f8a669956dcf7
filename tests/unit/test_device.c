/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device library (src/device) against a network side played by this test with the
 * OpenSSL backend and kdf.h / nas_security.h: paging -> Inventory Response -> RES == XRES
 * -> K_AIOTF -> protected commands -> Command Response verified network-side (TS 33.369
 * 5.2.2). Every reject path checks that the whole aiot_device is byte-for-byte unchanged
 * and that nothing was written to the output.
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
#include "device/aiot_device.h"
#include "nas/nas.h"
#include "nas/nas_security.h"

#define OUT_FILL 0xEE
#define USER_MEM 1024

static aiot_backend *ossl;

/* ---- the tag's environment (callbacks) --------------------------------------------------- */

static struct tag_env {
	uint8_t key[32];
	size_t key_len;
	int key_fail;
	size_t key_len_lie; /* != 0: report this length instead */
	int key_loads;
	int entropy_fail;
	uint32_t entropy_ctr;
	uint8_t mem[USER_MEM];
	int mem_reads, mem_writes;
	uint8_t stored_tid[16];
	int tid_stores;
	int tid_store_fail;
	int disabled_calls;
} env;

static int cb_entropy(void *user, uint8_t *out, size_t len)
{
	struct tag_env *e = user;
	if (e->entropy_fail)
		return -1;
	e->entropy_ctr++;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(e->entropy_ctr * 131u + i * 7u + 0x5A);
	return 0;
}

static int cb_key_load(void *user, uint8_t *key, size_t cap, size_t *len)
{
	struct tag_env *e = user;
	e->key_loads++;
	if (e->key_fail)
		return -1;
	assert_true(cap >= e->key_len);
	memcpy(key, e->key, e->key_len);
	*len = e->key_len_lie ? e->key_len_lie : e->key_len;
	return 0;
}

static int cb_mem_read(void *user, uint16_t offset, uint8_t *out, uint8_t len)
{
	struct tag_env *e = user;
	e->mem_reads++;
	if ((size_t)offset + len > USER_MEM)
		return AIOT_ST_PARAMS_INVALID;
	memcpy(out, e->mem + offset, len);
	return AIOT_ST_SUCCESS;
}

static int cb_mem_write(void *user, uint16_t offset, const uint8_t *in, uint8_t len)
{
	struct tag_env *e = user;
	e->mem_writes++;
	if ((size_t)offset + len > USER_MEM)
		return AIOT_ST_PARAMS_INVALID;
	memcpy(e->mem + offset, in, len);
	return AIOT_ST_SUCCESS;
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

static void cb_disabled(void *user)
{
	((struct tag_env *)user)->disabled_calls++;
}

static const uint8_t perm_id[12] = {0xC3, 0x5A, 0x96, 0x0F, 0x11, 0x22,
                                    0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static const uint8_t tid0[16] = {0x7E, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};

static aiot_device_cfg make_cfg(aiot_suite suite, uint8_t res_bits, uint8_t privacy)
{
	aiot_device_cfg c = {
	    .perm_id = perm_id,
	    .perm_id_len = sizeof(perm_id),
	    .suite = suite,
	    .res_bits = res_bits,
	    .privacy = privacy,
	    .entropy = cb_entropy,
	    .key_load = cb_key_load,
	    .mem_read = cb_mem_read,
	    .mem_write = cb_mem_write,
	    .tid_store = cb_tid_store,
	    .disabled = cb_disabled,
	    .user = &env,
	};
	return c;
}

static void set_key(size_t len, uint8_t seed)
{
	env.key_len = len;
	for (size_t i = 0; i < len; i++)
		env.key[i] = (uint8_t)(seed + i * 29u);
}

static int setup(void **state)
{
	(void)state;
	memset(&env, 0, sizeof(env));
	set_key(16, 0x10);
	for (size_t i = 0; i < USER_MEM; i++)
		env.mem[i] = (uint8_t)(i ^ 0xA5);
	return 0;
}

/* ---- the network side (AIOTF + ADM), OpenSSL backend ------------------------------------- */

typedef struct net {
	aiot_suite suite;
	uint8_t key[32];
	size_t key_len;
	unsigned res_bits;
	uint8_t rand_n[16];
	uint8_t rand_d[16];
	uint8_t k_int[16];
	uint8_t k_enc[16];
	uint32_t dl_count; /* next downlink COUNT */
	uint32_t ul_next;  /* expected uplink COUNT */
	uint8_t seq;
} net;

static void net_init(net *n, aiot_suite suite, unsigned res_bits)
{
	memset(n, 0, sizeof(*n));
	n->suite = suite;
	n->res_bits = res_bits;
	memcpy(n->key, env.key, env.key_len);
	n->key_len = env.key_len;
}

static void net_new_rand(net *n)
{
	n->seq++;
	for (int i = 0; i < 16; i++)
		n->rand_n[i] = (uint8_t)(n->seq * 17 + i * 3);
}

/* TS 33.369 5.2.2 steps 7-11: check RES_AIOT against XRES_AIOT, derive K_AIOTF and the keys. */
static void net_accept_inventory(net *n, const uint8_t *pdu, size_t len,
                                 aiot_nas_inventory_response *m)
{
	uint8_t xres[16], k_aiotf[16];

	assert_int_equal(aiot_nas_decode_inventory_response(pdu, len, m), AIOT_OK);
	/* The RAND tag (docs/protocol.md §3.2): the answer names the RAND_AIOT_n it answers. */
	assert_memory_equal(m->rand_tag, n->rand_n, AIOT_NAS_RAND_TAG_LEN);
	assert_int_equal(aiot_nas_inv_answers(pdu, len, n->rand_n), 1);
	assert_int_equal(m->res_len, n->res_bits / 8);
	assert_true(aiot_derive_res(ossl, n->suite, n->key, n->key_len, n->rand_n, m->rand_d,
	                            n->res_bits, xres) >= 0);
	assert_memory_equal(m->res, xres, m->res_len);
	memcpy(n->rand_d, m->rand_d, 16);
	assert_true(aiot_derive_kaiotf(ossl, n->suite, n->key, n->key_len, n->rand_n, n->rand_d,
	                               k_aiotf) >= 0);
	assert_true(aiot_derive_algkey(ossl, n->suite, k_aiotf, AIOT_ALG_TYPE_INT, AIOT_ALG_ID_NIA2,
	                               n->k_int) >= 0);
	assert_true(aiot_derive_algkey(ossl, n->suite, k_aiotf, AIOT_ALG_TYPE_ENC, AIOT_ALG_ID_NEA2,
	                               n->k_enc) >= 0);
	n->dl_count = 0;
	n->ul_next = 0;
}

/* A protected Command Request around raw plain bytes. */
static size_t net_protect_raw(net *n, const uint8_t *plain, size_t plain_len, int cipher,
                              uint32_t count, uint8_t dir, uint8_t type, uint8_t *pdu)
{
	int rc = aiot_nas_protect(ossl, n->k_int, cipher ? n->k_enc : NULL, type, count, dir, plain,
	                          plain_len, pdu, AIOT_NAS_MAX_PDU);
	assert_true(rc > 0);
	return (size_t)rc;
}

static size_t net_cmd(net *n, const aiot_nas_command *c, int cipher, uint8_t *pdu)
{
	uint8_t plain[AIOT_NAS_MAX_PDU];
	int k = aiot_nas_encode_command(c, plain, sizeof(plain));
	assert_true(k > 0);
	return net_protect_raw(n, plain, (size_t)k, cipher, n->dl_count++, AIOT_DIR_DOWNLINK,
	                       AIOT_NAS_COMMAND_REQUEST, pdu);
}

/* Verify and decode a Command Response; buf is a scratch copy r points into. */
static void net_check_resp(net *n, const uint8_t *resp, size_t len, int ciphered, uint8_t *buf,
                           aiot_nas_result *r)
{
	aiot_nas_protected p;

	memcpy(buf, resp, len);
	assert_int_equal(
	    aiot_nas_unprotect(ossl, n->k_int, n->k_enc, AIOT_DIR_UPLINK, buf, len, &p), AIOT_OK);
	assert_int_equal(p.type, AIOT_NAS_COMMAND_RESPONSE);
	assert_int_equal(p.count, n->ul_next);
	n->ul_next++;
	assert_int_equal(p.ciphered, ciphered);
	assert_int_equal(aiot_nas_decode_result(p.payload, p.payload_len, r), AIOT_OK);
}

/* ---- helpers ----------------------------------------------------------------------------- */

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static int all_fill(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != OUT_FILL)
			return 0;
	return 1;
}

/* Feed pdu to the device and assert: returns an error, no state change, no output, pdu not
 * modified. Returns the error. */
static int reject_cmd(aiot_device *d, uint8_t *pdu, size_t len)
{
	aiot_device before;
	uint8_t out[AIOT_NAS_MAX_PDU], copy[AIOT_NAS_MAX_PDU];
	size_t out_len = 12345;
	int rc;

	memcpy(&before, d, sizeof(before));
	memcpy(copy, pdu, len);
	memset(out, OUT_FILL, sizeof(out));
	rc = aiot_device_on_command(d, pdu, len, out, sizeof(out), &out_len);
	assert_true(rc < 0);
	assert_memory_equal(&before, d, sizeof(before));
	assert_int_equal(out_len, 0);
	assert_true(all_fill(out, sizeof(out)));
	if (len)
		assert_memory_equal(copy, pdu, len);
	return rc;
}

static int reject_page(aiot_device *d, const uint8_t rand_n[16], aiot_page_kind kind,
                       const uint8_t *ident, size_t bits)
{
	aiot_device before;
	uint8_t out[AIOT_NAS_MAX_PDU];
	size_t out_len = 12345;
	int rc;

	memcpy(&before, d, sizeof(before));
	memset(out, OUT_FILL, sizeof(out));
	rc = aiot_device_on_paging(d, rand_n, kind, ident, bits, out, sizeof(out), &out_len);
	assert_true(rc < 0);
	assert_memory_equal(&before, d, sizeof(before));
	assert_int_equal(out_len, 0);
	assert_true(all_fill(out, sizeof(out)));
	return rc;
}

/* The session the last paging opened, and how many sessions the device holds. */
static aiot_device_session *cur(aiot_device *d)
{
	return &d->s[d->newest];
}

static int held(const aiot_device *d)
{
	int k = 0;
	for (int i = 0; i < AIOT_DEVICE_SESSIONS; i++)
		k += d->s[i].used;
	return k;
}

/* Page the device and let the network accept the answer. */
static void do_page(aiot_device *d, net *n, aiot_page_kind kind, const uint8_t *ident, size_t bits,
                    aiot_nas_inventory_response *m, uint8_t *out, size_t *out_len)
{
	net_new_rand(n);
	assert_int_equal(
	    aiot_device_on_paging(d, n->rand_n, kind, ident, bits, out, AIOT_NAS_MAX_PDU, out_len),
	    AIOT_OK);
	assert_true(*out_len > 0);
	net_accept_inventory(n, out, *out_len, m);
}

/* Run one command; returns the decoded result (data copied into data_out if any). */
static aiot_nas_status run_cmd(aiot_device *d, net *n, const aiot_nas_command *c, int cipher,
                               uint8_t *data_out, uint8_t *data_len)
{
	uint8_t pdu[AIOT_NAS_MAX_PDU], out[AIOT_NAS_MAX_PDU], buf[AIOT_NAS_MAX_PDU];
	size_t len = net_cmd(n, c, cipher, pdu), out_len = 0;
	aiot_nas_result r;

	assert_int_equal(aiot_device_on_command(d, pdu, len, out, sizeof(out), &out_len), AIOT_OK);
	assert_true(out_len > 0);
	assert_false(contains(out, out_len, perm_id, sizeof(perm_id)) && d->cfg->privacy);
	net_check_resp(n, out, out_len, cipher, buf, &r);
	assert_int_equal(r.cmd, c->cmd);
	if (data_len)
		*data_len = r.data_len;
	if (data_out && r.data_len)
		memcpy(data_out, r.data, r.data_len);
	return r.status;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_sizeof(void **state)
{
	(void)state;
	printf("sizeof(aiot_device) = %zu\n", sizeof(aiot_device));
	assert_true(sizeof(aiot_device) <= 512);
}

static void test_init_validation(void **state)
{
	aiot_device d;
	aiot_device_cfg c = make_cfg(AIOT_SUITE_3GPP, 64, 0);
	(void)state;

	assert_int_equal(aiot_device_init(NULL, &c, NULL), AIOT_ERR_INVAL);
	assert_int_equal(aiot_device_init(&d, NULL, NULL), AIOT_ERR_INVAL);
	assert_int_equal(aiot_device_init(&d, &c, NULL), AIOT_OK);
	assert_int_equal(d.has_tid, 0);
	assert_ptr_equal(aiot_device_tid(&d), perm_id); /* privacy off: the permanent ID */
	assert_int_equal(aiot_device_init(&d, &c, tid0), AIOT_OK);
	assert_int_equal(d.has_tid, 1);
	assert_memory_equal(d.tid, tid0, 16);

	aiot_device_cfg b = c;
	b.perm_id = NULL;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_ERR_INVAL);
	b = c;
	b.perm_id_len = 0;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_ERR_INVAL);
	b = c;
	b.perm_id_len = 129;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_ERR_INVAL);
	static const uint8_t big[128];
	b.perm_id = big;
	b.perm_id_len = 128;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_OK);
	b = c;
	b.suite = (aiot_suite)0;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_ERR_INVAL);
	b.suite = (aiot_suite)3;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_ERR_INVAL);
	static const uint8_t bad_bits[] = {0, 8, 16, 48, 63, 65, 127, 129, 255};
	for (size_t i = 0; i < sizeof(bad_bits); i++) {
		b = c;
		b.res_bits = bad_bits[i];
		assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_ERR_INVAL);
	}
	b = c;
	b.entropy = NULL;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_ERR_INVAL);
	b = c;
	b.key_load = NULL;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_ERR_INVAL);
	b = c;
	b.mem_read = NULL;
	b.mem_write = NULL;
	b.tid_store = NULL;
	b.disabled = NULL;
	assert_int_equal(aiot_device_init(&d, &b, NULL), AIOT_OK);
}

/* The whole exchange for one suite / key length / RES length. */
static void full_exchange(aiot_suite suite, size_t key_len, uint8_t res_bits)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	aiot_nas_inventory_response m;
	uint8_t out[AIOT_NAS_MAX_PDU], data[AIOT_NAS_MAX_PDU], dlen;
	size_t out_len;

	setup(NULL);
	set_key(key_len, (uint8_t)(suite * 40 + res_bits));
	c = make_cfg(suite, res_bits, 0);
	assert_int_equal(aiot_device_init(&d, &c, NULL), AIOT_OK);
	net_init(&n, suite, res_bits);

	/* 5.2.2 steps 3-10 */
	do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
	assert_int_equal(m.id_type, AIOT_NAS_ID_PERM);
	assert_int_equal(m.id_len, sizeof(perm_id));
	assert_memory_equal(m.id, perm_id, sizeof(perm_id));
	assert_int_equal(env.key_loads, 1);
	assert_int_equal(held(&d), 1);
	assert_memory_equal(cur(&d)->rand_n, n.rand_n, 16);
	assert_memory_equal(cur(&d)->k_int, n.k_int, 16);
	assert_memory_equal(cur(&d)->k_enc, n.k_enc, 16);

	for (int cipher = 0; cipher <= 1; cipher++) {
		uint8_t wr[AIOT_NAS_MAX_DATA];
		uint16_t off = (uint16_t)(100 + cipher * 300);
		for (size_t i = 0; i < sizeof(wr); i++)
			wr[i] = (uint8_t)(i * 3 + cipher + res_bits);
		aiot_nas_command w = {
		    .cmd = AIOT_CMD_WRITE, .offset = off, .length = sizeof(wr), .data = wr};
		assert_int_equal(run_cmd(&d, &n, &w, cipher, NULL, NULL), AIOT_ST_SUCCESS);
		assert_memory_equal(env.mem + off, wr, sizeof(wr));

		aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = off, .length = sizeof(wr)};
		assert_int_equal(run_cmd(&d, &n, &rd, cipher, data, &dlen), AIOT_ST_SUCCESS);
		assert_int_equal(dlen, sizeof(wr));
		assert_memory_equal(data, wr, sizeof(wr));

		/* out of the 1 KiB user memory: the application says PARAMS_INVALID */
		rd.offset = USER_MEM - 1;
		rd.length = 2;
		assert_int_equal(run_cmd(&d, &n, &rd, cipher, data, &dlen), AIOT_ST_PARAMS_INVALID);
		assert_int_equal(dlen, 0);
	}

	/* TID_UPDATE: network derives the same T-ID (what ADM get-tid does). */
	uint8_t tid_net[16];
	aiot_nas_command t = {.cmd = AIOT_CMD_TID_UPDATE};
	assert_int_equal(run_cmd(&d, &n, &t, 1, NULL, NULL), AIOT_ST_SUCCESS);
	assert_true(aiot_derive_tid(ossl, suite, n.key, n.key_len, n.rand_n, n.rand_d, tid_net) >=
	            0);
	assert_int_equal(d.has_tid, 1);
	assert_memory_equal(d.tid, tid_net, 16);
	assert_int_equal(env.tid_stores, 1);
	assert_memory_equal(env.stored_tid, tid_net, 16);

	/* A second inventory: fresh session, COUNTs restart at 0. */
	do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
	assert_int_equal(cur(&d)->dl_seen, 0);
	assert_int_equal(cur(&d)->ul_count, 0);
	assert_int_equal(held(&d), 2); /* the proven session is kept beside it */

	/* DISABLE (5.2.2 of TS 23.369) */
	aiot_nas_command dis = {.cmd = AIOT_CMD_DISABLE};
	assert_int_equal(run_cmd(&d, &n, &dis, 0, NULL, NULL), AIOT_ST_SUCCESS);
	assert_int_equal(env.disabled_calls, 1);
	assert_int_equal(d.disabled, 1);
	assert_int_equal(held(&d), 0);
	static const aiot_device_session zero;
	for (int i = 0; i < AIOT_DEVICE_SESSIONS; i++)
		assert_memory_equal(&d.s[i], &zero, sizeof(zero));

	/* Disabled: ignores everything afterwards. */
	uint8_t pdu[AIOT_NAS_MAX_PDU];
	size_t len = net_cmd(&n, &t, 0, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_DISABLED);
	net_new_rand(&n);
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_ALL, NULL, 0), AIOT_ERR_DISABLED);
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_SINGLE, perm_id, 96),
	                 AIOT_ERR_DISABLED);
	assert_int_equal(env.disabled_calls, 1);
}

static void test_full_exchange(void **state)
{
	static const uint8_t bits[] = {32, 64, 96, 128};
	(void)state;
	for (size_t i = 0; i < sizeof(bits); i++) {
		full_exchange(AIOT_SUITE_3GPP, 16, bits[i]);
		full_exchange(AIOT_SUITE_3GPP, 32, bits[i]);
		full_exchange(AIOT_SUITE_AES, 16, bits[i]);
	}
}

/* Device paged and one accepted command; used by the reject tests. */
static void ready(aiot_device *d, aiot_device_cfg *c, net *n, aiot_suite suite)
{
	aiot_nas_inventory_response m;
	uint8_t out[AIOT_NAS_MAX_PDU];
	size_t out_len;

	*c = make_cfg(suite, 64, 0);
	assert_int_equal(aiot_device_init(d, c, tid0), AIOT_OK);
	net_init(n, suite, 64);
	do_page(d, n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
}

static void test_replay(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	uint8_t pdu[AIOT_NAS_MAX_PDU], old[AIOT_NAS_MAX_PDU], out[AIOT_NAS_MAX_PDU];
	size_t len, old_len, out_len;
	aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 8};
	(void)state;

	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	n.dl_count = 5;
	old_len = net_cmd(&n, &rd, 1, old); /* COUNT 5 */
	n.dl_count = 10;
	len = net_cmd(&n, &rd, 1, pdu); /* COUNT 10 */

	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len), AIOT_OK);
	assert_int_equal(cur(&d)->dl_count, 10);
	/* the same message again (re-protect: the first one was decrypted in place) */
	n.dl_count = 10;
	len = net_cmd(&n, &rd, 1, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_REPLAY);
	/* an older COUNT */
	assert_int_equal(reject_cmd(&d, old, old_len), AIOT_ERR_REPLAY);
	n.dl_count = 0;
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_REPLAY);
	/* a newer COUNT (gaps allowed) is accepted */
	n.dl_count = 11;
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len), AIOT_OK);
	/* COUNT 0xFFFFFFFF is the last one */
	n.dl_count = UINT32_MAX;
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len), AIOT_OK);
	n.dl_count = UINT32_MAX;
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_REPLAY);
}

static void test_bit_flips(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	uint8_t pdu[AIOT_NAS_MAX_PDU], out[AIOT_NAS_MAX_PDU], wr[40];
	size_t len, out_len;
	(void)state;

	for (int cipher = 0; cipher <= 1; cipher++) {
		setup(NULL);
		ready(&d, &c, &n, cipher ? AIOT_SUITE_AES : AIOT_SUITE_3GPP);
		memset(wr, 0x3C, sizeof(wr));
		aiot_nas_command w = {
		    .cmd = AIOT_CMD_WRITE, .offset = 7, .length = sizeof(wr), .data = wr};
		len = net_cmd(&n, &w, cipher, pdu);
		for (size_t i = 0; i < len; i++) {
			for (int b = 0; b < 8; b++) {
				pdu[i] ^= (uint8_t)(1u << b);
				int rc = reject_cmd(&d, pdu, len);
				assert_true(rc == AIOT_ERR_MAC || rc == AIOT_ERR_UNKNOWN ||
				            rc == AIOT_ERR_MALFORMED);
				pdu[i] ^= (uint8_t)(1u << b);
			}
		}
		assert_int_equal(env.mem_writes, 0);
		/* the untouched message still goes through */
		assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len),
		                 AIOT_OK);
		assert_int_equal(env.mem_writes, 1);
	}
}

static void test_truncated(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	uint8_t pdu[AIOT_NAS_MAX_PDU], wr[30];
	size_t len;
	(void)state;

	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	memset(wr, 0x77, sizeof(wr));
	aiot_nas_command w = {.cmd = AIOT_CMD_WRITE, .offset = 0, .length = sizeof(wr), .data = wr};
	for (int cipher = 0; cipher <= 1; cipher++) {
		len = net_cmd(&n, &w, cipher, pdu);
		for (size_t l = 0; l < len; l++)
			reject_cmd(&d, pdu, l);
		/* and one byte too many */
		pdu[len] = 0;
		reject_cmd(&d, pdu, len + 1);
	}
	assert_int_equal(env.mem_writes, 0);
}

static void test_wrong_key(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n, evil;
	uint8_t pdu[AIOT_NAS_MAX_PDU];
	aiot_nas_command dis = {.cmd = AIOT_CMD_DISABLE};
	uint8_t k_aiotf[16];
	(void)state;

	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	/* a network that does not know K_AIOT_root but saw both RANDs */
	evil = n;
	evil.key[0] ^= 1;
	assert_true(aiot_derive_kaiotf(ossl, evil.suite, evil.key, evil.key_len, evil.rand_n,
	                               evil.rand_d, k_aiotf) >= 0);
	assert_true(aiot_derive_algkey(ossl, evil.suite, k_aiotf, AIOT_ALG_TYPE_INT,
	                               AIOT_ALG_ID_NIA2, evil.k_int) >= 0);
	assert_true(aiot_derive_algkey(ossl, evil.suite, k_aiotf, AIOT_ALG_TYPE_ENC,
	                               AIOT_ALG_ID_NEA2, evil.k_enc) >= 0);
	for (int cipher = 0; cipher <= 1; cipher++) {
		size_t len = net_cmd(&evil, &dis, cipher, pdu);
		assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_MAC);
	}
	/* K_enc right, K_int wrong, and the reverse */
	memcpy(evil.k_enc, n.k_enc, 16);
	size_t len = net_cmd(&evil, &dis, 1, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_MAC);
	assert_int_equal(d.disabled, 0);
	assert_int_equal(env.disabled_calls, 0);
}

static void test_no_session(void **state)
{
	aiot_device_cfg c = make_cfg(AIOT_SUITE_3GPP, 64, 0);
	aiot_device d;
	net n;
	uint8_t pdu[AIOT_NAS_MAX_PDU];
	aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 4};
	(void)state;

	assert_int_equal(aiot_device_init(&d, &c, NULL), AIOT_OK);
	net_init(&n, AIOT_SUITE_3GPP, 64);
	net_new_rand(&n); /* keys all zero: whatever, the device has no session */
	size_t len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_STATE);

	/* end_session: back to no session, keys zeroised */
	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	aiot_device_end_session(&d);
	static const aiot_device_session zero;
	assert_int_equal(held(&d), 0);
	for (int i = 0; i < AIOT_DEVICE_SESSIONS; i++)
		assert_memory_equal(&d.s[i], &zero, sizeof(zero));
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_STATE);
}

/* Page the device k times in sessions the network never commands (a rogue reader's). */
static void rogue_pages(aiot_device *d, int k)
{
	net r;
	aiot_nas_inventory_response m;
	uint8_t out[AIOT_NAS_MAX_PDU];
	size_t out_len;

	net_init(&r, d->cfg->suite, d->cfg->res_bits);
	r.seq = 200;
	while (k-- > 0)
		do_page(d, &r, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
}

/* Paging abort (TS 33.369 5.2.2 NOTE 1, docs/protocol.md §3.8): pagings do not replace the
 * sessions held; a command proves one, which becomes the only session. */
static void test_old_session(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n, old;
	aiot_nas_inventory_response m;
	uint8_t pdu[AIOT_NAS_MAX_PDU], out[AIOT_NAS_MAX_PDU];
	size_t out_len, len;
	aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 4};
	const int k = AIOT_DEVICE_SESSIONS;
	(void)state;

	/* The network's session survives k - 1 rogue pagings before its command... */
	ready(&d, &c, &n, AIOT_SUITE_AES);
	rogue_pages(&d, k - 1);
	assert_int_equal(held(&d), k);
	assert_int_equal(run_cmd(&d, &n, &rd, 1, NULL, NULL), AIOT_ST_SUCCESS);
	/* ...and the command made it the only one, its COUNT rules unchanged. */
	assert_int_equal(held(&d), 1);
	n.dl_count = 0;
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_REPLAY);

	/* Proven, it is kept however many pagings follow (the ring skips it). */
	rogue_pages(&d, 3 * k);
	assert_int_equal(held(&d), k);
	n.dl_count = 1;
	assert_int_equal(run_cmd(&d, &n, &rd, 0, NULL, NULL), AIOT_ST_SUCCESS);
	len = net_cmd(&n, &rd, 0, pdu);
	n.dl_count--;
	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len), AIOT_OK);
	len = net_cmd(&n, &rd, 0, pdu); /* the same COUNT again */
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_REPLAY);

	/* A new network session beside the proven one: its first command proves it and the
	 * old one is gone (MAC, whichever COUNT). */
	old = n;
	do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
	rogue_pages(&d, k - 2);
	assert_int_equal(run_cmd(&d, &n, &rd, 1, NULL, NULL), AIOT_ST_SUCCESS);
	assert_int_equal(held(&d), 1);
	for (int cipher = 0; cipher <= 1; cipher++) {
		old.dl_count = 100;
		len = net_cmd(&old, &rd, cipher, pdu);
		assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_MAC);
	}

	/* The bound: k pagings after the network's, with no proven session, replace it. */
	aiot_device_end_session(&d);
	do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
	rogue_pages(&d, k);
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_MAC);
	/* With a proven session, one fewer: k - 1 pagings. */
	do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
	assert_int_equal(run_cmd(&d, &n, &rd, 0, NULL, NULL), AIOT_ST_SUCCESS);
	old = n;
	do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
	rogue_pages(&d, k - 1);
	n.dl_count = 5; /* not stale under the proven session either: the MAC decides */
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_MAC);
	assert_int_equal(run_cmd(&d, &old, &rd, 0, NULL, NULL), AIOT_ST_SUCCESS);
}

static void test_direction(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	uint8_t plain[8], pdu[AIOT_NAS_MAX_PDU], out[AIOT_NAS_MAX_PDU];
	size_t len, out_len;
	aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 4};
	(void)state;

	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	int k = aiot_nas_encode_command(&rd, plain, sizeof(plain));
	assert_true(k > 0);
	for (int cipher = 0; cipher <= 1; cipher++) {
		/* Command Request protected as if uplink */
		len = net_protect_raw(&n, plain, (size_t)k, cipher, 1, AIOT_DIR_UPLINK,
		                      AIOT_NAS_COMMAND_REQUEST, pdu);
		assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_MAC);
		/* a Command Response (uplink message type) */
		len = net_protect_raw(&n, plain, (size_t)k, cipher, 1, AIOT_DIR_UPLINK,
		                      AIOT_NAS_COMMAND_RESPONSE, pdu);
		assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_UNKNOWN);
		len = net_protect_raw(&n, plain, (size_t)k, cipher, 1, AIOT_DIR_DOWNLINK,
		                      AIOT_NAS_COMMAND_RESPONSE, pdu);
		assert_int_equal(reject_cmd(&d, pdu, len), AIOT_ERR_UNKNOWN);
	}
	/* the device's own response reflected back to it */
	len = net_cmd(&n, &rd, 0, pdu);
	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len), AIOT_OK);
	assert_int_equal(reject_cmd(&d, out, out_len), AIOT_ERR_UNKNOWN);
	/* with its type octet turned into a Command Request: its uplink COUNT is never above
	 * the last downlink COUNT (REPLAY); were it, the MAC would fail (type, direction) */
	out[0] = AIOT_NAS_COMMAND_REQUEST;
	int rc = reject_cmd(&d, out, out_len);
	assert_true(rc == AIOT_ERR_REPLAY || rc == AIOT_ERR_MAC);
}

static void test_privacy(void **state)
{
	aiot_device_cfg c = make_cfg(AIOT_SUITE_3GPP, 64, 1);
	aiot_device d;
	net n;
	aiot_nas_inventory_response m;
	uint8_t out[AIOT_NAS_MAX_PDU], data[AIOT_NAS_MAX_PDU], dlen;
	size_t out_len;
	(void)state;

	/* no T-ID: presents nothing rather than the permanent ID */
	assert_int_equal(aiot_device_init(&d, &c, NULL), AIOT_OK);
	assert_null(aiot_device_tid(&d));
	net_init(&n, AIOT_SUITE_3GPP, 64);
	net_new_rand(&n);
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_ALL, NULL, 0), AIOT_ERR_STATE);
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_GROUP, perm_id, 12), AIOT_ERR_STATE);
	/* paged by its permanent ID (the network already knows it): answers with no ID */
	do_page(&d, &n, AIOT_PAGE_SINGLE, perm_id, 96, &m, out, &out_len);
	assert_int_equal(m.id_type, AIOT_NAS_ID_NONE);
	assert_false(contains(out, out_len, perm_id, sizeof(perm_id)));

	/* TID_UPDATE gives it a T-ID; then ALL / GROUP show the T-ID only */
	aiot_nas_command t = {.cmd = AIOT_CMD_TID_UPDATE};
	assert_int_equal(run_cmd(&d, &n, &t, 1, NULL, NULL), AIOT_ST_SUCCESS);
	assert_non_null(aiot_device_tid(&d));
	uint8_t tid[16];
	memcpy(tid, aiot_device_tid(&d), 16);

	do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
	assert_int_equal(m.id_type, AIOT_NAS_ID_TID);
	assert_memory_equal(m.id, tid, 16);
	assert_false(contains(out, out_len, perm_id, sizeof(perm_id)));
	assert_false(contains(out, out_len, perm_id, 4));
	do_page(&d, &n, AIOT_PAGE_GROUP, perm_id, 20, &m, out, &out_len);
	assert_int_equal(m.id_type, AIOT_NAS_ID_TID);
	assert_false(contains(out, out_len, perm_id, 4));
	do_page(&d, &n, AIOT_PAGE_SINGLE, tid, 128, &m, out, &out_len);
	assert_int_equal(m.id_type, AIOT_NAS_ID_NONE);
	assert_false(contains(out, out_len, perm_id, 4));

	/* commands: READ of memory holding no perm ID -> responses do not carry it */
	aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 100};
	assert_int_equal(run_cmd(&d, &n, &rd, 0, data, &dlen), AIOT_ST_SUCCESS);
	assert_int_equal(dlen, 100);
}

static void test_addressing(void **state)
{
	aiot_device_cfg c = make_cfg(AIOT_SUITE_3GPP, 32, 0);
	aiot_device d;
	net n;
	aiot_nas_inventory_response m;
	uint8_t out[AIOT_NAS_MAX_PDU], id[AIOT_NAS_MAX_ID_LEN + 1];
	size_t out_len;
	(void)state;

	assert_int_equal(aiot_device_init(&d, &c, tid0), AIOT_OK);
	net_init(&n, AIOT_SUITE_3GPP, 32);

	/* SINGLE by permanent ID and by T-ID: no identifier in the answer */
	do_page(&d, &n, AIOT_PAGE_SINGLE, perm_id, 96, &m, out, &out_len);
	assert_int_equal(m.id_type, AIOT_NAS_ID_NONE);
	do_page(&d, &n, AIOT_PAGE_SINGLE, tid0, 128, &m, out, &out_len);
	assert_int_equal(m.id_type, AIOT_NAS_ID_NONE);
	/* ALL: answers with the permanent ID (privacy off) */
	do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
	assert_int_equal(m.id_type, AIOT_NAS_ID_PERM);

	/* SINGLE non-matching: another ID, a prefix, a longer ID, a T-ID of another device */
	net_new_rand(&n);
	memcpy(id, perm_id, sizeof(perm_id));
	id[11] ^= 0x01;
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_SINGLE, id, 96),
	                 AIOT_ERR_NOT_ADDRESSED);
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_SINGLE, perm_id, 88),
	                 AIOT_ERR_NOT_ADDRESSED);
	memcpy(id, perm_id, sizeof(perm_id));
	id[12] = 0;
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_SINGLE, id, 104),
	                 AIOT_ERR_NOT_ADDRESSED);
	memcpy(id, tid0, 16);
	id[0] ^= 0x80;
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_SINGLE, id, 128),
	                 AIOT_ERR_NOT_ADDRESSED);
	/* SINGLE must be whole octets */
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_SINGLE, perm_id, 95), AIOT_ERR_INVAL);
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_SINGLE, perm_id, 0), AIOT_ERR_INVAL);
	assert_int_equal(reject_page(&d, n.rand_n, (aiot_page_kind)7, NULL, 0), AIOT_ERR_INVAL);

	/* GROUP: every prefix length 0..96 matches; flipping its last bit does not */
	for (size_t bits = 0; bits <= 8 * sizeof(perm_id); bits++) {
		do_page(&d, &n, AIOT_PAGE_GROUP, bits ? perm_id : NULL, bits, &m, out, &out_len);
		assert_int_equal(m.id_type, AIOT_NAS_ID_PERM);
		if (bits == 0)
			continue;
		memcpy(id, perm_id, sizeof(perm_id));
		/* garbage past the prefix must not matter */
		if (bits % 8)
			id[bits / 8] ^= (uint8_t)(0xFFu >> (bits % 8));
		do_page(&d, &n, AIOT_PAGE_GROUP, id, bits, &m, out, &out_len);
		size_t last = bits - 1;
		id[last / 8] ^= (uint8_t)(0x80u >> (last % 8));
		net_new_rand(&n);
		assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_GROUP, id, bits),
		                 AIOT_ERR_NOT_ADDRESSED);
	}
	/* a filter longer than the permanent ID */
	memcpy(id, perm_id, sizeof(perm_id));
	id[12] = 0;
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_GROUP, id, 97),
	                 AIOT_ERR_NOT_ADDRESSED);
	/* group filters are matched against the permanent ID, not the T-ID */
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_GROUP, tid0, 8),
	                 AIOT_ERR_NOT_ADDRESSED);
	assert_int_equal(reject_page(&d, n.rand_n, AIOT_PAGE_GROUP, NULL, 8), AIOT_ERR_INVAL);
}

static void test_callback_failures(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	uint8_t rand_n[16] = {1, 2, 3};
	aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 4};
	(void)state;

	/* with a live session: a failed paging must leave it usable */
	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	env.entropy_fail = 1;
	assert_int_equal(reject_page(&d, rand_n, AIOT_PAGE_ALL, NULL, 0), AIOT_ERR_CALLBACK);
	env.entropy_fail = 0;
	env.key_fail = 1;
	assert_int_equal(reject_page(&d, rand_n, AIOT_PAGE_ALL, NULL, 0), AIOT_ERR_CALLBACK);
	env.key_fail = 0;
	env.key_len_lie = 20;
	assert_int_equal(reject_page(&d, rand_n, AIOT_PAGE_ALL, NULL, 0), AIOT_ERR_KEYLEN);
	env.key_len_lie = 0;
	assert_int_equal(run_cmd(&d, &n, &rd, 0, NULL, NULL), AIOT_ST_SUCCESS);

	/* suite aes takes only a 128-bit key */
	setup(NULL);
	set_key(32, 9);
	c = make_cfg(AIOT_SUITE_AES, 64, 0);
	assert_int_equal(aiot_device_init(&d, &c, NULL), AIOT_OK);
	assert_int_equal(reject_page(&d, rand_n, AIOT_PAGE_ALL, NULL, 0), AIOT_ERR_KEYLEN);

	/* key_load failing during TID_UPDATE: authenticated, answered, T-ID unchanged */
	setup(NULL);
	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	aiot_nas_command t = {.cmd = AIOT_CMD_TID_UPDATE};
	env.key_fail = 1;
	assert_int_equal(run_cmd(&d, &n, &t, 0, NULL, NULL), AIOT_ST_ERROR_UNSPECIFIED);
	assert_memory_equal(d.tid, tid0, 16);
	env.key_fail = 0;
	/* tid_store failing: the device keeps the old T-ID and says so */
	env.tid_store_fail = 1;
	assert_int_equal(run_cmd(&d, &n, &t, 1, NULL, NULL), AIOT_ST_ERROR_UNSPECIFIED);
	assert_memory_equal(d.tid, tid0, 16);
	env.tid_store_fail = 0;
	assert_int_equal(run_cmd(&d, &n, &t, 1, NULL, NULL), AIOT_ST_SUCCESS);
	assert_memory_not_equal(d.tid, tid0, 16);
}

static void test_unsupported_and_malformed(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	uint8_t pdu[AIOT_NAS_MAX_PDU], out[AIOT_NAS_MAX_PDU], buf[AIOT_NAS_MAX_PDU], plain[8];
	size_t len, out_len;
	aiot_nas_result r;
	(void)state;

	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	c.mem_read = NULL;
	c.mem_write = NULL;
	c.tid_store = NULL;
	c.disabled = NULL;
	aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 4};
	uint8_t wr[4] = {1, 2, 3, 4};
	aiot_nas_command w = {.cmd = AIOT_CMD_WRITE, .offset = 0, .length = 4, .data = wr};
	assert_int_equal(run_cmd(&d, &n, &rd, 0, NULL, NULL), AIOT_ST_NOT_IMPLEMENTED);
	assert_int_equal(run_cmd(&d, &n, &w, 1, NULL, NULL), AIOT_ST_NOT_IMPLEMENTED);
	assert_int_equal(env.mem_reads + env.mem_writes, 0);
	/* TID_UPDATE without tid_store: kept in RAM */
	aiot_nas_command t = {.cmd = AIOT_CMD_TID_UPDATE};
	assert_int_equal(run_cmd(&d, &n, &t, 0, NULL, NULL), AIOT_ST_SUCCESS);
	assert_memory_not_equal(d.tid, tid0, 16);

	/* authenticated, known command, trailing octet: INVALID_MANDATORY */
	plain[0] = AIOT_CMD_DISABLE;
	plain[1] = 0;
	for (int cipher = 0; cipher <= 1; cipher++) {
		len = net_protect_raw(&n, plain, 2, cipher, n.dl_count++, AIOT_DIR_DOWNLINK,
		                      AIOT_NAS_COMMAND_REQUEST, pdu);
		assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len),
		                 AIOT_OK);
		net_check_resp(&n, out, out_len, cipher, buf, &r);
		assert_int_equal(r.cmd, AIOT_CMD_DISABLE);
		assert_int_equal(r.status, AIOT_ST_INVALID_MANDATORY);
		assert_int_equal(d.disabled, 0);
	}
	/* READ truncated, READ of 0 bytes */
	static const uint8_t bad_read[][4] = {{AIOT_CMD_READ, 0, 0, 0}, {AIOT_CMD_READ, 0, 0}};
	len = net_protect_raw(&n, bad_read[0], 4, 0, n.dl_count++, AIOT_DIR_DOWNLINK,
	                      AIOT_NAS_COMMAND_REQUEST, pdu);
	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len), AIOT_OK);
	net_check_resp(&n, out, out_len, 0, buf, &r);
	assert_int_equal(r.status, AIOT_ST_INVALID_MANDATORY);
	len = net_protect_raw(&n, bad_read[1], 3, 1, n.dl_count++, AIOT_DIR_DOWNLINK,
	                      AIOT_NAS_COMMAND_REQUEST, pdu);
	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len), AIOT_OK);
	net_check_resp(&n, out, out_len, 1, buf, &r);
	assert_int_equal(r.status, AIOT_ST_INVALID_MANDATORY);

	/* authenticated, unknown command code: no Command Response can carry it -> silent,
	 * no state change (documented in device.c) */
	plain[0] = 0x7F;
	len = net_protect_raw(&n, plain, 1, 0, n.dl_count++, AIOT_DIR_DOWNLINK,
	                      AIOT_NAS_COMMAND_REQUEST, pdu);
	aiot_device before = d;
	memset(out, OUT_FILL, sizeof(out));
	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), &out_len),
	                 AIOT_ERR_UNKNOWN);
	assert_int_equal(out_len, 0);
	assert_memory_equal(&before, &d, sizeof(d));
	assert_true(all_fill(out, sizeof(out)));
}

static void test_output_space(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	uint8_t pdu[AIOT_NAS_MAX_PDU], out[AIOT_NAS_MAX_PDU], copy[AIOT_NAS_MAX_PDU];
	size_t len, out_len, need;
	(void)state;

	/* paging: every cap below the Inventory Response size fails with no change */
	ready(&d, &c, &n, AIOT_SUITE_3GPP);
	net_new_rand(&n);
	aiot_device before = d;
	assert_int_equal(
	    aiot_device_on_paging(&d, n.rand_n, AIOT_PAGE_ALL, NULL, 0, out, sizeof(out), &need),
	    AIOT_OK);
	d = before;
	for (size_t cap = 0; cap < need; cap++) {
		assert_int_equal(
		    aiot_device_on_paging(&d, n.rand_n, AIOT_PAGE_ALL, NULL, 0, out, cap, &out_len),
		    AIOT_ERR_NOSPACE);
		assert_int_equal(out_len, 0);
		assert_memory_equal(&before, &d, sizeof(d));
	}

	/* command: a READ whose response does not fit is not executed at all */
	aiot_nas_command rd = {.cmd = AIOT_CMD_READ, .offset = 0, .length = 150};
	uint8_t wr[100];
	memset(wr, 1, sizeof(wr));
	aiot_nas_command w = {.cmd = AIOT_CMD_WRITE, .offset = 0, .length = 100, .data = wr};
	len = net_cmd(&n, &rd, 1, pdu);
	memcpy(copy, pdu, len);
	for (size_t cap = 0; cap < AIOT_NAS_SEC_HDR_LEN + 3 + 150; cap++) {
		memcpy(pdu, copy, len);
		assert_int_equal(aiot_device_on_command(&d, pdu, len, out, cap, &out_len),
		                 AIOT_ERR_NOSPACE);
		assert_int_equal(out_len, 0);
		assert_memory_equal(&before, &d, sizeof(d));
	}
	assert_int_equal(env.mem_reads, 0);
	len = net_cmd(&n, &w, 0, pdu);
	assert_int_equal(
	    aiot_device_on_command(&d, pdu, len, out, AIOT_NAS_SEC_HDR_LEN + 1, &out_len),
	    AIOT_ERR_NOSPACE);
	assert_int_equal(env.mem_writes, 0);
	assert_memory_equal(&before, &d, sizeof(d));
	assert_int_equal(
	    aiot_device_on_command(&d, pdu, len, out, AIOT_NAS_SEC_HDR_LEN + 2, &out_len), AIOT_OK);
	assert_int_equal(env.mem_writes, 1);

	/* NULL arguments */
	assert_int_equal(aiot_device_on_command(NULL, pdu, len, out, sizeof(out), &out_len),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_device_on_command(&d, NULL, len, out, sizeof(out), &out_len),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_device_on_command(&d, pdu, len, NULL, sizeof(out), &out_len),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_device_on_command(&d, pdu, len, out, sizeof(out), NULL),
	                 AIOT_ERR_INVAL);
	assert_int_equal(
	    aiot_device_on_paging(&d, NULL, AIOT_PAGE_ALL, NULL, 0, out, sizeof(out), &out_len),
	    AIOT_ERR_INVAL);
	assert_null(aiot_device_tid(NULL));
	aiot_device_end_session(NULL);
}

/* The device's derivations (reference backend) equal the network's (OpenSSL) for many
 * RANDs: RES for every length, keys, T-ID. */
static void test_many_sessions(void **state)
{
	aiot_device_cfg c;
	aiot_device d;
	net n;
	aiot_nas_inventory_response m;
	uint8_t out[AIOT_NAS_MAX_PDU];
	size_t out_len;
	aiot_nas_command t = {.cmd = AIOT_CMD_TID_UPDATE};
	(void)state;

	for (int s = 0; s < 2; s++) {
		aiot_suite suite = s ? AIOT_SUITE_AES : AIOT_SUITE_3GPP;
		ready(&d, &c, &n, suite);
		for (int i = 0; i < 200; i++) {
			do_page(&d, &n, AIOT_PAGE_ALL, NULL, 0, &m, out, &out_len);
			assert_int_equal(run_cmd(&d, &n, &t, i & 1, NULL, NULL), AIOT_ST_SUCCESS);
		}
	}
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
	    cmocka_unit_test_setup(test_init_validation, setup),
	    cmocka_unit_test_setup(test_full_exchange, setup),
	    cmocka_unit_test_setup(test_replay, setup),
	    cmocka_unit_test_setup(test_bit_flips, setup),
	    cmocka_unit_test_setup(test_truncated, setup),
	    cmocka_unit_test_setup(test_wrong_key, setup),
	    cmocka_unit_test_setup(test_no_session, setup),
	    cmocka_unit_test_setup(test_old_session, setup),
	    cmocka_unit_test_setup(test_direction, setup),
	    cmocka_unit_test_setup(test_privacy, setup),
	    cmocka_unit_test_setup(test_addressing, setup),
	    cmocka_unit_test_setup(test_callback_failures, setup),
	    cmocka_unit_test_setup(test_unsupported_and_malformed, setup),
	    cmocka_unit_test_setup(test_output_space, setup),
	    cmocka_unit_test_setup(test_many_sessions, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
