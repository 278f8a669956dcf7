/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card engine against malformed APDUs: a battery of commands, each with the one status
 * word ISO/IEC 7816-4 and uicc_apdu.h give it; every truncation of every valid command
 * (only dropping Le keeps it valid, the answer then waits behind '61xx'); GET RESPONSE in
 * pieces and with a wrong Le; 100,000 random APDUs. After each: an answer of 2..258 octets,
 * no card key in it, and the USIM's SQN array unchanged. The perso file's parser refuses what
 * it must (uicc_perso.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/hex.h"
#include "uicc/uicc_perso.h"
#include "uicc_test_util.h"

#define R16 "00112233445566778899aabbccddeeff"
#define RANDS "10" R16 "10" R16
#define ID11                                                                                       \
	"0b"                                                                                       \
	"6465766963652d30303031" /* "device-0001" */
#define MAC8                                                                                       \
	"08"                                                                                       \
	"0102030405060708"

enum { AT_MF, AT_USIM, AT_AIOT };

struct bad {
	int at;
	const char *apdu;
	uint16_t sw;
};

static const struct bad battery[] = {
    {AT_MF, "", UICC_SW_WRONG_LENGTH},
    {AT_MF, "00a404", UICC_SW_WRONG_LENGTH},
    {AT_MF, "00a4040c000007a0000000871002", UICC_SW_WRONG_LENGTH}, /* extended length */
    {AT_MF, "00a4040c07a00000", UICC_SW_WRONG_LENGTH},             /* Lc beyond the data */
    {AT_MF, "00a4040c02a0000000", UICC_SW_WRONG_LENGTH},           /* data beyond Lc + Le */
    {AT_MF, "a0a4040c07a0000000871002", UICC_SW_CLA_UNKNOWN},
    {AT_MF, "80a4040c07a0000000871002", UICC_SW_INS_UNKNOWN},
    {AT_MF, "0000000000", UICC_SW_INS_UNKNOWN},
    {AT_MF, "00a4020c026f07", UICC_SW_WRONG_P1P2},
    {AT_MF, "00a4040107a0000000871002", UICC_SW_WRONG_P1P2},
    {AT_MF, "00a4040c", UICC_SW_WRONG_LENGTH},
    {AT_MF, "00a4040c06f041494f5402", UICC_SW_NOT_FOUND},
    {AT_MF, "00a4040c06a00000008710", UICC_SW_NOT_FOUND}, /* shorter than the USIM prefix */
    {AT_MF, "00a4040c05f041494f54", UICC_SW_NOT_FOUND},   /* AIoT: the whole AID only */
    {AT_MF, "00a4000c036f0700", UICC_SW_WRONG_LENGTH},
    {AT_MF, "00a4000c026f07", UICC_SW_NOT_FOUND}, /* EF_IMSI is the USIM's */
    {AT_AIOT, "00a4000c026f07", UICC_SW_NOT_FOUND},
    {AT_USIM, "00a4000c026f01", UICC_SW_NOT_FOUND},
    {AT_MF, "00b0000009", UICC_SW_NOT_ALLOWED},
    {AT_USIM, "00b0000009", UICC_SW_NOT_ALLOWED}, /* an ADF, no EF */
    {AT_MF, "00c0000010", UICC_SW_NOT_ALLOWED},   /* nothing to get */
    {AT_MF, "00c0010000", UICC_SW_WRONG_P1P2},
    {AT_MF, "00c00000", UICC_SW_WRONG_LENGTH},
    {AT_MF, "0088008122" RANDS "00", UICC_SW_NOT_ALLOWED},
    {AT_AIOT, "0088008122" RANDS "00", UICC_SW_NOT_ALLOWED},
    {AT_USIM, "0088008022" RANDS "00", UICC_SW_WRONG_P1P2},
    {AT_USIM, "0088018122" RANDS "00", UICC_SW_WRONG_P1P2},
    {AT_USIM, "00880081220f" R16 "10" R16 "00", UICC_SW_WRONG_DATA},
    {AT_USIM, "0088008121" RANDS, UICC_SW_WRONG_LENGTH}, /* RAND||AUTN, one octet short: Lc 33 */
    {AT_USIM, "0088008123" RANDS "ff00", UICC_SW_WRONG_LENGTH},
    {AT_MF, "8088080122" RANDS "00", UICC_SW_NOT_ALLOWED},
    {AT_USIM, "8088080122" RANDS "00", UICC_SW_NOT_ALLOWED},
    {AT_AIOT, "8088030122" RANDS "00", UICC_SW_WRONG_P1P2},
    {AT_AIOT, "8088000122" RANDS "00", UICC_SW_WRONG_P1P2},
    {AT_AIOT, "8088200122" RANDS "00", UICC_SW_WRONG_P1P2},
    {AT_AIOT, "8088080322" RANDS "00", UICC_SW_WRONG_P1P2},
    {AT_AIOT, "8088080422" RANDS "00", UICC_SW_WRONG_P1P2},
    {AT_AIOT, "8088080022" RANDS "00", UICC_SW_WRONG_P1P2},
    {AT_AIOT, "8088080123" RANDS "0000", UICC_SW_WRONG_LENGTH},
    {AT_AIOT, "80880801221011" R16 "10" R16 "00", UICC_SW_WRONG_LENGTH},
    {AT_AIOT, "808808012210" R16 "11" R16 "00", UICC_SW_WRONG_DATA},
    {AT_AIOT, "808808022c" RANDS "00" MAC8 "00", UICC_SW_WRONG_DATA}, /* no identifier */
    {AT_AIOT, "808808022c" RANDS "81" MAC8 "00", UICC_SW_WRONG_DATA}, /* 129 octets */
    {AT_AIOT,
     "8088080237" RANDS ID11 "07"
     "0102030405060708"
     "00",
     UICC_SW_WRONG_DATA},
    {AT_AIOT,
     "8088080236" RANDS ID11 "08"
     "01020304050607"
     "00",
     UICC_SW_WRONG_LENGTH},
    {AT_AIOT, "8088080238" RANDS ID11 MAC8 "ff00", UICC_SW_WRONG_LENGTH},
    {AT_AIOT, "8088080237" RANDS ID11 MAC8 "00", UICC_SW_AUTH_ERROR}, /* wrong MAC_N */
};

static uicc_card card;

static void at(int where)
{
	static const uint8_t usim[] = {UICC_AID_USIM_PREFIX}, aiot[] = {UICC_AID_AIOT};
	uicc_card_reset(&card);
	if (where == AT_USIM)
		uicc_test_select(&card, usim, sizeof usim);
	else if (where == AT_AIOT)
		uicc_test_select(&card, aiot, sizeof aiot);
}

static int setup(void **state)
{
	uicc_perso p;
	(void)state;
	uicc_test_perso(&p);
	assert_int_equal(uicc_card_init(&card, &p), AIOT_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	uicc_card_clear(&card);
	return 0;
}

/* One raw exchange; the SQN array must not move. */
static uint16_t send(const uint8_t *c, size_t n, uint8_t *r, size_t *rl)
{
	uint64_t before[AIOT_USIM_NIND];
	memcpy(before, card.usim.seq_ms, sizeof before);
	uicc_test_raw(&card, c, n, r, rl);
	assert_memory_equal(before, card.usim.seq_ms, sizeof before);
	return (uint16_t)(r[*rl - 2] << 8 | r[*rl - 1]);
}

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = strlen(s) / 2;
	assert_int_equal(aiot_hex_decode(s, 2 * n, out, 300), (int)n);
	return n;
}

static void test_battery(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof battery / sizeof battery[0]; i++) {
		uint8_t c[300], r[UICC_RAPDU_MAX];
		size_t n = unhex(battery[i].apdu, c), rl;
		at(battery[i].at);
		uint16_t sw = send(c, n, r, &rl);
		if (sw != battery[i].sw)
			fail_msg("battery %zu (%s): SW %04X, expected %04X", i, battery[i].apdu, sw,
			         battery[i].sw);
		assert_int_equal(rl, 2);
	}
}

