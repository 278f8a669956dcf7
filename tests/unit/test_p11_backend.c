/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 backend (src/p11) against the reference backend, on a real SoftHSM2 token in a
 * temporary directory (softhsm2-util --init-token): keys of both suites and both lengths are
 * imported, and every derivation keyed with K_AIOT_root (RES, K_AIOTF, T-ID, MAC_N, RES_D)
 * through the token equals the reference one on random inputs (AIOT_P11_N each, default
 * 200; seed AIOT_P11_SEED). Also: the 3gpp 128-bit key stored zero-padded gives the same HMAC
 * (RFC 2104), the errors (no module, no token, wrong PIN, a reference without an object, a
 * key given where a reference is due), the listing of references and its handles as hints.
 * AIOT_PKCS11_MODULE: the SoftHSM2 module (default /usr/lib/softhsm/libsofthsm2.so).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "crypto/kdf.h"
#include "p11/p11.h"
#include "test_rng.h"

#define TOKEN "aiot-unit"
#define PIN "3141-5926"

static char dir[] = "/tmp/aiot-p11-unit.XXXXXX";
static char pin_file[64], bad_pin_file[64];
static const char *module = "/usr/lib/softhsm/libsofthsm2.so";
static unsigned long n_iter = 200;
static aiot_p11 *tok;
static aiot_backend *be;

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	char conf[64], cmd[512], text[256];
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(conf, sizeof conf, "%s/softhsm2.conf", dir);
	snprintf(text, sizeof text,
	         "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", dir);
	FILE *f = fopen(conf, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
	snprintf(cmd, sizeof cmd,
	         "softhsm2-util --init-token --free --label %s --pin %s --so-pin 2718 >/dev/null",
	         TOKEN, PIN);
	if (system(cmd) != 0) {
		fprintf(stderr, "softhsm2-util --init-token failed (scripts/deps.sh installs "
		                "softhsm2)\n");
		return -1;
	}
	snprintf(pin_file, sizeof pin_file, "%s/pin", dir);
	snprintf(bad_pin_file, sizeof bad_pin_file, "%s/bad-pin", dir);
	write_file(pin_file, PIN "\n", 0600);
	write_file(bad_pin_file, "0000\n", 0600);
	char err[512];
	aiot_p11_cfg c = {module, TOKEN, pin_file};
	if ((tok = aiot_p11_open(&c, err, sizeof err)) == NULL ||
	    (be = aiot_p11_backend_new(tok, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	aiot_p11_backend_free(be);
	aiot_p11_close(tok);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir); /* this test's own directory */
	return system(cmd) == 0 ? 0 : -1;
}

static void import(aiot_suite s, const uint8_t *key, size_t len, uint8_t ref[16])
{
	char err[512];
	uint8_t id[12];
	fill(id, sizeof id);
	int rc = aiot_p11_import(tok, s, key, len, id, sizeof id, ref, err, sizeof err);
	if (rc != AIOT_OK)
		fail_msg("%s", err);
	assert_true(aiot_p11_is_ref(ref, 16));
}

/* Every derivation keyed with K_AIOT_root, token against reference, on random inputs. */
static void check_suite(aiot_suite s, size_t key_len)
{
	uint8_t key[32], ref[16];
	for (unsigned long i = 0; i < n_iter; i++) {
		if (i % 50 == 0) { /* a new key every 50 inputs */
			fill(key, key_len);
			import(s, key, key_len, ref);
		}
		uint8_t rn[16], rd[16], idb[AIOT_DOA_ID_MAX], a[32], b[32];
		unsigned bits = 32u * (1 + (unsigned)(rnd() % 4));
		size_t idl = 1 + rnd() % AIOT_DOA_ID_MAX;
		fill(rn, 16);
		fill(rd, 16);
		fill(idb, sizeof idb);
		assert_int_equal(aiot_derive_res(be, s, ref, 16, rn, rd, bits, a), AIOT_OK);
		assert_int_equal(aiot_derive_res(NULL, s, key, key_len, rn, rd, bits, b), AIOT_OK);
		assert_memory_equal(a, b, bits / 8);
		assert_int_equal(aiot_derive_kaiotf(be, s, ref, 16, rn, rd, a), AIOT_OK);
		assert_int_equal(aiot_derive_kaiotf(&aiot_backend_ref, s, key, key_len, rn, rd, b),
		                 AIOT_OK);
		assert_memory_equal(a, b, 16);
		assert_int_equal(aiot_derive_tid(be, s, ref, 16, rn, rd, a), AIOT_OK);
		assert_int_equal(aiot_derive_tid(NULL, s, key, key_len, rn, rd, b), AIOT_OK);
		assert_memory_equal(a, b, 16);
		assert_int_equal(aiot_derive_macn(be, s, ref, 16, rn, rd, idb, idl, a), AIOT_OK);
		assert_int_equal(aiot_derive_macn(NULL, s, key, key_len, rn, rd, idb, idl, b),
		                 AIOT_OK);
		assert_memory_equal(a, b, AIOT_MACN_LEN);
		assert_int_equal(aiot_derive_resd(be, s, ref, 16, rn, rd, idb, idl, bits, a),
		                 AIOT_OK);
		assert_int_equal(aiot_derive_resd(NULL, s, key, key_len, rn, rd, idb, idl, bits, b),
		                 AIOT_OK);
		assert_memory_equal(a, b, bits / 8);
		/* The ADM's prepared-key path: the token backend has no hmac_prepare. */
		aiot_prf_key pk;
		assert_int_equal(aiot_prf_key_init(be, s, ref, 16, &pk), AIOT_OK);
		assert_int_equal(pk.prepared, 0);
		assert_int_equal(aiot_derive_res_k(be, &pk, rn, rd, bits, a), AIOT_OK);
		aiot_prf_key_clear(&pk);
		assert_int_equal(aiot_derive_res(NULL, s, key, key_len, rn, rd, bits, b), AIOT_OK);
		assert_memory_equal(a, b, bits / 8);
	}
}

static void test_aes(void **state)
{
	(void)state;
	check_suite(AIOT_SUITE_AES, 16);
}

static void test_3gpp_128(void **state)
{
	(void)state;
	check_suite(AIOT_SUITE_3GPP, 16);
}

static void test_3gpp_256(void **state)
{
	(void)state;
	check_suite(AIOT_SUITE_3GPP, 32);
}

/* RFC 2104: the 128-bit key and its 32-byte zero-padded form MAC alike, which is what the
 * token's object holds; and long messages take the C_SignUpdate path. */
static void test_hmac_padding_and_long(void **state)
{
	(void)state;
	uint8_t key[32] = {0}, ref[16], msg[1500], a[32], b[32], c[32];
	fill(key, 16);
	fill(msg, sizeof msg);
	import(AIOT_SUITE_3GPP, key, 16, ref);
	for (size_t len = 1; len <= sizeof msg; len = len * 3 + 7) {
		aiot_iov iov[2] = {{msg, len / 2}, {msg + len / 2, len - len / 2}};
		assert_int_equal(be->hmac_sha256(be->ctx, ref, 16, iov, 2, a), AIOT_OK);
		assert_int_equal(aiot_backend_ref.hmac_sha256(NULL, key, 16, iov, 2, b), AIOT_OK);
		assert_int_equal(aiot_backend_ref.hmac_sha256(NULL, key, 32, iov, 2, c), AIOT_OK);
		assert_memory_equal(a, b, 32);
		assert_memory_equal(b, c, 32);
	}
	import(AIOT_SUITE_AES, key, 16, ref);
	aiot_iov iov[1] = {{msg, sizeof msg}};
	assert_int_equal(be->aes_cmac(be->ctx, ref, iov, 1, 8 * sizeof msg, a), AIOT_OK);
	assert_int_equal(aiot_backend_ref.aes_cmac(NULL, key, iov, 1, 8 * sizeof msg, b), AIOT_OK);
	assert_memory_equal(a, b, 16);
	/* CKM_AES_CMAC is byte-granular only. */
	assert_int_equal(be->aes_cmac(be->ctx, ref, iov, 1, 8 * 10 + 3, a), AIOT_ERR_INVAL);
}

static void test_missing_and_not_ref(void **state)
{
	(void)state;
	uint8_t key[16], ref[16], rn[16] = {1}, rd[16] = {2}, out[16];
	fill(key, 16);
	/* A reference the token has no object for. */
	memcpy(ref, AIOT_P11_TAG, AIOT_P11_TAG_LEN);
	fill(ref + AIOT_P11_TAG_LEN, 8);
	assert_int_equal(aiot_derive_kaiotf(be, AIOT_SUITE_AES, ref, 16, rn, rd, out),
	                 AIOT_ERR_NOTFOUND);
	/* A key where a reference is due is never sent to the token. */
	assert_int_equal(aiot_derive_kaiotf(be, AIOT_SUITE_3GPP, key, 16, rn, rd, out),
	                 AIOT_ERR_INVAL);
	/* Destroyed after use: the cached handle is stale, the lookup says so. */
	import(AIOT_SUITE_3GPP, key, 16, ref);
	assert_int_equal(aiot_derive_kaiotf(be, AIOT_SUITE_3GPP, ref, 16, rn, rd, out), AIOT_OK);
	assert_int_equal(aiot_p11_destroy(tok, ref), AIOT_OK);
	assert_int_equal(aiot_derive_kaiotf(be, AIOT_SUITE_3GPP, ref, 16, rn, rd, out),
	                 AIOT_ERR_NOTFOUND);
}

static void test_list(void **state)
{
	(void)state;
	char err[512];
	uint8_t key[16], ref[3][16];
	aiot_p11_refs l;
	for (int i = 0; i < 3; i++) {
		fill(key, 16);
		import(AIOT_SUITE_AES, key, 16, ref[i]);
	}
	assert_int_equal(aiot_p11_list(tok, &l, err, sizeof err), AIOT_OK);
	assert_true(l.n >= 3);
	for (int i = 0; i < 3; i++)
		assert_true(aiot_p11_refs_has(&l, ref[i]));
	for (size_t i = 1; i < l.n; i++)
		assert_true(memcmp(l.ref[i - 1], l.ref[i], 16) < 0);
	uint8_t other[16];
	memcpy(other, ref[0], 16);
	other[15] ^= 1;
	assert_false(aiot_p11_refs_has(&l, other));
	aiot_p11_refs_free(&l);
}

/* A new session takes the listing's handles (checked against CKA_ID) instead of searching;
 * an object destroyed after the listing is still reported missing, not signed with. */
static void test_hints(void **state)
{
	(void)state;
	char err[512];
	uint8_t key[3][16], ref[3][16], rn[16], rd[16], a[16], b[16];
	aiot_p11_refs l;
	for (int i = 0; i < 3; i++) {
		fill(key[i], 16);
		import(AIOT_SUITE_AES, key[i], 16, ref[i]);
	}
	assert_int_equal(aiot_p11_list(tok, &l, err, sizeof err), AIOT_OK);
	aiot_p11_refs_free(&l);
	assert_int_equal(aiot_p11_destroy(tok, ref[2]), AIOT_OK);
	aiot_backend *be2 = aiot_p11_backend_new(tok, err, sizeof err);
	assert_non_null(be2);
	fill(rn, 16);
	fill(rd, 16);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(aiot_derive_kaiotf(be2, AIOT_SUITE_AES, ref[i], 16, rn, rd, a),
		                 AIOT_OK);
		assert_int_equal(aiot_derive_kaiotf(NULL, AIOT_SUITE_AES, key[i], 16, rn, rd, b),
		                 AIOT_OK);
		assert_memory_equal(a, b, 16);
	}
	assert_int_equal(aiot_derive_kaiotf(be2, AIOT_SUITE_AES, ref[2], 16, rn, rd, a),
	                 AIOT_ERR_NOTFOUND);
	aiot_p11_backend_free(be2);
}

static void test_open_errors(void **state)
{
	(void)state;
	char err[512];
	aiot_p11_cfg c = {"/nonexistent/libnone.so", TOKEN, pin_file};
	assert_null(aiot_p11_open(&c, err, sizeof err));
	assert_non_null(strstr(err, "cannot be loaded"));
	c = (aiot_p11_cfg){module, "no-such-token", pin_file};
	assert_null(aiot_p11_open(&c, err, sizeof err));
	assert_non_null(strstr(err, "no PKCS#11 token labelled 'no-such-token'"));
	assert_non_null(strstr(err, "'" TOKEN "'")); /* names the labels there are */
	/* A wrong PIN needs a process of its own (PKCS#11 login is per application, and this
	 * one is logged in): it_adm_pkcs11 checks it. */
	write_file(bad_pin_file, "0000\n", 0644); /* readable by others: refused */
	c = (aiot_p11_cfg){module, TOKEN, bad_pin_file};
	assert_null(aiot_p11_open(&c, err, sizeof err));
	assert_non_null(strstr(err, "PIN file"));
	assert_null(strstr(err, "0000"));
}

int main(void)
{
	const char *e = getenv("AIOT_P11_N");
	if (e != NULL)
		n_iter = strtoul(e, NULL, 10);
	if ((e = getenv("AIOT_PKCS11_MODULE")) != NULL)
		module = e;
	e = getenv("AIOT_P11_SEED");
	rng_state = e != NULL ? strtoull(e, NULL, 0) : 0x9A11E7ULL;
	if (rng_state == 0)
		rng_state = 1;
	printf("PKCS#11 backend against the reference: %lu random inputs per suite, seed 0x%llx\n",
	       n_iter, (unsigned long long)rng_state);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aes),
	    cmocka_unit_test(test_3gpp_128),
	    cmocka_unit_test(test_3gpp_256),
	    cmocka_unit_test(test_hmac_padding_and_long),
	    cmocka_unit_test(test_missing_and_not_ref),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_hints),
	    cmocka_unit_test(test_open_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