/* Every prefix of each valid command is refused, except the one without Le (T=0), answered
 * with last_sw1 ('61', or '98' for the USIM's: a made-up AUTN, whose MAC fails). */
static void truncations(int where, const uint8_t *c, size_t n, unsigned last_sw1)
{
	uint8_t r[UICC_RAPDU_MAX];
	size_t rl;
	for (size_t len = 0; len < n; len++) {
		at(where);
		uint16_t sw = send(c, len, r, &rl);
		assert_int_equal(rl, 2);
		if (len == n - 1)
			assert_int_equal(sw >> 8, last_sw1);
		else
			assert_true(sw != UICC_SW_OK && (sw >> 8) != UICC_SW1_MORE);
	}
}

static void test_truncations(void **state)
{
	(void)state;
	uint8_t c[UICC_CAPDU_MAX], rn[16], rd[16], id[11], mac[8] = {0};
	size_t n;
	memset(rn, 1, 16), memset(rd, 2, 16), memcpy(id, "device-0001", 11);
	assert_int_equal(uicc_cmd_usim_authenticate(rn, rd, c, sizeof c, &n), AIOT_OK);
	truncations(AT_USIM, c, n, UICC_SW_AUTH_ERROR >> 8);
	assert_int_equal(uicc_cmd_aiot_inventory(rn, rd, 8, c, sizeof c, &n), AIOT_OK);
	truncations(AT_AIOT, c, n, UICC_SW1_MORE);
	assert_int_equal(uicc_cmd_aiot_next_tid(rn, rd, c, sizeof c, &n), AIOT_OK);
	truncations(AT_AIOT, c, n, UICC_SW1_MORE);
	assert_int_equal(aiot_derive_macn(NULL, card.suite, card.aiot_key, card.aiot_key_len, rn,
	                                  rd, id, sizeof id, mac),
	                 AIOT_OK);
	assert_int_equal(uicc_cmd_aiot_doa(rn, rd, id, sizeof id, mac, 8, c, sizeof c, &n),
	                 AIOT_OK);
	truncations(AT_AIOT, c, n, UICC_SW1_MORE);
}

/* GET RESPONSE: a wrong Le is told the right one; pieces add up; any other command drops
 * what was pending. */
static void test_get_response(void **state)
{
	(void)state;
	uint8_t c[UICC_CAPDU_MAX], r[UICC_RAPDU_MAX], all[64], rn[16] = {0}, rd[16] = {0};
	size_t n, rl, got = 0;
	at(AT_AIOT);
	assert_int_equal(uicc_cmd_aiot_inventory(rn, rd, 16, c, sizeof c, &n), AIOT_OK);
	assert_int_equal(send(c, n - 1, r, &rl), 0x6100 | 35); /* 'DB' 16 RES '10' K_AIOTF */
	uint8_t gr[5] = {0x00, UICC_INS_GET_RESPONSE, 0, 0, 36};
	assert_int_equal(send(gr, 5, r, &rl), 0x6C00 | 35);
	for (uint8_t piece = 10;;) {
		gr[4] = piece;
		uint16_t sw = send(gr, 5, r, &rl);
		if ((sw >> 8) == UICC_SW1_WRONG_LE) { /* fewer than 10 left: told how many */
			assert_int_equal(sw & 0xFF, 35 - got);
			piece = (uint8_t)sw;
			continue;
		}
		memcpy(all + got, r, rl - 2);
		got += rl - 2;
		if (sw == UICC_SW_OK)
			break;
		assert_int_equal(sw, 0x6100 | (35 - got));
	}
	assert_int_equal(got, 35);
	assert_int_equal(all[0], UICC_TAG_SUCCESS);
	assert_int_equal(send(c, n - 1, r, &rl), 0x6100 | 35);
	assert_int_equal(
	    send((const uint8_t[]){0x00, 0xA4, 0x04, 0x0C, 0x06, UICC_AID_AIOT}, 11, r, &rl),
	    UICC_SW_OK);
	gr[4] = 0;
	assert_int_equal(send(gr, 5, r, &rl), UICC_SW_NOT_ALLOWED);
}

static void test_random_apdus(void **state)
{
	(void)state;
	uint8_t c[300], r[UICC_RAPDU_MAX];
	size_t rl;
	srand(16);
	for (int i = 0; i < 100000; i++) {
		size_t n = (size_t)rand() % 64;
		for (size_t k = 0; k < n; k++)
			c[k] = (uint8_t)rand();
		if (n >= 2 && (i & 1)) /* often a class and instruction the card knows */
			c[0] = (i & 2) ? UICC_CLA_AIOT : UICC_CLA_ISO,
			c[1] = (uint8_t[]){0xA4, 0xB0, 0xC0, 0x88}[(i >> 2) & 3];
		if (n >= 5 && (i & 8))
			c[4] = (uint8_t)(n - 5 - ((i >> 4) & 1)); /* a consistent Lc */
		at(i % 3);
		send(c, n, r, &rl);
	}
}

static void test_perso_refused(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "",
	    "[]",
	    "{}",
	    "{\"usim\":{}}",
	    "{\"usim\":{\"imsi\":\"00101\",\"k\":\"" R16 "\",\"opc\":\"" R16 "\"}}",
	    "{\"usim\":{\"imsi\":\"0010100000000012\",\"k\":\"" R16 "\",\"opc\":\"" R16 "\"}}",
	    "{\"usim\":{\"imsi\":\"00101000000001a\",\"k\":\"" R16 "\",\"opc\":\"" R16 "\"}}",
	    "{\"usim\":{\"imsi\":\"001010000000001\",\"k\":\"" R16 "\"}}",
	    "{\"usim\":{\"imsi\":\"001010000000001\",\"k\":\"" R16 "\",\"opc\":\"" R16
	    "\",\"op\":\"" R16 "\"}}",
	    "{\"usim\":{\"imsi\":\"001010000000001\",\"k\":\"00\",\"opc\":\"" R16 "\"}}",
	    "{\"usim\":{\"imsi\":\"001010000000001\",\"k\":\"" R16 "\",\"opc\":\"" R16
	    "\",\"sqn\":\"00\"}}",
	    "{\"usim\":{\"imsi\":\"001010000000001\",\"k\":\"" R16 "\",\"opc\":\"" R16
	    "\",\"ki\":\"00\"}}",
	    "{\"usim\":{\"imsi\":\"001010000000001\",\"k\":\"" R16 "\",\"k\":\"" R16
	    "\",\"opc\":\"" R16 "\"}}",
	    "{\"aiot\":{\"aiotDevPermId\":\"ZA==\",\"key\":\"" R16 "\",\"suite\":\"des\"}}",
	    "{\"aiot\":{\"aiotDevPermId\":\"ZA==\",\"key\":\"00\",\"suite\":\"aes\"}}",
	    "{\"aiot\":{\"aiotDevPermId\":\"ZA==\",\"key\":\"" R16
	    "\",\"suite\":\"aes\",\"group\":\"g\"}}",
	    "{\"aiot\":{\"aiotDevPermId\":\"\",\"key\":\"" R16 "\",\"suite\":\"aes\"}}",
	    "{\"aiot\":{\"aiotDevPermId\":\"ZA==\",\"key\":\"" R16 "\",\"suite\":\"aes\"}} x",
	    "{\"aiot\":{\"aiotDevPermId\":\"ZA==\",\"key\":\"" R16 "\",\"suite\":\"aes\"},\"x\":1}",
	};
	uicc_perso p;
	char err[200];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (uicc_perso_parse(bad[i], strlen(bad[i]), &p, err, sizeof err) == 0)
			fail_msg("perso %zu accepted: %s", i, bad[i]);
		assert_true(uicc_test_all_zero((const uint8_t *)&p, sizeof p));
	}
	const char *good =
	    "{\"usim\":{\"imsi\":\"001010000000001\",\"k\":\"" R16 "\",\"op\":\"" R16
	    "\",\"sqn\":\"000000000020\"},"
	    "\"aiot\":{\"aiotDevPermId\":\"ZA==\",\"key\":\"" R16 "\",\"suite\":\"aes\"}}";
	assert_int_equal(uicc_perso_parse(good, strlen(good), &p, err, sizeof err), 0);
	assert_int_equal(p.apps, UICC_HAS_USIM | UICC_HAS_AIOT);
	assert_int_equal(p.amf[0], 0x80);
	assert_int_equal(p.sqn[5], 0x20);
	assert_int_equal(p.perm_id_len, 1);
	assert_int_equal(p.suite, AIOT_SUITE_AES);
	assert_memory_not_equal(p.opc, p.k, 16); /* OPc from OP, not OP itself */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_battery),       cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_get_response),  cmocka_unit_test(test_random_apdus),
	    cmocka_unit_test(test_perso_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
